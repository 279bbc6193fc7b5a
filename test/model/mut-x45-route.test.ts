// Issue 16, src/model/xen/4.5/hvm.ts: how Xen 4.5 routes a request and sends it ([X45] hvm.c @RELEASE-4.5.0):
// hvm_select_ioreq_server (2327-2424), hvm_buffered_io_send (2426-2508), hvm_send_assist_req_to_ioreq_server
// (2515-2572), hvm_complete_assist_req (2574-2602), hvm_send_assist_req (2604-2612), hvm_broadcast_assist_req
// (2614-2625), and the vcpu's side, hvm_wait_for_io / hvm_do_resume (401-464). Each test pins the statement labels in
// order, the values the labels compute (hex addresses, CF8, SBDF, ring pointers, ports) and what the call leaves behind.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import type { HvmIoreqServer45 } from '../../src/model/xen';
import { HVMOP_IO_RANGE_MEMORY, HVMOP_IO_RANGE_PCI, HVMOP_IO_RANGE_PORT, hvmopPciSbdf } from '../../src/model/xen/4.5/hvm';
import type { ProtoIoreq } from '../../src/model/xen/common/outcome';
import { G45, labels, localsAt } from './x45-guest';

const req = (o: Partial<ProtoIoreq>): ProtoIoreq => ({ ...A.emptyIoreq(), count: 1, size: 1, ...o });
/** A guest with the default server and an enabled secondary claiming ports 0x3f8-0x3ff, MMIO 0xe0000000-0xe0000fff, PCI 00:02.0. */
function routed() {
  const g = new G45(1);
  const def = g.defaultServer();
  const sec = g.secondary([[HVMOP_IO_RANGE_PORT, 0x3f8, 0x3ff], [HVMOP_IO_RANGE_MEMORY, 0xe0000000, 0xe0000fff],
    [HVMOP_IO_RANGE_PCI, hvmopPciSbdf(0, 0, 2, 0), hvmopPciSbdf(0, 0, 2, 0)]]);
  return { g, def, sec };
}
const select = (g: G45, p: ProtoIoreq) => g.stepped('vcpu0', g.v(), (s) => s.hvm.hvmSelectIoreqServer(g.d, p));
const HEAD = ['init_cf8', 'empty', 'type', 'cf8'];
const PLAIN = [...HEAD, 'plain_type', 'plain_addr'];

