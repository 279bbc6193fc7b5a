// Mutation tests of the Arm side of today's ioreq path (issue #16): src/model/xen/4.21/arch/arm/io.ts (try_handle_mmio,
// xen/arch/arm/io.c), ioreq.ts (xen/arch/arm/ioreq.c) and hvm.ts (xen/arch/arm/dm.c, hvm.c, traps.c), all at
// RELEASE-4.21.0. `io.c:N`, `arm ioreq.c:N` below are those files at that tag.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import type { Build } from '../../src/model/driver421';
import { Rec421 } from './rec421';
import type { Dabt } from '../../src/model/xen/4.21/arch/arm/ioreq';
import { IO_HANDLED, IO_RETRY, IO_UNHANDLED } from '../../src/model/xen/4.21/arch/arm/ioreq';
import { HVMOP_get_param, HVMOP_set_param } from '../../src/model/xen/4.21/arch/arm/hvm';
import { EINVAL, ENOENT, EOPNOTSUPP, EPERM, ESRCH } from '../../src/model/errno';
import type { SteppedImpl } from '../../src/model/model';
import { XEN_DMOP_nr_vcpus } from '../../src/model/xen/4.21/arch/x86/hvm/dm';
import * as E from '../../src/model/evtchn';
import * as P from '../../src/model/params';
import type { Co } from '../../src/model/step';
import type { Domain, IoreqServer, Vcpu } from '../../src/model/xen';
import * as X from '../../src/model/xen';
import { DESCHEDULED, IN_WAIT, RESUMED } from '../../src/model/xen/common/outcome';
import * as I from '../../src/model/xen/4.21/common/ioreq';

const G = 1;
/** The virtio backend's window (VIRTIO_MMIO_BASE) and an address no server claims. */
const VIRTIO = 0x2000000n;
const UNMAPPED = 0x9000000n;

class Rec extends Rec421 {}
/** A 4.21-arm guest (one vcpu) with the virtio backend up as d0. */
function arm(build: Build = 'flat', nvcpus = 1): Rec {
  const t = Rec.make('4.21-arm', build, nvcpus, G);
  t.addDm('v', 'virtio', 0, G);
  assert.equal(t.dmInit('v').value, 0, t.dm('v').last_error ?? '');
  return t;
}
const rd = (gpa: bigint, size = 2, sign = 0): Dabt => ({ gpa, size, write: 0, sign });
const wr = (gpa: bigint, size = 2): Dabt => ({ gpa, size, write: 1, sign: 0 });
const dropped = (t: Rec, from = 0) => t.m.x.events.slice(from).filter((e) => e.kind === 'io_dropped').map(({ seq: _s, actor: _a, ...e }) => e);

describe('4.21-arm io.c (mutation): try_handle_mmio (io.c:186-234 @RELEASE-4.21.0)', () => {
  it('a cache-maintenance abort on a server\'s range is IO_HANDLED at the select, no request sent (arm ioreq.c:78-87); try_handle_mmio then runs handle_ioserv (io.c:205-206), which reads this abort\'s syndrome (WnR 1 for cache maintenance) and writes no register', () => {
    const t = arm();
    const v = t.vcpu(G, 0);
    // A read first, so the vcpu's last request is a served read with data in it.
    assert.equal(t.armMmio(G, 0, rd(VIRTIO)).value, IO_RETRY);
    t.serve('v', 0, { data: 0x1234n });
    t.resume(G, 0);
    assert.equal(v.rax, 0x1234n);
    assert.equal(v.io_done, 1);
    const s = t.domain(G).x421.server[0]!;
    const from = t.m.x.events.length;
    assert.equal(t.armMmio(G, 0, { gpa: VIRTIO + 0x40n, size: 2, write: 1, sign: 0, cache: true }, 0x55n).value, IO_HANDLED);
    assert.equal(v.rax, 0x55n, 'no register written for the cache op');
    assert.equal(v.io_done, 2, 'handle_ioserv ran');
    assert.equal(v.io.req.state, A.STATE_IOREQ_NONE);
    assert.equal(A.getState(s.ioreq.va!, A.ioreqOffset(0)), A.STATE_IOREQ_NONE, 'nothing went to the server');
    assert.deepEqual(t.m.x.events.slice(from).filter((e) => e.kind === 'ioreq_send'), []);
    assert.equal(v.pause_flags.blocked_in_xen, false);
  });

  it('no server: the unmapped handler reads all-ones within the access size, sign-extended by handle_read (io.c:24-32, 66-70); a write is ignored, the register kept (io.c:35-39)', () => {
    const t = arm();
    const v = t.vcpu(G, 0);
    v.rax = 0x1234n;
    assert.equal(t.armMmio(G, 0, rd(UNMAPPED, 1)).value, IO_HANDLED);
    assert.equal(v.rax, 0xffffn);
    assert.equal(t.armMmio(G, 0, rd(UNMAPPED, 0, 1)).value, IO_HANDLED);
    assert.equal(v.rax, 0xffffffffffffffffn, 'a signed byte load of 0xff');
    assert.equal(t.armMmio(G, 0, rd(UNMAPPED, 3)).value, IO_HANDLED);
    assert.equal(v.rax, 0xffffffffffffffffn);
    assert.equal(t.armMmio(G, 0, wr(UNMAPPED), 0x5678n).value, IO_HANDLED);
    assert.equal(v.rax, 0x5678n, 'the write left the register as the guest had it');
    assert.equal(v.io_dropped, 4, 'each access went to the unmapped handler');
    assert.equal(v.io_done, 0);
  });

  it('a cache-maintenance abort no server claims is ignored (io.c:218-219): no register written, nothing dropped', () => {
    const t = arm();
    const v = t.vcpu(G, 0);
    v.rax = 0x77n;
    const from = t.m.x.events.length;
    assert.equal(t.armMmio(G, 0, { ...rd(UNMAPPED), cache: true }).value, IO_HANDLED);
    assert.equal(v.rax, 0x77n);
    assert.equal(v.io_dropped, 0);
    assert.deepEqual(dropped(t, from), []);
  });

  it('the unmapped handler\'s access is recorded (the model\'s io_dropped event), read and write, and not at all with events off', () => {
    const t = arm();
    const from = t.m.x.events.length;
    t.armMmio(G, 0, rd(UNMAPPED));
    t.armMmio(G, 0, wr(UNMAPPED + 8n), 1n);
    assert.deepEqual(dropped(t, from), [
      { kind: 'io_dropped', fn: 'try_handle_mmio', domid: G, vcpu: 0, detail: { addr: '0x9000000', write: 0 }, text: 'd1v0 MMIO read 0x9000000: no server, unmapped handler (all-ones)' },
      { kind: 'io_dropped', fn: 'try_handle_mmio', domid: G, vcpu: 0, detail: { addr: '0x9000008', write: 1 }, text: 'd1v0 MMIO write 0x9000008: no server, unmapped handler (ignored)' },
    ]);
    t.m.x.on = false;
    const n = t.m.x.events.length;
    t.armMmio(G, 0, rd(UNMAPPED));
    assert.equal(t.m.x.events.length, n);
    assert.equal(t.vcpu(G, 0).io_dropped, 3, 'counted all the same');
  });

  it('stops: the address, what try_fwd_ioserv returned, and for no server the unmapped handler with the direction', () => {
    const t = arm('stepped');
    let from = t.stops.length;
    assert.equal(t.armMmio(G, 0, rd(VIRTIO + 0x10n)).value, IO_RETRY);
    assert.deepEqual(t.labels('try_handle_mmio', from), ['handler', 'fwd']);
    assert.equal(t.loc('try_handle_mmio', 'handler').gpa, '0x2000010');
    assert.equal(t.loc('try_handle_mmio', 'fwd').rc, IO_RETRY, 'the stop shows the local rc');
    t.serve('v', 0, { data: 1n });
    t.resume(G, 0);
    from = t.stops.length;
    t.armMmio(G, 0, wr(UNMAPPED), 3n);
    assert.deepEqual(t.labels('try_handle_mmio', from), ['handler', 'fwd', 'unmapped']);
    assert.deepEqual(t.pick('try_handle_mmio', 'fwd', ['rc'], from), [{ rc: IO_UNHANDLED }]);
    assert.deepEqual(t.pick('try_handle_mmio', 'unmapped', ['write'], from), [{ write: 1 }]);
    from = t.stops.length;
    t.armMmio(G, 0, { ...wr(VIRTIO), cache: true });
    assert.deepEqual(t.pick('try_handle_mmio', 'fwd', ['rc'], from), [{ rc: IO_HANDLED }]);
  });
});

