// Where things are, for the e2e harness (run from out/test/e2e/ or $IOREQ_OUT/test/e2e/ after tools/build.js).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The repository root: the nearest ancestor of this file holding package.json with name "ioreq-scope". */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'ioreq-scope') return dir;
      } catch { /* keep looking */ }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`no ioreq-scope package.json above ${__dirname}`);
    dir = up;
  }
}

export const harnessDir = (): string => process.env.IOREQ_HARNESS || path.join(repoRoot(), '.harness');
export const artifactsDir = (): string => path.join(repoRoot(), 'test-artifacts', 'e2e');
export const chromiumPath = (): string => process.env.IOREQ_CHROMIUM || '/usr/bin/chromium';

/** The VSIX `npm run package` writes: ioreq-scope-<version>.vsix at the repository root. */
export function vsixPath(): string {
  const root = repoRoot();
  const { name, version } = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
  return path.join(root, `${name}-${version}.vsix`);
}

/** A fresh copy of the bundled scenarios (<tmp>/scenarios, the folder to open), outside the repository and with no
 *  schema beside it, as a user's workspace is: the editor's validation comes from the extension's jsonValidation.
 *  Remove with removeWorkspace. */
export function scenarioWorkspace(prefix: string): string {
  const tmp = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), prefix));
  fs.cpSync(path.join(repoRoot(), 'scenarios'), path.join(tmp, 'scenarios'), { recursive: true });
  return path.join(tmp, 'scenarios');
}

export function removeWorkspace(folder: string): void {
  fs.rmSync(path.dirname(folder), { recursive: true, force: true });
}
