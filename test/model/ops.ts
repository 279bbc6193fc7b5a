// A small random-operation vocabulary over a Model, for the property tests: the toolstack builds and kills guest d1,
// a QEMU-like device model in dom0 serves it step by step (or misbehaves), and d1's vcpus do port and MMIO I/O and
// re-enter through hvm_do_resume. Each op is applied only when it makes sense in the current state (canApply); the
// same op can run on the flat build or the stepped build (drained statement by statement).
import * as fc from 'fast-check';
import * as A from '../../src/model/abi';
import type { DeviceModel } from '../../src/model/dm';
import { DOMID_SELF } from '../../src/model/evtchn';
import type { Model, OpResult } from '../../src/model/model';
import * as P from '../../src/model/params';
import type { Frame } from '../../src/model/step';
import { HVMIO_none, type Domain, type Vcpu } from '../../src/model/xen';

export type Mode = 'flat' | 'stepped';

export const GUEST = 1;
export const DM_NAME = 'qemu';
export const DM_DOMID = 0;

export type Op =
  | { k: 'create'; nvcpus: number }
  | { k: 'getParam'; index: number }
  | { k: 'map'; buf: 0 | 1 }
  | { k: 'bindVcpu'; i: number }
  | { k: 'bindBuf' }
  | { k: 'setDmDomain'; value: number }
  | { k: 'dmInit' }
  | { k: 'handle'; i: number; data?: bigint }
  | { k: 'handleBuf' }
  | { k: 'writeState'; i: number; state: number }
  | { k: 'pio'; v: number; port: number; size: number; dir: number; value: bigint }
  | { k: 'mmio'; v: number; gpa: bigint; size: number; dir: number; value: bigint; buffered: boolean }
  | { k: 'resume'; v: number }
  | { k: 'timeoffset'; v: number; off: bigint }
  | { k: 'kill' };

export interface Applied {
  /** False when the op's precondition did not hold (nothing ran). */
  applied: boolean;
  /** The return value of the last modelled call. */
  rc?: unknown;
  /** The vcpu a vcpu op ran on, or the slot a device-model op served or wrote. */
  vcpu?: number;
  panic?: string;
}

/** Observers for the stepped build: called at every statement with the current frame stack. */
export interface Hooks {
  onYield?: (frames: Frame[]) => void;
}

// ---- state helpers ----

export function guest(m: Model): Domain | undefined {
  return m.x.domains.get(GUEST);
}

export function dmOf(m: Model): DeviceModel | undefined {
  return m.dms.get(DM_NAME);
}

export function alive(d: Domain | undefined): d is Domain {
  return !!d && d.is_dying === 0;
}

/** A vcpu can run guest code or re-enter Xen: not blocked in Xen, the domain unpaused, not crashed, not dying. */
export function runnable(v: Vcpu): boolean {
  const d = v.domain;
  return !v.pause_flags.blocked_in_xen && d.pause_count === 0 && !d.crashed && !d.is_shutting_down && d.is_dying === 0;
}

/** The vcpu an op's index names (modulo the guest's vcpu count). */
export function vcpuOf(m: Model, idx: number): Vcpu | undefined {
  const d = guest(m);
  if (!d || d.vcpu.length === 0) return undefined;
  return d.vcpu[idx % d.vcpu.length];
}

function slotIndex(m: Model, i: number): number {
  const d = guest(m);
  return d && d.vcpu.length ? i % d.vcpu.length : 0;
}

/** The bytes of the guest frame holding HVM param `index`'s pfn (the ioreq or bufioreq page), or null. */
export function paramPage(m: Model, index: number): DataView | null {
  const d = guest(m);
  if (!d) return null;
  const pfn = d.arch.hvm_domain.params[index];
  const pg = pfn ? d.physmap.get(pfn) : undefined;
  return pg?.dv ?? null;
}

