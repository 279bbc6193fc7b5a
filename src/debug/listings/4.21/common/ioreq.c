/* 4.21/common/ioreq.c: the model's xen/common/ioreq.c of RELEASE-4.21.0, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn wait_for_io
/* wait_for_io (ioreq.c:154-209 @RELEASE-4.21.0): p->state is loaded once per round and must only move forward;
 * IORESP_READY hands the data over, READY/INPROCESS wait on the port, anything else crashes the domain. The model
 * can end a step after any load of p->state and can undo two fixes: 92938e5d14 (XSA-262: no forward-only check,
 * the loop's head loads p->state again) and b452430a4c (XSA-166: the switch loads p->state twice, bounds then
 * index). With f7039ee41b undone, the tail also settles v->io.req and ends the shutdown deferral (hvm_io_assist). */
static bool wait_for_io(struct ioreq_vcpu *sv, ioreq_t *p)
{
    struct vcpu *v;
    struct vcpu_io *vio;
    unsigned int prev_state, state;
    uint64_t data;

    /* the model only: the last step ended right after a load of p->state; carry on from that load */
    resume_after_last_load(sv, &state, &prev_state);   @go_on
    v = sv->vcpu; vio = &v->io; prev_state = STATE_IOREQ_NONE; data = ~0; state = p->state;   @read_state

    for ( ;; )   /* Xen's while ( state != STATE_IOREQ_NONE ): the test is the first half of check order */
    {
        /* 92938e5d14 undone: back at the top after the wait saw a change, p->state is loaded again */
        state = p->state;   @reread
        if ( state == STATE_IOREQ_NONE ) break; if ( state < prev_state ) { gdprintk(XENLOG_ERR, "Weird HVM ioreq state transition %u -> %u\n", prev_state, state); sv->pending = false; domain_crash(v->domain); return false; }   @check_order
        /* b452430a4c undone: the switch's bounds check loads p->state (past IORESP_READY: the default case) ... */
        state = p->state;   @bounds
        /* ... and the jump table's index loads it a second time: an index past the table jumps anywhere (XSA-166) */
        index = p->state;   @index
        /* default (the same step): gdprintk(XENLOG_ERR, "Weird HVM iorequest state %u\n", state); sv->pending = false; domain_crash(v->domain); return false; */
        switch ( prev_state = state )   @switch
        {
        case STATE_IORESP_READY:
            p->state = STATE_IOREQ_NONE; data = p->data; goto done;   @take_data
        case STATE_IOREQ_READY:
        case STATE_IOREQ_INPROCESS:
            /* the wait's condition loads p->state before the vcpu is marked blocked ... */
            wait_on_xen_event_channel(sv->ioreq_evtchn, (state = p->state) != prev_state);   @wait
            /* ... and once more after: unchanged, the vcpu sleeps until the port is notified; changed, round again */
            set_bit(_VPF_blocked_in_xen, &v->pause_flags); if ( (state = p->state) == prev_state ) raise_softirq(SCHEDULE_SOFTIRQ); continue;   @recheck
        }
    }

    /* done: */
    if ( ioreq_needs_completion(&vio->req) ) vio->req.data = data; sv->pending = false; return true;   @complete
}

@fn vcpu_ioreq_handle_completion
/* vcpu_ioreq_handle_completion (ioreq.c:211-259 @RELEASE-4.21.0): wait on every pending server (da20c93108 undone:
 * on the first, newest, only), settle v->io.req and end the shutdown deferral (moved here from hvm_io_assist by
 * f7039ee41b; undone, not here), then finish the access; a map-cache flush asked for meanwhile is broadcast last. */
bool vcpu_ioreq_handle_completion(struct vcpu *v)
{
    struct vcpu_io *vio;
    struct ioreq_server *s;
    struct ioreq_vcpu *sv;
    enum vio_completion completion;
    bool res;

    vio = &v->io; res = true; while ( (sv = get_pending_vcpu(v, &s)) != NULL ) if ( !wait_for_io(sv, get_ioreq(s, v)) ) return false;   @pending
    vio->req.state = ioreq_needs_completion(&vio->req) ? STATE_IORESP_READY : STATE_IOREQ_NONE; msix_write_completion(v); vcpu_end_shutdown_deferral(v);   @req_state
    completion = vio->completion; vio->completion = VIO_no_completion;   @completion
    /* switch ( completion ): mmio -> arch_ioreq_complete_mmio(), pio -> handle_pio(addr, size, dir); realmode is not modelled */
    if ( res && v->mapcache_invalidate ) { v->mapcache_invalidate = false; ioreq_signal_mapcache_invalidate(); res = false; }   @mapcache
    return res;   @done
}

