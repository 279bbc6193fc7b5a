// The Model view's nodes, one class per kind (this module: the base class, the generic leaf, and what every node of a
// root shares). A node has a typed key, its id derived from that key (the ids are what VS Code keeps expansion and
// selection by, so they never change shape), a parent, its display fields (computed from the model when it is built)
// and children() built from the model as it is now. No `vscode` here: provider.ts adapts the nodes, the mocha tests
// drive them.
import type { Model } from '../../model/model';
import type { HostSnapshot } from '../../live/parse';
import type { NodeKind, TreeNode } from '../treeNode';

/** A live host's snapshot and connection state (hosts.ts keeps one per host). */
export interface HostState {
  snapshot?: HostSnapshot;
  /** The last error, shown beside the (older) snapshot it did not replace. */
  error?: string;
  status: 'connecting' | 'connected' | 'error' | 'disconnected';
}

/** Where a root's model comes from: a scenario file's final state, a debug session's live state, or a live host. */
export interface RootSource {
  id: string;
  label: string;
  description?: string;
  model(): Model | null;
  /** For a live host: its snapshot and connection state instead of a model. */
  host?: () => HostState;
  /** A codicon for the root (default: server-environment). */
  icon?: string;
}

/**
 * What every node under one root reads through: the root's current source. The tree keeps one context per root id
 * and points it at the newest source on every setRoots, so a node built before still reads the model of now.
 */
export class RootContext {
  constructor(readonly rootId: string, public source: RootSource) {}
  model(): Model | null { return this.source.model(); }
  host(): HostState | undefined { return this.source.host?.(); }
}

/** The key every node has: the root it is under. */
export interface RootKey { rootId: string }
/** The key of a node about one domain. */
export interface DomainKey extends RootKey { domid: number }

/** What a node shows: the TreeNode fields other than id and kind. */
export type Display = Omit<TreeNode, 'id' | 'kind'>;

export const VCPU_BUCKET = 32;
export const PORT_BUCKET = 256;

/** A node of the Model view. Subclasses fix the kind and the key type, and build their children. */
export abstract class ModelNode<K extends RootKey = RootKey> implements TreeNode {
  // Fields are declared, not defined, and set in the constructor: many node classes share this constructor, and
  // defined class fields there would make every node's construction take V8's slow (megamorphic) path.
  abstract readonly kind: NodeKind;
  declare readonly parent: ModelNode | undefined;
  declare readonly key: K;
  declare readonly ctx: RootContext;
  declare readonly id: string;
  declare label: string;
  declare description?: string;
  declare tooltip?: string;
  declare contextValue: string;
  declare icon: string;
  declare collapsible: boolean;
  declare data?: Record<string, unknown>;

  constructor(parent: ModelNode | undefined, key: K, ctx: RootContext, id: string, show: Display) {
    this.parent = parent;
    this.key = key;
    this.ctx = ctx;
    this.id = id;
    this.label = show.label;
    if ('description' in show) this.description = show.description;
    if ('tooltip' in show) this.tooltip = show.tooltip;
    this.contextValue = show.contextValue;
    this.icon = show.icon;
    this.collapsible = show.collapsible;
    if ('data' in show) this.data = show.data;
  }

  /** The children as the model is now (none when the model or the thing the node stands for is gone). */
  abstract children(): ModelNode[];

  /** The node as plain data (what the view shows and what commands read). */
  toData(): TreeNode {
    const out: TreeNode = { id: this.id, kind: this.kind, label: this.label, contextValue: this.contextValue, icon: this.icon, collapsible: this.collapsible };
    if (this.description !== undefined) out.description = this.description;
    if (this.tooltip !== undefined) out.tooltip = this.tooltip;
    if (this.data !== undefined) out.data = this.data;
    return out;
  }

  /** Its parents up to the root, nearest first. */
  ancestors(): ModelNode[] {
    const out: ModelNode[] = [];
    for (let p = this.parent; p; p = p.parent) out.push(p);
    return out;
  }
}

/** The key of a leaf: the id of the node it is under and its own name there. */
export interface LeafKey extends RootKey { under: string; name: string }

/** A leaf that only shows a line (a server's field, Xen's panic, a host's section or console line …). */
export class InfoNode extends ModelNode<LeafKey> {
  get kind(): 'info' { return 'info'; }
  static idOf(k: LeafKey): string { return `${k.under}/${k.name}`; }
  constructor(parent: ModelNode, name: string, show: Omit<Display, 'collapsible' | 'contextValue'> & { contextValue?: string }) {
    const key = { rootId: parent.ctx.rootId, under: parent.id, name };
    super(parent, key, parent.ctx, InfoNode.idOf(key), { contextValue: 'info', ...show, collapsible: false });
  }
  children(): ModelNode[] { return []; }
}

/** The domain a domain-keyed node is about, in the model as it is now. */
export function domainOf(ctx: RootContext, key: DomainKey) {
  return ctx.model()?.x.domains.get(key.domid);
}
