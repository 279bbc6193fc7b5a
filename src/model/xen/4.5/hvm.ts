// @stepped
// xen/arch/x86/hvm/hvm.c of RELEASE-4.5.0 [X45]: several ioreq servers per domain. A default server, made on
// demand by HVMOP_get_param and owned by params[HVM_PARAM_DM_DOMAIN], takes what no other server claims; secondary
// servers come from HVMOP_create_ioreq_server (17) with pages from the legacy gmfn pool, claim port, MMIO and PCI
// ranges (19/20), and serve only once enabled (22). Each function cites its lines as [X45 hvm.c:N].
import * as A from '../../abi';
import { EEXIST, EINVAL, ENOENT, ENOMEM, EPERM, ESRCH } from '../../errno';
import * as E from '../../evtchn';
import * as P from '../../params';
import { $, type Co } from '../../step';
import * as X from '../../xen';
import { HvmIoreqServer45, HvmIoreqVcpu45, IoreqRef, Rangeset45, type Domain, type HvmIoreqPage45, type Vcpu } from '../../xen';
import { CRASHED, DESCHEDULED, RESUMED, type ProtoIoreq } from '../common/outcome';
import * as R from '../common/rangeset';
import { Emulate45 } from './emulate';

/** HVMOP numbers (xen/include/public/hvm/hvm_op.h@RELEASE-4.5.0). */
export const HVMOP_set_param = 0;
export const HVMOP_get_param = 1;
export const HVMOP_create_ioreq_server = 17;
export const HVMOP_get_ioreq_server_info = 18;
export const HVMOP_map_io_range_to_ioreq_server = 19;
export const HVMOP_unmap_io_range_from_ioreq_server = 20;
export const HVMOP_destroy_ioreq_server = 21;
export const HVMOP_set_ioreq_server_state = 22;
/** HVMOP_IO_RANGE_* (hvm_op.h@RELEASE-4.5.0). */
export const HVMOP_IO_RANGE_PORT = 0;
export const HVMOP_IO_RANGE_MEMORY = 1;
export const HVMOP_IO_RANGE_PCI = 2;
export const IO_RANGE_NAMES = ['port', 'memory', 'pci'];

/** HVMOP_PCI_SBDF (hvm_op.h@RELEASE-4.5.0). */
export function hvmopPciSbdf(s: number, b: number, d: number, f: number): number {
  return (((s & 0xffff) << 16) | ((b & 0xff) << 8) | ((d & 0x1f) << 3) | (f & 0x07)) >>> 0;
}

export interface XenHvmParam { domid: number; index: number; value: number }
/** struct xen_hvm_create_ioreq_server */
export interface XenHvmCreateIoreqServer { domid: number; handle_bufioreq: number; id: number }
/** struct xen_hvm_get_ioreq_server_info */
export interface XenHvmGetIoreqServerInfo { domid: number; id: number; bufioreq_port: number; ioreq_pfn: number; bufioreq_pfn: number }
/** struct xen_hvm_io_range */
export interface XenHvmIoRange { domid: number; id: number; type: number; start: number; end: number }
/** struct xen_hvm_set_ioreq_server_state */
export interface XenHvmSetIoreqServerState { domid: number; id: number; enabled: number }
/** struct xen_hvm_destroy_ioreq_server */
export interface XenHvmDestroyIoreqServer { domid: number; id: number }
export type HvmOpArg = XenHvmParam | XenHvmCreateIoreqServer | XenHvmGetIoreqServerInfo | XenHvmIoRange | XenHvmSetIoreqServerState | XenHvmDestroyIoreqServer;

/** HVMPTM_one_missed_tick_pending (params.h@RELEASE-4.5.0) and SHUTDOWN_MAX (public/sched.h:162@RELEASE-4.5.0). */
const HVMPTM_one_missed_tick_pending = 3;
const SHUTDOWN_MAX = 4;
const SHUTDOWN_reboot = 1;

export class Hvm45 extends Emulate45 {
  // ---- slots and the vcpu path ----

  /** get_ioreq [X45 hvm.c:373-381]: v's slot in s's mapped page (ASSERT(p != NULL)). */
  ioreqOf(s: HvmIoreqServer45, v: Vcpu): IoreqRef {
    if (s.freed) this.x.bugs.push({ kind: 'use-after-free', fn: 'get_ioreq', text: `get_ioreq used d${s.domain.domain_id}'s ioreq server ${s.id} after xfree()` });
    const va = s.ioreq.va;
    if (!va) throw new X.XenPanic('get_ioreq', `ASSERT(p != NULL) failed: ioreq server ${s.id} of d${s.domain.domain_id} has no ioreq page`);
    return new IoreqRef(va, A.ioreqOffset(v.vcpu_id), v.vcpu_id);
  }

  /** hvm_io_pending [X45 hvm.c:383-399]. */
  hvmIoPending(v: Vcpu): boolean {
    for (const s of v.domain.hvm45.ioreq_server.list) if (this.ioreqOf(s, v).state !== A.STATE_IOREQ_NONE) return true;
    return false;
  }

  /** hvm_has_dm [X45 hvm.c:2510-2513]. */
  hvmHasDm(v: Vcpu): boolean {
    return v.domain.hvm45.ioreq_server.list.length > 0;
  }

  /** hvm_wait_for_io [X45 hvm.c:401-426]: until NONE; a weird state crashes the domain and returns 0. */
  *hvmWaitForIo(sv: HvmIoreqVcpu45, p: IoreqRef): Co<number> {
    const v = sv.vcpu;
    for (;;) {
      yield $('loop', { sv, p, state: p.state });
      if (p.state === A.STATE_IOREQ_NONE) break;
      const state = p.state;
      yield $('switch');
      switch (state) {
        case A.STATE_IORESP_READY:
          yield $('assist');
          yield* this.hvmIoAssist(p);
          yield $('assist_break');
          break;
        case A.STATE_IOREQ_READY:
        case A.STATE_IOREQ_INPROCESS:
          // Before 125833f5f1 the port waited on was the slot's vp_eport (the wait itself does not use it).
          yield $('wait', { p, port: this.x.reverted('125833f5f1') ? p.vp_eport : sv.ioreq_evtchn });
          if (this.waitOnXenEventChannel(v, p)) return DESCHEDULED;
          yield $('wait_break');
          break;
        default:
          yield $('weird');
          this.x.printk('XENLOG_ERR', 'hvm_wait_for_io', v.domain, `Weird HVM iorequest state ${state}.`);
          yield $('domain_crash', { d: v.domain });
          this.domainCrash(v.domain, 'hvm_wait_for_io', `Weird HVM iorequest state ${state}`);
          yield $('crash_ret');
          return CRASHED; // return 0: bail
      }
    }
    yield $('ret');
    return RESUMED;
  }

  /** hvm_do_resume [X45 hvm.c:428-464]: wait on every server v belongs to, in list order; a crash skips the rest. */
  *hvmDoResume(v: Vcpu): Co<number> {
    yield $('init_d');
    const d = v.domain;
    yield $('check_wakeup');
    yield $('pt_restore_timer'); // the model keeps no platform timers
    for (const s of d.hvm45.ioreq_server.list) {
      yield $('server');
      yield $('find_vcpu');
      // find_vcpu: v's entry in the server's vcpu list (the first, as the list holds each vcpu once), or NULL.
      const sv = s.ioreq_vcpu_list.find((e) => e.vcpu === v) ?? null;
      yield $('wait');
      if (sv) {
        const r = yield* this.hvmWaitForIo(sv, this.ioreqOf(s, v));
        if (r !== RESUMED) return r; // hvm_wait_for_io returned 0 (or the vcpu is descheduled inside it)
      }
    }
    yield $('inject_trap', { v, vector: v.arch.hvm_vcpu.inject_trap.vector });
    this.injectPendingTrap(v);
    return RESUMED;
  }

  // ---- the legacy gmfn pool ----

  /** hvm_alloc_ioreq_gmfn [X45 hvm.c:466-483]: the lowest set bit of the mask, cleared; -ENOMEM when none is left. */
  *hvmAllocIoreqGmfn(d: Domain, out: { gmfn: number }): Co<number> {
    const g = d.hvm45.ioreq_gmfn;
    // The for line stops before each test of i, the last (i == 64) included.
    for (let i = 0; ; i++) {
      yield $('scan', { d, base: A.hex(g.base), mask: '0x' + g.mask.toString(16) });
      if (i >= 64) break;
      const bit = 1n << BigInt(i);
      yield $('test_bit', { mask: '0x' + g.mask.toString(16) });
      if (g.mask & bit) {
        g.mask &= ~bit;
        out.gmfn = g.base + i;
        yield $('found', { i, gmfn: A.hex(out.gmfn) });
        yield $('found_ret');
        return 0;
      }
    }
    yield $('none');
    return -ENOMEM;
  }

