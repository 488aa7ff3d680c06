// Where things are in a text file, found once: the start of every line (so an offset maps to its
// line by binary search) and, for TOML, every table header with its name. Problem collectors locate
// each problem through this index instead of rescanning the file, so reporting N problems in a file
// of L lines costs O(L + N log L), not O(N * L); they also cap how many problems they keep.

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

/** One `[table]` or `[[array]]` header line of a TOML document. */
export interface TomlHeader {
  /** 0-based line. */
  line: number;
  /** The header's dotted name as written, whitespace trimmed (`package.optional-dependencies`). */
  name: string;
  /** Segments in the name (`a.b` is 2), by a plain split on dots. */
  depth: number;
  array: boolean;
}

const HEADER = /^\s*(\[\[?)\s*([^\]]+?)\s*\]\]?/;

/** Every table header of a TOML text, found in one pass, with the `[[array]]` headers by name. */
export class TomlHeaderIndex {
  readonly headers: readonly TomlHeader[];
  private readonly arrays = new Map<string, number[]>();

  constructor(readonly index: LineIndex) {
    const headers: TomlHeader[] = [];
    index.lines().forEach((text, line) => {
      if (!text.trimStart().startsWith('[')) return;
      const m = HEADER.exec(text);
      if (m === null) return;
      const name = m[2]!.replace(/\s*\.\s*/g, '.');
      const header = { line, name, depth: name.split('.').length, array: m[1] === '[[' };
      headers.push(header);
      if (header.array) {
        let list = this.arrays.get(name);
        if (list === undefined) this.arrays.set(name, (list = []));
        list.push(line);
      }
    });
    this.headers = headers;
  }

  /** The 0-based lines of `[[name]]` headers, in file order. */
  arrayHeaders(name: string): readonly number[] {
    return this.arrays.get(name) ?? [];
  }

  /** The first header after line `from` that closes a table named `qualified` (same or shallower level). */
  nextClosingHeader(from: number, qualified: string, end: number): number {
    const depth = qualified.split('.').length;
    // Binary search for the first header after `from`, then walk forward.
    let lo = 0;
    let hi = this.headers.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.headers[mid]!.line <= from) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.headers.length; i++) {
      const h = this.headers[i]!;
      if (h.line >= end) break;
      if (!h.name.startsWith(`${qualified}.`) && h.depth <= depth) return h.line;
    }
    return end;
  }
}
