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
import { isModelledFunction, listingForPath, placeLine } from './breakpoints';
import { locateLabel, type Listing, loadListing } from './listing';
import { changedSince, memoryRef, parseMemoryRef, readPage, resolveAddress, snapshotPages, writePage, type PageSnapshot } from './memory';
import { actorsOf, IoreqRuntime, type Granularity, type StopInfo } from './runtime';
import { EvalError, evaluate, show } from './values';
import { dataBreakpointOf, frameContext, scopesOf, setVariable, variablesOf, type FrameRef, type RtVar, type VarNode } from './variables';
import { findInXenTree } from './xentree';

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
  private xenTree: string | undefined;
  /** The last stop (its location is the frame shown for a check that failed at the end). */
  private lastStop: StopInfo | null = null;
  /** Where each function is in the user's Xen tree (the tree does not change during a session). */
  private xenWhere = new Map<string, { path: string; line: number } | undefined>();
  private inXenTree(fn: string): { path: string; line: number } | undefined {
    if (!this.xenTree) return undefined;
    if (!this.xenWhere.has(fn)) this.xenWhere.set(fn, findInXenTree(this.xenTree, fn));
    return this.xenWhere.get(fn);
  }
  private bpIds = 1;
  /** Breakpoints by source path, so each setBreakpoints replaces that file's set. */
  private lineBps = new Map<string, Array<{ id: number; fn: string; label: string }>>();
  private fnBps: Array<{ id: number; fn: string }> = [];
  private pendingEvents: ModelEvent[] = [];
  /** The position (t) at which each model event was emitted going forward, for travelling to an event. */
  private eventAt = new Map<number, number>();
  /** Source references of the listings (one per listing for the session's life). */
  private sourceRefs = new Map<string, number>();

  private flushModelEvents(): ModelEvent[] {
    const evs = this.pendingEvents;
    this.pendingEvents = [];
    if (evs.length) this.sendEvent(new OutputEvent(evs.map((e) => (e.kind === 'printk' ? `[${e.actor}] (XEN) ${e.text}\n` : `[${e.actor}] ${e.fn}: ${e.text}\n`)).join(''), 'console'));
    return evs;
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
    this.xenTree = args.xenTree;
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
    response.body = { threads: this.actors.map((a) => new Thread(this.threadId(a), `${a === 'toolstack' ? 'toolstack' : /^d\d+v\d+$/.test(a) ? `vcpu ${a}` : `device model ${a}`}${this.rt ? ' ' + this.idleLabel(a) : ''}`.trimEnd())) };
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
  }

  private idleLabel(actor: string): string {
    const rt = this.rt!;
    if (!rt.ended && rt.currentStep?.actor === actor) return '';
    const m = /^d(\d+)v(\d+)$/.exec(actor);
    if (m) {
      const v = rt.session.m.x.domains.get(Number(m[1]))?.vcpu[Number(m[2])];
      if (!v) return '(not created yet)';
      if (v.pause_flags.blocked_in_xen) return '(blocked in Xen: wait_on_xen_event_channel)';
      return '(running in the guest)';
    }
    let next: (typeof rt.sc.steps)[number] | undefined;
    for (let i = rt.pos.step; i < rt.sc.steps.length && !next; i++) if (rt.sc.steps[i].actor === actor) next = rt.sc.steps[i];
    return next ? `(waiting: next is step ${next.index} ${next.op})` : '(done)';
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
      const s = show(/^\d+$/.test(last) ? args.expression : last, v);
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
    const key = l ? l.name : args.source.path ?? '';
    const out: DebugProtocol.Breakpoint[] = [];
    const set: Array<{ id: number; fn: string; label: string }> = [];
    for (const b of args.breakpoints ?? []) {
      const id = this.bpIds++;
      const placed = l ? placeLine(l, b.line) : undefined;
      const bp = new Breakpoint(!!placed, placed?.line ?? b.line) as DebugProtocol.Breakpoint;
      bp.id = id;
      if (!placed) bp.message = l ? 'no statement of a modelled function here' : 'not an IOREQ Scope listing';
      if (placed) set.push({ id, fn: placed.fn, label: placed.label });
      out.push(bp);
    }
    this.lineBps.set(key, set);
    this.applyBreakpoints();
    response.body = { breakpoints: out };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.fnBps = [];
    const out = args.breakpoints.map((b) => {
      const id = this.bpIds++;
      const ok = isModelledFunction(this.rt?.sc.profile ?? 'seed', b.name);
      if (ok) this.fnBps.push({ id, fn: b.name });
      const bp = new Breakpoint(ok) as DebugProtocol.Breakpoint;
      bp.id = id;
      if (!ok) bp.message = `${b.name} is not a modelled function`;
      return bp;
    });
    this.applyBreakpoints();
    response.body = { breakpoints: out };
    this.sendResponse(response);
  }

  protected override dataBreakpointInfoRequest(response: DebugProtocol.DataBreakpointInfoResponse, args: DebugProtocol.DataBreakpointInfoArguments): void {
    if (args.asAddress) {
      // Bytes of a special page, by address ("0xfeff901e") or memory reference and offset ("d1:0xfeff9+0x1e").
      const at = this.rt ? resolveAddress(this.rt, args.name, args.frameId !== undefined ? frameContext(this.rt, this.frameRef(args.frameId)).domain?.domain_id : undefined) : undefined;
      const count = Math.max(1, Math.min(args.bytes ?? 1, 4096));
      const ok = at && at.offset + count <= 4096;
      response.body = ok
        ? { dataId: `mem:${at!.domid}:${at!.pfn.toString(16)}:${at!.offset}:${count}`, description: `d${at!.domid}:0x${at!.pfn.toString(16)}+0x${at!.offset.toString(16)}, ${count} byte(s)`, accessTypes: ['write'], canPersist: false }
        : { dataId: null, description: `'${args.name}' is not in a special page of the model (an address such as 0xfeff901e, or d1:0xfeff9+0x1e)` };
      return this.sendResponse(response);
    }
    const node = args.variablesReference ? this.handles.get(args.variablesReference) : undefined;
    const { dataId, description } = dataBreakpointOf(this.rt, node, args.name);
    response.body = { dataId, description, accessTypes: ['write'], canPersist: true };
    this.sendResponse(response);
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    const out: DebugProtocol.Breakpoint[] = [];
    this.pendingData = [];
    for (const b of args.breakpoints) {
      const id = this.bpIds++;
      const ok = /^(slot|param|evtchn):\d+:\d+|^mem:\d+:[0-9a-f]+:\d+:\d+$/.test(b.dataId);
      if (ok) this.pendingData.push({ id, dataId: b.dataId });
      const bp = new Breakpoint(ok) as DebugProtocol.Breakpoint;
      bp.id = id;
      out.push(bp);
    }
    this.applyBreakpoints();
    response.body = { breakpoints: out };
    this.sendResponse(response);
  }
  private pendingData: Array<{ id: number; dataId: string }> = [];

  private pendingFilters: string[] = EXCEPTION_FILTERS.filter((f) => f.default).map((f) => f.filter);
  protected override setExceptionBreakPointsRequest(response: DebugProtocol.SetExceptionBreakpointsResponse, args: DebugProtocol.SetExceptionBreakpointsArguments): void {
    this.pendingFilters = args.filters;
    this.applyBreakpoints();
    this.sendResponse(response);
  }

  private applyBreakpoints(): void {
    const rt = this.rt;
    if (!rt) return;
    rt.codeBreakpoints = [...[...this.lineBps.values()].flat().map((b) => ({ id: b.id, fn: b.fn, label: b.label })), ...this.fnBps.map((b) => ({ id: b.id, fn: b.fn }))];
    rt.exceptionFilters = new Set(this.pendingFilters);
    rt.dataBreakpoints = this.pendingData;
  }

  // ---- execution ----

  /** The special pages at the last stop (forked mappings, not copies), for the `memory` events of the next. */
  private pagesAtStop: PageSnapshot | null = null;
  /** Whether stops send `memory` events (launch's `memoryEvents`, on unless false). */
  private memoryEvents = true;

  private report(stop: StopInfo): void {
    const rt = this.rt!;
    // The model wrote pages since the last stop: tell the client (its memory views refresh).
    if (this.memoryEvents) {
      if (this.pagesAtStop) for (const r of changedSince(rt, this.pagesAtStop)) this.sendEvent(new DapEvent('memory', r));
      this.pagesAtStop = snapshotPages(rt);
    }
    this.handles.reset();
    this.frames.reset();
    this.lastStop = stop;
    const events = this.flushModelEvents();
    if (stop.reason === 'end') {
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
    this.sendEvent(new DapEvent('ioreqScope.state', { t: rt.pos.t, step: rt.pos.step, stmt: rt.pos.stmt, actor: stop.actor, reason: stop.reason, events, eventCount: rt.eventCount, returned: rt.returned }));
    const top = rt.frames().at(-1);
    if (top && this.xenTree) {
      const where = this.inXenTree(top.fn);
      if (where) {
        const ev = new OutputEvent(`${top.fn} in your tree\n`, 'console') as DebugProtocol.OutputEvent;
        ev.body.source = { path: where.path, name: path.basename(where.path) };
        ev.body.line = where.line;
        this.sendEvent(ev);
      }
    }
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

  protected override customRequest(command: string, response: DebugProtocol.Response, args: { fn?: string }): void {
    if (command === 'xenSourceLocation') {
      const where = args?.fn ? this.inXenTree(args.fn) : undefined;
      response.body = where ?? null;
      return this.sendResponse(response);
    }
    if (command === 'ioreqScopeGoto') {
      // Time travel to an absolute position (statements since the start), as a reverse/forward jump.
      const t = Number((args as { t?: unknown })?.t);
      if (!this.rt || !Number.isInteger(t) || t < 0) return this.sendErrorResponse(response, { id: 1010, format: 'ioreqScopeGoto needs t: a statement count', showUser: false });
      this.sendResponse(response);
      this.rt.goto(t);
      return this.report({ reason: 'goto', actor: this.rt.currentStep?.actor ?? 'toolstack' });
    }
    if (command === 'ioreqScopeGotoEvent') {
      // Time travel to the stop right after model event `seq` happened (the sequence diagram's click): the position
      // it was emitted at, or the next one when the event is that statement's own.
      const seq = Number((args as { seq?: unknown })?.seq);
      const at = this.eventAt.get(seq);
      if (!this.rt || !Number.isInteger(seq) || at === undefined) return this.sendErrorResponse(response, { id: 1011, format: `ioreqScopeGotoEvent: no model event #${seq} has happened in this session`, showUser: false });
      this.sendResponse(response);
      this.rt.goto(at);
      if (this.rt.session.m.x.events.length <= seq) this.rt.goto(at + 1);
      return this.report({ reason: 'goto', actor: this.rt.currentStep?.actor ?? 'toolstack' });
    }
    if (command === 'ioreqScopeState') {
      response.body = this.rt ? { t: this.rt.pos.t, step: this.rt.pos.step, ended: this.rt.ended } : null;
      return this.sendResponse(response);
    }
    super.customRequest(command, response, args);
  }

  protected override disconnectRequest(r: DebugProtocol.DisconnectResponse): void { this.sendResponse(r); }
  protected override terminateRequest(r: DebugProtocol.TerminateResponse): void { this.sendResponse(r); this.sendEvent(new TerminatedEvent()); }

  /** The runtime, for the extension's views. */
  get runtime(): IoreqRuntime | null {
    return this.rt;
  }
}
