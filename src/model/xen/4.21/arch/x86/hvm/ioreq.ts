// @stepped
// xen/arch/x86/hvm/ioreq.c of RELEASE-4.21.0 [X421]: x86's arch hooks. The legacy gfn pool (params
// IOREQ_SERVER_PFN / NR_IOREQ_SERVER_PAGES, with IOREQ_PFN / BUFIOREQ_PFN as a last resort), enable taking the
// pages out of the guest's p2m and disable putting them back cleared, the CF8 latch and PCI-config routing.
import * as A from '../../../../../abi';
import { EINVAL, ENOENT, ENOMEM, EPERM } from '../../../../../errno';
import * as P from '../../../../../params';
import { $, type Co } from '../../../../../step';
import * as X from '../../../../../xen';
import type { Domain, IoreqServer, Vcpu } from '../../../../../xen';
import { Memory421 } from '../../../common/memory';
import { XEN_DMOP_IO_RANGE_MEMORY, XEN_DMOP_IO_RANGE_PCI, XEN_DMOP_IO_RANGE_PORT, type IoreqStatus } from '../../../common/ioreq';

/** X86EMUL_* as IOREQ_STATUS_* (x86 asm/hvm/ioreq.h:12-14). */
export const X86EMUL_OKAY = 0;
export const X86EMUL_UNHANDLEABLE = 1;
export const X86EMUL_RETRY = 3;

/** CF8_* (x86 asm/pci.h:6-9). */
export const CF8_BDF = (cf8: number): number => ((cf8 & 0x00ffff00) >>> 8);
export const CF8_ADDR_LO = (cf8: number): number => cf8 & 0xfc;
export const CF8_ENABLED = (cf8: number): boolean => (cf8 & 0x80000000) !== 0;

export abstract class X86Ioreq421 extends Memory421 {
  readonly st: IoreqStatus = { HANDLED: X86EMUL_OKAY, UNHANDLED: X86EMUL_UNHANDLEABLE, RETRY: X86EMUL_RETRY };
  readonly isX86 = true;
  readonly waitResumesInPlace = false;

  /**
   * hvm_alloc_legacy_ioreq_gfn (ioreq.c:58-72): IOREQ_PFN then BUFIOREQ_PFN, each once. test_and_clear_bit clears the
   * bit either way; with 282ed258a5 reverted the test is the inverted one it fixed.
   */
  *hvmAllocLegacyIoreqGfn(s: IoreqServer): Co<number> {
    const d = s.target;
    for (let i = P.HVM_PARAM_IOREQ_PFN; i <= P.HVM_PARAM_BUFIOREQ_PFN; i++) {
      yield $('bit', { i, legacy_mask: d.x421.ioreq_gfn.legacy_mask });
      const was = (d.x421.ioreq_gfn.legacy_mask & (1 << i)) !== 0;
      d.x421.ioreq_gfn.legacy_mask &= ~(1 << i);
      if (this.x.reverted('282ed258a5') ? !was : was) return d.arch.hvm_domain.params[i];
    }
    return X.INVALID_GFN;
  }

  /** hvm_alloc_ioreq_gfn (ioreq.c:74-90): the lowest free bit of the pool, else a legacy gfn. */
  *hvmAllocIoreqGfn(s: IoreqServer): Co<number> {
    const pool = s.target.x421.ioreq_gfn;
    for (let i = 0; i < 32; i++) {
      if (pool.mask & (1 << i)) {
        yield $('pool', { i, base: A.hex(pool.base) });
        pool.mask &= ~(1 << i);
        return pool.base + i;
      }
    }
    yield $('legacy', { mask: pool.mask });
    return yield* this.hvmAllocLegacyIoreqGfn(s);
  }

  /** hvm_free_ioreq_gfn (ioreq.c:92-122): a legacy gfn's bit back in legacy_mask, else the pool's bit. */
  *hvmFreeIoreqGfn(s: IoreqServer, gfn: number): Co<void> {
    const d = s.target;
    yield $('free', { gfn: A.hex(gfn) });
    for (let i = P.HVM_PARAM_IOREQ_PFN; i <= P.HVM_PARAM_BUFIOREQ_PFN; i++) {
      if (gfn === d.arch.hvm_domain.params[i]) { d.x421.ioreq_gfn.legacy_mask |= 1 << i; return; }
    }
    const i = gfn - d.x421.ioreq_gfn.base;
    if (i < 0 || i >= 32) throw new X.XenPanic('hvm_free_ioreq_gfn', `ASSERT(i < sizeof(mask) * 8) failed: gfn ${A.hex(gfn)} is not in the pool`);
    d.x421.ioreq_gfn.mask |= 1 << i;
  }

  /** hvm_unmap_ioreq_gfn (ioreq.c:124-136): destroy_ring_for_helper and the gfn back to the pool. */
  *hvmUnmapIoreqGfn(s: IoreqServer, buf: boolean): Co<void> {
    const iorp = buf ? s.bufioreq : s.ioreq;
    yield $('check', { s: s.id, buf, gfn: iorp.gfn });
    if (iorp.gfn === X.INVALID_GFN) return;
    if (iorp.page && iorp.va) iorp.page.xen_maps--;
    iorp.va = null;
    iorp.page = null;
    s.how[buf ? 1 : 0] = null;
    yield* this.hvmFreeIoreqGfn(s, iorp.gfn);
    iorp.gfn = X.INVALID_GFN;
  }

