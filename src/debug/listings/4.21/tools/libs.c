/* 4.21/tools/libs.c: the libxendevicemodel, libxenforeignmemory and libxenevtchn calls of today's device models
 * (tools/libs/ of RELEASE-4.21.0), as the debugger shows them, and the request loop every device model has.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model (src/model/dm/tools421.ts). Each call takes the model's
 * device model `dm` where the library takes a handle, the target domid and the server id (dm->target,
 * dm->ioservid); an out pointer the library writes is shown as the field of dm it fills. */

@fn as_dm
/* Not a library function: the model runs each hypercall g as the device model's domain (Xen's current is that
 * domain's vcpu 0 for the call, the caller's again after it). No statement of its own to stop on. */
static long as_dm(struct device_model *dm, long (*g)(void))
{
    /* saved = current; current = dm's domain's vcpu[0]; rc = g(); current = saved; return rc; */
}

@fn xendevicemodel_create_ioreq_server
/* xendevicemodel_create_ioreq_server (tools/libs/devicemodel/core.c:168-190 @RELEASE-4.21.0): DMOP 1; on success
 * the new id is written back (dm->ioservid) and the model remembers the buffering asked for. */
int xendevicemodel_create_ioreq_server(struct device_model *dm, int handle_bufioreq)
{
    struct xen_dm_op op;
    int rc;

    op.op = XEN_DMOP_create_ioreq_server; op.u.create_ioreq_server.handle_bufioreq = handle_bufioreq; rc = xendevicemodel_op(dm->dmod, dm->target, 1, &op, sizeof(op)); if ( rc ) return rc; dm->ioservid = op.u.create_ioreq_server.id; return 0;   @dm_op
}

@fn xendevicemodel_get_ioreq_server_info
/* xendevicemodel_get_ioreq_server_info (core.c:192-230 @RELEASE-4.21.0): DMOP 2. A caller that passes no gfn
 * pointers gets XEN_DMOP_no_gfns set (the model's want_gfns is "ioreq_gfn != NULL"); the buffered port comes back
 * either way. */
int xendevicemodel_get_ioreq_server_info(struct device_model *dm, bool want_gfns)
{
    struct xen_dm_op op;
    int rc;

    op.op = XEN_DMOP_get_ioreq_server_info; op.u.get_ioreq_server_info.id = dm->ioservid; op.u.get_ioreq_server_info.flags = want_gfns ? 0 : XEN_DMOP_no_gfns; rc = xendevicemodel_op(dm->dmod, dm->target, 1, &op, sizeof(op)); if ( rc ) return rc; if ( want_gfns ) { dm->ioreq_pfn = op.u.get_ioreq_server_info.ioreq_gfn; dm->bufioreq_pfn = op.u.get_ioreq_server_info.bufioreq_gfn; } dm->bufioreq_remote_port = op.u.get_ioreq_server_info.bufioreq_port; return 0;   @dm_op
}

@fn xendevicemodel_map_io_range
/* xendevicemodel_map_io_range_to_ioreq_server / unmap_io_range_from_ioreq_server (core.c:232-250, 252-270
 * @RELEASE-4.21.0): DMOP 3 or 4 for [start, end] of one type (port, memory or PCI). */
int xendevicemodel_map_io_range(struct device_model *dm, bool map, int type, uint64_t start, uint64_t end)
{
    struct xen_dm_op op;

    op.op = map ? XEN_DMOP_map_io_range_to_ioreq_server : XEN_DMOP_unmap_io_range_from_ioreq_server; op.u.map_io_range_to_ioreq_server = (struct xen_dm_op_ioreq_server_range){ .id = dm->ioservid, .type = type, .start = start, .end = end }; return xendevicemodel_op(dm->dmod, dm->target, 1, &op, sizeof(op));   @dm_op
}

@fn xendevicemodel_set_ioreq_server_state
/* xendevicemodel_set_ioreq_server_state (core.c:377-392 @RELEASE-4.21.0): DMOP 5, enabled 1 or 0. */
int xendevicemodel_set_ioreq_server_state(struct device_model *dm, bool enabled)
{
    struct xen_dm_op op;

    op.op = XEN_DMOP_set_ioreq_server_state; op.u.set_ioreq_server_state.id = dm->ioservid; op.u.set_ioreq_server_state.enabled = !!enabled; return xendevicemodel_op(dm->dmod, dm->target, 1, &op, sizeof(op));   @dm_op
}

@fn xendevicemodel_destroy_ioreq_server
/* xendevicemodel_destroy_ioreq_server (core.c:361-375 @RELEASE-4.21.0): DMOP 6; the model forgets the id
 * (dm->ioservid = -1) once Xen has destroyed the server. */
