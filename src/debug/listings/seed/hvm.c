/*
 * seed/hvm.c: IOREQ Scope's C-like rendering of its own model of the hypervisor's HVM code as it stands after the
 * seed patch (the ioreq server is made on demand), following src/model/xen/seed/hvm.ts statement by statement.
 * Written by this project in its own words; it is not Xen's source. Where the seed shows no body, the model
 * follows 4.4's behaviour. Under the seed no server exists when the domain is made: the first read of one of the
 * ioreq params (or a write of HVM_PARAM_DM_DOMAIN) creates it.
 */

@fn hvm_init_ioreq_page
static void hvm_init_ioreq_page(struct hvm_ioreq_server *s, int buf)
{
    /* choose the page; since the seed, setting up its lock is all that happens here */
    struct hvm_ioreq_page *iorp = buf ? &s->buf_ioreq : &s->ioreq;   @select
    spin_lock_init(&iorp->lock);   @lock_init
}

@fn hvm_destroy_ioreq_page
static void hvm_destroy_ioreq_page(struct hvm_ioreq_server *s, int buf)
{
    struct hvm_ioreq_page *iorp = buf ? &s->buf_ioreq : &s->ioreq;   @select

    /* the seed took away the lock and the check that the domain is dying */
    destroy_ring_for_helper(&iorp->va, iorp->page);   @destroy
}

@fn hvm_set_ioreq_page
static int hvm_set_ioreq_page(struct hvm_ioreq_server *s, int buf, unsigned long gmfn)
{
    struct domain *d = s->domain;   @init_d
    struct hvm_ioreq_page *iorp;
    struct page_info *page;
    void *va;
    int rc;

    rc = prepare_ring_for_helper(d, gmfn, &page, &va);   @prepare
    if (rc) return rc;   @check_rc

    iorp = buf ? &s->buf_ioreq : &s->ioreq;   @select
    if (iorp->va != NULL || d->is_dying) {   @check_busy
        /* refuse: undo the mapping made a moment ago and leave the existing one alone */
        destroy_ring_for_helper(&va, page);   @drop_new
        return -EINVAL;   @ret_einval
    }

    iorp->va = va;   @publish
    iorp->page = page;   @publish_page
    return 0;   @ret
}

@fn hvm_update_ioreq_server_evtchn
static void hvm_update_ioreq_server_evtchn(struct hvm_ioreq_server *s)
{
    struct domain *d = s->domain;   @init_d
    struct vcpu *v;

    /* the slots are in the ioreq page, so there is nowhere to write before it is mapped */
    if (s->ioreq.va != NULL) {   @check
        for_each_vcpu (d, v) {   @for_each_vcpu
            ioreq_t *p = get_ioreq(s, v->vcpu_id);   @get_ioreq
            p->vp_eport = s->ioreq_evtchn[v->vcpu_id];   @write
        }
    }
}

@fn hvm_ioreq_server_add_vcpu
static int hvm_ioreq_server_add_vcpu(struct hvm_ioreq_server *s, struct vcpu *v)
{
    int rc;

    /* a fresh port of the guest for v; the device model's domain binds the other end */
    rc = alloc_unbound_xen_event_channel(v, s->domid, NULL);   @alloc
    if (rc < 0) return rc;   @check
    s->ioreq_evtchn[v->vcpu_id] = rc;   @store

    if (v->vcpu_id == 0) {   @vcpu0
        /* the buffered ring's port is vcpu 0's too */
        rc = alloc_unbound_xen_event_channel(v, s->domid, NULL);   @alloc_buf
        if (rc < 0) return rc;   @check_buf
        s->buf_ioreq_evtchn = rc;   @store_buf
    }

    hvm_update_ioreq_server_evtchn(s);   @update
    return 0;   @ret
}

