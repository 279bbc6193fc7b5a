// The hypervisor's state: domains, vcpus, HVM params, the guest physmap, ioreq servers and the console ring.
// Field names follow Xen's structs (struct domain, struct vcpu, struct hvm_ioreq_server) so a reader of hvm.c
// finds d.arch.hvm_domain.ioreq_server where they expect it.
import * as A from './abi';
import { PAGE_SIZE } from './abi';
import type { EventInput, ModelEvent } from './events';
import { EvtchnTable } from './evtchn';
import type { ProfileName } from './layout';

/** HVMIO_* (xen/include/asm-x86/hvm/vcpu.h, 4.4). */
export const HVMIO_none = 0;
export const HVMIO_dispatched = 1;
export const HVMIO_awaiting_completion = 2;
export const HVMIO_handle_mmio_awaiting_completion = 3;
export const HVMIO_handle_pio_awaiting_completion = 4;
export const HVMIO_completed = 5;
export const HVMIO_NAMES = ['HVMIO_none', 'HVMIO_dispatched', 'HVMIO_awaiting_completion',
  'HVMIO_handle_mmio_awaiting_completion', 'HVMIO_handle_pio_awaiting_completion', 'HVMIO_completed'];

/** Pages are shared in chunks of CHUNK bytes: a write copies the chunk it lands in, not the whole page. */
const CHUNK = 256;
const CHUNK_SHIFT = 8;
const NCHUNK = PAGE_SIZE / CHUNK;
/** The chunk every fresh or cleared page starts from (never written: a store owns none of its chunks at first). */
const ZERO_CHUNK = new DataView(new ArrayBuffer(CHUNK));
const scratch = new DataView(new ArrayBuffer(8));

/**
 * A page's bytes as the model's clones share them: one store serves every clone of a model that has not written
 * the page since the clone was made, and the chunks of a store are shared with the store it was forked from until
 * written (copy on write, per chunk). `users` counts the PageViews made over a store; a clone that is dropped does
 * not give its count back, so a write may fork a store no one else still reads: safe, only a copy more. The
 * fingerprint's digest of the page's words is kept here too, and dropped by every write.
 */
export class PageStore {
  /** The page's chunks, in order; `owned` has bit k set when chunk k is this store's alone (writable in place). */
  c: DataView[];
  owned = 0;
  users = 1;
  /** Which of the fingerprint's readings the digest is of (-1: none yet), and its two lanes. */
  fpKey = -1;
  fpA = 0;
  fpB = 0;
  constructor(chunks?: DataView[]) { this.c = chunks ? chunks.slice() : new Array<DataView>(NCHUNK).fill(ZERO_CHUNK); }
  /** The page's bytes, as one fresh array. */
  bytes(): Uint8Array {
    const u = new Uint8Array(PAGE_SIZE);
    for (let k = 0; k < NCHUNK; k++) u.set(new Uint8Array(this.c[k].buffer, this.c[k].byteOffset, CHUNK), k * CHUNK);
    return u;
  }
  /** A store of its own with the same bytes, every chunk copied (the deep clone). */
  copy(): PageStore {
    const t = new PageStore(this.c);
    for (let k = 0; k < NCHUNK; k++) t.c[k] = copyChunk(this.c[k]);
    t.owned = (1 << NCHUNK) - 1;
    return t;
  }
}

function copyChunk(src: DataView): DataView {
  const b = new Uint8Array(CHUNK);
  b.set(new Uint8Array(src.buffer, src.byteOffset, CHUNK));
  return new DataView(b.buffer);
}

/**
 * Whether clones share what a step rarely changes (on): page bytes until a write, and the blocks of struct domain
 * only another profile's code writes (4.5's, today's); or copy everything at once (off: the deep clone, the bench's baseline).
 */
export const sharing = { on: true };

/**
 * A mapping of a guest frame: the DataView methods the model uses, over a PageStore the model's clones may share.
 * A write first gives this view a store of its own when another clone still uses the current one, and its store
 * a chunk of its own. The model holds these where C holds a mapped address (iorp->va, the device model's
 * shared_page), typed as DataView. Accesses that straddle two chunks go byte by byte.
 */
