// explore --workers, run in this thread (issue #16: a mutation tester sees only the main thread, so the threaded
// search's tests left src/scenario/explore-parallel.ts unmeasured): the shared table of stored keys slot by slot, the
// split of the frontier among the workers and each worker's budget, a worker's reply (its findings, a broken
// reduction premise, any other error), the merge of the replies, and that the whole gives explore()'s answer.
// reduce.test.ts runs the same search on real worker threads.
import { strict as assert } from 'node:assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { actorsOf, explore, search, type ExploreOptions, type SearchOut } from '../../src/scenario/explore';
import {
  SharedVisited, exploreParallel, inThisThread, merge, onThread, runExploreWorker, threadRunner, type RunJob, type WorkerJob, type WorkerReply,
} from '../../src/scenario/explore-parallel';
import { OPS } from '../../src/scenario/ops';
import { parseScenario, type Scenario } from '../../src/scenario/parse';
import { twoGuests } from './two-guests';

const DIR = path.join(__dirname, '../../../scenarios');
const load = (name: string, fixed = false): Scenario =>
  parseScenario(fs.readFileSync(path.join(DIR, name), 'utf8'), name, fixed ? { fixed: true } : undefined);

/** What a result says, without its time and its counterexample files. */
const gist = (r: Awaited<ReturnType<typeof exploreParallel>>) => ({
  states: r.statesExplored, transitions: r.transitions, duplicates: r.duplicates, maxDepth: r.maxDepth, finalStates: r.finalStates,
  complete: r.complete, stoppedBy: r.stoppedBy, hashing: r.hashing, reduction: r.reduction,
  violations: r.violations.map((v) => [v.kind, v.message, v.trail.length, v.switches]).sort(),
  finals: r.finals ? [...r.finals].sort((a, b) => a - b) : undefined,
});

/** inThisThread, recording each job it is given and each reply. */
function recording(): { run: RunJob; jobs: WorkerJob[]; replies: WorkerReply[] } {
  const jobs: WorkerJob[] = [], replies: WorkerReply[] = [];
  return { jobs, replies, run: async (job) => { jobs.push(job); const r = await inThisThread(job); replies.push(r); return r; } };
}

const out = (o: Partial<SearchOut>): SearchOut =>
  ({ explored: 0, transitions: 0, duplicates: 0, maxDepth: 0, finalCount: 0, complete: true, found: [], ...o });
const find = (kind: 'deadlock' | 'lost-request', depth: number, switches: number, tag: string) =>
  ({ kind, message: tag, trail: [depth], switches, depth });

describe('explore --workers: the shared table of stored keys', () => {
  it('has room for twice the capacity asked, in a power of two of at least 1024 slots', () => {
    assert.deepEqual([0, 100, 512, 513, 1024, 1025, 5000].map((c) => SharedVisited.create(c).table.length), [1024, 1024, 1024, 2048, 2048, 4096, 16384]);
    assert.equal(SharedVisited.create(513).table.buffer.byteLength, 2048 * 8, 'eight bytes a slot');
    assert.ok(SharedVisited.create(1).table.buffer instanceof SharedArrayBuffer);
  });

  it('stores key k as k + 1 in slot (low 32 bits xor high bits) & mask, probing onwards from there', () => {
    const t = SharedVisited.create(1);
    assert.equal(t.add(5), true);
    assert.equal(t.table[5], 6n);
    // High bits 3, low bits 7: slot 7 ^ 3 = 4.
    assert.equal(t.add(3 * 2 ** 32 + 7), true);
    assert.equal(t.table[4], BigInt(3 * 2 ** 32 + 8));
    // 1029 & 1023 = 5, taken by key 5: the next slot up.
    assert.equal(t.add(1029), true);
    assert.equal(t.table[6], 1030n);
    assert.equal(t.add(1029), false, 'found again past the slot it collided in');
    assert.equal(t.add(5), false);
    assert.equal(t.add(0), true, 'key 0 is stored as 1: 0 marks an empty slot');
    assert.equal(t.table[0], 1n);
    assert.deepEqual([...t.table].filter((v) => v !== 0n).length, 4);
  });

  it('probes every slot, wrapping round, before it reports the table full', () => {
    const t = new SharedVisited(new SharedArrayBuffer(4 * 8));
    for (const k of [1, 2, 3]) assert.equal(t.add(k), true);
    // Key 5 starts at slot 1 and finds slot 0 free on its fourth probe.
    assert.equal(t.add(5), true);
    assert.deepEqual([...t.table], [6n, 2n, 3n, 4n]);
    assert.equal(t.add(5), false);
    assert.throws(() => t.add(9), { message: 'explore --workers: the table of 4 states is full' });
  });
});

