// The Model view's TreeDataProvider over treeModel.ts, refreshing only the nodes whose content changed.
import * as vscode from 'vscode';
import { ModelTree, signature, type RootSource, type TreeNode } from './treeModel';

const COLLAPSED = vscode.TreeItemCollapsibleState.Collapsed;
const NONE = vscode.TreeItemCollapsibleState.None;

export class ModelTreeProvider implements vscode.TreeDataProvider<TreeNode> {
  readonly tree = new ModelTree();
  private emitter = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  /** What each shown node looked like, and its children's ids, for targeted refresh. */
  private shown = new Map<string, { sig: string; children?: string[] }>();

  setRoots(roots: RootSource[]): void {
    this.tree.setRoots(roots);
    this.shown.clear();
    this.objects.clear();
    this.emitter.fire(undefined);
  }

  getTreeItem(n: TreeNode): vscode.TreeItem {
    const item = new vscode.TreeItem(n.label, n.collapsible ? COLLAPSED : NONE);
    item.id = n.id;
    item.description = n.description;
    if (n.tooltip) item.tooltip = new vscode.MarkdownString(n.tooltip);
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
    if (n) this.shown.set(n.id, { sig: signature(n), children: kids.map((k) => k.id) });
    for (const k of kids) if (!this.shown.has(k.id)) this.shown.set(k.id, { sig: signature(k) });
    return kids;
  }

  getParent(n: TreeNode): TreeNode | undefined {
    const p = this.tree.getParent(n);
    return p ? this.intern(p) : undefined;
  }

  /** After the model moved: fire only for shown nodes whose label/description/children changed. */
  refreshChanged(): number {
    if (this.shown.size > 3000) { this.shown.clear(); this.emitter.fire(undefined); return -1; }
    const changed: TreeNode[] = [];
    let rootsChanged = false;
    const memo = new Map<string, TreeNode[]>();
    for (const [id, before] of [...this.shown]) {
      const found = this.tree.find(id, memo);
      if (!found) { this.shown.delete(id); this.objects.delete(id); if (!id.includes('/')) rootsChanged = true; continue; }
      const now = this.intern(found);
      const kids = before.children ? (memo.get(id) ?? this.tree.getChildren(now)).map((k) => k.id) : undefined;
      if (signature(now) !== before.sig || (kids && kids.join() !== before.children!.join())) {
        changed.push(now);
        this.shown.set(id, { sig: signature(now), children: kids });
      }
    }
    if (rootsChanged) this.emitter.fire(undefined);
    else if (changed.length) this.emitter.fire(changed);
    return changed.length;
  }
}