  /**
   * hvm_free_ioreq_gmfn [X45 hvm.c:485-490]: as written, it CLEARS the page's bit (clear_bit), so a page given back
   * is never handed out again; the pool only shrinks. No bound is checked, as in C: every gmfn given is one
   * hvm_alloc_ioreq_gmfn handed out, so i is below 64.
   */
  hvmFreeIoreqGmfn(d: Domain, gmfn: number): void {
    const i = gmfn - d.hvm45.ioreq_gmfn.base;
    d.hvm45.ioreq_gmfn.mask &= ~(1n << BigInt(i));
  }

  // ---- the pages ----

  /** hvm_unmap_ioreq_page [X45 hvm.c:492-497]. */
  *hvmUnmapIoreqPage(s: HvmIoreqServer45, buf: number): Co<void> {
    yield $('init_iorp');
    const iorp = buf ? s.bufioreq : s.ioreq;
    yield $('unmap', { s, buf, gmfn: A.hex(iorp.gmfn) });
    yield* this.destroyRingForHelper(s.domain, iorp);
  }

  /** hvm_map_ioreq_page [X45 hvm.c:499-522]: map gmfn; if a page is there already or d is dying, drop it, -EINVAL. */
  *hvmMapIoreqPage(s: HvmIoreqServer45, buf: number, gmfn: number): Co<number> {
    yield $('init_d');
    const d = s.domain;
    yield $('init_iorp');
    const iorp = buf ? s.bufioreq : s.ioreq;
    yield $('prepare');
    const r = yield* this.prepareRingForHelper(d, gmfn);
    if (r.rc) return r.rc;
    yield $('check_busy', { s, buf, va: iorp.va ? 'mapped' : 'NULL', is_dying: d.is_dying });
    if (iorp.va !== null || d.is_dying) {
      yield $('busy_destroy');
      yield* this.destroyRingForHelper(d, { va: r.va, page: r.page });
      yield $('busy_ret');
      return -EINVAL;
    }
    yield $('publish');
    iorp.va = r.va;
    yield $('set_page');
    iorp.page = r.page;
    yield $('set_gmfn');
    iorp.gmfn = gmfn;
    yield $('ret');
    return 0;
  }

  /** hvm_remove_ioreq_gmfn [X45 hvm.c:524-530]: the page leaves the guest's physmap and is cleared. */
  hvmRemoveIoreqGmfn(d: Domain, iorp: HvmIoreqPage45): void {
    d.holes.add(iorp.gmfn);
    X.clearPage(iorp.va!); // clear_page(iorp->va): only a mapped page is removed (hvm_ioreq_server_enable)
    if (this.x.on) this.x.emit({ kind: 'page_remove', fn: 'hvm_remove_ioreq_gmfn', domid: d.domain_id, detail: { pfn: iorp.gmfn },
      text: `d${d.domain_id} pfn ${A.hex(iorp.gmfn)} taken out of the guest's physmap and cleared` });
  }

  /** hvm_add_ioreq_gmfn [X45 hvm.c:532-538]: cleared, and back in the physmap. */
  hvmAddIoreqGmfn(d: Domain, iorp: HvmIoreqPage45): number {
    X.clearPage(iorp.va!); // as in remove: only a mapped page goes back (hvm_ioreq_server_disable)
    d.holes.delete(iorp.gmfn);
    if (this.x.on) this.x.emit({ kind: 'page_populate', fn: 'hvm_add_ioreq_gmfn', domid: d.domain_id, detail: { pfn: iorp.gmfn },
      text: `d${d.domain_id} pfn ${A.hex(iorp.gmfn)} cleared and put back in the guest's physmap` });
    return 0;
  }

  // ---- vcpus of a server ----

  /** hvm_update_ioreq_evtchn [X45 hvm.c:592-603]: the vcpu's port into its slot, if the page is mapped. */
  *hvmUpdateIoreqEvtchn(s: HvmIoreqServer45, sv: HvmIoreqVcpu45): Co<void> {
    yield $('check', { s, sv, va: s.ioreq.va ? 'mapped' : 'NULL' });
    if (s.ioreq.va !== null) {
      const p = this.ioreqOf(s, sv.vcpu);
      p.vp_eport = sv.ioreq_evtchn;
      if (this.x.on) this.x.emit({ kind: 'slot_write', fn: 'hvm_update_ioreq_evtchn', domid: s.domain.domain_id, vcpu: sv.vcpu.vcpu_id,
        detail: { server: s.id, vp_eport: sv.ioreq_evtchn }, text: `d${s.domain.domain_id}v${sv.vcpu.vcpu_id} server ${s.id} slot vp_eport = ${sv.ioreq_evtchn}` });
    }
  }

  /** hvm_ioreq_server_add_vcpu [X45 hvm.c:605-658]: a port for v (vcpu 0 also the buffered one); vp_eport if enabled. */
  *hvmIoreqServerAddVcpu(s: HvmIoreqServer45, is_default: boolean, v: Vcpu): Co<number> {
    const d = s.domain;
    yield $('alloc_sv');
    const failed = this.x.failNext('xzalloc');
    yield $('check_sv', { sv: failed ? 'NULL' : 'allocated' });
    if (failed) return -ENOMEM; // fail1
    yield $('alloc_port', { s, v, domid: s.domid });
    let rc = E.allocUnboundXenEventChannel(this.x, d, v.vcpu_id, s.domid);
    yield $('check_port');
    if (rc < 0) return rc; // fail2
    yield $('set_port');
    const sv = new HvmIoreqVcpu45(v, rc);
    yield $('buf_port', { s, v, bufioreq: s.bufioreq.va ? 'mapped' : 'NULL' });
    if (v.vcpu_id === 0 && s.bufioreq.va !== null) {
      yield $('alloc_buf_port', { domid: s.domid });
      rc = E.allocUnboundXenEventChannel(this.x, d, v.vcpu_id, s.domid);
      yield $('check_buf_port');
      if (rc < 0) { // fail3
        E.freeXenEventChannel(this.x, d, sv.ioreq_evtchn);
        return rc;
      }
      yield $('set_buf_port');
      s.bufioreq_evtchn = rc;
      yield $('is_default');
      if (is_default) this.storeParam(d, P.HVM_PARAM_BUFIOREQ_EVTCHN, s.bufioreq_evtchn, 'hvm_ioreq_server_add_vcpu');
    }
    yield $('set_vcpu'); // sv was made with its vcpu
    yield $('list_add');
    s.ioreq_vcpu_list.unshift(sv);
    yield $('enabled', { enabled: s.enabled });
    if (s.enabled) yield* this.hvmUpdateIoreqEvtchn(s, sv);
    yield $('ret');
    return 0;
  }

  /** hvm_ioreq_server_remove_vcpu [X45 hvm.c:660-686]: v's entry out of the list, its port(s) freed. */
  *hvmIoreqServerRemoveVcpu(s: HvmIoreqServer45, v: Vcpu): Co<void> {
    yield $('find');
    const k = s.ioreq_vcpu_list.findIndex((sv) => sv.vcpu === v);
    yield $('check_sv', { sv: k < 0 ? 'NULL' : s.ioreq_vcpu_list[k] });
    if (k < 0) return;
    const sv = s.ioreq_vcpu_list[k];
    yield $('list_del');
    s.ioreq_vcpu_list.splice(k, 1);
    yield $('free', { s, v, port: sv.ioreq_evtchn, buf_port: v.vcpu_id === 0 && s.bufioreq.va ? s.bufioreq_evtchn : null });
    if (v.vcpu_id === 0 && s.bufioreq.va !== null) E.freeXenEventChannel(this.x, s.domain, s.bufioreq_evtchn);
    yield $('free_port', { port: sv.ioreq_evtchn });
    E.freeXenEventChannel(this.x, s.domain, sv.ioreq_evtchn);
    yield $('free_sv'); // xfree(sv): the model keeps no allocator
  }

  /** hvm_ioreq_server_remove_all_vcpus [X45 hvm.c:688-712]. */
  *hvmIoreqServerRemoveAllVcpus(s: HvmIoreqServer45): Co<void> {
    // The loop's head stops before each entry and once more when the list is empty.
    for (;;) {
      yield $('walk', { s, vcpus: s.ioreq_vcpu_list.length });
      if (!s.ioreq_vcpu_list.length) break;
      const sv = s.ioreq_vcpu_list[0];
      yield $('free', { s, v: sv.vcpu, port: sv.ioreq_evtchn });
      s.ioreq_vcpu_list.shift();
      yield $('free_buf', { vcpu_id: sv.vcpu.vcpu_id, bufioreq: s.bufioreq.va ? 'mapped' : 'NULL' });
      if (sv.vcpu.vcpu_id === 0 && s.bufioreq.va !== null) E.freeXenEventChannel(this.x, s.domain, s.bufioreq_evtchn);
      yield $('free_port', { port: sv.ioreq_evtchn });
      E.freeXenEventChannel(this.x, s.domain, sv.ioreq_evtchn);
      yield $('free_sv'); // xfree(sv): the model keeps no allocator
    }
  }