describe('mutation (issue 16): 4.5 hvm_select_ioreq_server ([X45] hvm.c:2327-2424)', () => {
  it('no server at all: NULL at once', () => {
    const g = new G45(1);
    const r = select(g, req({ type: A.IOREQ_TYPE_PIO, addr: 0x3f8n }));
    assert.equal(r.value, null);
    assert.deepEqual(labels(r.stops, 'hvm_select_ioreq_server'), ['init_cf8', 'empty']);
    assert.equal(localsAt(r.stops, 'hvm_select_ioreq_server', 'empty').servers, '0');
  });

  it('a type other than PIO and COPY goes to the default server, whatever the ranges say', () => {
    const { g, def } = routed();
    const r = select(g, req({ type: A.IOREQ_TYPE_TIMEOFFSET, addr: 0x3f8n }));
    assert.equal(r.value, def);
    assert.deepEqual(labels(r.stops, 'hvm_select_ioreq_server'), ['init_cf8', 'empty', 'type']);
    assert.equal(localsAt(r.stops, 'hvm_select_ioreq_server', 'type').type, '"IOREQ_TYPE_TIMEOFFSET"');
    assert.equal(localsAt(r.stops, 'hvm_select_ioreq_server', 'empty').servers, '2');
    const h = new G45(1);
    h.secondary([[HVMOP_IO_RANGE_PORT, 0, 0xffff]]);
    assert.equal(select(h, req({ type: A.IOREQ_TYPE_TIMEOFFSET })).value, null, 'no default: NULL');
  });

  it('a port access wholly inside a claimed range goes to the secondary; one byte over the end goes to the default', () => {
    const { g, def, sec } = routed();
    const r = select(g, req({ type: A.IOREQ_TYPE_PIO, addr: 0x3ffn, size: 1 }));
    assert.equal(r.value, sec);
    assert.deepEqual(labels(r.stops, 'hvm_select_ioreq_server'), [...PLAIN, 'for_each_server', 'skip', 'match', 'match_pio']);
    assert.equal(localsAt(r.stops, 'hvm_select_ioreq_server', 'type').type, '"IOREQ_TYPE_PIO"');
    // At the cf8 test C's type and addr are declared but not yet assigned (the branches below set them), as shown.
    assert.deepEqual([localsAt(r.stops, 'hvm_select_ioreq_server', 'cf8').type, localsAt(r.stops, 'hvm_select_ioreq_server', 'cf8').addr], ['<not initialised>', '<not initialised>']);
    assert.equal(localsAt(r.stops, 'hvm_select_ioreq_server', 'skip').enabled, '1');
    assert.equal(localsAt(r.stops, 'hvm_select_ioreq_server', 'match').type, '0');
    assert.deepEqual([localsAt(r.stops, 'hvm_select_ioreq_server', 'match_pio').start, localsAt(r.stops, 'hvm_select_ioreq_server', 'match_pio').end], ['0x3ff', '0x3ff']);
    const over = select(g, req({ type: A.IOREQ_TYPE_PIO, addr: 0x3ffn, size: 2 }));
    assert.equal(over.value, def);
    assert.equal(localsAt(over.stops, 'hvm_select_ioreq_server', 'match_pio').end, '0x400');
    assert.deepEqual(labels(over.stops, 'hvm_select_ioreq_server'), [...PLAIN, 'for_each_server', 'skip', 'match', 'match_pio', 'for_each_server', 'skip', 'default']);
    assert.equal(select(g, req({ type: A.IOREQ_TYPE_PIO, addr: 0x3f8n, size: 8 })).value, sec, '0x3f8-0x3ff exactly');
    assert.equal(select(g, req({ type: A.IOREQ_TYPE_PIO, addr: 0x3f7n, size: 2 })).value, def, 'starting one before');
  });

  it('an MMIO access covers size * count bytes: 4 x 4 bytes ending at the range\'s last byte is the secondary\'s, one more rep is not', () => {
    const { g, def, sec } = routed();
    const r = select(g, req({ type: A.IOREQ_TYPE_COPY, addr: 0xe0000ff0n, size: 4, count: 4 }));
    assert.equal(r.value, sec);
    assert.deepEqual(labels(r.stops, 'hvm_select_ioreq_server'), [...PLAIN, 'for_each_server', 'skip', 'match', 'match_copy']);
    assert.deepEqual([localsAt(r.stops, 'hvm_select_ioreq_server', 'match_copy').start, localsAt(r.stops, 'hvm_select_ioreq_server', 'match_copy').end],
      ['0xe0000ff0', '0xe0000fff']);
    const more = select(g, req({ type: A.IOREQ_TYPE_COPY, addr: 0xe0000ff0n, size: 4, count: 5 }));
    assert.equal(more.value, def);
    assert.equal(localsAt(more.stops, 'hvm_select_ioreq_server', 'match_copy').end, '0xe0001003');
    assert.equal(select(g, req({ type: A.IOREQ_TYPE_PIO, addr: 0xe0000000n, size: 4 })).value, def, 'the MMIO range is not a port range');
  });

  it('a 0xcfc-0xcff access with CF8\'s enable bit is a PCI config cycle: the SBDF from CF8, the register from CF8 (high and low) and the port; a match rewrites the request', () => {
    const { g, def, sec } = routed();
    g.d.hvm45.pci_cf8 = (0x80000000 | 0x01000000 | (2 << 11) | 0x44) >>> 0; // enable, register bits 11:8 = 1, 00:02.0, register 0x44
    const p = req({ type: A.IOREQ_TYPE_PIO, addr: 0xcfen, size: 2 });
    const r = select(g, p);
    assert.equal(r.value, sec);
    assert.deepEqual(labels(r.stops, 'hvm_select_ioreq_server'), [...HEAD, 'pci_type', 'pci_addr', 'for_each_server', 'skip', 'match', 'match_pci', 'pci_rewrite', 'pci_ret']);
    assert.equal(localsAt(r.stops, 'hvm_select_ioreq_server', 'cf8').cf8, '0x81001044');
    assert.equal(localsAt(r.stops, 'hvm_select_ioreq_server', 'pci_addr').sbdf, String(0x10));
    assert.equal(localsAt(r.stops, 'hvm_select_ioreq_server', 'match_pci').sbdf, '0x10');
    assert.equal(localsAt(r.stops, 'hvm_select_ioreq_server', 'match').addr, '0x1000000146');
    assert.equal(localsAt(r.stops, 'hvm_select_ioreq_server', 'pci_rewrite').addr, '0x1000000146');
    assert.equal(p.type, A.IOREQ_TYPE_PCI_CONFIG);
    assert.equal(p.addr, (0x10n << 32n) | 0x100n | 0x44n | 2n);
    // Another device: no secondary claims it, the request is left as it was and goes to the default.
    g.d.hvm45.pci_cf8 = (0x80000000 | (3 << 11)) >>> 0;
    const q = req({ type: A.IOREQ_TYPE_PIO, addr: 0xcfcn, size: 4 });
    const other = select(g, q);
    assert.equal(other.value, def);
    assert.deepEqual(labels(other.stops, 'hvm_select_ioreq_server').slice(-6), ['match', 'match_pci', 'pci_break', 'for_each_server', 'skip', 'default']);
    assert.deepEqual([q.type, q.addr], [A.IOREQ_TYPE_PIO, 0xcfcn]);
    // Without the enable bit, or at 0xcf8 itself, or bus 1 device 2: a port access as any other.
    g.d.hvm45.pci_cf8 = (2 << 11) >>> 0;
    assert.deepEqual(labels(select(g, req({ type: A.IOREQ_TYPE_PIO, addr: 0xcfcn, size: 4 })).stops, 'hvm_select_ioreq_server').slice(0, 6), PLAIN);
    g.d.hvm45.pci_cf8 = (0x80000000 | (2 << 11)) >>> 0;
    assert.deepEqual(labels(select(g, req({ type: A.IOREQ_TYPE_PIO, addr: 0xcf8n, size: 4 })).stops, 'hvm_select_ioreq_server').slice(0, 6), PLAIN);
    assert.deepEqual(labels(select(g, req({ type: A.IOREQ_TYPE_COPY, addr: 0xcfcn, size: 4 })).stops, 'hvm_select_ioreq_server').slice(0, 6), PLAIN,
      'an MMIO access at 0xcfc is not a config cycle');
    g.d.hvm45.pci_cf8 = (0x80000000 | (1 << 16) | (2 << 11) | (5 << 8)) >>> 0;
    const bus1 = req({ type: A.IOREQ_TYPE_PIO, addr: 0xcfdn, size: 1 });
    assert.equal(select(g, bus1).value, def, '01:02.5 is another device');
    const sbdf = (1 << 8) | (2 << 3) | 5;
    assert.equal(localsAt(select(g, req({ type: A.IOREQ_TYPE_PIO, addr: 0xcfdn, size: 1 })).stops, 'hvm_select_ioreq_server', 'match_pci').sbdf, `0x${sbdf.toString(16)}`);
  });

  it('a disabled secondary and the default are skipped in the walk; the newest enabled claimant wins', () => {
    const { g, def, sec } = routed();
    const newer = g.secondary([[HVMOP_IO_RANGE_PORT, 0x3f8, 0x3f8]]);
    const p = () => req({ type: A.IOREQ_TYPE_PIO, addr: 0x3f8n });
    assert.equal(select(g, p()).value, newer);
    assert.equal(g.op(22, { domid: 1, id: newer.id, enabled: 0 }), 0);
    const r = select(g, p());
    assert.equal(r.value, sec);
    assert.equal(localsAt(r.stops, 'hvm_select_ioreq_server', 'skip', 0).enabled, '0');
    assert.deepEqual(labels(r.stops, 'hvm_select_ioreq_server'), [...PLAIN, 'for_each_server', 'skip', 'for_each_server', 'skip', 'match', 'match_pio']);
    assert.equal(g.op(22, { domid: 1, id: sec.id, enabled: 0 }), 0);
    assert.equal(select(g, p()).value, def);
  });
});

