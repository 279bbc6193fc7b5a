// Issue 16, src/model/xen/seed/hvm.ts on the stepped build: stops and locals of the seed's hvm.c the mutation run
// found unpinned. Each call is driven statement by statement (Model.steppedRun), as the debugger drives it; where a
// test changes the model between two stops it is what another CPU (the device model, the toolstack) does there.
// [SEED @n]: the seed patch's hvm.c, post-image line n; the listing is src/debug/listings/seed/hvm.c.
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import { ENOENT } from '../../src/model/errno';
import { Model, type FlatImpl, type SteppedImpl } from '../../src/model/model';
import * as P from '../../src/model/params';
import type { Co, Frame } from '../../src/model/step';
import * as X from '../../src/model/xen';
import { RESUMED } from '../../src/model/xen/common/outcome';
import { HVMOP_get_param, type HvmSeed } from '../../src/model/xen/seed/hvm.stepped';
import type { HvmSeed as HvmSeedFlat } from '../../src/model/xen/seed/hvm.flat';
import { show } from '../../src/debug/values';

interface Stop { fn: string; at: string; locals: Record<string, string> }

/** Runs fn on the stepped build, one stop at a time; `at(top)` runs at each stop (another CPU's move, if any). */
function stepped<T>(m: Model, actor: string, v: X.Vcpu | null, fn: (s: SteppedImpl) => Co<T>, at?: (top: Frame) => void) {
  const stops: Stop[] = [];
  const g = m.steppedRun(actor, v, fn);
  for (;;) {
    const r = g.next();
    if (r.done) return { value: r.value.value as T, panic: r.value.panic, stops };
    const top = r.value[r.value.length - 1];
    stops.push({ fn: top.fn, at: top.at, locals: Object.fromEntries(Object.entries(top.locals).map(([k, x]) => [k, show(k, x).value])) });
    at?.(top);
  }
}
const labels = (stops: Stop[], fn: string) => stops.filter((s) => s.fn === fn).map((s) => s.at);
const localsAt = (stops: Stop[], fn: string, at: string) => {
  const s = stops.find((x) => x.fn === fn && x.at === at);
  assert.ok(s, `${fn} stops at ${at}`);
  return s.locals;
};

function flat<T>(m: Model, actor: string, fn: (f: FlatImpl) => T): T {
  const r = m.flatRun(actor, null, fn);
  assert.equal(r.panic, undefined);
  return r.value as T;
}
/** dom0 and an HVM guest d1 (nrVcpus) built and unpaused; with `server`, dom0 has read IOREQ_PFN (creating the server). */
function guest(nrVcpus: number, server: boolean) {
  const m = new Model('seed').boot();
  assert.equal(flat(m, 'toolstack', (f) => f.libxc.xcDomainCreate(1, nrVcpus, true)), 0);
  const d1 = m.x.domains.get(1)!;
  assert.equal(flat(m, 'toolstack', (f) => f.libxc.setupGuest(d1, 0x8000, 0, 0)), 0);
  assert.equal(flat(m, 'toolstack', (f) => f.libxc.domainUnpauseByController(d1)), 0);
  const d0 = m.x.domains.get(0)!;
  if (server) assert.equal(flat(m, 'd0', (f) => f.hvm.doHvmOp(d0, HVMOP_get_param, { domid: 1, index: P.HVM_PARAM_IOREQ_PFN, value: 0 })), 0);
  return { m, d0, d1 };
}
const pio = (): A.Ioreq => ({ ...A.emptyIoreq(), type: A.IOREQ_TYPE_PIO, addr: 0x3f8n, size: 1, count: 1, data: 0x41n });

