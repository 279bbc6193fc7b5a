/* 4.21/arch/x86/hvm/ioreq.c: the model's xen/arch/x86/hvm/ioreq.c of RELEASE-4.21.0, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn hvm_alloc_legacy_ioreq_gfn
/* hvm_alloc_legacy_ioreq_gfn (ioreq.c:58-72 @RELEASE-4.21.0): IOREQ_PFN, then BUFIOREQ_PFN, each handed out once.
 * With 282ed258a5 undone the bit test is the inverted one that commit fixed. */
static gfn_t hvm_alloc_legacy_ioreq_gfn(struct ioreq_server *s)
{
    struct domain *d;
    unsigned int i;

    d = s->target; for ( i = HVM_PARAM_IOREQ_PFN; i <= HVM_PARAM_BUFIOREQ_PFN; i++ ) if ( test_and_clear_bit(i, &d->arch.hvm.ioreq_gfn.legacy_mask) ) return _gfn(d->arch.hvm.params[i]);   @bit
    /* none left (the same step as the last bit): return INVALID_GFN; */
}

@fn hvm_alloc_ioreq_gfn
/* hvm_alloc_ioreq_gfn (ioreq.c:74-90 @RELEASE-4.21.0): the lowest free bit of the pool, else a legacy gfn. */
static gfn_t hvm_alloc_ioreq_gfn(struct ioreq_server *s)
{
    struct domain *d;
    unsigned int i;

    d = s->target; for ( i = 0; i < sizeof(d->arch.hvm.ioreq_gfn.mask) * 8; i++ ) if ( test_and_clear_bit(i, &d->arch.hvm.ioreq_gfn.mask) ) return _gfn(d->arch.hvm.ioreq_gfn.base + i);   @pool
    return hvm_alloc_legacy_ioreq_gfn(s);   @legacy
}

@fn hvm_free_ioreq_gfn
/* hvm_free_ioreq_gfn (ioreq.c:92-122 @RELEASE-4.21.0): a legacy gfn's bit back in legacy_mask, else the pool's bit
 * (ASSERT: the gfn is in the pool). */
static void hvm_free_ioreq_gfn(struct ioreq_server *s, gfn_t gfn)
{
    struct domain *d;
    unsigned int i;

    d = s->target; for ( i = HVM_PARAM_IOREQ_PFN; i <= HVM_PARAM_BUFIOREQ_PFN; i++ ) if ( gfn_eq(gfn, _gfn(d->arch.hvm.params[i])) ) { set_bit(i, &d->arch.hvm.ioreq_gfn.legacy_mask); return; } i = gfn_x(gfn) - d->arch.hvm.ioreq_gfn.base; ASSERT(i < sizeof(d->arch.hvm.ioreq_gfn.mask) * 8); set_bit(i, &d->arch.hvm.ioreq_gfn.mask);   @free
}

@fn hvm_unmap_ioreq_gfn
/* hvm_unmap_ioreq_gfn (ioreq.c:124-136 @RELEASE-4.21.0): destroy_ring_for_helper, then the gfn back to its pool. */
static void hvm_unmap_ioreq_gfn(struct ioreq_server *s, bool buf)
{
    struct ioreq_page *iorp;

    iorp = buf ? &s->bufioreq : &s->ioreq; if ( gfn_eq(iorp->gfn, INVALID_GFN) ) return; destroy_ring_for_helper(&iorp->va, iorp->page); iorp->page = NULL; hvm_free_ioreq_gfn(s, iorp->gfn); iorp->gfn = INVALID_GFN;   @check
}

@fn hvm_map_ioreq_gfn
/* hvm_map_ioreq_gfn (ioreq.c:138-172 @RELEASE-4.21.0): -EPERM when get_frame already allocated the page (it is kept
 * when a gfn maps it), -EINVAL for a dying domain, -ENOMEM with no gfn left; then prepare_ring_for_helper maps it. */
static int hvm_map_ioreq_gfn(struct ioreq_server *s, bool buf)
{
    struct domain *d;
    struct ioreq_page *iorp;
    int rc;

    d = s->target; iorp = buf ? &s->bufioreq : &s->ioreq; if ( iorp->page ) return gfn_eq(iorp->gfn, INVALID_GFN) ? -EPERM : 0; if ( d->is_dying ) return -EINVAL; iorp->gfn = hvm_alloc_ioreq_gfn(s);   @check_page
    if ( gfn_eq(iorp->gfn, INVALID_GFN) ) return -ENOMEM;   @gfn
    if ( (rc = prepare_ring_for_helper(d, gfn_x(iorp->gfn), &iorp->page, &iorp->va)) != 0 ) hvm_unmap_ioreq_gfn(s, buf); return rc;   @prepare_ring
}

@fn hvm_remove_ioreq_gfn
/* hvm_remove_ioreq_gfn (ioreq.c:174-185 @RELEASE-4.21.0): the page out of the guest's p2m while the server is
 * enabled, then cleared. */
static void hvm_remove_ioreq_gfn(struct ioreq_server *s, bool buf)
{
    struct domain *d;
    struct ioreq_page *iorp;

    d = s->target; iorp = buf ? &s->bufioreq : &s->ioreq; if ( gfn_eq(iorp->gfn, INVALID_GFN) ) return; if ( p2m_remove_page(d, iorp->gfn, page_to_mfn(iorp->page), 0) ) domain_crash(d); clear_page(iorp->va);   @check
}

@fn hvm_add_ioreq_gfn
/* hvm_add_ioreq_gfn (ioreq.c:187-203 @RELEASE-4.21.0): cleared, then back in the guest's p2m when the server is
 * disabled. */
