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

/** A line or function breakpoint as the runtime checks it (a function breakpoint has no label). */
export interface CodeBreakpoint { id: number; fn: string; label?: string }
/** A data breakpoint as the runtime checks it. */
export interface DataBreakpointEntry { id: number; dataId: string }
/** A byte range watched from the memory view (a `mem:` data breakpoint kept beside the client's). */
export interface WatchRange { id: number; memoryReference: string; offset: number; count: number; description: string }

/** The data ids the runtime reads (runtime.ts readData): a slot's state, a param, a port's pending bit, page bytes. */
export function isDataId(dataId: string): boolean {
  return /^(slot|param|evtchn):\d+:\d+|^mem:\d+:[0-9a-f]+:\d+:\d+$/.test(dataId);
}

/** The data id of `count` bytes at `offset` of page (domid, pfn); undefined when they do not fit in the page. */
export function memDataId(at: { domid: number; pfn: number; offset: number }, count: number): string | undefined {
  if (!Number.isInteger(at.offset) || !Number.isInteger(count) || at.offset < 0 || count < 1 || at.offset + count > 4096) return undefined;
  return `mem:${at.domid}:${at.pfn.toString(16)}:${at.offset}:${count}`;
}

/** How a watched range reads: d1:0xfeff9+0x1e, 1 byte(s). */
export function memDescription(at: { domid: number; pfn: number; offset: number }, count: number): string {
  return `d${at.domid}:0x${at.pfn.toString(16)}+0x${at.offset.toString(16)}, ${count} byte(s)`;
}

/**
 * Every breakpoint of a session, without DAP: the client's line breakpoints (by source, each setBreakpoints
 * replacing that source's set), its function and data breakpoints and exception filters, and the ranges the
 * memory view watches (kept apart: the client's setDataBreakpoints replaces its own only). One id counter for all.
 */
export class BreakpointSet {
  private nextId = 1;
  private lines = new Map<string, CodeBreakpoint[]>();
  private fns: CodeBreakpoint[] = [];
  private data: DataBreakpointEntry[] = [];
  private watched: WatchRange[] = [];
  filters: string[];

  constructor(defaultFilters: string[]) {
    this.filters = defaultFilters;
  }

  newId(): number {
    return this.nextId++;
  }

  /** Places a source's line breakpoints in its listing (none when the path names no listing). */
  setLines(key: string, l: Listing | undefined, lines: number[]): Array<{ id: number; verified: boolean; line: number; message?: string }> {
    const set: CodeBreakpoint[] = [];
    const out = lines.map((line) => {
      const id = this.newId();
      const placed = l ? placeLine(l, line) : undefined;
      if (placed) set.push({ id, fn: placed.fn, label: placed.label });
      return { id, verified: !!placed, line: placed?.line ?? line, message: placed ? undefined : l ? 'no statement of a modelled function here' : 'not an IOREQ Scope listing' };
    });
    this.lines.set(key, set);
    return out;
  }

  setFunctions(profile: ProfileName, names: string[]): Array<{ id: number; verified: boolean; message?: string }> {
    this.fns = [];
    return names.map((name) => {
      const id = this.newId();
      const ok = isModelledFunction(profile, name);
      if (ok) this.fns.push({ id, fn: name });
      return { id, verified: ok, message: ok ? undefined : `${name} is not a modelled function` };
    });
  }

  setData(dataIds: string[]): Array<{ id: number; verified: boolean }> {
    this.data = [];
    return dataIds.map((dataId) => {
      const id = this.newId();
      const ok = isDataId(dataId);
      if (ok) this.data.push({ id, dataId });
      return { id, verified: ok };
    });
  }

  /** Watches `count` bytes at `offset` of page `at` (memory reference `ref`); an error text when they do not fit. */
  watch(ref: string, at: { domid: number; pfn: number }, offset: number, count: number): WatchRange | string {
    const dataId = memDataId({ ...at, offset }, count);
    if (!dataId) return `the range +0x${Number(offset).toString(16)}, ${count} byte(s) is not inside the page`;
    const same = this.watched.find((w) => w.memoryReference === ref && w.offset === offset && w.count === count);
    if (same) return same;
    const w: WatchRange = { id: this.newId(), memoryReference: ref, offset, count, description: memDescription({ ...at, offset }, count) };
    this.watched.push(w);
    return w;
  }

  unwatch(id: number): boolean {
    const n = this.watched.length;
    this.watched = this.watched.filter((w) => w.id !== id);
    return this.watched.length !== n;
  }

  get watches(): WatchRange[] {
    return this.watched.slice();
  }

  /** What the runtime checks: code breakpoints, data breakpoints (the client's and the watched ranges), filters. */
  forRuntime(): { code: CodeBreakpoint[]; data: DataBreakpointEntry[]; filters: Set<string> } {
    const watched = this.watched.map((w) => {
      const [, domid, pfn] = /^d(\d+):0x([0-9a-f]+)$/.exec(w.memoryReference)!;
      return { id: w.id, dataId: `mem:${domid}:${pfn}:${w.offset}:${w.count}` };
    });
    return { code: [...[...this.lines.values()].flat(), ...this.fns], data: [...this.data, ...watched], filters: new Set(this.filters) };
  }
}
