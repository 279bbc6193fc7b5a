// Issue 16, src/model/xen/legacy/hvm.ts: the legacy profile's hvm.c (the seed's preimage) as the first mutation run
// found it unpinned. Where the seed's removed lines show no body the model follows RELEASE-4.4.0, cited [X44]
// (xen/arch/x86/hvm/hvm.c @RELEASE-4.4.0): hvm_do_resume 348-388, hvm_init_ioreq_page 390-396,
// hvm_destroy_ioreq_page 411-421, hvm_set_ioreq_page 466-491, hvm_vcpu_initialise's ports 1193-1215,
// hvm_send_assist_req 1290-1318, hvm_s3_suspend/resume 3707-3753, hvm_replace_event_channel 3902-3915 and do_hvm_op's
// params 3917-4165. The listing is src/debug/listings/legacy/hvm.c.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import { EINVAL, ENOENT, ENOMEM, ENOSPC } from '../../src/model/errno';
import * as E from '../../src/model/evtchn';
import { Model, type FlatImpl, type SteppedImpl } from '../../src/model/model';
import * as P from '../../src/model/params';
import type { Co } from '../../src/model/step';
import * as X from '../../src/model/xen';
import { recordStops, type Stop } from './hvm-guest';
import { CRASHED, DESCHEDULED, RESUMED, type ProtoIoreq } from '../../src/model/xen/common/outcome';
import { HVMOP_get_param, HVMOP_set_param } from '../../src/model/xen/seed/hvm.flat';
import type { HvmLegacy } from '../../src/model/xen/legacy/hvm.flat';
import type { HvmLegacy as HvmLegacyStepped } from '../../src/model/xen/legacy/hvm.stepped';

const IOREQ = 0xfeffd;
const BUFIOREQ = 0xfeffb;


class Legacy {
  m = new Model('legacy').boot();
  get d0(): X.Domain { return this.m.x.domains.get(0)!; }
  get d(): X.Domain { return this.m.x.domains.get(1)!; }
  get s(): X.HvmIoreqServer { return this.d.arch.hvm_domain.ioreq_server!; }
  v(i = 0): X.Vcpu { return this.d.vcpu[i]; }
  /** d1 created with nvcpus (the server made, both pages unmapped); `build` also runs setup_guest and unpauses. */
  constructor(nvcpus = 1, build = true) {
    assert.equal(this.run((f) => f.libxc.xcDomainCreate(1, nvcpus, true)), 0);
    if (build) {
      assert.equal(this.run((f) => f.libxc.setupGuest(this.d, 0x8000, 0, 0)), 0);
      assert.equal(this.run((f) => f.libxc.domainUnpauseByController(this.d)), 0);
    }
  }
  get h(): HvmLegacy { return this.m.flat.hvm as unknown as HvmLegacy; }
  run<T>(fn: (f: FlatImpl) => T, actor = 'toolstack', v: X.Vcpu | null = null): T {
    const r = this.m.flatRun(actor, v, fn);
    assert.equal(r.panic, undefined, `Xen panicked: ${r.panic}`);
    return r.value as T;
  }
  hvm<T>(fn: (h: HvmLegacy) => T, v: X.Vcpu | null = null): T {
    return this.run(() => fn(this.h), v ? `vcpu${v.vcpu_id}` : 'toolstack', v);
  }
  /** One call on the stepped build, every stop recorded; `at` runs at each stop. */
  stepped<T>(fn: (h: HvmLegacyStepped) => Co<T>, v: X.Vcpu | null = null, at?: (s: Stop) => void): { value: T; stops: Stop[] } {
    return recordStops(this.m, v ? `vcpu${v.vcpu_id}` : 'toolstack', v, (s: SteppedImpl) => fn(s.hvm as unknown as HvmLegacyStepped), at);
  }
  op(caller: X.Domain, op: number, domid: number, index: number, value = 0): { rc: number; value: number } {
    const a = { domid, index, value };
    const rc = this.hvm((h) => h.doHvmOp(caller, op, a));
    return { rc, value: a.value };
  }
  set(index: number, value: number, caller = this.d0, domid = 1): number { return this.op(caller, HVMOP_set_param, domid, index, value).rc; }
  get(index: number, caller = this.d0, domid = 1): { rc: number; value: number } { return this.op(caller, HVMOP_get_param, domid, index); }
  events(kind: string, from = 0) { return this.m.x.events.slice(from).filter((e) => e.kind === kind); }
  slot(i = 0): A.Ioreq { return A.readIoreq(this.s.ioreq.va!, A.ioreqOffset(i)); }
  xenPorts(d = this.d): number[] { return d.evtchn.ports.flatMap((c, p) => (c.xen_consumer && c.state !== E.ECS_FREE ? [p] : [])); }
}

const labels = (stops: Stop[], fn: string) => stops.filter((s) => s.fn === fn).map((s) => s.at);
function localsAt(stops: Stop[], fn: string, at: string, nth = 0): Record<string, string> {
  const s = stops.filter((x) => x.fn === fn && x.at === at)[nth];
  assert.ok(s, `${fn} stops at ${at} (#${nth})`);
  return s.locals;
}
const pio = (): ProtoIoreq => ({ ...A.emptyIoreq(), type: A.IOREQ_TYPE_PIO, addr: 0x3f8n, size: 1, count: 1, dir: A.IOREQ_WRITE, data: 0x41n });

