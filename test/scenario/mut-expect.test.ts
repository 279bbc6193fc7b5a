// What `ioreq-scope run` (and the debugger) reports for each kind of expectation (src/scenario/expect.ts) under issue
// 16's mutation testing: the verdict and its exact text, passing and failing, for state paths, events, the ordered event
// list, crashes, the console, panics and defects, and a step's own `expect` (rc, value, valuePath). The bundled
// scenarios give the states: 08 (a clean port round trip), 12 (d1 crashed by a bad slot state), 63 (the zoo's ASSERT
// panic, 125833f5f1 reverted).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as fc from 'fast-check';
import { stateJson } from '../../src/model/state';
import { Checker, lookup, sameValue, type Verdict } from '../../src/scenario/expect';
import { parseScenario } from '../../src/scenario/parse';
import { runScenario, type RunResult } from '../../src/scenario/run';

const DIR = path.join(__dirname, '../../../scenarios');
const bundled = (name: string) => parseScenario(fs.readFileSync(path.join(DIR, name), 'utf8'), name);
const ROUND_TRIP = '08-sync-pio-read-write.ioreq.json';
const CRASH = '12-weird-state-crash.ioreq.json';
const PANIC = '63-zoo-125833f5f1-ioreq-port-from-shared-page.ioreq.json';

