// src/model/qemu/xen-hvm.ts, the seed-era device model's side of the ring (QEMU of 2014 against Xen 4.4's single
// server): what the first mutation run found unpinned. Line numbers are xen-hvm.c as qemu.git has it at 6c5b0c0ac0
// (2014-09-20, "xen-hvm.c: Always return -1 when failure occurs in xen_hvm_init()"; the same functions at the same
// lines the model cites): cpu_get_ioreq_from_shared_memory 594-611, cpu_get_ioreq 616-649, rw_phys_req_item 689-702,
// cpu_ioreq_pio 716-743, cpu_ioreq_move 745-774, handle_ioreq 776-798, handle_buffered_iopage 800-838,
// cpu_handle_ioreq 853-893, xen_hvm_init 983-1080, destroy_hvm_domain 1082-1103. libxc is tools/libxc @RELEASE-4.4.0.
// Where a test acts at one of QEMU's stops, it is another CPU (the guest, the toolstack) acting while QEMU runs there.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import type { DeviceModel } from '../../src/model/dm';
import * as E from '../../src/model/evtchn';
import { EINVAL } from '../../src/model/errno';
import type { SteppedImpl } from '../../src/model/model';
import * as P from '../../src/model/params';
import type { Co } from '../../src/model/step';
import { HvmGuest, type Stop } from './hvm-guest';

/** The seed's guest d1 (its server made on demand) and QEMU in dom0 for it. */
class Q extends HvmGuest {
  dm: DeviceModel;
  constructor(nvcpus = 1, profile: 'seed' | 'legacy' = 'seed') {
    super(profile, nvcpus);
    this.dm = this.m.addDeviceModel('qemu', 0, 1, nvcpus);
  }
  get q() { return this.m.flat.qemu; }
  stepped<T>(fn: (s: SteppedImpl) => Co<T>, at?: (s: Stop) => void): { value: T; stops: Stop[] } { return this.steppedRun('dm0', null, fn, at); }
  init(): this { assert.equal(this.flat('dm0', null, (f) => f.qemu.xenHvmInit(this.dm)), 0); return this; }
  get page(): DataView { return this.dm.shared_page!; }
  /** Vcpu i's slot holds req, READY (as Xen's hvm_send_assist_req leaves it). */
  put(i: number, req: Partial<A.Ioreq>): void {
    A.writeIoreq(this.page, A.ioreqOffset(i), { ...A.readIoreq(this.page, A.ioreqOffset(i)), count: 1, data_is_ptr: 0, df: 0, state: A.STATE_IOREQ_READY, ...req });
  }
  slot(i = 0): A.Ioreq { return A.readIoreq(this.page, A.ioreqOffset(i)); }
  serve(i = 0, r: { data?: bigint; notify?: boolean; shutdownRequested?: 'shutdown' | 'reset' } = {}): number {
    return this.flat('dm0', null, (f) => f.qemu.cpuHandleIoreq(this.dm, i, r));
  }
  /** A buffered slot at index k and the write pointer past it (what hvm_buffered_io_send does). */
  buffer(k: number, b: Partial<A.BufIoreq>, wp = k + 1): void {
    const bp = this.dm.buffered_io_page!;
    A.writeBufIoreq(bp, A.bufSlotOffset(k), { type: A.IOREQ_TYPE_COPY, pad: 0, dir: A.IOREQ_WRITE, size: 2, addr: 0, data: 0, ...b });
    bp.setUint32(A.BUF_OFF_WRITE_POINTER, wp, true);
  }
  pointers() { return A.readBufPointers(this.dm.buffered_io_page!); }
}

const labels = (stops: Stop[], fn: string) => stops.filter((s) => s.fn === fn).map((s) => s.at);
function localsAt(stops: Stop[], fn: string, at: string, nth = 0): Record<string, string> {
  const s = stops.filter((x) => x.fn === fn && x.at === at)[nth];
  assert.ok(s, `${fn} stops at ${at} (#${nth})`);
  return s.locals;
}
const hex = (n: number | bigint) => `0x${n.toString(16)}`;

/** At the stop `label` of QEMU's `fn`, run `act` once. */
const onStop = (fn: string, label: string, act: () => void) => {
  let done = false;
  return (s: Stop) => { if (!done && s.fn === fn && s.at === label) { done = true; act(); } };
};
const GPA = 0x1000;
/** Guest RAM at gpa, byte by byte (what QEMU's map of the guest shows). */
const ram = (g: Q, gpa: number) => g.d.page(Math.floor(gpa / 4096))!.data();

