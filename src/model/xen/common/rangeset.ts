// xen/common/rangeset.c of RELEASE-4.5.0: the few rangeset operations 4.5's ioreq servers use, over the model's
// Rangeset45 (disjoint, non-adjacent inclusive ranges in ascending order). Not stepped: each is one statement of
// its callers. The allocation budget (nr_ranges, set by rangeset_limit) is what makes a 257th range -ENOMEM.
import { ENOMEM } from '../../errno';
import type { Rangeset45 } from '../../xen';

/** rangeset_overlaps_range (rangeset.c:311@RELEASE-4.5.0): any range meets [s, e]. */
export function rangesetOverlapsRange(r: Rangeset45, s: number, e: number): boolean {
  for (let i = 0; i < r.ranges.length; i += 2) if (r.ranges[i] <= e && r.ranges[i + 1] >= s) return true;
  return false;
}

/** rangeset_contains_range (rangeset.c:294@RELEASE-4.5.0): one range holds all of [s, e]. */
export function rangesetContainsRange(r: Rangeset45, s: number, e: number): boolean {
  for (let i = 0; i < r.ranges.length; i += 2) if (r.ranges[i] <= s && r.ranges[i + 1] >= e) return true;
  return false;
}

/** rangeset_contains_singleton (rangeset.c@RELEASE-4.5.0): contains_range(x, x). */
export function rangesetContainsSingleton(r: Rangeset45, x: number): boolean {
  return rangesetContainsRange(r, x, x);
}

/**
 * rangeset_add_range (rangeset.c:115-181@RELEASE-4.5.0, the same at RELEASE-4.21.0): [s, e] joins the ranges it
 * overlaps or touches. Xen takes a new range (alloc_range, :130-136) unless [s, e] overlaps one or extends one that
 * ends at s - 1: a range that begins at e + 1 is merged only afterwards (:172-176), so reaching it alone still needs the
 * allocation, and is -ENOMEM once the limit is used up, though the count of ranges would not grow.
 */
export function rangesetAddRange(r: Rangeset45, s: number, e: number): number {
  const kept: number[] = [];
  let ns = s, ne = e, joined = 0, extends_ = false;
  for (let i = 0; i < r.ranges.length; i += 2) {
    const a = r.ranges[i], b = r.ranges[i + 1];
    if (b + 1 < s || a > e + 1) { kept.push(a, b); continue; }
    if (a <= e) extends_ = true; // overlaps [s, e] or ends at s - 1
    ns = Math.min(ns, a); ne = Math.max(ne, b); joined++;
  }
  if (!extends_ && r.nr_ranges === 0) return -ENOMEM;
  r.nr_ranges += joined - 1; // one range taken unless one was extended; destroy_range gives back every other joined
  let at = 0;
  while (at < kept.length && kept[at] < ns) at += 2;
  kept.splice(at, 0, ns, ne);
  r.ranges = kept;
  return 0;
}

/**
 * rangeset_remove_range (rangeset.c:183-249@RELEASE-4.5.0, alloc_range at :203): cut [s, e] out; splitting one range in two needs an
 * allocation (-ENOMEM when none is left).
 */
export function rangesetRemoveRange(r: Rangeset45, s: number, e: number): number {
  const out: number[] = [];
  for (let i = 0; i < r.ranges.length; i += 2) {
    const a = r.ranges[i], b = r.ranges[i + 1];
    if (b < s || a > e) { out.push(a, b); continue; }
    if (a < s && b > e) {
      if (r.nr_ranges === 0) return -ENOMEM;
      r.nr_ranges--;
      out.push(a, s - 1, e + 1, b);
      continue;
    }
    if (a < s) out.push(a, s - 1);
    else if (b > e) out.push(e + 1, b);
    else r.nr_ranges++; // the whole range goes
  }
  r.ranges = out;
  return 0;
}
