// @stepped
// xen/common/ioreq.c of RELEASE-4.21.0 [X421]: today's ioreq servers, common to x86 and Arm. Servers sit in
// d->ioreq_server.server[0..7]; the emulator is the domain that created the server; requests are routed by range
// sets; wait_for_io refuses a state that moves backwards. The arch hooks (arch_ioreq_*) are abstract here and
// written by arch/x86/hvm/ioreq.ts and arch/arm/ioreq.ts. Each method cites [X421] file:line.
import * as A from '../../../abi';
import { EEXIST, EINVAL, ENOENT, ENOMEM, ENOSPC, EOPNOTSUPP, EPERM } from '../../../errno';
import * as E from '../../../evtchn';
import * as P from '../../../params';
import { $, type Co } from '../../../step';
import * as X from '../../../xen';
import type { Domain, IoreqServer, IoreqVcpu, Rangeset, Vcpu } from '../../../xen';
import { DomainCode } from '../../common/domain';

/** HVM_IOREQSRV_BUFIOREQ_* (public/hvm/hvm_op.h:177-183). */
export const HVM_IOREQSRV_BUFIOREQ_OFF = 0;
export const HVM_IOREQSRV_BUFIOREQ_LEGACY = 1;
export const HVM_IOREQSRV_BUFIOREQ_ATOMIC = 2;
/** XEN_DMOP_IO_RANGE_* (public/hvm/dm_op.h). */
export const XEN_DMOP_IO_RANGE_PORT = 0;
export const XEN_DMOP_IO_RANGE_MEMORY = 1;
export const XEN_DMOP_IO_RANGE_PCI = 2;
export const RANGE_TYPE_NAMES = ['port', 'memory', 'pci'];
/** XEN_DMOP_* op numbers (public/hvm/dm_op.h:48-440). */
export const XEN_DMOP_create_ioreq_server = 1;
export const XEN_DMOP_get_ioreq_server_info = 2;
export const XEN_DMOP_map_io_range_to_ioreq_server = 3;
export const XEN_DMOP_unmap_io_range_from_ioreq_server = 4;
export const XEN_DMOP_set_ioreq_server_state = 5;
export const XEN_DMOP_destroy_ioreq_server = 6;
export const XEN_DMOP_map_mem_type_to_ioreq_server = 15;
/** XEN_DMOP_no_gfns (dm_op.h:78): get_info must not map the legacy gfns. */
export const XEN_DMOP_no_gfns = 1;
/** XENMEM_resource_ioreq_server frames (public/memory.h): 0 the buffered page, 1 + n the synchronous pages. */
export const XENMEM_resource_ioreq_server_frame_bufioreq = 0;
export const XENMEM_resource_ioreq_server_frame_ioreq = (n: number): number => 1 + n;
/** HVMMEM_ioreq_server (public/hvm/hvm_op.h) and XEN_DMOP_IOREQ_MEM_ACCESS_WRITE (dm_op.h). */
export const HVMMEM_ioreq_server = 5;
export const XEN_DMOP_IOREQ_MEM_ACCESS_WRITE = 1 << 1;

/** One DMOP as the model receives it: op, the outer pad, and the op's own fields (pads included). */
export interface XenDmOp {
  op: number;
  pad?: number;
  u: {
    id?: number; handle_bufioreq?: number; pad?: number; pad3?: [number, number, number]; flags?: number;
    type?: number; start?: bigint; end?: bigint; enabled?: number; opaque?: number;
    // out
    ioreq_gfn?: number; bufioreq_gfn?: number; bufioreq_port?: number;
  };
}

/** IOREQ_STATUS_HANDLED / _UNHANDLED / _RETRY, per arch (x86 X86EMUL_*, Arm IO_*). */
export interface IoreqStatus { HANDLED: number; UNHANDLED: number; RETRY: number }

/** The outcome of wait_for_io in the model: done (true in C), bailed (false in C), or the vcpu descheduled. */
export const WAIT_DONE = 0;
export const WAIT_BAIL = 1;
export const WAIT_DESCHEDULED = 2;
/** The step ended right after a read of the slot state, the vcpu still in wait_for_io's loop (the wait_for_io op). */
export const WAIT_PAUSED = 3;
/** Where wait_for_io stands when a step stops inside it (VcpuIo.wait_at): at the loop's test with `state` read; */
export const WAIT_AT_LOOP = 1;
/** the wait's condition read once, unchanged: next the vcpu is marked blocked and it is read again; */
export const WAIT_AT_BLOCK = 2;
/** (b452430a4c reverted) the switch's bounds check read p->state: next the jump table's index reads it again; */
export const WAIT_AT_INDEX = 3;
/** (92938e5d14 reverted) the wait's condition saw a change: next the loop's head reads p->state again. */
export const WAIT_AT_TOP = 4;

export abstract class Ioreq421 extends DomainCode {
  abstract readonly st: IoreqStatus;
  /** CONFIG_X86: Arm refuses buffered servers at create. */
  abstract readonly isX86: boolean;

  // ---- arch hooks (xen/include/xen/ioreq.h:113-139) ----
  abstract archIoreqServerMapPages(s: IoreqServer): Co<number>;
  abstract archIoreqServerUnmapPages(s: IoreqServer): Co<void>;
  abstract archIoreqServerEnable(s: IoreqServer): Co<void>;
  abstract archIoreqServerDisable(s: IoreqServer): Co<void>;
  abstract archIoreqServerDestroy(s: IoreqServer): Co<void>;
  abstract archIoreqServerMapMemType(d: Domain, s: IoreqServer, flags: number): Co<number>;
  abstract archIoreqServerDestroyAll(d: Domain): Co<boolean>;
  abstract archIoreqServerGetTypeAddr(d: Domain, p: A.Ioreq): Co<{ ok: boolean; type: number; addr: bigint }>;
  abstract archIoreqCompleteMmio(v: Vcpu): Co<boolean>;
  /** handle_pio (x86 hvm/io.c), the VIO_pio_completion case; Arm never gets there. */
  abstract handlePio(v: Vcpu, port: number, size: number, dir: number): Co<boolean>;
  /** On Arm a vcpu blocked in Xen keeps its stack, so wait_for_io resumes where it stopped; on x86 it restarts. */
  abstract readonly waitResumesInPlace: boolean;

  // ---- helpers (not stepped: one statement each of their callers) ----

  /** get_ioreq_server (ioreq.c:73-80). */
  getIoreqServer(d: Domain, id: number): IoreqServer | null {
    if (!Number.isInteger(id) || id < 0 || id >= X.MAX_NR_IOREQ_SERVERS) return null;
    return d.x421.server[id];
  }

  /** get_ioreq (ioreq.c:96-104): vcpu v's slot in the server's synchronous page; a NULL page is dereferenced. */
  getIoreq(s: IoreqServer, v: Vcpu): X.IoreqRef {
    const va = s.ioreq.va;
    if (!va) throw new X.XenPanic('get_ioreq', `NULL dereference: get_ioreq(d${s.target.domain_id} server ${s.id}, v${v.vcpu_id}) with no ioreq page (the emulator never acquired or mapped it)`);
    return new X.IoreqRef(va, A.ioreqOffset(v.vcpu_id), v.vcpu_id);
  }

  /** HANDLE_BUFIOREQ (ioreq.h:83-84). */
  handleBufioreq(s: IoreqServer): boolean {
    return s.bufioreq_handling !== HVM_IOREQSRV_BUFIOREQ_OFF;
  }

  /** get_knownalive_domain / put_domain: the reference a server's emulator pointer holds. */
  getDomain(d: Domain): void { d.x421.refcnt++; }
  putDomain(d: Domain): void { d.x421.refcnt--; }

