// @stepped
// xen/arch/x86/hvm/hvm.c of RELEASE-4.21.0 [X421]: hvm_do_resume (the vcpu's way back to the guest, through
// vcpu_ioreq_handle_completion), HVMOP_set_param / get_param for the params the ioreq code reads (the gfn pool and
// the legacy pages), and the domain and vcpu hooks that create, add to and destroy servers.
import * as A from '../../../../../abi';
import { EEXIST, EINVAL, EPERM, ESRCH } from '../../../../../errno';
import * as E from '../../../../../evtchn';
import * as P from '../../../../../params';
import { $, type Co } from '../../../../../step';
import type { Domain, Vcpu } from '../../../../../xen';
import { CRASHED, DESCHEDULED, IN_WAIT, RESUMED } from '../../../../common/outcome';
import { WAIT_DESCHEDULED, WAIT_DONE, WAIT_PAUSED } from '../../../common/ioreq';
import { Dm421 } from './dm';

export const HVMOP_set_param = 0;
export const HVMOP_get_param = 1;

export interface XenHvmParam { domid: number; index: number; value: number }

/** Params deprecated in today's tree: set and get both give -EINVAL (hvm.c:4217-4229, 4504-4514). */
const DEPRECATED = new Set([P.HVM_PARAM_PAE_ENABLED, P.HVM_PARAM_DM_DOMAIN, 20, 21, 22, 23, 24, 25, P.HVM_PARAM_BUFIOREQ_EVTCHN, 30]);
/** Params that may be set once only (hvm.c:4250-4262). */
const ONCE = new Set([P.HVM_PARAM_VIRIDIAN, P.HVM_PARAM_IOREQ_PFN, P.HVM_PARAM_BUFIOREQ_PFN, P.HVM_PARAM_IOREQ_SERVER_PFN, P.HVM_PARAM_NR_IOREQ_SERVER_PAGES, P.HVM_PARAM_MCA_CAP]);
/** Params a guest may set on itself (hvm.c:4202-4213). */
const GUEST_SETTABLE = new Set([P.HVM_PARAM_CALLBACK_IRQ, P.HVM_PARAM_VM86_TSS, P.HVM_PARAM_VM86_TSS_SIZED, P.HVM_PARAM_ACPI_IOPORTS_LOCATION,
  P.HVM_PARAM_VM_GENERATION_ID_ADDR, P.HVM_PARAM_STORE_EVTCHN, P.HVM_PARAM_CONSOLE_EVTCHN, P.HVM_PARAM_X87_FIP_WIDTH]);

export class Hvm421 extends Dm421 {
  /** hvm_domain_initialise (hvm.c) -> ioreq_domain_init (common/ioreq.c:1332-1337): the CF8 handler registered. */
  *hvmDomainInitialise(d: Domain): Co<number> {
    yield $('ioreq_domain_init', { d });
    d.x421.pci_cf8 = 0;
    return 0;
  }

  /** hvm_vcpu_initialise (hvm.c:1656): the new vcpu joins every existing server. */
  *hvmVcpuInitialise(v: Vcpu): Co<number> {
    yield $('add_vcpu_all', { v });
    return yield* this.ioreqServerAddVcpuAll(v.domain, v);
  }

  /** hvm_vcpu_destroy (hvm.c:1692): the vcpu leaves every server. */
  *hvmVcpuDestroy(v: Vcpu): Co<void> {
    yield $('remove_vcpu_all', { v });
    yield* this.ioreqServerRemoveVcpuAll(v.domain, v);
  }

  /** hvm_domain_relinquish_resources (hvm.c) -> ioreq_server_destroy_all. */
  *hvmDomainRelinquishResources(d: Domain): Co<void> {
    yield $('destroy_all', { d });
    yield* this.ioreqServerDestroyAll(d);
  }

  /**
   * hvm_do_resume (hvm.c:520-549): finish the I/O the vcpu waits for, then inject a pending event. With `reads`
   * the step ends after that many reads of the slot state in wait_for_io (IN_WAIT), the vcpu still in the loop.
   */
  *hvmDoResume(v: Vcpu, reads = 0): Co<number> {
    yield $('check_wakeup', { v });
    // check_wakeup_from_wait(); pt_restore_timer(v); no vPCI in this model.
    yield $('completion', { v });
    const r = yield* this.vcpuIoreqHandleCompletion(v, reads > 0 ? { left: reads } : null);
    if (r === WAIT_PAUSED) return IN_WAIT;
    if (r !== WAIT_DONE) return r === WAIT_DESCHEDULED ? DESCHEDULED : v.domain.crashed ? CRASHED : RESUMED;
    yield $('inject', { vector: v.arch.hvm_vcpu.inject_trap.vector });
    if (v.arch.hvm_vcpu.inject_trap.vector >= 0) v.arch.hvm_vcpu.inject_trap.vector = -1;
    return v.domain.crashed ? CRASHED : RESUMED;
  }

