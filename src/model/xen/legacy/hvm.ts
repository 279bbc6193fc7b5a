// @stepped
// xen/arch/x86/hvm/hvm.c BEFORE the seed: the seed's preimage (v2 3/6, "create basic ioreq server abstraction"),
// read from the lines the seed removes, with 4.4 bodies where the seed shows none ([X44] 348-491, 1193-1215,
// 3902-4053). The server is made at domain creation with both pages unmapped and the domain paused twice; setting
// IOREQ_PFN / BUFIOREQ_PFN maps a page and unpauses once each; DM_DOMAIN replaces the event channels.
import * as A from '../../abi';
import { EINVAL, ENOMEM, EPERM } from '../../errno';
import * as E from '../../evtchn';
import * as P from '../../params';
import { $, type Co } from '../../step';
import * as X from '../../xen';
import type { Domain, HvmIoreqPage, HvmIoreqServer, Vcpu } from '../../xen';
import { CRASHED, DESCHEDULED, RESUMED, type ProtoIoreq } from '../common/outcome';
import { Emulate44 } from '../4.4/emulate';
import { HVMOP_get_param, HVMOP_set_param, type XenHvmParam } from '../seed/hvm';

export class HvmLegacy extends Emulate44 {
  /** hvm_init_ioreq_page (preimage): init the lock and pause the domain until the page is set. */
  *hvmInitIoreqPage(d: Domain, iorp: HvmIoreqPage): Co<void> {
    // spin_lock_init(&iorp->lock): no locks in this model (a stop, nothing changes).
    yield $('lock_init');
    yield $('pause');
    this.domainPause(d, 'hvm_init_ioreq_page');
  }

  /** hvm_destroy_ioreq_page (preimage): only on a dying domain (ASSERT), then unmap. */
  *hvmDestroyIoreqPage(d: Domain, iorp: HvmIoreqPage): Co<void> {
    yield $('assert', { d, is_dying: d.is_dying });
    if (!d.is_dying) throw new X.XenPanic('hvm_destroy_ioreq_page', `ASSERT(d->is_dying) failed for d${d.domain_id}`);
    // spin_lock / spin_unlock(&iorp->lock): no locks in this model (stops, nothing changes).
    yield $('lock');
    yield $('destroy', { va: iorp.va ? 'mapped' : 'NULL' });
    yield* this.destroyRingForHelper(d, iorp);
    yield $('unlock');
  }

  /**
   * hvm_set_ioreq_page (preimage): map gmfn; if a page is already mapped or the domain is dying, it unmaps the page
   * ALREADY there (not the new one, which leaks) and fails -EINVAL; on success it unpauses the domain once.
   */
  *hvmSetIoreqPage(d: Domain, iorp: HvmIoreqPage, gmfn: number): Co<number> {
    yield $('prepare');
    const r = yield* this.prepareRingForHelper(d, gmfn);
    yield $('check_rc', { d, gmfn, rc: r.rc });
    if (r.rc) return r.rc;
    // spin_lock / spin_unlock(&iorp->lock): no locks in this model (stops, nothing changes).
    yield $('lock');
    yield $('check_busy', { d, iorp, gmfn, is_dying: d.is_dying });
    if (iorp.va !== null || d.is_dying) {
      yield $('drop_old');
      yield* this.destroyRingForHelper(d, iorp);
      yield $('busy_unlock');
      yield $('ret_einval');
      return -EINVAL;
    }
    yield $('publish');
    iorp.va = r.va;
    yield $('publish_page', { page: r.page });
    iorp.page = r.page;
    yield $('unlock');
    yield $('unpause');
    this.domainUnpause(d, 'hvm_set_ioreq_page');
    yield $('ret');
    return 0;
  }

  /** hvm_update_ioreq_server_evtchn: as in the seed. */
  *hvmUpdateIoreqServerEvtchn(s: HvmIoreqServer): Co<void> {
    yield $('check', { s, va: s.ioreq.va ? 'mapped' : 'NULL' });
    if (s.ioreq.va !== null) {
      for (const v of s.domain.vcpu) {
        yield $('for_each_vcpu');
        yield $('get_ioreq');
        const p = this.getIoreq(s, v.vcpu_id);
        yield $('write', { v, p, port: s.ioreq_evtchn[v.vcpu_id] });
        p.vp_eport = s.ioreq_evtchn[v.vcpu_id];
      }
    }
  }

