// The seed profile's test fixture: a flat run that must not panic, and a booted guest to run hypervisor calls on.
import assert from 'node:assert/strict';
import { Model, type FlatImpl } from '../../src/model/model';
import type { HvmSeed } from '../../src/model/xen/seed/hvm.flat';

export const hvm = (f: FlatImpl) => f.hvm as HvmSeed;

/** One call on the flat build as `actor`; Xen must not panic. */
export function run<T>(m: Model, actor: string, fn: (f: FlatImpl) => T): T {
  const r = m.flatRun(actor, null, fn);
  assert.equal(r.panic, undefined, `Xen panicked: ${r.panic}`);
  return r.value as T;
}

/** dom0, an HVM guest d1 with nrVcpus built by setup_guest and unpaused (the seed creates its ioreq server on demand),
 *  and a PV domain d2 to act as a stub domain. */
export function seedGuest(nrVcpus = 2) {
  const m = new Model('seed').boot();
  assert.equal(run(m, 'toolstack', (f) => f.libxc.xcDomainCreate(1, nrVcpus, true)), 0);
  assert.equal(run(m, 'toolstack', (f) => f.libxc.xcDomainCreate(2, 1, false)), 0);
  const d1 = m.x.domains.get(1)!;
  assert.equal(run(m, 'toolstack', (f) => f.libxc.setupGuest(d1, 0x8000, 0, 0)), 0);
  assert.equal(run(m, 'toolstack', (f) => f.libxc.domainUnpauseByController(d1)), 0);
  return { m, d1, d0: m.x.domains.get(0)!, d2: m.x.domains.get(2)! };
}