type HvmParam = { domid: number; index: number; value: number };
type ArmHvm = {
  doHvmOp(c: Domain, op: number, a: HvmParam): Co<number>;
  dmOp(domid: number, op: I.XenDmOp): Co<number>;
};
/** do_hvm_op as domain `caller` (its vcpu 0 current). */
function hvmop(t: Rec, caller: number, op: number, a: HvmParam): number {
  const c = t.domain(caller);
  return t.run(`d${caller}`, c.vcpu[0], (i) => (i.hvm as unknown as ArmHvm).doHvmOp(c, op, a)).value as number;
}
/** dm_op on domid as domain `caller`. */
function dmop(t: Rec, caller: number, domid: number, op: I.XenDmOp): number {
  return t.run(`d${caller}`, t.domain(caller).vcpu[0], (i) => (i.hvm as unknown as ArmHvm).dmOp(domid, op)).value as number;
}

describe('4.21-arm hvm.c (mutation): do_hvm_op\'s params (arm hvm.c:22-115 @RELEASE-4.21.0)', () => {
  it('set_param: the toolstack\'s params only (hvm_allow_set_param, hvm.c:22-46); the domain may not set them itself (-EPERM); others are -EINVAL', () => {
    const t = arm();
    const pr = t.domain(G).arch.hvm_domain.params;
    for (const index of [P.HVM_PARAM_CALLBACK_IRQ, P.HVM_PARAM_STORE_PFN, P.HVM_PARAM_STORE_EVTCHN, P.HVM_PARAM_CONSOLE_PFN, P.HVM_PARAM_CONSOLE_EVTCHN, P.HVM_PARAM_MONITOR_RING_PFN]) {
      assert.equal(hvmop(t, 0, HVMOP_set_param, { domid: G, index, value: 0x40 + index }), 0, `dom0 sets ${index}`);
      assert.equal(pr[index], 0x40 + index);
      assert.equal(hvmop(t, G, HVMOP_set_param, { domid: E.DOMID_SELF, index, value: 1 }), -EPERM, `the guest sets its own ${index}`);
      assert.equal(pr[index], 0x40 + index, 'left as it was');
    }
    for (const index of [P.HVM_PARAM_IOREQ_PFN, P.HVM_PARAM_BUFIOREQ_EVTCHN, 3, 39, -1, 1000]) {
      assert.equal(hvmop(t, 0, HVMOP_set_param, { domid: G, index, value: 7 }), -EINVAL, `index ${index}`);
    }
    assert.equal(pr[P.HVM_PARAM_IOREQ_PFN], 0);
  });

  it('get_param: the guest\'s five readable params by anyone allowed (hvm.c:48-70); MONITOR_RING_PFN not by the domain itself; others -EINVAL', () => {
    const t = arm();
    const pr = t.domain(G).arch.hvm_domain.params;
    pr[P.HVM_PARAM_STORE_EVTCHN] = 9;
    pr[P.HVM_PARAM_MONITOR_RING_PFN] = 0x123;
    pr[P.HVM_PARAM_IOREQ_PFN] = 0x456;
    for (const index of [P.HVM_PARAM_CALLBACK_IRQ, P.HVM_PARAM_STORE_PFN, P.HVM_PARAM_STORE_EVTCHN, P.HVM_PARAM_CONSOLE_PFN, P.HVM_PARAM_CONSOLE_EVTCHN]) {
      const a = { domid: E.DOMID_SELF, index, value: -1 };
      assert.equal(hvmop(t, G, HVMOP_get_param, a), 0, `the guest reads ${index}`);
      assert.equal(a.value, pr[index]);
    }
    const self = { domid: E.DOMID_SELF, index: P.HVM_PARAM_MONITOR_RING_PFN, value: -1 };
    assert.equal(hvmop(t, G, HVMOP_get_param, self), -EPERM);
    assert.equal(self.value, -1, 'nothing copied back');
    const tool = { domid: G, index: P.HVM_PARAM_MONITOR_RING_PFN, value: -1 };
    assert.equal(hvmop(t, 0, HVMOP_get_param, tool), 0);
    assert.equal(tool.value, 0x123);
    for (const index of [P.HVM_PARAM_IOREQ_PFN, 3, -1, 1000]) {
      const a = { domid: G, index, value: -1 };
      assert.equal(hvmop(t, 0, HVMOP_get_param, a), -EINVAL, `index ${index}`);
      assert.equal(a.value, -1);
    }
  });

  it('the domain is looked up before the index is looked at (-ESRCH, hvm.c:88-90); XSM_TARGET lets in the domain, dom0 and its device-model domain (hvm.c:92-94); other ops are -ENOSYS (hvm.c:126-131)', () => {
    const t = arm();
    t.createDmDomain(2, G);
    t.createDmDomain(3, 2);
    assert.equal(hvmop(t, 0, HVMOP_get_param, { domid: 7, index: 1000, value: 0 }), -ESRCH);
    t.domain(G).is_dying = 2;
    assert.equal(hvmop(t, 0, HVMOP_get_param, { domid: G, index: P.HVM_PARAM_STORE_PFN, value: 0 }), -ESRCH);
    t.domain(G).is_dying = 0;
    assert.equal(hvmop(t, 3, HVMOP_get_param, { domid: G, index: 1000, value: 0 }), -EPERM, 'd3 serves d2, not d1: refused before the index');
    assert.equal(hvmop(t, 2, HVMOP_get_param, { domid: G, index: P.HVM_PARAM_STORE_PFN, value: 0 }), 0, 'd2 is d1\'s device-model domain');
    assert.equal(hvmop(t, 2, HVMOP_set_param, { domid: G, index: P.HVM_PARAM_STORE_PFN, value: 5 }), 0);
    assert.equal(t.domain(G).arch.hvm_domain.params[P.HVM_PARAM_STORE_PFN], 5);
    assert.equal(hvmop(t, 0, 2, { domid: 7, index: 0, value: 0 }), -38, 'an op past get_param: -ENOSYS, even for no domain');
  });

  it('a set is recorded as param_set with the param\'s name, by do_hvm_op', () => {
    const t = arm();
    const from = t.m.x.events.length;
    hvmop(t, 0, HVMOP_set_param, { domid: G, index: P.HVM_PARAM_STORE_EVTCHN, value: 3 });
    assert.deepEqual(t.m.x.events.slice(from).filter((e) => e.kind === 'param_set').map((e) => [e.fn, e.domid, e.detail]), [['do_hvm_op', G, { index: 2, name: 'STORE_EVTCHN' }]]);
  });

  it('stops: the op, the lookup (the domid asked for, found or not), xsm, the allow check with its rc, and what get read', () => {
    const t = arm('stepped');
    let from = t.stops.length;
    t.domain(G).arch.hvm_domain.params[P.HVM_PARAM_STORE_PFN] = 0xabc;
    hvmop(t, 0, HVMOP_get_param, { domid: G, index: P.HVM_PARAM_STORE_PFN, value: 0 });
    assert.deepEqual(t.labels('do_hvm_op', from), ['op', 'lookup', 'xsm', 'allow_get', 'got']);
    assert.deepEqual(t.pick('do_hvm_op', 'lookup', ['domid', 'found'], from), [{ domid: G, found: true }]);
    assert.deepEqual(t.pick('do_hvm_op', 'allow_get', ['rc', 'index'], from), [{ rc: 0, index: P.HVM_PARAM_STORE_PFN }]);
    assert.deepEqual(t.pick('do_hvm_op', 'got', ['value', 'name'], from), [{ value: '0xabc', name: 'STORE_PFN' }]);
    from = t.stops.length;
    hvmop(t, 0, HVMOP_set_param, { domid: G, index: P.HVM_PARAM_IOREQ_PFN, value: 1 });
    assert.deepEqual(t.labels('do_hvm_op', from), ['op', 'lookup', 'xsm', 'allow_set']);
    assert.deepEqual(t.pick('do_hvm_op', 'allow_set', ['rc', 'index'], from), [{ rc: -EINVAL, index: P.HVM_PARAM_IOREQ_PFN }]);
    from = t.stops.length;
    hvmop(t, 0, HVMOP_get_param, { domid: 7, index: 0, value: 0 });
    assert.deepEqual(t.labels('do_hvm_op', from), ['op', 'lookup']);
    assert.deepEqual(t.pick('do_hvm_op', 'lookup', ['domid', 'found'], from), [{ domid: 7, found: false }]);
    from = t.stops.length;
    hvmop(t, 0, 5, { domid: G, index: 0, value: 0 });
    assert.deepEqual(t.labels('do_hvm_op', from), ['op']);
  });
});

