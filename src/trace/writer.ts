// Golden-trace writers: xentrace captures, QEMU simpletrace v4 files and QEMU log lines, byte for byte in the
// layouts the parsers read (see xentrace.ts and qemu.ts for the sources of each layout). Used by the tests, the
// benchmarks, and `fromModelFlow` to turn a flow of guest accesses into the traces Xen and QEMU would write.
import * as X from './xentrace';
import { QEMU_EVENTS, SIMPLE_DROPPED_ID, SIMPLE_HEADER_ID, SIMPLE_MAGIC } from './qemu';

/** Builds a xentrace capture: records go to their pCPU's buffer; window() writes one cpu_change window. */
export class XentraceWriter {
  private pending = new Map<number, number[]>();
  private out: Uint8Array[] = [];
  private outLen = 0;

  /** A raw record: header, optional TSC, then words (at most 7). */
  rec(cpu: number, event: number, tsc: bigint | null, words: number[]): this {
    if (words.length > 7) throw new Error('a trace record carries at most 7 extra words');
    let b = this.pending.get(cpu);
    if (!b) this.pending.set(cpu, (b = []));
    b.push((((tsc !== null ? 1 : 0) << 31) | (words.length << 28) | (event & 0x0fffffff)) >>> 0);
    if (tsc !== null) b.push(Number(tsc & 0xffffffffn), Number((tsc >> 32n) & 0xffffffffn));
    for (const w of words) b.push(w >>> 0);
    return this;
  }
  /** hvmtrace_io_assist's record: no TSC; a u32 address unless it needs 64 bits; the data (if any) as wide as the
   *  address, or as a u32 after a 64-bit address when legacyData (Xen before 4.12). */
  io(cpu: number, mmio: boolean, write: boolean, addr: bigint, data: bigint | null, legacyData = false): this {
    let ev = mmio ? (write ? X.TRC_HVM_IOMEM_WRITE : X.TRC_HVM_IOMEM_READ) : (write ? X.TRC_HVM_IOPORT_WRITE : X.TRC_HVM_IOPORT_READ);
    const w: number[] = [];
    const wide = addr !== (addr & 0xffffffffn);
    if (wide) { ev |= X.TRC_64_FLAG; w.push(Number(addr & 0xffffffffn), Number(addr >> 32n)); } else w.push(Number(addr));
    if (data !== null) {
      w.push(Number(data & 0xffffffffn));
      if (wide && !legacyData) w.push(Number((data >> 32n) & 0xffffffffn));
    }
    return this.rec(cpu, ev, null, w);
  }
  vmexit(cpu: number, tsc: bigint, reason: number, rip = 0n): this {
    return rip >> 32n ? this.rec(cpu, X.TRC_HVM_VMX_EXIT | X.TRC_64_FLAG, tsc, [reason, Number(rip & 0xffffffffn), Number(rip >> 32n)])
      : this.rec(cpu, X.TRC_HVM_VMX_EXIT, tsc, [reason, Number(rip)]);
  }
  vmentry(cpu: number, tsc: bigint): this { return this.rec(cpu, X.TRC_HVM_VMENTRY, tsc, []); }
  runstate(cpu: number, tsc: bigint, dom: number, vcpu: number, from: number, to: number): this {
    return this.rec(cpu, X.TRC_SCHED_RUNSTATE_CHANGE | ((from & 3) << 8) | ((to & 3) << 4), tsc, [((dom & 0xffff) << 16) | (vcpu & 0xffff)]);
  }
  lost(cpu: number, tsc: bigint, count: number, did: number, vid: number, firstTsc: bigint): this {
    return this.rec(cpu, X.TRC_LOST_RECORDS, tsc, [count, ((vid & 0xffff) << 16) | (did & 0xffff), Number(firstTsc & 0xffffffffn), Number(firstTsc >> 32n)]);
  }
  /** Padding as Xen writes it at the end of its ring (bytes = 4..40, a multiple of 4). */
  wrap(cpu: number, bytes: number): this {
    let extra = (bytes - 4) / 4;
    let tsc: bigint | null = null;
    if (extra > 7) { tsc = 0n; extra -= 2; }
    return this.rec(cpu, X.TRC_TRACE_WRAP_BUFFER, tsc, new Array(extra).fill(0));
  }
  /** Writes cpu's pending records as one window (nothing when none). */
  window(cpu: number): this {
    const b = this.pending.get(cpu);
    if (!b || !b.length) return this;
    const u = new Uint8Array(12 + b.length * 4);
    const dv = new DataView(u.buffer);
    dv.setUint32(0, X.CPU_CHANGE_HEADER, true);
    dv.setInt32(4, cpu, true);
    dv.setUint32(8, b.length * 4, true);
    for (let i = 0; i < b.length; i++) dv.setUint32(12 + i * 4, b[i], true);
    this.out.push(u);
    this.outLen += u.length;
    this.pending.set(cpu, []);
    return this;
  }
  /** Flushes every pCPU (in pCPU order) and returns the file's bytes. */
  bytes(): Uint8Array {
    for (const c of [...this.pending.keys()].sort((a, b) => a - b)) this.window(c);
    const r = new Uint8Array(this.outLen);
    let o = 0;
    for (const u of this.out) { r.set(u, o); o += u.length; }
    return r;
  }
}

