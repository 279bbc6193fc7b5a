// @stepped
// xen/arch/x86/hvm/io.c of RELEASE-4.4.0 [X44], shared by the legacy and seed profiles: handle_pio, handle_mmio,
// send_timeoffset_req, send_invalidate_req, hvm_buffered_io_send (the server pointer as in bb6d5e155d, inferred for
// the seed) and hvm_io_assist.
import * as A from '../../abi';
import * as E from '../../evtchn';
import { $, type Co } from '../../step';
import * as X from '../../xen';
import type { Vcpu } from '../../xen';
import { X86EMUL_OKAY, X86EMUL_RETRY, X86EMUL_UNHANDLEABLE, type ProtoIoreq } from '../common/outcome';
import { Hvm44, type IoreqRef } from './hvm';

/** TRAP_gp_fault: what handle_pio / handle_mmio inject when emulation is unhandleable. */
export const TRAP_gp_fault = 13;

export abstract class Io44 extends Hvm44 {
  /** hvmemul_do_io, in emulate.c (the next layer); the optional tail is a string access's (4.4's own emulate.c). */
  abstract hvmemulDoIo(v: Vcpu, isMmio: boolean, addr: bigint, size: number, dir: number, value: bigint, buffered: boolean,
    reps?: number, ramGpa?: bigint, df?: number, valueIsPtr?: boolean): Co<number>;
  /** hvm_send_assist_req and hvm_do_resume: each profile's own hvm.c. */
  abstract hvmSendAssistReq(v: Vcpu, p: ProtoIoreq): Co<number>;
  abstract hvmDoResume(v: Vcpu): Co<number>;

  /** handle_pio (io.c): a port access; a read completes in hvm_io_assist, which writes rax; an unusable status crashes. */
  *handlePio(v: Vcpu, port: number, size: number, dir: number, value: bigint): Co<number> {
    yield $('init_vio');
    const vio = v.arch.hvm_vcpu.hvm_io;
    yield $('do_pio', { v, port, size, dir });
    const rc = yield* this.hvmemulDoIo(v, false, BigInt(port), size, dir, value, false);
    yield $('rc', { v, rc });
    if (rc === X86EMUL_RETRY && vio.io_state === X.HVMIO_awaiting_completion) {
      yield $('pio_awaiting');
      vio.io_state = X.HVMIO_handle_pio_awaiting_completion;
    } else {
      yield $('okay_read', { io_state: X.HVMIO_NAMES[vio.io_state] });
      if (rc === X86EMUL_OKAY && dir === A.IOREQ_READ) {
        yield $('load_rax', { io_data: A.hex(vio.io_data), rax: A.hex(v.rax) });
        v.rax = this.mergeReg(v.rax, vio.io_data, size);
      } else {
        yield $('unhandleable');
        if (rc === X86EMUL_UNHANDLEABLE) {
          // handle_pio's default case ([X44] io.c:259-262): an emulation status it cannot use crashes the domain.
          yield $('weird');
          this.x.printk('XENLOG_ERR', 'handle_pio', v.domain, `Weird HVM ioemulation status ${rc}.`);
          yield $('crash', { d: v.domain });
          this.domainCrash(v.domain, 'handle_pio', `Weird HVM ioemulation status ${rc}`);
        }
      }
    }
    yield $('ret');
    return rc;
  }

  /**
   * handle_mmio (io.c): an MMIO access; a read is re-emulated after hvm_io_assist and lands in rax; a read Xen
   * completed on its own (stdvga's cache) lands there at once. `buffered` is the model's misbehaviour switch (see hvmemul_do_io).
   */
  *handleMmio(v: Vcpu, gpa: bigint, size: number, dir: number, value: bigint, buffered: boolean): Co<number> {
    yield $('init_vio');
    const vio = v.arch.hvm_vcpu.hvm_io;
    yield $('do_mmio', { v, gpa, size, dir, buffered });
    vio.mmio_gpa = gpa;
    yield $('do_io');
    const rc = yield* this.hvmemulDoIo(v, true, gpa, size, dir, value, buffered);
    yield $('rc', { v, rc });
    if (rc === X86EMUL_RETRY && vio.io_state === X.HVMIO_awaiting_completion) {
      yield $('mmio_awaiting');
      vio.io_state = X.HVMIO_handle_mmio_awaiting_completion;
    } else {
      yield $('okay_read', { io_state: X.HVMIO_NAMES[vio.io_state] });
      if (rc === X86EMUL_OKAY && dir === A.IOREQ_READ) {
        yield $('load_rax', { io_data: A.hex(vio.io_data), rax: A.hex(v.rax) });
        v.rax = this.mergeReg(v.rax, vio.io_data, size); // finish_access
      } else {
        yield $('unhandleable');
        if (rc === X86EMUL_UNHANDLEABLE) {
          yield $('inject_gp');
          v.arch.hvm_vcpu.inject_trap.vector = TRAP_gp_fault;
        }
      }
    }
    yield $('ret');
    return rc;
  }

