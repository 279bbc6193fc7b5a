// Mutation tests of src/model/components.ts (issue #16): the cut of the model's state into named components, each
// hashed, that the explorer's partial-order reduction checks a step's declared writes against. Each test changes one
// thing of a scenario's end state and checks which components changed: exactly the one owning it. The owners follow
// Xen's structures: a vcpu's slot is the struct ioreq at vcpu_id in the shared ioreq page and its port is the one
// bound for it (hvm_ioreq_server_add_vcpu, xen/arch/x86/hvm/hvm.c @RELEASE-4.4.0); a server's buffered ring and port
// are the device model's that maps that page; a port's binding belongs to its domain (struct evtchn,
// xen/include/xen/sched.h @RELEASE-4.4.0), its pending bit to whoever waits on it.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as A from '../../src/model/abi';
import { changedComponents, componentHashes } from '../../src/model/components';
import type { Model } from '../../src/model/model';
import { GuestPage, PageStore, PageView } from '../../src/model/xen';
import { parseScenario } from '../../src/scenario/parse';
import { runScenario } from '../../src/scenario/run';

const SCENARIOS = path.join(__dirname, '..', '..', '..', 'scenarios');
function runOf(name: string): Model {
  const file = path.join(SCENARIOS, name);
  return runScenario(parseScenario(fs.readFileSync(file, 'utf8'), file)).session.m;
}
/** The components fn changes in m, sorted. */
function changed(m: Model, fn: () => void): string[] {
  const before = componentHashes(m);
  fn();
  return changedComponents(before, componentHashes(m)).sort();
}
type Any = Record<string, unknown>;

