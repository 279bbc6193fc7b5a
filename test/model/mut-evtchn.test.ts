// Event channels, the behaviours mutation testing showed no test pinned (issue 16). Each test names the Xen behaviour;
// line numbers are xen/common/event_channel.c at RELEASE-4.4.0 unless another tag is named.
import assert from 'node:assert/strict';
import { EINVAL, ENOSPC, ESRCH } from '../../src/model/errno';
import * as E from '../../src/model/evtchn';
import { Model, setCloneSharing } from '../../src/model/model';
import { XenPanic } from '../../src/model/panic';
import type { Domain } from '../../src/model/xen';

/** dom0, HVM d1 (2 vcpus) and PV d2, with events recorded. */
function host() {
  const m = new Model('seed').boot();
  m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(1, 2, true));
  m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(2, 1, false));
  const [d0, d1, d2] = [0, 1, 2].map((i) => m.x.domains.get(i)!);
  return { m, x: m.x, d0, d1, d2 };
}
const port = (d: Domain, p: number) => d.evtchn.ports[p];
/** The events recorded from index `from` on, without seq and actor. */
const eventsFrom = (x: Model['x'], from: number) => x.events.slice(from).map(({ seq: _s, actor: _a, ...e }) => e);
const panicOf = (f: () => unknown): XenPanic => {
  try { f(); } catch (e) { if (e instanceof XenPanic) return e; throw e; }
  assert.fail('no XenPanic');
};

describe('evtchn (mutation): allocation', () => {
  it('evtchn_init takes port 0 first and reserves it; on a domain where port 0 is not the first free one it fails (1249-1254)', () => {
    const { d1 } = host();
    const d = { ...d1, is_dying: 1 } as Domain; // get_free_port refuses a dying domain, so port 0 is not handed out
    const p = panicOf(() => E.evtchnInit(d));
    assert.equal(p.fn, 'evtchn_init');
    assert.match(p.message, /port 0 not free/);
    const fresh = { ...d1, is_dying: 0 } as Domain;
    E.evtchnInit(fresh);
    assert.equal(fresh.evtchn.ports.length, 1);
    assert.equal(fresh.evtchn.ports[0].state, E.ECS_RESERVED);
  });

  it('alloc_unbound_xen_event_channel: an allocation failure returns -ENOSPC and takes no port (1143-1144)', () => {
    const { x, d1 } = host();
    const before = d1.evtchn.ports.map((c) => c.state);
    x.faults.evtchn = 0;
    assert.equal(E.allocUnboundXenEventChannel(x, d1, 0, 0), -ENOSPC);
    assert.deepEqual(d1.evtchn.ports.map((c) => c.state), before);
    assert.equal(E.allocUnboundXenEventChannel(x, d1, 0, 0), 1, 'the fault hits one allocation only');
  });

  it('alloc_unbound_xen_event_channel on a dying domain returns get_free_port\'s -EINVAL, with no port and no event (1143-1144, 167-168)', () => {
    const { x, d1 } = host();
    d1.is_dying = 1;
    const n = x.events.length;
    assert.equal(E.allocUnboundXenEventChannel(x, d1, 0, 0), -EINVAL);
    assert.equal(d1.evtchn.ports.length, 1);
    assert.deepEqual(eventsFrom(x, n), []);
  });

  it('get_free_port: -ENOSPC exactly at max_evtchns ports, not one later (178-179)', () => {
    const { x, d2 } = host();
    d2.evtchn.max_evtchns = 2;
    assert.equal(E.evtchnAllocUnbound(x, d2, 0), 1);
    assert.equal(E.evtchnAllocUnbound(x, d2, 0), -ENOSPC);
    assert.equal(d2.evtchn.ports.length, 2);
  });

  it('alloc_unbound_xen_event_channel and EVTCHNOP_alloc_unbound each report the port they made unbound', () => {
    const { x, d1 } = host();
    const n = x.events.length;
    const a = E.allocUnboundXenEventChannel(x, d1, 1, 0);
    const b = E.evtchnAllocUnbound(x, d1, 2);
    assert.deepEqual(eventsFrom(x, n), [
      { kind: 'evtchn_alloc', fn: 'alloc_unbound_xen_event_channel', domid: 1, vcpu: 1, after: { port: a, remote_domid: 0 }, text: 'd1 port 1 unbound (Xen-owned, vcpu 1) for remote d0' },
      { kind: 'evtchn_alloc', fn: 'evtchn_alloc_unbound', domid: 1, after: { port: b, remote_domid: 2 }, text: 'd1 port 2 unbound for remote d2' },
    ]);
  });

  it('with events off (the explorer), allocation, binding, sending and closing record nothing', () => {
    const { x, d0, d1 } = host();
    x.on = false;
    const n = x.events.length;
    const p = E.allocUnboundXenEventChannel(x, d1, 0, 0);
    const g = E.evtchnAllocUnbound(x, d1, 0);
    const lp = E.evtchnBindInterdomain(x, d0, 1, p);
    const gp = E.evtchnBindInterdomain(x, d0, 1, g);
    E.notifyViaXenEventChannel(x, d1, p);
    E.evtchnSend(x, d0, gp);
    d1.vcpu[0].pause_flags.blocked_in_xen = true;
    E.evtchnSend(x, d0, lp);
    E.notifyViaXenEventChannel(x, d1, E.evtchnAllocUnbound(x, d1, 0));
    E.evtchnClose(x, d0, gp);
    assert.equal(x.events.length, n);
    assert.equal(d1.vcpu[0].pause_flags.blocked_in_xen, false, 'the state still changes');
  });
});

