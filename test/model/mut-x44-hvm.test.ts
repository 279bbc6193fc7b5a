// Issue 16, src/model/xen/4.4/hvm.ts: the RELEASE-4.4.0 hvm.c helpers the legacy and seed profiles share (and 4.5
// inherits), driven on the seed (test/model/x44-guest.ts). [X44] is xen/arch/x86/hvm/hvm.c @RELEASE-4.4.0:
// prepare_ring_for_helper 423-464, destroy_ring_for_helper 398-409, __hvm_copy 2548-2656 (hvm_copy_{to,from}_guest_phys),
// hvm_send_assist_req 1290-1318, hvm_s3_suspend 3707-3741, hvm_s3_resume 3743-3753, hvm_replace_event_channel
// 3902-3915, do_hvm_op's XSM_TARGET check 3951 and its ACPI_S_STATE cases 4055-4068, 4148-4149; the wait primitives
// are xen/include/xen/event.h's.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import { EINVAL, ENOENT, ENOMEM, ENOSPC } from '../../src/model/errno';
import * as E from '../../src/model/evtchn';
import * as P from '../../src/model/params';
import * as X from '../../src/model/xen';
import { G44 } from './x44-guest';
import { labels, localsAt } from './x45-guest';

const RAM = 0x100; // a RAM frame of the guest
const SPARE = 0xfeffa; // a special frame no server uses

function spare(g: G44, pfn = SPARE): X.GuestPage {
  const pg = new X.GuestPage('special');
  g.d.physmap.set(pfn, pg);
  return pg;
}

