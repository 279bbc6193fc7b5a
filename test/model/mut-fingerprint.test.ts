// The explorer's state key (src/model/fingerprint.ts) under issue 16's mutation testing: two states that differ in
// anything the next step can depend on must get different keys (exact text and 53-bit hash, with and without cached
// page digests), or the explorer would merge them and never look at one; equal states get equal keys; the history is
// left out. Each state is a bundled scenario's end state (seed, 4.5, 4.21, 4.21-arm with ioeventfd), cloned and changed
// in one field.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import * as A from '../../src/model/abi';
import { fingerprint, fingerprintHash, Hasher, pageDigests } from '../../src/model/fingerprint';
import type { Model } from '../../src/model/model';
import type { Domain } from '../../src/model/xen';
import { parseScenario } from '../../src/scenario/parse';
import { runScenario } from '../../src/scenario/run';

const DIR = path.join(__dirname, '../../../scenarios');
const ends = new Map<string, Model>();
/** A bundled scenario's end state (run once; tests change clones). */
function end(name: string, upTo?: number): Model {
  const k = `${name}@${upTo}`;
  let m = ends.get(k);
  if (!m) { m = runScenario(parseScenario(fs.readFileSync(path.join(DIR, name), 'utf8'), name), { upTo }).session.m; ends.set(k, m); }
  return m;
}
const SEED = '08-sync-pio-read-write.ioreq.json';
const X45 = '22-x45-qemu45-own-server-beside-default.ioreq.json';
const X421 = '28-x421-qemu-port-round-trip.ioreq.json';
const ARM_KIO = '70-x421-arm-ioeventfd-shares-ioreq-port.ioreq.json';
const VGA = '43-stdvga-caching.ioreq.json';

/** The three keys of a state: exact text, hash with page digests, hash without. */
function keys(m: Model): [string, number, number] {
  const text = fingerprint(m), h = fingerprintHash(m);
  pageDigests.on = false;
  try { return [text, h, fingerprintHash(m)]; } finally { pageDigests.on = true; }
}
const d1 = (m: Model): Domain => m.x.domains.get(1)!;
const dm0 = (m: Model) => [...m.dms.values()][0];
const s45 = (m: Model) => d1(m).hvm45.ioreq_server.list[0];
const s421 = (m: Model) => d1(m).x421.server.find((s) => s)!;
/** A copy of a rangeset with other ranges. */
function with45<R extends { clone(): R; ranges: number[] }>(r: R, ranges: number[]): R { const c = r.clone(); c.ranges = ranges; return c; }
function with421<R extends { clone(): R; ranges: Array<[bigint, bigint]> }>(r: R, ranges: Array<[bigint, bigint]>): R { const c = r.clone(); c.ranges = ranges; return c; }
/** A page the key reads, changed through its copy-on-write view. */
const poke = (dv: DataView, off: number) => dv.setUint32(off, (dv.getUint32(off, true) ^ 0x5a5a5a5a) >>> 0, true);

