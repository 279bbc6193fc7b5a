// Model.clone shares what a step rarely changes (page bytes per chunk, port-table entries, other profiles' blocks)
// until either copy writes it. These tests step clones and originals of every library scenario apart and check each
// against a replay of its own steps with sharing off (the deep clone); they check that the fingerprint's hash (with
// its cached page digests) and its exact text agree on which states are equal; and that the explorer visits the
// same states with sharing on and off.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fingerprint, fingerprintHash, pageDigests } from '../../src/model/fingerprint';
import { setCloneSharing } from '../../src/model/model';
import { PageView, GuestPage } from '../../src/model/xen';
import { Session } from '../../src/scenario/exec';
import { explore } from '../../src/scenario/explore';
import { parseScenario, type Scenario } from '../../src/scenario/parse';

const DIR = path.join(__dirname, '../../../scenarios');
const files = fs.existsSync(DIR) ? fs.readdirSync(DIR).filter((f) => f.endsWith('.ioreq.json')).sort() : [];
const load = (f: string): Scenario => parseScenario(fs.readFileSync(path.join(DIR, f), 'utf8'), path.join(DIR, f));

/** A small deterministic generator (the walks must not depend on a draw). */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
}

/** The actors' step lists, as the explorer runs them (each actor in file order). */
function actorsOf(sc: Scenario): number[][] {
  const names: string[] = [];
  for (const st of sc.steps) if (!names.includes(st.actor)) names.push(st.actor);
  return names.map((a) => sc.steps.filter((st) => st.actor === a).map((st) => st.index));
}

/** The next step of each actor that can run now. */
function runnable(s: Session, sc: Scenario, byActor: number[][], pcs: number[]): number[] {
  const out: number[] = [];
  byActor.forEach((steps, a) => { if (pcs[a] < steps.length && !s.blocked(sc.steps[steps[pcs[a]]])) out.push(a); });
  return out;
}

/** The state the trail reaches, replayed from the start with the deep clone's code path (no sharing). */
function replay(sc: Scenario, trail: number[]): string {
  setCloneSharing(false);
  try {
    const s = new Session(sc);
    s.m.x.on = false;
    for (const i of trail) s.runFlat(sc.steps[i]);
    return fingerprint(s.m);
  } finally {
    setCloneSharing(true);
  }
}

describe('Model.clone: shared structures diverge on write', () => {
  it('a clone and its original, each stepped on, match a replay of their own steps (every library scenario)', function () {
    this.timeout(300000);
    assert.ok(files.length > 10, `the library is at ${DIR}`);
    let checked = 0;
    for (const f of files) {
      const sc = load(f);
      const byActor = actorsOf(sc);
      const next = rng(files.indexOf(f) + 1);
      let s = new Session(sc);
      s.m.x.on = false;
      let pcs = byActor.map(() => 0);
      let trail: number[] = [];
      for (;;) {
        const r = runnable(s, sc, byActor, pcs);
        if (!r.length || s.m.x.panic) break;
        const before = fingerprint(s.m);
        // The clone takes one actor's step; the original then takes another's (or the same one when only one runs).
        const c = s.clone(false);
        const a = r[Math.floor(next() * r.length)];
        const b = r.length > 1 ? r[(r.indexOf(a) + 1) % r.length] : a;
        c.runFlat(sc.steps[byActor[a][pcs[a]]]);
        assert.equal(fingerprint(s.m), before, `${f}: stepping the clone (step ${byActor[a][pcs[a]]}) changed the original`);
        const cTrail = [...trail, byActor[a][pcs[a]]];
        const cText = fingerprint(c.m);
        s.runFlat(sc.steps[byActor[b][pcs[b]]]);
        const sTrail = [...trail, byActor[b][pcs[b]]];
        assert.equal(fingerprint(c.m), cText, `${f}: stepping the original (step ${byActor[b][pcs[b]]}) changed the clone`);
        assert.equal(cText, replay(sc, cTrail), `${f}: the clone after ${cTrail.join(',')} differs from a replay`);
        assert.equal(fingerprint(s.m), replay(sc, sTrail), `${f}: the original after ${sTrail.join(',')} differs from a replay`);
        checked++;
        // Walk on from one of the two at random, so later clones are clones of clones.
        if (next() < 0.5) { s = c; pcs = pcs.slice(); pcs[a]++; trail = cTrail; } else { pcs = pcs.slice(); pcs[b]++; trail = sTrail; }
      }
    }
    assert.ok(checked > 100, `only ${checked} clone/step pairs checked`);
  });

  it('a page written through one mapping is copied for that model only, chunk by chunk', () => {
    const p = new GuestPage('ram');
    const dv = p.data();
    dv.setUint32(0, 0x11223344, true);
    dv.setUint32(300, 0x55667788, true);
    const q = p.clone();
    const qv = q.data();
    assert.equal(qv.getUint32(0, true), 0x11223344);
    qv.setUint32(0, 0xdeadbeef, true);
    assert.equal(dv.getUint32(0, true), 0x11223344, 'the original keeps its bytes');
    assert.equal(qv.getUint32(0, true), 0xdeadbeef);
    assert.equal(qv.getUint32(300, true), 0x55667788, 'the chunk not written is still read from the shared store');
    dv.setUint32(300, 1, true);
    assert.equal(qv.getUint32(300, true), 0x55667788, 'a write by the original does not reach the clone');
    // An access across a chunk boundary (254..257) reads and writes byte by byte, little-endian as a DataView.
    qv.setUint32(254, 0xa1b2c3d4, true);
    assert.equal(qv.getUint32(254, true), 0xa1b2c3d4);
    assert.equal(qv.getUint8(254), 0xd4);
    assert.equal(qv.getUint8(257), 0xa1);
    assert.equal(dv.getUint32(254, true), 0);
    assert.equal(q.bytes![255], 0xc3);
    assert.throws(() => qv.setUint32(4094, 0, true), RangeError);
    assert.ok(qv instanceof PageView);
  });
});

