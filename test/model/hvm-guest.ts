// The fixture the x86 I/O-path tests of the 2014-era profiles share (x44-guest.ts, x45-guest.ts): a booted HVM guest
// d1 built and unpaused by the toolstack, dom0 beside it, and one call driven flat (Xen must not panic) or statement
// by statement, each stop recorded as the debugger shows it (the top frame's function, label and locals).
import { strict as assert } from 'node:assert';
import { Model, type FlatImpl, type SteppedImpl } from '../../src/model/model';
import type { ProfileName } from '../../src/model/layout';
import type { Co } from '../../src/model/step';
import type { Domain, Vcpu } from '../../src/model/xen';
import { show } from '../../src/debug/values';

export interface Stop { fn: string; at: string; locals: Record<string, string> }

/** One call on m's stepped build as `actor`, every stop recorded as the debugger shows it; `at` runs at each stop;
 *  Xen must not panic. */
export function recordStops<T>(m: Model, actor: string, v: Vcpu | null, fn: (s: SteppedImpl) => Co<T>, at?: (s: Stop) => void): { value: T; stops: Stop[] } {
  const stops: Stop[] = [];
  const g = m.steppedRun(actor, v, fn);
  for (;;) {
    const r = g.next();
    if (r.done) { assert.equal(r.value.panic, undefined, `Xen panicked: ${r.value.panic}`); return { value: r.value.value as T, stops }; }
    const top = r.value[r.value.length - 1];
    const stop = { fn: top.fn, at: top.at, locals: Object.fromEntries(Object.entries(top.locals).map(([k, x]) => [k, show(k, x).value])) };
    stops.push(stop);
    at?.(stop);
  }
}

export class HvmGuest {
  m: Model;
  constructor(profile: ProfileName, nvcpus = 1) {
    this.m = new Model(profile).boot();
    this.flat('toolstack', null, (f) => f.libxc.xcDomainCreate(1, nvcpus, true));
    this.flat('toolstack', null, (f) => f.libxc.setupGuest(this.d, 0x8000, 0, 0));
    this.flat('toolstack', null, (f) => f.libxc.domainUnpauseByController(this.d));
  }
  get d(): Domain { return this.m.x.domains.get(1)!; }
  get d0(): Domain { return this.m.x.domains.get(0)!; }
  v(i = 0): Vcpu { return this.d.vcpu[i]; }
  get vio() { return this.v().arch.hvm_vcpu.hvm_io; }

  /** One call on the flat build; Xen must not panic. */
  flat<T>(actor: string, v: Vcpu | null, fn: (f: FlatImpl) => T): T {
    const r = this.m.flatRun(actor, v, fn);
    assert.equal(r.panic, undefined, `Xen panicked: ${r.panic}`);
    return r.value as T;
  }
  /** One call on the stepped build, every stop recorded; `at` runs at each stop (what another CPU does meanwhile). */
  protected steppedRun<T>(actor: string, v: Vcpu | null, fn: (s: SteppedImpl) => Co<T>, at?: (s: Stop) => void): { value: T; stops: Stop[] } {
    return recordStops(this.m, actor, v, fn, at);
  }
  events(kind: string, from = 0) { return this.m.x.events.slice(from).filter((e) => e.kind === kind); }
}
