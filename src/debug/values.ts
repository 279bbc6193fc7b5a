// How model values are shown to a Xen developer: hex pfns and addresses, state names with their numbers, return
// codes by name, and structured children for domains, vcpus, servers and ioreq slots. Also the C-like watch
// expressions (`d->arch.hvm_domain.ioreq_server->domid`, `p->state`, `s->ioreq_evtchn[1]`, `IOREQ_PFN`).
import * as A from '../model/abi';
import { rcName } from '../model/errno';
import { paramIndex } from '../model/params';
import {
  Domain, GuestPage, HvmIoreqPage, HvmIoreqPage45, HvmIoreqServer, HvmIoreqServer45, HvmIoreqVcpu45, INVALID_GFN, IoreqPage, IoreqRef, IoreqServer,
  IoreqVcpu, PageView, Rangeset, Rangeset45, Vcpu, HVMIO_NAMES,
} from '../model/xen';
import type { Model } from '../model/model';
import { NotInScope } from '../model/step';
import { IO_NAMES } from '../model/xen/4.21/arch/arm/ioreq';

/** A name the listing's C function declares (a parameter or a local) that the model does not keep (Arm's `regs`). */
export class NotModelled {
  toString(): string { return '<not modelled>'; }
}
export const NOT_MODELLED = new NotModelled();

export interface Shown {
  value: string;
  type?: string;
  /** Children, when the value can be expanded. */
  children?: () => Array<[string, unknown]>;
}

const HEX_NAMES = /(pfn|gmfn|addr|gpa|page|data|rax|value|pgstart|mfn|cf8)$/i;
/** The C types an I/O port is declared with in the listings (uint16_t in handle_pio, uint32_t/uint64_t in stdvga). */
const IO_PORT_TYPES = /^(uint(8|16|32|64)_t|unsigned( int| long)?)$/;


/**
 * Renders a value found under `name` (the name picks hex for pfns, names for rc); `ctype`, a modelled function's declared
 * type for a local, is the type shown and tells an I/O port (hex) from an event-channel port (decimal).
 */
