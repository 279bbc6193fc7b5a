// The ioreq servers of a domain as every profile has them, in one shape: what the state document, the Model view and
// the explorer's invariants read. Each profile keeps its own structs (the seed's single hvm_ioreq_server, 4.5's list,
// today's array of eight); a lister per profile presents them here. Nothing in here changes model state.
import * as A from './abi';
import type { ProfileName } from './layout';
import { INVALID_GFN, type Domain } from './xen';

/** Inclusive [start, end] ranges by type; null when the server takes whatever no other server does (a catch-all). */
export interface ServerRanges {
  port: Array<[bigint, bigint]>;
  mmio: Array<[bigint, bigint]>;
  pci: Array<[bigint, bigint]>;
}

export interface ServerPage {
  /** The guest frame the page sits at, or null (never mapped into the guest, or not obtained yet). */
  gfn: number | null;
  /** Xen's mapping of its bytes, or null while it has none. */
  va: DataView | null;
  /** How the emulator obtained it: a param's pfn, the gmfn pool, XENMEM_acquire_resource, a legacy gfn. */
  how: 'param' | 'gmfn-pool' | 'acquire_resource' | 'legacy-gfn' | null;
}

export interface ServerView {
  /** The server's id (4.5: next_ioservid; today: its slot), or null where there is only one and it has none. */
  id: number | null;
  /** The emulating domain (s->domid, later s->emulator). */
  emulator: number;
  /** Whether requests can reach it (the seed's server always can, once published). */
  enabled: boolean;
  /** 4.5's default server (made by reading the ioreq params): it takes any request no range claims. */
  isDefault: boolean;
  /** Freed by the model's bookkeeping (a use afterwards is a use-after-free). */
  freed: boolean;
  ranges: ServerRanges | null;
  ioreq: ServerPage;
  bufioreq: ServerPage;
  /** HVM_IOREQSRV_BUFIOREQ_OFF / LEGACY / ATOMIC (0 / 1 / 2); the seed's server always has a buffered page (1). */
  bufioreqHandling: number;
  /** The Xen-owned port of each vcpu (index = vcpu_id), -1 where the vcpu has none. */
  ioreqEvtchn: number[];
  bufIoreqEvtchn: number;
}

export type ServerLister = (d: Domain) => ServerView[];

/** The seed and its preimage: at most one server, d->arch.hvm_domain.ioreq_server, catching every request. */
const singleServer: ServerLister = (d) => {
  const s = d.arch.hvm_domain.ioreq_server;
  if (!s) return [];
  return [{
    id: null, emulator: s.domid, enabled: !s.freed, isDefault: true, freed: s.freed, ranges: null,
    ioreq: { gfn: s.ioreq.page, va: s.ioreq.va, how: s.ioreq.page === null ? null : 'param' },
    bufioreq: { gfn: s.buf_ioreq.page, va: s.buf_ioreq.va, how: s.buf_ioreq.page === null ? null : 'param' },
    bufioreqHandling: 1,
    ioreqEvtchn: d.vcpu.map((v) => s.ioreq_evtchn[v.vcpu_id] ?? -1),
    bufIoreqEvtchn: s.buf_ioreq_evtchn,
  }];
};

/** Today's eight slots (d->ioreq_server.server[], xen/common/ioreq.c@RELEASE-4.21.0): each server with its range sets. */
const eightSlots: ServerLister = (d) => d.x421.server.flatMap((s) => {
  if (!s) return [];
  const how = (h: 'resource' | 'gfn' | null): ServerPage['how'] => (h === 'resource' ? 'acquire_resource' : h === 'gfn' ? 'legacy-gfn' : null);
  const evtchn = d.vcpu.map((v) => s.ioreq_vcpu_list.find((sv) => sv.vcpu.vcpu_id === v.vcpu_id)?.ioreq_evtchn ?? -1);
  return [{
    id: s.id, emulator: s.emulator.domain_id, enabled: s.enabled, isDefault: false, freed: s.freed,
    ranges: { port: s.range[0].ranges, mmio: s.range[1].ranges, pci: s.range[2].ranges },
    ioreq: { gfn: s.ioreq.gfn === INVALID_GFN ? null : s.ioreq.gfn, va: s.ioreq.va, how: how(s.how[0]) },
    bufioreq: { gfn: s.bufioreq.gfn === INVALID_GFN ? null : s.bufioreq.gfn, va: s.bufioreq.va, how: how(s.how[1]) },
    bufioreqHandling: s.bufioreq_handling, ioreqEvtchn: evtchn, bufIoreqEvtchn: s.bufioreq_handling ? s.bufioreq_evtchn : -1,
  }];
});

