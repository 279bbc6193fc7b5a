// Mutation tests of src/model/dm/tools421.ts (issue #16): the libxendevicemodel, libxenforeignmemory and libxenevtchn
// calls today's device models make (xen.git tools/libs/{devicemodel,foreignmemory,evtchn} @RELEASE-4.21.0), and the
// one-request service loop every device model has (varstored.c varstored_poll_iopage @53277ff, QEMU cpu_handle_ioreq).
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import type { Build } from '../../src/model/driver421';
import type { DeviceModel } from '../../src/model/dm';
import { EOPNOTSUPP } from '../../src/model/errno';
import type { Co } from '../../src/model/step';
import type { GuestPage } from '../../src/model/xen';
import type { Tools421 } from '../../src/model/dm/tools421';
import * as I from '../../src/model/xen/4.21/common/ioreq';
import { XENMEM_resource_ioreq_server_frame_ioreq } from '../../src/model/xen/4.21/common/ioreq';
import { Rec421 } from './rec421';

const G = 1;
class Rec extends Rec421 {}
/** An x86 4.21 guest (one vcpu) with a varstored-kind device model 'd' in d0, not started. */
function guest(build: Build = 'flat'): Rec {
  const t = Rec.make('4.21', build, 1, G);
  t.addDm('d', 'varstored', 0, G);
  return t;
}
/** One of the library calls, as the device model (its domain's vcpu 0 current). */
function lib<T>(t: Rec, fn: (l: Tools421, dm: DeviceModel) => Co<T> | T, name = 'd'): T {
  const dm = t.dm(name);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return t.run(`dm${dm.domid}`, t.dmVcpu(dm), (i: any) => fn(i.varstored as Tools421, dm)).value as T;
}
const flat = (t: Rec) => t.m.flat.x421!.varstored as unknown as {
  asDm<T>(dm: DeviceModel, g: () => T): T;
  deviceRead(dm: DeviceModel, type: number, addr: number, size: number, data?: bigint): bigint;
  deviceWrite(dm: DeviceModel, type: number, addr: number, data: bigint): void;
  die(dm: DeviceModel): void;
};
const evs = (t: Rec, kind: string, from: number) => t.m.x.events.slice(from).filter((e) => e.kind === kind).map(({ seq: _s, actor: _a, ...e }) => e);

describe('tools421 (mutation): running as the device model\'s domain', () => {
  it('a device model whose domain does not exist, or has no vcpu, is the model\'s own error, said plainly', () => {
    const t = guest();
    t.addDm('ghost', 'varstored', 9, G);
    assert.throws(() => flat(t).asDm(t.dm('ghost'), () => 0), /device model domain d9 does not exist/);
    t.createDmDomain(2, G);
    t.domain(2).vcpu.length = 0;
    t.addDm('novcpu', 'varstored', 2, G);
    assert.throws(() => flat(t).asDm(t.dm('novcpu'), () => 0), /device model domain d2 has no vcpu/);
  });

  it('the call runs with current = the device model\'s vcpu 0 (current->domain in its hypercalls) and current is put back after, also when it throws', () => {
    const t = guest();
    t.createDmDomain(2, G);
    t.addDm('stub', 'varstored', 2, G);
    const gv = t.vcpu(G, 0);
    t.m.x.current = gv;
    assert.equal(flat(t).asDm(t.dm('stub'), () => t.m.x.current!.domain.domain_id), 2);
    assert.equal(t.m.x.current, gv);
    assert.throws(() => flat(t).asDm(t.dm('stub'), () => { throw new Error('boom'); }), /boom/);
    assert.equal(t.m.x.current, gv);
  });
});

