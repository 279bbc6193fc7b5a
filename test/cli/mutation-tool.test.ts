// `npm run test:mutation` keeps the scores per file across runs (tools/mutation.js), and `npm run bench` reports them
// (bench/mutation.ts): a run of one line range must not wipe the rest of the file's results, a changed source must, and
// the equivalents listed in test/mutation/EQUIVALENT.md are counted per file.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { equivalentsNamed, isNamed, mutateSet, mutationFigures, scoreOf } from '../../bench/mutation';

const ROOT = path.join(__dirname, '../../..');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const tool = require(path.join(ROOT, 'tools', 'mutation.js')) as {
  parseTarget(a: string): { file: string; from: number | null; to: number | null };
  testSpecs(list: string): string[];
  mappedTests(targets: Array<{ file: string }>): string[] | null;
  foldReport(acc: unknown, fresh: unknown, targets: unknown[], stamp: { at: string; commit: string | null; tests?: string[] }): { files: Record<string, { mutants: M[]; complete: boolean; measured: { range: string | null } }> };
  summarise(acc: unknown): { files: Record<string, unknown> };
  mergeBrief(kept: unknown, summary: unknown, measured: string[]): { files: Record<string, { counts: Record<string, number> }> };
  withUnmutated(fresh: unknown, targets: unknown[]): { files: Record<string, { mutants: M[]; source: string }> };
};
interface M { location: { start: { line: number; column: number } }; mutatorName: string; replacement?: string; status: string }
const mutant = (line: number, status: string, mutatorName = 'ConditionalExpression'): M => ({ location: { start: { line, column: 5 } }, mutatorName, replacement: 'false', status });
const report = (source: string, mutants: M[]) => ({ files: { 'src/model/evtchn.ts': { language: 'typescript', source, mutants } } });
const stamp = { at: '2026-12-02T10:00:00Z', commit: 'abc1234' };

