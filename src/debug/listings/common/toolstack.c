/*
 * common/toolstack.c: IOREQ Scope's C-like rendering of its model of the toolstack and of the hypervisor calls the
 * toolstack causes: making a domain and its vcpus (XEN_DOMCTL_createdomain, XEN_DOMCTL_max_vcpus), building the
 * HVM guest (libxc's setup_guest, plus the xenstore and console ports libxl allocates) and killing the domain,
 * following src/model/tools/libxc.ts (after 4.4). Written by this project in its own words; it is not Xen's source.
 */

@fn domain_create
int domain_create(domid_t domid, unsigned int domcr_flags)
{
    struct domain *d;
    int rc;

    d = alloc_domain_struct();   @alloc
    d->domain_id = domid;   /* the model's domain gets its id as it is made: a stop, nothing changes */   @set_domid
    if (domcr_flags & DOMCRF_hvm) d->guest_type = guest_type_hvm;   @guest_type
    evtchn_init(d);   /* port 0 is reserved */   @evtchn_init
    domlist_insert(d);   @domlist_insert

    /* paused until the toolstack lets it run */
    d->is_paused_by_controller = 1;   /* the model keeps no flag (its pause count of 1 stands for it): a stop, nothing changes */   @paused_by_controller
    atomic_inc(&d->pause_count);   @pause_count

    if (is_hvm_domain(d)) {   @is_hvm
        rc = hvm_domain_initialise(d);   @hvm_init
        if (rc < 0) {   @check_init
            domlist_remove(d);   @domlist_remove
            return rc;   @fail_ret
        }
    }
    return 0;   @ret
}

@fn alloc_vcpu
int alloc_vcpu(struct domain *d, unsigned int vcpu_id)
{
    struct vcpu *v;
    int rc;

    if (d->vcpu[vcpu_id] != NULL) return -EEXIST;   @alloc
    /* vcpus come in order: 0, then 1, then 2, ... */
    if (vcpu_id > 0 && d->vcpu[vcpu_id - 1] == NULL) return -EINVAL;   @in_order

    v = alloc_vcpu_struct();   @alloc_struct
    v->domain = d;   /* the model's vcpu gets its domain and id as it is made: a stop, nothing changes */   @set_domain
    v->vcpu_id = vcpu_id;   /* (the same) */   @set_vcpu_id
    d->vcpu[vcpu_id] = v;   @publish

    /* by way of vcpu_initialise */
    rc = is_hvm_domain(d) ? hvm_vcpu_initialise(v) : 0;   @hvm_vcpu_initialise
    if (rc < 0) {   @check_init
        d->vcpu[vcpu_id] = NULL;   @unpublish
        free_vcpu_struct(v);   /* the model keeps no allocator: a stop, nothing changes */   @free
        return rc;   @fail_ret
    }
    return 0;   @ret
}

@fn xc_domain_create
@names hvm=is_hvm
/* XEN_DOMCTL_createdomain, then XEN_DOMCTL_max_vcpus making the vcpus one by one */
int xc_domain_create(domid_t domid, unsigned int nr_vcpus, bool_t hvm)
{
    struct domain *d;
    unsigned int i;
    int rc;

    rc = domain_create(domid, hvm ? DOMCRF_hvm : 0);   @createdomain
    if (rc < 0) return rc;   @check_create

    d = get_domain_by_id(domid);   @get_domain
    for (i = 0; i < nr_vcpus; i++) {   @for_each_vcpu
        rc = alloc_vcpu(d, i);   @max_vcpus
        if (rc < 0) return rc;   @check_vcpu
    }
    return 0;   @ret
}

@fn setup_guest
static int setup_guest(xc_interface *xch, uint32_t dom, unsigned long nr_pages,
                       domid_t store_domid, domid_t console_domid)
{
    struct hvm_info_table *hvm_info;
    evtchn_port_t store_port, console_port;
    unsigned int i;

    /* libxl allocates the xenstore and console ports before the build starts */
    store_port = xc_evtchn_alloc_unbound(xch, dom, store_domid);   @ports
    console_port = xc_evtchn_alloc_unbound(xch, dom, console_domid);   @console_port

    xc_domain_populate_physmap_exact(xch, dom, nr_pages, 0, 0, ram_pfns);   @populate_ram

    /* where the special pages begin, as the guest is told (each profile has its own layout) */
    hvm_info->reserved_mem_pgstart = layout.reserved_mem_pgstart;   @hvm_info

    /* the seed's special-page lines, at XTL_DETAIL: seen only with debug logging on */
    if (debug) print_special_pages(xch, &layout);   @dprintf

    for (i = 0; i < layout.nr_pages; i++) {   @for_each_page
        xen_pfn_t pfn = layout.pages[i].pfn;   @page_pfn

        /* populated, then zeroed (a new page of the model reads as zeroes: the clear is a stop, nothing changes) */
        xc_domain_populate_physmap_exact(xch, dom, 1, 0, 0, &pfn);   @special_page
        xc_clear_domain_page(xch, dom, pfn);   @clear_page
    }

    /* the params in the layout's order (store, ioreq and buffered ioreq pfns, console, ident_pt, ...), from dom0;
       setup_guest does not look at what each call returns: a failure is logged by Xen and the build goes on */
    for (i = 0; i < layout.nr_params; i++) {   @for_each_param
        xc_set_hvm_param(xch, dom, layout.params[i].index, layout.params[i].value);   @set_param
    }

    /* libxl records both ports; the model writes them straight into params[], with no do_hvm_op frame */
    xc_set_hvm_param(xch, dom, HVM_PARAM_STORE_EVTCHN, store_port);   @evtchn_params
    xc_set_hvm_param(xch, dom, HVM_PARAM_CONSOLE_EVTCHN, console_port);   @console_evtchn
    return 0;   @ret
}

@fn domain_unpause_by_controller
/* XEN_DOMCTL_unpausedomain, which xc_domain_unpause issues */
int domain_unpause_by_controller(struct domain *d)
{
    domain_unpause(d);   @unpause
    return 0;   @ret
}

@fn domain_kill
int domain_kill(struct domain *d)
{
    struct vcpu *v;

    switch (d->is_dying) {   @is_dying
    case DOMDYING_alive:
        domain_pause(d);   @pause
        d->is_dying = DOMDYING_dying;   @set_dying
        evtchn_destroy(d);   @evtchn_destroy
        /* fall through */
    case DOMDYING_dying:
        /* memory first (it may be preempted: -EAGAIN, call again); at its end the ioreq server goes */
        if (relinquish_memory_preempted(d)) return -EAGAIN;   @relinquish
        if (is_hvm_domain(d)) hvm_domain_relinquish_resources(d);   @relinquish_hvm
        d->is_dying = DOMDYING_dead;   @set_dead
        /* the vcpus last, as complete_domain_destroy does */
        for_each_vcpu (d, v) {   @vcpu_destroy
            if (is_hvm_domain(d)) hvm_vcpu_destroy(v);   @hvm_vcpu_destroy
        }
        /* fall through */
    case DOMDYING_dead:
        break;   @dead_break
    }
    return 0;   @ret
}

@fn xc_domain_destroy
/* XEN_DOMCTL_destroydomain again while Xen says -EAGAIN */
int xc_domain_destroy(xc_interface *xch, uint32_t domid)
{
    int ret;
    do {
        ret = do_domctl_destroydomain(xch, domid);   @destroydomain
    } while (ret == -EAGAIN);   @again
    return ret;   @ret
}
