/*
 * common/io.c: a listing of IOREQ Scope's model of xen/arch/x86/hvm/io.c (completion, the buffered ring, port and
 * MMIO accesses, the time-offset and invalidate requests), after [X44]; the server pointer in
 * hvm_buffered_io_send is inferred for the seed. Written by IOREQ Scope to mirror src/model/xen/hvm-common.ts and
 * hvm-emulate.ts, simplified to what the ioreq path observes; this is not Xen's text.
 */

@fn hvm_io_assist
void hvm_io_assist(ioreq_t *p)
{
    struct vcpu *curr = current;
    struct hvm_vcpu_io *vio = &curr->arch.hvm_vcpu.hvm_io;
    struct cpu_user_regs *regs = guest_cpu_user_regs();
    enum hvm_io_state io_state;

    /* we saw IORESP_READY; read the answer only after that */
    rmb();   @rmb
    p->state = STATE_IOREQ_NONE;

    io_state = vio->io_state;
    vio->io_state = HVMIO_none;

    switch ( io_state )   @switch
    {
    case HVMIO_awaiting_completion:
        /* the emulator picks io_data up when the instruction is retried */
        vio->io_state = HVMIO_completed;
        vio->io_data = p->data;
        break;
    case HVMIO_handle_mmio_awaiting_completion:
        vio->io_state = HVMIO_completed;
        vio->io_data = p->data;
        /* run the instruction again: it finds HVMIO_completed and its destination (rax here) takes io_data */
        (void)handle_mmio();   @handle_mmio
        break;
    case HVMIO_handle_pio_awaiting_completion:
        /* a 4-byte IN zero-extends into rax; narrower ones replace only the low io_size bytes */
        if ( vio->io_size == 4 )
            regs->rax = (uint32_t)p->data;
        else
            memcpy(&regs->rax, &p->data, vio->io_size);
        break;
    default:
        break;
    }

    if ( p->state == STATE_IOREQ_NONE )   @end
    {
        msix_write_completion(curr);
        vcpu_end_shutdown_deferral(curr);
    }
}

@fn hvm_buffered_io_send
int hvm_buffered_io_send(struct vcpu *v, ioreq_t *p)
{
    struct domain *d = v->domain;
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;
    struct hvm_ioreq_page *iorp;
    buffered_iopage_t *pg;
    buf_ioreq_t bp = { .type = p->type, .dir = p->dir, .addr = p->addr, .data = (uint32_t)p->data };
    int qw = 0;

    /* return 0 whenever the caller must take the synchronous path instead */
    if ( !s )   @entry
        return 0;

    iorp = &s->buf_ioreq;
    pg = iorp->va;

    /* a slot holds one direct access below 1MB */
    if ( (p->addr > 0xfffffUL) || p->data_is_ptr || (p->count != 1) )   @limits
        return 0;

    switch ( p->size )   @size
    {
    case 1:
        bp.size = 0;
        break;
    case 2:
        bp.size = 1;
        break;
    case 4:
        bp.size = 2;
        break;
    case 8:
        /* 8 bytes take two slots: the high half goes in the second */
        bp.size = 3;
        qw = 1;
        break;
    default:
        gdprintk(XENLOG_WARNING, "unexpected ioreq size: %u\n", p->size);
        return 0;
    }

    spin_lock(&iorp->lock);

    if ( (pg->write_pointer - pg->read_pointer) >= (IOREQ_BUFFER_SLOT_NUM - qw) )   @full
    {
        spin_unlock(&iorp->lock);
        return 0;
    }

    pg->buf_ioreq[pg->write_pointer % IOREQ_BUFFER_SLOT_NUM] = bp;

    if ( qw )   @copy
    {
        bp.data = p->data >> 32;
        pg->buf_ioreq[(pg->write_pointer + 1) % IOREQ_BUFFER_SLOT_NUM] = bp;
    }

    /* the slots must be visible before the pointer that hands them over */
    wmb();   @copy_hi
    pg->write_pointer += qw ? 2 : 1;

    notify_via_xen_event_channel(d, s->buf_ioreq_evtchn);   @notify
    spin_unlock(&iorp->lock);

    return 1;
}

@fn handle_pio
int handle_pio(struct vcpu *v, uint16_t port, unsigned int size, int dir, uint64_t value)
{
    struct hvm_vcpu_io *vio = &v->arch.hvm_vcpu.hvm_io;
    int rc;

    rc = hvmemul_do_io(v, 0, port, size, dir, value, 0);   @do_pio

    if ( rc == X86EMUL_RETRY && vio->io_state == HVMIO_awaiting_completion )   @rc
        /* a read: hvm_io_assist will put the answer in rax */
        vio->io_state = HVMIO_handle_pio_awaiting_completion;
    else if ( rc == X86EMUL_UNHANDLEABLE )
        hvm_inject_hw_exception(TRAP_gp_fault, 0);

    return rc;
}

@fn handle_mmio
int handle_mmio(struct vcpu *v, paddr_t gpa, unsigned int size, int dir, uint64_t value, bool_t buffered)
{
    struct hvm_vcpu_io *vio = &v->arch.hvm_vcpu.hvm_io;
    int rc;

    vio->mmio_gpa = gpa;   @do_mmio
    rc = hvmemul_do_io(v, 1, gpa, size, dir, value, buffered);

    if ( rc == X86EMUL_RETRY && vio->io_state == HVMIO_awaiting_completion )   @rc
        /* a read: re-emulated after hvm_io_assist, landing in rax */
        vio->io_state = HVMIO_handle_mmio_awaiting_completion;
    else if ( rc == X86EMUL_UNHANDLEABLE )
        hvm_inject_hw_exception(TRAP_gp_fault, 0);

    return rc;
}

@fn send_timeoffset_req
int send_timeoffset_req(struct vcpu *v, int64_t timeoff)
{
    ioreq_t p = {
        .type = IOREQ_TYPE_TIMEOFFSET,
        .size = 8,
        .count = 1,
        .dir = IOREQ_WRITE,
        .data = timeoff,
        .state = STATE_IOREQ_READY,
    };
    int ok;

    if ( timeoff == 0 )   @zero
        return 0;

    /* buffered only: if the ring refuses, the update is lost */
    ok = hvm_buffered_io_send(v, &p);   @send
    if ( !ok )
        gdprintk(XENLOG_INFO, "Unsuccessful timeoffset update\n");

    return ok;
}

@fn send_invalidate_req
int send_invalidate_req(struct vcpu *v)
{
    ioreq_t p = {
        .type = IOREQ_TYPE_INVALIDATE,
        .size = 4,
        .count = 1,
        .dir = IOREQ_WRITE,
        .data = ~0UL, /* flush the whole map cache */
    };
    int sent;

    sent = hvm_send_assist_req(v, &p);   @send
    if ( sent )
        /* nothing comes back to complete */
        v->arch.hvm_vcpu.hvm_io.io_state = HVMIO_dispatched;

    return sent;
}
