// The explorer's progress as people read it: the CLI's stderr line and VS Code's progress notification.
import type { ExploreProgress } from './explore';

const n = (v: number): string => Math.round(v).toLocaleString('en-US');

/** "1,234 states (5,678/s), frontier 90, depth 12, heap 345 MiB, 2.5 s". */
export function progressText(p: ExploreProgress): string {
  return `${n(p.states)} states (${n(p.seconds > 0 ? p.states / p.seconds : 0)}/s), frontier ${n(p.frontier)}, depth ${p.depth}, heap ${(p.heapBytes / 1048576).toFixed(0)} MiB, ${p.seconds.toFixed(1)} s`;
}
