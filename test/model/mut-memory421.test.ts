// Mutation tests of src/model/xen/4.21/common/memory.ts (issue #16): XENMEM_acquire_resource for an ioreq server
// (acquire_resource, acquire_ioreq_server, resource_max_frames) and the balloon's decrease_reservation /
// guest_remove_page, as xen/common/memory.c has them at RELEASE-4.21.0 (`memory.c:N` below).
import { strict as assert } from 'node:assert';
import { Rec421 } from './rec421';
import type { Build } from '../../src/model/driver421';
import { EINVAL, ENOENT, EPERM, ESRCH } from '../../src/model/errno';
import type { Domain, GuestPage } from '../../src/model/xen';
import * as I from '../../src/model/xen/4.21/common/ioreq';
import { XENMEM_resource_ioreq_server, type XenMemAcquireResource } from '../../src/model/xen/4.21/common/memory';
import type { Memory421 } from '../../src/model/xen/4.21/common/memory';

const G = 1;
/** XENMEM_resource_vmtrace_buf (public/memory.h): the model's domains have no trace buffer. */
const XENMEM_resource_vmtrace_buf = 2;

class Rec extends Rec421 {}
/** A 4.21 x86 guest with QEMU-like d0 device model 'q' whose server (id 0) has the ATOMIC ring; not mapped yet. */
function guest(build: Build = 'flat', nvcpus = 2): Rec {
  const t = Rec.make('4.21', build, nvcpus, G);
  t.addDm('q', 'qemu', 0, G);
  assert.equal(t.create('q', I.HVM_IOREQSRV_BUFIOREQ_ATOMIC).value, 0);
  return t;
}
type Mem = Memory421 & { acquireResource(x: XenMemAcquireResource, out: GuestPage[]): unknown };
/** XENMEM_acquire_resource as domain `caller` (its vcpu 0 current). */
function acquire(t: Rec, caller: number, x: Partial<XenMemAcquireResource>, out: GuestPage[] = []): number {
  const xmar: XenMemAcquireResource = { domid: G, type: XENMEM_resource_ioreq_server, id: 0, frame: 0, nr_frames: 1, ...x };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return t.run(`d${caller}`, t.domain(caller).vcpu[0], (i: any) => (i.hvm as Mem).acquireResource(xmar, out)).value as number;
}
const acquireEvents = (t: Rec, from: number) => t.m.x.events.slice(from).filter((e) => e.kind === 'resource_acquire').map(({ seq: _s, actor: _a, ...e }) => e);

