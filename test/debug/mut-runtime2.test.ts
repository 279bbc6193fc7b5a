// Time travel's edges in src/debug/runtime.ts (issue #16, found by its mutation run): a function breakpoint stops
// at a call's entry only, also after a reset or a travel that lands on a frame without moving; reverse-continue
// finds a breakpoint on the first statement of a step that begins a snapshot interval; travel in a scenario without
// steps, or to the step a scenario got stuck at, lands where going forwards did.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseScenario } from '../../src/scenario/parse';
import { IoreqRuntime, SNAPSHOT_EVERY } from '../../src/debug/runtime';
import type { Scenario } from '../../src/scenario/types';

const ROOT = path.join(__dirname, '../../..');
const load = (name: string): Scenario => {
  const f = path.join(ROOT, 'scenarios', name);
  return parseScenario(fs.readFileSync(f, 'utf8'), f);
};
/** The t of each step's first statement, as the runtime learnt it running the whole scenario forwards. */
const stepStarts = (sc: Scenario): number[] => {
  const rt = new IoreqRuntime(sc);
  assert.equal(rt.continue().reason, 'end');
  const starts = (rt as unknown as { stepStart: number[] }).stepStart.slice();
  assert.equal(starts.length, sc.steps.length);
  return starts;
};

/** dom0's toolstack creating, building and unpausing d1 with QEMU as its device model. */
const boot = (vcpus: number): unknown[] => [
  { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus },
  { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
  { actor: 'qemu', op: 'xen_hvm_init' },
  { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 },
];
const scenario = (name: string, steps: unknown[]): Scenario =>
  parseScenario(JSON.stringify({ profile: 'seed', deviceModels: [{ name: 'qemu', target: 1 }], steps }), name);

describe('debug runtime (mutation): function breakpoints and reverse-continue across travel', () => {
  const sc = load('08-sync-pio-read-write.ioreq.json');
  const starts = stepStarts(sc);

  it('a function breakpoint on the step\'s own function (xc_domain_create) does not stop again when its callee returns to it', () => {
    const rt = new IoreqRuntime(sc);
    rt.codeBreakpoints = [{ id: 1, fn: 'xc_domain_create' }];
    // From the start (xc_domain_create's first statement) on: domain_create returns into xc_domain_create at
    // check_create, which is not an entry; no later step calls xc_domain_create.
    assert.equal(rt.continue().reason, 'end');
  });

  it('after travelling to setup_guest\'s first statement (xc_hvm_build\'s step start), continue does not stop at its second', () => {
    const rt = new IoreqRuntime(sc);
    rt.codeBreakpoints = [{ id: 1, fn: 'setup_guest' }];
    const s = rt.continue();
    assert.equal(s.reason, 'function breakpoint');
    assert.equal(rt.pos.t, starts[1]);
    assert.equal(rt.frames().at(-1)!.fn, 'setup_guest');
    rt.goto(starts[1] + 5);
    rt.goto(starts[1]);
    assert.equal(rt.frames().at(-1)!.fn, 'setup_guest');
    assert.equal(rt.continue().reason, 'end', 'setup_guest is entered once');
    // A travel that lands inside the call by moving (not at the step's start) keeps it seen too.
    rt.goto(starts[1] + 1);
    assert.equal(rt.continue().reason, 'end');
  });

  it('reverse-continue from step 9 finds the breakpoint at step 8\'s first statement (a snapshot interval\'s first step), then step 5\'s', () => {
    assert.equal(SNAPSHOT_EVERY, 8, 'step 8 begins the second snapshot interval');
    const rt = new IoreqRuntime(sc);
    rt.goto(starts[8]);
    const top = rt.frames().at(-1)!;
    assert.deepEqual([sc.steps[8].op, top.fn], ['cpu_handle_ioreq', 'cpu_handle_ioreq']);
    rt.codeBreakpoints = [{ id: 7, fn: top.fn, label: top.at }];
    rt.goto(starts[9] + 3);
    let s = rt.reverseContinue();
    assert.deepEqual([s.reason, s.hitBreakpointIds, rt.pos.t, rt.pos.step], ['breakpoint', [7], starts[8], 8]);
    // From there (itself the interval's first position) the scan does not count the position it starts at.
    s = rt.reverseContinue();
    assert.deepEqual([s.reason, rt.pos.t, rt.pos.step], ['breakpoint', starts[5], 5]);
    s = rt.reverseContinue();
    assert.deepEqual([s.reason, s.description, rt.pos.t], ['entry', 'reached the start', 0]);
  });

  it('travel in a scenario without steps stays at its end', () => {
    const rt = new IoreqRuntime(parseScenario(JSON.stringify({ profile: 'seed', steps: [] }), 'empty.ioreq.json'));
    rt.goto(0);
    assert.equal(rt.ended, true);
    assert.deepEqual(rt.frames(), []);
    rt.goto(5);
    assert.deepEqual(rt.continue(), { reason: 'end', actor: 'toolstack' });
    assert.equal(rt.reverseContinue().reason, 'entry');
  });

  it('travel back to the step a deadlocked scenario is stuck at (d1v0 writes again while blocked in Xen) is stuck again there', () => {
    const stuck = scenario('stuck.ioreq.json', [...boot(1),
      { actor: 'd1v0', op: 'pio_write', port: 0x3f8, size: 1, value: 0x41 },
      { actor: 'd1v0', op: 'pio_write', port: 0x3f8, size: 1, value: 0x42 }]);
    const rt = new IoreqRuntime(stuck);
    rt.exceptionFilters = new Set(['invariant']);
    const first = rt.continue();
    assert.equal(first.where, 'step 5: deadlock');
    const at = rt.pos.t;
    rt.goto(3);
    assert.equal(rt.stuck, null);
    assert.equal(rt.frames().length > 0, true);
    rt.goto(at);
    assert.match(rt.stuck ?? '', /^stuck\.ioreq\.json:1:\d+: step 5 \(d1v0 pio_write\) cannot run: d1v0 is blocked in Xen/);
    assert.deepEqual(rt.pos, { t: at, step: 5, stmt: 0 });
    assert.deepEqual(rt.continue(), first);
  });

  /** A param nothing in scenario 08 writes (HVM_PARAM 31), as an edit's mark. */
  const mark = (rt: IoreqRuntime): number | undefined => rt.session.m.x.domains.get(1)?.arch.hvm_domain.params[31];
  const setMark = (v: number) => (x: import('../../src/scenario/exec').Session): void => { x.m.x.domains.get(1)!.arch.hvm_domain.params[31] = v; };

  it('an edit inside a step is replayed at its position: travel replays that step statement by statement, not on the flat build', () => {
    const rt = new IoreqRuntime(sc);
    const at = starts[1] + 40; // inside xc_hvm_build (step 1)
    rt.goto(at);
    rt.edit(setMark(0x51));
    // On to the end, so that the runtime knows every step's start again; then back to step 4: step 0 is replayed on
    // the flat build, step 1 (which holds the edit) statement by statement.
    assert.equal(rt.continue().reason, 'end');
    assert.equal(mark(rt), 0x51);
    rt.goto(starts[4] + 2);
    assert.equal(mark(rt), 0x51, 'the edit made in step 1 holds in step 4');
    rt.goto(at - 1);
    assert.equal(mark(rt), 0, 'before the edit\'s position it has not happened');
    rt.goto(at);
    assert.equal(mark(rt), 0x51, 'at its position it has');
  });

  it('an edit drops the snapshots taken after it: travel to step 9 after an edit in step 1 holds the edit', () => {
    const rt = new IoreqRuntime(sc);
    assert.equal(rt.continue().reason, 'end'); // the snapshot before step 8 exists, without any edit
    rt.goto(starts[1] + 3);
    rt.edit(setMark(0x52));
    // Forwards again past step 8 (its snapshot is taken anew, holding the edit), then back to step 9 from before it.
    assert.equal(rt.continue().reason, 'end');
    rt.goto(starts[2]);
    rt.goto(starts[9] + 1);
    assert.equal(mark(rt), 0x52);
    assert.equal(rt.pos.t, starts[9] + 1);
  });

  it('a second edit at an earlier position forgets the later one (the future it was made in no longer exists)', () => {
    const rt = new IoreqRuntime(sc);
    const param = (i: number): number | undefined => rt.session.m.x.domains.get(1)!.arch.hvm_domain.params[i];
    rt.goto(starts[2] - 5);
    rt.edit((x) => { x.m.x.domains.get(1)!.arch.hvm_domain.params[28] = 0x50; });
    rt.goto(starts[3]);
    rt.edit(setMark(0x53));
    rt.goto(starts[2]);
    rt.edit((x) => { x.m.x.domains.get(1)!.arch.hvm_domain.params[30] = 0x54; });
    rt.goto(starts[4]);
    assert.equal(mark(rt), 0, 'the edit at step 3 is gone');
    assert.equal(param(30), 0x54);
    assert.equal(param(28), 0x50, 'the edit before it stays');
    // Two at one position: both kept, in order.
    rt.edit(setMark(0x55));
    rt.edit((x) => { x.m.x.domains.get(1)!.arch.hvm_domain.params[29] = 0x57; });
    rt.edit(setMark(0x56));
    rt.goto(starts[5]);
    rt.goto(starts[4] + 1);
    assert.deepEqual([mark(rt), param(29), param(30), param(28)], [0x56, 0x57, 0x54, 0x50]);
  });

  it('travel back from the end to step 2 lands there, not at the later snapshot\'s step', () => {
    const rt = new IoreqRuntime(sc);
    rt.continue();
    rt.goto(starts[2] + 1);
    assert.deepEqual([rt.pos.t, rt.pos.step, rt.pos.stmt], [starts[2] + 1, 2, 1]);
    assert.equal(rt.currentStep!.op, 'xen_hvm_init');
  });

  it('stepBack in another thread goes to that thread\'s latest step\'s return; from the start, or with none, it stays', () => {
    const rt = new IoreqRuntime(sc);
    assert.deepEqual(rt.stepBack('d1v0'), { reason: 'entry', actor: 'd1v0', description: 'at the start' });
    rt.goto(starts[2] + 4); // qemu in xen_hvm_init: d1v0 has no step before
    assert.deepEqual(rt.stepBack('d1v0'), { reason: 'entry', actor: 'd1v0' });
    assert.equal(rt.pos.t, starts[2] + 4, 'it stays');
    assert.deepEqual(rt.stepBack('toolstack'), { reason: 'step', actor: 'toolstack' });
    assert.equal(rt.pos.t, starts[2] - 1, "xc_hvm_build's return (step 1)");
    assert.equal(rt.returned, true);
    rt.goto(starts[5] + 6); // qemu in cpu_handle_ioreq (step 5)
    rt.stepBack('d1v0');
    assert.deepEqual([rt.pos.t, rt.pos.step, rt.returned], [starts[5] - 1, 4, true], "pio_write's return (step 4)");
    // From a thread's own step's first statement: its previous step's return.
    rt.goto(starts[7]);
    assert.equal(rt.currentStep!.actor, 'd1v0');
    rt.stepBack('d1v0');
    assert.deepEqual([rt.pos.t, rt.pos.step], [starts[7] - 1, 6]);
    // From the end: the thread's last step's return.
    rt.continue();
    assert.equal(rt.ended, true);
    const end = rt.pos.t;
    rt.stepBack('qemu');
    assert.deepEqual([rt.pos.t, rt.pos.step, rt.returned], [starts[12] - 1, 11, true]);
    rt.goto(end);
    rt.stepBack('d1v0');
    assert.deepEqual([rt.pos.t, rt.pos.step, rt.returned], [end - 1, 12, true], 'the last step is d1v0\'s');
  });

  it('next, stepIn and stepOut report a step stop; next by instruction goes into a call as stepIn does', () => {
    const rt = new IoreqRuntime(sc);
    // xc_domain_create's first statement calls domain_create.
    assert.equal(rt.frames().length, 1);
    assert.deepEqual(rt.next('toolstack', 'instruction'), { reason: 'step', actor: 'toolstack' });
    assert.deepEqual([rt.frames().length, rt.frames().at(-1)!.fn], [2, 'domain_create']);
    assert.deepEqual(rt.stepOut('toolstack'), { reason: 'step', actor: 'toolstack' });
    assert.deepEqual([rt.frames().length, rt.frames().at(-1)!.at], [1, 'check_create']);
    rt.reset();
    assert.deepEqual(rt.next('toolstack'), { reason: 'step', actor: 'toolstack' });
    assert.deepEqual([rt.frames().length, rt.frames().at(-1)!.at], [1, 'check_create'], 'next steps over domain_create');
    assert.deepEqual(rt.stepIn('toolstack'), { reason: 'step', actor: 'toolstack' });
    assert.equal(rt.frames().at(-1)!.at, 'get_domain');
  });

  it('stepOut from a step\'s return goes to the thread\'s next step\'s first statement', () => {
    const rt = new IoreqRuntime(sc);
    rt.goto(starts[1] - 1); // xc_domain_create's return
    assert.equal(rt.returned, true);
    assert.deepEqual(rt.stepOut('toolstack'), { reason: 'step', actor: 'toolstack' });
    assert.deepEqual([rt.pos.t, rt.frames().at(-1)!.fn], [starts[1], 'setup_guest']);
    // For d1v0, from toolstack's step: its first statement (step 4).
    rt.goto(starts[3]);
    rt.stepOut('d1v0');
    assert.deepEqual([rt.pos.t, rt.pos.step], [starts[4], 4]);
  });

  it('two data breakpoints hit by one write are one stop naming both (d1v0 setting READY writes the slot\'s state byte)', () => {
    const rt = new IoreqRuntime(sc);
    rt.dataBreakpoints = [{ id: 1, dataId: 'slot:1:0:state' }, { id: 2, dataId: 'mem:1:feff9:30:1' }];
    const got = [0, 1, 2].map(() => rt.continue());
    assert.deepEqual(got.map((s) => [s.reason, s.hitBreakpointIds, s.description]), [
      ['data breakpoint', [2], 'd1:0xfeff9+0x1e (1 byte) written by qemu in prepare_ring_for_helper (check_va)'],
      ['data breakpoint', [1], 'd1v0 slot state written by qemu in hvm_create_ioreq_server (publish)'],
      ['data breakpoint', [1, 2], 'd1v0 slot state, d1:0xfeff9+0x1e (1 byte) written by d1v0 in hvm_send_assist_req_to_server (ready)'],
    ]);
  });

  it('the stops of one return come one per continue (the failing after check, then the invariant), then the run moves on', () => {
    // Scenario 12 with its allow taken out and write_state's after check made to fail: QEMU writing state 5 into the
    // slot is both at that step's return.
    const f = path.join(ROOT, 'scenarios', '12-weird-state-crash.ioreq.json');
    const text = fs.readFileSync(f, 'utf8');
    const changed = text.replace('"explore": { "allow": ["impossible-slot-state"] },', '')
      .replace('{ "path": "domains.1.vcpus.0.slot.state", "equals": 5 }', '{ "path": "domains.1.vcpus.0.slot.state", "equals": 6 }');
    assert.equal(changed.length, text.length - '"explore": { "allow": ["impossible-slot-state"] },'.length);
    const crash = parseScenario(changed, f);
    const rt = new IoreqRuntime(crash);
    rt.exceptionFilters = new Set(['failed_expectation', 'invariant', 'domain_crash']);
    const a = rt.continue();
    const t = rt.pos.t;
    assert.deepEqual([a.reason, a.exception?.id, a.description, rt.pos.step, rt.returned], ['exception', 'failed_expectation', 'expectation failed: domains.1.vcpus.0.slot.state == 6 (got 5)', 8, true]);
    const b = rt.continue();
    assert.deepEqual([b.reason, b.exception?.id, rt.pos.t], ['exception', 'invariant', t]);
    assert.match(b.description!, /^impossible-slot-state: /);
    const c = rt.continue();
    assert.deepEqual([c.reason, c.exception?.id, c.description], ['exception', 'domain_crash', 'domain_crash(d1): Weird HVM iorequest state 5'], 'on to the next stop');
    assert.ok(rt.pos.t > t);
  });

  it('a deadlock names each actor\'s blocked step, then every other vcpu left blocked in Xen (hvm_wait_on_io) with no step to come', () => {
    const sc2 = scenario('deadlock2.ioreq.json', [...boot(2),
      { actor: 'd1v0', op: 'pio_write', port: 0x3f8, size: 1, value: 0x41 },
      { actor: 'd1v1', op: 'pio_write', port: 0x3f8, size: 1, value: 0x42 },
      { actor: 'd1v1', op: 'pio_write', port: 0x3f8, size: 1, value: 0x43 }]);
    const rt = new IoreqRuntime(sc2);
    const s = rt.continue();
    const text = 'deadlock: d1v1 cannot run step 6 (pio_write): d1v1 is blocked in Xen until its ioreq port is notified; d1v0 is blocked in Xen waiting for its ioreq';
    assert.deepEqual(s, { reason: 'exception', actor: 'd1v1', description: text, exception: { id: 'invariant', text }, location: sc2.steps[6].loc, where: 'step 6: deadlock' });
  });

  it('a step that cannot run while another actor\'s later step can is not a deadlock: it stops as that step\'s failure, at its line', () => {
    const sc3 = scenario('stuck-not-deadlock.ioreq.json', [...boot(1),
      { actor: 'd1v0', op: 'pio_write', port: 0x3f8, size: 1, value: 0x41 },
      { actor: 'd1v0', op: 'pio_write', port: 0x3f8, size: 1, value: 0x42 },
      { actor: 'qemu', op: 'cpu_handle_ioreq', vcpu: 0 }]);
    const rt = new IoreqRuntime(sc3);
    const s = rt.continue();
    const why = `stuck-not-deadlock.ioreq.json:${sc3.steps[5].loc.line}:${sc3.steps[5].loc.column}: step 5 (d1v0 pio_write) cannot run: d1v0 is blocked in Xen until its ioreq port is notified`;
    assert.deepEqual(s, { reason: 'exception', actor: 'd1v0', description: why, exception: { id: 'failed_expectation', text: why }, location: sc3.steps[5].loc, where: 'step 5: pio_write cannot run' });
    assert.deepEqual(rt.continue(), s, 'stuck: continue reports it again');
  });
});
