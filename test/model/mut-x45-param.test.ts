// Issue 16, src/model/xen/4.5/hvm.ts: do_hvm_op's HVMOP_set_param / HVMOP_get_param of Xen 4.5 ([X45] hvm.c:5520-5783
// @RELEASE-4.5.0), case by case: the checks before the switch (index, domain lookup, HVM, XSM), each set case's
// refusals and what it stores, and the get cases (ACPI S state, the pool params, the default server made on demand).
// Each test pins the return code, what the params hold after, and the statement labels a debugger stops at.
import { strict as assert } from 'node:assert';
import * as E from '../../src/model/evtchn';
import * as P from '../../src/model/params';
import type { Domain } from '../../src/model/xen';
import { HVMOP_get_param, HVMOP_set_param } from '../../src/model/xen/4.5/hvm';
import { G45, labels, localsAt } from './x45-guest';

const EINVAL = -22, EPERM = -1, ESRCH = -3, EEXIST = -17;

class ParamGuest extends G45 {
  /** HVMOP_set_param from curr (dom0 unless said) on domid; the return code. */
  set(index: number, value: number, curr: Domain = this.d0, domid = 1): number {
    return this.flat('dm0', null, () => this.h.doHvmOp(curr, HVMOP_set_param, { domid, index, value }));
  }
  /** HVMOP_get_param: the return code and the value copied out (starting from `start`). */
  get(index: number, curr: Domain = this.d0, domid = 1, start = -7): { rc: number; value: number } {
    const a = { domid, index, value: start };
    const rc = this.flat('dm0', null, () => this.h.doHvmOp(curr, HVMOP_get_param, a));
    return { rc, value: a.value };
  }
  param(i: number): number { return this.d.arch.hvm_domain.params[i]; }
  /** One set or get on the stepped build: its do_hvm_op_param labels. */
  steps(op: number, index: number, value: number, curr: Domain = this.d0, domid = 1) {
    const a = { domid, index, value };
    const r = this.stepped('dm0', null, (s) => s.hvm.doHvmOpParam(curr, op, a));
    return { rc: r.value, at: labels(r.stops, 'do_hvm_op_param'), stops: r.stops, a };
  }
}

const HEAD = ['index', 'lookup', 'check_d', 'is_hvm', 'xsm', 'is_set'];
const SET = [...HEAD, 'set_rc', 'set_switch'];

describe('mutation (issue 16): 4.5 do_hvm_op param checks before the switch ([X45] hvm.c:5520-5560)', () => {
  it('an index outside 0..HVM_NR_PARAMS-1 is -EINVAL before the domain is looked up', () => {
    const g = new ParamGuest();
    for (const i of [-1, g.m.x.nrParams]) {
      const r = g.steps(HVMOP_set_param, i, 0);
      assert.equal(r.rc, EINVAL, `index ${i}`);
      assert.deepEqual(r.at, ['index']);
      assert.equal(g.get(i).rc, EINVAL);
    }
    assert.equal(g.set(g.m.x.nrParams - 1, 5), 0, 'the last index is a param');
    assert.equal(g.param(g.m.x.nrParams - 1), 5);
  });

  it('no such domain, or one fully dying, is -ESRCH; DOMID_SELF is the caller; a PV caller\'s own params are -EINVAL', () => {
    const g = new ParamGuest();
    const r = g.steps(HVMOP_set_param, P.HVM_PARAM_CALLBACK_IRQ, 1, g.d0, 9);
    assert.equal(r.rc, ESRCH);
    assert.deepEqual(r.at, ['index', 'lookup', 'check_d']);
    assert.equal(localsAt(r.stops, 'do_hvm_op_param', 'check_d').d, 'NULL');
    assert.equal(localsAt(r.stops, 'do_hvm_op_param', 'lookup').d, 'NULL', 'the lookup found nothing: NULL, as in C');
    g.d.is_dying = 2;
    assert.equal(g.set(P.HVM_PARAM_CALLBACK_IRQ, 1), ESRCH);
    g.d.is_dying = 1;
    assert.equal(g.set(P.HVM_PARAM_CALLBACK_IRQ, 1), 0, 'a domain still dying (not yet DOMDYING_dead) is found');
    g.d.is_dying = 0;
    const self = g.steps(HVMOP_set_param, P.HVM_PARAM_CALLBACK_IRQ, 1, g.d0, E.DOMID_SELF);
    assert.equal(self.rc, EINVAL, 'dom0 is PV');
    assert.deepEqual(self.at, ['index', 'lookup', 'check_d', 'is_hvm']);
    assert.equal(localsAt(self.stops, 'do_hvm_op_param', 'is_hvm').d, 'd0');
    assert.equal(g.set(P.HVM_PARAM_CALLBACK_IRQ, 7, g.d, E.DOMID_SELF), 0, 'the guest on itself through DOMID_SELF');
    assert.equal(g.param(P.HVM_PARAM_CALLBACK_IRQ), 7);
  });

  it('XSM: another guest that is not d1\'s device model is -EPERM; its device-model domain (target) may', () => {
    const g = new ParamGuest();
    g.flat('toolstack', null, (f) => f.libxc.xcDomainCreate(2, 1, true));
    const d2 = g.m.x.domains.get(2)!;
    const r = g.steps(HVMOP_set_param, P.HVM_PARAM_CALLBACK_IRQ, 1, d2, 1);
    assert.equal(r.rc, EPERM);
    assert.deepEqual(r.at, HEAD.slice(0, 5));
    assert.equal(g.get(P.HVM_PARAM_CALLBACK_IRQ, d2).rc, EPERM);
    d2.target = 1;
    assert.equal(g.set(P.HVM_PARAM_CALLBACK_IRQ, 1, d2), 0);
  });
});

