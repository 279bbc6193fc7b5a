// code-server (real VS Code 1.100.3 server + web workbench) and headless Debian chromium, as in
// shared/docs/vscode-harness.md. Everything binds to 127.0.0.1, lives in temp dirs, and is stopped again: code-server
// runs in its own process group (setsid) and is stopped by signalling the group, since killing the main process
// alone leaves its file watcher and extension hosts running; chromium is closed through playwright.
import { ChildProcess, execFile, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { BrowserContext, CDPSession, Page, loadPlaywright } from './playwright';
import { chromiumPath, harnessDir } from './paths';
import { freePort } from '../live/sshd';

export const CODE_SERVER_VERSION = '4.100.3';

const SETTINGS = {
  'security.workspace.trust.enabled': false,
  'workbench.startupEditor': 'none',
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  // Quieter workbench for screenshots: no tips, no chat panel, no restored editors.
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'chat.commandCenter.enabled': false,
  'window.restoreWindows': 'none',
  'workbench.editor.restoreViewState': false,
};

export interface CodeServer {
  port: number;
  /** 127.0.0.1:<port>, the authority of vscode-remote:// URIs for this server. */
  authority: string;
  baseUrl: string;
  /** The temp dir holding config, user data, extensions and the log. */
  dir: string;
  logFile: string;
  pid: number;
  /** The workbench URL for a folder, with an optional `payload` (the extension-development settings). */
  url(folder: string, payload?: [string, string][]): string;
  stop(): Promise<void>;
}

export function codeServerBin(): string {
  const bin = path.join(harnessDir(), 'node_modules', '.bin', 'code-server');
  if (!fs.existsSync(bin)) throw new Error(`code-server is not installed at ${bin}: run tools/e2e-setup.sh`);
  return bin;
}

export { freePort };

function run(file: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { env, timeout: timeoutMs, maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${path.basename(file)} ${args.join(' ')}: ${err.message}\n${stdout}${stderr}`));
      else resolve(stdout + stderr);
    });
  });
}

function healthy(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => { req.destroy(); resolve(false); });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Process groups still alive, killed on exit if a test run dies before stopping them.
const liveGroups = new Set<number>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pgid of liveGroups) {
      try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
    }
  });
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(sig, () => process.exit(128 + os.constants.signals[sig]));
  }
}

function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** SIGTERM the group, SIGKILL it after graceMs, and wait until no process of it is left. */
export async function killGroup(pgid: number, graceMs = 5000): Promise<void> {
  try { process.kill(-pgid, 'SIGTERM'); } catch { /* already gone */ }
  const deadline = Date.now() + graceMs;
  while (groupAlive(pgid) && Date.now() < deadline) await sleep(100);
  if (groupAlive(pgid)) {
    try { process.kill(-pgid, 'SIGKILL'); } catch { /* gone */ }
    const hard = Date.now() + 5000;
    while (groupAlive(pgid) && Date.now() < hard) await sleep(100);
  }
  liveGroups.delete(pgid);
}

export interface StartOptions {
  /** A VSIX to install into the temp extensions dir before the server starts. */
  vsix?: string;
  /** Extra user settings merged over the defaults. */
  settings?: Record<string, unknown>;
  /** Extra environment for the server (and so for its extension hosts). */
  env?: Record<string, string>;
  /** Keep the temp dir after stop (for its log). */
  keep?: boolean;
  /** Unpacked extension folders (each with its package.json) copied into the extensions dir as
   *  <publisher>.<name>-<version>, so the server scans them as installed extensions (no VSIX needed). */
  extensionFolders?: string[];
}

export async function startCodeServer(options: StartOptions = {}): Promise<CodeServer> {
  installExitHook();
  const bin = codeServerBin();
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'ioreq-cs-'));
  const config = path.join(dir, 'config.yaml');
  const userData = path.join(dir, 'user-data');
  const exts = path.join(dir, 'extensions');
  const logFile = path.join(dir, 'code-server.log');
  // --config keeps code-server from writing ~/.config/code-server/config.yaml.
  fs.writeFileSync(config, 'auth: none\n');
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  fs.mkdirSync(exts, { recursive: true });
  for (const folder of options.extensionFolders ?? []) {
    const m = JSON.parse(fs.readFileSync(path.join(folder, 'package.json'), 'utf8'));
    fs.cpSync(folder, path.join(exts, `${m.publisher}.${m.name}-${m.version}`), { recursive: true });
  }
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'),
    JSON.stringify({ ...SETTINGS, ...options.settings }, null, 2));
  const env: NodeJS.ProcessEnv = { ...process.env, ...options.env };
  // Headless: no X display for the server's extension hosts, even when the caller has one.
  delete env.DISPLAY;
  const common = ['--config', config, '--user-data-dir', userData, '--extensions-dir', exts];

  try {
    if (options.vsix) {
      await run(bin, [...common, '--install-extension', options.vsix, '--force'], env, 120000);
    }
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  const port = await freePort();
  const out = fs.openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(bin, [...common, '--bind-addr', `127.0.0.1:${port}`, '--auth', 'none', '--disable-telemetry',
      '--disable-update-check', '--disable-workspace-trust', '--disable-getting-started-override'],
    { env, detached: true, stdio: ['ignore', out, out] });
  } finally {
    fs.closeSync(out);
  }
  const pid = child.pid!;
  liveGroups.add(pid);
  let exited: string | undefined;
  child.on('exit', (code, signal) => { exited = `exited with ${signal ?? code}`; });

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await killGroup(pid);
    if (!options.keep) fs.rmSync(dir, { recursive: true, force: true });
  };

  const authority = `127.0.0.1:${port}`;
  const baseUrl = `http://${authority}`;
  const deadline = Date.now() + 60000;
  while (!(await healthy(port))) {
    if (exited || Date.now() > deadline) {
      const log = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
      await stop();
      throw new Error(`code-server did not answer /healthz on ${authority} (${exited ?? 'timed out after 60 s'}):\n${log}`);
    }
    await sleep(100);
  }
  return {
    port, authority, baseUrl, dir, logFile, pid, stop,
    url(folder: string, payload?: [string, string][]): string {
      let u = `${baseUrl}/?folder=${encodeURIComponent(folder)}`;
      if (payload) u += `&payload=${encodeURIComponent(JSON.stringify(payload))}`;
      return u;
    },
  };
}

/** The extension-development payload: load the extension from `extDir` and run `testsPath` in its host. */
export function testPayload(server: CodeServer, extDir: string, testsPath: string): [string, string][] {
  return [
    ['extensionDevelopmentPath', `vscode-remote://${server.authority}${extDir}`],
    ['extensionTestsPath', `vscode-remote://${server.authority}${testsPath}`],
  ];
}

export interface Chromium {
  context: BrowserContext;
  newPage(): Promise<Page>;
  /** A DevTools Protocol session on `page` (for a CPU profile of the workbench). */
  cdp(page: Page): Promise<CDPSession>;
  stop(): Promise<void>;
}

export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchChromium(viewport = { width: 1400, height: 900 }): Promise<Chromium> {
  const { chromium } = loadPlaywright();
  const exe = chromiumPath();
  if (!fs.existsSync(exe)) throw new Error(`no chromium at ${exe}: run tools/e2e-setup.sh`);
  const userDataDir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'ioreq-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: exe, args: CHROMIUM_ARGS, headless: true, viewport, timeout: 60000,
    });
  } catch (e) {
    fs.rmSync(userDataDir, { recursive: true, force: true });
    throw e;
  }
  let stopped = false;
  return {
    context,
    newPage: () => context.newPage(),
    cdp: (page) => context.newCDPSession(page),
    async stop() {
      if (stopped) return;
      stopped = true;
      try { await context.close(); } finally { fs.rmSync(userDataDir, { recursive: true, force: true }); }
    },
  };
}