@fn ioreq_signal_mapcache_invalidate
/* ioreq_signal_mapcache_invalidate (ioreq.c:48-59 @RELEASE-4.21.0): a synchronous INVALIDATE (flush all) to every
 * enabled server. */
static void ioreq_signal_mapcache_invalidate(void)
{
    ioreq_t p;

    p = (ioreq_t){ .type = IOREQ_TYPE_INVALIDATE, .size = 4, .dir = IOREQ_WRITE, .data = ~0UL }; if ( ioreq_broadcast(&p, false) != 0 ) gprintk(XENLOG_ERR, "Unsuccessful map-cache invalidate\n");   @broadcast
}

@fn ioreq_server_alloc_mfn
/* ioreq_server_alloc_mfn (ioreq.c:261-307 @RELEASE-4.21.0): a fresh domheap page of the target's, mapped into Xen
 * and cleared; a page already there is kept, unless a legacy gfn maps it (-EPERM). The model has no page type
 * references, so get_page_and_type cannot fail (-ENODATA) here. */
static int ioreq_server_alloc_mfn(struct ioreq_server *s, bool buf)
{
    struct ioreq_page *iorp;
    struct page_info *page;

    iorp = buf ? &s->bufioreq : &s->ioreq; if ( iorp->page ) return gfn_eq(iorp->gfn, INVALID_GFN) ? 0 : -EPERM;   @check_page
    if ( (page = alloc_domheap_page(s->target, MEMF_no_refcount)) == NULL ) return -ENOMEM;   @alloc
    if ( (iorp->va = __map_domain_page_global(page)) == NULL ) { put_page_alloc_ref(page); put_page_and_type(page); return -ENOMEM; }   @map_global
    iorp->page = page; clear_page(iorp->va); return 0;   @clear
}

@fn ioreq_server_free_mfn
/* ioreq_server_free_mfn (ioreq.c:309-324 @RELEASE-4.21.0): unmap and drop the page, if there is one. */
static void ioreq_server_free_mfn(struct ioreq_server *s, bool buf)
{
    struct ioreq_page *iorp;
    struct page_info *page;

    iorp = buf ? &s->bufioreq : &s->ioreq; if ( (page = iorp->page) == NULL ) return; iorp->page = NULL; unmap_domain_page_global(iorp->va); iorp->va = NULL; put_page_alloc_ref(page); put_page_and_type(page);   @check
}

@fn ioreq_server_alloc_pages
/* ioreq_server_alloc_pages (ioreq.c:467-480 @RELEASE-4.21.0): the synchronous page, then the ring if buffering is
 * on; a failed ring frees the synchronous page again. */
static int ioreq_server_alloc_pages(struct ioreq_server *s)
{
    int rc;

    rc = ioreq_server_alloc_mfn(s, false);   @ioreq
    if ( !rc && (s->bufioreq_handling != HVM_IOREQSRV_BUFIOREQ_OFF) ) rc = ioreq_server_alloc_mfn(s, true);   @bufioreq
    if ( rc ) ioreq_server_free_mfn(s, false); return rc;   @check
}

@fn ioreq_server_free_pages
/* ioreq_server_free_pages (ioreq.c:482-486 @RELEASE-4.21.0): the ring first, then the synchronous page. */
static void ioreq_server_free_pages(struct ioreq_server *s)
{
    ioreq_server_free_mfn(s, true); ioreq_server_free_mfn(s, false);   @free
}

@fn ioreq_server_update_evtchn
/* ioreq_server_update_evtchn (ioreq.c:348-359 @RELEASE-4.21.0): the vcpu's port into its slot, once there is a
 * page. */