describe('mutation (issue 16): legacy hvm_init_ioreq_server and hvm_init_ioreq_page (domain creation)', () => {
  it('each page pauses the domain once, in hvm_init_ioreq_page ([X44] hvm.c:390-396); the server is xzalloc\'d once', () => {
    const g = new Legacy(1, false);
    const pauses = g.events('domain_pause').filter((e) => e.domid === 1);
    const pages = pauses.filter((e) => e.fn === 'hvm_init_ioreq_page').map((e) => e.after as number);
    assert.equal(pages.length, 2);
    assert.equal(pages[1], pages[0] + 1);
    assert.equal(g.d.pause_count, 3);
    assert.equal(g.m.x.heap.hvm_ioreq_server, 1);
    const ev = g.events('server_create');
    assert.deepEqual(ev.map((e) => [e.fn, e.domid, e.text]), [['hvm_init_ioreq_server', 1, 'd1 ioreq server created at domain creation (pages not yet set; domain paused twice)']]);
    assert.deepEqual(ev[0].after, { domid: 0 });
  });

  it('every port slot starts at -1, not only those of the vcpus made: a vcpu never added has no port to free', () => {
    const g = new Legacy(1, false);
    assert.equal(g.s.ioreq_evtchn.length, A.MAX_HVM_VCPUS);
    assert.ok(g.s.ioreq_evtchn.slice(1).every((p) => p === -1));
    assert.equal(g.s.ioreq_evtchn[A.MAX_HVM_VCPUS - 1], -1);
    assert.ok(g.s.ioreq_evtchn[0] > 0);
    assert.equal(g.s.domain, g.d);
  });

  it('xzalloc failing: hvm_domain_initialise returns -ENOMEM, nothing allocated, no page pauses the domain', () => {
    const g = new Legacy(0, false);
    g.m.x.faults.xzalloc = 0;
    const d = g.d;
    const from = g.m.x.events.length;
    const r = g.stepped((h) => h.hvmDomainInitialise(d));
    assert.equal(r.value, -ENOMEM);
    assert.deepEqual(labels(r.stops, 'hvm_init_ioreq_server'), ['alloc', 'check_alloc']);
    assert.equal(localsAt(r.stops, 'hvm_init_ioreq_server', 'check_alloc').s, '"NULL"');
    assert.equal(g.m.x.heap.hvm_ioreq_server, 1, 'only the first domain creation\'s server');
    assert.equal(g.events('domain_pause', from).length, 0);
    assert.equal(g.events('server_create', from).length, 0);
    // and the allocation that works shows s as allocated
    const r2 = g.stepped((h) => h.hvmInitIoreqServer(d));
    assert.equal(r2.value, 0);
    assert.equal(localsAt(r2.stops, 'hvm_init_ioreq_server', 'check_alloc').s, '"allocated"');
  });

  it('xc_domain_create of an HVM guest fails -ENOMEM when the server cannot be allocated, and the domain is gone', () => {
    const m = new Model('legacy').boot();
    m.x.faults.xzalloc = 0;
    assert.equal(m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(1, 1, true)).value, -ENOMEM);
    assert.equal(m.x.domains.has(1), false);
  });
});

describe('mutation (issue 16): legacy hvm_set_ioreq_page ([X44] hvm.c:466-491, prepare_ring_for_helper 423-464)', () => {
  it('a gfn with no page: -EINVAL from prepare_ring_for_helper, no lock taken, the domain stays paused, nothing stored', () => {
    const g = new Legacy(1, false);
    const before = g.d.pause_count;
    const r = g.stepped((h) => h.hvmSetIoreqPage(g.d, g.s.ioreq, 0x12345678));
    assert.equal(r.value, -EINVAL);
    assert.deepEqual(labels(r.stops, 'hvm_set_ioreq_page'), ['prepare', 'check_rc']);
    assert.equal(localsAt(r.stops, 'hvm_set_ioreq_page', 'check_rc').rc, '-EINVAL');
    assert.equal(g.d.pause_count, before);
    assert.equal(g.s.ioreq.va, null);
  });

  it('a paged-out gfn: -ENOENT passed up unchanged by do_hvm_op, the param not stored', () => {
    const g = new Legacy(1, false);
    g.d.physmap.set(IOREQ, new X.GuestPage('special'));
    g.d.page(IOREQ)!.paged_out = true;
    assert.equal(g.set(P.HVM_PARAM_IOREQ_PFN, IOREQ), -ENOENT);
    assert.equal(g.d.arch.hvm_domain.params[P.HVM_PARAM_IOREQ_PFN], 0);
    assert.equal(g.d.pause_count, 3);
  });

  it('success: the page and its va are taken, the lock dropped, then one unpause by hvm_set_ioreq_page; rc 0', () => {
    const g = new Legacy(1, false);
    g.d.physmap.set(BUFIOREQ, new X.GuestPage('special'));
    const from = g.m.x.events.length;
    const r = g.stepped((h) => h.hvmSetIoreqPage(g.d, g.s.buf_ioreq, BUFIOREQ));
    assert.equal(r.value, 0);
    assert.deepEqual(labels(r.stops, 'hvm_set_ioreq_page'), ['prepare', 'check_rc', 'lock', 'check_busy', 'publish', 'publish_page', 'unlock', 'unpause', 'ret']);
    assert.equal(localsAt(r.stops, 'hvm_set_ioreq_page', 'check_busy').is_dying, '0');
    assert.equal(localsAt(r.stops, 'hvm_set_ioreq_page', 'publish_page').page, '0xfeffb');
    assert.equal(g.s.buf_ioreq.page, BUFIOREQ);
    assert.equal(g.s.buf_ioreq.va, g.d.page(BUFIOREQ)!.data());
    assert.deepEqual(g.events('domain_unpause', from).map((e) => [e.fn, e.after]), [['hvm_set_ioreq_page', 2]]);
  });

  it('a dying domain: the old (absent) mapping is "dropped", the new one leaks, -EINVAL and no unpause', () => {
    const g = new Legacy(1, false);
    g.d.physmap.set(IOREQ, new X.GuestPage('special'));
    g.d.is_dying = 1;
    const r = g.stepped((h) => h.hvmSetIoreqPage(g.d, g.s.ioreq, IOREQ));
    assert.equal(r.value, -EINVAL);
    assert.deepEqual(labels(r.stops, 'hvm_set_ioreq_page').slice(-4), ['check_busy', 'drop_old', 'busy_unlock', 'ret_einval']);
    assert.equal(localsAt(r.stops, 'hvm_set_ioreq_page', 'check_busy').is_dying, '1');
    assert.equal(g.s.ioreq.va, null);
    assert.equal(g.d.page(IOREQ)!.xen_maps, 1, 'the new mapping is never undone');
    assert.equal(g.d.pause_count, 3);
  });

  it('a page already mapped: the one already there is unmapped (unmap event for the old pfn), -EINVAL', () => {
    const g = new Legacy();
    const other = 0xfeffa;
    const from = g.m.x.events.length;
    assert.equal(g.set(P.HVM_PARAM_BUFIOREQ_PFN, other), -EINVAL);
    assert.deepEqual(g.events('page_unmap', from).map((e) => e.detail), [{ pfn: BUFIOREQ }]);
    assert.equal(g.s.buf_ioreq.va, null);
    assert.equal(g.d.page(other)!.xen_maps, 1);
  });
});