export function show(name: string, v: unknown, ctype?: string): Shown {
  if (v instanceof NotInScope) return { value: '<not in scope>', type: ctype };
  if (v instanceof NotModelled) return { value: '<not modelled>', type: ctype };
  // undefined: a local declared without an initialiser and not assigned yet (C would show whatever the stack held).
  if (v === null || v === undefined) return { value: v === null ? 'NULL' : '<not initialised>', type: ctype };
  if (typeof v === 'bigint') return { value: A.hex(v), type: ctype ?? 'uint64_t' };
  if (typeof v === 'boolean') return { value: v ? '1' : '0', type: ctype ?? 'bool_t' };
  if (typeof v === 'string') return { value: v.startsWith('0x') || /^-?E[A-Z]+$/.test(v) ? v : JSON.stringify(v), type: ctype };
  if (typeof v === 'number') {
    // Arm's try_fwd_ioserv / try_handle_mmio keep an enum io_state (arch/arm/include/asm/mmio.h:52-58 @RELEASE-4.21.0).
    if (ctype === 'enum io_state') return { value: `${IO_NAMES[v] ?? 'invalid'} (${v})`, type: ctype };
    if (name === 'rc' || name === 'new_port' && v < 0) return { value: rcName(v), type: ctype ?? 'int' };
    if (name === 'state' || name === 'prev_state' || name === 'req_state' || name === 'io_state') return { value: `${name === 'io_state' ? HVMIO_NAMES[v] ?? v : A.STATE_NAMES[v] ?? 'invalid'} (${v})`, type: ctype ?? 'uint8_t' };
    if (HEX_NAMES.test(name) && v >= 0) return { value: A.hex(v), type: ctype ?? 'unsigned long' };
    // A port the listing declares as a plain unsigned integer is an I/O port (handle_pio's uint16_t port), read in hex
    // as Xen's traces print it; an event-channel port (evtchn_port_t, or an int that may hold an errno) stays decimal.
    if (/port$/.test(name) && ctype && IO_PORT_TYPES.test(ctype) && v >= 0) return { value: A.hex(v), type: ctype };
    return { value: String(v), type: ctype ?? 'int' };
  }
  if (v instanceof Domain) {
    return {
      value: `d${v.domain_id}${v.is_hvm ? ' (HVM)' : ''}${v.crashed ? ' CRASHED' : ''}${v.is_dying ? ' dying' : ''}`, type: 'struct domain *',
      children: () => [['domain_id', v.domain_id], ['is_dying', v.is_dying], ['pause_count', v.pause_count], ['vcpu', v.vcpu],
        ['arch', v.arch], ['crashed', v.crashed ? v.crashed.reason : null]],
    };
  }
  if (v instanceof Vcpu) {
    return {
      value: `d${v.domain.domain_id}v${v.vcpu_id}${v.pause_flags.blocked_in_xen ? ' (blocked in Xen)' : ''}`, type: 'struct vcpu *',
      children: () => [['vcpu_id', v.vcpu_id], ['domain', v.domain], ['pause_flags', v.pause_flags], ['arch', v.arch], ['rax', v.rax]],
    };
  }
  if (v instanceof HvmIoreqServer) {
    return {
      value: `ioreq server of d${v.domain.domain_id} for dm d${v.domid}${v.freed ? ' (FREED)' : ''}`, type: 'struct hvm_ioreq_server *',
      children: () => [['domain', v.domain], ['domid', v.domid], ['ioreq', v.ioreq], ['buf_ioreq', v.buf_ioreq],
        ['ioreq_evtchn', v.ioreq_evtchn.slice(0, Math.max(1, v.domain.vcpu.length))], ['buf_ioreq_evtchn', v.buf_ioreq_evtchn]],
    };
  }
  if (v instanceof HvmIoreqPage) {
    return { value: v.va ? `mapped, page ${A.hex(v.page ?? 0)}` : 'va NULL', type: 'struct hvm_ioreq_page', children: () => [['page', v.page], ['va', v.va ? 'mapped' : null]] };
  }
  // The 4.5 and 4.21 servers as their C structs read (struct hvm_ioreq_server of 4.5, struct ioreq_server of 4.21): which
  // server of which domain, serving which device model, enabled or not; their vcpu entries, pages and rangesets likewise.
  if (v instanceof HvmIoreqServer45) {
    const dflt = v.domain.hvm45.default_ioreq_server === v ? 'default ' : '';
    return {
      value: `${dflt}ioreq server ${v.id} of d${v.domain.domain_id} for dm d${v.domid}, ${v.enabled ? 'enabled' : 'disabled'}${v.freed ? ' (FREED)' : ''}`,
      type: 'struct hvm_ioreq_server *',
      children: () => [['id', v.id], ['domain', v.domain], ['domid', v.domid], ['enabled', v.enabled], ['ioreq', v.ioreq], ['bufioreq', v.bufioreq],
        ['bufioreq_evtchn', v.bufioreq_evtchn], ['ioreq_vcpu_list', v.ioreq_vcpu_list], ['range', v.range]],
    };
  }
  if (v instanceof IoreqServer) {
    return {
      value: `ioreq server ${v.id} of d${v.target.domain_id} for dm d${v.emulator.domain_id}, ${v.enabled ? 'enabled' : 'disabled'}${v.freed ? ' (FREED)' : ''}`,
      type: 'struct ioreq_server *',
      children: () => [['id', v.id], ['target', v.target], ['emulator', v.emulator], ['enabled', v.enabled], ['ioreq', v.ioreq], ['bufioreq', v.bufioreq],
        ['bufioreq_evtchn', v.bufioreq_evtchn], ['bufioreq_handling', v.bufioreq_handling], ['ioreq_vcpu_list', v.ioreq_vcpu_list], ['range', v.range]],
    };
  }
  if (v instanceof HvmIoreqVcpu45 || v instanceof IoreqVcpu) {
    const pending = v instanceof IoreqVcpu && v.pending ? ', pending' : '';
    return {
      value: `d${v.vcpu.domain.domain_id}v${v.vcpu.vcpu_id}, port ${v.ioreq_evtchn}${pending}`, type: v instanceof IoreqVcpu ? 'struct ioreq_vcpu *' : 'struct hvm_ioreq_vcpu *',
      children: () => [['vcpu', v.vcpu], ['ioreq_evtchn', v.ioreq_evtchn], ...(v instanceof IoreqVcpu ? [['pending', v.pending] as [string, unknown]] : [])],
    };
  }
  if (v instanceof HvmIoreqPage45) {
    return { value: `gmfn ${A.hex(v.gmfn)}, ${v.va ? 'mapped' : 'va NULL'}`, type: 'struct hvm_ioreq_page',
      children: () => [['gmfn', v.gmfn], ['page', v.page], ['va', v.va ? 'mapped' : null]] };
  }
  if (v instanceof IoreqPage) {
    return { value: `${v.gfn === INVALID_GFN ? 'no gfn' : `gfn ${A.hex(v.gfn)}`}, ${v.va ? 'mapped' : 'va NULL'}`, type: 'struct ioreq_page',
      children: () => [['gfn', v.gfn === INVALID_GFN ? 'INVALID_GFN' : v.gfn], ['page', v.page], ['va', v.va ? 'mapped' : null]] };
  }
  if (v instanceof Rangeset45 || v instanceof Rangeset) {
    const pairs: Array<[number | bigint, number | bigint]> = v instanceof Rangeset ? v.ranges
      : Array.from({ length: v.ranges.length / 2 }, (_, i) => [v.ranges[2 * i], v.ranges[2 * i + 1]]);
    const text = pairs.map(([a, b]) => (a === b ? A.hex(a) : `${A.hex(a)}-${A.hex(b)}`));
    return { value: `{ ${text.join(', ')}${text.length ? ' ' : ''}}`, type: 'struct rangeset *',
      children: () => pairs.map(([a, b], i) => [String(i), a === b ? A.hex(a) : `${A.hex(a)}-${A.hex(b)}`] as [string, unknown]) };
  }
  if (v instanceof IoreqRef) {
    const p = A.readIoreq(v.va, v.off);
    return {
      value: `vcpu_ioreq[${v.vcpu_id}]: ${A.STATE_NAMES[p.state] ?? `invalid state ${p.state}`}`, type: 'ioreq_t *',
      children: () => [['addr', p.addr], ['data', p.data], ['count', p.count], ['size', p.size], ['vp_eport', p.vp_eport],
        ['state', p.state], ['data_is_ptr', p.data_is_ptr], ['dir', p.dir], ['df', p.df], ['type', `${A.TYPE_NAMES[p.type] ?? '?'} (${p.type})`]],
    };
  }
  if (v instanceof GuestPage) return { value: `page (${v.use}), ${v.xen_maps} Xen mapping(s)`, type: 'struct page_info *' };
  if (v instanceof DataView || v instanceof PageView) return { value: 'mapped page', type: 'void *' };
  if (Array.isArray(v)) return { value: `[${v.length}]`, children: () => v.map((e, i) => [String(i), e] as [string, unknown]) };
  // A request record held by value or as a prototype (ioreq_send's proto_p, ioreq_signal_mapcache_invalidate's p):
  // read as the ioreq_t the listing declares, its fields as in a slot's.
  if (typeof v === 'object' && ctype && /^ioreq_t\b/.test(ctype) && isIoreq(v)) {
    return {
      value: `${A.TYPE_NAMES[v.type] ?? `type ${v.type}`} ${v.dir ? 'read' : 'write'} ${A.hex(v.addr)} size ${v.size}, ${A.STATE_NAMES[v.state] ?? `invalid state ${v.state}`}`, type: ctype,
      children: () => [['addr', v.addr], ['data', v.data], ['count', v.count], ['size', v.size], ['vp_eport', v.vp_eport],
        ['state', v.state], ['data_is_ptr', v.data_is_ptr], ['dir', v.dir], ['df', v.df], ['type', `${A.TYPE_NAMES[v.type] ?? '?'} (${v.type})`]],
    };
  }
  if (typeof v === 'object') {
    const o = v as Record<string, unknown>;
    const keys = Object.keys(o).filter((k) => typeof o[k] !== 'function');
    return { value: `{${keys.slice(0, 4).join(', ')}${keys.length > 4 ? ', …' : ''}}`, type: ctype, children: () => keys.map((k) => [k, o[k]] as [string, unknown]) };
  }
  return { value: String(v) };
}

