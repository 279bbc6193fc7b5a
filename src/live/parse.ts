// The parser of the helper's document (media/ioreq-helper.sh, version 1) and of the tool output it carries.
// Everything is untrusted: sizes, depths, array lengths, string lengths and number ranges are checked, and the only
// exception that ever leaves is HelperParseError (the envelope is unusable). A section whose content is bad becomes
// a section error located by JSON path and line:column of the tool's output; the other sections stay.
import { lineColumn, parseJsonLocated } from './json';

export const HELPER_VERSION = 1;
export const LIMITS = {
  docChars: 64 * 1024 * 1024,
  depth: 32,
  toolOutChars: 16 * 1024 * 1024,   // the helper's per-tool cap (CAP), which it reports as "truncated"
  errChars: 8192,
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

/** A section's value, or its error with where it was found. A value kept from an earlier snapshot because this
 *  one's refresh of the section failed carries `staleSince` (when it was read) and `refreshError`. A value the
 *  helper did not read again because it cannot have changed (the xen section within one boot of the host) carries
 *  `readAt`, when it was read; the helper's document says `reused` for it, and LiveHost puts the kept value in. */
export type Section<T> = { ok: true; value: T; note?: string; staleSince?: number; refreshError?: string; readAt?: number } | { ok: false; error: string; reused?: true };

export interface XenInfo {
  version: string; major: number; minor: number; extra: string;
  toolstack: string;
  /** Every `key : value` line of xl info. */
  fields: Record<string, string>;
}
export type DomainType = 'hvm' | 'pv' | 'pvh' | 'unknown';
export interface DomainInfo {
  domid: number; name: string; type: DomainType; vcpus: number; memMb: number;
  /** xl list's six state letters, e.g. "-b----" (r b p s, the shutdown reason, d); "" when xl list had no row. */
  state: string;
  /** The shutdown reason spelled out, when the domain has shut down (state letter 5). */
  shutdownReason?: string;
}
export type DeviceModelKind = 'qemu' | 'qemu-dm' | 'stubdom' | 'demu' | 'varstored' | 'other';
export interface DeviceModelInfo {
  /** The domain it serves. */
  target: number;
  /** The domain it runs in: 0, or a stub domain's id (libxl's image/device-model-domid, or the stub domain's
   *  xenstore `target`). */
  domain?: number;
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
export interface DomainParams {
  domid: number; params: Record<string, number>; source: 'xenstore'; error?: string;
  /** libxl's image/device-model-pid and image/device-model-domid, and a stub domain's `target`. */
  dmPid?: number; dmDomid?: number; target?: number;
}
export interface HostInfo {
  hostname: string; kernel: string; user: string; uid?: number; time: string;
  /** The host's boot id; whether the helper ran its tools under timeout --foreground. */
  boot?: string; toolTimeout?: boolean;
}

/** A boot id as /proc/sys/kernel/random/boot_id prints it. */
export const BOOT_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

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
  /** Text a login shell printed before the document (a banner, motd), shortened; it was skipped. */
  banner?: string;
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

interface Capture { cmd: string; rc: number; out: string; truncated: boolean; err: string }

/** What the hint for a permission problem says (the tools need root, or access to privcmd and xenstore). */
export const PERMISSION_HINT = 'run as root, or give this user access to /dev/xen/privcmd and xenstore';
const PERMISSION_RE = /permission denied|EACCES|EPERM|operation not permitted|privcmd|must be run as root|not (?:running as )?root/i;

/** The last lines of a tool's stderr, for a message (one line, shortened). */
function errTail(err: string): string {
  const t = err.split('\n').map((l) => l.trim()).filter((l) => l !== '').slice(-2).join(' | ');
  return t.length > 300 ? `${t.slice(0, 297)}...` : t;
}

/** {"cmd", "err", "rc", "out", "truncated"}, or {"error"}; a failed tool becomes a SectionFault with its command,
 *  its stderr and, for a permission problem, what to do. */
function capture(v: unknown, where: string): Capture {
  if (!isObj(v)) fail(where, `expected an object, got ${kindOf(v)}`);
  if (own(v, 'error') !== undefined) fail(where, str(v, 'error', where, LIMITS.errorChars));
  const cmd = str(v, 'cmd', where);
  const rc = int(own(v, 'rc'), 0, 255, `${where}.rc`);
  const out = str(v, 'out', where, LIMITS.toolOutChars);
  const truncated = own(v, 'truncated');
  if (typeof truncated !== 'boolean') fail(`${where}.truncated`, `expected true or false, got ${kindOf(truncated)}`);
  const errV = own(v, 'err');
  const err = typeof errV === 'string' ? errV.slice(0, LIMITS.errChars) : '';
  if (rc !== 0) {
    const tail = errTail(err);
    const hint = PERMISSION_RE.test(err) ? ` (${PERMISSION_HINT})` : '';
    fail(where, `\`${cmd}\` failed with exit status ${rc}${rc === 124 ? ' (timed out on the host)' : rc === 127 ? ' (not found)' : ''}${tail ? `: ${tail}` : ''}${hint}`);
  }
  return { cmd, rc, out, truncated, err };
}

/** The note for an output the helper cut at its per-tool cap. */
const cutNote = (c: Capture) => `\`${c.cmd}\`'s output was cut on the host after ${c.out.length} characters (the helper's per-tool limit)`;

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

/** xl's shutdown-reason letters (tools/xl/xl_info.c list_domains, shutdown_reason_letters "-rscwS", '?' beyond
 *  them) and the SHUTDOWN_* reasons of xen/include/public/sched.h they stand for. */
export const SHUTDOWN_REASONS: Readonly<Record<string, string>> = {
  r: 'reboot', s: 'suspend', c: 'crash', w: 'watchdog', S: 'soft reset', '?': 'unknown reason',
};
/** The six state letters: running, blocked, paused, shutdown, the shutdown reason, dying. */
export const XL_STATE = /^[r-][b-][p-][s-][-rscwS?][d-]$/;

/** `xl list`: a header, then "name id mem vcpus state time" rows (tools/xl/xl_info.c list_domains,
 *  "%-40s %5d %5lu %5d     %c%c%c%c%c%c  %8.1f"). The fields are counted from the right: a name may hold spaces.
 *  The helper picks domain ids the same way (ids_from_list). */
export function parseXlList(out: string, where: string): DomainInfo[] {
  const ls = lines(out, where);
  if (ls.length === 0 || !/^Name\s+ID\s+Mem\s+VCPUs/.test(ls[0][1])) fail(`${where}:${ls[0]?.[0] ?? 1}:1`, 'expected the "Name ID Mem VCPUs State Time(s)" header');
  const r: DomainInfo[] = [];
  const seen = new Set<number>();
  for (const [ln, l] of ls.slice(1)) {
    const m = /^\s*(\S.*?)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\S{6})\s+(\d+(?:\.\d+)?)\s*$/.exec(l);
    if (!m) fail(`${where}:${ln}:1`, `expected a domain row "name id mem vcpus state time", got ${JSON.stringify(l.slice(0, 60))}`);
    if (!XL_STATE.test(m[5])) fail(`${where}:${ln}:${l.lastIndexOf(m[5]) + 1}`, `unknown state ${JSON.stringify(m[5])} (xl prints r b p s, a shutdown reason of -rscwS?, d)`);
    const domid = decimal(m[2], 0, LIMITS.maxDomid, `${where}:${ln} domid`);
    if (seen.has(domid)) fail(`${where}:${ln}:1`, `domain ${domid} listed twice`);
    seen.add(domid);
    if (r.length >= LIMITS.domains) fail(`${where}:${ln}:1`, `more than ${LIMITS.domains} domains`);
    const name = m[1].trim();
    if (name.length === 0 || name.length > LIMITS.shortString) fail(`${where}:${ln}:1`, 'bad domain name');
    const d: DomainInfo = {
      domid, name, type: 'unknown', memMb: decimal(m[3], 0, 2 ** 32, `${where}:${ln} mem`),
      vcpus: decimal(m[4], 0, LIMITS.maxVcpus, `${where}:${ln} vcpus`), state: m[5],
    };
    if (m[5][3] === 's') d.shutdownReason = SHUTDOWN_REASONS[m[5][4]] ?? 'none given';
    r.push(d);
  }
  return r;
}

/** `xl list -l`: a JSON array of {"domid", "config": {"c_info": {"type", "name"}, "b_info": {"max_vcpus"}}}. */
export function parseXlListLong(out: string, where: string): Map<number, { type: DomainType; vcpus?: number; name?: string }> {
  if (out.length > LIMITS.toolOutChars) fail(where, 'too long');
  const pj = parseJsonLocated(out, LIMITS.xlLongDepth);
  if (!pj.ok) { const lc = lineColumn(out, pj.fault.offset); fail(`${where}:${lc.line}:${lc.column}`, pj.fault.message); }
  const v = pj.value;
  if (!Array.isArray(v)) fail(where, `expected a JSON array, got ${kindOf(v)}`);
  if (v.length > LIMITS.domains) fail(where, `more than ${LIMITS.domains} domains`);
  const r = new Map<number, { type: DomainType; vcpus?: number; name?: string }>();
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
    let name: string | undefined;
    if (isObj(ci) && own(ci, 'name') !== undefined) {
      name = str(ci, 'name', `${w}.config.c_info`);
      if (name.length === 0) name = undefined;
    }
    r.set(domid, { type, vcpus, name });
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
  if (/^qemu-dm/.test(base)) return 'qemu-dm';
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
      // qemu: -xen-domid N (libxl_dm.c); qemu-dm (qemu-traditional), demu and varstored: --domain=N or
      // --domain N / -d N.
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

/** Device models that run in a stub domain, and the domain each one runs in, from what libxl recorded in xenstore
 *  (tools/libxl/libxl_dm.c libxl__spawn_stub_dm writes the guest's image/device-model-domid and the stub domain's
 *  target); a qemu that ps showed in dom0 runs in domain 0. libxl's image/device-model-pid names the pid when ps
 *  did not. */
export function addStubDomains(dms: DeviceModelInfo[], params: DomainParams[]): void {
  const byTarget = new Map(dms.map((d) => [d.target, d] as const));
  const get = (t: number): DeviceModelInfo => {
    let d = byTarget.get(t);
    if (!d) {
      d = { target: t, kind: 'other', nodes: Object.create(null) as Record<string, string> };
      byTarget.set(t, d);
      dms.push(d);
    }
    return d;
  };
  for (const p of params) {
    if (p.target !== undefined && p.target !== p.domid) {
      const d = get(p.target);
      d.domain = p.domid;
      if (d.kind === 'other') d.kind = 'stubdom';
    }
    if (p.dmDomid !== undefined && p.dmDomid !== 0) {
      const d = get(p.domid);
      d.domain = p.dmDomid;
      if (d.kind === 'other') d.kind = 'stubdom';
    }
    if (p.dmPid !== undefined) {
      const d = byTarget.get(p.domid);
      if (d && d.pid === undefined) d.pid = p.dmPid;
    }
  }
  for (const d of dms) if (d.domain === undefined && d.pid !== undefined) d.domain = 0;
  dms.sort((a, b) => a.target - b.target);
}

/** A guest's event channels that connect to its device model's domain, other than the store and console ports
 *  libxl recorded: the ports the device model bound (QEMU's xen_hvm_init binds one per vcpu and the buffered one;
 *  PV backends in the same domain bind theirs too, so these are candidates, not a proof). */
export function deviceModelPorts(s: HostSnapshot, guest: number): Evtchn[] {
  if (!s.deviceModels.ok || !s.evtchns.ok) return [];
  const dm = s.deviceModels.value.find((d) => d.target === guest);
  if (!dm) return [];
  const dmDom = dm.domain ?? 0;
  const ev = s.evtchns.value.find((e) => e.domid === guest);
  const p = s.params.ok ? s.params.value.find((x) => x.domid === guest)?.params : undefined;
  const skip = new Set([p?.STORE_EVTCHN, p?.CONSOLE_EVTCHN].filter((x): x is number => x !== undefined));
  return (ev?.ports ?? []).filter((e) => (e.kind === 'interdomain' || e.kind === 'unbound') && e.remoteDomain === dmDom && !skip.has(e.port));
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

/** The document between the helper's marker lines "IOREQ-SCOPE-BEGIN MARK" and "IOREQ-SCOPE-END MARK"; what a
 *  login shell printed before it is the banner. No end line: the text after the begin line (a cut document then
 *  fails to parse as truncated). No begin line: a HelperParseError that quotes the start of the output. */
export function unframe(text: string, mark: string): { doc: string; banner?: string } {
  const begin = `IOREQ-SCOPE-BEGIN ${mark}\n`;
  let at = text.startsWith(begin) ? 0 : text.indexOf(`\n${begin}`);
  if (at < 0) {
    const head = text.slice(0, 80).replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
    throw new HelperParseError('1:1', text.trim() === '' ? 'the helper printed nothing'
      : `no IOREQ Scope document in the output (no marker line; the output starts ${JSON.stringify(head)})`);
  }
  const before = text.slice(0, at);
  if (at > 0 || text[0] === '\n') at += 1;
  const start = at + begin.length;
  const end = text.indexOf(`IOREQ-SCOPE-END ${mark}`, start);
  const doc = end < 0 ? text.slice(start) : text.slice(start, end);
  // eslint-disable-next-line no-control-regex
  const b = before.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '').trim();
  return b === '' ? { doc } : { doc, banner: b.length > 500 ? `${b.slice(0, 497)}...` : b };
}

/** Parses the helper's output. Throws HelperParseError only when the document as a whole is unusable. With mark,
 *  the document is taken from between the helper's marker lines (see unframe). */
export function parseHelperDocument(input: string | Buffer, takenAt = Date.now(), mark?: string): HostSnapshot {
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
  let banner: string | undefined;
  if (mark !== undefined) {
    const f = unframe(text, mark);
    text = f.doc;
    banner = f.banner;
  }
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
    const boot = own(hostV, 'boot');
    if (typeof boot === 'string' && BOOT_ID_RE.test(boot)) host.boot = boot;
    const to = own(hostV, 'timeout');
    if (to === '1' || to === '') host.toolTimeout = to === '1';
    const uid = own(hostV, 'uid');
    if (typeof uid === 'string' && /^[0-9]{1,10}$/.test(uid)) host.uid = Number(uid);
  }
  const sections = own(doc, 'sections');
  if (!isObj(sections)) throw new HelperParseError('$.sections', `expected an object, got ${kindOf(sections)}`);
  const sec = (k: string) => own(sections, k);

  const xenV = sec('xen');
  const xen: Section<XenInfo> = isObj(xenV) && own(xenV, 'reused') === true
    ? { ok: false, error: 'sections.xen: not read again (the host still runs the boot of an earlier snapshot), and that snapshot is not at hand', reused: true }
    : section('xen', xenV, (o, w) => {
    const c = capture(own(o, 'info'), `${w}.info`);
    return { value: parseXlInfo(c.out, `${w}.info.out`) };
  });

  // Domains: xl list -l's JSON where the host has it (ids, names as libxl keeps them, types, vcpus), xl list's
  // rows for the state and memory, and the rows xl list -l leaves out (it skips a domain whose configuration libxl
  // cannot retrieve, often dom0). Either one alone is enough. The helper picks ids the same way.
  const domains = section('domains', sec('domains'), (o, w) => {
    const notes: string[] = [];
    let list: DomainInfo[] | undefined;
    let listErr = '';
    try {
      const c = capture(own(o, 'list'), `${w}.list`);
      if (c.truncated) notes.push(cutNote(c));
      list = parseXlList(c.out, `${w}.list.out`);
    } catch (e) {
      if (!(e instanceof SectionFault)) throw e;
      listErr = e.message;
    }
    let long: ReturnType<typeof parseXlListLong> | undefined;
    try {
      const c = capture(own(o, 'long'), `${w}.long`);
      if (c.truncated) fail(`${w}.long`, `${cutNote(c)}, so its JSON is incomplete`);
      long = parseXlListLong(c.out, `${w}.long.out`);
    } catch (e) {
      if (!(e instanceof SectionFault)) throw e;
      notes.push(`domain types ${list ? 'unknown' : 'and states unknown'}: ${e.message}`);
    }
    if (!list && !long) fail(w, listErr);
    if (!list) notes.push(`states unknown: ${listErr}`);
    const byId = new Map<number, DomainInfo>((list ?? []).map((d) => [d.domid, d]));
    for (const [domid, l] of long ?? []) {
      let d = byId.get(domid);
      if (!d) {
        if (byId.size >= LIMITS.domains) fail(w, `more than ${LIMITS.domains} domains`);
        d = { domid, name: l.name ?? `d${domid}`, type: l.type, vcpus: l.vcpus ?? 0, memMb: 0, state: '' };
        byId.set(domid, d);
      }
      d.type = l.type;
      if (l.name !== undefined) d.name = l.name;
    }
    const value = [...byId.values()].sort((a, b) => a.domid - b.domid);
    return { value, note: notes.length ? notes.join('; ') : undefined };
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

  // params: one `xenstore-ls -f /local/domain` filtered on the host to the nodes below (the helper's current form),
  // or one capture per domain (perDomain, as earlier helpers sent).
  const xsNode = (r: DomainParams, rel: string, v: string, at: string) => {
    if (rel === 'image/device-model-pid') { r.dmPid = decimal(v, 1, 2 ** 31 - 1, at); return; }
    if (rel === 'image/device-model-domid') { r.dmDomid = decimal(v, 0, LIMITS.maxDomid, at); return; }
    if (rel === 'target') { r.target = decimal(v, 0, LIMITS.maxDomid, at); return; }
    const name = XS_PARAMS[rel];
    if (!name) return;
    r.params[name] = /EVTCHN/.test(name) ? decimal(v, 0, LIMITS.maxPort, at) : decimal(v, 0, 2 ** 52, at);
  };
  const params = section('params', sec('params'), (o, w) => {
    const noteV = own(o, 'note');
    const note = typeof noteV === 'string' ? noteV.slice(0, LIMITS.errorChars) : undefined;
    if (own(o, 'xenstore') !== undefined) {
      const c = capture(own(o, 'xenstore'), `${w}.xenstore`);
      if (c.truncated) fail(`${w}.xenstore`, cutNote(c));
      const byDom = new Map<number, DomainParams>();
      for (const [p, v] of parseXenstoreLs(c.out, `${w}.xenstore.out`)) {
        const m = /^\/local\/domain\/(\d{1,5})\/(.*)$/.exec(p);
        if (!m) continue;
        const domid = decimal(m[1], 0, LIMITS.maxDomid, `${w}.xenstore.out ${p}`);
        let r = byDom.get(domid);
        if (!r) {
          if (byDom.size >= LIMITS.domains) fail(w, `more than ${LIMITS.domains} domains`);
          r = { domid, params: {}, source: 'xenstore' };
          byDom.set(domid, r);
        }
        xsNode(r, m[2], v, `${w}.xenstore.out ${p}`);
      }
      return { value: [...byDom.values()].sort((a, b) => a.domid - b.domid), note };
    }
    const value = perDomain(own(o, 'perDomain'), `${w}.perDomain`, 'xenstore', (c, domid, ww) => {
      const r: DomainParams = { domid, params: {}, source: 'xenstore' };
      for (const [path, v] of parseXenstoreLs(c.out, ww)) {
        const m = /^\/local\/domain\/(\d{1,5})\/(.*)$/.exec(path);
        if (!m || Number(m[1]) !== domid) fail(ww, `node of another domain: ${JSON.stringify(path.slice(0, 80))}`);
        xsNode(r, m[2], v, `${ww} ${path}`);
      }
      return r;
    }, (domid, error) => ({ domid, params: {}, source: 'xenstore' as const, error }));
    return { value, note };
  });
  if (deviceModels.ok && params.ok) addStubDomains(deviceModels.value, params.value);

  const consoleS = section('console', sec('console'), (o, w) => {
    const c = capture(own(o, 'dmesg'), `${w}.dmesg`);
    const ls = lines(c.out, `${w}.dmesg.out`).map(([, l]) => l);
    return { value: ls.slice(-LIMITS.consoleLines), note: c.truncated ? 'console output truncated on the host' : undefined };
  });

  const snap: HostSnapshot = { helperVersion: HELPER_VERSION, host, xen, domains, deviceModels, evtchns, params, console: consoleS, takenAt };
  if (banner !== undefined) snap.banner = banner;
  return snap;
}