describe('mutation (issue 16): 4.4 prepare_ring_for_helper / destroy_ring_for_helper ([X44] hvm.c:398-464)', () => {
  it('a paged-out gfn: the pager is asked (p2m_mem_paging_populate, with the gfn and the caller), -ENOENT, nothing mapped', () => {
    const g = new G44();
    const pg = spare(g);
    pg.paged_out = true;
    const from = g.m.x.events.length;
    const r = g.stepped(null, (h) => h.prepareRingForHelper(g.d, SPARE));
    assert.deepEqual(r.value, { rc: -ENOENT, page: SPARE, va: null });
    assert.deepEqual(labels(r.stops, 'prepare_ring_for_helper'), ['get_page', 'get_page_from_gfn', 'paging', 'paging_put', 'paging_ret']);
    assert.deepEqual(g.d.paging_requests, [SPARE]);
    const ev = g.events('p2m_paging', from);
    assert.deepEqual(ev.map((e) => [e.fn, e.domid, e.detail, e.text]),
      [['p2m_mem_paging_populate', 1, { gfn: SPARE, by: 'prepare_ring_for_helper' }, 'd1 gfn 0xfeffa is paged out: prepare_ring_for_helper asks the pager to populate it (p2m_mem_paging_populate)']]);
    assert.equal(pg.xen_maps, 0);
  });

  it('a shared gfn: -ENOENT without asking the pager; a missing one -EINVAL; one that cannot be made writable -EINVAL', () => {
    const g = new G44();
    const pg = spare(g);
    pg.shared = true;
    let r = g.stepped(null, (h) => h.prepareRingForHelper(g.d, SPARE));
    assert.equal(r.value.rc, -ENOENT);
    assert.deepEqual(labels(r.stops, 'prepare_ring_for_helper').slice(-3), ['is_shared', 'shared', 'shared_ret']);
    assert.deepEqual(g.d.paging_requests, []);
    r = g.stepped(null, (h) => h.prepareRingForHelper(g.d, 0x7fffffff));
    assert.deepEqual(r.value, { rc: -EINVAL, page: 0x7fffffff, va: null });
    assert.equal(localsAt(r.stops, 'prepare_ring_for_helper', 'get_page_from_gfn').page, 'NULL');
    assert.deepEqual(labels(r.stops, 'prepare_ring_for_helper').slice(-2), ['is_null', 'no_page']);
    pg.shared = false;
    pg.not_writable = true;
    r = g.stepped(null, (h) => h.prepareRingForHelper(g.d, SPARE));
    assert.equal(r.value.rc, -EINVAL);
    assert.deepEqual(labels(r.stops, 'prepare_ring_for_helper').slice(-3), ['get_page_type', 'type_put', 'type_ret']);
    assert.equal(pg.xen_maps, 0);
  });

  it('the global map failing: -ENOMEM, no mapping counted; success counts one mapping per call, "mapping" then "mappings"', () => {
    const g = new G44();
    const pg = spare(g);
    g.m.x.faults.map = 0;
    let r = g.stepped(null, (h) => h.prepareRingForHelper(g.d, SPARE));
    assert.deepEqual(r.value, { rc: -ENOMEM, page: SPARE, va: null });
    assert.deepEqual(labels(r.stops, 'prepare_ring_for_helper').slice(-3), ['check_va', 'map_put', 'map_ret']);
    assert.equal(pg.xen_maps, 0);
    const from = g.m.x.events.length;
    r = g.stepped(null, (h) => h.prepareRingForHelper(g.d, SPARE));
    assert.equal(r.value.rc, 0);
    assert.equal(r.value.va, pg.data());
    assert.deepEqual(labels(r.stops, 'prepare_ring_for_helper'), ['get_page', 'get_page_from_gfn', 'is_shared', 'is_null', 'get_page_type', 'map_global', 'check_va', 'set_page', 'set_va', 'ret']);
    g.flat('toolstack', null, () => g.h.prepareRingForHelper(g.d, SPARE));
    assert.equal(pg.xen_maps, 2);
    assert.deepEqual(g.events('page_map', from).map((e) => [e.fn, e.domid, e.after, e.detail, e.text]), [
      ['prepare_ring_for_helper', 1, 1, { pfn: SPARE }, 'd1 pfn 0xfeffa mapped by Xen (1 mapping)'],
      ['prepare_ring_for_helper', 1, 2, { pfn: SPARE }, 'd1 pfn 0xfeffa mapped by Xen (2 mappings)'],
    ]);
  });

  it('destroy_ring_for_helper: a mapping is dropped (count down, an unmap event) and va cleared; with no va nothing happens', () => {
    const g = new G44();
    const pg = spare(g);
    const ring = { va: g.flat('toolstack', null, () => g.h.prepareRingForHelper(g.d, SPARE)).va, page: SPARE as number | null };
    const from = g.m.x.events.length;
    const r = g.stepped(null, (h) => h.destroyRingForHelper(g.d, ring));
    assert.deepEqual(labels(r.stops, 'destroy_ring_for_helper'), ['init_va', 'check', 'unmap', 'put', 'clear']);
    assert.equal(localsAt(r.stops, 'destroy_ring_for_helper', 'check').va, '"mapped"');
    assert.equal(ring.va, null);
    assert.equal(ring.page, SPARE, 'the page pointer is left as it was');
    assert.equal(pg.xen_maps, 0);
    assert.deepEqual(g.events('page_unmap', from).map((e) => [e.fn, e.domid, e.detail, e.text]), [['destroy_ring_for_helper', 1, { pfn: SPARE }, 'd1 pfn 0xfeffa unmapped by Xen']]);
    const r2 = g.stepped(null, (h) => h.destroyRingForHelper(g.d, ring));
    assert.deepEqual(labels(r2.stops, 'destroy_ring_for_helper'), ['init_va', 'check']);
    assert.equal(localsAt(r2.stops, 'destroy_ring_for_helper', 'check').va, '"NULL"');
    assert.equal(pg.xen_maps, 0);
    // A va with no page (never set) is not unmapped either; a page gone from the physmap is not counted down.
    const ring2 = { va: pg.data(), page: null as number | null };
    g.flat('toolstack', null, () => g.h.destroyRingForHelper(g.d, ring2));
    assert.equal(ring2.va, pg.data());
    pg.xen_maps = 1;
    const ring3 = { va: pg.data(), page: 0x7fffffff as number | null };
    g.flat('toolstack', null, () => g.h.destroyRingForHelper(g.d, ring3));
    assert.equal(ring3.va, null);
    assert.equal(pg.xen_maps, 1);
  });
});

