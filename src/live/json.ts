// A strict JSON check that runs before JSON.parse: linear, iterative (no recursion, so no stack overflow on deep
// nesting), with a depth limit, and it names the offset of the first error, which V8's messages do not always do.

export interface JsonFault { offset: number; message: string }

const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?/y;

/** undefined when `t` is one JSON value nested at most maxDepth deep; else where and why it is not. */
export function checkJson(t: string, maxDepth: number): JsonFault | undefined {
  const n = t.length;
  const stack: number[] = []; // 1: object, 2: array
  let i = 0;
  // 0: a value, 1: a value or ']', 2: a key, 3: a key or '}', 4: after a value
  let state = 0;
  const fault = (message: string, at = i): JsonFault => ({ offset: Math.min(at, n), message });
  const skipWs = () => {
    while (i < n) {
      const c = t.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++; else break;
    }
  };
  const str = (): JsonFault | undefined => {
    const start = i;
    i++; // the opening quote
    while (i < n) {
      const c = t.charCodeAt(i);
      if (c === 34) { i++; return undefined; }
      if (c === 92) {
        const e = t.charCodeAt(i + 1);
        // A document cut inside an escape ends inside the string: said as the cut it is.
        if (i + 1 >= n || (e === 117 && i + 6 > n && /^[0-9a-fA-F]*$/.test(t.slice(i + 2)))) return fault('unterminated string: the document ends inside it (truncated?)', start);
        if (e === 117) {
          if (!/^[0-9a-fA-F]{4}$/.test(t.slice(i + 2, i + 6))) return fault('bad \\u escape in a string');
          i += 6;
        } else if (e === 34 || e === 92 || e === 47 || e === 98 || e === 102 || e === 110 || e === 114 || e === 116) i += 2;
        else return fault('bad escape in a string');
        continue;
      }
      if (c < 0x20) return fault('control character in a string (it must be escaped)');
      i++;
    }
    return fault('unterminated string: the document ends inside it (truncated?)', start);
  };
  for (;;) {
    skipWs();
    if (state === 4) {
      if (stack.length === 0) return i < n ? fault('unexpected text after the document') : undefined;
      if (i >= n) return fault('unexpected end of the document (truncated?)');
      const c = t.charCodeAt(i);
      const top = stack[stack.length - 1];
      if (c === 44) { i++; state = top === 1 ? 2 : 0; continue; }
      if (top === 1 && c === 125) { i++; stack.pop(); continue; }
      if (top === 2 && c === 93) { i++; stack.pop(); continue; }
      return fault(top === 1 ? "expected ',' or '}'" : "expected ',' or ']'");
    }
    if (i >= n) return fault(stack.length ? 'unexpected end of the document (truncated?)' : 'empty document');
    const c = t.charCodeAt(i);
    if (state === 2 || state === 3) {
      if (state === 3 && c === 125) { i++; stack.pop(); state = 4; continue; }
      if (c !== 34) return fault('expected a key in double quotes');
      const e = str(); if (e) return e;
      skipWs();
      if (i >= n) return fault('unexpected end of the document (truncated?)');
      if (t.charCodeAt(i) !== 58) return fault("expected ':'");
      i++; state = 0; continue;
    }
    if (state === 1 && c === 93) { i++; stack.pop(); state = 4; continue; }
    if (c === 123 || c === 91) {
      if (stack.length >= maxDepth) return fault(`nesting deeper than ${maxDepth} levels`);
      stack.push(c === 123 ? 1 : 2); i++; state = c === 123 ? 3 : 1; continue;
    }
    if (c === 34) { const e = str(); if (e) return e; state = 4; continue; }
    if (t.startsWith('true', i)) { i += 4; state = 4; continue; }
    if (t.startsWith('false', i)) { i += 5; state = 4; continue; }
    if (t.startsWith('null', i)) { i += 4; state = 4; continue; }
    NUMBER.lastIndex = i;
    if (NUMBER.test(t)) { i = NUMBER.lastIndex; state = 4; continue; }
    return fault(`unexpected character ${JSON.stringify(t[i])}`);
  }
}

/** 1-based line and column of an offset. */
export function lineColumn(t: string, offset: number): { line: number; column: number } {
  let line = 1, start = 0;
  const end = Math.min(Math.max(offset, 0), t.length);
  for (let i = t.indexOf('\n'); i !== -1 && i < end; i = t.indexOf('\n', i + 1)) { line++; start = i + 1; }
  return { line, column: end - start + 1 };
}

/** Nesting depth of a parsed value, counted without recursion; stops once it exceeds `limit`. */
export function depthOver(v: unknown, limit: number): boolean {
  const stack: Array<[unknown, number]> = [[v, 1]];
  while (stack.length) {
    const [x, d] = stack.pop()!;
    if (typeof x !== 'object' || x === null) continue;
    if (d > limit) return true;
    for (const c of Array.isArray(x) ? x : Object.values(x)) if (typeof c === 'object' && c !== null) stack.push([c, d + 1]);
  }
  return false;
}

/** JSON.parse first (fast); on failure or too deep a value, the strict scan names where. */
export function parseJsonLocated(t: string, maxDepth: number): { ok: true; value: unknown } | { ok: false; fault: JsonFault } {
  let v: unknown;
  try { v = JSON.parse(t); } catch {
    return { ok: false, fault: checkJson(t, maxDepth) ?? { offset: 0, message: 'invalid JSON' } };
  }
  if (depthOver(v, maxDepth)) return { ok: false, fault: checkJson(t, maxDepth) ?? { offset: 0, message: `nesting deeper than ${maxDepth} levels` } };
  return { ok: true, value: v };
}
