// The model's whole state as JSON (the `state --json` shape, documented in README.md). Slots and the buffered ring
// are decoded from the pages' bytes, never from a copy beside them.
import * as A from './abi';
import type { DeviceModel } from './dm';
import { ECS_FREE, ECS_INTERDOMAIN, ECS_NAMES, ECS_RESERVED, ECS_UNBOUND } from './evtchn';
import { specialPageLayout } from './layout';
import type { Model } from './model';
import { PARAM_NAMES, PFN_PARAMS } from './params';
import { serverDoc, serversOf } from './servers';
import { HVMIO_NAMES, type Domain, type HvmIoreqServer } from './xen';
import * as X from './xen';
import { isX421 } from './layout';

/** Bytes as lower-case hex, two digits each. */
export function hexOf(b: Uint8Array): string {
  let out = '';
  for (let i = 0; i < b.length; i++) out += (b[i] < 16 ? '0' : '') + b[i].toString(16);
  return out;
}

export function decodeSlot(dv: DataView, vcpuId: number): Record<string, unknown> {
  const p = A.readIoreq(dv, A.ioreqOffset(vcpuId));
  return {
    addr: A.hex(p.addr), data: A.hex(p.data), count: p.count, size: p.size, vp_eport: p.vp_eport,
    state: p.state, stateName: A.STATE_NAMES[p.state] ?? `invalid(${p.state})`,
    data_is_ptr: p.data_is_ptr, dir: p.dir, df: p.df, type: p.type, typeName: A.TYPE_NAMES[p.type] ?? `unknown(${p.type})`,
  };
}

export function decodeRing(dv: DataView): Record<string, unknown> {
  const { read_pointer, write_pointer } = A.readBufPointers(dv);
  const used = (write_pointer - read_pointer) >>> 0;
  const slots: Array<Record<string, unknown>> = [];
  for (let i = 0; i < Math.min(used, A.IOREQ_BUFFER_SLOT_NUM); i++) {
    const idx = (read_pointer + i) >>> 0;
    const b = A.readBufIoreq(dv, A.bufSlotOffset(idx));
    slots.push({ slot: idx % A.IOREQ_BUFFER_SLOT_NUM, type: b.type, typeName: A.TYPE_NAMES[b.type] ?? `unknown(${b.type})`, dir: b.dir, size: 1 << b.size, addr: A.hex(b.addr), data: A.hex(b.data) });
  }
  return { readPointer: read_pointer, writePointer: write_pointer, used, slotNum: A.IOREQ_BUFFER_SLOT_NUM, pending: slots };
}

function serverJson(s: HvmIoreqServer, d: Domain): Record<string, unknown> {
  return {
    domid: s.domid,
    ioreqPfn: s.ioreq.page === null ? null : A.hex(s.ioreq.page),
    bufioreqPfn: s.buf_ioreq.page === null ? null : A.hex(s.buf_ioreq.page),
    ioreqEvtchn: d.vcpu.map((v) => s.ioreq_evtchn[v.vcpu_id]),
    bufIoreqEvtchn: s.buf_ioreq_evtchn,
    freed: s.freed,
    bufferedRing: s.buf_ioreq.va ? decodeRing(s.buf_ioreq.va) : null,
  };
}

function evtchnJson(d: Domain): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  d.evtchn.ports.forEach((c, port) => {
    if (c.state === ECS_FREE || c.state === ECS_RESERVED) return;
    const e: Record<string, unknown> = { port, state: ECS_NAMES[c.state], xenConsumer: c.xen_consumer !== 0, notifyVcpu: c.notify_vcpu_id, pending: c.pending };
    if (c.state === ECS_UNBOUND) e.remoteDomid = c.remote_domid;
    if (c.state === ECS_INTERDOMAIN) { e.remoteDom = c.remote_dom; e.remotePort = c.remote_port; }
    out.push(e);
  });
  return out;
}

