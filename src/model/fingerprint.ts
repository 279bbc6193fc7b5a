// A compact canonical key of everything in the model that can influence what happens next, so an explorer visits
// equal states once. History (events, console lines) is left out on purpose.
import * as A from './abi';
import type { Model } from './model';

export function fingerprint(m: Model): string {
  const x = m.x;
  const parts: Array<string | number> = [x.panic ? 'P' : '', x.bugs.length, x.faults.xzalloc, x.faults.map, x.faults.evtchn];
  for (const d of x.domains.values()) {
    parts.push('|d', d.domain_id, d.is_dying, d.pause_count, d.crashed ? 1 : 0, d.is_shutting_down ? 1 : 0, d.arch.hvm_domain.is_s3_suspended ? 1 : 0, d.holes.size);
    const pr = d.arch.hvm_domain.params;
    for (let i = 0; i < pr.length; i++) if (pr[i] !== 0) parts.push(i, pr[i]);
    const s = d.arch.hvm_domain.ioreq_server;
    if (s) {
      parts.push('s', s.domid, s.freed ? 1 : 0, s.ioreq.page ?? -1, s.buf_ioreq.page ?? -1, s.buf_ioreq_evtchn);
      for (const v of d.vcpu) parts.push(s.ioreq_evtchn[v.vcpu_id]);
    }
    const ports = d.evtchn.ports;
    parts.push('e');
    for (let p = 1; p < ports.length; p++) {
      const c = ports[p];
      if (c.state === 0) continue;
      parts.push(p, c.state, c.xen_consumer, c.notify_vcpu_id, c.remote_domid, c.remote_dom, c.remote_port, c.pending ? 1 : 0);
    }
    for (const v of d.vcpu) {
      const io = v.arch.hvm_vcpu.hvm_io;
      parts.push('v', v.pause_flags.blocked_in_xen ? 1 : 0, io.io_state, io.io_size, String(io.io_data), String(v.rax), v.arch.hvm_vcpu.inject_trap.vector, v.io_dropped, v.defer_shutdown ? 1 : 0);
    }
    for (const [pfn, g] of d.physmap) {
      if (!g.dv || (g.xen_maps === 0 && g.foreign_maps === 0)) continue;
      parts.push('p', pfn, g.xen_maps, g.foreign_maps);
      const dv = g.dv;
      if (pfn === d.arch.hvm_domain.params[A.HVM_PARAM_BUFIOREQ_PFN_INDEX]) {
        const rp = dv.getUint32(A.BUF_OFF_READ_POINTER, true), wp = dv.getUint32(A.BUF_OFF_WRITE_POINTER, true);
        parts.push(rp, wp);
        for (let i = rp; i !== wp && ((i - rp) >>> 0) < A.IOREQ_BUFFER_SLOT_NUM; i = (i + 1) >>> 0) {
          const o = A.bufSlotOffset(i);
          parts.push(dv.getUint32(o, true), dv.getUint32(o + 4, true));
        }
      } else {
        const n = Math.max(d.vcpu.length, 1) * A.IOREQ_SIZE / 4;
        for (let i = 0; i < n; i++) parts.push(dv.getInt32(i * 4, true));
      }
    }
  }
  for (const [name, dm] of m.dms) {
    parts.push('|m', name, dm.ioreq_pfn, dm.bufioreq_pfn, dm.bufioreq_remote_port, dm.shared_page ? 1 : 0, dm.buffered_io_page ? 1 : 0, dm.bufioreq_local_port, dm.send_vcpu, dm.destroyed_guest ? 1 : 0, dm.ioreq_local_port.join(','));
    for (const [k, v] of dm.devices) parts.push(k, String(v));
  }
  return parts.join(',');
}