  // ---- a server's pages and ranges ----

  /** hvm_ioreq_server_map_pages [X45 hvm.c:714-772]: the default uses the IOREQ/BUFIOREQ params, others the pool. */
  *hvmIoreqServerMapPages(s: HvmIoreqServer45, is_default: boolean, handle_bufioreq: boolean): Co<number> {
    const d = s.domain;
    const ioreq = { gmfn: 0 }, bufioreq = { gmfn: 0 };
    let rc = 0;
    yield $('pfns');
    if (is_default) {
      yield $('default_ioreq_pfn');
      ioreq.gmfn = d.arch.hvm_domain.params[P.HVM_PARAM_IOREQ_PFN];
      yield $('assert_bufioreq');
      if (!handle_bufioreq) throw new X.XenPanic('hvm_ioreq_server_map_pages', 'ASSERT(handle_bufioreq) failed for the default server');
      yield $('default_bufioreq_pfn');
      bufioreq.gmfn = d.arch.hvm_domain.params[P.HVM_PARAM_BUFIOREQ_PFN];
    } else {
      yield $('alloc_ioreq');
      rc = yield* this.hvmAllocIoreqGmfn(d, ioreq);
      if (rc) return rc; // fail1
      yield $('alloc_bufioreq', { ioreq_pfn: A.hex(ioreq.gmfn) });
      if (handle_bufioreq) {
        rc = yield* this.hvmAllocIoreqGmfn(d, bufioreq);
        if (rc) { // fail2
          yield $('free_ioreq', { rc, ioreq_pfn: A.hex(ioreq.gmfn) });
          this.hvmFreeIoreqGmfn(d, ioreq.gmfn);
          yield $('ret');
          return rc;
        }
      }
    }
    yield $('map_ioreq', { s, gmfn: A.hex(ioreq.gmfn) });
    rc = yield* this.hvmMapIoreqPage(s, 0, ioreq.gmfn);
    yield $('check_map_ioreq');
    if (!rc && handle_bufioreq) {
      yield $('map_bufioreq', { s, gmfn: A.hex(bufioreq.gmfn) });
      rc = yield* this.hvmMapIoreqPage(s, 1, bufioreq.gmfn);
      yield $('check_map_bufioreq');
      if (rc) yield* this.hvmUnmapIoreqPage(s, 0); // fail4
    }
    if (rc) { // fail3, fail2
      yield $('fail');
      yield $('free_bufioreq', { bufioreq_pfn: A.hex(bufioreq.gmfn) });
      if (!is_default && handle_bufioreq) this.hvmFreeIoreqGmfn(d, bufioreq.gmfn);
      yield $('free_ioreq', { ioreq_pfn: A.hex(ioreq.gmfn) });
      if (!is_default) this.hvmFreeIoreqGmfn(d, ioreq.gmfn);
    }
    yield $('ret');
    return rc;
  }

  /** hvm_ioreq_server_unmap_pages [X45 hvm.c:774-792]: unmap both, and give pool pages back (see free_ioreq_gmfn). */
  *hvmIoreqServerUnmapPages(s: HvmIoreqServer45, is_default: boolean): Co<void> {
    yield $('init_handle_bufioreq', { bufioreq: s.bufioreq.va ? 'mapped' : 'NULL' });
    const handle_bufioreq = s.bufioreq.va !== null;
    yield $('unmap');
    if (handle_bufioreq) yield* this.hvmUnmapIoreqPage(s, 1);
    yield $('unmap_ioreq');
    yield* this.hvmUnmapIoreqPage(s, 0);
    yield $('is_default');
    if (!is_default) {
      yield $('free_bufioreq', { bufioreq_pfn: A.hex(s.bufioreq.gmfn) });
      if (handle_bufioreq) this.hvmFreeIoreqGmfn(s.domain, s.bufioreq.gmfn);
      yield $('free_ioreq', { ioreq_pfn: A.hex(s.ioreq.gmfn) });
      this.hvmFreeIoreqGmfn(s.domain, s.ioreq.gmfn);
    }
  }

  /** hvm_ioreq_server_alloc_rangesets [X45 hvm.c:806-846]: none for the default; three limited to MAX_NR_IO_RANGES. */
  hvmIoreqServerAllocRangesets(s: HvmIoreqServer45, is_default: boolean): number {
    if (is_default) return 0;
    s.range = [new Rangeset45(), new Rangeset45(), new Rangeset45()];
    return 0;
  }

  /** hvm_ioreq_server_free_rangesets [X45 hvm.c:794-804]. */
  hvmIoreqServerFreeRangesets(s: HvmIoreqServer45, is_default: boolean): void {
    if (!is_default) s.range = null;
  }

  /** hvm_ioreq_server_enable [X45 hvm.c:848-877]: a secondary's pages leave the guest; every vp_eport is written. */
  *hvmIoreqServerEnable(s: HvmIoreqServer45, is_default: boolean): Co<void> {
    const d = s.domain;
    yield $('check', { s, enabled: s.enabled });
    if (s.enabled) return;
    if (!is_default) {
      yield $('remove_gmfns');
      yield $('remove_ioreq', { gmfn: A.hex(s.ioreq.gmfn) });
      this.hvmRemoveIoreqGmfn(d, s.ioreq);
      yield $('remove_bufioreq', { bufioreq: s.bufioreq.va ? 'mapped' : 'NULL' });
      if (s.bufioreq.va !== null) this.hvmRemoveIoreqGmfn(d, s.bufioreq);
    }
    yield $('enable');
    s.enabled = true;
    if (this.x.on) this.x.emit({ kind: 'server_state', fn: 'hvm_ioreq_server_enable', domid: d.domain_id, after: true, detail: { id: s.id },
      text: `d${d.domain_id} ioreq server ${s.id} enabled` });
    for (const sv of s.ioreq_vcpu_list) {
      yield $('update_evtchn');
      yield* this.hvmUpdateIoreqEvtchn(s, sv);
    }
  }

  /** hvm_ioreq_server_disable [X45 hvm.c:879-902]: a secondary's pages go back to the guest, cleared. */
  *hvmIoreqServerDisable(s: HvmIoreqServer45, is_default: boolean): Co<void> {
    const d = s.domain;
    yield $('check', { s, enabled: s.enabled });
    if (!s.enabled) return;
    if (!is_default) {
      yield $('add_gmfns');
      yield $('add_bufioreq', { bufioreq: s.bufioreq.va ? 'mapped' : 'NULL' });
      if (s.bufioreq.va !== null) this.hvmAddIoreqGmfn(d, s.bufioreq);
      yield $('add_ioreq', { gmfn: A.hex(s.ioreq.gmfn) });
      this.hvmAddIoreqGmfn(d, s.ioreq);
    }
    yield $('disable');
    s.enabled = false;
    if (this.x.on) this.x.emit({ kind: 'server_state', fn: 'hvm_ioreq_server_disable', domid: d.domain_id, after: false, detail: { id: s.id },
      text: `d${d.domain_id} ioreq server ${s.id} disabled` });
  }

  /** hvm_ioreq_server_init [X45 hvm.c:904-944]: rangesets, pages, then every vcpu; undone in reverse on failure. */
  *hvmIoreqServerInit(s: HvmIoreqServer45, d: Domain, domid: number, is_default: boolean, handle_bufioreq: boolean, id: number): Co<number> {
    yield $('set_ids');
    s.id = id; s.domain = d; s.domid = domid;
    yield $('rangesets');
    let rc = this.hvmIoreqServerAllocRangesets(s, is_default);
    yield $('check_rangesets');
    if (rc) return rc;
    yield $('map_pages');
    rc = yield* this.hvmIoreqServerMapPages(s, is_default, handle_bufioreq);
    yield $('check_map_pages');
    if (rc) { // fail_map
      yield $('fail_map');
      yield $('free_rangesets');
      this.hvmIoreqServerFreeRangesets(s, is_default);
      yield $('fail_ret');
      return rc;
    }
    for (const v of d.vcpu) {
      yield $('for_each_vcpu');
      yield $('add_vcpu');
      rc = yield* this.hvmIoreqServerAddVcpu(s, is_default, v);
      yield $('check_add_vcpu');
      if (rc) { // fail_add
        yield $('fail_add');
        yield $('remove_all_vcpus');
        yield* this.hvmIoreqServerRemoveAllVcpus(s);
        yield $('unmap_pages');
        yield* this.hvmIoreqServerUnmapPages(s, is_default);
        yield $('fail_map');
        yield $('free_rangesets');
        this.hvmIoreqServerFreeRangesets(s, is_default);
        yield $('fail_ret');
        return rc;
      }
    }
    yield $('ret');
    return 0;
  }

