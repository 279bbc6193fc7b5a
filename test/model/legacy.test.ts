// The legacy profile: hvm.c BEFORE the seed (its preimage, v2 3/6), read from the lines the seed removes, with
// RELEASE-4.4.0 bodies where the seed shows none ([X44] 348-491, 1193-1215, 3902-4053).
import assert from 'node:assert/strict';
import * as A from '../../src/model/abi';
import { EINVAL } from '../../src/model/errno';
import * as E from '../../src/model/evtchn';
import { Model, type FlatImpl } from '../../src/model/model';
import * as P from '../../src/model/params';
import { CRASHED, RESUMED } from '../../src/model/xen/common/outcome';
import { HVMOP_get_param, HVMOP_set_param } from '../../src/model/xen/seed/hvm.flat';
import type { HvmLegacy } from '../../src/model/xen/legacy/hvm.flat';
import { GuestPage, type Domain } from '../../src/model/xen';

const IOREQ = 0xfeffd; // special_pfn(SPECIALPAGE_IOREQ) = 0xff000 - 8 + 5
const BUFIOREQ = 0xfeffb; // special_pfn(SPECIALPAGE_BUFIOREQ) = 0xff000 - 8 + 3
const legacy = (f: FlatImpl) => f.hvm as HvmLegacy;

function run<T>(m: Model, fn: (f: FlatImpl) => T): T {
  const r = m.flatRun('toolstack', null, fn);
  assert.equal(r.panic, undefined, `Xen panicked: ${r.panic}`);
  return r.value as T;
}

/** dom0 and an HVM guest d1 with two vcpus, created but not yet built. */
function created() {
  const m = new Model('legacy').boot();
  assert.equal(run(m, (f) => f.libxc.xcDomainCreate(1, 2, true)), 0);
  return { m, d0: m.x.domains.get(0)!, d1: m.x.domains.get(1)! };
}
function built() {
  const g = created();
  assert.equal(run(g.m, (f) => f.libxc.setupGuest(g.d1, 0x8000, 0, 0)), 0);
  assert.equal(run(g.m, (f) => f.libxc.domainUnpauseByController(g.d1)), 0);
  return { ...g, s: g.d1.arch.hvm_domain.ioreq_server! };
}
function hvmop(m: Model, caller: Domain, op: number, domid: number, index: number, value = 0) {
  const a = { domid, index, value };
  const rc = run(m, (f) => f.hvm.doHvmOp(caller, op, a));
  return { rc, value: a.value };
}
const maps = (d: Domain, pfn: number) => d.physmap.get(pfn)!.xen_maps;
const xenPorts = (d: Domain) => d.evtchn.ports.flatMap((c, p) => (c.xen_consumer ? [p] : []));