/** Vcpu 0 sends p on the buffered path of the stepped build. */
const buffered = (g: G45, p: ProtoIoreq) => g.stepped('vcpu0', g.v(), (s) => s.hvm.hvmBufferedIoSend(g.v(), p));
const BUF_HEAD = ['init_d', 'select', 'no_server', 'init_pg', 'page', 'check_req', 'size'];

describe('mutation (issue 16): 4.5 hvm_buffered_io_send ([X45] hvm.c:2426-2508)', () => {
  it('a 2-byte port write onto the default\'s ring: one slot (size code 1), the write pointer one on, the buffered port notified', () => {
    const g = new G45(1);
    const s = g.defaultServer();
    const r = buffered(g, req({ type: A.IOREQ_TYPE_PIO, addr: 0x3f8n, size: 2, data: 0x12345678abcdn, dir: A.IOREQ_WRITE }));
    assert.equal(r.value, 1);
    assert.deepEqual(labels(r.stops, 'hvm_buffered_io_send'), [...BUF_HEAD, 'full', 'write_slot', 'write_high', 'wmb', 'advance', 'notify', 'ret']);
    assert.equal(localsAt(r.stops, 'hvm_buffered_io_send', 'page').bufioreq, '"mapped"');
    assert.equal(localsAt(r.stops, 'hvm_buffered_io_send', 'check_req').addr, '0x3f8');
    assert.equal(localsAt(r.stops, 'hvm_buffered_io_send', 'check_req').count, '1');
    assert.equal(localsAt(r.stops, 'hvm_buffered_io_send', 'size').size, '2');
    assert.deepEqual(['read_pointer', 'write_pointer', 'qw'].map((k) => localsAt(r.stops, 'hvm_buffered_io_send', 'full')[k]), ['0', '0', '0']);
    assert.equal(localsAt(r.stops, 'hvm_buffered_io_send', 'write_slot').slot, '0');
    assert.equal(localsAt(r.stops, 'hvm_buffered_io_send', 'notify').port, String(s.bufioreq_evtchn));
    const pg = s.bufioreq.va!;
    assert.deepEqual(A.readBufPointers(pg), { read_pointer: 0, write_pointer: 1 });
    const b = A.readBufIoreq(pg, A.bufSlotOffset(0));
    assert.deepEqual([b.type, b.size, b.addr, b.dir, b.data], [A.IOREQ_TYPE_PIO, 1, 0x3f8, A.IOREQ_WRITE, 0x5678abcd], 'the low 32 bits of data');
    assert.deepEqual(g.events('buffered_write').map((e) => [e.before, e.after, e.text]),
      [[0, 1, 'd1v0 buffered to server 1: 0x3f8 size 2 data 0x12345678abcd: write_pointer 0 -> 1']]);
  });

  it('an 8-byte write takes two slots, the high half in the second, and the write pointer moves by two; each size has its code', () => {
    const g = new G45(1);
    const s = g.defaultServer();
    const r = buffered(g, req({ type: A.IOREQ_TYPE_TIMEOFFSET, addr: 0n, size: 8, data: 0x1122334455667788n }));
    assert.equal(r.value, 1);
    assert.equal(localsAt(r.stops, 'hvm_buffered_io_send', 'full').qw, '1');
    assert.equal(localsAt(r.stops, 'hvm_buffered_io_send', 'write_high').qw, '1');
    const pg = s.bufioreq.va!;
    assert.deepEqual([0, 1].map((i) => A.readBufIoreq(pg, A.bufSlotOffset(i)).data), [0x55667788, 0x11223344]);
    assert.deepEqual([0, 1].map((i) => A.readBufIoreq(pg, A.bufSlotOffset(i)).size), [3, 3]);
    assert.equal(A.readBufPointers(pg).write_pointer, 2);
    for (const [size, code] of [[1, 0], [4, 2]]) {
      assert.equal(buffered(g, req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n, size })).value, 1);
      assert.equal(A.readBufIoreq(pg, A.bufSlotOffset(A.readBufPointers(pg).write_pointer - 1)).size, code, `size ${size}`);
    }
    assert.equal(A.readBufPointers(pg).write_pointer, 4);
  });

  it('refused (0, nothing written): no server, no buffered page, an address past 1 MiB, data_is_ptr, count != 1, an odd size (with its warning)', () => {
    const none = new G45(1);
    const n = buffered(none, req({ type: A.IOREQ_TYPE_PIO, addr: 0x3f8n }));
    assert.equal(n.value, 0);
    assert.deepEqual(labels(n.stops, 'hvm_buffered_io_send'), ['init_d', 'select', 'no_server']);
    const unbuf = new G45(1);
    unbuf.op(17, { domid: 1, handle_bufioreq: 0, id: -1 });
    const u = buffered(unbuf, req({ type: A.IOREQ_TYPE_PIO, addr: 0x3f8n }));
    assert.equal(u.value, 0, 'the lone secondary is not enabled and claims nothing: no server');
    assert.equal(unbuf.op(19, { domid: 1, id: 1, type: HVMOP_IO_RANGE_PORT, start: 0x3f8, end: 0x3f8 }), 0);
    assert.equal(unbuf.op(22, { domid: 1, id: 1, enabled: 1 }), 0);
    assert.equal(unbuf.d.hvm45.ioreq_server.list[0].bufioreq.va, null);
    const u2 = buffered(unbuf, req({ type: A.IOREQ_TYPE_PIO, addr: 0x3f8n }));
    assert.equal(u2.value, 0);
    assert.deepEqual(labels(u2.stops, 'hvm_buffered_io_send'), ['init_d', 'select', 'no_server', 'init_pg', 'page']);
    assert.equal(localsAt(u2.stops, 'hvm_buffered_io_send', 'page').bufioreq, '"NULL"');
    const g = new G45(1);
    const s = g.defaultServer();
    for (const p of [req({ type: A.IOREQ_TYPE_COPY, addr: 0x100000n }), req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n, data_is_ptr: 1 }),
      req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n, count: 2 })]) {
      const r = buffered(g, p);
      assert.equal(r.value, 0, JSON.stringify(p, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
      assert.deepEqual(labels(r.stops, 'hvm_buffered_io_send'), BUF_HEAD.slice(0, 6));
    }
    assert.equal(buffered(g, req({ type: A.IOREQ_TYPE_COPY, addr: 0xfffffn })).value, 1, '0xfffff is the last address that fits');
    const odd = buffered(g, req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n, size: 3 }));
    assert.equal(odd.value, 0);
    assert.deepEqual(labels(odd.stops, 'hvm_buffered_io_send'), BUF_HEAD);
    assert.deepEqual(g.m.x.console.filter((l) => l.fn === 'hvm_buffered_io_send').map((l) => [l.level, l.text]), [['XENLOG_WARNING', 'unexpected ioreq size: 3']]);
    assert.equal(A.readBufPointers(s.bufioreq.va!).write_pointer, 1, 'only the 0xfffff write went on the ring');
  });

  it('a full ring sends nothing (0, the buffered_full event); an 8-byte write needs two free slots', () => {
    const g = new G45(1);
    const s = g.defaultServer();
    const pg = s.bufioreq.va!;
    pg.setUint32(A.BUF_OFF_READ_POINTER, 100, true);
    pg.setUint32(A.BUF_OFF_WRITE_POINTER, 100 + A.IOREQ_BUFFER_SLOT_NUM - 1, true);
    const q = buffered(g, req({ type: A.IOREQ_TYPE_TIMEOFFSET, size: 8 }));
    assert.equal(q.value, 0, 'one slot free, two needed');
    assert.deepEqual(labels(q.stops, 'hvm_buffered_io_send'), [...BUF_HEAD, 'full']);
    assert.deepEqual(['read_pointer', 'write_pointer'].map((k) => localsAt(q.stops, 'hvm_buffered_io_send', 'full')[k]), ['100', String(100 + 510)]);
    const one = buffered(g, req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n }));
    assert.equal(one.value, 1, 'the last slot takes a 1-byte write');
    assert.equal(localsAt(one.stops, 'hvm_buffered_io_send', 'write_slot').slot, String((100 + 510) % 511));
    assert.equal(localsAt(one.stops, 'hvm_buffered_io_send', 'advance').write_pointer, String(100 + 510));
    assert.equal(A.readBufPointers(pg).write_pointer, 100 + 511);
    assert.equal(buffered(g, req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n })).value, 0, 'now full');
    assert.deepEqual(g.events('buffered_full').map((e) => e.text), ['d1 server 1 buffered ring full: synchronous path', 'd1 server 1 buffered ring full: synchronous path']);
    // The 8-byte write whose two slots straddle the ring's end: slots 510 and 0.
    pg.setUint32(A.BUF_OFF_READ_POINTER, 510, true);
    pg.setUint32(A.BUF_OFF_WRITE_POINTER, 510, true);
    assert.equal(buffered(g, req({ type: A.IOREQ_TYPE_TIMEOFFSET, size: 8, data: 0xaaaaaaaabbbbbbbbn })).value, 1);
    assert.deepEqual([510, 511].map((i) => A.readBufIoreq(pg, A.bufSlotOffset(i)).data), [0xbbbbbbbb, 0xaaaaaaaa]);
    assert.equal(A.readBufIoreq(pg, A.bufSlotOffset(0)).data, 0xaaaaaaaa, 'index 511 is slot 0');
  });
});

