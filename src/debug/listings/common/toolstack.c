/*
 * common/toolstack.c: a listing of IOREQ Scope's model of the toolstack's side and the hypervisor calls it makes:
 * domain creation and vcpu allocation (xen/common/domain.c, XEN_DOMCTL_createdomain / max_vcpus), the HVM build
 * (tools/libxc/xc_hvm_build_x86.c setup_guest, with libxl__build_hvm's xenstore and console ports) and domain_kill,
 * after [X44]. Written by IOREQ Scope to mirror src/model/xen/libxc.ts; this is not Xen's text.
 */

@fn domain_create
int domain_create(domid_t domid, unsigned int domcr_flags)
{
    struct domain *d;
    int rc;

    d = alloc_domain_struct();   @alloc
    d->domain_id = domid;
    if ( domcr_flags & DOMCRF_hvm )
        d->guest_type = guest_type_hvm;
    evtchn_init(d);                 /* port 0 stays reserved */
    domlist_insert(d);

    /* a new domain waits for the toolstack to unpause it */
    d->is_paused_by_controller = 1;
    atomic_inc(&d->pause_count);

    if ( is_hvm_domain(d) )
    {
        rc = hvm_domain_initialise(d);   @hvm_init
        if ( rc < 0 )
        {
            domlist_remove(d);
            return rc;
        }
    }

    return 0;
}

@fn alloc_vcpu
int alloc_vcpu(struct domain *d, unsigned int vcpu_id)
{
    struct vcpu *v;
    int rc;

    if ( d->vcpu[vcpu_id] != NULL )   @alloc
        return -EEXIST;
    /* vcpus are made in order: 0, 1, 2, ... */
    if ( vcpu_id != 0 && d->vcpu[vcpu_id - 1] == NULL )
        return -EINVAL;

    v = alloc_vcpu_struct();
    v->domain = d;
    v->vcpu_id = vcpu_id;
    d->vcpu[vcpu_id] = v;

    /* vcpu_initialise -> hvm_vcpu_initialise */
    rc = is_hvm_domain(d) ? hvm_vcpu_initialise(v) : 0;   @hvm_vcpu_initialise
    if ( rc < 0 )
    {
        d->vcpu[vcpu_id] = NULL;
        free_vcpu_struct(v);
        return rc;
    }

    return 0;
}

@fn xc_domain_create
/* XEN_DOMCTL_createdomain, then XEN_DOMCTL_max_vcpus making each vcpu in turn */
int xc_domain_create(domid_t domid, unsigned int nr_vcpus, bool_t hvm)
{
    struct domain *d;
    unsigned int i;
    int rc;

    rc = domain_create(domid, hvm ? DOMCRF_hvm : 0);   @createdomain
    if ( rc < 0 )
        return rc;

    d = get_domain_by_id(domid);
    for ( i = 0; i < nr_vcpus; i++ )
    {
        rc = alloc_vcpu(d, i);   @max_vcpus
        if ( rc < 0 )
            return rc;
    }

    return 0;
}

@fn setup_guest
static int setup_guest(xc_interface *xch, uint32_t dom, unsigned long nr_pages,
                       domid_t store_domid, domid_t console_domid)
{
    struct hvm_info_table *hvm_info;
    evtchn_port_t store_port, console_port;
    unsigned int i;
    int rc;

    /* libxl__build_hvm: the xenstore and console ports come first */
    store_port = xc_evtchn_alloc_unbound(xch, dom, store_domid);   @ports
    console_port = xc_evtchn_alloc_unbound(xch, dom, console_domid);

    xc_domain_populate_physmap_exact(xch, dom, nr_pages, 0, 0, ram_pfns);   @populate_ram

    /* tell the guest where the special pages start (the layout is per profile) */
    hvm_info->reserved_mem_pgstart = special_pfn(0);   @hvm_info

    for ( i = 0; i < NR_SPECIAL_PAGES; i++ )
    {
        xen_pfn_t pfn = special_pfn(i);

        /* each special page is populated and cleared */
        xc_domain_populate_physmap_exact(xch, dom, 1, 0, 0, &pfn);   @special_page
        xc_clear_domain_page(xch, dom, pfn);
    }

    /* STORE_PFN, BUFIOREQ_PFN, IOREQ_PFN, CONSOLE_PFN, the ring pfns, IDENT_PT, ... in the layout's order */
    for ( i = 0; i < ARRAY_SIZE(layout_params); i++ )
    {
        rc = xc_set_hvm_param(xch, dom, layout_params[i].index, layout_params[i].value);   @set_param
        if ( rc < 0 )
            return rc;
    }

    /* libxl__build_hvm records the two ports (the model stores them without a do_hvm_op frame) */
    xc_set_hvm_param(xch, dom, HVM_PARAM_STORE_EVTCHN, store_port);   @evtchn_params
    xc_set_hvm_param(xch, dom, HVM_PARAM_CONSOLE_EVTCHN, console_port);

    return 0;
}

@fn domain_unpause_by_controller
/* XEN_DOMCTL_unpausedomain, as xc_domain_unpause issues it */
int domain_unpause_by_controller(struct domain *d)
{
    domain_unpause(d);   @unpause
    return 0;
}

@fn domain_kill
int domain_kill(struct domain *d)
{
    struct vcpu *v;

    domain_pause(d);   @pause
    d->is_dying = DOMDYING_dying;

    evtchn_destroy(d);   @evtchn_destroy

    /* domain_relinquish_resources: the ioreq server goes here */
    if ( is_hvm_domain(d) )   @relinquish
        hvm_domain_relinquish_resources(d);
    d->is_dying = DOMDYING_dead;

    /* complete_domain_destroy: then the vcpus */
    for_each_vcpu ( d, v )   @vcpu_destroy
        if ( is_hvm_domain(d) )
            hvm_vcpu_destroy(v);

    return 0;
}