describe('mutation (issue 16): legacy hvm_update_ioreq_server_evtchn and hvm_set_ioreq_server_pfn', () => {
  it('with no ioreq page nothing is written; with one, each vcpu\'s slot gets its own port', () => {
    const g = new Legacy(2, false);
    const r = g.stepped((h) => h.hvmUpdateIoreqServerEvtchn(g.s));
    assert.deepEqual(labels(r.stops, 'hvm_update_ioreq_server_evtchn'), ['check']);
    assert.equal(localsAt(r.stops, 'hvm_update_ioreq_server_evtchn', 'check').va, '"NULL"');
    g.d.physmap.set(IOREQ, new X.GuestPage('special'));
    const r2 = g.stepped((h) => h.hvmSetIoreqServerPfn(g.s, IOREQ));
    assert.equal(r2.value, 0);
    assert.equal(localsAt(r2.stops, 'hvm_update_ioreq_server_evtchn', 'check').va, '"mapped"');
    assert.deepEqual(labels(r2.stops, 'hvm_update_ioreq_server_evtchn'), ['check', 'for_each_vcpu', 'get_ioreq', 'write', 'for_each_vcpu', 'get_ioreq', 'write']);
    assert.equal(localsAt(r2.stops, 'hvm_update_ioreq_server_evtchn', 'write', 1).port, String(g.s.ioreq_evtchn[1]));
    assert.equal(g.slot(0).vp_eport, g.s.ioreq_evtchn[0]);
    assert.equal(g.slot(1).vp_eport, g.s.ioreq_evtchn[1]);
    assert.notEqual(g.s.ioreq_evtchn[0], g.s.ioreq_evtchn[1]);
  });

  it('hvm_set_ioreq_server_pfn: a failed mapping returns its rc before any slot is written', () => {
    const g = new Legacy(1, false);
    g.d.physmap.set(IOREQ, new X.GuestPage('special'));
    g.m.x.faults.map = 0;
    const r = g.stepped((h) => h.hvmSetIoreqServerPfn(g.s, IOREQ));
    assert.equal(r.value, -ENOMEM);
    assert.deepEqual(labels(r.stops, 'hvm_set_ioreq_server_pfn'), ['set', 'check_rc']);
    assert.equal(labels(r.stops, 'hvm_update_ioreq_server_evtchn').length, 0);
    assert.equal(g.d.page(IOREQ)!.data().getUint32(A.OFF_VP_EPORT, true), 0);
  });

  it('hvm_set_ioreq_server_buf_pfn maps the buffered page, not the ioreq page', () => {
    const g = new Legacy(1, false);
    g.d.physmap.set(BUFIOREQ, new X.GuestPage('special'));
    assert.equal(g.hvm((h) => h.hvmSetIoreqServerBufPfn(g.s, BUFIOREQ)), 0);
    assert.equal(g.s.buf_ioreq.page, BUFIOREQ);
    assert.equal(g.s.ioreq.va, null);
  });
});

describe('mutation (issue 16): legacy hvm_ioreq_server_add_vcpu / remove_vcpu ([X44] hvm.c:1193-1215)', () => {
  it('vcpu 0 takes a port and the buffered port, both unbound for the server\'s dm domid; vcpu 1 only its own', () => {
    const g = new Legacy(2, false);
    const s = g.s;
    const v1 = g.v(1);
    assert.equal(v1.arch.hvm_vcpu.xen_port, s.ioreq_evtchn[1]);
    assert.equal(g.v(0).arch.hvm_vcpu.xen_port, s.ioreq_evtchn[0]);
    assert.equal(g.xenPorts().length, 3);
    for (const p of g.xenPorts()) assert.equal(g.d.evtchn.ports[p].state, E.ECS_UNBOUND);
    assert.equal(g.d.evtchn.ports[s.buf_ioreq_evtchn].notify_vcpu_id, 0);
    assert.equal(g.d.evtchn.ports[s.ioreq_evtchn[1]].notify_vcpu_id, 1);
  });

  it('the first port failing: its rc (-ENOSPC) back, nothing stored', () => {
    const g = new Legacy(1, false);
    const s = g.s;
    const v = g.v(0);
    const before = [s.ioreq_evtchn[0], s.buf_ioreq_evtchn, v.arch.hvm_vcpu.xen_port];
    g.m.x.faults.evtchn = 0;
    const r = g.stepped((h) => h.hvmIoreqServerAddVcpu(s, v));
    assert.equal(r.value, -ENOSPC);
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_add_vcpu'), ['alloc', 'check']);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_add_vcpu', 'check').rc, '-ENOSPC');
    assert.deepEqual([s.ioreq_evtchn[0], s.buf_ioreq_evtchn, v.arch.hvm_vcpu.xen_port], before);
  });

  it('vcpu 0\'s buffered port failing: -ENOSPC after its own port is stored, no slot update', () => {
    const g = new Legacy(1, false);
    const s = g.s;
    const v = g.v(0);
    const buf = s.buf_ioreq_evtchn;
    g.m.x.faults.evtchn = 1;
    const r = g.stepped((h) => h.hvmIoreqServerAddVcpu(s, v));
    assert.equal(r.value, -ENOSPC);
    assert.deepEqual(labels(r.stops, 'hvm_ioreq_server_add_vcpu').slice(-3), ['vcpu0', 'alloc_buf', 'check_buf']);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_add_vcpu', 'vcpu0').vcpu_id, '0');
    assert.equal(s.buf_ioreq_evtchn, buf);
    assert.equal(s.ioreq_evtchn[0], v.arch.hvm_vcpu.xen_port);
  });

  it('a vcpu whose creation fails on its port is not made: xc_domain_create passes the -ENOSPC up', () => {
    const m = new Model('legacy').boot();
    m.x.faults.evtchn = 0;
    const rc = m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(1, 1, true)).value;
    assert.equal(rc, -ENOSPC);
  });

  it('remove_vcpu frees vcpu 1\'s port only; vcpu 0\'s removal frees its port and the buffered one', () => {
    const g = new Legacy(2);
    const s = g.s;
    const [p0, pb, p1] = [s.ioreq_evtchn[0], s.buf_ioreq_evtchn, s.ioreq_evtchn[1]];
    const r = g.stepped((h) => h.hvmIoreqServerRemoveVcpu(s, g.v(1)));
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_remove_vcpu', 'free_port').port, String(p1));
    assert.equal(g.d.evtchn.ports[p1].state, E.ECS_FREE);
    assert.notEqual(g.d.evtchn.ports[pb].state, E.ECS_FREE);
    assert.notEqual(g.d.evtchn.ports[p0].state, E.ECS_FREE);
    g.hvm((h) => h.hvmIoreqServerRemoveVcpu(s, g.v(0)));
    assert.equal(g.d.evtchn.ports[p0].state, E.ECS_FREE);
    assert.equal(g.d.evtchn.ports[pb].state, E.ECS_FREE);
    assert.equal(g.m.x.bugs.length, 0);
  });

  it('remove_vcpu skips a port of -1 (never allocated) and vcpu 0\'s buffered port of -1: nothing freed, no BUG_ON', () => {
    const g = new Legacy(1);
    const s = g.s;
    const ports = g.xenPorts();
    s.ioreq_evtchn[0] = -1;
    s.buf_ioreq_evtchn = -1;
    g.hvm((h) => h.hvmIoreqServerRemoveVcpu(s, g.v(0)));
    assert.deepEqual(g.xenPorts(), ports);
  });

  it('hvm_vcpu_initialise / hvm_vcpu_destroy go to the domain\'s one server', () => {
    const g = new Legacy(1);
    const s = g.s;
    const p0 = s.ioreq_evtchn[0];
    g.hvm((h) => h.hvmVcpuDestroy(g.v(0)));
    assert.equal(g.d.evtchn.ports[p0].state, E.ECS_FREE);
    assert.equal(g.hvm((h) => h.hvmVcpuInitialise(g.v(0))), 0);
    assert.notEqual(s.ioreq_evtchn[0], -1);
    assert.equal(g.d.evtchn.ports[s.ioreq_evtchn[0]].state, E.ECS_UNBOUND);
    assert.equal(g.slot(0).vp_eport, s.ioreq_evtchn[0], 'the mapped page\'s slot is updated');
  });
});