@fn hvm_ioreq_server_remove_vcpu
static void hvm_ioreq_server_remove_vcpu(struct hvm_ioreq_server *s, struct vcpu *v)
{
    if (v->vcpu_id == 0 && s->buf_ioreq_evtchn >= 0) {   @buf
        free_xen_event_channel(v, s->buf_ioreq_evtchn);   @free_buf
        s->buf_ioreq_evtchn = -1;   @clear_buf
    }

    /* (inferred) -1 marks a vcpu never added; the create unwind calls this for all of them */
    if (s->ioreq_evtchn[v->vcpu_id] >= 0) {   @vcpu
        free_xen_event_channel(v, s->ioreq_evtchn[v->vcpu_id]);   @free
        s->ioreq_evtchn[v->vcpu_id] = -1;   @clear
    }
}

@fn hvm_create_ioreq_server
static int hvm_create_ioreq_server(struct domain *d, domid_t domid)
{
    struct hvm_ioreq_server *s = NULL;   @init_s
    unsigned long pfn = 0;   @init_pfn
    struct vcpu *v, *w;
    unsigned int i;
    int rc = -EEXIST;   @init_rc

    /* at most one server per domain */
    if (d->arch.hvm_domain.ioreq_server != NULL) return rc;   @exist

    printk(XENLOG_INFO "hvm_create_ioreq_server: %d\n", d->domain_id);   @printk

    rc = -ENOMEM;   @enomem
    s = xzalloc(struct hvm_ioreq_server);   @alloc
    if (s == NULL) return rc;   @check_alloc
    s->domain = d;   @set_domain
    s->domid = domid;   @set_domid

    /* no port allocated yet */
    for (i = 0; i < MAX_HVM_VCPUS; i++) s->ioreq_evtchn[i] = -1;   @init_ports
    s->buf_ioreq_evtchn = -1;   @init_buf_port

    /* map the synchronous page at the pfn the toolstack stored */
    pfn = d->arch.hvm_domain.params[HVM_PARAM_IOREQ_PFN];   @get_ioreq_pfn
    hvm_init_ioreq_page(s, 0);   @ioreq_pfn
    rc = hvm_set_ioreq_page(s, 0, pfn);   @set_ioreq
    if (rc < 0) {   @check_ioreq
        xfree(s);   /* Xen's fail_set_ioreq path */   @fail_set_ioreq
        return rc;   @fail_set_ioreq_ret
    }

    /* then the buffered ring's page */
    pfn = d->arch.hvm_domain.params[HVM_PARAM_BUFIOREQ_PFN];   @get_bufioreq_pfn
    hvm_init_ioreq_page(s, 1);   @bufioreq_pfn
    rc = hvm_set_ioreq_page(s, 1, pfn);   @set_bufioreq
    if (rc < 0) {   @check_bufioreq
        /* Xen's fail_set_buf_ioreq path: unmap the first page, then free */
        hvm_destroy_ioreq_page(s, 0);   @fail_set_buf_ioreq
        xfree(s);   @fail_set_buf_ioreq_free
        return rc;   @fail_set_buf_ioreq_ret
    }

    domain_pause(d);   @pause
    for_each_vcpu (d, v) {   @for_each_vcpu
        rc = hvm_ioreq_server_add_vcpu(s, v);   @add_vcpu
        if (rc < 0) {   @check_add_vcpu
            /* Xen's fail_add_vcpu path: take everything back in reverse order */
            for_each_vcpu (d, w) hvm_ioreq_server_remove_vcpu(s, w);   @fail_add_vcpu
            domain_unpause(d);   @fail_add_vcpu_unpause
            hvm_destroy_ioreq_page(s, 1);   @fail_add_vcpu_unmap_buf
            hvm_destroy_ioreq_page(s, 0);   @fail_add_vcpu_unmap
            xfree(s);   @fail_add_vcpu_free
            return rc;   @fail_add_vcpu_ret
        }
    }

    d->arch.hvm_domain.ioreq_server = s;   @publish
    domain_unpause(d);   @unpause
    return 0;   @ret
}

