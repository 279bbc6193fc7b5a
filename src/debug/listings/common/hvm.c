/*
 * common/hvm.c: a listing of IOREQ Scope's model of the parts of xen/arch/x86/hvm/hvm.c that both profiles share
 * (the ring mapping helpers and event-channel replacement), after [X44]; the seed leaves them as they were.
 * Written by IOREQ Scope to mirror src/model/xen/hvm-common.ts; this is not Xen's text.
 */

@fn prepare_ring_for_helper
int prepare_ring_for_helper(struct domain *d, unsigned long gmfn, struct page_info **_page, void **_va)
{
    struct page_info *page;
    p2m_type_t p2mt;
    void *va;

    /* a reference on the guest frame, unsharing it if need be */
    page = get_page_from_gfn(d, gmfn, &p2mt, P2M_UNSHARE);
    if ( p2m_is_paging(p2mt) )   @get_page_from_gfn
    {
        /* paged out: have the pager bring it back; the caller may retry */
        p2m_mem_paging_populate(d, gmfn);   @paging
        if ( page )
            put_page(page);
        return -ENOENT;
    }
    if ( p2m_is_shared(p2mt) )
    {
        if ( page )   @shared
            put_page(page);
        return -ENOENT;
    }
    if ( page == NULL )
        return -EINVAL;   @no_page

    /* Xen will write into it */
    if ( !get_page_type(page, PGT_writable_page) )   @get_page_type
    {
        put_page(page);
        return -EINVAL;
    }

    /* a mapping every vcpu can use, whatever address space it runs in */
    va = __map_domain_page_global(page);   @map_global
    if ( va == NULL )
    {
        put_page_and_type(page);
        return -ENOMEM;
    }

    *_va = va;
    *_page = page;
    return 0;
}

@fn destroy_ring_for_helper
void destroy_ring_for_helper(void **_va, struct page_info *page)
{
    void *va = *_va;

    if ( va != NULL )   @check
    {
        unmap_domain_page_global(va);
        put_page_and_type(page);
        *_va = NULL;
    }
}

@fn hvm_replace_event_channel
static int hvm_replace_event_channel(struct vcpu *v, domid_t remote_domid, int *p_port)
{
    int old_port, new_port;

    /* the new port first, so a failure leaves the old one working */
    new_port = alloc_unbound_xen_event_channel(v, remote_domid, NULL);   @alloc
    if ( new_port < 0 )   @check
        return new_port;

    old_port = xchg(p_port, new_port);   @xchg
    free_xen_event_channel(v, old_port);   @free

    return 0;   @ret
}