describe('mutation (issue 16): 4.5 HVMOP_set_param cases ([X45] hvm.c:5562-5730)', () => {
  it('CALLBACK_IRQ and a param with no case of its own are stored as given', () => {
    const g = new ParamGuest();
    const from = g.m.x.events.length;
    const r = g.steps(HVMOP_set_param, P.HVM_PARAM_CALLBACK_IRQ, 0x55, g.d0);
    assert.equal(r.rc, 0);
    assert.deepEqual(r.at, [...SET, 'store', 'set_ret']);
    assert.equal(localsAt(r.stops, 'do_hvm_op_param', 'store').rc, '0');
    assert.equal(g.param(P.HVM_PARAM_CALLBACK_IRQ), 0x55);
    assert.deepEqual(g.events('param_set', from).map((e) => [e.fn, e.after]), [['do_hvm_op', 0x55]]);
    assert.equal(g.set(P.HVM_PARAM_STORE_PFN, 0x1234), 0);
    assert.equal(g.param(P.HVM_PARAM_STORE_PFN), 0x1234);
  });

  it('TIMER_MODE: up to HVMPTM_one_missed_tick_pending (3); 4 is -EINVAL and not stored', () => {
    const g = new ParamGuest();
    const ok = g.steps(HVMOP_set_param, P.HVM_PARAM_TIMER_MODE, 3);
    assert.equal(ok.rc, 0);
    assert.deepEqual(ok.at, [...SET, 'timer_mode', 'store', 'set_ret']);
    assert.equal(g.param(P.HVM_PARAM_TIMER_MODE), 3);
    const bad = g.steps(HVMOP_set_param, P.HVM_PARAM_TIMER_MODE, 4);
    assert.equal(bad.rc, EINVAL);
    assert.equal(localsAt(bad.stops, 'do_hvm_op_param', 'set_ret').rc, '-EINVAL');
    assert.equal(g.param(P.HVM_PARAM_TIMER_MODE), 3);
  });

  it('VIRIDIAN: not by the guest; the same value again is fine; once set another is -EEXIST; the base bit is needed and only bits 0-2 known', () => {
    const g = new ParamGuest();
    assert.equal(g.set(P.HVM_PARAM_VIRIDIAN, 1, g.d, E.DOMID_SELF), EPERM);
    assert.equal(g.set(P.HVM_PARAM_VIRIDIAN, 0), 0, 'the value it holds (0)');
    assert.equal(g.set(P.HVM_PARAM_VIRIDIAN, 2), EINVAL, 'no HVMPV_base_freq bit');
    assert.equal(g.set(P.HVM_PARAM_VIRIDIAN, 9), EINVAL, 'bit 3 is not a known feature');
    assert.equal(g.param(P.HVM_PARAM_VIRIDIAN), 0);
    const r = g.steps(HVMOP_set_param, P.HVM_PARAM_VIRIDIAN, 7);
    assert.equal(r.rc, 0);
    assert.deepEqual(r.at, [...SET, 'viridian', 'store', 'set_ret']);
    assert.equal(g.param(P.HVM_PARAM_VIRIDIAN), 7);
    assert.equal(g.set(P.HVM_PARAM_VIRIDIAN, 7), 0, 'the same again');
    assert.equal(g.set(P.HVM_PARAM_VIRIDIAN, 1), EEXIST);
    assert.equal(g.param(P.HVM_PARAM_VIRIDIAN), 7);
  });

  it('IDENT_PT: not by the guest, only once; the store happens under a pause, once', () => {
    const g = new ParamGuest();
    assert.equal(g.set(P.HVM_PARAM_IDENT_PT, 0x1000, g.d, E.DOMID_SELF), EPERM);
    const built = g.param(P.HVM_PARAM_IDENT_PT);
    assert.notEqual(built, 0, 'xc_hvm_build set it to its special page');
    assert.equal(g.set(P.HVM_PARAM_IDENT_PT, 0x1000), EINVAL, 'set once already');
    assert.equal(g.param(P.HVM_PARAM_IDENT_PT), built);
    g.d.arch.hvm_domain.params[P.HVM_PARAM_IDENT_PT] = 0; // a toolstack that did not set it
    const from = g.m.x.events.length;
    const r = g.steps(HVMOP_set_param, P.HVM_PARAM_IDENT_PT, 0x1000);
    assert.equal(r.rc, 0);
    assert.deepEqual(r.at, [...SET, 'ident_pt', 'store', 'set_ret']);
    assert.equal(g.param(P.HVM_PARAM_IDENT_PT), 0x1000);
    assert.equal(g.events('domain_pause', from).length, 1);
    assert.deepEqual(g.events('param_set', from).map((e) => e.fn), ['do_hvm_op'], 'stored inside the case, not again after it');
    assert.deepEqual([g.events('domain_pause', from).map((e) => e.fn), g.events('domain_unpause', from).map((e) => e.fn)], [['do_hvm_op'], ['do_hvm_op']]);
    assert.equal(g.d.pause_count, 0);
    assert.equal(g.set(P.HVM_PARAM_IDENT_PT, 0x2000), EINVAL);
    assert.equal(g.param(P.HVM_PARAM_IDENT_PT), 0x1000);
  });

  it('DM_DOMAIN: not by the guest; DOMID_SELF is the caller; the default server moves to the low 16 bits, the param keeps the value', () => {
    const g = new ParamGuest();
    const s = g.defaultServer();
    assert.equal(g.set(P.HVM_PARAM_DM_DOMAIN, 0, g.d, E.DOMID_SELF), EPERM);
    const r = g.steps(HVMOP_set_param, P.HVM_PARAM_DM_DOMAIN, 0x10005);
    assert.equal(r.rc, 0);
    assert.deepEqual(r.at, [...SET, 'dm_domain', 'dm_self', 'dm_domid_self', 'set_dm_domain', 'dm_break', 'store', 'set_ret']);
    assert.equal(localsAt(r.stops, 'do_hvm_op_param', 'set_dm_domain').domid, '5');
    assert.equal(localsAt(r.stops, 'do_hvm_op_param', 'dm_break').rc, '0');
    assert.equal(s.domid, 5);
    assert.equal(g.param(P.HVM_PARAM_DM_DOMAIN), 0x10005);
    const self = g.steps(HVMOP_set_param, P.HVM_PARAM_DM_DOMAIN, E.DOMID_SELF);
    assert.equal(self.rc, 0);
    assert.equal(self.a.value, 0, 'DOMID_SELF became the caller, dom0');
    assert.equal(s.domid, 0);
    assert.equal(g.param(P.HVM_PARAM_DM_DOMAIN), 0);
    g.m.x.faults.evtchn = 0;
    assert.equal(g.set(P.HVM_PARAM_DM_DOMAIN, 3), -28, 'a port that cannot be replaced fails the set');
    assert.equal(g.param(P.HVM_PARAM_DM_DOMAIN), 0, 'and nothing is stored');
  });

  it('ACPI_IOPORTS_LOCATION: the same version, or a move between 0 and 1; 0 to 2 is -EINVAL', () => {
    const g = new ParamGuest();
    assert.equal(g.set(P.HVM_PARAM_ACPI_IOPORTS_LOCATION, 0), 0);
    assert.equal(g.set(P.HVM_PARAM_ACPI_IOPORTS_LOCATION, 2), EINVAL);
    assert.equal(g.set(P.HVM_PARAM_ACPI_IOPORTS_LOCATION, 1), 0);
    assert.equal(g.param(P.HVM_PARAM_ACPI_IOPORTS_LOCATION), 1);
    assert.equal(g.set(P.HVM_PARAM_ACPI_IOPORTS_LOCATION, 0), 0, 'and back');
    assert.equal(g.set(P.HVM_PARAM_ACPI_IOPORTS_LOCATION, 3), EINVAL);
  });

  it('MEMORY_EVENT_CR0/3/4: not by the guest; any value otherwise', () => {
    const g = new ParamGuest();
    for (const i of [P.HVM_PARAM_MEMORY_EVENT_CR0, P.HVM_PARAM_MEMORY_EVENT_CR3, P.HVM_PARAM_MEMORY_EVENT_CR4]) {
      assert.equal(g.set(i, 4, g.d, E.DOMID_SELF), EPERM, `param ${i} by the guest`);
      assert.equal(g.set(i, 4), 0);
      assert.equal(g.param(i), 4);
    }
  });

  it('MEMORY_EVENT_INT3/SINGLE_STEP/MSR: not by the guest; HVMPME_onchangeonly is -EINVAL; INT3 and SINGLE_STEP pause and unpause once stored', () => {
    const g = new ParamGuest();
    for (const i of [P.HVM_PARAM_MEMORY_EVENT_INT3, P.HVM_PARAM_MEMORY_EVENT_SINGLE_STEP, P.HVM_PARAM_MEMORY_EVENT_MSR]) {
      assert.equal(g.set(i, 1, g.d, E.DOMID_SELF), EPERM);
      assert.equal(g.set(i, 4), EINVAL);
      assert.equal(g.set(i, 5), EINVAL);
      const from = g.m.x.events.length;
      assert.equal(g.set(i, 3), 0);
      assert.equal(g.param(i), 3);
      assert.deepEqual(g.events('domain_pause', from).map((e) => e.fn), i === P.HVM_PARAM_MEMORY_EVENT_MSR ? [] : ['do_hvm_op'], `param ${i}`);
      assert.deepEqual(g.events('domain_unpause', from).map((e) => e.fn), i === P.HVM_PARAM_MEMORY_EVENT_MSR ? [] : ['do_hvm_op']);
    }
    const from = g.m.x.events.length;
    assert.equal(g.set(P.HVM_PARAM_MEMORY_EVENT_INT3, 4), EINVAL);
    assert.equal(g.events('domain_pause', from).length, 0, 'no pause when refused');
    assert.equal(g.d.pause_count, 0);
  });

  it('NESTEDHVM: only dom0 (XSM_PRIV), 0 or 1', () => {
    const g = new ParamGuest();
    g.flat('toolstack', null, (f) => f.libxc.xcDomainCreate(2, 1, true));
    const d2 = g.m.x.domains.get(2)!;
    d2.target = 1;
    assert.equal(g.set(P.HVM_PARAM_NESTEDHVM, 1, d2), EPERM, 'the device model may not');
    assert.equal(g.set(P.HVM_PARAM_NESTEDHVM, 2), EINVAL);
    assert.equal(g.set(P.HVM_PARAM_NESTEDHVM, 1), 0);
    assert.equal(g.param(P.HVM_PARAM_NESTEDHVM), 1);
  });

  it('BUFIOREQ_EVTCHN cannot be set; TRIPLE_FAULT_REASON up to SHUTDOWN_MAX (4)', () => {
    const g = new ParamGuest();
    const r = g.steps(HVMOP_set_param, P.HVM_PARAM_BUFIOREQ_EVTCHN, 9);
    assert.equal(r.rc, EINVAL);
    assert.deepEqual(r.at, [...SET, 'bufioreq_evtchn', 'store', 'set_ret']);
    assert.equal(g.param(P.HVM_PARAM_BUFIOREQ_EVTCHN), 0);
    const t = g.steps(HVMOP_set_param, P.HVM_PARAM_TRIPLE_FAULT_REASON, 4);
    assert.equal(t.rc, 0);
    assert.deepEqual(t.at, [...SET, 'triple_fault_reason', 'store', 'set_ret']);
    assert.equal(g.param(P.HVM_PARAM_TRIPLE_FAULT_REASON), 4);
    assert.equal(g.set(P.HVM_PARAM_TRIPLE_FAULT_REASON, 5), EINVAL);
    assert.equal(g.param(P.HVM_PARAM_TRIPLE_FAULT_REASON), 4);
  });

  it('IOREQ_SERVER_PFN sets the pool\'s base; NR_IOREQ_SERVER_PAGES ORs in 1-64 pages; neither by the guest', () => {
    const g = new ParamGuest();
    assert.equal(g.set(P.HVM_PARAM_IOREQ_SERVER_PFN, 0x1000, g.d, E.DOMID_SELF), EPERM);
    const base = g.steps(HVMOP_set_param, P.HVM_PARAM_IOREQ_SERVER_PFN, 0x80000);
    assert.equal(base.rc, 0);
    assert.deepEqual(base.at, [...SET, 'ioreq_server_pfn', 'pool_base', 'pool_base_break', 'store', 'set_ret']);
    assert.equal(localsAt(base.stops, 'do_hvm_op_param', 'pool_base').base, '0x80000');
    assert.equal(g.d.hvm45.ioreq_gmfn.base, 0x80000);
    assert.equal(g.param(P.HVM_PARAM_IOREQ_SERVER_PFN), 0x80000);
    assert.equal(g.set(P.HVM_PARAM_NR_IOREQ_SERVER_PAGES, 2, g.d, E.DOMID_SELF), EPERM);
    for (const v of [0, 65]) {
      const r = g.steps(HVMOP_set_param, P.HVM_PARAM_NR_IOREQ_SERVER_PAGES, v);
      assert.equal(r.rc, EINVAL, `${v} pages`);
      assert.deepEqual(r.at, [...SET, 'nr_ioreq_server_pages', 'nr_pages_range', 'store', 'set_ret']);
    }
    g.d.hvm45.ioreq_gmfn.mask = 0n;
    const r = g.steps(HVMOP_set_param, P.HVM_PARAM_NR_IOREQ_SERVER_PAGES, 64);
    assert.equal(r.rc, 0);
    assert.deepEqual(r.at, [...SET, 'nr_ioreq_server_pages', 'nr_pages_range', 'set_bits', 'nr_pages_break', 'store', 'set_ret']);
    assert.equal(localsAt(r.stops, 'do_hvm_op_param', 'set_bits').mask, '0x0');
    assert.equal(localsAt(r.stops, 'do_hvm_op_param', 'nr_pages_break').mask, '0xffffffffffffffff');
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0xffffffffffffffffn);
    g.d.hvm45.ioreq_gmfn.mask = 0x100n;
    assert.equal(g.set(P.HVM_PARAM_NR_IOREQ_SERVER_PAGES, 3), 0);
    assert.equal(g.d.hvm45.ioreq_gmfn.mask, 0x107n, 'ORed into what is there');
    assert.equal(g.param(P.HVM_PARAM_NR_IOREQ_SERVER_PAGES), 3);
  });
});

