// Issue 15: wait_for_io one read at a time (the wait_for_io op), the two zoo bugs it lets the explorer find
// (68: XSA-166, 69: XSA-262) and the answer to field-pain item 8, Linux's privcmd ioeventfd sharing a vcpu's
// ioreq port with a user-space backend (70-73). The verdicts are computed here by exploring the bundled files.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { explore, type ExploreResult } from '../../src/scenario/explore';
import { parseScenario, type Scenario } from '../../src/scenario/parse';
import { runScenario } from '../../src/scenario/run';

const DIR = path.join(__dirname, '../../../scenarios');
const OPTS = { maxStates: 200000, hashing: true };

function load(nn: string, opts: { fixed?: boolean } = {}): { sc: Scenario; text: string; file: string } {
  const f = fs.readdirSync(DIR).find((x) => x.startsWith(`${nn}-`));
  assert.ok(f, `no scenario ${nn}`);
  const file = path.join(DIR, f);
  const text = fs.readFileSync(file, 'utf8');
  return { sc: parseScenario(text, file, opts), text, file };
}
const kinds = (r: ExploreResult): string[] => r.violations.map((v) => v.kind).sort();
const replay = (cx: Record<string, unknown>) => runScenario(parseScenario(JSON.stringify(cx), 'cx.ioreq.json'));

