// The seed profile: xen/arch/x86/hvm/hvm.c after "ioreq-server: on-demand creation of ioreq server" (v2 4/6).
// [SEED @n] cites the seed's hunk at line n; [X44] is RELEASE-4.4.0 (see shared/docs/xen-ioreq.md).
import assert from 'node:assert/strict';
import * as A from '../../src/model/abi';
import { EEXIST, EINVAL, ENOENT, ENOMEM, EPERM } from '../../src/model/errno';
import * as E from '../../src/model/evtchn';
import { Model } from '../../src/model/model';
import * as P from '../../src/model/params';
import { CRASHED, RESUMED, type ProtoIoreq } from '../../src/model/xen/common/outcome';
import { HVMOP_get_param, HVMOP_set_param } from '../../src/model/xen/seed/hvm.flat';
import { Domain, HvmIoreqServer } from '../../src/model/xen';
import { devKey, type DeviceModel } from '../../src/model/dm';
import { hvm, run, seedGuest } from './seed-guest';

const IOREQ = 0xfeff9; // special_pfn(SPECIALPAGE_IOREQ) in the seed's layout
const BUFIOREQ = 0xfeff8; // special_pfn(SPECIALPAGE_IOREQ) - 1
/** seedGuest's domains, with the PV domain d2 as d1's stub domain. */
function guest(nrVcpus = 2) {
  const g = seedGuest(nrVcpus);
  // The stub domain serves d1 (XEN_DOMCTL_set_target), so XSM lets it use d1's params.
  g.d2.target = 1;
  return g;
}

function op(m: Model, caller: Domain, o: number, domid: number, index: number, value = 0) {
  const a = { domid, index, value };
  const rc = run(m, `d${caller.domain_id}`, (f) => f.hvm.doHvmOp(caller, o, a));
  return { rc, value: a.value };
}
const getp = (m: Model, c: Domain, domid: number, i: number) => op(m, c, HVMOP_get_param, domid, i);
const setp = (m: Model, c: Domain, domid: number, i: number, v: number) => op(m, c, HVMOP_set_param, domid, i, v).rc;

const creates = (m: Model) => m.x.console.filter((l) => l.text === 'hvm_create_ioreq_server: 1').length;
const live = (d: Domain) => JSON.stringify(d.evtchn.ports.filter((c) => c.state !== E.ECS_FREE));
const xenPorts = (d: Domain) => d.evtchn.ports.flatMap((c, p) => (c.xen_consumer ? [p] : []));
const maps = (d: Domain, pfn: number) => d.physmap.get(pfn)!.xen_maps;
const slot = (d: Domain, i: number) => A.readIoreq(d.physmap.get(IOREQ)!.data(), A.ioreqOffset(i));

/** A guest with a device model in dom0 initialised as QEMU's xen_hvm_init does (this creates the server). */
function withDm() {
  const g = guest();
  const dm = g.m.addDeviceModel('qemu', 0, 1, 2);
  assert.equal(run(g.m, 'dm0', (f) => f.qemu.xenHvmInit(dm)), 0);
  return { ...g, dm, s: g.d1.arch.hvm_domain.ioreq_server! };
}
function serve(m: Model, dm: DeviceModel, i: number, data?: bigint) {
  return run(m, 'dm0', (f) => f.qemu.cpuHandleIoreq(dm, i, data === undefined ? {} : { data }));
}
function resume(m: Model, d: Domain, i: number): number {
  const v = d.vcpu[i];
  const r = m.flatRun(`vcpu${i}`, v, (f) => f.hvm.hvmDoResume(v));
  assert.equal(r.panic, undefined);
  return r.value!;
}
const proto = (o: Partial<ProtoIoreq>): ProtoIoreq => ({ ...A.emptyIoreq(), type: A.IOREQ_TYPE_COPY, addr: 0xa0000n, size: 4, count: 1, dir: A.IOREQ_WRITE, ...o });
const ring = (s: HvmIoreqServer) => s.buf_ioreq.va!;

