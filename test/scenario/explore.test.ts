// The explorer's invariants, each on a scenario built to break it, and cancellation.
import { strict as assert } from 'node:assert';
import { explore, PROGRESS_EVERY_MS, type ExploreProgress } from '../../src/scenario/explore';
import { parseScenario } from '../../src/scenario/parse';

const base = [
  { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 },
  { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
];
const sc = (steps: unknown[], extra: Record<string, unknown> = {}) =>
  parseScenario(JSON.stringify({ profile: 'seed', deviceModels: [{ name: 'qemu', target: 1 }], steps: [...base, ...steps], ...extra }), 'inline.ioreq.json');

describe('explore: invariants', () => {
  it('impossible-slot-state: a device model writes a state outside Xen four', () => {
    const r = explore(sc([
      { actor: 'qemu', op: 'xen_hvm_init' },
      { actor: 'qemu', op: 'write_state', vcpu: 0, state: 9 },
    ]), { maxStates: 10000, hashing: true });
    const v = r.violations.find((x) => x.kind === 'impossible-slot-state');
    assert.ok(v, JSON.stringify(r.violations.map((x) => x.kind)));
    assert.match(v.message, /state 9/);
    assert.equal(v.trail[v.trail.length - 1], 3, 'the shortest interleaving ends with the write');
  });

  it('page-mapped-twice: IOREQ_PFN and BUFIOREQ_PFN set to the same frame before creation', () => {
    const r = explore(sc([
      { actor: 'toolstack', op: 'hvmop_set_param', domid: 1, param: 'BUFIOREQ_PFN', value: '0xfeff9' },
      { actor: 'qemu', op: 'hvmop_get_param', param: 'IOREQ_PFN' },
    ]), { maxStates: 10000, hashing: true });
    assert.ok(r.violations.some((x) => x.kind === 'page-mapped-twice' && /0xfeff9 is mapped by Xen 2 times/.test(x.message)));
  });

  it('panic: a device model writes a vp_eport that does not exist, and the next request notifies it', () => {
    const r = explore(sc([
      { actor: 'qemu', op: 'xen_hvm_init' },
      { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1, when: { path: 'deviceModels.0.bufioreqLocalPort', notEquals: -1 } },
      { actor: 'qemu', op: 'write_bytes', page: 'ioreq', offset: 24, bytes: 'a00f0000', when: { path: 'domains.1.pauseCount', equals: 0 } },
      { actor: 'd1v0', op: 'pio_write', port: 0x3f8, size: 1, value: 1, when: { path: 'domains.1.vcpus.0.slot.vp_eport', equals: 4000 } },
    ]), { maxStates: 10000, hashing: true });
    assert.ok(r.violations.some((x) => x.kind === 'panic' && /port_is_valid/.test(x.message)), JSON.stringify(r.violations.map((x) => x.message)));
  });

  it("expectation: the file's own expectation fails at a final state, with its location", () => {
    const r = explore(sc([{ actor: 'qemu', op: 'xen_hvm_init', when: { path: 'domains.1.params.IOREQ_PFN', exists: true } }],
      { expect: [{ path: 'domains.1.ioreqServer.domid', equals: 5 }] }), { maxStates: 10000, hashing: true });
    const v = r.violations.find((x) => x.kind === 'expectation');
    assert.ok(v, JSON.stringify(r.violations.map((x) => x.kind)));
    assert.match(v.message, /domains\.1\.ioreqServer\.domid == 5 \(got 0\) \(inline\.ioreq\.json:1:\d+\)/);
    assert.ok((v.counterexample.expect as unknown[]).length === 1, 'the counterexample keeps the expectation');
  });

  it('an allowed violation is not reported', () => {
    const r = explore(sc([{ actor: 'qemu', op: 'xen_hvm_init' }, { actor: 'qemu', op: 'write_state', vcpu: 0, state: 9 }], { explore: { allow: ['impossible-slot-state'] } }),
      { maxStates: 10000, hashing: true });
    assert.ok(!r.violations.some((x) => x.kind === 'impossible-slot-state'));
    assert.ok(r.violations.some((x) => x.kind === 'deadlock'), 'other kinds are still reported (QEMU before the build)');
  });

  it('a cancelled search stops early and says it is incomplete', () => {
    const steps: unknown[] = [{ actor: 'qemu', op: 'xen_hvm_init' }];
    for (let i = 0; i < 6; i++) steps.push({ actor: 'toolstack', op: 'evtchn_alloc_unbound', domid: 1, remote: 0 }, { actor: 'qemu', op: 'handle_buffered_iopage' });
    let polls = 0;
    const r = explore(sc(steps), { maxStates: 1_000_000, hashing: false, shouldStop: () => ++polls > 1 });
    assert.equal(r.complete, false);
    assert.ok(r.statesExplored < 1000, `${r.statesExplored} states`);
  });

  it('progress is reported where cancellation is polled: states so far, the frontier, the depth, the heap', () => {
    const steps: unknown[] = [{ actor: 'qemu', op: 'xen_hvm_init' }];
    for (let i = 0; i < 5; i++) steps.push({ actor: 'toolstack', op: 'evtchn_alloc_unbound', domid: 1, remote: 0 }, { actor: 'qemu', op: 'handle_buffered_iopage' });
    const reports: ExploreProgress[] = [];
    const r = explore(sc(steps), { maxStates: 1_000_000, hashing: false, progressEveryMs: 0, progress: (p) => reports.push(p) });
    assert.ok(r.complete);
    assert.ok(reports.length >= 2, `${r.statesExplored} states: too few to poll twice`);
    // Polled every 256 states stored: with no least interval, one report each time.
    assert.equal(reports.length, Math.floor(r.statesExplored / 256), `${reports.length} reports for ${r.statesExplored} states`);
    reports.forEach((p, i) => {
      assert.equal(p.states, 256 * (i + 1));
      assert.ok(p.frontier > 0 && p.depth > 0 && p.depth <= r.maxDepth && p.heapBytes > 0, JSON.stringify(p));
      if (i) assert.ok(p.seconds >= reports[i - 1].seconds && p.depth >= reports[i - 1].depth, 'time and depth only go forward (breadth-first)');
    });
    // The default least interval keeps reports a quarter of a second apart at least.
    const spaced: ExploreProgress[] = [];
    explore(sc(steps), { maxStates: 1_000_000, hashing: false, progress: (p) => spaced.push(p) });
    for (let i = 1; i < spaced.length; i++) assert.ok(spaced[i].seconds - spaced[i - 1].seconds >= PROGRESS_EVERY_MS / 1000 - 1e-9);
  });
});

describe('explore: the invariants of several ioreq servers', () => {
  // Imported here so the block stands alone: the invariants checked in every state, and a session to build states.
  const { stateViolations } = require('../../src/scenario/explore') as typeof import('../../src/scenario/explore');
  const { Session } = require('../../src/scenario/exec') as typeof import('../../src/scenario/exec');
  const G = { path: 'domains.1.params.IOREQ_SERVER_PFN', exists: true };
  const base = (dms: string[]) => [
    { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 },
    { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
    ...dms.map((n) => ({ actor: n, op: 'xen_register_ioreq', when: G })),
  ];
  const sc = (steps: unknown[], dms = ['qemu']) => parseScenario(JSON.stringify({ profile: '4.21',
    deviceModels: dms.map((name) => ({ name, domid: 0, target: 1 })), steps }), 'inv.ioreq.json');
  const after = (steps: unknown[], dms = ['qemu']) => {
    const s = sc(steps, dms);
    const ses = new Session(s);
    for (const st of s.steps) { assert.equal(ses.blocked(st), null, `${st.op} can run`); ses.runFlat(st); }
    return stateViolations(ses).map((v) => v.kind);
  };
  const io = [
    { actor: 'qemu', op: 'xendevicemodel_map_io_range_to_ioreq_server', type: 'port', start: '0x3f8', end: '0x3ff' },
    { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 },
    { actor: 'd1v0', op: 'pio_write', port: '0x3f8', size: 1, value: '0x41' },
  ];

  it('a well-behaved request in flight breaks none of them', () => {
    assert.deepEqual(after([...base(['qemu']), ...io]), []);
  });

  it('request-to-disabled-server: the device model disables its server while a request waits in it', () => {
    assert.ok(after([...base(['qemu']), ...io, { actor: 'qemu', op: 'xendevicemodel_set_ioreq_server_state', enabled: false }]).includes('request-to-disabled-server'));
  });

  it('request-outside-range: a slot made READY by hand holds a request no range of its server covers', () => {
    assert.ok(after([...base(['qemu']), { actor: 'qemu', op: 'write_state', vcpu: 0, state: 1 }]).includes('request-outside-range'));
  });

  it("request-to-several-servers: a second server's slot for the same vcpu made READY while the real request waits", () => {
    const steps = [...base(['qemu', 'other']), ...io, { actor: 'other', op: 'write_state', vcpu: 0, state: 1 }];
    assert.ok(after(steps, ['qemu', 'other']).includes('request-to-several-servers'));
  });

  it('buffered-entry-overwritten: more than 32 unconsumed entries across the 2^32 wrap (2^32 mod 511 = 32), not 32, not without the wrap', () => {
    // A LEGACY ring (Xen leaves its pointers alone) starting at `start`, then n one-byte VGA writes QEMU has not read.
    const ring = (start: number, n: number) => {
      const le = (x: number) => [0, 8, 16, 24].map((s) => ((x >>> s) & 0xff).toString(16).padStart(2, '0')).join('');
      return after([
        { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 }, { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
        { actor: 'qemu', op: 'xen_register_ioreq', bufioreq: 'legacy', when: G },
        { actor: 'qemu', op: 'xendevicemodel_map_io_range_to_ioreq_server', type: 'memory', start: '0xa0000', end: '0xbffff' },
        { actor: 'qemu', op: 'write_bytes', page: 'bufioreq', offset: 0, bytes: le(start) + le(start) },
        { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 },
        ...Array.from({ length: n }, (_, k) => ({ actor: 'd1v0', op: 'mmio_write', addr: '0xa0000', size: 1, value: k & 0xff })),
      ]);
    };
    assert.deepEqual(ring(2 ** 32 - 16, 32), [], '32 entries across the wrap still have a slot each');
    assert.deepEqual(ring(2 ** 32 - 16, 33), ['buffered-entry-overwritten']);
    assert.deepEqual(ring(0, 40), [], 'no wrap, no shared slot');
  });

  it('memory-leak: more ioreq-server structs allocated than any domain reaches (seed era)', () => {
    const s = parseScenario(JSON.stringify({ profile: 'seed', deviceModels: [{ name: 'qemu', domid: 0, target: 1 }], steps: [
      { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 }, { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
      { actor: 'qemu', op: 'hvmop_get_param', param: 'IOREQ_PFN' }] }), 'leak.ioreq.json');
    const ses = new Session(s);
    for (const st of s.steps) ses.runFlat(st);
    assert.deepEqual(stateViolations(ses).map((v) => v.kind), [], 'one server, allocated and reachable');
    ses.m.x.heap.hvm_ioreq_server = (ses.m.x.heap.hvm_ioreq_server ?? 0) + 1; // as a failure path that forgot its xfree
    assert.deepEqual(stateViolations(ses).map((v) => v.kind), ['memory-leak']);
  });
});

describe('explore: counterexamples people can read', () => {
  const fs = require('node:fs') as typeof import('node:fs');
  const path = require('node:path') as typeof import('node:path');
  const DIR = path.join(__dirname, '../../../scenarios');
  const switchesOf = (sc: ReturnType<typeof parseScenario>, trail: number[]) =>
    trail.reduce((n, i, k) => n + (k > 0 && sc.steps[trail[k - 1]].actor !== sc.steps[i].actor ? 1 : 0), 0);

  for (const name of ['20-explore-lost-request.ioreq.json', '29-x421-hazard-enable-before-map.ioreq.json']) {
    it(`${name}: the shortest trail, and among the shortest the fewest switches between actors (as the search without merging finds)`, () => {
      const file = path.join(DIR, name);
      const sc = parseScenario(fs.readFileSync(file, 'utf8'), file);
      const merged = explore(sc, { maxStates: 200000, hashing: true });
      const every = explore(sc, { maxStates: 2000000, hashing: false });
      assert.equal(every.complete, true);
      for (const v of merged.violations) {
        const w = every.violations.find((x) => x.kind === v.kind)!;
        assert.ok(w, v.kind);
        assert.equal(v.trail.length, w.trail.length, `${v.kind}: shortest`);
        assert.equal(v.switches, w.switches, `${v.kind}: fewest switches among the shortest`);
        assert.equal(v.switches, switchesOf(sc, v.trail), `${v.kind}: the count is the trail's`);
      }
    });
  }
});
