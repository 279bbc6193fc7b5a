// A debug session of type ioreq-scope starts, stops on entry and answers the custom ioreqScopeState request.
import * as assert from 'assert';
import * as path from 'path';
import type * as vscode from 'vscode';
import { activate, hostSuite, scenarioDir, vs, waitFor } from './host';
import { DEBUG_TYPE, SCENARIO } from '../contract';

hostSuite('debug session', () => {
  let session: vscode.DebugSession | undefined;
  after(async () => {
    if (session) await vs().debug.stopDebugging(session);
  });

  it('starts with stopOnEntry and answers ioreqScopeState', async () => {
    await activate();
    const folder = vs().workspace.workspaceFolders?.[0];
    const started = await vs().debug.startDebugging(folder, {
      type: DEBUG_TYPE, request: 'launch', name: 'e2e: 02 on entry',
      scenario: path.join(scenarioDir(), SCENARIO), stopOnEntry: true,
    });
    assert.strictEqual(started, true, 'startDebugging returned false');
    session = await waitFor('vscode.debug.activeDebugSession', () => vs().debug.activeDebugSession, 10000);
    assert.strictEqual(session.type, DEBUG_TYPE);
    const s = session;
    const state = await waitFor('an answer to customRequest("ioreqScopeState")', async () => {
      const r = await s.customRequest('ioreqScopeState');
      return r === undefined || r === null ? undefined : r;
    }, 10000);
    assert.strictEqual(typeof state, 'object', `ioreqScopeState answered ${JSON.stringify(state)}`);
  });
});
