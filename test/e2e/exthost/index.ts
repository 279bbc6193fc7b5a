// Entry point of the extension-host tests: VS Code loads this file as `extensionTestsPath` (through code-server's
// `payload` URL parameter, see test/e2e/run.ts, or through @vscode/test-electron, see test/e2e/electron.ts) and calls
// run(); its promise resolving means pass, rejecting means fail (window.codeAutomationExit(0 | 1) in the browser).
// The results go to the console as one `IOREQ-E2E-RESULT {json}` line (forwarded to the page by the workbench) and,
// when IOREQ_E2E_RESULTS names a file, into that file.
import * as fs from 'fs';
import * as path from 'path';
import * as util from 'util';
import Mocha from 'mocha';
import { SpecWithoutTotals, collect } from '../reporter';

import { LINE_MARK, RESULT_MARK } from '../reporter';
export { RESULT_MARK } from '../reporter';
/** Marks the reporter's lines in the page console, where the workbench's own logs arrive with the same prefix. */
export { LINE_MARK } from '../reporter';

export function run(): Promise<void> {
  // Only inside the extension host: fail fast and clearly anywhere else.
  require('vscode');
  // Mocha's reporters print through Base.consoleLog with printf-style arguments, which the page console shows
  // unformatted: format here, one console message per reporter call, each line marked.
  Mocha.reporters.Base.consoleLog = (...args: unknown[]) =>
    console.log(util.format(...args).split('\n').map((l) => LINE_MARK + l).join('\n'));
  const mocha = new Mocha({ ui: 'bdd', color: false, timeout: 30000, reporter: SpecWithoutTotals as unknown as string });
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith('.test.js')).sort();
  const grep = process.env.IOREQ_E2E_GREP;
  if (grep) mocha.grep(grep);
  for (const f of files) mocha.addFile(path.join(__dirname, f));
  return new Promise((resolve, reject) => {
    let runner: Mocha.Runner;
    try {
      runner = mocha.run((failures) => {
        const out = { ...result, files };
        console.log(RESULT_MARK + JSON.stringify(out));
        if (process.env.IOREQ_E2E_RESULTS) fs.writeFileSync(process.env.IOREQ_E2E_RESULTS, JSON.stringify(out));
        if (failures > 0) reject(new Error(`${failures} extension-host test(s) failed`));
        else resolve();
      });
    } catch (e) {
      reject(e);
      return;
    }
    const result = collect(runner);
  });
}
