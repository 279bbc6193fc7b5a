// QEMU traces of the Xen ioreq path: the "log" backend's text lines (three prefix styles) and simpletrace v4
// binaries, decoded for the Xen events, and grouped into device-model requests (one per ioreq QEMU handled).
//
// Events and their formats: qemu@0402b968:hw/xen/trace-events:4-13 (ioreq-server lifecycle and ranges),
// :47-57 (handle_ioreq and its read/write forms, cpu_ioreq_pio/_read_reg/_write_reg, cpu_ioreq_move,
// xen_map_resource_ioreq, cpu_ioreq_config_read/_write). handle_ioreq fires on entry for every request (also the
// buffered ones, built with dir=WRITE, count=1), handle_ioreq_write before a write is handled and
// handle_ioreq_read after a read, with its result (qemu@7489f7f3:hw/xen/xen-hvm-common.c handle_ioreq,
// handle_buffered_iopage).
//
// Log lines: qemu_log("%(name)s " fmt "\n") (qemu@1abdde1a:scripts/tracetool/backend/log.py); with
// `-msg timestamp=on`, older QEMU prefixes "<tid>@<sec>.<usec>:" and QEMU after 012842c075 (July 2025) prefixes an
// ISO-8601 UTC time and a space.
//
// simpletrace v4 (qemu@1990fb98:scripts/simpletrace.py:24-33, 38-91; qemu@003f8dbc:trace/simple.c:62-74 TraceRecord):
// a header of three u64 {~0, 0xf2b177cb0aa429b4, 4}; then items, each a u64 type: 0 = mapping {u64 id, u32 len,
// name}, 1 = event {u64 id, u64 timestamp_ns, u32 length of the record from its id on, u32 pid, arguments: a u64
// each, a string as u32 len + bytes}; the dropped-events record has id ~0-1 and one u64 count. Host byte order.
import { PROGRESS_EVERY, Window, type ByteSource } from './source';
import type { TraceIssue } from './xentrace';

export const SIMPLE_HEADER_ID = 0xffffffffffffffffn;
export const SIMPLE_MAGIC = 0xf2b177cb0aa429b4n;
export const SIMPLE_DROPPED_ID = 0xfffffffffffffffen;

type Spec = 'd' | 'x' | 'p' | '02x';
export interface QemuEventDef {
  /** The arguments in declaration order (simpletrace writes them in this order). */
  args: string[];
  /** The printf format with {arg} for each conversion. */
  fmt: string;
  fields: Array<[string, Spec]>;
}

function def(args: string[], fmt: string): QemuEventDef {
  const fields: Array<[string, Spec]> = [];
  const re = /\{(\w+)(?::(\w+))?\}/g;
  let m: RegExpExecArray | null;
  let clean = fmt;
  while ((m = re.exec(fmt))) fields.push([m[1], (m[2] as Spec) ?? 'd']);
  clean = fmt.replace(/\{(\w+):\w+\}/g, '{$1}');
  return { args, fmt: clean, fields };
}

const IO9 = ['req', 'type', 'dir', 'df', 'data_is_ptr', 'addr', 'data', 'count', 'size'];
const IO8 = ['req', 'type', 'df', 'data_is_ptr', 'addr', 'data', 'count', 'size'];
const PIO8 = ['req', 'dir', 'df', 'data_is_ptr', 'addr', 'data', 'count', 'size'];
const RANGE = ['id', 'start', 'end'];
const PCI = ['id', 'bus', 'dev', 'func'];
const CFG = ['req', 'sbdf', 'reg', 'size', 'data'];

