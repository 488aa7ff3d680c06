// The typosquat assessor: is a project name (PEP 503) one slip away from a popular project's name,
// without being popular itself? Indexed lookups only (exact skeleton maps and a deletion
// neighbourhood for Damerau edit distance 1), so a query costs the same against 15,000 names as
// against 15. The popular names are a snapshot of PyPI's most-downloaded projects (data/).
import { readFileSync } from 'node:fs';
import type { FindingSeverity } from '../attest/types.js';
import { canonicalizeName } from '../pep/name.js';
import { collapseRuns, foldToAscii, visualSkeleton } from './confusables.js';
import type { Finding } from './finding.js';
import { STDLIB_MODULE_NAMES } from './stdlib-names.js';

export const TOP_PYPI_FILE = new URL('./data/top-pypi.tsv', import.meta.url);

/**
 * Pairs of popular names that are confused for each other in practice. A top name is flagged
 * against another top name only when listed here (low severity: both are real projects), since
 * the rest of the top list is, by construction, what people meant to install.
 *  - jwt / pyjwt, jose / python-jose, dotenv / python-dotenv, docx / python-docx,
 *    slugify / python-slugify, serial / pyserial: the short name is another (often abandoned)
 *    project, installed by people who wanted the import name's real owner.
 *  - attr / attrs: `import attr` comes from attrs; the PyPI project `attr` is unrelated.
 *  - crypto / pycryptodome, pycrypto / pycryptodome: `import Crypto` is pycryptodome today;
 *    `crypto` is unrelated and pycrypto is unmaintained since 2013.
 *  - sklearn / scikit-learn, bs4 / beautifulsoup4: deprecated placeholder names that only pull in
 *    the real project; worth a note, as the placeholder's owner could publish anything.
 *  - msgpack-python / msgpack: the old name of msgpack, no longer updated.
 */
export const KNOWN_CONFUSABLES: Readonly<Record<string, string>> = {
  jwt: 'pyjwt',
  jose: 'python-jose',
  dotenv: 'python-dotenv',
  docx: 'python-docx',
  slugify: 'python-slugify',
  serial: 'pyserial',
  attr: 'attrs',
  crypto: 'pycryptodome',
  pycrypto: 'pycryptodome',
  sklearn: 'scikit-learn',
  bs4: 'beautifulsoup4',
  'msgpack-python': 'msgpack',
};

/** Prefixes and suffixes squatters add to (or drop from) a popular name. */
const PREFIXES = ['python-', 'python', 'py-', 'py'];
const SUFFIXES = ['-python', 'python', '-py', '-lib', 'lib', '-api', 'api', '-sdk', 'sdk', '-client', '2', '3'];

/** Names shorter than this (separators removed) are one edit from too many others to judge. */
const MIN_EDIT_LENGTH = 5;
/** The affix rule needs a base at least this long: `py` + `x` tells nothing. */
const MIN_AFFIX_BASE = 4;
/** Resembling one of the N most popular projects makes a finding high rather than medium. */
const HIGH_RANK = 1000;

export interface TopName {
  name: string;
  rank: number;
}

type Rule = 'separator' | 'homoglyph' | 'repeated-characters' | 'edit-distance' | 'swapped-words' | 'affix';

interface Match {
  top: TopName;
  rule: Rule;
}

function stripSeparators(canonical: string): string {
  return canonical.includes('-') ? canonical.replace(/-/g, '') : canonical;
}

/** Optimal string alignment distance, stopping early once it passes `max`. */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = new Array<number>(b.length + 1).fill(0);
    row[0] = i;
    rows.push(row);
  }
  const first = rows[0]!;
  for (let j = 0; j <= b.length; j++) first[j] = j;
  for (let i = 1; i <= a.length; i++) {
    const row = rows[i]!;
    const prev = rows[i - 1]!;
    let best = Number.POSITIVE_INFINITY;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(prev[j]! + 1, row[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, rows[i - 2]![j - 2]! + 1);
      row[j] = v;
      if (v < best) best = v;
    }
    if (best > max) return max + 1;
  }
  return rows[a.length]![b.length]!;
}