describe('explore --workers: merging the workers\' findings', () => {
  it('sums the counts, takes the deepest layer, and is complete only when every part is', () => {
    const m = merge([out({ explored: 3, transitions: 4, duplicates: 1, maxDepth: 2, finalCount: 1 }),
      out({ explored: 10, transitions: 20, duplicates: 5, maxDepth: 7, finalCount: 2, complete: false, stoppedBy: 'max-states' }),
      out({ explored: 1, transitions: 2, duplicates: 0, maxDepth: 5, finalCount: 0, complete: false, stoppedBy: 'max-seconds' })]);
    assert.deepEqual(m, { explored: 14, transitions: 26, duplicates: 6, maxDepth: 7, finalCount: 3, complete: false, stoppedBy: 'max-states', found: [] });
    assert.equal(merge([out({}), out({})]).complete, true);
    assert.equal(merge([out({ complete: false }), out({})]).complete, false);
    assert.equal(merge([out({}), out({ complete: false })]).complete, false);
  });

  it('keeps the final states of every part, each once; no part with finals gives none', () => {
    assert.deepEqual(merge([out({ finals: [3, 1] }), out({}), out({ finals: [1, 7] })]).finals, [3, 1, 7]);
    assert.deepEqual(merge([out({}), out({ finals: [] })]).finals, []);
    assert.equal('finals' in merge([out({}), out({})]), false);
  });

  it('per kind, the shortest counterexample; among the shortest the fewest switches; among equals the first', () => {
    const m = merge([
      out({ found: [find('deadlock', 6, 2, 'a'), find('lost-request', 4, 3, 'b')] }),
      out({ found: [find('deadlock', 5, 4, 'c'), find('lost-request', 4, 1, 'd')] }),
      out({ found: [find('deadlock', 5, 4, 'e'), find('lost-request', 4, 1, 'f'), find('deadlock', 7, 0, 'g')] }),
    ]);
    assert.deepEqual(m.found.map((f) => [f.kind, f.message]), [['deadlock', 'c'], ['lost-request', 'd']]);
    // A shallower one wins over fewer switches.
    assert.deepEqual(merge([out({ found: [find('deadlock', 3, 9, 'x')] }), out({ found: [find('deadlock', 4, 0, 'y')] })]).found.map((f) => f.message), ['x']);
  });
});