  /** The servers in FOR_EACH_IOREQ_SERVER order (ioreq.c:90-94): slot 7 down to slot 0. */
  serversNewestFirst(d: Domain): IoreqServer[] {
    const out: IoreqServer[] = [];
    for (let id = X.MAX_NR_IOREQ_SERVERS; id !== 0;) {
      const s = d.x421.server[--id];
      if (s) out.push(s);
    }
    return out;
  }

  /** get_pending_vcpu (ioreq.c:122-147): the first server, newest first, with v's entry pending. */
  getPendingVcpu(v: Vcpu): { s: IoreqServer; sv: IoreqVcpu } | null {
    for (const s of this.serversNewestFirst(v.domain)) {
      for (const sv of s.ioreq_vcpu_list) if (sv.vcpu === v && sv.pending) return { s, sv };
    }
    return null;
  }

  /** vcpu_ioreq_pending (ioreq.c:149-152). */
  vcpuIoreqPending(v: Vcpu): boolean {
    return this.getPendingVcpu(v) !== null;
  }

  /** domain_has_ioreq_server (ioreq.c:111-120). */
  domainHasIoreqServer(d: Domain): boolean {
    return this.serversNewestFirst(d).length > 0;
  }

  /** ioreq_needs_completion (ioreq.h:76-81). */
  ioreqNeedsCompletion(p: A.Ioreq): boolean {
    return p.state === A.STATE_IOREQ_READY && !p.data_is_ptr && (p.type !== A.IOREQ_TYPE_PIO || p.dir !== A.IOREQ_WRITE);
  }

  /** ioreq_mmio_first_byte / ioreq_mmio_last_byte (ioreq.h:60-74): df-aware bounds of a (rep) MMIO access. */
  ioreqMmioFirstByte(p: A.Ioreq): bigint {
    return p.df ? BigInt.asUintN(64, p.addr - BigInt(p.count - 1) * BigInt(p.size)) : p.addr;
  }
  ioreqMmioLastByte(p: A.Ioreq): bigint {
    return p.df ? BigInt.asUintN(64, p.addr + BigInt(p.size) - 1n) : BigInt.asUintN(64, p.addr + BigInt(p.count) * BigInt(p.size) - 1n);
  }

  // rangeset.c, the calls ioreq.c makes (xen/common/rangeset.c:115-250 and the query helpers).
  rangesetOverlapsRange(r: Rangeset, s: bigint, e: bigint): boolean {
    return r.ranges.some(([a, b]) => a <= e && s <= b);
  }
  rangesetContainsRange(r: Rangeset, s: bigint, e: bigint): boolean {
    return r.ranges.some(([a, b]) => a <= s && e <= b);
  }
  /**
   * rangeset_add_range, xen/common/rangeset.c:115-181@RELEASE-4.21.0: merges with overlapping and adjacent ranges.
   * Xen allocates a range (:130-136) unless [s, e] overlaps one or extends one ending at s - 1; a range beginning at
   * e + 1 is joined only afterwards (:172-176), so reaching it alone still needs an allocation: -ENOMEM at the limit.
   */
  rangesetAddRange(r: Rangeset, s: bigint, e: bigint): number {
    const keep: Array<[bigint, bigint]> = [];
    let lo = s, hi = e, extended = false;
    for (const [a, b] of r.ranges) {
      if (b + 1n < s || a > e + 1n) keep.push([a, b]);
      else { lo = a < lo ? a : lo; hi = b > hi ? b : hi; if (a <= e) extended = true; }
    }
    if (!extended && r.ranges.length >= r.limit) return -ENOMEM;
    keep.push([lo, hi]);
    keep.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    r.ranges = keep;
    return 0;
  }
  /** rangeset_remove_range: splitting one range in two needs a new range (-ENOMEM past the limit). */
  rangesetRemoveRange(r: Rangeset, s: bigint, e: bigint): number {
    const out: Array<[bigint, bigint]> = [];
    for (const [a, b] of r.ranges) {
      if (b < s || a > e) { out.push([a, b]); continue; }
      if (a < s) out.push([a, s - 1n]);
      if (b > e) out.push([e + 1n, b]);
    }
    if (out.length > r.limit) return -ENOMEM;
    r.ranges = out;
    return 0;
  }

  /** Slot state writes by Xen, with their event. */
  setSlotState(v: Vcpu, p: X.IoreqRef, state: number, fn: string): void {
    const before = p.state;
    p.state = state;
    if (this.x.on) this.x.emit({ kind: 'slot_state', fn, domid: v.domain.domain_id, vcpu: p.vcpu_id,
      before: A.STATE_NAMES[before] ?? before, after: A.STATE_NAMES[state], text: `d${v.domain.domain_id}v${p.vcpu_id} slot ${A.STATE_NAMES[before] ?? before} -> ${A.STATE_NAMES[state]}` });
  }

  /** HVMOP_set_param's final store, with its event. */
  storeParam(d: Domain, index: number, value: number, fn: string): void {
    const before = d.arch.hvm_domain.params[index];
    d.arch.hvm_domain.params[index] = value;
    const name = P.paramNameOf(this.x.profile, index);
    if (this.x.on) this.x.emit({ kind: 'param_set', fn, domid: d.domain_id, before, after: value,
      detail: { index, name }, text: `d${d.domain_id} ${name ?? index} = ${P.PFN_PARAMS.has(index) ? A.hex(value) : value}` });
  }

  // ---- wait and completion ----

  /**
   * A scenario step that runs wait_for_io one read of the slot state at a time (the wait_for_io op) stops right
   * after its read: the place is kept in the vcpu (vio.wait_*), as the vcpu is still in the loop on its pCPU.
   * Not stepped: one statement of wait_for_io. True when the step stops here.
   */
  stopAfterRead(sv: IoreqVcpu, reads: { left: number } | null, at: number, state: number, prev_state: number): boolean {
    if (!reads || --reads.left > 0) return false;
    const vio = sv.vcpu.io;
    vio.wait_at = at; vio.wait_state = state; vio.wait_prev = prev_state; vio.wait_server = sv.ioreq_evtchn;
    return true;
  }

