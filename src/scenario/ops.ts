// The table of scenario operations: every op is declared here once — its name, the actors that may do it, its
// arguments, the profiles that have it, its checks, when it can run, and the call it makes into the model. The
// schema (schema/scenario.schema.json, made by tools/gen-schema.js), the parser's checks, the runner, the explorer's
// enabling rules and the debugger's step frame are all derived from it. The shape follows stateright's Model trait:
// actions (the steps), whether each is enabled in a state, and the next state (the model call).
import * as A from '../model/abi';
import type { DeviceModel, DmKind } from '../model/dm';
import * as E from '../model/evtchn';
import { DOMID_SELF } from '../model/evtchn';
import { EFAULT, EINVAL, ESRCH } from '../model/errno';
import type { ProfileName } from '../model/layout';
import type { Model } from '../model/model';
import { PARAM_NAMES } from '../model/params';
import { HVMOP_get_param, HVMOP_set_param, type HvmSeed } from '../model/xen/seed/hvm';
import { HVMIO_NAMES, HVMIO_none, SHUTDOWN_NAMES, VIO_NAMES, VIO_no_completion, type Domain, type GuestPage, type Vcpu } from '../model/xen';
import * as H45 from '../model/xen/4.5/hvm';
import * as I421 from '../model/xen/4.21/common/ioreq';
import { isX421, type ProfileName as Profile } from '../model/layout';
import { direct, rcOnly, type AnyImpl, type Call, type StepResult } from './call';
import type { ActorKind, Step } from './types';
import { dmServeFootprint, vcpuIoFootprint, type FootprintDecl } from './footprint';

type Json = Record<string, unknown>;

/** How the parser turns an argument's JSON value into the step's argument. */
export type ArgParse = 'big' | 'ioport' | 'param';

export interface ArgSpec {
  /** The JSON Schema of the value (completion and hover in the editor come from it). */
  schema: Json;
  required?: boolean;
  parse?: ArgParse;
}

export interface OpSpec {
  /** Who may do it. */
  actors: readonly ActorKind[];
  /** What it does, in Xen's terms (the schema's hover text). */
  doc: string;
  args: Readonly<Record<string, ArgSpec>>;
  /** The profiles that have it; every profile when absent. */
  profiles?: readonly ProfileName[];
  /** A check across arguments the schema cannot express, at parse time: the argument to blame and why. */
  check?: (args: Json, actor: ActorKind, ctx: CheckContext) => { at?: string; message: string } | null;
  /** The kinds of device model that do it (every kind when absent); parse-time. */
  dmKinds?: readonly DmKind[];
  /** A vcpu op that may run while the vcpu has an I/O in flight (the others wait for hvm_do_resume first). */
  whileIoInFlight?: boolean;
  /**
   * A vcpu op that goes on with Xen code the vcpu's CPU is already running (a held exit): neither a block in Xen, a
   * pause nor a shutdown stops it, since those take effect only when the vcpu next schedules.
   */
  runsInXen?: boolean;
  /** A vcpu op that is a slice of a wait already under way: on a crashed domain it runs, and does nothing. */
  voidWhenCrashed?: boolean;
  /** Why it cannot run in the state reached (after the actor's own checks), or null when it can. */
  blocked?: (m: Model, step: Step) => string | null;
  /** The call into the model's own code. */
  call: (m: Model, step: Step) => Call;
  /** The C-level call a step makes, as the debugger names the step's frame. */
  title?: (step: Step) => string;
  /** The hypercall looks the domain up itself (-ESRCH): a missing or destroyed domain does not block the step. */
  hypercallChecksDomain?: boolean;
  /** What it may read and write, by model component (footprint.ts), for the explorer's reduction; absent: everything. */
  footprint?: FootprintDecl;
}

/** What a parse-time check knows besides the step's arguments. */
export interface CheckContext {
  profile: Profile;
  /** The file's device models by name, with their kinds, and the step's actor (absent where a caller has none). */
  deviceModels?: ReadonlyMap<string, DmKind>;
  actor?: string;
}

