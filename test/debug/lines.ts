// The statement lines of the debugger's listings that no stop lands on (shared by test/debug/lines.test.ts and the
// script that prints them). A listing line is a statement when it is code a C debugger stops on: not blank, not a
// comment, not only braces, not `else`, `do {`, a `case …:` / `default:` label or a declaration without a value (a
// declaration with an initialiser is a statement), and not the continuation of a statement begun on an earlier line.
import { listingNames, loadListing } from '../../src/debug/listing';
import type { ProfileName } from '../../src/model/layout';

export const ALL_PROFILES: ProfileName[] = ['legacy', 'seed', '4.5', '4.21', '4.21-arm'];

export interface Gap { listing: string; fn: string; line: number; text: string }

/** Every listing file of every profile (the device models' and tools' included), each once. */
export function allListings(): string[] {
  const out = new Set<string>();
  for (const p of ALL_PROFILES) for (const n of listingNames(p)) out.add(n);
  return [...out];
}

const TYPE = String.raw`(?:const\s+)?(?:(?:struct|enum|union)\s+\w+|unsigned(?:\s+(?:int|long|char))?|long|int|bool|char|void|[A-Za-z_]\w*_t|XenIOState)`;
/** A declaration without a value: `int rc;`, `struct vcpu *v, *w;`, `unsigned long pfn[2];`. */
const BARE_DECL = new RegExp(String.raw`^${TYPE}\s*\**\s*[A-Za-z_]\w*(?:\[\w*\])?(?:\s*,\s*\**\s*[A-Za-z_]\w*(?:\[\w*\])?)*\s*;$`);

/** The code of a line without a trailing comment. */
function code(line: string): string {
  return line.replace(/\/\*.*?\*\/\s*$/, '').replace(/\/\/.*$/, '').trim();
}

/** Whether a (comment-free, trimmed) line is a statement by the rule above; `prev` is the previous code line. */
export function isStatement(t: string, prev: string): boolean {
  if (!t) return false;
  if (/^[{}]+;?$/.test(t) || /^\}?\s*else\s*\{?$/.test(t) || /^do\s*\{?$/.test(t)) return false;
  if (/^(case\b[^:]*|default)\s*:$/.test(t)) return false;
  // An endless loop's head evaluates nothing (the debugger stops at the first statement of its body).
  if (/^for\s*\(\s*;\s*;\s*\)\s*\{?$/.test(t)) return false;
  if (BARE_DECL.test(t)) return false;
  // A continuation: the statement before has not ended (it ends with ; { } or a label's :).
  if (prev && !/[;{}]$/.test(prev) && !/^(case\b[^:]*|default|[A-Za-z_]\w*)\s*:$/.test(prev)) return false;
  return true;
}

/** The statement lines of every listed function that carry no label, listing by listing. */
export function unlabelledStatements(names = allListings()): Gap[] {
  const out: Gap[] = [];
  for (const n of names) {
    const l = loadListing(n);
    const lines = l.text.split('\n');
    for (const f of l.fns.values()) {
      const labelled = new Set(f.labels.values());
      // The body starts after the line that opens it (the signature's `{` or a `{` of its own).
      let ln = f.line;
      while (ln <= f.endLine && !/\{$/.test(code(lines[ln - 1]))) ln++;
      let inComment = false;
      let prev = '';
      for (ln++; ln <= f.endLine; ln++) {
        const raw = lines[ln - 1].trim();
        if (inComment) { if (raw.includes('*/')) inComment = false; continue; }
        if (/^\/\*/.test(raw) && !raw.includes('*/')) { inComment = true; continue; }
        if (/^(\/\*|\*(\s|\/|$)|\/\/)/.test(raw)) continue; // `*port = …` is code, ` * text` a comment's
        const t = code(raw);
        if (!t) continue;
        if (isStatement(t, prev) && !labelled.has(ln)) out.push({ listing: n, fn: f.name, line: ln, text: t });
        prev = t;
      }
    }
  }
  return out;
}