  /**
   * wait_for_io (ioreq.c:154-209): state read once; a state lower than the last one seen crashes the domain.
   * Each read of p->state is a statement of its own (the initial read, the wait condition before and after the
   * vcpu is marked blocked), so `reads` can end the step after any of them. Two fixes of Xen's history can be
   * undone here: b452430a4c (XSA-166: the switch dispatched on p->state itself, which a jump table reads twice)
   * and 92938e5d14 (XSA-262: no forward-only check, and the loop re-read p->state after the wait's condition).
   */
  *waitForIo(sv: IoreqVcpu, p: X.IoreqRef, reads: { left: number } | null = null): Co<number> {
    const v = sv.vcpu;
    const vio = v.io;
    const r166 = this.x.reverted('b452430a4c');
    const r262 = this.x.reverted('92938e5d14');
    let at = WAIT_AT_LOOP;
    let state = 0;
    let prev_state = A.STATE_IOREQ_NONE;
    let data = 0xffffffffffffffffn;
    if (vio.wait_at && vio.wait_server === sv.ioreq_evtchn) {
      // A step that stopped inside the loop: go on from its place with its locals.
      at = vio.wait_at; state = vio.wait_state; prev_state = vio.wait_prev;
      yield $('go_on', { sv, p, at, state, prev_state });
    } else {
      // On Arm a vcpu that blocked here resumes in this loop with the prev_state it had (its own stack).
      const resumed = this.waitResumesInPlace && vio.wait_prev_state >= 0;
      prev_state = resumed ? vio.wait_prev_state : A.STATE_IOREQ_NONE;
      vio.wait_prev_state = -1;
      vio.wait_seen = 0;
      state = p.state;
      yield $('read_state', { sv, p, state, prev_state, resumed });
      if (this.stopAfterRead(sv, reads, at, state, prev_state)) return WAIT_PAUSED;
    }
    vio.wait_at = 0;
    for (;;) {
      if (at === WAIT_AT_TOP) {
        // 92938e5d14 reverted: the loop's head reads p->state again after the wait's condition saw it change.
        state = p.state;
        yield $('reread', { state });
        at = WAIT_AT_LOOP;
        if (this.stopAfterRead(sv, reads, at, state, prev_state)) return WAIT_PAUSED;
        continue;
      }
      if (at === WAIT_AT_BLOCK) {
        // wait_on_xen_event_channel: marked blocked, the condition evaluated again (a read of its own).
        v.pause_flags.blocked_in_xen = true;
        const again = p.state;
        if (!r262) state = again;
        yield $('recheck', { port: sv.ioreq_evtchn, state: again, prev_state });
        if (again === prev_state) {
          if (this.x.on) this.x.emit({ kind: 'vcpu_block', fn: 'wait_on_xen_event_channel', domid: v.domain.domain_id, vcpu: v.vcpu_id,
            detail: { port: sv.ioreq_evtchn }, text: `d${v.domain.domain_id}v${v.vcpu_id} waits on port ${sv.ioreq_evtchn}` });
          vio.wait_seen = 0;
          if (this.waitResumesInPlace) vio.wait_prev_state = prev_state;
          return WAIT_DESCHEDULED;
        }
        v.pause_flags.blocked_in_xen = false;
        at = r262 ? WAIT_AT_TOP : WAIT_AT_LOOP;
        if (this.stopAfterRead(sv, reads, at, state, prev_state)) return WAIT_PAUSED;
        continue;
      }
      let sw = state;
      if (at === WAIT_AT_INDEX) {
        // b452430a4c reverted: the jump table's index is a second load of p->state, after the bounds check passed.
        sw = p.state;
        yield $('index', { bounds: state, index: sw });
        at = WAIT_AT_LOOP;
        if (sw > A.STATE_IORESP_READY) {
          throw new X.XenPanic('wait_for_io', `switch (p->state): the bounds check read ${state}, the jump table's index read ${sw}: control went through an entry past the end of the table (arbitrary code execution, XSA-166)`);
        }
      } else {
        if (state === A.STATE_IOREQ_NONE) break;
        yield $('check_order', { state, prev_state });
        if (!r262 && state < prev_state) {
          this.x.printk('XENLOG_ERR', 'wait_for_io', v.domain, `Weird HVM ioreq state transition ${prev_state} -> ${state}`);
          sv.pending = false;
          vio.wait_seen = 0;
          this.domainCrash(v.domain, 'wait_for_io', `Weird HVM ioreq state transition ${prev_state} -> ${state}`);
          return WAIT_BAIL;
        }
        if (r166) {
          // The bounds check's load of p->state; a value past the table goes to the default case.
          state = p.state;
          yield $('bounds', { state });
          if (state <= A.STATE_IORESP_READY) {
            at = WAIT_AT_INDEX;
            if (this.stopAfterRead(sv, reads, at, state, prev_state)) return WAIT_PAUSED;
            continue;
          }
          sw = state;
        }
      }
      prev_state = r166 ? state : sw;
      // A state the switch has taken before in this run of the loop: the emulator can make Xen go round for ever.
      if (sw >= A.STATE_IOREQ_READY && sw <= A.STATE_IORESP_READY) {
        if (vio.wait_seen & (1 << sw)) vio.wait_cycled = true;
        vio.wait_seen |= 1 << sw;
      }
      yield $('switch', { state: sw, prev_state });
      if (sw === A.STATE_IORESP_READY) {
        this.setSlotState(v, p, A.STATE_IOREQ_NONE, 'wait_for_io');
        data = p.data;
        yield $('take_data', { data: A.hex(data) });
        break;
      } else if (sw === A.STATE_IOREQ_READY || sw === A.STATE_IOREQ_INPROCESS) {
        // wait_on_xen_event_channel's condition, first evaluated before the vcpu is marked blocked.
        const now = p.state;
        if (!r262) state = now;
        yield $('wait', { port: sv.ioreq_evtchn, state: now, prev_state });
        at = now !== prev_state ? (r262 ? WAIT_AT_TOP : WAIT_AT_LOOP) : WAIT_AT_BLOCK;
        if (this.stopAfterRead(sv, reads, at, state, prev_state)) return WAIT_PAUSED;
        continue;
      } else {
        this.x.printk('XENLOG_ERR', 'wait_for_io', v.domain, `Weird HVM iorequest state ${sw}`);
        sv.pending = false;
        vio.wait_seen = 0;
        this.domainCrash(v.domain, 'wait_for_io', `Weird HVM iorequest state ${sw}`);
        return WAIT_BAIL;
      }
    }
    yield $('complete', { data: A.hex(data), needs_completion: this.ioreqNeedsCompletion(vio.req) });
    if (this.x.reverted('f7039ee41b')) {
      // hvm_io_assist before f7039ee41b: v's request record and its shutdown deferral were settled here, so only
      // when a pending server was waited on.
      if (this.ioreqNeedsCompletion(vio.req)) { vio.req.state = A.STATE_IORESP_READY; vio.req.data = data; }
      else vio.req.state = A.STATE_IOREQ_NONE;
      // msix_write_completion(v): no MSI-X table in the model.
      this.vcpuEndShutdownDeferral(v);
    } else if (this.ioreqNeedsCompletion(vio.req)) vio.req.data = data;
    sv.pending = false;
    vio.wait_seen = 0;
    return WAIT_DONE;
  }

  /**
   * vcpu_ioreq_handle_completion (ioreq.c:211-259): wait on every pending server, then settle v's request record
   * and end its shutdown deferral (ioreq.c:223-227, moved here from hvm_io_assist by f7039ee41b: reverted, a vcpu
   * whose server went away before it ran keeps its request READY), then finish the access; a map-cache flush asked
   * for meanwhile is broadcast at the end. With da20c93108 reverted only the first pending server (newest first) is
   * waited on, as between 1745806a41 and the fix.
   */
  *vcpuIoreqHandleCompletion(v: Vcpu, reads: { left: number } | null = null): Co<number> {
    const vio = v.io;
    let res = true;
    for (;;) {
      const hit = this.getPendingVcpu(v);
      yield $('pending', { v, server: hit ? hit.s.id : null });
      if (!hit) break;
      const r = yield* this.waitForIo(hit.sv, this.getIoreq(hit.s, v), reads);
      if (r !== WAIT_DONE) return r;
      if (this.x.reverted('da20c93108')) break;
    }
    // Not Xen's: the model notes an access finished while a server still holds one of the vcpu's requests.
    if (this.vcpuIoreqPending(v)) v.io_completed_pending++;
    if (!this.x.reverted('f7039ee41b')) {
      vio.req.state = this.ioreqNeedsCompletion(vio.req) ? A.STATE_IORESP_READY : A.STATE_IOREQ_NONE;
      // msix_write_completion(v): no MSI-X table in the model.
      this.vcpuEndShutdownDeferral(v);
    }
    yield $('req_state', { state: A.STATE_NAMES[vio.req.state] ?? vio.req.state });
    const completion = vio.completion;
    vio.completion = X.VIO_no_completion;
    yield $('completion', { completion: X.VIO_NAMES[completion] });
    switch (completion) {
      case X.VIO_no_completion:
        break;
      case X.VIO_mmio_completion:
        res = yield* this.archIoreqCompleteMmio(v);
        break;
      case X.VIO_pio_completion:
        res = yield* this.handlePio(v, Number(vio.req.addr), vio.req.size, vio.req.dir);
        break;
      default:
        res = false; // arch_vcpu_ioreq_completion: realmode emulation is outside the model
        break;
    }
    yield $('mapcache', { res, mapcache_invalidate: v.mapcache_invalidate });
    if (res && v.mapcache_invalidate) {
      v.mapcache_invalidate = false;
      yield* this.ioreqSignalMapcacheInvalidate();
      res = false;
    }
    yield $('done', { res });
    return res ? WAIT_DONE : WAIT_BAIL;
  }

