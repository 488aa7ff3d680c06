// Where a field sits in a TOML document: dotted paths like `party[2].weight`, the line a path is
// on (best effort, from the table headers and keys), and did-you-mean for misspelt keys.

import { LineIndex, MAX_PATH_SEGMENTS } from '../text/line-index.js';

export type Segment = string | number;

/** `; did you mean 'x'?` for the closest allowed word, when one is close enough. */
export function suggestion(word: string, candidates: readonly string[]): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  if (best === undefined) return '';
  const longest = Math.max(word.length, best.length);
  return bestDistance <= 3 && bestDistance < longest / 2 ? `; did you mean '${best}'?` : '';
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur.push(Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost));
    }
    prev = cur;
  }
  return prev[b.length]!;
}

export function renderPath(path: readonly Segment[]): string {
  let out = '';
  for (const s of path) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `${out === '' ? '' : '.'}"${s}"`;
  }
  return out;
}

/**
 * Best-effort line of a field in TOML text: follows [table] and [[array]] headers and dotted keys,
 * and answers with the line of the longest matching prefix of `target` (a header or a key line).
 * For many lookups in one text, build a `tomlPathLocator` once instead.
 */
export function locateLine(text: string, target: readonly Segment[]): number | undefined {
  return tomlPathLocator(text)(target);
}

/**
 * A locator over one TOML text, built in one pass: the first line of every header or key path
 * (paths cut at MAX_PATH_SEGMENTS, so an 8,000-segment dotted key costs no more than a 64-segment
 * one). Each lookup then tries the target's prefixes, longest first.
 */
export function tomlPathLocator(text: string): (target: readonly Segment[]) => number | undefined {
  const arrays = new Map<string, number>();
  const first = new Map<string, number>();
  let section: Segment[] = [];
  const record = (path: Segment[], line: number): void => {
    const key = pathKey(path);
    if (path.length > 0 && !first.has(key)) first.set(key, line);
  };
  const resolve = (keys: string[]): Segment[] => {
    const out: Segment[] = [];
    for (const k of keys.slice(0, MAX_PATH_SEGMENTS)) {
      out.push(k);
      const count = arrays.get(pathKey(out));
      if (count !== undefined) out.push(count - 1);
    }
    return out;
  };
  new LineIndex(text).lines().forEach((raw, i) => {
    const line = raw.trim();
    const arrayHeader = /^\[\[\s*(.+?)\s*\]\]/.exec(line);
    const tableHeader = arrayHeader === null ? /^\[\s*(.+?)\s*\]/.exec(line) : null;
    if (arrayHeader !== null) {
      const keys = splitKey(arrayHeader[1]!).slice(0, MAX_PATH_SEGMENTS);
      const parent = resolve(keys.slice(0, -1));
      const id = pathKey([...parent, keys[keys.length - 1]!]);
      const n = (arrays.get(id) ?? 0) + 1;
      arrays.set(id, n);
      section = [...parent, keys[keys.length - 1]!, n - 1];
      record(section, i + 1);
    } else if (tableHeader !== null) {
      section = resolve(splitKey(tableHeader[1]!));
      record(section, i + 1);
    } else {
      const m = KEY_LINE.exec(line);
      if (m !== null) {
        // A dotted key defines each of its tables too: `a.b.c = 1` is where `a.b` is, if nowhere earlier.
        const full = [...section, ...splitKey(m[1]!)].slice(0, MAX_PATH_SEGMENTS);
        for (let n = section.length + 1; n <= full.length; n++) record(full.slice(0, n), i + 1);
      }
    }
  });
  return (target) => {
    const cut = target.slice(0, MAX_PATH_SEGMENTS);
    for (let n = cut.length; n > 0; n--) {
      const line = first.get(pathKey(cut.slice(0, n)));
      if (line !== undefined) return line;
    }
    return undefined;
  };
}

const KEY_LINE = /^((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=/;

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
