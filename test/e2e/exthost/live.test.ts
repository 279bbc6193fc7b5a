// A live Xen host in the real extension: run.ts starts a real OpenSSH sshd (test/live/sshd.ts) serving the stand-in
// Xen tools and hands its ssh config and alias over (IOREQ_E2E_SSH_CONFIG, IOREQ_E2E_SSH_ALIAS). Connect, see the
// host's root with its domains, open it as a scenario, lose the host (the alias now points at a closed port): the
// previous snapshot stays beside "last refresh failed"; disconnect removes the root.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';
import { parseScenario } from '../../../src/scenario/parse';
import { activate, hostSuite, need, showTree, vs, waitFor } from './host';
import type { TreeNodeSnapshot } from '../contract';
import { freePort } from '../../live/sshd';


hostSuite('live host over a real sshd', () => {
  const config = process.env.IOREQ_E2E_SSH_CONFIG ?? '';
  const alias = process.env.IOREQ_E2E_SSH_ALIAS ?? '';
  let original: string | undefined;
  let connected = false;

  before(async function () {
    if (process.env.IOREQ_E2E_SSHD_ERROR) throw new Error(`run.ts could not start the test sshd: ${process.env.IOREQ_E2E_SSHD_ERROR}`);
    if (!config || !alias) throw new Error('no IOREQ_E2E_SSH_CONFIG / IOREQ_E2E_SSH_ALIAS: run through test/e2e/run.ts, which starts the sshd');
    original = fs.readFileSync(config, 'utf8');
    await activate();
    const cfg = vs().workspace.getConfiguration('ioreqScope');
    await cfg.update('ssh.configFile', config, vs().ConfigurationTarget.Global);
    await waitFor('ioreqScope.ssh.configFile to take the test config',
      () => (vs().workspace.getConfiguration('ioreqScope').get<string>('ssh.configFile') === config ? true : undefined), 5000,
      () => String(vs().workspace.getConfiguration('ioreqScope').get('ssh.configFile')));
  });

  after(async () => {
    if (connected) await vs().commands.executeCommand('ioreqScope.disconnectHost', alias);
    if (original !== undefined) fs.writeFileSync(config, original);
    await vs().workspace.getConfiguration('ioreqScope').update('ssh.configFile', undefined, vs().ConfigurationTarget.Global);
  });

  it('connects, shows the domains, opens a scenario, keeps the snapshot on failure, disconnects', async () => {
    const treeRoots = need(await activate(), 'treeRoots');
    let last: TreeNodeSnapshot[] = [];
    const rootOf = async () => { last = await treeRoots(); return last.find((r) => r.label === alias); };
    const childrenOf = (n: TreeNodeSnapshot | undefined, label: string) => n?.children?.find((c) => c.label === label);

    await vs().commands.executeCommand('ioreqScope.connectHost', alias);
    connected = true;
    const root = await waitFor(`a root "${alias}" with its domains`, async () => {
      const r = await rootOf();
      return childrenOf(r, 'domains')?.children?.length ? r : undefined;
    }, 20000, () => showTree(last));
    assert.ok(!childrenOf(root, 'last refresh failed'), `a fresh connection shows an error:\n${showTree([root])}`);
    const domains = childrenOf(root, 'domains')!;
    const labels = domains.children!.map((d) => d.label);
    // The stand-in xl (test/live/fixtures/bin/xl): Domain-0, an HVM guest, a PV guest and a second HVM guest.
    for (const want of ['d0 Domain-0', 'd1 guest-hvm', 'd2 guest-pv', 'd3 guest-demu']) {
      assert.ok(labels.includes(want), `no "${want}" under domains:\n${showTree([root])}`);
    }
    assert.strictEqual(domains.description, String(labels.length));

    // The snapshot as a scenario: a real host-<alias>.ioreq.json file in the workspace, opened (not Untitled-1).
    const written = vs().Uri.parse(await vs().commands.executeCommand('ioreqScope.openHostAsScenario', alias) as string);
    try {
      assert.strictEqual(written.scheme, 'file');
      assert.match(path.basename(written.fsPath), /^host-[A-Za-z0-9._-]+\.ioreq\.json$/);
      const doc = await waitFor('the host opened as a scenario file', () => {
        const d = vs().window.activeTextEditor?.document;
        return d && d.uri.fsPath === written.fsPath && d.getText().includes(`Live host ${alias}`) ? d : undefined;
      }, 10000);
      assert.strictEqual(doc.isUntitled, false);
      assert.strictEqual(doc.languageId, 'jsonc');
      assert.ok(doc.getText().includes('"profile"'), 'the scenario has no "profile"');
      const sc = parseScenario(fs.readFileSync(written.fsPath, 'utf8'), written.fsPath);
      assert.ok(sc.steps.length > 0, 'the scenario has no steps');
      await vs().commands.executeCommand('workbench.action.closeActiveEditor');
    } finally {
      fs.rmSync(written.fsPath, { force: true });
    }

    // The host goes away: the alias now points at a port nobody listens on.
    const port = await freePort(); // free now, and nothing listens there: a closed port
    fs.writeFileSync(config, original!.replace(/^(\s*Port )\d+$/m, `$1${port}`));
    await vs().commands.executeCommand('ioreqScope.refreshHost', alias);
    const failed = await waitFor(`"last refresh failed" under "${alias}"`, async () => {
      const r = await rootOf();
      return childrenOf(r, 'last refresh failed') ? r : undefined;
    }, 20000, () => showTree(last));
    const kept = childrenOf(failed, 'domains');
    assert.ok(kept, `the previous snapshot's domains are gone after the failure:\n${showTree([failed])}`);
    assert.deepStrictEqual(kept.children?.map((d) => d.label), labels);
    assert.ok(childrenOf(failed, 'last refresh failed')!.description, 'the failure has no message');

    await vs().commands.executeCommand('ioreqScope.disconnectHost', alias);
    connected = false;
    await waitFor(`the root "${alias}" to go`, async () => ((await rootOf()) ? undefined : true), 5000, () => showTree(last));
  });
});