describe('tools421 (mutation): libxendevicemodel (tools/libs/devicemodel/core.c @RELEASE-4.21.0)', () => {
  it('create: on success the device model keeps the id and the buffering it asked for; on failure neither', () => {
    const t = guest('stepped');
    t.m.x.faults.xzalloc = 0;
    assert.ok(lib(t, (l, dm) => l.xendevicemodelCreateIoreqServer(dm, I.HVM_IOREQSRV_BUFIOREQ_ATOMIC)) < 0);
    assert.deepEqual([t.dm('d').ioservid, t.dm('d').bufioreq_handling], [-1, 0]);
    assert.equal(lib(t, (l, dm) => l.xendevicemodelCreateIoreqServer(dm, I.HVM_IOREQSRV_BUFIOREQ_ATOMIC)), 0);
    assert.deepEqual([t.dm('d').ioservid, t.dm('d').bufioreq_handling], [0, I.HVM_IOREQSRV_BUFIOREQ_ATOMIC]);
    assert.deepEqual(t.pick('xendevicemodel_create_ioreq_server', 'dm_op', ['handle_bufioreq']), [{ handle_bufioreq: 2 }, { handle_bufioreq: 2 }]);
  });

  it('get_info: with pfn pointers the gfns are kept (the buffered one only if the server has a ring), without them only the buffered port; a failure keeps nothing', () => {
    const t = guest('stepped');
    assert.equal(lib(t, (l, dm) => l.xendevicemodelCreateIoreqServer(dm, I.HVM_IOREQSRV_BUFIOREQ_ATOMIC)), 0);
    const dm = t.dm('d');
    assert.equal(lib(t, (l, m) => l.xendevicemodelGetIoreqServerInfo(m, false)), 0);
    assert.equal(dm.ioreq_pfn, -1, 'XEN_DMOP_no_gfns: no gfn asked for');
    assert.ok(dm.bufioreq_remote_port > 0);
    assert.deepEqual(t.pick('xendevicemodel_get_ioreq_server_info', 'dm_op', ['id']), [{ id: 0 }]);
    assert.equal(lib(t, (l, m) => l.xendevicemodelGetIoreqServerInfo(m, true)), 0);
    assert.ok(dm.ioreq_pfn > 0 && dm.bufioreq_pfn > 0 && dm.ioreq_pfn !== dm.bufioreq_pfn);
    const [gfn, bgfn] = [dm.ioreq_pfn, dm.bufioreq_pfn];
    assert.equal(lib(t, (l, m) => l.xendevicemodelGetIoreqServerInfo(m, false)), 0);
    assert.deepEqual([dm.ioreq_pfn, dm.bufioreq_pfn], [gfn, bgfn], 'a call without pfn pointers leaves the gfns known');
    dm.ioservid = 6;
    assert.ok(lib(t, (l, m) => l.xendevicemodelGetIoreqServerInfo(m, true)) < 0);
    assert.deepEqual([dm.ioreq_pfn, dm.bufioreq_pfn], [gfn, bgfn], 'a failed call leaves them too');
    dm.ioservid = 0;
    // A second device model on a server without a ring: no buffered gfn or port comes back.
    t.addDm('off', 'varstored', 0, G);
    assert.equal(lib(t, (l, m) => l.xendevicemodelCreateIoreqServer(m, I.HVM_IOREQSRV_BUFIOREQ_OFF), 'off'), 0);
    const off = t.dm('off');
    assert.equal(lib(t, (l, m) => l.xendevicemodelGetIoreqServerInfo(m, true), 'off'), 0);
    assert.ok(off.ioreq_pfn > 0);
    assert.deepEqual([off.bufioreq_pfn, off.bufioreq_remote_port], [-1, -1]);
    // A failing call (a server id that names nothing) changes nothing.
    t.addDm('bad', 'varstored', 0, G);
    t.dm('bad').ioservid = 6;
    assert.ok(lib(t, (l, m) => l.xendevicemodelGetIoreqServerInfo(m, false), 'bad') < 0);
    assert.ok(lib(t, (l, m) => l.xendevicemodelGetIoreqServerInfo(m, true), 'bad') < 0);
    assert.deepEqual([t.dm('bad').ioreq_pfn, t.dm('bad').bufioreq_pfn, t.dm('bad').bufioreq_remote_port], [-1, -1, -1]);
  });

  it('map/unmap range, set state and destroy are DMOPs 3-6 on the device model\'s server; destroy forgets the id only if it worked', () => {
    const t = guest('stepped');
    assert.equal(lib(t, (l, dm) => l.xendevicemodelCreateIoreqServer(dm, I.HVM_IOREQSRV_BUFIOREQ_OFF)), 0);
    const s = t.domain(G).x421.server[0]!;
    assert.equal(lib(t, (l, dm) => l.xendevicemodelMapIoRange(dm, true, I.XEN_DMOP_IO_RANGE_PORT, 0x60n, 0x64n)), 0);
    assert.deepEqual(s.range[I.XEN_DMOP_IO_RANGE_PORT].ranges, [[0x60n, 0x64n]]);
    assert.equal(lib(t, (l, dm) => l.xendevicemodelMapIoRange(dm, false, I.XEN_DMOP_IO_RANGE_PORT, 0x60n, 0x64n)), 0);
    assert.deepEqual(s.range[I.XEN_DMOP_IO_RANGE_PORT].ranges, []);
    assert.equal(lib(t, (l, dm) => l.xendevicemodelSetIoreqServerState(dm, true)), 0);
    assert.equal(s.enabled, true);
    assert.equal(lib(t, (l, dm) => l.xendevicemodelSetIoreqServerState(dm, false)), 0);
    assert.equal(s.enabled, false);
    assert.deepEqual(t.labels('xendevicemodel_map_io_range'), ['dm_op', 'dm_op']);
    assert.deepEqual(t.labels('xendevicemodel_set_ioreq_server_state'), ['dm_op', 'dm_op']);
    const dm = t.dm('d');
    dm.ioservid = 5;
    assert.ok(lib(t, (l, m) => l.xendevicemodelDestroyIoreqServer(m)) < 0);
    assert.equal(dm.ioservid, 5, 'kept: nothing was destroyed');
    dm.ioservid = 0;
    assert.equal(lib(t, (l, m) => l.xendevicemodelDestroyIoreqServer(m)), 0);
    assert.equal(dm.ioservid, -1);
    assert.equal(t.domain(G).x421.server[0], null, 'server 0 itself destroyed');
    assert.deepEqual(t.pick('xendevicemodel_destroy_ioreq_server', 'dm_op', ['id']), [{ id: 5 }, { id: 0 }]);
  });
});

