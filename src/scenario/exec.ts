// Running one scenario step on the model: whether it can run in the current state (and why not), and the call into
// the model's own code (the same closure serves the flat build and the stepped build).
import * as A from '../model/abi';
import { DeviceModel } from '../model/dm';
import * as E from '../model/evtchn';
import { DOMID_SELF } from '../model/evtchn';
import { EINVAL, ESRCH } from '../model/errno';
import { Model, type FlatImpl, type SteppedImpl } from '../model/model';
import { HVMOP_get_param, HVMOP_set_param } from '../model/xen/seed/hvm';
import { HVMIO_NAMES, HVMIO_none, type Domain, type Vcpu } from '../model/xen';
import { Checker } from './expect';
import type { Scenario, Step } from './parse';

/** What a step returned: rc (a hypercall's return, an X86EMUL_* code for guest accesses, 0/1/2 for
 *  hvm_do_resume: resumed / descheduled / crashed) and a value where there is one. */
export interface StepResult {
  rc: number;
  value?: bigint;
  panic?: string;
}

type AnyImpl = FlatImpl | SteppedImpl;

/** A prepared call: who runs it and the function to run on either build. */
export interface Call {
  actor: string;
  vcpu: Vcpu | null;
  fn: (impl: AnyImpl) => any;
  /** Turns the model function's return value into the step's result. */
  post: (ret: any) => StepResult;
}

const MEM_MB_DEFAULT = 128;

export class Session {
  m: Model;
  constructor(public sc: Scenario, m?: Model) {
    this.m = m ?? new Model(sc.profile).boot();
    if (!m) for (const d of sc.deviceModels) this.m.addDeviceModel(d.name, d.domid, d.target, d.maxCpus ?? 0);
  }

  private _checker: Checker | null = null;
  /** A checker over the current state, kept until the next step changes it. */
  checker(): Checker {
    return (this._checker ??= new Checker(this.m));
  }

  /** A deep copy; withEvents false leaves the event history behind (the debugger keeps one log of its own). */
  clone(withEvents?: boolean): Session {
    return new Session(this.sc, this.m.clone(withEvents));
  }

  dm(step: Step): DeviceModel {
    return this.m.dms.get(step.actor)!;
  }

  private domainOf(domid: number | undefined): Domain | undefined {
    return domid === undefined ? undefined : this.m.x.domains.get(domid);
  }

  private liveDomain(domid: number, what: string): string | null {
    const d = this.m.x.domains.get(domid);
    if (!d) return `${what} d${domid} does not exist`;
    if (d.is_dying === 2) return `${what} d${domid} has been destroyed`;
    return null;
  }

  /** Why the step cannot run now, or null when it can. */
  blocked(step: Step): string | null {
    const x = this.m.x;
    if (x.panic) return `the host has panicked (${x.panic.message})`;
    if (step.when) {
      const v = this.checker().check(step.when);
      if (!v.ok) return `it waits until ${v.text}`;
    }
    return this.blockedByState(step);
  }

