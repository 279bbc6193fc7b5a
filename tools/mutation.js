#!/usr/bin/env node
// `npm run test:mutation [-- FILE[:LINES] ...] [-- stryker options]`: StrykerJS over the model, the scenario layer and
// the stepping runtime (stryker.config.json), one file or line range at a time if named, and the scores kept per file
// across runs.
//  - With no file: the whole `mutate` set of the config, incremental against test-artifacts/mutation/incremental/all.json.
//  - With files (src/model/evtchn.ts, or src/model/xen/seed/hvm.ts:139-225 for a range): only those, each set with
//    its own incremental file, so going back to a file reuses every result whose code and covering tests did not change.
//  - After the run, the fresh report (test-artifacts/mutation/mutation.json) is folded into the cumulative one,
//    test-artifacts/mutation/scores.json: a file's mutants are replaced (only inside the range, for a range run), and each
//    file records the commit and time it was measured at. Its summary goes to test/mutation/scores.json (committed), which
//    `npm run bench` reads.
// `--tests LIST` runs only the named test files per mutant (comma-separated: test/model/seed.test.ts or out/test/model/seed*.test.js
// globs) instead of the whole unit suite of test/mutation.mocharc.json: far quicker on a big file, and a score against fewer
// tests is a lower bound of the full suite's (more tests can only kill more). scores.json records which tests a file was
// measured against. A file named in test/mutation/tests.json runs against the tests listed there unless --tests or
// --all-tests says otherwise. Any other argument (an option and its value) goes to `stryker run` unchanged, e.g. --concurrency 1.
// `--fold REPORT [FILE:LINES]` folds a report made in another checkout instead of running.
'use strict';
const fs = require('fs');
const path = require('path');
const { spawnSync, execFileSync } = require('child_process');

const root = path.join(__dirname, '..');
const dir = path.join(root, 'test-artifacts', 'mutation');
const report = path.join(dir, 'mutation.json');
const cumulative = path.join(dir, 'scores.json');

/** `src/a.ts:10-20` → { file, from, to } (whole file when no range). */
function parseTarget(arg) {
  const m = /^(.*?\.ts)(?::(\d+)(?::\d+)?-(\d+)(?::\d+)?)?$/.exec(arg);
  if (!m) throw new Error(`${arg}: expected a .ts file, optionally with :FROM-TO lines`);
  if (!fs.existsSync(path.join(root, m[1]))) throw new Error(`${m[1]}: no such file`);
  return { arg, file: m[1].split(path.sep).join('/'), from: m[2] ? +m[2] : null, to: m[3] ? +m[3] : null };
}

/** A mutant's identity across runs: where it is and what it does (StrykerJS's ids are per run). */
const keyOf = (m) => `${m.location.start.line}:${m.location.start.column}:${m.mutatorName}:${m.replacement ?? ''}`;
const inRange = (m, t) => t.from === null || (m.location.start.line >= t.from && m.location.start.line <= t.to);

function commit() {
  try { return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: root, encoding: 'utf8' }).trim(); } catch { return null; }
}

/**
 * Folds a run's report into the cumulative one (both StrykerJS's mutation-testing-report shape, files keyed by path):
 * a file's entry is replaced, except that a range run keeps the earlier results outside its lines when the file's
 * source is unchanged. `stamp` is { at, commit }. Returns the cumulative report.
 */
function foldReport(acc, fresh, targets, stamp) {
  stamp = { tests: 'all', ...stamp };
  const out = { files: { ...(acc?.files ?? {}) } };
  for (const [name, entry] of Object.entries(fresh.files)) {
    const file = path.relative(root, path.resolve(root, name)).split(path.sep).join('/');
    const t = targets.find((x) => x.file === file) ?? { file, from: null, to: null };
    const old = out.files[file];
    const same = !!old && old.source === entry.source;
    let mutants = entry.mutants;
    if (t.from !== null && same) {
      const mine = new Set(entry.mutants.map(keyOf));
      mutants = [...old.mutants.filter((m) => !inRange(m, t) && !mine.has(keyOf(m))), ...entry.mutants];
    }
    const complete = t.from === null || (same && old.complete === true);
    out.files[file] = { language: entry.language, source: entry.source, mutants, complete, measured: { ...stamp, range: t.from === null ? null : `${t.from}-${t.to}` } };
  }
  return out;
}

