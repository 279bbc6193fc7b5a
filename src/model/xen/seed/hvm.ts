// @stepped
// xen/arch/x86/hvm/hvm.c as the seed leaves it ("ioreq-server: on-demand creation of ioreq server", v2 4/6):
// the server is created on the first HVMOP_get_param of IOREQ_PFN / BUFIOREQ_PFN / BUFIOREQ_EVTCHN, or on
// HVMOP_set_param of DM_DOMAIN. Hunks are cited as [SEED @line]; bodies the seed does not show are from its
// preimage's neighbours and marked (inferred) (see docs/xen-ioreq.md).
import * as A from '../../abi';
import { EEXIST, EINVAL, ENOENT, ENOMEM, EPERM } from '../../errno';
import * as E from '../../evtchn';
import * as P from '../../params';
import { $, type Co } from '../../step';
import * as X from '../../xen';
import type { Domain, HvmIoreqServer, Vcpu } from '../../xen';
import { CRASHED, DESCHEDULED, RESUMED, type ProtoIoreq } from '../common/outcome';
import { Emulate44 } from '../4.4/emulate';
import type { IoreqRef } from '../4.4/hvm';

/** HVMOP_set_param / HVMOP_get_param (public/hvm/hvm_op.h). */
export const HVMOP_set_param = 0;
export const HVMOP_get_param = 1;

/** struct xen_hvm_param */
export interface XenHvmParam {
  domid: number;
  index: number;
  value: number;
}

export class HvmSeed extends Emulate44 {
  // ---- shared pages ([SEED @416-@519]) ----

  /** hvm_init_ioreq_page: after the seed it only initialises the page's lock (no more domain_pause). */
  *hvmInitIoreqPage(s: HvmIoreqServer, buf: number): Co<void> {
    yield $('select');
    // spin_lock_init(&iorp->lock): no state in this model (a stop, nothing changes).
    yield $('lock_init');
  }

  /** hvm_destroy_ioreq_page: unmap the page; the seed dropped the lock and the is_dying ASSERT. */
  *hvmDestroyIoreqPage(s: HvmIoreqServer, buf: number): Co<void> {
    yield $('select');
    const iorp = buf ? s.buf_ioreq : s.ioreq;
    yield $('destroy');
    yield* this.destroyRingForHelper(s.domain, iorp);
  }

  /** hvm_set_ioreq_page: map gmfn; if already mapped or the domain is dying, drop the NEW mapping and fail -EINVAL. */
  *hvmSetIoreqPage(s: HvmIoreqServer, buf: number, gmfn: number): Co<number> {
    yield $('init_d');
    const d = s.domain;
    yield $('prepare');
    const r = yield* this.prepareRingForHelper(d, gmfn);
    const rc = r.rc;
    yield $('check_rc');
    if (rc) return rc;
    yield $('select');
    const iorp = buf ? s.buf_ioreq : s.ioreq;
    yield $('check_busy', { s, buf, gmfn, iorp, is_dying: d.is_dying });
    if (iorp.va !== null || d.is_dying) {
      yield $('drop_new');
      yield* this.destroyRingForHelper(d, { va: r.va, page: r.page });
      yield $('ret_einval');
      return -EINVAL;
    }
    yield $('publish');
    iorp.va = r.va;
    yield $('publish_page');
    iorp.page = r.page;
    yield $('ret');
    return 0;
  }

  // ---- per-vcpu event channels (inferred from the preimage's neighbours) ----

  /** hvm_update_ioreq_server_evtchn: write each vcpu's port into its slot's vp_eport (only if the page is mapped). */
  *hvmUpdateIoreqServerEvtchn(s: HvmIoreqServer): Co<void> {
    yield $('init_d');
    const d = s.domain;
    yield $('check', { s, va: s.ioreq.va ? 'mapped' : 'NULL' });
    if (s.ioreq.va !== null) {
      for (const v of d.vcpu) {
        yield $('for_each_vcpu');
        yield $('get_ioreq');
        const p = this.getIoreq(s, v.vcpu_id);
        yield $('write', { v, p, port: s.ioreq_evtchn[v.vcpu_id] });
        p.vp_eport = s.ioreq_evtchn[v.vcpu_id];
      }
    }
  }

