// Trace view: opens xentrace captures and QEMU traces, imports them with the bundled command line in a child
// process (progress from its stderr, cancellation by ending it, the editor never blocked), and shows the timeline
// of guest I/O, the gaps and xenalyze's IO address summary as sortable tables in a webview, with actions: Open as
// Scenario, Check Against the Model, Debug. CSP with a nonce, assets through asWebviewUri.
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { traceSequence, type TraceGap, type TraceIo } from '../trace/sequence';
import { runTraceChild, type TraceRun } from '../trace/child';
import { isTraceAction, type TraceAction, type TraceFromView, type TraceToView, type TraceViewData } from '../common/messages';

/** Above this total size the view asks for the summary only (the timeline of a huge capture is not sent). */
const TIMELINE_LIMIT_BYTES = 64 << 20;
/** At most this many timeline rows go to the webview. */
const MAX_ROWS = 5000;
/** At most this many I/O are drawn in the sequence diagram. */
const MAX_SEQUENCE_IOS = 1000;

export type { TraceRun } from '../trace/child';

/** Runs `ioreq-scope trace` (dist/cli.js) on files with extra arguments; progress lines go to report. */
export function runTraceCli(context: vscode.ExtensionContext, files: string[], extra: string[], token?: vscode.CancellationToken, report?: (pct: number, text: string) => void): Promise<TraceRun> {
  return runTraceChild(path.join(context.extensionPath, 'dist', 'cli.js'), files, extra, { token, report });
}

/** A scenario path beside the first trace that does not exist yet. */
function freshScenarioPath(first: string): string {
  const base = first.replace(/\.[^./\\]*$/, '');
  for (let i = 0; ; i++) {
    const p = `${base}${i ? '-' + i : ''}.ioreq.json`;
    if (!fs.existsSync(p)) return p;
  }
}

export class TracePanel {
  private panel: vscode.WebviewPanel | null = null;
  private files: string[] = [];
  constructor(private context: vscode.ExtensionContext, private log: vscode.LogOutputChannel) {}

