// The stepping mechanism itself (src/model/step.ts), under issue 16's mutation testing: what a frame's locals are at
// a statement (the function's declared C names in order, <not in scope> for one not yet declared, the label's own
// values), and how instrument() keeps each actor's call stack as stepped generators call each other.
import assert from 'node:assert/strict';
import { $, cName, drain, instrument, localsAt, NOT_IN_SCOPE, type At, type Co, type FrameSink } from '../../src/model/step';

describe('stepping: locals at a statement', () => {
  it('a name out of scope reads <not in scope>', () => {
    assert.equal(String(NOT_IN_SCOPE), '<not in scope>');
    assert.equal(`${NOT_IN_SCOPE}`, '<not in scope>');
  });

  it('a hand-built label (no scope, or no declared list) shows just the values it names, or nothing', () => {
    assert.deepEqual(localsAt($('a', { d: 1 })), { d: 1 });
    assert.deepEqual(localsAt($('a')), {});
    assert.deepEqual(localsAt({ at: 'a', locals: { d: 1 }, scope: () => ({ s: 2 }) }), { d: 1 }); // scope without declared
    assert.deepEqual(localsAt({ at: 'a', locals: { d: 1 }, declared: ['d', 's'] }), { d: 1 }); // declared without scope
    assert.deepEqual(localsAt({ at: 'a', scope: () => ({ s: 2 }) }), {});
  });

  it('every declared name in order, <not in scope> for those not yet declared, then the rest of the scope', () => {
    const out = localsAt($('a', undefined, () => ({ rc: -22, d: 'dom', extra: 7 }), ['d', 'rc', 'later']));
    assert.deepEqual(Object.keys(out), ['d', 'rc', 'later', 'extra']);
    assert.deepEqual(out, { d: 'dom', rc: -22, later: NOT_IN_SCOPE, extra: 7 });
  });

  it('a declared local whose value is undefined shows undefined, unless the label names its value (a NULL lookup)', () => {
    assert.deepEqual(localsAt($('a', undefined, () => ({ s: undefined }), ['s'])), { s: undefined });
    assert.deepEqual(localsAt($('a', { s: null }, () => ({ s: undefined }), ['s'])), { s: null });
    // A value in scope wins over the label's.
    assert.deepEqual(localsAt($('a', { s: null }, () => ({ s: 'server' }), ['s'])), { s: 'server' });
    // Declared, not in scope, but named by the label: the label's value.
    assert.deepEqual(localsAt($('a', { s: 3 }, () => ({}), ['s'])), { s: 3 });
  });

  it("the label's extra values follow, except one that is a local under its TypeScript spelling (nrVcpus is nr_vcpus)", () => {
    const out = localsAt($('a', { nrVcpus: 2, port: 5, d: 'x' }, () => ({ nr_vcpus: 2, d: 'x' }), ['nr_vcpus', 'd']));
    assert.deepEqual(out, { nr_vcpus: 2, d: 'x', port: 5 });
    assert.ok(!('nrVcpus' in out));
    assert.equal(cName('hvmSendAssistReqToIoreqServer'), 'hvm_send_assist_req_to_ioreq_server');
    assert.equal(cName('xen'), 'xen');
  });
});

// A small stepped class pair, as the generated stepped builds are: generator methods yielding labels.
class Base {
  sink: FrameSink = { frames: [] };
  seen: string[] = [];
  *outerCall(n: number): Co<number> {
    yield $('before', { n });
    const r = yield* this.innerCall(n + 1);
    yield $('after', { r });
    return r * 10;
  }
  *innerCall(m: number): Co<number> {
    yield $('inner', { m });
    return m;
  }
  *failing(): Co<number> {
    yield $('about to throw');
    throw new Error('boom');
  }
  plain(): number { return 1; }
}
class Derived extends Base {
  override *innerCall(m: number): Co<number> {
    yield $('derived inner', { m });
    return m + 100;
  }
}
instrument(Derived.prototype, 'xen', (self: Base) => self.sink);

