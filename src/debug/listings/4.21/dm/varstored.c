/* 4.21/dm/varstored.c: the model's varstored (xapi-project/varstored@53277ff), its ioreq set-up and loop, as the
 * debugger shows it. Written for IOREQ Scope in its own words; the facts (names, order, checks, return values)
 * follow the source cited beside each function in the TypeScript model (src/model/dm/varstored.ts). varstored keeps
 * its handles in globals; the model keeps them in its device model, shown here as `vs`. */

@fn varstored_initialize
@names vs=dm
/* varstored_initialize (varstored.c:393-445 @53277ff): a server with no buffered ring, only frame_ioreq(0) mapped,
 * the server enabled, each vcpu's port bound, then io_port_initialize maps its one port range, IO_PORT_ADDRESS
 * 0x100 to 0x103 (io_port.h). */
static int varstored_initialize(struct varstored *vs)
{
    void *pages[1];
    int rc, i;

    rc = xendevicemodel_create_ioreq_server(vs->dmod, vs->domid, HVM_IOREQSRV_BUFIOREQ_OFF, &vs->ioservid); if ( rc < 0 ) { ERR("Failed to create ioreq server"); return rc; }   @create
    rc = xenforeignmemory_map_resource(vs->fmem, vs->domid, XENMEM_resource_ioreq_server, vs->ioservid, XENMEM_resource_ioreq_server_frame_ioreq(0), 1, pages, PROT_READ | PROT_WRITE, 0); if ( rc < 0 ) { ERR("Failed to map ioreq server resources"); return rc; } vs->shared_page = pages[0];   @map
    rc = xendevicemodel_set_ioreq_server_state(vs->dmod, vs->domid, vs->ioservid, 1); if ( rc < 0 ) { ERR("Failed to set ioreq server state"); return rc; }   @enable
    for ( i = 0; i < vs->max_cpus; i++ ) { rc = bind_vcpu_port(vs, i); if ( rc < 0 ) return rc; }   @bind
    return xendevicemodel_map_io_range_to_ioreq_server(vs->dmod, vs->domid, vs->ioservid, 0 /* port */, IO_PORT_ADDRESS, IO_PORT_ADDRESS + 3);   @io_port
}

@fn varstored_poll_iopage
@names vs=dm r=respond
/* varstored_poll_iopage: vcpu i's slot served by serve_ioreq (tools/libs.c): take, handle the port access, answer,
 * notify. */
static int varstored_poll_iopage(struct varstored *vs, int i, const struct respond *r)
{
    return serve_ioreq(vs, i, r);   @poll
}
