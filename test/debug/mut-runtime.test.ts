// Mutation tests of src/debug/runtime.ts (issue #16), without DAP: what the stepping runtime reports at the stops a
// Xen developer meets (the end of a scenario whose vcpu is left blocked in Xen, a failing final expectation, a data
// breakpoint naming the statement that wrote the slot, a pause asked for mid-run), its threads, and time travel's
// edges. The adapter's own tests (adapter.test.ts, dap-stepping.test.ts) drive the same runtime over DAP.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import * as A from '../../src/model/abi';
import { parseScenario } from '../../src/scenario/parse';
import { IoreqRuntime, actorsOf, describeData, readData } from '../../src/debug/runtime';
import type { Scenario } from '../../src/scenario/types';

const ROOT = path.join(__dirname, '../../..');
const load = (name: string): Scenario => {
  const f = path.join(ROOT, 'scenarios', name);
  return parseScenario(fs.readFileSync(f, 'utf8'), f);
};
const ALL = ['invariant', 'failed_expectation', 'domain_crash'];
const runtime = (sc: Scenario, filters = ALL): IoreqRuntime => {
  const rt = new IoreqRuntime(sc);
  rt.exceptionFilters = new Set(filters);
  return rt;
};
/** Scenario 13 up to the guest's OUT (QEMU never answers), with a final expectation of its own. */
const neverAnswered = (expect: unknown[] = [], allow: string[] = []): Scenario => parseScenario(JSON.stringify({
  profile: 'seed', deviceModels: [{ name: 'qemu', target: 1 }], explore: { allow },
  steps: [
    { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 },
    { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
    { actor: 'qemu', op: 'xen_hvm_init' },
    { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 },
    { actor: 'd1v0', op: 'pio_write', port: 0x3f8, size: 1, value: 0x41 },
  ],
  expect,
}), 'never-answered.ioreq.json');

describe('debug runtime (mutation): the stops at the end, data breakpoints, pause, threads, time travel', () => {
  it('threads: the toolstack first, then each device model as declared, then the step actors in first-seen order, once each', () => {
    assert.deepEqual(actorsOf(load('07-two-vcpus-race.ioreq.json')), ['toolstack', 'qemu', 'd1v0', 'd1v1']);
    assert.deepEqual(actorsOf(neverAnswered()), ['toolstack', 'qemu', 'd1v0']);
  });

  it('a launch profile other than the file\'s runs the scenario under it; the same profile keeps the scenario as parsed', () => {
    const sc = load('08-sync-pio-read-write.ioreq.json');
    assert.equal(new IoreqRuntime(sc, sc.profile).sc, sc);
    const rt = new IoreqRuntime(sc, '4.5');
    assert.equal(rt.sc.profile, '4.5');
    assert.equal(sc.profile, 'seed', 'the parsed scenario is not changed');
    assert.notEqual(rt.sc, sc);
  });

  it('a scenario without steps has ended at once: no frames, and continue reports the end', () => {
    const rt = runtime(parseScenario(JSON.stringify({ profile: 'seed', steps: [] }), 'empty.ioreq.json'));
    assert.equal(rt.ended, true);
    assert.deepEqual(rt.frames(), []);
    assert.deepEqual(rt.continue(), { reason: 'end', actor: 'toolstack' });
  });

  it('the end with d1v0 still blocked in Xen (hvm_wait_on_io never woken) stops as vcpu-blocked-forever in its thread, at the last step', () => {
    const sc = neverAnswered();
    const s = runtime(sc).continue();
    const text = 'vcpu-blocked-forever: every actor has finished but d1v0 is still blocked in Xen waiting for its ioreq';
    assert.deepEqual(s, { reason: 'exception', actor: 'd1v0', description: text, exception: { id: 'invariant', text }, location: sc.steps[4].loc, where: 'end of the scenario' });
    assert.deepEqual(runtime(neverAnswered([], ['vcpu-blocked-forever'])).continue(), { reason: 'end', actor: 'toolstack' }, 'allowed by the file');
    assert.deepEqual(runtime(sc, ['failed_expectation']).continue(), { reason: 'end', actor: 'toolstack' }, 'the invariant filter off');
  });

  it('a failing final expectation stops at the end, at the check\'s line, before the invariant; off, the run ends', () => {
    const sc = neverAnswered([{ path: 'domains.1.vcpus.0.blockedInXen', equals: false }, { panic: false }]);
    const rt = runtime(sc);
    const s = rt.continue();
    assert.equal(s.reason, 'exception');
    assert.equal(s.actor, 'toolstack');
    assert.equal(s.where, 'expect (end of the scenario)');
    assert.equal(s.exception?.id, 'failed_expectation');
    assert.match(s.description!, /^expectation failed: domains\.1\.vcpus\.0\.blockedInXen == false \(got true\)$/);
    assert.equal(s.exception?.text, `${s.description!.replace(/^expectation failed: /, '')} (never-answered.ioreq.json:${sc.expect[0].loc.line}:${sc.expect[0].loc.column})`);
    assert.deepEqual(s.location, sc.expect[0].loc);
    assert.equal(runtime(sc, ['invariant']).continue().exception?.id, 'invariant', 'the expectation filter off: the invariant stop');
  });

  it('a data breakpoint on the slot names who wrote it: Xen publishing the server, d1v0 setting READY, QEMU taking it', () => {
    const rt = runtime(load('08-sync-pio-read-write.ioreq.json'), []);
    rt.dataBreakpoints = [{ id: 7, dataId: 'slot:1:0:state' }];
    const got = [0, 1, 2].map(() => rt.continue());
    assert.deepEqual(got.map((s) => [s.reason, s.actor, s.hitBreakpointIds, s.description]), [
      ['data breakpoint', 'qemu', [7], 'd1v0 slot state written by qemu in hvm_create_ioreq_server (publish)'],
      ['data breakpoint', 'd1v0', [7], 'd1v0 slot state written by d1v0 in hvm_send_assist_req_to_server (ready)'],
      ['data breakpoint', 'qemu', [7], 'd1v0 slot state written by qemu in cpu_get_ioreq (inprocess)'],
    ]);
  });

  it('pause asked for while running (from an event) stops at the next position in the running step\'s thread', () => {
    const rt = runtime(load('08-sync-pio-read-write.ioreq.json'), []);
    let events = 0;
    const before = rt.eventCount;
    rt.onEvent = () => { if (++events === 1) rt.pause(); };
    const s = rt.continue();
    assert.deepEqual(s, { reason: 'pause', actor: rt.currentStep!.actor });
    assert.equal(events, rt.eventCount - before, 'every event since went to onEvent once');
    assert.ok(events >= 1);
    // The request is spent: the next continue runs to the end.
    assert.equal(rt.continue().reason, 'end');
  });

  it('time travel: goto before the start is the start; the event count follows the position; an edit makes the future new', () => {
    const rt = runtime(load('08-sync-pio-read-write.ioreq.json'), []);
    while (rt.pos.t < 200) rt.stepIn();
    const t1 = rt.pos.t;
    assert.equal(rt.ended, false);
    const n300 = rt.eventCount;
    const n0 = new IoreqRuntime(rt.sc).eventCount;
    assert.ok(n300 > n0);
    rt.goto(-5);
    assert.deepEqual(rt.pos, { t: 0, step: 0, stmt: 0 });
    assert.equal(rt.eventCount, n0, 'the events of the start');
    rt.goto(t1);
    assert.equal(rt.eventCount, n300, 'the same events at the same position');
    // An edit there: the runtime forgets what it learnt of later steps and sends the events that follow again.
    const seen: string[] = [];
    rt.onEvent = (e) => seen.push(e.kind);
    rt.edit((s) => { s.m.x.domains.get(1)!.arch.hvm_domain.params[31] = 0x77; });
    rt.continue();
    assert.ok(seen.length > 0, 'events after the edit reach onEvent');
    rt.goto(t1 + 1);
    assert.equal(rt.session.m.x.domains.get(1)!.arch.hvm_domain.params[31], 0x77, 'the edit is replayed');
  });

  it('readData: a page\'s bytes, a param, a port\'s pending bit, a slot\'s state; unknown domains and pages read as nothing', () => {
    const rt = runtime(load('08-sync-pio-read-write.ioreq.json'), []);
    rt.dataBreakpoints = [{ id: 1, dataId: 'slot:1:0:state' }];
    rt.continue(); rt.continue(); // d1v0 has set its slot READY
    const s = rt.session;
    const d = s.m.x.domains.get(1)!;
    const pfn = d.arch.hvm_domain.params[A.HVM_PARAM_IOREQ_PFN_INDEX];
    const g = d.physmap.get(pfn)!;
    assert.equal(readData(s, `mem:1:${pfn.toString(16)}:0:4`), Array.from(g.bytes!.subarray(0, 4)).join(','));
    assert.equal(readData(s, `mem:1:${pfn.toString(16)}:30:1`), String(g.bytes![30]));
    assert.equal(readData(s, 'mem:1:1:0:4'), null, 'a pfn with no page');
    assert.equal(readData(s, 'mem:9:1:0:4'), undefined, 'no such domain');
    assert.equal(readData(s, `param:1:${A.HVM_PARAM_IOREQ_PFN_INDEX}`), pfn);
    assert.equal(readData(s, 'slot:1:0:state'), 1, 'STATE_IOREQ_READY');
    assert.equal(readData(s, 'slot:9:0:state'), undefined);
    assert.equal(readData(s, 'evtchn:0:1:pending'), true, "QEMU's port 1 in d0, notified");
    assert.equal(readData(s, 'other:1'), undefined);
  });

  it('describeData reads a watched datum as the user names it', () => {
    assert.equal(describeData('mem:1:feffe:30:1'), 'd1:0xfeffe+0x1e (1 byte)');
    assert.equal(describeData('mem:1:feffe:16:8'), 'd1:0xfeffe+0x10 (8 bytes)');
    assert.equal(describeData('slot:1:0:state'), 'd1v0 slot state');
    assert.equal(describeData('param:1:5'), 'd1 param 5');
    assert.equal(describeData('evtchn:0:3:pending'), 'd0 port 3 pending');
    assert.equal(describeData('other:1:2'), 'other:1:2');
  });
});
