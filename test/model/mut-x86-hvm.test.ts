// Mutation tests of src/model/xen/4.21/arch/x86/hvm/hvm.ts (issue #16), the model of xen/arch/x86/hvm/hvm.c at
// RELEASE-4.21.0: HVMOP_set_param / get_param (hvmop_set_param, hvm_allow_set_param, hvm_set_param, hvmop_get_param,
// hvm_allow_get_param, hvm_get_param: hvm.c:4188-4583), hvm_do_resume's injection and the domain / vcpu hooks.
// `hvm.c:N` below means xen/arch/x86/hvm/hvm.c at RELEASE-4.21.0.
import { strict as assert } from 'node:assert';
import { loadListing } from '../../src/debug/listing';
import type { Build } from '../../src/model/driver421';
import { Rec421 } from './rec421';
import { EEXIST, EINVAL, EPERM, ESRCH } from '../../src/model/errno';
import { DOMID_SELF } from '../../src/model/evtchn';
import * as P from '../../src/model/params';
import type { Co } from '../../src/model/step';
import type { Domain } from '../../src/model/xen';
import * as A from '../../src/model/abi';
import * as I from '../../src/model/xen/4.21/common/ioreq';
import { CRASHED, RESUMED } from '../../src/model/xen/common/outcome';
import { HVMOP_get_param, HVMOP_set_param, type XenHvmParam } from '../../src/model/xen/4.21/arch/x86/hvm/hvm';
import type { Hvm421 as Hvm421Flat } from '../../src/model/xen/4.21/arch/x86/hvm/hvm.flat';
import { X86_EXC_GP } from '../../src/model/xen/4.21/arch/x86/hvm/emulate';

const G = 1;

class Rec extends Rec421 {}
const guest = (build: Build = 'flat'): Rec => Rec.make('4.21', build, 2, G);
/** HVMOP_set_param / get_param as domain `caller` (flat build); the param struct comes back with the value got. */
function hvmop(t: Rec, caller: number, op: number, domid: number, index: number, value = 0): { rc: number; a: XenHvmParam } {
  const a: XenHvmParam = { domid, index, value };
  const c = t.domain(caller);
  const r = t.m.flatRun(`d${caller}`, c.vcpu[0] ?? null, (f) => (f.x421!.hvm as unknown as Hvm421Flat).doHvmOp(c, op, a));
  return { rc: r.value as number, a };
}
const set = (t: Rec, caller: number, domid: number, index: number, value: number) => hvmop(t, caller, HVMOP_set_param, domid, index, value).rc;
const get = (t: Rec, caller: number, domid: number, index: number) => hvmop(t, caller, HVMOP_get_param, domid, index);
/** An HVM domain made without setup_guest: every param still 0. */
function bare(t: Rec, domid: number): Domain {
  assert.equal(t.m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(domid, 1, true)).value, 0);
  return t.domain(domid);
}

