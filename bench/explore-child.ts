// One explorer measurement in a process of its own (so each figure has its own peak RSS): `node --expose-gc
// explore-child.js <scenario> <sharing|deep> <runs>` prints JSON. The search runs `runs` timed times (after a
// warm-up); states/s is the median. During one more run the live heap is sampled (a full GC first, when global.gc exists) at most every
// SAMPLE_MS; the time those samples take is left out of that run's states/s. Bytes per stored state: the largest
// live heap seen, above the heap before the search, over the states the search stored.
import * as fs from 'fs';
import { pageDigests } from '../src/model/fingerprint';
import { setCloneSharing } from '../src/model/model';
import { explore } from '../src/scenario/explore';
import { parseScenario } from '../src/scenario/parse';

const SAMPLE_MS = 2000;

function main(): void {
  const [file, mode, runsArg] = process.argv.slice(2);
  const runs = Math.max(1, Number(runsArg ?? 1));
  const deep = mode === 'deep';
  setCloneSharing(!deep);
  pageDigests.on = !deep;
  const sc = parseScenario(fs.readFileSync(file, 'utf8'), file);
  const gc = (globalThis as { gc?: () => void }).gc;
  const rates: number[] = [];
  let states = 0, transitions = 0, seconds = 0, peakLive = 0, samples = 0, violations: string[] = [];
  // Short searches: one warm-up run first, then `runs` timed ones, then one more that samples the heap (untimed).
  // A single run (the 3-vcpu scenario) is long enough to warm up: it is timed and sampled at once, pauses left out.
  const total = runs === 1 ? 1 : runs + 2;
  for (let r = 0; r < total; r++) {
    const sampling = r === total - 1;
    const timed = runs === 1 || (r > 0 && r < total - 1);
    gc?.();
    const base = process.memoryUsage().heapUsed;
    let paused = 0, lastSample = 0;
    const res = explore(sc, {
      maxStates: 5_000_000, hashing: true,
      progress: sampling ? (p) => {
        if ((p.seconds - lastSample) * 1000 < SAMPLE_MS && samples > 0) return;
        const t0 = process.hrtime.bigint();
        gc?.();
        peakLive = Math.max(peakLive, process.memoryUsage().heapUsed - base);
        samples++;
        const t1 = process.hrtime.bigint();
        paused += Number(t1 - t0) / 1e9;
        lastSample = p.seconds + Number(t1 - t0) / 1e9;
      } : undefined,
    });
    states = res.statesExplored; transitions = res.transitions;
    violations = res.violations.map((v) => v.kind);
    if (timed) { seconds = res.seconds - paused; rates.push(states / seconds); }
  }
  rates.sort((a, b) => a - b);
  process.stdout.write(JSON.stringify({
    mode, states, transitions, violations, runs, lastRunSeconds: +seconds.toFixed(3),
    statesPerSec: Math.round(rates[Math.floor(rates.length / 2)]),
    heapSamples: samples, gcAvailable: !!gc,
    peakLiveHeapBytes: samples ? peakLive : null,
    bytesPerStoredState: samples ? Math.round(peakLive / states) : null,
    peakRssBytes: process.resourceUsage().maxRSS * 1024,
  }) + '\n');
}

main();
