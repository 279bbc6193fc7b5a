// When the Model view redraws (src/extension/refresh.ts RefreshManager, and ChangeTracker limited to some roots), with
// a fake clock: the first request is flushed at once, a burst goes together at the end of the window, a hidden view
// is not refreshed but remembers what is dirty, only the dirty roots are refreshed, dispose cancels the timer.
import { strict as assert } from 'node:assert';
import * as fs from 'fs';
import * as path from 'path';
import { IoreqRuntime } from '../../src/debug/runtime';
import { parseScenario } from '../../src/scenario/parse';
import { realSchedule, RefreshManager, refreshManagers, TREE_REFRESH_MS, type DirtyRoots, type Schedule } from '../../src/extension/refresh';
import { ChangeTracker, ModelTree, rootIdOf, type TreeNode } from '../../src/extension/treeModel';
import { show } from './fixtures';

/** A clock that moves only when told; timers run in due order, those they set included. */
class FakeClock {
  now = 0;
  private timers: Array<{ at: number; seq: number; fn: () => void; live: boolean }> = [];
  private seq = 0;
  readonly schedule: Schedule = (fn, ms) => {
    const t = { at: this.now + Math.max(0, ms), seq: this.seq++, fn, live: true };
    this.timers.push(t);
    return () => { t.live = false; };
  };
  get live(): number { return this.timers.filter((t) => t.live).length; }
  tick(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = this.timers.filter((t) => t.live && t.at <= end).sort((a, b) => a.at - b.at || a.seq - b.seq)[0];
      if (!due) break;
      this.now = due.at;
      due.live = false;
      due.fn();
    }
    this.now = end;
    this.timers = this.timers.filter((t) => t.live);
  }
}

/** A view that records what it was asked to refresh, and when. */
function view(clock: FakeClock) {
  const v = { shown: true, flushes: [] as Array<{ at: number; roots: DirtyRoots }>, fail: false };
  const target = {
    visible: () => v.shown,
    refresh: (roots: DirtyRoots) => {
      v.flushes.push({ at: clock.now, roots: roots === 'all' ? 'all' : new Set(roots) });
      if (v.fail) { v.fail = false; throw new Error('refresh failed'); }
    },
  };
  return { v, target };
}
const ids = (r: DirtyRoots) => (r === 'all' ? 'all' : [...r].sort());

