// The extension's explorer runs here, on a worker thread, so the extension host stays responsive: its progress
// reaches the notification while it runs, and Cancel reaches it (a flag in shared memory, which shouldStop reads).
// No vscode here: the extension (exploreRunner.ts) starts this file (dist/exploreWorker.js) and talks to it.
import { parentPort, workerData } from 'worker_threads';
import { explore } from '../scenario/explore';
import { parseScenario } from '../scenario/parse';

export interface ExploreJob { text: string; file: string; maxStates: number; stop: SharedArrayBuffer }

const job = workerData as ExploreJob;
const flag = new Int32Array(job.stop);
const sc = parseScenario(job.text, job.file);
const res = explore(sc, {
  maxStates: job.maxStates, hashing: true,
  shouldStop: () => Atomics.load(flag, 0) !== 0,
  progress: (p) => parentPort!.postMessage({ progress: p }),
});
// The scenario stays behind (the extension has its own parse of the same text).
const { scenario: _scenario, ...rest } = res;
parentPort!.postMessage({ result: rest });
