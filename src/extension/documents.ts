// Scenario documents: each *.ioreq.json parsed and run (cached by version), its errors and warnings as diagnostics
// at the located token, the scenario the Model view shows outside debugging (the last one opened), and the pickers
// the commands use to find a scenario.
import * as path from 'path';
import * as vscode from 'vscode';
import type { Model } from '../model/model';
import { ScenarioError } from '../scenario/errors';
import { parseScenario, type Scenario } from '../scenario/parse';
import { runScenario } from '../scenario/run';
import type { Ext } from './ext';
import { isSyntaxError } from './flowsModel';

export const SCENARIO_GLOB = '**/*.ioreq.json';
export const isScenario = (doc: vscode.TextDocument) => doc.uri.path.endsWith('.ioreq.json');

export type DocResult = { sc?: Scenario; model?: Model; error?: ScenarioError };

/** Parses and runs a document's text; the model after the last step, or the located error. */
function evaluateDoc(doc: vscode.TextDocument): DocResult {
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

export class ScenarioDocuments {
  readonly diagnostics = vscode.languages.createDiagnosticCollection('ioreq-scope');
  private cache = new Map<string, { version: number; result: DocResult }>();
  private timers = new Map<string, NodeJS.Timeout>();
  /**
   * The scenario the Model view shows outside debugging: the last one opened in an editor (not whatever editor is
   * active: a listing, a hexdump, Output or the Debug Console leave it as it is).
   */
  lastScenario: vscode.TextDocument | undefined;

  /** `changed` is called when what the Model view shows from the documents may have changed. */
  constructor(private ext: Ext, changed: () => void, revalidated: () => void) {
    ext.context.subscriptions.push(this.diagnostics);
    vscode.workspace.textDocuments.forEach((d) => this.validateSoon(d, revalidated));
    ext.context.subscriptions.push(
      vscode.workspace.onDidOpenTextDocument((d) => this.validate(d)),
      vscode.workspace.onDidChangeTextDocument((e) => this.validateSoon(e.document, revalidated)),
      vscode.workspace.onDidCloseTextDocument((d) => { this.diagnostics.delete(d.uri); this.cache.delete(d.uri.toString()); if (d === this.lastScenario) { this.lastScenario = undefined; changed(); } }),
      vscode.window.onDidChangeActiveTextEditor(() => changed()),
    );
  }

  /** The active editor's scenario becomes the last one; a closed one is forgotten. */
  track(): void {
    const ed = vscode.window.activeTextEditor?.document;
    if (ed && isScenario(ed)) this.lastScenario = ed;
    if (this.lastScenario?.isClosed) this.lastScenario = undefined;
  }

  result(doc: vscode.TextDocument): DocResult {
    const key = doc.uri.toString();
    const c = this.cache.get(key);
    if (c && c.version === doc.version) return c.result;
    const result = evaluateDoc(doc);
    this.cache.set(key, { version: doc.version, result });
    return result;
  }

  clearCache(): void {
    this.cache.clear();
  }

  validate(doc: vscode.TextDocument): void {
    if (!isScenario(doc)) return;
    const r = this.result(doc);
    // Warnings (legal but likely not meant, e.g. an HVM param index past HVM_NR_PARAMS) beside any error.
    const warnings = (r.sc?.warnings ?? []).map((w) => {
      const wp = new vscode.Position(Math.max(0, w.loc.line - 1), Math.max(0, w.loc.column - 1));
      const wd = new vscode.Diagnostic(new vscode.Range(wp, wp.translate(0, tokenLength(doc.lineAt(wp.line).text, wp.character))), w.message, vscode.DiagnosticSeverity.Warning);
      wd.source = 'ioreq-scope';
      return wd;
    });
    // Pure JSON syntax errors are reported by VS Code's JSON language service already: one report, not two.
    if (!r.error || isSyntaxError(r.error.what)) { this.diagnostics.set(doc.uri, warnings); return; }
    const pos = new vscode.Position(Math.max(0, r.error.loc.line - 1), Math.max(0, r.error.loc.column - 1));
    const range = new vscode.Range(pos, pos.translate(0, tokenLength(doc.lineAt(pos.line).text, pos.character)));
    const d = new vscode.Diagnostic(range, r.error.what, vscode.DiagnosticSeverity.Error);
    d.source = 'ioreq-scope';
    this.diagnostics.set(doc.uri, [d, ...warnings]);
  }

  private validateSoon(doc: vscode.TextDocument, revalidated: () => void): void {
    if (!isScenario(doc)) return;
    const k = doc.uri.toString();
    clearTimeout(this.timers.get(k));
    this.timers.set(k, setTimeout(() => {
      this.timers.delete(k);
      this.validate(doc);
      if (this.lastScenario === doc || vscode.window.activeTextEditor?.document === doc) revalidated();
    }, 250));
  }

  /** The workspace's scenarios in a quick pick, with `title` saying why; undefined when none or dismissed. */
  async pickScenario(title: string): Promise<vscode.Uri | undefined> {
    const files = await vscode.workspace.findFiles(SCENARIO_GLOB, '**/node_modules/**', 200);
    if (!files.length) { void vscode.window.showWarningMessage(`${title.replace(/ Pick one to debug\.$/, '')} The workspace has no *.ioreq.json scenario.`); return undefined; }
    const pick = await vscode.window.showQuickPick(files.map((f) => ({ label: path.basename(f.path), description: vscode.workspace.asRelativePath(path.dirname(f.fsPath)), uri: f })),
      { title, placeHolder: 'Pick a scenario (*.ioreq.json)' });
    return pick?.uri;
  }

  /** A command's scenario: its argument, else the active editor's, else one picked. */
  async scenarioUri(arg?: vscode.Uri): Promise<vscode.Uri | undefined> {
    if (arg instanceof vscode.Uri) return arg;
    const ed = vscode.window.activeTextEditor?.document;
    if (ed && isScenario(ed)) return ed.uri;
    return this.pickScenario('Pick a scenario (*.ioreq.json)');
  }

  /** The parsed scenario, or undefined after showing its located error. */
  async loadScenario(uri: vscode.Uri): Promise<Scenario | undefined> {
    const doc = await vscode.workspace.openTextDocument(uri);
    try {
      return parseScenario(doc.getText(), uri.fsPath);
    } catch (e) {
      if (!(e instanceof ScenarioError)) throw e;
      this.ext.log.error(e.message);
      void vscode.window.showErrorMessage(`IOREQ Scope: ${e.message}`, 'Show Log').then((a) => { if (a) this.ext.log.show(); });
      return undefined;
    }
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
