// Running Xen's xenalyze beside our import on the same xentrace captures and comparing the IO address summaries:
// per domain, vcpu, kind (port / MMIO), address and direction, the event count (must be equal), the total cycles,
// the share of the trace's cycles and the mean cycles. xenalyze itself is never bundled: the user points at a binary
// (tools/xenalyze-build.sh builds one from a Xen tree).
//
// What xenalyze prints (xen@RELEASE-4.21.0:tools/xentrace/xenalyze.c):
// - `--summary` prints per domain "|-- Domain N --|" (domain_summary 10000-10021), per vcpu "-- vN --"
//   (vcpu_summary 9965-9979), and in each HVM vcpu's summary an "IO address summary:" and an "MMIO address
//   summary:" (hvm_summary 5404-5405) with one line per address and direction, "%8x:[r]" or "%8x@%8x:[r]"
//   (hvm_io_address_summary 3810-3827), then " count seconds% pct% mean cyc {p5|p50|p95}" (PRINT_SUMMARY
//   2363-2390: seconds = cycles / cpu_hz with 2 decimals, share = cycles·100 / the trace's total cycles, mean =
//   cycles / the events with non-zero cycles).
// - Port enumeration is on by default, MMIO's needs --with-mmio-enumeration (opt defaults 247-248).
// - `--cpu-hz=1` makes the seconds column the exact cycle total, so the comparison runs xenalyze twice: once with
//   the user's --cpu-hz (seconds as printed) and once with 1 (cycles).
// - The default error tolerance (3, ERR_SANITY, :264) makes xenalyze exit at the first record it cannot process
//   (error() 8768-8776, ERR_RECORD = 4); when it does, the run is repeated with --tolerance=6 and the report says so.
// - xenalyze keeps an I/O address in an `unsigned int` (struct io_address 3771-3776, update_io_address 3778): a
//   64-bit MMIO address is printed folded to its low 32 bits. Our summary keeps the whole address; the
//   comparison folds ours the same way, and says where that merged addresses.
import { spawnSync } from 'child_process';
import { fileInput, importTraces } from './import';
import { DEFAULT_CPU_HZ, parseCpuHz } from './timeline';

export interface XaRow {
  dom: number; vcpu: number; kind: 'pio' | 'mmio'; addr: number; dir: 'read' | 'write';
  count: number; seconds: number; sharePct: number; meanCycles: number;
  /** The three percentiles xenalyze prints (sampled); kept for the report, not compared. */
  pct?: [number, number, number];
}

export interface XaSummary { totalSeconds: number | null; rows: XaRow[] }

const ROW = /^\s*([0-9a-f]+)(?:@\s*[0-9a-f]+)?:\[([rw])\]\s+(\d+)\s+(-?[\d.]+|-?nan|-?inf)s\s+(-?[\d.]+|-?nan|-?inf)%\s+(-?\d+) cyc(?: \{\s*(-?\d+)\|\s*(-?\d+)\|\s*(-?\d+)\})?\s*$/;

/** Reads the IO and MMIO address summaries out of `xenalyze --summary` output. */
export function parseXenalyzeSummary(text: string): XaSummary {
  const rows: XaRow[] = [];
  let dom: number | null = null, vcpu: number | null = null, kind: 'pio' | 'mmio' | null = null;
  let totalSeconds: number | null = null;
  for (const line of text.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^Total time: ([\d.]+) seconds/.exec(line))) { totalSeconds = Number(m[1]); continue; }
    if ((m = /^\|-- Domain (\d+) --\|/.exec(line))) { dom = Number(m[1]); vcpu = null; kind = null; continue; }
    if (/^\|-- Default domain --\|/.test(line)) { dom = 32768; vcpu = null; kind = null; continue; }
    if ((m = /^-- v(\d+) --$/.exec(line))) { vcpu = Number(m[1]); kind = null; continue; }
    if (line === 'IO address summary:') { kind = 'pio'; continue; }
    if (line === 'MMIO address summary:') { kind = 'mmio'; continue; }
    if (kind && dom !== null && vcpu !== null && (m = ROW.exec(line))) {
      rows.push({
        dom, vcpu, kind, addr: parseInt(m[1], 16), dir: m[2] === 'r' ? 'read' : 'write', count: Number(m[3]),
        seconds: Number(m[4]), sharePct: Number(m[5]), meanCycles: Number(m[6]),
        pct: m[7] !== undefined ? [Number(m[7]), Number(m[8]), Number(m[9])] : undefined,
      });
      continue;
    }
    // Any other line ends an address list (the next section of the vcpu's summary).
    if (kind && !/^\s*$/.test(line)) kind = null;
  }
  return { totalSeconds, rows };
}

