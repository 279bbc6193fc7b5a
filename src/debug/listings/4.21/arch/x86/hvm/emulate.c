/* 4.21/arch/x86/hvm/emulate.c: the model's xen/arch/x86/hvm/emulate.c and io.c of RELEASE-4.21.0, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn stdvga_mem_write
/* stdvga_mem_write (stdvga.c:49-67 @RELEASE-4.21.0): a single VGA write goes to its server buffered. */
static int stdvga_mem_write(const struct hvm_io_handler *handler, uint64_t addr, uint32_t size, uint64_t data)
{
    struct ioreq_server *srv;
    ioreq_t p;

    p = (ioreq_t){ .type = IOREQ_TYPE_COPY, .addr = addr, .size = size, .count = 1, .dir = IOREQ_WRITE, .data = data }; if ( (srv = ioreq_server_select(current->domain, &p)) == NULL ) return X86EMUL_UNHANDLEABLE; return ioreq_send(srv, &p, true);   @select
}

@fn hvm_io_intercept
/* hvm_io_intercept (x86 hvm/intercept.c @RELEASE-4.21.0) with the internal handlers the model has: the CF8 portio
 * handler for 0xcf8-0xcfb (x86 ioreq.c:323-326; hvm_portio_accept, intercept.c:66-75, takes an access wholly inside
 * them, which latches and falls through) and stdvga's accept (a single direct VGA write, stdvga.c:69-82). */
int hvm_io_intercept(ioreq_t *p)
{
    if ( p->type == IOREQ_TYPE_PIO && p->addr >= 0xcf8 && p->addr + p->size <= 0xcfc ) return hvm_access_cf8(p->dir, p->addr, p->size, &p->data); if ( stdvga_mem_accept(p) ) return stdvga_mem_write(p->addr, p->size, p->data); return X86EMUL_UNHANDLEABLE;   @handlers
}

@fn hvmemul_do_io
/* hvmemul_do_io (emulate.c:212-470 @RELEASE-4.21.0): a re-issued access takes its answer from vio->req (and must be
 * the access it was: else the domain is crashed); a new one goes through the internal intercepts, then to the
 * p2m_ioreq_server holder or ioreq_server_select's pick, then ioreq_send, or to the null handler (reads all-ones,
 * writes dropped). The model's v is Xen's curr, its count is *reps, and io->data is what data points to. */
static int hvmemul_do_io(bool is_mmio, paddr_t addr, unsigned long *reps, unsigned int size, uint8_t dir, bool df, bool data_is_addr, uintptr_t data)
{
    struct domain *d;
    struct vcpu_io *vio;
    struct ioreq_server *s;
    ioreq_t p;
    int rc;

    d = v->domain; vio = &v->io; p = (ioreq_t){ .type = is_mmio ? IOREQ_TYPE_COPY : IOREQ_TYPE_PIO, .addr = addr, .size = size, .count = *reps, .dir = dir, .df = df, .data = data_is_addr ? data : 0, .data_is_ptr = data_is_addr, .state = STATE_IOREQ_READY }; if ( size > sizeof(p.data) || (size & (size - 1)) ) { gdprintk(XENLOG_WARNING, "bad mmio size %d\n", size); return X86EMUL_UNHANDLEABLE; }   @size
    switch ( vio->req.state ) { case STATE_IOREQ_NONE: break; case STATE_IORESP_READY: vio->req.state = STATE_IOREQ_NONE; p = vio->req; break; default: return X86EMUL_UNHANDLEABLE; }   @req_state
    if ( p.type != (is_mmio ? IOREQ_TYPE_COPY : IOREQ_TYPE_PIO) || p.addr != addr || p.size != size || p.count > *reps || p.dir != dir || p.df != df || p.data_is_ptr != data_is_addr ) domain_crash(d); if ( data_is_addr ) return X86EMUL_UNHANDLEABLE; if ( dir == IOREQ_READ ) io->data = p.data; return X86EMUL_OKAY;   @reissue
    if ( dir == IOREQ_WRITE && !data_is_addr ) p.data = io->data; vio->req = p; vio->suspended = false; rc = hvm_io_intercept(&p);   @intercept
    /* X86EMUL_OKAY from an intercept: vio->req.state = STATE_IOREQ_NONE; X86EMUL_UNHANDLEABLE: an emulator's turn. */
    /* An MMIO access to a page typed p2m_ioreq_server goes to the server holding the type (none: X86EMUL_RETRY). */
    if ( (s = p2m_get_ioreq_server(d, &flags)) == NULL ) { vio->req.state = STATE_IOREQ_NONE; return X86EMUL_RETRY; }   @p2m_ioreq_server
    if ( !s ) s = ioreq_server_select(d, &p); if ( !s ) { rc = hvm_process_io_intercept(&null_handler, &p); vio->req.state = STATE_IOREQ_NONE; }   @selected
    rc = ioreq_send(s, &p, false);   @send
    if ( rc != X86EMUL_OKAY ) return rc; if ( dir == IOREQ_READ && !data_is_addr ) io->data = p.data; return X86EMUL_OKAY;   @rc
}

