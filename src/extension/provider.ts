// The Model view's TreeDataProvider over treeModel.ts, refreshing only the nodes whose content changed, and marking
// them (their label highlighted, "changed at the last stop" in the tooltip) until the next refresh.
import * as vscode from 'vscode';
import { ChangeTracker, ModelTree, type RootSource, type TreeNode } from './treeModel';

const COLLAPSED = vscode.TreeItemCollapsibleState.Collapsed;
const NONE = vscode.TreeItemCollapsibleState.None;

export class ModelTreeProvider implements vscode.TreeDataProvider<TreeNode> {
  readonly tree = new ModelTree();
  private emitter = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  /** What each shown node looked like, and its children's ids, for targeted refresh; what changed last. */
  readonly shown = new ChangeTracker();
  private rootKey = '';

  /** Sets the roots; when they are the same roots as before (ids and labels), only what changed is redrawn. */
  setRoots(roots: RootSource[]): void {
    const key = roots.map((r) => `${r.id}|${r.label}|${r.description ?? ''}`).join('\n');
    this.tree.setRoots(roots);
    if (key === this.rootKey) { this.refreshChanged(); return; }
    this.rootKey = key;
    this.shown.clear();
    this.objects.clear();
    this.emitter.fire(undefined);
  }

  getTreeItem(n: TreeNode): vscode.TreeItem {
    const changed = this.shown.changed.has(n.id);
    const item = new vscode.TreeItem(changed ? { label: n.label, highlights: [[0, n.label.length]] } : n.label, n.collapsible ? COLLAPSED : NONE);
    item.id = n.id;
    item.description = n.description;
    const tip = changed ? `${n.tooltip ? n.tooltip + '\n\n' : ''}*changed at the last stop*` : n.tooltip;
    if (tip) item.tooltip = new vscode.MarkdownString(tip);
    item.contextValue = n.contextValue;
    item.iconPath = new vscode.ThemeIcon(n.icon);
    if (n.kind === 'page') item.command = { command: 'ioreqScope.revealPage', title: 'Reveal page bytes', arguments: [n] };
    return item;
  }

  /** One object per id for as long as it is shown: VS Code matches refreshed elements by identity. */
  private objects = new Map<string, TreeNode>();
  private intern(n: TreeNode): TreeNode {
    const o = this.objects.get(n.id);
    if (!o) { this.objects.set(n.id, n); return n; }
    for (const k of Object.keys(o) as Array<keyof TreeNode>) if (!(k in n)) delete (o as unknown as Record<string, unknown>)[k];
    Object.assign(o, n);
    return o;
  }

  getChildren(n?: TreeNode): TreeNode[] {
    const kids = (n ? this.tree.getChildren(n) : this.tree.getRoots()).map((k) => this.intern(k));
    if (n) this.shown.saw(n, kids);
    for (const k of kids) this.shown.saw(k);
    return kids;
  }

  getParent(n: TreeNode): TreeNode | undefined {
    const p = this.tree.getParent(n);
    return p ? this.intern(p) : undefined;
  }

  /** After the model moved: fire only for shown nodes whose label/description/children changed (or lose a mark). */
  refreshChanged(): number {
    if (this.shown.size > 3000) { this.shown.clear(); this.emitter.fire(undefined); return -1; }
    const r = this.shown.refresh(this.tree, (id) => this.objects.delete(id));
    if (r === 'all') { this.emitter.fire(undefined); return -1; }
    if (r.length) this.emitter.fire(r.map((n) => this.intern(n)));
    return this.shown.changed.size;
  }
}