type ArmIoreq = {
  signExtend(sign: number, size: number, r: bigint): bigint;
  handlePio(v: Vcpu, port: number, size: number, dir: number): Co<boolean>;
  archIoreqServerMapPages(s: IoreqServer): Co<number>;
  archIoreqServerMapMemType(d: Domain, s: IoreqServer, flags: number): Co<number>;
  archIoreqServerGetTypeAddr(d: Domain, p: A.Ioreq): Co<{ ok: boolean; type: number; addr: bigint }>;
  archIoreqServerDestroyAll(d: Domain): Co<boolean>;
  archIoreqCompleteMmio(v: Vcpu): Co<boolean>;
};
/** One call of the Arm hypervisor's code as vcpu 0 of the guest, on the build t was made for. */
function call<T>(t: Rec, fn: (h: ArmIoreq) => Co<T>): T {
  return t.run('vcpu0', t.vcpu(G, 0), (i) => fn(i.hvm as unknown as ArmIoreq)).value as T;
}

describe('4.21-arm ioreq.c (mutation): handle_ioserv, try_fwd_ioserv and the arch hooks (arm ioreq.c @RELEASE-4.21.0)', () => {
  it('sign_extend (arm asm/traps.h:95-116): a signed access with its top bit set fills the bits above; unsigned, top bit clear or 64-bit, unchanged', () => {
    const t = arm();
    const h = t.m.flat.x421!.hvm as unknown as ArmIoreq;
    assert.equal(h.signExtend(1, 0, 0x80n), 0xffffffffffffff80n);
    assert.equal(h.signExtend(1, 1, 0x8000n), 0xffffffffffff8000n);
    assert.equal(h.signExtend(1, 2, 0x80000000n), 0xffffffff80000000n);
    assert.equal(h.signExtend(1, 2, 0x7fffffffn), 0x7fffffffn);
    assert.equal(h.signExtend(0, 2, 0x80000000n), 0x80000000n);
    assert.equal(h.signExtend(1, 3, 0x8000000000000000n), 0x8000000000000000n);
    assert.equal(h.signExtend(1, 1, 0x7f80n), 0x7f80n, 'bit 15 clear: bit 7 does not count for a halfword');
  });

  it('handle_ioserv (arm ioreq.c:16-42): a read is masked to the access size (the DM may set more bits) then sign-extended; a 64-bit read keeps all 64', () => {
    const t = arm();
    const v = t.vcpu(G, 0);
    const read = (info: Dabt, data: bigint) => {
      assert.equal(t.armMmio(G, 0, info).value, IO_RETRY);
      t.serve('v', 0, { data });
      t.resume(G, 0);
      return v.rax;
    };
    assert.equal(read(rd(VIRTIO, 1), 0x12345678n), 0x5678n, 'halfword');
    assert.equal(read(rd(VIRTIO, 1, 1), 0x1234f678n), 0xfffffffffffff678n, 'signed halfword');
    assert.equal(read(rd(VIRTIO, 2, 1), 0x1234567n), 0x1234567n, 'signed word, top bit clear');
    assert.equal(read(rd(VIRTIO, 3), 0xfedcba9876543210n), 0xfedcba9876543210n, 'doubleword');
    assert.equal(read(rd(VIRTIO, 3, 1), 0x8000000000000001n), 0x8000000000000001n, 'signed doubleword');
    assert.equal(v.io_done, 5);
    assert.equal(v.io.req.state, A.STATE_IOREQ_NONE);
  });

  it('a write\'s completion leaves the register as the guest had it (handle_ioserv returns at dabt.write, arm ioreq.c:28-29)', () => {
    const t = arm();
    const v = t.vcpu(G, 0);
    assert.equal(t.armMmio(G, 0, wr(VIRTIO, 3), 0x1122334455667788n).value, IO_RETRY);
    const s = t.domain(G).x421.server[0]!;
    assert.equal(A.readIoreq(s.ioreq.va!, 0).data, 0x1122334455667788n, 'a 64-bit write carries all 64 bits');
    t.serve('v', 0, { data: 0x99n });
    assert.equal(t.resume(G, 0).value, RESUMED);
    assert.equal(v.rax, 0x1122334455667788n);
    assert.equal(v.io_done, 1);
  });

  it('try_fwd_ioserv (arm ioreq.c:44-113): a read sends data 0 whatever the register holds, COPY, count 1, df 0, the access\'s size; a cache op asks for a whole line (64 bytes) when selecting', () => {
    const t = arm();
    const v = t.vcpu(G, 0);
    v.rax = 0xdeadn;
    assert.equal(t.armMmio(G, 0, rd(VIRTIO + 8n, 1)).value, IO_RETRY);
    const s = t.domain(G).x421.server[0]!;
    const p = A.readIoreq(s.ioreq.va!, 0);
    assert.deepEqual([p.type, p.addr, p.size, p.count, p.dir, p.df, p.data, p.state], [A.IOREQ_TYPE_COPY, VIRTIO + 8n, 2, 1, A.IOREQ_READ, 0, 0n, A.STATE_IOREQ_READY]);
    assert.equal(v.io.completion, X.VIO_mmio_completion);
    t.serve('v', 0);
    t.resume(G, 0);
    // The window ends at +0x1ff: a line at +0x1c0 is inside, one starting at +0x1c1 runs past it and is no one's.
    const done = v.io_done;
    assert.equal(t.armMmio(G, 0, { ...wr(VIRTIO + 0x1c0n), cache: true }).value, IO_HANDLED);
    assert.equal(v.io_done, done + 1, 'the server\'s: handle_ioserv ran');
    assert.equal(t.armMmio(G, 0, { ...wr(VIRTIO + 0x1c1n), cache: true }).value, IO_HANDLED);
    assert.equal(v.io_done, done + 1, 'no one\'s: the unmapped path ignores it');
  });

  it('"wrong state" is logged at XENLOG_ERR with the state, and the in-flight request is left alone', () => {
    const t = arm();
    const v = t.vcpu(G, 0);
    t.armMmio(G, 0, rd(VIRTIO));
    const before = { ...v.io.req };
    assert.equal(t.armMmio(G, 0, wr(VIRTIO + 4n), 5n).value, 0, 'IO_ABORT');
    const l = t.m.x.console.find((c) => c.text === 'wrong state 1')!;
    assert.equal(l.level, 'XENLOG_ERR');
    assert.deepEqual(v.io.req, before);
  });

  it('stops of try_fwd_ioserv and handle_ioserv show the vcpu\'s request state, the direction and the value set', () => {
    const t = arm('stepped');
    const from = t.stops.length;
    t.armMmio(G, 0, rd(VIRTIO, 0, 1));
    assert.deepEqual(t.labels('try_fwd_ioserv', from), ['state', 'select', 'send', 'rc']);
    assert.deepEqual(t.pick('try_fwd_ioserv', 'state', ['state'], from), [{ state: A.STATE_IOREQ_NONE }]);
    t.serve('v', 0, { data: 0xf0n });
    const r = t.stops.length;
    t.resume(G, 0);
    assert.deepEqual(t.labels('arch_ioreq_complete_mmio', r), ['state']);
    assert.deepEqual(t.pick('arch_ioreq_complete_mmio', 'state', ['state'], r), [{ state: A.STATE_IORESP_READY }]);
    assert.deepEqual(t.labels('handle_ioserv', r), ['write', 'set_reg']);
    assert.deepEqual(t.pick('handle_ioserv', 'write', ['write'], r), [{ write: 0 }]);
    assert.deepEqual(t.pick('handle_ioserv', 'set_reg', ['r'], r), [{ r: 0xfffffffffffffff0n }]);
    const w = t.stops.length;
    t.armMmio(G, 0, wr(VIRTIO), 1n);
    t.serve('v', 0);
    t.resume(G, 0);
    assert.deepEqual(t.labels('handle_ioserv', w), ['write']);
    assert.deepEqual(t.pick('handle_ioserv', 'write', ['write'], w), [{ write: 1 }]);
  });

  it('the legacy page and mem-type hooks are -EOPNOTSUPP (arm ioreq.c:146-172); destroy_all is always allowed (arm ioreq.c:180-183)', () => {
    for (const build of ['flat', 'stepped'] as Build[]) {
      const t = arm(build);
      const s = t.domain(G).x421.server[0]!;
      assert.equal(call(t, (h) => h.archIoreqServerMapPages(s)), -EOPNOTSUPP);
      assert.equal(call(t, (h) => h.archIoreqServerMapMemType(t.domain(G), s, 0)), -EOPNOTSUPP);
      assert.equal(call(t, (h) => h.archIoreqServerDestroyAll(t.domain(G))), true);
      if (build === 'stepped') {
        assert.deepEqual(t.labels('arch_ioreq_server_map_pages'), ['unsupported']);
        assert.deepEqual(t.labels('arch_ioreq_server_map_mem_type'), ['unsupported']);
        assert.deepEqual(t.labels('arch_ioreq_server_destroy_all'), ['yes']);
      }
    }
  });

  it('arch_ioreq_server_get_type_addr (arm ioreq.c:185-198): COPY is a memory range, PIO a port range, the address as is; anything else (PCI config: no CF8 on Arm) is not routed', () => {
    const t = arm('stepped');
    const d = t.domain(G);
    const req = (type: number): A.Ioreq => ({ ...A.emptyIoreq(), type, addr: 0x1234n, size: 4, count: 1 });
    assert.deepEqual(call(t, (h) => h.archIoreqServerGetTypeAddr(d, req(A.IOREQ_TYPE_COPY))), { ok: true, type: I.XEN_DMOP_IO_RANGE_MEMORY, addr: 0x1234n });
    assert.deepEqual(call(t, (h) => h.archIoreqServerGetTypeAddr(d, req(A.IOREQ_TYPE_PIO))), { ok: true, type: I.XEN_DMOP_IO_RANGE_PORT, addr: 0x1234n });
    for (const type of [A.IOREQ_TYPE_PCI_CONFIG, A.IOREQ_TYPE_TIMEOFFSET, A.IOREQ_TYPE_INVALIDATE]) {
      assert.equal(call(t, (h) => h.archIoreqServerGetTypeAddr(d, req(type))).ok, false, `type ${type}`);
    }
    assert.deepEqual(t.pick('arch_ioreq_server_get_type_addr', 'type', ['type']).map((x) => x.type), [A.IOREQ_TYPE_COPY, A.IOREQ_TYPE_PIO, A.IOREQ_TYPE_PCI_CONFIG, A.IOREQ_TYPE_TIMEOFFSET, A.IOREQ_TYPE_INVALIDATE]);
  });

  it('a port-I/O completion on Arm is ASSERT_UNREACHABLE (handle_pio, arm asm/ioreq.h): the model stops the host with the vcpu named', () => {
    const t = arm('stepped');
    const r = t.run('vcpu0', t.vcpu(G, 0), (i) => (i.hvm as unknown as ArmIoreq).handlePio(t.vcpu(G, 0), 0x3f8, 1, A.IOREQ_READ));
    assert.equal(r.panic, 'ASSERT_UNREACHABLE: port completion on Arm (d1v0)');
    assert.deepEqual(t.pick('handle_pio', 'unreachable', ['port']), [{ port: 0x3f8 }]);
  });
});