describe('tools421 (mutation): libxenforeignmemory (tools/libs/foreignmemory/core.c @RELEASE-4.21.0)', () => {
  it('map_resource: a kernel without the ioctl is -EOPNOTSUPP before any hypercall; mapped pages count one more foreign mapping each, a failure none', () => {
    const t = guest('stepped');
    assert.equal(lib(t, (l, dm) => l.xendevicemodelCreateIoreqServer(dm, I.HVM_IOREQSRV_BUFIOREQ_ATOMIC)), 0);
    const dm = t.dm('d');
    const s = t.domain(G).x421.server[0]!;
    dm.resource_unsupported = true;
    assert.equal(lib(t, (l, m) => l.xenforeignmemoryMapResource(m, 0, 2, [])), -EOPNOTSUPP);
    assert.deepEqual(t.labels('xenforeignmemory_map_resource'), ['privcmd']);
    assert.deepEqual(t.pick('xenforeignmemory_map_resource', 'privcmd', ['supported']), [{ supported: false }]);
    dm.resource_unsupported = false;
    const out: GuestPage[] = [];
    assert.equal(lib(t, (l, m) => l.xenforeignmemoryMapResource(m, 0, 2, out)), 0);
    assert.deepEqual(out.map((p) => p.foreign_maps), [1, 1]);
    assert.deepEqual(t.pick('xenforeignmemory_map_resource', 'privcmd', ['supported']).at(-1), { supported: true });
    assert.deepEqual(t.pick('xenforeignmemory_map_resource', 'mapped', ['pages']).at(-1), { pages: 2 });
    const again: GuestPage[] = [];
    assert.ok(lib(t, (l, m) => l.xenforeignmemoryMapResource(m, XENMEM_resource_ioreq_server_frame_ioreq(0), 3, again)) < 0, 'frame 2 does not exist');
    assert.equal(s.ioreq.page!.foreign_maps, 1, 'the frames got before the failure are not counted');
  });

  it('map of a guest frame: RAM (frame 0 too) is mapped and counted, recorded; a frame with no RAM, a negative gfn or a target that is gone gives NULL', () => {
    const t = guest('stepped');
    const d = t.domain(G);
    const from = t.m.x.events.length;
    const pg = lib(t, (l, dm) => l.xenforeignmemoryMap(dm, 0x10));
    assert.equal(pg, d.page(0x10));
    assert.equal(pg!.foreign_maps, 1);
    assert.deepEqual(evs(t, 'foreign_map', from), [{ kind: 'foreign_map', fn: 'xenforeignmemory_map', domid: G, detail: { pfn: 0x10, by: 0 }, text: 'd0 maps d1 gfn 0x10' }]);
    assert.equal(lib(t, (l, dm) => l.xenforeignmemoryMap(dm, 0)), d.page(0));
    assert.equal(lib(t, (l, dm) => l.xenforeignmemoryMap(dm, 0x7fff0)), null);
    assert.equal(lib(t, (l, dm) => l.xenforeignmemoryMap(dm, -1)), null);
    assert.deepEqual(t.labels('xenforeignmemory_map'), ['map', 'map', 'map', 'map']);
    t.dm('d').target = 9;
    assert.equal(lib(t, (l, dm) => l.xenforeignmemoryMap(dm, 0x10)), null);
    t.dm('d').target = G;
    t.m.x.on = false;
    const n = t.m.x.events.length;
    lib(t, (l, dm) => l.xenforeignmemoryMap(dm, 0x11));
    assert.equal(t.m.x.events.length, n);
    assert.equal(d.page(0x11)!.foreign_maps, 1);
  });
});

