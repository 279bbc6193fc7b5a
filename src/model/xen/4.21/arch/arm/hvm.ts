// @stepped
// Arm's entries into today's ioreq code, RELEASE-4.21.0 [X421]: dm_op (xen/arch/arm/dm.c:12-140: only the server
// ops, set_irq_level and nr_vcpus; map_mem_type falls to ioreq_server_dm_op's -EOPNOTSUPP), do_hvm_op's params
// (xen/arch/arm/hvm.c:73-115: a plain store and load), check_for_vcpu_work (xen/arch/arm/traps.c:2247-2280) and the
// domain and vcpu hooks (arch/arm/domain.c: ioreq_domain_init, add/remove on vcpu create/destroy, destroy_all).
import * as A from '../../../../abi';
import { EINVAL, EOPNOTSUPP, EPERM, ESRCH } from '../../../../errno';
import * as E from '../../../../evtchn';
import * as P from '../../../../params';
import { $, type Co } from '../../../../step';
import type { Domain, Vcpu } from '../../../../xen';
import { CRASHED, DESCHEDULED, IN_WAIT, RESUMED } from '../../../common/outcome';
import { WAIT_DESCHEDULED, WAIT_DONE, WAIT_PAUSED, type XenDmOp } from '../../common/ioreq';
import { lockRemoteDomain, xsmDmPriv, DMOP_TABLE_SIZE, XEN_DMOP_nr_vcpus } from '../x86/hvm/dm';
import { ArmIo421 } from './io';

export const HVMOP_set_param = 0;
export const HVMOP_get_param = 1;

export class ArmHvm421 extends ArmIo421 {
  /** arch_domain_create -> ioreq_domain_init (common/ioreq.c:1332-1337): nothing to set up on Arm. */
  *hvmDomainInitialise(d: Domain): Co<number> {
    yield $('ioreq_domain_init');
    return 0;
  }
  /** arch_vcpu_create -> ioreq_server_add_vcpu_all. */
  *hvmVcpuInitialise(v: Vcpu): Co<number> {
    yield $('add_vcpu_all');
    return yield* this.ioreqServerAddVcpuAll(v.domain, v);
  }
  /** arch_vcpu_destroy -> ioreq_server_remove_vcpu_all. */
  *hvmVcpuDestroy(v: Vcpu): Co<void> {
    yield $('remove_vcpu_all');
    yield* this.ioreqServerRemoveVcpuAll(v.domain, v);
  }
  /** domain_relinquish_resources -> ioreq_server_destroy_all. */
  *hvmDomainRelinquishResources(d: Domain): Co<void> {
    yield $('destroy_all');
    yield* this.ioreqServerDestroyAll(d);
  }

  /** check_for_vcpu_work (traps.c:2247-2280): with a server present, finish the vcpu's I/O before it runs. */
  *checkForVcpuWork(v: Vcpu, reads = 0): Co<number> {
    yield $('has_server');
    if (!this.domainHasIoreqServer(v.domain)) return RESUMED;
    const r = yield* this.vcpuIoreqHandleCompletion(v, reads > 0 ? { left: reads } : null);
    yield $('handled');
    if (r === WAIT_PAUSED) return IN_WAIT;
    if (r === WAIT_DONE) return v.domain.crashed ? CRASHED : RESUMED;
    return r === WAIT_DESCHEDULED ? DESCHEDULED : v.domain.crashed ? CRASHED : RESUMED;
  }

  /** The name the drivers use for a vcpu's return to the guest: check_for_vcpu_work on Arm. */
  *hvmDoResume(v: Vcpu, reads = 0): Co<number> {
    yield $('leave_hypervisor');
    return yield* this.checkForVcpuWork(v, reads);
  }

