// Mutation tests of the Arm side of today's ioreq path (issue #16): src/model/xen/4.21/arch/arm/io.ts (try_handle_mmio,
// xen/arch/arm/io.c), ioreq.ts (xen/arch/arm/ioreq.c) and hvm.ts (xen/arch/arm/dm.c, hvm.c, traps.c), all at
// RELEASE-4.21.0. `io.c:N`, `arm ioreq.c:N` below are those files at that tag.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import type { Build } from '../../src/model/driver421';
import { Rec421 } from './rec421';
import type { Dabt } from '../../src/model/xen/4.21/arch/arm/ioreq';
import { IO_HANDLED, IO_RETRY, IO_UNHANDLED } from '../../src/model/xen/4.21/arch/arm/ioreq';

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
