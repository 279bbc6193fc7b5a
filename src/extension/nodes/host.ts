// The Model view's nodes for a live host's snapshot (src/live): Xen, domains, device models, event channels, console
// lines. A section whose read failed shows as a warning line in its place; one kept from an earlier snapshot says so
// (see base.ts for what a node is).
import { deviceModelPorts, type DeviceModelInfo, type DomainInfo, type Evtchn, type HostSnapshot, type Section } from '../../live/parse';
import { InfoNode, ModelNode, type DomainKey, type RootContext, type RootKey } from './base';

export type { HostState } from './base';

/** ", kept from HH:MM:SS (refresh failed)" for a section kept from an earlier snapshot; its tooltip says why. */
function staleNote(sec: Section<unknown>): string {
  return sec.ok && sec.staleSince !== undefined ? ` — kept from ${new Date(sec.staleSince).toISOString().slice(11, 19)} (refresh failed)` : '';
}
function staleTip(sec: Section<unknown>): string | undefined {
  return sec.ok && sec.staleSince !== undefined ? `**Kept from ${new Date(sec.staleSince).toISOString()}**\n\nThe last refresh of this section failed: ${sec.refreshError ?? ''}` : undefined;
}

/** A port of the host's `lsevtchn` lines, as the host's port leaves show it. */
function portLine(p: Evtchn): string {
  return `${p.kind}${p.remoteDomain !== undefined ? ` → d${p.remoteDomain}${p.remotePort !== undefined ? ':' + p.remotePort : ''}` : ''}, vcpu ${p.vcpu}`;
}

/** The snapshot now (none while connecting the first time, or after a disconnect). */
const snapshotOf = (ctx: RootContext): HostSnapshot | undefined => ctx.host()?.snapshot;

/** A live host: its connection state; under it the last refresh's error and the snapshot's sections. */
export class HostRootNode extends ModelNode<RootKey> {
  get kind(): 'root' { return 'root'; }
  static idOf(k: RootKey): string { return k.rootId; }
  constructor(ctx: RootContext) {
    const key = { rootId: ctx.rootId };
    const { label, description } = ctx.source;
    const st = ctx.host()!;
    const icon = st.status === 'connected' ? 'remote' : st.status === 'error' ? 'debug-disconnect' : st.status === 'connecting' ? 'sync' : 'circle-slash';
    super(undefined, key, ctx, HostRootNode.idOf(key), {
      label, description: description ?? st.status, contextValue: 'host', icon, collapsible: true,
      tooltip: `**live host ${label}** (${st.status})${st.snapshot ? `\n\nsnapshot ${new Date(st.snapshot.takenAt).toISOString()}` : ''}${st.error ? `\n\nlast error: ${st.error}` : ''}`, data: { host: label },
    });
  }
  children(): ModelNode[] {
    const st = this.ctx.host();
    if (!st) return [];
    const s = st.snapshot;
    const out: ModelNode[] = [];
    if (st.error) out.push(new InfoNode(this, 'error', { label: 'last refresh failed', description: st.error, icon: 'warning', tooltip: `**The last refresh failed**\n\n${st.error}${s ? '\n\nThe snapshot below is the previous one.' : ''}` }));
    if (!s) return out;
    out.push(s.xen.ok
      ? new InfoNode(this, 'xen', { label: 'Xen', description: `${s.xen.value.version}${staleNote(s.xen)}`, icon: s.xen.staleSince !== undefined ? 'history' : 'info',
        tooltip: staleTip(s.xen) ?? `**Xen ${s.xen.value.version}** on ${s.host.hostname}\n\n${s.host.kernel}\n\nsnapshot ${new Date(s.takenAt).toISOString()}` })
      : new InfoNode(this, 'xen', { label: 'Xen', description: s.xen.error, icon: 'warning' }));
    out.push(s.domains.ok
      ? new HostDomainsNode(this, `${s.domains.value.length}${staleNote(s.domains)}`, staleTip(s.domains) ?? s.domains.note)
      : new InfoNode(this, 'domains', { label: 'domains', description: s.domains.error, icon: 'warning' }));
    out.push(s.deviceModels.ok
      ? new HostDmsNode(this, `${s.deviceModels.value.length}${staleNote(s.deviceModels)}`, staleTip(s.deviceModels))
      : new InfoNode(this, 'dms', { label: 'device models', description: s.deviceModels.error, icon: 'warning' }));
    out.push(s.console.ok
      ? new HostConsoleNode(this, s.console.value.length, `${s.console.value.length}${staleNote(s.console)}`, staleTip(s.console))
      : new InfoNode(this, 'console', { label: 'console', description: s.console.error, icon: 'warning' }));
    return out;
  }
}