static void ioreq_server_update_evtchn(struct ioreq_server *s, struct ioreq_vcpu *sv)
{
    ioreq_t *p;

    if ( s->ioreq.va == NULL ) return;   @check
    p = get_ioreq(s, sv->vcpu); p->vp_eport = sv->ioreq_evtchn;   @write
}

@fn ioreq_server_add_vcpu
/* ioreq_server_add_vcpu (ioreq.c:361-411 @RELEASE-4.21.0): an unbound port of v's domain for the emulator (and the
 * buffered port, on vcpu 0 of a buffering server), the entry at the list's head, the port into the slot if
 * enabled. */
static int ioreq_server_add_vcpu(struct ioreq_server *s, struct vcpu *v)
{
    struct ioreq_vcpu *sv;
    int rc;

    rc = -ENOMEM; if ( (sv = xzalloc(struct ioreq_vcpu)) == NULL ) return rc;   @alloc
    rc = alloc_unbound_xen_event_channel(v->domain, v->vcpu_id, s->emulator->domain_id, NULL); if ( rc < 0 ) { xfree(sv); return rc; } sv->ioreq_evtchn = rc;   @evtchn
    if ( v->vcpu_id == 0 && HANDLE_BUFIOREQ(s) ) { rc = alloc_unbound_xen_event_channel(v->domain, 0, s->emulator->domain_id, NULL); if ( rc < 0 ) { free_xen_event_channel(v->domain, sv->ioreq_evtchn); xfree(sv); return rc; } s->bufioreq_evtchn = rc; }   @buf_evtchn
    sv->vcpu = v; list_add(&sv->list_entry, &s->ioreq_vcpu_list); if ( s->enabled ) ioreq_server_update_evtchn(s, sv); return 0;   @added
}

@fn ioreq_server_remove_vcpu
/* ioreq_server_remove_vcpu (ioreq.c:413-439 @RELEASE-4.21.0): v's entry off the list, its ports freed (the buffered
 * one with vcpu 0's). */
static void ioreq_server_remove_vcpu(struct ioreq_server *s, struct vcpu *v)
{
    struct ioreq_vcpu *sv;

    list_for_each_entry ( sv, &s->ioreq_vcpu_list, list_entry ) if ( sv->vcpu == v ) { list_del(&sv->list_entry); if ( v->vcpu_id == 0 && HANDLE_BUFIOREQ(s) ) free_xen_event_channel(v->domain, s->bufioreq_evtchn); free_xen_event_channel(v->domain, sv->ioreq_evtchn); xfree(sv); break; }   @find
}

@fn ioreq_server_remove_all_vcpus
/* ioreq_server_remove_all_vcpus (ioreq.c:441-465 @RELEASE-4.21.0): every entry off the list, its ports freed. */
static void ioreq_server_remove_all_vcpus(struct ioreq_server *s)
{
    struct ioreq_vcpu *sv, *next;
    struct vcpu *v;

    list_for_each_entry_safe ( sv, next, &s->ioreq_vcpu_list, list_entry ) { v = sv->vcpu; list_del(&sv->list_entry); if ( v->vcpu_id == 0 && HANDLE_BUFIOREQ(s) ) free_xen_event_channel(v->domain, s->bufioreq_evtchn); free_xen_event_channel(v->domain, sv->ioreq_evtchn); xfree(sv); }   @remove
}

@fn ioreq_server_enable
/* ioreq_server_enable (ioreq.c:539-559 @RELEASE-4.21.0): the arch hook, enabled, then every vcpu's port into its
 * slot. */
static void ioreq_server_enable(struct ioreq_server *s)
{
    struct ioreq_vcpu *sv;

    if ( s->enabled ) return;   @check
    arch_ioreq_server_enable(s); s->enabled = true;   @arch
    list_for_each_entry ( sv, &s->ioreq_vcpu_list, list_entry ) ioreq_server_update_evtchn(s, sv);   @update
}

@fn ioreq_server_disable
/* ioreq_server_disable (ioreq.c:561-574 @RELEASE-4.21.0): the arch hook, then disabled. */
static void ioreq_server_disable(struct ioreq_server *s)
{
    if ( !s->enabled ) return;   @check
    arch_ioreq_server_disable(s); s->enabled = false;   @arch
}

