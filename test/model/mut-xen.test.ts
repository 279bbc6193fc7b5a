// src/model/xen.ts, the hypervisor's state (pages and their copy-on-write mappings, domains, vcpus, the console and
// the fault plan) and Xen.clone: what the first mutation run found unpinned. The C it stands for is Xen's
// xen/include/xen/sched.h, xen/arch/x86/mm/p2m*.c and drivers/char/console.c @RELEASE-4.4.0; the page sharing and the
// clone are the model's own (a state explorer's copies), pinned here by what a reader of either copy sees.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import { PAGE_SIZE } from '../../src/model/abi';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as H from '../../src/model/xen/4.5/hvm';
import { parseScenario } from '../../src/scenario/parse';
import { runScenario } from '../../src/scenario/run';
import { G45 } from './x45-guest';
import { Model, setCloneSharing, type FlatImpl } from '../../src/model/model';
import { Domain, GuestPage, HVMIO_NAMES, HvmHwStdvga, INVALID_GFN, PageStore, PageView, SHUTDOWN_NAMES, VIO_NAMES, Vcpu, Xen, clearPage, p2mTypeOf, sharing } from '../../src/model/xen';

/** A page with bytes 0..255 repeated, and a second mapping of it as a clone would have. */
function pair(): { a: PageView; b: PageView } {
  const a = new PageView(new PageStore());
  for (let o = 0; o < PAGE_SIZE; o++) a.setUint8(o, o & 0xff);
  return { a, b: a.fork() };
}

