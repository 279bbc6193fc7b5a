// The flat build (tools/gen-flat.js: the stepped sources with their `yield $(…)` statements stripped) must behave
// exactly like the stepped build drained statement by statement: same state, events, console and page bytes on random
// operation sequences. And the stepped build must really stop inside every modelled function it calls, with the C
// call stack visible (hvm_do_resume -> hvm_wait_on_io).
import { strict as assert } from 'node:assert';
import * as fc from 'fast-check';
import * as A from '../../src/model/abi';
import type { ProfileName } from '../../src/model/layout';
import { Model, frameSink } from '../../src/model/model';
import * as P from '../../src/model/params';
import { stateJson } from '../../src/model/state';
import type { Frame } from '../../src/model/step';
import { applyAll, applyOp, guest, dmOf, json, opsArb, vcpuOf, type Op } from './ops';

const PROFILES: ProfileName[] = ['seed', 'legacy', '4.5'];

/** Everything observable about a model after a run. */
function snapshot(m: Model): { state: string; events: string; console: string; pages: string } {
  const d = guest(m);
  const pages: Record<string, unknown> = {};
  if (d) {
    for (const [pfn, pg] of [...d.physmap].sort((a, b) => a[0] - b[0])) {
      pages[A.hex(pfn)] = { bytes: pg.bytes ? Buffer.from(pg.bytes).toString('hex') : null, xen_maps: pg.xen_maps, foreign_maps: pg.foreign_maps };
    }
  }
  return {
    state: json(stateJson(m)),
    events: json(m.x.events.map((e) => ({ kind: e.kind, fn: e.fn, text: e.text }))),
    console: json(m.x.console),
    pages: json(pages),
  };
}

/** The ioreq and bufioreq pages' bytes, read through the params (null when never touched). */
function ioreqPageBytes(m: Model): Array<string | null> {
  const d = guest(m);
  if (!d) return [];
  return [P.HVM_PARAM_IOREQ_PFN, P.HVM_PARAM_BUFIOREQ_PFN].map((index) => {
    const pg = d.physmap.get(d.arch.hvm_domain.params[index]);
    return pg?.bytes ? Buffer.from(pg.bytes).toString('hex') : null;
  });
}

/** Records every frame the stepped build pushes, and every frame that was on top of the stack at a statement. */
function recordFrames(m: Model): { pushed: Frame[]; stopped: Set<Frame>; stacks: string[][] } {
  const rec = { pushed: [] as Frame[], stopped: new Set<Frame>(), stacks: [] as string[][] };
  const frames = frameSink(m.x).frames;
  Object.defineProperty(frames, 'push', {
    configurable: true, writable: true,
    value(...items: Frame[]) { rec.pushed.push(...items); return Array.prototype.push.apply(frames, items); },
  });
  return rec;
}

describe('flat build = stepped build', function () {
  for (const profile of PROFILES) {
    it(`random op sequences give identical state, events, console and pages (${profile})`, function () {
      fc.assert(fc.property(opsArb(30), (ops: Op[]) => {
        const a = new Model(profile).boot();
        const b = new Model(profile).boot();
        for (const op of ops) {
          const ra = applyOp(a, op, 'flat');
          const rb = applyOp(b, op, 'stepped');
          assert.deepEqual(json(rb), json(ra), `op ${json(op)}: results differ`);
        }
        const sa = snapshot(a);
        const sb = snapshot(b);
        assert.deepEqual(JSON.parse(sb.state), JSON.parse(sa.state));
        assert.equal(sb.events, sa.events);
        assert.equal(sb.console, sa.console);
        assert.equal(sb.pages, sa.pages);
        assert.deepEqual(ioreqPageBytes(b), ioreqPageBytes(a));
      }), { numRuns: 150 });
    });
  }

  it('a flat and a stepped op can be mixed on one model (same state as all-flat)', function () {
    fc.assert(fc.property(opsArb(25), fc.array(fc.boolean(), { minLength: 26, maxLength: 26 }), (ops, modes) => {
      const a = new Model('seed').boot();
      const b = new Model('seed').boot();
      ops.forEach((op, k) => {
        applyOp(a, op, 'flat');
        applyOp(b, op, modes[k] ? 'stepped' : 'flat');
      });
      assert.deepEqual(snapshot(b), snapshot(a));
    }), { numRuns: 60 });
  });
});

