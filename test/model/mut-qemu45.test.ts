// Issue 16, src/model/qemu/xen-hvm-4.5.ts: QEMU v2.3.0's set-up against Xen 4.5's ioreq-server API, what the mutation
// run found unpinned. Line numbers are qemu.git v2.3.0's hw/i386/xen/xen-hvm.c (xen_hvm_init 1180-1310) and
// include/hw/xen/xen_common.h (the ioreq-server wrappers 370-405). Where a test acts at one of QEMU's stops, it is
// another CPU (the toolstack, dom0, the guest) acting while QEMU runs there.
import { strict as assert } from 'node:assert';
import * as E from '../../src/model/evtchn';
import { EINVAL, ENOENT, ESRCH } from '../../src/model/errno';
import * as H from '../../src/model/xen/4.5/hvm';
import { G45, labels, localsAt, type Stop } from './x45-guest';

const init = (g: G45, dm: ReturnType<G45['m']['addDeviceModel']>, at?: (s: Stop) => void) =>
  g.stepped('qemu', null, (s) => s.qemu45!.xenHvmInitIoreqServer(dm), at);
/** At QEMU's stop `label` in xen_hvm_init_ioreq_server, run `act` once. */
const onStop = (label: string, act: () => void) => {
  let done = false;
  return (s: Stop) => { if (!done && s.fn === 'xen_hvm_init_ioreq_server' && s.at === label) { done = true; act(); } };
};

