// @stepped
// The guest side of an I/O access up to the hand-off, after xen/arch/x86/hvm/emulate.c (hvmemul_do_io), io.c
// (handle_pio, handle_mmio, send_timeoffset_req, send_invalidate_req) and the wait primitives of
// xen/include/xen/event.h ([X44]); simplified to what the ioreq path observes, as noted per function.
import * as A from '../abi';
import * as E from '../evtchn';
import * as P from '../params';
import { $, type Co } from '../step';
import * as X from '../xen';
import type { Domain, Vcpu } from '../xen';
import { HvmCommon, IoreqRef, X86EMUL_OKAY, X86EMUL_RETRY, X86EMUL_UNHANDLEABLE, type ProtoIoreq } from './hvm-common';

/** TRAP_gp_fault: what handle_pio / handle_mmio inject when emulation is unhandleable. */
export const TRAP_gp_fault = 13;

export abstract class HvmEmulate extends HvmCommon {
  abstract hvmSendAssistReq(v: Vcpu, p: ProtoIoreq): Co<number>;
  abstract hvmDoResume(v: Vcpu): Co<number>;

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

  /** hvm_s3_suspend ([X44] hvm.c): pause the domain and mark it suspended; nothing if dying, vcpu-less or already so. */
  hvmS3Suspend(d: Domain): void {
    if (d.is_dying || !d.vcpu[0] || d.arch.hvm_domain.is_s3_suspended) return;
    this.domainPause(d, 'hvm_s3_suspend');
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

  /**
   * hvmemul_do_io (emulate.c, simplified): refuse a second request while one is pending, set io_state, offer the
   * request to the buffered intercept when the device is stdvga-like, else hand it to the device model.
   */
  *hvmemulDoIo(v: Vcpu, isMmio: boolean, addr: bigint, size: number, dir: number, value: bigint, buffered: boolean): Co<number> {
    const d = v.domain;
    const vio = v.arch.hvm_vcpu.hvm_io;
    const s = d.arch.hvm_domain.ioreq_server;
    yield $('io_state', { v, io_state: X.HVMIO_NAMES[vio.io_state] });
    if (vio.io_state !== X.HVMIO_none) return X86EMUL_UNHANDLEABLE;
    yield $('pending', { v, s });
    if (s && s.ioreq.va && A.getState(s.ioreq.va, A.ioreqOffset(v.vcpu_id)) !== A.STATE_IOREQ_NONE) {
      this.x.printk('XENLOG_WARNING', 'hvmemul_do_io', d, 'WARNING: io already pending?');
      return X86EMUL_UNHANDLEABLE;
    }
    const p: ProtoIoreq = {
      type: isMmio ? A.IOREQ_TYPE_COPY : A.IOREQ_TYPE_PIO, addr, size, count: 1, dir, df: 0, data_is_ptr: 0,
      data: dir === A.IOREQ_WRITE ? value & (A.SIZE_MASK[size] || 0xffffffffffffffffn) : 0n, state: A.STATE_IOREQ_READY, vp_eport: 0,
    };
    // A write hands its value over (p_data becomes NULL): nothing to complete but the slot.
    vio.io_state = dir === A.IOREQ_WRITE ? X.HVMIO_dispatched : X.HVMIO_awaiting_completion;
    vio.io_size = size;
    yield $('intercept', { v, p, buffered });
    if (buffered && dir === A.IOREQ_WRITE) {
      const queued = yield* this.hvmBufferedIoSend(v, p);
      if (queued) {
        vio.io_state = X.HVMIO_none;
        v.io_done++;
        return X86EMUL_OKAY;
      }
    }
    yield $('has_dm', { v, s });
    if (!s) {
      // hvm_has_dm() is false: with no device model the access is ignored (a read gives back vio->io_data).
      vio.io_state = X.HVMIO_none;
      v.io_dropped++;
      if (this.x.on) this.x.emit({ kind: 'io_dropped', fn: 'hvmemul_do_io', domid: d.domain_id, vcpu: v.vcpu_id,
        text: `d${d.domain_id}v${v.vcpu_id} I/O to ${A.hex(addr)} ignored: no device model (no ioreq server yet)` });
      return X86EMUL_OKAY;
    }
    yield $('send', { v, p });
    const sent = yield* this.hvmSendAssistReq(v, p);
    yield $('sent', { v, sent });
    if (!sent) {
      // Not sent (shutdown deferral refused, or the slot was busy and the domain crashed): the instruction is
      // retried later, so nothing completes now.
      vio.io_state = X.HVMIO_none;
      if (this.x.on) this.x.emit({ kind: 'io_dropped', fn: 'hvmemul_do_io', domid: d.domain_id, vcpu: v.vcpu_id,
        text: `d${d.domain_id}v${v.vcpu_id} I/O to ${A.hex(addr)} not sent: the instruction will restart` });
      return X86EMUL_RETRY;
    }
    return dir === A.IOREQ_WRITE ? X86EMUL_OKAY : X86EMUL_RETRY;
  }

  /** handle_pio (io.c): a port access; a read completes in hvm_io_assist, which writes rax; an unusable status crashes. */
  *handlePio(v: Vcpu, port: number, size: number, dir: number, value: bigint): Co<number> {
    const vio = v.arch.hvm_vcpu.hvm_io;
    yield $('do_pio', { v, port, size, dir });
    const rc = yield* this.hvmemulDoIo(v, false, BigInt(port), size, dir, value, false);
    yield $('rc', { v, rc });
    if (rc === X86EMUL_RETRY && vio.io_state === X.HVMIO_awaiting_completion) vio.io_state = X.HVMIO_handle_pio_awaiting_completion;
    else if (rc === X86EMUL_OKAY && dir === A.IOREQ_READ) v.rax = this.mergeReg(v.rax, vio.io_data, size);
    else if (rc === X86EMUL_UNHANDLEABLE) {
      // handle_pio's default case ([X44] io.c:259-262): an emulation status it cannot use crashes the domain.
      this.x.printk('XENLOG_ERR', 'handle_pio', v.domain, `Weird HVM ioemulation status ${rc}.`);
      this.domainCrash(v.domain, 'handle_pio', `Weird HVM ioemulation status ${rc}`);
    }
    return rc;
  }

  /** handle_mmio (io.c): an MMIO access; a read is re-emulated after hvm_io_assist and lands in rax. */
  *handleMmio(v: Vcpu, gpa: bigint, size: number, dir: number, value: bigint, buffered: boolean): Co<number> {
    const vio = v.arch.hvm_vcpu.hvm_io;
    yield $('do_mmio', { v, gpa, size, dir, buffered });
    vio.mmio_gpa = gpa;
    const rc = yield* this.hvmemulDoIo(v, true, gpa, size, dir, value, buffered);
    yield $('rc', { v, rc });
    if (rc === X86EMUL_RETRY && vio.io_state === X.HVMIO_awaiting_completion) vio.io_state = X.HVMIO_handle_mmio_awaiting_completion;
    else if (rc === X86EMUL_UNHANDLEABLE) v.arch.hvm_vcpu.inject_trap.vector = TRAP_gp_fault;
    return rc;
  }

  /** send_timeoffset_req (io.c): an 8-byte TIMEOFFSET write, buffered only (two slots); logs when the ring refuses. */
  *sendTimeoffsetReq(v: Vcpu, timeoff: bigint): Co<number> {
    yield $('zero', { timeoff });
    if (timeoff === 0n) return 0;
    const p: ProtoIoreq = { ...A.emptyIoreq(), type: A.IOREQ_TYPE_TIMEOFFSET, size: 8, count: 1, dir: A.IOREQ_WRITE, data: BigInt.asUintN(64, timeoff), state: A.STATE_IOREQ_READY };
    yield $('send', { p });
    const ok = yield* this.hvmBufferedIoSend(v, p);
    if (!ok) this.x.printk('XENLOG_INFO', 'send_timeoffset_req', v.domain, 'Unsuccessful timeoffset update');
    return ok;
  }

  /** send_invalidate_req (io.c): ask the device model to flush its map cache; synchronous. */
  *sendInvalidateReq(v: Vcpu): Co<number> {
    const p: ProtoIoreq = { ...A.emptyIoreq(), type: A.IOREQ_TYPE_INVALIDATE, size: 4, count: 1, dir: A.IOREQ_WRITE, data: 0xffffffffffffffffn };
    yield $('send', { p });
    const sent = yield* this.hvmSendAssistReq(v, p);
    if (sent) v.arch.hvm_vcpu.hvm_io.io_state = X.HVMIO_dispatched;
    return sent;
  }
}