/** The Xen events decoded, with their formats written as this file's own templates of the trace-events formats. */
export const QEMU_EVENTS: Record<string, QemuEventDef> = {
  xen_default_ioreq_server: def([], ''),
  xen_ioreq_server_create: def(['id'], 'id: {id}'),
  xen_ioreq_server_destroy: def(['id'], 'id: {id}'),
  xen_ioreq_server_state: def(['id', 'enable'], 'id: {id}: enable: {enable}'),
  xen_map_mmio_range: def(RANGE, 'id: {id} start: 0x{start:x} end: 0x{end:x}'),
  xen_unmap_mmio_range: def(RANGE, 'id: {id} start: 0x{start:x} end: 0x{end:x}'),
  xen_map_portio_range: def(RANGE, 'id: {id} start: 0x{start:x} end: 0x{end:x}'),
  xen_unmap_portio_range: def(RANGE, 'id: {id} start: 0x{start:x} end: 0x{end:x}'),
  xen_map_pcidev: def(PCI, 'id: {id} bdf: {bus:02x}.{dev:02x}.{func:02x}'),
  xen_unmap_pcidev: def(PCI, 'id: {id} bdf: {bus:02x}.{dev:02x}.{func:02x}'),
  xen_map_resource_ioreq: def(['id', 'addr'], 'id: {id} addr: {addr:p}'),
  handle_ioreq: def(IO9, 'I/O={req:p} type={type} dir={dir} df={df} ptr={data_is_ptr} port=0x{addr:x} data=0x{data:x} count={count} size={size}'),
  handle_ioreq_read: def(IO8, 'I/O={req:p} read type={type} df={df} ptr={data_is_ptr} port=0x{addr:x} data=0x{data:x} count={count} size={size}'),
  handle_ioreq_write: def(IO8, 'I/O={req:p} write type={type} df={df} ptr={data_is_ptr} port=0x{addr:x} data=0x{data:x} count={count} size={size}'),
  cpu_ioreq_pio: def(PIO8, 'I/O={req:p} pio dir={dir} df={df} ptr={data_is_ptr} port=0x{addr:x} data=0x{data:x} count={count} size={size}'),
  cpu_ioreq_pio_read_reg: def(['req', 'data', 'addr', 'size'], 'I/O={req:p} pio read reg data=0x{data:x} port=0x{addr:x} size={size}'),
  cpu_ioreq_pio_write_reg: def(['req', 'data', 'addr', 'size'], 'I/O={req:p} pio write reg data=0x{data:x} port=0x{addr:x} size={size}'),
  cpu_ioreq_move: def(PIO8, 'I/O={req:p} copy dir={dir} df={df} ptr={data_is_ptr} port=0x{addr:x} data=0x{data:x} count={count} size={size}'),
  cpu_ioreq_config_read: def(CFG, 'I/O={req:p} sbdf=0x{sbdf:x} reg={reg} size={size} data=0x{data:x}'),
  cpu_ioreq_config_write: def(CFG, 'I/O={req:p} sbdf=0x{sbdf:x} reg={reg} size={size} data=0x{data:x}'),
};

/** One decoded QEMU event. t: nanoseconds relative to the file's first timestamp (NaN when the line has none). */
export interface QemuEvent {
  name: string;
  t: number;
  tid: number;
  args: Record<string, bigint>;
  /** "file:line" for log lines, "file@offset" for simpletrace records. */
  place: string;
}

export interface QemuStats {
  format: 'log' | 'simpletrace';
  prefix?: 'none' | 'tid' | 'iso' | 'mixed';
  events: number;
  /** Lines / records of events this importer does not decode, by name (counted, never fatal). */
  other: Map<string, number>;
  dropped: number;
  /** Absolute time of t = 0, in ns since the epoch (log) or QEMU's clock (simpletrace). */
  t0: bigint | null;
  warnings: TraceIssue[];
  warningCount: number;
  error: TraceIssue | null;
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
const CAPTURE: Record<Spec, string> = { d: '(-?\\d+)', x: '([0-9a-fA-F]+)', p: '(0x[0-9a-fA-F]+|\\(nil\\))', '02x': '([0-9a-fA-F]+)' };
const BODY_RE = new Map<string, { re: RegExp; fields: Array<[string, Spec]> }>();
for (const [name, d] of Object.entries(QEMU_EVENTS)) {
  let src = '';
  let rest = d.fmt;
  for (const [k, spec] of d.fields) {
    const i = rest.indexOf(`{${k}}`);
    src += escapeRe(rest.slice(0, i)) + CAPTURE[spec];
    rest = rest.slice(i + k.length + 2);
  }
  src += escapeRe(rest);
  BODY_RE.set(name, { re: new RegExp(`^${src}\\s*$`), fields: d.fields });
}

const TID_RE = /^(\d+)@(\d+)\.(\d{1,9}):([A-Za-z_][A-Za-z0-9_]*)(?: (.*))?$/;
const ISO_RE = /^(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,9}))?Z ([A-Za-z_][A-Za-z0-9_]*)(?: (.*))?$/;
const NONE_RE = /^([A-Za-z_][A-Za-z0-9_]*)(?: (.*))?$/;

const parseNum = (s: string, spec: Spec): bigint => {
  if (spec === 'p') return s === '(nil)' ? 0n : s.length <= 15 ? BigInt(parseInt(s, 16)) : BigInt(s);
  // Short numbers through a double (exact below 2^53), long ones as text.
  if (spec === 'd') return s.length <= 15 ? BigInt(Number(s)) : BigInt(s);
  return s.length <= 13 ? BigInt(parseInt(s, 16)) : BigInt('0x' + s);
};

