// Mutation tests of src/model/xen/4.21/common/ioreq.ts, wait_for_io and vcpu_ioreq_handle_completion (the second
// set, after mut-ioreq421.test.ts). `ioreq.c:N` means xen/common/ioreq.c at RELEASE-4.21.0; the wait_for_io op's
// slices (a step that ends after a number of reads of the slot state, the vcpu still in the loop) are the model's.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import type { Build } from '../../src/model/driver421';
import { fingerprintHash } from '../../src/model/fingerprint';
import * as I from '../../src/model/xen/4.21/common/ioreq';
import type { Vcpu } from '../../src/model/xen';
import { DESCHEDULED, RESUMED } from '../../src/model/xen/common/outcome';
import { Rec421 } from './rec421';

const G = 1;
const BUILDS: Build[] = ['flat', 'stepped'];

class Rec extends Rec421 {}

/** A one-vcpu x86 guest with QEMU serving the serial ports (server 0, ATOMIC buffering), Xen's fixes reverted as asked. */
function guest(build: Build, reverts: string[] = [], profile: '4.21' | '4.21-arm' = '4.21'): { t: Rec; v: Vcpu; pg: DataView } {
  const t = Rec.make(profile, build, 1);
  t.m.x.reverts = new Set(reverts);
  if (profile === '4.21') {
    const dm = t.addDm('qemu', 'qemu', 0, G);
    dm.want_ranges = [[I.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3ffn]];
    assert.equal(t.dmInit('qemu').value, 0, t.dm('qemu').last_error ?? '');
    assert.equal(t.mapRanges('qemu').value, 0);
  } else {
    t.addDm('qemu', 'virtio', 0, G);
    assert.equal(t.dmInit('qemu').value, 0);
  }
  return { t, v: t.vcpu(G, 0), pg: t.domain(G).x421.server[0]!.ioreq.va! };
}
/** A port read by vcpu 0 (x86) or a 2-byte MMIO read (Arm), sent to the server; the vcpu woken to wait for it. */
function read(t: Rec, v: Vcpu): void {
  if (t.m.profile === '4.21') t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ);
  else t.armMmio(G, 0, { gpa: 0x2000000n, size: 2, write: 0, sign: 0 });
  v.pause_flags.blocked_in_xen = false;
}
/** vcpu_ioreq_handle_completion as a step of the wait_for_io op: `left` reads of the slot state at most (null: no limit). */
const slice = (t: Rec, v: Vcpu, left: number | null) => t.run('vcpu0', v, (i) => i.hvm.vcpuIoreqHandleCompletion(v, left === null ? null : { left })).value;
const slotState = (pg: DataView) => A.getState(pg, A.ioreqOffset(0));

