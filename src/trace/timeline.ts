// The timeline: each guest I/O rebuilt from a xentrace capture (domain and vcpu from the scheduler records of its
// pCPU, the VMEXIT that caused it, the VMENTRY that completed it), the device model's handling of it matched from a
// QEMU trace, lost-record windows as gaps, and the per-address summary xenalyze prints.
//
// Attribution and timing follow xenalyze (xen@RELEASE-4.21.0:tools/xentrace/xenalyze.c):
// - the vcpu on a pCPU is the one the last runstate change to "running" (or continue_running) named on it
//   (sched_runstate_process, 7022-7140);
// - an exit opens at its VMEXIT (hvm_vmexit_process, 5067-5175) and closes at the vcpu's next VMENTRY, or earlier
//   when the vcpu is made runnable while the exit is open (7129-7133); its arc is close - exit TSC
//   (hvm_close_vmexit, 5177-5243), 0 when the exit's TSC is later;
// - an I/O record counts only inside an open exit; one I/O is counted per exit, of the kind first seen, at the
//   address last seen (hvm_io_assist_process 3845-3890, hvm_mmio_assist_process 3647-3705, hvm_set_postprocess
//   3014-3024); MMIO counts only when the record's word count matches xenalyze's struct (data_valid), and not in
//   the VGA window (enumerate_mmio 3583-3596);
// - the summary per address: event count, total cycles, share of the whole trace's cycles, and mean cycles
//   over the events with non-zero cycles (update_cycles 2214-2262, PRINT_SUMMARY 2363-2390,
//   hvm_io_address_summary 3810-3827); time = cycles / cpu_hz, default 2.4 GHz (:45 DEFAULT_CPU_HZ).
// Writes are traced when issued, reads when completed (xen@RELEASE-4.21.0:xen/arch/x86/hvm/emulate.c:276, 464), so
// a read's issue time is its exit's TSC. A read the device model answered completes after the vcpu was made
// runnable, so xenalyze has already closed that exit and does not count it (inference from 7129-7133 and
// 4822-4828): such entries carry counted=false.
import * as X from './xentrace';
import type { DmControl, DmRequest } from './qemu';

// The reader's constants as this module's own: read on every record, and a namespace import's property is a getter
// call in the one-file-per-module build the tests and benchmarks run.
const { K_IO, K_VMEXIT, K_VMENTRY, K_RUNSTATE, K_CONTINUE, K_SWITCH, K_LOST, IDLE_DOMAIN, RUNSTATE_running, RUNSTATE_blocked, RUNSTATE_runnable, IO_MMIO, IO_WRITE, IO_X64 } = X;

export const DEFAULT_CPU_HZ = 2_400_000_000;

export interface IoEntry {
  seq: number;
  /** "file@offset" of the I/O record. */
  place: string;
  offset: number;
  cpu: number;
  /** null when no scheduler record on this pCPU said which vcpu runs. */
  dom: number | null;
  vcpu: number | null;
  kind: 'pio' | 'mmio';
  dir: 'read' | 'write';
  addr: bigint;
  /** The data as traced (null when data_is_ptr); its width in bytes (4 or 8), from the record's word count. */
  data: bigint | null;
  dataBytes: number;
  /** TSC of the record, of the I/O's issue (the exit's for a read), of its exit and of its completion (the next
   *  VMENTRY), relative to the capture's first TSC; NaN where unknown. */
  tsc: number;
  issueTsc: number;
  exitTsc: number;
  exitReason: number | null;
  exitPlace: string | null;
  completeTsc: number;
  latencyCycles: number;
  /** The vcpu blocked while the exit was open: the request went to a device model. */
  blocked: boolean;
  /** Counted in the xenalyze summary, with the arc's cycles. */
  counted: boolean;
  arcCycles: number;
  /** The device model's handling, when a QEMU trace was given and one matched. */
  dm: DmRequest | null;
  /** Access size in bytes, from the matched DM request (xentrace records do not carry it). */
  size: number | null;
}

export interface Gap { cpu: number; fromTsc: number; toTsc: number; lost: number; dom: number; vcpu: number; place: string; source: 'xentrace' | 'qemu' }

