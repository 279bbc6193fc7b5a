// The "did you mean" rules pinned one by one (issue 16's mutation testing of src/scenario/suggest.ts): the edit
// distance against a plain full-table optimal-string-alignment distance written here, the limit's answer, and each rule
// that picks the names offered (the word itself, fragments of longer names, ties, the empty word) and how they are
// joined in the message.
import assert from 'node:assert/strict';
import * as fc from 'fast-check';
import { didYouMean, editDistance, maxDistance, suggest } from '../../src/scenario/suggest';

/** Optimal string alignment distance, the whole table kept (no early stop), case-insensitive. */
function osa(a: string, b: string): number {
  const s = a.toLowerCase(), t = b.toLowerCase();
  const d: number[][] = Array.from({ length: s.length + 1 }, (_, i) => Array.from({ length: t.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= s.length; i++) {
    for (let j = 1; j <= t.length; j++) {
      const sub = d[i - 1][j - 1] + (s[i - 1] === t[j - 1] ? 0 : 1);
      let best = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, sub);
      const swapped = i >= 2 && j >= 2 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1];
      if (swapped) best = Math.min(best, d[i - 2][j - 2] + 1);
      d[i][j] = best;
    }
  }
  return d[s.length][t.length];
}

// Short words over a few letters (upper and lower case), so that swaps, repeats and case folding all happen often.
const word = fc.string({ unit: fc.constantFrom('a', 'b', 'c', 'A', 'B'), maxLength: 7 });

describe('did you mean: the rules one by one', () => {
  it('the edit distance is the optimal string alignment distance, ignoring case', () => {
    fc.assert(fc.property(word, word, (a, b) => editDistance(a, b) === osa(a, b)), { numRuns: 3000 });
    // A swap of two neighbours costs one; a swap that is not of neighbours costs two substitutions.
    assert.equal(editDistance('ab', 'ba'), 1);
    assert.equal(editDistance('abc', 'cba'), 2);
    assert.equal(editDistance('ca', 'abc'), 3); // OSA, not full Damerau (which gives 2): no edit of a swapped pair
  });

  it('with a limit, a distance within it is exact and one beyond it is answered as limit + 1', () => {
    fc.assert(fc.property(word, word, fc.integer({ min: 0, max: 5 }), (a, b, limit) => {
      const full = osa(a, b);
      return editDistance(a, b, limit) === (full <= limit ? full : limit + 1);
    }), { numRuns: 3000 });
    assert.equal(editDistance('a', 'abcdefgh', 2), 3); // the lengths alone are 7 apart
    assert.equal(editDistance('abcd', 'wxyz', 1), 2); // every row past the limit
  });

  it('the allowed distance is a third of the word, at least 1 and at most 4', () => {
    assert.deepEqual(['', 'ab', 'abc', 'abcdef', 'abcdefghijkl', 'a'.repeat(40)].map(maxDistance), [1, 1, 1, 2, 4, 4]);
  });

  it('the empty word is offered nothing, even one-letter names', () => {
    assert.deepEqual(suggest('', ['a', 'b']), []);
    assert.equal(didYouMean('', ['a']), '');
  });

  it('the word itself is not offered back, but the same name in another case is', () => {
    assert.deepEqual(suggest('abc', ['abc', 'abd']), ['abd']);
    assert.deepEqual(suggest('pio_write', ['PIO_WRITE']), ['PIO_WRITE']);
  });

  it('a name that contains a word of three or more letters is offered however long it is, ignoring case', () => {
    assert.deepEqual(suggest('pio', ['pio_write', 'mmio_read']), ['pio_write']);
    assert.deepEqual(suggest('IOREQ', ['HVM_PARAM_ioreq_pfn']), ['HVM_PARAM_ioreq_pfn']);
    assert.deepEqual(suggest('ioreq', ['HVM_PARAM_IOREQ_PFN']), ['HVM_PARAM_IOREQ_PFN']);
    // Two letters are too few to count as a fragment: "io" is in half the names.
    assert.deepEqual(suggest('io', ['xxioxx']), []);
  });

  it('a fragment ranks as the farthest allowed distance, a near name that is also a fragment keeps its own', () => {
    // 'pio' in 'pio_write' is 6 edits away: it counts as 1 (the limit), level with 'pin', in the candidates' order.
    assert.deepEqual(suggest('pio', ['pio_write', 'pin']), ['pio_write', 'pin']);
    // 'abcdefg' is 1 edit from 'abcdef' (limit 2) and contains it: it stays at 1, ahead of a name 2 edits away.
    assert.deepEqual(suggest('abcdef', ['abxdxf', 'abcdefg']), ['abcdefg', 'abxdxf']);
    assert.deepEqual(suggest('abcdef', ['abcdefg', 'abcdxf']), ['abcdefg', 'abcdxf']);
  });

  it('closest first, and names at the same distance in the order they were given', () => {
    assert.deepEqual(suggest('abcd', ['abxx', 'abcx', 'abxd', 'axcd', 'xbcd'], 5), ['abcx', 'abxd', 'axcd', 'xbcd']);
    assert.deepEqual(suggest('abcdef', ['abxdxf', 'abcdxf', 'xbcdxf', 'abcdex'], 4), ['abcdxf', 'abcdex', 'abxdxf', 'xbcdxf']);
    assert.deepEqual(suggest('abcd', ['abce', 'abce', 'abcf']), ['abce', 'abcf']); // a name given twice, offered once
  });

  it('the message lists one, two or three names in English', () => {
    assert.equal(didYouMean('abcd', ['abce']), " (did you mean 'abce'?)");
    assert.equal(didYouMean('abcd', ['abce', 'abcf']), " (did you mean 'abce' or 'abcf'?)");
    assert.equal(didYouMean('abcd', ['abce', 'abcf', 'abcg']), " (did you mean 'abce', 'abcf' or 'abcg'?)");
    assert.equal(didYouMean('abcd', ['abce', 'abcf', 'abcg', 'abch'], 4), " (did you mean 'abce', 'abcf', 'abcg' or 'abch'?)");
  });
});
