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
    const stuck = parseScenario(JSON.stringify({
      profile: 'seed', deviceModels: [{ name: 'qemu', target: 1 }],
      steps: [
        { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 },
        { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
        { actor: 'qemu', op: 'xen_hvm_init' },
        { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 },
        { actor: 'd1v0', op: 'pio_write', port: 0x3f8, size: 1, value: 0x41 },
        { actor: 'd1v0', op: 'pio_write', port: 0x3f8, size: 1, value: 0x42 },
      ],
    }), 'stuck.ioreq.json');
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
});
