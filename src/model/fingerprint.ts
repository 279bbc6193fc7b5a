// A compact canonical key of everything in the model that can influence what happens next, so an explorer visits
// equal states once. History (events, console lines) is left out on purpose. fingerprint() gives the exact key as
// text; fingerprintHash() folds the same stream of values into a 53-bit number (hash compaction, as SPIN's
// -DHC does), which the explorer stores instead: two different states share a hash with probability about
// n^2 / 2^54 for n states (5e-5 for a million). Where the stream reads a page's words, the hash folds in a digest of
// them instead, kept with the page's bytes until a write (pageDigests): equal keys still give equal hashes.
import * as A from './abi';
import type { Model } from './model';
import { PageView } from './xen';

/** Receives the fingerprint's values in order: numbers (any JS number) and short tags. */
interface Sink {
  n(v: number): void;
  s(v: string): void;
  /** A reading of page words (words64, slotsOf, ring below): the text gets the words, the hash a digest of them. */
  page(dv: DataView, key: number, read: (dv: DataView, o: Sink) => void): void;
}

/**
 * Whether the hash folds in a digest of each page reading, kept with the page's bytes until a write (on), or the
 * words themselves each time (off: the bench's baseline). Either way two states get equal hashes when their exact
 * keys are equal; the digest changes only which 53-bit number stands for a state.
 */
export const pageDigests = { on: true };

/** The exact key, as text (for tests and for checking the hash). */
export function fingerprint(m: Model): string {
  const parts: Array<string | number> = [];
  const o: Sink = { n: (v) => { parts.push(v); }, s: (v) => { parts.push(v); }, page: (dv, _key, read) => read(dv, o) };
  feed(m, o);
  return parts.join(',');
}

/** Two 32-bit multiply-xorshift lanes over the value stream (also the explorer's component and panic keys). */
export class Hasher implements Sink {
  a = 0x811c9dc5 | 0;
  b = 0x01000193 | 0;
  n(v: number): void {
    const lo = v | 0;
    const hi = v >= 0 && v < 9007199254740992 ? (v / 4294967296) | 0 : v < 0 && v > -9007199254740992 ? -(((-v) / 4294967296) | 0) - 1 : 0x7fffffff;
    let a = Math.imul(this.a ^ lo, 0x9e3779b1); a ^= a >>> 15;
    let b = Math.imul(this.b ^ lo, 0x85ebca77); b ^= b >>> 13;
    a = Math.imul(a ^ hi, 0xc2b2ae3d); a ^= a >>> 16;
    b = Math.imul(b ^ hi, 0x27d4eb2f); b ^= b >>> 15;
    this.a = a; this.b = b;
  }
  s(v: string): void {
    this.n(-1 - v.length);
    for (let i = 0; i < v.length; i++) this.n(v.charCodeAt(i));
  }
  value(): number {
    return (this.a >>> 0) * 2097152 + ((this.b >>> 0) & 0x1fffff);
  }
  /** Bytes from..to of an array, one value each. */
  bytes(b: Uint8Array, from = 0, to = b.length): void {
    for (let i = from; i < to; i++) this.n(b[i]);
  }
  /**
   * A page reading: its digest (the two lanes of the reading hashed alone) is kept in the page's store under `key`
   * (which reading it is) until the page is written, so a page no step wrote since is not read again.
   */
  page(dv: DataView, key: number, read: (dv: DataView, o: Sink) => void): void {
    if (!pageDigests.on || !(dv instanceof PageView)) { read(dv, this); return; }
    const st = dv.s;
    if (st.fpKey !== key) {
      const h = new Hasher();
      read(dv, h);
      st.fpKey = key; st.fpA = h.a; st.fpB = h.b;
    }
    this.n(st.fpA); this.n(st.fpB);
  }
}

/** The readings of page words the key makes, each named by a key for the digest cache. */
const WORDS64 = 64;
const RING = -2;
const words64 = (dv: DataView, o: Sink): void => { for (let i = 0; i < 64; i++) o.n(dv.getInt32(i * 4, true)); };
const slotWords: Array<(dv: DataView, o: Sink) => void> = [];
/** The first n 32-bit words (every vcpu's ioreq_t), one reader per n. */
function slotsOf(n: number): (dv: DataView, o: Sink) => void {
  return (slotWords[n] ??= (dv, o) => { for (let i = 0; i < n; i++) o.n(dv.getInt32(i * 4, true)); });
}
/** The buffered ring: both pointers and the slots between them. */
function ring(dv: DataView, o: Sink): void {
  const rp = dv.getUint32(A.BUF_OFF_READ_POINTER, true), wp = dv.getUint32(A.BUF_OFF_WRITE_POINTER, true);
  o.n(rp); o.n(wp);
  for (let i = rp; i !== wp && ((i - rp) >>> 0) < A.IOREQ_BUFFER_SLOT_NUM; i = (i + 1) >>> 0) {
    const off = A.bufSlotOffset(i);
    o.n(dv.getUint32(off, true)); o.n(dv.getUint32(off + 4, true));
  }
}

