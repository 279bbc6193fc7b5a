// Mutation tests of src/model/tools/libxc.ts (issue #16): the toolstack's side of a guest's life, on both builds.
//  - domain_create (xen/common/domain.c @RELEASE-4.4.0): the domain listed, port 0 reserved by evtchn_init, paused by
//    the controller (a pause count of 1), hvm_domain_initialise for an HVM guest, unlisted again if that fails;
//  - XEN_DOMCTL_max_vcpus (xen/common/domctl.c @RELEASE-4.4.0): vcpus allocated in order, an existing one -EEXIST,
//    a vcpu whose hvm_vcpu_initialise fails taken back;
//  - setup_guest (tools/libxc/xc_hvm_build_x86.c @RELEASE-4.4.0) with libxl__build_hvm's xenstore and console ports;
//  - domain_kill (xen/common/domain.c:514-557 @RELEASE-4.4.0): pause, DOMDYING_dying, evtchn_destroy, the relinquish
//    that may be preempted (-EAGAIN), then the ioreq server and vcpus go; xc_domain_destroy (tools/libxc/xc_domain.c
//    @RELEASE-4.4.0) calls again while it says -EAGAIN.
// Stepped, each stop shows the values the listing's statement works on (the debugger's locals).
import { strict as assert } from 'node:assert';
import * as A from '../../src/model/abi';
import { ECS_RESERVED, ECS_UNBOUND } from '../../src/model/evtchn';
import { specialPageLayout } from '../../src/model/layout';
import { Model } from '../../src/model/model';
import * as P from '../../src/model/params';
import type { Co } from '../../src/model/step';
import { Libxc as LibxcFlat } from '../../src/model/tools/libxc.flat';
import { Libxc as LibxcStepped } from '../../src/model/tools/libxc.stepped';
import type { At } from '../../src/model/step';
import type { SteppedImpl } from '../../src/model/model';
import type { Domain } from '../../src/model/xen';
import { show } from '../../src/debug/values';
import { HVMOP_get_param } from '../../src/model/xen/seed/hvm';
import { run, seedGuest } from './seed-guest';

interface Stop { fn: string; at: string; locals: Record<string, string> }
function stepped<T>(m: Model, fn: (s: SteppedImpl) => Co<T>): { value: T; stops: Stop[] } {
  const stops: Stop[] = [];
  const g = m.steppedRun('toolstack', null, fn);
  for (;;) {
    const r = g.next();
    if (r.done) { assert.equal(r.value.panic, undefined); return { value: r.value.value as T, stops }; }
    const top = r.value[r.value.length - 1];
    stops.push({ fn: top.fn, at: top.at, locals: Object.fromEntries(Object.entries(top.locals).map(([k, x]) => [k, show(k, x).value])) });
  }
}
const at = (stops: Stop[], fn: string, label: string, n = 0) => {
  const s = stops.filter((x) => x.fn === fn && x.at === label)[n];
  assert.ok(s, `${fn} stops at ${label} (#${n})`);
  return s.locals;
};
/** The labels a raw stepped generator stops at, and its value. */
function labels<T>(g: Co<T>): { value: T; at: string[] } {
  const out: string[] = [];
  for (;;) { const r = g.next(); if (r.done) return { value: r.value, at: out }; out.push((r.value as At).at); }
}
function events(m: Model, fn: () => void): string[] {
  m.x.on = true;
  const from = m.x.events.length;
  fn();
  return m.x.events.slice(from).map((e) => `${e.kind} ${e.fn}: ${e.text}`);
}

