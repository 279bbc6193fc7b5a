// Mutation tests of src/model/driver421.ts (issue #16): the driver the 4.21 tests and tools drive today's model
// through. Each operation runs the same on the flat and the stepped build (the stepped one drained statement by
// statement, every stop handed to atStop), a device model's calls run as its domain's vcpu 0, and what the driver
// adds itself is pinned: the profile check, its lookups' errors, a device model remembering the first server it
// created (XEN_DMOP_create_ioreq_server, xen/common/ioreq.c:643-742 @RELEASE-4.21.0), and the toolstack's steps.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import { Driver421, type Build } from '../../src/model/driver421';
import { Model } from '../../src/model/model';
import type { Frame } from '../../src/model/step';
import * as I from '../../src/model/xen/4.21/common/ioreq';
import { RESUMED } from '../../src/model/xen/common/outcome';

const G = 1;
class Counting extends Driver421 {
  stops: Frame[] = [];
  protected override atStop(top: Frame): void { this.stops.push(top); }
}
function guest(build: Build, profile: '4.21' | '4.21-arm' = '4.21', nvcpus = 2): Counting {
  const t = new Counting(new Model(profile).boot(), build);
  assert.equal(t.createGuest(G, nvcpus), 0);
  return t;
}
const BUILDS: Build[] = ['flat', 'stepped'];