  private blockedByState(step: Step): string | null {
    const x = this.m.x;
    const a = step.args;
    switch (step.actorKind) {
      case 'toolstack': {
        if (step.op === 'xc_domain_create') return x.domains.has(a.domid as number) ? `d${a.domid} already exists` : null;
        if (step.op === 'inject_fault') return null;
        const r = this.liveDomain(a.domid as number, 'domain');
        if (r) return r;
        if (step.op === 'evtchn_alloc_unbound') return null;
        if (step.op === 'set_page') return null;
        if (step.op === 'xc_domain_unpause' && this.domainOf(a.domid as number)!.pause_count === 0) return `d${a.domid} is not paused`;
        return null;
      }
      case 'dm': {
        const dm = this.dm(step);
        const r = this.liveDomain(dm.domid, "the device model's domain") ?? this.liveDomain(dm.target, 'target domain');
        if (r) return r;
        const dmd = x.domains.get(dm.domid)!;
        switch (step.op) {
          case 'xc_map_foreign_range': {
            const pfn = a.page === 'bufioreq' ? dm.bufioreq_pfn : dm.ioreq_pfn;
            return pfn < 0 ? `the device model has not read ${a.page === 'bufioreq' ? 'BUFIOREQ_PFN' : 'IOREQ_PFN'} yet` : null;
          }
          case 'evtchn_bind_interdomain':
            if (a.buffered) return dm.bufioreq_remote_port < 0 ? 'the device model has not read BUFIOREQ_EVTCHN yet' : null;
            return dm.shared_page ? null : 'the ioreq page is not mapped (vp_eport is read from it)';
          case 'cpu_handle_ioreq': {
            if (!dm.shared_page) return 'the ioreq page is not mapped';
            const lport = dm.ioreq_local_port[a.vcpu as number];
            if (lport === undefined || lport < 0) return `the device model has no port bound for vcpu ${a.vcpu}`;
            if (!dmd.evtchn.ports[lport]?.pending) return `port ${lport} (vcpu ${a.vcpu}) is not pending: no request has been signalled`;
            // A wake-up with the slot not READY finds nothing to serve (QEMU's "I/O request not ready"): the step
            // waits for a request.
            const st = A.getState(dm.shared_page, A.ioreqOffset(a.vcpu as number));
            if (st !== A.STATE_IOREQ_READY) return `vcpu ${a.vcpu}'s slot is ${A.STATE_NAMES[st] ?? 'state ' + st}, not STATE_IOREQ_READY: nothing to serve yet`;
            return null;
          }
          case 'handle_buffered_iopage':
            return dm.buffered_io_page ? null : 'the buffered page is not mapped';
          case 'write_state':
            return dm.shared_page ? null : 'the ioreq page is not mapped';
          case 'write_bytes':
            return (a.page === 'bufioreq' ? dm.buffered_io_page : dm.shared_page) ? null : `the ${a.page} page is not mapped`;
          case 'evtchn_send': case 'evtchn_close':
            return dmd.evtchn.valid(a.port as number) ? null : `d${dm.domid} has no port ${a.port}`;
          default:
            return null;
        }
      }
      case 'vcpu': {
        const d = x.domains.get(step.domid!);
        if (!d) return `d${step.domid} does not exist`;
        const v = d.vcpu[step.vcpu!];
        if (!v) return `d${step.domid} has no vcpu ${step.vcpu}`;
        if (d.is_dying) return `d${step.domid} is ${d.is_dying === 2 ? 'destroyed' : 'dying'}`;
        if (d.crashed) return `d${step.domid} has crashed (${d.crashed.reason}); its vcpus no longer run`;
        if (d.pause_count > 0) return `d${step.domid} is paused (pause count ${d.pause_count})`;
        if (v.pause_flags.blocked_in_xen) return `${step.actor} is blocked in Xen until its ioreq port is notified`;
        if (step.op !== 'hvm_do_resume' && step.op !== 'hvmop_get_param' && step.op !== 'hvmop_set_param' && v.arch.hvm_vcpu.hvm_io.io_state !== HVMIO_none) {
          return `${step.actor} has an I/O in flight (${HVMIO_NAMES[v.arch.hvm_vcpu.hvm_io.io_state]}): it re-enters the guest through hvm_do_resume first`;
        }
        return null;
      }
    }
  }

