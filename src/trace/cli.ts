// `ioreq-scope trace FILE... [--json] [--cpu-hz HZ] [--summary] [--scenario OUT] [--profile P] [--check]`:
// imports xentrace and QEMU traces, prints the timeline (or only the summary), writes a scenario, checks it.
// Exit: 2 for bad usage or a truncated/corrupt file (what was read is still printed), 1 when --check finds a
// disagreement, 0 otherwise.
import { existsSync, writeFileSync } from 'fs';
import { progressLine } from './child';
import { fileInput, importTraces, type TraceInput } from './import';
import { buildScenario, checkScenario, type Disagreement } from './model';
import { parseCpuHz, DEFAULT_CPU_HZ, type Gap, type IoEntry, type Summary } from './timeline';

export interface TraceCliIo { out: (s: string) => void; err: (s: string) => void }
export class TraceUsageError extends Error {}

const h = (v: bigint | number) => '0x' + v.toString(16);
const cyc = (n: number) => (Number.isNaN(n) ? '?' : String(n));

function ioLine(e: IoEntry): string {
  const who = e.dom === null ? 'd?v?' : `d${e.dom}v${e.vcpu}`;
  const data = e.data === null ? 'data=ptr' : `data=${h(e.data)}`;
  const exit = e.exitReason === null ? 'exit=?' : `exit=${e.exitReason}`;
  const dm = e.dm ? `  dm ${e.dm.place}${e.dm.size ? ` size=${e.dm.size}` : ''}` : e.blocked ? '  (blocked: device model)' : '';
  return `#${e.seq} tsc=${e.tsc} p${e.cpu} ${who} ${e.kind} ${e.dir} ${h(e.addr)} ${data} ${exit} latency=${cyc(e.latencyCycles)}cyc${dm}  @${e.offset}`;
}

function summaryText(s: Summary): string[] {
  const lines = [`IO address summary (cpu_hz ${s.cpuHz}, ${s.totalCycles} cycles traced):`];
  let last = '';
  for (const r of s.rows) {
    const who = `d${r.dom}v${r.vcpu}`;
    if (who !== last) { lines.push(`${who}:`); last = who; }
    lines.push(`  ${r.kind.padEnd(4)} ${r.addr.toString(16).padStart(8)}:[${r.dir[0]}] ${String(r.count).padStart(7)} ${r.seconds.toFixed(2).padStart(5)}s ${r.sharePct.toFixed(2).padStart(5)}% ${String(r.meanCycles).padStart(5)} cyc  min ${r.min} max ${r.max}`);
  }
  if (s.domains.length) lines.push('per domain:');
  for (const r of s.domains) lines.push(`  d${r.dom} ${r.kind.padEnd(4)} ${r.addr.toString(16).padStart(8)}:[${r.dir[0]}] ${String(r.count).padStart(7)} ${r.seconds.toFixed(2).padStart(5)}s ${r.sharePct.toFixed(2).padStart(5)}% ${String(r.meanCycles).padStart(5)} cyc  min ${r.min} max ${r.max}`);
  return lines;
}

const jsonable = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? h(x) : x instanceof Map ? Object.fromEntries([...x].map(([a, b]) => [typeof a === 'number' ? h(a) : a, b])) : typeof x === 'number' && !Number.isFinite(x) ? null : x)));