describe('mutation: PageView, a page\'s mapping shared between clones until written', () => {
  it('every access width reads and writes the bytes in either byte order, inside a chunk and across a chunk boundary (255/256)', () => {
    for (const at of [0x10, 0xfd, 0xff, 0x1fc, PAGE_SIZE - 8]) {
      const v = new PageView(new PageStore());
      const ref = new DataView(new ArrayBuffer(PAGE_SIZE));
      const both = (f: (d: DataView) => void) => { f(v as unknown as DataView); f(ref); };
      both((d) => d.setUint8(at, 0xfe)); both((d) => d.setInt8(at + 1, -2));
      const eq = () => { for (let o = 0; o < PAGE_SIZE; o++) assert.equal(v.getUint8(o), ref.getUint8(o), `byte ${o} (at ${at})`); };
      eq();
      for (const le of [true, false]) {
        both((d) => d.setUint16(at, 0xa1b2, le)); eq();
        assert.deepEqual([v.getUint16(at, le), v.getInt16(at, le), v.getInt8(at)], [ref.getUint16(at, le), ref.getInt16(at, le), ref.getInt8(at)]);
        both((d) => d.setInt16(at, -3, le)); eq();
        both((d) => d.setUint32(at, 0xa1b2c3d4, le)); eq();
        assert.deepEqual([v.getUint32(at, le), v.getInt32(at, le)], [ref.getUint32(at, le), ref.getInt32(at, le)]);
        both((d) => d.setInt32(at, -5, le)); eq();
        assert.equal(v.getInt32(at, le), -5);
        both((d) => d.setBigUint64(at, 0x0102030405060708n, le)); eq();
        assert.deepEqual([v.getBigUint64(at, le), v.getBigInt64(at, le)], [ref.getBigUint64(at, le), ref.getBigInt64(at, le)]);
        both((d) => d.setBigInt64(at, -7n, le)); eq();
        assert.equal(v.getBigInt64(at, le), -7n);
      }
    }
  });

  it('a write outside the page is a RangeError, as a DataView\'s; the last byte and the last 8 bytes are inside', () => {
    const v = new PageView(new PageStore());
    v.setUint8(PAGE_SIZE - 1, 1);
    v.setBigUint64(PAGE_SIZE - 8, 1n);
    for (const f of [() => v.setUint8(PAGE_SIZE, 1), () => v.setUint8(-1, 1), () => v.setUint16(PAGE_SIZE - 1, 1), () => v.setInt16(PAGE_SIZE - 1, 1),
      () => v.setUint32(PAGE_SIZE - 3, 1), () => v.setInt32(PAGE_SIZE - 2, 1), () => v.setBigUint64(PAGE_SIZE - 7, 1n), () => v.setBigInt64(PAGE_SIZE - 1, 1n), () => v.setInt8(PAGE_SIZE, 1)]) {
      assert.throws(f, (e: Error) => e instanceof RangeError && e.message === 'Offset is outside the bounds of the DataView');
    }
    assert.equal(v.byteLength, PAGE_SIZE);
  });

  it('a write through one of two mappings is seen by that one only; the other keeps the bytes it had, chunk by chunk', () => {
    const { a, b } = pair();
    b.setUint8(0x101, 0xee);
    assert.deepEqual([a.getUint8(0x101), b.getUint8(0x101)], [0x01, 0xee]);
    assert.notEqual(a.s, b.s, 'the writer got a store of its own');
    assert.equal(a.s.c[0], b.s.c[0], 'the chunks not written are still shared');
    assert.notEqual(a.s.c[1], b.s.c[1]);
    a.setUint8(0x0, 0x55);
    assert.deepEqual([a.getUint8(0), b.getUint8(0)], [0x55, 0x00]);
    // A straddling write on one side copies both chunks it touches, for that side only.
    b.setUint32(0x2fe, 0xdeadbeef, true);
    assert.deepEqual([a.getUint32(0x2fe, true), b.getUint32(0x2fe, true)], [0x0100fffe, 0xdeadbeef]);
    // Writes in place once a store is one's own.
    const c = b.s.c[1];
    b.setUint8(0x102, 0x11);
    assert.equal(b.s.c[1], c);
  });

  it('clear zeroes one mapping\'s page only; a page never written reads zeroes', () => {
    const { a, b } = pair();
    b.clear();
    for (const o of [0, 1, 0xff, 0x100, PAGE_SIZE - 1]) assert.equal(b.getUint8(o), 0);
    assert.equal(a.getUint8(PAGE_SIZE - 1), 0xff);
    b.setUint8(5, 9);
    assert.deepEqual([b.getUint8(5), b.getUint8(4), a.getUint8(5)], [9, 0, 5]);
    const dv = new DataView(new ArrayBuffer(16));
    dv.setUint8(3, 1);
    clearPage(dv);
    assert.equal(dv.getUint8(3), 0);
    clearPage(a as unknown as DataView);
    assert.equal(a.getUint8(5), 0);
    assert.equal(new PageView(new PageStore()).getUint32(0x100, true), 0);
  });

  it('PageStore.bytes is the page\'s bytes in order; copy is a store of its own with the same bytes; a write drops the digest', () => {
    const { a } = pair();
    const u = a.s.bytes();
    assert.equal(u.length, PAGE_SIZE);
    assert.deepEqual([u[0], u[0x101], u[PAGE_SIZE - 1]], [0, 1, 0xff]);
    const t = a.s.copy();
    assert.deepEqual(t.bytes(), u);
    const v = new PageView(t);
    v.setUint8(0x101, 0x77);
    assert.equal(a.getUint8(0x101), 1, 'the copy shares no chunk');
    a.s.fpKey = 3;
    a.setUint8(0, 1);
    assert.equal(a.s.fpKey, -1);
  });

  it('without sharing (the deep clone) a fork is a copy at once', () => {
    const { a } = pair();
    setCloneSharing(false);
    try {
      assert.equal(sharing.on, false);
      const b = a.fork();
      assert.notEqual(b.s, a.s);
      b.setUint8(1, 0x99);
      assert.equal(a.getUint8(1), 1);
      const g = new GuestPage('ram');
      g.data().setUint8(7, 7);
      const h = g.clone();
      assert.notEqual(h.view!.s, g.view!.s);
      assert.equal(h.view!.getUint8(7), 7);
    } finally { setCloneSharing(true); }
  });
});

