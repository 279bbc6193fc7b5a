// What the memory view shows, without DAP or `vscode`: each special page of a session's model with its bytes, the
// fields laid over them (an ioreq page's shared_iopage_t slots, field by field; a buffered page's buffered_iopage
// pointers and the slots in use), each field's decoded value, and which bytes changed since the previous stop.
import * as A from '../model/abi';
import type { Model } from '../model/model';
import { serversOf } from '../model/servers';
import { memoryRef } from './memory';

export type { PageField, PageView } from '../common/messages';
import type { PageField, PageView } from '../common/messages';

const hex = (n: number | bigint) => '0x' + n.toString(16);

/** The fields of vcpu n's ioreq_t in a shared_iopage_t. */
function ioreqFields(dv: DataView, vcpus: number): PageField[] {
  const out: PageField[] = [];
  for (let v = 0; v < vcpus; v++) {
    const o = A.ioreqOffset(v);
    const p = A.readIoreq(dv, o);
    const f = (name: string, offset: number, size: number, value: string) => out.push({ name: `vcpu_ioreq[${v}].${name}`, offset: o + offset, size, value });
    f('addr', A.OFF_ADDR, 8, hex(p.addr));
    f('data', A.OFF_DATA, 8, hex(p.data));
    f('count', A.OFF_COUNT, 4, String(p.count));
    f('size', A.OFF_SIZE, 4, String(p.size));
    f('vp_eport', A.OFF_VP_EPORT, 4, String(p.vp_eport));
    f('_pad0', A.OFF_PAD0, 2, '');
    f('state:4 data_is_ptr:1 dir:1 df:1', A.OFF_BITS, 1, `state ${A.STATE_NAMES[p.state] ?? 'invalid'} (${p.state}), data_is_ptr ${p.data_is_ptr}, dir ${p.dir ? 'read' : 'write'}, df ${p.df}`);
    f('type', A.OFF_TYPE, 1, `${A.TYPE_NAMES[p.type] ?? 'unknown'} (${p.type})`);
  }
  return out;
}

/** The pointers and the slots in use of a buffered_iopage. */
function bufFields(dv: DataView): PageField[] {
  const { read_pointer, write_pointer } = A.readBufPointers(dv);
  const out: PageField[] = [
    { name: 'read_pointer', offset: A.BUF_OFF_READ_POINTER, size: 4, value: String(read_pointer) },
    { name: 'write_pointer', offset: A.BUF_OFF_WRITE_POINTER, size: 4, value: `${write_pointer} (${(write_pointer - read_pointer) >>> 0} queued)` },
  ];
  const used = Math.min((write_pointer - read_pointer) >>> 0, A.IOREQ_BUFFER_SLOT_NUM);
  for (let i = 0; i < used; i++) {
    const idx = (read_pointer + i) >>> 0;
    const off = A.bufSlotOffset(idx);
    const b = A.readBufIoreq(dv, off);
    out.push({ name: `buf_ioreq[${idx % A.IOREQ_BUFFER_SLOT_NUM}]`, offset: off, size: A.BUF_IOREQ_SIZE,
      value: `${A.TYPE_NAMES[b.type] ?? b.type} ${b.dir ? 'read' : 'write'} size ${1 << b.size} addr ${hex(b.addr)} data ${hex(b.data)}` });
  }
  return out;
}

/** The special pages of a model (those with bytes), with their fields; `previous` gives the changed bytes. */
export function pageViews(m: Model, previous?: Map<string, number[]>): PageView[] {
  const out: PageView[] = [];
  for (const d of m.x.domains.values()) {
    const servers = d.is_hvm ? serversOf(m.profile, d) : [];
    for (const [pfn, g] of d.physmap) {
      if (g.use === 'ram' || !g.bytes) continue;
      const dv = g.data();
      const isIoreq = servers.some((s) => s.ioreq.gfn === pfn) || g.use === 'IOREQ';
      const isBuf = servers.some((s) => s.bufioreq.gfn === pfn) || g.use === 'BUFIOREQ';
      const kind = isIoreq ? 'ioreq' : isBuf ? 'bufioreq' : 'other';
      const ref = memoryRef(d.domain_id, pfn);
      const bytes = Array.from(g.bytes);
      const before = previous?.get(ref);
      out.push({
        memoryReference: ref, domid: d.domain_id, pfn, name: g.use, kind, bytes,
        fields: kind === 'ioreq' ? ioreqFields(dv, Math.max(1, d.vcpu.length)) : kind === 'bufioreq' ? bufFields(dv) : [],
        changed: before ? bytes.flatMap((b, i) => (b !== before[i] ? [i] : [])) : [],
      });
    }
  }
  return out;
}

/** The field a byte of a page lies in, if any. */
export function fieldAt(v: PageView, offset: number): PageField | undefined {
  return v.fields.find((f) => offset >= f.offset && offset < f.offset + f.size);
}
