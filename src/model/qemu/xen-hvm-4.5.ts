// @stepped
// QEMU built against Xen 4.5's ioreq-server API, as of qemu.git v2.3.0 (April 2015), the first release with it
// (commit 3996e85c18, "Xen: Use the ioreq-server API when available"). Line numbers below are v2.3.0's xen-hvm.c
// and include/hw/xen/xen_common.h (the CONFIG_XEN_CTRL_INTERFACE_VERSION >= 450 branch). Its xen_hvm_init creates a
// server of its own with handle_bufioreq 1, asks get_ioreq_server_info for the pages and the buffered port, maps both
// pages, enables the server, binds every vcpu's vp_eport (written into the slots by the enable) and the buffered
// port; its memory and I/O listeners map each region with HVMOP_map_io_range_to_ioreq_server as it appears. Built
// against 4.5's headers, xen_get_vmport_regs_pfn is the -ENOSYS stub (xen_common.h:181-186: HVM_PARAM_VMPORT_REGS_PFN
// is 4.6's), so the vmport page between the two maps (xen-hvm.c:1237-1249) is skipped. The 2014 QEMU beside it
// (xen-hvm.ts) uses the default server through the params.
import * as A from '../abi';
import type { DeviceModel } from '../dm';
import { strerror } from '../errno';
import * as E from '../evtchn';
import { $, type Co } from '../step';
import {
  HVMOP_create_ioreq_server, HVMOP_get_ioreq_server_info, HVMOP_set_ioreq_server_state, type Hvm45, type XenHvmGetIoreqServerInfo,
} from '../xen/4.5/hvm';
import { Qemu } from './xen-hvm';

export class Qemu45 extends Qemu {
  /** The 4.5 hypervisor this QEMU talks to (the op is offered under the 4.5 profile only). */
  get hvm45(): Hvm45 { return this.hvm as Hvm45; }

  /** xen_create_ioreq_server (v2.3.0 xen_common.h:370-380): HVMOP 17 with handle_bufioreq 1. */
  *xenCreateIoreqServer(dm: DeviceModel, handle_bufioreq = 1): Co<number> {
    yield $('init_arg', { domid: dm.target, handle_bufioreq });
    const op = { domid: dm.target, handle_bufioreq, id: -1 };
    yield $('hypercall');
    const rc = yield* this.hvm45.doHvmOp(this.dmDomain(dm), HVMOP_create_ioreq_server, op);
    yield $('result', { rc, id: op.id });
    if (rc === 0) dm.ioservid = op.id;
    yield $('ret');
    return rc;
  }

  /** xen_get_ioreq_server_info (v2.3.0 xen_common.h:389-398): HVMOP 18; the pfns and the buffered port land in the device model. */
  *xenGetIoreqServerInfo(dm: DeviceModel, id: number = dm.ioservid): Co<number> {
    yield $('init_arg', { domid: dm.target, id });
    const op: XenHvmGetIoreqServerInfo = { domid: dm.target, id, ioreq_pfn: 0, bufioreq_pfn: 0, bufioreq_port: 0 };
    yield $('hypercall');
    const rc = yield* this.hvm45.doHvmOp(this.dmDomain(dm), HVMOP_get_ioreq_server_info, op);
    yield $('result', { rc, ioreq_pfn: A.hex(op.ioreq_pfn), bufioreq_pfn: A.hex(op.bufioreq_pfn), bufioreq_port: op.bufioreq_port });
    if (rc === 0) {
      yield $('ioreq_pfn', { ioreq_pfn: A.hex(op.ioreq_pfn) });
      dm.ioreq_pfn = op.ioreq_pfn;
      yield $('bufioreq_pfn', { bufioreq_pfn: A.hex(op.bufioreq_pfn) });
      dm.bufioreq_pfn = op.bufioreq_pfn;
      yield $('bufioreq_port', { bufioreq_port: op.bufioreq_port });
      dm.bufioreq_remote_port = op.bufioreq_port;
    }
    yield $('ret');
    return rc;
  }

  /** xen_set_ioreq_server_state (v2.3.0 xen_common.h:400-405): from xen_hvm_init, and from the run-state handler. */
  *xenSetIoreqServerState(dm: DeviceModel, enabled: boolean, id: number = dm.ioservid): Co<number> {
    yield $('init_arg', { domid: dm.target, id, enabled });
    yield $('hypercall');
    return yield* this.hvm45.doHvmOp(this.dmDomain(dm), HVMOP_set_ioreq_server_state, { domid: dm.target, id, enabled: enabled ? 1 : 0 });
  }

