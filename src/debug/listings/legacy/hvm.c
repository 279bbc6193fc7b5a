/*
 * legacy/hvm.c: a listing of IOREQ Scope's model of xen/arch/x86/hvm/hvm.c BEFORE the seed (the seed's preimage,
 * "create basic ioreq server abstraction"), after [SEED]'s removed lines with [X44] bodies where the seed shows none.
 * Written by IOREQ Scope to mirror src/model/xen/hvm-legacy.ts statement by statement; this is not Xen's text.
 * The server is made with the domain, both pages unmapped and the domain paused once per page until it is set.
 */

@fn hvm_init_ioreq_page
static void hvm_init_ioreq_page(struct domain *d, struct hvm_ioreq_page *iorp)
{
    spin_lock_init(&iorp->lock);
    /* held until hvm_set_ioreq_page maps this page */
    domain_pause(d);   @pause
}

@fn hvm_destroy_ioreq_page
static void hvm_destroy_ioreq_page(struct domain *d, struct hvm_ioreq_page *iorp)
{
    spin_lock(&iorp->lock);

    ASSERT(d->is_dying);   @assert

    destroy_ring_for_helper(&iorp->va, iorp->page);

    spin_unlock(&iorp->lock);
}

@fn hvm_set_ioreq_page
static int hvm_set_ioreq_page(struct domain *d, struct hvm_ioreq_page *iorp, unsigned long gmfn)
{
    struct page_info *page;
    void *va;
    int rc;

    rc = prepare_ring_for_helper(d, gmfn, &page, &va);   @prepare
    if ( rc )   @check_rc
        return rc;

    spin_lock(&iorp->lock);

    if ( (iorp->va != NULL) || d->is_dying )   @check_busy
    {
        /* unmaps the page ALREADY in place; the mapping just made is never released */
        destroy_ring_for_helper(&iorp->va, iorp->page);   @drop_old
        spin_unlock(&iorp->lock);
        return -EINVAL;
    }

    iorp->va = va;   @publish
    iorp->page = page;

    spin_unlock(&iorp->lock);

    /* drops the pause hvm_init_ioreq_page took for this page */
    domain_unpause(d);   @unpause

    return 0;
}

@fn hvm_update_ioreq_server_evtchn
static void hvm_update_ioreq_server_evtchn(struct hvm_ioreq_server *s)
{
    struct vcpu *v;

    /* nothing to write until the ioreq page is mapped */
    if ( s->ioreq.va != NULL )   @check
    {
        for_each_vcpu ( s->domain, v )
        {
            ioreq_t *p = get_ioreq(s, v->vcpu_id);

            p->vp_eport = s->ioreq_evtchn[v->vcpu_id];   @write
        }
    }
}

@fn hvm_ioreq_server_add_vcpu
static int hvm_ioreq_server_add_vcpu(struct hvm_ioreq_server *s, struct vcpu *v)
{
    int rc;

    rc = alloc_unbound_xen_event_channel(v, s->domid, NULL);   @alloc
    if ( rc < 0 )   @check
        return rc;

    s->ioreq_evtchn[v->vcpu_id] = rc;
    v->arch.hvm_vcpu.xen_port = rc;

    if ( v->vcpu_id == 0 )
    {
        /* vcpu 0 also owns the buffered ring's port */
        rc = alloc_unbound_xen_event_channel(v, s->domid, NULL);   @alloc_buf
        if ( rc < 0 )
            return rc;

        s->buf_ioreq_evtchn = rc;
    }

    hvm_update_ioreq_server_evtchn(s);   @update

    return 0;
}

@fn hvm_ioreq_server_remove_vcpu
static void hvm_ioreq_server_remove_vcpu(struct hvm_ioreq_server *s, struct vcpu *v)
{
    /* the ports are freed but the fields keep their old numbers */
    if ( v->vcpu_id == 0 && s->buf_ioreq_evtchn >= 0 )   @free
        free_xen_event_channel(v, s->buf_ioreq_evtchn);

    if ( s->ioreq_evtchn[v->vcpu_id] >= 0 )
        free_xen_event_channel(v, s->ioreq_evtchn[v->vcpu_id]);
}

@fn hvm_init_ioreq_server
static int hvm_init_ioreq_server(struct domain *d)
{
    struct hvm_ioreq_server *s;
    unsigned int i;

    s = xzalloc(struct hvm_ioreq_server);   @alloc
    if ( !s )
        return -ENOMEM;

    s->domain = d;

    for ( i = 0; i < MAX_HVM_VCPUS; i++ )   @init_ports
        s->ioreq_evtchn[i] = -1;
    s->buf_ioreq_evtchn = -1;

    /* each page pauses the domain until the toolstack sets its pfn */
    hvm_init_ioreq_page(d, &s->ioreq);   @init_pages
    hvm_init_ioreq_page(d, &s->buf_ioreq);

    d->arch.hvm_domain.ioreq_server = s;   @publish
    return 0;
}

