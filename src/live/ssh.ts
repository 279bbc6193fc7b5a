// The ssh runner: the system OpenSSH client with the user's host alias (so ~/.ssh/config, ProxyJump, the agent and
// known_hosts all apply), spawned with an argv array, never through a local shell. Background-safe: BatchMode,
// ConnectTimeout, a hard time limit, cancellation, an output cap, and host-key checking that is never weakened.
import { spawn, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { LiveError, type LiveErrorKind } from './errors';
import { shJoin } from './quote';

/** VS Code's CancellationToken has this shape; declared here so the live layer never imports vscode. */
export interface CancelTokenLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}


/** `-o` options a caller may add. Anything that runs commands (ProxyCommand, LocalCommand, ...), forwards ports,
 *  or weakens host-key checking (StrictHostKeyChecking, UserKnownHostsFile, ...) is not on the list. */
export const ALLOWED_OPTIONS: ReadonlySet<string> = new Set([
  'AddressFamily', 'Compression', 'ConnectionAttempts', 'IdentitiesOnly', 'IdentityFile', 'LogLevel', 'Port',
  'PreferredAuthentications', 'ProxyJump', 'ServerAliveCountMax', 'ServerAliveInterval', 'User',
]);

export interface SshOptions {
  /** The ssh binary (default: `ssh` on PATH). */
  sshPath?: string;
  /** An ssh config file (`-F`); default: the user's ~/.ssh/config. */
  configFile?: string;
  /** ConnectTimeout in seconds (default 10). */
  connectTimeoutSec?: number;
  /** Hard limit for one run in milliseconds; the process is killed beyond it (default 30,000). */
  timeLimitMs?: number;
  /** Standard output cap in bytes; the process is killed beyond it (default 64 MiB). */
  maxOutputBytes?: number;
  /** ControlMaster/ControlPersist connection reuse (default on; always off on Windows). */
  reuseConnections?: boolean;
  /** ControlPersist in seconds (default 60). */
  controlPersistSec?: number;
  /** Extra `-o Name=value` options, names from ALLOWED_OPTIONS only. */
  extraOptions?: Readonly<Record<string, string>>;
  /** Receives each command line (shell-quoted for copy-paste) and notes. */
  logger?: (line: string) => void;
  /** Environment for ssh (default: process.env). */
  env?: NodeJS.ProcessEnv;
}

export interface SshResult {
  stdout: Buffer;
  stderr: string;
  code: number;
  durationMs: number;
  commandLine: string;
}

const STDERR_KEEP = 64 * 1024;

/** Refuses host strings ssh could read as options or that hold whitespace or control characters. */
export function checkHost(host: string): void {
  if (typeof host !== 'string' || host.length === 0) throw new LiveError('bad-host', 'the host alias is empty');
  if (host.length > 255) throw new LiveError('bad-host', 'the host alias is longer than 255 characters');
  if (host.startsWith('-')) throw new LiveError('bad-host', `the host alias ${JSON.stringify(host)} starts with '-' (ssh would read it as an option)`);
  // eslint-disable-next-line no-control-regex
  if (/[\s\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(host)) throw new LiveError('bad-host', `the host alias ${JSON.stringify(host)} holds whitespace or control characters`);
}

function checkOptions(extra: Readonly<Record<string, string>>): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(extra)) {
    if (!ALLOWED_OPTIONS.has(k)) throw new LiveError('bad-option', `ssh option ${k} is not allowed (allowed: ${[...ALLOWED_OPTIONS].join(', ')})`);
    // eslint-disable-next-line no-control-regex
    if (typeof v !== 'string' || v.length === 0 || v.length > 1024 || /[\u0000-\u001f\u007f]/.test(v)) throw new LiveError('bad-option', `ssh option ${k} has a bad value`);
    if (k === 'ProxyJump' && /(^|,)-/.test(v)) throw new LiveError('bad-option', 'ProxyJump hosts must not start with \'-\'');
    out.push('-o', `${k}=${v}`);
  }
  return out;
}

/** Whether `<base>/iqs-XXXXXX/%C` leaves room in sun_path for the socket ssh binds (see controlPath). */
export function controlPathFits(base: string): boolean {
  return Buffer.byteLength(path.join(base, 'iqs-XXXXXX', 'x'.repeat(40))) + 17 < 104;
}

/** One connection target: builds argv, runs commands, classifies failures, owns the ControlPath directory. */
export class SshRunner {
  private controlDir: string | undefined;
  private readonly opts: Required<Omit<SshOptions, 'configFile' | 'logger' | 'env' | 'extraOptions'>> & SshOptions;
  private readonly extra: string[];
  private disposed = false;
  private noControlPath = false;

