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
import * as A from '../model/abi';
import { isProfile, type ProfileName } from '../model/layout';
import { PARAM_NAMES, PFN_PARAMS, paramIndex } from '../model/params';
import { ECS_NAMES } from '../model/evtchn';
import type { Domain } from '../model/xen';
import type { ModelEvent } from '../model/events';
import { stepFrameName } from '../scenario/ops';
import { parseScenario } from '../scenario/parse';
import { decodeRing } from '../model/state';
import { listingNames, listingViewPath, loadListing, locateLabel, type Listing } from './listing';
import { actorsOf, IoreqRuntime, type StopInfo } from './runtime';
import { EvalError, evaluate, show } from './values';

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
}

type VarNode =
  | { kind: 'value'; name: string; value: unknown; frameDomain?: number }
  | { kind: 'locals'; frame: number }
  | { kind: 'domain'; domid: number }
  | { kind: 'server'; domid: number }
  | { kind: 'slot'; domid: number; vcpu: number }
  | { kind: 'ring'; domid: number }
  | { kind: 'evtchns'; domid: number }
  | { kind: 'params'; domid: number }
  | { kind: 'pages'; domid: number };

const EXCEPTION_FILTERS: DebugProtocol.ExceptionBreakpointsFilter[] = [
  { filter: 'domain_crash', label: 'domain_crash', description: 'Stop when a domain crashes (or Xen panics).', default: true },
  { filter: 'failed_expectation', label: 'failed expectation', description: "Stop when one of the scenario's expectations fails.", default: true },
];

export class IoreqDebugSession extends LoggingDebugSession {
  private rt: IoreqRuntime | null = null;
  private actors: string[] = [];
  private handles = new Handles<VarNode>();
  private configured: Promise<void>;
  private configuredResolve!: () => void;
  private stopOnEntry = false;
  private xenTree: string | undefined;
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

  private flushModelEvents(): ModelEvent[] {
    const evs = this.pendingEvents;
    this.pendingEvents = [];
    if (evs.length) this.sendEvent(new OutputEvent(evs.map((e) => (e.kind === 'printk' ? `[${e.actor}] (XEN) ${e.text}\n` : `[${e.actor}] ${e.fn}: ${e.text}\n`)).join(''), 'console'));
    return evs;
  }

  constructor() {
    super();
    this.setDebuggerLinesStartAt1(true);
    this.setDebuggerColumnsStartAt1(true);
    this.configured = new Promise((r) => { this.configuredResolve = r; });
  }

