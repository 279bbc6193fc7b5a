// Mutation tests of src/model/state.ts (issue #16): the `state --json` document, read field by field from the model's
// structures and the pages' bytes. Each test runs a bundled scenario (or part of one) and checks what the document
// says against what the modelled Xen holds there:
//  - the slots of the ioreq page are decoded from its bytes (struct ioreq, xen/include/public/hvm/ioreq.h @RELEASE-4.4.0),
//    the buffered ring from its pointers and slots (buffered_iopage_t, IOREQ_BUFFER_SLOT_NUM 511, same file);
//  - event channels in ECS_FREE / ECS_RESERVED are not listed (port 0 is reserved by evtchn_init,
//    xen/common/event_channel.c @RELEASE-4.4.0); an unbound port shows whom it awaits, an interdomain one its peer;
//  - the 4.21 block shows d->ioreq_server's slots (xen/common/ioreq.c @RELEASE-4.21.0) and each vcpu's v->io.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import * as A from '../../src/model/abi';
import { DeviceModel } from '../../src/model/dm';
import { ECS_FREE, ECS_INTERDOMAIN, ECS_RESERVED, ECS_UNBOUND } from '../../src/model/evtchn';
import { decodeRing, decodeSlot, dmJson, domainJson, hexOf, stateJson } from '../../src/model/state';
import type { Model } from '../../src/model/model';
import { GuestPage, PageStore, PageView } from '../../src/model/xen';
import { parseScenario } from '../../src/scenario/parse';
import { runScenario } from '../../src/scenario/run';

const SCENARIOS = path.join(__dirname, '..', '..', '..', 'scenarios');
function runOf(name: string, upTo?: number): Model {
  const file = path.join(SCENARIOS, name);
  return runScenario(parseScenario(fs.readFileSync(file, 'utf8'), file), upTo === undefined ? {} : { upTo }).session.m;
}
type Doc = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const dom = (m: Model, domid: number, opts = {}) => domainJson(m, m.x.domains.get(domid)!, opts) as Doc;
const page = () => new PageView(new PageStore()) as unknown as DataView;