export class PageView {
  constructor(public s: PageStore) {}
  /** A mapping of the same bytes for a clone (shared until either writes; a copy without sharing). */
  fork(): PageView {
    if (!sharing.on) return new PageView(this.s.copy());
    this.s.users++;
    return new PageView(this.s);
  }
  get byteLength(): number { return PAGE_SIZE; }
  /** This view's store to write into: forked first if another clone still reads it; its digest dropped. */
  own(): PageStore {
    let s = this.s;
    if (s.users > 1) {
      // The fork shares every chunk with the store it leaves: neither may write one in place any more.
      s.users--; s.owned = 0;
      s = this.s = new PageStore(s.c);
    }
    s.fpKey = -1;
    return s;
  }
  /** Chunk k, writable. */
  private w(k: number): DataView {
    const s = this.own();
    if (!(s.owned & (1 << k))) { s.c[k] = copyChunk(s.c[k]); s.owned |= 1 << k; }
    return s.c[k];
  }
  /** Every byte zero (clear_page). */
  clear(): void {
    const s = this.own();
    s.c.fill(ZERO_CHUNK); s.owned = 0;
  }
  private rd(o: number, n: number): DataView {
    for (let i = 0; i < n; i++) scratch.setUint8(i, this.getUint8(o + i));
    return scratch;
  }
  private wr(o: number, n: number): void {
    for (let i = 0; i < n; i++) this.setUint8(o + i, scratch.getUint8(i));
  }
  getUint8(o: number): number { return this.s.c[o >> CHUNK_SHIFT].getUint8(o & (CHUNK - 1)); }
  getInt8(o: number): number { return this.s.c[o >> CHUNK_SHIFT].getInt8(o & (CHUNK - 1)); }
  getUint16(o: number, le?: boolean): number { const k = o >> CHUNK_SHIFT; return (o + 1) >> CHUNK_SHIFT === k ? this.s.c[k].getUint16(o & (CHUNK - 1), le) : this.rd(o, 2).getUint16(0, le); }
  getInt16(o: number, le?: boolean): number { const k = o >> CHUNK_SHIFT; return (o + 1) >> CHUNK_SHIFT === k ? this.s.c[k].getInt16(o & (CHUNK - 1), le) : this.rd(o, 2).getInt16(0, le); }
  getUint32(o: number, le?: boolean): number { const k = o >> CHUNK_SHIFT; return (o + 3) >> CHUNK_SHIFT === k ? this.s.c[k].getUint32(o & (CHUNK - 1), le) : this.rd(o, 4).getUint32(0, le); }
  getInt32(o: number, le?: boolean): number { const k = o >> CHUNK_SHIFT; return (o + 3) >> CHUNK_SHIFT === k ? this.s.c[k].getInt32(o & (CHUNK - 1), le) : this.rd(o, 4).getInt32(0, le); }
  getBigUint64(o: number, le?: boolean): bigint { const k = o >> CHUNK_SHIFT; return (o + 7) >> CHUNK_SHIFT === k ? this.s.c[k].getBigUint64(o & (CHUNK - 1), le) : this.rd(o, 8).getBigUint64(0, le); }
  getBigInt64(o: number, le?: boolean): bigint { const k = o >> CHUNK_SHIFT; return (o + 7) >> CHUNK_SHIFT === k ? this.s.c[k].getBigInt64(o & (CHUNK - 1), le) : this.rd(o, 8).getBigInt64(0, le); }
  setUint8(o: number, v: number): void { check(o, 1); this.w(o >> CHUNK_SHIFT).setUint8(o & (CHUNK - 1), v); }
  setInt8(o: number, v: number): void { check(o, 1); this.w(o >> CHUNK_SHIFT).setInt8(o & (CHUNK - 1), v); }
  setUint16(o: number, v: number, le?: boolean): void { check(o, 2); const k = o >> CHUNK_SHIFT; if ((o + 1) >> CHUNK_SHIFT === k) this.w(k).setUint16(o & (CHUNK - 1), v, le); else { scratch.setUint16(0, v, le); this.wr(o, 2); } }
  setInt16(o: number, v: number, le?: boolean): void { check(o, 2); const k = o >> CHUNK_SHIFT; if ((o + 1) >> CHUNK_SHIFT === k) this.w(k).setInt16(o & (CHUNK - 1), v, le); else { scratch.setInt16(0, v, le); this.wr(o, 2); } }
  setUint32(o: number, v: number, le?: boolean): void { check(o, 4); const k = o >> CHUNK_SHIFT; if ((o + 3) >> CHUNK_SHIFT === k) this.w(k).setUint32(o & (CHUNK - 1), v, le); else { scratch.setUint32(0, v, le); this.wr(o, 4); } }
  setInt32(o: number, v: number, le?: boolean): void { check(o, 4); const k = o >> CHUNK_SHIFT; if ((o + 3) >> CHUNK_SHIFT === k) this.w(k).setInt32(o & (CHUNK - 1), v, le); else { scratch.setInt32(0, v, le); this.wr(o, 4); } }
  setBigUint64(o: number, v: bigint, le?: boolean): void { check(o, 8); const k = o >> CHUNK_SHIFT; if ((o + 7) >> CHUNK_SHIFT === k) this.w(k).setBigUint64(o & (CHUNK - 1), v, le); else { scratch.setBigUint64(0, v, le); this.wr(o, 8); } }
  setBigInt64(o: number, v: bigint, le?: boolean): void { check(o, 8); const k = o >> CHUNK_SHIFT; if ((o + 7) >> CHUNK_SHIFT === k) this.w(k).setBigInt64(o & (CHUNK - 1), v, le); else { scratch.setBigInt64(0, v, le); this.wr(o, 8); } }
}

/** A DataView's RangeError for an access outside the page (reads get it from the chunk's own DataView or undefined index). */
function check(o: number, n: number): void {
  if (!(o >= 0 && o + n <= PAGE_SIZE)) throw new RangeError(`Offset is outside the bounds of the DataView`);
}

/** clear_page on a mapping: every byte zero. */
export function clearPage(dv: DataView): void {
  if (dv instanceof PageView) dv.clear();
  else new Uint8Array(dv.buffer, dv.byteOffset, dv.byteLength).fill(0);
}

/** One guest frame. Bytes are allocated on first use; a page never touched reads as zeroes. */
export class GuestPage {
  /** The mapping of its bytes (made by data()), or null while the frame was never used. */
  view: PageView | null = null;
  /** Global mappings Xen holds (prepare_ring_for_helper's get_page_and_type + map_domain_page_global). */
  xen_maps = 0;
  /** Foreign mappings held by device models (xc_map_foreign_range). */
  foreign_maps = 0;
  /** p2m_is_paging: paged out (prepare_ring_for_helper gives -ENOENT). */
  paged_out = false;
  /** p2m_is_shared (-ENOENT). */
  shared = false;
  /** Page type cannot be made writable (-EINVAL). */
  not_writable = false;
  /**
   * Set by Xen.clone on a page that has no bytes yet: the same object then sits in two physmaps, and the first
   * Domain.page() lookup in either copies it (copy on write). Pages with bytes get a GuestPage of their own in the
   * clone, whose bytes stay shared with the original until either writes them (PageView).
   */
  cow = false;
  /** What allocated it: 'ram' or a special page's name. */
  constructor(public use: string) {}

