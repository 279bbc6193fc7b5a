// @stepped
// xen/arch/x86/hvm/emulate.c of RELEASE-4.4.0 [X44], shared by the legacy and seed profiles: hvmemul_do_io (with the
// request built on the stack and handed to hvm_send_assist_req, as bb6d5e155d has it) and the emulator callbacks that
// issue string I/O: hvmemul_rep_ins, hvmemul_rep_outs and hvmemul_rep_movs. Simplified where the ioreq path does not
// look (noted in the bodies): no multi-cycle MMIO (mmio_large_*), no retried string iterations (mmio_retry).
import * as A from '../../abi';
import { $, type Co } from '../../step';
import * as X from '../../xen';
import type { Vcpu } from '../../xen';
import { X86EMUL_OKAY, X86EMUL_RETRY, X86EMUL_UNHANDLEABLE, type ProtoIoreq } from '../common/outcome';
import { IoreqRef, type HvmCopy } from './hvm';
import { Stdvga44 } from './stdvga';

export abstract class Emulate44 extends Stdvga44 {
  /** The ioreq_t hvmemul_do_io keeps on its stack for a request Xen completes itself (the model reuses one). */
  stackIoreq: IoreqRef | null = null;

  /**
   * hvmemul_do_io ([X44] emulate.c:52-298; bb6d5e155d emulate.c:52-247). addr is the port or guest-physical
   * address, reps the count, ramGpa the guest buffer of a string access (valueIsPtr: the request's data is that
   * address, p_data == NULL); otherwise value is what a write writes. forceBuffered is the model's misbehaviour
   * switch, for the misbehave_buffered_send op: the request is offered to hvm_buffered_io_send whatever the intercepts
   * would have decided. Returns X86EMUL_OKAY, X86EMUL_RETRY or X86EMUL_UNHANDLEABLE.
   */
  *hvmemulDoIo(v: Vcpu, isMmio: boolean, addr: bigint, size: number, dir: number, value: bigint, forceBuffered: boolean,
    reps = 1, ramGpa = 0n, df = 0, valueIsPtr = false): Co<number> {
    yield $('init_d');
    const d = v.domain;
    yield $('init_vio');
    const vio = v.arch.hvm_vcpu.hvm_io;
    yield $('init_s');
    const s = d.arch.hvm_domain.ioreq_server;
    yield $('init_ram_gfn');
    const ram_gfn = Number(ramGpa >> 12n);
    // The p2m of the buffer's frame, asked with P2M_UNSHARE for every access (gfn 0 for a non-string one).
    yield $('init_p2mt');
    const p2mt = this.p2mType(d, ram_gfn);
    // A write of a value hands the value over (p_data becomes NULL); a string access never had p_data.
    yield $('init_p_data_null');
    const pDataNull = valueIsPtr || dir === A.IOREQ_WRITE;
    yield $('ram_page', { v, ram_gfn: A.hex(ram_gfn), p2mt });
    if (p2mt === 'p2m_ram_paged') {
      yield $('populate');
      this.p2mMemPagingPopulate(d, ram_gfn, 'hvmemul_do_io');
      yield $('paged_ret');
      return X86EMUL_RETRY;
    }
    yield $('shared');
    if (p2mt === 'p2m_ram_shared') return X86EMUL_RETRY;
    yield $('size', { v, size });
    if (size > 8 || (size & (size - 1)) !== 0) {
      // Weird sizes: writes are discarded, reads give all-ones.
      yield $('bad_size');
      this.x.printk('XENLOG_WARNING', 'hvmemul_do_io', d, `bad mmio size ${size}`);
      yield $('all_ones');
      if (dir === A.IOREQ_READ) vio.io_data = 0xffffffffffffffffn;
      yield $('bad_size_ret');
      return X86EMUL_UNHANDLEABLE;
    }
    yield $('io_state', { v, io_state: X.HVMIO_NAMES[vio.io_state] });
    if (vio.io_state !== X.HVMIO_none) return X86EMUL_UNHANDLEABLE;
    yield $('pending', { v, s });
    if (s && s.ioreq.va && A.getState(s.ioreq.va, A.ioreqOffset(v.vcpu_id)) !== A.STATE_IOREQ_NONE) {
      // bb6d5e155d emulate.c:165 drops 4.4's "(%d)" from the text.
      yield $('pending_printk');
      this.x.printk('XENLOG_WARNING', 'hvmemul_do_io', d, 'WARNING: io already pending?');
      yield $('pending_ret');
      return X86EMUL_UNHANDLEABLE;
    }
    yield $('set_io_state');
    vio.io_state = pDataNull ? X.HVMIO_dispatched : X.HVMIO_awaiting_completion;
    yield $('set_io_size');
    vio.io_size = size;
    // The request on the stack, filled field by field as the listing writes it (the same ioreq_t one literal gives).
    const p: ProtoIoreq = { type: 0, addr: 0n, size: 0, count: 0, dir: 0, df: 0, data_is_ptr: 0, data: 0n, state: A.STATE_IOREQ_NONE, vp_eport: 0 };
    yield $('p_type');
    p.type = isMmio ? A.IOREQ_TYPE_COPY : A.IOREQ_TYPE_PIO;
    yield $('p_addr');
    p.addr = addr;
    yield $('p_size');
    p.size = size;
    yield $('p_count');
    p.count = reps;
    yield $('p_dir');
    p.dir = dir;
    yield $('p_df');
    p.df = df ? 1 : 0;
    yield $('p_data_is_ptr');
    p.data_is_ptr = valueIsPtr ? 1 : 0;
    yield $('p_data');
    p.data = valueIsPtr ? ramGpa : dir === A.IOREQ_WRITE ? value & (A.SIZE_MASK[size] || 0xffffffffffffffffn) : 0n;
    let rc: number;
    yield $('intercept', { v, p, forceBuffered });
    if (forceBuffered) {
      // Misbehaviour: not Xen's path. The request goes straight to hvm_buffered_io_send.
      rc = (yield* this.hvmBufferedIoSend(v, p)) ? X86EMUL_OKAY : X86EMUL_UNHANDLEABLE;
    } else {
      yield $('is_mmio');
      if (isMmio) {
        yield $('mmio_intercept');
        rc = yield* this.hvmMmioIntercept(v, p);
        yield $('buffered_intercept', { rc });
        if (rc === X86EMUL_UNHANDLEABLE) rc = yield* this.hvmBufferedIoIntercept(v, p);
      } else {
        yield $('portio_intercept');
        rc = yield* this.hvmPortioIntercept(v, p);
      }
    }
    yield $('intercept_rc', { v, rc });
    if (rc === X86EMUL_OKAY || rc === X86EMUL_RETRY) {
      // Handled inside Xen: the request completes at once through hvm_io_assist on the stack copy.
      yield $('resp_ready');
      p.state = A.STATE_IORESP_READY;
      yield $('io_assist', { p });
      // The stack copy: one scratch ioreq_t per instance (hvm_io_assist keeps no reference to it).
      const ref = (this.stackIoreq ??= new IoreqRef(new DataView(new ArrayBuffer(A.IOREQ_SIZE)), 0, -1));
      A.writeIoreq(ref.va, 0, p);
      yield* this.hvmIoAssist(ref);
      yield $('io_state_none');
      vio.io_state = X.HVMIO_none;
      yield $('finish_access', { v, dir, io_data: A.hex(vio.io_data) });
      return X86EMUL_OKAY;
    }
    yield $('has_dm', { v, s });
    if (!s) {
      // hvm_has_dm() is false: with no device model the access is ignored (a read gives back vio->io_data).
      yield $('no_dm_none');
      vio.io_state = X.HVMIO_none;
      v.io_dropped++;
      if (this.x.on) this.x.emit({ kind: 'io_dropped', fn: 'hvmemul_do_io', domid: d.domain_id, vcpu: v.vcpu_id,
        text: `d${d.domain_id}v${v.vcpu_id} I/O to ${A.hex(addr)} ignored: no device model (no ioreq server yet)` });
      yield $('no_dm_ret');
      return X86EMUL_OKAY;
    }
    yield $('send', { v, p });
    const sent = yield* this.hvmSendAssistReq(v, p);
    yield $('sent', { v, sent });
    if (!sent) {
      // Not sent (shutdown deferral refused, or the slot was busy and the domain crashed): the instruction is
      // retried later, so nothing completes now.
      yield $('not_sent');
      vio.io_state = X.HVMIO_none;
      if (this.x.on) this.x.emit({ kind: 'io_dropped', fn: 'hvmemul_do_io', domid: d.domain_id, vcpu: v.vcpu_id,
        text: `d${d.domain_id}v${v.vcpu_id} I/O to ${A.hex(addr)} not sent: the instruction will restart` });
      yield $('not_sent_ret');
      return X86EMUL_RETRY;
    }
    yield $('ret');
    return pDataNull ? X86EMUL_OKAY : X86EMUL_RETRY;
  }

