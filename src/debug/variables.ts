// What the Variables pane shows, without DAP (as vscode-mock-debug's RuntimeVariable): a frame's locals (the modelled
// C function's parameters and locals, by their C names, from the stepped build's scope), then scopes for the
// domain, its params, the ioreq server, the vcpu's slot decoded from the page, the buffered ring, the event
// channels and the special pages; setting slot fields and params; and which of them a data breakpoint can watch.
// session.ts hands out DAP handles for the nodes and translates.
import * as A from '../model/abi';
import { ECS_NAMES } from '../model/evtchn';
import { PARAM_NAMES, PFN_PARAMS, paramIndex } from '../model/params';
import { decodeRing } from '../model/state';
import type { Domain } from '../model/xen';
import { locateLabel, type ListingFn } from './listing';
import { memoryRef } from './memory';
import type { IoreqRuntime } from './runtime';
import { NOT_MODELLED, show } from './values';
import { opSpec } from '../scenario/ops';

/** A frame of a thread: an index into the runtime's modelled frames (outermost 0), or the scenario step itself. */
export type FrameRef = { actor: string; k: number | 'step' };

export type VarNode =
  | { kind: 'value'; name: string; value: unknown }
  | { kind: 'locals'; frame: FrameRef }
  | { kind: 'domain'; domid: number }
  | { kind: 'server'; domid: number }
  | { kind: 'slot'; domid: number; vcpu: number }
  | { kind: 'ring'; domid: number }
  | { kind: 'evtchns'; domid: number }
  | { kind: 'params'; domid: number }
  | { kind: 'pages'; domid: number };

/** One row of the pane; `child` when it expands. */
export interface RtVar {
  name: string;
  value: string;
  type?: string;
  evaluateName?: string;
  memoryReference?: string;
  child?: VarNode;
}

export interface FrameContext {
  actor: string;
  /** The frame's locals by C name (the step frame: the step's arguments, and its result once returned). */
  locals: Record<string, unknown>;
  domain?: Domain;
  vcpu?: number;
  /** A modelled function's frame: its parameters' and locals' C types as its listing declares them. */
  ctypes?: Map<string, string>;
}

/**
 * A frame's locals under the names its listing gives them: the signature's parameters first, in order, a model local
 * the listing spells differently under the listing's name (its `@names`: QEMU's `XenIOState *state` is the model's
 * `dm`); then the other locals; and each name the listing declares that the model does not keep reads
 * `<not modelled>`, so hover, watch and evaluate on any name of the listed C function say what it is.
 */
export function asListed(locals: Record<string, unknown>, lfn: ListingFn): Record<string, unknown> {
  // (A C name that is itself a model local keeps that local: a rename never hides one.)
  const rename = new Map([...lfn.names].filter(([c]) => !Object.hasOwn(locals, c)).map(([c, model]) => [model, c]));
  const named: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(locals)) named[rename.get(k) ?? k] = v;
  const out: Record<string, unknown> = {};
  for (const n of lfn.params) out[n] = Object.hasOwn(named, n) ? named[n] : NOT_MODELLED;
  for (const [k, v] of Object.entries(named)) if (!Object.hasOwn(out, k)) out[k] = v;
  for (const n of lfn.ctypes.keys()) if (!Object.hasOwn(out, n)) out[n] = NOT_MODELLED;
  return out;
}

/** The locals and the domain / vcpu a frame is about. */
export function frameContext(rt: IoreqRuntime, f: FrameRef): FrameContext {
  const fs = rt.frames();
  const mine = !rt.ended && rt.currentStep?.actor === f.actor;
  let locals: Record<string, unknown> = {};
  let ctypes: Map<string, string> | undefined;
  if (mine && f.k === 'step') {
    const st = rt.currentStep!;
    locals = { ...st.args };
    // An I/O port argument reads as Xen's traces print one (0x3f8, not 1016); an event-channel port stays decimal.
    const spec = opSpec(st.op);
    for (const [k, v] of Object.entries(locals)) if (spec?.args[k]?.parse === 'ioport' && typeof v === 'number') locals[k] = A.hex(v);
    const r = rt.stepResult;
    if (r) { locals.rc = r.result.rc; if (r.result.value !== undefined) locals.value = r.result.value; }
  } else if (mine && typeof f.k === 'number' && f.k < fs.length) {
    const lfn = locateLabel(rt.sc.profile, fs[f.k].fn, 'entry')?.listing.fns.get(fs[f.k].fn);
    ctypes = lfn?.ctypes;
    locals = lfn ? asListed(fs[f.k].locals, lfn) : fs[f.k].locals;
  }
  let domain: Domain | undefined;
  let vcpu: number | undefined;
  const m = /^d(\d+)v(\d+)$/.exec(f.actor ?? '');
  if (m) { domain = rt.session.m.x.domains.get(Number(m[1])); vcpu = Number(m[2]); }
  for (const key of ['d', 's', 'v']) {
    const val = locals[key] as { domain_id?: number; domain?: Domain; vcpu_id?: number } | undefined;
    if (!domain && val && typeof val === 'object') domain = val.domain_id !== undefined ? (val as unknown as Domain) : val.domain;
    if (vcpu === undefined && val && typeof val === 'object' && val.vcpu_id !== undefined) vcpu = val.vcpu_id;
  }
  if (!domain) {
    const dm = rt.session.m.dms.get(f.actor ?? '');
    const target = dm?.target ?? (rt.currentStep?.args.domid as number | undefined);
    if (target !== undefined) domain = rt.session.m.x.domains.get(target);
  }
  return { actor: f.actor, locals, domain, vcpu, ctypes };
}