describe('mutation (issue 16): legacy hvm_deinit_ioreq_server (domain destruction)', () => {
  it('both pages are unmapped in order (ioreq, then buffered), the server freed and the event says the pointer stays', () => {
    const g = new Legacy();
    g.d.is_dying = 1;
    const from = g.m.x.events.length;
    g.hvm((h) => h.hvmDomainRelinquishResources(g.d));
    assert.deepEqual(g.events('page_unmap', from).map((e) => e.detail), [{ pfn: IOREQ }, { pfn: BUFIOREQ }]);
    assert.deepEqual(g.events('server_destroy', from).map((e) => [e.fn, e.domid, e.text]), [['hvm_deinit_ioreq_server', 1, 'd1 ioreq server freed (pointer left set)']]);
    assert.equal(g.m.x.heap.hvm_ioreq_server, 0);
  });

  it('no server (never made): nothing to do, no xfree, no panic', () => {
    const g = new Legacy();
    g.d.is_dying = 1;
    (g.d.arch.hvm_domain as { ioreq_server: unknown }).ioreq_server = null;
    const from = g.m.x.events.length;
    const r = g.stepped((h) => h.hvmDeinitIoreqServer(g.d));
    assert.deepEqual(labels(r.stops, 'hvm_deinit_ioreq_server'), ['init_s', 'destroy']);
    assert.equal(g.events('server_destroy', from).length, 0);
    assert.equal(g.m.x.heap.hvm_ioreq_server, 1);
  });

  it('hvm_destroy_ioreq_page on a dying domain with no page mapped: nothing unmapped', () => {
    const g = new Legacy(1, false);
    g.d.is_dying = 1;
    const from = g.m.x.events.length;
    const r = g.stepped((h) => h.hvmDestroyIoreqPage(g.d, g.s.ioreq));
    assert.equal(localsAt(r.stops, 'hvm_destroy_ioreq_page', 'assert').is_dying, '1');
    assert.equal(localsAt(r.stops, 'hvm_destroy_ioreq_page', 'destroy').va, '"NULL"');
    assert.equal(g.events('page_unmap', from).length, 0);
    const g2 = new Legacy();
    g2.d.is_dying = 1;
    const r2 = g2.stepped((h) => h.hvmDestroyIoreqPage(g2.d, g2.s.ioreq));
    assert.equal(localsAt(r2.stops, 'hvm_destroy_ioreq_page', 'destroy').va, '"mapped"');
    assert.equal(g2.s.ioreq.va, null);
  });

  it('the ASSERT on a live domain names the domain', () => {
    const g = new Legacy();
    const r = g.m.flatRun('toolstack', null, () => g.h.hvmDestroyIoreqPage(g.d, g.s.ioreq));
    assert.equal(r.panic, 'ASSERT(d->is_dying) failed for d1');
    assert.equal(g.m.x.panic!.fn, 'hvm_destroy_ioreq_page');
  });
});

describe('mutation (issue 16): legacy hvm_set_ioreq_server_domid (DM_DOMAIN, [X44] hvm.c:4020-4053)', () => {
  it('pauses the domain for the swap and unpauses it after; the event records the old and new dm domid', () => {
    const g = new Legacy(2);
    const dm = 7;
    g.m.x.domains.set(dm, g.d0); // any domid will do for an unbound port's remote end
    const from = g.m.x.events.length;
    assert.equal(g.set(P.HVM_PARAM_DM_DOMAIN, 5), 0);
    assert.deepEqual(g.events('domain_pause', from).map((e) => [e.fn, e.after]), [['hvm_set_ioreq_server_domid', 1]]);
    assert.deepEqual(g.events('domain_unpause', from).map((e) => [e.fn, e.after]), [['hvm_set_ioreq_server_domid', 0]]);
    const ev = g.events('server_domid', from);
    assert.deepEqual(ev.map((e) => [e.fn, e.domid, e.before, e.after, e.text]), [['hvm_set_ioreq_server_domid', 1, 0, 5, 'd1 ioreq server now serves dm d5 (event channels replaced)']]);
    assert.equal(g.s.domid, 5);
    for (const p of [g.s.buf_ioreq_evtchn, g.s.ioreq_evtchn[0], g.s.ioreq_evtchn[1]]) assert.equal(g.d.evtchn.ports[p].remote_domid, 5);
    assert.equal(g.v(1).arch.hvm_vcpu.xen_port, g.s.ioreq_evtchn[1]);
    assert.equal(g.slot(1).vp_eport, g.s.ioreq_evtchn[1]);
    assert.equal(g.d.arch.hvm_domain.params[P.HVM_PARAM_DM_DOMAIN], 5);
  });

  it('the buffered port failing: rc back, no vcpu port replaced, domid unchanged, the domain unpaused', () => {
    const g = new Legacy(2);
    const old = [g.s.buf_ioreq_evtchn, g.s.ioreq_evtchn[0], g.s.ioreq_evtchn[1]];
    g.m.x.faults.evtchn = 0;
    const r = g.stepped((h) => h.hvmSetIoreqServerDomid(g.s, 5));
    assert.equal(r.value, -ENOSPC);
    assert.deepEqual(labels(r.stops, 'hvm_set_ioreq_server_domid').slice(-5), ['replace_buf', 'check_rc', 'check_rc_update', 'done', 'ret']);
    assert.equal(localsAt(r.stops, 'hvm_set_ioreq_server_domid', 'done').rc, '-ENOSPC');
    assert.deepEqual([g.s.buf_ioreq_evtchn, g.s.ioreq_evtchn[0], g.s.ioreq_evtchn[1]], old);
    assert.equal(g.s.domid, 0);
    assert.equal(g.d.pause_count, 0);
  });

  it('vcpu 0\'s port failing: the loop stops there (vcpu 1 keeps its port), rc back, domid unchanged; do_hvm_op stores nothing', () => {
    const g = new Legacy(2);
    const old1 = g.s.ioreq_evtchn[1];
    const old0 = g.s.ioreq_evtchn[0];
    g.m.x.faults.evtchn = 1;
    const from = g.m.x.events.length;
    assert.equal(g.set(P.HVM_PARAM_DM_DOMAIN, 5), -ENOSPC);
    assert.equal(g.s.ioreq_evtchn[0], old0);
    assert.equal(g.s.ioreq_evtchn[1], old1);
    assert.equal(g.s.domid, 0);
    assert.equal(g.events('server_domid', from).length, 0);
    assert.equal(g.d.pause_count, 0);
    assert.equal(g.d.arch.hvm_domain.params[P.HVM_PARAM_DM_DOMAIN], 0);
    // vcpu 1's failing: vcpu 0's port is already replaced, vcpu 1's not
    g.m.x.faults.evtchn = 2;
    const r = g.stepped((h) => h.hvmSetIoreqServerDomid(g.s, 5));
    assert.equal(r.value, -ENOSPC);
    assert.deepEqual(labels(r.stops, 'hvm_set_ioreq_server_domid').filter((l) => l === 'check_replace').length, 2);
    assert.notEqual(g.s.ioreq_evtchn[0], old0);
    assert.equal(g.s.ioreq_evtchn[1], old1);
    assert.equal(g.d.evtchn.ports[g.s.ioreq_evtchn[0]].remote_domid, 5);
  });

  it('a domain with no vcpu: nothing to replace, rc 0 and the domid taken', () => {
    const g = new Legacy(0, false);
    const r = g.stepped((h) => h.hvmSetIoreqServerDomid(g.s, 4));
    assert.equal(r.value, 0);
    assert.deepEqual(labels(r.stops, 'hvm_set_ioreq_server_domid'), ['init_d', 'init_rc', 'pause', 'init_v0', 'check_v0', 'check_rc', 'check_rc_update', 'update', 'set_domid', 'done', 'ret']);
    assert.equal(g.s.domid, 4);
  });
});