describe('stepped build: statements and frames', function () {
  for (const profile of PROFILES) {
    it(`yields at least one statement inside every modelled function it calls (${profile})`, function () {
      fc.assert(fc.property(opsArb(30), (ops) => {
        const m = new Model(profile).boot();
        const rec = recordFrames(m);
        applyAll(m, ops, 'stepped', {
          onYield: (frames) => {
            assert.ok(frames.length > 0, 'a statement with an empty frame stack');
            rec.stopped.add(frames[frames.length - 1]);
          },
        });
        const silent = rec.pushed.filter((f) => !rec.stopped.has(f)).map((f) => f.fn);
        assert.deepEqual(silent, [], `functions called without a statement: ${silent.join(', ')}`);
      }), { numRuns: 100 });
    });
  }

  it('frame names are the C names (cName of the method)', function () {
    const m = new Model('seed').boot();
    const seen = new Set<string>();
    applyAll(m, [{ k: 'create', nvcpus: 2 }, { k: 'dmInit' }], 'stepped', { onYield: (fs) => fs.forEach((f) => seen.add(f.fn)) });
    for (const fn of ['xc_domain_create', 'domain_create', 'hvm_domain_initialise', 'alloc_vcpu', 'hvm_vcpu_initialise', 'setup_guest',
      'do_hvm_op', 'xen_hvm_init', 'xc_get_hvm_param', 'hvm_create_ioreq_server', 'hvm_set_ioreq_page', 'prepare_ring_for_helper',
      'hvm_ioreq_server_add_vcpu', 'hvm_update_ioreq_server_evtchn', 'xc_map_foreign_range', 'bind_vcpu_port', 'bind_buf_port']) {
      assert.ok(seen.has(fn), `${fn} not seen in ${[...seen].join(' ')}`);
    }
    for (const fn of seen) assert.match(fn, /^[a-z0-9_]+$/);
  });

  /** d1 with n vcpus, a device model fully set up, and vcpu 0 waiting on a port read the DM has answered. */
  function answeredRead(profile: ProfileName): Model {
    const m = new Model(profile).boot();
    applyAll(m, [{ k: 'create', nvcpus: 2 }, { k: 'dmInit' }, { k: 'pio', v: 0, port: 0x3f8, size: 1, dir: A.IOREQ_READ, value: 0n },
      { k: 'handle', i: 0, data: 0x5an }], 'flat');
    const v = vcpuOf(m, 0)!;
    assert.equal(v.pause_flags.blocked_in_xen, false, 'the DM notification woke vcpu 0');
    assert.equal(dmOf(m)!.handled, 1);
    return m;
  }

  it('inside hvm_wait_on_io (seed) the stack is [hvm_do_resume, hvm_wait_on_io]', function () {
    const m = answeredRead('seed');
    const stacks: string[][] = [];
    applyOp(m, { k: 'resume', v: 0 }, 'stepped', { onYield: (fs) => stacks.push(fs.map((f) => f.fn)) });
    const inside = stacks.filter((s) => s[s.length - 1] === 'hvm_wait_on_io');
    assert.ok(inside.length >= 2, 'hvm_wait_on_io stopped at its loop and switch');
    for (const s of inside) assert.deepEqual(s, ['hvm_do_resume', 'hvm_wait_on_io']);
    assert.ok(stacks.some((s) => s.join(' ') === 'hvm_do_resume hvm_wait_on_io hvm_io_assist'), 'hvm_io_assist is called from hvm_wait_on_io');
    assert.equal(vcpuOf(m, 0)!.rax & 0xffn, 0x5an);
  });

  it('whenever hvm_wait_on_io is on top (seed, random sequences), its caller is hvm_do_resume alone', function () {
    fc.assert(fc.property(opsArb(30), (ops) => {
      const m = new Model('seed').boot();
      applyAll(m, ops, 'stepped', {
        onYield: (fs) => {
          if (fs[fs.length - 1].fn === 'hvm_wait_on_io') assert.deepEqual(fs.map((f) => f.fn), ['hvm_do_resume', 'hvm_wait_on_io']);
        },
      });
    }), { numRuns: 100 });
  });

  // A caller's frame must stay at the statement that made the call (hvm_do_resume's `wait`, which calls
  // hvm_wait_on_io), with its own locals, while the callee runs: that is what a debugger's call stack shows.
  it('a caller frame keeps its own statement and locals while the callee runs', function () {
    const m = answeredRead('seed');
    const bad: string[] = [];
    applyOp(m, { k: 'resume', v: 0 }, 'stepped', {
      onYield: (fs) => {
        if (fs.length === 2 && fs[1].fn === 'hvm_wait_on_io') {
          if (fs[0].at !== 'wait') bad.push(`hvm_do_resume shown at '${fs[0].at}' while hvm_wait_on_io is at '${fs[1].at}'`);
          if (!('v' in fs[0].locals)) bad.push(`hvm_do_resume shows the locals of hvm_wait_on_io: ${Object.keys(fs[0].locals).join(',')}`);
        }
      },
    });
    assert.deepEqual(bad, []);
  });
});

