// `ioreq-scope pages`: a guest's special pages as a hexdump, sixteen bytes a line, with each line's fields named and
// decoded after it: on the ioreq page every vcpu slot's ioreq_t fields (public/hvm/ioreq.h@RELEASE-4.4.0: addr, data,
// count, size, vp_eport, _pad0, the state/data_is_ptr/dir/df bit-field byte, type), on the buffered page
// read_pointer, write_pointer and each buf_ioreq_t (type, pad, dir, size code, 20-bit addr, data). Lines of zeroes
// that repeat are folded into one `*`, as hexdump -C does. The bytes are the page's own; nothing is kept beside them.
import * as A from './abi';
import { specialPageLayout } from './layout';
import type { Model } from './model';
import * as P from './params';
import { p2mTypeOf, type Domain } from './xen';

export interface PageDump {
  domid: number;
  pfn: number;
  /** SPECIALPAGE_* name, or null for a frame that is not a special page. */
  name: string | null;
  /** 'ioreq', 'bufioreq' or 'raw': how the fields are decoded (the params IOREQ_PFN / BUFIOREQ_PFN decide). */
  kind: 'ioreq' | 'bufioreq' | 'raw';
  p2mType: string;
  /** The frame's bytes as hex, or null when the frame was never written (it reads as zeroes). */
  bytes: string | null;
  lines: string[];
}

const hex2 = (b: number): string => (b < 16 ? '0' : '') + b.toString(16);

/** The fields of byte range [off, off + 16) of a page of this kind, decoded from dv. */
function fieldsOf(kind: PageDump['kind'], dv: DataView, off: number, nrVcpus: number): string[] {
  if (kind === 'ioreq') {
    const v = Math.floor(off / A.IOREQ_SIZE);
    if (v >= Math.max(nrVcpus, 1)) return [];
    const base = v * A.IOREQ_SIZE;
    const r = A.readIoreq(dv, base);
    if (off === base) return [`v${v} addr=${A.hex(r.addr)}`, `v${v} data=${A.hex(r.data)}`];
    return [`v${v} count=${r.count}`, `size=${r.size}`, `vp_eport=${r.vp_eport}`, '_pad0',
      `state=${r.state} (${A.STATE_NAMES[r.state] ?? 'invalid'}) data_is_ptr=${r.data_is_ptr} dir=${r.dir} df=${r.df}`,
      `type=${r.type} (${A.TYPE_NAMES[r.type] ?? 'unknown'})`];
  }
  if (kind === 'bufioreq') {
    const out: string[] = [];
    for (let o = off; o < off + 16; o += 8) {
      if (o === 0) {
        out.push(`read_pointer=${dv.getUint32(A.BUF_OFF_READ_POINTER, true)}`, `write_pointer=${dv.getUint32(A.BUF_OFF_WRITE_POINTER, true)}`);
        continue;
      }
      const slot = (o - 8) / 8;
      if (slot >= A.IOREQ_BUFFER_SLOT_NUM) continue;
      const b = A.readBufIoreq(dv, o);
      if (dv.getUint32(o, true) === 0 && dv.getUint32(o + 4, true) === 0) continue;
      out.push(`slot ${slot}: type=${b.type} (${A.TYPE_NAMES[b.type] ?? 'unknown'}) pad=${b.pad} dir=${b.dir} size=${b.size} (${1 << b.size} bytes) addr=${A.hex(b.addr)} data=${A.hex(b.data)}`);
    }
    return out;
  }
  return [];
}

/** One page as hexdump lines: offset, 16 bytes in two groups of 8, the printable bytes, then the fields. */
export function dumpPage(kind: PageDump['kind'], dv: DataView | null, nrVcpus: number): string[] {
  const lines: string[] = [];
  const zero = new DataView(new ArrayBuffer(A.PAGE_SIZE));
  const page = dv ?? zero;
  let prevZero = false;
  for (let off = 0; off < A.PAGE_SIZE; off += 16) {
    const bytes: number[] = [];
    for (let k = 0; k < 16; k++) bytes.push(page.getUint8(off + k));
    const fields = fieldsOf(kind, page, off, nrVcpus);
    const allZero = bytes.every((b) => b === 0);
    // Fold repeated zero lines without fields (keeping the first and the page's last line).
    if (allZero && !fields.length && off !== A.PAGE_SIZE - 16) {
      if (prevZero) { if (lines[lines.length - 1] !== '*') lines.push('*'); continue; }
      prevZero = true;
    } else prevZero = false;
    const h = bytes.map(hex2);
    const ascii = bytes.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${off.toString(16).padStart(8, '0')}  ${h.slice(0, 8).join(' ')}  ${h.slice(8).join(' ')}  |${ascii}|${fields.length ? '  ' + fields.join(' | ') : ''}`);
  }
  return lines;
}

/** Which decoding a frame of d gets: the one its params name as the ioreq or buffered page. */
function kindOf(d: Domain, pfn: number): PageDump['kind'] {
  const pr = d.arch.hvm_domain.params;
  if (pr[P.HVM_PARAM_IOREQ_PFN] === pfn && pfn !== 0) return 'ioreq';
  if (pr[P.HVM_PARAM_BUFIOREQ_PFN] === pfn && pfn !== 0) return 'bufioreq';
  return 'raw';
}

/** Every special page of every HVM guest built (or only frame pfn, in any domain that has it). */
export function pageDumps(m: Model, pfn?: number): PageDump[] {
  const out: PageDump[] = [];
  const layout = specialPageLayout(m.profile);
  for (const d of m.x.domains.values()) {
    if (!d.is_hvm || !d.reserved_mem_pgstart) continue;
    const frames = pfn !== undefined ? [pfn] : layout.pages.map((p) => p.pfn);
    for (const f of frames) {
      const g = d.holes.has(f) ? undefined : d.physmap.get(f) ?? (f < d.ram_pages ? null : undefined);
      if (g === undefined && pfn === undefined) continue;
      const kind = kindOf(d, f);
      const dv = g?.dv ?? null;
      out.push({
        domid: d.domain_id, pfn: f, name: layout.pages.find((p) => p.pfn === f)?.name ?? null, kind, p2mType: p2mTypeOf(d, f),
        bytes: g?.bytes ? [...g.bytes].map(hex2).join('') : null,
        lines: g === undefined ? [] : dumpPage(kind, dv, d.vcpu.length),
      });
    }
  }
  return out;
}

/** The text `pages` prints: a heading per page, then its hexdump. */
export function pagesText(dumps: PageDump[]): string {
  return dumps.map((p) => {
    const what = p.kind === 'ioreq' ? 'ioreq page (shared_iopage_t: one 32-byte ioreq_t per vcpu)'
      : p.kind === 'bufioreq' ? `buffered page (buffered_iopage_t: 2 pointers, ${A.IOREQ_BUFFER_SLOT_NUM} 8-byte slots)` : 'raw';
    const head = `d${p.domid} pfn ${A.hex(p.pfn)}${p.name ? ` ${p.name}` : ''}: ${what}, ${p.p2mType}${p.bytes === null && p.lines.length ? ', never written' : ''}`;
    return [head, ...(p.lines.length ? p.lines : ['  (no frame at this pfn)'])].join('\n');
  }).join('\n\n');
}
