// Event channels after xen/common/event_channel.c, RELEASE-4.4.0 (line numbers from /tmp/research.md section 1).
import assert from 'node:assert/strict';
import { EINVAL, ENOSPC, ESRCH } from '../../src/model/errno';
import * as E from '../../src/model/evtchn';
import { Model } from '../../src/model/model';
import type { Domain } from '../../src/model/xen';

/** dom0, HVM d1 (2 vcpus, no server: seed profile) and PV d2. */
function host() {
  const m = new Model('seed').boot();
  m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(1, 2, true));
  m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(2, 1, false));
  const [d0, d1, d2] = [0, 1, 2].map((i) => m.x.domains.get(i)!);
  return { m, x: m.x, d0, d1, d2 };
}
const port = (d: Domain, p: number) => d.evtchn.ports[p];
const anyPending = (d: Domain) => d.evtchn.ports.some((c) => c.pending);

describe('evtchn: allocation', () => {
  it('port 0 is ECS_RESERVED by evtchn_init and never handed out (evtchn_init 1239-1268)', () => {
    const { x, d1 } = host();
    assert.equal(port(d1, 0).state, E.ECS_RESERVED);
    assert.equal(E.evtchnAllocUnbound(x, d1, 0), 1);
    assert.equal(E.evtchnClose(x, d1, 0), -EINVAL);
    assert.equal(port(d1, 0).state, E.ECS_RESERVED);
  });

  it('get_free_port returns the lowest free port, reusing a closed one (161-195)', () => {
    const { x, d1 } = host();
    assert.deepEqual([1, 2, 3].map(() => E.evtchnAllocUnbound(x, d1, 0)), [1, 2, 3]);
    assert.equal(E.evtchnClose(x, d1, 2), 0);
    assert.equal(port(d1, 2).state, E.ECS_FREE);
    assert.equal(E.allocUnboundXenEventChannel(x, d1, 1, 0), 2);
    assert.equal(E.evtchnAllocUnbound(x, d1, 0), 4);
  });

  it('get_free_port fails -EINVAL on a dying domain (167)', () => {
    const { x, d1 } = host();
    d1.is_dying = 1;
    assert.equal(E.evtchnAllocUnbound(x, d1, 0), -EINVAL);
  });

  it('alloc_unbound for a remote domain: ECS_UNBOUND, u.unbound.remote_domid = remote, guest-owned', () => {
    const { x, d1 } = host();
    const p = E.evtchnAllocUnbound(x, d1, 2);
    assert.equal(port(d1, p).state, E.ECS_UNBOUND);
    assert.equal(port(d1, p).remote_domid, 2);
    assert.equal(port(d1, p).xen_consumer, 0);
  });

  it('alloc_unbound_xen_event_channel: Xen-owned, notify_vcpu_id = the vcpu, remote_domid set (1133-1158)', () => {
    const { x, d1 } = host();
    const p = E.allocUnboundXenEventChannel(x, d1, 1, 7);
    assert.equal(port(d1, p).state, E.ECS_UNBOUND);
    assert.notEqual(port(d1, p).xen_consumer, 0);
    assert.equal(port(d1, p).notify_vcpu_id, 1);
    assert.equal(port(d1, p).remote_domid, 7);
    assert.equal(E.evtchnClose(x, d1, p), -EINVAL); // a guest cannot close a Xen-owned port (479-484)
    assert.equal(port(d1, p).state, E.ECS_UNBOUND);
  });

  it('-ENOSPC once past max_evtchns', () => {
    const { x, d2 } = host();
    d2.evtchn.max_evtchns = 4;
    assert.deepEqual([0, 1, 2].map(() => E.evtchnAllocUnbound(x, d2, 0)), [1, 2, 3]);
    assert.equal(E.evtchnAllocUnbound(x, d2, 0), -ENOSPC);
    assert.equal(E.allocUnboundXenEventChannel(x, d2, 0, 0), -ENOSPC);
    assert.equal(d2.evtchn.ports.length, 4);
    E.evtchnClose(x, d2, 3);
    assert.equal(E.evtchnAllocUnbound(x, d2, 0), 3);
  });
});

describe('evtchn: evtchn_bind_interdomain (235-302)', () => {
  it('binds to an ECS_UNBOUND port whose remote_domid is the binder; both ends point at each other', () => {
    const { x, d0, d1 } = host();
    const rp = E.allocUnboundXenEventChannel(x, d1, 0, 0);
    const lp = E.evtchnBindInterdomain(x, d0, 1, rp);
    assert.ok(lp > 0);
    assert.deepEqual([port(d0, lp).state, port(d0, lp).remote_dom, port(d0, lp).remote_port], [E.ECS_INTERDOMAIN, 1, rp]);
    assert.deepEqual([port(d1, rp).state, port(d1, rp).remote_dom, port(d1, rp).remote_port], [E.ECS_INTERDOMAIN, 0, lp]);
  });

  it('sets pending on the new local port, covering notifications lost while unbound (290)', () => {
    const { x, d0, d2 } = host();
    const rp = E.evtchnAllocUnbound(x, d2, 0);
    const lp = E.evtchnBindInterdomain(x, d0, 2, rp);
    assert.equal(port(d0, lp).pending, true);
    assert.equal(port(d2, rp).pending, false);
  });

  it('-EINVAL when the remote port is unbound for another domain (269-271), and nothing is consumed', () => {
    const { x, d0, d1, d2 } = host();
    const rp = E.evtchnAllocUnbound(x, d1, 2);
    const before = d0.evtchn.ports.filter((c) => c.state !== E.ECS_FREE).length;
    assert.equal(E.evtchnBindInterdomain(x, d0, 1, rp), -EINVAL);
    assert.equal(d0.evtchn.ports.filter((c) => c.state !== E.ECS_FREE).length, before);
    assert.equal(port(d1, rp).state, E.ECS_UNBOUND);
    assert.ok(E.evtchnBindInterdomain(x, d2, 1, rp) > 0);
  });

  it('-EINVAL when the remote port is not ECS_UNBOUND (already bound, free, reserved or out of range)', () => {
    const { x, d0, d1, d2 } = host();
    const rp = E.evtchnAllocUnbound(x, d1, 0);
    assert.ok(E.evtchnBindInterdomain(x, d0, 1, rp) > 0);
    assert.equal(E.evtchnBindInterdomain(x, d0, 1, rp), -EINVAL); // now ECS_INTERDOMAIN
    assert.equal(E.evtchnBindInterdomain(x, d2, 1, 0), -EINVAL); // reserved
    assert.equal(E.evtchnBindInterdomain(x, d2, 1, 999), -EINVAL);
  });

  it('-ESRCH for an unknown remote domain; DOMID_SELF means the binder (246-247)', () => {
    const { x, d1 } = host();
    assert.equal(E.evtchnBindInterdomain(x, d1, 42, 1), -ESRCH);
    const rp = E.evtchnAllocUnbound(x, d1, 1);
    const lp = E.evtchnBindInterdomain(x, d1, E.DOMID_SELF, rp);
    assert.ok(lp > 0);
    assert.equal(port(d1, lp).remote_dom, 1);
  });
});

