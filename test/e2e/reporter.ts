// Mocha's spec reporter without its totals: test/e2e/run.ts prints one set of totals ("  N passing" / "  N failing")
// for the whole e2e run, the lines .ci/run adds up, so the parts must not print their own.
import Mocha from 'mocha';

export class SpecWithoutTotals extends Mocha.reporters.Spec {
  override epilogue(): void {
    const failures = (this as unknown as { failures: Mocha.Test[] }).failures;
    if (failures.length) {
      Mocha.reporters.Base.consoleLog();
      Mocha.reporters.Base.list(failures);
    }
  }
}

export interface SuiteResult {
  passes: number;
  failures: number;
  pending: number;
  failed: { title: string; error: string }[];
}

export function collect(runner: Mocha.Runner): SuiteResult {
  const result: SuiteResult = { passes: 0, failures: 0, pending: 0, failed: [] };
  runner.on('pass', () => { result.passes++; });
  runner.on('pending', () => { result.pending++; });
  runner.on('fail', (test, err) => {
    result.failures++;
    result.failed.push({ title: test.fullTitle(), error: String((err as Error)?.message ?? err) });
  });
  return result;
}

/** How the extension host marks its result line and its reporter's lines in the workbench console. */
export const RESULT_MARK = 'IOREQ-E2E-RESULT ';
export const LINE_MARK = '[ioreq-e2e] ';
