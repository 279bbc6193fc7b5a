// Mutation tests of src/model/model.ts (issue #16): the Model a session runs. Each profile runs its own tree's
// hypervisor code; the flat run records a Xen panic as the host's (a BUG_ON or failed ASSERT stops the host: later
// operations do nothing) and resets `current` after each operation; the stepped run hands out the call stack at
// each stop; a clone is a deep copy whose device models map the clone's own pages (a foreign mapping of the guest's
// frame, xc_map_foreign_range in QEMU's xen_hvm_init, or of a 4.21 server's pages, XENMEM_acquire_resource,
// xen/common/memory.c @RELEASE-4.21.0).
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import * as A from '../../src/model/abi';
import { evtchnSharing } from '../../src/model/evtchn';
import { Model, frameSink, hypervisorCodeOf, setCloneSharing } from '../../src/model/model';
import { PageStore, PageView, XenPanic, sharing } from '../../src/model/xen';
import { HvmLegacy } from '../../src/model/xen/legacy/hvm.flat';
import { HvmSeed } from '../../src/model/xen/seed/hvm.flat';
import { Hvm45 } from '../../src/model/xen/4.5/hvm.flat';
import { Hvm421 } from '../../src/model/xen/4.21/arch/x86/hvm/hvm.flat';
import { ArmHvm421 } from '../../src/model/xen/4.21/arch/arm/hvm.flat';
import { HvmSeed as HvmSeedStepped } from '../../src/model/xen/seed/hvm.stepped';
import { HvmLegacy as HvmLegacyStepped } from '../../src/model/xen/legacy/hvm.stepped';
import { Hvm45 as Hvm45Stepped } from '../../src/model/xen/4.5/hvm.stepped';
import { Hvm421 as Hvm421Stepped } from '../../src/model/xen/4.21/arch/x86/hvm/hvm.stepped';
import { ArmHvm421 as ArmHvm421Stepped } from '../../src/model/xen/4.21/arch/arm/hvm.stepped';
import { parseScenario } from '../../src/scenario/parse';
import { runScenario } from '../../src/scenario/run';

const SCENARIOS = path.join(__dirname, '..', '..', '..', 'scenarios');
function endOf(name: string): Model {
  const file = path.join(SCENARIOS, name);
  return runScenario(parseScenario(fs.readFileSync(file, 'utf8'), file)).session.m;
}

