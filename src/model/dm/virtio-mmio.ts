// @stepped
// A virtio-mmio backend on Arm as today's ones drive Xen (the xen-vhost-frontend / virtio-disk pattern over
// libxendevicemodel): a server without buffering (Arm refuses it), frame_ioreq(0) through acquire_resource (Arm has
// no legacy pages), the device's MMIO window mapped, the server enabled, each vcpu's port bound.
import type { DeviceModel } from '../dm';
import { $, type Co } from '../step';
import type { GuestPage } from '../xen';
import { HVM_IOREQSRV_BUFIOREQ_OFF, XEN_DMOP_IO_RANGE_MEMORY, XENMEM_resource_ioreq_server_frame_ioreq } from '../xen/4.21/common/ioreq';
import { Tools421 } from './tools421';

/** The first virtio-mmio window of Xen's Arm guest layout (GUEST_VIRTIO_MMIO_BASE, public/arch-arm.h) and its size. */
export const VIRTIO_MMIO_BASE = 0x2000000n;
export const VIRTIO_MMIO_SIZE = 0x200n;

export class VirtioMmioBackend extends Tools421 {
  /** The backend's setup; `bufioreq` lets a test ask for buffering (which Arm's create refuses with -EINVAL). */
  *virtioBackendInit(dm: DeviceModel, bufioreq: number = HVM_IOREQSRV_BUFIOREQ_OFF): Co<number> {
    yield $('create');
    let rc = yield* this.xendevicemodelCreateIoreqServer(dm, bufioreq);
    if (rc < 0) { dm.last_error = `create ioreq server: ${rc}`; return rc; }
    const pages: GuestPage[] = [];
    yield $('map', { id: dm.ioservid });
    rc = yield* this.xenforeignmemoryMapResource(dm, XENMEM_resource_ioreq_server_frame_ioreq(0), 1, pages);
    if (rc < 0) { dm.last_error = `map resource: ${rc}`; return rc; }
    dm.shared_page = pages[0].data();
    dm.pages_how = 'resource';
    yield $('range', { base: VIRTIO_MMIO_BASE });
    rc = yield* this.xendevicemodelMapIoRange(dm, true, XEN_DMOP_IO_RANGE_MEMORY, VIRTIO_MMIO_BASE, VIRTIO_MMIO_BASE + VIRTIO_MMIO_SIZE - 1n);
    if (rc < 0) return rc;
    yield $('enable', { id: dm.ioservid });
    if ((rc = yield* this.xendevicemodelSetIoreqServerState(dm, true)) < 0) return rc;
    for (let i = 0; i < dm.max_cpus; i++) {
      yield $('bind');
      if ((rc = yield* this.bindVcpuPort(dm, i)) < 0) return rc;
    }
    return 0;
  }

  /** The backend's ioreq loop for vcpu i. */
  *virtioHandleIoreq(dm: DeviceModel, i: number, respond: { data?: bigint; notify?: boolean }): Co<number> {
    yield $('poll');
    return yield* this.serveIoreq(dm, i, respond);
  }
}
