/* 4.21/dm/virtio-mmio.c: the model's virtio-mmio backend on Arm, as the debugger shows it. It is the pattern today's
 * Arm backends follow over libxendevicemodel (xen-vhost-frontend, virtio-disk), not one project's file.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model (src/model/dm/virtio-mmio.ts). `be` is the model's device model. */

@fn virtio_backend_init
@names be=dm
/* The backend's set-up: a server without buffering (Arm's create refuses buffering with -EINVAL; `bufioreq` lets a
 * scenario ask anyway), frame_ioreq(0) through acquire_resource (Arm has no legacy gfn pages), the device's MMIO
 * window GUEST_VIRTIO_MMIO_BASE + 0x200 mapped, the server enabled, then each vcpu's port bound. */
static int virtio_backend_init(struct backend *be, int bufioreq)
{
    void *pages[1];
    int rc, i;

    rc = xendevicemodel_create_ioreq_server(be->dmod, be->domid, bufioreq, &be->ioservid); if ( rc < 0 ) return rc;   @create
    rc = xenforeignmemory_map_resource(be->fmem, be->domid, XENMEM_resource_ioreq_server, be->ioservid, XENMEM_resource_ioreq_server_frame_ioreq(0), 1, pages, PROT_READ | PROT_WRITE, 0); if ( rc < 0 ) return rc; be->shared_page = pages[0];   @map
    rc = xendevicemodel_map_io_range_to_ioreq_server(be->dmod, be->domid, be->ioservid, 1 /* MMIO */, GUEST_VIRTIO_MMIO_BASE, GUEST_VIRTIO_MMIO_BASE + 0x200 - 1); if ( rc < 0 ) return rc;   @range
    rc = xendevicemodel_set_ioreq_server_state(be->dmod, be->domid, be->ioservid, 1); if ( rc < 0 ) return rc;   @enable
    for ( i = 0; i < be->max_cpus; i++ ) { rc = bind_vcpu_port(be, i); if ( rc < 0 ) return rc; } return 0;   @bind
}

@fn virtio_handle_ioreq
@names be=dm r=respond
/* The backend's loop, woken on vcpu i's port: serve_ioreq (tools/libs.c) takes the request, emulates the virtio-mmio
 * register access, answers and notifies. */
static int virtio_handle_ioreq(struct backend *be, int i, const struct respond *r)
{
    return serve_ioreq(be, i, r);   @poll
}
