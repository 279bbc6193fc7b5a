// The user's Xen tree, without DAP: where a modelled function is defined in it, for the console's link.
import * as fs from 'fs';
import * as path from 'path';

/** Finds `fn`'s definition in the user's xen/arch/x86/hvm/{hvm,io,emulate}.c by name. */
export function findInXenTree(tree: string, fn: string): { path: string; line: number } | undefined {
  for (const f of ['xen/arch/x86/hvm/hvm.c', 'xen/arch/x86/hvm/io.c', 'xen/arch/x86/hvm/emulate.c', 'xen/common/event_channel.c']) {
    const p = path.join(tree, f);
    let text: string;
    try { text = fs.readFileSync(p, 'utf8'); } catch { continue; }
    const lines = text.split('\n');
    const re = new RegExp(`^(?!\\s)(?:[\\w\\s\\*]+\\s\\**)?${fn}\\s*\\(`);
    for (let i = 0; i < lines.length; i++) {
      if (re.test(lines[i]) && !lines[i].trimEnd().endsWith(';')) return { path: p, line: i + 1 };
    }
  }
  return undefined;
}

/** Where each function is in one Xen tree, looked up once (the tree does not change during a session). */
export class XenTreeIndex {
  private where = new Map<string, { path: string; line: number } | undefined>();
  constructor(readonly tree: string | undefined) {}
  find(fn: string): { path: string; line: number } | undefined {
    if (!this.tree) return undefined;
    if (!this.where.has(fn)) this.where.set(fn, findInXenTree(this.tree, fn));
    return this.where.get(fn);
  }
}
