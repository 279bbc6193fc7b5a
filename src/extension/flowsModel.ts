// The vscode-free part of the extension's flows (issue 12, "Errors and flows" and counterexamples): where a
// counterexample is saved, what the template picker shows, the explore summary, and how a launch of a file that is
// not a scenario is worded. src/extension/extension.ts does the VS Code side.
import * as path from 'path';
import { parse as parseJsonc } from 'jsonc-parser';

export const SCENARIO_SUFFIX = '.ioreq.json';
export const isScenarioPath = (p: string): boolean => p.endsWith(SCENARIO_SUFFIX);

/** Messages of the parser that are pure JSON syntax (VS Code's JSON language service already reports these). */
export const isSyntaxError = (what: string): boolean => what.startsWith('invalid JSON:');

/**
 * Where a counterexample of `scenarioPath` is saved: `counterexamples/<scenario>.<kind>.ioreq.json` beside it; when
 * that file exists, `-2`, `-3` … is added before the suffix, so no file is ever overwritten.
 */
export function counterexamplePath(scenarioPath: string, kind: string, exists: (p: string) => boolean): string {
  const base = path.basename(scenarioPath).replace(/\.ioreq\.json$/, '').replace(/\.json$/, '');
  return freshScenarioPath(path.join(path.dirname(scenarioPath), 'counterexamples'), `${base}.${kind}`, exists);
}

/**
 * A scenario file in `dir` named after `base` (anything but letters, digits, `.`, `_` and `-` made `-`):
 * `<base>.ioreq.json`, or with `-2`, `-3` … before the suffix when that exists, so no file is ever overwritten.
 * New scenarios from a template and a live host's snapshot are written here, counterexamples too.
 */
export function freshScenarioPath(dir: string, base: string, exists: (p: string) => boolean): string {
  const safe = base.replace(/\.ioreq\.json$/, '').replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'scenario';
  for (let n = 1; ; n++) {
    const p = path.join(dir, `${safe}${n === 1 ? '' : `-${n}`}${SCENARIO_SUFFIX}`);
    if (!exists(p)) return p;
  }
}

/** A counterexample's file text: a comment naming the violation, then the scenario (JSON with comments). */
export function counterexampleText(v: { kind: string; message: string; counterexample: unknown }, from: string): string {
  const oneLine = (s: string) => s.replace(/[\r\n]+/g, ' ');
  return `// ${oneLine(v.kind)}: ${oneLine(v.message)}\n// found by exploring ${oneLine(from)}\n${JSON.stringify(v.counterexample, null, 2)}\n`;
}

export interface TemplateItem { label: string; description: string; detail?: string; file: string }

/** A bundled scenario as the template picker shows it: its "name", the file, and its "description". */
export function templateItem(file: string, text: string): TemplateItem {
  let doc: unknown;
  try { doc = parseJsonc(text, [], { allowTrailingComma: true }); } catch { doc = undefined; }
  const d = (doc && typeof doc === 'object' ? doc : {}) as { name?: unknown; description?: unknown };
  const name = typeof d.name === 'string' && d.name.trim() ? d.name.trim() : file;
  const desc = typeof d.description === 'string' && d.description.trim() ? d.description.trim() : undefined;
  return { label: name, description: file, detail: desc, file };
}

/** The one line said when Debug is asked for a file that is not a scenario. */
export function notAScenarioMessage(file: string | undefined): string {
  return file
    ? `IOREQ Scope: ${path.basename(file)} is not a scenario (a *${SCENARIO_SUFFIX} file). Pick one to debug.`
    : `IOREQ Scope: no scenario is open (a *${SCENARIO_SUFFIX} file). Pick one to debug.`;
}

/** The explore results' summary line. */
export function exploreSummary(file: string, states: number, violations: number, complete: boolean): { label: string; description: string } {
  return {
    label: `${path.basename(file)}: ${violations ? `${violations} violation${violations === 1 ? '' : 's'}` : 'no violations'}`,
    description: `${states} state${states === 1 ? '' : 's'}${complete ? '' : ', search incomplete'}`,
  };
}
