// ioreq-scope compare: one scenario run under several profiles (each its own Xen's code), step by step, so a
// reviewer of an ioreq patch sees what the patch changes in a flow: where the behaviour first diverges and every
// difference in results — return codes, values, panics, crashes, model events, console lines, verdicts — and, plainly,
// an op or a step that one profile does not have or cannot run.
import { rcName } from '../model/errno';
import type { ProfileName } from '../model/layout';
import { ScenarioError } from './errors';
import { Session } from './exec';
import { stepExpectVerdicts } from './expect';
import { parseScenario } from './parse';
import { stepLine } from './run';
import type { Scenario, Step } from './types';

/** What one step did under one profile. */
export interface StepOutcome {
  /** Set when the step could not run in the state this profile reached (the run stops there). */
  blocked?: string;
  rc?: string;
  value?: string;
  panic?: string;
  /** Domains that crashed during the step, with the reason. */
  crashes: string[];
  /** Model events as `kind: text` (printk lines are under console). */
  events: string[];
  console: string[];
  /** The step's own expectations (expect, after), as PASS/FAIL lines. */
  verdicts: string[];
}

export interface ProfileRun {
  profile: ProfileName;
  /** Set when the file cannot be read under this profile (an op it lacks, a param it does not have). */
  unavailable?: string;
  steps: Array<StepOutcome | undefined>;
  /** The file's final expectations, as PASS/FAIL lines (empty when the run stopped early). */
  final: string[];
}

export type DiffField = 'unavailable' | 'ran' | 'rc' | 'value' | 'panic' | 'crash' | 'events' | 'console' | 'verdicts';

export interface Difference {
  /** The step index, or 'end' for the final expectations, or 'file' when a profile cannot read the file. */
  step: number | 'end' | 'file';
  field: DiffField;
  /** What each profile gave, in the order the profiles were asked for. */
  values: Record<string, string | string[]>;
}

export interface CompareResult {
  file: string;
  profiles: ProfileName[];
  steps: Step[];
  runs: ProfileRun[];
  /** The first step where the profiles' behaviour differs, or null when they agree throughout. */
  firstDivergence: number | 'end' | 'file' | null;
  differences: Difference[];
}

function runUnder(text: string, file: string, profile: ProfileName): { sc?: Scenario; run: ProfileRun } {
  const run: ProfileRun = { profile, steps: [], final: [] };
  let sc: Scenario;
  try {
    sc = parseScenario(text, file, { profile });
  } catch (e) {
    if (!(e instanceof ScenarioError)) throw e;
    run.unavailable = e.message;
    return { run };
  }
  const s = new Session(sc);
  const x = s.m.x;
  for (const step of sc.steps) {
    const why = s.blocked(step);
    if (why) { run.steps.push({ blocked: why, crashes: [], events: [], console: [], verdicts: [] }); return { sc, run }; }
    const before = x.events.length;
    const crashedBefore = new Set([...x.domains.values()].filter((d) => d.crashed).map((d) => d.domain_id));
    const r = s.runFlat(step);
    const evs = x.events.slice(before);
    const ck = s.checker();
    const verdicts = [...stepExpectVerdicts(step.loc, step.expect, r, ck), ...step.after.map((e) => ck.check(e))];
    run.steps.push({
      rc: r.panic ? undefined : rcName(r.rc),
      value: r.value === undefined ? undefined : '0x' + r.value.toString(16),
      panic: r.panic,
      crashes: [...x.domains.values()].filter((d) => d.crashed && !crashedBefore.has(d.domain_id)).map((d) => `d${d.domain_id}: ${d.crashed!.reason}`),
      events: evs.filter((e) => e.kind !== 'printk').map((e) => `${e.kind}: ${e.text}`),
      console: evs.filter((e) => e.kind === 'printk').map((e) => `(XEN) ${e.text}`),
      verdicts: verdicts.map((v) => `${v.ok ? 'PASS' : 'FAIL'} ${v.text}`),
    });
    if (r.panic) return { sc, run };
  }
  run.final = sc.expect.map((e) => s.checker().check(e)).map((v) => `${v.ok ? 'PASS' : 'FAIL'} ${v.text}`);
  return { sc, run };
}

const same = (a: readonly string[], b: readonly string[]): boolean => a.length === b.length && a.every((x, i) => x === b[i]);

/** Lines of `mine` missing from at least one other list (as multisets), in mine's order. */
function notInEvery(mine: string[], others: string[][]): string[] {
  const out: string[] = [];
  const counts = others.map((o) => { const c = new Map<string, number>(); for (const l of o) c.set(l, (c.get(l) ?? 0) + 1); return c; });
  const used = new Map<string, number>();
  for (const l of mine) {
    const k = (used.get(l) ?? 0) + 1;
    used.set(l, k);
    if (counts.some((c) => (c.get(l) ?? 0) < k)) out.push(l);
  }
  return out;
}

/**
 * Runs `text` (a scenario file's contents) under each profile. The file must parse under its own profile (a
 * ScenarioError otherwise: bad input); a profile that cannot read it is reported as a difference.
 */
