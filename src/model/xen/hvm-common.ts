// @stepped
// Parts of xen/arch/x86/hvm/{hvm,io,emulate}.c that the seed leaves as they were, shared by the legacy and seed
// profiles: the ring helper mapping, event-channel replacement, hvm_io_assist, hvm_buffered_io_send, the emulator's
// hand-off (hvmemul_do_io) and domain pause/crash. Sources: [X44] = RELEASE-4.4.0, [SEED] = the seed patch.
import * as A from '../abi';
import { EINVAL, ENOENT, ENOMEM } from '../errno';
import * as E from '../evtchn';
import { $, type Co } from '../step';
import * as X from '../xen';
import { IoreqRef, type Domain, type HvmIoreqPage, type HvmIoreqServer, type Vcpu, type Xen } from '../xen';
export { IoreqRef };

/** An hvm_do_resume / hvm_wait_on_io outcome: the C code never returns from a wait that deschedules the vcpu. */
export const RESUMED = 0;
export const DESCHEDULED = 1;
export const CRASHED = 2;

/** X86EMUL_* (xen/arch/x86/x86_emulate/x86_emulate.h). */
export const X86EMUL_OKAY = 0;
export const X86EMUL_UNHANDLEABLE = 1;
export const X86EMUL_RETRY = 3;

/** The proto ioreq a vcpu's emulation builds before hand-off. */
export interface ProtoIoreq extends A.Ioreq {}

export class HvmCommon {
  constructor(public x: Xen) {}

  // ---- small Xen primitives (not stepped into: one statement each) ----

  /** domain_pause (xen/common/domain.c): counts; vcpus do not run while the count is non-zero. */
  domainPause(d: Domain, fn: string): void {
    // ASSERT(d != current->domain): a vcpu may not pause its own domain (it would wait for itself forever).
    if (this.x.current && this.x.current.domain === d) throw new X.XenPanic(fn, `ASSERT(d != current->domain) failed: d${d.domain_id}v${this.x.current.vcpu_id} pauses its own domain in ${fn}`);
    d.pause_count++;
    if (this.x.on) this.x.emit({ kind: 'domain_pause', fn, domid: d.domain_id, after: d.pause_count, text: `d${d.domain_id} paused (count ${d.pause_count})` });
  }

  /** domain_unpause: a count below zero is a Xen BUG_ON. */
  domainUnpause(d: Domain, fn: string): void {
    if (d.pause_count === 0) throw new X.XenPanic(fn, `BUG_ON: domain_unpause(d${d.domain_id}) with pause_count 0`);
    d.pause_count--;
    if (this.x.on) this.x.emit({ kind: 'domain_unpause', fn, domid: d.domain_id, after: d.pause_count, text: `d${d.domain_id} unpaused (count ${d.pause_count})` });
  }

  /** domain_crash (xen/common/domain.c): logs and shuts the domain down with SHUTDOWN_crash. */
  domainCrash(d: Domain, fn: string, reason: string): void {
    // __domain_crash says nothing for a domain already shutting down; domain_shutdown ends every vcpu's deferral.
    if (d.is_shutting_down) return;
    if (!d.crashed) d.crashed = { reason, fn, actor: this.x.actor };
    d.is_shutting_down = true;
    for (const w of d.vcpu) w.defer_shutdown = false;
    const cur = this.x.current;
    this.x.printk('XENLOG_INFO', 'domain_crash', d, cur && cur.domain === d
      ? `Domain ${d.domain_id} (vcpu#${cur.vcpu_id}) crashed on cpu#0:`
      : `Domain ${d.domain_id} reported crashed by domain ${cur ? cur.domain.domain_id : 0} on cpu#0:`);
    if (this.x.on) this.x.emit({ kind: 'domain_crash', fn, domid: d.domain_id, detail: { reason }, text: `d${d.domain_id} crashed: ${reason}` });
  }

