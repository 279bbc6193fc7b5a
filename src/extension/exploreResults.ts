// The Explore Results view: a summary of the last exploration (states, violations), then one node per violation
// with its actions (open, run, debug, explore the counterexample).
import * as vscode from 'vscode';
import type { Violation } from '../scenario/explore';
import { exploreSummary } from './flowsModel';

/** An item of the explore results view: the summary, or one violation of the scenario explored. */
export interface ResultItem { v?: Violation; from?: vscode.Uri; label: string; description?: string }

export class ExploreResults implements vscode.TreeDataProvider<ResultItem> {
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
