/*
 * 4.5/xen-hvm-4.5.c: IOREQ Scope's C-like rendering of its model of QEMU set up against Xen 4.5's ioreq-server
 * API (2015), the first QEMU that asks for an ioreq server of its own instead of reading the ioreq params
 * (src/model/qemu/xen-hvm-4.5.ts). Written by this project in its own words; it is not QEMU's source. Each region
 * is claimed later, from QEMU's memory and I/O listeners.
 */

@fn xen_create_ioreq_server
@names state=dm
int xen_create_ioreq_server(XenIOState *state, int handle_bufioreq)
{
    struct xen_hvm_create_ioreq_server arg = { .domid = xen_domid, .handle_bufioreq = handle_bufioreq };   @init_arg
    int rc;

    /* the caller's domain will serve it; QEMU of this era always asks for the buffered page */
    rc = do_hvm_op(HVMOP_create_ioreq_server, &arg);   @hypercall
    if (rc == 0)   @result
        state->ioservid = arg.id;
    return rc;   @ret
}

@fn xen_get_ioreq_server_info
@names state=dm
int xen_get_ioreq_server_info(XenIOState *state, ioservid_t id)
{
    struct xen_hvm_get_ioreq_server_info arg = { .domid = xen_domid, .id = id };   @init_arg
    int rc;

    rc = do_hvm_op(HVMOP_get_ioreq_server_info, &arg);   @hypercall
    if (rc == 0) {   @result
        /* where the pages are and which port rings for the buffered page */
        state->ioreq_pfn = arg.ioreq_pfn;   @ioreq_pfn
        state->bufioreq_pfn = arg.bufioreq_pfn;   @bufioreq_pfn
        state->bufioreq_remote_port = arg.bufioreq_port;   @bufioreq_port
    }
    return rc;   @ret
}

@fn xen_set_ioreq_server_state
@names state=dm
/* from xen_hvm_init, and again from the run-state handler */
int xen_set_ioreq_server_state(XenIOState *state, bool enabled, ioservid_t id)
{
    struct xen_hvm_set_ioreq_server_state arg = { .domid = xen_domid, .id = id, .enabled = enabled };   @init_arg

    return do_hvm_op(HVMOP_set_ioreq_server_state, &arg);   @hypercall
}

@fn xen_hvm_init_ioreq_server
@names state=dm
/* xen_hvm_init with Xen 4.5's ioreq-server API: every failure here ends QEMU */
int xen_hvm_init_ioreq_server(XenIOState *state)
{
    int i, rc;

    if ((rc = xen_create_ioreq_server(state, 1)) < 0)   @create
        return rc;                           /* "xen: ioreq server create" */
    if ((rc = xen_get_ioreq_server_info(state, state->ioservid)) < 0)   @get_info
        return rc;                           /* "failed to get ioreq server info" */

    /* both pages, from the server's own pfns in the 4.5 gmfn pool */
    if ((rc = xc_map_foreign_range(state, 0)) < 0)   @map_shared
        return rc;
    if ((rc = xc_map_foreign_range(state, 1)) < 0)   @map_buffered
        return rc;

    /* only an enabled server's slots carry the vcpus' ports */
    if ((rc = xen_set_ioreq_server_state(state, true, state->ioservid)) < 0)   @enable
        return rc;                           /* "failed to enable ioreq server info" */

    /* each vcpu's port is in its slot of the freshly mapped page */
    for (i = 0; i < max_cpus; i++)   @for_each_vcpu
        if ((rc = bind_vcpu_port(state, i)) < 0)   @bind_vcpu
            return rc;
    return bind_buf_port(state);   @bind_buffered
}
