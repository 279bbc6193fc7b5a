/*
 * 4.5/emulate.c: IOREQ Scope's C-like rendering of its model of hvmemul_do_io in Xen 4.5 (RELEASE-4.5.0
 * emulate.c), following src/model/xen/4.5/emulate.ts, cut down to what the ioreq path sees. Written by this
 * project in its own words; it is not Xen's source.
 */

@fn hvmemul_do_io
@names curr=v
static int hvmemul_do_io(int is_mmio, paddr_t addr, int size, int dir, void *p_data)
{
    struct vcpu *curr = current;   @init_curr
    struct hvm_vcpu_io *vio = &curr->arch.hvm_vcpu.hvm_io;   @init_vio
    ioreq_t p = { .type = is_mmio ? IOREQ_TYPE_COPY : IOREQ_TYPE_PIO, .addr = addr, .size = size, .dir = dir };   @init_p
    int rc;

    switch (vio->io_state) {   @io_state
    case HVMIO_none:
        break;   @none_break
    case HVMIO_completed:
        /* the answer came earlier: this is the instruction's second pass */
        vio->io_state = HVMIO_none;   @completed_none
        if (p_data == NULL) return X86EMUL_UNHANDLEABLE;   @check_p_data
        memcpy(p_data, &vio->io_data, size);   @finish_access
        return X86EMUL_OKAY;   @completed_ret
    default:
        return X86EMUL_UNHANDLEABLE;   @busy_ret
    }

    /* any server's slot for this vcpu still busy? */
    if (hvm_io_pending(curr)) {   @pending
        printk("WARNING: io already pending?\n");   @pending_printk
        return X86EMUL_UNHANDLEABLE;   @pending_ret
    }

    vio->io_state = (p_data == NULL) ? HVMIO_dispatched : HVMIO_awaiting_completion;   @set_io_state
    vio->io_size = size;   @set_io_size

    /* Xen's own handlers: stdvga buffers MMIO writes; port 0xcf8 latches CF8 and still passes the access on */
    rc = is_mmio ? hvm_buffered_io_intercept(&p) : hvm_portio_intercept(&p);   @intercept
    if (rc == X86EMUL_OKAY) {   @intercept_rc
        /* done inside Xen: a read stdvga answered from its cache completes through hvm_io_assist */
        p.state = STATE_IORESP_READY;   @resp_ready
        if (dir == IOREQ_READ) hvm_io_assist(&p);   /* a write's call would only end the deferral */   @io_assist
        vio->io_state = HVMIO_none;   @intercept_none
        return X86EMUL_OKAY;   @intercept_ret
    }

    if (!hvm_has_dm(curr->domain)) {   /* no server at all */   @has_dm
        vio->io_state = HVMIO_none;   @no_dm_none
        return X86EMUL_OKAY;   /* ignored; a read gets whatever io_data holds */   @no_dm_ret
    }

    rc = X86EMUL_RETRY;   @set_retry
    if (!hvm_send_assist_req(&p))   @send
        vio->io_state = HVMIO_none;   @sent
    else if (p_data == NULL)   @check_write
        rc = X86EMUL_OKAY;
    return rc;   @ret
}
