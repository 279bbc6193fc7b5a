// ioreq-scope: the command line over the model. Errors: one line on stderr; exit 2 for bad usage or input,
// 1 for a failed check, 0 otherwise.
import { stepPlaces } from './places';
import { hex } from '../model/abi';
import { runDemo } from '../model/demo';
import { isProfile, layoutJson, PROFILES, specialPageLayout, type ProfileName } from '../model/layout';
import { stateJson } from '../model/state';
import { pageDumps, pagesText } from '../model/pages';
import { closeSync, constants as fsc, fstatSync, openSync, readSync } from 'fs';
import { ScenarioError } from '../scenario/errors';
import { parseScenario, type Scenario } from '../scenario/parse';
import { runScenario, stepLine } from '../scenario/run';
import { explore, exploreReport, type ExploreOptions, type ExploreProgress, type ExploreResult } from '../scenario/explore';
import { exploreParallel } from '../scenario/explore-parallel';
import { progressText } from '../scenario/progress';
import { compareProfiles, compareReport } from '../scenario/compare';
import { traceCommand, TraceUsageError } from '../trace/cli';
import { HOST_USAGE, hostMain } from './host';

const VERSION = '0.1.0';

export class UsageError extends Error {}

const USAGE = `usage: ioreq-scope <command> [options]

commands:
  layout [--xen legacy|seed|4.5] [--json] [--check]
      the special-page layout xc_hvm_build gives a guest, hvm_info->reserved_mem_pgstart, and which pages lie
      inside the region it declares reserved and inside hvmloader's e820 reserved area. --check exits 1 when a
      page lies outside the declared region. Without --xen, all three profiles.
  run FILE [--json]
      run a scenario (*.ioreq.json): the trace, one line per model event (or JSON lines), and the verdicts of its
      expectations. Exit 0 when all hold, 1 when one fails, 2 for bad input.
  state [FILE [--at N]] [--xen legacy|seed|4.5] --json [--bytes]
      the whole model state (see README: "The state document") after step N of FILE (all steps when --at is
      absent), or after the built-in sequence when no FILE is given. --bytes adds each special page's bytes.
  pages FILE [--at N] [PFN] [--json]
      a hexdump of each guest's special pages (or of frame PFN) after step N of FILE, the ioreq_t slots and the
      buffered ring's pointers and slots named and decoded field by field beside their bytes.
  explore FILE [--max-states N] [--max-seconds S] [--no-reduce] [--check-footprints] [--workers N] [--progress] [--fixed] [--json]
      explore every interleaving of the scenario's actors, checking invariants at every state; print each
      violation's shortest interleaving as a runnable scenario. Exit 1 when a violation is found. Partial-order
      reduction is on (it runs only one of each set of interleavings that differ by the order of independent
      steps: the same verdicts and final states); --no-reduce searches every interleaving; --check-footprints
      checks each step's changes against what its op declares it reads and writes (slow); --workers N searches on
      N threads. A progress line (states, states/s, frontier, depth, heap) goes to stderr when it is a
      terminal, or with --progress.
  compare FILE --profiles A,B[,C...] [--json]
      run the scenario under each profile (each its own Xen's code) and print where the behaviour first
      diverges and every difference in results: rc, values, panics, crashes, events, console lines, verdicts; an
      op or a step a profile lacks or cannot run is reported as such. Exit 0 when identical, 1 when they differ,
      2 for bad input.
  trace FILE... [--json] [--cpu-hz HZ] [--summary] [--scenario OUT] [--profile P] [--check]
      import xentrace captures and QEMU traces (log lines or simpletrace): each guest I/O with its vcpu, exit,
      completion and latency, matched to the device model's handling; lost records as gaps; xenalyze's IO address
      summary. --scenario writes the device-model I/O as a scenario (never over an existing file); --check runs it
      on the model and exits 1 where trace and model disagree.
${HOST_USAGE}
  help | --help | --version`;

interface Out { out: (s: string) => void; err: (s: string) => void }

function takeFlags(args: string[], known: Record<string, 'bool' | 'value'>): Record<string, string | boolean> {
  const r: Record<string, string | boolean> = {};
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const kind = known[name];
    if (!kind) throw new UsageError(a.startsWith('-') ? `unknown option '${a}'` : `unexpected argument '${a}'`);
    if (kind === 'bool') { if (eq > 0) throw new UsageError(`option '${name}' takes no value`); r[name] = true; continue; }
    const v = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (v === undefined || v === '') throw new UsageError(`option '${name}' needs a value`);
    r[name] = v;
  }
  return r;
}