  /** Imports files and shows them; returns what the view shows (for tests and the command's caller). */
  async open(files: string[]): Promise<Record<string, unknown>> {
    this.files = files;
    const total = files.reduce((s, f) => { try { return s + fs.statSync(f).size; } catch { return s; } }, 0);
    const summaryOnly = total > TIMELINE_LIMIT_BYTES;
    const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Importing ${files.map((f) => path.basename(f)).join(', ')}`, cancellable: true },
      (progress, token) => runTraceCli(this.context, files, ['--json', ...(summaryOnly ? ['--summary'] : [])], token, (inc, text) => progress.report({ increment: inc, message: text })));
    for (const l of r.stderr.split('\n').filter((x) => x.trim())) this.log.info(l);
    if (r.cancelled) { void vscode.window.showInformationMessage('IOREQ Scope: trace import cancelled'); return { cancelled: true }; }
    if (!r.json) {
      const msg = r.stderr.split('\n').find((l) => l.trim()) ?? `the import ended with code ${r.code}`;
      void vscode.window.showErrorMessage(`IOREQ Scope: ${msg}`);
      return { error: msg };
    }
    const j = r.json;
    if (j.errors?.length) void vscode.window.showWarningMessage(`IOREQ Scope: ${j.errors[0]} (everything before it is shown)`);
    const ios = (j.ios ?? []) as TraceIo[];
    const haveQemu = ((j.files ?? []) as Array<{ format?: string }>).some((f) => f.format && f.format !== 'xentrace');
    const sequence = summaryOnly ? null : traceSequence(`Guest I/O in ${files.map((f) => path.basename(f)).join(', ')}`, ios, (j.gaps ?? []) as TraceGap[], { maxIos: MAX_SEQUENCE_IOS, dmLabel: haveQemu ? 'QEMU' : 'device model' });
    this.show({ files, summaryOnly, ios: ios.slice(0, MAX_ROWS), iosTotal: ios.length, gaps: j.gaps, summary: j.summary, matched: j.matched, dmRequests: j.dmRequests, errors: j.errors, fileStats: j.files, sequence });
    return { ios: ios.length, rows: j.summary.rows.length, matched: j.matched, gaps: (j.gaps ?? []).length, errors: j.errors, summaryOnly, sequenceItems: sequence?.items.length ?? 0, lanes: sequence?.lanes.map((l) => l.id) ?? [] };
  }

  /** The last import shown, for a page that starts listening after it was posted. */
  private data: TraceViewData | null = null;

  private show(data: TraceViewData): void {
    if (!this.panel) {
      const media = vscode.Uri.joinPath(this.context.extensionUri, 'media');
      this.init(vscode.window.createWebviewPanel('ioreqScope.trace', 'IOREQ Scope: Trace', vscode.ViewColumn.Active, { enableScripts: true, localResourceRoots: [media] }));
    } else this.panel.reveal();
    this.panel!.title = `Trace: ${this.files.map((f) => path.basename(f)).join(', ')}`;
    // Kept, and sent again when the page's script says it is listening: a message posted before it ran is lost.
    this.data = data;
    this.send(this.panel!, { type: 'trace', data });
  }

  /** The one way a message reaches the script: typed (src/common/messages.ts). */
  private send(panel: vscode.WebviewPanel | null, m: TraceToView): void {
    if (panel) void panel.webview.postMessage(m);
  }

  /** Shows the view in a panel VS Code made (the custom editor "Open With… IOREQ Scope Trace"). */
  async openIn(panel: vscode.WebviewPanel, file: string): Promise<Record<string, unknown>> {
    const media = vscode.Uri.joinPath(this.context.extensionUri, 'media');
    panel.webview.options = { enableScripts: true, localResourceRoots: [media] };
    this.init(panel);
    return this.open([file]);
  }

  private init(panel: vscode.WebviewPanel): void {
    this.panel = panel;
    panel.onDidDispose(() => { if (this.panel === panel) this.panel = null; });
    panel.webview.onDidReceiveMessage((m: TraceFromView) => {
      if (m?.type === 'ready') { if (this.data && this.panel === panel) this.send(panel, { type: 'trace', data: this.data }); return; }
      if (isTraceAction(m?.type)) void this.action(m.type);
    });
    const media = vscode.Uri.joinPath(this.context.extensionUri, 'media');
    const w = panel.webview;
    const nonce = crypto.randomBytes(16).toString('base64');
    const js = w.asWebviewUri(vscode.Uri.joinPath(media, 'trace.js'));
    const css = w.asWebviewUri(vscode.Uri.joinPath(media, 'trace.css'));
    const seqJs = w.asWebviewUri(vscode.Uri.joinPath(media, 'sequence.js'));
    const seqCss = w.asWebviewUri(vscode.Uri.joinPath(media, 'sequence.css'));
    w.html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${w.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0"><link rel="stylesheet" href="${css}"><link rel="stylesheet" href="${seqCss}"><title>IOREQ Scope: Trace</title></head>
<body><main>
<header><h1 id="title">Trace</h1>
<div class="actions"><button id="scenario">Open as Scenario</button><button id="check">Check Against the Model</button><button id="debug">Debug</button></div></header>
<p id="files" class="hint"></p>
<section id="check-result" aria-live="polite"></section>
<section id="sequence" aria-label="sequence diagram of the trace"></section>
<h2>IO address summary</h2><p class="hint">Per vcpu and address, counted as xenalyze counts (one I/O per exit, its arc's cycles). Click a column to sort.</p>
<table id="summary" class="sortable"></table>
<h2>Gaps</h2><ul id="gaps"></ul>
<h2>Timeline</h2><p class="hint" id="timeline-hint"></p>
<table id="timeline" class="sortable"></table>
</main><script nonce="${nonce}" src="${seqJs}"></script><script nonce="${nonce}" src="${js}"></script></body></html>`;
  }

  /** The webview's buttons. */
  async action(type: TraceAction): Promise<Record<string, unknown> | undefined> {
    if (!this.files.length) return undefined;
    if (type === 'check') {
      const r = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: 'Checking the trace against the model', cancellable: true }, (_p, token) => runTraceCli(this.context, this.files, ['--json', '--summary', '--check'], token));
      const dis = (r.json?.disagreements ?? []) as Array<{ place: string; what: string }>;
      this.send(this.panel, { type: 'check', disagreements: dis, cancelled: r.cancelled });
      this.log.info(`check: ${dis.length} disagreement(s)`);
      return { disagreements: dis.length };
    }
    if (type === 'scenario' || type === 'debug') {
      const out = freshScenarioPath(this.files[0]);
      const r = await runTraceCli(this.context, this.files, ['--json', '--summary', '--scenario', out]);
      if (!fs.existsSync(out)) { void vscode.window.showErrorMessage(`IOREQ Scope: could not write the scenario: ${r.stderr.split('\n')[0]}`); return { error: r.stderr }; }
      const uri = vscode.Uri.file(out);
      if (type === 'debug') await vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(uri), { type: 'ioreq-scope', request: 'launch', name: `Debug ${path.basename(out)}`, scenario: out, stopOnEntry: true });
      else await vscode.window.showTextDocument(uri);
      return { scenario: out };
    }
    return undefined;
  }
}

/** "Open With… IOREQ Scope Trace" for capture files: a read-only custom editor showing the trace view. */
export class TraceEditorProvider implements vscode.CustomReadonlyEditorProvider {
  static readonly viewType = 'ioreqScope.traceEditor';
  constructor(private context: vscode.ExtensionContext, private log: vscode.LogOutputChannel) {}
  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }
  async resolveCustomEditor(doc: vscode.CustomDocument, panel: vscode.WebviewPanel): Promise<void> {
    await new TracePanel(this.context, this.log).openIn(panel, doc.uri.fsPath);
  }
}
