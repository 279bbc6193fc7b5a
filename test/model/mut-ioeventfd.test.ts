// Mutation tests of src/model/dm/privcmd-ioeventfd.ts (issue #16): Linux's privcmd ioeventfd (drivers/xen/privcmd.c,
// "xen: privcmd: Add support for ioeventfd", Linux 6.7): privcmd_ioeventfd_assign and ioeventfd_interrupt sharing a
// virtio backend's ioreq page and ports on Xen 4.21 Arm, and the ownOnly fix the project proposes (not upstream).
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import type { Build } from '../../src/model/driver421';
import type { DeviceModel } from '../../src/model/dm';
import { EINVAL } from '../../src/model/errno';
import type { Co } from '../../src/model/step';
import { VIRTIO_MMIO_BASE } from '../../src/model/dm/virtio-mmio';
import { IRQ_HANDLED, IRQ_NONE, KIO_CHECKED, KIO_IDLE, KIO_INPROCESS, KIO_UNDER_WAY, VIRTIO_MMIO_QUEUE_NOTIFY } from '../../src/model/dm/privcmd-ioeventfd';
import { Rec421 } from './rec421';

const G = 1;
const NOTIFY = VIRTIO_MMIO_BASE + VIRTIO_MMIO_QUEUE_NOTIFY;
const STATUS = VIRTIO_MMIO_BASE + 0x70n;

class Rec extends Rec421 {}
type Kernel = {
  privcmdIoeventfdAssign(k: DeviceModel, of: DeviceModel, addr: bigint, addrLen: number, vq: number, ownOnly: boolean): Co<number>;
  ioeventfdInterrupt(k: DeviceModel, i: number, part: number): Co<number>;
};
/** A 4.21-arm guest with the virtio backend 'v' up and the kernel 'k' (not assigned yet). */
function setup(build: Build = 'flat', nvcpus = 1): Rec {
  const t = Rec.make('4.21-arm', build, nvcpus, G);
  t.addDm('v', 'virtio', 0, G);
  assert.equal(t.dmInit('v').value, 0);
  t.addDm('k', 'ioeventfd', 0, G);
  return t;
}
function assign(t: Rec, addrLen = 4, vq = 1, ownOnly = false, of = 'v', addr = VIRTIO_MMIO_BASE): number {
  const k = t.dm('k');
  return t.run('dm0', t.dmVcpu(k), (i) => (i.kernel as unknown as Kernel).privcmdIoeventfdAssign(k, t.dm(of), addr, addrLen, vq, ownOnly)).value as number;
}
function irq(t: Rec, part = 0, vcpu = 0): number {
  const k = t.dm('k');
  return t.run('dm0', t.dmVcpu(k), (i) => (i.kernel as unknown as Kernel).ioeventfdInterrupt(k, vcpu, part)).value as number;
}
/** The guest's vcpu 0 writes `data` (size 1 << log2) at gpa: a READY COPY write in the slot. */
const write = (t: Rec, gpa: bigint, data: bigint, log2 = 2) => t.armMmio(G, 0, { gpa, size: log2, write: 1, sign: 0 }, data);
const slot = (t: Rec, i = 0) => A.getState(t.dm('v').shared_page!, A.ioreqOffset(i));
const slotEvents = (t: Rec, from: number) => t.m.x.events.slice(from).filter((e) => e.kind === 'slot_state' && e.fn === 'ioeventfd_interrupt').map((e) => [e.before, e.after]);

