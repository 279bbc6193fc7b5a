// A long import's progress and its cancellation, as the extension runs it (src/trace/child.ts, the bundled command
// line in a child process): the command's progress lines, read back as increments that reach 100 %, and a
// cancellation that ends the child before it finishes.
import * as assert from 'assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lastProgress, progressLine, runTraceChild } from '../../src/trace/child';
import { writeXentraceFile } from '../../bench/trace';

const CLI = path.join(__dirname, '..', '..', '..', 'dist', 'cli.js');

describe('trace: progress and cancellation of a long import (child process)', function () {
  this.timeout(120_000);
  let dir: string, big: string, small: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioreq-progress-'));
    big = path.join(dir, 'big.bin');
    writeXentraceFile(big, 80 << 20);
    small = path.join(dir, 'small.bin');
    writeXentraceFile(small, 1 << 20);
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('reads the progress lines the command prints, the last of a chunk, whole lines only', () => {
    assert.deepStrictEqual(lastProgress(`${progressLine('a.bin', 20 << 20, 80 << 20)}\n${progressLine('a.bin', 40 << 20, 80 << 20)}\n`), { pct: 50, doneMiB: 40, totalMiB: 80 });
    assert.strictEqual(lastProgress('ioreq-scope: a.bin: truncated at 12\n'), null);
    // Sizes past 2 GiB stay right (no 32-bit shift).
    assert.match(progressLine('a.bin', 3 * 2 ** 30, 4 * 2 ** 30), /75% \(3072 of 4096 MiB\)$/);
  });

  it('a file over 64 MiB reports progress that rises to 100 % while the import runs', async () => {
    const seen: Array<[number, string]> = [];
    const r = await runTraceChild(CLI, [big], ['--json', '--summary'], { report: (inc, text) => seen.push([inc, text]) });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.ok(r.json && r.json.summary.rows.length > 0, 'the summary arrived');
    assert.ok(seen.length >= 3, `several progress reports (${seen.length})`);
    for (const [inc] of seen) assert.ok(inc > 0, 'each report moves forward');
    assert.strictEqual(seen.reduce((s, [inc]) => s + inc, 0), 100);
    assert.match(seen[seen.length - 1][1], /^80 of 80 MiB$/);
  });

  it('a small file reports none', async () => {
    const seen: number[] = [];
    const r = await runTraceChild(CLI, [small], ['--json', '--summary'], { report: (inc) => seen.push(inc) });
    assert.strictEqual(r.code, 0, r.stderr);
    assert.deepStrictEqual(seen, []);
  });

  it('cancelling at the first progress report ends the child before it finishes, with nothing half-read shown', async () => {
    let fire: (() => void) | undefined;
    let requested = false;
    const token = { get isCancellationRequested() { return requested; }, onCancellationRequested: (l: () => void) => { fire = l; return { dispose: () => { fire = undefined; } }; } };
    const seen: number[] = [];
    const r = await runTraceChild(CLI, [big], ['--json', '--summary'], {
      token, report: (inc) => { seen.push(inc); if (!requested) { requested = true; fire?.(); } },
    });
    assert.strictEqual(r.cancelled, true);
    assert.notStrictEqual(r.code, 0, 'the child did not run to its end');
    assert.strictEqual(r.json, null, 'no document from a cancelled import');
    assert.ok(seen.reduce((s, x) => s + x, 0) < 100, `progress stopped short of 100 % (${seen.join(', ')})`);
  });

  it('a token cancelled before the start ends the child at once', async () => {
    const token = { isCancellationRequested: true, onCancellationRequested: () => ({ dispose: () => undefined }) };
    const r = await runTraceChild(CLI, [big], ['--json', '--summary'], { token });
    assert.strictEqual(r.cancelled, true);
    assert.strictEqual(r.json, null);
  });
});
