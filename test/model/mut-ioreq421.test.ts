// Mutation tests of src/model/xen/4.21/common/ioreq.ts, the model of xen/common/ioreq.c @RELEASE-4.21.0 (issue #16).
// Each test names the Xen behaviour it pins and the ioreq.c lines (@RELEASE-4.21.0) that have it; `ioreq.c:N` below
// always means xen/common/ioreq.c at RELEASE-4.21.0.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import { loadListing } from '../../src/debug/listing';
import { Driver421, type Build } from '../../src/model/driver421';
import { Rec421 } from './rec421';
import { EINVAL, ENOENT, ENOMEM, ENOSPC } from '../../src/model/errno';
import { Model } from '../../src/model/model';
import type { Rangeset } from '../../src/model/xen';
import * as I from '../../src/model/xen/4.21/common/ioreq';
import * as X from '../../src/model/xen';
import { CRASHED, DESCHEDULED, RESUMED } from '../../src/model/xen/common/outcome';

const G = 1;

/** A driver that, on the stepped build, records every stop (the top frame: function, label, locals). */
export class Rec extends Rec421 {}

const COMMON = loadListing('4.21/common/ioreq.c');
/** Every function the common ioreq.c listing has (the functions ioreq.ts models). */
const COMMON_FNS = new Set(COMMON.fns.keys());
/** The events the common ioreq code records, without seq and actor. */
const ioreqEvents = (t: Driver421, from = 0) => t.m.x.events.slice(from).filter((e) => COMMON_FNS.has(e.fn))
  .map(({ seq: _s, actor: _a, ...e }) => e);

function qemu(t: Driver421, ranges: Array<[number, bigint, bigint]>, name = 'qemu', bufioreq?: number): void {
  const dm = t.addDm(name, 'qemu', 0, G);
  dm.want_ranges = ranges;
  assert.equal(t.dmInit(name, bufioreq).value, 0, t.dm(name).last_error ?? '');
  assert.equal(t.mapRanges(name).value, 0);
}
const wr = (addr: bigint, size: number, data: bigint): A.Ioreq => ({ ...A.emptyIoreq(), type: A.IOREQ_TYPE_COPY, addr, size, count: 1, dir: A.IOREQ_WRITE, data });
const dmop = (t: Driver421, name: string, op: number, u: I.XenDmOp['u'] = {}) => t.dmOp(name, { op, u }).value;

/**
 * One x86 run through most of ioreq.c on the stepped build: QEMU's start-up (create ATOMIC, acquire, get_info, enable,
 * bind), its three range types, a port read, an MMIO write, a PCI config read through CF8/CFC, buffered writes of
 * every size up to a full ring, refused DMOPs, a second server with legacy gfns, disable, destroy and the guest's end.
 */
function x86Tour(): Rec {
  const t = Rec.make('4.21', 'stepped', 2);
  qemu(t, [[I.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3ffn], [I.XEN_DMOP_IO_RANGE_MEMORY, 0xa0000n, 0xbffffn], [I.XEN_DMOP_IO_RANGE_PCI, 0x18n, 0x18n]]);
  t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
  t.serve('qemu', 0, { data: 0x5an });
  t.resume(G, 0);
  t.mmio(G, 1, 0xa0010n, 4, A.IOREQ_WRITE, 0x1234n);
  t.serve('qemu', 1);
  t.resume(G, 1);
  t.pio(G, 0, 0xcf8, 4, A.IOREQ_WRITE, BigInt(0x80000000 | (0x18 << 8) | 0x10));
  t.pio(G, 0, 0xcfc, 4, A.IOREQ_READ);
  t.serve('qemu', 0, { data: 0xbeefn });
  t.resume(G, 0);
  for (const size of [1, 2, 4, 8, 3]) t.sendBuffered(G, 0, 0, wr(0xa0000n, size, 0x1122334455667788n));
  t.sendBuffered(G, 0, 0, wr(0x100000n, 4, 1n));
  for (let k = 0; k < 520; k++) t.sendBuffered(G, 0, 0, wr(0xa0000n, 1, 1n));
  t.drainBuffered('qemu');
  t.broadcast(G, 0, { ...A.emptyIoreq(), type: A.IOREQ_TYPE_TIMEOFFSET, size: 8, count: 1, dir: A.IOREQ_WRITE, data: 5n }, true);
  // Refused DMOPs and range calls.
  dmop(t, 'qemu', I.XEN_DMOP_map_io_range_to_ioreq_server, { id: 0, type: 0, start: 9n, end: 8n });
  dmop(t, 'qemu', I.XEN_DMOP_map_io_range_to_ioreq_server, { id: 7, type: 0, start: 1n, end: 2n });
  dmop(t, 'qemu', I.XEN_DMOP_map_io_range_to_ioreq_server, { id: 0, type: 3, start: 1n, end: 2n });
  dmop(t, 'qemu', I.XEN_DMOP_map_io_range_to_ioreq_server, { id: 0, type: 0, start: 0x3f0n, end: 0x3f8n });
  dmop(t, 'qemu', I.XEN_DMOP_unmap_io_range_from_ioreq_server, { id: 0, type: 0, start: 9n, end: 8n });
  dmop(t, 'qemu', I.XEN_DMOP_unmap_io_range_from_ioreq_server, { id: 7, type: 0, start: 1n, end: 2n });
  dmop(t, 'qemu', I.XEN_DMOP_unmap_io_range_from_ioreq_server, { id: 0, type: 3, start: 1n, end: 2n });
  dmop(t, 'qemu', I.XEN_DMOP_unmap_io_range_from_ioreq_server, { id: 0, type: 0, start: 0x3f0n, end: 0x3f8n });
  dmop(t, 'qemu', I.XEN_DMOP_unmap_io_range_from_ioreq_server, { id: 0, type: 1, start: 0xa0000n, end: 0xa0fffn });
  dmop(t, 'qemu', I.XEN_DMOP_map_mem_type_to_ioreq_server, { id: 0, type: 1, flags: 2 });
  dmop(t, 'qemu', I.XEN_DMOP_map_mem_type_to_ioreq_server, { id: 7, type: I.HVMMEM_ioreq_server, flags: 2 });
  dmop(t, 'qemu', I.XEN_DMOP_map_mem_type_to_ioreq_server, { id: 0, type: I.HVMMEM_ioreq_server, flags: 2 });
  dmop(t, 'qemu', I.XEN_DMOP_get_ioreq_server_info, { id: 7 });
  dmop(t, 'qemu', I.XEN_DMOP_set_ioreq_server_state, { id: 7, enabled: 1 });
  dmop(t, 'qemu', I.XEN_DMOP_destroy_ioreq_server, { id: 7 });
  dmop(t, 'qemu', I.XEN_DMOP_create_ioreq_server, { pad3: [0, 0, 1] });
  dmop(t, 'qemu', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 3 });
  dmop(t, 'qemu', 99);
  // A second server, OFF, with the legacy gfns (get_info with gfns), its frame 0 refused, then set and unset.
  t.addDm('q2', 'qemu', 0, G);
  dmop(t, 'q2', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 0 });
  dmop(t, 'q2', I.XEN_DMOP_get_ioreq_server_info, { id: 1 });
  t.dm('q2').ioservid = 1;
  t.acquire('q2', 0, 1);
  t.acquire('q2', 2, 1);
  dmop(t, 'q2', I.XEN_DMOP_set_ioreq_server_state, { id: 1, enabled: 1 });
  dmop(t, 'q2', I.XEN_DMOP_set_ioreq_server_state, { id: 1, enabled: 1 });
  dmop(t, 'q2', I.XEN_DMOP_set_ioreq_server_state, { id: 1, enabled: 0 });
  dmop(t, 'q2', I.XEN_DMOP_set_ioreq_server_state, { id: 1, enabled: 0 });
  dmop(t, 'q2', I.XEN_DMOP_destroy_ioreq_server, { id: 1 });
  // The map-cache flush (decrease_reservation) and the guest's end (ioreq_server_destroy_all).
  t.decreaseReservation(G, 0, 0x100);
  t.serve('qemu', 0);
  t.resume(G, 0);
  // A port read the vcpu waits for: woken early, it sees READY twice (before and after being marked blocked).
  t.pio(G, 1, 0x3f8, 1, A.IOREQ_READ);
  t.vcpu(G, 1).pause_flags.blocked_in_xen = false;
  t.resume(G, 1);
  t.serve('qemu', 1, { data: 1n });
  t.resume(G, 1);
  t.kill(G);
  return t;
}

export const TOUR = x86Tour;
// Runs are made inside the tests (not in describe bodies) so that StrykerJS's per-test coverage holds.
describe('4.21 ioreq.c (mutation): what the debugger stops on', () => {
  it('every stop inside a function of common/ioreq.c is one of the statements its 4.21 listing marks', () => {
    const tour = x86Tour();
    let n = 0;
    for (const s of tour.stops) {
      if (!COMMON_FNS.has(s.fn)) continue;
      n++;
      assert.ok(COMMON.fns.get(s.fn)!.labels.has(s.at), `${s.fn}@${s.at} is not a statement of ${s.fn} in 4.21/common/ioreq.c`);
    }
    assert.ok(n > 1000, `stops in ioreq.c: ${n}`);
  });

  it('the values a statement names beyond the C locals are shown there, as the C code has them at that point', () => {
    const tour = x86Tour();
    const first = (fa: string, keys: string[]) => {
      const [fn, at] = fa.split('@');
      const l = tour.loc(fn, at);
      return Object.fromEntries(keys.map((k) => [k, l[k]]));
    };
    const expect: Record<string, Record<string, unknown>> = {
      // QEMU's create: x86, no Arm refusal (ioreq.c:650); slot 0; the emulator is d0 (current->domain, ioreq.c:586).
      'ioreq_server_create@arm_buf': { x86: true }, 'ioreq_server_create@init': { id: 0 }, 'ioreq_server_create@unpause': { id: 0 },
      'ioreq_server_init@gfns': { emulator: 0 },
      // add_vcpu runs before enable (the server starts disabled, ioreq.c:401-404); vcpu 1 is added last, so heads the list.
      'ioreq_server_add_vcpu@added': { enabled: false }, 'ioreq_server_enable@check': { enabled: false }, 'ioreq_server_enable@update': { v: 1 },
      'ioreq_server_update_evtchn@check': { va: 'mapped', v: 1 }, 'ioreq_server_update_evtchn@write': { v: 1, port: 5 },
      // acquire: no page yet and no legacy gfn (INVALID_GFN, ioreq.c:589-590); ATOMIC asks for the buffered page too.
      'ioreq_server_alloc_mfn@check_page': { page: 'NULL', gfn: -1 }, 'ioreq_server_alloc_pages@bufioreq': { bufioreq_handling: 2 },
      'ioreq_server_get_info@buf': { bufioreq_handling: 2 },
      // Every ownership check compares the server's emulator with current->domain: both d0 here.
      ...Object.fromEntries(['destroy', 'get_info', 'get_frame', 'map_io_range', 'unmap_io_range', 'map_mem_type', 'set_state']
        .map((f) => [`ioreq_server_${f}@owner`, { emulator: 0, current: 0 }])),
      'ioreq_server_disable@check': { enabled: true }, 'ioreq_server_deinit@put': { emulator: 0 },
      // The first routed access is the port read of 0x3f8 (arch_ioreq_server_get_type_addr: a port range), to server 0.
      'ioreq_server_select@type_addr': { ok: true, type: 'port', addr: '0x3f8' }, 'ioreq_server_select@server': { id: 0, enabled: true },
      'ioreq_server_select@pci': { id: 0 },
      'ioreq_send@check_state': { state: A.STATE_IOREQ_NONE }, 'ioreq_send@check_port': { vp_eport: 3 },
      // The read completes: IORESP_READY taken, a PIO read needs completion (ioreq.h:76-81), no flush pending.
      'wait_for_io@complete': { needs_completion: true }, 'vcpu_ioreq_handle_completion@pending': { server: 0 },
      'vcpu_ioreq_handle_completion@req_state': { state: 'STATE_IORESP_READY' }, 'vcpu_ioreq_handle_completion@mapcache': { mapcache_invalidate: false },
      // The first buffered write (an MMIO write of 0xa0010): the page is there, one slot, an empty ring, ATOMIC, port 4 (vcpu 0's buffered port).
      'ioreq_send_buffered@page': { page: 'mapped' }, 'ioreq_send_buffered@limits': { addr: '0xa0010', data_is_ptr: 0, count: 1 },
      'ioreq_send_buffered@full': { read_pointer: 0, write_pointer: 0 }, 'ioreq_send_buffered@copy': { slot: 0 },
      'ioreq_send_buffered@canon': { mode: 2, read_pointer: 0 }, 'ioreq_send_buffered@notify': { port: 4 },
      'ioreq_signal_mapcache_invalidate@broadcast': { type: 'IOREQ_TYPE_INVALIDATE' },
      'ioreq_broadcast@server': { id: 0, enabled: true, bufioreq_handling: 2 },
    };
    for (const [fa, want] of Object.entries(expect)) assert.deepEqual(first(fa, Object.keys(want)), want, fa);
    assert.equal(tour.loc('ioreq_send', 'deferral').v, tour.vcpu(G, 0), 'ioreq_send@deferral: v is current');
    // The ATOMIC pointers pulled back below 511 by the compare-exchange (ioreq.c:1230-1241).
    const cx = tour.loc('ioreq_send_buffered', 'cmpxchg');
    assert.ok((cx.read_pointer as number) < 511 && (cx.write_pointer as number) >= (cx.read_pointer as number), `${cx.read_pointer} ${cx.write_pointer}`);
    // The early wake: the wait's condition reads READY on vcpu 1's port, before and after the vcpu is marked blocked.
    assert.deepEqual([tour.loc('wait_for_io', 'wait').state, tour.loc('wait_for_io', 'recheck').state], [A.STATE_IOREQ_READY, A.STATE_IOREQ_READY]);
    assert.deepEqual([tour.loc('wait_for_io', 'wait').port, tour.loc('wait_for_io', 'recheck').port], [5, 5], "vcpu 1's ioreq port (see update_evtchn@write)");
  });
});