describe('evtchn (mutation): port_is_valid', () => {
  it('a port number that is negative, not an integer or one past the table is not valid: EVTCHNOP_send and close return -EINVAL (611-615, 471-475)', () => {
    const { x, d1 } = host();
    E.evtchnAllocUnbound(x, d1, 0);
    const n = d1.evtchn.ports.length;
    for (const p of [-1, 0.5, n, n + 1]) {
      assert.equal(E.evtchnSend(x, d1, p), -EINVAL, `send ${p}`);
      assert.equal(E.evtchnClose(x, d1, p), -EINVAL, `close ${p}`);
    }
    assert.equal(d1.evtchn.valid(n - 1), true);
    assert.equal(d1.evtchn.valid(0), true, 'port 0 is a valid (reserved) port');
  });

  it('notify_via_xen_event_channel on port 0 (valid, ECS_RESERVED) is lost, not an ASSERT (1200, 1204)', () => {
    const { x, d1 } = host();
    const n = x.events.length;
    E.notifyViaXenEventChannel(x, d1, 0);
    assert.deepEqual(eventsFrom(x, n), [{ kind: 'evtchn_notify', fn: 'notify_via_xen_event_channel', domid: 1, detail: { port: 0, lost: true },
      text: 'd1 port 0 notify lost (ECS_RESERVED)' }]);
  });

  it('notify_via_xen_event_channel on a port past the table fails ASSERT(port_is_valid) (1200)', () => {
    const { x, d1 } = host();
    E.evtchnAllocUnbound(x, d1, 0);
    const p = panicOf(() => E.notifyViaXenEventChannel(x, d1, 2));
    assert.equal(p.fn, 'notify_via_xen_event_channel');
    assert.equal(p.message, 'ASSERT(port_is_valid(d1, 2)) failed: notify on a port that does not exist');
    assert.ok(panicOf(() => E.notifyViaXenEventChannel(x, d1, -1)));
  });

  it('EVTCHNOP_send on port 0 (ECS_RESERVED) or a freed port returns -EINVAL (648-649)', () => {
    const { x, d1 } = host();
    const p = E.evtchnAllocUnbound(x, d1, 0);
    E.evtchnClose(x, d1, p);
    assert.equal(E.evtchnSend(x, d1, 0), -EINVAL);
    assert.equal(E.evtchnSend(x, d1, p), -EINVAL);
  });
});

