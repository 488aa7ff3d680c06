// Where things are in a text file, found once: the start of every line (so an offset maps to its
// line by binary search). Locators (src/text/toml-lines.ts) index a file once through it instead of
// rescanning it per problem, so reporting N problems in a file of L lines costs O(L + N), not
// O(N * L); collectors (src/text/problems.ts) also cap how many problems they keep.

/** Problems a collector keeps in full; the rest are counted ("and 7,900 more problems"). */
export const MAX_PROBLEMS = 100;
/** Segments of a dotted path a locator follows; a deeper path is located by its first ones. */
export const MAX_PATH_SEGMENTS = 64;

export class LineIndex {
  /** Offset of the first character of each line (0-based lines). */
  private readonly starts: number[];
  private cachedLines: string[] | undefined;

  constructor(readonly text: string) {
    const starts = [0];
    for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
    this.starts = starts;
  }

  /** How many lines the text has (a trailing newline starts one more, empty, line). */
  get lineCount(): number {
    return this.starts.length;
  }

  /** The 1-based line of a character offset (clamped to the text). */
  lineOf(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  }

  /** The lines without their line breaks (`\r\n` or `\n`), split once and shared. */
  lines(): readonly string[] {
    if (this.cachedLines === undefined) {
      this.cachedLines = this.starts.map((start, i) => {
        const end = i + 1 < this.starts.length ? this.starts[i + 1]! - 1 : this.text.length;
        const line = this.text.slice(start, end);
        return line.endsWith('\r') ? line.slice(0, -1) : line;
      });
    }
    return this.cachedLines;
  }
}