/** The scopes of a frame: Locals, then the model's state around it. */
export function scopesOf(f: FrameRef, ctx: FrameContext): Array<{ name: string; node: VarNode; expensive: boolean }> {
  const out: Array<{ name: string; node: VarNode; expensive: boolean }> = [{ name: 'Locals', node: { kind: 'locals', frame: f }, expensive: false }];
  const d = ctx.domain;
  if (!d) return out;
  const id = d.domain_id;
  out.push({ name: `Domain d${id}`, node: { kind: 'domain', domid: id }, expensive: true });
  out.push({ name: 'HVM params', node: { kind: 'params', domid: id }, expensive: true });
  const srv = d.arch.hvm_domain.ioreq_server;
  if (srv) {
    out.push({ name: 'ioreq server', node: { kind: 'server', domid: id }, expensive: true });
    if (ctx.vcpu !== undefined && srv.ioreq.va) out.push({ name: `ioreq slot (vcpu ${ctx.vcpu})`, node: { kind: 'slot', domid: id, vcpu: ctx.vcpu }, expensive: false });
    if (srv.buf_ioreq.va) out.push({ name: 'buffered ring', node: { kind: 'ring', domid: id }, expensive: true });
  }
  out.push({ name: 'event channels', node: { kind: 'evtchns', domid: id }, expensive: true });
  out.push({ name: 'special pages', node: { kind: 'pages', domid: id }, expensive: true });
  return out;
}

/** A value under a name, as shown (hex pfns, state names, rc names), expandable when it has children. */
export function valueVar(name: string, value: unknown, evaluateName?: string, ctype?: string): RtVar {
  const s = show(name, value, ctype);
  const v: RtVar = { name, value: s.value, type: s.type };
  if (s.children) v.child = { kind: 'value', name, value };
  if (evaluateName) v.evaluateName = evaluateName;
  return v;
}

/** The rows under a node. */
export function variablesOf(rt: IoreqRuntime, node: VarNode): RtVar[] {
  const x = rt.session.m.x;
  switch (node.kind) {
    case 'locals': {
      const ctx = frameContext(rt, node.frame);
      return Object.entries(ctx.locals).map(([k, v]) => valueVar(k, v, k, ctx.ctypes?.get(k)));
    }
    case 'value':
      return (show(node.name, node.value).children?.() ?? []).map(([k, v]) => valueVar(k, v));
    case 'domain': {
      const d = x.domains.get(node.domid);
      if (!d) return [];
      return [valueVar('domain_id', d.domain_id), valueVar('is_dying', d.is_dying), valueVar('pause_count', d.pause_count),
        { name: 'crashed', value: d.crashed ? `${d.crashed.reason} (in ${d.crashed.fn})` : 'no' },
        valueVar('reserved_mem_pgstart', d.reserved_mem_pgstart), valueVar('vcpu', d.vcpu)];
    }
    case 'params': {
      const d = x.domains.get(node.domid);
      if (!d) return [];
      return d.arch.hvm_domain.params.map((v, i) => ({ i, v })).filter(({ i }) => PARAM_NAMES[i])
        .map(({ i, v }) => ({ name: PARAM_NAMES[i], value: PFN_PARAMS.has(i) ? A.hex(v) : String(v), evaluateName: PARAM_NAMES[i] }));
    }
    case 'server': {
      const s = x.domains.get(node.domid)?.arch.hvm_domain.ioreq_server;
      return s ? (show('s', s).children?.() ?? []).map(([k, v]) => valueVar(k, v)) : [];
    }
    case 'slot': {
      const s = x.domains.get(node.domid)?.arch.hvm_domain.ioreq_server;
      if (!s?.ioreq.va) return [];
      const p = A.readIoreq(s.ioreq.va, A.ioreqOffset(node.vcpu));
      return ([['addr', p.addr], ['data', p.data], ['count', p.count], ['size', p.size], ['vp_eport', p.vp_eport], ['state', p.state],
        ['data_is_ptr', p.data_is_ptr], ['dir', p.dir], ['df', p.df], ['type', p.type]] as Array<[string, unknown]>).map(([k, v]) => {
        const vv = valueVar(k, v);
        if (k === 'type') vv.value = `${A.TYPE_NAMES[v as number] ?? 'unknown'} (${v})`;
        return vv;
      });
    }
    case 'ring': {
      const s = x.domains.get(node.domid)?.arch.hvm_domain.ioreq_server;
      if (!s?.buf_ioreq.va) return [];
      const r = decodeRing(s.buf_ioreq.va) as { readPointer: number; writePointer: number; used: number; pending: unknown[] };
      return [valueVar('read_pointer', r.readPointer), valueVar('write_pointer', r.writePointer), valueVar('used', r.used), valueVar('pending', r.pending)];
    }
    case 'evtchns': {
      const d = x.domains.get(node.domid);
      if (!d) return [];
      return d.evtchn.ports.map((c, p) => ({ c, p })).filter(({ c }) => c.state > 1).map(({ c, p }) => ({
        name: `port ${p}`,
        value: `${ECS_NAMES[c.state]}${c.xen_consumer ? ' (Xen, vcpu ' + c.notify_vcpu_id + ')' : ''}${c.state === 2 ? ` remote d${c.remote_domid}` : ''}${c.state === 3 ? ` -> d${c.remote_dom}:${c.remote_port}` : ''}${c.pending ? ' PENDING' : ''}`,
      }));
    }
    case 'pages': {
      const d = x.domains.get(node.domid);
      if (!d) return [];
      return [...d.physmap].filter(([, g]) => g.use !== 'ram').map(([pfn, g]) => ({
        name: g.use, value: `${A.hex(pfn)}${d.reserved_mem_pgstart && pfn < d.reserved_mem_pgstart ? ' (outside reserved_mem_pgstart)' : ''}, ${g.xen_maps} Xen / ${g.foreign_maps} DM mapping(s)`,
        memoryReference: memoryRef(d.domain_id, pfn),
      }));
    }
  }
}

