// @stepped
// The device model's side, as qemu-xen's xen-hvm.c of 2014 drives the ring ([QEMU] xen_hvm_init, cpu_get_ioreq,
// cpu_handle_ioreq, handle_buffered_iopage): read the params, map the pages, bind the ports, serve a request
// READY -> INPROCESS -> IORESP_READY and notify, drain the buffered ring. Plus deliberate misbehaviour for tests.
import * as A from '../abi';
import { devKey, type DeviceModel } from '../dm';
import * as E from '../evtchn';
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
}

export class Qemu {
  constructor(public x: Xen, public hvm: Hvm) {}

  dmDomain(dm: DeviceModel): Domain {
    const d = this.x.domains.get(dm.domid);
    if (!d) throw new Error(`device model domain d${dm.domid} does not exist`);
    return d;
  }

  /** xc_get_hvm_param by the device model's domain (HVMOP_get_param; under the seed it may create the server). */
  *xcGetHvmParam(dm: DeviceModel, index: number, out: { value: number }, domid: number = dm.target): Co<number> {
    const a = { domid, index, value: 0 };
    yield $('hypercall', { index, name: P.PARAM_NAMES[index] });
    const rc = yield* this.hvm.doHvmOp(this.dmDomain(dm), HVMOP_get_param, a);
    yield $('result', { rc, value: a.value });
    if (rc === 0) {
      out.value = a.value;
      if (index === P.HVM_PARAM_IOREQ_PFN) dm.ioreq_pfn = a.value;
      if (index === P.HVM_PARAM_BUFIOREQ_PFN) dm.bufioreq_pfn = a.value;
      if (index === P.HVM_PARAM_BUFIOREQ_EVTCHN) dm.bufioreq_remote_port = a.value;
    }
    return rc;
  }

  /** xc_set_hvm_param by the device model's domain. */
  *xcSetHvmParam(dm: DeviceModel, index: number, value: number): Co<number> {
    yield $('hypercall', { index, name: P.PARAM_NAMES[index], value });
    return yield* this.hvm.doHvmOp(this.dmDomain(dm), HVMOP_set_param, { domid: dm.target, index, value });
  }

  /** xc_map_foreign_range of the ioreq page (buf 0) or the buffered page (buf 1), read-write. */
  *xcMapForeignRange(dm: DeviceModel, buf: number): Co<number> {
    const d = this.x.domains.get(dm.target);
    const pfn = buf ? dm.bufioreq_pfn : dm.ioreq_pfn;
    yield $('map', { buf, pfn: A.hex(pfn) });
    if (!d || pfn < 0) return -22;
    const pg = d.page(pfn);
    if (!pg) return -22;
    pg.foreign_maps++;
    if (buf) dm.buffered_io_page = pg.data(); else dm.shared_page = pg.data();
    if (this.x.on) this.x.emit({ kind: 'foreign_map', fn: 'xc_map_foreign_range', domid: dm.target, detail: { pfn, by: dm.domid },
      text: `d${dm.domid} maps d${dm.target} pfn ${A.hex(pfn)} (${buf ? 'buffered_io_page' : 'shared_page'})` });
    return 0;
  }

  /** xc_evtchn_bind_interdomain for vcpu i's ioreq port, read from vcpu i's slot (vp_eport), as xen_hvm_init does. */
  *bindVcpuPort(dm: DeviceModel, i: number): Co<number> {
    yield $('read_eport', { i });
    if (!dm.shared_page) return -22;
    const port = dm.shared_page.getUint32(A.ioreqOffset(i) + A.OFF_VP_EPORT, true);
    yield $('bind', { i, vp_eport: port });
    const rc = E.evtchnBindInterdomain(this.x, this.dmDomain(dm), dm.target, port);
    // Xen marks the new port pending (notifications may have been lost while it was unbound); QEMU's loop will
    // look at the slot when it next runs.
    if (rc >= 0) dm.ioreq_local_port[i] = rc;
    return rc < 0 ? rc : 0;
  }

  /** Bind the buffered port learned from HVMOP_get_param(BUFIOREQ_EVTCHN). */
  *bindBufPort(dm: DeviceModel): Co<number> {
    yield $('bind', { port: dm.bufioreq_remote_port });
    const rc = E.evtchnBindInterdomain(this.x, this.dmDomain(dm), dm.target, dm.bufioreq_remote_port);
    if (rc >= 0) dm.bufioreq_local_port = rc;
    return rc < 0 ? rc : 0;
  }