  /**
   * hvm_hypercall: (hypercall.c:105-196) for XENMEM_decrease_reservation by the guest itself: the memory op, then the
   * hypercall's tail (187-191): a map-cache flush the op asked for goes to every server before the guest resumes.
   */
  *hvmHypercallDecreaseReservation(v: Vcpu, gmfn: number): Co<number> {
    yield $('memory_op', { v, gmfn });
    const rc = yield* this.decreaseReservation(v.domain, gmfn);
    yield $('tail', { mapcache_invalidate: v.mapcache_invalidate });
    if (v.mapcache_invalidate) {
      v.mapcache_invalidate = false;
      yield* this.ioreqSignalMapcacheInvalidate();
    }
    return rc;
  }

  /**
   * do_hvm_op for HVMOP_set_param / HVMOP_get_param (hvm.c:4160-4600: hvmop_set_param, hvm_allow_set_param,
   * hvm_set_param, hvmop_get_param, hvm_allow_get_param), for the params the model knows.
   */
  *doHvmOp(curr_d: Domain, op: number, a: XenHvmParam): Co<number> {
    let rc = 0;
    yield $('index', { op, a });
    if (a.index < 0 || a.index >= this.x.nrParams) return -EINVAL;
    const d = this.x.domains.get(a.domid === E.DOMID_SELF ? curr_d.domain_id : a.domid);
    yield $('lookup', { d: d ? d.domain_id : null });
    if (!d || d.is_dying === 2) return -ESRCH;
    if (!d.is_hvm) return -EINVAL;
    // xsm_hvm_param(XSM_TARGET): the domain itself, dom0, or its device-model domain.
    if (!(curr_d === d || curr_d.domain_id === 0 || curr_d.target === d.domain_id)) return -EPERM;
    if (op === HVMOP_set_param) {
      // hvm_allow_set_param
      yield $('allow_set', { index: a.index });
      if (DEPRECATED.has(a.index)) return -EINVAL;
      if (!GUEST_SETTABLE.has(a.index) && d === curr_d) return -EPERM;
      const old = d.arch.hvm_domain.params[a.index];
      if (ONCE.has(a.index) && old !== 0 && a.value !== old) return -EEXIST;
      // hvm_set_param
      yield $('set', { index: a.index, value: A.hex(a.value) });
      switch (a.index) {
        case P.HVM_PARAM_IOREQ_SERVER_PFN:
          d.x421.ioreq_gfn.base = a.value;
          break;
        case P.HVM_PARAM_NR_IOREQ_SERVER_PAGES:
          if (a.value === 0 || a.value > 32) { rc = -EINVAL; break; }
          for (let i = 0; i < a.value; i++) d.x421.ioreq_gfn.mask |= 1 << i;
          break;
        case P.HVM_PARAM_IOREQ_PFN:
        case P.HVM_PARAM_BUFIOREQ_PFN:
          if (a.value) d.x421.ioreq_gfn.legacy_mask |= 1 << a.index;
          break;
        default:
          break;
      }
      yield $('store', { rc });
      if (rc === 0) this.storeParam(d, a.index, a.value, 'hvm_set_param');
      return rc;
    }
    if (op !== HVMOP_get_param) return -38; // -ENOSYS
    yield $('allow_get', { index: a.index });
    if (DEPRECATED.has(a.index)) return -EINVAL;
    if (!GUEST_SETTABLE.has(a.index) && a.index !== P.HVM_PARAM_STORE_PFN && a.index !== P.HVM_PARAM_CONSOLE_PFN && d === curr_d) return -EPERM;
    a.value = a.index === P.HVM_PARAM_ACPI_S_STATE ? (d.arch.hvm_domain.is_s3_suspended ? 3 : 0) : d.arch.hvm_domain.params[a.index];
    yield $('got', { value: A.hex(a.value) });
    if (this.x.on) this.x.emit({ kind: 'param_get', fn: 'hvmop_get_param', domid: d.domain_id,
      detail: { index: a.index, name: P.paramNameOf(this.x.profile, a.index), value: a.value, caller: curr_d.domain_id },
      text: `d${curr_d.domain_id} got d${d.domain_id} ${P.paramNameOf(this.x.profile, a.index) ?? a.index} = ${P.PFN_PARAMS.has(a.index) ? A.hex(a.value) : a.value}` });
    return 0;
  }
}
