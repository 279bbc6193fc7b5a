// `ioreq-scope host ...`: live Xen hosts from the command line, over the same live layer the extension uses
// (src/live): snapshot (one document per host), scenario (snapshot -> scenario file, never overwriting one unless
// asked), watch (refresh every N seconds, print what changed). Exit: 0 all ok, 1 a host failed, 2 bad usage.
import * as fs from 'fs';
import { checkHost } from '../live/ssh';
import { LiveError, LiveHost, sessionLimiter, snapshotToScenario, type CancelTokenLike, type HostSnapshot, type LiveHostOptions } from '../live/host';
import { lineDiff, summaryLines } from '../live/summary';

export class HostUsageError extends Error {}

interface Out { out: (s: string) => void; err: (s: string) => void }

export const HOST_USAGE = `  host snapshot ALIAS... [--json] [--ssh-config F] [--timeout S] [--jobs N]
      read each Xen host (an ssh alias) through the read-only helper and print what it holds: Xen, domains with
      their device model and event channels, params from xenstore, device models, the console's ioreq lines.
      --json prints one JSON document per host and line: {"host", "ok", "snapshot"} or {"host", "ok", "error"}.
      Exit 0 when every host answered, 1 when one failed, 2 for bad usage.
  host scenario ALIAS -o FILE [--force] [--ssh-config F] [--timeout S]
      write the host's snapshot as a scenario file (the extension's "Open the Host as a Scenario"); an existing
      FILE is never overwritten without --force. -o - prints it.
  host watch ALIAS [--interval S] [--count N] [--ssh-config F] [--timeout S]
      snapshot every S seconds (default 5) and print the lines that changed (+ added, - removed); --count stops
      after N snapshots. Exit status: that of the last snapshot.`;

type Spec = Record<string, 'bool' | 'value'>;

/** Flags and positional words; `-o` style short options are in the spec like long ones. */
function parse(args: string[], spec: Spec): { flags: Record<string, string | true>; words: string[] } {
  const flags: Record<string, string | true> = {};
  const words: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--') { words.push(...args.slice(i + 1)); break; }
    if (!a.startsWith('-') || a === '-') { words.push(a); continue; }
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const kind = spec[name];
    if (!kind) throw new HostUsageError(`unknown option '${a}'`);
    if (kind === 'bool') { if (eq > 0) throw new HostUsageError(`option '${name}' takes no value`); flags[name] = true; continue; }
    const v = eq > 0 ? a.slice(eq + 1) : args[++i];
    if (v === undefined || v === '') throw new HostUsageError(`option '${name}' needs a value`);
    flags[name] = v;
  }
  return { flags, words };
}

function positive(v: string | true | undefined, name: string, dflt: number, integer = false): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n)) || n > 86_400)
    throw new HostUsageError(`'${name}' must be a positive ${integer ? 'integer' : 'number'} (got '${String(v)}')`);
  return n;
}

function hostOptions(flags: Record<string, string | true>, reuse: boolean): LiveHostOptions {
  const cfg = flags['--ssh-config'];
  if (typeof cfg === 'string' && !fs.existsSync(cfg)) throw new HostUsageError(`ssh config file '${cfg}' does not exist`);
  return {
    configFile: typeof cfg === 'string' ? cfg : undefined,
    timeLimitMs: 1000 * positive(flags['--timeout'], '--timeout', 30),
    reuseConnections: reuse,
    logger: process.env.IOREQ_SCOPE_SSH_LOG ? (l) => process.stderr.write(`${l}\n`) : undefined,
  };
}

function aliases(words: string[], many: boolean): string[] {
  if (words.length === 0) throw new HostUsageError('needs an ssh host ALIAS');
  if (!many && words.length > 1) throw new HostUsageError(`takes one ALIAS (got ${words.length})`);
  for (const w of words) {
    try { checkHost(w); } catch (e) { throw new HostUsageError((e as Error).message); }
  }
  return words;
}

/** A cancellation token that fires on SIGINT/SIGTERM, so ssh is killed and the helper ends on the host. */
function signalToken(): CancelTokenLike & { fired: boolean; dispose(): void } {
  const listeners: Array<() => void> = [];
  const t = {
    fired: false,
    get isCancellationRequested() { return t.fired; },
    onCancellationRequested(l: () => void) { listeners.push(l); return { dispose() { const i = listeners.indexOf(l); if (i >= 0) listeners.splice(i, 1); } }; },
    dispose() { process.off('SIGINT', fire); process.off('SIGTERM', fire); },
  };
  const fire = () => { if (t.fired) return; t.fired = true; for (const l of [...listeners]) l(); };
  process.on('SIGINT', fire);
  process.on('SIGTERM', fire);
  return t;
}

const errLine = (alias: string, e: LiveError) => `ioreq-scope: ${alias}: ${e.kind}: ${e.message.split('\n')[0]}`;

