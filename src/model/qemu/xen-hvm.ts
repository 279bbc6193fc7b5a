// @stepped
// The device model's side, as qemu-xen's xen-hvm.c of 2014 drives the ring ([QEMU] xen_hvm_init, cpu_get_ioreq,
// cpu_handle_ioreq, handle_buffered_iopage): read the params, map the pages, bind the ports, serve a request
// READY -> INPROCESS -> IORESP_READY and notify, drain the buffered ring. Plus deliberate misbehaviour for tests.
import * as A from '../abi';
import { devKey, type DeviceModel } from '../dm';
import * as E from '../evtchn';
import { strerror } from '../errno';
import * as P from '../params';
import { $, type Co } from '../step';
import type { Domain, Xen } from '../xen';
import type { Hvm } from '../tools/libxc';
import { HVMOP_get_param, HVMOP_set_param } from '../xen/seed/hvm';

/** How a handled request is answered; the defaults are what QEMU does. */
export interface Respond {
  /** Value for a read (default: what the device holds, or all-ones as for an unassigned port). */
  data?: bigint;
  /** Notify the vcpu's port after IORESP_READY (default true). */
  notify?: boolean;
  /** A shutdown or reset QEMU was asked for while handling (qemu_shutdown_requested_get / qemu_reset_requested_get). */
  shutdownRequested?: 'shutdown' | 'reset';
}

/** A write's data cut to its size in bytes, as handle_ioreq does before any device sees it ([QEMU] xen-hvm.c:778-781). */
const cutToSize = (data: bigint, bytes: number): bigint => (bytes < 8 ? data & ((1n << BigInt(8 * bytes)) - 1n) : data);

export class Qemu {
  constructor(public x: Xen, public hvm: Hvm) {}

  dmDomain(dm: DeviceModel): Domain {
    const d = this.x.domains.get(dm.domid);
    if (!d) throw new Error(`device model domain d${dm.domid} does not exist`);
    return d;
  }

  /** xc_get_hvm_param by the device model's domain (HVMOP_get_param; under the seed it may create the server). */
  *xcGetHvmParam(dm: DeviceModel, index: number, out: { value: number }, domid: number = dm.target): Co<number> {
    yield $('init_arg');
    const a = { domid, index, value: 0 };
    yield $('hypercall', { index, name: P.PARAM_NAMES[index] });
    const rc = yield* this.hvm.doHvmOp(this.dmDomain(dm), HVMOP_get_param, a);
    yield $('result', { rc, value: a.value });
    // libxc copies arg->value out whatever the hypercall returned (tools/libxc/xc_domain.c:1266-1285 @RELEASE-4.4.0):
    // after a failure, what the buffer held (0 here); QEMU keeps it without looking at rc ([QEMU] xen-hvm.c:1014-1030).
    yield $('value', { value: a.value });
    out.value = a.value;
    yield $('ioreq_pfn', { index, value: a.value });
    if (index === P.HVM_PARAM_IOREQ_PFN) dm.ioreq_pfn = a.value;
    yield $('bufioreq_pfn', { index, value: a.value });
    if (index === P.HVM_PARAM_BUFIOREQ_PFN) dm.bufioreq_pfn = a.value;
    yield $('bufioreq_evtchn', { index, value: a.value });
    if (index === P.HVM_PARAM_BUFIOREQ_EVTCHN) dm.bufioreq_remote_port = a.value;
    yield $('ret');
    return rc;
  }

  /** xc_set_hvm_param by the device model's domain. */
  *xcSetHvmParam(dm: DeviceModel, index: number, value: number): Co<number> {
    yield $('init_arg', { domid: dm.target, index, value });
    yield $('hypercall', { index, name: P.PARAM_NAMES[index], value });
    return yield* this.hvm.doHvmOp(this.dmDomain(dm), HVMOP_set_param, { domid: dm.target, index, value });
  }