  /** dm_op (arm dm.c:12-140). */
  *dmOp(domid: number, op: XenDmOp): Co<number> {
    const currd = this.x.current!.domain;
    const d = lockRemoteDomain(this.x, currd, domid);
    yield $('lock');
    if (typeof d === 'number') return d;
    const xsm = xsmDmPriv(currd, d);
    yield $('xsm', { rc: xsm });
    if (xsm) return xsm;
    yield $('op');
    if (!Number.isInteger(op.op) || op.op < 0 || op.op >= DMOP_TABLE_SIZE) return -EOPNOTSUPP;
    if (op.op === 8) throw new Error('DMOP 8 (set_irq_level) is not modelled');
    if (op.pad) return -EINVAL;
    let rc: number;
    if (op.op === XEN_DMOP_nr_vcpus) { op.u.id = d.vcpu.length; rc = 0; }
    else {
      yield $('common');
      rc = yield* this.ioreqServerDmOp(op, d);
    }
    if (this.x.on) this.x.emit({ kind: 'dm_op', fn: 'dm_op', domid: d.domain_id, detail: { op: op.op, rc, by: currd.domain_id },
      text: `d${currd.domain_id} dm_op ${op.op} on d${d.domain_id}: rc ${rc}` });
    return rc;
  }

  /** hvm_allow_set_param (arm hvm.c:22-46): the toolstack's params only, never set by the domain itself (-EPERM); any other index (Xen's own, a hole, out of range) is -EINVAL. */
  hvmAllowSetParam(curr_d: Domain, d: Domain, index: number): number {
    switch (index) {
      case P.HVM_PARAM_CALLBACK_IRQ: case P.HVM_PARAM_STORE_PFN: case P.HVM_PARAM_STORE_EVTCHN:
      case P.HVM_PARAM_CONSOLE_PFN: case P.HVM_PARAM_CONSOLE_EVTCHN: case P.HVM_PARAM_MONITOR_RING_PFN:
        return d === curr_d ? -EPERM : 0;
      default:
        return -EINVAL;
    }
  }
  /** hvm_allow_get_param (arm hvm.c:48-70): the guest's five readable params; MONITOR_RING_PFN for the toolstack only. */
  hvmAllowGetParam(curr_d: Domain, d: Domain, index: number): number {
    switch (index) {
      case P.HVM_PARAM_CALLBACK_IRQ: case P.HVM_PARAM_STORE_PFN: case P.HVM_PARAM_STORE_EVTCHN:
      case P.HVM_PARAM_CONSOLE_PFN: case P.HVM_PARAM_CONSOLE_EVTCHN:
        return 0;
      case P.HVM_PARAM_MONITOR_RING_PFN:
        return d === curr_d ? -EPERM : 0;
      default:
        return -EINVAL;
    }
  }

  /**
   * do_hvm_op, HVMOP_set_param / get_param (arm hvm.c:73-115): any other op -ENOSYS (hvm.c:126-131);
   * rcu_lock_domain_by_any_id, XSM_TARGET, then hvm_allow_set_param / hvm_allow_get_param, then store or load.
   */
  *doHvmOp(curr_d: Domain, op: number, a: { domid: number; index: number; value: number }): Co<number> {
    yield $('op');
    if (op !== HVMOP_set_param && op !== HVMOP_get_param) return -38; // -ENOSYS
    const d = this.x.domains.get(a.domid === E.DOMID_SELF ? curr_d.domain_id : a.domid);
    yield $('lookup', { domid: a.domid, found: !!d });
    if (!d || d.is_dying === 2) return -ESRCH;
    yield $('xsm');
    if (!(curr_d === d || curr_d.domain_id === 0 || curr_d.target === d.domain_id)) return -EPERM;
    if (op === HVMOP_set_param) {
      const rc = this.hvmAllowSetParam(curr_d, d, a.index);
      yield $('allow_set', { rc, index: a.index });
      if (rc) return rc;
      this.storeParam(d, a.index, a.value, 'do_hvm_op');
      return 0;
    }
    const rc = this.hvmAllowGetParam(curr_d, d, a.index);
    yield $('allow_get', { rc, index: a.index });
    if (rc) return rc;
    a.value = d.arch.hvm_domain.params[a.index];
    yield $('got', { value: A.hex(a.value), name: P.paramNameOf(this.x.profile, a.index) });
    return 0;
  }
}
