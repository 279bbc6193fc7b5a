// `ioreq-scope run` (src/scenario/run.ts) under issue 16's mutation testing: steps in file order up to --at, the
// located error for a step that cannot run, each step's own events and verdicts, the file's final expectations only
// once every step ran, and the trace line of each step.
import assert from 'node:assert/strict';
import { ScenarioError } from '../../src/scenario/errors';
import { parseScenario } from '../../src/scenario/parse';
import { runScenario, stepLine, type StepRecord } from '../../src/scenario/run';

const STEPS = [
  { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 },
  { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
  { actor: 'qemu', op: 'hvmop_get_param', param: 'IOREQ_PFN', expect: { rc: 0, value: '0xfeff9' }, note: 'creates the server',
    after: [{ path: 'domains.1.ioreqServer.domid', equals: 0 }] },
  { actor: 'toolstack', op: 'hvmop_set_param', domid: 1, param: 'BUFIOREQ_EVTCHN', value: 9, expect: { rc: '-EINVAL' } },
];
const file = (steps: unknown[], expect: unknown[] = []) => parseScenario(JSON.stringify({
  profile: 'seed', deviceModels: [{ name: 'qemu', domid: 0, target: 1 }], steps, expect }, null, 1), 'run.ioreq.json');

describe('run: a scenario step by step', () => {
  it('runs every step in order, each with its own events and verdicts, then the final expectations', () => {
    const seen: number[] = [];
    const r = runScenario(file(STEPS, [{ path: 'domains.1.ioreqServer.bufIoreqEvtchn', equals: 4 }]), { onStep: (s) => seen.push(s.step.index) });
    assert.deepEqual(seen, [0, 1, 2, 3]);
    assert.deepEqual(r.steps.map((s) => s.step.index), [0, 1, 2, 3]);
    assert.deepEqual(r.steps.map((s) => s.result.rc), [0, 0, 0, -22]);
    assert.equal(r.steps[2].result.value, 0xfeff9n);
    // Each step's events are its own: together they are the history since the first step (the session's set-up made
    // the first few), in order, none twice, none left out.
    const all = r.steps.flatMap((s) => s.events);
    const history = r.session.m.x.events;
    assert.ok(all.length > 10 && all.length < history.length);
    assert.deepEqual(all.map((e) => e.seq), history.slice(history.length - all.length).map((e) => e.seq));
    assert.ok(r.steps[2].events.some((e) => e.kind === 'server_create'));
    assert.ok(!r.steps[3].events.some((e) => e.kind === 'server_create'));
    // Step 2: rc, value and its `after`; step 3: rc.
    assert.deepEqual(r.steps.map((s) => s.verdicts.length), [0, 0, 3, 1]);
    assert.ok(r.steps.every((s) => s.verdicts.every((v) => v.ok)));
    assert.deepEqual(r.final.map((v) => v.ok), [true]);
    assert.equal(r.ok, true);
  });

  it('a failed step expectation, `after` check or final expectation makes the run not ok', () => {
    const bad = STEPS.map((s, i) => (i === 3 ? { ...s, expect: { rc: 0 } } : s));
    assert.equal(runScenario(file(bad)).ok, false);
    const badAfter = STEPS.map((s, i) => (i === 2 ? { ...s, after: [{ path: 'domains.1.ioreqServer.domid', equals: 7 }] } : s));
    const r = runScenario(file(badAfter));
    assert.deepEqual(r.steps[2].verdicts.map((v) => v.ok), [true, true, false]);
    assert.equal(r.ok, false);
    const badFinal = runScenario(file(STEPS, [{ path: 'domains.1.ioreqServer.bufIoreqEvtchn', equals: 5 }]));
    assert.deepEqual([badFinal.steps.every((s) => s.verdicts.every((v) => v.ok)), badFinal.final.map((v) => v.ok), badFinal.ok], [true, [false], false]);
  });

  it('--at N runs the first N steps and checks no final expectation; past the end it runs them all', () => {
    const sc = file(STEPS, [{ path: 'domains.1.ioreqServer.bufIoreqEvtchn', equals: 5 }]);
    const r = runScenario(sc, { upTo: 2 });
    assert.deepEqual([r.steps.length, r.final, r.ok], [2, [], true]);
    assert.equal(r.session.m.x.domains.get(1)!.arch.hvm_domain.ioreq_server, null);
    assert.deepEqual([runScenario(sc, { upTo: 0 }).steps.length, runScenario(sc, { upTo: 99 }).steps.length, runScenario(sc, { upTo: 99 }).final.length], [0, 4, 1]);
  });

  it('a step that cannot run stops the run with a located error naming it', () => {
    const sc = file([STEPS[0], { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 }]);
    assert.throws(() => runScenario(sc), (e: Error) => {
      assert.ok(e instanceof ScenarioError);
      assert.equal(e.what, 'step 1 (toolstack xc_domain_create) cannot run: d1 already exists');
      assert.equal(e.loc.line, sc.steps[1].loc.line);
      return true;
    });
  });

  it('the trace line: index, actor, op, the arguments as written, then rc by name and the value in hex', () => {
    const r = runScenario(file(STEPS));
    assert.deepEqual(r.steps.map(stepLine), [
      '#0 toolstack xc_domain_create domid=1 vcpus=1 -> rc 0',
      '#1 toolstack xc_hvm_build domid=1 -> rc 0',
      '#2 qemu hvmop_get_param param=IOREQ_PFN -> rc 0, value 0xfeff9',
      '#3 toolstack hvmop_set_param domid=1 param=BUFIOREQ_EVTCHN value=9 -> rc -EINVAL',
    ]);
    const rec = (raw: Record<string, unknown>, result: StepRecord['result']) => stepLine({ ...r.steps[0], step: { ...r.steps[0].step, raw }, result });
    assert.equal(rec({ actor: 'x', op: 'y', ranges: [1, 2], flag: true }, { rc: 0 }), '#0 toolstack xc_domain_create ranges=[1,2] flag=true -> rc 0');
    assert.equal(rec({ actor: 'x', op: 'y' }, { rc: 0, panic: 'Xen BUG at hvm.c:1' }), '#0 toolstack xc_domain_create -> PANIC: Xen BUG at hvm.c:1');
    assert.equal(rec({ actor: 'x', op: 'y' }, { rc: 0, value: 0n }), '#0 toolstack xc_domain_create -> rc 0, value 0x0');
  });
});
