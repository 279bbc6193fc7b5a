// The explorer's partial-order reduction (src/scenario/footprint.ts) and its oracle: on every bundled scenario (the
// bug zoo in both forms) the reduced search and the full one give the same verdicts and the same set of final
// states, with every step's changes checked against its op's declared footprint in both searches.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { componentHashes, changedComponents } from '../../src/model/components';
import { explore } from '../../src/scenario/explore';
import { Session } from '../../src/scenario/exec';
import { OPS } from '../../src/scenario/ops';
import { parseScenario, type Scenario } from '../../src/scenario/parse';
import { twoGuests } from './two-guests';

const DIR = path.join(__dirname, '../../../scenarios');
const files = fs.readdirSync(DIR).filter((f) => f.endsWith('.ioreq.json')).sort();

function forms(name: string): Scenario[] {
  const file = path.join(DIR, name);
  const text = fs.readFileSync(file, 'utf8');
  const sc = parseScenario(text, file);
  return sc.revert.length ? [sc, parseScenario(text, file, { fixed: true })] : [sc];
}

const kinds = (r: ReturnType<typeof explore>) => r.violations.map((v) => v.kind).sort();

describe('explore: partial-order reduction', function () {
  this.timeout(240000);

  describe('the oracle: reduced and full searches agree on every bundled scenario', () => {
    for (const name of files) {
      for (const asWritten of forms(name)) {
        it(`${name}${asWritten.revert.length ? '' : forms(name).length > 1 ? ' (fixed form)' : ''}`, () => {
          // Expectations about the event history switch the reduction off; without them it runs on every file.
          const sc = { ...asWritten, expect: asWritten.expect.filter((e) => !('event' in e || 'events' in e)) };
          const opts = { maxStates: 400000, hashing: true, checkFootprints: true, collectFinals: true };
          const full = explore(sc, { ...opts, reduce: false });
          const red = explore(sc, opts);
          assert.ok(full.complete && red.complete, 'both searches finish');
          assert.equal(red.reduction.on, true);
          assert.deepEqual(kinds(red), kinds(full), 'the same verdicts');
          const missing = [...full.finals!].filter((k) => !red.finals!.has(k));
          const extra = [...red.finals!].filter((k) => !full.finals!.has(k));
          assert.deepEqual([missing.length, extra.length], [0, 0], `final states: ${missing.length} only in the full search, ${extra.length} only in the reduced one`);
          assert.ok(red.statesExplored <= full.statesExplored);
        });
      }
    }
  });

  it('saves states where actors are independent, more as their stories grow, with the same verdicts and final states', () => {
    const ratios: number[] = [];
    for (const rounds of [1, 3]) {
      const sc = twoGuests(rounds);
      const full = explore(sc, { maxStates: 100000, hashing: true, reduce: false, collectFinals: true });
      const red = explore(sc, { maxStates: 100000, hashing: true, collectFinals: true, checkFootprints: true });
      assert.equal(red.reduction.on, true);
      assert.equal(red.reduction.pessimistic, false);
      assert.deepEqual([...red.finals!].sort(), [...full.finals!].sort());
      assert.deepEqual(kinds(red), kinds(full));
      ratios.push(full.statesExplored / red.statesExplored);
    }
    assert.ok(ratios[0] > 1, `one round: ${ratios[0]}`);
    assert.ok(ratios[1] > ratios[0] * 1.5, `the saving grows with the stories: ${ratios.join(' -> ')}`);
  });

  it('falls back to a pessimistic reduction when a step crashes its domain (the optimistic premise broken)', () => {
    const [sc] = forms(files.find((f) => f.startsWith('12-'))!);
    const r = explore(sc, { maxStates: 10000, hashing: true, collectFinals: true });
    assert.equal(r.reduction.on, true);
    assert.equal(r.reduction.pessimistic, true);
    assert.match(r.reduction.why!, /step \d+ \(d1v0 hvm_do_resume\) crashed, shut down or ended/);
    const full = explore(sc, { maxStates: 10000, hashing: true, reduce: false, collectFinals: true });
    assert.deepEqual([...r.finals!].sort(), [...full.finals!].sort());
  });

  it('is off, and says why, when the expectations read the event history', () => {
    const [sc] = forms(files.find((f) => f.startsWith('08-'))!);
    assert.ok(sc.expect.some((e) => 'event' in e || 'events' in e), 'scenario 08 expects events');
    const r = explore(sc, { maxStates: 10000, hashing: true });
    assert.equal(r.reduction.on, false);
    assert.match(r.reduction.why!, /event history/);
    assert.equal(explore(sc, { maxStates: 10000, hashing: true, reduce: false }).reduction.why, '--no-reduce');
  });

  it('--check-footprints catches an op that writes what it does not declare', () => {
    const spec = OPS.pio_write as { footprint?: unknown };
    const saved = spec.footprint;
    spec.footprint = (step: { domid: number }) => ({ reads: [`d${step.domid}`], writes: [] });
    try {
      assert.throws(() => explore(twoGuests(1), { maxStates: 10000, hashing: true, checkFootprints: true }),
        /step \d+ \(d1v0 pio_write, two-guests\.ioreq\.json:1:\d+\) changed d1\.v0, which the op's footprint/);
    } finally {
      spec.footprint = saved;
    }
  });

  it('components: a clone hashes like its original, and a port write changes only the vcpu that made it', () => {
    const sc = twoGuests(1);
    const s = new Session(sc);
    const first = sc.steps.findIndex((st) => st.op === 'pio_write');
    for (let i = 0; i < first; i++) if (!s.blocked(sc.steps[i])) s.runFlat(sc.steps[i]);
    const before = componentHashes(s.m);
    assert.deepEqual(changedComponents(before, componentHashes(s.clone().m)), []);
    s.runFlat(sc.steps[first]);
    assert.deepEqual(changedComponents(before, componentHashes(s.m)), ['d1.v0']);
  });
});

describe('explore --workers: the search on worker threads', function () {
  this.timeout(240000);
  // Loaded lazily: the worker script is the built one (out/src/scenario/explore-worker.js).
  const par = () => require('../../src/scenario/explore-parallel') as typeof import('../../src/scenario/explore-parallel');

  it('gives the search of one thread: the same states, verdicts, counterexample lengths and final states', async () => {
    const cases = [twoGuests(3), ...['12-', '29-', '21-', '69-'].map((n) => forms(files.find((f) => f.startsWith(n))!)[0])];
    for (const sc of cases) {
      const opts = { maxStates: 200000, hashing: true, collectFinals: true };
      const one = explore(sc, opts);
      // Shared out at 2 frontier states per worker, so even these small searches run on the workers.
      const two = await par().exploreParallel(sc, opts, 2, 2);
      assert.equal(two.statesExplored, one.statesExplored, sc.file);
      assert.deepEqual(kinds(two), kinds(one), sc.file);
      assert.deepEqual(two.violations.map((v) => v.trail.length).sort(), one.violations.map((v) => v.trail.length).sort(), sc.file);
      assert.deepEqual([...two.finals!].sort(), [...one.finals!].sort(), sc.file);
      assert.deepEqual(two.reduction, one.reduction, sc.file);
    }
  });

  it('the shared table stores each key once, from any thread', () => {
    const t = par().SharedVisited.create(100);
    assert.equal(t.add(42), true);
    assert.equal(t.add(42), false);
    assert.equal(t.add(2 ** 52 + 42), true);
    assert.equal(new (par().SharedVisited)(t.table.buffer as SharedArrayBuffer).add(42), false, 'a view of the same memory sees it');
  });
});