  /** xc_map_foreign_range of the ioreq page (buf 0) or the buffered page (buf 1), read-write. */
  *xcMapForeignRange(dm: DeviceModel, buf: number): Co<number> {
    yield $('get_domain', { target: dm.target });
    const d = this.x.domains.get(dm.target);
    yield $('pfn', { buf, ioreq_pfn: A.hex(dm.ioreq_pfn), bufioreq_pfn: A.hex(dm.bufioreq_pfn) });
    const pfn = buf ? dm.bufioreq_pfn : dm.ioreq_pfn;
    yield $('map');
    if (!d || pfn < 0) return -22;
    yield $('get_page');
    const pg = d.page(pfn);
    yield $('check_page', { page: pg ? 'found' : 'NULL' });
    if (!pg) return -22;
    yield $('foreign_maps', { foreign_maps: pg.foreign_maps });
    pg.foreign_maps++;
    yield $('which');
    if (buf) {
      yield $('map_buffered');
      dm.buffered_io_page = pg.data();
    } else {
      yield $('map_shared');
      dm.shared_page = pg.data();
    }
    if (this.x.on) this.x.emit({ kind: 'foreign_map', fn: 'xc_map_foreign_range', domid: dm.target, detail: { pfn, by: dm.domid },
      text: `d${dm.domid} maps d${dm.target} pfn ${A.hex(pfn)} (${buf ? 'buffered_io_page' : 'shared_page'})` });
    yield $('ret');
    return 0;
  }

  /** xc_evtchn_bind_interdomain for vcpu i's ioreq port, read from vcpu i's slot (vp_eport), as xen_hvm_init does. */
  *bindVcpuPort(dm: DeviceModel, i: number): Co<number> {
    yield $('read_eport');
    if (!dm.shared_page) return -22;
    yield $('port');
    const port = dm.shared_page.getUint32(A.ioreqOffset(i) + A.OFF_VP_EPORT, true);
    yield $('bind', { i, vp_eport: port });
    const rc = E.evtchnBindInterdomain(this.x, this.dmDomain(dm), dm.target, port);
    // Xen marks the new port pending (notifications may have been lost while it was unbound); QEMU's loop will
    // look at the slot when it next runs.
    yield $('local_port');
    if (rc >= 0) dm.ioreq_local_port[i] = rc;
    yield $('ret');
    return rc < 0 ? rc : 0;
  }

  /** Bind the buffered port learned from HVMOP_get_param(BUFIOREQ_EVTCHN). */
  *bindBufPort(dm: DeviceModel): Co<number> {
    yield $('bind', { port: dm.bufioreq_remote_port });
    const rc = E.evtchnBindInterdomain(this.x, this.dmDomain(dm), dm.target, dm.bufioreq_remote_port);
    yield $('local_port');
    if (rc >= 0) dm.bufioreq_local_port = rc;
    yield $('ret');
    return rc < 0 ? rc : 0;
  }

  /** xen_hvm_init's order: get IOREQ_PFN, map; get BUFIOREQ_PFN, map; bind each vcpu's port; get + bind BUFIOREQ_EVTCHN. */
  *xenHvmInit(dm: DeviceModel): Co<number> {
    const out = { value: 0 };
    yield $('init_rc');
    let rc = 0;
    yield $('get_ioreq_pfn');
    if ((rc = yield* this.xcGetHvmParam(dm, P.HVM_PARAM_IOREQ_PFN, out)) < 0) return rc;
    yield $('map_shared');
    if ((rc = yield* this.xcMapForeignRange(dm, 0)) < 0) return rc;
    yield $('get_bufioreq_pfn');
    if ((rc = yield* this.xcGetHvmParam(dm, P.HVM_PARAM_BUFIOREQ_PFN, out)) < 0) return rc;
    yield $('map_buffered');
    if ((rc = yield* this.xcMapForeignRange(dm, 1)) < 0) return rc;
    for (let i = 0; i < dm.max_cpus; i++) {
      yield $('for_each_vcpu', { max_cpus: dm.max_cpus });
      yield $('bind_vcpu');
      if ((rc = yield* this.bindVcpuPort(dm, i)) < 0) return rc;
    }
    yield $('get_bufioreq_evtchn');
    if ((rc = yield* this.xcGetHvmParam(dm, P.HVM_PARAM_BUFIOREQ_EVTCHN, out)) < 0) return rc;
    yield $('bind_buffered', { port: dm.bufioreq_remote_port });
    return yield* this.bindBufPort(dm);
  }