describe('4.21 ioreq.c (mutation, b): where wait_for_io starts (ioreq.c:154-160)', () => {
  it('wait_for_io: a fresh wait reads p->state anew; the state a finished sliced wait last read on the same port is not taken again', () => {
    for (const build of BUILDS) {
      const { t, v, pg } = guest(build);
      const sv = t.domain(G).x421.server[0]!.ioreq_vcpu_list[0];
      read(t, v);
      assert.equal(t.serve('qemu', 0, { data: 0x5an }).value, 1);
      assert.equal(slice(t, v, 1), I.WAIT_PAUSED, 'the step ends right after the first read');
      assert.deepEqual([v.io.wait_at, v.io.wait_state, v.io.wait_server], [I.WAIT_AT_LOOP, A.STATE_IORESP_READY, sv.ioreq_evtchn]);
      assert.equal(slice(t, v, null), I.WAIT_DONE);
      assert.equal(v.rax & 0xffn, 0x5an);
      // The next read: QEMU has not answered, so the wait must find READY and block.
      const from = t.stops.length;
      read(t, v);
      assert.equal(t.resume(G, 0).value, DESCHEDULED, build);
      assert.equal(slotState(pg), A.STATE_IOREQ_READY, 'the slot is QEMU\'s until it answers');
      assert.equal(sv.pending, true);
      if (build === 'stepped') assert.equal(t.labels('wait_for_io', from)[0], 'read_state');
    }
  });

  it('wait_for_io: a sliced wait goes on only on the port it stopped on; when that server is destroyed meanwhile, the wait on the other pending server reads its own slot', () => {
    for (const build of BUILDS) {
      const { t, v } = guest(build);
      t.addDm('q2', 'qemu', 0, G);
      assert.equal(t.dmInit('q2').value, 0, t.dm('q2').last_error ?? '');
      // decrease_reservation sends INVALIDATE to both servers: the vcpu has a request pending on each.
      assert.equal(t.decreaseReservation(G, 0, 0x100).value, 1);
      const [s0, s1] = [0, 1].map((id) => t.domain(G).x421.server[id]!);
      assert.equal(t.serve('q2', 0).value, 1);
      v.pause_flags.blocked_in_xen = false;
      assert.equal(slice(t, v, 1), I.WAIT_PAUSED, 'newest first: server 1, its answer read');
      assert.deepEqual([v.io.wait_state, v.io.wait_server], [A.STATE_IORESP_READY, s1.ioreq_vcpu_list[0].ioreq_evtchn]);
      assert.equal(t.destroy('q2').value, 0);
      assert.equal(slice(t, v, null), I.WAIT_DESCHEDULED, `${build}: server 0 has not answered`);
      assert.equal(A.getState(s0.ioreq.va!, A.ioreqOffset(0)), A.STATE_IOREQ_READY);
      assert.equal(s0.ioreq_vcpu_list[0].pending, true);
    }
  });
});

describe('4.21 ioreq.c (mutation, b): the wait\'s condition and blocking (wait_on_xen_event_channel, ioreq.c:185-191)', () => {
  it('wait_on_xen_event_channel: marked blocked, the condition reads a change, so the vcpu is not blocked after all and takes the answer', () => {
    for (const build of BUILDS) {
      const { t, v } = guest(build);
      read(t, v);
      assert.equal(slice(t, v, 2), I.WAIT_PAUSED);
      assert.equal(v.io.wait_at, I.WAIT_AT_BLOCK, 'the condition read READY once: next the vcpu is marked blocked');
      assert.equal(t.serve('qemu', 0, { data: 0x61n }).value, 1);
      assert.equal(slice(t, v, null), I.WAIT_DONE, build);
      assert.equal(v.pause_flags.blocked_in_xen, false, 'the second read saw IORESP_READY: the vcpu runs on');
      assert.equal(v.rax & 0xffn, 0x61n);
    }
  });

  it('with events off (the explorer) a vcpu blocking in wait_for_io records nothing, and still blocks', () => {
    const { t, v } = guest('flat');
    read(t, v);
    t.m.x.on = false;
    const n = t.m.x.events.length;
    assert.equal(t.resume(G, 0).value, DESCHEDULED);
    assert.equal(v.pause_flags.blocked_in_xen, true);
    assert.equal(t.m.x.events.length, n);
  });

  it('x86 restarts wait_for_io from the top when a blocked vcpu runs again (prev_state NONE): blocking after READY or after INPROCESS is one state; Arm keeps its prev_state on its stack, so they differ', () => {
    for (const profile of ['4.21', '4.21-arm'] as const) {
      const hashes = [A.STATE_IOREQ_READY, A.STATE_IOREQ_INPROCESS].map((seen) => {
        const { t, v, pg } = guest('flat', [], profile);
        read(t, v);
        A.setState(pg, A.ioreqOffset(0), seen);
        assert.equal(t.resume(G, 0).value, DESCHEDULED, `${profile} blocks on ${seen}`);
        A.setState(pg, A.ioreqOffset(0), A.STATE_IOREQ_INPROCESS); // the emulator has the request either way
        return fingerprintHash(t.m);
      });
      if (profile === '4.21') assert.equal(hashes[0], hashes[1], 'x86: nothing of the wait survives the block');
      else assert.notEqual(hashes[0], hashes[1], 'Arm: the vcpu resumes in the loop with the state it last switched on');
    }
  });
});