describe('4.21 x86 hvm.c (mutation): HVMOP_set_param / get_param (hvm.c:4188-4583)', () => {
  it('the index is checked against HVM_NR_PARAMS (39) first: -EINVAL for 39 and for a negative one; 0 is a param', () => {
    const t = guest();
    assert.equal(get(t, 0, G, 39).rc, -EINVAL);
    assert.equal(get(t, 0, G, -1).rc, -EINVAL);
    assert.equal(get(t, 0, G, 38).rc, 0, 'MCA_CAP, the last one');
    assert.equal(set(t, 0, G, 39, 1), -EINVAL);
    assert.equal(set(t, 0, G, P.HVM_PARAM_CALLBACK_IRQ, 7), 0);
    assert.deepEqual([get(t, 0, G, P.HVM_PARAM_CALLBACK_IRQ).rc, get(t, 0, G, P.HVM_PARAM_CALLBACK_IRQ).a.value], [0, 7]);
  });

  it('rcu_lock_domain_by_any_id: no such domain -ESRCH, a dead one too; DOMID_SELF is the caller; a dying one is still found', () => {
    const t = guest();
    assert.equal(get(t, 0, 7, P.HVM_PARAM_STORE_PFN).rc, -ESRCH);
    const d = t.domain(G);
    const want = d.arch.hvm_domain.params[P.HVM_PARAM_STORE_PFN];
    assert.deepEqual([get(t, G, DOMID_SELF, P.HVM_PARAM_STORE_PFN).rc, get(t, G, DOMID_SELF, P.HVM_PARAM_STORE_PFN).a.value], [0, want]);
    d.is_dying = 1;
    assert.equal(get(t, 0, G, P.HVM_PARAM_STORE_PFN).rc, 0);
    d.is_dying = 2;
    assert.equal(get(t, 0, G, P.HVM_PARAM_STORE_PFN).rc, -ESRCH);
  });

  it('a PV domain is -EINVAL (is_hvm_domain, hvm.c:4464-4465, 4573)', () => {
    const t = guest();
    assert.equal(get(t, 0, 0, P.HVM_PARAM_STORE_PFN).rc, -EINVAL);
    assert.equal(set(t, 0, 0, P.HVM_PARAM_CALLBACK_IRQ, 1), -EINVAL);
  });

  it('xsm_hvm_param (XSM_TARGET): the domain itself, dom0 or its device-model domain; another domain is -EPERM', () => {
    const t = guest();
    bare(t, 2);
    t.createDmDomain(3, G);
    assert.equal(get(t, 2, G, P.HVM_PARAM_CALLBACK_IRQ).rc, -EPERM);
    assert.equal(set(t, 2, G, P.HVM_PARAM_CALLBACK_IRQ, 1), -EPERM);
    assert.equal(get(t, 3, G, P.HVM_PARAM_IOREQ_SERVER_PFN).rc, 0, 'the stub domain whose target d1 is');
    assert.equal(get(t, 3, 2, P.HVM_PARAM_IOREQ_SERVER_PFN).rc, -EPERM, 'not its target');
    assert.equal(get(t, 0, G, P.HVM_PARAM_IOREQ_SERVER_PFN).rc, 0);
  });

  it('hvm_allow_set_param: deprecated params -EINVAL even for dom0; the guest may set only its own list, other params -EPERM', () => {
    const t = guest();
    for (const index of [P.HVM_PARAM_PAE_ENABLED, P.HVM_PARAM_DM_DOMAIN, 20, 21, 22, 23, 24, 25, P.HVM_PARAM_BUFIOREQ_EVTCHN, 30]) {
      assert.equal(set(t, 0, G, index, 1), -EINVAL, `set ${index}`);
      assert.equal(get(t, 0, G, index).rc, -EINVAL, `get ${index}`);
    }
    for (const index of [P.HVM_PARAM_CALLBACK_IRQ, P.HVM_PARAM_VM86_TSS, P.HVM_PARAM_VM86_TSS_SIZED, P.HVM_PARAM_ACPI_IOPORTS_LOCATION,
      P.HVM_PARAM_VM_GENERATION_ID_ADDR, P.HVM_PARAM_STORE_EVTCHN, P.HVM_PARAM_CONSOLE_EVTCHN, P.HVM_PARAM_X87_FIP_WIDTH]) {
      assert.equal(set(t, G, G, index, t.domain(G).arch.hvm_domain.params[index] || 4), 0, `the guest sets ${index}`);
    }
    const ident = t.domain(G).arch.hvm_domain.params[P.HVM_PARAM_IDENT_PT];
    assert.equal(set(t, G, G, P.HVM_PARAM_IDENT_PT, 0x1000), -EPERM);
    assert.equal(set(t, G, G, P.HVM_PARAM_IOREQ_PFN, 0x1000), -EPERM);
    assert.equal(t.domain(G).arch.hvm_domain.params[P.HVM_PARAM_IDENT_PT], ident, 'not stored');
    assert.equal(set(t, 0, G, P.HVM_PARAM_IDENT_PT, 0x1000), 0, 'dom0 may');
  });

  it('the once-only params (hvm.c:4250-4262): a second, different value is -EEXIST; the same value again, or a first one, is fine', () => {
    const t = guest();
    const d = t.domain(G);
    for (const index of [P.HVM_PARAM_IOREQ_PFN, P.HVM_PARAM_BUFIOREQ_PFN, P.HVM_PARAM_IOREQ_SERVER_PFN, P.HVM_PARAM_NR_IOREQ_SERVER_PAGES]) {
      const old = d.arch.hvm_domain.params[index];
      assert.notEqual(old, 0, `setup_guest set ${index}`);
      assert.equal(set(t, 0, G, index, old + 1), -EEXIST, `${index}`);
      assert.equal(set(t, 0, G, index, old), 0, `${index} again`);
      assert.equal(d.arch.hvm_domain.params[index], old);
    }
    const e = bare(t, 2);
    assert.equal(set(t, 0, 2, P.HVM_PARAM_VIRIDIAN, 1), 0);
    assert.equal(set(t, 0, 2, P.HVM_PARAM_VIRIDIAN, 3), -EEXIST);
    assert.equal(set(t, 0, 2, P.HVM_PARAM_MCA_CAP, 1), 0);
    assert.equal(set(t, 0, 2, P.HVM_PARAM_MCA_CAP, 0), -EEXIST);
    assert.equal(set(t, 0, 2, P.HVM_PARAM_CALLBACK_IRQ, 1), 0);
    assert.equal(set(t, 0, 2, P.HVM_PARAM_CALLBACK_IRQ, 2), 0, 'not a once-only param');
    assert.equal(e.arch.hvm_domain.params[P.HVM_PARAM_CALLBACK_IRQ], 2);
  });

  it('hvm_set_param: the gfn pool\'s base, NR_IOREQ_SERVER_PAGES 1-32 setting that many mask bits (0 or 33: -EINVAL, not stored), legacy bits for non-zero gfns (hvm.c:4358-4385)', () => {
    const t = guest();
    const e = bare(t, 2);
    assert.equal(set(t, 0, 2, P.HVM_PARAM_IOREQ_SERVER_PFN, 0x1000), 0);
    assert.equal(e.x421.ioreq_gfn.base, 0x1000);
    assert.equal(set(t, 0, 2, P.HVM_PARAM_NR_IOREQ_SERVER_PAGES, 0), -EINVAL);
    assert.equal(set(t, 0, 2, P.HVM_PARAM_NR_IOREQ_SERVER_PAGES, 33), -EINVAL);
    assert.deepEqual([e.x421.ioreq_gfn.mask, e.arch.hvm_domain.params[P.HVM_PARAM_NR_IOREQ_SERVER_PAGES]], [0, 0]);
    assert.equal(set(t, 0, 2, P.HVM_PARAM_NR_IOREQ_SERVER_PAGES, 32), 0);
    assert.equal(e.x421.ioreq_gfn.mask >>> 0, 0xffffffff);
    assert.equal(e.arch.hvm_domain.params[P.HVM_PARAM_NR_IOREQ_SERVER_PAGES], 32);
    const f = bare(t, 3);
    assert.equal(set(t, 0, 3, P.HVM_PARAM_NR_IOREQ_SERVER_PAGES, 3), 0);
    assert.equal(f.x421.ioreq_gfn.mask, 0x7);
    assert.equal(set(t, 0, 3, P.HVM_PARAM_IOREQ_PFN, 0), 0);
    assert.equal(f.x421.ioreq_gfn.legacy_mask, 0, 'a zero gfn is no legacy page');
    assert.equal(set(t, 0, 3, P.HVM_PARAM_BUFIOREQ_PFN, 0x2000), 0);
    assert.equal(f.x421.ioreq_gfn.legacy_mask, 1 << P.HVM_PARAM_BUFIOREQ_PFN);
    assert.equal(set(t, 0, 3, P.HVM_PARAM_IOREQ_PFN, 0x2001), 0);
    assert.equal(f.x421.ioreq_gfn.legacy_mask, 0x60);
    assert.equal(set(t, 0, 3, P.HVM_PARAM_STORE_PFN, 0x3000), 0);
    assert.deepEqual(f.x421.ioreq_gfn, { base: 0, mask: 0x7, legacy_mask: 0x60 }, 'other params leave the pool alone');
  });

  it('an op other than set or get is -ENOSYS', () => {
    const t = guest();
    assert.equal(hvmop(t, 0, 2, G, P.HVM_PARAM_STORE_PFN).rc, -38);
  });

  it('hvm_allow_get_param: the guest reads its own list plus STORE_PFN and CONSOLE_PFN; anything else of its own is -EPERM', () => {
    const t = guest();
    const d = t.domain(G);
    for (const index of [P.HVM_PARAM_STORE_PFN, P.HVM_PARAM_CONSOLE_PFN, P.HVM_PARAM_CALLBACK_IRQ, P.HVM_PARAM_STORE_EVTCHN]) {
      const r = get(t, G, G, index);
      assert.deepEqual([r.rc, r.a.value], [0, d.arch.hvm_domain.params[index]], `${index}`);
    }
    for (const index of [P.HVM_PARAM_IOREQ_PFN, P.HVM_PARAM_IOREQ_SERVER_PFN, P.HVM_PARAM_ACPI_S_STATE]) {
      const r = get(t, G, G, index);
      assert.deepEqual([r.rc, r.a.value], [-EPERM, 0], `${index}: refused, nothing copied back`);
    }
    assert.equal(get(t, 0, G, P.HVM_PARAM_IOREQ_PFN).a.value, 0xfeffd);
  });

  it('hvm_get_param: ACPI_S_STATE reads 3 while the guest is in S3, else 0, whatever the params array holds (hvm.c:4528-4530)', () => {
    const t = guest();
    const d = t.domain(G);
    d.arch.hvm_domain.params[P.HVM_PARAM_ACPI_S_STATE] = 5;
    assert.equal(get(t, 0, G, P.HVM_PARAM_ACPI_S_STATE).a.value, 0);
    d.arch.hvm_domain.is_s3_suspended = true;
    assert.equal(get(t, 0, G, P.HVM_PARAM_ACPI_S_STATE).a.value, 3);
  });

  it('a successful get records a param_get event naming the param, its value (hex for a pfn) and the caller', () => {
    const t = guest();
    const from = t.m.x.events.length;
    get(t, 0, G, P.HVM_PARAM_IOREQ_PFN);
    get(t, G, G, P.HVM_PARAM_STORE_EVTCHN);
    get(t, G, G, P.HVM_PARAM_IOREQ_PFN);
    const evtchn = t.domain(G).arch.hvm_domain.params[P.HVM_PARAM_STORE_EVTCHN];
    assert.deepEqual(t.m.x.events.slice(from).filter((e) => e.kind === 'param_get').map(({ seq: _s, actor: _a, ...e }) => e), [
      { kind: 'param_get', fn: 'hvmop_get_param', domid: G, detail: { index: 5, name: 'IOREQ_PFN', value: 0xfeffd, caller: 0 }, text: 'd0 got d1 IOREQ_PFN = 0xfeffd' },
      { kind: 'param_get', fn: 'hvmop_get_param', domid: G, detail: { index: 2, name: 'STORE_EVTCHN', value: evtchn, caller: G }, text: `d1 got d1 STORE_EVTCHN = ${evtchn}` },
    ]);
    t.m.x.on = false;
    const f2 = t.m.x.events.length;
    get(t, 0, G, P.HVM_PARAM_IOREQ_PFN);
    assert.equal(t.m.x.events.length, f2);
  });

  it('stops of do_hvm_op show the op, the domain looked up (NULL when none), the index and the values set and got', () => {
    const t = guest('stepped');
    const d0 = t.domain(0);
    const run = (op: number, a: XenHvmParam) => t.run('d0', d0.vcpu[0], (i) => (i.hvm as unknown as { doHvmOp(c: Domain, o: number, x: XenHvmParam): Co<number> }).doHvmOp(d0, op, a));
    let from = t.stops.length;
    run(HVMOP_get_param, { domid: 9, index: P.HVM_PARAM_STORE_PFN, value: 0 });
    assert.deepEqual(t.pick('do_hvm_op', 'lookup', ['d'], from), [{ d: null }]);
    from = t.stops.length;
    run(HVMOP_set_param, { domid: G, index: P.HVM_PARAM_CALLBACK_IRQ, value: 0x10 });
    assert.deepEqual(t.labels('do_hvm_op', from), ['index', 'lookup', 'allow_set', 'set', 'store']);
    assert.deepEqual(t.pick('do_hvm_op', 'allow_set', ['index'], from), [{ index: 0 }]);
    assert.deepEqual(t.pick('do_hvm_op', 'set', ['index', 'value'], from), [{ index: 0, value: '0x10' }]);
    from = t.stops.length;
    run(HVMOP_get_param, { domid: G, index: P.HVM_PARAM_IOREQ_PFN, value: 0 });
    assert.deepEqual(t.labels('do_hvm_op', from), ['index', 'lookup', 'allow_get', 'got']);
    assert.deepEqual(t.pick('do_hvm_op', 'allow_get', ['index'], from), [{ index: 5 }]);
    assert.deepEqual(t.pick('do_hvm_op', 'got', ['value'], from), [{ value: '0xfeffd' }]);
  });
});

