// The explorer's partial-order reduction piece by piece (src/scenario/footprint.ts, mutation testing): the footprints
// the ops declare (a guest access, a device model's service), what a step's `when` reads, the component index of a
// scenario (its names in order, the patterns over them, the visibility tokens a set of writes carries), the bits
// prepareReduction derives, and the persistent set chosen at a state. Scenarios here are built by hand (no parse, no
// search), so each check is exact and fast: every mutant of footprint.ts runs this whole file.
import assert from 'node:assert/strict';
import {
  ComponentIndex, EVERYTHING, dmServeFootprint, persistentSet, prepareReduction, stepFootprint, vcpuIoFootprint,
  type Footprint, type FootprintContext, type FootprintDecl, type Reduction,
} from '../../src/scenario/footprint';
import { explore } from '../../src/scenario/explore';
import { parseScenario } from '../../src/scenario/parse';
import type { Expectation, Scenario, Step } from '../../src/scenario/types';

const loc = { file: 'fp.ioreq.json', line: 1, column: 1 };

/** A step as the parser makes it: a dNvM actor is that vcpu, 'toolstack' the toolstack, any other name a device model. */
function st(index: number, actor: string, op: string, args: Record<string, unknown> = {}, when?: Expectation): Step {
  const v = /^d(\d+)v(\d+)$/.exec(actor);
  const kind = v ? 'vcpu' : actor === 'toolstack' ? 'toolstack' : 'dm';
  return { index, op, actor, actorKind: kind, ...(v ? { domid: Number(v[1]), vcpu: Number(v[2]) } : {}), args, after: [], when, loc, raw: {} } as Step;
}

/** A scenario of these device models ([name, domid, target]) and steps (their index is their position). */
function scen(dms: Array<[string, number, number]>, steps: Step[]): Scenario {
  return {
    file: 'fp.ioreq.json', name: 'fp', description: '', profile: 'seed',
    deviceModels: dms.map(([name, domid, target]) => ({ name, domid, target, kind: 'qemu', resourceUnsupported: false, loc })),
    steps: steps.map((s, i) => ({ ...s, index: i })), expect: [], allow: new Set<string>(), doc: {}, revert: [], warnings: [],
  } as unknown as Scenario;
}

/** The names a mask's bits stand for, in the index's order. */
const namesOf = (idx: ComponentIndex, m: bigint): string[] => idx.names.filter((_, i) => ((m >> BigInt(i)) & 1n) === 1n);

/** A domain's components as the index lays them out: structure, run, vga, ram, unmapped ring, the rings, vcpus, v?. */
const dom = (d: number, vcpus: number, rings: string[] = []): string[] =>
  [`d${d}`, `d${d}.run`, `d${d}.vga`, `d${d}.ram`, `d${d}.buf`, ...rings.map((r) => `d${d}.buf.${r}`),
    ...Array.from({ length: vcpus }, (_, v) => `d${d}.v${v}`), `d${d}.v?`];

