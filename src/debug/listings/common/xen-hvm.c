/*
 * common/xen-hvm.c: a listing of IOREQ Scope's model of the device model's side, as qemu-xen's xen-hvm.c of 2014
 * drives the ring ([QEMU]: xen_hvm_init, cpu_get_ioreq, cpu_handle_ioreq, handle_buffered_iopage), with the libxc
 * calls it makes. Written by IOREQ Scope to mirror src/model/xen/qemu.ts; this is not QEMU's text.
 * `r` carries a scenario's answer to a request (a read's value, whether to notify); QEMU itself has no such thing.
 */

@fn xc_get_hvm_param
int xc_get_hvm_param(XenIOState *state, int param, unsigned long *value)
{
    struct xen_hvm_param arg = { .domid = xen_domid, .index = param };
    int rc;

    /* the hypercall; under the seed it may create the ioreq server */
    rc = do_hvm_op(HVMOP_get_param, &arg);   @hypercall
    if ( rc == 0 )   @result
    {
        *value = arg.value;
        /* xen_hvm_init keeps what it learns */
        if ( param == HVM_PARAM_IOREQ_PFN )
            state->ioreq_pfn = arg.value;
        if ( param == HVM_PARAM_BUFIOREQ_PFN )
            state->bufioreq_pfn = arg.value;
        if ( param == HVM_PARAM_BUFIOREQ_EVTCHN )
            state->bufioreq_remote_port = arg.value;
    }

    return rc;
}

@fn xc_set_hvm_param
int xc_set_hvm_param(XenIOState *state, int param, unsigned long value)
{
    struct xen_hvm_param arg = { .domid = xen_domid, .index = param, .value = value };

    return do_hvm_op(HVMOP_set_param, &arg);   @hypercall
}

@fn xc_map_foreign_range
/* maps the ioreq page (buf 0) or the buffered page (buf 1) of the target domain, read-write */
int xc_map_foreign_range(XenIOState *state, int buf)
{
    struct domain *d = get_domain_by_id(xen_domid);
    long pfn = buf ? state->bufioreq_pfn : state->ioreq_pfn;
    struct page_info *page;

    if ( d == NULL || pfn < 0 )   @map
        return -EINVAL;
    page = get_page_from_gfn(d, pfn);
    if ( page == NULL )
        return -EINVAL;

    page->foreign_maps++;
    if ( buf )
        state->buffered_io_page = map_foreign_page(page);
    else
        state->shared_page = map_foreign_page(page);

    return 0;
}

@fn bind_vcpu_port
/* vcpu i's port is read from its own slot, as Xen wrote it there */
static int bind_vcpu_port(XenIOState *state, int i)
{
    evtchn_port_t port;
    int rc;

    if ( state->shared_page == NULL )   @read_eport
        return -EINVAL;
    port = state->shared_page->vcpu_ioreq[i].vp_eport;

    rc = xc_evtchn_bind_interdomain(state->xce_handle, xen_domid, port);   @bind
    if ( rc >= 0 )
    {
        state->ioreq_local_port[i] = rc;
        xc_evtchn_clear_pending(state->xce_handle, rc);
    }

    return rc < 0 ? rc : 0;
}

@fn bind_buf_port
static int bind_buf_port(XenIOState *state)
{
    int rc;

    rc = xc_evtchn_bind_interdomain(state->xce_handle, xen_domid, state->bufioreq_remote_port);   @bind
    if ( rc >= 0 )
        state->bufioreq_local_port = rc;

    return rc < 0 ? rc : 0;
}

@fn xen_hvm_init
int xen_hvm_init(XenIOState *state)
{
    unsigned long value;
    int i, rc;

    /* the synchronous page */
    rc = xc_get_hvm_param(state, HVM_PARAM_IOREQ_PFN, &value);   @get_ioreq_pfn
    if ( rc < 0 )
        return rc;
    rc = xc_map_foreign_range(state, 0);
    if ( rc < 0 )
        return rc;

    /* the buffered ring */
    rc = xc_get_hvm_param(state, HVM_PARAM_BUFIOREQ_PFN, &value);   @get_bufioreq_pfn
    if ( rc < 0 )
        return rc;
    rc = xc_map_foreign_range(state, 1);
    if ( rc < 0 )
        return rc;

    for ( i = 0; i < max_cpus; i++ )
    {
        rc = bind_vcpu_port(state, i);   @bind_vcpu
        if ( rc < 0 )
            return rc;
    }

    rc = xc_get_hvm_param(state, HVM_PARAM_BUFIOREQ_EVTCHN, &value);   @get_bufioreq_evtchn
    if ( rc < 0 )
        return rc;

    return bind_buf_port(state);
}