  /**
   * hvmemul_rep_outs ([X44] emulate.c:756-792): REP OUTS of reps elements of size bytes from guest-physical gpa (the
   * model's guest runs unpaged, so linear is physical). A buffer in MMIO is left to the emulator's slow path
   * (X86EMUL_UNHANDLEABLE); otherwise one PIO request with data_is_ptr, count reps and the direction flag.
   */
  *hvmemulRepOuts(v: Vcpu, port: number, gpa: bigint, size: number, reps: number, df: number): Co<number> {
    const t = this.p2mType(v.domain, Number(gpa >> 12n));
    yield $('p2mt', { v, gpa: A.hex(gpa), p2mt: t });
    if (t === 'p2m_mmio_dm') return X86EMUL_UNHANDLEABLE;
    yield $('do_io');
    return yield* this.hvmemulDoIo(v, false, BigInt(port), size, A.IOREQ_WRITE, 0n, false, reps, gpa, df, true);
  }

  /** hvmemul_rep_ins ([X44] emulate.c:718-754): REP INS into guest-physical gpa, the mirror of hvmemul_rep_outs. */
  *hvmemulRepIns(v: Vcpu, port: number, gpa: bigint, size: number, reps: number, df: number): Co<number> {
    const t = this.p2mType(v.domain, Number(gpa >> 12n));
    yield $('p2mt', { v, gpa: A.hex(gpa), p2mt: t });
    if (t === 'p2m_mmio_dm') return X86EMUL_UNHANDLEABLE;
    yield $('do_io');
    return yield* this.hvmemulDoIo(v, false, BigInt(port), size, A.IOREQ_READ, 0n, false, reps, gpa, df, true);
  }

