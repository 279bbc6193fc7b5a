// The seed's hvm_create_ioreq_server and its neighbours, pinned where a mutation survived before: what each failure
// path frees, unmaps and unpauses and in which order, every error return with its sign, each condition of the vcpu
// add/remove paths, and the console lines with their levels. [SEED @n] is the seed's hunk at line n; [X44] RELEASE-4.4.0.
import assert from 'node:assert/strict';
import * as A from '../../src/model/abi';
import { ENOENT, ENOMEM, ENOSPC } from '../../src/model/errno';
import * as E from '../../src/model/evtchn';
import { Model } from '../../src/model/model';
import * as P from '../../src/model/params';
import { HVMOP_get_param, HVMOP_set_param } from '../../src/model/xen/seed/hvm.flat';
import { HvmIoreqServer, type Domain } from '../../src/model/xen';
import { hvm, run } from './seed-guest';

const IOREQ = 0xfeff9;
const BUFIOREQ = 0xfeff8;
function guest(nrVcpus = 2) {
  const m = new Model('seed').boot();
  run(m, 'toolstack', (f) => f.libxc.xcDomainCreate(1, nrVcpus, true));
  const d1 = m.x.domains.get(1)!;
  run(m, 'toolstack', (f) => f.libxc.setupGuest(d1, 0x8000, 0, 0));
  run(m, 'toolstack', (f) => f.libxc.domainUnpauseByController(d1));
  return { m, d1, d0: m.x.domains.get(0)! };
}
function getp(m: Model, c: Domain, domid: number, index: number) {
  const a = { domid, index, value: 0 };
  return { rc: run(m, 'dm', (f) => f.hvm.doHvmOp(c, HVMOP_get_param, a)), value: a.value };
}
const xenPorts = (d: Domain) => d.evtchn.ports.flatMap((c, p) => (c.xen_consumer ? [p] : []));
/** The kinds (and pfns for page events) of the events since `from`, in order. */
const trail = (m: Model, from: number) => m.x.events.slice(from).filter((e) => e.kind !== 'printk')
  .map((e) => (e.kind === 'page_map' || e.kind === 'page_unmap' ? `${e.kind} ${A.hex((e.detail as { pfn: number }).pfn)}` : e.kind));

describe('seed: what each failure path of hvm_create_ioreq_server gives back, in order [SEED @618]', () => {
  it('a server that is created is counted as allocated; destroying the domain frees it', () => {
    const { m, d0, d1 } = guest();
    assert.equal(getp(m, d0, 1, P.HVM_PARAM_IOREQ_PFN).rc, 0);
    assert.equal(m.x.heap.hvm_ioreq_server, 1);
    run(m, 'toolstack', (f) => f.libxc.domainKill(d1));
    assert.equal(m.x.heap.hvm_ioreq_server, 0);
  });

  it('fail_alloc: -ENOMEM (negative), nothing allocated, nothing mapped, no pause', () => {
    const { m, d0, d1 } = guest();
    m.x.faults.xzalloc = 0;
    const before = m.x.events.length;
    assert.equal(getp(m, d0, 1, P.HVM_PARAM_IOREQ_PFN).rc, -ENOMEM);
    assert.equal(m.x.heap.hvm_ioreq_server ?? 0, 0);
    assert.deepEqual(trail(m, before), []);
  });

  it('fail_set_ioreq: the server is xfree()d (heap back to 0) and nothing else was touched', () => {
    const { m, d0 } = guest();
    m.x.faults.map = 0;
    const before = m.x.events.length;
    assert.equal(getp(m, d0, 1, P.HVM_PARAM_IOREQ_PFN).rc, -ENOMEM);
    assert.equal(m.x.heap.hvm_ioreq_server, 0);
    assert.deepEqual(trail(m, before), []);
  });

  it('fail_set_buf_ioreq: the ioreq page is mapped, then unmapped, then the server is xfree()d', () => {
    const { m, d0, d1 } = guest();
    m.x.faults.map = 1;
    const before = m.x.events.length;
    assert.equal(getp(m, d0, 1, P.HVM_PARAM_IOREQ_PFN).rc, -ENOMEM);
    assert.deepEqual(trail(m, before), [`page_map ${A.hex(IOREQ)}`, `page_unmap ${A.hex(IOREQ)}`]);
    assert.equal(m.x.heap.hvm_ioreq_server, 0);
    assert.equal(d1.physmap.get(IOREQ)!.xen_maps, 0);
  });

  it('fail_add_vcpu (second vcpu): every port freed, THEN unpaused, THEN the buffered page unmapped, THEN the ioreq page, THEN xfree', () => {
    const { m, d0, d1 } = guest();
    m.x.faults.evtchn = 2; // vcpu 0's port and buffered port succeed; vcpu 1's fails
    const before = m.x.events.length;
    assert.equal(getp(m, d0, 1, P.HVM_PARAM_IOREQ_PFN).rc, -ENOSPC);
    assert.deepEqual(trail(m, before), [
      `page_map ${A.hex(IOREQ)}`, `page_map ${A.hex(BUFIOREQ)}`, 'domain_pause',
      'evtchn_alloc', 'evtchn_alloc',
      'evtchn_close', 'evtchn_close', // remove_vcpu(v0): the buffered port, then v0's port; v1 had none (-1, skipped)
      'domain_unpause', `page_unmap ${A.hex(BUFIOREQ)}`, `page_unmap ${A.hex(IOREQ)}`,
    ]);
    assert.equal(m.x.heap.hvm_ioreq_server, 0);
    assert.deepEqual(xenPorts(d1), []);
    assert.equal(d1.pause_count, 0);
    assert.equal(d1.arch.hvm_domain.ioreq_server, null);
  });
});

