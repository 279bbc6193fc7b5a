// @stepped
// xen/arch/x86/hvm/io.c of RELEASE-4.5.0 [X45]: handle_pio, handle_mmio and send_invalidate_req as 4.5 has them.
// hvm_buffered_io_send moved to hvm.c in 4.5 (see ./hvm.ts); send_timeoffset_req and hvm_io_assist are 4.4's
// (../4.4/io.ts) because 4.5 changes neither in what the model observes ([X45] io.c:49-66, 172-209).
import * as A from '../../abi';
import { $, type Co } from '../../step';
import * as X from '../../xen';
import type { Vcpu } from '../../xen';
import { X86EMUL_OKAY, X86EMUL_RETRY, X86EMUL_UNHANDLEABLE, type ProtoIoreq } from '../common/outcome';
import { TRAP_gp_fault } from '../4.4/io';
import { Stdvga44 } from '../4.4/stdvga';

export abstract class Io45 extends Stdvga44 {
  /** hvm_broadcast_assist_req: in 4.5's hvm.c (the profile's class). */
  abstract hvmBroadcastAssistReq(v: Vcpu, p: ProtoIoreq): Co<void>;

  /**
   * handle_pio ([X45] io.c:131-170). A read that Xen completed itself (no server took it: hvm_complete_assist_req)
   * comes back as X86EMUL_RETRY with io_state HVMIO_completed; handle_pio then returns 0, the IN is not retired and
   * the guest executes it again, when hvmemul_do_io finds the completed value. The model runs that second pass here.
   */
  override *handlePio(v: Vcpu, port: number, size: number, dir: number, value: bigint): Co<number> {
    yield $('init_vio');
    const vio = v.arch.hvm_vcpu.hvm_io;
    for (let pass = 0; ; pass++) {
      yield $('do_pio', { v, port, size, dir, pass });
      const rc = yield* this.hvmemulDoIo(v, false, BigInt(port), size, dir, value, false);
      yield $('rc', { v, rc, io_state: X.HVMIO_NAMES[vio.io_state] });
      if (rc === X86EMUL_OKAY) {
        yield $('okay_read', { io_data: A.hex(vio.io_data), rax: A.hex(v.rax) });
        if (dir === A.IOREQ_READ) v.rax = this.mergeReg(v.rax, vio.io_data, size);
        yield $('okay_ret');
        return 1;
      }
      if (rc === X86EMUL_RETRY) {
        yield $('check_awaiting', { io_state: X.HVMIO_NAMES[vio.io_state] });
        if (vio.io_state !== X.HVMIO_awaiting_completion) {
          yield $('not_retired', { v, io_state: X.HVMIO_NAMES[vio.io_state] });
          if (vio.io_state === X.HVMIO_completed && pass === 0) continue; // the guest re-executes the IN
          return 0;
        }
        yield $('pio_awaiting');
        vio.io_state = X.HVMIO_handle_pio_awaiting_completion;
        yield $('retry_ret');
        return 1;
      }
      yield $('weird');
      this.x.printk('XENLOG_ERR', 'handle_pio', v.domain, `Weird HVM ioemulation status ${rc}.`);
      yield $('crash', { d: v.domain });
      this.domainCrash(v.domain, 'handle_pio', `Weird HVM ioemulation status ${rc}`);
      yield $('weird_ret');
      return 1;
    }
  }

  /**
   * handle_mmio ([X45] io.c:80-116): io_state back to none unless the emulator must retry; a read Xen completed
   * itself is re-executed (as for handle_pio) and lands in rax; an unhandleable access gets #GP from the caller.
   */
  override *handleMmio(v: Vcpu, gpa: bigint, size: number, dir: number, value: bigint, buffered: boolean): Co<number> {
    yield $('init_vio');
    const vio = v.arch.hvm_vcpu.hvm_io;
    vio.mmio_gpa = gpa;
    for (let pass = 0; ; pass++) {
      yield $('do_mmio', { v, gpa, size, dir, buffered, pass });
      const rc = yield* this.hvmemulDoIo(v, true, gpa, size, dir, value, buffered);
      yield $('rc', { v, rc, io_state: X.HVMIO_NAMES[vio.io_state] });
      if (rc !== X86EMUL_RETRY) vio.io_state = X.HVMIO_none;
      yield $('check_awaiting', { io_state: X.HVMIO_NAMES[vio.io_state] });
      if (vio.io_state === X.HVMIO_awaiting_completion) vio.io_state = X.HVMIO_handle_mmio_awaiting_completion;
      else if (rc === X86EMUL_RETRY && vio.io_state === X.HVMIO_completed && pass === 0) continue;
      yield $('unhandleable');
      if (rc === X86EMUL_UNHANDLEABLE) {
        v.arch.hvm_vcpu.inject_trap.vector = TRAP_gp_fault;
        return 0;
      }
      yield $('writeback', { io_data: A.hex(vio.io_data), rax: A.hex(v.rax) });
      if (rc === X86EMUL_OKAY && dir === A.IOREQ_READ) v.rax = this.mergeReg(v.rax, vio.io_data, size);
      yield $('ret');
      return 1;
    }
  }

  /** send_invalidate_req ([X45] io.c:68-78): an INVALIDATE to every server, through hvm_broadcast_assist_req. */
  override *sendInvalidateReq(v: Vcpu): Co<number> {
    yield $('init_p');
    const p: ProtoIoreq = { ...A.emptyIoreq(), type: A.IOREQ_TYPE_INVALIDATE, size: 4, dir: A.IOREQ_WRITE, data: 0xffffffffffffffffn };
    yield $('broadcast', { p });
    yield* this.hvmBroadcastAssistReq(v, p);
    return 1;
  }
}