/** The flat build's 4.21 x86 implementation of the common code (a subclass of Ioreq421). */
const flat = (t: Driver421) => t.m.flat.x421!.hvm;
const rs = (ranges: Array<[bigint, bigint]>, limit = 256) => ({ ranges: ranges.map(([a, b]) => [a, b] as [bigint, bigint]), limit }) as unknown as Rangeset;

describe('4.21 ioreq.c (mutation): the rangeset calls of map/unmap and select (xen/common/rangeset.c @RELEASE-4.21.0)', () => {
  let h: ReturnType<typeof flat>;
  beforeEach(() => { h = flat(Rec.make('4.21', 'flat', 1)); });

  it('rangeset_add_range merges a range with its neighbours on both sides, and with adjacent ones (no gap of one)', () => {
    const r = rs([[0x10n, 0x1fn], [0x30n, 0x3fn], [0x50n, 0x5fn]]);
    assert.equal(h.rangesetAddRange(r, 0x20n, 0x2fn), 0);
    assert.deepEqual(r.ranges, [[0x10n, 0x3fn], [0x50n, 0x5fn]], 'touching 0x1f and 0x30: one range');
    assert.equal(h.rangesetAddRange(r, 0x41n, 0x4en), 0);
    assert.deepEqual(r.ranges, [[0x10n, 0x3fn], [0x41n, 0x4en], [0x50n, 0x5fn]], 'a gap of one byte each side keeps three ranges');
    assert.equal(h.rangesetAddRange(r, 0x0n, 0x8n), 0);
    assert.deepEqual(r.ranges, [[0x0n, 0x8n], [0x10n, 0x3fn], [0x41n, 0x4en], [0x50n, 0x5fn]], 'kept in ascending order');
    assert.equal(h.rangesetAddRange(r, 0x5n, 0x60n), 0);
    assert.deepEqual(r.ranges, [[0x0n, 0x60n]], 'a covering range swallows everything it touches');
  });

  it('rangeset_add_range: a new range past the limit is -ENOMEM, a merging one is not', () => {
    const r = rs([[0x10n, 0x1fn]], 1);
    assert.equal(h.rangesetAddRange(r, 0x40n, 0x4fn), -ENOMEM);
    assert.deepEqual(r.ranges, [[0x10n, 0x1fn]]);
    assert.equal(h.rangesetAddRange(r, 0x20n, 0x2fn), 0);
    assert.deepEqual(r.ranges, [[0x10n, 0x2fn]]);
  });

  it('rangeset_add_range at the limit: reaching only the range that begins at e + 1 still needs an allocation (rangeset.c:130-136, joined at :172-176)', () => {
    const r = rs([[0x10n, 0x1fn]], 1);
    assert.equal(h.rangesetAddRange(r, 0x8n, 0xfn), -ENOMEM, 'find_range(e) is NULL: alloc_range first, and none is left');
    assert.deepEqual(r.ranges, [[0x10n, 0x1fn]], 'nothing changed');
    assert.equal(h.rangesetAddRange(r, 0x8n, 0x10n), 0, 'overlapping the range: no allocation');
    assert.deepEqual(r.ranges, [[0x8n, 0x1fn]]);
    const two = rs([[0x10n, 0x1fn], [0x30n, 0x3fn]], 2);
    assert.equal(h.rangesetAddRange(two, 0x20n, 0x2fn), 0, 'extends the left one (ends at s - 1), then joins the right');
    assert.deepEqual(two.ranges, [[0x10n, 0x3fn]]);
    const right = rs([[0x10n, 0x1fn], [0x30n, 0x3fn]], 2);
    assert.equal(h.rangesetAddRange(right, 0x22n, 0x2fn), -ENOMEM, 'touches only 0x30 on its right');
    assert.deepEqual(right.ranges, [[0x10n, 0x1fn], [0x30n, 0x3fn]]);
  });

  it('rangeset_remove_range trims either end, removes whole ranges, splits one in two (which needs a range: -ENOMEM at the limit)', () => {
    const r = rs([[0x10n, 0x1fn], [0x30n, 0x3fn], [0x50n, 0x5fn]]);
    assert.equal(h.rangesetRemoveRange(r, 0x10n, 0x13n), 0);
    assert.deepEqual(r.ranges, [[0x14n, 0x1fn], [0x30n, 0x3fn], [0x50n, 0x5fn]]);
    assert.equal(h.rangesetRemoveRange(r, 0x1cn, 0x1fn), 0);
    assert.deepEqual(r.ranges, [[0x14n, 0x1bn], [0x30n, 0x3fn], [0x50n, 0x5fn]]);
    assert.equal(h.rangesetRemoveRange(r, 0x30n, 0x3fn), 0);
    assert.deepEqual(r.ranges, [[0x14n, 0x1bn], [0x50n, 0x5fn]]);
    const full = rs([[0x10n, 0x1fn], [0x50n, 0x5fn]], 2);
    assert.equal(h.rangesetRemoveRange(full, 0x18n, 0x18n), -ENOMEM);
    assert.deepEqual(full.ranges, [[0x10n, 0x1fn], [0x50n, 0x5fn]], 'nothing removed');
    assert.equal(h.rangesetRemoveRange(full, 0x10n, 0x10n), 0, 'a trim needs no new range');
    const one = rs([[0x10n, 0x1fn]], 2);
    assert.equal(h.rangesetRemoveRange(one, 0x14n, 0x15n), 0);
    assert.deepEqual(one.ranges, [[0x10n, 0x13n], [0x16n, 0x1fn]]);
  });

  it('rangeset_overlaps_range and rangeset_contains_range at the edges (one shared byte overlaps; contains needs both ends)', () => {
    const r = rs([[0x10n, 0x1fn]]);
    assert.equal(h.rangesetOverlapsRange(r, 0x0n, 0x10n), true);
    assert.equal(h.rangesetOverlapsRange(r, 0x1fn, 0x30n), true);
    assert.equal(h.rangesetOverlapsRange(r, 0x0n, 0xfn), false);
    assert.equal(h.rangesetOverlapsRange(r, 0x20n, 0x30n), false);
    assert.equal(h.rangesetContainsRange(r, 0x10n, 0x1fn), true);
    assert.equal(h.rangesetContainsRange(r, 0xfn, 0x1fn), false);
    assert.equal(h.rangesetContainsRange(r, 0x10n, 0x20n), false);
  });
});

describe('4.21 ioreq.c (mutation): ioreq_mmio_first_byte / last_byte (xen/include/xen/ioreq.h:60-74 @RELEASE-4.21.0)', () => {
  let h: ReturnType<typeof flat>;
  beforeEach(() => { h = flat(Rec.make('4.21', 'flat', 1)); });
  const p = (addr: bigint, size: number, count: number, df: number): A.Ioreq => ({ ...A.emptyIoreq(), type: A.IOREQ_TYPE_COPY, addr, size, count, df });
  it('forwards: addr .. addr + count*size - 1; backwards (df): addr - (count-1)*size .. addr + size - 1', () => {
    assert.equal(h.ioreqMmioFirstByte(p(0x1000n, 4, 3, 0)), 0x1000n);
    assert.equal(h.ioreqMmioLastByte(p(0x1000n, 4, 3, 0)), 0x100bn);
    assert.equal(h.ioreqMmioFirstByte(p(0x1000n, 4, 3, 1)), 0xff8n);
    assert.equal(h.ioreqMmioLastByte(p(0x1000n, 4, 3, 1)), 0x1003n);
    assert.equal(h.ioreqMmioLastByte(p(0x1000n, 2, 1, 0)), 0x1001n);
    assert.equal(h.ioreqMmioFirstByte(p(0x4n, 4, 3, 1)), 0xfffffffffffffffcn, 'wraps at 2^64 as unsigned arithmetic does');
  });
});