function profileOf(v: string | boolean | undefined): ProfileName | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || !isProfile(v)) throw new UsageError(`unknown profile '${String(v)}' (expected ${PROFILES.join(', ')})`);
  return v;
}

function layoutText(p: ProfileName): string {
  const l = specialPageLayout(p);
  const lines = [`${p}: hvm_info->reserved_mem_pgstart = ${hex(l.reservedMemPgstart)}   [${l.reservedExpansion}]`,
    `  ${'page'.padEnd(13)}${'i'.padStart(2)}  ${'pfn'.padEnd(9)}${'hvm_info reserved'.padEnd(19)}e820 reserved (>= 0xfc000)`];
  for (const pg of l.pages) {
    lines.push(`  ${pg.name.padEnd(13)}${String(pg.index).padStart(2)}  ${hex(pg.pfn).padEnd(9)}${(pg.insideReserved ? 'inside' : 'OUTSIDE').padEnd(19)}${pg.insideE820Reserved ? 'inside' : 'OUTSIDE'}`);
  }
  const outside = l.pages.filter((x) => !x.insideReserved);
  lines.push(outside.length
    ? `  ${outside.length} page(s) outside the declared region: ${outside.map((x) => `${x.name} ${hex(x.pfn)}`).join(', ')}`
    : '  every page lies inside the declared region');
  return lines.join('\n');
}

/** Separates a leading FILE argument (anything not starting with '-') from the flags. */
function splitFile(args: string[]): [string | undefined, string[]] {
  if (args.length && !args[0].startsWith('-')) return [args[0], args.slice(1)];
  return [undefined, args];
}

/** The largest scenario file read (bytes); the bundled ones are a few KiB. */
export const MAX_INPUT_BYTES = 16 * 1024 * 1024;

/** A regular file of at most MAX_INPUT_BYTES, as text. A FIFO, device (/dev/zero) or directory is refused before
 *  any read; the size is checked on the open descriptor and again while reading, so a file that grows is cut off. */
