// explore --workers N: the breadth-first search on N worker threads. The main thread searches until a layer holds
// enough states to share (64 per worker), then each worker rebuilds its share of that frontier by running the trails
// from the initial state and searches on; the states stored are one table in shared memory, so a state is expanded
// by whichever worker stores it first. Each worker searches its share breadth-first: every path to a state has the
// same length (the sum of the actors' positions), so a worker's shortest counterexample of a kind is as short as
// the full search's for the states it owns, and the shortest over all workers is the shortest there is. Among
// counterexamples of one length the one with the fewest switches is chosen per worker, then across workers.
import * as path from 'node:path';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import {
  PremiseBroken, actorsOf, exploreResult, opDecl, reductionPlan, search, type ExploreOptions, type ExploreResult,
  type ReductionReport, type SearchOut, type Visited,
} from './explore';
import { prepareReduction } from './footprint';
import type { Scenario } from './types';

/** An open-addressing table of 53-bit keys in a SharedArrayBuffer; 0 marks an empty slot (keys are offset by 1). */
export class SharedVisited implements Visited {
  readonly table: BigInt64Array;
  private readonly mask: number;
  constructor(buf: SharedArrayBuffer) {
    this.table = new BigInt64Array(buf);
    this.mask = this.table.length - 1;
  }
  static create(capacity: number): SharedVisited {
    let n = 1024;
    while (n < capacity * 2) n *= 2;
    return new SharedVisited(new SharedArrayBuffer(n * 8));
  }
  add(k: number): boolean {
    const v = BigInt(k) + 1n;
    let i = (k ^ (k / 4294967296)) & this.mask;
    for (let probes = 0; probes <= this.mask; probes++) {
      const old = Atomics.compareExchange(this.table, i, 0n, v);
      if (old === 0n) return true;
      if (old === v) return false;
      i = (i + 1) & this.mask;
    }
    throw new Error(`explore --workers: the table of ${this.table.length} states is full`);
  }
}

export interface WorkerJob {
  /** The parsed scenario, structured-cloned (so the worker needs no parser, and no schema validator, of its own). */
  sc: Scenario; opts: ExploreOptions; reducing: boolean; pessimistic: boolean;
  roots: number[][]; visited: SharedArrayBuffer;
}

/**
 * How many frontier states per worker the main thread searches to before sharing out: with few, a worker whose
 * share merges early into another's finds everything taken (measured: 6 states against 69,120 at 8 per worker, 38,721
 * against 29,388 at 64, on bench/explore-4vcpu-2dm).
 */
const SPLIT_PER_WORKER = 64;

export type WorkerReply = { ok: true; out: SearchOut } | { ok: false; premise: boolean; message: string };

/** How one worker's job is run: `onThread` (the default) or `inThisThread`. */
export type RunJob = (job: WorkerJob) => Promise<WorkerReply>;

/** The worker thread's side (src/scenario/explore-worker.ts calls it). */
export function runExploreWorker(job: WorkerJob, port: MessagePort): void {
  let reply: WorkerReply;
  try {
    const sc = job.sc;
    const { actors, byActor } = actorsOf(sc);
    const red = job.reducing || job.opts.checkFootprints ? prepareReduction(sc, byActor, job.pessimistic || !job.reducing, opDecl) : null;
    const out = search(sc, { ...job.opts, shouldStop: undefined, progress: undefined }, actors, byActor, red, job.reducing, { roots: job.roots, visited: new SharedVisited(job.visited) });
    reply = { ok: true, out };
  } catch (e) {
    reply = { ok: false, premise: e instanceof PremiseBroken, message: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
}

/** The workers' findings as one search's: sums, the deepest layer, and per kind the shortest counterexample (ties: fewest switches, then the first). */
export function merge(parts: SearchOut[]): SearchOut {
  const out: SearchOut = { explored: 0, transitions: 0, duplicates: 0, maxDepth: 0, finalCount: 0, complete: true, found: [] };
  const finals = new Set<number>();
  let anyFinals = false;
  const best = new Map<string, SearchOut['found'][number]>();
  for (const p of parts) {
    out.explored += p.explored; out.transitions += p.transitions; out.duplicates += p.duplicates; out.finalCount += p.finalCount;
    out.maxDepth = Math.max(out.maxDepth, p.maxDepth); out.complete &&= p.complete; out.stoppedBy ??= p.stoppedBy;
    if (p.finals) { anyFinals = true; for (const k of p.finals) finals.add(k); }
    for (const f of p.found) {
      const b = best.get(f.kind);
      if (!b || f.depth < b.depth || (f.depth === b.depth && f.switches < b.switches)) best.set(f.kind, f);
    }
  }
  out.found = [...best.values()];
  if (anyFinals) out.finals = [...finals];
  return out;
}

/** Where the worker script sits: beside this module (one-to-one build) or beside the bundle that includes it. */
function workerScript(): string {
  return path.join(__dirname, 'explore-worker.js');
}

/**
 * A worker thread per job running `script` (src/scenario/explore-worker.ts), its reply the one message it posts; a
 * thread that dies (an uncaught error) or ends without replying fails the search instead of leaving it waiting.
 */
export function threadRunner(script: string): RunJob {
  return (job) => new Promise<WorkerReply>((resolve, reject) => {
    const w = new Worker(script, { workerData: job });
    w.once('message', (m: WorkerReply) => { resolve(m); void w.terminate(); });
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`explore --workers: a worker thread ended (exit code ${code}) without its findings`)));
  });
}

