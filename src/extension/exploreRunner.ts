// Runs the explorer for the extension: on a worker thread (dist/exploreWorker.js) when the bundle has one, so the
// progress notification updates and Cancel stops the search; in this thread otherwise (then neither can happen
// before the search ends). No vscode here: the caller passes a cancellation check and a progress sink.
import * as fs from 'fs';
import * as path from 'path';
import { Worker } from 'worker_threads';
import { explore, type ExploreProgress, type ExploreResult } from '../scenario/explore';
import type { Scenario } from '../scenario/parse';

export interface RunOptions {
  maxStates: number;
  /** Registers a callback for a cancellation (VS Code's token.onCancellationRequested). */
  onCancel: (f: () => void) => void;
  isCancelled: () => boolean;
  progress: (p: ExploreProgress) => void;
  /** Where exploreWorker.js sits (the bundle's directory). */
  dir?: string;
}

export function runExplore(sc: Scenario, o: RunOptions): Promise<ExploreResult> {
  const file = path.join(o.dir ?? __dirname, 'exploreWorker.js');
  if (!fs.existsSync(file)) {
    return Promise.resolve(explore(sc, { maxStates: o.maxStates, hashing: true, shouldStop: o.isCancelled, progress: o.progress }));
  }
  const stop = new SharedArrayBuffer(4);
  const flag = new Int32Array(stop);
  return new Promise((resolve, reject) => {
    const w = new Worker(file, { workerData: { sc, maxStates: o.maxStates, stop } });
    let done = false;
    o.onCancel(() => Atomics.store(flag, 0, 1));
    if (o.isCancelled()) Atomics.store(flag, 0, 1);
    w.on('message', (m: { progress?: ExploreProgress; result?: Omit<ExploreResult, 'scenario'> }) => {
      if (m.progress) o.progress(m.progress);
      if (m.result) { done = true; resolve({ ...m.result, scenario: sc }); void w.terminate(); }
    });
    w.on('error', (e) => { done = true; reject(e); });
    w.on('exit', (code) => { if (!done) reject(new Error(`the explorer's worker exited with code ${code}`)); });
  });
}
