// @stepped
// Linux's privcmd ioeventfd (drivers/xen/privcmd.c, "xen: privcmd: Add support for ioeventfd", Viresh Kumar, Linux
// 6.7) [LINUX]: the dom0 kernel binds a vcpu's ioreq port a second time (IRQF_SHARED, beside the user-space device
// model's binding through /dev/xen/evtchn) and, in the interrupt, looks at the vcpu's slot in the same page the
// device model mapped: a COPY write that is its own virtqueue's QUEUE_NOTIFY it answers itself (IORESP_READY,
// notify, the eventfd signalled); any other READY COPY write it marks INPROCESS while it walks its list, then puts
// READY back and returns IRQ_NONE for the device model to serve. `ownOnly` is the obvious fix (not upstream): the
// handler decides from the request alone whether it is its own, touches the state of no other, and claims its own
// with a compare-exchange (READY -> INPROCESS) in the same step as the check.
import * as A from '../abi';
import type { DeviceModel } from '../dm';
import * as E from '../evtchn';
import { EINVAL } from '../errno';
import { $, type Co } from '../step';
import { Tools421 } from './tools421';

/** VIRTIO_MMIO_QUEUE_NOTIFY (include/uapi/linux/virtio_mmio.h) and privcmd's QUEUE_NOTIFY_VQ_MASK. */
export const VIRTIO_MMIO_QUEUE_NOTIFY = 0x50n;
export const QUEUE_NOTIFY_VQ_MASK = 0xffffn;
/** irqreturn_t. */
export const IRQ_NONE = 0;
export const IRQ_HANDLED = 1;
/** The model's return of a part that leaves the handler under way (the next part goes on). */
export const KIO_UNDER_WAY = 2;
/** Where the handler stands for a vcpu between the parts of one interrupt (DeviceModel.kio_at). */
export const KIO_IDLE = 0;
export const KIO_CHECKED = 1;
export const KIO_INPROCESS = 2;

export class PrivcmdIoeventfd extends Tools421 {
  /**
   * privcmd_ioeventfd_assign -> get_ioreq / alloc_ioreq (privcmd.c, Linux 6.7): the page is the one the device
   * model's mapping holds (found through its VMA), the ports are the ones it bound; each is bound again to the
   * kernel's handler, sharing the interrupt.
   */
  *privcmdIoeventfdAssign(k: DeviceModel, of: DeviceModel, addr: bigint, addrLen: number, vq: number, ownOnly: boolean): Co<number> {
    yield $('check', { addr: A.hex(addr), addr_len: addrLen, vcpus: of.max_cpus });
    if (![1, 2, 4, 8].includes(addrLen) || !of.max_cpus) return -EINVAL;
    yield $('vma', { mapped: !!of.shared_page });
    if (!of.shared_page) return -14; // -EFAULT: no vma for the ioreq page
    k.shared_page = of.shared_page;
    k.ioservid = of.ioservid;
    k.pages_how = of.pages_how;
    k.max_cpus = of.max_cpus;
    k.kio_addr = addr; k.kio_addr_len = addrLen; k.kio_vq = vq; k.kio_own_only = ownOnly;
    const d = this.dmDomain(k);
    for (let i = 0; i < of.max_cpus; i++) {
      const port = of.ioreq_local_port[i];
      yield $('bind');
      if (port === undefined || port < 0 || !d.evtchn.valid(port)) return -EINVAL;
      k.ioreq_local_port[i] = port;
      k.kio_at[i] = KIO_IDLE; k.kio_state[i] = A.STATE_IOREQ_READY;
      d.evtchn.w(port).irq_shared = true;
    }
    return 0;
  }

  /** The kernel's write of vcpu i's slot state, as a model event. */
  note(k: DeviceModel, i: number, before: number, state: number): void {
    if (this.x.on) this.x.emit({ kind: 'slot_state', fn: 'ioeventfd_interrupt', domid: k.target, vcpu: i, before: A.STATE_NAMES[before] ?? before, after: A.STATE_NAMES[state] ?? state,
      text: `dom0 kernel (privcmd ioeventfd): d${k.target}v${i} slot ${A.STATE_NAMES[before] ?? before} -> ${A.STATE_NAMES[state] ?? state}` });
  }

