// Three fixes of the bug zoo, each run with the fix in place and undone (x.reverts): b7007bc6f9 (the buffered
// ring's pointers canonicalised, 4.21), 125833f5f1 (the ioreq port taken from Xen's own record, 4.5) and
// f7039ee41b (a vcpu's request settled after the wait whatever became of its server, 4.21).
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import { Driver421 } from '../../src/model/driver421';
import { EINVAL } from '../../src/model/errno';
import { Model } from '../../src/model/model';
import * as P from '../../src/model/params';
import type { Hvm45 } from '../../src/model/xen/4.5/hvm.flat';
import * as H from '../../src/model/xen/4.5/hvm';
import * as I from '../../src/model/xen/4.21/common/ioreq';
import { RESUMED } from '../../src/model/xen/common/outcome';

const G = 1;

function x86(revert: string[]): Driver421 {
  const t = Driver421.boot('4.21');
  t.m.x.reverts = new Set(revert);
  assert.equal(t.createGuest(G, 1), 0);
  return t;
}

describe('zoo b7007bc6f9: the buffered pointers near 2^32 (4.21 ioreq_send_buffered, ioreq_server_create)', () => {
  const near = 2 ** 32 - 16;
  function ring(revert: string[]) {
    const t = x86(revert);
    t.addDm('q', 'qemu', 0, G);
    t.dm('q').want_ranges = [[I.XEN_DMOP_IO_RANGE_MEMORY, 0xa0000n, 0xbffffn]];
    assert.equal(t.dmInit('q', I.HVM_IOREQSRV_BUFIOREQ_ATOMIC).value, 0, t.dm('q').last_error ?? '');
    t.mapRanges('q');
    const pg = t.dm('q').buffered_io_page!;
    pg.setUint32(A.BUF_OFF_READ_POINTER, near, true);
    pg.setUint32(A.BUF_OFF_WRITE_POINTER, near, true);
    return { t, pg };
  }
  const wr = (k: number): A.Ioreq => ({ ...A.emptyIoreq(), type: A.IOREQ_TYPE_COPY, addr: 0xa0000n + BigInt(8 * k), size: 8, count: 1, dir: A.IOREQ_WRITE, data: (BigInt(k + 1) << 32n) | BigInt(k + 1) });
  const written = (t: Driver421, k: number) => t.dm('q').devices.get(0x10000 + 0xa0000 + 8 * k);

  it('fixed: ATOMIC is kept, the first write pulls both pointers below 511, and 17 eight-byte writes all reach QEMU', () => {
    const { t, pg } = ring([]);
    assert.equal(t.domain(G).x421.server[0]!.bufioreq_handling, I.HVM_IOREQSRV_BUFIOREQ_ATOMIC);
    for (let k = 0; k < 17; k++) assert.equal(t.sendBuffered(G, 0, 0, wr(k)).value, 0);
    assert.equal(pg.getUint32(A.BUF_OFF_READ_POINTER, true), near % 511);
    assert.equal(pg.getUint32(A.BUF_OFF_WRITE_POINTER, true), near % 511 + 34);
    assert.equal(t.drainBuffered('q').value, 17);
    for (let k = 0; k < 17; k++) assert.equal(written(t, k), wr(k).data, `write ${k}`);
  });

  it('reverted: ATOMIC is taken as LEGACY, the write pointer wraps, and the 17th write lands on the first one QEMU had not read', () => {
    const { t, pg } = ring(['b7007bc6f9']);
    assert.equal(t.domain(G).x421.server[0]!.bufioreq_handling, I.HVM_IOREQSRV_BUFIOREQ_LEGACY);
    for (let k = 0; k < 17; k++) assert.equal(t.sendBuffered(G, 0, 0, wr(k)).value, 0);
    assert.equal(pg.getUint32(A.BUF_OFF_READ_POINTER, true), near, 'never pulled back');
    assert.equal(pg.getUint32(A.BUF_OFF_WRITE_POINTER, true), (near + 34) % 2 ** 32, 'wrapped past 2^32');
    // The window still counts 34 entries, so QEMU reads 17; but pointer 2^32 + 16 (stored as 16) is slot 16, the first write's.
    assert.equal(t.drainBuffered('q').value, 17);
    assert.equal(written(t, 0), undefined, 'the first write never reaches the device');
    assert.equal(written(t, 16), wr(16).data);
  });

  it('the bound on handle_bufioreq came with the fix: 3 is -EINVAL fixed, plain buffering reverted', () => {
    const fixed = x86([]);
    fixed.addDm('q', 'qemu', 0, G);
    assert.equal(fixed.create('q', 3).value, -EINVAL);
    const unfixed = x86(['b7007bc6f9']);
    unfixed.addDm('q', 'qemu', 0, G);
    assert.equal(unfixed.create('q', 3).value, 0);
    assert.equal(unfixed.domain(G).x421.server[0]!.bufioreq_handling, I.HVM_IOREQSRV_BUFIOREQ_LEGACY);
  });
});