  /** hvm_ioreq_server_add_vcpu (preimage, as the seed's). */
  *hvmIoreqServerAddVcpu(s: HvmIoreqServer, v: Vcpu): Co<number> {
    const d = s.domain;
    this.checkLive(s, 'hvm_ioreq_server_add_vcpu');
    yield $('alloc');
    let rc = E.allocUnboundXenEventChannel(this.x, d, v.vcpu_id, s.domid);
    yield $('check');
    if (rc < 0) return rc;
    yield $('store');
    s.ioreq_evtchn[v.vcpu_id] = rc;
    yield $('store_xen_port');
    v.arch.hvm_vcpu.xen_port = rc;
    yield $('vcpu0', { vcpu_id: v.vcpu_id });
    if (v.vcpu_id === 0) {
      yield $('alloc_buf');
      rc = E.allocUnboundXenEventChannel(this.x, d, v.vcpu_id, s.domid);
      yield $('check_buf');
      if (rc < 0) return rc;
      yield $('store_buf');
      s.buf_ioreq_evtchn = rc;
    }
    yield $('update');
    yield* this.hvmUpdateIoreqServerEvtchn(s);
    yield $('ret');
    return 0;
  }

  /** hvm_ioreq_server_remove_vcpu (preimage). */
  *hvmIoreqServerRemoveVcpu(s: HvmIoreqServer, v: Vcpu): Co<void> {
    this.checkLive(s, 'hvm_ioreq_server_remove_vcpu');
    yield $('free');
    if (v.vcpu_id === 0 && s.buf_ioreq_evtchn >= 0) E.freeXenEventChannel(this.x, s.domain, s.buf_ioreq_evtchn);
    yield $('free_port', { port: s.ioreq_evtchn[v.vcpu_id] });
    if (s.ioreq_evtchn[v.vcpu_id] >= 0) E.freeXenEventChannel(this.x, s.domain, s.ioreq_evtchn[v.vcpu_id]);
  }

  /** hvm_init_ioreq_server (preimage): allocate at domain creation, ports -1, both pages pause the domain. */
  *hvmInitIoreqServer(d: Domain): Co<number> {
    yield $('alloc');
    const failed = this.x.failNext('xzalloc');
    yield $('check_alloc', { s: failed ? 'NULL' : 'allocated' });
    if (failed) return -ENOMEM;
    const s = new X.HvmIoreqServer(d, A.MAX_HVM_VCPUS);
    this.x.heapAlloc('hvm_ioreq_server');
    yield $('set_domain');
    s.domain = d;
    yield $('init_ports');
    for (let i = 0; i < A.MAX_HVM_VCPUS; i++) s.ioreq_evtchn[i] = -1;
    yield $('init_buf_port');
    s.buf_ioreq_evtchn = -1;
    yield $('init_pages');
    yield* this.hvmInitIoreqPage(d, s.ioreq);
    yield $('init_buf_page');
    yield* this.hvmInitIoreqPage(d, s.buf_ioreq);
    yield $('publish');
    d.arch.hvm_domain.ioreq_server = s;
    if (this.x.on) this.x.emit({ kind: 'server_create', fn: 'hvm_init_ioreq_server', domid: d.domain_id, after: { domid: 0 },
      text: `d${d.domain_id} ioreq server created at domain creation (pages not yet set; domain paused twice)` });
    yield $('ret');
    return 0;
  }

  /** hvm_deinit_ioreq_server (preimage): unmap both pages and free; the pointer is left dangling. */
  *hvmDeinitIoreqServer(d: Domain): Co<void> {
    yield $('init_s');
    const s = d.arch.hvm_domain.ioreq_server;
    yield $('destroy');
    if (!s) return;
    yield $('destroy_page');
    yield* this.hvmDestroyIoreqPage(d, s.ioreq);
    yield $('destroy_buf_page');
    yield* this.hvmDestroyIoreqPage(d, s.buf_ioreq);
    yield $('free');
    this.xfreeServer(s);
    if (this.x.on) this.x.emit({ kind: 'server_destroy', fn: 'hvm_deinit_ioreq_server', domid: d.domain_id, text: `d${d.domain_id} ioreq server freed (pointer left set)` });
  }