describe('Model view: the refresh manager (fake clock)', () => {
  const D = TREE_REFRESH_MS;

  it('keeps the debugger\'s stop-to-view latency small: the window is at most 30 ms', () => {
    assert.ok(D > 0 && D <= 30, `${D} ms`);
  });

  it('a first request is flushed at once (leading edge), with whatever the same handler asked', () => {
    const clock = new FakeClock();
    const { v, target } = view(clock);
    const m = new RefreshManager(target, D, clock.schedule);
    m.refresh('a');
    m.refresh('b');
    m.refresh('a');
    assert.equal(v.flushes.length, 0, 'not inside the caller');
    clock.tick(0);
    assert.deepEqual(v.flushes.map((f) => [f.at, ids(f.roots)]), [[0, ['a', 'b']]]);
    // Nothing more asked: nothing more refreshed, and the window closes.
    clock.tick(10 * D);
    assert.equal(v.flushes.length, 1);
    assert.equal(clock.live, 0);
    // After a quiet window, the next request is a leading one again.
    m.refresh('c');
    clock.tick(0);
    assert.deepEqual(v.flushes.map((f) => [f.at, ids(f.roots)]), [[0, ['a', 'b']], [10 * D, ['c']]]);
  });

  it('a burst during the window goes together at its end: one refresh per root', () => {
    const clock = new FakeClock();
    const { v, target } = view(clock);
    const m = new RefreshManager(target, D, clock.schedule);
    m.refresh('dbg-1');
    clock.tick(0);
    for (let i = 0; i < 8; i++) { clock.tick(2); m.refresh(i % 2 ? 'dbg-1' : 'dbg-2'); }
    assert.equal(v.flushes.length, 1, 'the burst waits for the window');
    clock.tick(D);
    assert.deepEqual(v.flushes.map((f) => [f.at, ids(f.roots)]), [[0, ['dbg-1']], [D, ['dbg-1', 'dbg-2']]]);
    clock.tick(10 * D);
    assert.equal(v.flushes.length, 2);
  });

  it('a long burst is refreshed once per window, each request at most one window late', () => {
    const clock = new FakeClock();
    const { v, target } = view(clock);
    const m = new RefreshManager(target, D, clock.schedule);
    const asked: number[] = [];
    for (let t = 0; t <= 10 * D; t += 3) { asked.push(clock.now); m.refresh('a'); clock.tick(3); }
    clock.tick(10 * D);
    const at = v.flushes.map((f) => f.at);
    for (let i = 1; i < at.length; i++) assert.ok(at[i] - at[i - 1] >= D, `flushes ${at[i - 1]} and ${at[i]} are a window apart`);
    for (const t of asked) assert.ok(at.some((f) => f >= t && f - t <= D), `the request at ${t} is flushed within ${D} ms`);
    assert.ok(at.length <= 12, `${at.length} flushes for ${asked.length} requests`);
  });

  it('a hidden view is not refreshed: the dirty roots are remembered and flushed when it shows again', () => {
    const clock = new FakeClock();
    const { v, target } = view(clock);
    const m = new RefreshManager(target, D, clock.schedule);
    v.shown = false;
    m.refresh('a');
    m.refresh('b');
    clock.tick(100 * D);
    assert.equal(v.flushes.length, 0);
    assert.equal(clock.live, 0, 'no timer runs for a hidden view');
    assert.deepEqual(ids(m.pending), ['a', 'b']);
    v.shown = true;
    m.visibilityChanged();
    clock.tick(0);
    assert.deepEqual(v.flushes.map((f) => ids(f.roots)), [['a', 'b']]);
    assert.deepEqual(ids(m.pending), []);
    // Shown again with nothing dirty: nothing to do.
    v.shown = false; m.visibilityChanged(); v.shown = true; m.visibilityChanged();
    clock.tick(10 * D);
    assert.equal(v.flushes.length, 1);
  });

  it('hidden during a window: the end of the window refreshes nothing, the root waits for the view', () => {
    const clock = new FakeClock();
    const { v, target } = view(clock);
    const m = new RefreshManager(target, D, clock.schedule);
    m.refresh('a');
    clock.tick(0);
    clock.tick(5);
    m.refresh('b');
    v.shown = false;
    m.visibilityChanged();
    clock.tick(10 * D);
    assert.deepEqual(v.flushes.map((f) => ids(f.roots)), [['a']]);
    assert.deepEqual(ids(m.pending), ['b']);
    v.shown = true;
    m.visibilityChanged();
    clock.tick(0);
    assert.deepEqual(v.flushes.map((f) => ids(f.roots)), [['a'], ['b']]);
  });

  it('refreshes only the roots asked for; refreshAll asks for all, and a root asked after it adds nothing', () => {
    const clock = new FakeClock();
    const { v, target } = view(clock);
    const m = new RefreshManager(target, D, clock.schedule);
    m.refresh('host-eA');
    clock.tick(0);
    assert.deepEqual(ids(v.flushes[0].roots), ['host-eA']);
    clock.tick(10 * D);
    m.refreshAll();
    m.refresh('dbg-1');
    clock.tick(0);
    assert.equal(v.flushes[1].roots, 'all');
    clock.tick(10 * D);
    m.refresh('dbg-1');
    clock.tick(0);
    assert.deepEqual(ids(v.flushes[2].roots), ['dbg-1'], 'after a flush of all, a single root again');
  });

  it('dispose cancels the timer and ignores later requests', () => {
    const clock = new FakeClock();
    const { v, target } = view(clock);
    const m = new RefreshManager(target, D, clock.schedule);
    m.refresh('a');
    assert.equal(clock.live, 1);
    m.dispose();
    assert.equal(clock.live, 0, 'the timer is cancelled');
    m.refresh('b');
    m.refreshAll();
    m.visibilityChanged();
    clock.tick(10 * D);
    assert.equal(v.flushes.length, 0);
    // Disposed inside a window, too.
    const w = view(clock);
    const n = new RefreshManager(w.target, D, clock.schedule);
    n.refresh('a');
    clock.tick(0);
    n.refresh('b');
    n.dispose();
    clock.tick(10 * D);
    assert.deepEqual(w.v.flushes.map((f) => ids(f.roots)), [['a']]);
    assert.equal(clock.live, 0);
  });

  it('a refresh that throws leaves the manager working', () => {
    const clock = new FakeClock();
    const { v, target } = view(clock);
    const m = new RefreshManager(target, D, clock.schedule);
    v.fail = true;
    m.refresh('a');
    assert.throws(() => clock.tick(0), /refresh failed/);
    m.refresh('b');
    clock.tick(D);
    assert.deepEqual(v.flushes.map((f) => ids(f.roots)), [['a'], ['b']]);
  });

  it('the real timer source: a 0 ms flush runs after the caller, not inside it, and a cancelled one never runs', async () => {
    const ran: string[] = [];
    realSchedule(() => ran.push('now'), 0);
    const cancel = realSchedule(() => ran.push('cancelled'), 0);
    const cancelLater = realSchedule(() => ran.push('cancelled later'), 1);
    cancel();
    cancelLater();
    assert.deepEqual(ran, []);
    await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(ran, ['now']);
  });

  it('one factory makes one manager per view: each follows its own view', () => {
    const clock = new FakeClock();
    const make = refreshManagers(D, clock.schedule);
    const model = view(clock), debug = view(clock);
    const a = make(model.target), b = make(debug.target);
    model.v.shown = false;
    a.refresh('dbg-1');
    b.refresh('dbg-1');
    clock.tick(0);
    assert.equal(model.v.flushes.length, 0, 'the hidden Model view waits');
    assert.deepEqual(debug.v.flushes.map((f) => ids(f.roots)), [['dbg-1']], 'the Run and Debug one is drawn');
  });
});

