// @stepped
// Today's QEMU (qemu.git hw/xen/xen-hvm-common.c at 017b2e73, the code behind xen_register_ioreq): it creates its
// own server with ATOMIC buffering, maps the resource frames (falling back to get_info's gfns only on EOPNOTSUPP),
// enables the server, binds each vcpu's vp_eport and the buffered port, then maps its ranges as its memory
// listeners see regions; it serves requests (cpu_handle_ioreq) and drains the buffered ring (handle_buffered_iopage).
// Line numbers are that commit's hw/xen/xen-hvm-common.c unless another file is named.
import * as A from '../abi';
import type { DeviceModel } from '../dm';
import { EOPNOTSUPP } from '../errno';
import * as E from '../evtchn';
import { $, type Co } from '../step';
import type { GuestPage } from '../xen';
import { Tools421 } from '../dm/tools421';
import { HVM_IOREQSRV_BUFIOREQ_ATOMIC, HVM_IOREQSRV_BUFIOREQ_OFF } from '../xen/4.21/common/ioreq';

export class Qemu421 extends Tools421 {
  /** xen_map_ioreq_server (642-717): frames 0-1 (or frame 1 alone without buffering); EOPNOTSUPP falls back to the gfns. */
  *xenMapIoreqServer(dm: DeviceModel): Co<number> {
    const has_bufioreq = dm.bufioreq_handling !== HVM_IOREQSRV_BUFIOREQ_OFF;
    const frame = has_bufioreq ? 0 : 1;
    const nr = has_bufioreq ? 2 : 1;
    const pages: GuestPage[] = [];
    yield $('map_resource', { frame, nr });
    let rc = yield* this.xenforeignmemoryMapResource(dm, frame, nr, pages);
    if (rc === 0) {
      dm.pages_how = 'resource';
      dm.shared_page = pages[nr - 1].data();
      if (has_bufioreq) dm.buffered_io_page = pages[0].data();
    } else if (rc !== -EOPNOTSUPP) {
      dm.last_error = `failed to map ioreq server resources: error ${-rc}`;
      return rc;
    }
    yield $('get_info', { mapped: rc === 0 });
    rc = yield* this.xendevicemodelGetIoreqServerInfo(dm, !dm.shared_page);
    if (rc < 0) { dm.last_error = `failed to get ioreq server info: error ${-rc} handle=<xc handle>`; return rc; }
    if (!dm.shared_page) {
      yield $('map_gfns', { ioreq_pfn: A.hex(dm.ioreq_pfn), bufioreq_pfn: A.hex(dm.bufioreq_pfn) });
      // A failed map of the ioreq page is reported, and the buffered page is still mapped before giving up.
      const pg = yield* this.xenforeignmemoryMap(dm, dm.ioreq_pfn);
      if (pg) dm.shared_page = pg.data(); else dm.last_error = 'map shared IO page returned error';
      if (has_bufioreq) {
        const bp = yield* this.xenforeignmemoryMap(dm, dm.bufioreq_pfn);
        if (!bp) { dm.last_error = 'map buffered IO page returned error'; return -22; }
        dm.buffered_io_page = bp.data();
      }
      if (!dm.shared_page) return -22;
      dm.pages_how = 'gfn';
    }
    return 0;
  }

  /**
   * From xen_register_ioreq (844-879), xen_do_ioreq_register (767-842): create, map, enable, bind every vcpu's port,
   * bind the buffered one. A create that fails is only a warning (867): QEMU runs on with no ioreq server. Past the create, every failure takes
   * the err: exit of xen_do_ioreq_register (see xenHvmInitFailed).
   */
  *xenDoIoreqRegister(dm: DeviceModel, bufioreq: number = HVM_IOREQSRV_BUFIOREQ_ATOMIC): Co<number> {
    yield $('create', { bufioreq });
    let rc = yield* this.xendevicemodelCreateIoreqServer(dm, bufioreq);
    if (rc < 0) { dm.last_error = 'xen: failed to create ioreq server'; return rc; }
    yield $('map', { id: dm.ioservid });
    if ((rc = yield* this.xenMapIoreqServer(dm)) < 0) return yield* this.xenHvmInitFailed(dm, rc);
    yield $('enable', { id: dm.ioservid });
    if ((rc = yield* this.xendevicemodelSetIoreqServerState(dm, true)) < 0) {
      dm.last_error = `failed to enable ioreq server info: error ${-rc} handle=<xc handle>`;
      return yield* this.xenHvmInitFailed(dm, rc);
    }
    for (let i = 0; i < dm.max_cpus; i++) {
      yield $('bind_vcpu', { i });
      if ((rc = yield* this.bindVcpuPort(dm, i)) < 0) { dm.last_error = `shared evtchn ${i} bind error ${-rc}`; return yield* this.xenHvmInitFailed(dm, rc); }
    }
    yield $('bind_buf', { port: dm.bufioreq_remote_port });
    if (dm.buffered_io_page && (rc = yield* this.bindBufPort(dm)) < 0) { dm.last_error = `buffered evtchn bind error ${-rc}`; return yield* this.xenHvmInitFailed(dm, rc); }
    return rc;
  }

