// The Model view's nodes for a live host (src/extension/nodes/host.ts, no vscode): the device model under its guest
// with the event channels that belong to it, and a section kept from an earlier snapshot marked with its age.
import * as assert from 'assert';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { RootContext, type HostState } from '../../src/extension/nodes/base';
import { HostRootNode } from '../../src/extension/nodes/host';
import { mergeSections } from '../../src/live/host';
import { parseHelperDocument } from '../../src/live/parse';
import { FIXTURES, HELPER } from '../live/sshd';

function doc(fail: string[] = []): string {
  const state = fs.mkdtempSync(path.join(os.tmpdir(), 'iqs-tree-'));
  try {
    fs.writeFileSync(path.join(state, 'fail'), fail.map((f) => `${f}\n`).join(''));
    return spawnSync('/bin/sh', [HELPER], { env: { PATH: `${path.join(FIXTURES, 'bin')}:/usr/bin:/bin`, IOREQ_FIXTURE_STATE: state } }).stdout.toString();
  } finally { fs.rmSync(state, { recursive: true, force: true }); }
}
const root = (st: HostState) => new HostRootNode(new RootContext('host-x', { id: 'host-x', label: 'x', model: () => null, host: () => st }));

describe('extension: live host nodes', () => {
  it('a guest shows its device model, expandable to the event channels that connect to the device model\'s domain', () => {
    const s = parseHelperDocument(doc());
    const st = { snapshot: s, status: 'connected' as const };
    const domains = root(st).children().find((n) => n.id === 'host-x/domains')!;
    const d1 = domains.children().find((n) => n.label === 'd1 guest-hvm')!;
    const dm = d1.children().find((n) => n.label === 'device model: qemu')!;
    assert.strictEqual(dm.description, 'pid 2345, in d0, running');
    assert.ok(dm.collapsible);
    assert.deepStrictEqual(dm.children().map((n) => [n.label, n.description]), [['port 3', 'interdomain → d0:54, vcpu 0'], ['port 4', 'interdomain → d0:55, vcpu 1']]);
  });
  it('a section whose refresh failed shows the earlier content, its time and the failure', () => {
    const first = parseHelperDocument(doc(), 1_700_000_000_000);
    const s = mergeSections(first, parseHelperDocument(doc(['xl-info']), 1_700_000_060_000));
    const xen = root({ snapshot: s, status: 'connected' }).children().find((n) => n.id === 'host-x/xen')!;
    assert.strictEqual(xen.description, '4.17.3 — kept from 22:13:20 (refresh failed)');
    assert.match(String(xen.tooltip), /failed: sections\.xen\.info: `xl info` failed with exit status 1: libxl: error: libxl_get_physinfo failed/);
  });
});