describe('seed: on-demand creation of the ioreq server', () => {
  it('setup_guest no longer creates a server: hvm_domain_initialise lost hvm_init_ioreq_server [SEED @857]', () => {
    const { d1 } = guest();
    assert.equal(d1.arch.hvm_domain.ioreq_server, null); assert.deepEqual(xenPorts(d1), []);
    assert.equal(d1.pause_count, 0);
  });

  for (const [name, index] of [['IOREQ_PFN', P.HVM_PARAM_IOREQ_PFN], ['BUFIOREQ_PFN', P.HVM_PARAM_BUFIOREQ_PFN], ['BUFIOREQ_EVTCHN', P.HVM_PARAM_BUFIOREQ_EVTCHN]] as const) {
    it(`the first HVMOP_get_param of ${name} creates the server with the caller's domid [SEED @4563]`, () => {
      const { m, d1, d2 } = guest();
      const r = getp(m, d2, 1, index);
      assert.equal(r.rc, 0);
      const s = d1.arch.hvm_domain.ioreq_server!;
      assert.ok(s && !s.freed); assert.equal(s.domid, 2);
      assert.deepEqual(m.x.console.map((l) => l.text), ['hvm_create_ioreq_server: 1']);
      const expect = { IOREQ_PFN: IOREQ, BUFIOREQ_PFN: BUFIOREQ, BUFIOREQ_EVTCHN: s.buf_ioreq_evtchn }[name];
      assert.equal(r.value, expect);
      // Every port is unbound, Xen-owned, for the caller; both pages mapped once; vp_eport written; pause undone.
      for (const p of [s.ioreq_evtchn[0], s.ioreq_evtchn[1], s.buf_ioreq_evtchn]) {
        const c = d1.evtchn.ports[p];
        assert.equal(c.state, E.ECS_UNBOUND); assert.equal(c.xen_consumer, 1); assert.equal(c.remote_domid, 2);
      }
      assert.equal(new Set([s.ioreq_evtchn[0], s.ioreq_evtchn[1], s.buf_ioreq_evtchn]).size, 3);
      assert.equal(slot(d1, 0).vp_eport, s.ioreq_evtchn[0]); assert.equal(slot(d1, 1).vp_eport, s.ioreq_evtchn[1]);
      assert.equal(maps(d1, IOREQ), 1); assert.equal(maps(d1, BUFIOREQ), 1);
      assert.equal(d1.pause_count, 0);
    });
  }

  it('a guest reading its own IOREQ_PFN makes hvm_create_ioreq_server domain_pause() itself: ASSERT(d != current->domain) fails [SEED @4563, common/domain.c domain_pause]', () => {
    const { m, d1 } = guest();
    const v0 = d1.vcpu[0];
    const r = m.flatRun('vcpu0', v0, (f) => f.hvm.doHvmOp(d1, HVMOP_get_param, { domid: E.DOMID_SELF, index: P.HVM_PARAM_IOREQ_PFN, value: 0 }));
    assert.match(r.panic ?? `no panic; server domid ${d1.arch.hvm_domain.ioreq_server?.domid}`, /ASSERT/);
  });

  it('a second get does not create again: hvm_create_ioreq_server returns -EEXIST before printing [SEED @618]', () => {
    const { m, d0, d1, d2 } = guest();
    getp(m, d0, 1, P.HVM_PARAM_IOREQ_PFN);
    const s = d1.arch.hvm_domain.ioreq_server;
    const ports = xenPorts(d1);
    assert.deepEqual(getp(m, d2, 1, P.HVM_PARAM_BUFIOREQ_PFN), { rc: 0, value: BUFIOREQ }); assert.equal(creates(m), 1);
    assert.equal(d1.arch.hvm_domain.ioreq_server, s); assert.equal(s!.domid, 0);
    assert.deepEqual(xenPorts(d1), ports); assert.equal(maps(d1, IOREQ), 1);
    assert.equal(run(m, 'x', (f) => hvm(f).hvmCreateIoreqServer(d1, 0)), -EEXIST); assert.equal(creates(m), 1);
  });

  it('set DM_DOMAIN before creation creates the server with that domid and stores the param [SEED @4466]', () => {
    const { m, d0, d1 } = guest();
    assert.equal(setp(m, d0, 1, P.HVM_PARAM_DM_DOMAIN, 2), 0); assert.equal(d1.arch.hvm_domain.ioreq_server!.domid, 2);
    assert.equal(d1.arch.hvm_domain.params[P.HVM_PARAM_DM_DOMAIN], 2); assert.equal(creates(m), 1);
    assert.equal(d1.evtchn.ports[d1.arch.hvm_domain.ioreq_server!.buf_ioreq_evtchn].remote_domid, 2);
  });

  it('set DM_DOMAIN after creation with another domid replaces every event channel [SEED @750, X44 3902-3915]', () => {
    const { m, d0, d1, dm, s } = withDm();
    const old = { buf: s.buf_ioreq_evtchn, v0: s.ioreq_evtchn[0], v1: s.ioreq_evtchn[1] };
    const dmPorts = [...dm.ioreq_local_port, dm.bufioreq_local_port];
    for (const p of dmPorts) assert.equal(d0.evtchn.ports[p].state, E.ECS_INTERDOMAIN);
    const pause = d1.pause_count;
    assert.equal(setp(m, d0, 1, P.HVM_PARAM_DM_DOMAIN, 2), 0); assert.equal(d1.arch.hvm_domain.ioreq_server, s);
    assert.equal(s.domid, 2); assert.equal(creates(m), 1);
    assert.equal(d1.pause_count, pause); assert.notEqual(s.buf_ioreq_evtchn, old.buf);
    assert.notEqual(s.ioreq_evtchn[0], old.v0); assert.notEqual(s.ioreq_evtchn[1], old.v1);
    const now = [s.buf_ioreq_evtchn, s.ioreq_evtchn[0], s.ioreq_evtchn[1]];
    for (const p of now) {
      assert.equal(d1.evtchn.ports[p].state, E.ECS_UNBOUND); assert.equal(d1.evtchn.ports[p].remote_domid, 2);
    }
    for (const p of Object.values(old)) if (!now.includes(p)) assert.equal(d1.evtchn.ports[p].state, E.ECS_FREE);
    assert.equal(xenPorts(d1).length, 3); assert.equal(slot(d1, 0).vp_eport, s.ioreq_evtchn[0]);
    assert.equal(slot(d1, 1).vp_eport, s.ioreq_evtchn[1]);
    for (const p of dmPorts) {
      assert.equal(d0.evtchn.ports[p].state, E.ECS_UNBOUND); assert.equal(d0.evtchn.ports[p].remote_domid, 1);
    }
  });

  it('set DM_DOMAIN with the same domid changes nothing [SEED @750: s->domid == domid]', () => {
    const { m, d0, d1, s } = withDm();
    const before = JSON.stringify(d1.evtchn.ports) + JSON.stringify(d0.evtchn.ports);
    const ports = [s.buf_ioreq_evtchn, ...s.ioreq_evtchn.slice(0, 2)];
    assert.equal(setp(m, d0, 1, P.HVM_PARAM_DM_DOMAIN, 0), 0);
    assert.deepEqual([s.buf_ioreq_evtchn, ...s.ioreq_evtchn.slice(0, 2)], ports);
    assert.equal(JSON.stringify(d1.evtchn.ports) + JSON.stringify(d0.evtchn.ports), before); assert.equal(d1.pause_count, 0);
  });

  it('set DM_DOMAIN by the domain itself is -EPERM ("Not reflexive") [X44 4020-4053]', () => {
    const { m, d1 } = guest();
    assert.equal(setp(m, d1, E.DOMID_SELF, P.HVM_PARAM_DM_DOMAIN, 0), -EPERM);
    assert.equal(d1.arch.hvm_domain.ioreq_server, null); assert.equal(d1.arch.hvm_domain.params[P.HVM_PARAM_DM_DOMAIN], 0);
  });

  it("set DM_DOMAIN to DOMID_SELF (0x7ff0) means the caller's id [X44 4026-4027]", () => {
    const { m, d1, d2 } = guest();
    assert.equal(setp(m, d2, 1, P.HVM_PARAM_DM_DOMAIN, 0x7ff0), 0); assert.equal(d1.arch.hvm_domain.ioreq_server!.domid, 2);
    assert.equal(d1.arch.hvm_domain.params[P.HVM_PARAM_DM_DOMAIN], 2);
  });

  it('set BUFIOREQ_EVTCHN is -EINVAL; index >= HVM_NR_PARAMS (32) is -EINVAL; unknown domain is -ESRCH [X44 3936-3941]', () => {
    const { m, d0, d1 } = guest();
    assert.equal(setp(m, d0, 1, P.HVM_PARAM_BUFIOREQ_EVTCHN, 5), -EINVAL);
    assert.equal(d1.arch.hvm_domain.params[P.HVM_PARAM_BUFIOREQ_EVTCHN], 0); assert.equal(getp(m, d0, 1, 32).rc, -EINVAL);
    assert.equal(setp(m, d0, 1, 32, 1), -EINVAL); assert.equal(getp(m, d0, 1, 31).rc, 0);
    assert.equal(getp(m, d0, 99, P.HVM_PARAM_IOREQ_PFN).rc, -3);
    assert.equal(getp(m, d0, 2, P.HVM_PARAM_IOREQ_PFN).rc, -EINVAL); // d2 is PV: not has_hvm_container
    assert.equal(d1.arch.hvm_domain.ioreq_server, null);
  });
});

