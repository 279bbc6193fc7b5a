// Xen 4.5's several ioreq servers (RELEASE-4.5.0 xen/arch/x86/hvm/hvm.c), driven on the flat build.
import * as assert from 'assert';
import * as A from '../../src/model/abi';
import { EEXIST, EINVAL, ENOENT, ENOMEM, EPERM, ESRCH } from '../../src/model/errno';
import { ECS_FREE, ECS_UNBOUND } from '../../src/model/evtchn';
import { Model } from '../../src/model/model';
import * as P from '../../src/model/params';
import type { Hvm45 } from '../../src/model/xen/4.5/hvm.flat';
import * as H from '../../src/model/xen/4.5/hvm';

function guest(nvcpus = 1): { m: Model; h: Hvm45 } {
  const m = new Model('4.5').boot();
  m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(1, nvcpus, true));
  const d = m.x.domains.get(1)!;
  m.flatRun('toolstack', null, (f) => f.libxc.setupGuest(d, 0x8000, 0, 0));
  m.flatRun('toolstack', null, (f) => f.libxc.domainUnpauseByController(d));
  return { m, h: m.flat.hvm as Hvm45 };
}
const dom0 = (m: Model) => m.x.domains.get(0)!;
const d1 = (m: Model) => m.x.domains.get(1)!;
function create(m: Model, h: Hvm45, buf = 1): { rc: number; id: number } {
  const op = { domid: 1, handle_bufioreq: buf, id: -1 };
  const rc = m.flatRun('dm0', null, () => h.doHvmOp(dom0(m), H.HVMOP_create_ioreq_server, op)).value!;
  return { rc, id: op.id };
}
const hop = (m: Model, h: Hvm45, op: number, arg: H.HvmOpArg) => m.flatRun('dm0', null, () => h.doHvmOp(dom0(m), op, arg)).value!;

