// IOREQ Scope's VS Code extension: the only layer that imports `vscode`. Activation wires the parts, each in its
// own module: scenario documents and diagnostics (documents.ts), the views and panels (views.ts), live hosts
// (hosts.ts), the debugger (debugging.ts) and the scenario commands (commands.ts). All the work is done by
// src/model, src/scenario and src/debug. Nothing runs at activation beyond registering.
import * as vscode from 'vscode';
import { registerCommands } from './commands';
import { registerDebugger } from './debugging';
import { ScenarioDocuments } from './documents';
import { makeExt } from './ext';
import { Hosts } from './hosts';
import type { ModelNode } from './treeModel';
import { Views } from './views';

export type { ResultItem } from './exploreResults';
export { tokenLength } from './documents';

export interface Api {
  version: string;
  /** The roots and three levels below them (a host's domains, a scenario's vcpus, a domain's special pages …), each with its click command. */
  treeRoots(): Promise<NodeSnapshot[]>;
  diagnostics(uri: vscode.Uri): readonly vscode.Diagnostic[];
  refreshChanged(): number;
}

export interface NodeSnapshot { id: string; label: string; description?: string; command?: string; children?: NodeSnapshot[] }

export function activate(context: vscode.ExtensionContext): Api {
  const log = vscode.window.createOutputChannel('IOREQ Scope', { log: true });
  context.subscriptions.push(log);
  const ext = makeExt(context, log);
  const views = new Views(ext);
  const updateRoots = () => views.updateRoots();
  const hosts = new Hosts(ext, updateRoots, (alias) => views.refreshRoot(Views.hostRootId(alias)));
  const docs = new ScenarioDocuments(ext, updateRoots, () => { updateRoots(); views.refreshTrees(); });
  views.connect(docs, hosts);
  registerDebugger(ext, docs, views);
  registerCommands(ext, docs, views);

  updateRoots();
  log.info(`IOREQ Scope ${context.extension.packageJSON.version} activated`);
  const { tree, debugTree } = views;
  return {
    version: context.extension.packageJSON.version,
    diagnostics: (uri) => docs.diagnostics.get(uri) ?? [],
    refreshChanged: () => { const n = tree.refreshChanged(); debugTree.refreshChanged(); return n; },
    treeRoots: async () => {
      const snap = (n: ModelNode, depth: number): NodeSnapshot => ({ id: n.id, label: n.label, description: n.description,
        command: tree.getTreeItem(n).command?.command,
        ...(depth > 0 ? { children: tree.getChildren(n).map((c) => snap(c, depth - 1)) } : {}) });
      return tree.getChildren().map((r) => snap(r, 3));
    },
  };
}

export function deactivate(): void {
  /* everything is disposed through context.subscriptions */
}