describe('seed: hvm_create_ioreq_server failure paths [SEED @618 fail_*]', () => {
  function failing(setup: (g: ReturnType<typeof guest>) => void, rc: number) {
    const g = guest();
    const portsBefore = live(g.d1);
    setup(g);
    assert.equal(getp(g.m, g.d0, 1, P.HVM_PARAM_IOREQ_PFN).rc, rc); assert.equal(g.d1.arch.hvm_domain.ioreq_server, null);
    assert.equal(live(g.d1), portsBefore); assert.equal(g.d1.pause_count, 0);
    assert.equal(creates(g.m), 1); // printed before the allocation
    return g;
  }

  it('xzalloc failure: -ENOMEM, nothing mapped or allocated (fail_alloc)', () => {
    const { d1 } = failing((g) => { g.m.x.faults.xzalloc = 0; }, -ENOMEM);
    assert.equal(maps(d1, IOREQ), 0); assert.equal(maps(d1, BUFIOREQ), 0);
  });
  it('mapping the ioreq page fails: -ENOMEM (fail_set_ioreq)', () => {
    const { d1 } = failing((g) => { g.m.x.faults.map = 0; }, -ENOMEM);
    assert.equal(maps(d1, IOREQ), 0); assert.equal(maps(d1, BUFIOREQ), 0);
  });
  it('mapping the buffered page fails: the ioreq page is unmapped again (fail_set_buf_ioreq)', () => {
    const { d1 } = failing((g) => { g.m.x.faults.map = 1; }, -ENOMEM);
    assert.equal(maps(d1, IOREQ), 0); assert.equal(maps(d1, BUFIOREQ), 0);
  });
  for (const n of [0, 1, 2]) {
    it(`event channel allocation #${n} fails in add_vcpu: ports freed, unpaused, both pages unmapped, not published (fail_add_vcpu)`, () => {
      const { d1, m } = failing((g) => { g.m.x.faults.evtchn = n; }, -28);
      assert.equal(maps(d1, IOREQ), 0); assert.equal(maps(d1, BUFIOREQ), 0);
      assert.deepEqual(xenPorts(d1), []);
      // A retry (no fault now) succeeds.
      assert.equal(getp(m, m.x.domains.get(0)!, 1, P.HVM_PARAM_IOREQ_PFN).rc, 0); assert.equal(creates(m), 2);
    });
  }
  it('IOREQ_PFN naming no page: -EINVAL from prepare_ring_for_helper [X44 423-464]', () => {
    failing((g) => { g.d1.arch.hvm_domain.params[P.HVM_PARAM_IOREQ_PFN] = 0xdead0; }, -EINVAL);
  });
  it('IOREQ_PFN naming a paged-out page: -ENOENT [X44 423-464]', () => {
    const { d1 } = failing((g) => { g.d1.physmap.get(IOREQ)!.paged_out = true; }, -ENOENT);
    assert.equal(maps(d1, IOREQ), 0);
  });
  it('BUFIOREQ_PFN == IOREQ_PFN: two different iorps, so the page is simply mapped twice (xen_maps 2)', () => {
    const { m, d0, d1 } = guest();
    d1.arch.hvm_domain.params[P.HVM_PARAM_BUFIOREQ_PFN] = IOREQ;
    assert.equal(getp(m, d0, 1, P.HVM_PARAM_BUFIOREQ_PFN).rc, 0);
    const s = d1.arch.hvm_domain.ioreq_server!;
    assert.equal(s.ioreq.page, IOREQ); assert.equal(s.buf_ioreq.page, IOREQ);
    assert.equal(maps(d1, IOREQ), 2); assert.equal(maps(d1, BUFIOREQ), 0);
  });
  it('hvm_set_ioreq_page on an already-mapped iorp drops the NEW mapping, keeps the old one: -EINVAL [SEED @492]', () => {
    const { m, d1, s } = withDm();
    assert.equal(run(m, 'x', (f) => hvm(f).hvmSetIoreqPage(s, 0, 0xfeffa)), -EINVAL);
    assert.equal(s.ioreq.page, IOREQ); assert.ok(s.ioreq.va);
    assert.equal(maps(d1, IOREQ), 1); assert.equal(maps(d1, 0xfeffa), 0);
  });
  it('hvm_set_ioreq_page on a dying domain: -EINVAL and the new mapping dropped [SEED @492]', () => {
    const { m, d1 } = guest();
    const s = new HvmIoreqServer(d1, A.MAX_HVM_VCPUS);
    d1.is_dying = 1;
    assert.equal(run(m, 'x', (f) => hvm(f).hvmSetIoreqPage(s, 1, BUFIOREQ)), -EINVAL); assert.equal(s.buf_ioreq.va, null);
    assert.equal(maps(d1, BUFIOREQ), 0);
  });
});

