/* 4.21/common/memory.c: the model's xen/common/memory.c of RELEASE-4.21.0 (acquire_resource), as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn acquire_ioreq_server
@names mfn_list=out
/* acquire_ioreq_server (memory.c:1166-1199 @RELEASE-4.21.0): an HVM target and a 16-bit server id, then
 * ioreq_server_get_frame for each frame asked for; the number of frames on success. */
static int acquire_ioreq_server(struct domain *d, unsigned int id, unsigned int frame, unsigned int nr_frames, xen_pfn_t mfn_list[])
{
    unsigned int i;
    int rc;

    if ( !is_hvm_domain(d) ) return -EINVAL; if ( id != (ioservid_t)id ) return -EINVAL;   @hvm
    for ( i = 0; i < nr_frames; i++ ) { mfn_t mfn; if ( (rc = ioreq_server_get_frame(d, id, frame + i, &mfn)) != 0 ) return rc; mfn_list[i] = mfn_x(mfn); }   @frame
    /* every frame (the same step as the last): return nr_frames; */
}

@fn acquire_resource
/* acquire_resource (memory.c:1250-1390 @RELEASE-4.21.0), for XENMEM_resource_ioreq_server: pad, frame bounds, the
 * target (not oneself; XSM_DM_PRIV: dom0 or the domain whose device model the caller is), the resource's size (one
 * ring frame and the synchronous pages of all vcpus), then the frames. */
static int acquire_resource(XEN_GUEST_HANDLE_PARAM(xen_mem_acquire_resource_t) arg, unsigned long start_extent, unsigned int *done)
{
    struct xen_mem_acquire_resource xmar;
    struct domain *currd;
    struct domain *d;
    unsigned int max;   /* Xen's max_frames */
    int rc;

    currd = current->domain; if ( xmar.pad != 0 ) return -EINVAL; if ( xmar.frame + xmar.nr_frames < xmar.frame ) return -EINVAL;   @pad
    if ( (rc = rcu_lock_remote_domain_by_id(xmar.domid, &d)) != 0 ) return rc;   @lookup
    if ( (rc = xsm_domain_resource_map(XSM_DM_PRIV, d)) != 0 ) goto out;   @xsm
    if ( (max = resource_max_frames(d, xmar.type, xmar.id)) == 0 || xmar.nr_frames == 0 ) { rc = -EINVAL; goto out; } rc = _acquire_resource(d, xmar.type, xmar.id, xmar.frame, xmar.nr_frames, mfn_list);   @max_frames
    rc = rc < 0 ? rc : 0; rcu_unlock_domain(d); return rc;   @done
}

@fn guest_remove_page
/* guest_remove_page (memory.c:318-453 @RELEASE-4.21.0) down to p2m_remove_entry (x86 mm/p2m.c:533-592): a RAM frame
 * leaves the p2m and, since a device model may have it mapped, asks for a map-cache flush (p2m.c:569); a frame with
 * no RAM is -ENOENT. */
int guest_remove_page(struct domain *d, unsigned long gmfn)
{
    if ( !mfn_valid(mfn = get_gfn_query(d, gmfn, &p2mt)) ) return -ENOENT;   @lookup
    ioreq_request_mapcache_invalidate(d); guest_physmap_remove_page(d, _gfn(gmfn), mfn, 0); return 0;   @removed
}

@fn decrease_reservation
/* decrease_reservation (memory.c:455-524 @RELEASE-4.21.0) for one extent of order 0, the guest's own (a balloon
 * driver giving a frame back): nr_done is 1 when the frame went, 0 when guest_remove_page failed. */
static void decrease_reservation(struct memop_args *a)
{
    a->nr_done = guest_remove_page(a->domain, gmfn) == 0 ? 1 : 0;   @extent
}