describe('mutation: guest frames and the p2m types the model tells apart', () => {
  it('a GuestPage has no bytes until used; clone keeps its mapping counts and flags and shares its bytes until written', () => {
    const g = new GuestPage('IOREQ');
    assert.equal(g.bytes, null);
    assert.equal(g.dv, null);
    g.clear();
    assert.equal(g.view, null, 'clearing a page never used makes no bytes');
    g.data().setUint8(3, 3);
    assert.equal(g.bytes![3], 3);
    g.xen_maps = 1; g.foreign_maps = 2; g.paged_out = true; g.shared = true; g.not_writable = true; g.cow = true;
    const h = g.clone();
    assert.deepEqual([h.use, h.xen_maps, h.foreign_maps, h.paged_out, h.shared, h.not_writable, h.cow], ['IOREQ', 1, 2, true, true, true, false]);
    assert.equal(h.view!.s, g.view!.s);
    h.data().setUint8(3, 4);
    assert.deepEqual([g.bytes![3], h.bytes![3]], [3, 4]);
    g.clear();
    assert.deepEqual([g.bytes![3], h.bytes![3]], [0, 4]);
  });

  it('Domain.page: nothing at a hole or past RAM; RAM is materialised on first look; a copy-on-write page is copied for the domain that looks', () => {
    const d = new Domain(1, 4);
    d.ram_pages = 0x10;
    assert.equal(d.page(0x10), null);
    assert.equal(d.page(-1), null);
    const p = d.page(0xf)!;
    assert.equal(p.use, 'ram');
    assert.equal(d.physmap.get(0xf), p);
    assert.equal(d.page(0xf), p, 'the same frame the second time');
    d.holes.add(0xf);
    assert.equal(d.page(0xf), null);
    const shared = new GuestPage('special');
    shared.cow = true;
    d.physmap.set(0x20, shared);
    const own = d.page(0x20)!;
    assert.notEqual(own, shared);
    assert.equal(own.cow, false);
    assert.equal(d.physmap.get(0x20), own);
    assert.equal(d.page(0), d.physmap.get(0), 'pfn 0 is RAM');
  });

  it('p2mTypeOf: the VGA hole and frames with no RAM are p2m_mmio_dm; paged, shared and read-only frames say so; RAM is p2m_ram_rw', () => {
    const d = new Domain(1, 4);
    d.ram_pages = 0x100;
    assert.equal(p2mTypeOf(d, 0x9f), 'p2m_ram_rw');
    assert.equal(p2mTypeOf(d, 0xa0), 'p2m_mmio_dm');
    assert.equal(p2mTypeOf(d, 0xbf), 'p2m_mmio_dm');
    assert.equal(p2mTypeOf(d, 0xc0), 'p2m_ram_rw');
    d.physmap.set(0xa0, new GuestPage('ram'));
    assert.equal(p2mTypeOf(d, 0xa0), 'p2m_ram_rw', 'a frame populated in the hole is RAM');
    assert.equal(p2mTypeOf(d, 0x100), 'p2m_mmio_dm');
    assert.equal(p2mTypeOf(d, -1), 'p2m_mmio_dm');
    assert.equal(p2mTypeOf(d, 0), 'p2m_ram_rw');
    d.holes.add(5);
    assert.equal(p2mTypeOf(d, 5), 'p2m_mmio_dm');
    const pg = d.page(6)!;
    pg.paged_out = true;
    assert.equal(p2mTypeOf(d, 6), 'p2m_ram_paged');
    pg.paged_out = false; pg.shared = true;
    assert.equal(p2mTypeOf(d, 6), 'p2m_ram_shared');
    pg.shared = false; pg.not_writable = true;
    assert.equal(p2mTypeOf(d, 6), 'p2m_ram_ro');
    const far = new GuestPage('special');
    d.physmap.set(0x1000, far);
    assert.equal(p2mTypeOf(d, 0x1000), 'p2m_ram_rw', 'a special page past RAM is still a frame');
  });
});