describe('components.ts (mutation): the state cut into named, hashed components', () => {
  it('changedComponents: a differing hash, a component only after, a component only before', () => {
    const a = new Map([['x', 1], ['d1', 2], ['d1.v0', 3]]);
    const b = new Map([['x', 1], ['d1', 5], ['d2', 7]]);
    assert.deepEqual(changedComponents(a, b), ['d1', 'd2', 'd1.v0']);
    assert.deepEqual(changedComponents(a, new Map(a)), []);
  });

  it('the seed\'s components: Xen, each domain\'s structure, run state, vga, vcpus and RAM, the ring QEMU maps, QEMU', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const keys = [...componentHashes(m).keys()].sort();
    assert.deepEqual(keys, ['d0', 'd0.run', 'd0.v0', 'd0.vga', 'd1', 'd1.buf.qemu', 'd1.run', 'd1.v0', 'd1.v1', 'd1.vga', 'm:qemu', 'm:qemu.dead', 'x']);
    // d1.ram appears with the first frame holding a non-zero byte.
    m.x.domains.get(1)!.page(0x200)!.data().setUint8(0, 1);
    assert.ok(componentHashes(m).has('d1.ram'));
    // The same state hashes the same; a clone too.
    assert.deepEqual(changedComponents(componentHashes(m), componentHashes(m)), []);
    assert.deepEqual(changedComponents(componentHashes(m), componentHashes(m.clone())), []);
  });

  it('Xen\'s heap counters and fault plan are x; the bug log is not hashed', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    assert.deepEqual(changed(m, () => { m.x.heap.hvm_ioreq_server++; }), ['x']);
    assert.deepEqual(changed(m, () => { m.x.faults.map = 3; }), ['x']);
    assert.deepEqual(changed(m, () => { m.x.bugs.push({ fn: 'f', message: 'b' } as never); }), []);
  });

  it('a domain\'s run state: dying, paused, crashed, shutting down and its code, shut down, a vcpu paused for shutdown', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const d = m.x.domains.get(1)!;
    assert.deepEqual(changed(m, () => { d.pause_count++; }), ['d1.run']);
    assert.deepEqual(changed(m, () => { d.is_dying = 1; }), ['d1.run']);
    assert.deepEqual(changed(m, () => { d.crashed = { reason: 'r', fn: 'f', actor: 'a' }; }), ['d1.run']);
    assert.deepEqual(changed(m, () => { d.is_shutting_down = true; }), ['d1.run']);
    assert.deepEqual(changed(m, () => { d.shutdown_code = 3; }), ['d1.run']);
    assert.deepEqual(changed(m, () => { d.is_shut_down = true; }), ['d1.run']);
    assert.deepEqual(changed(m, () => { d.vcpu[1].paused_for_shutdown = true; }), ['d1.run']);
    assert.deepEqual(changed(m, () => { d.vcpu[1].paused_for_shutdown = false; d.vcpu[0].paused_for_shutdown = true; }), ['d1.run'], 'which vcpu counts');
  });

  it('stdvga: its registers and each written VRAM page, with its index, are dD.vga', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const g = m.x.domains.get(1)!.stdvga;
    // Before the fix the sequencer and graphics registers (Uint8Arrays) were hashed as mappings only: never changed.
    assert.deepEqual(changed(m, () => { g.ownRegs().sr[1] = 5; }), ['d1.vga']);
    assert.deepEqual(changed(m, () => { g.ownRegs().gr[8] = 1; }), ['d1.vga']);
    assert.deepEqual(changed(m, () => { g.stdvga = true; }), ['d1.vga']);
    const vram = g.vramForWrite();
    assert.deepEqual(changed(m, () => { vram[3] = new Uint8Array(4096); }), ['d1.vga'], 'a page now written, all zero');
    assert.deepEqual(changed(m, () => { vram[3]![100] = 0x41; }), ['d1.vga'], 'a byte of it');
    assert.deepEqual(changed(m, () => { vram[4] = vram[3]; vram[3] = null; }), ['d1.vga'], 'the same bytes at another index');
  });

  it('a vcpu: its fields, its slot in the ioreq page; the page beyond the slots is the domain\'s', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const d = m.x.domains.get(1)!;
    const va = d.arch.hvm_domain.ioreq_server!.ioreq.va!;
    assert.deepEqual(changed(m, () => { d.vcpu[1].rax = 7n as never; }), ['d1.v1']);
    assert.deepEqual(changed(m, () => { d.vcpu[0].io_done++; }), ['d1.v0']);
    assert.deepEqual(changed(m, () => { A.setState(va, A.ioreqOffset(0), A.STATE_IOREQ_READY); }), ['d1.v0']);
    assert.deepEqual(changed(m, () => { A.setState(va, A.ioreqOffset(1), A.STATE_IOREQ_READY); }), ['d1.v1']);
    assert.deepEqual(changed(m, () => { va.setUint8(A.ioreqOffset(1) + A.IOREQ_SIZE - 1, 1); }), ['d1.v1'], 'the last byte of vcpu 1\'s slot');
    assert.deepEqual(changed(m, () => { va.setUint8(2 * A.IOREQ_SIZE, 1); }), ['d1'], 'the first byte after the two slots');
    assert.deepEqual(changed(m, () => { va.setUint8(4095, 1); }), ['d1']);
  });

  it('the buffered ring is QEMU\'s, its port\'s pending bits at both ends too; a vcpu\'s port pending bits are the vcpu\'s', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const d1 = m.x.domains.get(1)!, d0 = m.x.domains.get(0)!;
    const buf = d1.arch.hvm_domain.ioreq_server!.buf_ioreq.va!;
    assert.deepEqual(changed(m, () => { buf.setUint32(A.BUF_OFF_WRITE_POINTER, 9, true); }), ['d1.buf.qemu']);
    assert.deepEqual(changed(m, () => { buf.setUint8(4095, 1); }), ['d1.buf.qemu']);
    // d1's ports: 3 vcpu 0's, 5 vcpu 1's, 4 the buffered one; QEMU's in dom0: 1, 2 and 3.
    assert.deepEqual(changed(m, () => { d1.evtchn.w(3).pending = true; }), ['d1.v0']);
    assert.deepEqual(changed(m, () => { d1.evtchn.w(5).pending = true; }), ['d1.v1']);
    assert.deepEqual(changed(m, () => { d1.evtchn.w(4).pending = true; }), ['d1.buf.qemu']);
    assert.deepEqual(changed(m, () => { d0.evtchn.w(1).pending = true; }), ['d1.v0'], 'the remote end of vcpu 0\'s port');
    assert.deepEqual(changed(m, () => { d0.evtchn.w(2).pending = true; }), ['d1.v1']);
    assert.deepEqual(changed(m, () => { d0.evtchn.w(3).pending = true; }), ['d1.buf.qemu']);
    // A port no server uses: its pending bit is its domain's (the xenstore port, 1).
    assert.deepEqual(changed(m, () => { d1.evtchn.w(1).pending = true; }), ['d1']);
    // A binding is the domain's, every field of it.
    assert.deepEqual(changed(m, () => { d1.evtchn.w(3).notify_vcpu_id = 1; }), ['d1']);
    assert.deepEqual(changed(m, () => { d1.evtchn.w(3).xen_consumer = 0; }), ['d1']);
    assert.deepEqual(changed(m, () => { d1.evtchn.w(3).remote_domid = 5; }), ['d1']);
    assert.deepEqual(changed(m, () => { d0.evtchn.w(1).remote_port = 5; }), ['d0'], 'the remote end\'s binding is its domain\'s');
    assert.deepEqual(changed(m, () => { d1.evtchn.w(1).state = 0; }), ['d1']);
    assert.deepEqual(changed(m, () => { d1.evtchn.w(1).remote_dom = 2; }), ['d1']);
    assert.deepEqual(changed(m, () => { d1.evtchn.max_evtchns++; }), ['d1']);
  });

  it('the buffered page no device model maps is dD.buf; a server port out of range is ignored', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const q = m.dms.get('qemu')!;
    const d1 = m.x.domains.get(1)!;
    q.buffered_io_page = null;
    const keys = [...componentHashes(m).keys()];
    assert.ok(keys.includes('d1.buf') && !keys.includes('d1.buf.qemu'));
    assert.deepEqual(changed(m, () => { d1.evtchn.w(4).pending = true; }), ['d1.buf']);
    // A server naming a port beyond the table, or -1: nothing is bound to it, hashing does not fail.
    const s = d1.arch.hvm_domain.ioreq_server!;
    s.ioreq_evtchn = [3, 5000];
    s.buf_ioreq_evtchn = -1;
    assert.deepEqual(changed(m, () => { d1.evtchn.w(4).pending = false; }), ['d1']);
    assert.deepEqual(changed(m, () => { d1.evtchn.w(5).pending = true; }), ['d1']);
  });

  it('RAM: a frame\'s bytes are dD.ram with its pfn; an all-zero frame and a frame materialised untouched are not', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const d = m.x.domains.get(1)!;
    assert.deepEqual(changed(m, () => { d.page(0x200); }), [], 'Domain.page makes the frame on first touch: no change');
    const dv = d.page(0x200)!.data();
    assert.deepEqual(changed(m, () => { dv.setUint8(0, 0); }), [], 'still all zero');
    assert.deepEqual(changed(m, () => { d.page(0x202)!.data(); }), [], 'a frame given bytes, all zero');
    assert.deepEqual(changed(m, () => { dv.setUint8(4095, 1); }), ['d1.ram']);
    // The same bytes at another pfn are another state.
    const other = d.page(0x201)!.data();
    assert.deepEqual(changed(m, () => { other.setUint8(4095, 1); dv.setUint8(4095, 0); }), ['d1.ram']);
    // A frame's mapping state is the domain's: mapped by Xen or a device model, paged out, shared, read-only.
    const pg = d.physmap.get(0x200)!;
    assert.deepEqual(changed(m, () => { pg.xen_maps = 1; }), ['d1']);
    assert.deepEqual(changed(m, () => { pg.xen_maps = 0; pg.foreign_maps = 1; }), ['d1']);
    assert.deepEqual(changed(m, () => { pg.foreign_maps = 0; pg.paged_out = true; }), ['d1']);
    assert.deepEqual(changed(m, () => { pg.paged_out = false; pg.shared = true; }), ['d1']);
    assert.deepEqual(changed(m, () => { pg.shared = false; pg.not_writable = true; }), ['d1']);
    assert.deepEqual(changed(m, () => { pg.not_writable = false; }), ['d1']);
    // A special page's physmap entry is hashed whatever its flags; a new one counts.
    assert.deepEqual(changed(m, () => { d.physmap.set(0x300, new GuestPage('xenstore')); }), ['d1']);
    assert.deepEqual(changed(m, () => { d.physmap.set(0x301, new GuestPage('ram')); }), []);
    // Its mapping made (bytes, still zero) is no change either: only the page's flags and counts are hashed there.
    assert.deepEqual(changed(m, () => { d.physmap.get(0x300)!.data(); }), []);
  });

  it('a server without its pages mapped hashes; a mapping that is a plain DataView is read as its bytes', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const d = m.x.domains.get(1)!;
    const s = d.arch.hvm_domain.ioreq_server!;
    s.ioreq.va = null; s.buf_ioreq.va = null;
    assert.doesNotThrow(() => componentHashes(m));
    const plain = new DataView(new ArrayBuffer(A.PAGE_SIZE));
    s.buf_ioreq.va = plain;
    m.dms.get('qemu')!.buffered_io_page = plain;
    assert.deepEqual(changed(m, () => { plain.setUint8(100, 1); }), ['d1.buf.qemu']);
  });

  it('a vcpu added: its own component and the run state, not the domain\'s structure', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const d0 = m.x.domains.get(0)!;
    assert.deepEqual(changed(m, () => { m.flatRun('toolstack', null, (f) => f.libxc.allocVcpu(d0, 1)); }), ['d0.run', 'd0.v1']);
  });

  it('the ioreq and buffered pages found by the params as well as by the servers (a page no server maps any more)', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const d = m.x.domains.get(1)!;
    const ioreq = d.physmap.get(0xfeff9)!.dv!, buf = d.physmap.get(0xfeff8)!.dv!;
    d.arch.hvm_domain.ioreq_server = null;
    m.dms.get('qemu')!.buffered_io_page = null;
    // Still sliced by vcpu (IOREQ_PFN) and whole as the ring (BUFIOREQ_PFN), not as RAM.
    assert.deepEqual(changed(m, () => { A.setState(ioreq, A.ioreqOffset(1), A.STATE_IOREQ_READY); }), ['d1.v1']);
    assert.deepEqual(changed(m, () => { buf.setUint8(8, 1); }), ['d1.buf']);
    // Other special pages with bytes are RAM.
    const store = d.physmap.get(0xfeffc)!.data();
    assert.deepEqual(changed(m, () => { store.setUint8(0, 1); }), ['d1.ram']);
  });

  it('a device model: every field but dead is m:N; dead is m:N.dead', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const q = m.dms.get('qemu')!;
    assert.deepEqual(changed(m, () => { q.handled++; }), ['m:qemu']);
    assert.deepEqual(changed(m, () => { q.dead = true; }), ['m:qemu.dead']);
    assert.deepEqual(changed(m, () => { q.devices.set(1, 2n); }), ['m:qemu']);
    assert.deepEqual(changed(m, () => { q.devices.set(1, 3n); }), ['m:qemu'], 'a bigint value');
    assert.deepEqual(changed(m, () => { q.stderr.push('x'); }), ['m:qemu']);
    assert.deepEqual(changed(m, () => { q.stderr[0] = 'y'; }), ['m:qemu'], 'a string\'s text');
    assert.deepEqual(changed(m, () => { q.last_error = 'e'; }), ['m:qemu'], 'null to a string');
  });

  it('the walk tells apart undefined, null, false, true and numbers; arrays, maps and sets by size and content', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const q = m.dms.get('qemu')! as unknown as Any;
    // (Each kind is tagged by a negative number, so these differ from each other and from small non-negative numbers.)
    const values: unknown[] = [undefined, null, false, true, 0, 11, 12, 13, 14, 15, 16, 17, 18, 1, '', 'a', 1n, 'ab', [], [1], [undefined], [null],
      new Map(), new Map([[1, 1]]), new Set(), new Set([1]), new Uint8Array(1), {}, { a: 1 }, { b: 1 }, [[]], [1, 2], [12], [3n], ['x']];
    const seen = new Map<number, unknown>();
    for (const v of values) {
      q.probe = v;
      const h = componentHashes(m).get('m:qemu')!;
      assert.ok(!seen.has(h), `${String(v)} hashes as ${String(seen.get(h))}`);
      seen.set(h, v);
    }
    // The length (size) is part of an array's (map's) tag: neither reads as another value followed by the next field.
    const hashOf = (v: unknown) => { q.probe = v; return componentHashes(m).get('m:qemu'); };
    assert.notEqual(hashOf({ p: ['q', 1] }), hashOf({ p: null, q: 1 }));
    assert.notEqual(hashOf({ p: [-2, 113, 1] }), hashOf({ p: false, q: 1 }));
    assert.notEqual(hashOf({ p: new Map([['q', 1]]) }), hashOf({ p: [], q: 1 }));
    // A Domain's or Vcpu's tag keeps it apart from an empty string followed by numbers (a function adds nothing).
    const d1 = m.x.domains.get(1)!;
    const fn = () => 0;
    assert.notEqual(hashOf(new Map<unknown, unknown>([[d1, fn]])), hashOf(new Map([['', 1]])));
    assert.notEqual(hashOf(new Map<unknown, unknown>([[d1.vcpu[0], fn], [fn, fn]])), hashOf(new Map<unknown, unknown>([['', 1], [0, fn]])));
    // A function is no state; a Map's key counts as well as its value.
    q.probe = new Map([[1, 2]]);
    assert.deepEqual(changed(m, () => { q.probe = new Map([[2, 2]]); }), ['m:qemu']);
    assert.deepEqual(changed(m, () => { q.probe = new Map([[2, 3]]); }), ['m:qemu']);
    assert.deepEqual(changed(m, () => { q.probe = new Set([2, 4]); }), ['m:qemu']);
    assert.deepEqual(changed(m, () => { q.probe = new Set([2, 5]); }), ['m:qemu']);
    assert.deepEqual(changed(m, () => { q.probe = [5, 2]; }), ['m:qemu']);
    assert.deepEqual(changed(m, () => { q.probe = [5, 3]; }), ['m:qemu']);
    q.probe = () => 1;
    assert.deepEqual(changed(m, () => { q.probe = () => 2; }), []);
    // A page mapping: only whether one is there, not its bytes (those are components of their own).
    q.probe = new Uint8Array(4);
    assert.deepEqual(changed(m, () => { (q.probe as Uint8Array)[0] = 9; }), []);
    q.probe = new DataView(new ArrayBuffer(4));
    assert.deepEqual(changed(m, () => { q.probe = new PageView(new PageStore()); }), []);
    // The clone's bookkeeping is not state.
    for (const k of ['regsShared', 'gen', 'arrayGen', 'cow']) assert.deepEqual(changed(m, () => { q[k] = 99; }), [], k);
  });

  it('a Domain or Vcpu met through a pointer is hashed as its identity, not its contents', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const q = m.dms.get('qemu')! as unknown as Any;
    const d0 = m.x.domains.get(0)!, d1 = m.x.domains.get(1)!;
    q.probe = d1;
    assert.deepEqual(changed(m, () => { d1.ram_pages++; }), ['d1'], 'd1 itself changed, not QEMU');
    assert.deepEqual(changed(m, () => { q.probe = d0; }), ['m:qemu']);
    q.probe = d1.vcpu[0];
    assert.deepEqual(changed(m, () => { d1.vcpu[0].io_done++; }), ['d1.v0']);
    assert.deepEqual(changed(m, () => { q.probe = d1.vcpu[1]; }), ['m:qemu'], 'another vcpu id');
    assert.deepEqual(changed(m, () => { q.probe = d0.vcpu[0]; }), ['m:qemu'], 'vcpu 0 of another domain');
    // A cycle not through a Domain or Vcpu is a defect of the walk, reported.
    const a: Any = {};
    a.self = a;
    q.probe = a;
    assert.throws(() => componentHashes(m), /components walk too deep/);
    // Through an array, a map's key or value, or a set, the same.
    const arr: unknown[] = []; arr.push(arr);
    const mk = new Map<unknown, unknown>(); mk.set(mk, 1);
    const mv = new Map<unknown, unknown>(); mv.set(1, mv);
    const st = new Set<unknown>(); st.add(st);
    for (const c of [arr, mk, mv, st]) {
      q.probe = c;
      assert.throws(() => componentHashes(m), /components walk too deep/);
    }
    // Sixteen levels are fine.
    let deep: Any = { v: 1 };
    for (let i = 0; i < 14; i++) deep = { n: deep };
    q.probe = deep;
    assert.doesNotThrow(() => componentHashes(m));
  });

  it('the seed server\'s cache of get_ioreq results (refs) is not Xen state; its other fields are the domain\'s', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const s = m.x.domains.get(1)!.arch.hvm_domain.ioreq_server!;
    assert.deepEqual(changed(m, () => { s.refs.push({} as never); }), []);
    assert.deepEqual(changed(m, () => { s.freed = true; }), ['d1']);
    assert.deepEqual(changed(m, () => { m.x.domains.get(1)!.arch.hvm_domain.params[1] = 5; }), ['d1']);
  });

  it('4.21: a server\'s per-vcpu pending flag is that vcpu\'s; the rest of the server is the domain\'s', () => {
    const m = runOf('28-x421-qemu-port-round-trip.ioreq.json');
    const d = m.x.domains.get(1)!;
    const s = d.x421.server[0]!;
    assert.deepEqual(changed(m, () => { s.ioreq_vcpu_list[0].pending = true; }), ['d1.v0']);
    // Its port renumbered: the binding is the domain's; port 3's pending bits (both ends) no longer vcpu 0's.
    assert.deepEqual(changed(m, () => { s.ioreq_vcpu_list[0].ioreq_evtchn = 9; }), ['d0', 'd1', 'd1.v0']);
    assert.deepEqual(changed(m, () => { s.enabled = false; }), ['d1']);
    assert.deepEqual(changed(m, () => { d.x421.pci_cf8 = 0x80000000; }), ['d1']);
    // The 4.21 slot page, by vcpu; the ring, QEMU's.
    assert.deepEqual(changed(m, () => { A.setState(s.ioreq.va!, A.ioreqOffset(0), A.STATE_IOREQ_READY); }), ['d1.v0']);
    assert.deepEqual(changed(m, () => { s.bufioreq.va!.setUint32(A.BUF_OFF_READ_POINTER, 1, true); }), ['d1.buf.qemu']);
    // In the domain's structure only pending is skipped, only in an entry with both ioreq_evtchn and vcpu (the
    // IoreqVcpu shape); every other field of it counts, and so does a pending elsewhere.
    const p = d as unknown as Any;
    p.probe = { pending: 1, ioreq_evtchn: 1 };
    assert.deepEqual(changed(m, () => { p.probe = { pending: 2, ioreq_evtchn: 1 }; }), ['d1']);
    p.probe = { pending: 1, vcpu: 1 };
    assert.deepEqual(changed(m, () => { p.probe = { pending: 2, vcpu: 1 }; }), ['d1']);
    p.probe = { vcpu: 1, x: 1 };
    assert.deepEqual(changed(m, () => { p.probe = { vcpu: 1, x: 2 }; }), ['d1']);
    p.probe = { pending: 1 };
    assert.deepEqual(changed(m, () => { p.probe = { pending: 2 }; }), ['d1']);
    p.probe = { ioreq_evtchn: 1, vcpu: 1, pending: 1, x: 1 };
    assert.deepEqual(changed(m, () => { p.probe = { ioreq_evtchn: 1, vcpu: 1, pending: 2, x: 1 }; }), []);
    assert.deepEqual(changed(m, () => { p.probe = { ioreq_evtchn: 1, vcpu: 1, pending: 2, x: 2 }; }), ['d1']);
    assert.deepEqual(changed(m, () => { p.probe = { ioreq_evtchn: 2, vcpu: 1, pending: 2, x: 2 }; }), ['d1']);
    assert.deepEqual(changed(m, () => { p.probe = { ioreq_evtchn: 2, vcpu: 2, pending: 2, x: 2 }; }), ['d1']);
    p.probe = { refs: 1 };
    assert.deepEqual(changed(m, () => { p.probe = { refs: 2 }; }), ['d1'], 'refs only skipped in the seed\'s server');
  });

  it('a fresh load of components.ts: the fields hashed elsewhere (vcpu, stdvga, physmap, evtchn) are not the domain\'s', () => {
    // Its field lists are built when the module loads: load it afresh (its cache entry set aside, then put back).
    const key = require.resolve('../../src/model/components');
    const saved = require.cache[key];
    delete require.cache[key];
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const C = require('../../src/model/components') as typeof import('../../src/model/components');
      const m = runOf('06-two-vcpus-on-demand.ioreq.json');
      const ch = (fn: () => void) => { const b = C.componentHashes(m); fn(); return C.changedComponents(b, C.componentHashes(m)).sort(); };
      const d0 = m.x.domains.get(0)!, d1 = m.x.domains.get(1)!;
      assert.deepEqual(ch(() => { m.flatRun('toolstack', null, (f) => f.libxc.allocVcpu(d0, 1)); }), ['d0.run', 'd0.v1']);
      assert.deepEqual(ch(() => { d1.stdvga.ownRegs().sr[0] = 3; }), ['d1.vga']);
      assert.deepEqual(ch(() => { d1.evtchn.w(3).pending = true; }), ['d1.v0']);
      assert.deepEqual(ch(() => { d1.vcpu[0].paused_for_shutdown = true; }), ['d1.run']);
      assert.deepEqual(ch(() => { d1.page(0x200)!.data().setUint8(1, 1); }), ['d1.ram']);
      assert.deepEqual(ch(() => { d1.pause_count++; }), ['d1.run']);
    } finally {
      if (saved) require.cache[key] = saved; else delete require.cache[key];
    }
  });
});
