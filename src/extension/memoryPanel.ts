// The memory view: a webview of the debugged model's special pages (the extension's own: no Hex Editor needed, works
// offline). Bytes in rows of 16 with the ioreq_t slots and the buffered ring's pointers and slots laid over them
// field by field (hover names the field and its decoded value), the bytes changed at the last stop highlighted; a
// byte is edited in place and written through the session's writeMemory (recorded, so time travel replays it). It
// follows the debugger: each stop (and each memory event) redraws it. The content comes from src/debug/pageview.ts.
import * as crypto from 'crypto';
import * as vscode from 'vscode';
import type { Model } from '../model/model';
import { pageViews } from '../debug/pageview';
import { request, type MemoryFromView, type MemoryToView, type WatchedRange } from '../common/messages';

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
  /** The ranges watched for writes ("Watch these bytes"), by session id, as the session last answered. */
  private watches = new Map<string, WatchedRange[]>();

  constructor(private context: vscode.ExtensionContext, private source: MemorySource) {}

  get isOpen(): boolean {
    return !!this.panel;
  }

  /** Opens (or reveals) the view, on the page `ref` (d1:0xfeff9) when given. */
  show(ref?: string): void {
    if (ref) this.focus = ref;
    if (this.panel) { this.panel.reveal(undefined, true); this.post(); return; }
    const media = vscode.Uri.joinPath(this.context.extensionUri, 'media');
    const back = vscode.window.activeTextEditor;
    this.panel = vscode.window.createWebviewPanel('ioreqScope.memory', 'IOREQ Scope: Memory', { viewColumn: vscode.ViewColumn.Beside, preserveFocus: false }, {
      enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: true,
    });
    this.panel.onDidDispose(() => { this.panel = null; });
    void this.lockGroup(this.panel, back);
    const w = this.panel.webview;
    w.onDidReceiveMessage((m: MemoryFromView) => {
      if (m?.type === 'ready') this.post();
      if (m?.type === 'focus' && typeof m.ref === 'string') this.focus = m.ref;
      if (m?.type === 'write' && typeof m.ref === 'string' && Number.isInteger(m.offset) && Number.isInteger(m.value)) void this.write(m.ref, m.offset, m.value);
      if (m?.type === 'watch' && typeof m.ref === 'string' && Number.isInteger(m.offset) && Number.isInteger(m.count)) void this.watch(m.ref, m.offset, m.count);
      if (m?.type === 'unwatch' && Number.isInteger(m.id)) void this.unwatch(m.id);
    });
    const nonce = crypto.randomBytes(16).toString('base64');
    const js = w.asWebviewUri(vscode.Uri.joinPath(media, 'memory.js'));
    const css = w.asWebviewUri(vscode.Uri.joinPath(media, 'memory.css'));
    w.html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${w.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0"><link rel="stylesheet" href="${css}"><title>IOREQ Scope: Memory</title></head>
<body><main>
<header><label for="page">Page</label> <select id="page" aria-label="special page"></select> <button id="watch" title="Stop when the selected bytes are written (a data breakpoint)">Watch these bytes</button> <span id="where" class="hint"></span></header>
<p class="hint" id="hint">Start a debug session of a scenario: its special pages appear here and follow each stop. Hover a byte for its field; double-click to edit it; shift-click selects a range to watch.</p>
<div id="watches" class="watches" aria-label="watched bytes"></div>
<div id="legend" class="legend"></div>
<section id="grid" class="grid" aria-label="page bytes" tabindex="0"></section>
</main><script nonce="${nonce}" src="${js}"></script></body></html>`;
  }

  /**
   * Locks the side group the view opened in (as VS Code does for its own browser opened to the side): the source a
   * stop opens, or any file the user opens while the view has focus, goes to another group instead of covering the
   * bytes. The user can unlock it from the group's menu. Focus then goes back to the editor that had it.
   */
  private async lockGroup(panel: vscode.WebviewPanel, back: vscode.TextEditor | undefined): Promise<void> {
    // The tab model reaches the extension host after the panel's own view state: wait for the view's tab to be the
    // active one of the active group.
    const ours = (t: vscode.Tab): boolean => t.input instanceof vscode.TabInputWebview && t.input.viewType.endsWith('ioreqScope.memory');
    const group = (): vscode.TabGroup | undefined => {
      const g = vscode.window.tabGroups.activeTabGroup;
      return g.activeTab && ours(g.activeTab) ? g : undefined;
    };
    if (!group()) {
      await new Promise<void>((resolve) => {
        const subs: vscode.Disposable[] = [];
        const done = (): void => { clearTimeout(timer); subs.forEach((d) => d.dispose()); resolve(); };
        const timer = setTimeout(done, 3000);
        const check = (): void => { if (group()) done(); };
        subs.push(vscode.window.tabGroups.onDidChangeTabGroups(check), vscode.window.tabGroups.onDidChangeTabs(check));
      });
    }
    const g = group();
    if (this.panel !== panel || !g) return;
    // Only when the view is alone in its group: a group that already held the user's editors stays as it was.
    if (g.tabs.length === 1) await vscode.commands.executeCommand('workbench.action.lockEditorGroup');
    if (back && !back.document.isClosed) await vscode.window.showTextDocument(back.document, { viewColumn: back.viewColumn, preserveFocus: false });
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
    const msg: MemoryToView = { type: 'pages', pages: views.map((v) => ({ ...v, bytes: Buffer.from(v.bytes).toString('hex') })), focus: this.focus, session: cur.session.name, watches: this.watches.get(cur.session.id) ?? [] };
    this.send(msg);
  }

  /** The one way a message reaches the script: typed (src/common/messages.ts). */
  private send(m: MemoryToView): void {
    if (this.panel) void this.panel.webview.postMessage(m);
  }

  private post(): void {
    this.update();
  }

  /** "Watch these bytes": the session stops when any of them is written (its ioreqScopeWatch request). */
  async watch(ref: string, offset: number, count: number): Promise<WatchedRange | undefined> {
    const cur = this.source.current();
    if (!cur) return undefined;
    try {
      const r = await request(cur.session, 'ioreqScopeWatch', { memoryReference: ref, offset, count });
      this.watches.set(cur.session.id, r.watches);
      this.update();
      return r.added;
    } catch (e) {
      void vscode.window.showErrorMessage(`IOREQ Scope: cannot watch ${ref}+0x${offset.toString(16)}: ${(e as Error).message}`);
      return undefined;
    }
  }

  async unwatch(id: number): Promise<void> {
    const cur = this.source.current();
    if (!cur) return;
    try {
      const r = await request(cur.session, 'ioreqScopeUnwatch', { id });
      this.watches.set(cur.session.id, r.watches);
    } catch (e) {
      void vscode.window.showErrorMessage(`IOREQ Scope: ${(e as Error).message}`);
    }
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