  /** The call a step makes into the model. Call blocked() first. */
  call(step: Step): Call {
    const x = this.m.x;
    const a = step.args;
    const num = (k: string) => Number(a[k] as bigint);
    const rcOnly = (ret: number): StepResult => ({ rc: ret });
    switch (step.actorKind) {
      case 'toolstack': {
        const d = x.domains.get(a.domid as number)!;
        const dom0 = x.domains.get(0)!;
        switch (step.op) {
          case 'xc_domain_create': return { actor: 'toolstack', vcpu: null, fn: (f) => f.libxc.xcDomainCreate(a.domid as number, a.vcpus as number, true), post: rcOnly };
          case 'xc_hvm_build': return { actor: 'toolstack', vcpu: null, fn: (f) => f.libxc.setupGuest(d, ((a.memMb as number) ?? MEM_MB_DEFAULT) * 256, 0, 0), post: rcOnly };
          case 'xc_domain_unpause': return { actor: 'toolstack', vcpu: null, fn: (f) => f.libxc.domainUnpauseByController(d), post: rcOnly };
          case 'xc_domain_destroy': return { actor: 'toolstack', vcpu: null, fn: (f) => f.libxc.domainKill(d), post: rcOnly };
          case 'alloc_vcpu': return { actor: 'toolstack', vcpu: null, fn: (f) => f.libxc.allocVcpu(d, a.vcpu as number), post: rcOnly };
          case 'hvmop_set_param': case 'hvmop_get_param': return this.paramCall('toolstack', null, dom0, a.domid as number, step);
          case 'evtchn_alloc_unbound': return { actor: 'toolstack', vcpu: null, fn: () => this.direct(() => E.evtchnAllocUnbound(x, d, a.remote as number)), post: (r) => ({ rc: r < 0 ? r : 0, value: r < 0 ? undefined : BigInt(r) }) };
          case 'xc_domain_set_target': return { actor: 'toolstack', vcpu: null, fn: () => this.direct(() => {
            const t = x.domains.get(a.target as number);
            if (!t) return -ESRCH;
            d.target = t.domain_id;
            return 0;
          }), post: rcOnly };
          case 'inject_fault': return { actor: 'toolstack', vcpu: null, fn: () => this.direct(() => { x.faults[a.kind as 'xzalloc'] = (a.nth as number) ?? 0; return 0; }), post: rcOnly };
          case 'set_page': return { actor: 'toolstack', vcpu: null, fn: () => this.direct(() => setPage(d, num('pfn'), a)), post: rcOnly };
        }
        break;
      }
      case 'dm': {
        const dm = this.dm(step);
        const dmd = x.domains.get(dm.domid)!;
        const actor = step.actor;
        switch (step.op) {
          case 'xen_hvm_init': return { actor, vcpu: null, fn: (f) => { if (!dm.max_cpus) dm.max_cpus = x.domains.get(dm.target)!.vcpu.length; return f.qemu.xenHvmInit(dm); }, post: rcOnly };
          case 'hvmop_set_param': case 'hvmop_get_param': return this.paramCall(actor, null, dmd, (a.domid as number) ?? dm.target, step, dm);
          case 'xc_map_foreign_range': return { actor, vcpu: null, fn: (f) => f.qemu.xcMapForeignRange(dm, a.page === 'bufioreq' ? 1 : 0), post: rcOnly };
          case 'evtchn_bind_interdomain':
            return a.buffered
              ? { actor, vcpu: null, fn: (f) => f.qemu.bindBufPort(dm), post: (r) => ({ rc: r, value: r === 0 ? BigInt(dm.bufioreq_local_port) : undefined }) }
              : { actor, vcpu: null, fn: (f) => f.qemu.bindVcpuPort(dm, a.vcpu as number), post: (r) => ({ rc: r, value: r === 0 ? BigInt(dm.ioreq_local_port[a.vcpu as number]) : undefined }) };
          case 'cpu_handle_ioreq': return { actor, vcpu: null, fn: (f) => f.qemu.cpuHandleIoreq(dm, a.vcpu as number, { data: a.data as bigint | undefined, notify: a.notify as boolean | undefined }), post: (r) => ({ rc: r < 0 ? r : 0, value: BigInt(r < 0 ? 0 : r) }) };
          case 'handle_buffered_iopage': return { actor, vcpu: null, fn: (f) => f.qemu.handleBufferedIopage(dm), post: (r) => ({ rc: r < 0 ? r : 0, value: BigInt(r < 0 ? 0 : r) }) };
          case 'write_state': return { actor, vcpu: null, fn: (f) => this.direct(() => { f.qemu.writeState(dm, a.vcpu as number, a.state as number); return 0; }), post: rcOnly };
          case 'write_bytes': return { actor, vcpu: null, fn: (f) => this.direct(() => { f.qemu.writeBytes(dm, a.page === 'bufioreq' ? 1 : 0, a.offset as number, hexBytes(a.bytes as string)); return 0; }), post: rcOnly };
          case 'evtchn_send': return { actor, vcpu: null, fn: () => this.direct(() => E.evtchnSend(x, dmd, a.port as number)), post: rcOnly };
          case 'evtchn_close': return { actor, vcpu: null, fn: () => this.direct(() => E.evtchnClose(x, dmd, a.port as number)), post: rcOnly };
        }
        break;
      }
      case 'vcpu': {
        const d = x.domains.get(step.domid!)!;
        const v = d.vcpu[step.vcpu!];
        const actor = step.actor;
        switch (step.op) {
          case 'pio_write': return { actor, vcpu: v, fn: (f) => f.hvm.handlePio(v, a.port as number, a.size as number, A.IOREQ_WRITE, a.value as bigint), post: rcOnly };
          case 'pio_read': return { actor, vcpu: v, fn: (f) => f.hvm.handlePio(v, a.port as number, a.size as number, A.IOREQ_READ, 0n), post: rcOnly };
          case 'mmio_write': return { actor, vcpu: v, fn: (f) => f.hvm.handleMmio(v, a.addr as bigint, a.size as number, A.IOREQ_WRITE, a.value as bigint, a.buffered === true), post: rcOnly };
          case 'mmio_read': return { actor, vcpu: v, fn: (f) => f.hvm.handleMmio(v, a.addr as bigint, a.size as number, A.IOREQ_READ, 0n, false), post: rcOnly };
          case 'hvm_do_resume': return { actor, vcpu: v, fn: (f) => f.hvm.hvmDoResume(v), post: (r) => ({ rc: r, value: v.rax }) };
          case 'send_timeoffset_req': return { actor, vcpu: v, fn: (f) => f.hvm.sendTimeoffsetReq(v, a.value as bigint), post: (r) => ({ rc: 0, value: BigInt(r) }) };
          case 'send_invalidate_req': return { actor, vcpu: v, fn: (f) => f.hvm.sendInvalidateReq(v), post: (r) => ({ rc: 0, value: BigInt(r) }) };
          case 'hvmop_set_param': case 'hvmop_get_param': return this.paramCall(actor, v, d, DOMID_SELF, step);
        }
        break;
      }
    }
    throw new Error(`internal: no call for op ${step.op}`);
  }