describe('mutation: QEMU 2014\'s set-up, xen_hvm_init against the seed\'s server (xen-hvm.c:983-1080)', () => {
  it('xen_hvm_init: get IOREQ_PFN and map it, get BUFIOREQ_PFN and map it, bind each vcpu\'s vp_eport, get and bind BUFIOREQ_EVTCHN; the stops show what each call passes and gets (xen-hvm.c:1014-1056)', () => {
    const g = new Q(2);
    const r = g.stepped((s) => s.qemu.xenHvmInit(g.dm));
    assert.equal(r.value, 0);
    const s = g.d.arch.hvm_domain.ioreq_server!;
    assert.deepEqual(labels(r.stops, 'xen_hvm_init'), ['init_rc', 'get_ioreq_pfn', 'map_shared', 'get_bufioreq_pfn', 'map_buffered',
      'for_each_vcpu', 'bind_vcpu', 'for_each_vcpu', 'bind_vcpu', 'get_bufioreq_evtchn', 'bind_buffered']);
    assert.equal(localsAt(r.stops, 'xen_hvm_init', 'init_rc').out, '{value}', 'the out-parameter xc_get_hvm_param fills');
    assert.equal(localsAt(r.stops, 'xen_hvm_init', 'for_each_vcpu').max_cpus, '2');
    assert.equal(localsAt(r.stops, 'xen_hvm_init', 'bind_buffered').port, String(s.buf_ioreq_evtchn));
    // xc_get_hvm_param (xc_misc.c @RELEASE-4.4.0): HVMOP_get_param; the value copied out only on success.
    assert.deepEqual(labels(r.stops, 'xc_get_hvm_param').slice(0, 8), ['init_arg', 'hypercall', 'result', 'value', 'ioreq_pfn', 'bufioreq_pfn', 'bufioreq_evtchn', 'ret']);
    const pfn = hex(s.ioreq.page!), bpfn = hex(s.buf_ioreq.page!);
    for (const at of ['value', 'ioreq_pfn', 'bufioreq_pfn', 'bufioreq_evtchn']) {
      assert.equal(localsAt(r.stops, 'xc_get_hvm_param', at, 0).value, pfn, at);
      assert.equal(localsAt(r.stops, 'xc_get_hvm_param', at, 1).value, bpfn, at);
      assert.equal(localsAt(r.stops, 'xc_get_hvm_param', at, 2).value, hex(s.buf_ioreq_evtchn), at);
    }
    assert.deepEqual([g.dm.ioreq_pfn, g.dm.bufioreq_pfn, g.dm.bufioreq_remote_port], [s.ioreq.page!, s.buf_ioreq.page!, s.buf_ioreq_evtchn]);
    // xc_map_foreign_range of each page: the target, both pfns known so far, the page found, its foreign mappings.
    assert.equal(localsAt(r.stops, 'xc_map_foreign_range', 'get_domain').target, '1');
    assert.deepEqual([localsAt(r.stops, 'xc_map_foreign_range', 'pfn').ioreq_pfn, localsAt(r.stops, 'xc_map_foreign_range', 'pfn').bufioreq_pfn], [pfn, '0x-1']);
    assert.deepEqual([localsAt(r.stops, 'xc_map_foreign_range', 'pfn', 1).ioreq_pfn, localsAt(r.stops, 'xc_map_foreign_range', 'pfn', 1).bufioreq_pfn], [pfn, bpfn]);
    assert.equal(localsAt(r.stops, 'xc_map_foreign_range', 'check_page').page, '"found"');
    assert.equal(localsAt(r.stops, 'xc_map_foreign_range', 'foreign_maps').foreign_maps, '0');
    assert.equal(g.d.page(s.ioreq.page!)!.foreign_maps, 1);
    assert.equal(g.d.page(s.buf_ioreq.page!)!.foreign_maps, 1);
    // Each vcpu's port is read from its slot (xen_vcpu_eport) and bound; then the buffered one.
    const eport0 = g.page.getUint32(A.ioreqOffset(0) + A.OFF_VP_EPORT, true);
    assert.equal(localsAt(r.stops, 'bind_vcpu_port', 'bind').vp_eport, String(eport0));
    assert.deepEqual(labels(r.stops, 'bind_buf_port'), ['bind', 'local_port', 'ret']);
    assert.equal(localsAt(r.stops, 'bind_buf_port', 'bind').port, String(s.buf_ioreq_evtchn));
    assert.equal(g.d0.evtchn.ports[g.dm.bufioreq_local_port].remote_port, s.buf_ioreq_evtchn);
    assert.deepEqual(g.events('foreign_map').map((e) => [e.fn, e.domid, e.detail, e.text]), [
      ['xc_map_foreign_range', 1, { pfn: s.ioreq.page!, by: 0 }, `d0 maps d1 pfn ${pfn} (shared_page)`],
      ['xc_map_foreign_range', 1, { pfn: s.buf_ioreq.page!, by: 0 }, `d0 maps d1 pfn ${bpfn} (buffered_io_page)`]]);
    // With events off (the explorer's runs) nothing is recorded; the pages are still mapped.
    const g2 = new Q(1);
    g2.m.x.on = false;
    g2.init();
    assert.ok(g2.dm.shared_page && g2.dm.buffered_io_page);
    assert.equal(g2.events('foreign_map').length, 0);
  });

  it('xc_get_hvm_param copies arg.value out whatever the hypercall returned: after a failure (no such guest, -ESRCH) the caller and QEMU\'s remembered port get the buffer\'s 0 (xc_get_hvm_param, tools/libxc/xc_domain.c:1266-1285 @RELEASE-4.4.0)', () => {
    const g = new Q();
    const out = { value: 7 };
    // No such guest: -ESRCH from do_hvm_op's rcu_lock_domain_by_any_id; nothing was written into the buffer.
    const r = g.stepped((s) => s.qemu.xcGetHvmParam(g.dm, P.HVM_PARAM_BUFIOREQ_EVTCHN, out, 9));
    assert.equal(r.value, -3);
    assert.deepEqual(labels(r.stops, 'xc_get_hvm_param'), ['init_arg', 'hypercall', 'result', 'value', 'ioreq_pfn', 'bufioreq_pfn', 'bufioreq_evtchn', 'ret']);
    assert.equal(out.value, 0);
    assert.equal(g.dm.bufioreq_remote_port, 0);
    // Asking for IOREQ_PFN fills ioreq_pfn only.
    assert.equal(g.flat('dm0', null, (f) => f.qemu.xcGetHvmParam(g.dm, P.HVM_PARAM_IOREQ_PFN, out)), 0);
    assert.equal(out.value, g.dm.ioreq_pfn);
    assert.deepEqual([g.dm.bufioreq_pfn, g.dm.bufioreq_remote_port], [-1, 0]);
  });

  it('xc_set_hvm_param: HVMOP_set_param on the guest with the value; the stops show the domid, value and the param\'s name', () => {
    const g = new Q();
    const r = g.stepped((s) => s.qemu.xcSetHvmParam(g.dm, P.HVM_PARAM_TIMER_MODE, 1));
    assert.equal(r.value, 0);
    assert.equal(g.d.arch.hvm_domain.params[P.HVM_PARAM_TIMER_MODE], 1);
    assert.deepEqual(labels(r.stops, 'xc_set_hvm_param'), ['init_arg', 'hypercall']);
    assert.deepEqual([localsAt(r.stops, 'xc_set_hvm_param', 'init_arg').domid, localsAt(r.stops, 'xc_set_hvm_param', 'init_arg').value], ['1', '0x1']);
    assert.equal(localsAt(r.stops, 'xc_set_hvm_param', 'hypercall').name, '"TIMER_MODE"');
  });

  it('xc_map_foreign_range fails with -EINVAL for a guest that is gone, a pfn never learned (-1) or a frame with no page; pfn 0 is a page like any other', () => {
    const g = new Q();
    const gone = g.m.addDeviceModel('gone', 0, 7, 1);
    gone.ioreq_pfn = 0x10;
    assert.equal(g.flat('dm0', null, (f) => f.qemu.xcMapForeignRange(gone, 0)), -EINVAL);
    const r = g.stepped((s) => s.qemu.xcMapForeignRange(g.dm, 0));
    assert.equal(r.value, -EINVAL, 'ioreq_pfn -1: not asked yet');
    assert.deepEqual(labels(r.stops, 'xc_map_foreign_range'), ['get_domain', 'pfn', 'map']);
    assert.equal(g.dm.shared_page, null);
    g.dm.ioreq_pfn = 0x20;
    g.d.holes.add(0x20);
    const r2 = g.stepped((s) => s.qemu.xcMapForeignRange(g.dm, 0));
    assert.equal(r2.value, -EINVAL);
    assert.equal(localsAt(r2.stops, 'xc_map_foreign_range', 'check_page').page, '"NULL"');
    assert.equal(g.dm.shared_page, null);
    g.dm.bufioreq_pfn = 0;
    assert.equal(g.flat('dm0', null, (f) => f.qemu.xcMapForeignRange(g.dm, 1)), 0);
    assert.equal(g.d.page(0)!.foreign_maps, 1);
    assert.ok(g.dm.buffered_io_page);
  });

  it('a device model whose own domain does not exist cannot make a call: "device model domain dN does not exist"', () => {
    const g = new Q();
    const ghost = g.m.addDeviceModel('ghost', 5, 1, 1);
    assert.throws(() => g.m.flatRun('dm5', null, (f) => f.qemu.xcGetHvmParam(ghost, P.HVM_PARAM_IOREQ_PFN, { value: 0 })), /device model domain d5 does not exist/);
  });

  it('a vcpu\'s port cannot be read before the ioreq page is mapped: -EINVAL, nothing bound', () => {
    const g = new Q();
    const r = g.stepped((s) => s.qemu.bindVcpuPort(g.dm, 0));
    assert.equal(r.value, -EINVAL);
    assert.deepEqual(labels(r.stops, 'bind_vcpu_port'), ['read_eport']);
    assert.deepEqual(g.dm.ioreq_local_port, []);
    assert.equal(g.flat('dm0', null, (f) => f.qemu.cpuHandleIoreq(g.dm, 0, {})), -EINVAL, 'nor can a request be served');
  });
});