describe('4.21 x86 hvm.c (mutation): hvm_do_resume and the domain / vcpu hooks', () => {
  it('hvm_do_resume injects the pending trap once and clears it; a crashed domain is CRASHED', () => {
    const t = guest('stepped');
    const v = t.vcpu(G, 0);
    assert.equal(t.mmio(G, 0, 0xe0000000n, 3, A.IOREQ_READ).value, false, 'a bad size: #GP');
    assert.equal(v.arch.hvm_vcpu.inject_trap.vector, X86_EXC_GP);
    const from = t.stops.length;
    assert.equal(t.resume(G, 0).value, RESUMED);
    assert.deepEqual(t.labels('hvm_do_resume', from), ['check_wakeup', 'completion', 'inject']);
    assert.deepEqual(t.pick('hvm_do_resume', 'inject', ['vector'], from), [{ vector: X86_EXC_GP }]);
    assert.equal(v.arch.hvm_vcpu.inject_trap.vector, -1);
    assert.equal(t.resume(G, 0).value, RESUMED);
    assert.equal(v.arch.hvm_vcpu.inject_trap.vector, -1, 'nothing pending stays nothing');
    v.arch.hvm_vcpu.inject_trap.vector = 0;
    t.resume(G, 0);
    assert.equal(v.arch.hvm_vcpu.inject_trap.vector, -1, 'vector 0 (#DE) is a trap too');
    t.domain(G).crashed = { reason: 'x', fn: 'x', actor: 'x' };
    assert.equal(t.resume(G, 0).value, CRASHED);
  });

  it('a vcpu brought up after a server exists joins it (hvm_vcpu_initialise -> ioreq_server_add_vcpu_all)', () => {
    const t = guest();
    const dm = t.addDm('q', 'qemu', 0, G);
    dm.want_ranges = [];
    assert.equal(t.dmInit('q').value, 0, dm.last_error ?? '');
    const d = t.domain(G);
    assert.equal(t.m.flatRun('toolstack', null, (f) => f.libxc.allocVcpu(d, 2)).value, 0);
    assert.deepEqual(d.x421.server[0]!.ioreq_vcpu_list.map((sv) => sv.vcpu.vcpu_id).sort(), [0, 1, 2]);
  });

  it('stops: domain creation, vcpu bring-up, the decrease_reservation hypercall and the guest\'s end', () => {
    const t = guest('stepped');
    let from = t.stops.length;
    t.run('toolstack', null, () => t.m.stepped.libxc.xcDomainCreate(2, 1, true) as unknown as Co<number>);
    assert.deepEqual(t.labels('hvm_domain_initialise', from), ['ioreq_domain_init']);
    assert.deepEqual(t.labels('hvm_vcpu_initialise', from), ['add_vcpu_all']);
    from = t.stops.length;
    t.decreaseReservation(G, 0, 0x7ffff);
    assert.deepEqual(t.labels('hvm_hypercall_decrease_reservation', from), ['memory_op', 'tail']);
    assert.deepEqual(t.pick('hvm_hypercall_decrease_reservation', 'tail', ['mapcache_invalidate'], from), [{ mapcache_invalidate: false }], 'a frame with no RAM: nothing removed, no flush asked for');
    from = t.stops.length;
    t.run('toolstack', null, () => t.m.stepped.libxc.domainKill(t.domain(G)) as unknown as Co<number>);
    assert.deepEqual(t.labels('hvm_domain_relinquish_resources', from), ['destroy_all']);
    assert.deepEqual(t.labels('hvm_vcpu_destroy', from), ['remove_vcpu_all', 'remove_vcpu_all']);
    const L = loadListing('4.21/arch/x86/hvm/hvm.c');
    for (const s of t.stops) if (L.fns.has(s.fn)) assert.ok(L.fns.get(s.fn)!.labels.has(s.at), `${s.fn}@${s.at}`);
  });

  it('a RAM frame given back asks for a flush: the tail shows it and takes it', () => {
    const t = guest('stepped');
    const dm = t.addDm('q', 'qemu', 0, G);
    dm.want_ranges = [[I.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3ffn]];
    assert.equal(t.dmInit('q').value, 0, dm.last_error ?? '');
    const from = t.stops.length;
    t.decreaseReservation(G, 0, 0x100);
    assert.deepEqual(t.pick('hvm_hypercall_decrease_reservation', 'tail', ['mapcache_invalidate'], from), [{ mapcache_invalidate: true }]);
    assert.equal(t.vcpu(G, 0).mapcache_invalidate, false, 'taken by the tail');
  });
});
