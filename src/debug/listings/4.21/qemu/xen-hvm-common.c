/* 4.21/qemu/xen-hvm-common.c: the model's today's QEMU hw/xen/xen-hvm-common.c, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn xen_map_ioreq_server
/* xen_map_ioreq_server: frames 0-1 (or frame 1 alone without buffering); EOPNOTSUPP falls back to the gfns. */
xen_map_ioreq_server(dm)
{
    map resource;  @map_resource
    get info;  @get_info
    map gfns;  @map_gfns
}

@fn xen_do_ioreq_register
/* xen_register_ioreq -> xen_do_ioreq_register: create, map, enable, bind every vcpu's port, bind the buffered one.
 * A failed create is only a warning (QEMU runs on without a server); any later failure ends QEMU. */
xen_do_ioreq_register(dm, bufioreq)
{
    create;  @create
    map;  @map
    enable;  @enable
    bind vcpu;  @bind_vcpu
    bind buf;  @bind_buf
}

@fn xen_hvm_init_failed
/* the err: exit of xen_do_ioreq_register: "xen hardware virtual machine initialisation failed", exit(1),
 * which runs the exit notifier registered at its start */
xen_hvm_init_failed(dm, rc)
{
    exit(1);  @failed
}

@fn xen_map_ranges
/* xen_map_io_section / xen_map_memory_section / xen_map_pcidev: map the ranges the device model emulates. */
xen_map_ranges(dm)
{
    range;  @range
}

@fn cpu_handle_ioreq
/* cpu_handle_ioreq: drain the buffered ring first, then serve vcpu i's request. */
cpu_handle_ioreq(dm, i, respond)
{
    buffered;  @buffered
}

@fn handle_buffered_iopage
/* handle_buffered_iopage: read rdptr, then wrptr, then rdptr again (a torn pair is read again); each entry is handled and the read pointer moved by atomic add; half a quad word is hw_error("Incomplete quad word ..."). */
handle_buffered_iopage(dm)
{
    check;  @check
    pointers;  @pointers
    handle;  @handle
}

@fn xen_exit_notifier
/* xen_exit_notifier: destroy the server, then close the event-channel handle (every port QEMU bound). */
xen_exit_notifier(dm)
{
    destroy;  @destroy
    close evtchn handle;  @evtchn_close
}