@fn ioreq_server_init
/* ioreq_server_init (ioreq.c:576-619 @RELEASE-4.21.0): the emulator is current->domain (a reference held), no gfns
 * or pages yet, three rangesets, then every vcpu. A rangeset allocation failure returns without put_domain (kept as
 * Xen 4.21.0 has it); a vcpu that cannot be added undoes the others and drops the reference. */
static int ioreq_server_init(struct ioreq_server *s, struct domain *d, int bufioreq_handling, ioservid_t id)
{
    struct domain *currd;
    struct vcpu *v;
    int rc;

    currd = current->domain; s->target = d; get_knownalive_domain(currd); s->emulator = currd; s->ioreq.gfn = INVALID_GFN; s->bufioreq.gfn = INVALID_GFN;   @gfns
    if ( (rc = ioreq_server_alloc_rangesets(s, id)) != 0 ) return rc; s->bufioreq_handling = bufioreq_handling;   @rangesets
    for_each_vcpu ( d, v ) if ( (rc = ioreq_server_add_vcpu(s, v)) != 0 ) goto fail_add;   @add_vcpu
    /* all added: return 0 (the same step as the last add_vcpu) */
    ioreq_server_remove_all_vcpus(s); arch_ioreq_server_unmap_pages(s); ioreq_server_free_rangesets(s); put_domain(s->emulator); return rc;   @fail_add
}

@fn ioreq_server_deinit
/* ioreq_server_deinit (ioreq.c:621-641 @RELEASE-4.21.0): vcpus, legacy gfns, domheap pages, rangesets, the
 * emulator's reference; the server must be disabled (ASSERT). */
static void ioreq_server_deinit(struct ioreq_server *s)
{
    ASSERT(!s->enabled); ioreq_server_remove_all_vcpus(s);   @vcpus
    arch_ioreq_server_unmap_pages(s);   @unmap
    ioreq_server_free_pages(s);   @free_pages
    ioreq_server_free_rangesets(s); put_domain(s->emulator);   @put
}

@fn ioreq_server_create
/* ioreq_server_create (ioreq.c:643-700 @RELEASE-4.21.0): the lowest free of MAX_NR_IOREQ_SERVERS (8) slots, the
 * target paused meanwhile; Arm refuses buffering. With b7007bc6f9 undone, no bound on bufioreq_handling and any
 * buffering is LEGACY. */
static int ioreq_server_create(struct domain *d, int bufioreq_handling, ioservid_t *id)
{
    struct ioreq_server *s;
    unsigned int i;
    int rc;

    if ( !IS_ENABLED(CONFIG_X86) && bufioreq_handling ) return -EINVAL;   @arm_buf
    if ( bufioreq_handling > HVM_IOREQSRV_BUFIOREQ_ATOMIC ) return -EINVAL;   @max_buf
    if ( (s = xzalloc(struct ioreq_server)) == NULL ) return -ENOMEM;   @alloc
    domain_pause(d); rspin_lock(&d->ioreq_server.lock);   @pause
    for ( i = 0; i < MAX_NR_IOREQ_SERVERS; i++ ) if ( !GET_IOREQ_SERVER(d, i) ) break; rc = -ENOSPC; if ( i >= MAX_NR_IOREQ_SERVERS ) { rspin_unlock(&d->ioreq_server.lock); domain_unpause(d); xfree(s); return rc; }   @slot
    set_ioreq_server(d, i, s); rc = ioreq_server_init(s, d, bufioreq_handling, i);   @init
    if ( rc ) { set_ioreq_server(d, i, NULL); rspin_unlock(&d->ioreq_server.lock); domain_unpause(d); xfree(s); return rc; }   @fail
    if ( id ) *id = i; rspin_unlock(&d->ioreq_server.lock); domain_unpause(d); return 0;   @unpause
}

@fn ioreq_server_destroy
/* ioreq_server_destroy (ioreq.c:702-742 @RELEASE-4.21.0): -ENOENT for a free id, -EPERM unless the caller is the
 * emulator; paused, the arch hook, disabled, deinit, the slot cleared. */