  /** cpu_get_ioreq_from_shared_memory: READY -> INPROCESS for vcpu i; null (a debug line) if not READY. */
  *cpuGetIoreq(dm: DeviceModel, i: number): Co<boolean> {
    yield $('get_req');
    const pg = dm.shared_page!;
    const off = A.ioreqOffset(i);
    const req_state = A.getState(pg, off); // req->state (QEMU's `state` is the XenIOState)
    yield $('check_ready');
    if (req_state !== A.STATE_IOREQ_READY) return false;
    // xen_rmb(): see READY, then read the request (the model has no reordering: the stop changes nothing).
    yield $('rmb');
    yield $('inprocess');
    A.setState(pg, off, A.STATE_IOREQ_INPROCESS);
    yield $('send_vcpu');
    dm.send_vcpu = i;
    if (this.x.on) this.x.emit({ kind: 'slot_state', fn: 'cpu_get_ioreq', domid: dm.target, vcpu: i, before: 'STATE_IOREQ_READY', after: 'STATE_IOREQ_INPROCESS',
      text: `dm d${dm.domid} takes d${dm.target}v${i}: READY -> INPROCESS` });
    yield $('ret');
    return true;
  }

  /**
   * What rw_phys_req_item does ([QEMU] xen-hvm.c:689-714): element i of a request at addr, stepping by size (backwards when
   * df), through QEMU's map of the guest's memory. A frame the guest has no RAM at reads as all-ones and drops writes.
   */
  rwPhysReqItem(dm: DeviceModel, addr: number, size: number, df: number, i: number, write: boolean, val: bigint): bigint {
    const d = this.x.domains.get(dm.target);
    const a = df ? addr - size * i : addr + size * i;
    let out = 0n;
    for (let k = 0; k < size; k++) {
      const b = a + k;
      const pg = d?.page(Math.floor(b / 4096));
      if (!pg || pg.paged_out) { if (!write) out |= 0xffn << BigInt(8 * k); continue; }
      const dv = pg.data();
      if (write) dv.setUint8(b & 0xfff, Number((val >> BigInt(8 * k)) & 0xffn));
      else out |= BigInt(dv.getUint8(b & 0xfff)) << BigInt(8 * k);
    }
    return out;
  }

  /** A device register read (do_inp / an MMIO read): what r says, what the device holds, or all-ones for a port. */
  deviceRead(dm: DeviceModel, isPio: boolean, addr: number, size: number, r: Respond): bigint {
    const mask = size >= 8 ? 0xffffffffffffffffn : (1n << BigInt(size * 8)) - 1n;
    return (r.data ?? dm.devices.get(devKey(isPio, addr)) ?? (isPio ? mask : 0n)) & mask;
  }

