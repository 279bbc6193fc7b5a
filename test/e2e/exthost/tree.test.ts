// Opening a bundled scenario fills the Model tree: domain d1 with its vcpus.
import * as assert from 'assert';
import * as path from 'path';
import { activate, flatten, hostSuite, need, scenarioDir, showTree, vs, waitFor } from './host';
import { SCENARIO, TreeNodeSnapshot } from '../contract';

hostSuite('model tree', () => {
  it(`shows domain d1 for ${SCENARIO}`, async () => {
    const api = await activate();
    const treeRoots = need(api, 'treeRoots');
    const doc = await vs().workspace.openTextDocument(vs().Uri.file(path.join(scenarioDir(), SCENARIO)));
    await vs().window.showTextDocument(doc);
    let last: TreeNodeSnapshot[] = [];
    // The open scenario's node holds the domains ("d0", "d1 (HVM)", …); d1 may also be a root itself.
    const isD1 = (n: TreeNodeSnapshot) => /^d1\b/.test(n.label);
    const roots = await waitFor('a domain node labelled d1 in the tree', async () => {
      last = await treeRoots();
      return flatten(last).some(isD1) ? last : undefined;
    }, 15000, () => showTree(last));
    const d1 = flatten(roots).find(isD1)!;
    assert.match(d1.label, /^d1 \(HVM\)/, `d1's label: ${d1.label}`);
    assert.ok(d1.id, 'd1 has no stable id');
    const scenarioNode = roots.find((r) => r === d1 || flatten(r.children ?? []).includes(d1))!;
    assert.ok(scenarioNode === d1 || scenarioNode.label.includes(SCENARIO), `d1 under "${scenarioNode.label}", not the open scenario`);
    // The snapshot may stop above the domains' own children (lazy); when it has them, the vcpus are there.
    if (d1.children) {
      assert.match(d1.children.map((n) => n.label).join('\n'), /vcpu/i, `no vcpu below d1:\n${showTree(roots)}`);
    }
  });
});
