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

/** Maps offsets to 1-based lines and columns; the line starts are found once per text. */
export class Locator {
  private starts: number[] = [0];
  constructor(private text: string, private file: string) {
    for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) === 10) this.starts.push(i + 1);
  }
  at(offset: number): Loc {
    const end = Math.min(Math.max(offset, 0), this.text.length);
    let lo = 0, hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid] <= end) lo = mid; else hi = mid - 1;
    }
    return { file: this.file, line: lo + 1, column: end - this.starts[lo] + 1 };
  }
}