describe('mutation (issue 16): 4.4 hvm_copy_{from,to}_guest_phys (__hvm_copy)', () => {
  it('reads little-endian bytes from RAM, and writes them back the same way', () => {
    const g = new G44();
    const gpa = BigInt(RAM << 12) + 0x10n;
    assert.deepEqual(g.h.hvmCopyGuestPhys(g.d, gpa, 4, true, 0x11223344n), { rc: 'HVMCOPY_okay', data: 0n });
    const dv = g.d.page(RAM)!.data();
    assert.deepEqual([dv.getUint8(0x10), dv.getUint8(0x11), dv.getUint8(0x12), dv.getUint8(0x13), dv.getUint8(0x14)], [0x44, 0x33, 0x22, 0x11, 0]);
    assert.deepEqual(g.h.hvmCopyGuestPhys(g.d, gpa, 4, false, 0n), { rc: 'HVMCOPY_okay', data: 0x11223344n });
    assert.deepEqual(g.h.hvmCopyGuestPhys(g.d, gpa + 1n, 2, false, 0n), { rc: 'HVMCOPY_okay', data: 0x2233n });
    assert.deepEqual(g.h.hvmCopyGuestPhys(g.d, gpa, 0, false, 0n), { rc: 'HVMCOPY_okay', data: 0n });
  });

  it('a copy that runs onto the next frame reads that frame (each byte\'s own gfn)', () => {
    const g = new G44();
    g.d.page(RAM + 1)!.data().setUint8(0, 0xab);
    g.d.page(RAM)!.data().setUint8(0xfff, 0xcd);
    assert.deepEqual(g.h.hvmCopyGuestPhys(g.d, BigInt(RAM << 12) + 0xfffn, 2, false, 0n), { rc: 'HVMCOPY_okay', data: 0xabcdn });
  });

  it('no RAM there: HVMCOPY_bad_gfn_to_mfn; paged out: gfn_paged_out and the pager asked by hvm_copy; shared: gfn_shared', () => {
    const g = new G44();
    assert.deepEqual(g.h.hvmCopyGuestPhys(g.d, 0xfe000000n, 1, false, 0n), { rc: 'HVMCOPY_bad_gfn_to_mfn', data: 0n });
    const pg = g.d.page(RAM)!;
    pg.data().setUint8(0, 0x5a);
    pg.paged_out = true;
    const from = g.m.x.events.length;
    assert.deepEqual(g.h.hvmCopyGuestPhys(g.d, BigInt(RAM << 12), 1, false, 0n), { rc: 'HVMCOPY_gfn_paged_out', data: 0n });
    assert.deepEqual(g.d.paging_requests, [RAM]);
    assert.deepEqual(g.events('p2m_paging', from).map((e) => e.detail), [{ gfn: RAM, by: 'hvm_copy' }]);
    pg.paged_out = false;
    pg.shared = true;
    assert.deepEqual(g.h.hvmCopyGuestPhys(g.d, BigInt(RAM << 12), 1, true, 1n), { rc: 'HVMCOPY_gfn_shared', data: 0n });
    assert.equal(pg.data().getUint8(0), 0x5a);
    assert.deepEqual(g.d.paging_requests, [RAM]);
  });

  it('read-only RAM: a write is dropped (okay), a read still reads', () => {
    const g = new G44();
    const pg = g.d.page(RAM)!;
    pg.data().setUint8(0, 0x77);
    pg.not_writable = true;
    assert.deepEqual(g.h.hvmCopyGuestPhys(g.d, BigInt(RAM << 12), 1, true, 0x12n), { rc: 'HVMCOPY_okay', data: 0n });
    assert.equal(pg.data().getUint8(0), 0x77);
    assert.deepEqual(g.h.hvmCopyGuestPhys(g.d, BigInt(RAM << 12), 1, false, 0n), { rc: 'HVMCOPY_okay', data: 0x77n });
  });
});