/** Vcpu 0 sends p to server s, synchronously, on the stepped build. */
const toServer = (g: G45, s: HvmIoreqServer45, p: ProtoIoreq) => g.stepped('vcpu0', g.v(), (x) => x.hvm.hvmSendAssistReqToIoreqServer(s, g.v(), p));
const SEND_HEAD = ['init_curr', 'deferral', 'for_each_sv', 'match_vcpu', 'get_ioreq', 'check_state'];

describe('mutation (issue 16): 4.5 hvm_send_assist_req and its helpers ([X45] hvm.c:2515-2625)', () => {
  it('to the server: the slot gets the request with vp_eport the vcpu\'s port, READY, the port notified; 1', () => {
    const g = new G45(1);
    const s = g.defaultServer();
    const r = toServer(g, s, req({ type: A.IOREQ_TYPE_PIO, addr: 0x3f8n, size: 1, dir: A.IOREQ_WRITE, data: 0x41n }));
    assert.equal(r.value, 1);
    assert.deepEqual(labels(r.stops, 'hvm_send_assist_req_to_ioreq_server'), [...SEND_HEAD, 'check_port', 'copy', 'copy_port', 'copy_slot',
      'prepare_wait', 'ready', 'notify', 'found_break', 'ret']);
    const port = s.ioreq_vcpu_list[0].ioreq_evtchn;
    assert.equal(localsAt(r.stops, 'hvm_send_assist_req_to_ioreq_server', 'check_state').state, 'STATE_IOREQ_NONE (0)');
    assert.equal(localsAt(r.stops, 'hvm_send_assist_req_to_ioreq_server', 'check_port').vp_eport, String(port));
    assert.equal(localsAt(r.stops, 'hvm_send_assist_req_to_ioreq_server', 'check_port').port, String(port));
    assert.equal(localsAt(r.stops, 'hvm_send_assist_req_to_ioreq_server', 'notify').port, String(port));
    const slot = g.slot(s);
    assert.deepEqual([slot.state, slot.addr, slot.data, slot.vp_eport, slot.dir], [A.STATE_IOREQ_READY, 0x3f8n, 0x41n, port, A.IOREQ_WRITE]);
    assert.ok(g.v().pause_flags.blocked_in_xen, 'prepare_wait_on_xen_event_channel');
    assert.deepEqual(g.events('slot_state').filter((e) => e.after === 'STATE_IOREQ_READY').map((e) => e.fn).slice(-1), ['hvm_send_assist_req_to_ioreq_server']);
  });

  it('a vcpu not in the server\'s list: nothing sent, yet 1', () => {
    const g = new G45(2);
    const s = g.defaultServer();
    assert.equal(g.flat('toolstack', null, () => g.h.hvmIoreqServerRemoveVcpu(s, g.v(0))), undefined);
    const r = toServer(g, s, req({ type: A.IOREQ_TYPE_PIO, addr: 0x3f8n }));
    assert.equal(r.value, 1);
    assert.deepEqual(labels(r.stops, 'hvm_send_assist_req_to_ioreq_server'), ['init_curr', 'deferral', 'for_each_sv', 'match_vcpu', 'ret']);
    assert.equal(localsAt(r.stops, 'hvm_send_assist_req_to_ioreq_server', 'match_vcpu').sv, `d1v1, port ${s.ioreq_vcpu_list[0].ioreq_evtchn}`);
    assert.equal(g.slot(s, 0).state, A.STATE_IOREQ_NONE);
  });

  it('a slot the device model left busy, or a vp_eport not the vcpu\'s port, crashes the domain with Xen\'s text; 0', () => {
    const g = new G45(1);
    const s = g.defaultServer();
    const p = g.h.ioreqOf(s, g.v());
    p.state = A.STATE_IORESP_READY;
    const r = toServer(g, s, req({ type: A.IOREQ_TYPE_PIO, addr: 0x3f8n }));
    assert.equal(r.value, 0);
    assert.deepEqual(labels(r.stops, 'hvm_send_assist_req_to_ioreq_server'), [...SEND_HEAD, 'bad_state', 'bad_state_goto', 'crash', 'domain_crash', 'crash_ret']);
    assert.equal(localsAt(r.stops, 'hvm_send_assist_req_to_ioreq_server', 'bad_state').state, 'STATE_IORESP_READY (3)');
    assert.deepEqual(g.m.x.console.filter((l) => l.fn === 'hvm_send_assist_req_to_ioreq_server').map((l) => [l.level, l.text]),
      [['XENLOG_ERR', 'Device model set bad IO state 3.']]);
    assert.match(g.d.crashed!.reason, /bad IO state 3/);
    assert.equal(g.d.crashed!.fn, 'hvm_send_assist_req_to_ioreq_server');
    const h = new G45(1);
    const t = h.defaultServer();
    h.h.ioreqOf(t, h.v()).vp_eport = 9;
    const r2 = toServer(h, t, req({ type: A.IOREQ_TYPE_PIO, addr: 0x3f8n }));
    assert.equal(r2.value, 0);
    assert.deepEqual(labels(r2.stops, 'hvm_send_assist_req_to_ioreq_server'), [...SEND_HEAD, 'check_port', 'bad_port', 'bad_port_goto', 'crash', 'domain_crash', 'crash_ret']);
    assert.equal(localsAt(r2.stops, 'hvm_send_assist_req_to_ioreq_server', 'bad_port').vp_eport, '9');
    assert.deepEqual(h.m.x.console.filter((l) => l.fn === 'hvm_send_assist_req_to_ioreq_server').map((l) => [l.level, l.text]),
      [['XENLOG_ERR', 'Device model set bad event channel 9.']]);
    assert.match(h.d.crashed!.reason, /bad event channel 9/);
    assert.equal(h.d.crashed!.fn, 'hvm_send_assist_req_to_ioreq_server');
    assert.equal(h.h.ioreqOf(t, h.v()).state, A.STATE_IOREQ_NONE, 'nothing was sent');
  });

  it('hvm_send_assist_req with no server: Xen completes it itself; a read gets all-ones, a write is dropped, both through hvm_io_assist', () => {
    const g = new G45(1);
    const rd = req({ type: A.IOREQ_TYPE_PIO, addr: 0x60n, dir: A.IOREQ_READ, size: 1 });
    const r = g.stepped('vcpu0', g.v(), (s) => s.hvm.hvmSendAssistReq(g.v(), rd));
    assert.equal(r.value, 1);
    assert.deepEqual(labels(r.stops, 'hvm_send_assist_req'), ['select', 'selected']);
    assert.equal(localsAt(r.stops, 'hvm_send_assist_req', 'selected').s, 'NULL');
    assert.deepEqual(labels(r.stops, 'hvm_complete_assist_req'), ['type', 'read_ones', 'resp_ready', 'assist', 'assist_break', 'ret']);
    assert.equal(localsAt(r.stops, 'hvm_complete_assist_req', 'type').type, '"IOREQ_TYPE_PIO"');
    assert.equal(localsAt(r.stops, 'hvm_complete_assist_req', 'read_ones').dir, '1');
    assert.equal(rd.data, 0xffffffffffffffffn);
    assert.equal(rd.state, A.STATE_IORESP_READY);
    const wr = req({ type: A.IOREQ_TYPE_COPY, addr: 0xe0000000n, dir: A.IOREQ_WRITE, data: 0x5n });
    g.flat('vcpu0', g.v(), () => g.h.hvmCompleteAssistReq(g.v(), wr));
    assert.equal(wr.data, 0x5n, 'a write keeps its data');
    const other = req({ type: A.IOREQ_TYPE_TIMEOFFSET, dir: A.IOREQ_READ, data: 0x7n });
    const ro = g.stepped('vcpu0', g.v(), (s) => s.hvm.hvmCompleteAssistReq(g.v(), other));
    assert.deepEqual(labels(ro.stops, 'hvm_complete_assist_req'), ['type', 'resp_ready', 'assist', 'assist_break', 'ret'], 'only PIO and COPY reads get all-ones');
    assert.equal(other.data, 0x7n);
    assert.deepEqual(g.events('io_complete').map((e) => e.text), [
      'd1v0 no ioreq server for IOREQ_TYPE_PIO 0x60: Xen completes it (read gives all-ones)',
      'd1v0 no ioreq server for IOREQ_TYPE_COPY 0xe0000000: Xen completes it (write dropped)',
      'd1v0 no ioreq server for IOREQ_TYPE_TIMEOFFSET 0x0: Xen completes it (read gives all-ones)']);
  });

  it('hvm_send_assist_req with a server goes to it; hvm_broadcast_assist_req sends an INVALIDATE to every server, and a never-enabled one crashes the domain', () => {
    const g = new G45(1);
    const def = g.defaultServer();
    const r = g.stepped('vcpu0', g.v(), (s) => s.hvm.hvmSendAssistReq(g.v(), req({ type: A.IOREQ_TYPE_PIO, addr: 0x3f8n })));
    assert.deepEqual(labels(r.stops, 'hvm_send_assist_req'), ['select', 'selected', 'to_server']);
    assert.equal(localsAt(r.stops, 'hvm_send_assist_req', 'to_server').s, 'default ioreq server 1 of d1 for dm d0, enabled');
    assert.equal(g.slot(def).state, A.STATE_IOREQ_READY);
    g.answer(def, 0n);
    // An enabled secondary beside the default: both slots get the INVALIDATE.
    assert.equal(g.op(17, { domid: 1, handle_bufioreq: 0, id: -1 }), 0);
    const sec = g.d.hvm45.ioreq_server.list[0];
    assert.equal(g.op(22, { domid: 1, id: sec.id, enabled: 1 }), 0);
    const inv = () => req({ type: A.IOREQ_TYPE_INVALIDATE, size: 4, data: 0xffffffffffffffffn });
    const b = g.stepped('vcpu0', g.v(), (s) => s.hvm.hvmBroadcastAssistReq(g.v(), inv()));
    assert.deepEqual(labels(b.stops, 'hvm_broadcast_assist_req'), ['walk', 'for_each_server', 'server', 'for_each_server', 'server']);
    assert.equal(localsAt(b.stops, 'hvm_broadcast_assist_req', 'walk').servers, '2');
    assert.deepEqual([g.slot(sec).state, g.slot(def).state], [A.STATE_IOREQ_READY, A.STATE_IOREQ_READY]);
    assert.deepEqual([g.slot(sec).type, g.slot(def).type], [A.IOREQ_TYPE_INVALIDATE, A.IOREQ_TYPE_INVALIDATE]);
    // A secondary never enabled: its slot's vp_eport was never written (hvm_ioreq_server_add_vcpu writes it only
    // when enabled), and hvm_broadcast_assist_req walks disabled servers too ([X45] hvm.c:2614-2625): the port check
    // fails and the domain is crashed, so the default, next in the list, gets nothing either.
    const h = new G45(1);
    const hd = h.defaultServer();
    assert.equal(h.op(17, { domid: 1, handle_bufioreq: 0, id: -1 }), 0);
    const off = h.d.hvm45.ioreq_server.list[0];
    h.flat('vcpu0', h.v(), () => h.h.hvmBroadcastAssistReq(h.v(), inv()));
    assert.deepEqual(h.m.x.console.filter((l) => l.fn === 'hvm_send_assist_req_to_ioreq_server').map((l) => l.text), ['Device model set bad event channel 0.']);
    assert.ok(h.d.crashed);
    assert.deepEqual([h.slot(off).state, h.slot(hd).state], [A.STATE_IOREQ_NONE, A.STATE_IOREQ_NONE]);
    const bad = req({ type: A.IOREQ_TYPE_PIO });
    const run = g.m.steppedRun('vcpu0', g.v(), (s) => (s.hvm as unknown as { hvmBroadcastAssistReq: typeof g.h.hvmBroadcastAssistReq }).hvmBroadcastAssistReq(g.v(), bad) as never);
    let n = run.next();
    while (!n.done) n = run.next();
    assert.match(String(n.value.panic), /ASSERT\(p->type == IOREQ_TYPE_INVALIDATE\)/);
  });
});

