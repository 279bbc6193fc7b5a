// @stepped
// The toolstack's side: domain creation (xen/common/domain.c domain_create, XEN_DOMCTL_max_vcpus), the HVM build
// (tools/libxc/xc_hvm_build_x86.c setup_guest / build_hvm_info, with libxl__build_hvm's xenstore and console ports)
// and destruction (domain_kill, complete_domain_destroy). Layout numbers come from ../layout.ts.
import * as A from '../abi';
import * as E from '../evtchn';
import { specialPageLayout } from '../layout';
import * as P from '../params';
import { $, type Co } from '../step';
import * as X from '../xen';
import type { Domain, Xen } from '../xen';
import { HvmLegacy } from '../xen/legacy/hvm';
import type { Hvm45 } from '../xen/4.5/hvm';
import { HVMOP_set_param, HvmSeed } from '../xen/seed/hvm';

// ---- issue 10: today's Xen builds the same way (the 4.21 classes take these calls too) ----
import type { Hvm421 } from '../xen/4.21/arch/x86/hvm/hvm';
import type { ArmHvm421 } from '../xen/4.21/arch/arm/hvm';
// ---- end 4.21 ----
export type Hvm = HvmSeed | HvmLegacy | Hvm45 | Hvm421 | ArmHvm421;

export class Libxc {
  constructor(public x: Xen, public hvm: Hvm) {}

  /** domain_create: ports (port 0 reserved), hvm_domain_initialise; new domains start paused by the controller. */
  *domainCreate(domid: number, isHvm: boolean): Co<number> {
    yield $('alloc');
    const d = new X.Domain(domid, this.x.nrParams);
    // The model's Domain takes its id as it is made: the stop changes nothing.
    yield $('set_domid');
    yield $('guest_type');
    d.is_hvm = isHvm;
    yield $('evtchn_init');
    E.evtchnInit(d);
    yield $('domlist_insert');
    this.x.domains.set(domid, d);
    // No is_paused_by_controller flag in the model (the pause count of 1 stands for it): the stop changes nothing.
    yield $('paused_by_controller');
    yield $('pause_count', { pause_count: d.pause_count });
    d.pause_count = 1; // is_paused_by_controller
    if (this.x.on) this.x.emit({ kind: 'domain_create', fn: 'domain_create', domid, text: `d${domid} created (paused by the toolstack)` });
    yield $('is_hvm');
    if (isHvm) {
      yield $('hvm_init');
      const rc = yield* this.hvm.hvmDomainInitialise(d);
      yield $('check_init');
      if (rc < 0) {
        yield $('domlist_remove');
        this.x.domains.delete(domid);
        yield $('fail_ret');
        return rc;
      }
    }
    yield $('ret');
    return 0;
  }

  /** alloc_vcpu / vcpu_initialise -> hvm_vcpu_initialise (XEN_DOMCTL_max_vcpus allocates each vcpu in turn). */
  *allocVcpu(d: Domain, vcpuId: number): Co<number> {
    yield $('alloc');
    if (d.vcpu[vcpuId]) return -17; // -EEXIST
    yield $('in_order', { allocated: d.vcpu.length });
    if (vcpuId !== d.vcpu.length) return -22; // vcpus are allocated in order
    yield $('alloc_struct');
    const v = new X.Vcpu(d, vcpuId);
    // The model's Vcpu takes its domain and id as it is made: these two stops change nothing.
    yield $('set_domain');
    yield $('set_vcpu_id');
    yield $('publish');
    d.vcpu.push(v);
    yield $('hvm_vcpu_initialise');
    const rc = d.is_hvm ? yield* this.hvm.hvmVcpuInitialise(v) : 0;
    yield $('check_init');
    if (rc < 0) {
      yield $('unpublish');
      d.vcpu.pop();
      // No allocator in the model: the stop changes nothing.
      yield $('free');
      yield $('fail_ret');
      return rc;
    }
    if (this.x.on) this.x.emit({ kind: 'vcpu_initialise', fn: 'hvm_vcpu_initialise', domid: d.domain_id, vcpu: vcpuId, text: `d${d.domain_id}v${vcpuId} initialised` });
    yield $('ret');
    return 0;
  }