// ---- issue 10: today's Xen, both builds agree (the 4.21 driver's operations in random order) ----
import { Driver421, type Build } from '../../src/model/driver421';
import * as I421 from '../../src/model/xen/4.21/common/ioreq';

type Op421 =
  | { k: 'init'; dm: 0 | 1; buf: number } | { k: 'ranges'; dm: 0 | 1 } | { k: 'state'; dm: 0 | 1; on: boolean }
  | { k: 'pio'; v: number; dir: number; port: number } | { k: 'mmio'; v: number; dir: number; gpa: bigint }
  | { k: 'serve'; dm: 0 | 1; v: number } | { k: 'resume'; v: number } | { k: 'buffered'; v: number; data: bigint }
  | { k: 'destroy'; dm: 0 | 1 } | { k: 'die'; dm: 0 | 1 } | { k: 'cf8'; v: number; val: number };

const op421Arb: fc.Arbitrary<Op421> = fc.oneof(
  fc.record({ k: fc.constant('init' as const), dm: fc.constantFrom(0 as const, 1 as const), buf: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ k: fc.constant('ranges' as const), dm: fc.constantFrom(0 as const, 1 as const) }),
  fc.record({ k: fc.constant('state' as const), dm: fc.constantFrom(0 as const, 1 as const), on: fc.boolean() }),
  fc.record({ k: fc.constant('pio' as const), v: fc.integer({ min: 0, max: 1 }), dir: fc.integer({ min: 0, max: 1 }), port: fc.constantFrom(0x3f8, 0x3fc, 0xcfc, 0x60) }),
  fc.record({ k: fc.constant('mmio' as const), v: fc.integer({ min: 0, max: 1 }), dir: fc.integer({ min: 0, max: 1 }), gpa: fc.constantFrom(0xa0000n, 0x2000000n, 0xe0000000n) }),
  fc.record({ k: fc.constant('serve' as const), dm: fc.constantFrom(0 as const, 1 as const), v: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ k: fc.constant('resume' as const), v: fc.integer({ min: 0, max: 1 }) }),
  fc.record({ k: fc.constant('buffered' as const), v: fc.integer({ min: 0, max: 1 }), data: fc.bigInt({ min: 0n, max: 0xffffffffffffffffn }) }),
  fc.record({ k: fc.constant('destroy' as const), dm: fc.constantFrom(0 as const, 1 as const) }),
  fc.record({ k: fc.constant('die' as const), dm: fc.constantFrom(0 as const, 1 as const) }),
  fc.record({ k: fc.constant('cf8' as const), v: fc.integer({ min: 0, max: 1 }), val: fc.constantFrom(0, 0x80001810) }),
);