describe('legacy: the server made at domain creation (preimage hvm_init_ioreq_server)', () => {
  it('exists right after domain creation, pages unmapped, domain paused twice plus the controller pause (3)', () => {
    const { m, d1 } = created();
    const s = d1.arch.hvm_domain.ioreq_server!;
    assert.ok(s && !s.freed);
    assert.equal(s.ioreq.va, null);
    assert.equal(s.buf_ioreq.va, null);
    assert.equal(d1.pause_count, 3);
    // hvm_vcpu_initialise already gave each vcpu a port (vcpu 0 a second, buffered one), for params[DM_DOMAIN] = 0.
    assert.deepEqual(xenPorts(d1), [s.ioreq_evtchn[0], s.buf_ioreq_evtchn, s.ioreq_evtchn[1]].sort((a, b) => a - b));
    for (const p of xenPorts(d1)) assert.equal(d1.evtchn.ports[p].remote_domid, 0);
    assert.equal(d1.vcpu[1].arch.hvm_vcpu.xen_port, s.ioreq_evtchn[1]);
    assert.equal(m.x.console.length, 0); // no "hvm_create_ioreq_server" line in the preimage
  });

  it('setup_guest setting IOREQ_PFN and BUFIOREQ_PFN maps each page and unpauses once each (3 -> 1) [X44 467-491]', () => {
    const { m, d0, d1 } = created();
    const s = d1.arch.hvm_domain.ioreq_server!;
    for (const pfn of [IOREQ, BUFIOREQ]) d1.physmap.set(pfn, new GuestPage('special'));
    assert.equal(hvmop(m, d0, HVMOP_set_param, 1, P.HVM_PARAM_BUFIOREQ_PFN, BUFIOREQ).rc, 0);
    assert.equal(d1.pause_count, 2);
    assert.equal(s.buf_ioreq.page, BUFIOREQ);
    assert.equal(maps(d1, BUFIOREQ), 1);
    // Not yet a mapped ioreq page, so the ports are not in the slots: d1's page bytes are still zero.
    assert.equal(d1.page(IOREQ)!.data().getUint32(A.OFF_VP_EPORT, true), 0);
    assert.equal(hvmop(m, d0, HVMOP_set_param, 1, P.HVM_PARAM_IOREQ_PFN, IOREQ).rc, 0);
    assert.equal(d1.pause_count, 1);
    assert.equal(maps(d1, IOREQ), 1);
    const slot = (i: number) => A.readIoreq(d1.physmap.get(IOREQ)!.data(), A.ioreqOffset(i));
    assert.equal(slot(0).vp_eport, s.ioreq_evtchn[0]);
    assert.equal(slot(1).vp_eport, s.ioreq_evtchn[1]);
    assert.equal(d1.arch.hvm_domain.params[P.HVM_PARAM_IOREQ_PFN], IOREQ);
  });

  it('the full setup_guest leaves only the controller pause, and xc_domain_unpause brings it to 0', () => {
    const { m, d1 } = created();
    run(m, (f) => f.libxc.setupGuest(d1, 0x8000, 0, 0));
    assert.equal(d1.pause_count, 1);
    run(m, (f) => f.libxc.domainUnpauseByController(d1));
    assert.equal(d1.pause_count, 0);
  });

  it('a second set of IOREQ_PFN fails -EINVAL and unmaps the OLD page, leaking the new mapping (preimage bug) [SEED @492]', () => {
    const { m, d0, d1, s } = built();
    const other = 0xfeffa;
    assert.equal(hvmop(m, d0, HVMOP_set_param, 1, P.HVM_PARAM_IOREQ_PFN, other).rc, -EINVAL);
    assert.equal(s.ioreq.va, null); // the live page is gone from Xen's view
    assert.equal(maps(d1, IOREQ), 0);
    assert.equal(maps(d1, other), 1); // the new mapping is never dropped
    assert.equal(d1.arch.hvm_domain.params[P.HVM_PARAM_IOREQ_PFN], IOREQ); // rc != 0: not stored
    assert.equal(d1.pause_count, 0); // no unpause on failure
  });

  it('get BUFIOREQ_EVTCHN returns the existing buffered port and never creates anything', () => {
    const { m, d0, d1, s } = built();
    const ports = xenPorts(d1);
    const r = hvmop(m, d0, HVMOP_get_param, 1, P.HVM_PARAM_BUFIOREQ_EVTCHN);
    assert.deepEqual(r, { rc: 0, value: s.buf_ioreq_evtchn });
    assert.equal(d1.arch.hvm_domain.ioreq_server, s);
    assert.deepEqual(xenPorts(d1), ports);
    assert.equal(m.x.console.filter((l) => l.text.startsWith('hvm_create_ioreq_server')).length, 0);
    assert.deepEqual(hvmop(m, d0, HVMOP_get_param, 1, P.HVM_PARAM_IOREQ_PFN), { rc: 0, value: IOREQ });
    assert.equal(maps(d1, IOREQ), 1);
  });

  it('set DM_DOMAIN replaces every port unconditionally (even for the same domid) [X44 4020-4053]', () => {
    const { m, d0, d1, s } = built();
    const old = [s.buf_ioreq_evtchn, s.ioreq_evtchn[0], s.ioreq_evtchn[1]];
    assert.equal(hvmop(m, d0, HVMOP_set_param, 1, P.HVM_PARAM_DM_DOMAIN, 0).rc, 0);
    const now = [s.buf_ioreq_evtchn, s.ioreq_evtchn[0], s.ioreq_evtchn[1]];
    now.forEach((p, i) => assert.notEqual(p, old[i]));
    assert.equal(d1.vcpu[0].arch.hvm_vcpu.xen_port, s.ioreq_evtchn[0]);
    assert.equal(A.readIoreq(d1.physmap.get(IOREQ)!.data(), A.ioreqOffset(1)).vp_eport, s.ioreq_evtchn[1]);
    assert.equal(d1.pause_count, 0);
  });

  it('a bad slot state crashes the domain and hvm_do_resume bails BEFORE the trap injection [X44 348-388]', () => {
    const { m, d1 } = built();
    const v0 = d1.vcpu[0];
    A.setState(d1.physmap.get(IOREQ)!.data(), A.ioreqOffset(0), 5);
    v0.arch.hvm_vcpu.inject_trap.vector = 14;
    const r = m.flatRun('vcpu0', v0, (f) => f.hvm.hvmDoResume(v0));
    assert.equal(r.value, CRASHED);
    assert.ok(m.x.console.some((l) => l.text === 'Weird HVM iorequest state 5.'));
    assert.equal(d1.crashed?.fn, 'hvm_do_resume');
    assert.equal(v0.arch.hvm_vcpu.inject_trap.vector, 14);
  });

  it('a normal hvm_do_resume with an idle slot injects the pending trap', () => {
    const { m, d1 } = built();
    const v1 = d1.vcpu[1];
    v1.arch.hvm_vcpu.inject_trap.vector = 3;
    assert.equal(m.flatRun('vcpu1', v1, (f) => f.hvm.hvmDoResume(v1)).value, RESUMED);
    assert.equal(v1.arch.hvm_vcpu.inject_trap.vector, -1);
  });

  it('a whole device-model round trip works as before the seed (demo sequence)', () => {
    const { m, d1, s } = built();
    const dm = m.addDeviceModel('qemu', 0, 1, 2);
    assert.equal(m.flatRun('dm0', null, (f) => f.qemu.xenHvmInit(dm)).value, 0);
    const v1 = d1.vcpu[1];
    m.flatRun('vcpu1', v1, (f) => f.hvm.handlePio(v1, 0x60, 4, A.IOREQ_READ, 0n));
    assert.equal(m.flatRun('dm0', null, (f) => f.qemu.cpuHandleIoreq(dm, 1, { data: 0xfeedfacen })).value, 1);
    assert.equal(m.flatRun('vcpu1', v1, (f) => f.hvm.hvmDoResume(v1)).value, RESUMED);
    assert.equal(v1.rax, 0xfeedfacen);
    assert.equal(d1.evtchn.ports[s.ioreq_evtchn[1]].state, E.ECS_INTERDOMAIN);
  });
});

