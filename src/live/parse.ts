// The parser of the helper's document (media/ioreq-helper.sh, version 1) and of the tool output it carries.
// Everything is untrusted: sizes, depths, array lengths, string lengths and number ranges are checked, and the only
// exception that ever leaves is HelperParseError (the envelope is unusable). A section whose content is bad becomes
// a section error located by JSON path and line:column of the tool's output; the other sections stay.
import { lineColumn, parseJsonLocated } from './json';

export const HELPER_VERSION = 1;
export const LIMITS = {
  docChars: 8 * 1024 * 1024,
  depth: 32,
  toolOutChars: 4 * 1024 * 1024,
  xlLongDepth: 64,
  domains: 4096,
  lines: 200_000,
  evtchnsPerDomain: 131_072,
  consoleLines: 1000,
  lineChars: 8192,
  shortString: 256,
  errorChars: 4096,
  maxDomid: 32767,       // domid_t below DOMID_FIRST_RESERVED's range end (0x7fff)
  maxVcpus: 4096,
  maxPort: 131_071,      // the FIFO ABI's 2^17 ports
};

export class HelperParseError extends Error {
  constructor(public readonly where: string, public readonly what: string) {
    super(`${where}: ${what}`);
    this.name = 'HelperParseError';
  }
}

/** A section's value, or its error with where it was found. */
export type Section<T> = { ok: true; value: T; note?: string } | { ok: false; error: string };

export interface XenInfo {
  version: string; major: number; minor: number; extra: string;
  toolstack: string;
  /** Every `key : value` line of xl info. */
  fields: Record<string, string>;
}
export type DomainType = 'hvm' | 'pv' | 'pvh' | 'unknown';
export interface DomainInfo {
  domid: number; name: string; type: DomainType; vcpus: number; memMb: number;
  /** xl list's six state letters, e.g. "-b----". */
  state: string;
}
export type DeviceModelKind = 'qemu' | 'demu' | 'varstored' | 'other';
export interface DeviceModelInfo {
  /** The domain it serves. */
  target: number;
  /** xenstore /local/domain/0/device-model/<target>/state, when present. */
  state?: string;
  pid?: number;
  kind: DeviceModelKind;
  args?: string;
  /** Its other xenstore nodes, relative to /local/domain/0/device-model/<target>. */
  nodes: Record<string, string>;
}
export type EvtchnKind = 'interdomain' | 'unbound' | 'pirq' | 'virq' | 'ipi' | 'unknown';
export interface Evtchn { port: number; vcpu: number; kind: EvtchnKind; remoteDomain?: number; remotePort?: number; irq?: number }
export interface DomainEvtchns { domid: number; ports: Evtchn[]; error?: string }
export interface DomainParams { domid: number; params: Record<string, number>; source: 'xenstore'; error?: string }
export interface HostInfo { hostname: string; kernel: string; user: string; time: string }

export interface HostSnapshot {
  helperVersion: number;
  host: HostInfo;
  xen: Section<XenInfo>;
  domains: Section<DomainInfo[]>;
  deviceModels: Section<DeviceModelInfo[]>;
  evtchns: Section<DomainEvtchns[]>;
  params: Section<DomainParams[]>;
  console: Section<string[]>;
  /** Client-side time the snapshot was taken (ms since the epoch). */
  takenAt: number;
}

// ---- helpers --------------------------------------------------------------------------------------------------

type Obj = Record<string, unknown>;
const own = (o: Obj, k: string): unknown => (Object.prototype.hasOwnProperty.call(o, k) ? o[k] : undefined);
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A failure inside one section: caught by the section's wrapper, never leaves parseHelperDocument. */
class SectionFault extends Error {}
function fail(where: string, what: string): never { throw new SectionFault(`${where}: ${what}`); }

function str(o: Obj, k: string, where: string, max = LIMITS.shortString): string {
  const v = own(o, k);
  if (typeof v !== 'string') fail(`${where}.${k}`, `expected a string, got ${kindOf(v)}`);
  if (v.length > max) fail(`${where}.${k}`, `string longer than ${max} characters`);
  return v;
}
function kindOf(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'an array' : typeof v === 'undefined' ? 'nothing' : `a ${typeof v}`;
}
function int(v: unknown, lo: number, hi: number, where: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(where, `expected an integer, got ${kindOf(v)}`);
  if (v < lo || v > hi) fail(where, `${v} is outside ${lo}..${hi}`);
  return v;
}
function decimal(s: string, lo: number, hi: number, where: string): number {
  if (!/^[0-9]{1,16}$/.test(s)) fail(where, `expected a decimal number, got ${JSON.stringify(s.slice(0, 40))}`);
  return int(Number(s), lo, hi, where);
}