describe('state.ts (mutation): the state document', () => {
  it('hexOf: two lower-case hex digits a byte, a leading 0 below 16', () => {
    assert.equal(hexOf(new Uint8Array([0x00, 0x0f, 0x10, 0xab, 0xff])), '000f10abff');
    assert.equal(hexOf(new Uint8Array([])), '');
  });

  it('decodeSlot: each field of struct ioreq from the bytes; a state or type out of range is named as such', () => {
    const dv = page();
    A.writeIoreq(dv, A.ioreqOffset(1), { ...A.emptyIoreq(), addr: 0x3f8n, data: 0x41n, count: 2, size: 4, vp_eport: 7, state: A.STATE_IOREQ_READY,
      data_is_ptr: 1, dir: A.IOREQ_READ, df: 1, type: A.IOREQ_TYPE_COPY });
    assert.deepEqual(decodeSlot(dv, 1), { addr: '0x3f8', data: '0x41', count: 2, size: 4, vp_eport: 7, state: 1, stateName: 'STATE_IOREQ_READY',
      data_is_ptr: 1, dir: 1, df: 1, type: 1, typeName: 'IOREQ_TYPE_COPY' });
    // vcpu 0's slot is another 32 bytes: still empty.
    assert.equal(decodeSlot(dv, 0).stateName, 'STATE_IOREQ_NONE');
    A.setState(dv, A.ioreqOffset(1), 9);
    dv.setUint8(A.ioreqOffset(1) + A.OFF_TYPE, 5);
    const s = decodeSlot(dv, 1);
    assert.deepEqual([s.state, s.stateName, s.type, s.typeName], [9, 'invalid(9)', 5, 'unknown(5)']);
  });

  it('decodeRing: the slots between read_pointer and write_pointer, modulo 511, at most 511 of them', () => {
    const dv = page();
    const put = (idx: number, b: Partial<A.BufIoreq>) => A.writeBufIoreq(dv, A.bufSlotOffset(idx), { type: A.IOREQ_TYPE_PIO, pad: 0, dir: A.IOREQ_WRITE, size: 0, addr: 0, data: 0, ...b });
    // Pointers across 2^32: read 0xffffffff, write 1 (two in use; slot indices 0xffffffff % 511 = 31 and 0 % 511 = 0).
    dv.setUint32(A.BUF_OFF_READ_POINTER, 0xffffffff, true);
    dv.setUint32(A.BUF_OFF_WRITE_POINTER, 1, true);
    put(0xffffffff, { addr: 0x3f8, data: 0x41, size: 0 });
    put(0, { type: A.IOREQ_TYPE_COPY, addr: 0xfe00, data: 0x1234, size: 1, dir: A.IOREQ_READ });
    put(1, { addr: 0x99, data: 0x99 }); // beyond write_pointer: not pending
    assert.deepEqual(decodeRing(dv), { readPointer: 0xffffffff, writePointer: 1, used: 2, slotNum: 511, pending: [
      { slot: 0xffffffff % 511, type: 0, typeName: 'IOREQ_TYPE_PIO', dir: 0, size: 1, addr: '0x3f8', data: '0x41' },
      { slot: 0, type: 1, typeName: 'IOREQ_TYPE_COPY', dir: 1, size: 2, addr: '0xfe00', data: '0x1234' },
    ] });
    // A type no IOREQ_TYPE_* names; size is 1 << the 2-bit field.
    dv.setUint32(A.BUF_OFF_READ_POINTER, 5, true);
    dv.setUint32(A.BUF_OFF_WRITE_POINTER, 6, true);
    put(5, { type: 3, size: 3 });
    assert.deepEqual((decodeRing(dv).pending as Doc[]).map((p) => [p.slot, p.typeName, p.size]), [[5, 'unknown(3)', 8]]);
    // More in use than the ring holds (a corrupted write_pointer): only 511 slots are listed.
    dv.setUint32(A.BUF_OFF_WRITE_POINTER, 5 + 1000, true);
    const r = decodeRing(dv);
    assert.equal(r.used, 1000);
    assert.equal((r.pending as Doc[]).length, 511);
    // Empty: read == write.
    dv.setUint32(A.BUF_OFF_WRITE_POINTER, 5, true);
    assert.deepEqual([decodeRing(dv).used, decodeRing(dv).pending], [0, []]);
  });

  it('the seed: d1\'s server, slots decoded from its ioreq page, ports per vcpu, the ring of the buffered page', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const d = dom(m, 1);
    assert.deepEqual(d.ioreqServer, { domid: 0, ioreqPfn: '0xfeff9', bufioreqPfn: '0xfeff8', ioreqEvtchn: [3, 5], bufIoreqEvtchn: 4, freed: false,
      bufferedRing: { readPointer: 0, writePointer: 0, used: 0, slotNum: 511, pending: [] } });
    // Each vcpu's slot: its last request, answered (NONE), with its own port in vp_eport.
    assert.deepEqual(d.vcpus.map((v: Doc) => [v.vcpuId, v.slot.addr, v.slot.data, v.slot.vp_eport, v.slot.stateName, v.ioDone, v.ioState]),
      [[0, '0x3f8', '0x41', 3, 'STATE_IOREQ_NONE', 1, 'HVMIO_none'], [1, '0x3f8', '0x42', 5, 'STATE_IOREQ_NONE', 1, 'HVMIO_none']]);
    // The server freed (or its pages never set): no slots, pfns null, no ring.
    const s = m.x.domains.get(1)!.arch.hvm_domain.ioreq_server!;
    s.freed = true;
    assert.deepEqual(dom(m, 1).vcpus.map((v: Doc) => v.slot), [null, null]);
    assert.equal(dom(m, 1).ioreqServer.freed, true);
    s.freed = false;
    s.ioreq.page = null; s.buf_ioreq.page = null; s.buf_ioreq.va = null;
    const t = dom(m, 1).ioreqServer;
    assert.deepEqual([t.ioreqPfn, t.bufioreqPfn, t.bufferedRing], [null, null, null]);
    m.x.domains.get(1)!.arch.hvm_domain.ioreq_server = null;
    assert.deepEqual([dom(m, 1).ioreqServer, dom(m, 1).vcpus[0].slot], [null, null]);
  });

  it('the buffered ring of the seed\'s server reads the buffered page: writes pending until QEMU takes them', () => {
    const m = runOf('10-buffered-writes.ioreq.json');
    const ring = dom(m, 1).ioreqServer.bufferedRing;
    assert.equal(ring.readPointer, ring.writePointer, 'at the end QEMU has consumed every buffered write');
    assert.ok(ring.writePointer > 0);
    const va = m.x.domains.get(1)!.arch.hvm_domain.ioreq_server!.buf_ioreq.va!;
    va.setUint32(A.BUF_OFF_READ_POINTER, ring.writePointer - 1, true);
    assert.deepEqual(dom(m, 1).ioreqServer.bufferedRing.used, 1);
    assert.equal(dom(m, 1).ioreqServer.bufferedRing.pending[0].slot, ring.writePointer - 1);
  });

  it('event channels: free and reserved ports left out; unbound shows remoteDomid, interdomain its peer; xen_consumer as a flag', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    // QEMU in dom0 bound its ports 1-3 to d1's 3, 5 (the vcpus') and 4 (buffered).
    assert.deepEqual(dom(m, 0).evtchns.map((e: Doc) => [e.port, e.state, e.remoteDom, e.remotePort, 'remoteDomid' in e]),
      [[1, 'ECS_INTERDOMAIN', 1, 3, false], [2, 'ECS_INTERDOMAIN', 1, 5, false], [3, 'ECS_INTERDOMAIN', 1, 4, false]]);
    const d1 = m.x.domains.get(1)!;
    const ports = d1.evtchn.ports;
    const listed = () => dom(m, 1).evtchns.map((e: Doc) => e.port);
    assert.ok(!listed().includes(0), 'port 0 is ECS_RESERVED');
    // A port freed disappears; an unbound one lists remoteDomid and no peer.
    const e3 = d1.evtchn.w(3);
    e3.state = ECS_FREE;
    assert.ok(!listed().includes(3));
    e3.state = ECS_RESERVED;
    assert.ok(!listed().includes(3));
    e3.state = ECS_UNBOUND; e3.remote_domid = 7; e3.xen_consumer = 0; e3.pending = true; e3.notify_vcpu_id = 1;
    const u = dom(m, 1).evtchns.find((e: Doc) => e.port === 3);
    assert.deepEqual(u, { port: 3, state: 'ECS_UNBOUND', xenConsumer: false, notifyVcpu: 1, pending: true, remoteDomid: 7 });
    e3.state = ECS_INTERDOMAIN; e3.remote_dom = 0; e3.remote_port = 1; e3.xen_consumer = 2;
    assert.deepEqual(dom(m, 1).evtchns.find((e: Doc) => e.port === 3), { port: 3, state: 'ECS_INTERDOMAIN', xenConsumer: true, notifyVcpu: 1, pending: true, remoteDom: 0, remotePort: 1 });
    assert.ok(ports.length > 3);
  });

  it('params: only those set, pfn params in hex, others as numbers; special pages with their maps; p2m types', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const d = dom(m, 1);
    // xc_hvm_build sets the special pfns (xc_hvm_build_x86.c:537-548 @RELEASE-4.4.0) and the two evtchn params.
    assert.equal(d.params.IOREQ_PFN, '0xfeff9');
    assert.equal(d.params.STORE_EVTCHN, 1);
    assert.ok(!('CALLBACK_IRQ' in d.params), 'a param still 0 is left out');
    assert.equal(d.reservedMemPgstart, '0xfeffb');
    const io = d.specialPages.find((p: Doc) => p.name === 'IOREQ');
    assert.deepEqual(io, { name: 'IOREQ', index: 6, pfn: '0xfeff9', insideReserved: false, insideE820Reserved: true, inP2m: true, xenMaps: 1, foreignMaps: 1 });
    assert.equal(d.p2m['0xfeff9'], 'p2m_ram_rw');
    assert.equal(Object.keys(d.p2m).length, 8, 'the eight special pages, nothing else');
    // With bytes: the ioreq page's bytes are its slots' (vcpu 0's addr 0x3f8 first); a page never written has none.
    const b = dom(m, 1, { bytes: true }).specialPages as Doc[];
    const bytes = b.find((p) => p.name === 'IOREQ')!.bytes as string;
    assert.equal(bytes.length, 2 * 4096);
    assert.equal(bytes.slice(0, 16), 'f803000000000000');
    const g = m.x.domains.get(1)!;
    const never = b.find((p) => !g.physmap.get(parseInt(p.pfn, 16))?.bytes)!;
    assert.equal(never.bytes, null);
    // A frame removed from the p2m is not inP2m and has no maps; a paged-out / shared / read-only frame is listed in p2m.
    const gp = g.physmap.get(0xfeff9)!;
    gp.paged_out = true;
    assert.equal(dom(m, 1).p2m['0xfeff9'], 'p2m_ram_paged');
    // RAM frames join the p2m list only when paged out, shared or read-only.
    for (const pfn of [0x100, 0x101, 0x102, 0x103]) g.physmap.set(pfn, new GuestPage('ram'));
    g.physmap.get(0x101)!.shared = true;
    g.physmap.get(0x102)!.not_writable = true;
    g.physmap.get(0x103)!.paged_out = true;
    const p2m = dom(m, 1).p2m;
    assert.deepEqual([p2m['0x100'], p2m['0x101'], p2m['0x102'], p2m['0x103']], [undefined, 'p2m_ram_shared', 'p2m_ram_ro', 'p2m_ram_paged']);
    g.physmap.delete(0xfeffa);
    const c = (dom(m, 1).specialPages as Doc[]).find((p) => p.name === 'CONSOLE')!;
    assert.deepEqual([c.inP2m, c.xenMaps, c.foreignMaps], [false, 0, 0]);
    assert.equal((dom(m, 1, { bytes: true }).specialPages as Doc[]).find((p) => p.name === 'CONSOLE')!.bytes, null);
    // A PV domain: no special pages, no reserved area, no p2m entries.
    const d0 = dom(m, 0);
    assert.deepEqual([d0.specialPages, d0.reservedMemPgstart, d0.p2m, d0.isHvm], [[], null, {}, false]);
    // An HVM domain not built yet (reserved_mem_pgstart 0): none either.
    g.reserved_mem_pgstart = 0;
    gp.paged_out = false;
    assert.deepEqual([dom(m, 1).specialPages, dom(m, 1).reservedMemPgstart], [[], null]);
    assert.ok(!('0xfeff9' in dom(m, 1).p2m));
  });

  it('domain fields: target, shutdown code by name, crash record, stdvga registers, paging requests', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const g = m.x.domains.get(1)!;
    let d = dom(m, 1);
    assert.deepEqual([d.domid, d.isHvm, d.target, d.shutdownCode, d.crashed, d.isShuttingDown, d.isShutDown], [1, true, null, null, null, false, false]);
    g.target = 0; g.shutdown_code = 0;
    d = dom(m, 1);
    assert.deepEqual([d.target, d.shutdownCode], [0, 'SHUTDOWN_poweroff'], 'domid 0 and SHUTDOWN_poweroff are values, not "none"');
    g.target = 3; g.shutdown_code = 3;
    assert.deepEqual([dom(m, 1).target, dom(m, 1).shutdownCode], [3, 'SHUTDOWN_crash']);
    g.shutdown_code = 9;
    assert.equal(dom(m, 1).shutdownCode, 9, 'a code sched.h does not name is shown as the number');
    g.stdvga.stdvga = true;
    g.stdvga.sr_index = 2;
    g.stdvga.sr[2] = 0x0f;
    g.stdvga.gr[8] = 0xff;
    g.paging_requests.push(0xfeff9);
    d = dom(m, 1);
    assert.equal(d.stdvga.stdvga, true);
    assert.equal(d.stdvga.srIndex, 2);
    assert.equal(d.stdvga.sr.length, 8);
    assert.equal(d.stdvga.sr[2], '0xf');
    assert.equal(d.stdvga.gr.length, 9);
    assert.equal(d.stdvga.gr[8], '0xff');
    assert.deepEqual(d.pagingRequests, ['0xfeff9']);
  });

  it('the state: profile, console lines prefixed (XEN), the event count, every domain and device model', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const s = stateJson(m) as Doc;
    assert.equal(s.profile, 'seed');
    assert.deepEqual(Object.keys(s.domains), ['0', '1']);
    assert.deepEqual(s.console, m.x.console.map((l) => `(XEN) ${l.text}`));
    assert.ok(s.console.length > 0);
    assert.equal(s.events, m.x.events.length);
    assert.deepEqual(s.deviceModels.map((d: Doc) => d.name), ['qemu']);
    assert.ok(!('x421' in s.domains['1']), 'the 4.21 block only under a 4.21 profile');
  });

  it('a device model: pfns null until asked, ports, what it served, serving only while a request is in service', () => {
    const m = runOf('06-two-vcpus-on-demand.ioreq.json');
    const q = m.dms.get('qemu')!;
    assert.deepEqual(dmJson('qemu', q), { name: 'qemu', domid: 0, target: 1, ioreqPfn: '0xfeff9', bufioreqPfn: '0xfeff8', ioreqLocalPort: [1, 2], bufioreqLocalPort: 3,
      handled: 2, bufferedHandled: 0, destroyedGuest: false, serving: null, stderr: [] });
    const fresh = new DeviceModel(0, 1, 1);
    const f = dmJson('x', fresh);
    assert.deepEqual([f.ioreqPfn, f.bufioreqPfn, 'ioservid' in f, 'ioeventfd' in f], [null, null, false, false]);
    fresh.ioreq_pfn = 0; fresh.bufioreq_pfn = 0;
    assert.deepEqual([dmJson('x', fresh).ioreqPfn, dmJson('x', fresh).bufioreqPfn], ['0x0', '0x0']);
    fresh.service = 'taken'; fresh.send_vcpu = 1;
    assert.deepEqual(dmJson('x', fresh).serving, { vcpu: 1, step: 'taken' });
    // A 4.21 device model: its server id (0 is a server) and how it got its pages.
    fresh.ioservid = 0;
    assert.deepEqual(Object.entries(dmJson('x', fresh)).slice(-4), [['ioservid', 0], ['pagesHow', null], ['dead', false], ['lastError', null]]);
    fresh.ioservid = -1; fresh.pages_how = 'gfn';
    assert.equal(dmJson('x', fresh).pagesHow, 'gfn');
    fresh.pages_how = null; fresh.ioservid = 1;
    assert.equal(dmJson('x', fresh).ioservid, 1);
  });

  it('the privcmd ioeventfd: its address, queue, and where the handler stands per vcpu (idle, checked, inprocess)', () => {
    const m = runOf('70-x421-arm-ioeventfd-shares-ioreq-port.ioreq.json');
    const k = m.dms.get('kernel')!;
    assert.deepEqual((dmJson('kernel', k) as Doc).ioeventfd, { addr: '0x2000000', addrLen: 4, vq: 0, ownOnly: false, assigned: true, at: ['idle'], signals: 0 });
    k.kio_at = [1, 2];
    assert.deepEqual((dmJson('kernel', k) as Doc).ioeventfd.at, ['checked', 'inprocess']);
    k.kio_at = [];
    assert.equal((dmJson('kernel', k) as Doc).ioeventfd.assigned, false, 'not assigned before privcmd_ioeventfd_assign');
    assert.ok(!('ioeventfd' in dmJson('virtio', m.dms.get('virtio')!)));
  });

  it('4.21: the servers\' slots, rangesets, pages and how they were obtained, ports by vcpu, the buffered ring', () => {
    const m = runOf('28-x421-qemu-port-round-trip.ioreq.json');
    const x = dom(m, 1).x421;
    assert.deepEqual(x.servers, [{ id: 0, emulator: 0, enabled: true, bufioreqHandling: 'ATOMIC',
      ranges: { port: ['0x3f8-0x3ff'], memory: [], pci: [] },
      ioreqPage: { gfn: null, how: 'XENMEM_acquire_resource', mapped: true }, bufioreqPage: { gfn: null, how: 'XENMEM_acquire_resource', mapped: true },
      ports: [{ vcpu: 0, port: 3, pending: false }], bufioreqPort: 4,
      bufferedRing: { readPointer: 0, writePointer: 0, used: 0, slotNum: 511, pending: [] } }]);
    // The gfn pool x86's hvm_alloc_ioreq_gfn draws from (arch/x86/hvm/ioreq.c @RELEASE-4.21.0).
    assert.deepEqual(x.ioreqGfnPool, { base: '0xfeff0', mask: '0xff', legacyMask: '0x60' });
    assert.deepEqual([x.refcnt, x.pciCf8], [0, '0x0']);
    assert.deepEqual(x.vcpuIo, [{ vcpu: 0, completion: 'VIO_no_completion', suspended: false, reqState: 'STATE_IOREQ_NONE', mapcacheInvalidate: false,
      completedWithPending: 0, restartedAfterSend: 0, heldAfterSend: false }]);
    const g = m.x.domains.get(1)!;
    const s = g.x421.server[0]!;
    // Other handling values, a page mapped at a gfn by get_info (legacy), unmapped; a pci range; ports sorted by vcpu.
    s.bufioreq_handling = 1;
    assert.equal(dom(m, 1).x421.servers[0].bufioreqHandling, 'LEGACY');
    s.bufioreq_handling = 7;
    assert.equal(dom(m, 1).x421.servers[0].bufioreqHandling, 7);
    s.bufioreq_handling = 0;
    assert.equal(dom(m, 1).x421.servers[0].bufioreqHandling, 'OFF');
    assert.equal(dom(m, 1).x421.servers[0].bufioreqPort, null, 'no buffered port without buffered handling');
    s.ioreq.gfn = 0xfeff2; s.how[0] = 'gfn';
    s.bufioreq.va = null; s.how[1] = null;
    s.range[1].ranges.push([0xfe000000n, 0xfe000fffn]);
    s.range[2].ranges.push([0x8n, 0x8n]);
    let d = dom(m, 1).x421.servers[0];
    assert.deepEqual(d.ioreqPage, { gfn: '0xfeff2', how: 'legacy gfn (get_ioreq_server_info)', mapped: true });
    assert.deepEqual(d.bufioreqPage, { gfn: null, how: null, mapped: false });
    assert.equal(d.bufferedRing, null);
    assert.deepEqual(d.ranges, { port: ['0x3f8-0x3ff'], memory: ['0xfe000000-0xfe000fff'], pci: ['0x8-0x8'] });
    s.bufioreq.page = null;
    assert.equal(dom(m, 1).x421.servers[0].bufioreqPage, null, 'no page: no page entry');
    const sv = s.ioreq_vcpu_list[0];
    s.ioreq_vcpu_list = [{ ...sv, vcpu: { ...sv.vcpu, vcpu_id: 2 } as typeof sv.vcpu, ioreq_evtchn: 9 }, { ...sv, pending: true }, { ...sv, vcpu: { ...sv.vcpu, vcpu_id: 1 } as typeof sv.vcpu, ioreq_evtchn: 5 }];
    d = dom(m, 1).x421.servers[0];
    assert.deepEqual(d.ports, [{ vcpu: 0, port: 3, pending: true }, { vcpu: 1, port: 5, pending: false }, { vcpu: 2, port: 9, pending: false }]);
    assert.equal(s.ioreq_vcpu_list[0].vcpu.vcpu_id, 2, 'the server\'s own list is not reordered');
    // An empty slot is not shown; a second server is.
    g.x421.server[0] = null;
    assert.deepEqual(dom(m, 1).x421.servers, []);
    // v->io: a request held after send (held_rc >= 0, 0 included), its state by name, unnamed state as the number.
    const v = g.vcpu[0];
    v.io.held_rc = 0;
    v.io.req.state = A.STATE_IOREQ_READY;
    v.io.completion = 2;
    assert.deepEqual([dom(m, 1).x421.vcpuIo[0].heldAfterSend, dom(m, 1).x421.vcpuIo[0].reqState, dom(m, 1).x421.vcpuIo[0].completion], [true, 'STATE_IOREQ_READY', 'VIO_pio_completion']);
    v.io.held_rc = 1;
    assert.equal(dom(m, 1).x421.vcpuIo[0].heldAfterSend, true);
    v.io.held_rc = -1;
    assert.equal(dom(m, 1).x421.vcpuIo[0].heldAfterSend, false);
    v.io.req.state = 12;
    assert.equal(dom(m, 1).x421.vcpuIo[0].reqState, 12);
    assert.ok('x421' in (stateJson(m) as Doc).domains['1']);
  });
});