@fn hvm_deinit_ioreq_server
static void hvm_deinit_ioreq_server(struct domain *d)
{
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;

    if ( !s )   @destroy
        return;

    hvm_destroy_ioreq_page(d, &s->ioreq);
    hvm_destroy_ioreq_page(d, &s->buf_ioreq);

    /* d->arch.hvm_domain.ioreq_server is left pointing at freed memory */
    xfree(s);   @free
}

@fn hvm_set_ioreq_server_pfn
static int hvm_set_ioreq_server_pfn(struct hvm_ioreq_server *s, unsigned long pfn)
{
    struct domain *d = s->domain;
    int rc;

    rc = hvm_set_ioreq_page(d, &s->ioreq, pfn);   @set
    if ( rc < 0 )
        return rc;

    /* the slots exist now: give each vcpu its port */
    hvm_update_ioreq_server_evtchn(s);   @update

    return 0;
}

@fn hvm_set_ioreq_server_buf_pfn
static int hvm_set_ioreq_server_buf_pfn(struct hvm_ioreq_server *s, unsigned long pfn)
{
    struct domain *d = s->domain;

    return hvm_set_ioreq_page(d, &s->buf_ioreq, pfn);   @set
}

@fn hvm_set_ioreq_server_domid
static int hvm_set_ioreq_server_domid(struct hvm_ioreq_server *s, domid_t domid)
{
    struct domain *d = s->domain;
    struct vcpu *v;
    int rc = 0;

    domain_pause(d);   @pause

    if ( d->vcpu[0] )
    {
        rc = hvm_replace_event_channel(d->vcpu[0], domid, &s->buf_ioreq_evtchn);   @replace_buf
        if ( rc )
            goto done;
    }

    for_each_vcpu ( d, v )
    {
        /* the new port is also mirrored into v->arch.hvm_vcpu.xen_port when it is swapped in */
        rc = hvm_replace_event_channel(v, domid, &s->ioreq_evtchn[v->vcpu_id]);   @replace
        if ( rc )
            goto done;
    }

    hvm_update_ioreq_server_evtchn(s);   @update
    s->domid = domid;

 done:
    domain_unpause(d);   @done
    return rc;
}

@fn hvm_domain_initialise
int hvm_domain_initialise(struct domain *d)
{
    /* the rest of HVM domain setup is outside the model */
    return hvm_init_ioreq_server(d);   @init_server
}

@fn hvm_domain_relinquish_resources
void hvm_domain_relinquish_resources(struct domain *d)
{
    hvm_deinit_ioreq_server(d);   @deinit
}

@fn hvm_vcpu_initialise
int hvm_vcpu_initialise(struct vcpu *v)
{
    struct hvm_ioreq_server *s = v->domain->arch.hvm_domain.ioreq_server;

    /* the server always exists here: it was made with the domain */
    return hvm_ioreq_server_add_vcpu(s, v);   @add
}

@fn hvm_vcpu_destroy
void hvm_vcpu_destroy(struct vcpu *v)
{
    struct hvm_ioreq_server *s = v->domain->arch.hvm_domain.ioreq_server;

    /* after relinquish, s has already been freed */
    hvm_ioreq_server_remove_vcpu(s, v);   @remove
}

@fn hvm_do_resume
void hvm_do_resume(struct vcpu *v)
{
    struct domain *d = v->domain;
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;
    ioreq_t *p;

    check_wakeup_from_wait();   @check_wakeup

    if ( s != NULL )   @check_server
    {
        p = get_ioreq(s, v->vcpu_id);

        while ( p->state != STATE_IOREQ_NONE )   @loop
        {
            switch ( p->state )   @switch
            {
            case STATE_IORESP_READY:
                hvm_io_assist(p);
                break;
            case STATE_IOREQ_READY:
            case STATE_IOREQ_INPROCESS:
                wait_on_xen_event_channel(p->vp_eport,   @wait
                                          (p->state != STATE_IOREQ_READY) &&
                                          (p->state != STATE_IOREQ_INPROCESS));
                break;
            default:
                gdprintk(XENLOG_ERR, "Weird HVM iorequest state %d.\n", p->state);   @weird
                domain_crash(d);
                return;   @bail
            }
        }
    }

    if ( v->arch.hvm_vcpu.inject_trap.vector != -1 )   @inject_trap
    {
        hvm_inject_trap(&v->arch.hvm_vcpu.inject_trap);
        v->arch.hvm_vcpu.inject_trap.vector = -1;
    }
}

