// @stepped
// xen/arch/x86/hvm/emulate.c and hvm/io.c of RELEASE-4.21.0 [X421], the parts an access goes through on its way to
// a server: hvmemul_do_io (with the null handler: reads all-ones, writes dropped), hvm_io_intercept's two internal
// handlers that matter here (the CF8 latch and stdvga's buffered VGA writes), handle_pio and handle_mmio. The
// instruction emulator itself is reduced to one load or store of rax (noted in the body).
import * as A from '../../../../../abi';
import { $, type Co } from '../../../../../step';
import * as X from '../../../../../xen';
import type { Vcpu } from '../../../../../xen';
import { X86EMUL_OKAY, X86EMUL_RETRY, X86EMUL_UNHANDLEABLE, X86Ioreq421 } from './ioreq';

/** TRAP_gp_fault: what the MMIO exit path injects when handle_mmio fails. */
export const X86_EXC_GP = 13;
/** VGA_MEM_BASE / VGA_MEM_SIZE (stdvga.c): the window stdvga_mem_accept takes buffered writes for. */
export const VGA_MEM_BASE = 0xa0000n;
export const VGA_MEM_SIZE = 0x20000n;
/** Not an X86EMUL_* value: hvmemul_do_io was held right after ioreq_send (a scenario's holdAfterSend). */
export const HELD_AFTER_SEND = -1;

export abstract class Emulate421 extends X86Ioreq421 {
  /** stdvga_mem_write (stdvga.c:49-67): a single VGA write goes to its server buffered. */
  *stdvgaMemWrite(v: Vcpu, addr: bigint, size: number, data: bigint): Co<number> {
    const p: A.Ioreq = { ...A.emptyIoreq(), type: A.IOREQ_TYPE_COPY, addr, size, count: 1, dir: A.IOREQ_WRITE, data };
    const srv = yield* this.ioreqServerSelect(v.domain, p);
    yield $('select', { srv: srv ? srv.id : null });
    if (!srv) return X86EMUL_UNHANDLEABLE;
    return yield* this.ioreqSend(srv, p, true);
  }

  /**
   * hvm_io_intercept: (x86 hvm/intercept.c), the internal handlers the model has: the CF8 portio handler (latches
   * and falls through) and stdvga's accept (a single direct VGA write, stdvga.c:69-82). The CF8 handler is
   * registered for the 4 ports 0xcf8-0xcfb (x86 ioreq.c:323-326), and hvm_portio_accept (intercept.c:66-75) takes any
   * port access lying wholly inside them: hvm_access_cf8 sees every such access (and latches only a 4-byte write).
   */
  *hvmIoIntercept(v: Vcpu, p: A.Ioreq): Co<number> {
    yield $('handlers', { type: p.type, addr: A.hex(p.addr), size: p.size });
    if (p.type === A.IOREQ_TYPE_PIO && p.addr >= 0xcf8n && p.addr + BigInt(p.size) <= 0xcfcn) {
      return yield* this.hvmAccessCf8(v, p.dir, p.size, Number(p.data & 0xffffffffn));
    }
    if (p.type === A.IOREQ_TYPE_COPY && p.dir === A.IOREQ_WRITE && !p.data_is_ptr && p.count === 1 &&
        this.ioreqMmioFirstByte(p) >= VGA_MEM_BASE && this.ioreqMmioLastByte(p) < VGA_MEM_BASE + VGA_MEM_SIZE) {
      return yield* this.stdvgaMemWrite(v, p.addr, p.size, p.data);
    }
    return X86EMUL_UNHANDLEABLE;
  }