  /** XEN_DOMCTL_createdomain then XEN_DOMCTL_max_vcpus: the domain, then each vcpu through hvm_vcpu_initialise. */
  *xcDomainCreate(domid: number, nrVcpus: number, isHvm: boolean): Co<number> {
    yield $('createdomain');
    let rc = yield* this.domainCreate(domid, isHvm);
    yield $('check_create');
    if (rc < 0) return rc;
    yield $('get_domain');
    const d = this.x.domains.get(domid)!;
    for (let i = 0; i < nrVcpus; i++) {
      yield $('for_each_vcpu');
      yield $('max_vcpus');
      rc = yield* this.allocVcpu(d, i);
      yield $('check_vcpu');
      if (rc < 0) return rc;
    }
    yield $('ret');
    return 0;
  }

  /** xc_hvm_build's setup_guest: RAM, the special pages populated and cleared, hvm_info, then the params. */
  *setupGuest(d: Domain, memPages: number, storeDomid: number, consoleDomid: number, debug = false): Co<number> {
    const dom0 = this.x.domains.get(0)!;
    const layout = specialPageLayout(this.x.profile);
    yield $('ports');
    // libxl__build_hvm allocates the xenstore and console ports before the build.
    const storePort = E.evtchnAllocUnbound(this.x, d, storeDomid);
    yield $('console_port');
    const consolePort = E.evtchnAllocUnbound(this.x, d, consoleDomid);
    yield $('populate_ram');
    d.ram_pages = memPages;
    yield $('hvm_info', { reserved_mem_pgstart: A.hex(layout.reservedMemPgstart) });
    d.reserved_mem_pgstart = layout.reservedMemPgstart;
    // The seed's DPRINTFs before the allocation loop ([SEED] hunk @473), printed as C's printf would.
    yield $('dprintf', { debug, lines: layout.dprintf.length });
    if (debug) {
      for (const line of layout.dprintf) this.dprintf(d, line);
    }
    for (const pg of layout.pages) {
      yield $('for_each_page', { i: pg.index });
      yield $('page_pfn', { i: pg.index, pfn: A.hex(pg.pfn) });
      yield $('special_page', { i: pg.index, pfn: A.hex(pg.pfn), name: pg.name });
      // xc_clear_domain_page: a GuestPage reads as zeroes until first written.
      const gp = new X.GuestPage(pg.name);
      d.physmap.set(pg.pfn, gp);
      if (this.x.on) this.x.emit({ kind: 'page_populate', fn: 'setup_guest', domid: d.domain_id, detail: { pfn: pg.pfn, name: pg.name, index: pg.index },
        text: `d${d.domain_id} special page ${pg.name} (i=${pg.index}) at ${A.hex(pg.pfn)}${pg.insideReserved ? '' : ' outside the region reserved_mem_pgstart declares'}` });
      // The page is new, so it is already zero: the clear's stop changes nothing.
      yield $('clear_page', { pfn: A.hex(pg.pfn) });
    }
    for (const [index, value] of layout.params) {
      yield $('for_each_param');
      yield $('set_param', { index, name: P.PARAM_NAMES[index], value: A.hex(value) });
      // setup_guest does not look at xc_set_hvm_param's return value: a failure is logged by Xen and the build goes on.
      yield* this.hvm.doHvmOp(dom0, HVMOP_set_param, { domid: d.domain_id, index, value });
    }
    yield $('evtchn_params');
    this.hvm.storeParam(d, P.HVM_PARAM_STORE_EVTCHN, storePort, 'libxl__build_hvm');
    yield $('console_evtchn');
    this.hvm.storeParam(d, P.HVM_PARAM_CONSOLE_EVTCHN, consolePort, 'libxl__build_hvm');
    yield $('ret');
    return 0;
  }

