/* 4.21/arch/arm/io.c: the model's xen/arch/arm/io.c of RELEASE-4.21.0, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn try_handle_mmio
/* try_handle_mmio (io.c:186-234), for an address without a handler of Xen's own (find_mmio_handler NULL). */
enum io_state try_handle_mmio(struct vcpu *v, mmio_info_t *info)
{
    enum io_state rc;
    handler;  @handler
    fwd;  @fwd
    unmapped;  @unmapped
}
