/* 4.21/arch/arm/ioreq.c: the model's xen/arch/arm/ioreq.c of RELEASE-4.21.0, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn handle_ioserv
/* handle_ioserv (arm ioreq.c:16-42 @RELEASE-4.21.0): the request is done (the vcpu's record back to NONE); a read
 * lands in the register, masked to the access's size and sign-extended as the syndrome says. */
enum io_state handle_ioserv(struct cpu_user_regs *regs, struct vcpu *v)
{
    register_t r;

    r = v->io.req.data; v->io.req.state = STATE_IOREQ_NONE; if ( dabt.write ) return IO_HANDLED;   @write
    r &= GENMASK_ULL((1U << dabt.size) * 8 - 1, 0); r = sign_extend(dabt, r); set_user_reg(regs, dabt.reg, r); return IO_HANDLED;   @set_reg
}

@fn try_fwd_ioserv
/* try_fwd_ioserv (arm ioreq.c:44-113 @RELEASE-4.21.0): one access, df 0, count 1 (a cache maintenance op covers a
 * whole cache line and, once a server claims it, needs nothing more); writes carry only the access's bits. */
enum io_state try_fwd_ioserv(struct cpu_user_regs *regs, struct vcpu *v, mmio_info_t *info)
{
    struct vcpu_io *vio;
    ioreq_t p;
    struct ioreq_server *s;
    enum io_state rc;

    vio = &v->io; p = (ioreq_t){ .type = IOREQ_TYPE_COPY, .addr = info->gpa, .count = 1, .dir = !info->dabt.write, .df = 0, .state = STATE_IOREQ_READY }; if ( vio->req.state != STATE_IOREQ_NONE ) { gdprintk(XENLOG_ERR, "wrong state %u\n", vio->req.state); return IO_ABORT; }   @state
    p.size = info->dabt_instr.state == INSTR_CACHE ? dcache_line_bytes : 1U << info->dabt.size; s = ioreq_server_select(v->domain, &p);   @select
    if ( !s ) return IO_UNHANDLED; if ( info->dabt_instr.state == INSTR_CACHE ) return IO_HANDLED; p.data = p.dir ? 0 : get_user_reg(regs, info->dabt.reg) & GENMASK_ULL((1U << info->dabt.size) * 8 - 1, 0); vio->req = p; vio->suspended = false; vio->info.dabt_instr = info->dabt_instr; /* the model keeps the syndrome (dabt) with it */ rc = ioreq_send(s, &p, 0);   @send
    if ( rc != IO_RETRY || vio->suspended ) vio->req.state = STATE_IOREQ_NONE; else if ( !ioreq_needs_completion(&vio->req) ) rc = IO_HANDLED; else vio->completion = VIO_mmio_completion; return rc;   @rc
}

@fn arch_ioreq_complete_mmio
/* arch_ioreq_complete_mmio (arm ioreq.c:115-136 @RELEASE-4.21.0): handle_ioserv for the answered request, then the
 * pc advanced past the trapped instruction. */
bool arch_ioreq_complete_mmio(void)
{
    if ( v->io.req.state != STATE_IORESP_READY ) { ASSERT_UNREACHABLE(); return false; } if ( handle_ioserv(regs, v) == IO_HANDLED ) { finalize_instr_emulation(&dabt_instr); advance_pc(regs, hsr); return true; } return false;   @state
}

@fn handle_pio
/* Arm has no port I/O: VIO_pio_completion never happens, so the common code's call is unreachable. */
bool handle_pio(uint16_t port, unsigned int size, int dir)
{
    ASSERT_UNREACHABLE(); return false;   @unreachable
}

@fn arch_ioreq_server_map_pages
/* arch_ioreq_server_map_pages (arm ioreq.c:146-149 @RELEASE-4.21.0): the legacy gfn pages are x86 only. */
int arch_ioreq_server_map_pages(struct ioreq_server *s)
{
    return -EOPNOTSUPP;   @unsupported
}

@fn arch_ioreq_server_unmap_pages
/* arch_ioreq_server_unmap_pages (arm ioreq.c:151-153 @RELEASE-4.21.0): nothing on Arm. */
void arch_ioreq_server_unmap_pages(struct ioreq_server *s)
{
    /* nothing */;   @nothing
}

@fn arch_ioreq_server_enable
/* arch_ioreq_server_enable (arm ioreq.c:155-157 @RELEASE-4.21.0): nothing on Arm. */
void arch_ioreq_server_enable(struct ioreq_server *s)
{
    /* nothing */;   @nothing
}

@fn arch_ioreq_server_disable
/* arch_ioreq_server_disable (arm ioreq.c:159-161 @RELEASE-4.21.0): nothing on Arm. */
void arch_ioreq_server_disable(struct ioreq_server *s)
{
    /* nothing */;   @nothing
}

@fn arch_ioreq_server_destroy
/* arch_ioreq_server_destroy (arm ioreq.c:163-165 @RELEASE-4.21.0): nothing on Arm. */
void arch_ioreq_server_destroy(struct ioreq_server *s)
{
    /* nothing */;   @nothing
}

@fn arch_ioreq_server_map_mem_type
/* arch_ioreq_server_map_mem_type (arm ioreq.c:167-172 @RELEASE-4.21.0): no p2m_ioreq_server type on Arm. */
int arch_ioreq_server_map_mem_type(struct domain *d, struct ioreq_server *s, uint32_t flags)
{
    return -EOPNOTSUPP;   @unsupported
}

@fn arch_ioreq_server_destroy_all
/* arch_ioreq_server_destroy_all (arm ioreq.c:180-183 @RELEASE-4.21.0): nothing to undo first. */
bool arch_ioreq_server_destroy_all(struct domain *d)
{
    return true;   @yes
}

@fn arch_ioreq_server_get_type_addr
/* arch_ioreq_server_get_type_addr (arm ioreq.c:185-198 @RELEASE-4.21.0): no CF8, so never PCI config space. */
bool arch_ioreq_server_get_type_addr(const struct domain *d, const ioreq_t *p, uint8_t *type, uint64_t *addr)
{
    if ( p->type != IOREQ_TYPE_COPY && p->type != IOREQ_TYPE_PIO ) return false; *type = p->type == IOREQ_TYPE_PIO ? XEN_DMOP_IO_RANGE_PORT : XEN_DMOP_IO_RANGE_MEMORY; *addr = p->addr; return true;   @type
}