describe('mutation (issue 16): 4.4 get_ioreq, xfree and use-after-free reports', () => {
  it('get_ioreq: vcpu n\'s slot at its offset in the mapped page, the same ref while the page stays, a new one for a new page', () => {
    const g = new G44(2);
    const s = g.server();
    const p1 = g.h.getIoreq(s, 1);
    assert.deepEqual([p1.va, p1.off, p1.vcpu_id], [s.ioreq.va, A.ioreqOffset(1), 1]);
    assert.equal(g.h.getIoreq(s, 1), p1);
    assert.notEqual(g.h.getIoreq(s, 0), p1);
    const other = spare(g).data();
    s.ioreq.va = other;
    const q = g.h.getIoreq(s, 1);
    assert.notEqual(q, p1);
    assert.equal(q.va, other);
  });

  it('get_ioreq with no page mapped is a NULL dereference: Xen panics, naming the domain', () => {
    const g = new G44();
    const s = g.server();
    s.ioreq.va = null;
    const r = g.m.flatRun('toolstack', null, () => g.h.getIoreq(s, 0));
    assert.equal(r.panic, 'NULL dereference: get_ioreq on d1 with no ioreq page mapped');
    assert.equal(g.m.x.panic!.fn, 'get_ioreq');
  });

  it('xfree: the heap count goes down once; a second xfree is reported as a use-after-free and not counted again', () => {
    const g = new G44();
    const s = g.server();
    const n = g.m.x.heap.hvm_ioreq_server;
    g.h.xfreeServer(s);
    assert.equal(s.freed, true);
    assert.equal(g.m.x.heap.hvm_ioreq_server, n - 1);
    assert.equal(g.m.x.bugs.length, 0);
    const from = g.m.x.events.length;
    g.h.xfreeServer(s);
    assert.equal(g.m.x.heap.hvm_ioreq_server, n - 1);
    assert.deepEqual(g.m.x.bugs, [{ kind: 'use-after-free', fn: 'xfree', text: 'xfree used d1\'s ioreq server after xfree()' }]);
    assert.deepEqual(g.events('printk', from).map((e) => [e.fn, e.domid, e.detail, e.text]), [['xfree', 1, { bug: 'use-after-free' }, 'BUG (model): xfree uses a freed ioreq server']]);
  });

  it('a live server is not reported; get_ioreq on a freed one is, under get_ioreq', () => {
    const g = new G44();
    const s = g.server();
    g.h.checkLive(s, 'x');
    g.h.getIoreq(s, 0);
    assert.equal(g.m.x.bugs.length, 0);
    s.freed = true;
    g.h.getIoreq(s, 0);
    assert.deepEqual(g.m.x.bugs.map((b) => b.fn), ['get_ioreq']);
  });
});

describe('mutation (issue 16): 4.4 hvm_replace_event_channel ([X44] hvm.c:3902-3915)', () => {
  it('allocates first, for the new remote domid; on success the holder gets the new port and the old one is freed', () => {
    const g = new G44();
    const v = g.v();
    const old = E.allocUnboundXenEventChannel(g.m.x, g.d, 0, 0);
    let held = old;
    const r = g.stepped(v, (h) => h.hvmReplaceEventChannel(v, 6, { get: () => held, set: (p) => { held = p; } }));
    assert.equal(r.value, 0);
    assert.notEqual(held, old);
    assert.equal(g.d.evtchn.ports[held].state, E.ECS_UNBOUND);
    assert.equal(g.d.evtchn.ports[held].remote_domid, 6);
    assert.equal(g.d.evtchn.ports[old].state, E.ECS_FREE);
    assert.equal(localsAt(r.stops, 'hvm_replace_event_channel', 'free').old_port, String(old));
    assert.deepEqual(labels(r.stops, 'hvm_replace_event_channel'), ['alloc', 'check', 'xchg', 'free', 'ret']);
  });

  it('the allocation failing: its rc back, the holder untouched, the old port still there', () => {
    const g = new G44();
    const v = g.v();
    const old = E.allocUnboundXenEventChannel(g.m.x, g.d, 0, 0);
    let held = old;
    g.m.x.faults.evtchn = 0;
    const r = g.stepped(v, (h) => h.hvmReplaceEventChannel(v, 6, { get: () => held, set: (p) => { held = p; } }));
    assert.equal(r.value, -ENOSPC);
    assert.deepEqual(labels(r.stops, 'hvm_replace_event_channel'), ['alloc', 'check']);
    assert.equal(held, old);
    assert.equal(g.d.evtchn.ports[old].state, E.ECS_UNBOUND);
  });
});