int xendevicemodel_destroy_ioreq_server(struct device_model *dm)
{
    struct xen_dm_op op;
    int rc;

    op.op = XEN_DMOP_destroy_ioreq_server; op.u.destroy_ioreq_server.id = dm->ioservid; rc = xendevicemodel_op(dm->dmod, dm->target, 1, &op, sizeof(op)); if ( rc == 0 ) dm->ioservid = -1; return rc;   @dm_op
}

@fn xenforeignmemory_map_resource
/* xenforeignmemory_map_resource (tools/libs/foreignmemory/core.c:140 @RELEASE-4.21.0) of the server's frames
 * [frame, frame + nr): IOCTL_PRIVCMD_MMAP_RESOURCE, which is XENMEM_acquire_resource in Xen. The library returns a
 * resource handle (NULL and errno on failure); the model returns the rc and the pages in out. A device model on a
 * kernel or Xen without the ioctl gets EOPNOTSUPP (the scenario's resource_unsupported). */
int xenforeignmemory_map_resource(struct device_model *dm, unsigned int frame, unsigned int nr, void **out)
{
    int rc;

    if ( dm->resource_unsupported ) return -EOPNOTSUPP; rc = ioctl(dm->fmem->fd, IOCTL_PRIVCMD_MMAP_RESOURCE, &(struct privcmd_mmap_resource){ .dom = dm->target, .type = XENMEM_resource_ioreq_server, .id = dm->ioservid, .idx = frame, .num = nr });   @privcmd
    return rc; /* on success each page counts one more foreign mapping */   @mapped
}

@fn xenforeignmemory_map
/* xenforeignmemory_map (foreignmemory/core.c:120 @RELEASE-4.21.0) of one guest frame, the legacy gfn path: NULL
 * when the target has no page there. */
void *xenforeignmemory_map(struct device_model *dm, xen_pfn_t gfn)
{
    struct domain *d;
    void *pg;

    d = dm->target_domain; pg = d && gfn >= 0 ? privcmd_mmapbatch(dm->fmem, dm->target, PROT_READ | PROT_WRITE, &gfn, 1) : NULL; return pg;   @map
}

@fn bind_vcpu_port
/* Binding vcpu i's port: the port number Xen wrote in vcpu i's slot (vp_eport), then xenevtchn_bind_interdomain
 * (tools/libs/evtchn/linux.c:90 @RELEASE-4.21.0), whose local port is kept in ioreq_local_port[i]. */
static int bind_vcpu_port(struct device_model *dm, int i)
{
    evtchn_port_t port;
    int rc;

    if ( !dm->shared_page ) return -EINVAL; port = dm->shared_page->vcpu_ioreq[i].vp_eport;   @read_eport
    rc = xenevtchn_bind_interdomain(dm->xce, dm->target, port); if ( rc >= 0 ) dm->ioreq_local_port[i] = rc; return rc < 0 ? rc : 0;   @bind
}

@fn bind_buf_port
/* Binding the buffered port get_info returned (bufioreq_remote_port) with xenevtchn_bind_interdomain
 * (evtchn/linux.c:90 @RELEASE-4.21.0). */
static int bind_buf_port(struct device_model *dm)
{
    int rc;

    rc = xenevtchn_bind_interdomain(dm->xce, dm->target, dm->bufioreq_remote_port); if ( rc >= 0 ) dm->bufioreq_local_port = rc; return rc < 0 ? rc : 0;   @bind
}

@fn serve_ioreq
@names r=respond
/* Serving one synchronous request, the loop every device model has (QEMU's cpu_handle_ioreq, varstored's
 * varstored_poll_iopage): the port's pending bit cleared, a READY slot marked INPROCESS, the access emulated (a read
 * answered in data, a write kept by the device), IORESP_READY, then the vcpu's port notified. r is the scenario's
 * answer: the data a read returns, and whether the notify is sent. */
static int serve_ioreq(struct device_model *dm, int i, const struct respond *r)
{
    struct shared_iopage *pg;
    evtchn_port_t lport;
    unsigned int off;
    uint8_t state;
    ioreq_t req;
    uint64_t addr;

    pg = dm->shared_page; if ( !pg || dm->dead ) return -EINVAL;   @pending
    lport = dm->ioreq_local_port[i]; xenevtchn_clear_pending(dm->xce, lport); off = i * sizeof(ioreq_t); state = pg->vcpu_ioreq[i].state; if ( state != STATE_IOREQ_READY ) return 0; pg->vcpu_ioreq[i].state = STATE_IOREQ_INPROCESS; req = pg->vcpu_ioreq[i];   @check_ready
    addr = req.addr; if ( !req.data_is_ptr ) { if ( req.dir == IOREQ_READ ) pg->vcpu_ioreq[i].data = device_read(dm, &req, r->data); else device_write(dm, &req); } pg->vcpu_ioreq[i].state = STATE_IORESP_READY;   @emulate
    if ( r->notify ) xenevtchn_notify(dm->xce, lport); return 1;   @notify
}
