// The special pages as memory, without DAP: each page's memory reference (`d1:0xfeff9`), reading its bytes and
// writing them as a recorded edit (so time travel replays the write). session.ts only translates.
import * as A from '../model/abi';
import type { PageView } from '../model/xen';
import type { IoreqRuntime } from './runtime';

/** A special page's memory reference: "d<domid>:0x<pfn>". */
export function memoryRef(domid: number, pfn: number): string {
  return `d${domid}:${A.hex(pfn)}`;
}

export function parseMemoryRef(ref: string): { domid: number; pfn: number } | undefined {
  const m = /^d(\d+):0x([0-9a-f]+)$/.exec(ref);
  return m ? { domid: Number(m[1]), pfn: parseInt(m[2], 16) } : undefined;
}

/** The bytes of the page `ref` names, or null when it names no page of the model. */
export function pageOf(rt: IoreqRuntime, ref: string): DataView | null {
  const r = parseMemoryRef(ref);
  const g = r ? rt.session.m.x.domains.get(r.domid)?.page(r.pfn) : undefined;
  return g ? g.data() : null;
}

/** Reads `count` bytes at `offset` of a page: the guest-physical address, the bytes, and how many lie past the page. */
export function readPage(rt: IoreqRuntime, ref: string, offset: number, count: number): { address: string; bytes: Uint8Array; unreadable: number } | null {
  const pg = pageOf(rt, ref);
  if (!pg) return null;
  const start = Math.min(A.PAGE_SIZE, Math.max(0, offset));
  const end = Math.min(A.PAGE_SIZE, start + Math.max(0, count));
  const bytes = new Uint8Array(end - start);
  for (let i = 0; i < bytes.length; i++) bytes[i] = pg.getUint8(start + i);
  const pfn = parseMemoryRef(ref)!.pfn;
  return { address: '0x' + (pfn * A.PAGE_SIZE + start).toString(16), bytes, unreadable: Math.max(0, count - (end - start)) };
}

/** Writes bytes into a page at the current position (a recorded edit). Returns an error text, or null. */
export function writePage(rt: IoreqRuntime, ref: string, offset: number, data: Uint8Array): string | null {
  if (!pageOf(rt, ref)) return `no page '${ref}' (expected d<domid>:0x<pfn> of a special page)`;
  if (offset < 0 || offset + data.length > A.PAGE_SIZE) return 'write outside the page';
  const at = parseMemoryRef(ref)!;
  const bytes = data.slice();
  rt.edit((s) => {
    const pg = s.m.x.domains.get(at.domid)?.page(at.pfn)?.data();
    if (pg) for (let i = 0; i < bytes.length; i++) pg.setUint8(offset + i, bytes[i]);
  });
  return null;
}

/**
 * The special pages at a stop, by memory reference: each page's mapping forked (the model's copy on write: the
 * forked view shares the page's chunks, and the model's next write to the page copies the chunk it lands in), so a
 * snapshot costs a small object per page, not a copy of its bytes.
 */
export type PageSnapshot = Map<string, PageView>;

/** The special pages' mappings now (pages that have bytes), forked: to tell, at the next stop, which bytes changed. */
export function snapshotPages(rt: IoreqRuntime): PageSnapshot {
  const out: PageSnapshot = new Map();
  for (const d of rt.session.m.x.domains.values()) {
    for (const [pfn, g] of d.physmap) {
      if (g.use === 'ram' || !g.view) continue;
      out.set(memoryRef(d.domain_id, pfn), g.view.fork());
    }
  }
  return out;
}

/**
 * The byte range of each special page that differs from a snapshot now (a page new or gone: the whole page). A chunk
 * the page still shares with the snapshot is unchanged (a write would have copied it); only the others are compared.
 */
