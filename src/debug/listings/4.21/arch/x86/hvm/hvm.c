/* 4.21/arch/x86/hvm/hvm.c: the model's xen/arch/x86/hvm/hvm.c of RELEASE-4.21.0, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn hvm_domain_initialise
/* hvm_domain_initialise (hvm.c @RELEASE-4.21.0), for its ioreq part: ioreq_domain_init (common/ioreq.c:1332-1337),
 * which registers the CF8 port handler through arch_ioreq_domain_init. */
int hvm_domain_initialise(struct domain *d, const struct xen_domctl_createdomain *config)
{
    ioreq_domain_init(d);   @ioreq_domain_init
}

@fn hvm_vcpu_initialise
/* hvm_vcpu_initialise (hvm.c:1656 @RELEASE-4.21.0), for its ioreq part: the new vcpu joins every existing server. */
int hvm_vcpu_initialise(struct vcpu *v)
{
    return ioreq_server_add_vcpu_all(v->domain, v);   @add_vcpu_all
}

@fn hvm_vcpu_destroy
/* hvm_vcpu_destroy (hvm.c:1692 @RELEASE-4.21.0), for its ioreq part: the vcpu leaves every server. */
void hvm_vcpu_destroy(struct vcpu *v)
{
    ioreq_server_remove_vcpu_all(v->domain, v);   @remove_vcpu_all
}

@fn hvm_domain_relinquish_resources
/* hvm_domain_relinquish_resources (hvm.c @RELEASE-4.21.0), for its ioreq part: every server destroyed. */
void hvm_domain_relinquish_resources(struct domain *d)
{
    ioreq_server_destroy_all(d);   @destroy_all
}

@fn hvm_do_resume
/* hvm_do_resume (hvm.c:520-549 @RELEASE-4.21.0): finish the I/O the vcpu waits for, then inject a pending event.
 * The model has no wait queues, periodic timers, vPCI or vm_event; an event to inject only clears its vector. */
void hvm_do_resume(struct vcpu *v)
{
    check_wakeup_from_wait(); pt_restore_timer(v);   @check_wakeup
    if ( !vcpu_ioreq_handle_completion(v) ) return;   @completion
    if ( v->arch.hvm.inject_event.vector >= 0 ) { if ( !hvm_event_pending(v) ) hvm_inject_event(&v->arch.hvm.inject_event); v->arch.hvm.inject_event.vector = HVM_EVENT_VECTOR_UNSET; }   @inject
}

@fn hvm_hypercall_decrease_reservation
/* hvm_hypercall (hypercall.c:105-196 @RELEASE-4.21.0) for the guest's XENMEM_decrease_reservation: the memory op,
 * then the hypercall's tail (187-191): a map-cache flush the op asked for goes to every server. */
int hvm_hypercall(struct cpu_user_regs *regs)
{
    struct vcpu *v;   /* Xen's curr */
    int rc;

    v = current; rc = do_memory_op(XENMEM_decrease_reservation, arg);   @memory_op
    if ( unlikely(v->mapcache_invalidate) ) { v->mapcache_invalidate = false; ioreq_signal_mapcache_invalidate(); }   @tail
}

@fn do_hvm_op
/* do_hvm_op for HVMOP_set_param / HVMOP_get_param (hvm.c:4160-4600 @RELEASE-4.21.0: hvmop_set_param,
 * hvm_allow_set_param, hvm_set_param, hvmop_get_param, hvm_allow_get_param), for the params the model knows. */
long do_hvm_op(unsigned long op, XEN_GUEST_HANDLE_PARAM(void) arg)
{
    struct xen_hvm_param a;
    struct domain *d;
    int rc;

    if ( a.index >= HVM_NR_PARAMS ) return -EINVAL;   @index
    if ( (d = rcu_lock_domain_by_any_id(a.domid)) == NULL ) return -ESRCH; if ( !is_hvm_domain(d) ) return -EINVAL; if ( xsm_hvm_param(XSM_TARGET, d, op) ) return -EPERM;   @lookup
    /* hvm_allow_set_param: deprecated params -EINVAL; a guest setting its own param outside the few it may -EPERM;
     * a set-once param changed -EEXIST */
    if ( (rc = hvm_allow_set_param(d, a.index, a.value)) != 0 ) return rc;   @allow_set
    /* hvm_set_param: IOREQ_SERVER_PFN the base of the legacy gfns, NR_IOREQ_SERVER_PAGES their mask (1..32), IOREQ_PFN
     * and BUFIOREQ_PFN reserve their gfn */
    rc = hvm_set_param(d, a.index, a.value);   @set
    if ( rc == 0 ) d->arch.hvm.params[a.index] = a.value; return rc;   @store
    /* HVMOP_get_param: */
    if ( (rc = hvm_allow_get_param(d, a.index)) != 0 ) return rc;   @allow_get
    a.value = a.index == HVM_PARAM_ACPI_S_STATE ? (d->arch.hvm.is_s3_suspended ? 3 : 0) : d->arch.hvm.params[a.index]; return 0;   @got
}