export function compareProfiles(text: string, file: string, profiles: ProfileName[]): CompareResult {
  const base = parseScenario(text, file);
  const runs = profiles.map((p) => runUnder(text, file, p).run);
  const diffs: Difference[] = [];
  const put = (step: Difference['step'], field: DiffField, values: Record<string, string | string[]>) => diffs.push({ step, field, values });

  if (runs.some((r) => r.unavailable)) {
    put('file', 'unavailable', Object.fromEntries(runs.map((r) => [r.profile, r.unavailable ?? 'reads the file'])));
  }
  const live = runs.filter((r) => !r.unavailable);
  for (let i = 0; i < base.steps.length; i++) {
    const outs = live.map((r) => r.steps[i]);
    if (outs.every((o) => o === undefined)) break;
    const ranText = (o: StepOutcome | undefined): string => (o === undefined ? 'not reached' : o.blocked ? `cannot run: ${o.blocked}` : 'ran');
    const ran = outs.map(ranText);
    // Once a profile cannot go on, the runs no longer follow the same steps: that is the last difference.
    if (new Set(ran).size > 1) { put(i, 'ran', Object.fromEntries(live.map((r, k) => [r.profile, ran[k]]))); break; }
    if (outs.some((o) => !o || o.blocked)) break;
    const o = outs as StepOutcome[];
    for (const f of ['rc', 'value', 'panic'] as const) {
      const vals = o.map((x) => x[f] ?? '(none)');
      if (new Set(vals).size > 1) put(i, f, Object.fromEntries(live.map((r, k) => [r.profile, vals[k]])));
    }
    for (const [f, key] of [['crash', 'crashes'], ['events', 'events'], ['console', 'console'], ['verdicts', 'verdicts']] as const) {
      const lists = o.map((x) => x[key]);
      if (lists.every((l) => same(l, lists[0]))) continue;
      put(i, f, Object.fromEntries(live.map((r, k) => [r.profile, f === 'crash' ? lists[k] : notInEvery(lists[k], lists.filter((_, j) => j !== k))])));
    }
  }
  const finals = live.map((r) => r.final);
  if (live.length && !finals.every((l) => same(l, finals[0]))) {
    put('end', 'verdicts', Object.fromEntries(live.map((r, k) => [r.profile, notInEvery(finals[k], finals.filter((_, j) => j !== k))])));
  }
  const firstStep = diffs.find((d) => typeof d.step === 'number')?.step;
  const firstDivergence = diffs.some((d) => d.step === 'file') ? 'file' : firstStep ?? (diffs.length ? 'end' : null);
  return { file, profiles, steps: base.steps, runs, firstDivergence, differences: diffs };
}

/** The step as the trace names it (`#3 qemu hvmop_get_param param=...`), without its result. */
function stepName(step: Step): string {
  return stepLine({ step, result: { rc: 0 }, events: [], verdicts: [] }).replace(/ -> .*$/, '');
}

export function compareReport(r: CompareResult, format: 'json' | 'text'): unknown {
  if (format === 'json') {
    return {
      file: r.file, profiles: r.profiles, identical: r.differences.length === 0, firstDivergence: r.firstDivergence,
      differences: r.differences.map((d) => ({ ...d, op: typeof d.step === 'number' ? r.steps[d.step].op : undefined, actor: typeof d.step === 'number' ? r.steps[d.step].actor : undefined })),
      runs: r.runs,
    };
  }
  const lines = [`${r.file}: ${r.profiles.join(' vs ')}`];
  if (!r.differences.length) {
    lines.push(`identical: every step gives the same results, events and console lines under ${r.profiles.join(', ')}`);
    return lines.join('\n');
  }
  const where = r.firstDivergence === 'file' ? 'reading the file' : r.firstDivergence === 'end' ? "the file's final expectations" : `step ${stepName(r.steps[r.firstDivergence as number])}`;
  lines.push(`first divergence: ${where}`);
  let cur: Difference['step'] | undefined;
  for (const d of r.differences) {
    if (d.step !== cur) {
      cur = d.step;
      lines.push('', typeof d.step === 'number' ? `step ${stepName(r.steps[d.step])}` : d.step === 'end' ? 'at the end' : 'the file');
    }
    const vals = Object.entries(d.values);
    if (vals.every(([, v]) => typeof v === 'string')) {
      lines.push(`  ${d.field}:`);
      for (const [p, v] of vals) lines.push(`    ${p.padEnd(9)} ${v as string}`);
    } else {
      lines.push(`  ${d.field}${d.field === 'crash' ? '' : ' (not in every profile)'}:`);
      for (const [p, v] of vals) {
        const l = v as string[];
        lines.push(`    ${p}:${l.length ? '' : ' (none)'}`);
        for (const x of l) lines.push(`      ${x}`);
      }
    }
  }
  lines.push('', `${r.differences.length} difference(s)`);
  return lines.join('\n');
}