describe('mutation: cpu_handle_ioreq, cpu_get_ioreq and handle_ioreq (xen-hvm.c:594-611, 776-798, 853-893)', () => {
  it('a slot that is not READY is not taken: cpu_get_ioreq gives NULL, nothing is handled or answered, no port notified (xen-hvm.c:598-605)', () => {
    const g = new Q().init();
    const before = g.m.x.events.length;
    const r = g.stepped((s) => s.qemu.cpuHandleIoreq(g.dm, 0, {}));
    assert.equal(r.value, 0);
    assert.deepEqual(labels(r.stops, 'cpu_get_ioreq'), ['get_req', 'check_ready']);
    assert.deepEqual(labels(r.stops, 'handle_ioreq'), []);
    assert.deepEqual(labels(r.stops, 'cpu_handle_ioreq_take'), ['port', 'pending', 'take', 'drain', 'ret'], 'the ring is drained all the same');
    assert.equal(g.slot().state, A.STATE_IOREQ_NONE);
    assert.deepEqual([g.dm.handled, g.dm.service, g.dm.send_vcpu], [0, 'none', -1]);
    assert.deepEqual(g.m.x.events.slice(before).map((e) => e.kind), []);
  });

  it('a PIO read: READY -> INPROCESS, the device\'s value masked to the size into data, IORESP_READY, the vcpu\'s port notified; the events say so', () => {
    const g = new Q().init();
    const lport = g.dm.ioreq_local_port[0];
    g.d0.evtchn.w(lport).pending = true;
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x71n, size: 2, dir: A.IOREQ_READ });
    const from = g.m.x.events.length;
    assert.equal(g.serve(0, { data: 0x12345n }), 1);
    const p = g.slot();
    assert.deepEqual([p.state, p.data], [A.STATE_IORESP_READY, 0x2345n]);
    assert.deepEqual([g.dm.handled, g.dm.service, g.dm.send_vcpu], [1, 'none', -1]);
    assert.equal(g.d0.evtchn.ports[lport].pending, false, 'the port that fired is cleared when QEMU takes the request');
    const ev = g.m.x.events.slice(from).filter((e) => ['slot_state', 'dm_take', 'dm_handle', 'evtchn_notify'].includes(e.kind));
    assert.deepEqual(ev.map((e) => [e.kind, e.fn, e.before ?? null, e.after ?? null, e.text]), [
      ['slot_state', 'cpu_get_ioreq', 'STATE_IOREQ_READY', 'STATE_IOREQ_INPROCESS', 'dm d0 takes d1v0: READY -> INPROCESS'],
      ['dm_take', 'cpu_get_ioreq', null, null, 'dm d0 has taken d1v0\'s request'],
      ['dm_handle', 'handle_ioreq', null, null, 'dm d0 emulates d1v0 IOREQ_TYPE_PIO read 0x71 size 2 data 0x2345'],
      ['slot_state', 'cpu_handle_ioreq', 'STATE_IOREQ_INPROCESS', 'STATE_IORESP_READY', 'dm d0 answers d1v0: INPROCESS -> IORESP_READY'],
      ['evtchn_notify', 'evtchn_send', null, null, `d0 port ${lport} send -> d1 port ${p.vp_eport}`]]);
    assert.deepEqual(ev[2].detail, { type: 'IOREQ_TYPE_PIO', addr: '0x71', size: 2, dir: 1, data: '0x2345', count: 1, data_is_ptr: 0, df: 0 });
    // An unassigned port reads all-ones at its size; unassigned MMIO reads 0.
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x72n, size: 2, dir: A.IOREQ_READ, data: 0n });
    g.serve();
    assert.equal(g.slot().data, 0xffffn);
    g.put(0, { type: A.IOREQ_TYPE_COPY, addr: 0xfed00000n, size: 4, dir: A.IOREQ_READ, data: 5n });
    g.serve();
    assert.equal(g.slot().data, 0n);
    // With events off nothing is recorded; the request is still answered.
    g.m.x.on = false;
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x71n, size: 1, dir: A.IOREQ_READ });
    const n = g.m.x.events.length;
    assert.equal(g.serve(), 1);
    assert.equal(g.m.x.events.length, n);
    assert.equal(g.slot().state, A.STATE_IORESP_READY);
  });

  it('a single write is cut to its size before the device sees it (handle_ioreq, xen-hvm.c:778-781); a read\'s data is left as the slot had it until the device answers', () => {
    const g = new Q().init();
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x80n, size: 1, dir: A.IOREQ_WRITE, data: 0x1ffn });
    g.serve();
    assert.equal(g.dm.devices.get(0x80), 0xffn, 'the port was given the byte');
    g.put(0, { type: A.IOREQ_TYPE_COPY, addr: 0xa0000n, size: 4, dir: A.IOREQ_WRITE, data: 0x1_0000_0002n });
    g.serve();
    g.put(0, { type: A.IOREQ_TYPE_COPY, addr: 0xa0008n, size: 8, dir: A.IOREQ_WRITE, data: 0xffff_ffff_ffff_fffen });
    g.serve();
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x80n, size: 1, dir: A.IOREQ_READ, data: 0x1234n });
    const r = g.stepped((s) => s.qemu.cpuHandleIoreq(g.dm, 0, {}));
    assert.equal(localsAt(r.stops, 'handle_ioreq', 'single_dir').data, '0x1234');
    const at = localsAt(r.stops, 'handle_ioreq', 'dispatch');
    assert.deepEqual([at.type, at.dir, at.size, at.count, at.data_is_ptr, at.df, at.addr], ['0', '1', '1', '1', '0', '0', '0x80']);
    assert.equal(localsAt(r.stops, 'handle_ioreq', 'is_ptr').data_is_ptr, '0');
    assert.equal(localsAt(r.stops, 'cpu_handle_ioreq_answer', 'notify').port, String(g.dm.ioreq_local_port[0]));
    assert.equal(g.slot().data, 0xffn, 'the port holds the byte written');
    g.put(0, { type: A.IOREQ_TYPE_COPY, addr: 0xa0000n, size: 4, dir: A.IOREQ_READ });
    g.serve();
    assert.equal(g.slot().data, 2n);
    g.put(0, { type: A.IOREQ_TYPE_COPY, addr: 0xa0008n, size: 8, dir: A.IOREQ_READ });
    g.serve();
    assert.equal(g.slot().data, 0xffff_ffff_ffff_fffen);
  });

  it('TIMEOFFSET and INVALIDATE touch no device and leave data as it was (handle_ioreq, xen-hvm.c:789-793)', () => {
    const g = new Q().init();
    g.put(0, { type: A.IOREQ_TYPE_TIMEOFFSET, addr: 0x70n, size: 8, dir: A.IOREQ_WRITE, data: 5n });
    assert.equal(g.serve(), 1);
    g.put(0, { type: A.IOREQ_TYPE_INVALIDATE, addr: 0x71n, size: 1, dir: A.IOREQ_READ, data: 9n });
    assert.equal(g.serve(), 1);
    assert.equal(g.dm.devices.size, 0);
    assert.deepEqual([g.slot().state, g.slot().data], [A.STATE_IORESP_READY, 9n]);
    assert.equal(g.dm.handled, 2);
  });

  it('rep OUTS (data_is_ptr): each element read from the guest\'s buffer goes to the one port; the event names the buffer (cpu_ioreq_pio, xen-hvm.c:731-741)', () => {
    const g = new Q().init();
    const b = ram(g, GPA);
    [1, 2, 3].forEach((x, k) => b.setUint8((GPA & 0xfff) + k, x));
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x80n, size: 1, count: 3, dir: A.IOREQ_WRITE, data_is_ptr: 1, data: BigInt(GPA) });
    const from = g.m.x.events.length;
    const r = g.stepped((s) => s.qemu.cpuHandleIoreq(g.dm, 0, {}));
    assert.equal(r.value, 1);
    assert.equal(g.dm.devices.get(0x80), 3n, 'the last element written');
    assert.deepEqual(labels(r.stops, 'handle_ioreq'), ['get_req', 'dispatch', 'is_ptr', ...Array(3).fill(['for_each_item', 'dev_addr', 'item_dir']).flat()]);
    assert.equal(localsAt(r.stops, 'handle_ioreq', 'for_each_item').count, '3');
    assert.equal(localsAt(r.stops, 'handle_ioreq', 'item_dir', 2).dev, '0x80');
    assert.equal(g.events('dm_handle', from)[0].text, `dm d0 emulates d1v0 IOREQ_TYPE_PIO write 0x80 size 1 x3 via guest buffer ${hex(GPA)}`);
  });

  it('rep INS backwards (df): element k lands at data - k*size; the event says backwards (rw_phys_req_item, xen-hvm.c:689-702)', () => {
    const g = new Q().init();
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x71n, size: 2, count: 2, dir: A.IOREQ_READ, data_is_ptr: 1, df: 1, data: BigInt(GPA + 0x10) });
    const from = g.m.x.events.length;
    g.serve(0, { data: 0xbeefn });
    const b = ram(g, GPA);
    assert.deepEqual([b.getUint16(0x10, true), b.getUint16(0x0e, true), b.getUint16(0x12, true)], [0xbeef, 0xbeef, 0]);
    assert.equal(g.events('dm_handle', from)[0].text, `dm d0 emulates d1v0 IOREQ_TYPE_PIO read 0x71 size 2 x2 via guest buffer ${hex(GPA + 0x10)} (df: backwards)`);
  });

  it('a COPY through a guest buffer steps the MMIO address with the buffer, forwards or backwards (cpu_ioreq_move, xen-hvm.c:760-773)', () => {
    const g = new Q().init();
    const b = ram(g, GPA);
    b.setUint32(0, 0x11111111, true); b.setUint32(4, 0x22222222, true);
    g.put(0, { type: A.IOREQ_TYPE_COPY, addr: 0xa0000n, size: 4, count: 2, dir: A.IOREQ_WRITE, data_is_ptr: 1, data: BigInt(GPA) });
    g.serve();
    assert.deepEqual([g.dm.devices.get(0x10000 + 0xa0000), g.dm.devices.get(0x10000 + 0xa0004)], [0x11111111n, 0x22222222n]);
    g.put(0, { type: A.IOREQ_TYPE_COPY, addr: 0xb0008n, size: 4, count: 2, dir: A.IOREQ_WRITE, data_is_ptr: 1, df: 1, data: BigInt(GPA + 4) });
    g.serve();
    assert.deepEqual([g.dm.devices.get(0x10000 + 0xb0008), g.dm.devices.get(0x10000 + 0xb0004), g.dm.devices.has(0x10000 + 0xb000c)], [0x22222222n, 0x11111111n, false]);
    // And back out to the buffer: device reads at addr, addr+4 into buffer elements 0 and 1.
    g.put(0, { type: A.IOREQ_TYPE_COPY, addr: 0xa0000n, size: 4, count: 2, dir: A.IOREQ_READ, data_is_ptr: 1, data: BigInt(GPA + 0x100) });
    g.serve();
    assert.deepEqual([b.getUint32(0x100, true), b.getUint32(0x104, true)], [0x11111111, 0x22222222]);
  });

  it('guest memory that is not there (no page, or paged out) reads as all-ones and drops writes; a guest that is gone reads all-ones', () => {
    const g = new Q().init();
    const hole = 0x7000;
    g.d.holes.add(hole >> 12);
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x71n, size: 2, count: 1, dir: A.IOREQ_WRITE, data_is_ptr: 1, data: BigInt(hole) });
    g.serve();
    assert.equal(g.dm.devices.get(0x71), 0xffffn);
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x71n, size: 2, count: 1, dir: A.IOREQ_READ, data_is_ptr: 1, data: BigInt(hole) });
    assert.equal(g.serve(0, { data: 0x1234n }), 1, 'the write into the hole is dropped');
    const pg = g.d.page(0x9)!;
    pg.data().setUint16(0, 0x4242, true);
    pg.paged_out = true;
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x72n, size: 2, count: 1, dir: A.IOREQ_WRITE, data_is_ptr: 1, data: 0x9000n });
    g.serve();
    assert.equal(g.dm.devices.get(0x72), 0xffffn);
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x72n, size: 2, count: 1, dir: A.IOREQ_READ, data_is_ptr: 1, data: 0x9000n });
    g.serve(0, { data: 0x1234n });
    assert.equal(pg.data().getUint16(0, true), 0x4242, 'a paged-out frame is not written');
    const gone = g.m.addDeviceModel('gone', 0, 7, 1);
    assert.equal(g.q.rwPhysReqItem(gone, GPA, 2, 0, 0, false, 0n), 0xffffn);
    assert.equal(g.q.rwPhysReqItem(g.dm, GPA, 4, 0, 0, false, 0n), BigInt(ram(g, GPA).getUint32(0, true)));
  });

  it('a PCI config access (IOREQ_TYPE_PCI_CONFIG, addr = SBDF << 32 | register): a write reads back at its SBDF and register only; unwritten registers read all-ones at the size', () => {
    const g = new Q().init();
    const cfg = (sbdf: number, reg: number, size: number, dir: number, data = 0n) => {
      g.put(0, { type: A.IOREQ_TYPE_PCI_CONFIG, addr: (BigInt(sbdf) << 32n) | BigInt(reg), size, dir, data });
      return g.serve();
    };
    const r0 = (sbdf: number, reg: number, size: number) => { cfg(sbdf, reg, size, A.IOREQ_READ); return g.slot().data; };
    g.put(0, { type: A.IOREQ_TYPE_PCI_CONFIG, addr: (8n << 32n) | 0x10n, size: 4, dir: A.IOREQ_WRITE, data: 0x1_fee1_deadn });
    const r = g.stepped((s) => s.qemu.cpuHandleIoreq(g.dm, 0, {}));
    assert.deepEqual(labels(r.stops, 'handle_ioreq'), ['get_req', 'dispatch', 'config', 'config_dir']);
    assert.deepEqual([localsAt(r.stops, 'handle_ioreq', 'config').sbdf, localsAt(r.stops, 'handle_ioreq', 'config').reg, localsAt(r.stops, 'handle_ioreq', 'config').dir, localsAt(r.stops, 'handle_ioreq', 'config_dir').dir], ['8', '16', '0', '0']);
    assert.equal(r0(8, 0x10, 4), 0xfee1deadn);
    assert.equal(r0(8, 0x10, 1), 0xadn);
    assert.equal(r0(8, 0x14, 4), 0xffffffffn);
    assert.equal(r0(8, 0x14, 1), 0xffn);
    cfg(0, 0, 4, A.IOREQ_WRITE, 0x5555n);
    cfg(0x1000, 0, 4, A.IOREQ_WRITE, 0x6666n);
    cfg(0, 0x10, 4, A.IOREQ_WRITE, 0x7777n);
    assert.equal(r0(0, 1, 4), 0xffffffffn, 'register 1 of 00:00.0 is not register 0 of bus 0x10');
    assert.equal(r0(0, 0, 4), 0x5555n);
    // Config space is apart from the ports: ports 0x0f and 1 hold nothing.
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x0fn, size: 4, dir: A.IOREQ_READ });
    g.serve();
    assert.equal(g.slot().data, 0xffffffffn);
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x1n, size: 4, dir: A.IOREQ_READ });
    g.serve();
    assert.equal(g.slot().data, 0xffffffffn);
    assert.deepEqual([r0(8, 0x10, 4), r0(0, 0x10, 4)], [0xfee1deadn, 0x7777n]);
  });
});