describe('4.21 ioreq.c (mutation): lookups and their error signs', () => {
  it('get_ioreq_server: an id past the array or a free slot is -ENOENT for every op taking an id (ioreq.c:73-80, 712, 757, 797, 858, 910, 971, 999)', () => {
    const t = Rec.make('4.21', 'flat', 1);
    t.addDm('q', 'qemu', 0, G);
    assert.equal(dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 1 }), 0);
    for (const id of [1, 7, 8, -1]) {
      assert.equal(dmop(t, 'q', I.XEN_DMOP_get_ioreq_server_info, { id }), -ENOENT, `get_info ${id}`);
      assert.equal(dmop(t, 'q', I.XEN_DMOP_map_io_range_to_ioreq_server, { id, type: 0, start: 1n, end: 1n }), -ENOENT, `map ${id}`);
      assert.equal(dmop(t, 'q', I.XEN_DMOP_unmap_io_range_from_ioreq_server, { id, type: 0, start: 1n, end: 1n }), -ENOENT, `unmap ${id}`);
      assert.equal(dmop(t, 'q', I.XEN_DMOP_set_ioreq_server_state, { id, enabled: 1 }), -ENOENT, `set_state ${id}`);
      assert.equal(dmop(t, 'q', I.XEN_DMOP_map_mem_type_to_ioreq_server, { id, type: I.HVMMEM_ioreq_server, flags: 2 }), -ENOENT, `map_mem_type ${id}`);
      assert.equal(dmop(t, 'q', I.XEN_DMOP_destroy_ioreq_server, { id }), -ENOENT, `destroy ${id}`);
      if (id < 0) continue;
      t.dm('q').ioservid = id;
      assert.equal(t.acquire('q', 1, 1).value, -ENOENT, `acquire ${id}`);
    }
    const hvm = flat(t);
    assert.equal(hvm.getIoreqServer(t.domain(G), 0)!.id, 0);
    for (const id of [-1, 8, 0.5, 1]) assert.equal(hvm.getIoreqServer(t.domain(G), id), null, `${id}`);
  });

  it('map and unmap check start <= end before the server: -EINVAL even for a server that does not exist (ioreq.c:850-851, 902-903)', () => {
    const t = Rec.make('4.21', 'flat', 1);
    t.addDm('q', 'qemu', 0, G);
    assert.equal(dmop(t, 'q', I.XEN_DMOP_map_io_range_to_ioreq_server, { id: 5, type: 0, start: 2n, end: 1n }), -EINVAL);
    assert.equal(dmop(t, 'q', I.XEN_DMOP_unmap_io_range_from_ioreq_server, { id: 5, type: 0, start: 2n, end: 1n }), -EINVAL);
    dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, {});
    assert.equal(dmop(t, 'q', I.XEN_DMOP_map_io_range_to_ioreq_server, { id: 0, type: 0, start: 5n, end: 5n }), 0, 'start == end is one port');
    assert.equal(dmop(t, 'q', I.XEN_DMOP_unmap_io_range_from_ioreq_server, { id: 0, type: 0, start: 5n, end: 5n }), 0);
    for (const type of [0, 1, 2]) assert.equal(dmop(t, 'q', I.XEN_DMOP_map_io_range_to_ioreq_server, { id: 0, type, start: 0x100n, end: 0x1ffn }), 0, `type ${type}`);
    const s = t.domain(G).x421.server[0]!;
    assert.deepEqual(s.range.map((r) => r.ranges), [[[0x100n, 0x1ffn]], [[0x100n, 0x1ffn]], [[0x100n, 0x1ffn]]], 'each type its own set');
    for (const type of [3, -1]) {
      assert.equal(dmop(t, 'q', I.XEN_DMOP_map_io_range_to_ioreq_server, { id: 0, type, start: 1n, end: 2n }), -EINVAL);
      assert.equal(dmop(t, 'q', I.XEN_DMOP_unmap_io_range_from_ioreq_server, { id: 0, type, start: 1n, end: 2n }), -EINVAL);
    }
    assert.equal(dmop(t, 'q', I.XEN_DMOP_unmap_io_range_from_ioreq_server, { id: 0, type: 2, start: 0x100n, end: 0x1ffn }), 0);
    assert.deepEqual(s.range.map((r) => r.ranges.length), [1, 1, 0]);
    assert.equal(dmop(t, 'q', I.XEN_DMOP_unmap_io_range_from_ioreq_server, { id: 0, type: 2, start: 0x100n, end: 0x1ffn }), -ENOENT, 'gone');
  });

  it('map_mem_type: any type but HVMMEM_ioreq_server, or any flag but WRITE, is -EINVAL before the lookup (ioreq.c:962-966)', () => {
    const t = Rec.make('4.21', 'flat', 1);
    t.addDm('q', 'qemu', 0, G);
    assert.equal(dmop(t, 'q', I.XEN_DMOP_map_mem_type_to_ioreq_server, { id: 5, type: 4, flags: 2 }), -EINVAL);
    assert.equal(dmop(t, 'q', I.XEN_DMOP_map_mem_type_to_ioreq_server, { id: 5, type: I.HVMMEM_ioreq_server, flags: 3 }), -EINVAL);
    assert.equal(dmop(t, 'q', I.XEN_DMOP_map_mem_type_to_ioreq_server, { id: 5, type: I.HVMMEM_ioreq_server, flags: 4 }), -EINVAL);
    assert.equal(dmop(t, 'q', I.XEN_DMOP_map_mem_type_to_ioreq_server, { id: 5, type: I.HVMMEM_ioreq_server, flags: 0 }), -ENOENT);
    assert.equal(dmop(t, 'q', I.XEN_DMOP_map_mem_type_to_ioreq_server, { id: 5, type: I.HVMMEM_ioreq_server, flags: 2 }), -ENOENT);
  });

  it('create: bufioreq_handling negative is -EINVAL, 0..2 are taken and kept (ioreq.c:650-654); the DMOP hands back the id', () => {
    const t = Rec.make('4.21', 'flat', 1);
    t.addDm('q', 'qemu', 0, G);
    assert.equal(dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: -1 }), -EINVAL);
    assert.equal(t.domain(G).x421.server[0], null);
    for (const b of [2, 1, 0]) {
      const op: I.XenDmOp = { op: I.XEN_DMOP_create_ioreq_server, u: { handle_bufioreq: b } };
      assert.equal(t.dmOp('q', op).value, 0);
      assert.equal(t.domain(G).x421.server[op.u.id!]!.bufioreq_handling, b);
    }
    assert.deepEqual([0, 1, 2].map((i) => t.domain(G).x421.server[i]!.id), [0, 1, 2]);
    const bad: I.XenDmOp = { op: I.XEN_DMOP_create_ioreq_server, u: { handle_bufioreq: 7 } };
    assert.equal(t.dmOp('q', bad).value, -EINVAL);
    assert.equal(bad.u.id, undefined, 'a failed create writes no id back');
  });

  it('get_info: the buffered gfn and port only for a buffered server; the ioreq gfn only when gfns are asked for (ioreq.c:765-786)', () => {
    const t = Rec.make('4.21', 'flat', 1);
    t.addDm('q', 'qemu', 0, G);
    dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 0 });
    dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 1 });
    const off: I.XenDmOp = { op: 2, u: { id: 0 } };
    assert.equal(t.dmOp('q', off).value, 0);
    const s0 = t.domain(G).x421.server[0]!;
    assert.equal(off.u.ioreq_gfn, s0.ioreq.gfn);
    assert.notEqual(off.u.ioreq_gfn, undefined);
    assert.equal(off.u.bufioreq_gfn, undefined);
    assert.equal(off.u.bufioreq_port, undefined);
    const buf: I.XenDmOp = { op: 2, u: { id: 1, flags: I.XEN_DMOP_no_gfns } };
    assert.equal(t.dmOp('q', buf).value, 0);
    const s1 = t.domain(G).x421.server[1]!;
    assert.equal(buf.u.ioreq_gfn, undefined);
    assert.equal(buf.u.bufioreq_gfn, undefined);
    assert.equal(buf.u.bufioreq_port, s1.bufioreq_evtchn);
    assert.ok(s1.bufioreq_evtchn > 0);
    const both: I.XenDmOp = { op: 2, u: { id: 1 } };
    assert.equal(t.dmOp('q', both).value, 0);
    assert.equal(both.u.bufioreq_gfn, s1.bufioreq.gfn);
    assert.equal(both.u.ioreq_gfn, s1.ioreq.gfn);
  });
});

describe('4.21 ioreq.c (mutation): what the ioreq code records, in Xen\'s order', () => {
  it('QEMU start-up: create (vcpu 0 port, its buffered port, vcpu 1 port), both pages from the domheap, enable writes vp_eport newest vcpu first (list_add, ioreq.c:401, 553-556)', () => {
    const t = Rec.make('4.21', 'flat', 2);
    const n = t.m.x.events.length;
    qemu(t, [[I.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3ffn], [I.XEN_DMOP_IO_RANGE_PCI, 0x18n, 0x18n]]);
    const ev = ioreqEvents(t, n);
    assert.deepEqual(ev.map((e) => `${e.fn} ${e.kind}`), [
      'ioreq_server_create domain_pause', 'ioreq_server_create server_create', 'ioreq_server_create domain_unpause',
      'ioreq_server_alloc_mfn page_map', 'ioreq_server_alloc_mfn page_map',
      'ioreq_server_set_state domain_pause', 'ioreq_server_enable server_enable', 'ioreq_server_update_evtchn slot_write', 'ioreq_server_update_evtchn slot_write', 'ioreq_server_set_state domain_unpause',
      'ioreq_server_map_io_range range_map', 'ioreq_server_map_io_range range_map',
    ]);
    const s = t.domain(G).x421.server[0]!;
    const [p0, p1] = [0, 1].map((k) => s.ioreq_vcpu_list.find((sv) => sv.vcpu.vcpu_id === k)!.ioreq_evtchn);
    assert.ok(p0 < s.bufioreq_evtchn && s.bufioreq_evtchn < p1, 'ioreq_server_add_vcpu: vcpu 0 port, then the buffered port on vcpu 0, then vcpu 1');
    const named = ev.filter((e) => !e.kind.startsWith('domain_'));
    assert.deepEqual(named, [
      { kind: 'server_create', fn: 'ioreq_server_create', domid: 1, after: { id: 0, emulator: 0, bufioreq_handling: 2 }, text: 'd1 ioreq server 0 created by d0 (bufioreq ATOMIC)' },
      { kind: 'page_map', fn: 'ioreq_server_alloc_mfn', domid: 1, detail: { server: 0, buf: false }, text: 'd1 server 0: ioreq page allocated from the domheap (cleared)' },
      { kind: 'page_map', fn: 'ioreq_server_alloc_mfn', domid: 1, detail: { server: 0, buf: true }, text: 'd1 server 0: bufioreq page allocated from the domheap (cleared)' },
      { kind: 'server_enable', fn: 'ioreq_server_enable', domid: 1, detail: { server: 0 }, text: 'd1 server 0 enabled' },
      { kind: 'slot_write', fn: 'ioreq_server_update_evtchn', domid: 1, vcpu: 1, detail: { server: 0, vp_eport: p1 }, text: `d1v1 server 0: vp_eport = ${p1}` },
      { kind: 'slot_write', fn: 'ioreq_server_update_evtchn', domid: 1, vcpu: 0, detail: { server: 0, vp_eport: p0 }, text: `d1v0 server 0: vp_eport = ${p0}` },
      { kind: 'range_map', fn: 'ioreq_server_map_io_range', domid: 1, detail: { server: 0, type: 'port', start: '0x3f8', end: '0x3ff' }, text: 'd1 server 0: port 0x3f8-0x3ff mapped' },
      { kind: 'range_map', fn: 'ioreq_server_map_io_range', domid: 1, detail: { server: 0, type: 'pci', start: '0x18', end: '0x18' }, text: 'd1 server 0: pci 0x18-0x18 mapped' },
    ]);
    assert.equal(A.readIoreq(s.ioreq.va!, A.ioreqOffset(1)).vp_eport, p1);
    assert.equal(A.readIoreq(s.ioreq.va!, A.ioreqOffset(0)).vp_eport, p0);
    // LEGACY and OFF say so in the create record.
    const u = Rec.make('4.21', 'flat', 1);
    u.addDm('q', 'qemu', 0, G);
    const m = u.m.x.events.length;
    dmop(u, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 1 });
    dmop(u, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 0 });
    assert.deepEqual(ioreqEvents(u, m).filter((e) => e.kind === 'server_create').map((e) => e.text),
      ['d1 ioreq server 0 created by d0 (bufioreq LEGACY)', 'd1 ioreq server 1 created by d0 (bufioreq OFF)']);
  });

  it('a port read: ioreq_send copies, then READY (ioreq.c:1282-1302); wait_for_io takes IORESP_READY back to NONE (ioreq.c:180-183); a buffered 8-byte write moves write_pointer by 2', () => {
    const t = Rec.make('4.21', 'flat', 2);
    qemu(t, [[I.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3ffn]]);
    const n = t.m.x.events.length;
    t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
    t.serve('qemu', 0, { data: 0x5an });
    t.resume(G, 0);
    t.pio(G, 1, 0x3f9, 1, A.IOREQ_WRITE, 0x41n);
    t.sendBuffered(G, 0, 0, wr(0xa0000n, 8, 0x1122334455667788n));
    t.sendBuffered(G, 0, 0, wr(0xa0008n, 2, 0x33n));
    assert.deepEqual(ioreqEvents(t, n), [
      { kind: 'ioreq_send', fn: 'ioreq_send', domid: 1, vcpu: 0, detail: { server: 0, type: 'IOREQ_TYPE_PIO', addr: '0x3f8', size: 1, dir: 1, data: '0x0' }, text: 'd1v0 -> server 0: IOREQ_TYPE_PIO read 0x3f8 size 1' },
      { kind: 'slot_state', fn: 'ioreq_send', domid: 1, vcpu: 0, before: 'STATE_IOREQ_NONE', after: 'STATE_IOREQ_READY', text: 'd1v0 slot STATE_IOREQ_NONE -> STATE_IOREQ_READY' },
      { kind: 'slot_state', fn: 'wait_for_io', domid: 1, vcpu: 0, before: 'STATE_IORESP_READY', after: 'STATE_IOREQ_NONE', text: 'd1v0 slot STATE_IORESP_READY -> STATE_IOREQ_NONE' },
      { kind: 'ioreq_send', fn: 'ioreq_send', domid: 1, vcpu: 1, detail: { server: 0, type: 'IOREQ_TYPE_PIO', addr: '0x3f9', size: 1, dir: 0, data: '0x41' }, text: 'd1v1 -> server 0: IOREQ_TYPE_PIO write 0x3f9 size 1 data 0x41' },
      { kind: 'slot_state', fn: 'ioreq_send', domid: 1, vcpu: 1, before: 'STATE_IOREQ_NONE', after: 'STATE_IOREQ_READY', text: 'd1v1 slot STATE_IOREQ_NONE -> STATE_IOREQ_READY' },
      { kind: 'buffered_write', fn: 'ioreq_send_buffered', domid: 1, before: 0, after: 2, detail: { server: 0, addr: '0xa0000', size: 8, data: '0x1122334455667788' }, text: 'd1 server 0 buffered IOREQ_TYPE_COPY 0xa0000 size 8 data 0x1122334455667788: write_pointer 0 -> 2' },
      { kind: 'buffered_write', fn: 'ioreq_send_buffered', domid: 1, before: 2, after: 3, detail: { server: 0, addr: '0xa0008', size: 2, data: '0x33' }, text: 'd1 server 0 buffered IOREQ_TYPE_COPY 0xa0008 size 2 data 0x33: write_pointer 2 -> 3' },
    ]);
  });

  it('unmap, disable, destroy (ioreq.c:894-944, 561-574, 702-742): each recorded once, the target paused around disable and destroy', () => {
    const t = Rec.make('4.21', 'flat', 1);
    qemu(t, [[I.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3ffn], [I.XEN_DMOP_IO_RANGE_MEMORY, 0xa0000n, 0xbffffn]]);
    const n = t.m.x.events.length;
    assert.equal(dmop(t, 'qemu', I.XEN_DMOP_unmap_io_range_from_ioreq_server, { id: 0, type: 1, start: 0xa0000n, end: 0xa0fffn }), 0);
    assert.equal(dmop(t, 'qemu', I.XEN_DMOP_set_ioreq_server_state, { id: 0, enabled: 0 }), 0);
    assert.equal(dmop(t, 'qemu', I.XEN_DMOP_set_ioreq_server_state, { id: 0, enabled: 0 }), 0, 'disabling a disabled server: nothing to do');
    assert.equal(dmop(t, 'qemu', I.XEN_DMOP_destroy_ioreq_server, { id: 0 }), 0);
    assert.deepEqual(ioreqEvents(t, n).filter((e) => !e.kind.startsWith('domain_')), [
      { kind: 'range_unmap', fn: 'ioreq_server_unmap_io_range', domid: 1, detail: { server: 0, type: 'memory', start: '0xa0000', end: '0xa0fff' }, text: 'd1 server 0: memory 0xa0000-0xa0fff unmapped' },
      { kind: 'server_disable', fn: 'ioreq_server_disable', domid: 1, detail: { server: 0 }, text: 'd1 server 0 disabled' },
      { kind: 'server_destroy', fn: 'ioreq_server_destroy', domid: 1, detail: { server: 0 }, text: 'd1 ioreq server 0 destroyed' },
    ]);
    assert.deepEqual(ioreqEvents(t, n).filter((e) => e.kind.startsWith('domain_')).map((e) => `${e.fn} ${e.kind}`), [
      'ioreq_server_set_state domain_pause', 'ioreq_server_set_state domain_unpause', 'ioreq_server_set_state domain_pause', 'ioreq_server_set_state domain_unpause',
      'ioreq_server_destroy domain_pause', 'ioreq_server_destroy domain_unpause']);
    assert.equal(t.domain(G).pause_count, 0);
  });

  it('the guest\'s teardown: ioreq_server_destroy_all destroys each server, newest first, without pausing (ioreq.c:1071-1098)', () => {
    const t = Rec.make('4.21', 'flat', 1);
    qemu(t, [[0, 0x3f8n, 0x3ffn]]);
    qemu(t, [[0, 0x2f8n, 0x2ffn]], 'q2');
    dmop(t, 'q2', I.XEN_DMOP_set_ioreq_server_state, { id: 1, enabled: 0 });
    const n = t.m.x.events.length;
    t.kill(G);
    assert.deepEqual(ioreqEvents(t, n).filter((e) => e.fn === 'ioreq_server_destroy_all' || e.kind === 'server_disable'), [
      { kind: 'server_destroy', fn: 'ioreq_server_destroy_all', domid: 1, detail: { server: 1 }, text: 'd1 ioreq server 1 destroyed with its domain' },
      { kind: 'server_disable', fn: 'ioreq_server_disable', domid: 1, detail: { server: 0 }, text: 'd1 server 0 disabled' },
      { kind: 'server_destroy', fn: 'ioreq_server_destroy_all', domid: 1, detail: { server: 0 }, text: 'd1 ioreq server 0 destroyed with its domain' },
    ]);
    assert.deepEqual(t.domain(G).x421.server, [null, null, null, null, null, null, null, null]);
  });

  it('with events off (the explorer) none of this is recorded, and the states still change', () => {
    const t = Rec.make('4.21', 'flat', 1);
    t.m.x.on = false;
    const n = t.m.x.events.length;
    qemu(t, [[0, 0x3f8n, 0x3ffn], [1, 0xa0000n, 0xbffffn]]);
    t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
    t.serve('qemu', 0, { data: 1n });
    t.resume(G, 0);
    for (let k = 0; k < 512; k++) t.sendBuffered(G, 0, 0, wr(0xa0000n, 1, 1n));
    dmop(t, 'qemu', I.XEN_DMOP_unmap_io_range_from_ioreq_server, { id: 0, type: 0, start: 0x3f8n, end: 0x3f8n });
    dmop(t, 'qemu', I.XEN_DMOP_set_ioreq_server_state, { id: 0, enabled: 0 });
    dmop(t, 'qemu', I.XEN_DMOP_destroy_ioreq_server, { id: 0 });
    qemu(t, [[0, 0x3f8n, 0x3ffn]]);
    t.kill(G);
    assert.equal(t.m.x.events.length, n);
    assert.equal(t.domain(G).x421.server[0], null);
  });
});

