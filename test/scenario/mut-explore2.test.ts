// What `ioreq-scope explore` hands its user and CI (issue #16, mutation testing of src/scenario/explore.ts): the JSON
// report and the text one line by line, the counterexample files and that each replays to the violation it names,
// the limits (--max-states, --max-seconds, cancellation) and what the report says when one ends the search, and the
// entry points the worker threads use (a search that stops at a frontier and hands back its trails and keys, and a
// search from such roots). The explorer's semantics are the project's own: where a check reads a Xen behaviour the
// scenario it runs says so. Each search here is small: every mutant of explore.ts runs this whole file.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import {
  actorsOf, explore, exploreReport, exploreResult, search, stateViolations, type ExploreResult, type SearchOut, type Visited,
} from '../../src/scenario/explore';
import { runExploreWorker } from '../../src/scenario/explore-parallel';
import { Session } from '../../src/scenario/exec';
import { parseScenario, type Scenario } from '../../src/scenario/parse';

const DIR = path.join(__dirname, '../../../scenarios');
const load = (name: string): Scenario => parseScenario(fs.readFileSync(path.join(DIR, name), 'utf8'), name);
/** Scenario 20: the toolstack unpauses before QEMU attached; the seed's hvm_send_assist_req drops the early I/O. */
const LOST = '20-explore-lost-request.ioreq.json';
/** Scenario 45: a shutdown races the vcpus' I/O; three actors end blocked. */
const SHUTDOWN = '45-shutdown-races-io.ioreq.json';
const LOST_MSG = "d1v0's I/O was dropped by hvm_send_assist_req (no ioreq server yet, or shutting down)";
const LOST_DEADLOCK = "qemu cannot run step 5 (cpu_handle_ioreq): vcpu 0's slot is STATE_IOREQ_NONE, not STATE_IOREQ_READY: nothing to serve yet";
const EVENTS_WHY = "the file's expectations read the event history, whose order the reduction does not keep";

/** A result whose time is fixed, so the rate and seconds in the report are known. */
const timed = (r: ExploreResult, seconds: number): ExploreResult => ({ ...r, seconds });
const lost = (): ExploreResult => explore(load(LOST), { maxStates: 100000, hashing: true });

