// The typosquat assessor: is a project name (PEP 503) one slip away from a popular project's name,
// without being popular itself? Indexed lookups only (exact skeleton maps and a deletion
// neighbourhood for Damerau edit distance 1), so a query costs the same against 15,000 names as
// against 15. The popular names are a snapshot of PyPI's most-downloaded projects (data/).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { FindingSeverity } from '../attest/types.js';
import { canonicalizeName } from '../pep/name.js';
import { collapseRuns, foldToAscii, visualSkeleton } from './confusables.js';
import type { Finding } from './finding.js';
import { STDLIB_MODULE_NAMES } from './stdlib-names.js';

export const TOP_PYPI_FILE = new URL('./data/top-pypi.tsv', import.meta.url);
/** The lookups over TOP_PYPI_FILE, precomputed (`node --import tsx scripts/typosquat-index.mjs`). */
export const TYPOSQUAT_INDEX_FILE = new URL('./data/typosquat-index.bin', import.meta.url);

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
 * strings: the deletion neighbourhood of 15,000 names is ~180,000 keys, and numeric keys keep its
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

/** The index's lookups; each maps the 32-bit hash of a key to the popular names that have it. */
const KEY_KINDS = ['skeleton', 'visual', 'words', 'affix', 'deletion'] as const;
type KeyKind = (typeof KEY_KINDS)[number];

/** The key a popular name is filed under, per lookup (`words` only for names of several words). */
function sortedWords(canonical: string): string | undefined {
  const words = canonical.includes('-') ? canonical.split('-') : [];
  return words.length > 1 ? [...words].sort().join('-') : undefined;
}

function keysOf(canonical: string): Record<KeyKind, readonly number[]> {
  const skeleton = stripSeparators(canonical);
  const words = sortedWords(canonical);
  return {
    skeleton: [fnv(skeleton, -1)],
    visual: [fnv(collapseRuns(visualSkeleton(skeleton)), -1)],
    words: words === undefined ? [] : [fnv(words, -1)],
    affix: affixBases(canonical).map((b) => fnv(b, -1)),
    deletion: skeleton.length >= MIN_EDIT_LENGTH ? deletionHashes(skeleton) : [],
  };
}

/**
 * A multimap from 32-bit hashes to name indices as two sorted typed arrays: a binary search finds
 * a key's run. No per-key objects, so it is cheap to build, and it is what the shipped index file
 * holds byte for byte, so loading it is a view over the file.
 */
class SortedPostings {
  constructor(
    readonly hashes: Uint32Array,
    readonly values: Uint32Array | Uint16Array,
  ) {}

  /** From (hash, index) pairs in any order; a repeated pair is kept once. */
  static build(hashes: readonly number[], values: readonly number[]): SortedPostings {
    // One numeric sort of hash * 2^20 + index (exact below 2^53): indices stay ascending per hash.
    const packed = new Float64Array(hashes.length);
    for (let i = 0; i < hashes.length; i++) packed[i] = hashes[i]! * INDEX_SPAN + values[i]!;
    packed.sort();
    let size = 0;
    for (let i = 0; i < packed.length; i++) if (i === 0 || packed[i] !== packed[i - 1]) packed[size++] = packed[i]!;
    const outHashes = new Uint32Array(size);
    const outValues = new Uint32Array(size);
    for (let i = 0; i < size; i++) {
      const v = packed[i]!;
      outValues[i] = v % INDEX_SPAN;
      outHashes[i] = (v - outValues[i]!) / INDEX_SPAN;
    }
    return new SortedPostings(outHashes, outValues);
  }

  forEach(hash: number, fn: (value: number) => void): void {
    const { hashes, values } = this;
    let lo = 0;
    let hi = hashes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (hashes[mid]! < hash) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < hashes.length && hashes[i] === hash; i++) fn(values[i]!);
  }
}

/** Name indices fit in 20 bits in the packed sort key (a million popular names). */
const INDEX_SPAN = 2 ** 20;

type Lookups = Record<KeyKind, SortedPostings>;

function buildLookups(names: readonly TopName[]): Lookups {
  if (names.length >= INDEX_SPAN) throw new RangeError(`at most ${INDEX_SPAN - 1} popular names, not ${names.length}`);
  const pairs = Object.fromEntries(KEY_KINDS.map((k) => [k, { hashes: [] as number[], values: [] as number[] }])) as Record<KeyKind, { hashes: number[]; values: number[] }>;
  names.forEach((top, i) => {
    const keys = keysOf(top.name);
    for (const kind of KEY_KINDS) {
      const into = pairs[kind];
      for (const h of keys[kind]) {
        into.hashes.push(h);
        into.values.push(i);
      }
    }
  });
  return Object.fromEntries(KEY_KINDS.map((k) => [k, SortedPostings.build(pairs[k].hashes, pairs[k].values)])) as Lookups;
}