/** Whether a plain object carries an ioreq_t's fields (the model's A.Ioreq). */
function isIoreq(v: object): v is A.Ioreq {
  const o = v as Record<string, unknown>;
  return typeof o.state === 'number' && typeof o.type === 'number' && typeof o.addr === 'bigint' && typeof o.size === 'number' && typeof o.dir === 'number';
}

export class EvalError extends Error {}

/**
 * Evaluates a C-like expression against a frame's locals and the model: identifiers (locals, `current`, `d0`..),
 * `->` and `.` member access, `[n]` indexing (a param name is allowed as the index), and bare param names
 * (`IOREQ_PFN` or `HVM_PARAM_IOREQ_PFN`, read from the frame's domain).
 */
export function evaluate(expr: string, locals: Record<string, unknown>, m: Model, domain: Domain | undefined): unknown {
  const src = expr.trim();
  if (!src) throw new EvalError('empty expression');
  const toks = src.match(/->|[A-Za-z_]\w*|0[xX][0-9a-fA-F]+|\d+|[.[\]()*&]|\S/g) ?? [];
  let i = 0;
  const peek = () => toks[i];
  const want = (t: string) => { if (toks[i] !== t) throw new EvalError(`expected '${t}' at '${toks.slice(i).join('')}'`); i++; };
  const num = (t: string) => (/^0[xX]/.test(t) ? parseInt(t, 16) : Number(t));
  const index = (): number => {
    const t = toks[i++];
    if (t === undefined) throw new EvalError('unfinished index');
    if (/^(0[xX][0-9a-fA-F]+|\d+)$/.test(t)) return num(t);
    const p = paramIndex(t, m.x.nrParams);
    if (p !== undefined) return p;
    if (locals[t] instanceof NotInScope) throw new EvalError(`'${t}' is not in scope at this statement`);
    if (locals[t] instanceof NotModelled) throw new EvalError(`'${t}' is in the C function, but IOREQ Scope's model does not keep it`);
    if (Object.hasOwn(locals, t) && typeof locals[t] === 'number') return locals[t] as number;
    throw new EvalError(`'${t}' is not a number, a local or an HVM param`);
  };
  const root = (): unknown => {
    const t = toks[i++];
    if (t === '(') { const v = chain(); want(')'); return v; }
    if (t === '*' || t === '&') return root();
    if (t === undefined) throw new EvalError('unexpected end');
    if (/^(0[xX][0-9a-fA-F]+|\d+)$/.test(t)) return num(t);
    if (locals[t] instanceof NotInScope) throw new EvalError(`'${t}' is not in scope at this statement`);
    if (locals[t] instanceof NotModelled) throw new EvalError(`'${t}' is in the C function, but IOREQ Scope's model does not keep it`);
    if (Object.hasOwn(locals, t)) return locals[t];
    if (t === 'current') return m.x.current;
    const dm = /^d(\d+)$/.exec(t);
    if (dm && m.x.domains.has(Number(dm[1]))) return m.x.domains.get(Number(dm[1]));
    const p = paramIndex(t, m.x.nrParams);
    if (p !== undefined && /^(HVM_PARAM_)?[A-Z_]+$/.test(t)) {
      if (!domain) throw new EvalError(`no domain in this frame to read ${t} from`);
      return domain.arch.hvm_domain.params[p];
    }
    throw new EvalError(`'${t}' is not a local of this frame, 'current', a domain (d1) or an HVM param`);
  };
  const member = (v: unknown, name: string): unknown => {
    if (v === null || v === undefined) throw new EvalError(`'${name}' of NULL`);
    if (typeof v !== 'object') throw new EvalError(`'${name}' of a non-struct value`);
    if (v instanceof IoreqRef) {
      const p = A.readIoreq(v.va, v.off) as unknown as Record<string, unknown>;
      if (name in p) return p[name];
    }
    if (name === '__proto__' || name === 'constructor' || name === 'prototype') throw new EvalError(`no member '${name}'`);
    const o = v as Record<string, unknown>;
    if (!(name in o) || typeof o[name] === 'function') throw new EvalError(`no member '${name}'`);
    return o[name];
  };
  const chain = (): unknown => {
    let v = root();
    for (;;) {
      const t = peek();
      if (t === '->' || t === '.') { i++; const n = toks[i++]; if (!n || !/^[A-Za-z_]\w*$/.test(n)) throw new EvalError(`expected a member name after '${t}'`); v = member(v, n); continue; }
      if (t === '[') {
        i++;
        const k = index();
        want(']');
        if (Array.isArray(v)) { if (k < 0 || k >= v.length) throw new EvalError(`index ${k} out of range (0..${v.length - 1})`); v = v[k]; continue; }
        throw new EvalError('indexing a value that is not an array');
      }
      return v;
    }
  };
  const v = chain();
  if (i !== toks.length) throw new EvalError(`unexpected '${toks.slice(i).join('')}'`);
  return v;
}