/** Runs a generator, recording at each yield the stack as [fn, at] pairs, innermost last. */
function stacks<T>(self: Base, g: Co<T>): { stacks: string[][]; value: T } {
  const out: string[][] = [];
  for (;;) {
    const r = g.next();
    if (r.done) return { stacks: out, value: r.value };
    out.push(self.sink.frames.map((f) => `${f.fn}@${f.at}`));
  }
}

describe('stepping: instrument keeps the call stack', () => {
  it('a call pushes a frame named in C, each statement moves only the innermost frame, a return pops it', () => {
    const d = new Derived();
    const r = stacks(d, d.outerCall(1));
    assert.equal(r.value, 1020); // the derived inner: (1 + 1) + 100, times 10
    assert.deepEqual(r.stacks, [
      ['outer_call@before'],
      ['outer_call@before', 'inner_call@derived inner'],
      ['outer_call@after'],
    ]);
    assert.deepEqual(d.sink.frames, []);
  });

  it("a frame's locals are those of its own last statement, read when asked", () => {
    const d = new Derived();
    const g = d.outerCall(4);
    g.next(); g.next();
    const [outer, inner] = d.sink.frames;
    assert.equal(inner.unit, 'xen');
    assert.deepEqual(outer.locals, { n: 4 });
    assert.deepEqual(inner.locals, { m: 5 });
    g.next();
    assert.deepEqual(d.sink.frames[0].locals, { r: 105 });
  });

  it('a frame that has not reached a statement shows no locals', () => {
    class Quiet { sink: FrameSink = { frames: [] }; *fn(): Co<number> { return 3; } *wrap(): Co<number> { yield $('x'); return yield* this.fn(); } }
    instrument(Quiet.prototype, 'libxc', (self: Quiet) => self.sink);
    const q = new Quiet();
    const g = q.wrap();
    g.next();
    assert.deepEqual(q.sink.frames.map((f) => [f.fn, f.at, f.locals]), [['wrap', 'x', {}]]);
    assert.equal(drain(g), 3);
  });

  it('a throw pops the frame on its way out', () => {
    const d = new Derived();
    const g = d.failing();
    g.next();
    assert.deepEqual(d.sink.frames.map((f) => f.fn), ['failing']);
    assert.throws(() => g.next(), /boom/);
    assert.deepEqual(d.sink.frames, []);
  });

  it('instrumenting twice wraps once; plain methods and the constructor are left alone; the methods stay writable and configurable', () => {
    instrument(Derived.prototype, 'xen', (self: Base) => self.sink);
    const d = new Derived();
    assert.deepEqual(stacks(d, d.innerCall(1)).stacks, [['inner_call@derived inner']]);
    assert.equal(d.plain(), 1);
    assert.equal(Derived.prototype.constructor, Derived);
    const desc = Object.getOwnPropertyDescriptor(Derived.prototype, 'outerCall')!;
    assert.deepEqual([desc.writable, desc.configurable, desc.enumerable], [true, true, false]);
    assert.ok(Object.prototype.hasOwnProperty.call(Derived.prototype, 'failing')); // the base's methods, wrapped on the derived prototype
  });

  it('a class below an instrumented one keeps the middle class\'s overrides (the most derived definition wins)', () => {
    class Mid extends Base { override *innerCall(m: number): Co<number> { yield $('mid inner', { m }); return -m; } }
    class Leaf extends Mid { *own(): Co<number> { return yield* this.innerCall(2); } }
    instrument(Mid.prototype, 'xen', (self: Base) => self.sink);
    instrument(Leaf.prototype, 'xen', (self: Base) => self.sink);
    const l = new Leaf();
    const r = stacks(l, l.own());
    assert.equal(r.value, -2);
    assert.deepEqual(r.stacks, [['own@entry', 'inner_call@mid inner']]);
  });

  it('drain runs a generator through every statement to its value', () => {
    let n = 0;
    function* g(): Co<string> { n++; yield $('a'); n++; yield $('b'); n++; return 'done'; }
    assert.equal(drain(g()), 'done');
    assert.equal(n, 3);
    const labels: At[] = [];
    function* h(): Co<number> { labels.push($('x')); return 7; }
    assert.equal(drain(h()), 7);
  });
});