  /**
   * hvmemul_do_io: (emulate.c:212-470): a re-issued access takes its answer from vio->req; a new one goes through
   * the intercepts, then ioreq_server_select, then ioreq_send or the null handler.
   */
  *hvmemulDoIo(v: Vcpu, is_mmio: boolean, addr: bigint, count: number, size: number, dir: number, df: number, data_is_addr: boolean, io: { data: bigint }): Co<number> {
    const d = v.domain;
    const vio = v.io;
    // Not Xen's: whether the scenario holds this access after ioreq_send (one access only).
    const hold = vio.hold_after_send;
    vio.hold_after_send = false;
    let p: A.Ioreq = {
      type: is_mmio ? A.IOREQ_TYPE_COPY : A.IOREQ_TYPE_PIO, addr, size, count, dir, df,
      data: data_is_addr ? io.data : 0n, data_is_ptr: data_is_addr ? 1 : 0, state: A.STATE_IOREQ_READY, vp_eport: 0,
    };
    yield $('size', { size });
    if (size > 8 || (size & (size - 1))) {
      this.x.printk('XENLOG_WARNING', 'hvmemul_do_io', d, `bad mmio size ${size}`);
      return X86EMUL_UNHANDLEABLE;
    }
    yield $('req_state', { state: A.STATE_NAMES[vio.req.state] ?? vio.req.state });
    if (vio.req.state === A.STATE_IORESP_READY) {
      vio.req.state = A.STATE_IOREQ_NONE;
      p = { ...vio.req };
      yield $('reissue', { p });
      if (p.type !== (is_mmio ? A.IOREQ_TYPE_COPY : A.IOREQ_TYPE_PIO) || p.addr !== addr || p.size !== size || p.count > count ||
          p.dir !== dir || p.df !== df || p.data_is_ptr !== (data_is_addr ? 1 : 0)) {
        this.domainCrash(d, 'hvmemul_do_io', 'the emulation request was not re-issued as it was made');
      }
      if (data_is_addr) return X86EMUL_UNHANDLEABLE;
      if (dir === A.IOREQ_READ) io.data = p.data;
      return X86EMUL_OKAY;
    } else if (vio.req.state !== A.STATE_IOREQ_NONE) {
      // A request of this vcpu's still marked in flight: refused (what a completion that never reset it leaves).
      v.io_stale++;
      if (this.x.on) this.x.emit({ kind: 'io_dropped', fn: 'hvmemul_do_io', domid: d.domain_id, vcpu: v.vcpu_id,
        detail: { addr: A.hex(addr), dir, state: A.STATE_NAMES[vio.req.state] ?? vio.req.state },
        text: `d${d.domain_id}v${v.vcpu_id} ${is_mmio ? 'MMIO' : 'port'} ${dir ? 'read' : 'write'} ${A.hex(addr)} refused: v->io.req is still ${A.STATE_NAMES[vio.req.state] ?? vio.req.state} (X86EMUL_UNHANDLEABLE)` });
      return X86EMUL_UNHANDLEABLE;
    }
    if (dir === A.IOREQ_WRITE && !data_is_addr) p.data = io.data & (size >= 8 ? 0xffffffffffffffffn : (1n << BigInt(size * 8)) - 1n);
    vio.req = { ...p };
    vio.suspended = false;
    yield $('intercept', { p });
    let rc = yield* this.hvmIoIntercept(v, p);
    if (rc === X86EMUL_OKAY) {
      vio.req.state = A.STATE_IOREQ_NONE;
    } else if (rc === X86EMUL_UNHANDLEABLE) {
      // p2m_ioreq_server pages: writes go to the server holding the type (reads are emulated locally).
      let s: X.IoreqServer | null = null;
      const gfn = Number(addr >> 12n);
      if (is_mmio && d.x421.p2m_ioreq_gfns.includes(gfn)) {
        yield $('p2m_ioreq_server', { gfn: A.hex(gfn), holder: d.x421.p2m_ioreq_server });
        s = d.x421.p2m_ioreq_server >= 0 ? d.x421.server[d.x421.p2m_ioreq_server] : null;
        if (!s) { vio.req.state = A.STATE_IOREQ_NONE; return X86EMUL_RETRY; }
      }
      if (!s) s = yield* this.ioreqServerSelect(d, p);
      yield $('selected', { s: s ? s.id : null });
      if (!s) {
        // The null handler: a read gives all-ones, a write is dropped.
        if (dir === A.IOREQ_READ) p.data = 0xffffffffffffffffn;
        rc = X86EMUL_OKAY;
        vio.req.state = A.STATE_IOREQ_NONE;
        v.io_dropped++;
        if (this.x.on) this.x.emit({ kind: 'io_dropped', fn: 'hvmemul_do_io', domid: d.domain_id, vcpu: v.vcpu_id,
          detail: { addr: A.hex(addr), dir }, text: `d${d.domain_id}v${v.vcpu_id} ${is_mmio ? 'MMIO' : 'port'} ${dir ? 'read' : 'write'} ${A.hex(addr)}: no server, null handler (${dir ? 'all-ones' : 'dropped'})` });
      } else {
        yield $('send', { s: s.id, p });
        rc = yield* this.ioreqSend(s, p, false);
        // Not Xen's: a scenario may hold the vcpu's CPU here, so that another CPU acts before the check below.
        if (hold) { vio.held_rc = rc; return HELD_AFTER_SEND; }
        rc = yield* this.hvmemulDoIoSent(v, rc);
      }
    }
    yield $('rc', { rc });
    if (rc !== X86EMUL_OKAY) return rc;
    if (dir === A.IOREQ_READ && !data_is_addr) io.data = p.data;
    return X86EMUL_OKAY;
  }