/** Builds a simpletrace v4 file (header, then a mapping record per event used, event and dropped records). */
export class SimpletraceWriter {
  private parts: number[] = [];
  private bytesOut: Uint8Array[] = [];
  private ids = new Map<string, number>();
  constructor(private pid = 4242) {
    this.u64(SIMPLE_HEADER_ID).u64(SIMPLE_MAGIC).u64(4n);
  }
  private u64(v: bigint): this {
    const u = new Uint8Array(8);
    new DataView(u.buffer).setBigUint64(0, BigInt.asUintN(64, v), true);
    this.bytesOut.push(u);
    return this;
  }
  private u32(v: number): this {
    const u = new Uint8Array(4);
    new DataView(u.buffer).setUint32(0, v >>> 0, true);
    this.bytesOut.push(u);
    return this;
  }
  mapping(name: string): number {
    let id = this.ids.get(name);
    if (id !== undefined) return id;
    id = this.ids.size;
    this.ids.set(name, id);
    const nb = new TextEncoder().encode(name);
    this.u64(0n).u64(BigInt(id)).u32(nb.length);
    this.bytesOut.push(nb);
    return id;
  }
  /** An event record; args are the event's arguments in declaration order (numbers/bigints, or strings). */
  event(name: string, tsNs: bigint, args: Array<bigint | number | string>): this {
    const id = this.mapping(name);
    const enc = args.map((a) => (typeof a === 'string' ? new TextEncoder().encode(a) : null));
    const len = 24 + args.reduce<number>((s, a, i) => s + (typeof a === 'string' ? 4 + enc[i]!.length : 8), 0);
    this.u64(1n).u64(BigInt(id)).u64(tsNs).u32(len).u32(this.pid);
    args.forEach((a, i) => { if (typeof a === 'string') { this.u32(enc[i]!.length); this.bytesOut.push(enc[i]!); } else this.u64(BigInt(a)); });
    return this;
  }
  dropped(tsNs: bigint, count: number): this {
    this.u64(1n).u64(SIMPLE_DROPPED_ID).u64(tsNs).u32(32).u32(this.pid).u64(BigInt(count));
    return this;
  }
  /** Raw bytes (for fuzzing: garbage in the middle of a file). */
  raw(b: Uint8Array): this { this.bytesOut.push(b); return this; }
  bytes(): Uint8Array {
    const n = this.bytesOut.reduce((s, u) => s + u.length, 0);
    const r = new Uint8Array(n);
    let o = 0;
    for (const u of this.bytesOut) { r.set(u, o); o += u.length; }
    void this.parts;
    return r;
  }
}

export type LogPrefix = 'none' | 'tid' | 'iso';

/** One QEMU log line, formatted as the event's printf format would (hw/xen/trace-events formats). */
export function qemuLogLine(prefix: LogPrefix, name: string, args: Record<string, bigint | number>, tsNs: bigint, tid = 2986097): string {
  const ev = QEMU_EVENTS[name];
  if (!ev) throw new Error(`no format for event ${name}`);
  let body = ev.fmt;
  for (const [k, spec] of ev.fields) {
    const v = BigInt(args[k] ?? 0);
    const text = spec === 'x' ? v.toString(16) : spec === 'p' ? '0x' + v.toString(16) : spec === '02x' ? v.toString(16).padStart(2, '0') : v.toString(10);
    body = body.replace(`{${k}}`, text);
  }
  const line = `${name} ${body}`;
  if (prefix === 'none') return line;
  if (prefix === 'tid') {
    const sec = tsNs / 1_000_000_000n, usec = (tsNs / 1000n) % 1_000_000n;
    return `${tid}@${sec}.${usec.toString().padStart(6, '0')}:${line}`;
  }
  const ms = Number(tsNs / 1_000_000n);
  const usec = (tsNs / 1000n) % 1_000_000n;
  const iso = new Date(ms).toISOString().replace(/\.\d{3}Z$/, `.${usec.toString().padStart(6, '0')}Z`);
  return `${iso} ${line}`;
}
