/* 4.21/dm/virtio-mmio.c: the model's a virtio-mmio backend on Arm, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn virtio_backend_init
/* The backend's setup; `bufioreq` lets a test ask for buffering (which Arm's create refuses with -EINVAL). */
virtio_backend_init(dm, bufioreq)
{
    create;  @create
    map;  @map
    range;  @range
    enable;  @enable
    bind;  @bind
}

@fn virtio_handle_ioreq
/* The backend's ioreq loop for vcpu i. */
virtio_handle_ioreq(dm, i, respond)
{
    poll;  @poll
}