  /** xen_hvm_init's order: get IOREQ_PFN, map; get BUFIOREQ_PFN, map; bind each vcpu's port; get + bind BUFIOREQ_EVTCHN. */
  *xenHvmInit(dm: DeviceModel): Co<number> {
    const out = { value: 0 };
    let rc = 0;
    yield $('get_ioreq_pfn', { dm });
    if ((rc = yield* this.xcGetHvmParam(dm, P.HVM_PARAM_IOREQ_PFN, out)) < 0) return rc;
    if ((rc = yield* this.xcMapForeignRange(dm, 0)) < 0) return rc;
    yield $('get_bufioreq_pfn', { dm });
    if ((rc = yield* this.xcGetHvmParam(dm, P.HVM_PARAM_BUFIOREQ_PFN, out)) < 0) return rc;
    if ((rc = yield* this.xcMapForeignRange(dm, 1)) < 0) return rc;
    for (let i = 0; i < dm.max_cpus; i++) {
      yield $('bind_vcpu', { i });
      if ((rc = yield* this.bindVcpuPort(dm, i)) < 0) return rc;
    }
    yield $('get_bufioreq_evtchn', { dm });
    if ((rc = yield* this.xcGetHvmParam(dm, P.HVM_PARAM_BUFIOREQ_EVTCHN, out)) < 0) return rc;
    return yield* this.bindBufPort(dm);
  }

  /** cpu_get_ioreq_from_shared_memory: READY -> INPROCESS for vcpu i; null (a debug line) if not READY. */
  *cpuGetIoreq(dm: DeviceModel, i: number): Co<boolean> {
    const pg = dm.shared_page!;
    const off = A.ioreqOffset(i);
    const state = A.getState(pg, off);
    yield $('check_ready', { i, state: A.STATE_NAMES[state] ?? state });
    if (state !== A.STATE_IOREQ_READY) return false;
    // xen_rmb(): see READY, then read the request.
    yield $('inprocess', { i });
    A.setState(pg, off, A.STATE_IOREQ_INPROCESS);
    dm.send_vcpu = i;
    if (this.x.on) this.x.emit({ kind: 'slot_state', fn: 'cpu_get_ioreq', domid: dm.target, vcpu: i, before: 'STATE_IOREQ_READY', after: 'STATE_IOREQ_INPROCESS',
      text: `dm d${dm.domid} takes d${dm.target}v${i}: READY -> INPROCESS` });
    return true;
  }

  /** handle_ioreq: emulate the request in place (PIO via the register file, COPY as guest-physical MMIO). */
  *handleIoreq(dm: DeviceModel, i: number, r: Respond): Co<void> {
    const pg = dm.shared_page!;
    const off = A.ioreqOffset(i);
    const type = pg.getUint8(off + A.OFF_TYPE);
    const bits = pg.getUint8(off + A.OFF_BITS);
    const dir = (bits >> 5) & 1;
    const size = pg.getUint32(off + A.OFF_SIZE, true);
    // The address as a number (two 32-bit reads): exact below 2^53, which covers ports and guest-physical space.
    const addr = pg.getUint32(off + A.OFF_ADDR, true) + pg.getUint32(off + A.OFF_ADDR + 4, true) * 4294967296;
    yield $('dispatch', { type, dir, size, addr });
    if (type === A.IOREQ_TYPE_PIO || type === A.IOREQ_TYPE_COPY) {
      const key = devKey(type === A.IOREQ_TYPE_PIO, addr);
      if (dir === A.IOREQ_READ) {
        const mask = A.SIZE_MASK[size] || (size >= 8 ? 0xffffffffffffffffn : (1n << BigInt(size * 8)) - 1n);
        const v = r.data ?? dm.devices.get(key) ?? (type === A.IOREQ_TYPE_PIO ? mask : 0n);
        pg.setBigUint64(off + A.OFF_DATA, BigInt.asUintN(64, v & mask), true);
      } else {
        dm.devices.set(key, pg.getBigUint64(off + A.OFF_DATA, true));
      }
    }
    if (type === A.IOREQ_TYPE_PCI_CONFIG) {
      // cpu_ioreq_config: only a Xen 4.5 server sends these (addr = SBDF << 32 | register); the seed's never does.
      const key = -1 - ((addr - (addr % 4294967296)) / 4294967296 * 4096 + (addr % 4096));
      const mask = size >= 8 ? 0xffffffffffffffffn : (1n << BigInt(size * 8)) - 1n;
      yield $('config', { sbdf: Math.floor(addr / 4294967296), reg: addr % 4096, dir });
      if (dir === A.IOREQ_READ) pg.setBigUint64(off + A.OFF_DATA, (r.data ?? dm.devices.get(key) ?? mask) & mask, true);
      else dm.devices.set(key, pg.getBigUint64(off + A.OFF_DATA, true) & mask);
    }
    // TIMEOFFSET is logged and ignored; INVALIDATE flushes the map cache: neither touches the slot.
    dm.handled++;
    if (this.x.on) {
      const req = A.readIoreq(pg, off);
      this.x.emit({ kind: 'dm_handle', fn: 'handle_ioreq', domid: dm.target, vcpu: i,
        detail: { type: A.TYPE_NAMES[req.type] ?? req.type, addr: A.hex(req.addr), size: req.size, dir: req.dir, data: A.hex(req.data) },
        text: `dm d${dm.domid} emulates d${dm.target}v${i} ${A.TYPE_NAMES[req.type] ?? req.type} ${req.dir ? 'read' : 'write'} ${A.hex(req.addr)} size ${req.size} data ${A.hex(req.data)}` });
    }
  }