@fn hvm_destroy_ioreq_server
static void hvm_destroy_ioreq_server(struct domain *d)
{
    struct vcpu *v;

    /* logged whether or not there is a server to destroy */
    printk(XENLOG_INFO "hvm_destroy_ioreq_server: %d\n", d->domain_id);   @printk

    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;   @init_s
    if (s == NULL) return;   @check

    domain_pause(d);   @pause
    d->arch.hvm_domain.ioreq_server = NULL;   @unpublish
    for_each_vcpu (d, v) hvm_ioreq_server_remove_vcpu(s, v);   @remove_vcpus
    domain_unpause(d);   @unpause

    hvm_destroy_ioreq_page(s, 1);   @unmap
    hvm_destroy_ioreq_page(s, 0);   @unmap_ioreq
    xfree(s);   @free
}

@fn hvm_get_ioreq_server_buf_port
@names port=out
static int hvm_get_ioreq_server_buf_port(struct domain *d, evtchn_port_t *port)
{
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;   @init_s

    if (s == NULL) return -ENOENT;   @check
    *port = s->buf_ioreq_evtchn;   @store
    return 0;   @ret
}

@fn hvm_get_ioreq_server_pfn
@names pfn=out
static int hvm_get_ioreq_server_pfn(struct domain *d, int buf, xen_pfn_t *pfn)
{
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;   @init_s
    unsigned int i;

    if (s == NULL) return -ENOENT;   @check

    /* answers with the param as stored, not with the page actually mapped */
    i = buf ? HVM_PARAM_BUFIOREQ_PFN : HVM_PARAM_IOREQ_PFN;   @select
    *pfn = d->arch.hvm_domain.params[i];   @store
    return 0;   @ret
}

@fn hvm_set_ioreq_server_domid
static int hvm_set_ioreq_server_domid(struct domain *d, domid_t domid)
{
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;   @init_s
    struct vcpu *v;
    int rc = 0;   @init_rc

    domain_pause(d);   @pause

    rc = -ENOENT;   @enoent
    if (s != NULL) {   @check
        rc = 0;   @rc_ok
        if (s->domid != domid) {   @same
            struct vcpu *v0 = d->vcpu[0];   @init_v0

            /* swap in ports whose remote end is the new domain; each old port is freed as it goes */
            if (v0 != NULL) {   @check_v0
                rc = hvm_replace_event_channel(v0, domid, &s->buf_ioreq_evtchn);   @replace_buf
            }
            if (rc == 0) {   @check_rc
                for_each_vcpu (d, v) {   @for_each_vcpu
                    rc = hvm_replace_event_channel(v, domid, &s->ioreq_evtchn[v->vcpu_id]);   @replace
                    if (rc) break;   @check_replace
                }
            }
            if (rc == 0) {   @check_rc_update
                hvm_update_ioreq_server_evtchn(s);   @update
                s->domid = domid;   @set_domid
            }
        }
    }

    domain_unpause(d);   @done
    return rc;   @ret
}

@fn hvm_domain_initialise
int hvm_domain_initialise(struct domain *d)
{
    /* everything else this function sets up is left out of the model; since the seed it makes no server */
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
    struct domain *d = v->domain;   @init_d
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;   @init_s
    int rc = 0;   @init_rc

    /* with no server yet, hvm_create_ioreq_server adds this vcpu when it runs */
    if (s != NULL) {   @check
        rc = hvm_ioreq_server_add_vcpu(s, v);   @add
        if (rc < 0) return rc;   /* Xen's fail6 path */   @check_add
    }
    return 0;   @ret
}

@fn hvm_vcpu_destroy
void hvm_vcpu_destroy(struct vcpu *v)
{
    struct hvm_ioreq_server *s = v->domain->arch.hvm_domain.ioreq_server;   @init_s

    if (s != NULL) hvm_ioreq_server_remove_vcpu(s, v);   @check
}

