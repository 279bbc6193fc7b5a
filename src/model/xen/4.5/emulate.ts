// @stepped
// xen/arch/x86/hvm/emulate.c of RELEASE-4.5.0 [X45]: hvmemul_do_io, simplified to what the ioreq path observes
// (no paging, no multi-cycle MMIO, no REP): the io_state switch, hvm_io_pending over every server, the intercepts
// (stdvga's buffered writes, the CF8 latch), hvm_has_dm, and the hand-off to hvm_send_assist_req.
import * as A from '../../abi';
import { $, type Co } from '../../step';
import * as X from '../../xen';
import type { Vcpu } from '../../xen';
import { X86EMUL_OKAY, X86EMUL_RETRY, X86EMUL_UNHANDLEABLE, type ProtoIoreq } from '../common/outcome';
import { Io45 } from './io';

export abstract class Emulate45 extends Io45 {
  /** hvm_io_pending ([X45] hvm.c:383-399): any server's slot for v not NONE. */
  abstract hvmIoPending(v: Vcpu): boolean;
  /** hvm_has_dm ([X45] hvm.c:2510-2513): the server list is not empty. */
  abstract hvmHasDm(v: Vcpu): boolean;

  /** hvm_access_cf8 ([X45] hvm.c:566-576): a 4-byte write to 0xcf8 latches CF8; always falls through to the DM. */
  hvmAccessCf8(v: Vcpu, dir: number, size: number, value: bigint): number {
    if (dir === A.IOREQ_WRITE && size === 4) v.domain.hvm45.pci_cf8 = Number(value & 0xffffffffn);
    return X86EMUL_UNHANDLEABLE;
  }

