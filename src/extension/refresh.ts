// When the Model view redraws: one RefreshManager per tree view (made by one factory, so both views share the delay
// and the timer source). Callers say which root changed (refresh(rootId)) or that anything may have (refreshAll());
// the manager collects the dirty roots and hands them to the view in one go:
//  - leading edge: the first request after a quiet spell is flushed at once (on the next turn of the event loop, so
//    requests made in the same handler go together) — a single debug stop is drawn without waiting;
//  - trailing edge: requests during the DELAY ms after a flush wait for the end of that window and go together, and
//    each flush opens a new window, so a burst of stops gives one refresh per root per window, never more than one
//    every DELAY ms, and the last request of a burst is drawn at most DELAY ms late;
//  - while the view is hidden nothing is refreshed; the dirty roots are remembered and flushed when it shows again.
// No `vscode` here (the timer and the visibility are injected): provider.ts wires it to TreeView.visible and
// onDidChangeVisibility, and the mocha tests drive it with a fake clock.

/** What is dirty: some roots by id, or all of them. */
export type DirtyRoots = ReadonlySet<string> | 'all';

/** What a manager refreshes: a view that may be hidden. */
export interface RefreshTarget {
  visible(): boolean;
  /** Redraws what changed under these roots. */
  refresh(roots: DirtyRoots): void;
}

/** Runs `fn` after `ms` (0: on the next turn of the event loop); returns its cancel. */
export type Schedule = (fn: () => void, ms: number) => () => void;

export const realSchedule: Schedule = (fn, ms) => {
  if (ms <= 0) { const h = setImmediate(fn); return () => clearImmediate(h); }
  const h = setTimeout(fn, ms);
  return () => clearTimeout(h);
};

/**
 * The window after a flush, in ms. Small: the debugger's stop-to-Model-view latency (bench/latency.ts) pays it only
 * for a stop that comes less than this after the previous flush; a single step is flushed at once.
 */
export const TREE_REFRESH_MS = 25;

export class RefreshManager {
  private dirty: Set<string> | 'all' = new Set();
  /** idle: no timer; leading: a flush is due at once; window: a flush happened less than `delayMs` ago. */
  private phase: 'idle' | 'leading' | 'window' = 'idle';
  private cancel: (() => void) | undefined;
  private disposed = false;

  constructor(private readonly target: RefreshTarget, private readonly delayMs = TREE_REFRESH_MS, private readonly schedule: Schedule = realSchedule) {}

  /** The root `rootId` may have changed. */
  refresh(rootId: string): void {
    if (this.disposed) return;
    if (this.dirty !== 'all') this.dirty.add(rootId);
    this.kick();
  }

  /** Any root may have changed. */
  refreshAll(): void {
    if (this.disposed) return;
    this.dirty = 'all';
    this.kick();
  }

  /** What waits to be refreshed (for the tests and the log). */
  get pending(): DirtyRoots {
    return this.dirty === 'all' ? 'all' : new Set(this.dirty);
  }

  /** The view was shown or hidden: shown with dirty roots, they are flushed (leading edge). */
  visibilityChanged(): void {
    if (!this.disposed) this.kick();
  }

  dispose(): void {
    this.disposed = true;
    this.cancel?.();
    this.cancel = undefined;
    this.dirty = new Set();
    this.phase = 'idle';
  }

  private hasDirty(): boolean {
    return this.dirty === 'all' || this.dirty.size > 0;
  }

  private kick(): void {
    // Hidden: remember only. Leading or window: the timer that is set flushes it.
    if (this.phase !== 'idle' || !this.hasDirty() || !this.target.visible()) return;
    this.phase = 'leading';
    this.cancel = this.schedule(() => this.due(), 0);
  }

  private due(): void {
    this.cancel = undefined;
    if (!this.hasDirty() || !this.target.visible()) { this.phase = 'idle'; return; }
    const roots = this.dirty;
    this.dirty = new Set();
    // The window opens before the refresh runs, so a refresh that throws leaves the manager working.
    this.phase = 'window';
    this.cancel = this.schedule(() => this.due(), this.delayMs);
    this.target.refresh(roots);
  }
}

/** Makes the managers of the tree views, all with the same delay and timer source. */
export function refreshManagers(delayMs = TREE_REFRESH_MS, schedule: Schedule = realSchedule): (target: RefreshTarget) => RefreshManager {
  return (target) => new RefreshManager(target, delayMs, schedule);
}