export interface SummaryRow {
  dom: number;
  vcpu: number | null;
  kind: 'pio' | 'mmio';
  addr: bigint;
  dir: 'read' | 'write';
  count: number;
  cycles: number;
  /** Events with non-zero cycles (the mean's divisor). */
  timed: number;
  min: number;
  max: number;
}

export interface TimelineOptions {
  file: string;
  /** Device-model requests from QEMU traces, in their order, for matching. */
  dm?: DmRequest[];
  onIo?: (e: IoEntry) => void;
  onGap?: (g: Gap) => void;
}

interface VState {
  key: number;
  dom: number;
  vcpu: number;
  exitTsc: number;
  exitReason: number | null;
  exitOff: number;
  open: boolean;
  blocked: boolean;
  pending: IoEntry[];
  // xenalyze's view
  xInit: boolean;
  xValid: boolean;
  xExitTsc: number;
  /** 0: no I/O in this exit yet; 1: port; 2: MMIO. */
  xKind: number;
  xLo: number;
  xHi: number;
  xWrite: boolean;
  xValidData: boolean;
  xEntry: IoEntry | null;
  /** Rows by kind and direction (index kind*2 + write), keyed by the address's low word as an int32; 64-bit
   *  addresses in `wide`. */
  rows: Array<Map<number, SummaryRow>>;
  wide: Map<string, SummaryRow>;
  lastLo: number[];
  lastRow: Array<SummaryRow | undefined>;
}

const vkey = (dom: number, vcpu: number) => dom * 65536 + vcpu;

/** Builds the timeline as the merge delivers records (a XenSink). */
export class Timeline implements X.XenSink {
  private cur: Array<VState | null> = [];
  private vs = new Map<number, VState>();
  private seq = 0;
  ios = 0;
  unattributed = 0;
  exitsUnattributed = 0;
  gaps = 0;
  matched = 0;
  private dmByKey = new Map<string, number[]>();
  private dmPos = new Map<string, number>();
  private dmUsed: Uint8Array;
  constructor(private o: TimelineOptions) {
    const dm = o.dm ?? [];
    this.dmUsed = new Uint8Array(dm.length);
    for (const r of dm) {
      if (r.type !== 0 && r.type !== 1) continue;
      const k = `${r.type}|${r.dir}|${r.addr}`;
      let a = this.dmByKey.get(k);
      if (!a) this.dmByKey.set(k, (a = []));
      a.push(r.seq);
    }
  }

  private v(dom: number, vcpu: number): VState {
    const k = vkey(dom, vcpu);
    let s = this.vs.get(k);
    if (!s) {
      s = { key: k, dom, vcpu, exitTsc: NaN, exitReason: null, exitOff: 0, open: false, blocked: false, pending: [], xInit: false, xValid: false, xExitTsc: 0, xKind: 0, xLo: 0, xHi: 0, xWrite: false, xValidData: false, xEntry: null, rows: [new Map(), new Map(), new Map(), new Map()], wide: new Map(), lastLo: [-1, -1, -1, -1], lastRow: [undefined, undefined, undefined, undefined] };
      this.vs.set(k, s);
    }
    return s;
  }
  private current(cpu: number): VState | null {
    const v = this.cur[cpu];
    return v === undefined ? null : v;
  }

  records(cpu: number, q: X.RecordColumns, from: number, to: number): void {
    for (let i = from; i < to; i++) this.record(cpu, q, i);
  }