  /** hvm_set_ioreq_server_pfn (preimage): map the ioreq page, then write the ports into the slots. */
  *hvmSetIoreqServerPfn(s: HvmIoreqServer, pfn: number): Co<number> {
    yield $('set');
    const rc = yield* this.hvmSetIoreqPage(s.domain, s.ioreq, pfn);
    yield $('check_rc');
    if (rc < 0) return rc;
    yield $('update');
    yield* this.hvmUpdateIoreqServerEvtchn(s);
    yield $('ret');
    return 0;
  }

  /** hvm_set_ioreq_server_buf_pfn (preimage). */
  *hvmSetIoreqServerBufPfn(s: HvmIoreqServer, pfn: number): Co<number> {
    yield $('set');
    return yield* this.hvmSetIoreqPage(s.domain, s.buf_ioreq, pfn);
  }

  /** hvm_set_ioreq_server_domid (preimage): pause, replace vcpu 0's buffered port then each vcpu's port. */
  *hvmSetIoreqServerDomid(s: HvmIoreqServer, domid: number): Co<number> {
    yield $('init_d');
    const d = s.domain;
    yield $('init_rc');
    let rc = 0;
    yield $('pause');
    this.domainPause(d, 'hvm_set_ioreq_server_domid');
    yield $('init_v0');
    const v0 = d.vcpu[0];
    yield $('check_v0');
    if (v0) {
      yield $('replace_buf');
      rc = yield* this.hvmReplaceEventChannel(v0, domid, { get: () => s.buf_ioreq_evtchn, set: (p) => { s.buf_ioreq_evtchn = p; } });
    }
    yield $('check_rc');
    if (!rc) {
      for (const v of d.vcpu) {
        yield $('for_each_vcpu');
        yield $('replace');
        rc = yield* this.hvmReplaceEventChannel(v, domid, { get: () => s.ioreq_evtchn[v.vcpu_id], set: (p) => { s.ioreq_evtchn[v.vcpu_id] = p; v.arch.hvm_vcpu.xen_port = p; } });
        yield $('check_replace');
        if (rc) break;
      }
    }
    yield $('check_rc_update');
    if (!rc) {
      yield $('update');
      yield* this.hvmUpdateIoreqServerEvtchn(s);
      yield $('set_domid');
      const before = s.domid;
      s.domid = domid;
      if (this.x.on) this.x.emit({ kind: 'server_domid', fn: 'hvm_set_ioreq_server_domid', domid: d.domain_id, before, after: domid,
        text: `d${d.domain_id} ioreq server now serves dm d${domid} (event channels replaced)` });
    }
    yield $('done');
    this.domainUnpause(d, 'hvm_set_ioreq_server_domid');
    yield $('ret');
    return rc;
  }

  /** hvm_domain_initialise (preimage): creates the server. */
  *hvmDomainInitialise(d: Domain): Co<number> {
    yield $('init_server');
    return yield* this.hvmInitIoreqServer(d);
  }

  /** hvm_domain_relinquish_resources (preimage): frees the server. */
  *hvmDomainRelinquishResources(d: Domain): Co<void> {
    yield $('deinit');
    yield* this.hvmDeinitIoreqServer(d);
  }

  /** hvm_vcpu_initialise (preimage): always adds the vcpu to the server. */
  *hvmVcpuInitialise(v: Vcpu): Co<number> {
    yield $('init_s');
    const s = v.domain.arch.hvm_domain.ioreq_server!;
    yield $('add');
    return yield* this.hvmIoreqServerAddVcpu(s, v);
  }

  /** hvm_vcpu_destroy (preimage): always removes the vcpu (after relinquish, s has been freed). */
  *hvmVcpuDestroy(v: Vcpu): Co<void> {
    yield $('init_s');
    const s = v.domain.arch.hvm_domain.ioreq_server!;
    yield $('remove');
    yield* this.hvmIoreqServerRemoveVcpu(s, v);
  }