interface Capture { cmd: string; rc: number; out: string; truncated: boolean }

/** {"cmd", "rc", "out", "truncated"}, or {"error"}; a failed tool becomes a SectionFault with its command. */
function capture(v: unknown, where: string): Capture {
  if (!isObj(v)) fail(where, `expected an object, got ${kindOf(v)}`);
  if (own(v, 'error') !== undefined) fail(where, str(v, 'error', where, LIMITS.errorChars));
  const cmd = str(v, 'cmd', where);
  const rc = int(own(v, 'rc'), 0, 255, `${where}.rc`);
  const out = str(v, 'out', where, LIMITS.toolOutChars);
  const truncated = own(v, 'truncated');
  if (typeof truncated !== 'boolean') fail(`${where}.truncated`, `expected true or false, got ${kindOf(truncated)}`);
  if (rc !== 0) fail(where, `\`${cmd}\` failed with exit status ${rc}${rc === 124 ? ' (timed out on the host)' : rc === 127 ? ' (not found)' : ''}`);
  return { cmd, rc, out, truncated };
}

/** Lines of a tool's output with their 1-based numbers; too many or too long lines are faults. */
function lines(out: string, where: string): Array<[number, string]> {
  const r: Array<[number, string]> = [];
  const parts = out.split('\n');
  if (parts.length > LIMITS.lines) fail(where, `more than ${LIMITS.lines} lines`);
  for (let i = 0; i < parts.length; i++) {
    const l = parts[i].endsWith('\r') ? parts[i].slice(0, -1) : parts[i];
    if (l.length > LIMITS.lineChars) fail(`${where}:${i + 1}:${LIMITS.lineChars + 1}`, `line longer than ${LIMITS.lineChars} characters`);
    if (l.trim() !== '') r.push([i + 1, l]);
  }
  return r;
}

function section<T>(name: string, v: unknown, f: (o: Obj, where: string) => { value: T; note?: string }): Section<T> {
  const where = `sections.${name}`;
  try {
    if (v === undefined) fail(where, 'missing');
    if (!isObj(v)) fail(where, `expected an object, got ${kindOf(v)}`);
    if (own(v, 'error') !== undefined) {
      return { ok: false, error: `${where}: ${str(v, 'error', where, LIMITS.errorChars)}` };
    }
    const r = f(v, where);
    return r.note === undefined ? { ok: true, value: r.value } : { ok: true, value: r.value, note: r.note };
  } catch (e) {
    if (e instanceof SectionFault) return { ok: false, error: e.message };
    // A bug of ours must not lose the rest of the view either; it is reported in the section.
    return { ok: false, error: `${where}: internal parser error: ${e instanceof Error ? e.message : String(e)}` };
  }
}

// ---- tool output parsers --------------------------------------------------------------------------------------

/** `xl info`: "key : value" lines (tools/xl/xl_info.c). xen_major and xen_minor are required. */
export function parseXlInfo(out: string, where: string): XenInfo {
  const fields: Record<string, string> = Object.create(null);
  let n = 0;
  for (const [ln, l] of lines(out, where)) {
    const m = /^([A-Za-z0-9_]{1,64})\s*: ?(.*)$/.exec(l);
    if (!m) fail(`${where}:${ln}:1`, `expected "key : value", got ${JSON.stringify(l.slice(0, 60))}`);
    if (++n > 500) fail(`${where}:${ln}:1`, 'more than 500 fields');
    fields[m[1]] = m[2].trimEnd();
  }
  const need = (k: string) => {
    const v = fields[k];
    if (v === undefined) fail(where, `no ${k} line`);
    return v;
  };
  const major = decimal(need('xen_major'), 0, 1000, `${where} xen_major`);
  const minor = decimal(need('xen_minor'), 0, 1000, `${where} xen_minor`);
  const extra = fields.xen_extra ?? '';
  const version = fields.xen_version ?? `${major}.${minor}${extra}`;
  return { version, major, minor, extra, toolstack: 'xl', fields: { ...fields } };
}

