// `npm run test:e2e` (node out/test/e2e/run.js): the extension in real VS Code, headless and offline.
//  1. extension-host tests: code-server + chromium; the `payload` URL parameter loads the extension from the repository
//     (extensionDevelopmentPath) and runs out/test/e2e/exthost/index.js in its extension host; the workbench reports
//     the outcome through window.codeAutomationExit(code).
//  2. the UI test (ui.test.js): the packaged VSIX installed into code-server and driven as a user would.
// Builds nothing: expects tools/build.js's out/ tree, dist/ and the VSIX from `npm run package`, and the harness from
// tools/e2e-setup.sh. Prints one set of mocha-style totals ("  N passing", "  N failing") for .ci/run to add up.
// Options (environment): IOREQ_E2E_ONLY=exthost|ui, IOREQ_E2E_GREP (exthost tests), IOREQ_E2E_STAGES (UI stages by name,
// comma-separated: those and the stages they need run, the rest are pending), IOREQ_E2E_TIMEOUT (s, exthost run),
// IOREQ_E2E_WORKSPACE=empty (open an empty folder for the exthost part, so nothing activates the extension before the
// activation test times it), IOREQ_E2E_ACTIVATION_FILE (where the activation test writes its figures; default
// test-artifacts/e2e/activation.json).
// The exthost part also starts a real sshd (test/live/sshd.ts) for live.test.ts, before code-server, and hands its
// ssh config and alias to the extension host through the environment; and installs a do-nothing extension
// twice (ioreq-e2e.activation-floor-first, activated before ours, and ioreq-e2e.activation-floor, after) for the
// activation test's floor.
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import Mocha from 'mocha';
import { codeServerBin, launchChromium, startCodeServer, testPayload } from './codeserver';
import { artifactsDir, chromiumPath, removeWorkspace, repoRoot, scenarioWorkspace, vsixPath } from './paths';
import { SpecWithoutTotals, SuiteResult, collect } from './reporter';
import { startSshdForE2E } from '../live/sshd';
import { LINE_MARK, RESULT_MARK } from './reporter';


/** One part's results; `harnessError` when the part failed outside any test (did not start, timed out, …). */
interface Part extends SuiteResult { name: string; ms: number; harnessError?: string }

const failedPart = (name: string, ms: number, error: string): Part =>
  ({ name, ms, passes: 0, failures: 1, pending: 0, failed: [{ title: name, error }], harnessError: error });

function checkPrerequisites(needVsix: boolean): string | undefined {
  const vsix = vsixPath();
  if (needVsix && !fs.existsSync(vsix)) return `no VSIX at ${vsix}: run \`npm run package\` first`;
  try { codeServerBin(); } catch (e) { return (e as Error).message; }
  if (!fs.existsSync(chromiumPath())) return `no chromium at ${chromiumPath()}: run tools/e2e-setup.sh`;
  const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'package.json'), 'utf8'));
  const main = path.join(repoRoot(), pkg.main ?? 'dist/extension.js');
  if (!fs.existsSync(main)) return `no ${path.relative(repoRoot(), main)} (package.json "main"): build the extension first`;
  return undefined;
}


/** The reporter's lines from the extension host, unmarked; undefined for the workbench's own console output. */
function hostLines(text: string): string | undefined {
  const i = text.indexOf(LINE_MARK);
  if (i < 0) return undefined;
  return text.slice(i).split('\n').map((l) => (l.startsWith(LINE_MARK) ? l.slice(LINE_MARK.length) : l)).join('\n');
}