describe('mutation (issue 16): 4.4 the param store, slot writes and the request\'s events', () => {
  it('storeParam: params[index] = value, the event with before/after, a pfn param in hex, a number otherwise, an unnamed index by number', () => {
    const g = new G44();
    const hd = g.d.arch.hvm_domain;
    const from = g.m.x.events.length;
    g.h.storeParam(g.d, P.HVM_PARAM_TIMER_MODE, 2, 'f1');
    g.h.storeParam(g.d, P.HVM_PARAM_CONSOLE_PFN, 0xfefff, 'f2');
    const unnamed = [...Array(g.m.x.nrParams).keys()].find((i) => P.PARAM_NAMES[i] === undefined)!;
    g.h.storeParam(g.d, unnamed, 5, 'f3');
    assert.equal(hd.params[P.HVM_PARAM_TIMER_MODE], 2);
    const ev = g.events('param_set', from);
    assert.deepEqual(ev.map((e) => [e.fn, e.domid, e.after, e.detail, e.text]), [
      ['f1', 1, 2, { index: P.HVM_PARAM_TIMER_MODE, name: 'TIMER_MODE' }, 'd1 TIMER_MODE = 2'],
      ['f2', 1, 0xfefff, { index: P.HVM_PARAM_CONSOLE_PFN, name: 'CONSOLE_PFN' }, 'd1 CONSOLE_PFN = 0xfefff'],
      ['f3', 1, 5, { index: unnamed, name: undefined }, `d1 ${unnamed} = 5`],
    ]);
    assert.equal(ev[0].before, 0);
  });

  it('setSlotState: the state written, the event names both states (a number for one outside the enum)', () => {
    const g = new G44();
    const s = g.server();
    const p = g.h.getIoreq(s, 0);
    p.state = 9;
    const from = g.m.x.events.length;
    g.h.setSlotState(g.v(), p, A.STATE_IOREQ_READY, 'fn1');
    g.h.setSlotState(g.v(), p, A.STATE_IORESP_READY, 'fn2');
    assert.equal(p.state, A.STATE_IORESP_READY);
    assert.deepEqual(g.events('slot_state', from).map((e) => [e.fn, e.domid, e.vcpu, e.before, e.after, e.text]), [
      ['fn1', 1, 0, 9, 'STATE_IOREQ_READY', 'd1v0 slot 9 -> STATE_IOREQ_READY'],
      ['fn2', 1, 0, 'STATE_IOREQ_READY', 'STATE_IORESP_READY', 'd1v0 slot STATE_IOREQ_READY -> STATE_IORESP_READY'],
    ]);
  });

  it('copyRequest: the slot gets the request with state NONE and the slot\'s own port; a write\'s event shows its data, a read\'s not', () => {
    const g = new G44();
    const s = g.server();
    const p = g.h.getIoreq(s, 0);
    const port = p.vp_eport;
    const from = g.m.x.events.length;
    const w = { ...A.emptyIoreq(), type: A.IOREQ_TYPE_PIO, addr: 0x3f8n, size: 1, count: 1, dir: A.IOREQ_WRITE, data: 0x41n, state: 3, vp_eport: 77 };
    g.h.copyRequest(p, w);
    assert.deepEqual([w.state, w.vp_eport], [A.STATE_IOREQ_NONE, port]);
    let slot = g.slot(s);
    assert.deepEqual([slot.state, slot.vp_eport, slot.addr, slot.data, slot.dir], [A.STATE_IOREQ_NONE, port, 0x3f8n, 0x41n, A.IOREQ_WRITE]);
    const rd = { ...A.emptyIoreq(), type: A.IOREQ_TYPE_COPY, addr: 0xe0000000n, size: 4, count: 1, dir: A.IOREQ_READ, data: 0n };
    g.h.copyRequest(p, rd);
    slot = g.slot(s);
    assert.equal(slot.type, A.IOREQ_TYPE_COPY);
    const odd = { ...A.emptyIoreq(), type: 5, addr: 0x10n, size: 2, count: 1, dir: A.IOREQ_WRITE, data: 0xffn };
    g.h.copyRequest(p, odd);
    assert.deepEqual(g.events('ioreq_send', from).map((e) => [e.fn, e.vcpu, e.detail, e.text]), [
      ['hvm_send_assist_req', 0, { type: 'IOREQ_TYPE_PIO', addr: '0x3f8', size: 1, dir: A.IOREQ_WRITE, data: '0x41' }, 'v0 request IOREQ_TYPE_PIO write 0x3f8 size 1 data 0x41'],
      ['hvm_send_assist_req', 0, { type: 'IOREQ_TYPE_COPY', addr: '0xe0000000', size: 4, dir: A.IOREQ_READ, data: '0x0' }, 'v0 request IOREQ_TYPE_COPY read 0xe0000000 size 4'],
      ['hvm_send_assist_req', 0, { type: undefined, addr: '0x10', size: 2, dir: A.IOREQ_WRITE, data: '0xff' }, 'v0 request 5 write 0x10 size 2 data 0xff'],
    ]);
  });

  it('ioBinnedForShutdown: the event names the vcpu, the access and the shutdown code (by name, or a number past the names)', () => {
    const g = new G44();
    const from = g.m.x.events.length;
    g.d.shutdown_code = 0;
    g.h.ioBinnedForShutdown(g.v(), { ...A.emptyIoreq(), type: A.IOREQ_TYPE_PIO, addr: 0x3f8n, dir: A.IOREQ_WRITE });
    g.d.shutdown_code = 9;
    g.h.ioBinnedForShutdown(g.v(), { ...A.emptyIoreq(), type: 6, addr: 0x10n, dir: A.IOREQ_READ });
    assert.deepEqual(g.events('io_dropped', from).map((e) => [e.fn, e.domid, e.vcpu, e.detail, e.text]), [
      ['hvm_send_assist_req', 1, 0, { reason: 'shutdown', shutdown_code: 'SHUTDOWN_poweroff', addr: '0x3f8' },
        'd1v0 IOREQ_TYPE_PIO write 0x3f8 binned: d1 is shutting down (SHUTDOWN_poweroff), vcpu_start_shutdown_deferral failed'],
      ['hvm_send_assist_req', 1, 0, { reason: 'shutdown', shutdown_code: 9, addr: '0x10' },
        'd1v0 6 read 0x10 binned: d1 is shutting down (9), vcpu_start_shutdown_deferral failed'],
    ]);
  });

  it('emitParamGet: the caller, the domain, the param by name (pfn params in hex) or by number', () => {
    const g = new G44();
    const from = g.m.x.events.length;
    g.h.emitParamGet(g.d0, g.d, P.HVM_PARAM_IOREQ_PFN, 0xfeffd);
    g.h.emitParamGet(g.d, g.d, P.HVM_PARAM_TIMER_MODE, 3);
    const unnamed = [...Array(g.m.x.nrParams).keys()].find((i) => P.PARAM_NAMES[i] === undefined)!;
    g.h.emitParamGet(g.d0, g.d, unnamed, 4);
    assert.deepEqual(g.events('param_get', from).map((e) => [e.fn, e.domid, e.detail, e.text]), [
      ['do_hvm_op', 1, { index: P.HVM_PARAM_IOREQ_PFN, name: 'IOREQ_PFN', value: 0xfeffd, caller: 0 }, 'd0 got d1 IOREQ_PFN = 0xfeffd'],
      ['do_hvm_op', 1, { index: P.HVM_PARAM_TIMER_MODE, name: 'TIMER_MODE', value: 3, caller: 1 }, 'd1 got d1 TIMER_MODE = 3'],
      ['do_hvm_op', 1, { index: unnamed, name: undefined, value: 4, caller: 0 }, `d0 got d1 ${unnamed} = 4`],
    ]);
  });
});

