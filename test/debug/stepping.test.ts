// Stepping with DAP's semantics on the runtime (src/debug/runtime.ts): next / stepIn / stepOut stop in the thread
// they were asked for, stepOut from a step's outermost function stops at that step's return (not in another
// actor's step), stepBack is the reverse of next at the same depth (never into a callee) and honours granularity,
// and a replay after time travel sends no event twice.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { IoreqRuntime } from '../../src/debug/runtime';
import { parseScenario } from '../../src/scenario/parse';
import type { ModelEvent } from '../../src/model/events';

const ROOT = path.join(__dirname, '../../..');
const load = (name: string) => {
  const f = path.join(ROOT, 'scenarios', name);
  return parseScenario(fs.readFileSync(f, 'utf8'), f);
};
const F07 = '07-two-vcpus-race.ioreq.json';
/** The actor of the very next position (stepIn in that thread moves exactly one position). */
const nextActor = (rt: IoreqRuntime) => (rt.returned ? rt.sc.steps[rt.pos.step + 1]?.actor : rt.currentStep?.actor);
const depth = (rt: IoreqRuntime) => rt.frames().length;

/** Every position of a scenario: t, step, actor, depth. */
function allPositions(name: string): Array<{ t: number; step: number; actor: string; depth: number }> {
  const rt = new IoreqRuntime(load(name));
  const out = [];
  for (;;) {
    out.push({ t: rt.pos.t, step: rt.pos.step, actor: rt.currentStep!.actor, depth: depth(rt) });
    const a = nextActor(rt);
    if (!a || rt.stepIn(a).reason === 'end') break;
  }
  return out;
}

