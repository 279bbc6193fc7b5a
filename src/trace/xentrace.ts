// xentrace binary captures: the per-pCPU windows xentrace writes, the trace records inside them, and a merge of
// every pCPU's records by TSC. Streams: the file is read in chunks, and only the records the timeline needs are
// queued, per pCPU, until every pCPU has passed their TSC.
//
// Layouts (all little-endian words, as an x86 host writes them):
// - Record header, one u32: event in bits 0-27, the count of extra u32 words in bits 28-30, bit 31 set when a u64
//   TSC (lo word, then hi word) follows; then the extra words. Size = 4 + 8·cycles + 4·extra
//   (xen@RELEASE-4.21.0:xen/include/public/trace.h:27-30 TRC_HD_*, 273-286 struct t_rec;
//   tools/xentrace/xenalyze.c:9577-9587 get_rec_size).
// - Windows: xentrace writes, for each read of a pCPU's buffer, a cpu_change record {u32 header 0x2001f003,
//   int cpu, unsigned window_size} and then window_size bytes of that pCPU's records
//   (xen@RELEASE-4.21.0:tools/xentrace/xentrace.c:119-130 struct cpu_change_record / CPU_CHANGE_HEADER, 379-396).
// - TRC_LOST_RECORDS (0x0001f001), with a TSC and four words {u32 lost; u16 did, vid; u64 first_tsc}
//   (xen@RELEASE-4.21.0:xen/common/trace.c:639-658 insert_lost_records); TRC_TRACE_WRAP_BUFFER (0x0001f002) is
//   padding written at the end of the ring (trace.c:618-637 insert_wrap_record), its words hold nothing.
// - A record without a TSC takes its pCPU's last TSC (xenalyze.c:9708-9732 __fill_in_record_info).
import { endianness } from 'os';
import { PROGRESS_EVERY, Window, type ByteSource } from './source';

// The reader indexes the file's little-endian words as host words.
if (endianness() !== 'LE') throw new Error('the xentrace reader needs a little-endian host');

// Event ids (xen@RELEASE-4.21.0:xen/include/public/trace.h lines given).
export const TRC_LOST_RECORDS = 0x0001f001; // :80
export const TRC_TRACE_WRAP_BUFFER = 0x0001f002; // :81
export const TRC_TRACE_CPU_CHANGE = 0x0001f003; // :82
export const CPU_CHANGE_HEADER = (TRC_TRACE_CPU_CHANGE | (2 << 28)) >>> 0; // xentrace.c:127-130
export const TRC_SCHED_RUNSTATE_CHANGE = 0x00021001; // :84, old state in bits 8-9, new in 4-5 (sched/core.c:207-222)
export const TRC_SCHED_CONTINUE_RUNNING = 0x00021002; // :85
export const TRC_SCHED_SWITCH = 0x0002800a; // :95, {prev dom, prev unit, next dom, next unit} (sched/core.c:2209)
export const TRC_HVM_VMENTRY = 0x00081001; // :180
export const TRC_HVM_VMX_EXIT = 0x00081002; // :181 {exit_reason, eip}
export const TRC_HVM_SVM_EXIT = 0x00081003; // :183
export const TRC_64_FLAG = 0x100; // :270
export const TRC_HVM_NESTEDFLAG = 0x400; // :179
export const TRC_HVM_IOPORT_READ = 0x00082016; // :211
export const TRC_HVM_IOMEM_READ = 0x00082017; // :212
export const TRC_HVM_IOPORT_WRITE = 0x00082216; // :226
export const TRC_HVM_IOMEM_WRITE = 0x00082217; // :227
/** The idle domain's id in scheduler records (xenalyze.c:1615 IDLE_DOMAIN). */
export const IDLE_DOMAIN = 32767;
/** RUNSTATE_* (xen@RELEASE-4.21.0:xen/include/public/vcpu.h:85-99). */
export const RUNSTATE_running = 0, RUNSTATE_runnable = 1, RUNSTATE_blocked = 2, RUNSTATE_offline = 3;
export const RUNSTATE_NAMES = ['running', 'runnable', 'blocked', 'offline'];

