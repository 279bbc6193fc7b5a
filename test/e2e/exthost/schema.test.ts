// The contributed jsonValidation gives a scenario completion and validation in a workspace outside the
// repository, with no schema file beside it and no $schema in the file (as a user's workspace is).
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

import type * as vscode from 'vscode';
import { activate, hostSuite, scenarioDir, vs, waitFor } from './host';

hostSuite('scenario schema in a user workspace', () => {
  let file: string | undefined;
  after(() => { if (file) fs.rmSync(file, { force: true }); });

  it('offers the ops on "op" and flags an unknown field — with no $schema and no schema file nearby', async function () {
    this.timeout(60000);
    await activate();
    assert.ok(!fs.existsSync(path.join(path.dirname(scenarioDir()), 'schema')), 'the workspace has no schema folder beside it');
    file = path.join(scenarioDir(), `zz-e2e-schema-${process.pid}.ioreq.json`);
    const text = '{\n  "profile": "seed",\n  "steps": [\n    { "actor": "toolstack", "op": "xc_domain_create", "domid": 1, "vcpus": 1, "bogus": 1 },\n    { "actor": "toolstack", "op": "" }\n  ]\n}\n';
    fs.writeFileSync(file, text);
    const uri = vs().Uri.file(file);
    const doc = await vs().workspace.openTextDocument(uri);
    await vs().window.showTextDocument(doc);
    const opPos = new (vs().Position)(4, text.split('\n')[4].indexOf('"op": ""') + 7);
    const items = await waitFor('completion items for "op"', async () => {
      const list = await vs().commands.executeCommand<vscode.CompletionList>('vscode.executeCompletionItemProvider', uri, opPos);
      const labels = (list?.items ?? []).map((i) => (typeof i.label === 'string' ? i.label : i.label.label));
      return labels.some((l) => /xc_hvm_build/.test(l)) ? labels : undefined;
    }, 40000);
    assert.ok(items.some((l) => /hvmop_get_param/.test(l)), items.join(', '));
    // Hover is not asserted: in code-server 4.100.3 vscode.executeHoverProvider returned nothing for the op within 20 s
    // (completion and validation from the same schema do work); see the closing note.
    const diag = await waitFor('the JSON schema diagnostic for "bogus"', () =>
      vs().languages.getDiagnostics(uri).find((d) => d.source !== 'ioreq-scope' && /bogus|not allowed/i.test(d.message)), 20000);
    assert.strictEqual(diag.range.start.line, 3);
  });
});
