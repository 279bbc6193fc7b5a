// The Debug Adapter Protocol session: it only translates between DAP and the stepping runtime (runtime.ts), which
// steps the model's own code. Threads are the scenario's actors; frames are the modelled functions' call stack;
// sources are this project's listings (listing.ts). Runs inline in VS Code and as dist/debugAdapter.js.
import * as fs from 'fs';
import * as path from 'path';
import {
  Breakpoint, Handles, InitializedEvent, LoggingDebugSession, OutputEvent, Scope, Source, StackFrame, StoppedEvent,
  TerminatedEvent, Thread, Event as DapEvent,
} from '@vscode/debugadapter';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { isProfile, PROFILES, type ProfileName } from '../model/layout';
import type { ModelEvent } from '../model/events';
import { stepFrameName } from '../scenario/ops';
import { parseScenario } from '../scenario/parse';
import { STATE_EVENT, isCustomRequest, type CustomRequests, type StateEventBody } from '../common/messages';
import { BreakpointSet, listingForPath } from './breakpoints';
import { locateLabel, type Listing, loadListing } from './listing';
import { addressBreakpointInfo, changedSince, memoryRef, parseMemoryRef, readPage, snapshotPages, writePage, type PageSnapshot } from './memory';
import { actorsOf, IoreqRuntime, type Granularity, type StopInfo } from './runtime';
import { EvalError, evaluate, show } from './values';
import { dataBreakpointOf, frameContext, scopesOf, setVariable, variablesOf, type FrameRef, type RtVar, type VarNode } from './variables';
import { threadName } from './threads';
import { findInXenTree, XenTreeIndex } from './xentree';

export { findInXenTree, memoryRef, parseMemoryRef };

export interface LaunchArgs extends DebugProtocol.LaunchRequestArguments {
  /** Path of the scenario file. */
  scenario: string;
  /** legacy, seed or 4.5; the file's own when absent. */
  profile?: string;
  stopOnEntry?: boolean;
  /** A Xen source tree; frames then also point into its xen/arch/x86/hvm/hvm.c. */
  xenTree?: string;
  /** libxc's debug logging on for every xc_hvm_build step: setup_guest's DPRINTF lines in the debug console. */
  libxcDebug?: boolean;
  /** false: stops send no DAP `memory` events (and keep no page snapshot); the bench's floor. On by default. */
  memoryEvents?: boolean;
}

/** How listings are named to the client: always `ioreq-scope:/<name>`, with or without a DAP source reference. */
export interface SessionOptions {
  /**
   * The client shows `ioreq-scope:` documents itself (the extension's content provider): no source reference, so
   * the name stays the same across sessions and breakpoints persist. Otherwise (any DAP client) a source reference
   * the client reads with the `source` request.
   */
  listingScheme?: boolean;
}

/** The stable name of a listing: ioreq-scope:/seed/hvm.c. */
export const LISTING_SCHEME = 'ioreq-scope';
export function listingUri(name: string): string {
  return `${LISTING_SCHEME}:/${name}`;
}

const EXCEPTION_FILTERS: DebugProtocol.ExceptionBreakpointsFilter[] = [
  { filter: 'domain_crash', label: 'domain_crash', description: 'Stop when a domain crashes (or Xen panics).', default: true },
  { filter: 'failed_expectation', label: 'failed expectation', description: "Stop at each of the scenario's checks that fails (a step's expect or after, the file's expect).", default: true },
  { filter: 'invariant', label: 'invariant violated', description: "Stop when a step leaves the model violating one of the explorer's invariants (a lost request, a slot state outside Xen's four, a use-after-free, ...).", default: true },
];

/** The frame id of the scenario step frame within a thread's stack. */
const STEP = 'step' as const;