export function traceCommand(files: string[], f: Record<string, string | boolean>, io: TraceCliIo): number {
  if (!files.length) throw new TraceUsageError('trace needs at least one FILE (xentrace .bin, QEMU log or simpletrace)');
  let cpuHz = DEFAULT_CPU_HZ;
  if (f['--cpu-hz'] !== undefined) {
    const v = parseCpuHz(String(f['--cpu-hz']));
    if (v === null) throw new TraceUsageError(`'--cpu-hz' must be a frequency such as 2400000000, 2.4G or 3000M (got '${f['--cpu-hz']}')`);
    cpuHz = v;
  }
  const profile = f['--profile'] === undefined ? 'seed' : String(f['--profile']);
  if (!['legacy', 'seed', '4.5'].includes(profile)) throw new TraceUsageError(`unknown profile '${profile}' (expected legacy, seed, 4.5)`);
  const out = f['--scenario'] === undefined ? null : String(f['--scenario']);
  if (out !== null && existsSync(out)) throw new TraceUsageError(`'${out}' exists; not overwriting it (choose another --scenario path)`);
  const json = !!f['--json'], summaryOnly = !!f['--summary'], check = !!f['--check'];
  const inputs: TraceInput[] = [];
  for (const p of files) {
    try { inputs.push(fileInput(p)); } catch (e) {
      for (const i of inputs) i.src.close();
      throw new TraceUsageError(`cannot read '${p}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  const keep = json && !summaryOnly;
  const ios: IoEntry[] = [];
  const bound: IoEntry[] = [];
  const gaps: Gap[] = [];
  const wantModel = out !== null || check;
  let lastPct = -1;
  const r = importTraces(inputs, {
    cpuHz,
    onIo: summaryOnly && !wantModel ? undefined : (e) => {
      if (keep) ios.push(e);
      else if (!json && !summaryOnly) io.out(ioLine(e));
      if (wantModel && (e.blocked || e.dm) && bound.length < 5000) bound.push(e);
    },
    onGap: (g) => {
      gaps.push(g);
      if (!json && !summaryOnly) io.out(`-- gap on p${g.cpu}: ${g.lost} record(s) lost from tsc ${g.fromTsc} to ${g.toTsc}  @${g.place}`);
    },
    progress: (file, b, t) => {
      if (t < 64 << 20) return;
      const pct = Math.floor((b * 100) / t);
      if (pct !== lastPct) { lastPct = pct; io.err(progressLine(file, b, t)); }
    },
  });
  for (const fr of r.files) if (fr?.qemu?.dropped) gaps.push({ cpu: -1, fromTsc: NaN, toTsc: NaN, lost: fr.qemu.dropped, dom: -1, vcpu: -1, place: fr.name, source: 'qemu' });
  const haveDm = r.files.some((x) => x && x.format !== 'xentrace');
  let disagreements: Disagreement[] = [];
  if (wantModel) {
    const unmatched = r.timelines.flatMap((t) => t.unmatchedDm());
    const b = buildScenario(bound, { profile, haveDm, unmatchedDm: r.timelines.length ? unmatched : [], name: `Imported from ${files.join(', ')}` });
    disagreements = b.disagreements;
    if (out !== null) {
      try { writeFileSync(out, b.text, { flag: 'wx' }); } catch (e) { throw new TraceUsageError(`cannot write '${out}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`); }
      io.err(`ioreq-scope: wrote ${out} (${b.places.filter((p) => p).length} steps from the trace)`);
    }
    if (check && bound.length) disagreements = [...disagreements, ...checkScenario(b, out ?? 'trace.ioreq.json')];
  }
  if (json) {
    io.out(JSON.stringify(jsonable({
      files: r.files.map((x) => ({ name: x.name, format: x.format, ios: x.ios, stats: x.xen ?? x.qemu })),
      ...(summaryOnly ? {} : { ios }),
      gaps, summary: r.summary, dmRequests: r.dm.requests.length, matched: r.matched,
      ...(check ? { disagreements } : {}), errors: r.errors,
    }), null, 2));
  } else {
    for (const l of summaryText(r.summary)) io.out(l);
    for (const x of r.files) {
      if (x.xen) io.out(`${x.name}: xentrace, ${x.xen.windows} windows, ${x.xen.records} records, ${x.xen.cpus.length} pCPUs, ${x.ios ?? 0} I/O, ${x.xen.lostRecords} lost-record markers, ${[...x.xen.undecoded.values()].reduce((a, b) => a + b, 0)} records of ${x.xen.undecoded.size} undecoded event kinds, ${x.xen.warningCount} warnings`);
      if (x.qemu) io.out(`${x.name}: QEMU ${x.qemu.format}${x.qemu.prefix ? ` (prefix ${x.qemu.prefix})` : ''}, ${x.qemu.events} Xen events, ${x.qemu.dropped} dropped, ${x.qemu.warningCount} warnings`);
      for (const w of (x.xen ?? x.qemu)!.warnings.slice(0, 5)) io.err(`ioreq-scope: warning: ${x.xen ? `${x.name}@${w.offset}: ` : ''}${w.message}`);
    }
    if (haveDm) io.out(`device-model requests: ${r.dm.requests.length}, matched to guest I/O: ${r.matched}`);
    if (check) {
      for (const d of disagreements) io.out(`DISAGREE ${d.place}${d.step !== null ? ` (step ${d.step})` : ''}: ${d.what}`);
      io.out(`check: ${disagreements.length} disagreement(s) between trace and model (${bound.length} device-model I/O checked)`);
    }
  }
  for (const x of r.files) {
    if (x.qemu && x.qemu.format === 'log' && x.qemu.events === 0 && !x.qemu.warningCount) {
      io.err(`ioreq-scope: warning: ${x.name}: no xentrace windows, simpletrace header or QEMU Xen events in it (is it a trace?)`);
    }
  }
  for (const e of r.errors) io.err(`ioreq-scope: ${e}`);
  if (r.errors.length) return 2;
  return check && disagreements.length ? 1 : 0;
}