/** A seed guest whose QEMU and toolstack have six independent steps each: far more than 256 interleavings. */
function wide(): Scenario {
  const steps: unknown[] = [
    { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 }, { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
    { actor: 'qemu', op: 'xen_hvm_init' },
  ];
  for (let i = 0; i < 6; i++) steps.push({ actor: 'toolstack', op: 'evtchn_alloc_unbound', domid: 1, remote: 0 }, { actor: 'qemu', op: 'handle_buffered_iopage' });
  return parseScenario(JSON.stringify({ profile: 'seed', deviceModels: [{ name: 'qemu', target: 1 }], steps }), 'wide.ioreq.json');
}

describe('explore --json: the report CI reads', () => {
  it('scenario 20: the counts, the reduction and why it is off, the time and rate, each violation with its trail and counterexample', () => {
    const r = timed(lost(), 0.5);
    const j = exploreReport(r, 'json') as Record<string, unknown>;
    assert.deepEqual(j, {
      scenario: LOST, statesExplored: 13, transitions: 14, duplicatesSkipped: 2, maxDepth: 7, finalStates: 2, complete: true,
      stoppedBy: undefined, hashing: true, reduction: { on: false, pessimistic: false, why: EVENTS_WHY },
      seconds: 0.5, statesPerSecond: 26,
      violations: [
        { kind: 'lost-request', message: LOST_MSG, length: 4, switches: 1, trail: [0, 1, 3, 4], counterexample: r.violations[0].counterexample },
        { kind: 'deadlock', message: LOST_DEADLOCK, length: 6, switches: 2, trail: [0, 1, 3, 4, 6, 2], counterexample: r.violations[1].counterexample },
      ],
    });
    // Every field a reader looks up is there (undefined ones included, so the key set is the documented one).
    assert.deepEqual(Object.keys(j), ['scenario', 'statesExplored', 'transitions', 'duplicatesSkipped', 'maxDepth', 'finalStates', 'complete',
      'stoppedBy', 'hashing', 'reduction', 'seconds', 'statesPerSecond', 'violations']);
  });

  it('seconds are rounded to the millisecond; the rate is states per second, rounded, or the state count when no time passed', () => {
    const j = (s: number) => exploreReport(timed(lost(), s), 'json') as { seconds: number; statesPerSecond: number };
    assert.deepEqual([j(1.23456).seconds, j(1.23456).statesPerSecond], [1.235, 11], '13 states in 1.235 s');
    assert.deepEqual([j(4).seconds, j(4).statesPerSecond], [4, 3], '13 / 4 = 3.25');
    assert.deepEqual([j(0).seconds, j(0).statesPerSecond], [0, 13], 'too fast to time: the count itself, not Infinity');
    assert.equal(exploreReport(lost()) !== null && typeof exploreReport(lost()), 'object', 'json is the default format');
  });

  it('an incomplete search says what stopped it', () => {
    const r = explore(wide(), { maxStates: 40, hashing: true, reduce: false });
    const j = exploreReport(r, 'json') as Record<string, unknown>;
    assert.deepEqual([j.complete, j.stoppedBy, j.statesExplored], [false, 'max-states', 40]);
  });
});

describe('explore: the text report a user reads', () => {
  it('scenario 20: the summary line, the reduction line, then each violation with its interleaving and its counterexample file', () => {
    const r = timed(lost(), 0.5);
    const lines = (exploreReport(r, 'text') as string).split('\n');
    assert.deepEqual(lines.slice(0, 5), [
      `${LOST}: 13 states (2 duplicates skipped), depth 7, 2 final states, 0.500 s (26 states/s)`,
      `partial-order reduction: off (${EVENTS_WHY})`,
      '',
      `VIOLATION lost-request: ${LOST_MSG}`,
      '  shortest interleaving (4 steps, 1 switch(es) between actors): #0 toolstack xc_domain_create, #1 toolstack xc_hvm_build, #3 toolstack xc_domain_unpause, #4 d1v0 pio_write',
    ]);
    assert.equal(lines[5], '  counterexample scenario:');
    // The counterexample follows, indented four spaces: stripped of them it is the file itself, as JSON.
    const second = lines.indexOf(`VIOLATION deadlock: ${LOST_DEADLOCK}`);
    assert.ok(second > 6, 'the second violation follows the first one\'s file');
    assert.equal(lines[second - 1], '', 'a blank line between violations');
    const block = lines.slice(6, second - 1);
    assert.ok(block.length > 10 && block.every((l) => l.startsWith('    ')), block.slice(0, 3).join('|'));
    assert.deepEqual([block[0], block[block.length - 1]], ['    {', '    }']);
    assert.deepEqual(JSON.parse(block.map((l) => l.slice(4)).join('\n')), JSON.parse(JSON.stringify(r.violations[0].counterexample)));
    assert.equal(lines[second + 1], '  shortest interleaving (6 steps, 2 switch(es) between actors): #0 toolstack xc_domain_create, #1 toolstack xc_hvm_build, #3 toolstack xc_domain_unpause, #4 d1v0 pio_write, #6 d1v0 hvm_do_resume, #2 qemu xen_hvm_init');
    assert.deepEqual(JSON.parse(lines.slice(second + 3).map((l) => l.slice(4)).join('\n')), JSON.parse(JSON.stringify(r.violations[1].counterexample)));
  });

  it('no violation: the two summary lines and "no violations"', () => {
    const sc = load(LOST);
    sc.allow = new Set(['lost-request', 'deadlock']);
    const r = timed(explore(sc, { maxStates: 100000, hashing: true }), 0);
    assert.equal(exploreReport(r, 'text'), [
      `${LOST}: 13 states (2 duplicates skipped), depth 7, 2 final states, 0.000 s (13 states/s)`,
      `partial-order reduction: off (${EVENTS_WHY})`,
      'no violations',
    ].join('\n'));
  });

  it('the reduction line: on, on and pessimistic with the step that broke its premise, off with --no-reduce', () => {
    const line = (r: ExploreResult) => (exploreReport(r, 'text') as string).split('\n')[1];
    const r = lost();
    assert.equal(line({ ...r, reduction: { on: true, pessimistic: false } }), 'partial-order reduction: on');
    assert.equal(line({ ...r, reduction: { on: true, pessimistic: true, why: 'step 7 (d1v0 hvm_do_resume) crashed' } }), 'partial-order reduction: on, pessimistic (step 7 (d1v0 hvm_do_resume) crashed)');
    assert.equal(line({ ...r, reduction: { on: false, pessimistic: false, why: '--no-reduce' } }), 'partial-order reduction: off (--no-reduce)');
    // Scenario 12 crashes its domain in hvm_do_resume ('Weird HVM ioreq state transition'), which the optimistic
    // reduction assumed no step does: the search is redone pessimistically, and the line says so.
    assert.match(line(explore(load('12-weird-state-crash.ioreq.json'), { maxStates: 10000, hashing: true })),
      /^partial-order reduction: on, pessimistic \(step \d+ \(d1v0 hvm_do_resume\) crashed, shut down or ended a domain or device model, which the reduction had assumed only a broken protocol does; counted as an ordinary write\)$/);
  });

  it('an incomplete search names the limit that stopped it: --max-states, --max-seconds, or cancellation', () => {
    const first = (r: ExploreResult) => (exploreReport(timed(r, 0), 'text') as string).split('\n')[0];
    const r = lost();
    const head = `${LOST}: 13 states (2 duplicates skipped), depth 7, 2 final states, 0.000 s (13 states/s)`;
    assert.equal(first(r), head, 'complete: nothing more');
    assert.equal(first({ ...r, complete: false, stoppedBy: 'max-states' }), `${head} — stopped by --max-states, not complete`);
    assert.equal(first({ ...r, complete: false, stoppedBy: 'max-seconds' }), `${head} — stopped by --max-seconds, not complete`);
    assert.equal(first({ ...r, complete: false, stoppedBy: 'cancelled' }), `${head} — stopped by cancellation, not complete`);
    assert.equal(first({ ...r, complete: false, stoppedBy: undefined }), `${head} — stopped by --max-states, not complete`, 'a result from before stoppedBy');
  });
});

describe('explore: the limits end the search, and it says which', () => {
  it('--max-states: the search stops at exactly that many states stored, incomplete', () => {
    for (const n of [2, 40]) {
      const r = explore(wide(), { maxStates: n, hashing: true, reduce: false });
      assert.deepEqual([r.statesExplored, r.complete, r.stoppedBy], [n, false, 'max-states'], `${n}`);
    }
    const all = explore(wide(), { maxStates: 100000, hashing: true, reduce: false });
    assert.deepEqual([all.complete, all.stoppedBy], [true, undefined]);
    const exact = explore(wide(), { maxStates: all.statesExplored, hashing: true, reduce: false });
    assert.deepEqual([exact.statesExplored, exact.complete, exact.stoppedBy], [all.statesExplored, false, 'max-states'],
      'reaching the limit stops, even on the last state');
    const one = explore(wide(), { maxStates: all.statesExplored + 1, hashing: true, reduce: false });
    assert.deepEqual([one.statesExplored, one.complete], [all.statesExplored, true], 'one more than there are: complete');
  });

  it('--max-seconds: a deadline already past stops the search at the first poll (256 states), incomplete', () => {
    const r = explore(wide(), { maxStates: 100000, hashing: false, reduce: false, deadline: Date.now() - 1 });
    assert.deepEqual([r.statesExplored, r.complete, r.stoppedBy], [256, false, 'max-seconds']);
    const later = explore(wide(), { maxStates: 100000, hashing: false, reduce: false, deadline: Date.now() + 3_600_000 });
    assert.deepEqual([later.complete, later.stoppedBy], [true, undefined], 'a deadline an hour away does not stop it');
    assert.ok(later.statesExplored > 512, `${later.statesExplored}`);
  });

  it('cancellation: polled every 256 states, the search stops at the first poll that says so', () => {
    let polls = 0;
    const r = explore(wide(), { maxStates: 100000, hashing: false, reduce: false, shouldStop: () => ++polls >= 2 });
    assert.deepEqual([r.statesExplored, r.complete, r.stoppedBy, polls], [512, false, 'cancelled', 2]);
    const never = explore(wide(), { maxStates: 100000, hashing: false, reduce: false, shouldStop: () => false });
    assert.deepEqual([never.complete, never.stoppedBy], [true, undefined]);
  });

  it('a deadline is checked before cancellation: both due, it is --max-seconds', () => {
    const r = explore(wide(), { maxStates: 100000, hashing: false, reduce: false, deadline: 0, shouldStop: () => true });
    assert.deepEqual([r.statesExplored, r.stoppedBy], [256, 'max-seconds']);
  });
});

/** A counterexample file run as `ioreq-scope run` would: its steps in file order (none blocked), then the invariants. */
function replay(cx: Record<string, unknown>): { sc: Scenario; ses: Session } {
  const sc = parseScenario(JSON.stringify(cx), 'cx.ioreq.json');
  const ses = new Session(sc);
  for (const st of sc.steps) { assert.equal(ses.blocked(st), null, `${st.actor} ${st.op} runs in file order`); ses.runFlat(st); }
  return { sc, ses };
}

describe('explore: each counterexample is a scenario file that replays to the violation it names', () => {
  it('scenario 20, lost-request: the header kept, named after the kind, the trail\'s steps in order, no expectations, a description that says what it is', () => {
    const sc = load(LOST);
    const v = lost().violations.find((x) => x.kind === 'lost-request')!;
    const cx = v.counterexample;
    assert.equal(cx.name, `${sc.name}: counterexample (lost-request)`);
    assert.equal(cx.description, `Found by ioreq-scope explore in ${LOST}: ${LOST_MSG}. The steps below are the shortest interleaving that reaches it (and among those, one that switches between actors least often); run or step-debug this file to watch it happen.`);
    assert.deepEqual([cx.profile, cx.deviceModels], [sc.doc.profile, sc.doc.deviceModels]);
    assert.deepEqual(cx.steps, v.trail.map((i) => sc.steps[i].raw));
    assert.equal('expect' in cx, false, "the file's expectations are about the whole run: a counterexample for another kind drops them");
    const { ses } = replay(cx);
    assert.deepEqual(stateViolations(ses), [{ kind: 'lost-request', message: LOST_MSG }], 'run in file order, the steps end in the violation');
  });

  it('scenario 45, deadlock: after the trail, each blocked actor\'s next step in actor order; run, each is refused with the reason the message gives', () => {
    const sc = load(SHUTDOWN);
    const r = explore(sc, { maxStates: 100000, hashing: true });
    const v = r.violations.find((x) => x.kind === 'deadlock')!;
    assert.deepEqual(v.trail, [0, 1, 2, 3, 6, 9, 10]);
    const cx = v.counterexample;
    // qemu's step 7, d1v0's step 4 and d1v1's step 5 (actors in the order they first appear in the file).
    assert.deepEqual(cx.steps, [...v.trail, 7, 4, 5].map((i) => sc.steps[i].raw));
    assert.match(cx.description as string, /\(and among those, one that switches between actors least often\), then the 3 steps that cannot run; run or step-debug this file to watch it happen\.$/);
    const cs = parseScenario(JSON.stringify(cx), 'cx.ioreq.json');
    const ses = new Session(cs);
    for (const st of cs.steps.slice(0, v.trail.length)) { assert.equal(ses.blocked(st), null); ses.runFlat(st); }
    const refused = [7, 4, 5].map((i, k) => `${sc.steps[i].actor} cannot run step ${i} (${sc.steps[i].op}): ${ses.blocked(cs.steps[v.trail.length + k])}`);
    assert.equal(refused.join('; '), v.message, 'the same actors refused for the same reasons');
    // One blocked actor: "the step", not "1 steps".
    const one = lost().violations.find((x) => x.kind === 'deadlock')!;
    assert.match(one.counterexample.description as string, /least often\), then the step that cannot run; run/);
    assert.deepEqual((one.counterexample.steps as unknown[]).length, one.trail.length + 1);
  });

  it('scenario 45, expectation: the counterexample keeps the expectations, and its run breaks the same one', () => {
    const sc = load(SHUTDOWN);
    const v = explore(sc, { maxStates: 100000, hashing: true }).violations.find((x) => x.kind === 'expectation')!;
    assert.deepEqual(v.counterexample.expect, sc.doc.expect);
    assert.doesNotMatch(v.counterexample.description as string, /cannot run/);
    const { sc: cs, ses } = replay(v.counterexample);
    const ck = ses.checker();
    const bad = cs.expect.map((e) => ck.check(e)).filter((x) => !x.ok).map((x) => x.text);
    assert.deepEqual(bad, [v.message.replace(/ \(45-shutdown-races-io\.ioreq\.json:\d+:\d+\)$/, '')]);
  });

  it("a relative $schema and the file's explore settings are dropped (the counterexample shows everything, beside any file)", () => {
    const doc = {
      $schema: '../schema/ioreq-scenario.schema.json', name: 'inline', profile: 'seed', deviceModels: [{ name: 'qemu', target: 1 }],
      explore: { allow: ['deadlock'] }, expect: [{ path: 'domains.1.ioreqServer.domid', equals: 0 }],
      steps: [
        { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 }, { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
        { actor: 'qemu', op: 'xen_hvm_init' }, { actor: 'qemu', op: 'write_state', vcpu: 0, state: 9 },
      ],
    };
    const sc = parseScenario(JSON.stringify(doc), 'inline.ioreq.json');
    const r = explore(sc, { maxStates: 10000, hashing: true });
    const v = r.violations.find((x) => x.kind === 'impossible-slot-state')!;
    assert.ok(v, JSON.stringify(r.violations.map((x) => x.kind)));
    assert.equal(r.violations.some((x) => x.kind === 'deadlock'), false, 'deadlock is allowed by the file (QEMU before the build)');
    assert.deepEqual(Object.keys(v.counterexample).sort(), ['description', 'deviceModels', 'name', 'profile', 'steps']);
    assert.equal(v.counterexample.name, 'inline: counterexample (impossible-slot-state)');
    assert.deepEqual(JSON.parse(JSON.stringify(sc.doc.explore)), { allow: ['deadlock'] }, "the scenario's own document is left as it was");
    assert.equal(sc.doc.$schema, doc.$schema);
  });
});

/** Two seed guests, each with its own QEMU and one served port write: stories that share nothing. */
function twoGuests(): Scenario {
  const steps: unknown[] = [];
  for (const d of [1, 2]) steps.push({ actor: 'toolstack', op: 'xc_domain_create', domid: d, vcpus: 1 }, { actor: 'toolstack', op: 'xc_hvm_build', domid: d });
  for (const d of [1, 2]) steps.push({ actor: `qemu${d}`, op: 'xen_hvm_init', when: { path: `domains.${d}.params.IOREQ_PFN`, exists: true } });
  for (const d of [1, 2]) steps.push({ actor: 'toolstack', op: 'xc_domain_unpause', domid: d, when: { path: `deviceModels.${d - 1}.bufioreqLocalPort`, notEquals: -1 } });
  for (const d of [1, 2]) {
    steps.push({ actor: `d${d}v0`, op: 'pio_write', port: '0x3f8', size: 1, value: '0x41' }, { actor: `qemu${d}`, op: 'cpu_handle_ioreq', vcpu: 0 },
      { actor: `d${d}v0`, op: 'hvm_do_resume' });
  }
  return parseScenario(JSON.stringify({ profile: 'seed', deviceModels: [{ name: 'qemu1', domid: 0, target: 1 }, { name: 'qemu2', domid: 0, target: 2 }], steps }), 'two-guests.ioreq.json');
}

describe('explore: the options as a user sets them', () => {
  it('--no-reduce with --check-footprints still visits every interleaving (the footprints are checked, not used to prune)', () => {
    const sc = twoGuests();
    const full = explore(sc, { maxStates: 100000, hashing: true, reduce: false });
    const checked = explore(sc, { maxStates: 100000, hashing: true, reduce: false, checkFootprints: true });
    const reduced = explore(sc, { maxStates: 100000, hashing: true });
    assert.ok(reduced.statesExplored < full.statesExplored, `${reduced.statesExplored} < ${full.statesExplored}: the two guests are independent`);
    assert.deepEqual([checked.statesExplored, checked.transitions, checked.duplicates], [full.statesExplored, full.transitions, full.duplicates]);
    assert.deepEqual(checked.reduction, { on: false, pessimistic: false, why: '--no-reduce' });
    assert.deepEqual(reduced.reduction, { on: true, pessimistic: false });
  });

  it('the time reported is the wall-clock time of the search, in seconds', () => {
    const t0 = process.hrtime.bigint();
    const r = explore(twoGuests(), { maxStates: 100000, hashing: true, reduce: false, checkFootprints: true });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    assert.ok(r.seconds > 0 && r.seconds <= wall, `${r.seconds} s reported, ${wall} s measured`);
  });

  it("progress reports' seconds count from the search's start, within the wall-clock time", () => {
    const t0 = process.hrtime.bigint();
    const seen: number[] = [];
    explore(wide(), { maxStates: 100000, hashing: false, reduce: false, progressEveryMs: 0, progress: (p) => seen.push(p.seconds) });
    const wall = Number(process.hrtime.bigint() - t0) / 1e9;
    assert.ok(seen.length >= 2 && seen.every((s) => s > 0 && s <= wall), `${seen.join(', ')} within ${wall}`);
  });

  it('an error raised inside the search reaches the caller: only a broken reduction premise is retried pessimistically', () => {
    // The cancellation callback throws at its first poll (256 states in), and only then: explore must not swallow it
    // as a broken premise and search again (the second search would finish).
    let polls = 0;
    const stop = () => { if (++polls === 1) throw new Error('cancel callback failed'); return false; };
    assert.throws(() => explore(wide(), { maxStates: 100000, hashing: false, shouldStop: stop }), /cancel callback failed/);
    assert.equal(polls, 1);
  });
});

/** A table of stored keys that records every key it is asked to add. */
class Recorded implements Visited {
  readonly keys = new Set<number>();
  asked = 0;
  constructor(pre: Iterable<number> = []) { for (const k of pre) this.keys.add(k); }
  add(k: number): boolean { this.asked++; if (this.keys.has(k)) return false; this.keys.add(k); return true; }
}

describe('explore --workers: a search handed out in shares gives the whole search', () => {
  const setup = (name: string) => {
    const sc = load(name);
    sc.allow.clear();
    const { actors, byActor } = actorsOf(sc);
    const opts = { maxStates: 100000, hashing: true };
    return { sc, actors, byActor, opts, full: search(sc, opts, actors, byActor, null, false) };
  };
  const verdicts = (o: SearchOut) => o.found.map((f) => [f.kind, f.trail, f.switches, f.depth]);

  it('scenario 45: the head stops at the first layer of at least splitAt states, handing back its trails and every key it stored', () => {
    const { sc, actors, byActor, opts, full } = setup(SHUTDOWN);
    assert.equal(full.frontier, undefined, 'a search without splitAt hands back no frontier');
    assert.equal(full.seenKeys, undefined, 'nor its keys');
    const head = search(sc, opts, actors, byActor, null, false, { splitAt: 3 });
    // Depth 5: toolstack's four steps, then any one of d1v0, d1v1 or d1v2 (qemu waits on the build).
    assert.deepEqual(head.frontier, [[0, 1, 2, 3, 6], [0, 1, 2, 3, 4], [0, 1, 2, 3, 5]]);
    assert.deepEqual([head.explored, head.maxDepth, head.complete], [8, 5, true]);
    assert.equal(head.seenKeys!.length, head.explored, 'one key per state stored, the root included');
    assert.equal(new Set(head.seenKeys).size, head.explored);
    const four = search(sc, opts, actors, byActor, null, false, { splitAt: 4 });
    assert.deepEqual([four.explored, four.frontier!.length], [13, 5], 'a layer of 3 is not yet 4: one more layer');
    assert.deepEqual(four.frontier!.map((t) => t.length), [6, 6, 6, 6, 6]);
  });

  it('scenario 45: searched on from those roots, the shares add up to the whole search, with the same counterexamples', () => {
    const { sc, actors, byActor, opts, full } = setup(SHUTDOWN);
    for (const splitAt of [3, 6]) {
      const head = search(sc, opts, actors, byActor, null, false, { splitAt });
      const visited = new Recorded(head.seenKeys);
      const tail = search(sc, opts, actors, byActor, null, false, { roots: head.frontier, visited });
      assert.deepEqual([head.explored + tail.explored, head.transitions + tail.transitions, head.duplicates + tail.duplicates, head.finalCount + tail.finalCount],
        [full.explored, full.transitions, full.duplicates, full.finalCount], `split at ${splitAt}`);
      assert.equal(tail.maxDepth, full.maxDepth, 'depths go on from the roots\' own');
      assert.equal(visited.asked, tail.transitions, 'every transition asks the shared table once; the roots themselves were stored by the head');
      assert.equal(visited.keys.size, full.explored, 'the table ends holding every state of the whole search');
      // The deadlock's trail ends at depth 7, past both splits: the trail read back through a root carries its prefix,
      // and the switches counted along the prefix.
      assert.deepEqual(verdicts(tail), verdicts(full), `split at ${splitAt}`);
    }
  });

  it('scenario 45: a deadlock found at a root itself reads its whole trail and switches off the replayed prefix', () => {
    const { sc, actors, byActor, opts, full } = setup(SHUTDOWN);
    const deadlock = full.found.find((f) => f.kind === 'deadlock')!;
    assert.deepEqual([deadlock.trail, deadlock.switches, deadlock.depth], [[0, 1, 2, 3, 6, 9, 10], 3, 7]);
    // Shared out as the only root: nothing runs from it (every actor is blocked), and it is the deadlock.
    const tail = search(sc, opts, actors, byActor, null, false, { roots: [deadlock.trail], visited: new Recorded() });
    assert.deepEqual([tail.explored, tail.transitions, tail.finalCount, tail.maxDepth], [0, 0, 1, 0]);
    assert.deepEqual(verdicts(tail), [['deadlock', [0, 1, 2, 3, 6, 9, 10], 3, 7]]);
    assert.equal(tail.found[0].message, deadlock.message);
  });

  it('scenario 20: a share reports only what it finds beyond its roots; its own roots were checked by the head', () => {
    const { sc, actors, byActor, opts, full } = setup(LOST);
    const head = search(sc, opts, actors, byActor, null, false, { splitAt: 3 });
    assert.deepEqual(head.frontier, [[0, 1, 3, 2, 4], [0, 1, 3, 4, 2], [0, 1, 3, 4, 6]]);
    assert.deepEqual(verdicts(head), [['lost-request', [0, 1, 3, 4], 1, 4]], 'the head found the dropped I/O at depth 4');
    const tail = search(sc, opts, actors, byActor, null, false, { roots: head.frontier, visited: new Recorded(head.seenKeys) });
    // Every later state still shows the dropped I/O (ioDropped stays 1): the share first sees it one layer past its roots.
    assert.deepEqual(verdicts(tail), [['lost-request', [0, 1, 3, 4, 6, 2], 2, 6], ['deadlock', [0, 1, 3, 4, 6, 2], 2, 6]]);
    assert.deepEqual(verdicts(full), [['lost-request', [0, 1, 3, 4], 1, 4], ['deadlock', [0, 1, 3, 4, 6, 2], 2, 6]]);
  });

  it("scenario 20: a share rooted at the dropped I/O's state does not report that state again (its head did); it reports the first one past it", () => {
    const { sc, actors, byActor, opts } = setup(LOST);
    const tail = search(sc, opts, actors, byActor, null, false, { roots: [[0, 1, 3, 4]], visited: new Recorded() });
    const lostOne = tail.found.find((f) => f.kind === 'lost-request')!;
    assert.equal(lostOne.depth, 5, 'one step past the root');
    assert.deepEqual(lostOne.trail.slice(0, 4), [0, 1, 3, 4]);
    assert.equal(lostOne.message, LOST_MSG);
  });

  it('a fresh search stores its initial state in the table it is given; without hashing it stores nothing', () => {
    const { sc, actors, byActor, opts, full } = setup(LOST);
    const t = new Recorded();
    const again = search(sc, opts, actors, byActor, null, false, { visited: t });
    assert.deepEqual([again.explored, t.asked, t.keys.size], [full.explored, full.transitions + 1, full.explored]);
    assert.equal(again.seenKeys, undefined, 'a given table is the caller\'s: its keys are not handed back');
    const none = new Recorded();
    search(sc, { ...opts, hashing: false }, actors, byActor, null, false, { visited: none });
    assert.equal(none.asked, 0);
  });

  it('a worker thread\'s entry point, run here: it searches its roots and posts its findings back', () => {
    const { sc, actors, byActor, opts, full } = setup(SHUTDOWN);
    const head = search(sc, opts, actors, byActor, null, false, { splitAt: 3 });
    const buf = new SharedArrayBuffer(8 * 1024);
    const { SharedVisited } = require('../../src/scenario/explore-parallel') as typeof import('../../src/scenario/explore-parallel');
    const table = new SharedVisited(buf);
    for (const k of head.seenKeys!) table.add(k);
    const { port1, port2 } = new MessageChannel();
    try {
      runExploreWorker({ sc, opts, reducing: false, pessimistic: false, roots: head.frontier!, visited: buf } as never, port1);
      const reply = receiveMessageOnPort(port2)?.message as { ok: true; out: SearchOut };
      assert.equal(reply.ok, true);
      assert.equal(head.explored + reply.out.explored, full.explored);
      assert.deepEqual(verdicts(reply.out), verdicts(full));
      // exploreResult turns the merged findings into the report's violations, each with its counterexample.
      const res = exploreResult(sc, opts, { ...reply.out, explored: full.explored }, { on: false, pessimistic: false }, 1);
      assert.deepEqual(res.violations.map((v) => [v.kind, v.trail, v.switches]), full.found.map((f) => [f.kind, f.trail, f.switches]));
      assert.equal(res.statesExplored, full.explored);
    } finally {
      port1.close();
      port2.close();
    }
  });
});

describe('explore: which slots hold a request, and how a server is named', () => {
  /** The steps run in file order (none blocked); the invariants' verdicts on the state reached. */
  const after = (doc: Record<string, unknown>) => {
    const sc = parseScenario(JSON.stringify(doc), 'slots.ioreq.json');
    const ses = new Session(sc);
    for (const st of sc.steps) { assert.equal(ses.blocked(st), null, `${st.actor} ${st.op} can run`); ses.runFlat(st); }
    return ses;
  };
  const G = { path: 'domains.1.params.IOREQ_SERVER_PFN', exists: true };
  /** 4.21: QEMU and a second device model each register a server for d1; d1v0's port write goes to QEMU's. */
  const twoServers = (more: unknown[]) => after({ profile: '4.21', deviceModels: [{ name: 'qemu', domid: 0, target: 1 }, { name: 'other', domid: 0, target: 1 }], steps: [
    { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 }, { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
    { actor: 'qemu', op: 'xen_register_ioreq', when: G }, { actor: 'other', op: 'xen_register_ioreq', when: G },
    { actor: 'qemu', op: 'xendevicemodel_map_io_range_to_ioreq_server', type: 'port', start: '0x3f8', end: '0x3ff' },
    { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 },
    { actor: 'd1v0', op: 'pio_write', port: '0x3f8', size: 1, value: '0x41' },
    ...more,
  ] });
  const kinds = (ses: Session) => stateViolations(ses).map((v) => v.kind);

  it('an answer (STATE_IORESP_READY) in a second server\'s slot is a request that server had: one request in two pages (public/hvm/ioreq.h@RELEASE-4.21.0: READY, INPROCESS, IORESP_READY are 1-3, all in flight)', () => {
    assert.deepEqual(stateViolations(twoServers([{ actor: 'other', op: 'write_state', vcpu: 0, state: 3 }])).filter((v) => v.kind === 'request-to-several-servers'),
      [{ kind: 'request-to-several-servers', message: "d1v0's request is in 2 servers' pages at once (d1's ioreq server 0, d1's ioreq server 1)" }]);
  });

  it('a state past STATE_IORESP_READY in a second slot is no request at all: only impossible-slot-state', () => {
    assert.deepEqual(kinds(twoServers([{ actor: 'other', op: 'write_state', vcpu: 0, state: 9 }])), ['impossible-slot-state']);
  });

  it("the seed's one server per domain (d->arch.hvm_domain.ioreq_server, hvm.c seed era) is named without an id", () => {
    const ses = after({ profile: 'seed', deviceModels: [{ name: 'qemu', domid: 0, target: 1 }], steps: [
      { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 }, { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
      { actor: 'qemu', op: 'xen_hvm_init' }, { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 },
      { actor: 'd1v0', op: 'pio_write', port: '0x3f8', size: 1, value: 1 },
    ] });
    ses.m.x.domains.get(0)!.crashed = { reason: 'as domain_crash would leave it', fn: 'domain_crash', actor: 'd0v0' } as never;
    assert.deepEqual(stateViolations(ses), [{ kind: 'emulator-gone', message: "d1v0 waits on d1's ioreq server, whose emulator d0 has crashed: nothing will answer it" }]);
  });
});