describe('zoo 125833f5f1: the port Xen notifies for a request (4.5 hvm_send_assist_req_to_ioreq_server)', () => {
  /** A 4.5 guest with a default server (made by reading IOREQ_PFN); vcpu 0's vp_eport overwritten with `port`. */
  function guest(revert: string[], port: (m: Model) => number) {
    const m = new Model('4.5').boot();
    m.x.reverts = new Set(revert);
    m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(1, 1, true));
    const d = m.x.domains.get(1)!;
    m.flatRun('toolstack', null, (f) => f.libxc.setupGuest(d, 0x8000, 0, 0));
    m.flatRun('toolstack', null, (f) => f.libxc.domainUnpauseByController(d));
    const h = m.flat.hvm as Hvm45;
    m.flatRun('dm0', null, () => h.doHvmOp(m.x.domains.get(0)!, H.HVMOP_get_param, { domid: 1, index: P.HVM_PARAM_IOREQ_PFN, value: 0 }));
    const s = d.hvm45.default_ioreq_server!;
    const v = d.vcpu[0];
    const own = s.ioreq_vcpu_list.find((sv) => sv.vcpu === v)!.ioreq_evtchn;
    assert.equal(h.ioreqOf(s, v).vp_eport, own);
    h.ioreqOf(s, v).vp_eport = port(m);
    return { m, h, d, v, s, own };
  }
  const pio = (g: ReturnType<typeof guest>) => g.m.flatRun('vcpu0', g.v, () => g.h.handlePio(g.v, 0x10, 1, A.IOREQ_WRITE, 1n));

  it('fixed: a vp_eport that is not the vcpu\'s port crashes the domain, and nothing is notified', () => {
    const g = guest([], () => 1023);
    const r = pio(g);
    assert.equal(r.panic, undefined);
    assert.equal(g.d.crashed?.reason, 'Device model set bad event channel 1023');
    assert.equal(g.h.ioreqOf(g.s, g.v).state, A.STATE_IOREQ_NONE, 'the request was not made');
  });

  it('reverted: a port the guest does not have reaches notify_via_xen_event_channel, whose ASSERT fails (a host panic)', () => {
    const g = guest(['125833f5f1'], () => 1023);
    const r = pio(g);
    assert.match(r.panic ?? '', /port_is_valid\(d1, 1023\)/);
    assert.equal(g.d.crashed, null);
  });

  it('reverted: an existing port of another consumer (the buffered one) is notified instead of the vcpu\'s own', () => {
    const g = guest(['125833f5f1'], (m) => m.x.domains.get(1)!.hvm45.default_ioreq_server!.bufioreq_evtchn);
    const buf = g.s.bufioreq_evtchn;
    assert.notEqual(buf, g.own);
    const before = g.m.x.events.length;
    pio(g);
    const notified = g.m.x.events.slice(before).filter((e) => e.kind === 'evtchn_notify').map((e) => (e.detail as { port: number }).port);
    assert.deepEqual(notified, [buf]);
    assert.equal(g.h.ioreqOf(g.s, g.v).state, A.STATE_IOREQ_READY);
    assert.equal(g.d.crashed, null);
  });
});

describe('zoo f7039ee41b: the vcpu\'s request after its server is destroyed (4.21 vcpu_ioreq_handle_completion)', () => {
  /** QEMU answers the vcpu's port write, then its server is destroyed before the vcpu runs. */
  function raced(revert: string[]) {
    const t = x86(revert);
    const dm = t.addDm('qemu', 'qemu', 0, G);
    dm.want_ranges = [[I.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3ffn]];
    assert.equal(t.dmInit('qemu').value, 0, dm.last_error ?? '');
    assert.equal(t.mapRanges('qemu').value, 0);
    assert.equal(t.pio(G, 0, 0x3f8, 1, A.IOREQ_WRITE, 0x41n).value, true);
    assert.equal(t.serve('qemu', 0).value, 1);
    assert.equal(t.vcpu(G, 0).pause_flags.blocked_in_xen, false, 'woken by the answer');
    assert.equal(t.destroy('qemu').value, 0);
    assert.equal(t.resume(G, 0).value, RESUMED);
    return t;
  }

  it('fixed: the request is settled (NONE) and the shutdown deferral ended; the next access goes to the null handler', () => {
    const t = raced([]);
    const v = t.vcpu(G, 0);
    assert.equal(v.io.req.state, A.STATE_IOREQ_NONE);
    assert.equal(v.defer_shutdown, false);
    assert.equal(t.pio(G, 0, 0x80, 1, A.IOREQ_WRITE, 1n).value, true);
    assert.equal(v.io_stale, 0);
    assert.equal(t.domain(G).crashed, null);
  });

  it('reverted: the request stays READY and the deferral on; the next access is refused and handle_pio crashes the domain', () => {
    const t = raced(['f7039ee41b']);
    const v = t.vcpu(G, 0);
    assert.equal(v.io.req.state, A.STATE_IOREQ_READY);
    assert.equal(v.defer_shutdown, true);
    assert.equal(t.pio(G, 0, 0x80, 1, A.IOREQ_WRITE, 1n).value, false);
    assert.equal(v.io_stale, 1);
    assert.equal(t.domain(G).crashed?.reason, 'Unexpected PIO status 1');
  });

  it('reverted, with the server still there: the wait settles the request as before (only the race differs)', () => {
    const t = x86(['f7039ee41b']);
    const dm = t.addDm('qemu', 'qemu', 0, G);
    dm.want_ranges = [[I.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3ffn]];
    t.dmInit('qemu'); t.mapRanges('qemu');
    t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
    t.serve('qemu', 0, { data: 0x5an });
    assert.equal(t.resume(G, 0).value, RESUMED);
    const v = t.vcpu(G, 0);
    assert.equal(v.rax & 0xffn, 0x5an);
    assert.equal(v.io.req.state, A.STATE_IOREQ_NONE);
    assert.equal(v.defer_shutdown, false);
  });
});
