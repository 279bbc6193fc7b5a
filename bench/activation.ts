// Activation time in real VS Code: runs the extension-host part of the e2e harness once (test/e2e/run.ts, only the
// activation suite, an empty workspace so nothing activates the extension before the test times it) and returns what
// exthost/activation.test.ts measured: our activate() from not-yet-active, beside the activate() of a do-nothing
// extension activated right after it in the same extension host (the floor; a second one activated just before ours is
// firstFloorMs), and getExtension() / commands.getCommands() for scale.
// Needs the harness (tools/e2e-setup.sh) and dist/extension.js (tools/build.js); without them the figures say why.
import { spawn } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** out/test/e2e/run.js beside this file's out/bench (bundled into out/bench/index.js or one-to-one). */
function runJs(): string {
  const tries = [path.join(__dirname, '..', 'test', 'e2e', 'run.js'), path.join(__dirname, '..', '..', 'out', 'test', 'e2e', 'run.js')];
  return tries.find((p) => fs.existsSync(p)) ?? tries[0];
}

export async function activationFigures(): Promise<Record<string, unknown>> {
  const run = runJs();
  if (!fs.existsSync(run)) return { skipped: `no ${run}: run tools/build.js` };
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'iqs-bench-act-'));
  const file = path.join(tmp, 'activation.json');
  const t0 = Date.now();
  try {
    const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
      const child = spawn(process.execPath, [run], {
        env: { ...process.env, IOREQ_E2E_ONLY: 'exthost', IOREQ_E2E_GREP: 'activation', IOREQ_E2E_WORKSPACE: 'empty', IOREQ_E2E_ACTIVATION_FILE: file },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      child.stderr.on('data', (d) => { out += d; });
      child.on('error', (e) => resolve({ code: -1, output: `${out}\n${e.message}` }));
      child.on('close', (c) => resolve({ code: c, output: out }));
    });
    const harnessSeconds = Math.round((Date.now() - t0) / 100) / 10;
    if (!fs.existsSync(file)) {
      return { skipped: `the e2e harness wrote no activation figures (exit ${code})`, output: output.trim().split('\n').slice(-8).join('\n') };
    }
    const f = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    const act = f.activationMs as number | null;
    const floor = f.floorActivateEmptyExtensionMs as number | null;
    return {
      activationMs: act,
      ...(floor !== null && floor !== undefined ? { floorActivateEmptyExtensionMs: floor } : {}),
      ...(typeof f.firstFloorMs === 'number' ? { firstFloorMs: f.firstFloorMs } : {}),
      ...(typeof act === 'number' && typeof floor === 'number' && floor > 0 ? { overFloor: Math.round((act / floor) * 10) / 10 } : {}),
      getExtensionMs: f.getExtensionMs,
      getCommandsMs: f.getCommandsMs,
      alreadyActive: f.alreadyActive,
      vscode: f.vscode,
      harnessSeconds,
      ...(code !== 0 ? { harnessExit: code } : {}),
      note: 'one run in code-server\'s extension host (empty workspace); floorActivateEmptyExtensionMs: a do-nothing extension activated right after ours in the same host; firstFloorMs: another one activated just before ours (pays the host\'s first-activation costs)',
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