  /** A copy of the page's bytes, to read (null when never used); write through data(). */
  get bytes(): Uint8Array | null { return this.view ? this.view.s.bytes() : null; }
  /** The page's mapping as a DataView (its PageView), or null when never used. */
  get dv(): DataView | null { return this.view as unknown as DataView | null; }

  data(): DataView {
    if (!this.view) this.view = new PageView(new PageStore());
    return this.view as unknown as DataView;
  }

  /** clear_page: every byte zero. */
  clear(): void {
    if (this.view) this.view.clear();
  }

  clone(): GuestPage {
    const p = new GuestPage(this.use);
    p.cow = false;
    if (this.view) {
      const s = this.view.s;
      if (sharing.on) { s.users++; p.view = new PageView(s); } else p.view = new PageView(s.copy());
    }
    p.xen_maps = this.xen_maps; p.foreign_maps = this.foreign_maps;
    p.paged_out = this.paged_out; p.shared = this.shared; p.not_writable = this.not_writable;
    return p;
  }
}

/** struct hvm_ioreq_page: the page Xen mapped (page) and its mapping (va). */
export class HvmIoreqPage {
  /** The gmfn mapped, or null (iorp->page == NULL). */
  page: number | null = null;
  /** The mapped bytes (iorp->va), or null. */
  va: DataView | null = null;
}

/** A pointer to one ioreq_t inside a mapped ioreq page (the C `ioreq_t *p`). */
export class IoreqRef {
  constructor(public va: DataView, public off: number, public vcpu_id: number) {}
  get state(): number { return A.getState(this.va, this.off); }
  set state(s: number) { A.setState(this.va, this.off, s); }
  get vp_eport(): number { return this.va.getUint32(this.off + A.OFF_VP_EPORT, true); }
  set vp_eport(port: number) { this.va.setUint32(this.off + A.OFF_VP_EPORT, port >>> 0, true); }
  get data(): bigint { return this.va.getBigUint64(this.off + A.OFF_DATA, true); }
}

/** struct hvm_ioreq_server (the seed's, and its preimage's). */
export class HvmIoreqServer {
  /** Set when xfree()d: a later use is a use-after-free, which the model reports instead of hiding. */
  freed = false;
  domid = 0;
  ioreq = new HvmIoreqPage();
  buf_ioreq = new HvmIoreqPage();
  ioreq_evtchn: number[];
  buf_ioreq_evtchn = -1;
  /** The model's cache of get_ioreq results, one per vcpu (not Xen state). */
  refs: IoreqRef[] = [];
  constructor(public domain: Domain, nrSlots: number) {
    this.ioreq_evtchn = new Array<number>(nrSlots).fill(0);
  }
}

// ---- issue 10 (today's Xen): RELEASE-4.21.0 ioreq state ----
/** INVALID_GFN, as a number the model can compare. */
export const INVALID_GFN = -1;
/** MAX_NR_IOREQ_SERVERS (xen/include/xen/sched.h:372) and MAX_NR_IO_RANGES (xen/include/xen/ioreq.h:40). */
export const MAX_NR_IOREQ_SERVERS = 8;
export const MAX_NR_IO_RANGES = 256;
/** XEN_DMOP_IO_RANGE_PORT / _MEMORY / _PCI (public/hvm/dm_op.h), NR_IO_RANGE_TYPES (ioreq.h:39). */
export const NR_IO_RANGE_TYPES = 3;

/** struct rangeset (xen/common/rangeset.c) as the ioreq code uses it: sorted, merged, capped by rangeset_limit. */
export class Rangeset {
  /** Disjoint inclusive [start, end] pairs, sorted, adjacent ones merged (rangeset_add_range merges neighbours). */
  ranges: Array<[bigint, bigint]> = [];
  /** nr_ranges may not pass this (rangeset_limit); rangeset_add_range then returns -ENOMEM (rangeset.c:96-136), as a failed allocation does. */
  limit = MAX_NR_IO_RANGES;
  clone(): Rangeset {
    const r = new Rangeset();
    r.ranges = this.ranges.map(([a, b]) => [a, b]);
    r.limit = this.limit;
    return r;
  }
}

// ---- Xen 4.5 (RELEASE-4.5.0): several ioreq servers per domain. Used only by the '4.5' profile's code. ----

/** struct hvm_ioreq_page of 4.5 (xen/include/asm-x86/hvm/domain.h:39-43@RELEASE-4.5.0): the gmfn is kept too. */
export class HvmIoreqPage45 {
  gmfn = 0;
  /** The gmfn whose page is referenced (iorp->page), or null. */
  page: number | null = null;
  va: DataView | null = null;
}

/** struct hvm_ioreq_vcpu (domain.h:45-49@RELEASE-4.5.0): one vcpu's membership of a server and its port. */
export class HvmIoreqVcpu45 {
  constructor(public vcpu: Vcpu, public ioreq_evtchn: number) {}
}

// NR_IO_RANGE_TYPES (3) and MAX_NR_IO_RANGES (256) are the same in 4.5 (domain.h:51-52@RELEASE-4.5.0): declared above.

/**
 * struct rangeset (xen/common/rangeset.c@RELEASE-4.5.0) as the model keeps it: disjoint, non-adjacent inclusive
 * ranges in ascending order, flattened [s0, e0, s1, e1, ...], and nr_ranges, the allocations still allowed
 * (rangeset_limit sets it; alloc_range takes one, destroy_range gives one back).
 */
export class Rangeset45 {
  ranges: number[] = [];
  nr_ranges = MAX_NR_IO_RANGES;
  clone(): Rangeset45 {
    const r = new Rangeset45();
    r.ranges = this.ranges.slice(); r.nr_ranges = this.nr_ranges;
    return r;
  }
}

/** struct ioreq_page (xen/include/xen/ioreq.h:26-30): the guest frame (or INVALID_GFN), the page, its mapping. */
export class IoreqPage {
  gfn = INVALID_GFN;
  page: GuestPage | null = null;
  va: DataView | null = null;
}

