// The model's state cut into named components, each with a hash: what the explorer's partial-order reduction calls
// a step's footprint is a set of these names. A step's declared writes are checked against the components whose
// hash it changed (the explorer's --check-footprints, and every oracle test). The cut:
//   x          Xen's heap counters and fault injections (the bug log is a commutative record: left out)
//   dD         domain D's structure: params, servers and their ranges, the event channel bindings, the physmap's
//              mapping counts, the gfn pools, the CF8 latch, anything of the domain not named below
//   dD.run     whether D's vcpus run: dying, paused, crashed, shut down, each vcpu's paused_for_shutdown
//   dD.vga     stdvga's registers and VRAM
//   dD.ram     the bytes of D's ordinary frames
//   dD.buf.N   the buffered ioreq page device model N maps, and the pending bits of its ports (both ends);
//              dD.buf for a buffered page no device model maps
//   dD.vV      vcpu V: its registers and I/O state, its slot in every ioreq page, the pending flags of its ports
//              (both ends) and today's per-server pending flag
//   m:N        device model N's own state; m:N.dead whether its process has gone
// The walk is generic over each object's own fields, so a field added later is covered without a change here; an
// object that is another owner's (a Domain or Vcpu reached through a pointer) is hashed as a reference.
import * as A from './abi';
import type { Model } from './model';
import { Hasher as H } from './fingerprint';
import { serversOf } from './servers';
import { Domain, HvmIoreqServer, PageView, Vcpu } from './xen';

/** A page mapping's bytes (a PageView over shared chunks, or a plain DataView). */
function bytesOf(v: DataView): Uint8Array {
  const pv = v as unknown as PageView;
  if (pv instanceof PageView) return pv.s.bytes();
  return new Uint8Array(v.buffer, v.byteOffset, A.PAGE_SIZE);
}


type Skip = (owner: object, key: string) => boolean;
/** The clone's own bookkeeping (who shares what with whom), not model state: a clone sets it in its original too. */
const BOOKKEEPING = new Set(['regsShared', 'gen', 'arrayGen', 'cow']);
const NO_SKIP: Skip = () => false;

/** Hashes any value reachable from v, a Domain or Vcpu met on the way as a reference only. */
function walk(h: H, v: unknown, skip: Skip, depth: number): void {
  if (depth > 16) throw new Error('internal: components walk too deep (a cycle the walk does not know)');
  switch (typeof v) {
    case 'undefined': h.n(-11); return;
    case 'boolean': h.n(v ? -12 : -13); return;
    case 'number': h.n(v); return;
    case 'bigint': h.s(v.toString(16)); return;
    case 'string': h.s(v); return;
    case 'function': return;
  }
  if (v === null) { h.n(-14); return; }
  if (v instanceof Domain) { h.s('D'); h.n(v.domain_id); return; }
  if (v instanceof Vcpu) { h.s('V'); h.n(v.domain.domain_id); h.n(v.vcpu_id); return; }
  // Page bytes are components of their own (slots, the ring, RAM): here only whether a mapping is there.
  if (v instanceof DataView || v instanceof Uint8Array || v instanceof PageView) { h.n(-15); return; }
  if (Array.isArray(v)) { h.n(-16 - v.length); for (const e of v) walk(h, e, skip, depth + 1); return; }
  if (v instanceof Map) { h.n(-17 - v.size); for (const [k, e] of v) { walk(h, k, skip, depth + 1); walk(h, e, skip, depth + 1); } return; }
  if (v instanceof Set) { h.n(-18 - v.size); for (const e of v) walk(h, e, skip, depth + 1); return; }
  const o = v as Record<string, unknown>;
  for (const k of Object.keys(o)) {
    if (BOOKKEEPING.has(k) || skip(o, k)) continue;
    h.s(k);
    walk(h, o[k], skip, depth + 1);
  }
}

const RUN_FIELDS = ['is_dying', 'pause_count', 'crashed', 'is_shutting_down', 'shutdown_code', 'is_shut_down'] as const;
/** Fields of a Domain hashed elsewhere than under dD. */
const DOMAIN_ELSEWHERE = new Set<string>([...RUN_FIELDS, 'vcpu', 'stdvga', 'physmap', 'evtchn', 'domain_id']);
const VCPU_ELSEWHERE = new Set<string>(['domain', 'vcpu_id', 'paused_for_shutdown']);