/** Parses a QEMU log file line by line, in chunks; calls onEvent for each Xen event. */
export function readQemuLog(src: ByteSource, name: string, onEvent: (e: QemuEvent) => void, progress?: (b: number, t: number) => void): QemuStats {
  const st: QemuStats = { format: 'log', events: 0, other: new Map(), dropped: 0, t0: null, warnings: [], warningCount: 0, error: null };
  const styles = new Set<string>();
  const win = new Window(src);
  let pos = 0;
  let lineNo = 0;
  let carry = '';
  let t0us = NaN;
  let nextProgress = PROGRESS_EVERY;
  const warn = (line: number, message: string) => { st.warningCount++; if (st.warnings.length < 100) st.warnings.push({ offset: line, message: `${name}:${line}: ${message}` }); };
  const handle = (raw: string) => {
    lineNo++;
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!line) return;
    // Cheap look at the event name first: most lines of a real log are other events.
    const c0 = line.charCodeAt(0);
    let ns = 0;
    if (c0 >= 48 && c0 <= 57) {
      const at = line.indexOf('@'), colon = line.indexOf(':');
      ns = at > 0 && at < colon && /^\d+$/.test(line.slice(0, at)) ? colon + 1 : line.indexOf(' ') + 1;
    }
    let ne = line.indexOf(' ', ns);
    if (ne < 0) ne = line.length;
    const guess = line.slice(ns, ne);
    if (!BODY_RE.has(guess)) {
      const k = /^[A-Za-z_][A-Za-z0-9_]*$/.test(guess) ? guess : '(not an event line)';
      st.other.set(k, (st.other.get(k) ?? 0) + 1);
      return;
    }
    // Times in microseconds since the epoch, as numbers (exact: about 2^51 today); sub-microseconds as a fraction.
    let ev: string, body: string | undefined, tid = 0, absUs = NaN;
    let m: RegExpExecArray | null;
    if ((m = TID_RE.exec(line))) {
      styles.add('tid');
      tid = Number(m[1]);
      absUs = Number(m[2]) * 1e6 + Number(m[3].padEnd(6, '0').slice(0, 6));
      ev = m[4]; body = m[5];
    } else if ((m = ISO_RE.exec(line))) {
      styles.add('iso');
      const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
      const frac = (m[7] ?? '0').padEnd(9, '0').slice(0, 9);
      absUs = ms * 1000 + Number(frac.slice(0, 6)) + Number(frac.slice(6)) / 1000;
      ev = m[8]; body = m[9];
    } else if ((m = NONE_RE.exec(line))) {
      ev = m[1]; body = m[2];
      if (BODY_RE.has(ev)) styles.add('none');
    } else {
      st.other.set('(not an event line)', (st.other.get('(not an event line)') ?? 0) + 1);
      return;
    }
    const b = BODY_RE.get(ev);
    if (!b) { st.other.set(ev, (st.other.get(ev) ?? 0) + 1); return; }
    const bm = b.re.exec(body ?? '');
    if (!bm) { warn(lineNo, `${ev}: arguments do not match its format (${QEMU_EVENTS[ev].fmt || 'none'})`); return; }
    const args: Record<string, bigint> = {};
    b.fields.forEach(([k, spec], i) => { args[k] = parseNum(bm[i + 1], spec); });
    if (absUs === absUs && t0us !== t0us) { t0us = absUs; st.t0 = BigInt(Math.floor(absUs)) * 1000n + BigInt(Math.round((absUs % 1) * 1000)); }
    st.events++;
    onEvent({ name: ev, t: absUs === absUs ? Math.round((absUs - t0us) * 1000) : NaN, tid, args, place: `${name}:${lineNo}` });
  };
  for (;;) {
    const got = win.need(pos, 1 << 20);
    if (got === 0) break;
    const off = pos - win.base;
    const text = carry + Buffer.from(win.buf.buffer, win.buf.byteOffset + off, got).toString('latin1');
    pos += got;
    const parts = text.split('\n');
    carry = parts.pop()!;
    for (const l of parts) handle(l);
    if (progress && pos >= nextProgress) { nextProgress = pos + PROGRESS_EVERY; progress(pos, src.size); }
  }
  if (carry) handle(carry);
  st.prefix = styles.size > 1 ? 'mixed' : ((styles.values().next().value as QemuStats['prefix']) ?? 'none');
  return st;
}

