// The Model view's event-channel nodes: a domain's ports in use (state above ECS_RESERVED: unbound, interdomain, pirq,
// virq, ipi), in buckets of PORT_BUCKET when there are more (see base.ts for what a node is).
import { ECS_NAMES } from '../../model/evtchn';
import type { Domain } from '../../model/xen';
import { domainOf, ModelNode, PORT_BUCKET, type DomainKey } from './base';

/** A domain's event channels. */
export class EvtchnsNode extends ModelNode<DomainKey> {
  get kind(): 'evtchns' { return 'evtchns'; }
  static idOf(k: DomainKey): string { return `${k.rootId}/d${k.domid}/evtchns`; }
  constructor(parent: ModelNode, d: Domain) {
    const key = { rootId: parent.ctx.rootId, domid: d.domain_id };
    super(parent, key, parent.ctx, EvtchnsNode.idOf(key), {
      label: 'event channels', description: String(d.evtchn.ports.filter((c) => c.state > 1).length), contextValue: 'evtchns', icon: 'radio-tower', collapsible: true,
    });
  }
  children(): ModelNode[] {
    const d = domainOf(this.ctx, this.key);
    if (!d) return [];
    const used = d.evtchn.ports.map((c, p) => ({ c, p })).filter(({ c }) => c.state > 1);
    if (used.length <= PORT_BUCKET) return used.map(({ p }) => new PortNode(this, d, p));
    const out: ModelNode[] = [];
    for (let b = 0; b < used.length; b += PORT_BUCKET) out.push(new PortBucketNode(this, used[b].p, used[Math.min(used.length, b + PORT_BUCKET) - 1].p));
    return out;
  }
}

export interface PortBucketKey extends DomainKey { lo: number; hi: number }

/** The ports in use from lo to hi (PORT_BUCKET of them, the last bucket fewer). */
export class PortBucketNode extends ModelNode<PortBucketKey> {
  get kind(): 'portBucket' { return 'portBucket'; }
  static idOf(k: PortBucketKey): string { return `${EvtchnsNode.idOf(k)}/${PortBucketNode.segment(k)}`; }
  /** The bucket's own part of the ids under it. */
  static segment(b: { lo: number; hi: number }): string { return `${b.lo}-${b.hi}`; }
  constructor(parent: EvtchnsNode, lo: number, hi: number) {
    const key = { rootId: parent.key.rootId, domid: parent.key.domid, lo, hi };
    super(parent, key, parent.ctx, PortBucketNode.idOf(key), { label: `ports ${lo}–${hi}`, contextValue: 'bucket', icon: 'folder', collapsible: true });
  }
  children(): ModelNode[] {
    const d = domainOf(this.ctx, this.key);
    if (!d) return [];
    const out: ModelNode[] = [];
    for (let p = this.key.lo; p <= this.key.hi && p < d.evtchn.ports.length; p++) if (d.evtchn.ports[p].state > 1) out.push(new PortNode(this, d, p));
    return out;
  }
}

export interface PortKey extends DomainKey { port: number; /** The bucket it is shown in, if any. */ bucket?: { lo: number; hi: number } }

/** One port: its state, its peer, pending or not, Xen-owned or not. */
export class PortNode extends ModelNode<PortKey> {
  get kind(): 'port' { return 'port'; }
  static idOf(k: PortKey): string { return `${EvtchnsNode.idOf(k)}${k.bucket ? '/' + PortBucketNode.segment(k.bucket) : ''}/${k.port}`; }
  constructor(parent: EvtchnsNode | PortBucketNode, d: Domain, port: number) {
    // (The bucket's own key stands for its bounds: one object for all its ports.)
    const key: PortKey = parent instanceof PortBucketNode ? { rootId: parent.key.rootId, domid: d.domain_id, port, bucket: parent.key } : { rootId: parent.key.rootId, domid: d.domain_id, port };
    const c = d.evtchn.ports[port];
    const peer = c.state === 2 ? `unbound, remote d${c.remote_domid}` : c.state === 3 ? `→ d${c.remote_dom}:${c.remote_port}` : ECS_NAMES[c.state];
    super(parent, key, parent.ctx, PortNode.idOf(key), {
      label: `port ${port}`, description: `${peer}${c.xen_consumer ? ' (Xen)' : ''}${c.pending ? ' PENDING' : ''}`,
      tooltip: `**d${d.domain_id} port ${port}**: ${ECS_NAMES[c.state]}${c.xen_consumer ? `, Xen-owned, notifies vcpu ${c.notify_vcpu_id}` : ''}\n\n${peer}${c.pending ? '\n\npending' : ''}`,
      contextValue: 'port', icon: c.pending ? 'bell-dot' : 'radio-tower', collapsible: false,
    });
  }
  children(): ModelNode[] { return []; }
}