  // ---- pages ----

  /** ioreq_server_alloc_mfn (ioreq.c:261-307): a fresh cleared domheap page, refused once a gfn is mapped. */
  *ioreqServerAllocMfn(s: IoreqServer, buf: boolean): Co<number> {
    const iorp = buf ? s.bufioreq : s.ioreq;
    yield $('check_page', { s: s.id, buf, page: iorp.page ? 'allocated' : 'NULL', gfn: iorp.gfn });
    if (iorp.page) {
      if (iorp.gfn !== X.INVALID_GFN) return -EPERM;
      return 0;
    }
    yield $('alloc', { s: s.id, buf });
    if (this.x.failNext('xzalloc')) return -ENOMEM;
    const page = new X.GuestPage(buf ? 'ioreq_server bufioreq (domheap)' : 'ioreq_server ioreq (domheap)');
    yield $('map_global', { s: s.id, buf });
    if (this.x.failNext('map')) return -ENOMEM;
    page.xen_maps++;
    iorp.va = page.data();
    iorp.page = page;
    s.how[buf ? 1 : 0] = 'resource';
    // clear_page(iorp->va): a new page is zeroes already.
    yield $('clear', { s: s.id, buf });
    if (this.x.on) this.x.emit({ kind: 'page_map', fn: 'ioreq_server_alloc_mfn', domid: s.target.domain_id,
      detail: { server: s.id, buf }, text: `d${s.target.domain_id} server ${s.id}: ${buf ? 'bufioreq' : 'ioreq'} page allocated from the domheap (cleared)` });
    return 0;
  }

  /** ioreq_server_free_mfn (ioreq.c:309-324). */
  *ioreqServerFreeMfn(s: IoreqServer, buf: boolean): Co<void> {
    const iorp = buf ? s.bufioreq : s.ioreq;
    const page = iorp.page;
    yield $('check', { s: s.id, buf, page: page ? 'allocated' : 'NULL' });
    if (!page) return;
    iorp.page = null;
    page.xen_maps--;
    iorp.va = null;
    s.how[buf ? 1 : 0] = null;
  }

  /** ioreq_server_alloc_pages (ioreq.c:467-480). */
  *ioreqServerAllocPages(s: IoreqServer): Co<number> {
    yield $('ioreq', { s: s.id });
    let rc = yield* this.ioreqServerAllocMfn(s, false);
    yield $('bufioreq', { s: s.id, rc, bufioreq_handling: s.bufioreq_handling });
    if (!rc && s.bufioreq_handling !== HVM_IOREQSRV_BUFIOREQ_OFF) rc = yield* this.ioreqServerAllocMfn(s, true);
    yield $('check', { s: s.id, rc });
    if (rc) yield* this.ioreqServerFreeMfn(s, false);
    return rc;
  }

  /** ioreq_server_free_pages (ioreq.c:482-486). */
  *ioreqServerFreePages(s: IoreqServer): Co<void> {
    yield $('free', { s: s.id });
    yield* this.ioreqServerFreeMfn(s, true);
    yield* this.ioreqServerFreeMfn(s, false);
  }

  // ---- vcpus and their event channels ----

  /** ioreq_server_update_evtchn (ioreq.c:348-359): write the vcpu's port into its slot, if there is a page. */
  *ioreqServerUpdateEvtchn(s: IoreqServer, sv: IoreqVcpu): Co<void> {
    yield $('check', { s: s.id, va: s.ioreq.va ? 'mapped' : 'NULL', v: sv.vcpu.vcpu_id });
    if (s.ioreq.va !== null) {
      const p = this.getIoreq(s, sv.vcpu);
      yield $('write', { v: sv.vcpu.vcpu_id, port: sv.ioreq_evtchn });
      p.vp_eport = sv.ioreq_evtchn;
      if (this.x.on) this.x.emit({ kind: 'slot_write', fn: 'ioreq_server_update_evtchn', domid: s.target.domain_id, vcpu: sv.vcpu.vcpu_id,
        detail: { server: s.id, vp_eport: sv.ioreq_evtchn }, text: `d${s.target.domain_id}v${sv.vcpu.vcpu_id} server ${s.id}: vp_eport = ${sv.ioreq_evtchn}` });
    }
  }

  /** ioreq_server_add_vcpu (ioreq.c:361-411): a port for v (and the buffered port on vcpu 0), remote the emulator. */
  *ioreqServerAddVcpu(s: IoreqServer, v: Vcpu): Co<number> {
    let rc = -ENOMEM;
    yield $('alloc', { s: s.id, v });
    if (this.x.failNext('xzalloc')) return rc; // fail1
    const sv = new X.IoreqVcpu(v);
    rc = E.allocUnboundXenEventChannel(this.x, v.domain, v.vcpu_id, s.emulator.domain_id);
    yield $('evtchn', { s: s.id, v, rc });
    if (rc < 0) return rc; // fail2
    sv.ioreq_evtchn = rc;
    if (v.vcpu_id === 0 && this.handleBufioreq(s)) {
      rc = E.allocUnboundXenEventChannel(this.x, v.domain, 0, s.emulator.domain_id);
      yield $('buf_evtchn', { s: s.id, rc });
      if (rc < 0) { // fail3
        E.freeXenEventChannel(this.x, v.domain, sv.ioreq_evtchn);
        return rc;
      }
      s.bufioreq_evtchn = rc;
    }
    s.ioreq_vcpu_list.unshift(sv);
    yield $('added', { s: s.id, v, enabled: s.enabled });
    if (s.enabled) yield* this.ioreqServerUpdateEvtchn(s, sv);
    return 0;
  }

  /** ioreq_server_remove_vcpu (ioreq.c:413-439). */
  *ioreqServerRemoveVcpu(s: IoreqServer, v: Vcpu): Co<void> {
    const k = s.ioreq_vcpu_list.findIndex((sv) => sv.vcpu === v);
    yield $('find', { s: s.id, v, found: k >= 0 });
    if (k < 0) return;
    const sv = s.ioreq_vcpu_list[k];
    s.ioreq_vcpu_list.splice(k, 1);
    if (v.vcpu_id === 0 && this.handleBufioreq(s)) E.freeXenEventChannel(this.x, v.domain, s.bufioreq_evtchn);
    E.freeXenEventChannel(this.x, v.domain, sv.ioreq_evtchn);
  }

  /** ioreq_server_remove_all_vcpus (ioreq.c:441-465). */
  *ioreqServerRemoveAllVcpus(s: IoreqServer): Co<void> {
    for (const sv of s.ioreq_vcpu_list.slice()) {
      const v = sv.vcpu;
      yield $('remove', { s: s.id, v });
      if (v.vcpu_id === 0 && this.handleBufioreq(s)) E.freeXenEventChannel(this.x, v.domain, s.bufioreq_evtchn);
      E.freeXenEventChannel(this.x, v.domain, sv.ioreq_evtchn);
    }
    s.ioreq_vcpu_list = [];
  }

  // ---- lifecycle ----

  /** ioreq_server_enable (ioreq.c:539-559): the arch hook, enabled, then every vcpu's port into its slot. */
  *ioreqServerEnable(s: IoreqServer): Co<void> {
    yield $('check', { s: s.id, enabled: s.enabled });
    if (s.enabled) return;
    yield $('arch', { s: s.id });
    yield* this.archIoreqServerEnable(s);
    s.enabled = true;
    if (this.x.on) this.x.emit({ kind: 'server_enable', fn: 'ioreq_server_enable', domid: s.target.domain_id, detail: { server: s.id },
      text: `d${s.target.domain_id} server ${s.id} enabled` });
    for (const sv of s.ioreq_vcpu_list) {
      yield $('update', { s: s.id, v: sv.vcpu.vcpu_id });
      yield* this.ioreqServerUpdateEvtchn(s, sv);
    }
  }