describe('tools421 (mutation): libxenevtchn bind_interdomain (tools/libs/evtchn/linux.c @RELEASE-4.21.0)', () => {
  it('a vcpu\'s port is read from its slot; without the page mapped nothing is bound (-EINVAL)', () => {
    const t = guest('stepped');
    assert.equal(lib(t, (l, dm) => l.bindVcpuPort(dm, 0)), -22);
    assert.deepEqual(t.labels('bind_vcpu_port'), ['read_eport']);
    assert.equal(t.dmInit('d').value, 0);
    const dm = t.dm('d');
    const vp = A.readIoreq(dm.shared_page!, 0).vp_eport;
    assert.deepEqual(t.pick('bind_vcpu_port', 'bind', ['vp_eport']).at(-1), { vp_eport: vp });
  });

  it('the buffered port: bound, the local port kept and 0 returned; a bad remote port is its error and keeps nothing', () => {
    const t = guest('stepped');
    t.addDm('b', 'varstored', 0, G);
    const b = t.dm('b');
    b.bufioreq_remote_port = 999;
    assert.ok(lib(t, (l, m) => l.bindBufPort(m), 'b') < 0);
    assert.equal(b.bufioreq_local_port, -1);
    assert.deepEqual(t.pick('bind_buf_port', 'bind', ['port']).at(-1), { port: 999 });
    t.addDm('c', 'varstored', 0, G);
    const c = t.dm('c');
    assert.equal(lib(t, (l, m) => l.xendevicemodelCreateIoreqServer(m, I.HVM_IOREQSRV_BUFIOREQ_ATOMIC), 'c'), 0);
    assert.equal(lib(t, (l, m) => l.xendevicemodelGetIoreqServerInfo(m, false), 'c'), 0);
    assert.equal(lib(t, (l, m) => l.bindBufPort(m), 'c'), 0);
    assert.ok(c.bufioreq_local_port > 0);
  });
});

