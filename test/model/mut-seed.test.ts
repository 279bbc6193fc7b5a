// Issue 16, src/model/xen/seed/hvm.ts: the seed's hvm.c behaviours the mutation run found no test pinning. Each test
// names the Xen behaviour and where it is written: [SEED @n] is the seed patch's hvm.c hunk (post-image line n, see
// shared/seed/000_e7106df356b45c4c.txt); [X44] is xen/arch/x86/hvm/hvm.c @RELEASE-4.4.0, the seed's preimage.
import assert from 'node:assert/strict';
import * as A from '../../src/model/abi';
import { EINVAL, ENOSPC, ENOSYS } from '../../src/model/errno';
import * as E from '../../src/model/evtchn';
import { Model } from '../../src/model/model';
import * as P from '../../src/model/params';
import { HVMOP_get_param, HVMOP_set_param } from '../../src/model/xen/seed/hvm.flat';
import type { Domain } from '../../src/model/xen';
import { hvm, run, seedGuest } from './seed-guest';

const guest = seedGuest;
function op(m: Model, caller: Domain, o: number, domid: number, index: number, value = 0) {
  const a = { domid, index, value };
  const rc = run(m, `d${caller.domain_id}`, (f) => f.hvm.doHvmOp(caller, o, a));
  return { rc, value: a.value };
}
/** The server, created by dom0's get of IOREQ_PFN (hvm_create_ioreq_server(d, curr_d->domain_id), [SEED @4563]). */
function withServer(nrVcpus = 2) {
  const g = guest(nrVcpus);
  assert.equal(op(g.m, g.d0, HVMOP_get_param, 1, P.HVM_PARAM_IOREQ_PFN).rc, 0);
  return { ...g, s: g.d1.arch.hvm_domain.ioreq_server! };
}
const slot = (d: Domain, i: number) => A.readIoreq(d.physmap.get(0xfeff9)!.data(), A.ioreqOffset(i));
const eventsOf = (m: Model, kind: string, from = 0) => m.x.events.slice(from).filter((e) => e.kind === kind);