const CHANGES: Array<[string, string, (m: Model) => void]> = [
  // The host.
  [SEED, 'a panic', (m) => { m.x.panic = { fn: 'f', message: 'p' }; }],
  [SEED, 'a defect recorded', (m) => { m.x.bugs.push({ kind: 'use-after-free', fn: 'f', text: 't' }); }],
  [SEED, 'an xzalloc fault planned', (m) => { m.x.faults.xzalloc = 2; }],
  [SEED, 'a map fault planned', (m) => { m.x.faults.map = 2; }],
  [SEED, 'an evtchn fault planned', (m) => { m.x.faults.evtchn = 2; }],
  [SEED, 'one more struct on the heap', (m) => { const k = Object.keys(m.x.heap)[0] ?? 'hvm_ioreq_server'; m.x.heap[k] = (m.x.heap[k] ?? 0) + 1; }],
  // A domain.
  [SEED, 'dying', (m) => { d1(m).is_dying = 1; }],
  [SEED, 'paused once more', (m) => { d1(m).pause_count++; }],
  [SEED, 'crashed', (m) => { d1(m).crashed = { reason: 'r', fn: 'f', actor: 'a' }; }],
  [SEED, 'shutting down', (m) => { d1(m).is_shutting_down = true; }],
  [SEED, 'a shutdown code', (m) => { d1(m).shutdown_code = 3; }],
  [SEED, 'shut down', (m) => { d1(m).is_shut_down = true; }],
  [SEED, 'stdvga on', (m) => { d1(m).stdvga.stdvga = true; }],
  [SEED, 'stdvga caching', (m) => { d1(m).stdvga.cache = true; }],
  [SEED, 'a paging request', (m) => { d1(m).paging_requests.push(0x100); }],
  [SEED, 'stdvga sr index', (m) => { d1(m).stdvga.sr_index = 3; }],
  [SEED, 'stdvga gr index', (m) => { d1(m).stdvga.gr_index = 3; }],
  [SEED, 'stdvga latch', (m) => { d1(m).stdvga.latch = 7; }],
  [SEED, 'stdvga sr[7]', (m) => { d1(m).stdvga.sr = Uint8Array.from(d1(m).stdvga.sr); d1(m).stdvga.sr[7] = 9; }],
  [SEED, 'stdvga gr[8]', (m) => { d1(m).stdvga.gr = Uint8Array.from(d1(m).stdvga.gr); d1(m).stdvga.gr[8] = 9; }],
  [VGA, 'a vram byte', (m) => { const g = d1(m).stdvga; const i = g.vram.findIndex((p) => p); const pg = Uint8Array.from(g.vram[i]!); pg[5] ^= 1; g.vram = g.vram.slice(); g.vram[i] = pg; }],
  [VGA, 'a vram page moved', (m) => { const g = d1(m).stdvga; const i = g.vram.findIndex((p) => p); g.vram = g.vram.slice(); g.vram[i + 1] = g.vram[i]; g.vram[i] = null; }],
  [SEED, 'suspended to S3', (m) => { d1(m).arch.hvm_domain.is_s3_suspended = true; }],
  [SEED, 'a hole in the physmap', (m) => { d1(m).holes.add(0x1234); }],
  [SEED, 'a param set', (m) => { d1(m).arch.hvm_domain.params[40] = 5; }],
  [SEED, 'a param changed', (m) => { d1(m).arch.hvm_domain.params[A.HVM_PARAM_BUFIOREQ_PFN_INDEX - 1] += 1; }],
  [SEED, 'a param moved to another index', (m) => { const p = d1(m).arch.hvm_domain.params; p[41] = p[40]; p[40] = 0; p[40] = 0; p[42] = 0; p[41] = 0; p[43] = 6; }],
  // The seed's server.
  [SEED, 'no seed server', (m) => { d1(m).arch.hvm_domain.ioreq_server = null; }],
  [SEED, "the seed server's dm domain", (m) => { d1(m).arch.hvm_domain.ioreq_server!.domid = 5; }],
  [SEED, 'the seed server freed', (m) => { d1(m).arch.hvm_domain.ioreq_server!.freed = true; }],
  [SEED, "the seed server's ioreq page", (m) => { d1(m).arch.hvm_domain.ioreq_server!.ioreq.page = 0x777; }],
  [SEED, "the seed server's ioreq page gone", (m) => { d1(m).arch.hvm_domain.ioreq_server!.ioreq.page = null; }],
  [SEED, "the seed server's bufioreq page", (m) => { d1(m).arch.hvm_domain.ioreq_server!.buf_ioreq.page = 0x777; }],
  [SEED, "the seed server's bufioreq page gone", (m) => { d1(m).arch.hvm_domain.ioreq_server!.buf_ioreq.page = null; }],
  [SEED, "the seed server's buffered port", (m) => { d1(m).arch.hvm_domain.ioreq_server!.buf_ioreq_evtchn = 9; }],
  [SEED, "the seed server's vcpu port", (m) => { d1(m).arch.hvm_domain.ioreq_server!.ioreq_evtchn[0] = 9; }],
  // 4.5's servers.
  [X45, 'the next server id', (m) => { d1(m).hvm45.ioreq_server.id++; }],
  [X45, 'the gmfn pool, low word', (m) => { d1(m).hvm45.ioreq_gmfn.mask ^= 1n; }],
  [X45, 'the gmfn pool, high word', (m) => { d1(m).hvm45.ioreq_gmfn.mask ^= 1n << 40n; }],
  [X45, 'the CF8 latch', (m) => { d1(m).hvm45.pci_cf8 = 0x80000000; }],
  [X45, 'no default server', (m) => { d1(m).hvm45.default_ioreq_server = null; }],
  [X45, 'another default server', (m) => { const h = d1(m).hvm45; h.default_ioreq_server = h.ioreq_server.list.find((s) => s !== h.default_ioreq_server)!; }],
  [X45, "a server's id", (m) => { s45(m).id += 10; }],
  [X45, "a server's dm domain", (m) => { s45(m).domid = 5; }],
  [X45, 'a server enabled or not', (m) => { s45(m).enabled = !s45(m).enabled; }],
  [X45, 'a server freed', (m) => { s45(m).freed = true; }],
  [X45, "a server's ioreq page", (m) => { s45(m).ioreq.page = 0x777; }],
  [X45, "a server's ioreq page gone", (m) => { s45(m).ioreq.page = null; }],
  [X45, "a server's bufioreq page", (m) => { s45(m).bufioreq.page = 0x777; }],
  [X45, "a server's bufioreq page gone", (m) => { s45(m).bufioreq.page = null; }],
  [X45, "a server's buffered port", (m) => { s45(m).bufioreq_evtchn = 9; }],
  [X45, "a server's vcpu", (m) => { s45(m).ioreq_vcpu_list = s45(m).ioreq_vcpu_list.map((sv) => ({ ...sv, vcpu: { ...sv.vcpu, vcpu_id: 7 } as typeof sv.vcpu })); }],
  [X45, "a server's vcpu port", (m) => { s45(m).ioreq_vcpu_list = s45(m).ioreq_vcpu_list.map((sv) => ({ ...sv, ioreq_evtchn: 9 })); }],
  [X45, "a server's range", (m) => { const s = d1(m).hvm45.ioreq_server.list.find((x) => x.range?.some((r) => r.ranges.length))!; s.range = s.range!.map((r) => with45(r, r.ranges.length ? [...r.ranges.slice(0, -1), r.ranges[r.ranges.length - 1] + 1] : r.ranges)); }],
  [X45, "a server's extra range", (m) => { const s = d1(m).hvm45.ioreq_server.list.find((x) => x.range)!; s.range = s.range!.map((r, i) => (i === 0 ? with45(r, [...r.ranges, 0x9000, 0x9001]) : r)); }],
  [X45, "a word of a server's ioreq page", (m) => { const s = d1(m).hvm45.ioreq_server.list.find((x) => x.ioreq.va)!; poke(s.ioreq.va!, 63 * 4); }],
  [X45, "a word of a server's bufioreq page", (m) => { const s = d1(m).hvm45.ioreq_server.list.find((x) => x.bufioreq.va)!; poke(s.bufioreq.va!, 0); }],
  [X45, 'the servers in another order', (m) => { d1(m).hvm45.ioreq_server.list.reverse(); }],
  // 4.21's servers.
  [X421, 'the emulator references', (m) => { d1(m).x421.refcnt++; }],
  [X421, 'the CF8 latch', (m) => { d1(m).x421.pci_cf8 = 0x80000000; }],
  [X421, 'the gfn pool', (m) => { d1(m).x421.ioreq_gfn.mask ^= 1; }],
  [X421, 'the legacy gfns', (m) => { d1(m).x421.ioreq_gfn.legacy_mask ^= 1; }],
  [X421, 'the p2m_ioreq_server owner', (m) => { d1(m).x421.p2m_ioreq_server = 3; }],
  [X421, 'no server', (m) => { const y = d1(m).x421; y.server = y.server.map(() => null); }],
  [X421, "a server's id", (m) => { s421(m).id += 1; }],
  [X421, "a server's emulator", (m) => { s421(m).emulator = m.x.domains.get(1)!; }],
  [X421, 'a server enabled or not', (m) => { s421(m).enabled = !s421(m).enabled; }],
  [X421, "a server's buffering", (m) => { s421(m).bufioreq_handling = s421(m).bufioreq_handling ? 0 : 1; }],
  [X421, "a server's buffered port", (m) => { s421(m).bufioreq_evtchn = 99; }],
  [X421, "a server's ioreq gfn", (m) => { s421(m).ioreq.gfn = 0x777; }],
  [X421, "a server's bufioreq gfn", (m) => { s421(m).bufioreq.gfn = 0x777; }],
  [X421, "a server's ioreq page unmapped", (m) => { s421(m).ioreq.va = null; }],
  [X421, "a server's bufioreq page unmapped", (m) => { s421(m).bufioreq.va = null; }],
  [X421, "a server's vcpu", (m) => { s421(m).ioreq_vcpu_list = s421(m).ioreq_vcpu_list.map((sv) => ({ ...sv, vcpu: { ...sv.vcpu, vcpu_id: 7 } as typeof sv.vcpu })); }],
  [X421, "a server's vcpu port", (m) => { s421(m).ioreq_vcpu_list = s421(m).ioreq_vcpu_list.map((sv) => ({ ...sv, ioreq_evtchn: 99 })); }],
  [X421, "a server's vcpu pending", (m) => { s421(m).ioreq_vcpu_list = s421(m).ioreq_vcpu_list.map((sv) => ({ ...sv, pending: !sv.pending })); }],
  [X421, "a server's range start", (m) => { const s = s421(m); s.range = s.range.map((r) => with421(r, r.ranges.map(([a, b]) => [a - 1n, b] as [bigint, bigint]))); }],
  [X421, "a server's range end", (m) => { const s = s421(m); s.range = s.range.map((r) => with421(r, r.ranges.map(([a, b]) => [a, b + 1n] as [bigint, bigint]))); }],
  [X421, "a server's range above 2^53", (m) => { const s = s421(m); s.range = s.range.map((r, i) => (i === 0 ? with421(r, [[(1n << 60n) + 1n, (1n << 60n) + 2n]]) : r)); }],
  [X421, "a word of a server's ioreq page", (m) => { poke(s421(m).ioreq.va!, 63 * 4); }],
  [X421, "a word of a server's bufioreq page", (m) => { poke(s421(m).bufioreq.va!, 0); }],
  // A vcpu (4.21's vcpu_io, then every profile's).
  [X421, 'a completion pending', (m) => { d1(m).vcpu[0].io.completion = 2; }],
  [X421, 'suspended I/O', (m) => { d1(m).vcpu[0].io.suspended = true; }],
  [X421, "the vcpu's request state", (m) => { d1(m).vcpu[0].io.req.state = 1; }],
  [X421, "the wait's previous state", (m) => { d1(m).vcpu[0].io.wait_prev_state = 2; }],
  [X421, 'a map-cache invalidate due', (m) => { d1(m).vcpu[0].mapcache_invalidate = true; }],
  [X421, 'a completion held back', (m) => { d1(m).vcpu[0].io_completed_pending = 1; }],
  [X421, 'a restart after send', (m) => { d1(m).vcpu[0].io_restarted_sent = 1; }],
  [X421, 'held after send', (m) => { d1(m).vcpu[0].io.hold_after_send = true; }],
  [X421, 'the held rc', (m) => { d1(m).vcpu[0].io.held_rc = 5; }],
  [X421, 'inside wait_for_io', (m) => { d1(m).vcpu[0].io.wait_at = 2; }],
  [X421, 'inside wait_for_io, the state it saw', (m) => { const io = d1(m).vcpu[0].io; io.wait_at = 2; io.wait_state = 3; }],
  [X421, 'inside wait_for_io, the previous state', (m) => { const io = d1(m).vcpu[0].io; io.wait_at = 2; io.wait_prev = 3; }],
  [X421, 'inside wait_for_io, the server', (m) => { const io = d1(m).vcpu[0].io; io.wait_at = 2; io.wait_server = 3; }],
  [X421, 'the wait has seen states', (m) => { d1(m).vcpu[0].io.wait_seen = 3; }],
  [X421, 'the wait has cycled', (m) => { d1(m).vcpu[0].io.wait_cycled = true; }],
  [SEED, 'blocked in Xen', (m) => { d1(m).vcpu[0].pause_flags.blocked_in_xen = true; }],
  [SEED, 'the I/O state', (m) => { d1(m).vcpu[0].arch.hvm_vcpu.hvm_io.io_state = 2; }],
  [SEED, 'the I/O size', (m) => { d1(m).vcpu[0].arch.hvm_vcpu.hvm_io.io_size = 8; }],
  [SEED, 'the I/O data', (m) => { d1(m).vcpu[0].arch.hvm_vcpu.hvm_io.io_data ^= 1n; }],
  [SEED, 'rax', (m) => { d1(m).vcpu[0].rax ^= 1n; }],
  [SEED, 'rax above 2^53, low word', (m) => { d1(m).vcpu[0].rax = (1n << 63n) + 1n; }],
  [SEED, 'a trap to inject', (m) => { d1(m).vcpu[0].arch.hvm_vcpu.inject_trap.vector = 14; }],
  [SEED, 'an I/O dropped', (m) => { d1(m).vcpu[0].io_dropped++; }],
  [SEED, 'an I/O restarted', (m) => { d1(m).vcpu[0].io_restarts++; }],
  [SEED, 'a stale request', (m) => { d1(m).vcpu[0].io_stale++; }],
  [SEED, 'deferring shutdown', (m) => { d1(m).vcpu[0].defer_shutdown = true; }],
  [SEED, 'paused for shutdown', (m) => { d1(m).vcpu[0].paused_for_shutdown = true; }],
  // Event channels.
  [SEED, "a port's state", (m) => { d1(m).evtchn.w(1).state = 1; }],
  [SEED, 'a Xen-owned port', (m) => { const c = d1(m).evtchn.w(1); c.xen_consumer = c.xen_consumer ? 0 : 1; }],
  [SEED, "a port's vcpu", (m) => { d1(m).evtchn.w(1).notify_vcpu_id = 3; }],
  [SEED, "a port's remote domid", (m) => { d1(m).evtchn.w(1).remote_domid = 7; }],
  [SEED, "a port's remote domain", (m) => { d1(m).evtchn.w(3).remote_dom = 7; }],
  [SEED, "a port's remote port", (m) => { d1(m).evtchn.w(3).remote_port = 7; }],
  [SEED, 'a port pending', (m) => { const c = d1(m).evtchn.w(1); c.pending = !c.pending; }],
  [SEED, 'a port freed', (m) => { d1(m).evtchn.w(1).state = 0; }],
  [SEED, 'a port shared with a kernel irq', (m) => { d1(m).evtchn.w(1).irq_shared = true; }],
  [ARM_KIO, 'the kernel irq raised', (m) => { const t = [...m.x.domains.values()].find((d) => d.evtchn.ports.some((c) => c.irq_shared))!.evtchn; const p = t.ports.findIndex((c) => c.irq_shared); const c = t.w(p); c.kernel_irq = !c.kernel_irq; }],
  // Pages mapped by Xen or a device model.
  [SEED, 'a mapping by Xen more', (m) => { const [pfn, g] = [...d1(m).physmap].find(([, g]) => g.xen_maps)!; d1(m).physmap.set(pfn, Object.assign(Object.create(Object.getPrototypeOf(g)), g, { xen_maps: g.xen_maps + 1 })); }],
  [SEED, 'a foreign mapping more', (m) => { const [pfn, g] = [...d1(m).physmap].find(([, g]) => g.foreign_maps)!; d1(m).physmap.set(pfn, Object.assign(Object.create(Object.getPrototypeOf(g)), g, { foreign_maps: g.foreign_maps + 1 })); }],
  [SEED, 'a mapped page at another pfn', (m) => { const pm = d1(m).physmap; const [pfn, g] = [...pm].find(([p, g]) => g.xen_maps && p !== d1(m).arch.hvm_domain.params[A.HVM_PARAM_BUFIOREQ_PFN_INDEX])!; pm.delete(pfn); pm.set(pfn - 0x100, g); }],
  [SEED, "the last word of vcpu 0's ioreq_t", (m) => { poke(d1(m).page(d1(m).arch.hvm_domain.params[A.HVM_PARAM_IOREQ_PFN_INDEX])!.dv!, A.IOREQ_SIZE - 4); }],
  [SEED, "the ioreq page's first word", (m) => { poke(d1(m).page(d1(m).arch.hvm_domain.params[A.HVM_PARAM_IOREQ_PFN_INDEX])!.dv!, 0); }],
  [SEED, "the buffered ring's read pointer", (m) => { poke(d1(m).page(d1(m).arch.hvm_domain.params[A.HVM_PARAM_BUFIOREQ_PFN_INDEX])!.dv!, A.BUF_OFF_READ_POINTER); }],
  [SEED, "the buffered ring's write pointer", (m) => { poke(d1(m).page(d1(m).arch.hvm_domain.params[A.HVM_PARAM_BUFIOREQ_PFN_INDEX])!.dv!, A.BUF_OFF_WRITE_POINTER); }],
  // Device models.
  [SEED, "a dm's name", (m) => { const [k, v] = [...m.dms][0]; m.dms.delete(k); m.dms.set(k + 'x', v); }],
  [SEED, "a dm's ioreq pfn", (m) => { dm0(m).ioreq_pfn++; }],
  [SEED, "a dm's bufioreq pfn", (m) => { dm0(m).bufioreq_pfn++; }],
  [SEED, "a dm's buffered remote port", (m) => { dm0(m).bufioreq_remote_port++; }],
  [SEED, "a dm's shared page gone", (m) => { dm0(m).shared_page = null; }],
  [SEED, "a dm's buffered page gone", (m) => { dm0(m).buffered_io_page = null; }],
  [SEED, "a dm's buffered local port", (m) => { dm0(m).bufioreq_local_port++; }],
  [SEED, "a dm's vcpu in service", (m) => { dm0(m).send_vcpu = 3; }],
  [SEED, 'a dm destroyed its guest', (m) => { dm0(m).destroyed_guest = true; }],
  [SEED, 'a dm has taken a request', (m) => { dm0(m).service = 'taken'; }],
  [SEED, 'a dm has handled a request', (m) => { dm0(m).service = 'handled'; }],
  [SEED, "a dm's stderr", (m) => { dm0(m).stderr = [...dm0(m).stderr, 'x']; }],
  [SEED, "a dm's vcpu ports", (m) => { dm0(m).ioreq_local_port = [...dm0(m).ioreq_local_port, 5]; }],
  [SEED, "a dm's vcpu port", (m) => { dm0(m).ioreq_local_port = dm0(m).ioreq_local_port.map((p) => p + 1); }],
  [SEED, "a dm's device register", (m) => { const d = dm0(m); d.devices = new Map([...d.devices].map(([k, v]) => [k, v + 1n])); }],
  [SEED, "a dm's device at another address", (m) => { const d = dm0(m); d.devices = new Map([...d.devices].map(([k, v]) => [k + 1, v])); }],
  [SEED, "a dm's device register above 2^53", (m) => { const d = dm0(m); d.devices = new Map([...d.devices].map(([k]) => [k, (1n << 60n) + 5n])); }],
  [ARM_KIO, "ioeventfd's vq state", (m) => { const d = [...m.dms.values()].find((x) => x.kind === 'ioeventfd')!; d.kio_at = d.kio_at.map((a) => a + 1); }],
  [ARM_KIO, "ioeventfd's state", (m) => { const d = [...m.dms.values()].find((x) => x.kind === 'ioeventfd')!; d.kio_state = [...d.kio_state.map((a) => a + 1), 1]; }],
  [ARM_KIO, "ioeventfd's signals", (m) => { [...m.dms.values()].find((x) => x.kind === 'ioeventfd')!.kio_signals++; }],
  [ARM_KIO, 'ioeventfd for its own requests only', (m) => { const d = [...m.dms.values()].find((x) => x.kind === 'ioeventfd')!; d.kio_own_only = !d.kio_own_only; }],
  [X421, "a dm's server id", (m) => { dm0(m).ioservid++; }],
  [X421, "a dm's buffering", (m) => { dm0(m).bufioreq_handling = dm0(m).bufioreq_handling ? 0 : 1; }],
  [X421, "a dm's pages by gfn", (m) => { dm0(m).pages_how = 'gfn'; }],
  [X421, "a dm's pages not yet", (m) => { dm0(m).pages_how = null; }],
  [X421, 'a dm dead', (m) => { dm0(m).dead = true; }],
];

