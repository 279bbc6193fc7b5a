// A real OpenSSH sshd on 127.0.0.1 for the live tests and the live benchmark (recipe: vscode-harness.md section 7).
// Its sessions get PATH with test/live/fixtures/bin first through sshd's SetEnv, so the production helper runs
// unchanged and finds the stand-in xl, xenstore-ls, ps and lsevtchn, which record every invocation.
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export const SSHD = '/usr/sbin/sshd';
/** The repository root: the nearest directory above this file with the project's package.json (this file runs both
 *  one-to-one from out/test/live and bundled into out/bench). */
export const ROOT = ((): string => {
  for (let d = __dirname; d !== path.dirname(d); d = path.dirname(d)) {
    const p = path.join(d, 'package.json');
    if (fs.existsSync(p) && /"name": "ioreq-scope"/.test(fs.readFileSync(p, 'utf8'))) return d;
  }
  return path.join(__dirname, '..', '..', '..');
})();
export const FIXTURES = path.join(ROOT, 'test', 'live', 'fixtures');
export const HELPER = path.join(ROOT, 'media', 'ioreq-helper.sh');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

function keygen(file: string): void {
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'ioreq-scope-test', '-f', file]);
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr?.toString()}`);
}

/** Children, grandchildren ... of a pid, from /proc. */
export function descendants(pid: number): number[] {
  const parent = new Map<number, number>();
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parent.set(Number(e), ppid);
    } catch { /* gone */ }
  }
  const out: number[] = [];
  const walk = (p: number) => { for (const [c, pp] of parent) if (pp === p) { out.push(c); walk(c); } };
  walk(pid);
  return out;
}

/** Pids whose environment holds the exact entry `entry` (NAME=value). */
export function processesWithEnv(entry: string): number[] {
  const out: number[] = [];
  for (const e of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${e}/environ`, 'latin1').split('\0').includes(entry)) out.push(Number(e));
    } catch { /* gone, or not ours to read */ }
  }
  return out;
}

export interface SshdOptions {
  /** sshd's default MaxSessions and MaxStartups instead of the roomy ones the other tests use. */
  defaults?: boolean;
  /** A MaxStartups value (e.g. "1" to drop all but one unauthenticated connection). */
  maxStartups?: string;
}

export type Variant = 'good' | 'unknown-key' | 'changed-key' | 'no-auth' | 'closed-port';

export class TestSshd {
  readonly dir: string;
  readonly state: string;
  readonly home: string;
  port = 0;
  closedPort = 0;
  private proc: ChildProcess | undefined;
  readonly alias = 'ioreq-test';