  /** hvm_ioreq_server_add_vcpu: a port for v (and, for vcpu 0, the buffered port), remote end s->domid. */
  *hvmIoreqServerAddVcpu(s: HvmIoreqServer, v: Vcpu): Co<number> {
    const d = s.domain;
    yield $('alloc');
    let rc = E.allocUnboundXenEventChannel(this.x, d, v.vcpu_id, s.domid);
    yield $('check');
    if (rc < 0) return rc;
    yield $('store');
    s.ioreq_evtchn[v.vcpu_id] = rc;
    yield $('vcpu0');
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

  /**
   * hvm_ioreq_server_remove_vcpu: free v's ports. (inferred) A vcpu that was never added has port -1 and is skipped:
   * the seed's own unwind path (fail_add_vcpu) calls this for every vcpu.
   */
  *hvmIoreqServerRemoveVcpu(s: HvmIoreqServer, v: Vcpu): Co<void> {
    const d = s.domain;
    yield $('buf', { s, v, buf_ioreq_evtchn: s.buf_ioreq_evtchn });
    if (v.vcpu_id === 0 && s.buf_ioreq_evtchn >= 0) {
      yield $('free_buf');
      E.freeXenEventChannel(this.x, d, s.buf_ioreq_evtchn);
      yield $('clear_buf');
      s.buf_ioreq_evtchn = -1;
    }
    yield $('vcpu', { s, v, port: s.ioreq_evtchn[v.vcpu_id] });
    if (s.ioreq_evtchn[v.vcpu_id] >= 0) {
      yield $('free');
      E.freeXenEventChannel(this.x, d, s.ioreq_evtchn[v.vcpu_id]);
      yield $('clear');
      s.ioreq_evtchn[v.vcpu_id] = -1;
    }
  }

  // ---- server lifecycle ([SEED @618]) ----

  /** hvm_create_ioreq_server: -EEXIST if one exists; map both pages; pause; add every vcpu; publish; unpause. */
  *hvmCreateIoreqServer(d: Domain, domid: number): Co<number> {
    yield $('init_s');
    let s: HvmIoreqServer | null = null;
    yield $('init_pfn');
    let pfn = 0;
    yield $('init_rc');
    let rc = -EEXIST;
    yield $('exist');
    if (d.arch.hvm_domain.ioreq_server !== null) return rc; // fail_exist
    yield $('printk');
    this.x.printk('XENLOG_INFO', 'hvm_create_ioreq_server', d, `hvm_create_ioreq_server: ${d.domain_id}`);
    yield $('enomem');
    rc = -ENOMEM;
    yield $('alloc');
    if (!this.x.failNext('xzalloc')) { s = new X.HvmIoreqServer(d, A.MAX_HVM_VCPUS); this.x.heapAlloc('hvm_ioreq_server'); }
    yield $('check_alloc');
    if (!s) return rc; // fail_alloc
    yield $('set_domain');
    s.domain = d;
    yield $('set_domid');
    s.domid = domid;
    yield $('init_ports');
    for (let i = 0; i < A.MAX_HVM_VCPUS; i++) s.ioreq_evtchn[i] = -1;
    yield $('init_buf_port');
    s.buf_ioreq_evtchn = -1;
    yield $('get_ioreq_pfn');
    pfn = d.arch.hvm_domain.params[P.HVM_PARAM_IOREQ_PFN];
    yield $('ioreq_pfn');
    yield* this.hvmInitIoreqPage(s, 0);
    yield $('set_ioreq');
    rc = yield* this.hvmSetIoreqPage(s, 0, pfn);
    yield $('check_ioreq');
    if (rc < 0) { // fail_set_ioreq: xfree(s)
      yield $('fail_set_ioreq');
      this.xfreeServer(s);
      yield $('fail_set_ioreq_ret');
      return rc;
    }
    yield $('get_bufioreq_pfn');
    pfn = d.arch.hvm_domain.params[P.HVM_PARAM_BUFIOREQ_PFN];
    yield $('bufioreq_pfn');
    yield* this.hvmInitIoreqPage(s, 1);
    yield $('set_bufioreq');
    rc = yield* this.hvmSetIoreqPage(s, 1, pfn);
    yield $('check_bufioreq');
    if (rc < 0) { // fail_set_buf_ioreq
      yield $('fail_set_buf_ioreq');
      yield* this.hvmDestroyIoreqPage(s, 0);
      yield $('fail_set_buf_ioreq_free');
      this.xfreeServer(s);
      yield $('fail_set_buf_ioreq_ret');
      return rc;
    }
    yield $('pause');
    this.domainPause(d, 'hvm_create_ioreq_server');
    for (const v of d.vcpu) {
      yield $('for_each_vcpu');
      yield $('add_vcpu');
      rc = yield* this.hvmIoreqServerAddVcpu(s, v);
      yield $('check_add_vcpu');
      if (rc < 0) { // fail_add_vcpu
        yield $('fail_add_vcpu');
        for (const w of d.vcpu) yield* this.hvmIoreqServerRemoveVcpu(s, w);
        yield $('fail_add_vcpu_unpause');
        this.domainUnpause(d, 'hvm_create_ioreq_server');
        yield $('fail_add_vcpu_unmap_buf');
        yield* this.hvmDestroyIoreqPage(s, 1);
        yield $('fail_add_vcpu_unmap');
        yield* this.hvmDestroyIoreqPage(s, 0);
        yield $('fail_add_vcpu_free');
        this.xfreeServer(s);
        yield $('fail_add_vcpu_ret');
        return rc;
      }
    }
    yield $('publish');
    d.arch.hvm_domain.ioreq_server = s;
    if (this.x.on) this.x.emit({ kind: 'server_create', fn: 'hvm_create_ioreq_server', domid: d.domain_id,
      after: { domid, ioreq_pfn: s.ioreq.page, bufioreq_pfn: s.buf_ioreq.page, buf_ioreq_evtchn: s.buf_ioreq_evtchn },
      text: `d${d.domain_id} ioreq server created for dm d${domid} (ioreq ${A.hex(s.ioreq.page ?? 0)}, bufioreq ${A.hex(s.buf_ioreq.page ?? 0)}, buf port ${s.buf_ioreq_evtchn})` });
    yield $('unpause');
    this.domainUnpause(d, 'hvm_create_ioreq_server');
    yield $('ret');
    return 0;
  }

  /** hvm_destroy_ioreq_server: prints first, returns if none; else pause, unpublish, remove vcpus, unpause, unmap, free. */
  *hvmDestroyIoreqServer(d: Domain): Co<void> {
    yield $('printk');
    this.x.printk('XENLOG_INFO', 'hvm_destroy_ioreq_server', d, `hvm_destroy_ioreq_server: ${d.domain_id}`);
    yield $('init_s');
    const s = d.arch.hvm_domain.ioreq_server;
    yield $('check');
    if (!s) return;
    yield $('pause');
    this.domainPause(d, 'hvm_destroy_ioreq_server');
    yield $('unpublish');
    d.arch.hvm_domain.ioreq_server = null;
    yield $('remove_vcpus');
    for (const v of d.vcpu) yield* this.hvmIoreqServerRemoveVcpu(s, v);
    yield $('unpause');
    this.domainUnpause(d, 'hvm_destroy_ioreq_server');
    yield $('unmap');
    yield* this.hvmDestroyIoreqPage(s, 1);
    yield $('unmap_ioreq');
    yield* this.hvmDestroyIoreqPage(s, 0);
    yield $('free');
    this.xfreeServer(s);
    if (this.x.on) this.x.emit({ kind: 'server_destroy', fn: 'hvm_destroy_ioreq_server', domid: d.domain_id, text: `d${d.domain_id} ioreq server destroyed` });
  }

  /** hvm_get_ioreq_server_buf_port: -ENOENT with no server. */
  *hvmGetIoreqServerBufPort(d: Domain, out: { port: number }): Co<number> {
    yield $('init_s');
    const s = d.arch.hvm_domain.ioreq_server;
    yield $('check');
    if (!s) return -ENOENT;
    yield $('store');
    out.port = s.buf_ioreq_evtchn;
    yield $('ret');
    return 0;
  }

  /** hvm_get_ioreq_server_pfn: the param's value (not the mapped page), -ENOENT with no server. */
  *hvmGetIoreqServerPfn(d: Domain, buf: number, out: { pfn: number }): Co<number> {
    yield $('init_s');
    const s = d.arch.hvm_domain.ioreq_server;
    yield $('check');
    if (!s) return -ENOENT;
    yield $('select');
    const i = buf ? P.HVM_PARAM_BUFIOREQ_PFN : P.HVM_PARAM_IOREQ_PFN;
    yield $('store');
    out.pfn = d.arch.hvm_domain.params[i];
    yield $('ret');
    return 0;
  }

  /** hvm_set_ioreq_server_domid: pause; -ENOENT with no server; same domid is a no-op; else replace every port. */
  *hvmSetIoreqServerDomid(d: Domain, domid: number): Co<number> {
    yield $('init_s');
    const s = d.arch.hvm_domain.ioreq_server;
    yield $('init_rc');
    let rc = 0;
    yield $('pause');
    this.domainPause(d, 'hvm_set_ioreq_server_domid');
    yield $('enoent');
    rc = -ENOENT;
    yield $('check');
    if (s) {
      yield $('rc_ok');
      rc = 0;
      yield $('same');
      if (s.domid !== domid) {
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
            rc = yield* this.hvmReplaceEventChannel(v, domid, { get: () => s.ioreq_evtchn[v.vcpu_id], set: (p) => { s.ioreq_evtchn[v.vcpu_id] = p; } });
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
      }
    }
    yield $('done');
    this.domainUnpause(d, 'hvm_set_ioreq_server_domid');
    yield $('ret');
    return rc;
  }

  // ---- domain and vcpu lifecycle ----

  /** hvm_domain_initialise: after the seed it no longer creates a server ([SEED @857]). */
  *hvmDomainInitialise(d: Domain): Co<number> {
    yield $('init');
    return 0;
  }

  /** hvm_domain_relinquish_resources: destroys the server ([SEED @888]). */
  *hvmDomainRelinquishResources(d: Domain): Co<void> {
    yield $('destroy');
    yield* this.hvmDestroyIoreqServer(d);
  }

  /** hvm_vcpu_initialise: add the vcpu only if a server exists ([SEED @1563]). */
  *hvmVcpuInitialise(v: Vcpu): Co<number> {
    yield $('init_d');
    const d = v.domain;
    yield $('init_s');
    const s = d.arch.hvm_domain.ioreq_server;
    yield $('init_rc');
    let rc = 0;
    yield $('check');
    if (s) {
      yield $('add');
      rc = yield* this.hvmIoreqServerAddVcpu(s, v);
      yield $('check_add');
      if (rc < 0) return rc; // fail6
    }
    yield $('ret');
    return 0;
  }

  /** hvm_vcpu_destroy: remove the vcpu only if a server exists ([SEED @1606]). */
  *hvmVcpuDestroy(v: Vcpu): Co<void> {
    yield $('init_s');
    const s = v.domain.arch.hvm_domain.ioreq_server;
    yield $('check');
    if (s) yield* this.hvmIoreqServerRemoveVcpu(s, v);
  }

  // ---- the vcpu path ([SEED @367], [SEED @1732]) ----

  /** hvm_wait_on_io: loop until the slot is NONE; a state outside the four crashes d and returns from here only. */
  *hvmWaitOnIo(d: Domain, p: IoreqRef): Co<number> {
    yield $('init_v');
    const v = this.x.current!;
    for (;;) {
      yield $('loop', { d, p, state: p.state });
      if (p.state === A.STATE_IOREQ_NONE) break;
      yield $('read_state');
      const state = p.state;
      yield $('switch');
      switch (state) {
        case A.STATE_IORESP_READY:
          yield $('assist');
          yield* this.hvmIoAssist(p);
          yield $('assist_break');
          break;
        case A.STATE_IOREQ_READY:
        case A.STATE_IOREQ_INPROCESS:
          yield $('wait', { d, p, port: p.vp_eport });
          if (this.waitOnXenEventChannel(v, p)) return DESCHEDULED;
          yield $('wait_break');
          break;
        default:
          yield $('weird');
          this.x.printk('XENLOG_ERR', 'hvm_wait_on_io', d, `Weird HVM iorequest state ${state}.`);
          yield $('crash');
          this.domainCrash(d, 'hvm_wait_on_io', `Weird HVM iorequest state ${state}`);
          yield $('bail');
          return CRASHED; // bail: returns from hvm_wait_on_io only
      }
    }
    return RESUMED;
  }

  /** hvm_do_resume: wait for the slot if a server exists, then ALWAYS go on to inject a pending trap. */
  *hvmDoResume(v: Vcpu): Co<number> {
    yield $('init_d');
    const d = v.domain;
    yield $('init_s');
    const s = d.arch.hvm_domain.ioreq_server;
    yield $('check_wakeup');
    // check_wakeup_from_wait(); pt_restore_timer(v): no ioreq state.
    yield $('pt_restore_timer');
    yield $('check_server');
    if (s) {
      yield $('get_ioreq');
      const p = this.getIoreq(s, v.vcpu_id);
      yield $('wait');
      const r = yield* this.hvmWaitOnIo(d, p);
      if (r === DESCHEDULED) return r;
    }
    yield $('inject_trap', { v, vector: v.arch.hvm_vcpu.inject_trap.vector });
    this.injectPendingTrap(v);
    return d.crashed ? CRASHED : RESUMED;
  }

  /** hvm_send_assist_req_to_server: crash on a busy slot; copy the request keeping vp_eport; READY; notify. */
  *hvmSendAssistReqToServer(s: HvmIoreqServer, v: Vcpu, proto_p: ProtoIoreq): Co<number> {
    yield $('init_d');
    const d = v.domain;
    yield $('get_ioreq');
    const p = this.getIoreq(s, v.vcpu_id);
    yield $('check_state', { s, v, p, state: p.state });
    if (p.state !== A.STATE_IOREQ_NONE) {
      yield $('bad_state', { p, state: p.state });
      this.x.printk('XENLOG_ERR', 'hvm_send_assist_req_to_server', d, `Device model set bad IO state ${p.state}.`);
      yield $('crash');
      this.domainCrash(d, 'hvm_send_assist_req_to_server', `Device model set bad IO state ${p.state}`);
      yield $('ret_bad');
      return 0;
    }
    yield $('copy');
    this.copyRequest(p, proto_p);
    yield $('prepare_wait', { p, port: p.vp_eport });
    this.prepareWaitOnXenEventChannel(v, p.vp_eport);
    // wmb(): the model's writes are ordered already (a stop, nothing changes).
    yield $('wmb');
    yield $('ready');
    this.setSlotState(v, p, A.STATE_IOREQ_READY, 'hvm_send_assist_req_to_server');
    yield $('notify', { p, port: p.vp_eport });
    E.notifyViaXenEventChannel(this.x, d, p.vp_eport);
    yield $('ret');
    return 1;
  }

  /** hvm_send_assist_req: 0 (the I/O is dropped) if shutdown deferral fails or there is no server. */
  *hvmSendAssistReq(v: Vcpu, p: ProtoIoreq): Co<number> {
    yield $('init_d');
    const d = v.domain;
    yield $('init_s');
    const s = d.arch.hvm_domain.ioreq_server;
    yield $('deferral');
    if (!this.vcpuStartShutdownDeferral(v)) {
      // The domain is shutting down: the request is binned, never copied into the slot ([X44] hvm.c:1290-1318).
      this.ioBinnedForShutdown(v, p);
      return 0;
    }
    yield $('check_server');
    if (!s) return 0;
    yield $('to_server');
    return yield* this.hvmSendAssistReqToServer(s, v, p);
  }

  // ---- HVMOP_set_param / HVMOP_get_param ([X44] 3925-4160 with [SEED @4413-@4563]) ----

  /** do_hvm_op for HVMOP_set_param and HVMOP_get_param, by caller domain curr_d. */
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
    yield $('is_hvm');
    if (!d.is_hvm) return -EINVAL;
    yield $('xsm');
    rc = this.xsmHvmParam(curr_d, d);
    yield $('xsm_rc');
    if (rc) return rc;
    yield $('is_set');
    if (op === HVMOP_set_param) {
      yield $('set_switch');
      switch (a.index) {
        case P.HVM_PARAM_CALLBACK_IRQ:
          // hvm_set_callback_via: interrupt routing, outside this model.
          yield $('callback_irq');
          break;
        case P.HVM_PARAM_IDENT_PT:
          yield $('ident_pt');
          rc = -EPERM;
          yield $('ident_pt_self');
          if (curr_d === d) break;
          yield $('ident_pt_einval');
          rc = -EINVAL;
          yield $('ident_pt_set');
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
          // Both callees take a domid_t, the value's low 16 bits; params[] keeps a.value as set (the store after the
          // switch, as [X44] hvm.c:4122 and the seed's unchanged context).
          yield $('set_create');
          rc = yield* this.hvmCreateIoreqServer(d, a.value & 0xffff);
          yield $('exists');
          if (rc === -EEXIST) rc = yield* this.hvmSetIoreqServerDomid(d, a.value & 0xffff);
          yield $('dm_domain_break');
          break;
        case P.HVM_PARAM_ACPI_S_STATE:
          // setParamAcpiSState (4.4/hvm.ts) written out statement by statement, a stop at each.
          yield $('acpi_s_state');
          rc = -EPERM;
          yield $('acpi_s_state_self');
          if (curr_d !== d) {
            yield $('acpi_s_state_ok');
            rc = 0;
            yield $('acpi_s_state_suspend', { value: a.value });
            if (a.value === 3) this.hvmS3Suspend(d);
            else {
              yield $('acpi_s_state_resume');
              if (a.value === 0) this.hvmS3Resume(d);
              else {
                yield $('acpi_s_state_einval');
                rc = -EINVAL;
              }
            }
          }
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
      case P.HVM_PARAM_IOREQ_PFN:
      case P.HVM_PARAM_BUFIOREQ_PFN:
      case P.HVM_PARAM_BUFIOREQ_EVTCHN: {
        yield $('create');
        rc = yield* this.hvmCreateIoreqServer(d, curr_d.domain_id);
        yield $('create_rc');
        if (rc !== 0 && rc !== -EEXIST) return rc; // param_fail
        yield $('which');
        if (a.index === P.HVM_PARAM_BUFIOREQ_EVTCHN) {
          const out = { port: 0 };
          yield $('get_port');
          rc = yield* this.hvmGetIoreqServerBufPort(d, out);
          yield $('get_port_rc');
          if (rc < 0) return rc;
          yield $('set_port');
          a.value = out.port;
        } else {
          const out = { pfn: 0 };
          yield $('get_pfn');
          rc = yield* this.hvmGetIoreqServerPfn(d, a.index === P.HVM_PARAM_BUFIOREQ_PFN ? 1 : 0, out);
          yield $('get_pfn_rc');
          if (rc < 0) return rc;
          yield $('set_pfn');
          a.value = out.pfn;
        }
        yield $('create_break');
        break;
      }
      case P.HVM_PARAM_ACPI_S_STATE:
        yield $('get_acpi_s_state');
        a.value = this.getParamAcpiSState(d);
        yield $('get_acpi_s_state_break');
        break;
      default:
        yield $('get_default');
        a.value = d.arch.hvm_domain.params[a.index];
        yield $('get_default_break');
        break;
    }
    yield $('got');
    this.emitParamGet(curr_d, d, a.index, a.value);
    return rc;
  }
}