describe('tools421 (mutation): the register file and the service loop', () => {
  it('reads are masked to the access size (all-ones where nothing was written); ports, MMIO and PCI config (by its low 16 bits) are kept apart', () => {
    const t = guest();
    const f = flat(t);
    const dm = t.dm('d');
    assert.equal(f.deviceRead(dm, A.IOREQ_TYPE_COPY, 0x1000, 4), 0xffffffffn);
    assert.equal(f.deviceRead(dm, A.IOREQ_TYPE_COPY, 0x1000, 8), 0xffffffffffffffffn);
    assert.equal(f.deviceRead(dm, A.IOREQ_TYPE_COPY, 0x1000, 1, 0x1234n), 0x34n, 'the answer given, masked');
    f.deviceWrite(dm, A.IOREQ_TYPE_PIO, 0x3f8, 0x41n);
    f.deviceWrite(dm, A.IOREQ_TYPE_COPY, 0x3f8, 0x42n);
    f.deviceWrite(dm, A.IOREQ_TYPE_PCI_CONFIG, 0x800003f8, 0x43n);
    assert.deepEqual([...dm.devices.entries()].sort(([a], [b]) => a - b), [[0x3f8, 0x41n], [0x103f8, 0x42n], [0x203f8, 0x43n]]);
    assert.equal(f.deviceRead(dm, A.IOREQ_TYPE_PIO, 0x3f8, 1), 0x41n);
    assert.equal(f.deviceRead(dm, A.IOREQ_TYPE_COPY, 0x3f8, 1), 0x42n);
    assert.equal(f.deviceRead(dm, A.IOREQ_TYPE_PCI_CONFIG, 0x700003f8, 1), 0x43n);
    f.deviceWrite(dm, A.IOREQ_TYPE_COPY, 0x10, 0x7fn);
    assert.equal(dm.devices.get(0x10010), 0x7fn);
  });

  it('serving: no page or a dead device model is -EINVAL; a slot not READY is left (0); a READY one is taken, emulated, answered and notified (1)', () => {
    const t = guest('stepped');
    assert.equal(t.serve('d', 0).value, -22, 'nothing mapped');
    assert.equal(t.dmInit('d').value, 0);
    assert.equal(t.serve('d', 0).value, 0, 'nothing asked');
    const dm = t.dm('d');
    const lport = dm.ioreq_local_port[0];
    t.pio(G, 0, 0x100, 2, A.IOREQ_READ);
    assert.equal(t.domain(0).evtchn.ports[lport].pending, true);
    const from = t.m.x.events.length;
    const st = t.stops.length;
    assert.equal(t.serve('d', 0, { data: 0xbeefn }).value, 1);
    assert.equal(t.domain(0).evtchn.ports[lport].pending, false, 'the DM took its event');
    const p = A.readIoreq(dm.shared_page!, 0);
    assert.deepEqual([p.state, p.data], [A.STATE_IORESP_READY, 0xbeefn]);
    assert.equal(dm.send_vcpu, -1);
    assert.equal(dm.handled, 1);
    assert.equal(t.vcpu(G, 0).pause_flags.blocked_in_xen, false, 'notified');
    assert.deepEqual(evs(t, 'dm_handle', from), [{ kind: 'dm_handle', fn: 'handle_ioreq', domid: G, vcpu: 0,
      detail: { type: 'IOREQ_TYPE_PIO', addr: '0x100', size: 2, dir: A.IOREQ_READ, server: 0 }, text: 'dm d0 (server 0) emulates d1v0 IOREQ_TYPE_PIO read 0x100 size 2' }]);
    assert.deepEqual(t.labels('serve_ioreq', st), ['pending', 'check_ready', 'emulate', 'notify']);
    assert.deepEqual(t.pick('serve_ioreq', 'pending', ['mapped', 'dead'], st), [{ mapped: true, dead: false }]);
    assert.deepEqual(t.pick('serve_ioreq', 'emulate', ['type', 'addr', 'dir'], st), [{ type: 'IOREQ_TYPE_PIO', addr: '0x100', dir: A.IOREQ_READ }]);
    assert.deepEqual(t.pick('serve_ioreq', 'notify', ['port'], st), [{ port: lport }]);
    t.resume(G, 0);
    t.pio(G, 0, 0x100, 4, A.IOREQ_WRITE, 0x12345678n);
    const w = t.m.x.events.length;
    assert.equal(t.serve('d', 0).value, 1);
    assert.equal(dm.devices.get(0x100), 0x12345678n);
    assert.deepEqual(evs(t, 'dm_handle', w).map((e) => e.text), ['dm d0 (server 0) emulates d1v0 IOREQ_TYPE_PIO write 0x100 size 4']);
    t.resume(G, 0);
    flat(t).die(dm);
    assert.equal(t.serve('d', 0).value, -22, 'dead');
    assert.deepEqual(t.pick('serve_ioreq', 'pending', ['mapped', 'dead']).at(-1), { mapped: true, dead: true });
  });

  it('respond.notify false answers without notifying: the vcpu stays blocked', () => {
    const t = guest();
    assert.equal(t.dmInit('d').value, 0);
    t.pio(G, 0, 0x100, 1, A.IOREQ_READ);
    assert.equal(t.serve('d', 0, { notify: false }).value, 1);
    assert.equal(A.getState(t.dm('d').shared_page!, 0), A.STATE_IORESP_READY);
    assert.equal(t.vcpu(G, 0).pause_flags.blocked_in_xen, true);
  });

  it('a string request (data_is_ptr) is answered without touching the slot\'s data; a type that is no access (INVALIDATE) touches no register', () => {
    const t = guest();
    assert.equal(t.dmInit('d').value, 0);
    const dm = t.dm('d');
    const pg = dm.shared_page!;
    const base = A.readIoreq(pg, 0);
    A.writeIoreq(pg, 0, { ...base, type: A.IOREQ_TYPE_PIO, addr: 0x100n, size: 1, count: 4, dir: A.IOREQ_READ, data_is_ptr: 1, data: 0x5000n, state: A.STATE_IOREQ_READY });
    assert.equal(t.serve('d', 0, { notify: false }).value, 1);
    assert.equal(A.readIoreq(pg, 0).data, 0x5000n);
    A.writeIoreq(pg, 0, { ...base, type: A.IOREQ_TYPE_INVALIDATE, addr: 0n, size: 8, count: 1, dir: A.IOREQ_WRITE, data: 0n, state: A.STATE_IOREQ_READY });
    assert.equal(t.serve('d', 0, { notify: false }).value, 1);
    assert.equal(dm.devices.size, 0);
  });

  it('die: the process is gone (nothing answers), recorded; not with events off', () => {
    const t = guest();
    assert.equal(t.dmInit('d').value, 0);
    const from = t.m.x.events.length;
    flat(t).die(t.dm('d'));
    assert.equal(t.dm('d').dead, true);
    assert.deepEqual(evs(t, 'dm_handle', from), [{ kind: 'dm_handle', fn: 'dm_exit', domid: G, detail: { dm: 0, server: 0 },
      text: 'device model d0 is gone; server 0 of d1 stays (the emulator reference keeps it)' }]);
    t.m.x.on = false;
    const n = t.m.x.events.length;
    t.addDm('e', 'varstored', 0, G);
    flat(t).die(t.dm('e'));
    assert.equal(t.m.x.events.length, n);
  });
});
