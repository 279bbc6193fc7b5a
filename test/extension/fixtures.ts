// Models and tree walks the Model view's tests share (treeModel, nodes, changes and refresh tests).
import * as fs from 'fs';
import * as path from 'path';
import { evtchnAllocUnbound } from '../../src/model/evtchn';
import { Model } from '../../src/model/model';
import { parseScenario } from '../../src/scenario/parse';
import { runScenario } from '../../src/scenario/run';
import type { ChangeTracker, ModelTree, TreeNode } from '../../src/extension/treeModel';

export const ROOT = path.join(__dirname, '../../..');

/** A bundled scenario's final model. */
export function scenarioModel(name: string): Model {
  const f = path.join(ROOT, 'scenarios', name);
  return runScenario(parseScenario(fs.readFileSync(f, 'utf8'), f)).session.m;
}

/** A host with d1 of `vcpus` vcpus, built, a device model attached, and `ports` event channels in d1. */
export function bigModel(vcpus: number, ports: number): Model {
  const m = new Model('seed').boot();
  m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(1, vcpus, true));
  const d = m.x.domains.get(1)!;
  m.flatRun('toolstack', null, (f) => f.libxc.setupGuest(d, 0x8000, 0, 0));
  const dm = m.addDeviceModel('qemu', 0, 1, vcpus);
  m.flatRun('dm0', null, (f) => f.qemu.xenHvmInit(dm));
  while (d.evtchn.ports.filter((c) => c.state > 1).length < ports) if (evtchnAllocUnbound(m.x, d, 0) < 0) break;
  return m;
}

/** Shows the tree to depth `depth` as a view would (every node asked for its children is recorded); the nodes shown. */
export function show(t: ModelTree, ck: ChangeTracker, depth: number): TreeNode[] {
  const all: TreeNode[] = [];
  const walk = (n: TreeNode, d: number) => {
    all.push(n);
    ck.saw(n);
    if (d === 0 || !n.collapsible) return;
    const kids = t.getChildren(n);
    ck.saw(n, kids);
    for (const k of kids) walk(k, d - 1);
  };
  for (const r of t.getRoots()) walk(r, depth);
  return all;
}