const portFree = (t: Driver421, p: number) => { const c = t.domain(G).evtchn.ports[p]; return !c || c.state === 0; };

describe('4.21 ioreq.c (mutation): failure paths undo what they did, in order', () => {
  it('ioreq_server_add_vcpu fail3: the buffered port cannot be had, so vcpu 0\'s ioreq port is freed again (ioreq.c:385-391, 404-408)', () => {
    const t = Rec.make('4.21', 'flat', 1);
    t.addDm('q', 'qemu', 0, G);
    const ports = t.domain(G).evtchn.ports.length;
    t.m.x.faults.evtchn = 1; // vcpu 0's port is allocation 0, the buffered port allocation 1
    assert.equal(dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 2 }), -ENOSPC);
    assert.ok(t.domain(G).evtchn.ports.length > ports, 'two ports were taken');
    for (let p = ports; p < t.domain(G).evtchn.ports.length; p++) assert.ok(portFree(t, p), `port ${p} freed`);
    assert.equal(t.domain(G).x421.server[0], null);
    assert.equal(t.domain(G).pause_count, 0);
    assert.equal(t.domain(0).x421.refcnt, 0, 'fail_add dropped the emulator reference');
    assert.equal(dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 2 }), 0, 'the slot and the ports can be had again');
  });

  it('ioreq_server_init fail_add: vcpu 1\'s port fails, so vcpu 0 leaves the server with both its ports (ioreq.c:611-617, 441-465)', () => {
    const t = Rec.make('4.21', 'flat', 2);
    t.addDm('q', 'qemu', 0, G);
    const first = t.domain(G).evtchn.ports.length;
    t.m.x.faults.evtchn = 2; // v0 port, buffered port, then v1's port fails
    assert.equal(dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 1 }), -ENOSPC);
    assert.ok(portFree(t, first) && portFree(t, first + 1), 'vcpu 0\'s port and the buffered port are closed');
    assert.equal(t.domain(G).x421.server[0], null);
    const op: I.XenDmOp = { op: 1, u: { handle_bufioreq: 1 } };
    assert.equal(t.dmOp('q', op).value, 0);
    const s = t.domain(G).x421.server[0]!;
    assert.equal(s.ioreq_vcpu_list.length, 2);
    assert.equal(s.ioreq_vcpu_list.find((sv) => sv.vcpu.vcpu_id === 0)!.ioreq_evtchn, first, 'the freed ports are handed out again');
  });

  it('ioreq_server_alloc_pages: the buffered page failing frees the ioreq page (ioreq.c:467-480); a failed map leaves no page (ioreq.c:283-291)', () => {
    const t = Rec.make('4.21', 'flat', 1);
    t.addDm('q', 'qemu', 0, G);
    dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 2 });
    t.dm('q').ioservid = 0;
    const s = t.domain(G).x421.server[0]!;
    t.m.x.faults.xzalloc = 1; // the ioreq page is allocation 0, the buffered page 1
    assert.equal(t.acquire('q', 1, 1).value, -ENOMEM);
    assert.equal(s.ioreq.page, null);
    assert.equal(s.ioreq.va, null);
    assert.equal(s.bufioreq.page, null);
    assert.deepEqual(s.how, [null, null]);
    t.m.x.faults.map = 0;
    assert.equal(t.acquire('q', 1, 1).value, -ENOMEM);
    assert.equal(s.ioreq.page, null);
    t.m.x.faults.xzalloc = 0;
    assert.equal(t.acquire('q', 1, 1).value, -ENOMEM);
    assert.equal(s.ioreq.page, null);
    assert.equal(t.acquire('q', 1, 1).value, 0);
    const page = s.ioreq.page!;
    assert.equal(page.xen_maps, 1, 'mapped once globally by Xen');
    assert.deepEqual(s.how, ['resource', 'resource']);
    assert.equal(t.acquire('q', 1, 1).value, 0, 'a second acquire finds the pages there (ioreq.c:271-276)');
    assert.equal(s.ioreq.page, page);
    assert.equal(page.xen_maps, 1);
    assert.equal(dmop(t, 'q', I.XEN_DMOP_destroy_ioreq_server, { id: 0 }), 0);
    assert.equal(page.xen_maps, 0, 'ioreq_server_free_mfn unmapped it (ioreq.c:309-324)');
    assert.equal(s.ioreq.va, null);
    assert.equal(s.bufioreq.va, null);
    assert.deepEqual(s.how, [null, null]);
  });

  it('OFF servers have no buffered page: alloc_pages allocates the ioreq page only', () => {
    const t = Rec.make('4.21', 'flat', 1);
    t.addDm('q', 'qemu', 0, G);
    dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 0 });
    t.dm('q').ioservid = 0;
    assert.equal(t.acquire('q', 1, 1).value, 0);
    const s = t.domain(G).x421.server[0]!;
    assert.ok(s.ioreq.page);
    assert.equal(s.bufioreq.page, null);
    assert.deepEqual(s.how, ['resource', null]);
  });

  it('ioreq_server_add_vcpu_all: a new vcpu joins every server; when one fails it leaves those it joined (ioreq.c:1023-1056); remove_vcpu_all frees its ports (1058-1069)', () => {
    const t = Rec.make('4.21', 'flat', 1);
    t.addDm('q', 'qemu', 0, G);
    dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 1 });
    dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 0 });
    dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 0 });
    const d = t.domain(G);
    const v = new X.Vcpu(d, 1);
    d.vcpu.push(v);
    const hvm = flat(t);
    const joined = (k: number) => d.x421.server[k]!.ioreq_vcpu_list.filter((sv) => sv.vcpu === v).length;
    t.m.x.faults.evtchn = 2; // servers 2 and 1 (newest first) get their port, server 0's fails
    const n = d.evtchn.ports.length;
    assert.equal(t.run('toolstack', null, () => hvm.ioreqServerAddVcpuAll(d, v)).value, -ENOSPC);
    assert.deepEqual([0, 1, 2].map(joined), [0, 0, 0]);
    for (let p = n; p < d.evtchn.ports.length; p++) assert.ok(portFree(t, p), `port ${p}`);
    assert.equal(t.run('toolstack', null, () => hvm.ioreqServerAddVcpuAll(d, v)).value, 0);
    assert.deepEqual([0, 1, 2].map(joined), [1, 1, 1]);
    assert.equal(d.x421.server[0]!.ioreq_vcpu_list[0].vcpu, v, 'list_add: the new vcpu heads each list');
    const v0 = d.vcpu[0];
    const buf = d.x421.server[0]!.bufioreq_evtchn;
    const own = [0, 1, 2].map((k) => d.x421.server[k]!.ioreq_vcpu_list.find((sv) => sv.vcpu === v0)!.ioreq_evtchn);
    t.run('toolstack', null, () => hvm.ioreqServerRemoveVcpuAll(d, v0));
    assert.deepEqual([0, 1, 2].map((k) => d.x421.server[k]!.ioreq_vcpu_list.map((sv) => sv.vcpu.vcpu_id)), [[1], [1], [1]]);
    for (const p of [...own, buf]) assert.ok(portFree(t, p), `vcpu 0's port ${p} (and server 0's buffered port) closed`);
    t.run('toolstack', null, () => hvm.ioreqServerRemoveVcpuAll(d, v0));
    assert.deepEqual([0, 1, 2].map((k) => d.x421.server[k]!.ioreq_vcpu_list.length), [1, 1, 1], 'a vcpu in no list: nothing happens');
    t.run('toolstack', null, () => hvm.ioreqServerRemoveVcpuAll(d, v));
    assert.deepEqual([0, 1, 2].map((k) => d.x421.server[k]!.ioreq_vcpu_list.length), [0, 0, 0]);
  });
});