  /** hvm_map_ioreq_gfn (ioreq.c:138-172): -EPERM if get_frame already allocated the page; a gfn, then map it. */
  *hvmMapIoreqGfn(s: IoreqServer, buf: boolean): Co<number> {
    const d = s.target;
    const iorp = buf ? s.bufioreq : s.ioreq;
    yield $('check_page', { s: s.id, buf, page: iorp.page ? 'allocated' : 'NULL', gfn: iorp.gfn });
    if (iorp.page) {
      if (iorp.gfn === X.INVALID_GFN) return -EPERM;
      return 0;
    }
    if (d.is_dying) return -EINVAL;
    iorp.gfn = yield* this.hvmAllocIoreqGfn(s);
    yield $('gfn', { gfn: iorp.gfn });
    if (iorp.gfn === X.INVALID_GFN) return -ENOMEM;
    // prepare_ring_for_helper (x86 hvm.c): a writable reference on the guest frame and a global mapping.
    const page = d.page(iorp.gfn);
    let rc = 0;
    if (!page) rc = -EINVAL;
    else if (page.paged_out || page.shared) rc = -ENOENT;
    else if (page.not_writable) rc = -EINVAL;
    else if (this.x.failNext('map')) rc = -ENOMEM;
    yield $('prepare_ring', { gfn: A.hex(iorp.gfn), rc });
    if (rc) {
      yield* this.hvmUnmapIoreqGfn(s, buf);
      return rc;
    }
    page!.xen_maps++;
    iorp.page = page;
    iorp.va = page!.data();
    s.how[buf ? 1 : 0] = 'gfn';
    if (this.x.on) this.x.emit({ kind: 'page_map', fn: 'hvm_map_ioreq_gfn', domid: d.domain_id, detail: { server: s.id, buf, pfn: iorp.gfn },
      text: `d${d.domain_id} server ${s.id}: ${buf ? 'bufioreq' : 'ioreq'} page at gfn ${A.hex(iorp.gfn)} mapped by Xen` });
    return 0;
  }

  /** hvm_remove_ioreq_gfn (ioreq.c:174-185): out of the guest's p2m (then cleared). */
  *hvmRemoveIoreqGfn(s: IoreqServer, buf: boolean): Co<void> {
    const d = s.target;
    const iorp = buf ? s.bufioreq : s.ioreq;
    yield $('check', { s: s.id, buf, gfn: iorp.gfn });
    if (iorp.gfn === X.INVALID_GFN) return;
    d.physmap.delete(iorp.gfn);
    if (iorp.page) { iorp.page.clear(); }
    if (this.x.on) this.x.emit({ kind: 'page_remove', fn: 'hvm_remove_ioreq_gfn', domid: d.domain_id, detail: { server: s.id, buf, pfn: iorp.gfn },
      text: `d${d.domain_id} gfn ${A.hex(iorp.gfn)} removed from the guest's p2m (server ${s.id} ${buf ? 'bufioreq' : 'ioreq'} page, cleared)` });
  }

  /** hvm_add_ioreq_gfn (ioreq.c:187-203): cleared, then back in the guest's p2m. */
  *hvmAddIoreqGfn(s: IoreqServer, buf: boolean): Co<number> {
    const d = s.target;
    const iorp = buf ? s.bufioreq : s.ioreq;
    yield $('check', { s: s.id, buf, gfn: iorp.gfn });
    if (iorp.gfn === X.INVALID_GFN) return 0;
    if (iorp.page) { iorp.page.clear(); d.physmap.set(iorp.gfn, iorp.page); }
    if (this.x.on) this.x.emit({ kind: 'page_populate', fn: 'hvm_add_ioreq_gfn', domid: d.domain_id, detail: { server: s.id, buf, pfn: iorp.gfn },
      text: `d${d.domain_id} gfn ${A.hex(iorp.gfn)} back in the guest's p2m, cleared (server ${s.id} disabled)` });
    return 0;
  }

  /** arch_ioreq_server_map_pages (ioreq.c:205-218). */
  *archIoreqServerMapPages(s: IoreqServer): Co<number> {
    yield $('ioreq', { s: s.id });
    let rc = yield* this.hvmMapIoreqGfn(s, false);
    yield $('bufioreq', { s: s.id, rc });
    if (!rc && this.handleBufioreq(s)) rc = yield* this.hvmMapIoreqGfn(s, true);
    if (rc) yield* this.hvmUnmapIoreqGfn(s, false);
    return rc;
  }

  /** arch_ioreq_server_unmap_pages (ioreq.c:220-224). */
  *archIoreqServerUnmapPages(s: IoreqServer): Co<void> {
    yield $('unmap', { s: s.id });
    yield* this.hvmUnmapIoreqGfn(s, true);
    yield* this.hvmUnmapIoreqGfn(s, false);
  }