/** struct ioreq_vcpu (ioreq.h:32-37). */
export class IoreqVcpu {
  ioreq_evtchn = 0;
  pending = false;
  constructor(public vcpu: Vcpu) {}
}

/** struct ioreq_server (ioreq.h:42-58). */
export class IoreqServer {
  emulator: Domain;
  ioreq = new IoreqPage();
  /** Newest first, as list_add puts entries at the head. */
  ioreq_vcpu_list: IoreqVcpu[] = [];
  bufioreq = new IoreqPage();
  bufioreq_evtchn = 0;
  range: Rangeset[] = [new Rangeset(), new Rangeset(), new Rangeset()];
  enabled = false;
  bufioreq_handling = 0;
  /** The model's: the slot it sits in (its ioservid_t) and whether xfree()d. */
  id = -1;
  freed = false;
  /** How the ioreq/bufioreq pages came to exist: 'resource' (alloc_mfn), 'gfn' (hvm_map_ioreq_gfn), or null. */
  how: Array<'resource' | 'gfn' | null> = [null, null];
  constructor(public target: Domain, emulator: Domain) { this.emulator = emulator; }
}

/** enum vio_completion (xen/include/xen/sched.h:157-163). */
export const VIO_no_completion = 0;
export const VIO_mmio_completion = 1;
export const VIO_pio_completion = 2;
export const VIO_realmode_completion = 3;
export const VIO_NAMES = ['VIO_no_completion', 'VIO_mmio_completion', 'VIO_pio_completion', 'VIO_realmode_completion'];

/** struct vcpu_io (sched.h:166-177): completion, suspended and the in-flight request. */
export class VcpuIo {
  completion = VIO_no_completion;
  suspended = false;
  req: A.Ioreq = A.emptyIoreq();
  /** Arm's data-abort syndrome of the access in flight, what handle_ioserv needs: sign, size (log2) and write. */
  dabt = { sign: 0, size: 0, write: 0 };
  /** Arm only: the prev_state wait_for_io holds on the vcpu's own stack while it is blocked there (-1: not waiting). */
  wait_prev_state = -1;
  /** Not Xen's: a scenario holds the vcpu's next port access right after ioreq_send (another CPU acts first). */
  hold_after_send = false;
  /** Not Xen's: what ioreq_send returned to the held access, until hvm_io_continue finishes it (-1: none held). */
  held_rc = -1;
  /**
   * Where wait_for_io stopped when a scenario step ended right after one of its reads of the slot state (the op
   * wait_for_io: the vcpu is still in the loop on its pCPU; the next step goes on from there). WAIT_AT_* of
   * common/ioreq.ts, 0 when it is not stopped inside the loop; with it the loop's locals and the server it waits on.
   */
  wait_at = 0;
  wait_state = 0;
  wait_prev = 0;
  wait_server = -1;
  /** The states wait_for_io's switch has taken since the vcpu last blocked (a bit per state): a repeat is a cycle. */
  wait_seen = 0;
  /** Set when wait_for_io came back to a state it had switched on, without blocking (the emulator drives the loop). */
  wait_cycled = false;
}

/** d->arch.hvm.ioreq_gfn (x86 asm/hvm/domain.h): the legacy gfn pool. */
export interface IoreqGfnPool { base: number; mask: number; legacy_mask: number }

/** What today's struct domain holds for the ioreq code (d->ioreq_server, d->arch.hvm.{ioreq_gfn,pci_cf8}). */
export class Domain421 {
  /** d->ioreq_server.server[MAX_NR_IOREQ_SERVERS] (sched.h:647). */
  server: Array<IoreqServer | null> = new Array<IoreqServer | null>(MAX_NR_IOREQ_SERVERS).fill(null);
  ioreq_gfn: IoreqGfnPool = { base: 0, mask: 0, legacy_mask: 0 };
  /** The latched CF8 value (hvm_access_cf8, x86/hvm/ioreq.c:311-321). */
  pci_cf8 = 0;
  /** p2m->ioreq.server / flags (x86 p2m_set_ioreq_server): the server id mapped to p2m_ioreq_server, or -1. */
  p2m_ioreq_server = -1;
  p2m_ioreq_flags = 0;
  /** Frames of p2m type p2m_ioreq_server (HVMOP_set_mem_type), by gfn. */
  p2m_ioreq_gfns: number[] = [];
  /** d->refcnt beyond the domain's own: references other structures hold (get_knownalive_domain / put_domain). */
  refcnt = 0;
  clone(): Domain421 {
    const c = new Domain421();
    c.ioreq_gfn = { ...this.ioreq_gfn }; c.pci_cf8 = this.pci_cf8;
    c.p2m_ioreq_server = this.p2m_ioreq_server; c.p2m_ioreq_flags = this.p2m_ioreq_flags; c.p2m_ioreq_gfns = this.p2m_ioreq_gfns.slice();
    c.refcnt = this.refcnt;
    return c;
  }
}
// ---- end 4.21 ----
/** struct hvm_ioreq_server of 4.5 (domain.h:54-73@RELEASE-4.5.0). The list_entry is its place in the domain's list. */
export class HvmIoreqServer45 {
  /** Set when xfree()d (the model reports a later use). */
  freed = false;
  domid = 0;
  id = 0;
  ioreq = new HvmIoreqPage45();
  /** Newest first, as list_add puts each vcpu at the head. */
  ioreq_vcpu_list: HvmIoreqVcpu45[] = [];
  bufioreq = new HvmIoreqPage45();
  bufioreq_evtchn = 0;
  /** range[HVMOP_IO_RANGE_PORT / MEMORY / PCI]; null for the default server, which has none. */
  range: Rangeset45[] | null = null;
  enabled = false;
  constructor(public domain: Domain) {}
}