describe('4.21 ioreq.c (mutation): wait_for_io (ioreq.c:154-209) and its history', () => {
  /** A guest whose vcpu 0 waits on QEMU's port read (x86) or a virtio MMIO read (Arm); pg is the ioreq page. */
  function waiting(profile: '4.21' | '4.21-arm', build: Build = 'flat', reverts: string[] = []) {
    const t = Rec.make(profile, build, 1);
    t.m.x.reverts = new Set(reverts);
    if (profile === '4.21') {
      qemu(t, [[0, 0x3f8n, 0x3ffn]]);
      t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
    } else {
      t.addDm('qemu', 'virtio', 0, G);
      assert.equal(t.dmInit('qemu').value, 0);
      t.armMmio(G, 0, { gpa: 0x2000000n, size: 2, write: 0, sign: 0 });
    }
    const s = t.domain(G).x421.server[0]!;
    return { t, pg: s.ioreq.va!, s, sv: s.ioreq_vcpu_list[0] };
  }
  const wake = (t: Driver421) => { t.vcpu(G, 0).pause_flags.blocked_in_xen = false; };

  it('READY: the vcpu blocks on its ioreq port and stays pending (wait_on_xen_event_channel, ioreq.c:193-197)', () => {
    const { t, sv } = waiting('4.21');
    wake(t);
    const n = t.m.x.events.length;
    assert.equal(t.resume(G, 0).value, DESCHEDULED);
    assert.deepEqual(t.m.x.events.slice(n).filter((e) => e.kind === 'vcpu_block').map(({ seq: _s, actor: _a, ...e }) => e), [
      { kind: 'vcpu_block', fn: 'wait_on_xen_event_channel', domid: 1, vcpu: 0, detail: { port: sv.ioreq_evtchn }, text: `d1v0 waits on port ${sv.ioreq_evtchn}` }]);
    assert.equal(t.vcpu(G, 0).pause_flags.blocked_in_xen, true);
    assert.equal(sv.pending, true);
  });

  it('a state past IORESP_READY: "Weird HVM iorequest state N", the server entry no longer pending, the domain crashed (ioreq.c:199-205)', () => {
    for (const st of [4, 9]) {
      const { t, pg, sv } = waiting('4.21');
      A.setState(pg, A.ioreqOffset(0), st);
      wake(t);
      assert.equal(t.resume(G, 0).value, CRASHED);
      assert.equal(t.m.x.console.filter((l) => l.fn === 'wait_for_io').map((l) => l.text).join('|'), `Weird HVM iorequest state ${st}`);
      assert.equal(sv.pending, false);
      assert.deepEqual([t.domain(G).crashed?.fn, t.domain(G).crashed?.reason], ['wait_for_io', `Weird HVM iorequest state ${st}`], 'domain_crash(v->domain) in wait_for_io');
    }
  });

  it('Arm, a state moving back (INPROCESS then READY): the forward-only check of 92938e5d14 crashes; with it reverted the vcpu just waits on', () => {
    for (const revert of [false, true]) {
      const { t, pg, sv } = waiting('4.21-arm', 'flat', revert ? ['92938e5d14'] : []);
      assert.equal(t.resume(G, 0).value, DESCHEDULED);
      A.setState(pg, A.ioreqOffset(0), A.STATE_IOREQ_INPROCESS);
      wake(t);
      assert.equal(t.resume(G, 0).value, DESCHEDULED);
      A.setState(pg, A.ioreqOffset(0), A.STATE_IOREQ_READY);
      wake(t);
      assert.equal(t.resume(G, 0).value, revert ? DESCHEDULED : CRASHED, `reverted ${revert}`);
      assert.equal(sv.pending, revert);
      assert.equal(t.m.x.console.some((l) => l.text === 'Weird HVM ioreq state transition 2 -> 1'), !revert);
      if (revert) {
        assert.equal(t.serve('qemu', 0, { data: 0x77n }).value, 1);
        assert.equal(t.resume(G, 0).value, RESUMED, 'the answer still completes the access');
        assert.equal(t.vcpu(G, 0).rax & 0xffffn, 0x77n);
      }
    }
  });

  it('with XSA-166\'s fix (b452430a4c) reverted a normal round trip still completes; a state changed between the bounds check and the jump is a jump past the table (Xen panics)', () => {
    for (const build of ['flat', 'stepped'] as Build[]) {
      const { t } = waiting('4.21', build, ['b452430a4c']);
      assert.equal(t.serve('qemu', 0, { data: 0x5an }).value, 1);
      assert.equal(t.resume(G, 0).value, RESUMED, build);
      assert.equal(t.vcpu(G, 0).rax & 0xffn, 0x5an);
    }
    const { t, pg } = waiting('4.21', 'stepped', ['b452430a4c']);
    t.serve('qemu', 0, { data: 0x5an });
    let moved = false;
    const r = t.resumeStepped(G, 0, (top) => {
      if (!moved && top.fn === 'wait_for_io' && top.at === 'bounds') { A.setState(pg, A.ioreqOffset(0), 9); moved = true; }
    });
    assert.ok(moved);
    assert.match(r.panic ?? '', /bounds check read 3, the jump table's index read 9/);
    assert.equal(t.m.x.panic?.fn, 'wait_for_io');
  });

  it('with XSA-262\'s fix (92938e5d14) reverted on x86 the loop reads p->state again at its head after a change: READY -> IORESP_READY completes in one run', () => {
    for (const build of ['flat', 'stepped'] as Build[]) {
      const { t } = waiting('4.21', build, ['92938e5d14']);
      t.serve('qemu', 0, { data: 0x33n });
      assert.equal(t.resume(G, 0).value, RESUMED, build);
      assert.equal(t.vcpu(G, 0).rax & 0xffn, 0x33n);
    }
  });
});

describe('4.21 ioreq.c (mutation): ioreq_send_buffered (ioreq.c:1156-1247)', () => {
  function ring(mode: number) {
    const t = Rec.make('4.21', 'flat', 1);
    qemu(t, [[1, 0xa0000n, 0xbffffn]], 'qemu', mode);
    return { t, pg: t.domain(G).x421.server[0]!.bufioreq.va! };
  }
  it('each size has its code (1, 2, 4, 8 -> 0..3); data is cut to 32 bits, an 8-byte write puts its high half in the next slot', () => {
    const { t, pg } = ring(I.HVM_IOREQSRV_BUFIOREQ_ATOMIC);
    const sizes = [1, 2, 4, 8];
    for (const size of sizes) assert.equal(t.sendBuffered(G, 0, 0, { ...wr(0xa1234n, size, 0x1122334455667788n), dir: A.IOREQ_WRITE }).value, 0, `size ${size}`);
    const slots = [0, 1, 2, 3, 4].map((k) => A.readBufIoreq(pg, A.bufSlotOffset(k)));
    assert.deepEqual(slots.map((b) => b.size), [0, 1, 2, 3, 3]);
    assert.deepEqual(slots.map((b) => b.data), [0x55667788, 0x55667788, 0x55667788, 0x55667788, 0x11223344]);
    assert.deepEqual(slots.map((b) => b.addr), [0xa1234, 0xa1234, 0xa1234, 0xa1234, 0xa1234]);
    assert.deepEqual(slots.map((b) => b.type), [A.IOREQ_TYPE_COPY, A.IOREQ_TYPE_COPY, A.IOREQ_TYPE_COPY, A.IOREQ_TYPE_COPY, A.IOREQ_TYPE_COPY]);
    assert.equal(A.readBufPointers(pg).write_pointer, 5);
  });
  it('limits: addr 0xfffff is still buffered, 0x100000 not; count 0 or data_is_ptr go the synchronous way (UNHANDLED)', () => {
    const { t } = ring(I.HVM_IOREQSRV_BUFIOREQ_LEGACY);
    assert.equal(t.sendBuffered(G, 0, 0, wr(0xfffffn, 1, 1n)).value, 0);
    assert.equal(t.sendBuffered(G, 0, 0, wr(0x100000n, 1, 1n)).value, 1);
    assert.equal(t.sendBuffered(G, 0, 0, { ...wr(0xa0000n, 1, 1n), count: 0 }).value, 1);
    assert.equal(t.sendBuffered(G, 0, 0, { ...wr(0xa0000n, 1, 1n), data_is_ptr: 1 }).value, 1);
    for (const size of [0, 3, 16]) assert.equal(t.sendBuffered(G, 0, 0, wr(0xa0000n, size, 1n)).value, 1, `size ${size}`);
    assert.deepEqual(t.m.x.console.filter((l) => l.fn === 'ioreq_send_buffered').map((l) => `${l.level} ${l.text}`),
      ['XENLOG_WARNING unexpected ioreq size: 0', 'XENLOG_WARNING unexpected ioreq size: 3', 'XENLOG_WARNING unexpected ioreq size: 16']);
  });
  it('full: an 8-byte write needs two free slots (used >= 511 - 1 at 510 used), a 1-byte one fits; the refusal is recorded', () => {
    const { t, pg } = ring(I.HVM_IOREQSRV_BUFIOREQ_ATOMIC);
    pg.setUint32(0, 1000, true); pg.setUint32(4, 1510, true); // 510 used, canonical enough for the test
    const n = t.m.x.events.length;
    assert.equal(t.sendBuffered(G, 0, 0, wr(0xa0000n, 8, 1n)).value, 1);
    assert.deepEqual(t.m.x.events.slice(n).filter((e) => e.kind === 'buffered_full').map(({ seq: _s, actor: _a, ...e }) => e), [
      { kind: 'buffered_full', fn: 'ioreq_send_buffered', domid: 1, detail: { server: 0, read_pointer: 1000, write_pointer: 1510 }, text: 'd1 server 0 buffered ring full (510 used): synchronous path' }]);
    assert.equal(t.sendBuffered(G, 0, 0, wr(0xa0000n, 1, 1n)).value, 0);
    assert.deepEqual(A.readBufPointers(pg), { read_pointer: 1000 - 511, write_pointer: 1511 - 511 }, 'ATOMIC: both pulled back by 511 once');
    assert.equal(t.sendBuffered(G, 0, 0, wr(0xa0000n, 1, 1n)).value, 1, '511 used: full for one slot too');
  });
  it('ATOMIC canonicalises by whole multiples of 511 (read_pointer 3*511+3 -> 3); LEGACY leaves the pointers; the buffered port is notified either way', () => {
    for (const mode of [I.HVM_IOREQSRV_BUFIOREQ_ATOMIC, I.HVM_IOREQSRV_BUFIOREQ_LEGACY]) {
      const { t, pg } = ring(mode);
      const s = t.domain(G).x421.server[0]!;
      pg.setUint32(0, 3 * 511 + 3, true); pg.setUint32(4, 3 * 511 + 3, true);
      const n = t.m.x.events.length;
      assert.equal(t.sendBuffered(G, 0, 0, wr(0xa0000n, 4, 1n)).value, 0);
      assert.deepEqual(A.readBufPointers(pg), mode === I.HVM_IOREQSRV_BUFIOREQ_ATOMIC ? { read_pointer: 3, write_pointer: 4 } : { read_pointer: 3 * 511 + 3, write_pointer: 3 * 511 + 4 });
      assert.ok(t.m.x.events.slice(n).some((e) => e.kind === 'evtchn_notify' && (e.detail as { port: number }).port === s.bufioreq_evtchn), 'notify_via_xen_event_channel(bufioreq_evtchn)');
      const under = ring(mode);
      under.pg.setUint32(0, 510, true); under.pg.setUint32(4, 510, true);
      under.t.sendBuffered(G, 0, 0, wr(0xa0000n, 4, 1n));
      assert.deepEqual(A.readBufPointers(under.pg), { read_pointer: 510, write_pointer: 511 }, 'read_pointer below 511: nothing to pull back');
    }
  });
});

describe('4.21 ioreq.c (mutation): ioreq_broadcast and the map-cache (ioreq.c:36-59, 1313-1330)', () => {
  it('a synchronous broadcast reaches every enabled server, buffered or not, skips disabled ones, and counts the refusals', () => {
    const t = Rec.make('4.21', 'flat', 1);
    qemu(t, [[0, 0x3f8n, 0x3ffn]], 'qemu', 0);
    qemu(t, [[0, 0x2f8n, 0x2ffn]], 'q1', 2);
    qemu(t, [[0, 0x3e8n, 0x3efn]], 'q2', 1);
    dmop(t, 'q2', I.XEN_DMOP_set_ioreq_server_state, { id: 2, enabled: 0 });
    const d = t.domain(G);
    const slot = (id: number) => A.readIoreq(d.x421.server[id]!.ioreq.va!, A.ioreqOffset(0));
    assert.equal(t.decreaseReservation(G, 0, 0x100).value, 1);
    assert.equal(slot(0).type, A.IOREQ_TYPE_INVALIDATE, 'the OFF server gets the synchronous INVALIDATE');
    assert.equal(slot(1).type, A.IOREQ_TYPE_INVALIDATE);
    assert.equal(slot(2).state, A.STATE_IOREQ_NONE, 'disabled: skipped');
    assert.ok(!t.m.x.console.some((l) => l.text === 'Unsuccessful map-cache invalidate'));
    // A second flush while both slots are still READY: each ioreq_send refuses, both counted.
    const v = t.vcpu(G, 0);
    const p: A.Ioreq = { ...A.emptyIoreq(), type: A.IOREQ_TYPE_INVALIDATE, size: 4, dir: A.IOREQ_WRITE, data: 0xffffffffffffffffn };
    assert.equal(t.run('vcpu0', v, (i) => i.hvm.ioreqBroadcast(p, false)).value, 2);
    assert.equal(t.run('vcpu0', v, (i) => i.hvm.ioreqBroadcast({ ...p, count: 1 }, true)).value, 0, 'buffered: the OFF server skipped, the ring takes it');
    assert.equal(A.readBufPointers(d.x421.server[1]!.bufioreq.va!).write_pointer, 1);
    t.run('vcpu0', v, (i) => i.hvm.ioreqSignalMapcacheInvalidate());
    assert.deepEqual(t.m.x.console.filter((l) => l.fn === 'ioreq_signal_mapcache_invalidate').map((l) => `${l.level} ${l.text}`), ['XENLOG_ERR Unsuccessful map-cache invalidate']);
  });

  it('ioreq_request_mapcache_invalidate flags the current vcpu only for its own domain, and nothing with no vcpu running', () => {
    const t = Rec.make('4.21', 'flat', 1);
    const h = flat(t);
    const d = t.domain(G);
    const v = t.vcpu(G, 0);
    t.m.x.current = t.vcpu(0, 0);
    h.ioreqRequestMapcacheInvalidate(d);
    assert.equal(t.vcpu(0, 0).mapcache_invalidate, false);
    assert.equal(v.mapcache_invalidate, false);
    t.m.x.current = null;
    h.ioreqRequestMapcacheInvalidate(d);
    t.m.x.current = v;
    h.ioreqRequestMapcacheInvalidate(d);
    assert.equal(v.mapcache_invalidate, true);
  });
});

describe('4.21 ioreq.c (mutation): more conditions, each against its Xen line', () => {
  it('get_pending_vcpu / vcpu_ioreq_pending / domain_has_ioreq_server (ioreq.c:111-152): another vcpu\'s pending entry is not this vcpu\'s', () => {
    const t = Rec.make('4.21', 'flat', 2);
    const h = flat(t);
    const d = t.domain(G);
    assert.equal(h.domainHasIoreqServer(d), false);
    qemu(t, [[0, 0x3f8n, 0x3ffn]]);
    assert.equal(h.domainHasIoreqServer(d), true);
    t.pio(G, 1, 0x3f8, 1, A.IOREQ_READ);
    assert.equal(h.vcpuIoreqPending(t.vcpu(G, 1)), true);
    assert.equal(h.vcpuIoreqPending(t.vcpu(G, 0)), false);
    assert.equal(h.getPendingVcpu(t.vcpu(G, 0)), null);
    assert.equal(h.getPendingVcpu(t.vcpu(G, 1))!.sv.vcpu.vcpu_id, 1);
    assert.equal(t.run('vcpu0', t.vcpu(G, 0), (i) => i.hvm.vcpuIoreqHandleCompletion(t.vcpu(G, 0))).value, 0, 'nothing pending: done (true in C)');
  });

  it('ioreq_needs_completion (ioreq.h:76-81): READY, not data_is_ptr, and not a port write', () => {
    const h = flat(Rec.make('4.21', 'flat', 1));
    const p = (type: number, dir: number, extra: Partial<A.Ioreq> = {}): A.Ioreq => ({ ...A.emptyIoreq(), type, dir, state: A.STATE_IOREQ_READY, ...extra });
    assert.equal(h.ioreqNeedsCompletion(p(A.IOREQ_TYPE_PIO, A.IOREQ_READ)), true);
    assert.equal(h.ioreqNeedsCompletion(p(A.IOREQ_TYPE_PIO, A.IOREQ_WRITE)), false);
    assert.equal(h.ioreqNeedsCompletion(p(A.IOREQ_TYPE_COPY, A.IOREQ_WRITE)), true, 'an MMIO write still completes (the emulator may have retried)');
    assert.equal(h.ioreqNeedsCompletion(p(A.IOREQ_TYPE_COPY, A.IOREQ_READ, { data_is_ptr: 1 })), false);
    assert.equal(h.ioreqNeedsCompletion(p(A.IOREQ_TYPE_PIO, A.IOREQ_READ, { state: A.STATE_IOREQ_NONE })), false);
  });

  it('Arm: woken with the slot still READY is not a move back (state == prev_state is allowed, ioreq.c:166-172); the vcpu waits again', () => {
    const t = Rec.make('4.21-arm', 'flat', 1);
    t.addDm('v', 'virtio', 0, G);
    assert.equal(t.dmInit('v').value, 0);
    t.armMmio(G, 0, { gpa: 0x2000000n, size: 2, write: 0, sign: 0 });
    assert.equal(t.resume(G, 0).value, DESCHEDULED);
    t.vcpu(G, 0).pause_flags.blocked_in_xen = false;
    assert.equal(t.resume(G, 0).value, DESCHEDULED);
    assert.equal(t.domain(G).crashed, null);
    const s = t.domain(G).x421.server[0]!;
    A.setState(s.ioreq.va!, A.ioreqOffset(0), A.STATE_IOREQ_INPROCESS);
    t.vcpu(G, 0).pause_flags.blocked_in_xen = false;
    t.resume(G, 0);
    A.setState(s.ioreq.va!, A.ioreqOffset(0), A.STATE_IOREQ_READY);
    t.vcpu(G, 0).pause_flags.blocked_in_xen = false;
    assert.equal(t.resume(G, 0).value, CRASHED);
    assert.deepEqual(t.m.x.console.filter((l) => l.fn === 'wait_for_io').map((l) => `${l.level} ${l.text}`), ['XENLOG_ERR Weird HVM ioreq state transition 2 -> 1']);
    assert.deepEqual([t.domain(G).crashed?.fn, t.domain(G).crashed?.reason], ['wait_for_io', 'Weird HVM ioreq state transition 2 -> 1']);
  });

  it('the wait_for_io op: a step ends right after a read of the slot state and the next goes on from there with the same locals', () => {
    for (const build of ['flat', 'stepped'] as Build[]) {
      const t = Rec.make('4.21', build, 1);
      qemu(t, [[0, 0x3f8n, 0x3ffn]]);
      t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
      const v = t.vcpu(G, 0);
      v.pause_flags.blocked_in_xen = false;
      const sv = t.domain(G).x421.server[0]!.ioreq_vcpu_list[0];
      assert.equal(t.run('vcpu0', v, (i) => i.hvm.vcpuIoreqHandleCompletion(v, { left: 1 })).value, I.WAIT_PAUSED, build);
      assert.deepEqual([v.io.wait_at, v.io.wait_state, v.io.wait_prev, v.io.wait_server], [I.WAIT_AT_LOOP, A.STATE_IOREQ_READY, A.STATE_IOREQ_NONE, sv.ioreq_evtchn]);
      assert.equal(t.run('vcpu0', v, (i) => i.hvm.vcpuIoreqHandleCompletion(v, { left: 1 })).value, I.WAIT_PAUSED, 'one more read: the wait\'s condition, before the vcpu is marked blocked');
      assert.equal(v.io.wait_at, I.WAIT_AT_BLOCK);
      t.serve('qemu', 0, { data: 0x61n });
      v.pause_flags.blocked_in_xen = false;
      assert.equal(t.run('vcpu0', v, (i) => i.hvm.vcpuIoreqHandleCompletion(v, null)).value, I.WAIT_DONE);
      assert.equal(v.io.wait_at, 0);
      assert.equal(sv.pending, false);
      if (build === 'stepped') {
        assert.deepEqual(t.at('wait_for_io', 'go_on').map((s) => [s.locals.at, s.locals.state]), [[I.WAIT_AT_LOOP, A.STATE_IOREQ_READY], [I.WAIT_AT_BLOCK, A.STATE_IOREQ_READY]]);
        assert.equal(t.loc('wait_for_io', 'recheck', 0).state, A.STATE_IORESP_READY, 'the answer seen on the re-read after being marked blocked');
      }
    }
  });

  it('ioreq_server_add_vcpu: an allocation failure of the vcpu entry is -ENOMEM (ioreq.c:368-371); a vcpu joining an enabled server gets its vp_eport at once, a disabled one not (ioreq.c:403-404)', () => {
    const t = Rec.make('4.21', 'flat', 1);
    t.addDm('q', 'qemu', 0, G);
    t.m.x.faults.xzalloc = 2; // the server struct, its rangesets, then vcpu 0's entry
    assert.equal(dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 0 }), -ENOMEM);
    t.m.x.faults.xzalloc = 0;
    assert.equal(dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 0 }), -ENOMEM, 'the server struct itself (ioreq.c:659-661)');
    assert.equal(t.domain(G).pause_count, 0);
    qemu(t, [[0, 0x3f8n, 0x3ffn]], 'q1', 0);
    qemu(t, [[0, 0x2f8n, 0x2ffn]], 'q2', 0);
    dmop(t, 'q2', I.XEN_DMOP_set_ioreq_server_state, { id: 1, enabled: 0 });
    const d = t.domain(G);
    const v = new X.Vcpu(d, 1);
    d.vcpu.push(v);
    assert.equal(t.run('toolstack', null, (i) => i.hvm.ioreqServerAddVcpuAll(d, v)).value, 0);
    const port = (k: number) => d.x421.server[k]!.ioreq_vcpu_list.find((sv) => sv.vcpu === v)!.ioreq_evtchn;
    assert.equal(A.readIoreq(d.x421.server[0]!.ioreq.va!, A.ioreqOffset(1)).vp_eport, port(0));
    assert.equal(A.readIoreq(d.x421.server[1]!.ioreq.va!, A.ioreqOffset(1)).vp_eport, 0, 'disabled: written when enabled');
    dmop(t, 'q2', I.XEN_DMOP_set_ioreq_server_state, { id: 1, enabled: 1 });
    assert.equal(A.readIoreq(d.x421.server[1]!.ioreq.va!, A.ioreqOffset(1)).vp_eport, port(1));
  });

  it('removing vcpus frees the buffered port once, with vcpu 0 only; destroy and the guest\'s end leave no port, range or list behind (ioreq.c:413-465, 621-641)', () => {
    for (const build of ['flat', 'stepped'] as Build[]) {
      const t = Rec.make('4.21', build, 2);
      qemu(t, [[0, 0x3f8n, 0x3ffn], [1, 0xa0000n, 0xbffffn]], 'qemu', 1);
      const d = t.domain(G);
      const s = d.x421.server[0]!;
      const ports = [...s.ioreq_vcpu_list.map((sv) => sv.ioreq_evtchn), s.bufioreq_evtchn];
      const r = t.dmOp('qemu', { op: I.XEN_DMOP_destroy_ioreq_server, u: { id: 0 } });
      assert.equal(r.panic, undefined, build);
      assert.equal(r.value, 0);
      for (const p of ports) assert.ok(portFree(t, p), `port ${p}`);
      assert.deepEqual(s.ioreq_vcpu_list, []);
      assert.deepEqual(s.range.map((x) => x.ranges), [[], [], []], 'rangesets destroyed');
      assert.equal(s.freed, true, 'xfree(s)');
      // The same through a vcpu leaving (hvm_vcpu_destroy): vcpu 1 first, then vcpu 0 with the buffered port.
      qemu(t, [[0, 0x3f8n, 0x3ffn]], 'q2', 2);
      const s2 = d.x421.server[0]!;
      for (const k of [1, 0]) {
        const w = t.vcpu(G, k);
        const rr = t.run('toolstack', null, (i) => i.hvm.ioreqServerRemoveVcpuAll(d, w));
        assert.equal(rr.panic, undefined, `${build} vcpu ${k}`);
        assert.equal(portFree(t, s2.bufioreq_evtchn), k === 0, `buffered port after vcpu ${k} left`);
      }
      if (build === 'stepped') assert.deepEqual(t.at('ioreq_server_remove_vcpu', 'find').map((x) => x.locals.found), [true, true]);
      t.run('toolstack', null, (i) => i.hvm.hvmDomainRelinquishResources(d));
      assert.equal(s2.freed, true);
      assert.equal(d.x421.server[0], null);
      if (build === 'stepped') assert.ok(t.at('ioreq_server_destroy_all', 'destroy').length === 1 && t.at('ioreq_server_destroy_all', 'arch').length === 1);
    }
  });

  it('create: a ninth server is -ENOSPC with the target unpaused (ioreq.c:666-679); Arm refuses any buffering with -EINVAL (ioreq.c:650-651)', () => {
    const t = Rec.make('4.21', 'flat', 1);
    t.addDm('q', 'qemu', 0, G);
    for (let k = 0; k < 8; k++) assert.equal(dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, {}), 0);
    const n = t.m.x.events.length;
    assert.equal(dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, {}), -ENOSPC);
    assert.equal(t.domain(G).x421.server.length, 8);
    assert.deepEqual(ioreqEvents(t, n).map((e) => `${e.fn} ${e.kind}`), ['ioreq_server_create domain_pause', 'ioreq_server_create domain_unpause']);
    const a = Rec.make('4.21-arm', 'flat', 1);
    a.addDm('v', 'virtio', 0, G);
    for (const b of [1, 2]) assert.equal(dmop(a, 'v', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: b }), -EINVAL);
    assert.equal(dmop(a, 'v', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 0 }), 0);
  });

  it('enable twice is one enable (ioreq.c:544-545); a failed add or remove of a range records nothing', () => {
    const t = Rec.make('4.21', 'flat', 1);
    qemu(t, [[1, 0x0n, 0x7n]]);
    const n = t.m.x.events.length;
    assert.equal(dmop(t, 'qemu', I.XEN_DMOP_set_ioreq_server_state, { id: 0, enabled: 1 }), 0);
    assert.deepEqual(ioreqEvents(t, n).filter((e) => e.kind === 'server_enable' || e.kind === 'slot_write'), []);
    for (let k = 1; k < 256; k++) assert.equal(t.mapRange('qemu', 1, BigInt(k * 16), BigInt(k * 16 + 7)).value, 0);
    const m = t.m.x.events.length;
    assert.equal(t.mapRange('qemu', 1, 0x10000n, 0x10007n).value, -ENOMEM);
    assert.equal(t.mapRange('qemu', 1, 0x12n, 0x13n, false).value, -ENOMEM, 'a split at the limit');
    assert.deepEqual(ioreqEvents(t, m).filter((e) => e.kind.startsWith('range_')), []);
  });

  it('get_frame: frame 0 of a buffered server is its buffered page (ioreq.c:814-820)', () => {
    const t = Rec.make('4.21', 'flat', 1);
    t.addDm('q', 'qemu', 0, G);
    dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 1 });
    const s = t.domain(G).x421.server[0]!;
    const out = { page: null as X.GuestPage | null };
    const dm = t.dm('q');
    assert.equal(t.run('dm0', t.dmVcpu(dm), (i) => i.qemu.asDm(dm, () => i.hvm.ioreqServerGetFrame(t.domain(G), 0, 0, out))).value, 0);
    assert.ok(out.page && out.page === s.bufioreq.page);
    assert.equal(t.run('dm0', t.dmVcpu(dm), (i) => i.qemu.asDm(dm, () => i.hvm.ioreqServerGetFrame(t.domain(G), 0, 1, out))).value, 0);
    assert.equal(out.page, s.ioreq.page);
  });

  it('unmap with an id of no server is -ENOENT even when server 0 holds the range; the DMOP writes back no field it did not fill', () => {
    const t = Rec.make('4.21', 'flat', 1);
    qemu(t, [[0, 0x3f8n, 0x3ffn]], 'qemu', 0);
    assert.equal(dmop(t, 'qemu', I.XEN_DMOP_unmap_io_range_from_ioreq_server, { id: 1, type: 0, start: 0x3f8n, end: 0x3f8n }), -ENOENT);
    assert.deepEqual(t.domain(G).x421.server[0]!.range[0].ranges, [[0x3f8n, 0x3ffn]]);
    const u: I.XenDmOp['u'] = { id: 0, flags: I.XEN_DMOP_no_gfns };
    assert.equal(t.dmOp('qemu', { op: 2, u }).value, 0);
    assert.deepEqual(Object.keys(u).sort(), ['flags', 'id'], 'an OFF server without gfns: nothing to hand back');
  });

  it('ioreq_server_select: only port and memory accesses are routed (ioreq.c:1112-1113); a PCI access for a device not in the set is not', () => {
    const t = Rec.make('4.21', 'flat', 1);
    qemu(t, [[0, 0x0n, 0xffffn], [1, 0x0n, 0xffffffffn], [2, 0x18n, 0x18n]]);
    const h = flat(t);
    const d = t.domain(G);
    const sel = (p: A.Ioreq) => t.run('vcpu0', t.vcpu(G, 0), () => h.ioreqServerSelect(d, p)).value;
    assert.equal(sel({ ...A.emptyIoreq(), type: A.IOREQ_TYPE_TIMEOFFSET, size: 8, count: 1 }), null);
    assert.equal(sel({ ...A.emptyIoreq(), type: A.IOREQ_TYPE_PIO, addr: 0x10n, size: 1, count: 1 })!.id, 0);
    d.x421.pci_cf8 = (0x80000000 | (0x20 << 8)) >>> 0; // 00:04.0: not the server's
    const p = { ...A.emptyIoreq(), type: A.IOREQ_TYPE_PIO, addr: 0xcfcn, size: 4, count: 1 };
    assert.equal(sel(p), null);
    assert.equal(p.type, A.IOREQ_TYPE_PIO, 'not rewritten');
    d.x421.pci_cf8 = (0x80000000 | (0x18 << 8) | 0x8) >>> 0;
    assert.equal(sel(p)!.id, 0);
    assert.equal(p.type, A.IOREQ_TYPE_PCI_CONFIG);
    assert.equal(p.addr, (0x18n << 32n) | 0x8n);
  });

  it('a buffered write of 4 bytes or less fills one slot only (ioreq.c:1218-1222)', () => {
    const t = Rec.make('4.21', 'flat', 1);
    qemu(t, [[1, 0xa0000n, 0xbffffn]], 'qemu', 2);
    const pg = t.domain(G).x421.server[0]!.bufioreq.va!;
    t.sendBuffered(G, 0, 0, wr(0xa0000n, 4, 0x1122334455667788n));
    assert.deepEqual(A.readBufIoreq(pg, A.bufSlotOffset(1)), A.readBufIoreq(new DataView(new ArrayBuffer(4096)), A.bufSlotOffset(1)), 'slot 1 untouched');
  });

  it('ioreq_send refusals are XENLOG_ERR lines of ioreq_send (ioreq.c:1275-1286)', () => {
    const t = Rec.make('4.21', 'flat', 1);
    qemu(t, [[0, 0x3f8n, 0x3ffn]]);
    const s = t.domain(G).x421.server[0]!;
    A.setState(s.ioreq.va!, A.ioreqOffset(0), A.STATE_IOREQ_INPROCESS);
    t.pio(G, 0, 0x3f8, 1, A.IOREQ_WRITE, 1n);
    const u = Rec.make('4.21', 'flat', 1);
    qemu(u, [[0, 0x3f8n, 0x3ffn]]);
    const s2 = u.domain(G).x421.server[0]!;
    s2.ioreq.va!.setUint32(A.ioreqOffset(0) + A.OFF_VP_EPORT, 99, true);
    u.pio(G, 0, 0x3f8, 1, A.IOREQ_WRITE, 1n);
    assert.deepEqual([...t.m.x.console, ...u.m.x.console].filter((l) => l.fn === 'ioreq_send').map((l) => `${l.level} ${l.text}`),
      ['XENLOG_ERR device model set bad IO state 2', 'XENLOG_ERR device model set bad event channel 99']);
  });
});

