// IOREQ Scope's VS Code extension: the only layer that imports `vscode`. It registers the views, commands, the
// debugger (inline adapter) and the scenario validator; all the work is done by src/model, src/scenario and
// src/debug. Nothing runs at activation beyond registering.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import * as A from '../model/abi';
import { specialPageLayout, PROFILES } from '../model/layout';
import type { Model } from '../model/model';
import { ScenarioError } from '../scenario/errors';
import { type Violation } from '../scenario/explore';
import { parseScenario, type Scenario } from '../scenario/parse';
import { progressText } from '../scenario/progress';
import { runExplore } from './exploreRunner';
import { runScenario } from '../scenario/run';
import { compareProfiles, compareReport } from '../scenario/compare';
import type { ProfileName } from '../model/layout';
import { loadListing, locateLabel } from '../debug/listing';
import { IoreqDebugSession, LISTING_SCHEME, listingUri, memoryRef, parseMemoryRef } from '../debug/session';
import { actorsOf } from '../debug/runtime';
import { ModelTreeProvider } from './provider';
import { MemoryPanel } from './memoryPanel';
import type { RootSource, TreeNode } from './treeModel';
import { LayoutPanel } from './layoutPanel';
import { SequencePanel, type StateBody } from './sequencePanel';
import { TraceEditorProvider, TracePanel } from './tracePanel';
import { LiveHost, LiveError, sessionLimiter, snapshotToScenario } from '../live/host';
import type { HostState } from './hostTree';
import { counterexamplePath, counterexampleText, exploreSummary, isScenarioPath, isSyntaxError, notAScenarioMessage, templateItem } from './flowsModel';

const SCENARIO_GLOB = '**/*.ioreq.json';
const isScenario = (doc: vscode.TextDocument) => doc.uri.path.endsWith('.ioreq.json');

export interface Api {
  version: string;
  /** The roots, their children and their grandchildren (a host's domains, a scenario's vcpus …). */
  treeRoots(): Promise<NodeSnapshot[]>;
  diagnostics(uri: vscode.Uri): readonly vscode.Diagnostic[];
  refreshChanged(): number;
}

export interface NodeSnapshot { id: string; label: string; description?: string; children?: NodeSnapshot[] }

/** Parses and runs a document's text; the model after the last step, or the located error. */
function evaluateDoc(doc: vscode.TextDocument): { sc?: Scenario; model?: Model; error?: ScenarioError } {
  try {
    const sc = parseScenario(doc.getText(), doc.uri.fsPath || doc.uri.path);
    try {
      return { sc, model: runScenario(sc).session.m };
    } catch (e) {
      if (e instanceof ScenarioError) return { sc, error: e };
      throw e;
    }
  } catch (e) {
    if (e instanceof ScenarioError) return { error: e };
    throw e;
  }
}