  record(cpu: number, q: X.RecordColumns, i: number): void {
    const w = q.w, j = i * 5;
    const tsc = q.tsc[i];
    switch (q.kind[i]) {
      case K_IO: return this.io(cpu, q, i);
      case K_VMEXIT: {
        const v = this.current(cpu);
        if (!v) { this.exitsUnattributed++; return; }
        if (v.pending.length) this.finishPending(v, NaN);
        v.open = true; v.blocked = false; v.exitTsc = tsc; v.exitReason = w[j]; v.exitOff = q.off[i];
        v.xInit = true; v.xValid = true; v.xExitTsc = tsc; v.xKind = 0; v.xEntry = null;
        return;
      }
      case K_VMENTRY: {
        const v = this.current(cpu);
        if (!v) return;
        if (v.xValid) this.xClose(v, tsc);
        if (v.pending.length) this.finishPending(v, tsc);
        v.open = false;
        return;
      }
      case K_RUNSTATE: {
        const dom = w[j], vcpu = w[j + 1], to = w[j + 3];
        if (dom === IDLE_DOMAIN) { if (to === RUNSTATE_running) this.cur[cpu] = null; return; }
        const v = this.v(dom, vcpu);
        if (to === RUNSTATE_running) this.cur[cpu] = v;
        else if (this.cur[cpu] === v) this.cur[cpu] = null;
        if (to === RUNSTATE_blocked && v.open) v.blocked = true;
        if (to === RUNSTATE_runnable && v.xValid) this.xClose(v, tsc);
        return;
      }
      case K_CONTINUE:
        this.cur[cpu] = w[j] === IDLE_DOMAIN ? null : this.v(w[j], w[j + 1]);
        return;
      case K_SWITCH:
        // xenalyze does not attribute by sched_switch: sched_process hands TRC_SCHED_SWITCH (a TRC_SCHED_VERBOSE
        // event, subclass 8) only to a dump (xenalyze.c:7593-7596); its sched_switch_process is reached for
        // subclass 0xf only (7519-7528), where this event never is. The runstate changes decide who runs.
        return;
      case K_LOST: {
        this.gaps++;
        this.o.onGap?.({ cpu, fromTsc: q.aux[i], toTsc: tsc, lost: w[j], dom: w[j + 1], vcpu: w[j + 2], place: `${this.o.file}@${q.off[i]}`, source: 'xentrace' });
        // xenalyze (xen@RELEASE-4.21.0:tools/xentrace/xenalyze.c) handles a lost-records record twice: at its
        // first_tsc the pCPU's current vcpu loses its open exit and the pCPU has no current vcpu
        // (process_lost_records 8864-8915: vmexit_valid = 0 at 8905, vcpu_prev_update); at the record's own TSC the vcpu
        // the record names {did, vid} becomes the pCPU's current vcpu (process_lost_records_end 8971-9030, at 9013
        // vcpu_next_update). Nothing of this pCPU lies between the two (its records were lost), so both are done here.
        {
          const was = this.cur[cpu];
          if (was) { was.xValid = false; was.xKind = 0; was.xEntry = null; }
          const did = w[j + 1], vid = w[j + 2];
          this.cur[cpu] = did === IDLE_DOMAIN ? null : this.v(did, vid);
        }
        return;
      }
    }
  }

  private io(cpu: number, q: X.RecordColumns, i: number): void {
    const w = q.w, j = i * 5;
    const flags = w[j], aLo = w[j + 1], aHi = w[j + 2], dLo = w[j + 3], dHi = w[j + 4];
    const tsc = q.tsc[i];
    const v = this.current(cpu);
    const mmio = (flags & IO_MMIO) !== 0, write = (flags & IO_WRITE) !== 0, x64 = (flags & IO_X64) !== 0;
    const dw = (flags >>> 8) & 3;
    this.ios++;
    if (!v) this.unattributed++;
    let ent: IoEntry | null = null;
    if (this.o.onIo) {
      const addr = x64 ? (BigInt(aHi) << 32n) | BigInt(aLo) : BigInt(aLo);
      const data = dw === 0 ? null : dw === 2 ? (BigInt(dHi) << 32n) | BigInt(dLo) : BigInt(dLo);
      const open = v !== null && v.open;
      const offset = q.off[i];
      ent = {
        seq: this.seq, place: `${this.o.file}@${offset}`, offset, cpu, dom: v ? v.dom : null, vcpu: v ? v.vcpu : null,
        kind: mmio ? 'mmio' : 'pio', dir: write ? 'write' : 'read', addr, data, dataBytes: dw * 4, tsc,
        issueTsc: write || !open ? tsc : v!.exitTsc, exitTsc: open ? v!.exitTsc : NaN, exitReason: open ? v!.exitReason : null,
        exitPlace: open ? `${this.o.file}@${v!.exitOff}` : null, completeTsc: NaN, latencyCycles: NaN, blocked: false, counted: false, arcCycles: 0, dm: null, size: null,
      };
    }
    this.seq++;
    if (!v) { if (ent) this.emit(ent); return; }
    // xenalyze hands only the port events without TRC_64_FLAG to its port handler; a 64-bit-flagged port record
    // falls to the generic handler and is not port I/O (hvm_handler_process, xenalyze.c:4874-4877, 4903-4911).
    if (v.xInit && v.xValid && (mmio || !x64)) {
      // xenalyze: the first I/O kind in an exit sets its post-processing; later records of that kind overwrite the
      // address; MMIO needs its data to be valid (x32: 2 words, x64: 4 words).
      const k = mmio ? 2 : 1;
      if (v.xKind === 0) v.xKind = k;
      if (v.xKind === k) { v.xLo = aLo; v.xHi = x64 ? aHi : 0; v.xWrite = write; v.xValidData = !mmio || (x64 ? dw === 2 : dw === 1); v.xEntry = ent; }
    }
    if (ent) v.pending.push(ent);
  }

