// The API the extension uses for one live host: snapshots over ssh (the helper piped on stdin), the last good one
// kept through failures, and a snapshot turned into a scenario file. No vscode import.
import * as fs from 'fs';
import * as path from 'path';
import { LiveError } from './errors';
import { HelperParseError, parseHelperDocument, type DomainInfo, type HostSnapshot } from './parse';
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
}

/** The remote command: the helper arrives on stdin; /bin/sh by absolute path so the remote PATH does not pick it. */
export const REMOTE_COMMAND: readonly string[] = ['/bin/sh', '-s'];

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
    try {
      const r = await this.runner.run(REMOTE_COMMAND, script, token);
      this.lastStderr = r.stderr;
      const snap = parseHelperDocument(r.stdout);
      this.lastGood = snap;
      this.lastError = undefined;
      return snap;
    } catch (e) {
      if (e instanceof LiveError) return this.failed(e);
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

// ---- snapshot -> scenario -------------------------------------------------------------------------------------

const MAX_SCENARIO_DOMAINS = 256;
const MAX_SCENARIO_VCPUS = 128;
const MAX_SCENARIO_DOMID = 32751;

/** The model profile closest to the host's Xen: before 4.5, 'legacy'; 4.5 and later, '4.5'. */
function profileOf(s: HostSnapshot): { profile: 'legacy' | '4.5'; why: string } {
  if (!s.xen.ok) return { profile: '4.5', why: 'Xen version unknown; the 4.5 layout is assumed' };
  const { major, minor, version } = s.xen.value;
  return major < 4 || (major === 4 && minor < 5)
    ? { profile: 'legacy', why: `Xen ${version} predates 4.5` }
    : { profile: '4.5', why: `Xen ${version}: the model's nearest layout is 4.5's` };
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
      notes.push(`d${d.domid}: device model ${dm.kind}${dm.pid ? ` (pid ${dm.pid})` : ''}${dm.state ? `, state ${dm.state}` : ''}`);
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
    ...notes.map((n) => `// ${comment(n)}`),
  ].join('\n');
  return `${header}\n${JSON.stringify(sc, null, 2)}\n`;
}
