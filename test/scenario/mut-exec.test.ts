// Running one scenario step (src/scenario/exec.ts) under issue 16's mutation testing: a session boots the profile with
// the file's reverted fixes and device models, says why a step cannot run (a panicked host, an unmet `when`, the op's
// own state checks), runs a step on either build with the same result, turns a Xen panic into the step's result, and
// forks with or without the event history.
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { drain, type Co } from '../../src/model/step';
import { Session, type StepResult } from '../../src/scenario/exec';
import { parseScenario } from '../../src/scenario/parse';
import type { Step } from '../../src/scenario/types';

const SCENARIOS = path.join(__dirname, '..', '..', '..', 'scenarios');
const load = (name: string) => parseScenario(fs.readFileSync(path.join(SCENARIOS, name), 'utf8'), name);

describe('exec: one step on the model', () => {
  it("a session boots the file's profile with its reverted fixes and its device models as declared", () => {
    const sc = parseScenario(JSON.stringify({
      profile: '4.21', revert: ['b7007bc6f9'],
      deviceModels: [{ name: 'vs', domid: 0, target: 1, kind: 'varstored', resourceUnsupported: true, maxCpus: 3 }],
      steps: [{ actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 }],
    }), 'boot.ioreq.json');
    const s = new Session(sc);
    assert.equal(s.m.profile, '4.21');
    assert.deepEqual([...s.m.x.reverts], ['b7007bc6f9']);
    assert.equal(s.m.x.reverted('b7007bc6f9'), true);
    const dm = s.m.dms.get('vs')!;
    assert.deepEqual([dm.domid, dm.target, dm.max_cpus, dm.kind, dm.resource_unsupported], [0, 1, 3, 'varstored', true]);
  });

  it('a step waiting on `when` says what it waits for; the checker follows each step', () => {
    const sc = load('05-eexist-enoent-einval.ioreq.json');
    const s = new Session(sc);
    assert.equal(s.blocked(sc.steps[2]), 'it waits until domains.1.params.IOREQ_PFN exists (it does not)');
    const c = s.checker();
    assert.equal(s.checker(), c); // kept while nothing runs
    s.runFlat(sc.steps[0]);
    assert.notEqual(s.checker(), c); // a step changes the state: a fresh checker
    s.runFlat(sc.steps[1]);
    assert.equal(s.blocked(sc.steps[2]), null);
    const c2 = s.checker();
    drain(s.runStepped(sc.steps[2]) as Co<StepResult>);
    assert.notEqual(s.checker(), c2);
    // The op's own check: a second creation of d1.
    assert.equal(s.blocked(sc.steps[0]), 'd1 already exists');
  });

  it('the flat and the stepped build give a step the same result and the same state', () => {
    const sc = load('05-eexist-enoent-einval.ioreq.json');
    const a = new Session(sc), b = new Session(sc);
    for (const step of sc.steps) {
      if (a.blocked(step)) break;
      const ra = a.runFlat(step), rb = drain(b.runStepped(step) as Co<StepResult>);
      assert.deepEqual(rb, ra, `step ${step.index}`);
    }
    assert.deepEqual(b.m.x.events.map((e) => e.text), a.m.x.events.map((e) => e.text));
  });

  it('a Xen panic is the step\'s result (rc -1) on either build, and no step runs after it', () => {
    // Scenario 29's panicking order (the explorer's counterexample): the server enabled before its pages were mapped.
    const sc = load('29-x421-hazard-enable-before-map.ioreq.json');
    const order = [0, 1, 7, 2, 3, 4, 8];
    const a = new Session(sc), b = new Session(sc);
    const last = order.length - 1;
    for (const [k, i] of order.entries()) {
      assert.equal(a.blocked(sc.steps[i]), null, `step ${i}`);
      const ra = a.runFlat(sc.steps[i]), rb = drain(b.runStepped(sc.steps[i]) as Co<StepResult>);
      if (k < last) { assert.equal(ra.panic, undefined); continue; }
      const why = 'NULL dereference: get_ioreq(d1 server 0, v0) with no ioreq page (the emulator never acquired or mapped it)';
      assert.deepEqual(ra, { rc: -1, panic: why });
      assert.deepEqual(rb, { rc: -1, panic: why });
    }
    assert.equal(a.blocked(sc.steps[5]), `the host has panicked (NULL dereference: get_ioreq(d1 server 0, v0) with no ioreq page (the emulator never acquired or mapped it))`);
  });

  it('a fork runs on by itself; without events it starts an empty history', () => {
    const sc = load('05-eexist-enoent-einval.ioreq.json');
    const s = new Session(sc);
    s.runFlat(sc.steps[0]);
    const n = s.m.x.events.length;
    const withEv = s.clone(), without = s.clone(false);
    assert.equal(withEv.m.x.events.length, n);
    assert.equal(without.m.x.events.length, 0);
    withEv.runFlat(sc.steps[1]);
    assert.equal(s.m.x.events.length, n);
    assert.equal(s.m.x.domains.get(1)!.reserved_mem_pgstart, 0);
    assert.notEqual(withEv.m.x.domains.get(1)!.reserved_mem_pgstart, 0);
    assert.equal(withEv.sc, sc);
  });

  it("a fork keeps the device model's own state and the reverted fixes as they are, not as the file starts them", () => {
    const sc = load('08-sync-pio-read-write.ioreq.json');
    const s = new Session(sc);
    for (const step of sc.steps.slice(0, 3)) s.runFlat(step);
    const dm = s.m.dms.get('qemu')!;
    assert.ok(dm.ioreq_local_port.length > 0 && dm.shared_page !== null, 'xen_hvm_init bound the ports and mapped the page');
    s.m.x.reverts = new Set(['3b586fc67d']);
    const c = s.clone();
    const cd = c.m.dms.get('qemu')!;
    assert.deepEqual([cd.ioreq_local_port, cd.bufioreq_local_port, cd.ioreq_pfn], [dm.ioreq_local_port, dm.bufioreq_local_port, dm.ioreq_pfn]);
    assert.deepEqual([...c.m.x.reverts], ['3b586fc67d']);
  });

  it('an op missing from the table is an internal error, not a silent no-op', () => {
    const sc = load('05-eexist-enoent-einval.ioreq.json');
    const s = new Session(sc);
    const bogus = { ...sc.steps[0], op: 'no_such_op' } as Step;
    assert.throws(() => s.blocked(bogus), /internal: op no_such_op is not in the table/);
    assert.throws(() => s.call(bogus), /internal: no call for op no_such_op/);
  });
});
