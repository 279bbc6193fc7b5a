// @stepped
// xen/arch/arm/io.c of RELEASE-4.21.0 [X421]: try_handle_mmio. With no emulated MMIO handler of Xen's own at the
// address, the access goes to an ioreq server (try_fwd_ioserv); nothing there falls back to the unmapped handler
// (reads all-ones within the access size, writes ignored).
import * as A from '../../../../abi';
import { $, type Co } from '../../../../step';
import type { Vcpu } from '../../../../xen';
import { ArmIoreq421, IO_HANDLED, IO_UNHANDLED, type Dabt } from './ioreq';

export abstract class ArmIo421 extends ArmIoreq421 {
  /** try_handle_mmio (io.c:186-234), for an address without a handler of Xen's own (find_mmio_handler NULL). */
  *tryHandleMmio(v: Vcpu, info: Dabt): Co<number> {
    yield $('handler', { gpa: A.hex(info.gpa) });
    const rc = yield* this.tryFwdIoserv(v, info);
    yield $('fwd');
    // handle_ioserv(regs, v): regs hold this abort's syndrome (only a cache-maintenance op gets here, arm ioreq.c:82-87).
    if (rc === IO_HANDLED) return yield* this.handleIoserv(v, info);
    if (rc !== IO_UNHANDLED) return rc;
    // unmapped_read / unmapped_write (io.c:24-39), unless the domain traps unmapped accesses (not modelled).
    yield $('unmapped', { write: info.write });
    if (info.cache) return IO_HANDLED;
    if (!info.write) v.rax = this.signExtend(info.sign, info.size, (1n << BigInt((1 << info.size) * 8)) - 1n);
    v.io_dropped++;
    if (this.x.on) this.x.emit({ kind: 'io_dropped', fn: 'try_handle_mmio', domid: v.domain.domain_id, vcpu: v.vcpu_id,
      detail: { addr: A.hex(info.gpa), write: info.write }, text: `d${v.domain.domain_id}v${v.vcpu_id} MMIO ${info.write ? 'write' : 'read'} ${A.hex(info.gpa)}: no server, unmapped handler (${info.write ? 'ignored' : 'all-ones'})` });
    return IO_HANDLED;
  }
}