  /**
   * handle_ioreq ([QEMU] xen-hvm.c:776-798) with cpu_ioreq_pio (716-743) and cpu_ioreq_move (745-774): the request
   * is done in place. A single access reads or writes one device register; a data_is_ptr request moves count
   * elements between the device and guest memory at data (each step of size bytes, backwards when df), the port
   * staying put for PIO and the MMIO address stepping with the buffer for COPY. TIMEOFFSET is ignored; INVALIDATE
   * flushes the map cache. Neither touches the slot.
   */
  *handleIoreq(dm: DeviceModel, i: number, r: Respond): Co<void> {
    yield $('get_req');
    const pg = dm.shared_page!;
    const off = A.ioreqOffset(i);
    const req = A.readIoreq(pg, off);
    const addr = Number(req.addr);
    yield $('dispatch', { type: req.type, dir: req.dir, size: req.size, count: req.count, data_is_ptr: req.data_is_ptr, df: req.df, addr });
    if (!req.data_is_ptr && req.dir === A.IOREQ_WRITE) req.data = cutToSize(req.data, req.size);
    const isPio = req.type === A.IOREQ_TYPE_PIO;
    if (isPio || req.type === A.IOREQ_TYPE_COPY) {
      const ptr = Number(req.data);
      yield $('is_ptr', { data_is_ptr: req.data_is_ptr });
      if (!req.data_is_ptr) {
        yield $('single_dir', { dir: req.dir, data: A.hex(req.data) });
        if (req.dir === A.IOREQ_READ) pg.setBigUint64(off + A.OFF_DATA, this.deviceRead(dm, isPio, addr, req.size, r), true);
        else dm.devices.set(devKey(isPio, addr), req.data);
      } else {
        for (let k = 0; k < req.count; k++) {
          yield $('for_each_item', { count: req.count });
          // The device side: a port stays the same; an MMIO address steps like the buffer.
          yield $('dev_addr');
          const devAddr = isPio ? addr : (req.df ? addr - req.size * k : addr + req.size * k);
          yield $('item_dir', { dir: req.dir, dev: A.hex(devAddr) });
          if (req.dir === A.IOREQ_READ) {
            const v = this.deviceRead(dm, isPio, devAddr, req.size, r);
            this.rwPhysReqItem(dm, ptr, req.size, req.df, k, true, v);
          } else {
            dm.devices.set(devKey(isPio, devAddr), this.rwPhysReqItem(dm, ptr, req.size, req.df, k, false, 0n));
          }
        }
      }
    }
    if (req.type === A.IOREQ_TYPE_PCI_CONFIG) {
      // cpu_ioreq_config: only a Xen 4.5 server sends these (addr = SBDF << 32 | register); the seed's never does.
      const sbdf = Number(req.addr >> 32n), reg = Number(req.addr & 0xfffn);
      const key = -1 - (sbdf * 4096 + reg);
      const mask = req.size >= 8 ? 0xffffffffffffffffn : (1n << BigInt(req.size * 8)) - 1n;
      yield $('config', { sbdf, reg, dir: req.dir });
      yield $('config_dir', { dir: req.dir });
      if (req.dir === A.IOREQ_READ) pg.setBigUint64(off + A.OFF_DATA, (r.data ?? dm.devices.get(key) ?? mask) & mask, true);
      else dm.devices.set(key, req.data & mask);
    }
    dm.handled++;
    if (this.x.on) {
      const q = A.readIoreq(pg, off);
      this.x.emit({ kind: 'dm_handle', fn: 'handle_ioreq', domid: dm.target, vcpu: i,
        detail: { type: A.TYPE_NAMES[q.type] ?? q.type, addr: A.hex(q.addr), size: q.size, dir: q.dir, data: A.hex(q.data), count: q.count, data_is_ptr: q.data_is_ptr, df: q.df },
        text: `dm d${dm.domid} emulates d${dm.target}v${i} ${A.TYPE_NAMES[q.type] ?? q.type} ${q.dir ? 'read' : 'write'} ${A.hex(q.addr)} size ${q.size}${q.data_is_ptr ? ` x${q.count} via guest buffer ${A.hex(q.data)}${q.df ? ' (df: backwards)' : ''}` : ` data ${A.hex(q.data)}`}` });
    }
  }