describe('seed: the synchronous path (hvm_send_assist_req, hvm_wait_on_io, hvm_io_assist)', () => {
  it('port write: READY -> INPROCESS -> IORESP_READY -> NONE, read from the page bytes [SEED @367, @1732]', () => {
    const { m, d1, dm } = withDm();
    const v0 = d1.vcpu[0];
    run(m, 'vcpu0', (f) => f.hvm.handlePio(v0, 0x3f8, 1, A.IOREQ_WRITE, 0x141n));
    const p = slot(d1, 0);
    assert.deepEqual([p.state, p.type, p.addr, p.size, p.data, p.dir, p.count], [A.STATE_IOREQ_READY, A.IOREQ_TYPE_PIO, 0x3f8n, 1, 0x41n, 0, 1]);
    assert.equal(p.vp_eport, d1.arch.hvm_domain.ioreq_server!.ioreq_evtchn[0]);
    assert.equal(v0.pause_flags.blocked_in_xen, true); assert.equal(d1.evtchn.ports[p.vp_eport].state, E.ECS_INTERDOMAIN);
    assert.equal(resume(m, d1, 0), 1); // still READY: the vcpu waits (DESCHEDULED)
    const seen: number[] = [];
    const g = m.steppedRun('dm0', null, (s) => s.qemu.cpuHandleIoreq(dm, 0, {}));
    for (let r = g.next(); !r.done; r = g.next()) {
      const st = slot(d1, 0).state;
      if (seen[seen.length - 1] !== st) seen.push(st);
    }
    assert.deepEqual(seen, [A.STATE_IOREQ_READY, A.STATE_IOREQ_INPROCESS, A.STATE_IORESP_READY]);
    assert.equal(v0.pause_flags.blocked_in_xen, false); // woken by the DM's notify
    assert.equal(resume(m, d1, 0), RESUMED); assert.equal(slot(d1, 0).state, A.STATE_IOREQ_NONE);
    assert.equal(dm.devices.get(devKey(true, 0x3f8)), 0x41n); assert.equal(v0.io_done, 1);
  });

  for (const [size, data, pre, expect] of [
    [4, 0x12345678n, 0xffffffffffffffffn, 0x12345678n],
    [2, 0xbeefn, 0x1122334455667788n, 0x112233445566beefn],
    [1, 0xabn, 0x1122334455667788n, 0x11223344556677abn],
  ] as const) {
    it(`port read of ${size} byte(s): rax ${size === 4 ? 'zero-extended' : 'keeps its upper bytes'} [X44 io.c:268-307]`, () => {
      const { m, d1, dm } = withDm();
      const v1 = d1.vcpu[1];
      v1.rax = pre;
      run(m, 'vcpu1', (f) => f.hvm.handlePio(v1, 0x71, size, A.IOREQ_READ, 0n));
      assert.equal(slot(d1, 1).dir, A.IOREQ_READ); assert.equal(serve(m, dm, 1, data), 1);
      assert.equal(slot(d1, 1).state, A.STATE_IORESP_READY); assert.equal(resume(m, d1, 1), RESUMED);
      assert.equal(v1.rax, expect); assert.equal(slot(d1, 1).state, A.STATE_IOREQ_NONE);
    });
  }

  for (const [size, value] of [[1, 0x1ffn], [2, 0x12345n], [4, 0x1234567890n], [8, 0xfedcba9876543210n]] as const) {
    it(`MMIO write of ${size} byte(s) reaches the slot as IOREQ_TYPE_COPY with the value truncated to its size`, () => {
      const { m, d1, dm } = withDm();
      const v0 = d1.vcpu[0];
      run(m, 'vcpu0', (f) => f.hvm.handleMmio(v0, 0xfebf0000n, size, A.IOREQ_WRITE, value, false));
      const p = slot(d1, 0);
      assert.deepEqual([p.state, p.type, p.addr, p.size, p.data, p.dir], [A.STATE_IOREQ_READY, A.IOREQ_TYPE_COPY, 0xfebf0000n, size, BigInt.asUintN(size * 8, value), A.IOREQ_WRITE]);
      assert.equal(serve(m, dm, 0), 1); assert.equal(resume(m, d1, 0), RESUMED);
      assert.equal(dm.devices.get(devKey(false, 0xfebf0000)), BigInt.asUintN(size * 8, value));
    });
  }

  it('a bad state (5) written by the DM: "Weird HVM iorequest state 5.", crash, and the trap is STILL injected [SEED @367]', () => {
    const { m, d1, dm } = withDm();
    const v0 = d1.vcpu[0];
    run(m, 'vcpu0', (f) => f.hvm.handlePio(v0, 0x3f8, 1, A.IOREQ_WRITE, 1n));
    run(m, 'dm0', (f) => f.qemu.writeState(dm, 0, 5));
    v0.arch.hvm_vcpu.inject_trap.vector = 14;
    assert.equal(resume(m, d1, 0), CRASHED);
    assert.ok(m.x.console.some((l) => l.text === 'Weird HVM iorequest state 5.' && l.level === 'XENLOG_ERR'));
    assert.equal(d1.crashed?.fn, 'hvm_wait_on_io'); assert.equal(d1.is_shutting_down, true);
    assert.equal(v0.arch.hvm_vcpu.inject_trap.vector, -1);
  });

  it('a slot not NONE when a request is sent: "Device model set bad IO state 1.", crash, returns 0 [SEED @1732]', () => {
    const { m, d1 } = withDm();
    const v0 = d1.vcpu[0];
    run(m, 'vcpu0', (f) => f.hvm.handlePio(v0, 0x3f8, 1, A.IOREQ_WRITE, 1n));
    const sent = m.flatRun('vcpu0', v0, (f) => f.hvm.hvmSendAssistReq(v0, proto({ type: A.IOREQ_TYPE_PIO, addr: 0x80n, size: 1 })));
    assert.equal(sent.value, 0); assert.ok(m.x.console.some((l) => l.text === 'Device model set bad IO state 1.'));
    assert.ok(d1.crashed);
    assert.equal(slot(d1, 0).addr, 0x3f8n); // the pending request is not overwritten
    // A crashed (shutting-down) domain's next request is dropped by vcpu_start_shutdown_deferral.
    assert.equal(m.flatRun('vcpu1', d1.vcpu[1], (f) => f.hvm.hvmSendAssistReq(d1.vcpu[1], proto({}))).value, 0);
    assert.equal(slot(d1, 1).state, A.STATE_IOREQ_NONE);
  });

  it('hvm_do_resume with no server goes straight to the trap injection [SEED @367]', () => {
    const { m, d1 } = guest();
    d1.vcpu[1].arch.hvm_vcpu.inject_trap.vector = 6;
    assert.equal(resume(m, d1, 1), RESUMED); assert.equal(d1.vcpu[1].arch.hvm_vcpu.inject_trap.vector, -1);
    assert.equal(d1.crashed, null);
  });
});

