// Issue 16, src/model/xen/4.5/hvm.ts: the edges the other 4.5 files left open ([X45] hvm.c @RELEASE-4.5.0). What a
// stop shows where the scope alone would not show it (a value the label computes: the crashed domain, the trap's
// vector, the pool mask, a vcpu entry at index 0, the default server at the select's last line), the names Xen's
// functions give their events, panics and params, the id allocator skipping an id in use, a page mapped twice,
// the events a run with events off does not record, and the reverted 3b586fc67d / 125833f5f1 paths.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import * as P from '../../src/model/params';
import type { SteppedImpl } from '../../src/model/model';
import * as H from '../../src/model/xen/4.5/hvm';
import { HVMOP_IO_RANGE_PCI, HVMOP_IO_RANGE_PORT, hvmopPciSbdf } from '../../src/model/xen/4.5/hvm';
import type { Hvm45 as Hvm45Stepped } from '../../src/model/xen/4.5/hvm.stepped';
import type { ProtoIoreq } from '../../src/model/xen/common/outcome';
import { G45, labels, localsAt } from './x45-guest';

const req = (o: Partial<ProtoIoreq>): ProtoIoreq => ({ ...A.emptyIoreq(), count: 1, size: 1, ...o });
const buffered = (g: G45, p: ProtoIoreq) => g.stepped('vcpu0', g.v(), (s) => s.hvm.hvmBufferedIoSend(g.v(), p));

