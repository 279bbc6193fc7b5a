// The stepping runtime beside the model: it drives the scenario's steps on the model's stepped build (the same
// source as the flat build, see src/model/step.ts), one statement at a time, forwards and backwards. It knows
// nothing of DAP; session.ts translates. Time travel: the model is deterministic, so a position is a count of
// statements since the start; the runtime keeps a snapshot before every SNAPSHOT_EVERY-th step and reaches any
// position by restoring the nearest snapshot, running whole steps on the flat build, then the last step stepped.
// User edits (setVariable, writeMemory) are recorded at their position and replayed, so travel stays exact.
import * as A from '../model/abi';
import type { ProfileName } from '../model/layout';
import type { ModelEvent } from '../model/events';
import type { Frame } from '../model/step';
import { Session, type StepResult } from '../scenario/exec';
import { Checker, stepExpectVerdicts, type Verdict } from '../scenario/expect';
import type { Scenario, Step } from '../scenario/parse';

export const SNAPSHOT_EVERY = 8;

export type StopReason = 'entry' | 'step' | 'breakpoint' | 'function breakpoint' | 'data breakpoint' | 'exception' | 'pause' | 'end' | 'goto';

export interface Position {
  /** Statements since the start (0 = the first statement of step 0). */
  t: number;
  /** The scenario step being executed. */
  step: number;
  /** Statements already taken within it. */
  stmt: number;
}

/** A place the runtime stops: a function and label, or a line the session resolved to one. */
export interface CodeBreakpoint {
  id: number;
  fn: string;
  /** Label inside fn; undefined for a function breakpoint (stops at entry). */
  label?: string;
  condition?: string;
}

export interface DataBreakpoint {
  id: number;
  dataId: string;
}

export interface StopInfo {
  reason: StopReason;
  description?: string;
  /** Thread (actor) to show. */
  actor: string;
  hitBreakpointIds?: number[];
  /** Set when stopped for an exception. */
  exception?: { id: 'domain_crash' | 'failed_expectation' | 'panic'; text: string };
}

interface Edit {
  t: number;
  apply: (s: Session) => void;
}

/** The actors of a scenario, each a thread. */
export function actorsOf(sc: Scenario): string[] {
  const out = ['toolstack', ...sc.deviceModels.map((d) => d.name)];
  for (const st of sc.steps) if (!out.includes(st.actor)) out.push(st.actor);
  return out;
}

export class RuntimeError extends Error {}

export class IoreqRuntime {
  sc: Scenario;
  session!: Session;
  /** The generator of the step in progress, or null before a step has started. */
  private gen: Generator<unknown, StepResult, void> | null = null;
  /** A Direct (non-modelled) step is shown as one position before it runs. */
  private directPending = false;
  pos: Position = { t: 0, step: 0, stmt: 0 };
  /** stepStart[i] = the t of step i's first statement, for steps reached so far. */
  private stepStart: number[] = [];
  /** Sessions before every SNAPSHOT_EVERY-th step, without event history: `events` is how long the log was. */
  private snapshots = new Map<number, { s: Session; events: number }>();
  /** The one event log, shared by the live session and every restore (replays re-append the same events). */
  private eventLog: ModelEvent[] = [];
  private edits: Edit[] = [];
  /** Results and verdicts of finished steps, by index. */
  results: Array<{ result: StepResult; verdicts: Verdict[] } | undefined> = [];
  finalVerdicts: Verdict[] | null = null;
  ended = false;
  codeBreakpoints: CodeBreakpoint[] = [];
  dataBreakpoints: DataBreakpoint[] = [];
  exceptionFilters = new Set<string>();
  /** Model events as they happen (going forwards, not during replays). */
  onEvent: ((e: ModelEvent) => void) | null = null;
  private pauseRequested = false;
  private replaying = false;

  constructor(sc: Scenario, profile?: ProfileName) {
    this.sc = profile && profile !== sc.profile ? { ...sc, profile } : sc;
    this.reset();
  }

  /** Back to before the first step (restart). */
  reset(): void {
    this.stuck = null;
    this.session = new Session(this.sc);
    this.session.m.x.on = true;
    this.gen = null;
    this.directPending = false;
    this.pos = { t: 0, step: 0, stmt: 0 };
    this.stepStart = [0];
    this.eventLog = this.session.m.x.events;
    this.snapshots = new Map([[0, { s: this.session.clone(false), events: this.eventLog.length }]]);
    this.results = [];
    this.finalVerdicts = null;
    this.ended = this.sc.steps.length === 0;
    if (!this.ended) this.enterStep();
  }