export class IoreqDebugSession extends LoggingDebugSession {
  private rt: IoreqRuntime | null = null;
  private actors: string[] = [];
  private handles = new Handles<VarNode>();
  private configured: Promise<void>;
  private configuredResolve!: () => void;
  private stopOnEntry = false;
  /** The user's Xen tree (launch's xenTree), for the console's links. */
  private xen = new XenTreeIndex(undefined);
  /** The last stop (its location is the frame shown for a check that failed at the end). */
  private lastStop: StopInfo | null = null;
  /** Every breakpoint of the session (breakpoints.ts); the runtime gets them in applyBreakpoints. */
  private bps = new BreakpointSet(EXCEPTION_FILTERS.filter((f) => f.default).map((f) => f.filter));
  private pendingEvents: ModelEvent[] = [];
  /** The position (t) at which each model event was emitted going forward, for travelling to an event. */
  private eventAt = new Map<number, number>();
  /** Source references of the listings (one per listing for the session's life). */
  private sourceRefs = new Map<string, number>();

  /** The model events since the last stop, and the Debug Console's lines for them (one output event). */
  private takeModelEvents(): { list: ModelEvent[]; output?: DebugProtocol.Event } {
    const evs = this.pendingEvents;
    this.pendingEvents = [];
    if (!evs.length) return { list: evs };
    return { list: evs, output: new OutputEvent(evs.map((e) => (e.kind === 'printk' ? `[${e.actor}] (XEN) ${e.text}\n` : `[${e.actor}] ${e.fn}: ${e.text}\n`)).join(''), 'console') };
  }