describe('mutation: cpu_handle_ioreq\'s answer, Badness and destroy_hvm_domain (xen-hvm.c:862-891, 1082-1103)', () => {
  it('a slot no longer INPROCESS after handling is "Badness in I/O request ... not in service?!": QEMU powers the guest off and gives no answer (xen-hvm.c:862-870)', () => {
    const g = new Q().init();
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x71n, size: 2, dir: A.IOREQ_READ });
    // Meanwhile the slot is overwritten with NONE (a second, misbehaving device model of the guest).
    const r = g.stepped((s) => s.qemu.cpuHandleIoreq(g.dm, 0, { data: 0x2345n }), onStop('cpu_handle_ioreq', 'answer', () => A.setState(g.page, 0, A.STATE_IOREQ_NONE)));
    assert.equal(r.value, -EINVAL);
    assert.deepEqual(labels(r.stops, 'cpu_handle_ioreq_answer'), ['get_req', 'port', 'check_inprocess', 'badness', 'bad_destroy', 'bad_ret']);
    assert.deepEqual(g.dm.stderr, ['Badness in I/O request ... not in service?!: 0, ptr: 0, port: 71, data: 2345, count: 1, size: 2', 'Issued domain 1 poweroff']);
    assert.equal(g.slot().state, A.STATE_IOREQ_NONE, 'not answered');
    assert.equal(g.d.shutdown_code, 0, 'SHUTDOWN_poweroff');
    assert.equal(g.dm.destroyed_guest, true);
    assert.deepEqual(labels(r.stops, 'destroy_hvm_domain'), ['shutdown', 'report']);
    assert.deepEqual([localsAt(r.stops, 'destroy_hvm_domain', 'shutdown').target, localsAt(r.stops, 'destroy_hvm_domain', 'shutdown').reboot], ['1', '0']);
    assert.deepEqual(g.events('dm_destroy_domain').map((e) => [e.detail, e.text]), [[{ reboot: false, sts: 0 },
      'dm d0: destroy_hvm_domain(false) -> xc_domain_shutdown(d1, SHUTDOWN_poweroff) = 0']]);
    assert.equal(g.events('evtchn_notify').length, 0);
  });

  it('a shutdown QEMU was asked for while handling is passed on before the answer (poweroff); a reset reboots; the answer still goes out (xen-hvm.c:880-888)', () => {
    const g = new Q().init();
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0xb004n, size: 2, dir: A.IOREQ_WRITE, data: 0x2000n });
    const r = g.stepped((s) => s.qemu.cpuHandleIoreq(g.dm, 0, { shutdownRequested: 'shutdown' }));
    assert.equal(r.value, 1);
    assert.equal(localsAt(r.stops, 'cpu_handle_ioreq_answer', 'requested').shutdown, '"shutdown"');
    assert.equal(localsAt(r.stops, 'cpu_handle_ioreq_answer', 'reset').reset, '0');
    assert.deepEqual(g.dm.stderr, ['Issued domain 1 poweroff']);
    assert.equal(g.d.shutdown_code, 0);
    assert.equal(g.slot().state, A.STATE_IORESP_READY);
    const h = new Q().init();
    h.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0xcf9n, size: 1, dir: A.IOREQ_WRITE, data: 6n });
    const r2 = h.stepped((s) => s.qemu.cpuHandleIoreq(h.dm, 0, { shutdownRequested: 'reset' }));
    assert.equal(localsAt(r2.stops, 'cpu_handle_ioreq_answer', 'reset').reset, '1');
    assert.deepEqual(h.dm.stderr, ['Issued domain 1 reboot']);
    assert.equal(h.d.shutdown_code, 1, 'SHUTDOWN_reboot');
    assert.deepEqual(h.events('dm_destroy_domain').map((e) => e.text), ['dm d0: destroy_hvm_domain(true) -> xc_domain_shutdown(d1, SHUTDOWN_reboot) = 0']);
    assert.equal(h.slot().state, A.STATE_IORESP_READY);
    // No request: no destroy.
    const k = new Q().init();
    k.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x80n, size: 1, dir: A.IOREQ_WRITE });
    k.serve();
    assert.deepEqual([k.dm.stderr, k.d.shutdown_code, k.dm.destroyed_guest], [[], -1, false]);
  });

  it('notify: false answers without the notification (a scenario\'s lost event); otherwise the vcpu\'s local port is notified (xen-hvm.c:890-891)', () => {
    const g = new Q().init();
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x80n, size: 1, dir: A.IOREQ_WRITE });
    assert.equal(g.serve(0, { notify: false }), 1);
    assert.equal(g.slot().state, A.STATE_IORESP_READY);
    assert.equal(g.events('evtchn_notify').length, 0);
  });

  it('destroy_hvm_domain when xc_domain_shutdown fails: "xc_domain_shutdown failed to issue poweroff" with the failure (xen-hvm.c:1093-1096)', () => {
    const g = new Q().init();
    const gone = g.m.addDeviceModel('gone', 0, 7, 1);
    const sts = g.flat('dm0', null, (f) => f.qemu.destroyHvmDomain(gone, false));
    assert.equal(sts, -3);
    assert.deepEqual(gone.stderr, ['xc_domain_shutdown failed to issue poweroff, sts -1, No such process']);
    assert.equal(gone.destroyed_guest, true);
    assert.deepEqual(g.events('dm_destroy_domain').map((e) => [e.detail, e.text]), [[{ reboot: false, sts: -3 }, 'dm d0: destroy_hvm_domain(false) -> xc_domain_shutdown(d7, SHUTDOWN_poweroff) = -3']]);
    g.m.x.on = false;
    g.flat('dm0', null, (f) => f.qemu.destroyHvmDomain(g.dm, true));
    assert.equal(g.events('dm_destroy_domain').length, 1, 'nothing recorded with events off');
    assert.deepEqual([g.d.shutdown_code, g.dm.stderr], [1, ['Issued domain 1 reboot']]);
  });

  it('the split steps (issue 11): take leaves the slot INPROCESS (service taken), handle does the access (handled), answer gives IORESP_READY (none); a whole cpu_handle_ioreq is handled between its handle and answer', () => {
    const g = new Q().init();
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x80n, size: 1, dir: A.IOREQ_WRITE, data: 7n });
    assert.equal(g.flat('dm0', null, (f) => f.qemu.cpuHandleIoreqTake(g.dm, 0)), true);
    assert.deepEqual([g.slot().state, g.dm.service, g.dm.send_vcpu], [A.STATE_IOREQ_INPROCESS, 'taken', 0]);
    const r = g.stepped((s) => s.qemu.cpuHandleIoreqHandle(g.dm, 0, {}));
    assert.equal(r.value, 0);
    assert.deepEqual(labels(r.stops, 'cpu_handle_ioreq_handle'), ['handle', 'ret']);
    assert.deepEqual([g.dm.devices.get(0x80), g.dm.service], [7n, 'handled']);
    assert.equal(g.flat('dm0', null, (f) => f.qemu.cpuHandleIoreqAnswer(g.dm, 0, {})), 1);
    assert.deepEqual([g.slot().state, g.dm.service, g.dm.send_vcpu], [A.STATE_IORESP_READY, 'none', -1]);
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x80n, size: 1, dir: A.IOREQ_WRITE, data: 8n });
    let seen = '';
    g.stepped((s) => s.qemu.cpuHandleIoreq(g.dm, 0, {}), onStop('cpu_handle_ioreq', 'answer', () => { seen = g.dm.service; }));
    assert.equal(seen, 'handled');
  });

  it('QEMU takes the request (cpu_get_ioreq: INPROCESS), then drains the buffered ring before handling it, and only when the buffered page is mapped (xen-hvm.c:856-860)', () => {
    const g = new Q().init();
    g.buffer(0, { type: A.IOREQ_TYPE_PIO, size: 0, addr: 0x3c4, data: 0x12 });
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x3c4n, size: 1, dir: A.IOREQ_READ });
    let during = -1;
    const r = g.stepped((s) => s.qemu.cpuHandleIoreq(g.dm, 0, {}), onStop('handle_buffered_iopage', 'init_pg', () => { during = g.slot().state; }));
    assert.deepEqual(labels(r.stops, 'cpu_handle_ioreq_take'), ['port', 'pending', 'take', 'drain', 'ret']);
    assert.equal(during, A.STATE_IOREQ_INPROCESS, 'the request was taken before the ring is drained');
    assert.equal(localsAt(r.stops, 'cpu_handle_ioreq_take', 'drain').buffered_io_page, '"mapped"');
    assert.equal(g.slot().data, 0x12n, 'the buffered write reached the port before the read');
    g.dm.buffered_io_page = null;
    g.put(0, { type: A.IOREQ_TYPE_PIO, addr: 0x3c4n, size: 1, dir: A.IOREQ_READ });
    const r2 = g.stepped((s) => s.qemu.cpuHandleIoreq(g.dm, 0, {}));
    assert.equal(r2.value, 1);
    assert.equal(localsAt(r2.stops, 'cpu_handle_ioreq_take', 'drain').buffered_io_page, '"NULL"');
    assert.deepEqual(labels(r2.stops, 'handle_buffered_iopage'), []);
  });
});

