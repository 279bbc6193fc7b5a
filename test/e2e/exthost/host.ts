// Helpers for tests that run inside the VS Code extension host (loaded through exthost/index.js). `vscode` exists only
// there, so it is required at run time; under plain mocha (`npm test` globs out/test/**/*.test.js) these suites skip.
import type * as vscode from 'vscode';
import * as fs from 'fs';
import * as path from 'path';
import { EXTENSION_ID, TreeNodeSnapshot, SCENARIO } from '../contract';

export type VSCode = typeof vscode;

function load(): VSCode | undefined {
  try {
    return require('vscode') as VSCode;
  } catch {
    return undefined;
  }
}
const api = load();
export const inHost = api !== undefined;

/** The `vscode` module; only called inside the extension host. */
export function vs(): VSCode {
  if (!api) throw new Error('not running inside the VS Code extension host');
  return api;
}

/** describe() inside the extension host, describe.skip() elsewhere. */
export const hostSuite = (title: string, fn: (this: Mocha.Suite) => void): Mocha.Suite | void =>
  (inHost ? describe : describe.skip)(title, fn);

/** The test API the extension's activate() returns; every member optional until the extension provides it. */
export interface IoreqScopeApi {
  treeRoots?(): Promise<TreeNodeSnapshot[]>;
  diagnostics?(uri: vscode.Uri): vscode.Diagnostic[];
  version?: string;
}

export function extension(): vscode.Extension<IoreqScopeApi | undefined> {
  const ext = vs().extensions.getExtension<IoreqScopeApi | undefined>(EXTENSION_ID);
  if (!ext) throw new Error(`extension ${EXTENSION_ID} is not installed in this extension host`);
  return ext;
}

export async function activate(): Promise<IoreqScopeApi> {
  const exports = await extension().activate();
  return exports ?? {};
}

/** Fails with a clear message when the extension does not (yet) export a test-API member. */
export function need<K extends keyof IoreqScopeApi>(a: IoreqScopeApi, key: K): NonNullable<IoreqScopeApi[K]> {
  const v = a[key];
  if (v === undefined) {
    throw new Error(`the extension's activate() does not export \`${String(key)}\` (the test API: treeRoots(), diagnostics(uri), version)`);
  }
  return v as NonNullable<IoreqScopeApi[K]>;
}

/** The open workspace folder (a temp copy of scenarios/ made by run.ts), or the repository's scenarios/. */
export function scenarioDir(): string {
  const folder = vs().workspace.workspaceFolders?.[0];
  if (folder && folder.uri.scheme === 'file' && fs.existsSync(path.join(folder.uri.fsPath, SCENARIO))) {
    return folder.uri.fsPath;
  }
  return path.join(extension().extensionPath, 'scenarios');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `probe` until it returns something other than undefined; the error names `what` and the last value seen. */
export async function waitFor<T>(what: string, probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 15000, describeLast?: () => string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await probe();
      if (v !== undefined) return v;
    } catch (e) {
      lastError = e;
    }
    if (Date.now() > deadline) {
      const last = describeLast ? `; last seen: ${describeLast()}` : '';
      const err = lastError ? `; last error: ${(lastError as Error).message ?? lastError}` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last}${err}`);
    }
    await sleep(100);
  }
}

export function flatten(nodes: readonly TreeNodeSnapshot[]): TreeNodeSnapshot[] {
  return nodes.flatMap((n) => [n, ...flatten(n.children ?? [])]);
}

export function showTree(nodes: readonly TreeNodeSnapshot[], depth = 0): string {
  return nodes.map((n) => `${'  '.repeat(depth)}${n.label}${n.description ? ` — ${n.description}` : ''}\n${showTree(n.children ?? [], depth + 1)}`).join('');
}
