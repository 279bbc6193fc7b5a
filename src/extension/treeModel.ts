// The Model view's tree, as plain data: nodes with stable ids, parents, labels, descriptions, Markdown tooltips,
// context values and codicons, built lazily from a model. No `vscode` here: provider.ts adapts it, and the mocha
// tests drive it directly.
import * as A from '../model/abi';
import { ECS_NAMES } from '../model/evtchn';
import type { Model } from '../model/model';
import { PARAM_NAMES, PFN_PARAMS } from '../model/params';
import { HVMIO_NAMES, type Domain } from '../model/xen';
import { hexRange, serversOf, type ServerView } from '../model/servers';
import { hostChildren, type HostState } from './hostTree';
import { memoryRef } from '../debug/session';
import type { TreeNode } from './treeNode';

export type { NodeKind, TreeNode } from './treeNode';

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

export const VCPU_BUCKET = 32;
export const PORT_BUCKET = 256;

function parentId(id: string): string | undefined {
  const i = id.lastIndexOf('/');
  return i < 0 ? undefined : id.slice(0, i);
}

/** Builds and answers for the whole tree. */
export class ModelTree {
  private roots: RootSource[] = [];

  setRoots(roots: RootSource[]): void {
    this.roots = roots;
  }

  getRoots(): TreeNode[] {
    return this.roots.map((r) => {
      if (r.host) {
        const st = r.host();
        const icon = st.status === 'connected' ? 'remote' : st.status === 'error' ? 'debug-disconnect' : st.status === 'connecting' ? 'sync' : 'circle-slash';
        return { id: r.id, kind: 'root' as const, label: r.label, description: r.description ?? st.status, contextValue: 'host', icon, collapsible: true,
          tooltip: `**live host ${r.label}** (${st.status})${st.snapshot ? `\n\nsnapshot ${new Date(st.snapshot.takenAt).toISOString()}` : ''}${st.error ? `\n\nlast error: ${st.error}` : ''}`, data: { host: r.label } };
      }
      const m = r.model();
      return {
        id: r.id, kind: 'root', label: r.label, description: r.description ?? (m ? `${m.profile}` : 'not loaded'),
        tooltip: m ? `**${r.label}**\n\nprofile \`${m.profile}\`, ${m.x.domains.size} domain(s)${m.x.panic ? `\n\n**Xen panicked:** ${m.x.panic.message}` : ''}` : undefined,
        contextValue: 'root', icon: r.icon ?? 'server-environment', collapsible: true,
      };
    });
  }

  getParent(node: TreeNode): TreeNode | undefined {
    const p = parentId(node.id);
    if (!p) return undefined;
    return this.find(p);
  }

