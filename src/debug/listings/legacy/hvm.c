/*
 * legacy/hvm.c: IOREQ Scope's C-like rendering of its own model of the hypervisor's HVM code BEFORE the seed
 * patch (the basic ioreq server abstraction the seed starts from), following src/model/xen/legacy/hvm.ts statement
 * by statement. Written by this project in its own words; it is not Xen's source. Where the seed's removed lines
 * show no body, the model follows 4.4. Here the server is made together with the domain, with neither page mapped,
 * and the domain stays paused once per page until the toolstack sets that page's pfn.
 */

@fn hvm_init_ioreq_page
static void hvm_init_ioreq_page(struct domain *d, struct hvm_ioreq_page *iorp)
{
    spin_lock_init(&iorp->lock);   /* the model keeps no locks: a stop, nothing changes */   @lock_init
    /* one pause per page, released by hvm_set_ioreq_page once the page is mapped */
    domain_pause(d);   @pause
}

@fn hvm_destroy_ioreq_page
static void hvm_destroy_ioreq_page(struct domain *d, struct hvm_ioreq_page *iorp)
{
    /* pages are only given back by a dying domain */
    ASSERT(d->is_dying);   @assert
    spin_lock(&iorp->lock);   /* no locks in the model: a stop, nothing changes */   @lock
    destroy_ring_for_helper(&iorp->va, iorp->page);   @destroy
    spin_unlock(&iorp->lock);   /* a stop, nothing changes */   @unlock
}

@fn hvm_set_ioreq_page
static int hvm_set_ioreq_page(struct domain *d, struct hvm_ioreq_page *iorp, unsigned long gmfn)
{
    struct page_info *page;
    void *va;
    int rc;

    rc = prepare_ring_for_helper(d, gmfn, &page, &va);   @prepare
    if (rc) return rc;   @check_rc

    spin_lock(&iorp->lock);   /* no locks in the model: a stop, nothing changes */   @lock
    if (iorp->va != NULL || d->is_dying) {   @check_busy
        /* what gets torn down is the mapping ALREADY there; page and va from above are never released */
        destroy_ring_for_helper(&iorp->va, iorp->page);   @drop_old
        spin_unlock(&iorp->lock);   /* a stop, nothing changes */   @busy_unlock
        return -EINVAL;   @ret_einval
    }
    iorp->va = va;   @publish
    iorp->page = page;   @publish_page
    spin_unlock(&iorp->lock);   /* a stop, nothing changes */   @unlock

    /* give back the pause hvm_init_ioreq_page took for this page */
    domain_unpause(d);   @unpause
    return 0;   @ret
}

@fn hvm_update_ioreq_server_evtchn
static void hvm_update_ioreq_server_evtchn(struct hvm_ioreq_server *s)
{
    struct vcpu *v;

    /* the slots are in the ioreq page, so there is nowhere to write before it is mapped */
    if (s->ioreq.va != NULL) {   @check
        for_each_vcpu (s->domain, v) {   @for_each_vcpu
            ioreq_t *p = get_ioreq(s, v->vcpu_id);   @get_ioreq
            p->vp_eport = s->ioreq_evtchn[v->vcpu_id];   @write
        }
    }
}

@fn hvm_ioreq_server_add_vcpu
static int hvm_ioreq_server_add_vcpu(struct hvm_ioreq_server *s, struct vcpu *v)
{
    int rc;

    rc = alloc_unbound_xen_event_channel(v, s->domid, NULL);   @alloc
    if (rc < 0) return rc;   @check
    s->ioreq_evtchn[v->vcpu_id] = rc;   @store
    v->arch.hvm_vcpu.xen_port = rc;   /* the vcpu keeps its own copy of the number */   @store_xen_port

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
    /* the ports are closed, yet the fields go on holding their numbers */
    if (v->vcpu_id == 0 && s->buf_ioreq_evtchn >= 0) free_xen_event_channel(v, s->buf_ioreq_evtchn);   @free
    if (s->ioreq_evtchn[v->vcpu_id] >= 0) free_xen_event_channel(v, s->ioreq_evtchn[v->vcpu_id]);   @free_port
}

@fn hvm_init_ioreq_server
static int hvm_init_ioreq_server(struct domain *d)
{
    struct hvm_ioreq_server *s;
    unsigned int i;

    s = xzalloc(struct hvm_ioreq_server);   @alloc
    if (s == NULL) return -ENOMEM;   @check_alloc
    s->domain = d;   /* s->domid stays 0 until HVM_PARAM_DM_DOMAIN is set */   @set_domain

    for (i = 0; i < MAX_HVM_VCPUS; i++) s->ioreq_evtchn[i] = -1;   @init_ports
    s->buf_ioreq_evtchn = -1;   @init_buf_port

    /* each page pauses the domain; setting that page's pfn lifts its pause */
    hvm_init_ioreq_page(d, &s->ioreq);   @init_pages
    hvm_init_ioreq_page(d, &s->buf_ioreq);   @init_buf_page

    d->arch.hvm_domain.ioreq_server = s;   @publish
    return 0;   @ret
}

