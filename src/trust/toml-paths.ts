// Where a field sits in a TOML document: dotted paths like `party[2].weight`, the line a path is
// on (best effort, from the table headers and keys), and did-you-mean for misspelt keys.

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
 */
export function locateLine(text: string, target: readonly Segment[]): number | undefined {
  const arrays = new Map<string, number>();
  let section: Segment[] = [];
  let best: { line: number; length: number } | undefined;
  const consider = (path: Segment[], line: number): void => {
    if (path.length > target.length || path.length === 0) return;
    for (let i = 0; i < path.length; i++) if (path[i] !== target[i]) return;
    if (best === undefined || path.length > best.length) best = { line, length: path.length };
  };
  const resolve = (keys: string[]): Segment[] => {
    const out: Segment[] = [];
    for (const k of keys) {
      out.push(k);
      const count = arrays.get(JSON.stringify(out));
      if (count !== undefined) out.push(count - 1);
    }
    return out;
  };
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    const arrayHeader = /^\[\[\s*(.+?)\s*\]\]/.exec(line);
    const tableHeader = arrayHeader === null ? /^\[\s*(.+?)\s*\]/.exec(line) : null;
    if (arrayHeader !== null) {
      const keys = splitKey(arrayHeader[1]!);
      const parent = resolve(keys.slice(0, -1));
      const id = JSON.stringify([...parent, keys[keys.length - 1]!]);
      const n = (arrays.get(id) ?? 0) + 1;
      arrays.set(id, n);
      section = [...parent, keys[keys.length - 1]!, n - 1];
      consider(section, i + 1);
    } else if (tableHeader !== null) {
      section = resolve(splitKey(tableHeader[1]!));
      consider(section, i + 1);
    } else {
      const m = /^((?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*')(?:\s*\.\s*(?:[A-Za-z0-9_-]+|"[^"]*"|'[^']*'))*)\s*=/.exec(line);
      if (m !== null) consider([...section, ...splitKey(m[1]!)], i + 1);
    }
  });
  return (best as { line: number } | undefined)?.line;
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