/** The index over the popular names; build once (`TyposquatIndex.shipped()`), query many times. */
export class TyposquatIndex {
  readonly names: readonly TopName[];
  private readonly byName = new Map<string, number>();
  private readonly lookups: Lookups;
  private readonly stdlib: ReadonlySet<string>;
  /** Whether the lookups came precomputed (from the index file) rather than built here. */
  readonly precomputed: boolean;

  /** Builds the index in memory (the shipped one is read from a file instead: `shipped()`). */
  constructor(names: readonly TopName[], stdlib: readonly string[] = STDLIB_MODULE_NAMES, lookups?: Lookups) {
    this.names = names;
    this.stdlib = new Set(stdlib.map((n) => canonicalizeName(n)));
    names.forEach((top, i) => this.byName.set(top.name, i));
    this.precomputed = lookups !== undefined;
    this.lookups = lookups ?? buildLookups(names);
  }

  /**
   * The index over the snapshot shipped with pyvouch, loaded once per process: read from the
   * precomputed data/typosquat-index.bin when it was made from this snapshot with these rules,
   * else built from data/top-pypi.tsv (same answers, slower).
   */
  static shipped(): TyposquatIndex {
    shippedIndex ??= TyposquatIndex.load();
    return shippedIndex;
  }

  /** Reads the shipped snapshot and its precomputed index afresh (`shipped()` keeps the result). */
  static load(tsvFile: URL | string = TOP_PYPI_FILE, indexFile: URL | string = TYPOSQUAT_INDEX_FILE): TyposquatIndex {
    const text = readFileSync(tsvFile, 'utf8');
    let bytes: Uint8Array | undefined;
    try {
      bytes = readFileSync(indexFile);
    } catch {
      bytes = undefined;
    }
    const read = bytes === undefined ? undefined : readIndexFile(bytes, indexFingerprint(text));
    if (read !== undefined) return new TyposquatIndex(read.names, STDLIB_MODULE_NAMES, read.lookups);
    return new TyposquatIndex(loadTopNames(text));
  }

  /** The precomputed index file for `tsvText` (`scripts/typosquat-index.mjs` writes it). */
  static serialize(tsvText: string): Uint8Array {
    const names = loadTopNames(tsvText);
    return writeIndexFile(names, buildLookups(names), indexFingerprint(tsvText));
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
    const add = (indices: readonly number[], rule: Rule): void => {
      for (const i of indices) if (!found.has(i) && this.names[i]!.name !== canonical) found.set(i, rule);
    };
    const skeleton = stripSeparators(canonical);
    add(this.filed('skeleton', skeleton), 'separator');
    const visual = visualSkeleton(skeleton);
    const visualMatches = this.filed('visual', collapseRuns(visual));
    add(
      visualMatches.filter((i) => visualSkeleton(stripSeparators(this.names[i]!.name)) === visual),
      'homoglyph',
    );
    add(visualMatches, 'repeated-characters');
    if (skeleton.length >= MIN_EDIT_LENGTH) {
      const candidates = new Set<number>();
      for (const key of deletionHashes(skeleton)) this.lookups.deletion.forEach(key, (i) => candidates.add(i));
      add(
        [...candidates].filter((i) => editDistance(skeleton, stripSeparators(this.names[i]!.name), 1) <= 1),
        'edit-distance',
      );
    }
    const words = sortedWords(canonical);
    if (words !== undefined) add(this.filed('words', words), 'swapped-words');
    if (skeleton.length >= MIN_AFFIX_BASE) {
      add(this.filed('affix', skeleton), 'affix');
      for (const base of affixBases(canonical)) {
        add(this.filed('skeleton', base), 'affix');
        add(this.filed('affix', base), 'affix');
      }
    }
    return [...found]
      .map(([i, rule]) => ({ top: this.names[i]!, rule }))
      .sort((a, b) => RULE_ORDER.indexOf(a.rule) - RULE_ORDER.indexOf(b.rule) || a.top.rank - b.top.rank)
      .slice(0, 3);
  }

