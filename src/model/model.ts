// The model a session runs: one Xen host (dom0 plus guests), its device models, and the two builds of the modelled
// code (both generated from the same sources by tools/gen-flat.js). `flat` runs an operation straight through;
// `stepped` gives a generator a debugger can pause at each statement, with the function's scope there.
// Both operate on the same state (this.x), so a session can mix them.
import { DeviceModel } from './dm';
import { type ProfileName } from './layout';
import { nrParamsOf } from './params';
import { instrument, type Co, type Frame, type FrameSink } from './step';
import { PageView, Xen, XenPanic, sharing, type Vcpu } from './xen';
import { evtchnSharing } from './evtchn';
import { HvmLegacy as HvmLegacyFlat } from './xen/legacy/hvm.flat';
import { HvmSeed as HvmSeedFlat } from './xen/seed/hvm.flat';
import { Hvm45 as Hvm45Flat } from './xen/4.5/hvm.flat';
import { Libxc as LibxcFlat } from './tools/libxc.flat';
import { Qemu as QemuFlat } from './qemu/xen-hvm.flat';
import { HvmLegacy } from './xen/legacy/hvm.stepped';
import { HvmSeed } from './xen/seed/hvm.stepped';
import { Hvm45 } from './xen/4.5/hvm.stepped';
import { Libxc } from './tools/libxc.stepped';
import { Qemu } from './qemu/xen-hvm.stepped';
import { Qemu45 as Qemu45Flat } from './qemu/xen-hvm-4.5.flat';
import { Qemu45 } from './qemu/xen-hvm-4.5.stepped';
// ---- issue 10 (today's Xen): the 4.21 classes ----
import { isX421 } from './layout';
import { Hvm421 as Hvm421Flat } from './xen/4.21/arch/x86/hvm/hvm.flat';
import { ArmHvm421 as ArmHvm421Flat } from './xen/4.21/arch/arm/hvm.flat';
import { Qemu421 as Qemu421Flat } from './qemu/xen-hvm-common.flat';
import { Varstored as VarstoredFlat } from './dm/varstored.flat';
import { VirtioMmioBackend as VirtioFlat } from './dm/virtio-mmio.flat';
import { PrivcmdIoeventfd as PrivcmdFlat } from './dm/privcmd-ioeventfd.flat';
import { Hvm421 } from './xen/4.21/arch/x86/hvm/hvm.stepped';
import { ArmHvm421 } from './xen/4.21/arch/arm/hvm.stepped';
import { Qemu421 } from './qemu/xen-hvm-common.stepped';
import { Varstored } from './dm/varstored.stepped';
import { VirtioMmioBackend } from './dm/virtio-mmio.stepped';
import { PrivcmdIoeventfd } from './dm/privcmd-ioeventfd.stepped';
/** Today's device models, per build. */
export interface X421Flat { hvm: Hvm421Flat | ArmHvm421Flat; qemu: Qemu421Flat; varstored: VarstoredFlat; virtio: VirtioFlat; kernel: PrivcmdFlat }
export interface X421Stepped { hvm: Hvm421 | ArmHvm421; qemu: Qemu421; varstored: Varstored; virtio: VirtioMmioBackend; kernel: PrivcmdIoeventfd }
// ---- end 4.21 ----

/**
 * The builds a session drives. Under a 4.21 profile `hvm` holds the 4.21 class (typed as the seed-era one so the
 * seed-era callers keep compiling; they only ever run seed-era profiles) and `x421` has today's code and DMs.
 */
export interface FlatImpl { hvm: HvmSeedFlat | HvmLegacyFlat | Hvm45Flat; libxc: LibxcFlat; qemu: QemuFlat; qemu45?: Qemu45Flat; x421?: X421Flat }
export interface SteppedImpl { hvm: HvmSeed | HvmLegacy | Hvm45; libxc: Libxc; qemu: Qemu; qemu45?: Qemu45; x421?: X421Stepped }

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
  instrument(Qemu45.prototype, 'qemu', sinkOf);
  // 4.21
  instrument(Hvm421.prototype, 'xen', sinkOf);
  instrument(ArmHvm421.prototype, 'xen', sinkOf);
  instrument(Qemu421.prototype, 'qemu', sinkOf);
  instrument(Varstored.prototype, 'dm', sinkOf);
  instrument(VirtioMmioBackend.prototype, 'dm', sinkOf);
  instrument(PrivcmdIoeventfd.prototype, 'dm', sinkOf);
}

