// The debugger, inline: the adapter factory (one IoreqDebugSession per VS Code session), the launch configuration
// provider (F5 on a scenario; a file that is not one says so and offers the workspace's scenarios), and the
// session's events to the views (the Model view, the memory view and the sequence diagram follow each stop).
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { actorsOf } from '../debug/runtime';
import { IoreqDebugSession } from '../debug/session';
import { isScenario, type ScenarioDocuments } from './documents';
import type { Ext } from './ext';
import { isScenarioPath, notAScenarioMessage } from './flowsModel';
import type { StateBody } from './sequencePanel';
import { Views } from './views';

export function registerDebugger(ext: Ext, docs: ScenarioDocuments, views: Views): void {
  const { context, sessions, sessionNames } = ext;
  const { sequence, memory, tree } = views;
  const updateRoots = () => views.updateRoots();
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
          const uri = ed && isScenario(ed) ? ed.uri : await docs.pickScenario(notAScenarioMessage(ed?.uri.fsPath || ed?.uri.path));
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
          const uri = await docs.pickScenario(notAScenarioMessage(config.scenario));
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
      views.lastStopped = e.session;
      if (memory.isOpen) memory.update((e.body as { t?: number }).t);
      const rootId = Views.debugRootId(e.session.id);
      if (sessions.get(e.session.id)?.runtime && !tree.tree.modelOf(rootId)) updateRoots(); // first stop: its root
      views.refreshRoot(rootId);
      sequence.follow(e.session, e.body as StateBody, () => {
        const rt = sessions.get(e.session.id)?.runtime;
        return { actors: rt ? actorsOf(rt.sc) : [], dms: rt ? rt.sc.deviceModels.map((d) => ({ name: d.name, domid: d.domid })) : [],
          scenario: typeof e.session.configuration.scenario === 'string' ? e.session.configuration.scenario : undefined, profile: rt?.sc.profile };
      });
    }),
  );
}