  protected override initializeRequest(response: DebugProtocol.InitializeResponse): void {
    response.body = {
      supportsConfigurationDoneRequest: true,
      supportsStepBack: true,
      supportsFunctionBreakpoints: true,
      supportsDataBreakpoints: true,
      supportsSetVariable: true,
      supportsReadMemoryRequest: true,
      supportsWriteMemoryRequest: true,
      supportsEvaluateForHovers: true,
      supportsRestartRequest: true,
      supportsDelayedStackTraceLoading: true,
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
      if (args.profile !== undefined && !isProfile(args.profile)) throw new Error(`unknown profile '${args.profile}' (expected legacy, seed or 4.5)`);
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
    this.actors = actorsOf(this.rt.sc);
    // Model events are sent in one batch per stop: the lines to the debug console, the records to the views.
    this.rt.onEvent = (e) => { this.pendingEvents.push(e); };
    await this.configured;
    this.applyBreakpoints();
    this.sendResponse(response);
    if (this.stopOnEntry) this.report({ reason: 'entry', actor: this.rt.currentStep?.actor ?? 'toolstack' });
    else this.report(this.rt.continue());
  }

  // ---- threads, frames, sources ----

  /** Frame ids are handed out per stop (reset in report), so an id never names two different frames. */
  private frames = new Handles<{ threadId: number; k: number }>(1);
  private frameId(threadId: number, k: number): number {
    return this.frames.create({ threadId, k });
  }

  private threadId(actor: string): number {
    return this.actors.indexOf(actor) + 1;
  }

  protected override threadsRequest(response: DebugProtocol.ThreadsResponse): void {
    response.body = { threads: this.actors.map((a) => new Thread(this.threadId(a), a === 'toolstack' ? 'toolstack' : /^d\d+v\d+$/.test(a) ? `vcpu ${a}` : `device model ${a}`)) };
    this.sendResponse(response);
  }

  private sourceOf(l: Listing): Source {
    return new Source(l.name, listingViewPath(l.name));
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
        const sf = new StackFrame(this.frameId(args.threadId, k), f.fn, loc ? this.sourceOf(loc.listing) : undefined, loc?.line ?? 0, 1);
        frames.push(sf);
      }
      const st = rt.currentStep;
      frames.push(new StackFrame(this.frameId(args.threadId, 999), stepFrameName(st), new Source(path.basename(st.loc.file), path.resolve(st.loc.file)), st.loc.line, st.loc.column));
    } else {
      frames.push(new StackFrame(this.frameId(args.threadId, 998), this.idleLabel(actor), undefined, 0, 0));
    }
    const start = args.startFrame ?? 0;
    const levels = args.levels ?? frames.length;
    response.body = { stackFrames: frames.slice(start, start + levels), totalFrames: frames.length };
    this.sendResponse(response);
  }

  private idleLabel(actor: string): string {
    const rt = this.rt!;
    const m = /^d(\d+)v(\d+)$/.exec(actor);
    if (m) {
      const v = rt.session.m.x.domains.get(Number(m[1]))?.vcpu[Number(m[2])];
      if (!v) return '(not created yet)';
      if (v.pause_flags.blocked_in_xen) return '(blocked in Xen: wait_on_xen_event_channel)';
      return '(running in the guest)';
    }
    const next = rt.sc.steps.slice(rt.pos.step).find((s) => s.actor === actor);
    return next ? `(waiting: next is step ${next.index} ${next.op})` : '(done)';
  }

  protected override sourceRequest(response: DebugProtocol.SourceResponse, args: DebugProtocol.SourceArguments): void {
    response.body = { content: this.listingFor(args.source?.path)?.text ?? '', mimeType: 'text/x-c' };
    this.sendResponse(response);
  }

  // ---- scopes and variables ----

  private frameInfo(frameId: number): { actor: string; locals: Record<string, unknown>; domain?: Domain; vcpu?: number } {
    const rt = this.rt!;
    const fr = this.frames.get(frameId) ?? { threadId: 0, k: 998 };
    const tid = fr.threadId, k = fr.k;
    const actor = this.actors[tid - 1];
    const fs = rt.frames();
    const locals = actor === rt.currentStep?.actor && k < fs.length ? fs[k].locals : {};
    let domain: Domain | undefined;
    let vcpu: number | undefined;
    const m = /^d(\d+)v(\d+)$/.exec(actor ?? '');
    if (m) { domain = rt.session.m.x.domains.get(Number(m[1])); vcpu = Number(m[2]); }
    for (const key of ['d', 's', 'v']) {
      const val = locals[key] as { domain_id?: number; domain?: Domain; vcpu_id?: number } | undefined;
      if (!domain && val && typeof val === 'object') domain = val.domain_id !== undefined ? (val as unknown as Domain) : val.domain;
      if (vcpu === undefined && val && val.vcpu_id !== undefined) vcpu = val.vcpu_id;
    }
    if (!domain) {
      const dm = rt.session.m.dms.get(actor ?? '');
      const step = rt.currentStep;
      const target = dm?.target ?? (step?.args.domid as number | undefined);
      if (target !== undefined) domain = rt.session.m.x.domains.get(target);
    }
    return { actor, locals, domain, vcpu };
  }

  protected override scopesRequest(response: DebugProtocol.ScopesResponse, args: DebugProtocol.ScopesArguments): void {
    const { domain, vcpu } = this.frameInfo(args.frameId);
    const scopes: Scope[] = [new Scope('Locals', this.handles.create({ kind: 'locals', frame: args.frameId }), false)];
    if (domain) {
      const id = domain.domain_id;
      scopes.push(new Scope(`Domain d${id}`, this.handles.create({ kind: 'domain', domid: id }), true));
      scopes.push(new Scope('HVM params', this.handles.create({ kind: 'params', domid: id }), true));
      if (domain.arch.hvm_domain.ioreq_server) {
        scopes.push(new Scope('ioreq server', this.handles.create({ kind: 'server', domid: id }), true));
        if (vcpu !== undefined && domain.arch.hvm_domain.ioreq_server.ioreq.va) scopes.push(new Scope(`ioreq slot (vcpu ${vcpu})`, this.handles.create({ kind: 'slot', domid: id, vcpu }), false));
        if (domain.arch.hvm_domain.ioreq_server.buf_ioreq.va) scopes.push(new Scope('buffered ring', this.handles.create({ kind: 'ring', domid: id }), true));
      }
      scopes.push(new Scope('event channels', this.handles.create({ kind: 'evtchns', domid: id }), true));
      scopes.push(new Scope('special pages', this.handles.create({ kind: 'pages', domid: id }), true));
    }
    response.body = { scopes };
    this.sendResponse(response);
  }

  private variable(name: string, value: unknown, evaluateName?: string): DebugProtocol.Variable {
    const s = show(name, value);
    const ref = s.children ? this.handles.create({ kind: 'value', name, value }) : 0;
    const v: DebugProtocol.Variable = { name, value: s.value, type: s.type, variablesReference: ref };
    if (evaluateName) v.evaluateName = evaluateName;
    return v;
  }

  protected override variablesRequest(response: DebugProtocol.VariablesResponse, args: DebugProtocol.VariablesArguments): void {
    const node = this.handles.get(args.variablesReference);
    const rt = this.rt!;
    const x = rt.session.m.x;
    let vars: DebugProtocol.Variable[] = [];
    if (node) {
      switch (node.kind) {
        case 'locals': {
          const { locals } = this.frameInfo(node.frame);
          vars = Object.entries(locals).map(([k, v]) => this.variable(k, v, k));
          break;
        }
        case 'value': {
          const s = show(node.name, node.value);
          vars = (s.children?.() ?? []).map(([k, v]) => this.variable(k, v));
          break;
        }
        case 'domain': {
          const d = x.domains.get(node.domid);
          if (d) vars = [this.variable('domain_id', d.domain_id), this.variable('is_dying', d.is_dying), this.variable('pause_count', d.pause_count),
            { name: 'crashed', value: d.crashed ? `${d.crashed.reason} (in ${d.crashed.fn})` : 'no', variablesReference: 0 },
            this.variable('reserved_mem_pgstart', d.reserved_mem_pgstart), this.variable('vcpu', d.vcpu)];
          break;
        }
        case 'params': {
          const d = x.domains.get(node.domid);
          if (d) vars = d.arch.hvm_domain.params.map((v, i) => ({ i, v })).filter(({ i }) => PARAM_NAMES[i])
            .map(({ i, v }) => ({ name: PARAM_NAMES[i], value: PFN_PARAMS.has(i) ? A.hex(v) : String(v), variablesReference: 0, evaluateName: PARAM_NAMES[i] }));
          break;
        }
        case 'server': {
          const s = x.domains.get(node.domid)?.arch.hvm_domain.ioreq_server;
          if (s) vars = (show('s', s).children?.() ?? []).map(([k, v]) => this.variable(k, v));
          break;
        }
        case 'slot': {
          const s = x.domains.get(node.domid)?.arch.hvm_domain.ioreq_server;
          if (s?.ioreq.va) {
            const p = A.readIoreq(s.ioreq.va, A.ioreqOffset(node.vcpu));
            vars = [['addr', p.addr], ['data', p.data], ['count', p.count], ['size', p.size], ['vp_eport', p.vp_eport], ['state', p.state],
              ['data_is_ptr', p.data_is_ptr], ['dir', p.dir], ['df', p.df], ['type', p.type]].map(([k, v]) => {
              const vv = this.variable(k as string, v);
              if (k === 'type') vv.value = `${A.TYPE_NAMES[v as number] ?? 'unknown'} (${v})`;
              return vv;
            });
          }
          break;
        }
        case 'ring': {
          const s = x.domains.get(node.domid)?.arch.hvm_domain.ioreq_server;
          if (s?.buf_ioreq.va) {
            const r = decodeRing(s.buf_ioreq.va) as { readPointer: number; writePointer: number; used: number; pending: unknown[] };
            vars = [this.variable('read_pointer', r.readPointer), this.variable('write_pointer', r.writePointer), this.variable('used', r.used), this.variable('pending', r.pending)];
          }
          break;
        }
        case 'evtchns': {
          const d = x.domains.get(node.domid);
          if (d) vars = d.evtchn.ports.map((c, p) => ({ c, p })).filter(({ c }) => c.state > 1).map(({ c, p }) => ({
            name: `port ${p}`, variablesReference: 0,
            value: `${ECS_NAMES[c.state]}${c.xen_consumer ? ' (Xen, vcpu ' + c.notify_vcpu_id + ')' : ''}${c.state === 2 ? ` remote d${c.remote_domid}` : ''}${c.state === 3 ? ` -> d${c.remote_dom}:${c.remote_port}` : ''}${c.pending ? ' PENDING' : ''}`,
          }));
          break;
        }
        case 'pages': {
          const d = x.domains.get(node.domid);
          if (d) vars = [...d.physmap].filter(([, g]) => g.use !== 'ram').map(([pfn, g]) => ({
            name: g.use, value: `${A.hex(pfn)}${d.reserved_mem_pgstart && pfn < d.reserved_mem_pgstart ? ' (outside reserved_mem_pgstart)' : ''}, ${g.xen_maps} Xen / ${g.foreign_maps} DM mapping(s)`,
            variablesReference: 0, memoryReference: memoryRef(d.domain_id, pfn),
          }));
          break;
        }
      }
    }
    response.body = { variables: vars };
    this.sendResponse(response);
  }

  protected override setVariableRequest(response: DebugProtocol.SetVariableResponse, args: DebugProtocol.SetVariableArguments): void {
    const node = this.handles.get(args.variablesReference);
    const rt = this.rt!;
    const n = parseNumber(args.value);
    if (!node || n === undefined) return this.sendErrorResponse(response, { id: 1002, format: `cannot set '${args.name}' to '${args.value}': expected a number (decimal or 0x hex)`, showUser: true });
    if (node.kind === 'slot') {
      const { domid, vcpu } = node;
      const field = args.name;
      const offs: Record<string, [number, number]> = { addr: [A.OFF_ADDR, 8], data: [A.OFF_DATA, 8], count: [A.OFF_COUNT, 4], size: [A.OFF_SIZE, 4], vp_eport: [A.OFF_VP_EPORT, 4], type: [A.OFF_TYPE, 1] };
      if (field !== 'state' && !offs[field]) return this.sendErrorResponse(response, { id: 1003, format: `slot field '${field}' cannot be set here`, showUser: true });
      rt.edit((s) => {
        const va = s.m.x.domains.get(domid)?.arch.hvm_domain.ioreq_server?.ioreq.va;
        if (!va) return;
        const off = A.ioreqOffset(vcpu);
        if (field === 'state') A.setState(va, off, Number(n));
        else {
          const [o, w] = offs[field];
          if (w === 8) va.setBigUint64(off + o, BigInt.asUintN(64, n), true);
          else if (w === 4) va.setUint32(off + o, Number(n & 0xffffffffn), true);
          else va.setUint8(off + o, Number(n & 0xffn));
        }
      });
      response.body = { value: show(field, field === 'addr' || field === 'data' ? n : Number(n)).value };
      return this.sendResponse(response);
    }
    if (node.kind === 'params') {
      const idx = paramIndex(args.name, rt.session.m.x.nrParams);
      if (idx === undefined) return this.sendErrorResponse(response, { id: 1004, format: `unknown param '${args.name}'`, showUser: true });
      const { domid } = node;
      rt.edit((s) => { const d = s.m.x.domains.get(domid); if (d) d.arch.hvm_domain.params[Number(idx)] = Number(n); });
      response.body = { value: PFN_PARAMS.has(Number(idx)) ? A.hex(Number(n)) : String(n) };
      return this.sendResponse(response);
    }
    this.sendErrorResponse(response, { id: 1005, format: 'only ioreq slot fields and HVM params can be set', showUser: true });
  }

  protected override evaluateRequest(response: DebugProtocol.EvaluateResponse, args: DebugProtocol.EvaluateArguments): void {
    const rt = this.rt!;
    const info = args.frameId !== undefined ? this.frameInfo(args.frameId) : { locals: {} as Record<string, unknown>, domain: undefined as Domain | undefined };
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

  private page(ref: string): DataView | null {
    const r = parseMemoryRef(ref);
    const g = r ? this.rt!.session.m.x.domains.get(r.domid)?.page(r.pfn) : undefined;
    return g ? g.data() : null;
  }

  protected override readMemoryRequest(response: DebugProtocol.ReadMemoryResponse, args: DebugProtocol.ReadMemoryArguments): void {
    const pg = this.page(args.memoryReference);
    if (!pg) return this.sendErrorResponse(response, { id: 1007, format: `no page '${args.memoryReference}' (expected d<domid>:0x<pfn> of a special page)`, showUser: false });
    const start = Math.max(0, (args.offset ?? 0));
    const end = Math.min(A.PAGE_SIZE, start + args.count);
    const bytes = new Uint8Array(pg.buffer, pg.byteOffset + start, Math.max(0, end - start));
    const pfn = parseMemoryRef(args.memoryReference)!.pfn;
    response.body = { address: '0x' + (pfn * A.PAGE_SIZE + start).toString(16), data: Buffer.from(bytes).toString('base64'), unreadableBytes: Math.max(0, args.count - (end - start)) };
    this.sendResponse(response);
  }

  protected override writeMemoryRequest(response: DebugProtocol.WriteMemoryResponse, args: DebugProtocol.WriteMemoryArguments): void {
    if (!this.page(args.memoryReference)) return this.sendErrorResponse(response, { id: 1008, format: `no page '${args.memoryReference}'`, showUser: false });
    const data = Buffer.from(args.data, 'base64');
    const off = args.offset ?? 0;
    if (off < 0 || off + data.length > A.PAGE_SIZE) return this.sendErrorResponse(response, { id: 1009, format: 'write outside the page', showUser: false });
    const ref = args.memoryReference;
    const at = parseMemoryRef(ref)!;
    this.rt!.edit((s) => {
      const pg = s.m.x.domains.get(at.domid)?.page(at.pfn)?.data();
      if (pg) for (let i = 0; i < data.length; i++) pg.setUint8(off + i, data[i]);
    });
    response.body = { bytesWritten: data.length };
    this.sendResponse(response);
    this.sendEvent(new DapEvent('memory', { memoryReference: ref, offset: off, count: data.length }));
  }

  // ---- breakpoints ----

  protected override breakpointLocationsRequest(response: DebugProtocol.BreakpointLocationsResponse, args: DebugProtocol.BreakpointLocationsArguments): void {
    const l = this.listingFor(args.source.path);
    const lines = l ? [...l.statements.keys()].filter((ln) => ln >= args.line && ln <= (args.endLine ?? args.line)) : [];
    response.body = { breakpoints: lines.map((line) => ({ line })) };
    this.sendResponse(response);
  }

  private listingFor(p: string | undefined): Listing | undefined {
    if (!p) return undefined;
    const name = listingNames(this.rt?.sc.profile ?? 'seed').find((n) => p.replace(/\\/g, '/').endsWith(n));
    return name ? loadListing(name) : undefined;
  }

  protected override setBreakPointsRequest(response: DebugProtocol.SetBreakpointsResponse, args: DebugProtocol.SetBreakpointsArguments): void {
    const p = args.source.path ?? '';
    const l = this.listingFor(p);
    const out: DebugProtocol.Breakpoint[] = [];
    const set: Array<{ id: number; fn: string; label: string }> = [];
    for (const b of args.breakpoints ?? []) {
      const id = this.bpIds++;
      let placed: { fn: string; label: string; line: number } | undefined;
      if (l) {
        const fn = [...l.fns.values()].find((f) => b.line >= f.line && b.line <= f.endLine);
        if (fn) {
          const cands = [...fn.labels].filter(([lab]) => lab !== 'entry').sort((a, c) => a[1] - c[1]);
          const at = cands.find(([, ln]) => ln >= b.line) ?? cands[cands.length - 1];
          if (at) placed = { fn: fn.name, label: at[0], line: at[1] };
        }
      }
      const bp = new Breakpoint(!!placed, placed?.line ?? b.line) as DebugProtocol.Breakpoint;
      bp.id = id;
      if (!placed) bp.message = l ? 'no statement of a modelled function here' : 'not an IOREQ Scope listing';
      if (placed) set.push({ id, fn: placed.fn, label: placed.label });
      out.push(bp);
    }
    this.lineBps.set(p, set);
    this.applyBreakpoints();
    response.body = { breakpoints: out };
    this.sendResponse(response);
  }

  protected override setFunctionBreakPointsRequest(response: DebugProtocol.SetFunctionBreakpointsResponse, args: DebugProtocol.SetFunctionBreakpointsArguments): void {
    this.fnBps = [];
    const out = args.breakpoints.map((b) => {
      const id = this.bpIds++;
      const ok = !!locateLabel(this.rt?.sc.profile ?? 'seed', b.name, 'entry');
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
    const node = args.variablesReference ? this.handles.get(args.variablesReference) : undefined;
    let dataId: string | null = null;
    let description = 'only an ioreq slot\'s state, an HVM param or an event channel\'s pending bit can be watched';
    if (node?.kind === 'slot' && args.name === 'state') { dataId = `slot:${node.domid}:${node.vcpu}:state`; description = `d${node.domid}v${node.vcpu} slot state`; }
    if (node?.kind === 'params') {
      const idx = paramIndex(args.name, this.rt?.session.m.x.nrParams ?? 0);
      if (idx !== undefined) { dataId = `param:${node.domid}:${idx}`; description = `d${node.domid} ${args.name}`; }
    }
    if (node?.kind === 'evtchns') {
      const m = /^port (\d+)$/.exec(args.name);
      if (m) { dataId = `evtchn:${node.domid}:${m[1]}:pending`; description = `d${node.domid} port ${m[1]} pending`; }
    }
    response.body = { dataId, description, accessTypes: ['write'], canPersist: true };
    this.sendResponse(response);
  }

  protected override setDataBreakpointsRequest(response: DebugProtocol.SetDataBreakpointsResponse, args: DebugProtocol.SetDataBreakpointsArguments): void {
    const out: DebugProtocol.Breakpoint[] = [];
    this.pendingData = [];
    for (const b of args.breakpoints) {
      const id = this.bpIds++;
      const ok = /^(slot|param|evtchn):\d+:\d+/.test(b.dataId);
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

  private report(stop: StopInfo): void {
    const rt = this.rt!;
    this.handles.reset();
    this.frames.reset();
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
    this.sendEvent(new DapEvent('ioreqScope.state', { t: rt.pos.t, step: rt.pos.step, stmt: rt.pos.stmt, actor: stop.actor, reason: stop.reason, events }));
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

  protected override continueRequest(r: DebugProtocol.ContinueResponse): void { r.body = { allThreadsContinued: true }; this.run(r, () => this.rt!.continue()); }
  protected override nextRequest(r: DebugProtocol.NextResponse): void { this.run(r, () => this.rt!.next()); }
  protected override stepInRequest(r: DebugProtocol.StepInResponse): void { this.run(r, () => this.rt!.stepIn()); }
  protected override stepOutRequest(r: DebugProtocol.StepOutResponse): void { this.run(r, () => this.rt!.stepOut()); }
  protected override stepBackRequest(r: DebugProtocol.StepBackResponse): void { this.run(r, () => this.rt!.stepBack()); }
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

/** A special page's memory reference: "d<domid>:0x<pfn>". */
export function memoryRef(domid: number, pfn: number): string {
  return `d${domid}:${A.hex(pfn)}`;
}

export function parseMemoryRef(ref: string): { domid: number; pfn: number } | undefined {
  const m = /^d(\d+):0x([0-9a-f]+)$/.exec(ref);
  return m ? { domid: Number(m[1]), pfn: parseInt(m[2], 16) } : undefined;
}

function parseNumber(s: string): bigint | undefined {
  const t = s.trim();
  if (/^(0[xX][0-9a-fA-F]+|\d+)$/.test(t)) return BigInt(t);
  const st = A.STATE_NAMES.indexOf(t);
  if (st >= 0) return BigInt(st);
  return undefined;
}

/** Finds `fn`'s definition in the user's xen/arch/x86/hvm/{hvm,io,emulate}.c by name. */
export function findInXenTree(tree: string, fn: string): { path: string; line: number } | undefined {
  for (const f of ['xen/arch/x86/hvm/hvm.c', 'xen/arch/x86/hvm/io.c', 'xen/arch/x86/hvm/emulate.c', 'xen/common/event_channel.c']) {
    const p = path.join(tree, f);
    let text: string;
    try { text = fs.readFileSync(p, 'utf8'); } catch { continue; }
    const lines = text.split('\n');
    const re = new RegExp(`^(?!\\s)(?:[\\w\\s\\*]+\\s\\**)?${fn}\\s*\\(`);
    for (let i = 0; i < lines.length; i++) {
      if (re.test(lines[i]) && !lines[i].trimEnd().endsWith(';')) return { path: p, line: i + 1 };
    }
  }
  return undefined;
}