  /**
   * hvmemul_rep_movs ([X44] emulate.c:794-901): REP MOVS of reps elements from src to dst. Exactly one side in
   * p2m_mmio_dm makes one COPY request with data_is_ptr (an MMIO source is a read into dst, an MMIO destination a
   * write from src); both MMIO is the slow path; RAM to RAM is copied by Xen (a self-overlapping copy excepted).
   */
  *hvmemulRepMovs(v: Vcpu, src: bigint, dst: bigint, size: number, reps: number, df: number): Co<number> {
    const d = v.domain;
    // sgpa and dgpa: the listing's parameters, adjusted below for a reverse copy (src and dst keep the originals).
    let sgpa = src, dgpa = dst;
    yield $('init_p2mt');
    const sp2mt = this.p2mType(d, Number(src >> 12n));
    const dp2mt = this.p2mType(d, Number(dst >> 12n));
    yield $('init_bytes');
    const bytes = BigInt(reps * size);
    yield $('p2mt', { v, sgpa: A.hex(src), dgpa: A.hex(dst), sp2mt, dp2mt });
    if (sp2mt === 'p2m_mmio_dm' && dp2mt === 'p2m_mmio_dm') return X86EMUL_UNHANDLEABLE;
    yield $('mmio_src');
    if (sp2mt === 'p2m_mmio_dm') return yield* this.hvmemulDoIo(v, true, src, size, A.IOREQ_READ, 0n, false, reps, dst, df, true);
    yield $('mmio_dst');
    if (dp2mt === 'p2m_mmio_dm') return yield* this.hvmemulDoIo(v, true, dst, size, A.IOREQ_WRITE, 0n, false, reps, src, df, true);
    // RAM to RAM: memmove(dgpa, sgpa, bytes), both adjusted down for a reverse copy.
    yield $('df_sgpa');
    if (df) sgpa -= bytes - BigInt(size);
    yield $('ram_copy', { v, sgpa: A.hex(sgpa), dgpa: A.hex(dgpa), bytes: Number(bytes) });
    if (dgpa + BigInt(size) > sgpa && dgpa < sgpa + bytes) return X86EMUL_UNHANDLEABLE;
    yield $('df_dgpa');
    if (df) dgpa -= bytes - BigInt(size);
    // hvm_copy_from_guest_phys of the whole source into a buffer, then hvm_copy_to_guest_phys of it: a source that
    // fails part-way writes nothing ([X44] emulate.c:880-884).
    yield $('copy');
    const buf: bigint[] = [];
    let rc: HvmCopy = 'HVMCOPY_okay';
    for (let k = 0n; k < bytes && rc === 'HVMCOPY_okay'; k++) {
      const r = this.hvmCopyGuestPhys(d, sgpa + k, 1, false, 0n);
      rc = r.rc;
      buf.push(r.data);
    }
    for (let k = 0n; k < bytes && rc === 'HVMCOPY_okay'; k++) rc = this.hvmCopyGuestPhys(d, dgpa + k, 1, true, buf[Number(k)]).rc;
    if (rc === 'HVMCOPY_gfn_paged_out' || rc === 'HVMCOPY_gfn_shared') return X86EMUL_RETRY;
    if (rc !== 'HVMCOPY_okay') {
      // gdprintk with PRIpaddr ("016lx", asm-x86/types.h:35 @RELEASE-4.4.0) for both addresses.
      this.x.printk('XENLOG_WARNING', 'hvmemul_rep_movs', d,
        `Failed memory-to-memory REP MOVS: sgpa=${sgpa.toString(16).padStart(16, '0')} dgpa=${dgpa.toString(16).padStart(16, '0')} reps=${reps} bytes_per_rep=${size}`);
      return X86EMUL_UNHANDLEABLE;
    }
    v.io_done++;
    return X86EMUL_OKAY;
  }

