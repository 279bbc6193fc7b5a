// The API the extension uses for one live host: snapshots over ssh (the helper piped on stdin), the last good one
// kept through failures, and a snapshot turned into a scenario file. No vscode import.
import { randomBytes } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { PROFILES, type ProfileName } from '../model/layout';
import { LiveError } from './errors';
import { BOOT_ID_RE, deviceModelPorts, HelperParseError, parseHelperDocument, PERMISSION_HINT, type DomainInfo, type HostSnapshot, type Section, type XenInfo } from './parse';
import { SshRunner, type CancelTokenLike, type SshOptions } from './ssh';

export type { HostSnapshot } from './parse';
export { LiveError } from './errors';
export type { CancelTokenLike } from './ssh';

/** media/ioreq-helper.sh, from out*\/src/live or src/live or a bundle in dist/. */
export function defaultHelperPath(): string {
  const tries = [
    path.join(__dirname, '..', '..', '..', 'media', 'ioreq-helper.sh'),
    path.join(__dirname, '..', '..', 'media', 'ioreq-helper.sh'),
    path.join(__dirname, '..', 'media', 'ioreq-helper.sh'),
  ];
  return tries.find((p) => fs.existsSync(p)) ?? tries[0];
}

export interface LiveHostOptions extends SshOptions {
  /** The helper script's path (default: media/ioreq-helper.sh). */
  helperPath?: string;
  /** Bounds the ssh sessions running at once across hosts (default: the process-wide sessionLimiter). */
  limiter?: Limiter;
  /** Retries of a connection a busy sshd dropped before the handshake (default 5), with backoff from 250 ms. */
  busyRetries?: number;
}

/** The remote command: the helper arrives on stdin; /bin/sh by absolute path so the remote PATH does not pick it.
 *  Its arguments: the helper's own deadline in seconds, and the marker that frames its document. */
export function remoteCommand(deadlineSec: number, mark: string, knownBoot?: string, timeoutOk = false): string[] {
  const a = ['/bin/sh', '-s', '--', String(Math.max(1, Math.ceil(deadlineSec))), mark];
  // Only a well-formed boot id, which the host itself printed, is passed back (the helper checks it again).
  if (knownBoot !== undefined && BOOT_ID_RE.test(knownBoot)) a.push(knownBoot, timeoutOk ? '1' : '0');
  return a;
}

/** What a repeat snapshot need not do again within the boot it learnt it in: read the xen section (xl info), and
 *  try whether timeout --foreground works. */
interface BootCache { boot: string; xen: Extract<Section<XenInfo>, { ok: true }>; readAt: number; timeout: boolean }

/** Puts the kept xen section into a snapshot whose helper did not read it again, when the boot is the same. */
export function reuseXen(snap: HostSnapshot, cache: BootCache | undefined): HostSnapshot {
  if (snap.xen.ok || !snap.xen.reused || !cache || snap.host.boot !== cache.boot) return snap;
  return { ...snap, xen: { ...cache.xen, readAt: cache.readAt } };
}

/** A counting semaphore: at most `max` holders at once, the rest wait in order. */
export class Limiter {
  private active = 0;
  private readonly waiting: Array<() => void> = [];
  constructor(public max: number) {}
  async run<T>(f: () => Promise<T>): Promise<T> {
    if (this.active >= Math.max(1, this.max)) await new Promise<void>((r) => this.waiting.push(r));
    else this.active++;
    try { return await f(); } finally {
      const next = this.waiting.shift();
      if (next) next(); else this.active--;
    }
  }
  get running(): number { return this.active; }
}

/** Default bound on concurrent ssh sessions: below sshd's default MaxStartups (10:30:100), where it starts to drop
 *  unauthenticated connections. */
export const DEFAULT_MAX_SESSIONS = 8;
export const sessionLimiter = new Limiter(DEFAULT_MAX_SESSIONS);