/** Runs a bundled scenario with its file expectations replaced by `expect`: the final verdicts, as `run` prints them. */
function finalOf(name: string, expect: unknown[]): { r: RunResult; v: Array<[boolean, string]> } {
  const doc = { ...bundled(name).doc, expect };
  const r = runScenario(parseScenario(JSON.stringify(doc, null, 1), name));
  assert.equal(r.final.length, expect.length);
  return { r, v: r.final.map((x) => [x.ok, x.text]) };
}
/** The same for a scenario written out here (seed profile, QEMU in d0 serving d1). */
function stepsOf(steps: unknown[], expect: unknown[] = []): RunResult {
  return runScenario(parseScenario(JSON.stringify({ profile: 'seed', deviceModels: [{ name: 'qemu', domid: 0, target: 1 }], steps, expect }, null, 1), 's.ioreq.json'));
}
const SETUP = [
  { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 },
  { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
];

let fresh = 0;
/** A key no other run has used: the path splitter keeps a cache per path string. */
const nonce = () => `k${Date.now().toString(36)}${(fresh++).toString(36)}${Math.random().toString(36).slice(2, 8)}`;

describe('expectations: what a run reports for each condition', () => {
  describe('paths into the state document', () => {
    it('a dotted path and its [N] form reach the same array element; a trailing or middle index both split off', () => {
      const k = nonce(), arr = Array.from({ length: 13 }, (_, i) => ({ v: i * 10, name: `e${i}` }));
      const doc = { [k]: { list: arr, 'a.b': 1, deep: { x: { y: 'z' } } } };
      assert.deepEqual(lookup(doc, `${k}.list.12.v`), { found: true, value: 120 });
      assert.deepEqual(lookup(doc, `${k}.list[12].v`), { found: true, value: 120 });
      assert.deepEqual(lookup(doc, `${k}.list[3]`), { found: true, value: arr[3] });
      assert.deepEqual(lookup(doc, `${k}.list[12]`), { found: true, value: arr[12] });
      assert.deepEqual(lookup(doc, `${k}.deep.x.y`), { found: true, value: 'z' });
      assert.deepEqual(lookup(doc, `${k}.deep`), { found: true, value: { x: { y: 'z' } } });
      // An index past the end, a name no object has, a key with a dot in it (a dot always separates).
      assert.deepEqual(lookup(doc, `${k}.list[13].v`), { found: false, value: undefined });
      assert.deepEqual(lookup(doc, `${k}.list.0.w`), { found: false, value: undefined });
      assert.deepEqual(lookup(doc, `${k}.a.b`), { found: false, value: undefined });
      assert.deepEqual(lookup(doc, `${k}x`), { found: false, value: undefined });
      assert.deepEqual(lookup(doc, `${k}.list[x]`), { found: false, value: undefined });
    });

    it('the same path twice gives the same answer (the split is kept, not recomputed wrongly)', () => {
      const k = nonce();
      const doc = { [k]: [{ id: 7 }, { id: 8 }] };
      for (let i = 0; i < 3; i++) assert.deepEqual(lookup(doc, `${k}[1].id`), { found: true, value: 8 });
    });

    it('past a number, a string or null there is nothing: not found, never an error', () => {
      const k = nonce();
      const doc = { [k]: { n: 5, s: 'text', z: null, t: true } };
      for (const p of ['n.x', 's.length', 's.0', 'z.x', 't.x', 'n.x.y']) assert.deepEqual(lookup(doc, `${k}.${p}`), { found: false, value: undefined }, p);
      assert.deepEqual(lookup(doc, `${k}.z`), { found: true, value: null });
      assert.deepEqual(lookup(null, 'a'), { found: false, value: undefined });
      assert.deepEqual(lookup(7, 'a'), { found: false, value: undefined });
    });

    it('equals, notEquals and exists: verdicts and their texts, passing and failing', () => {
      const { v } = finalOf(ROUND_TRIP, [
        { path: 'domains.1.domid', equals: 1 },
        { path: 'domains.1.domid', equals: 2 },
        { path: 'domains.1.nosuch', equals: 2 },
        { path: 'domains.1.vcpus.0.slot.stateName', equals: 'STATE_IOREQ_READY' },
        { path: 'domains.1.vcpus.0.slot.stateName', equals: 'STATE_IOREQ_NONE' },
        { path: 'domains.1.domid', notEquals: 2 },
        { path: 'domains.1.domid', notEquals: 1 },
        { path: 'domains.1.nosuch', notEquals: 1 },
        { path: 'domains.1.domid', exists: true },
        { path: 'domains.1.nosuch', exists: true },
        { path: 'domains.1.domid', exists: false },
        { path: 'domains.1.nosuch', exists: false },
        { path: 'domains.1.target', exists: false },
        { path: 'domains.1.domid' },
      ]);
      assert.deepEqual(v, [
        [true, 'domains.1.domid == 1'],
        [false, 'domains.1.domid == 2 (got 1)'],
        [false, 'domains.1.nosuch == 2 (got no such path)'],
        [false, 'domains.1.vcpus.0.slot.stateName == "STATE_IOREQ_READY" (got "STATE_IOREQ_NONE")'],
        [true, 'domains.1.vcpus.0.slot.stateName == "STATE_IOREQ_NONE"'],
        [true, 'domains.1.domid != 2'],
        [false, 'domains.1.domid != 1 (it is)'],
        [true, 'domains.1.nosuch != 1'],
        [true, 'domains.1.domid exists'],
        [false, 'domains.1.nosuch exists (it does not)'],
        [false, 'domains.1.domid does not exist (it is 1)'],
        [true, 'domains.1.nosuch does not exist'],
        // d1 has no target: the document says null, which is there.
        [false, 'domains.1.target does not exist (it is null)'],
        // A path with nothing to compare against: equal to nothing, which a value is not.
        [false, 'domains.1.domid == nothing (got 1)'],
      ]);
    });

    it('hex and decimal compare equal, as numbers or strings, negative too; other values compare as JSON', () => {
      const { r, v } = finalOf(ROUND_TRIP, [
        { path: 'domains.1.params.IOREQ_PFN', equals: 1044473 },
        { path: 'domains.1.params.IOREQ_PFN', equals: '1044473' },
        { path: 'domains.1.params.IOREQ_PFN', equals: '0XFEFF9' },
        { path: 'domains.1.params.IOREQ_PFN', equals: 1044472 },
        { path: 'domains.1.vcpus.0.slot.vp_eport', equals: '0x3' },
        { path: 'domains.1.vcpus.0.blockedInXen', equals: 0 },
        { path: 'domains.1.vcpus.0.blockedInXen', equals: false },
        { path: 'domains.1.vcpus.0.slot.stateName', notEquals: '1 thing' },
        { path: 'domains.1.vcpus.0.rax', equals: 3735928385 },
        { path: 'console.0', equals: '(XEN) hvm_create_ioreq_server: 1' },
        { path: 'domains.1.ioreqServer.ioreqEvtchn', equals: [3] },
        { path: 'domains.1.ioreqServer.ioreqEvtchn', equals: 3 },
      ]);
      const doc = stateJson(r.session.m) as { domains: Record<string, { params: Record<string, unknown> }> };
      assert.equal(doc.domains['1'].params.IOREQ_PFN, '0xfeff9'); // the document writes pfns in hex
      assert.deepEqual(v.map((x) => x[0]), [true, true, true, false, true, false, true, true, true, true, true, false]);
      assert.equal(v[3][1], 'domains.1.params.IOREQ_PFN == 1044472 (got "0xfeff9")');
    });

    it('sameValue: the integer grammar (-?, 0x/0X hex or decimal digits, whole string) and JSON for the rest', () => {
      const yes: Array<[unknown, unknown]> = [[0xfeff9, '0xfeff9'], ['0xFEFF9', '1044473'], [-1, '-0x1'], ['-5', -5], ['-0x10', '-16'], [12, '12'],
        ['007', 7], [0, '-0'], ['abc', 'abc'], [null, null], [{ a: [1] }, { a: [1] }], [1.5, 1.5], [true, true], [[3], [3]], [['0x3'], ['0x3']]];
      const no: Array<[unknown, unknown]> = [[1, -1], ['-0x5', 5], ['-5', 5], ['0x10', 10], ['0x3f8 size', '0x3f8'], ['x12', 12], ['12x', 12],
        ['1e3', 1000], [1.5, '1.5'], [true, 1], [false, 0], [null, 0], ['0x', 0], ['-', 0], ['abc', 'abd'], [{ a: 1 }, { a: 2 }], ['', 0],
        [[3], 3], [['0x3'], 3], [[3], '3'], [['0x3'], ['3']]];
      for (const [a, b] of yes) { assert.equal(sameValue(a, b), true, `${JSON.stringify(a)} ~ ${JSON.stringify(b)}`); assert.equal(sameValue(b, a), true); }
      for (const [a, b] of no) { assert.equal(sameValue(a, b), false, `${JSON.stringify(a)} !~ ${JSON.stringify(b)}`); assert.equal(sameValue(b, a), false); }
      // Every integer in any of its spellings.
      fc.assert(fc.property(fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }), fc.bigInt({ min: -(1n << 70n), max: 1n << 70n }), (a, b) => {
        const spell = (n: bigint) => [n < 0n ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`, n.toString(), ...(Number.isSafeInteger(Number(n)) ? [Number(n)] : [])];
        return spell(a).every((x) => spell(b).every((y) => sameValue(x, y) === (a === b)));
      }), { numRuns: 300 });
    });

    it('the domains.N and deviceModels shortcuts agree with the whole document, and other paths read the document itself', () => {
      const { r, v } = finalOf(ROUND_TRIP, [
        { path: 'profile', equals: 'seed' },
        { path: 'domains.1', exists: true },
        { path: 'domains.7', exists: false },
        { path: 'domains.7.domid', exists: false },
        { path: 'domains.1.vcpus[0].rax', equals: '0xdeadbe41' },
        { path: 'domains[1].vcpus.0.rax', equals: '0xdeadbe41' },
        { path: 'deviceModels', exists: true },
        { path: 'deviceModels.0.handled', equals: 3 },
        { path: 'deviceModels[0].handled', equals: 3 },
        { path: 'deviceModels.1', exists: false },
        { path: 'xdomains.1.domid', exists: false },
        { path: 'domains.1x', exists: false },
        { path: 'domains. .domid', exists: false },
        { path: 'xdeviceModels.0.handled', exists: false },
        { path: 'deviceModelsX', exists: false },
        { path: 'panic', equals: null },
        { path: 'domains.01.domid', exists: false },
        { path: 'domains.01', exists: false },
      ]);
      assert.deepEqual(v.filter((x) => !x[0]), []);
      // Property: for a path of any shape, the checker's answer is the whole document's.
      const m = r.session.m, doc = stateJson(m);
      const seg = fc.oneof(fc.constantFrom('domains', 'deviceModels', '1', '0', '01', '7', 'vcpus', 'rax', 'handled', 'name', 'profile', 'params',
        'IOREQ_PFN', 'slot', 'stateName', ' ', '', 'x', '[0]', '[1]'), fc.string({ maxLength: 3 }));
      const head = fc.constantFrom('domains', 'deviceModels', 'domains', 'deviceModels', 'profile', 'xdomains', 'deviceModelsX');
      const id = fc.constantFrom('0', '1', '01', '00', '1 ', ' 1', '7', '1x', '+1', '1e0', '0x1', '[1]', '[0]');
      fc.assert(fc.property(head, fc.option(id, { nil: undefined }), fc.array(seg, { maxLength: 4 }), (h, n, rest) => {
        const p = [h, ...(n === undefined ? [] : [n]), ...rest].join('.').replace(/\.\[/g, '[');
        const got = new Checker(m).resolve(p), want = lookup(doc, p);
        return got.found === want.found && JSON.stringify(got.value) === JSON.stringify(want.value);
      }), { numRuns: 1500 });
    });

    it('one checker over one state answers a repeated path the same way (its parts of the document are kept)', () => {
      const { r } = finalOf(ROUND_TRIP, []);
      const ck = new Checker(r.session.m);
      for (let i = 0; i < 2; i++) {
        assert.deepEqual(ck.resolve('domains.1.domid'), { found: true, value: 1 });
        assert.deepEqual(ck.resolve('deviceModels.0.name'), { found: true, value: 'qemu' });
        assert.deepEqual(ck.resolve('profile'), { found: true, value: 'seed' });
        assert.deepEqual(ck.resolve('deviceModels').value, stateJson(r.session.m).deviceModels);
      }
      assert.equal((ck.doc() as { profile: string }).profile, 'seed');
      // Each part is built once per checker (the explorer checks `when` conditions in every state it reaches).
      assert.equal(ck.doc(), ck.doc());
      assert.equal(ck.resolve('domains.1').value, ck.resolve('domains.1.vcpus').found && ck.resolve('domains.1').value);
      assert.equal(ck.resolve('deviceModels').value, ck.resolve('deviceModels').value);
    });
  });

  describe('events', () => {
    it('at least one, or exactly count, filtered by fn, domid and a text substring; the text says what and how many were found', () => {
      const { r, v } = finalOf(ROUND_TRIP, [
        { event: 'slot_state' },
        { event: 'slot_state', fn: 'cpu_handle_ioreq', count: 3 },
        { event: 'slot_state', fn: 'cpu_handle_ioreq', count: 2 },
        { event: 'evtchn_bind', domid: 0, count: 2 },
        { event: 'evtchn_bind', domid: 1 },
        { event: 'evtchn_bind', domid: 1, count: 0 },
        { event: 'ioreq_send', text: 'read 0xcfc', count: 1 },
        { event: 'ioreq_send', text: 'read 0xcfd' },
        { event: 'io_assist', fn: 'hvm_io_assist', domid: 1, text: 'data 0x41', count: 2 },
        { event: 'server_destroy' },
        { event: 'slot_state', fn: 'nobody' },
      ]);
      // The counts are the event log's, counted here.
      const evs = r.session.m.x.events;
      assert.equal(evs.filter((e) => e.kind === 'slot_state' && e.fn === 'cpu_handle_ioreq').length, 3);
      assert.equal(evs.filter((e) => e.kind === 'evtchn_bind').length, 2);
      assert.equal(evs.filter((e) => e.kind === 'io_assist' && e.text.includes('data 0x41')).length, 2);
      assert.deepEqual(v, [
        [true, 'an event slot_state'],
        [true, '3 × event slot_state by cpu_handle_ioreq'],
        [false, '2 × event slot_state by cpu_handle_ioreq (found 3)'],
        [true, '2 × event evtchn_bind on d0'],
        [false, 'an event evtchn_bind on d1 (found 0)'],
        [true, '0 × event evtchn_bind on d1'],
        [true, "1 × event ioreq_send saying 'read 0xcfc'"],
        [false, "an event ioreq_send saying 'read 0xcfd' (found 0)"],
        [true, "2 × event io_assist by hvm_io_assist on d1 saying 'data 0x41'"],
        [false, 'an event server_destroy (found 0)'],
        [false, 'an event slot_state by nobody (found 0)'],
      ]);
    });

    it('events in order: each after the one before (others between, none matched twice), with fn, domid and text', () => {
      const { r, v } = finalOf(ROUND_TRIP, [
        { events: [{ event: 'domain_create', domid: 0 }, { event: 'vcpu_initialise', domid: 0 }] },
        { events: [{ event: 'server_create' }, { event: 'ioreq_send' }, { event: 'dm_handle', fn: 'handle_ioreq' }, { event: 'io_assist' }] },
        { events: [{ event: 'server_create' }, { event: 'server_create' }] },
        { events: [{ event: 'io_assist' }, { event: 'server_create' }] },
        { events: [{ event: 'ioreq_send', text: 'read 0x3f8' }, { event: 'ioreq_send', text: 'read 0xcfc' }] },
        { events: [{ event: 'ioreq_send', text: 'read 0xcfc' }, { event: 'ioreq_send', text: 'read 0x3f8' }] },
        { events: [{ event: 'slot_state', fn: 'cpu_get_ioreq' }, { event: 'slot_state', fn: 'nobody' }] },
        { events: [{ event: 'evtchn_bind', domid: 1 }] },
        { events: [{ event: 'domain_create', domid: 1 }, { event: 'domain_create', domid: 0 }] },
      ]);
      assert.equal(r.session.m.x.events[0].kind, 'domain_create'); // d0's creation is the first event of all
      assert.equal(r.session.m.x.events[1].kind, 'vcpu_initialise'); // and d0v0's right after it
      assert.deepEqual(v, [
        [true, 'events in order: domain_create < vcpu_initialise'],
        [true, 'events in order: server_create < ioreq_send < dm_handle/handle_ioreq < io_assist'],
        [false, 'events in order: server_create < server_create (the first 1 found in order; no server_create after them)'],
        [false, 'events in order: io_assist < server_create (the first 1 found in order; no server_create after them)'],
        [false, 'events in order: ioreq_send < ioreq_send (the first 1 found in order; no ioreq_send after them)'],
        [true, 'events in order: ioreq_send < ioreq_send'],
        [false, 'events in order: slot_state/cpu_get_ioreq < slot_state/nobody (the first 1 found in order; no slot_state/nobody after them)'],
        [false, 'events in order: evtchn_bind (the first 0 found in order; no evtchn_bind after them)'],
        [false, 'events in order: domain_create < domain_create (the first 1 found in order; no domain_create after them)'],
      ]);
    });
  });

  describe('crashes, panics and defects', () => {
    it('crash and noCrash: with or without a reason (a substring), of a domain that crashed, did not, or does not exist', () => {
      const { r, v } = finalOf(CRASH, [
        { crash: 1 },
        { crash: 1, reason: 'iorequest state 5' },
        { crash: 1, reason: 'state 6' },
        { crash: 0 },
        { crash: 0, reason: 'anything' },
        { crash: 9 },
        { noCrash: 1 },
        { noCrash: 0 },
        { noCrash: 9 },
      ]);
      assert.equal(r.session.m.x.domains.get(1)!.crashed!.reason, 'Weird HVM iorequest state 5');
      assert.deepEqual(v, [
        [true, 'd1 crashed'],
        [true, "d1 crashed with 'iorequest state 5'"],
        [false, "d1 crashed with 'state 6' (reason: Weird HVM iorequest state 5)"],
        [false, 'd0 crashed (it did not)'],
        [false, "d0 crashed with 'anything' (it did not)"],
        [false, 'd9 crashed (it did not)'],
        [false, 'd1 did not crash (it did: Weird HVM iorequest state 5)'],
        [true, 'd0 did not crash'],
        [true, 'd9 did not crash'],
      ]);
    });

    it('panic: false, true or a message substring, against a run that panicked and one that did not', () => {
      const cases = [{ panic: false }, { panic: true }, { panic: 'port_is_valid' }, { panic: 'nothing like it' }];
      const calm = finalOf(ROUND_TRIP, cases).v;
      const { r, v: hot } = finalOf(PANIC, cases);
      const msg = r.session.m.x.panic!.message;
      assert.ok(msg.includes('port_is_valid') && !msg.includes('nothing like it'));
      assert.deepEqual(calm, [
        [true, 'no panic'],
        [false, 'Xen panics (no panic)'],
        [false, "Xen panics with 'port_is_valid' (no panic)"],
        [false, "Xen panics with 'nothing like it' (no panic)"],
      ]);
      assert.deepEqual(hot, [
        [false, `no panic (panic: ${msg})`],
        [true, 'Xen panics'],
        [true, "Xen panics with 'port_is_valid'"],
        [false, `Xen panics with 'nothing like it' (panic: ${msg})`],
      ]);
    });

    it('bug: a defect the model reported, or its absence', () => {
      const { r, v } = finalOf(ROUND_TRIP, [{ bug: 'use-after-free' }, { bug: 'use-after-free', absent: true }]);
      assert.deepEqual(v, [[false, 'use-after-free reported'], [true, 'no use-after-free reported']]);
      // The same state once the model has recorded one (as get_ioreq does on a freed server).
      const m = r.session.m;
      m.x.bugs.push({ kind: 'use-after-free', fn: 'get_ioreq', text: "get_ioreq used d1's ioreq server after xfree()" });
      const ck = new Checker(m);
      const loc = r.final[0].loc;
      const verdicts: Verdict[] = [ck.check({ bug: 'use-after-free', loc }), ck.check({ bug: 'use-after-free', absent: true, loc })];
      assert.deepEqual(verdicts.map((x) => [x.ok, x.text]), [[true, 'use-after-free reported'], [false, 'no use-after-free reported']]);
      // Another kind of record is not this defect.
      m.x.bugs.length = 0;
      m.x.bugs.push({ kind: 'other' as 'use-after-free', fn: 'f', text: 't' });
      assert.equal(new Checker(m).check({ bug: 'use-after-free', loc }).ok, false);
    });

    it('each verdict carries the location of its expectation in the file', () => {
      const text = JSON.stringify({ profile: 'seed', deviceModels: [{ name: 'qemu', domid: 0, target: 1 }], steps: SETUP,
        expect: [{ path: 'domains.1.domid', equals: 1 }, { event: 'domain_create' }, { crash: 1 }, { noCrash: 1 }, { console: 'x' }, { events: [{ event: 'x' }] }, { panic: false }, { bug: 'use-after-free' }] }, null, 1);
      const sc = parseScenario(text, 'loc.ioreq.json');
      const r = runScenario(sc);
      assert.deepEqual(r.final.map((x) => x.loc), sc.expect.map((e) => e.loc));
      assert.equal(new Set(r.final.map((x) => x.loc.line)).size, 8);
    });
  });

  describe('the console', () => {
    it('substring, exact and regex matches; at least one, count, or absent; the text says how and how many', () => {
      const { r, v } = finalOf(CRASH, [
        { console: 'iorequest state 5' },
        { console: 'Domain 1 (vcpu#0)' },
        { console: 'Domain 1 (vcpu#0)', match: 'substring', count: 1 },
        { console: 'iorequest state 5', match: 'exact' },
        { console: 'Weird HVM iorequest state 5.', match: 'exact' },
        { console: '^Domain \\d+ \\(vcpu#\\d\\)', match: 'regex' },
        { console: 'Domain 1 (vcpu#0)', match: 'regex' },
        { console: '1', count: 2 },
        { console: '1', count: 3 },
        { console: 'state [0-9]', match: 'regex', count: 1 },
        { console: 'nowhere' },
        { console: 'nowhere', absent: true },
        { console: 'Weird', absent: true },
        { console: 'Weird HVM iorequest state 5.', match: 'exact', absent: true },
        { console: 'crash', match: 'regex', absent: true },
        { console: 'nowhere', count: 0 },
        { console: 'nowhere', count: 2 },
      ]);
      const lines = r.session.m.x.console.map((l) => l.text);
      assert.deepEqual(lines.filter((l) => l.includes('1')).length, 2);
      assert.deepEqual(v, [
        [true, "console says 'iorequest state 5'"],
        [true, "console says 'Domain 1 (vcpu#0)'"],
        [true, "1 console line(s) 'Domain 1 (vcpu#0)'"],
        [false, "console says exactly 'iorequest state 5'"],
        [true, "console says exactly 'Weird HVM iorequest state 5.'"],
        [true, 'console says matching /^Domain \\d+ \\(vcpu#\\d\\)/'],
        // As a regular expression the brackets group: no line has "Domain 1 vcpu#0".
        [false, 'console says matching /Domain 1 (vcpu#0)/'],
        [true, "2 console line(s) '1'"],
        [false, "3 console line(s) '1' (found 2)"],
        [true, '1 console line(s) matching /state [0-9]/'],
        [false, "console says 'nowhere'"],
        [true, "console never says 'nowhere'"],
        [false, "console never says 'Weird' (found 1)"],
        [false, "console never says exactly 'Weird HVM iorequest state 5.' (found 1)"],
        [false, 'console never says matching /crash/ (found 1)'],
        [true, "0 console line(s) 'nowhere'"],
        [false, "2 console line(s) 'nowhere' (found 0)"],
      ]);
    });
  });

  describe("a step's own expect: rc, value and valuePath", () => {
    const GET = { actor: 'qemu', op: 'hvmop_get_param', param: 'IOREQ_PFN' };
    it('rc and value: by name and in hex, with what the step gave when they differ', () => {
      const r = stepsOf([
        { ...SETUP[0], expect: { rc: 0 } },
        { ...SETUP[1], expect: { rc: '-EINVAL' } },
        { ...GET, expect: { rc: 0, value: '0xfeff9' } },
        { ...GET, expect: { value: 1044473 } },
        { ...GET, expect: { value: '0x1' } },
        { actor: 'toolstack', op: 'hvmop_set_param', domid: 1, param: 'BUFIOREQ_EVTCHN', value: 9, expect: { rc: '-EINVAL', value: 2 } },
        { ...GET },
      ]);
      assert.deepEqual(r.steps.map((s) => s.verdicts.map((x) => [x.ok, x.text])), [
        [[true, 'rc == 0']],
        [[false, 'rc == -EINVAL (got 0)']],
        [[true, 'rc == 0'], [true, 'value == 0xfeff9']],
        [[true, 'value == 0xfeff9']],
        [[false, 'value == 0x1 (got 0xfeff9)']],
        [[true, 'rc == -EINVAL'], [false, 'value == 0x2 (got none)']],
        [],
      ]);
      assert.equal(r.ok, false);
    });

    it('valuePath: the value equals a path of the state right after the step, or says both sides', () => {
      const r = stepsOf([
        ...SETUP,
        { ...GET, expect: { valuePath: 'domains.1.params.IOREQ_PFN' } },
        { ...GET, expect: { valuePath: 'domains.1.params.BUFIOREQ_PFN' } },
        { ...GET, expect: { valuePath: 'domains.1.params.NOSUCH' } },
        { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1, expect: { valuePath: 'domains.1.pauseCount' } },
        { ...GET, expect: { rc: 0, value: '0xfeff9', valuePath: 'domains.1.params.IOREQ_PFN' } },
      ]);
      assert.deepEqual(r.steps.slice(2).map((s) => s.verdicts.map((x) => [x.ok, x.text])), [
        [[true, 'value == domains.1.params.IOREQ_PFN']],
        [[false, 'value == domains.1.params.BUFIOREQ_PFN (value 0xfeff9, domains.1.params.BUFIOREQ_PFN "0xfeff8")']],
        [[false, 'value == domains.1.params.NOSUCH (value 0xfeff9, domains.1.params.NOSUCH does not exist)']],
        [[false, 'value == domains.1.pauseCount (value none, domains.1.pauseCount 0)']],
        [[true, 'value == domains.1.params.IOREQ_PFN'], [true, 'rc == 0'], [true, 'value == 0xfeff9']],
      ]);
    });
  });
});