  /** send_timeoffset_req (io.c): an 8-byte TIMEOFFSET write, buffered only (two slots); logs when the ring refuses. */
  *sendTimeoffsetReq(v: Vcpu, timeoff: bigint): Co<number> {
    yield $('zero', { timeoff });
    if (timeoff === 0n) return 0;
    // The request is filled field by field as the listing writes it (the same ioreq_t as one literal would give).
    yield $('memset');
    const p: ProtoIoreq = A.emptyIoreq();
    yield $('set_type');
    p.type = A.IOREQ_TYPE_TIMEOFFSET;
    yield $('set_size');
    p.size = 8;
    yield $('set_count');
    p.count = 1;
    yield $('set_dir');
    p.dir = A.IOREQ_WRITE;
    yield $('set_data');
    p.data = BigInt.asUintN(64, timeoff);
    yield $('set_state');
    p.state = A.STATE_IOREQ_READY;
    yield $('send', { p });
    const ok = yield* this.hvmBufferedIoSend(v, p);
    yield $('check_ok');
    if (!ok) this.x.printk('XENLOG_INFO', 'send_timeoffset_req', v.domain, 'Unsuccessful timeoffset update');
    yield $('ret');
    return ok;
  }

  /** send_invalidate_req (io.c): ask the device model to flush its map cache; synchronous. */
  *sendInvalidateReq(v: Vcpu): Co<number> {
    yield $('memset');
    const p: ProtoIoreq = A.emptyIoreq();
    yield $('set_type');
    p.type = A.IOREQ_TYPE_INVALIDATE;
    yield $('set_size');
    p.size = 4;
    yield $('set_count');
    p.count = 1;
    yield $('set_dir');
    p.dir = A.IOREQ_WRITE;
    yield $('set_data');
    p.data = 0xffffffffffffffffn;
    yield $('send', { p });
    const sent = yield* this.hvmSendAssistReq(v, p);
    yield $('check_sent');
    if (sent) v.arch.hvm_vcpu.hvm_io.io_state = X.HVMIO_dispatched;
    yield $('ret');
    return sent;
  }

  /** hvm_buffered_io_send: 1 when queued on the buffered ring, 0 when the caller must use the synchronous path. */
  *hvmBufferedIoSend(v: Vcpu, p: ProtoIoreq): Co<number> {
    yield $('init_d');
    const d = v.domain;
    yield $('init_s');
    const s = d.arch.hvm_domain.ioreq_server;
    // int size, qw = 0: qw is declared below, where the model first needs it.
    yield $('init_qw');
    yield $('entry', { d: d.domain_id, s: s ? 'server' : 'NULL' });
    if (!s) return 0;
    this.checkLive(s, 'hvm_buffered_io_send');
    yield $('iorp');
    const iorp = s.buf_ioreq;
    yield $('pg');
    const pg = iorp.va;
    let qw = 0;
    yield $('limits', { addr: A.hex(p.addr), data_is_ptr: p.data_is_ptr, count: p.count });
    if (p.addr > 0xfffffn || p.data_is_ptr || p.count !== 1) return 0;
    let size: number;
    yield $('size', { size: p.size });
    switch (p.size) {
      case 1: yield $('size1'); size = 0; break;
      case 2: yield $('size2'); size = 1; break;
      case 4: yield $('size4'); size = 2; break;
      case 8: yield $('size8'); size = 3; qw = 1; break;
      default:
        yield $('bad_size');
        this.x.printk('XENLOG_WARNING', 'hvm_buffered_io_send', d, `unexpected ioreq size: ${p.size}`);
        yield $('bad_size_ret');
        return 0;
    }
    yield $('bp');
    const bp: A.BufIoreq = { type: p.type, pad: 0, dir: p.dir, size, addr: Number(p.addr), data: Number(p.data & 0xffffffffn) };
    // spin_lock(&iorp->lock): one vcpu runs at a time in the model (a stop, nothing changes).
    yield $('lock');
    yield $('rp');
    if (!pg) throw new X.XenPanic('hvm_buffered_io_send', `NULL dereference: no buffered page mapped for d${d.domain_id}`);
    const rp = pg.getUint32(A.BUF_OFF_READ_POINTER, true);
    yield $('wp');
    const wp = pg.getUint32(A.BUF_OFF_WRITE_POINTER, true);
    yield $('full', { bp, read_pointer: rp, write_pointer: wp, qw });
    if (((wp - rp) >>> 0) >= A.IOREQ_BUFFER_SLOT_NUM - qw) {
      if (this.x.on) this.x.emit({ kind: 'buffered_full', fn: 'hvm_buffered_io_send', domid: d.domain_id, vcpu: v.vcpu_id,
        detail: { read_pointer: rp, write_pointer: wp }, text: `d${d.domain_id} buffered ring full (${wp - rp} used): synchronous path` });
      yield $('full_unlock');
      yield $('full_ret');
      return 0;
    }
    yield $('write_slot');
    A.writeBufIoreq(pg, A.bufSlotOffset(wp), bp);
    yield $('copy', { slot: wp % A.IOREQ_BUFFER_SLOT_NUM });
    if (qw) {
      yield $('data_hi');
      bp.data = Number((p.data >> 32n) & 0xffffffffn);
      yield $('write_slot_hi');
      A.writeBufIoreq(pg, A.bufSlotOffset((wp + 1) >>> 0), bp);
    }
    // wmb(): the slots are visible before the pointer moves (the model's writes are ordered: a stop, nothing changes).
    yield $('copy_hi', qw ? { slot: (wp + 1) % A.IOREQ_BUFFER_SLOT_NUM, data_hi: A.hex(bp.data) } : {});
    yield $('write_pointer');
    pg.setUint32(A.BUF_OFF_WRITE_POINTER, (wp + (qw ? 2 : 1)) >>> 0, true);
    if (this.x.on) this.x.emit({ kind: 'buffered_write', fn: 'hvm_buffered_io_send', domid: d.domain_id, vcpu: v.vcpu_id,
      before: wp, after: (wp + (qw ? 2 : 1)) >>> 0, detail: { addr: A.hex(p.addr), size: p.size, data: A.hex(p.data) },
      text: `d${d.domain_id}v${v.vcpu_id} buffered ${p.dir ? 'read' : 'write'} ${A.hex(p.addr)} size ${p.size} data ${A.hex(p.data)}: write_pointer ${wp} -> ${(wp + (qw ? 2 : 1)) >>> 0}` });
    yield $('notify', { port: s.buf_ioreq_evtchn });
    E.notifyViaXenEventChannel(this.x, d, s.buf_ioreq_evtchn);
    yield $('unlock');
    yield $('ret');
    return 1;
  }

