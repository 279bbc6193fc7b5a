// "Did you mean": the few known names closest to an unknown one, by edit distance (Damerau-Levenshtein, optimal
// string alignment: insertions, deletions, substitutions and swaps of two neighbours each cost 1). vscode-free.

/** The edit distance between a and b, compared case-insensitively; past `limit` the answer is `limit + 1` (and the
 *  work stops early once no alignment can stay within it). */
export function editDistance(a: string, b: string, limit = Infinity): number {
  const s = a.toLowerCase(), t = b.toLowerCase();
  if (Math.abs(s.length - t.length) > limit) return limit + 1;
  let prev2: number[] = [];
  let prev = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      let d = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost);
      if (i > 1 && j > 1 && s[i - 1] === t[j - 2] && s[i - 2] === t[j - 1]) d = Math.min(d, prev2[j - 2] + 1);
      cur.push(d);
      if (d < rowMin) rowMin = d;
    }
    if (rowMin > limit) return limit + 1;
    prev2 = prev;
    prev = cur;
  }
  return Math.min(prev[t.length], limit + 1);
}

/** How far a candidate may be from a word of this length and still be offered: about a third of it, 1 to 4. */
export function maxDistance(word: string): number {
  return Math.max(1, Math.min(4, Math.floor(word.length / 3)));
}

/**
 * Up to `max` candidates close to `word`, closest first (ties in the candidates' order). A candidate that has the
 * word as a prefix or contains it (ignoring case, words of 3 or more characters) counts as close too.
 */
export function suggest(word: string, candidates: Iterable<string>, max = 3): string[] {
  if (!word) return [];
  const limit = maxDistance(word);
  const w = word.toLowerCase();
  const scored: Array<{ c: string; d: number; i: number }> = [];
  let i = 0;
  for (const c of new Set(candidates)) {
    let d = editDistance(word, c, limit);
    if (d > limit && w.length >= 3 && c.toLowerCase().includes(w)) d = limit; // a fragment of a longer name
    if (d <= limit && c !== word) scored.push({ c, d, i });
    i++;
  }
  scored.sort((a, b) => a.d - b.d || a.i - b.i);
  return scored.slice(0, max).map((s) => s.c);
}

/** " (did you mean 'a', 'b' or 'c'?)", or '' when nothing is close. */
export function didYouMean(word: string, candidates: Iterable<string>, max = 3): string {
  const s = suggest(word, candidates, max).map((c) => `'${c}'`);
  if (!s.length) return '';
  return ` (did you mean ${s.length === 1 ? s[0] : `${s.slice(0, -1).join(', ')} or ${s[s.length - 1]}`}?)`;
}
