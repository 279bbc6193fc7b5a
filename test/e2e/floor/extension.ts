// The latency floor for bench/latency.ts: a second, tiny extension installed into the same code-server beside the
// IOREQ Scope VSIX. It is not a mock of IOREQ Scope: it does no modelling at all. Its debug type `ioreq-floor` has an
// inline debug adapter that answers every request at once, with one thread and one frame on a real file of the
// workspace whose line moves one down per `next`; and its "Floor Model" view (in Run and Debug) follows each stop the
// way the Model view does (a custom event after `stopped`, then a refresh of the nodes that changed, marked). What VS
// Code itself spends between the F10 key and the screen is then measured against the same thing for ioreq-scope.
// Built by tools/build.js to out/test/e2e/floor/extension.js; bench/latency.ts copies it beside this package.json.
import * as fs from 'fs';
import * as inspector from 'inspector';
import * as vscode from 'vscode';

type Message = { seq: number; type: string; command?: string; arguments?: Record<string, unknown> };

/** The do-nothing adapter: no state but the frame's line. */
class FloorAdapter implements vscode.DebugAdapter {
  private readonly emitter = new vscode.EventEmitter<vscode.DebugProtocolMessage>();
  readonly onDidSendMessage = this.emitter.event;
  private seq = 1;
  private line = 1;
  private steps = 0;
  private program = '';

  private send(m: Record<string, unknown>): void { this.emitter.fire({ seq: this.seq++, ...m } as vscode.DebugProtocolMessage); }
  private respond(req: Message, body: Record<string, unknown> = {}): void {
    this.send({ type: 'response', request_seq: req.seq, success: true, command: req.command, body });
  }
  private event(event: string, body: Record<string, unknown> = {}): void { this.send({ type: 'event', event, body }); }
  private stop(reason: string): void {
    this.event('stopped', { reason, threadId: 1, allThreadsStopped: true });
    this.event('ioreqFloor.state', { line: this.line, steps: this.steps });
  }

  handleMessage(message: vscode.DebugProtocolMessage): void {
    const m = message as Message;
    if (m.type !== 'request') return;
    const args = m.arguments ?? {};
    switch (m.command) {
      case 'initialize':
        this.respond(m, { supportsConfigurationDoneRequest: true });
        this.event('initialized');
        break;
      case 'launch':
        this.program = String(args.program ?? '');
        this.respond(m);
        break;
      case 'configurationDone':
        this.respond(m);
        this.stop('entry');
        break;
      case 'setBreakpoints':
        this.respond(m, { breakpoints: [] });
        break;
      case 'threads':
        this.respond(m, { threads: [{ id: 1, name: 'floor' }] });
        break;
      case 'stackTrace':
        this.respond(m, {
          stackFrames: [{ id: 1, name: `floor_step_${this.steps}`, line: this.line, column: 1,
            source: { name: this.program.split('/').pop(), path: this.program } }],
          totalFrames: 1,
        });
        break;
      case 'scopes':
        this.respond(m, { scopes: [{ name: 'Locals', variablesReference: 1, expensive: false }] });
        break;
      case 'variables':
        this.respond(m, { variables: [{ name: 'line', value: String(this.line), variablesReference: 0 },
          { name: 'steps', value: String(this.steps), variablesReference: 0 }] });
        break;
      case 'next': case 'stepIn': case 'stepOut':
        this.respond(m);
        this.line++;
        this.steps++;
        this.stop('step');
        break;
      case 'continue':
        this.respond(m, { allThreadsContinued: true });
        this.stop('pause');
        break;
      case 'evaluate':
        this.respond(m, { result: '', variablesReference: 0 });
        break;
      case 'disconnect': case 'terminate':
        this.respond(m);
        this.event('terminated');
        break;
      default:
        this.respond(m);
    }
  }

  dispose(): void { this.emitter.dispose(); }
}

/** The "Floor Model" view: a session node holding a line node and a step node, the changed ones marked. */
type Node = { id: 'session' | 'line' | 'steps'; label: string; changed: boolean };

class FloorTree implements vscode.TreeDataProvider<Node> {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly nodes: Record<Node['id'], Node> = {
    session: { id: 'session', label: 'floor session', changed: false },
    line: { id: 'line', label: 'line -', changed: false },
    steps: { id: 'steps', label: 'steps -', changed: false },
  };