describe('mutation: the host\'s bookkeeping (events, the heap, the fault plan, the console)', () => {
  it('emit numbers events in order and names the running actor', () => {
    const x = new Xen('seed', 4);
    x.emit({ kind: 'printk', fn: 'f', text: 'a' });
    x.actor = 'vcpu0';
    x.emit({ kind: 'printk', fn: 'f', text: 'b' });
    assert.deepEqual(x.events.map((e) => [e.seq, e.actor, e.text]), [[0, 'toolstack', 'a'], [1, 'vcpu0', 'b']]);
  });

  it('heapAlloc counts a kind up, heapFree down; freeing what was never allocated is the model\'s defect', () => {
    const x = new Xen('seed', 4);
    x.heapAlloc('s'); x.heapAlloc('s');
    assert.equal(x.heap.s, 2);
    x.heapFree('s');
    assert.equal(x.heap.s, 1);
    x.heapFree('s');
    assert.equal(x.heap.s, 0);
    assert.throws(() => x.heapFree('s'), /internal: xfree of a s that was never allocated/);
    assert.throws(() => x.heapFree('t'), /internal: xfree of a t that was never allocated/);
  });

  it('failNext: -1 never fails; n lets n allocations through and fails the next, then never again', () => {
    const x = new Xen('seed', 4);
    assert.equal(x.failNext('xzalloc'), false);
    assert.equal(x.faults.xzalloc, -1);
    x.faults.map = 2;
    assert.deepEqual([x.failNext('map'), x.failNext('map'), x.failNext('map'), x.failNext('map')], [false, false, true, false]);
    x.faults.evtchn = 0;
    assert.equal(x.failNext('evtchn'), true);
    assert.equal(x.failNext('evtchn'), false);
  });

  it('printk puts a line in the console ring (domid -1 without a domain, the current vcpu or -1) and an event when recording', () => {
    const x = new Xen('seed', 4);
    const d = new Domain(3, 4);
    x.printk('XENLOG_WARNING', 'f', d, 'hello');
    x.current = { vcpu_id: 1 } as never;
    x.printk('XENLOG_ERR', 'g', null, 'bye');
    assert.deepEqual(x.console, [{ level: 'XENLOG_WARNING', fn: 'f', domid: 3, vcpu: -1, text: 'hello' }, { level: 'XENLOG_ERR', fn: 'g', domid: -1, vcpu: 1, text: 'bye' }]);
    assert.deepEqual(x.events.map((e) => [e.kind, e.fn, e.domid, e.detail, e.text]), [['printk', 'f', 3, { level: 'XENLOG_WARNING' }, 'hello'], ['printk', 'g', -1, { level: 'XENLOG_ERR' }, 'bye']]);
    x.on = false;
    x.printk('XENLOG_INFO', 'h', null, 'quiet');
    assert.equal(x.console.length, 3);
    assert.equal(x.events.length, 2);
  });

  it('reverted(id) is true only for a fix this run undoes', () => {
    const x = new Xen('seed', 4);
    assert.equal(x.reverted('a'), false);
    x.reverts.add('a');
    assert.deepEqual([x.reverted('a'), x.reverted('b')], [true, false]);
  });
});

/** What a reader of either copy sees of the host: every field Xen.clone copies, as plain values. */
function snap(x: Xen) {
  const pg = (p: GuestPage | null | undefined) => p && { use: p.use, bytes: p.bytes ? Array.from(p.bytes.slice(0, 16)) : null, xen_maps: p.xen_maps, foreign_maps: p.foreign_maps, paged_out: p.paged_out, shared: p.shared, not_writable: p.not_writable };
  return {
    profile: x.profile, nrParams: x.nrParams, console: x.console, bugs: x.bugs, panic: x.panic, faults: x.faults, heap: x.heap, on: x.on, actor: x.actor,
    reverts: [...x.reverts], current: x.current && [x.current.domain.domain_id, x.current.vcpu_id],
    domains: [...x.domains].map(([id, d]) => ({
      id, is_hvm: d.is_hvm, is_dying: d.is_dying, pause_count: d.pause_count, crashed: d.crashed, is_shutting_down: d.is_shutting_down, shutdown_code: d.shutdown_code,
      is_shut_down: d.is_shut_down, paging_requests: d.paging_requests, params: d.arch.hvm_domain.params, is_s3_suspended: d.arch.hvm_domain.is_s3_suspended,
      ram_pages: d.ram_pages, holes: [...d.holes], target: d.target, reserved_mem_pgstart: d.reserved_mem_pgstart,
      stdvga: { sr_index: d.stdvga.sr_index, gr_index: d.stdvga.gr_index, sr: [...d.stdvga.sr], gr: [...d.stdvga.gr], stdvga: d.stdvga.stdvga, cache: d.stdvga.cache, latch: d.stdvga.latch, vram: d.stdvga.vram.map((v) => v && v[0]) },
      ports: d.evtchn.ports.map((c) => [c.state, c.remote_dom, c.remote_port, c.pending]),
      physmap: [...d.physmap].map(([pfn, p]) => [pfn, pg(p)]),
      server: d.arch.hvm_domain.ioreq_server && { freed: d.arch.hvm_domain.ioreq_server.freed, domid: d.arch.hvm_domain.ioreq_server.domid, ioreq: d.arch.hvm_domain.ioreq_server.ioreq.page,
        ioreq_va: d.arch.hvm_domain.ioreq_server.ioreq.va?.getUint32(0, true), buf: d.arch.hvm_domain.ioreq_server.buf_ioreq.page, buf_va: d.arch.hvm_domain.ioreq_server.buf_ioreq.va?.getUint32(4, true),
        ioreq_evtchn: d.arch.hvm_domain.ioreq_server.ioreq_evtchn, buf_ioreq_evtchn: d.arch.hvm_domain.ioreq_server.buf_ioreq_evtchn },
      x421: { ioreq_gfn: d.x421.ioreq_gfn, pci_cf8: d.x421.pci_cf8, p2m_ioreq_server: d.x421.p2m_ioreq_server, p2m_ioreq_flags: d.x421.p2m_ioreq_flags, p2m_ioreq_gfns: d.x421.p2m_ioreq_gfns, refcnt: d.x421.refcnt },
      hvm45: { ioreq_gmfn: d.hvm45.ioreq_gmfn, pci_cf8: d.hvm45.pci_cf8, id: d.hvm45.ioreq_server.id, dflt: d.hvm45.default_ioreq_server?.id ?? null,
        list: d.hvm45.ioreq_server.list.map((s) => ({ freed: s.freed, domid: s.domid, id: s.id, enabled: s.enabled, bufioreq_evtchn: s.bufioreq_evtchn, gmfn: s.ioreq.gmfn, page: s.ioreq.page,
          va: s.ioreq.va?.getUint32(0, true) ?? null, bgmfn: s.bufioreq.gmfn, vcpus: s.ioreq_vcpu_list.map((sv) => [sv.vcpu.vcpu_id, sv.vcpu.domain.domain_id, sv.ioreq_evtchn]), range: s.range && s.range.map((r) => [r.nr_ranges, ...r.ranges]) })) },
      vcpus: d.vcpu.map((v) => ({ id: v.vcpu_id, dom: v.domain.domain_id, pause_flags: v.pause_flags, hvm_io: v.arch.hvm_vcpu.hvm_io, inject_trap: v.arch.hvm_vcpu.inject_trap, xen_port: v.arch.hvm_vcpu.xen_port,
        rax: v.rax, defer_shutdown: v.defer_shutdown, paused_for_shutdown: v.paused_for_shutdown, io_done: v.io_done, io_dropped: v.io_dropped, io_restarts: v.io_restarts, io_stale: v.io_stale,
        io: { ...v.io, req: { ...v.io.req }, dabt: { ...v.io.dabt } }, mapcache_invalidate: v.mapcache_invalidate, io_completed_pending: v.io_completed_pending, io_restarted_sent: v.io_restarted_sent })),
    })),
  };
}