describe('seed: error returns and their signs', () => {
  it('hvm_get_ioreq_server_pfn and _buf_port with no server: -ENOENT, the out value untouched', () => {
    const { m, d1 } = guest();
    const out = { pfn: 0x1234 };
    assert.equal(run(m, 'x', (f) => hvm(f).hvmGetIoreqServerPfn(d1, 0, out)), -ENOENT);
    assert.equal(run(m, 'x', (f) => hvm(f).hvmGetIoreqServerPfn(d1, 1, out)), -ENOENT);
    assert.equal(out.pfn, 0x1234);
    const port = { port: 77 };
    assert.equal(run(m, 'x', (f) => hvm(f).hvmGetIoreqServerBufPort(d1, port)), -ENOENT);
    assert.equal(port.port, 77);
  });

  it('hvm_get_ioreq_server_pfn returns the param, not the mapped page: IOREQ for buf 0, BUFIOREQ for buf 1', () => {
    const { m, d0, d1 } = guest();
    getp(m, d0, 1, P.HVM_PARAM_IOREQ_PFN);
    const out = { pfn: 0 };
    assert.equal(run(m, 'x', (f) => hvm(f).hvmGetIoreqServerPfn(d1, 0, out)), 0); assert.equal(out.pfn, IOREQ);
    assert.equal(run(m, 'x', (f) => hvm(f).hvmGetIoreqServerPfn(d1, 1, out)), 0); assert.equal(out.pfn, BUFIOREQ);
  });

  it('hvm_set_ioreq_server_domid with no server: -ENOENT, and the domain is paused and unpaused around it', () => {
    const { m, d1 } = guest();
    const before = m.x.events.length;
    assert.equal(run(m, 'x', (f) => hvm(f).hvmSetIoreqServerDomid(d1, 0)), -ENOENT);
    assert.deepEqual(trail(m, before), ['domain_pause', 'domain_unpause']);
    assert.equal(d1.pause_count, 0);
  });

  it('HVMOP_set_param of DM_DOMAIN before any server: creates one (rc 0, not -ENOENT from set_domid)', () => {
    const { m, d0, d1 } = guest();
    const a = { domid: 1, index: P.HVM_PARAM_DM_DOMAIN, value: 0 };
    assert.equal(run(m, 'toolstack', (f) => f.hvm.doHvmOp(d0, HVMOP_set_param, a)), 0);
    assert.equal(d1.arch.hvm_domain.ioreq_server?.domid, 0);
  });
});