describe('footprint.ts: the partial-order reduction', () => {
  describe('declared footprints', () => {
    it('EVERYTHING reads and writes every component and nothing optimistically', () => {
      assert.deepEqual(EVERYTHING, { reads: ['*'], writes: ['*'] });
    });

    it('a guest access reads and writes its vcpu, reads its domain, its run state and every domain; its run state is optimistic', () => {
      const s = st(0, 'd2v3', 'pio_write');
      const plain = { reads: ['d2.v3', 'd2', 'd2.run', 'd*'], writes: ['d2.v3'], optimistic: ['d2.run'] };
      assert.deepEqual(vcpuIoFootprint(s), plain);
      assert.deepEqual(vcpuIoFootprint(s, {}), plain);
      assert.deepEqual(vcpuIoFootprint(s, { buf: false, vga: false, ram: false, domain: false, completes: false }), plain);
    });

    it('each extra of a guest access adds its component to the reads and writes, in the order buf, vga, ram, domain', () => {
      const s = st(0, 'd1v0', 'x');
      const with_ = (rw: string[]) => ({ reads: [...rw, 'd1', 'd1.run', 'd*'], writes: rw, optimistic: ['d1.run'] });
      assert.deepEqual(vcpuIoFootprint(s, { buf: true }), with_(['d1.v0', 'd1.buf*']));
      assert.deepEqual(vcpuIoFootprint(s, { vga: true }), with_(['d1.v0', 'd1.vga']));
      assert.deepEqual(vcpuIoFootprint(s, { ram: true }), with_(['d1.v0', 'd1.ram']));
      assert.deepEqual(vcpuIoFootprint(s, { domain: true }), with_(['d1.v0', 'd1']));
      assert.deepEqual(vcpuIoFootprint(s, { domain: true, ram: true, vga: true, buf: true }), with_(['d1.v0', 'd1.buf*', 'd1.vga', 'd1.ram', 'd1']));
    });

    it('completing an access also reads stdvga and RAM, without writing them', () => {
      const s = st(0, 'd1v1', 'hvm_do_resume');
      assert.deepEqual(vcpuIoFootprint(s, { completes: true }),
        { reads: ['d1.v1', 'd1.vga', 'd1.ram', 'd1', 'd1.run', 'd*'], writes: ['d1.v1'], optimistic: ['d1.run'] });
      assert.deepEqual(vcpuIoFootprint(s, { completes: true, ram: true }),
        { reads: ['d1.v1', 'd1.ram', 'd1.vga', 'd1.ram', 'd1', 'd1.run', 'd*'], writes: ['d1.v1', 'd1.ram'], optimistic: ['d1.run'] });
    });

    const ctx = (ptr: (d: number, v: number) => boolean): FootprintContext => ({
      dm: (name) => (name === 'qemu' ? { domid: 0, target: 1 } : name === 'stub' ? { domid: 3, target: 2 } : undefined),
      ptrRequests: ptr,
    });

    it("a device model's service writes its state, its ring and the vcpu's slot; reads both domains, their run states, its liveness", () => {
      const f = dmServeFootprint(st(0, 'stub', 'cpu_handle_ioreq'), ctx(() => false), 1);
      assert.deepEqual(f, {
        reads: ['m:stub', 'd2.buf.stub', 'd2.v1', 'd2', 'd3', 'd2.run', 'd3.run', 'm:stub.dead'],
        writes: ['m:stub', 'd2.buf.stub', 'd2.v1'],
        optimistic: ['d2.run', 'm:stub.dead'],
      });
    });

    it("a service of a vcpu that can make a pointer request also reads and writes the target's RAM (asked for that target and vcpu)", () => {
      const asked: Array<[number, number]> = [];
      const c = ctx((d, v) => { asked.push([d, v]); return d === 2 && v === 1; });
      assert.deepEqual(dmServeFootprint(st(0, 'stub', 'cpu_handle_ioreq'), c, 1).writes, ['m:stub', 'd2.buf.stub', 'd2.v1', 'd2.ram']);
      assert.deepEqual(dmServeFootprint(st(0, 'stub', 'cpu_handle_ioreq'), c, 1).reads,
        ['m:stub', 'd2.buf.stub', 'd2.v1', 'd2.ram', 'd2', 'd3', 'd2.run', 'd3.run', 'm:stub.dead']);
      assert.deepEqual(dmServeFootprint(st(0, 'stub', 'cpu_handle_ioreq'), c, 0).writes, ['m:stub', 'd2.buf.stub', 'd2.v0']);
      assert.deepEqual(dmServeFootprint(st(0, 'qemu', 'cpu_handle_ioreq'), c, 1).writes, ['m:qemu', 'd1.buf.qemu', 'd1.v1']);
      assert.deepEqual(asked, [[2, 1], [2, 1], [2, 0], [1, 1]]);
    });

    it('a service of the ring alone (vcpu null) touches no slot and no RAM, even where pointer requests exist', () => {
      const f = dmServeFootprint(st(0, 'qemu', 'handle_buffered_iopage'), ctx(() => true), null);
      assert.deepEqual(f, {
        reads: ['m:qemu', 'd1.buf.qemu', 'd1', 'd0', 'd1.run', 'd0.run', 'm:qemu.dead'],
        writes: ['m:qemu', 'd1.buf.qemu'],
        optimistic: ['d1.run', 'm:qemu.dead'],
      });
    });

    it('a service by a device model the scenario does not declare is EVERYTHING', () => {
      assert.equal(dmServeFootprint(st(0, 'ghost', 'cpu_handle_ioreq'), ctx(() => true), 0), EVERYTHING);
      assert.equal(dmServeFootprint(st(0, 'ghost', 'handle_buffered_iopage'), ctx(() => true), null), EVERYTHING);
    });
  });

  describe('stepFootprint', () => {
    /** The context stepFootprint hands a declaration for this scenario. */
    function contextOf(sc: Scenario): FootprintContext {
      let got: FootprintContext | undefined;
      stepFootprint(sc, sc.steps[0], (_s, c) => { got = c; return EVERYTHING; });
      return got!;
    }

    it('a step without a declaration reads and writes everything', () => {
      const sc = scen([], [st(0, 'toolstack', 'xc_domain_create', { domid: 1, vcpus: 1 })]);
      assert.equal(stepFootprint(sc, sc.steps[0], undefined), EVERYTHING);
    });

    it("a step without `when` has its declaration's footprint as is", () => {
      const sc = scen([['qemu', 0, 1]], [st(0, 'd1v0', 'pio_write')]);
      const f: Footprint = { reads: ['d1.v0'], writes: ['d1.v0'] };
      assert.equal(stepFootprint(sc, sc.steps[0], () => f), f);
    });

    it('the context finds a device model by name', () => {
      const sc = scen([['qemu', 0, 1], ['qemu2', 4, 2]], [st(0, 'qemu2', 'handle_buffered_iopage')]);
      const c = contextOf(sc);
      assert.equal(c.dm('qemu2'), sc.deviceModels[1]);
      assert.equal(c.dm('qemu'), sc.deviceModels[0]);
      assert.equal(c.dm('nobody'), undefined);
    });

    it('pointer requests: only the domain and vcpu whose own steps include a REP string op', () => {
      const sc = scen([['qemu', 0, 1]], [
        st(0, 'd1v0', 'rep_outs'), st(1, 'd2v1', 'rep_ins'), st(2, 'd3v2', 'rep_movs'),
        st(3, 'd1v1', 'pio_write'), st(4, 'd4v0', 'mmio_read'), st(5, 'qemu', 'cpu_handle_ioreq', { vcpu: 0 }),
      ]);
      const c = contextOf(sc);
      const ask = (pairs: Array<[number, number]>) => pairs.map(([d, v]) => c.ptrRequests(d, v));
      assert.deepEqual(ask([[1, 0], [2, 1], [3, 2]]), [true, true, true]);
      assert.deepEqual(ask([[1, 1], [2, 0], [3, 0], [4, 0], [0, 0], [1, 2], [2, 2]]), [false, false, false, false, false, false, false]);
    });

    it('pointer requests: none at all without a REP string op or a forging op', () => {
      const sc = scen([['qemu', 0, 1]], [st(0, 'd1v0', 'pio_write'), st(1, 'd1v0', 'mmio_write'), st(2, 'qemu', 'cpu_handle_ioreq', { vcpu: 0 })]);
      const c = contextOf(sc);
      assert.deepEqual([c.ptrRequests(1, 0), c.ptrRequests(0, 0)], [false, false]);
    });

    for (const forging of ['write_bytes', 'xen_dm_op']) {
      it(`a ${forging} step anywhere makes every vcpu of every domain a possible pointer request`, () => {
        const sc = scen([['qemu', 0, 1]], [st(0, 'd1v0', 'pio_write'), st(1, 'toolstack', forging), st(2, 'qemu', 'cpu_handle_ioreq', { vcpu: 0 })]);
        const c = contextOf(sc);
        assert.deepEqual([c.ptrRequests(1, 0), c.ptrRequests(1, 5), c.ptrRequests(7, 3)], [true, true, true]);
        const serve = stepFootprint(sc, sc.steps[2], (s, cx) => dmServeFootprint(s, cx, 0));
        assert.deepEqual(serve.writes, ['m:qemu', 'd1.buf.qemu', 'd1.v0', 'd1.ram']);
      });
    }

    it("the ops' context reaches the declaration: a service of a vcpu that does REP I/O writes RAM, another vcpu's does not", () => {
      const sc = scen([['qemu', 0, 1]], [st(0, 'd1v0', 'rep_outs'), st(1, 'qemu', 'cpu_handle_ioreq', { vcpu: 0 }), st(2, 'qemu', 'cpu_handle_ioreq', { vcpu: 1 })]);
      const decl: FootprintDecl = (s, cx) => dmServeFootprint(s, cx, s.args.vcpu as number);
      assert.deepEqual(stepFootprint(sc, sc.steps[1], decl).writes, ['m:qemu', 'd1.buf.qemu', 'd1.v0', 'd1.ram']);
      assert.deepEqual(stepFootprint(sc, sc.steps[2], decl).writes, ['m:qemu', 'd1.buf.qemu', 'd1.v1']);
    });

    describe('what a `when` condition reads, added to the reads (writes and optimistic writes kept)', () => {
      const base: Footprint = { reads: ['x'], writes: ['d1.v0'], optimistic: ['d1.run'] };
      const dms: Array<[string, number, number]> = [['qemu', 0, 1], ['vga', 0, 1]];
      const readsOf = (when: Expectation, devices = dms): string[] => {
        const sc = scen(devices, [st(0, 'd1v0', 'pio_write', {}, when)]);
        const f = stepFootprint(sc, sc.steps[0], () => base);
        assert.deepEqual([f.writes, f.optimistic], [base.writes, base.optimistic]);
        return f.reads as string[];
      };
      const path = (p: string) => ({ path: p, exists: true, loc }) as Expectation;

      it('a path under domains.N reads every component of domain N', () => {
        assert.deepEqual(readsOf(path('domains.1.is_dying')), ['x', 'd1.*']);
        assert.deepEqual(readsOf(path('domains.1.evtchnsX')), ['x', 'd1.*']);
        assert.deepEqual(readsOf(path('domains.1.ioreqServer.evtchns')), ['x', 'd1.*']);
        assert.deepEqual(readsOf(path('domains.1.vcpus.0.evtchns.0')), ['x', 'd1.*']);
        assert.deepEqual(readsOf(path('domains.12.params.IOREQ_PFN')), ['x', 'd12.*']);
        assert.deepEqual(readsOf(path('domains.3.vcpu.0')), ['x', 'd3.*']);
      });

      it("a domain's whole document or its event channels read everything: a port's pending bit is the component of the server it serves, in any domain", () => {
        for (const p of ['domains.1', 'domains.1.', 'domains.0.evtchns', 'domains.0.evtchns.0.pending', 'domains.2.evtchns[1].pending', 'domains.12.evtchns.3']) {
          assert.deepEqual(readsOf(path(p)), ['x', '*'], p);
        }
      });

      it('a path under deviceModels.N reads that device model and its liveness', () => {
        assert.deepEqual(readsOf(path('deviceModels.1.bufioreqLocalPort')), ['x', 'm:vga', 'm:vga.dead']);
        assert.deepEqual(readsOf(path('deviceModels.0')), ['x', 'm:qemu', 'm:qemu.dead']);
        const eleven = Array.from({ length: 11 }, (_, i): [string, number, number] => [`dm${i}`, 0, 1]);
        assert.deepEqual(readsOf(path('deviceModels.10.dead'), eleven), ['x', 'm:dm10', 'm:dm10.dead']);
      });

      it('a path under deviceModels.N for no declared device model N reads everything', () => {
        assert.deepEqual(readsOf(path('deviceModels.2.dead')), ['x', '*']);
      });

      it('a path about the device models as a whole reads every device model', () => {
        const all = ['x', 'm:qemu', 'm:qemu.dead', 'm:vga', 'm:vga.dead'];
        assert.deepEqual(readsOf(path('deviceModels')), all);
        assert.deepEqual(readsOf(path('deviceModels.length')), all);
        assert.deepEqual(readsOf(path('deviceModels.0x')), all);
        assert.deepEqual(readsOf(path('deviceModels'), []), ['x']);
      });

      it('any other path reads everything', () => {
        for (const p of ['xen.heap', 'domains', 'domains.1x', 'domains.x.y', 'xdomains.1.a', 'a.domains.1', 'deviceModelsX', 'xdeviceModels.0', 'a.deviceModels']) {
          assert.deepEqual(readsOf(path(p)), ['x', '*'], p);
        }
      });

      it('an expectation that is not a path (a crash, a panic, an event) reads everything', () => {
        assert.deepEqual(readsOf({ crash: 1, loc } as Expectation), ['x', '*']);
        assert.deepEqual(readsOf({ panic: true, loc } as Expectation), ['x', '*']);
        assert.deepEqual(readsOf({ event: 'path', loc } as Expectation), ['x', '*']);
      });
    });
  });

  describe('ComponentIndex', () => {
    /**
     * Domains named out of order: by a device model (qemu runs in d10 and serves d2, stub serves d7), a create with two
     * vcpus (d2), a build (d5: no vcpus), vcpu actors (d2v0, d3v0), and a device model step (no domain).
     */
    const IDX_SC = scen([['qemu', 10, 2], ['stub', 0, 7]], [
      st(0, 'toolstack', 'xc_domain_create', { domid: 2, vcpus: 2 }),
      st(1, 'toolstack', 'xc_hvm_build', { domid: 5 }),
      st(2, 'd2v0', 'pio_write'),
      st(3, 'qemu', 'cpu_handle_ioreq', { vcpu: 0 }),
      st(4, 'd3v0', 'pio_read'),
    ]);
    const IDX_NAMES = [
      'x', ...dom(0, 0), ...dom(2, 2, ['qemu']), ...dom(3, 1), ...dom(5, 0), ...dom(7, 0, ['stub']), ...dom(10, 0),
      'm:qemu', 'm:qemu.dead', 'm:stub', 'm:stub.dead', '?',
      'vis:d0.v?', 'vis:d2.v0', 'vis:d2.v1', 'vis:d2.v?', 'vis:d3.v0', 'vis:d3.v?', 'vis:d5.v?', 'vis:d7.v?', 'vis:d10.v?',
      'vis:x', 'vis:dom',
    ];
    const idx = new ComponentIndex(IDX_SC, []);
    const ALL_VCPU_VIS = IDX_NAMES.filter((n) => /^vis:d\d/.test(n));

    it("names every domain's components (domains in numeric order), the device models, '?', then the visibility tokens", () => {
      assert.deepEqual(idx.names, IDX_NAMES);
      assert.deepEqual(idx.domains, [0, 2, 3, 5, 7, 10]);
      assert.deepEqual(idx.dms, ['qemu', 'stub']);
    });

    it('names domain 0 and its vcpus component even in a scenario that names nothing', () => {
      const empty = new ComponentIndex(scen([], []), []);
      assert.deepEqual(empty.names, ['x', ...dom(0, 0), '?', 'vis:d0.v?', 'vis:x', 'vis:dom']);
      assert.deepEqual(empty.domains, [0]);
    });

    it("takes the vcpus a create names, the vcpus a vcpu actor names, whichever is more", () => {
      const sc = scen([], [st(0, 'd1v3', 'pio_write'), st(1, 'toolstack', 'xc_domain_create', { domid: 1, vcpus: 2 }), st(2, 'd4v0', 'pio_write'), st(3, 'toolstack', 'xc_domain_create', { domid: 6, vcpus: 0 })]);
      const names = new ComponentIndex(sc, []).names;
      assert.deepEqual(names.slice(0, names.indexOf('?')), ['x', ...dom(0, 0), ...dom(1, 4), ...dom(4, 1), ...dom(6, 0)]);
    });

    it('a vcpus count that is not a number names no vcpus', () => {
      const sc = scen([], [st(0, 'toolstack', 'xc_domain_create', { domid: 1, vcpus: '3' })]);
      const names = new ComponentIndex(sc, []).names;
      assert.deepEqual(names.slice(0, names.indexOf('?')), ['x', ...dom(0, 0), ...dom(1, 0)]);
    });

    it('a domid that is not a number names no domain', () => {
      const sc = scen([], [st(0, 'toolstack', 'xc_domain_create', { domid: '4', vcpus: 2 })]);
      assert.deepEqual(new ComponentIndex(sc, []).domains, [0]);
    });

    it("also names the domains and vcpus the footprints name (reads, writes, optimistic), by exact name only", () => {
      const fps: Footprint[] = [
        { reads: ['d12.v10', 'x', '*'], writes: ['d4', 'm:*.dead'], optimistic: ['d6.v1'] },
        { reads: ['vis:d8.v1', 'd9.v1.x'], writes: [] },
      ];
      const big = new ComponentIndex(scen([], []), fps);
      assert.deepEqual(big.domains, [0, 4, 6, 9, 12]);
      const names = big.names;
      assert.deepEqual(names.slice(0, names.indexOf('?')), ['x', ...dom(0, 0), ...dom(4, 0), ...dom(6, 2), ...dom(9, 0), ...dom(12, 11)]);
      assert.deepEqual(names.slice(names.indexOf('?')), ['?', 'vis:d0.v?', 'vis:d4.v?', 'vis:d6.v0', 'vis:d6.v1', 'vis:d6.v?', 'vis:d9.v?',
        ...Array.from({ length: 11 }, (_, v) => `vis:d12.v${v}`), 'vis:d12.v?', 'vis:x', 'vis:dom']);
    });

    it('names each component once, even for a device model declared twice', () => {
      const twice = new ComponentIndex(scen([['q', 0, 1], ['q', 0, 1]], []), []);
      assert.deepEqual(twice.names, ['x', ...dom(0, 0), ...dom(1, 0, ['q']), 'm:q', 'm:q.dead', '?', 'vis:d0.v?', 'vis:d1.v?', 'vis:x', 'vis:dom']);
      assert.equal(twice.all().toString(2).length, twice.names.length);
    });

    it('a device model name that ends like a vcpu or a token is not taken for one (names beyond the schema\'s letters)', () => {
      const odd = new ComponentIndex(scen([['qd1.v0', 0, 1], ['avis:d1.v0', 0, 1]], [st(0, 'd1v0', 'pio_write')]), []);
      assert.deepEqual(odd.names, ['x', ...dom(0, 0), ...dom(1, 1, ['qd1.v0', 'avis:d1.v0']),
        'm:qd1.v0', 'm:qd1.v0.dead', 'm:avis:d1.v0', 'm:avis:d1.v0.dead', '?', 'vis:d0.v?', 'vis:d1.v0', 'vis:d1.v?', 'vis:x', 'vis:dom']);
      assert.deepEqual(namesOf(odd, odd.tokens(odd.mask(['d1.v0']))), ['vis:d1.v0']);
    });

    it('of(): a known key is itself', () => {
      for (const k of ['x', 'd2.v1', 'd2.buf.qemu', 'd7.buf', 'd10.ram', 'm:stub.dead', 'd3.v?']) assert.equal(idx.of(k), k);
    });

    it("of(): a ring of an undeclared device model is its domain's ring; a vcpu not named is its domain's v?; anything else '?'", () => {
      const cases: Array<[string, string]> = [
        ['d2.buf.other', 'd2.buf'], ['d10.buf.q', 'd10.buf'], ['d4.buf.qemu', '?'], ['d2.buf.a.b', '?'], ['xd2.buf.q', '?'], ['d2.buf.', '?'],
        ['d2.v7', 'd2.v?'], ['d10.v12', 'd10.v?'], ['d4.v0', '?'], ['d2.v7x', '?'], ['xd2.v7', '?'], ['d2.v', '?'],
        ['d4', '?'], ['m:ghost', '?'], ['ghost', '?'],
      ];
      assert.deepEqual(cases.map(([k]) => [k, idx.of(k)]), cases);
    });

    it("mask(): '*' anywhere is every component; otherwise the union of the names expanded", () => {
      assert.equal(idx.mask([]), 0n);
      assert.equal(idx.mask(['*']), idx.all());
      assert.equal(idx.mask(['x', '*']), idx.all());
      assert.equal(idx.mask(['d2.v0', '*', 'nonsense']), idx.all());
      assert.deepEqual(namesOf(idx, idx.mask(['x', 'd2.v0', 'd*', 'm:*.dead'])), ['x', 'd0', 'd2', 'd2.v0', 'd3', 'd5', 'd7', 'd10', 'm:qemu.dead', 'm:stub.dead']);
      assert.deepEqual(namesOf(idx, idx.mask(['d2.v0', 'd2.v0'])), ['d2.v0']);
    });

    it('all(): one bit per name, nothing more', () => {
      assert.equal(idx.all().toString(2), '1'.repeat(IDX_NAMES.length));
      assert.deepEqual(namesOf(idx, idx.all()), IDX_NAMES);
    });

    describe('expand()', () => {
      // d1 and d10 both: a pattern of d1 must not reach d10's names.
      const two = new ComponentIndex(scen([['q', 0, 1]], [st(0, 'd10v0', 'pio_write'), st(1, 'd1v0', 'pio_write')]), []);

      it('a name is itself', () => {
        assert.deepEqual(idx.expand('d2.v1'), ['d2.v1']);
        assert.deepEqual(idx.expand('vis:x'), ['vis:x']);
        assert.deepEqual(idx.expand('?'), ['?']);
      });

      it("'d*' is every domain's structure", () => {
        assert.deepEqual(idx.expand('d*'), ['d0', 'd2', 'd3', 'd5', 'd7', 'd10']);
      });

      it("'dD.*' is every component of domain D and its vcpus' visibility tokens", () => {
        assert.deepEqual(idx.expand('d2.*'), [...dom(2, 2, ['qemu']), 'vis:d2.v0', 'vis:d2.v1', 'vis:d2.v?']);
        assert.deepEqual(two.expand('d1.*'), [...dom(1, 1, ['q']), 'vis:d1.v0', 'vis:d1.v?']);
        assert.deepEqual(two.expand('d10.*'), [...dom(10, 1), 'vis:d10.v0', 'vis:d10.v?']);
      });

      it("'m:*.dead' is every device model's liveness", () => {
        assert.deepEqual(idx.expand('m:*.dead'), ['m:qemu.dead', 'm:stub.dead']);
      });

      it("'dD.buf*' is D's unmapped ring and every device model's ring of D", () => {
        assert.deepEqual(idx.expand('d2.buf*'), ['d2.buf', 'd2.buf.qemu']);
        assert.deepEqual(idx.expand('d7.buf*'), ['d7.buf', 'd7.buf.stub']);
        assert.deepEqual(idx.expand('d0.buf*'), ['d0.buf']);
        assert.deepEqual(two.expand('d1.buf*'), ['d1.buf', 'd1.buf.q']);
        assert.deepEqual(two.expand('d10.buf*'), ['d10.buf']);
      });

      it("a vcpu the index does not name is its domain's v?; a ring of an undeclared device model its domain's ring", () => {
        assert.deepEqual(idx.expand('d2.v9'), ['d2.v?']);
        assert.deepEqual(idx.expand('d10.v12'), ['d10.v?']);
        assert.deepEqual(idx.expand('d2.buf.ghost'), ['d2.buf']);
        assert.deepEqual(idx.expand('d10.buf.ghost'), ['d10.buf']);
      });

      it("anything else of a domain or device model the index does not name is '?'", () => {
        for (const k of ['d4', 'd4.v0', 'd4.buf.ghost', 'd4.ram', 'd4.*x', 'd2.*x', 'd2.buf*x', 'd2.v1x', 'd2.buf.a.b', 'm:ghost', 'm:ghost.dead', 'm:', 'm:*', 'm:d2.v9', 'm:d2.buf.q']) {
          assert.deepEqual(idx.expand(k), ['?'], k);
        }
      });

      it('any other name is an internal error naming it', () => {
        for (const k of ['zz', '', 'xd1.*', 'xd2.buf*', 'xd2', 'xd2.v9', 'xd2.buf.q', 'vis:d4.v0', 'D2', 'dx', 'M:qemu']) {
          assert.throws(() => idx.expand(k), { message: `internal: footprint names an unknown component '${k}'` }, k);
        }
        assert.throws(() => idx.mask(['x', 'zz']), { message: "internal: footprint names an unknown component 'zz'" });
      });
    });

    describe('tokens()', () => {
      const tok = (writes: string[], ix = idx) => namesOf(ix, ix.tokens(ix.mask(writes)));

      it('writing nothing, or only RAM, stdvga, rings or a device model\'s own state, carries no token', () => {
        assert.deepEqual(tok([]), []);
        assert.deepEqual(tok(['d2.ram', 'd2.vga', 'd2.buf', 'd2.buf.qemu', 'd7.buf.stub', 'm:qemu', 'm:stub', 'vis:x']), []);
      });

      it("writing Xen's heap carries vis:x only", () => {
        assert.deepEqual(tok(['x']), ['vis:x']);
      });

      it("writing a domain's structure carries vis:x, vis:dom and that domain's vcpus' tokens", () => {
        assert.deepEqual(tok(['d2']), ['vis:d2.v0', 'vis:d2.v1', 'vis:d2.v?', 'vis:x', 'vis:dom']);
        assert.deepEqual(tok(['d0']), ['vis:d0.v?', 'vis:x', 'vis:dom']);
        assert.deepEqual(tok(['d10']), ['vis:d10.v?', 'vis:x', 'vis:dom']);
      });

      it("writing any domain's run state carries vis:dom and every vcpu's token", () => {
        for (const d of [0, 3, 10]) assert.deepEqual(tok([`d${d}.run`]), [...ALL_VCPU_VIS, 'vis:dom'], `d${d}.run`);
      });

      it("writing any device model's liveness carries every vcpu's token", () => {
        assert.deepEqual(tok(['m:qemu.dead']), ALL_VCPU_VIS);
        assert.deepEqual(tok(['m:stub.dead']), ALL_VCPU_VIS);
      });

      it('writing a vcpu carries its own token only', () => {
        assert.deepEqual(tok(['d2.v1']), ['vis:d2.v1']);
        assert.deepEqual(tok(['d2.v?']), ['vis:d2.v?']);
        assert.deepEqual(tok(['d3.v0', 'd2.v0']), ['vis:d2.v0', 'vis:d3.v0']);
        const big = new ComponentIndex(scen([], [st(0, 'd12v10', 'pio_write')]), []);
        assert.deepEqual(tok(['d12.v10'], big), ['vis:d12.v10']);
        assert.deepEqual(tok(['d12.v9'], big), ['vis:d12.v9']);
      });

      it("writing '?' carries every token", () => {
        assert.deepEqual(tok(['?']), [...ALL_VCPU_VIS, 'vis:x', 'vis:dom']);
      });
    });

    it('a scenario as parsed: the names of a guest with two vcpus and its QEMU', () => {
      const sc = parseScenario(JSON.stringify({
        profile: 'seed', deviceModels: [{ name: 'qemu', target: 1 }],
        steps: [
          { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 2 }, { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
          { actor: 'qemu', op: 'xen_hvm_init' }, { actor: 'd1v0', op: 'pio_write', port: '0x3f8', size: 1, value: '0x41' },
        ],
      }), 'two-vcpus.ioreq.json');
      assert.deepEqual(new ComponentIndex(sc, []).names, [
        'x', ...dom(0, 0), ...dom(1, 2, ['qemu']), 'm:qemu', 'm:qemu.dead', '?', 'vis:d0.v?', 'vis:d1.v0', 'vis:d1.v1', 'vis:d1.v?', 'vis:x', 'vis:dom',
      ]);
    });
  });

  describe('prepareReduction', () => {
    // d1v0: a plain access, then one that writes RAM; qemu serves vcpu 0; toolstack: an undeclared op, one writing
    // d1's structure with d1 and its run state optimistic, one whose `when` reads everything, one writing everything.
    const SC = scen([['qemu', 0, 1]], [
      st(0, 'd1v0', 'io'), st(1, 'qemu', 'serve', { vcpu: 0 }), st(2, 'd1v0', 'io_ram'), st(3, 'toolstack', 'opaque'),
      st(4, 'toolstack', 'odd'), st(5, 'toolstack', 'peek', {}, { crash: 1, loc } as Expectation), st(6, 'toolstack', 'poke'),
    ]);
    const DECLS: Record<string, FootprintDecl> = {
      io: (s) => vcpuIoFootprint(s),
      io_ram: (s) => vcpuIoFootprint(s, { ram: true }),
      serve: (s, c) => dmServeFootprint(s, c, 0),
      odd: () => ({ reads: [], writes: ['d1'], optimistic: ['d1', 'd1.run'] }),
      peek: () => ({ reads: ['x'], writes: ['x'] }),
      poke: () => ({ reads: ['x'], writes: ['*'] }),
    };
    const decl = (op: string) => DECLS[op];
    const BY_ACTOR = [[0, 2], [1], [4], [3]];
    const NAMES = ['x', ...dom(0, 0), ...dom(1, 1, ['qemu']), 'm:qemu', 'm:qemu.dead', '?', 'vis:d0.v?', 'vis:d1.v0', 'vis:d1.v?', 'vis:x', 'vis:dom'];
    const VCPU_VIS = ['vis:d0.v?', 'vis:d1.v0', 'vis:d1.v?'];

    /** Each step's bits as names, in the index's order. */
    const named = (red: Reduction) => red.bits.map((b) => ({ r: namesOf(red.index, b.r), w: namesOf(red.index, b.w), opt: namesOf(red.index, b.opt), everything: b.everything }));

    it("indexes the scenario's components with the steps' footprints", () => {
      assert.deepEqual(prepareReduction(SC, BY_ACTOR, false, decl).index.names, NAMES);
    });

    it('optimistic: writes carry their tokens, reads include the writes, optimistic writes stay apart', () => {
      const red = prepareReduction(SC, BY_ACTOR, false, decl);
      const b = named(red);
      assert.deepEqual(b[0], { r: ['d0', 'd1', 'd1.run', 'd1.v0', 'vis:d1.v0'], w: ['d1.v0', 'vis:d1.v0'], opt: ['d1.run'], everything: false });
      assert.deepEqual(b[1], {
        r: ['d0', 'd0.run', 'd1', 'd1.run', 'd1.buf.qemu', 'd1.v0', 'm:qemu', 'm:qemu.dead', 'vis:d1.v0'],
        w: ['d1.buf.qemu', 'd1.v0', 'm:qemu', 'vis:d1.v0'], opt: ['d1.run', 'm:qemu.dead'], everything: false,
      });
      assert.deepEqual(b[2], { r: ['d0', 'd1', 'd1.run', 'd1.ram', 'd1.v0', 'vis:d1.v0'], w: ['d1.ram', 'd1.v0', 'vis:d1.v0'], opt: ['d1.run'], everything: false });
      // An optimistic write the step also makes for sure is an ordinary write.
      assert.deepEqual(b[4], { r: ['d1', 'vis:d1.v0', 'vis:d1.v?', 'vis:x', 'vis:dom'], w: ['d1', 'vis:d1.v0', 'vis:d1.v?', 'vis:x', 'vis:dom'], opt: ['d1.run'], everything: false });
    });

    it("pessimistic: optimistic writes are writes (with their tokens), and nothing is left optimistic", () => {
      const red = prepareReduction(SC, BY_ACTOR, true, decl);
      const b = named(red);
      assert.deepEqual(b[0], {
        r: ['d0', 'd1', 'd1.run', 'd1.v0', ...VCPU_VIS, 'vis:dom'],
        w: ['d1.run', 'd1.v0', ...VCPU_VIS, 'vis:dom'], opt: [], everything: false,
      });
      assert.deepEqual(b[1], {
        r: ['d0', 'd0.run', 'd1', 'd1.run', 'd1.buf.qemu', 'd1.v0', 'm:qemu', 'm:qemu.dead', ...VCPU_VIS, 'vis:dom'],
        w: ['d1.run', 'd1.buf.qemu', 'd1.v0', 'm:qemu', 'm:qemu.dead', ...VCPU_VIS, 'vis:dom'], opt: [], everything: false,
      });
      assert.deepEqual(b[4], { r: ['d1', 'd1.run', ...VCPU_VIS, 'vis:x', 'vis:dom'], w: ['d1', 'd1.run', ...VCPU_VIS, 'vis:x', 'vis:dom'], opt: [], everything: false });
      for (const x of red.bits) assert.equal(x.opt, 0n);
    });

    it("a step without a declaration, or reading or writing '*', reads and writes everything, nothing optimistic", () => {
      for (const pessimistic of [false, true]) {
        const red = prepareReduction(SC, BY_ACTOR, pessimistic, decl);
        for (const i of [3, 5, 6]) assert.deepEqual(red.bits[i], { r: red.index.all(), w: red.index.all(), opt: 0n, everything: true }, `step ${i}`);
      }
    });

    it("a step reading and writing nothing has no bits", () => {
      const sc = scen([], [st(0, 'toolstack', 'nop')]);
      const red = prepareReduction(sc, [[0]], false, () => () => ({ reads: [], writes: [] }));
      assert.deepEqual(red.bits, [{ r: 0n, w: 0n, opt: 0n, everything: false }]);
      assert.deepEqual([red.futureR, red.futureW], [[[0n, 0n]], [[0n, 0n]]]);
    });

    it('futureR and futureW: per actor, per position, the union of the steps from there to the end (then nothing)', () => {
      const red = prepareReduction(SC, BY_ACTOR, false, decl);
      const bits = red.bits;
      assert.deepEqual(red.futureR, [[bits[0].r | bits[2].r, bits[2].r, 0n], [bits[1].r, 0n], [bits[4].r, 0n], [red.index.all(), 0n]]);
      assert.deepEqual(red.futureW, [[bits[0].w | bits[2].w, bits[2].w, 0n], [bits[1].w, 0n], [bits[4].w, 0n], [red.index.all(), 0n]]);
      assert.deepEqual(namesOf(red.index, red.futureW[0][0]), ['d1.ram', 'd1.v0', 'vis:d1.v0']);
      assert.deepEqual(namesOf(red.index, red.futureR[0][0]), ['d0', 'd1', 'd1.run', 'd1.ram', 'd1.v0', 'vis:d1.v0']);
      const longer = prepareReduction(SC, [[4, 1, 0, 2]], false, decl);
      const lb = longer.bits;
      assert.deepEqual(longer.futureW, [[lb[4].w | lb[1].w | lb[0].w | lb[2].w, lb[1].w | lb[0].w | lb[2].w, lb[0].w | lb[2].w, lb[2].w, 0n]]);
      assert.deepEqual(longer.futureR, [[lb[4].r | lb[1].r | lb[0].r | lb[2].r, lb[1].r | lb[0].r | lb[2].r, lb[0].r | lb[2].r, lb[2].r, 0n]]);
      assert.deepEqual(prepareReduction(SC, [], false, decl).futureR, []);
    });
  });

  describe('persistentSet', () => {
    /**
     * A reduction from each actor's steps, each step given by what it reads and writes (components dN.ram: they
     * carry no visibility token, so the dependences are exactly the ones written here).
     */
    function reduction(actors: Array<Array<{ r?: number[]; w?: number[] }>>) {
      const steps: Step[] = [];
      const fps: Footprint[] = [];
      const byActor = actors.map((list, a) => list.map((f) => {
        steps.push(st(steps.length, `a${a}`, `op${steps.length}`));
        fps.push({ reads: (f.r ?? []).map((c) => `d${c}.ram`), writes: (f.w ?? []).map((c) => `d${c}.ram`) });
        return steps.length - 1;
      }));
      const sc = scen([], steps);
      const red = prepareReduction(sc, byActor, false, (op) => () => fps[Number(op.slice(2))]);
      return { red, byActor };
    }
    const set = (actors: Array<Array<{ r?: number[]; w?: number[] }>>, pcs: number[], runnable: number[], last: number) => {
      const { red, byActor } = reduction(actors);
      return persistentSet(red, byActor, Int32Array.from(pcs), runnable, last);
    };

    it('one runnable actor or none: returned as is', () => {
      const { red, byActor } = reduction([[{ w: [1] }], [{ w: [1] }]]);
      const one = [1];
      assert.equal(persistentSet(red, byActor, Int32Array.from([0, 0]), one, 0), one);
      const none: number[] = [];
      assert.equal(persistentSet(red, byActor, Int32Array.from([0, 0]), none, -1), none);
    });

    const indep = [[{ w: [1] }], [{ w: [2] }], [{ w: [3] }]];

    it('independent actors: one of them, the one that ran last if it can run, else the first runnable', () => {
      assert.deepEqual(set(indep, [0, 0, 0], [0, 1, 2], -1), [0]);
      assert.deepEqual(set(indep, [0, 0, 0], [0, 1, 2], 2), [2]);
      assert.deepEqual(set(indep, [0, 0, 0], [0, 1, 2], 1), [1]);
      assert.deepEqual(set(indep, [0, 0, 0], [1, 0, 2], 0), [0]);
      assert.deepEqual(set(indep, [0, 0, 0], [2, 1], -1), [2]);
    });

    it('the actor that ran last and has finished: the first runnable', () => {
      assert.deepEqual(set(indep, [0, 1, 0], [0, 2], 1), [0]);
      assert.deepEqual(set(indep, [0, 1, 0], [2, 0], 1), [2]);
    });

    it('a read of what another actor will write is a dependence, and a write of what another will read', () => {
      // a0 reads d1's RAM, a1 writes it; a2 is independent of both.
      const rw = [[{ r: [1] }], [{ w: [1] }], [{ w: [3] }]];
      assert.deepEqual(set(rw, [0, 0, 0], [0, 1, 2], -1), [2]);
      assert.deepEqual(set(rw, [0, 0, 0], [0, 1], -1), [0, 1]);
      assert.deepEqual(set(rw, [0, 0, 0], [1, 0], 1), [1, 0]);
    });

    it('only what another actor does from its current step on counts', () => {
      // a1 wrote d1 at its first step; from its second it only touches d2.
      const past = [[{ r: [1] }], [{ w: [1] }, { w: [2] }], [{ w: [3] }]];
      assert.deepEqual(set(past, [0, 1, 0], [0, 1, 2], -1), [0]);
      assert.deepEqual(set(past, [0, 0, 0], [0, 1, 2], -1), [2]);
      // a dependence on a later step (not the next) counts too
      const later = [[{ r: [1] }], [{ w: [2] }, { w: [1] }], [{ w: [3] }]];
      assert.deepEqual(set(later, [0, 0, 0], [0, 1, 2], -1), [1]);
    });

    it('the set is closed through actors that cannot run now: their next step counts, they are not returned', () => {
      // a0 writes d1; a1 (blocked) reads d1 then writes d2 in the same step; a2 writes d3 first, reads d2 later.
      const chain = [[{ w: [1] }], [{ r: [1], w: [2] }], [{ w: [3] }, { r: [2] }]];
      assert.deepEqual(set(chain, [0, 0, 0], [0, 2], -1), [2]);
      assert.deepEqual(set(chain, [0, 0, 0], [0, 2], 0), [2]);
      // Without a2's later read the set of a0 is a0 (and blocked a1): one enabled actor.
      const blocked = [[{ w: [1] }], [{ r: [1] }], [{ w: [3] }]];
      assert.deepEqual(set(blocked, [0, 0, 0], [0, 2], -1), [0]);
    });

    it('an actor that has finished is in no set', () => {
      // a1 once read d1 but has finished.
      assert.deepEqual(set([[{ w: [1] }], [{ r: [1] }], [{ w: [3] }]], [0, 1, 0], [0, 2], -1), [0]);
    });

    it('ties between sets of the same size: the one with the actor that ran last, else the first', () => {
      // Two dependent pairs: a0-a1 on d1, a2-a3 on d3.
      const pairs = [[{ w: [1] }], [{ r: [1] }], [{ w: [3] }], [{ r: [3] }]];
      assert.deepEqual(set(pairs, [0, 0, 0, 0], [0, 1, 2, 3], -1), [0, 1]);
      assert.deepEqual(set(pairs, [0, 0, 0, 0], [0, 1, 2, 3], 2), [2, 3]);
      assert.deepEqual(set(pairs, [0, 0, 0, 0], [0, 1, 2, 3], 3), [2, 3]);
      assert.deepEqual(set(pairs, [0, 0, 0, 0], [0, 1, 2, 3], 1), [0, 1]);
    });

    it('a set no smaller than the best so far is given up: the smallest set wins', () => {
      // a0-a1 on d1; a2 writes d3, which a3 and a4 read: a set of three.
      const pairAndThree = [[{ w: [1] }], [{ r: [1] }], [{ w: [3] }], [{ r: [3] }], [{ r: [3] }]];
      assert.deepEqual(set(pairAndThree, [0, 0, 0, 0, 0], [0, 1, 2, 3, 4], -1), [0, 1]);
      assert.deepEqual(set(pairAndThree, [0, 0, 0, 0, 0], [0, 1, 2, 3, 4], 3), [0, 1]);
      assert.deepEqual(set(pairAndThree, [0, 0, 0, 0, 0], [0, 1, 2, 3, 4], 4), [0, 1]);
      // the later singleton beats the first pair
      const pairThenOne = [[{ w: [1] }], [{ r: [1] }], [{ w: [3] }]];
      assert.deepEqual(set(pairThenOne, [0, 0, 0], [0, 1, 2], -1), [2]);
      assert.deepEqual(set(pairThenOne, [0, 0, 0], [0, 1, 2], 0), [2]);
      assert.deepEqual(set(pairThenOne, [0, 0, 0], [0, 1, 2], 1), [2]);
    });

    it('when every set holds every runnable actor: all of them (the list given)', () => {
      const { red, byActor } = reduction([[{ w: [1] }], [{ r: [1], w: [2] }], [{ r: [2] }]]);
      const runnable = [0, 1, 2];
      assert.equal(persistentSet(red, byActor, Int32Array.from([0, 0, 0]), runnable, -1), runnable);
      const two = [0, 1];
      assert.equal(persistentSet(red, byActor, Int32Array.from([0, 0, 0]), two, 1), two);
    });

    it('the returned set keeps the order of runnable', () => {
      const pairs = [[{ w: [1] }], [{ r: [1] }], [{ w: [3] }], [{ r: [3] }]];
      assert.deepEqual(set(pairs, [0, 0, 0, 0], [3, 2, 1, 0], -1), [3, 2]);
      assert.deepEqual(set(pairs, [0, 0, 0, 0], [1, 3, 0, 2], -1), [1, 0]);
    });
  });

  describe('the reduction against the full search', () => {
    it("a `when` on a device model's domain's port (the far end of a guest's channel) is dependent on the guest's I/O", () => {
      // QEMU (in d0) clears the pending bit of its port for d1's vcpu 0; the toolstack unpauses once it is clear; d1v0's
      // write sets it again, which d1v1's `when` reads: d1v1 writes before d1v0 in some runs only.
      const when = { path: 'domains.0.evtchns.0.pending', equals: false };
      const sc = parseScenario(JSON.stringify({
        profile: 'seed', deviceModels: [{ name: 'qemu', target: 1 }],
        steps: [
          { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 2 }, { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
          { actor: 'qemu', op: 'xen_hvm_init' }, { actor: 'qemu', op: 'cpu_handle_ioreq', vcpu: 0, wake: 'event' },
          { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1, when },
          { actor: 'd1v0', op: 'pio_write', port: '0x3f8', size: 1, value: '0x41' },
          { actor: 'd1v1', op: 'pio_write', port: '0x3f8', size: 1, value: '0x42', when },
        ],
      }), 'far-port.ioreq.json');
      const opts = { maxStates: 10000, hashing: true, collectFinals: true, checkFootprints: true };
      const full = explore(sc, { ...opts, reduce: false });
      const red = explore(sc, opts);
      assert.equal(red.reduction.on, true);
      const kinds = (r: typeof full) => r.violations.map((v) => v.kind).sort();
      assert.deepEqual(kinds(full), ['deadlock', 'vcpu-blocked-forever']);
      assert.deepEqual(kinds(red), kinds(full));
      assert.deepEqual([...red.finals!].sort(), [...full.finals!].sort());
    });
  });
});