  /**
   * The first part of cpu_handle_ioreq ([QEMU] xen-hvm.c:853-858): the port that fired names the vcpu (its pending bit
   * cleared), cpu_get_ioreq takes the request (READY -> INPROCESS), then the buffered ring is drained, before the
   * request is handled.
   */
  *cpuHandleIoreqTake(dm: DeviceModel, i: number): Co<boolean> {
    yield $('port');
    const dmd = this.dmDomain(dm);
    const lport = dm.ioreq_local_port[i];
    yield $('pending');
    if (lport !== undefined && lport >= 0) E.evtchnClearPending(dmd, lport);
    yield $('take');
    const took = yield* this.cpuGetIoreq(dm, i);
    if (took) {
      dm.service = 'taken';
      if (this.x.on) this.x.emit({ kind: 'dm_take', fn: 'cpu_get_ioreq', domid: dm.target, vcpu: i, text: `dm d${dm.domid} has taken d${dm.target}v${i}'s request` });
    }
    // QEMU drains the buffered ring whether or not a request was taken, and before it handles one, so buffered
    // writes reach the devices first ([QEMU] xen-hvm.c:856-860).
    yield $('drain', { buffered_io_page: dm.buffered_io_page ? 'mapped' : 'NULL' });
    if (dm.buffered_io_page) yield* this.handleBufferedIopage(dm);
    yield $('ret');
    return took;
  }

  /**
   * The tail of cpu_handle_ioreq ([QEMU] xen-hvm.c:862-889): a slot no longer INPROCESS after handling is
   * "Badness in I/O request", and QEMU calls destroy_hvm_domain(false) and gives no answer; a shutdown or reset QEMU
   * was asked for meanwhile is passed on first (destroy_hvm_domain, poweroff or reboot); then IORESP_READY and the
   * notification. Returns 1 when answered.
   */
  *cpuHandleIoreqAnswer(dm: DeviceModel, i: number, r: Respond): Co<number> {
    yield $('get_req');
    const pg = dm.shared_page!;
    const off = A.ioreqOffset(i);
    yield $('port');
    const lport = dm.ioreq_local_port[i];
    const req_state = A.getState(pg, off); // req->state (QEMU's `state` is the XenIOState)
    yield $('check_inprocess');
    dm.service = 'none';
    if (req_state !== A.STATE_IOREQ_INPROCESS) {
      yield $('badness');
      const q = A.readIoreq(pg, off);
      dm.stderr.push(`Badness in I/O request ... not in service?!: ${req_state.toString(16)}, ptr: ${q.data_is_ptr.toString(16)}, port: ${q.addr.toString(16)}, data: ${q.data.toString(16)}, count: ${q.count}, size: ${q.size}`);
      yield $('bad_destroy');
      yield* this.destroyHvmDomain(dm, false);
      yield $('bad_ret');
      return -22;
    }
    // xen_wmb(): contents before state (the model has no reordering: the stop changes nothing).
    yield $('wmb');
    yield $('requested', { i, shutdown: r.shutdownRequested ?? null });
    if (r.shutdownRequested === 'shutdown') yield* this.destroyHvmDomain(dm, false);
    yield $('reset', { reset: r.shutdownRequested === 'reset' });
    if (r.shutdownRequested === 'reset') yield* this.destroyHvmDomain(dm, true); // qemu_system_reset, then reboot
    yield $('resp_ready');
    A.setState(pg, off, A.STATE_IORESP_READY);
    if (this.x.on) this.x.emit({ kind: 'slot_state', fn: 'cpu_handle_ioreq', domid: dm.target, vcpu: i, before: 'STATE_IOREQ_INPROCESS', after: 'STATE_IORESP_READY',
      text: `dm d${dm.domid} answers d${dm.target}v${i}: INPROCESS -> IORESP_READY` });
    yield $('send_vcpu');
    dm.send_vcpu = -1;
    yield $('notify', { i, port: lport });
    if (r.notify !== false && lport !== undefined && lport >= 0) E.evtchnSend(this.x, this.dmDomain(dm), lport);
    yield $('ret');
    return 1;
  }

