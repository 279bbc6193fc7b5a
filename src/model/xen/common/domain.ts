// Parts of xen/common/domain.c every profile shares: domain_pause / domain_unpause with their counts,
// domain_crash, and the vcpu shutdown deferral the ioreq path takes around a request ([X44] = RELEASE-4.4.0; the
// same logic stands in RELEASE-4.21.0's xen/common/domain.c). Not stepped: each is one statement of its callers.
import * as X from '../../xen';
import type { Domain, Vcpu, Xen } from '../../xen';

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
    for (const w of d.vcpu) w.defer_shutdown = false;
    const cur = this.x.current;
    this.x.printk('XENLOG_INFO', 'domain_crash', d, cur && cur.domain === d
      ? `Domain ${d.domain_id} (vcpu#${cur.vcpu_id}) crashed on cpu#0:`
      : `Domain ${d.domain_id} reported crashed by domain ${cur ? cur.domain.domain_id : 0} on cpu#0:`);
    if (this.x.on) this.x.emit({ kind: 'domain_crash', fn, domid: d.domain_id, detail: { reason }, text: `d${d.domain_id} crashed: ${reason}` });
  }

  /** vcpu_start_shutdown_deferral (xen/common/domain.c): fails once the domain is shutting down. */
  vcpuStartShutdownDeferral(v: Vcpu): boolean {
    if (v.defer_shutdown) return true;
    v.defer_shutdown = true;
    // vcpu_check_shutdown: a domain already shutting down takes the deferral back (and pauses the vcpu).
    if (v.domain.is_shutting_down) v.defer_shutdown = false;
    return v.defer_shutdown;
  }

  /** vcpu_end_shutdown_deferral */
  vcpuEndShutdownDeferral(v: Vcpu): void {
    v.defer_shutdown = false;
  }
}
