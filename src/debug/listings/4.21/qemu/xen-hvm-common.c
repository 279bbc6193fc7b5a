/* 4.21/qemu/xen-hvm-common.c: the model's today's QEMU hw/xen/xen-hvm-common.c (qemu.git 017b2e73), as the
 * debugger shows it. Written for IOREQ Scope in its own words; the facts (names, order, checks, return values)
 * follow the source cited beside each function in the TypeScript model (src/model/qemu/xen-hvm-common.ts).
 * QEMU's XenIOState is the model's device model (`state` is `dm`); a statement QEMU does that the model does not
 * (timers, listeners, xenstore) is not shown. */

@fn xen_map_ioreq_server
@names state=dm
/* xen_map_ioreq_server (xen-hvm-common.c:642-717 @017b2e73): the resource API first; only EOPNOTSUPP falls back to
 * get_info's gfns. QEMU always asks for frames 0-1 (the buffered page, then the vcpu slots); the model also lets a
 * device model without buffering ask for frame 1 alone. The model keeps the mapped pages, not QEMU's fres handle. */
static int xen_map_ioreq_server(XenIOState *state)
{
    bool has_bufioreq;
    unsigned int frame, nr;
    void *pages[2];
    void *pg, *bp;
    int rc;

    has_bufioreq = state->bufioreq_handling != HVM_IOREQSRV_BUFIOREQ_OFF; frame = has_bufioreq ? 0 : 1; nr = has_bufioreq ? 2 : 1; rc = xenforeignmemory_map_resource(xen_fmem, xen_domid, XENMEM_resource_ioreq_server, state->ioservid, frame, nr, pages, PROT_READ | PROT_WRITE, 0); if ( rc == 0 ) { state->shared_page = pages[nr - 1]; if ( has_bufioreq ) state->buffered_io_page = pages[0]; } else if ( errno != EOPNOTSUPP ) { error_report("failed to map ioreq server resources: error %d handle=%p", errno, xen_xc); return -1; }   @map_resource
    rc = xen_get_ioreq_server_info(xen_domid, state->ioservid, state->shared_page == NULL ? &state->ioreq_pfn : NULL, state->buffered_io_page == NULL ? &state->bufioreq_pfn : NULL, &state->bufioreq_remote_port); if ( rc < 0 ) { error_report("failed to get ioreq server info: error %d handle=%p", errno, xen_xc); return rc; } if ( state->shared_page != NULL ) return 0;   @get_info
    pg = xenforeignmemory_map(xen_fmem, xen_domid, PROT_READ | PROT_WRITE, 1, &state->ioreq_pfn, NULL); if ( pg == NULL ) error_report("map shared IO page returned error %d handle=%p", errno, xen_xc); state->shared_page = pg; if ( has_bufioreq ) { bp = xenforeignmemory_map(xen_fmem, xen_domid, PROT_READ | PROT_WRITE, 1, &state->bufioreq_pfn, NULL); if ( bp == NULL ) { error_report("map buffered IO page returned error %d", errno); return -1; } state->buffered_io_page = bp; } return state->shared_page == NULL ? -1 : 0;   @map_gfns
}

@fn xen_do_ioreq_register
@names state=dm
/* xen_register_ioreq's create (xen-hvm-common.c:844-879 @017b2e73) and xen_do_ioreq_register (767-842): create, map,
 * enable, bind every vcpu's port, bind the buffered one. A failed create is only warn_report (867): QEMU runs on
 * without a server. Past the create every failure is `goto err`, the exit below (xen_hvm_init_failed). QEMU asks
 * for HVM_IOREQSRV_BUFIOREQ_ATOMIC; the model takes the handling as a parameter (a scenario can turn it off). */
static int xen_do_ioreq_register(XenIOState *state, int bufioreq)
{
    int rc, i;

    rc = xen_create_ioreq_server(xen_domid, bufioreq, &state->ioservid); if ( rc < 0 ) { warn_report("xen: failed to create ioreq server"); return rc; }   @create
    rc = xen_map_ioreq_server(state); if ( rc < 0 ) return xen_hvm_init_failed(state, rc);   @map
    rc = xen_set_ioreq_server_state(xen_domid, state->ioservid, true); if ( rc < 0 ) { error_report("failed to enable ioreq server info: error %d handle=%p", errno, xen_xc); return xen_hvm_init_failed(state, rc); }   @enable
    for ( i = 0; i < max_cpus; i++ ) { rc = qemu_xen_evtchn_bind_interdomain(state->xce_handle, xen_domid, xen_vcpu_eport(state->shared_page, i)); if ( rc == -1 ) { error_report("shared evtchn %d bind error %d", i, errno); return xen_hvm_init_failed(state, rc); } state->ioreq_local_port[i] = rc; }   @bind_vcpu
    if ( state->buffered_io_page ) { rc = qemu_xen_evtchn_bind_interdomain(state->xce_handle, xen_domid, state->bufioreq_remote_port); if ( rc == -1 ) { error_report("buffered evtchn bind error %d", errno); return xen_hvm_init_failed(state, rc); } state->bufioreq_local_port = rc; } return rc;   @bind_buf
}