describe('privcmd ioeventfd (mutation): privcmd_ioeventfd_assign (privcmd.c, Linux 6.7)', () => {
  it('takes the device model\'s page, server and ports, and binds each port again, sharing the interrupt', () => {
    const t = setup('flat', 2);
    assert.equal(assign(t, 4, 3, true), 0);
    const k = t.dm('k');
    const v = t.dm('v');
    assert.equal(k.shared_page, v.shared_page);
    assert.equal(k.ioservid, v.ioservid);
    assert.equal(k.pages_how, v.pages_how);
    assert.equal(k.max_cpus, 2);
    assert.deepEqual([k.kio_addr, k.kio_addr_len, k.kio_vq, k.kio_own_only], [VIRTIO_MMIO_BASE, 4, 3, true]);
    assert.deepEqual(k.ioreq_local_port, v.ioreq_local_port);
    assert.deepEqual(k.kio_at, [KIO_IDLE, KIO_IDLE]);
    assert.deepEqual(k.kio_state, [A.STATE_IOREQ_READY, A.STATE_IOREQ_READY]);
    for (const p of v.ioreq_local_port) assert.equal(t.domain(0).evtchn.w(p).irq_shared, true);
  });

  it('an access size other than 1, 2, 4 or 8 is -EINVAL; so is a device model with no vcpus', () => {
    for (const len of [0, 3, 16]) assert.equal(assign(setup(), len), -EINVAL, `${len}`);
    for (const len of [1, 2, 8]) assert.equal(assign(setup(), len), 0, `${len}`);
    const t = setup();
    t.dm('v').max_cpus = 0;
    assert.equal(assign(t), -EINVAL);
    assert.equal(t.dm('k').shared_page, null, 'nothing taken');
  });

  it('no ioreq page mapped in the device model (no VMA) is -EFAULT', () => {
    const t = setup();
    t.addDm('idle', 'virtio', 0, G);
    assert.equal(assign(t, 4, 1, false, 'idle'), -14);
    assert.equal(t.dm('k').shared_page, null);
  });

  it('a vcpu whose port the device model has not bound (none, negative, or not a port) is -EINVAL', () => {
    for (const bad of [undefined, -1, 999]) {
      const t = setup('flat', 2);
      t.dm('v').ioreq_local_port[1] = bad as unknown as number;
      assert.equal(assign(t), -EINVAL, `${bad}`);
      assert.equal(t.dm('k').kio_at[1], undefined);
      assert.equal(t.dm('k').kio_at[0], KIO_IDLE, 'vcpu 0 was taken before');
    }
  });

  it('stops: the arguments, whether the page is mapped, each vcpu\'s port', () => {
    const t = setup('stepped', 2);
    assign(t, 2, 0);
    assert.deepEqual(t.labels('privcmd_ioeventfd_assign'), ['check', 'vma', 'bind', 'bind']);
    assert.deepEqual(t.pick('privcmd_ioeventfd_assign', 'check', ['addr', 'addr_len', 'vcpus']), [{ addr: VIRTIO_MMIO_BASE, addr_len: 2, vcpus: 2 }]);
    assert.deepEqual(t.pick('privcmd_ioeventfd_assign', 'vma', ['mapped']), [{ mapped: true }]);
    assert.deepEqual(t.pick('privcmd_ioeventfd_assign', 'bind', ['i', 'port']), [0, 1].map((i) => ({ i, port: t.dm('v').ioreq_local_port[i] })));
  });
});