describe('mutation (issue 16): 4.5 what a stop shows beyond its scope ([X45] hvm.c)', () => {
  it('hvm_wait_for_io: a weird slot state crashes the domain named at domain_crash (hvm.c:401-426)', () => {
    const g = new G45(1);
    const s = g.defaultServer();
    g.h.ioreqOf(s, g.v()).state = 7;
    const r = g.stepped('vcpu0', g.v(), (x) => x.hvm.hvmDoResume(g.v()));
    assert.ok(labels(r.stops, 'hvm_wait_for_io').includes('domain_crash'));
    assert.equal(localsAt(r.stops, 'hvm_wait_for_io', 'domain_crash').d, 'd1 (HVM)');
    assert.equal(localsAt(r.stops, 'hvm_wait_for_io', 'weird').state, 'invalid (7)');
  });

  it('hvm_do_resume: inject_trap shows the vcpu and the pending trap\'s vector (hvm.c:455-463)', () => {
    const g = new G45(1);
    g.defaultServer();
    const t = g.v().arch.hvm_vcpu.inject_trap;
    t.vector = 14;
    const r = g.stepped('vcpu0', g.v(), (x) => x.hvm.hvmDoResume(g.v()));
    const at = localsAt(r.stops, 'hvm_do_resume', 'inject_trap');
    assert.equal(at.vector, '14');
    assert.equal(at.v, 'd1v0');
  });

  it('hvm_alloc_ioreq_gmfn: each test_bit stop shows the pool mask in hex as it is then (hvm.c:475-488)', () => {
    const g = new G45(1);
    g.d.hvm45.ioreq_gmfn.mask = 0b1100n;
    const out = { gmfn: 0 };
    const r = g.stepped('dm0', null, (x) => x.hvm.hvmAllocIoreqGmfn(g.d, out));
    assert.equal(r.value, 0);
    assert.deepEqual([0, 1, 2].map((i) => localsAt(r.stops, 'hvm_alloc_ioreq_gmfn', 'test_bit', i).mask), ['0xc', '0xc', '0xc']);
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0b1000n, 'bit 2 taken');
    assert.equal(out.gmfn, g.d.hvm45.ioreq_gmfn.base + 2);
  });

  it('hvm_ioreq_server_add_vcpu: alloc_buf_port names the device model\'s domid; the default\'s BUFIOREQ_EVTCHN is stored under the function\'s name (hvm.c:605-658)', () => {
    const g = new G45(1);
    const from = g.m.x.events.length;
    const r = g.stepped('dm0', null, (x) => x.hvm.doHvmOp(g.d0, H.HVMOP_get_param, { domid: 1, index: P.HVM_PARAM_IOREQ_PFN, value: 0 }));
    assert.equal(r.value, 0);
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_add_vcpu', 'alloc_buf_port').domid, '0');
    const set = g.events('param_set', from).filter((e) => (e.detail as { index: number }).index === P.HVM_PARAM_BUFIOREQ_EVTCHN);
    assert.deepEqual(set.map((e) => e.fn), ['hvm_ioreq_server_add_vcpu']);
  });

  it('hvm_ioreq_server_remove_vcpu: check_sv shows the entry found at index 0, NULL for a vcpu not in the list (hvm.c:660-686)', () => {
    const g = new G45(1);
    const s = g.secondary();
    const r = g.stepped('toolstack', null, (x) => x.hvm.hvmIoreqServerRemoveVcpu(s, g.v()));
    assert.match(localsAt(r.stops, 'hvm_ioreq_server_remove_vcpu', 'check_sv').sv, /^d1v0, port \d+$/);
    const again = g.stepped('toolstack', null, (x) => x.hvm.hvmIoreqServerRemoveVcpu(s, g.v()));
    assert.equal(localsAt(again.stops, 'hvm_ioreq_server_remove_vcpu', 'check_sv').sv, '"NULL"');
  });

  it('hvm_ioreq_server_remove_all_vcpus: free_buf of a server without a buffered page shows its bufioreq as NULL (hvm.c:688-712)', () => {
    const g = new G45(1);
    g.op(17, { domid: 1, handle_bufioreq: 0, id: -1 });
    const s = g.d.hvm45.ioreq_server.list[0];
    const r = g.stepped('toolstack', null, (x) => x.hvm.hvmIoreqServerRemoveAllVcpus(s));
    assert.equal(localsAt(r.stops, 'hvm_ioreq_server_remove_all_vcpus', 'free_buf').bufioreq, '"NULL"');
    assert.equal(s.ioreq_vcpu_list.length, 0);
  });

  it('hvm_select_ioreq_server: the last stop shows the default server it returns (hvm.c:2421-2423)', () => {
    const g = new G45(1);
    const def = g.defaultServer();
    g.secondary();
    const r = g.stepped('vcpu0', g.v(), (x) => x.hvm.hvmSelectIoreqServer(g.d, req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n })));
    assert.equal(r.value, def);
    assert.match(localsAt(r.stops, 'hvm_select_ioreq_server', 'default').s, /^default ioreq server \d+ of d1 for dm d0/);
  });

  it('hvm_buffered_io_send: init_pg shows whether the selected server has a buffered page (hvm.c:2441-2446)', () => {
    const g = new G45(1);
    g.defaultServer();
    const r = buffered(g, req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n }));
    assert.equal(localsAt(r.stops, 'hvm_buffered_io_send', 'init_pg').bufioreq, '"mapped"');
    const u = new G45(1);
    u.op(17, { domid: 1, handle_bufioreq: 0, id: -1 });
    assert.equal(u.op(19, { domid: 1, id: 1, type: HVMOP_IO_RANGE_PORT, start: 0x80, end: 0x80 }), 0);
    assert.equal(u.op(22, { domid: 1, id: 1, enabled: 1 }), 0);
    const n = buffered(u, req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n }));
    assert.equal(n.value, 0);
    assert.equal(localsAt(n.stops, 'hvm_buffered_io_send', 'init_pg').bufioreq, '"NULL"');
  });

  it('hvm_unmap_io_range_from_ioreq_server: a type out of range shows r as NULL at the type stop, as map does (hvm.c:1157-1206)', () => {
    const g = new G45(1);
    g.secondary();
    for (const t of [-1, 3]) {
      const r = g.stepped('dm0', null, (x) => x.hvm.hvmUnmapIoRangeFromIoreqServer(g.d, 1, t, 0, 1));
      assert.equal(r.value, -22);
      assert.equal(localsAt(r.stops, 'hvm_unmap_io_range_from_ioreq_server', 'type').r, 'NULL', `type ${t}`);
    }
  });

  it('hvmop_lock_target stops at is_hvm and xsm in turn (hvm.c:5272-5294)', () => {
    const g = new G45(1);
    const r = g.stepped('dm0', null, (x) => x.hvm.hvmopLockTarget(g.d0, 1));
    assert.equal(r.value.rc, 0);
    assert.deepEqual(labels(r.stops, 'hvmop_lock_target'), ['lookup', 'check_lookup', 'is_hvm', 'xsm']);
  });
});

