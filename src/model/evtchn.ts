// Event channels, after xen/common/event_channel.c (Xen 4.4): per-domain port tables, lowest-free allocation with
// port 0 reserved, Xen-consumer ports, interdomain binding, notification and close.
import { EINVAL, ENOSPC, ESRCH } from './errno';
import type { EventInput } from './events';
import { XenPanic } from './panic';

/**
 * What event channels need of a domain and of the host. Structural, so this module depends on nothing of xen.ts:
 * struct domain and the host satisfy them (xen.ts imports this file, never the other way round).
 */
export interface EvtchnDomain {
  domain_id: number;
  is_dying: number;
  evtchn: EvtchnTable;
  vcpu: ReadonlyArray<{ vcpu_id: number; pause_flags: { blocked_in_xen: boolean } }>;
}
export interface EvtchnHost {
  on: boolean;
  domains: ReadonlyMap<number, EvtchnDomain>;
  emit(e: EventInput): void;
  failNext(kind: 'evtchn'): boolean;
}
type Domain = EvtchnDomain;
type Xen = EvtchnHost;

/** ECS_* (xen/include/xen/sched.h, 4.4). */
export const ECS_FREE = 0;
export const ECS_RESERVED = 1;
export const ECS_UNBOUND = 2;
export const ECS_INTERDOMAIN = 3;
export const ECS_PIRQ = 4;
export const ECS_VIRQ = 5;
export const ECS_IPI = 6;
export const ECS_NAMES = ['ECS_FREE', 'ECS_RESERVED', 'ECS_UNBOUND', 'ECS_INTERDOMAIN', 'ECS_PIRQ', 'ECS_VIRQ', 'ECS_IPI'];

/** DOMID_SELF and DOMID_INVALID (public/xen.h). */
export const DOMID_SELF = 0x7ff0;
export const DOMID_INVALID = 0x7ff4;

/** The 2-level ABI's limit on a 64-bit guest: BITS_PER_EVTCHN_WORD squared. */
export const MAX_EVTCHNS_2L = 4096;

/** struct evtchn, the parts the ioreq path touches. */
export class Evtchn {
  state = ECS_FREE;
  /** Non-zero when Xen itself consumes the port (consumer_is_xen). */
  xen_consumer = 0;
  notify_vcpu_id = 0;
  /** u.unbound.remote_domid */
  remote_domid = 0;
  /** u.interdomain.remote_dom / remote_port */
  remote_dom = -1;
  remote_port = 0;
  pending = false;
  /** Linux side (dom0): a kernel handler (privcmd ioeventfd) shares the port's interrupt with the user-space binding. */
  irq_shared = false;
  /** Linux side: an upcall for the port that the kernel handler has not run for yet. */
  kernel_irq = false;
  /** The table generation that may write this entry in place (see EvtchnTable.w); 0: none. */
  gen = 0;

  clone(): Evtchn {
    const e = new Evtchn();
    e.state = this.state; e.xen_consumer = this.xen_consumer; e.notify_vcpu_id = this.notify_vcpu_id;
    e.remote_domid = this.remote_domid; e.remote_dom = this.remote_dom; e.remote_port = this.remote_port;
    e.pending = this.pending; e.irq_shared = this.irq_shared; e.kernel_irq = this.kernel_irq;
    return e;
  }
}

let generations = 1;
/** Whether a table's clone shares its entries until either writes one (on), or copies them all (off: the bench's baseline). */
export const evtchnSharing = { on: true };

/**
 * A domain's port table (d->evtchn with its buckets, flattened). Read `ports`; change an entry only through w(),
 * which gives this table its own copy of an entry (and of the array) a clone still shares: a clone takes the
 * entries as they are and gives both tables a new generation, so neither writes a shared entry in place.
 */
export class EvtchnTable {
  ports: Evtchn[] = [];
  max_evtchns = MAX_EVTCHNS_2L;
  /** Entries stamped with this generation, and the array when arrayGen equals it, are this table's alone. */
  gen = generations++;
  arrayGen = this.gen;