  /**
   * A string instruction through handle_mmio ([X44] io.c:174-217): x86_emulate calls the rep callback; rc other
   * than X86EMUL_RETRY leaves io_state HVMIO_none. X86EMUL_UNHANDLEABLE from a callback makes x86_emulate fall back
   * to one element at a time through its read/write_io hooks, which the model does not follow (an event says so).
   */
  *handleStringIo(v: Vcpu, kind: 'outs' | 'ins' | 'movs', a: bigint, b: bigint, size: number, reps: number, df: number): Co<number> {
    yield $('init_vio');
    const vio = v.arch.hvm_vcpu.hvm_io;
    yield $('emulate', { v, kind, a: A.hex(a), b: A.hex(b), size, reps, df });
    let rc: number;
    if (kind === 'outs') {
      yield $('outs');
      rc = yield* this.hvmemulRepOuts(v, Number(a), b, size, reps, df);
    } else if (kind === 'ins') {
      yield $('ins');
      rc = yield* this.hvmemulRepIns(v, Number(a), b, size, reps, df);
    } else {
      yield $('movs');
      rc = yield* this.hvmemulRepMovs(v, a, b, size, reps, df);
    }
    yield $('rc', { v, rc, io_state: X.HVMIO_NAMES[vio.io_state] });
    if (rc !== X86EMUL_RETRY) vio.io_state = X.HVMIO_none;
    else {
      yield $('check_awaiting', { io_state: X.HVMIO_NAMES[vio.io_state] });
      if (vio.io_state === X.HVMIO_awaiting_completion) vio.io_state = X.HVMIO_handle_mmio_awaiting_completion;
    }
    if (rc === X86EMUL_UNHANDLEABLE && this.x.on) this.x.emit({ kind: 'io_dropped', fn: `hvmemul_rep_${kind}`, domid: v.domain.domain_id, vcpu: v.vcpu_id,
      text: `d${v.domain.domain_id}v${v.vcpu_id} REP ${kind.toUpperCase()}: the callback gives X86EMUL_UNHANDLEABLE; x86_emulate would go one element at a time (not modelled)` });
    yield $('ret');
    return rc;
  }
}
