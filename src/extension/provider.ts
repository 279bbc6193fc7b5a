// The Model view's TreeDataProvider over treeModel.ts (the nodes are nodes/*.ts's classes), refreshing only the nodes
// whose content changed under the roots that asked (through a RefreshManager, refresh.ts, that follows the view's
// visibility), and marking them (their label highlighted, "changed at the last stop" in the tooltip) until the next
// refresh of their root.
import * as vscode from 'vscode';
import type { DirtyRoots, RefreshManager, RefreshTarget } from './refresh';
import { ChangeTracker, ModelTree, type ModelNode, type RootSource } from './treeModel';

const COLLAPSED = vscode.TreeItemCollapsibleState.Collapsed;
const NONE = vscode.TreeItemCollapsibleState.None;

export class ModelTreeProvider implements vscode.TreeDataProvider<ModelNode> {
  readonly tree = new ModelTree();
  private emitter = new vscode.EventEmitter<ModelNode | ModelNode[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  /** What each shown node looked like, and its children's ids, for targeted refresh; what changed last. */
  readonly shown = new ChangeTracker();
  private rootKey = '';
  private refresher: RefreshManager | undefined;

  /** Refreshes through a manager made by `make` that follows `view` (nothing is redrawn while it is hidden). */
  attach(view: vscode.TreeView<ModelNode>, make: (target: RefreshTarget) => RefreshManager): vscode.Disposable {
    const r = make({ visible: () => view.visible, refresh: (roots) => { this.refreshChanged(roots); } });
    this.refresher = r;
    return vscode.Disposable.from(view.onDidChangeVisibility(() => r.visibilityChanged()), r);
  }

  /** The root `rootId` may have changed (a debug stop, a host's new snapshot): redraw what changed under it, soon. */
  refresh(rootId: string): void {
    if (this.refresher) this.refresher.refresh(rootId);
    else this.refreshChanged(new Set([rootId]));
  }

  /** Any root may have changed. */
  refreshAll(): void {
    if (this.refresher) this.refresher.refreshAll();
    else this.refreshChanged();
  }

  /** Sets the roots; when they are the same roots as before (ids and labels), only what changed is redrawn. */
  setRoots(roots: RootSource[]): void {
    const key = roots.map((r) => `${r.id}|${r.label}|${r.description ?? ''}`).join('\n');
    this.tree.setRoots(roots);
    if (key === this.rootKey) { this.refreshAll(); return; }
    this.rootKey = key;
    this.shown.clear();
    this.objects.clear();
    this.emitter.fire(undefined);
  }

  getTreeItem(n: ModelNode): vscode.TreeItem {
    const changed = this.shown.changed.has(n.id);
    const item = new vscode.TreeItem(changed ? { label: n.label, highlights: [[0, n.label.length]] } : n.label, n.collapsible ? COLLAPSED : NONE);
    item.id = n.id;
    item.description = n.description;
    const tip = changed ? `${n.tooltip ? n.tooltip + '\n\n' : ''}*changed at the last stop*` : n.tooltip;
    if (tip) item.tooltip = new vscode.MarkdownString(tip);
    item.contextValue = n.contextValue;
    item.iconPath = new vscode.ThemeIcon(n.icon);
    // A special page opens in the memory view, which follows the debugger and overlays the slots' fields.
    if (n.kind === 'page') item.command = { command: 'ioreqScope.showMemory', title: 'Show the page in the memory view', arguments: [n] };
    return item;
  }

  /**
   * One object per id for as long as it is shown: VS Code matches refreshed elements by identity. A newer node of the
   * same id is copied into it (and its class taken, for the one id whose kind can change: a domain's server
   * coming into being where "none (created on demand)" stood).
   */
  private objects = new Map<string, ModelNode>();
  private intern(n: ModelNode): ModelNode {
    const o = this.objects.get(n.id);
    if (!o) { this.objects.set(n.id, n); return n; }
    if (o === n) return o;
    if (Object.getPrototypeOf(o) !== Object.getPrototypeOf(n)) Object.setPrototypeOf(o, Object.getPrototypeOf(n));
    for (const k of Object.keys(o)) if (!(k in n)) delete (o as unknown as Record<string, unknown>)[k];
    Object.assign(o, n);
    return o;
  }

  getChildren(n?: ModelNode): ModelNode[] {
    const kids = (n ? this.tree.getChildren(n) : this.tree.getRoots()).map((k) => this.intern(k));
    if (n) this.shown.saw(n, kids);
    for (const k of kids) this.shown.saw(k);
    return kids;
  }

  getParent(n: ModelNode): ModelNode | undefined {
    const p = this.tree.getParent(n);
    if (!p) return undefined;
    // The object shown, as it is (the node's own parent may be older than it).
    return this.objects.get(p.id) ?? this.intern(this.tree.find(p.id) ?? p);
  }

  /**
   * After the model moved: fire only for shown nodes (under `roots`, default all) whose label/description/children
   * changed (or that lose a mark). Returns how many nodes are marked, -1 after a full redraw.
   */
  refreshChanged(roots: DirtyRoots = 'all'): number {
    if (this.shown.size > 3000) { this.shown.clear(); this.emitter.fire(undefined); return -1; }
    const r = this.shown.refresh(this.tree, (id) => this.objects.delete(id), roots === 'all' ? undefined : roots);
    if (r === 'all') { this.emitter.fire(undefined); return -1; }
    if (r.length) this.emitter.fire(r.map((n) => this.intern(n)));
    return this.shown.changed.size;
  }
}
