// Mutation tests of today's device models as the model runs them (issue #16): varstored (src/model/dm/varstored.ts,
// xapi-project/varstored@53277ff varstored.c:393-445) and the Arm virtio-mmio backend (src/model/dm/virtio-mmio.ts),
// both over the libxendevicemodel / libxenforeignmemory / libxenevtchn calls of xen.git tools/libs @RELEASE-4.21.0
// (src/model/dm/tools421.ts). Each start-up step that fails ends the start-up with that step's error, as
// varstored_initialize's `goto err` does.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import type { Build } from '../../src/model/driver421';
import { EINVAL, ENOMEM, ESRCH } from '../../src/model/errno';
import type { OpResult } from '../../src/model/model';
import type { Co } from '../../src/model/step';
import type { Vcpu } from '../../src/model/xen';
import { VARSTORED_IO_PORT } from '../../src/model/dm/varstored';
import { VIRTIO_MMIO_BASE, VIRTIO_MMIO_SIZE } from '../../src/model/dm/virtio-mmio';
import * as I from '../../src/model/xen/4.21/common/ioreq';
import { IO_HANDLED, IO_RETRY } from '../../src/model/xen/4.21/arch/arm/ioreq';
import { Rec421 } from './rec421';

const G = 1;

/** Rec421 with a hook run at each stop of the stepped build (another CPU acting between two statements). */
class Rec extends Rec421 {
  onStop: ((fn: string, at: string) => void) | null = null;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override run<T>(actor: string, v: Vcpu | null, fn: (i: any) => Co<T> | T): OpResult<T> {
    const hook = this.onStop;
    if (this.build === 'flat' || !hook) return super.run(actor, v, fn);
    const g = this.m.steppedRun(actor, v, (s) => fn(s.x421!) as Co<T>);
    for (;;) {
      const r = g.next();
      if (r.done) return r.value;
      const top = this.m.frames.at(-1);
      if (top) { this.stops.push({ fn: top.fn, at: top.at, locals: { ...top.locals } }); hook(top.fn, top.at); }
    }
  }
}

/** An x86 4.21 guest (two vcpus) with varstored as d0's device model 'vs', not started. */
function vsGuest(build: Build = 'flat'): Rec {
  const t = Rec.make('4.21', build, 2, G);
  t.addDm('vs', 'varstored', 0, G);
  return t;
}
/** A 4.21-arm guest (two vcpus) with the virtio backend as d0's device model 'v', not started. */
function vGuest(build: Build = 'flat'): Rec {
  const t = Rec.make('4.21-arm', build, 2, G);
  t.addDm('v', 'virtio', 0, G);
  return t;
}