  /** xc_domain_unpause: drop the controller's pause. */
  *domainUnpauseByController(d: Domain): Co<number> {
    yield $('unpause');
    this.hvm.domainUnpause(d, 'xc_domain_unpause');
    yield $('ret');
    return 0;
  }

  /**
   * domain_kill ([X44] xen/common/domain.c:514-557), as XEN_DOMCTL_destroydomain calls it (domctl.c:577-581): on a
   * live domain it pauses it, marks it DOMDYING_dying and closes every port (evtchn_destroy); then, alive or already
   * dying, domain_relinquish_resources ([X44] arch/x86/domain.c:1881-1990) frees memory first, which may be
   * preempted, giving -EAGAIN (the caller calls again), and only at RELMEM_done reaches hvm_domain_relinquish_resources,
   * which destroys the ioreq server. Then DOMDYING_dead; the vcpus go with the domain. A dead domain: nothing to do.
   * `preempt` makes this call's memory relinquish report -EAGAIN, as a large domain's does.
   */
  *domainKill(d: Domain, preempt = false): Co<number> {
    yield $('is_dying', { d, is_dying: d.is_dying });
    if (d.is_dying === 2) {
      yield $('dead_break');
      yield $('ret');
      return 0;
    }
    if (d.is_dying === 0) {
      yield $('pause');
      this.hvm.domainPause(d, 'domain_kill');
      yield $('set_dying');
      d.is_dying = 1;
      if (this.x.on) this.x.emit({ kind: 'domain_dying', fn: 'domain_kill', domid: d.domain_id, text: `d${d.domain_id} is dying` });
      yield $('evtchn_destroy');
      E.evtchnDestroy(this.x, d);
    }
    yield $('relinquish');
    if (preempt) {
      if (this.x.on) this.x.emit({ kind: 'domain_dying', fn: 'domain_relinquish_resources', domid: d.domain_id,
        text: `d${d.domain_id} relinquish_memory preempted: -EAGAIN (the ioreq server is still there)` });
      return -11; // -EAGAIN
    }
    yield $('relinquish_hvm', { is_hvm: d.is_hvm });
    if (d.is_hvm) yield* this.hvm.hvmDomainRelinquishResources(d);
    yield $('set_dead');
    d.is_dying = 2;
    yield $('vcpu_destroy');
    for (const v of d.vcpu) {
      yield $('hvm_vcpu_destroy', { v, is_hvm: d.is_hvm });
      if (d.is_hvm) yield* this.hvm.hvmVcpuDestroy(v);
    }
    if (this.x.on) this.x.emit({ kind: 'domain_destroy', fn: 'complete_domain_destroy', domid: d.domain_id, text: `d${d.domain_id} destroyed` });
    yield $('dead_break');
    yield $('ret');
    return 0;
  }

  /** xc_domain_destroy ([X44] tools/libxc/xc_domain.c:82-93): XEN_DOMCTL_destroydomain again while it says -EAGAIN. */
  *xcDomainDestroy(d: Domain): Co<number> {
    let rc: number;
    do {
      yield $('destroydomain');
      rc = yield* this.domainKill(d);
      yield $('again');
    } while (rc === -11);
    yield $('ret');
    return rc;
  }

  /**
   * libxc's DPRINTF, tools/libxc/xc_private.h:123@RELEASE-4.4.0 (xc_report at XTL_DETAIL), which a toolstack sees only
   * with debug logging on: each line an event in the run trace.
   */
  dprintf(d: Domain, line: string): void {
    if (this.x.on) this.x.emit({ kind: 'libxc_dprintf', fn: 'setup_guest', domid: d.domain_id, detail: { level: 'XTL_DETAIL' }, text: `xc: detail: ${line}` });
  }
}
