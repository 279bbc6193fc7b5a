// The model a session runs: one Xen host (dom0 plus guests), its device models, and the two builds of the modelled
// code. `flat` runs an operation straight through; `stepped` gives a generator a debugger can pause at each statement.
// Both operate on the same state (this.x), so a session can mix them.
import { DeviceModel } from './dm';
import { type ProfileName } from './layout';
import { nrParamsOf } from './params';
import { instrument, type Co, type Frame, type FrameSink } from './step';
import { Xen, XenPanic, type Vcpu } from './xen';
import { HvmLegacy as HvmLegacyFlat } from './xen/legacy/hvm.flat';
import { HvmSeed as HvmSeedFlat } from './xen/seed/hvm.flat';
import { Hvm45 as Hvm45Flat } from './xen/4.5/hvm.flat';
import { Libxc as LibxcFlat } from './tools/libxc.flat';
import { Qemu as QemuFlat } from './qemu/xen-hvm.flat';
import { HvmLegacy } from './xen/legacy/hvm';
import { HvmSeed } from './xen/seed/hvm';
import { Hvm45 } from './xen/4.5/hvm';
import { Libxc } from './tools/libxc';
import { Qemu } from './qemu/xen-hvm';

export interface FlatImpl { hvm: HvmSeedFlat | HvmLegacyFlat | Hvm45Flat; libxc: LibxcFlat; qemu: QemuFlat }
export interface SteppedImpl { hvm: HvmSeed | HvmLegacy | Hvm45; libxc: Libxc; qemu: Qemu }

/** The stepped classes carry a frame sink per Xen instance, so each run's call stack is visible to its driver. */
const sinks = new WeakMap<Xen, FrameSink>();
export function frameSink(x: Xen): FrameSink {
  let s = sinks.get(x);
  if (!s) { s = { frames: [] }; sinks.set(x, s); }
  return s;
}
let instrumented = false;
function instrumentStepped(): void {
  if (instrumented) return;
  instrumented = true;
  const sinkOf = (self: { x: Xen }) => frameSink(self.x);
  instrument(HvmSeed.prototype, 'xen', sinkOf);
  instrument(HvmLegacy.prototype, 'xen', sinkOf);
  instrument(Hvm45.prototype, 'xen', sinkOf);
  instrument(Libxc.prototype, 'libxc', sinkOf);
  instrument(Qemu.prototype, 'qemu', sinkOf);
}

/** Which tree's hypervisor code a profile runs: each profile its own (src/model/xen/<tree>/). */
export function hypervisorCodeOf(profile: ProfileName): 'legacy' | 'seed' | '4.5' {
  return profile === 'legacy' ? 'legacy' : profile === '4.5' ? '4.5' : 'seed';
}

export interface OpResult<T> {
  value: T | undefined;
  /** Set when Xen panicked during the operation. */
  panic?: string;
}

export class Model {
  x: Xen;
  dms = new Map<string, DeviceModel>();
  flat: FlatImpl;
  private _stepped: SteppedImpl | null = null;

  constructor(public profile: ProfileName, x?: Xen) {
    this.x = x ?? new Xen(profile, nrParamsOf(profile));
    this.flat = Model.makeFlat(this.x, profile);
  }

  static makeFlat(x: Xen, profile: ProfileName): FlatImpl {
    const code = hypervisorCodeOf(profile);
    const hvm = code === 'legacy' ? new HvmLegacyFlat(x) : code === '4.5' ? new Hvm45Flat(x) : new HvmSeedFlat(x);
    return { hvm, libxc: new LibxcFlat(x, hvm), qemu: new QemuFlat(x, hvm) };
  }

  get stepped(): SteppedImpl {
    if (!this._stepped) {
      instrumentStepped();
      const code = hypervisorCodeOf(this.profile);
      const hvm = code === 'legacy' ? new HvmLegacy(this.x) : code === '4.5' ? new Hvm45(this.x) : new HvmSeed(this.x);
      this._stepped = { hvm, libxc: new Libxc(this.x, hvm), qemu: new Qemu(this.x, hvm) };
    }
    return this._stepped;
  }

  /** The current call stack of the stepped build (innermost last). */
  get frames(): Frame[] {
    return frameSink(this.x).frames;
  }

  /** Boots the host: dom0, a PV control domain with one vcpu (the toolstack's and default device model's domain). */
  boot(): this {
    this.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(0, 1, false));
    const d0 = this.x.domains.get(0)!;
    d0.pause_count = 0;
    return this;
  }

  /** Runs fn on the flat build as `actor` (with `current` = v for a vcpu); a Xen panic ends the run and is recorded. */
  flatRun<T>(actor: string, v: Vcpu | null, fn: (impl: FlatImpl) => T): OpResult<T> {
    if (this.x.panic) return { value: undefined, panic: this.x.panic.message };
    this.x.actor = actor;
    this.x.current = v;
    try {
      return { value: fn(this.flat) };
    } catch (e) {
      return this.panicked(e);
    } finally {
      this.x.current = null;
    }
  }

  /** Records a XenPanic as the host's panic (the run's result); anything else is a defect and propagates. */
  private panicked<T>(e: unknown): OpResult<T> {
    if (!(e instanceof XenPanic)) throw e;
    this.x.panic = { fn: e.fn, message: e.message };
    return { value: undefined, panic: e.message };
  }

  /** Starts fn on the stepped build: the caller drives the generator (see debug/), or drain()s it. */
  *steppedRun<T>(actor: string, v: Vcpu | null, fn: (impl: SteppedImpl) => Co<T>): Generator<Frame[], OpResult<T>, void> {
    if (this.x.panic) return { value: undefined, panic: this.x.panic.message };
    const frames = this.frames;
    frames.length = 0;
    try {
      this.x.actor = actor;
      this.x.current = v;
      const g = fn(this.stepped);
      for (;;) {
        this.x.actor = actor;
        this.x.current = v;
        const r = g.next();
        if (r.done) return { value: r.value };
        yield frames;
      }
    } catch (e) {
      return this.panicked(e);
    } finally {
      this.x.current = null;
      frames.length = 0;
    }
  }

  addDeviceModel(name: string, domid: number, target: number, maxCpus: number): DeviceModel {
    const dm = new DeviceModel(domid, target, maxCpus);
    this.dms.set(name, dm);
    return dm;
  }

  /** A deep copy of everything (time travel, the explorer). */
  clone(withEvents?: boolean): Model {
    const m = new Model(this.profile, this.x.clone(withEvents));
    for (const [k, dm] of this.dms) {
      const c = dm.clone();
      const d = m.x.domains.get(dm.target);
      if (dm.shared_page && dm.ioreq_pfn >= 0) c.shared_page = d?.page(dm.ioreq_pfn)?.data() ?? null;
      if (dm.buffered_io_page && dm.bufioreq_pfn >= 0) c.buffered_io_page = d?.page(dm.bufioreq_pfn)?.data() ?? null;
      m.dms.set(k, c);
    }
    return m;
  }
}