describe('4.5: several ioreq servers (RELEASE-4.5.0 hvm.c)', () => {
  it('libxc sets IOREQ_SERVER_PFN / NR_IOREQ_SERVER_PAGES: the pool is 8 pages below the special pages (xc_hvm_build_x86.c)', () => {
    const { m } = guest();
    const g = d1(m).hvm45.ioreq_gmfn;
    assert.equal(g.mask, 0xffn);
    assert.equal(g.base, d1(m).arch.hvm_domain.params[P.HVM_PARAM_IOREQ_SERVER_PFN]);
  });

  it('create_ioreq_server hands out ids 1, 2, ... and list_add keeps the newest first (hvm.c:954-1029)', () => {
    const { m, h } = guest();
    const a = create(m, h), b = create(m, h);
    assert.deepEqual([a.rc, a.id, b.rc, b.id], [0, 1, 0, 2]);
    assert.deepEqual(d1(m).hvm45.ioreq_server.list.map((s) => s.id), [2, 1]);
    assert.equal(d1(m).hvm45.ioreq_server.list[0].domid, 0, 'the caller serves');
  });

  it('the gmfn pool runs out: the fifth buffered server gets -ENOMEM, and its id is still consumed (hvm.c:466-483, 980-1029)', () => {
    const { m, h } = guest();
    for (let i = 0; i < 4; i++) assert.equal(create(m, h).rc, 0);
    assert.equal(create(m, h).rc, -ENOMEM);
    assert.equal(create(m, h, 0).rc, -ENOMEM);
    assert.equal(d1(m).hvm45.ioreq_server.id, 6);
  });

  it('dom0 reading BUFIOREQ_EVTCHN makes the default server owned by params[DM_DOMAIN], not the caller (hvm.c:5752-5766)', () => {
    const { m, h } = guest();
    m.flatRun('toolstack', null, () => h.doHvmOp(dom0(m), H.HVMOP_set_param, { domid: 1, index: P.HVM_PARAM_DM_DOMAIN, value: 7 }));
    assert.equal(d1(m).hvm45.default_ioreq_server, null, 'DM_DOMAIN with no server only stores the param');
    const a = { domid: 1, index: P.HVM_PARAM_BUFIOREQ_EVTCHN, value: 0 };
    assert.equal(hop(m, h, H.HVMOP_get_param, a), 0);
    const s = d1(m).hvm45.default_ioreq_server!;
    assert.equal(s.domid, 7);
    assert.equal(s.enabled, true);
    assert.equal(a.value, s.bufioreq_evtchn);
  });

  it('HVMOP error returns: -EPERM on oneself, -ENOENT for an unknown or the default id, -EINVAL type, -EEXIST overlap (hvm.c:1106-1206, domain.c:566-578)', () => {
    const { m, h } = guest();
    assert.equal(m.flatRun('vcpu0', d1(m).vcpu[0], () => h.doHvmOp(d1(m), H.HVMOP_create_ioreq_server, { domid: 1, handle_bufioreq: 0, id: 0 })).value, -EPERM);
    const { id } = create(m, h);
    assert.equal(hop(m, h, H.HVMOP_map_io_range_to_ioreq_server, { domid: 1, id: 99, type: 0, start: 1, end: 2 }), -ENOENT);
    assert.equal(hop(m, h, H.HVMOP_map_io_range_to_ioreq_server, { domid: 1, id, type: 3, start: 1, end: 2 }), -EINVAL);
    assert.equal(hop(m, h, H.HVMOP_map_io_range_to_ioreq_server, { domid: 1, id, type: 0, start: 0x10, end: 0x1f }), 0);
    assert.equal(hop(m, h, H.HVMOP_map_io_range_to_ioreq_server, { domid: 1, id, type: 0, start: 0x1f, end: 0x2f }), -EEXIST);
    assert.equal(hop(m, h, H.HVMOP_unmap_io_range_from_ioreq_server, { domid: 1, id, type: 0, start: 0x10, end: 0x30 }), -ENOENT);
    hop(m, h, H.HVMOP_get_param, { domid: 1, index: P.HVM_PARAM_IOREQ_PFN, value: 0 });
    const def = d1(m).hvm45.default_ioreq_server!.id;
    assert.equal(hop(m, h, H.HVMOP_destroy_ioreq_server, { domid: 1, id: def }), -ENOENT, 'the default is skipped');
    assert.equal(hop(m, h, H.HVMOP_get_param, { domid: 1, index: P.HVM_PARAM_IOREQ_PFN, value: 0 }), 0, '-EEXIST from the second create is not returned');
  });

  it('get_param of IOREQ_SERVER_PFN on oneself: -EPERM is overwritten by the copy-out, rc 0 and the value untouched (hvm.c:5747-5751, 5771)', () => {
    const { m, h } = guest();
    const a = { domid: 1, index: P.HVM_PARAM_IOREQ_SERVER_PFN, value: 1234 };
    const rc = m.flatRun('vcpu0', d1(m).vcpu[0], () => h.doHvmOp(d1(m), H.HVMOP_get_param, a)).value;
    assert.deepEqual([rc, a.value], [0, 1234]);
  });

  it('routing: no server at all ignores the access; with only a secondary that does not match, a port read gets all-ones (hvm.c:2327-2424, 2574-2612)', () => {
    const { m, h } = guest();
    const v = d1(m).vcpu[0];
    create(m, h);
    m.flatRun('vcpu0', v, () => h.handlePio(v, 0x60, 1, A.IOREQ_READ, 0n));
    assert.equal(v.rax & 0xffn, 0xffn);
    assert.ok(m.x.events.some((e) => e.kind === 'io_complete'));
  });

  it('PCI config via CF8: a 0xcfc access after CF8 = enable|bdf goes to the server that claims the SBDF, as PCI_CONFIG (hvm.c:2345-2406)', () => {
    const { m, h } = guest();
    const v = d1(m).vcpu[0];
    const { id } = create(m, h);
    const sbdf = H.hvmopPciSbdf(0, 0, 3, 0);
    assert.equal(hop(m, h, H.HVMOP_map_io_range_to_ioreq_server, { domid: 1, id, type: H.HVMOP_IO_RANGE_PCI, start: sbdf, end: sbdf }), 0);
    assert.equal(hop(m, h, H.HVMOP_set_ioreq_server_state, { domid: 1, id, enabled: 1 }), 0);
    hop(m, h, H.HVMOP_get_param, { domid: 1, index: P.HVM_PARAM_IOREQ_PFN, value: 0 }); // default server too
    m.flatRun('vcpu0', v, () => h.handlePio(v, 0xcf8, 4, A.IOREQ_WRITE, 0x80001800n));
    assert.equal(d1(m).hvm45.pci_cf8, 0x80001800);
    const def = d1(m).hvm45.default_ioreq_server!;
    // the CF8 write itself went to the default server: answer it
    const dp = h.ioreqOf(def, v);
    assert.equal(dp.state, A.STATE_IOREQ_READY);
    dp.state = A.STATE_IORESP_READY;
    m.flatRun('vcpu0', v, () => h.hvmDoResume(v));
    m.flatRun('vcpu0', v, () => h.handlePio(v, 0xcfc, 4, A.IOREQ_READ, 0n));
    const s = d1(m).hvm45.ioreq_server.list.find((x) => x.id === id)!;
    const p = A.readIoreq(s.ioreq.va!, A.ioreqOffset(0));
    assert.equal(p.type, A.IOREQ_TYPE_PCI_CONFIG);
    assert.equal(p.addr, (BigInt(sbdf) << 32n));
    assert.equal(h.ioreqOf(def, v).state, A.STATE_IOREQ_NONE);
  });

  it('hvm_do_resume walks every server; a weird state in one crashes the domain and skips the trap injection (hvm.c:401-464)', () => {
    const { m, h } = guest();
    const v = d1(m).vcpu[0];
    hop(m, h, H.HVMOP_get_param, { domid: 1, index: P.HVM_PARAM_IOREQ_PFN, value: 0 });
    h.ioreqOf(d1(m).hvm45.default_ioreq_server!, v).state = 9;
    v.arch.hvm_vcpu.inject_trap.vector = 13;
    m.flatRun('vcpu0', v, () => h.hvmDoResume(v));
    assert.equal(d1(m).crashed?.fn, 'hvm_wait_for_io');
    assert.equal(v.arch.hvm_vcpu.inject_trap.vector, 13);
  });

  describe("QEMU v2.3.0's xen_hvm_init (the first QEMU with its own ioreq server): a failure ends QEMU", () => {
    it('create refused (no such guest, -ESRCH): perror\'s text, QEMU gone (xen-hvm.c:1203-1207, exit(1) in pc_piix.c:140-144)', () => {
      const { m } = guest();
      const dm = m.addDeviceModel('qemu', 0, 7, 1);
      const rc = m.flatRun('qemu', null, (f) => f.qemu45!.xenHvmInitIoreqServer(dm)).value;
      assert.equal(rc, -ESRCH);
      assert.equal(dm.last_error, 'xen: ioreq server create: No such process');
      assert.equal(dm.dead, true);
    });

    it('all vcpus bound on success: one local port per vcpu and the buffered one, QEMU alive', () => {
      const { m } = guest(2);
      const dm = m.addDeviceModel('qemu', 0, 1, 2);
      assert.equal(m.flatRun('qemu', null, (f) => f.qemu45!.xenHvmInitIoreqServer(dm)).value, 0);
      assert.equal(dm.dead, false);
      assert.equal(dm.ioreq_local_port.filter((p) => p > 0).length, 2);
      assert.ok(dm.bufioreq_local_port > 0);
    });

    it('a vcpu port that will not bind: exit(1) runs xen_exit_notifier, whose handle close unbinds the ports bound so far (1271-1279, 1118-1124); the server stays', () => {
      const { m } = guest(1);
      // max_cpus one above the guest's vcpus: slot 1 carries no vp_eport, and binding remote port 0 is refused.
      const dm = m.addDeviceModel('qemu', 0, 1, 2);
      const rc = m.flatRun('qemu', null, (f) => f.qemu45!.xenHvmInitIoreqServer(dm)).value;
      assert.equal(rc, -EINVAL);
      assert.equal(dm.last_error, `shared evtchn 1 bind error ${EINVAL}`);
      assert.equal(dm.dead, true);
      const local = dm.ioreq_local_port[0];
      assert.ok(local > 0, 'vcpu 0 had been bound');
      assert.equal(dom0(m).evtchn.ports[local].state, ECS_FREE, "QEMU's end of vcpu 0's port is closed");
      const s = d1(m).hvm45.ioreq_server.list.find((x) => x.id === dm.ioservid)!;
      assert.ok(s && s.enabled, 'neither exit path destroys the server');
      const guestPort = s.ioreq_vcpu_list[0].ioreq_evtchn;
      assert.equal(d1(m).evtchn.ports[guestPort].state, ECS_UNBOUND, "Xen's end waits for a new binding again");
    });
  });
});