/** The host's domains (`xl list`). */
export class HostDomainsNode extends ModelNode<RootKey> {
  get kind(): 'hostDomains' { return 'hostDomains'; }
  static idOf(k: RootKey): string { return `${k.rootId}/domains`; }
  constructor(parent: HostRootNode, description: string, tooltip: string | undefined) {
    super(parent, parent.key, parent.ctx, HostDomainsNode.idOf(parent.key), { label: 'domains', description, icon: 'vm', collapsible: true, tooltip, contextValue: 'info' });
  }
  children(): ModelNode[] {
    const s = snapshotOf(this.ctx);
    return s?.domains.ok ? s.domains.value.map((d) => new HostDomainNode(this, d)) : [];
  }
}

/** One of the host's domains: its event channels, its HVM params, the device models serving it. */
export class HostDomainNode extends ModelNode<DomainKey> {
  get kind(): 'hostDomain' { return 'hostDomain'; }
  static idOf(k: DomainKey): string { return `${HostDomainsNode.idOf(k)}/d${k.domid}`; }
  constructor(parent: HostDomainsNode, d: DomainInfo) {
    const key = { rootId: parent.ctx.rootId, domid: d.domid };
    super(parent, key, parent.ctx, HostDomainNode.idOf(key), {
      label: `d${d.domid} ${d.name ?? ''}`.trim(), description: `${d.type}${d.vcpus !== undefined ? `, ${d.vcpus} vcpu(s)` : ''}`, icon: d.type === 'hvm' ? 'vm' : 'vm-outline', collapsible: true,
      tooltip: undefined, contextValue: 'hostDomain',
    });
  }
  children(): ModelNode[] {
    const s = snapshotOf(this.ctx);
    if (!s) return [];
    const domid = this.key.domid;
    const out: ModelNode[] = [];
    const ev = s.evtchns.ok ? s.evtchns.value.find((e) => e.domid === domid) : undefined;
    if (!s.evtchns.ok) out.push(new InfoNode(this, 'evtchns', { label: 'event channels', description: s.evtchns.error, icon: 'warning' }));
    else if (ev?.error) out.push(new InfoNode(this, 'evtchns', { label: 'event channels', description: ev.error, icon: 'warning' }));
    else if (ev) out.push(new HostPortsNode(this, ev.ports.length));
    const pr = s.params.ok ? s.params.value.find((p) => p.domid === domid) : undefined;
    if (pr) for (const [k, v] of Object.entries(pr.params)) out.push(new InfoNode(this, `param-${k}`, { label: k, description: /PFN/.test(k) ? '0x' + v.toString(16) : String(v), icon: 'symbol-constant', tooltip: `read from ${pr.source}` }));
    if (s.deviceModels.ok) for (const dm of s.deviceModels.value.filter((x) => x.target === domid)) out.push(new HostDmPortsNode(this, dm, deviceModelPorts(s, domid).length));
    return out;
  }
}

/** A host domain's event channels (at most 4,096 shown). */
export class HostPortsNode extends ModelNode<DomainKey> {
  get kind(): 'hostPorts' { return 'hostPorts'; }
  static idOf(k: DomainKey): string { return `${HostDomainNode.idOf(k)}/evtchns`; }
  constructor(parent: HostDomainNode, count: number) {
    super(parent, parent.key, parent.ctx, HostPortsNode.idOf(parent.key), { label: 'event channels', description: String(count), icon: 'radio-tower', collapsible: count > 0, tooltip: undefined, contextValue: 'info' });
  }
  children(): ModelNode[] {
    const s = snapshotOf(this.ctx);
    const ev = s?.evtchns.ok ? s.evtchns.value.find((e) => e.domid === this.key.domid) : undefined;
    return (ev?.ports ?? []).slice(0, 4096).map((p) => new InfoNode(this, String(p.port), { label: `port ${p.port}`, description: portLine(p), icon: 'radio-tower', tooltip: undefined }));
  }
}