@fn hvm_wait_on_io
static void hvm_wait_on_io(struct domain *d, ioreq_t *p)
{
    struct vcpu *v = current;   @init_v

    for (;;) {
        unsigned int state;

        if (p->state == STATE_IOREQ_NONE) break;   @loop
        state = p->state;   @read_state
        switch (state) {   @switch
        case STATE_IORESP_READY:
            /* answered: complete the access, which frees the slot */
            hvm_io_assist(p);   @assist
            break;   @assist_break
        case STATE_IOREQ_READY:
        case STATE_IOREQ_INPROCESS:
            /* the device model still holds it: v sleeps on the slot's port; a sleeping v never comes back here */
            wait_on_xen_event_channel(p->vp_eport, p->state != STATE_IOREQ_READY && p->state != STATE_IOREQ_INPROCESS);   @wait
            break;   @wait_break
        default:
            /* no step of the protocol leaves this value */
            gdprintk(XENLOG_ERR, "Weird HVM iorequest state %d.\n", state);   @weird
            domain_crash(d);   @crash
            return;   @bail
        }
    }
}

@fn hvm_do_resume
void hvm_do_resume(struct vcpu *v)
{
    struct domain *d = v->domain;   @init_d
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;   @init_s

    check_wakeup_from_wait();   @check_wakeup
    pt_restore_timer(v);   @pt_restore_timer

    if (s != NULL) {   @check_server
        ioreq_t *p = get_ioreq(s, v->vcpu_id);   @get_ioreq
        hvm_wait_on_io(d, p);   @wait
    }

    /* also reached after hvm_wait_on_io crashed the domain: a pending trap is still injected */
    /* the model has no trap to deliver: injecting one only clears the vector (one statement) */
    if (v->arch.hvm_vcpu.inject_trap.vector != -1) { hvm_inject_trap(&v->arch.hvm_vcpu.inject_trap); v->arch.hvm_vcpu.inject_trap.vector = -1; }   @inject_trap
}

@fn hvm_send_assist_req_to_server
static bool_t hvm_send_assist_req_to_server(struct hvm_ioreq_server *s, struct vcpu *v, ioreq_t *proto_p)
{
    struct domain *d = v->domain;   @init_d
    ioreq_t *p = get_ioreq(s, v->vcpu_id);   @get_ioreq

    if (p->state != STATE_IOREQ_NONE) {   @check_state
        /* a busy slot at this point is the device model's fault */
        gdprintk(XENLOG_ERR, "Device model set bad IO state %d.\n", p->state);   @bad_state
        domain_crash(d);   @crash
        return 0;   @ret_bad
    }

    /* the request enters the slot as NONE and with the slot's port kept (the model copies it in one statement) */
    proto_p->state = STATE_IOREQ_NONE; proto_p->vp_eport = p->vp_eport; *p = *proto_p;   @copy

    prepare_wait_on_xen_event_channel(p->vp_eport);   @prepare_wait

    wmb();   /* the request's fields are visible before READY is */   @wmb
    p->state = STATE_IOREQ_READY;   @ready
    notify_via_xen_event_channel(d, p->vp_eport);   @notify
    return 1;   @ret
}

@fn hvm_send_assist_req
bool_t hvm_send_assist_req(struct vcpu *v, ioreq_t *p)
{
    struct domain *d = v->domain;   @init_d
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;   @init_s

    /* once the domain has started shutting down, the access is dropped */
    if (!vcpu_start_shutdown_deferral(v)) return 0;   @deferral
    if (s == NULL) return 0;   @check_server
    return hvm_send_assist_req_to_server(s, v, p);   @to_server
}

