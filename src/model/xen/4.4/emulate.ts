// @stepped
// xen/arch/x86/hvm/emulate.c of RELEASE-4.4.0 [X44], shared by the legacy and seed profiles: hvmemul_do_io, the
// guest side of an access up to the hand-off, simplified to what the ioreq path observes (noted in the body).
import * as A from '../../abi';
import { $, type Co } from '../../step';
import * as X from '../../xen';
import type { Vcpu } from '../../xen';
import { X86EMUL_OKAY, X86EMUL_RETRY, X86EMUL_UNHANDLEABLE, type ProtoIoreq } from '../common/outcome';
import { Io44 } from './io';

export abstract class Emulate44 extends Io44 {
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
}
