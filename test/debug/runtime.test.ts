// The stepping runtime (src/debug/runtime.ts), without DAP: stepping, breakpoints, data breakpoints, exceptions and
// time travel over the model's stepped build.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { stateJson } from '../../src/model/state';
import { parseScenario } from '../../src/scenario/parse';
import { runScenario } from '../../src/scenario/run';
import { IoreqRuntime, SNAPSHOT_EVERY } from '../../src/debug/runtime';

const ROOT = path.join(__dirname, '../../..');
const load = (name: string) => {
  const f = path.join(ROOT, 'scenarios', name);
  return parseScenario(fs.readFileSync(f, 'utf8'), f);
};
/** The actor of the very next position (stepIn in that thread moves exactly one position). */
const nextActor = (rt: IoreqRuntime) => (rt.returned ? rt.sc.steps[rt.pos.step + 1]?.actor : rt.currentStep?.actor);
const stack = (rt: IoreqRuntime) => rt.frames().map((f) => `${f.fn}@${f.at}`);

/** A scenario whose device model writes a state outside Xen's four into vcpu 0's slot. */
const BAD_STATE = JSON.stringify({
  profile: 'seed', deviceModels: [{ name: 'qemu', target: 1 }],
  steps: [
    { actor: 'toolstack', op: 'xc_domain_create', domid: 1, vcpus: 1 },
    { actor: 'toolstack', op: 'xc_hvm_build', domid: 1 },
    { actor: 'qemu', op: 'xen_hvm_init' },
    { actor: 'toolstack', op: 'xc_domain_unpause', domid: 1 },
    { actor: 'd1v0', op: 'pio_write', port: 0x3f8, size: 1, value: 0x41 },
    { actor: 'qemu', op: 'write_state', vcpu: 0, state: 5 },
    { actor: 'qemu', op: 'evtchn_send', port: 1 },
    { actor: 'd1v0', op: 'hvm_do_resume' },
  ],
});

