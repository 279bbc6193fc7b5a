// The stepping runtime beside the model: it drives the scenario's steps on the model's stepped build (the same
// source as the flat build, see src/model/step.ts), one statement at a time, forwards and backwards. It knows
// nothing of DAP; session.ts translates. Time travel: the model is deterministic, so a position is a count of
// statements since the start; the runtime keeps a snapshot before every SNAPSHOT_EVERY-th step and reaches any
// position by restoring the nearest snapshot, running whole steps on the flat build, then the last step stepped.
// User edits (setVariable, writeMemory) are recorded at their position and replayed, so travel stays exact.
// Each step's positions are its statements, then one where its operation has returned (the scenario step is the
// only frame; the step's result and its `after` checks are known there). Stepping follows DAP: next / stepIn /
// stepOut stop in the thread (actor) they were asked for; stepBack is the reverse of next at the same depth.
import * as A from '../model/abi';
import type { ProfileName } from '../model/layout';
import type { ModelEvent } from '../model/events';
import type { Frame } from '../model/step';
import { Session, type StepResult } from '../scenario/exec';
import { Checker, stepExpectVerdicts, type Verdict } from '../scenario/expect';
import { stateViolations } from '../scenario/explore';
import type { Loc } from '../scenario/errors';
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
  exception?: { id: 'domain_crash' | 'failed_expectation' | 'panic' | 'invariant'; text: string };
  /** Where in the scenario the stop is (a failing check, an expectation of the file): shown as the stop's frame. */
  location?: Loc;
  /** The name of that frame once the scenario has ended or is stuck (e.g. "expect (end of the scenario)"). */
  where?: string;
}

