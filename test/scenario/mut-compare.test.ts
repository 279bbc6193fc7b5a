// What `ioreq-scope compare` reports (src/scenario/compare.ts) under issue 16's mutation testing: every kind of
// difference between profiles at a step — rc, value, panic, the domains that crashed during it, its own model events
// and console lines (as multisets: only what is not in every profile), its verdicts — then a run that stops, the
// final expectations, the first divergence, and the text and JSON reports line for line. The profiles' own code agrees
// on the flow used here (dom0's event channels, a second domain); the differences are made by wrapping the op's call
// per profile, so each expected line is known before the run.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ProfileName } from '../../src/model/layout';
import type { Model } from '../../src/model/model';
import { XenPanic } from '../../src/model/panic';
import { direct, unwrapDirect, type AnyImpl, type Call, type StepResult } from '../../src/scenario/call';
import { compareProfiles, compareReport, type CompareResult } from '../../src/scenario/compare';
import { OPS, type OpSpec } from '../../src/scenario/ops';
import { parseScenario } from '../../src/scenario/parse';
import { runScenario } from '../../src/scenario/run';
import type { Step } from '../../src/scenario/types';

const SCENARIOS = path.join(__dirname, '../../..', 'scenarios');
const ALLOC = { actor: 'toolstack', op: 'evtchn_alloc_unbound', domid: 0, remote: 0 };
const PROFILES: ProfileName[] = ['seed', '4.5', '4.21'];

/** What a wrapped step does besides its own call, under one profile: may override the result. */
type Extra = (m: Model, step: Step) => Partial<StepResult> | void;

/** Runs body with evtchn_alloc_unbound's call wrapped: extras[profile][step index] runs after the real call. */
function withExtras<T>(extras: Partial<Record<ProfileName, Record<number, Extra>>>, body: () => T): T {
  const spec = OPS.evtchn_alloc_unbound as OpSpec;
  const saved = spec.call;
  spec.call = (m: Model, step: Step): Call => {
    const c = saved(m, step);
    const extra = extras[m.profile]?.[step.index];
    if (!extra) return c;
    let over: Partial<StepResult> | void;
    return { ...c, fn: (impl: AnyImpl) => direct(() => { const v = unwrapDirect(c.fn(impl)); over = extra(m, step); return v; }),
      post: (ret: unknown) => ({ ...c.post(ret), ...(over ?? {}) }) };
  };
  try { return body(); } finally { spec.call = saved; }
}

const crash = (m: Model, domid: number, reason: string) => { m.x.domains.get(domid)!.crashed = { reason, fn: 'test', actor: 'toolstack' }; };
const event = (m: Model, text: string) => m.x.emit({ kind: 'io_internal', fn: 'test', domid: 0, text });

const FLOW = JSON.stringify({
  profile: 'seed',
  steps: [
    { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 },
    { ...ALLOC, expect: { rc: 0 }, after: [{ noCrash: 1 }, { noCrash: 0 }] },
    ALLOC, ALLOC, ALLOC, ALLOC,
  ],
  expect: [{ noCrash: 0 }],
}, null, 1);

/** The flow with a difference of every kind, as the wrapped calls make them. */
function divergent(): CompareResult {
  return withExtras({
    seed: {
      1: (m) => { crash(m, 1, 'R1'); event(m, 'dup'); },
      2: (m) => { m.x.printk('XENLOG_INFO', 'test', null, 'hello'); },
    },
    '4.5': {
      1: (m) => { crash(m, 0, 'R0'); crash(m, 1, 'R1'); event(m, 'dup'); event(m, 'dup'); },
      2: () => ({ rc: -22 }),
      5: () => ({ rc: -1 }), // after the runs parted: never compared
    },
    '4.21': {
      1: (m) => { crash(m, 1, 'R1'); },
      2: () => ({ value: 0x10n }),
      3: () => { throw new XenPanic('test', 'boom'); },
    },
  }, () => compareProfiles(FLOW, 'flow.ioreq.json', PROFILES));
}

