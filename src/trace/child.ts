// The trace import as a child process (the extension runs the bundled command line so a long import never blocks
// its host): the progress lines the command prints on stderr, their parser, and cancellation by ending the child.
// No vscode import: a CancellationToken fits CancelLike.
import { spawn } from 'child_process';

export interface CancelLike {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => void): { dispose(): void };
}

export interface TraceRun { code: number | null; json: any; stderr: string; cancelled: boolean }

/** The progress line `ioreq-scope trace` prints on stderr for a long file. */
export function progressLine(file: string, bytes: number, total: number): string {
  return `ioreq-scope: ${file}: ${Math.floor((bytes * 100) / total)}% (${Math.floor(bytes / 2 ** 20)} of ${Math.floor(total / 2 ** 20)} MiB)`;
}

const PROGRESS_RE = /(\d+)% \((\d+) of (\d+) MiB\)[ \t]*$/gm;

/** The last progress reading in a piece of stderr, or null. */
export function lastProgress(text: string): { pct: number; doneMiB: number; totalMiB: number } | null {
  let last: RegExpExecArray | null = null;
  PROGRESS_RE.lastIndex = 0;
  for (let m = PROGRESS_RE.exec(text); m; m = PROGRESS_RE.exec(text)) last = m;
  return last ? { pct: Number(last[1]), doneMiB: Number(last[2]), totalMiB: Number(last[3]) } : null;
}

/**
 * Runs `node CLI trace FILES... EXTRA...`; `report(increment, text)` gets the progress as increments of percent
 * (summing to at most 100), and cancelling the token ends the child. Resolves with its exit, its JSON (when it
 * printed one) and its stderr.
 */
export function runTraceChild(cli: string, files: string[], extra: string[], o: { token?: CancelLike; report?: (increment: number, text: string) => void; execPath?: string } = {}): Promise<TraceRun> {
  return new Promise((resolve) => {
    const child = spawn(o.execPath ?? process.execPath, [cli, 'trace', ...files, ...extra], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '', cancelled = false, last = 0, pending = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
      // Whole lines only: a line cut between two chunks is read with the next one.
      pending += d;
      const cut = pending.lastIndexOf('\n');
      if (cut < 0) return;
      const p = lastProgress(pending.slice(0, cut));
      pending = pending.slice(cut + 1);
      if (p && o.report && p.pct > last) { o.report(p.pct - last, `${p.doneMiB} of ${p.totalMiB} MiB`); last = p.pct; }
    });
    const cancel = () => { cancelled = true; child.kill(); };
    const sub = o.token?.onCancellationRequested(cancel);
    if (o.token?.isCancellationRequested) cancel();
    child.on('close', (code) => {
      sub?.dispose();
      let json: any = null;
      try { json = out.trim() ? JSON.parse(out) : null; } catch { json = null; }
      resolve({ code, json, stderr: err, cancelled });
    });
    child.on('error', (e) => { sub?.dispose(); resolve({ code: null, json: null, stderr: String(e), cancelled }); });
  });
}