/** The members of 4.5's struct hvm_domain the ioreq code uses (domain.h:75-92@RELEASE-4.5.0). */
export class HvmDomain45 {
  /** Guest page range for non-default servers: base gmfn and a bitmap of free pages (an unsigned long: 64 bits). */
  ioreq_gmfn = { base: 0, mask: 0n };
  /** d->arch.hvm_domain.ioreq_server: the last id handed out and the servers, newest first (list_add). */
  ioreq_server: { id: number; list: HvmIoreqServer45[] } = { id: 0, list: [] };
  default_ioreq_server: HvmIoreqServer45 | null = null;
  /** The latched CF8 (hvm_access_cf8). */
  pci_cf8 = 0;
}

function clonePage45(src: HvmIoreqPage45, d: Domain): HvmIoreqPage45 {
  const p = new HvmIoreqPage45();
  p.gmfn = src.gmfn; p.page = src.page;
  // The physmap itself, not d.page(): an enabled server's page is out of the guest's p2m (a hole) yet mapped.
  if (src.va && src.page !== null) p.va = d.physmap.get(src.page)?.data() ?? null;
  return p;
}

/** Xen.clone's part for the 4.5 block: servers, their vcpu lists and rangesets, with references remapped. */
function cloneHvm45(h: HvmDomain45, e: Domain): HvmDomain45 {
  const g = new HvmDomain45();
  g.ioreq_gmfn = { ...h.ioreq_gmfn };
  g.pci_cf8 = h.pci_cf8;
  g.ioreq_server.id = h.ioreq_server.id;
  for (const s of h.ioreq_server.list) {
    const t = new HvmIoreqServer45(e);
    t.freed = s.freed; t.domid = s.domid; t.id = s.id; t.enabled = s.enabled; t.bufioreq_evtchn = s.bufioreq_evtchn;
    t.ioreq = clonePage45(s.ioreq, e); t.bufioreq = clonePage45(s.bufioreq, e);
    t.ioreq_vcpu_list = s.ioreq_vcpu_list.map((sv) => new HvmIoreqVcpu45(e.vcpu[sv.vcpu.vcpu_id], sv.ioreq_evtchn));
    t.range = s.range ? s.range.map((r) => r.clone()) : null;
    g.ioreq_server.list.push(t);
    if (s === h.default_ioreq_server) g.default_ioreq_server = t;
  }
  return g;
}
// ---- end of the Xen 4.5 block ----

// ---- issue 11: stdvga's cached VGA state and the shutdown fields of 4.4 ----
/**
 * struct hvm_hw_stdvga (xen/include/asm-x86/hvm/io.h@RELEASE-4.4.0), the state stdvga.c keeps per domain:
 * whether the guest is in standard VGA mode, whether Xen caches the VGA memory, the sequencer and graphics
 * registers it snoops, the latch, and the 64 pages of video memory (allocated here on first write).
 */
/** The vram of a stdvga never written: shared, never written itself. */
const NO_VRAM: ReadonlyArray<Uint8Array | null> & Array<Uint8Array | null> = Object.freeze(new Array<Uint8Array | null>(64).fill(null)) as Array<Uint8Array | null>;

export class HvmHwStdvga {
  sr_index = 0;
  sr = new Uint8Array(8);
  gr_index = 0;
  gr = new Uint8Array(9);
  stdvga = false;
  cache = false;
  latch = 0;
  /**
   * vram_page[0..63], each 4096 bytes; null until written (a fresh page reads as zeroes, as clear_page leaves it).
   * Until the first write it is the shared NO_VRAM (writers replace it first), so clones of an unused stdvga are cheap.
   */
  vram: Array<Uint8Array | null> = NO_VRAM;
  /** Set while sr and gr are shared with a clone (or its original): the next register write copies them first. */
  regsShared = false;
  clone(): HvmHwStdvga {
    const c = new HvmHwStdvga();
    c.sr_index = this.sr_index; c.gr_index = this.gr_index;
    if (sharing.on) { c.sr = this.sr; c.gr = this.gr; c.regsShared = this.regsShared = true; } else { c.sr = this.sr.slice(); c.gr = this.gr.slice(); }
    c.stdvga = this.stdvga; c.cache = this.cache; c.latch = this.latch;
    c.vram = this.vram === NO_VRAM ? NO_VRAM : this.vram.map((p) => (p ? p.slice() : null));
    return c;
  }
  /** This stdvga, its sr and gr its own to write (copied first while a clone shares them). */
  ownRegs(): this {
    if (this.regsShared) { this.sr = this.sr.slice(); this.gr = this.gr.slice(); this.regsShared = false; }
    return this;
  }
  /** Whether any vram page was ever written. */
  hasVram(): boolean {
    return this.vram !== NO_VRAM;
  }
  /** The vram array to write into (this domain's own, made on first use). */
  vramForWrite(): Array<Uint8Array | null> {
    if (this.vram === NO_VRAM) this.vram = new Array<Uint8Array | null>(64).fill(null);
    return this.vram;
  }
}
/** The p2m types the model distinguishes (xen/include/asm-x86/p2m.h@RELEASE-4.4.0). */
export type P2mType = 'p2m_ram_rw' | 'p2m_ram_ro' | 'p2m_mmio_dm' | 'p2m_ram_paged' | 'p2m_ram_shared';

/**
 * The p2m type of gfn, as get_gfn_query / get_page_from_gfn report it in 4.4: a paged-out or shared RAM frame, a
 * read-only one, RAM, or p2m_mmio_dm for what holds no RAM (the VGA hole xc_hvm_build leaves at 0xa0-0xbf,
 * tools/libxc/xc_hvm_build_x86.c:341-352@RELEASE-4.4.0, and any frame never populated: ept_get_entry reports an
 * empty entry as p2m_mmio_dm, xen/arch/x86/mm/p2m-ept.c:505@RELEASE-4.4.0).
 */
