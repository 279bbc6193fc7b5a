/*
 * seed/hvm.c: a listing of IOREQ Scope's model of xen/arch/x86/hvm/hvm.c as the seed patch leaves it
 * ("ioreq-server: on-demand creation of ioreq server"), after [SEED] with [X44] where the seed shows no body.
 * Written by IOREQ Scope to mirror src/model/xen/hvm-seed.ts statement by statement; this is not Xen's text.
 * The server no longer exists from domain creation: the first read of an ioreq param makes it.
 */

@fn hvm_init_ioreq_page
static void hvm_init_ioreq_page(struct hvm_ioreq_server *s, int buf)
{
    struct hvm_ioreq_page *iorp = buf ? &s->buf_ioreq : &s->ioreq;   @select

    /* only the lock now: the domain is no longer paused here */
    spin_lock_init(&iorp->lock);
}

@fn hvm_destroy_ioreq_page
static void hvm_destroy_ioreq_page(struct hvm_ioreq_server *s, int buf)
{
    struct hvm_ioreq_page *iorp = buf ? &s->buf_ioreq : &s->ioreq;

    /* no lock and no is_dying check any more */
    destroy_ring_for_helper(&iorp->va, iorp->page);   @destroy
}

@fn hvm_set_ioreq_page
static int hvm_set_ioreq_page(struct hvm_ioreq_server *s, int buf, unsigned long gmfn)
{
    struct domain *d = s->domain;
    struct hvm_ioreq_page *iorp;
    struct page_info *page;
    void *va;
    int rc;

    rc = prepare_ring_for_helper(d, gmfn, &page, &va);   @prepare
    if ( rc )   @check_rc
        return rc;

    iorp = buf ? &s->buf_ioreq : &s->ioreq;
    if ( (iorp->va != NULL) || d->is_dying )   @check_busy
    {
        /* give back the mapping just made; the one already in place stays */
        destroy_ring_for_helper(&va, page);   @drop_new
        return -EINVAL;
    }

    iorp->va = va;   @publish
    iorp->page = page;

    return 0;
}

