/*
 * common/emulate.c: a listing of IOREQ Scope's model of hvmemul_do_io in xen/arch/x86/hvm/emulate.c, after [X44],
 * reduced to the hand-off of one access to the buffered ring or the device model. Written by IOREQ Scope to mirror
 * src/model/xen/hvm-emulate.ts; this is not Xen's text.
 */

@fn hvmemul_do_io
static int hvmemul_do_io(struct vcpu *v, int is_mmio, paddr_t addr, unsigned int size, int dir, uint64_t value,
                         bool_t buffered)
{
    struct domain *d = v->domain;
    struct hvm_vcpu_io *vio = &v->arch.hvm_vcpu.hvm_io;
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;
    ioreq_t p;
    bool_t sent;

    /* one access in flight per vcpu */
    if ( vio->io_state != HVMIO_none )   @io_state
        return X86EMUL_UNHANDLEABLE;

    if ( s && s->ioreq.va && get_ioreq(s, v->vcpu_id)->state != STATE_IOREQ_NONE )   @pending
    {
        gdprintk(XENLOG_WARNING, "WARNING: io already pending?\n");
        return X86EMUL_UNHANDLEABLE;
    }

    p.type = is_mmio ? IOREQ_TYPE_COPY : IOREQ_TYPE_PIO;
    p.addr = addr;
    p.size = size;
    p.count = 1;
    p.dir = dir;
    p.df = 0;
    p.data_is_ptr = 0;
    p.data = (dir == IOREQ_WRITE) ? (value & size_mask(size)) : 0;
    p.state = STATE_IOREQ_READY;

    /* a write hands its value over and waits only for the slot; a read waits for its data */
    vio->io_state = (dir == IOREQ_WRITE) ? HVMIO_dispatched : HVMIO_awaiting_completion;
    vio->io_size = size;

    /* a stdvga-like device may take writes on the buffered ring */
    if ( buffered && dir == IOREQ_WRITE )   @intercept
    {
        if ( hvm_buffered_io_send(v, &p) )
        {
            vio->io_state = HVMIO_none;
            return X86EMUL_OKAY;
        }
    }

    sent = hvm_send_assist_req(v, &p);   @send
    if ( !sent )   @sent
    {
        /* no server, or the domain is shutting down: the access is dropped */
        vio->io_state = HVMIO_none;
        return X86EMUL_OKAY;
    }

    return (dir == IOREQ_WRITE) ? X86EMUL_OKAY : X86EMUL_RETRY;
}
