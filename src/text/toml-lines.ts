// Where a field sits in a TOML document. smol-toml keeps no positions, so problems found after
// parsing are located here: one pass over the text records the first line of every table header,
// `[[array]]` entry, key (dotted keys define each of their tables) and inline-array entry
// (`wheels = [ { … }, { … } ]`, one entry per `{`), and a lookup answers with the line of the
// longest recorded prefix of the path. Built on the first lookup, so a valid file costs nothing.

import { LineIndex, MAX_PATH_SEGMENTS } from './line-index.js';
import { parsePath, type FieldPath, type Segment } from './problems.js';

export type TomlLocator = (path: FieldPath) => number | undefined;

/** A locator over one TOML text: `package[3].wheels[0].hash` or `['party', 2, 'weight']` to a 1-based line. */
export function tomlLocator(text: string): TomlLocator {
  let first: Map<string, number> | undefined;
  return (path) => {
    first ??= indexToml(text);
    const cut = (typeof path === 'string' ? parsePath(path) : path).slice(0, MAX_PATH_SEGMENTS);
    for (let n = cut.length; n > 0; n--) {
      const line = first.get(pathKey(cut.slice(0, n)));
      if (line !== undefined) return line;
    }
    return undefined;
  };
}

/** The line of one field; for many lookups in one text, build a `tomlLocator` once instead. */
export function locateLine(text: string, path: FieldPath): number | undefined {
  return tomlLocator(text)(path);
}

const ARRAY_HEADER = /^\[\[\s*(.+?)\s*\]\]/;
const TABLE_HEADER = /^\[\s*(.+?)\s*\]/;
const KEY_LINE = /^((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=\s*/;

function indexToml(text: string): Map<string, number> {
  const arrays = new Map<string, number>();
  const first = new Map<string, number>();
  let section: Segment[] = [];
  let inline: InlineArray | undefined;
  const record = (path: readonly Segment[], line: number): void => {
    const key = pathKey(path);
    if (path.length > 0 && !first.has(key)) first.set(key, line);
  };
  // A table path with the current entry of every array of tables it passes through.
  const resolve = (keys: readonly string[]): Segment[] => {
    const out: Segment[] = [];
    for (const k of keys.slice(0, MAX_PATH_SEGMENTS)) {
      out.push(k);
      const count = arrays.get(pathKey(out));
      if (count !== undefined) out.push(count - 1);
    }
    return out;
  };
  new LineIndex(text).lines().forEach((raw, i) => {
    const lineNo = i + 1;
    if (inline !== undefined) {
      inline = scanInlineArray(raw, 0, inline, lineNo, record);
      return;
    }
    const line = raw.trim();
    const arrayHeader = ARRAY_HEADER.exec(line);
    const tableHeader = arrayHeader === null ? TABLE_HEADER.exec(line) : null;
    if (arrayHeader !== null) {
      const keys = splitKey(arrayHeader[1]!).slice(0, MAX_PATH_SEGMENTS);
      const parent = resolve(keys.slice(0, -1));
      const id = pathKey([...parent, keys[keys.length - 1]!]);
      const n = (arrays.get(id) ?? 0) + 1;
      arrays.set(id, n);
      section = [...parent, keys[keys.length - 1]!, n - 1];
      record(section, lineNo);
    } else if (tableHeader !== null) {
      section = resolve(splitKey(tableHeader[1]!));
      record(section, lineNo);
    } else {
      const m = KEY_LINE.exec(line);
      if (m === null) return;
      // A dotted key defines each of its tables too: `a.b.c = 1` is where `a.b` is, if nowhere earlier.
      const full = [...section, ...splitKey(m[1]!)].slice(0, MAX_PATH_SEGMENTS);
      for (let n = section.length + 1; n <= full.length; n++) record(full.slice(0, n), lineNo);
      if (line[m[0].length] === '[') {
        inline = scanInlineArray(line, m[0].length, { path: full, depth: 0, braces: 0, entries: 0, string: undefined }, lineNo, record);
      }
    }
  });
  return first;
}

/** An inline array being read: its path, bracket and brace depth, entries seen, and an open multi-line string. */
interface InlineArray {
  path: Segment[];
  depth: number;
  braces: number;
  entries: number;
  string: '"""' | "'''" | undefined;
}

/**
 * Reads one line of an inline array from `from`: each `{` that opens an entry records the entry's
 * line. Strings and comments are skipped. Returns the state for the next line, or undefined once
 * the array closes.
 */
function scanInlineArray(
  line: string,
  from: number,
  state: InlineArray,
  lineNo: number,
  record: (path: readonly Segment[], line: number) => void,
): InlineArray | undefined {
  const s = state;
  for (let i = from; i < line.length; i++) {
    if (s.string !== undefined) {
      const end = line.indexOf(s.string, i);
      if (end < 0) return s;
      i = end + 2;
      s.string = undefined;
      continue;
    }
    const c = line[i];
    if (c === '#') break;
    if (c === '"' || c === "'") {
      if (line.startsWith(c.repeat(3), i)) {
        s.string = c === '"' ? '"""' : "'''";
        i += 2;
        continue;
      }
      // A one-line string: basic strings may escape the quote, literal strings may not.
      let j = i + 1;
      while (j < line.length && line[j] !== c) j += c === '"' && line[j] === '\\' ? 2 : 1;
      i = j;
      continue;
    }
    if (c === '[') s.depth++;
    else if (c === ']') {
      s.depth--;
      if (s.depth === 0) return undefined;
    } else if (c === '{') {
      if (s.depth === 1 && s.braces === 0) record([...s.path, s.entries++], lineNo);
      s.braces++;
    } else if (c === '}') s.braces--;
  }
  return s;
}

function pathKey(path: readonly Segment[]): string {
  return JSON.stringify(path);
}

function splitKey(key: string): string[] {
  const out: string[] = [];
  const re = /\s*(?:"([^"]*)"|'([^']*)'|([A-Za-z0-9_-]+))\s*(?:\.|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < key.length && (m = re.exec(key)) !== null) {
    out.push(m[1] ?? m[2] ?? m[3] ?? '');
    if (m[0] === '') break;
  }
  return out;
}
