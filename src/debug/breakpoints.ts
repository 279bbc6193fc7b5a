// Breakpoint placement in the listings, without DAP: which listing a client's path names (a file of
// dist/listings, or the stable `ioreq-scope:/seed/hvm.c`), and the statement a line breakpoint binds to.
import type { ProfileName } from '../model/layout';
import { listingNames, loadListing, locateLabel, type Listing } from './listing';

/** The listing of a profile a source path names (by its name at the end: `seed/hvm.c`). */
export function listingForPath(profile: ProfileName, p: string | undefined): Listing | undefined {
  if (!p) return undefined;
  const norm = p.replace(/\\/g, '/');
  const name = listingNames(profile).find((n) => norm.endsWith('/' + n) || norm === n || norm.endsWith(':' + n));
  return name ? loadListing(name) : undefined;
}

/** A line breakpoint's statement: the first labelled line at or after `line` in its function (else its last). */
export function placeLine(l: Listing, line: number): { fn: string; label: string; line: number } | undefined {
  const fn = [...l.fns.values()].find((f) => line >= f.line && line <= f.endLine);
  if (!fn) return undefined;
  const cands = [...fn.labels].filter(([lab]) => lab !== 'entry').sort((a, c) => a[1] - c[1]);
  const at = cands.find(([, ln]) => ln >= line) ?? cands[cands.length - 1];
  return at ? { fn: fn.name, label: at[0], line: at[1] } : undefined;
}

/** Whether a function breakpoint's name is a modelled function of the profile. */
export function isModelledFunction(profile: ProfileName, name: string): boolean {
  return !!locateLabel(profile, name, 'entry');
}