  /** The popular names filed under exactly `key` in one lookup (hash hits re-checked on the name). */
  private filed(kind: Exclude<KeyKind, 'deletion'>, key: string): number[] {
    const out: number[] = [];
    this.lookups[kind].forEach(fnv(key, -1), (i) => {
      const name = this.names[i]!.name;
      const skeleton = stripSeparators(name);
      const exact =
        kind === 'skeleton'
          ? skeleton === key
          : kind === 'visual'
            ? collapseRuns(visualSkeleton(skeleton)) === key
            : kind === 'words'
              ? sortedWords(name) === key
              : affixBases(name).includes(key);
      if (exact) out.push(i);
    });
    return out;
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

// The precomputed index file, little-endian: a 64-byte header (magic, format, seal, name count,
// entries per lookup), the ranks (u32), each lookup's sorted hashes (u32), each lookup's name
// indices (u16), then the canonical names joined by newlines (UTF-8). The seal is the SHA-256 of
// the fingerprint and of everything after the header: a stale or damaged file is never read.
const MAGIC = 0x53545650; // "PVTS"
const FORMAT = 1;
const HEADER_BYTES = 64;

/**
 * What the file was made from: the snapshot's text and the rules that derive the keys. A file
 * whose fingerprint differs is ignored (the index is then built in memory), so a changed snapshot
 * or affix list can never be answered from a stale file.
 */
function indexFingerprint(tsvText: string): Uint8Array {
  const recipe = JSON.stringify({ FORMAT, KEY_KINDS, PREFIXES, SUFFIXES, MIN_EDIT_LENGTH, MIN_AFFIX_BASE, probe: KEY_PROBES.map((n) => keysOf(n)) });
  return createHash('sha256').update(tsvText).update('\0').update(recipe).digest();
}

/** Names whose keys go into the fingerprint: a change to the skeleton or visual rules changes it. */
const KEY_PROBES = ['python-rn0-vv1-5-3-lib', 'aab--bcc-py', 'x-requests-api-sdk-2'];

function writeIndexFile(names: readonly TopName[], lookups: Lookups, fingerprint: Uint8Array): Uint8Array {
  if (names.length > 0xffff) throw new RangeError(`the index file holds at most 65,535 names, not ${names.length}`);
  const text = Buffer.from(names.map((n) => n.name).join('\n'), 'utf8');
  const counts = KEY_KINDS.map((k) => lookups[k].hashes.length);
  const entries = counts.reduce((a, b) => a + b, 0);
  const size = HEADER_BYTES + 4 * names.length + 4 * entries + 2 * entries + text.length;
  const out = Buffer.alloc(size);
  out.writeUInt32LE(MAGIC, 0);
  out.writeUInt32LE(FORMAT, 4);
  out.writeUInt32LE(names.length, 40);
  counts.forEach((c, i) => out.writeUInt32LE(c, 44 + 4 * i));
  let at = HEADER_BYTES;
  for (const n of names) {
    out.writeUInt32LE(n.rank, at);
    at += 4;
  }
  for (const k of KEY_KINDS) for (const h of lookups[k].hashes) at = out.writeUInt32LE(h, at);
  for (const k of KEY_KINDS) for (const v of lookups[k].values) at = out.writeUInt16LE(v, at);
  out.set(text, at);
  out.set(seal(fingerprint, out.subarray(HEADER_BYTES)), 8);
  return out;
}

function seal(fingerprint: Uint8Array, body: Uint8Array): Buffer {
  return createHash('sha256').update(fingerprint).update(body).digest();
}

/** The names and lookups of an index file made with `fingerprint`, or undefined (then build). */
function readIndexFile(file: Uint8Array, fingerprint: Uint8Array): { names: TopName[]; lookups: Lookups } | undefined {
  // Typed-array views read the platform's byte order: take the file only on little-endian hosts.
  if (new Uint8Array(new Uint32Array([1]).buffer)[0] !== 1 || file.length < HEADER_BYTES) return undefined;
  // Views need 4-byte alignment; a pooled or offset buffer is copied once.
  const bytes = file.byteOffset % 4 === 0 ? file : file.slice();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint32(0, true) !== MAGIC || view.getUint32(4, true) !== FORMAT) return undefined;
  const body = new Uint8Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, bytes.byteLength - HEADER_BYTES);
  if (!Buffer.from(bytes.buffer, bytes.byteOffset + 8, 32).equals(seal(fingerprint, body))) return undefined;
  const count = view.getUint32(40, true);
  const counts = KEY_KINDS.map((_, i) => view.getUint32(44 + 4 * i, true));
  const entries = counts.reduce((a, b) => a + b, 0);
  const textAt = HEADER_BYTES + 4 * count + 6 * entries;
  if (textAt > bytes.byteLength) return undefined;
  const ranks = new Uint32Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, count);
  const text = Buffer.from(bytes.buffer, bytes.byteOffset + textAt, bytes.byteLength - textAt).toString('utf8');
  const words = text === '' ? [] : text.split('\n');
  if (words.length !== count) return undefined;
  const names = words.map((name, i) => ({ name, rank: ranks[i]! }));
  let hashAt = bytes.byteOffset + HEADER_BYTES + 4 * count;
  let valueAt = hashAt + 4 * entries;
  const lookups = {} as Lookups;
  KEY_KINDS.forEach((k, i) => {
    const n = counts[i]!;
    lookups[k] = new SortedPostings(new Uint32Array(bytes.buffer, hashAt, n), new Uint16Array(bytes.buffer, valueAt, n));
    hashAt += 4 * n;
    valueAt += 2 * n;
  });
  return { names, lookups };
}

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
