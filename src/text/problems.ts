// The one way pyvouch collects the bad fields of an input: every problem under its dotted path
// (`packages[3].wheels[0].hashes.sha256`) and, when the text is at hand, its line, so one error
// reports all of them (the project's convention) instead of stopping at the first. Lock files,
// statements, provenance, policies, pyproject.toml, index pages and the web UI's requests all
// collect through here; each says only how its headline reads.

import { PyvouchError, isPyvouchError, type ErrorCode } from '../errors.js';
import { MAX_PROBLEMS } from './line-index.js';

export type Segment = string | number;
/** A field's place: a dotted path as written (`party[2].weight`) or its segments (`['party', 2, 'weight']`). */
export type FieldPath = string | readonly Segment[];

/** `['tool', 'pyvouch', 'party', 2, 'weight']` → `tool.pyvouch.party[2].weight` (odd keys quoted). */
export function renderPath(path: readonly Segment[]): string {
  let out = '';
  for (const s of path) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z0-9_-]+$/.test(s)) out += out === '' ? s : `.${s}`;
    else out += `${out === '' ? '' : '.'}"${s}"`;
  }
  return out;
}

/** `package[3].wheels[0]` → `['package', 3, 'wheels', 0]`; quoted keys (`a."b.c"`) stay whole. */
export function parsePath(path: string): Segment[] {
  const out: Segment[] = [];
  const re = /\s*(?:"([^"]*)"|'([^']*)'|([^.[\]"']+))((?:\[\d+\])*)\s*(?:\.|$)/gy;
  let m: RegExpExecArray | null;
  while (re.lastIndex < path.length && (m = re.exec(path)) !== null) {
    if (m[0] === '') break;
    out.push(m[1] ?? m[2] ?? m[3] ?? '');
    for (const index of m[4]!.matchAll(/\[(\d+)\]/g)) out.push(Number(index[1]));
  }
  return out;
}

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

/** What the headline error says, given the first problem and how many there are (`listed` kept, of `total`). */
export type Headline = (first: PyvouchError, total: number, listed: number) => string;

/** The default headline: `<first message> (and 2 more problems)`, before any multi-line excerpt. */
export const andMore: Headline = (first, total, listed) => {
  const others = total - 1;
  const dropped = total - listed;
  const more = others === 0 ? '' : ` (and ${others} more problem${others === 1 ? '' : 's'}${dropped > 0 ? `, the first ${listed} listed` : ''})`;
  const cut = first.message.indexOf('\n');
  return cut < 0 ? first.message + more : first.message.slice(0, cut) + more + first.message.slice(cut);
};

export interface FieldProblemsOptions {
  /** The input's file (or URL), named in every problem. */
  file?: string;
  /** The line of a field (`tomlLocator` over the input's text); asked only for problems kept. */
  locate?: (path: FieldPath) => number | undefined;
  /** Segments the input sits under in its document, e.g. `['tool', 'pyvouch']` in pyproject.toml. */
  prefix?: readonly Segment[];
  /** The help line of a problem that brings none. */
  help?: string;
  /**
   * `file`: the error reports the problems in line order, those without a line last in the order
   * found; `file-unlocated-first`: the same, those without a line (a missing field) first.
   */
  order?: 'found' | 'file' | 'file-unlocated-first';
  headline?: Headline;
  /**
   * Which problems the thrown error carries: `all` (default), `rest` (all but the headline's), or
   * `several` (all, but none when there is only the one in the headline).
   */
  carry?: 'all' | 'rest' | 'several';
}

/**
 * Collects every problem of one input; `throwIfAny` raises one error: the first problem as its
 * headline, the others attached as `problems`. Past MAX_PROBLEMS a problem is only counted:
 * locating and keeping thousands helps nobody, and a hostile input must not cost more than that.
 */
export class FieldProblems {
  private readonly list: PyvouchError[] = [];
  private dropped = 0;

  constructor(
    readonly code: ErrorCode,
    private readonly options: FieldProblemsOptions = {},
  ) {}

  get file(): string | undefined {
    return this.options.file;
  }

  /**
   * Records a problem at `path` (undefined: the input as a whole). `extra` is its line when known
   * better than the locator's, or that line and a help line.
   */
  add(path: FieldPath | undefined, message: string, extra: number | { line?: number; help?: string; cause?: unknown } = {}): void {
    if (typeof extra === 'number') extra = { line: extra };
    if (this.list.length >= MAX_PROBLEMS) {
      this.dropped++;
      return;
    }
    const prefix = this.options.prefix ?? [];
    const full: FieldPath | undefined =
      path === undefined ? undefined : typeof path === 'string' ? (prefix.length === 0 ? path : [...prefix, ...parsePath(path)]) : [...prefix, ...path];
    const line = extra.line ?? (full === undefined ? undefined : this.options.locate?.(full));
    const help = extra.help ?? this.options.help;
    this.list.push(
      new PyvouchError(this.code, message, {
        ...(this.options.file === undefined ? {} : { file: this.options.file }),
        ...(full === undefined ? {} : { path: typeof full === 'string' ? full : renderPath(full) }),
        ...(line === undefined ? {} : { line }),
        ...(help === undefined ? {} : { help }),
        ...(extra.cause === undefined ? {} : { cause: extra.cause }),
      }),
    );
  }

  /** Records an error thrown by a parser (a bad version, marker, requirement) against a field. */
  addError(path: FieldPath | undefined, err: unknown, line?: number): void {
    if (!isPyvouchError(err)) throw err;
    this.add(path, err.message, line === undefined ? {} : line);
  }

  /** How many problems were found, kept or only counted. */
  get count(): number {
    return this.list.length + this.dropped;
  }

  get empty(): boolean {
    return this.count === 0;
  }

  /** The messages of the problems kept, in the order found. */
  messages(): string[] {
    return this.list.map((p) => p.message);
  }

  /** The one error for everything found so far, or undefined when nothing was. */
  toError(): PyvouchError | undefined {
    const order = this.options.order ?? 'found';
    const unlocated = order === 'file-unlocated-first' ? -Infinity : Infinity;
    const kept =
      order === 'found'
        ? this.list
        : this.list
            .map((p, i) => ({ p, i }))
            .sort((a, b) => (a.p.line ?? unlocated) - (b.p.line ?? unlocated) || a.i - b.i)
            .map((x) => x.p);
    const [first, ...rest] = kept;
    if (first === undefined) return undefined;
    const carry = this.options.carry ?? 'all';
    const problems = carry === 'rest' ? rest : carry === 'several' && kept.length === 1 ? [] : kept;
    const help = first.help ?? this.options.help;
    return new PyvouchError(this.code, (this.options.headline ?? andMore)(first, this.count, kept.length), {
      ...(first.file === undefined ? {} : { file: first.file }),
      ...(first.line === undefined ? {} : { line: first.line }),
      ...(first.path === undefined ? {} : { path: first.path }),
      ...(help === undefined ? {} : { help }),
      problems,
    });
  }

  throwIfAny(): void {
    const err = this.toError();
    if (err !== undefined) throw err;
  }
}