  /** hvm_do_resume (preimage): the wait loop inline; a weird state crashes and returns from hvm_do_resume. */
  *hvmDoResume(v: Vcpu): Co<number> {
    yield $('init_d');
    const d = v.domain;
    yield $('init_s');
    const s = d.arch.hvm_domain.ioreq_server;
    yield $('check_wakeup');
    yield $('check_server');
    if (s) {
      yield $('get_ioreq');
      const p = this.getIoreq(s, v.vcpu_id);
      for (;;) {
        yield $('loop', { v, p, state: p.state });
        if (p.state === A.STATE_IOREQ_NONE) break;
        yield $('read_state');
        const state = p.state;
        yield $('switch');
        if (state === A.STATE_IORESP_READY) {
          yield $('assist');
          yield* this.hvmIoAssist(p);
          yield $('assist_break');
        } else if (state === A.STATE_IOREQ_READY || state === A.STATE_IOREQ_INPROCESS) {
          yield $('wait', { v, p, port: p.vp_eport });
          if (this.waitOnXenEventChannel(v, p)) return DESCHEDULED;
          yield $('wait_break');
        } else {
          yield $('weird');
          this.x.printk('XENLOG_ERR', 'hvm_do_resume', d, `Weird HVM iorequest state ${state}.`);
          yield $('crash');
          this.domainCrash(d, 'hvm_do_resume', `Weird HVM iorequest state ${state}`);
          yield $('bail');
          return CRASHED; // bail: skips the trap injection below
        }
      }
    }
    yield $('inject_trap', { v, vector: v.arch.hvm_vcpu.inject_trap.vector });
    if (v.arch.hvm_vcpu.inject_trap.vector !== -1) {
      // hvm_inject_trap: the model has no trap to deliver (a stop, nothing changes); clearing the vector is
      // injectPendingTrap's, below, the statement after the clear_trap stop.
      yield $('inject');
      yield $('clear_trap');
    }
    this.injectPendingTrap(v);
    return RESUMED;
  }

  /** hvm_send_assist_req (preimage): one function; the same checks as the seed's pair. */
  *hvmSendAssistReq(v: Vcpu, proto_p: ProtoIoreq): Co<number> {
    yield $('init_d');
    const d = v.domain;
    yield $('init_s');
    const s = d.arch.hvm_domain.ioreq_server;
    yield $('deferral');
    if (!this.vcpuStartShutdownDeferral(v)) {
      // The domain is shutting down: the request is binned, never copied into the slot ([X44] hvm.c:1290-1318).
      this.ioBinnedForShutdown(v, proto_p);
      return 0;
    }
    yield $('check_server');
    if (!s) return 0;
    yield $('get_ioreq');
    const p = this.getIoreq(s, v.vcpu_id);
    yield $('check_state', { v, p, state: p.state });
    if (p.state !== A.STATE_IOREQ_NONE) {
      yield $('bad_state', { state: p.state });
      this.x.printk('XENLOG_ERR', 'hvm_send_assist_req', d, `Device model set bad IO state ${p.state}.`);
      yield $('crash');
      this.domainCrash(d, 'hvm_send_assist_req', `Device model set bad IO state ${p.state}`);
      yield $('ret_bad');
      return 0;
    }
    yield $('copy');
    proto_p.state = A.STATE_IOREQ_NONE;
    yield $('copy_port', { port: p.vp_eport });
    proto_p.vp_eport = p.vp_eport;
    // *p = *proto_p (copyRequest writes the same state and port again, then the slot).
    yield $('copy_slot');
    this.copyRequest(p, proto_p);
    yield $('prepare_wait');
    this.prepareWaitOnXenEventChannel(v, p.vp_eport);
    // wmb(): the model's writes are ordered already (a stop, nothing changes).
    yield $('wmb');
    yield $('ready');
    this.setSlotState(v, p, A.STATE_IOREQ_READY, 'hvm_send_assist_req');
    yield $('notify', { p, port: p.vp_eport });
    E.notifyViaXenEventChannel(this.x, d, p.vp_eport);
    yield $('ret');
    return 1;
  }

