// The Model view's node classes (src/extension/nodes/*.ts, no vscode): for every kind, the id is its key's path, the
// parent chain leads to the root, and the children are the kind's own; nodes read the model as it is now.
import { strict as assert } from 'node:assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { IoreqRuntime } from '../../src/debug/runtime';
import { Model } from '../../src/model/model';
import { parseScenario } from '../../src/scenario/parse';
import { parseHelperDocument } from '../../src/live/parse';
import { InfoNode, ModelNode, RootContext, type HostState, type RootSource } from '../../src/extension/nodes/base';
import { DmNode, DmsNode } from '../../src/extension/nodes/dms';
import { DomainNode } from '../../src/extension/nodes/domain';
import { EvtchnsNode, PortBucketNode, PortNode } from '../../src/extension/nodes/evtchns';
import { HostConsoleNode, HostDmPortsNode, HostDmsNode, HostDomainNode, HostDomainsNode, HostPortsNode, HostRootNode } from '../../src/extension/nodes/host';
import { PageNode, PagesNode } from '../../src/extension/nodes/pages';
import { ParamNode, ParamsNode } from '../../src/extension/nodes/params';
import { ModelRootNode, rootNode } from '../../src/extension/nodes/root';
import { IoserverNode, IoserversNode, ServerNode } from '../../src/extension/nodes/server';
import { VcpuBucketNode, VcpuNode, VcpusNode } from '../../src/extension/nodes/vcpus';
import { ModelTree } from '../../src/extension/treeModel';
import { bigModel, ROOT, scenarioModel } from './fixtures';
import { FIXTURES, HELPER } from '../live/sshd';


function hostDoc(fail: string[] = []): string {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'iqs-nodes-'));
  try {
    fs.writeFileSync(path.join(state, 'fail'), fail.map((f) => `${f}\n`).join(''));
    return spawnSync('/bin/sh', [HELPER], { env: { PATH: `${path.join(FIXTURES, 'bin')}:/usr/bin:/bin`, IOREQ_FIXTURE_STATE: state } }).stdout.toString();
  } finally { fs.rmSync(state, { recursive: true, force: true }); }
}

const source = (id: string, m: () => Model | null, host?: () => HostState): RootSource => ({ id, label: id, model: m, ...(host ? { host } : {}) });
const modelRoot = (m: Model, id = 'r') => new ModelRootNode(new RootContext(id, source(id, () => m)));
const hostRoot = (st: HostState, id = 'host-x') => new HostRootNode(new RootContext(id, source(id, () => null, () => st)));

function walk(n: ModelNode, out: ModelNode[] = []): ModelNode[] {
  out.push(n);
  for (const c of n.children()) walk(c, out);
  return out;
}
const child = <T extends ModelNode>(n: ModelNode, cls: abstract new (...a: never[]) => T, pred: (c: T) => boolean = () => true): T => {
  const c = n.children().find((k): k is T => k instanceof cls && pred(k as T));
  assert.ok(c, `${n.id} has a ${cls.name}`);
  return c;
};

/** The classes that may stand for each kind (root: a model's or a host's; info: the generic leaf). */
const CLASSES: Record<string, Array<abstract new (...a: never[]) => ModelNode>> = {
  root: [ModelRootNode, HostRootNode], domain: [DomainNode], vcpus: [VcpusNode], vcpuBucket: [VcpuBucketNode], vcpu: [VcpuNode],
  server: [ServerNode], ioservers: [IoserversNode], ioserver: [IoserverNode], pages: [PagesNode], page: [PageNode],
  evtchns: [EvtchnsNode], portBucket: [PortBucketNode], port: [PortNode], params: [ParamsNode], param: [ParamNode],
  dms: [DmsNode], dm: [DmNode], info: [InfoNode], hostDomains: [HostDomainsNode], hostDomain: [HostDomainNode],
  hostPorts: [HostPortsNode], hostDmPorts: [HostDmPortsNode], hostDms: [HostDmsNode], hostConsole: [HostConsoleNode],
};

