// The 4.5 profile's test fixture for the vcpu's I/O path (io.c, emulate.c of RELEASE-4.5.0): a booted HVM guest,
// its servers, and one call driven either flat or statement by statement (the stops a debugger makes, with locals).
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import type { SteppedImpl } from '../../src/model/model';
import * as P from '../../src/model/params';
import type { Co } from '../../src/model/step';
import type { Vcpu } from '../../src/model/xen';
import type { Hvm45 } from '../../src/model/xen/4.5/hvm.flat';
import type { Hvm45 as Hvm45Stepped } from '../../src/model/xen/4.5/hvm.stepped';
import * as H from '../../src/model/xen/4.5/hvm';
import type { HvmIoreqServer45 } from '../../src/model/xen';
import { HvmGuest, type Stop } from './hvm-guest';

export type { Stop } from './hvm-guest';

export class G45 extends HvmGuest {
  constructor(nvcpus = 1) { super('4.5', nvcpus); }
  get h(): Hvm45 { return this.m.flat.hvm as unknown as Hvm45; }
  /** One call on the stepped build, every stop recorded; `at` runs at each stop. */
  stepped<T>(actor: string, v: Vcpu | null, fn: (s: SteppedImpl & { hvm: Hvm45Stepped }) => Co<T>, at?: (top: Stop) => void): { value: T; stops: Stop[] } {
    return this.steppedRun(actor, v, fn as (s: SteppedImpl) => Co<T>, at);
  }
  op(o: number, arg: H.HvmOpArg): number { return this.flat('dm0', null, () => this.h.doHvmOp(this.d0, o, arg)); }
  /** dom0 reads IOREQ_PFN: the default server comes up (hvm.c:5752-5766). */
  defaultServer(): HvmIoreqServer45 {
    assert.equal(this.op(H.HVMOP_get_param, { domid: 1, index: P.HVM_PARAM_IOREQ_PFN, value: 0 }), 0);
    return this.d.hvm45.default_ioreq_server!;
  }
  /** A secondary server of dom0's (HVMOP_create_ioreq_server), claiming nothing unless ranges are given; enabled. */
  secondary(ranges: Array<[number, number, number]> = []): HvmIoreqServer45 {
    const a = { domid: 1, handle_bufioreq: 1, id: -1 };
    assert.equal(this.op(H.HVMOP_create_ioreq_server, a), 0);
    for (const [type, start, end] of ranges) assert.equal(this.op(H.HVMOP_map_io_range_to_ioreq_server, { domid: 1, id: a.id, type, start, end }), 0);
    assert.equal(this.op(H.HVMOP_set_ioreq_server_state, { domid: 1, id: a.id, enabled: 1 }), 0);
    return this.d.hvm45.ioreq_server.list.find((s) => s.id === a.id)!;
  }
  slot(s: HvmIoreqServer45, i = 0): A.Ioreq { return A.readIoreq(s.ioreq.va!, A.ioreqOffset(i)); }
  pio(port: number, size: number, dir: number, value = 0n): number { return this.flat('vcpu0', this.v(), () => this.h.handlePio(this.v(), port, size, dir, value)); }
  mmio(gpa: bigint, size: number, dir: number, value = 0n, buffered = false): number {
    return this.flat('vcpu0', this.v(), () => this.h.handleMmio(this.v(), gpa, size, dir, value, buffered));
  }
  /** The device model answers vcpu 0's request in s with data, and the vcpu resumes (hvm_do_resume). */
  answer(s: HvmIoreqServer45, data: bigint): void {
    const p = this.h.ioreqOf(s, this.v());
    assert.equal(p.state, A.STATE_IOREQ_READY);
    p.va.setBigUint64(p.off + A.OFF_DATA, data, true);
    p.state = A.STATE_IORESP_READY;
    this.flat('vcpu0', this.v(), () => this.h.hvmDoResume(this.v()));
  }
}

export const labels = (stops: Stop[], fn: string) => stops.filter((s) => s.fn === fn).map((s) => s.at);
export function localsAt(stops: Stop[], fn: string, at: string, nth = 0): Record<string, string> {
  const s = stops.filter((x) => x.fn === fn && x.at === at)[nth];
  assert.ok(s, `${fn} stops at ${at} (#${nth})`);
  return s.locals;
}
