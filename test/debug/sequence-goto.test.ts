// The sequence diagram's click over DAP: ioreqScopeGotoEvent travels to the stop right after a model event, and the
// state event says how many events have happened there (the diagram's current stop). In process, as the extension runs it.
import { strict as assert } from 'node:assert';
import * as path from 'path';
import type { DebugClient } from '@vscode/debugadapter-testsupport';
import { startClient } from './dap-client';
import type { DebugProtocol } from '@vscode/debugprotocol';

const ROOT = path.join(__dirname, '../../..');
const SC = (n: string) => path.join(ROOT, 'scenarios', n);

interface State { t: number; step: number; eventCount: number; events: Array<{ seq: number; kind: string }> }

describe('debug adapter: travel to a model event (the sequence diagram)', function () {
  this.timeout(30000);
  let dc: DebugClient;
  beforeEach(async () => { dc = await startClient('in-process'); });
  afterEach(async () => { await dc.stop(); });

  const state = () => dc.waitForEvent('ioreqScope.state') as Promise<DebugProtocol.Event & { body: State }>;

  it('stops right after the event: it has happened there and had not one statement before', async () => {
    const first = state();
    await Promise.all([dc.configurationSequence(), dc.launch({ scenario: SC('08-sync-pio-read-write.ioreq.json'), stopOnEntry: true } as DebugProtocol.LaunchRequestArguments)]);
    let s = (await first).body;
    // Step until the guest's first request has gone to the device model and back.
    const seen: Array<{ seq: number; kind: string }> = [...s.events];
    // next stays in its thread (DAP): run to the vcpu's hvm_io_assist with a function breakpoint, then step that
    // thread, as a user would, until the request's completion has been reported.
    let thread = 1;
    dc.on('stopped', (e: DebugProtocol.StoppedEvent) => { if (e.body.threadId) thread = e.body.threadId; });
    await dc.setFunctionBreakpointsRequest({ breakpoints: [{ name: 'hvm_io_assist' }] });
    const atBp = state();
    await dc.continueRequest({ threadId: thread });
    s = (await atBp).body;
    seen.push(...s.events);
    assert.strictEqual(s.eventCount, seen.length, 'eventCount counts every event reported so far');
    await dc.setFunctionBreakpointsRequest({ breakpoints: [] });
    for (let i = 0; i < 100 && !seen.some((e) => e.kind === 'io_assist'); i++) {
      const next = state();
      await dc.nextRequest({ threadId: thread });
      s = (await next).body;
      seen.push(...s.events);
      assert.strictEqual(s.eventCount, seen.length, 'eventCount counts every event reported so far');
    }
    assert.ok(seen.some((e) => e.kind === 'io_assist'), 'the completion was reported');
    const target = seen.find((e) => e.kind === 'slot_state');
    assert.ok(target, 'a slot-state change was reported');
    const at = state();
    await dc.customRequest('ioreqScopeGotoEvent', { seq: target!.seq });
    const there = (await at).body;
    assert.ok(there.eventCount > target!.seq, `event #${target!.seq} has happened at the stop (count ${there.eventCount})`);
    assert.ok(there.t < s.t, 'it travelled back');
    assert.deepStrictEqual(there.events, [], 'a travel reports no event again');
    // One statement earlier the event had not happened: the stop is the first one after it.
    const before = state();
    await dc.customRequest('ioreqScopeGoto', { t: there.t - 1 });
    assert.ok((await before).body.eventCount <= target!.seq, 'one statement before, the event had not happened');
    // Forward again from there: the events re-emitted carry the same seq (the diagram replaces them).
    const fwd = state();
    await dc.nextRequest({ threadId: thread });
    const again = (await fwd).body;
    for (const e of again.events) assert.strictEqual(seen[e.seq]?.kind, e.kind, `event #${e.seq} is the one seen before`);
  });

  it('refuses an event that has not happened, with a message', async () => {
    const first = state();
    await Promise.all([dc.configurationSequence(), dc.launch({ scenario: SC('08-sync-pio-read-write.ioreq.json'), stopOnEntry: true } as DebugProtocol.LaunchRequestArguments)]);
    await first;
    await assert.rejects(dc.customRequest('ioreqScopeGotoEvent', { seq: 99999 }), /no model event #99999/);
  });
});