export interface XaRun { args: string[]; status: number | null; stdout: string; stderr: string; tolerance: number | null }

/** Runs xenalyze on one file (arguments as an array: no shell), with the default tolerance, then with the highest
 *  one if it stopped. */
export function runXenalyze(bin: string, file: string, cpuHz: string): XaRun {
  const base = ['--summary', '--with-pio-enumeration', '--with-mmio-enumeration', `--cpu-hz=${cpuHz}`, '--sample-size=1024'];
  const go = (extra: string[]): XaRun => {
    const args = [...base, ...extra, file];
    const p = spawnSync(bin, args, { encoding: 'utf8', maxBuffer: 512 << 20 });
    if (p.error) throw new Error(`cannot run xenalyze '${bin}': ${(p.error as NodeJS.ErrnoException).code ?? p.error.message}`);
    return { args, status: p.status, stdout: p.stdout, stderr: p.stderr, tolerance: null };
  };
  const r = go([]);
  if (r.status === 0) return r;
  const r6 = go(['--tolerance=6']);
  // xenalyze prints "Tolerating errors at or below 6" first when given --tolerance.
  r6.stdout = r6.stdout.replace(/^Tolerating errors at or below \d+\n/, '');
  return { ...r6, tolerance: 6, stderr: `(at the default tolerance xenalyze exited with ${r.status}: ${lastLines(r.stderr, 3)})\n${r6.stderr}` };
}

const lastLines = (s: string, n: number) => s.trim().split('\n').slice(-n).join(' | ');

export interface FieldDiff { key: string; field: string; ours: number | string; xenalyze: number | string }

export interface FileComparison {
  file: string;
  equal: boolean;
  rows: number;
  /** Count disagreements (the "must equal"), then time figures. */
  counts: FieldDiff[];
  times: FieldDiff[];
  notes: string[];
  ourTotalCycles: number;
  xenalyzeTotalCycles: number | null;
  xenalyzeTolerance: number | null;
  xenalyzeStatus: number | null;
}

const key = (r: { dom: number; vcpu: number; kind: string; addr: number; dir: string }) =>
  `d${r.dom}v${r.vcpu} ${r.kind} ${r.addr.toString(16)}:[${r.dir[0]}]`;

/** The seconds and share columns as xenalyze prints them (%5.2lf). */
const f2 = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : String(x));