/** Every field the clone copies set away from its default, on a booted host with guest d1 (its server up). */
function rich(profile: 'seed' | '4.5') {
  const m = new Model(profile).boot();
  const f = (fn: (i: FlatImpl) => unknown) => { const r = m.flatRun('toolstack', null, fn); assert.equal(r.panic, undefined); return r.value; };
  f((i) => i.libxc.xcDomainCreate(1, 2, true));
  const d = m.x.domains.get(1)!;
  f((i) => i.libxc.setupGuest(d, 0x8000, 0, 0));
  const dm = m.addDeviceModel('qemu', 0, 1, 2);
  if (profile === 'seed') assert.equal(m.flatRun('dm0', null, (i) => i.qemu.xenHvmInit(dm)).value, 0);
  else assert.equal(m.flatRun('dm0', null, (i) => i.qemu45!.xenHvmInitIoreqServer(dm)).value, 0);
  const x = m.x;
  assert.equal(x.bugs.length, 0, 'a fresh server is no freed one: nothing is used after xfree()');
  if (profile === '4.5') assert.deepEqual(d.hvm45.ioreq_server.list.map((s) => [s.freed, s.range!.map((r) => r.ranges)]), [[false, [[], [], []]]], 'QEMU of 2014 claims no range');
  x.console.push({ level: 'XENLOG_INFO', fn: 'f', domid: 1, vcpu: 0, text: 't' });
  x.bugs.push({ kind: 'use-after-free', fn: 'g', text: 'u' });
  x.panic = { fn: 'p', message: 'm' };
  x.faults = { xzalloc: 3, map: 4, evtchn: 5 };
  x.heap.thing = 7;
  x.reverts.add('fix');
  x.actor = 'vcpu1';
  x.current = d.vcpu[1];
  d.is_hvm = false; d.is_dying = 1; d.pause_count = 2; d.crashed = { reason: 'r', fn: 'c', actor: 'a' }; d.is_shutting_down = true; d.shutdown_code = 3;
  d.is_shut_down = true; d.paging_requests.push(9); d.arch.hvm_domain.params[2] = 11; d.arch.hvm_domain.is_s3_suspended = true;
  d.holes.add(0x77); d.target = 4; d.reserved_mem_pgstart = 0x55;
  d.stdvga.sr_index = 1; d.stdvga.gr_index = 2; d.stdvga.ownRegs().sr[1] = 3; d.stdvga.gr[2] = 4; d.stdvga.stdvga = true; d.stdvga.cache = true; d.stdvga.latch = 6;
  d.stdvga.vramForWrite()[0] = new Uint8Array(4096).fill(8);
  d.page(0x10)!.data().setUint8(0, 1);
  d.page(0x11)!.not_writable = true;
  const v = d.vcpu[1];
  v.pause_flags.down = true; v.arch.hvm_vcpu.hvm_io.io_state = 2; v.arch.hvm_vcpu.hvm_io.io_data = 5n; v.arch.hvm_vcpu.inject_trap.vector = 14; v.arch.hvm_vcpu.xen_port = 9;
  v.rax = 3n; v.defer_shutdown = true; v.paused_for_shutdown = true; v.io_done = 1; v.io_dropped = 2; v.io_restarts = 3; v.io_stale = 4;
  v.io.completion = 2; v.io.suspended = true; v.io.req.addr = 0x10n; v.io.dabt.size = 2; v.io.wait_prev_state = 1; v.io.hold_after_send = true; v.io.held_rc = 1;
  v.io.wait_at = 2; v.io.wait_state = 3; v.io.wait_prev = 1; v.io.wait_server = 0; v.io.wait_seen = 6; v.io.wait_cycled = true;
  v.mapcache_invalidate = true; v.io_completed_pending = 1; v.io_restarted_sent = 2;
  d.x421.ioreq_gfn = { base: 1, mask: 2, legacy_mask: 3 }; d.x421.pci_cf8 = 4; d.x421.p2m_ioreq_server = 0; d.x421.p2m_ioreq_flags = 1; d.x421.p2m_ioreq_gfns.push(5); d.x421.refcnt = 2;
  d.hvm45.ioreq_gmfn = { base: 0x100, mask: 3n }; d.hvm45.pci_cf8 = 0x80000000;
  return { m, x, d };
}