describe('mutation (issue 16): legacy do_hvm_op set/get_param ([X44] hvm.c:3917-4165)', () => {
  it('an index at or past HVM_NR_PARAMS (or below 0): -EINVAL before the domain is looked up (hvm.c:3936)', () => {
    const g = new Legacy();
    const n = g.m.x.nrParams;
    assert.equal(g.set(n, 1), -EINVAL);
    assert.equal(g.get(n).rc, -EINVAL);
    assert.equal(g.set(-1, 1, g.d0, 99), -EINVAL);
    assert.equal(g.set(n - 1, 7), 0);
    assert.equal(g.d.arch.hvm_domain.params[n - 1], 7);
  });

  it('no such domain, or a dead one: -ESRCH (hvm.c:3939-3941); a dying one is still found', () => {
    const g = new Legacy();
    assert.equal(g.set(P.HVM_PARAM_TIMER_MODE, 1, g.d0, 9), -3);
    const r = g.stepped((h) => h.doHvmOp(g.d0, HVMOP_set_param, { domid: 9, index: P.HVM_PARAM_TIMER_MODE, value: 1 }));
    assert.equal(localsAt(r.stops, 'do_hvm_op', 'lookup').d, 'NULL');
    g.d.is_dying = 1;
    assert.equal(g.get(P.HVM_PARAM_TIMER_MODE).rc, 0);
    g.d.is_dying = 2;
    assert.equal(g.get(P.HVM_PARAM_TIMER_MODE).rc, -3);
  });

  it('DOMID_SELF names the caller; a PV domain (dom0) is not HVM: -EINVAL (hvm.c:3944)', () => {
    const g = new Legacy();
    assert.equal(g.get(P.HVM_PARAM_TIMER_MODE, g.d0, E.DOMID_SELF).rc, -EINVAL);
    assert.equal(g.get(P.HVM_PARAM_TIMER_MODE, g.d0, 0).rc, -EINVAL);
    const r = g.stepped((h) => h.doHvmOp(g.d0, HVMOP_get_param, { domid: 0, index: P.HVM_PARAM_TIMER_MODE, value: 0 }));
    assert.equal(localsAt(r.stops, 'do_hvm_op', 'is_hvm').is_hvm, '0');
    assert.deepEqual(labels(r.stops, 'do_hvm_op').slice(-1), ['is_hvm']);
    g.set(P.HVM_PARAM_TIMER_MODE, 2);
    assert.deepEqual(g.get(P.HVM_PARAM_TIMER_MODE, g.d, E.DOMID_SELF), { rc: 0, value: 2 });
  });

  it('XSM_TARGET: a domain that is neither d, dom0 nor d\'s device-model domain gets -EPERM; d->target may (hvm.c:3951)', () => {
    const g = new Legacy();
    assert.equal(g.run((f) => f.libxc.xcDomainCreate(2, 1, true)), 0);
    const d2 = g.m.x.domains.get(2)!;
    assert.equal(g.get(P.HVM_PARAM_TIMER_MODE, d2).rc, -1);
    assert.equal(g.set(P.HVM_PARAM_TIMER_MODE, 1, d2), -1);
    assert.equal(g.d.arch.hvm_domain.params[P.HVM_PARAM_TIMER_MODE], 0);
    d2.target = 1;
    assert.equal(g.set(P.HVM_PARAM_TIMER_MODE, 1, d2), 0);
  });

  it('an ordinary param is stored, with a param_set event; a get returns it, with a param_get event', () => {
    const g = new Legacy();
    const from = g.m.x.events.length;
    assert.equal(g.set(P.HVM_PARAM_TIMER_MODE, 3), 0);
    assert.deepEqual(g.events('param_set', from).map((e) => [e.fn, e.before, e.after]), [['do_hvm_op', 0, 3]]);
    assert.deepEqual(g.get(P.HVM_PARAM_TIMER_MODE), { rc: 0, value: 3 });
    assert.deepEqual(g.events('param_get', from).map((e) => e.detail), [{ index: P.HVM_PARAM_TIMER_MODE, name: P.PARAM_NAMES[P.HVM_PARAM_TIMER_MODE], value: 3, caller: 0 }]);
  });

  it('IDENT_PT: not on oneself (-EPERM), once only (-EINVAL when already set), else stored (hvm.c:3988-3999)', () => {
    const g = new Legacy(1, false);
    assert.equal(g.set(P.HVM_PARAM_IDENT_PT, 0x1000, g.d), -1);
    assert.equal(g.d.arch.hvm_domain.params[P.HVM_PARAM_IDENT_PT], 0);
    assert.equal(g.set(P.HVM_PARAM_IDENT_PT, 0x1000), 0);
    assert.equal(g.d.arch.hvm_domain.params[P.HVM_PARAM_IDENT_PT], 0x1000);
    const r = g.stepped((h) => h.doHvmOp(g.d0, HVMOP_set_param, { domid: 1, index: P.HVM_PARAM_IDENT_PT, value: 0x2000 }));
    assert.equal(r.value, -EINVAL);
    assert.equal(localsAt(r.stops, 'do_hvm_op', 'ident_pt_set').value, '0x1000');
    assert.equal(g.d.arch.hvm_domain.params[P.HVM_PARAM_IDENT_PT], 0x1000);
  });

  it('DM_DOMAIN: not on oneself (-EPERM, nothing replaced); DOMID_SELF is the caller (hvm.c:4020-4027)', () => {
    const g = new Legacy();
    const ports = g.xenPorts();
    assert.equal(g.set(P.HVM_PARAM_DM_DOMAIN, 0, g.d), -1);
    assert.deepEqual(g.xenPorts(), ports);
    assert.equal(g.run((f) => f.libxc.xcDomainCreate(3, 1, true)), 0);
    const d3 = g.m.x.domains.get(3)!;
    d3.target = 1;
    assert.equal(g.set(P.HVM_PARAM_DM_DOMAIN, E.DOMID_SELF, d3), 0);
    assert.equal(g.s.domid, 3);
    assert.equal(g.d.arch.hvm_domain.params[P.HVM_PARAM_DM_DOMAIN], 3);
  });

  it('DM_DOMAIN: the server takes the value as a domid_t, the param keeps the value as set (hvm.c:4032/4043 pass a.value to a domid_t; 4122 stores a.value)', () => {
    const g = new Legacy();
    assert.equal(g.set(P.HVM_PARAM_DM_DOMAIN, 0x10005), 0);
    assert.equal(g.s.domid, 5);
    assert.equal(g.d.evtchn.ports[g.s.ioreq_evtchn[0]].remote_domid, 5);
    assert.deepEqual(g.get(P.HVM_PARAM_DM_DOMAIN), { rc: 0, value: 0x10005 });
  });

  it('ACPI_S_STATE: not on oneself (-EPERM); 3 suspends, 0 resumes, anything else -EINVAL; get reads 3 while suspended (hvm.c:4055-4068, 4148-4149)', () => {
    const g = new Legacy();
    assert.equal(g.set(P.HVM_PARAM_ACPI_S_STATE, 3, g.d), -1);
    assert.equal(g.d.arch.hvm_domain.is_s3_suspended, false);
    assert.equal(g.set(P.HVM_PARAM_ACPI_S_STATE, 3), 0);
    assert.equal(g.d.arch.hvm_domain.is_s3_suspended, true);
    assert.deepEqual(g.get(P.HVM_PARAM_ACPI_S_STATE), { rc: 0, value: 3 });
    assert.equal(g.d.arch.hvm_domain.params[P.HVM_PARAM_ACPI_S_STATE], 3);
    assert.equal(g.set(P.HVM_PARAM_ACPI_S_STATE, 2), -EINVAL);
    assert.equal(g.d.arch.hvm_domain.params[P.HVM_PARAM_ACPI_S_STATE], 3, 'a failed set stores nothing');
    assert.equal(g.set(P.HVM_PARAM_ACPI_S_STATE, 0), 0);
    assert.deepEqual(g.get(P.HVM_PARAM_ACPI_S_STATE), { rc: 0, value: 0 });
    const r = g.stepped((h) => h.doHvmOp(g.d0, HVMOP_set_param, { domid: 1, index: P.HVM_PARAM_ACPI_S_STATE, value: 9 }));
    assert.equal(localsAt(r.stops, 'do_hvm_op', 'acpi_s_state_s3').value, '0x9');
  });

  it('BUFIOREQ_EVTCHN cannot be set: -EINVAL, the port kept (hvm.c:4111-4113); its get is the server\'s buffered port', () => {
    const g = new Legacy();
    const port = g.s.buf_ioreq_evtchn;
    assert.equal(g.set(P.HVM_PARAM_BUFIOREQ_EVTCHN, 1), -EINVAL);
    assert.equal(g.s.buf_ioreq_evtchn, port);
    assert.equal(g.d.arch.hvm_domain.params[P.HVM_PARAM_BUFIOREQ_EVTCHN], 0);
    g.d.arch.hvm_domain.params[P.HVM_PARAM_BUFIOREQ_EVTCHN] = 99;
    assert.deepEqual(g.get(P.HVM_PARAM_BUFIOREQ_EVTCHN), { rc: 0, value: port });
    const r = g.stepped((h) => h.doHvmOp(g.d0, HVMOP_get_param, { domid: 1, index: P.HVM_PARAM_BUFIOREQ_EVTCHN, value: 0 }));
    assert.equal(localsAt(r.stops, 'do_hvm_op', 'get_bufioreq_evtchn').port, String(port));
  });

  it('an op that is neither set nor get: -ENOSYS', () => {
    const g = new Legacy();
    assert.equal(g.op(g.d0, 2, 1, P.HVM_PARAM_TIMER_MODE).rc, -38);
  });

  it('IOREQ_PFN / BUFIOREQ_PFN map their pages through do_hvm_op and are stored (what setup_guest does)', () => {
    const g = new Legacy(1, false);
    for (const pfn of [IOREQ, BUFIOREQ]) g.d.physmap.set(pfn, new X.GuestPage('special'));
    assert.equal(g.set(P.HVM_PARAM_IOREQ_PFN, IOREQ), 0);
    assert.equal(g.s.ioreq.page, IOREQ);
    assert.equal(g.s.buf_ioreq.va, null);
    assert.equal(g.set(P.HVM_PARAM_BUFIOREQ_PFN, BUFIOREQ), 0);
    assert.equal(g.s.buf_ioreq.page, BUFIOREQ);
    assert.deepEqual([g.d.arch.hvm_domain.params[P.HVM_PARAM_IOREQ_PFN], g.d.arch.hvm_domain.params[P.HVM_PARAM_BUFIOREQ_PFN]], [IOREQ, BUFIOREQ]);
  });
});