  /** cpu_handle_ioreq's middle, handle_ioreq(req) ([QEMU] xen-hvm.c:858-859), as a step of its own. */
  *cpuHandleIoreqHandle(dm: DeviceModel, i: number, r: Respond): Co<number> {
    yield $('handle');
    yield* this.handleIoreq(dm, i, r);
    dm.service = 'handled';
    yield $('ret');
    return 0;
  }

  /** cpu_handle_ioreq ([QEMU] xen-hvm.c:853-890) in one go: take, handle_ioreq, answer. */
  *cpuHandleIoreq(dm: DeviceModel, i: number, r: Respond): Co<number> {
    yield $('entry');
    if (!dm.shared_page) return -22;
    yield $('take');
    const took = yield* this.cpuHandleIoreqTake(dm, i);
    if (!took) return 0;
    yield $('handle');
    yield* this.handleIoreq(dm, i, r);
    dm.service = 'handled';
    yield $('answer');
    return yield* this.cpuHandleIoreqAnswer(dm, i, r);
  }

  /**
   * QEMU's destroy_hvm_domain ([QEMU] xen-hvm.c:1087-1109): xc_domain_shutdown(target, reboot ? SHUTDOWN_reboot :
   * SHUTDOWN_poweroff), i.e. SCHEDOP_remote_shutdown; QEMU prints what happened on stderr.
   */
  *destroyHvmDomain(dm: DeviceModel, reboot: boolean): Co<number> {
    yield $('shutdown', { target: dm.target, reboot });
    const sts = this.hvm.schedopRemoteShutdown(this.dmDomain(dm), dm.target, reboot ? 1 : 0);
    dm.destroyed_guest = true;
    yield $('report');
    const what = reboot ? 'reboot' : 'poweroff';
    // xc_domain_shutdown returns the privcmd ioctl's -1 with errno set to the hypercall's error; QEMU prints both.
    dm.stderr.push(sts !== 0 ? `xc_domain_shutdown failed to issue ${what}, sts -1, ${strerror(-sts)}` : `Issued domain ${dm.target} ${what}`);
    if (this.x.on) this.x.emit({ kind: 'dm_destroy_domain', fn: 'destroy_hvm_domain', domid: dm.target, detail: { reboot, sts },
      text: `dm d${dm.domid}: destroy_hvm_domain(${reboot}) -> xc_domain_shutdown(d${dm.target}, ${reboot ? 'SHUTDOWN_reboot' : 'SHUTDOWN_poweroff'}) = ${sts}` });
    return sts;
  }

