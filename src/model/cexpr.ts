// A small C preprocessor and constant-expression evaluator, so the special-page layout is computed the way cpp and a
// C compiler compute it from the macro definitions (textual substitution, rescanning, C precedence, int/unsigned int
// arithmetic on a 32-bit int), rather than from hand-simplified formulas.

export interface MacroDef {
  name: string;
  /** Parameter names for a function-like macro; absent for an object-like one. */
  params?: string[];
  /** The replacement list, as written. */
  body: string;
}

type Tok = { k: 'id' | 'num' | 'op'; s: string };

export class CExprError extends Error {}

export function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  const re = /\s*(?:([A-Za-z_]\w*)|(0[xX][0-9a-fA-F]+[uUlL]*|\d+[uUlL]*)|(<<|>>|[-+*/%()&|^~,]))/y;
  let i = 0;
  while (i < src.length) {
    if (/^\s*$/.test(src.slice(i))) break;
    re.lastIndex = i;
    const m = re.exec(src);
    if (!m) throw new CExprError(`unexpected character '${src.slice(i).trimStart()[0]}' in '${src}'`);
    if (m[1]) out.push({ k: 'id', s: m[1] });
    else if (m[2]) out.push({ k: 'num', s: m[2] });
    else out.push({ k: 'op', s: m[3] });
    i = re.lastIndex;
  }
  return out;
}

/** Expands macros in a token list the way cpp does (an expanding macro is not re-expanded inside itself). */
export function expand(toks: Tok[], defs: ReadonlyMap<string, MacroDef>, hide: ReadonlySet<string> = new Set()): Tok[] {
  const out: Tok[] = [];
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i];
    const d = t.k === 'id' && !hide.has(t.s) ? defs.get(t.s) : undefined;
    if (!d) { out.push(t); continue; }
    const inner = new Set(hide); inner.add(d.name);
    if (!d.params) {
      out.push(...expand(tokenize(d.body), defs, inner));
      continue;
    }
    if (toks[i + 1]?.s !== '(') { out.push(t); continue; }
    // Collect the arguments, split at top-level commas.
    const args: Tok[][] = [[]];
    let depth = 0; let j = i + 2;
    for (; j < toks.length; j++) {
      const s = toks[j].s;
      if (s === '(') depth++;
      if (s === ')') { if (depth === 0) break; depth--; }
      if (s === ',' && depth === 0) { args.push([]); continue; }
      args[args.length - 1].push(toks[j]);
    }
    if (j >= toks.length) throw new CExprError(`unterminated call of macro ${d.name}`);
    if (args.length !== d.params.length) throw new CExprError(`macro ${d.name} takes ${d.params.length} argument(s)`);
    const expandedArgs = args.map((a) => expand(a, defs, hide));
    const body: Tok[] = [];
    for (const bt of tokenize(d.body)) {
      const pi = bt.k === 'id' ? d.params.indexOf(bt.s) : -1;
      if (pi >= 0) body.push(...expandedArgs[pi]); else body.push(bt);
    }
    out.push(...expand(body, defs, inner));
    i = j;
  }
  return out;
}

/** A value of type int or unsigned int (32 bits, as on x86). */
interface CVal { v: bigint; u: boolean }

function norm(v: bigint, u: boolean): CVal {
  return u ? { v: BigInt.asUintN(32, v), u } : { v: BigInt.asIntN(32, v), u };
}

/** Evaluates a token list as a C constant expression; returns the value and whether its type is unsigned. */
export function evaluate(toks: Tok[]): { value: number; unsigned: boolean } {
  let i = 0;
  const peek = (): string | undefined => toks[i]?.s;
  const primary = (): CVal => {
    const t = toks[i++];
    if (!t) throw new CExprError('unexpected end of expression');
    if (t.s === '(') { const v = bin(0); if (toks[i++]?.s !== ')') throw new CExprError("expected ')'"); return v; }
    if (t.s === '-') { const v = primary(); return norm(-v.v, v.u); }
    if (t.s === '+') return primary();
    if (t.s === '~') { const v = primary(); return norm(~v.v, v.u); }
    if (t.k === 'num') {
      const u = /[uU]/.test(t.s);
      const digits = t.s.replace(/[uUlL]+$/, '');
      const v = BigInt(digits);
      // An unsuffixed hex constant that does not fit int is unsigned int (C11 6.4.4.1).
      return norm(v, u || (v > 0x7fffffffn && /^0[xX]/.test(digits)));
    }
    throw new CExprError(`'${t.s}' is not a constant (an undefined macro?)`);
  };
  const PREC: Record<string, number> = { '|': 1, '^': 2, '&': 3, '<<': 4, '>>': 4, '+': 5, '-': 5, '*': 6, '/': 6, '%': 6 };
  const bin = (min: number): CVal => {
    let lhs = primary();
    for (;;) {
      const op = peek();
      const p = op !== undefined ? PREC[op] : undefined;
      if (p === undefined || p < min) break;
      i++;
      const rhs = bin(p + 1);
      const shift = op === '<<' || op === '>>';
      const u = shift ? lhs.u : lhs.u || rhs.u;
      // The usual arithmetic conversions (C11 6.3.1.8): with an unsigned operand the int one is converted to unsigned
      // int before the operation, which / and % show (-1 % 0xffffffffu is 0); a shift keeps its left operand's type.
      const a = !shift && u ? BigInt.asUintN(32, lhs.v) : lhs.v, b = !shift && u ? BigInt.asUintN(32, rhs.v) : rhs.v;
      let r: bigint;
      switch (op) {
        case '+': r = a + b; break;
        case '-': r = a - b; break;
        case '*': r = a * b; break;
        case '/': if (b === 0n) throw new CExprError('division by zero'); r = a / b; break;
        case '%': if (b === 0n) throw new CExprError('division by zero'); r = a % b; break;
        case '<<': r = a << b; break;
        case '>>': r = a >> b; break;
        case '&': r = a & b; break;
        case '|': r = a | b; break;
        default: r = a ^ b;
      }
      lhs = norm(u ? BigInt.asUintN(32, r) : r, u);
    }
    return lhs;
  };
  const v = bin(0);
  if (i !== toks.length) throw new CExprError(`unexpected '${toks[i].s}'`);
  return { value: Number(v.v), unsigned: v.u };
}

/** Expands then evaluates `expr` under the given #defines. */
export function evalWithMacros(expr: string, defs: readonly MacroDef[]): number {
  const map = new Map(defs.map((d) => [d.name, d] as const));
  return evaluate(expand(tokenize(expr), map)).value;
}

/** The expansion as text, to show a reader what the compiler saw. */
export function expandToText(expr: string, defs: readonly MacroDef[]): string {
  const map = new Map(defs.map((d) => [d.name, d] as const));
  return expand(tokenize(expr), map).map((t) => t.s).join(' ').replace(/\( /g, '(').replace(/ \)/g, ')');
}
