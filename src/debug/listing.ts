// Listings: the C-like text of the modelled functions that the debugger shows, written by this project in its own
// words (src/debug/listings/). Markers in the files tie the text to the stepped code:
//   a line `@fn name` (removed from the served text) starts function `name`; its next line is the entry line;
//   `@label` tokens at the end of a line (removed) mark the statement the stepped code yields as `$('label')`;
//   a line `@names c=model …` (removed) says which model local a C name the listing uses is (`state=dm`).
import * as fs from 'fs';
import * as path from 'path';
import type { ProfileName } from '../model/layout';

export interface ListingFn {
  name: string;
  /** 1-based line of the function's first line (its signature) in the served text. */
  line: number;
  /** Last line of the function body. */
  endLine: number;
  labels: Map<string, number>;
  /** Each parameter's and local's declared C type, as the listing writes it (`uint16_t`, `struct vcpu *`). */
  ctypes: Map<string, string>;
  /** The signature's parameter names, in order (`xc_get_hvm_param(XenIOState *state, int param, …)`: state, param, …). */
  params: string[];
  /** The listing's name for a model local it spells differently (`@names state=dm`: QEMU's `state` is the model's `dm`). */
  names: Map<string, string>;
}

export interface Listing {
  /** e.g. "seed/hvm.c" */
  name: string;
  text: string;
  fns: Map<string, ListingFn>;
  /** Every line that carries a label: line -> [fn, label]. */
  statements: Map<number, { fn: string; label: string }>;
}

export class ListingError extends Error {}

/** Parses a listing file's marked-up text. */
export function parseListing(name: string, raw: string): Listing {
  const out: string[] = [];
  const fns = new Map<string, ListingFn>();
  const statements = new Map<number, { fn: string; label: string }>();
  let cur: ListingFn | null = null;
  for (const rawLine of raw.split('\n')) {
    const fnm = /^\s*@fn\s+([A-Za-z_]\w*)\s*$/.exec(rawLine);
    if (fnm) {
      if (fns.has(fnm[1])) throw new ListingError(`${name}: function ${fnm[1]} listed twice`);
      cur = { name: fnm[1], line: out.length + 1, endLine: out.length + 1, labels: new Map([['entry', out.length + 1]]), ctypes: new Map(), params: [], names: new Map() };
      fns.set(cur.name, cur);
      continue;
    }
    const nm = /^\s*@names\s+(.*)$/.exec(rawLine);
    if (nm) {
      if (!cur) throw new ListingError(`${name}: @names outside a function`);
      for (const pair of nm[1].trim().split(/[\s,]+/)) {
        const pm = /^([A-Za-z_]\w*)=([A-Za-z_]\w*)$/.exec(pair);
        if (!pm) throw new ListingError(`${name}: ${cur.name}: @names wants listing=model pairs, not '${pair}'`);
        cur.names.set(pm[1], pm[2]);
      }
      continue;
    }
    let line = rawLine;
    const labels: string[] = [];
    for (;;) {
      const m = /\s+@([a-z_][a-z0-9_]*)\s*$/.exec(line);
      if (!m) break;
      labels.unshift(m[1]);
      line = line.slice(0, m.index);
    }
    out.push(line.replace(/\s+$/, ''));
    const ln = out.length;
    if (cur) {
      if (line.trim() !== '') cur.endLine = ln;
      for (const l of labels) {
        if (cur.labels.has(l) && l !== 'entry') throw new ListingError(`${name}:${ln}: label @${l} used twice in ${cur.name}`);
        cur.labels.set(l, ln);
        if (!statements.has(ln)) statements.set(ln, { fn: cur.name, label: l });
      }
    } else if (labels.length) throw new ListingError(`${name}:${ln}: label outside a function`);
  }
  for (const f of fns.values()) {
    f.ctypes = declaredTypes(out.slice(f.line - 1, f.endLine));
    f.params = signatureParams(out.slice(f.line - 1, f.endLine)).map((p) => p.name);
  }
  return { name, text: out.join('\n'), fns, statements };
}