// Kinds of the decoded records queued for the merge.
export const K_IO = 1, K_VMEXIT = 2, K_VMENTRY = 3, K_RUNSTATE = 4, K_CONTINUE = 5, K_SWITCH = 6, K_LOST = 7;
// Flags of a K_IO record (word a).
export const IO_MMIO = 1, IO_WRITE = 2, IO_X64 = 4;

/** A located problem: byte offset in the file and what is wrong. */
export interface TraceIssue { offset: number; message: string }

export class TraceFormatError extends Error {
  constructor(readonly offset: number, message: string) { super(message); }
}

/** A decoded record as the merge hands it over: index i of a queue's columns. The words w[i*5 .. i*5+4] mean, by
 *  kind: IO {flags | dataWords<<8, addrLo, addrHi, dataLo, dataHi}; VMEXIT {reason} (rip words are not kept);
 *  RUNSTATE {dom, vcpu, old, new}; CONTINUE {dom, vcpu}; SWITCH {prevDom, prevVcpu, nextDom, nextVcpu};
 *  LOST {count, did, vid} with aux = first_tsc. Times are TSC relative to the file's first TSC (exact numbers).
 *  (Columns rather than arguments: numbers outside the small-integer range would be boxed on every call.) */
export interface RecordColumns {
  readonly tsc: Float64Array;
  readonly off: Float64Array;
  readonly aux: Float64Array;
  readonly kind: Uint8Array;
  readonly w: Uint32Array;
}

/** Receives the decoded records in TSC order across pCPUs. */
export interface XenSink {
  record(cpu: number, q: RecordColumns, i: number): void;
  /** Optional: records from..to-1 of one queue at once (the same as calling record for each, in order). */
  records?(cpu: number, q: RecordColumns, from: number, to: number): void;
}

export interface XentraceStats {
  bytes: number;
  windows: number;
  records: number;
  decoded: number;
  wrapRecords: number;
  lostRecords: number;
  /** Events not decoded, by id (hex): counted, never fatal. */
  undecoded: Map<number, number>;
  cpus: number[];
  /** The absolute TSC all relative times are measured from. */
  tscBase: bigint;
  firstTsc: number;
  lastTsc: number;
  /** Records whose pCPU had no TSC yet (they take the last TSC seen on any pCPU). */
  noTscYet: number;
  /** Records emitted before every pCPU had passed them (the queue bound was reached): order may be approximate. */
  forcedOut: number;
  warnings: TraceIssue[];
  warningCount: number;
  /** A truncated or corrupt file: where reading stopped and why; everything before it was read. */
  error: TraceIssue | null;
}

const STRIDE = 5;

