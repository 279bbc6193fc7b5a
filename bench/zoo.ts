// The bug zoo's figures: for each bundled scenario that reverts a fix, how long the explorer takes to find the
// buggy form and how long its counterexample is, beside the same search of the fixed form (the baseline: the same
// state graph without the bug), medians over `runs`. The target: found in at most 10 s on one core with a
// counterexample of at most 25 steps; the figures say whether each meets it.
import * as fs from 'fs';
import * as path from 'path';
import { explore } from '../src/scenario/explore';
import { parseScenario } from '../src/scenario/parse';

export function zooFigures(scenariosDir: string, runs: number, median: (xs: number[]) => number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fs.readdirSync(scenariosDir).filter((x) => x.endsWith('.ioreq.json')).sort()) {
    const file = path.join(scenariosDir, f);
    const text = fs.readFileSync(file, 'utf8');
    const sc = parseScenario(text, file);
    if (!sc.revert.length) continue;
    const fixedSc = parseScenario(text, file, { fixed: true });
    const bug: number[] = [], fixed: number[] = [];
    let kinds: string[] = [], longest = 0, states = 0, fixedStates = 0, clean = true;
    for (let r = 0; r < runs; r++) {
      const b = explore(sc, { maxStates: 2_000_000, hashing: true });
      bug.push(b.seconds);
      kinds = b.violations.map((v) => v.kind);
      longest = Math.max(0, ...b.violations.map((v) => v.trail.length));
      states = b.statesExplored;
      const x = explore(fixedSc, { maxStates: 2_000_000, hashing: true });
      fixed.push(x.seconds);
      fixedStates = x.statesExplored;
      clean = x.violations.length === 0;
    }
    const secs = median(bug);
    out[f] = {
      reverts: sc.revert, found: kinds, secondsToVerdict: +secs.toFixed(4), states, longestCounterexample: longest,
      fixedForm: { seconds: +median(fixed).toFixed(4), states: fixedStates, clean },
      meetsTarget: kinds.length > 0 && secs <= 10 && longest <= 25 && clean,
    };
  }
  return { target: 'found in <= 10 s on one core, counterexample <= 25 steps, fixed form clean', bugs: out };
}