/** A toolstack call on the stepped build, its stops recorded in t.stops. */
function tool<T>(t: Rec, fn: (s: SteppedImpl) => Co<T>): T {
  const g = t.m.steppedRun('toolstack', null, fn);
  for (;;) {
    const r = g.next();
    if (r.done) return r.value.value as T;
    const top = t.m.frames.at(-1);
    if (top) t.stops.push({ fn: top.fn, at: top.at, locals: { ...top.locals } });
  }
}
type ArmHooks = { hvmDomainInitialise(d: Domain): Co<number> };

describe('4.21-arm (mutation): the domain and vcpu hooks (arch/arm/domain.c, common/ioreq.c @RELEASE-4.21.0)', () => {
  it('arch_domain_create -> ioreq_domain_init: nothing to set up, 0 (common/ioreq.c:1332-1337)', () => {
    const t = arm('stepped');
    const d = t.domain(G);
    assert.strictEqual(t.run('toolstack', null, (i) => (i.hvm as unknown as ArmHooks).hvmDomainInitialise(d)).value, 0);
    assert.deepEqual(t.labels('hvm_domain_initialise'), ['ioreq_domain_init']);
  });

  it('a vcpu brought up after the server exists joins it (arch_vcpu_create -> ioreq_server_add_vcpu_all): a port of its own, written into its slot', () => {
    const t = arm('stepped');
    const d = t.domain(G);
    const s = d.x421.server[0]!;
    assert.equal(tool(t, (x) => x.libxc.allocVcpu(d, 1)), 0);
    const v1 = d.vcpu[1];
    const sv = s.ioreq_vcpu_list.find((e) => e.vcpu === v1);
    assert.ok(sv, 'vcpu 1 is on the server\'s list');
    assert.equal(A.readIoreq(s.ioreq.va!, A.ioreqOffset(1)).vp_eport, sv.ioreq_evtchn);
    assert.deepEqual(t.labels('hvm_vcpu_initialise'), ['add_vcpu_all']);
  });

  it('domain_kill: relinquish destroys every server (ioreq_server_destroy_all), then each vcpu is taken off the servers (ioreq_server_remove_vcpu_all)', () => {
    const t = arm('stepped', 2);
    const d = t.domain(G);
    tool(t, (x) => x.libxc.domainKill(d));
    assert.equal(d.x421.server[0], null);
    assert.deepEqual(t.labels('hvm_domain_relinquish_resources'), ['destroy_all']);
    assert.deepEqual(t.labels('hvm_vcpu_destroy'), ['remove_vcpu_all', 'remove_vcpu_all']);
  });
});

