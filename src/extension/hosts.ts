// Live Xen hosts over SSH (read-only): the connected hosts and their snapshots, the status-bar item, the
// connect / refresh / disconnect / remove commands. A snapshot asked for by the user shows a notification with
// Cancel; an interval refresh runs quietly. src/live does the work.
import * as vscode from 'vscode';
import { LiveHost, LiveError, sessionLimiter, snapshotToScenario } from '../live/host';
import type { Ext } from './ext';
import type { HostState } from './nodes/host';
import { createScenarioFile } from './scenarioFiles';
import type { TreeNode } from './treeModel';

interface HostEntry { host: LiveHost; state: HostState; timer?: NodeJS.Timeout; cancel?: vscode.CancellationTokenSource }

export class Hosts {
  readonly hosts = new Map<string, HostEntry>();
  private status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 20);

  /** `changed` is called when a host came, went or has a new snapshot; `busy` when one starts connecting. */
  constructor(private ext: Ext, private changed: () => void, private busy: (alias: string) => void) {
    this.status.command = 'ioreqScope.refreshHost';
    ext.context.subscriptions.push(this.status, { dispose: () => { for (const h of this.hosts.values()) { clearInterval(h.timer); void h.host.dispose(); } } });
    this.registerCommands();
  }

  private updateStatus(): void {
    const { status, hosts } = this;
    if (!hosts.size) { status.hide(); return; }
    const bad = [...hosts.values()].filter((h) => h.state.status === 'error').length;
    const busy = [...hosts.values()].some((h) => h.state.status === 'connecting');
    status.text = `${busy ? '$(sync~spin)' : bad ? '$(debug-disconnect)' : '$(remote)'} Xen: ${[...hosts.keys()].join(', ')}${bad ? ` (${bad} failed)` : ''}`;
    status.tooltip = [...hosts].map(([a, h]) => `${a}: ${h.state.status}${h.state.error ? ' — ' + h.state.error : ''}`).join('\n');
    status.show();
  }

  // Either kind of snapshot is cancelled by a disconnect. Cancelling kills ssh and closes the helper's stdin, which
  // ends it on the host.
  async refreshHost(alias: string, quiet = false): Promise<void> {
    const { log } = this.ext;
    const h = this.hosts.get(alias);
    if (!h) return;
    if (h.cancel) return; // one snapshot at a time per host
    h.state.status = 'connecting';
    this.updateStatus();
    this.busy(alias);
    const cts = new vscode.CancellationTokenSource();
    h.cancel = cts;
    const take = (t?: vscode.CancellationToken) => {
      const sub = t?.onCancellationRequested(() => cts.cancel());
      return h.host.snapshot(cts.token).finally(() => sub?.dispose());
    };
    let r: Awaited<ReturnType<typeof take>>;
    try {
      r = await (quiet ? take() : vscode.window.withProgress({ location: vscode.ProgressLocation.Notification,
        title: `IOREQ Scope: reading ${alias}`, cancellable: true }, (_p, t) => take(t)));
    } finally { cts.dispose(); h.cancel = undefined; }
    if (r instanceof LiveError) {
      h.state.status = 'error';
      h.state.error = r.message;
      log.error(`${alias}: ${r.kind}: ${r.message}`);
      if (h.host.lastStderr.trim()) log.error(`${alias}: the host's stderr:\n${h.host.lastStderr.trimEnd()}`);
      void vscode.window.showErrorMessage(`IOREQ Scope: ${alias}: ${r.message}`, 'Show Log').then((a) => { if (a) log.show(); });
    } else {
      h.state.status = 'connected';
      h.state.error = undefined;
      h.state.snapshot = r;
      log.info(`${alias}: snapshot with ${r.domains.ok ? r.domains.value.length : '?'} domain(s)`);
    }
    this.updateStatus();
    this.changed();
  }

  async connectHost(alias: string): Promise<void> {
    const { cfg, log } = this.ext;
    if (!vscode.workspace.isTrusted) { void vscode.window.showWarningMessage('IOREQ Scope: live hosts are not used in an untrusted workspace.'); return; }
    if (this.hosts.has(alias)) return this.refreshHost(alias);
    let host: LiveHost;
    try {
      host = new LiveHost(alias, {
        // Not `|| undefined`: an explicit undefined would override the runner's default ('ssh' on PATH).
        sshPath: cfg().get<string>('ssh.path') || 'ssh',
        configFile: cfg().get<string>('ssh.configFile') || undefined,
        timeLimitMs: 1000 * cfg().get<number>('live.timeLimitSec', 30),
        logger: (line) => log.info(line),
      });
    } catch (e) {
      void vscode.window.showErrorMessage(`IOREQ Scope: ${(e as Error).message}`);
      return;
    }
    // The bound on ssh sessions at once is process-wide (all hosts share it).
    sessionLimiter.max = Math.max(1, Math.floor(cfg().get<number>('live.maxConcurrentSessions', 8)));
    const entry: HostEntry = { host, state: { status: 'connecting' }, timer: undefined };
    this.hosts.set(alias, entry);
    const every = cfg().get<number>('live.refreshIntervalSec', 0);
    if (every > 0) entry.timer = setInterval(() => { void this.refreshHost(alias, true); }, every * 1000);
    this.changed();
    await this.refreshHost(alias);
  }

  private async pickHost(connectedOnly: boolean): Promise<string | undefined> {
    const list = connectedOnly ? [...this.hosts.keys()] : this.ext.cfg().get<string[]>('hosts', []);
    if (!list.length) { void vscode.window.showInformationMessage(connectedOnly ? 'IOREQ Scope: no host is connected.' : 'IOREQ Scope: no host is configured; add one first.'); return undefined; }
    return list.length === 1 ? list[0] : vscode.window.showQuickPick(list, { placeHolder: 'Xen host (ssh alias)' });
  }

  private registerCommands(): void {
    const { reg, cfg } = this.ext;
    const aliasOf = (n?: TreeNode | string) => (typeof n === 'string' ? n : (n?.data?.host as string | undefined));
    reg('ioreqScope.addHost', async () => {
      if (!vscode.workspace.isTrusted) { void vscode.window.showWarningMessage('IOREQ Scope: live hosts are not used in an untrusted workspace.'); return; }
      const alias = await vscode.window.showInputBox({ prompt: 'The ssh host alias of a Xen host (as in ~/.ssh/config); IOREQ Scope only reads from it.', validateInput: (v) => (!v || v.startsWith('-') || /[\s\x00-\x1f]/.test(v) ? 'an ssh alias: no leading "-", no spaces or control characters' : undefined) });
      if (!alias) return;
      const list = cfg().get<string[]>('hosts', []);
      if (!list.includes(alias)) await cfg().update('hosts', [...list, alias], vscode.ConfigurationTarget.Global);
      await this.connectHost(alias);
    });
    reg('ioreqScope.connectHost', async (n?: TreeNode | string) => { const a = aliasOf(n) ?? await this.pickHost(false); if (a) await this.connectHost(a); });
    reg('ioreqScope.refreshHost', async (n?: TreeNode | string) => { const a = aliasOf(n) ?? await this.pickHost(true); if (a) await this.refreshHost(a); });
    reg('ioreqScope.disconnectHost', async (n?: TreeNode | string) => {
      const a = aliasOf(n) ?? await this.pickHost(true);
      const h = a ? this.hosts.get(a) : undefined;
      if (!a || !h) return;
      clearInterval(h.timer);
      h.cancel?.cancel();
      this.hosts.delete(a);
      await h.host.dispose();
      this.updateStatus();
      this.changed();
    });
    reg('ioreqScope.removeHost', async (n?: TreeNode | string) => {
      const a = aliasOf(n) ?? await this.pickHost(false);
      if (!a) return;
      if (this.hosts.has(a)) await vscode.commands.executeCommand('ioreqScope.disconnectHost', a);
      await cfg().update('hosts', cfg().get<string[]>('hosts', []).filter((x) => x !== a), vscode.ConfigurationTarget.Global);
    });
    reg('ioreqScope.openHostAsScenario', async (n?: TreeNode | string) => {
      const a = aliasOf(n) ?? await this.pickHost(true);
      const snap = a ? this.hosts.get(a)?.state.snapshot : undefined;
      if (!a || !snap) { void vscode.window.showInformationMessage('IOREQ Scope: that host has no snapshot yet.'); return; }
      // A real *.ioreq.json file (host-<alias>.ioreq.json beside the scenario being edited or in the workspace).
      return (await createScenarioFile(`host-${a}`, snapshotToScenario(snap, a), this.ext.log))?.toString();
    });
  }
}
