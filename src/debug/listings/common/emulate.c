/*
 * common/emulate.c: IOREQ Scope's C-like rendering of its model of hvmemul_do_io, the emulator's hand-off of one
 * access either to the buffered ring or to the device model, following src/model/xen/4.4/emulate.ts (after 4.4,
 * with everything before the hand-off left out). Written by this project in its own words; it is not Xen's source.
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

    /* a vcpu has at most one access on its way */
    if (vio->io_state != HVMIO_none) return X86EMUL_UNHANDLEABLE;   @io_state

    /* and its slot must be idle */
    if (s != NULL && s->ioreq.va != NULL && get_ioreq(s, v->vcpu_id)->state != STATE_IOREQ_NONE) {   @pending
        gdprintk(XENLOG_WARNING, "WARNING: io already pending?\n");
        return X86EMUL_UNHANDLEABLE;
    }

    memset(&p, 0, sizeof(p));
    p.type = is_mmio ? IOREQ_TYPE_COPY : IOREQ_TYPE_PIO;
    p.addr = addr;
    p.size = size;
    p.count = 1;
    p.dir = dir;
    p.data = dir == IOREQ_WRITE ? value & size_mask(size) : 0;
    p.state = STATE_IOREQ_READY;

    /* a write gives its value away and only waits for the slot; a read waits for the data */
    vio->io_state = dir == IOREQ_WRITE ? HVMIO_dispatched : HVMIO_awaiting_completion;
    vio->io_size = size;

    /* writes to a device that takes buffered I/O (stdvga-like) try the buffered ring first */
    if (buffered && dir == IOREQ_WRITE) {   @intercept
        if (hvm_buffered_io_send(v, &p)) {
            vio->io_state = HVMIO_none;
            return X86EMUL_OKAY;
        }
    }

    /* no device model yet (no ioreq server): the access is ignored */
    if (d->arch.hvm_domain.ioreq_server == NULL) {   @has_dm
        vio->io_state = HVMIO_none;
        return X86EMUL_OKAY;
    }

    sent = hvm_send_assist_req(v, &p);   @send
    if (!sent) {   @sent
        /* not sent: the instruction restarts later */
        vio->io_state = HVMIO_none;
        return X86EMUL_RETRY;
    }
    return dir == IOREQ_WRITE ? X86EMUL_OKAY : X86EMUL_RETRY;
}