/** Every stop a Rec recorded inside common/ioreq.c is at a statement its listing marks. */
function labelsValid(t: Rec): void {
  for (const s of t.stops) if (COMMON_FNS.has(s.fn)) assert.ok(COMMON.fns.get(s.fn)!.labels.has(s.at), `${s.fn}@${s.at}`);
}

/** The stepped build, a port read by vcpu0 of d1 sent to QEMU's server and the vcpu woken, its slot page at hand;
 *  XSA-262's fix (92938e5d14) reverted when asked. */
function readWaiting(revert: boolean) {
  const t = Rec.make('4.21', 'stepped', 1);
  if (revert) t.m.x.reverts = new Set(['92938e5d14']);
  qemu(t, [[0, 0x3f8n, 0x3ffn]]);
  t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
  const v = t.vcpu(G, 0);
  v.pause_flags.blocked_in_xen = false;
  return { t, v, pg: t.domain(G).x421.server[0]!.ioreq.va! };
}

describe('4.21 ioreq.c (mutation): the last paths', () => {
  it('the toolstack\'s HVMOP_set_param stores are recorded with the special pages of xg_dom_x86.c:638 @RELEASE-4.21.0 (0xfeff8 + SPECIALPAGE_*)', () => {
    const t = Rec.make('4.21', 'flat', 1);
    const ev = t.m.x.events.filter((e) => e.kind === 'param_set').map(({ seq: _s, actor: _a, ...e }) => e);
    assert.deepEqual(ev.slice(0, 3), [
      { kind: 'param_set', fn: 'hvm_set_param', domid: 1, before: 0, after: 0xfeffc, detail: { index: 1, name: 'STORE_PFN' }, text: 'd1 STORE_PFN = 0xfeffc' },
      { kind: 'param_set', fn: 'hvm_set_param', domid: 1, before: 0, after: 0xfeffb, detail: { index: 6, name: 'BUFIOREQ_PFN' }, text: 'd1 BUFIOREQ_PFN = 0xfeffb' },
      { kind: 'param_set', fn: 'hvm_set_param', domid: 1, before: 0, after: 0xfeffd, detail: { index: 5, name: 'IOREQ_PFN' }, text: 'd1 IOREQ_PFN = 0xfeffd' },
    ]);
    const m = new Model('4.21').boot();
    m.x.on = false;
    const u = new Rec(m, 'flat');
    u.createGuest(G, 1);
    assert.equal(u.m.x.events.filter((e) => e.kind === 'param_set').length, 0);
    assert.equal(u.domain(G).arch.hvm_domain.params[5], 0xfeffd, 'stored all the same');
  });

  it('get_ioreq on a server with no page: Xen goes down in get_ioreq (ioreq.c:96-104)', () => {
    const t = Rec.make('4.21', 'flat', 1);
    t.addDm('q', 'qemu', 0, G);
    t.create('q', 0);
    t.mapRange('q', 0, 0x3f8n, 0x3ffn);
    t.setState('q', true);
    t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
    assert.equal(t.m.x.panic?.fn, 'get_ioreq');
  });

  it('the wait_for_io op: a step of two reads stops at the wait\'s condition; after a paused wait finishes, the next access waits afresh', () => {
    for (const build of ['flat', 'stepped'] as Build[]) {
      const t = Rec.make('4.21', build, 1);
      qemu(t, [[0, 0x3f8n, 0x3ffn]]);
      const v = t.vcpu(G, 0);
      t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
      v.pause_flags.blocked_in_xen = false;
      assert.equal(t.run('vcpu0', v, (i) => i.hvm.vcpuIoreqHandleCompletion(v, { left: 2 })).value, I.WAIT_PAUSED);
      assert.equal(v.io.wait_at, I.WAIT_AT_BLOCK, build);
      t.serve('qemu', 0, { data: 0x11n });
      v.pause_flags.blocked_in_xen = false;
      assert.equal(t.resume(G, 0).value, RESUMED);
      assert.equal(v.rax & 0xffn, 0x11n);
      t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
      v.pause_flags.blocked_in_xen = false;
      assert.equal(t.resume(G, 0).value, DESCHEDULED, 'READY again: a fresh wait, not the old place');
      t.serve('qemu', 0, { data: 0x22n });
      assert.equal(t.resume(G, 0).value, RESUMED);
      assert.equal(v.rax & 0xffn, 0x22n);
      if (build === 'stepped') labelsValid(t);
    }
  });

  it('Arm\'s first wait starts from NONE, not resumed; a wait after a completed one is not resumed either (ioreq.c:156-160)', () => {
    const t = Rec.make('4.21-arm', 'stepped', 1);
    t.addDm('v', 'virtio', 0, G);
    assert.equal(t.dmInit('v').value, 0);
    for (let k = 0; k < 2; k++) {
      const from = t.stops.length;
      t.armMmio(G, 0, { gpa: 0x2000000n, size: 2, write: 0, sign: 0 });
      t.vcpu(G, 0).pause_flags.blocked_in_xen = false;
      t.resume(G, 0);
      const rs = t.stops.slice(from).find((s) => s.fn === 'wait_for_io' && s.at === 'read_state')!;
      assert.deepEqual([rs.locals.prev_state, rs.locals.resumed], [A.STATE_IOREQ_NONE, false], `access ${k}`);
      t.serve('v', 0, { data: 1n });
      t.resume(G, 0);
    }
    labelsValid(t);
  });

  it('XSA-262 reverted (92938e5d14): a change seen by the wait\'s condition sends the loop to its head, which reads p->state again; fixed, the state the condition read is used', () => {
    for (const revert of [false, true]) {
      for (const where of ['switch', 'wait']) {
        const { t, pg } = readWaiting(revert);
        const seen: string[] = [];
        let moved = false;
        const r = t.resumeStepped(G, 0, (top) => {
          if (top.fn !== 'wait_for_io') return;
          seen.push(top.at);
          if (!moved && top.at === where) { A.setState(pg, A.ioreqOffset(0), A.STATE_IORESP_READY); moved = true; }
        });
        assert.equal(r.value, RESUMED, `${where} ${revert}`);
        assert.equal(seen.includes('reread'), revert, `${where} reverted ${revert}: ${seen.join(' ')}`);
        assert.equal(seen.includes('recheck'), where === 'wait', seen.join(' '));
        for (const at of seen) assert.ok(COMMON.fns.get('wait_for_io')!.labels.has(at), at);
      }
    }
  });

  it('XSA-166 reverted (b452430a4c): a state past the table read by the bounds check goes to the default case (a crash, no panic); the jump table\'s second read is a stop of its own', () => {
    const t = Rec.make('4.21', 'flat', 1);
    t.m.x.reverts = new Set(['b452430a4c']);
    qemu(t, [[0, 0x3f8n, 0x3ffn]]);
    t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
    A.setState(t.domain(G).x421.server[0]!.ioreq.va!, A.ioreqOffset(0), 9);
    t.vcpu(G, 0).pause_flags.blocked_in_xen = false;
    const r = t.resume(G, 0);
    assert.equal(r.panic, undefined);
    assert.equal(r.value, CRASHED);
    assert.deepEqual(t.m.x.console.filter((l) => l.fn === 'wait_for_io').map((l) => `${l.level} ${l.text}`), ['XENLOG_ERR Weird HVM iorequest state 9']);
    const u = Rec.make('4.21', 'stepped', 1);
    u.m.x.reverts = new Set(['b452430a4c']);
    qemu(u, [[0, 0x3f8n, 0x3ffn]]);
    u.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
    u.serve('qemu', 0, { data: 3n });
    u.resume(G, 0);
    assert.deepEqual(u.at('wait_for_io', 'index').map((s) => [s.locals.bounds, s.locals.index]), [[A.STATE_IORESP_READY, A.STATE_IORESP_READY]]);
    labelsValid(u);
  });

  it('f7039ee41b: fixed, a port write\'s record is settled by vcpu_ioreq_handle_completion and keeps its data; reverted, wait_for_io settles it (NONE for a write)', () => {
    for (const revert of [false, true]) {
      const t = Rec.make('4.21', 'flat', 1);
      if (revert) t.m.x.reverts = new Set(['f7039ee41b']);
      qemu(t, [[0, 0x3f8n, 0x3ffn]]);
      t.pio(G, 0, 0x3f9, 1, A.IOREQ_WRITE, 0x41n);
      t.serve('qemu', 0, { data: 0x99n });
      assert.equal(t.resume(G, 0).value, RESUMED);
      const v = t.vcpu(G, 0);
      assert.equal(v.io.req.state, A.STATE_IOREQ_NONE, `reverted ${revert}`);
      assert.equal(v.io.req.data & 0xffn, 0x41n, 'a write needs no completion: its data is not replaced');
    }
  });

  it('failure paths on the stepped build stop at their own statements (fail_add, fail, the add_vcpu_all undo)', () => {
    const t = Rec.make('4.21', 'stepped', 2);
    t.addDm('q', 'qemu', 0, G);
    const n = t.m.x.events.length;
    t.m.x.faults.evtchn = 2;
    assert.equal(dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 1 }), -ENOSPC);
    assert.deepEqual(t.at('ioreq_server_init', 'fail_add').map((s) => s.locals.rc), [-ENOSPC]);
    assert.deepEqual(t.at('ioreq_server_create', 'fail').map((s) => [s.locals.id, s.locals.rc]), [[0, -ENOSPC]]);
    assert.deepEqual(ioreqEvents(t, n).filter((e) => e.kind.startsWith('domain_')).map((e) => `${e.fn} ${e.kind}`), ['ioreq_server_create domain_pause', 'ioreq_server_create domain_unpause']);
    dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 0 });
    dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 0 });
    const d = t.domain(G);
    const v = new X.Vcpu(d, 2);
    d.vcpu.push(v);
    t.m.x.faults.evtchn = 1;
    assert.equal(t.run('toolstack', null, (i) => i.hvm.ioreqServerAddVcpuAll(d, v)).value, -ENOSPC);
    assert.deepEqual(t.at('ioreq_server_add_vcpu_all', 'add').map((s) => s.locals.s), [1, 0]);
    assert.deepEqual(t.at('ioreq_server_add_vcpu_all', 'fail').map((s) => s.locals.rc), [-ENOSPC]);
    assert.deepEqual(t.at('ioreq_server_remove_vcpu', 'find').map((s) => s.locals.found), [true]);
    t.run('toolstack', null, (i) => i.hvm.ioreqServerRemoveVcpuAll(d, v));
    assert.deepEqual(t.at('ioreq_server_remove_vcpu', 'find').map((s) => s.locals.found), [true, false, false], 'v is in no list any more');
    labelsValid(t);
  });

  it('stops show whether a page is there: allocated or NULL at alloc_mfn, free_mfn, update_evtchn and send_buffered; the buffered slot is write_pointer mod 511', () => {
    const t = Rec.make('4.21', 'stepped', 1);
    t.addDm('q', 'qemu', 0, G);
    dmop(t, 'q', I.XEN_DMOP_create_ioreq_server, { handle_bufioreq: 0 });
    dmop(t, 'q', I.XEN_DMOP_set_ioreq_server_state, { id: 0, enabled: 1 });
    assert.deepEqual(t.at('ioreq_server_update_evtchn', 'check').map((s) => s.locals.va), ['NULL'], 'enabled before any page');
    t.dm('q').ioservid = 0;
    t.acquire('q', 1, 1);
    t.acquire('q', 1, 1);
    assert.deepEqual(t.at('ioreq_server_alloc_mfn', 'check_page').map((s) => s.locals.page), ['NULL', 'allocated']);
    const page = t.domain(G).x421.server[0]!.ioreq.page!;
    assert.equal(page.use, 'ioreq_server ioreq (domheap)', 'a domheap page of the server (ioreq.c:279), not a guest frame');
    dmop(t, 'q', I.XEN_DMOP_set_ioreq_server_state, { id: 0, enabled: 0 });
    dmop(t, 'q', I.XEN_DMOP_destroy_ioreq_server, { id: 0 });
    assert.deepEqual(t.at('ioreq_server_free_mfn', 'check').map((s) => [s.locals.buf, s.locals.page]), [[true, null], [false, page]], 'free_mfn: no buffered page, then the ioreq page');
    const u = Rec.make('4.21', 'stepped', 1);
    qemu(u, [[1, 0xa0000n, 0xbffffn]], 'qemu', 0);
    u.sendBuffered(G, 0, 0, wr(0xa0000n, 4, 1n));
    assert.deepEqual(u.at('ioreq_send_buffered', 'page').map((s) => s.locals.page), ['NULL']);
    const w = Rec.make('4.21', 'stepped', 1);
    qemu(w, [[1, 0xa0000n, 0xbffffn]], 'qemu', 1);
    const pg = w.domain(G).x421.server[0]!.bufioreq.va!;
    pg.setUint32(0, 1000, true); pg.setUint32(4, 1000, true);
    w.sendBuffered(G, 0, 0, wr(0xa0000n, 4, 1n));
    w.sendBuffered(G, 0, 0, wr(0xa0000n, 8, 1n));
    assert.equal(w.domain(G).x421.server[0]!.bufioreq.page!.use, 'ioreq_server bufioreq (domheap)');
    assert.deepEqual(w.at('ioreq_send_buffered', 'copy').map((s) => s.locals.slot), [1000 % 511, 1001 % 511]);
    for (const x of [t, u, w]) labelsValid(x);
  });
});