  private xClose(v: VState, tsc: number): void {
    const arc = v.xExitTsc > tsc ? 0 : tsc - v.xExitTsc;
    // xenalyze leaves the VGA window [0xa0000, 0xbffff) out of the MMIO enumeration by default
    // (xenalyze.c:3583-3596 enumerate_mmio, :251 mmio_enumeration_skip_vga = 1).
    const vga = v.xKind === 2 && v.xHi === 0 && v.xLo >= 0xa0000 && v.xLo < 0xbffff;
    if (v.xKind !== 0 && v.xValidData && !vga) {
      const e = v.xEntry;
      if (e) { e.counted = true; e.arcCycles = arc; }
      const sub = (v.xKind === 2 ? 2 : 0) + (v.xWrite ? 1 : 0);
      // The last row of this kind and direction is the likeliest (a device polled at one address).
      let r = v.xHi === 0 && v.lastLo[sub] === v.xLo ? v.lastRow[sub] : v.xHi === 0 ? v.rows[sub].get(v.xLo | 0) : v.wide.get(`${v.xHi}:${v.xLo}:${sub}`);
      if (!r) {
        r = { dom: v.dom, vcpu: v.vcpu, kind: v.xKind === 2 ? 'mmio' : 'pio', addr: (BigInt(v.xHi) << 32n) | BigInt(v.xLo), dir: v.xWrite ? 'write' : 'read', count: 0, cycles: 0, timed: 0, min: Infinity, max: 0 };
        if (v.xHi === 0) v.rows[sub].set(v.xLo | 0, r); else v.wide.set(`${v.xHi}:${v.xLo}:${sub}`, r);
      }
      if (v.xHi === 0) { v.lastLo[sub] = v.xLo; v.lastRow[sub] = r; }
      r.count++;
      if (arc) { r.timed++; r.cycles += arc; if (arc < r.min) r.min = arc; if (arc > r.max) r.max = arc; }
    }
    v.xValid = false;
    v.xKind = 0;
    v.xEntry = null;
  }

  /** The summary rows, per vcpu and address. */
  get rows(): SummaryRow[] {
    const out: SummaryRow[] = [];
    for (const v of this.vs.values()) { for (const m of v.rows) for (const r of m.values()) out.push(r); for (const r of v.wide.values()) out.push(r); }
    return out;
  }

  private finishPending(v: VState, tsc: number): void {
    if (!v.pending.length) return;
    for (const e of v.pending) {
      e.completeTsc = tsc;
      e.blocked = v.blocked;
      const from = Number.isNaN(e.exitTsc) ? e.issueTsc : e.exitTsc;
      e.latencyCycles = tsc - from;
      this.emit(e);
    }
    v.pending = [];
  }