describe('mutation (issue 16): 4.5 hvm_wait_for_io and hvm_do_resume ([X45] hvm.c:401-464)', () => {
  const resume = (g: G45) => g.stepped('vcpu0', g.v(), (s) => s.hvm.hvmDoResume(g.v()));

  it('nothing pending: each server\'s slot is NONE, the trap injection runs', () => {
    const g = new G45(1);
    g.defaultServer();
    g.secondary();
    const r = resume(g);
    assert.deepEqual(labels(r.stops, 'hvm_do_resume'), ['init_d', 'check_wakeup', 'pt_restore_timer', 'server', 'find_vcpu', 'wait',
      'server', 'find_vcpu', 'wait', 'inject_trap']);
    assert.deepEqual(labels(r.stops, 'hvm_wait_for_io'), ['loop', 'ret', 'loop', 'ret']);
    assert.equal(localsAt(r.stops, 'hvm_wait_for_io', 'loop').state, 'STATE_IOREQ_NONE (0)');
  });

  it('a server the vcpu is not in is passed over; an answer (IORESP_READY) is taken through hvm_io_assist', () => {
    const g = new G45(1);
    const def = g.defaultServer();
    g.flat('toolstack', null, () => g.h.hvmIoreqServerRemoveVcpu(def, g.v()));
    const r = resume(g);
    assert.deepEqual(labels(r.stops, 'hvm_wait_for_io'), []);
    assert.equal(localsAt(r.stops, 'hvm_do_resume', 'wait').sv, 'NULL');
    const h = new G45(1);
    const s = h.defaultServer();
    h.h.ioreqOf(s, h.v()).state = A.STATE_IORESP_READY;
    const r2 = resume(h);
    assert.deepEqual(labels(r2.stops, 'hvm_wait_for_io'), ['loop', 'switch', 'assist', 'assist_break', 'loop', 'ret']);
    assert.equal(localsAt(r2.stops, 'hvm_wait_for_io', 'switch').state, 'STATE_IORESP_READY (3)');
    assert.equal(h.slot(s).state, A.STATE_IOREQ_NONE);
  });

  it('READY or INPROCESS: the vcpu waits on its port (descheduled); a weird state crashes the domain and skips the rest', () => {
    for (const st of [A.STATE_IOREQ_READY, A.STATE_IOREQ_INPROCESS]) {
      const g = new G45(1);
      const s = g.defaultServer();
      g.h.ioreqOf(s, g.v()).state = st;
      const r = resume(g);
      assert.deepEqual(labels(r.stops, 'hvm_wait_for_io'), ['loop', 'switch', 'wait'], `state ${st}`);
      assert.equal(localsAt(r.stops, 'hvm_wait_for_io', 'wait').port, String(s.ioreq_vcpu_list[0].ioreq_evtchn));
      assert.ok(!labels(r.stops, 'hvm_do_resume').includes('inject_trap'));
      assert.ok(g.v().pause_flags.blocked_in_xen);
    }
    const g = new G45(1);
    const s = g.defaultServer();
    g.secondary();
    g.h.ioreqOf(s, g.v()).state = 7;
    const r = resume(g);
    assert.deepEqual(labels(r.stops, 'hvm_wait_for_io'), ['loop', 'ret', 'loop', 'switch', 'weird', 'domain_crash', 'crash_ret']);
    assert.equal(localsAt(r.stops, 'hvm_wait_for_io', 'weird').state, 'invalid (7)');
    assert.deepEqual(g.m.x.console.filter((l) => l.fn === 'hvm_wait_for_io').map((l) => [l.level, l.text]), [['XENLOG_ERR', 'Weird HVM iorequest state 7.']]);
    assert.match(g.d.crashed!.reason, /Weird HVM iorequest state 7/);
    assert.equal(g.d.crashed!.fn, 'hvm_wait_for_io');
    assert.ok(!labels(r.stops, 'hvm_do_resume').includes('inject_trap'));
  });

  it('hvm_io_pending and hvm_has_dm', () => {
    const g = new G45(1);
    assert.equal(g.h.hvmHasDm(g.v()), false);
    assert.equal(g.h.hvmIoPending(g.v()), false);
    const s = g.defaultServer();
    g.secondary();
    assert.equal(g.h.hvmHasDm(g.v()), true);
    assert.equal(g.h.hvmIoPending(g.v()), false);
    g.h.ioreqOf(s, g.v()).state = A.STATE_IOREQ_INPROCESS;
    assert.equal(g.h.hvmIoPending(g.v()), true, 'the default, last in the list, is pending');
  });

  it('get_ioreq on a server without a page is Xen\'s ASSERT; on a freed server the model records the use after free', () => {
    const g = new G45(1);
    g.op(17, { domid: 1, handle_bufioreq: 0, id: -1 });
    const s = g.d.hvm45.ioreq_server.list[0];
    assert.equal(g.op(21, { domid: 1, id: s.id }), 0);
    assert.throws(() => g.h.ioreqOf(s, g.v()), /ASSERT\(p != NULL\) failed: ioreq server 1 of d1 has no ioreq page/);
    assert.deepEqual(g.m.x.bugs.map((b) => [b.kind, b.fn, b.text]), [['use-after-free', 'get_ioreq', "get_ioreq used d1's ioreq server 1 after xfree()"]]);
  });
});

