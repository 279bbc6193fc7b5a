/* 4.21/arch/x86/hvm/ioreq.c: the model's xen/arch/x86/hvm/ioreq.c of RELEASE-4.21.0, as the debugger shows it.
 * Written for IOREQ Scope in its own words; the facts (names, order, checks, return values) follow the source
 * cited beside each function in the TypeScript model. */

@fn hvm_alloc_legacy_ioreq_gfn
/* hvm_alloc_legacy_ioreq_gfn (ioreq.c:58-72): IOREQ_PFN then BUFIOREQ_PFN, each once (282ed258a5's fixed test). */
hvm_alloc_legacy_ioreq_gfn(s)
{
    bit;  @bit
}

@fn hvm_alloc_ioreq_gfn
/* hvm_alloc_ioreq_gfn (ioreq.c:74-90): the lowest free bit of the pool, else a legacy gfn. */
hvm_alloc_ioreq_gfn(s)
{
    pool;  @pool
    legacy;  @legacy
}

@fn hvm_free_ioreq_gfn
/* hvm_free_ioreq_gfn (ioreq.c:92-122): a legacy gfn's bit back in legacy_mask, else the pool's bit. */
hvm_free_ioreq_gfn(s, gfn)
{
    free;  @free
}

@fn hvm_unmap_ioreq_gfn
/* hvm_unmap_ioreq_gfn (ioreq.c:124-136): destroy_ring_for_helper and the gfn back to the pool. */
hvm_unmap_ioreq_gfn(s, buf)
{
    check;  @check
}

@fn hvm_map_ioreq_gfn
/* hvm_map_ioreq_gfn (ioreq.c:138-172): -EPERM if get_frame already allocated the page; a gfn, then map it. */
hvm_map_ioreq_gfn(s, buf)
{
    check page;  @check_page
    gfn;  @gfn
    prepare ring;  @prepare_ring
}

@fn hvm_remove_ioreq_gfn
/* hvm_remove_ioreq_gfn (ioreq.c:174-185): out of the guest's p2m (then cleared). */
hvm_remove_ioreq_gfn(s, buf)
{
    check;  @check
}

@fn hvm_add_ioreq_gfn
/* hvm_add_ioreq_gfn (ioreq.c:187-203): cleared, then back in the guest's p2m. */
hvm_add_ioreq_gfn(s, buf)
{
    check;  @check
}

@fn arch_ioreq_server_map_pages
/* arch_ioreq_server_map_pages (ioreq.c:205-218). */
arch_ioreq_server_map_pages(s)
{
    ioreq;  @ioreq
    bufioreq;  @bufioreq
}

@fn arch_ioreq_server_unmap_pages
/* arch_ioreq_server_unmap_pages (ioreq.c:220-224). */
arch_ioreq_server_unmap_pages(s)
{
    unmap;  @unmap
}

@fn arch_ioreq_server_enable
/* arch_ioreq_server_enable (ioreq.c:226-230). */
arch_ioreq_server_enable(s)
{
    remove;  @remove
}

@fn arch_ioreq_server_disable
/* arch_ioreq_server_disable (ioreq.c:232-236). */
arch_ioreq_server_disable(s)
{
    add;  @add
}

@fn arch_ioreq_server_destroy
/* arch_ioreq_server_destroy (ioreq.c:238-242): p2m_set_ioreq_server(target, 0, s) lets go of the mem type. */
arch_ioreq_server_destroy(s)
{
    p2m;  @p2m
}

@fn arch_ioreq_server_map_mem_type
/* arch_ioreq_server_map_mem_type: (ioreq.c:244-250) via p2m_set_ioreq_server (x86 mm/p2m.c): flags non-zero claims p2m_ioreq_server for s (-EBUSY if another server holds it); zero lets go (-EINVAL if s does not hold it). */
arch_ioreq_server_map_mem_type(d, s, flags)
{
    p2m;  @p2m
}

@fn arch_ioreq_server_destroy_all
/* arch_ioreq_server_destroy_all (ioreq.c:260-263): relocate_portio_handler for CF8 succeeds for an HVM guest. */
arch_ioreq_server_destroy_all(d)
{
    cf8;  @cf8
}

@fn arch_ioreq_server_get_type_addr
/* arch_ioreq_server_get_type_addr (ioreq.c:265-309): PIO to 0xcfc-0xcff with CF8 enabled is PCI config. */
arch_ioreq_server_get_type_addr(d, p)
{
    type;  @type
    pci;  @pci
}

@fn hvm_access_cf8
/* hvm_access_cf8 (ioreq.c:311-321): a 4-byte write to 0xcf8 is latched; the access still goes to the emulators. */
hvm_access_cf8(v, dir, bytes, val)
{
    latch;  @latch
}