@fn hvm_deinit_ioreq_server
static void hvm_deinit_ioreq_server(struct domain *d)
{
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;   @init_s

    if (s == NULL) return;   @destroy
    hvm_destroy_ioreq_page(d, &s->ioreq);   @destroy_page
    hvm_destroy_ioreq_page(d, &s->buf_ioreq);   @destroy_buf_page

    /* d->arch.hvm_domain.ioreq_server is not cleared and is left pointing at freed memory */
    xfree(s);   @free
}

@fn hvm_set_ioreq_server_pfn
static int hvm_set_ioreq_server_pfn(struct hvm_ioreq_server *s, unsigned long pfn)
{
    int rc;

    rc = hvm_set_ioreq_page(s->domain, &s->ioreq, pfn);   @set
    if (rc < 0) return rc;   @check_rc

    /* the slots now exist, so each vcpu's port can go into its slot */
    hvm_update_ioreq_server_evtchn(s);   @update
    return 0;   @ret
}

@fn hvm_set_ioreq_server_buf_pfn
static int hvm_set_ioreq_server_buf_pfn(struct hvm_ioreq_server *s, unsigned long pfn)
{
    return hvm_set_ioreq_page(s->domain, &s->buf_ioreq, pfn);   @set
}

@fn hvm_set_ioreq_server_domid
static int hvm_set_ioreq_server_domid(struct hvm_ioreq_server *s, domid_t domid)
{
    struct domain *d = s->domain;   @init_d
    struct vcpu *v0, *v;
    int rc = 0;   @init_rc

    domain_pause(d);   @pause

    /* swap in ports whose remote end is the new domain; each old port is freed as it goes */
    v0 = d->vcpu[0];   @init_v0
    if (v0 != NULL) {   @check_v0
        rc = hvm_replace_event_channel(v0, domid, &s->buf_ioreq_evtchn);   @replace_buf
    }
    if (rc == 0) {   @check_rc
        for_each_vcpu (d, v) {   @for_each_vcpu
            /* v->arch.hvm_vcpu.xen_port follows the new number as well */
            rc = hvm_replace_event_channel(v, domid, &s->ioreq_evtchn[v->vcpu_id]);   @replace
            if (rc) break;   @check_replace
        }
    }
    if (rc == 0) {   @check_rc_update
        hvm_update_ioreq_server_evtchn(s);   @update
        s->domid = domid;   @set_domid
    }

    domain_unpause(d);   @done
    return rc;   @ret
}

@fn hvm_domain_initialise
int hvm_domain_initialise(struct domain *d)
{
    /* everything else this function sets up is left out of the model */
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
    struct hvm_ioreq_server *s = v->domain->arch.hvm_domain.ioreq_server;   @init_s

    /* no check: the server was made along with the domain */
    return hvm_ioreq_server_add_vcpu(s, v);   @add
}

@fn hvm_vcpu_destroy
void hvm_vcpu_destroy(struct vcpu *v)
{
    struct hvm_ioreq_server *s = v->domain->arch.hvm_domain.ioreq_server;   @init_s

    /* by now relinquish has freed s, and it is used anyway */
    hvm_ioreq_server_remove_vcpu(s, v);   @remove
}

@fn hvm_do_resume
void hvm_do_resume(struct vcpu *v)
{
    struct domain *d = v->domain;   @init_d
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;   @init_s

    check_wakeup_from_wait();   @check_wakeup

    if (s != NULL) {   @check_server
        ioreq_t *p = get_ioreq(s, v->vcpu_id);   @get_ioreq

        /* the wait loop lives here, not in a helper of its own */
        for (;;) {
            unsigned int state;

            if (p->state == STATE_IOREQ_NONE) break;   @loop
            state = p->state;   @read_state
            switch (state) {   @switch
            case STATE_IORESP_READY:
                hvm_io_assist(p);   @assist
                break;   @assist_break
            case STATE_IOREQ_READY:
            case STATE_IOREQ_INPROCESS:
                /* v sleeps on the slot's port; a sleeping v never comes back here */
                wait_on_xen_event_channel(p->vp_eport, p->state != STATE_IOREQ_READY && p->state != STATE_IOREQ_INPROCESS);   @wait
                break;   @wait_break
            default:
                gdprintk(XENLOG_ERR, "Weird HVM iorequest state %d.\n", state);   @weird
                domain_crash(d);   @crash
                /* leaves hvm_do_resume itself, so no trap is injected below */
                return;   @bail
            }
        }
    }

    if (v->arch.hvm_vcpu.inject_trap.vector != -1) {   @inject_trap
        hvm_inject_trap(&v->arch.hvm_vcpu.inject_trap);   /* the model delivers no trap: a stop, nothing changes */   @inject
        v->arch.hvm_vcpu.inject_trap.vector = -1;   @clear_trap
    }
}