static int hvm_add_ioreq_gfn(struct ioreq_server *s, bool buf)
{
    struct domain *d;
    struct ioreq_page *iorp;

    d = s->target; iorp = buf ? &s->bufioreq : &s->ioreq; if ( gfn_eq(iorp->gfn, INVALID_GFN) ) return 0; clear_page(iorp->va); return p2m_add_page(d, iorp->gfn, page_to_mfn(iorp->page), 0, p2m_ram_rw);   @check
}

@fn arch_ioreq_server_map_pages
/* arch_ioreq_server_map_pages (ioreq.c:205-218 @RELEASE-4.21.0): the synchronous page's gfn, then the ring's; a
 * failure unmaps the first. */
int arch_ioreq_server_map_pages(struct ioreq_server *s)
{
    int rc;

    rc = hvm_map_ioreq_gfn(s, false);   @ioreq
    if ( !rc && HANDLE_BUFIOREQ(s) ) rc = hvm_map_ioreq_gfn(s, true); if ( rc ) hvm_unmap_ioreq_gfn(s, false); return rc;   @bufioreq
}

@fn arch_ioreq_server_unmap_pages
/* arch_ioreq_server_unmap_pages (ioreq.c:220-224 @RELEASE-4.21.0): the ring's gfn, then the synchronous page's. */
void arch_ioreq_server_unmap_pages(struct ioreq_server *s)
{
    hvm_unmap_ioreq_gfn(s, true); hvm_unmap_ioreq_gfn(s, false);   @unmap
}

@fn arch_ioreq_server_enable
/* arch_ioreq_server_enable (ioreq.c:226-230 @RELEASE-4.21.0): the legacy pages leave the guest's p2m. */
void arch_ioreq_server_enable(struct ioreq_server *s)
{
    hvm_remove_ioreq_gfn(s, false); hvm_remove_ioreq_gfn(s, true);   @remove
}

@fn arch_ioreq_server_disable
/* arch_ioreq_server_disable (ioreq.c:232-236 @RELEASE-4.21.0): the legacy pages go back into the guest's p2m. */
void arch_ioreq_server_disable(struct ioreq_server *s)
{
    hvm_add_ioreq_gfn(s, true); hvm_add_ioreq_gfn(s, false);   @add
}

@fn arch_ioreq_server_destroy
/* arch_ioreq_server_destroy (ioreq.c:238-242 @RELEASE-4.21.0): p2m_set_ioreq_server(target, 0, s) lets go of the
 * p2m_ioreq_server type if s holds it. */
void arch_ioreq_server_destroy(struct ioreq_server *s)
{
    p2m_set_ioreq_server(s->target, 0, s);   @p2m
}

@fn arch_ioreq_server_map_mem_type
/* arch_ioreq_server_map_mem_type (ioreq.c:244-250 @RELEASE-4.21.0) via p2m_set_ioreq_server (mm/p2m.c:174-219):
 * non-zero flags claim p2m_ioreq_server for s (-EBUSY if another server holds it, or while frames of that type
 * remain: the entry_count test, p2m.c:204-210); zero lets go (-EINVAL if s does not hold it). */
int arch_ioreq_server_map_mem_type(struct domain *d, struct ioreq_server *s, uint32_t flags)
{
    return p2m_set_ioreq_server(d, flags, s);   @p2m
}

@fn arch_ioreq_server_destroy_all
/* arch_ioreq_server_destroy_all (ioreq.c:260-263 @RELEASE-4.21.0): relocate_portio_handler for CF8, which succeeds
 * for an HVM guest. */
bool arch_ioreq_server_destroy_all(struct domain *d)
{
    return relocate_portio_handler(d, 0xcf8, 0xcf8, 4);   @cf8
}

@fn arch_ioreq_server_get_type_addr
/* arch_ioreq_server_get_type_addr (ioreq.c:265-309 @RELEASE-4.21.0): a port access to 0xcfc-0xcff while CF8 has its
 * enable bit is PCI config space, addressed by the sbdf (bits 63:32) and the register; other port accesses are
 * XEN_DMOP_IO_RANGE_PORT, copies XEN_DMOP_IO_RANGE_MEMORY. The AMD extended config space (CF8_ADDR_HI) is not
 * modelled. */
bool arch_ioreq_server_get_type_addr(const struct domain *d, const ioreq_t *p, uint8_t *type, uint64_t *addr)
{
    unsigned int cf8;

    cf8 = d->arch.hvm.pci_cf8; if ( p->type != IOREQ_TYPE_COPY && p->type != IOREQ_TYPE_PIO ) return false; if ( p->type != IOREQ_TYPE_PIO || (p->addr & ~3) != 0xcfc || !CF8_ENABLED(cf8) ) { *type = p->type == IOREQ_TYPE_PIO ? XEN_DMOP_IO_RANGE_PORT : XEN_DMOP_IO_RANGE_MEMORY; *addr = p->addr; return true; }   @type
    sbdf = hvm_pci_decode_addr(cf8, p->addr, &reg); *type = XEN_DMOP_IO_RANGE_PCI; *addr = ((uint64_t)sbdf.sbdf << 32) | reg; return true;   @pci
}

@fn hvm_access_cf8
/* hvm_access_cf8 (ioreq.c:311-321 @RELEASE-4.21.0): a 4-byte write to 0xcf8 is latched; the access still goes on to
 * the emulators (X86EMUL_UNHANDLEABLE). */
static int hvm_access_cf8(int dir, unsigned int port, unsigned int bytes, uint32_t *val)
{
    struct domain *d;

    d = current->domain; if ( dir == IOREQ_WRITE && bytes == 4 ) d->arch.hvm.pci_cf8 = *val; return X86EMUL_UNHANDLEABLE;   @latch
}