  /** do_hvm_op set/get_param (preimage): IOREQ_PFN / BUFIOREQ_PFN set map pages; DM_DOMAIN replaces ports. */
  *doHvmOp(curr_d: Domain, op: number, a: XenHvmParam): Co<number> {
    // curr_d = current->domain: the caller's domain, the model's parameter.
    yield $('curr_d');
    yield $('init_rc');
    let rc = 0;
    yield $('index');
    if (a.index < 0 || a.index >= this.x.nrParams) return -EINVAL;
    yield $('rcu_lock');
    const d = this.x.domains.get(a.domid === E.DOMID_SELF ? curr_d.domain_id : a.domid);
    yield $('lookup', { op, a, d: d ?? null });
    if (!d || d.is_dying === 2) return -3; // -ESRCH (rcu_lock_domain_by_any_id)
    yield $('is_hvm', { is_hvm: d.is_hvm });
    if (!d.is_hvm) return -EINVAL;
    yield $('xsm');
    rc = this.xsmHvmParam(curr_d, d);
    yield $('xsm_rc');
    if (rc) return rc;
    yield $('init_s');
    const s = d.arch.hvm_domain.ioreq_server!;
    yield $('is_set');
    if (op === HVMOP_set_param) {
      yield $('set_switch');
      switch (a.index) {
        case P.HVM_PARAM_IOREQ_PFN:
          yield $('ioreq_pfn');
          rc = yield* this.hvmSetIoreqServerPfn(s, a.value);
          yield $('ioreq_pfn_break');
          break;
        case P.HVM_PARAM_BUFIOREQ_PFN:
          yield $('bufioreq_pfn');
          rc = yield* this.hvmSetIoreqServerBufPfn(s, a.value);
          yield $('bufioreq_pfn_break');
          break;
        case P.HVM_PARAM_IDENT_PT:
          yield $('ident_pt');
          rc = -EPERM;
          yield $('ident_pt_self');
          if (curr_d === d) break;
          yield $('ident_pt_einval');
          rc = -EINVAL;
          yield $('ident_pt_set', { value: d.arch.hvm_domain.params[a.index] });
          if (d.arch.hvm_domain.params[a.index] !== 0) break;
          yield $('ident_pt_ok');
          rc = 0;
          yield $('ident_pt_break');
          break;
        case P.HVM_PARAM_DM_DOMAIN:
          yield $('dm_domain');
          rc = -EPERM;
          yield $('dm_domain_self');
          if (curr_d === d) break;
          yield $('dm_domain_domid');
          if (a.value === E.DOMID_SELF) a.value = curr_d.domain_id;
          yield $('set_domid');
          // The callee's parameter is a domid_t: it takes the low 16 bits; params[] stores a.value as set
          // ([X44] hvm.c:4032, 4043, 4122).
          rc = yield* this.hvmSetIoreqServerDomid(s, a.value & 0xffff);
          yield $('dm_domain_break');
          break;
        case P.HVM_PARAM_ACPI_S_STATE:
          // The listing's lines, each a stop; setParamAcpiSState (shared with the seed and 4.5) then does the case
          // in one statement: its own curr_d == d check cannot fail here, and it returns the rc set by the line
          // whose stop came last (0 after a suspend or a resume, -EINVAL for any other value).
          yield $('acpi_s_state');
          rc = -EPERM;
          yield $('acpi_s_state_self');
          if (curr_d === d) break;
          yield $('acpi_s_state_ok');
          rc = 0;
          yield $('acpi_s_state_s3', { value: a.value });
          if (a.value !== 3) {
            yield $('acpi_s_state_s0');
            if (a.value !== 0) {
              yield $('acpi_s_state_einval');
            }
          }
          rc = this.setParamAcpiSState(curr_d, d, a.value);
          yield $('acpi_s_state_break');
          break;
        case P.HVM_PARAM_BUFIOREQ_EVTCHN:
          yield $('bufioreq_evtchn');
          rc = -EINVAL;
          yield $('bufioreq_evtchn_break');
          break;
        default:
          yield $('set_default');
          break;
      }
      yield $('store');
      if (rc === 0) this.storeParam(d, a.index, a.value, 'do_hvm_op');
      yield $('set_ret');
      return rc;
    }
    yield $('is_get');
    if (op !== HVMOP_get_param) return -38; // -ENOSYS
    yield $('get_switch');
    switch (a.index) {
      case P.HVM_PARAM_BUFIOREQ_EVTCHN:
        yield $('get_bufioreq_evtchn', { port: s.buf_ioreq_evtchn });
        a.value = s.buf_ioreq_evtchn;
        yield $('get_bufioreq_evtchn_break');
        break;
      case P.HVM_PARAM_ACPI_S_STATE:
        yield $('get_acpi_s_state');
        a.value = this.getParamAcpiSState(d);
        yield $('get_acpi_s_state_break');
        break;
      default:
        yield $('get_default');
        a.value = d.arch.hvm_domain.params[a.index];
        yield $('get_default_break');
    }
    yield $('got');
    this.emitParamGet(curr_d, d, a.index, a.value);
    return rc;
  }
}

