// The session's threads as the user reads them, without DAP: one per actor of the scenario (the toolstack, each
// vcpu, each device model), named with what it is doing when it is not the one running.
import type { IoreqRuntime } from './runtime';

/** What an actor is doing when it is not running: blocked in Xen, in the guest, waiting for its next step, done. */
export function idleLabel(rt: IoreqRuntime, actor: string): string {
  if (!rt.ended && rt.currentStep?.actor === actor) return '';
  const m = /^d(\d+)v(\d+)$/.exec(actor);
  if (m) {
    const v = rt.session.m.x.domains.get(Number(m[1]))?.vcpu[Number(m[2])];
    if (!v) return '(not created yet)';
    if (v.pause_flags.blocked_in_xen) return '(blocked in Xen: wait_on_xen_event_channel)';
    return '(running in the guest)';
  }
  let next: (typeof rt.sc.steps)[number] | undefined;
  for (let i = rt.pos.step; i < rt.sc.steps.length && !next; i++) if (rt.sc.steps[i].actor === actor) next = rt.sc.steps[i];
  return next ? `(waiting: next is step ${next.index} ${next.op})` : '(done)';
}

/** A thread's name: "toolstack", "vcpu d1v0", "device model qemu", with its idle label once launched. */
export function threadName(rt: IoreqRuntime | null, actor: string): string {
  return `${actor === 'toolstack' ? 'toolstack' : /^d\d+v\d+$/.test(actor) ? `vcpu ${actor}` : `device model ${actor}`}${rt ? ' ' + idleLabel(rt, actor) : ''}`.trimEnd();
}