@fn do_hvm_op
/* only HVMOP_set_param and HVMOP_get_param; the model neither copies the argument nor holds the domain's RCU lock */
long do_hvm_op(unsigned long op, struct xen_hvm_param *a)
{
    struct domain *curr_d = current->domain;   @curr_d
    struct domain *d;
    long rc = 0;   @init_rc

    if (a->index >= HVM_NR_PARAMS) return -EINVAL;   @index

    /* DOMID_SELF names the caller; a destroyed domain is not found */
    d = rcu_lock_domain_by_any_id(a->domid);   @rcu_lock
    if (d == NULL) return -ESRCH;   @lookup
    if (!is_hvm_domain(d)) return -EINVAL;   @is_hvm
    /* the domain itself, dom0, or its device-model domain (d->target) may use its params */
    rc = xsm_hvm_param(XSM_TARGET, d, op);   @xsm
    if (rc) return rc;   @xsm_rc

    if (op == HVMOP_set_param) {   @is_set
        switch (a->index) {   @set_switch
        case HVM_PARAM_CALLBACK_IRQ:
            /* interrupt routing is not part of the model */
            break;   @callback_irq
        case HVM_PARAM_IDENT_PT:
            /* set once, by someone other than the guest */
            rc = -EPERM;   @ident_pt
            if (curr_d == d) break;   @ident_pt_self
            rc = -EINVAL;   @ident_pt_einval
            if (d->arch.hvm_domain.params[a->index] != 0) break;   @ident_pt_set
            rc = 0;   @ident_pt_ok
            break;   @ident_pt_break
        case HVM_PARAM_DM_DOMAIN:
            rc = -EPERM;   @dm_domain
            if (curr_d == d) break;   @dm_domain_self
            if (a->value == DOMID_SELF) a->value = curr_d->domain_id;   @dm_domain_domid
            /* a server for this device model: a new one, or the existing one moved over */
            rc = hvm_create_ioreq_server(d, a->value);   @set_create
            if (rc == -EEXIST) rc = hvm_set_ioreq_server_domid(d, a->value);   @exists
            break;   @dm_domain_break
        case HVM_PARAM_ACPI_S_STATE:
            rc = -EPERM;   @acpi_s_state
            if (curr_d == d) break;   @acpi_s_state_self
            rc = 0;   @acpi_s_state_ok
            if (a->value == 3) d->arch.hvm_domain.is_s3_suspended = 1;   @acpi_s_state_suspend
            else if (a->value == 0) d->arch.hvm_domain.is_s3_suspended = 0;   @acpi_s_state_resume
            else rc = -EINVAL;   @acpi_s_state_einval
            break;   @acpi_s_state_break
        case HVM_PARAM_BUFIOREQ_EVTCHN:
            /* Xen picks this port: no one may set it */
            rc = -EINVAL;   @bufioreq_evtchn
            break;   @bufioreq_evtchn_break
        default:
            break;   @set_default
        }
        if (rc == 0) d->arch.hvm_domain.params[a->index] = a->value;   @store
        return rc;   @set_ret
    }

    if (op != HVMOP_get_param) return -ENOSYS;   @is_get

    switch (a->index) {   @get_switch
    case HVM_PARAM_IOREQ_PFN:
    case HVM_PARAM_BUFIOREQ_PFN:
    case HVM_PARAM_BUFIOREQ_EVTCHN:
        /* reading any of these three makes the server, serving the caller's domain */
        rc = hvm_create_ioreq_server(d, curr_d->domain_id);   @create
        if (rc != 0 && rc != -EEXIST) return rc;   @create_rc
        if (a->index == HVM_PARAM_BUFIOREQ_EVTCHN) {   @which
            evtchn_port_t port;

            rc = hvm_get_ioreq_server_buf_port(d, &port);   @get_port
            if (rc < 0) return rc;   @get_port_rc
            a->value = port;   @set_port
        } else {
            xen_pfn_t pfn;

            rc = hvm_get_ioreq_server_pfn(d, a->index == HVM_PARAM_BUFIOREQ_PFN, &pfn);   @get_pfn
            if (rc < 0) return rc;   @get_pfn_rc
            a->value = pfn;   @set_pfn
        }
        break;   @create_break
    case HVM_PARAM_ACPI_S_STATE:
        a->value = d->arch.hvm_domain.is_s3_suspended ? 3 : 0;   @get_acpi_s_state
        break;   @get_acpi_s_state_break
    default:
        a->value = d->arch.hvm_domain.params[a->index];   @get_default
        break;   @get_default_break
    }

    return rc;   @got
}