/** One pCPU's queue of decoded records, columns in typed arrays (no object per record). */
class CpuQueue implements RecordColumns {
  tsc = new Float64Array(1 << 15);
  off = new Float64Array(1 << 15);
  aux = new Float64Array(1 << 15);
  kind = new Uint8Array(1 << 15);
  w = new Uint32Array((1 << 15) * STRIDE);
  head = 0;
  tail = 0;
  lastTsc = NaN;
  push(kind: number, tsc: number, off: number, a: number, b: number, c: number, d: number, e: number, aux: number): void {
    if (this.tail === this.tsc.length) this.grow();
    const i = this.tail++;
    this.tsc[i] = tsc; this.off[i] = off; this.kind[i] = kind; this.aux[i] = aux;
    const j = i * STRIDE;
    const w = this.w;
    w[j] = a; w[j + 1] = b; w[j + 2] = c; w[j + 3] = d; w[j + 4] = e;
  }
  /** A record whose words the consumer does not read (VMENTRY), or reads only the first of (VMEXIT). */
  push1(kind: number, tsc: number, off: number, a: number): void {
    if (this.tail === this.tsc.length) this.grow();
    const i = this.tail++;
    this.tsc[i] = tsc; this.off[i] = off; this.kind[i] = kind;
    this.w[i * STRIDE] = a;
  }
  /** Moves the live records to the front, doubling the arrays first when they are more than half full. */
  private grow(): void {
    const n = this.tail - this.head, h = this.head;
    if (n * 2 > this.tsc.length) {
      const cap = this.tsc.length * 2;
      const f = (a: Float64Array) => { const b = new Float64Array(cap); b.set(a.subarray(h, h + n)); return b; };
      this.tsc = f(this.tsc); this.off = f(this.off); this.aux = f(this.aux);
      const k = new Uint8Array(cap); k.set(this.kind.subarray(h, h + n)); this.kind = k;
      const w = new Uint32Array(cap * STRIDE); w.set(this.w.subarray(h * STRIDE, (h + n) * STRIDE)); this.w = w;
    } else {
      this.tsc.copyWithin(0, h, h + n); this.off.copyWithin(0, h, h + n); this.aux.copyWithin(0, h, h + n);
      this.kind.copyWithin(0, h, h + n); this.w.copyWithin(0, h * STRIDE, (h + n) * STRIDE);
    }
    this.head = 0;
    this.tail = n;
  }
}

export interface XentraceOptions {
  /** Called now and then with the bytes read so far. */
  progress?: (bytes: number, total: number) => void;
  /** Queue bound across pCPUs before records are emitted without waiting for every pCPU (default 1M). */
  maxQueued?: number;
  chunk?: number;
}

/** Reads a whole xentrace capture, handing every decoded record to sink in TSC order. Never throws for bad
 *  input: a truncated or corrupt file ends the read with stats.error set and what came before delivered. */