  constructor(public readonly host: string, options: SshOptions = {}) {
    checkHost(host);
    this.extra = checkOptions(options.extraOptions ?? {});
    this.opts = {
      sshPath: 'ssh', connectTimeoutSec: 10, timeLimitMs: 30_000, maxOutputBytes: 64 * 1024 * 1024,
      reuseConnections: process.platform !== 'win32', controlPersistSec: 60, ...options,
    };
    if (process.platform === 'win32') this.opts.reuseConnections = false;
  }

  private log(line: string): void {
    try { this.opts.logger?.(line); } catch { /* a logger's failure is not ours */ }
  }

  private controlPath(): string | undefined {
    if (!this.opts.reuseConnections || this.noControlPath) return undefined;
    if (!this.controlDir) {
      // mkdtemp creates the directory 0700; %C is a hash of host, port and user (40 hex digits). A socket path
      // must fit sun_path (108 bytes on Linux, 104 on the BSDs) with the 17 characters ssh adds to it while it
      // binds (mux.c muxserver_listen: "%s.XXXXXXXXXXXXXXXX"): a long TMPDIR falls back to a private directory
      // in /tmp, and without one that fits there is no multiplexing (each snapshot makes its own connection).
      for (const base of [os.tmpdir(), '/tmp']) {
        if (controlPathFits(base)) {
          try {
            this.controlDir = fs.mkdtempSync(path.join(base, 'iqs-'));
            fs.chmodSync(this.controlDir, 0o700);
            if (base !== os.tmpdir()) this.log(`  (TMPDIR is too long for an ssh ControlPath; using ${this.controlDir})`);
            break;
          } catch { /* try the next */ }
        }
      }
      if (!this.controlDir) {
        this.noControlPath = true;
        this.log('  (no directory short enough for an ssh ControlPath: connections are not reused)');
        return undefined;
      }
    }
    return path.join(this.controlDir, '%C');
  }

  /** The ssh argv (without the binary) for a remote command. */
  argv(remote: readonly string[]): string[] {
    const a: string[] = [];
    a.push(...this.configArgs());
    a.push('-o', 'BatchMode=yes', '-o', `ConnectTimeout=${Math.max(1, Math.round(this.opts.connectTimeoutSec))}`,
      // Never weakened: with BatchMode 'ask' would fail anyway, and 'no'/'accept-new' from a config file lose here.
      '-o', 'StrictHostKeyChecking=yes');
    // ssh's own reason for a failure (a changed host key, a refused key) must reach the message whatever the
    // user's config says (LogLevel QUIET hides it). The first value given wins: a more verbose level asked for in
    // extraOptions goes first, anything quieter than ERROR never does.
    const lvl = this.opts.extraOptions?.LogLevel;
    if (lvl && /^(INFO|VERBOSE|DEBUG[123]?)$/i.test(lvl)) a.push('-o', `LogLevel=${lvl}`);
    a.push('-o', 'LogLevel=ERROR');
    const cp = this.controlPath();
    if (cp) a.push('-o', 'ControlMaster=auto', '-o', `ControlPersist=${Math.max(1, Math.round(this.opts.controlPersistSec))}`, '-o', `ControlPath=${cp}`);
    a.push(...this.extra, '-T', '--', this.host);
    // ssh sends the remote command as one string to the remote user's shell: quote every word.
    if (remote.length) a.push(shJoin(remote));
    return a;
  }

  /** Runs a remote command with stdin; resolves on exit status 0, rejects with a classified LiveError otherwise. */
  /** `-F <file>` when an ssh config file is set. */
  private configArgs(): string[] {
    return this.opts.configFile ? ['-F', this.opts.configFile] : [];
  }

