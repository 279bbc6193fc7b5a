// The mutation score per file from the last `npm run test:mutation` (StrykerJS's JSON report in
// test-artifacts/mutation/mutation.json), beside the target. Not a timing: how many of the model's mutants the unit and
// property suites kill. Absent until the mutation run has been made on this tree.
import * as fs from 'fs';
import * as path from 'path';

interface Report { files: Record<string, { mutants: Array<{ status: string }> }> }

export interface FileScore { file: string; score: number | null; killed: number; survived: number; noCoverage: number; timeout: number; mutants: number }

/** StrykerJS's score: detected (killed or timed out) over valid mutants (detected, survived, not covered). */
export function scoreOf(statuses: string[]): Omit<FileScore, 'file'> {
  const n = (s: string) => statuses.filter((x) => x === s).length;
  const killed = n('Killed'), timeout = n('Timeout'), survived = n('Survived'), noCoverage = n('NoCoverage');
  const valid = killed + timeout + survived + noCoverage;
  return { score: valid ? +((killed + timeout) / valid).toFixed(3) : null, killed, survived, noCoverage, timeout, mutants: statuses.length };
}

export function mutationFigures(root: string): Record<string, unknown> {
  const file = path.join(root, 'test-artifacts', 'mutation', 'mutation.json');
  if (!fs.existsSync(file)) return { ran: false, how: 'npm run test:mutation', target: 0.9 };
  const r = JSON.parse(fs.readFileSync(file, 'utf8')) as Report;
  const files: FileScore[] = Object.entries(r.files).map(([f, v]) => ({ file: path.relative(root, path.resolve(root, f)), ...scoreOf(v.mutants.map((m) => m.status)) }))
    .sort((a, b) => a.file.localeCompare(b.file));
  const all = scoreOf(Object.values(r.files).flatMap((v) => v.mutants.map((m) => m.status)));
  return {
    ran: true, reportAgeHours: +((Date.now() - fs.statSync(file).mtimeMs) / 3.6e6).toFixed(1), target: 0.9,
    overall: all.score, belowTarget: files.filter((f) => f.score !== null && f.score < 0.9).map((f) => f.file), files,
  };
}
