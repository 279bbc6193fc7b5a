// The scenario layer's small pieces under issue 16's mutation testing: where an offset is in a file (line and column as
// editors count them), the located message, the explorer's progress line, the direct-operation wrapper, and the
// model's Xen panic.
import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { Locator, ScenarioError } from '../../src/scenario/errors';
import { progressText } from '../../src/scenario/progress';
import { direct, Direct, rcOnly, unwrapDirect } from '../../src/scenario/call';
import { XenPanic } from '../../src/model/panic';

/** The line and column of an offset counted the slow way: walk the text. */
function walk(text: string, offset: number): [number, number] {
  let line = 1, col = 1;
  for (let i = 0; i < Math.min(Math.max(offset, 0), text.length); i++) {
    if (text[i] === '\n') { line++; col = 1; } else col++;
  }
  return [line, col];
}

describe('scenario errors, progress and calls', () => {
  it('an offset maps to its 1-based line and column, clamped to the text', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('a', '\n', ' ', '\r', '{'), maxLength: 60 }), fc.integer({ min: -3, max: 70 }), (text, off) => {
      const loc = new Locator(text, 'f.json').at(off);
      const [line, column] = walk(text, off);
      return loc.file === 'f.json' && loc.line === line && loc.column === column;
    }), { numRuns: 2000 });
    const l = new Locator('ab\ncd\n\nef', 'x.ioreq.json');
    assert.deepEqual([0, 2, 3, 5, 6, 7, 8, 9, 99].map((o) => [l.at(o).line, l.at(o).column]), [[1, 1], [1, 3], [2, 1], [2, 3], [3, 1], [4, 1], [4, 2], [4, 3], [4, 3]]);
  });

  it('a scenario error reads file:line:column: what, and keeps both parts', () => {
    const e = new ScenarioError({ file: 's.ioreq.json', line: 4, column: 24 }, "unknown op 'x'");
    assert.equal(e.message, "s.ioreq.json:4:24: unknown op 'x'");
    assert.deepEqual([e.loc, e.what], [{ file: 's.ioreq.json', line: 4, column: 24 }, "unknown op 'x'"]);
    assert.ok(e instanceof Error);
  });

  it("the explorer's progress: thousands separated, rate per second, heap in MiB, seconds to a tenth", () => {
    assert.equal(progressText({ states: 1234567, frontier: 8901, depth: 12, seconds: 2.46, heapBytes: 345 * 1048576 + 600000 }),
      '1,234,567 states (501,857/s), frontier 8,901, depth 12, heap 346 MiB, 2.5 s');
    assert.equal(progressText({ states: 10, frontier: 0, depth: 0, seconds: 0, heapBytes: 0 }), '10 states (0/s), frontier 0, depth 0, heap 0 MiB, 0.0 s');
    assert.equal(progressText({ states: 3, frontier: 1.6, depth: 2, seconds: 2, heapBytes: 1048576 * 1.4 }), '3 states (2/s), frontier 2, depth 2, heap 1 MiB, 2.0 s');
  });

  it('a direct operation runs only when unwrapped; anything else passes through; rcOnly keeps the return code', () => {
    let ran = 0;
    const d = direct(() => { ran++; return 7; });
    assert.ok(d instanceof Direct);
    assert.equal(ran, 0);
    assert.equal(unwrapDirect(d), 7);
    assert.equal(ran, 1);
    assert.equal(unwrapDirect(5), 5);
    const o = { f: () => 9 };
    assert.equal(unwrapDirect(o), o); // a look-alike is not a Direct
    assert.deepEqual(rcOnly(-22), { rc: -22 });
  });

  it('a Xen panic names the function and its message', () => {
    const p = new XenPanic('hvm_wait_on_io', 'Xen BUG at hvm.c:123');
    assert.deepEqual([p.fn, p.message, p instanceof Error], ['hvm_wait_on_io', 'Xen BUG at hvm.c:123', true]);
  });
});
