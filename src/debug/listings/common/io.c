/*
 * common/io.c: IOREQ Scope's C-like rendering of its model of the I/O side of the HVM code (completing an access,
 * the buffered ring, port and MMIO accesses, the time-offset and invalidate requests), following
 * src/model/xen/4.4/io.ts and cut down to what the ioreq path can observe. The model follows
 * 4.4; the server pointer in hvm_buffered_io_send is inferred for the seed. Written by this project in its own
 * words; it is not Xen's source.
 */

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

@fn hvm_buffered_io_send
int hvm_buffered_io_send(struct vcpu *v, ioreq_t *p)
{
    struct domain *d = v->domain;   @init_d
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;   @init_s
    struct hvm_ioreq_page *iorp;
    buffered_iopage_t *pg;
    buf_ioreq_t bp;
    uint32_t rp, wp;
    int size, qw = 0;   @init_qw

    /* a return of 0 sends the caller down the synchronous path */
    if (s == NULL) return 0;   @entry

    iorp = &s->buf_ioreq;   @iorp
    pg = iorp->va;   @pg

    /* a slot can carry one plain access below 1MB, nothing else */
    if (p->addr > 0xfffff || p->data_is_ptr || p->count != 1) return 0;   @limits

    /* slots record the size as a power of two */
    switch (p->size) {   @size
    case 1: size = 0; break;   @size1
    case 2: size = 1; break;   @size2
    case 4: size = 2; break;   @size4
    case 8: size = 3; qw = 1; break;   /* two slots: low half first, then the high half */   @size8
    default:
        gdprintk(XENLOG_WARNING, "unexpected ioreq size: %u\n", p->size);   @bad_size
        return 0;   @bad_size_ret
    }

    /* the slot's fields (the model fills them in one statement) */
    bp.type = p->type; bp.dir = p->dir; bp.size = size; bp.addr = p->addr; bp.data = (uint32_t)p->data;   @bp

    spin_lock(&iorp->lock);   @lock

    rp = pg->read_pointer;   @rp
    wp = pg->write_pointer;   @wp
    if (wp - rp >= IOREQ_BUFFER_SLOT_NUM - qw) {   @full
        /* no room on the ring */
        spin_unlock(&iorp->lock);   @full_unlock
        return 0;   @full_ret
    }

    pg->buf_ioreq[wp % IOREQ_BUFFER_SLOT_NUM] = bp;   @write_slot
    if (qw) {   @copy
        bp.data = p->data >> 32;   @data_hi
        pg->buf_ioreq[(wp + 1) % IOREQ_BUFFER_SLOT_NUM] = bp;   @write_slot_hi
    }

    /* the device model must see the slots before the pointer that covers them */
    wmb();   @copy_hi
    pg->write_pointer = wp + (qw ? 2 : 1);   @write_pointer

    notify_via_xen_event_channel(d, s->buf_ioreq_evtchn);   @notify
    spin_unlock(&iorp->lock);   @unlock
    return 1;   @ret
}

@fn handle_pio
int handle_pio(struct vcpu *v, uint16_t port, unsigned int size, int dir, uint64_t value)
{
    struct hvm_vcpu_io *vio = &v->arch.hvm_vcpu.hvm_io;   @init_vio
    int rc;

    rc = hvmemul_do_io(v, 0, port, size, dir, value, 0);   @do_pio
    if (rc == X86EMUL_RETRY && vio->io_state == HVMIO_awaiting_completion) {   @rc
        /* a read: hvm_io_assist will put the value in rax */
        vio->io_state = HVMIO_handle_pio_awaiting_completion;   @pio_awaiting
    } else if (rc == X86EMUL_OKAY && dir == IOREQ_READ) {   @okay_read
        /* nothing to wait for: the value is already in vio->io_data */
        v->arch.user_regs.rax = load(vio->io_data, size);   @load_rax
    } else if (rc == X86EMUL_UNHANDLEABLE) {   @unhandleable
        printk("Weird HVM ioemulation status %d.\n", rc);   @weird
        domain_crash(v->domain);   @crash
    }
    return rc;   @ret
}

@fn handle_mmio
int handle_mmio(struct vcpu *v, paddr_t gpa, unsigned int size, int dir, uint64_t value, bool_t buffered)
{
    struct hvm_vcpu_io *vio = &v->arch.hvm_vcpu.hvm_io;   @init_vio
    int rc;

    vio->mmio_gpa = gpa;   @do_mmio
    rc = hvmemul_do_io(v, 1, gpa, size, dir, value, buffered);   @do_io
    if (rc == X86EMUL_RETRY && vio->io_state == HVMIO_awaiting_completion) {   @rc
        /* a read: emulated again after hvm_io_assist, ending up in rax */
        vio->io_state = HVMIO_handle_mmio_awaiting_completion;   @mmio_awaiting
    } else if (rc == X86EMUL_OKAY && dir == IOREQ_READ) {   @okay_read
        /* a read Xen answered itself (stdvga's cache): the value is in vio->io_data already */
        v->arch.user_regs.rax = load(vio->io_data, size);   @load_rax
    } else if (rc == X86EMUL_UNHANDLEABLE) {   @unhandleable
        hvm_inject_hw_exception(TRAP_gp_fault, 0);   @inject_gp
    }
    return rc;   @ret
}

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

@fn send_invalidate_req
int send_invalidate_req(struct vcpu *v)
{
    ioreq_t p;
    int sent;

    /* asks the device model to drop its whole map cache */
    memset(&p, 0, sizeof(p));   @memset
    p.type = IOREQ_TYPE_INVALIDATE;   @set_type
    p.size = 4;   @set_size
    p.count = 1;   @set_count
    p.dir = IOREQ_WRITE;   @set_dir
    p.data = ~0UL;   @set_data

    sent = hvm_send_assist_req(v, &p);   @send
    /* no answer will come back, so nothing is left to complete */
    if (sent) v->arch.hvm_vcpu.hvm_io.io_state = HVMIO_dispatched;   @check_sent
    return sent;   @ret
}