  /** ioreq_server_disable (ioreq.c:561-574). */
  *ioreqServerDisable(s: IoreqServer): Co<void> {
    yield $('check', { s: s.id, enabled: s.enabled });
    if (!s.enabled) return;
    yield $('arch', { s: s.id });
    yield* this.archIoreqServerDisable(s);
    s.enabled = false;
    if (this.x.on) this.x.emit({ kind: 'server_disable', fn: 'ioreq_server_disable', domid: s.target.domain_id, detail: { server: s.id },
      text: `d${s.target.domain_id} server ${s.id} disabled` });
  }

  /** ioreq_server_init (ioreq.c:576-619): emulator = current->domain (a reference held), no pages yet, every vcpu. */
  *ioreqServerInit(s: IoreqServer, d: Domain, bufioreq_handling: number, id: number): Co<number> {
    const currd = this.x.current!.domain;
    s.target = d;
    this.getDomain(currd);
    s.emulator = currd;
    yield $('gfns', { s: id, emulator: currd.domain_id });
    s.ioreq.gfn = X.INVALID_GFN;
    s.bufioreq.gfn = X.INVALID_GFN;
    // ioreq_server_alloc_rangesets (ioreq.c:496-537): three sets, each limited to MAX_NR_IO_RANGES.
    yield $('rangesets', { s: id });
    // A failure here returns at once (ioreq.c:596-598): unlike fail_add below, no put_domain, so the emulator's
    // reference taken above stays held by a server that is then freed (a leak in Xen 4.21.0, kept as Xen has it).
    if (this.x.failNext('xzalloc')) return -ENOMEM;
    for (const r of s.range) r.limit = X.MAX_NR_IO_RANGES;
    s.bufioreq_handling = bufioreq_handling;
    for (const v of d.vcpu) {
      yield $('add_vcpu', { s: id, v });
      const rc = yield* this.ioreqServerAddVcpu(s, v);
      if (rc) { // fail_add
        yield $('fail_add', { s: id, rc });
        yield* this.ioreqServerRemoveAllVcpus(s);
        yield* this.archIoreqServerUnmapPages(s);
        this.putDomain(s.emulator);
        return rc;
      }
    }
    return 0;
  }

  /** ioreq_server_deinit (ioreq.c:621-641): vcpus, legacy gfns, domheap pages, rangesets, the emulator reference. */
  *ioreqServerDeinit(s: IoreqServer): Co<void> {
    if (s.enabled) throw new X.XenPanic('ioreq_server_deinit', `ASSERT(!s->enabled) failed: server ${s.id} of d${s.target.domain_id}`);
    yield $('vcpus', { s: s.id });
    yield* this.ioreqServerRemoveAllVcpus(s);
    yield $('unmap', { s: s.id });
    yield* this.archIoreqServerUnmapPages(s);
    yield $('free_pages', { s: s.id });
    yield* this.ioreqServerFreePages(s);
    yield $('put', { s: s.id, emulator: s.emulator.domain_id });
    s.range.forEach((r) => { r.ranges = []; });
    this.putDomain(s.emulator);
  }

  /** ioreq_server_create (ioreq.c:643-700): lowest free slot of 8; the target is paused meanwhile. */
  *ioreqServerCreate(d: Domain, bufioreq_handling: number, out: { id: number }): Co<number> {
    yield $('arm_buf', { d, bufioreq_handling, x86: this.isX86 });
    if (!this.isX86 && bufioreq_handling) return -EINVAL;
    yield $('max_buf', { bufioreq_handling });
    // b7007bc6f9 added this bound with the ATOMIC mode; before it any non-zero value meant "buffered" (LEGACY).
    if (this.x.reverted('b7007bc6f9')) bufioreq_handling = bufioreq_handling ? HVM_IOREQSRV_BUFIOREQ_LEGACY : HVM_IOREQSRV_BUFIOREQ_OFF;
    else if (bufioreq_handling > HVM_IOREQSRV_BUFIOREQ_ATOMIC || bufioreq_handling < 0) return -EINVAL;
    yield $('alloc', { d });
    if (this.x.failNext('xzalloc')) return -ENOMEM;
    const s = new X.IoreqServer(d, this.x.current!.domain);
    yield $('pause', { d });
    this.domainPause(d, 'ioreq_server_create');
    let i = 0;
    for (; i < X.MAX_NR_IOREQ_SERVERS; i++) if (!d.x421.server[i]) break;
    let rc = -ENOSPC;
    yield $('slot', { d, i, rc });
    if (i >= X.MAX_NR_IOREQ_SERVERS) {
      this.domainUnpause(d, 'ioreq_server_create');
      s.freed = true;
      return rc;
    }
    s.id = i;
    d.x421.server[i] = s;
    yield $('init', { d, id: i });
    rc = yield* this.ioreqServerInit(s, d, bufioreq_handling, i);
    if (rc) {
      yield $('fail', { d, id: i, rc });
      d.x421.server[i] = null;
      this.domainUnpause(d, 'ioreq_server_create');
      s.freed = true;
      return rc;
    }
    out.id = i;
    if (this.x.on) this.x.emit({ kind: 'server_create', fn: 'ioreq_server_create', domid: d.domain_id,
      after: { id: i, emulator: s.emulator.domain_id, bufioreq_handling },
      text: `d${d.domain_id} ioreq server ${i} created by d${s.emulator.domain_id} (bufioreq ${['OFF', 'LEGACY', 'ATOMIC'][bufioreq_handling]})` });
    yield $('unpause', { d, id: i });
    this.domainUnpause(d, 'ioreq_server_create');
    return 0;
  }

  /** ioreq_server_destroy (ioreq.c:702-742): -ENOENT / -EPERM; pause, arch, disable, deinit, clear the slot. */
  *ioreqServerDestroy(d: Domain, id: number): Co<number> {
    const s = this.getIoreqServer(d, id);
    yield $('lookup', { d, id, s: s ? s.id : null });
    if (!s) return -ENOENT;
    yield $('owner', { emulator: s.emulator.domain_id, current: this.x.current!.domain.domain_id });
    if (s.emulator !== this.x.current!.domain) return -EPERM;
    this.domainPause(d, 'ioreq_server_destroy');
    yield $('arch', { id });
    yield* this.archIoreqServerDestroy(s);
    yield $('disable', { id });
    yield* this.ioreqServerDisable(s);
    yield $('deinit', { id });
    yield* this.ioreqServerDeinit(s);
    d.x421.server[id] = null;
    s.freed = true;
    yield $('unpause', { id });
    this.domainUnpause(d, 'ioreq_server_destroy');
    if (this.x.on) this.x.emit({ kind: 'server_destroy', fn: 'ioreq_server_destroy', domid: d.domain_id, detail: { server: id },
      text: `d${d.domain_id} ioreq server ${id} destroyed` });
    return 0;
  }

