// New scenario files the extension writes for the user (from a bundled template, from a live host's snapshot): real
// `*.ioreq.json` files, so the contributed schema, the diagnostics, Run and F5 work on them at once. They go beside
// the scenario being edited, else in the first workspace folder, under a name that never overwrites a file; with no
// folder open, an untitled document that already carries a scenario's name.
import * as fs from 'fs';
import * as path from 'path';
import * as vscode from 'vscode';
import { freshScenarioPath, isScenarioPath } from './flowsModel';

/** The folder a new scenario goes in: the active scenario's, else the first workspace folder's (file scheme only). */
function targetDir(): string | undefined {
  const active = vscode.window.activeTextEditor?.document.uri;
  // (An editor may still show a scenario whose folder has since been removed: then the workspace folder.)
  if (active?.scheme === 'file' && isScenarioPath(active.fsPath) && fs.existsSync(path.dirname(active.fsPath))) return path.dirname(active.fsPath);
  const folder = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file');
  return folder?.uri.fsPath;
}

/** Writes `text` as a new scenario named after `base`, opens it (not as a preview) and returns its URI. */
export async function createScenarioFile(base: string, text: string, log: vscode.LogOutputChannel): Promise<vscode.Uri | undefined> {
  const dir = targetDir();
  if (!dir) {
    const uri = vscode.Uri.from({ scheme: 'untitled', path: path.basename(freshScenarioPath('', base, () => false)) });
    const doc = await vscode.workspace.openTextDocument(uri);
    const edit = new vscode.WorkspaceEdit();
    edit.insert(uri, new vscode.Position(0, 0), text);
    await vscode.workspace.applyEdit(edit);
    await vscode.window.showTextDocument(doc, { preview: false });
    return uri;
  }
  const target = freshScenarioPath(dir, base, (p) => fs.existsSync(p));
  try {
    fs.writeFileSync(target, text, { flag: 'wx' });
  } catch (e) {
    void vscode.window.showErrorMessage(`IOREQ Scope: cannot write the new scenario ${target}: ${(e as Error).message}`);
    return undefined;
  }
  log.info(`new scenario written to ${target}`);
  const uri = vscode.Uri.file(target);
  await vscode.window.showTextDocument(await vscode.workspace.openTextDocument(uri), { preview: false });
  void vscode.window.setStatusBarMessage(`IOREQ Scope: created ${vscode.workspace.asRelativePath(uri)}`, 5000);
  return uri;
}