describe('evtchn (mutation): evtchn_bind_interdomain', () => {
  it('get_free_port comes first: a full local table gives -ENOSPC even when the remote port is bad (262-263 before 266-271)', () => {
    const { x, d0, d1 } = host();
    d0.evtchn.max_evtchns = d0.evtchn.ports.length;
    while (E.evtchnAllocUnbound(x, d0, 0) > 0) { /* fill d0 */ }
    assert.equal(E.evtchnBindInterdomain(x, d0, 1, 999), -ENOSPC);
    d0.is_dying = 1;
    assert.equal(E.evtchnBindInterdomain(x, d0, 1, 999), -EINVAL);
  });

  it('an unknown remote domain is -ESRCH before any local port is looked for (246-247)', () => {
    const { x, d0 } = host();
    d0.is_dying = 1; // get_free_port would say -EINVAL
    assert.equal(E.evtchnBindInterdomain(x, d0, 42, 1), -ESRCH);
  });

  it('a refused bind leaves the local port it looked at free, and the remote port as it was (269-271)', () => {
    const { x, d0, d1 } = host();
    const rp = E.evtchnAllocUnbound(x, d1, 2);
    const used = () => d0.evtchn.ports.filter((c) => c.state !== E.ECS_FREE).map((c) => c.state);
    const before = used();
    const n = x.events.length;
    assert.equal(E.evtchnBindInterdomain(x, d0, 1, rp), -EINVAL);
    assert.deepEqual(used(), before);
    assert.deepEqual(eventsFrom(x, n), []);
    assert.deepEqual([port(d1, rp).state, port(d1, rp).remote_domid, port(d1, rp).remote_dom], [E.ECS_UNBOUND, 2, -1]);
  });

  it('an unbound port for the binder, but in another domain than named, is -EINVAL (266-271)', () => {
    const { x, d0, d1, d2 } = host();
    const rp = E.evtchnAllocUnbound(x, d1, 0);
    assert.equal(E.evtchnBindInterdomain(x, d0, 2, rp), -EINVAL, 'd2 has no such port');
    assert.equal(port(d2, 0).state, E.ECS_RESERVED);
    assert.equal(port(d1, rp).state, E.ECS_UNBOUND);
  });

  it('a bind reports the new pair, then the conservative set_pending on the local port (277-290)', () => {
    const { x, d0, d2 } = host();
    const rp = E.evtchnAllocUnbound(x, d2, 0);
    const n = x.events.length;
    const lp = E.evtchnBindInterdomain(x, d0, 2, rp);
    assert.deepEqual(eventsFrom(x, n), [
      { kind: 'evtchn_bind', fn: 'evtchn_bind_interdomain', domid: 0, after: { port: lp, remote_dom: 2, remote_port: rp }, text: `d0 port ${lp} bound to d2 port ${rp}` },
      { kind: 'evtchn_pending', fn: 'evtchn_set_pending', domid: 0, detail: { port: lp }, text: `d0 port ${lp} pending` },
    ]);
  });

  it('DOMID_SELF binds within the binder: both ends in the one domain point at each other (243-244)', () => {
    const { x, d1 } = host();
    const rp = E.evtchnAllocUnbound(x, d1, 1);
    const lp = E.evtchnBindInterdomain(x, d1, E.DOMID_SELF, rp);
    assert.deepEqual([port(d1, lp).remote_dom, port(d1, lp).remote_port, port(d1, rp).remote_dom, port(d1, rp).remote_port], [1, rp, 1, lp]);
    assert.equal(E.evtchnSend(x, d1, rp), 0);
    assert.equal(port(d1, lp).pending, true);
  });
});