  get currentStep(): Step | undefined {
    return this.sc.steps[this.pos.step];
  }

  /** The frames of the step in progress (outermost first), or a single pseudo-frame for a direct step. */
  frames(): Frame[] {
    if (this.ended) return [];
    if (this.directPending) return [{ fn: this.currentStep!.op, unit: 'scenario', at: 'entry', locals: { ...this.currentStep!.args } }];
    return this.session.m.frames.slice();
  }

  /** Starts the current step: the runtime is then at its first statement. A step that cannot run is an error. */
  private enterStep(): void {
    const step = this.currentStep!;
    const why = this.session.blocked(step);
    if (why) {
      this.ended = true;
      throw new RuntimeError(`${step.loc.file}:${step.loc.line}:${step.loc.column}: step ${step.index} (${step.actor} ${step.op}) cannot run: ${why}`);
    }
    this.gen = this.session.runStepped(step);
    this.directPending = false;
    // Advance to the first statement; a step with none (a direct op) shows one position before it runs.
    const before = this.session.m.x.events.length;
    const r = this.gen.next();
    this.flushEvents(before);
    if (r.done) {
      // Nothing stepped: it has already run (direct op). Present it as one position, then finish on the next move.
      this.directPending = true;
      this.pendingResult = r.value;
    }
  }

  private pendingResult: StepResult | null = null;
  /** Why the scenario cannot go on (a step that cannot run in the state reached), once it is stuck. */
  stuck: string | null = null;

  private flushEvents(from: number): void {
    if (this.replaying || !this.onEvent) return;
    const ev = this.session.m.x.events;
    for (let i = from; i < ev.length; i++) this.onEvent(ev[i]);
  }

  /** One statement forward. Returns false at the end of the scenario. */
  private advance(): boolean {
    if (this.ended) return false;
    const before = this.session.m.x.events.length;
    let done: StepResult | null = null;
    if (this.directPending) {
      done = this.pendingResult;
      this.pendingResult = null;
      this.directPending = false;
    } else {
      const r = this.gen!.next();
      this.flushEvents(before);
      if (r.done) done = r.value;
    }
    if (done) {
      this.finishStep(done);
      this.pos.step++;
      this.pos.stmt = 0;
      this.pos.t++;
      if (this.pos.step >= this.sc.steps.length) {
        this.ended = true;
        this.gen = null;
        const ck = new Checker(this.session.m);
        this.finalVerdicts = this.sc.expect.map((e) => ck.check(e));
        return false;
      }
      if (this.stepStart.length <= this.pos.step) this.stepStart[this.pos.step] = this.pos.t;
      if (this.pos.step % SNAPSHOT_EVERY === 0 && !this.snapshots.has(this.pos.step)) this.snapshots.set(this.pos.step, { s: this.session.clone(false), events: this.eventLog.length });
      try {
        this.enterStep();
      } catch (e) {
        if (!(e instanceof RuntimeError)) throw e;
        this.stuck = e.message;
        return false;
      }
    } else {
      this.pos.stmt++;
      this.pos.t++;
    }
    this.applyEditsAt(this.pos.t);
    return true;
  }

  private finishStep(result: StepResult): void {
    const step = this.currentStep!;
    const ck = new Checker(this.session.m);
    const verdicts = [...stepExpectVerdicts(step.loc, step.expect, result, ck), ...step.after.map((e) => ck.check(e))];
    this.results[step.index] = { result, verdicts };
  }

  private applyEditsAt(t: number): void {
    for (const e of this.edits) if (e.t === t) e.apply(this.session);
  }

  // ---- moving ----

  /** The values data breakpoints watch, for change detection. */
  private watchValues(): string[] {
    return this.dataBreakpoints.map((b) => JSON.stringify(readData(this.session, b.dataId) ?? null));
  }

  private crashedSet(): string {
    return [...this.session.m.x.domains.values()].filter((d) => d.crashed).map((d) => d.domain_id).join(',') + (this.session.m.x.panic ? 'P' : '');
  }