const SECTIONS = ['xen', 'domains', 'deviceModels', 'evtchns', 'params', 'console'] as const;

/** A new snapshot whose failed sections keep the previous snapshot's good content, marked with the time it was
 *  read (staleSince) and the error of this refresh. */
export function mergeSections(prev: HostSnapshot | undefined, next: HostSnapshot): HostSnapshot {
  if (!prev) return next;
  const out: HostSnapshot = { ...next };
  for (const k of SECTIONS) {
    const n = next[k] as Section<unknown>;
    const p = prev[k] as Section<unknown>;
    if (!n.ok && p.ok) {
      (out as unknown as Record<string, Section<unknown>>)[k] = { ...p, staleSince: p.staleSince ?? prev.takenAt, refreshError: n.error };
    }
  }
  return out;
}

export class LiveHost {
  private readonly runner: SshRunner;
  private inFlight: Promise<HostSnapshot | LiveError> | undefined;
  private disposed = false;
  /** The last snapshot that parsed; kept when later snapshots fail. */
  lastGood: HostSnapshot | undefined;
  /** The last failure, cleared by a good snapshot. */
  lastError: LiveError | undefined;
  /** Stderr of the last helper run (the host's tools write their warnings there). */
  lastStderr = '';
  /** The host's boot id and the xl info read in it: a repeat snapshot in the same boot does not run xl info. */
  private bootCache: BootCache | undefined;

  /** Throws LiveError('bad-host' | 'bad-option') for a refused alias or option. */
  constructor(public readonly alias: string, private readonly opts: LiveHostOptions = {}) {
    this.runner = new SshRunner(alias, opts);
  }

  /** One snapshot. Never rejects: a failure resolves to a LiveError and lastGood stays. Concurrent calls share
   *  the run in flight. */
  snapshot(token?: CancelTokenLike): Promise<HostSnapshot | LiveError> {
    if (this.disposed) return Promise.resolve(new LiveError('cancelled', 'the live host was disposed'));
    if (!this.inFlight) {
      this.inFlight = this.take(token).finally(() => { this.inFlight = undefined; });
    }
    return this.inFlight;
  }

  private async take(token?: CancelTokenLike): Promise<HostSnapshot | LiveError> {
    let script: Buffer;
    try {
      script = fs.readFileSync(this.opts.helperPath ?? defaultHelperPath());
    } catch (e) {
      return this.failed(new LiveError('helper-failed', `cannot read the helper script: ${(e as Error).message}`));
    }
    const limiter = this.opts.limiter ?? sessionLimiter;
    const retries = this.opts.busyRetries ?? 5;
    // The helper's own deadline: the client's time limit and a little more, so normally the client's kill (and
    // the EOF it causes) comes first; the deadline covers a session whose EOF never arrives.
    const deadlineSec = (this.opts.timeLimitMs ?? 30_000) / 1000 + 2;
    try {
      for (let attempt = 0; ; attempt++) {
        const mark = randomBytes(12).toString('hex');
        try {
          const bc = this.bootCache;
          const r = await limiter.run(() => this.runner.run(remoteCommand(deadlineSec, mark, bc?.boot, bc?.timeout), script, token, true));
          this.lastStderr = r.stderr;
          const taken = Date.now();
          const parsed = reuseXen(parseHelperDocument(r.stdout, taken, mark), this.bootCache);
          // Kept for the next snapshot: a freshly read xen section with the boot it was read in; a different boot
          // (or none) forgets it, so the next snapshot reads xl info again.
          const timeout = parsed.host.toolTimeout === true;
          if (parsed.host.boot && parsed.xen.ok && parsed.xen.readAt === undefined) this.bootCache = { boot: parsed.host.boot, xen: parsed.xen, readAt: taken, timeout };
          else if (parsed.host.boot !== this.bootCache?.boot || !parsed.xen.ok) this.bootCache = undefined;
          else this.bootCache!.timeout = timeout;
          const snap = mergeSections(this.lastGood, parsed);
          this.lastGood = snap;
          this.lastError = undefined;
          return snap;
        } catch (e) {
          if (!(e instanceof LiveError) || e.kind !== 'host-busy' || attempt >= retries || token?.isCancellationRequested) throw e;
          const wait = Math.round(250 * 2 ** attempt * (0.5 + Math.random()));
          this.opts.logger?.(`  (${this.alias} busy, retry ${attempt + 1} of ${retries} in ${wait} ms)`);
          await new Promise((r) => setTimeout(r, wait));
          if (token?.isCancellationRequested) throw new LiveError('cancelled', 'cancelled');
        }
      }
    } catch (e) {
      if (e instanceof LiveError) {
        if (e.kind === 'helper-failed' && PERMISSION_RE_HELPER.test(e.message)) return this.failed(new LiveError(e.kind, `${e.message} (${PERMISSION_HINT})`, e.detail));
        return this.failed(e);
      }
      if (e instanceof HelperParseError) return this.failed(new LiveError('helper-failed', `the helper's output on ${this.alias} is not usable at ${e.message}`));
      return this.failed(new LiveError('ssh-failed', e instanceof Error ? e.message : String(e)));
    }
  }