  /** handle_buffered_iopage: consume every slot from read_pointer to write_pointer; 8-byte writes take two. */
  *handleBufferedIopage(dm: DeviceModel): Co<number> {
    yield $('init_pg');
    const pg = dm.buffered_io_page;
    yield $('init_n');
    let n = 0;
    yield $('check', { mapped: !!pg });
    if (!pg) return -22;
    yield $('pending', { port: dm.bufioreq_local_port });
    if (dm.bufioreq_local_port >= 0) E.evtchnClearPending(this.dmDomain(dm), dm.bufioreq_local_port);
    for (;;) {
      yield $('pointers');
      const rp = pg.getUint32(A.BUF_OFF_READ_POINTER, true);
      const wp = pg.getUint32(A.BUF_OFF_WRITE_POINTER, true);
      yield $('init_qw');
      let qw = 0;
      yield $('loop', { read_pointer: rp, write_pointer: wp });
      if (rp === wp) break;
      yield $('corrupt', { distance: (wp - rp) >>> 0 });
      if (((wp - rp) >>> 0) > A.IOREQ_BUFFER_SLOT_NUM) {
        // The pointers are more than a ring apart (garbage, or an 8-byte entry that stepped past write_pointer):
        // QEMU's `while (read != write)` would spin for up to 2^32 slots. The model stops and says so.
        if (this.x.on) this.x.emit({ kind: 'dm_handle', fn: 'handle_buffered_iopage', domid: dm.target, detail: { read_pointer: rp, write_pointer: wp, corrupt: true },
          text: `dm d${dm.domid}: buffered ring pointers corrupt (read ${rp}, write ${wp}); QEMU would spin here` });
        return -22;
      }
      yield $('slot', { slot: rp % A.IOREQ_BUFFER_SLOT_NUM });
      const b = A.readBufIoreq(pg, A.bufSlotOffset(rp));
      yield $('data');
      let data = BigInt(b.data);
      yield $('is_qword', { size: b.size });
      if (b.size === 3) {
        yield $('hi', { slot: ((rp + 1) >>> 0) % A.IOREQ_BUFFER_SLOT_NUM });
        const hi = A.readBufIoreq(pg, A.bufSlotOffset((rp + 1) >>> 0));
        data |= BigInt(hi.data) << 32n;
        yield $('qw');
        qw = 1;
      }
      yield $('write', { type: A.TYPE_NAMES[b.type] ?? b.type, dir: b.dir, data: A.hex(data) });
      const key = devKey(b.type === A.IOREQ_TYPE_PIO, b.addr);
      // A buffered write goes through handle_ioreq too (xen-hvm.c:831): cut to its size (b.size is log2 of it).
      if (b.type !== A.IOREQ_TYPE_TIMEOFFSET && b.dir === A.IOREQ_WRITE) dm.devices.set(key, cutToSize(data, 1 << b.size));
      // xen_mb(): handled before the slot is given back (the model has no reordering: the stop changes nothing).
      yield $('mb');
      yield $('read_pointer', { read_pointer: (rp + 1 + qw) >>> 0 });
      pg.setUint32(A.BUF_OFF_READ_POINTER, (rp + 1 + qw) >>> 0, true);
      yield $('count');
      n++;
      dm.buffered_handled++;
      if (this.x.on) this.x.emit({ kind: 'buffered_consume', fn: 'handle_buffered_iopage', domid: dm.target, before: rp, after: (rp + 1 + qw) >>> 0,
        detail: { type: A.TYPE_NAMES[b.type] ?? b.type, addr: A.hex(b.addr), size: 1 << b.size, data: A.hex(data) },
        text: `dm d${dm.domid} consumes buffered ${A.TYPE_NAMES[b.type] ?? b.type} ${A.hex(b.addr)} size ${1 << b.size} data ${A.hex(data)}: read_pointer ${rp} -> ${(rp + 1 + qw) >>> 0}` });
    }
    yield $('ret');
    return n;
  }

  /** Misbehaviour: write any value into vcpu i's 4-bit state field. */
  writeState(dm: DeviceModel, i: number, state: number): void {
    const pg = dm.shared_page!;
    const before = A.getState(pg, A.ioreqOffset(i));
    A.setState(pg, A.ioreqOffset(i), state);
    if (this.x.on) this.x.emit({ kind: 'slot_state', fn: 'dm_write_state', domid: dm.target, vcpu: i, before: A.STATE_NAMES[before] ?? before, after: A.STATE_NAMES[state] ?? state,
      text: `dm d${dm.domid} writes state ${state} into d${dm.target}v${i}'s slot` });
  }

  /** Misbehaviour: write raw bytes into a mapped page at an offset. */
  writeBytes(dm: DeviceModel, buf: number, offset: number, bytes: Uint8Array): void {
    const pg = buf ? dm.buffered_io_page : dm.shared_page;
    if (!pg) throw new Error('page not mapped');
    for (let k = 0; k < bytes.length; k++) pg.setUint8(offset + k, bytes[k]);
    if (this.x.on) this.x.emit({ kind: 'memory_write', fn: 'dm_write_bytes', domid: dm.target, detail: { buf, offset, length: bytes.length },
      text: `dm d${dm.domid} writes ${bytes.length} byte(s) at offset ${offset} of the ${buf ? 'buffered' : 'ioreq'} page` });
  }
}
