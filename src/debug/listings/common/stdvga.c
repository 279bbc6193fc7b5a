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
    struct hvm_hw_stdvga *s = &d->arch.hvm_domain.stdvga;
    int rc = 1, prev = s->stdvga;

    switch (port) {   @switch
    case 0x3c4: s->sr_index = val; break;
    case 0x3c5: if ((rc = s->sr_index < 8)) s->sr[s->sr_index] = val & sr_keep[s->sr_index]; break;
    case 0x3ce: s->gr_index = val; break;
    case 0x3cf: if ((rc = s->gr_index < 9)) s->gr[s->gr_index] = val & gr_keep[s->gr_index]; break;
    default: rc = 0; break;
    }

    s->stdvga = (s->sr[7] == 0);
    if (!prev && s->stdvga) {   @mode
        s->cache = 1;
        gdprintk(XENLOG_INFO, "entering stdvga and caching modes\n");
    } else if (prev && !s->stdvga)
        gdprintk(XENLOG_INFO, "leaving stdvga\n");
    return rc;
}

@fn stdvga_intercept_pio
/* writes of one or two bytes are snooped; the access always goes on to the device model */
static int stdvga_intercept_pio(struct domain *d, int dir, uint32_t port, uint32_t bytes, uint32_t val)
{
    if (dir == IOREQ_WRITE) {   @snoop
        if (bytes == 1) stdvga_outb(d, port, val);
        else if (bytes == 2) { stdvga_outb(d, port, val); stdvga_outb(d, port + 1, val >> 8); }
    }
    return X86EMUL_UNHANDLEABLE;
}

@fn hvm_portio_intercept
/* stdvga's two port pairs; a string write passes only its first element before the loop stops */
static int hvm_portio_intercept(struct vcpu *v, ioreq_t *p)
{
    uint64_t data;
    int rc;

    if (!within(p, 0x3c4, 2) && !within(p, 0x3ce, 2)) return X86EMUL_UNHANDLEABLE;   @handlers
    if (!p->data_is_ptr) return stdvga_intercept_pio(v->domain, p->dir, p->addr, p->size, p->data);
    if (p->dir == IOREQ_READ) return X86EMUL_UNHANDLEABLE;

    rc = hvm_copy_from_guest_phys(&data, p->data, p->size);   @copy_first
    if (rc == HVMCOPY_bad_gfn_to_mfn) data = ~0;
    return stdvga_intercept_pio(v->domain, IOREQ_WRITE, p->addr, p->size, data);
}

@fn mmio_move
/* carries out a COPY request on Xen's copy of video memory; 0 when it cannot (the caller stops caching) */
static int mmio_move(struct vcpu *v, ioreq_t *p)
{
    struct hvm_hw_stdvga *s = &v->domain->arch.hvm_domain.stdvga;
    uint64_t addr = p->addr, data = p->data, tmp;
    int i, step = p->df ? -p->size : p->size;

    if (p->data_is_ptr) {   @ptr
        for (i = 0; i < p->count; i++, data += step, addr += step) {
            if (p->dir == IOREQ_READ) {
                tmp = stdvga_mem_read(s, addr, p->size);
                if (hvm_copy_to_guest_phys(data, &tmp, p->size) != HVMCOPY_okay) {   @to_guest
                    /* only VGA memory to VGA memory is Xen's; anything else is the device model's */
                    if (p2m_type(v->domain, data >> PAGE_SHIFT) != p2m_mmio_dm || !in_vga_window(data, p->size)) return 0;
                    stdvga_mem_write(s, data, tmp, p->size);
                }
            } else {
                if (hvm_copy_from_guest_phys(&tmp, data, p->size) != HVMCOPY_okay) {   @from_guest
                    if (p2m_type(v->domain, data >> PAGE_SHIFT) != p2m_mmio_dm || !in_vga_window(data, p->size)) return 0;
                    tmp = stdvga_mem_read(s, data, p->size);
                }
                stdvga_mem_write(s, addr, tmp, p->size);
            }
        }
    } else if (p->dir == IOREQ_READ)   @single
        p->data = stdvga_mem_read(s, addr, p->size);
    else
        stdvga_mem_write(s, addr, p->data, p->size);
    return 1;
}

@fn stdvga_intercept_mmio
/* the VGA window: what stdvga can buffer goes to the buffered ring, the rest to the device model */
static int stdvga_intercept_mmio(struct vcpu *v, ioreq_t *p)
{
    struct hvm_hw_stdvga *s = &v->domain->arch.hvm_domain.stdvga;
    int buf = 0;

    if (p->size > 8) {   @size
        gdprintk(XENLOG_WARNING, "invalid mmio size %d\n", (int)p->size);
        return X86EMUL_UNHANDLEABLE;
    }

    if (s->stdvga && s->cache) {   @mode
        if (p->type == IOREQ_TYPE_COPY) {
            buf = mmio_move(v, p);
            if (!buf) s->cache = 0;
        } else {
            gdprintk(XENLOG_WARNING, "unsupported mmio request type ...\n");
            s->cache = 0;
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
    return stdvga_intercept_mmio(v, p);
}

@fn hvm_mmio_intercept
/* Xen's own MMIO devices: hpet (when enabled), vlapic, vioapic; msixtbl and the iommu claim nothing here */
static int hvm_mmio_intercept(struct vcpu *v, ioreq_t *p)
{
    const char *dev = hpet_range(v, p->addr) ? "hpet" : vlapic_range(v, p->addr) ? "vlapic"
                    : vioapic_range(v, p->addr) ? "vioapic" : NULL;

    if (dev == NULL) return X86EMUL_UNHANDLEABLE;   @handlers
    if (p->dir == IOREQ_READ && !p->data_is_ptr) p->data = 0;   /* the registers are not modelled */
    return X86EMUL_OKAY;
}