/** `xl list`: a header, then "name id mem vcpus state time" rows (tools/xl/xl_info.c list_domains). */
export function parseXlList(out: string, where: string): DomainInfo[] {
  const ls = lines(out, where);
  if (ls.length === 0 || !/^Name\s+ID\s+Mem\s+VCPUs/.test(ls[0][1])) fail(`${where}:${ls[0]?.[0] ?? 1}:1`, 'expected the "Name ID Mem VCPUs State Time(s)" header');
  const r: DomainInfo[] = [];
  const seen = new Set<number>();
  for (const [ln, l] of ls.slice(1)) {
    const m = /^(.*?)\s+(\d+)\s+(\d+)\s+(\d+)\s+([-rbpscd]{6})\s+(\d+(?:\.\d+)?)(?:\s.*)?$/.exec(l);
    if (!m) fail(`${where}:${ln}:1`, `expected a domain row "name id mem vcpus state time", got ${JSON.stringify(l.slice(0, 60))}`);
    const domid = decimal(m[2], 0, LIMITS.maxDomid, `${where}:${ln} domid`);
    if (seen.has(domid)) fail(`${where}:${ln}:1`, `domain ${domid} listed twice`);
    seen.add(domid);
    if (r.length >= LIMITS.domains) fail(`${where}:${ln}:1`, `more than ${LIMITS.domains} domains`);
    const name = m[1].trim();
    if (name.length === 0 || name.length > LIMITS.shortString) fail(`${where}:${ln}:1`, 'bad domain name');
    r.push({
      domid, name, type: 'unknown', memMb: decimal(m[3], 0, 2 ** 32, `${where}:${ln} mem`),
      vcpus: decimal(m[4], 0, LIMITS.maxVcpus, `${where}:${ln} vcpus`), state: m[5],
    });
  }
  return r;
}

/** `xl list -l`: a JSON array of {"domid", "config": {"c_info": {"type", "name"}, "b_info": {"max_vcpus"}}}. */
export function parseXlListLong(out: string, where: string): Map<number, { type: DomainType; vcpus?: number }> {
  if (out.length > LIMITS.toolOutChars) fail(where, 'too long');
  const pj = parseJsonLocated(out, LIMITS.xlLongDepth);
  if (!pj.ok) { const lc = lineColumn(out, pj.fault.offset); fail(`${where}:${lc.line}:${lc.column}`, pj.fault.message); }
  const v = pj.value;
  if (!Array.isArray(v)) fail(where, `expected a JSON array, got ${kindOf(v)}`);
  if (v.length > LIMITS.domains) fail(where, `more than ${LIMITS.domains} domains`);
  const r = new Map<number, { type: DomainType; vcpus?: number }>();
  v.forEach((d, i) => {
    const w = `${where}[${i}]`;
    if (!isObj(d)) fail(w, `expected an object, got ${kindOf(d)}`);
    const domid = int(own(d, 'domid'), 0, LIMITS.maxDomid, `${w}.domid`);
    const config = own(d, 'config');
    if (!isObj(config)) fail(`${w}.config`, `expected an object, got ${kindOf(config)}`);
    const ci = own(config, 'c_info');
    const bi = own(config, 'b_info');
    let type: DomainType = 'unknown';
    if (isObj(ci) && own(ci, 'type') !== undefined) {
      const t = own(ci, 'type');
      if (t !== 'hvm' && t !== 'pv' && t !== 'pvh') fail(`${w}.config.c_info.type`, `expected "hvm", "pv" or "pvh", got ${JSON.stringify(t)?.slice(0, 40)}`);
      type = t;
    }
    let vcpus: number | undefined;
    if (isObj(bi) && own(bi, 'max_vcpus') !== undefined) vcpus = int(own(bi, 'max_vcpus'), 0, LIMITS.maxVcpus, `${w}.config.b_info.max_vcpus`);
    r.set(domid, { type, vcpus });
  });
  return r;
}

/** `xenstore-ls -f`: `/full/path = "value"` lines (tools/xenstore/xenstore_client.c). The value keeps the
 *  client's escapes except \\ and \" ; a value cut by the client (no closing quote) is kept as printed. */