describe('4.21-arm traps.c (mutation): check_for_vcpu_work (traps.c:2247-2280 @RELEASE-4.21.0)', () => {
  it('without an ioreq server the I/O completion is not run at all: a pending map-cache flush stays for later (traps.c:2262)', () => {
    const t = Rec.make('4.21-arm', 'stepped', 1, G);
    const v = t.vcpu(G, 0);
    v.mapcache_invalidate = true;
    assert.equal(t.resume(G, 0).value, RESUMED);
    assert.equal(v.mapcache_invalidate, true);
    assert.deepEqual(t.labels('check_for_vcpu_work'), ['has_server']);
    assert.deepEqual(t.labels('hvm_do_resume'), ['leave_hypervisor']);
    assert.deepEqual(t.labels('vcpu_ioreq_handle_completion'), []);
  });

  it('with a server: not handled yet is the vcpu descheduled; handled it resumes; the stop shows the completion\'s result', () => {
    const t = arm('stepped');
    t.armMmio(G, 0, rd(VIRTIO));
    let from = t.stops.length;
    assert.equal(t.resume(G, 0).value, DESCHEDULED);
    assert.deepEqual(t.labels('check_for_vcpu_work', from), ['has_server', 'handled']);
    assert.deepEqual(t.pick('check_for_vcpu_work', 'handled', ['r'], from), [{ r: I.WAIT_DESCHEDULED }]);
    t.serve('v', 0, { data: 4n });
    from = t.stops.length;
    assert.equal(t.resume(G, 0).value, RESUMED);
    assert.deepEqual(t.pick('check_for_vcpu_work', 'handled', ['r'], from), [{ r: I.WAIT_DONE }]);
  });

  it('a step that reads the slot a set number of times stops inside wait_for_io (IN_WAIT) after exactly that many reads', () => {
    for (const reads of [1, 2]) {
      const t = arm();
      t.armMmio(G, 0, rd(VIRTIO));
      const w = t.vcpu(G, 0);
      const r = t.run('vcpu0', w, (i) => (i.hvm as unknown as { hvmDoResume(v: Vcpu, n: number): Co<number> }).hvmDoResume(w, reads));
      assert.equal(r.value, IN_WAIT, `reads ${reads}`);
      assert.equal(w.io.wait_at, reads === 1 ? I.WAIT_AT_LOOP : I.WAIT_AT_BLOCK, 'paused after the initial read, or after the wait condition\'s');
    }
  });
});