describe('mutation (issue 16): 4.5 HVMOP_get_param cases ([X45] hvm.c:5732-5783)', () => {
  it('a plain param is copied out; rc is 0 after the copy-out', () => {
    const g = new ParamGuest();
    assert.equal(g.set(P.HVM_PARAM_CALLBACK_IRQ, 0x42), 0);
    const r = g.steps(HVMOP_get_param, P.HVM_PARAM_CALLBACK_IRQ, -7);
    assert.equal(r.rc, 0);
    assert.deepEqual(r.at, [...HEAD, 'get_switch', 'get_value', 'get_break', 'got', 'ret']);
    assert.equal(localsAt(r.stops, 'do_hvm_op_param', 'get_break').value, '0x42');
    assert.equal(r.a.value, 0x42);
  });

  it('IOREQ_PFN, BUFIOREQ_PFN and BUFIOREQ_EVTCHN make the default server for params[DM_DOMAIN]; a second get finds it (-EEXIST ignored)', () => {
    const g = new ParamGuest();
    g.flat('toolstack', null, (f) => f.libxc.xcDomainCreate(2, 1, true));
    assert.equal(g.set(P.HVM_PARAM_DM_DOMAIN, 0x10002), 0, 'no default yet: nothing to move');
    const r = g.steps(HVMOP_get_param, P.HVM_PARAM_BUFIOREQ_EVTCHN, 0);
    assert.equal(r.rc, 0);
    assert.deepEqual(r.at, [...HEAD, 'get_switch', 'create', 'create_rc', 'get_value', 'get_break', 'got', 'ret']);
    assert.equal(localsAt(r.stops, 'do_hvm_op_param', 'create').domid, '2', 'the low 16 bits of params[DM_DOMAIN]');
    assert.equal(localsAt(r.stops, 'do_hvm_op_param', 'create_rc').rc, '0');
    assert.equal(g.d.hvm45.default_ioreq_server!.domid, 2);
    assert.equal(r.a.value, g.d.hvm45.default_ioreq_server!.bufioreq_evtchn);
    const again = g.steps(HVMOP_get_param, P.HVM_PARAM_IOREQ_PFN, 0);
    assert.equal(again.rc, 0);
    assert.equal(localsAt(again.stops, 'do_hvm_op_param', 'create_rc').rc, '-EEXIST');
    assert.equal(again.a.value, 0xfeffd);
    assert.equal(g.get(P.HVM_PARAM_BUFIOREQ_PFN).value, 0xfeffb);
    assert.equal(g.d.hvm45.ioreq_server.list.length, 1);
  });

  it('the default server\'s creation failing fails the get (param_fail): nothing is copied out', () => {
    const g = new ParamGuest();
    g.m.x.faults.xzalloc = 0;
    const r = g.steps(HVMOP_get_param, P.HVM_PARAM_IOREQ_PFN, -7);
    assert.equal(r.rc, -12);
    assert.deepEqual(r.at, [...HEAD, 'get_switch', 'create', 'create_rc']);
    assert.equal(r.a.value, -7);
    assert.equal(g.d.hvm45.default_ioreq_server, null);
  });

  it('IOREQ_SERVER_PFN / NR_IOREQ_SERVER_PAGES: from another domain they make the default server too and are copied out; on oneself -EPERM is lost to the copy-out', () => {
    const g = new ParamGuest();
    const r = g.steps(HVMOP_get_param, P.HVM_PARAM_NR_IOREQ_SERVER_PAGES, -7);
    assert.equal(r.rc, 0);
    assert.deepEqual(r.at, [...HEAD, 'get_switch', 'pool_param', 'create', 'create_rc', 'get_value', 'get_break', 'got', 'ret']);
    assert.equal(r.a.value, 8);
    assert.ok(g.d.hvm45.default_ioreq_server, 'the fall-through made the default server');
    const h = new ParamGuest();
    const self = h.steps(HVMOP_get_param, P.HVM_PARAM_IOREQ_SERVER_PFN, -7, h.d, E.DOMID_SELF);
    assert.equal(self.rc, 0);
    assert.deepEqual(self.at, [...HEAD, 'get_switch', 'pool_param', 'got', 'ret']);
    assert.equal(self.a.value, -7);
    assert.equal(h.d.hvm45.default_ioreq_server, null);
  });

  it('ACPI_S_STATE reads 3 while suspended in S3, else 0', () => {
    const g = new ParamGuest();
    const r = g.steps(HVMOP_get_param, P.HVM_PARAM_ACPI_S_STATE, -7);
    assert.equal(r.rc, 0);
    assert.deepEqual(r.at, [...HEAD, 'get_switch', 'get_s_state', 'get_s_state_break', 'got', 'ret']);
    assert.equal(r.a.value, 0);
    assert.equal(g.set(P.HVM_PARAM_ACPI_S_STATE, 3), 0);
    assert.equal(g.get(P.HVM_PARAM_ACPI_S_STATE).value, 3);
    assert.equal(localsAt(g.steps(HVMOP_get_param, P.HVM_PARAM_ACPI_S_STATE, 0).stops, 'do_hvm_op_param', 'get_s_state_break').value, '0x3');
  });
});