describe('varstored (mutation): varstored_initialize (varstored.c:393-445 @53277ff)', () => {
  it('starts as varstored does: a server without buffering, frame_ioreq(0) through acquire_resource, enable, each vcpu\'s port, then I/O port 0x100-0x103', () => {
    const t = vsGuest();
    assert.equal(t.dmInit('vs').value, 0, t.dm('vs').last_error ?? '');
    const dm = t.dm('vs');
    const s = t.domain(G).x421.server[0]!;
    assert.equal(dm.ioservid, 0);
    assert.equal(s.bufioreq_handling, I.HVM_IOREQSRV_BUFIOREQ_OFF);
    assert.equal(dm.pages_how, 'resource');
    assert.equal(dm.shared_page, s.ioreq.va, 'the mapped page is the server\'s ioreq page');
    assert.ok(s.enabled);
    assert.deepEqual(s.range[I.XEN_DMOP_IO_RANGE_PORT].ranges, [[BigInt(VARSTORED_IO_PORT), BigInt(VARSTORED_IO_PORT + 3)]]);
    assert.deepEqual(s.range[I.XEN_DMOP_IO_RANGE_MEMORY].ranges, []);
    assert.equal(dm.ioreq_local_port.length, 2);
    for (const p of dm.ioreq_local_port) assert.ok(p > 0);
    assert.equal(dm.last_error, null);
  });

  it('stops: create, map, enable, one bind per vcpu, then the I/O port, each showing what it passes', () => {
    const t = vsGuest('stepped');
    assert.equal(t.dmInit('vs').value, 0);
    assert.deepEqual(t.labels('varstored_initialize'), ['create', 'map', 'enable', 'bind', 'bind', 'io_port']);
    assert.equal(t.loc('varstored_initialize', 'map').id, 0);
    assert.equal(t.loc('varstored_initialize', 'enable').id, 0);
    assert.deepEqual(t.pick('varstored_initialize', 'bind', ['i']), [{ i: 0 }, { i: 1 }]);
    assert.equal(t.loc('varstored_initialize', 'io_port').port, VARSTORED_IO_PORT);
  });

  it('create failing (-ENOMEM from ioreq_server_create\'s xzalloc) ends the start-up there: "Failed to create ioreq server", nothing mapped', () => {
    const t = vsGuest('stepped');
    t.m.x.faults.xzalloc = 0;
    assert.equal(t.dmInit('vs').value, -ENOMEM);
    const dm = t.dm('vs');
    assert.equal(dm.last_error, `Failed to create ioreq server: ${-ENOMEM}`);
    assert.equal(dm.ioservid, -1);
    assert.equal(dm.shared_page, null);
    assert.deepEqual(t.labels('varstored_initialize'), ['create']);
  });

  it('the resource map failing (-ENOMEM mapping the page) ends it: "Failed to map ioreq server resources", the server left disabled', () => {
    const t = vsGuest('stepped');
    t.m.x.faults.map = 0;
    assert.equal(t.dmInit('vs').value, -ENOMEM);
    const dm = t.dm('vs');
    assert.equal(dm.last_error, `Failed to map ioreq server resources: ${-ENOMEM}`);
    assert.equal(dm.shared_page, null);
    assert.notEqual(dm.pages_how, 'resource');
    assert.equal(t.domain(G).x421.server[0]!.enabled, false);
    assert.deepEqual(t.labels('varstored_initialize'), ['create', 'map']);
  });

  it('enable failing (the guest destroyed under it: -ESRCH) ends it: "Failed to set ioreq server state", no port bound', () => {
    const t = vsGuest('stepped');
    t.onStop = (fn, at) => { if (fn === 'varstored_initialize' && at === 'enable') t.domain(G).is_dying = 2; };
    assert.equal(t.dmInit('vs').value, -ESRCH);
    const dm = t.dm('vs');
    assert.equal(dm.last_error, `Failed to set ioreq server state: ${-ESRCH}`);
    assert.deepEqual(dm.ioreq_local_port, []);
    assert.deepEqual(t.labels('varstored_initialize'), ['create', 'map', 'enable']);
  });

  it('a bind failing ends it before the I/O port is mapped, the error kept', () => {
    const t = vsGuest('stepped');
    // Before the second bind, vcpu 1's slot names a port that does not exist: the bind of it is -EINVAL.
    const dm = t.dm('vs');
    t.onStop = (fn, at) => {
      if (fn === 'varstored_initialize' && at === 'bind' && t.at(fn, at).length === 2) dm.shared_page!.setUint32(A.ioreqOffset(1) + A.OFF_VP_EPORT, 0xfff, true);
    };
    assert.equal(t.dmInit('vs').value, -EINVAL);
    assert.deepEqual(t.labels('varstored_initialize'), ['create', 'map', 'enable', 'bind', 'bind']);
    assert.equal(dm.last_error, `failed to bind ioreq port ${0xfff} of vcpu 1: ${-EINVAL}`);
    assert.deepEqual(t.domain(G).x421.server[0]!.range[I.XEN_DMOP_IO_RANGE_PORT].ranges, []);
  });

  it('varstored_poll_iopage serves the vcpu\'s request (a read of its port answered), and stops at poll with the vcpu', () => {
    const t = vsGuest('stepped');
    assert.equal(t.dmInit('vs').value, 0);
    t.pio(G, 1, VARSTORED_IO_PORT, 4, A.IOREQ_READ);
    const from = t.stops.length;
    assert.equal(t.serve('vs', 1, { data: 0xcafen }).value, 1);
    assert.deepEqual(t.pick('varstored_poll_iopage', 'poll', ['i'], from), [{ i: 1 }]);
    t.resume(G, 1);
    assert.equal(t.vcpu(G, 1).rax & 0xffffffffn, 0xcafen);
  });
});