describe('evtchn (mutation): evtchn_send and evtchn_set_pending', () => {
  it('EVTCHNOP_send on a guest interdomain port sets the remote port pending and reports the send (632-640)', () => {
    const { x, d0, d2 } = host();
    const rp = E.evtchnAllocUnbound(x, d2, 0);
    const lp = E.evtchnBindInterdomain(x, d0, 2, rp);
    const n = x.events.length;
    assert.equal(E.evtchnSend(x, d0, lp), 0);
    assert.equal(port(d2, rp).pending, true);
    assert.deepEqual(eventsFrom(x, n), [
      { kind: 'evtchn_notify', fn: 'evtchn_send', domid: 0, detail: { port: lp, remote_dom: 2, remote_port: rp }, text: `d0 port ${lp} send -> d2 port ${rp}` },
      { kind: 'evtchn_pending', fn: 'evtchn_set_pending', domid: 2, detail: { port: rp }, text: `d2 port ${rp} pending` },
    ]);
  });

  it('evtchn_set_pending on a port already pending changes and reports nothing (the 2-level set_pending tests the bit first)', () => {
    const { x, d0, d2 } = host();
    const rp = E.evtchnAllocUnbound(x, d2, 0);
    const lp = E.evtchnBindInterdomain(x, d0, 2, rp);
    E.evtchnSend(x, d0, lp);
    const n = x.events.length;
    assert.equal(E.evtchnSend(x, d0, lp), 0);
    assert.deepEqual(eventsFrom(x, n).map((e) => e.kind), ['evtchn_notify']);
    assert.equal(port(d2, rp).pending, true);
  });

  it('a port whose interrupt a kernel handler shares gets the kernel upcall with the pending bit; an unshared one does not', () => {
    const { x, d0, d2 } = host();
    const rp = E.evtchnAllocUnbound(x, d2, 0);
    const lp = E.evtchnBindInterdomain(x, d0, 2, rp);
    E.evtchnSetPending(x, d2, rp);
    assert.deepEqual([port(d2, rp).pending, port(d2, rp).kernel_irq], [true, false]);
    E.evtchnClearPending(d2, rp);
    d2.evtchn.w(rp).irq_shared = true;
    E.evtchnSend(x, d0, lp);
    assert.deepEqual([port(d2, rp).pending, port(d2, rp).kernel_irq], [true, true]);
  });

  it('default_xen_notification_fn wakes the notify vcpu blocked in Xen and reports it; a vcpu not blocked is left alone (637-638)', () => {
    const { x, d0, d1 } = host();
    const p = E.allocUnboundXenEventChannel(x, d1, 1, 0);
    const lp = E.evtchnBindInterdomain(x, d0, 1, p);
    d1.vcpu[1].pause_flags.blocked_in_xen = true;
    let n = x.events.length;
    E.evtchnSend(x, d0, lp);
    assert.deepEqual(eventsFrom(x, n).slice(1), [{ kind: 'vcpu_wake', fn: 'default_xen_notification_fn', domid: 1, vcpu: 1, detail: { port: p }, text: `d1v1 woken by port ${p}` }]);
    n = x.events.length;
    E.evtchnSend(x, d0, lp);
    assert.deepEqual(eventsFrom(x, n).map((e) => e.kind), ['evtchn_notify']);
    assert.equal(port(d1, p).pending, false, 'a Xen-consumed port is never set pending');
  });

  it('a Xen-owned port whose notify vcpu does not exist wakes nobody and is not set pending', () => {
    const { x, d0, d1 } = host();
    const p = E.allocUnboundXenEventChannel(x, d1, 5, 0);
    const lp = E.evtchnBindInterdomain(x, d0, 1, p);
    d1.vcpu.forEach((v) => { v.pause_flags.blocked_in_xen = true; });
    assert.equal(E.evtchnSend(x, d0, lp), 0);
    assert.deepEqual(d1.vcpu.map((v) => v.pause_flags.blocked_in_xen), [true, true]);
    assert.equal(port(d1, p).pending, false);
  });

  it('notify_via_xen_event_channel on a bound Xen port sets the device model\'s port pending and reports where it went (1204-1209)', () => {
    const { x, d0, d1 } = host();
    const p = E.allocUnboundXenEventChannel(x, d1, 0, 0);
    const lp = E.evtchnBindInterdomain(x, d0, 1, p);
    E.evtchnClearPending(d0, lp);
    const n = x.events.length;
    E.notifyViaXenEventChannel(x, d1, p);
    assert.equal(port(d0, lp).pending, true);
    assert.deepEqual(eventsFrom(x, n), [
      { kind: 'evtchn_notify', fn: 'notify_via_xen_event_channel', domid: 1, detail: { port: p, remote_dom: 0, remote_port: lp }, text: `d1 port ${p} -> d0 port ${lp}` },
      { kind: 'evtchn_pending', fn: 'evtchn_set_pending', domid: 0, detail: { port: lp }, text: `d0 port ${lp} pending` },
    ]);
  });

  it('notify_via_xen_event_channel on an unbound Xen port reports the notification lost, naming the state (1204)', () => {
    const { x, d1 } = host();
    const p = E.allocUnboundXenEventChannel(x, d1, 0, 0);
    const n = x.events.length;
    E.notifyViaXenEventChannel(x, d1, p);
    assert.deepEqual(eventsFrom(x, n), [{ kind: 'evtchn_notify', fn: 'notify_via_xen_event_channel', domid: 1, detail: { port: p, lost: true },
      text: `d1 port ${p} notify lost (ECS_UNBOUND)` }]);
  });

  it('notify_via_xen_event_channel on a port freed since reports it lost as ECS_FREE (1204)', () => {
    const { x, d1 } = host();
    const p = E.allocUnboundXenEventChannel(x, d1, 0, 0);
    E.freeXenEventChannel(x, d1, p);
    const n = x.events.length;
    E.notifyViaXenEventChannel(x, d1, p);
    assert.deepEqual(eventsFrom(x, n).map((e) => e.text), [`d1 port ${p} notify lost (ECS_FREE)`]);
  });

  it('a notification towards a domain that is gone from the host reaches no port', () => {
    const { x, d0, d1, d2 } = host();
    const rp = E.evtchnAllocUnbound(x, d2, 1);
    const lp = E.evtchnBindInterdomain(x, d1, 2, rp);
    (x.domains as Map<number, Domain>).delete(2);
    assert.equal(E.evtchnSend(x, d1, lp), 0);
    const xp = E.allocUnboundXenEventChannel(x, d1, 0, 0);
    const dp = E.evtchnBindInterdomain(x, d0, 1, xp);
    (x.domains as Map<number, Domain>).delete(0);
    E.notifyViaXenEventChannel(x, d1, xp);
    assert.equal(port(d2, rp).pending, false);
    assert.equal(port(d0, dp).pending, true, 'only the bind-time pending');
  });

  it('the device model\'s unmask takes the pending bit off; an out-of-range port is ignored', () => {
    const { x, d0, d2 } = host();
    const rp = E.evtchnAllocUnbound(x, d2, 0);
    const lp = E.evtchnBindInterdomain(x, d0, 2, rp);
    assert.equal(port(d0, lp).pending, true);
    E.evtchnClearPending(d0, lp);
    assert.equal(port(d0, lp).pending, false);
    E.evtchnClearPending(d0, 999);
    E.evtchnClearPending(d0, lp);
    assert.equal(port(d0, lp).pending, false);
  });
});