describe('4.21 ioreq.c (mutation, b): the history of wait_for_io in slices (92938e5d14, b452430a4c reverted)', () => {
  it('92938e5d14 reverted: the wait\'s condition reads p->state without keeping it, and the loop\'s head reads it again, a read (and a slice) of its own', () => {
    for (const build of BUILDS) {
      const { t, v } = guest(build, ['92938e5d14']);
      read(t, v);
      assert.equal(slice(t, v, 1), I.WAIT_PAUSED);
      assert.equal(t.serve('qemu', 0, { data: 0x33n }).value, 1);
      // The switch takes READY; the condition reads IORESP_READY: a change, so back to the loop's head.
      assert.equal(slice(t, v, 1), I.WAIT_PAUSED);
      assert.deepEqual([v.io.wait_at, v.io.wait_state, v.io.wait_prev], [I.WAIT_AT_TOP, A.STATE_IOREQ_READY, A.STATE_IOREQ_READY], `${build}: state is still the switch's`);
      assert.equal(slice(t, v, 1), I.WAIT_PAUSED, 'the head\'s read ends the slice');
      assert.deepEqual([v.io.wait_at, v.io.wait_state], [I.WAIT_AT_LOOP, A.STATE_IORESP_READY]);
      assert.equal(slice(t, v, null), I.WAIT_DONE);
      assert.equal(v.rax & 0xffn, 0x33n);
      if (build === 'stepped') assert.deepEqual(t.at('wait_for_io', 'go_on').map((s) => [s.locals.at, s.locals.state]),
        [[I.WAIT_AT_LOOP, A.STATE_IOREQ_READY], [I.WAIT_AT_TOP, A.STATE_IOREQ_READY], [I.WAIT_AT_LOOP, A.STATE_IORESP_READY]]);
    }
  });

  it('92938e5d14 reverted: after being marked blocked, the condition\'s second read sees the answer; the vcpu is not blocked, state keeps the switch\'s, and the head reads again', () => {
    for (const build of BUILDS) {
      const { t, v } = guest(build, ['92938e5d14']);
      read(t, v);
      assert.equal(slice(t, v, 2), I.WAIT_PAUSED);
      assert.equal(v.io.wait_at, I.WAIT_AT_BLOCK);
      assert.equal(t.serve('qemu', 0, { data: 0x34n }).value, 1);
      assert.equal(slice(t, v, 1), I.WAIT_PAUSED, `${build}: the second read of the condition ends the slice`);
      assert.deepEqual([v.io.wait_at, v.io.wait_state], [I.WAIT_AT_TOP, A.STATE_IOREQ_READY]);
      assert.equal(v.pause_flags.blocked_in_xen, false);
      assert.equal(slice(t, v, null), I.WAIT_DONE);
      assert.equal(v.rax & 0xffn, 0x34n);
    }
  });

  it('b452430a4c reverted: the bounds check\'s read of p->state ends a slice; the jump table\'s read comes in the next', () => {
    for (const build of BUILDS) {
      const { t, v } = guest(build, ['b452430a4c']);
      read(t, v);
      const from = t.stops.length;
      assert.equal(slice(t, v, 2), I.WAIT_PAUSED);
      assert.deepEqual([v.io.wait_at, v.io.wait_state], [I.WAIT_AT_INDEX, A.STATE_IOREQ_READY], build);
      if (build === 'stepped') assert.deepEqual(t.labels('wait_for_io', from), ['read_state', 'check_order', 'bounds']);
      assert.equal(t.serve('qemu', 0, { data: 0x35n }).value, 1);
      assert.equal(slice(t, v, null), I.WAIT_DONE);
      assert.equal(v.rax & 0xffn, 0x35n);
    }
  });

  it('92938e5d14 reverted: READY, INPROCESS, READY again without blocking is a state the switch took before (the livelock), even with INPROCESS seen once', () => {
    const { t, v, pg } = guest('stepped', ['92938e5d14']);
    read(t, v);
    const flips = [A.STATE_IOREQ_INPROCESS, A.STATE_IOREQ_READY, A.STATE_IORESP_READY];
    const seen: number[] = [];
    const r = t.resumeStepped(G, 0, (top) => {
      if (top.fn !== 'wait_for_io' || top.at !== 'switch') return;
      seen.push(top.locals.state as number);
      if (seen.length <= flips.length) A.setState(pg, A.ioreqOffset(0), flips[seen.length - 1]);
    });
    assert.equal(r.value, RESUMED);
    assert.deepEqual(seen, [A.STATE_IOREQ_READY, A.STATE_IOREQ_INPROCESS, A.STATE_IOREQ_READY, A.STATE_IORESP_READY]);
    assert.equal(v.io.wait_cycled, true);
  });
});