// ---- issue 10 (today's Xen): servers of the 4.21 profiles ----
const HOW_NAMES: Record<string, string> = { resource: 'XENMEM_acquire_resource', gfn: 'legacy gfn (get_ioreq_server_info)' };
function server421Json(s: X.IoreqServer): Record<string, unknown> {
  const page = (p: X.IoreqPage, how: string | null) => p.page ? { gfn: p.gfn === X.INVALID_GFN ? null : A.hex(p.gfn), how: how ? HOW_NAMES[how] : null, mapped: !!p.va } : null;
  return {
    id: s.id,
    emulator: s.emulator.domain_id,
    enabled: s.enabled,
    bufioreqHandling: ['OFF', 'LEGACY', 'ATOMIC'][s.bufioreq_handling] ?? s.bufioreq_handling,
    ranges: { port: s.range[0].ranges.map(([a, b]) => `${A.hex(a)}-${A.hex(b)}`), memory: s.range[1].ranges.map(([a, b]) => `${A.hex(a)}-${A.hex(b)}`),
      pci: s.range[2].ranges.map(([a, b]) => `${A.hex(a)}-${A.hex(b)}`) },
    ioreqPage: page(s.ioreq, s.how[0]),
    bufioreqPage: page(s.bufioreq, s.how[1]),
    ports: s.ioreq_vcpu_list.slice().sort((a, b) => a.vcpu.vcpu_id - b.vcpu.vcpu_id).map((sv) => ({ vcpu: sv.vcpu.vcpu_id, port: sv.ioreq_evtchn, pending: sv.pending })),
    bufioreqPort: s.bufioreq_handling ? s.bufioreq_evtchn : null,
    bufferedRing: s.bufioreq.va ? decodeRing(s.bufioreq.va) : null,
  };
}
function x421Json(d: Domain): Record<string, unknown> {
  return {
    servers: d.x421.server.filter((s): s is X.IoreqServer => !!s).map(server421Json),
    refcnt: d.x421.refcnt,
    pciCf8: A.hex(d.x421.pci_cf8),
    ioreqGfnPool: { base: A.hex(d.x421.ioreq_gfn.base), mask: A.hex(d.x421.ioreq_gfn.mask), legacyMask: A.hex(d.x421.ioreq_gfn.legacy_mask) },
    vcpuIo: d.vcpu.map((v) => ({ vcpu: v.vcpu_id, completion: X.VIO_NAMES[v.io.completion], suspended: v.io.suspended, reqState: A.STATE_NAMES[v.io.req.state] ?? v.io.req.state,
      mapcacheInvalidate: v.mapcache_invalidate, completedWithPending: v.io_completed_pending,
      restartedAfterSend: v.io_restarted_sent, heldAfterSend: v.io.held_rc >= 0 })),
  };
}
// ---- end 4.21 ----

/** What state --json adds on request: each special page's bytes (hex; null for a page never written). */
export interface StateOptions { bytes?: boolean }

/** The p2m type of each special page and of every other frame not plain RAM (paged out, shared, read-only). */
function p2mDoc(m: Model, d: Domain): Record<string, string> {
  const out: Record<string, string> = {};
  if (d.is_hvm && d.reserved_mem_pgstart) for (const p of specialPageLayout(m.profile).pages) out[A.hex(p.pfn)] = X.p2mTypeOf(d, p.pfn);
  for (const [pfn, g] of d.physmap) if (g.paged_out || g.shared || g.not_writable) out[A.hex(pfn)] = X.p2mTypeOf(d, pfn);
  return out;
}