describe('explore --workers: a worker\'s job', () => {
  const opts: ExploreOptions = { maxStates: 100000, hashing: true };
  /** A job as the driver makes one: the head's frontier as roots, its keys in the shared table. */
  const job = (sc: Scenario, reducing: boolean, pessimistic: boolean, splitAt = 3): { job: WorkerJob; head: SearchOut } => {
    const { actors, byActor } = actorsOf(sc);
    const head = search(sc, opts, actors, byActor, null, false, { splitAt });
    const visited = SharedVisited.create(1024);
    for (const k of head.seenKeys!) visited.add(k);
    return { head, job: { sc, opts, reducing, pessimistic, roots: head.frontier!, visited: visited.table.buffer as SharedArrayBuffer } };
  };
  const reply = (j: WorkerJob): WorkerReply => {
    const { port1, port2 } = new MessageChannel();
    try {
      runExploreWorker(j, port1);
      return receiveMessageOnPort(port2)!.message as WorkerReply;
    } finally { port1.close(); port2.close(); }
  };

  it('reduced, it searches its roots with the reduction: fewer states than the full search from the same roots', () => {
    const sc = twoGuests(2);
    const full = reply(job(sc, false, false).job), reduced = reply(job(sc, true, false).job);
    assert.ok(full.ok && reduced.ok);
    assert.ok(reduced.out.explored < full.out.explored, `${reduced.out.explored} < ${full.out.explored}`);
  });

  it('a step that breaks the reduction\'s premise is reported as such, so the driver can search again pessimistically', () => {
    // Scenario 29: a port write to a server enabled before its pages were mapped crashes the guest.
    const sc = load('29-x421-hazard-enable-before-map.ioreq.json');
    const r = reply(job(sc, true, false, 2).job);
    assert.equal(r.ok, false);
    assert.ok(!r.ok);
    assert.equal(r.premise, true);
    assert.match(r.message, /^step \d+ \(\w+ \w+\) crashed, shut down or ended/);
    const pessimistic = reply(job(sc, true, true, 2).job);
    assert.equal(pessimistic.ok, true, 'pessimistic, the same roots search to the end');
  });

  it('any other error comes back as its message, not as a broken premise', () => {
    const { job: j } = job(twoGuests(1), false, false);
    const r = reply({ ...j, roots: [[9999]] });
    assert.equal(r.ok, false);
    assert.ok(!r.ok);
    assert.equal(r.premise, false);
    assert.equal(typeof r.message, 'string');
    assert.ok(r.message.length > 0);
  });

  it('the worker thread\'s entry, loaded outside a worker thread, does nothing', () => {
    assert.doesNotThrow(() => require('../../src/scenario/explore-worker'));
  });

  it('the worker thread\'s entry, given a parent port and its job (as a worker thread is), posts that job\'s findings there', () => {
    // The entry reads node:worker_threads' parentPort and workerData when it is loaded; they are set here, in this
    // thread, to what a Worker would see, so that the mutation tester (which switches mutants in this thread only)
    // runs the entry's branch too.
    const wt = require('node:worker_threads') as { parentPort: unknown; workerData: unknown };
    const entry = require.resolve('../../src/scenario/explore-worker');
    const { job: j } = job(twoGuests(1), false, false);
    const { port1, port2 } = new MessageChannel();
    const saved = { parentPort: wt.parentPort, workerData: wt.workerData };
    try {
      wt.parentPort = port1; wt.workerData = j;
      delete require.cache[entry];
      require(entry);
      const got = receiveMessageOnPort(port2);
      assert.ok(got, 'the entry posted its reply on the parent port');
      // The job's shared table now holds what the entry stored: the comparison runs the same job on a fresh one.
      assert.deepEqual(got.message, reply(job(twoGuests(1), false, false).job), 'the same reply runExploreWorker gives for the job');
      assert.ok(((got.message as WorkerReply & { ok: true }).out.explored) > 0, 'it searched its roots');
      assert.equal((got.message as WorkerReply).ok, true);
    } finally {
      wt.parentPort = saved.parentPort; wt.workerData = saved.workerData;
      delete require.cache[entry];
      port1.close(); port2.close();
    }
  });
});