describe('mutation: Xen.clone, the explorer\'s copy of the host', () => {
  for (const profile of ['seed', '4.5'] as const) {
    for (const on of [true, false]) {
      it(`${profile}, sharing ${on ? 'on' : 'off'}: the clone shows every field as the original does, and a write to either is not seen by the other`, () => {
        setCloneSharing(on);
        try {
          const { x } = rich(profile);
          const before = JSON.stringify(snap(x), (_k, val) => (typeof val === 'bigint' ? `${val}n` : val));
          const y = x.clone();
          const js = (z: Xen) => JSON.stringify(snap(z), (_k, val) => (typeof val === 'bigint' ? `${val}n` : val));
          assert.equal(js(y), before);
          assert.equal(js(x), before, 'cloning changes nothing a reader sees');
          assert.equal(y.current, y.domains.get(1)!.vcpu[1], 'current is the clone\'s own vcpu');
          assert.deepEqual(y.events.length, x.events.length, 'with events when recording');
          // Writes to the clone's state stay there.
          const e = y.domains.get(1)!, w = e.vcpu[1];
          y.console.push({ level: 'XENLOG_ERR', fn: 'z', domid: 0, vcpu: 0, text: 'z' }); y.bugs.push({ kind: 'use-after-free', fn: 'z', text: 'z' });
          y.panic!.fn = 'z'; y.faults.map = 0; y.heap.thing = 0; y.events.push(y.events[0]);
          e.crashed!.reason = 'z'; e.paging_requests.push(1); e.arch.hvm_domain.params[2] = 0; e.holes.add(1);
          e.page(0x10)!.data().setUint8(0, 2); e.page(0x12)!.data().setUint8(0, 2); e.stdvga.ownRegs().sr[1] = 0; e.stdvga.vramForWrite()[0]![0] = 0;
          w.pause_flags.down = false; w.arch.hvm_vcpu.hvm_io.io_state = 0; w.arch.hvm_vcpu.inject_trap.vector = -1;
          if (profile === 'seed') {
            const s = e.arch.hvm_domain.ioreq_server!;
            s.ioreq.va!.setUint32(0, 0xdead, true); s.buf_ioreq.va!.setUint32(4, 0xbeef, true); s.ioreq_evtchn[0] = 99;
          } else {
            const s = e.hvm45.ioreq_server.list[0];
            s.ioreq.va!.setUint32(0, 0xdead, true);
            e.hvm45.ioreq_gmfn.base = 0; s.ioreq_vcpu_list[0].ioreq_evtchn = 99; s.range![0].ranges.push(1);
          }
          assert.equal(js(x), before);
          assert.notEqual(js(y), before);
          assert.equal(x.events.length + 1, y.events.length, 'the clone\'s events are its own');
          if (!on) {
            assert.notEqual(w.io, x.domains.get(1)!.vcpu[1].io, 'the deep clone copies v->io');
            assert.notEqual(e.x421, x.domains.get(1)!.x421);
            assert.notEqual(e.hvm45, x.domains.get(1)!.hvm45);
          }
          // And writes to the original stay there.
          const y2 = x.clone(false);
          assert.deepEqual(y2.events, [], 'a clone without events');
          const b2 = js(y2);
          const d = x.domains.get(1)!;
          d.page(0x10)!.data().setUint8(0, 3); d.stdvga.ownRegs().gr[2] = 0; d.vcpu[1].rax = 0n; x.reverts.add('other');
          assert.equal(js(y2).replace('"fix","other"', '"fix"'), b2, 'reverts is the one set the run reads');
        } finally { setCloneSharing(true); }
      });
    }
  }

  it('current: none stays none; a vcpu of a domain the clone lacks is none', () => {
    const x = new Xen('seed', 4);
    assert.equal(x.clone().current, null);
    const d = new Domain(5, 4);
    const v = new Vcpu(d, 0);
    x.current = v;
    assert.equal(x.clone().current, null);
  });

  it('a page never used is shared by both physmaps until either looks at it; then each has its own', () => {
    const x = new Xen('seed', 4);
    const d = new Domain(1, 4);
    x.domains.set(1, d);
    d.ram_pages = 4;
    const p = d.page(2)!;
    const y = x.clone();
    assert.equal(y.domains.get(1)!.physmap.get(2), p);
    assert.equal(p.cow, true);
    const q = y.domains.get(1)!.page(2)!;
    assert.notEqual(q, p);
    q.data().setUint8(0, 1);
    assert.equal(d.page(2)!.data().getUint8(0), 0);
  });
});