describe('legacy: domain destruction (preimage hvm_deinit_ioreq_server)', () => {
  it('destroying the domain reports a use-after-free from hvm_vcpu_destroy (the pointer is left dangling)', () => {
    const { m, d1, s } = built();
    assert.equal(run(m, (f) => f.libxc.domainKill(d1)), 0);
    assert.equal(s.freed, true);
    assert.equal(d1.arch.hvm_domain.ioreq_server, s); // never cleared
    assert.ok(m.x.bugs.length >= 1);
    assert.ok(m.x.bugs.every((b) => b.kind === 'use-after-free'));
    assert.ok(m.x.bugs.some((b) => b.fn === 'hvm_ioreq_server_remove_vcpu'));
  });

  it('the use-after-free comes from hvm_vcpu_destroy after relinquish, not from relinquish itself', () => {
    const { m, d1, s } = built();
    d1.is_dying = 1;
    run(m, (f) => legacy(f).hvmDomainRelinquishResources(d1));
    assert.equal(s.freed, true);
    assert.equal(maps(d1, IOREQ), 0);
    assert.equal(maps(d1, BUFIOREQ), 0);
    assert.equal(m.x.bugs.length, 0);
    run(m, (f) => legacy(f).hvmVcpuDestroy(d1.vcpu[0]));
    assert.equal(m.x.bugs.length, 1);
    assert.equal(m.x.bugs[0].kind, 'use-after-free');
  });

  it('hvm_destroy_ioreq_page ASSERTs the domain is dying (panics on a live domain)', () => {
    const { m, d1, s } = built();
    const r = m.flatRun('toolstack', null, (f) => legacy(f).hvmDestroyIoreqPage(d1, s.ioreq));
    assert.match(r.panic ?? '', /ASSERT\(d->is_dying\)/);
  });
});
