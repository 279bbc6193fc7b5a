// Behaviours checked in review against Xen 4.4's source ([X44]) and the seed ([SEED]).
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import { Model } from '../../src/model/model';
import * as P from '../../src/model/params';
import { HVMOP_set_param } from '../../src/model/xen/seed/hvm';
import { X86EMUL_OKAY } from '../../src/model/xen/common/outcome';

function built(profile: 'seed' | 'legacy', init = true): { m: Model; d: ReturnType<Model['x']['domains']['get']> & object } {
  const m = new Model(profile).boot();
  m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(1, 1, true));
  const d = m.x.domains.get(1)!;
  m.flatRun('toolstack', null, (f) => f.libxc.setupGuest(d, 0x8000, 0, 0));
  m.flatRun('toolstack', null, (f) => f.libxc.domainUnpauseByController(d));
  if (init) {
    const dm = m.addDeviceModel('qemu', 0, 1, 1);
    m.flatRun('dm0', null, (f) => f.qemu.xenHvmInit(dm));
  }
  return { m, d };
}

describe('review: hvmemul_do_io and handle_pio against [X44] emulate.c / io.c', () => {
  it('with no device model (no server yet) an access is ignored: OKAY, nothing sent, no shutdown deferral left behind', () => {
    const { m, d } = built('seed', false);
    const v = d.vcpu[0];
    v.arch.hvm_vcpu.hvm_io.io_data = 0x1234n;
    const r = m.flatRun('vcpu0', v, (f) => f.hvm.handlePio(v, 0x60, 1, A.IOREQ_READ, 0n));
    assert.equal(r.value, X86EMUL_OKAY);
    assert.equal(v.defer_shutdown, false);
    assert.equal(v.io_dropped, 1);
    assert.equal(v.rax & 0xffn, 0x34n, 'a read gives back vio->io_data');
  });

  it('a busy slot makes hvmemul_do_io unhandleable, and handle_pio crashes the domain ("Weird HVM ioemulation status 1.") [X44 io.c:259-262]', () => {
    const { m, d } = built('seed');
    const v = d.vcpu[0];
    const va = d.arch.hvm_domain.ioreq_server!.ioreq.va!;
    A.setState(va, 0, A.STATE_IORESP_READY);
    m.flatRun('vcpu0', v, (f) => f.hvm.handlePio(v, 0x3f8, 1, A.IOREQ_WRITE, 0x41n));
    assert.ok(m.x.console.some((l) => l.text === 'WARNING: io already pending?'));
    assert.ok(m.x.console.some((l) => l.text === 'Weird HVM ioemulation status 1.'));
    assert.equal(d.crashed!.fn, 'handle_pio');
    assert.equal(v.arch.hvm_vcpu.inject_trap.vector, -1, 'no #GP for a port access');
  });

  it('a second domain_crash of a domain already shutting down says nothing more [X44 domain.c __domain_crash]', () => {
    const { m, d } = built('seed');
    const hvm = m.flat.hvm;
    hvm.domainCrash(d, 'a', 'first');
    const n = m.x.console.length;
    hvm.domainCrash(d, 'b', 'second');
    assert.equal(m.x.console.length, n);
    assert.equal(d.crashed!.reason, 'first');
  });
});

describe('review: do_hvm_op set_param cases [X44 hvm.c]', () => {
  for (const profile of ['seed', 'legacy'] as const) {
    it(`ACPI_S_STATE 3 pauses the domain (hvm_s3_suspend), 0 unpauses it, a second 3 changes nothing (${profile})`, () => {
      const { m, d } = built(profile);
      const dom0 = m.x.domains.get(0)!;
      const set = (value: number) => m.flatRun('toolstack', null, (f) => f.hvm.doHvmOp(dom0, HVMOP_set_param, { domid: 1, index: P.HVM_PARAM_ACPI_S_STATE, value })).value;
      const base = d.pause_count;
      assert.equal(set(3), 0);
      assert.equal(d.pause_count, base + 1);
      assert.equal(set(3), 0);
      assert.equal(d.pause_count, base + 1);
      assert.equal(set(0), 0);
      assert.equal(d.pause_count, base);
      assert.equal(set(2), -22);
    });
  }

  it('DM_DOMAIN is passed on as a domid_t: 0x10000 is domain 0', () => {
    const { m, d } = built('seed', false);
    const dom0 = m.x.domains.get(0)!;
    const rc = m.flatRun('toolstack', null, (f) => f.hvm.doHvmOp(dom0, HVMOP_set_param, { domid: 1, index: P.HVM_PARAM_DM_DOMAIN, value: 0x10000 })).value;
    assert.equal(rc, 0);
    assert.equal(d.arch.hvm_domain.ioreq_server!.domid, 0);
  });
});

describe('review: setup_guest and notify', () => {
  it("setup_guest does not stop at a failed xc_set_hvm_param: the rest are still set [X44 xc_hvm_build_x86.c 489-516]", () => {
    const m = new Model('legacy').boot();
    m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(1, 1, true));
    const d = m.x.domains.get(1)!;
    m.x.faults.map = 0; // the first page mapping, legacy's set of BUFIOREQ_PFN (set before IOREQ_PFN), fails -ENOMEM
    const rc = m.flatRun('toolstack', null, (f) => f.libxc.setupGuest(d, 0x8000, 0, 0)).value;
    assert.equal(rc, 0);
    assert.equal(d.arch.hvm_domain.params[P.HVM_PARAM_BUFIOREQ_PFN], 0, 'the failed set stored nothing');
    assert.notEqual(d.arch.hvm_domain.params[P.HVM_PARAM_IOREQ_PFN], 0, 'the next one went ahead');
    assert.notEqual(d.arch.hvm_domain.params[P.HVM_PARAM_CONSOLE_PFN], 0, 'later params are still set');
    assert.notEqual(d.arch.hvm_domain.params[P.HVM_PARAM_IDENT_PT], 0);
  });

  it('a device model that writes a bad vp_eport makes the next request notify a port that does not exist: ASSERT, Xen panics', () => {
    const { m, d } = built('seed');
    const v = d.vcpu[0];
    const va = d.arch.hvm_domain.ioreq_server!.ioreq.va!;
    va.setUint32(A.OFF_VP_EPORT, 4000, true);
    const r = m.flatRun('vcpu0', v, (f) => f.hvm.handlePio(v, 0x3f8, 1, A.IOREQ_WRITE, 0x41n));
    assert.match(r.panic!, /ASSERT\(port_is_valid\(d1, 4000\)\)/);
    assert.ok(m.x.panic);
  });
});