  /** get_ioreq: vcpu n's slot in the server's mapped page (the seed indexes by vcpu_id). */
  getIoreq(s: HvmIoreqServer, vcpuId: number): IoreqRef {
    this.checkLive(s, 'get_ioreq');
    const va = s.ioreq.va;
    if (!va) throw new X.XenPanic('get_ioreq', `NULL dereference: get_ioreq on d${s.domain.domain_id} with no ioreq page mapped`);
    const cached = s.refs[vcpuId];
    if (cached && cached.va === va) return cached;
    return (s.refs[vcpuId] = new IoreqRef(va, A.ioreqOffset(vcpuId), vcpuId));
  }

  /** Reports a use of a server after xfree() instead of silently reading freed memory. */
  checkLive(s: HvmIoreqServer, fn: string): void {
    if (s.freed) {
      this.x.bugs.push({ kind: 'use-after-free', fn, text: `${fn} used d${s.domain.domain_id}'s ioreq server after xfree()` });
      if (this.x.on) this.x.emit({ kind: 'printk', fn, domid: s.domain.domain_id, detail: { bug: 'use-after-free' }, text: `BUG (model): ${fn} uses a freed ioreq server` });
    }
  }

  /** vcpu_start_shutdown_deferral (xen/common/domain.c): fails once the domain is shutting down. */
  vcpuStartShutdownDeferral(v: Vcpu): boolean {
    if (v.defer_shutdown) return true;
    v.defer_shutdown = true;
    // vcpu_check_shutdown: a domain already shutting down takes the deferral back (and pauses the vcpu).
    if (v.domain.is_shutting_down) v.defer_shutdown = false;
    return v.defer_shutdown;
  }

  /** vcpu_end_shutdown_deferral */
  vcpuEndShutdownDeferral(v: Vcpu): void {
    v.defer_shutdown = false;
  }

  // ---- the ring helper mapping ([X44] hvm.c 423-464, unchanged by the seed) ----

  /** prepare_ring_for_helper: take a writable reference on gmfn and map it globally. */
  *prepareRingForHelper(d: Domain, gmfn: number): Co<{ rc: number; page: number; va: DataView | null }> {
    const page = d.page(gmfn);
    yield $('get_page_from_gfn', { d, gmfn, page: page ? A.hex(gmfn) : 'NULL' });
    if (page && page.paged_out) {
      yield $('paging', { gmfn });
      return { rc: -ENOENT, page: gmfn, va: null };
    }
    if (page && page.shared) {
      yield $('shared', { gmfn });
      return { rc: -ENOENT, page: gmfn, va: null };
    }
    if (!page) {
      yield $('no_page', { gmfn });
      return { rc: -EINVAL, page: gmfn, va: null };
    }
    yield $('get_page_type', { gmfn });
    if (page.not_writable) return { rc: -EINVAL, page: gmfn, va: null };
    yield $('map_global', { gmfn });
    if (this.x.failNext('map')) return { rc: -ENOMEM, page: gmfn, va: null };
    page.xen_maps++;
    const va = page.data();
    if (this.x.on) this.x.emit({ kind: 'page_map', fn: 'prepare_ring_for_helper', domid: d.domain_id, after: page.xen_maps,
      detail: { pfn: gmfn }, text: `d${d.domain_id} pfn ${A.hex(gmfn)} mapped by Xen (${page.xen_maps} mapping${page.xen_maps > 1 ? 's' : ''})` });
    return { rc: 0, page: gmfn, va };
  }

  /** destroy_ring_for_helper: unmap and drop the reference, if there is a mapping. */
  *destroyRingForHelper(d: Domain, iorp: { va: DataView | null; page: number | null }): Co<void> {
    yield $('check', { va: iorp.va ? 'mapped' : 'NULL' });
    if (iorp.va !== null && iorp.page !== null) {
      const pg = d.page(iorp.page);
      if (pg) pg.xen_maps--;
      if (this.x.on) this.x.emit({ kind: 'page_unmap', fn: 'destroy_ring_for_helper', domid: d.domain_id,
        detail: { pfn: iorp.page }, text: `d${d.domain_id} pfn ${A.hex(iorp.page)} unmapped by Xen` });
      iorp.va = null;
    }
  }

  // ---- event channels ----