/** True when the bytes start like a simpletrace file (the header's first two words). */
export function isSimpletrace(head: Uint8Array): boolean {
  if (head.length < 16) return false;
  const dv = new DataView(head.buffer, head.byteOffset, head.length);
  return dv.getBigUint64(0, true) === SIMPLE_HEADER_ID && dv.getBigUint64(8, true) === SIMPLE_MAGIC;
}

/** Parses a simpletrace v4 file in chunks; calls onEvent for each Xen event. */
export function readSimpletrace(src: ByteSource, name: string, onEvent: (e: QemuEvent) => void, progress?: (b: number, t: number) => void): QemuStats {
  const st: QemuStats = { format: 'simpletrace', events: 0, other: new Map(), dropped: 0, t0: null, warnings: [], warningCount: 0, error: null };
  const win = new Window(src);
  let pos = 0;
  let nextProgress = PROGRESS_EVERY;
  const fail = (offset: number, message: string) => { st.error = { offset, message: `${name}@${offset}: ${message}` }; };
  const h = win.need(0, 24);
  if (h < 24) { fail(0, `truncated: the simpletrace header needs 24 bytes, the file has ${h}`); return st; }
  const id0 = win.dv.getBigUint64(0, true), magic = win.dv.getBigUint64(8, true), ver = win.dv.getBigUint64(16, true);
  if (id0 !== SIMPLE_HEADER_ID || magic !== SIMPLE_MAGIC) { fail(0, 'not a simpletrace file (header id or magic wrong)'); return st; }
  if (ver !== 4n) { fail(16, `simpletrace version ${ver} is not supported (only 4)`); return st; }
  pos = 24;
  const names = new Map<number, string>();
  let t0n = 0;
  for (;;) {
    const g = win.base + win.len - pos >= 32 ? 32 : win.need(pos, 32);
    if (g === 0) break;
    if (g < 8) { fail(pos, `truncated: a record type needs 8 bytes, the file ends after ${g}`); break; }
    let o = pos - win.base;
    const dv = win.dv;
    const tlo = dv.getUint32(o, true), thi = dv.getUint32(o + 4, true);
    if (tlo === 0 && thi === 0) {
      if (win.need(pos, 20) < 20) { fail(pos, 'truncated mapping record'); break; }
      o = pos - win.base;
      const idLo = win.dv.getUint32(o + 8, true), idHi = win.dv.getUint32(o + 12, true);
      const len = win.dv.getUint32(o + 16, true);
      if (len > 4096) { fail(pos + 16, `corrupt mapping record: a ${len}-byte event name`); break; }
      if (win.need(pos, 20 + len) < 20 + len) { fail(pos, 'truncated mapping record'); break; }
      o = pos + 20 - win.base;
      names.set(idHi * 4294967296 + idLo, Buffer.from(win.buf.buffer, win.buf.byteOffset + o, len).toString('latin1'));
      pos += 20 + len;
      continue;
    }
    if (tlo !== 1 || thi !== 0) { fail(pos, `corrupt: record type ${(BigInt(thi) << 32n) | BigInt(tlo)} (expected 0, a mapping, or 1, an event)`); break; }
    if (g < 32) { fail(pos, 'truncated: an event record header needs 24 bytes after its type'); break; }
    o += 8;
    const idLo = dv.getUint32(o, true), idHi = dv.getUint32(o + 4, true);
    const tsLo = dv.getUint32(o + 8, true), tsHi = dv.getUint32(o + 12, true);
    const len = dv.getUint32(o + 16, true);
    const pid = dv.getUint32(o + 20, true);
    if (len < 24 || len > 1 << 20) { fail(pos + 24, `corrupt event record: length ${len}`); break; }
    if (win.base + win.len - pos < 8 + len && win.need(pos, 8 + len) < 8 + len) { fail(pos, `truncated: a ${len}-byte event record runs past the end of the file`); break; }
    o = pos + 8 - win.base;
    const at = pos;
    pos += 8 + len;
    // Times as numbers relative to the first record (exact while the trace spans under 2^53 ns).
    const tsn = tsHi * 4294967296 + tsLo;
    if (st.t0 === null) { st.t0 = (BigInt(tsHi) << 32n) | BigInt(tsLo); t0n = tsn; }
    if (idLo === 0xfffffffe && idHi === 0xffffffff) {
      if (len >= 32) st.dropped += win.dv.getUint32(o + 24, true) + win.dv.getUint32(o + 28, true) * 4294967296;
      continue;
    }
    const ev = names.get(idHi * 4294967296 + idLo);
    if (ev === undefined) { st.warningCount++; if (st.warnings.length < 100) st.warnings.push({ offset: at, message: `${name}@${at}: event id ${(BigInt(idHi) << 32n) | BigInt(idLo)} has no mapping record` }); continue; }
    const d = QEMU_EVENTS[ev];
    if (!d) { st.other.set(ev, (st.other.get(ev) ?? 0) + 1); continue; }
    if (24 + 8 * d.args.length > len) {
      st.warningCount++;
      if (st.warnings.length < 100) st.warnings.push({ offset: at, message: `${name}@${at}: ${ev} record of ${len} bytes is too short for its ${d.args.length} arguments` });
      continue;
    }
    const args: Record<string, bigint> = {};
    for (let i = 0; i < d.args.length; i++) args[d.args[i]] = win.dv.getBigUint64(o + 24 + 8 * i, true);
    st.events++;
    onEvent({ name: ev, t: tsn - t0n, tid: pid, args, place: `${name}@${at}` });
    if (progress && pos >= nextProgress) { nextProgress = pos + PROGRESS_EVERY; progress(pos, src.size); }
  }
  return st;
}

