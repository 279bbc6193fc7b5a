// The adapter over DAP, in process as the extension runs it (dap-client.ts): the locals a Xen developer expects at a stop (the C function's
// parameters and locals by C name; watch, hover and evaluate of any of them), real frames only with totalFrames,
// listings under their stable name, stepping in the thread asked for, stepOut to the scenario step, stepBack over
// callees, one console line per event after time travel, and a stop at each failing `after` check at its line.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { loadListing } from '../../src/debug/listing';
import { startClient } from './dap-client';

const ROOT = path.join(__dirname, '../../..');
const SC = (n: string) => path.join(ROOT, 'scenarios', n);

describe('debug adapter over DAP: locals, frames, stepping', function () {
  this.timeout(20000);
  let dc: DebugClient;
  beforeEach(async () => { dc = await startClient('in-process'); });
  afterEach(async () => { await dc.stop(); });

  async function launch(scenario: string, extra: Record<string, unknown> = {}): Promise<void> {
    await Promise.all([dc.configurationSequence(), dc.launch({ scenario, ...extra } as DebugProtocol.LaunchRequestArguments)]);
  }
  async function stackOf(name: RegExp): Promise<{ threadId: number; frames: DebugProtocol.StackFrame[]; total?: number }> {
    const t = (await dc.threadsRequest()).body.threads.find((x) => name.test(x.name))!;
    const st = await dc.stackTraceRequest({ threadId: t.id });
    return { threadId: t.id, frames: st.body.stackFrames, total: st.body.totalFrames };
  }
  async function localsOf(frameId: number): Promise<Record<string, DebugProtocol.Variable>> {
    const sc = (await dc.scopesRequest({ frameId })).body.scopes.find((s) => s.name === 'Locals')!;
    const v = (await dc.variablesRequest({ variablesReference: sc.variablesReference })).body.variables;
    return Object.fromEntries(v.map((x) => [x.name, x]));
  }
  /** Stops at a label of the seed's hvm.c by a line breakpoint on its listing line. */
  async function stopAt(fn: string, label: string, scenario = '02-create-on-get-ioreq-pfn.ioreq.json'): Promise<number> {
    const line = loadListing('seed/hvm.c').fns.get(fn)!.labels.get(label)!;
    await Promise.all([dc.waitForEvent('stopped'), launch(SC(scenario), { stopOnEntry: true })]);
    await dc.setBreakpointsRequest({ source: { path: 'ioreq-scope:/seed/hvm.c' }, breakpoints: [{ line }] });
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.assertStoppedLocation('breakpoint', { line })]);
    await dc.setBreakpointsRequest({ source: { path: 'ioreq-scope:/seed/hvm.c' }, breakpoints: [] });
    return line;
  }

  it("hvm_create_ioreq_server's parameters and locals by C name; watch, hover and evaluate resolve them", async () => {
    await stopAt('hvm_create_ioreq_server', 'init_ports');
    const { frames } = await stackOf(/device model qemu/);
    assert.equal(frames[0].name, 'hvm_create_ioreq_server');
    const locals = await localsOf(frames[0].id);
    assert.deepEqual(Object.keys(locals).slice(0, 5), ['d', 'domid', 's', 'pfn', 'rc']);
    assert.equal(locals.d.value, 'd1 (HVM)');
    assert.ok(locals.d.variablesReference > 0, 'd expands');
    assert.equal(locals.domid.value, '0');
    assert.equal(locals.rc.value, '-ENOMEM');
    assert.equal(locals.v.value, '<not in scope>');
    // The README's watch, at the statement that fills s's ports.
    const watch = await dc.evaluateRequest({ expression: 'd->arch.hvm_domain.ioreq_server', frameId: frames[0].id, context: 'watch' });
    assert.equal(watch.body.result, 'NULL', 'the server is published later');
    const hover = await dc.evaluateRequest({ expression: 'domid', frameId: frames[0].id, context: 'hover' });
    assert.equal(hover.body.result, '0');
    assert.match((await dc.evaluateRequest({ expression: 's->domain', frameId: frames[0].id, context: 'hover' })).body.result, /^d1/);
    await assert.rejects(dc.evaluateRequest({ expression: 'v->vcpu_id', frameId: frames[0].id, context: 'watch' }), /'v' is not in scope/);
    // The caller's own locals: do_hvm_op's a and d.
    const caller = await localsOf(frames[1].id);
    assert.equal(frames[1].name, 'do_hvm_op');
    assert.equal(caller.d.value, 'd1 (HVM)');
  });

  it('frames are the real ones, with totalFrames; idle threads have none; listings are named ioreq-scope:/seed/hvm.c', async () => {
    await stopAt('hvm_set_ioreq_page', 'publish');
    const threads = (await dc.threadsRequest()).body.threads;
    for (const t of threads) {
      const st = await dc.stackTraceRequest({ threadId: t.id });
      assert.equal(st.body.totalFrames, st.body.stackFrames.length, t.name);
      for (const f of st.body.stackFrames) {
        assert.ok(f.source && f.line > 0, `${t.name}: ${f.name} has a place`);
        assert.doesNotMatch(f.name, /^\(/, 'no placeholder frames');
      }
      if (!/qemu/.test(t.name)) assert.equal(st.body.stackFrames.length, 0, `${t.name} is idle`);
    }
    const { frames } = await stackOf(/device model qemu/);
    assert.deepEqual(frames.map((f) => f.name).slice(0, 4), ['hvm_set_ioreq_page', 'hvm_create_ioreq_server', 'do_hvm_op', 'xc_get_hvm_param']);
    const src = frames[0].source!;
    assert.equal(src.path, 'ioreq-scope:/seed/hvm.c');
    assert.ok(src.sourceReference! > 0, 'a DAP source reference for clients without the extension');
    const content = await dc.sourceRequest({ sourceReference: src.sourceReference!, source: src });
    assert.equal(content.body.content, loadListing('seed/hvm.c').text);
    assert.match(content.body.content.split('\n')[frames[0].line - 1], /iorp->va|publish|va/);
    const outer = frames.at(-1)!;
    assert.match(outer.name, /^step 2: /);
    assert.equal(outer.source!.path, SC('02-create-on-get-ioreq-pfn.ioreq.json'));
    // A part of the stack, as clients page it.
    const t = (await dc.threadsRequest()).body.threads.find((x) => /qemu/.test(x.name))!;
    const page = await dc.stackTraceRequest({ threadId: t.id, startFrame: 1, levels: 2 });
    assert.deepEqual(page.body.stackFrames.map((f) => f.name), frames.slice(1, 3).map((f) => f.name));
  });

  it('stepOut from the outermost function stops at the scenario step (its return), in the same thread', async () => {
    await stopAt('hvm_create_ioreq_server', 'exist');
    let s = await stackOf(/device model qemu/);
    while (s.frames.length > 2) {
      await Promise.all([dc.stepOutRequest({ threadId: s.threadId }), dc.waitForEvent('stopped')]);
      s = await stackOf(/device model qemu/);
    }
    assert.equal(s.frames[0].name, 'xc_get_hvm_param');
    const [e] = await Promise.all([dc.waitForEvent('stopped'), dc.stepOutRequest({ threadId: s.threadId })]);
    assert.equal(e.body.threadId, s.threadId);
    s = await stackOf(/device model qemu/);
    assert.equal(s.frames.length, 1);
    assert.match(s.frames[0].name, /^step 2: .*returned rc 0/);
    assert.equal(s.frames[0].source!.path, SC('02-create-on-get-ioreq-pfn.ioreq.json'));
    const locals = await localsOf(s.frames[0].id);
    assert.equal(locals.rc.value, '0');
    assert.equal(locals.value.value, '0xfeff9', 'the value the get returned');
    // next from there: qemu's next step (3), not the toolstack's.
    await Promise.all([dc.nextRequest({ threadId: s.threadId }), dc.waitForEvent('stopped')]);
    const st = await dc.customRequest('ioreqScopeState', {});
    assert.equal((st.body as { step: number }).step, 3);
  });

  it("a step frame's I/O port reads in hex as the file wrote it (0x3f8), its size in decimal", async () => {
    await Promise.all([dc.waitForEvent('stopped'), launch(SC('08-sync-pio-read-write.ioreq.json'), { stopOnEntry: true })]);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'hvm_send_assist_req' }] });
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    const s = await stackOf(/vcpu d1v0/);
    const step = s.frames.at(-1)!;
    assert.match(step.name, /^step \d+: pio_write/);
    const locals = await localsOf(step.id);
    assert.equal(locals.port.value, '0x3f8');
    assert.equal(locals.size.value, '1');
  });

  it("a modelled function's locals carry the listing's C types: handle_pio's uint16_t port in hex, an event-channel int port in decimal", async () => {
    await Promise.all([dc.waitForEvent('stopped'), launch(SC('08-sync-pio-read-write.ioreq.json'), { stopOnEntry: true })]);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'handle_pio' }] });
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    const s = await stackOf(/vcpu d1v0/);
    const f = s.frames.find((x) => x.name === 'handle_pio')!;
    assert.ok(f, 'handle_pio is on the stack');
    const locals = await localsOf(f.id);
    assert.deepEqual([locals.port.value, locals.port.type], ['0x3f8', 'uint16_t'], 'handle_pio(struct vcpu *v, uint16_t port, ...)');
    assert.deepEqual([locals.size.value, locals.size.type], ['1', 'unsigned int']);
    assert.equal(locals.v.type, 'struct vcpu *');
    const hover = await dc.evaluateRequest({ expression: 'port', frameId: f.id, context: 'hover' });
    assert.deepEqual([hover.body.result, hover.body.type], ['0x3f8', 'uint16_t']);
    await dc.stop();
    dc = await startClient('in-process');
    // hvm_replace_event_channel's new_port is an int: an event-channel port, decimal.
    await Promise.all([dc.waitForEvent('stopped'), launch(SC('04-dm-domain-set.ioreq.json'), { stopOnEntry: true })]);
    const line = loadListing('common/hvm.c').fns.get('hvm_replace_event_channel')!.labels.get('check')!;
    await dc.setBreakpointsRequest({ source: { path: 'ioreq-scope:/common/hvm.c' }, breakpoints: [{ line }] });
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.assertStoppedLocation('breakpoint', { line })]);
    const t = (await dc.threadsRequest()).body.threads;
    let top: DebugProtocol.StackFrame | undefined;
    for (const th of t) { const st = await dc.stackTraceRequest({ threadId: th.id }); top = st.body.stackFrames.find((x) => x.name === 'hvm_replace_event_channel') ?? top; }
    const ev = await localsOf(top!.id);
    assert.deepEqual([ev.new_port.value, ev.new_port.type], ['6', 'int'], 'the buffered port moves to 6 (scenario 04)');
  });

  it('stepBack over a call comes back to the calling statement, not into the callee', async () => {
    const line = await stopAt('hvm_create_ioreq_server', 'set_ioreq');
    const { threadId } = await stackOf(/device model qemu/);
    await Promise.all([dc.nextRequest({ threadId }), dc.waitForEvent('stopped')]);
    let s = await stackOf(/device model qemu/);
    assert.equal(s.frames[0].name, 'hvm_create_ioreq_server');
    assert.ok(s.frames[0].line > line);
    await Promise.all([dc.stepBackRequest({ threadId }), dc.waitForEvent('stopped')]);
    s = await stackOf(/device model qemu/);
    assert.equal(s.frames[0].name, 'hvm_create_ioreq_server', 'not hvm_set_ioreq_page');
    assert.equal(s.frames[0].line, line);
    await Promise.all([dc.stepBackRequest({ threadId, granularity: 'instruction' }), dc.waitForEvent('stopped')]);
    s = await stackOf(/device model qemu/);
    assert.equal(s.frames[0].name, 'hvm_init_ioreq_page', 'by instruction: the previous statement, in the callee before');
  });

  it('after time travel the debug console prints nothing twice', async () => {
    const out: string[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => { if (e.body.category === 'console') out.push(...e.body.output.split('\n').filter((l) => /^\[/.test(l))); });
    await stopAt('hvm_create_ioreq_server', 'unpause');
    const before = out.length;
    assert.ok(out.some((l) => /server created/.test(l)));
    const { threadId } = await stackOf(/device model qemu/);
    for (let i = 0; i < 6; i++) await Promise.all([dc.stepBackRequest({ threadId, granularity: 'instruction' }), dc.waitForEvent('stopped')]);
    for (let i = 0; i < 6; i++) await Promise.all([dc.stepInRequest({ threadId }), dc.waitForEvent('stopped')]);
    assert.equal(out.length, before, 'the replayed statements printed nothing');
    assert.equal(out.filter((l) => /server created/.test(l)).length, 1);
  });

  it('stops at a failing after check with the check\'s line in the scenario as the location, then goes on', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioreq-after-'));
    const f = path.join(dir, 'after.ioreq.json');
    fs.writeFileSync(f, [
      '{ "profile": "seed", "deviceModels": [{ "name": "qemu", "target": 1 }],',
      '  "steps": [',
      '    { "actor": "toolstack", "op": "xc_domain_create", "domid": 1, "vcpus": 1,',
      '      "after": [{ "path": "domains.1.pauseCount", "equals": 7 }] },',
      '    { "actor": "toolstack", "op": "xc_hvm_build", "domid": 1,',
      '      "after": [{ "path": "domains.1.ioreqServer", "equals": 1 }] }',
      '  ] }', ''].join('\n'));
    const [e] = await Promise.all([dc.waitForEvent('stopped'), launch(f)]);
    assert.equal(e.body.reason, 'exception');
    assert.match(e.body.text!, /pauseCount/);
    let s = await stackOf(/toolstack/);
    assert.equal(s.frames.length, 1);
    assert.equal(s.frames[0].source!.path, f);
    assert.equal(s.frames[0].line, 4, "the after check's line");
    const [e2] = await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: s.threadId })]);
    assert.match(e2.body.text!, /ioreqServer/);
    s = await stackOf(/toolstack/);
    assert.equal(s.frames[0].line, 6);
    await Promise.all([dc.waitForEvent('terminated'), dc.continueRequest({ threadId: s.threadId })]);
  });

  it("a deadlock's counterexample stops at the deadlock: the thread whose step cannot run, at that step's line, naming every blocked actor", async () => {
    const { explore } = require('../../src/scenario/explore') as typeof import('../../src/scenario/explore');
    const { parseScenario } = require('../../src/scenario/parse') as typeof import('../../src/scenario/parse');
    const src = SC('61-zoo-3b586fc67d-no-default-emulator.ioreq.json');
    const v = explore(parseScenario(fs.readFileSync(src, 'utf8'), src), { maxStates: 100000, hashing: true }).violations.find((x) => x.kind === 'deadlock');
    assert.ok(v, 'the explorer finds the deadlock');
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ioreq-deadlock-')), 'deadlock.ioreq.json');
    fs.writeFileSync(f, JSON.stringify(v!.counterexample, null, 2));
    const cex = parseScenario(fs.readFileSync(f, 'utf8'), f);
    // The file ends with the step that cannot run: QEMU's, which waits for a request the vcpu never sent.
    assert.equal(cex.steps.length, v!.trail.length + 1);
    const blocked = cex.steps.at(-1)!;
    assert.equal(blocked.actor, 'qemu');
    assert.equal(blocked.op, 'cpu_handle_ioreq');
    let [e] = await Promise.all([dc.waitForEvent('stopped'), launch(f)]);
    // The interleaving first wedges the vcpu (its own invariant, at its step); continuing comes to the deadlock.
    for (let i = 0; i < 4 && /^vcpu-wedged/.test(e.body.text ?? ''); i++) [e] = await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: e.body.threadId! })]);
    assert.equal(e.body.reason, 'exception');
    assert.match(e.body.text!, new RegExp(`^deadlock: qemu cannot run step ${blocked.index} \\(cpu_handle_ioreq\\): vcpu 0's slot is STATE_IOREQ_NONE`));
    const s = await stackOf(/device model qemu/);
    assert.equal(e.body.threadId, s.threadId, "the stop is in the blocked device model's thread");
    assert.equal(s.frames.length, 1);
    assert.equal(s.frames[0].name, `step ${blocked.index}: deadlock`);
    assert.equal(s.frames[0].source!.path, f);
    assert.equal(s.frames[0].line, blocked.loc.line, "the blocked step's line in the counterexample");
  });

  it('memory events name the page bytes a step wrote; a data breakpoint on bytes (asAddress) answers who last wrote them', async () => {
    const mem: Array<{ memoryReference: string; offset: number; count: number }> = [];
    dc.on('memory', (e: DebugProtocol.MemoryEvent) => mem.push(e.body));
    await Promise.all([dc.waitForEvent('stopped'), launch(SC('08-sync-pio-read-write.ioreq.json'), { stopOnEntry: true })]);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'hvm_wait_on_io' }] });
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    // By then the guest's request was written into vcpu 0's slot of the ioreq page.
    assert.ok(mem.some((m) => m.memoryReference === 'd1:0xfeff9' && m.offset <= 0x1e && m.offset + m.count > 0x1e), JSON.stringify(mem));
    // vcpu 0's slot state byte (offset 0x1e of the ioreq page), by its guest-physical address.
    const info = await dc.dataBreakpointInfoRequest({ name: '0xfeff901e', asAddress: true, bytes: 1 });
    assert.equal(info.body.dataId, 'mem:1:feff9:30:1');
    const bad = await dc.dataBreakpointInfoRequest({ name: '0x1000', asAddress: true, bytes: 1 });
    assert.equal(bad.body.dataId, null);
    assert.match(bad.body.description, /not in a special page/);
    await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId! }] });
    // Forwards: the vcpu, back from the device model, consumes the response (IORESP_READY -> NONE).
    const [fwd] = await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: 1 })]);
    assert.equal(fwd.body.reason, 'data breakpoint');
    assert.match(fwd.body.description!, /d1:0xfeff9\+0x1e \(1 byte\) written by d1v0 in hvm_io_assist/);
    // Backwards: who wrote it before, the device model (its answer, IORESP_READY).
    const [back] = await Promise.all([dc.waitForEvent('stopped'), dc.reverseContinueRequest({ threadId: 1 })]);
    assert.equal(back.body.reason, 'data breakpoint');
    assert.match(back.body.description!, /written by qemu/);
  });

  it("the memory view's watch (ioreqScopeWatch) stops where the watched bytes are written, beside the client's own data breakpoints, until unwatched", async () => {
    await Promise.all([dc.waitForEvent('stopped'), launch(SC('08-sync-pio-read-write.ioreq.json'), { stopOnEntry: true })]);
    // At the guest's first request, before Xen fills the slot.
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'hvm_send_assist_req' }] });
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    // Bad ranges are refused with a located reason; nothing is watched.
    await assert.rejects(dc.customRequest('ioreqScopeWatch', { memoryReference: 'd1:0x1', offset: 0, count: 1 }), /no page 'd1:0x1'/);
    await assert.rejects(dc.customRequest('ioreqScopeWatch', { memoryReference: 'd1:0xfeff9', offset: 4095, count: 2 }), /not inside the page/);
    // vcpu 0's slot: the state byte and the bytes after it (offset 0x1e, 2 bytes).
    const r = await dc.customRequest('ioreqScopeWatch', { memoryReference: 'd1:0xfeff9', offset: 0x1e, count: 2 });
    const added = r.body.added as { id: number; description: string };
    assert.equal(added.description, 'd1:0xfeff9+0x1e, 2 byte(s)');
    assert.deepEqual((r.body.watches as Array<{ id: number }>).map((w) => w.id), [added.id]);
    // The client replacing its own data breakpoints (here: none) keeps the watch.
    await dc.setDataBreakpointsRequest({ breakpoints: [] });
    const [hit] = await Promise.all([dc.waitForEvent('stopped'), dc.continueRequest({ threadId: 1 })]);
    assert.equal(hit.body.reason, 'data breakpoint');
    assert.deepEqual(hit.body.hitBreakpointIds, [added.id]);
    // The guest's request made the slot READY: written by the vcpu, in the statement that sets the state.
    assert.match(hit.body.description!, /d1:0xfeff9\+0x1e \(2 bytes\) written by d1v0 in hvm_send_assist_req/);
    const st = await dc.stackTraceRequest({ threadId: hit.body.threadId! });
    assert.ok(st.body.stackFrames[0].source?.path?.startsWith('ioreq-scope:/'), `the stop shows the listing: ${JSON.stringify(st.body.stackFrames[0])}`);
    // Unwatched, a continue runs on to the end without stopping on those bytes.
    const u = await dc.customRequest('ioreqScopeUnwatch', { id: added.id });
    assert.deepEqual(u.body.watches, []);
    await assert.rejects(dc.customRequest('ioreqScopeUnwatch', { id: added.id }), /no watched range/);
    const ev = await Promise.race([dc.waitForEvent('terminated').then(() => 'terminated'), dc.waitForEvent('stopped').then((e) => `stopped: ${e.body.reason}`),
      dc.continueRequest({ threadId: 1 }).then(() => new Promise<string>(() => undefined))]);
    assert.ok(ev === 'terminated' || !/data breakpoint/.test(ev), ev);
  });
});
