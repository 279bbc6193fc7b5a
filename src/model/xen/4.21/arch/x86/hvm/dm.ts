// @stepped
// xen/arch/x86/hvm/dm.c of RELEASE-4.21.0 [X421]: the __HYPERVISOR_dm_op entry on x86. The target is locked as a
// remote domain, XSM_DM_PRIV is checked, the op number and the outer pad are checked, map_mem_type (15) and
// nr_vcpus (20) are handled here and every other op goes to ioreq_server_dm_op.
import { EINVAL, EOPNOTSUPP, EPERM, ESRCH } from '../../../../../errno';
import { $, type Co } from '../../../../../step';
import type { Domain } from '../../../../../xen';
import { XEN_DMOP_map_mem_type_to_ioreq_server, type XenDmOp } from '../../../common/ioreq';
import { Emulate421 } from './emulate';

/** XEN_DMOP_nr_vcpus (dm_op.h:440) and the size of dm.c's op_size table (the highest op + 1). */
export const XEN_DMOP_nr_vcpus = 20;
export const DMOP_TABLE_SIZE = 21;
/** The DMOPs this model leaves out (IRQ levels, dirty VRAM, memory types, ...): refused as not modelled. */
export const DMOPS_NOT_MODELLED = new Set([7, 8, 9, 10, 11, 12, 13, 14, 16, 17, 18, 19]);

/** Looks a domain up as rcu_lock_remote_domain_by_id does (common/domain.c:1204-1216): -ESRCH, -EPERM for oneself. */
export function lockRemoteDomain(x: { domains: ReadonlyMap<number, Domain> }, currd: Domain, domid: number): Domain | number {
  const d = x.domains.get(domid);
  if (!d || d.is_dying === 2) return -ESRCH;
  if (d === currd) return -EPERM;
  return d;
}

/** xsm_dm_op(XSM_DM_PRIV) under the dummy policy: the privileged domain or the target's device-model domain. */
export function xsmDmPriv(currd: Domain, d: Domain): number {
  return currd.domain_id === 0 || currd.target === d.domain_id ? 0 : -EPERM;
}

export abstract class Dm421 extends Emulate421 {
  /** dm_op (dm.c:325-640), x86. */
  *dmOp(domid: number, op: XenDmOp): Co<number> {
    const currd = this.x.current!.domain;
    const d = lockRemoteDomain(this.x, currd, domid);
    yield $('lock', { domid, d: typeof d === 'number' ? d : d.domain_id });
    if (typeof d === 'number') return d;
    yield $('is_hvm', { d });
    if (!d.is_hvm) return -EINVAL;
    const xsm = xsmDmPriv(currd, d);
    yield $('xsm', { currd, rc: xsm });
    if (xsm) return xsm;
    yield $('op', { op: op.op });
    if (!Number.isInteger(op.op) || op.op < 0 || op.op >= DMOP_TABLE_SIZE) return -EOPNOTSUPP;
    if (DMOPS_NOT_MODELLED.has(op.op)) throw new Error(`DMOP ${op.op} is not modelled`);
    yield $('pad', { pad: op.pad ?? 0 });
    if (op.pad) return -EINVAL;
    let rc: number;
    switch (op.op) {
      case XEN_DMOP_map_mem_type_to_ioreq_server:
        yield $('map_mem_type', { id: op.u.id, type: op.u.type, flags: op.u.flags });
        // hap_enabled(d) is assumed; first_gfn (opaque) 0 is the first call of a continuation chain.
        rc = (op.u.opaque ?? 0) === 0 ? yield* this.ioreqServerMapMemType(d, op.u.id ?? 0, op.u.type ?? 0, op.u.flags ?? 0) : 0;
        if (rc === 0 && (op.u.flags ?? 0) === 0) d.x421.p2m_ioreq_gfns = []; // p2m_finish_type_change back to ram_rw
        break;
      case XEN_DMOP_nr_vcpus:
        op.u.id = d.vcpu.length;
        rc = 0;
        break;
      default:
        yield $('common', { op: op.op });
        rc = yield* this.ioreqServerDmOp(op, d);
        break;
    }
    if (this.x.on) this.x.emit({ kind: 'dm_op', fn: 'dm_op', domid: d.domain_id, detail: { op: op.op, rc, by: currd.domain_id },
      text: `d${currd.domain_id} dm_op ${op.op} on d${d.domain_id}: rc ${rc}` });
    return rc;
  }
}