const SCENARIOS = path.join(__dirname, '..', '..', '..', 'scenarios');
/** The model at the end of a library scenario. */
function endOf(name: string): Model {
  const file = path.join(SCENARIOS, name);
  return runScenario(parseScenario(fs.readFileSync(file, 'utf8'), file)).session.m;
}

describe('mutation: the clone of today\'s hosts (4.21, x86 and Arm)', () => {
  for (const [name, arm] of [['28-x421-qemu-port-round-trip.ioreq.json', false], ['39-x421-arm-weird-state-transition.ioreq.json', true]] as const) {
    it(`${arm ? 'Arm' : 'x86'}: servers, their pages, vcpu lists and ranges, v->io and the ioreq block of struct domain are the clone\'s own`, () => {
      const m = endOf(name);
      const x = m.x;
      assert.equal(x.bugs.length, 0, 'no server was used after xfree()');
      const d = x.domains.get(1)!, v = d.vcpu[0];
      const s = d.x421.server.find((t) => t !== null)!;
      assert.deepEqual([s.freed, s.id >= 0], [false, true]);
      // Pages made by XENMEM_acquire_resource have no gfn: INVALID_GFN (~0UL, -1 here).
      assert.equal(INVALID_GFN, -1);
      if (s.how[0] === 'resource') assert.equal(s.ioreq.gfn, -1);
      d.x421.p2m_ioreq_gfns.push(7);
      v.io.req.addr = 0x1234n;
      const view = (z: Xen) => {
        const e = z.domains.get(1)!, t = e.x421.server[s.id]!, w = e.vcpu[0];
        return JSON.stringify({ gfns: e.x421.p2m_ioreq_gfns, addr: `${w.io.req.addr}`, completion: w.io.completion, dabt: w.io.dabt, enabled: t.enabled, how: t.how, id: t.id, freed: t.freed,
          handling: t.bufioreq_handling, bev: t.bufioreq_evtchn, emu: t.emulator.domain_id, gfn: t.ioreq.gfn, va: t.ioreq.va?.getUint32(0, true) ?? null,
          vcpus: t.ioreq_vcpu_list.map((sv) => [sv.vcpu.vcpu_id, sv.vcpu === w, sv.ioreq_evtchn, sv.pending]), ranges: t.range.map((r) => JSON.stringify(r, (_k, val) => (typeof val === 'bigint' ? `${val}n` : val))) });
      };
      const before = view(x);
      const y = x.clone();
      assert.equal(view(y), before);
      const e = y.domains.get(1)!, w = e.vcpu[0], t = e.x421.server[s.id]!;
      assert.equal(t.target, e, 'the clone\'s server serves the clone\'s domain');
      assert.equal(t.emulator, y.domains.get(t.emulator.domain_id), 'and is emulated by the clone\'s device-model domain');
      e.x421.p2m_ioreq_gfns.push(8); w.io.req.addr = 0n; w.io.dabt.size = 3; t.ioreq_vcpu_list[0].pending = !t.ioreq_vcpu_list[0].pending; t.how[0] = null;
      if (t.ioreq.va) t.ioreq.va.setUint32(0, 0xfeed, true);
      assert.equal(view(x), before, 'nothing written to the clone shows in the original');
      assert.notEqual(view(y), before);
    });
  }
});

