/* 4.21/arch/arm/hvm.c: the model's Arm's dm.c, hvm.c and traps.c entries of RELEASE-4.21.0, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn hvm_domain_initialise
/* arch_domain_create -> ioreq_domain_init (common/ioreq.c:1332-1337): nothing to set up on Arm. */
hvm_domain_initialise(d)
{
    ioreq domain init;  @ioreq_domain_init
}

@fn hvm_vcpu_initialise
/* arch_vcpu_create -> ioreq_server_add_vcpu_all. */
hvm_vcpu_initialise(v)
{
    add vcpu all;  @add_vcpu_all
}

@fn hvm_vcpu_destroy
/* arch_vcpu_destroy -> ioreq_server_remove_vcpu_all. */
hvm_vcpu_destroy(v)
{
    remove vcpu all;  @remove_vcpu_all
}

@fn hvm_domain_relinquish_resources
/* domain_relinquish_resources -> ioreq_server_destroy_all. */
hvm_domain_relinquish_resources(d)
{
    destroy all;  @destroy_all
}

@fn check_for_vcpu_work
/* check_for_vcpu_work (traps.c:2247-2280): with a server present, finish the vcpu's I/O before it runs. */
check_for_vcpu_work(v)
{
    has server;  @has_server
    handled;  @handled
}

@fn hvm_do_resume
/* The name the drivers use for a vcpu's return to the guest: check_for_vcpu_work on Arm. */
hvm_do_resume(v)
{
    leave hypervisor;  @leave_hypervisor
}

@fn dm_op
/* dm_op (arm dm.c:12-140). */
dm_op(domid, op)
{
    lock;  @lock
    xsm;  @xsm
    op;  @op
    common;  @common
}

@fn do_hvm_op
/* do_hvm_op, HVMOP_set_param / get_param (arm hvm.c:73-115): any other op -ENOSYS; rcu_lock_domain_by_any_id,
 * XSM_TARGET, then hvm_allow_set_param / hvm_allow_get_param (hvm.c:22-70), then store or load. */
do_hvm_op(currd, op, a)
{
    op: set or get a param, anything else -ENOSYS;  @op
    look the domain up (DOMID_SELF: the caller's), -ESRCH if none;  @lookup
    xsm: the domain itself, dom0 or its device-model domain;  @xsm
    set allowed? toolstack params only, not by the domain itself;  @allow_set
    get allowed? the guest's five, MONITOR_RING_PFN not by itself;  @allow_get
    got;  @got
}