describe('seed: hvm_buffered_io_send [X44 io.c:49-126]', () => {
  const send = (g: ReturnType<typeof withDm>, p: ProtoIoreq) => run(g.m, 'vcpu0', (f) => f.hvm.hvmBufferedIoSend(g.d1.vcpu[0], p));
  for (const [what, p] of [['addr > 0xfffff', { addr: 0x100000n }], ['count != 1', { count: 2 }], ['data_is_ptr', { data_is_ptr: 1 }], ['size 3', { size: 3 }]] as const) {
    it(`${what}: not buffered (0), ring untouched`, () => {
      const g = withDm();
      assert.equal(send(g, proto(p)), 0);
      assert.deepEqual(A.readBufPointers(ring(g.s)), { read_pointer: 0, write_pointer: 0 });
      assert.equal(g.m.x.console.some((l) => l.text === 'unexpected ioreq size: 3'), what === 'size 3');
    });
  }
  it('a 2-byte write takes one slot with size code 1, and notifies the buffered port', () => {
    const g = withDm();
    assert.equal(send(g, proto({ size: 2, addr: 0xb8000n, data: 0x0741n })), 1);
    assert.equal(A.readBufPointers(ring(g.s)).write_pointer, 1);
    assert.deepEqual(A.readBufIoreq(ring(g.s), A.bufSlotOffset(0)), { type: A.IOREQ_TYPE_COPY, pad: 0, dir: 0, size: 1, addr: 0xb8000, data: 0x0741 });
    assert.equal(g.d0.evtchn.ports[g.dm.bufioreq_local_port].pending, true);
  });
  it('an 8-byte write takes two slots, the high half in the second', () => {
    const g = withDm();
    assert.equal(send(g, proto({ size: 8, addr: 0x70n, data: 0x1122334455667788n })), 1);
    assert.equal(A.readBufPointers(ring(g.s)).write_pointer, 2);
    const [a, b] = [0, 1].map((i) => A.readBufIoreq(ring(g.s), A.bufSlotOffset(i)));
    assert.deepEqual([a.size, a.addr, a.data], [3, 0x70, 0x55667788]);
    assert.deepEqual([b.size, b.addr, b.data], [3, 0x70, 0x11223344]);
    assert.equal(run(g.m, 'dm0', (f) => f.qemu.handleBufferedIopage(g.dm)), 1);
    assert.equal(g.dm.devices.get(devKey(false, 0x70)), 0x1122334455667788n);
  });
  it('the ring is full at 511 used (0 returned); at 510 used an 8-byte write is refused but a 4-byte one fits', () => {
    const g = withDm();
    const pg = ring(g.s);
    pg.setUint32(A.BUF_OFF_READ_POINTER, 1000, true);
    pg.setUint32(A.BUF_OFF_WRITE_POINTER, 1000 + 511, true);
    assert.equal(send(g, proto({})), 0);
    pg.setUint32(A.BUF_OFF_WRITE_POINTER, 1000 + 510, true);
    assert.equal(send(g, proto({ size: 8 })), 0); assert.equal(A.readBufPointers(pg).write_pointer, 1510);
    assert.equal(send(g, proto({ size: 4, data: 0xcafen })), 1); assert.equal(A.readBufPointers(pg).write_pointer, 1511);
    assert.equal(A.readBufIoreq(pg, A.bufSlotOffset(1510)).data, 0xcafe);
  });
  it('with no server it returns 0', () => {
    const { m, d1 } = guest();
    assert.equal(run(m, 'vcpu0', (f) => f.hvm.hvmBufferedIoSend(d1.vcpu[0], proto({}))), 0);
  });
});

