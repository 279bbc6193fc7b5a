/*
 * 4.5/hvm.c: IOREQ Scope's C-like rendering of its model of Xen 4.5's ioreq-server code (RELEASE-4.5.0
 * xen/arch/x86/hvm/hvm.c), following src/model/xen/4.5/hvm.ts statement by statement. Written by this project in
 * its own words; it is not Xen's source. A domain keeps a list of servers, newest first; the default one is made
 * when a device model first reads an ioreq param and serves whatever no enabled secondary claims.
 */

@fn hvm_wait_for_io
static bool_t hvm_wait_for_io(struct hvm_ioreq_vcpu *sv, ioreq_t *p)
{
    while (p->state != STATE_IOREQ_NONE) {   @loop
        switch (p->state) {   @switch
        case STATE_IORESP_READY:
            hvm_io_assist(p);   /* the answer is in: finish the access */   @assist
            break;   @assist_break
        case STATE_IOREQ_READY:
        case STATE_IOREQ_INPROCESS:
            /* sleep on this server's port for the vcpu until the device model answers */
            wait_on_xen_event_channel(sv->ioreq_evtchn, answered(p));   @wait
            break;   @wait_break
        default:
            printk("Weird HVM iorequest state %d.\n", p->state);   @weird
            domain_crash(sv->vcpu->domain);   @domain_crash
            return 0;   @crash_ret
        }
    }
    return 1;   @ret
}

@fn hvm_do_resume
void hvm_do_resume(struct vcpu *v)
{
    struct domain *d = v->domain;   @init_d
    struct hvm_ioreq_server *s;

    check_wakeup_from_wait();   @check_wakeup
    pt_restore_timer(v);   /* the model keeps no platform timers: a stop, nothing changes */   @pt_restore_timer

    /* every server the vcpu belongs to, in list order; a crash ends the resume here */
    list_for_each_entry (s, &d->arch.hvm_domain.ioreq_server.list, list_entry) {   @server
        struct hvm_ioreq_vcpu *sv = find_vcpu(s, v);   @find_vcpu
        if (sv && !hvm_wait_for_io(sv, get_ioreq(s, v)))   @wait
            return;
    }

    if (v->arch.hvm_vcpu.inject_trap.vector != -1)   @inject_trap
        hvm_inject_trap(&v->arch.hvm_vcpu.inject_trap);
}

@fn hvm_alloc_ioreq_gmfn
@names gmfn=out
static int hvm_alloc_ioreq_gmfn(struct domain *d, unsigned long *gmfn)
{
    unsigned int i;

    /* the pool is a bitmap of free pages after ioreq_gmfn.base */
    for (i = 0; i < BITS_PER_LONG; i++) {   @scan
        if (test_and_clear_bit(i, &d->arch.hvm_domain.ioreq_gmfn.mask)) {   @test_bit
            *gmfn = d->arch.hvm_domain.ioreq_gmfn.base + i;   @found
            return 0;   @found_ret
        }
    }
    return -ENOMEM;   /* the pool is used up */   @none
}

@fn hvm_unmap_ioreq_page
static void hvm_unmap_ioreq_page(struct hvm_ioreq_server *s, bool_t buf)
{
    struct hvm_ioreq_page *iorp = buf ? &s->bufioreq : &s->ioreq;   @init_iorp

    destroy_ring_for_helper(&iorp->va, iorp->page);   @unmap
}

@fn hvm_map_ioreq_page
static int hvm_map_ioreq_page(struct hvm_ioreq_server *s, bool_t buf, unsigned long gmfn)
{
    struct domain *d = s->domain;   @init_d
    struct hvm_ioreq_page *iorp = buf ? &s->bufioreq : &s->ioreq;   @init_iorp
    int rc;

    if ((rc = prepare_ring_for_helper(d, gmfn, &page, &va)))   @prepare
        return rc;
    if (iorp->va != NULL || d->is_dying) {   /* already mapped, or going away */   @check_busy
        destroy_ring_for_helper(&va, page);   @busy_destroy
        return -EINVAL;   @busy_ret
    }
    iorp->va = va;   @publish
    iorp->page = page;   @set_page
    iorp->gmfn = gmfn;   @set_gmfn
    return 0;   @ret
}

@fn hvm_update_ioreq_evtchn
static void hvm_update_ioreq_evtchn(struct hvm_ioreq_server *s, struct hvm_ioreq_vcpu *sv)
{
    /* the vcpu's port goes into its slot, once there is a page to write it in */
    if (s->ioreq.va != NULL)   @check
        get_ioreq(s, sv->vcpu)->vp_eport = sv->ioreq_evtchn;
}

