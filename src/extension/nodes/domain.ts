// The Model view's domain node: a domain's state, and under it its vcpus, its ioreq server(s), its special pages, its
// event channels and (HVM) its params (see base.ts for what a node is).
import type { Domain } from '../../model/xen';
import { serversOf } from '../../model/servers';
import { domainOf, ModelNode, type DomainKey } from './base';
import { EvtchnsNode } from './evtchns';
import { PagesNode } from './pages';
import { ParamsNode } from './params';
import { IoserversNode, ServerNode } from './server';
import { VcpusNode } from './vcpus';

export class DomainNode extends ModelNode<DomainKey> {
  get kind(): 'domain' { return 'domain'; }
  static idOf(k: DomainKey): string { return `${k.rootId}/d${k.domid}`; }
  constructor(parent: ModelNode, d: Domain) {
    const key = { rootId: parent.ctx.rootId, domid: d.domain_id };
    const state = d.is_dying ? (d.is_dying === 2 ? 'destroyed' : 'dying') : d.crashed ? 'CRASHED' : d.pause_count ? `paused (${d.pause_count})` : 'running';
    super(parent, key, parent.ctx, DomainNode.idOf(key), {
      label: `d${d.domain_id}${d.is_hvm ? ' (HVM)' : ''}`, description: state,
      tooltip: `**domain ${d.domain_id}**${d.is_hvm ? ' (HVM)' : ''}\n\n- ${d.vcpu.length} vcpu(s), pause count ${d.pause_count}\n- ${d.crashed ? `crashed: ${d.crashed.reason}` : 'not crashed'}\n- ioreq server: ${d.arch.hvm_domain.ioreq_server ? `for d${d.arch.hvm_domain.ioreq_server.domid}` : 'none'}`,
      contextValue: 'domain', icon: d.crashed ? 'error' : d.is_hvm ? 'vm' : 'vm-outline', collapsible: true, data: { domid: d.domain_id },
    });
  }
  children(): ModelNode[] {
    const m = this.ctx.model();
    const d = domainOf(this.ctx, this.key);
    if (!m || !d) return [];
    const out: ModelNode[] = [new VcpusNode(this, d)];
    if (d.is_hvm) {
      const several = serversOf(m.profile, d);
      // A profile with server ids (4.5's list, today's eight slots): one node per server; else the one server (or
      // a line saying there is none yet: the seed creates it on demand).
      if (several.some((sv) => sv.id !== null)) out.push(new IoserversNode(this, d, several));
      else out.push(d.arch.hvm_domain.ioreq_server ? new ServerNode(this, d) : ServerNode.none(this));
      out.push(new PagesNode(this, d));
    }
    out.push(new EvtchnsNode(this, d));
    if (d.is_hvm) out.push(new ParamsNode(this, d));
    return out;
  }
}

