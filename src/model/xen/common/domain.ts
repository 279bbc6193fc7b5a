// Parts of xen/common/domain.c every profile shares: domain_pause / domain_unpause with their counts,
// domain_crash, and the vcpu shutdown deferral the ioreq path takes around a request ([X44] = RELEASE-4.4.0; the
// same logic stands in RELEASE-4.21.0's xen/common/domain.c). Not stepped: each is one statement of its callers.
import * as X from '../../xen';
import type { Domain, Vcpu, Xen } from '../../xen';
import { SHUTDOWN_NAMES } from '../../xen';

/** SHUTDOWN_crash (public/sched.h:159@RELEASE-4.4.0). */
export const SHUTDOWN_crash = 3;

export class DomainCode {
  constructor(public x: Xen) {}

  /** domain_pause (xen/common/domain.c): counts; vcpus do not run while the count is non-zero. */
  domainPause(d: Domain, fn: string): void {
    // ASSERT(d != current->domain): a vcpu may not pause its own domain (it would wait for itself forever).
    if (this.x.current && this.x.current.domain === d) throw new X.XenPanic(fn, `ASSERT(d != current->domain) failed: d${d.domain_id}v${this.x.current.vcpu_id} pauses its own domain in ${fn}`);
    d.pause_count++;
    if (this.x.on) this.x.emit({ kind: 'domain_pause', fn, domid: d.domain_id, after: d.pause_count, text: `d${d.domain_id} paused (count ${d.pause_count})` });
  }

  /** domain_unpause: a count below zero is a Xen BUG_ON. */
  domainUnpause(d: Domain, fn: string): void {
    if (d.pause_count === 0) throw new X.XenPanic(fn, `BUG_ON: domain_unpause(d${d.domain_id}) with pause_count 0`);
    d.pause_count--;
    if (this.x.on) this.x.emit({ kind: 'domain_unpause', fn, domid: d.domain_id, after: d.pause_count, text: `d${d.domain_id} unpaused (count ${d.pause_count})` });
  }

  /** domain_crash (xen/common/domain.c): logs and shuts the domain down with SHUTDOWN_crash. */
  domainCrash(d: Domain, fn: string, reason: string): void {
    // __domain_crash says nothing for a domain already shutting down; domain_shutdown ends every vcpu's deferral.
    if (d.is_shutting_down) return;
    if (!d.crashed) d.crashed = { reason, fn, actor: this.x.actor };
    d.is_shutting_down = true;
    // domain_shutdown(d, SHUTDOWN_crash) ([X44] domain.c:592-628): the code is kept and every vcpu pauses.
    if (d.shutdown_code === -1) d.shutdown_code = SHUTDOWN_crash;
    for (const w of d.vcpu) { w.defer_shutdown = false; w.paused_for_shutdown = true; }
    if (d.vcpu.length) d.is_shut_down = true;
    const cur = this.x.current;
    this.x.printk('XENLOG_INFO', 'domain_crash', d, cur && cur.domain === d
      ? `Domain ${d.domain_id} (vcpu#${cur.vcpu_id}) crashed on cpu#0:`
      : `Domain ${d.domain_id} reported crashed by domain ${cur ? cur.domain.domain_id : 0} on cpu#0:`);
    if (this.x.on) this.x.emit({ kind: 'domain_crash', fn, domid: d.domain_id, detail: { reason }, text: `d${d.domain_id} crashed: ${reason}` });
  }

  /**
   * domain_shutdown ([X44] xen/common/domain.c:592-628): the first reason sticks; a domain already shutting down is
   * left alone; otherwise every vcpu not deferring the shutdown (all of them for SHUTDOWN_crash) pauses for it, and
   * the shutdown is final once every vcpu has paused.
   */
  domainShutdown(d: Domain, reason: number, fn = 'domain_shutdown'): void {
    if (d.shutdown_code === -1) d.shutdown_code = reason;
    reason = d.shutdown_code;
    if (d.is_shutting_down) return;
    d.is_shutting_down = true;
    if (this.x.on) this.x.emit({ kind: 'domain_shutdown', fn, domid: d.domain_id, after: SHUTDOWN_NAMES[reason] ?? reason,
      text: `d${d.domain_id} shutting down (${SHUTDOWN_NAMES[reason] ?? reason})` });
    for (const v of d.vcpu) {
      if (reason === SHUTDOWN_crash) v.defer_shutdown = false;
      else if (v.defer_shutdown) {
        if (this.x.on) this.x.emit({ kind: 'vcpu_shutdown', fn, domid: d.domain_id, vcpu: v.vcpu_id,
          text: `d${d.domain_id}v${v.vcpu_id} defers the shutdown (an I/O is in flight)` });
        continue;
      }
      this.pauseForShutdown(v, fn);
    }
    this.domainFinaliseShutdown(d, fn);
  }

