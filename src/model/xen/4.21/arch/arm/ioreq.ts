// @stepped
// xen/arch/arm/ioreq.c of RELEASE-4.21.0 [X421]: Arm's side of the common ioreq code. try_fwd_ioserv builds a COPY
// request from a data abort; handle_ioserv finishes a read (masked to the access size, sign-extended). The legacy
// page hooks, the mem-type hook and PCI routing are x86 only: map_pages and map_mem_type give -EOPNOTSUPP.
import * as A from '../../../../abi';
import { EOPNOTSUPP } from '../../../../errno';
import { $, type Co } from '../../../../step';
import * as X from '../../../../xen';
import type { Domain, IoreqServer, Vcpu } from '../../../../xen';
import { Memory421 } from '../../common/memory';
import { XEN_DMOP_IO_RANGE_MEMORY, XEN_DMOP_IO_RANGE_PORT, type IoreqStatus } from '../../common/ioreq';

/** enum io_state (arm asm/mmio.h:53-58). */
export const IO_ABORT = 0;
export const IO_HANDLED = 1;
export const IO_UNHANDLED = 2;
export const IO_RETRY = 3;
/** enum io_state's names by value (mmio.h:52-58 @RELEASE-4.21.0), as the debugger shows an `rc` of that type. */
export const IO_NAMES = ['IO_ABORT', 'IO_HANDLED', 'IO_UNHANDLED', 'IO_RETRY'];

/** An Arm data abort as the model sees it: address, log2 size, write, sign-extend, and the cache-op case. */
export interface Dabt { gpa: bigint; size: number; write: number; sign: number; cache?: boolean }

/** dcache_line_bytes: the size a cache-maintenance request takes (64 on the cores the model stands for). */
export const DCACHE_LINE_BYTES = 64;

export abstract class ArmIoreq421 extends Memory421 {
  readonly st: IoreqStatus = { HANDLED: IO_HANDLED, UNHANDLED: IO_UNHANDLED, RETRY: IO_RETRY };
  readonly isX86 = false;
  readonly waitResumesInPlace = true;

  /** sign_extend (arm asm/traps.h:95-116). */
  signExtend(sign: number, size: number, r: bigint): bigint {
    const bits = (1 << size) * 8;
    if (sign && bits < 64 && (r & (1n << BigInt(bits - 1)))) r |= BigInt.asUintN(64, ~0n << BigInt(bits));
    return BigInt.asUintN(64, r);
  }

  /**
   * handle_ioserv (arm ioreq.c:16-42): the request is done; a read lands in the register, masked and extended. The
   * syndrome is the one in the guest's saved registers (arm ioreq.c:18-19): the abort being handled, so try_handle_mmio
   * passes its own (io.c:205-206); a completion (arch_ioreq_complete_mmio) uses the one saved with the request.
   */
  *handleIoserv(v: Vcpu, dabt: { sign: number; size: number; write: number } = v.io.dabt): Co<number> {
    const bits = (1 << dabt.size) * 8;
    const mask = bits >= 64 ? 0xffffffffffffffffn : (1n << BigInt(bits)) - 1n;
    let r = v.io.req.data;
    v.io.req.state = A.STATE_IOREQ_NONE;
    yield $('write', { write: dabt.write });
    if (dabt.write) { v.io_done++; return IO_HANDLED; }
    r &= mask;
    r = this.signExtend(dabt.sign, dabt.size, r);
    yield $('set_reg');
    v.rax = r;
    v.io_done++;
    return IO_HANDLED;
  }

