// Located errors for scenario files: every message names file:line:column and what was expected.

export interface Loc {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based */
  column: number;
}

export class ScenarioError extends Error {
  constructor(public loc: Loc, public what: string) {
    super(`${loc.file}:${loc.line}:${loc.column}: ${what}`);
  }
}

/** Offset -> 1-based line and column. */
export function locate(text: string, file: string, offset: number): Loc {
  let line = 1;
  let lineStart = 0;
  const end = Math.min(Math.max(offset, 0), text.length);
  for (let i = 0; i < end; i++) {
    if (text.charCodeAt(i) === 10) { line++; lineStart = i + 1; }
  }
  return { file, line, column: end - lineStart + 1 };
}