@fn hvm_ioreq_server_add_vcpu
static int hvm_ioreq_server_add_vcpu(struct hvm_ioreq_server *s, bool_t is_default, struct vcpu *v)
{
    struct hvm_ioreq_vcpu *sv = xzalloc(struct hvm_ioreq_vcpu);   @alloc_sv
    int rc;

    if (!sv) return -ENOMEM;   @check_sv
    rc = alloc_unbound_xen_event_channel(v, s->domid, NULL);   /* remote end: the server's domain */   @alloc_port
    if (rc < 0) goto fail;   @check_port
    sv->ioreq_evtchn = rc;   @set_port

    if (v->vcpu_id == 0 && s->bufioreq.va != NULL) {   @buf_port
        rc = alloc_unbound_xen_event_channel(v, s->domid, NULL);   @alloc_buf_port
        if (rc < 0) goto fail_free_port;   @check_buf_port
        s->bufioreq_evtchn = rc;   @set_buf_port
        if (is_default)   /* the param mirrors the default server's buffered port */   @is_default
            d->arch.hvm_domain.params[HVM_PARAM_BUFIOREQ_EVTCHN] = s->bufioreq_evtchn;
    }

    sv->vcpu = v;   /* the model makes sv with its vcpu: a stop, nothing changes */   @set_vcpu
    list_add(&sv->list_entry, &s->ioreq_vcpu_list);   /* at the head */   @list_add
    if (s->enabled)   @enabled
        hvm_update_ioreq_evtchn(s, sv);
    return 0;   @ret
}

@fn hvm_ioreq_server_remove_vcpu
static void hvm_ioreq_server_remove_vcpu(struct hvm_ioreq_server *s, struct vcpu *v)
{
    struct hvm_ioreq_vcpu *sv = find_vcpu(s, v);   @find

    if (!sv) return;   @check_sv
    list_del(&sv->list_entry);   @list_del
    if (v->vcpu_id == 0 && s->bufioreq.va != NULL)   @free
        free_xen_event_channel(v, s->bufioreq_evtchn);
    free_xen_event_channel(v, sv->ioreq_evtchn);   @free_port
    xfree(sv);   /* the model keeps no allocator: a stop, nothing changes */   @free_sv
}

@fn hvm_ioreq_server_remove_all_vcpus
static void hvm_ioreq_server_remove_all_vcpus(struct hvm_ioreq_server *s)
{
    /* same as removing each vcpu in list order */
    list_for_each_entry_safe (sv, next, &s->ioreq_vcpu_list, list_entry) {   @walk
        list_del(&sv->list_entry);   @free
        if (sv->vcpu->vcpu_id == 0 && s->bufioreq.va != NULL)   @free_buf
            free_xen_event_channel(sv->vcpu, s->bufioreq_evtchn);
        free_xen_event_channel(sv->vcpu, sv->ioreq_evtchn);   @free_port
        xfree(sv);   /* the model keeps no allocator: a stop, nothing changes */   @free_sv
    }
}

@fn hvm_ioreq_server_map_pages
static int hvm_ioreq_server_map_pages(struct hvm_ioreq_server *s, bool_t is_default, bool_t handle_bufioreq)
{
    unsigned long ioreq_pfn, bufioreq_pfn;
    int rc;

    if (is_default) {   /* the pages the builder named in the params */   @pfns
        ioreq_pfn = d->arch.hvm_domain.params[HVM_PARAM_IOREQ_PFN];   @default_ioreq_pfn
        ASSERT(handle_bufioreq);   @assert_bufioreq
        bufioreq_pfn = d->arch.hvm_domain.params[HVM_PARAM_BUFIOREQ_PFN];   @default_bufioreq_pfn
    } else {   /* pages from the pool */
        if ((rc = hvm_alloc_ioreq_gmfn(d, &ioreq_pfn))) return rc;   @alloc_ioreq
        if (handle_bufioreq && (rc = hvm_alloc_ioreq_gmfn(d, &bufioreq_pfn))) goto free_ioreq;   @alloc_bufioreq
    }

    rc = hvm_map_ioreq_page(s, 0, ioreq_pfn);   @map_ioreq
    if (!rc && handle_bufioreq) {   @check_map_ioreq
        rc = hvm_map_ioreq_page(s, 1, bufioreq_pfn);   @map_bufioreq
        if (rc) hvm_unmap_ioreq_page(s, 0);   @check_map_bufioreq
    }
    if (rc) {   /* give the pool pages back */   @fail
        if (!is_default && handle_bufioreq) hvm_free_ioreq_gmfn(d, bufioreq_pfn);   @free_bufioreq
        if (!is_default) hvm_free_ioreq_gmfn(d, ioreq_pfn);   /* free_ioreq: where the goto above lands */   @free_ioreq
    }
    return rc;   @ret
}

