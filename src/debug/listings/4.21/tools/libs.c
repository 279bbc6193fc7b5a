/* 4.21/tools/libs.c: the model's the libxendevicemodel / libxenforeignmemory / libxenevtchn calls of today's device models, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn as_dm
/* Runs as the device model's domain: Xen's current->domain during its hypercalls. */
as_dm(dm, g)
{
}

@fn xendevicemodel_create_ioreq_server
/* xendevicemodel_create_ioreq_server (tools/libs/devicemodel/core.c): DMOP 1. */
xendevicemodel_create_ioreq_server(dm, handleBufioreq)
{
    dm op;  @dm_op
}

@fn xendevicemodel_get_ioreq_server_info
/* xendevicemodel_get_ioreq_server_info: DMOP 2; without pfn pointers the call sets XEN_DMOP_no_gfns. */
xendevicemodel_get_ioreq_server_info(dm, wantGfns)
{
    dm op;  @dm_op
}

@fn xendevicemodel_map_io_range
/* xendevicemodel_map_io_range_to_ioreq_server / unmap_io_range_from_ioreq_server: DMOP 3 / 4. */
xendevicemodel_map_io_range(dm, map, type, start, end)
{
    dm op;  @dm_op
}

@fn xendevicemodel_set_ioreq_server_state
/* xendevicemodel_set_ioreq_server_state: DMOP 5. */
xendevicemodel_set_ioreq_server_state(dm, enabled)
{
    dm op;  @dm_op
}

@fn xendevicemodel_destroy_ioreq_server
/* xendevicemodel_destroy_ioreq_server: DMOP 6. */
xendevicemodel_destroy_ioreq_server(dm)
{
    dm op;  @dm_op
}

@fn xenforeignmemory_map_resource
/* xenforeignmemory_map_resource of the server's frames [frame, frame + nr): the pages as the DM maps them. */
xenforeignmemory_map_resource(dm, frame, nr, out)
{
    privcmd;  @privcmd
    mapped;  @mapped
}

@fn xenforeignmemory_map
/* xenforeignmemory_map of one guest frame (the legacy gfn path). */
xenforeignmemory_map(dm, gfn)
{
    map;  @map
}

@fn bind_vcpu_port
/* xenevtchn_bind_interdomain for vcpu i's port, read from vcpu i's slot (vp_eport). */
bind_vcpu_port(dm, i)
{
    read eport;  @read_eport
    bind;  @bind
}

@fn bind_buf_port
/* xenevtchn_bind_interdomain for the buffered port get_info returned. */
bind_buf_port(dm)
{
    bind;  @bind
}

@fn serve_ioreq
/* Serving one synchronous request, the loop every device model has (QEMU cpu_handle_ioreq, varstored varstored_poll_iopage): READY -> INPROCESS, emulate, IORESP_READY, notify the vcpu's port. */
serve_ioreq(dm, i, respond)
{
    pending;  @pending
    check ready;  @check_ready
    emulate;  @emulate
    notify;  @notify
}