describe('mutation (issue 16): 4.5 the names and details Xen\'s functions give ([X45] hvm.c)', () => {
  it('a PCI range claimed and given up is named pci in the event (HVMOP_IO_RANGE_PCI, hvm.c:1106-1206)', () => {
    const g = new G45(1);
    g.secondary();
    const sbdf = hvmopPciSbdf(0, 0, 3, 0);
    assert.equal(g.op(19, { domid: 1, id: 1, type: HVMOP_IO_RANGE_PCI, start: sbdf, end: sbdf }), 0);
    assert.equal(g.op(20, { domid: 1, id: 1, type: HVMOP_IO_RANGE_PCI, start: sbdf, end: sbdf }), 0);
    assert.deepEqual(g.events('io_range').map((e) => e.text), [
      `d1 ioreq server 1 claims pci ${A.hex(sbdf)}-${A.hex(sbdf)}`, `d1 ioreq server 1 gives up pci ${A.hex(sbdf)}-${A.hex(sbdf)}`]);
  });

  it('enable, disable and destroy-with-the-domain events carry the server id; the default\'s creation says default (hvm.c:1000-1029)', () => {
    const g = new G45(1);
    g.defaultServer();
    g.secondary();
    assert.equal(g.op(22, { domid: 1, id: 2, enabled: 0 }), 0);
    assert.deepEqual(g.events('server_state').map((e) => [e.fn, e.detail]), [
      ['hvm_ioreq_server_enable', { id: 1 }], ['hvm_ioreq_server_enable', { id: 2 }], ['hvm_ioreq_server_disable', { id: 2 }]]);
    assert.match(g.events('server_create')[0].text, /^d1 default ioreq server 1 created for dm d0/);
    assert.match(g.events('server_create')[1].text, /^d1 ioreq server 2 created/);
    g.flat('toolstack', null, () => g.h.hvmDomainRelinquishResources(g.d));
    assert.deepEqual(g.events('server_destroy').map((e) => [e.fn, e.detail]), [
      ['hvm_destroy_all_ioreq_servers', { id: 2 }], ['hvm_destroy_all_ioreq_servers', { id: 1 }]]);
  });

  it('hvm_destroy_all_ioreq_servers frees each server: a later get_ioreq on it is a use after free (hvm.c:1088-1104)', () => {
    const g = new G45(1);
    const s = g.secondary();
    g.flat('toolstack', null, () => g.h.hvmDomainRelinquishResources(g.d));
    assert.equal(s.freed, true);
    assert.equal(g.m.x.bugs.length, 0);
    try { g.h.ioreqOf(s, g.v()); } catch { /* its page is gone too: the ASSERT */ }
    assert.deepEqual(g.m.x.bugs.map((b) => [b.kind, b.fn]), [['use-after-free', 'get_ioreq']]);
  });

  it('hvm_set_dm_domain\'s event is under its name (hvm.c:1340-1396)', () => {
    const g = new G45(1);
    g.defaultServer();
    g.flat('toolstack', null, () => g.h.hvmSetDmDomain(g.d, 5));
    assert.deepEqual(g.events('server_domid').map((e) => [e.fn, e.before, e.after]), [['hvm_set_dm_domain', 0, 5]]);
  });

  it('a failed init is unpaused under hvm_create_ioreq_server\'s name (fail3, hvm.c:1010-1024)', () => {
    const g = new G45(1);
    g.d.hvm45.ioreq_gmfn.mask = 0n; // the pool is empty: init fails in map_pages
    const from = g.m.x.events.length;
    assert.equal(g.op(17, { domid: 1, handle_bufioreq: 1, id: -1 }), -12);
    const un = g.m.x.events.slice(from).filter((e) => e.kind === 'domain_unpause');
    assert.deepEqual(un.map((e) => e.fn), ['hvm_create_ioreq_server']);
  });

  it('get_ioreq\'s and hvm_broadcast_assist_req\'s ASSERTs panic under their own names (hvm.c:373-381, 2614-2625)', () => {
    const g = new G45(1);
    const s = g.secondary();
    s.ioreq.va = null;
    const r = g.m.flatRun('vcpu0', g.v(), () => g.h.ioreqOf(s, g.v()));
    assert.match(r.panic ?? '', /^ASSERT\(p != NULL\) failed/);
    assert.equal(g.m.x.panic?.fn, 'get_ioreq');
    const b = new G45(1);
    const br = b.m.steppedRun('vcpu0', b.v(), (x) => (x as SteppedImpl & { hvm: Hvm45Stepped }).hvm.hvmBroadcastAssistReq(b.v(), req({ type: A.IOREQ_TYPE_PIO })));
    let last: IteratorResult<unknown, { panic?: string }>;
    do last = br.next() as IteratorResult<unknown, { panic?: string }>; while (!last.done);
    assert.match(last.value.panic ?? '', /ASSERT\(p->type == IOREQ_TYPE_INVALIDATE\)/);
    assert.equal(b.m.x.panic?.fn, 'hvm_broadcast_assist_req');
  });
});