  /** hvm_replace_event_channel ([X44] 3902-3915): allocate first; on success swap in and free the old port. */
  *hvmReplaceEventChannel(v: Vcpu, remoteDomid: number, holder: { get(): number; set(p: number): void }): Co<number> {
    const d = v.domain;
    yield $('alloc', { v, remote_domid: remoteDomid });
    const new_port = E.allocUnboundXenEventChannel(this.x, d, v.vcpu_id, remoteDomid);
    yield $('check', { v, remote_domid: remoteDomid, new_port });
    if (new_port < 0) return new_port;
    yield $('xchg', { v, remote_domid: remoteDomid, new_port });
    const old_port = holder.get();
    holder.set(new_port);
    yield $('free', { v, old_port, new_port });
    E.freeXenEventChannel(this.x, d, old_port);
    yield $('ret', { old_port, new_port });
    return 0;
  }

  // ---- completion (xen/arch/x86/hvm/io.c) ----

  /** hvm_io_assist ([X44] io.c:268-307): slot back to NONE, then finish the emulation the vcpu was waiting on. */
  *hvmIoAssist(p: IoreqRef): Co<void> {
    const curr = this.x.current!;
    const vio = curr.arch.hvm_vcpu.hvm_io;
    yield $('rmb', { p, io_state: X.HVMIO_NAMES[vio.io_state] });
    p.state = A.STATE_IOREQ_NONE;
    if (this.x.on) this.x.emit({ kind: 'slot_state', fn: 'hvm_io_assist', domid: curr.domain.domain_id, vcpu: curr.vcpu_id,
      before: 'STATE_IORESP_READY', after: 'STATE_IOREQ_NONE', text: `d${curr.domain.domain_id}v${curr.vcpu_id} slot IORESP_READY -> NONE` });
    const io_state = vio.io_state;
    vio.io_state = X.HVMIO_none;
    yield $('switch', { p, io_state: X.HVMIO_NAMES[io_state] });
    const data = p.data;
    switch (io_state) {
      case X.HVMIO_awaiting_completion:
        vio.io_state = X.HVMIO_completed;
        vio.io_data = data;
        break;
      case X.HVMIO_handle_mmio_awaiting_completion:
        vio.io_state = X.HVMIO_completed;
        vio.io_data = data;
        yield $('handle_mmio', { io_data: A.hex(data) });
        // handle_mmio re-runs the instruction; hvmemul_do_io finds HVMIO_completed and the instruction's destination
        // (rax in this model) receives io_data.
        // A 4-byte load zero-extends into the 64-bit register; narrower loads keep the upper bytes.
        curr.rax = this.mergeReg(curr.rax, data, vio.io_size);
        vio.io_state = X.HVMIO_none;
        break;
      case X.HVMIO_handle_pio_awaiting_completion:
        // A 4-byte port read zero-extends into rax; narrower ones replace only the low io_size bytes.
        curr.rax = this.mergeReg(curr.rax, data, vio.io_size);
        break;
      default:
        break;
    }
    if (this.x.on) this.x.emit({ kind: 'io_assist', fn: 'hvm_io_assist', domid: curr.domain.domain_id, vcpu: curr.vcpu_id,
      detail: { io_state: X.HVMIO_NAMES[io_state], data: A.hex(data) }, text: `d${curr.domain.domain_id}v${curr.vcpu_id} I/O completed (${X.HVMIO_NAMES[io_state]}, data ${A.hex(data)})` });
    yield $('end', { p });
    if (p.state === A.STATE_IOREQ_NONE) {
      // msix_write_completion(curr): no MSI-X table writes in this model.
      this.vcpuEndShutdownDeferral(curr);
    }
    curr.io_done++;
  }

  /** A load of `size` bytes into a 64-bit register: 4 bytes zero-extend, 1 and 2 keep the upper bytes. */
  mergeReg(old: bigint, data: bigint, size: number): bigint {
    if (size === 4) return data & 0xffffffffn;
    if (size >= 8) return BigInt.asUintN(64, data);
    const mask = (1n << BigInt(size * 8)) - 1n;
    return (old & ~mask) | (data & mask);
  }