describe('evtchn (mutation): __evtchn_close and its callers', () => {
  it('__evtchn_close reports the port closed with the state it left (486-579)', () => {
    const { x, d0, d2 } = host();
    const rp = E.evtchnAllocUnbound(x, d2, 0);
    const lp = E.evtchnBindInterdomain(x, d0, 2, rp);
    const up = E.evtchnAllocUnbound(x, d0, 2);
    const n = x.events.length;
    assert.equal(E.evtchnClose(x, d0, lp), 0);
    assert.equal(E.evtchnClose(x, d0, up), 0);
    assert.deepEqual(eventsFrom(x, n), [
      { kind: 'evtchn_close', fn: 'evtchn_close', domid: 0, before: 'ECS_INTERDOMAIN', after: 'ECS_FREE', detail: { port: lp }, text: `d0 port ${lp} closed` },
      { kind: 'evtchn_close', fn: 'evtchn_close', domid: 0, before: 'ECS_UNBOUND', after: 'ECS_FREE', detail: { port: up }, text: `d0 port ${up} closed` },
    ]);
  });

  it('closing ECS_FREE or ECS_RESERVED ports returns -EINVAL and changes nothing (488-491)', () => {
    const { x, d1 } = host();
    const p = E.evtchnAllocUnbound(x, d1, 0);
    assert.equal(E.evtchnClose(x, d1, p), 0);
    const n = x.events.length;
    assert.equal(E.evtchnClose(x, d1, p), -EINVAL);
    assert.equal(E.evtchnCloseInner(x, d1, 0, 'evtchn_close'), -EINVAL);
    assert.equal(E.evtchnCloseInner(x, d1, 99, 'evtchn_close'), -EINVAL);
    assert.equal(port(d1, 0).state, E.ECS_RESERVED);
    assert.deepEqual(eventsFrom(x, n), []);
  });

  it('a freed port is reset: pending cleared (575), binding back to vcpu 0 (579), no Xen consumer (4.21 evtchn_free 296-298), no remote end', () => {
    const { x, d0, d1 } = host();
    const p = E.allocUnboundXenEventChannel(x, d1, 1, 0);
    const lp = E.evtchnBindInterdomain(x, d0, 1, p);
    d1.evtchn.w(p).pending = true;
    d1.evtchn.w(p).irq_shared = true;
    d1.evtchn.w(p).kernel_irq = true;
    E.freeXenEventChannel(x, d1, p);
    const c = port(d1, p);
    assert.deepEqual([c.state, c.pending, c.irq_shared, c.kernel_irq, c.xen_consumer, c.notify_vcpu_id, c.remote_dom, c.remote_port, c.remote_domid],
      [E.ECS_FREE, false, false, false, 0, 0, -1, 0, 0]);
    // Handed out again by a guest's alloc_unbound, nothing of the old Xen binding shows: the guest may close it.
    assert.equal(E.evtchnAllocUnbound(x, d1, 2), p);
    assert.deepEqual([port(d1, p).xen_consumer, port(d1, p).notify_vcpu_id, port(d1, p).remote_dom, port(d1, p).remote_port], [0, 0, -1, 0]);
    assert.equal(E.evtchnClose(x, d1, p), 0);
    assert.deepEqual([port(d0, lp).state, port(d0, lp).remote_dom], [E.ECS_UNBOUND, -1], 'the DM end is unbound, with no remote end');
  });

  it('closing one end changes only a peer that points back at it (BUG_ON 563-564 in Xen: the pair is consistent)', () => {
    const { x, d0, d1, d2 } = host();
    const rp = E.evtchnAllocUnbound(x, d2, 1);
    const lp = E.evtchnBindInterdomain(x, d1, 2, rp);
    // d2's end is rebound elsewhere by hand: d1's end now names a peer that no longer points back.
    Object.assign(d2.evtchn.w(rp), { remote_dom: 0, remote_port: 5 });
    assert.equal(E.evtchnClose(x, d1, lp), 0);
    assert.deepEqual([port(d2, rp).state, port(d2, rp).remote_dom, port(d2, rp).remote_port], [E.ECS_INTERDOMAIN, 0, 5]);
    // A peer in another domain's name but with the right port number is left alone too.
    const rp1 = E.evtchnAllocUnbound(x, d2, 1);
    const lp1 = E.evtchnBindInterdomain(x, d1, 2, rp1);
    d2.evtchn.w(rp1).remote_dom = 0;
    E.evtchnClose(x, d1, lp1);
    assert.deepEqual([port(d2, rp1).state, port(d2, rp1).remote_dom, port(d2, rp1).remote_port], [E.ECS_INTERDOMAIN, 0, lp1]);
    // The same with the right domain but another port, and with a peer already unbound.
    const rp2 = E.evtchnAllocUnbound(x, d2, 1);
    const lp2 = E.evtchnBindInterdomain(x, d1, 2, rp2);
    d2.evtchn.w(rp2).remote_port = lp2 + 1;
    E.evtchnClose(x, d1, lp2);
    assert.deepEqual([port(d2, rp2).state, port(d2, rp2).remote_dom], [E.ECS_INTERDOMAIN, 1]);
    const rp3 = E.evtchnAllocUnbound(x, d2, 1);
    const lp3 = E.evtchnBindInterdomain(x, d1, 2, rp3);
    d2.evtchn.w(rp3).state = E.ECS_UNBOUND;
    d2.evtchn.w(rp3).remote_domid = 7;
    E.evtchnClose(x, d1, lp3);
    assert.deepEqual([port(d2, rp3).state, port(d2, rp3).remote_domid, port(d2, rp3).remote_dom], [E.ECS_UNBOUND, 7, 1]);
    // A peer port past the other table, or a peer domain that is gone: the local end still closes.
    const rp4 = E.evtchnAllocUnbound(x, d0, 1);
    const lp4 = E.evtchnBindInterdomain(x, d1, 0, rp4);
    d1.evtchn.w(lp4).remote_port = 999;
    assert.equal(E.evtchnClose(x, d1, lp4), 0);
    assert.equal(port(d0, rp4).state, E.ECS_INTERDOMAIN);
    const rp5 = E.evtchnAllocUnbound(x, d0, 1);
    const lp5 = E.evtchnBindInterdomain(x, d1, 0, rp5);
    (x.domains as Map<number, Domain>).delete(0);
    assert.equal(E.evtchnClose(x, d1, lp5), 0);
    assert.equal(port(d1, lp5).state, E.ECS_FREE);
  });

  it('free_xen_event_channel: BUG_ON a port that is not valid or not Xen-owned (1175-1177), and reports the close under its own name', () => {
    const { x, d1 } = host();
    const g = E.evtchnAllocUnbound(x, d1, 0);
    const p1 = panicOf(() => E.freeXenEventChannel(x, d1, g));
    assert.equal(p1.fn, 'free_xen_event_channel');
    assert.equal(p1.message, `BUG_ON: free_xen_event_channel(d1, ${g}): not a valid Xen-owned port`);
    assert.equal(panicOf(() => E.freeXenEventChannel(x, d1, 77)).fn, 'free_xen_event_channel');
    assert.equal(port(d1, g).state, E.ECS_UNBOUND);
    const p = E.allocUnboundXenEventChannel(x, d1, 0, 0);
    const n = x.events.length;
    E.freeXenEventChannel(x, d1, p);
    assert.deepEqual(eventsFrom(x, n), [{ kind: 'evtchn_close', fn: 'free_xen_event_channel', domid: 1, before: 'ECS_UNBOUND', after: 'ECS_FREE', detail: { port: p }, text: `d1 port ${p} closed` }]);
  });

  it('free_xen_event_channel on a dying domain returns before its BUG_ONs (1169-1173)', () => {
    const { x, d1 } = host();
    d1.is_dying = 1;
    E.freeXenEventChannel(x, d1, 77);
    assert.equal(x.panic, null);
  });

  it('evtchn_destroy closes every port but the reserved port 0, Xen-owned ones too, and unbinds their peers (1278-1283)', () => {
    const { x, d0, d1, d2 } = host();
    const xp = E.allocUnboundXenEventChannel(x, d1, 0, 0);
    const lp = E.evtchnBindInterdomain(x, d0, 1, xp);
    const gp = E.evtchnAllocUnbound(x, d1, 2);
    const hole = E.evtchnAllocUnbound(x, d1, 0);
    const last = E.allocUnboundXenEventChannel(x, d1, 1, 0);
    E.evtchnClose(x, d1, hole);
    d1.is_dying = 1;
    const n = x.events.length;
    E.evtchnDestroy(x, d1);
    assert.deepEqual(d1.evtchn.ports.map((c) => c.state), [E.ECS_RESERVED, E.ECS_FREE, E.ECS_FREE, E.ECS_FREE, E.ECS_FREE]);
    assert.ok(d1.evtchn.ports.every((c) => c.xen_consumer === 0));
    assert.deepEqual([port(d0, lp).state, port(d0, lp).remote_domid], [E.ECS_UNBOUND, 1]);
    assert.deepEqual(eventsFrom(x, n).map((e) => [e.kind, e.fn, (e.detail as { port: number }).port, e.before]),
      [[xp, 'ECS_INTERDOMAIN'], [gp, 'ECS_UNBOUND'], [last, 'ECS_UNBOUND']].map(([p, b]) => ['evtchn_close', 'evtchn_destroy', p, b]));
    assert.equal(port(d2, 0).state, E.ECS_RESERVED);
  });
});