  /** hvm_ioreq_server_deinit [X45 hvm.c:946-952]. */
  *hvmIoreqServerDeinit(s: HvmIoreqServer45, is_default: boolean): Co<void> {
    yield $('deinit');
    yield* this.hvmIoreqServerRemoveAllVcpus(s);
    yield $('unmap_pages');
    yield* this.hvmIoreqServerUnmapPages(s, is_default);
    yield $('free_rangesets');
    this.hvmIoreqServerFreeRangesets(s, is_default);
  }

  /** next_ioservid [X45 hvm.c:954-978]: one past the last id handed out, skipping ids still in use (16 bits). */
  nextIoservid(d: Domain): number {
    const h = d.hvm45.ioreq_server;
    let id = h.id;
    do id = (id + 1) & 0xffff; while (h.list.some((s) => s.id === id));
    h.id = id;
    return id;
  }

  // ---- server lifecycle (the HVMOPs' bodies) ----

  /**
   * hvm_create_ioreq_server [X45 hvm.c:980-1029]: allocate, pause, -EEXIST for a second default, init with the
   * next id (consumed even when init fails), add at the HEAD of the list; the default is also enabled at once.
   */
  *hvmCreateIoreqServer(d: Domain, domid: number, is_default: boolean, handle_bufioreq: boolean, out: { id: number } | null): Co<number> {
    let rc = -ENOMEM;
    yield $('alloc');
    const failed = this.x.failNext('xzalloc');
    yield $('check_alloc', { s: failed ? 'NULL' : 'allocated' });
    if (failed) return rc; // fail1
    const s = new HvmIoreqServer45(d);
    yield $('pause');
    this.domainPause(d, 'hvm_create_ioreq_server');
    yield $('exist', { d, default_ioreq_server: d.hvm45.default_ioreq_server });
    if (is_default && d.hvm45.default_ioreq_server !== null) {
      yield $('eexist');
      rc = -EEXIST;
      yield $('exist_goto');
      // fail: (no xfree in the model: the server object is dropped)
      yield $('fail');
      yield $('fail_unpause');
      this.domainUnpause(d, 'hvm_create_ioreq_server'); // fail2
      yield $('fail_free');
      yield $('fail_ret');
      return rc;
    }
    const id = this.nextIoservid(d);
    yield $('init');
    rc = yield* this.hvmIoreqServerInit(s, d, domid, is_default, handle_bufioreq, id);
    yield $('check_init');
    if (rc) { // fail3
      yield $('fail');
      yield $('fail_unpause');
      this.domainUnpause(d, 'hvm_create_ioreq_server');
      yield $('fail_free');
      yield $('fail_ret');
      return rc;
    }
    yield $('list_add');
    d.hvm45.ioreq_server.list.unshift(s);
    if (this.x.on) this.x.emit({ kind: 'server_create', fn: 'hvm_create_ioreq_server', domid: d.domain_id,
      after: { id, domid, is_default, ioreq_pfn: s.ioreq.gmfn, bufioreq_pfn: s.bufioreq.va ? s.bufioreq.gmfn : null },
      text: `d${d.domain_id} ${is_default ? 'default ' : ''}ioreq server ${id} created for dm d${domid} (ioreq ${A.hex(s.ioreq.gmfn)}${s.bufioreq.va ? `, bufioreq ${A.hex(s.bufioreq.gmfn)}` : ''})` });
    yield $('is_default');
    if (is_default) {
      yield $('default');
      d.hvm45.default_ioreq_server = s;
      yield $('enable');
      yield* this.hvmIoreqServerEnable(s, true);
    }
    yield $('set_id');
    if (out) out.id = s.id;
    yield $('unpause');
    this.domainUnpause(d, 'hvm_create_ioreq_server');
    yield $('ret');
    return 0;
  }

  /** Looks a secondary server up by id, as each HVMOP body's list walk does (the default is skipped). */
  findSecondary(d: Domain, id: number): HvmIoreqServer45 | null {
    for (const s of d.hvm45.ioreq_server.list) {
      if (s === d.hvm45.default_ioreq_server) continue;
      if (s.id === id) return s;
    }
    return null;
  }

  /** hvm_destroy_ioreq_server [X45 hvm.c:1031-1066]: -ENOENT unless a secondary has this id; pause, unlist, deinit. */
  *hvmDestroyIoreqServer(d: Domain, id: number): Co<number> {
    const s = this.findSecondary(d, id);
    yield $('find');
    yield $('check_s');
    if (!s) return -ENOENT;
    yield $('pause');
    this.domainPause(d, 'hvm_destroy_ioreq_server');
    yield $('unlist');
    d.hvm45.ioreq_server.list.splice(d.hvm45.ioreq_server.list.indexOf(s), 1);
    yield $('deinit');
    yield* this.hvmIoreqServerDeinit(s, false);
    yield $('unpause');
    this.domainUnpause(d, 'hvm_destroy_ioreq_server');
    yield $('free');
    s.freed = true;
    if (this.x.on) this.x.emit({ kind: 'server_destroy', fn: 'hvm_destroy_ioreq_server', domid: d.domain_id, detail: { id },
      text: `d${d.domain_id} ioreq server ${id} destroyed` });
    yield $('ret');
    return 0;
  }

  /** hvm_get_ioreq_server_info [X45 hvm.c:1068-1104]: the pool gmfns and buffered port; untouched if no buffer. */
  *hvmGetIoreqServerInfo(d: Domain, id: number, out: XenHvmGetIoreqServerInfo): Co<number> {
    const s = this.findSecondary(d, id);
    yield $('find');
    yield $('check_s');
    if (!s) return -ENOENT;
    yield $('ioreq_pfn', { ioreq_pfn: A.hex(s.ioreq.gmfn) });
    out.ioreq_pfn = s.ioreq.gmfn;
    yield $('buf', { s, bufioreq: s.bufioreq.va ? 'mapped' : 'NULL' });
    if (s.bufioreq.va !== null) {
      yield $('bufioreq_pfn', { bufioreq_pfn: A.hex(s.bufioreq.gmfn) });
      out.bufioreq_pfn = s.bufioreq.gmfn;
      yield $('bufioreq_port', { bufioreq_port: s.bufioreq_evtchn });
      out.bufioreq_port = s.bufioreq_evtchn;
    }
    yield $('ret');
    return 0;
  }

  /** hvm_map_io_range_to_ioreq_server [X45 hvm.c:1106-1155]: -ENOENT, -EINVAL (type), -EEXIST (overlap), -ENOMEM. */
  *hvmMapIoRangeToIoreqServer(d: Domain, id: number, type: number, start: number, end: number): Co<number> {
    const s = this.findSecondary(d, id);
    yield $('find');
    yield $('check_s');
    if (!s) return -ENOENT;
    const r = s.range && type >= 0 && type < X.NR_IO_RANGE_TYPES ? s.range[type] : null;
    yield $('type');
    yield $('check_r');
    if (!r) return -EINVAL;
    yield $('overlap');
    if (R.rangesetOverlapsRange(r, start, end)) return -EEXIST;
    yield $('add');
    const rc = R.rangesetAddRange(r, start, end);
    if (rc === 0 && this.x.on) this.x.emit({ kind: 'io_range', fn: 'hvm_map_io_range_to_ioreq_server', domid: d.domain_id,
      detail: { id, type: IO_RANGE_NAMES[type], start, end, map: true }, text: `d${d.domain_id} ioreq server ${id} claims ${IO_RANGE_NAMES[type]} ${A.hex(start)}-${A.hex(end)}` });
    return rc;
  }

  /** hvm_unmap_io_range_from_ioreq_server [X45 hvm.c:1157-1206]: -ENOENT unless the range is wholly mapped. */
  *hvmUnmapIoRangeFromIoreqServer(d: Domain, id: number, type: number, start: number, end: number): Co<number> {
    const s = this.findSecondary(d, id);
    yield $('find');
    yield $('check_s');
    if (!s) return -ENOENT;
    const r = s.range && type >= 0 && type < X.NR_IO_RANGE_TYPES ? s.range[type] : null;
    yield $('type');
    yield $('check_r');
    if (!r) return -EINVAL;
    yield $('contains');
    if (!R.rangesetContainsRange(r, start, end)) return -ENOENT;
    yield $('remove');
    const rc = R.rangesetRemoveRange(r, start, end);
    if (rc === 0 && this.x.on) this.x.emit({ kind: 'io_range', fn: 'hvm_unmap_io_range_from_ioreq_server', domid: d.domain_id,
      detail: { id, type: IO_RANGE_NAMES[type], start, end, map: false }, text: `d${d.domain_id} ioreq server ${id} gives up ${IO_RANGE_NAMES[type]} ${A.hex(start)}-${A.hex(end)}` });
    return rc;
  }

