// The Model view's roots: a model's root (a scenario file's final state or a debug session's live state) with its
// domains, Xen's panic if it panicked and the device models; or a live host's (host.ts). See base.ts for what a node
// is.
import { InfoNode, ModelNode, type RootContext, type RootKey } from './base';
import { DmsNode } from './dms';
import { DomainNode } from './domain';
import { HostRootNode } from './host';

/** A root over a model. */
export class ModelRootNode extends ModelNode<RootKey> {
  get kind(): 'root' { return 'root'; }
  static idOf(k: RootKey): string { return k.rootId; }
  constructor(ctx: RootContext) {
    const key = { rootId: ctx.rootId };
    const { label, description, icon } = ctx.source;
    const m = ctx.model();
    super(undefined, key, ctx, ModelRootNode.idOf(key), {
      label, description: description ?? (m ? `${m.profile}` : 'not loaded'),
      tooltip: m ? `**${label}**\n\nprofile \`${m.profile}\`, ${m.x.domains.size} domain(s)${m.x.panic ? `\n\n**Xen panicked:** ${m.x.panic.message}` : ''}` : undefined,
      contextValue: 'root', icon: icon ?? 'server-environment', collapsible: true,
    });
  }
  children(): ModelNode[] {
    const m = this.ctx.model();
    if (!m) return [];
    const out: ModelNode[] = [...m.x.domains.values()].map((d) => new DomainNode(this, d));
    if (m.dms.size) out.push(new DmsNode(this, m.dms.size));
    if (m.x.panic) out.unshift(new InfoNode(this, 'panic', { label: 'Xen panicked', description: m.x.panic.message, icon: 'error' }));
    return out;
  }
}

/** The root node of a root's source: a live host's, or a model's. */
export function rootNode(ctx: RootContext): ModelNode {
  return ctx.source.host ? new HostRootNode(ctx) : new ModelRootNode(ctx);
}