@fn xen_hvm_init_failed
@names state=dm
/* The err: exit of xen_do_ioreq_register (839-841 @017b2e73): the message, then exit(1). The exit notifier was
 * registered first thing (773-774), so exit runs it: the server destroyed, the event-channel handle closed. The
 * model's `why` is the error_report that came before. */
static int xen_hvm_init_failed(XenIOState *state, int rc)
{
    const char *why;

    why = last_error_report; error_report("xen hardware virtual machine initialisation failed"); exit(1); /* xen_exit_notifier(&state->exit, NULL) runs */   @failed
}

@fn xen_map_ranges
@names state=dm
/* What xen_map_io_section, xen_map_memory_section and xen_map_pcidev (include/hw/xen/xen_native.h:400, 366, 434
 * @017b2e73) do as QEMU's listeners see each region: map it to the server. The model walks the ranges the
 * scenario gives the device model, in order, and stops at the first refused. */
static int xen_map_ranges(XenIOState *state)
{
    int type;
    uint64_t start, end;
    int rc;

    rc = xendevicemodel_map_io_range_to_ioreq_server(xen_dmod, xen_domid, state->ioservid, type == XEN_DMOP_IO_RANGE_PORT, start, end); if ( rc < 0 ) return rc;   @range
}

@fn cpu_handle_ioreq
@names state=dm r=respond
/* cpu_handle_ioreq (xen-hvm-common.c:540-588 @017b2e73): the buffered ring drained first, then the vcpu's request
 * served. QEMU's is the event channel's fd handler and finds the vcpu with cpu_get_ioreq; the model is handed vcpu i
 * and the scenario's answer r, and serve_ioreq (tools/libs.c) is the take, handle, answer and notify. */
static int cpu_handle_ioreq(XenIOState *state, int i, const struct respond *r)
{
    if ( state->buffered_io_page ) handle_buffered_iopage(state); return serve_ioreq(state, i, r);   @buffered
}

@fn handle_buffered_iopage
@names state=dm
/* handle_buffered_iopage (xen-hvm-common.c:463-525 @017b2e73): read_pointer, then write_pointer, then read_pointer
 * again (a pair torn by the producer is read again); an 8-byte entry takes two slots and half of one is
 * hw_error("Incomplete quad word buffered ioreq"); the read pointer moves by an atomic add. QEMU returns whether it
 * handled any; the model returns how many. */
static int handle_buffered_iopage(XenIOState *state)
{
    buffered_iopage_t *pg;
    int n;
    uint32_t rdptr, wrptr, nrp;
    buf_ioreq_t *b;
    uint64_t data;
    int qw;

    pg = state->buffered_io_page; if ( !pg ) return 0; /* the model clears the buffered port's pending bit here */ n = 0;   @check
    for ( ;; ) {
        do { rdptr = pg->read_pointer; xen_rmb(); wrptr = pg->write_pointer; xen_rmb(); } while ( rdptr != pg->read_pointer ); if ( rdptr == wrptr ) return n; /* QEMU: break, then return handled_ioreq */ /* the model's own guard: pointers more than a ring apart are garbage */ if ( wrptr - rdptr > IOREQ_BUFFER_SLOT_NUM ) return -EINVAL;   @pointers
        b = &pg->buf_ioreq[rdptr % IOREQ_BUFFER_SLOT_NUM]; data = b->data; qw = b->size == 3; if ( qw ) { if ( wrptr - rdptr < 2 ) hw_error("Incomplete quad word buffered ioreq"); data |= (uint64_t)pg->buf_ioreq[(rdptr + 1) % IOREQ_BUFFER_SLOT_NUM].data << 32; } if ( b->type != IOREQ_TYPE_TIMEOFFSET && b->dir == IOREQ_WRITE ) handle_ioreq(state, b, data); nrp = qatomic_add_fetch(&pg->read_pointer, qw + 1); n++;   @handle
    }
}

@fn xen_exit_notifier
@names state=dm
/* xen_exit_notifier (xen-hvm-common.c:629-640 @017b2e73): destroy the server, then close the event-channel handle,
 * which unbinds every port QEMU bound. */
static int xen_exit_notifier(XenIOState *state)
{
    int rc;
    struct domain *d;
    evtchn_port_t p;

    rc = xen_destroy_ioreq_server(xen_domid, state->ioservid);   @destroy
    qemu_xen_evtchn_close(state->xce_handle); /* each of ioreq_local_port[] and bufioreq_local_port closed */ return rc;   @evtchn_close
}