/** 4.5's list (d->arch.hvm_domain.ioreq_server.list, hvm.c@RELEASE-4.5.0), newest first; the default server has no ranges. */
const list45: ServerLister = (d) => d.hvm45.ioreq_server.list.map((s) => {
  const pairs = (r: { ranges: number[] }): Array<[bigint, bigint]> => {
    const out: Array<[bigint, bigint]> = [];
    for (let i = 0; i + 1 < r.ranges.length; i += 2) out.push([BigInt(r.ranges[i]), BigInt(r.ranges[i + 1])]);
    return out;
  };
  const isDefault = s === d.hvm45.default_ioreq_server;
  const how = (p: { page: number | null }): ServerPage['how'] => (p.page === null ? null : isDefault ? 'param' : 'gmfn-pool');
  return {
    id: s.id, emulator: s.domid, enabled: s.enabled, isDefault, freed: s.freed,
    ranges: s.range ? { port: pairs(s.range[0]), mmio: pairs(s.range[1]), pci: pairs(s.range[2]) } : null,
    ioreq: { gfn: s.ioreq.page, va: s.ioreq.va, how: how(s.ioreq) },
    bufioreq: { gfn: s.bufioreq.page, va: s.bufioreq.va, how: how(s.bufioreq) },
    bufioreqHandling: s.bufioreq.va ? 1 : 0,
    ioreqEvtchn: d.vcpu.map((v) => s.ioreq_vcpu_list.find((sv) => sv.vcpu.vcpu_id === v.vcpu_id)?.ioreq_evtchn ?? -1),
    bufIoreqEvtchn: s.bufioreq.va ? s.bufioreq_evtchn : -1,
  };
});

const listers = new Map<ProfileName, ServerLister>([['legacy', singleServer], ['seed', singleServer], ['4.5', list45],
  ['4.21', eightSlots], ['4.21-arm', eightSlots]]);

/** A profile's code registers how its servers are listed (the seed's single-server shape is the default). */
export function registerServerLister(profile: ProfileName, f: ServerLister): void {
  listers.set(profile, f);
}

export function serversOf(profile: ProfileName, d: Domain): ServerView[] {
  return (listers.get(profile) ?? singleServer)(d);
}

/** Whether a range set covers [first, last] (one range must hold it whole, as rangeset_contains_range requires). */
export function covers(ranges: Array<[bigint, bigint]>, first: bigint, last: bigint): boolean {
  return ranges.some(([s, e]) => s <= first && last <= e);
}

/** The slot state of vcpu `vcpuId` in a server's ioreq page, or null without a mapping. */
export function slotState(s: ServerView, vcpuId: number): number | null {
  return s.ioreq.va ? A.getState(s.ioreq.va, A.ioreqOffset(vcpuId)) : null;
}

/** One inclusive range as hex, a single value as itself. */
export const hexRange = ([s, e]: [bigint, bigint]): string => (s === e ? A.hex(s) : `${A.hex(s)}-${A.hex(e)}`);

/** The state document's form of a server (see README: "The state document"). */
export function serverDoc(s: ServerView, d: Domain, ring: (dv: DataView) => unknown, slot?: (dv: DataView, vcpu: number) => unknown): Record<string, unknown> {
  const page = (p: ServerPage) => ({ gfn: p.gfn === null ? null : A.hex(p.gfn), mapped: p.va !== null, how: p.how });
  return {
    id: s.id, emulator: s.emulator, enabled: s.enabled, isDefault: s.isDefault, freed: s.freed,
    ranges: s.ranges ? { port: s.ranges.port.map(hexRange), mmio: s.ranges.mmio.map(hexRange), pci: s.ranges.pci.map(hexRange) } : 'all (catch-all)',
    ioreqPage: page(s.ioreq), bufioreqPage: page(s.bufioreq),
    bufioreqHandling: ['off', 'legacy', 'atomic'][s.bufioreqHandling] ?? s.bufioreqHandling,
    ioreqEvtchn: d.vcpu.map((v) => s.ioreqEvtchn[v.vcpu_id] ?? -1), bufIoreqEvtchn: s.bufIoreqEvtchn,
    bufferedRing: s.bufioreq.va ? ring(s.bufioreq.va) : null,
    // Each vcpu's slot in this server's synchronous page, decoded from its bytes (null without a page).
    ...(slot ? { slots: d.vcpu.map((v) => (s.ioreq.va ? slot(s.ioreq.va, v.vcpu_id) : null)) } : {}),
  };
}
