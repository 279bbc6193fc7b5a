// The Model view's ioreq-server nodes: a profile with one server per domain (the seed's on-demand hvm_ioreq_server)
// shows it with its fields; a profile with server ids (4.5's list, today's slots) shows one node per server under
// "ioreq servers" (see base.ts for what a node is).
import * as A from '../../model/abi';
import type { Domain } from '../../model/xen';
import { hexRange, serversOf, type ServerView } from '../../model/servers';
import { domainOf, InfoNode, ModelNode, type DomainKey } from './base';

/** "read R, write W (N queued)" of a buffered ring's pointers. */
function ringText(va: DataView): string {
  const p = A.readBufPointers(va);
  return `read ${p.read_pointer}, write ${p.write_pointer} (${(p.write_pointer - p.read_pointer) >>> 0} queued)`;
}

/** The single ioreq server of a domain (a profile without server ids); without one, an InfoNode stands in its place. */
export class ServerNode extends ModelNode<DomainKey> {
  get kind(): 'server' { return 'server'; }
  static idOf(k: DomainKey): string { return `${k.rootId}/d${k.domid}/server`; }
  constructor(parent: ModelNode, d: Domain) {
    const key = { rootId: parent.ctx.rootId, domid: d.domain_id };
    const s = d.arch.hvm_domain.ioreq_server!;
    super(parent, key, parent.ctx, ServerNode.idOf(key), {
      label: 'ioreq server', description: `dm d${s.domid}${s.freed ? ' (freed)' : ''}`, contextValue: 'server', icon: 'server-process', collapsible: true,
      tooltip: `**hvm_ioreq_server** of d${d.domain_id}\n\n- domid (device model): ${s.domid}\n- ioreq page: ${s.ioreq.page === null ? 'none' : A.hex(s.ioreq.page)}\n- bufioreq page: ${s.buf_ioreq.page === null ? 'none' : A.hex(s.buf_ioreq.page)}\n- buffered port: ${s.buf_ioreq_evtchn}`,
    });
  }
  /** What stands at this id when the domain has no server yet. */
  static none(parent: ModelNode): InfoNode {
    return new InfoNode(parent, 'server', { label: 'ioreq server', description: 'none (created on demand)', icon: 'circle-slash' });
  }
  children(): ModelNode[] {
    const d = domainOf(this.ctx, this.key);
    const s = d?.arch.hvm_domain.ioreq_server;
    if (!d || !s) return [];
    const pfn = (page: number | null) => (page === null ? {} : { data: { pfn: page, domid: d.domain_id }, contextValue: 'pfn' });
    return [
      new InfoNode(this, 'domid', { label: 'domid', description: `d${s.domid}`, icon: 'plug' }),
      new InfoNode(this, 'ioreq', { label: 'ioreq pfn', description: s.ioreq.page === null ? 'unmapped' : A.hex(s.ioreq.page), icon: 'file-binary', ...pfn(s.ioreq.page) }),
      new InfoNode(this, 'bufioreq', { label: 'bufioreq pfn', description: s.buf_ioreq.page === null ? 'unmapped' : A.hex(s.buf_ioreq.page), icon: 'file-binary', ...pfn(s.buf_ioreq.page) }),
      new InfoNode(this, 'ports', { label: 'per-vcpu ports', description: d.vcpu.map((v) => s.ioreq_evtchn[v.vcpu_id]).join(', ') || 'none', icon: 'radio-tower' }),
      new InfoNode(this, 'bufport', { label: 'buffered port', description: String(s.buf_ioreq_evtchn), icon: 'radio-tower' }),
      ...(s.buf_ioreq.va ? [new InfoNode(this, 'ring', { label: 'buffered ring', description: ringText(s.buf_ioreq.va), icon: 'list-ordered' })] : []),
    ];
  }
}

/** A domain's ioreq servers (profiles with server ids). */
export class IoserversNode extends ModelNode<DomainKey> {
  get kind(): 'ioservers' { return 'ioservers'; }
  static idOf(k: DomainKey): string { return `${k.rootId}/d${k.domid}/ioservers`; }
  constructor(parent: ModelNode, d: Domain, servers: ServerView[]) {
    const key = { rootId: parent.ctx.rootId, domid: d.domain_id };
    super(parent, key, parent.ctx, IoserversNode.idOf(key), {
      label: 'ioreq servers', description: `${servers.length} (${servers.filter((sv) => sv.enabled).length} enabled)`, contextValue: 'ioservers', icon: 'server-process', collapsible: true,
    });
  }
  children(): ModelNode[] {
    const m = this.ctx.model();
    const d = domainOf(this.ctx, this.key);
    return m && d ? serversOf(m.profile, d).map((sv) => new IoserverNode(this, d, sv)) : [];
  }
}