  constructor() {
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'iqs-sshd-'));
    this.state = path.join(this.dir, 'state');
    fs.mkdirSync(this.state);
    this.home = path.join(this.dir, 'home');
    fs.mkdirSync(this.home);
    fs.writeFileSync(path.join(this.home, '.bashrc'), '[ -r "$IOREQ_FIXTURE_STATE/banner" ] && cat "$IOREQ_FIXTURE_STATE/banner"\n');
  }

  /** What the login shell prints before every command (a banner from an rc file); '' for none. */
  setBanner(text: string): void {
    if (text) fs.writeFileSync(path.join(this.state, 'banner'), text);
    else fs.rmSync(path.join(this.state, 'banner'), { force: true });
  }

  /** Starts sshd; throws (the test fails, it does not skip) when OpenSSH's server is not installed. */
  static async start(opts: SshdOptions = {}): Promise<TestSshd> {
    if (!fs.existsSync(SSHD)) {
      throw new Error(`${SSHD} not found: the live tests need a real OpenSSH server. Install it: apt-get install -y openssh-server openssh-client`);
    }
    const s = new TestSshd();
    await s.boot(opts);
    return s;
  }

  private async boot(opts: SshdOptions): Promise<void> {
    const d = this.dir;
    fs.mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });
    keygen(path.join(d, 'host_ed25519'));
    keygen(path.join(d, 'key'));
    keygen(path.join(d, 'other_key'));      // not authorized
    keygen(path.join(d, 'wrong_host'));     // a host key the server does not have
    fs.copyFileSync(path.join(d, 'key.pub'), path.join(d, 'authorized_keys'));
    fs.chmodSync(path.join(d, 'authorized_keys'), 0o600);
    this.port = await freePort();
    this.closedPort = await freePort();
    const envPath = `${path.join(FIXTURES, 'bin')}:/usr/local/bin:/usr/bin:/bin`;
    fs.writeFileSync(path.join(d, 'sshd_config'), [
      `Port ${this.port}`, 'ListenAddress 127.0.0.1', `HostKey ${d}/host_ed25519`, `AuthorizedKeysFile ${d}/authorized_keys`,
      `PidFile ${d}/sshd.pid`, 'UsePAM no', 'PermitRootLogin prohibit-password', 'PasswordAuthentication no',
      'KbdInteractiveAuthentication no', 'StrictModes no',
      // sshd's defaults (MaxSessions 10, MaxStartups 10:30:100) when asked for, as a stock sshd has them.
      ...(opts.defaults ? [] : ['MaxSessions 50', 'MaxStartups 50']),
      ...(opts.maxStartups ? [`MaxStartups ${opts.maxStartups}`] : []),
      // HOME of its own: the login shell (bash for root) reads this .bashrc, not the machine's (a slow or broken
      // rc file there would hold every session); it prints the banner the test puts in state/banner.
      `SetEnv PATH=${envPath} IOREQ_FIXTURE_STATE=${this.state} HOME=${this.home}`, '',
    ].join('\n'));
    const t = spawnSync(SSHD, ['-t', '-f', path.join(d, 'sshd_config')]);
    if (t.status !== 0) throw new Error(`sshd -t failed: ${t.stderr?.toString()}`);
    this.proc = spawn(SSHD, ['-D', '-f', path.join(d, 'sshd_config'), '-E', path.join(d, 'sshd.log')], { stdio: 'ignore' });
    const t0 = Date.now();
    while (!fs.existsSync(path.join(d, 'sshd.pid')) || fs.readFileSync(path.join(d, 'sshd.pid'), 'utf8').trim() === '') {
      if (this.proc.exitCode !== null) throw new Error(`sshd exited: ${fs.readFileSync(path.join(d, 'sshd.log'), 'utf8')}`);
      if (Date.now() - t0 > 10_000) throw new Error('sshd did not write its pid file within 10 s');
      await new Promise((r) => setTimeout(r, 50));
    }
    const hostPub = fs.readFileSync(path.join(d, 'host_ed25519.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    const wrongPub = fs.readFileSync(path.join(d, 'wrong_host.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
    fs.writeFileSync(path.join(d, 'known_hosts'), `[127.0.0.1]:${this.port} ${hostPub}\n`);
    fs.writeFileSync(path.join(d, 'known_hosts_empty'), '');
    fs.writeFileSync(path.join(d, 'known_hosts_wrong'), `[127.0.0.1]:${this.port} ${wrongPub}\n`);
    this.writeConfig('good');
    this.setMode('normal');
    this.setFail([]);
  }

  get pid(): number { return this.proc?.pid ?? -1; }
  get configFile(): string { return path.join(this.dir, 'ssh_config'); }

  /** A client config with n aliases (h1 ... hn) for this host; returns its path and the aliases. */
  writeAliases(n: number): { file: string; aliases: string[] } {
    const file = path.join(this.dir, `ssh_config_${n}`);
    const aliases = Array.from({ length: n }, (_, i) => `h${i + 1}`);
    fs.writeFileSync(file, aliases.map((a) => [`Host ${a}`, '  HostName 127.0.0.1', `  Port ${this.port}`, '  User root',
      `  IdentityFile ${this.dir}/key`, '  IdentitiesOnly yes', `  UserKnownHostsFile ${this.dir}/known_hosts`,
      '  GlobalKnownHostsFile /dev/null', '  LogLevel ERROR', ''].join('\n')).join('\n'));
    return { file, aliases };
  }

  /** The client config: Host ioreq-test in the given variant (rewritten in place between snapshots). */
  writeConfig(v: Variant, logLevel = 'ERROR'): void {
    const d = this.dir;
    fs.writeFileSync(this.configFile, [
      `Host ${this.alias}`,
      '  HostName 127.0.0.1',
      `  Port ${v === 'closed-port' ? this.closedPort : this.port}`,
      '  User root',
      `  IdentityFile ${d}/${v === 'no-auth' ? 'other_key' : 'key'}`,
      '  IdentitiesOnly yes',
      `  UserKnownHostsFile ${d}/${v === 'unknown-key' ? 'known_hosts_empty' : v === 'changed-key' ? 'known_hosts_wrong' : 'known_hosts'}`,
      '  GlobalKnownHostsFile /dev/null',
      `  LogLevel ${logLevel}`,
      '',
    ].join('\n'));
  }

  setMode(m: 'normal' | 'hang' | 'slow-dmesg' | 'stuck' | 'stuck-info' | 'nonroot'): void { fs.writeFileSync(path.join(this.state, 'mode'), `${m}\n`); }
  /** A stand-in's switch (state/NAME: d1name, d1state, ndomains); undefined removes it. */
  setSwitch(name: 'd1name' | 'd1state' | 'ndomains', value: string | undefined): void {
    if (value === undefined) fs.rmSync(path.join(this.state, name), { force: true });
    else fs.writeFileSync(path.join(this.state, name), `${value}\n`);
  }
  setFail(tools: string[]): void { fs.writeFileSync(path.join(this.state, 'fail'), tools.map((t) => `${t}\n`).join('')); }
  clearCalls(): void { fs.rmSync(path.join(this.state, 'calls.log'), { force: true }); }
  /** Recorded invocations, each an argv. */
  calls(): string[][] {
    const f = path.join(this.state, 'calls.log');
    if (!fs.existsSync(f)) return [];
    return fs.readFileSync(f, 'utf8').split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
  }

  /** The processes of this host's sessions still running: every process whose environment carries this host's
   *  IOREQ_FIXTURE_STATE (sshd's SetEnv puts it in each session, and children inherit it), wherever it was
   *  reparented to. */
  hostProcesses(): number[] {
    return processesWithEnv(`IOREQ_FIXTURE_STATE=${this.state}`);
  }

  /** Polls until no session process remains or ms pass; the pids left. */
  async waitNoHostProcesses(ms: number): Promise<number[]> {
    const t0 = Date.now();
    for (;;) {
      const left = this.hostProcesses();
      if (left.length === 0 || Date.now() - t0 > ms) return left;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Kills the sshd processes of the open connections only (not the session's shell and its children): the
   *  connection drops as it would when the network goes, and the helper is left to notice. */
  dropConnections(): number {
    const pids = descendants(this.pid).filter((p) => { try { return fs.readFileSync(`/proc/${p}/comm`, 'utf8').trim() === 'sshd'; } catch { return false; } });
    for (const p of pids) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    return pids.length;
  }

  /** Kills every session process under the listening sshd (the connections drop; sshd keeps listening). */
  killSessions(): number {
    const pids = descendants(this.pid);
    for (const p of pids) { try { process.kill(p, 'SIGKILL'); } catch { /* gone */ } }
    return pids.length;
  }

  async stop(): Promise<void> {
    this.killSessions();
    if (this.proc && this.proc.exitCode === null) {
      const done = new Promise((r) => this.proc!.once('exit', r));
      this.proc.kill('SIGTERM');
      await Promise.race([done, new Promise((r) => setTimeout(r, 3000))]);
      if (this.proc.exitCode === null) this.proc.kill('SIGKILL');
    }
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * Starts a TestSshd for the extension-host live test and puts its coordinates in `env` (IOREQ_E2E_SSH_CONFIG,
 * IOREQ_E2E_SSH_ALIAS); a failure to start goes in IOREQ_E2E_SSHD_ERROR, so the test fails with it (no skip).
 */
export async function startSshdForE2E(env: Record<string, string | undefined>): Promise<TestSshd | undefined> {
  try {
    const sshd = await TestSshd.start();
    env.IOREQ_E2E_SSH_CONFIG = sshd.configFile;
    env.IOREQ_E2E_SSH_ALIAS = sshd.alias;
    return sshd;
  } catch (e) {
    env.IOREQ_E2E_SSHD_ERROR = (e as Error).message;
    return undefined;
  }
}