describe('4.21 memory.c (mutation): acquire_resource (memory.c:1250-1390 @RELEASE-4.21.0)', () => {
  it('a non-zero pad is -EINVAL (memory.c:1264-1265), before the domain is looked up', () => {
    const t = guest('stepped');
    assert.equal(acquire(t, 0, { pad: 1 }), -EINVAL);
    assert.deepEqual(t.labels('acquire_resource'), ['pad']);
  });

  it('frame and frame + nr_frames must fit in 32 bits (memory.c:1276-1278): 0xffffffff + 1 is -EINVAL, 0xfffffffe + 1 is looked at further', () => {
    const t = guest('stepped');
    let from = t.stops.length;
    assert.equal(acquire(t, 0, { frame: 0xffffffff, nr_frames: 1 }), -EINVAL);
    assert.deepEqual(t.labels('acquire_resource', from), ['pad']);
    from = t.stops.length;
    assert.equal(acquire(t, 0, { frame: 1, nr_frames: 0xffffffff }), -EINVAL);
    assert.deepEqual(t.labels('acquire_resource', from), ['pad']);
    from = t.stops.length;
    assert.equal(acquire(t, 0, { frame: -1, nr_frames: 1 }), -EINVAL, 'a negative frame stands for one above 2^63');
    assert.deepEqual(t.labels('acquire_resource', from), ['pad']);
    from = t.stops.length;
    assert.equal(acquire(t, 0, { frame: 0xfffffffe, nr_frames: 1 }), -EINVAL, 'no such frame of the server');
    assert.deepEqual(t.labels('acquire_resource', from), ['pad', 'lookup', 'xsm', 'max_frames', 'done']);
  });

  it('rcu_lock_remote_domain_by_id: no domain or a destroyed one -ESRCH, oneself -EPERM; a dying domain is still found (memory.c:1280-1282)', () => {
    const t = guest('stepped');
    let from = t.stops.length;
    assert.equal(acquire(t, 0, { domid: 7 }), -ESRCH);
    assert.deepEqual(t.pick('acquire_resource', 'lookup', ['domid', 'found'], from), [{ domid: 7, found: false }]);
    assert.deepEqual(t.labels('acquire_resource', from), ['pad', 'lookup']);
    from = t.stops.length;
    assert.equal(acquire(t, G, { domid: G }), -EPERM, 'the guest on itself');
    assert.deepEqual(t.labels('acquire_resource', from), ['pad', 'lookup']);
    assert.deepEqual(t.pick('acquire_resource', 'lookup', ['domid', 'found'], from), [{ domid: G, found: true }]);
    t.domain(G).is_dying = 1;
    assert.equal(acquire(t, 0, {}), 0);
    t.domain(G).is_dying = 2;
    assert.equal(acquire(t, 0, {}), -ESRCH);
  });

  it('XSM_DM_PRIV (memory.c:1284-1286): dom0 and the target\'s device-model domain, no one else', () => {
    const t = guest('stepped');
    t.createDmDomain(2, G);
    t.createDmDomain(3, 2);
    // d2 is d1's stub domain but the server belongs to d0: the XSM check passes, ioreq_server_get_frame refuses.
    const from = t.stops.length;
    assert.equal(acquire(t, 2, {}), -EPERM);
    assert.deepEqual(t.labels('acquire_resource', from), ['pad', 'lookup', 'xsm', 'max_frames', 'done']);
    assert.deepEqual(t.pick('acquire_resource', 'xsm', ['target'], from), [{ target: G }], 'the caller\'s target');
    const f3 = t.stops.length;
    assert.equal(acquire(t, 3, {}), -EPERM);
    assert.deepEqual(t.labels('acquire_resource', f3), ['pad', 'lookup', 'xsm'], 'd3 serves d2, not d1: refused at the XSM check');
    assert.equal(acquire(t, 0, {}), 0);
  });

  it('resource_max_frames (memory.c:1127-1163): 1 + one frame per 128 vcpus for an HVM domain\'s ioreq servers; none (-EINVAL) for a PV domain or a resource the domain lacks', () => {
    const t = guest('stepped');
    let from = t.stops.length;
    assert.equal(acquire(t, 0, {}), 0);
    assert.deepEqual(t.pick('acquire_resource', 'max_frames', ['max'], from), [{ max: 2 }]);
    t.createDmDomain(2, G);
    from = t.stops.length;
    assert.equal(acquire(t, 0, { domid: 2 }), -EINVAL, 'd2 is PV');
    assert.deepEqual(t.pick('acquire_resource', 'max_frames', ['max'], from), [{ max: 0 }]);
    assert.deepEqual(t.labels('acquire_resource', from), ['pad', 'lookup', 'xsm', 'max_frames']);
    from = t.stops.length;
    assert.equal(acquire(t, 0, { type: XENMEM_resource_vmtrace_buf }), -EINVAL, 'no trace buffer: vmtrace_size 0');
    assert.deepEqual(t.pick('acquire_resource', 'max_frames', ['max'], from), [{ max: 0 }]);
  });

  it('resource_max_frames counts the domain\'s vcpus: 129 of them need two ioreq frames, so three in all', () => {
    const t = Rec.make('4.21', 'stepped', 129, G);
    const from = t.stops.length;
    assert.equal(acquire(t, 0, {}), -ENOENT, 'no server 0 yet');
    assert.deepEqual(t.pick('acquire_resource', 'max_frames', ['max'], from), [{ max: 3 }]);
  });

  it('nr_frames 0 with a frame list is -EINVAL (memory.c:1306-1309)', () => {
    const t = guest('stepped');
    const from = t.stops.length;
    assert.equal(acquire(t, 0, { nr_frames: 0 }), -EINVAL);
    assert.deepEqual(t.labels('acquire_resource', from), ['pad', 'lookup', 'xsm', 'max_frames']);
  });

  it('success gives 0 and the frames in order (the buffered ring is frame 0, vcpus\' ioreq page frame 1), recorded once; a failure records nothing', () => {
    const t = guest('stepped');
    const s = t.domain(G).x421.server[0]!;
    const out: GuestPage[] = [];
    let from = t.m.x.events.length;
    assert.equal(acquire(t, 0, { frame: 0, nr_frames: 2 }, out), 0);
    assert.equal(out.length, 2);
    assert.equal(out[0], s.bufioreq.page);
    assert.equal(out[1], s.ioreq.page);
    assert.deepEqual(t.pick('acquire_resource', 'done', ['rc']).at(-1), { rc: 2 }, 'acquire_ioreq_server passes nr_frames back (memory.c:1197-1198)');
    assert.deepEqual(acquireEvents(t, from), [{ kind: 'resource_acquire', fn: 'acquire_resource', domid: G,
      detail: { server: 0, frame: 0, nr_frames: 2, by: 0 }, text: 'd0 acquires d1 ioreq server 0 frames 0..1' }]);
    from = t.m.x.events.length;
    assert.equal(acquire(t, 0, { frame: 1, nr_frames: 1 }), 0);
    assert.deepEqual(acquireEvents(t, from).map((e) => e.text), ['d0 acquires d1 ioreq server 0 frames 1..1']);
    from = t.m.x.events.length;
    assert.equal(acquire(t, 0, { frame: 5, nr_frames: 1 }), -EINVAL);
    assert.deepEqual(acquireEvents(t, from), []);
    t.m.x.on = false;
    from = t.m.x.events.length;
    assert.equal(acquire(t, 0, { frame: 1, nr_frames: 1 }), 0);
    assert.equal(t.m.x.events.length, from);
  });

  it('acquire_ioreq_server: an id wider than ioservid_t is -EINVAL (memory.c:1179-1180), not looked up; each frame is asked for in turn (memory.c:1182-1190)', () => {
    const t = guest('stepped');
    let from = t.stops.length;
    assert.equal(acquire(t, 0, { id: 0x10000 }), -EINVAL);
    assert.deepEqual(t.labels('acquire_ioreq_server', from), ['hvm'], 'no frame asked for');
    from = t.stops.length;
    assert.equal(acquire(t, 0, { frame: 0, nr_frames: 2 }), 0);
    assert.deepEqual(t.labels('acquire_ioreq_server', from), ['hvm', 'frame', 'frame']);
    assert.deepEqual(t.pick('acquire_ioreq_server', 'hvm', ['id', 'frame', 'nr_frames'], from), [{ id: 0, frame: 0, nr_frames: 2 }]);
  });

  it('acquire_ioreq_server refuses a domain that is not HVM (memory.c:1176-1177)', () => {
    const t = guest();
    t.createDmDomain(2, G);
    const out: GuestPage[] = [];
    const rc = t.m.flatRun('d0', t.domain(0).vcpu[0], (f) => (f.x421!.hvm as unknown as { acquireIoreqServer(d: Domain, id: number, fr: number, n: number, o: GuestPage[]): number }).acquireIoreqServer(t.domain(2), 0, 0, 1, out)).value;
    assert.equal(rc, -EINVAL);
    assert.equal(out.length, 0);
  });
});