  private opts: SessionOptions;
  /** `opts` from the extension; DebugSession.run (the stand-alone adapter) passes its obsolete booleans. */
  constructor(opts: SessionOptions | boolean = {}) {
    super();
    this.opts = typeof opts === 'object' ? opts : {};
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.configured = new Promise((r) => { this.configuredResolve = r; });
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsStepBack: true,
      supportsSteppingGranularity: true,
      supportsFunctionBreakpoints: true,
      supportsDataBreakpoints: true,
      supportsDataBreakpointBytes: true,
      supportsSetVariable: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsEvaluateForHovers: true,
      supportsRestartRequest: true,
      supportsTerminateRequest: true,
      supportsBreakpointLocationsRequest: true,
      exceptionBreakpointFilters: EXCEPTION_FILTERS,
    };
    this.sendResponse(response);
    this.sendEvent(new InitializedEvent());
  }

  protected override configurationDoneRequest(response: DebugProtocol.ConfigurationDoneResponse): void {
    this.sendResponse(response);
    this.configuredResolve();
  }

  protected override async launchRequest(response: DebugProtocol.LaunchResponse, args: LaunchArgs): Promise<void> {
    let text: string;
    try {
      if (typeof args.scenario !== 'string' || !args.scenario) throw new Error("launch needs 'scenario': the path of a *.ioreq.json file");
      if (args.profile !== undefined && !isProfile(args.profile)) throw new Error(`unknown profile '${args.profile}' (expected ${PROFILES.join(', ')})`);
      try {
        text = fs.readFileSync(args.scenario, 'utf8');
      } catch (e) {
        throw new Error(`cannot read scenario '${args.scenario}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const sc = parseScenario(text, args.scenario);
      if (args.libxcDebug) for (const st of sc.steps) if (st.op === 'xc_hvm_build') st.args.debug = true;
      this.rt = new IoreqRuntime(sc, args.profile as ProfileName | undefined);
    } catch (e) {
      const msg = (e as Error).message;
      this.sendErrorResponse(response, { id: 1001, format: msg.replace(/[{}]/g, ''), showUser: true });
      this.sendEvent(new OutputEvent(msg + '\n', 'stderr'));
      this.sendEvent(new TerminatedEvent());
      return;
    }
    this.stopOnEntry = !!args.stopOnEntry;
    this.xen = new XenTreeIndex(args.xenTree);
    this.memoryEvents = args.memoryEvents !== false;
    this.actors = actorsOf(this.rt.sc);
    // Model events are sent in one batch per stop: the lines to the debug console, the records to the views.
    this.rt.onEvent = (e) => { this.pendingEvents.push(e); this.eventAt.set(e.seq, this.rt!.pos.t); };
    // Entering the first step may already have made events (before onEvent was set): they are the first stop's.
    for (const e of this.rt.session.m.x.events) { this.pendingEvents.push(e); this.eventAt.set(e.seq, 0); }
    await this.configured;
    this.applyBreakpoints();
    this.sendResponse(response);
    if (this.stopOnEntry) this.report({ reason: 'entry', actor: this.rt.currentStep?.actor ?? 'toolstack' });
    else this.report(this.rt.continue());
  }

  // ---- threads, frames, sources ----

  /** Frame ids are handed out per stop (reset in report), so an id never names two different frames. */
  private frames = new Handles<FrameRef>(1);

  private threadId(actor: string): number {
    return this.actors.indexOf(actor) + 1;
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: this.actors.map((a) => new Thread(this.threadId(a), threadName(this.rt, a))) };
    this.sendResponse(response);
  }

  /** A listing as a DAP source: always named ioreq-scope:/<name>; a source reference unless the client shows that scheme. */
  private sourceOf(l: Listing): Source {
    const src = new Source(l.name, listingUri(l.name)) as DebugProtocol.Source;
    if (!this.opts.listingScheme) {
      let ref = this.sourceRefs.get(l.name);
      if (!ref) { ref = this.sourceRefs.size + 1; this.sourceRefs.set(l.name, ref); }
      src.sourceReference = ref;
    }
    return src as Source;
  }

  protected override stackTraceRequest(response: DebugProtocol.StackTraceResponse, args: DebugProtocol.StackTraceArguments): void {
    const rt = this.rt!;
    const actor = this.actors[args.threadId - 1];
    const frames: StackFrame[] = [];
    if (rt.currentStep && actor === rt.currentStep.actor && !rt.ended) {
      const fs = rt.frames();
      for (let k = fs.length - 1; k >= 0; k--) {
        const f = fs[k];
        const loc = locateLabel(rt.sc.profile, f.fn, f.at);
        frames.push(new StackFrame(this.frames.create({ actor, k }), f.fn, loc ? this.sourceOf(loc.listing) : undefined, loc?.line ?? 0, 1));
      }
      // The scenario step is the outermost frame; at its return (a check that failed) the check's own line.
      const st = rt.currentStep;
      const at = rt.returned && this.lastStop?.location ? this.lastStop.location : st.loc;
      const name = rt.returned ? `${stepFrameName(st)} (returned rc ${rt.stepResult ? show('rc', rt.stepResult.result.rc).value : '?'})` : stepFrameName(st);
      frames.push(new StackFrame(this.frames.create({ actor, k: STEP }), name, new Source(path.basename(at.file), path.resolve(at.file)), at.line, at.column));
    } else if (rt.ended && this.lastStop?.location && this.lastStop.actor === actor) {
      // Stopped at the end (the file's expectation) or stuck (a step that cannot run): that place is the one frame.
      const at = this.lastStop.location;
      frames.push(new StackFrame(this.frames.create({ actor, k: STEP }), this.lastStop.where ?? 'end of the scenario', new Source(path.basename(at.file), path.resolve(at.file)), at.line, at.column));
    }
    // A thread with nothing running has no frames (its state is in its name).
    const start = args.startFrame ?? 0;
    const levels = args.levels || frames.length;
    response.body = { stackFrames: frames.slice(start, start + levels), totalFrames: frames.length };
    this.sendResponse(response);
    // The stopped thread's stack is on its way to the screen: now the rest of the stop (see afterStop).
    if (this.afterStop.length && actor === this.lastStop?.actor) {
      if (this.afterStopTimer) clearTimeout(this.afterStopTimer);
      this.afterStopTimer = setTimeout(() => this.flushAfterStop(), 0);
    }
  }

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    const byRef = [...this.sourceRefs].find(([, r]) => r === args.sourceReference)?.[0];
    const l = byRef ? loadListing(byRef) : this.listingFor(args.source?.path);
    if (!l) return this.sendErrorResponse(response, { id: 1011, format: 'not an IOREQ Scope listing', showUser: false });
    response.body = { content: l.text, mimeType: 'text/x-c' };
    this.sendResponse(response);
  }

  // ---- scopes and variables ----

  private frameRef(frameId: number | undefined): FrameRef {
    return (frameId !== undefined && this.frames.get(frameId)) || { actor: this.rt?.currentStep?.actor ?? 'toolstack', k: STEP };
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const f = this.frameRef(args.frameId);
    const scopes = scopesOf(f, frameContext(this.rt!, f)).map((s) => new Scope(s.name, this.handles.create(s.node), s.expensive));
    response.body = { scopes };
    this.sendResponse(response);
  }

  private toDap(v: RtVar): DebugProtocol.Variable {
    const out: DebugProtocol.Variable = { name: v.name, value: v.value, variablesReference: v.child ? this.handles.create(v.child) : 0 };
    if (v.type) out.type = v.type;
    if (v.evaluateName) out.evaluateName = v.evaluateName;
    if (v.memoryReference) out.memoryReference = v.memoryReference;
    return out;
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const node = this.handles.get(args.variablesReference);
    response.body = { variables: node ? variablesOf(this.rt!, node).map((v) => this.toDap(v)) : [] };
    this.sendResponse(response);
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    const r = setVariable(this.rt!, this.handles.get(args.variablesReference), args.name, args.value);
    if ('error' in r) return this.sendErrorResponse(response, { id: 1002, format: r.error.replace(/[{}]/g, ''), showUser: true });
    response.body = { value: r.value };
    this.sendResponse(response);
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const rt = this.rt!;
    const info = frameContext(rt, this.frameRef(args.frameId));
    try {
      const v = evaluate(args.expression, info.locals, rt.session.m, info.domain);
      const last = args.expression.trim().split(/->|\.|\[/).pop()!.replace(/\]$/, '');
      const bare = args.expression.trim();
      const s = show(/^\d+$/.test(last) ? args.expression : last, v, /^[A-Za-z_]\w*$/.test(bare) ? info.ctypes?.get(bare) : undefined);
      response.body = { result: s.value, type: s.type, variablesReference: s.children ? this.handles.create({ kind: 'value', name: args.expression, value: v }) : 0 };
      this.sendResponse(response);
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      this.sendErrorResponse(response, { id: 1006, format: e.message.replace(/[{}]/g, ''), showUser: false });
    }
  }

  // ---- memory ----

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    const r = readPage(this.rt!, args.memoryReference, args.offset ?? 0, args.count);
    if (!r) return this.sendErrorResponse(response, { id: 1007, format: `no page '${args.memoryReference}' (expected d<domid>:0x<pfn> of a special page)`, showUser: false });
    response.body = { address: r.address, data: Buffer.from(r.bytes).toString('base64'), unreadableBytes: r.unreadable };
    this.sendResponse(response);
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    const data = Buffer.from(args.data, 'base64');
    const off = args.offset ?? 0;
    const err = writePage(this.rt!, args.memoryReference, off, data);
    if (err) return this.sendErrorResponse(response, { id: err.startsWith('no page') ? 1008 : 1009, format: err, showUser: false });
    response.body = { bytesWritten: data.length };
    this.sendResponse(response);
    this.sendEvent(new DapEvent('memory', { memoryReference: args.memoryReference, offset: off, count: data.length }));
  }

  // ---- breakpoints ----

  protected override breakpointLocationsRequest(response: DebugProtocol.BreakpointLocationsResponse, args: DebugProtocol.BreakpointLocationsArguments): void {
    const l = this.listingFor(args.source.path, args.source.sourceReference);
    const lines = l ? [...l.statements.keys()].filter((ln) => ln >= args.line && ln <= (args.endLine ?? args.line)) : [];
    response.body = { breakpoints: lines.map((line) => ({ line })) };
    this.sendResponse(response);
  }

  private listingFor(p: string | undefined, ref?: number): Listing | undefined {
    const byRef = ref ? [...this.sourceRefs].find(([, r]) => r === ref)?.[0] : undefined;
    if (byRef) return loadListing(byRef);
    return listingForPath(this.rt?.sc.profile ?? 'seed', p);
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const l = this.listingFor(args.source.path, args.source.sourceReference);
    const placed = this.bps.setLines(l ? l.name : args.source.path ?? '', l, (args.breakpoints ?? []).map((b) => b.line));
    this.applyBreakpoints();
    response.body = { breakpoints: placed.map((p) => this.toBreakpoint(p)) };
    this.sendResponse(response);
  }

  private toBreakpoint(p: { id: number; verified: boolean; line?: number; message?: string }): DebugProtocol.Breakpoint {
    const bp = (p.line !== undefined ? new Breakpoint(p.verified, p.line) : new Breakpoint(p.verified)) as DebugProtocol.Breakpoint;
    bp.id = p.id;
    if (p.message) bp.message = p.message;
    return bp;
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    const placed = this.bps.setFunctions(this.rt?.sc.profile ?? 'seed', args.breakpoints.map((b) => b.name));
    this.applyBreakpoints();
    response.body = { breakpoints: placed.map((p) => this.toBreakpoint(p)) };
    this.sendResponse(response);
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    if (args.asAddress) {
      // Bytes of a special page, by address ("0xfeff901e") or memory reference and offset ("d1:0xfeff9+0x1e").
      const domid = this.rt && args.frameId !== undefined ? frameContext(this.rt, this.frameRef(args.frameId)).domain?.domain_id : undefined;
      const { dataId, description } = addressBreakpointInfo(this.rt, args.name, args.bytes, domid);
      response.body = dataId ? { dataId, description, accessTypes: ['write'], canPersist: false } : { dataId: null, description };
      return this.sendResponse(response);
    }
    const node = args.variablesReference ? this.handles.get(args.variablesReference) : undefined;
    const { dataId, description } = dataBreakpointOf(this.rt, node, args.name);
    response.body = { dataId, description, accessTypes: ['write'], canPersist: true };
    this.sendResponse(response);
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    const placed = this.bps.setData(args.breakpoints.map((b) => b.dataId));
    this.applyBreakpoints();
    response.body = { breakpoints: placed.map((p) => this.toBreakpoint(p)) };
    this.sendResponse(response);
  }

  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.bps.filters = args.filters;
    this.applyBreakpoints();
    this.sendResponse(response);
  }

  private applyBreakpoints(): void {
    const rt = this.rt;
    if (!rt) return;
    const { code, data, filters } = this.bps.forRuntime();
    rt.codeBreakpoints = code;
    rt.exceptionFilters = filters;
    rt.dataBreakpoints = data;
  }

  // ---- execution ----

  /** The special pages at the last stop (forked mappings, not copies), for the `memory` events of the next. */
  private pagesAtStop: PageSnapshot | null = null;
  /** Whether stops send `memory` events (launch's `memoryEvents`, on unless false). */
  private memoryEvents = true;

  /** The events of the last stop that VS Code does not need to draw it (the page `memory` events, the Debug Console's
   *  lines, the views' state event): held until VS Code has asked for the stopped thread's stack, so that the call
   *  stack and the editor line are drawn first and the views follow, or for AFTER_STOP_MS if it does not ask. Any
   *  other request (a step, a variable, a disconnect) sends them first, so they always precede what comes next. */
  private afterStop: DebugProtocol.Event[] = [];
  private afterStopTimer: ReturnType<typeof setTimeout> | undefined;
  private static readonly AFTER_STOP_MS = 50;

  private flushAfterStop(): void {
    if (this.afterStopTimer) clearTimeout(this.afterStopTimer);
    this.afterStopTimer = undefined;
    const evs = this.afterStop;
    this.afterStop = [];
    for (const e of evs) this.sendEvent(e);
  }

  protected override dispatchRequest(request: DebugProtocol.Request): void {
    if (request.command !== 'threads' && request.command !== 'stackTrace') this.flushAfterStop();
    super.dispatchRequest(request);
  }

  private report(stop: StopInfo): void {
    const rt = this.rt!;
    this.flushAfterStop();
    const later: DebugProtocol.Event[] = [];
    // The model wrote pages since the last stop: tell the client (its memory views refresh).
    if (this.memoryEvents) {
      if (this.pagesAtStop) for (const r of changedSince(rt, this.pagesAtStop)) later.push(new DapEvent('memory', r));
      this.pagesAtStop = snapshotPages(rt);
    }
    this.handles.reset();
    this.frames.reset();
    this.lastStop = stop;
    const events = this.takeModelEvents();
    if (events.output) later.push(events.output);
    if (stop.reason === 'end') {
      for (const e of later) this.sendEvent(e);
      for (const v of rt.finalVerdicts ?? []) this.sendEvent(new OutputEvent(`${v.ok ? 'PASS' : 'FAIL'} ${v.text}\n`, v.ok ? 'console' : 'stderr'));
      this.sendEvent(new OutputEvent(`scenario finished at step ${rt.pos.step}\n`, 'console'));
      this.sendEvent(new TerminatedEvent());
      return;
    }
    const ev = new StoppedEvent(stop.reason === 'goto' ? 'goto' : stop.reason, this.threadId(stop.actor), stop.exception?.text ?? stop.description) as DebugProtocol.StoppedEvent;
    ev.body.allThreadsStopped = true;
    if (stop.description) ev.body.description = stop.description;
    if (stop.hitBreakpointIds) ev.body.hitBreakpointIds = stop.hitBreakpointIds;
    this.sendEvent(ev);
    const state: StateEventBody = { t: rt.pos.t, step: rt.pos.step, stmt: rt.pos.stmt, actor: stop.actor, reason: stop.reason, events: events.list, eventCount: rt.eventCount, returned: rt.returned };
    later.push(new DapEvent(STATE_EVENT, state));
    const top = rt.frames().at(-1);
    if (top && this.xen.tree) {
      const where = this.xen.find(top.fn);
      if (where) {
        const ev = new OutputEvent(`${top.fn} in your tree\n`, 'console') as DebugProtocol.OutputEvent;
        ev.body.source = { path: where.path, name: path.basename(where.path) };
        ev.body.line = where.line;
        later.push(ev);
      }
    }
    this.afterStop = later;
    this.afterStopTimer = setTimeout(() => this.flushAfterStop(), IoreqDebugSession.AFTER_STOP_MS);
  }

  private run(response: DebugProtocol.Response, f: () => StopInfo): void {
    this.sendResponse(response);
    let stop: StopInfo;
    try {
      stop = f();
    } catch (e) {
      this.sendEvent(new OutputEvent(`internal error: ${(e as Error).stack ?? e}\n`, 'stderr'));
      this.sendEvent(new TerminatedEvent());
      return;
    }
    this.report(stop);
  }

  /** The actor of a stepping request's thread. */
  private actorOf(threadId: number | undefined): string | undefined {
    return threadId ? this.actors[threadId - 1] : undefined;
  }

  protected override continueRequest(r: DebugProtocol.ContinueResponse): void { r.body = { allThreadsContinued: true }; this.run(r, () => this.rt!.continue()); }
  protected override nextRequest(r: DebugProtocol.NextResponse, a: DebugProtocol.NextArguments): void { this.run(r, () => this.rt!.next(this.actorOf(a.threadId), a.granularity as Granularity | undefined)); }
  protected override stepInRequest(r: DebugProtocol.StepInResponse, a: DebugProtocol.StepInArguments): void { this.run(r, () => this.rt!.stepIn(this.actorOf(a.threadId))); }
  protected override stepOutRequest(r: DebugProtocol.StepOutResponse, a: DebugProtocol.StepOutArguments): void { this.run(r, () => this.rt!.stepOut(this.actorOf(a.threadId))); }
  protected override stepBackRequest(r: DebugProtocol.StepBackResponse, a: DebugProtocol.StepBackArguments): void { this.run(r, () => this.rt!.stepBack(this.actorOf(a.threadId), (a.granularity as Granularity | undefined) ?? 'statement')); }
  protected override reverseContinueRequest(r: DebugProtocol.ReverseContinueResponse): void { this.run(r, () => this.rt!.reverseContinue()); }
  protected override pauseRequest(r: DebugProtocol.PauseResponse): void { this.rt?.pause(); this.sendResponse(r); }

  protected override restartRequest(r: DebugProtocol.RestartResponse): void {
    this.rt!.reset();
    this.sendResponse(r);
    if (this.stopOnEntry) this.report({ reason: 'entry', actor: this.rt!.currentStep?.actor ?? 'toolstack' });
    else this.report(this.rt!.continue());
  }

  protected override customRequest(command: string, response: DebugProtocol.Response, args: unknown): void {
    if (!isCustomRequest(command)) return super.customRequest(command, response, args);
    const a = (args ?? {}) as Record<string, unknown>;
    const answer = <C extends keyof CustomRequests>(_c: C, body: CustomRequests[C]['body']) => { response.body = body; this.sendResponse(response); };
    const fail = (id: number, format: string) => this.sendErrorResponse(response, { id, format: format.replace(/[{}]/g, ''), showUser: false });
    switch (command) {
      case 'xenSourceLocation':
        return answer(command, typeof a.fn === 'string' ? this.xen.find(a.fn) ?? null : null);
      case 'ioreqScopeGoto': {
        // Time travel to an absolute position (statements since the start), as a reverse/forward jump.
        const t = Number(a.t);
        if (!this.rt || !Number.isInteger(t) || t < 0) return fail(1010, 'ioreqScopeGoto needs t: a statement count');
        this.sendResponse(response);
        this.rt.goto(t);
        return this.report({ reason: 'goto', actor: this.rt.currentStep?.actor ?? 'toolstack' });
      }
      case 'ioreqScopeGotoEvent': {
        // Time travel to the stop right after model event `seq` happened (the sequence diagram's click): the position
        // it was emitted at, or the next one when the event is that statement's own.
        const seq = Number(a.seq);
        const at = this.eventAt.get(seq);
        if (!this.rt || !Number.isInteger(seq) || at === undefined) return fail(1011, `ioreqScopeGotoEvent: no model event #${seq} has happened in this session`);
        this.sendResponse(response);
        this.rt.goto(at);
        if (this.rt.session.m.x.events.length <= seq) this.rt.goto(at + 1);
        return this.report({ reason: 'goto', actor: this.rt.currentStep?.actor ?? 'toolstack' });
      }
      case 'ioreqScopeState':
        return answer(command, this.rt ? { t: this.rt.pos.t, step: this.rt.pos.step, ended: this.rt.ended } : null);
      case 'ioreqScopeWatch': {
        // The memory view's "Watch these bytes": a data breakpoint on writes to a special page's bytes.
        const ref = typeof a.memoryReference === 'string' ? a.memoryReference : '';
        const at = parseMemoryRef(ref);
        const g = at ? this.rt?.session.m.x.domains.get(at.domid)?.physmap.get(at.pfn) : undefined;
        if (!this.rt || !at || !g || g.use === 'ram') return fail(1012, `ioreqScopeWatch: no page '${ref}' (expected d<domid>:0x<pfn> of a special page)`);
        const w = this.bps.watch(ref, at, Number(a.offset), Number(a.count));
        if (typeof w === 'string') return fail(1013, `ioreqScopeWatch: ${w}`);
        this.applyBreakpoints();
        return answer(command, { added: w, watches: this.bps.watches });
      }
      case 'ioreqScopeUnwatch':
        if (!this.bps.unwatch(Number(a.id))) return fail(1014, `ioreqScopeUnwatch: no watched range #${String(a.id)}`);
        this.applyBreakpoints();
        return answer(command, { watches: this.bps.watches });
      case 'ioreqScopeWatches':
        return answer(command, { watches: this.bps.watches });
    }
  }

  protected override disconnectRequest(r: DebugProtocol.DisconnectResponse): void { this.sendResponse(r); }
  protected override terminateRequest(r: DebugProtocol.TerminateResponse): void { this.sendResponse(r); this.sendEvent(new TerminatedEvent()); }

  /** The runtime, for the extension's views. */
  get runtime(): IoreqRuntime | null {
    return this.rt;
  }
}