/** C's own type words; Xen's typedefs end in `_t` (paddr_t, evtchn_port_t, ioreq_t); tagged types say struct/union/enum. */
const C_TYPES = new Set(['int', 'char', 'short', 'long', 'void', 'bool', 'unsigned', 'signed', 'float', 'double']);
/** Whether a declaration's type part names a C type (so `return rc;` or a listing's prose `read state;` declare nothing). */
function isCType(t: string): boolean {
  const words = t.trim().split(/\s+/);
  return /^(struct|union|enum)$/.test(words[words.length - 2] ?? '') || C_TYPES.has(words[words.length - 1]) || /_t$/.test(words[words.length - 1]);
}

/** `a, b(c, d), e` -> its parts at bracket depth 0. */
function splitTop(s: string): string[] {
  const parts: string[] = [];
  let depth = 0, from = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (c === ',' && depth === 0) { parts.push(s.slice(from, i)); from = i + 1; }
  }
  parts.push(s.slice(from));
  return parts.map((p) => p.trim());
}

/** The lines as one text with comments blanked out (newlines kept, so lines stay where they are). */
function withoutComments(lines: string[]): string {
  return lines.join('\n').replace(/\/\*[^]*?\*\//g, (c) => c.replace(/[^\n]/g, ' ')).replace(/\/\/[^\n]*/g, '');
}

/**
 * A function's signature (its first parenthesised list, which may span lines; a `(` in a comment is not it): each
 * parameter's name in order with its type when the listing writes one (`XenIOState *state`; a prose listing's
 * `(dm, i)` has names only). `bodyLine` is the number of lines the signature takes (0 without one).
 */
export function signatureParams(lines: string[]): Array<{ type: string; stars: string; name: string }> & { bodyLine: number } {
  const out = Object.assign([] as Array<{ type: string; stars: string; name: string }>, { bodyLine: 0 });
  const text = withoutComments(lines);
  const open = text.indexOf('(');
  if (open < 0) return out;
  let depth = 0, close = -1;
  for (let i = open; i < text.length; i++) {
    if (text[i] === '(') depth++;
    else if (text[i] === ')' && --depth === 0) { close = i; break; }
  }
  if (close <= open) return out;
  for (const p of splitTop(text.slice(open + 1, close).replace(/\s+/g, ' '))) {
    const m = /^(.*?)((?:\*\s*)*)([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?$/.exec(p);
    if (m && p !== 'void' && p !== '...') out.push({ type: m[1].trim(), stars: m[2], name: m[3] });
  }
  out.bodyLine = text.slice(0, close).split('\n').length;
  return out;
}

/**
 * The declared C types of a function's parameters (its signature, which may span lines) and of the locals its body
 * declares (`unsigned int i, j;`, `struct vcpu *v = current;`), by name: the listings are this project's own
 * regular C, so a line-by-line reading suffices. A name declared twice keeps its first type.
 */
export function declaredTypes(lines: string[]): Map<string, string> {
  const types = new Map<string, string>();
  const put = (type: string, stars: string, name: string): void => {
    const t = `${type.replace(/\s+/g, ' ').trim()}${stars ? ' ' + stars.replace(/\s+/g, '') : ''}`;
    if (!types.has(name)) types.set(name, t);
  };
  const sig = signatureParams(lines);
  for (const p of sig) if (p.type) put(p.type, p.stars, p.name);
  const body = sig.bodyLine;
  lines = withoutComments(lines).split('\n');
  // A declaration: a type (qualifiers, then one identifier), then declarators `*p`, `i = 0`, `a[4]`, up to the `;`.
  const base = /^\s*((?:(?:const|volatile|static|struct|union|enum|unsigned|signed|long|short)\s+)*[A-Za-z_]\w*)(?=\s*\*|\s+[A-Za-z_])/;
  const declarator = /^((?:\*\s*)*)([A-Za-z_]\w*)\s*(?:\[[^\]]*\])?\s*(?:=[^]*)?$/;
  for (const line of lines.slice(body)) {
    const m = base.exec(line);
    if (!m || !isCType(m[1])) continue;
    const semi = line.indexOf(';', m[0].length);
    if (semi < 0) continue;
    const ds = splitTop(line.slice(m[0].length, semi)).map((d) => declarator.exec(d));
    if (ds.some((d) => !d)) continue;
    for (const d of ds) put(m[1], d![1], d![2]);
  }
  return types;
}

/** The listing files of a profile, in lookup order. */
export function listingNames(profile: ProfileName): string[] {
  // ---- issue 10 (today's Xen): each 4.21 build's own files ----
  if (profile === '4.21' || profile === '4.21-arm') {
    const arch = profile === '4.21'
      ? ['4.21/arch/x86/hvm/hvm.c', '4.21/arch/x86/hvm/dm.c', '4.21/arch/x86/hvm/emulate.c', '4.21/arch/x86/hvm/ioreq.c']
      : ['4.21/arch/arm/hvm.c', '4.21/arch/arm/io.c', '4.21/arch/arm/ioreq.c'];
    return [...arch, '4.21/common/memory.c', '4.21/common/ioreq.c', 'common/toolstack.c',
      '4.21/tools/libs.c', '4.21/qemu/xen-hvm-common.c', '4.21/dm/varstored.c', '4.21/dm/virtio-mmio.c', '4.21/dm/privcmd.c'];
  }
  // ---- end 4.21 ----
  // 4.5 (RELEASE-4.5.0): its own hvm.c, io.c and emulate.c; the 4.4 helpers, toolstack and QEMU it shares in common/.
  if (profile === '4.5') return ['4.5/hvm.c', '4.5/io.c', '4.5/emulate.c', 'common/hvm.c', 'common/stdvga.c', 'common/toolstack.c', 'common/xen-hvm.c', '4.5/xen-hvm-4.5.c'];
  const hvm = profile === 'legacy' ? 'legacy/hvm.c' : 'seed/hvm.c';
  return [hvm, 'common/hvm.c', 'common/io.c', 'common/emulate.c', 'common/stdvga.c', 'common/toolstack.c', 'common/xen-hvm.c'];
}

/**
 * The marked-up listings (with @fn and @label). Bundles (dist/) carry them in dist/listings-marked; the one-to-one
 * build (out/) and the sources read src/debug/listings.
 */
let dirCache: string | undefined;
function listingDir(): string {
  if (dirCache) return dirCache;
  const candidates = [path.join(__dirname, 'listings-marked'), path.join(__dirname, 'listings'), path.join(__dirname, '..', 'debug', 'listings'), path.join(__dirname, '..', 'src', 'debug', 'listings')];
  for (const c of candidates) if (fs.existsSync(path.join(c, 'common', 'io.c')) && fs.readFileSync(path.join(c, 'common', 'io.c'), 'utf8').includes('@fn ')) return (dirCache = c);
  throw new ListingError(`listings not found beside ${__dirname}`);
}

/**
 * The file a user opens for a listing: the served text (markers removed), written by the build to dist/listings
 * (bundles) or <out>/src/debug/listings-view (one-to-one builds), so editor lines, breakpoints and frames agree.
 */
const viewCache = new Map<string, string>();
export function listingViewPath(name: string): string {
  const known = viewCache.get(name);
  if (known) return known;
  const candidates = [path.join(__dirname, 'listings', name), path.join(__dirname, 'listings-view', name), path.join(__dirname, '..', 'debug', 'listings-view', name)];
  const found = candidates.find((c) => fs.existsSync(c) && !fs.readFileSync(c, 'utf8').includes('\n@fn ')) ?? candidates[0];
  viewCache.set(name, found);
  return found;
}

const cache = new Map<string, Listing>();
export function loadListing(name: string): Listing {
  let l = cache.get(name);
  if (!l) {
    l = parseListing(name, fs.readFileSync(path.join(listingDir(), name), 'utf8'));
    cache.set(name, l);
  }
  return l;
}

/** The listing and line of a function's label for a profile; undefined when not listed. */
export function locateLabel(profile: ProfileName, fn: string, label: string): { listing: Listing; line: number } | undefined {
  for (const n of listingNames(profile)) {
    const l = loadListing(n);
    const f = l.fns.get(fn);
    if (f) return { listing: l, line: f.labels.get(label) ?? f.line };
  }
  return undefined;
}