describe('4.21 memory.c (mutation): decrease_reservation / guest_remove_page (memory.c:318-524 @RELEASE-4.21.0)', () => {
  it('a frame with no RAM: guest_remove_page is -ENOENT (memory.c:331-337), nothing removed, nr_done 0', () => {
    const t = guest('stepped');
    const d = t.domain(G);
    const gfn = 0x7fff0;
    assert.equal(d.page(gfn), null);
    const rc = t.run('vcpu0', d.vcpu[0], (i) => (i.hvm as unknown as { guestRemovePage(d: Domain, g: number): never }).guestRemovePage(d, gfn)).value;
    assert.equal(rc, -ENOENT);
    assert.deepEqual(t.pick('guest_remove_page', 'lookup', ['gmfn', 'ram']), [{ gmfn: gfn, ram: false }]);
    assert.deepEqual(t.labels('guest_remove_page'), ['lookup']);
    assert.equal(d.vcpu[0].mapcache_invalidate, false, 'no flush asked for');
    assert.equal(t.decreaseReservation(G, 0, gfn).value, 0);
  });

  it('a RAM frame leaves the p2m and asks for a map-cache flush; the stops show the frame', () => {
    const t = guest('stepped');
    const from = t.stops.length;
    assert.equal(t.decreaseReservation(G, 0, 0x100).value, 1);
    assert.equal(t.domain(G).page(0x100), null);
    assert.deepEqual(t.labels('decrease_reservation', from), ['extent']);
    assert.equal(t.loc('decrease_reservation', 'extent').gmfn, 0x100);
    assert.deepEqual(t.labels('guest_remove_page', from), ['lookup', 'removed']);
    assert.deepEqual(t.pick('guest_remove_page', 'lookup', ['gmfn', 'ram'], from), [{ gmfn: 0x100, ram: true }]);
    assert.equal(t.loc('guest_remove_page', 'removed').gmfn, 0x100);
  });
});
