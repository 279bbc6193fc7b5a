/* 4.21/arch/x86/hvm/hvm.c: the model's xen/arch/x86/hvm/hvm.c of RELEASE-4.21.0, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn hvm_domain_initialise
/* hvm_domain_initialise (hvm.c) -> ioreq_domain_init (common/ioreq.c:1332-1337): the CF8 handler registered. */
hvm_domain_initialise(d)
{
    ioreq domain init;  @ioreq_domain_init
}

@fn hvm_vcpu_initialise
/* hvm_vcpu_initialise (hvm.c:1656): the new vcpu joins every existing server. */
hvm_vcpu_initialise(v)
{
    add vcpu all;  @add_vcpu_all
}

@fn hvm_vcpu_destroy
/* hvm_vcpu_destroy (hvm.c:1692): the vcpu leaves every server. */
hvm_vcpu_destroy(v)
{
    remove vcpu all;  @remove_vcpu_all
}

@fn hvm_domain_relinquish_resources
/* hvm_domain_relinquish_resources (hvm.c) -> ioreq_server_destroy_all. */
hvm_domain_relinquish_resources(d)
{
    destroy all;  @destroy_all
}

@fn hvm_do_resume
/* hvm_do_resume (hvm.c:520-549): finish the I/O the vcpu waits for, then inject a pending event. */
hvm_do_resume(v)
{
    check wakeup;  @check_wakeup
    completion;  @completion
    inject;  @inject
}

@fn hvm_hypercall_decrease_reservation
/* hvm_hypercall: (hypercall.c:105-196) for the guest's XENMEM_decrease_reservation: the memory op, then the tail (187-191): a map-cache flush asked for goes to every server. */
hvm_hypercall_decrease_reservation(v, gmfn)
{
    rc = decrease_reservation(d, gmfn);  @memory_op
    if ( v->mapcache_invalidate ) { clear it; ioreq_signal_mapcache_invalidate(); }  @tail
}

@fn do_hvm_op
/* do_hvm_op for HVMOP_set_param / HVMOP_get_param (hvm.c:4160-4600: hvmop_set_param, hvm_allow_set_param, hvm_set_param, hvmop_get_param, hvm_allow_get_param), for the params the model knows. */
do_hvm_op(currd, op, a)
{
    index;  @index
    lookup;  @lookup
    allow set;  @allow_set
    set;  @set
    store;  @store
    allow get;  @allow_get
    got;  @got
}