describe('seed: the conditions of hvm_ioreq_server_add_vcpu / remove_vcpu (inferred from the preimage)', () => {
  function server() {
    const g = guest();
    getp(g.m, g.d0, 1, P.HVM_PARAM_IOREQ_PFN);
    return { ...g, s: g.d1.arch.hvm_domain.ioreq_server! };
  }
  it('vcpu 0 gets a port and the buffered port; another vcpu gets its port only', () => {
    const { s } = server();
    assert.ok(s.ioreq_evtchn[0] > 0 && s.ioreq_evtchn[1] > 0 && s.buf_ioreq_evtchn > 0);
    assert.equal(new Set([s.ioreq_evtchn[0], s.ioreq_evtchn[1], s.buf_ioreq_evtchn]).size, 3);
  });
  it("removing vcpu 1 frees vcpu 1's port and leaves the buffered port and vcpu 0's", () => {
    const { m, d1, s } = server();
    const [p0, p1, pb] = [s.ioreq_evtchn[0], s.ioreq_evtchn[1], s.buf_ioreq_evtchn];
    run(m, 'x', (f) => hvm(f).hvmIoreqServerRemoveVcpu(s, d1.vcpu[1]));
    assert.equal(s.ioreq_evtchn[1], -1); assert.equal(s.buf_ioreq_evtchn, pb); assert.equal(s.ioreq_evtchn[0], p0);
    assert.equal(d1.evtchn.ports[p1].state, E.ECS_FREE);
    assert.notEqual(d1.evtchn.ports[pb].state, E.ECS_FREE);
  });
  it('removing vcpu 0 frees the buffered port too; removing it again (ports -1) frees nothing and does not BUG', () => {
    const { m, d1, s } = server();
    const pb = s.buf_ioreq_evtchn;
    run(m, 'x', (f) => hvm(f).hvmIoreqServerRemoveVcpu(s, d1.vcpu[0]));
    assert.equal(s.buf_ioreq_evtchn, -1); assert.equal(d1.evtchn.ports[pb].state, E.ECS_FREE);
    const before = m.x.events.length;
    run(m, 'x', (f) => hvm(f).hvmIoreqServerRemoveVcpu(s, d1.vcpu[0]));
    assert.deepEqual(trail(m, before), []);
  });
  it("add_vcpu writes the vcpu's port into its slot's vp_eport only while the ioreq page is mapped", () => {
    const { m, d1 } = guest();
    const s = new HvmIoreqServer(d1, A.MAX_HVM_VCPUS);
    s.domid = 0;
    assert.equal(run(m, 'x', (f) => hvm(f).hvmIoreqServerAddVcpu(s, d1.vcpu[1])), 0);
    assert.equal(s.buf_ioreq_evtchn, -1, 'a vcpu other than 0 allocates no buffered port');
    assert.equal(d1.physmap.get(IOREQ)!.bytes?.some((b) => b !== 0) ?? false, false, 'nothing written without a mapping');
  });
  it('a failure allocating the buffered port of vcpu 0 is returned (negative) and vcpu 0 keeps the port it got', () => {
    const { m, d1 } = guest();
    const s = new HvmIoreqServer(d1, A.MAX_HVM_VCPUS);
    m.x.faults.evtchn = 1;
    assert.equal(run(m, 'x', (f) => hvm(f).hvmIoreqServerAddVcpu(s, d1.vcpu[0])), -ENOSPC);
    assert.ok(s.ioreq_evtchn[0] > 0); assert.equal(s.buf_ioreq_evtchn, -1);
  });
});

describe('seed: console lines as Xen prints them, with their levels', () => {
  it('creation and destruction print at XENLOG_INFO with the guest domain id', () => {
    const { m, d0, d1 } = guest();
    getp(m, d0, 1, P.HVM_PARAM_IOREQ_PFN);
    run(m, 'toolstack', (f) => f.libxc.domainKill(d1));
    assert.deepEqual(m.x.console.map((l) => [l.level, l.fn, l.text]), [
      ['XENLOG_INFO', 'hvm_create_ioreq_server', 'hvm_create_ioreq_server: 1'],
      ['XENLOG_INFO', 'hvm_destroy_ioreq_server', 'hvm_destroy_ioreq_server: 1'],
    ]);
  });
  it('a size with no code (3) offered to the buffered ring: "unexpected ioreq size: 3" at XENLOG_WARNING, and 0', () => {
    const { m, d0, d1 } = guest();
    getp(m, d0, 1, P.HVM_PARAM_IOREQ_PFN);
    const v = d1.vcpu[0];
    const p = { ...A.emptyIoreq(), type: A.IOREQ_TYPE_COPY, addr: 0xa0000n, size: 3, count: 1, dir: A.IOREQ_WRITE };
    const r = m.flatRun('vcpu0', v, (f) => f.hvm.hvmBufferedIoSend(v, p));
    assert.equal(r.value, 0);
    assert.deepEqual(m.x.console.slice(-1).map((l) => [l.level, l.text]), [['XENLOG_WARNING', 'unexpected ioreq size: 3']]);
  });
});
