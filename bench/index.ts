// npm run bench: figures for the model, each beside a baseline measured in the same run, printed as JSON.
// Medians of several timed runs; the machines are shared and noisy, so ratios matter more than absolutes.
import * as A from '../src/model/abi';
import { DeviceModel } from '../src/model/dm';
import { Model } from '../src/model/model';
import { drain } from '../src/model/step';
import type { Vcpu } from '../src/model/xen';
import * as fs from 'fs';
import * as path from 'path';
import { parseScenario, type Scenario } from '../src/scenario/parse';
import { runScenario } from '../src/scenario/run';
import { explore } from '../src/scenario/explore';
import { dapFigures, median } from './dap';
import { liveFigures } from './live';
import { activationFigures } from './activation';
import { latencyFigures } from './latency';
import { mutationFigures } from './mutation';
import { profileFigures } from './profiles';
import { zooFigures } from './zoo';
import { reductionFigures, workerFigures } from './reduce';
import { exploreFigures } from './explore';
import { traceFigures } from './trace';
import { ModelTree } from '../src/extension/treeModel';
import { evtchnAllocUnbound } from '../src/model/evtchn';

const RUNS = Number(process.env.BENCH_RUNS ?? 7);


/** Runs body(n) RUNS times after a warm-up; returns the median operations per second. */
function rate(n: number, body: (n: number) => void): number {
  body(Math.max(1, Math.floor(n / 10)));
  const rs: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t0 = process.hrtime.bigint();
    body(n);
    const dt = Number(process.hrtime.bigint() - t0) / 1e9;
    rs.push(n / dt);
  }
  return median(rs);
}

/** A booted host with d1 (1 vcpu), built, unpaused, and a device model initialised as QEMU does. */
function ready(events: boolean): { m: Model; v: Vcpu; dm: DeviceModel } {
  const m = new Model('seed').boot();
  m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(1, 1, true));
  const d = m.x.domains.get(1)!;
  m.flatRun('toolstack', null, (f) => f.libxc.setupGuest(d, 0x8000, 0, 0));
  m.flatRun('toolstack', null, (f) => f.libxc.domainUnpauseByController(d));
  const dm = m.addDeviceModel('qemu', 0, 1, 1);
  const r = m.flatRun('dm0', null, (f) => f.qemu.xenHvmInit(dm));
  if (r.value !== 0) throw new Error('xen_hvm_init failed');
  m.x.on = events;
  m.x.events.length = 0;
  return { m, v: d.vcpu[0], dm };
}

/** One synchronous round trip on the flat build: outb by the vcpu, cpu_handle_ioreq by the DM, hvm_do_resume. */
function roundTripsFlat(n: number, events: boolean): void {
  const { m, v, dm } = ready(events);
  const f = m.flat;
  const x = m.x;
  for (let i = 0; i < n; i++) {
    x.current = v;
    f.hvm.handlePio(v, 0x3f8, 1, A.IOREQ_WRITE, BigInt(i & 0xff));
    x.current = null;
    f.qemu.cpuHandleIoreq(dm, 0, {});
    x.current = v;
    f.hvm.hvmDoResume(v);
    if (events && x.events.length > 100000) x.events.length = 0;
  }
  if (v.io_done < n) throw new Error(`round trips did not complete: ${v.io_done}/${n}`);
}

/** The same round trip on the stepped build, every statement yielded to a driver that resumes at once. */
function roundTripsStepped(n: number): void {
  const { m, v, dm } = ready(false);
  for (let i = 0; i < n; i++) {
    drain(m.steppedRun('vcpu0', v, (s) => s.hvm.handlePio(v, 0x3f8, 1, A.IOREQ_WRITE, BigInt(i & 0xff))) as never);
    drain(m.steppedRun('dm0', null, (s) => s.qemu.cpuHandleIoreq(dm, 0, {})) as never);
    drain(m.steppedRun('vcpu0', v, (s) => s.hvm.hvmDoResume(v)) as never);
  }
  if (v.io_done < n) throw new Error('stepped round trips did not complete');
}