  /** hvm_io_assist ([X44] io.c:268-307): slot back to NONE, then finish the emulation the vcpu was waiting on. */
  *hvmIoAssist(p: IoreqRef): Co<void> {
    yield $('init_curr');
    const curr = this.x.current!;
    yield $('init_vio');
    const vio = curr.arch.hvm_vcpu.hvm_io;
    // regs = guest_cpu_user_regs(): the model's registers are the vcpu's own (curr.rax).
    yield $('init_regs');
    yield $('rmb', { p, io_state: X.HVMIO_NAMES[vio.io_state] });
    yield $('free_slot');
    p.state = A.STATE_IOREQ_NONE;
    // vcpu_id -1: 4.5's hvm_complete_assist_req passes the request itself, which is no slot (no slot event).
    if (this.x.on && p.vcpu_id >= 0) this.x.emit({ kind: 'slot_state', fn: 'hvm_io_assist', domid: curr.domain.domain_id, vcpu: curr.vcpu_id,
      before: 'STATE_IORESP_READY', after: 'STATE_IOREQ_NONE', text: `d${curr.domain.domain_id}v${curr.vcpu_id} slot IORESP_READY -> NONE` });
    yield $('read_io_state');
    const io_state = vio.io_state;
    yield $('clear_io_state');
    vio.io_state = X.HVMIO_none;
    yield $('switch', { p, io_state: X.HVMIO_NAMES[io_state] });
    const data = p.data;
    switch (io_state) {
      case X.HVMIO_awaiting_completion:
        yield $('completed');
        vio.io_state = X.HVMIO_completed;
        yield $('io_data');
        vio.io_data = data;
        yield $('completed_break');
        break;
      case X.HVMIO_handle_mmio_awaiting_completion:
        yield $('mmio_completed');
        vio.io_state = X.HVMIO_completed;
        yield $('mmio_io_data');
        vio.io_data = data;
        yield $('handle_mmio', { io_data: A.hex(data) });
        // handle_mmio re-runs the instruction; hvmemul_do_io finds HVMIO_completed and the instruction's destination
        // (rax in this model) receives io_data.
        // A 4-byte load zero-extends into the 64-bit register; narrower loads keep the upper bytes.
        curr.rax = this.mergeReg(curr.rax, data, vio.io_size);
        vio.io_state = X.HVMIO_none;
        yield $('mmio_break');
        break;
      case X.HVMIO_handle_pio_awaiting_completion:
        // A 4-byte port read zero-extends into rax; narrower ones replace only the low io_size bytes.
        yield $('pio_rax');
        curr.rax = this.mergeReg(curr.rax, data, vio.io_size);
        yield $('pio_break');
        break;
      default:
        yield $('default_break');
        break;
    }
    if (this.x.on) this.x.emit({ kind: 'io_assist', fn: 'hvm_io_assist', domid: curr.domain.domain_id, vcpu: curr.vcpu_id,
      detail: { io_state: X.HVMIO_NAMES[io_state], data: A.hex(data) }, text: `d${curr.domain.domain_id}v${curr.vcpu_id} I/O completed (${X.HVMIO_NAMES[io_state]}, data ${A.hex(data)})` });
    yield $('end', { p });
    if (p.state === A.STATE_IOREQ_NONE) {
      // msix_write_completion(curr): no MSI-X table writes in this model (a stop, nothing changes).
      yield $('msix');
      yield $('end_deferral');
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
}