/** A number the user typed: decimal, 0x hex, or a slot state's name. */
export function parseNumber(s: string): bigint | undefined {
  const t = s.trim();
  if (/^(0[xX][0-9a-fA-F]+|\d+)$/.test(t)) return BigInt(t);
  const st = A.STATE_NAMES.indexOf(t);
  if (st >= 0) return BigInt(st);
  return undefined;
}

const SLOT_FIELDS: Record<string, [number, number]> = { addr: [A.OFF_ADDR, 8], data: [A.OFF_DATA, 8], count: [A.OFF_COUNT, 4], size: [A.OFF_SIZE, 4], vp_eport: [A.OFF_VP_EPORT, 4], type: [A.OFF_TYPE, 1] };

/** Sets a slot field or a param at the current position (a recorded edit): the new value shown, or an error. */
export function setVariable(rt: IoreqRuntime, node: VarNode | undefined, name: string, text: string): { value: string } | { error: string } {
  const n = parseNumber(text);
  if (!node || n === undefined) return { error: `cannot set '${name}' to '${text}': expected a number (decimal or 0x hex)` };
  if (node.kind === 'slot') {
    const { domid, vcpu } = node;
    if (name !== 'state' && !SLOT_FIELDS[name]) return { error: `slot field '${name}' cannot be set here` };
    rt.edit((s) => {
      const va = s.m.x.domains.get(domid)?.arch.hvm_domain.ioreq_server?.ioreq.va;
      if (!va) return;
      const off = A.ioreqOffset(vcpu);
      if (name === 'state') A.setState(va, off, Number(n));
      else {
        const [o, w] = SLOT_FIELDS[name];
        if (w === 8) va.setBigUint64(off + o, BigInt.asUintN(64, n), true);
        else if (w === 4) va.setUint32(off + o, Number(n & 0xffffffffn), true);
        else va.setUint8(off + o, Number(n & 0xffn));
      }
    });
    return { value: show(name, name === 'addr' || name === 'data' ? n : Number(n)).value };
  }
  if (node.kind === 'params') {
    const idx = paramIndex(name, rt.session.m.x.nrParams);
    if (idx === undefined) return { error: `unknown param '${name}'` };
    const { domid } = node;
    rt.edit((s) => { const d = s.m.x.domains.get(domid); if (d) d.arch.hvm_domain.params[Number(idx)] = Number(n); });
    return { value: PFN_PARAMS.has(Number(idx)) ? A.hex(Number(n)) : String(n) };
  }
  return { error: 'only ioreq slot fields and HVM params can be set' };
}

/** What a data breakpoint on the row `name` under `node` would watch (a runtime data id), or why none. */
export function dataBreakpointOf(rt: IoreqRuntime | null, node: VarNode | undefined, name: string): { dataId: string | null; description: string } {
  if (node?.kind === 'slot' && name === 'state') return { dataId: `slot:${node.domid}:${node.vcpu}:state`, description: `d${node.domid}v${node.vcpu} slot state` };
  if (node?.kind === 'params') {
    const idx = paramIndex(name, rt?.session.m.x.nrParams ?? 0);
    if (idx !== undefined) return { dataId: `param:${node.domid}:${idx}`, description: `d${node.domid} ${name}` };
  }
  if (node?.kind === 'evtchns') {
    const m = /^port (\d+)$/.exec(name);
    if (m) return { dataId: `evtchn:${node.domid}:${m[1]}:pending`, description: `d${node.domid} port ${m[1]} pending` };
  }
  return { dataId: null, description: "only an ioreq slot's state, an HVM param or an event channel's pending bit can be watched" };
}
