/*
 * common/xen-hvm.c: IOREQ Scope's C-like rendering of its model of the device model's side, the way qemu-xen of
 * 2014 works the ring (setting up in xen_hvm_init, taking and answering a request, draining the buffered ring),
 * together with the libxc calls it makes, following src/model/qemu/xen-hvm.ts. Written by this project in its own
 * words; it is not QEMU's source. `r` holds a scenario's answer to a request (the value a read returns, whether
 * to notify); QEMU has nothing like it.
 */

@fn xc_get_hvm_param
@names state=dm param=index value=out
int xc_get_hvm_param(XenIOState *state, int param, unsigned long *value)
{
    struct xen_hvm_param arg = { .domid = xen_domid, .index = param };   @init_arg
    int rc;

    /* under the seed, this hypercall may be the one that makes the ioreq server */
    rc = do_hvm_op(HVMOP_get_param, &arg);   @hypercall
    /* libxc copies the value out whatever rc is: after a failure, what the buffer held (0) */
    unsigned long v = arg.value;   @result
    *value = v;   @value
    /* remembered for the rest of xen_hvm_init */
    if (param == HVM_PARAM_IOREQ_PFN) state->ioreq_pfn = arg.value;   @ioreq_pfn
    if (param == HVM_PARAM_BUFIOREQ_PFN) state->bufioreq_pfn = arg.value;   @bufioreq_pfn
    if (param == HVM_PARAM_BUFIOREQ_EVTCHN) state->bufioreq_remote_port = arg.value;   @bufioreq_evtchn
    return rc;   @ret
}

@fn xc_set_hvm_param
@names state=dm
int xc_set_hvm_param(XenIOState *state, int param, unsigned long value)
{
    struct xen_hvm_param arg = { .domid = xen_domid, .index = param, .value = value };   @init_arg

    return do_hvm_op(HVMOP_set_param, &arg);   @hypercall
}

@fn xc_map_foreign_range
@names state=dm
/* maps one page of the guest read-write: the ioreq page for buf 0, the buffered page for buf 1 */
int xc_map_foreign_range(XenIOState *state, int buf)
{
    struct domain *d = get_domain_by_id(xen_domid);   @get_domain
    long pfn = buf ? state->bufioreq_pfn : state->ioreq_pfn;   @pfn
    struct page_info *page;

    if (d == NULL || pfn < 0) return -EINVAL;   @map
    page = get_page_from_gfn(d, pfn);   @get_page
    if (page == NULL) return -EINVAL;   @check_page

    page->foreign_maps++;   @foreign_maps
    if (buf) {   @which
        state->buffered_io_page = map_foreign_page(page);   @map_buffered
    } else {
        state->shared_page = map_foreign_page(page);   @map_shared
    }
    return 0;   @ret
}

@fn bind_vcpu_port
@names state=dm
/* the port of vcpu i comes from its own slot, where Xen wrote it */
static int bind_vcpu_port(XenIOState *state, int i)
{
    evtchn_port_t port;
    int rc;

    if (state->shared_page == NULL) return -EINVAL;   @read_eport
    port = state->shared_page->vcpu_ioreq[i].vp_eport;   @port

    /* Xen marks a newly bound port pending; the loop looks at the slot the next time it runs */
    rc = xc_evtchn_bind_interdomain(state->xce_handle, xen_domid, port);   @bind
    if (rc >= 0) state->ioreq_local_port[i] = rc;   @local_port
    return rc < 0 ? rc : 0;   @ret
}

@fn bind_buf_port
@names state=dm
static int bind_buf_port(XenIOState *state)
{
    int rc;

    /* the port number came from HVM_PARAM_BUFIOREQ_EVTCHN */
    rc = xc_evtchn_bind_interdomain(state->xce_handle, xen_domid, state->bufioreq_remote_port);   @bind
    if (rc >= 0) state->bufioreq_local_port = rc;   @local_port
    return rc < 0 ? rc : 0;   @ret
}