describe('evtchn (mutation): each domain copy owns its port table', () => {
  for (const sharing of [true, false]) {
    it(`a cloned host's ports change apart from the original's, both ways (clone sharing ${sharing ? 'on' : 'off'})`, () => {
      setCloneSharing(sharing);
      try {
        const { m, x, d0, d1 } = host();
        const p = E.allocUnboundXenEventChannel(x, d1, 1, 0);
        const lp = E.evtchnBindInterdomain(x, d0, 1, p);
        d0.evtchn.w(lp).irq_shared = true;
        d0.evtchn.w(lp).kernel_irq = true;
        const c = m.clone();
        const [c0, c1] = [c.x.domains.get(0)!, c.x.domains.get(1)!];
        // Every field comes over.
        for (const [a, b] of [[d0, c0], [d1, c1]] as const) {
          assert.deepEqual(b.evtchn.ports.map((e) => ({ ...e, gen: 0 })), a.evtchn.ports.map((e) => ({ ...e, gen: 0 })));
          assert.equal(b.evtchn.max_evtchns, a.evtchn.max_evtchns);
        }
        // The copy writes one field of a copied entry: the others stay as they were, the original does not see it.
        E.evtchnClearPending(c0, lp);
        assert.deepEqual([port(c0, lp).pending, port(c0, lp).irq_shared, port(c0, lp).kernel_irq, port(c0, lp).remote_dom, port(c0, lp).remote_port, port(c0, lp).state],
          [false, true, true, 1, p, E.ECS_INTERDOMAIN]);
        assert.equal(port(d0, lp).pending, true);
        assert.deepEqual([port(c1, p).xen_consumer, port(c1, p).notify_vcpu_id], [port(d1, p).xen_consumer, 1]);
        // The original writes after the clone: the copy does not see it.
        E.evtchnClose(x, d0, lp);
        assert.equal(port(c0, lp).state, E.ECS_INTERDOMAIN);
        assert.equal(port(c1, p).state, E.ECS_INTERDOMAIN);
        assert.equal(port(d1, p).state, E.ECS_UNBOUND);
        // A port added in the copy is not in the original, and one added in the original is not in the copy.
        const n0 = d1.evtchn.ports.length;
        const q = E.evtchnAllocUnbound(c.x, c1, 0);
        assert.equal(q, n0);
        assert.equal(d1.evtchn.ports.length, n0);
        E.evtchnAllocUnbound(x, d1, 2);
        E.evtchnAllocUnbound(x, d1, 2);
        assert.equal(c1.evtchn.ports.length, n0 + 1);
        assert.equal(port(c1, q).remote_domid, 0);
        // A clone of a clone, written in the middle generation, leaves both ends alone.
        const cc = c.clone();
        E.evtchnSetPending(c.x, c1, q);
        assert.equal(port(cc.x.domains.get(1)!, q).pending, false);
        assert.equal(port(c1, q).pending, true);
      } finally {
        setCloneSharing(true);
      }
    });
  }

  it('a max_evtchns lowered before the clone holds in the copy: -ENOSPC there too', () => {
    const { m, x, d2 } = host();
    d2.evtchn.max_evtchns = 2;
    const c = m.clone();
    assert.equal(E.evtchnAllocUnbound(c.x, c.x.domains.get(2)!, 0), 1);
    assert.equal(E.evtchnAllocUnbound(c.x, c.x.domains.get(2)!, 0), -ENOSPC);
    assert.equal(E.evtchnAllocUnbound(x, d2, 0), 1);
  });
});
