// The partial-order reduction's figures: for each scenario, the full search (--no-reduce, the baseline) beside the
// default reduced one, in the same run: states stored, seconds, states per second, distinct final states (which any
// reduction that keeps final states must reach, a floor under what it can save), and the saving. Targets from the
// issue: at least 10x fewer states with reduction than without; the default search's verdict in no more time than
// SPIN's full search of the same scenario (0.34 s, measured by the author on the 3-vcpu bench scenario).
import * as fs from 'fs';
import { explore } from '../src/scenario/explore';
import { exploreParallel } from '../src/scenario/explore-parallel';
import { parseScenario } from '../src/scenario/parse';

export function reductionFigures(files: string[], runs: number, median: (xs: number[]) => number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    const sc = parseScenario(fs.readFileSync(file, 'utf8'), file);
    const one = (reduce: boolean) => {
      const secs: number[] = [];
      let states = 0, finals = 0, complete = true, kinds: string[] = [], on = false, why: string | undefined;
      for (let r = 0; r < runs; r++) {
        const res = explore(sc, { maxStates: 2_000_000, hashing: true, reduce, collectFinals: true });
        secs.push(res.seconds);
        states = res.statesExplored; finals = res.finals!.size; complete = res.complete;
        kinds = res.violations.map((v) => v.kind); on = res.reduction.on; why = res.reduction.why;
      }
      const s = median(secs);
      return { states, seconds: +s.toFixed(4), statesPerSec: Math.round(states / s), finalStates: finals, complete, verdicts: kinds, reduction: on, why };
    };
    const full = one(false), red = one(true);
    out[file.replace(/^.*\/(scenarios|bench)\//, '$1/')] = {
      full, reduced: red,
      statesSaved: +(full.states / red.states).toFixed(2),
      timeRatioReducedOverFull: +(red.seconds / full.seconds).toFixed(2),
      sameVerdictsAndFinals: JSON.stringify(full.verdicts.sort()) === JSON.stringify(red.verdicts.sort()) && full.finalStates === red.finalStates,
      meetsTenfold: full.states / red.states >= 10,
    };
  }
  return { targets: { statesSavedAtLeast: 10, reducedVerdictSecondsAtMost: 0.34 }, scenarios: out };
}

/** --workers 2 beside one thread (the baseline), the full search (--no-reduce, the most states) of each file. */
export async function workerFigures(files: string[], runs: number, median: (xs: number[]) => number): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const file of files) {
    if (!fs.existsSync(file)) continue;
    const sc = parseScenario(fs.readFileSync(file, 'utf8'), file);
    const opts = { maxStates: 2_000_000, hashing: true, reduce: false };
    const one: number[] = [], two: number[] = [];
    let states1 = 0, states2 = 0;
    for (let r = 0; r < runs; r++) {
      let t0 = process.hrtime.bigint();
      states1 = explore(sc, opts).statesExplored;
      one.push(Number(process.hrtime.bigint() - t0) / 1e9);
      t0 = process.hrtime.bigint();
      states2 = (await exploreParallel(sc, opts, 2)).statesExplored;
      two.push(Number(process.hrtime.bigint() - t0) / 1e9);
    }
    const a = median(one), b = median(two);
    out[file.replace(/^.*\/(scenarios|bench)\//, '$1/')] = { states: states1, sameStates: states1 === states2, oneThreadSeconds: +a.toFixed(3), twoWorkersSeconds: +b.toFixed(3), speedUp: +(a / b).toFixed(2) };
  }
  return { note: 'wall-clock, worker start-up and the replay of each share of the frontier included; the machine has 2 cores shared with other work', scenarios: out };
}