async function runExtensionHost(): Promise<Part> {
  const t0 = Date.now();
  const name = 'extension-host tests';
  const root = repoRoot();
  const index = path.join(__dirname, 'exthost', 'index.js');
  if (!fs.existsSync(index)) return failedPart(name, 0, `no ${index}: run tools/build.js`);
  const timeoutMs = Number(process.env.IOREQ_E2E_TIMEOUT || 240) * 1000;
  const resultsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ioreq-e2e-res-')), 'results.json');
  const emptyWorkspace = process.env.IOREQ_E2E_WORKSPACE === 'empty';
  const folder = emptyWorkspace ? emptyFolder() : scenarioWorkspace('ioreq-e2e-exthost-');
  const activationFile = process.env.IOREQ_E2E_ACTIVATION_FILE || path.join(artifactsDir(), 'activation.json');
  fs.rmSync(activationFile, { force: true });
  const env: Record<string, string> = { IOREQ_E2E_RESULTS: resultsFile, IOREQ_E2E_ACTIVATION_FILE: activationFile };
  if (emptyWorkspace) env.IOREQ_E2E_WORKSPACE = 'empty';
  if (process.env.IOREQ_E2E_GREP) env.IOREQ_E2E_GREP = process.env.IOREQ_E2E_GREP;
  // The live host for live.test.ts: started before code-server so the extension host inherits its coordinates; a
  // failure to start reaches the test as IOREQ_E2E_SSHD_ERROR (it fails there, it does not skip).
  const sshd = await startSshdForE2E(env);
  const floors = [floorExtension('activation-floor'), floorExtension('activation-floor-first')];
  let server: Awaited<ReturnType<typeof startCodeServer>>;
  try {
    server = await startCodeServer({ env, keep: true, extensionFolders: floors });
  } catch (e) {
    await sshd?.stop();
    for (const f of floors) fs.rmSync(f, { recursive: true, force: true });
    if (emptyWorkspace) fs.rmSync(folder, { recursive: true, force: true }); else removeWorkspace(folder);
    throw e;
  }
  const browser = await launchChromium().catch(async (e) => {
    await server.stop();
    await sshd?.stop();
    for (const f of floors) fs.rmSync(f, { recursive: true, force: true });
    if (emptyWorkspace) fs.rmSync(folder, { recursive: true, force: true }); else removeWorkspace(folder);
    throw e;
  });
  let consoleResult: SuiteResult | undefined;
  const log: string[] = [];
  try {
    const page = await browser.newPage();
    const exit = new Promise<number>((resolve) => {
      void page.exposeFunction('codeAutomationExit', (code: number) => { resolve(code); });
    });
    page.on('console', (m) => {
      const host = hostLines(m.text());
      const text = host ?? m.text();
      log.push(`[${m.type()}] ${text}`);
      const r = text.indexOf(RESULT_MARK);
      if (r >= 0) {
        try { consoleResult = JSON.parse(text.slice(r + RESULT_MARK.length)); } catch { /* keep the file's */ }
        return;
      }
      if (host !== undefined) process.stdout.write(`${text}\n`);
    });
    page.on('pageerror', (e) => log.push(`[pageerror] ${e.message}`));
    const url = server.url(folder, testPayload(server, root, index));
    await page.goto(url, { timeout: 60000 });
    let timer: NodeJS.Timeout | undefined;
    const code = await Promise.race([exit, new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), timeoutMs); })]);
    clearTimeout(timer);
    let result: SuiteResult | undefined;
    if (fs.existsSync(resultsFile)) result = JSON.parse(fs.readFileSync(resultsFile, 'utf8'));
    result ??= consoleResult;
    const ms = Date.now() - t0;
    if (code === 'timeout') {
      return failedPart(name, ms, `no window.codeAutomationExit within ${timeoutMs / 1000} s (see test-artifacts/e2e/exthost-*.log)`);
    }
    if (!result) {
      return failedPart(name, ms, `the extension host exited with ${code} before reporting results (see test-artifacts/e2e/exthost-*.log)`);
    }
    if (code !== 0 && result.failures === 0) {
      const error = `codeAutomationExit(${code}) with no failed test`;
      return { name, ms, ...result, failures: 1, failed: [{ title: name, error }], harnessError: error };
    }
    return { name, ms, ...result };
  } finally {
    await browser.stop().catch(() => undefined);
    await server.stop();
    fs.mkdirSync(artifactsDir(), { recursive: true });
    fs.writeFileSync(path.join(artifactsDir(), 'exthost-console.log'), log.join('\n') + '\n');
    if (fs.existsSync(server.logFile)) fs.copyFileSync(server.logFile, path.join(artifactsDir(), 'exthost-code-server.log'));
    copyExtHostLogs(server.dir);
    fs.rmSync(server.dir, { recursive: true, force: true });
    fs.rmSync(path.dirname(resultsFile), { recursive: true, force: true });
    if (emptyWorkspace) fs.rmSync(folder, { recursive: true, force: true }); else removeWorkspace(folder);
    await sshd?.stop();
    for (const f of floors) fs.rmSync(f, { recursive: true, force: true });
  }
}