function readInput(file: string): string {
  let fd: number | undefined;
  try {
    // O_NONBLOCK: opening a FIFO with no writer must not hang (it is refused just below).
    fd = openSync(file, fsc.O_RDONLY | fsc.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile()) throw new UsageError(`'${file}' is not a regular file (${st.isDirectory() ? 'a directory' : st.isFIFO() ? 'a pipe' : st.isCharacterDevice() || st.isBlockDevice() ? 'a device' : 'a special file'})`);
    if (st.size > MAX_INPUT_BYTES) throw new UsageError(`'${file}' is ${st.size} bytes, more than the ${MAX_INPUT_BYTES} bytes a scenario may have`);
    const buf = Buffer.alloc(Math.min(st.size, MAX_INPUT_BYTES) + 1);
    let n = 0;
    for (let r; n < buf.length && (r = readSync(fd, buf, n, buf.length - n, null)) > 0;) n += r;
    if (n > MAX_INPUT_BYTES) throw new UsageError(`'${file}' is more than the ${MAX_INPUT_BYTES} bytes a scenario may have`);
    return buf.subarray(0, n).toString('utf8');
  } catch (e) {
    if (e instanceof UsageError) throw e;
    throw new UsageError(`cannot read '${file}': ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

let warn: (s: string) => void = () => undefined;
function loadScenario(file: string): Scenario {
  const sc = parseScenario(readInput(file), file);
  for (const w of sc.warnings) warn(`warning: ${w.loc.file}:${w.loc.line}:${w.loc.column}: ${w.message}`);
  return sc;
}

/**
 * The explorer's progress on stderr: on a terminal one line rewritten in place (and wiped at the end); otherwise
 * (--progress into a pipe or file) a line a second.
 */
function progressLine(tty: boolean, io: Out): { report: (p: ExploreProgress) => void; done: () => void } {
  let shown = false, last = -Infinity;
  return {
    report: (p) => {
      if (tty) { process.stderr.write(`\rexplore: ${progressText(p)}\x1b[K`); shown = true; return; }
      if (p.seconds - last < 1) return;
      last = p.seconds;
      io.err(`explore: ${progressText(p)}`);
    },
    done: () => { if (shown) process.stderr.write('\r\x1b[K'); },
  };
}

/** --profiles A,B[,C]: at least two known profiles, none twice. */
function profileList(v: string | boolean | undefined): ProfileName[] {
  if (typeof v !== 'string') throw new UsageError("compare needs '--profiles A,B' (two or more of " + PROFILES.join(', ') + ')');
  const list = v.split(',').map((p) => p.trim());
  for (const p of list) profileOf(p);
  if (list.length < 2) throw new UsageError("'--profiles' needs at least two profiles, comma-separated");
  const dup = list.find((p, i) => list.indexOf(p) !== i);
  if (dup) throw new UsageError(`'--profiles' names ${dup} twice`);
  return list as ProfileName[];
}

export function main(argv: string[], io: Out): number {
  warn = io.err;
  try {
    const [cmd, ...rest] = argv;
    switch (cmd) {
      case undefined: case 'help': case '--help': case '-h':
        io.out(USAGE);
        return cmd === undefined ? 2 : 0;
      case '--version':
        io.out(VERSION);
        return 0;
      case 'layout': {
        const f = takeFlags(rest, { '--xen': 'value', '--json': 'bool', '--check': 'bool' });
        const one = profileOf(f['--xen']);
        const profiles = one ? [one] : [...PROFILES];
        if (f['--json']) {
          const docs = profiles.map((p) => layoutJson(specialPageLayout(p)));
          io.out(JSON.stringify(one ? docs[0] : docs, null, 2));
        } else {
          io.out(profiles.map(layoutText).join('\n\n'));
        }
        if (f['--check'] && profiles.some((p) => specialPageLayout(p).pages.some((x) => !x.insideReserved))) return 1;
        return 0;
      }
      case 'state': {
        const [file, flags] = splitFile(rest);
        const f = takeFlags(flags, { '--xen': 'value', '--json': 'bool', '--at': 'value', '--bytes': 'bool' });
        if (!f['--json']) throw new UsageError("state prints JSON only: add '--json'");
        const opts = { bytes: !!f['--bytes'] };
        if (!file) {
          if (f['--at'] !== undefined) throw new UsageError("'--at' needs a scenario FILE");
          const m = runDemo(profileOf(f['--xen']) ?? 'seed');
          io.out(JSON.stringify(stateJson(m, opts), null, 2));
          return 0;
        }
        if (f['--xen'] !== undefined) throw new UsageError("'--xen' is for the built-in sequence; a scenario names its profile");
        const sc = loadScenario(file);
        let at: number | undefined;
        if (f['--at'] !== undefined) {
          at = Number(f['--at']);
          if (!Number.isInteger(at) || at < 0 || at > sc.steps.length) throw new UsageError(`'--at' must be a step count from 0 to ${sc.steps.length}`);
        }
        const r = runScenario(sc, { upTo: at });
        io.out(JSON.stringify(stateJson(r.session.m, opts), null, 2));
        return 0;
      }
      case 'pages': {
        const [file, flags] = splitFile(rest);
        if (!file) throw new UsageError('pages needs a scenario FILE');
        // A bare number is the PFN; anything else is an option (and --at's value follows it).
        const opts: string[] = [], pfns: string[] = [];
        for (let i = 0; i < flags.length; i++) {
          if (flags[i] === '--at') { opts.push(flags[i]); if (i + 1 < flags.length) opts.push(flags[++i]); }
          else if (/^(0[xX][0-9a-fA-F]+|[0-9]+)$/.test(flags[i])) pfns.push(flags[i]);
          else opts.push(flags[i]);
        }
        const f = takeFlags(opts, { '--json': 'bool', '--at': 'value' });
        if (pfns.length > 1) throw new UsageError(`pages takes at most one PFN (got ${pfns.join(', ')})`);
        const pfn = pfns.length ? Number(pfns[0]) : undefined;
        if (pfn !== undefined && (!Number.isSafeInteger(pfn) || pfn >= 2 ** 40)) throw new UsageError(`'${pfns[0]}' is not a frame number`);
        const sc = loadScenario(file);
        let at: number | undefined;
        if (f['--at'] !== undefined) {
          at = Number(f['--at']);
          if (!Number.isInteger(at) || at < 0 || at > sc.steps.length) throw new UsageError(`'--at' must be a step count from 0 to ${sc.steps.length}`);
        }
        const dumps = pageDumps(runScenario(sc, { upTo: at }).session.m, pfn);
        if (f['--json']) io.out(JSON.stringify(dumps, null, 2));
        else io.out(dumps.length ? pagesText(dumps) : 'no HVM guest has been built yet: no special pages');
        return 0;
      }
      case 'run': {
        const [file, flags] = splitFile(rest);
        if (!file) throw new UsageError('run needs a scenario FILE');
        const f = takeFlags(flags, { '--json': 'bool', '--fixed': 'bool' });
        const sc = f['--fixed'] ? parseScenario(readInput(file), file, { fixed: true }) : loadScenario(file);
        const json = !!f['--json'];
        const r = runScenario(sc, {
          onStep: (rec) => {
            if (json) {
              io.out(JSON.stringify({ step: rec.step.index, actor: rec.step.actor, op: rec.step.op, rc: rec.result.rc, value: rec.result.value === undefined ? undefined : '0x' + rec.result.value.toString(16), panic: rec.result.panic, line: rec.step.loc.line }));
              for (const e of rec.events) io.out(JSON.stringify({ event: e }));
              for (const v of rec.verdicts) io.out(JSON.stringify({ verdict: v.ok ? 'pass' : 'fail', text: v.text, at: `${v.loc.file}:${v.loc.line}:${v.loc.column}` }));
            } else {
              io.out(stepLine(rec) + (rec.step.note ? `    # ${rec.step.note}` : ''));
              for (const e of rec.events) io.out(e.kind === 'printk' ? `    (XEN) ${e.text}` : `    ${e.fn}: ${e.text}`);
              for (const v of rec.verdicts) io.out(`  ${v.ok ? 'PASS' : 'FAIL'} ${v.text}${v.ok ? '' : `  (${v.loc.file}:${v.loc.line}:${v.loc.column})`}`);
            }
          },
        });
        for (const v of r.final) {
          if (json) io.out(JSON.stringify({ verdict: v.ok ? 'pass' : 'fail', text: v.text, at: `${v.loc.file}:${v.loc.line}:${v.loc.column}` }));
          else io.out(`${v.ok ? 'PASS' : 'FAIL'} ${v.text}${v.ok ? '' : `  (${v.loc.file}:${v.loc.line}:${v.loc.column})`}`);
        }
        const all = [...r.steps.flatMap((s) => s.verdicts), ...r.final];
        const failed = all.filter((v) => !v.ok).length;
        if (json) io.out(JSON.stringify({ result: failed ? 'fail' : 'pass', expectations: all.length, failed }));
        else io.out(`${sc.name}: ${all.length - failed}/${all.length} expectations hold`);
        return failed ? 1 : 0;
      }
      case 'explore': {
        const r = exploreCommand(rest, io);
        if (typeof r === 'number') return r;
        throw new UsageError("'--workers' runs on threads: use the ioreq-scope command (runCli)");
      }
      case 'compare': {
        const [file, flags] = splitFile(rest);
        if (!file) throw new UsageError('compare needs a scenario FILE');
        const f = takeFlags(flags, { '--profiles': 'value', '--json': 'bool' });
        const profiles = profileList(f['--profiles']);
        const res = compareProfiles(readInput(file), file, profiles);
        if (f['--json']) io.out(JSON.stringify(compareReport(res, 'json'), null, 2));
        else io.out(compareReport(res, 'text') as string);
        return res.differences.length ? 1 : 0;
      }
      case 'trace': {
        const files: string[] = [];
        let i = 0;
        while (i < rest.length && !rest[i].startsWith('-')) files.push(rest[i++]);
        const f = takeFlags(rest.slice(i), { '--json': 'bool', '--cpu-hz': 'value', '--summary': 'bool', '--scenario': 'value', '--profile': 'value', '--check': 'bool' });
        return traceCommand(files, f, io);
      }
      default:
        throw new UsageError(`unknown command '${cmd}' (try 'ioreq-scope help')`);
    }
  } catch (e) {
    if (e instanceof UsageError || e instanceof TraceUsageError) { io.err(`ioreq-scope: ${e.message}`); return 2; }
    if (e instanceof ScenarioError) { io.err(e.message); return 2; }
    io.err(`ioreq-scope: ${(e as Error).message.split('\n')[0]}`);
    return 2;
  }
}