/** Every vcpu's slot state, read from the ioreq page's bytes (an untouched page reads as zeroes). */
export function slotStates(m: Model): number[] {
  const d = guest(m);
  if (!d) return [];
  const pg = paramPage(m, P.HVM_PARAM_IOREQ_PFN);
  return d.vcpu.map((v) => (pg ? A.getState(pg, A.ioreqOffset(v.vcpu_id)) : 0));
}

/** JSON that survives bigints. */
export function json(v: unknown): string {
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? `${x}n` : x));
}

/**
 * Which vcpu the device model serves: as QEMU does, the one whose local port is pending (xc_evtchn_pending); else a
 * vcpu whose slot is READY (a lost notification); else vcpu i (nothing to take, cpu_get_ioreq finds no request).
 */
function handleTarget(m: Model, dm: DeviceModel, i: number): number {
  const d = guest(m);
  const dmd = m.x.domains.get(dm.domid);
  if (!d || !dmd) return 0;
  const n = d.vcpu.length;
  const pending = d.vcpu.map((v) => v.vcpu_id).filter((k) => {
    const lp = dm.ioreq_local_port[k];
    return lp !== undefined && lp >= 0 && dmd.evtchn.valid(lp) && dmd.evtchn.ports[lp].pending;
  });
  if (pending.length) return pending[i % pending.length];
  const states = slotStates(m);
  const ready = states.map((st, k) => (st === A.STATE_IOREQ_READY ? k : -1)).filter((k) => k >= 0);
  if (ready.length) return ready[i % ready.length];
  return i % n;
}

/** Which vcpu re-enters Xen: preferably a runnable one whose slot needs attention (not NONE), else vcpu v. */
function resumeTarget(m: Model, v: number): Vcpu {
  const d = guest(m)!;
  const states = slotStates(m);
  const busy = d.vcpu.filter((w) => runnable(w) && states[w.vcpu_id] !== A.STATE_IOREQ_NONE);
  return busy.length ? busy[v % busy.length] : vcpuOf(m, v)!;
}

// ---- preconditions ----

export function canApply(m: Model, op: Op): boolean {
  if (m.x.panic) return false;
  const d = guest(m);
  const dm = dmOf(m);
  switch (op.k) {
    case 'create':
      return !d;
    case 'kill':
      return alive(d);
    case 'pio': case 'mmio': case 'timeoffset': {
      // A guest instruction: the vcpu is back in the guest, with no emulation awaiting completion.
      const v = alive(d) ? vcpuOf(m, op.v) : undefined;
      return !!v && runnable(v) && v.arch.hvm_vcpu.hvm_io.io_state === HVMIO_none;
    }
    case 'resume': {
      const v = alive(d) ? vcpuOf(m, op.v) : undefined;
      return !!v && runnable(v);
    }
    default:
      break;
  }
  // Device-model ops: the guest is alive and the device model exists.
  if (!alive(d) || !dm) return false;
  switch (op.k) {
    case 'getParam': case 'setDmDomain':
      return true;
    case 'dmInit':
      return dm.ioreq_pfn < 0 && dm.bufioreq_pfn < 0 && !dm.shared_page && !dm.buffered_io_page;
    case 'map':
      return op.buf ? dm.bufioreq_pfn >= 0 && !dm.buffered_io_page : dm.ioreq_pfn >= 0 && !dm.shared_page;
    case 'bindVcpu': case 'handle': case 'writeState':
      return !!dm.shared_page;
    case 'bindBuf':
      return dm.bufioreq_remote_port >= 0;
    case 'handleBuf':
      return !!dm.buffered_io_page;
  }
}

// ---- running ----

type AnyImpl = { hvm: any; libxc: any; qemu: any };

function runIn(m: Model, mode: Mode, actor: string, v: Vcpu | null, fn: (impl: AnyImpl) => any, hooks?: Hooks): OpResult<unknown> {
  if (mode === 'flat') return m.flatRun(actor, v, fn);
  const g = m.steppedRun(actor, v, fn);
  for (;;) {
    const r = g.next();
    if (r.done) return r.value;
    hooks?.onYield?.(r.value);
  }
}

