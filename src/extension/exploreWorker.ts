// The extension's explorer runs here, on a worker thread, so the extension host stays responsive: its progress
// reaches the notification while it runs, and Cancel reaches it (a flag in shared memory, which shouldStop reads).
// No vscode here: the extension (exploreRunner.ts) starts this file (dist/exploreWorker.js) and talks to it.
import { parentPort, workerData } from 'worker_threads';
import { explore } from '../scenario/explore';
import type { Scenario } from '../scenario/types';

/** The parsed scenario comes structured-cloned: the worker needs no parser (nor the schema validator) of its own. */
export interface ExploreJob { sc: Scenario; maxStates: number; stop: SharedArrayBuffer }

const job = workerData as ExploreJob;
const flag = new Int32Array(job.stop);
const sc = job.sc;
const res = explore(sc, {
  maxStates: job.maxStates, hashing: true,
  shouldStop: () => Atomics.load(flag, 0) !== 0,
  progress: (p) => parentPort!.postMessage({ progress: p }),
});
// The scenario stays behind (the extension has its own parse of the same text).
const { scenario: _scenario, ...rest } = res;
parentPort!.postMessage({ result: rest });
