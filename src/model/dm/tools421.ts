// @stepped
// What today's device models call to drive an ioreq server: libxendevicemodel (each call one __HYPERVISOR_dm_op),
// libxenforeignmemory (xenforeignmemory_map_resource -> XENMEM_acquire_resource, xenforeignmemory_map of guest
// frames) and libxenevtchn (bind_interdomain, notify), as in xen.git tools/libs/{devicemodel,foreignmemory,evtchn}
// at RELEASE-4.21.0. The calls run as the device model's domain (current->domain in Xen).
import * as A from '../abi';
import type { DeviceModel } from '../dm';
import { EOPNOTSUPP } from '../errno';
import * as E from '../evtchn';
import { $, type Co } from '../step';
import type { Domain, GuestPage, Xen } from '../xen';
import * as I from '../xen/4.21/common/ioreq';
import type { ArmHvm421 } from '../xen/4.21/arch/arm/hvm';
import type { Hvm421 } from '../xen/4.21/arch/x86/hvm/hvm';
import { XENMEM_resource_ioreq_server } from '../xen/4.21/common/memory';

export type Hvm421Any = Hvm421 | ArmHvm421;

export class Tools421 {
  constructor(public x: Xen, public hvm: Hvm421Any) {}

  dmDomain(dm: DeviceModel): Domain {
    const d = this.x.domains.get(dm.domid);
    if (!d) throw new Error(`device model domain d${dm.domid} does not exist`);
    return d;
  }

  /** Runs as the device model's domain: Xen's current->domain during its hypercalls. */
  *asDm<T>(dm: DeviceModel, g: () => Co<T>): Co<T> {
    const saved = this.x.current;
    const d = this.dmDomain(dm);
    if (!d.vcpu[0]) throw new Error(`device model domain d${dm.domid} has no vcpu`);
    this.x.current = d.vcpu[0];
    try {
      return yield* g();
    } finally {
      this.x.current = saved;
    }
  }

  /** xendevicemodel_create_ioreq_server ([X421] tools/libs/devicemodel/core.c:168-190): DMOP 1. */
  *xendevicemodelCreateIoreqServer(dm: DeviceModel, handleBufioreq: number): Co<number> {
    const op: I.XenDmOp = { op: I.XEN_DMOP_create_ioreq_server, u: { handle_bufioreq: handleBufioreq } };
    yield $('dm_op', { handle_bufioreq: handleBufioreq });
    const rc = yield* this.asDm(dm, () => this.hvm.dmOp(dm.target, op));
    if (rc === 0) { dm.ioservid = op.u.id!; dm.bufioreq_handling = handleBufioreq; }
    return rc;
  }

  /** xendevicemodel_get_ioreq_server_info (core.c:192-230): DMOP 2; without pfn pointers the call sets XEN_DMOP_no_gfns. */
  *xendevicemodelGetIoreqServerInfo(dm: DeviceModel, wantGfns: boolean): Co<number> {
    const op: I.XenDmOp = { op: I.XEN_DMOP_get_ioreq_server_info, u: { id: dm.ioservid, flags: wantGfns ? 0 : I.XEN_DMOP_no_gfns } };
    yield $('dm_op', { id: dm.ioservid, wantGfns });
    const rc = yield* this.asDm(dm, () => this.hvm.dmOp(dm.target, op));
    if (rc === 0) {
      if (wantGfns) { dm.ioreq_pfn = op.u.ioreq_gfn ?? -1; if (op.u.bufioreq_gfn !== undefined) dm.bufioreq_pfn = op.u.bufioreq_gfn; }
      if (op.u.bufioreq_port !== undefined) dm.bufioreq_remote_port = op.u.bufioreq_port;
    }
    return rc;
  }

  /** xendevicemodel_map_io_range_to_ioreq_server / unmap_io_range_from_ioreq_server (core.c:232-250, 252-270): DMOP 3 / 4. */
  *xendevicemodelMapIoRange(dm: DeviceModel, map: boolean, type: number, start: bigint, end: bigint): Co<number> {
    const op: I.XenDmOp = { op: map ? I.XEN_DMOP_map_io_range_to_ioreq_server : I.XEN_DMOP_unmap_io_range_from_ioreq_server, u: { id: dm.ioservid, type, start, end } };
    yield $('dm_op', { map, type, start: A.hex(start), end: A.hex(end) });
    return yield* this.asDm(dm, () => this.hvm.dmOp(dm.target, op));
  }