describe('privcmd ioeventfd (mutation): ioeventfd_interrupt, upstream (privcmd.c, Linux 6.7)', () => {
  it('a slot not READY, or a read, is not looked at: IRQ_NONE, the slot untouched; the interrupt is taken either way', () => {
    const t = setup();
    assert.equal(assign(t), 0);
    const port = t.dm('k').ioreq_local_port[0];
    t.domain(0).evtchn.w(port).kernel_irq = true;
    let from = t.m.x.events.length;
    assert.equal(irq(t), IRQ_NONE);
    assert.equal(t.domain(0).evtchn.w(port).kernel_irq, false);
    assert.equal(slot(t), A.STATE_IOREQ_NONE);
    t.armMmio(G, 0, { gpa: NOTIFY, size: 2, write: 0, sign: 0 });
    from = t.m.x.events.length;
    assert.equal(irq(t), IRQ_NONE, 'a read');
    assert.equal(slot(t), A.STATE_IOREQ_READY);
    assert.deepEqual(slotEvents(t, from), []);
  });

  it('another register\'s write: INPROCESS while it walks its list, then READY back, IRQ_NONE (left for the backend)', () => {
    const t = setup();
    assign(t);
    write(t, STATUS, 1n);
    const from = t.m.x.events.length;
    assert.equal(irq(t), IRQ_NONE);
    assert.equal(slot(t), A.STATE_IOREQ_READY);
    assert.deepEqual(slotEvents(t, from), [['STATE_IOREQ_READY', 'STATE_IOREQ_INPROCESS'], ['STATE_IOREQ_INPROCESS', 'STATE_IOREQ_READY']]);
    assert.equal(t.dm('k').kio_signals, 0);
    assert.equal(t.dm('k').kio_at[0], KIO_IDLE);
  });

  it('its own QUEUE_NOTIFY (address + 0x50, its size, the queue in the low 16 bits): answered, IORESP_READY, the vcpu notified, IRQ_HANDLED', () => {
    const t = setup();
    assign(t, 4, 1);
    write(t, NOTIFY, 0x70001n, 2);
    const from = t.m.x.events.length;
    assert.equal(irq(t), IRQ_HANDLED);
    assert.equal(slot(t), A.STATE_IORESP_READY);
    assert.equal(t.dm('k').kio_signals, 1);
    assert.deepEqual(slotEvents(t, from), [['STATE_IOREQ_READY', 'STATE_IOREQ_INPROCESS'], ['STATE_IOREQ_INPROCESS', 'STATE_IORESP_READY']]);
    assert.equal(t.vcpu(G, 0).pause_flags.blocked_in_xen, false, 'notified: the vcpu is woken');
    assert.equal(t.resume(G, 0).value, 0, 'RESUMED');
  });

  it('not its own: another queue, another size, another address', () => {
    for (const [gpa, data, log2] of [[NOTIFY, 2n, 2], [NOTIFY, 1n, 1], [NOTIFY + 4n, 1n, 2], [NOTIFY - 0x10n, 1n, 2]] as const) {
      const t = setup();
      assign(t, 4, 1);
      write(t, gpa, data, log2);
      assert.equal(irq(t), IRQ_NONE, `${gpa} ${data} ${log2}`);
      assert.equal(slot(t), A.STATE_IOREQ_READY);
    }
  });

  it('in parts: the check leaves the slot READY; INPROCESS comes with the walk; the write-back ends it; a part out of turn does nothing', () => {
    const t = setup();
    assign(t, 4, 1);
    const k = t.dm('k');
    assert.equal(irq(t, 2), IRQ_NONE, 'no check made yet');
    assert.equal(irq(t, 3), IRQ_NONE);
    write(t, NOTIFY, 1n);
    assert.equal(irq(t, 1), KIO_UNDER_WAY);
    assert.equal(k.kio_at[0], KIO_CHECKED);
    assert.equal(slot(t), A.STATE_IOREQ_READY);
    assert.equal(irq(t, 3), IRQ_NONE, 'the write-back before the walk');
    assert.equal(irq(t, 2), KIO_UNDER_WAY);
    assert.equal(k.kio_at[0], KIO_INPROCESS);
    assert.equal(slot(t), A.STATE_IOREQ_INPROCESS);
    assert.equal(k.kio_state[0], A.STATE_IORESP_READY, 'its own: the answer decided');
    assert.equal(irq(t, 3), IRQ_HANDLED);
    assert.equal(slot(t), A.STATE_IORESP_READY);
    assert.equal(k.kio_at[0], KIO_IDLE);
    assert.equal(irq(t, 3), IRQ_NONE, 'over');
  });

  it('the walk reads the request again under the lock: a slot rewritten between check and walk is judged as it is then', () => {
    const t = setup();
    assign(t, 4, 1);
    write(t, STATUS, 1n);
    assert.equal(irq(t, 1), KIO_UNDER_WAY);
    // The backend (another CPU) answers and the guest's next write is its own notify.
    const pg = t.dm('v').shared_page!;
    pg.setBigUint64(A.ioreqOffset(0) + 0, NOTIFY, true);
    assert.equal(irq(t, 2), KIO_UNDER_WAY);
    assert.equal(t.dm('k').kio_state[0], A.STATE_IORESP_READY);
    assert.equal(irq(t, 3), IRQ_HANDLED);
  });

  it('stops: check (the slot), inprocess, walk (its own or not), write_back (the state)', () => {
    const t = setup('stepped');
    assign(t, 4, 1);
    write(t, STATUS, 1n);
    let from = t.stops.length;
    irq(t);
    assert.deepEqual(t.labels('ioeventfd_interrupt', from), ['check', 'inprocess', 'walk', 'write_back']);
    assert.deepEqual(t.pick('ioeventfd_interrupt', 'check', ['i', 'state', 'type', 'dir'], from), [{ i: 0, state: 'STATE_IOREQ_READY', type: 'IOREQ_TYPE_COPY', dir: A.IOREQ_WRITE }]);
    assert.deepEqual(t.pick('ioeventfd_interrupt', 'walk', ['own'], from), [{ own: false }]);
    assert.deepEqual(t.pick('ioeventfd_interrupt', 'write_back', ['state'], from), [{ state: A.STATE_IOREQ_READY }]);
    t.serve('v', 0);
    t.resume(G, 0);
    write(t, NOTIFY, 1n);
    from = t.stops.length;
    irq(t);
    assert.deepEqual(t.pick('ioeventfd_interrupt', 'walk', ['own'], from), [{ own: true }]);
    assert.deepEqual(t.pick('ioeventfd_interrupt', 'write_back', ['state'], from), [{ state: A.STATE_IORESP_READY }]);
  });
});