/** Compares our IO address summary of `file` with xenalyze's. cpuHz is the user's --cpu-hz text (default 2.4G). */
export function compareFile(bin: string, file: string, cpuHzText = String(DEFAULT_CPU_HZ)): FileComparison {
  const notes: string[] = [];
  const xa = runXenalyze(bin, file, cpuHzText);
  const xc = runXenalyze(bin, file, '1');
  if (xa.tolerance !== null) notes.push(`xenalyze stopped at its default tolerance; compared its --tolerance=6 run. ${lastLines(xa.stderr, 2)}`);
  if (xa.status !== 0) notes.push(`xenalyze exited with ${xa.status} even at --tolerance=6: ${lastLines(xa.stderr, 3)}`);
  const sx = parseXenalyzeSummary(xa.stdout);
  const sc = parseXenalyzeSummary(xc.stdout);
  const cyclesOf = new Map(sc.rows.map((r) => [key(r), r.seconds]));
  const hz = parseCpuHz(cpuHzText) ?? DEFAULT_CPU_HZ;
  const r = importTraces([fileInput(file)], { cpuHz: hz });
  if (r.errors.length) notes.push(`our import: ${r.errors.join('; ')}`);
  // Ours, folded to xenalyze's 32-bit addresses.
  const ours = new Map<string, { count: number; cycles: number; timed: number; wide: Set<string> }>();
  for (const row of r.summary.rows) {
    if (row.vcpu === null) continue;
    const addr = Number(row.addr & 0xffffffffn);
    const k = key({ dom: row.dom, vcpu: row.vcpu, kind: row.kind, addr, dir: row.dir });
    let o = ours.get(k);
    if (!o) ours.set(k, (o = { count: 0, cycles: 0, timed: 0, wide: new Set() }));
    o.count += row.count; o.cycles += row.cycles; o.timed += row.timed; o.wide.add(row.addr.toString(16));
  }
  for (const [k, o] of ours) if (o.wide.size > 1) notes.push(`${k}: our addresses ${[...o.wide].map((a) => '0x' + a).join(', ')} are one row in xenalyze (it keeps 32 bits)`);
  const total = r.summary.totalCycles;
  const counts: FieldDiff[] = [], times: FieldDiff[] = [];
  const theirs = new Map(sx.rows.map((x) => [key(x), x]));
  for (const k of new Set([...ours.keys(), ...theirs.keys()])) {
    const o = ours.get(k), x = theirs.get(k);
    if (!x) { counts.push({ key: k, field: 'count', ours: o!.count, xenalyze: 'no row' }); continue; }
    if (!o) { counts.push({ key: k, field: 'count', ours: 'no row', xenalyze: x.count }); continue; }
    if (o.count !== x.count) counts.push({ key: k, field: 'count', ours: o.count, xenalyze: x.count });
    const xcyc = cyclesOf.get(k);
    if (xcyc !== undefined && xcyc !== o.cycles) times.push({ key: k, field: 'cycles', ours: o.cycles, xenalyze: xcyc });
    const mean = o.timed ? Math.floor(o.cycles / o.timed) : 0;
    if (mean !== x.meanCycles) times.push({ key: k, field: 'mean cycles', ours: mean, xenalyze: x.meanCycles });
    const sec = f2(o.cycles / hz);
    if (sec !== f2(x.seconds)) times.push({ key: k, field: 'seconds', ours: sec, xenalyze: f2(x.seconds) });
    const pct = f2(total > 0 ? (o.cycles * 100) / total : NaN);
    if (pct !== f2(x.sharePct) && !(total <= 0 && !Number.isFinite(x.sharePct))) times.push({ key: k, field: 'share %', ours: pct, xenalyze: f2(x.sharePct) });
  }
  const xTotal = sc.totalSeconds;
  if (xTotal !== null && xTotal !== total) times.push({ key: 'trace', field: 'total cycles', ours: total, xenalyze: xTotal });
  return {
    file, equal: counts.length === 0 && times.length === 0, rows: theirs.size, counts, times, notes,
    ourTotalCycles: total, xenalyzeTotalCycles: xTotal, xenalyzeTolerance: xa.tolerance, xenalyzeStatus: xa.status,
  };
}

/** `check:xenalyze -- --xenalyze PATH [--cpu-hz HZ] [--json] FILE...`; exit 0 when every file agrees, 1 when one
 *  does not, 2 for bad usage. */
export function checkXenalyzeMain(argv: string[], out: (s: string) => void, err: (s: string) => void): number {
  let bin = process.env.XENALYZE ?? '', hz = String(DEFAULT_CPU_HZ), json = false;
  const files: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--xenalyze' || a === '--cpu-hz') {
      const v = argv[++i];
      if (v === undefined) { err(`check:xenalyze: '${a}' needs a value`); return 2; }
      if (a === '--xenalyze') bin = v; else hz = v;
    } else if (a === '--json') json = true;
    else if (a.startsWith('--')) { err(`check:xenalyze: unknown option '${a}' (expected --xenalyze PATH, --cpu-hz HZ, --json)`); return 2; }
    else files.push(a);
  }
  if (!bin) { err('check:xenalyze: give --xenalyze PATH (or XENALYZE=PATH); tools/xenalyze-build.sh XEN_TREE OUT builds one'); return 2; }
  if (!files.length) { err('check:xenalyze: give at least one xentrace FILE'); return 2; }
  if (parseCpuHz(hz) === null) { err(`check:xenalyze: '--cpu-hz' must be a frequency such as 2400000000, 2.4G or 3000M (got '${hz}')`); return 2; }
  const res: FileComparison[] = [];
  for (const f of files) {
    try { res.push(compareFile(bin, f, hz)); } catch (e) { err(`check:xenalyze: ${f}: ${(e as Error).message}`); return 2; }
  }
  if (json) out(JSON.stringify(res, null, 2));
  else {
    for (const c of res) {
      out(`${c.equal ? 'AGREE   ' : 'DISAGREE'} ${c.file}: ${c.rows} xenalyze rows, ${c.counts.length} count and ${c.times.length} time difference(s); total cycles ours ${c.ourTotalCycles}, xenalyze ${c.xenalyzeTotalCycles}`);
      for (const d of [...c.counts, ...c.times]) out(`  ${d.key} ${d.field}: ours ${d.ours}, xenalyze ${d.xenalyze}`);
      for (const n of c.notes) out(`  note: ${n}`);
    }
  }
  return res.every((c) => c.equal) ? 0 : 1;
}