describe('mutation (issue 16): 4.5 the hvmop_* wrappers and what the events name ([X45] hvm.c:5272-5469)', () => {
  it('each ioreq-server HVMOP: -ESRCH for no such domain, -EPERM on oneself, -EINVAL for a PV target, -EPERM from a domain that is not the device model; -ENOSYS for an unknown op', () => {
    const g = new G45(1);
    g.flat('toolstack', null, (f) => f.libxc.xcDomainCreate(2, 1, true));
    const d2 = g.m.x.domains.get(2)!;
    const args = (domid: number): Array<[number, object]> => [[17, { domid, handle_bufioreq: 0, id: -1 }],
      [18, { domid, id: 1, bufioreq_port: 0, ioreq_pfn: 0, bufioreq_pfn: 0 }], [19, { domid, id: 1, type: 0, start: 1, end: 2 }],
      [20, { domid, id: 1, type: 0, start: 1, end: 2 }], [22, { domid, id: 1, enabled: 1 }], [21, { domid, id: 1 }]];
    const call = (curr: typeof d2, op: number, a: object) => g.flat('dm0', null, () => g.h.doHvmOp(curr, op, a as never));
    for (const [op, a] of args(9)) assert.equal(call(g.d0, op, a), -3, `op ${op}: no d9`);
    for (const [op, a] of args(1)) assert.equal(call(g.d, op, a), -1, `op ${op}: d1 on itself`);
    for (const [op, a] of args(0)) assert.equal(call(d2, op, a), -22, `op ${op}: d0 is PV`);
    for (const [op, a] of args(1)) assert.equal(call(d2, op, a), -1, `op ${op}: d2 is not d1's device model`);
    d2.target = 1;
    const results = args(1).map(([op, a]) => call(d2, op, a));
    assert.deepEqual(results, [0, 0, 0, 0, 0, 0], 'd1\'s device model may do each, in this order');
    g.d.is_dying = 2;
    assert.equal(call(g.d0, 17, { domid: 1, handle_bufioreq: 0, id: -1 }), -3, 'a dead domain is not found');
    g.d.is_dying = 0;
    const r = g.stepped('dm0', null, (s) => s.hvm.doHvmOp(g.d0, 99, { domid: 1, index: 0, value: 0 }));
    assert.equal(r.value, -38);
    assert.deepEqual(labels(r.stops, 'do_hvm_op'), ['op', 'enosys']);
    const lock = g.stepped('dm0', null, (s) => s.hvm.doHvmOp(g.d0, 21, { domid: 9, id: 1 }));
    assert.deepEqual(labels(lock.stops, 'hvmop_lock_target'), ['lookup', 'check_lookup']);
    assert.equal(localsAt(lock.stops, 'hvmop_lock_target', 'check_lookup').rc, '-ESRCH');
    assert.equal(localsAt(lock.stops, 'hvmop_lock_target', 'lookup').d, 'NULL');
  });

  it('the events of a server\'s life name the Xen function that made them', () => {
    const g = new G45(1);
    const from = g.m.x.events.length;
    const def = g.defaultServer();
    g.op(17, { domid: 1, handle_bufioreq: 1, id: -1 });
    g.op(22, { domid: 1, id: 2, enabled: 1 });
    g.flat('vcpu0', g.v(), () => g.h.hvmBufferedIoSend(g.v(), req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n })));
    g.flat('vcpu0', g.v(), () => g.h.hvmCompleteAssistReq(g.v(), req({ type: A.IOREQ_TYPE_PIO, addr: 0x80n, dir: A.IOREQ_READ })));
    g.op(21, { domid: 1, id: 2 });
    const fnOf = (kind: string) => [...new Set(g.events(kind, from).map((e) => e.fn))];
    assert.deepEqual(fnOf('server_create'), ['hvm_create_ioreq_server']);
    assert.deepEqual(fnOf('server_destroy'), ['hvm_destroy_ioreq_server']);
    assert.deepEqual(fnOf('buffered_write'), ['hvm_buffered_io_send']);
    assert.deepEqual(fnOf('io_complete'), ['hvm_complete_assist_req']);
    const slot = g.events('slot_write', from).filter((e) => e.fn === 'hvm_update_ioreq_evtchn');
    assert.deepEqual(slot.map((e) => e.text), [`d1v0 server 1 slot vp_eport = ${def.ioreq_vcpu_list[0].ioreq_evtchn}`, 'd1v0 server 2 slot vp_eport = 5']);
    assert.deepEqual(slot.map((e) => [e.domid, e.vcpu, (e.detail as { server: number }).server]), [[1, 0, 1], [1, 0, 2]]);
    assert.deepEqual(g.events('server_create', from).map((e) => e.after), [
      { id: 1, domid: 0, is_default: true, ioreq_pfn: 0xfeffd, bufioreq_pfn: 0xfeffb },
      { id: 2, domid: 0, is_default: false, ioreq_pfn: 0xfeff0, bufioreq_pfn: 0xfeff1 }]);
    assert.deepEqual(g.events('server_destroy', from).map((e) => e.detail), [{ id: 2 }]);
    assert.deepEqual(g.events('io_complete', from).map((e) => e.detail), [{ type: 'IOREQ_TYPE_PIO', addr: '0x80', dir: 1, data: '0xffffffffffffffff' }]);
  });
});