@fn hvm_send_assist_req
bool_t hvm_send_assist_req(struct vcpu *v, ioreq_t *proto_p)
{
    struct domain *d = v->domain;
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;
    ioreq_t *p;

    if ( unlikely(!vcpu_start_shutdown_deferral(v)) )   @deferral
        return 0;

    if ( !s )   @check_server
        return 0;

    p = get_ioreq(s, v->vcpu_id);
    if ( unlikely(p->state != STATE_IOREQ_NONE) )   @check_state
    {
        /* the slot should be free: the device model has broken the protocol */
        gdprintk(XENLOG_ERR, "Device model set bad IO state %d.\n", p->state);
        domain_crash(d);
        return 0;
    }

    /* copy the request in, keeping the slot's own port */
    proto_p->state = STATE_IOREQ_NONE;   @copy
    proto_p->vp_eport = p->vp_eport;
    *p = *proto_p;

    prepare_wait_on_xen_event_channel(p->vp_eport);   @prepare_wait

    /* contents before state */
    wmb();
    p->state = STATE_IOREQ_READY;   @ready
    notify_via_xen_event_channel(d, p->vp_eport);   @notify

    return 1;
}

@fn do_hvm_op
/* HVMOP_set_param and HVMOP_get_param only; copying the argument in and out is outside the model */
long do_hvm_op(unsigned long op, struct xen_hvm_param *a)
{
    struct domain *curr_d = current->domain;
    struct hvm_ioreq_server *s;
    struct domain *d;
    long rc = 0;

    if ( a->index >= HVM_NR_PARAMS )   @index
        return -EINVAL;

    d = rcu_lock_domain_by_any_id(a->domid);
    if ( d == NULL )   @lookup
        return -ESRCH;

    if ( !is_hvm_domain(d) )
    {
        rc = -EINVAL;
        goto param_fail;
    }

    s = d->arch.hvm_domain.ioreq_server;

    if ( op == HVMOP_set_param )
    {
        switch ( a->index )   @set_switch
        {
        case HVM_PARAM_IOREQ_PFN:
            rc = hvm_set_ioreq_server_pfn(s, a->value);   @ioreq_pfn
            break;
        case HVM_PARAM_BUFIOREQ_PFN:
            rc = hvm_set_ioreq_server_buf_pfn(s, a->value);   @bufioreq_pfn
            break;
        case HVM_PARAM_CALLBACK_IRQ:
            /* interrupt routing: outside the model */
            break;
        case HVM_PARAM_IDENT_PT:
            rc = -EPERM;
            if ( curr_d == d )
                break;
            rc = -EINVAL;
            if ( d->arch.hvm_domain.params[a->index] != 0 )
                break;
            rc = 0;
            break;
        case HVM_PARAM_DM_DOMAIN:
            rc = -EPERM;   @dm_domain
            if ( curr_d == d )
                break;
            if ( a->value == DOMID_SELF )
                a->value = curr_d->domain_id;
            rc = hvm_set_ioreq_server_domid(s, a->value);
            break;
        case HVM_PARAM_ACPI_S_STATE:
            rc = -EPERM;
            if ( curr_d == d )
                break;
            rc = 0;
            if ( a->value == 3 )
                d->arch.hvm_domain.is_s3_suspended = 1;
            else if ( a->value == 0 )
                d->arch.hvm_domain.is_s3_suspended = 0;
            else
                rc = -EINVAL;
            break;
        case HVM_PARAM_BUFIOREQ_EVTCHN:
            /* read-only: Xen chooses the port */
            rc = -EINVAL;
            break;
        default:
            break;
        }

        if ( rc == 0 )   @store
            d->arch.hvm_domain.params[a->index] = a->value;
    }
    else if ( op == HVMOP_get_param )
    {
        switch ( a->index )   @get_switch
        {
        case HVM_PARAM_BUFIOREQ_EVTCHN:
            a->value = s->buf_ioreq_evtchn;
            break;
        case HVM_PARAM_ACPI_S_STATE:
            a->value = d->arch.hvm_domain.is_s3_suspended ? 3 : 0;
            break;
        default:
            a->value = d->arch.hvm_domain.params[a->index];
            break;
        }
    }
    else
        rc = -ENOSYS;

 param_fail:
    rcu_unlock_domain(d);
    return rc;
}