export function p2mTypeOf(d: Domain, gfn: number): P2mType {
  if (gfn >= 0xa0 && gfn < 0xc0 && !d.physmap.has(gfn)) return 'p2m_mmio_dm';
  if (d.holes.has(gfn)) return 'p2m_mmio_dm';
  const pg = d.physmap.get(gfn);
  if (!pg) return gfn >= 0 && gfn < d.ram_pages ? 'p2m_ram_rw' : 'p2m_mmio_dm';
  if (pg.paged_out) return 'p2m_ram_paged';
  if (pg.shared) return 'p2m_ram_shared';
  if (pg.not_writable) return 'p2m_ram_ro';
  return 'p2m_ram_rw';
}

/** SHUTDOWN_* (xen/include/public/sched.h:156-160@RELEASE-4.4.0). */
export const SHUTDOWN_NAMES = ['SHUTDOWN_poweroff', 'SHUTDOWN_reboot', 'SHUTDOWN_suspend', 'SHUTDOWN_crash', 'SHUTDOWN_watchdog'];
// ---- end issue 11 ----

export interface PauseFlags {
  /** _VPF_blocked_in_xen: descheduled in wait_on_xen_event_channel. */
  blocked_in_xen: boolean;
  /** _VPF_down: not brought up yet (or taken down). */
  down: boolean;
}

/** struct hvm_vcpu_io (the completion bookkeeping hvm_io_assist reads). */
export interface HvmVcpuIo {
  io_state: number;
  io_data: bigint;
  io_size: number;
  /** What the emulated instruction was, so a completion can finish it: kept by the model for views. */
  mmio_gpa: bigint;
}

export class Vcpu {
  pause_flags: PauseFlags = { blocked_in_xen: false, down: false };
  arch = {
    hvm_vcpu: {
      hvm_io: { io_state: HVMIO_none, io_data: 0n, io_size: 0, mmio_gpa: 0n } as HvmVcpuIo,
      inject_trap: { vector: -1 },
      /** 4.4 / legacy only: the vcpu's ioreq port before servers kept them (v->arch.hvm_vcpu.xen_port). */
      xen_port: 0,
    },
  };
  /** Guest rax, where a port read lands. */
  rax = 0n;
  /** vcpu_start_shutdown_deferral counts; the domain's shutdown can refuse a new one. */
  defer_shutdown = false;
  /** v->paused_for_shutdown: domain_shutdown / vcpu_check_shutdown paused it; it runs no more. */
  paused_for_shutdown = false;
  /** Completed guest I/O operations, for the trace. */
  io_done = 0;
  /** Guest I/O operations Xen dropped silently (hvm_send_assist_req returned 0). */
  io_dropped = 0;
  /** Accesses neither sent to a server nor completed: the instruction restarts to the same end (a wedged vcpu). */
  io_restarts = 0;
  /** 4.21: accesses hvmemul_do_io refused because v->io.req was still READY from an earlier request (f7039ee41b). */
  io_stale = 0;
  // ---- issue 10 (today's Xen) ----
  /** v->io (struct vcpu_io, RELEASE-4.21.0 sched.h:310). */
  io = new VcpuIo();
  /** v->mapcache_invalidate (sched.h:250): a p2m removal asked for a map-cache flush the vcpu sends on its way out. */
  mapcache_invalidate = false;
  /**
   * Not Xen's: how often vcpu_ioreq_handle_completion finished the vcpu's access (and let it go back to the guest)
   * while some server still had a request of the vcpu pending. The fixed code waits for every one (da20c93108).
   */
  io_completed_pending = 0;
  /**
   * Not Xen's: port accesses a server was sent whose instruction handle_pio then left to restart (RIP not advanced):
   * the guest runs it again and the device sees it twice. The fixed code restarts only unsent ones (b7e0d89788).
   */
  io_restarted_sent = 0;
  // ---- end 4.21 ----
  constructor(public domain: Domain, public vcpu_id: number) {}
}

export interface CrashInfo {
  reason: string;
  fn: string;
  /** Which actor was running. */
  actor: string;
}

export class Domain {
  vcpu: Vcpu[] = [];
  is_hvm = true;
  /** DOMDYING_alive 0, DOMDYING_dying 1, DOMDYING_dead 2. */
  is_dying = 0;
  /** d->pause_count */
  pause_count = 0;
  /** domain_crash(): is_shutting_down with SHUTDOWN_crash, and why. */
  crashed: CrashInfo | null = null;
  is_shutting_down = false;
  /** d->shutdown_code: the first domain_shutdown's reason (SHUTDOWN_*), -1 while none. */
  shutdown_code = -1;
  /** d->is_shut_down: every vcpu has paused for the shutdown (__domain_finalise_shutdown). */
  is_shut_down = false;
  /** Gfns p2m_mem_paging_populate was asked for, oldest first (the pager's request ring; issue 11). */
  paging_requests: number[] = [];
  /** d->arch.hvm_domain.stdvga (issue 11). */
  stdvga = new HvmHwStdvga();
  evtchn = new EvtchnTable();
  arch: { hvm_domain: { ioreq_server: HvmIoreqServer | null; params: number[]; is_s3_suspended: boolean } };
  /**
   * The guest physmap: pfn -> page, for every populated frame the model materialised. Read it directly; change a
   * page only through page(), which gives this domain its own copy of a page a clone still shares.
   */
  physmap = new Map<number, GuestPage>();
  /** RAM below this pfn is populated (lowmem) without being materialised. */
  ram_pages = 0;
  /** Frames removed from the physmap (XENMEM_decrease_reservation): get_page_from_gfn finds nothing there. */
  holes = new Set<number>();
  /** d->target: the domain this one may manage as its device model (xc_domain_set_target), or -1. */
  target = -1;
  /** hvm_info->reserved_mem_pgstart as the builder wrote it. */
  reserved_mem_pgstart = 0;
  // ---- issue 10 (today's Xen) ----
  /** Today's ioreq state of struct domain (servers, gfn pool, CF8 latch, references held on this domain). */
  x421 = new Domain421();
  // ---- end 4.21 ----
  /** 4.5 only: the ioreq-server members of d->arch.hvm_domain (see the Xen 4.5 block above). */
  hvm45 = new HvmDomain45();
  constructor(public domain_id: number, nrParams: number, params?: number[]) {
    this.arch = { hvm_domain: { ioreq_server: null, params: params ?? new Array<number>(nrParams).fill(0), is_s3_suspended: false } };
  }