  private failed(e: LiveError): LiveError {
    this.lastError = e;
    return e;
  }

  /** Closes the shared ssh connection and removes its private directory. */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.runner.dispose();
  }
}

const PERMISSION_RE_HELPER = /permission denied|operation not permitted/i;

// ---- snapshot -> scenario -------------------------------------------------------------------------------------

const MAX_SCENARIO_DOMAINS = 256;
const MAX_SCENARIO_VCPUS = 128;
const MAX_SCENARIO_DOMID = 32751;

/** The model profile for a host's Xen version (xl info's xen_major/xen_minor): the newest profile released at or
 *  before it. Before 4.5: 'legacy' (RELEASE-4.4.0's tree); 4.5: '4.5'; 4.6 and later: the newest profile the model
 *  has. To extend, add a row (newest first) once the profile exists in src/model/layout.ts. */
export function profileForXen(major: number, minor: number): ProfileName {
  const rows: Array<[number, number, string]> = [[4, 21, '4.21'], [4, 5, '4.5'], [0, 0, 'legacy']];
  const known = (p: string): p is ProfileName => (PROFILES as readonly string[]).includes(p);
  for (const [ma, mi, p] of rows) if ((major > ma || (major === ma && minor >= mi)) && known(p)) return p;
  return 'legacy';
}

function profileOf(s: HostSnapshot): { profile: ProfileName; why: string } {
  if (!s.xen.ok) { const p = profileForXen(4, 5); return { profile: p, why: `Xen version unknown; the ${p} profile is assumed` }; }
  const { major, minor, version } = s.xen.value;
  const profile = profileForXen(major, minor);
  const arm = /aarch64|armv7/.test(s.xen.value.fields.xen_caps ?? '');
  const armP = `${profile}-arm`;
  const p = arm && (PROFILES as readonly string[]).includes(armP) ? armP as ProfileName : profile;
  return { profile: p, why: `profile ${p}, chosen from the host's Xen ${version} (xl info)${arm && p === profile ? '; the host is Arm and the model has no Arm profile for it' : ''}` };
}

const comment = (s: string) => s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ').replace(/\*\//g, '* /');

