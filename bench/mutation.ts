// The mutation score per file, from the cumulative report `npm run test:mutation` keeps (tools/mutation.js folds each
// StrykerJS run into test-artifacts/mutation/scores.json), beside the target. Not a timing: how many of the model's
// mutants the unit and property suites kill. Each file says when and at which commit it was measured, whether its
// source changed since (stale), whether the whole file or only line ranges were run, and how many of its survivors
// test/mutation/EQUIVALENT.md lists as equivalent (with the reason). Absent until a mutation run has been made here.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';

/** A file's entry in test/mutation/scores.json (tools/mutation.js's summary of the cumulative report). */
interface FileEntry { sha256: string; counts: Record<string, number>; complete: boolean; measured: { at: string; commit: string | null; range: string | null; tests?: string | string[] } | null; survivors: string[] }
interface Summary { files: Record<string, FileEntry> }

export interface FileScore { file: string; score: number | null; killed: number; survived: number; noCoverage: number; timeout: number; mutants: number }

/** StrykerJS's score: detected (killed or timed out) over valid mutants (detected, survived, not covered). */
export function scoreOf(statuses: string[]): Omit<FileScore, 'file'> {
  const n = (s: string) => statuses.filter((x) => x === s).length;
  const killed = n('Killed'), timeout = n('Timeout'), survived = n('Survived'), noCoverage = n('NoCoverage');
  const valid = killed + timeout + survived + noCoverage;
  return { score: valid ? +((killed + timeout) / valid).toFixed(3) : null, killed, survived, noCoverage, timeout, mutants: statuses.length };
}

/** The positions test/mutation/EQUIVALENT.md names per file: a `## path` heading, then `- ` lines whose text before
 *  the reason (the first ` — `) names positions (`12:4`, `143:7, 157:7`, `90:9 x3`) or ranges on one line
 *  (`46:18-46:100`). */
export interface Listed { points: Set<string>; ranges: Array<{ line: number; from: number; to: number }> }
export function equivalentsNamed(text: string): Map<string, Listed> {
  const out = new Map<string, Listed>();
  let file: Listed | null = null;
  for (const line of text.split('\n')) {
    const h = /^##\s+(\S+\.ts)\s*$/.exec(line);
    if (h) { file = out.get(h[1]) ?? { points: new Set(), ranges: [] }; out.set(h[1], file); continue; }
    if (!file || !line.startsWith('- ')) continue;
    for (const m of line.split(' — ')[0].matchAll(/(\d+):(\d+)(?:-(\d+):(\d+))?/g)) {
      file.points.add(`${m[1]}:${m[2]}`);
      if (m[3] && m[3] === m[1]) file.ranges.push({ line: +m[1], from: +m[2], to: +m[4] });
    }
  }
  return out;
}

/** Whether a survivor (`line:col Mutator`, as scores.json records it) is one the listing names. */
export function isNamed(listed: Listed | undefined, survivor: string): boolean {
  const at = survivor.split(' ')[0];
  const [l, c] = at.split(':').map(Number);
  return !!listed && (listed.points.has(at) || listed.ranges.some((r) => r.line === l && r.from <= c && c <= r.to));
}

export function mutationFigures(root: string): Record<string, unknown> {
  const file = path.join(root, 'test', 'mutation', 'scores.json');
  if (!fs.existsSync(file)) return { ran: false, how: 'npm run test:mutation [-- FILE[:FROM-TO]]', target: 0.9 };
  const r = JSON.parse(fs.readFileSync(file, 'utf8')) as Summary;
  const eqFile = path.join(root, 'test', 'mutation', 'EQUIVALENT.md');
  const eq = fs.existsSync(eqFile) ? equivalentsNamed(fs.readFileSync(eqFile, 'utf8')) : new Map<string, Listed>();
  const statuses = (v: FileEntry) => Object.entries(v.counts).flatMap(([s, n]) => Array<string>(n).fill(s));
  const files = Object.entries(r.files).map(([rel, v]) => {
    const src = path.join(root, rel);
    const now = fs.existsSync(src) ? crypto.createHash('sha256').update(fs.readFileSync(src, 'utf8')).digest('hex') : null;
    const sc = scoreOf(statuses(v));
    // Each survivor (survived or not covered) EQUIVALENT.md names, by its position; the others are not judged yet.
    const survivors = v.survivors ?? [];
    const unlisted = survivors.filter((x) => !isNamed(eq.get(rel), x));
    const listed = survivors.length - unlisted.length;
    const valid = sc.killed + sc.timeout + sc.survived + sc.noCoverage;
    return {
      file: rel, ...sc, equivalentsListed: listed, survivorsNotListed: unlisted,
      // The score with the survivors EQUIVALENT.md lists (with their reasons) left out of the valid mutants.
      scoreWithoutListedEquivalents: valid - listed > 0 ? +((sc.killed + sc.timeout) / (valid - listed)).toFixed(3) : null,
      complete: v.complete, stale: now !== v.sha256, measured: v.measured, survivors: v.survivors,
    };
  }).sort((a, b) => a.file.localeCompare(b.file));
  const all = scoreOf(Object.values(r.files).flatMap(statuses));
  const measured = new Set(files.map((f) => f.file));
  return {
    ran: true, report: path.relative(root, file), target: 0.9, overall: all.score,
    belowTarget: files.filter((f) => f.score !== null && f.score < 0.9).map((f) => f.file),
    survivorsNotListed: files.reduce((n, f) => n + f.survivorsNotListed.length, 0),
    noMutants: files.filter((f) => f.mutants === 0).map((f) => f.file),
    notMeasured: mutateSet(root).filter((f) => !measured.has(f)), files,
  };
}

/** The files stryker.config.json mutates (src/model/**, src/scenario/**, src/debug/runtime.ts; not the generated
 *  .flat/.stepped/.gen files nor the demo), by path from the root. */
export function mutateSet(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    if (!fs.existsSync(path.join(root, d))) return;
    for (const e of fs.readdirSync(path.join(root, d), { withFileTypes: true })) {
      const p = `${d}/${e.name}`;
      if (e.isDirectory()) walk(p);
      else if (/\.ts$/.test(e.name) && !/\.(flat|stepped|gen)\.ts$/.test(e.name) && p !== 'src/model/demo.ts') out.push(p);
    }
  };
  walk('src/model'); walk('src/scenario');
  if (fs.existsSync(path.join(root, 'src/debug/runtime.ts'))) out.push('src/debug/runtime.ts');
  return out.sort();
}