describe('4.21-arm dm.c (mutation): dm_op (arm dm.c:14-140 @RELEASE-4.21.0)', () => {
  const nr = (): I.XenDmOp => ({ op: XEN_DMOP_nr_vcpus, u: {} });
  it('rcu_lock_remote_domain_by_id (dm.c:33-35): no domain -ESRCH, oneself -EPERM; XSM_DM_PRIV (dm.c:37-39): dom0 and the target\'s device-model domain only', () => {
    const t = arm('flat', 2);
    t.createDmDomain(2, G);
    t.createDmDomain(3, 2);
    assert.equal(dmop(t, 0, 7, nr()), -ESRCH);
    assert.equal(dmop(t, G, G, nr()), -EPERM);
    assert.equal(dmop(t, 3, G, nr()), -EPERM);
    const op = nr();
    assert.equal(dmop(t, 2, G, op), 0);
    assert.equal(op.u.id, 2, 'nr_vcpus answers the vcpu count (dm.c:110-118)');
  });

  it('an op past the table (nr_vcpus is the last, 20) is -EOPNOTSUPP (dm.c:50-54), before the pad is looked at; a non-zero pad is -EINVAL (dm.c:64-66); set_irq_level is left out loudly', () => {
    const t = arm('flat', 2);
    const from = t.m.x.events.length;
    for (const o of [21, -1, 1.5]) assert.equal(dmop(t, 0, G, { op: o, pad: 1, u: {} }), -EOPNOTSUPP, `${o}`);
    assert.deepEqual(t.m.x.events.slice(from).filter((e) => e.kind === 'dm_op'), [], 'stopped at the check');
    const op = { ...nr(), pad: 1 };
    assert.equal(dmop(t, 0, G, op), -EINVAL);
    assert.equal(op.u.id, undefined, 'nothing done');
    assert.throws(() => dmop(t, 0, G, { op: 8, u: {} }), /DMOP 8 \(set_irq_level\) is not modelled/);
    const f0 = t.m.x.events.length;
    assert.equal(dmop(t, 0, G, { op: 0, u: {} }), -EOPNOTSUPP, 'op 0 is in the table: ioreq_server_dm_op refuses it');
    assert.deepEqual(t.m.x.events.slice(f0).filter((e) => e.kind === 'dm_op').map((e) => e.detail), [{ op: 0, rc: -EOPNOTSUPP, by: 0 }], 'handed on, not stopped at the table check');
    assert.equal(dmop(t, 0, G, { op: I.XEN_DMOP_map_mem_type_to_ioreq_server, u: { id: 0, type: I.HVMMEM_ioreq_server, flags: 0 } }), -EOPNOTSUPP, 'no mem types on Arm');
  });

  it('every dm_op that reaches an op is recorded with its op, rc and caller; none with events off', () => {
    const t = arm('flat', 2);
    const from = t.m.x.events.length;
    dmop(t, 0, G, nr());
    dmop(t, 0, G, { op: I.XEN_DMOP_set_ioreq_server_state, u: { id: 5, enabled: 1 } });
    assert.deepEqual(t.m.x.events.slice(from).filter((e) => e.kind === 'dm_op').map(({ seq: _s, actor: _a, ...e }) => e), [
      { kind: 'dm_op', fn: 'dm_op', domid: G, detail: { op: XEN_DMOP_nr_vcpus, rc: 0, by: 0 }, text: 'd0 dm_op 20 on d1: rc 0' },
      { kind: 'dm_op', fn: 'dm_op', domid: G, detail: { op: I.XEN_DMOP_set_ioreq_server_state, rc: -ENOENT, by: 0 }, text: `d0 dm_op 5 on d1: rc ${-ENOENT}` },
    ]);
    t.m.x.on = false;
    const n = t.m.x.events.length;
    dmop(t, 0, G, nr());
    assert.equal(t.m.x.events.length, n);
  });

  it('stops: the lookup (the domain or the error), xsm\'s rc, the op check, and the hand-off to the common code for a server op', () => {
    const t = arm('stepped', 2);
    t.createDmDomain(3, 7);
    let from = t.stops.length;
    dmop(t, 0, 7, nr());
    assert.deepEqual(t.labels('dm_op', from), ['lock']);
    assert.deepEqual(t.pick('dm_op', 'lock', ['domid', 'd'], from), [{ domid: 7, d: -ESRCH }]);
    from = t.stops.length;
    dmop(t, 3, G, nr());
    assert.deepEqual(t.labels('dm_op', from), ['lock', 'xsm']);
    assert.deepEqual(t.pick('dm_op', 'xsm', ['rc'], from), [{ rc: -EPERM }]);
    from = t.stops.length;
    dmop(t, 0, G, nr());
    assert.deepEqual(t.labels('dm_op', from), ['lock', 'xsm', 'op']);
    assert.deepEqual(t.pick('dm_op', 'lock', ['d'], from, (x) => (x as Domain).domain_id), [{ d: G }], 'the local d: the domain found');
    assert.deepEqual(t.pick('dm_op', 'xsm', ['rc'], from), [{ rc: 0 }]);
    from = t.stops.length;
    dmop(t, 0, G, { op: I.XEN_DMOP_destroy_ioreq_server, u: { id: 3 } });
    assert.deepEqual(t.labels('dm_op', from), ['lock', 'xsm', 'op', 'common']);
  });
});