describe('mutation (issue 16): 4.5 next_ioservid, a page mapped twice, a 4-byte buffered write ([X45] hvm.c)', () => {
  it('next_ioservid skips an id still in use after the counter wraps (hvm.c:954-978)', () => {
    const g = new G45(1);
    g.secondary(); // id 1
    g.d.hvm45.ioreq_server.id = 0xffff; // the next is 0, then 1 is taken
    const a = { domid: 1, handle_bufioreq: 0, id: -1 };
    assert.equal(g.op(17, a), 0);
    assert.equal(a.id, 0);
    const b = { domid: 1, handle_bufioreq: 0, id: -1 };
    assert.equal(g.op(17, b), 0);
    assert.equal(b.id, 2, '1 is the first server\'s');
  });

  it('hvm_map_ioreq_page on a page already mapped: -EINVAL, the new mapping dropped (busy_destroy, hvm.c:499-522)', () => {
    const g = new G45(1);
    g.op(17, { domid: 1, handle_bufioreq: 0, id: -1 }); // not enabled: its page is still in the guest's physmap
    const s = g.d.hvm45.ioreq_server.list[0];
    const va = s.ioreq.va;
    const r = g.stepped('dm0', null, (x) => x.hvm.hvmMapIoreqPage(s, 0, s.ioreq.gmfn));
    assert.equal(r.value, -22);
    assert.equal(localsAt(r.stops, 'hvm_map_ioreq_page', 'check_busy').va, '"mapped"');
    assert.deepEqual(labels(r.stops, 'hvm_map_ioreq_page').slice(-3), ['check_busy', 'busy_destroy', 'busy_ret']);
    assert.equal(s.ioreq.va, va, 'the first mapping stays');
  });

  it('a 4-byte buffered write fills one slot only: the next slot keeps its bytes (hvm.c:2487-2496)', () => {
    const g = new G45(1);
    const s = g.defaultServer();
    const pg = s.bufioreq.va!;
    const next = () => [0, 4].map((o) => pg.getUint32(A.bufSlotOffset(1) + o, true));
    const before = next();
    assert.equal(buffered(g, req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n, size: 4, data: 0xffffffff12345678n })).value, 1);
    assert.deepEqual(next(), before);
    assert.equal(A.readBufPointers(pg).write_pointer, 1);
  });
});

describe('mutation (issue 16): 4.5 with events off nothing is recorded on the I/O paths ([X45] hvm.c:2426-2602)', () => {
  it('a buffered write, a full ring and a request Xen completes record no event', () => {
    const g = new G45(1);
    const s = g.defaultServer();
    g.m.x.on = false;
    g.m.x.events.length = 0;
    assert.equal(g.flat('vcpu0', g.v(), () => g.h.hvmBufferedIoSend(g.v(), req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n }))), 1);
    s.bufioreq.va!.setUint32(A.BUF_OFF_WRITE_POINTER, A.IOREQ_BUFFER_SLOT_NUM + 1, true);
    assert.equal(g.flat('vcpu0', g.v(), () => g.h.hvmBufferedIoSend(g.v(), req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n }))), 0, 'full');
    const n = new G45(1);
    n.m.x.on = false;
    n.m.x.events.length = 0;
    n.flat('vcpu0', n.v(), () => n.h.hvmCompleteAssistReq(n.v(), req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n, dir: A.IOREQ_READ })));
    assert.deepEqual([...g.m.x.events, ...n.m.x.events].map((e) => e.kind), []);
  });

  it('with events on, a full ring says so under hvm_buffered_io_send with both pointers', () => {
    const g = new G45(1);
    const s = g.defaultServer();
    s.bufioreq.va!.setUint32(A.BUF_OFF_WRITE_POINTER, A.IOREQ_BUFFER_SLOT_NUM, true);
    assert.equal(g.flat('vcpu0', g.v(), () => g.h.hvmBufferedIoSend(g.v(), req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n }))), 0);
    assert.deepEqual(g.events('buffered_full').map((e) => [e.fn, e.detail]), [
      ['hvm_buffered_io_send', { server: s.id, read_pointer: 0, write_pointer: A.IOREQ_BUFFER_SLOT_NUM }]]);
  });
});

