// The extension's views: the Model view (in its own container and in Run and Debug), the Explore Results view,
// the memory, sequence, layout and trace panels, the read-only documents they open (listings, page hexdumps), and
// the commands that open them. What each shows comes from src/debug, src/trace and the tree model.
import * as path from 'path';
import * as vscode from 'vscode';
import * as A from '../model/abi';
import { specialPageLayout, PROFILES } from '../model/layout';
import { loadListing, locateLabel } from '../debug/listing';
import { LISTING_SCHEME, listingUri, memoryRef, parseMemoryRef } from '../debug/session';
import type { Ext } from './ext';
import type { ScenarioDocuments } from './documents';
import { ExploreResults } from './exploreResults';
import type { Hosts } from './hosts';
import { LayoutPanel } from './layoutPanel';
import { MemoryPanel } from './memoryPanel';
import { ModelTreeProvider } from './provider';
import { refreshManagers } from './refresh';
import { SequencePanel } from './sequencePanel';
import { TraceEditorProvider, TracePanel } from './tracePanel';
import type { ModelNode, RootSource, TreeNode } from './treeModel';
import { isTraceAction } from '../common/messages';

const PAGE_SCHEME = 'ioreq-page';

export class Views {
  readonly tree = new ModelTreeProvider();
  /** The same view in the Run and Debug container, beside Variables (shown while an ioreq-scope session runs). */
  readonly debugTree = new ModelTreeProvider();
  readonly layout: LayoutPanel;
  readonly sequence: SequencePanel;
  readonly memory: MemoryPanel;
  readonly results = new ExploreResults();
  readonly tracePanel: TracePanel;
  /** The ioreq-scope session that stopped last (the memory view follows it when none is active). */
  lastStopped: vscode.DebugSession | undefined;
  private docs!: ScenarioDocuments;
  private hosts!: Hosts;

  constructor(private ext: Ext) {
    const { context, log } = ext;
    const treeView = vscode.window.createTreeView<ModelNode>('ioreqScope.model', { treeDataProvider: this.tree, showCollapseAll: true });
    const debugTreeView = vscode.window.createTreeView<ModelNode>('ioreqScope.modelDebug', { treeDataProvider: this.debugTree, showCollapseAll: true });
    // One refresh manager per view (each follows its own view's visibility), made alike.
    const managers = refreshManagers();
    context.subscriptions.push(treeView, debugTreeView, this.tree.attach(treeView, managers), this.debugTree.attach(debugTreeView, managers));
    this.layout = new LayoutPanel(context);
    this.sequence = new SequencePanel(context, log);
    context.subscriptions.push(vscode.window.registerWebviewViewProvider(SequencePanel.viewType, this.sequence, { webviewOptions: { retainContextWhenHidden: true } }));
    // The memory view follows the active ioreq-scope session (else the last one that stopped).
    this.memory = new MemoryPanel(context, {
      current: () => {
        const a = vscode.debug.activeDebugSession;
        const s = a && a.type === 'ioreq-scope' ? a : this.lastStopped;
        const rt = s ? ext.sessions.get(s.id)?.runtime : undefined;
        return s && rt ? { model: rt.session.m, session: s } : undefined;
      },
    });
    context.subscriptions.push(vscode.window.registerTreeDataProvider('ioreqScope.explore', this.results));
    this.tracePanel = new TracePanel(context, log);
    context.subscriptions.push(vscode.window.registerCustomEditorProvider(TraceEditorProvider.viewType, new TraceEditorProvider(context, log), { webviewOptions: { retainContextWhenHidden: true } }));
    this.registerDocuments();
  }

  /** The documents and hosts the roots come from (they are made after the views). */
  connect(docs: ScenarioDocuments, hosts: Hosts): void {
    this.docs = docs;
    this.hosts = hosts;
    this.registerCommands();
  }

  /** The roots: the live hosts, then the debug sessions, else the last scenario opened. */
  updateRoots(): void {
    const { docs } = this;
    docs.track();
    const roots: RootSource[] = [];
    for (const [alias, h] of this.hosts.hosts) roots.push({ id: Views.hostRootId(alias), label: alias, model: () => null, host: () => h.state });
    const debugRoots: RootSource[] = [];
    for (const [id, s] of this.ext.sessions) {
      if (!s.runtime) continue; // not launched (or the launch failed): nothing to show
      debugRoots.push({ id: Views.debugRootId(id), label: this.ext.sessionNames.get(id) ?? 'debug session', description: 'debugging', icon: 'debug-alt', model: () => s.runtime?.session.m ?? null });
    }
    // While debugging, the sessions; otherwise the last scenario opened.
    if (debugRoots.length) roots.push(...debugRoots);
    else if (docs.lastScenario) {
      const doc = docs.lastScenario;
      roots.push({ id: `file-${Buffer.from(doc.uri.toString()).toString('base64url')}`, label: path.basename(doc.uri.path), description: 'after the last step', model: () => docs.result(doc).model ?? null });
    }
    this.tree.setRoots(roots);
    this.debugTree.setRoots(debugRoots);
  }

  /** The root id of a live host's root, of a debug session's. */
  static hostRootId(alias: string): string { return `host-${Buffer.from(alias).toString('base64url')}`; }
  static debugRootId(sessionId: string): string { return `dbg-${sessionId}`; }

  /** Anything shown may have changed: both views redraw what did (soon, and only while shown). */
  refreshTrees(): void {
    this.tree.refreshAll();
    this.debugTree.refreshAll();
  }

