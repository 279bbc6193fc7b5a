// The memory view: a webview of the debugged model's special pages (the extension's own: no Hex Editor needed, works
// offline). Bytes in rows of 16 with the ioreq_t slots and the buffered ring's pointers and slots laid over them
// field by field (hover names the field and its decoded value), the bytes changed at the last stop highlighted; a
// byte is edited in place and written through the session's writeMemory (recorded, so time travel replays it). It
// follows the debugger: each stop (and each memory event) redraws it. The content comes from src/debug/pageview.ts.
import * as crypto from 'crypto';
import * as vscode from 'vscode';
import type { Model } from '../model/model';
import { pageViews } from '../debug/pageview';

export interface MemorySource {
  /** The model of the session shown, and the session to write through. */
  current(): { model: Model; session: vscode.DebugSession } | undefined;
}

export class MemoryPanel {
  private panel: vscode.WebviewPanel | null = null;
  /** The bytes of each page at the last redraw (the stop before), for the changed marks. */
  private previous = new Map<string, number[]>();
  /** The bytes at the stop being shown, kept when a redraw finds nothing new (a memory event at the same stop). */
  private atStop = new Map<string, number[]>();
  private focus: string | undefined;
  private lastT: unknown;

  constructor(private context: vscode.ExtensionContext, private source: MemorySource) {}

  get isOpen(): boolean {
    return !!this.panel;
  }

  /** Opens (or reveals) the view, on the page `ref` (d1:0xfeff9) when given. */
  show(ref?: string): void {
    if (ref) this.focus = ref;
    if (this.panel) { this.panel.reveal(undefined, true); this.post(); return; }
    const media = vscode.Uri.joinPath(this.context.extensionUri, 'media');
    this.panel = vscode.window.createWebviewPanel('ioreqScope.memory', 'IOREQ Scope: Memory', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, {
      enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: true,
    });
    this.panel.onDidDispose(() => { this.panel = null; });
    const w = this.panel.webview;
    w.onDidReceiveMessage((m: { type?: string; ref?: string; offset?: number; value?: number }) => {
      if (m?.type === 'ready') this.post();
      if (m?.type === 'focus' && typeof m.ref === 'string') this.focus = m.ref;
      if (m?.type === 'write' && typeof m.ref === 'string' && Number.isInteger(m.offset) && Number.isInteger(m.value)) void this.write(m.ref, m.offset!, m.value!);
    });
    const nonce = crypto.randomBytes(16).toString('base64');
    const js = w.asWebviewUri(vscode.Uri.joinPath(media, 'memory.js'));
    const css = w.asWebviewUri(vscode.Uri.joinPath(media, 'memory.css'));
    w.html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${w.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0"><link rel="stylesheet" href="${css}"><title>IOREQ Scope: Memory</title></head>
<body><main>
<header><label for="page">Page</label> <select id="page" aria-label="special page"></select> <span id="where" class="hint"></span></header>
<p class="hint" id="hint">Start a debug session of a scenario: its special pages appear here and follow each stop. Hover a byte for its field; double-click to edit it.</p>
<div id="legend" class="legend"></div>
<section id="grid" class="grid" aria-label="page bytes" tabindex="0"></section>
</main><script nonce="${nonce}" src="${js}"></script></body></html>`;
  }

  /** Redraws after a stop (position `t`) or a write. */
  update(t?: unknown): void {
    const cur = this.source.current();
    if (!cur) return;
    if (t !== undefined && t !== this.lastT) {
      // A new stop: what it shows is compared with the stop before.
      this.previous = this.atStop;
      this.lastT = t;
    }
    const views = pageViews(cur.model, this.previous);
    this.atStop = new Map(views.map((v) => [v.memoryReference, v.bytes]));
    if (this.panel) void this.panel.webview.postMessage({ type: 'pages', pages: views.map((v) => ({ ...v, bytes: Buffer.from(v.bytes).toString('hex') })), focus: this.focus, session: cur.session.name });
  }

  private post(): void {
    this.update();
  }

  private async write(ref: string, offset: number, value: number): Promise<void> {
    const cur = this.source.current();
    if (!cur) return;
    try {
      await cur.session.customRequest('writeMemory', { memoryReference: ref, offset, data: Buffer.from([value & 0xff]).toString('base64') });
    } catch (e) {
      void vscode.window.showErrorMessage(`IOREQ Scope: cannot write ${ref}+0x${offset.toString(16)}: ${(e as Error).message}`);
    }
    this.update();
  }
}