  clone(): EvtchnTable {
    const t = new EvtchnTable();
    t.max_evtchns = this.max_evtchns;
    if (!evtchnSharing.on) { t.ports = this.ports.map((e) => { const c = e.clone(); c.gen = t.gen; return c; }); return t; }
    t.ports = this.ports;
    this.gen = generations++;
    t.arrayGen = -1;
    return t;
  }

  /** The array, this table's own (to add a port). */
  ownPorts(): Evtchn[] {
    if (this.arrayGen !== this.gen) { this.ports = this.ports.slice(); this.arrayGen = this.gen; }
    return this.ports;
  }

  /** Port p's entry, to write: this table's own copy. */
  w(p: number): Evtchn {
    let c = this.ports[p];
    if (c.gen !== this.gen) {
      const ports = this.ownPorts();
      c = ports[p] = c.clone();
      c.gen = this.gen;
    }
    return c;
  }

  valid(port: number): boolean {
    return Number.isInteger(port) && port >= 0 && port < this.ports.length;
  }
}

/** evtchn_init: port 0 is taken first and marked ECS_RESERVED, so no caller is ever given port 0. */
export function evtchnInit(d: Domain): void {
  d.evtchn = new EvtchnTable();
  const p = getFreePort(d);
  if (p !== 0) throw new XenPanic('evtchn_init', 'port 0 not free');
  d.evtchn.w(0).state = ECS_RESERVED;
}

/** get_free_port: the lowest ECS_FREE port; -EINVAL if the domain is dying; -ENOSPC past max_evtchns. */
export function getFreePort(d: Domain): number {
  if (d.is_dying) return -EINVAL;
  const t = d.evtchn;
  for (let port = 0; port < t.ports.length; port++) if (t.ports[port].state === ECS_FREE) return port;
  if (t.ports.length >= t.max_evtchns) return -ENOSPC;
  const e = new Evtchn();
  e.gen = t.gen;
  t.ownPorts().push(e);
  return t.ports.length - 1;
}

/** alloc_unbound_xen_event_channel: an unbound port owned by Xen, notifying local vcpu v, for remote_domid. */
export function allocUnboundXenEventChannel(x: Xen, d: Domain, vcpuId: number, remoteDomid: number): number {
  if (x.failNext('evtchn')) return -ENOSPC;
  const port = getFreePort(d);
  if (port < 0) return port;
  const c = d.evtchn.w(port);
  c.state = ECS_UNBOUND;
  c.xen_consumer = 1;
  c.notify_vcpu_id = vcpuId;
  c.remote_domid = remoteDomid;
  if (x.on) x.emit({ kind: 'evtchn_alloc', fn: 'alloc_unbound_xen_event_channel', domid: d.domain_id, vcpu: vcpuId,
    after: { port, remote_domid: remoteDomid }, text: `d${d.domain_id} port ${port} unbound (Xen-owned, vcpu ${vcpuId}) for remote d${remoteDomid}` });
  return port;
}

/** EVTCHNOP_alloc_unbound: a guest-owned unbound port in d for remote domain `remote`. */
export function evtchnAllocUnbound(x: Xen, d: Domain, remote: number): number {
  const port = getFreePort(d);
  if (port < 0) return port;
  const c = d.evtchn.w(port);
  c.state = ECS_UNBOUND;
  c.remote_domid = remote;
  if (x.on) x.emit({ kind: 'evtchn_alloc', fn: 'evtchn_alloc_unbound', domid: d.domain_id,
    after: { port, remote_domid: remote }, text: `d${d.domain_id} port ${port} unbound for remote d${remote}` });
  return port;
}

