// The layout view: the special-page region of legacy / seed / 4.5 side by side (pages outside the region
// hvm_info->reserved_mem_pgstart declares are marked). The debugged scenario's events are drawn by the Sequence view
// (sequencePanel.ts). CSP with a nonce, assets through asWebviewUri, theme colours, keyboard navigation.
import * as crypto from 'crypto';
import * as vscode from 'vscode';
import type { Layout } from '../model/layout';
import type { LayoutColumn, LayoutFromView, LayoutToView } from '../common/messages';

export class LayoutPanel {
  private panel: vscode.WebviewPanel | null = null;
  private layouts: LayoutColumn[] = [];
  constructor(private context: vscode.ExtensionContext) {}

  /** The whole content: sent when the webview's script says it is listening, and on every show. */
  private sendAll(): void {
    this.send({ type: 'layouts', layouts: this.layouts });
  }

  /** The one way a message reaches the script: typed (src/common/messages.ts). */
  private send(m: LayoutToView): void {
    if (this.panel) void this.panel.webview.postMessage(m);
  }

  show(layouts: Layout[]): void {
    if (this.panel) {
      this.panel.reveal();
    } else {
      const media = vscode.Uri.joinPath(this.context.extensionUri, 'media');
      this.panel = vscode.window.createWebviewPanel('ioreqScope.layout', 'IOREQ Scope: Layout', vscode.ViewColumn.Beside, {
        enableScripts: true, localResourceRoots: [media], retainContextWhenHidden: false,
      });
      this.panel.onDidDispose(() => { this.panel = null; });
      const w = this.panel.webview;
      // A message posted before the page's script runs is dropped: the script asks for the content when ready.
      w.onDidReceiveMessage((m: LayoutFromView) => { if (m?.type === 'ready') this.sendAll(); });
      const nonce = crypto.randomBytes(16).toString('base64');
      const js = w.asWebviewUri(vscode.Uri.joinPath(media, 'layout.js'));
      const css = w.asWebviewUri(vscode.Uri.joinPath(media, 'layout.css'));
      w.html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${w.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0"><link rel="stylesheet" href="${css}"><title>IOREQ Scope: Layout</title></head>
<body><main>
<h1>Special pages</h1><p class="hint">Each column is a tree's xc_hvm_build layout. Pages below the dashed line lie outside the region hvm_info-&gt;reserved_mem_pgstart declares reserved; hvmloader's e820 map reserves everything from 0xfc000 regardless.</p>
<section id="layouts" class="layouts" aria-label="special-page layouts"></section>
</main><script nonce="${nonce}" src="${js}"></script></body></html>`;
    }
    this.layouts = layouts.map((l) => ({ profile: l.profile, reserved: l.reservedMemPgstart, expansion: l.reservedExpansion, pages: l.pages.map((p) => ({ name: p.name, index: p.index, pfn: p.pfn, inside: p.insideReserved, e820: p.insideE820Reserved })) }));
    this.sendAll();
  }
}
