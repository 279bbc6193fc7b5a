// The Model view's special-page nodes: a domain's non-RAM pages in its physmap, highest pfn first, each marked when it
// lies outside the region hvm_info's reserved_mem_pgstart declares reserved (see base.ts for what a node is).
import * as A from '../../model/abi';
import type { Domain } from '../../model/xen';
import { memoryRef } from '../../debug/memory';
import { domainOf, ModelNode, type DomainKey } from './base';

/** A domain's special pages. */
export class PagesNode extends ModelNode<DomainKey> {
  get kind(): 'pages' { return 'pages'; }
  static idOf(k: DomainKey): string { return `${k.rootId}/d${k.domid}/pages`; }
  constructor(parent: ModelNode, d: Domain) {
    const key = { rootId: parent.ctx.rootId, domid: d.domain_id };
    super(parent, key, parent.ctx, PagesNode.idOf(key), {
      label: 'special pages', description: d.reserved_mem_pgstart ? `reserved from ${A.hex(d.reserved_mem_pgstart)}` : 'not built', contextValue: 'pages', icon: 'file-binary', collapsible: true,
    });
  }
  children(): ModelNode[] {
    const d = domainOf(this.ctx, this.key);
    return d ? [...d.physmap].filter(([, g]) => g.use !== 'ram').sort((a, b) => b[0] - a[0]).map(([pfn]) => new PageNode(this, d, pfn)) : [];
  }
}

export interface PageKey extends DomainKey { pfn: number }

/** One special page: its use, its pfn, its mappings; selecting it opens its bytes (provider.ts). */
export class PageNode extends ModelNode<PageKey> {
  get kind(): 'page' { return 'page'; }
  static idOf(k: PageKey): string { return `${PagesNode.idOf(k)}/${k.pfn.toString(16)}`; }
  constructor(parent: PagesNode, d: Domain, pfn: number) {
    const key = { rootId: parent.key.rootId, domid: parent.key.domid, pfn };
    const g = d.physmap.get(pfn)!;
    const inside = !!d.reserved_mem_pgstart && pfn >= d.reserved_mem_pgstart;
    super(parent, key, parent.ctx, PageNode.idOf(key), {
      label: g.use, description: `${A.hex(pfn)}${inside ? '' : '  outside reserved region'}`,
      tooltip: `**${g.use}** at pfn \`${A.hex(pfn)}\`\n\n${inside ? 'inside' : '**outside**'} the region hvm_info->reserved_mem_pgstart (${A.hex(d.reserved_mem_pgstart)}) declares reserved\n\n${g.xen_maps} Xen mapping(s), ${g.foreign_maps} device-model mapping(s)`,
      contextValue: 'page', icon: inside ? 'file-binary' : 'warning', collapsible: false,
      data: { pfn, domid: d.domain_id, memoryReference: memoryRef(d.domain_id, pfn) },
    });
  }
  children(): ModelNode[] { return []; }
}