function affixBases(canonical: string): string[] {
  const prefixes = PREFIXES.filter((p) => canonical.startsWith(p));
  const suffixes = SUFFIXES.filter((x) => canonical.endsWith(x));
  if (prefixes.length === 0 && suffixes.length === 0) return [];
  const bases: string[] = [];
  for (const p of prefixes) bases.push(canonical.slice(p.length));
  for (const x of suffixes) bases.push(canonical.slice(0, -x.length));
  for (const p of prefixes) for (const x of suffixes) if (canonical.length > p.length + x.length) bases.push(canonical.slice(p.length, -x.length));
  return bases.map((b) => stripSeparators(b.replace(/^-+|-+$/g, ''))).filter((b) => b.length >= MIN_AFFIX_BASE);
}

/**
 * FNV-1a hashes of `text` and of each one-character deletion of it, computed without making the
 * strings: the deletion neighbourhood of 15,000 names is ~150,000 keys, and numeric keys keep its
 * build fast. A collision only adds a candidate, which the exact edit distance then rejects.
 */
function deletionHashes(text: string): number[] {
  const hashes: number[] = [fnv(text, -1)];
  for (let i = 0; i < text.length; i++) {
    if (i > 0 && text.charCodeAt(i) === text.charCodeAt(i - 1)) continue;
    hashes.push(fnv(text, i));
  }
  return hashes;
}

function fnv(text: string, skip: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    if (i === skip) continue;
    h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  }
  return h >>> 0;
}

/** A multimap from 32-bit hashes to name indices in typed arrays (chained buckets): no per-key objects. */
class HashPostings {
  private readonly head: Int32Array;
  private readonly key: Uint32Array;
  private readonly value: Int32Array;
  private readonly next: Int32Array;
  private readonly mask: number;
  private size = 0;

  constructor(capacity: number) {
    let buckets = 1024;
    while (buckets < capacity * 2) buckets *= 2;
    this.mask = buckets - 1;
    this.head = new Int32Array(buckets).fill(-1);
    this.key = new Uint32Array(capacity);
    this.value = new Int32Array(capacity);
    this.next = new Int32Array(capacity);
  }

  add(hash: number, value: number): void {
    const slot = hash & this.mask;
    const e = this.size++;
    this.key[e] = hash;
    this.value[e] = value;
    this.next[e] = this.head[slot]!;
    this.head[slot] = e;
  }

  forEach(hash: number, fn: (value: number) => void): void {
    for (let e = this.head[hash & this.mask]!; e !== -1; e = this.next[e]!) if (this.key[e] === hash) fn(this.value[e]!);
  }
}

// Most keys name one project: keep a bare index then, and an array only for the few shared keys
// (half the build time and memory of an array per key).
type Postings<K = string> = Map<K, number | number[]>;

function push<K>(map: Postings<K>, key: K, value: number): void {
  const held = map.get(key);
  if (held === undefined) map.set(key, value);
  else if (typeof held === 'number') {
    if (held !== value) map.set(key, [held, value]);
  } else if (held[held.length - 1] !== value) held.push(value);
}

function postings<K>(map: Postings<K>, key: K): readonly number[] {
  const held = map.get(key);
  return held === undefined ? [] : typeof held === 'number' ? [held] : held;
}

/** The index over the popular names; build once (`TyposquatIndex.shipped()`), query many times. */
export class TyposquatIndex {
  readonly names: readonly TopName[];
  private readonly byName = new Map<string, number>();
  /** separator-free name → indices */
  private readonly bySkeleton = new Map<string, number | number[]>();
  /** collapsed visual skeleton → indices */
  private readonly byVisual = new Map<string, number | number[]>();
  /** hashes of the separator-free name and each of its one-character deletions → indices */
  private readonly byDeletion: HashPostings;
  /** sorted words → indices */
  private readonly byWords = new Map<string, number | number[]>();
  /** separator-free name with an affix removed → indices */
  private readonly byAffixBase = new Map<string, number | number[]>();
  private readonly stdlib: ReadonlySet<string>;