describe('mutation (issue 16): legacy hvm_do_resume ([X44] hvm.c:348-388)', () => {
  it('a slot READY or INPROCESS: the vcpu waits on the slot\'s port (DESCHEDULED), no trap injected yet', () => {
    for (const state of [A.STATE_IOREQ_READY, A.STATE_IOREQ_INPROCESS]) {
      const g = new Legacy();
      const v = g.v(0);
      g.h.getIoreq(g.s, 0).state = state;
      v.arch.hvm_vcpu.inject_trap.vector = 6;
      const r = g.stepped((h) => h.hvmDoResume(v), v);
      assert.equal(r.value, DESCHEDULED, `state ${state}`);
      assert.equal(labels(r.stops, 'hvm_do_resume').at(-1), 'wait');
      assert.equal(localsAt(r.stops, 'hvm_do_resume', 'wait').port, String(g.s.ioreq_evtchn[0]));
      assert.equal(localsAt(r.stops, 'hvm_do_resume', 'switch').state, `${A.STATE_NAMES[state]} (${state})`);
      assert.equal(v.pause_flags.blocked_in_xen, true);
      assert.equal(v.arch.hvm_vcpu.inject_trap.vector, 6);
    }
  });

  it('a slot answered (IORESP_READY): hvm_io_assist takes it to NONE and the loop ends; RESUMED', () => {
    const g = new Legacy();
    const v = g.v(0);
    g.h.getIoreq(g.s, 0).state = A.STATE_IORESP_READY;
    const r = g.stepped((h) => h.hvmDoResume(v), v);
    assert.equal(r.value, RESUMED);
    assert.equal(g.slot(0).state, A.STATE_IOREQ_NONE);
    assert.equal(localsAt(r.stops, 'hvm_do_resume', 'loop', 1).state, 'STATE_IOREQ_NONE (0)');
  });

  it('a weird state: gdprintk at XENLOG_ERR "Weird HVM iorequest state N.", domain_crash by hvm_do_resume, CRASHED', () => {
    const g = new Legacy();
    const v = g.v(0);
    g.h.getIoreq(g.s, 0).state = 7;
    assert.equal(g.hvm((h) => h.hvmDoResume(v), v), CRASHED);
    const line = g.m.x.console.find((l) => l.level === 'XENLOG_ERR')!;
    assert.deepEqual([line.level, line.fn, line.domid, line.text], ['XENLOG_ERR', 'hvm_do_resume', 1, 'Weird HVM iorequest state 7.']);
    assert.deepEqual([g.d.crashed!.fn, g.d.crashed!.reason], ['hvm_do_resume', 'Weird HVM iorequest state 7']);
  });

  it('no server: straight to the pending trap, which is injected and cleared (hvm.c:358-359, 381-386)', () => {
    const g = new Legacy();
    const v = g.v(0);
    (g.d.arch.hvm_domain as { ioreq_server: unknown }).ioreq_server = null;
    v.arch.hvm_vcpu.inject_trap.vector = 13;
    const r = g.stepped((h) => h.hvmDoResume(v), v);
    assert.equal(r.value, RESUMED);
    assert.deepEqual(labels(r.stops, 'hvm_do_resume'), ['init_d', 'init_s', 'check_wakeup', 'check_server', 'inject_trap', 'inject', 'clear_trap']);
    assert.equal(localsAt(r.stops, 'hvm_do_resume', 'inject_trap').vector, '13');
    assert.equal(v.arch.hvm_vcpu.inject_trap.vector, -1);
    const r2 = g.stepped((h) => h.hvmDoResume(v), v);
    assert.deepEqual(labels(r2.stops, 'hvm_do_resume').slice(-1), ['inject_trap']);
  });
});