  /** vcpu_pause_nosync + paused_for_shutdown, with its event. */
  pauseForShutdown(v: Vcpu, fn: string): void {
    if (v.paused_for_shutdown) return;
    v.paused_for_shutdown = true;
    if (this.x.on) this.x.emit({ kind: 'vcpu_shutdown', fn, domid: v.domain.domain_id, vcpu: v.vcpu_id,
      text: `d${v.domain.domain_id}v${v.vcpu_id} paused for the shutdown` });
  }

  /** __domain_finalise_shutdown ([X44] domain.c:73-91): is_shut_down once every vcpu has paused for it. */
  domainFinaliseShutdown(d: Domain, fn: string): void {
    if (d.is_shut_down) return;
    for (const v of d.vcpu) if (!v.paused_for_shutdown) return;
    d.is_shut_down = true;
    if (this.x.on) this.x.emit({ kind: 'domain_shutdown', fn, domid: d.domain_id, after: 'is_shut_down',
      text: `d${d.domain_id} is shut down (${SHUTDOWN_NAMES[d.shutdown_code] ?? d.shutdown_code}): VIRQ_DOM_EXC to the toolstack` });
  }

  /** vcpu_check_shutdown ([X44] domain.c:93-109): a vcpu of a domain shutting down pauses and stops deferring. */
  vcpuCheckShutdown(v: Vcpu, fn: string): void {
    if (!v.domain.is_shutting_down) return;
    this.pauseForShutdown(v, fn);
    v.defer_shutdown = false;
    this.domainFinaliseShutdown(v.domain, fn);
  }

  /** vcpu_start_shutdown_deferral ([X44] domain.c:657-668): fails once the domain is shutting down. */
  vcpuStartShutdownDeferral(v: Vcpu): boolean {
    if (v.defer_shutdown) return true;
    v.defer_shutdown = true;
    // vcpu_check_shutdown: a domain already shutting down takes the deferral back and pauses the vcpu.
    if (v.domain.is_shutting_down) this.vcpuCheckShutdown(v, 'vcpu_start_shutdown_deferral');
    return v.defer_shutdown;
  }

  /** vcpu_end_shutdown_deferral ([X44] domain.c:670-676): a shutdown under way now pauses the vcpu. */
  vcpuEndShutdownDeferral(v: Vcpu): void {
    v.defer_shutdown = false;
    if (v.domain.is_shutting_down) this.vcpuCheckShutdown(v, 'vcpu_end_shutdown_deferral');
  }

  /**
   * domain_resume ([X421] xen/common/domain.c:1354-1379), what XEN_DOMCTL_resumedomain does (domctl.c:403-408): the
   * shutdown is forgotten (code and flags cleared) and every vcpu paused for it runs again, under a pause of its own.
   * After a checkpoint the domain goes on as if nothing happened.
   */
  domainResume(d: Domain, fn = 'domain_resume'): void {
    this.domainPause(d, fn);
    d.is_shutting_down = false;
    d.is_shut_down = false;
    d.shutdown_code = -1;
    for (const v of d.vcpu) v.paused_for_shutdown = false;
    if (this.x.on) this.x.emit({ kind: 'domain_shutdown', fn, domid: d.domain_id, after: 'resumed', text: `d${d.domain_id} resumed: its shutdown undone, its vcpus run again` });
    this.domainUnpause(d, fn);
  }

  /** do_sched_op SCHEDOP_shutdown ([X44] xen/common/schedule.c:925-940): the calling vcpu's own domain shuts down. */
  schedopShutdown(v: Vcpu, reason: number): number {
    this.domainShutdown(v.domain, reason & 0xff, 'SCHEDOP_shutdown');
    return 0;
  }

  /**
   * do_sched_op SCHEDOP_remote_shutdown ([X44] schedule.c:976-1000), what xc_domain_shutdown issues
   * (tools/libxc/xc_domain.c:95-123@RELEASE-4.4.0): -ESRCH for no such domain; XSM_DM_PRIV lets dom0 or the
   * domain's own device-model domain (its target) do it, anyone else gets -EPERM.
   */
  schedopRemoteShutdown(caller: Domain, domid: number, reason: number): number {
    const d = this.x.domains.get(domid);
    if (!d || d.is_dying === 2) return -3; // -ESRCH
    if (!(caller.domain_id === 0 || caller.target === d.domain_id)) return -1; // -EPERM
    this.domainShutdown(d, reason & 0xff, 'SCHEDOP_remote_shutdown');
    return 0;
  }
}
