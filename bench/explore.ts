// The explorer's per-state cost (issue 15): distinct states per second, bytes per stored state and peak RSS on the
// two bench scenarios and a bench-only 3-vcpu variant (bench/explore-3vcpu.ioreq.json, 618,712 states), each
// measured with the model's shared clone (the default) and beside it the deep clone of everything (the code path
// before sharing: setCloneSharing(false), no cached page digests), in the same run. Each measurement runs in a
// child process of its own (explore-child.ts) with --expose-gc, so its peak RSS is its own.
import { execFileSync } from 'child_process';
import * as path from 'path';

interface Child { states: number; statesPerSec: number; bytesPerStoredState: number | null; peakRssBytes: number; peakLiveHeapBytes: number | null; violations: string[]; lastRunSeconds: number }

function measure(file: string, mode: 'sharing' | 'deep', runs: number): Child {
  const out = execFileSync(process.execPath, ['--expose-gc', path.join(__dirname, 'explore-child.js'), file, mode, String(runs)],
    { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out) as Child;
}

export function exploreFigures(root: string, runs: number): Record<string, unknown> {
  const targets = [
    { file: path.join(root, 'scenarios', '21-explore-bench.ioreq.json'), runs },
    { file: path.join(root, 'scenarios', '90-x421-explore-bench.ioreq.json'), runs },
    // One run each: the deep clone takes minutes here (BENCH_EXPLORE_3VCPU=0 leaves it out).
    ...(process.env.BENCH_EXPLORE_3VCPU === '0' ? [] : [{ file: path.join(root, 'bench', 'explore-3vcpu.ioreq.json'), runs: 1 }]),
  ];
  const out: Record<string, unknown> = {};
  for (const t of targets) {
    const shared = measure(t.file, 'sharing', t.runs);
    const deep = measure(t.file, 'deep', t.runs);
    out[path.relative(root, t.file)] = {
      states: shared.states, sameStatesAsDeep: shared.states === deep.states && shared.violations.join() === deep.violations.join(),
      statesPerSec: shared.statesPerSec, baselineDeepCloneStatesPerSec: deep.statesPerSec, speedup: +(shared.statesPerSec / deep.statesPerSec).toFixed(2),
      bytesPerStoredState: shared.bytesPerStoredState, baselineBytesPerStoredState: deep.bytesPerStoredState,
      peakRssBytes: shared.peakRssBytes, baselinePeakRssBytes: deep.peakRssBytes,
      seconds: shared.lastRunSeconds, baselineSeconds: deep.lastRunSeconds, runs: t.runs,
    };
  }
  return {
    perScenario: out,
    note: 'statesPerSec: median of the runs (wall clock, heap-sampling pauses left out); bytesPerStoredState: the largest live heap above the pre-search heap (after a full GC) over the states stored; peakRss: the child process\'s maxRSS',
    targets: { statesPerSecOneCore: 450_000, bytesPerStoredStateAtMost: 300 },
  };
}
