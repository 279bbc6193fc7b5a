// The stand-alone adapter (dist/debugAdapter.js) driven over stdio by @vscode/debugadapter-testsupport's DebugClient.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { startClient, type AdapterKind } from './dap-client';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { loadListing } from '../../src/debug/listing';
import { readIoreq, STATE_IOREQ_NONE } from '../../src/model/abi';

const ROOT = path.join(__dirname, '../../..');
const SC = (n: string) => path.join(ROOT, 'scenarios', n);
const LISTINGS = path.join(ROOT, 'dist', 'listings');

for (const kind of ['dist', 'in-process'] as AdapterKind[]) describe(`debug adapter over DAP (${kind === 'dist' ? 'dist/debugAdapter.js' : 'in process, as the extension runs it'})`, function () {
  this.timeout(20000);
  let dc: DebugClient;

  beforeEach(async () => {
    dc = await startClient(kind);
  });
  afterEach(async () => {
    await dc.stop();
  });

  async function launch(scenario: string, extra: Record<string, unknown> = {}): Promise<void> {
    await Promise.all([dc.configurationSequence(), dc.launch({ scenario, ...extra } as DebugProtocol.LaunchRequestArguments)]);
  }
  async function top(): Promise<DebugProtocol.StackFrame[]> {
    const threads = (await dc.threadsRequest()).body.threads;
    for (const t of threads) {
      const st = await dc.stackTraceRequest({ threadId: t.id });
      if (st.body.stackFrames[0]?.source) return st.body.stackFrames;
    }
    return [];
  }
  async function scope(frameId: number, name: RegExp): Promise<DebugProtocol.Scope> {
    const s = (await dc.scopesRequest({ frameId })).body.scopes.find((x) => name.test(x.name));
    assert.ok(s, `scope ${name}`);
    return s!;
  }
  async function vars(ref: number): Promise<Record<string, DebugProtocol.Variable>> {
    const v = (await dc.variablesRequest({ variablesReference: ref })).body.variables;
    return Object.fromEntries(v.map((x) => [x.name, x]));
  }

  it('launches, stops on entry and lists one thread per actor', async () => {
    await Promise.all([dc.waitForEvent('stopped'), launch(SC('08-sync-pio-read-write.ioreq.json'), { stopOnEntry: true })]);
    const names = (await dc.threadsRequest()).body.threads.map((t) => t.name);
    assert.ok(names.includes('toolstack'));
    assert.ok(names.some((n) => /device model/.test(n)));
    assert.ok(names.some((n) => /vcpu d1v0/.test(n)));
  });

  it('hits a line breakpoint in hvm_wait_on_io, with nested frames, totalFrames and the real locals', async () => {
    const l = loadListing('seed/hvm.c');
    const fn = l.fns.get('hvm_wait_on_io')!;
    // The comment line above the answered case's hvm_io_assist: the breakpoint moves down to that statement.
    const line = fn.labels.get('assist')!;
    await Promise.all([dc.waitForEvent('stopped'), launch(SC('08-sync-pio-read-write.ioreq.json'), { stopOnEntry: true })]);
    const bp = await dc.setBreakpointsRequest({ source: { path: path.join(LISTINGS, 'seed/hvm.c') }, breakpoints: [{ line: line - 1 }] });
    assert.equal(bp.body.breakpoints[0].verified, true);
    assert.equal(bp.body.breakpoints[0].line, line, 'moved to the nearest statement');
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.assertStoppedLocation('breakpoint', { line })]);
    const frames = await top();
    assert.deepEqual(frames.slice(0, 2).map((f) => f.name), ['hvm_wait_on_io', 'hvm_do_resume']);
    const threads = (await dc.threadsRequest()).body.threads;
    const st = await dc.stackTraceRequest({ threadId: threads.find((t) => /d1v0/.test(t.name))!.id, startFrame: 0, levels: 1 });
    assert.equal(st.body.stackFrames.length, 1);
    assert.ok(st.body.totalFrames! >= 3);
    const locals = await vars((await scope(frames[0].id, /^Locals$/)).variablesReference);
    assert.ok(locals.p && locals.d && locals.state, 'hvm_wait_on_io has d, p and state');
    assert.match(locals.state.value, /STATE_IO(REQ|RESP)_\w+ \(\d\)/);
  });

  it('steps the slot through its states; readMemory of the ioreq page matches the decoded slot', async () => {
    await Promise.all([dc.waitForEvent('stopped'), launch(SC('08-sync-pio-read-write.ioreq.json'), { stopOnEntry: true })]);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'hvm_wait_on_io' }] });
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    const frames = await top();
    const slot = await vars((await scope(frames[0].id, /ioreq slot/)).variablesReference);
    const pages = await vars((await scope(frames[0].id, /special pages/)).variablesReference);
    const ref = pages.IOREQ.memoryReference!;
    assert.equal(ref, 'd1:0xfeff9');
    const mem = await dc.customRequest('readMemory', { memoryReference: ref, offset: 0, count: 64 }) as DebugProtocol.ReadMemoryResponse;
    assert.equal(mem.body!.address, '0xfeff9000');
    const bytes = Buffer.from(mem.body!.data!, 'base64');
    const p = readIoreq(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), 0);
    assert.match(slot.state.value, new RegExp(`\\(${p.state}\\)$`));
    assert.equal(slot.addr.value, '0x' + p.addr.toString(16));
    assert.equal(slot.vp_eport.value, String(p.vp_eport));
    assert.notEqual(p.state, STATE_IOREQ_NONE);
  });

  it('evaluates the C forms: d->arch.hvm_domain.ioreq_server, p->state, s->ioreq_evtchn[1], v->vcpu_id, IOREQ_PFN', async () => {
    await Promise.all([dc.waitForEvent('stopped'), launch(SC('06-two-vcpus-on-demand.ioreq.json'), { stopOnEntry: true })]);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'hvm_wait_on_io' }] });
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    const frames = await top();
    const ev = async (expression: string, frameId = frames[0].id) => (await dc.evaluateRequest({ expression, frameId, context: 'watch' })).body;
    assert.match((await ev('d->arch.hvm_domain.ioreq_server')).result, /ioreq server of d1 for dm d0/);
    assert.match((await ev('p->state')).result, /STATE_IO/);
    assert.match((await ev('d->arch.hvm_domain.ioreq_server->ioreq_evtchn[1]')).result, /^\d+$/);
    assert.equal((await ev('IOREQ_PFN')).result, '0xfeff9');
    assert.equal((await ev('d->arch.hvm_domain.params[HVM_PARAM_BUFIOREQ_PFN]')).result, '0xfeff8');
    const caller = frames[1];
    assert.match((await ev('v->vcpu_id', caller.id)).result, /^\d$/);
    assert.match((await ev('s->ioreq_evtchn[1]', caller.id)).result, /^\d+$/);
    await assert.rejects(dc.evaluateRequest({ expression: 'nosuch->x', frameId: frames[0].id, context: 'watch' }), /not a local/);
  });

  it('stepBack goes back to before the server was created', async () => {
    await Promise.all([dc.waitForEvent('stopped'), launch(SC('02-create-on-get-ioreq-pfn.ioreq.json'), { stopOnEntry: true })]);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'hvm_create_ioreq_server' }] });
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    await Promise.all([dc.stepOutRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    let frames = await top();
    const after = (await dc.evaluateRequest({ expression: 'd1->arch.hvm_domain.ioreq_server', frameId: frames[0].id })).body.result;
    assert.match(after, /ioreq server/);
    for (let i = 0; i < 40; i++) {
      await Promise.all([dc.stepBackRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
      frames = await top();
      const r = (await dc.evaluateRequest({ expression: 'd1->arch.hvm_domain.ioreq_server', frameId: frames[0].id })).body.result;
      if (r === 'NULL') return;
    }
    assert.fail('never got back to a NULL server');
  });

  it("a data breakpoint on a slot's state stops when the device model takes the request", async () => {
    await Promise.all([dc.waitForEvent('stopped'), launch(SC('08-sync-pio-read-write.ioreq.json'), { stopOnEntry: true })]);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'hvm_wait_on_io' }] });
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    const frames = await top();
    const sc = await scope(frames[0].id, /ioreq slot/);
    const info = await dc.dataBreakpointInfoRequest({ variablesReference: sc.variablesReference, name: 'state' });
    assert.equal(info.body.dataId, 'slot:1:0:state');
    const set = await dc.setDataBreakpointsRequest({ breakpoints: [{ dataId: info.body.dataId! }] });
    assert.equal(set.body.breakpoints[0].verified, true);
    const stopped = dc.waitForEvent('stopped');
    await dc.continueRequest({ threadId: 1 });
    const e = await stopped;
    assert.equal(e.body.reason, 'data breakpoint');
  });

  it('stops with the domain_crash exception on the bad-state scenario', async () => {
    const [e] = await Promise.all([dc.waitForEvent('stopped'), launch(SC('12-weird-state-crash.ioreq.json'))]);
    assert.equal(e.body.reason, 'exception');
    assert.match(e.body.text ?? e.body.description, /Weird HVM iorequest state/);
  });

  it('setVariable on a slot field plays the device model (the bytes change)', async () => {
    await Promise.all([dc.waitForEvent('stopped'), launch(SC('08-sync-pio-read-write.ioreq.json'), { stopOnEntry: true })]);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'hvm_wait_on_io' }] });
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    const frames = await top();
    const sc = await scope(frames[0].id, /ioreq slot/);
    const r = await dc.setVariableRequest({ variablesReference: sc.variablesReference, name: 'data', value: '0xabcd' });
    assert.equal(r.body.value, '0xabcd');
    const mem = await dc.customRequest('readMemory', { memoryReference: 'd1:0xfeff9', offset: 8, count: 8 }) as DebugProtocol.ReadMemoryResponse;
    assert.equal(Buffer.from(mem.body!.data!, 'base64').readBigUInt64LE(0), 0xabcdn);
  });

  it('writeMemory changes the page (the model re-decodes the slot), setVariable sets a param, restart goes back', async () => {
    await Promise.all([dc.waitForEvent('stopped'), launch(SC('08-sync-pio-read-write.ioreq.json'), { stopOnEntry: true })]);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'hvm_wait_on_io' }] });
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    const frames = await top();
    const w = await dc.customRequest('writeMemory', { memoryReference: 'd1:0xfeff9', offset: 0, data: Buffer.from([0x34, 0x12]).toString('base64') }) as DebugProtocol.WriteMemoryResponse;
    assert.equal(w.body!.bytesWritten, 2);
    const slot = await vars((await scope(frames[0].id, /ioreq slot/)).variablesReference);
    assert.equal(slot.addr.value, '0x1234');
    const params = await scope(frames[0].id, /HVM params/);
    const r = await dc.setVariableRequest({ variablesReference: params.variablesReference, name: 'TRIPLE_FAULT_REASON', value: '7' });
    assert.equal(r.body.value, '7');
    assert.equal((await dc.evaluateRequest({ expression: 'TRIPLE_FAULT_REASON', frameId: frames[0].id })).body.result, '7');
    await Promise.all([dc.waitForEvent('stopped'), dc.restartRequest({})]);
    const state = await dc.customRequest('ioreqScopeState', {});
    assert.equal((state.body as { t: number }).t, 0);
  });

  it('model events reach the debug console and the ioreqScope.state event; xenTree links the function in the user\'s hvm.c', async () => {
    const tree = fs.mkdtempSync(path.join(os.tmpdir(), 'xen-'));
    fs.mkdirSync(path.join(tree, 'xen/arch/x86/hvm'), { recursive: true });
    fs.writeFileSync(path.join(tree, 'xen/arch/x86/hvm/hvm.c'), '\nstatic int hvm_create_ioreq_server(struct domain *d, domid_t domid)\n{\n}\n');
    const outputs: DebugProtocol.OutputEvent[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(e));
    const state = dc.waitForEvent('ioreqScope.state');
    await Promise.all([dc.waitForEvent('stopped'), launch(SC('02-create-on-get-ioreq-pfn.ioreq.json'), { stopOnEntry: true, xenTree: tree })]);
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'hvm_create_ioreq_server' }] });
    await Promise.all([dc.continueRequest({ threadId: 1 }), dc.waitForEvent('stopped')]);
    assert.ok((await state).body);
    // The console lines, like the state event, follow the stopped event (once the stack is asked for, or 50 ms on).
    for (let i = 0; i < 50 && !outputs.some((o) => /domain_create: d1 created/.test(o.body.output)); i++) await new Promise((r) => setTimeout(r, 20));
    assert.ok(outputs.some((o) => /domain_create: d1 created/.test(o.body.output)), 'model events in the console');
    const hvmc = path.join(tree, 'xen/arch/x86/hvm/hvm.c');
    for (let i = 0; i < 50 && !outputs.some((o) => o.body.source?.path === hvmc); i++) await new Promise((r) => setTimeout(r, 20));
    const link = outputs.find((o) => o.body.source?.path === hvmc);
    assert.ok(link, 'a console line linking the user\'s hvm.c');
    assert.equal(link!.body.line, 2);
  });

  it('a stop is drawn first: stopped, then (once the stack is asked for) the console lines and the state event; a step sends the last stop\'s first', async () => {
    const seen: string[] = [];
    dc.on('stopped', () => seen.push('stopped'));
    dc.on('output', (e: DebugProtocol.OutputEvent) => { if (/\] /.test(e.body.output)) seen.push('output'); });
    dc.on('ioreqScope.state', () => seen.push('state'));
    // Waits on what `seen` has recorded, so an event that came before the wait began still counts.
    const until = (what: string, ok: () => boolean): Promise<void> => new Promise((resolve, reject) => {
      const t0 = Date.now();
      const tick = (): void => { if (ok()) resolve(); else if (Date.now() - t0 > 5000) reject(new Error(`no ${what} after 5000 ms: ${seen.join(' ')}`)); else setTimeout(tick, 5); };
      tick();
    });
    await Promise.all([dc.waitForEvent('stopped'), launch(SC('08-sync-pio-read-write.ioreq.json'), { stopOnEntry: true })]);
    await until('state event', () => seen.includes('state'));
    // A step with model events (xc_domain_create's), the stack asked for at once, as VS Code does.
    seen.length = 0;
    const stopped = dc.waitForEvent('stopped');
    await dc.nextRequest({ threadId: 1 });
    await stopped;
    const before = [...seen];
    const st = await dc.stackTraceRequest({ threadId: 1 });
    assert.ok(st.body.stackFrames.length > 0);
    await until('state event', () => seen.includes('state'));
    assert.deepEqual(before, ['stopped'], 'nothing but the stop before the stack is asked for');
    assert.deepEqual(seen.slice(0, 3), ['stopped', 'output', 'state']);
    // Two steps back to back, no stack asked for: the first stop's events come before the second stop.
    seen.length = 0;
    let second = false;
    dc.on('stopped', () => { second = seen.filter((x) => x === 'stopped').length >= 2; });
    await Promise.all([dc.waitForEvent('stopped'), dc.nextRequest({ threadId: 1 })]);
    await Promise.all([dc.waitForEvent('stopped'), dc.nextRequest({ threadId: 1 })]);
    await until("the second stop's state event", () => { const k2 = seen.indexOf('stopped', 1); return k2 > 0 && seen.indexOf('state', k2) > k2; });
    assert.ok(second);
    const k = seen.indexOf('stopped', 1);
    assert.ok(k > 0 && seen.slice(0, k).includes('state'), `the first stop's state before the second stop: ${seen.join(' ')}`);
  });

  it("launch's libxcDebug puts setup_guest's DPRINTF lines in the debug console", async () => {
    const outputs: DebugProtocol.OutputEvent[] = [];
    dc.on('output', (e: DebugProtocol.OutputEvent) => outputs.push(e));
    const term = dc.waitForEvent('terminated');
    await launch(SC('02-create-on-get-ioreq-pfn.ioreq.json'), { stopOnEntry: false, libxcDebug: true });
    await term;
    const text = outputs.map((o) => o.body.output).join('');
    assert.match(text, /setup_guest: xc: detail: 8 SPECIAL PAGES:\n/);
    assert.match(text, /setup_guest: xc: detail: {3}IOREQ: {5}feff9\n/);
  });

  it('a missing scenario file: a clear error and the session ends', async () => {
    const term = dc.waitForEvent('terminated');
    await assert.rejects(Promise.all([dc.configurationSequence(), dc.launch({ scenario: '/nonexistent/x.ioreq.json' } as DebugProtocol.LaunchRequestArguments)]), /cannot read scenario '\/nonexistent\/x.ioreq.json': ENOENT/);
    await term;
  });

  it('a malformed scenario file: the located parse error and the session ends', async () => {
    const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'ioreq-')), 'bad.ioreq.json');
    fs.writeFileSync(f, '{\n  "profile": "seed",\n  "steps": [ { "actor": "toolstack", "op": "nope" } ]\n}\n');
    const term = dc.waitForEvent('terminated');
    await assert.rejects(Promise.all([dc.configurationSequence(), dc.launch({ scenario: f } as DebugProtocol.LaunchRequestArguments)]), /bad\.ioreq\.json:3:\d+: .*op/);
    await term;
  });
});
