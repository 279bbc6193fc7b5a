// A driver for today's profiles (4.21, 4.21-arm): the operations a scenario makes, on either build. Until the
// scenario layer's table of operations takes them, tests and tools drive the 4.21 model through this API.
import * as A from './abi';
import type { DeviceModel } from './dm';
import { isX421 } from './layout';
import { Model, type OpResult, type X421Flat, type X421Stepped } from './model';
import type { Co, Frame } from './step';
import type { Domain, Vcpu } from './xen';
import type { Dabt } from './xen/4.21/arch/arm/ioreq';
import type { XenDmOp } from './xen/4.21/common/ioreq';
import type { GuestPage } from './xen';

export type Build = 'flat' | 'stepped';
export type { DmKind } from './dm';
import type { DmKind } from './dm';

/** Everything either build's 4.21 classes offer, for calls written once for both. */
type Impl = X421Flat | X421Stepped;

export class Driver421 {
  kinds = new Map<string, DmKind>();
  constructor(public m: Model, public build: Build = 'flat') {
    if (!isX421(m.profile)) throw new Error(`Driver421 drives the 4.21 profiles, not '${m.profile}'`);
  }

  static boot(profile: '4.21' | '4.21-arm', build: Build = 'flat'): Driver421 {
    return new Driver421(new Model(profile).boot(), build);
  }

  /** Runs fn as actor on the chosen build (the stepped one drained statement by statement, atStop at each). */
  run<T>(actor: string, v: Vcpu | null, fn: (i: Impl) => Co<T> | T): OpResult<T> {
    if (this.build === 'flat') return this.m.flatRun(actor, v, (f) => fn(f.x421!) as T);
    return this.drain(this.m.steppedRun(actor, v, (s) => fn(s.x421!) as Co<T>), (top) => this.atStop(top));
  }

  /** Each statement an operation of run() stops at on the stepped build, with its top frame (a recorder keeps them). */
  protected atStop(_top: Frame): void {}

  /** Drains a stepped generator to its value, handing each stop's top frame to `at`. */
  private drain<T>(g: Generator<unknown, T, void>, at?: (top: Frame) => void): T {
    for (;;) {
      const r = g.next();
      if (r.done) return r.value;
      const top = at && this.m.frames.at(-1);
      if (top) at(top);
    }
  }

  domain(id: number): Domain {
    const d = this.m.x.domains.get(id);
    if (!d) throw new Error(`no domain d${id}`);
    return d;
  }
  vcpu(domid: number, i: number): Vcpu { return this.domain(domid).vcpu[i]; }

  /** The toolstack builds an HVM guest (xc_domain_create, setup_guest, unpause). */
  createGuest(domid: number, nvcpus: number): number {
    const libxc = this.build === 'flat' ? this.m.flat.libxc : this.m.stepped.libxc;
    const drain = <T>(g: Co<T> | T): T => this.build === 'flat' ? g as T : this.drain(g as Co<T>);
    this.m.x.actor = 'toolstack';
    let rc = drain(libxc.xcDomainCreate(domid, nvcpus, true) as unknown as Co<number>);
    if (rc < 0) return rc;
    const d = this.domain(domid);
    rc = drain(libxc.setupGuest(d, 0x8000, 0, 0) as unknown as Co<number>);
    if (rc < 0) return rc;
    return drain(libxc.domainUnpauseByController(d) as unknown as Co<number>);
  }

  /** A PV domain (a stub domain or a driver domain) with one vcpu, as a device model's home. */
  createDmDomain(domid: number, target: number): void {
    const libxc = this.build === 'flat' ? this.m.flat.libxc : this.m.stepped.libxc;
    const g = libxc.xcDomainCreate(domid, 1, false) as unknown;
    if (this.build === 'stepped') { const it = g as Co<number>; for (let r = it.next(); !r.done; r = it.next()); }
    const d = this.domain(domid);
    d.pause_count = 0;
    d.target = target;
  }

  addDm(name: string, kind: DmKind, domid: number, target: number): DeviceModel {
    const dm = this.m.addDeviceModel(name, domid, target, this.domain(target).vcpu.length);
    this.kinds.set(name, kind);
    dm.kind = kind;
    return dm;
  }
  /** The device model's domain's vcpu 0: Xen's `current` while it makes hypercalls. */
  dmVcpu(dm: DeviceModel): Vcpu {
    const v = this.domain(dm.domid).vcpu[0];
    if (!v) throw new Error(`device model domain d${dm.domid} has no vcpu`);
    return v;
  }
  dm(name: string): DeviceModel {
    const dm = this.m.dms.get(name);
    if (!dm) throw new Error(`no device model '${name}'`);
    return dm;
  }