  constructor(names: readonly TopName[], stdlib: readonly string[] = STDLIB_MODULE_NAMES) {
    this.names = names;
    this.stdlib = new Set(stdlib.map((n) => canonicalizeName(n)));
    let capacity = 0;
    for (const top of names) capacity += top.name.length + 1;
    this.byDeletion = new HashPostings(capacity);
    names.forEach((top, i) => {
      const canonical = top.name;
      this.byName.set(canonical, i);
      const skeleton = stripSeparators(canonical);
      push(this.bySkeleton, skeleton, i);
      push(this.byVisual, collapseRuns(visualSkeleton(skeleton)), i);
      if (skeleton.length >= MIN_EDIT_LENGTH) {
        for (const h of deletionHashes(skeleton)) this.byDeletion.add(h, i);
      }
      const words = canonical.includes('-') ? canonical.split('-') : [];
      if (words.length > 1) push(this.byWords, [...words].sort().join('-'), i);
      for (const base of affixBases(canonical)) push(this.byAffixBase, base, i);
    });
  }

  /** The index over the snapshot shipped with pyvouch (loaded and built once per process). */
  static shipped(): TyposquatIndex {
    shippedIndex ??= new TyposquatIndex(loadTopNames(readFileSync(TOP_PYPI_FILE, 'utf8')));
    return shippedIndex;
  }

  /** The rank of a popular name (1 = most downloaded), or undefined. */
  rank(name: string): number | undefined {
    const i = this.byName.get(canonicalizeName(name));
    return i === undefined ? undefined : this.names[i]!.rank;
  }

  /** Findings for one name as a user wrote it (e.g. in a requirements file). */
  check(rawName: string): Finding[] {
    const folded = foldToAscii(rawName.trim());
    const canonical = canonicalizeName(folded.ascii);
    const display = folded.hadNonAscii ? rawName.trim() : canonical;
    const findings: Finding[] = [];
    if (folded.hadNonAscii) {
      const target = this.byName.get(canonical);
      const top = target === undefined ? undefined : this.names[target];
      findings.push({
        assessor: 'typosquat',
        kind: 'typosquat',
        name: display,
        rule: 'confusable-unicode',
        severity: top !== undefined || !folded.unmapped ? 'high' : 'medium',
        ...(top === undefined ? {} : { resembles: top.name }),
        message:
          top === undefined
            ? `'${display}' holds characters outside ASCII, which no PEP 508 name may; it reads as '${canonical}'`
            : `'${display}' holds look-alike non-ASCII characters and reads as the popular project '${top.name}' (rank ${top.rank})`,
      });
      if (top !== undefined) return findings;
    }
    const own = this.byName.get(canonical);
    if (own !== undefined) {
      const intended = KNOWN_CONFUSABLES[canonical];
      if (intended !== undefined) {
        const rank = this.rank(intended);
        findings.push({
          assessor: 'typosquat',
          kind: 'typosquat',
          name: display,
          rule: 'known-confusable',
          severity: 'low',
          resembles: intended,
          message: `'${canonical}' is popular but often installed by mistake for '${intended}'${rank === undefined ? '' : ` (rank ${rank})`}; make sure it is the one you mean`,
        });
      }
      return findings;
    }
    for (const match of this.matches(canonical)) findings.push(this.findingFor(display, canonical, match));
    if (this.stdlib.has(canonical)) {
      findings.push({
        assessor: 'typosquat',
        kind: 'typosquat',
        name: display,
        rule: 'stdlib-name',
        severity: 'medium',
        resembles: canonical,
        message: `'${canonical}' is the name of a Python standard library module; a PyPI project of that name is not the standard library`,
      });
    }
    return findings;
  }