export function parseXenstoreLs(out: string, where: string): Array<[string, string]> {
  const r: Array<[string, string]> = [];
  for (const [ln, l] of lines(out, where)) {
    const m = /^(\/[!-~]*) = "(.*?)"?$/.exec(l);
    if (!m) fail(`${where}:${ln}:1`, `expected '/path = "value"', got ${JSON.stringify(l.slice(0, 60))}`);
    r.push([m[1], m[2].replace(/\\(["\\])/g, '$1')]);
  }
  return r;
}

function dmKind(argv0: string): DeviceModelKind {
  const base = argv0.split('/').pop() ?? '';
  if (/^qemu/.test(base)) return 'qemu';
  if (/^demu/.test(base)) return 'demu';
  if (/^varstored/.test(base)) return 'varstored';
  return 'other';
}

/** Device models from libxl's xenstore nodes and from `ps -e -o pid= -o args=` command lines. */
export function parseDeviceModels(xs: Capture | undefined, ps: Capture | undefined, where: string): DeviceModelInfo[] {
  const byTarget = new Map<number, DeviceModelInfo>();
  const get = (t: number) => {
    let d = byTarget.get(t);
    if (!d) {
      if (byTarget.size >= LIMITS.domains) fail(where, `more than ${LIMITS.domains} device models`);
      d = { target: t, kind: 'other', nodes: Object.create(null) as Record<string, string> };
      byTarget.set(t, d);
    }
    return d;
  };
  if (xs) {
    const base = '/local/domain/0/device-model';
    for (const [p, v] of parseXenstoreLs(xs.out, `${where}.xenstore.out`)) {
      if (p === base) continue;
      const m = /^\/local\/domain\/0\/device-model\/(\d{1,5})(\/.*)?$/.exec(p);
      if (!m) fail(`${where}.xenstore.out`, `node outside ${base}: ${JSON.stringify(p.slice(0, 80))}`);
      const d = get(decimal(m[1], 0, LIMITS.maxDomid, `${where}.xenstore.out ${p}`));
      if (!m[2]) continue;
      const rel = m[2].slice(1);
      if (rel === 'state') d.state = v.slice(0, LIMITS.shortString);
      else if (Object.keys(d.nodes).length < 256) d.nodes[rel.slice(0, LIMITS.shortString)] = v.slice(0, LIMITS.shortString);
    }
  }
  if (ps) {
    for (const [ln, l] of lines(ps.out, `${where}.ps.out`)) {
      const m = /^\s*(\d{1,10})\s+(\S.*)$/.exec(l);
      if (!m) fail(`${where}.ps.out:${ln}:1`, `expected "pid args", got ${JSON.stringify(l.slice(0, 60))}`);
      const pid = decimal(m[1], 1, 2 ** 31 - 1, `${where}.ps.out:${ln} pid`);
      const args = m[2];
      const argv = args.split(/\s+/);
      const kind = dmKind(argv[0]);
      // qemu: -xen-domid N (libxl_dm.c); demu and varstored: --domain=N or --domain N / -d N.
      const t = /(?:^|\s)-xen-domid\s+(\d{1,5})(?:\s|$)/.exec(args) ?? /(?:^|\s)(?:--domain[= ]|-d\s+)(\d{1,5})(?:\s|$)/.exec(args);
      if (!t || kind === 'other' && !/-xen-domid/.test(args)) continue;
      const target = decimal(t[1], 0, LIMITS.maxDomid, `${where}.ps.out:${ln} domid`);
      // QEMU attached to dom0 (-xen-attach, the qdisk backend) serves no HVM guest's ioreqs.
      if (target === 0 && /(?:^|\s)-xen-attach(?:\s|$)/.test(args)) continue;
      const d = get(target);
      d.pid = pid; d.kind = kind; d.args = args.slice(0, 2048);
    }
  }
  return [...byTarget.values()].sort((a, b) => a.target - b.target);
}

/** lsevtchn output (tools/xcutils/lsevtchn.c): "%4d: VCPU %u: " and the port's status. */
export function parseLsevtchn(out: string, where: string): Evtchn[] {
  const r: Evtchn[] = [];
  for (const [ln, l] of lines(out, where)) {
    const m = /^\s*(\d{1,7}): VCPU (\d{1,5}): (.*)$/.exec(l);
    if (!m) fail(`${where}:${ln}:1`, `expected "port: VCPU n: status", got ${JSON.stringify(l.slice(0, 60))}`);
    if (r.length >= LIMITS.evtchnsPerDomain) fail(`${where}:${ln}:1`, 'too many ports');
    const at = `${where}:${ln}`;
    const e: Evtchn = { port: decimal(m[1], 0, LIMITS.maxPort, `${at} port`), vcpu: decimal(m[2], 0, LIMITS.maxVcpus, `${at} vcpu`), kind: 'unknown' };
    const s = m[3];
    let k: RegExpExecArray | null;
    if ((k = /^Interdomain \(Connected\) - Remote Domain (\d+), Port (\d+)$/.exec(s))) {
      e.kind = 'interdomain'; e.remoteDomain = decimal(k[1], 0, 65535, `${at} remote domain`); e.remotePort = decimal(k[2], 0, LIMITS.maxPort, `${at} remote port`);
    } else if ((k = /^Interdomain \(Waiting connection\) - Remote Domain (\d+)$/.exec(s))) {
      e.kind = 'unbound'; e.remoteDomain = decimal(k[1], 0, 65535, `${at} remote domain`);
    } else if ((k = /^Physical IRQ (\d+)$/.exec(s))) { e.kind = 'pirq'; e.irq = decimal(k[1], 0, 2 ** 31, `${at} irq`); }
    else if ((k = /^Virtual IRQ (\d+)$/.exec(s))) { e.kind = 'virq'; e.irq = decimal(k[1], 0, 2 ** 31, `${at} virq`); }
    else if (s === 'IPI') e.kind = 'ipi';
    else if (s !== 'Unknown') fail(`${at}:${l.indexOf(s) + 1}`, `unknown port status ${JSON.stringify(s.slice(0, 60))}`);
    r.push(e);
  }
  return r;
}

/** xenstore keys libxl writes from the HVM params it set, and the param each one mirrors. */
const XS_PARAMS: Record<string, string> = {
  'store/port': 'STORE_EVTCHN', 'store/ring-ref': 'STORE_PFN', 'console/port': 'CONSOLE_EVTCHN', 'console/ring-ref': 'CONSOLE_PFN',
};

function perDomain<T>(v: unknown, where: string, key: string, f: (c: Capture, domid: number, w: string) => T, onErr: (domid: number, e: string) => T): T[] {
  if (!Array.isArray(v)) fail(where, `expected an array, got ${kindOf(v)}`);
  if (v.length > LIMITS.domains) fail(where, `more than ${LIMITS.domains} entries`);
  const seen = new Set<number>();
  return v.map((d, i) => {
    const w = `${where}[${i}]`;
    if (!isObj(d)) fail(w, `expected an object, got ${kindOf(d)}`);
    const domid = int(own(d, 'domid'), 0, LIMITS.maxDomid, `${w}.domid`);
    if (seen.has(domid)) fail(`${w}.domid`, `domain ${domid} listed twice`);
    seen.add(domid);
    // One domain's failure stays with that domain.
    try { return f(capture(own(d, key), `${w}.${key}`), domid, `${w}.${key}.out`); } catch (e) {
      if (e instanceof SectionFault) return onErr(domid, e.message);
      throw e;
    }
  });
}

// ---- the document ---------------------------------------------------------------------------------------------

/** Parses the helper's output. Throws HelperParseError only when the document as a whole is unusable. */
export function parseHelperDocument(input: string | Buffer, takenAt = Date.now()): HostSnapshot {
  let text: string;
  try {
    if (Buffer.isBuffer(input)) {
      if (input.length > LIMITS.docChars * 2) throw new HelperParseError('1:1', `document larger than ${LIMITS.docChars} bytes`);
      text = input.toString('utf8');
    } else if (typeof input === 'string') text = input;
    else throw new HelperParseError('1:1', `expected text, got ${kindOf(input)}`);
  } catch (e) {
    if (e instanceof HelperParseError) throw e;
    throw new HelperParseError('1:1', 'unreadable document');
  }
  if (text.length > LIMITS.docChars) throw new HelperParseError('1:1', `document longer than ${LIMITS.docChars} characters`);
  if (text.charCodeAt(0) === 0xfeff) text = ' ' + text.slice(1);
  const pj = parseJsonLocated(text, LIMITS.depth);
  if (!pj.ok) {
    const lc = lineColumn(text, pj.fault.offset);
    throw new HelperParseError(`${lc.line}:${lc.column}`, `not a helper document: ${pj.fault.message}${text.trim() === '' ? ' (the helper printed nothing)' : ''}`);
  }
  const doc = pj.value;
  if (!isObj(doc)) throw new HelperParseError('$', `expected a JSON object, got ${kindOf(doc)}`);
  const version = own(doc, 'ioreqScopeHelper');
  if (version !== HELPER_VERSION) {
    throw new HelperParseError('$.ioreqScopeHelper', version === undefined ? 'not an IOREQ Scope helper document (no ioreqScopeHelper version)'
      : `helper document version ${JSON.stringify(version)?.slice(0, 20)}, this IOREQ Scope reads version ${HELPER_VERSION}`);
  }
  const hostV = own(doc, 'host');
  const host: HostInfo = { hostname: '', kernel: '', user: '', time: '' };
  if (isObj(hostV)) {
    for (const k of ['hostname', 'kernel', 'user', 'time'] as const) {
      const v = own(hostV, k);
      if (typeof v === 'string' && v.length <= LIMITS.shortString) host[k] = v;
    }
  }
  const sections = own(doc, 'sections');
  if (!isObj(sections)) throw new HelperParseError('$.sections', `expected an object, got ${kindOf(sections)}`);
  const sec = (k: string) => own(sections, k);

  const xen = section('xen', sec('xen'), (o, w) => {
    const c = capture(own(o, 'info'), `${w}.info`);
    return { value: parseXlInfo(c.out, `${w}.info.out`) };
  });

  const domains = section('domains', sec('domains'), (o, w) => {
    const list = parseXlList(capture(own(o, 'list'), `${w}.list`).out, `${w}.list.out`);
    let note: string | undefined;
    try {
      const long = parseXlListLong(capture(own(o, 'long'), `${w}.long`).out, `${w}.long.out`);
      for (const d of list) {
        const l = long.get(d.domid);
        if (l) d.type = l.type;
      }
    } catch (e) {
      if (!(e instanceof SectionFault)) throw e;
      note = `domain types unknown: ${e.message}`;
    }
    return { value: list, note };
  });

  const deviceModels = section('deviceModels', sec('deviceModels'), (o, w) => {
    const notes: string[] = [];
    const get = (k: string): Capture | undefined => {
      try { return capture(own(o, k), `${w}.${k}`); } catch (e) {
        if (!(e instanceof SectionFault)) throw e;
        notes.push(e.message); return undefined;
      }
    };
    const xs = get('xenstore');
    const ps = get('ps');
    if (!xs && !ps) fail(w, notes.join('; '));
    return { value: parseDeviceModels(xs, ps, w), note: notes.length ? notes.join('; ') : undefined };
  });

  const evtchns = section('evtchns', sec('evtchns'), (o, w) => ({
    value: perDomain(own(o, 'perDomain'), `${w}.perDomain`, 'lsevtchn',
      (c, domid, ww) => ({ domid, ports: parseLsevtchn(c.out, ww) }), (domid, error) => ({ domid, ports: [], error })),
  }));

  const params = section('params', sec('params'), (o, w) => {
    const noteV = own(o, 'note');
    const note = typeof noteV === 'string' ? noteV.slice(0, LIMITS.errorChars) : undefined;
    const value = perDomain(own(o, 'perDomain'), `${w}.perDomain`, 'xenstore', (c, domid, ww) => {
      const p: Record<string, number> = {};
      for (const [path, v] of parseXenstoreLs(c.out, ww)) {
        const m = /^\/local\/domain\/(\d{1,5})\/(.*)$/.exec(path);
        if (!m || Number(m[1]) !== domid) fail(ww, `node of another domain: ${JSON.stringify(path.slice(0, 80))}`);
        const name = XS_PARAMS[m[2]];
        if (!name) continue;
        p[name] = /EVTCHN/.test(name) ? decimal(v, 0, LIMITS.maxPort, `${ww} ${path}`) : decimal(v, 0, 2 ** 52, `${ww} ${path}`);
      }
      return { domid, params: p, source: 'xenstore' as const };
    }, (domid, error) => ({ domid, params: {}, source: 'xenstore' as const, error }));
    return { value, note };
  });

  const consoleS = section('console', sec('console'), (o, w) => {
    const c = capture(own(o, 'dmesg'), `${w}.dmesg`);
    const ls = lines(c.out, `${w}.dmesg.out`).map(([, l]) => l);
    return { value: ls.slice(-LIMITS.consoleLines), note: c.truncated ? 'console output truncated on the host' : undefined };
  });

  return { helperVersion: HELPER_VERSION, host, xen, domains, deviceModels, evtchns, params, console: consoleS, takenAt };
}
