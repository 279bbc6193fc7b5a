// The Model view's device-model nodes: the scenario's device models (QEMU, demu, varstored …), each with the domain
// it runs in, the guest it serves and what it has read and served (see base.ts for what a node is).
import * as A from '../../model/abi';
import type { DeviceModel } from '../../model/dm';
import { ModelNode, type RootKey } from './base';

/** The device models of a root's model. */
export class DmsNode extends ModelNode<RootKey> {
  get kind(): 'dms' { return 'dms'; }
  static idOf(k: RootKey): string { return `${k.rootId}/dms`; }
  constructor(parent: ModelNode, count: number) {
    const key = { rootId: parent.ctx.rootId };
    super(parent, key, parent.ctx, DmsNode.idOf(key), { label: 'device models', description: String(count), contextValue: 'dms', icon: 'plug', collapsible: true });
  }
  children(): ModelNode[] {
    const m = this.ctx.model();
    return m ? [...m.dms].map(([name, dm]) => new DmNode(this, name, dm)) : [];
  }
}

export interface DmKey extends RootKey { name: string }

/** One device model by name. */
export class DmNode extends ModelNode<DmKey> {
  get kind(): 'dm' { return 'dm'; }
  static idOf(k: DmKey): string { return `${DmsNode.idOf(k)}/${k.name}`; }
  constructor(parent: DmsNode, name: string, dm: DeviceModel) {
    const key = { rootId: parent.key.rootId, name };
    super(parent, key, parent.ctx, DmNode.idOf(key), {
      label: name, description: `d${dm.domid} → d${dm.target}`, contextValue: 'dm', icon: 'plug', collapsible: false,
      tooltip: `**device model ${name}** in d${dm.domid}, serving d${dm.target}\n\n- ioreq page ${dm.ioreq_pfn < 0 ? 'not read' : A.hex(dm.ioreq_pfn)}, bufioreq page ${dm.bufioreq_pfn < 0 ? 'not read' : A.hex(dm.bufioreq_pfn)}\n- local ports ${dm.ioreq_local_port.join(', ') || 'none'}; buffered ${dm.bufioreq_local_port}\n- served ${dm.handled} request(s), ${dm.buffered_handled} buffered`,
    });
  }
  children(): ModelNode[] { return []; }
}