  /** hvmemul_do_io ([X45] emulate.c:53-262, simplified as the file header says). */
  *hvmemulDoIo(v: Vcpu, isMmio: boolean, addr: bigint, size: number, dir: number, value: bigint, buffered: boolean): Co<number> {
    yield $('init_curr');
    const d = v.domain;
    yield $('init_vio');
    const vio = v.arch.hvm_vcpu.hvm_io;
    // The request on the stack (data: a write's value, which 4.5 copies in from p_data before the switch).
    yield $('init_p');
    const p: ProtoIoreq = {
      type: isMmio ? A.IOREQ_TYPE_COPY : A.IOREQ_TYPE_PIO, addr, size, count: 1, dir, df: 0, data_is_ptr: 0,
      data: dir === A.IOREQ_WRITE ? value & (A.SIZE_MASK[size] || 0xffffffffffffffffn) : 0n, state: 0, vp_eport: 0,
    };
    yield $('io_state', { v, io_state: X.HVMIO_NAMES[vio.io_state] });
    switch (vio.io_state) {
      case X.HVMIO_none:
        yield $('none_break');
        break;
      case X.HVMIO_completed:
        // The second pass of an access whose answer is in io_data (emulate.c:143-151).
        yield $('completed_none');
        vio.io_state = X.HVMIO_none;
        yield $('check_p_data');
        if (dir === A.IOREQ_WRITE) return X86EMUL_UNHANDLEABLE;
        yield $('finish_access', { v, io_data: A.hex(vio.io_data) });
        v.io_done++;
        yield $('completed_ret');
        return X86EMUL_OKAY;
      default:
        yield $('busy_ret');
        return X86EMUL_UNHANDLEABLE;
    }
    yield $('pending', { v });
    if (this.hvmIoPending(v)) {
      yield $('pending_printk');
      this.x.printk('XENLOG_WARNING', 'hvmemul_do_io', d, 'WARNING: io already pending?');
      yield $('pending_ret');
      return X86EMUL_UNHANDLEABLE;
    }
    yield $('set_io_state');
    vio.io_state = dir === A.IOREQ_WRITE ? X.HVMIO_dispatched : X.HVMIO_awaiting_completion;
    yield $('set_io_size');
    vio.io_size = size;
    let rc = X86EMUL_UNHANDLEABLE;
    yield $('intercept', { v, p, buffered });
    if (buffered && dir === A.IOREQ_WRITE) {
      // Misbehaviour (not Xen's path): the request goes straight to hvm_buffered_io_send.
      if (yield* this.hvmBufferedIoSend(v, p)) rc = X86EMUL_OKAY;
    } else if (isMmio) {
      // hvm_mmio_intercept (Xen's own devices), then hvm_buffered_io_intercept: stdvga's window, the same stdvga.c
      // and intercept.c as 4.4 for single accesses (RELEASE-4.5.0; 4.5 only adds the rep-count clipping).
      rc = yield* this.hvmMmioIntercept(v, p);
      if (rc === X86EMUL_UNHANDLEABLE) rc = yield* this.hvmBufferedIoIntercept(v, p);
    } else if (addr >= 0xcf8n && addr + BigInt(size) <= 0xcfcn) {
      // hvm_portio_intercept: the handler hvm_domain_initialise registers at 0xcf8 for 4 ports.
      rc = this.hvmAccessCf8(v, dir, size, value);
    } else {
      // hvm_portio_intercept: stdvga's port pairs (it snoops them and lets them through).
      rc = yield* this.hvmPortioIntercept(v, p);
    }
    yield $('intercept_rc', { v, rc, pci_cf8: A.hex(d.hvm45.pci_cf8) });
    if (rc === X86EMUL_OKAY) {
      // p.state = IORESP_READY; hvm_io_assist(&p): a write finds HVMIO_dispatched and only ends the deferral, a read
      // Xen answered (stdvga's cache) lands in io_data. Then io_state = HVMIO_none for both ([X45] emulate.c:210-214):
      // the read's HVMIO_completed does not outlive the call.
      yield $('resp_ready');
      p.state = A.STATE_IORESP_READY;
      yield $('io_assist', { dir });
      if (dir === A.IOREQ_READ) {
        const tmp = new DataView(new ArrayBuffer(A.IOREQ_SIZE));
        A.writeIoreq(tmp, 0, p);
        yield* this.hvmIoAssist(new X.IoreqRef(tmp, 0, -1));
      }
      yield $('intercept_none');
      vio.io_state = X.HVMIO_none;
      v.io_done++;
      yield $('intercept_ret');
      return X86EMUL_OKAY;
    }
    yield $('has_dm', { v });
    if (!this.hvmHasDm(v)) {
      // No server at all: the access is ignored; a read hands back whatever io_data holds.
      yield $('no_dm_none');
      vio.io_state = X.HVMIO_none;
      v.io_dropped++;
      if (this.x.on) this.x.emit({ kind: 'io_dropped', fn: 'hvmemul_do_io', domid: d.domain_id, vcpu: v.vcpu_id,
        text: `d${d.domain_id}v${v.vcpu_id} I/O to ${A.hex(addr)} ignored: no ioreq server (hvm_has_dm is false)` });
      yield $('no_dm_ret');
      return X86EMUL_OKAY;
    }
    yield $('set_retry');
    rc = X86EMUL_RETRY;
    yield $('send', { v, p });
    const sent = yield* this.hvmSendAssistReq(v, p);
    yield $('sent', { v, sent });
    if (!sent) {
      vio.io_state = X.HVMIO_none;
      v.io_restarts++;
      if (this.x.on) this.x.emit({ kind: 'io_dropped', fn: 'hvmemul_do_io', domid: d.domain_id, vcpu: v.vcpu_id,
        text: `d${d.domain_id}v${v.vcpu_id} I/O to ${A.hex(addr)} not sent: the instruction will restart` });
    } else {
      yield $('check_write');
      if (dir === A.IOREQ_WRITE) rc = X86EMUL_OKAY;
    }
    yield $('ret');
    return rc;
  }
}