  /** xendevicemodel_set_ioreq_server_state (core.c:377-392): DMOP 5. */
  *xendevicemodelSetIoreqServerState(dm: DeviceModel, enabled: boolean): Co<number> {
    const op: I.XenDmOp = { op: I.XEN_DMOP_set_ioreq_server_state, u: { id: dm.ioservid, enabled: enabled ? 1 : 0 } };
    yield $('dm_op', { enabled });
    return yield* this.asDm(dm, () => this.hvm.dmOp(dm.target, op));
  }

  /** xendevicemodel_destroy_ioreq_server (core.c:361-375): DMOP 6. */
  *xendevicemodelDestroyIoreqServer(dm: DeviceModel): Co<number> {
    const op: I.XenDmOp = { op: I.XEN_DMOP_destroy_ioreq_server, u: { id: dm.ioservid } };
    yield $('dm_op', { id: dm.ioservid });
    const rc = yield* this.asDm(dm, () => this.hvm.dmOp(dm.target, op));
    if (rc === 0) dm.ioservid = -1;
    return rc;
  }

  /** xenforeignmemory_map_resource ([X421] tools/libs/foreignmemory/core.c:140) of the server's frames [frame, frame + nr): the pages as the DM maps them. */
  *xenforeignmemoryMapResource(dm: DeviceModel, frame: number, nr: number, out: GuestPage[]): Co<number> {
    yield $('privcmd', { frame, nr, supported: !dm.resource_unsupported });
    if (dm.resource_unsupported) return -EOPNOTSUPP;
    const rc = yield* this.asDm(dm, () => this.hvm.acquireResource({ domid: dm.target, type: XENMEM_resource_ioreq_server, id: dm.ioservid, frame, nr_frames: nr }, out));
    yield $('mapped', { rc, pages: out.length });
    if (rc === 0) for (const p of out) p.foreign_maps++;
    return rc;
  }

  /** xenforeignmemory_map (foreignmemory/core.c:120) of one guest frame (the legacy gfn path). */
  *xenforeignmemoryMap(dm: DeviceModel, gfn: number): Co<GuestPage | null> {
    const d = this.x.domains.get(dm.target);
    yield $('map', { gfn: A.hex(gfn) });
    const pg = d && gfn >= 0 ? d.page(gfn) : null;
    if (!pg) return null;
    pg.foreign_maps++;
    pg.data();
    if (this.x.on) this.x.emit({ kind: 'foreign_map', fn: 'xenforeignmemory_map', domid: dm.target, detail: { pfn: gfn, by: dm.domid },
      text: `d${dm.domid} maps d${dm.target} gfn ${A.hex(gfn)}` });
    return pg;
  }

  /** xenevtchn_bind_interdomain ([X421] tools/libs/evtchn/linux.c:90) for vcpu i's port, read from vcpu i's slot (vp_eport). */
  *bindVcpuPort(dm: DeviceModel, i: number): Co<number> {
    yield $('read_eport', { i });
    if (!dm.shared_page) return -22;
    const port = dm.shared_page.getUint32(A.ioreqOffset(i) + A.OFF_VP_EPORT, true);
    yield $('bind', { i, vp_eport: port });
    const rc = E.evtchnBindInterdomain(this.x, this.dmDomain(dm), dm.target, port);
    if (rc >= 0) dm.ioreq_local_port[i] = rc;
    else dm.last_error = `failed to bind ioreq port ${port} of vcpu ${i}: ${rc}`;
    return rc < 0 ? rc : 0;
  }

  /** xenevtchn_bind_interdomain (evtchn/linux.c:90) for the buffered port get_info returned. */
  *bindBufPort(dm: DeviceModel): Co<number> {
    yield $('bind', { port: dm.bufioreq_remote_port });
    const rc = E.evtchnBindInterdomain(this.x, this.dmDomain(dm), dm.target, dm.bufioreq_remote_port);
    if (rc >= 0) dm.bufioreq_local_port = rc;
    return rc < 0 ? rc : 0;
  }