describe('seed: vcpus and domain destruction', () => {
  it('a vcpu initialised after the server exists gets its port at once [SEED @1563]', () => {
    const { m, d0, d1 } = guest(1);
    getp(m, d0, 1, P.HVM_PARAM_IOREQ_PFN);
    const s = d1.arch.hvm_domain.ioreq_server!;
    assert.equal(run(m, 'toolstack', (f) => f.libxc.allocVcpu(d1, 1)), 0);
    const p = s.ioreq_evtchn[1];
    assert.ok(p > 0); assert.equal(d1.evtchn.ports[p].notify_vcpu_id, 1);
    assert.equal(d1.evtchn.ports[p].remote_domid, 0); assert.equal(slot(d1, 1).vp_eport, p);
  });
  it('vcpus initialised before the server have no ports until it is created', () => {
    const { m, d0, d1 } = guest(3);
    assert.deepEqual(xenPorts(d1), []);
    getp(m, d0, 1, P.HVM_PARAM_BUFIOREQ_EVTCHN);
    const s = d1.arch.hvm_domain.ioreq_server!;
    assert.equal(xenPorts(d1).length, 4);
    for (const i of [0, 1, 2]) assert.equal(slot(d1, i).vp_eport, s.ioreq_evtchn[i]);
  });
  it('domain destroy with a live server: ports closed, pages unmapped, server freed, DM ports unbound [SEED @888]', () => {
    const { m, d0, d1, dm, s } = withDm();
    assert.equal(run(m, 'toolstack', (f) => f.libxc.domainKill(d1)), 0);
    assert.ok(m.x.console.some((l) => l.text === 'hvm_destroy_ioreq_server: 1'));
    assert.equal(d1.arch.hvm_domain.ioreq_server, null); assert.equal(s.freed, true);
    assert.equal(s.ioreq.va, null); assert.equal(s.buf_ioreq.va, null);
    assert.equal(maps(d1, IOREQ), 0); assert.equal(maps(d1, BUFIOREQ), 0);
    assert.ok(d1.evtchn.ports.every((c) => c.state === E.ECS_FREE || c.state === E.ECS_RESERVED));
    for (const p of [...dm.ioreq_local_port, dm.bufioreq_local_port]) {
      assert.equal(d0.evtchn.ports[p].state, E.ECS_UNBOUND); assert.equal(d0.evtchn.ports[p].remote_domid, 1);
    }
    assert.deepEqual(m.x.bugs, []);
  });
  it('hvm_destroy_ioreq_server prints its line even when there is no server [SEED @618]', () => {
    const { m, d1 } = guest();
    run(m, 'toolstack', (f) => f.libxc.domainKill(d1));
    assert.deepEqual(m.x.console.map((l) => l.text), ['hvm_destroy_ioreq_server: 1']); assert.deepEqual(m.x.bugs, []);
  });
});