describe('debug runtime: stepping with DAP semantics', () => {
  const pos = allPositions(F07);

  it('next from the last statement of a step goes to the return, then to the same thread\'s next step (others run between)', () => {
    const rt = new IoreqRuntime(load(F07));
    // Step 1 (toolstack xc_hvm_build) returns; the toolstack's next step is 10 (after qemu's steps 2-9).
    rt.goto(pos.find((p) => p.step === 1 && p.depth === 0)!.t);
    assert.ok(rt.returned);
    const s = rt.next('toolstack');
    assert.equal(s.actor, 'toolstack');
    assert.equal(rt.pos.step, 10);
    assert.equal(rt.currentStep!.actor, 'toolstack');
    assert.equal(rt.pos.t, pos.find((p) => p.step === 10)!.t, "the first statement of the toolstack's next step");
    assert.ok(rt.results[9], "qemu's steps ran meanwhile");
  });

  it('stepIn and next on an idle thread run to that thread\'s next statement', () => {
    const rt = new IoreqRuntime(load(F07));
    assert.equal(rt.currentStep!.actor, 'toolstack');
    rt.stepIn('d1v1');
    assert.equal(rt.currentStep!.actor, 'd1v1');
    assert.equal(rt.pos.t, pos.find((p) => p.actor === 'd1v1')!.t);
    const rt2 = new IoreqRuntime(load(F07));
    rt2.next('qemu');
    assert.equal(rt2.pos.t, pos.find((p) => p.actor === 'qemu')!.t);
  });

  it('next never stops deeper than it started, in the same thread', () => {
    const rt = new IoreqRuntime(load(F07));
    for (let i = 0; i < 60 && !rt.ended; i++) {
      const a = rt.currentStep!.actor, d = depth(rt), st = rt.pos.step;
      const s = rt.next(a);
      if (s.reason === 'end') break;
      assert.equal(rt.currentStep!.actor, a);
      if (rt.pos.step === st) assert.ok(depth(rt) <= d, `next went from depth ${d} to ${depth(rt)}`);
    }
  });

  it('stepOut from the outermost modelled function stops at its scenario step\'s return, not in the next actor\'s step', () => {
    const rt = new IoreqRuntime(load(F07));
    rt.goto(pos.find((p) => p.step === 9 && p.depth === 1)!.t); // qemu's last setup step, before the toolstack's unpause
    const s = rt.stepOut('qemu');
    assert.equal(s.actor, 'qemu');
    assert.equal(rt.pos.step, 9);
    assert.ok(rt.returned);
    assert.deepEqual(rt.frames(), []);
    // From a deeper frame, stepOut stops in the caller.
    const deep = pos.find((p) => p.step === 13 && p.depth === 2)!;
    rt.goto(deep.t);
    rt.stepOut('d1v0');
    assert.equal(rt.pos.step, 13);
    assert.equal(depth(rt), 1);
  });

  it('stepBack is the reverse of next at the same depth: never deeper, nothing shallower skipped', () => {
    const rt = new IoreqRuntime(load(F07));
    // Every third position of steps 10-14 (a guest port write, its handling, the resume, an MMIO read).
    for (const c of pos.filter((p) => p.step >= 10 && p.step <= 14 && p.t % 3 === 0)) {
      rt.goto(c.t);
      rt.stepBack(c.actor);
      const b = pos[rt.pos.t];
      if (!pos.some((p) => p.actor === c.actor && p.t < c.t)) { assert.equal(b.t, c.t, 'the thread\'s first statement: it stays'); continue; }
      assert.equal(b.actor, c.actor, 'same thread');
      if (b.step === c.step) {
        // A step's return (depth 0) is at its outermost function's level (next from its last statement comes there).
        const d = Math.max(1, c.depth);
        assert.ok(b.depth <= d, `t=${c.t}: stepBack from depth ${c.depth} went to depth ${b.depth} (into a callee)`);
        for (const q of pos.slice(b.t + 1, c.t)) if (q.actor === c.actor && q.step === c.step) assert.ok(q.depth > d, `t=${c.t}: skipped t=${q.t} at depth ${q.depth}`);
      } else {
        assert.equal(pos.slice(pos.findIndex((p) => p.step === c.step), c.t).length, 0, 'only from a step\'s first statement');
        assert.equal(b.depth, 0, "to the thread's previous step's return");
        assert.equal(b.step, Math.max(...pos.filter((p) => p.actor === c.actor && p.step < c.step).map((p) => p.step)));
      }
    }
  });

  it("stepBack from a step's return goes to its outermost function's last statement (the reverse of next there)", () => {
    const rt = new IoreqRuntime(load(F07));
    const ret = pos.find((p) => p.step === 13 && p.depth === 0)!;
    const last = [...pos].reverse().find((p) => p.step === 13 && p.depth === 1 && p.t < ret.t)!;
    rt.goto(last.t);
    rt.next('d1v0');
    assert.equal(rt.pos.t, ret.t, 'next from the last statement: the return');
    rt.stepBack('d1v0');
    assert.equal(rt.pos.t, last.t);
  });

  it('stepBack at the same depth undoes next at the same depth; by instruction it undoes one stepIn', () => {
    const rt = new IoreqRuntime(load(F07));
    const start = pos.find((p) => p.step === 13 && p.depth === 1)!;
    rt.goto(start.t);
    rt.next('d1v0');
    assert.equal(depth(rt), 1);
    rt.stepBack('d1v0');
    assert.equal(rt.pos.t, start.t);
    rt.stepIn('d1v0');
    const into = rt.pos.t;
    rt.stepBack('d1v0', 'instruction');
    assert.equal(rt.pos.t, into - 1);
  });

  it('events are sent once: going back and forward again replays them silently', () => {
    const rt = new IoreqRuntime(load(F07));
    const seen: ModelEvent[] = [];
    rt.onEvent = (e) => seen.push(e);
    const mid = pos.find((p) => p.step === 13)!.t;
    while (rt.pos.t < mid) rt.stepIn(nextActor(rt)!);
    const n = seen.length;
    assert.ok(n > 0);
    rt.goto(mid - 40);
    while (rt.pos.t < mid) rt.stepIn(nextActor(rt)!);
    assert.equal(seen.length, n, 'nothing sent twice');
    rt.stepIn(nextActor(rt)!);
    while (seen.length === n && !rt.ended) rt.stepIn(nextActor(rt)!);
    assert.ok(seen.length > n, 'new events still go out');
    assert.equal(new Set(seen).size, seen.length);
  });
});