describe('mutation (issue 16): 4.5 do_hvm_op\'s dispatch and what each case\'s first stop shows ([X45] hvm.c:5272-5783)', () => {
  it('each HVMOP stops at do_hvm_op\'s case, then its hvmop_* wrapper\'s lock and body', () => {
    const g = new ParamGuest();
    const cases: Array<[number, object, string, string, string]> = [
      [17, { domid: 1, handle_bufioreq: 0, id: -1 }, 'create', 'hvmop_create_ioreq_server', 'create'],
      [18, { domid: 1, id: 1, bufioreq_port: 0, ioreq_pfn: 0, bufioreq_pfn: 0 }, 'info', 'hvmop_get_ioreq_server_info', 'info'],
      [19, { domid: 1, id: 1, type: 0, start: 1, end: 2 }, 'map_range', 'hvmop_io_range', 'range'],
      [20, { domid: 1, id: 1, type: 0, start: 1, end: 2 }, 'unmap_range', 'hvmop_io_range', 'range'],
      [22, { domid: 1, id: 1, enabled: 1 }, 'set_state', 'hvmop_set_ioreq_server_state', 'state'],
      [21, { domid: 1, id: 1 }, 'destroy', 'hvmop_destroy_ioreq_server', 'destroy'],
    ];
    for (const [op, a, dispatch, wrapper, body] of cases) {
      const r = g.stepped('dm0', null, (s) => s.hvm.doHvmOp(g.d0, op, a as never));
      assert.equal(r.value, 0, `op ${op}`);
      assert.deepEqual(labels(r.stops, 'do_hvm_op'), ['op', dispatch], `op ${op}`);
      assert.deepEqual(labels(r.stops, wrapper), ['lock_target', body], `op ${op}`);
      assert.equal(localsAt(r.stops, wrapper, 'lock_target').domid, '1');
      assert.equal(localsAt(r.stops, 'do_hvm_op', 'op').op, String(op));
    }
    const p = g.stepped('dm0', null, (s) => s.hvm.doHvmOp(g.d0, HVMOP_get_param, { domid: 1, index: P.HVM_PARAM_CALLBACK_IRQ, value: 0 }));
    assert.deepEqual(labels(p.stops, 'do_hvm_op'), ['op', 'param']);
  });

  it('a set case\'s first stop shows the value asked for', () => {
    const g = new ParamGuest();
    const at = (index: number, value: number, label: string) => localsAt(g.steps(HVMOP_set_param, index, value).stops, 'do_hvm_op_param', label).value;
    assert.equal(at(P.HVM_PARAM_TIMER_MODE, 2, 'timer_mode'), '0x2');
    assert.equal(at(P.HVM_PARAM_VIRIDIAN, 5, 'viridian'), '0x5');
    assert.equal(at(P.HVM_PARAM_IDENT_PT, 0x3000, 'ident_pt'), '0x3000');
    assert.equal(at(P.HVM_PARAM_ACPI_S_STATE, 0, 'acpi_s_state'), '0x0');
    assert.equal(at(P.HVM_PARAM_TRIPLE_FAULT_REASON, 3, 'triple_fault_reason'), '0x3');
    assert.equal(at(P.HVM_PARAM_NR_IOREQ_SERVER_PAGES, 9, 'nr_pages_range'), '0x9');
    assert.equal(at(P.HVM_PARAM_NR_IOREQ_SERVER_PAGES, 9, 'set_bits'), '0x9');
    assert.equal(at(P.HVM_PARAM_DM_DOMAIN, 0, 'dm_domid_self'), '0x0');
    const got = g.steps(HVMOP_get_param, P.HVM_PARAM_CALLBACK_IRQ, 0);
    assert.equal(localsAt(got.stops, 'do_hvm_op_param', 'get_value').index, String(P.HVM_PARAM_CALLBACK_IRQ));
  });
});