  follow(line: number, steps: number): void {
    for (const [n, label] of [[this.nodes.line, `line ${line}`], [this.nodes.steps, `steps ${steps}`]] as const) {
      n.changed = n.label !== label;
      n.label = label;
      this.emitter.fire(n);
    }
  }

  getTreeItem(n: Node): vscode.TreeItem {
    const item = new vscode.TreeItem(n.changed ? { label: n.label, highlights: [[0, n.label.length]] } : n.label,
      n.id === 'session' ? vscode.TreeItemCollapsibleState.Expanded : vscode.TreeItemCollapsibleState.None);
    item.id = n.id;
    return item;
  }

  getChildren(n?: Node): Node[] { return n ? (n.id === 'session' ? [this.nodes.line, this.nodes.steps] : []) : [this.nodes.session]; }
}

/** With IOREQ_FLOOR_DAP_LOG set, every debug session's DAP messages (any type: ours and the floor's) are kept, only
 *  their kind, command and sequence numbers with a time stamp, and appended to that file as JSON lines when the
 *  session ends: bench/latency.ts counts the requests VS Code makes per stop and what each costs the adapter. */
function dapTracker(file: string): vscode.DebugAdapterTrackerFactory {
  return {
    createDebugAdapterTracker(session) {
      const lines: string[] = [];
      const log = (dir: 'in' | 'out', m: { type?: string; command?: string; event?: string; seq?: number; request_seq?: number }) => {
        lines.push(JSON.stringify({ session: session.id, type: session.type, dir, t: performance.now(),
          msg: { type: m.type, command: m.command, event: m.event, seq: m.seq, request_seq: m.request_seq } }));
      };
      const flush = () => { if (lines.length) fs.appendFileSync(file, lines.splice(0).join('\n') + '\n'); };
      return { onWillReceiveMessage: (m) => log('in', m), onDidSendMessage: (m) => log('out', m), onWillStopSession: flush, onExit: flush };
    },
  };
}

/** With IOREQ_FLOOR_CPU_PROFILE=DIR, a CPU profile of this extension host (where both inline adapters, the IOREQ Scope
 *  extension and VS Code's extension-side API run), taken in-process with node's inspector over exactly the timed
 *  steps: bench/latency.ts writes DIR/control with `start NAME` before them and `stop` after; the profile goes to
 *  DIR/exthost-NAME.cpuprofile, then DIR/control.done says it is written. Polled, 50 ms apart, only while set. */
function exthostProfiler(dir: string): vscode.Disposable {
  const control = `${dir}/control`;
  const session = new inspector.Session();
  session.connect();
  const post = (method: string) => new Promise<any>((res, rej) => session.post(method, (e, r) => (e ? rej(e) : res(r))));
  let name: string | null = null;
  const poll = async () => {
    let text = '';
    try { text = fs.readFileSync(control, 'utf8').trim(); } catch { return; }
    fs.rmSync(control, { force: true });
    if (text.startsWith('start ') && name === null) {
      name = text.slice(6);
      await post('Profiler.enable');
      await post('Profiler.start');
    } else if (text === 'stop' && name !== null) {
      const { profile } = await post('Profiler.stop');
      fs.writeFileSync(`${dir}/exthost-${name}.cpuprofile`, JSON.stringify(profile));
      fs.writeFileSync(`${control}.done`, name);
      name = null;
    }
  };
  const timer = setInterval(() => { void poll(); }, 50);
  return { dispose: () => { clearInterval(timer); session.disconnect(); } };
}

export function activate(context: vscode.ExtensionContext): void {
  const profileDir = process.env.IOREQ_FLOOR_CPU_PROFILE;
  if (profileDir) context.subscriptions.push(exthostProfiler(profileDir));
  const tree = new FloorTree();
  const logFile = process.env.IOREQ_FLOOR_DAP_LOG;
  if (logFile) context.subscriptions.push(vscode.debug.registerDebugAdapterTrackerFactory('*', dapTracker(logFile)));
  context.subscriptions.push(
    vscode.window.registerTreeDataProvider('ioreqFloor.model', tree),
    vscode.debug.registerDebugAdapterDescriptorFactory('ioreq-floor', {
      createDebugAdapterDescriptor: () => new vscode.DebugAdapterInlineImplementation(new FloorAdapter()),
    }),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.event !== 'ioreqFloor.state') return;
      const b = e.body as { line: number; steps: number };
      tree.follow(b.line, b.steps);
    }),
  );
}

export function deactivate(): void { /* nothing to stop */ }
