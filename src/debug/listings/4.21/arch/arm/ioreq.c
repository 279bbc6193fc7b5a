/* 4.21/arch/arm/ioreq.c: the model's xen/arch/arm/ioreq.c of RELEASE-4.21.0, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn handle_ioserv
/* handle_ioserv (arm ioreq.c:16-42): the request is done; a read lands in the register, masked and extended. */
handle_ioserv(v)
{
    write;  @write
    set reg;  @set_reg
}

@fn try_fwd_ioserv
/* try_fwd_ioserv (arm ioreq.c:44-113): one access, df 0, count 1; writes carry only the access's bits. */
enum io_state try_fwd_ioserv(struct vcpu *v, mmio_info_t *info)
{
    struct vcpu_io *vio;
    ioreq_t p;
    struct ioreq_server *s;
    enum io_state rc;
    state;  @state
    select;  @select
    send;  @send
    rc;  @rc
}

@fn arch_ioreq_complete_mmio
/* arch_ioreq_complete_mmio (arm ioreq.c:115-136): handle_ioserv, then advance the pc. */
arch_ioreq_complete_mmio(v)
{
    state;  @state
}

@fn handle_pio
/* Arm has no port I/O: VIO_pio_completion never happens (the common code's call is unreachable). */
handle_pio(v, port, size, dir)
{
    unreachable;  @unreachable
}

@fn arch_ioreq_server_map_pages
/* arch_ioreq_server_map_pages (arm ioreq.c:146-149): the legacy pages are x86 only. */
arch_ioreq_server_map_pages(s)
{
    unsupported;  @unsupported
}

@fn arch_ioreq_server_unmap_pages
/* arch_ioreq_server_unmap_pages / enable / disable / destroy (arm ioreq.c:151-165): nothing on Arm. */
arch_ioreq_server_unmap_pages(s)
{
    nothing;  @nothing
}

@fn arch_ioreq_server_enable
arch_ioreq_server_enable(s)
{
    nothing;  @nothing
}

@fn arch_ioreq_server_disable
arch_ioreq_server_disable(s)
{
    nothing;  @nothing
}

@fn arch_ioreq_server_destroy
arch_ioreq_server_destroy(s)
{
    nothing;  @nothing
}

@fn arch_ioreq_server_map_mem_type
/* arch_ioreq_server_map_mem_type (arm ioreq.c:167-172). */
arch_ioreq_server_map_mem_type(d, s, flags)
{
    unsupported;  @unsupported
}

@fn arch_ioreq_server_destroy_all
/* arch_ioreq_server_destroy_all (arm ioreq.c:180-183). */
arch_ioreq_server_destroy_all(d)
{
    yes;  @yes
}

@fn arch_ioreq_server_get_type_addr
/* arch_ioreq_server_get_type_addr (arm ioreq.c:185-198): no CF8, so never PCI. */
arch_ioreq_server_get_type_addr(d, p)
{
    type;  @type
}
