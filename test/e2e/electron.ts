// The extension-host suite (test/e2e/exthost) in desktop VS Code through @vscode/test-electron, for contributors whose
// machines can download VS Code (CI and the offline dev machines use code-server instead: test/e2e/run.ts).
//   node out/test/e2e/electron.js            (after tools/build.js and the extension build)
// Environment: VSCODE_VERSION (default "stable"; e.g. "1.100.3" to match code-server), IOREQ_E2E_GREP.
// Uses the devDependency @vscode/test-electron (2.5.x on node 20; 3.x declares node >= 22).
import * as fs from 'fs';
import * as path from 'path';
import { runTests } from '@vscode/test-electron';
import { removeWorkspace, repoRoot, scenarioWorkspace } from './paths';
import { startSshdForE2E } from '../live/sshd';

async function main(): Promise<number> {
  const extensionTestsPath = path.join(__dirname, 'exthost', 'index.js');
  if (!fs.existsSync(extensionTestsPath)) throw new Error(`no ${extensionTestsPath}: run tools/build.js`);
  const folder = scenarioWorkspace('ioreq-e2e-electron-');
  // The live host for live.test.ts, as in run.ts.
  const env: Record<string, string | undefined> = { IOREQ_E2E_GREP: process.env.IOREQ_E2E_GREP };
  const sshd = await startSshdForE2E(env);
  try {
    return await runTests({
      version: process.env.VSCODE_VERSION || 'stable',
      extensionDevelopmentPath: repoRoot(),
      extensionTestsPath,
      // Only our extension, a fresh profile, no trust prompt; the folder is a temp copy of scenarios/.
      launchArgs: [folder, '--disable-extensions', '--disable-workspace-trust', '--skip-welcome', '--skip-release-notes'],
      extensionTestsEnv: env,
    });
  } finally {
    removeWorkspace(folder);
    await sshd?.stop();
  }
}

main().then((code) => process.exit(code), (e) => {
  console.error(`electron e2e: ${(e as Error).message ?? e}`);
  process.exit(1);
});