  private emit(e: IoEntry): void {
    const dm = this.o.dm;
    if (dm && dm.length && e.data !== undefined) {
      const k = `${e.kind === 'pio' ? 0 : 1}|${e.dir === 'read' ? 1 : 0}|${e.addr}`;
      const list = this.dmByKey.get(k);
      if (list) {
        let i = this.dmPos.get(k) ?? 0;
        // In order, by content: the first unused request to this address in this direction whose data agrees.
        for (let tries = 0; i < list.length && tries < 64; i++, tries++) {
          const r = dm[list[i]];
          if (this.dmUsed[r.seq]) continue;
          const mask = r.size > 0 && r.size < 8 ? (1n << BigInt(8 * r.size)) - 1n : 0xffffffffffffffffn;
          const dataOk = e.data === null || r.dataIsPtr || (e.data & mask & (e.dataBytes === 4 ? 0xffffffffn : mask)) === (r.data & mask & (e.dataBytes === 4 ? 0xffffffffn : mask));
          if (!dataOk) continue;
          this.dmUsed[r.seq] = 1;
          e.dm = r;
          e.size = r.size || null;
          this.matched++;
          break;
        }
        while ((this.dmPos.get(k) ?? 0) < list.length && this.dmUsed[dm[list[this.dmPos.get(k) ?? 0]].seq]) this.dmPos.set(k, (this.dmPos.get(k) ?? 0) + 1);
      }
    }
    this.o.onIo?.(e);
  }

  /** Ends the timeline: I/Os still waiting for their VMENTRY are emitted with completion unknown. */
  finish(): void {
    for (const v of this.vs.values()) this.finishPending(v, NaN);
  }

  /** Device-model requests no guest I/O matched. */
  unmatchedDm(): DmRequest[] {
    return (this.o.dm ?? []).filter((r) => !this.dmUsed[r.seq] && (r.type === 0 || r.type === 1));
  }
}

export interface Summary {
  cpuHz: number;
  totalCycles: number;
  rows: Array<SummaryRow & { seconds: number; sharePct: number; meanCycles: number }>;
  domains: Array<SummaryRow & { seconds: number; sharePct: number; meanCycles: number }>;
}

/** The IO address summary: per domain and vcpu, per address and direction, sorted by domain, vcpu, kind, address. */
export function summarize(rows: Iterable<SummaryRow>, totalCycles: number, cpuHz = DEFAULT_CPU_HZ): Summary {
  const dec = (r: SummaryRow) => ({ ...r, min: r.timed ? r.min : 0, seconds: r.cycles / cpuHz, sharePct: totalCycles > 0 ? (r.cycles * 100) / totalCycles : 0, meanCycles: r.timed ? Math.floor(r.cycles / r.timed) : 0 });
  const all = [...rows];
  const order = (a: SummaryRow, b: SummaryRow) => a.dom - b.dom || (a.vcpu ?? -1) - (b.vcpu ?? -1) || a.kind.localeCompare(b.kind) || (a.addr < b.addr ? -1 : a.addr > b.addr ? 1 : 0) || (a.dir === 'read' ? -1 : 1);
  const doms = new Map<string, SummaryRow>();
  for (const r of all) {
    const k = `${r.dom}|${r.kind}|${r.addr}|${r.dir}`;
    let d = doms.get(k);
    if (!d) doms.set(k, (d = { ...r, vcpu: null, count: 0, cycles: 0, timed: 0, min: Infinity, max: 0 }));
    d.count += r.count; d.cycles += r.cycles; d.timed += r.timed; d.min = Math.min(d.min, r.min); d.max = Math.max(d.max, r.max);
  }
  return { cpuHz, totalCycles, rows: all.sort(order).map(dec), domains: [...doms.values()].sort(order).map(dec) };
}

/** Parses a --cpu-hz value as xenalyze does: a number with an optional G, M or K suffix. */
export function parseCpuHz(s: string): number | null {
  const m = /^(\d+(?:\.\d+)?|\.\d+)([GMK]?)$/.exec(s.trim());
  if (!m) return null;
  const mul = m[2] === 'G' ? 1e9 : m[2] === 'M' ? 1e6 : m[2] === 'K' ? 1e3 : 1;
  const hz = Math.floor(Number(m[1]) * mul);
  return hz > 0 ? hz : null;
}

export type { DmControl };
