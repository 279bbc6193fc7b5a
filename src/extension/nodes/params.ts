// The Model view's HVM-param nodes: a domain's params that are set (non-zero), pfn-valued ones in hex and carrying
// the pfn for the page commands (see base.ts for what a node is).
import * as A from '../../model/abi';
import { HVM_PARAM_IDENT_PT, PARAM_NAMES, PFN_PARAMS } from '../../model/params';
import type { Domain } from '../../model/xen';
import { domainOf, ModelNode, type DomainKey } from './base';

/** A domain's HVM params. */
export class ParamsNode extends ModelNode<DomainKey> {
  get kind(): 'params' { return 'params'; }
  static idOf(k: DomainKey): string { return `${k.rootId}/d${k.domid}/params`; }
  constructor(parent: ModelNode, d: Domain) {
    const key = { rootId: parent.ctx.rootId, domid: d.domain_id };
    super(parent, key, parent.ctx, ParamsNode.idOf(key), {
      label: 'HVM params', description: `${d.arch.hvm_domain.params.filter((v) => v !== 0).length} set`, contextValue: 'params', icon: 'settings', collapsible: true,
    });
  }
  children(): ModelNode[] {
    const d = domainOf(this.ctx, this.key);
    return d ? d.arch.hvm_domain.params.map((v, i) => ({ v, i })).filter(({ v }) => v !== 0).map(({ i }) => new ParamNode(this, d, i)) : [];
  }
}

export interface ParamKey extends DomainKey { index: number }

/** One HVM param (HVM_PARAM_*) and its value. */
export class ParamNode extends ModelNode<ParamKey> {
  get kind(): 'param' { return 'param'; }
  static idOf(k: ParamKey): string { return `${ParamsNode.idOf(k)}/${k.index}`; }
  constructor(parent: ParamsNode, d: Domain, i: number) {
    const key = { rootId: parent.key.rootId, domid: parent.key.domid, index: i };
    const v = d.arch.hvm_domain.params[i];
    const pfn = PFN_PARAMS.has(i);
    super(parent, key, parent.ctx, ParamNode.idOf(key), {
      label: PARAM_NAMES[i] ?? `param ${i}`, description: pfn ? A.hex(v) : String(v),
      tooltip: `HVM_PARAM_${PARAM_NAMES[i] ?? i} (${i}) = ${pfn ? A.hex(v) : v}`, contextValue: pfn ? 'pfn' : 'param', icon: 'symbol-constant', collapsible: false,
      // HVM_PARAM_IDENT_PT (12) holds an address, not a pfn.
      data: pfn ? { pfn: i === HVM_PARAM_IDENT_PT ? v / 4096 : v, domid: d.domain_id } : undefined,
    });
  }
  children(): ModelNode[] { return []; }
}