/** Counts the statements the stepped build yields in one round trip. */
function statementsPerRoundTrip(): number {
  const { m, v, dm } = ready(false);
  let k = 0;
  for (const g of [
    m.steppedRun('vcpu0', v, (s) => s.hvm.handlePio(v, 0x3f8, 1, A.IOREQ_WRITE, 1n)),
    m.steppedRun('dm0', null, (s) => s.qemu.cpuHandleIoreq(dm, 0, {})),
    m.steppedRun('vcpu0', v, (s) => s.hvm.hvmDoResume(v)),
  ] as Generator<unknown, unknown, void>[]) for (let r = g.next(); !r.done; r = g.next()) k++;
  return k;
}

/** The floor: the bare byte traffic one round trip must make on the ioreq page, as a DataView loop. */
function roundTripFloor(n: number): void {
  const dv = new DataView(new ArrayBuffer(4096));
  const off = 0;
  const st = (s: number) => dv.setUint8(off + A.OFF_BITS, (dv.getUint8(off + A.OFF_BITS) & 0xf0) | s);
  for (let i = 0; i < n; i++) {
    // Xen fills the slot and marks it READY; the DM reads it, INPROCESS, IORESP_READY; Xen reads data, NONE.
    dv.setBigUint64(off + A.OFF_ADDR, 0x3f8n, true);
    dv.setBigUint64(off + A.OFF_DATA, BigInt(i & 0xff), true);
    dv.setUint32(off + A.OFF_COUNT, 1, true);
    dv.setUint32(off + A.OFF_SIZE, 1, true);
    dv.setUint8(off + A.OFF_TYPE, 0);
    st(1);
    if ((dv.getUint8(off + A.OFF_BITS) & 15) !== 1) throw new Error('floor');
    st(2);
    dv.getBigUint64(off + A.OFF_DATA, true);
    st(3);
    if ((dv.getUint8(off + A.OFF_BITS) & 15) !== 3) throw new Error('floor');
    dv.getBigUint64(off + A.OFF_DATA, true);
    st(0);
  }
}

/** hvm_buffered_io_send flat-out; the reader pointer is moved up by hand when the ring fills. */
function bufferedWrites(n: number): void {
  const { m, v } = ready(false);
  const f = m.flat;
  const pg = m.x.domains.get(1)!.arch.hvm_domain.ioreq_server!.buf_ioreq.va!;
  const p: A.Ioreq = { ...A.emptyIoreq(), type: A.IOREQ_TYPE_COPY, addr: 0xa0000n, size: 2, count: 1, dir: A.IOREQ_WRITE, data: 0x741n };
  m.x.current = v;
  for (let i = 0; i < n; i++) {
    if (!f.hvm.hvmBufferedIoSend(v, p)) pg.setUint32(A.BUF_OFF_READ_POINTER, pg.getUint32(A.BUF_OFF_WRITE_POINTER, true), true);
  }
}

/** The floor for a buffered write: one slot's two words and the write pointer. */
function bufferedFloor(n: number): void {
  const dv = new DataView(new ArrayBuffer(4096));
  for (let i = 0; i < n; i++) {
    const wp = dv.getUint32(4, true);
    if (((wp - dv.getUint32(0, true)) >>> 0) >= 511) dv.setUint32(0, wp, true);
    const o = 8 + (wp % 511) * 8;
    dv.setUint32(o, (1 | (1 << 10) | (0xa0000 << 12)) >>> 0, true);
    dv.setUint32(o + 4, 0x741, true);
    dv.setUint32(4, wp + 1, true);
  }
}

const SCENARIOS = path.join(__dirname, '..', '..', 'scenarios');

function loadAll(): Scenario[] {
  return fs.readdirSync(SCENARIOS).filter((f) => f.endsWith('.ioreq.json')).sort()
    .map((f) => parseScenario(fs.readFileSync(path.join(SCENARIOS, f), 'utf8'), path.join('scenarios', f)));
}