export const onThread: RunJob = (job) => threadRunner(workerScript())(job);

/**
 * The same job run to its end in this thread, one after another, on a structured clone of the scenario as a worker
 * receives it and the same shared table: for tests, so that a mutation tester (which sees only the main thread) runs
 * the workers' code; the split, the shared table and the merge are those of the threaded search.
 */
export const inThisThread: RunJob = (job) => new Promise<WorkerReply>((resolve) => {
  const { port1, port2 } = new MessageChannel();
  port2.once('message', (m: WorkerReply) => { port2.close(); resolve(m); });
  runExploreWorker({ ...job, sc: structuredClone(job.sc), opts: structuredClone(job.opts) }, port1);
  port1.close();
});

async function attempt(sc: Scenario, opts: ExploreOptions, workers: number, reducing: boolean, pessimistic: boolean, split: number, run: RunJob): Promise<SearchOut> {
  const { actors, byActor } = actorsOf(sc);
  const red = reducing || opts.checkFootprints ? prepareReduction(sc, byActor, pessimistic || !reducing, opDecl) : null;
  const head = search(sc, opts, actors, byActor, red, reducing, { splitAt: split * workers });
  if (!head.frontier) return head;
  const visited = SharedVisited.create(Math.max(opts.maxStates, 1024));
  for (const k of head.seenKeys ?? []) visited.add(k);
  const shares: number[][][] = Array.from({ length: workers }, () => []);
  head.frontier.forEach((t, i) => shares[i % workers].push(t));
  // Each worker's budget is the rest of the search's, shared out.
  const left = Math.max(1, Math.ceil((opts.maxStates - head.explored) / workers));
  const replies = await Promise.all(shares.map((roots) => run({
    sc, opts: { ...opts, maxStates: left, shouldStop: undefined, progress: undefined }, reducing, pessimistic, roots,
    visited: visited.table.buffer as SharedArrayBuffer,
  })));
  const broken = replies.find((r) => !r.ok);
  if (broken && !broken.ok) {
    if (broken.premise) throw new PremiseBroken(broken.message);
    throw new Error(broken.message);
  }
  const parts = replies.map((r) => (r as { ok: true; out: SearchOut }).out);
  // The head's frontier states were counted by the head; the workers count what they add.
  return merge([{ ...head, frontier: undefined, seenKeys: undefined }, ...parts]);
}

/**
 * explore() on `workers` threads; `splitPerWorker`: the frontier states per worker to share out (tests use few);
 * `run`: how each worker's job runs (tests pass inThisThread).
 */
export async function exploreParallel(sc: Scenario, opts: ExploreOptions, workers: number, splitPerWorker = SPLIT_PER_WORKER, run: RunJob = onThread): Promise<ExploreResult> {
  const t0 = process.hrtime.bigint();
  const secs = () => Number(process.hrtime.bigint() - t0) / 1e9;
  const plan: ReductionReport = reductionPlan(sc, opts);
  try {
    return exploreResult(sc, opts, await attempt(sc, opts, workers, plan.on, false, splitPerWorker, run), plan, secs());
  } catch (e) {
    if (!(e instanceof PremiseBroken) || !plan.on) throw e;
    return exploreResult(sc, opts, await attempt(sc, opts, workers, true, true, splitPerWorker, run), { on: true, pessimistic: true, why: e.message }, secs());
  }
}