  /**
   * The err: label of xen_do_ioreq_register (839-841): "xen hardware virtual machine initialisation failed", exit(1).
   * The exit notifier was registered first thing in xen_do_ioreq_register (773-774), so exit() runs it: the server is destroyed and the
   * event-channel handle closed. QEMU is gone.
   */
  *xenHvmInitFailed(dm: DeviceModel, rc: number): Co<number> {
    const why = dm.last_error;
    yield $('failed', { rc, why });
    yield* this.xenExitNotifier(dm);
    dm.last_error = `${why ? `${why}; ` : ''}xen hardware virtual machine initialisation failed`;
    return rc;
  }

  /** xen_map_io_section / xen_map_memory_section / xen_map_pcidev (include/hw/xen/xen_native.h:400, 366, 434): map the ranges the device model emulates. */
  *xenMapRanges(dm: DeviceModel): Co<number> {
    for (const [type, start, end] of dm.want_ranges) {
      yield $('range', { type, start: A.hex(start), end: A.hex(end) });
      const rc = yield* this.xendevicemodelMapIoRange(dm, true, type, start, end);
      if (rc < 0) { dm.last_error = `map range ${A.hex(start)}-${A.hex(end)}: ${rc}`; return rc; }
    }
    return 0;
  }

  /** cpu_handle_ioreq (540-588): drain the buffered ring first, then serve vcpu i's request. */
  *cpuHandleIoreq(dm: DeviceModel, i: number, respond: { data?: bigint; notify?: boolean }): Co<number> {
    yield $('buffered', { mapped: !!dm.buffered_io_page });
    if (dm.buffered_io_page && !dm.dead) yield* this.handleBufferedIopage(dm);
    return yield* this.serveIoreq(dm, i, respond);
  }

  /**
   * handle_buffered_iopage (463-525): read rdptr, then wrptr, then rdptr again (a torn pair is read again); each entry is
   * handled and the read pointer moved by atomic add; half a quad word is hw_error("Incomplete quad word ...").
   */
  *handleBufferedIopage(dm: DeviceModel): Co<number> {
    const pg = dm.buffered_io_page;
    yield $('check', { mapped: !!pg });
    if (!pg || dm.dead) return 0;
    if (dm.bufioreq_local_port >= 0) E.evtchnClearPending(this.dmDomain(dm), dm.bufioreq_local_port);
    let n = 0;
    for (;;) {
      let rdptr: number, wrptr: number;
      do {
        rdptr = pg.getUint32(A.BUF_OFF_READ_POINTER, true);
        wrptr = pg.getUint32(A.BUF_OFF_WRITE_POINTER, true);
      } while (rdptr !== pg.getUint32(A.BUF_OFF_READ_POINTER, true));
      yield $('pointers', { rdptr, wrptr });
      if (rdptr === wrptr) break;
      if (((wrptr - rdptr) >>> 0) > A.IOREQ_BUFFER_SLOT_NUM) {
        dm.last_error = `buffered ring pointers apart by more than a ring (read ${rdptr}, write ${wrptr})`;
        return -22;
      }
      const b = A.readBufIoreq(pg, A.bufSlotOffset(rdptr));
      let data = BigInt(b.data);
      const qw = b.size === 3 ? 1 : 0;
      if (qw) {
        if (((wrptr - rdptr) >>> 0) < 2) {
          dm.last_error = 'Incomplete quad word buffered ioreq';
          dm.dead = true; // hw_error aborts QEMU
          return -22;
        }
        data |= BigInt(A.readBufIoreq(pg, A.bufSlotOffset((rdptr + 1) >>> 0)).data) << 32n;
      }
      yield $('handle', { type: A.TYPE_NAMES[b.type] ?? b.type, addr: A.hex(b.addr), data: A.hex(data) });
      if (b.type !== A.IOREQ_TYPE_TIMEOFFSET && b.dir === A.IOREQ_WRITE) this.deviceWrite(dm, b.type, b.addr, data);
      // qatomic_add(&buf_page->read_pointer, qw + 1)
      const nrp = (pg.getUint32(A.BUF_OFF_READ_POINTER, true) + qw + 1) >>> 0;
      pg.setUint32(A.BUF_OFF_READ_POINTER, nrp, true);
      n++;
      dm.buffered_handled++;
      if (this.x.on) this.x.emit({ kind: 'buffered_consume', fn: 'handle_buffered_iopage', domid: dm.target, before: rdptr, after: nrp,
        detail: { type: A.TYPE_NAMES[b.type] ?? b.type, addr: A.hex(b.addr), data: A.hex(data) },
        text: `dm d${dm.domid} consumes buffered ${A.TYPE_NAMES[b.type] ?? b.type} ${A.hex(b.addr)} data ${A.hex(data)}: read_pointer ${rdptr} -> ${nrp}` });
    }
    return n;
  }

  /** xen_exit_notifier (629-640): destroy the server, then close the event-channel handle (every port QEMU had bound). */
  *xenExitNotifier(dm: DeviceModel): Co<number> {
    yield $('destroy', { id: dm.ioservid });
    const rc = yield* this.xendevicemodelDestroyIoreqServer(dm);
    yield $('evtchn_close', { ports: dm.ioreq_local_port.filter((p) => p > 0).length + (dm.bufioreq_local_port > 0 ? 1 : 0) });
    const d = this.dmDomain(dm);
    for (const p of [...dm.ioreq_local_port, dm.bufioreq_local_port]) if (p > 0) E.evtchnClose(this.x, d, p);
    dm.ioreq_local_port = dm.ioreq_local_port.map(() => -1); dm.bufioreq_local_port = -1;
    dm.dead = true;
    return rc;
  }
}