  /** ioreq_server_get_info (ioreq.c:744-789): legacy gfns mapped only when asked for; the buffered port if any. */
  *ioreqServerGetInfo(d: Domain, id: number, wantGfns: boolean, out: { ioreq_gfn?: number; bufioreq_gfn?: number; bufioreq_port?: number }): Co<number> {
    const s = this.getIoreqServer(d, id);
    yield $('lookup', { d, id, s: s ? s.id : null });
    if (!s) return -ENOENT;
    yield $('owner', { emulator: s.emulator.domain_id, current: this.x.current!.domain.domain_id });
    if (s.emulator !== this.x.current!.domain) return -EPERM;
    yield $('map_pages', { id, wantGfns });
    if (wantGfns) {
      const rc = yield* this.archIoreqServerMapPages(s);
      if (rc) return rc;
      out.ioreq_gfn = s.ioreq.gfn;
    }
    yield $('buf', { id, bufioreq_handling: s.bufioreq_handling });
    if (this.handleBufioreq(s)) {
      if (wantGfns) out.bufioreq_gfn = s.bufioreq.gfn;
      out.bufioreq_port = s.bufioreq_evtchn;
    }
    return 0;
  }

  /** ioreq_server_get_frame (ioreq.c:791-840): allocates the pages on demand; frame 0 bufioreq, frame 1 ioreq. */
  *ioreqServerGetFrame(d: Domain, id: number, idx: number, out: { page: X.GuestPage | null }): Co<number> {
    const s = this.getIoreqServer(d, id);
    yield $('lookup', { d, id, idx, s: s ? s.id : null });
    if (!s) return -ENOENT;
    yield $('owner', { emulator: s.emulator.domain_id, current: this.x.current!.domain.domain_id });
    if (s.emulator !== this.x.current!.domain) return -EPERM;
    yield $('alloc', { id });
    let rc = yield* this.ioreqServerAllocPages(s);
    if (rc) return rc;
    yield $('frame', { id, idx });
    switch (idx) {
      case XENMEM_resource_ioreq_server_frame_bufioreq:
        rc = -ENOENT;
        if (!this.handleBufioreq(s)) return rc;
        out.page = s.bufioreq.page;
        rc = 0;
        break;
      case XENMEM_resource_ioreq_server_frame_ioreq(0):
        out.page = s.ioreq.page;
        rc = 0;
        break;
      default:
        rc = -EINVAL;
        break;
    }
    return rc;
  }

  /** The range set of a XEN_DMOP_IO_RANGE_* type, or null. */
  rangeOf(s: IoreqServer, type: number): Rangeset | null {
    return type === XEN_DMOP_IO_RANGE_PORT || type === XEN_DMOP_IO_RANGE_MEMORY || type === XEN_DMOP_IO_RANGE_PCI ? s.range[type] : null;
  }

  /** ioreq_server_map_io_range (ioreq.c:842-892): -EINVAL start > end; -EEXIST on overlap inside this server. */
  *ioreqServerMapIoRange(d: Domain, id: number, type: number, start: bigint, end: bigint): Co<number> {
    yield $('order', { id, type, start: A.hex(start), end: A.hex(end) });
    if (start > end) return -EINVAL;
    const s = this.getIoreqServer(d, id);
    yield $('lookup', { d, id, s: s ? s.id : null });
    if (!s) return -ENOENT;
    yield $('owner', { emulator: s.emulator.domain_id, current: this.x.current!.domain.domain_id });
    if (s.emulator !== this.x.current!.domain) return -EPERM;
    const r = this.rangeOf(s, type);
    yield $('type', { type });
    if (!r) return -EINVAL;
    yield $('overlap', { type });
    if (this.rangesetOverlapsRange(r, start, end)) return -EEXIST;
    const rc = this.rangesetAddRange(r, start, end);
    yield $('add', { rc });
    if (rc === 0 && this.x.on) this.x.emit({ kind: 'range_map', fn: 'ioreq_server_map_io_range', domid: d.domain_id,
      detail: { server: id, type: RANGE_TYPE_NAMES[type], start: A.hex(start), end: A.hex(end) },
      text: `d${d.domain_id} server ${id}: ${RANGE_TYPE_NAMES[type]} ${A.hex(start)}-${A.hex(end)} mapped` });
    return rc;
  }

  /** ioreq_server_unmap_io_range (ioreq.c:894-944): -ENOENT unless the whole range is mapped. */
  *ioreqServerUnmapIoRange(d: Domain, id: number, type: number, start: bigint, end: bigint): Co<number> {
    yield $('order', { id, type, start: A.hex(start), end: A.hex(end) });
    if (start > end) return -EINVAL;
    const s = this.getIoreqServer(d, id);
    yield $('lookup', { d, id, s: s ? s.id : null });
    if (!s) return -ENOENT;
    yield $('owner', { emulator: s.emulator.domain_id, current: this.x.current!.domain.domain_id });
    if (s.emulator !== this.x.current!.domain) return -EPERM;
    const r = this.rangeOf(s, type);
    yield $('type', { type });
    if (!r) return -EINVAL;
    yield $('contains', { type });
    if (!this.rangesetContainsRange(r, start, end)) return -ENOENT;
    const rc = this.rangesetRemoveRange(r, start, end);
    yield $('remove', { rc });
    if (rc === 0 && this.x.on) this.x.emit({ kind: 'range_unmap', fn: 'ioreq_server_unmap_io_range', domid: d.domain_id,
      detail: { server: id, type: RANGE_TYPE_NAMES[type], start: A.hex(start), end: A.hex(end) },
      text: `d${d.domain_id} server ${id}: ${RANGE_TYPE_NAMES[type]} ${A.hex(start)}-${A.hex(end)} unmapped` });
    return rc;
  }

  /** ioreq_server_map_mem_type (ioreq.c:954-987): HVMMEM_ioreq_server only, write flag only. */
  *ioreqServerMapMemType(d: Domain, id: number, type: number, flags: number): Co<number> {
    yield $('type', { id, type, flags });
    if (type !== HVMMEM_ioreq_server) return -EINVAL;
    if (flags & ~XEN_DMOP_IOREQ_MEM_ACCESS_WRITE) return -EINVAL;
    const s = this.getIoreqServer(d, id);
    yield $('lookup', { d, id, s: s ? s.id : null });
    if (!s) return -ENOENT;
    yield $('owner', { emulator: s.emulator.domain_id, current: this.x.current!.domain.domain_id });
    if (s.emulator !== this.x.current!.domain) return -EPERM;
    yield $('arch', { id, flags });
    return yield* this.archIoreqServerMapMemType(d, s, flags);
  }

  /** ioreq_server_set_state (ioreq.c:989-1021). */
  *ioreqServerSetState(d: Domain, id: number, enabled: boolean): Co<number> {
    const s = this.getIoreqServer(d, id);
    yield $('lookup', { d, id, enabled, s: s ? s.id : null });
    if (!s) return -ENOENT;
    yield $('owner', { emulator: s.emulator.domain_id, current: this.x.current!.domain.domain_id });
    if (s.emulator !== this.x.current!.domain) return -EPERM;
    this.domainPause(d, 'ioreq_server_set_state');
    yield $('set', { id, enabled });
    if (enabled) yield* this.ioreqServerEnable(s);
    else yield* this.ioreqServerDisable(s);
    yield $('unpause', { id });
    this.domainUnpause(d, 'ioreq_server_set_state');
    return 0;
  }

  /** ioreq_server_add_vcpu_all (ioreq.c:1023-1056): a new vcpu joins every server; undone on failure. */
  *ioreqServerAddVcpuAll(d: Domain, v: Vcpu): Co<number> {
    const servers = this.serversNewestFirst(d);
    for (let k = 0; k < servers.length; k++) {
      yield $('add', { v, s: servers[k].id });
      const rc = yield* this.ioreqServerAddVcpu(servers[k], v);
      if (rc) {
        yield $('fail', { v, rc });
        for (let j = k - 1; j >= 0; j--) yield* this.ioreqServerRemoveVcpu(servers[j], v);
        return rc;
      }
    }
    return 0;
  }

  /** ioreq_server_remove_vcpu_all (ioreq.c:1058-1069). */
  *ioreqServerRemoveVcpuAll(d: Domain, v: Vcpu): Co<void> {
    for (const s of this.serversNewestFirst(d)) {
      yield $('remove', { v, s: s.id });
      yield* this.ioreqServerRemoveVcpu(s, v);
    }
  }