describe('privcmd ioeventfd (mutation): ioeventfd_interrupt with the ownOnly fix (not upstream)', () => {
  it('another register\'s write is left alone: IRQ_NONE and the slot never written', () => {
    const t = setup();
    assign(t, 4, 1, true);
    write(t, STATUS, 1n);
    const from = t.m.x.events.length;
    assert.equal(irq(t), IRQ_NONE);
    assert.deepEqual(slotEvents(t, from), []);
    assert.equal(t.dm('k').kio_at[0], KIO_IDLE);
  });

  it('its own notify is claimed at the check (READY -> INPROCESS in one step) and answered at the write-back', () => {
    const t = setup();
    assign(t, 4, 1, true);
    const k = t.dm('k');
    write(t, NOTIFY, 1n);
    assert.equal(irq(t, 2), IRQ_NONE, 'nothing claimed yet');
    const from = t.m.x.events.length;
    assert.equal(irq(t, 1), KIO_UNDER_WAY);
    assert.equal(slot(t), A.STATE_IOREQ_INPROCESS);
    assert.equal(k.kio_at[0], KIO_INPROCESS);
    assert.equal(k.kio_signals, 1);
    assert.deepEqual(slotEvents(t, from), [['STATE_IOREQ_READY', 'STATE_IOREQ_INPROCESS']]);
    assert.equal(irq(t, 2), KIO_UNDER_WAY, 'nothing left for the walk');
    assert.equal(slot(t), A.STATE_IOREQ_INPROCESS);
    assert.equal(irq(t, 3), IRQ_HANDLED);
    assert.equal(slot(t), A.STATE_IORESP_READY);
  });

  it('whole, its own notify: IRQ_HANDLED; stops: check, claim, write_back', () => {
    const t = setup('stepped');
    assign(t, 4, 1, true);
    write(t, NOTIFY, 1n);
    const from = t.stops.length;
    assert.equal(irq(t), IRQ_HANDLED);
    assert.equal(slot(t), A.STATE_IORESP_READY);
    assert.deepEqual(t.labels('ioeventfd_interrupt', from), ['check', 'claim', 'write_back']);
    assert.deepEqual(t.pick('ioeventfd_interrupt', 'claim', ['i'], from), [{ i: 0 }]);
  });

  it('the slot-state event names the kernel, the vcpu and both states; none with events off', () => {
    const t = setup();
    assign(t, 4, 1, true);
    write(t, NOTIFY, 1n);
    const from = t.m.x.events.length;
    irq(t, 1);
    assert.deepEqual(t.m.x.events.slice(from).filter((e) => e.kind === 'slot_state').map(({ seq: _s, actor: _a, ...e }) => e), [
      { kind: 'slot_state', fn: 'ioeventfd_interrupt', domid: G, vcpu: 0, before: 'STATE_IOREQ_READY', after: 'STATE_IOREQ_INPROCESS', text: 'dom0 kernel (privcmd ioeventfd): d1v0 slot STATE_IOREQ_READY -> STATE_IOREQ_INPROCESS' },
    ]);
    t.m.x.on = false;
    const n = t.m.x.events.length;
    irq(t, 3);
    assert.equal(t.m.x.events.length, n);
    assert.equal(slot(t), A.STATE_IORESP_READY);
  });
});

describe('privcmd ioeventfd (mutation): which slots the interrupt looks at', () => {
  it('a write the backend already answered (IORESP_READY) is not taken again: IRQ_NONE, the answer left in place', () => {
    const t = setup();
    assign(t, 4, 1);
    write(t, NOTIFY, 1n);
    assert.equal(t.serve('v', 0).value, 1, 'the backend answers first');
    const from = t.m.x.events.length;
    assert.equal(irq(t), IRQ_NONE);
    assert.equal(slot(t), A.STATE_IORESP_READY);
    assert.deepEqual(slotEvents(t, from), []);
    assert.equal(t.dm('k').kio_signals, 0);
  });

  it('a READY port write (not COPY: x86 port I/O to varstored) is not looked at', () => {
    const t = Rec.make('4.21', 'flat', 1, G);
    t.addDm('vs', 'varstored', 0, G);
    assert.equal(t.dmInit('vs').value, 0);
    t.addDm('k', 'ioeventfd', 0, G);
    assert.equal(assign(t, 4, 1, false, 'vs', 0x100n - VIRTIO_MMIO_QUEUE_NOTIFY), 0);
    t.pio(G, 0, 0x100, 4, A.IOREQ_WRITE, 1n);
    const pg = t.dm('vs').shared_page!;
    assert.equal(A.getState(pg, 0), A.STATE_IOREQ_READY);
    const from = t.m.x.events.length;
    assert.equal(irq(t), IRQ_NONE);
    assert.equal(A.getState(pg, 0), A.STATE_IOREQ_READY);
    assert.deepEqual(slotEvents(t, from), []);
  });
});