  /** get_page_from_gfn: the frame at pfn, or null when nothing is there. */
  page(pfn: number): GuestPage | null {
    if (this.holes.has(pfn)) return null;
    const p = this.physmap.get(pfn);
    if (p && p.cow) {
      const own = p.clone();
      this.physmap.set(pfn, own);
      return own;
    }
    if (p) return p;
    if (pfn >= 0 && pfn < this.ram_pages) {
      const q = new GuestPage('ram');
      this.physmap.set(pfn, q);
      return q;
    }
    return null;
  }
}

export interface FaultPlan {
  /** Fail the next n-th xzalloc / map_domain_page_global / event-channel allocation (0: next one). -1: never. */
  xzalloc: number;
  map: number;
  evtchn: number;
}

/** A console line, as gdprintk would put it in the ring (xl dmesg). */
export interface ConsoleLine {
  level: 'XENLOG_INFO' | 'XENLOG_WARNING' | 'XENLOG_ERR';
  fn: string;
  domid: number;
  vcpu: number;
  text: string;
}

export { XenPanic } from './panic';

/** A defect the C code would commit silently (a use after free), recorded instead of hidden. */
export interface BugReport {
  kind: 'use-after-free';
  fn: string;
  text: string;
}

/** The whole hypervisor: what one Xen host holds. */
export class Xen {
  domains = new Map<number, Domain>();
  /** Fixes from Xen's history this run undoes (src/model/fixes.ts): the code reads reverted(id) where the fix is. */
  reverts = new Set<string>();
  reverted(id: string): boolean { return this.reverts.size > 0 && this.reverts.has(id); }
  console: ConsoleLine[] = [];
  bugs: BugReport[] = [];
  /** Set when a XenPanic reached the driver: the host is down. */
  panic: { fn: string; message: string } | null = null;
  faults: FaultPlan = { xzalloc: -1, map: -1, evtchn: -1 };
  /** Live xzalloc'd structs by kind (xzalloc counts one up, xfree one down): what a failure path leaks stays here. */
  heap: Record<string, number> = {};
  /** Record events? Off for flat-out runs (benchmarks, the explorer). */
  on = true;
  events: ModelEvent[] = [];
  /** Who is running now, for events and crash reasons. */
  actor = 'toolstack';
  /** The current vcpu ("current" in Xen), when a vcpu is running in Xen. */
  current: Vcpu | null = null;

  constructor(public profile: ProfileName, public nrParams: number) {}

  emit(e: EventInput): void {
    (e as ModelEvent).seq = this.events.length;
    (e as ModelEvent).actor = this.actor;
    this.events.push(e as ModelEvent);
  }

  /** Records an allocation of a struct of this kind (after a successful xzalloc). */
  heapAlloc(kind: string): void {
    this.heap[kind] = (this.heap[kind] ?? 0) + 1;
  }

  /** Records an xfree of a struct of this kind; freeing what was never allocated is the model's own defect. */
  heapFree(kind: string): void {
    const n = this.heap[kind] ?? 0;
    if (n <= 0) throw new Error(`internal: xfree of a ${kind} that was never allocated`);
    this.heap[kind] = n - 1;
  }

  /** Counts down a fault plan entry; true when this allocation is the one to fail. */
  failNext(kind: keyof FaultPlan): boolean {
    const n = this.faults[kind];
    if (n < 0) return false;
    this.faults[kind] = n - 1;
    return n === 0;
  }

  printk(level: ConsoleLine['level'], fn: string, d: Domain | null, text: string): void {
    const line: ConsoleLine = { level, fn, domid: d ? d.domain_id : -1, vcpu: this.current ? this.current.vcpu_id : -1, text };
    this.console.push(line);
    if (this.on) this.emit({ kind: 'printk', fn, domid: line.domid, detail: { level }, text });
  }