  /**
   * Finds a node by id (walking from its root). `memo` keeps children lists by parent id, so many lookups in one
   * pass (a refresh) build each list once.
   */
  find(id: string, memo?: Map<string, TreeNode[]>): TreeNode | undefined {
    const parts = id.split('/');
    const kids = (n: TreeNode): TreeNode[] => {
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
    const root = this.roots.find((r) => id === r.id || id.startsWith(r.id + '/'));
    return root ? root.model() : null;
  }

  private model(node: TreeNode): Model | null {
    return this.modelOf(node.id);
  }

  private domainOf(node: TreeNode, m: Model): Domain | undefined {
    const mm = /\/d(\d+)(\/|$)/.exec(node.id);
    return mm ? m.x.domains.get(Number(mm[1])) : undefined;
  }

  getChildren(node: TreeNode): TreeNode[] {
    const src = this.roots.find((r) => node.id === r.id || node.id.startsWith(r.id + '/'));
    if (src?.host) return hostChildren(node, src.host());
    const m = this.model(node);
    if (!m) return [];
    const id = node.id;
    switch (node.kind) {
      case 'root': {
        const out = [...m.x.domains.values()].map((d) => this.domainNode(id, d));
        if (m.dms.size) out.push({ id: `${id}/dms`, kind: 'dms', label: 'device models', description: String(m.dms.size), contextValue: 'dms', icon: 'plug', collapsible: true });
        if (m.x.panic) out.unshift({ id: `${id}/panic`, kind: 'info', label: 'Xen panicked', description: m.x.panic.message, contextValue: 'info', icon: 'error', collapsible: false });
        return out;
      }
      case 'domain': {
        const d = this.domainOf(node, m)!;
        const out: TreeNode[] = [
          { id: `${id}/vcpus`, kind: 'vcpus', label: 'vcpus', description: String(d.vcpu.length), contextValue: 'vcpus', icon: 'chip', collapsible: d.vcpu.length > 0 },
        ];
        const s = d.arch.hvm_domain.ioreq_server;
        const several = serversOf(m.profile, d);
        if (d.is_hvm && several.some((sv) => sv.id !== null)) {
          // A profile with server ids (4.5's list, today's eight slots): one node per server.
          out.push({ id: `${id}/ioservers`, kind: 'ioservers', label: 'ioreq servers', description: `${several.length} (${several.filter((sv) => sv.enabled).length} enabled)`, contextValue: 'ioservers', icon: 'server-process', collapsible: true });
          out.push({ id: `${id}/pages`, kind: 'pages', label: 'special pages', description: d.reserved_mem_pgstart ? `reserved from ${A.hex(d.reserved_mem_pgstart)}` : 'not built', contextValue: 'pages', icon: 'file-binary', collapsible: true });
        } else if (d.is_hvm) {
          out.push(s
            ? { id: `${id}/server`, kind: 'server', label: 'ioreq server', description: `dm d${s.domid}${s.freed ? ' (freed)' : ''}`, contextValue: 'server', icon: 'server-process', collapsible: true,
              tooltip: `**hvm_ioreq_server** of d${d.domain_id}\n\n- domid (device model): ${s.domid}\n- ioreq page: ${s.ioreq.page === null ? 'none' : A.hex(s.ioreq.page)}\n- bufioreq page: ${s.buf_ioreq.page === null ? 'none' : A.hex(s.buf_ioreq.page)}\n- buffered port: ${s.buf_ioreq_evtchn}` }
            : { id: `${id}/server`, kind: 'info', label: 'ioreq server', description: 'none (created on demand)', contextValue: 'info', icon: 'circle-slash', collapsible: false });
          out.push({ id: `${id}/pages`, kind: 'pages', label: 'special pages', description: d.reserved_mem_pgstart ? `reserved from ${A.hex(d.reserved_mem_pgstart)}` : 'not built', contextValue: 'pages', icon: 'file-binary', collapsible: true });
        }
        out.push({ id: `${id}/evtchns`, kind: 'evtchns', label: 'event channels', description: String(d.evtchn.ports.filter((c) => c.state > 1).length), contextValue: 'evtchns', icon: 'radio-tower', collapsible: true });
        if (d.is_hvm) out.push({ id: `${id}/params`, kind: 'params', label: 'HVM params', description: `${d.arch.hvm_domain.params.filter((v) => v !== 0).length} set`, contextValue: 'params', icon: 'settings', collapsible: true });
        return out;
      }
      case 'vcpus': {
        const d = this.domainOf(node, m)!;
        if (d.vcpu.length <= VCPU_BUCKET) return d.vcpu.map((v) => this.vcpuNode(`${id}`, d, v.vcpu_id));
        const out: TreeNode[] = [];
        for (let b = 0; b < d.vcpu.length; b += VCPU_BUCKET) {
          const e = Math.min(d.vcpu.length, b + VCPU_BUCKET) - 1;
          out.push({ id: `${id}/${b}-${e}`, kind: 'vcpuBucket', label: `vcpus ${b}–${e}`, contextValue: 'bucket', icon: 'folder', collapsible: true });
        }
        return out;
      }
      case 'vcpuBucket': {
        const d = this.domainOf(node, m)!;
        const [b, e] = id.slice(id.lastIndexOf('/') + 1).split('-').map(Number);
        return d.vcpu.slice(b, e + 1).map((v) => this.vcpuNode(id, d, v.vcpu_id));
      }
      case 'server': {
        const d = this.domainOf(node, m)!;
        const s = d.arch.hvm_domain.ioreq_server!;
        const leaf = (k: string, label: string, description: string, icon: string, data?: Record<string, unknown>, ctx = 'info'): TreeNode =>
          ({ id: `${id}/${k}`, kind: 'info', label, description, contextValue: ctx, icon, collapsible: false, data });
        return [
          leaf('domid', 'domid', `d${s.domid}`, 'plug'),
          leaf('ioreq', 'ioreq pfn', s.ioreq.page === null ? 'unmapped' : A.hex(s.ioreq.page), 'file-binary', s.ioreq.page === null ? undefined : { pfn: s.ioreq.page, domid: d.domain_id }, s.ioreq.page === null ? 'info' : 'pfn'),
          leaf('bufioreq', 'bufioreq pfn', s.buf_ioreq.page === null ? 'unmapped' : A.hex(s.buf_ioreq.page), 'file-binary', s.buf_ioreq.page === null ? undefined : { pfn: s.buf_ioreq.page, domid: d.domain_id }, s.buf_ioreq.page === null ? 'info' : 'pfn'),
          leaf('ports', 'per-vcpu ports', d.vcpu.map((v) => s.ioreq_evtchn[v.vcpu_id]).join(', ') || 'none', 'radio-tower'),
          leaf('bufport', 'buffered port', String(s.buf_ioreq_evtchn), 'radio-tower'),
          ...(s.buf_ioreq.va ? [leaf('ring', 'buffered ring', (() => { const p = A.readBufPointers(s.buf_ioreq.va!); return `read ${p.read_pointer}, write ${p.write_pointer} (${(p.write_pointer - p.read_pointer) >>> 0} queued)`; })(), 'list-ordered')] : []),
        ];
      }
      case 'ioservers': {
        const d = this.domainOf(node, m)!;
        return serversOf(m.profile, d).map((sv) => ({
          id: `${id}/${sv.id}`, kind: 'ioserver' as const, label: `ioreq server ${sv.id}${sv.isDefault ? ' (default)' : ''}`,
          description: `d${sv.emulator}, ${sv.freed ? 'destroyed' : sv.enabled ? 'enabled' : 'disabled'}`,
          tooltip: `**ioreq server ${sv.id}** of d${d.domain_id}\n\n- emulator: d${sv.emulator}\n- ${sv.enabled ? 'enabled' : 'disabled'}\n- ranges: ${rangesText(sv)}`,
          contextValue: 'ioserver', icon: sv.enabled ? 'server-process' : 'debug-disconnect', collapsible: true,
        }));
      }
      case 'ioserver': {
        const d = this.domainOf(node, m)!;
        const sid = Number(id.slice(id.lastIndexOf('/') + 1));
        const sv = serversOf(m.profile, d).find((x) => x.id === sid);
        if (!sv) return [];
        const leaf = (k: string, label: string, description: string, icon: string, data?: Record<string, unknown>, ctx = 'info'): TreeNode =>
          ({ id: `${id}/${k}`, kind: 'info', label, description, contextValue: ctx, icon, collapsible: false, data });
        const page = (k: string, label: string, p: ServerView['ioreq']) => leaf(k, label, p.gfn === null ? (p.va ? `Xen page (${p.how})` : 'none') : `${A.hex(p.gfn)} (${p.how})`, 'file-binary',
          p.gfn === null ? undefined : { pfn: p.gfn, domid: d.domain_id }, p.gfn === null ? 'info' : 'pfn');
        return [
          leaf('emulator', 'emulator', `d${sv.emulator}`, 'plug'),
          leaf('state', 'state', sv.freed ? 'destroyed' : sv.enabled ? 'enabled' : 'disabled', sv.enabled ? 'pass' : 'circle-slash'),
          leaf('ranges', 'ranges', rangesText(sv), 'symbol-array'),
          page('ioreq', 'ioreq page', sv.ioreq),
          page('bufioreq', 'bufioreq page', sv.bufioreq),
          leaf('bufmode', 'buffered mode', ['HVM_IOREQSRV_BUFIOREQ_OFF', 'HVM_IOREQSRV_BUFIOREQ_LEGACY', 'HVM_IOREQSRV_BUFIOREQ_ATOMIC'][sv.bufioreqHandling] ?? String(sv.bufioreqHandling), 'settings'),
          leaf('ports', 'per-vcpu ports', d.vcpu.map((v) => sv.ioreqEvtchn[v.vcpu_id] ?? -1).join(', ') || 'none', 'radio-tower'),
          leaf('bufport', 'buffered port', String(sv.bufIoreqEvtchn), 'radio-tower'),
          ...(sv.bufioreq.va ? [leaf('ring', 'buffered ring', (() => { const p = A.readBufPointers(sv.bufioreq.va!); return `read ${p.read_pointer}, write ${p.write_pointer} (${(p.write_pointer - p.read_pointer) >>> 0} queued)`; })(), 'list-ordered')] : []),
        ];
      }
      case 'pages': {
        const d = this.domainOf(node, m)!;
        return [...d.physmap].filter(([, g]) => g.use !== 'ram').sort((a, b) => b[0] - a[0]).map(([pfn, g]) => {
          const inside = !!d.reserved_mem_pgstart && pfn >= d.reserved_mem_pgstart;
          return {
            id: `${id}/${pfn.toString(16)}`, kind: 'page', label: g.use, description: `${A.hex(pfn)}${inside ? '' : '  outside reserved region'}`,
            tooltip: `**${g.use}** at pfn \`${A.hex(pfn)}\`\n\n${inside ? 'inside' : '**outside**'} the region hvm_info->reserved_mem_pgstart (${A.hex(d.reserved_mem_pgstart)}) declares reserved\n\n${g.xen_maps} Xen mapping(s), ${g.foreign_maps} device-model mapping(s)`,
            contextValue: 'page', icon: inside ? 'file-binary' : 'warning', collapsible: false,
            data: { pfn, domid: d.domain_id, memoryReference: memoryRef(d.domain_id, pfn) },
          };
        });
      }
      case 'evtchns': {
        const d = this.domainOf(node, m)!;
        const used = d.evtchn.ports.map((c, p) => ({ c, p })).filter(({ c }) => c.state > 1);
        if (used.length <= PORT_BUCKET) return used.map(({ p }) => this.portNode(id, d, p));
        const out: TreeNode[] = [];
        for (let b = 0; b < used.length; b += PORT_BUCKET) {
          const lo = used[b].p, hi = used[Math.min(used.length, b + PORT_BUCKET) - 1].p;
          out.push({ id: `${id}/${lo}-${hi}`, kind: 'portBucket', label: `ports ${lo}–${hi}`, contextValue: 'bucket', icon: 'folder', collapsible: true });
        }
        return out;
      }
      case 'portBucket': {
        const d = this.domainOf(node, m)!;
        const [lo, hi] = id.slice(id.lastIndexOf('/') + 1).split('-').map(Number);
        const out: TreeNode[] = [];
        for (let p = lo; p <= hi && p < d.evtchn.ports.length; p++) if (d.evtchn.ports[p].state > 1) out.push(this.portNode(id, d, p));
        return out;
      }
      case 'params': {
        const d = this.domainOf(node, m)!;
        return d.arch.hvm_domain.params.map((v, i) => ({ v, i })).filter(({ v }) => v !== 0).map(({ v, i }) => ({
          id: `${id}/${i}`, kind: 'param', label: PARAM_NAMES[i] ?? `param ${i}`, description: PFN_PARAMS.has(i) ? A.hex(v) : String(v),
          tooltip: `HVM_PARAM_${PARAM_NAMES[i] ?? i} (${i}) = ${PFN_PARAMS.has(i) ? A.hex(v) : v}`, contextValue: PFN_PARAMS.has(i) ? 'pfn' : 'param', icon: 'symbol-constant', collapsible: false,
          data: PFN_PARAMS.has(i) ? { pfn: i === 12 ? v / 4096 : v, domid: d.domain_id } : undefined,
        }));
      }
      case 'dms':
        return [...m.dms].map(([name, dm]) => ({
          id: `${id}/${name}`, kind: 'dm', label: name, description: `d${dm.domid} → d${dm.target}`, contextValue: 'dm', icon: 'plug', collapsible: false,
          tooltip: `**device model ${name}** in d${dm.domid}, serving d${dm.target}\n\n- ioreq page ${dm.ioreq_pfn < 0 ? 'not read' : A.hex(dm.ioreq_pfn)}, bufioreq page ${dm.bufioreq_pfn < 0 ? 'not read' : A.hex(dm.bufioreq_pfn)}\n- local ports ${dm.ioreq_local_port.join(', ') || 'none'}; buffered ${dm.bufioreq_local_port}\n- served ${dm.handled} request(s), ${dm.buffered_handled} buffered`,
        }));
      default:
        return [];
    }
  }

  private domainNode(rootId: string, d: Domain): TreeNode {
    const state = d.is_dying ? (d.is_dying === 2 ? 'destroyed' : 'dying') : d.crashed ? 'CRASHED' : d.pause_count ? `paused (${d.pause_count})` : 'running';
    return {
      id: `${rootId}/d${d.domain_id}`, kind: 'domain', label: `d${d.domain_id}${d.is_hvm ? ' (HVM)' : ''}`, description: state,
      tooltip: `**domain ${d.domain_id}**${d.is_hvm ? ' (HVM)' : ''}\n\n- ${d.vcpu.length} vcpu(s), pause count ${d.pause_count}\n- ${d.crashed ? `crashed: ${d.crashed.reason}` : 'not crashed'}\n- ioreq server: ${d.arch.hvm_domain.ioreq_server ? `for d${d.arch.hvm_domain.ioreq_server.domid}` : 'none'}`,
      contextValue: 'domain', icon: d.crashed ? 'error' : d.is_hvm ? 'vm' : 'vm-outline', collapsible: true, data: { domid: d.domain_id },
    };
  }

  private vcpuNode(parent: string, d: Domain, vcpuId: number): TreeNode {
    const v = d.vcpu[vcpuId];
    const s = d.arch.hvm_domain.ioreq_server;
    const st = s && !s.freed && s.ioreq.va ? A.getState(s.ioreq.va, A.ioreqOffset(vcpuId)) : null;
    const slot = st === null ? 'no slot' : A.STATE_NAMES[st] ?? `invalid state ${st}`;
    const p = st === null ? null : A.readIoreq(s!.ioreq.va!, A.ioreqOffset(vcpuId));
    return {
      id: `${parent}/${vcpuId}`, kind: 'vcpu', label: `vcpu ${vcpuId}`, description: `${slot.replace('STATE_', '')}${v.pause_flags.blocked_in_xen ? ', blocked in Xen' : ''}`,
      tooltip: `**d${d.domain_id}v${vcpuId}**\n\n- slot: ${slot}${p ? ` — ${A.TYPE_NAMES[p.type] ?? p.type} ${p.dir ? 'read' : 'write'} ${A.hex(p.addr)} size ${p.size} data ${A.hex(p.data)}, vp_eport ${p.vp_eport}` : ''}\n- ${HVMIO_NAMES[v.arch.hvm_vcpu.hvm_io.io_state]}\n- rax ${A.hex(v.rax)}`,
      contextValue: 'vcpu', icon: v.pause_flags.blocked_in_xen ? 'debug-pause' : st !== null && st > 3 ? 'error' : 'pulse', collapsible: false,
      data: { domid: d.domain_id, vcpu: vcpuId, fn: 'hvm_do_resume' },
    };
  }

  private portNode(parent: string, d: Domain, port: number): TreeNode {
    const c = d.evtchn.ports[port];
    const peer = c.state === 2 ? `unbound, remote d${c.remote_domid}` : c.state === 3 ? `→ d${c.remote_dom}:${c.remote_port}` : ECS_NAMES[c.state];
    return {
      id: `${parent}/${port}`, kind: 'port', label: `port ${port}`, description: `${peer}${c.xen_consumer ? ' (Xen)' : ''}${c.pending ? ' PENDING' : ''}`,
      tooltip: `**d${d.domain_id} port ${port}**: ${ECS_NAMES[c.state]}${c.xen_consumer ? `, Xen-owned, notifies vcpu ${c.notify_vcpu_id}` : ''}\n\n${peer}${c.pending ? '\n\npending' : ''}`,
      contextValue: 'port', icon: c.pending ? 'bell-dot' : 'radio-tower', collapsible: false,
    };
  }
}

/** A cheap signature of what a node shows, to refresh only the nodes that changed. */
export function signature(n: TreeNode): string {
  return `${n.label}|${n.description ?? ''}|${n.icon}|${n.tooltip ?? ''}`;
}

/** A server's ranges in one line: `port 0x3f8-0x3ff; mmio 0xfebf0000-0xfebfffff; pci 0:0:3.0`, or the catch-all. */
function rangesText(sv: ServerView): string {
  if (!sv.ranges) return 'all (catch-all)';
  const r = (xs: Array<[bigint, bigint]>) => xs.map(hexRange).join(', ');
  const parts = [['port', sv.ranges.port], ['mmio', sv.ranges.mmio], ['pci', sv.ranges.pci]].filter(([, xs]) => (xs as unknown[]).length).map(([k, xs]) => `${k} ${r(xs as Array<[bigint, bigint]>)}`);
  return parts.join('; ') || 'none mapped';
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
   * root came or went; `gone` gets the ids no longer there.
   */
  refresh(tree: ModelTree, gone?: (id: string) => void): TreeNode[] | 'all' {
    const redraw = new Map<string, TreeNode>();
    const before = this.changed;
    this.changed = new Set();
    let rootsChanged = false;
    const memo = new Map<string, TreeNode[]>();
    for (const [id, was] of [...this.shown]) {
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