@fn hvm_update_ioreq_server_evtchn
static void hvm_update_ioreq_server_evtchn(struct hvm_ioreq_server *s)
{
    struct domain *d = s->domain;
    struct vcpu *v;

    /* nothing to write until the ioreq page is mapped */
    if ( s->ioreq.va != NULL )   @check
    {
        for_each_vcpu ( d, v )
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

    /* v's own port, with the device model's domain as the remote end */
    rc = alloc_unbound_xen_event_channel(v, s->domid, NULL);   @alloc
    if ( rc < 0 )   @check
        return rc;

    s->ioreq_evtchn[v->vcpu_id] = rc;

    if ( v->vcpu_id == 0 )
    {
        /* vcpu 0 also owns the buffered ring's port */
        rc = alloc_unbound_xen_event_channel(v, s->domid, NULL);   @alloc_buf
        if ( rc < 0 )   @check_buf
            return rc;

        s->buf_ioreq_evtchn = rc;
    }

    hvm_update_ioreq_server_evtchn(s);   @update
    return 0;
}

@fn hvm_ioreq_server_remove_vcpu
static void hvm_ioreq_server_remove_vcpu(struct hvm_ioreq_server *s, struct vcpu *v)
{
    if ( v->vcpu_id == 0 && s->buf_ioreq_evtchn >= 0 )   @buf
    {
        free_xen_event_channel(v, s->buf_ioreq_evtchn);
        s->buf_ioreq_evtchn = -1;
    }

    /* (inferred) a vcpu that was never added still has -1 and is skipped */
    if ( s->ioreq_evtchn[v->vcpu_id] >= 0 )   @vcpu
    {
        free_xen_event_channel(v, s->ioreq_evtchn[v->vcpu_id]);
        s->ioreq_evtchn[v->vcpu_id] = -1;
    }
}

@fn hvm_create_ioreq_server
static int hvm_create_ioreq_server(struct domain *d, domid_t domid)
{
    struct hvm_ioreq_server *s;
    struct vcpu *v;
    unsigned long pfn;
    unsigned int i;
    int rc;

    rc = -EEXIST;
    if ( d->arch.hvm_domain.ioreq_server != NULL )   @exist
        goto fail_exist;

    printk(XENLOG_INFO "%s: %d\n", __func__, d->domain_id);   @printk

    rc = -ENOMEM;
    s = xzalloc(struct hvm_ioreq_server);   @alloc
    if ( !s )   @check_alloc
        goto fail_alloc;

    s->domain = d;
    s->domid = domid;

    /* no ports yet */
    for ( i = 0; i < MAX_HVM_VCPUS; i++ )   @init_ports
        s->ioreq_evtchn[i] = -1;
    s->buf_ioreq_evtchn = -1;

    /* the synchronous page, at the pfn the toolstack chose */
    pfn = d->arch.hvm_domain.params[HVM_PARAM_IOREQ_PFN];
    hvm_init_ioreq_page(s, 0);   @ioreq_pfn
    rc = hvm_set_ioreq_page(s, 0, pfn);   @set_ioreq
    if ( rc < 0 )   @check_ioreq
        goto fail_set_ioreq;

    /* the buffered ring */
    pfn = d->arch.hvm_domain.params[HVM_PARAM_BUFIOREQ_PFN];
    hvm_init_ioreq_page(s, 1);   @bufioreq_pfn
    rc = hvm_set_ioreq_page(s, 1, pfn);   @set_bufioreq
    if ( rc < 0 )   @check_bufioreq
        goto fail_set_buf_ioreq;

    domain_pause(d);   @pause

    for_each_vcpu ( d, v )
    {
        rc = hvm_ioreq_server_add_vcpu(s, v);   @add_vcpu
        if ( rc < 0 )
            goto fail_add_vcpu;
    }

    d->arch.hvm_domain.ioreq_server = s;   @publish

    domain_unpause(d);   @unpause

    return 0;   @ret

 fail_add_vcpu:
    for_each_vcpu ( d, v )   @fail_add_vcpu
        hvm_ioreq_server_remove_vcpu(s, v);
    domain_unpause(d);
    hvm_destroy_ioreq_page(s, 1);

 fail_set_buf_ioreq:
    hvm_destroy_ioreq_page(s, 0);   @fail_set_buf_ioreq

 fail_set_ioreq:
    xfree(s);

 fail_alloc:
 fail_exist:
    return rc;
}

@fn hvm_destroy_ioreq_server
static void hvm_destroy_ioreq_server(struct domain *d)
{
    struct hvm_ioreq_server *s;
    struct vcpu *v;

    /* the message comes first, even when there is no server */
    printk(XENLOG_INFO "%s: %d\n", __func__, d->domain_id);   @printk

    s = d->arch.hvm_domain.ioreq_server;
    if ( !s )   @check
        return;

    domain_pause(d);   @pause
    d->arch.hvm_domain.ioreq_server = NULL;

    for_each_vcpu ( d, v )   @remove_vcpus
        hvm_ioreq_server_remove_vcpu(s, v);

    domain_unpause(d);   @unpause

    hvm_destroy_ioreq_page(s, 1);   @unmap
    hvm_destroy_ioreq_page(s, 0);

    xfree(s);
}

@fn hvm_get_ioreq_server_buf_port
static int hvm_get_ioreq_server_buf_port(struct domain *d, evtchn_port_t *port)
{
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;

    if ( !s )   @check
        return -ENOENT;

    *port = s->buf_ioreq_evtchn;
    return 0;
}

@fn hvm_get_ioreq_server_pfn
static int hvm_get_ioreq_server_pfn(struct domain *d, int buf, xen_pfn_t *pfn)
{
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;

    if ( !s )   @check
        return -ENOENT;

    /* the param's value, not the page that was actually mapped */
    if ( buf )
        *pfn = d->arch.hvm_domain.params[HVM_PARAM_BUFIOREQ_PFN];
    else
        *pfn = d->arch.hvm_domain.params[HVM_PARAM_IOREQ_PFN];

    return 0;
}

@fn hvm_set_ioreq_server_domid
static int hvm_set_ioreq_server_domid(struct domain *d, domid_t domid)
{
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;
    struct vcpu *v;
    int rc = 0;

    domain_pause(d);   @pause

    rc = -ENOENT;
    if ( !s )   @check
        goto done;

    rc = 0;
    if ( s->domid == domid )   @same
        goto done;

    /* new ports first, bound to the new device model's domain; the old ones are freed as each is replaced */
    if ( d->vcpu[0] )
    {
        rc = hvm_replace_event_channel(d->vcpu[0], domid, &s->buf_ioreq_evtchn);   @replace_buf
        if ( rc )
            goto done;
    }

    for_each_vcpu ( d, v )
    {
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
    /* the rest of HVM domain setup is outside the model; no ioreq server is made here any more */
    return 0;   @init
}

@fn hvm_domain_relinquish_resources
void hvm_domain_relinquish_resources(struct domain *d)
{
    hvm_destroy_ioreq_server(d);   @destroy
}

@fn hvm_vcpu_initialise
int hvm_vcpu_initialise(struct vcpu *v)
{
    struct domain *d = v->domain;
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;
    int rc = 0;

    /* a vcpu created before the server exists is added when the server is made */
    if ( s != NULL )   @check
    {
        rc = hvm_ioreq_server_add_vcpu(s, v);   @add
        if ( rc < 0 )
            goto fail6;
    }

    return 0;

 fail6:
    return rc;
}

@fn hvm_vcpu_destroy
void hvm_vcpu_destroy(struct vcpu *v)
{
    struct hvm_ioreq_server *s = v->domain->arch.hvm_domain.ioreq_server;

    if ( s != NULL )   @check
        hvm_ioreq_server_remove_vcpu(s, v);
}

@fn hvm_wait_on_io
static void hvm_wait_on_io(struct domain *d, ioreq_t *p)
{
    while ( p->state != STATE_IOREQ_NONE )   @loop
    {
        switch ( p->state )   @switch
        {
        case STATE_IORESP_READY:
            /* the device model has answered: complete the access */
            hvm_io_assist(p);   @assist
            break;
        case STATE_IOREQ_READY:
        case STATE_IOREQ_INPROCESS:
            /* still with the device model: sleep until it notifies our port */
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

@fn hvm_do_resume
void hvm_do_resume(struct vcpu *v)
{
    struct domain *d = v->domain;
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;

    check_wakeup_from_wait();   @check_wakeup

    pt_restore_timer(v);   @pt_restore_timer

    if ( s != NULL )   @check_server
    {
        ioreq_t *p = get_ioreq(s, v->vcpu_id);

        hvm_wait_on_io(d, p);   @wait
    }

    /* reached even after a bail from hvm_wait_on_io: a queued trap is injected now */
    if ( v->arch.hvm_vcpu.inject_trap.vector != -1 )   @inject_trap
    {
        hvm_inject_trap(&v->arch.hvm_vcpu.inject_trap);
        v->arch.hvm_vcpu.inject_trap.vector = -1;
    }
}

@fn hvm_send_assist_req_to_server
static bool_t hvm_send_assist_req_to_server(struct hvm_ioreq_server *s, struct vcpu *v, ioreq_t *proto_p)
{
    struct domain *d = v->domain;
    ioreq_t *p = get_ioreq(s, v->vcpu_id);

    if ( unlikely(p->state != STATE_IOREQ_NONE) )   @check_state
    {
        /* the slot should be free: the device model has broken the protocol */
        gdprintk(XENLOG_ERR, "Device model set bad IO state %d.\n", p->state);   @bad_state
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

@fn hvm_send_assist_req
bool_t hvm_send_assist_req(struct vcpu *v, ioreq_t *p)
{
    struct domain *d = v->domain;
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;

    /* a domain on its way down takes no more requests: the access is dropped */
    if ( unlikely(!vcpu_start_shutdown_deferral(v)) )   @deferral
        return 0;

    if ( !s )   @check_server
        return 0;

    return hvm_send_assist_req_to_server(s, v, p);   @to_server
}

@fn do_hvm_op
/* HVMOP_set_param and HVMOP_get_param only; copying the argument in and out is outside the model */
long do_hvm_op(unsigned long op, struct xen_hvm_param *a)
{
    struct domain *curr_d = current->domain;
    struct domain *d;
    long rc = 0;

    if ( a->index >= HVM_NR_PARAMS )   @index
        return -EINVAL;

    d = rcu_lock_domain_by_any_id(a->domid);
    if ( d == NULL )   @lookup
        return -ESRCH;

    if ( !is_hvm_domain(d) )   @is_hvm
    {
        rc = -EINVAL;
        goto param_fail;
    }

    if ( op == HVMOP_set_param )
    {
        switch ( a->index )   @set_switch
        {
        case HVM_PARAM_CALLBACK_IRQ:
            /* interrupt routing: outside the model */
            break;
        case HVM_PARAM_IDENT_PT:
            /* the guest may not set it itself, and only once */
            rc = -EPERM;   @ident_pt
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
            /* make the server for this device model, or move an existing one over to it */
            rc = hvm_create_ioreq_server(d, a->value);   @set_create
            if ( rc == -EEXIST )   @exists
                rc = hvm_set_ioreq_server_domid(d, a->value);
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
        case HVM_PARAM_IOREQ_PFN:
        case HVM_PARAM_BUFIOREQ_PFN:
        case HVM_PARAM_BUFIOREQ_EVTCHN:
            /* the first read of any of these makes the server, served by the caller's domain */
            rc = hvm_create_ioreq_server(d, curr_d->domain_id);   @create
            if ( rc != 0 && rc != -EEXIST )   @create_rc
                goto param_fail;

            if ( a->index == HVM_PARAM_BUFIOREQ_EVTCHN )
            {
                evtchn_port_t port;

                rc = hvm_get_ioreq_server_buf_port(d, &port);   @get_port
                if ( rc < 0 )
                    goto param_fail;
                a->value = port;
            }
            else
            {
                xen_pfn_t pfn;

                rc = hvm_get_ioreq_server_pfn(d, a->index == HVM_PARAM_BUFIOREQ_PFN, &pfn);   @get_pfn
                if ( rc < 0 )
                    goto param_fail;
                a->value = pfn;
            }
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
    rcu_unlock_domain(d);   @got
    return rc;
}