describe('fingerprint: different states get different keys, equal states equal ones', () => {
  for (const [file, what, change] of CHANGES) {
    it(`${file.slice(0, 2)}: ${what}`, () => {
      const base = end(file);
      const before = keys(base);
      const c = base.clone();
      assert.deepEqual(keys(c), before, 'a clone has the same keys');
      change(c);
      const after = keys(c);
      assert.notEqual(after[0], before[0], 'the exact key');
      assert.notEqual(after[1], before[1], 'the hash');
      assert.notEqual(after[2], before[2], 'the hash without page digests');
      assert.deepEqual(keys(base), before, 'the original is unchanged');
    });
  }

  it('the history is no part of the key: events and console lines', () => {
    const base = end(SEED);
    const before = keys(base);
    const c = base.clone(true);
    c.x.emit({ kind: 'printk', fn: 'f', text: 'more history' });
    c.x.console.push({ level: 'XENLOG_INFO', fn: 'f', domid: 1, vcpu: 0, text: 't' });
    assert.deepEqual(keys(c), before);
  });

  it('page words outside what the key reads do not count: past the vcpus\' ioreq_t, buffered slots already consumed', () => {
    const base = end(SEED);
    const before = keys(base);
    const c = base.clone();
    const d = d1(c);
    poke(d.page(d.arch.hvm_domain.params[A.HVM_PARAM_IOREQ_PFN_INDEX])!.dv!, d.vcpu.length * A.IOREQ_SIZE);
    poke(d.page(d.arch.hvm_domain.params[A.HVM_PARAM_BUFIOREQ_PFN_INDEX])!.dv!, A.bufSlotOffset(0));
    assert.deepEqual(keys(c), before);
  });

  it('a pending buffered slot counts (both its words); the ring is read from read to write pointer', () => {
    const base = end(SEED);
    const before = keys(base);
    const ringOf = (m: Model) => d1(m).page(d1(m).arch.hvm_domain.params[A.HVM_PARAM_BUFIOREQ_PFN_INDEX])!.dv!;
    const rp = ringOf(base).getUint32(A.BUF_OFF_READ_POINTER, true);
    assert.equal(ringOf(base).getUint32(A.BUF_OFF_WRITE_POINTER, true), rp, 'nothing pending at the end of 08');
    const pend = (m: Model, n: number) => { ringOf(m).setUint32(A.BUF_OFF_WRITE_POINTER, rp + n, true); return m; };
    const k1 = keys(pend(base.clone(), 1)), k2 = keys(pend(base.clone(), 2));
    assert.notEqual(k1[0], before[0]);
    assert.notEqual(k1[0], k2[0]);
    for (const off of [0, 4]) {
      const c = pend(base.clone(), 2);
      poke(ringOf(c), A.bufSlotOffset(rp + 1) + off);
      const k = keys(c);
      assert.notEqual(k[0], k2[0], `word ${off / 4} of the second pending slot`);
      assert.notEqual(k[1], k2[1]);
      assert.notEqual(k[2], k2[2]);
    }
    // A slot past the write pointer is not pending.
    const c = pend(base.clone(), 1);
    poke(ringOf(c), A.bufSlotOffset(rp + 1));
    assert.deepEqual(keys(c), k1);
    // A ring whose write pointer is behind the read pointer reads at most one lap of slots.
    const w = base.clone();
    ringOf(w).setUint32(A.BUF_OFF_WRITE_POINTER, (rp - 1) >>> 0, true);
    assert.ok(fingerprint(w).split(',').length - fingerprint(base).split(',').length <= 2 * A.IOREQ_BUFFER_SLOT_NUM);
  });

  it('a page digest is kept until the page is written, per reading; the hash with and without digests agree on equality', () => {
    const base = end(X421);
    const c = base.clone();
    const h = fingerprintHash(c);
    assert.equal(fingerprintHash(c), h, 'read twice, the same hash');
    const va = s421(c).ioreq.va!;
    poke(va, 0);
    const h2 = fingerprintHash(c);
    assert.notEqual(h2, h, 'the write is seen through the kept digest');
    poke(va, 0);
    assert.equal(fingerprintHash(c), h, 'written back, the first hash again');
    // One page read as 64 words and as the vcpus' slots: each reading its own digest.
    const seed = end(SEED).clone();
    const d = d1(seed);
    const dv = d.page(d.arch.hvm_domain.params[A.HVM_PARAM_IOREQ_PFN_INDEX])!.dv!;
    const hs = fingerprintHash(seed);
    const a = new Hasher(), b = new Hasher();
    a.page(dv, 64, (v, o) => { for (let i = 0; i < 64; i++) o.n(v.getInt32(i * 4, true)); });
    b.page(dv, 7, (v, o) => { for (let i = 0; i < 8; i++) o.n(v.getInt32(i * 4, true)); });
    assert.notEqual(a.value(), b.value());
    assert.equal(fingerprintHash(seed), hs);
    // Without digests, the words themselves: the same as a hasher fed them.
    pageDigests.on = false;
    try {
      const x = new Hasher(), y = new Hasher();
      x.page(dv, 64, (v, o) => { for (let i = 0; i < 3; i++) o.n(v.getInt32(i * 4, true)); });
      for (let i = 0; i < 3; i++) y.n(dv.getInt32(i * 4, true));
      assert.equal(x.value(), y.value());
    } finally { pageDigests.on = true; }
    // A plain DataView (not a model page) is read each time.
    const plain = new DataView(new ArrayBuffer(16));
    const p1 = new Hasher(); p1.page(plain, 64, (v, o) => o.n(v.getInt32(0, true)));
    plain.setInt32(0, 5, true);
    const p2 = new Hasher(); p2.page(plain, 64, (v, o) => o.n(v.getInt32(0, true)));
    const p3 = new Hasher(); p3.n(5);
    assert.notEqual(p1.value(), p2.value());
    assert.equal(p2.value(), p3.value());
  });

  /** Keys of two clones of a state, each changed its own way, must differ (or agree, with same). */
  const pair = (m: Model, a: (m: Model) => void, b: (m: Model) => void) => { const x = m.clone(), y = m.clone(); a(x); b(y); return [keys(x), keys(y)]; };
  const differ = (m: Model, a: (m: Model) => void, b: (m: Model) => void, what: string) => {
    const [x, y] = pair(m, a, b);
    assert.notEqual(x[0], y[0], `${what}: the exact key`); assert.notEqual(x[1], y[1], `${what}: the hash`); assert.notEqual(x[2], y[2], `${what}: the hash without digests`);
  };
  const agree = (m: Model, a: (m: Model) => void, b: (m: Model) => void, what: string) => { const [x, y] = pair(m, a, b); assert.deepEqual(x, y, what); };

  it('values next to each other are not run together, and no page is not a page at pfn 1', () => {
    const m = end(SEED);
    differ(m, (c) => { c.x.faults.xzalloc = 12; c.x.faults.map = 3; }, (c) => { c.x.faults.xzalloc = 1; c.x.faults.map = 23; }, 'faults 12,3 vs 1,23');
    const srv = (c: Model) => d1(c).arch.hvm_domain.ioreq_server!;
    differ(m, (c) => { srv(c).ioreq.page = null; }, (c) => { srv(c).ioreq.page = 1; }, "the seed server's ioreq page");
    differ(m, (c) => { srv(c).buf_ioreq.page = null; }, (c) => { srv(c).buf_ioreq.page = 1; }, "the seed server's bufioreq page");
    const x45 = end(X45);
    differ(x45, (c) => { s45(c).ioreq.page = null; }, (c) => { s45(c).ioreq.page = 1; }, "a 4.5 server's ioreq page");
    differ(x45, (c) => { s45(c).bufioreq.page = null; }, (c) => { s45(c).bufioreq.page = 1; }, "a 4.5 server's bufioreq page");
    // No default server, and a default server with id 1.
    const one = (c: Model) => { d1(c).hvm45.default_ioreq_server!.id = 1; };
    differ(x45, (c) => { one(c); d1(c).hvm45.default_ioreq_server = null; }, one, 'no default server vs server 1');
  });

  it('64-bit values: above 2^53 every bit counts, and a large value is not two small ones', () => {
    const m = end(SEED);
    differ(m, (c) => { d1(c).vcpu[0].rax = 1n << 63n; }, (c) => { d1(c).vcpu[0].rax = (1n << 63n) + 1n; }, 'rax 2^63 vs 2^63+1');
    differ(m, (c) => { d1(c).vcpu[0].rax = 1n << 53n; }, (c) => { d1(c).vcpu[0].rax = (1n << 53n) + 1n; }, 'rax 2^53 vs 2^53+1');
    differ(m, (c) => { dm0(c).devices = new Map([[1, 2n], [5, 1n << 21n]]); }, (c) => { dm0(c).devices = new Map([[1, (1n << 53n) + 5n]]); }, 'registers 2 and 2^21 vs one of 2^53+5');
  });

  it('a device model being served: nothing, taken, handled all differ; pages by resource, by gfn, not yet all differ', () => {
    const m = end(SEED);
    differ(m, (c) => { dm0(c).service = 'taken'; }, (c) => { dm0(c).service = 'handled'; }, 'taken vs handled');
    const y = end(X421);
    differ(y, (c) => { dm0(c).pages_how = 'gfn'; }, (c) => { dm0(c).pages_how = null; }, 'gfn vs not yet');
  });

  it('equal states in another order of bookkeeping get equal keys: heap kinds, a freed port\'s leftovers, a page nobody maps', () => {
    const m = end(SEED);
    agree(m, (c) => { c.x.heap = { a: 1, b: 2 }; }, (c) => { c.x.heap = { b: 2, a: 1 }; }, 'heap in another order');
    differ(m, (c) => { c.x.heap = { a: 1, b: 2 }; }, (c) => { c.x.heap = { a: 2, b: 1 }; }, 'heap counts swapped');
    agree(m, (c) => { d1(c).evtchn.w(1).state = 0; }, (c) => { const e = d1(c).evtchn.w(1); e.state = 0; e.remote_domid = 9; e.pending = true; }, "a freed port's leftovers");
    // A page whose mappings are gone: its words no longer count, whoever mapped it.
    const ioreqPfn = (c: Model) => d1(c).arch.hvm_domain.params[A.HVM_PARAM_IOREQ_PFN_INDEX];
    const setMaps = (xen: number, foreign: number) => (c: Model) => {
      const pm = d1(c).physmap, pfn = ioreqPfn(c), g = pm.get(pfn)!;
      pm.set(pfn, Object.assign(Object.create(Object.getPrototypeOf(g)), g, { xen_maps: xen, foreign_maps: foreign }));
    };
    const slotWord = (c: Model) => poke(d1(c).page(ioreqPfn(c))!.dv!, 8);
    agree(m, setMaps(0, 0), (c) => { setMaps(0, 0)(c); slotWord(c); }, 'an unmapped page');
    differ(m, setMaps(1, 0), (c) => { setMaps(1, 0)(c); slotWord(c); }, 'a page only Xen maps');
    differ(m, setMaps(0, 1), (c) => { setMaps(0, 1)(c); slotWord(c); }, 'a page only a device model maps');
  });

  it("a domain with k vcpus: its mapped ioreq page counts k ioreq_t's, no more", () => {
    const m = end(SEED);
    // A vcpu count no other run used (the slot readers are kept per count).
    const k = 3 + ((Date.now() + Math.floor(Math.random() * 1000)) % 120);
    const many = (c: Model) => { const d = d1(c); d.vcpu = Array.from({ length: k }, () => d.vcpu[0]); };
    const at = (off: number) => (c: Model) => { many(c); poke(d1(c).page(d1(c).arch.hvm_domain.params[A.HVM_PARAM_IOREQ_PFN_INDEX])!.dv!, off); };
    for (const off of [0, 4, (k - 1) * A.IOREQ_SIZE, k * A.IOREQ_SIZE - 4]) differ(m, many, at(off), `k=${k}, word at ${off}`);
    agree(m, many, at(k * A.IOREQ_SIZE), `k=${k}, the word after the last ioreq_t`);
  });

  it('the buffered ring past its first slots: read from the read pointer, at most one lap', () => {
    const m = end('10-buffered-writes.ioreq.json');
    const ringOf = (c: Model) => d1(c).page(d1(c).arch.hvm_domain.params[A.HVM_PARAM_BUFIOREQ_PFN_INDEX])!.dv!;
    const rp = ringOf(m).getUint32(A.BUF_OFF_READ_POINTER, true);
    assert.ok(rp > 0 && rp === ringOf(m).getUint32(A.BUF_OFF_WRITE_POINTER, true), 'consumed up to a pointer past 0');
    const pend = (n: number) => (c: Model) => { ringOf(c).setUint32(A.BUF_OFF_WRITE_POINTER, rp + n, true); };
    const last = A.IOREQ_BUFFER_SLOT_NUM - 1;
    differ(m, pend(last), (c) => { pend(last)(c); poke(ringOf(c), A.bufSlotOffset(rp + last - 1)); }, 'the last of 510 pending slots');
    differ(m, pend(2), (c) => { pend(2)(c); poke(ringOf(c), A.bufSlotOffset(rp)); }, 'the first pending slot');
    agree(m, pend(2), (c) => { pend(2)(c); poke(ringOf(c), A.bufSlotOffset(rp - 1)); }, 'the slot before the read pointer');
  });

  it('4.5: a server without its pages mapped, and the words of a buffered page that is not the param page', () => {
    const m = end(X45);
    const own = (c: Model) => d1(c).hvm45.ioreq_server.list.find((s) => s !== d1(c).hvm45.default_ioreq_server)!;
    differ(m, () => {}, (c) => { own(c).ioreq.va = null; }, 'ioreq page unmapped');
    differ(m, () => {}, (c) => { own(c).bufioreq.va = null; }, 'bufioreq page unmapped');
    differ(m, () => {}, (c) => { poke(own(c).bufioreq.va!, 63 * 4); }, 'word 63 of its buffered page');
  });

  it('fingerprintHash folds extra values in after the state, in order', () => {
    const m = end(SEED);
    const h = fingerprintHash(m);
    assert.equal(fingerprintHash(m, []), h);
    assert.notEqual(fingerprintHash(m, [0]), h);
    assert.notEqual(fingerprintHash(m, [1, 2]), fingerprintHash(m, [2, 1]));
    assert.equal(fingerprintHash(m, new Int32Array([3, 4])), fingerprintHash(m, [3, 4]));
  });
});