  /** hvm_set_ioreq_server_state [X45 hvm.c:1208-1245]: pause, enable or disable a secondary, unpause. */
  *hvmSetIoreqServerState(d: Domain, id: number, enabled: boolean): Co<number> {
    const s = this.findSecondary(d, id);
    yield $('find');
    yield $('check_s');
    if (!s) return -ENOENT;
    yield $('pause');
    this.domainPause(d, 'hvm_set_ioreq_server_state');
    yield $('enable');
    if (enabled) yield* this.hvmIoreqServerEnable(s, false);
    else {
      yield $('disable');
      yield* this.hvmIoreqServerDisable(s, false);
    }
    yield $('unpause');
    this.domainUnpause(d, 'hvm_set_ioreq_server_state');
    yield $('ret');
    return 0;
  }

  /** hvm_all_ioreq_servers_add_vcpu [X45 hvm.c:1247-1278]: v joins every server; on failure it leaves them all. */
  *hvmAllIoreqServersAddVcpu(d: Domain, v: Vcpu): Co<number> {
    // The loop's head stops before each server and once more after the last.
    const list = d.hvm45.ioreq_server.list;
    for (let k = 0; ; k++) {
      yield $('walk', { d, v, servers: list.length });
      if (k >= list.length) break;
      const s = list[k];
      yield $('add');
      const rc = yield* this.hvmIoreqServerAddVcpu(s, s === d.hvm45.default_ioreq_server, v);
      yield $('check_add');
      if (rc) {
        yield $('fail');
        // C walks the list with s itself: at each stop s is the server being left, as here.
        for (const s of d.hvm45.ioreq_server.list) {
          yield $('remove_each');
          yield* this.hvmIoreqServerRemoveVcpu(s, v);
        }
        yield $('fail_ret');
        return rc;
      }
    }
    yield $('ret');
    return 0;
  }

  /** hvm_all_ioreq_servers_remove_vcpu [X45 hvm.c:1280-1292]. */
  *hvmAllIoreqServersRemoveVcpu(d: Domain, v: Vcpu): Co<void> {
    yield $('walk', { d, v, servers: d.hvm45.ioreq_server.list.length });
    for (const s of d.hvm45.ioreq_server.list) {
      yield $('remove');
      yield* this.hvmIoreqServerRemoveVcpu(s, v);
    }
  }

  /** hvm_destroy_all_ioreq_servers [X45 hvm.c:1294-1323]: no pause (the domain is going); the default disabled first. */
  *hvmDestroyAllIoreqServers(d: Domain): Co<void> {
    const list = d.hvm45.ioreq_server.list;
    // The loop's head stops before each server and once more when the list is empty.
    for (;;) {
      yield $('walk', { d, servers: list.length });
      if (!list.length) break;
      const s = list[0];
      const is_default = s === d.hvm45.default_ioreq_server;
      yield $('server');
      yield $('is_default');
      if (is_default) {
        yield $('disable');
        yield* this.hvmIoreqServerDisable(s, true);
        yield $('clear_default');
        d.hvm45.default_ioreq_server = null;
      }
      yield $('list_del');
      list.shift();
      yield $('deinit');
      yield* this.hvmIoreqServerDeinit(s, is_default);
      yield $('free');
      s.freed = true;
      if (this.x.on) this.x.emit({ kind: 'server_destroy', fn: 'hvm_destroy_all_ioreq_servers', domid: d.domain_id, detail: { id: s.id },
        text: `d${d.domain_id} ioreq server ${s.id} destroyed with its domain` });
    }
  }

  /**
   * hvm_set_dm_domain [X45 hvm.c:1340-1396]: no default server is not a failure; otherwise each of its vcpus
   * (newest first) gets a new port, vcpu 0 also a new buffered one. s->domid is set even when a replacement failed.
   */
  *hvmSetDmDomain(d: Domain, domid: number): Co<number> {
    yield $('init_s');
    const s = d.hvm45.default_ioreq_server;
    yield $('init_rc');
    let rc = 0;
    yield $('check');
    if (!s) return 0;
    yield $('pause');
    this.domainPause(d, 'hvm_set_dm_domain');
    yield $('same');
    if (s.domid !== domid) {
      for (const sv of s.ioreq_vcpu_list) {
        yield $('for_each_sv');
        const v = sv.vcpu;
        yield $('vcpu0', { vcpu_id: v.vcpu_id });
        if (v.vcpu_id === 0) {
          yield $('replace_buf');
          rc = yield* this.hvmReplaceEventChannel(v, domid, { get: () => s.bufioreq_evtchn, set: (p) => { s.bufioreq_evtchn = p; } });
          yield $('check_replace_buf');
          if (rc) break;
          yield $('store_buf', { bufioreq_evtchn: s.bufioreq_evtchn });
          this.storeParam(d, P.HVM_PARAM_BUFIOREQ_EVTCHN, s.bufioreq_evtchn, 'hvm_set_dm_domain');
        }
        yield $('replace');
        rc = yield* this.hvmReplaceEventChannel(v, domid, { get: () => sv.ioreq_evtchn, set: (p) => { sv.ioreq_evtchn = p; } });
        yield $('check_replace');
        if (rc) break;
        yield $('update');
        yield* this.hvmUpdateIoreqEvtchn(s, sv);
      }
      yield $('set_domid');
      const before = s.domid;
      s.domid = domid;
      if (this.x.on) this.x.emit({ kind: 'server_domid', fn: 'hvm_set_dm_domain', domid: d.domain_id, before, after: domid,
        text: `d${d.domain_id} default ioreq server now serves dm d${domid}${rc ? ` (a port replacement failed: ${rc})` : ''}` });
    }
    yield $('unpause');
    this.domainUnpause(d, 'hvm_set_dm_domain');
    yield $('ret');
    return rc;
  }

  // ---- domain and vcpu lifecycle ----

  /** hvm_domain_initialise [X45 hvm.c:1398-1486]: empty server list; HPET_ENABLED 1, TRIPLE_FAULT_REASON reboot. */
  *hvmDomainInitialise(d: Domain): Co<number> {
    yield $('init');
    d.hvm45 = new X.HvmDomain45();
    yield $('hpet_enabled');
    d.arch.hvm_domain.params[P.HVM_PARAM_HPET_ENABLED] = 1;
    yield $('triple_fault_reason');
    d.arch.hvm_domain.params[P.HVM_PARAM_TRIPLE_FAULT_REASON] = SHUTDOWN_reboot;
    // register_portio_handler(0xcf8): the model's port I/O path calls hvmAccessCf8 for 0xcf8 itself.
    yield $('register_cf8');
    yield $('ret');
    return 0;
  }

  /** hvm_domain_relinquish_resources [X45 hvm.c:1488-1507]: every server goes. */
  *hvmDomainRelinquishResources(d: Domain): Co<void> {
    yield $('destroy');
    yield* this.hvmDestroyAllIoreqServers(d);
  }

  /** hvm_vcpu_initialise [X45 hvm.c:2205-2282]: the new vcpu joins every existing server. */
  *hvmVcpuInitialise(v: Vcpu): Co<number> {
    yield $('add');
    return yield* this.hvmAllIoreqServersAddVcpu(v.domain, v);
  }

  /** hvm_vcpu_destroy [X45 hvm.c:2284-2301]. */
  *hvmVcpuDestroy(v: Vcpu): Co<void> {
    yield $('remove');
    yield* this.hvmAllIoreqServersRemoveVcpu(v.domain, v);
  }

  // ---- routing and sending ----