export function domainJson(m: Model, d: Domain, opts: StateOptions = {}): Record<string, unknown> {
  const params: Record<string, number | string> = {};
  d.arch.hvm_domain.params.forEach((v, i) => {
    if (v !== 0) params[PARAM_NAMES[i] ?? String(i)] = PFN_PARAMS.has(i) ? A.hex(v) : v;
  });
  const layout = specialPageLayout(m.profile);
  const s = d.arch.hvm_domain.ioreq_server;
  const slotPage = s && !s.freed ? s.ioreq.va : null;
  return {
    domid: d.domain_id,
    isHvm: d.is_hvm,
    isDying: d.is_dying,
    pauseCount: d.pause_count,
    target: d.target < 0 ? null : d.target,
    crashed: d.crashed,
    isShuttingDown: d.is_shutting_down,
    shutdownCode: d.shutdown_code < 0 ? null : (X.SHUTDOWN_NAMES[d.shutdown_code] ?? d.shutdown_code),
    isShutDown: d.is_shut_down,
    stdvga: { stdvga: d.stdvga.stdvga, cache: d.stdvga.cache, srIndex: d.stdvga.sr_index, sr: [...d.stdvga.sr].map((b) => A.hex(b)),
      grIndex: d.stdvga.gr_index, gr: [...d.stdvga.gr].map((b) => A.hex(b)) },
    pagingRequests: d.paging_requests.map((g) => A.hex(g)),
    p2m: p2mDoc(m, d),
    reservedMemPgstart: d.is_hvm && d.reserved_mem_pgstart ? A.hex(d.reserved_mem_pgstart) : null,
    params,
    specialPages: d.is_hvm && d.reserved_mem_pgstart ? layout.pages.map((p) => {
      const g = d.physmap.get(p.pfn);
      return { name: p.name, index: p.index, pfn: A.hex(p.pfn), insideReserved: p.insideReserved, insideE820Reserved: p.insideE820Reserved, inP2m: d.page(p.pfn) !== null, xenMaps: g?.xen_maps ?? 0, foreignMaps: g?.foreign_maps ?? 0,
        ...(opts.bytes ? { bytes: g?.bytes ? hexOf(g.bytes) : null } : {}) };
    }) : [],
    vcpus: d.vcpu.map((v) => ({
      vcpuId: v.vcpu_id,
      blockedInXen: v.pause_flags.blocked_in_xen,
      ioState: HVMIO_NAMES[v.arch.hvm_vcpu.hvm_io.io_state],
      rax: A.hex(v.rax),
      injectTrap: v.arch.hvm_vcpu.inject_trap.vector,
      ioDone: v.io_done,
      ioDropped: v.io_dropped,
      ioRestarts: v.io_restarts,
      ioStale: v.io_stale,
      deferShutdown: v.defer_shutdown,
      pausedForShutdown: v.paused_for_shutdown,
      slot: slotPage ? decodeSlot(slotPage, v.vcpu_id) : null,
    })),
    ioreqServer: s ? serverJson(s, d) : null,
    ioreqServers: serversOf(m.profile, d).map((sv) => serverDoc(sv, d, decodeRing, decodeSlot)),
    evtchns: evtchnJson(d),
    ...(isX421(m.profile) ? { x421: x421Json(d) } : {}), // 4.21
  };
}

export function dmJson(name: string, dm: DeviceModel): Record<string, unknown> {
  return {
    name, domid: dm.domid, target: dm.target,
    ioreqPfn: dm.ioreq_pfn < 0 ? null : A.hex(dm.ioreq_pfn),
    bufioreqPfn: dm.bufioreq_pfn < 0 ? null : A.hex(dm.bufioreq_pfn),
    ioreqLocalPort: dm.ioreq_local_port, bufioreqLocalPort: dm.bufioreq_local_port,
    handled: dm.handled, bufferedHandled: dm.buffered_handled, destroyedGuest: dm.destroyed_guest,
    serving: dm.service === 'none' ? null : { vcpu: dm.send_vcpu, step: dm.service }, stderr: dm.stderr,
    ...(dm.kind === 'ioeventfd' ? { ioeventfd: { addr: A.hex(dm.kio_addr), addrLen: dm.kio_addr_len, vq: dm.kio_vq, ownOnly: dm.kio_own_only,
      assigned: dm.kio_at.length > 0, at: dm.kio_at.map((a) => ['idle', 'checked', 'inprocess'][a]), signals: dm.kio_signals } } : {}),
    ...(dm.ioservid >= 0 || dm.pages_how ? { ioservid: dm.ioservid, pagesHow: dm.pages_how, dead: dm.dead, lastError: dm.last_error } : {}), // 4.21
  };
}

export function stateJson(m: Model, opts: StateOptions = {}): Record<string, unknown> {
  const domains: Record<string, unknown> = {};
  for (const d of m.x.domains.values()) domains[String(d.domain_id)] = domainJson(m, d, opts);
  return {
    profile: m.profile,
    panic: m.x.panic,
    bugs: m.x.bugs,
    heap: m.x.heap,
    domains,
    deviceModels: [...m.dms].map(([k, dm]) => dmJson(k, dm)),
    console: m.x.console.map((l) => `(XEN) ${l.text}`),
    events: m.x.events.length,
  };
}

