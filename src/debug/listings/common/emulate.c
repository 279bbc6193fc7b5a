/*
 * common/emulate.c: IOREQ Scope's C-like rendering of its model of hvmemul_do_io, the emulator's hand-off of one
 * access to Xen's own handlers or to the device model, and of the string-I/O callbacks, following src/model/xen/4.4/emulate.ts (after 4.4,
 * with everything before the hand-off left out). Written by this project in its own words; it is not Xen's source.
 */

@fn hvmemul_do_io
static int hvmemul_do_io(struct vcpu *v, int is_mmio, paddr_t addr, unsigned int size, int dir, uint64_t value,
                         bool_t force_buffered, unsigned long reps, paddr_t ram_gpa, int df, bool_t value_is_ptr)
{
    struct domain *d = v->domain;   @init_d
    struct hvm_vcpu_io *vio = &v->arch.hvm_vcpu.hvm_io;   @init_vio
    struct hvm_ioreq_server *s = d->arch.hvm_domain.ioreq_server;   @init_s
    unsigned long ram_gfn = ram_gpa >> PAGE_SHIFT;   @init_ram_gfn
    p2m_type_t p2mt = p2m_type(d, ram_gfn);   @init_p2mt
    bool_t p_data_null = value_is_ptr || dir == IOREQ_WRITE;   @init_p_data_null
    ioreq_t p;
    int rc;
    bool_t sent;

    /* the buffer's frame (gfn 0 for a plain access) must be present: paged out asks the pager and retries */
    if (p2m_is_paging(p2mt)) {   @ram_page
        p2m_mem_paging_populate(d, ram_gfn);   @populate
        return X86EMUL_RETRY;   @paged_ret
    }
    if (p2m_is_shared(p2mt)) return X86EMUL_RETRY;   @shared

    /* sizes that are no power of two, or above 8: writes dropped, reads all ones */
    if (size > sizeof(long) || (size & (size - 1))) {   @size
        gdprintk(XENLOG_WARNING, "bad mmio size %d\n", size);   @bad_size
        if (dir == IOREQ_READ) vio->io_data = ~0UL;   @all_ones
        return X86EMUL_UNHANDLEABLE;   @bad_size_ret
    }

    /* a vcpu has at most one access on its way */
    if (vio->io_state != HVMIO_none) return X86EMUL_UNHANDLEABLE;   @io_state

    /* and its slot must be idle */
    if (s != NULL && s->ioreq.va != NULL && get_ioreq(s, v->vcpu_id)->state != STATE_IOREQ_NONE) {   @pending
        gdprintk(XENLOG_WARNING, "WARNING: io already pending?\n");   @pending_printk
        return X86EMUL_UNHANDLEABLE;   @pending_ret
    }

    /* a write gives its value away and a string access never had one: only the slot is waited for */
    vio->io_state = p_data_null ? HVMIO_dispatched : HVMIO_awaiting_completion;   @set_io_state
    vio->io_size = size;   @set_io_size

    p.type = is_mmio ? IOREQ_TYPE_COPY : IOREQ_TYPE_PIO;   @p_type
    p.addr = addr;   @p_addr
    p.size = size;   @p_size
    p.count = reps;   @p_count
    p.dir = dir;   @p_dir
    p.df = df;   @p_df
    p.data_is_ptr = value_is_ptr;   @p_data_is_ptr
    p.data = value_is_ptr ? ram_gpa : (dir == IOREQ_WRITE ? value & size_mask(size) : 0);   @p_data

    /* Xen's own handlers first: MMIO intercepts, then the buffered-I/O handler (stdvga's window); ports */
    if (force_buffered)   @intercept
        rc = hvm_buffered_io_send(&p) ? X86EMUL_OKAY : X86EMUL_UNHANDLEABLE;   /* the model's misbehaviour */
    else if (is_mmio) {   @is_mmio
        rc = hvm_mmio_intercept(&p);   @mmio_intercept
        if (rc == X86EMUL_UNHANDLEABLE) rc = hvm_buffered_io_intercept(&p);   @buffered_intercept
    } else
        rc = hvm_portio_intercept(&p);   @portio_intercept

    if (rc == X86EMUL_OKAY || rc == X86EMUL_RETRY) {   @intercept_rc
        /* done inside Xen: complete at once */
        p.state = STATE_IORESP_READY;   @resp_ready
        hvm_io_assist(&p);   @io_assist
        vio->io_state = HVMIO_none;   @io_state_none
        return X86EMUL_OKAY;   @finish_access
    }

    /* no device model yet (no ioreq server): the access is ignored */
    if (d->arch.hvm_domain.ioreq_server == NULL) {   @has_dm
        vio->io_state = HVMIO_none;   @no_dm_none
        return X86EMUL_OKAY;   @no_dm_ret
    }

    sent = hvm_send_assist_req(v, &p);   @send
    if (!sent) {   @sent
        /* not sent: the instruction restarts later */
        vio->io_state = HVMIO_none;   @not_sent
        return X86EMUL_RETRY;   @not_sent_ret
    }
    return p_data_null ? X86EMUL_OKAY : X86EMUL_RETRY;   @ret
}