describe('debug runtime: stops at what the explorer found', () => {
  it("a counterexample stops at its violation, with the step that caused it as the location", () => {
    const { explore } = require('../../src/scenario/explore') as typeof import('../../src/scenario/explore');
    const sc = load('20-explore-lost-request.ioreq.json');
    const v = explore(sc, { maxStates: 100000, hashing: true }).violations.find((x) => x.kind === 'lost-request');
    assert.ok(v, 'the explorer finds the lost request');
    const f = path.join(fs.mkdtempSync(path.join(require('os').tmpdir(), 'ioreq-cex-')), 'cex.ioreq.json');
    fs.writeFileSync(f, JSON.stringify(v!.counterexample, null, 2));
    const cex = parseScenario(fs.readFileSync(f, 'utf8'), f);
    const rt = new IoreqRuntime(cex);
    rt.exceptionFilters = new Set(['invariant']);
    const s = rt.continue();
    assert.equal(s.reason, 'exception');
    assert.equal(s.exception!.id, 'invariant');
    assert.match(s.description!, /^lost-request: /);
    assert.ok(rt.returned, 'at the return of the step that dropped it');
    assert.equal(rt.pos.step, v!.trail.length - 1, 'the last step of the shortest interleaving');
    assert.deepEqual(s.location, cex.steps[rt.pos.step].loc);
    // With every filter on, the step's own after checks (which the drop breaks) stop at the same place first.
    const rt3 = new IoreqRuntime(cex);
    rt3.exceptionFilters = new Set(['invariant', 'failed_expectation', 'domain_crash']);
    let s3 = rt3.continue();
    while (s3.exception?.id === 'failed_expectation' && rt3.pos.step < rt.pos.step) s3 = rt3.continue();
    assert.equal(rt3.pos.t, rt.pos.t);
    assert.equal(s3.exception?.id, 'failed_expectation');
    // ... and continuing reports the violation there, before moving on: each is its own stop.
    const s4 = rt3.continue();
    assert.equal(rt3.pos.t, rt.pos.t, 'no move between the two stops');
    assert.equal(s4.exception?.id, 'invariant');
    assert.equal(s4.description, s.description);
    assert.deepEqual(s4.location, s.location);
    assert.equal(rt3.continue().reason, 'end', 'then on to the end, the violation reported once');
    // Without the filter it runs through.
    const rt2 = new IoreqRuntime(cex);
    rt2.exceptionFilters = new Set();
    assert.equal(rt2.continue().reason, 'end');
  });

  it('a deadlock with a vcpu blocked in Xen (scenario 70): the stop names the vcpu and what it waits for, at the blocked step', () => {
    const { explore } = require('../../src/scenario/explore') as typeof import('../../src/scenario/explore');
    const v = explore(load('70-x421-arm-ioeventfd-shares-ioreq-port.ioreq.json'), { maxStates: 100000, hashing: true }).violations.find((x) => x.kind === 'deadlock');
    assert.ok(v, 'the explorer finds the deadlock');
    const f = path.join(fs.mkdtempSync(path.join(require('os').tmpdir(), 'ioreq-cex-')), 'cex.ioreq.json');
    fs.writeFileSync(f, JSON.stringify(v!.counterexample, null, 2));
    const cex = parseScenario(fs.readFileSync(f, 'utf8'), f);
    const rt = new IoreqRuntime(cex);
    // With no exception filter on too: the scenario cannot go on, so it stops there whatever the filters.
    rt.exceptionFilters = new Set();
    const s = rt.continue();
    assert.equal(s.reason, 'exception');
    assert.equal(s.exception!.id, 'invariant');
    assert.match(s.description!, /^deadlock: d1v0 cannot run step \d+ \(wait_for_io\): d1v0 is blocked in Xen until its ioreq port is notified/);
    assert.equal(rt.pos.step, v!.trail.length, 'at the first step after the interleaving: the blocked one');
    assert.deepEqual(s.location, cex.steps[rt.pos.step].loc);
    assert.equal(s.where, `step ${rt.pos.step}: deadlock`);
  });

  it('a step that cannot run while another actor still can is not a deadlock: the stop says only why that step cannot run', () => {
    const f = path.join(fs.mkdtempSync(path.join(require('os').tmpdir(), 'ioreq-stuck-')), 'stuck.ioreq.json');
    fs.writeFileSync(f, JSON.stringify({ profile: 'seed', deviceModels: [{ name: 'qemu', target: 1 }], steps: [
      { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 },
      { actor: 'qemu', op: 'cpu_handle_ioreq', vcpu: 0 },
      { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
    ] }));
    const rt = new IoreqRuntime(parseScenario(fs.readFileSync(f, 'utf8'), f));
    const s = rt.continue();
    assert.equal(s.reason, 'exception');
    assert.equal(s.exception!.id, 'failed_expectation');
    assert.doesNotMatch(s.description!, /deadlock/);
    assert.equal(s.where, 'step 1: cpu_handle_ioreq cannot run');
  });

});
