/* 4.21/common/memory.c: the model's xen/common/memory.c of RELEASE-4.21.0 (acquire_resource), as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn acquire_ioreq_server
/* acquire_ioreq_server (memory.c:1166-1199): ioreq_server_get_frame for each frame; nr_frames on success. */
acquire_ioreq_server(d, id, frame, nrframes, out)
{
    hvm;  @hvm
    frame;  @frame
}

@fn acquire_resource
/* acquire_resource: (memory.c:1250-1390), for the ioreq-server type: pad, frame bounds, the target (XSM_DM_PRIV: dom0 or the domain whose device model the caller is), the resource's size, then the frames. */
acquire_resource(xmar, out)
{
    pad;  @pad
    lookup;  @lookup
    xsm;  @xsm
    max frames;  @max_frames
    done;  @done
}

@fn guest_remove_page
/* guest_remove_page: (memory.c:318-453) down to p2m_remove_entry (x86 mm/p2m.c:533-592): a RAM frame leaves the p2m and asks for a map-cache flush (p2m.c:569); no RAM: -ENOENT. */
guest_remove_page(d, gmfn)
{
    look the frame up;  @lookup
    ioreq_request_mapcache_invalidate(d); out of the p2m;  @removed
}

@fn decrease_reservation
/* decrease_reservation: (memory.c:455-524), one extent of order 0: nr_done. */
decrease_reservation(d, gmfn)
{
    guest_remove_page(d, gmfn);  @extent
}