export interface HostDmKey extends DomainKey { /** The device model's pid, or its kind when the pid is unknown. */ dm: string }

/** A device model serving a host domain, expandable to the guest's ports that connect to the device model's domain. */
export class HostDmPortsNode extends ModelNode<HostDmKey> {
  get kind(): 'hostDmPorts' { return 'hostDmPorts'; }
  static idOf(k: HostDmKey): string { return `${HostDomainNode.idOf(k)}/dm-${k.dm}`; }
  constructor(parent: HostDomainNode, dm: DeviceModelInfo, ports: number) {
    const key = { rootId: parent.key.rootId, domid: parent.key.domid, dm: String(dm.pid ?? dm.kind) };
    const domid = parent.key.domid;
    super(parent, key, parent.ctx, HostDmPortsNode.idOf(key), {
      label: `device model: ${dm.kind}`,
      description: [dm.pid !== undefined ? `pid ${dm.pid}` : '', dm.domain !== undefined ? `in d${dm.domain}` : '', dm.state ?? ''].filter(Boolean).join(', ') || undefined,
      icon: 'plug', collapsible: ports > 0, contextValue: 'info',
      tooltip: `**${dm.kind}** serving d${domid}${dm.args ? `\n\n\`${dm.args.replace(/`/g, "'")}\`` : ''}\n\nIts event channels: the guest's ports connected to d${dm.domain ?? 0}, other than the store and console ports.`,
    });
  }
  children(): ModelNode[] {
    const s = snapshotOf(this.ctx);
    return s ? deviceModelPorts(s, this.key.domid).map((p) => new InfoNode(this, String(p.port), { label: `port ${p.port}`, description: portLine(p), icon: 'radio-tower', tooltip: undefined })) : [];
  }
}

/** The host's device-model processes (`ps`). */
export class HostDmsNode extends ModelNode<RootKey> {
  get kind(): 'hostDms' { return 'hostDms'; }
  static idOf(k: RootKey): string { return `${k.rootId}/dms`; }
  constructor(parent: HostRootNode, description: string, tooltip: string | undefined) {
    super(parent, parent.key, parent.ctx, HostDmsNode.idOf(parent.key), { label: 'device models', description, icon: 'plug', collapsible: true, tooltip, contextValue: 'info' });
  }
  children(): ModelNode[] {
    const s = snapshotOf(this.ctx);
    return s?.deviceModels.ok ? s.deviceModels.value.map((dm, i) => new InfoNode(this, String(i), {
      label: dm.kind, description: `${dm.target !== undefined ? `for d${dm.target}` : ''}${dm.pid !== undefined ? ` pid ${dm.pid}` : ''}`, icon: 'plug', tooltip: undefined })) : [];
  }
}

/** The ioreq lines of the host's console (the last 200). */
export class HostConsoleNode extends ModelNode<RootKey> {
  get kind(): 'hostConsole' { return 'hostConsole'; }
  static idOf(k: RootKey): string { return `${k.rootId}/console`; }
  constructor(parent: HostRootNode, lines: number, description: string, tooltip: string | undefined) {
    super(parent, parent.key, parent.ctx, HostConsoleNode.idOf(parent.key), { label: 'console (ioreq lines)', description, icon: 'terminal', collapsible: lines > 0, tooltip, contextValue: 'info' });
  }
  children(): ModelNode[] {
    const s = snapshotOf(this.ctx);
    return s?.console.ok ? s.console.value.slice(-200).map((l, i) => new InfoNode(this, String(i), {
      label: l.length > 120 ? l.slice(0, 117) + '…' : l, description: undefined, icon: 'output', tooltip: '```\n' + l.replace(/`/g, "'") + '\n```' })) : [];
  }
}