  /** Whether the request is this ioeventfd's own queue notify (the list walk's test; one ioeventfd in the model). */
  isOwnNotify(k: DeviceModel, p: A.Ioreq): boolean {
    return p.addr === k.kio_addr + VIRTIO_MMIO_QUEUE_NOTIFY && p.size === k.kio_addr_len && (p.data & QUEUE_NOTIFY_VQ_MASK) === BigInt(k.kio_vq);
  }

  /**
   * The kernel's ioeventfd_interrupt (privcmd.c, Linux 6.7) for vcpu i's port, in three parts that each touch the slot state
   * once: 1 the check (READY, a COPY write; with ownOnly also its own notify), 2 INPROCESS and the list walk,
   * 3 the state it settled on (READY back, or IORESP_READY and a notify). part 0 runs them all; a later part after
   * the handler has returned does nothing. Returns IRQ_NONE / IRQ_HANDLED once the handler is over, else KIO_UNDER_WAY.
   */
  *ioeventfdInterrupt(k: DeviceModel, i: number, part: number): Co<number> {
    const pg = k.shared_page!;
    const off = A.ioreqOffset(i);
    const d = this.dmDomain(k);
    const port = k.ioreq_local_port[i];
    if (part <= 1) {
      d.evtchn.w(port).kernel_irq = false;
      const p = A.readIoreq(pg, off);
      yield $('check', { i, state: A.STATE_NAMES[p.state] ?? p.state, type: A.TYPE_NAMES[p.type] ?? p.type, dir: p.dir });
      if (p.state !== A.STATE_IOREQ_READY || p.type !== A.IOREQ_TYPE_COPY || p.dir !== A.IOREQ_WRITE) return IRQ_NONE;
      k.kio_state[i] = A.STATE_IOREQ_READY;
      if (k.kio_own_only) {
        // The fix: its own notify or nothing, claimed with cmpxchg(&ioreq->state, READY, INPROCESS) in the same
        // step as the check, so the request it answers is the one it looked at.
        if (!this.isOwnNotify(k, p)) return IRQ_NONE;
        yield $('claim');
        this.note(k, i, p.state, A.STATE_IOREQ_INPROCESS);
        A.setState(pg, off, A.STATE_IOREQ_INPROCESS);
        k.kio_signals++;
        k.kio_state[i] = A.STATE_IORESP_READY;
        k.kio_at[i] = KIO_INPROCESS;
        if (part === 1) return KIO_UNDER_WAY;
      } else {
        k.kio_at[i] = KIO_CHECKED;
        if (part === 1) return KIO_UNDER_WAY;
      }
    }
    if ((part === 0 || part === 2) && k.kio_own_only) {
      // Claimed at the check already: nothing left for this part.
      if (part === 2) return k.kio_at[i] === KIO_INPROCESS ? KIO_UNDER_WAY : IRQ_NONE;
    }
    if ((part === 0 || part === 2) && !k.kio_own_only) {
      if (k.kio_at[i] !== KIO_CHECKED) return IRQ_NONE;
      // spin_lock(&kioreq->lock); the state is set INPROCESS under the lock.
      yield $('inprocess');
      this.note(k, i, A.getState(pg, off), A.STATE_IOREQ_INPROCESS);
      A.setState(pg, off, A.STATE_IOREQ_INPROCESS);
      const p = A.readIoreq(pg, off);
      if (this.isOwnNotify(k, p)) {
        k.kio_signals++;
        k.kio_state[i] = A.STATE_IORESP_READY;
      }
      yield $('walk', { i, own: k.kio_state[i] === A.STATE_IORESP_READY });
      k.kio_at[i] = KIO_INPROCESS;
      if (part === 2) return KIO_UNDER_WAY;
    }
    if (k.kio_at[i] !== KIO_INPROCESS) return IRQ_NONE;
    const state = k.kio_state[i];
    yield $('write_back');
    this.note(k, i, A.getState(pg, off), state);
    A.setState(pg, off, state);
    k.kio_at[i] = KIO_IDLE;
    if (state === A.STATE_IORESP_READY) {
      E.evtchnSend(this.x, d, port);
      return IRQ_HANDLED;
    }
    return IRQ_NONE;
  }
}