  /** Checks the stop conditions at the current position; returns a stop or null. */
  private checkStop(prevWatch: string[], prevCrash: string, prevStep: number): StopInfo | null {
    const actor = this.currentStep?.actor ?? 'toolstack';
    if (this.exceptionFilters.has('failed_expectation') && this.pos.step !== prevStep) {
      const r = this.results[prevStep];
      const bad = r?.verdicts.find((v) => !v.ok);
      if (bad) return { reason: 'exception', actor, description: `expectation failed: ${bad.text}`, exception: { id: 'failed_expectation', text: `${bad.text} (${bad.loc.file}:${bad.loc.line})` } };
    }
    const crash = this.crashedSet();
    if (crash !== prevCrash && this.exceptionFilters.has('domain_crash')) {
      const was = new Set(prevCrash.replace('P', '').split(',').filter(Boolean).map(Number));
      const d = [...this.session.m.x.domains.values()].find((x) => x.crashed && !was.has(x.domain_id));
      const text = this.session.m.x.panic ? `Xen panic: ${this.session.m.x.panic.message}` : `domain_crash(d${d?.domain_id}): ${d?.crashed?.reason}`;
      return { reason: 'exception', actor, description: text, exception: { id: this.session.m.x.panic ? 'panic' : 'domain_crash', text } };
    }
    if (this.dataBreakpoints.length) {
      const now = this.watchValues();
      const hit = this.dataBreakpoints.filter((_, i) => now[i] !== prevWatch[i]);
      if (hit.length) return { reason: 'data breakpoint', actor, hitBreakpointIds: hit.map((b) => b.id), description: `${hit.map((b) => b.dataId).join(', ')} changed` };
    }
    const top = this.frames().at(-1);
    if (top && this.codeBreakpoints.length) {
      const first = this.firstOfCall;
      const lineHits = this.codeBreakpoints.filter((bp) => bp.label !== undefined && bp.fn === top.fn && bp.label === top.at);
      const fnHits = first ? this.codeBreakpoints.filter((bp) => bp.label === undefined && bp.fn === top.fn) : [];
      if (lineHits.length || fnHits.length) {
        return { reason: lineHits.length ? 'breakpoint' : 'function breakpoint', actor, hitBreakpointIds: [...lineHits, ...fnHits].map((bp) => bp.id) };
      }
    }
    return null;
  }

  /** Frames already seen at an earlier position: a top frame not in here is the first statement of its call. */
  private seenFrames = new WeakSet<Frame>();
  private firstOfCall = true;

  private moveOne(): void {
    this.advance();
    const top = this.frames().at(-1);
    this.firstOfCall = !!top && !this.seenFrames.has(top);
    if (top) this.seenFrames.add(top);
  }

  /** The stop for a step that cannot run in the state reached. */
  private stuckStop(why: string): StopInfo {
    return { reason: 'exception', actor: this.currentStep?.actor ?? 'toolstack', description: why, exception: { id: 'failed_expectation', text: why } };
  }

  /** Runs forward until `until` says stop, a stop condition fires, or the end. */
  private runForward(until: (depthBefore: number, stepBefore: number) => boolean, reasonIfUntil: StopReason): StopInfo {
    const depth0 = this.frames().length;
    const step0 = this.pos.step;
    this.pauseRequested = false;
    for (let n = 0; ; n++) {
      if (this.stuck) return this.stuckStop(this.stuck);
      if (this.ended) return { reason: 'end', actor: 'toolstack' };
      const prevWatch = this.dataBreakpoints.length ? this.watchValues() : [];
      const prevCrash = this.crashedSet();
      const prevStep = this.pos.step;
      this.moveOne();
      if (this.stuck) return this.stuckStop(this.stuck);
      if (this.ended) {
        const bad = this.finalVerdicts?.find((v) => !v.ok);
        if (bad && this.exceptionFilters.has('failed_expectation')) return { reason: 'exception', actor: 'toolstack', description: `expectation failed: ${bad.text}`, exception: { id: 'failed_expectation', text: bad.text } };
        return { reason: 'end', actor: 'toolstack' };
      }
      const s = this.checkStop(prevWatch, prevCrash, prevStep);
      if (s) return s;
      if (until(depth0, step0)) return { reason: reasonIfUntil, actor: this.currentStep!.actor };
      if (this.pauseRequested) return { reason: 'pause', actor: this.currentStep!.actor };
    }
  }

  continue(): StopInfo {
    return this.runForward(() => false, 'step');
  }

  /** stepIn: one statement. */
  stepIn(): StopInfo {
    return this.runForward(() => true, 'step');
  }

  /** next: the next statement at this depth or shallower (or the next step). */
  next(): StopInfo {
    return this.runForward((d0, s0) => this.pos.step !== s0 || this.frames().length <= d0, 'step');
  }

  /** stepOut: until the current function returns. */
  stepOut(): StopInfo {
    return this.runForward((d0, s0) => this.pos.step !== s0 || this.frames().length < d0, 'step');
  }

  pause(): void {
    this.pauseRequested = true;
  }

  // ---- time travel ----

