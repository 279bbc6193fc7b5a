// Running one scenario step on the model: whether it can run in the current state (and why not), and the call into
// the model's own code (the same closure serves the flat build and the stepped build). What each op checks and calls
// is declared once, in the table of operations (ops.ts); this file only drives it.
import { Model } from '../model/model';
import { Direct, unwrapDirect, type Call, type StepResult } from './call';
import { Checker } from './expect';
import { actorBlocked, opSpec } from './ops';
import type { Scenario, Step } from './types';

export type { Call, StepResult } from './call';
export { Direct } from './call';

export class Session {
  m: Model;
  constructor(public sc: Scenario, m?: Model) {
    this.m = m ?? new Model(sc.profile).boot();
    if (!m) {
      this.m.x.reverts = new Set(sc.revert);
      for (const d of sc.deviceModels) {
        const dm = this.m.addDeviceModel(d.name, d.domid, d.target, d.maxCpus ?? 0);
        dm.kind = d.kind;
        dm.resource_unsupported = d.resourceUnsupported;
      }
    }
  }

  private _checker: Checker | null = null;
  /** A checker over the current state, kept until the next step changes it. */
  checker(): Checker {
    return (this._checker ??= new Checker(this.m));
  }

  /** A deep copy; withEvents false leaves the event history behind (the debugger keeps one log of its own). */
  clone(withEvents?: boolean): Session {
    return new Session(this.sc, this.m.clone(withEvents));
  }

  /** Why the step cannot run now, or null when it can. */
  blocked(step: Step): string | null {
    const x = this.m.x;
    if (x.panic) return `the host has panicked (${x.panic.message})`;
    if (step.when) {
      const v = this.checker().check(step.when);
      if (!v.ok) return `it waits until ${v.text}`;
    }
    return this.blockedByState(step);
  }

  private blockedByState(step: Step): string | null {
    const spec = opSpec(step.op);
    if (!spec) throw new Error(`internal: op ${step.op} is not in the table`);
    return actorBlocked(this.m, step, spec) ?? spec.blocked?.(this.m, step) ?? null;
  }

  /** The call a step makes into the model. Call blocked() first. */
  call(step: Step): Call {
    const spec = opSpec(step.op);
    if (!spec) throw new Error(`internal: no call for op ${step.op}`);
    return spec.call(this.m, step);
  }

  /** Starts a step on the stepped build: a generator the caller drives statement by statement. */
  runStepped(step: Step): Generator<unknown, StepResult, void> {
    this._checker = null;
    const c = this.call(step);
    const m = this.m;
    return (function* () {
      const r = yield* m.steppedRun(c.actor, c.vcpu, function* (impl) {
        const g = c.fn(impl);
        if (g instanceof Direct) return g.f();
        return yield* g;
      });
      if (r.panic) return { rc: -1, panic: r.panic };
      return c.post(r.value);
    })();
  }

  /** Runs a step on the flat build. */
  runFlat(step: Step): StepResult {
    this._checker = null;
    const c = this.call(step);
    const r = this.m.flatRun(c.actor, c.vcpu, (impl) => unwrapDirect(c.fn(impl)));
    if (r.panic) return { rc: -1, panic: r.panic };
    return c.post(r.value);
  }
}