@fn hvm_ioreq_server_unmap_pages
static void hvm_ioreq_server_unmap_pages(struct hvm_ioreq_server *s, bool_t is_default)
{
    bool_t handle_bufioreq = (s->bufioreq.va != NULL);   @init_handle_bufioreq

    if (handle_bufioreq) hvm_unmap_ioreq_page(s, 1);   @unmap
    hvm_unmap_ioreq_page(s, 0);   @unmap_ioreq
    if (!is_default) {   @is_default
        /* note: "free" clears the page's bit, so the pool never gets it back */
        if (handle_bufioreq) hvm_free_ioreq_gmfn(d, s->bufioreq.gmfn);   @free_bufioreq
        hvm_free_ioreq_gmfn(d, s->ioreq.gmfn);   @free_ioreq
    }
}

@fn hvm_ioreq_server_enable
static void hvm_ioreq_server_enable(struct hvm_ioreq_server *s, bool_t is_default)
{
    if (s->enabled) return;   @check
    if (!is_default) {   /* a secondary's pages leave the guest's physmap, cleared */   @remove_gmfns
        hvm_remove_ioreq_gmfn(d, &s->ioreq);   @remove_ioreq
        if (s->bufioreq.va != NULL) hvm_remove_ioreq_gmfn(d, &s->bufioreq);   @remove_bufioreq
    }
    s->enabled = 1;   @enable
    list_for_each_entry (sv, &s->ioreq_vcpu_list, list_entry)   @update_evtchn
        hvm_update_ioreq_evtchn(s, sv);
}

@fn hvm_ioreq_server_disable
static void hvm_ioreq_server_disable(struct hvm_ioreq_server *s, bool_t is_default)
{
    if (!s->enabled) return;   @check
    if (!is_default) {   /* and come back, cleared */   @add_gmfns
        if (s->bufioreq.va != NULL) hvm_add_ioreq_gmfn(d, &s->bufioreq);   @add_bufioreq
        hvm_add_ioreq_gmfn(d, &s->ioreq);   @add_ioreq
    }
    s->enabled = 0;   @disable
}

@fn hvm_ioreq_server_init
static int hvm_ioreq_server_init(struct hvm_ioreq_server *s, struct domain *d, domid_t domid,
                                 bool_t is_default, bool_t handle_bufioreq, ioservid_t id)
{
    struct vcpu *v;
    int rc;

    s->id = id; s->domain = d; s->domid = domid;   /* one stop */   @set_ids
    rc = hvm_ioreq_server_alloc_rangesets(s, is_default);   /* none for the default */   @rangesets
    if (rc) return rc;   @check_rangesets
    rc = hvm_ioreq_server_map_pages(s, is_default, handle_bufioreq);   @map_pages
    if (rc) goto fail_map;   @check_map_pages
    for_each_vcpu (d, v) {   @for_each_vcpu
        rc = hvm_ioreq_server_add_vcpu(s, is_default, v);   @add_vcpu
        if (rc) goto fail_add;   @check_add_vcpu
    }
    return 0;   @ret

 fail_add:   @fail_add
    hvm_ioreq_server_remove_all_vcpus(s);   @remove_all_vcpus
    hvm_ioreq_server_unmap_pages(s, is_default);   @unmap_pages
 fail_map:   @fail_map
    hvm_ioreq_server_free_rangesets(s, is_default);   @free_rangesets
    return rc;   @fail_ret
}

@fn hvm_ioreq_server_deinit
static void hvm_ioreq_server_deinit(struct hvm_ioreq_server *s, bool_t is_default)
{
    hvm_ioreq_server_remove_all_vcpus(s);   @deinit
    hvm_ioreq_server_unmap_pages(s, is_default);   @unmap_pages
    hvm_ioreq_server_free_rangesets(s, is_default);   @free_rangesets
}

