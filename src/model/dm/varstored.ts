// @stepped
// varstored (xapi-project/varstored@53277ff varstored.c:393-445, io_port.h: IO_PORT_ADDRESS 0x100): the UEFI
// variable store's device model. Its server has no buffered ring; it maps only frame_ioreq(0), enables the
// server, binds each vcpu's port, then maps its one I/O port.
import type { DeviceModel } from '../dm';
import { $, type Co } from '../step';
import type { GuestPage } from '../xen';
import { HVM_IOREQSRV_BUFIOREQ_OFF, XEN_DMOP_IO_RANGE_PORT, XENMEM_resource_ioreq_server_frame_ioreq } from '../xen/4.21/common/ioreq';
import { Tools421 } from './tools421';

export const VARSTORED_IO_PORT = 0x100;

export class Varstored extends Tools421 {
  /** varstored_initialize: create (bufioreq off), map frame 1, enable, bind the vcpus, io_port_initialize. */
  *varstoredInitialize(dm: DeviceModel): Co<number> {
    yield $('create', {});
    let rc = yield* this.xendevicemodelCreateIoreqServer(dm, HVM_IOREQSRV_BUFIOREQ_OFF);
    if (rc < 0) { dm.last_error = `Failed to create ioreq server: ${rc}`; return rc; }
    const pages: GuestPage[] = [];
    yield $('map', { id: dm.ioservid });
    rc = yield* this.xenforeignmemoryMapResource(dm, XENMEM_resource_ioreq_server_frame_ioreq(0), 1, pages);
    if (rc < 0) { dm.last_error = `Failed to map ioreq server resources: ${rc}`; return rc; }
    dm.shared_page = pages[0].data();
    dm.pages_how = 'resource';
    yield $('enable', { id: dm.ioservid });
    if ((rc = yield* this.xendevicemodelSetIoreqServerState(dm, true)) < 0) { dm.last_error = `Failed to set ioreq server state: ${rc}`; return rc; }
    for (let i = 0; i < dm.max_cpus; i++) {
      yield $('bind');
      if ((rc = yield* this.bindVcpuPort(dm, i)) < 0) return rc;
    }
    yield $('io_port', { port: VARSTORED_IO_PORT });
    return yield* this.xendevicemodelMapIoRange(dm, true, XEN_DMOP_IO_RANGE_PORT, BigInt(VARSTORED_IO_PORT), BigInt(VARSTORED_IO_PORT + 3));
  }

  /** varstored_poll_iopage: serve vcpu i. */
  *varstoredPollIopage(dm: DeviceModel, i: number, respond: { data?: bigint; notify?: boolean }): Co<number> {
    yield $('poll');
    return yield* this.serveIoreq(dm, i, respond);
  }
}