static int ioreq_server_destroy(struct domain *d, ioservid_t id)
{
    struct ioreq_server *s;
    int rc;

    rspin_lock(&d->ioreq_server.lock); if ( (s = get_ioreq_server(d, id)) == NULL ) { rc = -ENOENT; goto out; }   @lookup
    if ( s->emulator != current->domain ) { rc = -EPERM; goto out; } domain_pause(d);   @owner
    arch_ioreq_server_destroy(s);   @arch
    ioreq_server_disable(s);   @disable
    ioreq_server_deinit(s); set_ioreq_server(d, id, NULL);   @deinit
    domain_unpause(d); xfree(s); rc = 0; rspin_unlock(&d->ioreq_server.lock); return rc;   @unpause
}

@fn ioreq_server_get_info
/* ioreq_server_get_info (ioreq.c:744-789 @RELEASE-4.21.0): legacy gfns mapped only when asked for; the buffered
 * port if the server buffers. */
static int ioreq_server_get_info(struct domain *d, ioservid_t id, unsigned long *ioreq_gfn, unsigned long *bufioreq_gfn, evtchn_port_t *bufioreq_port)
{
    struct ioreq_server *s;
    int rc;

    if ( (s = get_ioreq_server(d, id)) == NULL ) return -ENOENT;   @lookup
    if ( s->emulator != current->domain ) return -EPERM;   @owner
    if ( ioreq_gfn || bufioreq_gfn ) { if ( (rc = arch_ioreq_server_map_pages(s)) != 0 ) return rc; } if ( ioreq_gfn ) *ioreq_gfn = gfn_x(s->ioreq.gfn);   @map_pages
    if ( HANDLE_BUFIOREQ(s) ) { if ( bufioreq_gfn ) *bufioreq_gfn = gfn_x(s->bufioreq.gfn); if ( bufioreq_port ) *bufioreq_port = s->bufioreq_evtchn; } return 0;   @buf
}

@fn ioreq_server_get_frame
@names mfn=out
/* ioreq_server_get_frame (ioreq.c:791-840 @RELEASE-4.21.0): the pages allocated on demand; frame 0 is the ring
 * (-ENOENT if the server does not buffer), frame 1 the synchronous page, anything else -EINVAL. */
int ioreq_server_get_frame(struct domain *d, ioservid_t id, unsigned int idx, mfn_t *mfn)
{
    struct ioreq_server *s;
    int rc;

    if ( (s = get_ioreq_server(d, id)) == NULL ) return -ENOENT;   @lookup
    if ( s->emulator != current->domain ) return -EPERM;   @owner
    if ( (rc = ioreq_server_alloc_pages(s)) != 0 ) return rc;   @alloc
    switch ( idx ) { case XENMEM_resource_ioreq_server_frame_bufioreq: rc = -ENOENT; if ( !HANDLE_BUFIOREQ(s) ) break; *mfn = page_to_mfn(s->bufioreq.page); rc = 0; break; case XENMEM_resource_ioreq_server_frame_ioreq(0): *mfn = page_to_mfn(s->ioreq.page); rc = 0; break; default: rc = -EINVAL; } return rc;   @frame
}

@fn ioreq_server_map_io_range
/* ioreq_server_map_io_range (ioreq.c:842-892 @RELEASE-4.21.0): -EINVAL for start > end or an unknown type, -ENOENT /
 * -EPERM as for every server op, -EEXIST when the range overlaps one this server already has. */
static int ioreq_server_map_io_range(struct domain *d, ioservid_t id, uint32_t type, uint64_t start, uint64_t end)
{
    struct ioreq_server *s;
    struct rangeset *r;
    int rc;

    if ( start > end ) return -EINVAL;   @order
    if ( (s = get_ioreq_server(d, id)) == NULL ) return -ENOENT;   @lookup
    if ( s->emulator != current->domain ) return -EPERM;   @owner
    /* type is XEN_DMOP_IO_RANGE_PORT, _MEMORY or _PCI */
    if ( (r = s->range[type]) == NULL ) return -EINVAL;   @type
    if ( rangeset_overlaps_range(r, start, end) ) return -EEXIST;   @overlap
    rc = rangeset_add_range(r, start, end); return rc;   @add
}