/** A scenario file (JSONC) with the host's HVM domains, their vcpus, device models and the params read. */
export function snapshotToScenario(s: HostSnapshot, hostAlias: string): string {
  const { profile, why } = profileOf(s);
  const notes: string[] = [];
  const doms: DomainInfo[] = s.domains.ok ? s.domains.value : [];
  if (!s.domains.ok) notes.push(`domains unavailable: ${s.domains.error}`);
  const hvm = doms.filter((d) => d.domid >= 1 && d.domid <= MAX_SCENARIO_DOMID && (d.type === 'hvm' || d.type === 'unknown'));
  for (const d of doms) {
    if (d.domid === 0) continue;
    if (d.type === 'pv' || d.type === 'pvh') notes.push(`d${d.domid} (${d.name}) is ${d.type.toUpperCase()}: no ioreq server, left out`);
    else if (d.domid > MAX_SCENARIO_DOMID) notes.push(`d${d.domid} is outside the model's domid range, left out`);
  }
  const chosen = hvm.slice(0, MAX_SCENARIO_DOMAINS);
  if (hvm.length > chosen.length) notes.push(`${hvm.length - chosen.length} more HVM domains left out (limit ${MAX_SCENARIO_DOMAINS})`);
  const params = new Map((s.params.ok ? s.params.value : []).map((p) => [p.domid, p.params] as const));
  const dms = new Map((s.deviceModels.ok ? s.deviceModels.value : []).map((d) => [d.target, d] as const));

  const steps: Array<Record<string, unknown>> = [];
  const deviceModels: Array<Record<string, unknown>> = [];
  const expect: Array<Record<string, unknown>> = [];
  for (const d of chosen) {
    const vcpus = Math.min(Math.max(d.vcpus, 1), MAX_SCENARIO_VCPUS);
    const typeNote = d.type === 'unknown' ? ' (type unknown on the host; modelled as HVM)' : '';
    steps.push({ actor: 'toolstack', op: 'xc_domain_create', domid: d.domid, vcpus,
      note: `${d.name}: ${d.vcpus} vcpu(s)${d.vcpus > vcpus ? `, model capped at ${vcpus}` : ''}${typeNote}` });
    steps.push({ actor: 'toolstack', op: 'xc_hvm_build', domid: d.domid });
    const p = params.get(d.domid) ?? {};
    for (const name of ['STORE_EVTCHN', 'CONSOLE_EVTCHN'] as const) {
      if (p[name] === undefined) continue;
      steps.push({ actor: 'toolstack', op: 'hvmop_set_param', domid: d.domid, param: name, value: p[name],
        note: 'value libxl recorded in xenstore on the host' });
    }
    const dm = dms.get(d.domid);
    if (dm) {
      deviceModels.push({ name: `dm-d${d.domid}`, domid: 0, target: d.domid });
      const ports = deviceModelPorts(s, d.domid).map((e) => e.port);
      notes.push(`d${d.domid}: device model ${dm.kind}${dm.pid ? ` (pid ${dm.pid})` : ''}${dm.domain !== undefined ? ` in d${dm.domain}` : ''}${dm.state ? `, state ${dm.state}` : ''}${ports.length ? `; its event channels on the host: ports ${ports.join(', ')}` : ''}`);
    }
    expect.push({ path: `domains.${d.domid}.vcpus.${vcpus - 1}`, exists: true });
    expect.push({ noCrash: d.domid });
  }
  const xenLine = s.xen.ok ? `Xen ${s.xen.value.version}` : 'Xen version unknown';
  const sc = {
    name: `Live host ${hostAlias}`,
    description: `Domains of ${hostAlias} (${s.host.hostname || 'unknown host'}, ${xenLine}) as read at ${new Date(s.takenAt).toISOString()}: each HVM domain is created with its vcpus and built; store and console event channels are the values libxl recorded in xenstore. Ioreq-server params are not read from the host (reading them creates a server). ${why}.`,
    profile,
    ...(deviceModels.length ? { deviceModels } : {}),
    steps,
    expect,
  };
  const header = [
    `// Generated by IOREQ Scope from live host ${comment(hostAlias)} (${comment(xenLine)}).`,
    `// ${comment(why)}.`,
    ...notes.map((n) => `// ${comment(n)}`),
  ].join('\n');
  return `${header}\n${JSON.stringify(sc, null, 2)}\n`;
}