describe('explore --workers, in this thread: the driver', function () {
  this.timeout(120000);

  it('gives explore()\'s answer on each scenario: the same counts, verdicts, counterexample lengths and final states', async () => {
    const cases = [twoGuests(2), load('41-mmio-data-is-ptr.ioreq.json'), load('45-shutdown-races-io.ioreq.json'), load('69-zoo-92938e5d14-state-driven-backwards.ioreq.json')];
    for (const sc of cases) {
      for (const reduce of [true, false]) {
        const opts = { maxStates: 200000, hashing: true, collectFinals: true, reduce };
        const rec = recording();
        const t0 = process.hrtime.bigint();
        const two = await exploreParallel(sc, opts, 2, 2, rec.run);
        const wall = Number(process.hrtime.bigint() - t0) / 1e9;
        assert.equal(rec.jobs.length, 2, `${sc.file}: both workers ran`);
        assert.deepEqual(gist(two), gist(explore(sc, opts)), `${sc.file} reduce ${reduce}`);
        assert.ok(two.seconds > 0 && two.seconds <= wall, `${two.seconds} s within the ${wall} s the call took`);
        assert.equal(two.scenario, sc);
      }
    }
  });

  it('without hashing (every interleaving, nothing stored), the same answer as explore() without hashing', async () => {
    const sc = twoGuests(1);
    const opts = { maxStates: 200000, hashing: false, reduce: false };
    const rec = recording();
    const r = await exploreParallel(sc, opts, 2, 2, rec.run);
    assert.equal(rec.jobs.length, 2);
    assert.deepEqual(gist(r), gist(explore(sc, opts)));
    assert.equal(r.hashing, false);
  });

  it('shares the frontier out round-robin, each worker with an equal part of the states left to explore', async () => {
    const sc = twoGuests(2);
    const opts: ExploreOptions = { maxStates: 100000, hashing: true, reduce: false, shouldStop: () => false, progress: () => undefined };
    const { actors, byActor } = actorsOf(sc);
    const head = search(sc, opts, actors, byActor, null, false, { splitAt: 3 * 2 });
    const rec = recording();
    await exploreParallel(sc, opts, 3, 2, rec.run);
    assert.equal(rec.jobs.length, 3);
    assert.deepEqual(rec.jobs.map((j) => j.roots), [0, 1, 2].map((w) => head.frontier!.filter((_, i) => i % 3 === w)));
    const left = Math.ceil((opts.maxStates - head.explored) / 3);
    for (const j of rec.jobs) {
      assert.equal(j.opts.maxStates, left);
      assert.equal(j.opts.shouldStop, undefined, 'no function crosses to a thread');
      assert.equal(j.opts.progress, undefined);
      assert.equal(j.reducing, false);
      assert.equal(j.pessimistic, false);
      // The head's keys are in the table the workers share.
      const t = new SharedVisited(j.visited);
      assert.equal(t.table.length, SharedVisited.create(100000).table.length);
      for (const k of head.seenKeys!.slice(0, 5)) assert.equal(t.add(k), false);
    }
    assert.equal(new Set(rec.jobs.map((j) => j.visited)).size, 1, 'one table');
  });

  it('a search smaller than the split runs on no worker: the head alone answers', async () => {
    const sc = load('20-explore-lost-request.ioreq.json');
    const opts = { maxStates: 1000, hashing: true, collectFinals: true };
    const rec = recording();
    const r = await exploreParallel(sc, opts, 2, 64, rec.run);
    assert.equal(rec.jobs.length, 0);
    assert.deepEqual(gist(r), gist(explore(sc, opts)));
  });

  it('with a budget too small for the search, each worker stops at its share and the result says so', async () => {
    const sc = twoGuests(2);
    const rec = recording();
    const r = await exploreParallel(sc, { maxStates: 40, hashing: true, reduce: false }, 2, 2, rec.run);
    assert.equal(r.complete, false);
    assert.equal(r.stoppedBy, 'max-states');
    assert.ok(rec.jobs.every((j) => j.opts.maxStates >= 1));
    assert.ok(r.statesExplored < explore(sc, { maxStates: 100000, hashing: true, reduce: false }).statesExplored);
  });

  it('a worker whose reduction premise breaks: the search is redone pessimistically, as explore() does', async () => {
    const sc = load('29-x421-hazard-enable-before-map.ioreq.json');
    const opts = { maxStates: 10000, hashing: true, collectFinals: true };
    const rec = recording();
    const r = await exploreParallel(sc, opts, 2, 2, rec.run);
    const one = explore(sc, opts);
    assert.deepEqual(r.reduction, one.reduction);
    assert.equal(r.reduction.pessimistic, true);
    assert.deepEqual(gist(r), gist(one));
    assert.ok(rec.replies.some((x) => !x.ok && x.premise), 'a worker reported the broken premise');
    const again = rec.jobs.filter((j) => j.pessimistic);
    assert.ok(again.length > 0 && again.every((j) => j.reducing), 'the second search is reduced, pessimistically');
  });

  it('the broken premise is found among the replies wherever it is, not only in the first', async () => {
    // Scenario 70 shared out at one state per worker: the first worker finishes, the second breaks the premise.
    const sc = load('70-x421-arm-ioeventfd-shares-ioreq-port.ioreq.json');
    const opts = { maxStates: 10000, hashing: true, collectFinals: true };
    const rec = recording();
    const r = await exploreParallel(sc, opts, 2, 1, rec.run);
    assert.deepEqual(rec.replies.slice(0, 2).map((x) => x.ok ? 'ok' : x.premise ? 'premise' : 'error'), ['ok', 'premise']);
    assert.deepEqual(gist(r), gist(explore(sc, opts)));
  });

  it('a worker\'s other error reaches the caller with its message, and is not retried', async () => {
    // An op whose declared footprint leaves out what it writes: --check-footprints fails at its first run, which is
    // past the split (a worker's): a vcpu resumes only once its device model has answered.
    const spec = OPS.hvm_do_resume as { footprint?: unknown };
    const saved = spec.footprint;
    spec.footprint = () => ({ reads: [], writes: [] });
    const rec = recording();
    try {
      await assert.rejects(exploreParallel(twoGuests(1), { maxStates: 10000, hashing: true, checkFootprints: true }, 2, 2, rec.run),
        (e: Error) => e.constructor === Error && /hvm_do_resume, two-guests\.ioreq\.json:1:\d+\) changed /.test(e.message));
    } finally {
      spec.footprint = saved;
    }
    assert.ok(rec.replies.some((x) => !x.ok && !x.premise), 'the error came from a worker');
    assert.equal(rec.jobs.filter((j) => j.pessimistic).length, 0);
  });
});