@fn hvm_send_assist_req
bool_t hvm_send_assist_req(struct vcpu *v, ioreq_t *proto_p)
{
    struct domain *d = v->domain;   @init_d
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;   @init_s
    ioreq_t *p;

    /* once the domain has started shutting down, the access is dropped */
    if (!vcpu_start_shutdown_deferral(v)) return 0;   @deferral
    if (s == NULL) return 0;   @check_server

    p = get_ioreq(s, v->vcpu_id);   @get_ioreq
    if (p->state != STATE_IOREQ_NONE) {   @check_state
        /* a busy slot at this point is the device model's fault */
        gdprintk(XENLOG_ERR, "Device model set bad IO state %d.\n", p->state);   @bad_state
        domain_crash(d);   @crash
        return 0;   @ret_bad
    }

    /* the request enters the slot as NONE and with the slot's port kept */
    proto_p->state = STATE_IOREQ_NONE;   @copy
    proto_p->vp_eport = p->vp_eport;   @copy_port
    *p = *proto_p;   @copy_slot

    prepare_wait_on_xen_event_channel(p->vp_eport);   @prepare_wait

    wmb();   /* the request's fields are visible before READY is (the model's writes are in order: a stop, nothing changes) */   @wmb
    p->state = STATE_IOREQ_READY;   @ready
    notify_via_xen_event_channel(d, p->vp_eport);   @notify
    return 1;   @ret
}

@fn do_hvm_op
/* only HVMOP_set_param and HVMOP_get_param; the model neither copies the argument nor holds the domain's RCU lock */
long do_hvm_op(unsigned long op, struct xen_hvm_param *a)
{
    struct domain *curr_d = current->domain;   @curr_d
    struct hvm_ioreq_server *s;
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

    /* always there: made with the domain */
    s = d->arch.hvm_domain.ioreq_server;   @init_s

    if (op == HVMOP_set_param) {   @is_set
        switch (a->index) {   @set_switch
        case HVM_PARAM_IOREQ_PFN:
            rc = hvm_set_ioreq_server_pfn(s, a->value);   @ioreq_pfn
            break;   @ioreq_pfn_break
        case HVM_PARAM_BUFIOREQ_PFN:
            rc = hvm_set_ioreq_server_buf_pfn(s, a->value);   @bufioreq_pfn
            break;   @bufioreq_pfn_break
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
            rc = hvm_set_ioreq_server_domid(s, a->value);   @set_domid
            break;   @dm_domain_break
        case HVM_PARAM_ACPI_S_STATE:
            rc = -EPERM;   @acpi_s_state
            if (curr_d == d) break;   @acpi_s_state_self
            rc = 0;   @acpi_s_state_ok
            if (a->value == 3) d->arch.hvm_domain.is_s3_suspended = 1;   @acpi_s_state_s3
            else if (a->value == 0) d->arch.hvm_domain.is_s3_suspended = 0;   @acpi_s_state_s0
            else rc = -EINVAL;   @acpi_s_state_einval
            break;   @acpi_s_state_break
        case HVM_PARAM_BUFIOREQ_EVTCHN:
            /* Xen picks this port: no one may set it */
            rc = -EINVAL;   @bufioreq_evtchn
            break;   @bufioreq_evtchn_break
        default:
            /* anything else, interrupt routing included, is simply stored */
            break;   @set_default
        }
        if (rc == 0) d->arch.hvm_domain.params[a->index] = a->value;   @store
        return rc;   @set_ret
    }

    if (op != HVMOP_get_param) return -ENOSYS;   @is_get

    switch (a->index) {   @get_switch
    case HVM_PARAM_BUFIOREQ_EVTCHN:
        a->value = s->buf_ioreq_evtchn;   @get_bufioreq_evtchn
        break;   @get_bufioreq_evtchn_break
    case HVM_PARAM_ACPI_S_STATE:
        a->value = d->arch.hvm_domain.is_s3_suspended ? 3 : 0;   @get_acpi_s_state
        break;   @get_acpi_s_state_break
    default:
        a->value = d->arch.hvm_domain.params[a->index];   @get_default
        break;   @get_default_break
    }
    return rc;   @got
}