  /** Moves to position t exactly (restore a snapshot, replay). */
  goto(t: number): void {
    if (t < 0) t = 0;
    // Find the step containing t among the steps already reached.
    let i = this.stepStart.length - 1;
    while (i > 0 && this.stepStart[i] > t) i--;
    let snap = i - (i % SNAPSHOT_EVERY);
    while (snap > 0 && !this.snapshots.has(snap)) snap -= SNAPSHOT_EVERY;
    this.replaying = true;
    try {
      const sn = this.snapshots.get(snap)!;
      this.session = sn.s.clone(false);
      this.eventLog.length = sn.events;
      this.session.m.x.events = this.eventLog;
      this.session.m.x.on = true;
      this.ended = false;
      this.stuck = null;
      this.gen = null;
      this.directPending = false;
      this.pos = { t: this.stepStart[snap], step: snap, stmt: 0 };
      // Whole steps on the flat build (no edits inside them may exist, else step statement by statement).
      for (let k = snap; k < i; k++) {
        const from = this.stepStart[k], to = this.stepStart[k + 1];
        if (this.edits.some((e) => e.t >= from && e.t < to)) break;
        const step = this.sc.steps[k];
        const r = this.session.runFlat(step);
        this.finishStep(r);
        this.pos = { t: to, step: k + 1, stmt: 0 };
      }
      this.enterStep();
      this.applyEditsAt(this.pos.t);
      while (this.pos.t < t && !this.ended) this.moveOne();
    } finally {
      this.replaying = false;
    }
  }

  /** stepBack: the previous position (into calls, like stepIn backwards). */
  stepBack(): StopInfo {
    if (this.pos.t === 0) return { reason: 'entry', actor: this.currentStep?.actor ?? 'toolstack', description: 'at the start' };
    this.goto(this.pos.t - 1);
    return { reason: 'step', actor: this.currentStep!.actor };
  }

  /** reverseContinue: back to the latest earlier position where a breakpoint or exception stops (or the start). */
  reverseContinue(): StopInfo {
    const target = this.pos.t;
    let found: number | null = null;
    let foundStop: StopInfo | null = null;
    // Scan one snapshot interval at a time, newest first, for the last stop before `target`.
    let i = this.pos.step;
    let snap = i - (i % SNAPSHOT_EVERY);
    for (;;) {
      const end = snap === i - (i % SNAPSHOT_EVERY) ? target : this.stepStart[Math.min(snap + SNAPSHOT_EVERY, this.stepStart.length - 1)];
      this.goto(this.stepStart[snap]);
      this.replaying = true;
      try {
        while (this.pos.t < end && !this.ended) {
          const prevWatch = this.dataBreakpoints.length ? this.watchValues() : [];
          const prevCrash = this.crashedSet();
          const prevStep = this.pos.step;
          this.moveOne();
          if (this.pos.t >= end || this.ended) break;
          const s = this.checkStop(prevWatch, prevCrash, prevStep);
          if (s) { found = this.pos.t; foundStop = s; }
        }
      } finally {
        this.replaying = false;
      }
      if (found !== null || snap === 0) break;
      snap -= SNAPSHOT_EVERY;
    }
    this.goto(found ?? 0);
    return found !== null && foundStop ? foundStop : { reason: 'entry', actor: this.currentStep?.actor ?? 'toolstack', description: 'reached the start' };
  }

  // ---- edits ----

  /** Records and applies a change the user makes to the model at the current position. */
  edit(apply: (s: Session) => void): void {
    // The future now differs: forget what was learnt about later steps.
    this.edits = this.edits.filter((e) => e.t <= this.pos.t);
    this.stepStart.length = this.pos.step + 1;
    for (const k of [...this.snapshots.keys()]) if (k > this.pos.step) this.snapshots.delete(k);
    this.edits.push({ t: this.pos.t, apply });
    apply(this.session);
  }
}

/** Reads a watched datum: "slot:<domid>:<vcpu>:state", "param:<domid>:<index>", "evtchn:<domid>:<port>:pending". */
export function readData(s: Session, dataId: string): unknown {
  const [kind, a, b] = dataId.split(':');
  const d = s.m.x.domains.get(Number(a));
  if (!d) return undefined;
  if (kind === 'param') return d.arch.hvm_domain.params[Number(b)];
  if (kind === 'evtchn') return d.evtchn.ports[Number(b)]?.pending;
  if (kind === 'slot') {
    const srv = d.arch.hvm_domain.ioreq_server;
    if (!srv || !srv.ioreq.va) return undefined;
    return A.getState(srv.ioreq.va, A.ioreqOffset(Number(b)));
  }
  return undefined;
}
