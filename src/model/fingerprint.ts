// A compact canonical key of everything in the model that can influence what happens next, so an explorer visits
// equal states once. History (events, console lines) is left out on purpose. fingerprint() gives the exact key as
// text; fingerprintHash() folds the same stream of values into a 53-bit number (hash compaction, as SPIN's
// -DHC does), which the explorer stores instead: two different states share a hash with probability about
// n^2 / 2^54 for n states (5e-5 for a million).
import * as A from './abi';
import type { Model } from './model';

export function fingerprint(m: Model): string {
  const parts: Array<string | number> = [];
  feed(m, { push: (...v: Array<string | number>) => { parts.push(...v); } });
  return parts.join(',');
}

/** Receives the fingerprint's values in order. */
interface Sink { push(...v: Array<string | number>): void }

/** Two 32-bit multiply-xorshift lanes over the value stream. */
class Hasher implements Sink {
  a = 0x811c9dc5 | 0;
  b = 0x01000193 | 0;
  push(...vs: Array<string | number>): void {
    for (const v of vs) {
      if (typeof v === 'number') this.num(v);
      else { this.num(v.length); for (let i = 0; i < v.length; i++) this.num(v.charCodeAt(i)); }
    }
  }
  num(v: number): void {
    const lo = v | 0, hi = Number.isInteger(v) && Math.abs(v) < 2 ** 53 ? Math.floor(v / 4294967296) | 0 : 0x7fffffff;
    this.a = Math.imul(this.a ^ lo, 0x9e3779b1); this.a ^= this.a >>> 15;
    this.b = Math.imul(this.b ^ lo, 0x85ebca77); this.b ^= this.b >>> 13;
    this.a = Math.imul(this.a ^ hi, 0xc2b2ae3d); this.a ^= this.a >>> 16;
    this.b = Math.imul(this.b ^ hi, 0x27d4eb2f); this.b ^= this.b >>> 15;
  }
  value(): number {
    return (this.a >>> 0) * 2097152 + ((this.b >>> 0) & 0x1fffff);
  }
}

export function fingerprintHash(m: Model, extra?: ArrayLike<number>): number {
  const h = new Hasher();
  feed(m, h);
  if (extra) for (let i = 0; i < extra.length; i++) h.num(extra[i]);
  return h.value();
}

function feed(m: Model, out: Sink): void {
  const x = m.x;
  out.push(x.panic ? 'P' : '', x.bugs.length, x.faults.xzalloc, x.faults.map, x.faults.evtchn);
  for (const d of x.domains.values()) {
    out.push('|d', d.domain_id, d.is_dying, d.pause_count, d.crashed ? 1 : 0, d.is_shutting_down ? 1 : 0, d.arch.hvm_domain.is_s3_suspended ? 1 : 0, d.holes.size);
    const pr = d.arch.hvm_domain.params;
    for (let i = 0; i < pr.length; i++) if (pr[i] !== 0) out.push(i, pr[i]);
    const s = d.arch.hvm_domain.ioreq_server;
    if (s) {
      out.push('s', s.domid, s.freed ? 1 : 0, s.ioreq.page ?? -1, s.buf_ioreq.page ?? -1, s.buf_ioreq_evtchn);
      for (const v of d.vcpu) out.push(s.ioreq_evtchn[v.vcpu_id]);
    }
    const ports = d.evtchn.ports;
    out.push('e');
    for (let p = 1; p < ports.length; p++) {
      const c = ports[p];
      if (c.state === 0) continue;
      out.push(p, c.state, c.xen_consumer, c.notify_vcpu_id, c.remote_domid, c.remote_dom, c.remote_port, c.pending ? 1 : 0);
    }
    for (const v of d.vcpu) {
      const io = v.arch.hvm_vcpu.hvm_io;
      out.push('v', v.pause_flags.blocked_in_xen ? 1 : 0, io.io_state, io.io_size, Number(io.io_data & 0xffffffffn), Number(io.io_data >> 32n), Number(v.rax & 0xffffffffn), Number(v.rax >> 32n), v.arch.hvm_vcpu.inject_trap.vector, v.io_dropped, v.defer_shutdown ? 1 : 0);
    }
    for (const [pfn, g] of d.physmap) {
      if (!g.dv || (g.xen_maps === 0 && g.foreign_maps === 0)) continue;
      out.push('p', pfn, g.xen_maps, g.foreign_maps);
      const dv = g.dv;
      if (pfn === d.arch.hvm_domain.params[A.HVM_PARAM_BUFIOREQ_PFN_INDEX]) {
        const rp = dv.getUint32(A.BUF_OFF_READ_POINTER, true), wp = dv.getUint32(A.BUF_OFF_WRITE_POINTER, true);
        out.push(rp, wp);
        for (let i = rp; i !== wp && ((i - rp) >>> 0) < A.IOREQ_BUFFER_SLOT_NUM; i = (i + 1) >>> 0) {
          const o = A.bufSlotOffset(i);
          out.push(dv.getUint32(o, true), dv.getUint32(o + 4, true));
        }
      } else {
        const n = Math.max(d.vcpu.length, 1) * A.IOREQ_SIZE / 4;
        for (let i = 0; i < n; i++) out.push(dv.getInt32(i * 4, true));
      }
    }
  }
  for (const [name, dm] of m.dms) {
    out.push('|m', name, dm.ioreq_pfn, dm.bufioreq_pfn, dm.bufioreq_remote_port, dm.shared_page ? 1 : 0, dm.buffered_io_page ? 1 : 0, dm.bufioreq_local_port, dm.send_vcpu, dm.destroyed_guest ? 1 : 0, dm.ioreq_local_port.join(','));
    for (const [k, v] of dm.devices) out.push(k, String(v));
  }
}
