// The source tree's import graph: no cycles anywhere in src/ (type-only imports included, since a cycle of types is
// still two modules that cannot be read one without the other), and only src/extension imports `vscode`.
import * as assert from 'assert';
import * as fs from 'fs';
import * as path from 'path';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const SRC = path.join(ROOT, 'src');

function tsFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const f = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(f);
    return /\.ts$/.test(e.name) && !/\.d\.ts$/.test(e.name) ? [f] : [];
  });
}

/** Module specifiers of every import/export ... from and import('...') in a file. */
export function specifiers(text: string): string[] {
  const out: string[] = [];
  const re = /(?:^|[\s;])(?:import|export)\s(?:[^'";]*?\sfrom\s)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push(m[1] ?? m[2]);
  return out;
}

function resolve(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base + '.ts', path.join(base, 'index.ts'), base]) if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  return null;
}

function graph(): Map<string, string[]> {
  const g = new Map<string, string[]>();
  for (const f of tsFiles(SRC)) {
    const deps = specifiers(fs.readFileSync(f, 'utf8')).map((s) => resolve(f, s)).filter((x): x is string => !!x && x.endsWith('.ts'));
    g.set(f, deps);
  }
  return g;
}

/** One cycle of the graph as a list of files, or null. */
export function findCycle(g: Map<string, string[]>): string[] | null {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | null => {
    state.set(n, 1);
    stack.push(n);
    for (const m of g.get(n) ?? []) {
      if (state.get(m) === 1) return [...stack.slice(stack.indexOf(m)), m];
      if (!state.has(m)) { const c = visit(m); if (c) return c; }
    }
    stack.pop();
    state.set(n, 2);
    return null;
  };
  for (const n of g.keys()) if (!state.has(n)) { const c = visit(n); if (c) return c; }
  return null;
}

describe('architecture: the import graph of src/', () => {
  it('finds imports of every form (the checker itself)', () => {
    assert.deepStrictEqual(specifiers("import * as A from './a';\nimport type { B } from \"../b\";\nexport { C } from './c';\nimport './d';\nconst e = import('./e');"),
      ['./a', '../b', './c', './d', './e']);
    assert.deepStrictEqual(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', ['a']]])), ['a', 'b', 'c', 'a']);
    assert.strictEqual(findCycle(new Map([['a', ['b']], ['b', ['c']], ['c', []]])), null);
  });

  it('has no import cycle, type-only imports included', () => {
    const c = findCycle(graph());
    assert.strictEqual(c, null, c ? `cycle: ${c.map((f) => path.relative(ROOT, f)).join(' -> ')}` : '');
  });

  it('imports vscode only in src/extension', () => {
    const bad = tsFiles(SRC).filter((f) => !f.startsWith(path.join(SRC, 'extension') + path.sep))
      .filter((f) => specifiers(fs.readFileSync(f, 'utf8')).includes('vscode'));
    assert.deepStrictEqual(bad.map((f) => path.relative(ROOT, f)), []);
  });
});