describe('Hasher: the value stream', () => {
  const hashOf = (f: (h: Hasher) => void) => { const h = new Hasher(); f(h); return h.value(); };
  it('numbers that differ anywhere in 53 bits, either sign, give different hashes; the value is a 53-bit integer', () => {
    const vals = [0, 1, -1, 2, -2, 0x7fffffff, -0x80000000, 0x80000000, 0xffffffff, 2 ** 32, -(2 ** 32), 2 ** 32 + 1, -(2 ** 32) - 1,
      2 ** 52, -(2 ** 52), 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53];
    const hs = vals.map((v) => hashOf((h) => h.n(v)));
    assert.equal(new Set(hs).size, vals.length);
    for (const x of hs) assert.ok(Number.isSafeInteger(x) && x >= 0, String(x));
    fc.assert(fc.property(fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }), fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
      (a, b) => (hashOf((h) => h.n(a)) === hashOf((h) => h.n(b))) === (a === b)), { numRuns: 2000 });
    fc.assert(fc.property(fc.integer({ min: 0, max: 2 ** 21 }), fc.integer({ min: 1, max: 2 ** 21 }),
      (lo, hi) => hashOf((h) => h.n(hi * 2 ** 32 + lo)) !== hashOf((h) => h.n(lo))), { numRuns: 500 });
    // The two lanes both count: a fresh hasher's value is not 0, and order matters.
    assert.notEqual(hashOf(() => {}), 0);
    assert.notEqual(hashOf((h) => { h.n(1); h.n(2); }), hashOf((h) => { h.n(2); h.n(1); }));
  });

  it('a string is its length (as a negative marker) then its char codes: never the same stream as numbers or other strings', () => {
    assert.equal(hashOf((h) => h.s('ab')), hashOf((h) => { h.n(-3); h.n(97); h.n(98); }));
    assert.equal(hashOf((h) => h.s('')), hashOf((h) => h.n(-1)));
    assert.notEqual(hashOf((h) => h.s('ab')), hashOf((h) => { h.s('a'); h.s('b'); }));
    fc.assert(fc.property(fc.string({ maxLength: 6 }), fc.string({ maxLength: 6 }), (a, b) => (hashOf((h) => h.s(a)) === hashOf((h) => h.s(b))) === (a === b)), { numRuns: 500 });
  });

  it('bytes: each byte of the range one value, the whole array by default', () => {
    const b = Uint8Array.from([5, 6, 7, 8]);
    assert.equal(hashOf((h) => h.bytes(b)), hashOf((h) => { for (const x of b) h.n(x); }));
    assert.equal(hashOf((h) => h.bytes(b, 1, 3)), hashOf((h) => { h.n(6); h.n(7); }));
    assert.equal(hashOf((h) => h.bytes(b, 2)), hashOf((h) => { h.n(7); h.n(8); }));
    assert.equal(hashOf((h) => h.bytes(b, 4)), hashOf(() => {}));
  });
});