const F = path.join(__dirname, '../../..', 'scenarios', '08-sync-pio-read-write.ioreq.json');

const under = (root: string, xs: Iterable<string>) => [...xs].filter((id) => rootIdOf(id) === root).sort();

describe('Model view: a refresh limited to some roots', () => {
  it('compares and redraws only under the roots asked for; the other roots keep their marks until their turn', () => {
    const rt = { a: new IoreqRuntime(parseScenario(fs.readFileSync(F, 'utf8'), F)), b: new IoreqRuntime(parseScenario(fs.readFileSync(F, 'utf8'), F)) };
    const t = new ModelTree();
    t.setRoots([{ id: 'a', label: 'a', model: () => rt.a.session.m }, { id: 'b', label: 'b', model: () => rt.b.session.m }]);
    const ck = new ChangeTracker();
    show(t, ck, 4);
    // Both sessions step alike until both have marks.
    for (let i = 0; i < 80 && !(under('a', ck.changed).length && under('b', ck.changed).length); i++) {
      rt.a.stepIn(); rt.b.stepIn();
      assert.notEqual(ck.refresh(t), 'all');
      show(t, ck, 4);
    }
    const marksB = under('b', ck.changed);
    assert.ok(marksB.length, 'b has marks');
    // Only a moves on; a refresh of a alone.
    let redraw: ReturnType<ChangeTracker['refresh']> = [];
    for (let i = 0; i < 80; i++) {
      rt.a.stepIn();
      redraw = ck.refresh(t, undefined, new Set(['a']));
      assert.notEqual(redraw, 'all');
      if (under('a', ck.changed).length) break;
    }
    assert.ok(under('a', ck.changed).length, 'a changed and is marked');
    assert.ok((redraw as TreeNode[]).length && (redraw as TreeNode[]).every((n) => rootIdOf(n.id) === 'a'), 'only a is redrawn');
    assert.deepEqual(under('b', ck.changed), marksB, 'b keeps its marks');
    // b's turn, b unchanged: its marked nodes are redrawn to lose their marks, a keeps its own.
    const marksA = under('a', ck.changed);
    const r = ck.refresh(t, undefined, new Set(['b']));
    assert.notEqual(r, 'all');
    assert.deepEqual((r as TreeNode[]).map((n) => n.id).sort(), marksB);
    assert.deepEqual(under('b', ck.changed), []);
    assert.deepEqual(under('a', ck.changed), marksA);
  });
});