  /** try_fwd_ioserv (arm ioreq.c:44-113): one access, df 0, count 1; writes carry only the access's bits. */
  *tryFwdIoserv(v: Vcpu, info: Dabt): Co<number> {
    const vio = v.io;
    const bits = (1 << info.size) * 8;
    const mask = bits >= 64 ? 0xffffffffffffffffn : (1n << BigInt(bits)) - 1n;
    const p: A.Ioreq = { ...A.emptyIoreq(), type: A.IOREQ_TYPE_COPY, addr: info.gpa, count: 1, dir: info.write ? A.IOREQ_WRITE : A.IOREQ_READ, df: 0, state: A.STATE_IOREQ_READY };
    yield $('state', { state: vio.req.state });
    if (vio.req.state !== A.STATE_IOREQ_NONE) {
      this.x.printk('XENLOG_ERR', 'try_fwd_ioserv', v.domain, `wrong state ${vio.req.state}`);
      return IO_ABORT;
    }
    p.size = info.cache ? DCACHE_LINE_BYTES : 1 << info.size;
    const s = yield* this.ioreqServerSelect(v.domain, p);
    yield $('select');
    if (!s) return IO_UNHANDLED;
    if (info.cache) return IO_HANDLED;
    p.data = p.dir ? 0n : v.rax & mask;
    vio.req = { ...p };
    vio.suspended = false;
    vio.dabt = { sign: info.sign, size: info.size, write: info.write };
    yield $('send');
    let rc = yield* this.ioreqSend(s, p, false);
    if (rc !== IO_RETRY || vio.suspended) vio.req.state = A.STATE_IOREQ_NONE;
    else if (!this.ioreqNeedsCompletion(vio.req)) rc = IO_HANDLED;
    else vio.completion = X.VIO_mmio_completion;
    yield $('rc');
    return rc;
  }

  /** arch_ioreq_complete_mmio (arm ioreq.c:115-136): handle_ioserv, then advance the pc. */
  *archIoreqCompleteMmio(v: Vcpu): Co<boolean> {
    yield $('state', { state: v.io.req.state });
    if (v.io.req.state !== A.STATE_IORESP_READY) return false;
    return (yield* this.handleIoserv(v)) === IO_HANDLED;
  }

  /** Arm has no port I/O: VIO_pio_completion never happens (the common code's call is unreachable). */
  *handlePio(v: Vcpu, port: number, _size: number, _dir: number): Co<boolean> {
    yield $('unreachable');
    throw new X.XenPanic('handle_pio', `ASSERT_UNREACHABLE: port completion on Arm (d${v.domain.domain_id}v${v.vcpu_id})`);
  }

  /** arch_ioreq_server_map_pages (arm ioreq.c:146-149): the legacy pages are x86 only. */
  *archIoreqServerMapPages(s: IoreqServer): Co<number> {
    yield $('unsupported');
    return -EOPNOTSUPP;
  }
  /** arch_ioreq_server_unmap_pages / enable / disable / destroy (arm ioreq.c:151-165): nothing on Arm. */
  *archIoreqServerUnmapPages(s: IoreqServer): Co<void> { yield $('nothing'); }
  *archIoreqServerEnable(s: IoreqServer): Co<void> { yield $('nothing'); }
  *archIoreqServerDisable(s: IoreqServer): Co<void> { yield $('nothing'); }
  *archIoreqServerDestroy(s: IoreqServer): Co<void> { yield $('nothing'); }
  /** arch_ioreq_server_map_mem_type (arm ioreq.c:167-172). */
  *archIoreqServerMapMemType(_d: Domain, s: IoreqServer, _flags: number): Co<number> {
    yield $('unsupported');
    return -EOPNOTSUPP;
  }
  /** arch_ioreq_server_destroy_all (arm ioreq.c:180-183). */
  *archIoreqServerDestroyAll(d: Domain): Co<boolean> {
    yield $('yes');
    return true;
  }
  /** arch_ioreq_server_get_type_addr (arm ioreq.c:185-198): no CF8, so never PCI. */
  *archIoreqServerGetTypeAddr(_d: Domain, p: A.Ioreq): Co<{ ok: boolean; type: number; addr: bigint }> {
    yield $('type', { type: p.type });
    if (p.type !== A.IOREQ_TYPE_COPY && p.type !== A.IOREQ_TYPE_PIO) return { ok: false, type: 0, addr: 0n };
    return { ok: true, type: p.type === A.IOREQ_TYPE_PIO ? XEN_DMOP_IO_RANGE_PORT : XEN_DMOP_IO_RANGE_MEMORY, addr: p.addr };
  }
}
