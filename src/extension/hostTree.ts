// Tree nodes for a live host's snapshot (src/live): Xen, domains, device models, event channels, console lines.
// No vscode import; treeModel.ts calls it for host roots.
import { deviceModelPorts, type HostSnapshot, type Section } from '../live/parse';
import type { TreeNode } from './treeNode';

export interface HostState {
  snapshot?: HostSnapshot;
  /** The last error, shown beside the (older) snapshot it did not replace. */
  error?: string;
  status: 'connecting' | 'connected' | 'error' | 'disconnected';
}

const node = (id: string, kind: TreeNode['kind'], label: string, description: string | undefined, icon: string, collapsible: boolean, tooltip?: string, contextValue = 'info'): TreeNode =>
  ({ id, kind, label, description, icon, collapsible, tooltip, contextValue });

/** ", kept from HH:MM:SS (refresh failed)" for a section kept from an earlier snapshot; its tooltip says why. */
function staleNote(sec: Section<unknown>): string {
  return sec.ok && sec.staleSince !== undefined ? ` — kept from ${new Date(sec.staleSince).toISOString().slice(11, 19)} (refresh failed)` : '';
}
function staleTip(sec: Section<unknown>): string | undefined {
  return sec.ok && sec.staleSince !== undefined ? `**Kept from ${new Date(sec.staleSince).toISOString()}**\n\nThe last refresh of this section failed: ${sec.refreshError ?? ''}` : undefined;
}

