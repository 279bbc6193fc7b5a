// The Model view's tree logic (src/extension/treeModel.ts) without VS Code: ids, parents, buckets, refresh signatures.
import { strict as assert } from 'node:assert';
import { Model } from '../../src/model/model';
import { bigModel, scenarioModel } from './fixtures';
import { ModelTree, PORT_BUCKET, signature, VCPU_BUCKET, type TreeNode } from '../../src/extension/treeModel';


function walk(t: ModelTree, n: TreeNode, out: TreeNode[] = []): TreeNode[] {
  out.push(n);
  for (const c of t.getChildren(n)) walk(t, c, out);
  return out;
}

describe('extension tree model (no vscode)', () => {
  it('a scenario root shows its domains, and d1 its vcpus, ioreq server, special pages, event channels and params', () => {
    const m = scenarioModel('02-create-on-get-ioreq-pfn.ioreq.json');
    const t = new ModelTree();
    t.setRoots([{ id: 'r', label: '02', model: () => m }]);
    const [root] = t.getRoots();
    const doms = t.getChildren(root);
    assert.deepEqual(doms.map((d) => d.label), ['d0', 'd1 (HVM)', 'device models'].filter((l) => l !== 'device models' || m.dms.size));
    const d1 = doms.find((d) => d.label === 'd1 (HVM)')!;
    const kids = t.getChildren(d1);
    assert.deepEqual(kids.map((k) => k.label), ['vcpus', 'ioreq server', 'special pages', 'event channels', 'HVM params']);
    const server = t.getChildren(kids[1]);
    assert.equal(server.find((s) => s.label === 'ioreq pfn')!.description, '0xfeff9');
    assert.equal(server.find((s) => s.label === 'domid')!.description, 'd0');
    const pages = t.getChildren(kids[2]);
    const ioreq = pages.find((p) => p.label === 'IOREQ')!;
    assert.match(ioreq.description!, /0xfeff9 +outside reserved region/);
    assert.equal(ioreq.contextValue, 'page');
    assert.equal(ioreq.data!.memoryReference, 'd1:0xfeff9');
    assert.match(ioreq.tooltip!, /\*\*outside\*\* the region/);
  });

  it('ids are stable and getParent/find walk back to the root (reveal works)', () => {
    const m = scenarioModel('08-sync-pio-read-write.ioreq.json');
    const t = new ModelTree();
    t.setRoots([{ id: 'r', label: '08', model: () => m }]);
    const all = walk(t, t.getRoots()[0]);
    const ids = new Set(all.map((n) => n.id));
    assert.equal(ids.size, all.length, 'no duplicate ids');
    for (const n of all.slice(1)) {
      assert.equal(t.find(n.id)!.id, n.id);
      const p = t.getParent(n)!;
      assert.ok(t.getChildren(p).some((c) => c.id === n.id), `${n.id} is a child of its parent`);
    }
    const again = walk(t, t.getRoots()[0]).map((n) => n.id);
    assert.deepEqual(again, all.map((n) => n.id));
  });

  it(`128 vcpus are bucketed by ${VCPU_BUCKET} and 4,096 ports by ${PORT_BUCKET}`, () => {
    const m = bigModel(128, 4096);
    const t = new ModelTree();
    t.setRoots([{ id: 'r', label: 'big', model: () => m }]);
    const d1 = t.getChildren(t.getRoots()[0]).find((d) => d.label === 'd1 (HVM)')!;
    const [vcpus, , , evtchns] = t.getChildren(d1);
    const vb = t.getChildren(vcpus);
    assert.equal(vb.length, 128 / VCPU_BUCKET);
    assert.equal(vb[0].label, `vcpus 0–${VCPU_BUCKET - 1}`);
    assert.equal(t.getChildren(vb[3]).length, VCPU_BUCKET);
    assert.equal(t.getChildren(vb[3])[0].label, `vcpu ${3 * VCPU_BUCKET}`);
    // The 2-level ABI's table holds 4,096 ports, port 0 reserved: 4,095 in use.
    assert.equal(m.x.domains.get(1)!.evtchn.ports.length, 4096);
    const pb = t.getChildren(evtchns);
    assert.equal(pb.length, Math.ceil(4095 / PORT_BUCKET));
    assert.equal(pb.reduce((n, b) => n + t.getChildren(b).length, 0), 4095);
  });

  it('a vcpu shows its slot state from the page bytes; the signature changes when it does', () => {
    const m = scenarioModel('13-dm-never-answers.ioreq.json');
    const t = new ModelTree();
    t.setRoots([{ id: 'r', label: '13', model: () => m }]);
    const d1 = t.getChildren(t.getRoots()[0]).find((d) => d.label === 'd1 (HVM)')!;
    const v0 = t.getChildren(t.getChildren(d1)[0])[0];
    assert.match(v0.description!, /IOREQ_READY, blocked in Xen/);
    const before = signature(v0);
    const va = m.x.domains.get(1)!.arch.hvm_domain.ioreq_server!.ioreq.va!;
    va.setUint8(30, (va.getUint8(30) & 0xf0) | 2);
    const after = t.find(v0.id)!;
    assert.match(after.description!, /IOREQ_INPROCESS/);
    assert.notEqual(signature(after), before);
  });

  it('a domain with no server yet says so instead of an empty server node', () => {
    const m = new Model('seed').boot();
    m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(1, 1, true));
    const t = new ModelTree();
    t.setRoots([{ id: 'r', label: 'x', model: () => m }]);
    const d1 = t.getChildren(t.getRoots()[0]).find((d) => d.label === 'd1 (HVM)')!;
    const s = t.getChildren(d1).find((k) => k.label === 'ioreq server')!;
    assert.equal(s.collapsible, false);
    assert.match(s.description!, /none \(created on demand\)/);
  });
});
