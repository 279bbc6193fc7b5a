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