  /** Each device model's own start-up (QEMU xen_do_ioreq_register, varstored_initialize, the virtio backend's). */
  dmInit(name: string, bufioreq?: number): OpResult<number> {
    const dm = this.dm(name);
    const kind = this.kinds.get(name)!;
    return this.run(`dm${dm.domid}`, this.dmVcpu(dm), (i) => kind === 'qemu' ? i.qemu.xenDoIoreqRegister(dm, bufioreq) : kind === 'varstored' ? i.varstored.varstoredInitialize(dm) : i.virtio.virtioBackendInit(dm, bufioreq));
  }
  mapRanges(name: string): OpResult<number> {
    const dm = this.dm(name);
    return this.run(`dm${dm.domid}`, this.dmVcpu(dm), (i) => i.qemu.xenMapRanges(dm));
  }
  /** Serve vcpu i's request (QEMU first drains its buffered ring). */
  serve(name: string, i: number, respond: { data?: bigint; notify?: boolean } = {}): OpResult<number> {
    const dm = this.dm(name);
    const kind = this.kinds.get(name)!;
    return this.run(`dm${dm.domid}`, this.dmVcpu(dm), (im) => kind === 'qemu' ? im.qemu.cpuHandleIoreq(dm, i, respond) : kind === 'varstored' ? im.varstored.varstoredPollIopage(dm, i, respond) : im.virtio.virtioHandleIoreq(dm, i, respond));
  }
  drainBuffered(name: string): OpResult<number> {
    const dm = this.dm(name);
    return this.run(`dm${dm.domid}`, this.dmVcpu(dm), (i) => i.qemu.handleBufferedIopage(dm));
  }
  /** Any DMOP, as the device model's domain (or as domain `asDomid`). */
  dmOp(name: string, op: XenDmOp): OpResult<number> {
    const dm = this.dm(name);
    const r = this.run(`dm${dm.domid}`, this.dmVcpu(dm), (i) => (i.qemu as X421Stepped['qemu']).asDm(dm, () => (i.hvm as X421Stepped['hvm']).dmOp(dm.target, op)));
    // A device model remembers the first server it created.
    if (op.op === 1 && r.value === 0 && dm.ioservid < 0) { dm.ioservid = op.u.id!; dm.bufioreq_handling = op.u.handle_bufioreq ?? 0; }
    return r;
  }
  acquire(name: string, frame: number, nr: number): OpResult<number> {
    const dm = this.dm(name);
    const out: GuestPage[] = [];
    return this.run(`dm${dm.domid}`, this.dmVcpu(dm), (i) => i.qemu.xenforeignmemoryMapResource(dm, frame, nr, out));
  }
  /** Create / get_info / enable steps one at a time (for the hazards a DM's own order would avoid). */
  create(name: string, bufioreq: number): OpResult<number> {
    const dm = this.dm(name);
    return this.run(`dm${dm.domid}`, this.dmVcpu(dm), (i) => i.qemu.xendevicemodelCreateIoreqServer(dm, bufioreq));
  }
  setState(name: string, enabled: boolean): OpResult<number> {
    const dm = this.dm(name);
    return this.run(`dm${dm.domid}`, this.dmVcpu(dm), (i) => i.qemu.xendevicemodelSetIoreqServerState(dm, enabled));
  }
  mapPages(name: string): OpResult<number> {
    const dm = this.dm(name);
    return this.run(`dm${dm.domid}`, this.dmVcpu(dm), (i) => i.qemu.xenMapIoreqServer(dm));
  }
  bindAll(name: string): OpResult<number> {
    const dm = this.dm(name);
    const flat = this.build === 'flat';
    return this.run(`dm${dm.domid}`, this.dmVcpu(dm), (i: Impl) => {
      if (flat) {
        let rc = 0;
        for (let k = 0; k < dm.max_cpus && rc === 0; k++) rc = (i.qemu as X421Flat['qemu']).bindVcpuPort(dm, k);
        return rc;
      }
      const q = i.qemu as X421Stepped['qemu'];
      return (function* () {
        let rc = 0;
        for (let k = 0; k < dm.max_cpus && rc === 0; k++) rc = yield* q.bindVcpuPort(dm, k);
        return rc;
      })();
    });
  }
  mapRange(name: string, type: number, start: bigint, end: bigint, map = true): OpResult<number> {
    const dm = this.dm(name);
    return this.run(`dm${dm.domid}`, this.dmVcpu(dm), (i) => i.qemu.xendevicemodelMapIoRange(dm, map, type, start, end));
  }
  destroy(name: string): OpResult<number> {
    const dm = this.dm(name);
    return this.run(`dm${dm.domid}`, this.dmVcpu(dm), (i) => i.qemu.xendevicemodelDestroyIoreqServer(dm));
  }
  die(name: string): void {
    const dm = this.dm(name);
    const t = this.build === 'flat' ? this.m.flat.x421!.qemu : this.m.stepped.x421!.qemu;
    t.die(dm);
  }

