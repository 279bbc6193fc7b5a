// The Sequence view of a debug session (a webview view in the panel, beside the Debug Console, so the listings the
// debugger opens never cover it): the model events of the session, drawn by media/sequence.js as a sequence
// diagram (lifelines for each vcpu, Xen, each device model and the toolstack). It shows one session at a time —
// the active ioreq-scope session, else the last one that stopped — and follows its stops: the event at the stop is
// highlighted and scrolled to, a click on an event travels there (the adapter's ioreqScopeGotoEvent request).
// Each session keeps its own diagram (src/trace/sequence.ts's ModelSequence), so sessions never mix and a replay
// after time travel replaces instead of duplicating. CSP with a nonce, assets through asWebviewUri.
import * as crypto from 'crypto';
import * as path from 'path';
import * as vscode from 'vscode';
import { ModelSequence, type DeviceModelInfo, type SeqDoc } from '../trace/sequence';
import type { SequenceFromView, SequenceToView, StateEventBody } from '../common/messages';

/** What the adapter's ioreqScope.state event carries (src/debug/session.ts report()), each field read with care. */
export type StateBody = Partial<StateEventBody>;

/** What the extension knows about a session's scenario when it first stops. */
export interface SessionInfo { actors: string[]; dms: DeviceModelInfo[]; scenario?: string; profile?: string }

export function sessionHeader(name: string, info: SessionInfo): string {
  return `Debug session "${name}"${info.scenario ? ` — ${path.basename(info.scenario)}` : ''}${info.profile ? ` (profile ${info.profile})` : ''}`;
}

export function stopWhere(b: StateBody): string {
  if (b.step === undefined) return '';
  return `stopped at step ${b.step + 1}${b.actor ? ` (${b.actor})` : ''}${b.reason ? `, ${b.reason}` : ''}, statement ${b.t ?? '?'}`;
}

export class SequencePanel implements vscode.WebviewViewProvider {
  static readonly viewType = 'ioreqScope.sequence';
  private view: vscode.WebviewView | null = null;
  private sessions = new Map<string, { seq: ModelSequence; session: vscode.DebugSession }>();
  /** The session shown: the active ioreq-scope session, else the last one that stopped. */
  private shownId: string | null = null;
  constructor(private context: vscode.ExtensionContext, private log: vscode.LogOutputChannel) {}

  /** A stop of `session`: its new events and where it stands. `info` is asked for on its first stop only. */
  follow(session: vscode.DebugSession, body: StateBody, info: () => SessionInfo): void {
    let s = this.sessions.get(session.id);
    const isNew = !s;
    if (!s) {
      const i = info();
      s = { seq: new ModelSequence(sessionHeader(session.name, i), i.actors, i.dms), session };
      this.sessions.set(session.id, s);
      // Keep the diagrams of the last few sessions only.
      while (this.sessions.size > 8) this.sessions.delete(this.sessions.keys().next().value as string);
    }
    s.seq.add(body.events ?? []);
    s.seq.at(body.eventCount ?? s.seq.size, stopWhere(body));
    // Shown: a session just started (its first stop), the active one, or any when the shown one is gone.
    const active = vscode.debug.activeDebugSession;
    const shown = this.shownId ? this.sessions.get(this.shownId) : undefined;
    if (isNew || !shown || shown.seq.ended || active?.id === session.id || !active || !this.sessions.has(active.id)) this.shownId = session.id;
    if (this.shownId === session.id) this.post();
  }

  ended(session: vscode.DebugSession): void {
    const s = this.sessions.get(session.id);
    if (!s) return;
    s.seq.ended = true;
    if (this.shownId === session.id) this.post();
  }

  /** The active debug session changed: show its diagram when it has one. */
  activeChanged(session: vscode.DebugSession | undefined): void {
    if (session && this.sessions.has(session.id) && this.shownId !== session.id) { this.shownId = session.id; this.post(); }
  }

  /** The document shown now (for tests). */
  current(): SeqDoc | null {
    const s = this.shownId ? this.sessions.get(this.shownId) : undefined;
    return s ? s.seq.doc() : null;
  }

  private post(): void {
    if (!this.view || !this.view.visible) return;
    const d = this.current();
    if (!d) return;
    this.send({ type: 'sequence', doc: d });
  }

  /** The one way a message reaches the script: typed (src/common/messages.ts). */
  private send(m: SequenceToView): void {
    if (this.view) void this.view.webview.postMessage(m);
  }

  /** Reveals the view (in the panel beside the Debug Console), keeping the focus where it is. */
  show(): void {
    if (this.view) { this.view.show(true); this.post(); return; }
    void vscode.commands.executeCommand(`${SequencePanel.viewType}.focus`);
  }

  /** VS Code's call when the view is first shown: its page, its messages. */
  resolveWebviewView(view: vscode.WebviewView): void {
    this.view = view;
    const media = vscode.Uri.joinPath(this.context.extensionUri, 'media');
    view.webview.options = { enableScripts: true, localResourceRoots: [media] };
    view.onDidDispose(() => { if (this.view === view) this.view = null; });
    view.onDidChangeVisibility(() => { if (view.visible) this.post(); });
    view.webview.onDidReceiveMessage((m: SequenceFromView) => {
      if (m?.type === 'ready') { this.post(); return; }
      if (m?.type === 'activate' && Number.isInteger(m.ref)) void this.travel(m.ref);
    });
    const w = view.webview;
    const nonce = crypto.randomBytes(16).toString('base64');
    const asset = (f: string) => w.asWebviewUri(vscode.Uri.joinPath(media, f));
    w.html = `<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src ${w.cspSource}; script-src 'nonce-${nonce}';">
<meta name="viewport" content="width=device-width, initial-scale=1.0"><link rel="stylesheet" href="${asset('sequence.css')}"><link rel="stylesheet" href="${asset('sequenceView.css')}"><title>IOREQ Scope: Sequence</title></head>
<body><main id="sequence"><p class="seq-sub">Start a debug session of a scenario (F5): its model events are drawn here as it runs.</p></main>
<script nonce="${nonce}" src="${asset('sequence.js')}"></script><script nonce="${nonce}" src="${asset('sequenceView.js')}"></script></body></html>`;
  }

  /** A click on event `seq`: the shown session travels to the stop after it. */
  async travel(seq: number): Promise<boolean> {
    const s = this.shownId ? this.sessions.get(this.shownId) : undefined;
    if (!s || s.seq.ended || seq < 0) return false;
    try {
      await s.session.customRequest('ioreqScopeGotoEvent', { seq });
      return true;
    } catch (e) {
      this.log.warn(`sequence: could not travel to event #${seq}: ${(e as Error).message}`);
      return false;
    }
  }
}