  /** arch_ioreq_server_enable (ioreq.c:226-230). */
  *archIoreqServerEnable(s: IoreqServer): Co<void> {
    yield $('remove', { s: s.id });
    yield* this.hvmRemoveIoreqGfn(s, false);
    yield* this.hvmRemoveIoreqGfn(s, true);
  }

  /** arch_ioreq_server_disable (ioreq.c:232-236). */
  *archIoreqServerDisable(s: IoreqServer): Co<void> {
    yield $('add', { s: s.id });
    yield* this.hvmAddIoreqGfn(s, true);
    yield* this.hvmAddIoreqGfn(s, false);
  }

  /** arch_ioreq_server_destroy (ioreq.c:238-242): p2m_set_ioreq_server(target, 0, s) lets go of the mem type. */
  *archIoreqServerDestroy(s: IoreqServer): Co<void> {
    const d = s.target;
    yield $('p2m', { s: s.id, mapped: d.x421.p2m_ioreq_server });
    if (d.x421.p2m_ioreq_server === s.id) { d.x421.p2m_ioreq_server = -1; d.x421.p2m_ioreq_flags = 0; }
  }

  /**
   * arch_ioreq_server_map_mem_type: (ioreq.c:244-250) via p2m_set_ioreq_server (x86 mm/p2m.c:174-219): flags non-zero
   * claims p2m_ioreq_server for s (-EBUSY if another server holds it, or while frames of that type remain: the
   * entry_count test, p2m.c:204-210); zero lets go (-EINVAL if s does not hold it).
   */
  *archIoreqServerMapMemType(d: Domain, s: IoreqServer, flags: number): Co<number> {
    const cur = d.x421.p2m_ioreq_server;
    yield $('p2m', { s: s.id, flags, holder: cur });
    if (flags === 0) {
      if (cur !== s.id) return -EINVAL;
      d.x421.p2m_ioreq_server = -1; d.x421.p2m_ioreq_flags = 0;
      return 0;
    }
    if (cur !== -1) return -16; // -EBUSY
    // p2m->ioreq.entry_count: what arch_ioreq_server_destroy leaves typed p2m_ioreq_server still counts.
    if (d.x421.p2m_ioreq_gfns.length) return -16;
    d.x421.p2m_ioreq_server = s.id; d.x421.p2m_ioreq_flags = flags;
    return 0;
  }

  /** arch_ioreq_server_destroy_all (ioreq.c:260-263): relocate_portio_handler for CF8 succeeds for an HVM guest. */
  *archIoreqServerDestroyAll(d: Domain): Co<boolean> {
    yield $('cf8', { d });
    return d.is_hvm;
  }

  /** arch_ioreq_server_get_type_addr (ioreq.c:265-309): PIO to 0xcfc-0xcff with CF8 enabled is PCI config. */
  *archIoreqServerGetTypeAddr(d: Domain, p: A.Ioreq): Co<{ ok: boolean; type: number; addr: bigint }> {
    const cf8 = d.x421.pci_cf8;
    yield $('type', { type: p.type, cf8: A.hex(cf8) });
    if (p.type !== A.IOREQ_TYPE_COPY && p.type !== A.IOREQ_TYPE_PIO) return { ok: false, type: 0, addr: 0n };
    if (p.type === A.IOREQ_TYPE_PIO && (p.addr & ~3n) === 0xcfcn && CF8_ENABLED(cf8)) {
      // hvm_pci_decode_addr (x86 hvm/io.c:238-250): segment 0, bdf from CF8, register from CF8 and the port.
      const sbdf = BigInt(CF8_BDF(cf8));
      const reg = BigInt(CF8_ADDR_LO(cf8)) | (p.addr & 3n);
      yield $('pci', { sbdf: A.hex(sbdf), reg: A.hex(reg) });
      // AMD Fam10h-16h extended configuration space (CF8_ADDR_HI with the NB_CFG MSR bit): not modelled.
      return { ok: true, type: XEN_DMOP_IO_RANGE_PCI, addr: (sbdf << 32n) | reg };
    }
    return { ok: true, type: p.type === A.IOREQ_TYPE_PIO ? XEN_DMOP_IO_RANGE_PORT : XEN_DMOP_IO_RANGE_MEMORY, addr: p.addr };
  }

  /** hvm_access_cf8 (ioreq.c:311-321): a 4-byte write to 0xcf8 is latched; the access still goes to the emulators. */
  *hvmAccessCf8(v: Vcpu, dir: number, bytes: number, val: number): Co<number> {
    const d = v.domain;
    yield $('latch', { dir, bytes, val: A.hex(val) });
    if (dir === A.IOREQ_WRITE && bytes === 4) {
      const before = d.x421.pci_cf8;
      d.x421.pci_cf8 = val >>> 0;
      if (this.x.on) this.x.emit({ kind: 'cf8_latch', fn: 'hvm_access_cf8', domid: d.domain_id, vcpu: v.vcpu_id, before, after: d.x421.pci_cf8,
        text: `d${d.domain_id}v${v.vcpu_id} CF8 latched ${A.hex(d.x421.pci_cf8)}` });
    }
    return X86EMUL_UNHANDLEABLE;
  }
}