// ---- argument schemas (shared by several ops) ----
const DOMID: ArgSpec = { schema: { type: 'integer', minimum: 0, maximum: 32751, description: 'A domain id.' }, required: true };
const OPT_DOMID: ArgSpec = { schema: DOMID.schema };
const VCPU: ArgSpec = { schema: { type: 'integer', minimum: 0, maximum: 127, description: 'A vcpu id.' }, required: true };
const NUM_SCHEMA: Json = { oneOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^(0[xX][0-9a-fA-F]+|[0-9]+)$' }], description: 'A number, or a string in decimal or 0x hex (for 64-bit values).' };
const BIG: ArgSpec = { schema: NUM_SCHEMA, required: true, parse: 'big' };
const OPT_BIG: ArgSpec = { schema: NUM_SCHEMA, parse: 'big' };
const PARAM: ArgSpec = {
  schema: { oneOf: [{ type: 'string', pattern: '^(HVM_PARAM_)?[A-Z0-9_]+$' }, { type: 'integer', minimum: 0 }], description: "An HVM param by Xen's name (IOREQ_PFN or HVM_PARAM_IOREQ_PFN) or number." },
  required: true, parse: 'param',
};
const IOPORT: ArgSpec = {
  schema: { oneOf: [{ type: 'integer', minimum: 0 }, { type: 'string', pattern: '^(0[xX][0-9a-fA-F]+|[0-9]+)$' }], description: 'An I/O port, 0 to 0xffff: a number or a 0x-hex string.' },
  required: true, parse: 'ioport',
};
const PIO_SIZE: ArgSpec = { schema: { enum: [1, 2, 4] }, required: true };
const MMIO_SIZE: ArgSpec = { schema: { enum: [1, 2, 4, 8], description: 'Access size in bytes.' }, required: true };
const PAGE: ArgSpec = { schema: { enum: ['ioreq', 'bufioreq'] }, required: true };
const BOOL: ArgSpec = { schema: { type: 'boolean' } };
const PORT: ArgSpec = { schema: { type: 'integer', minimum: 0 }, required: true };

// ---- what the ops share: lookups and the checks of the state they need ----
const MEM_MB_DEFAULT = 128;
const num = (step: Step, k: string): number => Number(step.args[k] as bigint);
const domOf = (m: Model, domid: number): Domain => m.x.domains.get(domid)!;
const dmOf = (m: Model, step: Step): DeviceModel => m.dms.get(step.actor)!;
const vcpuOf = (m: Model, step: Step): Vcpu => domOf(m, step.domid!).vcpu[step.vcpu!];

/** The domain named by a toolstack step's domid, or why it cannot be used. */
function liveDomain(m: Model, domid: number, what = 'domain'): string | null {
  const d = m.x.domains.get(domid);
  if (!d) return `${what} d${domid} does not exist`;
  if (d.is_dying === 2) return `${what} d${domid} has been destroyed`;
  return null;
}
const toolstackDomain = (m: Model, step: Step): string | null => liveDomain(m, step.args.domid as number);

/** The value a read of a value that fits `size` bytes must have (the parser's check for writes). */
function fits(args: Json): { at: string; message: string } | null {
  if (typeof args.size === 'number' && (args.value as bigint) >= 1n << BigInt(8 * (args.size as number))) return { at: 'value', message: `'value' does not fit in ${args.size} byte(s)` };
  return null;
}

/** HVMOP_set_param / HVMOP_get_param by any actor: the caller's domain and the target it names. */
function paramCall(m: Model, step: Step): Call {
  const dom0 = domOf(m, 0);
  let caller: Domain, domid: number, v: Vcpu | null = null, dm: DeviceModel | undefined;
  if (step.actorKind === 'toolstack') { caller = dom0; domid = step.args.domid as number; }
  else if (step.actorKind === 'dm') { dm = dmOf(m, step); caller = domOf(m, dm.domid); domid = (step.args.domid as number) ?? dm.target; }
  else { v = vcpuOf(m, step); caller = v.domain; domid = DOMID_SELF; }
  const a = { domid, index: step.args.param as number, value: step.args.value === undefined ? 0 : Number(step.args.value as bigint) };
  const op = step.op === 'hvmop_set_param' ? HVMOP_set_param : HVMOP_get_param;
  return {
    actor: step.actor, vcpu: v,
    // A device model's get goes through xc_get_hvm_param, which also records what it learnt (pfns, port).
    fn: (f) => (dm && op === HVMOP_get_param ? f.qemu.xcGetHvmParam(dm, a.index, a, domid) : f.hvm.doHvmOp(caller, op, a)),
    post: (rc: number) => ({ rc, value: rc === 0 && op === HVMOP_get_param ? BigInt(a.value) : undefined }),
  };
}
const paramTitle = (name: string) => (step: Step): string => {
  const target = step.actorKind === 'vcpu' ? 'DOMID_SELF' : step.args.domid !== undefined ? `d${step.args.domid}` : 'target';
  const p = PARAM_NAMES[step.args.param as number] ?? String(step.args.param);
  return `${name}(${target}, HVM_PARAM_${p}${step.args.value !== undefined ? `, 0x${(step.args.value as bigint).toString(16)}` : ''})`;
};
const needsDomidFromToolstack = (op: string) => (args: Json, actor: ActorKind) =>
  actor === 'toolstack' && args.domid === undefined ? { message: `'${op}' by the toolstack needs 'domid'` } : null;

function hexBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function setPage(d: Domain, pfn: number, a: Json): number {
  if (a.remove) {
    if (!d.page(pfn)) return -EINVAL;
    d.physmap.delete(pfn);
    d.holes.add(pfn);
    return 0;
  }
  const pg = d.page(pfn);
  if (!pg) return -EINVAL;
  if (a.pagedOut !== undefined) pg.paged_out = a.pagedOut as boolean;
  if (a.shared !== undefined) pg.shared = a.shared as boolean;
  if (a.notWritable !== undefined) pg.not_writable = a.notWritable as boolean;
  return 0;
}

// ---- issue 11's helpers ----
const SEED_ERA_44 = ['legacy', 'seed'] as const;
const COUNT: ArgSpec = { schema: { type: 'integer', minimum: 1, maximum: 4096, description: 'The repeat count (rCX).' }, required: true };
const DF: ArgSpec = { schema: { enum: [0, 1], description: 'EFLAGS.DF: 1 walks the buffer backwards.' } };
const REASON: ArgSpec = {
  schema: { oneOf: [{ enum: ['poweroff', 'reboot', 'suspend', 'crash', 'watchdog'] }, { type: 'integer', minimum: 0, maximum: 255 }], description: 'SHUTDOWN_* by name (poweroff, reboot, suspend, crash, watchdog) or number.' },
  required: true,
};
const reasonOf = (step: Step): number => {
  const r = step.args.reason;
  return typeof r === 'number' ? r : ['poweroff', 'reboot', 'suspend', 'crash', 'watchdog'].indexOf(r as string);
};

/** A string instruction: the emulator's callback, then handle_mmio's tail (io.c:174-217@RELEASE-4.4.0). */
function stringIo(m: Model, step: Step, kind: 'outs' | 'ins' | 'movs'): Call {
  const v = vcpuOf(m, step);
  const a = step.args;
  return {
    actor: step.actor, vcpu: v,
    fn: (f) => (f.hvm as HvmSeed).handleStringIo(v, kind, kind === 'movs' ? (a.src as bigint) : BigInt(a.port as number),
      kind === 'movs' ? (a.dst as bigint) : (a.gpa as bigint), a.size as number, a.count as number, (a.df as number | undefined) ?? 0),
    post: rcOnly,
  };
}

/** A guest store into its own RAM: -EFAULT where a frame holds no RAM. */
function guestMemory(d: Domain, gpa: bigint, bytes: Uint8Array): number {
  for (let k = 0; k < bytes.length; k++) {
    const a = gpa + BigInt(k);
    const pfn = Number(a >> 12n);
    const pg = pfn >= 0xa0 && pfn < 0xc0 ? null : d.page(pfn);
    if (!pg) return -EFAULT;
    pg.data().setUint8(Number(a & 0xfffn), bytes[k]);
  }
  return 0;
}

function guestLoad(d: Domain, gpa: bigint, size: number): { rc: number; value: bigint } {
  let value = 0n;
  for (let k = 0; k < size; k++) {
    const a = gpa + BigInt(k);
    const pfn = Number(a >> 12n);
    const pg = pfn >= 0xa0 && pfn < 0xc0 ? null : d.page(pfn);
    if (!pg) return { rc: -EFAULT, value: 0n };
    value |= BigInt(pg.data().getUint8(Number(a & 0xfffn))) << BigInt(8 * k);
  }
  return { rc: 0, value };
}

/** What a port access touches besides the vcpu's own slot: stdvga's ports (and its ring), the CF8 latch. */
function portTouches(step: Step): { buf?: boolean; vga?: boolean; domain?: boolean } {
  const port = step.args.port as number, last = port + (step.args.size as number) - 1;
  if (last >= 0x3b0 && port <= 0x3df) return { buf: true, vga: true };
  if (last >= 0xcf8 && port <= 0xcff) return { domain: true };
  return {};
}

/** An MMIO access in stdvga's window (0xa0000-0xbffff) may touch stdvga and go on the buffered ring. */
function mmioTouches(step: Step): { buf?: boolean; vga?: boolean } {
  const addr = step.args.addr as bigint, last = addr + BigInt(step.args.size as number) - 1n;
  return last >= 0xa0000n && addr <= 0xbffffn ? { buf: true, vga: true } : {};
}

/** cpu_handle_ioreq's precondition: the page mapped, the vcpu's port bound and pending, its slot READY. */
function serveBlocked(m: Model, step: Step): string | null {
  const dm = dmOf(m, step);
  const i = step.args.vcpu as number;
  if (!dm.shared_page) return 'the ioreq page is not mapped';
  const lport = dm.ioreq_local_port[i];
  if (lport === undefined || lport < 0) return `the device model has no port bound for vcpu ${i}`;
  if (!domOf(m, dm.domid).evtchn.ports[lport]?.pending) return `port ${lport} (vcpu ${i}) is not pending: no request has been signalled`;
  const st = A.getState(dm.shared_page, A.ioreqOffset(i));
  if (st !== A.STATE_IOREQ_READY) return `vcpu ${i}'s slot is ${A.STATE_NAMES[st] ?? 'state ' + st}, not STATE_IOREQ_READY: nothing to serve yet`;
  return null;
}

/** The split steps of cpu_handle_ioreq follow each other for one vcpu. */
function inService(m: Model, step: Step, want: 'taken' | 'handled'): string | null {
  const dm = dmOf(m, step);
  if (dm.service !== want || dm.send_vcpu !== step.args.vcpu) {
    return want === 'taken' ? `the device model has not taken vcpu ${step.args.vcpu}'s request (cpu_get_ioreq first)` : `the device model has not handled vcpu ${step.args.vcpu}'s request (handle_ioreq first)`;
  }
  return null;
}

const TOOLSTACK = ['toolstack'] as const;
const DM = ['dm'] as const;
const VCPUS = ['vcpu'] as const;
const ANY = ['toolstack', 'dm', 'vcpu'] as const;

// ---- the profiles' own families of ops: 4.5's HVMOPs 17-22, today's DMOPs ----
const SEED_ERA: readonly Profile[] = ['legacy', 'seed', '4.5'];
const X421: readonly Profile[] = ['4.21', '4.21-arm'];
const X86: readonly Profile[] = ['legacy', 'seed', '4.5', '4.21'];
const DM_OR_TOOLSTACK = ['dm', 'toolstack'] as const;
const SERVER_ID: ArgSpec = { schema: { type: 'integer', minimum: 0, maximum: 65535, description: "An ioreq server id (ioservid_t); a device model's steps default to the server it created." } };
const RANGE_TYPE: ArgSpec = { schema: { enum: ['port', 'memory', 'pci'], description: 'The range type: I/O ports, MMIO (guest physical addresses) or PCI config space (SBDF numbers).' }, required: true };
const BUFIOREQ: ArgSpec = { schema: { enum: ['off', 'legacy', 'atomic'], description: 'HVM_IOREQSRV_BUFIOREQ_OFF / _LEGACY / _ATOMIC.' } };
const PAD: ArgSpec = { schema: { type: 'integer', minimum: 0, maximum: 255, description: 'A non-zero value in the op\'s padding (Xen refuses it with -EINVAL).' } };

const BUFIOREQ_MODES: Record<string, number> = { off: I421.HVM_IOREQSRV_BUFIOREQ_OFF, legacy: I421.HVM_IOREQSRV_BUFIOREQ_LEGACY, atomic: I421.HVM_IOREQSRV_BUFIOREQ_ATOMIC };
const bufioreqOf = (step: Step): number => BUFIOREQ_MODES[(step.args.bufioreq as string) ?? 'atomic'];
const RANGE_TYPES: Record<string, number> = { port: I421.XEN_DMOP_IO_RANGE_PORT, memory: I421.XEN_DMOP_IO_RANGE_MEMORY, pci: I421.XEN_DMOP_IO_RANGE_PCI };
const rangeTypeOf = (step: Step): number => RANGE_TYPES[step.args.type as string];
const rangeText = (step: Step): string => `0x${(step.args.start as bigint).toString(16)}-0x${(step.args.end as bigint).toString(16)}`;

/** The domain whose hypercall it is: the toolstack's is dom0, a device model's its own domain. */
const callerOf = (m: Model, step: Step): Domain => domOf(m, step.actorKind === 'dm' ? dmOf(m, step).domid : 0);
/** The target a step names: its domid, or a device model's target. */
const targetOf = (m: Model, step: Step): number => (step.args.domid as number) ?? (step.actorKind === 'dm' ? dmOf(m, step).target : -1);
const serverIdOf = (m: Model, step: Step): number => (step.args.id as number) ?? (step.actorKind === 'dm' ? dmOf(m, step).ioservid : -1);

const needsIdFromToolstack = (op: string) => (args: Json, actor: ActorKind) =>
  needsDomidFromToolstack(op)(args, actor) ?? (actor === 'toolstack' && args.id === undefined ? { message: `'${op}' by the toolstack needs 'id'` } : null);
/** 4.5's xen_hvm_io_range carries 64-bit start/end; the model keeps them as numbers, so they must stay below 2^53. */
function rangeFitsNumber(args: Json): { at: string; message: string } | null {
  for (const k of ['start', 'end']) if ((args[k] as bigint) >= 1n << 53n) return { at: k, message: `'${k}' is above 2^53, past what the 4.5 model keeps` };
  return null;
}
function serverStepBlocked(m: Model, step: Step): string | null {
  if (step.actorKind === 'toolstack') return toolstackDomain(m, step);
  if (step.args.id === undefined && dmOf(m, step).ioservid < 0) return "the device model has no server yet (create one first, or give 'id')";
  return null;
}
/** XEN_DMOP 3 or 4 (map or unmap a range of the device model's own server), declared once for both. */
function dm421RangeOp(name: string, map: boolean, doc: string): OpSpec {
  return {
    actors: DM, profiles: X421, doc,
    args: { type: RANGE_TYPE, start: BIG, end: BIG },
    blocked: (m, step) => dmAlive(m, step) ?? ownServer(m, step),
    call: (m, step) => dm421Call(m, step, (t, dm) => t.qemu.xendevicemodelMapIoRange(dm, map, rangeTypeOf(step), step.args.start as bigint, step.args.end as bigint)),
    title: (step) => `${name}(${step.args.type} ${rangeText(step)})`,
  };
}

/** HVMOP 19 or 20 (map or unmap a range), declared once for both. */
function hvm45RangeOp(name: string, op: number, doc: string): OpSpec {
  return {
    actors: DM_OR_TOOLSTACK, profiles: ['4.5'], doc,
    args: { domid: OPT_DOMID, id: SERVER_ID, type: RANGE_TYPE, start: BIG, end: BIG },
    check: (args, actor) => needsIdFromToolstack(name)(args, actor) ?? rangeFitsNumber(args),
    blocked: serverStepBlocked,
    call: (m, step) => {
      const a: H45.XenHvmIoRange = { domid: targetOf(m, step), id: serverIdOf(m, step), type: rangeTypeOf(step), start: num(step, 'start'), end: num(step, 'end') };
      return { actor: step.actor, vcpu: null, fn: (f) => f.hvm.doHvmOp(callerOf(m, step), op, a as never), post: rcOnly };
    },
    title: (step) => `${name.replace(/^hvmop_/, 'HVMOP_')}(id ${step.args.id ?? 'own'}, ${step.args.type} ${rangeText(step)})`,
  };
}

/** A device model that has exited answers nothing and makes no more calls. */
const dmAlive = (m: Model, step: Step): string | null => (dmOf(m, step).dead ? 'the device model has exited' : null);
const ownServer = (m: Model, step: Step): string | null => (dmOf(m, step).ioservid < 0 ? 'the device model has no ioreq server yet' : null);
/** The device model domain's vcpu 0: Xen's `current` during its hypercalls (a DMOP acts for current->domain). */
function dmVcpu(m: Model, dm: DeviceModel): Vcpu | null {
  return domOf(m, dm.domid)?.vcpu[0] ?? null;
}
type X421Impl = NonNullable<AnyImpl['x421']>;
/** A call into today's device-model code (QEMU, varstored, a virtio backend), run as the device model's domain. */
function dm421Call(m: Model, step: Step, fn: (t: X421Impl, dm: DeviceModel) => unknown): Call {
  const dm = dmOf(m, step);
  return {
    actor: step.actor, vcpu: dmVcpu(m, dm),
    fn: (f) => { if (!dm.max_cpus) dm.max_cpus = domOf(m, dm.target)?.vcpu.length ?? 0; return fn(f.x421!, dm); },
    post: rcOnly,
  };
}
/** A DMOP exactly as given (dm_op in arch dm.c, then ioreq_server_dm_op). */
function dmopRaw(m: Model, step: Step, op: I421.XenDmOp): Call {
  const dm = dmOf(m, step);
  return { actor: step.actor, vcpu: dmVcpu(m, dm), fn: (f) => f.x421!.hvm.dmOp(dm.target, op), post: rcOnly };
}
/** The tools half (libxendevicemodel, privcmd, evtchn) of the device model's own code, by its kind. */
const tools421 = (t: X421Impl, dm: DeviceModel) => (dm.kind === 'varstored' ? t.varstored : dm.kind === 'virtio' ? t.virtio : t.qemu);

/** Whether a vcpu still has an I/O to finish before it runs guest code again. */
function ioInFlight(m: Model, v: Vcpu): string | null {
  if (isX421(m.profile)) {
    if (v.io.completion !== VIO_no_completion) return VIO_NAMES[v.io.completion];
    return m.flat.x421!.hvm.vcpuIoreqPending(v) ? 'an ioreq pending at its server' : null;
  }
  const s = v.arch.hvm_vcpu.hvm_io.io_state;
  return s !== HVMIO_none ? HVMIO_NAMES[s] : null;
}

/** A guest access under 4.21: x86's handle_pio / handle_mmio return a bool, Arm's try_handle_mmio an io_state. */
function guest421(m: Model, step: Step, isPio: boolean, dir: number): Call {
  const v = vcpuOf(m, step);
  const size = step.args.size as number;
  const value = dir === A.IOREQ_WRITE ? (step.args.value as bigint) : 0n;
  const arm = m.profile === '4.21-arm';
  return {
    actor: step.actor, vcpu: v,
    fn: (f) => {
      if (dir === A.IOREQ_WRITE) v.rax = value;
      if (step.args.holdAfterSend === true) v.io.hold_after_send = true;
      const h = f.x421!.hvm as unknown as {
        handlePio(v: Vcpu, p: number, s: number, d: number): unknown;
        handleMmio(v: Vcpu, g: bigint, s: number, d: number, c: number, df: number): unknown;
        tryHandleMmio(v: Vcpu, i: { gpa: bigint; size: number; write: number; sign: number }): unknown;
      };
      if (arm) return h.tryHandleMmio(v, { gpa: step.args.addr as bigint, size: Math.log2(size), write: dir === A.IOREQ_WRITE ? 1 : 0, sign: 0 });
      return isPio ? h.handlePio(v, step.args.port as number, size, dir) : h.handleMmio(v, step.args.addr as bigint, size, dir, 1, 0);
    },
    post: (r: boolean | number): StepResult => ({ rc: Number(r) }),
  };
}

/** 4.21's pio_read / pio_write: hold the exit right after ioreq_send, for hvm_io_continue to finish. */
const HOLD_AFTER_SEND: ArgSpec = { schema: { type: 'boolean', description: "4.21: the vcpu's CPU stops right after ioreq_send returns, inside hvmemul_do_io, so that other actors (another CPU: the toolstack's shutdown) run before the rest of the exit; the vcpu's step hvm_io_continue finishes it." } };
function holdCheck(args: Json, ctx: CheckContext): { at: string; message: string } | null {
  return args.holdAfterSend !== undefined && ctx.profile !== '4.21' ? { at: 'holdAfterSend', message: "'holdAfterSend' is for the 4.21 profile (x86 hvmemul_do_io)" } : null;
}

/** Every scenario operation, in the order the schema lists them. */
export const OPS = {
  // ---- the toolstack ----
  xc_domain_create: {
    actors: TOOLSTACK, doc: 'XEN_DOMCTL_createdomain + max_vcpus: domain_create (hvm_domain_initialise) then hvm_vcpu_initialise for each vcpu. The domain starts paused by the toolstack.',
    args: { domid: DOMID, vcpus: { schema: { type: 'integer', minimum: 0, maximum: 128 }, required: true } },
    blocked: (m, step) => (m.x.domains.has(step.args.domid as number) ? `d${step.args.domid} already exists` : null),
    call: (m, step) => ({ actor: 'toolstack', vcpu: null, fn: (f) => f.libxc.xcDomainCreate(step.args.domid as number, step.args.vcpus as number, true), post: rcOnly }),
  },
  xc_hvm_build: {
    actors: TOOLSTACK, doc: "xc_hvm_build's setup_guest: RAM, the special pages, hvm_info, then the params (xenstore/console ports as libxl does).",
    args: { domid: DOMID, memMb: { schema: { type: 'integer', minimum: 1, maximum: 4000 } }, debug: { schema: { type: 'boolean', description: "libxc's debug logging on: setup_guest's DPRINTF lines (XTL_DETAIL) appear in the trace." } } },
    blocked: toolstackDomain,
    call: (m, step) => ({ actor: 'toolstack', vcpu: null, fn: (f) => f.libxc.setupGuest(domOf(m, step.args.domid as number), ((step.args.memMb as number) ?? MEM_MB_DEFAULT) * 256, 0, 0, step.args.debug === true), post: rcOnly }),
  },
  xc_domain_unpause: {
    actors: TOOLSTACK, doc: "Drop the toolstack's pause.",
    args: { domid: DOMID },
    blocked: (m, step) => toolstackDomain(m, step) ?? (domOf(m, step.args.domid as number).pause_count === 0 ? `d${step.args.domid} is not paused` : null),
    call: (m, step) => ({ actor: 'toolstack', vcpu: null, fn: (f) => f.libxc.domainUnpauseByController(domOf(m, step.args.domid as number)), post: rcOnly }),
  },
  xc_domain_destroy: {
    actors: TOOLSTACK, doc: 'domain_kill: mark dying, close every port, relinquish (destroys the ioreq server), destroy the vcpus.',
    args: { domid: DOMID },
    blocked: toolstackDomain,
    call: (m, step) => ({ actor: 'toolstack', vcpu: null, fn: (f) => f.libxc.xcDomainDestroy(domOf(m, step.args.domid as number)), post: rcOnly }),
  },
  alloc_vcpu: {
    actors: TOOLSTACK, doc: 'Bring up one more vcpu: alloc_vcpu -> hvm_vcpu_initialise.',
    args: { domid: DOMID, vcpu: VCPU },
    blocked: toolstackDomain,
    call: (m, step) => ({ actor: 'toolstack', vcpu: null, fn: (f) => f.libxc.allocVcpu(domOf(m, step.args.domid as number), step.args.vcpu as number), post: rcOnly }),
  },
  hvmop_set_param: {
    actors: ANY, doc: "HVMOP_set_param by the actor's domain (a vcpu acts on its own domain; domid defaults to the device model's target).",
    args: { domid: OPT_DOMID, param: PARAM, value: BIG },
    check: needsDomidFromToolstack('hvmop_set_param'),
    whileIoInFlight: true,
    hypercallChecksDomain: true,
    call: paramCall, title: paramTitle('HVMOP_set_param'),
  },
  hvmop_get_param: {
    actors: ANY, doc: "HVMOP_get_param by the actor's domain. Under the seed, IOREQ_PFN, BUFIOREQ_PFN and BUFIOREQ_EVTCHN create the ioreq server.",
    args: { domid: OPT_DOMID, param: PARAM },
    check: needsDomidFromToolstack('hvmop_get_param'),
    whileIoInFlight: true,
    hypercallChecksDomain: true,
    call: paramCall, title: paramTitle('HVMOP_get_param'),
  },
  evtchn_alloc_unbound: {
    actors: TOOLSTACK, doc: 'EVTCHNOP_alloc_unbound in domid for a remote domain.',
    args: { domid: DOMID, remote: { schema: DOMID.schema, required: true } },
    blocked: toolstackDomain,
    call: (m, step) => ({
      actor: 'toolstack', vcpu: null,
      fn: () => direct(() => E.evtchnAllocUnbound(m.x, domOf(m, step.args.domid as number), step.args.remote as number)),
      post: (r) => ({ rc: r < 0 ? r : 0, value: r < 0 ? undefined : BigInt(r) }),
    }),
    title: (step) => `EVTCHNOP_alloc_unbound(d${step.args.domid}, remote d${step.args.remote})`,
  },
  inject_fault: {
    actors: TOOLSTACK, doc: 'Make the nth next allocation of this kind fail (nth 0: the next): xzalloc (-ENOMEM), map_domain_page_global (-ENOMEM), an event channel (-ENOSPC).',
    args: { kind: { schema: { enum: ['xzalloc', 'map', 'evtchn'] }, required: true }, nth: { schema: { type: 'integer', minimum: 0, maximum: 1000, description: 'Which allocation fails: 0 the next one, 1 the one after, ...' } } },
    call: (m, step) => ({ actor: 'toolstack', vcpu: null, fn: () => direct(() => { m.x.faults[step.args.kind as 'xzalloc'] = (step.args.nth as number) ?? 0; return 0; }), post: rcOnly }),
    title: (step) => `fault: fail ${step.args.kind} allocation #${(step.args.nth as number) ?? 0} from now`,
  },
  set_page: {
    actors: TOOLSTACK, doc: "Change a guest frame's p2m state: paged out or shared (prepare_ring_for_helper: -ENOENT), not writable or removed (-EINVAL).",
    args: { domid: DOMID, pfn: BIG, pagedOut: BOOL, shared: BOOL, notWritable: BOOL, remove: BOOL },
    blocked: toolstackDomain,
    call: (m, step) => ({ actor: 'toolstack', vcpu: null, fn: () => direct(() => setPage(domOf(m, step.args.domid as number), num(step, 'pfn'), step.args)), post: rcOnly }),
    title: (step) => `p2m: d${step.args.domid} pfn 0x${(step.args.pfn as bigint).toString(16)}`,
  },
  // ---- device models ----
  xen_hvm_init: {
    actors: DM, profiles: SEED_ERA, doc: "QEMU's xen_hvm_init: get IOREQ_PFN, map it, get BUFIOREQ_PFN, map it, bind each vcpu's port, get and bind BUFIOREQ_EVTCHN.",
    args: {},
    call: (m, step) => {
      const dm = dmOf(m, step);
      return { actor: step.actor, vcpu: null, fn: (f) => { if (!dm.max_cpus) dm.max_cpus = domOf(m, dm.target).vcpu.length; return f.qemu.xenHvmInit(dm); }, post: rcOnly };
    },
  },
  xc_map_foreign_range: {
    actors: DM, doc: 'Map the ioreq page or the buffered page learned from get_param.',
    args: { page: PAGE },
    blocked: (m, step) => {
      const dm = dmOf(m, step);
      const buf = step.args.page === 'bufioreq';
      return (buf ? dm.bufioreq_pfn : dm.ioreq_pfn) < 0 ? `the device model has not read ${buf ? 'BUFIOREQ_PFN' : 'IOREQ_PFN'} yet` : null;
    },
    call: (m, step) => {
      const dm = dmOf(m, step), buf = step.args.page === 'bufioreq';
      if (!isX421(m.profile)) return { actor: step.actor, vcpu: null, fn: (f) => f.qemu.xcMapForeignRange(dm, buf ? 1 : 0), post: rcOnly };
      // 4.21: xenforeignmemory_map of a legacy gfn from get_info (refused once the server is enabled: the page has left the p2m).
      return {
        ...dm421Call(m, step, (t) => tools421(t, dm).xenforeignmemoryMap(dm, buf ? dm.bufioreq_pfn : dm.ioreq_pfn)),
        post: (pg: GuestPage | null) => {
          if (!pg) return { rc: -EINVAL };
          if (buf) dm.buffered_io_page = pg.data(); else dm.shared_page = pg.data();
          dm.pages_how = 'gfn';
          return { rc: 0 };
        },
      };
    },
    title: (step) => `xc_map_foreign_range(${step.args.page} page)`,
  },
  evtchn_bind_interdomain: {
    actors: DM, doc: "Bind vcpu n's ioreq port (read from its slot's vp_eport), or with buffered: true the buffered port.",
    args: { vcpu: { schema: VCPU.schema }, buffered: BOOL },
    check: (args) => ((args.vcpu === undefined) === (args.buffered !== true) ? { message: "'evtchn_bind_interdomain' needs either 'vcpu' or 'buffered': true" } : null),
    blocked: (m, step) => {
      const dm = dmOf(m, step);
      if (step.args.buffered) return dm.bufioreq_remote_port < 0 ? 'the device model has not read BUFIOREQ_EVTCHN yet' : null;
      return dm.shared_page ? null : 'the ioreq page is not mapped (vp_eport is read from it)';
    },
    call: (m, step) => {
      const dm = dmOf(m, step);
      const i = step.args.vcpu as number;
      const post = step.args.buffered ? (r: number) => ({ rc: r, value: r === 0 ? BigInt(dm.bufioreq_local_port) : undefined })
        : (r: number) => ({ rc: r, value: r === 0 ? BigInt(dm.ioreq_local_port[i]) : undefined });
      if (isX421(m.profile)) return { ...dm421Call(m, step, (t) => (step.args.buffered ? tools421(t, dm).bindBufPort(dm) : tools421(t, dm).bindVcpuPort(dm, i))), post };
      return { actor: step.actor, vcpu: null, fn: (f) => (step.args.buffered ? f.qemu.bindBufPort(dm) : f.qemu.bindVcpuPort(dm, i)), post };
    },
  },
  cpu_handle_ioreq: {
    actors: DM, doc: "Serve vcpu n's request: READY -> INPROCESS, emulate, IORESP_READY, notify. data: the value a read returns; notify: false never notifies.",
    footprint: (step, ctx) => dmServeFootprint(step, ctx, step.args.vcpu as number),
    args: { vcpu: VCPU, data: OPT_BIG, notify: BOOL,
      wake: { schema: { enum: ['ready', 'event'], description: "When the step can run: 'ready' (default) once the port is pending and the slot READY; 'event' as soon as the port is pending, whatever the slot holds (the device model's loop is woken by the event: it clears it and serves the slot only if it is READY, else it skips it)." } } },
    blocked: (m, step) => {
      const dm = dmOf(m, step);
      const i = step.args.vcpu as number;
      if (!dm.shared_page) return 'the ioreq page is not mapped';
      const lport = dm.ioreq_local_port[i];
      if (lport === undefined || lport < 0) return `the device model has no port bound for vcpu ${i}`;
      if (!domOf(m, dm.domid).evtchn.ports[lport]?.pending) return `port ${lport} (vcpu ${i}) is not pending: no request has been signalled`;
      if (step.args.wake === 'event') return null;
      // A wake-up with the slot not READY finds nothing to serve (QEMU's "I/O request not ready"): the step waits.
      const st = A.getState(dm.shared_page, A.ioreqOffset(i));
      if (st !== A.STATE_IOREQ_READY) return `vcpu ${i}'s slot is ${A.STATE_NAMES[st] ?? 'state ' + st}, not STATE_IOREQ_READY: nothing to serve yet`;
      return null;
    },
    call: (m, step) => {
      const dm = dmOf(m, step), i = step.args.vcpu as number;
      const r = { data: step.args.data as bigint | undefined, notify: step.args.notify as boolean | undefined };
      const post = (ret: number): StepResult => ({ rc: ret < 0 ? ret : 0, value: BigInt(ret < 0 ? 0 : ret) });
      // 4.21: each device model's own loop (QEMU's cpu_handle_ioreq, varstored's poll, the virtio backend's).
      if (isX421(m.profile)) return { ...dm421Call(m, step, (t) => (dm.kind === 'varstored' ? t.varstored.varstoredPollIopage(dm, i, r) : dm.kind === 'virtio' ? t.virtio.virtioHandleIoreq(dm, i, r) : t.qemu.cpuHandleIoreq(dm, i, r))), post };
      return { actor: step.actor, vcpu: null, fn: (f) => f.qemu.cpuHandleIoreq(dm, i, r), post };
    },
  },
  handle_buffered_iopage: {
    actors: DM, doc: 'Consume the buffered ring from read_pointer to write_pointer.',
    footprint: (step, ctx) => dmServeFootprint(step, ctx, null),
    args: {},
    blocked: (m, step) => (dmOf(m, step).buffered_io_page ? null : 'the buffered page is not mapped'),
    call: (m, step) => {
      const dm = dmOf(m, step);
      const post = (r: number): StepResult => ({ rc: r < 0 ? r : 0, value: BigInt(r < 0 ? 0 : r) });
      if (isX421(m.profile)) return { ...dm421Call(m, step, (t) => t.qemu.handleBufferedIopage(dm)), post };
      return { actor: step.actor, vcpu: null, fn: (f) => f.qemu.handleBufferedIopage(dm), post };
    },
  },
  write_state: {
    actors: DM, doc: "Misbehave: write any value into vcpu n's 4-bit slot state.",
    args: { vcpu: VCPU, state: { schema: { type: 'integer', minimum: 0, maximum: 15 }, required: true } },
    blocked: (m, step) => (dmOf(m, step).shared_page ? null : 'the ioreq page is not mapped'),
    call: (m, step) => ({ actor: step.actor, vcpu: null, fn: (f) => direct(() => { f.qemu.writeState(dmOf(m, step), step.args.vcpu as number, step.args.state as number); return 0; }), post: rcOnly }),
    title: (step) => `misbehave: vcpu ${step.args.vcpu}'s slot state = ${step.args.state}`,
  },
  write_bytes: {
    actors: DM, doc: 'Misbehave: write raw bytes (hex) into a mapped page.',
    args: { page: PAGE, offset: { schema: { type: 'integer', minimum: 0, maximum: 4095 }, required: true }, bytes: { schema: { type: 'string', pattern: '^([0-9a-fA-F]{2})+$' }, required: true } },
    check: (args) => ((args.offset as number) + (args.bytes as string).length / 2 > 4096
      ? { at: 'bytes', message: `'bytes' run past the end of the page: offset ${args.offset} + ${(args.bytes as string).length / 2} byte(s) > 4096` } : null),
    blocked: (m, step) => ((step.args.page === 'bufioreq' ? dmOf(m, step).buffered_io_page : dmOf(m, step).shared_page) ? null : `the ${step.args.page} page is not mapped`),
    call: (m, step) => ({
      actor: step.actor, vcpu: null,
      fn: (f) => direct(() => { f.qemu.writeBytes(dmOf(m, step), step.args.page === 'bufioreq' ? 1 : 0, step.args.offset as number, hexBytes(step.args.bytes as string)); return 0; }),
      post: rcOnly,
    }),
    title: (step) => `misbehave: write ${(step.args.bytes as string).length / 2} byte(s) at ${step.args.page} page +0x${(step.args.offset as number).toString(16)}`,
  },
  evtchn_send: {
    actors: DM, doc: "EVTCHNOP_send on one of the device model's ports.",
    args: { port: PORT },
    blocked: (m, step) => (domOf(m, dmOf(m, step).domid).evtchn.valid(step.args.port as number) ? null : `d${dmOf(m, step).domid} has no port ${step.args.port}`),
    call: (m, step) => ({ actor: step.actor, vcpu: null, fn: () => direct(() => E.evtchnSend(m.x, domOf(m, dmOf(m, step).domid), step.args.port as number)), post: rcOnly }),
    title: (step) => `EVTCHNOP_send(port ${step.args.port})`,
  },
  evtchn_close: {
    actors: DM, doc: "EVTCHNOP_close on one of the device model's ports.",
    args: { port: PORT },
    blocked: (m, step) => (domOf(m, dmOf(m, step).domid).evtchn.valid(step.args.port as number) ? null : `d${dmOf(m, step).domid} has no port ${step.args.port}`),
    call: (m, step) => ({ actor: step.actor, vcpu: null, fn: () => direct(() => E.evtchnClose(m.x, domOf(m, dmOf(m, step).domid), step.args.port as number)), post: rcOnly }),
    title: (step) => `EVTCHNOP_close(port ${step.args.port})`,
  },
  // ---- vcpus ----
  pio_write: {
    actors: VCPUS, profiles: X86, doc: 'An OUT instruction: handle_pio -> hvmemul_do_io -> hvm_send_assist_req.',
    footprint: (step) => vcpuIoFootprint(step, portTouches(step)),
    args: { port: IOPORT, size: PIO_SIZE, value: BIG, holdAfterSend: HOLD_AFTER_SEND },
    check: (args, actor, ctx) => fits(args) ?? holdCheck(args, ctx),
    call: (m, step) => {
      if (isX421(m.profile)) return guest421(m, step, true, A.IOREQ_WRITE);
      const v = vcpuOf(m, step); return { actor: step.actor, vcpu: v, fn: (f) => f.hvm.handlePio(v, step.args.port as number, step.args.size as number, A.IOREQ_WRITE, step.args.value as bigint), post: rcOnly };
    },
  },
  pio_read: {
    actors: VCPUS, profiles: X86, doc: 'An IN instruction; completes into rax in hvm_io_assist.',
    footprint: (step) => vcpuIoFootprint(step, portTouches(step)),
    args: { port: IOPORT, size: PIO_SIZE, holdAfterSend: HOLD_AFTER_SEND },
    check: (args, actor, ctx) => holdCheck(args, ctx),
    call: (m, step) => {
      if (isX421(m.profile)) return guest421(m, step, true, A.IOREQ_READ);
      const v = vcpuOf(m, step); return { actor: step.actor, vcpu: v, fn: (f) => f.hvm.handlePio(v, step.args.port as number, step.args.size as number, A.IOREQ_READ, 0n), post: rcOnly };
    },
  },
  mmio_write: {
    actors: VCPUS, doc: "An MMIO write (IOREQ_TYPE_COPY). Xen's intercepts decide its path: in stdvga's window (0xa0000-0xbffff) stdvga may put it on the buffered ring; else the device model gets it synchronously.",
    footprint: (step) => vcpuIoFootprint(step, mmioTouches(step)),
    args: { addr: BIG, size: MMIO_SIZE, value: BIG },
    check: fits,
    call: (m, step) => {
      if (isX421(m.profile)) return guest421(m, step, false, A.IOREQ_WRITE);
      const v = vcpuOf(m, step); return { actor: step.actor, vcpu: v, fn: (f) => f.hvm.handleMmio(v, step.args.addr as bigint, step.args.size as number, A.IOREQ_WRITE, step.args.value as bigint, false), post: rcOnly };
    },
  },
  mmio_read: {
    actors: VCPUS, doc: 'An MMIO read; re-emulated after hvm_io_assist, lands in rax.',
    footprint: (step) => vcpuIoFootprint(step, mmioTouches(step)),
    args: { addr: BIG, size: MMIO_SIZE },
    call: (m, step) => {
      if (isX421(m.profile)) return guest421(m, step, false, A.IOREQ_READ);
      const v = vcpuOf(m, step); return { actor: step.actor, vcpu: v, fn: (f) => f.hvm.handleMmio(v, step.args.addr as bigint, step.args.size as number, A.IOREQ_READ, 0n, false), post: rcOnly };
    },
  },
  hvm_do_resume: {
    actors: VCPUS, doc: "The vcpu's way back to the guest: hvm_do_resume (-> hvm_wait_on_io -> hvm_io_assist).",
    footprint: (step) => vcpuIoFootprint(step, { completes: true }),
    args: {}, whileIoInFlight: true,
    call: (m, step) => { const v = vcpuOf(m, step); return { actor: step.actor, vcpu: v, fn: (f) => f.hvm.hvmDoResume(v), post: (r) => ({ rc: r, value: v.rax }) }; },
  },
  send_timeoffset_req: {
    actors: VCPUS, profiles: SEED_ERA, doc: 'send_timeoffset_req: an 8-byte TIMEOFFSET on the buffered ring (two slots).',
    footprint: (step) => vcpuIoFootprint(step, { buf: true }),
    args: { value: BIG },
    call: (m, step) => { const v = vcpuOf(m, step); return { actor: step.actor, vcpu: v, fn: (f) => f.hvm.sendTimeoffsetReq(v, step.args.value as bigint), post: (r) => ({ rc: 0, value: BigInt(r) }) }; },
  },
  send_invalidate_req: {
    actors: VCPUS, profiles: SEED_ERA, doc: 'send_invalidate_req: ask the device model to flush its map cache (synchronous).',
    footprint: (step) => vcpuIoFootprint(step),
    args: {},
    call: (m, step) => { const v = vcpuOf(m, step); return { actor: step.actor, vcpu: v, fn: (f) => f.hvm.sendInvalidateReq(v), post: (r) => ({ rc: 0, value: BigInt(r) }) }; },
  },
  // ---- issue 11: every access form, stdvga, shutdown, destruction in steps, QEMU's split, misbehaviour ----
  rep_outs: {
    actors: VCPUS, profiles: SEED_ERA_44, doc: "REP OUTS: count elements of size bytes from guest-physical gpa to a port (hvmemul_rep_outs): one IOREQ_TYPE_PIO request with data_is_ptr (data = gpa), count, and df (1: the buffer is walked backwards).",
    footprint: (step) => vcpuIoFootprint(step, { buf: true, vga: true, ram: true, domain: true }), // hvm_copy may ask the pager for a frame
    args: { port: IOPORT, size: PIO_SIZE, count: COUNT, gpa: BIG, df: DF },
    call: (m, step) => stringIo(m, step, 'outs'), title: (step) => `REP OUTS ${step.args.count} x ${step.args.size} byte(s) to port 0x${(step.args.port as number).toString(16)}`,
  },
  rep_ins: {
    actors: VCPUS, profiles: SEED_ERA_44, doc: 'REP INS: count elements from a port into guest-physical gpa (hvmemul_rep_ins): a PIO read with data_is_ptr; the device model writes guest memory.',
    footprint: (step) => vcpuIoFootprint(step, { buf: true, vga: true, ram: true, domain: true }), // hvm_copy may ask the pager for a frame
    args: { port: IOPORT, size: PIO_SIZE, count: COUNT, gpa: BIG, df: DF },
    call: (m, step) => stringIo(m, step, 'ins'), title: (step) => `REP INS ${step.args.count} x ${step.args.size} byte(s) from port 0x${(step.args.port as number).toString(16)}`,
  },
  rep_movs: {
    actors: VCPUS, profiles: SEED_ERA_44, doc: "REP MOVS from src to dst (guest-physical; hvmemul_rep_movs). Xen's p2m decides: an MMIO source makes a COPY read with data_is_ptr (data = dst), an MMIO destination a COPY write (data = src); RAM to RAM Xen copies itself; both MMIO it refuses.",
    footprint: (step) => vcpuIoFootprint(step, { buf: true, vga: true, ram: true, domain: true }), // hvm_copy may ask the pager for a frame
    args: { src: BIG, dst: BIG, size: MMIO_SIZE, count: COUNT, df: DF },
    call: (m, step) => stringIo(m, step, 'movs'), title: (step) => `REP MOVS ${step.args.count} x ${step.args.size} byte(s) 0x${(step.args.src as bigint).toString(16)} -> 0x${(step.args.dst as bigint).toString(16)}`,
  },
  write_guest_memory: {
    actors: VCPUS, doc: 'The guest stores bytes (hex) at guest-physical gpa in its own RAM: an ordinary store, no exit (for string I/O to read).',
    footprint: (step) => vcpuIoFootprint(step, { ram: true }),
    args: { gpa: BIG, bytes: { schema: { type: 'string', pattern: '^([0-9a-fA-F]{2})+$' }, required: true } },
    call: (m, step) => {
      const v = vcpuOf(m, step);
      return { actor: step.actor, vcpu: v, fn: () => direct(() => guestMemory(v.domain, step.args.gpa as bigint, hexBytes(step.args.bytes as string))), post: rcOnly };
    },
    title: (step) => `guest store of ${(step.args.bytes as string).length / 2} byte(s) at 0x${(step.args.gpa as bigint).toString(16)}`,
  },
  read_guest_memory: {
    actors: VCPUS, doc: "The guest loads size bytes (1-8, little-endian) at gpa from its own RAM: the step's value (-EFAULT where it has no RAM).",
    footprint: (step) => vcpuIoFootprint(step, { ram: true }),
    args: { gpa: BIG, size: MMIO_SIZE },
    call: (m, step) => {
      const v = vcpuOf(m, step);
      let value = 0n;
      return {
        actor: step.actor, vcpu: v,
        fn: () => direct(() => { const r = guestLoad(v.domain, step.args.gpa as bigint, step.args.size as number); value = r.value; return r.rc; }),
        post: (rc: number) => ({ rc, value: rc === 0 ? value : undefined }),
      };
    },
    title: (step) => `guest load of ${step.args.size} byte(s) at 0x${(step.args.gpa as bigint).toString(16)}`,
  },
  misbehave_buffered_send: {
    actors: VCPUS, profiles: SEED_ERA_44, doc: "Misbehave (not Xen): an MMIO write handed straight to hvm_buffered_io_send, whatever stdvga would decide; the ring's own refusals (addr > 0xfffff, size) still apply, and a refused write goes to the device model synchronously.",
    footprint: (step) => vcpuIoFootprint(step, { buf: true, vga: true }),
    args: { addr: BIG, size: MMIO_SIZE, value: BIG },
    check: fits,
    call: (m, step) => { const v = vcpuOf(m, step); return { actor: step.actor, vcpu: v, fn: (f) => f.hvm.handleMmio(v, step.args.addr as bigint, step.args.size as number, A.IOREQ_WRITE, step.args.value as bigint, true), post: rcOnly }; },
    title: (step) => `misbehave: MMIO write 0x${(step.args.addr as bigint).toString(16)} forced onto the buffered ring`,
  },
  sched_shutdown: {
    actors: VCPUS, doc: "SCHEDOP_shutdown by the vcpu's own domain (domain_shutdown): the reason sticks; vcpus not deferring the shutdown pause; one with an I/O in flight pauses when the I/O completes.",
    args: { reason: REASON },
    whileIoInFlight: true,
    call: (m, step) => { const v = vcpuOf(m, step); return { actor: step.actor, vcpu: v, fn: (f) => direct(() => f.hvm.schedopShutdown(v, reasonOf(step))), post: rcOnly }; },
    title: (step) => `SCHEDOP_shutdown(${SHUTDOWN_NAMES[reasonOf(step)]})`,
  },
  xc_domain_shutdown: {
    actors: ['toolstack', 'dm'], doc: "xc_domain_shutdown: SCHEDOP_remote_shutdown of domid (a device model's default: its target); -ESRCH for no such domain, -EPERM unless dom0 or the domain's device-model domain.",
    args: { domid: OPT_DOMID, reason: REASON },
    check: needsDomidFromToolstack('xc_domain_shutdown'),
    hypercallChecksDomain: true,
    call: (m, step) => {
      const caller = step.actorKind === 'dm' ? domOf(m, dmOf(m, step).domid) : domOf(m, 0);
      const domid = (step.args.domid as number | undefined) ?? dmOf(m, step).target;
      return { actor: step.actor, vcpu: null, fn: (f) => direct(() => f.hvm.schedopRemoteShutdown(caller, domid, reasonOf(step))), post: rcOnly };
    },
    title: (step) => `SCHEDOP_remote_shutdown(${step.args.domid !== undefined ? `d${step.args.domid}` : 'target'}, ${SHUTDOWN_NAMES[reasonOf(step)]})`,
  },
  destroy_hvm_domain: {
    actors: DM, profiles: SEED_ERA, doc: "QEMU's destroy_hvm_domain(reboot): xc_domain_shutdown of its target with SHUTDOWN_reboot or SHUTDOWN_poweroff.",
    args: { reboot: BOOL },
    hypercallChecksDomain: true,
    call: (m, step) => ({ actor: step.actor, vcpu: null, fn: (f) => f.qemu.destroyHvmDomain(dmOf(m, step), step.args.reboot === true), post: rcOnly }),
  },
  cpu_get_ioreq: {
    actors: DM, profiles: SEED_ERA, doc: "cpu_handle_ioreq's first step: the vcpu's port fired; drain the buffered ring, then take the request (READY -> INPROCESS). handle_ioreq and cpu_handle_ioreq_answer follow, other actors may run between.",
    footprint: (step, ctx) => dmServeFootprint(step, ctx, step.args.vcpu as number),
    args: { vcpu: VCPU },
    blocked: (m, step) => serveBlocked(m, step) ?? (dmOf(m, step).service !== 'none' ? `the device model is still serving vcpu ${dmOf(m, step).send_vcpu}` : null),
    call: (m, step) => ({ actor: step.actor, vcpu: null, fn: (f) => f.qemu.cpuHandleIoreqTake(dmOf(m, step), step.args.vcpu as number), post: (r: boolean) => ({ rc: 0, value: r ? 1n : 0n }) }),
  },
  handle_ioreq: {
    actors: DM, profiles: SEED_ERA, doc: "QEMU's handle_ioreq on the request it took: emulate it in place (a read's value: data, else the device's).",
    footprint: (step, ctx) => dmServeFootprint(step, ctx, step.args.vcpu as number),
    args: { vcpu: VCPU, data: OPT_BIG },
    blocked: (m, step) => inService(m, step, 'taken'),
    call: (m, step) => ({
      actor: step.actor, vcpu: null,
      fn: (f) => f.qemu.cpuHandleIoreqHandle(dmOf(m, step), step.args.vcpu as number, { data: step.args.data as bigint | undefined }),
      post: rcOnly,
    }),
  },
  cpu_handle_ioreq_answer: {
    actors: DM, profiles: SEED_ERA, doc: "cpu_handle_ioreq's tail: a slot no longer INPROCESS is QEMU's 'Badness in I/O request' (destroy_hvm_domain, no answer); a shutdown or reset QEMU was asked for is passed on; then IORESP_READY and notify.",
    footprint: (step, ctx) => dmServeFootprint(step, ctx, step.args.vcpu as number),
    args: { vcpu: VCPU, notify: BOOL, requested: { schema: { enum: ['shutdown', 'reset'], description: 'qemu_shutdown_requested_get / qemu_reset_requested_get said yes while handling.' } } },
    blocked: (m, step) => inService(m, step, 'handled'),
    call: (m, step) => ({
      actor: step.actor, vcpu: null,
      fn: (f) => f.qemu.cpuHandleIoreqAnswer(dmOf(m, step), step.args.vcpu as number, { notify: step.args.notify as boolean | undefined, shutdownRequested: step.args.requested as 'shutdown' | 'reset' | undefined }),
      post: (r: number) => ({ rc: r < 0 ? r : 0, value: BigInt(r < 0 ? 0 : r) }),
    }),
  },
  xen_domctl_destroydomain: {
    actors: TOOLSTACK, doc: "One XEN_DOMCTL_destroydomain (domain_kill): a live domain is paused, marked dying and its ports closed; then memory is relinquished, which preempt: true makes stop with -EAGAIN before the ioreq server goes (call again to go on).",
    args: { domid: DOMID, preempt: BOOL },
    blocked: toolstackDomain,
    call: (m, step) => ({ actor: 'toolstack', vcpu: null, fn: (f) => f.libxc.domainKill(domOf(m, step.args.domid as number), step.args.preempt === true), post: rcOnly }),
    title: (step) => `XEN_DOMCTL_destroydomain(d${step.args.domid})`,
  },
  // ---- the toolstack again (added later; the schema keeps this order) ----
  xc_domain_set_target: {
    actors: TOOLSTACK, doc: 'XEN_DOMCTL_set_target: make domid the device-model domain of target (a stub domain), so XSM lets it use target\'s HVM params.',
    args: { domid: DOMID, target: { schema: { type: 'integer', minimum: 0, maximum: 32751, description: 'The domain it will serve.' }, required: true } },
    blocked: toolstackDomain,
    call: (m, step) => ({
      actor: 'toolstack', vcpu: null,
      fn: () => direct(() => {
        const t = m.x.domains.get(step.args.target as number);
        if (!t) return -ESRCH;
        domOf(m, step.args.domid as number).target = t.domain_id;
        return 0;
      }),
      post: rcOnly,
    }),
    title: (step) => `XEN_DOMCTL_set_target(d${step.args.domid}, target d${step.args.target})`,
  },
  // ---- Xen 4.5's several ioreq servers (RELEASE-4.5.0 hvm.c do_hvm_op, HVMOPs 17-22) ----
  hvmop_create_ioreq_server: {
    actors: DM_OR_TOOLSTACK, profiles: ['4.5'],
    doc: "HVMOP_create_ioreq_server (17) by the actor's domain, which serves the new server; the result's value is the id. A device model remembers its first server for the other HVMOPs.",
    args: { domid: OPT_DOMID, handle_bufioreq: { schema: { enum: [0, 1], description: '1: the server has a buffered page and port.' } } },
    check: needsDomidFromToolstack('hvmop_create_ioreq_server'),
    blocked: (m, step) => (step.actorKind === 'toolstack' ? toolstackDomain(m, step) : null),
    call: (m, step) => {
      const dm = step.actorKind === 'dm' ? dmOf(m, step) : undefined;
      const a: H45.XenHvmCreateIoreqServer = { domid: targetOf(m, step), handle_bufioreq: (step.args.handle_bufioreq as number) ?? 1, id: -1 };
      return {
        actor: step.actor, vcpu: null, fn: (f) => f.hvm.doHvmOp(callerOf(m, step), H45.HVMOP_create_ioreq_server, a as never),
        post: (rc: number) => { if (rc === 0 && dm && dm.ioservid < 0) dm.ioservid = a.id; return { rc, value: rc === 0 ? BigInt(a.id) : undefined }; },
      };
    },
    title: (step) => `HVMOP_create_ioreq_server(${step.args.domid !== undefined ? `d${step.args.domid}` : 'target'}, handle_bufioreq ${(step.args.handle_bufioreq as number) ?? 1})`,
  },
  hvmop_get_ioreq_server_info: {
    actors: DM_OR_TOOLSTACK, profiles: ['4.5'],
    doc: "HVMOP_get_ioreq_server_info (18): the server's ioreq and buffered pfns and buffered port (a device model keeps them, so xc_map_foreign_range and evtchn_bind_interdomain can use them). Value: the ioreq pfn.",
    args: { domid: OPT_DOMID, id: SERVER_ID },
    check: needsIdFromToolstack('hvmop_get_ioreq_server_info'),
    blocked: serverStepBlocked,
    call: (m, step) => {
      const dm = step.actorKind === 'dm' ? dmOf(m, step) : undefined;
      const a: H45.XenHvmGetIoreqServerInfo = { domid: targetOf(m, step), id: serverIdOf(m, step), ioreq_pfn: 0, bufioreq_pfn: 0, bufioreq_port: 0 };
      return {
        actor: step.actor, vcpu: null, fn: (f) => f.hvm.doHvmOp(callerOf(m, step), H45.HVMOP_get_ioreq_server_info, a as never),
        post: (rc: number) => {
          if (rc === 0 && dm) { dm.ioreq_pfn = a.ioreq_pfn; dm.bufioreq_pfn = a.bufioreq_pfn; dm.bufioreq_remote_port = a.bufioreq_port; }
          return { rc, value: rc === 0 ? BigInt(a.ioreq_pfn) : undefined };
        },
      };
    },
    title: (step) => `HVMOP_get_ioreq_server_info(id ${step.args.id ?? 'own'})`,
  },
  hvmop_map_io_range_to_ioreq_server: hvm45RangeOp('hvmop_map_io_range_to_ioreq_server', H45.HVMOP_map_io_range_to_ioreq_server,
    'HVMOP_map_io_range_to_ioreq_server (19): claim ports, MMIO or PCI config (start/end as HVMOP_PCI_SBDF(seg, bus, dev, fn)) for the server.'),
  hvmop_unmap_io_range_from_ioreq_server: hvm45RangeOp('hvmop_unmap_io_range_from_ioreq_server', H45.HVMOP_unmap_io_range_from_ioreq_server,
    'HVMOP_unmap_io_range_from_ioreq_server (20): give a range back.'),
  hvmop_set_ioreq_server_state: {
    actors: DM_OR_TOOLSTACK, profiles: ['4.5'],
    doc: 'HVMOP_set_ioreq_server_state (22): enable (the server takes requests; its pages leave the guest p2m) or disable it.',
    args: { domid: OPT_DOMID, id: SERVER_ID, enabled: { schema: { type: 'boolean' }, required: true } },
    check: needsIdFromToolstack('hvmop_set_ioreq_server_state'),
    blocked: serverStepBlocked,
    call: (m, step) => {
      const a: H45.XenHvmSetIoreqServerState = { domid: targetOf(m, step), id: serverIdOf(m, step), enabled: step.args.enabled ? 1 : 0 };
      return { actor: step.actor, vcpu: null, fn: (f) => f.hvm.doHvmOp(callerOf(m, step), H45.HVMOP_set_ioreq_server_state, a as never), post: rcOnly };
    },
    title: (step) => `HVMOP_set_ioreq_server_state(id ${step.args.id ?? 'own'}, ${step.args.enabled ? 'enabled' : 'disabled'})`,
  },
  hvmop_destroy_ioreq_server: {
    actors: DM_OR_TOOLSTACK, profiles: ['4.5'],
    doc: 'HVMOP_destroy_ioreq_server (21): unmap its pages, free its ports and ranges, give its gmfns back to the pool.',
    args: { domid: OPT_DOMID, id: SERVER_ID },
    check: needsIdFromToolstack('hvmop_destroy_ioreq_server'),
    blocked: serverStepBlocked,
    call: (m, step) => {
      const a: H45.XenHvmDestroyIoreqServer = { domid: targetOf(m, step), id: serverIdOf(m, step) };
      return { actor: step.actor, vcpu: null, fn: (f) => f.hvm.doHvmOp(callerOf(m, step), H45.HVMOP_destroy_ioreq_server, a as never), post: rcOnly };
    },
    title: (step) => `HVMOP_destroy_ioreq_server(id ${step.args.id ?? 'own'})`,
  },
  xen_hvm_init_ioreq_server: {
    actors: DM, profiles: ['4.5'],
    doc: "xen_hvm_init of the QEMU built for Xen 4.5's ioreq-server API (2015): create its own server (HVMOP 17, buffered), get its info (18), map both pages, enable it (22), bind every vcpu's vp_eport and the buffered port. Its ranges come from hvmop_map_io_range_to_ioreq_server (its memory listeners).",
    args: {},
    call: (m, step) => {
      const dm = dmOf(m, step);
      return { actor: step.actor, vcpu: null, fn: (f) => { if (!dm.max_cpus) dm.max_cpus = domOf(m, dm.target).vcpu.length; return f.qemu45!.xenHvmInitIoreqServer(dm); }, post: rcOnly };
    },
    title: () => 'xen_hvm_init (QEMU with its own ioreq server)',
  },
  // ---- today's Xen (RELEASE-4.21.0): device models drive their servers through DMOPs ----
  xen_register_ioreq: {
    actors: DM, profiles: X421, dmKinds: ['qemu'],
    doc: "QEMU's xen_register_ioreq (hw/xen/xen-hvm-common.c): create a server (bufioreq ATOMIC by default), map its pages through XENMEM_acquire_resource (get_info's gfns on EOPNOTSUPP), enable it, bind every vcpu's vp_eport and the buffered port.",
    args: { bufioreq: BUFIOREQ },
    blocked: dmAlive,
    call: (m, step) => dm421Call(m, step, (t, dm) => t.qemu.xenDoIoreqRegister(dm, bufioreqOf(step))),
    title: (step) => `xen_register_ioreq(bufioreq ${(step.args.bufioreq as string) ?? 'atomic'})`,
  },
  varstored_initialize: {
    actors: DM, profiles: X421, dmKinds: ['varstored'],
    doc: "varstored's start-up: a server without buffering (one resource frame), its ports bound, the UEFI variable port range mapped, the server enabled.",
    args: {},
    blocked: dmAlive,
    call: (m, step) => dm421Call(m, step, (t, dm) => t.varstored.varstoredInitialize(dm)),
  },
  virtio_backend_init: {
    actors: DM, profiles: X421, dmKinds: ['virtio'],
    doc: 'A virtio-mmio backend (as on Arm): a server (bufioreq OFF unless asked: Arm refuses buffering with -EINVAL), its resource frame, the transport\'s MMIO window mapped, enabled, ports bound.',
    args: { bufioreq: BUFIOREQ },
    blocked: dmAlive,
    call: (m, step) => dm421Call(m, step, (t, dm) => t.virtio.virtioBackendInit(dm, step.args.bufioreq === undefined ? I421.HVM_IOREQSRV_BUFIOREQ_OFF : bufioreqOf(step))),
    title: (step) => `virtio_backend_init(bufioreq ${(step.args.bufioreq as string) ?? 'off'})`,
  },
  xendevicemodel_create_ioreq_server: {
    actors: DM, profiles: X421,
    doc: "XEN_DMOP_create_ioreq_server (1) by the device model's domain (current->domain: the emulator): the lowest free slot 0-7, -ENOSPC when all are used. Value: the id (the device model keeps it).",
    args: { bufioreq: BUFIOREQ, pad: PAD },
    blocked: dmAlive,
    call: (m, step) => {
      if (step.args.pad) return dmopRaw(m, step, { op: I421.XEN_DMOP_create_ioreq_server, u: { handle_bufioreq: bufioreqOf(step), pad3: [step.args.pad as number, 0, 0] } });
      const dm = dmOf(m, step);
      return { ...dm421Call(m, step, (t) => t.qemu.xendevicemodelCreateIoreqServer(dm, bufioreqOf(step))), post: (rc: number) => ({ rc, value: rc === 0 ? BigInt(dm.ioservid) : undefined }) };
    },
    title: (step) => `xendevicemodel_create_ioreq_server(${(step.args.bufioreq as string) ?? 'atomic'}${step.args.pad ? `, pad ${step.args.pad}` : ''})`,
  },
  xendevicemodel_get_ioreq_server_info: {
    actors: DM, profiles: X421,
    doc: "XEN_DMOP_get_ioreq_server_info (2) for the device model's server: the buffered port, and with gfns (default true) the legacy gfns (allocated on first ask; exclusive with acquire_resource). Value: the ioreq gfn, or the buffered port without gfns.",
    args: { gfns: { schema: { type: 'boolean', description: 'Ask for the legacy gfns (false: XEN_DMOP_no_gfns).' } } },
    blocked: (m, step) => dmAlive(m, step) ?? ownServer(m, step),
    call: (m, step) => {
      const dm = dmOf(m, step);
      const want = step.args.gfns !== false;
      return { ...dm421Call(m, step, (t) => t.qemu.xendevicemodelGetIoreqServerInfo(dm, want)), post: (rc: number) => ({ rc, value: rc === 0 ? BigInt(want ? dm.ioreq_pfn : dm.bufioreq_remote_port) : undefined }) };
    },
    title: (step) => `xendevicemodel_get_ioreq_server_info(${step.args.gfns === false ? 'XEN_DMOP_no_gfns' : 'with gfns'})`,
  },
  xendevicemodel_map_io_range_to_ioreq_server: dm421RangeOp('xendevicemodel_map_io_range_to_ioreq_server', true,
    'XEN_DMOP_map_io_range_to_ioreq_server (3): add ports, MMIO or PCI config (start/end as XEN_DMOP_PCI_SBDF) to the server; -EINVAL for start > end, -EEXIST for an overlap within the server.'),
  xendevicemodel_unmap_io_range_from_ioreq_server: dm421RangeOp('xendevicemodel_unmap_io_range_from_ioreq_server', false,
    'XEN_DMOP_unmap_io_range_from_ioreq_server (4): -ENOENT unless the range is wholly mapped.'),
  xendevicemodel_set_ioreq_server_state: {
    actors: DM, profiles: X421,
    doc: "XEN_DMOP_set_ioreq_server_state (5): enable or disable the server (on x86 its legacy gfn pages leave the guest's p2m while enabled and come back cleared).",
    args: { enabled: { schema: { type: 'boolean' }, required: true } },
    blocked: (m, step) => dmAlive(m, step) ?? ownServer(m, step),
    call: (m, step) => dm421Call(m, step, (t, dm) => t.qemu.xendevicemodelSetIoreqServerState(dm, step.args.enabled === true)),
    title: (step) => `xendevicemodel_set_ioreq_server_state(${step.args.enabled ? 'enabled' : 'disabled'})`,
  },
  xendevicemodel_destroy_ioreq_server: {
    actors: DM, profiles: X421,
    doc: 'XEN_DMOP_destroy_ioreq_server (6): disable, unmap, free the ports and ranges, drop the emulator reference; the slot is free for the next create.',
    args: {},
    blocked: (m, step) => dmAlive(m, step) ?? ownServer(m, step),
    call: (m, step) => dm421Call(m, step, (t, dm) => t.qemu.xendevicemodelDestroyIoreqServer(dm)),
    title: () => 'xendevicemodel_destroy_ioreq_server',
  },
  xendevicemodel_map_mem_type_to_ioreq_server: {
    actors: DM, profiles: ['4.21'],
    doc: 'XEN_DMOP_map_mem_type_to_ioreq_server (15), x86 only: claim the p2m_ioreq_server type (flags 2: XEN_DMOP_IOREQ_MEM_ACCESS_WRITE; 0 gives it back).',
    args: { flags: { schema: { enum: [0, 2] }, required: true } },
    blocked: (m, step) => dmAlive(m, step) ?? ownServer(m, step),
    call: (m, step) => dmopRaw(m, step, { op: I421.XEN_DMOP_map_mem_type_to_ioreq_server, u: { id: dmOf(m, step).ioservid, type: I421.HVMMEM_ioreq_server, flags: step.args.flags as number } }),
    title: (step) => `xendevicemodel_map_mem_type_to_ioreq_server(HVMMEM_ioreq_server, flags ${step.args.flags})`,
  },
  xen_dm_op: {
    actors: DM, profiles: X421,
    doc: "A raw __HYPERVISOR_dm_op by the device model's domain, for the checks libxendevicemodel never trips: any op number (unknown ones: -EOPNOTSUPP), a non-zero outer pad (-EINVAL), a server id that is not the caller's.",
    args: {
      dmop: { schema: { type: 'integer', minimum: 0, maximum: 65535, description: 'The XEN_DMOP_* number.' }, required: true },
      id: { schema: { type: 'integer', minimum: 0, maximum: 65535, description: 'The server id (default: the device model\'s own).' } },
      pad: PAD, enabled: BOOL,
    },
    check: (args) => ([7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19].includes(args.dmop as number)
      ? { at: 'dmop', message: `DMOP ${args.dmop} is not modelled (the model has 1-6, 20 and unknown numbers; 15 has its own op)` } : null),
    blocked: dmAlive,
    call: (m, step) => {
      const dm = dmOf(m, step);
      return dmopRaw(m, step, { op: step.args.dmop as number, pad: step.args.pad as number | undefined, u: { id: (step.args.id as number) ?? Math.max(dm.ioservid, 0), enabled: step.args.enabled ? 1 : 0 } });
    },
    title: (step) => `dm_op(op ${step.args.dmop}${step.args.pad ? `, pad ${step.args.pad}` : ''})`,
  },
  xenforeignmemory_map_resource: {
    actors: DM, profiles: X421,
    doc: "XENMEM_acquire_resource of XENMEM_resource_ioreq_server through privcmd: frame 0 the buffered page, frame 1 the ioreq page (nr 2 from frame 0: both). -EPERM once get_info has handed out gfns; -EOPNOTSUPP when the device model's kernel cannot map resources.",
    args: { frame: { schema: { enum: [0, 1] }, required: true }, nr: { schema: { enum: [1, 2] } } },
    check: (args) => ((args.frame as number) + ((args.nr as number) ?? 1) > 2 ? { at: 'nr', message: 'an ioreq server has two frames (0: buffered, 1: ioreq): frame 1 with nr 2 runs past them' } : null),
    blocked: (m, step) => dmAlive(m, step) ?? ownServer(m, step),
    call: (m, step) => {
      const dm = dmOf(m, step);
      const frame = step.args.frame as number, nr = (step.args.nr as number) ?? 1;
      const out: GuestPage[] = [];
      return {
        ...dm421Call(m, step, (t) => t.qemu.xenforeignmemoryMapResource(dm, frame, nr, out)),
        post: (rc: number) => {
          if (rc === 0) out.forEach((pg, k) => { if (frame + k === 0) dm.buffered_io_page = pg.data(); else dm.shared_page = pg.data(); dm.pages_how = 'resource'; });
          return { rc };
        },
      };
    },
    title: (step) => `xenforeignmemory_map_resource(XENMEM_resource_ioreq_server, frame ${step.args.frame}, nr ${(step.args.nr as number) ?? 1})`,
  },
  xen_map_ioreq_server: {
    actors: DM, profiles: X421, dmKinds: ['qemu'],
    doc: "QEMU's xen_map_ioreq_server alone: the resource frames, or on -EOPNOTSUPP get_info's gfns mapped with xenforeignmemory_map.",
    args: {},
    blocked: (m, step) => dmAlive(m, step) ?? ownServer(m, step),
    call: (m, step) => dm421Call(m, step, (t, dm) => t.qemu.xenMapIoreqServer(dm)),
  },
  dm_exit: {
    actors: DM, profiles: X421,
    doc: "The device model's process ends. clean: true runs QEMU's exit notifier (destroys its server); otherwise it dies: nothing answers any more, and Xen keeps the server (its vcpus' requests wait for good).",
    args: { clean: BOOL },
    blocked: dmAlive,
    call: (m, step) => {
      const dm = dmOf(m, step);
      if (step.args.clean) return dm421Call(m, step, (t) => t.qemu.xenExitNotifier(dm));
      return { actor: step.actor, vcpu: null, fn: (f) => direct(() => { f.x421!.qemu.die(dm); return 0; }), post: rcOnly };
    },
    title: (step) => (step.args.clean ? 'xen_exit_notifier' : 'the device model dies (SIGKILL)'),
  },
  xenmem_decrease_reservation: {
    actors: VCPUS, profiles: ['4.21'],
    doc: "The guest gives one frame back (a balloon driver's XENMEM_decrease_reservation, order 0): the frame leaves the p2m, which asks for a map-cache flush, and hvm_hypercall's tail sends every enabled server a synchronous IOREQ_TYPE_INVALIDATE (ioreq_signal_mapcache_invalidate): the vcpu waits for their answers. The step's value: nr_done (1, or 0 for a frame with no RAM).",
    args: { gfn: BIG },
    call: (m, step) => {
      const v = vcpuOf(m, step);
      return { actor: step.actor, vcpu: v, fn: (f) => (f.x421!.hvm as unknown as { hvmHypercallDecreaseReservation(v: Vcpu, g: number): unknown }).hvmHypercallDecreaseReservation(v, num(step, 'gfn')), post: (r: number) => ({ rc: 0, value: BigInt(r) }) };
    },
    title: (step) => `XENMEM_decrease_reservation(gfn 0x${(step.args.gfn as bigint).toString(16)})`,
  },
  hvm_io_continue: {
    actors: VCPUS, profiles: ['4.21'], runsInXen: true,
    footprint: (step) => vcpuIoFootprint(step),
    doc: "The rest of a port access held by holdAfterSend, on the vcpu's own CPU: hvmemul_do_io's check after ioreq_send (a suspended vcpu's request is dropped), then handle_pio's (RETRY: RIP advanced only for a request a server has). The step's rc: handle_pio's (1: the instruction is done or waits for its answer, 0: it runs again).",
    args: {},
    blocked: (m, step) => (vcpuOf(m, step).io.held_rc < 0 ? 'the vcpu has no port access held after ioreq_send (pio_read / pio_write with holdAfterSend first)' : null),
    call: (m, step) => {
      const v = vcpuOf(m, step);
      return { actor: step.actor, vcpu: v, fn: (f) => (f.x421!.hvm as unknown as { hvmIoContinue(v: Vcpu): unknown }).hvmIoContinue(v), post: (r: boolean) => ({ rc: Number(r) }) };
    },
    title: () => 'hvmemul_do_io after ioreq_send, then handle_pio',
  },
  xen_domctl_resumedomain: {
    actors: TOOLSTACK,
    doc: 'XEN_DOMCTL_resumedomain (domain_resume): after a checkpoint (a suspend shutdown) the domain goes on: its shutdown is forgotten and the vcpus paused for it run again.',
    args: { domid: DOMID },
    blocked: toolstackDomain,
    call: (m, step) => ({ actor: 'toolstack', vcpu: null, fn: (f) => direct(() => { f.hvm.domainResume(domOf(m, step.args.domid as number)); return 0; }), post: rcOnly }),
    title: (step) => `XEN_DOMCTL_resumedomain(d${step.args.domid})`,
  },
  // ---- issue 15: a finer grain for the vcpu's wait ----
  wait_for_io: {
    actors: VCPUS, profiles: X421,
    footprint: (step) => vcpuIoFootprint(step, { completes: true }),
    doc: "A slice of the vcpu's way back through hvm_do_resume (x86) or check_for_vcpu_work (Arm): it runs until wait_for_io has read the slot's state `reads` more times (default 1) and stops right after that read, the vcpu still in the loop on its pCPU; the next wait_for_io or hvm_do_resume step goes on from there. So another actor's write can fall between two of Xen's reads. It ends sooner where the path does (the vcpu blocks, the I/O completes, the domain crashes). A slice while the vcpu waits for nothing, or after its domain crashed, does nothing.",
    args: { reads: { schema: { type: 'integer', minimum: 1, maximum: 16, description: 'How many reads of the slot state the step runs to (default 1).' } } },
    whileIoInFlight: true, voidWhenCrashed: true,
    call: (m, step) => {
      const v = vcpuOf(m, step);
      if (v.domain.crashed || (!ioInFlight(m, v) && !v.io.wait_at)) return { actor: step.actor, vcpu: v, fn: () => direct(() => (v.domain.crashed ? 2 : 0)), post: (r: number) => ({ rc: r }) };
      const reads = (step.args.reads as number | undefined) ?? 1;
      return { actor: step.actor, vcpu: v, fn: (f) => f.x421!.hvm.hvmDoResume(v, reads), post: (r: number) => ({ rc: r, value: v.rax }) };
    },
    title: (step) => `hvm_do_resume up to wait_for_io's next ${((step.args.reads as number | undefined) ?? 1) === 1 ? 'read' : `${step.args.reads} reads`} of the slot state`,
  },
  // ---- issue 15: the dom0 kernel's privcmd ioeventfd, a second consumer of a vcpu's ioreq port ----
  privcmd_ioeventfd: {
    actors: DM, profiles: X421, dmKinds: ['ioeventfd'],
    doc: "IOCTL_PRIVCMD_IOEVENTFD (Linux 6.7 drivers/xen/privcmd.c, privcmd_ioeventfd_assign): the dom0 kernel takes the ioreq page and the ports of the device model named by 'of' (its mapping and bindings) and binds each port again to ioeventfd_interrupt, sharing the interrupt. addr is the virtio-mmio base (its QUEUE_NOTIFY is addr + 0x50), addrLen the access size, vq the virtqueue. ownOnly: the fix this project proposes (not upstream): the handler touches the state of its own queue notifies only.",
    args: { of: { schema: { type: 'string', description: 'The device model whose page and ports the kernel shares (deviceModels[].name).' }, required: true },
      addr: BIG, addrLen: { schema: { enum: [1, 2, 4, 8] } }, vq: { schema: { type: 'integer', minimum: 0, maximum: 65535 } }, ownOnly: BOOL },
    check: (args, _actor, ctx) => {
      const kind = ctx.deviceModels?.get(args.of as string);
      if (ctx.deviceModels && (kind === undefined || args.of === ctx.actor)) return { at: 'of', message: `'of' must name another device model of the file (${[...ctx.deviceModels.keys()].filter((n) => n !== ctx.actor).join(', ') || 'there is none'})` };
      if (kind === 'ioeventfd') return { at: 'of', message: `'of' names a kernel ioeventfd, not a device model process with its own page and ports` };
      return null;
    },
    blocked: (m, step) => {
      const of = m.dms.get(step.args.of as string);
      if (!of || of === dmOf(m, step)) return `'of' names no other device model: ${String(step.args.of)}`;
      return of.shared_page ? null : `${String(step.args.of)} has not mapped its ioreq page yet`;
    },
    call: (m, step) => dm421Call(m, step, (t, k) => t.kernel.privcmdIoeventfdAssign(k, m.dms.get(step.args.of as string)!, step.args.addr as bigint,
      (step.args.addrLen as number | undefined) ?? 4, (step.args.vq as number | undefined) ?? 0, step.args.ownOnly === true)),
    title: (step) => `IOCTL_PRIVCMD_IOEVENTFD(of ${String(step.args.of)}, addr 0x${(step.args.addr as bigint).toString(16)}${step.args.ownOnly ? ', own requests only' : ''})`,
  },
  ioeventfd_interrupt: {
    actors: DM, profiles: X421, dmKinds: ['ioeventfd'],
    doc: "The kernel's ioeventfd_interrupt for vcpu n's port (privcmd.c, Linux 6.7), run on the upcall of a notification: a READY COPY write is set INPROCESS while the handler walks its ioeventfds; its own QUEUE_NOTIFY it answers (IORESP_READY, notify), any other it puts back READY (IRQ_NONE, for the device model). part: 'check' (reads the slot), 'inprocess' (writes INPROCESS), 'state' (writes the state back): one touch of the slot each, so other actors can run between them; without part, the whole handler. A part after the handler has returned does nothing.",
    args: { vcpu: VCPU, part: { schema: { enum: ['check', 'inprocess', 'state'] } } },
    blocked: (m, step) => {
      const k = dmOf(m, step);
      const i = step.args.vcpu as number;
      if (k.kio_at[i] === undefined) return 'the kernel has no ioeventfd on this vcpu\'s port (privcmd_ioeventfd first)';
      const part = step.args.part as string | undefined;
      if (part && part !== 'check') return null;
      return domOf(m, k.domid).evtchn.ports[k.ioreq_local_port[i]]?.kernel_irq ? null : `no upcall for port ${k.ioreq_local_port[i]} (vcpu ${i}) has reached the kernel's handler`;
    },
    call: (m, step) => {
      const part = ({ check: 1, inprocess: 2, state: 3 } as Record<string, number>)[(step.args.part as string) ?? ''] ?? 0;
      return { ...dm421Call(m, step, (t, k) => t.kernel.ioeventfdInterrupt(k, step.args.vcpu as number, part)), post: (r: number) => ({ rc: r }) };
    },
    title: (step) => `ioeventfd_interrupt(vcpu ${step.args.vcpu}${step.args.part ? `, ${step.args.part}` : ''})`,
  },
} satisfies Record<string, OpSpec>;

export type OpName = keyof typeof OPS;
export const OP_NAMES = Object.keys(OPS) as OpName[];

/** The op's entry, or undefined for a name the table does not have. */
export function opSpec(name: string): OpSpec | undefined {
  return Object.prototype.hasOwnProperty.call(OPS, name) ? (OPS as Record<string, OpSpec>)[name] : undefined;
}

/** Why the actor itself cannot act now (before the op's own check), or null. */
export function actorBlocked(m: Model, step: Step, spec: OpSpec): string | null {
  const x = m.x;
  switch (step.actorKind) {
    case 'toolstack': return null;
    case 'dm': {
      const dm = dmOf(m, step);
      return liveDomain(m, dm.domid, "the device model's domain") ?? (spec.hypercallChecksDomain ? null : liveDomain(m, dm.target, 'target domain'));
    }
    case 'vcpu': {
      const d = x.domains.get(step.domid!);
      if (!d) return `d${step.domid} does not exist`;
      const v = d.vcpu[step.vcpu!];
      if (!v) return `d${step.domid} has no vcpu ${step.vcpu}`;
      if (d.is_dying) return `d${step.domid} is ${d.is_dying === 2 ? 'destroyed' : 'dying'}`;
      if (d.crashed && spec.voidWhenCrashed) return null;
      if (d.crashed) return `d${step.domid} has crashed (${d.crashed.reason}); its vcpus no longer run`;
      if (spec.runsInXen) return null;
      if (v.paused_for_shutdown) return `${step.actor} is paused for d${step.domid}'s shutdown (${SHUTDOWN_NAMES[d.shutdown_code] ?? d.shutdown_code}): it no longer runs`;
      if (d.pause_count > 0) return `d${step.domid} is paused (pause count ${d.pause_count})`;
      if (v.pause_flags.blocked_in_xen) return `${step.actor} is blocked in Xen until its ioreq port is notified`;
      const inFlight = spec.whileIoInFlight ? null : ioInFlight(m, v);
      if (inFlight) return `${step.actor} has an I/O in flight (${inFlight}): it re-enters the guest through hvm_do_resume first`;
      return null;
    }
  }
}

/** The debugger's name for a step's frame: `step N: ` and the C-level call it makes (or the op's name). */
export function stepFrameName(step: Step): string {
  const t = opSpec(step.op)?.title?.(step);
  return `step ${step.index}: ${t ?? step.op}`;
}