export interface IoserverKey extends DomainKey { server: number }

/** One ioreq server by id: its emulator, state, ranges, pages, ports and buffered ring. */
export class IoserverNode extends ModelNode<IoserverKey> {
  get kind(): 'ioserver' { return 'ioserver'; }
  static idOf(k: IoserverKey): string { return `${IoserversNode.idOf(k)}/${k.server}`; }
  constructor(parent: IoserversNode, d: Domain, sv: ServerView) {
    const key = { rootId: parent.key.rootId, domid: parent.key.domid, server: sv.id! };
    super(parent, key, parent.ctx, IoserverNode.idOf(key), {
      label: `ioreq server ${sv.id}${sv.isDefault ? ' (default)' : ''}`,
      description: `d${sv.emulator}, ${sv.freed ? 'destroyed' : sv.enabled ? 'enabled' : 'disabled'}`,
      tooltip: `**ioreq server ${sv.id}** of d${d.domain_id}\n\n- emulator: d${sv.emulator}\n- ${sv.enabled ? 'enabled' : 'disabled'}\n- ranges: ${rangesText(sv)}`,
      contextValue: 'ioserver', icon: sv.enabled ? 'server-process' : 'debug-disconnect', collapsible: true,
    });
  }
  children(): ModelNode[] {
    const m = this.ctx.model();
    const d = domainOf(this.ctx, this.key);
    const sv = m && d ? serversOf(m.profile, d).find((x) => x.id === this.key.server) : undefined;
    if (!d || !sv) return [];
    const page = (name: string, label: string, p: ServerView['ioreq']) => new InfoNode(this, name, {
      label, description: p.gfn === null ? (p.va ? `Xen page (${p.how})` : 'none') : `${A.hex(p.gfn)} (${p.how})`, icon: 'file-binary',
      ...(p.gfn === null ? {} : { data: { pfn: p.gfn, domid: d.domain_id }, contextValue: 'pfn' }),
    });
    return [
      new InfoNode(this, 'emulator', { label: 'emulator', description: `d${sv.emulator}`, icon: 'plug' }),
      new InfoNode(this, 'state', { label: 'state', description: sv.freed ? 'destroyed' : sv.enabled ? 'enabled' : 'disabled', icon: sv.enabled ? 'pass' : 'circle-slash' }),
      new InfoNode(this, 'ranges', { label: 'ranges', description: rangesText(sv), icon: 'symbol-array' }),
      page('ioreq', 'ioreq page', sv.ioreq),
      page('bufioreq', 'bufioreq page', sv.bufioreq),
      new InfoNode(this, 'bufmode', { label: 'buffered mode', description: ['HVM_IOREQSRV_BUFIOREQ_OFF', 'HVM_IOREQSRV_BUFIOREQ_LEGACY', 'HVM_IOREQSRV_BUFIOREQ_ATOMIC'][sv.bufioreqHandling] ?? String(sv.bufioreqHandling), icon: 'settings' }),
      new InfoNode(this, 'ports', { label: 'per-vcpu ports', description: d.vcpu.map((v) => sv.ioreqEvtchn[v.vcpu_id] ?? -1).join(', ') || 'none', icon: 'radio-tower' }),
      new InfoNode(this, 'bufport', { label: 'buffered port', description: String(sv.bufIoreqEvtchn), icon: 'radio-tower' }),
      ...(sv.bufioreq.va ? [new InfoNode(this, 'ring', { label: 'buffered ring', description: ringText(sv.bufioreq.va), icon: 'list-ordered' })] : []),
    ];
  }
}

/** A server's ranges in one line: `port 0x3f8-0x3ff; mmio 0xfebf0000-0xfebfffff; pci 0:0:3.0`, or the catch-all. */
export function rangesText(sv: ServerView): string {
  if (!sv.ranges) return 'all (catch-all)';
  const r = (xs: Array<[bigint, bigint]>) => xs.map(hexRange).join(', ');
  const parts = [['port', sv.ranges.port], ['mmio', sv.ranges.mmio], ['pci', sv.ranges.pci]].filter(([, xs]) => (xs as unknown[]).length).map(([k, xs]) => `${k} ${r(xs as Array<[bigint, bigint]>)}`);
  return parts.join('; ') || 'none mapped';
}
