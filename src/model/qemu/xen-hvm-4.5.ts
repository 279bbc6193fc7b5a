// @stepped
// QEMU built against Xen 4.5's ioreq-server API (qemu.git xen-hvm.c of 2015, the first QEMU to use it): its
// xen_hvm_init creates a server of its own (xc_hvm_create_ioreq_server with handle_bufioreq 1, include/hw/xen/
// xen_common.h), asks get_ioreq_server_info for the pages and the buffered port, maps both pages, enables the server
// ("failed to enable ioreq server info" if it cannot), binds every vcpu's vp_eport (written into the slots by the
// enable) and the buffered port; its memory and I/O listeners map each region with HVMOP_map_io_range_to_ioreq_server
// as it appears. The 2014 QEMU beside it (xen-hvm.ts) uses the default server through the params.
import * as A from '../abi';
import type { DeviceModel } from '../dm';
import { $, type Co } from '../step';
import {
  HVMOP_create_ioreq_server, HVMOP_get_ioreq_server_info, HVMOP_set_ioreq_server_state, type Hvm45, type XenHvmGetIoreqServerInfo,
} from '../xen/4.5/hvm';
import { Qemu } from './xen-hvm';

export class Qemu45 extends Qemu {
  /** The 4.5 hypervisor this QEMU talks to (the op is offered under the 4.5 profile only). */
  get hvm45(): Hvm45 { return this.hvm as Hvm45; }

  /** xen_create_ioreq_server (xen_common.h, the Xen 4.5 branch): HVMOP 17 with handle_bufioreq 1. */
  *xenCreateIoreqServer(dm: DeviceModel, handle_bufioreq = 1): Co<number> {
    const op = { domid: dm.target, handle_bufioreq, id: -1 };
    yield $('hypercall', { handle_bufioreq });
    const rc = yield* this.hvm45.doHvmOp(this.dmDomain(dm), HVMOP_create_ioreq_server, op);
    yield $('result', { rc, id: op.id });
    if (rc === 0) dm.ioservid = op.id;
    return rc;
  }

  /** xen_get_ioreq_server_info (xen_common.h): HVMOP 18; the pfns and the buffered port land in the device model. */
  *xenGetIoreqServerInfo(dm: DeviceModel, id: number = dm.ioservid): Co<number> {
    const op: XenHvmGetIoreqServerInfo = { domid: dm.target, id, ioreq_pfn: 0, bufioreq_pfn: 0, bufioreq_port: 0 };
    yield $('hypercall', { id });
    const rc = yield* this.hvm45.doHvmOp(this.dmDomain(dm), HVMOP_get_ioreq_server_info, op);
    yield $('result', { rc, ioreq_pfn: A.hex(op.ioreq_pfn), bufioreq_pfn: A.hex(op.bufioreq_pfn), bufioreq_port: op.bufioreq_port });
    if (rc === 0) { dm.ioreq_pfn = op.ioreq_pfn; dm.bufioreq_pfn = op.bufioreq_pfn; dm.bufioreq_remote_port = op.bufioreq_port; }
    return rc;
  }

  /** xen_set_ioreq_server_state (xen_common.h): from xen_hvm_init, and from the run-state handler. */
  *xenSetIoreqServerState(dm: DeviceModel, enabled: boolean, id: number = dm.ioservid): Co<number> {
    yield $('hypercall', { id, enabled });
    return yield* this.hvm45.doHvmOp(this.dmDomain(dm), HVMOP_set_ioreq_server_state, { domid: dm.target, id, enabled: enabled ? 1 : 0 });
  }

  /**
   * xen_hvm_init with the ioreq-server API (xen-hvm.c, 2015): create the server (a failure ends QEMU: "xen: ioreq
   * server create"), get its info, map the ioreq page then the buffered page, enable the server, bind each vcpu's
   * port from its slot, bind the buffered port.
   */
  *xenHvmInitIoreqServer(dm: DeviceModel): Co<number> {
    let rc = 0;
    yield $('create', { dm });
    if ((rc = yield* this.xenCreateIoreqServer(dm)) < 0) { dm.last_error = `xen: ioreq server create: error ${-rc}`; return rc; }
    yield $('get_info', { id: dm.ioservid });
    if ((rc = yield* this.xenGetIoreqServerInfo(dm)) < 0) { dm.last_error = `failed to get ioreq server info: error ${-rc} handle=${dm.ioservid}`; return rc; }
    yield $('map_shared', { pfn: A.hex(dm.ioreq_pfn) });
    if ((rc = yield* this.xcMapForeignRange(dm, 0)) < 0) { dm.last_error = 'map shared IO page returned error'; return rc; }
    yield $('map_buffered', { pfn: A.hex(dm.bufioreq_pfn) });
    if ((rc = yield* this.xcMapForeignRange(dm, 1)) < 0) { dm.last_error = 'map buffered IO page returned error'; return rc; }
    // Enabled before the ports are bound: only an enabled server's slots carry each vcpu's vp_eport.
    yield $('enable', { id: dm.ioservid });
    if ((rc = yield* this.xenSetIoreqServerState(dm, true)) < 0) { dm.last_error = `failed to enable ioreq server info: error ${-rc}`; return rc; }
    for (let i = 0; i < dm.max_cpus; i++) {
      yield $('bind_vcpu', { i });
      if ((rc = yield* this.bindVcpuPort(dm, i)) < 0) { dm.last_error = `shared evtchn ${i} bind error ${-rc}`; return rc; }
    }
    yield $('bind_buffered', { port: dm.bufioreq_remote_port });
    if ((rc = yield* this.bindBufPort(dm)) < 0) { dm.last_error = `buffered evtchn bind error ${-rc}`; return rc; }
    return 0;
  }
}