describe('4.21-arm ioreq.c (mutation): what try_fwd_ioserv does with ioreq_send\'s answer (arm ioreq.c:99-110 @RELEASE-4.21.0)', () => {
  it('handle_ioserv masks what the device model left above the access size: "not meant to touch" those bits, but not trusted (arm ioreq.c:31-36)', () => {
    const t = arm();
    const v = t.vcpu(G, 0);
    const pg = t.dm('v').shared_page!;
    for (const [size, sign, data, want] of [[1, 0, 0x12345678n, 0x5678n], [0, 1, 0xff80n, 0xffffffffffffff80n], [2, 0, 0xaabbccdd11223344n, 0x11223344n], [3, 0, 0xaabbccdd11223344n, 0xaabbccdd11223344n]] as const) {
      assert.equal(t.armMmio(G, 0, rd(VIRTIO, size, sign)).value, IO_RETRY);
      t.serve('v', 0);
      pg.setBigUint64(A.ioreqOffset(0) + A.OFF_DATA, data, true);
      assert.equal(t.resume(G, 0).value, RESUMED);
      assert.equal(v.rax, want, `size ${size}`);
    }
  });

  it('a write carries only the access\'s bits to the device model (arm ioreq.c:90-96): a byte, a halfword and a word of a wider register', () => {
    const t = arm();
    const s = t.domain(G).x421.server[0]!;
    for (const [size, want] of [[0, 0x88n], [1, 0x7788n], [2, 0x55667788n]] as const) {
      assert.equal(t.armMmio(G, 0, wr(VIRTIO, size), 0x1122334455667788n).value, IO_RETRY);
      assert.equal(A.readIoreq(s.ioreq.va!, 0).data, want, `size ${size}`);
      t.serve('v', 0);
      t.resume(G, 0);
    }
  });

  it('ioreq_send refusing (the device model left the slot INPROCESS: "device model set bad IO state"): the vcpu\'s request goes back to NONE and the access falls to the unmapped handler', () => {
    const t = arm();
    const v = t.vcpu(G, 0);
    A.setState(t.dm('v').shared_page!, 0, A.STATE_IOREQ_INPROCESS);
    assert.equal(t.armMmio(G, 0, rd(VIRTIO)).value, IO_HANDLED);
    assert.ok(t.m.x.console.some((l) => l.text === `device model set bad IO state ${A.STATE_IOREQ_INPROCESS}`));
    assert.equal(v.io.req.state, A.STATE_IOREQ_NONE);
    assert.equal(v.rax, 0xffffffffn, 'all-ones');
    assert.equal(v.io_dropped, 1);
    A.setState(t.dm('v').shared_page!, 0, A.STATE_IOREQ_NONE);
    assert.equal(t.armMmio(G, 0, rd(VIRTIO)).value, IO_RETRY, 'the next access is sent: no "wrong state"');
  });

  it('the domain shutting down as the request would go (vio->suspended): IO_RETRY, but the vcpu\'s request is NONE and nothing was sent (arm ioreq.c:101-102)', () => {
    const t = arm();
    const v = t.vcpu(G, 0);
    const d = t.domain(G);
    d.is_shutting_down = true;
    assert.equal(t.armMmio(G, 0, rd(VIRTIO)).value, IO_RETRY);
    assert.equal(v.io.suspended, true);
    assert.equal(v.io.req.state, A.STATE_IOREQ_NONE);
    assert.equal(A.getState(t.dm('v').shared_page!, 0), A.STATE_IOREQ_NONE);
    assert.notEqual(v.io.completion, X.VIO_mmio_completion);
  });

  it('a completed read with a map-cache flush pending: arch_ioreq_complete_mmio succeeds, so the flush is signalled at once (common ioreq.c:250-255)', () => {
    const t = arm();
    const v = t.vcpu(G, 0);
    t.armMmio(G, 0, rd(VIRTIO));
    t.serve('v', 0, { data: 0x42n });
    v.mapcache_invalidate = true;
    t.resume(G, 0);
    assert.equal(v.rax, 0x42n);
    assert.equal(v.mapcache_invalidate, false);
    const p = A.readIoreq(t.dm('v').shared_page!, 0);
    assert.deepEqual([p.type, p.state], [A.IOREQ_TYPE_INVALIDATE, A.STATE_IOREQ_READY]);
  });

  it('"wrong state" is logged as try_fwd_ioserv\'s; the unreachable port completion panics as handle_pio', () => {
    const t = arm();
    t.armMmio(G, 0, rd(VIRTIO));
    t.armMmio(G, 0, rd(VIRTIO));
    assert.equal(t.m.x.console.find((l) => l.text === 'wrong state 1')!.fn, 'try_fwd_ioserv');
    t.run('vcpu0', t.vcpu(G, 0), (i) => (i.hvm as unknown as ArmIoreq).handlePio(t.vcpu(G, 0), 0x60, 1, A.IOREQ_WRITE));
    assert.equal(t.m.x.panic!.fn, 'handle_pio');
  });

  it('stops: the legacy-page hooks Arm leaves empty run at enable, disable and destroy (arm ioreq.c:151-165)', () => {
    const t = arm('stepped');
    assert.deepEqual(t.labels('arch_ioreq_server_enable'), ['nothing']);
    t.setState('v', false);
    assert.deepEqual(t.labels('arch_ioreq_server_disable'), ['nothing']);
    t.destroy('v');
    assert.deepEqual(t.labels('arch_ioreq_server_destroy'), ['nothing']);
    assert.deepEqual(t.labels('arch_ioreq_server_unmap_pages'), ['nothing']);
  });
});

describe('4.21-arm ioreq.c (mutation): arch_ioreq_complete_mmio (arm ioreq.c:115-136 @RELEASE-4.21.0)', () => {
  it('called without a response ready (ASSERT_UNREACHABLE; a release build goes on): false, and neither the register nor the request touched', () => {
    for (const state of [A.STATE_IOREQ_NONE, A.STATE_IOREQ_READY, A.STATE_IOREQ_INPROCESS]) {
      const t = arm();
      const v = t.vcpu(G, 0);
      v.rax = 0x77n;
      v.io.req = { ...A.emptyIoreq(), type: A.IOREQ_TYPE_COPY, dir: A.IOREQ_READ, size: 4, data: 0x1234n, state };
      assert.equal(call(t, (h) => h.archIoreqCompleteMmio(v)), false, `state ${state}`);
      assert.equal(v.rax, 0x77n);
      assert.equal(v.io.req.state, state);
      assert.equal(v.io_done, 0);
    }
  });
});
