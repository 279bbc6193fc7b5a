// One explorer measurement in a process of its own (so each figure has its own peak RSS): `node --expose-gc
// explore-child.js <scenario> <sharing|deep> <runs>` prints JSON. The search runs `runs` times; states/s is the
// median. During the last run the live heap is sampled (a full GC first, when global.gc exists) at most every
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
  let states = 0, transitions = 0, seconds = 0, peakLive = 0, base = 0, samples = 0, violations: string[] = [];
  for (let r = 0; r < runs; r++) {
    const sampling = r === runs - 1;
    gc?.();
    base = process.memoryUsage().heapUsed;
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
    states = res.statesExplored; transitions = res.transitions; seconds = res.seconds - paused;
    violations = res.violations.map((v) => v.kind);
    rates.push(states / seconds);
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