describe('mutation: handle_buffered_iopage (xen-hvm.c:800-838)', () => {
  it('each slot from read_pointer to write_pointer: a write reaches its port or MMIO address; an 8-byte write takes two slots, the second its high half; read_pointer steps past each; the stops and events say so', () => {
    const g = new Q().init();
    const lport = g.dm.bufioreq_local_port;
    g.d0.evtchn.w(lport).pending = true;
    g.buffer(0, { type: A.IOREQ_TYPE_PIO, size: 0, addr: 0x3c4, data: 0x12 });
    g.buffer(1, { type: A.IOREQ_TYPE_COPY, size: 3, addr: 0xa0000, data: 0x89abcdef });
    g.buffer(2, { type: A.IOREQ_TYPE_COPY, size: 0, addr: 0, data: 0x01234567 }, 3);
    const from = g.m.x.events.length;
    const r = g.stepped((s) => s.qemu.handleBufferedIopage(g.dm));
    assert.equal(r.value, 2);
    assert.deepEqual(g.pointers(), { read_pointer: 3, write_pointer: 3 });
    assert.equal(g.d0.evtchn.ports[lport].pending, false);
    assert.equal(g.dm.buffered_handled, 2);
    assert.equal(g.dm.devices.get(0x3c4), 0x12n, 'a port, not an MMIO address');
    assert.equal(g.dm.devices.has(0x10000 + 0x3c4), false);
    assert.equal(g.dm.devices.get(0x10000 + 0xa0000), 0x01234567_89abcdefn);
    assert.equal(localsAt(r.stops, 'handle_buffered_iopage', 'check').mapped, '1');
    assert.equal(localsAt(r.stops, 'handle_buffered_iopage', 'pending').port, String(lport));
    assert.deepEqual([localsAt(r.stops, 'handle_buffered_iopage', 'loop', 1).read_pointer, localsAt(r.stops, 'handle_buffered_iopage', 'loop', 1).write_pointer], ['1', '3']);
    assert.equal(localsAt(r.stops, 'handle_buffered_iopage', 'corrupt', 1).distance, '2');
    assert.equal(localsAt(r.stops, 'handle_buffered_iopage', 'slot', 1).slot, '1');
    assert.equal(localsAt(r.stops, 'handle_buffered_iopage', 'is_qword', 1).size, '3');
    assert.equal(localsAt(r.stops, 'handle_buffered_iopage', 'hi').slot, '2');
    assert.deepEqual([localsAt(r.stops, 'handle_buffered_iopage', 'write').type, localsAt(r.stops, 'handle_buffered_iopage', 'write').dir], ['"IOREQ_TYPE_PIO"', '0']);
    assert.deepEqual([localsAt(r.stops, 'handle_buffered_iopage', 'read_pointer').read_pointer, localsAt(r.stops, 'handle_buffered_iopage', 'read_pointer', 1).read_pointer], ['1', '3']);
    assert.deepEqual(labels(r.stops, 'handle_buffered_iopage').filter((l) => l === 'hi' || l === 'qw'), ['hi', 'qw']);
    assert.deepEqual(g.events('buffered_consume', from).map((e) => [e.before, e.after, e.detail, e.text]), [
      [0, 1, { type: 'IOREQ_TYPE_PIO', addr: '0x3c4', size: 1, data: '0x12' }, 'dm d0 consumes buffered IOREQ_TYPE_PIO 0x3c4 size 1 data 0x12: read_pointer 0 -> 1'],
      [1, 3, { type: 'IOREQ_TYPE_COPY', addr: '0xa0000', size: 8, data: '0x123456789abcdef' }, 'dm d0 consumes buffered IOREQ_TYPE_COPY 0xa0000 size 8 data 0x123456789abcdef: read_pointer 1 -> 3']]);
    g.m.x.on = false;
    g.buffer(3, { type: A.IOREQ_TYPE_PIO, size: 0, addr: 0x3c5, data: 1 });
    const n = g.m.x.events.length;
    assert.equal(g.flat('dm0', null, (f) => f.qemu.handleBufferedIopage(g.dm)), 1);
    assert.equal(g.m.x.events.length, n);
  });

  it('a buffered write is cut to its size as handle_ioreq cuts any write (xen-hvm.c:778-781, called at 831)', () => {
    const g = new Q().init();
    g.buffer(0, { type: A.IOREQ_TYPE_PIO, size: 0, addr: 0x3c4, data: 0x1234 });
    g.buffer(1, { type: A.IOREQ_TYPE_COPY, size: 1, addr: 0xa0000, data: 0xabcdef });
    g.flat('dm0', null, (f) => f.qemu.handleBufferedIopage(g.dm));
    assert.deepEqual([g.dm.devices.get(0x3c4), g.dm.devices.get(0x10000 + 0xa0000)], [0x34n, 0xcdefn]);
  });

  it('a buffered read or TIMEOFFSET changes no device (handle_ioreq: a read\'s value goes nowhere, TIMEOFFSET is ignored); the slots are still consumed', () => {
    const g = new Q().init();
    g.buffer(0, { type: A.IOREQ_TYPE_PIO, size: 0, addr: 0x3c4, data: 0x12, dir: A.IOREQ_READ });
    g.buffer(1, { type: A.IOREQ_TYPE_TIMEOFFSET, size: 2, addr: 0, data: 0x55, dir: A.IOREQ_WRITE });
    assert.equal(g.flat('dm0', null, (f) => f.qemu.handleBufferedIopage(g.dm)), 2);
    assert.equal(g.dm.devices.size, 0);
    assert.deepEqual(g.pointers(), { read_pointer: 2, write_pointer: 2 });
  });

  it('pointers more than a ring apart: the model stops (QEMU would spin) with -EINVAL and says so; read_pointer is left', () => {
    const g = new Q().init();
    g.buffer(0, { type: A.IOREQ_TYPE_PIO, size: 0, addr: 0x3c4, data: 0x12 }, A.IOREQ_BUFFER_SLOT_NUM + 1);
    assert.equal(g.flat('dm0', null, (f) => f.qemu.handleBufferedIopage(g.dm)), -EINVAL);
    assert.deepEqual(g.pointers(), { read_pointer: 0, write_pointer: 512 });
    assert.equal(g.dm.devices.size, 0);
    assert.deepEqual(g.events('dm_handle').map((e) => [e.fn, e.detail, e.text]), [['handle_buffered_iopage', { read_pointer: 0, write_pointer: 512, corrupt: true },
      'dm d0: buffered ring pointers corrupt (read 0, write 512); QEMU would spin here']]);
    g.m.x.on = false;
    assert.equal(g.flat('dm0', null, (f) => f.qemu.handleBufferedIopage(g.dm)), -EINVAL);
    assert.equal(g.events('dm_handle').length, 1);
    // A full ring (511 apart) is not corrupt.
    g.dm.buffered_io_page!.setUint32(A.BUF_OFF_WRITE_POINTER, A.IOREQ_BUFFER_SLOT_NUM, true);
    assert.equal(g.flat('dm0', null, (f) => f.qemu.handleBufferedIopage(g.dm)), A.IOREQ_BUFFER_SLOT_NUM);
  });

  it('not mapped: nothing to drain (-EINVAL, no stop past the check)', () => {
    const g = new Q();
    const r = g.stepped((s) => s.qemu.handleBufferedIopage(g.dm));
    assert.equal(r.value, -EINVAL);
    assert.deepEqual(labels(r.stops, 'handle_buffered_iopage'), ['init_pg', 'init_n', 'check']);
    assert.equal(localsAt(r.stops, 'handle_buffered_iopage', 'check').mapped, '0');
  });
});