@fn hvm_create_ioreq_server
static int hvm_create_ioreq_server(struct domain *d, domid_t domid, bool_t is_default,
                                   bool_t handle_bufioreq, ioservid_t *id)
{
    struct hvm_ioreq_server *s = xzalloc(struct hvm_ioreq_server);   @alloc
    int rc;

    if (!s) return -ENOMEM;   @check_alloc
    domain_pause(d);   @pause
    if (is_default && d->arch.hvm_domain.default_ioreq_server != NULL) {   @exist
        rc = -EEXIST;   @eexist
        goto fail;   @exist_goto
    }
    /* the id is taken before init, and stays taken if init fails */
    rc = hvm_ioreq_server_init(s, d, domid, is_default, handle_bufioreq, next_ioservid(d));   @init
    if (rc) goto fail;   @check_init

    list_add(&s->list_entry, &d->arch.hvm_domain.ioreq_server.list);   /* newest first */   @list_add
    if (is_default) {   @is_default
        d->arch.hvm_domain.default_ioreq_server = s;   @default
        hvm_ioreq_server_enable(s, 1);   @enable
    }
    if (id) *id = s->id;   @set_id
    domain_unpause(d);   @unpause
    return 0;   @ret

 fail:   @fail
    domain_unpause(d);   @fail_unpause
    xfree(s);   /* the model keeps no allocator: a stop, nothing changes */   @fail_free
    return rc;   @fail_ret
}

@fn hvm_destroy_ioreq_server
static int hvm_destroy_ioreq_server(struct domain *d, ioservid_t id)
{
    /* only a secondary can be destroyed this way: the walk skips the default */
    s = find_secondary(d, id);   @find
    if (!s) return -ENOENT;   @check_s
    domain_pause(d);   @pause
    list_del(&s->list_entry);   @unlist
    hvm_ioreq_server_deinit(s, 0);   @deinit
    domain_unpause(d);   @unpause
    xfree(s);   /* the model marks s freed: a later use is reported */   @free
    return 0;   @ret
}

@fn hvm_get_ioreq_server_info
static int hvm_get_ioreq_server_info(struct domain *d, ioservid_t id, unsigned long *ioreq_pfn,
                                     unsigned long *bufioreq_pfn, evtchn_port_t *bufioreq_port)
{
    s = find_secondary(d, id);   @find
    if (!s) return -ENOENT;   @check_s
    *ioreq_pfn = s->ioreq.gmfn;   @ioreq_pfn
    if (s->bufioreq.va != NULL) {   /* otherwise the two outputs are left as they were */   @buf
        *bufioreq_pfn = s->bufioreq.gmfn;   @bufioreq_pfn
        *bufioreq_port = s->bufioreq_evtchn;   @bufioreq_port
    }
    return 0;   @ret
}

@fn hvm_map_io_range_to_ioreq_server
static int hvm_map_io_range_to_ioreq_server(struct domain *d, ioservid_t id, uint32_t type,
                                            uint64_t start, uint64_t end)
{
    s = find_secondary(d, id);   @find
    if (!s) return -ENOENT;   @check_s
    r = (type <= HVMOP_IO_RANGE_PCI) ? s->range[type] : NULL;   @type
    if (!r) return -EINVAL;   @check_r
    if (rangeset_overlaps_range(r, start, end))   /* within this server only */   @overlap
        return -EEXIST;
    return rangeset_add_range(r, start, end);   /* -ENOMEM past MAX_NR_IO_RANGES */   @add
}

@fn hvm_unmap_io_range_from_ioreq_server
static int hvm_unmap_io_range_from_ioreq_server(struct domain *d, ioservid_t id, uint32_t type,
                                                uint64_t start, uint64_t end)
{
    s = find_secondary(d, id);   @find
    if (!s) return -ENOENT;   @check_s
    r = (type <= HVMOP_IO_RANGE_PCI) ? s->range[type] : NULL;   @type
    if (!r) return -EINVAL;   @check_r
    if (!rangeset_contains_range(r, start, end))   /* the whole range must be mapped */   @contains
        return -ENOENT;
    return rangeset_remove_range(r, start, end);   @remove
}

@fn hvm_set_ioreq_server_state
static int hvm_set_ioreq_server_state(struct domain *d, ioservid_t id, bool_t enabled)
{
    s = find_secondary(d, id);   @find
    if (!s) return -ENOENT;   @check_s
    domain_pause(d);   @pause
    if (enabled) hvm_ioreq_server_enable(s, 0);   @enable
    else hvm_ioreq_server_disable(s, 0);   @disable
    domain_unpause(d);   @unpause
    return 0;   @ret
}

@fn hvm_all_ioreq_servers_add_vcpu
static int hvm_all_ioreq_servers_add_vcpu(struct domain *d, struct vcpu *v)
{
    list_for_each_entry (s, &d->arch.hvm_domain.ioreq_server.list, list_entry) {   @walk
        rc = hvm_ioreq_server_add_vcpu(s, s == d->arch.hvm_domain.default_ioreq_server, v);   @add
        if (rc) goto fail;   @check_add
    }
    return 0;   @ret
 fail:   @fail
    list_for_each_entry (s, &d->arch.hvm_domain.ioreq_server.list, list_entry)   @remove_each
        hvm_ioreq_server_remove_vcpu(s, v);
    return rc;   @fail_ret
}