/** Applies op when canApply holds, through the flat build or the stepped build (drained fully). */
export function applyOp(m: Model, op: Op, mode: Mode, hooks?: Hooks): Applied {
  if (!canApply(m, op)) return { applied: false };
  const run = (actor: string, v: Vcpu | null, fn: (impl: AnyImpl) => any, vcpu?: number): Applied => {
    const r = runIn(m, mode, actor, v, fn, hooks);
    const out: Applied = { applied: true, rc: r.value };
    if (r.panic !== undefined) out.panic = r.panic;
    if (v) out.vcpu = v.vcpu_id;
    else if (vcpu !== undefined) out.vcpu = vcpu;
    return out;
  };
  const dm = dmOf(m)!;
  const dmActor = `dm${DM_DOMID}`;
  switch (op.k) {
    case 'create': {
      let r = run('toolstack', null, (f) => f.libxc.xcDomainCreate(GUEST, op.nvcpus, true));
      if (r.panic || (r.rc as number) < 0) return r;
      const d = guest(m)!;
      r = run('toolstack', null, (f) => f.libxc.setupGuest(d, 0x8000, 0, 0));
      if (r.panic || (r.rc as number) < 0) return r;
      r = run('toolstack', null, (f) => f.libxc.domainUnpauseByController(d));
      m.addDeviceModel(DM_NAME, DM_DOMID, GUEST, op.nvcpus);
      return r;
    }
    case 'kill': {
      const d = guest(m)!;
      return run('toolstack', null, (f) => f.libxc.domainKill(d));
    }
    case 'getParam':
      return run(dmActor, null, (f) => f.qemu.xcGetHvmParam(dm, op.index, { value: 0 }));
    case 'setDmDomain':
      return run(dmActor, null, (f) => f.qemu.xcSetHvmParam(dm, P.HVM_PARAM_DM_DOMAIN, op.value));
    case 'dmInit':
      return run(dmActor, null, (f) => f.qemu.xenHvmInit(dm));
    case 'map':
      return run(dmActor, null, (f) => f.qemu.xcMapForeignRange(dm, op.buf));
    case 'bindVcpu': {
      const i = slotIndex(m, op.i);
      return run(dmActor, null, (f) => f.qemu.bindVcpuPort(dm, i), i);
    }
    case 'bindBuf':
      return run(dmActor, null, (f) => f.qemu.bindBufPort(dm));
    case 'handle': {
      const i = handleTarget(m, dm, op.i);
      return run(dmActor, null, (f) => f.qemu.cpuHandleIoreq(dm, i, op.data === undefined ? {} : { data: op.data }), i);
    }
    case 'handleBuf':
      return run(dmActor, null, (f) => f.qemu.handleBufferedIopage(dm));
    case 'writeState': {
      // Not a stepped function: the stepped run wraps the one call in a generator with no statements of its own.
      const i = slotIndex(m, op.i);
      return run(dmActor, null, mode === 'flat'
        ? (f) => f.qemu.writeState(dm, i, op.state)
        : (s) => (function* () { s.qemu.writeState(dm, i, op.state); })(), i);
    }
    case 'pio': {
      const v = vcpuOf(m, op.v)!;
      return run(`vcpu${v.vcpu_id}`, v, (f) => f.hvm.handlePio(v, op.port, op.size, op.dir, op.value));
    }
    case 'mmio': {
      const v = vcpuOf(m, op.v)!;
      return run(`vcpu${v.vcpu_id}`, v, (f) => f.hvm.handleMmio(v, op.gpa, op.size, op.dir, op.value, op.buffered));
    }
    case 'resume': {
      const v = resumeTarget(m, op.v);
      return run(`vcpu${v.vcpu_id}`, v, (f) => f.hvm.hvmDoResume(v));
    }
    case 'timeoffset': {
      const v = vcpuOf(m, op.v)!;
      return run(`vcpu${v.vcpu_id}`, v, (f) => f.hvm.sendTimeoffsetReq(v, op.off));
    }
  }
}