describe('compare: every difference between profiles, and the reports', () => {
  it('rc, value, panic, crashes, events, console and verdicts per step; the run that stops; the final expectations', () => {
    const r = divergent();
    assert.equal(r.firstDivergence, 1);
    assert.deepEqual(r.differences, [
      // Crashes during the step: each profile's whole list (4.5's d0 crashed besides the d1 all three crashed).
      { step: 1, field: 'crash', values: { seed: ['d1: R1'], '4.5': ['d0: R0', 'd1: R1'], '4.21': ['d1: R1'] } },
      // Events as multisets: seed's one `dup` is not in 4.21; 4.5's two are one more than seed's and two more than 4.21's.
      { step: 1, field: 'events', values: { seed: ['io_internal: dup'], '4.5': ['io_internal: dup', 'io_internal: dup'], '4.21': [] } },
      { step: 1, field: 'verdicts', values: { seed: ['PASS d0 did not crash'], '4.5': ['FAIL d0 did not crash (it did: R0)'], '4.21': ['PASS d0 did not crash'] } },
      { step: 2, field: 'rc', values: { seed: '0', '4.5': '-EINVAL', '4.21': '0' } },
      { step: 2, field: 'value', values: { seed: '0x2', '4.5': '0x2', '4.21': '0x10' } },
      { step: 2, field: 'console', values: { seed: ['(XEN) hello'], '4.5': [], '4.21': [] } },
      { step: 3, field: 'rc', values: { seed: '0', '4.5': '0', '4.21': '(none)' } },
      { step: 3, field: 'value', values: { seed: '0x3', '4.5': '0x3', '4.21': '(none)' } },
      { step: 3, field: 'panic', values: { seed: '(none)', '4.5': '(none)', '4.21': 'boom' } },
      // 4.21 stopped at its panic: the runs part here, and step 5's difference is never compared.
      { step: 4, field: 'ran', values: { seed: 'ran', '4.5': 'ran', '4.21': 'not reached' } },
      { step: 'end', field: 'verdicts', values: { seed: ['PASS d0 did not crash'], '4.5': ['FAIL d0 did not crash (it did: R0)'], '4.21': [] } },
    ]);
    // A crash is reported at the step it happened in only; a printk is a console line, not an event.
    const s45 = r.runs[1].steps;
    assert.deepEqual(s45[2]!.crashes, []);
    assert.deepEqual(r.runs[0].steps[2]!.events, ['evtchn_alloc: d0 port 2 unbound for remote d0']);
    assert.deepEqual(r.runs[0].steps[2]!.console, ['(XEN) hello']);
    assert.deepEqual([r.runs.map((x) => x.steps.length), r.runs.map((x) => x.final)], [[6, 6, 4],
      [['PASS d0 did not crash'], ['FAIL d0 did not crash (it did: R0)'], []]]);
    assert.deepEqual(r.runs[2].steps[3], { rc: undefined, value: undefined, panic: 'boom', crashes: [], events: ['evtchn_alloc: d0 port 3 unbound for remote d0'], console: [], verdicts: [] });
  });

  it("each step's events, console lines and verdicts are its own, as `run` reports them for the profile", () => {
    const text = fs.readFileSync(path.join(SCENARIOS, '12-weird-state-crash.ioreq.json'), 'utf8');
    const r = compareProfiles(text, '12.ioreq.json', ['seed', 'legacy']);
    for (const [k, p] of (['seed', 'legacy'] as const).entries()) {
      const own = runScenario(parseScenario(text, '12.ioreq.json', { profile: p }));
      assert.equal(r.runs[k].steps.length, own.steps.length);
      own.steps.forEach((s, i) => {
        const o = r.runs[k].steps[i]!;
        assert.deepEqual(o.events, s.events.filter((e) => e.kind !== 'printk').map((e) => `${e.kind}: ${e.text}`), `${p} step ${i}`);
        assert.deepEqual(o.console, s.events.filter((e) => e.kind === 'printk').map((e) => `(XEN) ${e.text}`), `${p} step ${i}`);
        assert.deepEqual(o.verdicts, s.verdicts.map((v) => `${v.ok ? 'PASS' : 'FAIL'} ${v.text}`));
        assert.equal(o.value, s.result.value === undefined ? undefined : `0x${s.result.value.toString(16)}`);
      });
      assert.deepEqual(r.runs[k].final, own.final.map((v) => `${v.ok ? 'PASS' : 'FAIL'} ${v.text}`));
      // Under both, d1 crashes at the last step, and only there.
      assert.deepEqual(r.runs[k].steps.map((o) => o!.crashes.length), own.steps.map((_, i) => (i === own.steps.length - 1 ? 1 : 0)));
    }
    assert.ok(!r.differences.some((d) => d.field === 'crash'), 'the same crash under both is no difference');
    assert.ok(r.differences.some((d) => d.field === 'console'));
  });

  it('the text report: the first divergence, each step by name, single values aligned, lists per profile, the count', () => {
    assert.equal(compareReport(divergent(), 'text'), [
      'flow.ioreq.json: seed vs 4.5 vs 4.21',
      'first divergence: step #1 toolstack evtchn_alloc_unbound domid=0 remote=0',
      '',
      'step #1 toolstack evtchn_alloc_unbound domid=0 remote=0',
      '  crash:',
      '    seed:', '      d1: R1',
      '    4.5:', '      d0: R0', '      d1: R1',
      '    4.21:', '      d1: R1',
      '  events (not in every profile):',
      '    seed:', '      io_internal: dup',
      '    4.5:', '      io_internal: dup', '      io_internal: dup',
      '    4.21: (none)',
      '  verdicts (not in every profile):',
      '    seed:', '      PASS d0 did not crash',
      '    4.5:', '      FAIL d0 did not crash (it did: R0)',
      '    4.21:', '      PASS d0 did not crash',
      '',
      'step #2 toolstack evtchn_alloc_unbound domid=0 remote=0',
      '  rc:', '    seed      0', '    4.5       -EINVAL', '    4.21      0',
      '  value:', '    seed      0x2', '    4.5       0x2', '    4.21      0x10',
      '  console (not in every profile):', '    seed:', '      (XEN) hello', '    4.5: (none)', '    4.21: (none)',
      '',
      'step #3 toolstack evtchn_alloc_unbound domid=0 remote=0',
      '  rc:', '    seed      0', '    4.5       0', '    4.21      (none)',
      '  value:', '    seed      0x3', '    4.5       0x3', '    4.21      (none)',
      '  panic:', '    seed      (none)', '    4.5       (none)', '    4.21      boom',
      '',
      'step #4 toolstack evtchn_alloc_unbound domid=0 remote=0',
      '  ran:', '    seed      ran', '    4.5       ran', '    4.21      not reached',
      '',
      'at the end',
      '  verdicts (not in every profile):',
      '    seed:', '      PASS d0 did not crash',
      '    4.5:', '      FAIL d0 did not crash (it did: R0)',
      '    4.21: (none)',
      '',
      '11 difference(s)',
    ].join('\n'));
  });

  it('the JSON report: identical or not, the first divergence, each difference with its op and actor, and the runs', () => {
    const r = divergent();
    const j = compareReport(r, 'json') as Record<string, unknown> & { differences: Array<Record<string, unknown>> };
    assert.deepEqual([j.file, j.profiles, j.identical, j.firstDivergence, j.runs], ['flow.ioreq.json', PROFILES, false, 1, r.runs]);
    assert.equal(j.differences.length, 11);
    assert.deepEqual(j.differences[0], { ...r.differences[0], op: 'evtchn_alloc_unbound', actor: 'toolstack' });
    assert.deepEqual(j.differences[10], { ...r.differences[10], op: undefined, actor: undefined });
    const same = compareProfiles(FLOW, 'flow.ioreq.json', PROFILES);
    assert.deepEqual([same.firstDivergence, same.differences], [null, []]);
    const js = compareReport(same, 'json') as Record<string, unknown>;
    assert.deepEqual([js.identical, js.firstDivergence, js.differences], [true, null, []]);
    assert.equal(compareReport(same, 'text'), 'flow.ioreq.json: seed vs 4.5 vs 4.21\nidentical: every step gives the same results, events and console lines under seed, 4.5, 4.21');
  });

  it('a line one profile has more often than the other is listed as often as it is extra', () => {
    const r = withExtras({ seed: { 0: (m) => { event(m, 'a'); event(m, 'b'); } }, '4.5': { 0: (m) => { for (const t of ['b', 'a', 'a', 'b', 'a']) event(m, t); } } },
      () => compareProfiles(JSON.stringify({ profile: 'seed', steps: [ALLOC] }), 'm.ioreq.json', ['seed', '4.5']));
    assert.deepEqual(r.differences, [{ step: 0, field: 'events', values: { seed: [], '4.5': ['io_internal: a', 'io_internal: b', 'io_internal: a'] } }]);
  });

  it("only the final expectations differ: the first divergence is the file's end", () => {
    // 4.5's step 2 leaves d0 paused, which no event, console line or step verdict shows.
    const r = withExtras({ '4.5': { 2: (m) => { m.x.domains.get(0)!.pause_count = 5; } } },
      () => compareProfiles(JSON.stringify({ profile: 'seed', steps: [ALLOC, ALLOC, ALLOC], expect: [{ path: 'domains.0.pauseCount', equals: 0 }] }), 'end.ioreq.json', ['seed', '4.5']));
    assert.equal(r.firstDivergence, 'end');
    assert.deepEqual(r.differences, [{ step: 'end', field: 'verdicts', values: { seed: ['PASS domains.0.pauseCount == 0'], '4.5': ['FAIL domains.0.pauseCount == 0 (got 5)'] } }]);
    assert.equal(compareReport(r, 'text'), ['end.ioreq.json: seed vs 4.5', "first divergence: the file's final expectations", '', 'at the end',
      '  verdicts (not in every profile):', '    seed:', '      PASS domains.0.pauseCount == 0', '    4.5:', '      FAIL domains.0.pauseCount == 0 (got 5)', '', '1 difference(s)'].join('\n'));
  });

  it('a profile that cannot read the file: that is the one difference, the others are compared among themselves', () => {
    const file = path.join(SCENARIOS, '63-zoo-125833f5f1-ioreq-port-from-shared-page.ioreq.json');
    const r = compareProfiles(fs.readFileSync(file, 'utf8'), '63.ioreq.json', ['4.5', 'seed']);
    const why = r.runs[1].unavailable!;
    assert.match(why, /^63\.ioreq\.json:\d+:\d+: fix 125833f5f1 is in the code of 4\.5, not of profile seed$/);
    assert.deepEqual([r.runs[1].steps, r.runs[1].final], [[], []]);
    assert.equal(r.firstDivergence, 'file');
    assert.deepEqual(r.differences, [{ step: 'file', field: 'unavailable', values: { '4.5': 'reads the file', seed: why } }]);
    assert.equal(compareReport(r, 'text'), ['63.ioreq.json: 4.5 vs seed', 'first divergence: reading the file', '', 'the file', '  unavailable:',
      '    4.5       reads the file', `    seed      ${why}`, '', '1 difference(s)'].join('\n'));
    const j = compareReport(r, 'json') as { differences: Array<Record<string, unknown>> };
    assert.deepEqual([j.differences[0].op, j.differences[0].actor], [undefined, undefined]);
  });

  it('a step that cannot run ends its run there with nothing else recorded; the same block everywhere is no difference', () => {
    const spec = OPS.evtchn_alloc_unbound as OpSpec;
    const saved = spec.blocked;
    spec.blocked = (m, step) => (step.index === 1 && m.profile !== 'seed' ? 'held' : null);
    try {
      const flow = JSON.stringify({ profile: 'seed', steps: [ALLOC, ALLOC, ALLOC], expect: [{ noCrash: 0 }] });
      const r = compareProfiles(flow, 'b.ioreq.json', ['seed', '4.5']);
      assert.deepEqual(r.runs[1].steps[1], { blocked: 'held', crashes: [], events: [], console: [], verdicts: [] });
      assert.deepEqual([r.runs[1].steps.length, r.runs[1].final, r.runs[0].final], [2, [], ['PASS d0 did not crash']]);
      assert.deepEqual(r.differences, [{ step: 1, field: 'ran', values: { seed: 'ran', '4.5': 'cannot run: held' } },
        { step: 'end', field: 'verdicts', values: { seed: ['PASS d0 did not crash'], '4.5': [] } }]);
      const both = compareProfiles(flow, 'b.ioreq.json', ['4.21', '4.5']);
      assert.deepEqual([both.differences, both.firstDivergence], [[], null]);
    } finally {
      spec.blocked = saved;
    }
  });

  it('an error that is not a located scenario error is not taken for a profile that cannot read the file', () => {
    const spec = OPS.evtchn_alloc_unbound as OpSpec;
    const saved = spec.check;
    spec.check = (_a, _k, ctx) => { if (ctx.profile === '4.5') throw new Error('internal: a defect'); return null; };
    try {
      assert.throws(() => compareProfiles(JSON.stringify({ profile: 'seed', steps: [ALLOC] }), 'e.ioreq.json', ['seed', '4.5']), /internal: a defect/);
    } finally {
      spec.check = saved;
    }
  });
});