describe('mutation (issue 16): 4.4 the wait primitives (xen/include/xen/event.h)', () => {
  it('prepare_wait_on_xen_event_channel: the vcpu is blocked in Xen, and the event names the port', () => {
    const g = new G44();
    const v = g.v();
    const from = g.m.x.events.length;
    g.h.prepareWaitOnXenEventChannel(v, 5);
    assert.equal(v.pause_flags.blocked_in_xen, true);
    assert.deepEqual(g.events('vcpu_block', from).map((e) => [e.fn, e.domid, e.vcpu, e.detail, e.text]),
      [['prepare_wait_on_xen_event_channel', 1, 0, { port: 5 }, 'd1v0 blocked in Xen on port 5']]);
  });

  it('wait_on_xen_event_channel: a slot READY or INPROCESS blocks (true, an event); NONE or IORESP_READY does not (false, unblocked)', () => {
    const g = new G44();
    const s = g.server();
    const v = g.v();
    const p = g.h.getIoreq(s, 0);
    for (const st of [A.STATE_IOREQ_NONE, A.STATE_IORESP_READY]) {
      p.state = st;
      v.pause_flags.blocked_in_xen = false;
      const from = g.m.x.events.length;
      assert.equal(g.h.waitOnXenEventChannel(v, p), false, `state ${st}`);
      assert.equal(v.pause_flags.blocked_in_xen, false);
      assert.equal(g.events('vcpu_block', from).length, 0);
      // the condition already true: the macro breaks out before it touches _VPF_blocked_in_xen, so a bit
      // prepare_wait_on_xen_event_channel set stays set
      v.pause_flags.blocked_in_xen = true;
      assert.equal(g.h.waitOnXenEventChannel(v, p), false);
      assert.equal(v.pause_flags.blocked_in_xen, true);
    }
    for (const st of [A.STATE_IOREQ_READY, A.STATE_IOREQ_INPROCESS]) {
      p.state = st;
      v.pause_flags.blocked_in_xen = false;
      const from = g.m.x.events.length;
      assert.equal(g.h.waitOnXenEventChannel(v, p), true, `state ${st}`);
      assert.equal(v.pause_flags.blocked_in_xen, true);
      assert.deepEqual(g.events('vcpu_block', from).map((e) => [e.fn, e.domid, e.vcpu, e.detail, e.text]),
        [['wait_on_xen_event_channel', 1, 0, { port: p.vp_eport }, `d1v0 waits on port ${p.vp_eport}`]]);
    }
  });
});