  /**
   * hvmemul_do_io's lines after ioreq_send (emulate.c:441-445): a request not queued, or one the vcpu was suspended
   * for, leaves vio->req idle; one that needs no answer is done. With b7e0d89788 reverted the test is the domain's
   * is_shutting_down, read after the send, as before the fix.
   */
  *hvmemulDoIoSent(v: Vcpu, rc: number): Co<number> {
    const vio = v.io;
    const stop = this.x.reverted('b7e0d89788') ? v.domain.is_shutting_down : vio.suspended;
    yield $('sent', { rc, suspended: vio.suspended, is_shutting_down: v.domain.is_shutting_down });
    if (rc !== X86EMUL_RETRY || stop) vio.req.state = A.STATE_IOREQ_NONE;
    else if (!this.ioreqNeedsCompletion(vio.req)) rc = X86EMUL_OKAY;
    return rc;
  }

  /** A load of `size` bytes into a 64-bit register: 4 bytes zero-extend, 1 and 2 keep the upper bytes. */
  mergeReg(old: bigint, data: bigint, size: number): bigint {
    if (size === 4) return data & 0xffffffffn;
    if (size >= 8) return BigInt.asUintN(64, data);
    const mask = (1n << BigInt(size * 8)) - 1n;
    return (old & ~mask) | (data & mask);
  }

  /** handle_pio (hvm/io.c:94-144): a port access of eax; an unusable status crashes the domain. */
  *handlePio(v: Vcpu, port: number, size: number, dir: number): Co<boolean> {
    const io = { data: dir === A.IOREQ_WRITE ? v.rax & 0xffffffffn : 0xffffffffn };
    yield $('do_pio', { port: A.hex(port), size, dir });
    const rc = yield* this.hvmemulDoIo(v, false, BigInt(port), 1, size, dir, 0, false, io);
    yield $('held', { held: rc === HELD_AFTER_SEND });
    if (rc === HELD_AFTER_SEND) return true;
    yield $('pio_rc', { rc });
    return yield* this.handlePioRc(v, port, size, dir, rc, io);
  }

  /**
   * The rest of a held port access, on the same CPU once the scenario lets it go on: hvmemul_do_io after ioreq_send,
   * then handle_pio after hvmemul_do_pio_buffer, for the request in vio->req.
   */
  *hvmIoContinue(v: Vcpu): Co<boolean> {
    const vio = v.io;
    const r = vio.req;
    let rc = vio.held_rc;
    vio.held_rc = -1;
    yield $('continue', { rc, port: A.hex(r.addr), size: r.size, dir: r.dir });
    yield $('sent_rc', { rc });
    rc = yield* this.hvmemulDoIoSent(v, rc);
    const io = { data: r.dir === A.IOREQ_WRITE ? r.data : 0xffffffffn };
    return yield* this.handlePioRc(v, Number(r.addr), r.size, r.dir, rc, io);
  }