describe('debug runtime: stepping the stepped build', () => {
  it('stepping every statement to the end leaves the same state as `run` on the flat build', () => {
    const sc = load('07-two-vcpus-race.ioreq.json');
    const rt = new IoreqRuntime(sc);
    let n = 0;
    while (rt.stepIn().reason !== 'end') n++;
    assert.ok(n > sc.steps.length, 'more statements than steps');
    const flat = runScenario(sc).session.m;
    const a = stateJson(rt.session.m), b = stateJson(flat);
    delete a.events; delete b.events;
    assert.deepEqual(a, b);
    assert.ok(rt.finalVerdicts!.every((v) => v.ok));
  });

  it('a function breakpoint on hvm_wait_on_io stops inside hvm_do_resume -> hvm_wait_on_io [SEED @367]', () => {
    const rt = new IoreqRuntime(load('07-two-vcpus-race.ioreq.json'));
    rt.codeBreakpoints = [{ id: 7, fn: 'hvm_wait_on_io' }];
    const s = rt.continue();
    assert.equal(s.reason, 'function breakpoint');
    assert.deepEqual(s.hitBreakpointIds, [7]);
    assert.deepEqual(rt.frames().map((f) => f.fn), ['hvm_do_resume', 'hvm_wait_on_io']);
    assert.equal(rt.frames()[0].at, 'wait', 'the caller stays on the statement that made the call');
    assert.ok('p' in rt.frames()[1].locals && 'd' in rt.frames()[1].locals);
  });

  it('a label breakpoint stops at that statement each time it runs; next stays in the function, stepOut leaves it', () => {
    const rt = new IoreqRuntime(load('07-two-vcpus-race.ioreq.json'));
    rt.codeBreakpoints = [{ id: 1, fn: 'hvm_wait_on_io', label: 'assist' }];
    let s = rt.continue();
    assert.equal(s.reason, 'breakpoint');
    assert.deepEqual(stack(rt), ['hvm_do_resume@wait', 'hvm_wait_on_io@assist']);
    rt.codeBreakpoints = [];
    s = rt.next();
    assert.equal(rt.frames().length, 2, 'next steps over hvm_io_assist');
    assert.equal(rt.frames()[1].fn, 'hvm_wait_on_io');
    s = rt.stepOut();
    assert.equal(rt.frames().length, 1);
    assert.equal(rt.frames()[0].fn, 'hvm_do_resume');
  });

  it('stepBack by instruction returns exactly to the previous statement (state and stack), and stepping forward again matches', () => {
    const rt = new IoreqRuntime(load('07-two-vcpus-race.ioreq.json'));
    for (let i = 0; i < 150; i++) rt.stepIn(nextActor(rt));
    while (rt.pos.stmt === 0 && !rt.ended) rt.stepIn(nextActor(rt)); // inside a step: the previous position is the same thread's
    assert.ok(!rt.ended);
    const t = rt.pos.t;
    const prevState = (() => { const r = new IoreqRuntime(rt.sc); while (r.pos.t < t - 1) r.stepIn(nextActor(r)); return { s: JSON.stringify(stateJson(r.session.m)), st: stack(r) }; })();
    const here = { s: JSON.stringify(stateJson(rt.session.m)), st: stack(rt) };
    rt.stepBack(undefined, 'instruction');
    assert.equal(rt.pos.t, t - 1);
    assert.deepEqual({ s: JSON.stringify(stateJson(rt.session.m)), st: stack(rt) }, prevState);
    rt.stepIn();
    assert.deepEqual({ s: JSON.stringify(stateJson(rt.session.m)), st: stack(rt) }, here);
  });

  it('stepBack to before hvm_create_ioreq_server ran: the server pointer is NULL again [SEED @618]', () => {
    const rt = new IoreqRuntime(load('02-create-on-get-ioreq-pfn.ioreq.json'));
    rt.codeBreakpoints = [{ id: 1, fn: 'hvm_create_ioreq_server', label: 'publish' }];
    assert.equal(rt.continue().reason, 'breakpoint');
    rt.codeBreakpoints = [];
    rt.stepIn();
    assert.notEqual(rt.session.m.x.domains.get(1)!.arch.hvm_domain.ioreq_server, null);
    rt.stepBack();
    assert.equal(rt.session.m.x.domains.get(1)!.arch.hvm_domain.ioreq_server, null);
    assert.equal(rt.frames().at(-1)!.at, 'publish');
  });

  it('reverseContinue goes back to the latest earlier breakpoint hit, or the start', () => {
    const rt = new IoreqRuntime(load('07-two-vcpus-race.ioreq.json'));
    rt.codeBreakpoints = [{ id: 1, fn: 'hvm_io_assist' }];
    rt.continue();
    const first = rt.pos.t;
    rt.continue();
    const second = rt.pos.t;
    assert.ok(second > first);
    rt.stepIn(); rt.stepIn();
    const s = rt.reverseContinue();
    assert.equal(s.reason, 'function breakpoint');
    assert.equal(rt.pos.t, second);
    rt.reverseContinue();
    assert.equal(rt.pos.t, first);
    const s3 = rt.reverseContinue();
    assert.equal(s3.reason, 'entry');
    assert.equal(rt.pos.t, 0);
  });

  it("a data breakpoint on vcpu 0's slot state stops at each of NONE -> READY -> INPROCESS -> IORESP_READY -> NONE", () => {
    const rt = new IoreqRuntime(load('08-sync-pio-read-write.ioreq.json'));
    rt.dataBreakpoints = [{ id: 3, dataId: 'slot:1:0:state' }];
    const seen: number[] = [];
    for (let i = 0; i < 12; i++) {
      const s = rt.continue();
      if (s.reason === 'end') break;
      assert.equal(s.reason, 'data breakpoint');
      seen.push(rt.session.m.x.domains.get(1)!.arch.hvm_domain.ioreq_server!.ioreq.va!.getUint8(30) & 15);
    }
    // The first change is the slot coming into existence (state 0) when the server maps the page.
    assert.deepEqual(seen.slice(0, 5), [0, 1, 2, 3, 0]);
  });

  it('the domain_crash exception stops where hvm_wait_on_io crashes the domain on state 5 [SEED @367]', () => {
    const sc = parseScenario(BAD_STATE, 'bad-state.ioreq.json');
    const rt = new IoreqRuntime(sc);
    rt.exceptionFilters = new Set(['domain_crash']);
    const s = rt.continue();
    assert.equal(s.reason, 'exception');
    assert.equal(s.exception!.id, 'domain_crash');
    assert.match(s.exception!.text, /Weird HVM iorequest state 5/);
    assert.deepEqual(rt.frames().map((f) => f.fn), ['hvm_do_resume', 'hvm_wait_on_io']);
  });

  it('a failed expectation stops as an exception when the filter is on', () => {
    const doc = JSON.parse(fs.readFileSync(path.join(ROOT, 'scenarios/02-create-on-get-ioreq-pfn.ioreq.json'), 'utf8').replace(/^\/\/.*$/m, ''));
    doc.steps[2].expect.value = '0x1234';
    const rt = new IoreqRuntime(parseScenario(JSON.stringify(doc), 'changed.ioreq.json'));
    rt.exceptionFilters = new Set(['failed_expectation']);
    const s = rt.continue();
    assert.equal(s.reason, 'exception');
    assert.equal(s.exception!.id, 'failed_expectation');
    assert.match(s.exception!.text, /value == 0x1234/);
  });

  it('an edit (playing the device model) is replayed by time travel', () => {
    const rt = new IoreqRuntime(load('08-sync-pio-read-write.ioreq.json'));
    rt.codeBreakpoints = [{ id: 1, fn: 'hvm_wait_on_io' }];
    rt.continue();
    rt.codeBreakpoints = [];
    const t = rt.pos.t;
    rt.edit((s) => { s.m.x.domains.get(1)!.arch.hvm_domain.params[31] = 0x77; });
    rt.stepIn(); rt.stepIn();
    rt.goto(t + 1);
    assert.equal(rt.session.m.x.domains.get(1)!.arch.hvm_domain.params[31], 0x77);
    rt.goto(t - 1);
    assert.equal(rt.session.m.x.domains.get(1)!.arch.hvm_domain.params[31], 0);
  });

  it(`snapshots are kept every ${SNAPSHOT_EVERY} steps, so goto late costs about what it costs early`, () => {
    const rt = new IoreqRuntime(load('11-buffered-ring-full.ioreq.json'));
    rt.continue();
    assert.ok(rt.sc.steps.length > 3 * SNAPSHOT_EVERY);
    const end = rt.pos.t;
    rt.goto(end - 5);
    assert.equal(rt.pos.t, end - 5);
    rt.goto(3);
    assert.equal(rt.pos.t, 3);
  });
});