describe('model.ts (mutation): the Model a session runs', () => {
  it('each profile runs its own tree\'s hypervisor code, flat and stepped; 4.5 adds its QEMU, 4.21 today\'s device models', () => {
    assert.deepEqual((['legacy', 'seed', '4.5', '4.21', '4.21-arm'] as const).map(hypervisorCodeOf), ['legacy', 'seed', '4.5', '4.21', '4.21-arm']);
    assert.equal(hypervisorCodeOf('hvmloader' as never), 'seed', 'any other profile runs the seed');
    const cases: Array<[string, unknown, unknown]> = [['legacy', HvmLegacy, HvmLegacyStepped], ['seed', HvmSeed, HvmSeedStepped], ['4.5', Hvm45, Hvm45Stepped],
      ['4.21', Hvm421, Hvm421Stepped], ['4.21-arm', ArmHvm421, ArmHvm421Stepped]];
    for (const [p, F, S] of cases) {
      const m = new Model(p as never);
      assert.ok(m.flat.hvm instanceof (F as new () => object), `${p} flat`);
      assert.ok(m.stepped.hvm instanceof (S as new () => object), `${p} stepped`);
      assert.equal(m.stepped, m.stepped, 'made once');
      assert.equal(!!m.flat.qemu45, p === '4.5');
      assert.equal(!!m.stepped.qemu45, p === '4.5');
      assert.equal(!!m.flat.x421, p.startsWith('4.21'));
      assert.equal(!!m.stepped.x421, p.startsWith('4.21'));
      // Every class of the build works on the model's one Xen.
      assert.equal(m.flat.libxc.x, m.x);
      assert.equal(m.flat.libxc.hvm, m.flat.hvm);
      assert.equal(m.stepped.libxc.hvm, m.stepped.hvm);
      if (m.flat.x421) assert.equal(m.flat.x421.hvm, m.flat.hvm as unknown);
      if (m.stepped.x421) assert.equal(m.stepped.x421.hvm, m.stepped.hvm as unknown);
    }
    // A given Xen is used, not a new one.
    const a = new Model('seed');
    assert.equal(new Model('seed', a.x).x, a.x);
  });

  it('boot: dom0, a PV domain with one vcpu, running (not paused by the controller)', () => {
    const m = new Model('seed').boot();
    const d0 = m.x.domains.get(0)!;
    assert.deepEqual([d0.is_hvm, d0.vcpu.length, d0.pause_count], [false, 1, 0]);
    assert.equal(m.x.actor, 'toolstack', 'dom0 is made by the toolstack');
  });

  it('setCloneSharing switches both the page and the port-table sharing', () => {
    const was = [sharing.on, evtchnSharing.on];
    try {
      setCloneSharing(false);
      assert.deepEqual([sharing.on, evtchnSharing.on], [false, false]);
      setCloneSharing(true);
      assert.deepEqual([sharing.on, evtchnSharing.on], [true, true]);
    } finally { sharing.on = was[0]; evtchnSharing.on = was[1]; }
  });

  it('frameSink: one per Xen, kept', () => {
    const a = new Model('seed'), b = new Model('seed');
    assert.equal(frameSink(a.x), frameSink(a.x));
    assert.notEqual(frameSink(a.x), frameSink(b.x));
    assert.deepEqual(frameSink(a.x).frames, []);
    assert.equal(a.frames, frameSink(a.x).frames);
  });

  it('flatRun: actor and current set for the call, current reset after; its value returned', () => {
    const m = new Model('seed').boot();
    const v = m.x.domains.get(0)!.vcpu[0];
    const r = m.flatRun('qemu', v, () => { assert.equal(m.x.current, v); assert.equal(m.x.actor, 'qemu'); return 7; });
    assert.deepEqual(r, { value: 7 });
    assert.equal(m.x.current, null);
    assert.equal(m.x.actor, 'qemu');
  });

  it('flatRun: a Xen panic is the host\'s; after it nothing runs; any other exception is a defect and propagates', () => {
    const m = new Model('seed').boot();
    const v = m.x.domains.get(0)!.vcpu[0];
    assert.throws(() => m.flatRun('a', v, () => { throw new TypeError('bug'); }), TypeError);
    assert.equal(m.x.current, null, 'reset even then');
    assert.equal(m.x.panic, null);
    const r = m.flatRun('a', v, () => { throw new XenPanic('hvm_f', 'BUG_ON: x'); });
    assert.deepEqual(r, { value: undefined, panic: 'BUG_ON: x' });
    assert.deepEqual(m.x.panic, { fn: 'hvm_f', message: 'BUG_ON: x' });
    assert.equal(m.x.current, null);
    let ran = false;
    m.x.actor = 'before';
    assert.deepEqual(m.flatRun('b', v, () => { ran = true; return 1; }), { value: undefined, panic: 'BUG_ON: x' });
    assert.equal(ran, false);
    assert.equal(m.x.actor, 'before', 'not even the actor changes');
  });

  it('steppedRun: a frame list at each stop, emptied at the end; actor and current set at every step; panics as flatRun', () => {
    const m = new Model('seed').boot();
    const v = m.x.domains.get(0)!.vcpu[0];
    m.frames.push({ fn: 'stale', unit: 'xen', at: 'x', locals: {} });
    const g = m.steppedRun('toolstack', v, (s) => s.libxc.xcDomainCreate(1, 1, true));
    let n = 0, r;
    for (;;) {
      r = g.next();
      if (r.done) break;
      n++;
      assert.equal(r.value, m.frames);
      assert.ok(r.value.length > 0 && r.value[0].fn !== 'stale', 'the stale frames were dropped');
      assert.equal(r.value[0].fn, 'xc_domain_create');
      assert.equal(m.x.current, v);
      assert.equal(m.x.actor, 'toolstack');
      m.x.actor = 'someone else'; m.x.current = null; // another actor runs between two steps
    }
    assert.deepEqual(r.value, { value: 0 });
    assert.ok(n > 10);
    assert.deepEqual(m.frames, []);
    assert.equal(m.x.current, null);
    // A panic inside: recorded, the frames emptied; then nothing runs.
    const h = m.steppedRun('x', null, function* () { yield { at: 'a' }; throw new XenPanic('f', 'ASSERT failed'); } as never);
    h.next();
    assert.deepEqual(h.next(), { done: true, value: { value: undefined, panic: 'ASSERT failed' } });
    assert.deepEqual(m.x.panic, { fn: 'f', message: 'ASSERT failed' });
    assert.deepEqual(m.frames, []);
    const k = m.steppedRun('y', null, (s) => s.libxc.xcDomainCreate(2, 1, false));
    assert.deepEqual(k.next(), { done: true, value: { value: undefined, panic: 'ASSERT failed' } });
    assert.equal(m.x.domains.has(2), false);
    // Another exception propagates.
    const m2 = new Model('seed').boot();
    const e = m2.steppedRun('x', null, function* () { throw new RangeError('bug'); } as never);
    assert.throws(() => e.next(), RangeError);
    assert.equal(m2.x.panic, null);
  });

  it('addDeviceModel: registered under its name, with its domain, target and vcpu count', () => {
    const m = new Model('seed').boot();
    const dm = m.addDeviceModel('qemu', 0, 1, 3);
    assert.equal(m.dms.get('qemu'), dm);
    assert.deepEqual([dm.domid, dm.target, dm.max_cpus], [0, 1, 3]);
  });

  it('clone (seed): the device model maps the clone\'s own ioreq and buffered pages; writes stay on their side', () => {
    const m = endOf('06-two-vcpus-on-demand.ioreq.json');
    const c = m.clone();
    assert.equal(c.profile, m.profile);
    assert.notEqual(c.x, m.x);
    const q = m.dms.get('qemu')!, cq = c.dms.get('qemu')!;
    assert.notEqual(cq, q);
    const cd = c.x.domains.get(1)!;
    // QEMU's mapping in the clone is the clone's frame: Xen's and QEMU's views agree there.
    A.setState(cq.shared_page!, A.ioreqOffset(0), A.STATE_IOREQ_READY);
    assert.equal(A.getState(cd.physmap.get(q.ioreq_pfn)!.dv!, A.ioreqOffset(0)), A.STATE_IOREQ_READY);
    assert.equal(A.getState(q.shared_page!, A.ioreqOffset(0)), A.STATE_IOREQ_NONE, 'the original untouched');
    cq.buffered_io_page!.setUint32(A.BUF_OFF_WRITE_POINTER, 5, true);
    assert.equal(A.readBufPointers(cd.physmap.get(q.bufioreq_pfn)!.dv!).write_pointer, 5);
    assert.equal(A.readBufPointers(q.buffered_io_page!).write_pointer, 0);
    // Events: left out unless asked.
    assert.equal(m.clone(true).x.events.length, m.x.events.length);
  });

  it('clone: a device model that mapped nothing maps nothing; a mapping of a frame gone keeps its bytes, its own', () => {
    const m = endOf('06-two-vcpus-on-demand.ioreq.json');
    const q = m.dms.get('qemu')!;
    const fresh = m.addDeviceModel('idle', 0, 1, 2);
    fresh.ioreq_pfn = q.ioreq_pfn; fresh.bufioreq_pfn = q.bufioreq_pfn; // asked, never mapped
    let c = m.clone();
    assert.deepEqual([c.dms.get('idle')!.shared_page, c.dms.get('idle')!.buffered_io_page], [null, null]);
    // The frames removed from the guest's p2m: the clone's QEMU keeps a copy of what it mapped.
    const d = m.x.domains.get(1)!;
    A.setState(q.shared_page!, A.ioreqOffset(1), A.STATE_IORESP_READY);
    d.physmap.delete(q.ioreq_pfn); d.physmap.delete(q.bufioreq_pfn);
    c = m.clone();
    const cq = c.dms.get('qemu')!;
    assert.ok(cq.shared_page && cq.buffered_io_page);
    assert.equal(A.getState(cq.shared_page, A.ioreqOffset(1)), A.STATE_IORESP_READY);
    A.setState(cq.shared_page, A.ioreqOffset(1), A.STATE_IOREQ_NONE);
    assert.equal(A.getState(q.shared_page!, A.ioreqOffset(1)), A.STATE_IORESP_READY, 'forked, not shared');
    // A plain DataView mapping (no PageView): copied.
    q.shared_page = new DataView(new ArrayBuffer(A.PAGE_SIZE));
    q.shared_page.setUint8(7, 9);
    q.ioreq_pfn = -1; q.bufioreq_pfn = -1;
    c = m.clone();
    const cp = c.dms.get('qemu')!.shared_page!;
    assert.ok(!(cp instanceof PageView));
    assert.equal(cp.getUint8(7), 9);
    cp.setUint8(7, 1);
    assert.equal(q.shared_page.getUint8(7), 9);
    // A pfn never asked (-1) with a mapping: forked, not looked up.
    q.shared_page = new PageView(new PageStore()) as unknown as DataView;
    c = m.clone();
    assert.ok(c.dms.get('qemu')!.shared_page instanceof PageView);
    assert.notEqual(c.dms.get('qemu')!.shared_page, q.shared_page);
  });

  it('clone (4.21): a device model maps its server\'s pages in the clone (they have no gfn)', () => {
    const m = endOf('28-x421-qemu-port-round-trip.ioreq.json');
    const c = m.clone();
    const q = m.dms.get('qemu')!, cq = c.dms.get('qemu')!;
    const cs = c.x.domains.get(1)!.x421.server[q.ioservid]!;
    A.setState(cq.shared_page!, A.ioreqOffset(0), A.STATE_IOREQ_READY);
    assert.equal(A.getState(cs.ioreq.va!, A.ioreqOffset(0)), A.STATE_IOREQ_READY, 'the clone server\'s page');
    assert.equal(A.getState(q.shared_page!, A.ioreqOffset(0)), A.STATE_IOREQ_NONE);
    cq.buffered_io_page!.setUint32(A.BUF_OFF_WRITE_POINTER, 3, true);
    assert.equal(A.readBufPointers(cs.bufioreq.va!).write_pointer, 3);
    // A device model that never mapped the buffered page does not get it.
    q.buffered_io_page = null;
    assert.equal(m.clone().dms.get('qemu')!.buffered_io_page, null);
    // Its server gone from the clone's source: the mapping forked.
    const s = m.x.domains.get(1)!.x421.server[q.ioservid]!;
    m.x.domains.get(1)!.x421.server[q.ioservid] = null;
    const c2 = m.clone();
    assert.ok(c2.dms.get('qemu')!.shared_page);
    m.x.domains.get(1)!.x421.server[q.ioservid] = s;
    // A device model with a server id but its target gone: forked too.
    q.target = 9;
    assert.ok(m.clone().dms.get('qemu')!.shared_page);
  });

  it('clone: a seed-era device model whose target is gone keeps its mappings as its own', () => {
    const m = endOf('06-two-vcpus-on-demand.ioreq.json');
    const q = m.dms.get('qemu')!;
    q.target = 9;
    const cq = m.clone().dms.get('qemu')!;
    assert.ok(cq.shared_page && cq.buffered_io_page);
    assert.notEqual(cq.shared_page, q.shared_page);
  });

  it('clone (4.21): a device model that never mapped its server\'s ioreq page does not get it', () => {
    const m = endOf('28-x421-qemu-port-round-trip.ioreq.json');
    const q = m.dms.get('qemu')!;
    q.shared_page = null;
    const cq = m.clone().dms.get('qemu')!;
    assert.equal(cq.shared_page, null);
    assert.ok(cq.buffered_io_page, 'its buffered mapping still there');
  });

  it('the stepped build\'s frames name their unit: xen, libxc, qemu, or dm for today\'s other device models', () => {
    const units = (m: Model, fn: (s: Model['stepped']) => Generator<unknown, unknown, void>) => {
      const seen = new Set<string>();
      const g = m.steppedRun('t', null, fn as never);
      // (Only the frames matter here: a call made without the rest of its set-up may fail after its first stops.)
      try { for (let r = g.next(); !r.done; r = g.next()) for (const f of r.value) seen.add(`${f.unit}:${f.fn}`); } catch { /* its frames so far */ }
      return seen;
    };
    for (const p of ['seed', 'legacy', '4.5'] as const) {
      const m = new Model(p).boot();
      const u = units(m, (s) => s.libxc.xcDomainCreate(1, 1, true) as never);
      assert.ok(u.has('libxc:xc_domain_create') && [...u].some((x) => x.startsWith('xen:')), `${p}: ${[...u]}`);
      assert.ok([...u].every((x) => /^(libxc|xen):/.test(x)));
      const q = m.addDeviceModel('q', 0, 1, 1);
      const uq = units(m, (s) => (p === '4.5' ? s.qemu45!.xenHvmInitIoreqServer(q) : s.qemu.xenHvmInit(q)) as never);
      assert.ok([...uq].some((x) => x.startsWith('qemu:')), `${p} qemu: ${[...uq]}`);
    }
    for (const p of ['4.21', '4.21-arm'] as const) {
      const m = new Model(p).boot();
      const u = units(m, (s) => s.libxc.xcDomainCreate(1, 1, true) as never);
      assert.ok(u.has('libxc:xc_domain_create') && [...u].some((x) => x.startsWith('xen:')), `${p}: ${[...u]}`);
      const x = m.stepped.x421!;
      const dm = m.addDeviceModel('q', 0, 1, 1);
      assert.ok([...units(m, () => x.qemu.xenDoIoreqRegister(dm) as never)].some((k) => k.startsWith('qemu:')));
      assert.ok([...units(m, () => x.varstored.varstoredInitialize(dm) as never)].some((k) => k.startsWith('dm:varstored')), 'varstored');
      assert.ok([...units(m, () => x.virtio.virtioBackendInit(dm) as never)].some((k) => k.startsWith('dm:')), 'virtio');
      assert.ok([...units(m, () => x.kernel.privcmdIoeventfdAssign(dm, dm, 0x2000000n, 4, 0, false) as never)].some((k) => k.startsWith('dm:')), 'privcmd');
    }
  });

  it('clone: a mapping of frame 0 (a param read as 0, mapped as gfn 0 all the same) is the clone\'s frame 0', () => {
    const m = endOf('06-two-vcpus-on-demand.ioreq.json');
    const q = m.dms.get('qemu')!;
    const d = m.x.domains.get(1)!;
    q.ioreq_pfn = 0; q.bufioreq_pfn = 0;
    q.shared_page = d.page(0)!.data();
    q.buffered_io_page = q.shared_page;
    const c = m.clone();
    const cq = c.dms.get('qemu')!;
    c.x.domains.get(1)!.physmap.get(0)!.data().setUint8(40, 7);
    assert.deepEqual([cq.shared_page!.getUint8(40), cq.buffered_io_page!.getUint8(40), q.shared_page.getUint8(40)], [7, 7, 0]);
  });

  it('a fresh load of the model instruments each stepped class once, each frame with its unit', () => {
    // The stepped classes are instrumented once per process (at the first Model.stepped): load the model's modules
    // afresh (their require cache set aside, then put back), so that this instrumentation is the one checked.
    const root = path.dirname(require.resolve('../../src/model/model'));
    const saved = new Map<string, NodeModule>();
    for (const k of Object.keys(require.cache)) if (k.startsWith(root + path.sep)) { saved.set(k, require.cache[k]!); delete require.cache[k]; }
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      const F = require('../../src/model/model') as typeof import('../../src/model/model');
      assert.notEqual(F.Model, Model, 'a fresh copy');
      const unitsOf = (m: InstanceType<typeof F.Model>, fn: (s: InstanceType<typeof F.Model>['stepped']) => unknown) => {
        const seen = new Set<string>();
        const g = m.steppedRun('t', null, fn as never);
        try { for (let r = g.next(); !r.done; r = g.next()) for (const f of r.value) seen.add(`${f.unit}:${f.fn}`); } catch { /* its frames so far */ }
        return [...seen];
      };
      const has = (u: string[], unit: string) => u.some((x) => x.startsWith(`${unit}:`));
      for (const p of ['seed', 'legacy', '4.5'] as const) {
        const m = new F.Model(p).boot();
        const u = unitsOf(m, (s) => s.libxc.xcDomainCreate(1, 1, true));
        assert.ok(u.includes('libxc:xc_domain_create') && has(u, 'xen'), `${p}: ${u}`);
        const q = m.addDeviceModel('q', 0, 1, 1);
        assert.ok(has(unitsOf(m, (s) => s.qemu.xenHvmInit(q)), 'qemu'), `${p} qemu`);
        if (p === '4.5') assert.ok(has(unitsOf(m, (s) => s.qemu45!.xenHvmInitIoreqServer(q)), 'qemu'), '4.5 qemu');
        // A second Model's stepped build: no second instrumentation (each frame pushed once).
        const m2 = new F.Model(p).boot();
        const g = m2.steppedRun('t', null, (s) => s.libxc.xcDomainCreate(1, 1, true));
        const r = g.next();
        assert.ok(!r.done && r.value.length === 1 && r.value[0].fn === 'xc_domain_create', `${p}: one frame at the first stop`);
      }
      for (const p of ['4.21', '4.21-arm'] as const) {
        const m = new F.Model(p).boot();
        const u = unitsOf(m, (s) => s.libxc.xcDomainCreate(1, 1, true));
        assert.ok(has(u, 'xen') && has(u, 'libxc'), `${p}: ${u}`);
        const dm = m.addDeviceModel('q', 0, 1, 1);
        assert.ok(has(unitsOf(m, (s) => s.x421!.qemu.xenDoIoreqRegister(dm)), 'qemu'), `${p} qemu`);
        assert.ok(has(unitsOf(m, (s) => s.x421!.varstored.varstoredInitialize(dm)), 'dm'), `${p} varstored`);
        assert.ok(has(unitsOf(m, (s) => s.x421!.virtio.virtioBackendInit(dm)), 'dm'), `${p} virtio`);
        assert.ok(has(unitsOf(m, (s) => s.x421!.kernel.privcmdIoeventfdAssign(dm, dm, 0x2000000n, 4, 0, false)), 'dm'), `${p} privcmd`);
      }
    } finally {
      for (const k of Object.keys(require.cache)) if (k.startsWith(root + path.sep)) delete require.cache[k];
      for (const [k, v] of saved) require.cache[k] = v;
    }
  });
});
