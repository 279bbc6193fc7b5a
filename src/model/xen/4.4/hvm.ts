// @stepped
// xen/arch/x86/hvm/hvm.c of RELEASE-4.4.0 [X44]: the helpers the seed leaves as they were, shared by the legacy and
// seed profiles (each profile's own hvm.c, in legacy/ and seed/, extends this): the ring helper mapping, event-channel
// replacement, get_ioreq, the wait primitives of xen/include/xen/event.h, the XSM_TARGET check, ACPI S3, and the
// stores and slot writes do_hvm_op and hvm_send_assist_req make.
import * as A from '../../abi';
import { EINVAL, ENOENT, ENOMEM } from '../../errno';
import * as E from '../../evtchn';
import * as P from '../../params';
import { $, type Co } from '../../step';
import * as X from '../../xen';
import { IoreqRef, type Domain, type HvmIoreqServer, type Vcpu } from '../../xen';
import { DomainCode } from '../common/domain';
import type { ProtoIoreq } from '../common/outcome';
export { IoreqRef };

export type { P2mType } from '../../xen';
import type { P2mType } from '../../xen';
/** enum hvm_copy_result (xen/include/asm-x86/hvm/support.h@RELEASE-4.4.0). */
export type HvmCopy = 'HVMCOPY_okay' | 'HVMCOPY_bad_gfn_to_mfn' | 'HVMCOPY_gfn_paged_out' | 'HVMCOPY_gfn_shared';