/** explore FILE [flags]: a number, or a promise of one with --workers N > 1. */
function exploreCommand(rest: string[], io: Out): number | Promise<number> {
  const [file, flags] = splitFile(rest);
  if (!file) throw new UsageError('explore needs a scenario FILE');
  const f = takeFlags(flags, { '--json': 'bool', '--max-states': 'value', '--max-seconds': 'value', '--no-hash': 'bool', '--fixed': 'bool', '--no-reduce': 'bool', '--check-footprints': 'bool', '--workers': 'value', '--progress': 'bool' });
  let workers = 1;
  if (f['--workers'] !== undefined) {
    workers = Number(f['--workers']);
    if (!Number.isInteger(workers) || workers < 1 || workers > 64) throw new UsageError("'--workers' must be an integer from 1 to 64");
  }
  let max = 1_000_000;
  if (f['--max-states'] !== undefined) {
    max = Number(f['--max-states']);
    if (!Number.isInteger(max) || max < 1) throw new UsageError("'--max-states' must be a positive integer");
  }
  let deadline = Infinity;
  if (f['--max-seconds'] !== undefined) {
    const secs = Number(f['--max-seconds']);
    if (!(secs > 0)) throw new UsageError("'--max-seconds' must be a positive number");
    deadline = Date.now() + secs * 1000;
  }
  // --fixed: the bug-zoo scenario's fixed form (its `revert` list ignored).
  const sc = f['--fixed'] ? parseScenario(readInput(file), file, { fixed: true }) : loadScenario(file);
  // A progress line on a terminal, or with --progress (the main thread's search only: workers report none).
  const tty = !!process.stderr.isTTY;
  const progress = tty || f['--progress'] ? progressLine(tty, io) : undefined;
  const opts: ExploreOptions = {
    maxStates: max, hashing: !f['--no-hash'], reduce: !f['--no-reduce'], checkFootprints: !!f['--check-footprints'],
    deadline: deadline === Infinity ? undefined : deadline, progress: progress?.report,
  };
  if (workers > 1) return exploreParallel(sc, opts, workers).then((res) => { progress?.done(); return exploreOutput(res, sc, f, io); });
  const res = explore(sc, opts);
  progress?.done();
  return exploreOutput(res, sc, f, io);
}

