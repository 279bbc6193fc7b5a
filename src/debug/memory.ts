// The special pages as memory, without DAP: each page's memory reference (`d1:0xfeff9`), reading its bytes and
// writing them as a recorded edit (so time travel replays the write). session.ts only translates.
import * as A from '../model/abi';
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
  const bytes = new Uint8Array(pg.buffer, pg.byteOffset + start, end - start).slice();
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