export function readXentrace(src: ByteSource, sink: XenSink, opts: XentraceOptions = {}): XentraceStats {
  const st: XentraceStats = {
    bytes: src.size, windows: 0, records: 0, decoded: 0, wrapRecords: 0, lostRecords: 0, undecoded: new Map(), cpus: [],
    tscBase: 0n, firstTsc: NaN, lastTsc: NaN, noTscYet: 0, forcedOut: 0, warnings: [], warningCount: 0, error: null,
  };
  const win = new Window(src, opts.chunk);
  const maxQueued = opts.maxQueued ?? 1 << 20;
  const queues: CpuQueue[] = [];
  const active: number[] = [];
  let queued = 0;
  let baseLo = 0, baseHi = 0, haveBase = false;
  let globalLast = 0;
  let minTsc = Infinity;
  let pos = 0;
  let nextProgress = PROGRESS_EVERY;
  const warn = (offset: number, message: string) => {
    st.warningCount++;
    if (st.warnings.length < 100) st.warnings.push({ offset, message });
  };

  /** Emits queued records in TSC order up to `upTo` (every pCPU's last TSC), or `force` records regardless. */
  const batch = typeof sink.records === 'function';
  // The head TSC of each active queue (Infinity when empty), so finding the oldest head reads one typed array.
  let heads = new Float64Array(8);
  let qs: CpuQueue[] = [];
  const drain = (upTo: number, force: number) => {
    const n = active.length;
    if (heads.length < n) heads = new Float64Array(n * 2);
    qs = active.map((c) => queues[c]);
    // Locals for the hot loop (the closure's variables are slower to reach); `queued` is written back at the end.
    const hd = heads, qq = qs, snk = sink, useBatch = batch;
    let left = queued, forced = 0;
    for (let k = 0; k < n; k++) { const q = qq[k]; hd[k] = q.head < q.tail ? q.tsc[q.head] : Infinity; }
    for (;;) {
      // The queue with the oldest head, and the next-oldest head: records of the first go out while they are no
      // later than the second's head (and the bound).
      let best = -1, bt = Infinity, second = Infinity;
      for (let k = 0; k < n; k++) {
        const t = hd[k];
        if (t < bt) { second = bt; bt = t; best = k; } else if (t < second) second = t;
      }
      if (best < 0) break;
      if (bt > upTo) { if (force <= 0) break; force--; forced++; }
      const q = qq[best];
      const lim = second < upTo ? second : upTo;
      const tq = q.tsc, start = q.head, tail = q.tail;
      let k = start + 1;
      while (k < tail && tq[k] <= lim) k++;
      left -= k - start;
      q.head = k;
      // One call per run of records (the sink loops), not one per record across the module boundary.
      if (k === start + 1 || !useBatch) { for (let i = start; i < k; i++) snk.record(active[best], q, i); }
      else snk.records!(active[best], q, start, k);
      if (k === tail) { q.head = 0; q.tail = 0; hd[best] = Infinity; } else hd[best] = tq[k];
    }
    queued = left;
    st.forcedOut += forced;
  };
  const round = new Set<number>();
  let nRec = 0, nDec = 0;

  outer: for (;;) {
    const h = win.need(pos, 12);
    if (h === 0) break;
    if (h < 12) { st.error = { offset: pos, message: `truncated: a cpu_change record needs 12 bytes, the file ends after ${h}` }; break; }
    const dv = win.dv;
    let p = pos - win.base;
    const hdr = dv.getUint32(p, true);
    if (hdr !== CPU_CHANGE_HEADER) {
      st.error = { offset: pos, message: `corrupt: expected a cpu_change record (header 0x${CPU_CHANGE_HEADER.toString(16)}), found 0x${hdr.toString(16).padStart(8, '0')}` };
      break;
    }
    const cpu = dv.getInt32(p + 4, true);
    const wsize = dv.getUint32(p + 8, true);
    if (cpu < 0 || cpu > 65535) { st.error = { offset: pos + 4, message: `corrupt: cpu_change names pCPU ${cpu}` }; break; }
    if (wsize & 3) { st.error = { offset: pos + 8, message: `corrupt: window size ${wsize} is not a whole number of words` }; break; }
    st.windows++;
    // xentrace reads every pCPU's buffer in turn: a pCPU named twice starts a new round. Every record written
    // before the previous round's reads has then been seen, so the merge can go up to the oldest last TSC of the
    // pCPUs that round read (a pCPU with no window in a round had nothing new).
    if (round.has(cpu)) {
      let m = Infinity;
      for (const c of round) { const t = queues[c].lastTsc; if (t < m) m = t; }
      round.clear();
      if (queued > 0 && m === m) drain(m, 0);
    }
    round.add(cpu);
    let q = queues[cpu];
    if (!q) { q = queues[cpu] = new CpuQueue(); active.push(cpu); st.cpus.push(cpu); }
    pos += 12;
    const end = pos + wsize;
    // The window's buffer, its file offset and end, kept in locals; refreshed whenever need() slides it.
    let u = win.u32, base = win.base, lim = win.base + win.len;
    while (pos < end) {
      // Each record is at most 40 bytes; ask for that much (or up to the window's end).
      const want = end - pos < 40 ? end - pos : 40;
      if (lim - pos < want) {
        const got = win.need(pos, want);
        u = win.u32; base = win.base; lim = win.base + win.len;
        if (got < want && (got < 4 || got < recSize(u[(pos - base) >> 2]))) {
          st.error = { offset: pos, message: `truncated: pCPU ${cpu}'s window (${wsize} bytes from offset ${end - wsize}) ends at ${end}, the file at ${lim}` };
          break outer;
        }
      }
      p = pos - base;
      const w0 = u[(p) >> 2];
      const extra = (w0 >>> 28) & 7;
      const cyc = w0 >>> 31;
      const size = 4 + cyc * 8 + extra * 4;
      if (pos + size > end) {
        st.error = { offset: pos, message: `corrupt: a ${size}-byte record runs past the end of pCPU ${cpu}'s window at ${end}` };
        break outer;
      }
      nRec++;
      const ev = w0 & 0x0fffffff;
      let tsc: number;
      let d = p + 4;
      if (cyc) {
        const lo = u[(p + 4) >> 2], hi = u[(p + 8) >> 2];
        if (!haveBase) { haveBase = true; baseLo = lo; baseHi = hi; st.tscBase = (BigInt(hi) << 32n) | BigInt(lo); }
        tsc = (hi - baseHi) * 4294967296 + (lo - baseLo);
        q.lastTsc = tsc;
        if (!(tsc <= globalLast)) globalLast = tsc;
        if (tsc < minTsc) minTsc = tsc;
        d += 8;
      } else if (q.lastTsc === q.lastTsc) {
        tsc = q.lastTsc;
      } else {
        tsc = globalLast;
        st.noTscYet++;
      }
      const recOff = pos;
      pos += size;
      // The commonest records first: VMENTRY, then the exits.
      if (ev === TRC_HVM_VMENTRY) { q.push1(K_VMENTRY, tsc, recOff, 0); queued++; nDec++; continue; }
      if (ev === TRC_HVM_VMX_EXIT && extra === 2) { q.push1(K_VMEXIT, tsc, recOff, u[d >> 2]); queued++; nDec++; continue; }
      switch (ev) {
        case TRC_HVM_IOPORT_READ: case TRC_HVM_IOPORT_WRITE: case TRC_HVM_IOMEM_READ: case TRC_HVM_IOMEM_WRITE:
        case TRC_HVM_IOMEM_READ | TRC_64_FLAG: case TRC_HVM_IOMEM_WRITE | TRC_64_FLAG: case TRC_HVM_IOPORT_READ | TRC_64_FLAG: case TRC_HVM_IOPORT_WRITE | TRC_64_FLAG: {
          // Payload (xen@RELEASE-4.21.0:xen/arch/x86/hvm/emulate.c:59-87 hvmtrace_io_assist): the address as u32
          // or, with TRC_64_FLAG, as u64; then the data, if not data_is_ptr, of the same width. Before Xen 4.12 the
          // data after a 64-bit address was a u32 (3 words); the word count decides, not the version.
          const x64 = (ev & TRC_64_FLAG) !== 0;
          let flags = (ev & 1 ? IO_MMIO : 0) | (ev & 0x200 ? IO_WRITE : 0) | (x64 ? IO_X64 : 0);
          let aLo = 0, aHi = 0, dLo = 0, dHi = 0, dw = 0;
          const okWords = x64 ? extra >= 2 && extra <= 4 : extra >= 1 && extra <= 2;
          if (!okWords) { warn(recOff, `I/O record 0x${ev.toString(16)} with ${extra} words (expected ${x64 ? '2-4' : '1-2'}): skipped`); break; }
          aLo = u[(d) >> 2];
          if (x64) {
            aHi = u[(d + 4) >> 2];
            if (extra >= 3) { dLo = u[(d + 8) >> 2]; dw = 1; }
            if (extra === 4) { dHi = u[(d + 12) >> 2]; dw = 2; }
          } else if (extra === 2) { dLo = u[(d + 4) >> 2]; dw = 1; }
          flags |= dw << 8;
          q.push(K_IO, tsc, recOff, flags, aLo, aHi, dLo, dHi, 0); queued++; nDec++;
          break;
        }
        case TRC_HVM_VMX_EXIT: case TRC_HVM_SVM_EXIT: case TRC_HVM_VMX_EXIT | TRC_64_FLAG: case TRC_HVM_SVM_EXIT | TRC_64_FLAG:
        case TRC_HVM_VMX_EXIT | TRC_HVM_NESTEDFLAG: case TRC_HVM_SVM_EXIT | TRC_HVM_NESTEDFLAG:
        case TRC_HVM_VMX_EXIT | TRC_64_FLAG | TRC_HVM_NESTEDFLAG: case TRC_HVM_SVM_EXIT | TRC_64_FLAG | TRC_HVM_NESTEDFLAG: {
          // {exit_reason, rip lo[, rip hi]} (xen@RELEASE-4.21.0:xen/arch/x86/hvm/vmx/vmx.c:4200-4202)
          const reason = extra >= 1 ? u[(d) >> 2] : 0;
          const rlo = extra >= 2 ? u[(d + 4) >> 2] : 0;
          const rhi = extra >= 3 && ev & TRC_64_FLAG ? u[(d + 8) >> 2] : 0;
          q.push(K_VMEXIT, tsc, recOff, reason, rlo, rhi, ev & 1 ? 1 : 0, 0, 0); queued++; nDec++;
          break;
        }
        case TRC_HVM_VMENTRY: case TRC_HVM_VMENTRY | TRC_HVM_NESTEDFLAG:
          q.push(K_VMENTRY, tsc, recOff, 0, 0, 0, 0, 0, 0); queued++; nDec++;
          break;
        case TRC_SCHED_CONTINUE_RUNNING:
          if (extra < 1) { warn(recOff, 'continue_running record without its vcpu word: skipped'); break; }
          { const v = u[(d) >> 2]; q.push(K_CONTINUE, tsc, recOff, v >>> 16, v & 0xffff, 0, 0, 0, 0); queued++; nDec++; }
          break;
        case TRC_SCHED_SWITCH:
          if (extra < 4) { warn(recOff, `sched switch record with ${extra} words (expected 4): skipped`); break; }
          q.push(K_SWITCH, tsc, recOff, u[(d) >> 2], u[(d + 4) >> 2], u[(d + 8) >> 2], u[(d + 12) >> 2], 0, 0); queued++; nDec++;
          break;
        case TRC_LOST_RECORDS: {
          st.lostRecords++;
          if (extra < 4) { warn(recOff, `lost-records record with ${extra} words (expected 4)`); break; }
          const lost = u[d >> 2], dv = u[(d + 4) >> 2];
          const fLo = u[(d + 8) >> 2], fHi = u[(d + 12) >> 2];
          const first = haveBase ? (fHi - baseHi) * 4294967296 + (fLo - baseLo) : tsc;
          q.push(K_LOST, tsc, recOff, lost, dv & 0xffff, dv >>> 16, 0, 0, first); queued++; nDec++;
          break;
        }
        case TRC_TRACE_WRAP_BUFFER:
          st.wrapRecords++;
          break;
        default:
          if ((ev & ~0x330) === TRC_SCHED_RUNSTATE_CHANGE) {
            // {u16 vcpu, u16 domain}; old state in event bits 8-9, new in 4-5 (sched/core.c:207-222).
            if (extra < 1) { warn(recOff, 'runstate_change record without its vcpu word: skipped'); break; }
            const v = u[(d) >> 2];
            q.push(K_RUNSTATE, tsc, recOff, v >>> 16, v & 0xffff, (ev >>> 8) & 3, (ev >>> 4) & 3, 0, 0); queued++; nDec++;
          } else {
            st.undecoded.set(ev, (st.undecoded.get(ev) ?? 0) + 1);
          }
      }
    }
    if (queued > maxQueued) drain(-Infinity, queued - (maxQueued >> 1));
    if (opts.progress && pos >= nextProgress) { nextProgress = pos + PROGRESS_EVERY; opts.progress(pos, src.size); }
  }
  st.records = nRec;
  st.decoded = nDec;
  drain(Infinity, 0);
  let lt = -Infinity;
  for (const c of active) { const t = queues[c].lastTsc; if (t > lt) lt = t; }
  st.firstTsc = haveBase ? minTsc : NaN;
  st.lastTsc = haveBase ? Math.max(lt, globalLast) : NaN;
  st.cpus.sort((a, b) => a - b);
  opts.progress?.(pos, src.size);
  return st;
}

function recSize(w0: number): number {
  return 4 + (w0 >>> 31) * 8 + ((w0 >>> 28) & 7) * 4;
}