@fn hvm_all_ioreq_servers_remove_vcpu
static void hvm_all_ioreq_servers_remove_vcpu(struct domain *d, struct vcpu *v)
{
    list_for_each_entry (s, &d->arch.hvm_domain.ioreq_server.list, list_entry)   @walk
        hvm_ioreq_server_remove_vcpu(s, v);   @remove
}

@fn hvm_destroy_all_ioreq_servers
static void hvm_destroy_all_ioreq_servers(struct domain *d)
{
    /* the domain is going: no pause */
    list_for_each_entry_safe (s, next, &d->arch.hvm_domain.ioreq_server.list, list_entry) {   @walk
        bool_t is_default = (s == d->arch.hvm_domain.default_ioreq_server);   @server
        if (is_default) {   @is_default
            hvm_ioreq_server_disable(s, 1);   @disable
            d->arch.hvm_domain.default_ioreq_server = NULL;   @clear_default
        }
        list_del(&s->list_entry);   @list_del
        hvm_ioreq_server_deinit(s, is_default);   @deinit
        xfree(s);   /* the model marks s freed: a later use is reported */   @free
    }
}

@fn hvm_set_dm_domain
static int hvm_set_dm_domain(struct domain *d, domid_t domid)
{
    struct hvm_ioreq_server *s = d->arch.hvm_domain.default_ioreq_server;   @init_s
    int rc = 0;   @init_rc

    if (!s) return 0;   /* no server yet: the param alone is set, and used when one is made */   @check
    domain_pause(d);   @pause
    if (s->domid != domid) {   @same
        list_for_each_entry (sv, &s->ioreq_vcpu_list, list_entry) {   @for_each_sv
            if (sv->vcpu->vcpu_id == 0) {   @vcpu0
                rc = hvm_replace_event_channel(sv->vcpu, domid, &s->bufioreq_evtchn);   @replace_buf
                if (rc) break;   @check_replace_buf
                d->arch.hvm_domain.params[HVM_PARAM_BUFIOREQ_EVTCHN] = s->bufioreq_evtchn;   @store_buf
            }
            rc = hvm_replace_event_channel(sv->vcpu, domid, &sv->ioreq_evtchn);   @replace
            if (rc) break;   @check_replace
            hvm_update_ioreq_evtchn(s, sv);   @update
        }
        s->domid = domid;   /* even when a replacement failed */   @set_domid
    }
    domain_unpause(d);   @unpause
    return rc;   @ret
}

@fn hvm_domain_initialise
int hvm_domain_initialise(struct domain *d)
{
    /* an empty server list; two params get their defaults */
    INIT_LIST_HEAD(&d->arch.hvm_domain.ioreq_server.list);   @init
    d->arch.hvm_domain.params[HVM_PARAM_HPET_ENABLED] = 1;   @hpet_enabled
    d->arch.hvm_domain.params[HVM_PARAM_TRIPLE_FAULT_REASON] = SHUTDOWN_reboot;   @triple_fault_reason
    /* the model's port I/O path calls hvm_access_cf8 for 0xcf8 without a handler table: a stop, nothing changes */
    register_portio_handler(d, 0xcf8, 4, hvm_access_cf8);   @register_cf8
    return 0;   @ret
}

@fn hvm_domain_relinquish_resources
void hvm_domain_relinquish_resources(struct domain *d)
{
    hvm_destroy_all_ioreq_servers(d);   @destroy
}

@fn hvm_vcpu_initialise
int hvm_vcpu_initialise(struct vcpu *v)
{
    /* a new vcpu joins every server there is */
    return hvm_all_ioreq_servers_add_vcpu(v->domain, v);   @add
}

@fn hvm_vcpu_destroy
void hvm_vcpu_destroy(struct vcpu *v)
{
    hvm_all_ioreq_servers_remove_vcpu(v->domain, v);   @remove
}

@fn hvm_select_ioreq_server
static struct hvm_ioreq_server *hvm_select_ioreq_server(struct domain *d, ioreq_t *p)
{
    uint32_t cf8 = d->arch.hvm_domain.pci_cf8;   @init_cf8
    uint8_t type;
    uint64_t addr;

    if (list_empty(&d->arch.hvm_domain.ioreq_server.list))   @empty
        return NULL;
    if (p->type != IOREQ_TYPE_COPY && p->type != IOREQ_TYPE_PIO)   @type
        return d->arch.hvm_domain.default_ioreq_server;