  /**
   * hvm_select_ioreq_server [X45 hvm.c:2327-2424]: NULL with no servers; anything but PIO/COPY to the default;
   * a 0xcfc-0xcff access with CF8's enable bit is a PCI config cycle (SBDF from CF8); the first enabled secondary
   * (newest first) whose range covers it wins (a PCI match rewrites p's type and addr); else the default, maybe NULL.
   */
  *hvmSelectIoreqServer(d: Domain, p: ProtoIoreq): Co<HvmIoreqServer45 | null> {
    const h = d.hvm45;
    yield $('init_cf8');
    const cf8 = h.pci_cf8 >>> 0;
    yield $('empty', { d, servers: h.ioreq_server.list.length });
    if (h.ioreq_server.list.length === 0) return null;
    yield $('type', { type: A.TYPE_NAMES[p.type] ?? p.type });
    // Before 3b586fc67d a list of one server also went straight to the default server (NULL if that one is not it).
    if (this.x.reverted('3b586fc67d') && h.ioreq_server.list.length === 1) return h.default_ioreq_server;
    if (p.type !== A.IOREQ_TYPE_COPY && p.type !== A.IOREQ_TYPE_PIO) return h.default_ioreq_server;
    let type: number, addr: bigint;
    yield $('cf8');
    if (p.type === A.IOREQ_TYPE_PIO && (p.addr & ~3n) === 0xcfcn && (cf8 & 0x80000000) !== 0) {
      const bdf = (cf8 & 0x00ffff00) >>> 8;
      const sbdf = hvmopPciSbdf(0, (bdf >> 8) & 0xff, (bdf >> 3) & 0x1f, bdf & 7);
      yield $('pci_type');
      type = A.IOREQ_TYPE_PCI_CONFIG;
      yield $('pci_addr');
      addr = (BigInt(sbdf) << 32n) | BigInt((cf8 & 0x0f000000) >>> 16) | BigInt(cf8 & 0xfc) | (p.addr & 3n);
    } else {
      yield $('plain_type');
      type = p.type;
      yield $('plain_addr');
      addr = p.addr;
    }
    for (const s of h.ioreq_server.list) {
      yield $('for_each_server');
      // A secondary always has its rangesets (hvm_ioreq_server_alloc_rangesets); !s.range keeps the types sound.
      yield $('skip', { s, enabled: s.enabled });
      if (s === h.default_ioreq_server || !s.enabled || !s.range) continue;
      const r = s.range[type];
      yield $('match');
      if (type === A.IOREQ_TYPE_PIO) {
        yield $('match_pio', { start: A.hex(addr), end: A.hex(Number(addr) + p.size - 1) });
        if (R.rangesetContainsRange(r, Number(addr), Number(addr) + p.size - 1)) return s;
      } else if (type === A.IOREQ_TYPE_COPY) {
        yield $('match_copy', { start: A.hex(addr), end: A.hex(Number(addr) + p.size * p.count - 1) });
        if (R.rangesetContainsRange(r, Number(addr), Number(addr) + p.size * p.count - 1)) return s;
      } else {
        yield $('match_pci', { sbdf: A.hex(Number(addr >> 32n)) });
        if (R.rangesetContainsSingleton(r, Number(addr >> 32n))) {
          yield $('pci_rewrite');
          p.type = type;
          p.addr = addr;
          yield $('pci_ret');
          return s;
        }
        yield $('pci_break');
      }
    }
    yield $('default', { s: h.default_ioreq_server });
    return h.default_ioreq_server;
  }

  /** hvm_buffered_io_send [X45 hvm.c:2426-2508]: onto the selected server's ring; 0 sends it the synchronous way. */
  override *hvmBufferedIoSend(v: Vcpu, p: ProtoIoreq): Co<number> {
    yield $('init_d');
    const d = v.domain;
    yield $('select');
    const s = yield* this.hvmSelectIoreqServer(d, p);
    yield $('no_server');
    if (!s) return 0;
    yield $('init_pg', { bufioreq: s.bufioreq.va ? 'mapped' : 'NULL' });
    const pg = s.bufioreq.va;
    yield $('page', { s, bufioreq: pg ? 'mapped' : 'NULL' });
    if (!pg) return 0;
    yield $('check_req', { addr: A.hex(p.addr), data_is_ptr: p.data_is_ptr, count: p.count });
    if (p.addr > 0xfffffn || p.data_is_ptr || p.count !== 1) return 0;
    yield $('size', { size: p.size });
    let size: number, qw = 0;
    switch (p.size) {
      case 1: size = 0; break;
      case 2: size = 1; break;
      case 4: size = 2; break;
      case 8: size = 3; qw = 1; break;
      default:
        this.x.printk('XENLOG_WARNING', 'hvm_buffered_io_send', d, `unexpected ioreq size: ${p.size}`);
        return 0;
    }
    const bp: A.BufIoreq = { type: p.type, pad: 0, dir: p.dir, size, addr: Number(p.addr), data: Number(p.data & 0xffffffffn) };
    const rp = pg.getUint32(A.BUF_OFF_READ_POINTER, true);
    const wp = pg.getUint32(A.BUF_OFF_WRITE_POINTER, true);
    yield $('full', { read_pointer: rp, write_pointer: wp, qw });
    if (((wp - rp) >>> 0) >= A.IOREQ_BUFFER_SLOT_NUM - qw) {
      if (this.x.on) this.x.emit({ kind: 'buffered_full', fn: 'hvm_buffered_io_send', domid: d.domain_id, vcpu: v.vcpu_id,
        detail: { server: s.id, read_pointer: rp, write_pointer: wp }, text: `d${d.domain_id} server ${s.id} buffered ring full: synchronous path` });
      return 0;
    }
    yield $('write_slot', { slot: wp % A.IOREQ_BUFFER_SLOT_NUM });
    A.writeBufIoreq(pg, A.bufSlotOffset(wp), bp);
    yield $('write_high');
    if (qw) {
      bp.data = Number((p.data >> 32n) & 0xffffffffn);
      A.writeBufIoreq(pg, A.bufSlotOffset((wp + 1) >>> 0), bp);
    }
    yield $('wmb'); // the model's stores are in program order already
    yield $('advance', { write_pointer: wp });
    const nwp = (wp + (qw ? 2 : 1)) >>> 0;
    pg.setUint32(A.BUF_OFF_WRITE_POINTER, nwp, true);
    if (this.x.on) this.x.emit({ kind: 'buffered_write', fn: 'hvm_buffered_io_send', domid: d.domain_id, vcpu: v.vcpu_id, before: wp, after: nwp,
      detail: { server: s.id, addr: A.hex(p.addr), size: p.size, data: A.hex(p.data) },
      text: `d${d.domain_id}v${v.vcpu_id} buffered to server ${s.id}: ${A.hex(p.addr)} size ${p.size} data ${A.hex(p.data)}: write_pointer ${wp} -> ${nwp}` });
    yield $('notify', { port: s.bufioreq_evtchn });
    E.notifyViaXenEventChannel(this.x, d, s.bufioreq_evtchn);
    yield $('ret');
    return 1;
  }

  /**
   * hvm_send_assist_req_to_ioreq_server [X45 hvm.c:2515-2572]: deferral; find v in the server's vcpu list (not
   * there: nothing is sent, yet 1 is returned); a busy slot or a vp_eport that is not v's port crashes the domain.
   * With 125833f5f1 reverted the port is the slot's own vp_eport, unchecked (what the shared page says).
   */
  *hvmSendAssistReqToIoreqServer(s: HvmIoreqServer45, v: Vcpu, proto_p: ProtoIoreq): Co<number> {
    const d = v.domain;
    yield $('init_curr');
    yield $('deferral');
    if (!this.vcpuStartShutdownDeferral(v)) return 0;
    const unfixed = this.x.reverted('125833f5f1');
    for (const sv of s.ioreq_vcpu_list) {
      yield $('for_each_sv');
      yield $('match_vcpu');
      if (sv.vcpu !== v) continue;
      yield $('get_ioreq');
      const p = this.ioreqOf(s, v);
      const port = unfixed ? p.vp_eport : sv.ioreq_evtchn;
      yield $('check_state', { s, p, state: p.state });
      if (p.state !== A.STATE_IOREQ_NONE) {
        yield $('bad_state', { state: p.state });
        this.x.printk('XENLOG_ERR', 'hvm_send_assist_req_to_ioreq_server', d, `Device model set bad IO state ${p.state}.`);
        yield $('bad_state_goto');
        yield $('crash');
        yield $('domain_crash');
        this.domainCrash(d, 'hvm_send_assist_req_to_ioreq_server', `Device model set bad IO state ${p.state}`);
        yield $('crash_ret');
        return 0;
      }
      yield $('check_port', { s, p, vp_eport: p.vp_eport, port });
      if (!unfixed && p.vp_eport !== port) {
        yield $('bad_port', { vp_eport: p.vp_eport });
        this.x.printk('XENLOG_ERR', 'hvm_send_assist_req_to_ioreq_server', d, `Device model set bad event channel ${p.vp_eport}.`);
        yield $('bad_port_goto');
        yield $('crash');
        yield $('domain_crash');
        this.domainCrash(d, 'hvm_send_assist_req_to_ioreq_server', `Device model set bad event channel ${p.vp_eport}`);
        yield $('crash_ret');
        return 0;
      }
      yield $('copy');
      proto_p.state = A.STATE_IOREQ_NONE;
      yield $('copy_port');
      proto_p.vp_eport = port;
      // *p = *proto_p (copyRequest writes the same state and port again: the check above made port the slot's).
      yield $('copy_slot');
      this.copyRequest(p, proto_p);
      yield $('prepare_wait');
      this.prepareWaitOnXenEventChannel(v, port);
      yield $('ready');
      this.setSlotState(v, p, A.STATE_IOREQ_READY, 'hvm_send_assist_req_to_ioreq_server');
      yield $('notify');
      E.notifyViaXenEventChannel(this.x, d, port);
      yield $('found_break');
      break;
    }
    yield $('ret');
    return 1;
  }