function emptyFolder(): string {
  return fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'ioreq-e2e-empty-'));
}

/** A do-nothing extension ioreq-e2e.<name> (activate() returns {}), activated only on a command nobody runs: its
 *  activation time in the same extension host is the floor for ours. Returns the folder (remove it after the run). */
function floorExtension(name: string): string {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'ioreq-e2e-floor-'));
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({
    name, publisher: 'ioreq-e2e', version: '0.0.1', displayName: `ioreq e2e ${name}`,
    engines: { vscode: '^1.80.0' }, main: './extension.js', activationEvents: [`onCommand:ioreqE2e.${name}`],
  }, null, 2));
  fs.writeFileSync(path.join(dir, 'extension.js'), 'exports.activate = () => ({});\nexports.deactivate = () => undefined;\n');
  return dir;
}

/** The extension host's own log (remote side), kept next to the console log. */
function copyExtHostLogs(dir: string): void {
  const walk = (d: string): string[] => fs.existsSync(d) ? fs.readdirSync(d, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? walk(path.join(d, e.name)) : [path.join(d, e.name)]) : [];
  const logs = walk(path.join(dir, 'user-data', 'logs')).filter((f) => /remoteexthost\.log$|exthost\.log$/.test(f));
  if (logs.length) fs.copyFileSync(logs[logs.length - 1], path.join(artifactsDir(), 'exthost-remote.log'));
}

function runUi(): Promise<Part> {
  const t0 = Date.now();
  process.env.IOREQ_E2E_UI = '1';
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 90000, reporter: SpecWithoutTotals as unknown as string });
  mocha.addFile(path.join(__dirname, 'ui.test.js'));
  return new Promise((resolve) => {
    try {
      const runner = mocha.run(() => resolve({ name: 'UI test', ms: Date.now() - t0, ...result }));
      const result = collect(runner);
    } catch (e) {
      resolve(failedPart('UI test', Date.now() - t0, (e as Error).stack ?? String(e)));
    }
  });
}

function printFailed(part: Part): void {
  // Failures the reporters could not print themselves (the run did not start, timed out, …).
  if (part.harnessError) console.log(`  ${part.name} FAILED: ${part.harnessError}`);
}

async function main(): Promise<number> {
  const only = process.env.IOREQ_E2E_ONLY;
  const t0 = Date.now();
  const parts: Part[] = [];
  const problem = checkPrerequisites(only !== 'exthost');
  if (problem) {
    console.error(`test:e2e: ${problem}`);
    parts.push(failedPart('prerequisites', 0, problem));
  } else {
    if (!only || only === 'exthost') {
      console.log('\n  extension-host tests (code-server payload)');
      const p = await runExtensionHost().catch((e) => failedPart('extension-host tests', Date.now() - t0, (e as Error).stack ?? String(e)));
      printFailed(p);
      parts.push(p);
    }
    if (!only || only === 'ui') {
      console.log('\n  UI test (code-server + chromium)');
      const p = await runUi();
      printFailed(p);
      parts.push(p);
    }
  }
  const sum = (k: 'passes' | 'failures' | 'pending') => parts.reduce((s, p) => s + p[k], 0);
  console.log('');
  for (const p of parts) console.log(`  ${p.name}: ${p.passes} passed, ${p.failures} failed, ${p.pending} pending (${(p.ms / 1000).toFixed(1)} s)`);
  console.log(`\n  ${sum('passes')} passing (${Math.round((Date.now() - t0) / 1000)}s)`);
  if (sum('pending')) console.log(`  ${sum('pending')} pending`);
  console.log(`  ${sum('failures')} failing\n`);
  return sum('failures') > 0 || sum('passes') === 0 ? 1 : 0;
}

main().then((code) => process.exit(code), (e) => {
  console.error(e);
  console.log('  0 passing\n  1 failing');
  process.exit(1);
});