describe('explore --workers: the worker threads themselves', function () {
  this.timeout(60000);
  let dir = '';
  before(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ioreq-workers-')); });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const script = (name: string, text: string) => { const f = path.join(dir, name); fs.writeFileSync(f, text); return f; };
  const { job: small } = (() => {
    const sc = twoGuests(1);
    const { actors, byActor } = actorsOf(sc);
    const head = search(sc, { maxStates: 1000, hashing: true }, actors, byActor, null, false, { splitAt: 2 });
    return { job: { sc, opts: { maxStates: 1000, hashing: true }, reducing: false, pessimistic: false, roots: head.frontier!, visited: SharedVisited.create(1000).table.buffer as SharedArrayBuffer } };
  })();

  it('the built worker script answers a job as the same job run here does', async () => {
    const there = await onThread(small), here = await inThisThread(small);
    assert.ok(there.ok && here.ok);
    assert.equal(there.out.found.length, here.out.found.length);
    assert.equal(there.out.transitions > 0, true);
  });

  it('a thread that throws fails the search with its error', async () => {
    await assert.rejects(threadRunner(script('throws.js', "throw new Error('worker broke at load');"))(small), { message: 'worker broke at load' });
  });

  it('a thread that ends without replying fails the search, saying so, instead of leaving it waiting', async () => {
    await assert.rejects(threadRunner(script('quiet.js', 'process.exitCode = 3;'))(small),
      { message: 'explore --workers: a worker thread ended (exit code 3) without its findings' });
  });
});