describe('mutation (issue 16): legacy hvm_send_assist_req ([X44] hvm.c:1290-1318)', () => {
  it('the request: copied into the slot as NONE with the slot\'s port, the vcpu blocked, then READY and the port notified; 1', () => {
    const g = new Legacy();
    const v = g.v(0);
    const port = g.s.ioreq_evtchn[0];
    const p = pio();
    p.state = 9;
    p.vp_eport = 1234;
    const from = g.m.x.events.length;
    const r = g.stepped((h) => h.hvmSendAssistReq(v, p), v);
    assert.equal(r.value, 1);
    assert.equal(localsAt(r.stops, 'hvm_send_assist_req', 'copy_port').port, String(port));
    assert.equal(localsAt(r.stops, 'hvm_send_assist_req', 'notify').port, String(port));
    assert.deepEqual([p.state, p.vp_eport], [A.STATE_IOREQ_NONE, port]);
    const slot = g.slot(0);
    assert.deepEqual([slot.state, slot.vp_eport, slot.addr, slot.data, slot.type], [A.STATE_IOREQ_READY, port, 0x3f8n, 0x41n, A.IOREQ_TYPE_PIO]);
    assert.equal(v.pause_flags.blocked_in_xen, true);
    assert.deepEqual(g.events('slot_state', from).map((e) => [e.fn, e.before, e.after]), [['hvm_send_assist_req', 'STATE_IOREQ_NONE', 'STATE_IOREQ_READY']]);
    assert.equal(g.events('vcpu_block', from).length, 1);
    const kinds = g.m.x.events.slice(from).map((e) => e.kind);
    assert.ok(kinds.indexOf('vcpu_block') < kinds.indexOf('slot_state'), 'blocked before READY is visible');
    assert.equal(g.d.evtchn.ports[port].pending, false, 'the port is still unbound: the notify goes nowhere');
  });

  it('a slot not NONE: "Device model set bad IO state N." at XENLOG_ERR, the domain crashed, 0 and the slot left as it was', () => {
    const g = new Legacy();
    const v = g.v(0);
    g.h.getIoreq(g.s, 0).state = A.STATE_IORESP_READY;
    const r = g.stepped((h) => h.hvmSendAssistReq(v, pio()), v);
    assert.equal(r.value, 0);
    assert.deepEqual(labels(r.stops, 'hvm_send_assist_req').slice(-4), ['check_state', 'bad_state', 'crash', 'ret_bad']);
    assert.equal(localsAt(r.stops, 'hvm_send_assist_req', 'check_state').state, 'STATE_IORESP_READY (3)');
    assert.equal(localsAt(r.stops, 'hvm_send_assist_req', 'bad_state').state, 'STATE_IORESP_READY (3)');
    const line = g.m.x.console.find((l) => l.level === 'XENLOG_ERR')!;
    assert.deepEqual([line.level, line.fn, line.domid, line.text], ['XENLOG_ERR', 'hvm_send_assist_req', 1, 'Device model set bad IO state 3.']);
    assert.deepEqual([g.d.crashed!.fn, g.d.crashed!.reason], ['hvm_send_assist_req', 'Device model set bad IO state 3']);
    assert.equal(g.slot(0).state, A.STATE_IORESP_READY);
    assert.equal(g.slot(0).addr, 0n);
  });

  it('no server: 0, nothing sent; a domain shutting down: 0 and the request binned before the server is read', () => {
    const g = new Legacy();
    const v = g.v(0);
    const s = g.s;
    (g.d.arch.hvm_domain as { ioreq_server: unknown }).ioreq_server = null;
    const r = g.stepped((h) => h.hvmSendAssistReq(v, pio()), v);
    assert.equal(r.value, 0);
    assert.equal(labels(r.stops, 'hvm_send_assist_req').at(-1), 'check_server');
    (g.d.arch.hvm_domain as { ioreq_server: unknown }).ioreq_server = s;
    assert.equal(A.readIoreq(s.ioreq.va!, A.ioreqOffset(0)).state, A.STATE_IOREQ_NONE);
    const g2 = new Legacy();
    const v2 = g2.v(0);
    g2.d.is_shutting_down = true;
    g2.d.shutdown_code = 0;
    const from = g2.m.x.events.length;
    const r2 = g2.stepped((h) => h.hvmSendAssistReq(v2, pio()), v2);
    assert.equal(r2.value, 0);
    assert.equal(labels(r2.stops, 'hvm_send_assist_req').at(-1), 'deferral');
    assert.equal(g2.events('io_dropped', from).length, 1);
    assert.equal(g2.slot(0).state, A.STATE_IOREQ_NONE);
    assert.equal(g2.slot(0).addr, 0n);
  });
});