export function fingerprintHash(m: Model, extra?: ArrayLike<number>): number {
  const h = new Hasher();
  feed(m, h);
  if (extra) for (let i = 0; i < extra.length; i++) h.n(extra[i]);
  return h.value();
}

/** A 64-bit value as two 32-bit halves. */
function big(o: Sink, v: bigint): void {
  if (v >= 0n && v < 9007199254740992n) { o.n(Number(v)); return; }
  o.n(-2);
  o.n(Number(BigInt.asUintN(32, v)));
  o.n(Number(BigInt.asUintN(32, v >> 32n)));
}

function feed(m: Model, o: Sink): void {
  const x = m.x;
  o.n(x.panic ? 1 : 0); o.n(x.bugs.length); o.n(x.faults.xzalloc); o.n(x.faults.map); o.n(x.faults.evtchn);
  for (const k of Object.keys(x.heap).sort()) o.n(x.heap[k]);
  for (const d of x.domains.values()) {
    o.s('d'); o.n(d.domain_id); o.n(d.is_dying); o.n(d.pause_count); o.n(d.crashed ? 1 : 0); o.n(d.is_shutting_down ? 1 : 0);
    o.n(d.shutdown_code); o.n(d.is_shut_down ? 1 : 0); o.n(d.stdvga.stdvga ? 1 : 0); o.n(d.stdvga.cache ? 1 : 0); o.n(d.paging_requests.length); // issue 11
    { const g = d.stdvga; o.n(g.sr_index); o.n(g.gr_index); o.n(g.latch); for (let k = 0; k < 8; k++) o.n(g.sr[k]); for (let k = 0; k < 9; k++) o.n(g.gr[k]);
      if (g.hasVram()) g.vram.forEach((pg, i) => { if (!pg) return; o.n(i); let h = 0; for (let k = 0; k < pg.length; k++) h = (Math.imul(h, 31) + pg[k]) | 0; o.n(h); }); }
    o.n(d.arch.hvm_domain.is_s3_suspended ? 1 : 0); o.n(d.holes.size);
    const pr = d.arch.hvm_domain.params;
    for (let i = 0; i < pr.length; i++) if (pr[i] !== 0) { o.n(i); o.n(pr[i]); }
    const s = d.arch.hvm_domain.ioreq_server;
    if (s) {
      o.s('s'); o.n(s.domid); o.n(s.freed ? 1 : 0); o.n(s.ioreq.page ?? -1); o.n(s.buf_ioreq.page ?? -1); o.n(s.buf_ioreq_evtchn);
      for (const v of d.vcpu) o.n(s.ioreq_evtchn[v.vcpu_id]);
    }
    // ---- 4.5: the server list (newest first), the default server, the gmfn pool, the CF8 latch ----
    const h = d.hvm45;
    o.n(h.ioreq_server.id); o.n(Number(h.ioreq_gmfn.mask & 0xffffffffn)); o.n(Number(h.ioreq_gmfn.mask >> 32n)); o.n(h.pci_cf8);
    o.n(h.default_ioreq_server ? h.default_ioreq_server.id : -1);
    for (const s5 of h.ioreq_server.list) {
      o.s('L'); o.n(s5.id); o.n(s5.domid); o.n(s5.enabled ? 1 : 0); o.n(s5.freed ? 1 : 0); o.n(s5.ioreq.page ?? -1); o.n(s5.bufioreq.page ?? -1); o.n(s5.bufioreq_evtchn);
      for (const sv of s5.ioreq_vcpu_list) { o.n(sv.vcpu.vcpu_id); o.n(sv.ioreq_evtchn); }
      if (s5.range) for (const r of s5.range) { o.n(r.ranges.length); for (const a of r.ranges) o.n(a); }
      if (s5.ioreq.va) o.page(s5.ioreq.va, WORDS64, words64);
      if (s5.bufioreq.va) o.page(s5.bufioreq.va, WORDS64, words64);
    }
    // ---- 4.21: today's servers, the gfn pool, the CF8 latch, the emulator references and each vcpu's vcpu_io ----
    const y = d.x421;
    o.n(y.refcnt); o.n(y.pci_cf8); o.n(y.ioreq_gfn.mask); o.n(y.ioreq_gfn.legacy_mask); o.n(y.p2m_ioreq_server);
    for (const s4 of y.server) {
      if (!s4) continue;
      o.s('S'); o.n(s4.id); o.n(s4.emulator.domain_id); o.n(s4.enabled ? 1 : 0); o.n(s4.bufioreq_handling); o.n(s4.bufioreq_evtchn);
      o.n(s4.ioreq.gfn); o.n(s4.bufioreq.gfn); o.n(s4.ioreq.va ? 1 : 0); o.n(s4.bufioreq.va ? 1 : 0);
      for (const sv of s4.ioreq_vcpu_list) { o.n(sv.vcpu.vcpu_id); o.n(sv.ioreq_evtchn); o.n(sv.pending ? 1 : 0); }
      for (const r of s4.range) { o.n(r.ranges.length); for (const [a, b] of r.ranges) { big(o, a); big(o, b); } }
      if (s4.ioreq.va) o.page(s4.ioreq.va, WORDS64, words64);
      if (s4.bufioreq.va) o.page(s4.bufioreq.va, WORDS64, words64);
    }
    for (const v of d.vcpu) { o.n(v.io.completion); o.n(v.io.suspended ? 1 : 0); o.n(v.io.req.state); o.n(v.io.wait_prev_state); o.n(v.mapcache_invalidate ? 1 : 0); o.n(v.io_completed_pending); o.n(v.io_restarted_sent); o.n(v.io.hold_after_send ? 1 : 0); o.n(v.io.held_rc);
      // A vcpu stopped inside wait_for_io (the wait_for_io op's slices) and what its loop has seen.
      if (v.io.wait_at || v.io.wait_seen || v.io.wait_cycled) { o.s('w'); o.n(v.io.wait_at); o.n(v.io.wait_state); o.n(v.io.wait_prev); o.n(v.io.wait_server); o.n(v.io.wait_seen); o.n(v.io.wait_cycled ? 1 : 0); } }
    // ---- end 4.21 ----
    const ports = d.evtchn.ports;
    o.s('e');
    for (let p = 1; p < ports.length; p++) {
      const c = ports[p];
      if (c.state === 0) continue;
      o.n(p); o.n(c.state); o.n(c.xen_consumer); o.n(c.notify_vcpu_id); o.n(c.remote_domid); o.n(c.remote_dom); o.n(c.remote_port); o.n(c.pending ? 1 : 0);
      if (c.irq_shared) { o.s('k'); o.n(c.kernel_irq ? 1 : 0); }
    }
    for (const v of d.vcpu) {
      const io = v.arch.hvm_vcpu.hvm_io;
      o.s('v'); o.n(v.pause_flags.blocked_in_xen ? 1 : 0); o.n(io.io_state); o.n(io.io_size); big(o, io.io_data); big(o, v.rax);
      o.n(v.arch.hvm_vcpu.inject_trap.vector); o.n(v.io_dropped); o.n(v.io_restarts); o.n(v.io_stale); o.n(v.defer_shutdown ? 1 : 0); o.n(v.paused_for_shutdown ? 1 : 0);
    }
    const bufPfn = d.arch.hvm_domain.params[A.HVM_PARAM_BUFIOREQ_PFN_INDEX];
    for (const [pfn, g] of d.physmap) {
      if (!g.dv || (g.xen_maps === 0 && g.foreign_maps === 0)) continue;
      o.s('p'); o.n(pfn); o.n(g.xen_maps); o.n(g.foreign_maps);
      if (pfn === bufPfn) o.page(g.dv, RING, ring);
      else { const n = Math.max(d.vcpu.length, 1) * A.IOREQ_SIZE / 4; o.page(g.dv, n, slotsOf(n)); }
    }
  }
  for (const [name, dm] of m.dms) {
    o.s('m'); o.s(name); o.n(dm.ioreq_pfn); o.n(dm.bufioreq_pfn); o.n(dm.bufioreq_remote_port); o.n(dm.shared_page ? 1 : 0); o.n(dm.buffered_io_page ? 1 : 0);
    o.n(dm.bufioreq_local_port); o.n(dm.send_vcpu); o.n(dm.destroyed_guest ? 1 : 0);
    o.n(dm.service === 'none' ? 0 : dm.service === 'taken' ? 1 : 2); o.n(dm.stderr.length); // issue 11
    o.n(dm.ioreq_local_port.length);
    for (const p of dm.ioreq_local_port) o.n(p);
    for (const [k, v] of dm.devices) { o.n(k); big(o, v); }
    // 4.21 and 4.5: the server it created, how its pages came, whether its process is gone
    if (dm.kind === 'ioeventfd') { o.s('k'); for (const a of dm.kio_at) o.n(a); for (const st of dm.kio_state) o.n(st); o.n(dm.kio_signals); o.n(dm.kio_own_only ? 1 : 0); }
    o.n(dm.ioservid); o.n(dm.bufioreq_handling); o.n(dm.pages_how === 'resource' ? 1 : dm.pages_how === 'gfn' ? 2 : 0); o.n(dm.dead ? 1 : 0);
  }
}
