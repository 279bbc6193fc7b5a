#!/usr/bin/env node
// `npm run test:mutation [-- FILE[:LINES] ...] [-- stryker options]`: StrykerJS over the model, the scenario layer and
// the stepping runtime (stryker.config.json), one file or line range at a time if named, and the scores kept per file
// across runs.
//  - With no file: the whole `mutate` set of the config, incremental against test-artifacts/mutation/incremental/all.json.
//  - With files (src/model/evtchn.ts, or src/model/xen/seed/hvm.ts:139-225 for a range): only those, each set with
//    its own incremental file, so going back to a file reuses every result whose code and covering tests did not change.
//  - After the run, the fresh report (test-artifacts/mutation/mutation.json) is folded into the cumulative one,
//    test-artifacts/mutation/scores.json: a file's mutants are replaced (only inside the range, for a range run), and each
//    file records the commit and time it was measured at. `npm run bench` reads scores.json.
// Any other argument (an option and its value) goes to `stryker run` unchanged, e.g. --concurrency 1. `--fold REPORT [FILE:LINES]`
// folds a report made in another checkout instead of running.
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

/** Folds the report at `from` into scores.json; returns the files it held. */
function fold(targets, from = report) {
  const fresh = JSON.parse(fs.readFileSync(from, 'utf8'));
  const acc = fs.existsSync(cumulative) ? JSON.parse(fs.readFileSync(cumulative, 'utf8')) : null;
  fs.writeFileSync(cumulative, JSON.stringify(foldReport(acc, fresh, targets, { at: new Date().toISOString(), commit: commit() })));
  return Object.keys(fresh.files);
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
  const targets = args.filter(isTarget).map(parseTarget);
  const pass = args.filter((a) => !isTarget(a));
  const slug = targets.length ? targets.map((t) => t.arg.replace(/^src\//, '').replace(/[^A-Za-z0-9.-]+/g, '_')).join('+') : 'all';
  fs.mkdirSync(path.join(dir, 'incremental'), { recursive: true });
  const stryker = ['stryker', 'run', 'stryker.config.json', '--incrementalFile', path.join('test-artifacts', 'mutation', 'incremental', `${slug}.json`)];
  if (targets.length) stryker.push('--mutate', targets.map((t) => t.arg).join(','));
  const r = spawnSync('npx', [...stryker, ...pass], { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) { console.error(`stryker exited with ${r.status ?? r.signal}`); process.exit(r.status || 1); }
  const files = fold(targets);
  console.log(`mutation: ${files.length} file(s) folded into ${path.relative(root, cumulative)}; npm run bench shows the scores per file`);
}

if (require.main === module) {
  try { main(); } catch (e) { console.error(`test:mutation: ${e.message}`); process.exit(2); }
}
module.exports = { parseTarget, keyOf, inRange, foldReport };