export function hostChildren(n: TreeNode, st: HostState): TreeNode[] {
  const s = st.snapshot;
  const id = n.id;
  if (n.kind === 'root') {
    const out: TreeNode[] = [];
    if (st.error) out.push(node(`${id}/error`, 'info', 'last refresh failed', st.error, 'warning', false, `**The last refresh failed**\n\n${st.error}${s ? '\n\nThe snapshot below is the previous one.' : ''}`));
    if (!s) return out;
    out.push(s.xen.ok
      ? node(`${id}/xen`, 'info', 'Xen', `${s.xen.value.version}${staleNote(s.xen)}`, s.xen.staleSince !== undefined ? 'history' : 'info', false, staleTip(s.xen) ?? `**Xen ${s.xen.value.version}** on ${s.host.hostname}\n\n${s.host.kernel}\n\nsnapshot ${new Date(s.takenAt).toISOString()}`)
      : node(`${id}/xen`, 'info', 'Xen', s.xen.error, 'warning', false));
    out.push(s.domains.ok
      ? node(`${id}/domains`, 'hostDomains' as TreeNode['kind'], 'domains', `${s.domains.value.length}${staleNote(s.domains)}`, 'vm', true, staleTip(s.domains) ?? s.domains.note)
      : node(`${id}/domains`, 'info', 'domains', s.domains.error, 'warning', false));
    out.push(s.deviceModels.ok
      ? node(`${id}/dms`, 'hostDms' as TreeNode['kind'], 'device models', `${s.deviceModels.value.length}${staleNote(s.deviceModels)}`, 'plug', true, staleTip(s.deviceModels))
      : node(`${id}/dms`, 'info', 'device models', s.deviceModels.error, 'warning', false));
    out.push(s.console.ok
      ? node(`${id}/console`, 'hostConsole' as TreeNode['kind'], 'console (ioreq lines)', `${s.console.value.length}${staleNote(s.console)}`, 'terminal', s.console.value.length > 0, staleTip(s.console))
      : node(`${id}/console`, 'info', 'console', s.console.error, 'warning', false));
    return out;
  }
  if (!s) return [];
  switch (n.kind as string) {
    case 'hostDomains':
      return s.domains.ok ? s.domains.value.map((d) => node(`${id}/d${d.domid}`, 'hostDomain' as TreeNode['kind'], `d${d.domid} ${d.name ?? ''}`.trim(), `${d.type}${d.vcpus !== undefined ? `, ${d.vcpus} vcpu(s)` : ''}`, d.type === 'hvm' ? 'vm' : 'vm-outline', true, undefined, 'hostDomain')) : [];
    case 'hostDomain': {
      const domid = Number(/\/d(\d+)$/.exec(id)![1]);
      const out: TreeNode[] = [];
      const ev = s.evtchns.ok ? s.evtchns.value.find((e) => e.domid === domid) : undefined;
      if (!s.evtchns.ok) out.push(node(`${id}/evtchns`, 'info', 'event channels', s.evtchns.error, 'warning', false));
      else if (ev?.error) out.push(node(`${id}/evtchns`, 'info', 'event channels', ev.error, 'warning', false));
      else if (ev) out.push(node(`${id}/evtchns`, 'hostPorts' as TreeNode['kind'], 'event channels', String(ev.ports.length), 'radio-tower', ev.ports.length > 0));
      const pr = s.params.ok ? s.params.value.find((p) => p.domid === domid) : undefined;
      if (pr) for (const [k, v] of Object.entries(pr.params)) out.push(node(`${id}/param-${k}`, 'info', k, /PFN/.test(k) ? '0x' + v.toString(16) : String(v), 'symbol-constant', false, `read from ${pr.source}`));
      if (s.deviceModels.ok) {
        for (const dm of s.deviceModels.value.filter((x) => x.target === domid)) {
          const ports = deviceModelPorts(s, domid);
          out.push(node(`${id}/dm-${dm.pid ?? dm.kind}`, 'hostDmPorts' as TreeNode['kind'], `device model: ${dm.kind}`,
            [dm.pid !== undefined ? `pid ${dm.pid}` : '', dm.domain !== undefined ? `in d${dm.domain}` : '', dm.state ?? ''].filter(Boolean).join(', ') || undefined,
            'plug', ports.length > 0, `**${dm.kind}** serving d${domid}${dm.args ? `\n\n\`${dm.args.replace(/`/g, "'")}\`` : ''}\n\nIts event channels: the guest's ports connected to d${dm.domain ?? 0}, other than the store and console ports.`));
        }
      }
      return out;
    }
    case 'hostDmPorts': {
      const domid = Number(/\/d(\d+)\/dm-[^/]+$/.exec(id)![1]);
      return deviceModelPorts(s, domid).map((p) => node(`${id}/${p.port}`, 'info', `port ${p.port}`, `${p.kind}${p.remoteDomain !== undefined ? ` → d${p.remoteDomain}${p.remotePort !== undefined ? ':' + p.remotePort : ''}` : ''}, vcpu ${p.vcpu}`, 'radio-tower', false));
    }
    case 'hostPorts': {
      const domid = Number(/\/d(\d+)\/evtchns$/.exec(id)![1]);
      const ev = s.evtchns.ok ? s.evtchns.value.find((e) => e.domid === domid) : undefined;
      return (ev?.ports ?? []).slice(0, 4096).map((p) => node(`${id}/${p.port}`, 'info', `port ${p.port}`, `${p.kind}${p.remoteDomain !== undefined ? ` → d${p.remoteDomain}${p.remotePort !== undefined ? ':' + p.remotePort : ''}` : ''}, vcpu ${p.vcpu}`, 'radio-tower', false));
    }
    case 'hostDms':
      return s.deviceModels.ok ? s.deviceModels.value.map((dm, i) => node(`${id}/${i}`, 'info', dm.kind, `${dm.target !== undefined ? `for d${dm.target}` : ''}${dm.pid !== undefined ? ` pid ${dm.pid}` : ''}`, 'plug', false)) : [];
    case 'hostConsole':
      return s.console.ok ? s.console.value.slice(-200).map((l, i) => node(`${id}/${i}`, 'info', l.length > 120 ? l.slice(0, 117) + '…' : l, undefined, 'output', false, '```\n' + l.replace(/`/g, "'") + '\n```')) : [];
    default:
      return [];
  }
}
