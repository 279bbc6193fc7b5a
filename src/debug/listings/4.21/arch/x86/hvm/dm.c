/* 4.21/arch/x86/hvm/dm.c: the model's xen/arch/x86/hvm/dm.c of RELEASE-4.21.0, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model (src/model/xen/4.21/arch/x86/hvm/dm.ts). */

@fn dm_op
/* dm_op (x86 dm.c:325-622 @RELEASE-4.21.0): the target locked as a remote domain, HVM only, XSM_DM_PRIV, the op
 * number and the pad checked; map_mem_type and nr_vcpus are handled here, every other op in ioreq_server_dm_op.
 * The model is handed the op itself (domid and op), not the guest buffers op_args describes, so the copies in and
 * out (-EFAULT) are not modelled; DMOPs outside the ioreq path (IRQ levels, dirty VRAM, ...) are refused as not
 * modelled. */
static int dm_op(const struct dmop_args *op_args)
{
    struct domain *currd;
    struct domain *d;
    struct xen_dm_op op;
    int xsm;
    int rc;

    currd = current->domain; rc = rcu_lock_remote_domain_by_id(op_args->domid, &d); if ( rc ) return rc;   @lock
    rc = -EINVAL; if ( !is_hvm_domain(d) ) goto out;   @is_hvm
    xsm = rc = xsm_dm_op(XSM_DM_PRIV, d); if ( rc ) goto out;   @xsm
    if ( op.op >= ARRAY_SIZE(op_size) ) { rc = -EOPNOTSUPP; goto out; }   @op
    rc = -EINVAL; if ( op.pad ) goto out; if ( op.op == XEN_DMOP_nr_vcpus ) { op.u.nr_vcpus.vcpus = d->max_vcpus; rc = 0; goto out; } /* the switch's nr_vcpus case (dm.c:600-607) */ switch ( op.op ) {   @pad
    case XEN_DMOP_map_mem_type_to_ioreq_server:
        rc = op.u.map_mem_type_to_ioreq_server.opaque == 0 ? ioreq_server_map_mem_type(d, op.u.map_mem_type_to_ioreq_server.id, op.u.map_mem_type_to_ioreq_server.type, op.u.map_mem_type_to_ioreq_server.flags) : 0; /* hap_enabled(d) taken as true; flags 0 then resets the p2m_ioreq_server entries (p2m_finish_type_change) */ break;   @map_mem_type
    default:
        rc = ioreq_server_dm_op(&op, d, &const_op); break;   @common
    }
    /* out: (every goto above and the end of the switch) rcu_unlock_domain(d); return rc; -- the model returns from here without a stop of its own */
}