describe('npm run test:mutation: scores kept per file across runs', () => {
  it('names a target as a file with an optional line range, and refuses what is not a .ts file of the tree', () => {
    assert.deepEqual(tool.parseTarget('src/model/evtchn.ts:10-40'), { arg: 'src/model/evtchn.ts:10-40', file: 'src/model/evtchn.ts', from: 10, to: 40 });
    assert.equal(tool.parseTarget('src/model/evtchn.ts').from, null);
    assert.throws(() => tool.parseTarget('src/model/evtchn.js'), /expected a \.ts file/);
    assert.throws(() => tool.parseTarget('src/model/nope.ts'), /no such file/);
  });

  it('--tests names test sources or compiled globs, and refuses what is not a test of the tree; tests.json gives a file its own', () => {
    assert.deepEqual(tool.testSpecs('test/model/seed.test.ts, out/test/model/x4*.test.js'), ['out/test/model/seed.test.js', 'out/test/model/x4*.test.js']);
    assert.throws(() => tool.testSpecs('src/model/abi.ts'), /expected test\/…\/\*\.test\.ts/);
    assert.throws(() => tool.testSpecs('test/model/nope.test.ts'), /no such test file/);
    assert.throws(() => tool.testSpecs(' , '), /no test files named/);
    const map = JSON.parse(fs.readFileSync(path.join(ROOT, 'test', 'mutation', 'tests.json'), 'utf8')) as Record<string, string[]>;
    const abi = tool.mappedTests([{ file: 'src/model/abi.ts' }])!;
    assert.deepEqual(abi, map['src/model/abi.ts'].map((t) => t.replace(/^test\//, 'out/test/').replace(/\.ts$/, '.js')));
    assert.equal(tool.mappedTests([{ file: 'src/model/abi.ts' }, { file: 'src/model/demo.ts' }]), null, 'a file not listed: the whole suite');
  });

  it('a range run replaces only the mutants inside its lines when the source is unchanged', () => {
    const full = tool.foldReport(null, report('S', [mutant(5, 'Survived'), mutant(20, 'Survived'), mutant(30, 'Killed')]), [], stamp);
    assert.equal(full.files['src/model/evtchn.ts'].complete, true);
    const t = tool.parseTarget('src/model/evtchn.ts:15-25');
    const after = tool.foldReport(full, report('S', [mutant(20, 'Killed')]), [t], stamp).files['src/model/evtchn.ts'];
    assert.deepEqual(after.mutants.map((m) => `${m.location.start.line} ${m.status}`).sort(), ['20 Killed', '30 Killed', '5 Survived']);
    assert.equal(after.complete, true);
    assert.equal(after.measured.range, '15-25');
  });

  it('a range run on a changed source drops the old results and says the file is not completely measured', () => {
    const full = tool.foldReport(null, report('S', [mutant(5, 'Survived'), mutant(20, 'Survived')]), [], stamp);
    const after = tool.foldReport(full, report('S2', [mutant(20, 'Killed')]), [tool.parseTarget('src/model/evtchn.ts:15-25')], stamp).files['src/model/evtchn.ts'];
    assert.deepEqual(after.mutants.map((m) => m.location.start.line), [20]);
    assert.equal(after.complete, false);
  });

  it('the committed summary takes only the files the run measured: an older local result never overwrites a newer committed one', () => {
    const two = { files: {
      'src/model/evtchn.ts': { language: 'typescript', source: 'E', mutants: [mutant(1, 'Survived')] },
      'src/model/abi.ts': { language: 'typescript', source: 'A', mutants: [mutant(1, 'Survived')] },
    } };
    // This checkout's cumulative report: both files, abi.ts's result old (all survived).
    const acc = tool.foldReport(null, two, [], stamp);
    // The committed summary: abi.ts measured since elsewhere (all killed).
    const committed = { files: { 'src/model/abi.ts': { counts: { Killed: 1 } }, 'src/model/pages.ts': { counts: { Killed: 3 } } } };
    const out = tool.mergeBrief(committed, tool.summarise(acc), ['src/model/evtchn.ts']);
    assert.deepEqual(out.files['src/model/abi.ts'].counts, { Killed: 1 }, 'abi.ts not measured by this run: kept as committed');
    assert.deepEqual(out.files['src/model/pages.ts'].counts, { Killed: 3 });
    assert.deepEqual(out.files['src/model/evtchn.ts'].counts, { Survived: 1 }, 'the measured file replaced');
    assert.deepEqual(Object.keys(out.files), ['src/model/abi.ts', 'src/model/evtchn.ts', 'src/model/pages.ts'], 'sorted');
  });

  it('a whole-file target without mutants is recorded as measured with none; bench lists the mutate set\'s files never measured', () => {
    const fresh = report('S', [mutant(1, 'Killed')]);
    const out = tool.withUnmutated(fresh, [tool.parseTarget('src/model/evtchn.ts'), tool.parseTarget('src/model/panic.ts'), tool.parseTarget('src/model/abi.ts:1-5')]);
    assert.deepEqual(Object.keys(out.files).sort(), ['src/model/evtchn.ts', 'src/model/panic.ts'], 'a range target is not a whole file: left out');
    assert.deepEqual(out.files['src/model/panic.ts'].mutants, []);
    assert.match(out.files['src/model/panic.ts'].source, /class XenPanic/);
    assert.equal(out.files['src/model/evtchn.ts'].source, 'S', 'a file the report has is kept as it is');
    const set = mutateSet(ROOT);
    assert.ok(set.includes('src/debug/runtime.ts') && set.includes('src/model/xen/seed/hvm.ts') && set.includes('src/scenario/explore.ts'));
    assert.ok(!set.some((f) => /\.(flat|stepped|gen)\.ts$/.test(f) || f === 'src/model/demo.ts'), 'generated files and the demo are not mutated');
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ioreq-mut-'));
    try {
      for (const f of ['src/model/a.ts', 'src/model/a.flat.ts', 'src/model/b.ts', 'src/scenario/c.ts']) { fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true }); fs.writeFileSync(path.join(root, f), f); }
      fs.mkdirSync(path.join(root, 'test', 'mutation'), { recursive: true });
      const sum = tool.summarise(tool.foldReport(null, { files: { 'src/model/a.ts': { language: 'typescript', source: 'src/model/a.ts', mutants: [] } } }, [], stamp));
      fs.writeFileSync(path.join(root, 'test', 'mutation', 'scores.json'), JSON.stringify(sum));
      const f = mutationFigures(root) as { notMeasured: string[]; noMutants: string[]; belowTarget: string[] };
      assert.deepEqual(f.notMeasured, ['src/model/b.ts', 'src/scenario/c.ts']);
      assert.deepEqual(f.noMutants, ['src/model/a.ts']);
      assert.deepEqual(f.belowTarget, [], 'no mutants: no score, not below the target');
    } finally { fs.rmSync(root, { recursive: true, force: true }); }
  });

  it("bench's figures: StrykerJS's score, stale when the file changed since, equivalents counted from EQUIVALENT.md", () => {
    assert.deepEqual(scoreOf(['Killed', 'Timeout', 'Survived', 'NoCoverage', 'CompileError']), { score: 0.5, killed: 1, survived: 1, noCoverage: 1, timeout: 1, mutants: 5 });
    const eq = equivalentsNamed('# Equivalent mutants\n## src/model/evtchn.ts\n- 12:4 EqualityOperator a < b -> a <= b — b is never equal\n- 40:2 BlockStatement — a stop only, unlike 50:1\n'
      + '- 60:7 x2 ConditionalExpression, 61:3 StringLiteral — as 12:4\n- 70:10-70:30 (the filter\'s mutants) — never chosen\ntext\n## src/model/abi.ts\n');
    assert.deepEqual([...eq.keys()], ['src/model/evtchn.ts', 'src/model/abi.ts']);
    const ev = eq.get('src/model/evtchn.ts');
    for (const x of ['12:4 EqualityOperator', '40:2 BlockStatement', '60:7 ConditionalExpression', '61:3 StringLiteral', '70:10 MethodExpression', '70:22 StringLiteral', '70:30 ArrowFunction']) assert.ok(isNamed(ev, x), x);
    for (const x of ['50:1 BlockStatement', '12:5 EqualityOperator', '70:31 StringLiteral', '71:12 StringLiteral']) assert.ok(!isNamed(ev, x), `${x}: named only after the reason, or not at all`);
    assert.ok(!isNamed(eq.get('src/model/abi.ts'), '12:4 EqualityOperator'), "another file's position");
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'ioreq-mut-'));
    try {
      fs.mkdirSync(path.join(root, 'src', 'model'), { recursive: true });
      fs.writeFileSync(path.join(root, 'src', 'model', 'evtchn.ts'), 'now different');
      fs.mkdirSync(path.join(root, 'test', 'mutation'), { recursive: true });
      const summary = (source: string) => tool.summarise(tool.foldReport(null, report(source, [mutant(1, 'Killed'), mutant(2, 'Survived')]), [], { ...stamp, tests: ['out/test/model/evtchn.test.js'] }));
      fs.writeFileSync(path.join(root, 'test', 'mutation', 'scores.json'), JSON.stringify(summary('S')));
      type Figures = { ran: boolean; files: Array<{ file: string; score: number; stale: boolean; complete: boolean; survivors: string[]; measured: { tests: string[] } }>; belowTarget: string[] };
      const f = mutationFigures(root) as Figures;
      assert.equal(f.ran, true);
      assert.deepEqual(f.files.map((x) => [x.file, x.score, x.stale, x.complete, x.survivors, x.measured.tests]), [['src/model/evtchn.ts', 0.5, true, true, ['2:5 ConditionalExpression'], ['out/test/model/evtchn.test.js']]]);
      assert.deepEqual(f.belowTarget, ['src/model/evtchn.ts']);
      fs.writeFileSync(path.join(root, 'test', 'mutation', 'scores.json'), JSON.stringify(summary('now different')));
      assert.equal((mutationFigures(root) as Figures).files[0].stale, false, 'the same source as measured: not stale');
      const without = () => (mutationFigures(root) as { files: Array<{ scoreWithoutListedEquivalents: number }> }).files[0].scoreWithoutListedEquivalents;
      assert.equal(without(), 0.5, 'nothing listed: the same score');
      type Listing = { survivorsNotListed: number; files: Array<{ equivalentsListed: number; survivorsNotListed: string[] }> };
      const listing = () => mutationFigures(root) as Listing;
      assert.deepEqual([listing().files[0].equivalentsListed, listing().files[0].survivorsNotListed, listing().survivorsNotListed], [0, ['2:5 ConditionalExpression'], 1]);
      fs.writeFileSync(path.join(root, 'test', 'mutation', 'EQUIVALENT.md'), '## src/model/evtchn.ts\n- 2:6 ConditionalExpression — why, unlike 2:5\n');
      assert.deepEqual(listing().files[0].survivorsNotListed, ['2:5 ConditionalExpression'], 'another position, or one named in the reason, lists nothing');
      assert.equal(without(), 0.5);
      fs.writeFileSync(path.join(root, 'test', 'mutation', 'EQUIVALENT.md'), '## src/model/evtchn.ts\n- 2:5 ConditionalExpression — why\n');
      assert.equal(without(), 1, 'the listed survivor left out');
      assert.deepEqual([listing().files[0].equivalentsListed, listing().files[0].survivorsNotListed, listing().survivorsNotListed], [1, [], 0]);
    } finally { fs.rmSync(root, { recursive: true, force: true }); }
  });
});