/** Applies every op in turn; returns what each did. */
export function applyAll(m: Model, ops: readonly Op[], mode: Mode, hooks?: Hooks): Applied[] {
  return ops.map((op) => applyOp(m, op, mode, hooks));
}

// ---- arbitraries ----

export const createArb: fc.Arbitrary<Op> = fc.integer({ min: 1, max: 3 }).map((nvcpus) => ({ k: 'create', nvcpus }));

const vArb = fc.nat(2);
const dirArb = fc.constantFrom(A.IOREQ_READ, A.IOREQ_WRITE);

export const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 1, arbitrary: createArb },
  { weight: 4, arbitrary: fc.constantFrom(P.HVM_PARAM_IOREQ_PFN, P.HVM_PARAM_BUFIOREQ_PFN, P.HVM_PARAM_BUFIOREQ_EVTCHN).map((index): Op => ({ k: 'getParam', index })) },
  { weight: 4, arbitrary: fc.constantFrom<0 | 1>(0, 1).map((buf): Op => ({ k: 'map', buf })) },
  { weight: 3, arbitrary: fc.nat(2).map((i): Op => ({ k: 'bindVcpu', i })) },
  { weight: 2, arbitrary: fc.constant<Op>({ k: 'bindBuf' }) },
  { weight: 1, arbitrary: fc.constantFrom(DM_DOMID, DOMID_SELF, 5).map((value): Op => ({ k: 'setDmDomain', value })) },
  { weight: 3, arbitrary: fc.constant<Op>({ k: 'dmInit' }) },
  { weight: 10, arbitrary: fc.record({ i: fc.nat(2), data: fc.option(fc.bigUintN(64), { nil: undefined }) }).map(({ i, data }): Op => (data === undefined ? { k: 'handle', i } : { k: 'handle', i, data })) },
  { weight: 3, arbitrary: fc.constant<Op>({ k: 'handleBuf' }) },
  { weight: 2, arbitrary: fc.record({ i: fc.nat(2), state: fc.oneof({ weight: 3, arbitrary: fc.integer({ min: 0, max: 3 }) }, { weight: 2, arbitrary: fc.integer({ min: 4, max: 15 }) }) }).map(({ i, state }): Op => ({ k: 'writeState', i, state })) },
  { weight: 6, arbitrary: fc.record({ v: vArb, port: fc.constantFrom(0x3f8, 0x60, 0xcfc), size: fc.constantFrom(1, 2, 4), dir: dirArb, value: fc.bigUintN(32) }).map((r): Op => ({ k: 'pio', ...r })) },
  { weight: 6, arbitrary: fc.record({ v: vArb, gpa: fc.constantFrom(0xa0000n, 0xa1234n, 0xbfff8n, 0xfebf0000n, 0x100000n), size: fc.constantFrom(1, 2, 4, 8), dir: dirArb, value: fc.bigUintN(64), buffered: fc.boolean() }).map((r): Op => ({ k: 'mmio', ...r })) },
  { weight: 10, arbitrary: vArb.map((v): Op => ({ k: 'resume', v })) },
  { weight: 2, arbitrary: fc.record({ v: vArb, off: fc.oneof(fc.constant(0n), fc.bigUintN(64)) }).map((r): Op => ({ k: 'timeoffset', ...r })) },
  { weight: 1, arbitrary: fc.constant<Op>({ k: 'kill' }) },
);

/** A sequence that starts by building the guest, then up to maxLength random ops. */
export function opsArb(maxLength = 30): fc.Arbitrary<Op[]> {
  // Half the sequences set the device model up first (xen_hvm_init), so the request/response path is reached often.
  return fc.tuple(createArb, fc.boolean(), fc.array(opArb, { maxLength, size: 'max' }))
    .map(([c, init, rest]): Op[] => (init ? [c, { k: 'dmInit' }, ...rest] : [c, ...rest]));
}