export function activate(context: vscode.ExtensionContext): Api {
  const log = vscode.window.createOutputChannel('IOREQ Scope', { log: true });
  const tree = new ModelTreeProvider();
  const treeView = vscode.window.createTreeView('ioreqScope.model', { treeDataProvider: tree, showCollapseAll: true });
  // The same view in the Run and Debug container, beside Variables (shown while an ioreq-scope session runs).
  const debugTree = new ModelTreeProvider();
  const debugTreeView = vscode.window.createTreeView('ioreqScope.modelDebug', { treeDataProvider: debugTree, showCollapseAll: true });
  context.subscriptions.push(debugTreeView);
  const diagnostics = vscode.languages.createDiagnosticCollection('ioreq-scope');
  const sessions = new Map<string, IoreqDebugSession>();
  const layout = new LayoutPanel(context);
  const sequence = new SequencePanel(context, log);
  context.subscriptions.push(vscode.window.registerWebviewViewProvider(SequencePanel.viewType, sequence, { webviewOptions: { retainContextWhenHidden: true } }));
  // The memory view follows the active ioreq-scope session (else the last one that stopped).
  let lastStopped: vscode.DebugSession | undefined;
  const memory = new MemoryPanel(context, {
    current: () => {
      const a = vscode.debug.activeDebugSession;
      const s = a && a.type === 'ioreq-scope' ? a : lastStopped;
      const rt = s ? sessions.get(s.id)?.runtime : undefined;
      return s && rt ? { model: rt.session.m, session: s } : undefined;
    },
  });
  context.subscriptions.push(log, treeView, diagnostics);

  // ---- roots: the active debug sessions, then the scenario in the editor ----
  const docCache = new Map<string, { version: number; result: ReturnType<typeof evaluateDoc> }>();
  const docResult = (doc: vscode.TextDocument) => {
    const key = doc.uri.toString();
    const c = docCache.get(key);
    if (c && c.version === doc.version) return c.result;
    const result = evaluateDoc(doc);
    docCache.set(key, { version: doc.version, result });
    return result;
  };
  // ---- live hosts ----
  const hosts = new Map<string, { host: LiveHost; state: HostState; timer?: NodeJS.Timeout; cancel?: vscode.CancellationTokenSource }>();
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 20);
  status.command = 'ioreqScope.refreshHost';
  context.subscriptions.push(status, { dispose: () => { for (const h of hosts.values()) { clearInterval(h.timer); void h.host.dispose(); } } });
  const updateStatus = () => {
    if (!hosts.size) { status.hide(); return; }
    const bad = [...hosts.values()].filter((h) => h.state.status === 'error').length;
    const busy = [...hosts.values()].some((h) => h.state.status === 'connecting');
    status.text = `${busy ? '$(sync~spin)' : bad ? '$(debug-disconnect)' : '$(remote)'} Xen: ${[...hosts.keys()].join(', ')}${bad ? ` (${bad} failed)` : ''}`;
    status.tooltip = [...hosts].map(([a, h]) => `${a}: ${h.state.status}${h.state.error ? ' — ' + h.state.error : ''}`).join('\n');
    status.show();
  };
  const cfg = () => vscode.workspace.getConfiguration('ioreqScope');
  // A snapshot asked for by the user shows a notification with Cancel; an interval refresh runs quietly. Either
  // one is cancelled by a disconnect. Cancelling kills ssh and closes the helper's stdin, which ends it on the host.
  const refreshHost = async (alias: string, quiet = false) => {
    const h = hosts.get(alias);
    if (!h) return;
    if (h.cancel) return; // one snapshot at a time per host
    h.state.status = 'connecting';
    updateStatus();
    tree.refreshChanged();
    const cts = new vscode.CancellationTokenSource();
    h.cancel = cts;
    const take = (t?: vscode.CancellationToken) => {
      const sub = t?.onCancellationRequested(() => cts.cancel());
      return h.host.snapshot(cts.token).finally(() => sub?.dispose());
    };
    let r: Awaited<ReturnType<typeof take>>;
    try {
      r = await (quiet ? take() : vscode.window.withProgress({ location: vscode.ProgressLocation.Notification,
        title: `IOREQ Scope: reading ${alias}`, cancellable: true }, (_p, t) => take(t)));
    } finally { cts.dispose(); h.cancel = undefined; }
    if (r instanceof LiveError) {
      h.state.status = 'error';
      h.state.error = r.message;
      log.error(`${alias}: ${r.kind}: ${r.message}`);
      if (h.host.lastStderr.trim()) log.error(`${alias}: the host's stderr:\n${h.host.lastStderr.trimEnd()}`);
      void vscode.window.showErrorMessage(`IOREQ Scope: ${alias}: ${r.message}`, 'Show Log').then((a) => { if (a) log.show(); });
    } else {
      h.state.status = 'connected';
      h.state.error = undefined;
      h.state.snapshot = r;
      log.info(`${alias}: snapshot with ${r.domains.ok ? r.domains.value.length : '?'} domain(s)`);
    }
    updateStatus();
    updateRoots();
  };
  const connectHost = async (alias: string) => {
    if (!vscode.workspace.isTrusted) { void vscode.window.showWarningMessage('IOREQ Scope: live hosts are not used in an untrusted workspace.'); return; }
    if (hosts.has(alias)) return refreshHost(alias);
    let host: LiveHost;
    try {
      host = new LiveHost(alias, {
        // Not `|| undefined`: an explicit undefined would override the runner's default ('ssh' on PATH).
        sshPath: cfg().get<string>('ssh.path') || 'ssh',
        configFile: cfg().get<string>('ssh.configFile') || undefined,
        timeLimitMs: 1000 * cfg().get<number>('live.timeLimitSec', 30),
        logger: (line) => log.info(line),
      });
    } catch (e) {
      void vscode.window.showErrorMessage(`IOREQ Scope: ${(e as Error).message}`);
      return;
    }
    // The bound on ssh sessions at once is process-wide (all hosts share it).
    sessionLimiter.max = Math.max(1, Math.floor(cfg().get<number>('live.maxConcurrentSessions', 8)));
    const entry = { host, state: { status: 'connecting' } as HostState, timer: undefined as NodeJS.Timeout | undefined };
    hosts.set(alias, entry);
    const every = cfg().get<number>('live.refreshIntervalSec', 0);
    if (every > 0) entry.timer = setInterval(() => { void refreshHost(alias, true); }, every * 1000);
    updateRoots();
    await refreshHost(alias);
  };
  const pickHost = async (connectedOnly: boolean): Promise<string | undefined> => {
    const list = connectedOnly ? [...hosts.keys()] : cfg().get<string[]>('hosts', []);
    if (!list.length) { void vscode.window.showInformationMessage(connectedOnly ? 'IOREQ Scope: no host is connected.' : 'IOREQ Scope: no host is configured; add one first.'); return undefined; }
    return list.length === 1 ? list[0] : vscode.window.showQuickPick(list, { placeHolder: 'Xen host (ssh alias)' });
  };
  const aliasOf = (n?: TreeNode | string) => (typeof n === 'string' ? n : (n?.data?.host as string | undefined));

  // The scenario the Model view shows outside debugging: the last one opened in an editor (not whatever editor is
  // active: a listing, a hexdump, Output or the Debug Console leave it as it is).
  let lastScenario: vscode.TextDocument | undefined;
  const sessionNames = new Map<string, string>();
  const updateRoots = () => {
    const ed = vscode.window.activeTextEditor?.document;
    if (ed && isScenario(ed)) lastScenario = ed;
    if (lastScenario?.isClosed) lastScenario = undefined;
    const roots: RootSource[] = [];
    for (const [alias, h] of hosts) roots.push({ id: `host-${Buffer.from(alias).toString('base64url')}`, label: alias, model: () => null, host: () => h.state });
    const debugRoots: RootSource[] = [];
    for (const [id, s] of sessions) {
      if (!s.runtime) continue; // not launched (or the launch failed): nothing to show
      debugRoots.push({ id: `dbg-${id}`, label: sessionNames.get(id) ?? 'debug session', description: 'debugging', icon: 'debug-alt', model: () => s.runtime?.session.m ?? null });
    }
    // While debugging, the sessions; otherwise the last scenario opened.
    if (debugRoots.length) roots.push(...debugRoots);
    else if (lastScenario) {
      const doc = lastScenario;
      roots.push({ id: `file-${Buffer.from(doc.uri.toString()).toString('base64url')}`, label: path.basename(doc.uri.path), description: 'after the last step', model: () => docResult(doc).model ?? null });
    }
    tree.setRoots(roots);
    debugTree.setRoots(debugRoots);
  };
  const refreshTrees = () => { tree.refreshChanged(); debugTree.refreshChanged(); };

  /** The workspace's scenarios in a quick pick, with `title` saying why; undefined when none or dismissed. */
  const pickScenario = async (title: string): Promise<vscode.Uri | undefined> => {
    const files = await vscode.workspace.findFiles(SCENARIO_GLOB, '**/node_modules/**', 200);
    if (!files.length) { void vscode.window.showWarningMessage(`${title.replace(/ Pick one to debug\.$/, '')} The workspace has no *.ioreq.json scenario.`); return undefined; }
    const pick = await vscode.window.showQuickPick(files.map((f) => ({ label: path.basename(f.path), description: vscode.workspace.asRelativePath(path.dirname(f.fsPath)), uri: f })),
      { title, placeHolder: 'Pick a scenario (*.ioreq.json)' });
    return pick?.uri;
  };

  // ---- diagnostics for scenario files ----
  const timers = new Map<string, NodeJS.Timeout>();
  const validate = (doc: vscode.TextDocument) => {
    if (!isScenario(doc)) return;
    const r = docResult(doc);
    // Warnings (legal but likely not meant, e.g. an HVM param index past HVM_NR_PARAMS) beside any error.
    const warnings = (r.sc?.warnings ?? []).map((w) => {
      const wp = new vscode.Position(Math.max(0, w.loc.line - 1), Math.max(0, w.loc.column - 1));
      const wd = new vscode.Diagnostic(new vscode.Range(wp, wp.translate(0, tokenLength(doc.lineAt(wp.line).text, wp.character))), w.message, vscode.DiagnosticSeverity.Warning);
      wd.source = 'ioreq-scope';
      return wd;
    });
    // Pure JSON syntax errors are reported by VS Code's JSON language service already: one report, not two.
    if (!r.error || isSyntaxError(r.error.what)) { diagnostics.set(doc.uri, warnings); return; }
    const pos = new vscode.Position(Math.max(0, r.error.loc.line - 1), Math.max(0, r.error.loc.column - 1));
    const range = new vscode.Range(pos, pos.translate(0, tokenLength(doc.lineAt(pos.line).text, pos.character)));
    const d = new vscode.Diagnostic(range, r.error.what, vscode.DiagnosticSeverity.Error);
    d.source = 'ioreq-scope';
    diagnostics.set(doc.uri, [d, ...warnings]);
  };
  const validateSoon = (doc: vscode.TextDocument) => {
    if (!isScenario(doc)) return;
    const k = doc.uri.toString();
    clearTimeout(timers.get(k));
    timers.set(k, setTimeout(() => { timers.delete(k); validate(doc); if (lastScenario === doc || vscode.window.activeTextEditor?.document === doc) { updateRoots(); refreshTrees(); } }, 250));
  };
  vscode.workspace.textDocuments.forEach(validateSoon);
  context.subscriptions.push(
    vscode.workspace.onDidOpenTextDocument(validate),
    vscode.workspace.onDidChangeTextDocument((e) => validateSoon(e.document)),
    vscode.workspace.onDidCloseTextDocument((d) => { diagnostics.delete(d.uri); docCache.delete(d.uri.toString()); if (d === lastScenario) { lastScenario = undefined; updateRoots(); } }),
    vscode.window.onDidChangeActiveTextEditor(() => updateRoots()),
  );

  // ---- the debugger, inline ----
  context.subscriptions.push(
    vscode.debug.registerDebugAdapterDescriptorFactory('ioreq-scope', {
      createDebugAdapterDescriptor(session) {
        const s = new IoreqDebugSession({ listingScheme: true });
        sessions.set(session.id, s);
        return new vscode.DebugAdapterInlineImplementation(s);
      },
    }),
    vscode.debug.registerDebugConfigurationProvider('ioreq-scope', {
      async resolveDebugConfiguration(folder, config) {
        if (!config.type && !config.request && !config.name) {
          const ed = vscode.window.activeTextEditor?.document;
          const uri = ed && isScenario(ed) ? ed.uri : await pickScenario(notAScenarioMessage(ed?.uri.fsPath || ed?.uri.path));
          if (!uri) return undefined;
          config = { type: 'ioreq-scope', request: 'launch', name: `Debug ${path.basename(uri.path)}`, scenario: uri.fsPath, stopOnEntry: true };
        }
        if (!config.scenario) {
          void vscode.window.showErrorMessage("IOREQ Scope: the launch configuration needs 'scenario', the path of a *.ioreq.json file.");
          return undefined;
        }
        return config;
      },
      async resolveDebugConfigurationWithSubstitutedVariables(folder, config) {
        // `"scenario": "${file}"` with launch.json (or any other file) active: say so, offer the scenarios.
        if (typeof config.scenario === 'string' && !isScenarioPath(config.scenario)) {
          const uri = await pickScenario(notAScenarioMessage(config.scenario));
          if (!uri) return undefined;
          config = { ...config, scenario: uri.fsPath, name: `Debug ${path.basename(uri.path)}` };
        }
        const xenTree = vscode.workspace.getConfiguration('ioreqScope').get<string>('xenTree');
        if (!config.xenTree && xenTree && vscode.workspace.isTrusted) config.xenTree = xenTree;
        if (!config.xenTree && folder && fs.existsSync(path.join(folder.uri.fsPath, 'xen/arch/x86/hvm/hvm.c'))) config.xenTree = folder.uri.fsPath;
        return config;
      },
    }),
    vscode.debug.onDidStartDebugSession((s) => { if (s.type === 'ioreq-scope') { sessionNames.set(s.id, s.name); updateRoots(); } }),
    vscode.debug.onDidTerminateDebugSession((s) => { sequence.ended(s); sessionNames.delete(s.id); if (sessions.delete(s.id)) updateRoots(); }),
    vscode.debug.onDidChangeActiveDebugSession((s) => sequence.activeChanged(s)),
    vscode.debug.onDidReceiveDebugSessionCustomEvent((e) => {
      if (e.event === 'memory' && memory.isOpen) { memory.update(); return; }
      if (e.event !== 'ioreqScope.state') return;
      lastStopped = e.session;
      if (memory.isOpen) memory.update((e.body as { t?: number }).t);
      if (sessions.get(e.session.id)?.runtime && !tree.tree.modelOf(`dbg-${e.session.id}`)) updateRoots(); // first stop: its root
      refreshTrees();
      sequence.follow(e.session, e.body as StateBody, () => {
        const rt = sessions.get(e.session.id)?.runtime;
        return { actors: rt ? actorsOf(rt.sc) : [], dms: rt ? rt.sc.deviceModels.map((d) => ({ name: d.name, domid: d.domid })) : [],
          scenario: typeof e.session.configuration.scenario === 'string' ? e.session.configuration.scenario : undefined, profile: rt?.sc.profile };
      });
    }),
  );

  // ---- the explore results view ----
  const results = new ExploreResults();
  context.subscriptions.push(vscode.window.registerTreeDataProvider('ioreqScope.explore', results));

  // ---- page bytes as a read-only document ----
  // The listings under their stable names (ioreq-scope:/seed/hvm.c): frames, breadcrumbs and breakpoints use them.
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(LISTING_SCHEME, {
    provideTextDocumentContent: (uri) => { try { return loadListing(uri.path.replace(/^\/+/, '')).text; } catch { return undefined; } },
  }));
  const pageScheme = 'ioreq-page';
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(pageScheme, {
    provideTextDocumentContent(uri) {
      const [rootId, ref] = uri.path.replace(/^\//, '').replace(/\.hex$/, '').split('/');
      const model = tree.tree.modelOf(rootId);
      const at = parseMemoryRef(ref ?? '');
      const pg = model && at ? model.x.domains.get(at.domid)?.physmap.get(at.pfn) : undefined;
      if (!pg || !at) return `no such page: ${ref}`;
      return hexdump(pg.bytes ?? new Uint8Array(A.PAGE_SIZE), at.pfn * A.PAGE_SIZE);
    },
  }));

  // ---- commands ----
  const scenarioUri = async (arg?: vscode.Uri): Promise<vscode.Uri | undefined> => {
    if (arg instanceof vscode.Uri) return arg;
    const ed = vscode.window.activeTextEditor?.document;
    if (ed && isScenario(ed)) return ed.uri;
    return pickScenario('Pick a scenario (*.ioreq.json)');
  };
  const loadScenario = async (uri: vscode.Uri): Promise<Scenario | undefined> => {
    const doc = await vscode.workspace.openTextDocument(uri);
    try {
      return parseScenario(doc.getText(), uri.fsPath);
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      log.error(e.message);
      void vscode.window.showErrorMessage(`IOREQ Scope: ${e.message}`, 'Show Log').then((a) => { if (a) log.show(); });
      return undefined;
    }
  };
  const bundled = () => fs.readdirSync(path.join(context.extensionPath, 'scenarios')).filter((f) => f.endsWith('.ioreq.json')).sort();

  const reg = (id: string, f: (...a: any[]) => unknown) => context.subscriptions.push(vscode.commands.registerCommand(id, f));
  reg('ioreqScope.refresh', () => { docCache.clear(); updateRoots(); });
  reg('ioreqScope.runScenario', async (arg?: vscode.Uri) => {
    const uri = await scenarioUri(arg);
    if (!uri) return;
    const sc = await loadScenario(uri);
    if (!sc) return;
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Running ${path.basename(uri.path)}`, cancellable: false }, async () => {
      try {
        const r = runScenario(sc, { onStep: (rec) => { log.info(`#${rec.step.index} ${rec.step.actor} ${rec.step.op} -> rc ${rec.result.rc}`); for (const e of rec.events) log.info(`    ${e.fn}: ${e.text}`); } });
        const all = [...r.steps.flatMap((s) => s.verdicts), ...r.final];
        const bad = all.filter((v) => !v.ok);
        for (const v of all) (v.ok ? log.info : log.warn).call(log, `${v.ok ? 'PASS' : 'FAIL'} ${v.text} (${v.loc.file}:${v.loc.line})`);
        const msg = `${sc.name}: ${all.length - bad.length}/${all.length} expectations hold`;
        log.info(msg);
        log.show(true); // the trace, without taking the focus
        void (bad.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage)(msg, 'Debug', 'Show Trace').then((a) => {
          if (a === 'Debug') void vscode.commands.executeCommand('ioreqScope.debugScenario', uri);
          else if (a) log.show();
        });
        updateRoots();
        return { ok: r.ok, expectations: all.length, failed: bad.length };
      } catch (e) {
        if (!(e instanceof ScenarioError)) throw e;
        log.error(e.message);
        void vscode.window.showErrorMessage(`IOREQ Scope: ${e.message}`);
        return { ok: false, error: e.message };
      }
    });
  });
  reg('ioreqScope.debugScenario', async (arg?: vscode.Uri) => {
    const uri = await scenarioUri(arg);
    if (!uri) return false;
    return vscode.debug.startDebugging(vscode.workspace.getWorkspaceFolder(uri), { type: 'ioreq-scope', request: 'launch', name: `Debug ${path.basename(uri.path)}`, scenario: uri.fsPath, stopOnEntry: true });
  });
  reg('ioreqScope.exploreScenario', async (arg?: vscode.Uri) => {
    const uri = await scenarioUri(arg);
    if (!uri) return;
    const sc = await loadScenario(uri);
    if (!sc) return;
    const maxStates = vscode.workspace.getConfiguration('ioreqScope').get<number>('explore.maxStates', 1_000_000);
    return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Exploring ${path.basename(uri.path)}`, cancellable: true }, async (progress, token) => {
      progress.report({ message: 'starting' });
      // On a worker thread: the notification shows states/s, frontier and heap as it goes, and Cancel stops it.
      const res = await runExplore(sc, {
        maxStates, isCancelled: () => token.isCancellationRequested, onCancel: (f) => { token.onCancellationRequested(f); },
        progress: (p) => progress.report({ message: progressText(p) }),
      });
      log.info(`explore ${uri.fsPath}: ${res.statesExplored} states, ${res.violations.length} violation(s), ${res.seconds.toFixed(3)} s${res.complete ? '' : ' (incomplete)'}`);
      results.set(uri, res.violations, res.statesExplored, res.complete);
      const sum = exploreSummary(uri.fsPath, res.statesExplored, res.violations.length, res.complete);
      if (res.violations.length) void vscode.window.showWarningMessage(`IOREQ Scope: ${sum.label} (${sum.description})`, 'Open Counterexample').then((a) => {
        if (a) void vscode.commands.executeCommand('ioreqScope.openCounterexample', res.violations[0]);
      });
      await vscode.commands.executeCommand('ioreqScope.explore.focus');
      return { states: res.statesExplored, violations: res.violations.map((v) => v.kind), complete: res.complete };
    });
  });
  // ---- compare: one scenario under several profiles, the report in a read-only document beside it ----
  const compareScheme = 'ioreq-compare';
  const compareTexts = new Map<string, string>();
  context.subscriptions.push(vscode.workspace.registerTextDocumentContentProvider(compareScheme, {
    provideTextDocumentContent: (uri) => compareTexts.get(uri.toString()) ?? 'this comparison is no longer held: run Compare Profiles again',
  }));
  reg('ioreqScope.compareProfiles', async (arg?: vscode.Uri, given?: ProfileName[]) => {
    const uri = await scenarioUri(arg);
    if (!uri) return;
    const sc = await loadScenario(uri);
    if (!sc) return;
    let profiles = given;
    if (!profiles) {
      const picks = await vscode.window.showQuickPick(PROFILES.map((p) => ({ label: p, picked: p === sc.profile, description: p === sc.profile ? "the scenario's own" : undefined })),
        { canPickMany: true, placeHolder: 'Compare under which profiles? (two or more)' });
      if (!picks) return;
      profiles = picks.map((p) => p.label as ProfileName);
    }
    if (profiles.length < 2) { void vscode.window.showWarningMessage('IOREQ Scope: pick at least two profiles to compare.'); return; }
    const text = (await vscode.workspace.openTextDocument(uri)).getText();
    const res = compareProfiles(text, uri.fsPath, profiles);
    const report = compareReport(res, 'text') as string;
    const doc = vscode.Uri.from({ scheme: compareScheme, path: `/${path.basename(uri.path).replace(/\.ioreq\.json$/, '')} (${profiles.join(' vs ')}).txt` });
    compareTexts.set(doc.toString(), report);
    log.info(`compare ${uri.fsPath} under ${profiles.join(', ')}: ${res.differences.length} difference(s)`);
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(doc), { viewColumn: vscode.ViewColumn.Beside, preview: false });
    return { identical: res.differences.length === 0, firstDivergence: res.firstDivergence, differences: res.differences.length, uri: doc.toString() };
  });
  // A counterexample is saved as a real scenario, in counterexamples/ beside the explored one (never overwriting).
  const saved = new WeakMap<Violation, vscode.Uri>();
  const saveCounterexample = async (arg?: Violation | ResultItem): Promise<vscode.Uri | undefined> => {
    const item = arg && 'counterexample' in arg ? { v: arg, from: results.scenario } : ((arg as ResultItem | undefined) ?? results.firstViolation());
    const v = item?.v;
    if (!v) return undefined;
    const have = saved.get(v);
    if (have && fs.existsSync(have.fsPath)) return have;
    const from = item.from ?? results.scenario;
    if (!from || from.scheme !== 'file') {
      const doc = await vscode.workspace.openTextDocument({ language: 'jsonc', content: counterexampleText(v, from?.toString() ?? 'a scenario') });
      return doc.uri;
    }
    const target = counterexamplePath(from.fsPath, v.kind, (p) => fs.existsSync(p));
    try {
      fs.mkdirSync(path.dirname(target), { recursive: true });
      fs.writeFileSync(target, counterexampleText(v, vscode.workspace.asRelativePath(from)), { flag: 'wx' });
    } catch (e) {
      void vscode.window.showErrorMessage(`IOREQ Scope: cannot save the counterexample to ${target}: ${(e as Error).message}`);
      return undefined;
    }
    log.info(`counterexample (${v.kind}) saved to ${target}`);
    const uri = vscode.Uri.file(target);
    saved.set(v, uri);
    return uri;
  };
  reg('ioreqScope.openCounterexample', async (arg?: Violation | ResultItem) => {
    const uri = await saveCounterexample(arg);
    if (!uri) return undefined;
    await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
    return uri.toString();
  });
  reg('ioreqScope.runCounterexample', async (arg?: Violation | ResultItem) => { const uri = await saveCounterexample(arg); if (uri) return vscode.commands.executeCommand('ioreqScope.runScenario', uri); });
  reg('ioreqScope.debugCounterexample', async (arg?: Violation | ResultItem) => { const uri = await saveCounterexample(arg); if (uri) return vscode.commands.executeCommand('ioreqScope.debugScenario', uri); });
  reg('ioreqScope.exploreCounterexample', async (arg?: Violation | ResultItem) => { const uri = await saveCounterexample(arg); if (uri) return vscode.commands.executeCommand('ioreqScope.exploreScenario', uri); });
  reg('ioreqScope.newScenario', async () => {
    const items = bundled().map((f) => templateItem(f, fs.readFileSync(path.join(context.extensionPath, 'scenarios', f), 'utf8')));
    const pick = await vscode.window.showQuickPick(items, { placeHolder: 'Start from a bundled scenario', matchOnDescription: true, matchOnDetail: true });
    if (!pick) return;
    // No $schema: the extension's jsonValidation gives every *.ioreq.json completion and hover, wherever it is.
    const text = fs.readFileSync(path.join(context.extensionPath, 'scenarios', pick.file), 'utf8');
    const doc = await vscode.workspace.openTextDocument({ language: 'jsonc', content: text });
    await vscode.window.showTextDocument(doc);
  });
  reg('ioreqScope.openBundledScenario', async (name?: string) => {
    const pick = typeof name === 'string' ? name : (await vscode.window.showQuickPick(bundled(), { placeHolder: 'Open a bundled scenario' }));
    if (!pick) return;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(context.extensionPath, 'scenarios', pick)));
    await vscode.window.showTextDocument(doc);
  });
  reg('ioreqScope.showLayout', () => layout.show(PROFILES.map((p) => specialPageLayout(p))));
  reg('ioreqScope.showSequence', () => sequence.show());
  reg('ioreqScope.sequenceTravel', (seq: number) => sequence.travel(seq));
  reg('ioreqScope.exportTrace', async (arg?: vscode.Uri) => {
    const uri = await scenarioUri(arg);
    if (!uri) return;
    const sc = await loadScenario(uri);
    if (!sc) return;
    const target = await vscode.window.showSaveDialog({ defaultUri: vscode.Uri.file(uri.fsPath.replace(/\.ioreq\.json$/, '.trace.jsonl')), filters: { 'JSON lines': ['jsonl'] } });
    if (!target) return;
    try {
      const r = runScenario(sc);
      const lines = r.steps.flatMap((s) => [JSON.stringify({ step: s.step.index, actor: s.step.actor, op: s.step.op, rc: s.result.rc }), ...s.events.map((e) => JSON.stringify(e))]);
      await vscode.workspace.fs.writeFile(target, Buffer.from(lines.join('\n') + '\n'));
      log.info(`trace of ${uri.fsPath} written to ${target.fsPath} (${lines.length} lines)`);
      void vscode.window.showInformationMessage(`IOREQ Scope: trace written to ${target.fsPath} (${lines.length} lines)`, 'Open').then((a) => {
        if (a) void vscode.window.showTextDocument(target);
      });
      return { file: target.fsPath, lines: lines.length };
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      void vscode.window.showErrorMessage(`IOREQ Scope: ${e.message}`);
    }
  });
  reg('ioreqScope.revealPage', async (n: TreeNode) => {
    const ref = n?.data?.memoryReference as string | undefined ?? (n?.data ? memoryRef(n.data.domid as number, n.data.pfn as number) : undefined);
    if (!ref) return;
    const rootId = n.id.split('/')[0];
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.parse(`${pageScheme}:/${rootId}/${ref}.hex`));
    await vscode.window.showTextDocument(doc, { preview: true });
  });
  // The memory view: from the palette, a special page of the Model view, or a variable with a memory reference.
  reg('ioreqScope.showMemory', (arg?: TreeNode | { variable?: { memoryReference?: string } }) => {
    const n = arg as TreeNode | undefined;
    const ref = (arg as { variable?: { memoryReference?: string } })?.variable?.memoryReference
      ?? (n?.data?.memoryReference as string | undefined) ?? (n?.data?.pfn !== undefined ? memoryRef(n.data.domid as number, n.data.pfn as number) : undefined);
    memory.show(ref);
  });
  reg('ioreqScope.copyPfn', async (n: TreeNode) => {
    const pfn = n?.data?.pfn as number | undefined;
    if (pfn === undefined) return;
    await vscode.env.clipboard.writeText(A.hex(pfn));
  });
  reg('ioreqScope.openListing', async (n?: TreeNode | string) => {
    const fn = typeof n === 'string' ? n : (n?.data?.fn as string | undefined) ?? 'hvm_do_resume';
    const profile = vscode.workspace.getConfiguration('ioreqScope').get<'seed'>('defaultProfile', 'seed');
    const loc = locateLabel(profile, fn, 'entry');
    if (!loc) return;
    const file = vscode.Uri.parse(listingUri(loc.listing.name));
    const ed = await vscode.window.showTextDocument(file, { preview: true });
    const pos = new vscode.Position(loc.line - 1, 0);
    ed.selection = new vscode.Selection(pos, pos);
    ed.revealRange(new vscode.Range(pos, pos), vscode.TextEditorRevealType.AtTop);
  });

  reg('ioreqScope.addHost', async () => {
    if (!vscode.workspace.isTrusted) { void vscode.window.showWarningMessage('IOREQ Scope: live hosts are not used in an untrusted workspace.'); return; }
    const alias = await vscode.window.showInputBox({ prompt: 'The ssh host alias of a Xen host (as in ~/.ssh/config); IOREQ Scope only reads from it.', validateInput: (v) => (!v || v.startsWith('-') || /[\s\x00-\x1f]/.test(v) ? 'an ssh alias: no leading "-", no spaces or control characters' : undefined) });
    if (!alias) return;
    const list = cfg().get<string[]>('hosts', []);
    if (!list.includes(alias)) await cfg().update('hosts', [...list, alias], vscode.ConfigurationTarget.Global);
    await connectHost(alias);
  });
  reg('ioreqScope.connectHost', async (n?: TreeNode | string) => { const a = aliasOf(n) ?? await pickHost(false); if (a) await connectHost(a); });
  reg('ioreqScope.refreshHost', async (n?: TreeNode | string) => { const a = aliasOf(n) ?? await pickHost(true); if (a) await refreshHost(a); });
  reg('ioreqScope.disconnectHost', async (n?: TreeNode | string) => {
    const a = aliasOf(n) ?? await pickHost(true);
    const h = a ? hosts.get(a) : undefined;
    if (!a || !h) return;
    clearInterval(h.timer);
    h.cancel?.cancel();
    hosts.delete(a);
    await h.host.dispose();
    updateStatus();
    updateRoots();
  });
  reg('ioreqScope.removeHost', async (n?: TreeNode | string) => {
    const a = aliasOf(n) ?? await pickHost(false);
    if (!a) return;
    if (hosts.has(a)) await vscode.commands.executeCommand('ioreqScope.disconnectHost', a);
    await cfg().update('hosts', cfg().get<string[]>('hosts', []).filter((x) => x !== a), vscode.ConfigurationTarget.Global);
  });
  reg('ioreqScope.openHostAsScenario', async (n?: TreeNode | string) => {
    const a = aliasOf(n) ?? await pickHost(true);
    const snap = a ? hosts.get(a)?.state.snapshot : undefined;
    if (!a || !snap) { void vscode.window.showInformationMessage('IOREQ Scope: that host has no snapshot yet.'); return; }
    const doc = await vscode.workspace.openTextDocument({ language: 'jsonc', content: snapshotToScenario(snap, a) });
    await vscode.window.showTextDocument(doc);
  });
  reg('ioreqScope.showLog', () => log.show());
  const tracePanel = new TracePanel(context, log);
  reg('ioreqScope.openTrace', async (arg?: vscode.Uri, all?: vscode.Uri[]) => {
    let uris = all && all.length ? all : arg instanceof vscode.Uri ? [arg] : undefined;
    uris ??= await vscode.window.showOpenDialog({ canSelectMany: true, openLabel: 'Open Trace', title: 'xentrace captures and QEMU traces (log or simpletrace)' });
    if (!uris || !uris.length) return undefined;
    return tracePanel.open(uris.map((u) => u.fsPath));
  });
  reg('ioreqScope.traceAction', (type: string) => tracePanel.action(type));
  context.subscriptions.push(vscode.window.registerCustomEditorProvider(TraceEditorProvider.viewType, new TraceEditorProvider(context, log), { webviewOptions: { retainContextWhenHidden: true } }));

  updateRoots();
  log.info(`IOREQ Scope ${context.extension.packageJSON.version} activated`);
  return {
    version: context.extension.packageJSON.version,
    diagnostics: (uri) => diagnostics.get(uri) ?? [],
    refreshChanged: () => { const n = tree.refreshChanged(); debugTree.refreshChanged(); return n; },
    treeRoots: async () => {
      const snap = (n: TreeNode, depth: number): NodeSnapshot => ({ id: n.id, label: n.label, description: n.description,
        ...(depth > 0 ? { children: tree.getChildren(n).map((c) => snap(c, depth - 1)) } : {}) });
      return tree.getChildren().map((r) => snap(r, 2));
    },
  };
}

export function deactivate(): void {
  /* everything is disposed through context.subscriptions */
}

/** An item of the explore results view: the summary, or one violation of the scenario explored. */
export interface ResultItem { v?: Violation; from?: vscode.Uri; label: string; description?: string }

/** The explore results view: a summary (states, violations), then one node per violation with its actions. */
class ExploreResults implements vscode.TreeDataProvider<ResultItem> {
  private items: ResultItem[] = [];
  /** The scenario explored last. */
  scenario?: vscode.Uri;
  private emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeTreeData = this.emitter.event;
  set(uri: vscode.Uri, violations: Violation[], states: number, complete: boolean): void {
    this.scenario = uri;
    this.items = [
      { from: uri, ...exploreSummary(uri.fsPath, states, violations.length, complete) },
      ...violations.map((v) => ({ v, from: uri, label: v.kind, description: `${v.trail.length} steps: ${v.message}` })),
    ];
    this.emitter.fire();
  }
  getTreeItem(e: ResultItem): vscode.TreeItem {
    const t = new vscode.TreeItem(e.label);
    t.description = e.description;
    const bad = this.items.length > 1;
    t.iconPath = new vscode.ThemeIcon(e.v ? 'warning' : bad ? 'error' : 'pass');
    t.tooltip = e.v ? new vscode.MarkdownString(`**${e.v.kind}**\n\n${e.v.message}\n\nClick to save the shortest interleaving as a scenario in counterexamples/ and open it.`) : undefined;
    if (e.v) t.command = { command: 'ioreqScope.openCounterexample', title: 'Open Counterexample', arguments: [e] };
    t.contextValue = e.v ? 'violation' : 'info';
    return t;
  }
  firstViolation(): ResultItem | undefined {
    return this.items.find((i) => i.v);
  }
  getChildren(): ResultItem[] {
    return this.items;
  }
}

/** The length of the JSON token that starts at `col` of a line: a whole string, a word or number, else one char. */
export function tokenLength(line: string, col: number): number {
  if (col >= line.length) return 1;
  if (line[col] === '"') {
    for (let i = col + 1; i < line.length; i++) {
      if (line[i] === '\\') { i++; continue; }
      if (line[i] === '"') return i - col + 1;
    }
    return line.length - col;
  }
  const m = /^[\w.+-]+/.exec(line.slice(col));
  return m ? m[0].length : 1;
}

function hexdump(bytes: Uint8Array, base: number): string {
  const out: string[] = [];
  for (let o = 0; o < bytes.length; o += 16) {
    const row = bytes.subarray(o, o + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const asc = [...row].map((b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : '.')).join('');
    out.push(`${(base + o).toString(16).padStart(9, '0')}  ${hex.padEnd(47)}  ${asc}`);
  }
  return out.join('\n') + '\n';
}