describe('4.21 ioreq.c (mutation, b): what the completion keeps (ioreq.c:201-206, 211-259)', () => {
  it('wait_for_io copies p->data into v->io.req only for a request needing completion: an emulator writing the slot\'s data for a port write changes nothing', () => {
    const { t, v, pg } = guest('flat');
    t.pio(G, 0, 0x3f9, 1, A.IOREQ_WRITE, 0x41n);
    assert.equal(t.serve('qemu', 0).value, 1);
    pg.setBigUint64(A.ioreqOffset(0) + A.OFF_DATA, 0x99n, true);
    v.pause_flags.blocked_in_xen = false;
    assert.equal(t.resume(G, 0).value, RESUMED);
    assert.equal(v.io.req.data & 0xffn, 0x41n, 'the guest\'s data');
    assert.equal(v.io.req.state, A.STATE_IOREQ_NONE);
  });

  it('a map-cache flush sent by the completion makes it return false: hvm_do_resume returns before injecting the pending event (hvm.c:532-546), which goes in once the flush is answered', () => {
    for (const build of BUILDS) {
      const { t, v } = guest(build);
      read(t, v);
      v.mapcache_invalidate = true;
      v.arch.hvm_vcpu.inject_trap.vector = 14;
      assert.equal(t.serve('qemu', 0, { data: 0x41n }).value, 1);
      t.resume(G, 0);
      assert.equal(v.rax & 0xffn, 0x41n);
      assert.equal(v.arch.hvm_vcpu.inject_trap.vector, 14, `${build}: not injected yet`);
      assert.equal(t.serve('qemu', 0).value, 1, 'QEMU answers the INVALIDATE');
      assert.equal(t.resume(G, 0).value, RESUMED);
      assert.equal(v.arch.hvm_vcpu.inject_trap.vector, -1, 'injected');
    }
  });
});

describe('4.21 ioreq.c (mutation, b): Arm resumes wait_for_io in place (ioreq.c:156, 185-191)', () => {
  it('Arm, b452430a4c reverted: a vcpu that blocked with prev_state STATE_IOREQ_NONE (the bounds check read NONE) still resumes in the loop with it', () => {
    const { t, v, pg } = guest('stepped', ['b452430a4c'], '4.21-arm');
    read(t, v);
    // The emulator's writes between Xen's reads: NONE for the bounds check, READY for the jump table, NONE for the wait's condition.
    const writes: Record<string, number> = { check_order: A.STATE_IOREQ_NONE, bounds: A.STATE_IOREQ_READY, switch: A.STATE_IOREQ_NONE };
    const r = t.resumeStepped(G, 0, (top) => {
      if (top.fn !== 'wait_for_io' || !(top.at in writes)) return;
      A.setState(pg, A.ioreqOffset(0), writes[top.at]);
      delete writes[top.at];
    });
    assert.equal(r.value, DESCHEDULED);
    assert.equal(v.io.wait_prev_state, A.STATE_IOREQ_NONE, 'prev_state is the bounds check\'s read');
    const from = t.stops.length;
    v.pause_flags.blocked_in_xen = false;
    t.resume(G, 0);
    const rs = t.stops.slice(from).find((s) => s.fn === 'wait_for_io' && s.at === 'read_state')!;
    assert.deepEqual([rs.locals.prev_state, rs.locals.resumed], [A.STATE_IOREQ_NONE, true]);
  });
});