@fn ioreq_server_unmap_io_range
/* ioreq_server_unmap_io_range (ioreq.c:894-944 @RELEASE-4.21.0): the whole range must be this server's (-ENOENT). */
static int ioreq_server_unmap_io_range(struct domain *d, ioservid_t id, uint32_t type, uint64_t start, uint64_t end)
{
    struct ioreq_server *s;
    struct rangeset *r;
    int rc;

    if ( start > end ) return -EINVAL;   @order
    if ( (s = get_ioreq_server(d, id)) == NULL ) return -ENOENT;   @lookup
    if ( s->emulator != current->domain ) return -EPERM;   @owner
    if ( (r = s->range[type]) == NULL ) return -EINVAL;   @type
    if ( !rangeset_contains_range(r, start, end) ) return -ENOENT;   @contains
    rc = rangeset_remove_range(r, start, end); return rc;   @remove
}

@fn ioreq_server_map_mem_type
/* ioreq_server_map_mem_type (ioreq.c:954-987 @RELEASE-4.21.0): HVMMEM_ioreq_server only, and the write flag only. */
int ioreq_server_map_mem_type(struct domain *d, ioservid_t id, uint32_t type, uint32_t flags)
{
    struct ioreq_server *s;

    if ( type != HVMMEM_ioreq_server || (flags & ~XEN_DMOP_IOREQ_MEM_ACCESS_WRITE) ) return -EINVAL;   @type
    if ( (s = get_ioreq_server(d, id)) == NULL ) return -ENOENT;   @lookup
    if ( s->emulator != current->domain ) return -EPERM;   @owner
    return arch_ioreq_server_map_mem_type(d, s, flags);   @arch
}

@fn ioreq_server_set_state
/* ioreq_server_set_state (ioreq.c:989-1021 @RELEASE-4.21.0): the target paused while the server is enabled or
 * disabled. */
static int ioreq_server_set_state(struct domain *d, ioservid_t id, bool enabled)
{
    struct ioreq_server *s;

    if ( (s = get_ioreq_server(d, id)) == NULL ) return -ENOENT;   @lookup
    if ( s->emulator != current->domain ) return -EPERM; domain_pause(d);   @owner
    if ( enabled ) ioreq_server_enable(s); else ioreq_server_disable(s);   @set
    domain_unpause(d); return 0;   @unpause
}

@fn ioreq_server_add_vcpu_all
/* ioreq_server_add_vcpu_all (ioreq.c:1023-1056 @RELEASE-4.21.0): a new vcpu joins every server, newest first; a
 * failure takes it out of those it joined. */
int ioreq_server_add_vcpu_all(struct domain *d, struct vcpu *v)
{
    struct ioreq_server *s;
    unsigned int id;
    int rc;

    FOR_EACH_IOREQ_SERVER(d, id, s) if ( (rc = ioreq_server_add_vcpu(s, v)) != 0 ) goto fail;   @add
    /* all joined: return 0 (the same step as the last add) */
    while ( ++id != MAX_NR_IOREQ_SERVERS ) if ( (s = GET_IOREQ_SERVER(d, id)) != NULL ) ioreq_server_remove_vcpu(s, v); return rc;   @fail
}

@fn ioreq_server_remove_vcpu_all
/* ioreq_server_remove_vcpu_all (ioreq.c:1058-1069 @RELEASE-4.21.0): a vcpu going away leaves every server. */
void ioreq_server_remove_vcpu_all(struct domain *d, struct vcpu *v)
{
    struct ioreq_server *s;
    unsigned int id;

    FOR_EACH_IOREQ_SERVER(d, id, s) ioreq_server_remove_vcpu(s, v);   @remove
}

@fn ioreq_server_destroy_all
/* ioreq_server_destroy_all (ioreq.c:1071-1098 @RELEASE-4.21.0): at the target's teardown, without a pause: each
 * server disabled, deinit, its slot cleared and freed. */
void ioreq_server_destroy_all(struct domain *d)
{
    struct ioreq_server *s;
    unsigned int id;

    if ( !arch_ioreq_server_destroy_all(d) ) return;   @arch
    FOR_EACH_IOREQ_SERVER(d, id, s) { ioreq_server_disable(s); ioreq_server_deinit(s); set_ioreq_server(d, id, NULL); xfree(s); }   @destroy
}