  /** cpu_handle_ioreq for vcpu i: take, emulate, check still INPROCESS (else destroy the domain), IORESP_READY, notify. */
  *cpuHandleIoreq(dm: DeviceModel, i: number, r: Respond): Co<number> {
    const pg = dm.shared_page;
    yield $('pending', { i });
    if (!pg) return -22;
    const dmd = this.dmDomain(dm);
    const lport = dm.ioreq_local_port[i];
    if (lport !== undefined && lport >= 0) E.evtchnClearPending(dmd, lport);
    // QEMU drains the buffered ring before it serves a synchronous request, keeping buffered writes first.
    if (dm.buffered_io_page) yield* this.handleBufferedIopage(dm);
    const took = yield* this.cpuGetIoreq(dm, i);
    if (!took) return 0;
    yield* this.handleIoreq(dm, i, r);
    const off = A.ioreqOffset(i);
    yield $('check_inprocess', { i, state: A.STATE_NAMES[A.getState(pg, off)] });
    if (A.getState(pg, off) !== A.STATE_IOREQ_INPROCESS) {
      dm.destroyed_guest = true;
      return -22;
    }
    // xen_wmb(): contents before state.
    yield $('resp_ready', { i });
    A.setState(pg, off, A.STATE_IORESP_READY);
    if (this.x.on) this.x.emit({ kind: 'slot_state', fn: 'cpu_handle_ioreq', domid: dm.target, vcpu: i, before: 'STATE_IOREQ_INPROCESS', after: 'STATE_IORESP_READY',
      text: `dm d${dm.domid} answers d${dm.target}v${i}: INPROCESS -> IORESP_READY` });
    dm.send_vcpu = -1;
    yield $('notify', { i, port: lport });
    if (r.notify !== false && lport !== undefined && lport >= 0) E.evtchnSend(this.x, dmd, lport);
    return 1;
  }

  /** handle_buffered_iopage: consume every slot from read_pointer to write_pointer; 8-byte writes take two. */
  *handleBufferedIopage(dm: DeviceModel): Co<number> {
    const pg = dm.buffered_io_page;
    yield $('check', { mapped: !!pg });
    if (!pg) return -22;
    if (dm.bufioreq_local_port >= 0) E.evtchnClearPending(this.dmDomain(dm), dm.bufioreq_local_port);
    let n = 0;
    for (;;) {
      const rp = pg.getUint32(A.BUF_OFF_READ_POINTER, true);
      const wp = pg.getUint32(A.BUF_OFF_WRITE_POINTER, true);
      yield $('loop', { read_pointer: rp, write_pointer: wp });
      if (rp === wp) break;
      if (((wp - rp) >>> 0) > A.IOREQ_BUFFER_SLOT_NUM) {
        // The pointers are more than a ring apart (garbage, or an 8-byte entry that stepped past write_pointer):
        // QEMU's `while (read != write)` would spin for up to 2^32 slots. The model stops and says so.
        if (this.x.on) this.x.emit({ kind: 'dm_handle', fn: 'handle_buffered_iopage', domid: dm.target, detail: { read_pointer: rp, write_pointer: wp, corrupt: true },
          text: `dm d${dm.domid}: buffered ring pointers corrupt (read ${rp}, write ${wp}); QEMU would spin here` });
        return -22;
      }
      const b = A.readBufIoreq(pg, A.bufSlotOffset(rp));
      let data = BigInt(b.data);
      let qw = 0;
      if (b.size === 3) {
        const hi = A.readBufIoreq(pg, A.bufSlotOffset((rp + 1) >>> 0));
        data |= BigInt(hi.data) << 32n;
        qw = 1;
      }
      const key = devKey(b.type === A.IOREQ_TYPE_PIO, b.addr);
      if (b.type !== A.IOREQ_TYPE_TIMEOFFSET && b.dir === A.IOREQ_WRITE) dm.devices.set(key, data);
      // xen_mb(): handled before the slot is given back.
      pg.setUint32(A.BUF_OFF_READ_POINTER, (rp + 1 + qw) >>> 0, true);
      n++;
      dm.buffered_handled++;
      if (this.x.on) this.x.emit({ kind: 'buffered_consume', fn: 'handle_buffered_iopage', domid: dm.target, before: rp, after: (rp + 1 + qw) >>> 0,
        detail: { type: A.TYPE_NAMES[b.type] ?? b.type, addr: A.hex(b.addr), size: 1 << b.size, data: A.hex(data) },
        text: `dm d${dm.domid} consumes buffered ${A.TYPE_NAMES[b.type] ?? b.type} ${A.hex(b.addr)} size ${1 << b.size} data ${A.hex(data)}: read_pointer ${rp} -> ${(rp + 1 + qw) >>> 0}` });
    }
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