  /**
   * xen_hvm_init with the ioreq-server API (v2.3.0 xen-hvm.c:1180-1310, the ioreq part 1203-1287): create the server
   * (1203-1207), get its info (1218-1224), map the ioreq page (1230-1235) then the buffered page (1251-1257), enable
   * the server (1262-1266), bind each vcpu's port from its slot (1271-1279), bind the buffered port (1281-1287). Every
   * failure ends QEMU: see qemuInitFailed.
   */
  *xenHvmInitIoreqServer(dm: DeviceModel): Co<number> {
    let rc = 0;
    yield $('create');
    if ((rc = yield* this.xenCreateIoreqServer(dm)) < 0) return this.qemuInitFailed(dm, rc, `xen: ioreq server create: ${strerror(-rc)}`, 'exit');
    yield $('get_info', { id: dm.ioservid });
    if ((rc = yield* this.xenGetIoreqServerInfo(dm)) < 0) return this.qemuInitFailed(dm, rc, `failed to get ioreq server info: error ${-rc} handle=<xc handle>`, 'abort');
    yield $('map_shared', { pfn: A.hex(dm.ioreq_pfn) });
    if ((rc = yield* this.xcMapForeignRange(dm, 0)) < 0) return this.qemuInitFailed(dm, rc, `map shared IO page returned error ${-rc} handle=<xc handle>`, 'abort');
    yield $('map_buffered', { pfn: A.hex(dm.bufioreq_pfn) });
    if ((rc = yield* this.xcMapForeignRange(dm, 1)) < 0) return this.qemuInitFailed(dm, rc, `map buffered IO page returned error ${-rc}`, 'abort');
    // Enabled before the ports are bound: only an enabled server's slots carry each vcpu's vp_eport.
    yield $('enable', { id: dm.ioservid });
    if ((rc = yield* this.xenSetIoreqServerState(dm, true)) < 0) return this.qemuInitFailed(dm, rc, `failed to enable ioreq server info: error ${-rc} handle=<xc handle>`, 'abort');
    for (let i = 0; i < dm.max_cpus; i++) {
      yield $('for_each_vcpu', { max_cpus: dm.max_cpus });
      yield $('bind_vcpu');
      if ((rc = yield* this.bindVcpuPort(dm, i)) < 0) return this.qemuInitFailed(dm, rc, `shared evtchn ${i} bind error ${-rc}`, 'exit');
    }
    yield $('bind_buffered', { port: dm.bufioreq_remote_port });
    if ((rc = yield* this.bindBufPort(dm)) < 0) return this.qemuInitFailed(dm, rc, `buffered evtchn bind error ${-rc}`, 'exit');
    return 0;
  }

  /**
   * How a failed xen_hvm_init ends QEMU (v2.3.0): hw_error (cpus.c:545) prints "qemu: hardware error" and then
   * calls abort(), so no exit notifier runs; a -1 return makes pc_init1 print "xen hardware virtual machine initialisation
   * failed" and exit(1) (hw/i386/pc_piix.c:140-144), which runs the exit notifiers registered by then — from line
   * 1209-1210 on, xen_exit_notifier (xen-hvm.c:1118-1124) closes the event-channel handle, unbinding every port the
   * handle had bound. Neither path destroys the ioreq server: Xen keeps it until the guest is destroyed.
   */
  qemuInitFailed(dm: DeviceModel, rc: number, message: string, how: 'abort' | 'exit'): number {
    dm.last_error = message;
    dm.dead = true;
    if (how === 'exit') {
      const d = this.dmDomain(dm);
      for (const p of [...dm.ioreq_local_port, dm.bufioreq_local_port]) if (p !== undefined && p > 0) E.evtchnClose(this.x, d, p);
    }
    if (this.x.on) this.x.emit({ kind: 'dm_handle', fn: 'xen_hvm_init', domid: dm.target, detail: { dm: dm.domid, rc, how },
      text: `QEMU d${dm.domid} for d${dm.target}: ${message}; ${how === 'abort' ? 'hw_error aborts QEMU' : 'xen hardware virtual machine initialisation failed, exit(1)'}` });
    return rc;
  }
}