describe('mutation (issue 16): the seed hvm.c behaviours left unpinned', () => {
  it('hvm_create_ioreq_server [SEED @642-643]: the server has MAX_HVM_VCPUS port slots, each -1 until its vcpu is added', () => {
    const { s } = withServer(2);
    // struct hvm_ioreq_server's evtchn_port_t ioreq_evtchn[MAX_HVM_VCPUS] (asm-x86/hvm/domain.h @RELEASE-4.4.0),
    // filled with -1 by the loop `for ( i = 0; i < MAX_HVM_VCPUS; i++ )`: no slot beyond the array.
    assert.equal(A.MAX_HVM_VCPUS, 128);
    assert.equal(s.ioreq_evtchn.length, A.MAX_HVM_VCPUS);
    assert.ok(s.ioreq_evtchn[0] > 0 && s.ioreq_evtchn[1] > 0);
    assert.deepEqual(s.ioreq_evtchn.slice(2), Array(A.MAX_HVM_VCPUS - 2).fill(-1));
  });

  it('hvm_create_ioreq_server fail_add_vcpu [SEED @673-676]: the domain_pause of the creation is undone by hvm_create_ioreq_server itself', () => {
    const { m, d0, d1 } = guest(2);
    const from = m.x.events.length;
    m.x.faults.evtchn = 1; // vcpu 0's buffered port (the second allocation) fails
    assert.equal(op(m, d0, HVMOP_get_param, 1, P.HVM_PARAM_IOREQ_PFN).rc, -ENOSPC);
    assert.equal(d1.arch.hvm_domain.ioreq_server, null);
    assert.equal(d1.pause_count, 0);
    const pauses = m.x.events.slice(from).filter((e) => e.kind === 'domain_pause' || e.kind === 'domain_unpause');
    assert.deepEqual(pauses.map((e) => `${e.kind} ${e.fn}`), ['domain_pause hvm_create_ioreq_server', 'domain_unpause hvm_create_ioreq_server']);
  });

  it('hvm_vcpu_initialise [SEED @1566-1571]: a vcpu added while a server exists fails with the port allocation\'s error (goto fail6)', () => {
    const { m, d1, s } = withServer(1);
    const ports = d1.evtchn.ports.filter((c) => c.state !== E.ECS_FREE).length;
    m.x.faults.evtchn = 0;
    const rc = run(m, 'toolstack', (f) => f.libxc.allocVcpu(d1, 1));
    assert.equal(rc, -ENOSPC, 'alloc_unbound_xen_event_channel\'s -ENOSPC comes back from hvm_vcpu_initialise');
    assert.equal(d1.vcpu.length, 1, 'vcpu_initialise failed: the vcpu is not kept');
    assert.equal(s.ioreq_evtchn[1], -1);
    assert.equal(d1.evtchn.ports.filter((c) => c.state !== E.ECS_FREE).length, ports);
    // Without the fault the same vcpu comes up with a port of its own, written into its slot.
    assert.equal(run(m, 'toolstack', (f) => f.libxc.allocVcpu(d1, 1)), 0);
    assert.ok(s.ioreq_evtchn[1] > 0);
    assert.equal(slot(d1, 1).vp_eport, s.ioreq_evtchn[1]);
  });

  it('hvm_vcpu_destroy [SEED @1609-1610]: with a live server the vcpu\'s port is freed and its slot in the server set back to -1', () => {
    const { m, d1, s } = withServer(2);
    const p1 = s.ioreq_evtchn[1], p0 = s.ioreq_evtchn[0], buf = s.buf_ioreq_evtchn;
    assert.equal(d1.evtchn.ports[p1].state, E.ECS_UNBOUND);
    run(m, 'toolstack', (f) => hvm(f).hvmVcpuDestroy(d1.vcpu[1]));
    assert.equal(s.ioreq_evtchn[1], -1);
    assert.equal(d1.evtchn.ports[p1].state, E.ECS_FREE);
    // hvm_ioreq_server_remove_vcpu frees the buffered port only for vcpu 0: vcpu 0's ports are untouched.
    assert.equal(s.ioreq_evtchn[0], p0); assert.equal(s.buf_ioreq_evtchn, buf);
    assert.equal(d1.evtchn.ports[p0].state, E.ECS_UNBOUND); assert.equal(d1.evtchn.ports[buf].state, E.ECS_UNBOUND);
  });

  it('hvm_set_ioreq_server_domid [SEED @753-790]: the buffered port\'s replacement fails: goto done, no vcpu port replaced, domid kept', () => {
    const { m, d0, d1, s } = withServer(2);
    const before = { domid: s.domid, buf: s.buf_ioreq_evtchn, ports: s.ioreq_evtchn.slice(0, 2) };
    m.x.faults.evtchn = 0; // hvm_replace_event_channel(d->vcpu[0], domid, &s->buf_ioreq_evtchn) gets -ENOSPC
    assert.equal(op(m, d0, HVMOP_set_param, 1, P.HVM_PARAM_DM_DOMAIN, 2).rc, -ENOSPC);
    assert.deepEqual({ domid: s.domid, buf: s.buf_ioreq_evtchn, ports: s.ioreq_evtchn.slice(0, 2) }, before);
    for (const p of before.ports) assert.equal(d1.evtchn.ports[p].remote_domid, 0);
    assert.equal(d1.arch.hvm_domain.params[P.HVM_PARAM_DM_DOMAIN], 0, 'do_hvm_op stores the param only when rc is 0');
    assert.equal(d1.pause_count, 0, 'done: domain_unpause');
  });

  it('do_hvm_op [X44 hvm.c do_hvm_op, HVMOP_set/get_param]: a PV domain\'s params are -EINVAL (is_hvm_domain), even for dom0', () => {
    const { m, d0, d2 } = guest(1);
    assert.equal(op(m, d0, HVMOP_get_param, 2, P.HVM_PARAM_IOREQ_PFN).rc, -EINVAL);
    assert.equal(op(m, d0, HVMOP_get_param, 2, P.HVM_PARAM_STORE_PFN).rc, -EINVAL);
    assert.equal(op(m, d0, HVMOP_set_param, 2, P.HVM_PARAM_CALLBACK_IRQ, 5).rc, -EINVAL);
    assert.equal(d2.arch.hvm_domain.params[P.HVM_PARAM_CALLBACK_IRQ], 0);
  });

  it('HVM_PARAM_DM_DOMAIN: the server is made for the value as a domid_t (its low 16 bits), the param keeps the value as set', () => {
    // hvm_create_ioreq_server and hvm_set_ioreq_server_domid take a domid_t [SEED hvm.c hunks]; do_hvm_op stores
    // a.value itself after the switch ([X44] hvm.c:4122).
    const g = guest(1);
    assert.equal(op(g.m, g.d0, HVMOP_set_param, 1, P.HVM_PARAM_DM_DOMAIN, 0x10002).rc, 0);
    assert.equal(g.d1.arch.hvm_domain.ioreq_server!.domid, 2);
    assert.deepEqual(op(g.m, g.d0, HVMOP_get_param, 1, P.HVM_PARAM_DM_DOMAIN), { rc: 0, value: 0x10002 });
    // The server exists: moved over to the next device model, again by the low 16 bits.
    assert.equal(op(g.m, g.d0, HVMOP_set_param, 1, P.HVM_PARAM_DM_DOMAIN, 0x20000).rc, 0);
    assert.equal(g.d1.arch.hvm_domain.ioreq_server!.domid, 0);
    assert.equal(g.d1.arch.hvm_domain.params[P.HVM_PARAM_DM_DOMAIN], 0x20000);
  });

  it('do_hvm_op: an op that is neither HVMOP_set_param nor HVMOP_get_param is -ENOSYS (the switch\'s default)', () => {
    const { m, d0, d1 } = guest(1);
    const r = op(m, d0, 7, 1, P.HVM_PARAM_IOREQ_PFN);
    assert.equal(r.rc, -ENOSYS);
    assert.equal(d1.arch.hvm_domain.ioreq_server, null, 'no server is created');
  });

  it('do_hvm_op HVMOP_set_param: the param store is do_hvm_op\'s own write (d->arch.hvm_domain.params[a.index] = a.value)', () => {
    const { m, d0 } = guest(1);
    const from = m.x.events.length;
    assert.equal(op(m, d0, HVMOP_set_param, 1, P.HVM_PARAM_CALLBACK_IRQ, 5).rc, 0);
    const sets = eventsOf(m, 'param_set', from);
    assert.equal(sets.length, 1);
    assert.equal(sets[0].fn, 'do_hvm_op');
    assert.equal(sets[0].after, 5);
  });

  it('hvm_send_assist_req_to_server [X44 hvm_send_assist_req]: a slot not NONE prints "Device model set bad IO state N." at XENLOG_ERR and crashes d', () => {
    const { m, d1 } = withServer(1);
    const v = d1.vcpu[0];
    const s = d1.arch.hvm_domain.ioreq_server!;
    const p = run(m, 'x', (f) => hvm(f).getIoreq(s, 0));
    p.state = A.STATE_IOREQ_INPROCESS; // what a misbehaving device model left in the slot
    const from = m.x.console.length;
    const r = m.flatRun('vcpu0', v, (f) => hvm(f).hvmSendAssistReqToServer(s, v, { ...A.emptyIoreq(), type: A.IOREQ_TYPE_PIO, addr: 0x3f8n, size: 1, count: 1 }));
    assert.equal(r.value, 0);
    const line = m.x.console.slice(from).find((l) => l.fn === 'hvm_send_assist_req_to_server');
    assert.deepEqual(line && { level: line.level, text: line.text }, { level: 'XENLOG_ERR', text: 'Device model set bad IO state 2.' });
    assert.deepEqual(d1.crashed && { fn: d1.crashed.fn, reason: d1.crashed.reason }, { fn: 'hvm_send_assist_req_to_server', reason: 'Device model set bad IO state 2' });
    assert.equal(p.state, A.STATE_IOREQ_INPROCESS, 'the slot is left as the device model wrote it');
  });

  it('hvm_send_assist_req_to_server [SEED @1735-1766]: the slot goes READY by hvm_send_assist_req_to_server, after the copy', () => {
    const { m, d1, s } = withServer(1);
    const v = d1.vcpu[0];
    const from = m.x.events.length;
    const r = m.flatRun('vcpu0', v, (f) => hvm(f).hvmSendAssistReqToServer(s, v, { ...A.emptyIoreq(), type: A.IOREQ_TYPE_PIO, addr: 0x3f8n, size: 1, count: 1, data: 0x41n }));
    assert.equal(r.value, 1);
    const states = eventsOf(m, 'slot_state', from);
    assert.deepEqual(states.map((e) => `${e.fn} ${e.before}->${e.after}`), ['hvm_send_assist_req_to_server STATE_IOREQ_NONE->STATE_IOREQ_READY']);
  });

  it('hvm_wait_on_io [SEED @387-389]: a state outside the four prints "Weird HVM iorequest state N." at XENLOG_ERR and crashes d (domain_crash(d))', () => {
    const { m, d1, s } = withServer(1);
    const v = d1.vcpu[0];
    const p = run(m, 'x', (f) => hvm(f).getIoreq(s, 0));
    p.state = 7;
    const from = m.x.console.length;
    const r = m.flatRun('vcpu0', v, (f) => hvm(f).hvmDoResume(v));
    assert.equal(r.panic, undefined);
    const line = m.x.console.slice(from).find((l) => l.fn === 'hvm_wait_on_io');
    assert.deepEqual(line && { level: line.level, text: line.text }, { level: 'XENLOG_ERR', text: 'Weird HVM iorequest state 7.' });
    assert.deepEqual(d1.crashed && { fn: d1.crashed.fn, reason: d1.crashed.reason }, { fn: 'hvm_wait_on_io', reason: 'Weird HVM iorequest state 7' });
  });

  it('with the event record off (the explorer\'s runs) creating, re-targeting and destroying the server record no event', () => {
    const { m, d0, d1 } = guest(1);
    m.x.on = false;
    const n = m.x.events.length;
    assert.equal(op(m, d0, HVMOP_get_param, 1, P.HVM_PARAM_IOREQ_PFN).rc, 0);
    assert.equal(op(m, d0, HVMOP_set_param, 1, P.HVM_PARAM_DM_DOMAIN, 2).rc, 0);
    assert.equal(d1.arch.hvm_domain.ioreq_server!.domid, 2);
    run(m, 'toolstack', (f) => hvm(f).hvmDestroyIoreqServer(d1));
    assert.equal(d1.arch.hvm_domain.ioreq_server, null);
    assert.equal(m.x.events.length, n);
  });
});