describe('4.21 ioreq.c (mutation): XSA-262\'s livelock and the ring at 511', () => {
  it('92938e5d14 reverted: an emulator flipping READY/INPROCESS under the wait keeps Xen switching on states it saw before (the explorer\'s xen-livelock); fixed, the move back crashes the guest', () => {
    for (const revert of [true, false]) {
      const { t, v, pg } = readWaiting(revert);
      const flips = [A.STATE_IOREQ_INPROCESS, A.STATE_IOREQ_READY, A.STATE_IOREQ_INPROCESS, A.STATE_IORESP_READY];
      let k = 0;
      let cycled = false;
      const r = t.resumeStepped(G, 0, (top) => {
        if (top.fn !== 'wait_for_io' || top.at !== 'switch') return;
        cycled ||= v.io.wait_cycled;
        if (k < flips.length) A.setState(pg, A.ioreqOffset(0), flips[k++]);
      });
      if (revert) {
        assert.equal(r.value, RESUMED);
        assert.ok(cycled || v.io.wait_cycled, 'READY and INPROCESS each switched on twice in one run');
        assert.equal(v.io.wait_seen, 0, 'cleared when wait_for_io returns');
      } else {
        assert.equal(r.value, CRASHED);
        assert.equal(v.io.wait_cycled, false, 'the forward-only check stops it first');
        assert.equal(v.io.wait_seen, 0);
      }
    }
  });

  it('ATOMIC: a read_pointer of exactly 511 is pulled back to 0 (the test is read_pointer >= IOREQ_BUFFER_SLOT_NUM, ioreq.c:1230)', () => {
    const t = Rec.make('4.21', 'flat', 1);
    qemu(t, [[1, 0xa0000n, 0xbffffn]], 'qemu', 2);
    const pg = t.domain(G).x421.server[0]!.bufioreq.va!;
    pg.setUint32(0, 511, true); pg.setUint32(4, 511, true);
    assert.equal(t.sendBuffered(G, 0, 0, wr(0xa0000n, 4, 1n)).value, 0);
    assert.deepEqual(A.readBufPointers(pg), { read_pointer: 0, write_pointer: 1 });
  });
});