export function changedSince(rt: IoreqRuntime, before: PageSnapshot): Array<{ memoryReference: string; offset: number; count: number }> {
  const out: Array<{ memoryReference: string; offset: number; count: number }> = [];
  const seen = new Set<string>();
  for (const d of rt.session.m.x.domains.values()) {
    for (const [pfn, g] of d.physmap) {
      if (g.use === 'ram' || !g.view) continue;
      const ref = memoryRef(d.domain_id, pfn);
      seen.add(ref);
      const a = before.get(ref);
      if (!a) { out.push({ memoryReference: ref, offset: 0, count: A.PAGE_SIZE }); continue; }
      const r = changedRange(a, g.view);
      if (r) out.push({ memoryReference: ref, ...r });
    }
  }
  for (const ref of before.keys()) if (!seen.has(ref)) out.push({ memoryReference: ref, offset: 0, count: A.PAGE_SIZE });
  return out;
}

/** The first and last differing byte of two mappings of a page, or null when they read the same. */
function changedRange(a: PageView, b: PageView): { offset: number; count: number } | null {
  if (a.s === b.s) return null;
  const ca = a.s.c, cb = b.s.c;
  const n = A.PAGE_SIZE / ca.length;
  let lo = -1, hi = -1;
  for (let k = 0; k < ca.length; k++) {
    if (ca[k] === cb[k]) continue;
    const x = new Uint8Array(ca[k].buffer, ca[k].byteOffset, n), y = new Uint8Array(cb[k].buffer, cb[k].byteOffset, n);
    for (let i = 0; i < n; i++) if (x[i] !== y[i]) { if (lo < 0) lo = k * n + i; hi = k * n + i; }
  }
  return lo < 0 ? null : { offset: lo, count: hi - lo + 1 };
}

/**
 * The page and offset an address names for a data breakpoint: "d1:0xfeff9+0x1e" (a memory reference and offset),
 * or a guest-physical address "0xfeff901e" looked up among the special pages (`domid` first, then any HVM guest's).
 */
export function resolveAddress(rt: IoreqRuntime, text: string, domid?: number): { domid: number; pfn: number; offset: number } | undefined {
  const m = /^d(\d+):0x([0-9a-f]+)(?:\+0x([0-9a-f]+))?$/i.exec(text.trim());
  if (m) return { domid: Number(m[1]), pfn: parseInt(m[2], 16), offset: m[3] ? parseInt(m[3], 16) : 0 };
  const a = /^(0x[0-9a-f]+|\d+)$/i.test(text.trim()) ? Number(BigInt(text.trim())) : NaN;
  if (!Number.isFinite(a)) return undefined;
  const pfn = Math.floor(a / A.PAGE_SIZE), offset = a % A.PAGE_SIZE;
  const doms = [...rt.session.m.x.domains.values()].sort((x, y) => (x.domain_id === domid ? -1 : y.domain_id === domid ? 1 : y.domain_id - x.domain_id));
  const d = doms.find((x) => { const g = x.physmap.get(pfn); return g && g.use !== 'ram'; });
  return d ? { domid: d.domain_id, pfn, offset } : undefined;
}

/**
 * DAP's dataBreakpointInfo with asAddress, without DAP: `count` bytes (1 to 4096) at an address of a special page,
 * as the data id the runtime watches, or null and why not.
 */
export function addressBreakpointInfo(rt: IoreqRuntime | null, name: string, bytes: number | undefined, domid?: number): { dataId: string | null; description: string } {
  const at = rt ? resolveAddress(rt, name, domid) : undefined;
  const count = Math.max(1, Math.min(bytes ?? 1, 4096));
  if (!at || at.offset + count > 4096) return { dataId: null, description: `'${name}' is not in a special page of the model (an address such as 0xfeff901e, or d1:0xfeff9+0x1e)` };
  return { dataId: `mem:${at.domid}:${at.pfn.toString(16)}:${at.offset}:${count}`, description: `d${at.domid}:0x${at.pfn.toString(16)}+0x${at.offset.toString(16)}, ${count} byte(s)` };
}
