// The commands do their work in the real extension host: run, explore, a page's
// bytes, copy pfn, the listing at a function (the layout view is seen in ui.test.ts).
import * as assert from 'assert';
import * as path from 'path';
import { activate, hostSuite, scenarioDir, vs, waitFor } from './host';

hostSuite('commands at work', () => {
  before(async () => { await activate(); });

  it('runScenario runs a scenario and reports its expectations', async () => {
    const uri = vs().Uri.file(path.join(scenarioDir(), '08-sync-pio-read-write.ioreq.json'));
    const r = await vs().commands.executeCommand('ioreqScope.runScenario', uri) as { ok: boolean; expectations: number; failed: number };
    assert.strictEqual(r.ok, true);
    assert.ok(r.expectations > 0);
    assert.strictEqual(r.failed, 0);
  });

  it('exploreScenario finds the lost request of 20 (complete search)', async () => {
    const uri = vs().Uri.file(path.join(scenarioDir(), '20-explore-lost-request.ioreq.json'));
    const r = await vs().commands.executeCommand('ioreqScope.exploreScenario', uri) as { states: number; violations: string[]; complete: boolean };
    assert.ok(r.violations.includes('lost-request'), r.violations.join(', '));
    assert.strictEqual(r.complete, true);
  });

  it('compareProfiles runs a scenario under two profiles and opens the report beside it', async () => {
    const uri = vs().Uri.file(path.join(scenarioDir(), '02-create-on-get-ioreq-pfn.ioreq.json'));
    const r = await vs().commands.executeCommand('ioreqScope.compareProfiles', uri, ['seed', 'legacy']) as { identical: boolean; firstDivergence: unknown; differences: number; uri: string };
    assert.strictEqual(r.identical, false);
    assert.strictEqual(r.firstDivergence, 0);
    const ed = await waitFor('the comparison report', () => vs().window.activeTextEditor?.document.uri.toString() === r.uri ? vs().window.activeTextEditor : undefined);
    assert.match(ed.document.getText(), /^.*02-create-on-get-ioreq-pfn\.ioreq\.json: seed vs legacy\nfirst divergence: step #0 toolstack xc_domain_create/);
    assert.match(ed.document.getText(), /value:\n {4}seed {6}0xfeff9\n {4}legacy {4}0xfeffd/);
  });

  it('copyPfn puts the pfn on the clipboard; revealPage opens the page as a hexdump; openListing opens the function', async () => {
    const node = { id: 'x/d1/pages/feff9', kind: 'page', label: 'IOREQ', contextValue: 'page', icon: 'file-binary', collapsible: false,
      data: { pfn: 0xfeff9, domid: 1, memoryReference: 'd1:0xfeff9' } };
    await vs().commands.executeCommand('ioreqScope.copyPfn', node);
    assert.strictEqual(await vs().env.clipboard.readText(), '0xfeff9');
    const doc = await vs().workspace.openTextDocument(vs().Uri.file(path.join(scenarioDir(), '02-create-on-get-ioreq-pfn.ioreq.json')));
    await vs().window.showTextDocument(doc);
    const roots = await waitFor('the scenario root', async () => {
      const api = await activate();
      const r = await api.treeRoots!();
      return r.find((x) => /02-create/.test(x.label)) ? r : undefined;
    });
    const root = roots.find((x) => /02-create/.test(x.label))!;
    // A special page's row opens the memory view (live, fields overlaid), not a text snapshot.
    const pages = root.children?.find((c) => c.label.startsWith('d1'))?.children?.find((c) => /pages/i.test(c.label));
    assert.ok(pages?.children?.length, `no special pages under d1: ${JSON.stringify(root.children?.map((c) => [c.label, c.children?.map((g) => g.label)]))}`);
    for (const pg of pages!.children!) assert.strictEqual(pg.command, 'ioreqScope.showMemory', `${pg.label}'s row runs ${pg.command}`);
    await vs().commands.executeCommand('ioreqScope.revealPage', { ...node, id: `${root.id}/d1/pages/feff9` });
    const hex = await waitFor('the hexdump editor', () => vs().window.activeTextEditor?.document.uri.scheme === 'ioreq-page' ? vs().window.activeTextEditor!.document : undefined);
    assert.match(hex.getText(), /^0feff9000 {2}00 00 00 00/);
    await vs().commands.executeCommand('ioreqScope.openListing', 'hvm_wait_on_io');
    const ed = await waitFor('the listing', () => /hvm\.c$/.test(vs().window.activeTextEditor?.document.uri.path ?? '') ? vs().window.activeTextEditor : undefined);
    assert.match(ed.document.lineAt(ed.selection.active.line).text, /hvm_wait_on_io\(/);
  });
});