/** Which tree's hypervisor code a profile runs: each profile its own (src/model/xen/<tree>/). */
export function hypervisorCodeOf(profile: ProfileName): 'legacy' | 'seed' | '4.5' | '4.21' | '4.21-arm' {
  if (isX421(profile)) return profile;
  return profile === 'legacy' ? 'legacy' : profile === '4.5' ? '4.5' : 'seed';
}

/**
 * Whether Model.clone shares what a step rarely changes with the original until either writes it (on, the
 * default: page bytes per chunk, port-table entries, the blocks only another profile's code writes), or copies
 * everything at once (off: the deep clone, which the bench measures as its baseline). Both give the same states.
 */
export function setCloneSharing(on: boolean): void {
  sharing.on = on;
  evtchnSharing.on = on;
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
    if (isX421(profile)) { // 4.21
      const h = profile === '4.21' ? new Hvm421Flat(x) : new ArmHvm421Flat(x);
      return { hvm: h as unknown as HvmSeedFlat, libxc: new LibxcFlat(x, h), qemu: new QemuFlat(x, h),
        x421: { hvm: h, qemu: new Qemu421Flat(x, h), varstored: new VarstoredFlat(x, h), virtio: new VirtioFlat(x, h), kernel: new PrivcmdFlat(x, h) } };
    }
    const code = hypervisorCodeOf(profile);
    const hvm = code === 'legacy' ? new HvmLegacyFlat(x) : code === '4.5' ? new Hvm45Flat(x) : new HvmSeedFlat(x);
    // Under 4.5 the QEMU of Xen 4.5's ioreq-server API (its own server) runs beside the 2014 QEMU (the default server).
    return { hvm, libxc: new LibxcFlat(x, hvm), qemu: new QemuFlat(x, hvm), ...(code === '4.5' ? { qemu45: new Qemu45Flat(x, hvm) } : {}) };
  }

  get stepped(): SteppedImpl {
    if (!this._stepped) {
      instrumentStepped();
      if (isX421(this.profile)) { // 4.21
        const h = this.profile === '4.21' ? new Hvm421(this.x) : new ArmHvm421(this.x);
        this._stepped = { hvm: h as unknown as HvmSeed, libxc: new Libxc(this.x, h), qemu: new Qemu(this.x, h),
          x421: { hvm: h, qemu: new Qemu421(this.x, h), varstored: new Varstored(this.x, h), virtio: new VirtioMmioBackend(this.x, h), kernel: new PrivcmdIoeventfd(this.x, h) } };
        return this._stepped;
      }
      const code = hypervisorCodeOf(this.profile);
      const hvm = code === 'legacy' ? new HvmLegacy(this.x) : code === '4.5' ? new Hvm45(this.x) : new HvmSeed(this.x);
      this._stepped = { hvm, libxc: new Libxc(this.x, hvm), qemu: new Qemu(this.x, hvm), ...(code === '4.5' ? { qemu45: new Qemu45(this.x, hvm) } : {}) };
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
      // The physmap, not d.page(): an enabled 4.5 server's pages have left the guest's p2m yet stay mapped.
      if (dm.shared_page && dm.ioreq_pfn >= 0) c.shared_page = d?.physmap.get(dm.ioreq_pfn)?.data() ?? null;
      if (dm.buffered_io_page && dm.bufioreq_pfn >= 0) c.buffered_io_page = d?.physmap.get(dm.bufioreq_pfn)?.data() ?? null;
      // 4.21: a device model's mappings are its server's pages (resource pages have no gfn; gfn pages leave the p2m).
      const s = d && dm.ioservid >= 0 ? d.x421.server[dm.ioservid] : null;
      if (s) {
        c.shared_page = dm.shared_page && s.ioreq.page ? s.ioreq.page.data() : null;
        c.buffered_io_page = dm.buffered_io_page && s.bufioreq.page ? s.bufioreq.page.data() : null;
      }
      // A mapping no structure of the clone holds any more (its server destroyed, its frame gone from the p2m) is
      // still the device model's: the clone keeps one of its own over the same bytes.
      if (dm.shared_page && !c.shared_page) c.shared_page = forkMapping(dm.shared_page);
      if (dm.buffered_io_page && !c.buffered_io_page) c.buffered_io_page = forkMapping(dm.buffered_io_page);
      m.dms.set(k, c);
    }
    return m;
  }
}

/** A clone's own mapping of the bytes a device model maps (PageView.fork; a plain DataView is copied). */
function forkMapping(v: DataView): DataView {
  if (v instanceof PageView) return v.fork() as unknown as DataView;
  return new DataView(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
}
