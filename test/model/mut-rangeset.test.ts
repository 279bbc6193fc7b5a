// The rangeset operations 4.5's ioreq servers use (src/model/xen/common/rangeset.ts), checked against a plain set of
// numbers run beside them: the ranges are the set's maximal runs in ascending order, the allocations still allowed
// are the limit less the number of runs, and an operation is refused with -ENOMEM exactly when Xen's rangeset.c
// (RELEASE-4.5.0, unchanged at RELEASE-4.21.0) would need alloc_range with none left: an add that overlaps no range and
// extends none ending at s - 1 (rangeset.c:130-136; a range beginning at e + 1 is merged only after, :172-176), or a
// remove that cuts a hole in one range (:201-207).
import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import * as R from '../../src/model/xen/common/rangeset';
import { Rangeset45 } from '../../src/model/xen';
import { ENOMEM } from '../../src/model/errno';

const N = 24; // numbers 0..N-1

/** The set's maximal runs, flattened [s0, e0, s1, e1, ...]. */
function runs(set: boolean[]): number[] {
  const out: number[] = [];
  for (let i = 0; i < N; i++) if (set[i] && !set[i - 1]) { let j = i; while (set[j + 1]) j++; out.push(i, j); }
  return out;
}
const any = (set: boolean[], s: number, e: number) => set.slice(Math.max(0, s), e + 1).some(Boolean);
const all = (set: boolean[], s: number, e: number) => s >= 0 && e < N && set.slice(s, e + 1).every(Boolean);

type Op = { add: boolean; s: number; e: number };
const op = fc.record({ add: fc.boolean(), s: fc.integer({ min: 0, max: N - 1 }), len: fc.integer({ min: 0, max: 6 }) })
  .map(({ add, s, len }): Op => ({ add, s, e: Math.min(N - 1, s + len) }));

function newRangeset(limit: number): Rangeset45 {
  const r = new Rangeset45();
  r.nr_ranges = limit; // rangeset_limit (rangeset.c:381-385@RELEASE-4.5.0)
  return r;
}

describe('rangeset: add, remove and the queries against a plain set', () => {
  it('a rangeset the ioreq server makes allows 256 ranges (MAX_NR_IO_RANGES, asm-x86/hvm/domain.h:52, set by rangeset_limit at hvm.c:836 @RELEASE-4.5.0)', () => {
    assert.equal(new Rangeset45().nr_ranges, 256);
    assert.deepEqual(new Rangeset45().ranges, []);
  });

  it('every sequence of adds and removes gives the set\'s runs, the allowance left, and -ENOMEM exactly where Xen needs a range it cannot have', () => {
    fc.assert(fc.property(fc.integer({ min: 0, max: 4 }), fc.array(op, { maxLength: 30 }), (limit, ops) => {
      const r = newRangeset(limit);
      const set: boolean[] = new Array(N).fill(false);
      for (const { add, s, e } of ops) {
        const left = limit - runs(set).length / 2;
        const needs = add ? !any(set, s - 1, e) : all(set, s - 1, e + 1);
        const rc = add ? R.rangesetAddRange(r, s, e) : R.rangesetRemoveRange(r, s, e);
        if (needs && left === 0) {
          assert.equal(rc, -ENOMEM, `${add ? 'add' : 'remove'} [${s}, ${e}] with no range left`);
        } else {
          assert.equal(rc, 0, `${add ? 'add' : 'remove'} [${s}, ${e}]`);
          for (let i = s; i <= e; i++) set[i] = add;
        }
        assert.deepEqual(r.ranges, runs(set), `ranges after ${add ? 'add' : 'remove'} [${s}, ${e}]`);
        assert.equal(r.nr_ranges, limit - runs(set).length / 2, 'allocations left');
        for (let a = 0; a < N; a += 3) for (let b = a; b < Math.min(N, a + 5); b++) {
          assert.equal(R.rangesetOverlapsRange(r, a, b), any(set, a, b), `overlaps [${a}, ${b}]`);
          assert.equal(R.rangesetContainsRange(r, a, b), all(set, a, b), `contains [${a}, ${b}]`);
        }
        for (let x = 0; x < N; x++) assert.equal(R.rangesetContainsSingleton(r, x), set[x], `contains ${x}`);
      }
    }), { numRuns: 400 });
  });

  it('with no allocation left, reaching only the range that begins at e + 1 is -ENOMEM (rangeset.c:130-136 allocates before :172-176 merges)', () => {
    const r = newRangeset(1);
    assert.equal(R.rangesetAddRange(r, 10, 12), 0);
    assert.equal(r.nr_ranges, 0);
    assert.equal(R.rangesetAddRange(r, 7, 9), -ENOMEM); // 9 + 1 = 10: touches only on its right
    assert.deepEqual(r.ranges, [10, 12]);
    assert.equal(R.rangesetAddRange(r, 13, 15), 0); // extends the range ending at 12: no allocation
    assert.equal(R.rangesetAddRange(r, 8, 11), 0); // overlaps it
    assert.deepEqual(r.ranges, [8, 15]);
    assert.equal(R.rangesetRemoveRange(r, 10, 11), -ENOMEM); // a hole needs a second range
    assert.equal(R.rangesetRemoveRange(r, 8, 9), 0); // the start only
    assert.equal(R.rangesetRemoveRange(r, 14, 15), 0); // the end only
    assert.deepEqual(r.ranges, [10, 13]);
    assert.equal(R.rangesetRemoveRange(r, 0, 30), 0); // the whole range: its allocation is given back
    assert.deepEqual([r.ranges, r.nr_ranges], [[], 1]);
  });

  it('one add joins every range it overlaps or touches, giving back their allocations', () => {
    const r = newRangeset(5);
    for (const [s, e] of [[0, 1], [4, 5], [8, 9], [12, 13]]) assert.equal(R.rangesetAddRange(r, s, e), 0);
    assert.equal(r.nr_ranges, 1);
    assert.equal(R.rangesetAddRange(r, 2, 11), 0); // touches 0-1 and 12-13, covers 4-5 and 8-9
    assert.deepEqual([r.ranges, r.nr_ranges], [[0, 13], 4]);
  });
});
