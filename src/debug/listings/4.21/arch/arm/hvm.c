/* 4.21/arch/arm/hvm.c: the model's Arm's dm.c, hvm.c and traps.c entries of RELEASE-4.21.0, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn hvm_domain_initialise
/* arch_domain_create (arm domain.c @RELEASE-4.21.0) -> ioreq_domain_init (common/ioreq.c:1332-1337): on Arm
 * arch_ioreq_domain_init has nothing to set up. */
int arch_domain_create(struct domain *d, struct xen_domctl_createdomain *config, unsigned int flags)
{
    ioreq_domain_init(d);   @ioreq_domain_init
}

@fn hvm_vcpu_initialise
/* arch_vcpu_create (arm domain.c @RELEASE-4.21.0), for its ioreq part: the new vcpu joins every existing server. */
int arch_vcpu_create(struct vcpu *v)
{
    return ioreq_server_add_vcpu_all(v->domain, v);   @add_vcpu_all
}

@fn hvm_vcpu_destroy
/* arch_vcpu_destroy (arm domain.c @RELEASE-4.21.0), for its ioreq part: the vcpu leaves every server. */
void arch_vcpu_destroy(struct vcpu *v)
{
    ioreq_server_remove_vcpu_all(v->domain, v);   @remove_vcpu_all
}

@fn hvm_domain_relinquish_resources
/* domain_relinquish_resources (arm domain.c @RELEASE-4.21.0), for its ioreq part: every server destroyed. */
int domain_relinquish_resources(struct domain *d)
{
    ioreq_server_destroy_all(d);   @destroy_all
}

@fn check_for_vcpu_work
/* check_for_vcpu_work (traps.c:2247-2290 @RELEASE-4.21.0): with a server present, finish the vcpu's I/O (with
 * interrupts on) before it goes back to the guest; true: more to do first (the vcpu waits on its server). */
static bool check_for_vcpu_work(void)
{
    struct vcpu *v;
    bool handled;

    v = current; if ( !domain_has_ioreq_server(v->domain) ) return false; /* vPCI and need_flush_to_ram: not modelled */   @has_server
    local_irq_enable(); handled = vcpu_ioreq_handle_completion(v); local_irq_disable(); if ( !handled ) return true; return false;   @handled
}

@fn hvm_do_resume
/* Not a C function on Arm: the name the model's drivers use for a vcpu's return to the guest, which on Arm is
 * leave_hypervisor_to_guest (traps.c) calling check_for_vcpu_work. */
void asmlinkage leave_hypervisor_to_guest(void)
{
    local_irq_disable(); while ( check_for_vcpu_work() ) check_for_pcpu_work();   @leave_hypervisor
}

@fn dm_op
/* dm_op (arm dm.c:12-140 @RELEASE-4.21.0): the target locked and checked by XSM (xsm_dm_op), then the op: nr_vcpus
 * here, set_irq_level (not modelled) here, the ioreq-server ops in ioreq_server_dm_op (which answers
 * map_mem_type with -EOPNOTSUPP on Arm). */
static int dm_op(const struct dmop_args *op_args)
{
    struct domain *currd;
    struct domain *d;
    int rc;

    currd = current->domain; if ( (rc = rcu_lock_remote_domain_by_id(op_args->domid, &d)) != 0 ) return rc;   @lock
    if ( (rc = xsm_dm_op(XSM_DM_PRIV, d)) != 0 ) goto out;   @xsm
    if ( op.op >= ARRAY_SIZE(op_size) ) { rc = -EOPNOTSUPP; goto out; } if ( op.pad ) { rc = -EINVAL; goto out; } if ( op.op == XEN_DMOP_nr_vcpus ) { data->vcpus = d->max_vcpus; rc = 0; goto out; }   @op
    rc = ioreq_server_dm_op(&op, d, &const_op);   @common
}

@fn do_hvm_op
/* do_hvm_op for HVMOP_set_param / HVMOP_get_param (arm hvm.c:73-115 @RELEASE-4.21.0): any other op -ENOSYS
 * (hvm.c:126-131); the domain by rcu_lock_domain_by_any_id, XSM_TARGET, then hvm_allow_set_param /
 * hvm_allow_get_param (hvm.c:22-70), then a plain store or load. */
long do_hvm_op(unsigned long op, XEN_GUEST_HANDLE_PARAM(void) arg)
{
    struct xen_hvm_param a;
    struct domain *d;
    int rc;

    if ( op != HVMOP_set_param && op != HVMOP_get_param ) return -ENOSYS;   @op
    if ( (d = rcu_lock_domain_by_any_id(a.domid)) == NULL ) return -ESRCH;   @lookup
    if ( xsm_hvm_param(XSM_TARGET, d, op) ) return -EPERM;   @xsm
    /* HVMOP_set_param: the toolstack's params only (callback irq, store and console pfn and port, monitor ring),
     * never set by the domain itself (-EPERM); anything else -EINVAL */
    if ( (rc = hvm_allow_set_param(d, a.index)) != 0 ) return rc; d->arch.hvm.params[a.index] = a.value; return 0;   @allow_set
    /* HVMOP_get_param: the guest's five readable params; MONITOR_RING_PFN for the toolstack only */
    if ( (rc = hvm_allow_get_param(d, a.index)) != 0 ) return rc;   @allow_get
    a.value = d->arch.hvm.params[a.index]; return 0;   @got
}