describe('virtio-mmio backend on Arm (mutation): its start-up over libxendevicemodel (tools/libs @RELEASE-4.21.0)', () => {
  it('starts: no buffering, frame_ioreq(0), the window GUEST_VIRTIO_MMIO_BASE .. +0x1ff, enable, each vcpu\'s port', () => {
    const t = vGuest();
    assert.equal(t.dmInit('v').value, 0, t.dm('v').last_error ?? '');
    const dm = t.dm('v');
    const s = t.domain(G).x421.server[0]!;
    assert.equal(dm.pages_how, 'resource');
    assert.equal(dm.shared_page, s.ioreq.va);
    assert.ok(s.enabled);
    assert.deepEqual(s.range[I.XEN_DMOP_IO_RANGE_MEMORY].ranges, [[VIRTIO_MMIO_BASE, VIRTIO_MMIO_BASE + VIRTIO_MMIO_SIZE - 1n]]);
    assert.equal(dm.ioreq_local_port.length, 2, 'both vcpus bound');
    for (const p of dm.ioreq_local_port) assert.ok(p > 0);
    // The window's last byte goes to the backend; the next is no one's (the unmapped handler).
    assert.equal(t.armMmio(G, 0, { gpa: VIRTIO_MMIO_BASE + VIRTIO_MMIO_SIZE - 1n, size: 0, write: 0, sign: 0 }).value, IO_RETRY);
    assert.equal(t.armMmio(G, 1, { gpa: VIRTIO_MMIO_BASE + VIRTIO_MMIO_SIZE, size: 0, write: 0, sign: 0 }).value, IO_HANDLED);
    assert.equal(t.vcpu(G, 1).io_dropped, 1);
  });

  it('stops: create with the buffering asked for, map, the window\'s base, enable, one bind per vcpu', () => {
    const t = vGuest('stepped');
    assert.equal(t.dmInit('v').value, 0);
    assert.deepEqual(t.labels('virtio_backend_init'), ['create', 'map', 'range', 'enable', 'bind', 'bind']);
    assert.equal(t.loc('virtio_backend_init', 'create').bufioreq, I.HVM_IOREQSRV_BUFIOREQ_OFF);
    assert.equal(t.loc('virtio_backend_init', 'map').id, 0);
    assert.equal(t.loc('virtio_backend_init', 'range').base, VIRTIO_MMIO_BASE);
    assert.equal(t.loc('virtio_backend_init', 'enable').id, 0);
    assert.deepEqual(t.pick('virtio_backend_init', 'bind', ['i']), [{ i: 0 }, { i: 1 }]);
  });

  it('asking for buffering: Arm\'s create refuses it (-EINVAL, common ioreq.c:650-654 @RELEASE-4.21.0) and the start-up ends there', () => {
    const t = vGuest('stepped');
    assert.equal(t.dmInit('v', I.HVM_IOREQSRV_BUFIOREQ_ATOMIC).value, -EINVAL);
    const dm = t.dm('v');
    assert.equal(dm.last_error, `create ioreq server: ${-EINVAL}`);
    assert.equal(dm.ioservid, -1);
    assert.equal(dm.shared_page, null);
    assert.deepEqual(t.labels('virtio_backend_init'), ['create']);
    assert.equal(t.loc('virtio_backend_init', 'create').bufioreq, I.HVM_IOREQSRV_BUFIOREQ_ATOMIC);
  });

  it('the resource map failing ends it: "map resource", no window mapped', () => {
    const t = vGuest('stepped');
    t.m.x.faults.map = 0;
    assert.equal(t.dmInit('v').value, -ENOMEM);
    const dm = t.dm('v');
    assert.equal(dm.last_error, `map resource: ${-ENOMEM}`);
    assert.equal(dm.shared_page, null);
    assert.notEqual(dm.pages_how, 'resource');
    assert.deepEqual(t.labels('virtio_backend_init'), ['create', 'map']);
  });

  it('the window\'s map failing (the server\'s rangeset at its limit: -ENOMEM, rangeset.c:96-104, 132-136 @RELEASE-4.21.0) ends it before enable', () => {
    const t = vGuest('stepped');
    t.onStop = (fn, at) => { if (fn === 'virtio_backend_init' && at === 'range') t.domain(G).x421.server[0]!.range[I.XEN_DMOP_IO_RANGE_MEMORY].limit = 0; };
    assert.equal(t.dmInit('v').value, -ENOMEM);
    assert.equal(t.domain(G).x421.server[0]!.enabled, false);
    assert.deepEqual(t.labels('virtio_backend_init'), ['create', 'map', 'range']);
  });

  it('enable failing (the guest destroyed under it: -ESRCH) ends it before any bind', () => {
    const t = vGuest('stepped');
    t.onStop = (fn, at) => { if (fn === 'virtio_backend_init' && at === 'enable') t.domain(G).is_dying = 2; };
    assert.equal(t.dmInit('v').value, -ESRCH);
    assert.deepEqual(t.dm('v').ioreq_local_port, []);
    assert.deepEqual(t.labels('virtio_backend_init'), ['create', 'map', 'range', 'enable']);
  });

  it('the handler serves the vcpu\'s request and stops at poll with the vcpu', () => {
    const t = vGuest('stepped');
    assert.equal(t.dmInit('v').value, 0);
    t.armMmio(G, 1, { gpa: VIRTIO_MMIO_BASE + 0x70n, size: 2, write: 0, sign: 0 });
    const from = t.stops.length;
    assert.equal(t.serve('v', 1, { data: 0x1234n }).value, 1);
    assert.deepEqual(t.pick('virtio_handle_ioreq', 'poll', ['i'], from), [{ i: 1 }]);
    t.resume(G, 1);
    assert.equal(t.vcpu(G, 1).rax, 0x1234n);
  });
});
