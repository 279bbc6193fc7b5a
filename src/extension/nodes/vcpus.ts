// The Model view's vcpu nodes: a domain's vcpus, in buckets of VCPU_BUCKET when there are more, each vcpu with the
// state of its synchronous ioreq slot read from the ioreq page's bytes (see base.ts for what a node is).
import * as A from '../../model/abi';
import { HVMIO_NAMES, type Domain } from '../../model/xen';
import { domainOf, ModelNode, VCPU_BUCKET, type DomainKey } from './base';

/** A domain's vcpus. */
export class VcpusNode extends ModelNode<DomainKey> {
  get kind(): 'vcpus' { return 'vcpus'; }
  static idOf(k: DomainKey): string { return `${k.rootId}/d${k.domid}/vcpus`; }
  constructor(parent: ModelNode, d: Domain) {
    const key = { rootId: parent.ctx.rootId, domid: d.domain_id };
    super(parent, key, parent.ctx, VcpusNode.idOf(key), { label: 'vcpus', description: String(d.vcpu.length), contextValue: 'vcpus', icon: 'chip', collapsible: d.vcpu.length > 0 });
  }
  children(): ModelNode[] {
    const d = domainOf(this.ctx, this.key);
    if (!d) return [];
    if (d.vcpu.length <= VCPU_BUCKET) return d.vcpu.map((v) => new VcpuNode(this, d, v.vcpu_id));
    const out: ModelNode[] = [];
    for (let b = 0; b < d.vcpu.length; b += VCPU_BUCKET) out.push(new VcpuBucketNode(this, b, Math.min(d.vcpu.length, b + VCPU_BUCKET) - 1));
    return out;
  }
}

export interface VcpuBucketKey extends DomainKey { first: number; last: number }

/** vcpus first..last of a domain with more than VCPU_BUCKET. */
export class VcpuBucketNode extends ModelNode<VcpuBucketKey> {
  get kind(): 'vcpuBucket' { return 'vcpuBucket'; }
  static idOf(k: VcpuBucketKey): string { return `${VcpusNode.idOf(k)}/${VcpuBucketNode.segment(k)}`; }
  /** The bucket's own part of the ids under it. */
  static segment(b: { first: number; last: number }): string { return `${b.first}-${b.last}`; }
  constructor(parent: VcpusNode, first: number, last: number) {
    const key = { rootId: parent.key.rootId, domid: parent.key.domid, first, last };
    super(parent, key, parent.ctx, VcpuBucketNode.idOf(key), { label: `vcpus ${first}–${last}`, contextValue: 'bucket', icon: 'folder', collapsible: true });
  }
  children(): ModelNode[] {
    const d = domainOf(this.ctx, this.key);
    return d ? d.vcpu.slice(this.key.first, this.key.last + 1).map((v) => new VcpuNode(this, d, v.vcpu_id)) : [];
  }
}

export interface VcpuKey extends DomainKey { vcpu: number; /** The bucket it is shown in, if any. */ bucket?: { first: number; last: number } }

/** One vcpu: its slot's state, whether it is blocked in Xen, its hvm_io state. */
export class VcpuNode extends ModelNode<VcpuKey> {
  get kind(): 'vcpu' { return 'vcpu'; }
  static idOf(k: VcpuKey): string { return `${VcpusNode.idOf(k)}${k.bucket ? '/' + VcpuBucketNode.segment(k.bucket) : ''}/${k.vcpu}`; }
  constructor(parent: VcpusNode | VcpuBucketNode, d: Domain, vcpuId: number) {
    // (The bucket's own key stands for its bounds: one object for all its vcpus.)
    const key: VcpuKey = parent instanceof VcpuBucketNode ? { rootId: parent.key.rootId, domid: d.domain_id, vcpu: vcpuId, bucket: parent.key } : { rootId: parent.key.rootId, domid: d.domain_id, vcpu: vcpuId };
    const v = d.vcpu[vcpuId];
    const s = d.arch.hvm_domain.ioreq_server;
    const st = s && !s.freed && s.ioreq.va ? A.getState(s.ioreq.va, A.ioreqOffset(vcpuId)) : null;
    const slot = st === null ? 'no slot' : A.STATE_NAMES[st] ?? `invalid state ${st}`;
    const p = st === null ? null : A.readIoreq(s!.ioreq.va!, A.ioreqOffset(vcpuId));
    super(parent, key, parent.ctx, VcpuNode.idOf(key), {
      label: `vcpu ${vcpuId}`, description: `${slot.replace('STATE_', '')}${v.pause_flags.blocked_in_xen ? ', blocked in Xen' : ''}`,
      tooltip: `**d${d.domain_id}v${vcpuId}**\n\n- slot: ${slot}${p ? ` — ${A.TYPE_NAMES[p.type] ?? p.type} ${p.dir ? 'read' : 'write'} ${A.hex(p.addr)} size ${p.size} data ${A.hex(p.data)}, vp_eport ${p.vp_eport}` : ''}\n- ${HVMIO_NAMES[v.arch.hvm_vcpu.hvm_io.io_state]}\n- rax ${A.hex(v.rax)}`,
      contextValue: 'vcpu', icon: v.pause_flags.blocked_in_xen ? 'debug-pause' : st !== null && st > 3 ? 'error' : 'pulse', collapsible: false,
      data: { domid: d.domain_id, vcpu: vcpuId, fn: 'hvm_do_resume' },
    });
  }
  children(): ModelNode[] { return []; }
}