describe('driver421.ts (mutation): the 4.21 driver on both builds', () => {
  it('drives only the 4.21 profiles; boot gives a booted model of the profile and build asked', () => {
    assert.throws(() => new Driver421(new Model('4.5').boot()), /Driver421 drives the 4.21 profiles, not '4.5'/);
    assert.throws(() => new Driver421(new Model('seed')), /not 'seed'/);
    const t = Driver421.boot('4.21-arm', 'stepped');
    assert.deepEqual([t.m.profile, t.build, t.m.x.domains.has(0)], ['4.21-arm', 'stepped', true]);
    assert.equal(Driver421.boot('4.21').build, 'flat');
    assert.equal(new Driver421(new Model('4.21')).build, 'flat');
  });

  it('lookups: a missing domain, device model or device model vcpu is an error naming it', () => {
    const t = guest('flat');
    assert.throws(() => t.domain(9), /^Error: no domain d9$/);
    assert.throws(() => t.dm('nope'), /^Error: no device model 'nope'$/);
    assert.equal(t.vcpu(G, 1), t.domain(G).vcpu[1]);
    const dm = t.addDm('q', 'qemu', 0, G);
    assert.equal(t.dm('q'), dm);
    assert.deepEqual([dm.kind, dm.domid, dm.target, dm.max_cpus, t.kinds.get('q')], ['qemu', 0, G, 2, 'qemu']);
    assert.equal(t.dmVcpu(dm), t.domain(0).vcpu[0]);
    t.domain(0).vcpu.length = 0;
    assert.throws(() => t.dmVcpu(dm), /^Error: device model domain d0 has no vcpu$/);
    assert.throws(() => t.sendBuffered(G, 0, 3, A.emptyIoreq()), /^Error: no server 3$/);
  });

  it('createGuest: the guest built and unpaused on either build, as the toolstack; its failure returned', () => {
    for (const build of BUILDS) {
      const t = guest(build);
      const d = t.domain(G);
      assert.deepEqual([d.vcpu.length, d.pause_count, d.ram_pages > 0, d.reserved_mem_pgstart > 0], [2, 0, true, true], build);
      assert.equal(t.m.x.actor, 'toolstack');
    }
  });

  it('createGuest: xc_domain_create failing returns its error and builds nothing', () => {
    for (const build of BUILDS) {
      const t = new Driver421(new Model('4.21').boot(), build);
      const lx = build === 'flat' ? t.m.flat.libxc : t.m.stepped.libxc;
      (lx as unknown as { xcDomainCreate: unknown }).xcDomainCreate = build === 'flat' ? () => -12 : function* () { return -12; };
      assert.equal(t.createGuest(G, 1), -12, build);
      assert.equal(t.m.x.domains.has(G), false);
    }
  });

  it('createGuest: setup_guest failing stops there (the guest stays paused)', () => {
    for (const build of BUILDS) {
      const t = new Driver421(new Model('4.21').boot(), build);
      const lx = build === 'flat' ? t.m.flat.libxc : t.m.stepped.libxc;
      (lx as unknown as { setupGuest: unknown }).setupGuest = build === 'flat' ? () => -12 : function* () { return -12; };
      assert.equal(t.createGuest(G, 1), -12, build);
      assert.equal(t.domain(G).pause_count, 1, 'not unpaused');
    }
  });

  it('createDmDomain: a running PV domain with one vcpu, the target set, on either build', () => {
    for (const build of BUILDS) {
      const t = guest(build);
      t.createDmDomain(2, G);
      const d = t.domain(2);
      assert.deepEqual([d.is_hvm, d.vcpu.length, d.pause_count, d.target], [false, 1, 0, G], build);
    }
  });

  it('a QEMU round trip, the stepped build stopping at each statement (atStop), the flat one never', () => {
    for (const build of BUILDS) {
      const t = guest(build);
      const dm = t.addDm('q', 'qemu', 0, G);
      dm.want_ranges = [[I.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3ffn]];
      t.stops.length = 0;
      assert.equal(t.dmInit('q').value, 0);
      assert.equal(t.mapRanges('q').value, 0);
      assert.equal(t.m.x.actor, 'dm0');
      assert.equal(t.pio(G, 0, 0x3f8, 1, A.IOREQ_WRITE, 0x41n).value, true);
      assert.equal(t.vcpu(G, 0).rax, 0x41n, 'a write sends eax');
      assert.equal(t.m.x.actor, 'vcpu0');
      assert.equal(t.serve('q', 0).value, 1);
      assert.equal(t.resume(G, 0).value, RESUMED);
      if (build === 'flat') assert.equal(t.stops.length, 0);
      else assert.ok(t.stops.some((f) => f.fn === 'xen_do_ioreq_register') && t.stops.some((f) => f.fn === 'hvm_do_resume'), 'each function\'s stops seen');
      // A read: the answer lands in rax; a read does not set rax from value first.
      t.vcpu(G, 0).rax = 0n;
      assert.equal(t.pio(G, 0, 0x3f8, 1, A.IOREQ_READ, 0x99n).value, true);
      assert.equal(t.vcpu(G, 0).rax, 0n);
      assert.equal(t.serve('q', 0, { data: 0x5an }).value, 1);
      assert.equal(t.resume(G, 0).value, RESUMED);
      assert.equal(t.vcpu(G, 0).rax & 0xffn, 0x5an);
    }
  });

  it('dmOp: a device model remembers the first server it creates (id, buffered handling), not a later one or a failure', () => {
    for (const build of BUILDS) {
      const t = guest(build);
      const dm = t.addDm('q', 'qemu', 0, G);
      const op = { op: I.XEN_DMOP_create_ioreq_server, u: { handle_bufioreq: 2 } } as I.XenDmOp;
      assert.equal(t.dmOp('q', op).value, 0);
      assert.deepEqual([dm.ioservid, dm.bufioreq_handling], [op.u.id, 2], build);
      const op2 = { op: I.XEN_DMOP_create_ioreq_server, u: { handle_bufioreq: 1 } } as I.XenDmOp;
      assert.equal(t.dmOp('q', op2).value, 0);
      assert.deepEqual([dm.ioservid, dm.bufioreq_handling], [op.u.id, 2], 'the first kept');
      // Another device model whose create fails (an invalid handle_bufioreq) remembers nothing.
      const dm2 = t.addDm('r', 'qemu', 0, G);
      assert.ok(t.dmOp('r', { op: I.XEN_DMOP_create_ioreq_server, u: { handle_bufioreq: 9 } } as I.XenDmOp).value! < 0);
      assert.equal(dm2.ioservid, -1);
      // Not a create: nothing remembered.
      const dm3 = t.addDm('s', 'qemu', 0, G);
      t.dmOp('s', { op: I.XEN_DMOP_destroy_ioreq_server, u: { id: 1 } } as I.XenDmOp);
      assert.equal(dm3.ioservid, -1);
      // handle_bufioreq left out: 0.
      const dm4 = t.addDm('u', 'qemu', 0, G);
      assert.equal(t.dmOp('u', { op: I.XEN_DMOP_create_ioreq_server, u: {} } as I.XenDmOp).value, 0);
      assert.equal(dm4.bufioreq_handling, 0);
      assert.ok(dm4.ioservid >= 0);
    }
  });

  it('the steps one at a time: create, pages, enable (the slots get their ports), ports bound for every vcpu; a buffered write; destroy', () => {
    for (const build of BUILDS) {
      const t = guest(build);
      const dm = t.addDm('q', 'qemu', 0, G);
      assert.equal(t.create('q', 1).value, 0);
      assert.ok(dm.ioservid >= 0);
      assert.equal(t.mapPages('q').value, 0);
      assert.equal(t.setState('q', true).value, 0);
      assert.equal(t.bindAll('q').value, 0);
      assert.ok(dm.ioreq_local_port.length === 2 && dm.ioreq_local_port.every((p) => p > 0), `${build}: both vcpus' ports bound`);
      assert.equal(t.mapRange('q', I.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3ffn).value, 0);
      const s = t.domain(G).x421.server[dm.ioservid]!;
      assert.deepEqual(s.range[0].ranges, [[0x3f8n, 0x3ffn]]);
      assert.equal(t.mapRange('q', I.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3ffn, false).value, 0);
      assert.deepEqual(s.range[0].ranges, [], 'unmapped');
      const p = { ...A.emptyIoreq(), type: A.IOREQ_TYPE_PIO, addr: 0x3f8n, size: 1, count: 1, dir: A.IOREQ_WRITE, data: 0x42n, state: A.STATE_IOREQ_READY };
      assert.equal(t.sendBuffered(G, 0, dm.ioservid, p).value, 0);
      const before = dm.buffered_handled;
      assert.equal(t.drainBuffered('q').value, 1);
      assert.equal(dm.buffered_handled, before + 1);
      assert.equal(t.broadcast(G, 0, { ...p, type: A.IOREQ_TYPE_INVALIDATE }, true).value, 0);
      assert.equal(t.destroy('q').value, 0);
      assert.ok(!t.domain(G).x421.server[dm.ioservid], 'the slot empty');
    }
  });

  it('bindAll stops at the first vcpu whose port does not bind', () => {
    for (const build of BUILDS) {
      const t = guest(build, '4.21', 3);
      const dm = t.addDm('q', 'qemu', 0, G);
      assert.equal(t.create('q', 0).value, 0);
      const q = build === 'flat' ? t.m.flat.x421!.qemu : t.m.stepped.x421!.qemu;
      const seen: number[] = [];
      (q as unknown as { bindVcpuPort: unknown }).bindVcpuPort = build === 'flat'
        ? (_dm: unknown, k: number) => { seen.push(k); return k === 1 ? -22 : 0; }
        : function* (_dm: unknown, k: number) { seen.push(k); return k === 1 ? -22 : 0; };
      assert.equal(t.bindAll('q').value, -22);
      assert.deepEqual(seen, [0, 1], build);
      seen.length = 0;
      (q as unknown as { bindVcpuPort: unknown }).bindVcpuPort = build === 'flat' ? (_d: unknown, k: number) => { seen.push(k); return 0; } : function* (_d: unknown, k: number) { seen.push(k); return 0; };
      assert.equal(t.bindAll('q').value, 0);
      assert.deepEqual(seen, [0, 1, 2], `${build}: every vcpu of max_cpus ${dm.max_cpus}`);
    }
  });

  it('an MMIO write sends rax, on x86 and on Arm (a data abort with write set)', () => {
    for (const build of BUILDS) {
      const t = guest(build);
      t.vcpu(G, 1).rax = 0n;
      t.mmio(G, 1, 0xfe000000n, 4, A.IOREQ_WRITE, 0x77n);
      assert.equal(t.vcpu(G, 1).rax, 0x77n);
      const a = guest(build, '4.21-arm');
      a.vcpu(G, 0).rax = 0n;
      a.armMmio(G, 0, { gpa: 0x2000040n, size: 2, write: 1, sign: 0 }, 0x55n);
      assert.equal(a.vcpu(G, 0).rax, 0x55n);
    }
  });

  it('resumeStepped hands each stop of hvm_do_resume to its callback; kill runs domain_kill on either build', () => {
    const t = guest('flat');
    const seen: string[] = [];
    assert.equal(t.resumeStepped(G, 0, (top) => seen.push(top.fn)).value, RESUMED);
    assert.ok(seen.includes('hvm_do_resume'));
    for (const build of BUILDS) {
      const k = guest(build);
      assert.deepEqual(k.kill(G), { value: 0 });
      assert.equal(k.domain(G).is_dying, 2, build);
      assert.equal(k.m.x.actor, 'toolstack');
    }
  });

  it('die: the device model\'s process gone on either build', () => {
    for (const build of BUILDS) {
      const t = guest(build);
      const dm = t.addDm('q', 'qemu', 0, G);
      assert.equal(t.dmInit('q').value, 0);
      t.die('q');
      assert.equal(dm.dead, true, build);
    }
  });

  it('each operation runs as its actor: a device model as dm<its domid>, a guest access as vcpu<i>', () => {
    for (const build of BUILDS) {
      const t = guest(build);
      t.createDmDomain(2, G);
      const dm = t.addDm('q', 'qemu', 2, G);
      dm.want_ranges = [[I.XEN_DMOP_IO_RANGE_MEMORY, 0xfe000000n, 0xfe000fffn]];
      const as = (name: string, fn: () => unknown) => { t.m.x.actor = 'x'; fn(); assert.equal(t.m.x.actor, name, `${build}: ${fn}`); };
      as('dm2', () => t.create('q', 1));
      as('dm2', () => t.mapPages('q'));
      as('dm2', () => t.setState('q', true));
      as('dm2', () => t.bindAll('q'));
      as('dm2', () => t.mapRange('q', I.XEN_DMOP_IO_RANGE_MEMORY, 0xfe000000n, 0xfe000fffn));
      as('dm2', () => t.acquire('q', 0, 1));
      as('dm2', () => t.dmOp('q', { op: I.XEN_DMOP_set_ioreq_server_state, u: { id: dm.ioservid, enabled: 1 } } as I.XenDmOp));
      // A read the server claims stays pending: rax is not touched before the answer.
      t.vcpu(G, 1).rax = 0n;
      as('vcpu1', () => t.mmio(G, 1, 0xfe000010n, 4, A.IOREQ_READ, 0x77n));
      assert.equal(t.vcpu(G, 1).rax, 0n, `${build}: a read does not send rax`);
      as('dm2', () => t.serve('q', 1, { data: 0x12n }));
      as('vcpu1', () => t.resume(G, 1));
      assert.equal(t.vcpu(G, 1).rax & 0xffn, 0x12n);
      // (A buffered request's address has 20 bits: a port write, not this MMIO range.)
      const p = { ...A.emptyIoreq(), type: A.IOREQ_TYPE_PIO, addr: 0x3f8n, size: 1, count: 1, dir: A.IOREQ_WRITE, data: 1n, state: A.STATE_IOREQ_READY };
      as('vcpu0', () => t.sendBuffered(G, 0, dm.ioservid, p));
      // QEMU serving a vcpu drains its buffered ring first (handle_buffered_iopage before the slot).
      const before = dm.buffered_handled;
      as('dm2', () => t.serve('q', 0));
      assert.equal(dm.buffered_handled, before + 1, `${build}: the buffered write taken by serve`);
      as('vcpu0', () => t.sendBuffered(G, 0, dm.ioservid, p));
      as('dm2', () => t.drainBuffered('q'));
      as('vcpu1', () => t.broadcast(G, 1, { ...p, type: A.IOREQ_TYPE_INVALIDATE }, true));
      as('vcpu0', () => t.continueIo(G, 0));
      as('vcpu1', () => t.decreaseReservation(G, 1, 0x100));
      as('vcpu0', () => t.resumeStepped(G, 0, () => undefined));
      as('dm2', () => t.destroy('q'));
      t.addDm('v', 'qemu', 2, G);
      as('dm2', () => t.dmInit('v'));
      const a = guest(build, '4.21-arm');
      a.m.x.actor = 'x';
      a.armMmio(G, 1, { gpa: 0x2000040n, size: 2, write: 1, sign: 0 }, 0x55n);
      assert.equal(a.m.x.actor, 'vcpu1');
    }
  });
});