@fn xen_hvm_init
@names state=dm
int xen_hvm_init(XenIOState *state)
{
    unsigned long value;
    int i, rc = 0;   @init_rc

    /* the synchronous page: learn where it is, then map it */
    if ((rc = xc_get_hvm_param(state, HVM_PARAM_IOREQ_PFN, &value)) < 0) return rc;   @get_ioreq_pfn
    if ((rc = xc_map_foreign_range(state, 0)) < 0) return rc;   @map_shared

    /* the same for the buffered ring */
    if ((rc = xc_get_hvm_param(state, HVM_PARAM_BUFIOREQ_PFN, &value)) < 0) return rc;   @get_bufioreq_pfn
    if ((rc = xc_map_foreign_range(state, 1)) < 0) return rc;   @map_buffered

    for (i = 0; i < max_cpus; i++) {   @for_each_vcpu
        if ((rc = bind_vcpu_port(state, i)) < 0) return rc;   @bind_vcpu
    }

    /* last, the buffered ring's port */
    if ((rc = xc_get_hvm_param(state, HVM_PARAM_BUFIOREQ_EVTCHN, &value)) < 0) return rc;   @get_bufioreq_evtchn
    return bind_buf_port(state);   @bind_buffered
}

@fn cpu_get_ioreq
@names state=dm
/* takes vcpu i's request when there is one, moving it from READY to INPROCESS */
static bool cpu_get_ioreq(XenIOState *state, int i)
{
    ioreq_t *req = &state->shared_page->vcpu_ioreq[i];   @get_req

    /* nothing to take (QEMU only prints a debug line) */
    if (req->state != STATE_IOREQ_READY) return false;   @check_ready

    xen_rmb();   /* READY first, the request's fields after it (the model has no reordering: a stop, nothing changes) */   @rmb
    req->state = STATE_IOREQ_INPROCESS;   @inprocess
    state->send_vcpu = i;   @send_vcpu
    return true;   @ret
}

@fn handle_ioreq
@names state=dm
/* carries out the request in place: one register, or count elements between the device and a guest buffer */
static void handle_ioreq(XenIOState *state, int i, const struct respond *r)
{
    ioreq_t *req = &state->shared_page->vcpu_ioreq[i];   @get_req
    uint32_t k;

    /* TIMEOFFSET is logged and ignored and INVALIDATE flushes the map cache: neither changes the slot */
    if (req->type == IOREQ_TYPE_PIO || req->type == IOREQ_TYPE_COPY) {   @dispatch
        if (!req->data_is_ptr) {   @is_ptr
            if (req->dir == IOREQ_READ)   @single_dir
                /* the scenario's value, else the device's, else all ones for a port and zero for memory */
                req->data = (r->has_data ? r->data : device_read(req, req->addr)) & size_mask(req->size);
            else
                device_write(req, req->addr, req->data);
        } else {
            /* element k of the buffer is at data -/+ k * size; a port stays put, an MMIO address steps too */
            for (k = 0; k < req->count; k++) {   @for_each_item
                uint64_t dev = req->type == IOREQ_TYPE_PIO ? req->addr : item_addr(req, req->addr, k);   @dev_addr
                if (req->dir == IOREQ_READ)   @item_dir
                    write_phys_item(req, req->data, k, device_read(req, dev));
                else
                    device_write(req, dev, read_phys_item(req, req->data, k));
            }
        }
    }
    /* PCI config by SBDF: only a Xen 4.5 ioreq server sends it (cpu_ioreq_config) */
    if (req->type == IOREQ_TYPE_PCI_CONFIG) {   @config
        if (req->dir == IOREQ_READ)   @config_dir
            req->data = r->has_data ? r->data : pci_config_read(req->addr >> 32, req->addr & 0xfff, req->size);
        else
            pci_config_write(req->addr >> 32, req->addr & 0xfff, req->size, req->data);
    }
}

@fn cpu_handle_ioreq_take
@names state=dm port=lport
/* the port that fired names the vcpu; the request is taken, then the buffered ring drained before it is handled */
static int cpu_handle_ioreq_take(XenIOState *state, int i)
{
    evtchn_port_t port = state->ioreq_local_port[i];   @port
    ioreq_t *req;

    if (port >= 0) xc_evtchn_clear_pending(state->xce_handle, port);   @pending
    req = cpu_get_ioreq(state, i);   @take

    /* taken or not, whatever waits on the buffered ring reaches the devices before the request is handled */
    if (state->buffered_io_page != NULL) handle_buffered_iopage(state);   @drain
    return req != NULL;   @ret
}

@fn cpu_handle_ioreq_handle
@names state=dm
/* the request taken, carried out */
static int cpu_handle_ioreq_handle(XenIOState *state, int i, const struct respond *r)
{
    handle_ioreq(state, i, r);   @handle
    return 0;   @ret
}

