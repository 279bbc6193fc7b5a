// The Model view's marks (src/extension/treeModel.ts ChangeTracker), without VS Code: following a debug session, the
// nodes whose line changed at the last stop are marked and redrawn, the marks of the stop before are cleared, and
// nothing else is redrawn.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { IoreqRuntime } from '../../src/debug/runtime';
import { parseScenario } from '../../src/scenario/parse';
import { ChangeTracker, ModelTree, type TreeNode } from '../../src/extension/treeModel';
import { show } from './fixtures';

const ROOT = path.join(__dirname, '../../..');
const F = path.join(ROOT, 'scenarios', '08-sync-pio-read-write.ioreq.json');


describe('Model view: what changed at the last stop', () => {
  it('a stop marks the nodes whose line changed (the vcpu slot going READY), redraws them, and clears them at the next', () => {
    const rt = new IoreqRuntime(parseScenario(fs.readFileSync(F, 'utf8'), F));
    const t = new ModelTree();
    t.setRoots([{ id: 'dbg', label: 'debug', model: () => rt.session.m }]);
    const ck = new ChangeTracker();
    // Run to the guest's port write: d1 exists with its server.
    rt.codeBreakpoints = [{ id: 1, fn: 'hvm_send_assist_req' }];
    assert.equal(rt.continue().reason, 'function breakpoint');
    rt.codeBreakpoints = [];
    show(t, ck, 4);
    const vcpu0 = 'dbg/d1/vcpus/0';
    assert.ok(t.find(vcpu0), 'vcpu 0 is shown');
    const before = t.find(vcpu0)!.description;
    // Step until vcpu 0's line changes (its slot state).
    let redraw: TreeNode[] | 'all' = [];
    for (let i = 0; i < 40 && t.find(vcpu0)!.description === before; i++) { rt.stepIn(); redraw = ck.refresh(t); }
    assert.notEqual(t.find(vcpu0)!.description, before, 'the slot state shows on the vcpu');
    assert.ok(redraw !== 'all');
    assert.ok(ck.changed.has(vcpu0), 'marked');
    assert.ok((redraw as TreeNode[]).some((n) => n.id === vcpu0), 'redrawn');
    assert.ok(!ck.changed.has('dbg/d1/params'), 'the params did not change');
    // A stop where nothing shown changes: the marks go, and the nodes marked before are redrawn to lose them.
    let prevMarked: string[] = [];
    let again: TreeNode[] | 'all' | undefined;
    for (let i = 0; i < 60 && again === undefined; i++) {
      const snap = show(t, new ChangeTracker(), 4).map((n) => `${n.id}|${n.label}|${n.description}`).join('\n');
      rt.stepIn();
      const now = show(t, new ChangeTracker(), 4).map((n) => `${n.id}|${n.label}|${n.description}`).join('\n');
      prevMarked = [...ck.changed];
      const r = ck.refresh(t);
      if (snap === now && prevMarked.length) again = r;
    }
    assert.ok(again && again !== 'all', 'a quiet stop right after one that changed something');
    assert.equal(ck.changed.size, 0, 'nothing marked after a stop that changed nothing');
    const ids = new Set((again as TreeNode[]).map((n) => n.id));
    for (const id of prevMarked) assert.ok(ids.has(id), `${id} redrawn to lose its mark`);
    assert.equal(ids.size, prevMarked.length, 'nothing else redrawn');
  });

  it('the same roots again redraw nothing; a root going away redraws all', () => {
    const rt = new IoreqRuntime(parseScenario(fs.readFileSync(F, 'utf8'), F));
    const t = new ModelTree();
    t.setRoots([{ id: 'dbg', label: 'debug', model: () => rt.session.m }]);
    const ck = new ChangeTracker();
    show(t, ck, 3);
    assert.deepEqual(ck.refresh(t), []);
    t.setRoots([]);
    assert.equal(ck.refresh(t), 'all');
  });
});