  /**
   * hvm_complete_assist_req [X45 hvm.c:2574-2602]: no server took it: a read gets all-ones, then (fall-through)
   * every type is answered at once through hvm_io_assist on the request itself, not on a slot.
   */
  *hvmCompleteAssistReq(v: Vcpu, p: ProtoIoreq): Co<number> {
    yield $('type', { type: A.TYPE_NAMES[p.type] ?? p.type, dir: p.dir });
    if (p.type === A.IOREQ_TYPE_COPY || p.type === A.IOREQ_TYPE_PIO) {
      yield $('read_ones', { dir: p.dir });
      if (p.dir === A.IOREQ_READ) p.data = 0xffffffffffffffffn;
    }
    yield $('resp_ready');
    p.state = A.STATE_IORESP_READY;
    const tmp = new DataView(new ArrayBuffer(A.IOREQ_SIZE));
    A.writeIoreq(tmp, 0, p);
    if (this.x.on) this.x.emit({ kind: 'io_complete', fn: 'hvm_complete_assist_req', domid: v.domain.domain_id, vcpu: v.vcpu_id,
      detail: { type: A.TYPE_NAMES[p.type], addr: A.hex(p.addr), dir: p.dir, data: A.hex(p.data) },
      text: `d${v.domain.domain_id}v${v.vcpu_id} no ioreq server for ${A.TYPE_NAMES[p.type] ?? p.type} ${A.hex(p.addr)}: Xen completes it (${p.dir ? 'read gives all-ones' : 'write dropped'})` });
    yield $('assist');
    yield* this.hvmIoAssist(new IoreqRef(tmp, 0, -1)); // -1: the request, not a slot
    yield $('assist_break');
    yield $('ret');
    return 1;
  }

  /**
   * hvm_send_assist_req [X45 hvm.c:2604-2612]: to the selected server, or completed by Xen when there is none
   * (3b586fc67d; reverted, nothing completes it: 0, and the instruction restarts).
   */
  *hvmSendAssistReq(v: Vcpu, p: ProtoIoreq): Co<number> {
    yield $('select');
    const s = yield* this.hvmSelectIoreqServer(v.domain, p);
    yield $('selected');
    if (!s) return this.x.reverted('3b586fc67d') ? 0 : yield* this.hvmCompleteAssistReq(v, p);
    yield $('to_server');
    return yield* this.hvmSendAssistReqToIoreqServer(s, v, p);
  }

  /** hvm_broadcast_assist_req [X45 hvm.c:2614-2625]: the request to every server, enabled or not; results ignored. */
  *hvmBroadcastAssistReq(v: Vcpu, p: ProtoIoreq): Co<void> {
    yield $('walk', { v, p, servers: v.domain.hvm45.ioreq_server.list.length });
    if (p.type !== A.IOREQ_TYPE_INVALIDATE) throw new X.XenPanic('hvm_broadcast_assist_req', 'ASSERT(p->type == IOREQ_TYPE_INVALIDATE) failed');
    for (const s of [...v.domain.hvm45.ioreq_server.list]) {
      yield $('for_each_server');
      yield $('server');
      yield* this.hvmSendAssistReqToIoreqServer(s, v, { ...p });
    }
  }

  // ---- the hypercalls ----

  /** The common head of the hvmop_* wrappers [X45 hvm.c:5272-5460]: rcu_lock_remote_domain_by_id, is_hvm, XSM_DM_PRIV. */
  *hvmopLockTarget(curr_d: Domain, domid: number): Co<{ rc: number; d: Domain | null }> {
    const d = this.x.domains.get(domid) ?? null;
    yield $('lookup');
    const rc = !d || d.is_dying === 2 ? -ESRCH : d === curr_d ? -EPERM : 0;
    yield $('check_lookup');
    if (!d || rc) return { rc, d: null };
    yield $('is_hvm');
    if (!d.is_hvm) return { rc: -EINVAL, d: null };
    yield $('xsm');
    // xsm_default_action(XSM_DM_PRIV): the target's device-model domain or the privileged domain.
    if (curr_d.target !== d.domain_id && curr_d.domain_id !== 0) return { rc: -EPERM, d: null };
    return { rc: 0, d };
  }

  /** hvmop_create_ioreq_server [X45 hvm.c:5272-5305]: the caller's domain serves (curr_d->domain_id). */
  *hvmopCreateIoreqServer(curr_d: Domain, op: XenHvmCreateIoreqServer): Co<number> {
    yield $('lock_target', { domid: op.domid });
    const t = yield* this.hvmopLockTarget(curr_d, op.domid);
    if (t.rc) return t.rc;
    yield $('create');
    const out = { id: op.id };
    const rc = yield* this.hvmCreateIoreqServer(t.d!, curr_d.domain_id, false, !!op.handle_bufioreq, out);
    if (rc) return rc;
    op.id = out.id;
    return 0;
  }

  /** hvmop_get_ioreq_server_info [X45 hvm.c:5307-5341]. */
  *hvmopGetIoreqServerInfo(curr_d: Domain, op: XenHvmGetIoreqServerInfo): Co<number> {
    yield $('lock_target', { domid: op.domid });
    const t = yield* this.hvmopLockTarget(curr_d, op.domid);
    if (t.rc) return t.rc;
    yield $('info');
    return yield* this.hvmGetIoreqServerInfo(t.d!, op.id, op);
  }

  /** hvmop_map_io_range_to_ioreq_server [X45 hvm.c:5343-5371] and hvmop_unmap_io_range_from_ioreq_server [5373-5401]. */
  *hvmopIoRange(curr_d: Domain, map: boolean, op: XenHvmIoRange): Co<number> {
    yield $('lock_target', { domid: op.domid });
    const t = yield* this.hvmopLockTarget(curr_d, op.domid);
    if (t.rc) return t.rc;
    yield $('range');
    return map ? yield* this.hvmMapIoRangeToIoreqServer(t.d!, op.id, op.type, op.start, op.end)
      : yield* this.hvmUnmapIoRangeFromIoreqServer(t.d!, op.id, op.type, op.start, op.end);
  }

  /** hvmop_set_ioreq_server_state [X45 hvm.c:5403-5430]. */
  *hvmopSetIoreqServerState(curr_d: Domain, op: XenHvmSetIoreqServerState): Co<number> {
    yield $('lock_target', { domid: op.domid });
    const t = yield* this.hvmopLockTarget(curr_d, op.domid);
    if (t.rc) return t.rc;
    yield $('state');
    return yield* this.hvmSetIoreqServerState(t.d!, op.id, !!op.enabled);
  }

  /** hvmop_destroy_ioreq_server [X45 hvm.c:5432-5459]. */
  *hvmopDestroyIoreqServer(curr_d: Domain, op: XenHvmDestroyIoreqServer): Co<number> {
    yield $('lock_target', { domid: op.domid });
    const t = yield* this.hvmopLockTarget(curr_d, op.domid);
    if (t.rc) return t.rc;
    yield $('destroy');
    return yield* this.hvmDestroyIoreqServer(t.d!, op.id);
  }

  /** do_hvm_op [X45 hvm.c:5469-5783]: HVMOPs 17-22 and HVMOP_set_param / HVMOP_get_param. */
  *doHvmOp(curr_d: Domain, op: number, arg: HvmOpArg): Co<number> {
    yield $('op');
    switch (op) {
      case HVMOP_create_ioreq_server:
        yield $('create');
        return yield* this.hvmopCreateIoreqServer(curr_d, arg as XenHvmCreateIoreqServer);
      case HVMOP_get_ioreq_server_info:
        yield $('info');
        return yield* this.hvmopGetIoreqServerInfo(curr_d, arg as XenHvmGetIoreqServerInfo);
      case HVMOP_map_io_range_to_ioreq_server:
        yield $('map_range');
        return yield* this.hvmopIoRange(curr_d, true, arg as XenHvmIoRange);
      case HVMOP_unmap_io_range_from_ioreq_server:
        yield $('unmap_range');
        return yield* this.hvmopIoRange(curr_d, false, arg as XenHvmIoRange);
      case HVMOP_set_ioreq_server_state:
        yield $('set_state');
        return yield* this.hvmopSetIoreqServerState(curr_d, arg as XenHvmSetIoreqServerState);
      case HVMOP_destroy_ioreq_server:
        yield $('destroy');
        return yield* this.hvmopDestroyIoreqServer(curr_d, arg as XenHvmDestroyIoreqServer);
      case HVMOP_set_param: case HVMOP_get_param:
        yield $('param');
        return yield* this.doHvmOpParam(curr_d, op, arg as XenHvmParam);
      default:
        yield $('enosys');
        return -38; // -ENOSYS
    }
  }