@fn ioreq_server_select
/* ioreq_server_select (ioreq.c:1100-1154 @RELEASE-4.21.0): enabled servers, newest first; a port range must hold
 * [addr, addr + size - 1], a memory range the bytes the access touches (df-aware), a PCI range the sbdf, which then
 * rewrites p's type and addr. */
struct ioreq_server *ioreq_server_select(struct domain *d, ioreq_t *p)
{
    struct ioreq_server *s;
    struct rangeset *r;
    unsigned long start, end;
    uint8_t type;
    uint64_t addr;

    if ( !arch_ioreq_server_get_type_addr(d, p, &type, &addr) ) return NULL;   @type_addr
    /* port: start = addr, end = addr + p->size - 1; memory: ioreq_mmio_first_byte(p) .. ioreq_mmio_last_byte(p) */
    FOR_EACH_IOREQ_SERVER(d, id, s) if ( s->enabled && rangeset_contains_range(r = s->range[type], start, end) ) return s;   @server
    /* PCI: the sbdf is addr >> 32, and the access becomes a config-space one */
    p->type = IOREQ_TYPE_PCI_CONFIG; p->addr = addr; return s;   @pci
}

@fn ioreq_send_buffered
/* ioreq_send_buffered (ioreq.c:1156-1247 @RELEASE-4.21.0): into the ring when it fits; ATOMIC servers get their
 * pointers pulled back below 511 with a 64-bit compare-exchange (ioreq.c:1230-1241, added by b7007bc6f9: undone, no
 * server is ATOMIC and the pointers run on to 2^32 and wrap). IOREQ_STATUS_UNHANDLED sends the caller to the
 * synchronous path. */
static int ioreq_send_buffered(struct ioreq_server *s, ioreq_t *p)
{
    struct domain *d;
    buffered_iopage_t *pg;
    buf_ioreq_t bp;
    unsigned int qw;

    d = current->domain; qw = 0; if ( (pg = s->bufioreq.va) == NULL ) return IOREQ_STATUS_UNHANDLED;   @page
    if ( p->addr > 0xfffff || p->data_is_ptr || p->count != 1 ) return IOREQ_STATUS_UNHANDLED; bp = (buf_ioreq_t){ .data = p->data, .addr = p->addr, .type = p->type, .dir = p->dir };   @limits
    switch ( p->size ) { case 1: bp.size = 0; break; case 2: bp.size = 1; break; case 4: bp.size = 2; break; case 8: bp.size = 3; qw = 1; break; default: gdprintk(XENLOG_WARNING, "unexpected ioreq size: %u\n", p->size); return IOREQ_STATUS_UNHANDLED; }   @size
    if ( (pg->ptrs.write_pointer - pg->ptrs.read_pointer) >= (IOREQ_BUFFER_SLOT_NUM - qw) ) return IOREQ_STATUS_UNHANDLED;   @full
    pg->buf_ioreq[pg->ptrs.write_pointer % IOREQ_BUFFER_SLOT_NUM] = bp; if ( qw ) { bp.data = p->data >> 32; pg->buf_ioreq[(pg->ptrs.write_pointer + 1) % IOREQ_BUFFER_SLOT_NUM] = bp; } smp_wmb(); pg->ptrs.write_pointer += qw ? 2 : 1;   @copy
    /* ATOMIC only: at most IOREQ_BUFFER_SLOT_NUM rounds while read_pointer >= IOREQ_BUFFER_SLOT_NUM */
    while ( s->bufioreq_handling == HVM_IOREQSRV_BUFIOREQ_ATOMIC && qw++ < IOREQ_BUFFER_SLOT_NUM && pg->ptrs.read_pointer >= IOREQ_BUFFER_SLOT_NUM )   @canon
        guest_cmpxchg64(s->emulator, &pg->ptrs.full, old.full, new.full); /* both pointers less n * IOREQ_BUFFER_SLOT_NUM */   @cmpxchg
    notify_via_xen_event_channel(d, s->bufioreq_evtchn); return IOREQ_STATUS_HANDLED;   @notify
}

