/*
 * 4.5/io.c: IOREQ Scope's C-like rendering of its model of Xen 4.5's io.c (RELEASE-4.5.0), following
 * src/model/xen/4.5/io.ts. Written by this project in its own words; it is not Xen's source. The functions 4.5
 * leaves as 4.4 had them (send_timeoffset_req, hvm_io_assist) are in common/io.c.
 */

@fn handle_pio
int handle_pio(uint16_t port, unsigned int size, int dir)
{
    struct hvm_vcpu_io *vio = &current->arch.hvm_vcpu.hvm_io;   @init_vio
    int rc;

    /* hand the port access to the emulator (a second pass when the guest runs the IN again) */
    rc = hvmemul_do_pio(port, size, dir, &data);   @do_pio
    switch (rc) {   @rc
    case X86EMUL_OKAY:
        if (dir == IOREQ_READ) rax = data;   /* 4 bytes zero-extend, narrower ones keep the rest */   @okay_read
        return 1;   @okay_ret
    case X86EMUL_RETRY:
        if (vio->io_state != HVMIO_awaiting_completion)   @check_awaiting
            return 0;   /* not retired: the guest runs the instruction again */   @not_retired
        vio->io_state = HVMIO_handle_pio_awaiting_completion;   @pio_awaiting
        return 1;   @retry_ret
    default:
        printk("Weird HVM ioemulation status %d.\n", rc);   @weird
        domain_crash(current->domain);   @crash
        return 1;   @weird_ret
    }
}

@fn handle_mmio
int handle_mmio(void)
{
    struct hvm_vcpu_io *vio = &current->arch.hvm_vcpu.hvm_io;   @init_vio
    int rc;

    rc = hvm_emulate_one(&ctxt);   /* reaches hvmemul_do_io for the access */   @do_mmio
    if (rc != X86EMUL_RETRY)   @rc
        vio->io_state = HVMIO_none;
    if (vio->io_state == HVMIO_awaiting_completion)   @check_awaiting
        vio->io_state = HVMIO_handle_mmio_awaiting_completion;
    /* a read Xen answered itself is done on the next pass of the same instruction */
    if (rc == X86EMUL_UNHANDLEABLE)   @unhandleable
        return 0;   /* the caller injects #GP */
    hvm_emulate_writeback(&ctxt);   /* a read's value reaches the register */   @writeback
    return 1;   @ret
}

@fn send_invalidate_req
void send_invalidate_req(void)
{
    ioreq_t p = { .type = IOREQ_TYPE_INVALIDATE, .size = 4, .dir = IOREQ_WRITE, .data = ~0UL };   @init_p

    /* every server gets it, whether it is enabled or not */
    hvm_broadcast_assist_req(&p);   @broadcast
}

/* 4.5 leaves these two as 4.4 had them (the same text as common/io.c) */

@fn send_timeoffset_req
int send_timeoffset_req(struct vcpu *v, int64_t timeoff)
{
    ioreq_t p;
    int ok;

    if (timeoff == 0) return 0;   @zero

    /* an 8-byte TIMEOFFSET write, so two slots of the buffered ring */
    memset(&p, 0, sizeof(p));   @memset
    p.type = IOREQ_TYPE_TIMEOFFSET;   @set_type
    p.size = 8;   @set_size
    p.count = 1;   @set_count
    p.dir = IOREQ_WRITE;   @set_dir
    p.data = timeoff;   @set_data
    p.state = STATE_IOREQ_READY;   @set_state

    /* there is no synchronous fallback: if the ring is full, the update is lost */
    ok = hvm_buffered_io_send(v, &p);   @send
    if (!ok) gdprintk(XENLOG_INFO, "Unsuccessful timeoffset update\n");   @check_ok
    return ok;   @ret
}

@fn hvm_io_assist
void hvm_io_assist(ioreq_t *p)
{
    struct vcpu *curr = current;   @init_curr
    struct hvm_vcpu_io *vio = &curr->arch.hvm_vcpu.hvm_io;   @init_vio
    struct cpu_user_regs *regs = guest_cpu_user_regs();   @init_regs
    enum hvm_io_state io_state;

    /* IORESP_READY has been seen: only now is the answer read, and the slot is free again */
    rmb();   @rmb
    p->state = STATE_IOREQ_NONE;   @free_slot

    io_state = vio->io_state;   @read_io_state
    vio->io_state = HVMIO_none;   @clear_io_state

    switch (io_state) {   @switch
    case HVMIO_awaiting_completion:
        /* the retried instruction collects io_data */
        vio->io_state = HVMIO_completed;   @completed
        vio->io_data = p->data;   @io_data
        break;   @completed_break
    case HVMIO_handle_mmio_awaiting_completion:
        vio->io_state = HVMIO_completed;   @mmio_completed
        vio->io_data = p->data;   @mmio_io_data
        /* emulate the instruction once more; it sees HVMIO_completed and rax (its destination here) gets io_data */
        (void)handle_mmio();   @handle_mmio
        break;   @mmio_break
    case HVMIO_handle_pio_awaiting_completion:
        /* four bytes zero-extend into rax; a narrower read replaces just its low io_size bytes (one statement in the model) */
        if (vio->io_size == 4) regs->rax = (uint32_t)p->data; else memcpy(&regs->rax, &p->data, vio->io_size);   @pio_rax
        break;   @pio_break
    default:
        break;   @default_break
    }

    if (p->state == STATE_IOREQ_NONE) {   @end
        msix_write_completion(curr);   /* no MSI-X in the model */   @msix
        vcpu_end_shutdown_deferral(curr);   @end_deferral
    }
}