export abstract class Hvm44 extends DomainCode {
  /** xfree(s): the server's memory goes back; the model marks it so a later use is reported as a use-after-free. */
  xfreeServer(s: HvmIoreqServer): void {
    if (s.freed) { this.checkLive(s, 'xfree'); return; } // a second xfree: reported, not counted twice
    s.freed = true;
    this.x.heapFree('hvm_ioreq_server');
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

  // ---- issue 11: the p2m as the emulator sees it, and guest-physical copies ----

  /** The p2m type of gfn as the emulator queries it (see p2mTypeOf in ../../xen). */
  p2mType(d: Domain, gfn: number): P2mType {
    return X.p2mTypeOf(d, gfn);
  }

  /**
   * The model's p2m_mem_paging_populate ([X44] xen/arch/x86/mm/p2m.c): ask the pager (xenpaging) to bring gfn back. The model
   * has no pager: it records the request as an event; the frame stays paged out until a set_page step says not.
   */
  p2mMemPagingPopulate(d: Domain, gfn: number, fn: string): void {
    d.paging_requests.push(gfn);
    if (this.x.on) this.x.emit({ kind: 'p2m_paging', fn: 'p2m_mem_paging_populate', domid: d.domain_id, detail: { gfn, by: fn },
      text: `d${d.domain_id} gfn ${A.hex(gfn)} is paged out: ${fn} asks the pager to populate it (p2m_mem_paging_populate)` });
  }

  /**
   * hvm_copy_from_guest_phys / hvm_copy_to_guest_phys ([X44] hvm.c __hvm_copy): size bytes at gpa (within one frame
   * in every use the model makes); HVMCOPY_okay, or why not (a frame with no RAM, paged out, shared).
   */
  hvmCopyGuestPhys(d: Domain, gpa: bigint, size: number, write: boolean, data: bigint): { rc: HvmCopy; data: bigint } {
    let out = 0n;
    for (let k = 0; k < size; k++) {
      const a = gpa + BigInt(k);
      const gfn = Number(a >> 12n);
      const t = this.p2mType(d, gfn);
      if (t === 'p2m_mmio_dm') return { rc: 'HVMCOPY_bad_gfn_to_mfn', data: 0n };
      if (t === 'p2m_ram_paged') { this.p2mMemPagingPopulate(d, gfn, 'hvm_copy'); return { rc: 'HVMCOPY_gfn_paged_out', data: 0n }; }
      if (t === 'p2m_ram_shared') return { rc: 'HVMCOPY_gfn_shared', data: 0n };
      if (write && t === 'p2m_ram_ro') continue; // __hvm_copy drops writes to read-only RAM
      const dv = d.page(gfn)!.data();
      const off = Number(a & 0xfffn);
      if (write) dv.setUint8(off, Number((data >> BigInt(8 * k)) & 0xffn));
      else out |= BigInt(dv.getUint8(off)) << BigInt(8 * k);
    }
    return { rc: 'HVMCOPY_okay', data: out };
  }

  /** prepare_ring_for_helper: take a writable reference on gmfn and map it globally. */
  *prepareRingForHelper(d: Domain, gmfn: number): Co<{ rc: number; page: number; va: DataView | null }> {
    yield $('get_page');
    const page = d.page(gmfn);
    yield $('get_page_from_gfn', { d, gmfn, page: page ? A.hex(gmfn) : 'NULL' });
    if (page && page.paged_out) {
      yield $('paging', { gmfn });
      // prepare_ring_for_helper ([X44] hvm.c:423-464): a paged-out gfn starts p2m_mem_paging_populate, then -ENOENT.
      this.p2mMemPagingPopulate(d, gmfn, 'prepare_ring_for_helper');
      // put_page: the model keeps no page references (a stop, nothing changes).
      yield $('paging_put');
      yield $('paging_ret');
      return { rc: -ENOENT, page: gmfn, va: null };
    }
    yield $('is_shared');
    if (page && page.shared) {
      yield $('shared', { gmfn });
      yield $('shared_ret');
      return { rc: -ENOENT, page: gmfn, va: null };
    }
    yield $('is_null');
    if (!page) {
      yield $('no_page', { gmfn });
      return { rc: -EINVAL, page: gmfn, va: null };
    }
    yield $('get_page_type', { gmfn });
    if (page.not_writable) {
      yield $('type_put');
      yield $('type_ret');
      return { rc: -EINVAL, page: gmfn, va: null };
    }
    yield $('map_global', { gmfn });
    yield $('check_va');
    if (this.x.failNext('map')) {
      yield $('map_put');
      yield $('map_ret');
      return { rc: -ENOMEM, page: gmfn, va: null };
    }
    page.xen_maps++;
    const va = page.data();
    if (this.x.on) this.x.emit({ kind: 'page_map', fn: 'prepare_ring_for_helper', domid: d.domain_id, after: page.xen_maps,
      detail: { pfn: gmfn }, text: `d${d.domain_id} pfn ${A.hex(gmfn)} mapped by Xen (${page.xen_maps} mapping${page.xen_maps > 1 ? 's' : ''})` });
    // *_page and *_va: the result the caller takes.
    yield $('set_page');
    yield $('set_va');
    yield $('ret');
    return { rc: 0, page: gmfn, va };
  }

  /** destroy_ring_for_helper: unmap and drop the reference, if there is a mapping. */
  *destroyRingForHelper(d: Domain, iorp: { va: DataView | null; page: number | null }): Co<void> {
    yield $('init_va');
    yield $('check', { va: iorp.va ? 'mapped' : 'NULL' });
    if (iorp.va !== null && iorp.page !== null) {
      yield $('unmap');
      const pg = d.page(iorp.page);
      if (pg) pg.xen_maps--;
      if (this.x.on) this.x.emit({ kind: 'page_unmap', fn: 'destroy_ring_for_helper', domid: d.domain_id,
        detail: { pfn: iorp.page }, text: `d${d.domain_id} pfn ${A.hex(iorp.page)} unmapped by Xen` });
      // put_page_and_type: no page references in the model (a stop, nothing changes).
      yield $('put');
      yield $('clear');
      iorp.va = null;
    }
  }

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

  /** HVMOP_set_param's final store: params[index] = value. */
  storeParam(d: Domain, index: number, value: number, fn: string): void {
    const before = d.arch.hvm_domain.params[index];
    d.arch.hvm_domain.params[index] = value;
    if (this.x.on) this.x.emit({ kind: 'param_set', fn, domid: d.domain_id, before, after: value,
      detail: { index, name: P.PARAM_NAMES[index] }, text: `d${d.domain_id} ${P.PARAM_NAMES[index] ?? index} = ${P.PFN_PARAMS.has(index) ? A.hex(value) : value}` });
  }

  /** Slot state writes by Xen, with their event. */
  setSlotState(v: Vcpu, p: IoreqRef, state: number, fn: string): void {
    const before = p.state;
    p.state = state;
    if (this.x.on) this.x.emit({ kind: 'slot_state', fn, domid: v.domain.domain_id, vcpu: p.vcpu_id,
      before: A.STATE_NAMES[before] ?? before, after: A.STATE_NAMES[state], text: `d${v.domain.domain_id}v${p.vcpu_id} slot ${A.STATE_NAMES[before] ?? before} -> ${A.STATE_NAMES[state]}` });
  }

  /** `*p = *proto_p` with state NONE and the slot's own vp_eport kept. */
  copyRequest(p: IoreqRef, proto_p: ProtoIoreq): void {
    proto_p.state = A.STATE_IOREQ_NONE;
    proto_p.vp_eport = p.vp_eport;
    A.writeIoreq(p.va, p.off, proto_p);
    if (this.x.on) this.x.emit({ kind: 'ioreq_send', fn: 'hvm_send_assist_req', vcpu: p.vcpu_id,
      detail: { type: A.TYPE_NAMES[proto_p.type], addr: A.hex(proto_p.addr), size: proto_p.size, dir: proto_p.dir, data: A.hex(proto_p.data) },
      text: `v${p.vcpu_id} request ${A.TYPE_NAMES[proto_p.type] ?? proto_p.type} ${proto_p.dir ? 'read' : 'write'} ${A.hex(proto_p.addr)} size ${proto_p.size}${proto_p.dir ? '' : ' data ' + A.hex(proto_p.data)}` });
  }

  /** The event for a request hvm_send_assist_req drops because vcpu_start_shutdown_deferral failed. */
  ioBinnedForShutdown(v: Vcpu, p: ProtoIoreq): void {
    const d = v.domain;
    if (this.x.on) this.x.emit({ kind: 'io_dropped', fn: 'hvm_send_assist_req', domid: d.domain_id, vcpu: v.vcpu_id,
      detail: { reason: 'shutdown', shutdown_code: X.SHUTDOWN_NAMES[d.shutdown_code] ?? d.shutdown_code, addr: A.hex(p.addr) },
      text: `d${d.domain_id}v${v.vcpu_id} ${A.TYPE_NAMES[p.type] ?? p.type} ${p.dir ? 'read' : 'write'} ${A.hex(p.addr)} binned: d${d.domain_id} is shutting down (${X.SHUTDOWN_NAMES[d.shutdown_code] ?? d.shutdown_code}), vcpu_start_shutdown_deferral failed` });
  }

  /** prepare_wait_on_xen_event_channel: mark current blocked in Xen before the request is made visible. */
  prepareWaitOnXenEventChannel(v: Vcpu, port: number): void {
    v.pause_flags.blocked_in_xen = true;
    if (this.x.on) this.x.emit({ kind: 'vcpu_block', fn: 'prepare_wait_on_xen_event_channel', domid: v.domain.domain_id, vcpu: v.vcpu_id,
      detail: { port }, text: `d${v.domain.domain_id}v${v.vcpu_id} blocked in Xen on port ${port}` });
  }

  /**
   * wait_on_xen_event_channel with the condition "slot neither READY nor INPROCESS": true when the vcpu is descheduled.
   * In Xen the descheduled call never returns; the vcpu re-enters through hvm_do_resume when woken.
   */
  waitOnXenEventChannel(v: Vcpu, p: IoreqRef): boolean {
    const done = (): boolean => p.state !== A.STATE_IOREQ_READY && p.state !== A.STATE_IOREQ_INPROCESS;
    if (done()) return false;
    v.pause_flags.blocked_in_xen = true;
    if (done()) { v.pause_flags.blocked_in_xen = false; return false; }
    if (this.x.on) this.x.emit({ kind: 'vcpu_block', fn: 'wait_on_xen_event_channel', domid: v.domain.domain_id, vcpu: v.vcpu_id,
      detail: { port: p.vp_eport }, text: `d${v.domain.domain_id}v${v.vcpu_id} waits on port ${p.vp_eport}` });
    return true;
  }

  /**
   * The XSM_TARGET check of do_hvm_op under the default (dummy) policy: the domain itself, the privileged domain
   * (dom0) or a domain whose target is d may use d's params; anyone else gets -EPERM ([X44] hvm.c:3951, xsm/dummy.h).
   */
  xsmHvmParam(curr_d: Domain, d: Domain): number {
    return curr_d === d || curr_d.domain_id === 0 || curr_d.target === d.domain_id ? 0 : -1; // -EPERM
  }

  // ---- do_hvm_op's param cases that 4.4, the seed and 4.5 share (written once; each profile's do_hvm_op calls them) ----

  /**
   * do_hvm_op HVMOP_set_param, HVM_PARAM_ACPI_S_STATE ([X44] hvm.c do_hvm_op; unchanged in [SEED] and [X45]
   * hvm.c:5612-5621): not on oneself; 3 suspends (hvm_s3_suspend), 0 resumes, anything else -EINVAL.
   */
  setParamAcpiSState(curr_d: Domain, d: Domain, value: number): number {
    if (curr_d === d) return -1; // -EPERM
    if (value === 3) { this.hvmS3Suspend(d); return 0; }
    if (value === 0) { this.hvmS3Resume(d); return 0; }
    return -22; // -EINVAL
  }

  /** do_hvm_op HVMOP_get_param, HVM_PARAM_ACPI_S_STATE (the same three trees): 3 while suspended, else 0. */
  getParamAcpiSState(d: Domain): number {
    return d.arch.hvm_domain.is_s3_suspended ? 3 : 0;
  }

  /** The model's record of a get_param's answer (every seed-era do_hvm_op). */
  emitParamGet(curr_d: Domain, d: Domain, index: number, value: number): void {
    if (this.x.on) this.x.emit({ kind: 'param_get', fn: 'do_hvm_op', domid: d.domain_id,
      detail: { index, name: P.PARAM_NAMES[index], value, caller: curr_d.domain_id },
      text: `d${curr_d.domain_id} got d${d.domain_id} ${P.PARAM_NAMES[index] ?? index} = ${P.PFN_PARAMS.has(index) ? A.hex(value) : value}` });
  }

  /**
   * Xen's hvm_s3_suspend, [X44] hvm.c:3707-3741: pause the domain, then mark it suspended; a dying or vcpu-less domain,
   * or one suspended already, is unpaused again and left as it was (the pause comes first, :3711-3720).
   */
  hvmS3Suspend(d: Domain): void {
    this.domainPause(d, 'hvm_s3_suspend');
    if (d.is_dying || !d.vcpu[0] || d.arch.hvm_domain.is_s3_suspended) { this.domainUnpause(d, 'hvm_s3_suspend'); return; }
    d.arch.hvm_domain.is_s3_suspended = true;
  }

  /** hvm_s3_resume: unpause only a domain hvm_s3_suspend paused. */
  hvmS3Resume(d: Domain): void {
    if (!d.arch.hvm_domain.is_s3_suspended) return;
    d.arch.hvm_domain.is_s3_suspended = false;
    this.domainUnpause(d, 'hvm_s3_resume');
  }

  /** The tail of hvm_do_resume: inject a pending hw/sw trap. */
  injectPendingTrap(v: Vcpu): void {
    if (v.arch.hvm_vcpu.inject_trap.vector !== -1) v.arch.hvm_vcpu.inject_trap.vector = -1;
  }
}