/** __evtchn_close: frees the local port; the remote end of an interdomain channel becomes unbound for d. */
export function evtchnCloseInner(x: Xen, d: Domain, port: number, fn: string): number {
  const t = d.evtchn;
  if (!t.valid(port)) return -EINVAL;
  const c = t.ports[port];
  if (c.state === ECS_FREE || c.state === ECS_RESERVED) return -EINVAL;
  const before = ECS_NAMES[c.state];
  const remote = c.state === ECS_INTERDOMAIN ? { dom: c.remote_dom, port: c.remote_port } : null;
  if (remote) {
    const rd = x.domains.get(remote.dom);
    if (rd && rd.evtchn.valid(remote.port)) {
      const r0 = rd.evtchn.ports[remote.port];
      if (r0.state === ECS_INTERDOMAIN && r0.remote_dom === d.domain_id && r0.remote_port === port) {
        const r = rd.evtchn.w(remote.port);
        r.state = ECS_UNBOUND;
        r.remote_domid = d.domain_id;
        r.remote_dom = -1;
      }
    }
  }
  const w = t.w(port);
  w.pending = false;
  w.irq_shared = false; w.kernel_irq = false;
  w.state = ECS_FREE;
  w.xen_consumer = 0;
  w.notify_vcpu_id = 0;
  w.remote_dom = -1;
  w.remote_port = 0;
  w.remote_domid = 0;
  if (x.on) x.emit({ kind: 'evtchn_close', fn, domid: d.domain_id, before, after: 'ECS_FREE', detail: { port },
    text: `d${d.domain_id} port ${port} closed` });
  return 0;
}

/** EVTCHNOP_close: a guest may not close a Xen-owned port (-EINVAL). */
export function evtchnClose(x: Xen, d: Domain, port: number): number {
  if (d.evtchn.valid(port) && d.evtchn.ports[port].xen_consumer) return -EINVAL;
  return evtchnCloseInner(x, d, port, 'evtchn_close');
}

/** free_xen_event_channel: does nothing on a dying domain (evtchn_destroy has closed everything). */
export function freeXenEventChannel(x: Xen, d: Domain, port: number): void {
  if (d.is_dying) return;
  const t = d.evtchn;
  if (!t.valid(port) || !t.ports[port].xen_consumer) throw new XenPanic('free_xen_event_channel', `BUG_ON: free_xen_event_channel(d${d.domain_id}, ${port}): not a valid Xen-owned port`);
  t.w(port).xen_consumer = 0;
  evtchnCloseInner(x, d, port, 'free_xen_event_channel');
}

/** evtchn_set_pending, or for a Xen-owned port its consumer's notification (default_xen_notification_fn: wake the vcpu). */
export function evtchnSetPending(x: Xen, d: Domain, port: number): void {
  const c = d.evtchn.ports[port];
  if (c.xen_consumer) {
    const v = d.vcpu[c.notify_vcpu_id];
    if (v && v.pause_flags.blocked_in_xen) {
      v.pause_flags.blocked_in_xen = false;
      if (x.on) x.emit({ kind: 'vcpu_wake', fn: 'default_xen_notification_fn', domid: d.domain_id, vcpu: v.vcpu_id,
        detail: { port }, text: `d${d.domain_id}v${v.vcpu_id} woken by port ${port}` });
    }
    return;
  }
  if (c.pending) return;
  const w = d.evtchn.w(port);
  w.pending = true;
  if (w.irq_shared) w.kernel_irq = true;
  if (x.on) x.emit({ kind: 'evtchn_pending', fn: 'evtchn_set_pending', domid: d.domain_id, detail: { port },
    text: `d${d.domain_id} port ${port} pending` });
}