describe('mutation: what the views name and what a fresh structure holds', () => {
  it('the names shown for io_state, v->io.completion and shutdown codes are Xen\'s, in its order (asm-x86/hvm/vcpu.h:33-40, public/sched.h:156-160 @RELEASE-4.4.0; xen/sched.h:157-163 @RELEASE-4.21.0)', () => {
    assert.deepEqual(HVMIO_NAMES, ['HVMIO_none', 'HVMIO_dispatched', 'HVMIO_awaiting_completion', 'HVMIO_handle_mmio_awaiting_completion', 'HVMIO_handle_pio_awaiting_completion', 'HVMIO_completed']);
    assert.deepEqual(VIO_NAMES, ['VIO_no_completion', 'VIO_mmio_completion', 'VIO_pio_completion', 'VIO_realmode_completion']);
    assert.deepEqual(SHUTDOWN_NAMES, ['SHUTDOWN_poweroff', 'SHUTDOWN_reboot', 'SHUTDOWN_suspend', 'SHUTDOWN_crash', 'SHUTDOWN_watchdog']);
  });

  it('HVMOP_create_ioreq_server (4.5) makes a server that is neither enabled nor freed (hvm.c @RELEASE-4.5.0: enabling is a separate HVMOP_set_ioreq_server_state)', () => {
    const g = new G45();
    const a = { domid: 1, handle_bufioreq: 1, id: -1 };
    assert.equal(g.op(H.HVMOP_create_ioreq_server, a), 0);
    const s = g.d.hvm45.ioreq_server.list.find((t) => t.id === a.id)!;
    assert.deepEqual([s.enabled, s.freed, s.range!.map((r) => r.ranges)], [false, false, [[], [], []]]);
  });

  it('a stdvga whose video memory was never written clones to one that has none either; its registers are shared until one side writes', () => {
    const g = new HvmHwStdvga();
    const c = g.clone();
    assert.equal(c.hasVram(), false);
    assert.equal(g.hasVram(), false);
    c.ownRegs().sr[0] = 5;
    assert.equal(g.sr[0], 0);
    g.vramForWrite()[1] = new Uint8Array(4096);
    const c2 = g.clone();
    assert.equal(c2.hasVram(), true);
    c2.vram[1]![0] = 1;
    assert.equal(g.vram[1]![0], 0);
    assert.equal(A.PAGE_SIZE, 4096);
  });
});

describe('mutation: a 4.21 server\'s legacy gfn pages in the clone', () => {
  it('before the server is enabled its pages are still guest frames: the clone\'s server maps the clone\'s own frames, the ones its guest reads', () => {
    const file = path.join(SCENARIOS, '37-x421-legacy-gfns-leave-p2m.ioreq.json');
    // Up to the maps of both pages, before xendevicemodel_set_ioreq_server_state.
    const m = runScenario(parseScenario(fs.readFileSync(file, 'utf8'), file), { upTo: 6 }).session.m;
    const d = m.x.domains.get(1)!;
    const s = d.x421.server.find((t) => t !== null)!;
    assert.equal(s.how[0], 'gfn');
    assert.equal(d.physmap.get(s.ioreq.gfn), s.ioreq.page, 'a guest frame');
    const y = m.x.clone();
    const e = y.domains.get(1)!, t = e.x421.server[s.id]!;
    assert.equal(e.physmap.get(t.ioreq.gfn), t.ioreq.page);
    assert.notEqual(t.ioreq.page, s.ioreq.page);
    t.ioreq.va!.setUint32(0, 0xabcd, true);
    assert.equal(e.page(t.ioreq.gfn)!.data().getUint32(0, true), 0xabcd);
    assert.equal(d.page(s.ioreq.gfn)!.data().getUint32(0, true), 0);
  });
});