@fn cpu_handle_ioreq_answer
@names state=dm port=lport
/* QEMU's check after handling, then the answer */
static int cpu_handle_ioreq_answer(XenIOState *state, int i, const struct respond *r)
{
    ioreq_t *req = &state->shared_page->vcpu_ioreq[i];   @get_req
    evtchn_port_t port = state->ioreq_local_port[i];   @port

    if (req->state != STATE_IOREQ_INPROCESS) {   @check_inprocess
        fprintf(stderr, "Badness in I/O request ... not in service?!: ...\n");   @badness
        /* the slot changed while QEMU held it: power the guest off, and give no answer */
        destroy_hvm_domain(false);   @bad_destroy
        return -EINVAL;   @bad_ret
    }

    xen_wmb();   /* the answer is in place before the state announces it (the model has no reordering: a stop, nothing changes) */   @wmb
    if (qemu_shutdown_requested_get()) destroy_hvm_domain(false);   @requested
    if (qemu_reset_requested_get()) destroy_hvm_domain(true);   @reset
    req->state = STATE_IORESP_READY;   @resp_ready
    state->send_vcpu = -1;   @send_vcpu

    if (r->notify && port >= 0) xc_evtchn_notify(state->xce_handle, port);   @notify
    return 1;   @ret
}

@fn cpu_handle_ioreq
@names state=dm
/* serves vcpu i: take its request, carry it out, answer with IORESP_READY and notify */
static int cpu_handle_ioreq(XenIOState *state, int i, const struct respond *r)
{
    if (state->shared_page == NULL) return -EINVAL;   @entry
    if (!cpu_handle_ioreq_take(state, i)) return 0;   @take
    handle_ioreq(state, i, r);   @handle
    return cpu_handle_ioreq_answer(state, i, r);   @answer
}

@fn destroy_hvm_domain
/* asks Xen to shut the guest down: SCHEDOP_remote_shutdown through xc_domain_shutdown */
void destroy_hvm_domain(bool reboot)
{
    int sts = xc_domain_shutdown(xen_xc, xen_domid, reboot ? SHUTDOWN_reboot : SHUTDOWN_poweroff);   @shutdown
    if (sts != 0)   @report
        fprintf(stderr, "xc_domain_shutdown failed to issue %s, sts %d, %s\n", reboot ? "reboot" : "poweroff", sts, strerror(errno));
    else
        fprintf(stderr, "Issued domain %d %s\n", xen_domid, reboot ? "reboot" : "poweroff");
}

@fn handle_buffered_iopage
@names state=dm
/* drains the buffered ring from read_pointer to write_pointer; an 8-byte entry fills two slots */
static int handle_buffered_iopage(XenIOState *state)
{
    buffered_iopage_t *pg = state->buffered_io_page;   @init_pg
    int n = 0;   @init_n

    if (pg == NULL) return -EINVAL;   @check
    if (state->bufioreq_local_port >= 0) xc_evtchn_clear_pending(state->xce_handle, state->bufioreq_local_port);   @pending

    for (;;) {
        uint32_t rp = pg->read_pointer, wp = pg->write_pointer;   @pointers
        buf_ioreq_t *b;
        uint64_t data;
        int qw = 0;   @init_qw

        if (rp == wp) break;   @loop

        /* the model's own guard: pointers more than a ring apart are garbage, and QEMU would spin for up to 2^32 slots */
        if (wp - rp > IOREQ_BUFFER_SLOT_NUM) return -EINVAL;   @corrupt

        b = &pg->buf_ioreq[rp % IOREQ_BUFFER_SLOT_NUM];   @slot
        data = b->data;   @data
        if (b->size == 3) {   @is_qword
            data |= (uint64_t)pg->buf_ioreq[(rp + 1) % IOREQ_BUFFER_SLOT_NUM].data << 32;   @hi
            qw = 1;   @qw
        }
        if (b->type != IOREQ_TYPE_TIMEOFFSET && b->dir == IOREQ_WRITE) device_write_buffered(b, data & SIZE_MASK(b->size));   @write

        xen_mb();   /* finished with the entry before its slots are handed back (the model has no reordering: a stop, nothing changes) */   @mb
        pg->read_pointer = rp + 1 + qw;   @read_pointer
        n++;   @count
    }
    return n;   @ret
}
