// A scenario with an unknown op gets an "ioreq-scope" diagnostic on the op's line.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import type * as vscode from 'vscode';
import { activate, hostSuite, need, scenarioDir, vs, waitFor } from './host';
import { DIAGNOSTIC_SOURCE, brokenScenario } from '../contract';

hostSuite('diagnostics', () => {
  let file: string | undefined;
  after(() => { if (file) fs.rmSync(file, { force: true }); });

  it('marks an unknown op at its line, from source "ioreq-scope"', async () => {
    const api = await activate();
    const broken = brokenScenario();
    file = path.join(scenarioDir(), `zz-e2e-broken-${process.pid}.ioreq.json`);
    fs.writeFileSync(file, broken.text);
    const uri = vs().Uri.file(file);
    await vs().window.showTextDocument(await vs().workspace.openTextDocument(uri));
    const ours = (): vscode.Diagnostic[] => vs().languages.getDiagnostics(uri).filter((d) => d.source === DIAGNOSTIC_SOURCE);
    const diags = await waitFor(`a "${DIAGNOSTIC_SOURCE}" diagnostic for ${path.basename(file)}`,
      () => (ours().length ? ours() : undefined), 15000,
      () => JSON.stringify(vs().languages.getDiagnostics(uri).map((d) => [d.source, d.range.start.line, d.message])));
    const at = diags.filter((d) => d.range.start.line === broken.line);
    assert.ok(at.length > 0, `no diagnostic on line ${broken.line + 1}; got lines ${diags.map((d) => d.range.start.line + 1).join(', ')}`);
    assert.strictEqual(at[0].severity, vs().DiagnosticSeverity.Error);
    // On the bad member itself (the command line puts it at the "op" key: line 8, column 24).
    const r = at[0].range;
    assert.ok(r.start.line === broken.line && r.start.character >= broken.from && r.start.character < broken.to,
      `the diagnostic starts at ${r.start.line + 1}:${r.start.character + 1}, outside "op": "${broken.op}" ` +
      `(${broken.line + 1}:${broken.from + 1}-${broken.to + 1})`);
    assert.match(at[0].message, /op|xc_domain_create/, at[0].message);
    // The test API sees the same diagnostics as the Problems view.
    const viaApi = need(api, 'diagnostics')(uri).filter((d) => d.range.start.line === broken.line);
    assert.ok(viaApi.length > 0, 'api.diagnostics(uri) has none on the op line');
  });

  it('warns, without an error, at an HVM param index past HVM_NR_PARAMS (do_hvm_op answers -EINVAL)', async () => {
    await activate();
    const text = [
      '// e2e: a param index past HVM_NR_PARAMS',
      '{',
      '  "profile": "seed",',
      '  "steps": [',
      '    { "actor": "toolstack", "op": "xc_domain_create", "domid": 1, "vcpus": 1 },',
      '    { "actor": "toolstack", "op": "hvmop_get_param", "domid": 1, "param": 40 }',
      '  ]',
      '}',
    ].join('\n');
    const warnFile = path.join(scenarioDir(), `zz-e2e-warn-${process.pid}.ioreq.json`);
    fs.writeFileSync(warnFile, text);
    try {
      const uri = vs().Uri.file(warnFile);
      await vs().window.showTextDocument(await vs().workspace.openTextDocument(uri));
      const ours = (): vscode.Diagnostic[] => vs().languages.getDiagnostics(uri).filter((d) => d.source === DIAGNOSTIC_SOURCE);
      const diags = await waitFor(`a "${DIAGNOSTIC_SOURCE}" warning for ${path.basename(warnFile)}`, () => (ours().length ? ours() : undefined), 15000,
        () => JSON.stringify(vs().languages.getDiagnostics(uri).map((d) => [d.source, d.range.start.line, d.message])));
      assert.deepStrictEqual(diags.map((d) => [d.severity, d.range.start.line]), [[vs().DiagnosticSeverity.Warning, 5]]);
      assert.match(diags[0].message, /HVM param 40 is not below HVM_NR_PARAMS \(32\)/);
    } finally {
      fs.rmSync(warnFile, { force: true });
    }
  });
});