describe('mutation (issue 16): legacy hvm.c, the second pass', () => {
  it('hvm_ioreq_server_add_vcpu on a freed server is reported under its own name (the use-after-free check)', () => {
    const g = new Legacy(1);
    g.s.freed = true;
    g.hvm((h) => h.hvmIoreqServerAddVcpu(g.s, g.v(0)));
    // reported first by add_vcpu itself, then by get_ioreq when the slots are updated
    assert.deepEqual(g.m.x.bugs.map((b) => [b.kind, b.fn]), [['use-after-free', 'hvm_ioreq_server_add_vcpu'], ['use-after-free', 'get_ioreq']]);
  });

  it('a domain made with no vcpu: the buffered port is still -1, and a get of BUFIOREQ_EVTCHN says so', () => {
    const g = new Legacy(0, false);
    assert.equal(g.s.buf_ioreq_evtchn, -1);
    assert.deepEqual(g.get(P.HVM_PARAM_BUFIOREQ_EVTCHN), { rc: 0, value: -1 });
  });

  it('with events off (a flat-out run) creation, DM_DOMAIN and destruction record no event of their own', () => {
    const m = new Model('legacy').boot();
    m.x.on = false;
    const n = m.x.events.length;
    const d0 = m.x.domains.get(0)!;
    m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(1, 1, true));
    const d1 = m.x.domains.get(1)!;
    m.flatRun('toolstack', null, (f) => f.libxc.setupGuest(d1, 0x8000, 0, 0));
    m.flatRun('toolstack', null, (f) => f.hvm.doHvmOp(d0, HVMOP_set_param, { domid: 1, index: P.HVM_PARAM_DM_DOMAIN, value: 0 }));
    assert.equal(d1.arch.hvm_domain.ioreq_server!.domid, 0);
    d1.is_dying = 1;
    m.flatRun('toolstack', null, (f) => (f.hvm as unknown as HvmLegacy).hvmDomainRelinquishResources(d1));
    assert.equal(d1.arch.hvm_domain.ioreq_server!.freed, true);
    assert.equal(m.x.events.length, n);
  });

  it('hvm_do_resume: a slot answered between the switch and the wait is not waited for; the loop goes round to hvm_io_assist', () => {
    const g = new Legacy();
    const v = g.v(0);
    g.h.getIoreq(g.s, 0).state = A.STATE_IOREQ_READY;
    const r = g.stepped((h) => h.hvmDoResume(v), v, (s) => {
      if (s.fn === 'hvm_do_resume' && s.at === 'wait') g.h.getIoreq(g.s, 0).state = A.STATE_IORESP_READY; // the device model answers
    });
    assert.equal(r.value, RESUMED);
    assert.deepEqual(labels(r.stops, 'hvm_do_resume').slice(5), ['loop', 'read_state', 'switch', 'wait', 'wait_break', 'loop', 'read_state', 'switch', 'assist', 'assist_break', 'loop', 'inject_trap']);
    assert.equal(v.pause_flags.blocked_in_xen, false);
    assert.equal(g.slot(0).state, A.STATE_IOREQ_NONE);
  });

  it('param 0 (CALLBACK_IRQ) is a valid index: set and read back (only an index past HVM_NR_PARAMS is -EINVAL)', () => {
    const g = new Legacy();
    assert.equal(g.set(0, 0x55), 0);
    assert.deepEqual(g.get(0), { rc: 0, value: 0x55 });
  });

  it('XSM_TARGET refusing a get: -EPERM and the argument left as it was, nothing recorded (goto param_fail, hvm.c:3951-3953)', () => {
    const g = new Legacy();
    assert.equal(g.run((f) => f.libxc.xcDomainCreate(2, 1, true)), 0);
    const d2 = g.m.x.domains.get(2)!;
    g.set(P.HVM_PARAM_TIMER_MODE, 2);
    const from = g.m.x.events.length;
    const a = { domid: 1, index: P.HVM_PARAM_TIMER_MODE, value: 12345 };
    assert.equal(g.hvm((h) => h.doHvmOp(d2, HVMOP_get_param, a)), -1);
    assert.equal(a.value, 12345);
    assert.equal(g.events('param_get', from).length, 0);
    const b = { domid: 1, index: P.HVM_PARAM_ACPI_S_STATE, value: 3 };
    assert.equal(g.hvm((h) => h.doHvmOp(d2, HVMOP_set_param, b)), -1);
    assert.equal(g.d.arch.hvm_domain.is_s3_suspended, false);
  });

  it('stops: ACPI_S_STATE on oneself breaks out at the check; BUFIOREQ_EVTCHN\'s case and the default each stop at their lines', () => {
    const g = new Legacy();
    const self = g.stepped((h) => h.doHvmOp(g.d, HVMOP_set_param, { domid: E.DOMID_SELF, index: P.HVM_PARAM_ACPI_S_STATE, value: 3 }));
    assert.equal(self.value, -1);
    assert.deepEqual(labels(self.stops, 'do_hvm_op').slice(-5), ['set_switch', 'acpi_s_state', 'acpi_s_state_self', 'store', 'set_ret']);
    const evt = g.stepped((h) => h.doHvmOp(g.d0, HVMOP_set_param, { domid: 1, index: P.HVM_PARAM_BUFIOREQ_EVTCHN, value: 1 }));
    assert.equal(evt.value, -EINVAL);
    assert.deepEqual(labels(evt.stops, 'do_hvm_op').slice(-5), ['set_switch', 'bufioreq_evtchn', 'bufioreq_evtchn_break', 'store', 'set_ret']);
    const def = g.stepped((h) => h.doHvmOp(g.d0, HVMOP_set_param, { domid: 1, index: P.HVM_PARAM_TIMER_MODE, value: 1 }));
    assert.equal(def.value, 0);
    assert.deepEqual(labels(def.stops, 'do_hvm_op').slice(-4), ['set_switch', 'set_default', 'store', 'set_ret']);
  });
});