/** notify_via_xen_event_channel: only an interdomain port reaches anyone; an unbound one loses the notification. */
export function notifyViaXenEventChannel(x: Xen, ld: Domain, lport: number): void {
  if (ld.is_dying) return; // [X44] event_channel.c 1186-1212: nothing is sent for a dying domain
  const t = ld.evtchn;
  // ASSERT(port_is_valid(ld, lport)): the port comes from a slot's vp_eport, which the device model can write.
  if (!t.valid(lport)) throw new XenPanic('notify_via_xen_event_channel', `ASSERT(port_is_valid(d${ld.domain_id}, ${lport})) failed: notify on a port that does not exist`);
  const c = t.ports[lport];
  if (c.state !== ECS_INTERDOMAIN) {
    if (x.on) x.emit({ kind: 'evtchn_notify', fn: 'notify_via_xen_event_channel', domid: ld.domain_id, detail: { port: lport, lost: true },
      text: `d${ld.domain_id} port ${lport} notify lost (${ECS_NAMES[c.state]})` });
    return;
  }
  const rd = x.domains.get(c.remote_dom);
  if (x.on) x.emit({ kind: 'evtchn_notify', fn: 'notify_via_xen_event_channel', domid: ld.domain_id,
    detail: { port: lport, remote_dom: c.remote_dom, remote_port: c.remote_port }, text: `d${ld.domain_id} port ${lport} -> d${c.remote_dom} port ${c.remote_port}` });
  if (rd) evtchnSetPending(x, rd, c.remote_port);
}

/** evtchn_bind_interdomain: ld binds a new local port to (rdom, rport), which must be unbound for ld. */
export function evtchnBindInterdomain(x: Xen, ld: Domain, rdomIn: number, rport: number): number {
  const rdom = rdomIn === DOMID_SELF ? ld.domain_id : rdomIn;
  const rd = x.domains.get(rdom);
  if (!rd) return -ESRCH;
  const lport = getFreePort(ld);
  if (lport < 0) return lport;
  if (!rd.evtchn.valid(rport)) return -EINVAL;
  if (rd.evtchn.ports[rport].state !== ECS_UNBOUND || rd.evtchn.ports[rport].remote_domid !== ld.domain_id) return -EINVAL;
  const l = ld.evtchn.w(lport);
  const r = rd.evtchn.w(rport);
  l.state = ECS_INTERDOMAIN; l.remote_dom = rdom; l.remote_port = rport;
  r.state = ECS_INTERDOMAIN; r.remote_dom = ld.domain_id; r.remote_port = lport;
  if (x.on) x.emit({ kind: 'evtchn_bind', fn: 'evtchn_bind_interdomain', domid: ld.domain_id,
    after: { port: lport, remote_dom: rdom, remote_port: rport }, text: `d${ld.domain_id} port ${lport} bound to d${rdom} port ${rport}` });
  // Notifications sent while the remote end was unbound were lost; Xen marks the new local port pending.
  evtchnSetPending(x, ld, lport);
  return lport;
}

/** evtchn_send: from a guest port; -EINVAL from a Xen-owned one; dropped when unbound. */
export function evtchnSend(x: Xen, ld: Domain, lport: number): number {
  const t = ld.evtchn;
  if (!t.valid(lport)) return -EINVAL;
  const c = t.ports[lport];
  if (c.xen_consumer) return -EINVAL;
  if (c.state === ECS_UNBOUND) return 0;
  if (c.state !== ECS_INTERDOMAIN) return -EINVAL;
  const rd = x.domains.get(c.remote_dom);
  if (x.on) x.emit({ kind: 'evtchn_notify', fn: 'evtchn_send', domid: ld.domain_id,
    detail: { port: lport, remote_dom: c.remote_dom, remote_port: c.remote_port }, text: `d${ld.domain_id} port ${lport} send -> d${c.remote_dom} port ${c.remote_port}` });
  if (rd) evtchnSetPending(x, rd, c.remote_port);
  return 0;
}

/** evtchn_destroy (domain_kill): closes every port of a dying domain. */
export function evtchnDestroy(x: Xen, d: Domain): void {
  const t = d.evtchn;
  for (let port = 1; port < t.ports.length; port++) {
    const c = t.ports[port];
    if (c.state !== ECS_FREE && c.state !== ECS_RESERVED) {
      t.w(port).xen_consumer = 0;
      evtchnCloseInner(x, d, port, 'evtchn_destroy');
    }
  }
}

/** The device model's xc_evtchn_pending + unmask: take the pending bit off a local port. */
export function evtchnClearPending(d: Domain, port: number): void {
  if (d.evtchn.valid(port) && d.evtchn.ports[port].pending) d.evtchn.w(port).pending = false;
}