async function snapshotCmd(args: string[], io: Out): Promise<number> {
  const { flags, words } = parse(args, { '--json': 'bool', '--ssh-config': 'value', '--timeout': 'value', '--jobs': 'value' });
  const list = aliases(words, true);
  sessionLimiter.max = positive(flags['--jobs'], '--jobs', sessionLimiter.max, true);
  const opts = hostOptions(flags, false);
  const hosts = list.map((a) => new LiveHost(a, opts));
  const token = signalToken();
  try {
    const results = await Promise.all(hosts.map((h) => h.snapshot(token)));
    let failed = 0;
    results.forEach((r, i) => {
      const alias = list[i];
      if (r instanceof LiveError) {
        failed++;
        if (flags['--json']) io.out(JSON.stringify({ host: alias, ok: false, error: { kind: r.kind, message: r.message } }));
        io.err(errLine(alias, r));
      } else if (flags['--json']) io.out(JSON.stringify({ host: alias, ok: true, snapshot: r }));
      else io.out(summaryLines(r, alias).join('\n'));
    });
    if (token.fired) return 130;
    return failed ? 1 : 0;
  } finally {
    token.dispose();
    await Promise.all(hosts.map((h) => h.dispose()));
  }
}

async function scenarioCmd(args: string[], io: Out): Promise<number> {
  const { flags, words } = parse(args, { '-o': 'value', '--output': 'value', '--force': 'bool', '--ssh-config': 'value', '--timeout': 'value' });
  const [alias] = aliases(words, false);
  const file = (flags['-o'] ?? flags['--output']) as string | undefined;
  if (!file) throw new HostUsageError("host scenario needs '-o FILE' (or '-o -' for standard output)");
  if (file !== '-' && !flags['--force'] && fs.existsSync(file)) throw new HostUsageError(`'${file}' exists; not overwritten (add --force to replace it)`);
  const h = new LiveHost(alias, hostOptions(flags, false));
  const token = signalToken();
  try {
    const r = await h.snapshot(token);
    if (r instanceof LiveError) { io.err(errLine(alias, r)); return token.fired ? 130 : 1; }
    const text = snapshotToScenario(r, alias);
    if (file === '-') { io.out(text.replace(/\n$/, '')); return 0; }
    try {
      // 'wx' fails if the file appeared meanwhile: nothing the user wrote is replaced without --force.
      fs.writeFileSync(file, text, { flag: flags['--force'] ? 'w' : 'wx' });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new HostUsageError(code === 'EEXIST' ? `'${file}' exists; not overwritten (add --force to replace it)` : `cannot write '${file}': ${code ?? (e as Error).message}`);
    }
    io.err(`ioreq-scope: wrote ${file}`);
    return 0;
  } finally {
    token.dispose();
    await h.dispose();
  }
}

async function watchCmd(args: string[], io: Out): Promise<number> {
  const { flags, words } = parse(args, { '--interval': 'value', '--count': 'value', '--ssh-config': 'value', '--timeout': 'value' });
  const [alias] = aliases(words, false);
  const interval = positive(flags['--interval'], '--interval', 5);
  const count = flags['--count'] === undefined ? Infinity : positive(flags['--count'], '--count', 1, true);
  // One connection for the whole watch (ControlMaster), closed at the end.
  const h = new LiveHost(alias, hostOptions(flags, true));
  const token = signalToken();
  let prev: string[] | undefined;
  let last = 0;
  try {
    for (let n = 0; n < count && !token.fired; n++) {
      if (n > 0) {
        await new Promise<void>((resolve) => {
          const t = setTimeout(done, interval * 1000);
          const sub = token.onCancellationRequested(done);
          function done() { clearTimeout(t); sub.dispose(); resolve(); }
        });
        if (token.fired) break;
      }
      const r: HostSnapshot | LiveError = await h.snapshot(token);
      const stamp = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
      if (r instanceof LiveError) {
        last = 1;
        if (!token.fired) io.out(`${stamp} ${alias}: refresh failed (${r.kind}): ${r.message.split('\n')[0]}${h.lastGood ? ' (the last snapshot stays as printed)' : ''}`);
        continue;
      }
      last = 0;
      const lines = summaryLines(r, alias, false);
      if (!prev) io.out(`${stamp} ${lines.join('\n')}`);
      else {
        const d = lineDiff(prev, lines);
        if (!d.added.length && !d.removed.length) io.out(`${stamp} ${alias}: no change`);
        else {
          io.out(`${stamp} ${alias}: ${d.removed.length + d.added.length} line(s) changed`);
          for (const l of d.removed) io.out(`- ${l}`);
          for (const l of d.added) io.out(`+ ${l}`);
        }
      }
      prev = lines;
    }
    return token.fired ? 130 : last;
  } finally {
    token.dispose();
    await h.dispose();
  }
}

/** `ioreq-scope host SUBCOMMAND ...` */
export async function hostMain(args: string[], io: Out): Promise<number> {
  try {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'snapshot': return await snapshotCmd(rest, io);
      case 'scenario': return await scenarioCmd(rest, io);
      case 'watch': return await watchCmd(rest, io);
      case undefined: throw new HostUsageError("'host' needs a subcommand: snapshot, scenario or watch");
      default: throw new HostUsageError(`unknown host subcommand '${sub}' (snapshot, scenario, watch)`);
    }
  } catch (e) {
    if (e instanceof HostUsageError) { io.err(`ioreq-scope: host: ${e.message}`); return 2; }
    if (e instanceof LiveError) { io.err(`ioreq-scope: host: ${e.message.split('\n')[0]}`); return 2; }
    io.err(`ioreq-scope: host: ${(e as Error).message.split('\n')[0]}`);
    return 2;
  }
}
