// A Driver421 that records every stop of the stepped build (the function, its label, a copy of its locals), for the
// tests that check what each stop of the 4.21 listings shows. The flat build runs as Driver421 runs it.
import { strict as assert } from 'node:assert';
import { Driver421, type Build } from '../../src/model/driver421';
import { Model, type OpResult } from '../../src/model/model';
import type { Co, Frame } from '../../src/model/step';
import type { Vcpu } from '../../src/model/xen';

export type Stop = { fn: string; at: string; locals: Record<string, unknown> };

export class Rec421 extends Driver421 {
  stops: Stop[] = [];
  /** run() with the build's objects untyped: the tests call methods the driver's own typing does not name. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override run<T>(actor: string, v: Vcpu | null, fn: (i: any) => Co<T> | T): OpResult<T> { return super.run(actor, v, fn); }
  protected override atStop(top: Frame): void {
    this.stops.push({ fn: top.fn, at: top.at, locals: { ...top.locals } });
  }
  /** A booted model of the profile with the HVM guest `domid` built (nvcpus) by the toolstack. */
  static make<T extends Rec421>(this: new (m: Model, build: Build) => T, profile: '4.21' | '4.21-arm' = '4.21', build: Build = 'stepped', nvcpus = 2, domid = 1): T {
    const t = new this(new Model(profile).boot(), build);
    assert.equal(t.createGuest(domid, nvcpus), 0);
    return t;
  }
  /** The stops at fn@at, in order. */
  at(fn: string, at: string): Stop[] { return this.stops.filter((s) => s.fn === fn && s.at === at); }
  /** The locals of the nth stop at fn@at. */
  loc(fn: string, at: string, nth = 0): Record<string, unknown> {
    const s = this.at(fn, at)[nth];
    assert.ok(s, `no stop #${nth} at ${fn}@${at}; stops there: ${this.at(fn, at).length}`);
    return s.locals;
  }
  /** The labels fn stopped at, in order (since stop `from`). */
  labels(fn: string, from = 0): string[] { return this.stops.slice(from).filter((s) => s.fn === fn).map((s) => s.at); }
  /** The named locals of every stop of fn@at (since stop `from`), each through `val`. */
  pick(fn: string, at: string, keys: string[], from = 0, val: (x: unknown) => unknown = (x) => x): Array<Record<string, unknown>> {
    return this.stops.slice(from).filter((s) => s.fn === fn && s.at === at).map((s) => Object.fromEntries(keys.map((k) => [k, val(s.locals[k])])));
  }
}