  /** ioreq_server_destroy_all (ioreq.c:1071-1098): at target teardown, no pause; disable, deinit, free each. */
  *ioreqServerDestroyAll(d: Domain): Co<void> {
    yield $('arch', { d });
    if (!(yield* this.archIoreqServerDestroyAll(d))) return;
    for (const s of this.serversNewestFirst(d)) {
      yield $('destroy', { d, s: s.id });
      yield* this.ioreqServerDisable(s);
      yield* this.ioreqServerDeinit(s);
      d.x421.server[s.id] = null;
      s.freed = true;
      if (this.x.on) this.x.emit({ kind: 'server_destroy', fn: 'ioreq_server_destroy_all', domid: d.domain_id, detail: { server: s.id },
        text: `d${d.domain_id} ioreq server ${s.id} destroyed with its domain` });
    }
  }

  // ---- routing and sending ----

  /**
   * ioreq_server_select: (ioreq.c:1100-1154): enabled servers, newest first; port ranges hold [addr, addr+size-1],
   * memory ranges the df-aware bytes, PCI the sbdf (and then p's type and addr are rewritten).
   */
  *ioreqServerSelect(d: Domain, p: A.Ioreq): Co<IoreqServer | null> {
    const ta = yield* this.archIoreqServerGetTypeAddr(d, p);
    yield $('type_addr', { ok: ta.ok, type: ta.ok ? RANGE_TYPE_NAMES[ta.type] : null, addr: A.hex(ta.addr) });
    if (!ta.ok) return null;
    for (const s of this.serversNewestFirst(d)) {
      yield $('server', { id: s.id, enabled: s.enabled });
      if (!s.enabled) continue;
      const r = s.range[ta.type];
      if (ta.type === XEN_DMOP_IO_RANGE_PORT) {
        const start = ta.addr, end = start + BigInt(p.size) - 1n;
        if (this.rangesetContainsRange(r, start, end)) return s;
      } else if (ta.type === XEN_DMOP_IO_RANGE_MEMORY) {
        const start = this.ioreqMmioFirstByte(p), end = this.ioreqMmioLastByte(p);
        if (this.rangesetContainsRange(r, start, end)) return s;
      } else if (ta.type === XEN_DMOP_IO_RANGE_PCI) {
        const sbdf = ta.addr >> 32n;
        if (this.rangesetContainsRange(r, sbdf, sbdf)) {
          yield $('pci', { id: s.id, sbdf: A.hex(sbdf) });
          p.type = A.IOREQ_TYPE_PCI_CONFIG;
          p.addr = ta.addr;
          return s;
        }
      }
    }
    return null;
  }

  /**
   * ioreq_send_buffered: (ioreq.c:1156-1247): into the ring when it fits; ATOMIC servers get their pointers pulled
   * back below 511 with a 64-bit compare-exchange (ioreq.c:1230-1241, added by b7007bc6f9: reverted, no server is
   * ATOMIC, so the pointers run on to 2^32 and wrap). UNHANDLED sends the caller to the synchronous path.
   */
  *ioreqSendBuffered(s: IoreqServer, p: A.Ioreq): Co<number> {
    const d = this.x.current!.domain;
    const pg = s.bufioreq.va;
    let qw = 0;
    yield $('page', { s: s.id, page: pg ? 'mapped' : 'NULL' });
    if (!pg) return this.st.UNHANDLED;
    yield $('limits', { addr: A.hex(p.addr), data_is_ptr: p.data_is_ptr, count: p.count });
    if (p.addr > 0xfffffn || p.data_is_ptr || p.count !== 1) return this.st.UNHANDLED;
    let size = 0;
    yield $('size', { size: p.size });
    switch (p.size) {
      case 1: size = 0; break;
      case 2: size = 1; break;
      case 4: size = 2; break;
      case 8: size = 3; qw = 1; break;
      default:
        this.x.printk('XENLOG_WARNING', 'ioreq_send_buffered', d, `unexpected ioreq size: ${p.size}`);
        return this.st.UNHANDLED;
    }
    const bp: A.BufIoreq = { type: p.type, pad: 0, dir: p.dir, size, addr: Number(p.addr & 0xfffffn), data: Number(p.data & 0xffffffffn) };
    const rp = pg.getUint32(A.BUF_OFF_READ_POINTER, true);
    const wp = pg.getUint32(A.BUF_OFF_WRITE_POINTER, true);
    yield $('full', { read_pointer: rp, write_pointer: wp, qw });
    if (((wp - rp) >>> 0) >= A.IOREQ_BUFFER_SLOT_NUM - qw) {
      if (this.x.on) this.x.emit({ kind: 'buffered_full', fn: 'ioreq_send_buffered', domid: d.domain_id,
        detail: { server: s.id, read_pointer: rp, write_pointer: wp }, text: `d${d.domain_id} server ${s.id} buffered ring full (${(wp - rp) >>> 0} used): synchronous path` });
      return this.st.UNHANDLED;
    }
    A.writeBufIoreq(pg, A.bufSlotOffset(wp), bp);
    if (qw) {
      bp.data = Number((p.data >> 32n) & 0xffffffffn);
      A.writeBufIoreq(pg, A.bufSlotOffset((wp + 1) >>> 0), bp);
    }
    yield $('copy', { slot: wp % A.IOREQ_BUFFER_SLOT_NUM, qw });
    const nwp = (wp + (qw ? 2 : 1)) >>> 0;
    pg.setUint32(A.BUF_OFF_WRITE_POINTER, nwp, true);
    if (this.x.on) this.x.emit({ kind: 'buffered_write', fn: 'ioreq_send_buffered', domid: d.domain_id, before: wp, after: nwp,
      detail: { server: s.id, addr: A.hex(p.addr), size: p.size, data: A.hex(p.data) },
      text: `d${d.domain_id} server ${s.id} buffered ${A.TYPE_NAMES[p.type] ?? p.type} ${A.hex(p.addr)} size ${p.size} data ${A.hex(p.data)}: write_pointer ${wp} -> ${nwp}` });
    // Canonicalise the pointers (ATOMIC only): at most 511 rounds while read_pointer >= 511.
    for (;;) {
      const rp2 = pg.getUint32(A.BUF_OFF_READ_POINTER, true);
      yield $('canon', { mode: s.bufioreq_handling, qw, read_pointer: rp2 });
      if (!(s.bufioreq_handling === HVM_IOREQSRV_BUFIOREQ_ATOMIC && qw++ < A.IOREQ_BUFFER_SLOT_NUM && rp2 >= A.IOREQ_BUFFER_SLOT_NUM)) break;
      const oldR = rp2, oldW = pg.getUint32(A.BUF_OFF_WRITE_POINTER, true);
      const n = Math.floor(oldR / A.IOREQ_BUFFER_SLOT_NUM);
      const newR = (oldR - n * A.IOREQ_BUFFER_SLOT_NUM) >>> 0, newW = (oldW - n * A.IOREQ_BUFFER_SLOT_NUM) >>> 0;
      // guest_cmpxchg64(s->emulator, &pg->ptrs.full, old, new): nothing else runs in between in the model.
      if (pg.getUint32(A.BUF_OFF_READ_POINTER, true) === oldR && pg.getUint32(A.BUF_OFF_WRITE_POINTER, true) === oldW) {
        pg.setUint32(A.BUF_OFF_READ_POINTER, newR, true);
        pg.setUint32(A.BUF_OFF_WRITE_POINTER, newW, true);
      }
      yield $('cmpxchg', { read_pointer: newR, write_pointer: newW, n });
    }
    yield $('notify', { port: s.bufioreq_evtchn });
    E.notifyViaXenEventChannel(this.x, d, s.bufioreq_evtchn);
    return this.st.HANDLED;
  }