  /** With holdStdin, stdin stays open after the input until ssh exits: the remote side sees EOF on its stdin when
   *  this end goes away (the helper ends itself on that EOF), not when the input is complete. */
  run(remote: readonly string[], stdin: string | Buffer, token?: CancelTokenLike, holdStdin = false): Promise<SshResult> {
    if (this.disposed) return Promise.reject(new LiveError('cancelled', 'the ssh runner was disposed'));
    if (token?.isCancellationRequested) return Promise.reject(new LiveError('cancelled', 'cancelled before start'));
    let args: string[];
    try { args = this.argv(remote); } catch (e) { return Promise.reject(e instanceof LiveError ? e : new LiveError('ssh-failed', String(e))); }
    const commandLine = shJoin([this.opts.sshPath, ...args]);
    this.log(`$ ${commandLine}`);
    const t0 = Date.now();
    return new Promise<SshResult>((resolve, reject) => {
      let child: ChildProcess;
      try {
        child = spawn(this.opts.sshPath, args, { stdio: ['pipe', 'pipe', 'pipe'], env: this.opts.env ?? process.env, windowsHide: true });
      } catch (e) {
        reject(new LiveError('ssh-missing', `cannot start ${this.opts.sshPath}: ${(e as Error).message}`));
        return;
      }
      const chunks: Buffer[] = [];
      let outBytes = 0;
      let stderr = '';
      let forced: LiveError | undefined;
      let settled = false;
      const kill = (why: LiveError) => {
        if (forced) return;
        forced = why;
        // Closing stdin first: the remote helper sees EOF and ends itself, whether or not the session's channel
        // is closed by the kill (a multiplexed client hands its descriptors to the master).
        child.stdin?.destroy();
        child.kill('SIGTERM');
        const k = setTimeout(() => child.kill('SIGKILL'), 1000);
        k.unref();
      };
      const timer = setTimeout(() => kill(new LiveError('timeout', `no complete answer from ${this.host} within ${this.opts.timeLimitMs} ms; the ssh process was killed`)), this.opts.timeLimitMs);
      const sub = token?.onCancellationRequested(() => kill(new LiveError('cancelled', 'cancelled')));
      const finish = (err: LiveError | undefined, code: number) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        child.stdin?.destroy();
        sub?.dispose();
        const durationMs = Date.now() - t0;
        if (err) { this.log(`  -> ${err.kind}: ${err.message.split('\n')[0]} (${durationMs} ms)`); reject(err); return; }
        this.log(`  -> exit ${code}, ${outBytes} bytes (${durationMs} ms)`);
        resolve({ stdout: Buffer.concat(chunks), stderr, code, durationMs, commandLine });
      };
      child.on('error', (e: NodeJS.ErrnoException) => {
        finish(new LiveError(e.code === 'ENOENT' ? 'ssh-missing' : 'ssh-failed', `cannot run ${this.opts.sshPath}: ${e.message}`), -1);
      });
      child.stdout!.on('data', (b: Buffer) => {
        if (forced) return;
        outBytes += b.length;
        if (outBytes > this.opts.maxOutputBytes) {
          kill(new LiveError('output-too-large', `${this.host} sent more than ${this.opts.maxOutputBytes} bytes; the ssh process was killed`));
          return;
        }
        chunks.push(b);
      });
      child.stderr!.on('data', (b: Buffer) => {
        stderr += b.toString('utf8');
        if (stderr.length > STDERR_KEEP) stderr = stderr.slice(-STDERR_KEEP);
      });
      child.stdin!.on('error', () => { /* EPIPE when the connection fails: classified from the exit */ });
      if (holdStdin) child.stdin!.write(stdin); else child.stdin!.end(stdin);
      // A killed mux client may have handed its stdio to the master, which keeps the pipes open until the remote
      // session ends: after a kill of ours, the exit is the end.
      child.on('exit', (code) => {
        child.stdin?.destroy();
        if (!forced) return;
        child.stdout!.destroy(); child.stderr!.destroy();
        finish(forced, code ?? -1);
      });
      child.on('close', (code, signal) => {
        if (forced) { finish(forced, code ?? -1); return; }
        if (code === 0) { finish(undefined, 0); return; }
        this.classify(code, signal, stderr, outBytes).then((e) => finish(e, code ?? -1), () => finish(new LiveError('ssh-failed', stderr.trim() || `ssh exited with ${code}`), code ?? -1));
      });
    });
  }

  /** Turns an exit status and stderr into a LiveError that says what happened and what to do. */
  private async classify(code: number | null, signal: NodeJS.Signals | null, stderr: string, outBytes: number): Promise<LiveError> {
    const s = stderr;
    const last = s.trim().split('\n').slice(-3).join('\n');
    const mk = (kind: LiveErrorKind, msg: string) => new LiveError(kind, msg, s.trim());
    if (/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key for .* has changed/i.test(s)) {
      const t = await this.resolved();
      return mk('changed-host-key', `the host key of ${this.host} has CHANGED since it was recorded in ${t.knownHosts}. This can mean someone is intercepting the connection, or the host was reinstalled. Verify the new key out of band (on the host: ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub), compare it with: ${shJoin(['ssh-keyscan', '-p', t.port, t.hostname])} | ssh-keygen -lf -  ; only if it matches, remove the old entry with: ${shJoin(['ssh-keygen', '-R', t.knownName, '-f', t.knownHosts])} and accept the new one by connecting once yourself: ${t.interactive}`);
    }
    if (/No [A-Z0-9-]+ host key is known for|Host key verification failed/i.test(s)) {
      const t = await this.resolved();
      return mk('unknown-host-key', `the host key of ${this.host} is not known (known_hosts: ${t.knownHosts}), and IOREQ Scope never accepts keys by itself. Check its fingerprint with: ${shJoin(['ssh-keyscan', '-p', t.port, t.hostname])} | ssh-keygen -lf -  ; compare it with the host's own (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub on the host), then accept it by connecting once yourself: ${t.interactive}`);
    }
    // sshd drops connections beyond MaxStartups (default 10:30:100) before the version exchange: nothing was sent,
    // ssh says the connection was closed or reset during kex_exchange_identification. Worth a retry.
    if (outBytes === 0 && /kex_exchange_identification|ssh_exchange_identification|Connection closed by .* port \d+\s*$/i.test(s) && !/Permission denied|host key/i.test(s))
      return mk('host-busy', `${this.host} is busy: its sshd dropped the connection before the handshake (MaxStartups reached: too many connections at once): ${last}`);
    if (/Connection refused/i.test(s)) return mk('connection-refused', `${this.host} refused the connection (is sshd running and is the port right?): ${last}`);
    if (/Could not resolve hostname|Name or service not known|nodename nor servname/i.test(s)) return mk('unresolved-host', `cannot resolve ${this.host}: ${last}`);
    if (/Permission denied|Too many authentication failures|no authentication methods/i.test(s)) return mk('auth-failed', `authentication to ${this.host} failed (BatchMode: no password prompts; load a key into your agent or set IdentityFile): ${last}`);
    if (/timed out|Connection timeout/i.test(s)) return mk('timeout', `connecting to ${this.host} timed out: ${last}`);
    if (code === 255 || signal) {
      if (outBytes > 0 || /closed by remote host|Connection reset|Broken pipe|Connection closed|read header failed|Connection to .* closed/i.test(s))
        return mk('dropped', `the connection to ${this.host} dropped mid-transfer (${outBytes} bytes received): ${last || (signal ? `ssh killed by ${signal}` : 'ssh exited with 255')}`);
      return mk('ssh-failed', `ssh to ${this.host} failed: ${last || 'exit status 255'}`);
    }
    return mk('helper-failed', `the helper on ${this.host} exited with status ${code}${last ? `: ${last}` : ''}`);
  }

  /** What `ssh -G` resolves the alias to (hostname, port, known_hosts), for the exact commands in key errors. */
  private async resolved(): Promise<{ hostname: string; port: string; knownHosts: string; knownName: string; interactive: string }> {
    const args = [...this.configArgs(), '-G', '--', this.host];
    const text = await new Promise<string>((resolve) => {
      let out = '';
      try {
        const c = spawn(this.opts.sshPath, args, { stdio: ['ignore', 'pipe', 'ignore'], env: this.opts.env ?? process.env });
        const t = setTimeout(() => c.kill('SIGKILL'), 5000);
        c.stdout!.on('data', (b: Buffer) => { if (out.length < 1e6) out += b.toString('utf8'); });
        c.on('error', () => { clearTimeout(t); resolve(''); });
        c.on('close', () => { clearTimeout(t); resolve(out); });
      } catch { resolve(''); }
    });
    const get = (k: string) => new RegExp(`^${k} (.*)$`, 'mi').exec(text)?.[1]?.trim();
    const hostname = get('hostname') ?? this.host;
    const port = get('port') ?? '22';
    const knownHosts = (get('userknownhostsfile') ?? '~/.ssh/known_hosts').split(/\s+/)[0];
    const knownName = port === '22' ? hostname : `[${hostname}]:${port}`;
    const interactive = shJoin(['ssh', ...this.configArgs(), this.host, 'true']);
    return { hostname, port, knownHosts, knownName, interactive };
  }

  /** Stops the shared master connection (ssh -O exit) and removes the ControlPath directory. */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const dir = this.controlDir;
    if (!dir) return;
    const sockets = fs.existsSync(dir) ? fs.readdirSync(dir) : [];
    if (sockets.length) {
      const args = [...this.configArgs(), '-o', `ControlPath=${path.join(dir, '%C')}`, '-O', 'exit', '--', this.host];
      this.log(`$ ${shJoin([this.opts.sshPath, ...args])}`);
      await new Promise<void>((resolve) => {
        try {
          const c = spawn(this.opts.sshPath, args, { stdio: 'ignore', env: this.opts.env ?? process.env });
          const t = setTimeout(() => c.kill('SIGKILL'), 3000);
          c.on('error', () => { clearTimeout(t); resolve(); });
          c.on('close', () => { clearTimeout(t); resolve(); });
        } catch { resolve(); }
      });
    }
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