/** Stepping granularity (DAP's SteppingGranularity). */
export type Granularity = 'statement' | 'line' | 'instruction';

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
  /** The position is the current step's return (its operation has finished; no modelled frame is left). */
  returned = false;
  /** How much of the event log has gone to onEvent: a replay after time travel sends nothing twice. */
  private emitted = 0;
  /** The call depth at each position visited (the model is deterministic: it holds until an edit changes the future). */
  private depthAt: number[] = [];
  private record(): void {
    this.depthAt[this.pos.t] = this.frames().length;
  }
  /** The explorer's invariants violated at the last step's return: a stop is for one that has just appeared. */
  private lastViolations = new Set<string>();

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
    this.returned = false;
    this.emitted = 0;
    this.lastViolations = new Set();
    this.pending = null;
    this.pos = { t: 0, step: 0, stmt: 0 };
    this.stepStart = [0];
    this.eventLog = this.session.m.x.events;
    this.snapshots = new Map([[0, { s: this.session.clone(false), events: this.eventLog.length }]]);
    this.results = [];
    this.finalVerdicts = null;
    this.ended = this.sc.steps.length === 0;
    this.depthAt = [];
    this.seenFrames = new WeakSet();
    if (!this.ended) this.enterStep();
    this.record();
    this.markSeen();
  }

  /** The top frame at a position reached without a move (a reset, the end of a travel) is no longer a call's first
   *  statement once the runtime moves on from it: a function breakpoint stops at a call's entry only. */
  private markSeen(): void {
    const top = this.frames().at(-1);
    if (top) this.seenFrames.add(top);
  }

  get currentStep(): Step | undefined {
    return this.sc.steps[this.pos.step];
  }

  /** The frames of the step in progress (outermost first); none once its operation has returned. */
  frames(): Frame[] {
    if (this.ended || this.returned) return [];
    return this.session.m.frames.slice();
  }

  /** The current step's result, at its return position. */
  get stepResult(): { result: StepResult; verdicts: Verdict[] } | undefined {
    return this.returned ? this.results[this.pos.step] : undefined;
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
    this.returned = false;
    // Advance to the first statement; a step with none (a direct op) has then run: its one position is its return.
    const r = this.gen.next();
    this.flushEvents();
    if (r.done) {
      this.finishStep(r.value);
      this.returned = true;
      this.gen = null;
    }
  }

  /** Why the scenario cannot go on (a step that cannot run in the state reached), once it is stuck. */
  stuck: string | null = null;

  /** Sends the events not sent yet (a replay re-creates the same events: they were sent the first time). */
  private flushEvents(): void {
    const ev = this.session.m.x.events;
    if (this.replaying || !this.onEvent) { if (!this.replaying) this.emitted = Math.max(this.emitted, ev.length); return; }
    for (let i = this.emitted; i < ev.length; i++) this.onEvent(ev[i]);
    this.emitted = Math.max(this.emitted, ev.length);
  }

  /** The length of the event log at this position (a view trims its copy to it after time travel). */
  get eventCount(): number {
    return this.eventLog.length;
  }

  /** One position forward (none at the end of the scenario, or once stuck). */
  private advance(): void {
    if (this.ended) return;
    if (this.returned) {
      // From the step's return to the next step's first statement (or the end).
      this.returned = false;
      this.pos.step++;
      this.pos.stmt = 0;
      this.pos.t++;
      if (this.pos.step >= this.sc.steps.length) {
        this.ended = true;
        this.gen = null;
        const ck = new Checker(this.session.m);
        this.finalVerdicts = this.sc.expect.map((e) => ck.check(e));
        return;
      }
      if (this.stepStart.length <= this.pos.step) this.stepStart[this.pos.step] = this.pos.t;
      if (this.pos.step % SNAPSHOT_EVERY === 0 && !this.snapshots.has(this.pos.step)) this.snapshots.set(this.pos.step, { s: this.session.clone(false), events: this.eventLog.length });
      try {
        this.enterStep();
      } catch (e) {
        if (!(e instanceof RuntimeError)) throw e;
        this.stuck = e.message;
        return;
      }
    } else {
      const r = this.gen!.next();
      this.flushEvents();
      if (r.done) {
        this.finishStep(r.value);
        this.returned = true;
        this.gen = null;
      }
      this.pos.stmt++;
      this.pos.t++;
    }
    this.applyEditsAt(this.pos.t);
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

  /**
   * Stops found at a position after the first, still to be reported there: a step's failing checks, the violation
   * the step caused and a crash or a watched write can all happen at one return, and each is its own stop. The next
   * forward move reports them, in order, before it moves. Travel drops them.
   */
  private pending: { t: number; stops: StopInfo[] } | null = null;

  /** Checks the stop conditions at the current position; returns the first stop (keeping the others) or null.
   *  prevReturned: the step whose return the runtime was at before this move (-1: none). */
  private checkStop(prevWatch: string[], prevCrash: string, prevReturned: number): StopInfo | null {
    const [first, ...rest] = this.stopsHere(prevWatch, prevCrash, prevReturned);
    this.pending = rest.length ? { t: this.pos.t, stops: rest } : null;
    return first ?? null;
  }

  /** Every stop condition that holds at the current position, in the order they are reported. A code breakpoint only
   *  when nothing else stops here (the user is already at its line). */
  private stopsHere(prevWatch: string[], prevCrash: string, prevReturned: number): StopInfo[] {
    const actor = this.currentStep?.actor ?? 'toolstack';
    const out: StopInfo[] = [];
    if (this.returned && prevReturned !== this.pos.step) {
      // The step's operation has just returned (a direct step, one without modelled statements, returns as it is
      // entered, straight from the previous step's return): its expect and after checks, then the explorer's
      // invariants.
      const bad = this.results[this.pos.step]?.verdicts.filter((v) => !v.ok) ?? [];
      if (bad.length && this.exceptionFilters.has('failed_expectation')) {
        const text = bad.map((v) => `${v.text} (${v.loc.file}:${v.loc.line}:${v.loc.column})`).join('; ');
        out.push({ reason: 'exception', actor, description: `expectation failed: ${bad.map((v) => v.text).join('; ')}`, exception: { id: 'failed_expectation', text }, location: bad[0].loc });
      }
      if (this.exceptionFilters.has('invariant')) {
        const now = stateViolations(this.session).filter((x) => !this.sc.allow.has(x.kind));
        const v = now.find((x) => !this.lastViolations.has(x.kind));
        this.lastViolations = new Set(now.map((x) => x.kind));
        if (v) {
          const step = this.currentStep!;
          out.push({ reason: 'exception', actor, description: `${v.kind}: ${v.message}`, exception: { id: 'invariant', text: `${v.kind}: ${v.message}` }, location: step.loc });
        }
      }
    }
    const crash = this.crashedSet();
    if (crash !== prevCrash && this.exceptionFilters.has('domain_crash')) {
      const was = new Set(prevCrash.replace('P', '').split(',').filter(Boolean).map(Number));
      const d = [...this.session.m.x.domains.values()].find((x) => x.crashed && !was.has(x.domain_id));
      const text = this.session.m.x.panic ? `Xen panic: ${this.session.m.x.panic.message}` : `domain_crash(d${d?.domain_id}): ${d?.crashed?.reason}`;
      out.push({ reason: 'exception', actor, description: text, exception: { id: this.session.m.x.panic ? 'panic' : 'domain_crash', text } });
    }
    if (this.dataBreakpoints.length) {
      const now = this.watchValues();
      const hit = this.dataBreakpoints.filter((_, i) => now[i] !== prevWatch[i]);
      if (hit.length) {
        // Who wrote it: the statement that just ran (the top frame before this one moved on), in which thread.
        const by = this.lastWriter();
        out.push({ reason: 'data breakpoint', actor, hitBreakpointIds: hit.map((b) => b.id), description: `${hit.map((b) => describeData(b.dataId)).join(', ')} written by ${by}` });
      }
    }
    const top = this.frames().at(-1);
    if (top && this.codeBreakpoints.length && !out.length) {
      const first = this.firstOfCall;
      const lineHits = this.codeBreakpoints.filter((bp) => bp.label !== undefined && bp.fn === top.fn && bp.label === top.at);
      const fnHits = first ? this.codeBreakpoints.filter((bp) => bp.label === undefined && bp.fn === top.fn) : [];
      if (lineHits.length || fnHits.length) {
        out.push({ reason: lineHits.length ? 'breakpoint' : 'function breakpoint', actor, hitBreakpointIds: [...lineHits, ...fnHits].map((bp) => bp.id) });
      }
    }
    return out;
  }

  /** Frames already seen at an earlier position: a top frame not in here is the first statement of its call. */
  private seenFrames = new WeakSet<Frame>();
  private firstOfCall = true;

  /** The statement the last move ran (the top frame before it), as "actor fn (label)". */
  private lastRan = '';
  private lastWriter(): string {
    return this.lastRan || 'the scenario';
  }

  private moveOne(): void {
    const st = this.currentStep;
    const topBefore = this.frames().at(-1);
    this.lastRan = st ? `${st.actor}${topBefore ? ` in ${topBefore.fn} (${topBefore.at})` : ` (step ${st.index} ${st.op})`}` : '';
    this.advance();
    if (!this.ended) this.record();
    // A direct step (no modelled statement) runs as it is entered: it is the writer.
    if (this.returned && this.pos.stmt === 0 && this.currentStep) this.lastRan = `${this.currentStep.actor} (step ${this.currentStep.index} ${this.currentStep.op})`;
    const top = this.frames().at(-1);
    this.firstOfCall = !!top && !this.seenFrames.has(top);
    if (top) this.seenFrames.add(top);
  }

  /**
   * The stop for a step that cannot run in the state reached. When no actor's next step can run either (the
   * explorer's counterexample for a deadlock ends with each actor's blocked step), the stop is the deadlock: every
   * actor's step and why it cannot run, and every vcpu blocked in Xen.
   */
  private stuckStop(why: string): StopInfo {
    const st = this.currentStep;
    const dl = st ? this.deadlock(st) : null;
    if (st && dl) {
      return { reason: 'exception', actor: st.actor, description: dl, exception: { id: 'invariant', text: dl }, location: st.loc, where: `step ${st.index}: deadlock` };
    }
    return { reason: 'exception', actor: st?.actor ?? 'toolstack', description: why, exception: { id: 'failed_expectation', text: why }, location: st?.loc, where: st ? `step ${st.index}: ${st.op} cannot run` : undefined };
  }

  /** "deadlock: …" when, from the stuck step on, no actor's next step can run; null when one can. */
  private deadlock(stuck: Step): string | null {
    const next = new Map<string, Step>();
    for (const st of this.sc.steps.slice(stuck.index)) if (!next.has(st.actor)) next.set(st.actor, st);
    const why: string[] = [];
    for (const st of next.values()) {
      const w = this.session.blocked(st);
      if (!w) return null;
      why.push(`${st.actor} cannot run step ${st.index} (${st.op}): ${w}`);
    }
    for (const d of this.session.m.x.domains.values()) {
      for (const v of d.vcpu) {
        const name = `d${d.domain_id}v${v.vcpu_id}`;
        if (v.pause_flags.blocked_in_xen && !next.has(name)) why.push(`${name} is blocked in Xen waiting for its ioreq`);
      }
    }
    return `deadlock: ${why.join('; ')}`;
  }

  /** The actor a stepping request is for: the given thread's, else the current step's. */
  private actorOr(actor?: string): string {
    return actor ?? this.currentStep?.actor ?? 'toolstack';
  }

  /** Runs forward until `until` says stop, a stop condition fires, or the end. */
  private runForward(until: () => boolean, actor: string, reasonIfUntil: StopReason): StopInfo {
    this.pauseRequested = false;
    if (this.pending?.t === this.pos.t) {
      const s = this.pending.stops.shift()!;
      if (!this.pending.stops.length) this.pending = null;
      return s;
    }
    this.pending = null;
    for (;;) {
      if (this.stuck) return this.stuckStop(this.stuck);
      if (this.ended) return { reason: 'end', actor: 'toolstack' };
      const prevWatch = this.dataBreakpoints.length ? this.watchValues() : [];
      const prevCrash = this.crashedSet();
      const prevReturned = this.returned ? this.pos.step : -1;
      this.moveOne();
      if (this.stuck) return this.stuckStop(this.stuck);
      if (this.ended) return this.endStop();
      const s = this.checkStop(prevWatch, prevCrash, prevReturned);
      if (s) return s;
      if (until()) return { reason: reasonIfUntil, actor };
      if (this.pauseRequested) return { reason: 'pause', actor: this.currentStep!.actor };
    }
  }

  /** At the end: a stop at the file's first failing expectation (when the filter is on), else the end. */
  private endStop(): StopInfo {
    const bad = this.finalVerdicts?.filter((v) => !v.ok) ?? [];
    if (bad.length && this.exceptionFilters.has('failed_expectation')) {
      return { reason: 'exception', actor: 'toolstack', description: `expectation failed: ${bad.map((v) => v.text).join('; ')}`, exception: { id: 'failed_expectation', text: bad.map((v) => `${v.text} (${v.loc.file}:${v.loc.line}:${v.loc.column})`).join('; ') }, location: bad[0].loc, where: 'expect (end of the scenario)' };
    }
    if (this.exceptionFilters.has('invariant')) {
      const x = this.session.m.x;
      for (const d of x.domains.values()) {
        if (d.is_dying || d.crashed || this.sc.allow.has('vcpu-blocked-forever')) continue;
        const v = d.vcpu.find((w) => w.pause_flags.blocked_in_xen);
        if (v) {
          const text = `vcpu-blocked-forever: every actor has finished but d${d.domain_id}v${v.vcpu_id} is still blocked in Xen waiting for its ioreq`;
          return { reason: 'exception', actor: `d${d.domain_id}v${v.vcpu_id}`, description: text, exception: { id: 'invariant', text }, location: this.sc.steps.at(-1)?.loc, where: 'end of the scenario' };
        }
      }
    }
    return { reason: 'end', actor: 'toolstack' };
  }

  /** The actor and depth at the current position (depth 0: a step's return). */
  private here(): { actor: string | undefined; step: number; depth: number } {
    return { actor: this.ended ? undefined : this.currentStep?.actor, step: this.pos.step, depth: this.frames().length };
  }

  continue(): StopInfo {
    return this.runForward(() => false, this.actorOr(), 'step');
  }

  /** stepIn: the thread's next position (into calls). */
  stepIn(actor?: string): StopInfo {
    const a = this.actorOr(actor);
    return this.runForward(() => this.here().actor === a, a, 'step');
  }

  /** next: the thread's next position at this depth or shallower, or its next step. */
  next(actor?: string, granularity?: Granularity): StopInfo {
    if (granularity === 'instruction') return this.stepIn(actor);
    const a = this.actorOr(actor);
    const h0 = this.here();
    const mine = h0.actor === a;
    return this.runForward(() => {
      const h = this.here();
      return h.actor === a && (!mine || h.step !== h0.step || h.depth <= h0.depth);
    }, a, 'step');
  }

  /** stepOut: until the thread's current function returns; from a step's outermost function, the step's return. */
  stepOut(actor?: string): StopInfo {
    const a = this.actorOr(actor);
    const h0 = this.here();
    const mine = h0.actor === a;
    return this.runForward(() => {
      const h = this.here();
      return h.actor === a && (!mine || h.step !== h0.step || h.depth < h0.depth);
    }, a, 'step');
  }

  pause(): void {
    this.pauseRequested = true;
  }

  // ---- time travel ----

  /** Moves to position t exactly (restore a snapshot, replay). */
  goto(t: number): void {
    if (t < 0) t = 0;
    this.pending = null;
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
      this.returned = false;
      this.pos = { t: this.stepStart[snap], step: snap, stmt: 0 };
      // A scenario without steps has only its end.
      if (!this.sc.steps.length) {
        this.ended = true;
        this.record();
        return;
      }
      // Whole steps on the flat build (no edits inside them may exist, else step statement by statement).
      for (let k = snap; k < i; k++) {
        const from = this.stepStart[k], to = this.stepStart[k + 1];
        if (this.edits.some((e) => e.t >= from && e.t < to)) break;
        const step = this.sc.steps[k];
        const r = this.session.runFlat(step);
        this.finishStep(r);
        this.pos = { t: to, step: k + 1, stmt: 0 };
      }
      try {
        this.enterStep();
      } catch (e) {
        // The step travelled to cannot run (the position the scenario got stuck at): stuck there again.
        if (!(e instanceof RuntimeError)) throw e;
        this.stuck = e.message;
        this.record();
        return;
      }
      this.applyEditsAt(this.pos.t);
      this.record();
      this.markSeen();
      while (this.pos.t < t && !this.ended) this.moveOne();
    } finally {
      this.replaying = false;
    }
    this.lastViolations = new Set(stateViolations(this.session).map((x) => x.kind));
  }

  /**
   * stepBack. By statement or line (the default): the reverse of next at the same depth in this thread: the latest
   * earlier position of the step at this depth or shallower (so it steps back over a call, never into the callee;
   * from the step's return, its outermost function's last statement); from a step's first statement, the thread's
   * previous step's return. By instruction: the previous position.
   */
  stepBack(actor?: string, granularity: Granularity = 'statement'): StopInfo {
    const a = this.actorOr(actor);
    const c = { t: this.pos.t, ...this.here() };
    if (c.t === 0) return { reason: 'entry', actor: a, description: 'at the start' };
    let target: number | undefined;
    if (c.actor === a && c.t > this.stepStart[c.step]) {
      if (granularity === 'instruction') target = c.t - 1;
      else {
        // A step's return counts as its outermost function's depth: next from that function's last statement comes
        // to the return, so stepBack from the return goes to that statement.
        const d0 = Math.max(1, c.depth);
        const from = this.stepStart[c.step];
        // Every position of the step in progress has been visited (travel replays the last step statement by
        // statement, an edit keeps the depths up to its position), so each one's depth is known.
        for (let t = c.t - 1; t >= from && target === undefined; t--) if (this.depthAt[t] <= d0) target = t;
      }
    }
    if (target === undefined) {
      // The return of this thread's latest step before this one (a step's return is the position before the next step).
      let p = (c.actor === a ? c.step : this.ended ? this.sc.steps.length : this.pos.step) - 1;
      while (p >= 0 && this.sc.steps[p].actor !== a) p--;
      if (p >= 0) target = p + 1 < this.stepStart.length ? this.stepStart[p + 1] - 1 : this.pos.t - 1;
    }
    // Nothing of this thread before here: it stays (its first statement).
    if (target === undefined) return { reason: 'entry', actor: a };
    this.goto(target);
    return { reason: 'step', actor: a };
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
      // The newest interval ends before `target`; an older one includes its end (the first statement of the next
      // interval's first step, which that interval's scan starts from and so does not check).
      const newest = snap === i - (i % SNAPSHOT_EVERY);
      const end = newest ? target : Math.min(target, this.stepStart[Math.min(snap + SNAPSHOT_EVERY, this.stepStart.length - 1)] + 1);
      this.goto(this.stepStart[snap]);
      this.replaying = true;
      try {
        while (this.pos.t < end && !this.ended) {
          const prevWatch = this.dataBreakpoints.length ? this.watchValues() : [];
          const prevCrash = this.crashedSet();
          const prevReturned = this.returned ? this.pos.step : -1;
          this.moveOne();
          if (this.pos.t >= end || this.ended) break;
          const s = this.checkStop(prevWatch, prevCrash, prevReturned);
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
    // What follows is new: its events are sent again, its depths learnt again.
    this.emitted = this.eventLog.length;
    this.depthAt.length = this.pos.t + 1;
  }
}

/**
 * Reads a watched datum: "slot:<domid>:<vcpu>:state", "param:<domid>:<index>", "evtchn:<domid>:<port>:pending", or
 * bytes of a page, "mem:<domid>:<pfn hex>:<offset>:<count>".
 */
export function readData(s: Session, dataId: string): unknown {
  const [kind, a, b, c, n] = dataId.split(':');
  const d = s.m.x.domains.get(Number(a));
  if (!d) return undefined;
  if (kind === 'mem') {
    const g = d.physmap.get(parseInt(b, 16));
    if (!g?.bytes) return null;
    return Array.from(g.bytes.subarray(Number(c), Number(c) + Number(n))).join(',');
  }
  if (kind === 'param') return d.arch.hvm_domain.params[Number(b)];
  if (kind === 'evtchn') return d.evtchn.ports[Number(b)]?.pending;
  if (kind === 'slot') {
    const srv = d.arch.hvm_domain.ioreq_server;
    if (!srv || !srv.ioreq.va) return undefined;
    return A.getState(srv.ioreq.va, A.ioreqOffset(Number(b)));
  }
  return undefined;
}

/** A data id as a user reads it. */
export function describeData(dataId: string): string {
  const [kind, a, b, c, n] = dataId.split(':');
  if (kind === 'mem') return `d${a}:0x${b}+0x${Number(c).toString(16)} (${n} byte${n === '1' ? '' : 's'})`;
  if (kind === 'slot') return `d${a}v${b} slot state`;
  if (kind === 'param') return `d${a} param ${b}`;
  if (kind === 'evtchn') return `d${a} port ${b} pending`;
  return dataId;
}