@fn hvmemul_do_io_sent
/* hvmemul_do_io after ioreq_send (emulate.c:441-445 @RELEASE-4.21.0), a function of its own in the model only: a
 * request not queued, or one the vcpu was suspended for, leaves vio->req idle; one that needs no answer is done.
 * With b7e0d89788 undone the test is the domain's is_shutting_down instead of vio->suspended. */
static int hvmemul_do_io_sent(struct vcpu *v, int rc)
{
    struct vcpu_io *vio;

    vio = &v->io; if ( rc != X86EMUL_RETRY || vio->suspended ) vio->req.state = STATE_IOREQ_NONE; else if ( !ioreq_needs_completion(&vio->req) ) rc = X86EMUL_OKAY; return rc;   @sent
}

@fn handle_pio
/* handle_pio (hvm/io.c:94-144 @RELEASE-4.21.0): a port access of eax through hvmemul_do_pio_buffer; the status is
 * read by handle_pio_rc. The model's v is Xen's curr, io.data its data. */
bool handle_pio(uint16_t port, unsigned int size, int dir)
{
    int rc;

    io.data = dir == IOREQ_WRITE ? guest_cpu_user_regs()->eax : ~0; rc = hvmemul_do_pio_buffer(port, size, dir, &io.data);   @do_pio
    /* the model only: a scenario can hold the vcpu's CPU right after ioreq_send; the step ends here */
    if ( rc == HELD_AFTER_SEND ) return true;   @held
    return handle_pio_rc(rc);   @pio_rc
}

@fn handle_pio_rc
/* handle_pio after hvmemul_do_pio_buffer (hvm/io.c:110-144 @RELEASE-4.21.0): OKAY loads a read into rax (4 bytes
 * zero-extend, 1 and 2 keep the upper bytes); RETRY leaves RIP when the vcpu was suspended or nothing is pending
 * (b7e0d89788 undone: when the domain is shutting down); anything else crashes the domain. */
static bool handle_pio_rc(uint16_t port, unsigned int size, int dir, int rc)
{
    struct vcpu_io *vio;

    vio = &v->io; if ( ioreq_needs_completion(&vio->req) ) vio->completion = VIO_pio_completion; switch ( rc ) { case X86EMUL_OKAY: if ( dir == IOREQ_READ ) rax_load(size, io.data); break; case X86EMUL_RETRY: if ( vio->suspended || !vcpu_ioreq_pending(v) ) return false; break; default: gprintk(XENLOG_ERR, "Unexpected PIO status %d, port %#x %s 0x%0*x\n", rc, port, dir == IOREQ_WRITE ? "write" : "read", size * 2, io.data & ((1u << (size * 8)) - 1)); domain_crash(v->domain); return false; } return true;   @rc
}

@fn hvm_io_continue
/* Not a C function: the rest of a port access held right after ioreq_send, on the same CPU (hvmemul_do_io's check,
 * then handle_pio's), for the request in vio->req. */
static bool hvm_io_continue(struct vcpu *v)
{
    struct vcpu_io *vio;
    int rc;

    vio = &v->io; rc = vio->held_rc; vio->held_rc = -1;   @continue
    rc = hvmemul_do_io_sent(v, rc); return handle_pio_rc(vio->req.addr, vio->req.size, vio->req.dir, rc);   @sent_rc
}

@fn handle_mmio
/* handle_mmio (asm/hvm/emulate.h:90-93 -> hvm/io.c:53-79 -> _hvm_emulate_one emulate.c:2784-2845 @RELEASE-4.21.0),
 * reduced to a load into or a store from rax (count > 1: a rep string op whose data is a guest buffer). False: the
 * caller injects #GP. */
static bool handle_mmio(paddr_t gpa, unsigned int size, uint8_t dir, unsigned long count, bool df)
{
    struct vcpu_io *vio;
    bool rep;
    int rc;

    vio = &v->io; rep = count > 1; io.data = rep ? 0 : dir == IOREQ_WRITE ? guest_cpu_user_regs()->rax : 0; rc = hvmemul_do_io(true, gpa, &count, size, dir, df, rep, &io.data);   @emulate
    vio->completion = ioreq_needs_completion(&vio->req) ? VIO_mmio_completion : VIO_no_completion; if ( rc == X86EMUL_UNHANDLEABLE ) { hvm_inject_hw_exception(X86_EXC_GP, 0); return false; } if ( rc == X86EMUL_OKAY && dir == IOREQ_READ && !rep ) rax_load(size, io.data); return true;   @rc
}

@fn arch_ioreq_complete_mmio
/* arch_ioreq_complete_mmio (x86 hvm/ioreq.c:28-31 @RELEASE-4.21.0): handle_mmio again, the access re-issued from
 * vio->req. */
bool arch_ioreq_complete_mmio(void)
{
    return handle_mmio(v->io.req.addr, v->io.req.size, v->io.req.dir, v->io.req.count, v->io.req.df);   @reissue
}
