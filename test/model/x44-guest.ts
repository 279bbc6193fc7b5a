// The seed profile as a fixture for 4.4's shared I/O code (xen/arch/x86/hvm/{emulate,io,stdvga}.c @RELEASE-4.4.0, in
// src/model/xen/4.4/): a booted HVM guest, its one ioreq server (created on demand by dom0's read of IOREQ_PFN),
// and one call driven flat or statement by statement (the stops a debugger makes, with their locals).
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import type { SteppedImpl } from '../../src/model/model';
import * as P from '../../src/model/params';
import type { Co } from '../../src/model/step';
import type { HvmIoreqServer, Vcpu } from '../../src/model/xen';
import type { HvmSeed } from '../../src/model/xen/seed/hvm.flat';
import type { HvmSeed as HvmSeedStepped } from '../../src/model/xen/seed/hvm.stepped';
import { HVMOP_get_param } from '../../src/model/xen/seed/hvm.flat';
import { HvmGuest, type Stop } from './hvm-guest';

export class G44 extends HvmGuest {
  constructor(nvcpus = 1, profile: 'seed' | 'legacy' = 'seed') { super(profile, nvcpus); }
  get h(): HvmSeed { return this.m.flat.hvm as unknown as HvmSeed; }
  stepped<T>(v: Vcpu | null, fn: (h: HvmSeedStepped) => Co<T>, at?: (s: Stop) => void): { value: T; stops: Stop[] } {
    return this.steppedRun(v ? `vcpu${v.vcpu_id}` : 'toolstack', v, (s: SteppedImpl) => fn(s.hvm as unknown as HvmSeedStepped), at);
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
}
