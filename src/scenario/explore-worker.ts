// The entry of an explore --workers thread (explore-parallel.ts starts it; the build puts it beside each bundle).
import { parentPort, workerData } from 'node:worker_threads';
import { runExploreWorker } from './explore-parallel';

if (parentPort) runExploreWorker(workerData, parentPort);