  // ---- the guest ----
  /** An x86 port access (handle_pio): a write sends value (eax), a read lands in rax. */
  pio(domid: number, v: number, port: number, size: number, dir: number, value = 0n): OpResult<boolean> {
    const w = this.vcpu(domid, v);
    if (dir === A.IOREQ_WRITE) w.rax = value;
    return this.run(`vcpu${v}`, w, (i) => (i.hvm as X421Stepped['hvm'] & { handlePio: (v: Vcpu, p: number, s: number, d: number) => Co<boolean> }).handlePio(w, port, size, dir));
  }
  /** An x86 MMIO access (handle_mmio), count > 1 a rep string op, df its direction flag. */
  mmio(domid: number, v: number, gpa: bigint, size: number, dir: number, value = 0n, count = 1, df = 0): OpResult<boolean> {
    const w = this.vcpu(domid, v);
    if (dir === A.IOREQ_WRITE) w.rax = value;
    return this.run(`vcpu${v}`, w, (i) => (i.hvm as unknown as { handleMmio(v: Vcpu, g: bigint, s: number, d: number, c: number, f: number): Co<boolean> }).handleMmio(w, gpa, size, dir, count, df));
  }
  /** An Arm data abort on an address without a handler of Xen's own (try_handle_mmio). */
  armMmio(domid: number, v: number, info: Dabt, value = 0n): OpResult<number> {
    const w = this.vcpu(domid, v);
    if (info.write) w.rax = value;
    return this.run(`vcpu${v}`, w, (i) => (i.hvm as unknown as { tryHandleMmio(v: Vcpu, d: Dabt): Co<number> }).tryHandleMmio(w, info));
  }
  /** The vcpu's way back to the guest (hvm_do_resume on x86, check_for_vcpu_work on Arm). */
  resume(domid: number, v: number): OpResult<number> {
    const w = this.vcpu(domid, v);
    return this.run(`vcpu${v}`, w, (i) => i.hvm.hvmDoResume(w));
  }
  /** hvm_do_resume on the stepped build with `atStop` called at each of its stops with the innermost frame: what
   *  another CPU (a device model writing the slot) does between two of Xen's statements. */
  resumeStepped(domid: number, v: number, atStop: (top: Frame) => void): OpResult<number> {
    const w = this.vcpu(domid, v);
    return this.drain(this.m.steppedRun(`vcpu${v}`, w, (s) => s.x421!.hvm.hvmDoResume(w)), atStop);
  }
  /** A buffered send of p to server id (what stdvga or send_timeoffset_req make), as vcpu v. */
  sendBuffered(domid: number, v: number, id: number, p: A.Ioreq): OpResult<number> {
    const w = this.vcpu(domid, v);
    const s = this.domain(domid).x421.server[id];
    if (!s) throw new Error(`no server ${id}`);
    return this.run(`vcpu${v}`, w, (i) => i.hvm.ioreqSend(s, p, true));
  }
  /** The rest of a port access held after ioreq_send (vcpu.io.hold_after_send), as vcpu v. */
  continueIo(domid: number, v: number): OpResult<boolean> {
    const w = this.vcpu(domid, v);
    return this.run(`vcpu${v}`, w, (i) => (i.hvm as unknown as { hvmIoContinue(v: Vcpu): Co<boolean> }).hvmIoContinue(w));
  }
  /** The guest gives frame gfn back (XENMEM_decrease_reservation through hvm_hypercall), as vcpu v. */
  decreaseReservation(domid: number, v: number, gfn: number): OpResult<number> {
    const w = this.vcpu(domid, v);
    return this.run(`vcpu${v}`, w, (i) => (i.hvm as unknown as { hvmHypercallDecreaseReservation(v: Vcpu, g: number): Co<number> }).hvmHypercallDecreaseReservation(w, gfn));
  }
  broadcast(domid: number, v: number, p: A.Ioreq, buffered: boolean): OpResult<number> {
    const w = this.vcpu(domid, v);
    return this.run(`vcpu${v}`, w, (i) => i.hvm.ioreqBroadcast(p, buffered));
  }
  /** The toolstack kills a domain (domain_kill). */
  kill(domid: number): OpResult<number> {
    const libxc = this.build === 'flat' ? this.m.flat.libxc : this.m.stepped.libxc;
    const d = this.domain(domid);
    this.m.x.actor = 'toolstack';
    const g = libxc.domainKill(d) as unknown;
    if (this.build === 'flat') return { value: g as number };
    const it = g as Co<number>;
    for (;;) { const r = it.next(); if (r.done) return { value: r.value }; }
  }
}
