// What the extension's parts share (activation in extension.ts wires them): the context, the log, command
// registration, the settings and the debug sessions the inline adapter runs.
import * as vscode from 'vscode';
import type { IoreqDebugSession } from '../debug/session';

export interface Ext {
  context: vscode.ExtensionContext;
  log: vscode.LogOutputChannel;
  /** Registers a command, disposed with the extension. */
  reg(id: string, f: (...a: any[]) => unknown): void;
  /** The ioreqScope.* settings. */
  cfg(): vscode.WorkspaceConfiguration;
  /** The inline adapter's sessions, by VS Code's session id. */
  sessions: Map<string, IoreqDebugSession>;
  /** The sessions' names (from onDidStartDebugSession), by id. */
  sessionNames: Map<string, string>;
}

export function makeExt(context: vscode.ExtensionContext, log: vscode.LogOutputChannel): Ext {
  return {
    context, log,
    reg: (id, f) => { context.subscriptions.push(vscode.commands.registerCommand(id, f)); },
    cfg: () => vscode.workspace.getConfiguration('ioreqScope'),
    sessions: new Map(),
    sessionNames: new Map(),
  };
}