describe('issue 15: wait_for_io one read at a time', function () {
  this.timeout(120000);

  it('a plain hvm_do_resume and slices of one read reach the same end (28: QEMU round trip, then the same file sliced)', () => {
    const { text, file } = load('28');
    const whole = runScenario(parseScenario(text, file));
    const doc = JSON.parse(text.replace(/^\/\/.*\n/, '')) as { steps: Array<Record<string, unknown>> };
    // Each hvm_do_resume becomes two one-read slices and a rest: the guest sees the same value and state.
    doc.steps = doc.steps.flatMap((st) => (st.op === 'hvm_do_resume'
      ? [{ actor: st.actor, op: 'wait_for_io' }, { actor: st.actor, op: 'wait_for_io' }, { ...st }] : [st]));
    const sliced = runScenario(parseScenario(JSON.stringify(doc), 'sliced.ioreq.json'));
    assert.equal(sliced.ok, true);
    assert.equal(whole.ok, true);
    const rax = (r: typeof whole) => r.session.m.x.domains.get(1)!.vcpu[0].rax;
    assert.equal(rax(sliced), rax(whole));
    assert.equal(rax(sliced), 0x41n);
  });

  it('68 (b452430a4c reverted): the bounds check and the jump table read the state apart: a panic; fixed, the state 9 crashes the domain', () => {
    const bug = explore(load('68').sc, OPTS);
    assert.deepEqual(kinds(bug), ['panic']);
    assert.match(bug.violations[0].message, /bounds check read 1, the jump table's index read 9/);
    const order = bug.violations[0].trail.map((i) => bug.scenario.steps[i].op);
    assert.ok(order.lastIndexOf('wait_for_io') > order.indexOf('write_state'), 'the write falls between the two reads');
    const fixed = runScenario(load('68', { fixed: true }).sc);
    assert.equal(fixed.ok, true);
    assert.ok(fixed.session.m.x.console.some((l) => l.text.includes('Weird HVM iorequest state 9')));
  });

  it('69 (92938e5d14 reverted): INPROCESS, READY, INPROCESS keeps Xen in the loop (xen-livelock); fixed: no livelock, the backwards step crashes', () => {
    const bug = explore(load('69').sc, OPTS);
    assert.deepEqual(kinds(bug), ['xen-livelock']);
    const fixed = explore(load('69', { fixed: true }).sc, OPTS);
    assert.deepEqual(kinds(fixed), []);
    assert.equal(fixed.complete, true);
    const inOrder = runScenario(load('69', { fixed: true }).sc);
    assert.ok(inOrder.session.m.x.console.some((l) => l.text.includes('Weird HVM ioreq state transition 2 -> 1')));
    // Without the slices (one hvm_do_resume for the whole wait) the buggy form hides the cycle.
    const doc = JSON.parse(load('69').text.replace(/^\/\/.*\n/, '')) as { steps: Array<Record<string, unknown>> };
    doc.steps = doc.steps.filter((st, i, all) => st.op !== 'wait_for_io' || all.slice(i + 1).every((x) => x.op !== 'wait_for_io'))
      .map((st) => (st.op === 'wait_for_io' ? { actor: st.actor, op: 'hvm_do_resume' } : st));
    const coarse = explore(parseScenario(JSON.stringify(doc), '69-coarse.ioreq.json'), OPTS);
    assert.ok(!kinds(coarse).includes('xen-livelock'));
  });
});

describe('issue 15: Linux privcmd ioeventfd and a user-space backend on one ioreq port (field-pain item 8)', function () {
  this.timeout(120000);

  it('70: explore finds both suspected failures: the weird 2 -> 1 transition (domain crashed) and the skipped request (vcpu never woken)', () => {
    const r = explore(load('70').sc, OPTS);
    assert.equal(r.complete, true);
    assert.deepEqual(kinds(r), ['deadlock', 'expectation', 'vcpu-blocked-forever']);
    const crash = r.violations.find((v) => v.kind === 'expectation')!;
    assert.match(crash.message, /Weird HVM ioreq state transition 2 -> 1/);
    assert.ok(crash.trail.length <= 25);
    const hang = r.violations.find((v) => v.kind === 'deadlock')!;
    assert.match(hang.message, /d1v0 is blocked in Xen/);
    // The skipped request: the backend's step comes after the kernel's INPROCESS and before its READY.
    const ops = hang.trail.map((i) => `${r.scenario.steps[i].op}:${String(r.scenario.steps[i].args.part ?? '')}`);
    const at = (s: string) => ops.lastIndexOf(s); // the backend's first step only takes the event its bind left
    assert.ok(at('ioeventfd_interrupt:inprocess') < at('cpu_handle_ioreq:') && at('cpu_handle_ioreq:') < at('ioeventfd_interrupt:state'), ops.join(' '));
    // The counterexample ends with the step that cannot run (the deadlock): run whole, it is refused there.
    assert.throws(() => replay(hang.counterexample), /step \d+ \(d1v0 wait_for_io\) cannot run: d1v0 is blocked in Xen/);
    const run = runScenario(parseScenario(JSON.stringify(hang.counterexample), 'cx.ioreq.json'), { upTo: hang.trail.length });
    const v = run.session.m.x.domains.get(1)!.vcpu[0];
    assert.equal(v.pause_flags.blocked_in_xen, true);
    assert.equal(run.session.m.dms.get('virtio')!.handled, 0);
  });

  it('71: with the kernel touching only its own requests (ownOnly) every interleaving is clean', () => {
    const r = explore(load('71').sc, OPTS);
    assert.deepEqual(r.violations.map((v) => `${v.kind}: ${v.message}`), []);
    assert.equal(r.complete, true);
    assert.ok(r.statesExplored > 10);
  });

  it("privcmd_ioeventfd's 'of' must name another device model: a located parse error otherwise", () => {
    const { text, file } = load('70');
    const bad = text.replace('"of": "virtio"', '"of": "virtoi"');
    assert.throws(() => parseScenario(bad, file), (e: Error) => /:\d+:\d+.*'of' must name another device model of the file \(virtio\)/.test(e.message) || (console.log(e.message), false));
  });

  it("74: the kernel's own queue notify, with the fix and as posted: clean either way", () => {
    const { sc, text, file } = load('74');
    const fixed = explore(sc, OPTS);
    assert.deepEqual(fixed.violations.map((v) => `${v.kind}: ${v.message}`), []);
    assert.equal(fixed.complete, true);
    const posted = explore(parseScenario(text.replace('"ownOnly": true', '"ownOnly": false'), file), OPTS);
    assert.deepEqual(posted.violations.map((v) => `${v.kind}: ${v.message}`), []);
    assert.ok(sc.steps.some((s) => s.args.ownOnly === true));
  });

  it('72 and 73, the witnesses, run in file order to the crash and to the hang', () => {
    const crash = runScenario(load('72').sc);
    assert.equal(crash.ok, true);
    assert.ok(crash.session.m.x.domains.get(1)!.crashed);
    const hang = runScenario(load('73').sc);
    assert.equal(hang.ok, true);
    assert.equal(hang.session.m.x.domains.get(1)!.vcpu[0].pause_flags.blocked_in_xen, true);
  });
});