  // ---- buffered I/O ([X44] io.c:49-126; the server pointer as in bb6d5e155d, inferred for the seed) ----

  /** hvm_buffered_io_send: 1 when queued on the buffered ring, 0 when the caller must use the synchronous path. */
  *hvmBufferedIoSend(v: Vcpu, p: ProtoIoreq): Co<number> {
    const d = v.domain;
    const s = d.arch.hvm_domain.ioreq_server;
    yield $('entry', { d: d.domain_id, s: s ? 'server' : 'NULL' });
    if (!s) return 0;
    this.checkLive(s, 'hvm_buffered_io_send');
    const iorp = s.buf_ioreq;
    const pg = iorp.va;
    let qw = 0;
    yield $('limits', { addr: A.hex(p.addr), data_is_ptr: p.data_is_ptr, count: p.count });
    if (p.addr > 0xfffffn || p.data_is_ptr || p.count !== 1) return 0;
    let size: number;
    yield $('size', { size: p.size });
    switch (p.size) {
      case 1: size = 0; break;
      case 2: size = 1; break;
      case 4: size = 2; break;
      case 8: size = 3; qw = 1; break;
      default:
        this.x.printk('XENLOG_WARNING', 'hvm_buffered_io_send', d, `unexpected ioreq size: ${p.size}`);
        return 0;
    }
    if (!pg) throw new X.XenPanic('hvm_buffered_io_send', `NULL dereference: no buffered page mapped for d${d.domain_id}`);
    const bp: A.BufIoreq = { type: p.type, pad: 0, dir: p.dir, size, addr: Number(p.addr), data: Number(p.data & 0xffffffffn) };
    const rp = pg.getUint32(A.BUF_OFF_READ_POINTER, true);
    const wp = pg.getUint32(A.BUF_OFF_WRITE_POINTER, true);
    yield $('full', { bp, read_pointer: rp, write_pointer: wp, qw });
    if (((wp - rp) >>> 0) >= A.IOREQ_BUFFER_SLOT_NUM - qw) {
      if (this.x.on) this.x.emit({ kind: 'buffered_full', fn: 'hvm_buffered_io_send', domid: d.domain_id, vcpu: v.vcpu_id,
        detail: { read_pointer: rp, write_pointer: wp }, text: `d${d.domain_id} buffered ring full (${wp - rp} used): synchronous path` });
      return 0;
    }
    A.writeBufIoreq(pg, A.bufSlotOffset(wp), bp);
    yield $('copy', { slot: wp % A.IOREQ_BUFFER_SLOT_NUM });
    if (qw) {
      bp.data = Number((p.data >> 32n) & 0xffffffffn);
      A.writeBufIoreq(pg, A.bufSlotOffset((wp + 1) >>> 0), bp);
      yield $('copy_hi', { slot: (wp + 1) % A.IOREQ_BUFFER_SLOT_NUM, data_hi: A.hex(bp.data) });
    }
    // wmb(): the slots are visible before the pointer moves.
    pg.setUint32(A.BUF_OFF_WRITE_POINTER, (wp + (qw ? 2 : 1)) >>> 0, true);
    if (this.x.on) this.x.emit({ kind: 'buffered_write', fn: 'hvm_buffered_io_send', domid: d.domain_id, vcpu: v.vcpu_id,
      before: wp, after: (wp + (qw ? 2 : 1)) >>> 0, detail: { addr: A.hex(p.addr), size: p.size, data: A.hex(p.data) },
      text: `d${d.domain_id}v${v.vcpu_id} buffered ${p.dir ? 'read' : 'write'} ${A.hex(p.addr)} size ${p.size} data ${A.hex(p.data)}: write_pointer ${wp} -> ${(wp + (qw ? 2 : 1)) >>> 0}` });
    yield $('notify', { port: s.buf_ioreq_evtchn });
    E.notifyViaXenEventChannel(this.x, d, s.buf_ioreq_evtchn);
    return 1;
  }
}

export type { HvmIoreqPage };