describe('mutation (issue 16): 4.4 XSM_TARGET, ACPI S3 and the trap tail', () => {
  it('xsm_hvm_param (dummy XSM_TARGET, hvm.c:3951): d itself, dom0 or d\'s target domain get 0; anyone else -EPERM', () => {
    const g = new G44();
    g.flat('toolstack', null, (f) => f.libxc.xcDomainCreate(2, 1, true));
    const d2 = g.m.x.domains.get(2)!;
    assert.equal(g.h.xsmHvmParam(g.d, g.d), 0);
    assert.equal(g.h.xsmHvmParam(g.d0, g.d), 0);
    assert.equal(g.h.xsmHvmParam(d2, g.d), -1);
    d2.target = 1;
    assert.equal(g.h.xsmHvmParam(d2, g.d), 0);
    assert.equal(g.h.xsmHvmParam(g.d, d2), -1, 'the target relation goes one way');
  });

  it('ACPI_S_STATE set (hvm.c:4055-4068): -EPERM on oneself before the value is read; 3 suspends, 0 resumes, other values -EINVAL', () => {
    const g = new G44();
    const hd = g.d.arch.hvm_domain;
    assert.equal(g.h.setParamAcpiSState(g.d, g.d, 3), -1);
    assert.equal(hd.is_s3_suspended, false);
    assert.equal(g.h.setParamAcpiSState(g.d, g.d, 7), -1);
    const base = g.d.pause_count;
    assert.equal(g.h.setParamAcpiSState(g.d0, g.d, 3), 0);
    assert.equal(hd.is_s3_suspended, true);
    assert.equal(g.d.pause_count, base + 1);
    assert.equal(g.h.getParamAcpiSState(g.d), 3);
    for (const bad of [1, 2, 4, -1]) assert.equal(g.h.setParamAcpiSState(g.d0, g.d, bad), -EINVAL);
    assert.equal(hd.is_s3_suspended, true);
    assert.equal(g.h.setParamAcpiSState(g.d0, g.d, 0), 0);
    assert.equal(hd.is_s3_suspended, false);
    assert.equal(g.d.pause_count, base);
    assert.equal(g.h.getParamAcpiSState(g.d), 0);
  });

  it('hvm_s3_suspend (hvm.c:3707-3741): pauses first; a dying domain, one with no vcpu 0, or one suspended already is unpaused again, unchanged', () => {
    const g = new G44();
    const hd = g.d.arch.hvm_domain;
    const base = g.d.pause_count;
    const from = g.m.x.events.length;
    g.h.hvmS3Suspend(g.d);
    assert.deepEqual(g.events('domain_pause', from).map((e) => [e.fn, e.after]), [['hvm_s3_suspend', base + 1]]);
    assert.equal(g.events('domain_unpause', from).length, 0);
    const again = g.m.x.events.length;
    g.h.hvmS3Suspend(g.d);
    assert.deepEqual(g.m.x.events.slice(again).filter((e) => e.kind.startsWith('domain_')).map((e) => [e.kind, e.fn, e.after]),
      [['domain_pause', 'hvm_s3_suspend', base + 2], ['domain_unpause', 'hvm_s3_suspend', base + 1]], 'already suspended: pause, then unpause');
    assert.equal(hd.is_s3_suspended, true);
    const from2 = g.m.x.events.length;
    g.h.hvmS3Resume(g.d);
    assert.deepEqual(g.events('domain_unpause', from2).map((e) => e.fn), ['hvm_s3_resume']);
    assert.equal(hd.is_s3_suspended, false);
    g.h.hvmS3Resume(g.d);
    assert.equal(g.events('domain_unpause', from2).length, 1, 'resume unpauses only a domain suspend paused');
    g.d.is_dying = 1;
    const c1 = g.d.pause_count;
    const dying = g.m.x.events.length;
    g.h.hvmS3Suspend(g.d);
    assert.equal(hd.is_s3_suspended, false);
    assert.equal(g.d.pause_count, c1);
    assert.deepEqual(g.events('domain_unpause', dying).map((e) => e.fn), ['hvm_s3_suspend']);
    g.d.is_dying = 0;
    const g2 = new G44();
    g2.flat('toolstack', null, (f) => f.libxc.xcDomainCreate(3, 0, true));
    const d3 = g2.m.x.domains.get(3)!;
    const c = d3.pause_count;
    g2.h.hvmS3Suspend(d3);
    assert.equal(d3.arch.hvm_domain.is_s3_suspended, false);
    assert.equal(d3.pause_count, c);
  });

  it('the trap tail of hvm_do_resume: a pending vector is cleared to -1, none stays -1', () => {
    const g = new G44();
    const v = g.v();
    for (const vector of [0, 1, 14]) {
      v.arch.hvm_vcpu.inject_trap.vector = vector;
      g.h.injectPendingTrap(v);
      assert.equal(v.arch.hvm_vcpu.inject_trap.vector, -1, `vector ${vector}`);
    }
    g.h.injectPendingTrap(v);
    assert.equal(v.arch.hvm_vcpu.inject_trap.vector, -1);
  });

  it('p2mType reads the domain\'s p2m: RAM, a hole, read-only RAM', () => {
    const g = new G44();
    assert.equal(g.h.p2mType(g.d, RAM), 'p2m_ram_rw');
    assert.equal(g.h.p2mType(g.d, 0xfe000), 'p2m_mmio_dm');
    g.d.page(RAM)!.not_writable = true;
    assert.equal(g.h.p2mType(g.d, RAM), 'p2m_ram_ro');
  });
});