@fn cpu_get_ioreq
/* takes vcpu i's request if there is one: READY -> INPROCESS */
static bool cpu_get_ioreq(XenIOState *state, int i)
{
    ioreq_t *req = &state->shared_page->vcpu_ioreq[i];

    if ( req->state != STATE_IOREQ_READY )   @check_ready
    {
        DPRINTF("I/O request not ready: vcpu %d state %d\n", i, req->state);
        return false;
    }

    /* see READY first, then the request's contents */
    xen_rmb();
    req->state = STATE_IOREQ_INPROCESS;   @inprocess
    state->send_vcpu = i;

    return true;
}

@fn handle_ioreq
/* emulates the request in place: port I/O through the register file, COPY as guest-physical MMIO */
static void handle_ioreq(XenIOState *state, int i, const struct respond *r)
{
    ioreq_t *req = &state->shared_page->vcpu_ioreq[i];
    uint64_t mask = size_mask(req->size);

    switch ( req->type )   @dispatch
    {
    case IOREQ_TYPE_PIO:
    case IOREQ_TYPE_COPY:
        if ( req->dir == IOREQ_READ )
            /* an unclaimed port reads as all ones, unclaimed memory as zero */
            req->data = (r->has_data ? r->data : device_read(req)) & mask;
        else
            device_write(req, req->data);
        break;
    case IOREQ_TYPE_TIMEOFFSET:
        /* noted and otherwise ignored */
        break;
    case IOREQ_TYPE_INVALIDATE:
        xen_invalidate_map_cache();
        break;
    default:
        break;
    }
}

@fn cpu_handle_ioreq
/* serves vcpu i: take the request, emulate it, answer IORESP_READY and notify */
static int cpu_handle_ioreq(XenIOState *state, int i, const struct respond *r)
{
    ioreq_t *req;
    evtchn_port_t port;

    if ( state->shared_page == NULL )   @pending
        return -EINVAL;

    port = state->ioreq_local_port[i];
    xc_evtchn_clear_pending(state->xce_handle, port);

    if ( !cpu_get_ioreq(state, i) )
        return 0;
    req = &state->shared_page->vcpu_ioreq[i];

    handle_ioreq(state, i, r);

    /* if the slot changed under us, something is badly wrong: give up on the guest */
    if ( req->state != STATE_IOREQ_INPROCESS )   @check_inprocess
    {
        fprintf(stderr, "I/O request in unexpected state %d\n", req->state);
        destroy_hvm_domain(false);
        return -EINVAL;
    }

    /* the answer before the state that publishes it */
    xen_wmb();
    req->state = STATE_IORESP_READY;   @resp_ready
    state->send_vcpu = -1;

    if ( r->notify && port >= 0 )   @notify
        xc_evtchn_notify(state->xce_handle, port);

    return 1;
}

@fn handle_buffered_iopage
/* drains the buffered ring from read_pointer up to write_pointer; 8-byte entries use two slots */
static int handle_buffered_iopage(XenIOState *state)
{
    buffered_iopage_t *pg = state->buffered_io_page;
    int n = 0;

    if ( pg == NULL )   @check
        return -EINVAL;

    xc_evtchn_clear_pending(state->xce_handle, state->bufioreq_local_port);

    for ( ;; )
    {
        uint32_t rp = pg->read_pointer, wp = pg->write_pointer;
        buf_ioreq_t *slot;
        uint64_t data;
        int qw;

        if ( rp == wp )   @loop
            break;

        /* model only: pointers more than a ring apart are garbage, where QEMU would spin for up to 2^32 slots */
        if ( wp - rp > IOREQ_BUFFER_SLOT_NUM )
            return -EINVAL;

        slot = &pg->buf_ioreq[rp % IOREQ_BUFFER_SLOT_NUM];
        data = slot->data;
        qw = (slot->size == 3);
        if ( qw )
            data |= (uint64_t)pg->buf_ioreq[(rp + 1) % IOREQ_BUFFER_SLOT_NUM].data << 32;

        if ( slot->type != IOREQ_TYPE_TIMEOFFSET && slot->dir == IOREQ_WRITE )
            device_write_buffered(slot, data);

        /* done with the entry before its slots are handed back */
        xen_mb();
        pg->read_pointer = rp + 1 + qw;
        n++;
    }

    return n;
}