describe('mutation (issue 16): QEMU v2.3.0 with its own ioreq server (xen-hvm.c:1203-1287)', () => {
  it('a successful xen_hvm_init: create, info, both maps, enable, each vcpu\'s port, the buffered port; the stops show what each call passes and gets', () => {
    const g = new G45(2);
    const dm = g.m.addDeviceModel('qemu', 0, 1, 2);
    const r = init(g, dm);
    assert.equal(r.value, 0);
    assert.equal(dm.dead, false);
    assert.deepEqual(labels(r.stops, 'xen_hvm_init_ioreq_server'),
      ['create', 'get_info', 'map_shared', 'map_buffered', 'enable', 'for_each_vcpu', 'bind_vcpu', 'for_each_vcpu', 'bind_vcpu', 'bind_buffered']);
    const s = g.d.hvm45.ioreq_server.list.find((x) => x.id === dm.ioservid)!;
    assert.ok(s.enabled);
    // xen_create_ioreq_server (xen_common.h:370-380): the guest's domid and handle_bufioreq 1; the new id.
    assert.deepEqual(labels(r.stops, 'xen_create_ioreq_server'), ['init_arg', 'hypercall', 'result', 'ret']);
    assert.equal(localsAt(r.stops, 'xen_create_ioreq_server', 'init_arg').domid, '1');
    assert.equal(localsAt(r.stops, 'xen_create_ioreq_server', 'result').id, String(s.id));
    // xen_get_ioreq_server_info (xen_common.h:389-398): the pfns and the port it hands back.
    assert.deepEqual(labels(r.stops, 'xen_get_ioreq_server_info'), ['init_arg', 'hypercall', 'result', 'ioreq_pfn', 'bufioreq_pfn', 'bufioreq_port', 'ret']);
    const info = localsAt(r.stops, 'xen_get_ioreq_server_info', 'result');
    const pfn = `0x${s.ioreq.gmfn.toString(16)}`, bpfn = `0x${s.bufioreq.gmfn.toString(16)}`;
    assert.deepEqual([info.domid, info.ioreq_pfn, info.bufioreq_pfn, info.bufioreq_port], [undefined, pfn, bpfn, String(s.bufioreq_evtchn)]);
    assert.equal(localsAt(r.stops, 'xen_get_ioreq_server_info', 'init_arg').domid, '1');
    assert.equal(localsAt(r.stops, 'xen_get_ioreq_server_info', 'ioreq_pfn').ioreq_pfn, pfn);
    assert.equal(localsAt(r.stops, 'xen_get_ioreq_server_info', 'bufioreq_pfn').bufioreq_pfn, bpfn);
    assert.equal(localsAt(r.stops, 'xen_get_ioreq_server_info', 'bufioreq_port').bufioreq_port, String(s.bufioreq_evtchn));
    assert.deepEqual([dm.ioreq_pfn, dm.bufioreq_pfn, dm.bufioreq_remote_port], [s.ioreq.gmfn, s.bufioreq.gmfn, s.bufioreq_evtchn]);
    // xen_set_ioreq_server_state (xen_common.h:400-405).
    assert.deepEqual(labels(r.stops, 'xen_set_ioreq_server_state'), ['init_arg', 'hypercall']);
    assert.equal(localsAt(r.stops, 'xen_set_ioreq_server_state', 'init_arg').domid, '1');
    // xen_hvm_init's own stops: the server id, the pfn of each map, the vcpu count, the buffered port.
    assert.equal(localsAt(r.stops, 'xen_hvm_init_ioreq_server', 'get_info').id, String(s.id));
    assert.equal(localsAt(r.stops, 'xen_hvm_init_ioreq_server', 'map_shared').pfn, pfn);
    assert.equal(localsAt(r.stops, 'xen_hvm_init_ioreq_server', 'map_buffered').pfn, bpfn);
    assert.equal(localsAt(r.stops, 'xen_hvm_init_ioreq_server', 'enable').id, String(s.id));
    assert.equal(localsAt(r.stops, 'xen_hvm_init_ioreq_server', 'for_each_vcpu').max_cpus, '2');
    assert.equal(localsAt(r.stops, 'xen_hvm_init_ioreq_server', 'bind_buffered').port, String(s.bufioreq_evtchn));
    assert.deepEqual(g.events('dm_handle'), [], 'no failure reported');
  });

  it('create refused (-ESRCH, no such guest): the id is not taken and stays -1; the stop shows the call\'s id untouched; exit(1) (xen-hvm.c:1203-1207)', () => {
    const g = new G45();
    const dm = g.m.addDeviceModel('qemu', 0, 7, 1);
    const r = g.stepped('qemu', null, (s) => s.qemu45!.xenHvmInitIoreqServer(dm));
    assert.equal(r.value, -ESRCH);
    assert.equal(dm.ioservid, -1);
    assert.equal(localsAt(r.stops, 'xen_create_ioreq_server', 'result').id, '-1');
    const e = g.events('dm_handle');
    assert.deepEqual(e.map((x) => [x.fn, x.domid, x.detail, x.text]), [['xen_hvm_init', 7, { dm: 0, rc: -ESRCH, how: 'exit' },
      'QEMU d0 for d7: xen: ioreq server create: No such process; xen hardware virtual machine initialisation failed, exit(1)']]);
  });

  it('get_ioreq_server_info fails (the server destroyed meanwhile, -ENOENT): hw_error aborts QEMU, nothing learned, no port touched (xen-hvm.c:1218-1224)', () => {
    const g = new G45();
    const dm = g.m.addDeviceModel('qemu', 0, 1, 1);
    const r = init(g, dm, onStop('get_info', () => assert.equal(g.op(H.HVMOP_destroy_ioreq_server, { domid: 1, id: dm.ioservid }), 0)));
    assert.equal(r.value, -ENOENT);
    assert.equal(dm.dead, true);
    assert.equal(dm.last_error, `failed to get ioreq server info: error ${ENOENT} handle=<xc handle>`);
    assert.deepEqual([dm.ioreq_pfn, dm.bufioreq_pfn, dm.bufioreq_remote_port], [-1, -1, -1]);
    assert.deepEqual(labels(r.stops, 'xen_get_ioreq_server_info'), ['init_arg', 'hypercall', 'result', 'ret']);
    const e = g.events('dm_handle');
    assert.deepEqual(e.map((x) => [x.detail, x.text]), [[{ dm: 0, rc: -ENOENT, how: 'abort' },
      `QEMU d0 for d1: failed to get ioreq server info: error ${ENOENT} handle=<xc handle>; hw_error aborts QEMU`]]);
  });

  it('the ioreq page cannot be mapped: "map shared IO page returned error", abort (xen-hvm.c:1230-1235)', () => {
    const g = new G45();
    const dm = g.m.addDeviceModel('qemu', 0, 1, 1);
    const r = init(g, dm, onStop('map_shared', () => g.d.holes.add(dm.ioreq_pfn)));
    assert.equal(r.value, -EINVAL);
    assert.equal(dm.last_error, `map shared IO page returned error ${EINVAL} handle=<xc handle>`);
    assert.equal(dm.dead, true);
    assert.equal(g.events('dm_handle')[0].detail!.how, 'abort');
  });

  it('the buffered page cannot be mapped: "map buffered IO page returned error", abort, the server left disabled (xen-hvm.c:1251-1257)', () => {
    const g = new G45();
    const dm = g.m.addDeviceModel('qemu', 0, 1, 1);
    const r = init(g, dm, onStop('map_buffered', () => g.d.holes.add(dm.bufioreq_pfn)));
    assert.equal(r.value, -EINVAL);
    assert.equal(dm.last_error, `map buffered IO page returned error ${EINVAL}`);
    assert.ok(dm.shared_page, 'the ioreq page was mapped');
    assert.equal(g.d.hvm45.ioreq_server.list.find((x) => x.id === dm.ioservid)!.enabled, false);
    assert.deepEqual(labels(r.stops, 'xen_hvm_init_ioreq_server'), ['create', 'get_info', 'map_shared', 'map_buffered']);
    assert.deepEqual(g.events('dm_handle').map((x) => [x.detail, x.text]), [[{ dm: 0, rc: -EINVAL, how: 'abort' },
      `QEMU d0 for d1: map buffered IO page returned error ${EINVAL}; hw_error aborts QEMU`]]);
  });

  it('enabling fails (the server destroyed meanwhile): "failed to enable ioreq server info", abort, no port bound (xen-hvm.c:1262-1266)', () => {
    const g = new G45();
    const dm = g.m.addDeviceModel('qemu', 0, 1, 1);
    const r = init(g, dm, onStop('enable', () => assert.equal(g.op(H.HVMOP_destroy_ioreq_server, { domid: 1, id: dm.ioservid }), 0)));
    assert.equal(r.value, -ENOENT);
    assert.equal(dm.last_error, `failed to enable ioreq server info: error ${ENOENT} handle=<xc handle>`);
    assert.deepEqual(dm.ioreq_local_port, []);
    assert.equal(g.events('dm_handle')[0].detail!.how, 'abort');
  });

  it('the buffered port will not bind (another dom0 process bound it first): exit(1) closes the vcpu ports QEMU had bound; the buffered one is not QEMU\'s (xen-hvm.c:1281-1287, 1118-1124)', () => {
    const g = new G45(2);
    const dm = g.m.addDeviceModel('qemu', 0, 1, 2);
    let other = -1;
    const r = init(g, dm, onStop('bind_buffered', () => { other = E.evtchnBindInterdomain(g.m.x, g.d0, 1, dm.bufioreq_remote_port); }));
    assert.ok(other > 0);
    assert.equal(r.value, -EINVAL);
    assert.equal(dm.last_error, `buffered evtchn bind error ${EINVAL}`);
    assert.equal(dm.dead, true);
    const [a, b] = dm.ioreq_local_port;
    assert.ok(a > 0 && b > 0);
    assert.equal(g.d0.evtchn.ports[a].state, E.ECS_FREE);
    assert.equal(g.d0.evtchn.ports[b].state, E.ECS_FREE);
    assert.equal(g.d0.evtchn.ports[other].state, E.ECS_INTERDOMAIN, 'the other process\'s binding is left alone');
    const e = g.events('dm_handle');
    assert.deepEqual(e.map((x) => [x.detail, x.text]), [[{ dm: 0, rc: -EINVAL, how: 'exit' },
      `QEMU d0 for d1: buffered evtchn bind error ${EINVAL}; xen hardware virtual machine initialisation failed, exit(1)`]]);
    // With events off (the explorer's runs) nothing is recorded; QEMU still dies.
    const g2 = new G45(1);
    g2.m.x.on = false;
    const dm2 = g2.m.addDeviceModel('qemu', 0, 7, 1);
    assert.equal(g2.flat('qemu', null, (f) => f.qemu45!.xenHvmInitIoreqServer(dm2)), -ESRCH);
    assert.equal(dm2.dead, true);
    assert.equal(g2.events('dm_handle').length, 0);
  });

  it('a get_info that fails leaves the device model\'s pfns as they were (xen_common.h:389-398: copied only on success)', () => {
    const g = new G45();
    const dm = g.m.addDeviceModel('qemu', 0, 1, 1);
    dm.ioreq_pfn = 5; dm.bufioreq_pfn = 6; dm.bufioreq_remote_port = 7;
    assert.equal(g.flat('qemu', null, (f) => f.qemu45!.xenGetIoreqServerInfo(dm, 42)), -ENOENT);
    assert.deepEqual([dm.ioreq_pfn, dm.bufioreq_pfn, dm.bufioreq_remote_port], [5, 6, 7]);
  });

  it('a create that fails leaves the device model\'s ioservid as it was (xen_common.h:370-380: written only on rc 0)', () => {
    const g = new G45();
    const dm = g.m.addDeviceModel('qemu', 0, 7, 1);
    dm.ioservid = 3;
    assert.equal(g.flat('qemu', null, (f) => f.qemu45!.xenCreateIoreqServer(dm)), -ESRCH);
    assert.equal(dm.ioservid, 3);
  });
});