  /** do_hvm_op's HVMOP_set_param / HVMOP_get_param case [X45 hvm.c:5520-5783]. */
  *doHvmOpParam(curr_d: Domain, op: number, a: XenHvmParam): Co<number> {
    let rc = 0;
    yield $('index');
    if (a.index < 0 || a.index >= this.x.nrParams) return -EINVAL;
    const d = this.x.domains.get(a.domid === E.DOMID_SELF ? curr_d.domain_id : a.domid);
    yield $('lookup', { a, d: d ?? null });
    yield $('check_d', { d: d ?? null });
    if (!d || d.is_dying === 2) return -ESRCH;
    yield $('is_hvm');
    if (!d.is_hvm) return -EINVAL;
    yield $('xsm');
    rc = this.xsmHvmParam(curr_d, d);
    if (rc) return rc;
    const params = d.arch.hvm_domain.params;
    yield $('is_set');
    if (op === HVMOP_set_param) {
      yield $('set_rc');
      rc = 0;
      yield $('set_switch');
      switch (a.index) {
        case P.HVM_PARAM_CALLBACK_IRQ:
          break; // hvm_set_callback_via: interrupt routing, outside this model
        case P.HVM_PARAM_TIMER_MODE:
          yield $('timer_mode', { value: a.value });
          if (a.value > HVMPTM_one_missed_tick_pending) rc = -EINVAL;
          break;
        case P.HVM_PARAM_VIRIDIAN:
          // The listing's one line: the checks below (tools only, once, the base bit and known features).
          yield $('viridian', { value: a.value });
          rc = -EPERM;
          if (curr_d === d) break;
          if (a.value !== params[a.index]) {
            rc = -EEXIST;
            if (params[a.index] !== 0) break;
            rc = -EINVAL;
            // HVMPV_base_freq is bit 0; HVMPV_feature_mask is bits 0-2 (params.h:78-98@RELEASE-4.5.0).
            if ((a.value & ~0x7) || !(a.value & 1)) break;
          }
          rc = 0;
          break;
        case P.HVM_PARAM_IDENT_PT:
          // The listing's one line: not by the guest, once, stored under a pause.
          yield $('ident_pt', { value: a.value });
          rc = -EPERM;
          if (curr_d === d) break;
          rc = -EINVAL;
          if (params[a.index] !== 0) break;
          rc = 0;
          // With HAP: domain_pause, the store, paging_update_cr3 on each vcpu, domain_unpause.
          this.domainPause(d, 'do_hvm_op');
          this.storeParam(d, a.index, a.value, 'do_hvm_op');
          this.domainUnpause(d, 'do_hvm_op');
          break;
        case P.HVM_PARAM_DM_DOMAIN:
          yield $('dm_domain');
          rc = -EPERM;
          yield $('dm_self');
          if (curr_d === d) break;
          yield $('dm_domid_self', { value: a.value });
          if (a.value === E.DOMID_SELF) a.value = curr_d.domain_id;
          yield $('set_dm_domain', { d, domid: a.value & 0xffff });
          rc = yield* this.hvmSetDmDomain(d, a.value & 0xffff); // the parameter is a domid_t
          yield $('dm_break');
          break;
        case P.HVM_PARAM_ACPI_S_STATE:
          yield $('acpi_s_state', { value: a.value });
          rc = this.setParamAcpiSState(curr_d, d, a.value);
          break;
        case P.HVM_PARAM_ACPI_IOPORTS_LOCATION:
          // pmtimer_change_ioport: the same version, or a move between versions 0 and 1.
          if (a.value !== params[a.index] && ((a.value ^ params[a.index]) !== 1)) rc = -EINVAL;
          break;
        case P.HVM_PARAM_MEMORY_EVENT_CR0: case P.HVM_PARAM_MEMORY_EVENT_CR3: case P.HVM_PARAM_MEMORY_EVENT_CR4:
          if (d === curr_d) rc = -EPERM;
          break;
        case P.HVM_PARAM_MEMORY_EVENT_INT3: case P.HVM_PARAM_MEMORY_EVENT_SINGLE_STEP: case P.HVM_PARAM_MEMORY_EVENT_MSR:
          if (d === curr_d) { rc = -EPERM; break; }
          if (a.value & 0x4) rc = -EINVAL; // HVMPME_onchangeonly (1 << 2)
          break;
        case P.HVM_PARAM_NESTEDHVM:
          if (curr_d.domain_id !== 0) { rc = -EPERM; break; } // xsm_hvm_param_nested(XSM_PRIV)
          if (a.value > 1) rc = -EINVAL;
          break;
        case P.HVM_PARAM_BUFIOREQ_EVTCHN:
          yield $('bufioreq_evtchn');
          rc = -EINVAL;
          break;
        case P.HVM_PARAM_TRIPLE_FAULT_REASON:
          yield $('triple_fault_reason', { value: a.value });
          if (a.value > SHUTDOWN_MAX) rc = -EINVAL;
          break;
        case P.HVM_PARAM_IOREQ_SERVER_PFN:
          yield $('ioreq_server_pfn');
          if (d === curr_d) { rc = -EPERM; break; }
          yield $('pool_base', { base: A.hex(a.value) });
          d.hvm45.ioreq_gmfn.base = a.value;
          yield $('pool_base_break');
          break;
        case P.HVM_PARAM_NR_IOREQ_SERVER_PAGES:
          yield $('nr_ioreq_server_pages');
          if (d === curr_d) { rc = -EPERM; break; }
          yield $('nr_pages_range', { value: a.value });
          if (a.value === 0 || a.value > 64) { rc = -EINVAL; break; }
          // set_bit for each page: ORed in, so a second set hands out pages that servers already hold (the loop
          // is one stop: the listing's for line).
          yield $('set_bits', { value: a.value, mask: '0x' + d.hvm45.ioreq_gmfn.mask.toString(16) });
          for (let i = 0; i < a.value; i++) d.hvm45.ioreq_gmfn.mask |= 1n << BigInt(i);
          yield $('nr_pages_break', { mask: '0x' + d.hvm45.ioreq_gmfn.mask.toString(16) });
          break;
        default:
          break;
      }
      yield $('store');
      if (rc === 0 && a.index !== P.HVM_PARAM_IDENT_PT) this.storeParam(d, a.index, a.value, 'do_hvm_op');
      if (rc === 0 && (a.index === P.HVM_PARAM_MEMORY_EVENT_INT3 || a.index === P.HVM_PARAM_MEMORY_EVENT_SINGLE_STEP)) {
        this.domainPause(d, 'do_hvm_op');
        this.domainUnpause(d, 'do_hvm_op');
      }
      yield $('set_ret');
      return rc;
    }
    yield $('get_switch');
    switch (a.index) {
      case P.HVM_PARAM_ACPI_S_STATE:
        yield $('get_s_state');
        a.value = this.getParamAcpiSState(d);
        yield $('get_s_state_break', { value: a.value });
        break;
      case P.HVM_PARAM_IOREQ_SERVER_PFN:
      case P.HVM_PARAM_NR_IOREQ_SERVER_PAGES:
        yield $('pool_param');
        if (d === curr_d) {
          // -EPERM, then `break` leaves the switch: the copy-out below sets rc to 0 and a.value is not touched.
          rc = -EPERM;
          break;
        }
      // falls through
      case P.HVM_PARAM_IOREQ_PFN:
      case P.HVM_PARAM_BUFIOREQ_PFN:
      case P.HVM_PARAM_BUFIOREQ_EVTCHN: {
        const domid = params[P.HVM_PARAM_DM_DOMAIN] & 0xffff;
        yield $('create');
        rc = yield* this.hvmCreateIoreqServer(d, domid, true, true, null);
        yield $('create_rc');
        if (rc !== 0 && rc !== -EEXIST) return rc; // param_fail
      }
      // falls through
      default:
        yield $('get_value', { index: a.index });
        a.value = params[a.index];
        yield $('get_break', { value: a.value });
        break;
    }
    rc = 0; // __copy_to_guest succeeded
    yield $('got');
    this.emitParamGet(curr_d, d, a.index, a.value);
    yield $('ret');
    return rc;
  }
}
