/*
 * common/stdvga.c: IOREQ Scope's C-like rendering of its model of stdvga (the VGA register snoop and the VGA
 * memory window as a buffered-I/O handler) and of the intercept dispatch that reaches it, following
 * src/model/xen/4.4/stdvga.ts (after RELEASE-4.4.0 stdvga.c and intercept.c). Written by this project in its own
 * words; it is not Xen's source.
 */

@fn stdvga_outb
/* one register write; standard VGA mode is sr[7] == 0, and entering it turns caching on */
static int stdvga_outb(struct domain *d, uint64_t port, uint8_t val)
{
    struct hvm_hw_stdvga *s = &d->arch.hvm_domain.stdvga;   @init_s
    int rc = 1, prev = s->stdvga;   @init_rc

    switch (port) {   @switch
    case 0x3c4: s->sr_index = val; break;   @sr_index
    case 0x3c5: if ((rc = s->sr_index < 8)) s->sr[s->sr_index] = val & sr_keep[s->sr_index]; break;   @sr
    case 0x3ce: s->gr_index = val; break;   @gr_index
    case 0x3cf: if ((rc = s->gr_index < 9)) s->gr[s->gr_index] = val & gr_keep[s->gr_index]; break;   @gr
    default: rc = 0; break;   @other
    }

    s->stdvga = (s->sr[7] == 0);   @set_stdvga
    if (!prev && s->stdvga) {   @mode
        s->cache = 1;   @cache_on
        gdprintk(XENLOG_INFO, "entering stdvga and caching modes\n");   @entering
    } else if (prev && !s->stdvga)   @is_leaving
        gdprintk(XENLOG_INFO, "leaving stdvga\n");
    return rc;   @ret
}

@fn stdvga_intercept_pio
/* writes of one or two bytes are snooped; the access always goes on to the device model */
static int stdvga_intercept_pio(struct domain *d, int dir, uint32_t port, uint32_t bytes, uint32_t val)
{
    if (dir == IOREQ_WRITE) {   @snoop
        if (bytes == 1) stdvga_outb(d, port, val);   @one_byte
        else if (bytes == 2) { stdvga_outb(d, port, val); stdvga_outb(d, port + 1, val >> 8); }   @two_bytes
    }
    return X86EMUL_UNHANDLEABLE;   @ret
}

@fn hvm_portio_intercept
/* stdvga's two port pairs; a string write passes only its first element before the loop stops */
static int hvm_portio_intercept(struct vcpu *v, ioreq_t *p)
{
    uint64_t data;
    int rc;

    if (!within(p, 0x3c4, 2) && !within(p, 0x3ce, 2)) return X86EMUL_UNHANDLEABLE;   @handlers
    if (!p->data_is_ptr) return stdvga_intercept_pio(v->domain, p->dir, p->addr, p->size, p->data);   @single
    if (p->dir == IOREQ_READ) return X86EMUL_UNHANDLEABLE;   @read

    rc = hvm_copy_from_guest_phys(&data, p->data, p->size);   @copy_first
    /* (a paged-out or shared first element is not reached: hvmemul_do_io has retried on that frame already) */
    if (rc == HVMCOPY_bad_gfn_to_mfn) data = ~0;   @bad_gfn
    return stdvga_intercept_pio(v->domain, IOREQ_WRITE, p->addr, p->size, data);   @snoop_first
}

@fn mmio_move
/* carries out a COPY request on Xen's copy of video memory; 0 when it cannot (the caller stops caching) */
static int mmio_move(struct vcpu *v, ioreq_t *p)
{
    struct hvm_hw_stdvga *s = &v->domain->arch.hvm_domain.stdvga;   @init_s
    uint64_t addr = p->addr, data = p->data, tmp;   @init_addr
    int i, step = p->df ? -p->size : p->size;   @init_step

    if (p->data_is_ptr) {   @ptr
        for (i = 0; i < p->count; i++, data += step, addr += step) {   @for_each
            if (p->dir == IOREQ_READ) {   @dir
                tmp = stdvga_mem_read(s, addr, p->size);   @mem_read
                if (hvm_copy_to_guest_phys(data, &tmp, p->size) != HVMCOPY_okay) {   @to_guest
                    /* only VGA memory to VGA memory is Xen's; anything else is the device model's */
                    if (p2m_type(v->domain, data >> PAGE_SHIFT) != p2m_mmio_dm || !in_vga_window(data, p->size)) return 0;   @to_vga
                    stdvga_mem_write(s, data, tmp, p->size);   @vga_write
                }
            } else {
                if (hvm_copy_from_guest_phys(&tmp, data, p->size) != HVMCOPY_okay) {   @from_guest
                    if (p2m_type(v->domain, data >> PAGE_SHIFT) != p2m_mmio_dm || !in_vga_window(data, p->size)) return 0;   @from_vga
                    tmp = stdvga_mem_read(s, data, p->size);   @vga_read
                }
                stdvga_mem_write(s, addr, tmp, p->size);   @mem_write
            }
        }
    } else if (p->dir == IOREQ_READ)   @single
        p->data = stdvga_mem_read(s, addr, p->size);
    else
        stdvga_mem_write(s, addr, p->data, p->size);
    return 1;   @ret
}

@fn stdvga_intercept_mmio
/* the VGA window: what stdvga can buffer goes to the buffered ring, the rest to the device model */
static int stdvga_intercept_mmio(struct vcpu *v, ioreq_t *p)
{
    struct hvm_hw_stdvga *s = &v->domain->arch.hvm_domain.stdvga;   @init_s
    int buf = 0;   @init_buf

    if (p->size > 8) {   @size
        gdprintk(XENLOG_WARNING, "invalid mmio size %d\n", (int)p->size);   @bad_size
        return X86EMUL_UNHANDLEABLE;   @bad_size_ret
    }

    if (s->stdvga && s->cache) {   @mode
        if (p->type == IOREQ_TYPE_COPY) {   @is_copy
            buf = mmio_move(v, p);   @move
            if (!buf) s->cache = 0;   @check_move
        } else {
            gdprintk(XENLOG_WARNING, "unsupported mmio request type ...\n");   @unsupported
            s->cache = 0;   @drop_cache
        }
    } else
        buf = (p->dir == IOREQ_WRITE);   /* not caching: every write is a candidate */

    return buf && hvm_buffered_io_send(p) ? X86EMUL_OKAY : X86EMUL_UNHANDLEABLE;   @offer
}

@fn hvm_buffered_io_intercept
/* the buffered-I/O handlers: stdvga's window, 0xa0000-0xbffff, for an access wholly inside it */
static int hvm_buffered_io_intercept(struct vcpu *v, ioreq_t *p)
{
    if (p->addr < 0xa0000 || p->addr + p->size > 0xc0000) return X86EMUL_UNHANDLEABLE;   @handlers
    return stdvga_intercept_mmio(v, p);   @intercept
}

@fn hvm_mmio_intercept
/* Xen's own MMIO devices: hpet (when enabled), vlapic, vioapic; msixtbl and the iommu claim nothing here */
static int hvm_mmio_intercept(struct vcpu *v, ioreq_t *p)
{
    const char *dev = hpet_range(v, p->addr) ? "hpet" : vlapic_range(v, p->addr) ? "vlapic"   @find_dev
                    : vioapic_range(v, p->addr) ? "vioapic" : NULL;

    if (dev == NULL) return X86EMUL_UNHANDLEABLE;   @handlers
    if (p->dir == IOREQ_READ && !p->data_is_ptr) p->data = 0;   /* the registers are not modelled */   @read_zero
    return X86EMUL_OKAY;   @ret
}
