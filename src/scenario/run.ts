// ioreq-scope run: executes a scenario's steps in file order on the model, with the trace of model events and the
// verdicts of its expectations. A step that cannot run in the state reached is a located error, never skipped.
import type { ModelEvent } from '../model/events';
import { rcName } from '../model/errno';
import { ScenarioError } from './errors';
import { Session, type StepResult } from './exec';
import { stepExpectVerdicts, type Verdict } from './expect';
import { NON_ARG_KEYS, type Scenario, type Step } from './parse';

export interface StepRecord {
  step: Step;
  result: StepResult;
  events: ModelEvent[];
  verdicts: Verdict[];
}

export interface RunResult {
  session: Session;
  steps: StepRecord[];
  final: Verdict[];
  ok: boolean;
}

export interface RunOptions {
  /** Stop after this many steps (state FILE --at N). */
  upTo?: number;
  onStep?: (r: StepRecord) => void;
}

/** Runs steps [0, upTo) in order; throws ScenarioError at the first step that cannot run. */
export function runScenario(sc: Scenario, opts: RunOptions = {}): RunResult {
  const s = new Session(sc);
  const steps: StepRecord[] = [];
  const n = Math.min(opts.upTo ?? sc.steps.length, sc.steps.length);
  for (let i = 0; i < n; i++) {
    const step = sc.steps[i];
    const why = s.blocked(step);
    if (why) throw new ScenarioError(step.loc, `step ${i} (${step.actor} ${step.op}) cannot run: ${why}`);
    const before = s.m.x.events.length;
    const result = s.runFlat(step);
    const checker = s.checker();
    const verdicts = [...stepExpectVerdicts(step.loc, step.expect, result, checker), ...step.after.map((e) => checker.check(e))];
    const rec: StepRecord = { step, result, events: s.m.x.events.slice(before), verdicts };
    steps.push(rec);
    opts.onStep?.(rec);
  }
  const final = n === sc.steps.length ? sc.expect.map((e) => s.checker().check(e)) : [];
  const ok = steps.every((r) => r.verdicts.every((v) => v.ok)) && final.every((v) => v.ok);
  return { session: s, steps, final, ok };
}

/** One line per step for the trace. */
export function stepLine(r: StepRecord): string {
  const a = Object.entries(r.step.raw).filter(([k]) => !NON_ARG_KEYS.has(k))
    .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`).join(' ');
  const res = r.result.panic ? `PANIC: ${r.result.panic}` : `rc ${rcName(r.result.rc)}${r.result.value !== undefined ? `, value 0x${r.result.value.toString(16)}` : ''}`;
  return `#${r.step.index} ${r.step.actor} ${r.step.op}${a ? ' ' + a : ''} -> ${res}`;
}