@fn hvmemul_rep_outs
/* REP OUTS from guest-physical gpa: one PIO request whose data is the buffer's address */
static int hvmemul_rep_outs(struct vcpu *v, uint16_t port, paddr_t gpa, unsigned int size, unsigned long reps, int df)
{
    if (p2m_type(v->domain, gpa >> PAGE_SHIFT) == p2m_mmio_dm) return X86EMUL_UNHANDLEABLE;   @p2mt
    return hvmemul_do_io(v, 0, port, size, IOREQ_WRITE, 0, 0, reps, gpa, df, 1);   @do_io
}

@fn hvmemul_rep_ins
/* REP INS into guest-physical gpa: the device model writes the buffer */
static int hvmemul_rep_ins(struct vcpu *v, uint16_t port, paddr_t gpa, unsigned int size, unsigned long reps, int df)
{
    if (p2m_type(v->domain, gpa >> PAGE_SHIFT) == p2m_mmio_dm) return X86EMUL_UNHANDLEABLE;   @p2mt
    return hvmemul_do_io(v, 0, port, size, IOREQ_READ, 0, 0, reps, gpa, df, 1);   @do_io
}

@fn hvmemul_rep_movs
/* REP MOVS: the p2m of each side says which one is the device */
static int hvmemul_rep_movs(struct vcpu *v, paddr_t sgpa, paddr_t dgpa, unsigned int size, unsigned long reps, int df)
{
    p2m_type_t sp2mt = p2m_type(v->domain, sgpa >> PAGE_SHIFT), dp2mt = p2m_type(v->domain, dgpa >> PAGE_SHIFT);   @init_p2mt
    unsigned long bytes = reps * size;   @init_bytes

    if (sp2mt == p2m_mmio_dm && dp2mt == p2m_mmio_dm) return X86EMUL_UNHANDLEABLE;   @p2mt
    if (sp2mt == p2m_mmio_dm) return hvmemul_do_io(v, 1, sgpa, size, IOREQ_READ, 0, 0, reps, dgpa, df, 1);   @mmio_src
    if (dp2mt == p2m_mmio_dm) return hvmemul_do_io(v, 1, dgpa, size, IOREQ_WRITE, 0, 0, reps, sgpa, df, 1);   @mmio_dst

    /* RAM to RAM: Xen copies, unless the copy would overwrite its own source */
    if (df) sgpa -= bytes - size;   @df_sgpa
    if (dgpa + size > sgpa && dgpa < sgpa + bytes) return X86EMUL_UNHANDLEABLE;   @ram_copy
    if (df) dgpa -= bytes - size;   @df_dgpa
    return copy_guest_phys(v->domain, dgpa, sgpa, bytes);   @copy
}

@fn handle_string_io
/* a string instruction through handle_mmio: the emulator's rep callback, then handle_mmio's bookkeeping */
static int handle_string_io(struct vcpu *v, int kind, uint64_t a, uint64_t b, unsigned int size, unsigned long reps, int df)
{
    struct hvm_vcpu_io *vio = &v->arch.hvm_vcpu.hvm_io;   @init_vio
    int rc;

    switch (kind) {   @emulate
    case OUTS: rc = hvmemul_rep_outs(v, a, b, size, reps, df); break;   @outs
    case INS:  rc = hvmemul_rep_ins(v, a, b, size, reps, df); break;   @ins
    default:   rc = hvmemul_rep_movs(v, a, b, size, reps, df); break;   @movs
    }

    if (rc != X86EMUL_RETRY) vio->io_state = HVMIO_none;   @rc
    else if (vio->io_state == HVMIO_awaiting_completion) vio->io_state = HVMIO_handle_mmio_awaiting_completion;   @check_awaiting
    return rc;   @ret
}