  private paramCall(actor: string, v: Vcpu | null, caller: Domain, domid: number, step: Step, dm?: DeviceModel): Call {
    const a = { domid, index: step.args.param as number, value: step.args.value === undefined ? 0 : Number(step.args.value as bigint) };
    const op = step.op === 'hvmop_set_param' ? HVMOP_set_param : HVMOP_get_param;
    return {
      actor, vcpu: v,
      // A device model's get goes through xc_get_hvm_param, which also records what it learnt (pfns, port).
      fn: (f) => (dm && op === HVMOP_get_param ? f.qemu.xcGetHvmParam(dm, a.index, a, domid) : f.hvm.doHvmOp(caller, op, a)),
      post: (rc: number) => ({ rc, value: rc === 0 && op === HVMOP_get_param ? BigInt(a.value) : undefined }),
    };
  }

  /** A direct (not stepped) operation, shaped so it can run under either build. */
  private direct<T>(f: () => T): any {
    return new Direct(f);
  }

  /** Starts a step on the stepped build: a generator the caller drives statement by statement. */
  runStepped(step: Step): Generator<unknown, StepResult, void> {
    this._checker = null;
    const c = this.call(step);
    const m = this.m;
    return (function* () {
      const r = yield* m.steppedRun(c.actor, c.vcpu, function* (impl) {
        const g = c.fn(impl);
        if (g instanceof Direct) return g.f();
        return yield* g;
      });
      if (r.panic) return { rc: -1, panic: r.panic };
      return c.post(r.value);
    })();
  }

  /** Runs a step on the flat build. */
  runFlat(step: Step): StepResult {
    this._checker = null;
    const c = this.call(step);
    const r = this.m.flatRun(c.actor, c.vcpu, (impl) => unwrapDirect(c.fn(impl)));
    if (r.panic) return { rc: -1, panic: r.panic };
    return c.post(r.value);
  }
}

/** Marks an operation that is not modelled code (misbehaviour, raw hypercalls): one indivisible step. */
export class Direct<T> {
  constructor(public f: () => T) {}
}
function unwrapDirect(v: unknown): any {
  return v instanceof Direct ? v.f() : v;
}

function hexBytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function setPage(d: Domain, pfn: number, a: Record<string, unknown>): number {
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