describe('debug runtime: restart and the other data breakpoints', () => {
  it('reset (restart) goes back to the first statement with a fresh model', () => {
    const rt = new IoreqRuntime(load('02-create-on-get-ioreq-pfn.ioreq.json'));
    for (let i = 0; i < 40; i++) rt.stepIn();
    rt.reset();
    assert.equal(rt.pos.t, 0);
    assert.equal(rt.session.m.x.domains.has(1), false);
  });

  it('a data breakpoint on a param (d1 IOREQ_PFN) stops when setup_guest stores it', () => {
    const rt = new IoreqRuntime(load('02-create-on-get-ioreq-pfn.ioreq.json'));
    rt.dataBreakpoints = [{ id: 5, dataId: 'param:1:5' }];
    let s = rt.continue();
    // The first change is the domain (and its params) coming into existence.
    while (s.reason === 'data breakpoint' && (rt.session.m.x.domains.get(1)?.arch.hvm_domain.params[5] ?? 0) === 0) s = rt.continue();
    assert.equal(s.reason, 'data breakpoint');
    assert.equal(rt.session.m.x.domains.get(1)!.arch.hvm_domain.params[5], 0xfeff9);
    assert.ok(rt.frames().some((f) => f.fn === 'setup_guest'));
  });

  it("a data breakpoint on an event channel's pending bit stops when it is set", () => {
    const rt = new IoreqRuntime(load('08-sync-pio-read-write.ioreq.json'));
    rt.dataBreakpoints = [{ id: 6, dataId: 'evtchn:0:1:pending' }];
    let s = rt.continue();
    while (s.reason === 'data breakpoint' && !rt.session.m.x.domains.get(0)!.evtchn.ports[1]?.pending) s = rt.continue();
    assert.equal(s.reason, 'data breakpoint');
    assert.equal(rt.session.m.x.domains.get(0)!.evtchn.ports[1].pending, true);
  });
});