@fn ioreq_send
/* ioreq_send (ioreq.c:1249-1311 @RELEASE-4.21.0): a refused shutdown deferral suspends the vcpu; a slot not NONE or
 * a vp_eport that is not the server's port is refused (UNHANDLED) with a log line; else copy, block, READY, notify,
 * pending. */
int ioreq_send(struct ioreq_server *s, ioreq_t *proto_p, bool buffered)
{
    struct vcpu *curr;
    struct domain *d;
    struct ioreq_vcpu *sv;
    ioreq_t *p;
    evtchn_port_t port;

    curr = current; d = curr->domain; if ( buffered ) return ioreq_send_buffered(s, proto_p);   @buffered
    if ( unlikely(!vcpu_start_shutdown_deferral(curr)) ) return IOREQ_STATUS_RETRY;   @deferral
    /* list_for_each_entry ( sv, &s->ioreq_vcpu_list, list_entry ), for sv->vcpu == curr only, with
     * port = sv->ioreq_evtchn and p = get_ioreq(s, curr): */
    if ( p->state != STATE_IOREQ_NONE ) { gprintk(XENLOG_ERR, "device model set bad IO state %d\n", p->state); break; }   @check_state
    if ( p->vp_eport != port ) { gprintk(XENLOG_ERR, "device model set bad event channel %d\n", p->vp_eport); break; }   @check_port
    proto_p->state = STATE_IOREQ_NONE; proto_p->vp_eport = port; *p = *proto_p;   @copy
    prepare_wait_on_xen_event_channel(port);   @prepare_wait
    smp_wmb(); p->state = STATE_IOREQ_READY; notify_via_xen_event_channel(d, port);   @notify
    sv->pending = true; return IOREQ_STATUS_RETRY;   @pending
    /* no vcpu of the server is curr, or a check failed: */
    /* return IOREQ_STATUS_UNHANDLED; */
}

@fn ioreq_broadcast
/* ioreq_broadcast (ioreq.c:1313-1330 @RELEASE-4.21.0): every enabled server (buffered: those with a ring); counts
 * the ones that did not take it. */
unsigned int ioreq_broadcast(ioreq_t *p, bool buffered)
{
    struct domain *d;
    struct ioreq_server *s;
    unsigned int id, failed;

    d = current->domain; failed = 0; FOR_EACH_IOREQ_SERVER(d, id, s) { if ( !s->enabled || (buffered && s->bufioreq_handling == HVM_IOREQSRV_BUFIOREQ_OFF) ) continue; if ( ioreq_send(s, p, buffered) == IOREQ_STATUS_UNHANDLED ) failed++; }   @server
    /* after the last server, in the same step: return failed; */
}

@fn ioreq_server_dm_op
/* ioreq_server_dm_op (ioreq.c:1339-1442 @RELEASE-4.21.0): the six ioreq-server dm_ops, each refusing non-zero pad
 * (and get_info unknown flags) with -EINVAL; any other op -EOPNOTSUPP. */
int ioreq_server_dm_op(struct xen_dm_op *op, struct domain *d, bool *const_op)
{
    int rc;

    switch ( op->op )   @op
    {
    /* XEN_DMOP_create_ioreq_server: -EINVAL unless pad[0..2] are 0; ioreq_server_create(d, handle_bufioreq, &id) */
    /* XEN_DMOP_get_ioreq_server_info: -EINVAL for a flag other than XEN_DMOP_no_gfns; ioreq_server_get_info(d, id,
     * the gfns unless no_gfns, &bufioreq_port) */
    /* XEN_DMOP_map_io_range_to_ioreq_server, XEN_DMOP_unmap_io_range_from_ioreq_server: -EINVAL unless pad is 0;
     * ioreq_server_{map,unmap}_io_range(d, id, type, start, end) */
    /* XEN_DMOP_set_ioreq_server_state: -EINVAL unless pad is 0; ioreq_server_set_state(d, id, !!enabled) */
    /* XEN_DMOP_destroy_ioreq_server: -EINVAL unless pad is 0; ioreq_server_destroy(d, id) */
    /* anything else: -EOPNOTSUPP */
    }
    return rc;   @rc
}