  /** The popular names `canonical` resembles, best rule first, at most three. */
  private matches(canonical: string): Match[] {
    const found = new Map<number, Rule>();
    const add = (indices: readonly number[] | undefined, rule: Rule): void => {
      for (const i of indices ?? []) if (!found.has(i) && this.names[i]!.name !== canonical) found.set(i, rule);
    };
    const skeleton = stripSeparators(canonical);
    add(postings(this.bySkeleton, skeleton), 'separator');
    const visual = visualSkeleton(skeleton);
    const collapsed = collapseRuns(visual);
    const visualMatches = postings(this.byVisual, collapsed);
    add(
      visualMatches.filter((i) => visualSkeleton(stripSeparators(this.names[i]!.name)) === visual),
      'homoglyph',
    );
    add(visualMatches, 'repeated-characters');
    if (skeleton.length >= MIN_EDIT_LENGTH) {
      const candidates = new Set<number>();
      for (const key of deletionHashes(skeleton)) this.byDeletion.forEach(key, (i) => candidates.add(i));
      add(
        [...candidates].filter((i) => editDistance(skeleton, stripSeparators(this.names[i]!.name), 1) <= 1),
        'edit-distance',
      );
    }
    const words = canonical.split('-');
    if (words.length > 1) add(postings(this.byWords, [...words].sort().join('-')), 'swapped-words');
    if (skeleton.length >= MIN_AFFIX_BASE) {
      add(postings(this.byAffixBase, skeleton), 'affix');
      for (const base of affixBases(canonical)) {
        add(postings(this.bySkeleton, base), 'affix');
        add(postings(this.byAffixBase, base), 'affix');
      }
    }
    return [...found]
      .map(([i, rule]) => ({ top: this.names[i]!, rule }))
      .sort((a, b) => RULE_ORDER.indexOf(a.rule) - RULE_ORDER.indexOf(b.rule) || a.top.rank - b.top.rank)
      .slice(0, 3);
  }

  private findingFor(display: string, canonical: string, { top, rule }: Match): Finding {
    const severity: FindingSeverity = rule === 'affix' || top.rank > HIGH_RANK ? 'medium' : 'high';
    return {
      assessor: 'typosquat',
      kind: 'typosquat',
      name: display,
      rule,
      severity,
      resembles: top.name,
      message: `'${canonical}' is not a popular project but resembles '${top.name}' (rank ${top.rank}): ${RULE_TEXT[rule]}`,
    };
  }
}

const RULE_ORDER: readonly Rule[] = ['separator', 'homoglyph', 'repeated-characters', 'swapped-words', 'edit-distance', 'affix'];
const RULE_TEXT: Readonly<Record<Rule, string>> = {
  separator: 'the same letters with different separators',
  homoglyph: 'the same name with look-alike characters (0/o, 1/l, rn/m, vv/w, 5/s, 3/e)',
  'repeated-characters': 'the same name with letters doubled or dropped',
  'edit-distance': 'one character inserted, omitted, substituted or transposed',
  'swapped-words': 'the same words in another order',
  affix: 'the same name with a prefix or suffix added or removed (python-, py, -lib, -api, -sdk, 2, 3...)',
};

let shippedIndex: TyposquatIndex | undefined;

/** Parses the `rank<TAB>name` snapshot (a header line is allowed). */
export function loadTopNames(text: string): TopName[] {
  const out: TopName[] = [];
  const seen = new Set<string>();
  for (const line of text.split('\n')) {
    const [rankText, name] = line.trim().split('\t');
    const rank = Number(rankText);
    if (name === undefined || name === '' || !Number.isInteger(rank)) continue;
    const canonical = canonicalizeName(name);
    if (seen.has(canonical)) continue;
    seen.add(canonical);
    out.push({ name: canonical, rank });
  }
  return out.sort((a, b) => a.rank - b.rank);
}

/** Typosquat findings for many names (one per line, `#` comments and blank lines skipped). */
export function checkNames(names: readonly string[], index: TyposquatIndex = TyposquatIndex.shipped()): Finding[] {
  const out: Finding[] = [];
  for (const raw of names) {
    // A requirement line may follow the name with extras, a specifier or a marker: keep the name.
    const name = raw.replace(/#.*/, '').trim().split(/[\s[=<>!~;@(]/u)[0] ?? '';
    if (name === '') continue;
    out.push(...index.check(name));
  }
  return out;
}