/** Scenario figures: `run` on the largest bundled scenario, and the explorer with and without state hashing. */
function scenarioFigures(): Record<string, unknown> {
  const all = loadAll();
  const largest = all.reduce((a, b) => (b.steps.length > a.steps.length ? b : a));
  const runsPerSec = rate(20, (n) => { for (let i = 0; i < n; i++) runScenario(largest); });
  // Baseline: the same steps' model calls alone, without parsing-free runner bookkeeping (flat model, events on).
  const stepsPerSec = runsPerSec * largest.steps.length;
  const target = all.find((s) => /21-explore-bench/.test(s.file)) ?? all[0];
  const ex = (hashing: boolean) => {
    const rs: Array<{ states: number; seconds: number; transitions: number; duplicates: number; depth: number }> = [];
    for (let r = 0; r < RUNS; r++) {
      const res = explore(target, { maxStates: 2_000_000, hashing });
      rs.push({ states: res.statesExplored, seconds: res.seconds, transitions: res.transitions, duplicates: res.duplicates, depth: res.maxDepth });
    }
    const med = rs.sort((a, b) => a.seconds - b.seconds)[Math.floor(rs.length / 2)];
    return { ...med, statesPerSec: Math.round(med.states / med.seconds) };
  };
  const withHash = ex(true);
  const noHash = ex(false);
  // Parse time (what the fuzz tests used to bound inside pass/fail tests), beside JSON.parse of the same text.
  const parseMs = (text: string, file: string) => {
    const mine: number[] = [], floor: number[] = [];
    for (let r = 0; r < RUNS; r++) {
      let t0 = process.hrtime.bigint(); parseScenario(text, file); mine.push(Number(process.hrtime.bigint() - t0) / 1e6);
      t0 = process.hrtime.bigint(); JSON.parse(text.replace(/^\/\/.*$/gm, '')); floor.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    const m = median(mine), f = median(floor);
    return { chars: text.length, parseMs: +m.toFixed(2), floorJsonParseMs: +f.toFixed(3), overFloor: +(m / Math.max(f, 1e-3)).toFixed(1) };
  };
  const big = '{"profile":"seed","steps":[\n' + Array(4000).fill('{"actor":"toolstack","op":"xc_domain_create","domid":1,"vcpus":1}').join(',\n') + '\n]}';
  const largestText = fs.readFileSync(largest.file, 'utf8');
  return {
    parse: { largestBundled: { scenario: largest.file, ...parseMs(largestText, largest.file) }, fourThousandSteps: parseMs(big, 'bench.ioreq.json') },
    run: { scenario: largest.file, steps: largest.steps.length, stepsPerSec: Math.round(stepsPerSec) },
    explore: {
      scenario: target.file,
      withHashing: withHash,
      withoutHashing: noHash,
      statesSavedByHashing: noHash.states - withHash.states,
      target: { statesPerSec: 200_000 },
      // Issue 15: the shared clone beside the deep clone, per scenario, each in a process of its own.
      perStateCost: exploreFigures(path.join(__dirname, '..', '..'), RUNS),
    },
  };
}

/** The Model view's work to expand a domain with 128 vcpus and 4,096 ports (the tree logic, without VS Code). */
function treeFigures(): Record<string, unknown> {
  const m = new Model('seed').boot();
  m.flatRun('toolstack', null, (f) => f.libxc.xcDomainCreate(1, 128, true));
  const d = m.x.domains.get(1)!;
  m.flatRun('toolstack', null, (f) => f.libxc.setupGuest(d, 0x8000, 0, 0));
  const dm = m.addDeviceModel('qemu', 0, 1, 128);
  m.flatRun('dm0', null, (f) => f.qemu.xenHvmInit(dm));
  while (evtchnAllocUnbound(m.x, d, 0) >= 0) { /* fill the 2-level ABI's 4,096-port table */ }
  const t = new ModelTree();
  t.setRoots([{ id: 'r', label: 'big', model: () => m }]);
  const expand = () => {
    const d1 = t.getChildren(t.getRoots()[0]).find((n) => n.label === 'd1 (HVM)')!;
    let n = 0;
    for (const k of t.getChildren(d1)) for (const b of t.getChildren(k)) n += 1 + t.getChildren(b).length;
    return n;
  };
  const rows = expand();
  const ms: number[] = [];
  for (let r = 0; r < RUNS; r++) { const t0 = process.hrtime.bigint(); expand(); ms.push(Number(process.hrtime.bigint() - t0) / 1e6); }
  // Floor: building the same number of plain row objects.
  const floor: number[] = [];
  for (let r = 0; r < RUNS; r++) { const t0 = process.hrtime.bigint(); const a = []; for (let i = 0; i < rows; i++) a.push({ id: 'r/' + i, label: 'x' + i, description: 'y' }); floor.push(Number(process.hrtime.bigint() - t0) / 1e6); }
  const vsix = fs.readdirSync(path.join(__dirname, '..', '..')).find((f) => f.endsWith('.vsix'));
  return {
    expandDomain128Vcpus4096PortsMs: +median(ms).toFixed(2), rowsBuilt: rows, floorPlainRowsMs: +median(floor).toFixed(3),
    vsixBytes: vsix ? fs.statSync(path.join(__dirname, '..', '..', vsix)).size : null, vsixTargetBytes: 1_000_000,
  };
}

async function main(): Promise<void> {
  // `npm run bench -- --only latency`: the keypress-to-screen section alone (about 2-3 minutes).
  const only = process.argv.indexOf('--only');
  if (only >= 0) {
    const what = process.argv[only + 1];
    if (what !== 'latency') throw new Error(`--only ${what ?? ''}: the only section that runs alone is "latency"`);
    process.stdout.write(JSON.stringify({ machine: { node: process.version }, extensionLatency: await latencyFigures() }, null, 2) + '\n');
    return;
  }
  const flat = rate(200_000, (n) => roundTripsFlat(n, false));
  const flatEvents = rate(50_000, (n) => roundTripsFlat(n, true));
  const stepped = rate(20_000, roundTripsStepped);
  const floor = rate(2_000_000, roundTripFloor);
  const buf = rate(2_000_000, bufferedWrites);
  const bufFloor = rate(5_000_000, bufferedFloor);
  const out = {
    machine: { node: process.version, runs: RUNS },
    model: {
      syncRoundTripsPerSec: { flat: Math.round(flat), flatWithEvents: Math.round(flatEvents), stepped: Math.round(stepped),
        floorDataViewLoop: Math.round(floor), floorOverFlat: +(floor / flat).toFixed(2), flatOverStepped: +(flat / stepped).toFixed(1),
        statementsPerRoundTrip: statementsPerRoundTrip(), targets: { flat: 2_000_000, floorOverFlatAtMost: 5 } },
      bufferedWritesPerSec: { flat: Math.round(buf), floorDataViewLoop: Math.round(bufFloor), floorOverFlat: +(bufFloor / buf).toFixed(2), target: 10_000_000 },
    },
    scenarios: scenarioFigures(),
    profiles: profileFigures(rate, median, RUNS, { roundTrip: Math.round(floor), buffered: Math.round(bufFloor) }, SCENARIOS),
    bugZoo: zooFigures(SCENARIOS, RUNS, median),
    reduction: reductionFigures([
      path.join(SCENARIOS, '21-explore-bench.ioreq.json'), path.join(SCENARIOS, '90-x421-explore-bench.ioreq.json'),
      path.join(__dirname, '..', '..', 'bench', 'explore-3vcpu.ioreq.json'),
      path.join(__dirname, '..', '..', 'bench', 'explore-independent-guests.ioreq.json'),
      path.join(__dirname, '..', '..', 'bench', 'explore-4vcpu-2dm.ioreq.json'),
    ], Math.min(RUNS, 3), median),
    workers: await workerFigures([
      path.join(SCENARIOS, '21-explore-bench.ioreq.json'),
      path.join(__dirname, '..', '..', 'bench', 'explore-4vcpu-2dm.ioreq.json'),
    ], Math.min(RUNS, 3), median),
    extension: { ...treeFigures(), activation: await activationFigures() },
    extensionLatency: await latencyFigures(),
    debugAdapter: await dapFigures(path.join(__dirname, '..', '..', 'dist', 'debugAdapter.js'), RUNS),
    live: await liveFigures(),
    mutation: mutationFigures(path.join(__dirname, '..', '..')),
    trace: await traceFigures(RUNS),
  };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

main().catch((e) => { process.stderr.write(`bench: ${e.stack ?? e}\n`); process.exit(1); });
