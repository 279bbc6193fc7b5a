// @stepped
// xen/common/memory.c of RELEASE-4.21.0 [X421]: XENMEM_acquire_resource for XENMEM_resource_ioreq_server, the way a
// device model gets a server's pages without a guest frame (acquire_resource, acquire_ioreq_server).
import { EINVAL, ENOENT, ESRCH, EPERM } from '../../../errno';
import { $, type Co } from '../../../step';
import type { Domain, GuestPage } from '../../../xen';
import { Ioreq421 } from './ioreq';

/** XENMEM_acquire_resource (public/memory.h) and its resource type. */
export const XENMEM_acquire_resource = 28;
export const XENMEM_resource_ioreq_server = 0;

/** struct xen_mem_acquire_resource, the fields the model uses. */
export interface XenMemAcquireResource {
  domid: number;
  type: number;
  id: number;
  frame: number;
  nr_frames: number;
  pad?: number;
}

export abstract class Memory421 extends Ioreq421 {
  /** acquire_ioreq_server (memory.c:1166-1199): ioreq_server_get_frame for each frame; nr_frames on success. */
  *acquireIoreqServer(d: Domain, id: number, frame: number, nr_frames: number, out: GuestPage[]): Co<number> {
    yield $('hvm', { d, id, frame, nr_frames });
    if (!d.is_hvm) return -EINVAL;
    if (id !== (id & 0xffff)) return -EINVAL;
    for (let i = 0; i < nr_frames; i++) {
      const o: { page: GuestPage | null } = { page: null };
      yield $('frame', { i: frame + i });
      const rc = yield* this.ioreqServerGetFrame(d, id, frame + i, o);
      if (rc) return rc;
      out.push(o.page!);
    }
    return nr_frames;
  }

  /**
   * acquire_resource: (memory.c:1250-1390), for the ioreq-server type: pad, frame bounds, the target (XSM_DM_PRIV:
   * dom0 or the domain whose device model the caller is), the resource's size, then the frames.
   */
  *acquireResource(xmar: XenMemAcquireResource, out: GuestPage[]): Co<number> {
    const currd = this.x.current!.domain;
    yield $('pad', { xmar });
    if (xmar.pad) return -EINVAL;
    if (xmar.frame < 0 || xmar.frame + xmar.nr_frames > 0xffffffff) return -EINVAL;
    const d = this.x.domains.get(xmar.domid);
    yield $('lookup', { domid: xmar.domid, found: !!d });
    if (!d || d.is_dying === 2) return -ESRCH;
    if (d === currd) return -EPERM; // rcu_lock_remote_domain_by_id: not oneself
    yield $('xsm', { currd: currd.domain_id, target: currd.target });
    if (currd.domain_id !== 0 && currd.target !== d.domain_id) return -EPERM;
    // resource_max_frames: one frame for the buffered ring, one per 128 vcpus (memory.c:1127-1139).
    const max = xmar.type === XENMEM_resource_ioreq_server && d.is_hvm ? 1 + Math.ceil(Math.max(d.vcpu.length, 1) * 32 / 4096) : 0;
    yield $('max_frames', { max });
    if (!max) return -EINVAL;
    if (xmar.nr_frames === 0) return -EINVAL;
    const rc = yield* this.acquireIoreqServer(d, xmar.id, xmar.frame, xmar.nr_frames, out);
    yield $('done', { rc });
    if (rc > 0 && this.x.on) this.x.emit({ kind: 'resource_acquire', fn: 'acquire_resource', domid: d.domain_id,
      detail: { server: xmar.id, frame: xmar.frame, nr_frames: xmar.nr_frames, by: currd.domain_id },
      text: `d${currd.domain_id} acquires d${d.domain_id} ioreq server ${xmar.id} frames ${xmar.frame}..${xmar.frame + xmar.nr_frames - 1}` });
    return rc < 0 ? rc : 0;
  }

  /**
   * guest_remove_page: (memory.c:318-453) -> guest_physmap_remove_page -> p2m_remove_page -> p2m_remove_entry (x86
   * mm/p2m.c:533-592): a RAM frame leaves the p2m, and since a device model may have it mapped, the removal asks for
   * a map-cache flush (p2m.c:569). A frame with no RAM is -ENOENT.
   */
  *guestRemovePage(d: Domain, gmfn: number): Co<number> {
    const pg = d.page(gmfn);
    yield $('lookup', { gmfn, ram: !!pg });
    if (!pg) return -ENOENT;
    this.ioreqRequestMapcacheInvalidate(d);
    d.physmap.delete(gmfn);
    d.holes.add(gmfn);
    yield $('removed', { gmfn });
    return 0;
  }

  /**
   * decrease_reservation: (memory.c:455-524) for one extent of order 0, the guest's own (a balloon driver giving a
   * frame back): nr_done, 1 when the frame went, 0 when guest_remove_page failed.
   */
  *decreaseReservation(d: Domain, gmfn: number): Co<number> {
    yield $('extent', { gmfn });
    const rc = yield* this.guestRemovePage(d, gmfn);
    return rc === 0 ? 1 : 0;
  }
}