  /** The register file's answer to a read (what an emulated device holds), masked to the access size. */
  deviceRead(dm: DeviceModel, type: number, addr: number, size: number, data?: bigint): bigint {
    const mask = size >= 8 ? 0xffffffffffffffffn : (1n << BigInt(size * 8)) - 1n;
    const key = type === A.IOREQ_TYPE_PCI_CONFIG ? 0x20000 + (addr & 0xffff) : type === A.IOREQ_TYPE_PIO ? addr : 0x10000 + addr;
    return (data ?? dm.devices.get(key) ?? mask) & mask;
  }
  deviceWrite(dm: DeviceModel, type: number, addr: number, data: bigint): void {
    const key = type === A.IOREQ_TYPE_PCI_CONFIG ? 0x20000 + (addr & 0xffff) : type === A.IOREQ_TYPE_PIO ? addr : 0x10000 + addr;
    dm.devices.set(key, data);
  }

  /**
   * Serving one synchronous request, the loop every device model has (QEMU cpu_handle_ioreq, varstored
   * varstored_poll_iopage): READY -> INPROCESS, emulate, IORESP_READY, notify the vcpu's port.
   */
  *serveIoreq(dm: DeviceModel, i: number, respond: { data?: bigint; notify?: boolean }): Co<number> {
    const pg = dm.shared_page;
    yield $('pending', { i, mapped: !!pg, dead: dm.dead });
    if (!pg || dm.dead) return -22;
    const lport = dm.ioreq_local_port[i];
    if (lport !== undefined && lport >= 0) E.evtchnClearPending(this.dmDomain(dm), lport);
    const off = A.ioreqOffset(i);
    const state = A.getState(pg, off);
    yield $('check_ready', { i, state: A.STATE_NAMES[state] ?? state });
    if (state !== A.STATE_IOREQ_READY) return 0;
    A.setState(pg, off, A.STATE_IOREQ_INPROCESS);
    dm.send_vcpu = i;
    const req = A.readIoreq(pg, off);
    yield $('emulate', { i, type: A.TYPE_NAMES[req.type] ?? req.type, addr: A.hex(req.addr), dir: req.dir });
    const addr = Number(req.addr & 0xffffffffffffn);
    if (req.type === A.IOREQ_TYPE_PIO || req.type === A.IOREQ_TYPE_COPY || req.type === A.IOREQ_TYPE_PCI_CONFIG) {
      if (req.data_is_ptr) { /* rep string ops touch guest memory, not the slot */ }
      else if (req.dir === A.IOREQ_READ) pg.setBigUint64(off + A.OFF_DATA, this.deviceRead(dm, req.type, addr, req.size, respond.data), true);
      else this.deviceWrite(dm, req.type, addr, req.data);
    }
    dm.handled++;
    if (this.x.on) this.x.emit({ kind: 'dm_handle', fn: 'handle_ioreq', domid: dm.target, vcpu: i,
      detail: { type: A.TYPE_NAMES[req.type] ?? req.type, addr: A.hex(req.addr), size: req.size, dir: req.dir, server: dm.ioservid },
      text: `dm d${dm.domid} (server ${dm.ioservid}) emulates d${dm.target}v${i} ${A.TYPE_NAMES[req.type] ?? req.type} ${req.dir ? 'read' : 'write'} ${A.hex(req.addr)} size ${req.size}` });
    A.setState(pg, off, A.STATE_IORESP_READY);
    dm.send_vcpu = -1;
    yield $('notify', { i, port: lport });
    if (respond.notify !== false && lport !== undefined && lport >= 0) E.evtchnSend(this.x, this.dmDomain(dm), lport);
    return 1;
  }

  /** The device model's process dies (its domain may live on): nothing answers any more; Xen keeps the server. */
  die(dm: DeviceModel): void {
    dm.dead = true;
    if (this.x.on) this.x.emit({ kind: 'dm_handle', fn: 'dm_exit', domid: dm.target, detail: { dm: dm.domid, server: dm.ioservid },
      text: `device model d${dm.domid} is gone; server ${dm.ioservid} of d${dm.target} stays (the emulator reference keeps it)` });
  }
}