/**
 * The cumulative report in brief, the form committed as test/mutation/scores.json so that `npm run bench` on a clean
 * clone still gives each file's measured score: per file the source's sha256 (stale when the file changed since), the
 * counts by status, whether the whole file was run, when and against which tests, and every survivor's position.
 */
function summarise(acc) {
  const crypto = require('crypto');
  const files = {};
  for (const [f, v] of Object.entries(acc.files).sort(([a], [b]) => a.localeCompare(b))) {
    const counts = {};
    for (const m of v.mutants) counts[m.status] = (counts[m.status] ?? 0) + 1;
    const survivors = v.mutants.filter((m) => m.status === 'Survived' || m.status === 'NoCoverage')
      .sort((a, b) => a.location.start.line - b.location.start.line || a.location.start.column - b.location.start.column)
      .map((m) => `${m.location.start.line}:${m.location.start.column} ${m.mutatorName}${m.status === 'NoCoverage' ? ' (no coverage)' : ''}`);
    files[f] = { sha256: crypto.createHash('sha256').update(v.source ?? '').digest('hex'), counts, complete: v.complete ?? true, measured: v.measured ?? null, survivors };
  }
  return { files };
}

/** Folds the report at `from` into scores.json (and its summary into test/mutation/scores.json); returns the files it held. */
function fold(targets, from = report, tests = 'all') {
  const fresh = withUnmutated(JSON.parse(fs.readFileSync(from, 'utf8')), targets);
  const acc = fs.existsSync(cumulative) ? JSON.parse(fs.readFileSync(cumulative, 'utf8')) : null;
  const out = foldReport(acc, fresh, targets, { at: new Date().toISOString(), commit: commit(), tests });
  fs.writeFileSync(cumulative, JSON.stringify(out));
  const brief = path.join(root, 'test', 'mutation', 'scores.json');
  const kept = fs.existsSync(brief) ? JSON.parse(fs.readFileSync(brief, 'utf8')) : { files: {} };
  const measured = Object.keys(fresh.files).map((n) => path.relative(root, path.resolve(root, n)).split(path.sep).join('/'));
  fs.writeFileSync(brief, JSON.stringify(mergeBrief(kept, summarise(out), measured), null, 1) + '\n');
  return Object.keys(fresh.files);
}

/**
 * The committed summary after a run: the entries of the files the run measured are replaced, every other entry stays as
 * committed. The cumulative report of this checkout may hold older results for files measured since in another checkout
 * (a helper's worktree whose figures were merged), and those must not come back over the newer ones.
 */
function mergeBrief(kept, summary, measured) {
  const files = { ...(kept?.files ?? {}) };
  for (const f of measured) if (summary.files[f]) files[f] = summary.files[f];
  return { files: Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) };
}

/**
 * A whole-file target StrykerJS made no mutant in (only types, interfaces and constants: panic.ts, events.ts) is absent
 * from its report; it is added with no mutants, so the summary says it was measured and has nothing to kill.
 */
function withUnmutated(fresh, targets) {
  const files = { ...fresh.files };
  const have = new Set(Object.keys(files).map((n) => path.relative(root, path.resolve(root, n)).split(path.sep).join('/')));
  for (const t of targets) {
    if (t.from !== null || have.has(t.file)) continue;
    files[t.file] = { language: 'typescript', source: fs.readFileSync(path.join(root, t.file), 'utf8'), mutants: [] };
  }
  return { ...fresh, files };
}

/** Every test source file's path under test/ (sorted). */
function testFileNames() {
  const out = [];
  const walk = (d) => { for (const e of fs.readdirSync(path.join(root, d), { withFileTypes: true })) { const p = `${d}/${e.name}`; if (e.isDirectory()) walk(p); else if (/\.test\.ts$/.test(e.name)) out.push(p); } };
  walk('test');
  return out.sort();
}

/** The tests test/mutation/tests.json lists for the targets (their union), or null if any target is not listed. */
function mappedTests(targets) {
  const f = path.join(root, 'test', 'mutation', 'tests.json');
  if (!fs.existsSync(f)) return null;
  const map = JSON.parse(fs.readFileSync(f, 'utf8'));
  if (!targets.every((t) => Array.isArray(map[t.file]))) return null;
  return testSpecs([...new Set(targets.flatMap((t) => map[t.file]))].join(','));
}

