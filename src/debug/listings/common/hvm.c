/*
 * common/hvm.c: IOREQ Scope's C-like rendering of the pieces of its HVM model that both profiles share (mapping a
 * guest page for Xen's own use, and replacing an event channel), following src/model/xen/4.4/hvm.ts. The seed
 * patch does not touch them; the model follows 4.4. Written by this project in its own words; it is not Xen's
 * source. The model's page flags (paged out, shared, not writable) stand for the p2m and page types tested here.
 */

@fn prepare_ring_for_helper
int prepare_ring_for_helper(struct domain *d, unsigned long gmfn, struct page_info **_page, void **_va)
{
    struct page_info *page;
    p2m_type_t p2mt;
    void *va;

    /* a reference on the guest's frame, unsharing it on the way */
    page = get_page_from_gfn(d, gmfn, &p2mt, P2M_UNSHARE);   @get_page
    if (p2m_is_paging(p2mt)) {   @get_page_from_gfn
        /* paged out: start bringing it back; the caller can try again later */
        p2m_mem_paging_populate(d, gmfn);   @paging
        if (page != NULL) put_page(page);   @paging_put
        return -ENOENT;   @paging_ret
    }
    if (p2m_is_shared(p2mt)) {   @is_shared
        /* still shared after all */
        if (page != NULL) put_page(page);   @shared
        return -ENOENT;   @shared_ret
    }
    if (page == NULL) {   @is_null
        return -EINVAL;   @no_page
    }

    /* Xen is going to write into the page */
    if (!get_page_type(page, PGT_writable_page)) {   @get_page_type
        put_page(page);   @type_put
        return -EINVAL;   @type_ret
    }

    /* mapped for every vcpu, whichever address space it happens to run in */
    va = __map_domain_page_global(page);   @map_global
    if (va == NULL) {   @check_va
        put_page_and_type(page);   @map_put
        return -ENOMEM;   @map_ret
    }

    *_page = page;   @set_page
    *_va = va;   @set_va
    return 0;   @ret
}

@fn destroy_ring_for_helper
void destroy_ring_for_helper(void **_va, struct page_info *page)
{
    void *va = *_va;   @init_va

    /* nothing to undo when the page was never mapped */
    if (va != NULL) {   @check
        unmap_domain_page_global(va);   @unmap
        put_page_and_type(page);   @put
        *_va = NULL;   @clear
    }
}

@fn hvm_replace_event_channel
static int hvm_replace_event_channel(struct vcpu *v, domid_t remote_domid, int *p_port)
{
    int old_port, new_port;

    /* allocate before changing anything: on failure the current port keeps working */
    new_port = alloc_unbound_xen_event_channel(v, remote_domid, NULL);   @alloc
    if (new_port < 0) return new_port;   @check

    old_port = xchg(p_port, new_port);   @xchg
    free_xen_event_channel(v, old_port);   @free
    return 0;   @ret
}