describe('evtchn: notification and close', () => {
  it('notify_via_xen_event_channel on an unbound Xen port is silently lost (1186-1212)', () => {
    const { x, d0, d1 } = host();
    const p = E.allocUnboundXenEventChannel(x, d1, 0, 0);
    E.notifyViaXenEventChannel(x, d1, p);
    assert.equal(anyPending(d0), false);
    assert.equal(anyPending(d1), false);
    // Binding later sets the new port pending: the DM rescans rather than relying on the lost notify.
    const lp = E.evtchnBindInterdomain(x, d0, 1, p);
    E.evtchnClearPending(d0, lp);
    E.notifyViaXenEventChannel(x, d1, p);
    assert.equal(port(d0, lp).pending, true);
  });

  it('notify_via_xen_event_channel does nothing on a dying domain (1186-1212)', () => {
    const { x, d0, d1 } = host();
    const p = E.allocUnboundXenEventChannel(x, d1, 0, 0);
    const lp = E.evtchnBindInterdomain(x, d0, 1, p);
    E.evtchnClearPending(d0, lp);
    d1.is_dying = 1;
    E.notifyViaXenEventChannel(x, d1, p);
    assert.equal(port(d0, lp).pending, false);
  });

  it('evtchn_send to a Xen-owned remote wakes the vcpu blocked in Xen instead of setting pending (637-638)', () => {
    const { x, d0, d1 } = host();
    const p = E.allocUnboundXenEventChannel(x, d1, 1, 0);
    const lp = E.evtchnBindInterdomain(x, d0, 1, p);
    d1.vcpu[1].pause_flags.blocked_in_xen = true;
    d1.vcpu[0].pause_flags.blocked_in_xen = true;
    assert.equal(E.evtchnSend(x, d0, lp), 0);
    assert.equal(d1.vcpu[1].pause_flags.blocked_in_xen, false);
    assert.equal(d1.vcpu[0].pause_flags.blocked_in_xen, true); // only notify_vcpu_id's vcpu
    assert.equal(port(d1, p).pending, false);
  });

  it('evtchn_send: from a Xen-owned port -EINVAL; from an unbound port dropped (0) (619-646)', () => {
    const { x, d1 } = host();
    const xp = E.allocUnboundXenEventChannel(x, d1, 0, 0);
    assert.equal(E.evtchnSend(x, d1, xp), -EINVAL);
    const up = E.evtchnAllocUnbound(x, d1, 0);
    assert.equal(E.evtchnSend(x, d1, up), 0);
    assert.equal(anyPending(d1), false);
  });

  it('closing one end of an interdomain channel makes the other ECS_UNBOUND with remote_domid = the closer (566-567)', () => {
    const { x, d0, d1, d2 } = host();
    const rp = E.evtchnAllocUnbound(x, d2, 1);
    const lp = E.evtchnBindInterdomain(x, d1, 2, rp);
    assert.equal(E.evtchnClose(x, d1, lp), 0);
    assert.equal(port(d1, lp).state, E.ECS_FREE);
    assert.equal(port(d1, lp).pending, false);
    assert.equal(port(d2, rp).state, E.ECS_UNBOUND);
    assert.equal(port(d2, rp).remote_domid, 1);
    // Now only d1 may bind it again.
    assert.equal(E.evtchnBindInterdomain(x, d0, 2, rp), -EINVAL);
    assert.ok(E.evtchnBindInterdomain(x, d1, 2, rp) > 0);
  });

  it('free_xen_event_channel closes a Xen port: the DM end becomes unbound for the guest; no-op when dying (1161-1183)', () => {
    const { x, d0, d1 } = host();
    const p = E.allocUnboundXenEventChannel(x, d1, 0, 0);
    const lp = E.evtchnBindInterdomain(x, d0, 1, p);
    E.freeXenEventChannel(x, d1, p);
    assert.equal(port(d1, p).state, E.ECS_FREE);
    assert.deepEqual([port(d0, lp).state, port(d0, lp).remote_domid], [E.ECS_UNBOUND, 1]);
    const q = E.allocUnboundXenEventChannel(x, d1, 0, 0);
    d1.is_dying = 1;
    E.freeXenEventChannel(x, d1, q);
    assert.equal(port(d1, q).state, E.ECS_UNBOUND);
  });
});