/** `--tests` items → the compiled spec globs mocha runs: a test's .ts source maps to its out/ .js. */
function testSpecs(list) {
  const specs = list.split(',').map((t) => t.trim()).filter(Boolean).map((t) => {
    const js = t.replace(/^test\//, 'out/test/').replace(/\.ts$/, '.js');
    if (!/^out\/test\/.+\.js$/.test(js)) throw new Error(`--tests ${t}: expected test/…/*.test.ts or out/test/…*.js`);
    if (!/[*?[]/.test(js) && !fs.existsSync(path.join(root, js.replace(/^out\//, '').replace(/\.js$/, '.ts')))) throw new Error(`--tests ${t}: no such test file`);
    return js;
  });
  if (!specs.length) throw new Error('--tests: no test files named');
  return specs;
}

function main() {
  const args = process.argv.slice(2);
  // --fold REPORT [FILE:RANGE ...]: fold a report made elsewhere (another checkout's mutation.json) without running.
  if (args[0] === '--fold') {
    const files = fold(args.slice(2).map(parseTarget), path.resolve(args[1]));
    console.log(`mutation: ${files.length} file(s) folded into ${path.relative(root, cumulative)}`);
    return;
  }
  // Targets are the .ts paths (with an optional range); everything else, options and their values, goes to stryker.
  const isTarget = (a) => !a.startsWith('-') && /\.ts(:|$)/.test(a);
  const ti = args.indexOf('--tests');
  const allTests = args.includes('--all-tests');
  let tests = ti >= 0 ? testSpecs(args[ti + 1] ?? '') : null;
  const rest = (ti >= 0 ? [...args.slice(0, ti), ...args.slice(ti + 2)] : args).filter((a) => a !== '--all-tests');
  const targets = rest.filter(isTarget).map(parseTarget);
  if (!tests && !allTests && targets.length) tests = mappedTests(targets);
  const pass = rest.filter((a) => !isTarget(a));
  const slug = targets.length ? targets.map((t) => t.arg.replace(/^src\//, '').replace(/[^A-Za-z0-9.-]+/g, '_')).join('+') : 'all';
  fs.mkdirSync(path.join(dir, 'incremental'), { recursive: true });
  // With --tests, a config of its own beside the report: the project's, with mocha told to run only those files (and
  // an incremental file of its own, as the tests covering each mutant differ).
  let config = 'stryker.config.json';
  if (tests) {
    const base = JSON.parse(fs.readFileSync(path.join(root, config), 'utf8'));
    config = path.join('test-artifacts', 'mutation', `stryker.${slug}.tests.json`);
    base.mochaOptions = { ...base.mochaOptions, spec: tests };
    delete base.$schema;
    fs.writeFileSync(path.join(root, config), JSON.stringify(base, null, 2));
  }
  const inc = path.join('test-artifacts', 'mutation', 'incremental', `${slug}${tests ? '.tests' : ''}.json`);
  const stryker = ['stryker', 'run', config, '--incrementalFile', inc];
  // StrykerJS reuses a static mutant's earlier "survived" even when a test file was added since (seen here: abi.ts's
  // name tables stayed survived until a run with --force), so a run after a new test file is a full one.
  const names = path.join(root, inc.replace(/\.json$/, '.testfiles.json'));
  const now = testFileNames();
  const before = fs.existsSync(names) ? JSON.parse(fs.readFileSync(names, 'utf8')) : null;
  const added = before ? now.filter((n) => !before.includes(n)) : [];
  if (added.length && !pass.includes('--force')) { console.log(`mutation: test file(s) added since the last run (${added.join(', ')}): a full run`); stryker.push('--force'); }
  if (targets.length) stryker.push('--mutate', targets.map((t) => t.arg).join(','));
  const r = spawnSync('npx', [...stryker, ...pass], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) { console.error(`stryker exited with ${r.status ?? r.signal}`); process.exit(r.status || 1); }
  fs.writeFileSync(names, JSON.stringify(now));
  const files = fold(targets, report, tests ?? 'all');
  console.log(`mutation: ${files.length} file(s) folded into ${path.relative(root, cumulative)}; npm run bench shows the scores per file`);
}

if (require.main === module) {
  try { main(); } catch (e) { console.error(`test:mutation: ${e.message}`); process.exit(2); }
}
module.exports = { parseTarget, keyOf, inRange, foldReport, summarise, mergeBrief, withUnmutated, testSpecs, mappedTests };