describe('fingerprint: the hash and the exact key agree on equality', () => {
  it('over states of every library scenario (with and without cached page digests)', function () {
    this.timeout(300000);
    const byText = new Map<string, number>();
    const byHash = new Map<number, string>();
    const plain = new Map<string, number>();
    for (const f of files) {
      const sc = load(f);
      const byActor = actorsOf(sc);
      // Breadth-first over the first few layers: many states share pages, so digests are reused.
      let layer: Array<{ s: Session; pcs: number[] }> = [{ s: new Session(sc), pcs: byActor.map(() => 0) }];
      layer[0].s.m.x.on = false;
      for (let depth = 0; depth < 40 && layer.length; depth++) {
        const nextLayer: typeof layer = [];
        for (const { s, pcs } of layer.slice(0, 24)) {
          if (s.m.x.panic) continue;
          for (const a of runnable(s, sc, byActor, pcs)) {
            const c = s.clone(false);
            c.runFlat(sc.steps[byActor[a][pcs[a]]]);
            const p2 = pcs.slice(); p2[a]++;
            nextLayer.push({ s: c, pcs: p2 });
            const text = fingerprint(c.m);
            const h = fingerprintHash(c.m);
            pageDigests.on = false;
            const h0 = fingerprintHash(c.m);
            pageDigests.on = true;
            const seenHash = byText.get(text);
            if (seenHash !== undefined) assert.equal(h, seenHash, `${f}: one exact key, two hashes`);
            const seenText = byHash.get(h);
            if (seenText !== undefined) assert.equal(text, seenText, `${f}: two exact keys, one hash`);
            const seenPlain = plain.get(text);
            if (seenPlain !== undefined) assert.equal(h0, seenPlain, `${f}: one exact key, two hashes without digests`);
            byText.set(text, h); byHash.set(h, text); plain.set(text, h0);
          }
        }
        layer = nextLayer;
      }
    }
    assert.ok(byText.size > 500, `only ${byText.size} distinct states seen`);
  });
});

describe('explore: sharing changes no state', () => {
  for (const nn of ['21', '90', '60', '61']) {
    it(`scenario ${nn}: the same states, duplicates and violations with the deep clone`, function () {
      this.timeout(120000);
      const f = files.find((x) => x.startsWith(`${nn}-`));
      assert.ok(f, `no scenario ${nn}`);
      const sc = load(f);
      const fast = explore(sc, { maxStates: 200000, hashing: true });
      setCloneSharing(false);
      pageDigests.on = false;
      let deep;
      try { deep = explore(sc, { maxStates: 200000, hashing: true }); } finally { setCloneSharing(true); pageDigests.on = true; }
      assert.ok(fast.statesExplored > 1);
      assert.deepEqual([fast.statesExplored, fast.duplicates, fast.finalStates, fast.maxDepth], [deep.statesExplored, deep.duplicates, deep.finalStates, deep.maxDepth]);
      assert.deepEqual(fast.violations.map((v) => [v.kind, v.trail]), deep.violations.map((v) => [v.kind, v.trail]));
    });
  }
});
