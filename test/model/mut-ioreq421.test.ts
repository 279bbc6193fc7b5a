// Mutation tests of src/model/xen/4.21/common/ioreq.ts, the model of xen/common/ioreq.c @RELEASE-4.21.0 (issue #16).
// Each test names the Xen behaviour it pins and the ioreq.c lines (@RELEASE-4.21.0) that have it; `ioreq.c:N` below
// always means xen/common/ioreq.c at RELEASE-4.21.0.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import { loadListing } from '../../src/debug/listing';
import { Driver421, type Build } from '../../src/model/driver421';
import { EEXIST, EINVAL, ENOENT, ENOMEM, ENOSPC, EOPNOTSUPP, EPERM } from '../../src/model/errno';
import { Model, type OpResult } from '../../src/model/model';
import type { Co } from '../../src/model/step';
import type { Rangeset, Vcpu } from '../../src/model/xen';
import * as I from '../../src/model/xen/4.21/common/ioreq';
import { CRASHED, DESCHEDULED, RESUMED } from '../../src/model/xen/common/outcome';

const G = 1;
type Stop = { fn: string; at: string; locals: Record<string, unknown> };

/** A driver that, on the stepped build, records every stop (the top frame: function, label, locals). */
export class Rec extends Driver421 {
  stops: Stop[] = [];
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override run<T>(actor: string, v: Vcpu | null, fn: (i: any) => Co<T> | T): OpResult<T> {
    if (this.build === 'flat') return super.run(actor, v, fn);
    const g = this.m.steppedRun(actor, v, (s) => fn(s.x421!) as Co<T>);
    for (;;) {
      const r = g.next();
      if (r.done) return r.value;
      const top = this.m.frames.at(-1);
      if (top) this.stops.push({ fn: top.fn, at: top.at, locals: { ...top.locals } });
    }
  }
  static make(profile: '4.21' | '4.21-arm' = '4.21', build: Build = 'stepped', nvcpus = 2): Rec {
    const t = new Rec(new Model(profile).boot(), build);
    assert.equal(t.createGuest(G, nvcpus), 0);
    return t;
  }
  /** The stops at fn@at, in order. */
  at(fn: string, at: string): Stop[] { return this.stops.filter((s) => s.fn === fn && s.at === at); }
  /** The locals of the nth stop at fn@at. */
  loc(fn: string, at: string, nth = 0): Record<string, unknown> {
    const s = this.at(fn, at)[nth];
    assert.ok(s, `no stop #${nth} at ${fn}@${at}; stops there: ${this.at(fn, at).length}`);
    return s.locals;
  }
}

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
  t.kill(G);
  return t;
}

export const TOUR = x86Tour;
describe('4.21 ioreq.c (mutation): what the debugger stops on', () => {
  const tour = x86Tour();

  it('every stop inside a function of common/ioreq.c is one of the statements its 4.21 listing marks', () => {
    let n = 0;
    for (const s of tour.stops) {
      if (!COMMON_FNS.has(s.fn)) continue;
      n++;
      assert.ok(COMMON.fns.get(s.fn)!.labels.has(s.at), `${s.fn}@${s.at} is not a statement of ${s.fn} in 4.21/common/ioreq.c`);
    }
    assert.ok(n > 1000, `stops in ioreq.c: ${n}`);
  });
});

/** The flat build's 4.21 x86 implementation of the common code (a subclass of Ioreq421). */
const flat = (t: Driver421) => t.m.flat.x421!.hvm;
const rs = (ranges: Array<[bigint, bigint]>, limit = 256) => ({ ranges: ranges.map(([a, b]) => [a, b] as [bigint, bigint]), limit }) as unknown as Rangeset;

describe('4.21 ioreq.c (mutation): the rangeset calls of map/unmap and select (xen/common/rangeset.c @RELEASE-4.21.0)', () => {
  const t = Rec.make('4.21', 'flat', 1);
  const h = flat(t);

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
  const h = flat(Rec.make('4.21', 'flat', 1));
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
