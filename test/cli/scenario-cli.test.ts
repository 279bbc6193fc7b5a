// The scenario commands of the `ioreq-scope` command line: run (trace, --json lines, exit 1 with a located FAIL for a
// failed expectation, exit 2 with one stderr line for bad input), state FILE --at N --json, explore --json.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { main } from '../../src/cli/main';

const SCENARIOS = path.join(__dirname, '../../..', 'scenarios');
const S02 = path.join(SCENARIOS, '02-create-on-get-ioreq-pfn.ioreq.json');
const S06 = path.join(SCENARIOS, '06-two-vcpus-on-demand.ioreq.json');

function cli(...argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = main(argv, { out: (s) => out.push(s), err: (s) => err.push(s) });
  return { code, out, text: out.join('\n'), err };
}

/** 1-based line and column of the first occurrence of `needle` in `text`. */
function lineCol(text: string, needle: string): { line: number; column: number } {
  const i = text.indexOf(needle);
  assert.ok(i >= 0, `'${needle}' in the scenario`);
  const before = text.slice(0, i).split('\n');
  return { line: before.length, column: before[before.length - 1].length + 1 };
}

let tmp: string;
before(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'ioreq-scenario-cli-'));
});
after(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('cli: run', function () {
  this.timeout(10000);

  it('run 02: exit 0, a trace with hvm_create_ioreq_server, every expectation holds', () => {
    const r = cli('run', S02);
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.deepEqual(r.err, []);
    assert.ok(r.text.includes('hvm_create_ioreq_server'), 'the trace names hvm_create_ioreq_server');
    assert.match(r.text, /^#2 qemu hvmop_get_param param=IOREQ_PFN -> rc 0, value 0xfeff9$/m);
    assert.match(r.text, /\(XEN\) hvm_create_ioreq_server: 1/);
    assert.doesNotMatch(r.text, /FAIL/);
    assert.match(r.out[r.out.length - 1], /: (\d+)\/\1 expectations hold$/);
  });

  it('run 02 --json: one JSON object per line, steps in order, ending with the result', () => {
    const r = cli('run', S02, '--json');
    assert.equal(r.code, 0, r.err.join('\n'));
    assert.ok(r.out.length > 5);
    const docs = r.text.split('\n').map((l, i) => {
      let d: unknown;
      assert.doesNotThrow(() => { d = JSON.parse(l); }, `line ${i + 1} is JSON: ${l}`);
      assert.ok(d !== null && typeof d === 'object' && !Array.isArray(d), `line ${i + 1} is an object: ${l}`);
      return d as Record<string, unknown>;
    });
    const steps = docs.filter((d) => 'step' in d);
    assert.deepEqual(steps.map((d) => d.step), [0, 1, 2, 3, 4]);
    const { line } = lineCol(fs.readFileSync(S02, 'utf8'), '{ "actor": "qemu", "op": "hvmop_get_param"');
    assert.deepEqual(steps[2], { step: 2, actor: 'qemu', op: 'hvmop_get_param', rc: 0, value: '0xfeff9', line });
    assert.ok(docs.some((d) => (d.event as { fn?: string } | undefined)?.fn === 'hvm_create_ioreq_server'));
    assert.ok(docs.filter((d) => 'verdict' in d).every((d) => d.verdict === 'pass'));
    assert.deepEqual(docs[docs.length - 1], { result: 'pass', expectations: 14, failed: 0 });
  });

  it('a wrong expected value: exit 1 and a FAIL line naming file:line:col of the expectation', () => {
    const text = fs.readFileSync(S02, 'utf8');
    const needle = '{ "path": "domains.1.ioreqServer.domid", "equals": 0 }';
    const { line, column } = lineCol(text, needle);
    const file = path.join(tmp, 'wrong-domid.ioreq.json');
    fs.writeFileSync(file, text.replace(needle, '{ "path": "domains.1.ioreqServer.domid", "equals": 7 }'));
    const r = cli('run', file);
    assert.equal(r.code, 1);
    assert.deepEqual(r.err, []);
    const fails = r.out.filter((l) => /\bFAIL\b/.test(l));
    assert.equal(fails.length, 1, r.text);
    assert.ok(fails[0].includes(`${file}:${line}:${column}`), `${fails[0]} names ${file}:${line}:${column}`);
    assert.match(fails[0], /domains\.1\.ioreqServer\.domid/);
    assert.match(r.out[r.out.length - 1], /: 13\/14 expectations hold$/);
  });

  it('a wrong expected return value: exit 1 and a FAIL line at the step', () => {
    const text = fs.readFileSync(S02, 'utf8');
    const stepStart = '{ "actor": "qemu", "op": "hvmop_get_param", "param": "IOREQ_PFN", "expect": { "rc": 0, "value": "0xfeff9" } }';
    const { line, column } = lineCol(text, stepStart);
    const file = path.join(tmp, 'wrong-value.ioreq.json');
    fs.writeFileSync(file, text.replace(stepStart, stepStart.replace('0xfeff9', '0xfeff0')));
    const r = cli('run', file, '--json');
    assert.equal(r.code, 1);
    const failed = r.out.map((l) => JSON.parse(l)).filter((d) => d.verdict === 'fail');
    assert.equal(failed.length, 1, r.text);
    assert.equal(failed[0].at, `${file}:${line}:${column}`);
    assert.deepEqual(JSON.parse(r.out[r.out.length - 1]), { result: 'fail', expectations: 14, failed: 1 });
  });

  it('a malformed file: exit 2 and exactly one stderr line, starting with the file path and its line:col', () => {
    const file = path.join(tmp, 'malformed.ioreq.json');
    fs.writeFileSync(file, '{\n  "profile": "seed",\n  "steps": [\n    { "actor": "toolstack" "op": "xc_hvm_build", "domid": 1 }\n  ]\n}\n');
    const r = cli('run', file);
    assert.equal(r.code, 2);
    assert.deepEqual(r.out, []);
    assert.equal(r.err.length, 1);
    assert.ok(!r.err[0].includes('\n'), 'one line');
    assert.ok(r.err[0].startsWith(`${file}:4:28: `), r.err[0]);
    assert.match(r.err[0], /CommaExpected/);
  });

  it('a file that is JSON but not a scenario (an unknown op): exit 2, one stderr line with file:line:col', () => {
    const file = path.join(tmp, 'unknown-op.ioreq.json');
    fs.writeFileSync(file, '{ "profile": "seed",\n  "steps": [{ "actor": "toolstack", "op": "reboot" }] }');
    const r = cli('run', file);
    assert.equal(r.code, 2);
    assert.deepEqual(r.err.length, 1);
    assert.ok(r.err[0].startsWith(`${file}:2:37: `), r.err[0]);
  });

  it('a step that cannot run: exit 2, one stderr line at the step', () => {
    const file = path.join(tmp, 'paused.ioreq.json');
    fs.writeFileSync(file, '{ "profile": "seed", "steps": [\n  { "actor": "toolstack", "op": "xc_domain_create", "domid": 1, "vcpus": 1 },\n  { "actor": "d1v0", "op": "hvm_do_resume" }\n] }');
    const r = cli('run', file);
    assert.equal(r.code, 2);
    assert.equal(r.err.length, 1);
    assert.ok(r.err[0].startsWith(`${file}:3:3: step 1 (d1v0 hvm_do_resume) cannot run: d1 is paused`), r.err[0]);
  });

  it('a missing file: exit 2, one stderr line naming it', () => {
    const file = path.join(tmp, 'does-not-exist.ioreq.json');
    const r = cli('run', file);
    assert.equal(r.code, 2);
    assert.deepEqual(r.out, []);
    assert.equal(r.err.length, 1);
    assert.ok(r.err[0].includes(file), r.err[0]);
    assert.match(r.err[0], /ENOENT/);
  });

  it('run without a FILE, or with an unknown option: exit 2', () => {
    assert.equal(cli('run').code, 2);
    const r = cli('run', S02, '--jsn');
    assert.equal(r.code, 2);
    assert.equal(r.err.length, 1);
  });
});

describe('cli: state FILE --at N --json', function () {
  this.timeout(10000);

  const state = (...extra: string[]) => {
    const r = cli('state', S02, ...extra, '--json');
    assert.equal(r.code, 0, r.err.join('\n'));
    return JSON.parse(r.text) as { domains: Record<string, { ioreqServer: { domid: number } | null; pauseCount: number }> };
  };

  it('after 2 steps of 02 d1 is built with no ioreq server; after 3 the get of IOREQ_PFN has created it for d0', () => {
    const at2 = state('--at', '2');
    assert.ok(at2.domains['1'], 'd1 exists after 2 steps');
    assert.equal(at2.domains['1'].ioreqServer, null);
    const at3 = state('--at', '3');
    assert.equal(at3.domains['1'].ioreqServer?.domid, 0);
    assert.equal((at3.domains['1'].ioreqServer as unknown as { ioreqPfn: string }).ioreqPfn, '0xfeff9');
  });

  it('--at 0 is the booted host (no d1); no --at is after every step (d1 unpaused)', () => {
    assert.equal(state('--at', '0').domains['1'], undefined);
    const all = state();
    assert.equal(all.domains['1'].pauseCount, 0);
    assert.deepEqual(state('--at', '5'), all);
  });

  it('--at out of range (6 of 5 steps, -1, not a number): exit 2 with one stderr line', () => {
    for (const at of ['6', '-1', 'two', '2.5']) {
      const r = cli('state', S02, '--at', at, '--json');
      assert.equal(r.code, 2, `--at ${at}`);
      assert.deepEqual(r.out, []);
      assert.equal(r.err.length, 1);
      assert.match(r.err[0], /'--at' must be a step count from 0 to 5/);
    }
  });
});

describe('cli: explore', function () {
  this.timeout(20000);

  it('explore 06 --json: exit 0, states explored, complete, no violations', () => {
    const r = cli('explore', S06, '--json');
    assert.equal(r.code, 0, r.err.join('\n'));
    const rep = JSON.parse(r.text);
    assert.ok(rep.statesExplored > 0);
    assert.equal(rep.complete, true);
    assert.deepEqual(rep.violations, []);
    assert.equal(rep.scenario, S06);
  });

  it('--max-states 0 (and a non-number): exit 2 with one stderr line', () => {
    for (const n of ['0', '-3', 'many']) {
      const r = cli('explore', S06, '--max-states', n, '--json');
      assert.equal(r.code, 2, `--max-states ${n}`);
      assert.deepEqual(r.out, []);
      assert.equal(r.err.length, 1);
      assert.match(r.err[0], /'--max-states' must be a positive integer/);
    }
  });
});

describe('cli: explore says where each counterexample step went in the model\'s code', () => {
  const S29 = path.join(SCENARIOS, '29-x421-hazard-enable-before-map.ioreq.json');
  it('--json: each violation carries the last statement of each step, as a listing line', () => {
    const r = cli('explore', S29, '--json');
    assert.equal(r.code, 1);
    const doc = JSON.parse(r.text) as { violations: Array<{ kind: string; trail: number[]; places: Array<{ step: number; fn: string; stack: string[]; where: string | null }> }> };
    const panic = doc.violations.find((v) => v.kind === 'panic')!;
    assert.deepEqual(panic.places.map((p) => p.step), panic.trail);
    const write = panic.places[panic.places.length - 1];
    assert.equal(write.fn, 'ioreq_send');
    assert.deepEqual(write.stack.slice(-2), ['handle_pio', 'hvmemul_do_io']);
    assert.match(write.where!, /^4\.21\/common\/ioreq\.c:\d+$/);
  });
  it("--max-seconds must be a positive number", () => {
    const r = cli('explore', S29, '--max-seconds', '0');
    assert.equal(r.code, 2);
  });
});

describe('cli: explore says what stopped an incomplete search', function () {
  this.timeout(120000);
  const BIG = path.join(__dirname, '../../..', 'bench', 'explore-independent-guests.ioreq.json');
  it('--max-states and --max-seconds each name themselves', () => {
    const byStates = cli('explore', BIG, '--no-reduce', '--max-states', '50');
    assert.match(byStates.text, /stopped by --max-states, not complete/);
    const bySeconds = cli('explore', BIG, '--no-reduce', '--max-seconds', '0.05', '--json');
    const doc = JSON.parse(bySeconds.text) as { complete: boolean; stoppedBy: string };
    assert.deepEqual([doc.complete, doc.stoppedBy], [false, 'max-seconds']);
  });
});

describe('cli: explore --no-reduce and --progress', function () {
  this.timeout(120000);
  const BIG = path.join(__dirname, '../../..', 'bench', 'explore-independent-guests.ioreq.json');
  it('--no-reduce searches every interleaving and says so; --progress puts states, rate, frontier and heap on stderr', () => {
    const full = JSON.parse(cli('explore', BIG, '--no-reduce', '--json').text) as { statesExplored: number; reduction: { on: boolean; why: string } };
    const red = JSON.parse(cli('explore', BIG, '--json').text) as { statesExplored: number; reduction: { on: boolean } };
    assert.deepEqual([full.reduction.on, full.reduction.why, red.reduction.on], [false, '--no-reduce', true]);
    assert.ok(red.statesExplored < full.statesExplored, `${red.statesExplored} reduced, ${full.statesExplored} full`);
    const r = cli('explore', BIG, '--no-reduce', '--progress', '--max-seconds', '2');
    assert.ok(r.err.some((l) => /^explore: [\d,]+ states \([\d,]+\/s\), frontier [\d,]+, depth \d+, heap \d+ MiB/.test(l)), r.err.join('\n'));
  });
});
