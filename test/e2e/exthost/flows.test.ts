// Errors and flows (issue 12) in the real extension host: a syntax error reported once (by VS Code's JSON service,
// not also by the extension), "did you mean" in the diagnostic, counterexamples saved beside the explored scenario
// (never overwriting), and Export Trace saying where it wrote.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { activate, hostSuite, need, scenarioDir, vs, waitFor } from './host';
import { DIAGNOSTIC_SOURCE } from '../contract';

hostSuite('errors and flows', () => {
  const made: string[] = [];
  before(async () => { await activate(); });
  after(() => { for (const f of made) fs.rmSync(f, { force: true, recursive: true }); });

  it('a missing comma is reported once, and an unknown op with "did you mean"', async () => {
    const api = await activate();
    const comma = path.join(scenarioDir(), `zz-e2e-comma-${process.pid}.ioreq.json`);
    const op = path.join(scenarioDir(), `zz-e2e-dym-${process.pid}.ioreq.json`);
    made.push(comma, op);
    fs.writeFileSync(comma, '{\n  "profile": "seed"\n  "steps": []\n}\n');
    fs.writeFileSync(op, '{\n  "profile": "seed",\n  "steps": [\n    { "actor": "toolstack", "op": "xc_domain_destory", "domid": 1 }\n  ]\n}\n');
    const cu = vs().Uri.file(comma), ou = vs().Uri.file(op);
    await vs().window.showTextDocument(await vs().workspace.openTextDocument(ou));
    const dym = await waitFor('the did-you-mean diagnostic', () => need(api, 'diagnostics')(ou).find((d) => /did you mean/.test(d.message)), 15000,
      () => JSON.stringify(vs().languages.getDiagnostics(ou).map((d) => d.message)));
    assert.match(dym.message, /^unknown op 'xc_domain_destory' \(did you mean 'xc_domain_destroy'\?\)$/);
    await vs().window.showTextDocument(await vs().workspace.openTextDocument(cu));
    // VS Code's JSON language service reports the syntax error; the extension does not report it again.
    const all = await waitFor('a syntax diagnostic from the JSON service', () => {
      const ds = vs().languages.getDiagnostics(cu);
      return ds.some((d) => d.source !== DIAGNOSTIC_SOURCE) ? ds : undefined;
    }, 20000, () => JSON.stringify(vs().languages.getDiagnostics(cu).map((d) => [d.source, d.message])));
    await new Promise((r) => setTimeout(r, 600)); // past the extension's 250 ms validation delay
    const onLine = vs().languages.getDiagnostics(cu).filter((d) => d.range.start.line === 2 || d.range.end.line === 1 || d.range.start.line === 1);
    assert.strictEqual(need(api, 'diagnostics')(cu).length, 0, 'the extension reported the syntax error too');
    assert.strictEqual(onLine.length, 1, JSON.stringify(all.map((d) => [d.source, d.range.start.line, d.message])));
  });

  it('New Scenario writes the template as a real *.ioreq.json in the workspace, never overwriting, and it runs', async () => {
    await vs().commands.executeCommand('workbench.action.closeAllEditors');
    const template = '02-create-on-get-ioreq-pfn.ioreq.json';
    const existing = path.join(scenarioDir(), template);
    const before = fs.existsSync(existing) ? fs.readFileSync(existing, 'utf8') : undefined;
    const uri = vs().Uri.parse(await vs().commands.executeCommand('ioreqScope.newScenario', template) as string);
    made.push(uri.fsPath);
    assert.strictEqual(uri.scheme, 'file');
    assert.strictEqual(path.dirname(uri.fsPath), scenarioDir());
    assert.match(path.basename(uri.fsPath), /^02-create-on-get-ioreq-pfn(-\d+)?\.ioreq\.json$/);
    if (before !== undefined) {
      assert.notStrictEqual(uri.fsPath, existing, 'the workspace\'s own copy was overwritten');
      assert.strictEqual(fs.readFileSync(existing, 'utf8'), before);
    }
    const ed = await waitFor('the new scenario in an editor', () => vs().window.activeTextEditor?.document.uri.fsPath === uri.fsPath ? vs().window.activeTextEditor : undefined);
    assert.strictEqual(ed.document.isUntitled, false);
    assert.strictEqual(ed.document.languageId, 'jsonc');
    assert.ok(!/"\$schema"/.test(ed.document.getText()), 'a path-dependent $schema was written');
    const r = await vs().commands.executeCommand('ioreqScope.runScenario', uri) as { expectations: number };
    assert.ok(r && typeof r.expectations === 'number', 'the new scenario runs');
    // Again from the same template: another file; the first stays as it was.
    const first = fs.readFileSync(uri.fsPath, 'utf8');
    const again = vs().Uri.parse(await vs().commands.executeCommand('ioreqScope.newScenario', template) as string);
    made.push(again.fsPath);
    assert.notStrictEqual(again.fsPath, uri.fsPath);
    assert.strictEqual(fs.readFileSync(uri.fsPath, 'utf8'), first);
  });

  it('Open Counterexample saves a real scenario in counterexamples/ beside the explored one, never overwriting', async () => {
    const dir = path.join(scenarioDir(), 'counterexamples');
    made.push(dir);
    const uri = vs().Uri.file(path.join(scenarioDir(), '20-explore-lost-request.ioreq.json'));
    await vs().commands.executeCommand('ioreqScope.exploreScenario', uri);
    const first = await vs().commands.executeCommand('ioreqScope.openCounterexample') as string;
    const f1 = vs().Uri.parse(first).fsPath;
    assert.strictEqual(path.dirname(f1), dir);
    assert.match(path.basename(f1), /^20-explore-lost-request\.[a-z-]+\.ioreq\.json$/);
    assert.strictEqual(vs().window.activeTextEditor?.document.uri.fsPath, f1);
    assert.strictEqual(vs().window.activeTextEditor?.document.isUntitled, false);
    const before = fs.readFileSync(f1, 'utf8');
    await vs().commands.executeCommand('ioreqScope.exploreScenario', uri); // new results: a new file, the first kept
    const second = vs().Uri.parse(await vs().commands.executeCommand('ioreqScope.openCounterexample') as string).fsPath;
    assert.notStrictEqual(second, f1);
    assert.match(path.basename(second), /-2\.ioreq\.json$/);
    assert.strictEqual(fs.readFileSync(f1, 'utf8'), before);
    const r = await vs().commands.executeCommand('ioreqScope.runScenario', vs().Uri.file(second)) as { expectations: number };
    assert.ok(r && typeof r.expectations === 'number', 'the saved counterexample runs as a scenario');
  });

  it("Debug Counterexample stops at the violation itself, in the violating step's thread, at that step's line of the saved file", async () => {
    made.push(path.join(scenarioDir(), 'counterexamples'));
    const stops: Array<{ reason: string; text?: string; threadId: number }> = [];
    const tracker = vs().debug.registerDebugAdapterTrackerFactory('ioreq-scope', {
      createDebugAdapterTracker: () => ({
        onDidSendMessage: (m: { type?: string; event?: string; body?: { reason: string; text?: string; threadId: number } }) => {
          if (m.type === 'event' && m.event === 'stopped' && m.body) stops.push(m.body);
        },
      }),
    });
    let session: import('vscode').DebugSession | undefined;
    try {
      await vs().commands.executeCommand('ioreqScope.exploreScenario', vs().Uri.file(path.join(scenarioDir(), '20-explore-lost-request.ioreq.json')));
      assert.strictEqual(await vs().commands.executeCommand('ioreqScope.debugCounterexample'), true, 'the debug session started');
      const s = session = await waitFor('the counterexample\'s debug session', () => vs().debug.activeDebugSession, 10000);
      const file = s.configuration.scenario as string;
      assert.strictEqual(path.dirname(file), path.join(scenarioDir(), 'counterexamples'));
      await waitFor('the stop on entry', () => (stops[0]?.reason === 'entry' ? true : undefined), 10000, () => JSON.stringify(stops));
      // Continue past the step's failing after checks (each a stop of its own) to the violation.
      let at = 0;
      for (let i = 0; i < 8 && !stops.some((e) => /^lost-request: /.test(e.text ?? '')); i++) {
        const prev = stops.length;
        await s.customRequest('continue', { threadId: stops[prev - 1].threadId });
        await waitFor(`stop ${prev + 1}`, () => (stops.length > prev ? true : undefined), 10000, () => JSON.stringify(stops));
        at = stops.length - 1;
      }
      const v = stops[at];
      assert.match(v.text ?? '', /^lost-request: d1v0's I\/O was dropped by hvm_send_assist_req/, JSON.stringify(stops));
      assert.strictEqual(v.reason, 'exception');
      assert.ok(stops.slice(1, at).every((e) => e.reason === 'exception'), `only exception stops before it: ${JSON.stringify(stops)}`);
      const { parseScenario } = require('../../../src/scenario/parse') as typeof import('../../../src/scenario/parse');
      const last = parseScenario(fs.readFileSync(file, 'utf8'), file).steps.at(-1)!;
      assert.strictEqual(last.op, 'pio_write', 'the shortest interleaving ends with the dropped write');
      const threads = (await s.customRequest('threads')) as { threads: Array<{ id: number; name: string }> };
      assert.match(threads.threads.find((t) => t.id === v.threadId)?.name ?? '', /^vcpu d1v0\b/, JSON.stringify(threads));
      const st = (await s.customRequest('stackTrace', { threadId: v.threadId })) as { stackFrames: Array<{ name: string; line: number; source?: { path?: string } }> };
      const top = st.stackFrames[0];
      // Through code-server the path comes back as the remote URI of the file.
      const where = top.source?.path ?? '';
      assert.strictEqual(/^[a-z-]+:\/\//.test(where) ? vs().Uri.parse(where).fsPath : where, file, `the stop's location is the saved counterexample: ${JSON.stringify(top)}`);
      assert.strictEqual(top.line, last.loc.line, `at the violating step's line: ${JSON.stringify(top)}`);
    } finally {
      tracker.dispose();
      if (session) await vs().debug.stopDebugging(session);
    }
  });

  it('Export Trace reports where it wrote', async () => {
    const uri = vs().Uri.file(path.join(scenarioDir(), '08-sync-pio-read-write.ioreq.json'));
    const target = path.join(scenarioDir(), `zz-e2e-${process.pid}.trace.jsonl`);
    made.push(target);
    const orig = vs().window.showSaveDialog;
    (vs().window as { showSaveDialog: unknown }).showSaveDialog = async () => vs().Uri.file(target);
    try {
      const r = await vs().commands.executeCommand('ioreqScope.exportTrace', uri) as { file: string; lines: number };
      assert.strictEqual(r.file, target);
      assert.ok(fs.readFileSync(target, 'utf8').split('\n').length > r.lines - 1);
    } finally { (vs().window as { showSaveDialog: unknown }).showSaveDialog = orig; }
  });
});