  /**
   * ioreq_send: (ioreq.c:1249-1311): a refused shutdown deferral suspends the vcpu; a slot not NONE or a vp_eport
   * that is not the server's port is refused (UNHANDLED) with a log line; else copy, block, READY, notify, pending.
   */
  *ioreqSend(s: IoreqServer, proto_p: A.Ioreq, buffered: boolean): Co<number> {
    const curr = this.x.current!;
    const d = curr.domain;
    const vio = curr.io;
    yield $('buffered', { s: s.id, buffered });
    if (buffered) return yield* this.ioreqSendBuffered(s, proto_p);
    yield $('deferral', { v: curr });
    if (!this.vcpuStartShutdownDeferral(curr)) {
      vio.suspended = true;
      return this.st.RETRY;
    }
    for (const sv of s.ioreq_vcpu_list) {
      if (sv.vcpu !== curr) continue;
      const port = sv.ioreq_evtchn;
      const p = this.getIoreq(s, curr);
      yield $('check_state', { s: s.id, state: p.state, port });
      if (p.state !== A.STATE_IOREQ_NONE) {
        this.x.printk('XENLOG_ERR', 'ioreq_send', d, `device model set bad IO state ${p.state}`);
        break;
      }
      yield $('check_port', { vp_eport: p.vp_eport, port });
      if (p.vp_eport !== port) {
        this.x.printk('XENLOG_ERR', 'ioreq_send', d, `device model set bad event channel ${p.vp_eport}`);
        break;
      }
      proto_p.state = A.STATE_IOREQ_NONE;
      proto_p.vp_eport = port;
      A.writeIoreq(p.va, p.off, proto_p);
      yield $('copy', { p: proto_p });
      if (this.x.on) this.x.emit({ kind: 'ioreq_send', fn: 'ioreq_send', domid: d.domain_id, vcpu: curr.vcpu_id,
        detail: { server: s.id, type: A.TYPE_NAMES[proto_p.type], addr: A.hex(proto_p.addr), size: proto_p.size, dir: proto_p.dir, data: A.hex(proto_p.data) },
        text: `d${d.domain_id}v${curr.vcpu_id} -> server ${s.id}: ${A.TYPE_NAMES[proto_p.type] ?? proto_p.type} ${proto_p.dir ? 'read' : 'write'} ${A.hex(proto_p.addr)} size ${proto_p.size}${proto_p.dir ? '' : ' data ' + A.hex(proto_p.data)}` });
      curr.pause_flags.blocked_in_xen = true; // prepare_wait_on_xen_event_channel
      yield $('prepare_wait', { port });
      this.setSlotState(curr, p, A.STATE_IOREQ_READY, 'ioreq_send');
      yield $('notify', { port });
      E.notifyViaXenEventChannel(this.x, d, port);
      sv.pending = true;
      yield $('pending', { s: s.id });
      return this.st.RETRY;
    }
    return this.st.UNHANDLED;
  }

  /**
   * ioreq_request_mapcache_invalidate: (ioreq.c:36-46): a p2m removal flags the map-cache flush on the current vcpu
   * when it is the domain's own. (Xen flags every vcpu of a built domain when another domain removed the page; the
   * model's only caller is the guest's own XENMEM_decrease_reservation.)
   */
  ioreqRequestMapcacheInvalidate(d: Domain): void {
    const cur = this.x.current;
    if (cur && cur.domain === d) cur.mapcache_invalidate = true;
  }

  /** ioreq_signal_mapcache_invalidate (ioreq.c:48-59): a synchronous INVALIDATE (flush all) to every enabled server. */
  *ioreqSignalMapcacheInvalidate(): Co<void> {
    const p: A.Ioreq = { ...A.emptyIoreq(), type: A.IOREQ_TYPE_INVALIDATE, size: 4, dir: A.IOREQ_WRITE, data: 0xffffffffffffffffn };
    yield $('broadcast', { type: 'IOREQ_TYPE_INVALIDATE' });
    const failed = yield* this.ioreqBroadcast(p, false);
    if (failed !== 0) this.x.printk('XENLOG_ERR', 'ioreq_signal_mapcache_invalidate', this.x.current!.domain, 'Unsuccessful map-cache invalidate');
  }

  /** ioreq_broadcast (ioreq.c:1313-1330): every enabled server (buffered: those with a ring); counts failures. */
  *ioreqBroadcast(p: A.Ioreq, buffered: boolean): Co<number> {
    const d = this.x.current!.domain;
    let failed = 0;
    for (const s of this.serversNewestFirst(d)) {
      yield $('server', { id: s.id, enabled: s.enabled, bufioreq_handling: s.bufioreq_handling, failed });
      if (!s.enabled || (buffered && s.bufioreq_handling === HVM_IOREQSRV_BUFIOREQ_OFF)) continue;
      if ((yield* this.ioreqSend(s, { ...p }, buffered)) === this.st.UNHANDLED) failed++;
    }
    return failed;
  }

  // ---- the DMOP dispatcher ----

  /** ioreq_server_dm_op (ioreq.c:1339-1442): ops 1-6 with their pad checks; anything else -EOPNOTSUPP. */
  *ioreqServerDmOp(op: XenDmOp, d: Domain): Co<number> {
    const u = op.u;
    let rc: number;
    yield $('op', { op: op.op, d });
    switch (op.op) {
      case XEN_DMOP_create_ioreq_server: {
        rc = -EINVAL;
        const pad = u.pad3 ?? [0, 0, 0];
        if (pad[0] || pad[1] || pad[2]) break;
        const out = { id: -1 };
        rc = yield* this.ioreqServerCreate(d, u.handle_bufioreq ?? 0, out);
        if (rc === 0) u.id = out.id;
        break;
      }
      case XEN_DMOP_get_ioreq_server_info: {
        rc = -EINVAL;
        if ((u.flags ?? 0) & ~XEN_DMOP_no_gfns) break;
        const noGfns = ((u.flags ?? 0) & XEN_DMOP_no_gfns) !== 0;
        const out: { ioreq_gfn?: number; bufioreq_gfn?: number; bufioreq_port?: number } = {};
        rc = yield* this.ioreqServerGetInfo(d, u.id ?? 0, !noGfns, out);
        if (out.ioreq_gfn !== undefined) u.ioreq_gfn = out.ioreq_gfn;
        if (out.bufioreq_gfn !== undefined) u.bufioreq_gfn = out.bufioreq_gfn;
        if (out.bufioreq_port !== undefined) u.bufioreq_port = out.bufioreq_port;
        break;
      }
      case XEN_DMOP_map_io_range_to_ioreq_server:
        rc = -EINVAL;
        if (u.pad) break;
        rc = yield* this.ioreqServerMapIoRange(d, u.id ?? 0, u.type ?? 0, u.start ?? 0n, u.end ?? 0n);
        break;
      case XEN_DMOP_unmap_io_range_from_ioreq_server:
        rc = -EINVAL;
        if (u.pad) break;
        rc = yield* this.ioreqServerUnmapIoRange(d, u.id ?? 0, u.type ?? 0, u.start ?? 0n, u.end ?? 0n);
        break;
      case XEN_DMOP_set_ioreq_server_state:
        rc = -EINVAL;
        if (u.pad) break;
        rc = yield* this.ioreqServerSetState(d, u.id ?? 0, !!u.enabled);
        break;
      case XEN_DMOP_destroy_ioreq_server:
        rc = -EINVAL;
        if (u.pad) break;
        rc = yield* this.ioreqServerDestroy(d, u.id ?? 0);
        break;
      default:
        rc = -EOPNOTSUPP;
        break;
    }
    yield $('rc', { op: op.op, rc });
    return rc;
  }
}
