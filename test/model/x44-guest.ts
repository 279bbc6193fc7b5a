// The seed profile as a fixture for 4.4's shared I/O code (xen/arch/x86/hvm/{emulate,io,stdvga}.c @RELEASE-4.4.0, in
// src/model/xen/4.4/): a booted HVM guest, its one ioreq server (created on demand by dom0's read of IOREQ_PFN),
// and one call driven flat or statement by statement (the stops a debugger makes, with their locals).
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import { Model, type FlatImpl, type SteppedImpl } from '../../src/model/model';
import * as P from '../../src/model/params';
import type { Co } from '../../src/model/step';
import type { Domain, HvmIoreqServer, Vcpu } from '../../src/model/xen';
import type { HvmSeed } from '../../src/model/xen/seed/hvm.flat';
import type { HvmSeed as HvmSeedStepped } from '../../src/model/xen/seed/hvm.stepped';
import { HVMOP_get_param } from '../../src/model/xen/seed/hvm.flat';
import { show } from '../../src/debug/values';
import type { Stop } from './x45-guest';

export class G44 {
  m: Model;
  constructor(nvcpus = 1, profile: 'seed' | 'legacy' = 'seed') {
    this.m = new Model(profile).boot();
    this.flat('toolstack', null, (f) => f.libxc.xcDomainCreate(1, nvcpus, true));
    this.flat('toolstack', null, (f) => f.libxc.setupGuest(this.d, 0x8000, 0, 0));
    this.flat('toolstack', null, (f) => f.libxc.domainUnpauseByController(this.d));
  }
  get d(): Domain { return this.m.x.domains.get(1)!; }
  get d0(): Domain { return this.m.x.domains.get(0)!; }
  get h(): HvmSeed { return this.m.flat.hvm as unknown as HvmSeed; }
  v(i = 0): Vcpu { return this.d.vcpu[i]; }
  get vio() { return this.v().arch.hvm_vcpu.hvm_io; }
  flat<T>(actor: string, v: Vcpu | null, fn: (f: FlatImpl) => T): T {
    const r = this.m.flatRun(actor, v, fn);
    assert.equal(r.panic, undefined, `Xen panicked: ${r.panic}`);
    return r.value as T;
  }
  stepped<T>(v: Vcpu | null, fn: (h: HvmSeedStepped) => Co<T>, at?: (s: Stop) => void): { value: T; stops: Stop[] } {
    const stops: Stop[] = [];
    const g = this.m.steppedRun(v ? `vcpu${v.vcpu_id}` : 'toolstack', v, (s: SteppedImpl) => fn(s.hvm as unknown as HvmSeedStepped));
    for (;;) {
      const r = g.next();
      if (r.done) { assert.equal(r.value.panic, undefined, `Xen panicked: ${r.value.panic}`); return { value: r.value.value as T, stops }; }
      const top = r.value[r.value.length - 1];
      const stop = { fn: top.fn, at: top.at, locals: Object.fromEntries(Object.entries(top.locals).map(([k, x]) => [k, show(k, x).value])) };
      stops.push(stop);
      at?.(stop);
    }
  }
  /** dom0 reads IOREQ_PFN: the seed's server comes up ([SEED @4563]). */
  server(): HvmIoreqServer {
    const a = { domid: 1, index: P.HVM_PARAM_IOREQ_PFN, value: 0 };
    assert.equal(this.flat('dm0', null, () => this.h.doHvmOp(this.d0, HVMOP_get_param, a)), 0);
    return this.d.arch.hvm_domain.ioreq_server!;
  }
  slot(s: HvmIoreqServer, i = 0): A.Ioreq { return A.readIoreq(s.ioreq.va!, A.ioreqOffset(i)); }
  /** The device model answers vcpu 0's request with data; the vcpu resumes (hvm_do_resume). */
  answer(s: HvmIoreqServer, data: bigint): void {
    const p = this.h.getIoreq(s, 0);
    assert.equal(p.state, A.STATE_IOREQ_READY);
    p.va.setBigUint64(p.off + A.OFF_DATA, data, true);
    p.state = A.STATE_IORESP_READY;
    this.flat('vcpu0', this.v(), () => this.h.hvmDoResume(this.v()));
  }
  doIo(isMmio: boolean, addr: bigint, size: number, dir: number, value = 0n, buffered = false, reps = 1, ramGpa = 0n, df = 0, ptr = false): number {
    return this.flat('vcpu0', this.v(), () => this.h.hvmemulDoIo(this.v(), isMmio, addr, size, dir, value, buffered, reps, ramGpa, df, ptr));
  }
  events(kind: string, from = 0) { return this.m.x.events.slice(from).filter((e) => e.kind === kind); }
}