  /** The root `rootId` may have changed (a debug stop, a host's snapshot): both views redraw what did under it. */
  refreshRoot(rootId: string): void {
    this.tree.refresh(rootId);
    this.debugTree.refresh(rootId);
    // An open hexdump of one of the root's pages is read again, so it shows the bytes as they are now.
    for (const d of vscode.workspace.textDocuments) if (d.uri.scheme === PAGE_SCHEME && d.uri.path.replace(/^\//, '').split('/')[0] === rootId) this.pageChanged.fire(d.uri);
  }
  private readonly pageChanged = new vscode.EventEmitter<vscode.Uri>();

  // The listings under their stable names (ioreq-scope:/seed/hvm.c): frames, breadcrumbs and breakpoints use them;
  // a page's bytes as a read-only hexdump, read again when its root changes.
  private registerDocuments(): void {
    const { context } = this.ext;
    context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(LISTING_SCHEME, {
      provideTextDocumentContent: (uri) => { try { return loadListing(uri.path.replace(/^\/+/, '')).text; } catch { return undefined; } },
    }));
    context.subscriptions.push(this.pageChanged, vscode.workspace.registerTextDocumentContentProvider(PAGE_SCHEME, {
      onDidChange: this.pageChanged.event,
      provideTextDocumentContent: (uri) => {
        const [rootId, ref] = uri.path.replace(/^\//, '').replace(/\.hex$/, '').split('/');
        const model = this.tree.tree.modelOf(rootId);
        const at = parseMemoryRef(ref ?? '');
        const pg = model && at ? model.x.domains.get(at.domid)?.physmap.get(at.pfn) : undefined;
        if (!pg || !at) return `no such page: ${ref}`;
        return hexdump(pg.bytes ?? new Uint8Array(A.PAGE_SIZE), at.pfn * A.PAGE_SIZE);
      },
    }));
  }

  private registerCommands(): void {
    const { reg, log } = this.ext;
    reg('ioreqScope.refresh', () => { this.docs.clearCache(); this.updateRoots(); });
    reg('ioreqScope.showLayout', () => this.layout.show(PROFILES.map((p) => specialPageLayout(p))));
    reg('ioreqScope.showSequence', () => this.sequence.show());
    reg('ioreqScope.sequenceTravel', (seq: number) => this.sequence.travel(seq));
    reg('ioreqScope.revealPage', async (n: TreeNode) => {
      const ref = n?.data?.memoryReference as string | undefined ?? (n?.data ? memoryRef(n.data.domid as number, n.data.pfn as number) : undefined);
      if (!ref) return;
      const rootId = n.id.split('/')[0];
      // A tab of its own (not a preview the next stop's source replaces), read again at every stop of its root.
      const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(`${PAGE_SCHEME}:/${rootId}/${ref}.hex`));
      await vscode.window.showTextDocument(doc, { preview: false, viewColumn: vscode.ViewColumn.Beside });
    });
    // The memory view: from the palette, a special page of the Model view, or a variable with a memory reference.
    reg('ioreqScope.showMemory', (arg?: TreeNode | { variable?: { memoryReference?: string } }) => {
      const n = arg as TreeNode | undefined;
      const ref = (arg as { variable?: { memoryReference?: string } })?.variable?.memoryReference
        ?? (n?.data?.memoryReference as string | undefined) ?? (n?.data?.pfn !== undefined ? memoryRef(n.data.domid as number, n.data.pfn as number) : undefined);
      this.memory.show(ref);
    });
    reg('ioreqScope.copyPfn', async (n: TreeNode) => {
      const pfn = n?.data?.pfn as number | undefined;
      if (pfn === undefined) return;
      await vscode.env.clipboard.writeText(A.hex(pfn));
    });
    reg('ioreqScope.openListing', async (n?: TreeNode | string) => {
      const fn = typeof n === 'string' ? n : (n?.data?.fn as string | undefined) ?? 'hvm_do_resume';
      const profile = vscode.workspace.getConfiguration('ioreqScope').get<'seed'>('defaultProfile', 'seed');
      const loc = locateLabel(profile, fn, 'entry');
      if (!loc) return;
      const file = vscode.Uri.parse(listingUri(loc.listing.name));
      const ed = await vscode.window.showTextDocument(file, { preview: true });
      const pos = new vscode.Position(loc.line - 1, 0);
      ed.selection = new vscode.Selection(pos, pos);
      ed.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.AtTop);
    });
    reg('ioreqScope.showLog', () => log.show());
    reg('ioreqScope.openTrace', async (arg?: vscode.Uri, all?: vscode.Uri[]) => {
      let uris = all && all.length ? all : arg instanceof vscode.Uri ? [arg] : undefined;
      uris ??= await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: 'Open Trace', title: 'xentrace captures and QEMU traces (log or simpletrace)' });
      if (!uris || !uris.length) return undefined;
      return this.tracePanel.open(uris.map((u) => u.fsPath));
    });
    reg('ioreqScope.traceAction', (type: string) => (isTraceAction(type) ? this.tracePanel.action(type) : undefined));
  }
}

function hexdump(bytes: Uint8Array, base: number): string {
  const out: string[] = [];
  for (let o = 0; o < bytes.length; o += 16) {
    const row = bytes.subarray(o, o + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const asc = [...row].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
    out.push(`${(base + o).toString(16).padStart(9, '0')}  ${hex.padEnd(47)}  ${asc}`);
  }
  return out.join('\n') + '\n';
}
