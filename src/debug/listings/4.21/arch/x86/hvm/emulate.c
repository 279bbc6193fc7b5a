/* 4.21/arch/x86/hvm/emulate.c: the model's xen/arch/x86/hvm/emulate.c and io.c of RELEASE-4.21.0, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn stdvga_mem_write
/* stdvga_mem_write (stdvga.c:49-67): a single VGA write goes to its server buffered. */
stdvga_mem_write(v, addr, size, data)
{
    select;  @select
}

@fn hvm_io_intercept
/* hvm_io_intercept: (x86 hvm/intercept.c), the internal handlers the model has: the CF8 portio handler (latches and falls through) and stdvga's accept (a single direct VGA write, stdvga.c:69-82). */
hvm_io_intercept(v, p)
{
    handlers;  @handlers
}

@fn hvmemul_do_io
/* hvmemul_do_io: (emulate.c:212-470): a re-issued access takes its answer from vio->req; a new one goes through the intercepts, then ioreq_server_select, then ioreq_send or the null handler. */
hvmemul_do_io(v, isMmio, addr, count, size, dir, df, dataIsAddr, io)
{
    size;  @size
    req state;  @req_state
    reissue;  @reissue
    intercept;  @intercept
    p2m ioreq server;  @p2m_ioreq_server
    selected;  @selected
    send;  @send
    rc;  @rc
}

@fn hvmemul_do_io_sent
/* hvmemul_do_io after ioreq_send (emulate.c:441-445): not queued, or suspended: vio->req idle; no answer needed: done. (b7e0d89788 reverted: the domain's is_shutting_down instead of vio->suspended.) */
hvmemul_do_io_sent(v, rc)
{
    rc != RETRY || suspended ? req idle : needs no completion ? OKAY;  @sent
}

@fn handle_pio
/* handle_pio (hvm/io.c:94-144): a port access of eax; an unusable status crashes the domain. */
handle_pio(v, port, size, dir)
{
    do pio;  @do_pio
    held after ioreq_send? the step ends here;  @held
    handle_pio_rc(rc);  @pio_rc
}

@fn handle_pio_rc
/* handle_pio after hvmemul_do_pio_buffer (hvm/io.c:110-144): OKAY: rax; RETRY: RIP stays only when suspended or nothing is pending (b7e0d89788 reverted: when the domain is shutting down); else crash. */
handle_pio_rc(v, port, size, dir, rc, io)
{
    completion, switch (rc);  @rc
}

@fn hvm_io_continue
/* Not a C function: the rest of a port access held right after ioreq_send, on the same CPU (hvmemul_do_io's check, then handle_pio's). */
hvm_io_continue(v)
{
    rc = held rc;  @continue
    hvmemul_do_io_sent; handle_pio_rc;  @sent_rc
}

@fn handle_mmio
/* handle_mmio: (asm/hvm/emulate.h:90-93 -> hvm/io.c:53-79 -> _hvm_emulate_one emulate.c:2784-2845), reduced to a load into or a store from rax (count > 1: a rep string op whose data is a guest buffer). False: the caller injects #GP. */
handle_mmio(v, gpa, size, dir, count, df)
{
    emulate;  @emulate
    rc;  @rc
}

@fn arch_ioreq_complete_mmio
/* arch_ioreq_complete_mmio (x86 hvm/ioreq.c:28-31): handle_mmio again, the access re-issued from vio->req. */
arch_ioreq_complete_mmio(v)
{
    reissue;  @reissue
}