function apply421(t: Driver421, op: Op421): unknown {
  const name = (n: number) => (n ? 'b' : 'a');
  const v = op.k === 'pio' || op.k === 'mmio' || op.k === 'resume' || op.k === 'buffered' || op.k === 'cf8' ? t.vcpu(1, op.v) : null;
  if (t.m.x.panic) return 'panic';
  if (v && (v.pause_flags.blocked_in_xen || v.domain.crashed || v.domain.is_shutting_down) && op.k !== 'resume') return 'skip';
  if (v && op.k !== 'resume' && v.io.req.state !== 0) return 'skip';
  const arm = t.m.profile === '4.21-arm';
  switch (op.k) {
    case 'init': { const dm = t.dm(name(op.dm)); if (dm.ioservid >= 0 || dm.dead) return 'skip'; return t.dmInit(name(op.dm), op.buf); }
    case 'ranges': return t.dm(name(op.dm)).ioservid >= 0 ? t.mapRanges(name(op.dm)) : 'skip';
    case 'state': return t.dm(name(op.dm)).ioservid >= 0 ? t.setState(name(op.dm), op.on) : 'skip';
    case 'serve': return t.serve(name(op.dm), op.v);
    case 'destroy': return t.dm(name(op.dm)).ioservid >= 0 ? t.destroy(name(op.dm)) : 'skip';
    case 'die': t.die(name(op.dm)); return 'died';
    case 'resume': return t.resume(1, op.v);
    case 'pio': return arm ? 'skip' : t.pio(1, op.v, op.port, 4, op.dir, 0x12345678n);
    case 'cf8': return arm ? 'skip' : t.pio(1, op.v, 0xcf8, 4, 0, BigInt(op.val));
    case 'mmio': return arm ? t.armMmio(1, op.v, { gpa: op.gpa, size: 2, write: op.dir ? 0 : 1, sign: 0 }, 7n) : t.mmio(1, op.v, op.gpa, 4, op.dir, 7n);
    case 'buffered': {
      const s = t.domain(1).x421.server.find((x) => x && x.bufioreq_handling);
      return s ? t.sendBuffered(1, op.v, s.id, { ...A.emptyIoreq(), type: 1, addr: 0xa0000n, size: 8, count: 1, dir: 0, data: op.data }) : 'skip';
    }
  }
  return 'skip';
}

function start421(profile: '4.21' | '4.21-arm', build: Build): Driver421 {
  const t = Driver421.boot(profile, build);
  t.createGuest(1, 2);
  const a = t.addDm('a', profile === '4.21' ? 'qemu' : 'virtio', 0, 1);
  const b = t.addDm('b', profile === '4.21' ? 'qemu' : 'virtio', 0, 1);
  a.want_ranges = [[I421.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3ffn], [I421.XEN_DMOP_IO_RANGE_MEMORY, 0xa0000n, 0xbffffn], [I421.XEN_DMOP_IO_RANGE_PCI, 0x18n, 0x18n]];
  b.want_ranges = [[I421.XEN_DMOP_IO_RANGE_PORT, 0x3f8n, 0x3f8n], [I421.XEN_DMOP_IO_RANGE_MEMORY, 0xe0000000n, 0xe0000fffn]];
  return t;
}

describe('flat build = stepped build (4.21, 4.21-arm)', function () {
  for (const profile of ['4.21', '4.21-arm'] as const) {
    it(`random 4.21 driver sequences give identical results, state, events and console (${profile})`, function () {
      fc.assert(fc.property(fc.array(op421Arb, { maxLength: 30 }), (ops) => {
        const a = start421(profile, 'flat');
        const b = start421(profile, 'stepped');
        for (const op of ops) {
          const ra = apply421(a, op);
          const rb = apply421(b, op);
          assert.deepEqual(json(rb), json(ra), `op ${json(op)}: results differ`);
        }
        assert.deepEqual(JSON.parse(json(stateJson(b.m))), JSON.parse(json(stateJson(a.m))));
        assert.equal(json(b.m.x.events.map((e) => e.text)), json(a.m.x.events.map((e) => e.text)));
        assert.equal(json(b.m.x.console), json(a.m.x.console));
        // A clone of the flat model is the same state again (the 4.21 fields are all copied).
        assert.deepEqual(JSON.parse(json(stateJson(a.m.clone()))), JSON.parse(json(stateJson(a.m))));
      }), { numRuns: 120 });
    });
  }
});
// ---- end 4.21 ----