describe('mutation (issue 16): 4.5 hvm_complete_assist_req works on a copy, not a slot ([X45] hvm.c:2574-2602)', () => {
  it('the all-ones read lands through hvm_io_assist on the local copy: no slot of any vcpu changes state', () => {
    const g = new G45(2);
    const s = g.defaultServer();
    const from = g.m.x.events.length;
    const states = [0, 1].map((i) => g.h.ioreqOf(s, g.v(i)).state);
    g.flat('vcpu0', g.v(), () => g.h.hvmCompleteAssistReq(g.v(), req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n, dir: A.IOREQ_READ })));
    assert.deepEqual(g.m.x.events.slice(from).filter((e) => e.kind === 'slot_state'), []);
    assert.deepEqual([0, 1].map((i) => g.h.ioreqOf(s, g.v(i)).state), states);
    assert.equal(g.events('io_complete', from).length, 1);
  });
});

describe('mutation (issue 16): 4.5 before 3b586fc67d and 125833f5f1 (reverted)', () => {
  it('3b586fc67d reverted: a list of one server goes to the default (NULL if it is a secondary); with none, the request is not completed (0)', () => {
    const g = new G45(1);
    g.m.x.reverts = new Set(['3b586fc67d']);
    g.secondary([[HVMOP_IO_RANGE_PORT, 0x80, 0x80]]);
    const r = g.stepped('vcpu0', g.v(), (x) => x.hvm.hvmSelectIoreqServer(g.d, req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n })));
    assert.equal(r.value, null, 'the lone server is not the default: NULL, though it claims the port');
    assert.deepEqual(labels(r.stops, 'hvm_select_ioreq_server'), ['init_cf8', 'empty', 'type']);
    const two = new G45(1);
    two.m.x.reverts = new Set(['3b586fc67d']);
    two.defaultServer();
    const claim = two.secondary([[HVMOP_IO_RANGE_PORT, 0x80, 0x80]]);
    const t = two.stepped('vcpu0', two.v(), (x) => x.hvm.hvmSelectIoreqServer(two.d, req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n })));
    assert.equal(t.value, claim, 'two servers: the ranges decide, as after the fix');
    const fixed = new G45(1);
    fixed.secondary([[HVMOP_IO_RANGE_PORT, 0x80, 0x80]]);
    const f = fixed.stepped('vcpu0', fixed.v(), (x) => x.hvm.hvmSelectIoreqServer(fixed.d, req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n })));
    assert.equal(f.value, fixed.d.hvm45.ioreq_server.list[0], 'fixed: the secondary that claims it');
    const n = new G45(1);
    n.m.x.reverts = new Set(['3b586fc67d']);
    const sent = n.stepped('vcpu0', n.v(), (x) => x.hvm.hvmSendAssistReq(n.v(), req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n, dir: A.IOREQ_READ })));
    assert.equal(sent.value, 0);
    assert.equal(n.events('io_complete').length, 0, 'nothing completes it');
  });

  it('125833f5f1 reverted: the wait stop shows the slot\'s vp_eport as the port, not the vcpu\'s own', () => {
    const g = new G45(1);
    g.m.x.reverts = new Set(['125833f5f1']);
    const s = g.defaultServer();
    const p = g.h.ioreqOf(s, g.v());
    p.vp_eport = 1000;
    p.state = A.STATE_IOREQ_READY;
    const r = g.stepped('vcpu0', g.v(), (x) => x.hvm.hvmDoResume(g.v()));
    assert.equal(localsAt(r.stops, 'hvm_wait_for_io', 'wait').port, '1000');
  });
});