// What the mutation run of src/model/xen/seed/hvm.ts showed no test pinned (issue 16): do_hvm_op's checks before the
// switch and its non-reflexive set cases, with their signs ([X44] hvm.c do_hvm_op 3925-4120 @RELEASE-4.4.0), and the
// events hvm_create/destroy/set_ioreq_server_domid give (what the Model view, the sequence diagram and the trace check read).
describe('seed: do_hvm_op checks and the server events (issue 16)', () => {
  const ESRCH = 3;
  it('an index of -1 (0xffffffff as the uint32_t) or HVM_NR_PARAMS is -EINVAL before any domain lookup [X44 3936-3937]', () => {
    const { m, d0 } = guest();
    assert.equal(getp(m, d0, 99, -1).rc, -EINVAL, 'index checked first: d99 does not exist');
    assert.equal(getp(m, d0, 1, 32).rc, -EINVAL);
    assert.equal(getp(m, d0, 1, 0).rc, 0, 'index 0 is a valid param');
  });
  it('no such domain, or one already dead, is -ESRCH; a PV domain is -EINVAL; XSM refusing is -EPERM [X44 3939-3953]', () => {
    const { m, d0, d1, d2 } = guest();
    assert.equal(getp(m, d0, 7, P.HVM_PARAM_IOREQ_PFN).rc, -ESRCH);
    assert.equal(getp(m, d0, 2, P.HVM_PARAM_IOREQ_PFN).rc, -EINVAL, 'd2 is PV: has_hvm_container_domain fails');
    d2.target = -1; // no longer d1's stub domain
    assert.equal(getp(m, d2, 1, P.HVM_PARAM_IOREQ_PFN).rc, -EPERM, 'xsm_hvm_param(XSM_TARGET) refuses a domain that is not the target');
    assert.equal(d1.arch.hvm_domain.ioreq_server, null, 'and nothing was created');
    d1.is_dying = 2;
    assert.equal(getp(m, d0, 1, P.HVM_PARAM_IOREQ_PFN).rc, -ESRCH);
  });
  it('HVM_PARAM_IDENT_PT: not by the domain itself (-EPERM), once only (-EINVAL, the first value kept) [X44 3988-4000]', () => {
    const { m, d0, d1 } = guest();
    const built = d1.arch.hvm_domain.params[P.HVM_PARAM_IDENT_PT];
    assert.notEqual(built, 0, 'setup_guest set it');
    assert.equal(setp(m, d1, 1, P.HVM_PARAM_IDENT_PT, 0x1000), -EPERM);
    assert.equal(setp(m, d0, 1, P.HVM_PARAM_IDENT_PT, 0x1000), -EINVAL);
    assert.equal(d1.arch.hvm_domain.params[P.HVM_PARAM_IDENT_PT], built);
    d1.arch.hvm_domain.params[P.HVM_PARAM_IDENT_PT] = 0; // as if the builder had not set it
    assert.equal(setp(m, d0, 1, P.HVM_PARAM_IDENT_PT, 0x1000), 0);
    assert.equal(d1.arch.hvm_domain.params[P.HVM_PARAM_IDENT_PT], 0x1000);
  });
  it('HVM_PARAM_ACPI_S_STATE: not by the domain itself (-EPERM); 3 suspends, 0 resumes, 5 is -EINVAL and not stored [X44 4054-4068]', () => {
    const { m, d0, d1 } = guest();
    assert.equal(setp(m, d1, 1, P.HVM_PARAM_ACPI_S_STATE, 3), -EPERM);
    assert.equal(d1.arch.hvm_domain.is_s3_suspended, false);
    assert.equal(setp(m, d0, 1, P.HVM_PARAM_ACPI_S_STATE, 5), -EINVAL);
    assert.equal(setp(m, d0, 1, P.HVM_PARAM_ACPI_S_STATE, 3), 0);
    assert.equal(d1.arch.hvm_domain.is_s3_suspended, true);
    assert.equal(setp(m, d0, 1, P.HVM_PARAM_ACPI_S_STATE, 0), 0);
    assert.equal(d1.arch.hvm_domain.is_s3_suspended, false);
  });
  it('the server events: created (with its pages and buffered port), pause/unpause named for their caller, destroyed [SEED @618, @888]', () => {
    const { m, d0, d1 } = guest();
    const from = m.x.events.length;
    getp(m, d0, 1, P.HVM_PARAM_IOREQ_PFN);
    const s = d1.arch.hvm_domain.ioreq_server!;
    const evs = m.x.events.slice(from);
    const created = evs.find((e) => e.kind === 'server_create')!;
    assert.equal(created.fn, 'hvm_create_ioreq_server');
    assert.deepEqual(created.after, { domid: 0, ioreq_pfn: IOREQ, bufioreq_pfn: BUFIOREQ, buf_ioreq_evtchn: s.buf_ioreq_evtchn });
    assert.equal(created.text, `d1 ioreq server created for dm d0 (ioreq ${A.hex(IOREQ)}, bufioreq ${A.hex(BUFIOREQ)}, buf port ${s.buf_ioreq_evtchn})`);
    assert.deepEqual(evs.filter((e) => e.kind === 'domain_pause' || e.kind === 'domain_unpause').map((e) => `${e.kind} ${e.fn}`),
      ['domain_pause hvm_create_ioreq_server', 'domain_unpause hvm_create_ioreq_server']);
    const before = m.x.events.length;
    run(m, 'toolstack', (f) => f.libxc.domainKill(d1));
    const gone = m.x.events.slice(before).filter((e) => e.fn === 'hvm_destroy_ioreq_server');
    // domain_kill already holds one pause: the server's teardown pauses to 2 and back to 1.
    assert.deepEqual(gone.map((e) => `${e.kind}: ${e.text}`),
      ['printk: hvm_destroy_ioreq_server: 1', 'domain_pause: d1 paused (count 2)', 'domain_unpause: d1 unpaused (count 1)', 'server_destroy: d1 ioreq server destroyed']);
  });
  it('set DM_DOMAIN to another domid after creation: one server_domid event, paused and unpaused by hvm_set_ioreq_server_domid [SEED @750]', () => {
    const { m, d0, d1 } = guest();
    getp(m, d0, 1, P.HVM_PARAM_IOREQ_PFN);
    const from = m.x.events.length;
    assert.equal(setp(m, d0, 1, P.HVM_PARAM_DM_DOMAIN, 2), 0);
    const evs = m.x.events.slice(from).filter((e) => e.fn === 'hvm_set_ioreq_server_domid');
    assert.deepEqual(evs.map((e) => e.kind), ['domain_pause', 'server_domid', 'domain_unpause']);
    const ch = evs[1];
    assert.deepEqual([ch.domid, ch.before, ch.after, ch.text], [1, 0, 2, 'd1 ioreq server now serves dm d2 (event channels replaced)']);
  });
});