function exploreOutput(res: ExploreResult, sc: Scenario, f: Record<string, string | boolean | undefined>, io: Out): number {
  // Each counterexample step with the deepest statement of the model's code it reached.
  const places = res.violations.map((v) => stepPlaces(sc, v.trail));
  if (f['--json']) {
    const doc = exploreReport(res) as { violations: Array<Record<string, unknown>> };
    doc.violations.forEach((v, k) => { v.places = places[k]; });
    io.out(JSON.stringify(doc, null, 2));
  } else {
    io.out(exploreReport(res, 'text') as string);
    res.violations.forEach((v, k) => {
      io.out(`\n${v.kind}, step by step in the model's code:`);
      for (const p of places[k]) {
        const st = sc.steps[p.step];
        const via = p.stack.length ? `${p.stack.slice(-2).join(' > ')} > ` : '';
        io.out(`  #${p.step} ${st.actor} ${st.op}: ends in ${via}${p.fn}${p.label === 'entry' ? '' : ` @${p.label}`}${p.where ? ` (${p.where})` : ''}`);
      }
    });
  }
  return res.violations.length ? 1 : 0;
}

/** main, and the asynchronous `host` commands (src/cli/host.ts). */
export async function runCli(argv: string[], io: Out): Promise<number> {
  if (argv[0] === 'host') return hostMain(argv.slice(1), io);
  if (argv[0] === 'explore' && argv.includes('--workers')) {
    let r: number | Promise<number>;
    // Bad input is reported by main, located, as without --workers.
    try { r = exploreCommand(argv.slice(1), io); } catch { return main(argv, io); }
    try { return await r; } catch (e) { io.err(`ioreq-scope: ${(e as Error).message.split('\n')[0]}`); return 2; }
  }
  return main(argv, io);
}

if (require.main === module) {
  void runCli(process.argv.slice(2), { out: (s) => process.stdout.write(s + '\n'), err: (s) => process.stderr.write(s + '\n') })
    .then((code) => { process.exitCode = code; });
}