/** A request as the device model handled it: built from handle_ioreq and the events that follow it. */
export interface DmRequest {
  seq: number;
  t: number;
  type: number;
  dir: number;
  addr: bigint;
  data: bigint;
  size: number;
  count: number;
  dataIsPtr: boolean;
  /** Likely a buffered request: dir=WRITE, count 1, size ≤ 8 (handle_buffered_iopage builds these). */
  bufferedLike: boolean;
  place: string;
  events: string[];
}

/** Server lifecycle and range events, kept for the timeline. */
export interface DmControl { t: number; name: string; args: Record<string, bigint>; place: string }

/** Groups QEMU events into device-model requests. */
export class DmRequestBuilder {
  requests: DmRequest[] = [];
  control: DmControl[] = [];
  private open: DmRequest | null = null;
  add(e: QemuEvent): void {
    const a = e.args;
    switch (e.name) {
      case 'handle_ioreq':
        this.open = this.start(e, Number(a.type), Number(a.dir));
        return;
      case 'handle_ioreq_write': case 'handle_ioreq_read': {
        const dir = e.name === 'handle_ioreq_read' ? 1 : 0;
        const r = this.attach(e, Number(a.type), dir, a.addr) ?? this.start(e, Number(a.type), dir);
        if (dir === 1) r.data = a.data;
        return;
      }
      case 'cpu_ioreq_pio': case 'cpu_ioreq_move': {
        const type = e.name === 'cpu_ioreq_pio' ? 0 : 1;
        const r = this.attach(e, type, Number(a.dir), a.addr) ?? this.start(e, type, Number(a.dir));
        if (Number(a.dir) === 1 && !r.events.includes('handle_ioreq_read')) r.data = a.data;
        return;
      }
      case 'cpu_ioreq_pio_read_reg': case 'cpu_ioreq_pio_write_reg': {
        const dir = e.name === 'cpu_ioreq_pio_read_reg' ? 1 : 0;
        const r = this.attach(e, 0, dir, a.addr) ?? this.start(e, 0, dir);
        if (dir === 1) r.data = a.data;
        return;
      }
      case 'cpu_ioreq_config_read': case 'cpu_ioreq_config_write': {
        const dir = e.name === 'cpu_ioreq_config_read' ? 1 : 0;
        const o = this.open;
        if (o && o.type === 2 && o.dir === dir) { o.events.push(e.name); if (dir === 1) o.data = a.data; return; }
        const r = this.start({ ...e, args: { ...a, addr: a.sbdf << 32n | a.reg } }, 2, dir);
        r.data = a.data;
        return;
      }
      default:
        this.control.push({ t: e.t, name: e.name, args: e.args, place: e.place });
    }
  }
  private attach(e: QemuEvent, type: number, dir: number, addr: bigint): DmRequest | null {
    const o = this.open;
    if (o && o.type === type && o.dir === dir && o.addr === addr && !o.events.includes(e.name)) { o.events.push(e.name); return o; }
    return null;
  }
  private start(e: QemuEvent, type: number, dir: number): DmRequest {
    const a = e.args;
    const size = Number(a.size ?? 0n), count = Number(a.count ?? 1n);
    const r: DmRequest = {
      seq: this.requests.length, t: e.t, type, dir, addr: a.addr ?? 0n, data: a.data ?? 0n, size, count,
      dataIsPtr: (a.data_is_ptr ?? 0n) !== 0n, bufferedLike: dir === 0 && count === 1 && size > 0 && size <= 8,
      place: e.place, events: [e.name],
    };
    this.requests.push(r);
    this.open = r;
    return r;
  }
}