export function componentHashes(m: Model): Map<string, number> {
  const out = new Map<string, H>();
  const at = (k: string): H => { let h = out.get(k); if (!h) { h = new H(); out.set(k, h); } return h; };
  const x = m.x;
  walk(at('x'), { faults: x.faults, heap: x.heap }, NO_SKIP, 0);
  // Which device model maps which buffered page: each ring is its own component.
  const ringOf = new Map<object, string>();
  for (const [name, dm] of m.dms) if (dm.buffered_io_page) ringOf.set(dm.buffered_io_page, `d${dm.target}.buf.${name}`);
  const ringKey = (d: number, page: object | null | undefined) => (page && ringOf.get(page)) ?? `d${d}.buf`;
  // Which port's pending bit belongs to which vcpu (or the ring): both ends of every server's ports.
  const portKey = new Map<string, string>();
  for (const d of x.domains.values()) {
    for (const sv of serversOf(m.profile, d)) {
      const bind = (port: number, key: string) => {
        if (port < 0 || !d.evtchn.valid(port)) return;
        portKey.set(`${d.domain_id}:${port}`, key);
        const c = d.evtchn.ports[port];
        if (c.remote_dom >= 0) portKey.set(`${c.remote_dom}:${c.remote_port}`, key);
      };
      sv.ioreqEvtchn.forEach((p, v) => bind(p, `d${d.domain_id}.v${v}`));
      bind(sv.bufIoreqEvtchn, ringKey(d.domain_id, sv.bufioreq.va));
    }
  }
  for (const d of x.domains.values()) {
    const D = `d${d.domain_id}`;
    const run = at(`${D}.run`);
    for (const f of RUN_FIELDS) walk(run, d[f], NO_SKIP, 0);
    for (const v of d.vcpu) run.n(v.paused_for_shutdown ? 1 : 0);
    walk(at(`${D}.vga`), d.stdvga, NO_SKIP, 0);
    // The sequencer and graphics registers are byte arrays, which the walk takes for page mappings: their bytes here.
    at(`${D}.vga`).bytes(d.stdvga.sr); at(`${D}.vga`).bytes(d.stdvga.gr);
    const g = d.stdvga as unknown as { vram?: Array<Uint8Array | DataView | null> };
    if (Array.isArray(g.vram)) g.vram.forEach((pg, i) => { if (pg) { at(`${D}.vga`).n(i); at(`${D}.vga`).bytes(pg instanceof Uint8Array ? pg : bytesOf(pg)); } });
    // Today's per-server pending flag is the vcpu's; the rest of each server is the domain's.
    // (and the seed's server keeps a cache of get_ioreq results, `refs`, which is not Xen state).
    const skipPending: Skip = (o, k) => (k === 'pending' && 'ioreq_evtchn' in o && 'vcpu' in o) || (k === 'refs' && o instanceof HvmIoreqServer);
    walk(at(D), Object.fromEntries(Object.entries(d).filter(([k]) => !DOMAIN_ELSEWHERE.has(k))), skipPending, 0);
    for (const v of d.vcpu) {
      const hv = at(`${D}.v${v.vcpu_id}`);
      walk(hv, Object.fromEntries(Object.entries(v).filter(([k]) => !VCPU_ELSEWHERE.has(k))), NO_SKIP, 0);
    }
    for (const s of d.x421.server) {
      if (!s) continue;
      for (const sv of s.ioreq_vcpu_list) at(`${D}.v${sv.vcpu.vcpu_id}`).n(sv.pending ? 1 : 0);
    }
    // Ports: the binding is the domain's, the pending bit its owner's.
    const ports = d.evtchn.ports;
    const hd = at(D);
    hd.n(d.evtchn.max_evtchns); hd.n(ports.length);
    for (let p = 0; p < ports.length; p++) {
      const c = ports[p];
      hd.n(c.state); hd.n(c.xen_consumer); hd.n(c.notify_vcpu_id); hd.n(c.remote_domid); hd.n(c.remote_dom); hd.n(c.remote_port);
      const k = portKey.get(`${d.domain_id}:${p}`) ?? D;
      const hp = at(k); hp.n(p); hp.n(c.pending ? 1 : 0);
    }
    // Pages: the ioreq pages by slot, the ring whole, the rest as RAM; every frame's mapping state is the domain's.
    const ioreqBufs = new Set<DataView>(), bufBufs = new Set<DataView>();
    for (const sv of serversOf(m.profile, d)) {
      if (sv.ioreq.va) ioreqBufs.add(sv.ioreq.va);
      if (sv.bufioreq.va) bufBufs.add(sv.bufioreq.va);
    }
    const pr = d.arch.hvm_domain.params;
    const ioreqPfn = pr[A.HVM_PARAM_IOREQ_PFN_INDEX], bufPfn = pr[A.HVM_PARAM_BUFIOREQ_PFN_INDEX];
    for (const [pfn, pg] of d.physmap) {
      // An ordinary frame nobody maps is RAM only (Domain.page materialises one on first touch: not a change).
      const plain = pg.use === 'ram' && !pg.xen_maps && !pg.foreign_maps && !pg.paged_out && !pg.shared && !pg.not_writable;
      if (!plain) { walk(hd, pfn, NO_SKIP, 0); walk(hd, pg, (_o, k) => k === 'view', 0); }
      if (!pg.dv) continue;
      if (pfn === ioreqPfn) ioreqBufs.add(pg.dv);
      else if (pfn === bufPfn) bufBufs.add(pg.dv);
    }
    const slotBytes = (page: DataView) => {
      const b = bytesOf(page);
      for (const v of d.vcpu) { const o = A.ioreqOffset(v.vcpu_id); at(`${D}.v${v.vcpu_id}`).bytes(b, o, o + A.IOREQ_SIZE); }
      hd.bytes(b, d.vcpu.length * A.IOREQ_SIZE);
    };
    for (const b of ioreqBufs) slotBytes(b);
    for (const b of bufBufs) at(ringKey(d.domain_id, b)).bytes(bytesOf(b));
    for (const [pfn, pg] of d.physmap) {
      if (!pg.dv || ioreqBufs.has(pg.dv) || bufBufs.has(pg.dv)) continue;
      const bytes = bytesOf(pg.dv);
      if (bytes.every((b) => b === 0)) continue;
      const r = at(`${D}.ram`); r.n(pfn); r.bytes(bytes);
    }
  }
  for (const [name, dm] of m.dms) {
    walk(at(`m:${name}`), dm, (_o, k) => k === 'dead', 0);
    at(`m:${name}.dead`).n(dm.dead ? 1 : 0);
  }
  const res = new Map<string, number>();
  for (const [k, h] of out) res.set(k, h.value());
  return res;
}

/** The components whose hash differs between two snapshots (present in one only counts as changed). */
export function changedComponents(before: Map<string, number>, after: Map<string, number>): string[] {
  const out: string[] = [];
  for (const [k, v] of after) if (before.get(k) !== v) out.push(k);
  for (const k of before.keys()) if (!after.has(k)) out.push(k);
  return out;
}