    if (p->type == IOREQ_TYPE_PIO && (p->addr & ~3) == 0xcfc && (cf8 & 0x80000000)) {   @cf8
        /* a config data cycle: bus/device/function and register from the latched CF8 */
        type = IOREQ_TYPE_PCI_CONFIG;   @pci_type
        addr = ((uint64_t)SBDF(cf8) << 32) | REG_HI(cf8) | REG_LO(cf8) | (p->addr & 3);   @pci_addr
    } else {
        type = p->type;   @plain_type
        addr = p->addr;   @plain_addr
    }

    /* newest first; only enabled secondaries; the first whose range covers the access wins */
    list_for_each_entry (s, &d->arch.hvm_domain.ioreq_server.list, list_entry) {   @for_each_server
        if (s == d->arch.hvm_domain.default_ioreq_server || !s->enabled) continue;   @skip
        switch (type) {   @match
        case IOREQ_TYPE_PIO:  if (rangeset_contains_range(s->range[type], addr, addr + p->size - 1)) return s; break;   @match_pio
        case IOREQ_TYPE_COPY: if (rangeset_contains_range(s->range[type], addr, addr + p->size * p->count - 1)) return s; break;   @match_copy
        case IOREQ_TYPE_PCI_CONFIG:
            if (rangeset_contains_singleton(s->range[type], addr >> 32)) {   @match_pci
                p->type = type; p->addr = addr;   /* the request becomes a config access (one stop) */   @pci_rewrite
                return s;   @pci_ret
            }
            break;   @pci_break
        }
    }
    return d->arch.hvm_domain.default_ioreq_server;   /* may be NULL */   @default
}

@fn hvm_buffered_io_send
int hvm_buffered_io_send(ioreq_t *p)
{
    struct domain *d = current->domain;   @init_d
    struct hvm_ioreq_server *s = hvm_select_ioreq_server(d, p);   @select
    buffered_iopage_t *pg;

    if (!s) return 0;   @no_server
    pg = s->bufioreq.va;   @init_pg
    if (!pg) return 0;   /* a server without a buffered ring */   @page
    if (p->addr > 0xfffff || p->data_is_ptr || p->count != 1) return 0;   @check_req
    bp.size = log2(p->size);   /* 8 bytes take two slots */   @size
    if (pg->write_pointer - pg->read_pointer >= IOREQ_BUFFER_SLOT_NUM - qw)   @full
        return 0;   /* full: the caller goes the synchronous way */
    pg->buf_ioreq[pg->write_pointer % IOREQ_BUFFER_SLOT_NUM] = bp;   @write_slot
    if (qw) pg->buf_ioreq[(pg->write_pointer + 1) % IOREQ_BUFFER_SLOT_NUM] = high_half(bp);   @write_high
    wmb();   /* the model's writes are in order already: a stop, nothing changes */   @wmb
    pg->write_pointer += qw ? 2 : 1;   @advance
    notify_via_xen_event_channel(d, s->bufioreq_evtchn);   @notify
    return 1;   @ret
}

@fn hvm_send_assist_req_to_ioreq_server
@names curr=v
bool_t hvm_send_assist_req_to_ioreq_server(struct hvm_ioreq_server *s, ioreq_t *proto_p)
{
    struct vcpu *curr = current;   @init_curr

    if (!vcpu_start_shutdown_deferral(curr))   @deferral
        return 0;
    list_for_each_entry (sv, &s->ioreq_vcpu_list, list_entry) {   @for_each_sv
        if (sv->vcpu != curr) continue;   @match_vcpu
        p = get_ioreq(s, curr);   @get_ioreq
        if (p->state != STATE_IOREQ_NONE) {   @check_state
            printk("Device model set bad IO state %d.\n", p->state);   @bad_state
            goto crash;   @bad_state_goto
        }
        if (p->vp_eport != sv->ioreq_evtchn) {   /* the slot must name this vcpu's port (125833f5f1; reverted, no check and the slot's vp_eport is the port used) */   @check_port
            printk("Device model set bad event channel %d.\n", p->vp_eport);   @bad_port
            goto crash;   @bad_port_goto
        }
        proto_p->state = STATE_IOREQ_NONE;   @copy
        proto_p->vp_eport = sv->ioreq_evtchn;   @copy_port
        *p = *proto_p;   @copy_slot
        prepare_wait_on_xen_event_channel(sv->ioreq_evtchn);   @prepare_wait
        p->state = STATE_IOREQ_READY;   @ready
        notify_via_xen_event_channel(d, sv->ioreq_evtchn);   @notify
        break;   @found_break
    }
    return 1;   /* also when the vcpu is not in the server's list: nothing was sent */   @ret
 crash:   @crash
    domain_crash(d);   @domain_crash
    return 0;   @crash_ret
}