  /** A deep copy: pages, ports, servers and vcpus, with every internal reference remapped. */
  clone(withEvents: boolean = this.on): Xen {
    const y = new Xen(this.profile, this.nrParams);
    const x421 = this.profile === '4.21' || this.profile === '4.21-arm';
    y.console = this.console.slice();
    y.bugs = this.bugs.slice();
    y.panic = this.panic ? { ...this.panic } : null;
    y.faults = { ...this.faults };
    y.heap = { ...this.heap };
    y.reverts = this.reverts;
    y.on = this.on;
    y.events = withEvents ? this.events.slice() : [];
    y.actor = this.actor;
    for (const [id, d] of this.domains) {
      const e = new Domain(id, this.nrParams, d.arch.hvm_domain.params.slice());
      e.is_hvm = d.is_hvm; e.is_dying = d.is_dying; e.pause_count = d.pause_count;
      e.crashed = d.crashed ? { ...d.crashed } : null; e.is_shutting_down = d.is_shutting_down;
      e.shutdown_code = d.shutdown_code; e.is_shut_down = d.is_shut_down; e.stdvga = d.stdvga.clone(); e.paging_requests = d.paging_requests.slice();
      e.evtchn = d.evtchn.clone();
      e.arch.hvm_domain.is_s3_suspended = d.arch.hvm_domain.is_s3_suspended;
      for (const [pfn, p] of d.physmap) {
        if (p.view) e.physmap.set(pfn, p.clone());
        else { p.cow = true; e.physmap.set(pfn, p); }
      }
      e.ram_pages = d.ram_pages; e.holes = new Set(d.holes); e.target = d.target; e.reserved_mem_pgstart = d.reserved_mem_pgstart;
      for (const v of d.vcpu) {
        const w = new Vcpu(e, v.vcpu_id);
        w.pause_flags = { ...v.pause_flags };
        w.arch.hvm_vcpu.hvm_io = { ...v.arch.hvm_vcpu.hvm_io };
        w.arch.hvm_vcpu.inject_trap = { ...v.arch.hvm_vcpu.inject_trap };
        w.arch.hvm_vcpu.xen_port = v.arch.hvm_vcpu.xen_port;
        w.rax = v.rax; w.defer_shutdown = v.defer_shutdown; w.paused_for_shutdown = v.paused_for_shutdown; w.io_done = v.io_done; w.io_dropped = v.io_dropped; w.io_restarts = v.io_restarts; w.io_stale = v.io_stale;
        // ---- 4.21 ----
        if (!x421 && sharing.on) w.io = v.io; // only today's code writes v->io: older profiles' clones share it
        else {
          w.io.completion = v.io.completion; w.io.suspended = v.io.suspended; w.io.req = { ...v.io.req }; w.io.dabt = { ...v.io.dabt }; w.io.wait_prev_state = v.io.wait_prev_state;
          w.io.hold_after_send = v.io.hold_after_send; w.io.held_rc = v.io.held_rc;
          w.io.wait_at = v.io.wait_at; w.io.wait_state = v.io.wait_state; w.io.wait_prev = v.io.wait_prev; w.io.wait_server = v.io.wait_server;
          w.io.wait_seen = v.io.wait_seen; w.io.wait_cycled = v.io.wait_cycled;
        }
        w.mapcache_invalidate = v.mapcache_invalidate; w.io_completed_pending = v.io_completed_pending; w.io_restarted_sent = v.io_restarted_sent;
        // ---- end 4.21 ----
        e.vcpu.push(w);
      }
      // 4.21 (servers are remapped below, once every domain exists); only today's code writes it, so others share it.
      e.x421 = x421 || !sharing.on ? d.x421.clone() : d.x421;
      const s = d.arch.hvm_domain.ioreq_server;
      if (s) e.arch.hvm_domain.ioreq_server = cloneServer(s, e);
      e.hvm45 = this.profile === '4.5' || !sharing.on ? cloneHvm45(d.hvm45, e) : d.hvm45; // 4.5 block (only 4.5's code writes it)
      y.domains.set(id, e);
    }
    if (x421 || !sharing.on) cloneServers421(this, y);
    if (this.current) y.current = y.domains.get(this.current.domain.domain_id)?.vcpu[this.current.vcpu_id] ?? null;
    return y;
  }
}

// ---- issue 10 (today's Xen): cloning the servers ----
/** Copies every domain's ioreq servers into y, remapping domains, vcpus and pages (resource pages get own copies). */
function cloneServers421(x: Xen, y: Xen): void {
  for (const [id, d] of x.domains) {
    const e = y.domains.get(id)!;
    // Pages of the guest physmap the clone copied, old -> new (a server's gfn page sits there until enabled).
    const pages = new Map<GuestPage, GuestPage>();
    for (const [pfn, p] of d.physmap) if (p.view) pages.set(p, e.physmap.get(pfn)!);
    const ioPage = (src: IoreqPage): IoreqPage => {
      const q = new IoreqPage();
      q.gfn = src.gfn;
      if (src.page) {
        q.page = pages.get(src.page) ?? src.page.clone();
        pages.set(src.page, q.page);
        q.va = src.va ? q.page.data() : null;
      }
      return q;
    };
    d.x421.server.forEach((s, k) => {
      if (!s) return;
      const t = new IoreqServer(e, y.domains.get(s.emulator.domain_id) ?? s.emulator);
      t.ioreq = ioPage(s.ioreq); t.bufioreq = ioPage(s.bufioreq);
      t.ioreq_vcpu_list = s.ioreq_vcpu_list.map((sv) => {
        const w = new IoreqVcpu(e.vcpu[sv.vcpu.vcpu_id]);
        w.ioreq_evtchn = sv.ioreq_evtchn; w.pending = sv.pending;
        return w;
      });
      t.bufioreq_evtchn = s.bufioreq_evtchn; t.range = s.range.map((r) => r.clone());
      t.enabled = s.enabled; t.bufioreq_handling = s.bufioreq_handling; t.id = s.id; t.freed = s.freed; t.how = s.how.slice();
      e.x421.server[k] = t;
    });
  }
}
// ---- end 4.21 ----

function clonePage(src: HvmIoreqPage, d: Domain): HvmIoreqPage {
  const p = new HvmIoreqPage();
  p.page = src.page;
  if (src.va && src.page !== null) p.va = d.page(src.page)?.data() ?? null;
  return p;
}

function cloneServer(s: HvmIoreqServer, d: Domain): HvmIoreqServer {
  const t = new HvmIoreqServer(d, s.ioreq_evtchn.length);
  t.freed = s.freed; t.domid = s.domid;
  t.ioreq = clonePage(s.ioreq, d);
  t.buf_ioreq = clonePage(s.buf_ioreq, d);
  t.ioreq_evtchn = s.ioreq_evtchn.slice();
  t.buf_ioreq_evtchn = s.buf_ioreq_evtchn;
  return t;
}