describe('tools/libxc.ts (mutation): domain creation, the HVM build and destruction', () => {
  it('domain_create: listed, port 0 reserved, paused by the toolstack, HVM or PV as asked; the event says so', () => {
    const m = new Model('seed').boot();
    const ev = events(m, () => assert.equal(run(m, 'toolstack', (f) => f.libxc.domainCreate(1, true)), 0));
    const d = m.x.domains.get(1)!;
    assert.deepEqual([d.domain_id, d.is_hvm, d.pause_count, d.evtchn.ports[0].state], [1, true, 1, ECS_RESERVED]);
    assert.deepEqual(ev, ['domain_create domain_create: d1 created (paused by the toolstack)']);
    assert.equal(run(m, 'toolstack', (f) => f.libxc.domainCreate(2, false)), 0);
    assert.equal(m.x.domains.get(2)!.is_hvm, false);
    // With events off nothing is recorded.
    m.x.on = false;
    const n = m.x.events.length;
    run(m, 'toolstack', (f) => f.libxc.domainCreate(3, false));
    assert.equal(m.x.events.length, n);
  });

  it('domain_create: hvm_domain_initialise failing takes the domain off the list and returns its error', () => {
    const m = new Model('seed').boot();
    let called = 0;
    const hvm = { hvmDomainInitialise: (d: Domain) => { called++; assert.equal(m.x.domains.get(d.domain_id), d, 'listed before'); return -12; } };
    const lx = new LibxcFlat(m.x, hvm as never);
    assert.equal(lx.domainCreate(5, true), -12);
    assert.equal(m.x.domains.has(5), false);
    assert.equal(lx.xcDomainCreate(5, 2, true), -12, 'xc_domain_create stops there');
    assert.equal(m.x.domains.has(5), false);
    // A PV domain never calls it.
    assert.equal(lx.domainCreate(6, false), 0);
    assert.equal(called, 2);
  });

  it('alloc_vcpu: in order only (-EINVAL), an existing vcpu -EEXIST; each one initialised with its event', () => {
    const m = new Model('seed').boot();
    run(m, 'toolstack', (f) => f.libxc.domainCreate(1, true));
    const d = m.x.domains.get(1)!;
    assert.equal(run(m, 'toolstack', (f) => f.libxc.allocVcpu(d, 1)), -22);
    assert.equal(d.vcpu.length, 0);
    const ev = events(m, () => assert.equal(run(m, 'toolstack', (f) => f.libxc.allocVcpu(d, 0)), 0));
    assert.deepEqual(ev, ['vcpu_initialise hvm_vcpu_initialise: d1v0 initialised']);
    assert.deepEqual([d.vcpu.length, d.vcpu[0].vcpu_id, d.vcpu[0].domain], [1, 0, d]);
    assert.equal(run(m, 'toolstack', (f) => f.libxc.allocVcpu(d, 0)), -17);
    assert.equal(run(m, 'toolstack', (f) => f.libxc.allocVcpu(d, 2)), -22);
    assert.equal(run(m, 'toolstack', (f) => f.libxc.allocVcpu(d, 1)), 0);
    assert.deepEqual(d.vcpu.map((v) => v.vcpu_id), [0, 1]);
  });

  it('alloc_vcpu: hvm_vcpu_initialise failing (no port for the server) takes the vcpu back; a PV vcpu never calls it', () => {
    const { m, d1 } = seedGuest(1);
    // The server exists once its IOREQ_PFN was read; vcpu 1 then needs a port of its own (hvm_ioreq_server_add_vcpu).
    const dom0 = m.x.domains.get(0)!;
    run(m, 'qemu', (f) => f.hvm.doHvmOp(dom0, HVMOP_get_param, { domid: 1, index: P.HVM_PARAM_IOREQ_PFN, value: 0 }));
    assert.ok(d1.arch.hvm_domain.ioreq_server, 'the server made on demand');
    m.x.faults.evtchn = 0;
    const ev = events(m, () => assert.ok(run(m, 'toolstack', (f) => f.libxc.allocVcpu(d1, 1)) < 0));
    assert.equal(d1.vcpu.length, 1, 'the vcpu is not kept');
    assert.ok(!ev.some((e) => e.startsWith('vcpu_initialise')));
    assert.equal(run(m, 'toolstack', (f) => f.libxc.xcDomainCreate(7, 2, false)), 0);
    assert.equal(m.x.domains.get(7)!.vcpu.length, 2);
  });

  it('xc_domain_create: every vcpu in turn; a vcpu failing ends it with that error', () => {
    const m = new Model('seed').boot();
    assert.equal(run(m, 'toolstack', (f) => f.libxc.xcDomainCreate(1, 3, true)), 0);
    assert.deepEqual(m.x.domains.get(1)!.vcpu.map((v) => v.vcpu_id), [0, 1, 2]);
    // vcpu 1's allocation failing: xc_domain_create returns its error and allocates no further vcpu.
    const lx = new LibxcFlat(m.x, m.flat.hvm);
    let calls = 0;
    lx.allocVcpu = (_d: Domain, i: number) => { calls++; return i === 1 ? -17 : 0; };
    assert.equal(lx.xcDomainCreate(4, 3, false), -17);
    assert.equal(calls, 2, 'no vcpu after the one failing');
  });

  it('setup_guest: the xenstore and console ports unbound for their domains, RAM, hvm_info, the special pages, the params', () => {
    const m = new Model('seed').boot();
    run(m, 'toolstack', (f) => f.libxc.xcDomainCreate(1, 1, true));
    run(m, 'toolstack', (f) => f.libxc.xcDomainCreate(2, 1, false));
    run(m, 'toolstack', (f) => f.libxc.xcDomainCreate(3, 1, false));
    const d = m.x.domains.get(1)!;
    const ev = events(m, () => assert.equal(run(m, 'toolstack', (f) => f.libxc.setupGuest(d, 0x8000, 2, 3)), 0));
    // Ports 1 (xenstore, for d2) and 2 (console, for d3), each unbound; their numbers in the evtchn params.
    assert.deepEqual([d.evtchn.ports[1].state, d.evtchn.ports[1].remote_domid, d.evtchn.ports[2].state, d.evtchn.ports[2].remote_domid], [ECS_UNBOUND, 2, ECS_UNBOUND, 3]);
    const pr = d.arch.hvm_domain.params;
    assert.deepEqual([pr[P.HVM_PARAM_STORE_EVTCHN], pr[P.HVM_PARAM_CONSOLE_EVTCHN]], [1, 2]);
    assert.equal(d.ram_pages, 0x8000);
    const layout = specialPageLayout('seed');
    assert.equal(d.reserved_mem_pgstart, layout.reservedMemPgstart);
    for (const p of layout.pages) {
      const g = d.physmap.get(p.pfn);
      assert.ok(g, `${p.name} populated`);
      assert.equal(g.use, p.name);
      assert.equal(g.bytes, null, 'cleared: no bytes yet');
    }
    for (const [i, v] of layout.params) assert.equal(pr[i], v, P.PARAM_NAMES[i]);
    // One event per page, naming it; the pages outside reserved_mem_pgstart's region say so. No DPRINTF without debug.
    const pages = ev.filter((e) => e.startsWith('page_populate'));
    assert.deepEqual(pages, layout.pages.map((p) => `page_populate setup_guest: d1 special page ${p.name} (i=${p.index}) at ${A.hex(p.pfn)}${p.insideReserved ? '' : ' outside the region reserved_mem_pgstart declares'}`));
    assert.ok(layout.pages.some((p) => !p.insideReserved) && layout.pages.some((p) => p.insideReserved));
    assert.ok(!ev.some((e) => e.startsWith('libxc_dprintf')));
  });

  it('setup_guest with debug: each DPRINTF line as xc: detail at XTL_DETAIL, before the pages', () => {
    const m = new Model('seed').boot();
    run(m, 'toolstack', (f) => f.libxc.xcDomainCreate(1, 1, true));
    const d = m.x.domains.get(1)!;
    m.x.on = true;
    const from = m.x.events.length;
    run(m, 'toolstack', (f) => f.libxc.setupGuest(d, 0x8000, 0, 0, true));
    const evs = m.x.events.slice(from);
    const lines = specialPageLayout('seed').dprintf;
    assert.ok(lines.length > 0);
    const dp = evs.filter((e) => e.kind === 'libxc_dprintf');
    assert.deepEqual(dp.map((e) => [e.fn, e.domid, e.text, (e.detail as { level: string }).level]), lines.map((l) => ['setup_guest', 1, `xc: detail: ${l}`, 'XTL_DETAIL']));
    assert.ok(evs.indexOf(dp[dp.length - 1]) < evs.findIndex((e) => e.kind === 'page_populate'));
    // dprintf itself with events off records nothing.
    m.x.on = false;
    const n = m.x.events.length;
    m.flat.libxc.dprintf(d, 'x');
    assert.equal(m.x.events.length, n);
  });

  it('xc_domain_unpause: the controller\'s pause dropped', () => {
    const m = new Model('seed').boot();
    run(m, 'toolstack', (f) => f.libxc.xcDomainCreate(1, 1, true));
    const d = m.x.domains.get(1)!;
    assert.equal(run(m, 'toolstack', (f) => f.libxc.domainUnpauseByController(d)), 0);
    assert.equal(d.pause_count, 0);
  });

  it('domain_kill: paused, dying, ports closed; a preempted relinquish is -EAGAIN with the server still there; then dead', () => {
    const { m, d1 } = seedGuest(2);
    const dom0 = m.x.domains.get(0)!;
    run(m, 'qemu', (f) => f.hvm.doHvmOp(dom0, HVMOP_get_param, { domid: 1, index: P.HVM_PARAM_IOREQ_PFN, value: 0 }));
    assert.ok(d1.arch.hvm_domain.ioreq_server);
    const pc = d1.pause_count;
    let ev = events(m, () => assert.equal(run(m, 'toolstack', (f) => f.libxc.domainKill(d1, true)), -11));
    assert.deepEqual([d1.is_dying, d1.pause_count], [1, pc + 1]);
    assert.ok(d1.evtchn.ports.slice(1).every((c) => c.state === 0), 'every port closed (evtchn_destroy)');
    assert.ok(d1.arch.hvm_domain.ioreq_server, 'not destroyed yet');
    assert.ok(ev.includes('domain_dying domain_kill: d1 is dying'));
    assert.ok(ev.includes('domain_dying domain_relinquish_resources: d1 relinquish_memory preempted: -EAGAIN (the ioreq server is still there)'));
    // Called again on a dying domain: no second pause, no second evtchn_destroy; the server destroyed; dead.
    ev = events(m, () => assert.equal(run(m, 'toolstack', (f) => f.libxc.domainKill(d1)), 0));
    assert.deepEqual([d1.is_dying, d1.pause_count], [2, pc + 1]);
    assert.equal(d1.arch.hvm_domain.ioreq_server, null);
    assert.ok(!ev.includes('domain_dying domain_kill: d1 is dying'));
    assert.equal(ev[ev.length - 1], 'domain_destroy complete_domain_destroy: d1 destroyed');
    // Dead: nothing more.
    ev = events(m, () => assert.equal(run(m, 'toolstack', (f) => f.libxc.domainKill(d1)), 0));
    assert.deepEqual(ev, []);
    assert.equal(d1.pause_count, pc + 1);
  });

  it('domain_kill of a PV domain: no HVM relinquish, no hvm_vcpu_destroy; xc_domain_destroy returns domain_kill\'s rc', () => {
    const m = new Model('seed').boot();
    run(m, 'toolstack', (f) => f.libxc.xcDomainCreate(2, 1, false));
    const d2 = m.x.domains.get(2)!;
    const calls: string[] = [];
    const hvm = { domainPause: () => calls.push('pause'), hvmDomainRelinquishResources: () => calls.push('relinquish'), hvmVcpuDestroy: () => calls.push('vcpu_destroy') };
    const lx = new LibxcFlat(m.x, hvm as never);
    assert.equal(lx.xcDomainDestroy(d2), 0);
    assert.deepEqual(calls, ['pause']);
    assert.equal(d2.is_dying, 2);
    // An HVM domain: relinquish, then each vcpu destroyed.
    run(m, 'toolstack', (f) => f.libxc.xcDomainCreate(3, 2, true));
    calls.length = 0;
    assert.equal(lx.xcDomainDestroy(m.x.domains.get(3)!), 0);
    assert.deepEqual(calls, ['pause', 'relinquish', 'vcpu_destroy', 'vcpu_destroy']);
    // xc_domain_destroy calls again while -EAGAIN comes back, and returns the last rc.
    const rcs = [-11, -11, 0];
    const lx2 = new LibxcFlat(m.x, hvm as never);
    lx2.domainKill = () => rcs.shift()!;
    assert.equal(lx2.xcDomainDestroy(d2), 0);
    assert.deepEqual(rcs, []);
    lx2.domainKill = () => -3;
    assert.equal(lx2.xcDomainDestroy(d2), -3);
  });

  it('stepped: each stop shows what its statement works on', () => {
    const m = new Model('seed').boot();
    let r = stepped(m, (s) => s.libxc.xcDomainCreate(1, 2, true));
    assert.equal(r.value, 0);
    const S = r.stops;
    assert.deepEqual(at(S, 'xc_domain_create', 'createdomain').nr_vcpus, '2');
    assert.equal(at(S, 'domain_create', 'alloc').domid, '1');
    assert.equal(at(S, 'domain_create', 'guest_type').is_hvm, '1');
    assert.equal(at(S, 'domain_create', 'pause_count').pause_count, '0', 'the count before the controller\'s pause');
    assert.equal(at(S, 'domain_create', 'is_hvm').is_hvm, '1');
    assert.equal(at(S, 'domain_create', 'hvm_init').d, 'd1 (HVM)');
    assert.equal(at(S, 'domain_create', 'check_init').rc, '0');
    assert.equal(at(S, 'xc_domain_create', 'check_create').rc, '0');
    assert.equal(at(S, 'xc_domain_create', 'for_each_vcpu', 1).i, '1');
    assert.equal(at(S, 'xc_domain_create', 'max_vcpus', 1).i, '1');
    assert.equal(at(S, 'alloc_vcpu', 'alloc', 1).vcpu_id, '1');
    assert.equal(at(S, 'alloc_vcpu', 'in_order', 1).allocated, '1');
    assert.equal(at(S, 'alloc_vcpu', 'publish', 1).v, 'd1v1');
    assert.equal(at(S, 'alloc_vcpu', 'hvm_vcpu_initialise', 1).v, 'd1v1');
    assert.equal(at(S, 'alloc_vcpu', 'check_init', 1).rc, '0');
    assert.equal(at(S, 'xc_domain_create', 'check_vcpu', 1).rc, '0');
    const d = m.x.domains.get(1)!;
    r = stepped(m, (s) => s.libxc.setupGuest(d, 0x8000, 0, 0, true));
    const G = r.stops;
    assert.equal(at(G, 'setup_guest', 'console_port').store_port, '1');
    assert.equal(at(G, 'setup_guest', 'populate_ram').console_port, '2');
    assert.equal(at(G, 'setup_guest', 'hvm_info').reserved_mem_pgstart, '0xfeffb');
    assert.equal(at(G, 'setup_guest', 'dprintf').lines, String(specialPageLayout('seed').dprintf.length));
    assert.deepEqual([at(G, 'setup_guest', 'for_each_page', 2).i, at(G, 'setup_guest', 'page_pfn', 2).pfn, at(G, 'setup_guest', 'special_page', 2).name, at(G, 'setup_guest', 'clear_page', 2).pfn],
      ['2', '0xfeffd', '"SHARING"', '0xfeffd']);
    assert.deepEqual([at(G, 'setup_guest', 'page_pfn', 2).i, at(G, 'setup_guest', 'special_page', 2).i, at(G, 'setup_guest', 'special_page', 2).pfn], ['2', '2', '0xfeffd']);
    assert.deepEqual([at(G, 'setup_guest', 'for_each_param', 5).index, at(G, 'setup_guest', 'set_param', 5).name, at(G, 'setup_guest', 'set_param', 5).value, at(G, 'setup_guest', 'set_param', 5).index],
      ['5', '"IOREQ_PFN"', '0xfeff9', '5']);
    assert.deepEqual([at(G, 'setup_guest', 'evtchn_params').store_port, at(G, 'setup_guest', 'evtchn_params').console_port, at(G, 'setup_guest', 'console_evtchn').console_port], ['1', '2', '2']);
    r = stepped(m, (s) => s.libxc.domainUnpauseByController(d));
    assert.equal(at(r.stops, 'domain_unpause_by_controller', 'unpause').d, 'd1 (HVM)');
    r = stepped(m, (s) => s.libxc.domainKill(d, true));
    assert.equal(r.value, -11);
    assert.deepEqual([at(r.stops, 'domain_kill', 'is_dying').is_dying, at(r.stops, 'domain_kill', 'relinquish').preempt], ['0', '1']);
    r = stepped(m, (s) => s.libxc.xcDomainDestroy(d));
    const K = r.stops;
    assert.equal(at(K, 'domain_kill', 'is_dying').is_dying, '1');
    assert.equal(at(K, 'domain_kill', 'relinquish_hvm').is_hvm, '1');
    assert.deepEqual([at(K, 'domain_kill', 'hvm_vcpu_destroy', 1).v, at(K, 'domain_kill', 'hvm_vcpu_destroy', 1).is_hvm], ['d1v1', '1']);
    assert.equal(at(K, 'xc_domain_destroy', 'again').rc, '0');
    assert.equal(at(K, 'xc_domain_destroy', 'ret').rc, '0');
  });

  it('each Xen function\'s own name on the events of what it calls: the params set by libxl__build_hvm, the pauses', () => {
    const m = new Model('seed').boot();
    run(m, 'toolstack', (f) => f.libxc.xcDomainCreate(1, 1, true));
    const d = m.x.domains.get(1)!;
    m.x.on = true;
    let from = m.x.events.length;
    run(m, 'toolstack', (f) => f.libxc.setupGuest(d, 0x8000, 0, 0));
    const evs = m.x.events.slice(from);
    const ev = (name: string) => evs.find((e) => e.kind === 'param_set' && (e.detail as { name: string }).name === name)!;
    assert.deepEqual([ev('STORE_EVTCHN').fn, ev('CONSOLE_EVTCHN').fn], ['libxl__build_hvm', 'libxl__build_hvm']);
    const pg = evs.find((e) => e.kind === 'page_populate')!;
    const first = specialPageLayout('seed').pages[0];
    assert.deepEqual(pg.detail, { pfn: first.pfn, name: first.name, index: first.index });
    from = m.x.events.length;
    run(m, 'toolstack', (f) => f.libxc.domainUnpauseByController(d));
    run(m, 'toolstack', (f) => f.libxc.domainKill(d));
    assert.deepEqual(m.x.events.slice(from).filter((e) => e.kind === 'domain_pause' || e.kind === 'domain_unpause').map((e) => e.fn), ['xc_domain_unpause', 'domain_kill']);
  });

  it('with the event log off, creating, building and killing a guest records no event', () => {
    const m = new Model('seed').boot();
    m.x.on = false;
    const n = m.x.events.length;
    run(m, 'toolstack', (f) => f.libxc.xcDomainCreate(1, 2, true));
    const d = m.x.domains.get(1)!;
    run(m, 'toolstack', (f) => f.libxc.setupGuest(d, 0x8000, 0, 0, true));
    run(m, 'toolstack', (f) => f.libxc.domainKill(d, true));
    run(m, 'toolstack', (f) => f.libxc.domainKill(d));
    assert.equal(d.is_dying, 2);
    assert.equal(m.x.events.length, n);
  });

  it('stepped: the failure paths and the dead domain stop at their own statements', () => {
    const m = new Model('seed').boot();
    // hvm_domain_initialise failing.
    const bad = { *hvmDomainInitialise() { return -12; }, *hvmVcpuInitialise() { return -28; } };
    const lx = new LibxcStepped(m.x, bad as never);
    const c = labels(lx.domainCreate(5, true));
    assert.equal(c.value, -12);
    assert.deepEqual(c.at.slice(-4), ['hvm_init', 'check_init', 'domlist_remove', 'fail_ret']);
    // hvm_vcpu_initialise failing.
    labels(lx.domainCreate(6, false));
    const v = labels(lx.allocVcpu(m.x.domains.get(6)!, 0));
    assert.equal(v.value, 0, 'a PV vcpu: no hvm_vcpu_initialise');
    labels(new LibxcStepped(m.x, { *hvmDomainInitialise() { return 0; } } as never).domainCreate(7, true));
    const w = labels(lx.allocVcpu(m.x.domains.get(7)!, 0));
    assert.equal(w.value, -28);
    assert.deepEqual(w.at.slice(-5), ['hvm_vcpu_initialise', 'check_init', 'unpublish', 'free', 'fail_ret']);
    assert.equal(m.x.domains.get(7)!.vcpu.length, 0);
    // setup_guest's first statements; a dead domain's kill.
    run(m, 'toolstack', (f) => f.libxc.xcDomainCreate(1, 1, true));
    const d = m.x.domains.get(1)!;
    const r = stepped(m, (s) => s.libxc.setupGuest(d, 0x8000, 0, 0));
    assert.deepEqual(r.stops.filter((x) => x.fn === 'setup_guest').slice(0, 5).map((x) => x.at), ['ports', 'console_port', 'populate_ram', 'hvm_info', 'dprintf']);
    run(m, 'toolstack', (f) => f.libxc.domainKill(d));
    const k = stepped(m, (s) => s.libxc.domainKill(d));
    assert.deepEqual(k.stops.map((x) => x.at), ['is_dying', 'dead_break', 'ret']);
  });
});