describe('mutation (issue 16): the seed hvm.c stops and locals left unpinned', () => {
  it('hvm_send_assist_req_to_server (listing 345): prepare_wait shows the port it waits on, the slot\'s vp_eport (vcpu 0\'s port)', () => {
    const { m, d1 } = guest(1, true);
    const s = d1.arch.hvm_domain.ioreq_server!;
    const v = d1.vcpu[0];
    const r = stepped(m, 'd1v0', v, (x) => (x.hvm as HvmSeed).hvmSendAssistReqToServer(s, v, pio()));
    assert.equal(r.value, 1);
    assert.deepEqual(labels(r.stops, 'hvm_send_assist_req_to_server'), ['init_d', 'get_ioreq', 'check_state', 'copy', 'prepare_wait', 'wmb', 'ready', 'notify', 'ret']);
    const port = s.ioreq_evtchn[0];
    assert.ok(port > 0);
    assert.equal(localsAt(r.stops, 'hvm_send_assist_req_to_server', 'prepare_wait').port, String(port));
    assert.equal(localsAt(r.stops, 'hvm_send_assist_req_to_server', 'notify').port, String(port));
  });

  it('hvm_wait_on_io [SEED @370-392]: the device model answers between the state read and the wait: wait_on_xen_event_channel does not block, the loop completes the I/O', () => {
    const { m, d1 } = guest(1, true);
    const s = d1.arch.hvm_domain.ioreq_server!;
    const v = d1.vcpu[0];
    const p = flat(m, 'x', (f) => (f.hvm as HvmSeedFlat).getIoreq(s, 0));
    p.state = A.STATE_IOREQ_READY; // a request the device model has not taken yet
    // wait_on_xen_event_channel re-checks its condition (slot neither READY nor INPROCESS) before it deschedules
    // (xen/include/xen/event.h @RELEASE-4.4.0): QEMU's answer landing just before it means no wait.
    const r = stepped(m, 'd1v0', v, (x) => (x.hvm as HvmSeed).hvmDoResume(v), (top) => {
      if (top.fn === 'hvm_wait_on_io' && top.at === 'wait') p.state = A.STATE_IORESP_READY;
    });
    assert.equal(r.value, RESUMED);
    assert.deepEqual(labels(r.stops, 'hvm_wait_on_io'),
      ['init_v', 'loop', 'read_state', 'switch', 'wait', 'wait_break', 'loop', 'read_state', 'switch', 'assist', 'assist_break', 'loop']);
    assert.equal(p.state, A.STATE_IOREQ_NONE, 'hvm_io_assist completed the request');
    assert.equal(v.pause_flags.blocked_in_xen, false);
  });

  it('hvm_domain_initialise [SEED @857]: domain_create stops in it once, with d, and it no longer makes a server', () => {
    const m = new Model('seed').boot();
    const r = stepped(m, 'toolstack', null, (x) => x.libxc.xcDomainCreate(3, 1, true));
    assert.equal(r.value, 0);
    const init = r.stops.filter((s) => s.fn === 'hvm_domain_initialise');
    assert.deepEqual(init.map((s) => s.at), ['init']);
    assert.equal(init[0].locals.d, 'd3 (HVM)');
    assert.equal(m.x.domains.get(3)!.arch.hvm_domain.ioreq_server, null);
  });

  it('hvm_update_ioreq_server_evtchn: with the ioreq page not mapped (va NULL) it writes no port', () => {
    const { m, d1 } = guest(1, false);
    const s = new X.HvmIoreqServer(d1, A.MAX_HVM_VCPUS);
    s.ioreq_evtchn[0] = 5;
    const r = stepped(m, 'toolstack', null, (x) => (x.hvm as HvmSeed).hvmUpdateIoreqServerEvtchn(s));
    assert.deepEqual(labels(r.stops, 'hvm_update_ioreq_server_evtchn'), ['init_d', 'check']);
    assert.equal(localsAt(r.stops, 'hvm_update_ioreq_server_evtchn', 'check').va, '"NULL"');
  });

  for (const [name, index, fn, tail] of [
    ['IOREQ_PFN', P.HVM_PARAM_IOREQ_PFN, 'hvm_get_ioreq_server_pfn', ['get_pfn', 'get_pfn_rc']],
    ['BUFIOREQ_EVTCHN', P.HVM_PARAM_BUFIOREQ_EVTCHN, 'hvm_get_ioreq_server_buf_port', ['get_port', 'get_port_rc']],
  ] as const) {
    it(`do_hvm_op get of ${name} [SEED @4563-4600]: the server destroyed after its creation's check: ${fn} is -ENOENT, goto param_fail, a.value not written`, () => {
      const { m, d0, d1 } = guest(1, false);
      const a = { domid: 1, index, value: 0x1234 };
      const r = stepped(m, 'd0', null, (x) => (x.hvm as HvmSeed).doHvmOp(d0, HVMOP_get_param, a), (top) => {
        // The toolstack's domain_kill relinquishing d1 on another CPU: hvm_destroy_ioreq_server ([SEED @687]).
        if (top.fn === 'do_hvm_op' && top.at === 'which') flat(m, 'toolstack', (f) => (f.hvm as HvmSeedFlat).hvmDestroyIoreqServer(d1));
      });
      assert.equal(r.value, -ENOENT);
      const ops = labels(r.stops, 'do_hvm_op');
      assert.deepEqual(ops.slice(ops.indexOf('create_rc')), ['create_rc', 'which', ...tail]);
      assert.deepEqual(labels(r.stops, fn), ['init_s', 'check']);
      assert.equal(localsAt(r.stops, fn, 'check').s, 'NULL');
      assert.equal(a.value, 0x1234);
    });
  }
});
