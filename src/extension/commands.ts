// The scenario commands: run, debug, explore (on a worker thread, results in the Explore Results view), compare
// profiles, counterexamples saved as real scenarios, new scenario from a template, bundled scenarios, export trace.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { PROFILES, type ProfileName } from '../model/layout';
import { compareProfiles, compareReport } from '../scenario/compare';
import { ScenarioError } from '../scenario/errors';
import type { Violation } from '../scenario/explore';
import { progressText } from '../scenario/progress';
import { runScenario } from '../scenario/run';
import type { ScenarioDocuments } from './documents';
import type { Ext } from './ext';
import type { ResultItem } from './exploreResults';
import { runExplore } from './exploreRunner';
import { counterexamplePath, counterexampleText, exploreSummary, templateItem } from './flowsModel';
import { createScenarioFile } from './scenarioFiles';
import type { Views } from './views';

export function registerCommands(ext: Ext, docs: ScenarioDocuments, views: Views): void {
  const { context, log, reg } = ext;
  const scenarioUri = (arg?: vscode.Uri) => docs.scenarioUri(arg);
  const loadScenario = (uri: vscode.Uri) => docs.loadScenario(uri);
  const updateRoots = () => views.updateRoots();
  const results = views.results;
  const bundled = () => fs.readdirSync(path.join(context.extensionPath, 'scenarios')).filter((f) => f.endsWith('.ioreq.json')).sort();

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
  // A new scenario from a bundled template (the picker's choice, or the file named): a real *.ioreq.json file.
  reg('ioreqScope.newScenario', async (file?: string) => {
    let name = typeof file === 'string' && bundled().includes(file) ? file : undefined;
    if (!name) {
      const items = bundled().map((f) => templateItem(f, fs.readFileSync(path.join(context.extensionPath, 'scenarios', f), 'utf8')));
      name = (await vscode.window.showQuickPick(items, { placeHolder: 'Start from a bundled scenario', matchOnDescription: true, matchOnDetail: true }))?.file;
    }
    if (!name) return undefined;
    // No $schema: the extension's jsonValidation gives every *.ioreq.json completion and hover, wherever it is.
    const text = fs.readFileSync(path.join(context.extensionPath, 'scenarios', name), 'utf8');
    return (await createScenarioFile(name, text, log))?.toString();
  });
  reg('ioreqScope.openBundledScenario', async (name?: string) => {
    const pick = typeof name === 'string' ? name : (await vscode.window.showQuickPick(bundled(), { placeHolder: 'Open a bundled scenario' }));
    if (!pick) return;
    const doc = await vscode.workspace.openTextDocument(vscode.Uri.file(path.join(context.extensionPath, 'scenarios', pick)));
    await vscode.window.showTextDocument(doc);
  });
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
}