@fn hvm_complete_assist_req
static bool_t hvm_complete_assist_req(ioreq_t *p)
{
    /* nobody takes it: Xen answers at once */
    switch (p->type) {   @type
    case IOREQ_TYPE_COPY:
    case IOREQ_TYPE_PIO:
        if (p->dir == IOREQ_READ) p->data = ~0UL;   /* reads see all-ones */   @read_ones
        /* and on into the default case */
    default:
        p->state = STATE_IORESP_READY;   @resp_ready
        hvm_io_assist(p);   /* on the request itself, not on a slot */   @assist
        break;   @assist_break
    }
    return 1;   @ret
}

@fn hvm_send_assist_req
bool_t hvm_send_assist_req(ioreq_t *p)
{
    struct hvm_ioreq_server *s = hvm_select_ioreq_server(current->domain, p);   @select

    if (!s) return hvm_complete_assist_req(p);   @selected
    return hvm_send_assist_req_to_ioreq_server(s, p);   @to_server
}

@fn hvm_broadcast_assist_req
void hvm_broadcast_assist_req(ioreq_t *p)
{
    ASSERT(p->type == IOREQ_TYPE_INVALIDATE);   @walk
    /* every server, enabled or not; what each returns is ignored */
    list_for_each_entry (s, &current->domain->arch.hvm_domain.ioreq_server.list, list_entry)   @for_each_server
        (void)hvm_send_assist_req_to_ioreq_server(s, p);   @server
}

@fn hvmop_lock_target
/* the start every ioreq-server hypercall shares (not a function of its own in Xen) */
static int hvmop_lock_target(domid_t domid, struct domain **d)
{
    rc = rcu_lock_remote_domain_by_id(domid, d);   /* -ESRCH, or -EPERM for the caller's own domain */   @lookup
    if (rc) return rc;   @check_lookup
    if (!is_hvm_domain(*d)) return -EINVAL;   @is_hvm
    return xsm_hvm_ioreq_server(XSM_DM_PRIV, *d);   /* its device-model domain, or the privileged one */   @xsm
}

@fn hvmop_create_ioreq_server
static int hvmop_create_ioreq_server(xen_hvm_create_ioreq_server_t *op)
{
    if ((rc = hvmop_lock_target(op->domid, &d))) return rc;   @lock_target
    /* the caller's domain is the one the server notifies */
    return hvm_create_ioreq_server(d, current->domain->domain_id, 0, !!op->handle_bufioreq, &op->id);   @create
}

@fn hvmop_get_ioreq_server_info
static int hvmop_get_ioreq_server_info(xen_hvm_get_ioreq_server_info_t *op)
{
    if ((rc = hvmop_lock_target(op->domid, &d))) return rc;   @lock_target
    return hvm_get_ioreq_server_info(d, op->id, &op->ioreq_pfn, &op->bufioreq_pfn, &op->bufioreq_port);   @info
}

@fn hvmop_io_range
/* HVMOP_map_io_range_to_ioreq_server and HVMOP_unmap_io_range_from_ioreq_server */
static int hvmop_io_range(bool_t map, xen_hvm_io_range_t *op)
{
    if ((rc = hvmop_lock_target(op->domid, &d))) return rc;   @lock_target
    return map ? hvm_map_io_range_to_ioreq_server(d, op->id, op->type, op->start, op->end)   @range
               : hvm_unmap_io_range_from_ioreq_server(d, op->id, op->type, op->start, op->end);
}

@fn hvmop_set_ioreq_server_state
static int hvmop_set_ioreq_server_state(xen_hvm_set_ioreq_server_state_t *op)
{
    if ((rc = hvmop_lock_target(op->domid, &d))) return rc;   @lock_target
    return hvm_set_ioreq_server_state(d, op->id, !!op->enabled);   @state
}

@fn hvmop_destroy_ioreq_server
static int hvmop_destroy_ioreq_server(xen_hvm_destroy_ioreq_server_t *op)
{
    if ((rc = hvmop_lock_target(op->domid, &d))) return rc;   @lock_target
    return hvm_destroy_ioreq_server(d, op->id);   @destroy
}

@fn do_hvm_op
long do_hvm_op(unsigned long op, void *arg)
{
    switch (op) {   @op
    case HVMOP_create_ioreq_server:              return hvmop_create_ioreq_server(arg);   @create
    case HVMOP_get_ioreq_server_info:            return hvmop_get_ioreq_server_info(arg);   @info
    case HVMOP_map_io_range_to_ioreq_server:     return hvmop_io_range(1, arg);   @map_range
    case HVMOP_unmap_io_range_from_ioreq_server: return hvmop_io_range(0, arg);   @unmap_range
    case HVMOP_set_ioreq_server_state:           return hvmop_set_ioreq_server_state(arg);   @set_state
    case HVMOP_destroy_ioreq_server:             return hvmop_destroy_ioreq_server(arg);   @destroy
    case HVMOP_set_param:
    case HVMOP_get_param:                        return do_hvm_op_param(op, arg);   @param
    default:                                     return -ENOSYS;   @enosys
    }
}