describe('mutation: the misbehaving device model\'s writes', () => {
  it('writeState puts any 4-bit state in a slot and says so; writeBytes writes exactly its bytes into the named page, and refuses an unmapped one', () => {
    const g = new Q().init();
    g.flat('dm0', null, (f) => f.qemu.writeState(g.dm, 0, 5));
    assert.equal(g.slot().state, 5);
    assert.deepEqual(g.events('slot_state').map((e) => [e.fn, e.before, e.after, e.text]), [['dm_write_state', 'STATE_IOREQ_NONE', 5, 'dm d0 writes state 5 into d1v0\'s slot']]);
    g.flat('dm0', null, (f) => f.qemu.writeState(g.dm, 0, 1));
    assert.deepEqual([g.events('slot_state')[1].before, g.events('slot_state')[1].after], [5, 'STATE_IOREQ_READY']);
    g.page.setUint8(0x103, 0xaa);
    g.flat('dm0', null, (f) => f.qemu.writeBytes(g.dm, 0, 0x100, new Uint8Array([1, 2, 3])));
    assert.deepEqual([0x100, 0x101, 0x102, 0x103].map((o) => g.page.getUint8(o)), [1, 2, 3, 0xaa]);
    g.flat('dm0', null, (f) => f.qemu.writeBytes(g.dm, 1, 8, new Uint8Array([9])));
    assert.equal(g.dm.buffered_io_page!.getUint8(8), 9);
    assert.deepEqual(g.events('memory_write').map((e) => [e.fn, e.detail, e.text]), [
      ['dm_write_bytes', { buf: 0, offset: 0x100, length: 3 }, 'dm d0 writes 3 byte(s) at offset 256 of the ioreq page'],
      ['dm_write_bytes', { buf: 1, offset: 8, length: 1 }, 'dm d0 writes 1 byte(s) at offset 8 of the buffered page']]);
    g.m.x.on = false;
    g.flat('dm0', null, (f) => f.qemu.writeState(g.dm, 0, 2));
    g.flat('dm0', null, (f) => f.qemu.writeBytes(g.dm, 0, 0x100, new Uint8Array([4])));
    assert.deepEqual([g.events('slot_state').length, g.events('memory_write').length], [2, 2]);
    const h = new Q();
    assert.throws(() => h.m.flatRun('dm0', null, (f) => f.qemu.writeBytes(h.dm, 1, 0, new Uint8Array([1]))), /page not mapped/);
  });
});