  /**
   * handle_pio from hvmemul_do_pio_buffer's return (hvm/io.c:110-144). With b7e0d89788 reverted a RETRY stops on the
   * domain's is_shutting_down, as before the fix. Not Xen's: the model counts a stop (RIP not advanced, the
   * instruction runs again) while a server has the request: the device will see it twice.
   */
  *handlePioRc(v: Vcpu, port: number, size: number, dir: number, rc: number, io: { data: bigint }): Co<boolean> {
    const vio = v.io;
    if (this.ioreqNeedsCompletion(vio.req)) vio.completion = X.VIO_pio_completion;
    yield $('rc', { rc, completion: X.VIO_NAMES[vio.completion] });
    switch (rc) {
      case X86EMUL_OKAY:
        if (dir === A.IOREQ_READ) v.rax = this.mergeReg(v.rax, io.data, size);
        v.io_done++;
        break;
      case X86EMUL_RETRY: {
        const pending = this.vcpuIoreqPending(v);
        if ((this.x.reverted('b7e0d89788') ? v.domain.is_shutting_down : vio.suspended) || !pending) {
          if (pending) v.io_restarted_sent++;
          return false;
        }
        break;
      }
      default: {
        const mask = (1n << BigInt(size * 8)) - 1n;
        const shown = (io.data & mask).toString(16).padStart(size * 2, '0');
        this.x.printk('XENLOG_ERR', 'handle_pio', v.domain, `Unexpected PIO status ${rc}, port 0x${port.toString(16)} ${dir === A.IOREQ_WRITE ? 'write' : 'read'} 0x${shown}`);
        this.domainCrash(v.domain, 'handle_pio', `Unexpected PIO status ${rc}`);
        return false;
      }
    }
    return true;
  }

  /**
   * handle_mmio: (asm/hvm/emulate.h:90-93 -> hvm/io.c:53-79 -> _hvm_emulate_one emulate.c:2784-2845), reduced to a
   * load into or a store from rax (count > 1: a rep string op whose data is a guest buffer). False: the caller
   * injects #GP.
   */
  *handleMmio(v: Vcpu, gpa: bigint, size: number, dir: number, count: number, df: number): Co<boolean> {
    const vio = v.io;
    const rep = count > 1;
    const io = { data: rep ? 0n : dir === A.IOREQ_WRITE ? v.rax : 0n };
    yield $('emulate', { gpa: A.hex(gpa), size, dir, count, df });
    const rc = yield* this.hvmemulDoIo(v, true, gpa, count, size, dir, df, rep, io);
    vio.completion = this.ioreqNeedsCompletion(vio.req) ? X.VIO_mmio_completion : X.VIO_no_completion;
    yield $('rc', { rc, completion: X.VIO_NAMES[vio.completion] });
    if (rc === X86EMUL_UNHANDLEABLE) {
      // hvm_dump_emulation_state; the exit handler then injects #GP.
      v.arch.hvm_vcpu.inject_trap.vector = X86_EXC_GP;
      return false;
    }
    if (rc === X86EMUL_OKAY) {
      if (dir === A.IOREQ_READ && !rep) v.rax = this.mergeReg(v.rax, io.data, size);
      v.io_done++;
    }
    return true;
  }

  /** arch_ioreq_complete_mmio (x86 hvm/ioreq.c:28-31): handle_mmio again, the access re-issued from vio->req. */
  *archIoreqCompleteMmio(v: Vcpu): Co<boolean> {
    const r = v.io.req;
    yield $('reissue', { addr: A.hex(r.addr), size: r.size, dir: r.dir });
    return yield* this.handleMmio(v, r.addr, r.size, r.dir, r.count, r.df);
  }
}