@fn do_hvm_op_param
/* the HVMOP_set_param / HVMOP_get_param case of do_hvm_op */
static long do_hvm_op_param(unsigned long op, struct xen_hvm_param *a)
{
    if (a->index >= HVM_NR_PARAMS) return -EINVAL;   @index
    d = rcu_lock_domain_by_any_id(a->domid);   @lookup
    if (d == NULL) return -ESRCH;   @check_d
    if (!is_hvm_domain(d)) return -EINVAL;   @is_hvm
    if ((rc = xsm_hvm_param(XSM_TARGET, d, op))) return rc;   @xsm

    if (op == HVMOP_set_param) {   @is_set
        rc = 0;   @set_rc
        switch (a->index) {   @set_switch
        case HVM_PARAM_TIMER_MODE:     if (a->value > HVMPTM_one_missed_tick_pending) rc = -EINVAL; break;   @timer_mode
        case HVM_PARAM_VIRIDIAN:       /* once, by the tools, with the base bit and known features */ break;   @viridian
        case HVM_PARAM_IDENT_PT:       /* once, not by the guest; stored under a pause */ break;   @ident_pt
        case HVM_PARAM_DM_DOMAIN:
            rc = -EPERM;   @dm_domain
            if (current->domain == d) break;   @dm_self
            if (a->value == DOMID_SELF) a->value = current->domain->domain_id;   @dm_domid_self
            rc = hvm_set_dm_domain(d, a->value);   /* nothing to do yet without a default server */   @set_dm_domain
            break;   @dm_break
        case HVM_PARAM_ACPI_S_STATE:   /* 3 suspends, 0 resumes, not by the guest */ break;   @acpi_s_state
        case HVM_PARAM_BUFIOREQ_EVTCHN: rc = -EINVAL; break;   @bufioreq_evtchn
        case HVM_PARAM_TRIPLE_FAULT_REASON: if (a->value > SHUTDOWN_MAX) rc = -EINVAL; break;   @triple_fault_reason
        case HVM_PARAM_IOREQ_SERVER_PFN:
            if (d == current->domain) { rc = -EPERM; break; }   @ioreq_server_pfn
            d->arch.hvm_domain.ioreq_gmfn.base = a->value;   @pool_base
            break;   @pool_base_break
        case HVM_PARAM_NR_IOREQ_SERVER_PAGES:
            if (d == current->domain) { rc = -EPERM; break; }   @nr_ioreq_server_pages
            if (a->value == 0 || a->value > BITS_PER_LONG) { rc = -EINVAL; break; }   @nr_pages_range
            /* bits are set, never cleared here (the model sets them all in one stop) */
            for (i = 0; i < a->value; i++) set_bit(i, &d->arch.hvm_domain.ioreq_gmfn.mask);   @set_bits
            break;   @nr_pages_break
        }
        if (rc == 0) d->arch.hvm_domain.params[a->index] = a->value;   @store
        return rc;   @set_ret
    }

    switch (a->index) {   @get_switch
    case HVM_PARAM_ACPI_S_STATE:
        a->value = d->arch.hvm_domain.is_s3_suspended ? 3 : 0;   @get_s_state
        break;   @get_s_state_break
    case HVM_PARAM_IOREQ_SERVER_PFN:
    case HVM_PARAM_NR_IOREQ_SERVER_PAGES:
        if (d == current->domain) { rc = -EPERM; break; }   /* overwritten below: the caller sees 0 */   @pool_param
        /* and on into the next case */
    case HVM_PARAM_IOREQ_PFN:
    case HVM_PARAM_BUFIOREQ_PFN:
    case HVM_PARAM_BUFIOREQ_EVTCHN:
        /* the first read makes the default server, served by DM_DOMAIN's domain, not the caller */
        rc = hvm_create_ioreq_server(d, d->arch.hvm_domain.params[HVM_PARAM_DM_DOMAIN], 1, 1, NULL);   @create
        if (rc != 0 && rc != -EEXIST) return rc;   @create_rc
        /* and on into the default case */
    default:
        a->value = d->arch.hvm_domain.params[a->index];   @get_value
        break;   @get_break
    }
    rc = copy_to_guest(arg, a) ? -EFAULT : 0;   @got
    return rc;   @ret
}