describe('mutation (issue 16): 4.4 hvm.c with events off (a flat-out run)', () => {
  it('each helper does its work and records no event: use-after-free, paging, slot state, the request, blocking, waiting', () => {
    const g = new G44();
    const s = g.server();
    const v = g.v();
    const p = g.h.getIoreq(s, 0);
    g.m.x.on = false;
    const n = g.m.x.events.length;
    g.h.p2mMemPagingPopulate(g.d, 0x123, 'x');
    assert.deepEqual(g.d.paging_requests, [0x123]);
    g.h.setSlotState(v, p, A.STATE_IOREQ_READY, 'x');
    assert.equal(p.state, A.STATE_IOREQ_READY);
    assert.equal(g.h.waitOnXenEventChannel(v, p), true);
    g.h.prepareWaitOnXenEventChannel(v, 3);
    p.state = A.STATE_IOREQ_NONE;
    g.h.copyRequest(p, { ...A.emptyIoreq(), type: A.IOREQ_TYPE_PIO, addr: 0x3f8n, size: 1, count: 1, dir: A.IOREQ_WRITE, data: 1n });
    assert.equal(g.slot(s).addr, 0x3f8n);
    s.freed = true;
    g.h.checkLive(s, 'x');
    assert.equal(g.m.x.bugs.length, 1, 'the bug is still recorded');
    assert.equal(g.m.x.events.length, n);
  });
});
