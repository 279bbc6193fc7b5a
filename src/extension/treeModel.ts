// The Model view's tree: the roots (one context per root id) and the nodes under them, one class per
// kind in nodes/*.ts, each with a typed key, a stable id, a parent and its own children(); and ChangeTracker, which
// compares what the view shows with the model now, for targeted refresh. No `vscode` here: provider.ts adapts it,
// and the mocha tests drive it directly.
import type { Model } from '../model/model';
import { ModelNode, RootContext, type RootSource } from './nodes/base';
import { rootNode } from './nodes/root';
import type { TreeNode } from './treeNode';

export type { NodeKind, TreeNode } from './treeNode';
export { ModelNode, PORT_BUCKET, VCPU_BUCKET, type RootSource } from './nodes/base';

/** The root id of a node id (ids are paths from their root). */
export function rootIdOf(id: string): string {
  const i = id.indexOf('/');
  return i < 0 ? id : id.slice(0, i);
}

/** Builds and answers for the whole tree. */
export class ModelTree {
  /** One context per root id, kept across setRoots so nodes built before read the newest source. */
  private roots = new Map<string, RootContext>();

  setRoots(roots: RootSource[]): void {
    const next = new Map<string, RootContext>();
    for (const r of roots) {
      const c = this.roots.get(r.id) ?? new RootContext(r.id, r);
      c.source = r;
      next.set(r.id, c);
    }
    this.roots = next;
  }

  getRoots(): ModelNode[] {
    return [...this.roots.values()].map(rootNode);
  }

  /** The node itself when it is one of this tree's, else the node now at its id. */
  private node(n: TreeNode): ModelNode | undefined {
    return n instanceof ModelNode ? n : this.find(n.id);
  }

  getParent(n: TreeNode): ModelNode | undefined {
    return this.node(n)?.parent;
  }

  getChildren(n: TreeNode): ModelNode[] {
    const node = this.node(n);
    // A node of a root that went away has no children (its context is no longer the tree's).
    if (!node || this.roots.get(node.ctx.rootId) !== node.ctx) return [];
    return node.children();
  }

  /**
   * Finds a node by id (walking from its root). `memo` keeps children lists by parent id, so many lookups in one
   * pass (a refresh) build each list once.
   */
  find(id: string, memo?: Map<string, ModelNode[]>): ModelNode | undefined {
    const parts = id.split('/');
    const kids = (n: ModelNode): ModelNode[] => {
      let k = memo?.get(n.id);
      if (!k) { k = this.getChildren(n); memo?.set(n.id, k); }
      return k;
    };
    let roots = memo?.get('');
    if (!roots) { roots = this.getRoots(); memo?.set('', roots); }
    let cur = roots.find((r) => r.id === parts[0]);
    for (let i = 1; cur && i < parts.length; i++) {
      const want = parts.slice(0, i + 1).join('/');
      cur = kids(cur).find((c) => c.id === want);
    }
    return cur;
  }

  /** The model behind a root id (or any node id under it), or null. */
  modelOf(id: string): Model | null {
    return this.roots.get(rootIdOf(id))?.model() ?? null;
  }
}

/** A cheap signature of what a node shows, to refresh only the nodes that changed. */
export function signature(n: TreeNode): string {
  return `${n.label}|${n.description ?? ''}|${n.icon}|${n.tooltip ?? ''}`;
}

/**
 * What the view shows and what changed at the last refresh, without `vscode` (provider.ts fires the nodes it
 * returns). Each shown node's signature and children are kept; a refresh compares them with the model now: the nodes
 * whose content changed are marked (until the next refresh), and those to redraw are the changed ones plus the ones
 * marked before (their mark goes).
 */
export class ChangeTracker {
  private shown = new Map<string, { sig: string; children?: string[] }>();
  /** Nodes that changed at the last refresh. */
  changed = new Set<string>();

  clear(): void {
    this.shown.clear();
    this.changed.clear();
  }

  get size(): number {
    return this.shown.size;
  }

  /** Records that `n` is shown with these children (or, with none, only that it is shown). */
  saw(n: TreeNode, children?: TreeNode[]): void {
    if (children) this.shown.set(n.id, { sig: signature(n), children: children.map((k) => k.id) });
    else if (!this.shown.has(n.id)) this.shown.set(n.id, { sig: signature(n) });
  }

  /**
   * Compares what is shown with the tree now. Returns the nodes to redraw (as `tree` builds them now), or 'all' when a
   * root came or went; `gone` gets the ids no longer there. With `roots`, only the nodes under those roots are
   * compared, and only their marks are renewed (the other roots keep theirs until they are refreshed).
   */
  refresh(tree: ModelTree, gone?: (id: string) => void, roots?: ReadonlySet<string>): ModelNode[] | 'all' {
    const redraw = new Map<string, ModelNode>();
    const inScope = (id: string) => !roots || roots.has(rootIdOf(id));
    const before = this.changed;
    this.changed = new Set(roots ? [...before].filter((id) => !inScope(id)) : []);
    let rootsChanged = false;
    const memo = new Map<string, ModelNode[]>();
    for (const [id, was] of [...this.shown]) {
      if (!inScope(id)) continue;
      const now = tree.find(id, memo);
      if (!now) { this.shown.delete(id); gone?.(id); if (!id.includes('/')) rootsChanged = true; continue; }
      const kids = was.children ? (memo.get(id) ?? tree.getChildren(now)).map((k) => k.id) : undefined;
      if (signature(now) !== was.sig || (kids && kids.join() !== was.children!.join())) {
        this.shown.set(id, { sig: signature(now), children: kids });
        // A node is marked when its own line changed (a new child list alone redraws it unmarked).
        if (signature(now) !== was.sig) this.changed.add(id);
        redraw.set(id, now);
      } else if (before.has(id)) redraw.set(id, now);
    }
    return rootsChanged ? 'all' : [...redraw.values()];
  }
}