describe('Model view nodes: one class per kind (no vscode)', () => {
  it('each class derives its id from its key, byte for byte as the view has always named it', () => {
    const r = { rootId: 'r' }, d = { rootId: 'r', domid: 1 };
    const cases: Array<[string, string]> = [
      [ModelRootNode.idOf(r), 'r'], [HostRootNode.idOf({ rootId: 'host-eA' }), 'host-eA'],
      [DomainNode.idOf(d), 'r/d1'], [VcpusNode.idOf(d), 'r/d1/vcpus'], [VcpuNode.idOf({ ...d, vcpu: 3 }), 'r/d1/vcpus/3'],
      [VcpuBucketNode.idOf({ ...d, first: 32, last: 63 }), 'r/d1/vcpus/32-63'], [VcpuNode.idOf({ ...d, vcpu: 40, bucket: { first: 32, last: 63 } }), 'r/d1/vcpus/32-63/40'],
      [ServerNode.idOf(d), 'r/d1/server'], [IoserversNode.idOf(d), 'r/d1/ioservers'], [IoserverNode.idOf({ ...d, server: 2 }), 'r/d1/ioservers/2'],
      [PagesNode.idOf(d), 'r/d1/pages'], [PageNode.idOf({ ...d, pfn: 0xfeff9 }), 'r/d1/pages/feff9'],
      [EvtchnsNode.idOf(d), 'r/d1/evtchns'], [PortNode.idOf({ ...d, port: 7 }), 'r/d1/evtchns/7'],
      [PortBucketNode.idOf({ ...d, lo: 1, hi: 256 }), 'r/d1/evtchns/1-256'], [PortNode.idOf({ ...d, port: 9, bucket: { lo: 1, hi: 256 } }), 'r/d1/evtchns/1-256/9'],
      [ParamsNode.idOf(d), 'r/d1/params'], [ParamNode.idOf({ ...d, index: 5 }), 'r/d1/params/5'],
      [DmsNode.idOf(r), 'r/dms'], [DmNode.idOf({ ...r, name: 'qemu' }), 'r/dms/qemu'],
      [InfoNode.idOf({ rootId: 'r', under: 'r/d1/server', name: 'ioreq' }), 'r/d1/server/ioreq'],
      [HostDomainsNode.idOf({ rootId: 'h' }), 'h/domains'], [HostDomainNode.idOf({ rootId: 'h', domid: 2 }), 'h/domains/d2'],
      [HostPortsNode.idOf({ rootId: 'h', domid: 2 }), 'h/domains/d2/evtchns'], [HostDmPortsNode.idOf({ rootId: 'h', domid: 2, dm: '2345' }), 'h/domains/d2/dm-2345'],
      [HostDmsNode.idOf({ rootId: 'h' }), 'h/dms'], [HostConsoleNode.idOf({ rootId: 'h' }), 'h/console'],
    ];
    for (const [got, want] of cases) assert.equal(got, want);
  });

  it('every node of a seed, a 4.5, a wide and a host tree: its class is its kind\'s, its id comes from its key, its parent lists it', () => {
    const st: HostState = { status: 'connected', snapshot: parseHelperDocument(hostDoc(), 1_700_000_000_000) };
    const trees = [modelRoot(scenarioModel('02-create-on-get-ioreq-pfn.ioreq.json')), modelRoot(scenarioModel('22-x45-qemu45-own-server-beside-default.ioreq.json')),
      modelRoot(scenarioModel('63-zoo-125833f5f1-ioreq-port-from-shared-page.ioreq.json')), modelRoot(bigModel(70, 600)), hostRoot(st)];
    const kinds = new Set<string>();
    for (const root of trees) {
      const listed = new Map<string, Set<string>>();
      for (const n of walk(root)) {
        kinds.add(n.kind);
        assert.ok(CLASSES[n.kind]?.some((c) => n instanceof c), `${n.id} (${n.kind}) is a ${CLASSES[n.kind]?.map((c) => c.name).join(' or ')}, not a ${n.constructor.name}`);
        assert.equal((n.constructor as unknown as { idOf(k: object): string }).idOf(n.key), n.id, `${n.id} from its key`);
        assert.equal(n.ctx.rootId, root.id);
        assert.equal((n.key as { rootId: string }).rootId, root.id);
        const chain = n.ancestors();
        if (n === root) { assert.equal(n.parent, undefined); continue; }
        assert.equal(chain[chain.length - 1], root, `${n.id} leads up to its root`);
        assert.ok(n.id.startsWith(n.parent!.id + '/'), `${n.id} is under ${n.parent!.id}`);
        let ids = listed.get(n.parent!.id);
        if (!ids) { ids = new Set(n.parent!.children().map((c) => c.id)); listed.set(n.parent!.id, ids); }
        assert.ok(ids.has(n.id), `${n.parent!.id} lists ${n.id}`);
      }
    }
    // The trees above hold every kind the Model view has.
    assert.deepEqual([...kinds].sort(), Object.keys(CLASSES).sort());
  });

  it('a model root: its domains, the device models, and Xen\'s panic first when it panicked', () => {
    const m = scenarioModel('02-create-on-get-ioreq-pfn.ioreq.json');
    assert.deepEqual(modelRoot(m).children().map((n) => n.constructor.name), [...m.x.domains.keys()].map(() => 'DomainNode').concat(m.dms.size ? ['DmsNode'] : []));
    const p = modelRoot(scenarioModel('63-zoo-125833f5f1-ioreq-port-from-shared-page.ioreq.json')).children()[0];
    assert.ok(p instanceof InfoNode);
    assert.equal(p.id, 'r/panic');
    assert.equal(p.label, 'Xen panicked');
    const none = new ModelRootNode(new RootContext('n', source('n', () => null)));
    assert.equal(none.description, 'not loaded');
    assert.deepEqual(none.children(), []);
  });

  it('a domain: vcpus, then the one server (seed) or the servers by id (4.5), pages, event channels, params; a PV domain only vcpus and ports', () => {
    const seed = modelRoot(scenarioModel('02-create-on-get-ioreq-pfn.ioreq.json'));
    const d1 = child(seed, DomainNode, (d) => d.key.domid === 1);
    assert.deepEqual(d1.children().map((n) => n.constructor.name), ['VcpusNode', 'ServerNode', 'PagesNode', 'EvtchnsNode', 'ParamsNode']);
    assert.deepEqual(child(seed, DomainNode, (d) => d.key.domid === 0).children().map((n) => n.constructor.name), ['VcpusNode', 'EvtchnsNode']);
    const x45 = child(modelRoot(scenarioModel('22-x45-qemu45-own-server-beside-default.ioreq.json')), DomainNode, (d) => d.key.domid === 1);
    assert.deepEqual(x45.children().map((n) => n.constructor.name), ['VcpusNode', 'IoserversNode', 'PagesNode', 'EvtchnsNode', 'ParamsNode']);
  });

  it('the seed\'s server: its fields as leaves, the mapped pages carrying their pfn; none yet is a leaf at the same id', () => {
    const m = scenarioModel('02-create-on-get-ioreq-pfn.ioreq.json');
    const s = child(child(modelRoot(m), DomainNode, (d) => d.key.domid === 1), ServerNode);
    const leaves = s.children();
    assert.ok(leaves.every((l) => l instanceof InfoNode && l.parent === s));
    assert.deepEqual(leaves.map((l) => (l as InfoNode).key.name).slice(0, 5), ['domid', 'ioreq', 'bufioreq', 'ports', 'bufport']);
    const ioreq = leaves[1];
    assert.equal(ioreq.contextValue, 'pfn');
    assert.deepEqual(ioreq.data, { pfn: m.x.domains.get(1)!.arch.hvm_domain.ioreq_server!.ioreq.page, domid: 1 });
    const fresh = new Model('seed').boot();
    fresh.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(1, 1, true));
    const none = child(modelRoot(fresh), DomainNode, (d) => d.key.domid === 1).children()[1];
    assert.ok(none instanceof InfoNode);
    assert.equal(none.id, ServerNode.idOf({ rootId: 'r', domid: 1 }));
    assert.equal(none.collapsible, false);
  });

  it('4.5\'s servers by id, each with its emulator, state, ranges, pages, mode, ports and ring', () => {
    const m = scenarioModel('22-x45-qemu45-own-server-beside-default.ioreq.json');
    const list = child(child(modelRoot(m), DomainNode, (d) => d.key.domid === 1), IoserversNode);
    const servers = list.children();
    assert.deepEqual(servers.map((s) => (s as IoserverNode).key.server), [2, 1]);
    const one = servers[1] as IoserverNode;
    assert.equal(one.label, 'ioreq server 1');
    assert.deepEqual(one.children().map((l) => (l as InfoNode).key.name), ['emulator', 'state', 'ranges', 'ioreq', 'bufioreq', 'bufmode', 'ports', 'bufport', 'ring']);
    assert.equal(one.children().find((l) => (l as InfoNode).key.name === 'ranges')!.description, 'port 0x3f8-0x3ff');
  });

  it(`vcpus and ports in buckets: the bucket's key bounds its children, each child keyed by its bucket`, () => {
    const m = bigModel(70, 600);
    const d1 = child(modelRoot(m), DomainNode, (d) => d.key.domid === 1);
    const buckets = child(d1, VcpusNode).children() as VcpuBucketNode[];
    assert.deepEqual(buckets.map((b) => [b.key.first, b.key.last]), [[0, 31], [32, 63], [64, 69]]);
    const last = buckets[2].children() as VcpuNode[];
    assert.deepEqual(last.map((v) => v.key.vcpu), [64, 65, 66, 67, 68, 69]);
    assert.ok(last.every((v) => v.key.bucket?.first === 64 && v.key.bucket.last === 69 && v.parent === buckets[2]));
    const pb = child(d1, EvtchnsNode).children() as PortBucketNode[];
    assert.equal(pb.length, Math.ceil(600 / 256));
    const ports = pb.flatMap((b) => b.children() as PortNode[]);
    assert.equal(ports.length, 600);
    assert.ok(ports.every((p) => p.key.port >= p.key.bucket!.lo && p.key.port <= p.key.bucket!.hi));
    // Few enough: no buckets, and the vcpus' keys have none.
    const small = child(child(modelRoot(bigModel(2, 3)), DomainNode, (d) => d.key.domid === 1), VcpusNode).children();
    assert.ok(small.every((v) => v instanceof VcpuNode && v.key.bucket === undefined));
  });

  it('pages highest pfn first, params only those set, device models by name', () => {
    const m = scenarioModel('02-create-on-get-ioreq-pfn.ioreq.json');
    const d1 = child(modelRoot(m), DomainNode, (d) => d.key.domid === 1);
    const pages = child(d1, PagesNode).children() as PageNode[];
    const pfns = pages.map((p) => p.key.pfn);
    assert.deepEqual(pfns, [...pfns].sort((a, b) => b - a));
    assert.ok(pages.every((p) => p.data!.pfn === p.key.pfn));
    const params = child(d1, ParamsNode).children() as ParamNode[];
    const set = m.x.domains.get(1)!.arch.hvm_domain.params.flatMap((v, i) => (v ? [i] : []));
    assert.deepEqual(params.map((p) => p.key.index), set);
    const dms = child(modelRoot(m), DmsNode).children() as DmNode[];
    assert.deepEqual(dms.map((d) => d.key.name), [...m.dms.keys()]);
  });

  it('a host: its sections; a domain its ports, params and device models; a failed section is a leaf at the section\'s id', () => {
    const st: HostState = { status: 'connected', snapshot: parseHelperDocument(hostDoc(), 1_700_000_000_000) };
    const root = hostRoot(st);
    assert.deepEqual(root.children().map((n) => n.constructor.name), ['InfoNode', 'HostDomainsNode', 'HostDmsNode', 'HostConsoleNode']);
    const d1 = child(child(root, HostDomainsNode), HostDomainNode, (d) => d.key.domid === 1);
    const dm = child(d1, HostDmPortsNode);
    assert.equal(dm.key.dm, '2345');
    assert.deepEqual(dm.children().map((p) => p.label), ['port 3', 'port 4']);
    assert.ok(d1.children().some((n) => n instanceof HostPortsNode));
    assert.ok(d1.children().some((n) => n instanceof InfoNode && n.key.name.startsWith('param-')));
    const failed = hostRoot({ status: 'connected', snapshot: parseHelperDocument(hostDoc(['xl-info', 'xl-dmesg']), 1) }).children();
    for (const id of ['host-x/xen', 'host-x/console']) {
      const at = failed.find((n) => n.id === id);
      assert.ok(at instanceof InfoNode && at.icon === 'warning' && !at.collapsible, `${id}: a warning leaf`);
    }
    // Connecting, no snapshot yet: nothing under the root.
    assert.deepEqual(hostRoot({ status: 'connecting' }).children(), []);
    assert.equal(hostRoot({ status: 'connecting' }).icon, 'sync');
  });

  it('a node reads the model as it is now: built before the server existed, it lists the server after', () => {
    const f = path.join(ROOT, 'scenarios', '02-create-on-get-ioreq-pfn.ioreq.json');
    const rt = new IoreqRuntime(parseScenario(fs.readFileSync(f, 'utf8'), f));
    const t = new ModelTree();
    t.setRoots([{ id: 'dbg', label: 'dbg', model: () => rt.session.m }]);
    let d1: ModelNode | undefined;
    for (let i = 0; i < 200 && !d1; i++) { d1 = t.find('dbg/d1'); if (!d1) rt.stepIn(); }
    assert.ok(d1 instanceof DomainNode);
    assert.ok(d1.children()[1] instanceof InfoNode, 'no server yet');
    for (let i = 0; i < 400 && !rt.session.m.x.domains.get(1)!.arch.hvm_domain.ioreq_server; i++) rt.stepIn();
    assert.ok(d1.children()[1] instanceof ServerNode, 'the node built before shows the server now');
  });

  it('the tree keeps one context per root: a new source under the same id is read by nodes built before; a root gone has no children', () => {
    const a = scenarioModel('02-create-on-get-ioreq-pfn.ioreq.json');
    const b = scenarioModel('22-x45-qemu45-own-server-beside-default.ioreq.json');
    const t = new ModelTree();
    t.setRoots([{ id: 'r', label: 'a', model: () => a }]);
    const [root] = t.getRoots();
    t.setRoots([{ id: 'r', label: 'b', model: () => b }]);
    assert.equal(t.getRoots()[0].ctx, root.ctx);
    assert.equal(t.getChildren(root).length, rootNode(root.ctx).children().length);
    assert.ok(t.getChildren(t.getChildren(root).find((n) => n.id === 'r/d1')!).some((n) => n instanceof IoserversNode), 'b is a 4.5 model');
    t.setRoots([]);
    assert.deepEqual(t.getChildren(root), []);
    assert.equal(t.modelOf('r/d1'), null);
  });

  it('toData() is the node as plain data: what it shows, no parent, key or context', () => {
    const m = scenarioModel('02-create-on-get-ioreq-pfn.ioreq.json');
    const page = child(child(child(modelRoot(m), DomainNode, (d) => d.key.domid === 1), PagesNode), PageNode);
    const data = page.toData();
    assert.deepEqual(Object.keys(data).sort(), ['collapsible', 'contextValue', 'data', 'description', 'icon', 'id', 'kind', 'label', 'tooltip']);
    assert.equal(Object.getPrototypeOf(data), Object.prototype);
    assert.deepEqual(data, { id: page.id, kind: 'page', label: page.label, description: page.description, tooltip: page.tooltip, contextValue: 'page', icon: page.icon, collapsible: false, data: page.data });
  });
});
