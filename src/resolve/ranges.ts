// Sets of PEP 440 versions as unions of intervals, the "version sets" PubGrub reasons with. A set
// is a sorted list of cuts over `Version.sortKey` strings, so membership, intersection, union and
// complement are merges of short arrays and one string comparison per step. Specifiers (PEP 440)
// convert to sets with exactly the matching rules of src/pep/specifier.ts (pre-release policy is
// not part of a set: the resolver applies it to the candidate list instead).

import type { Specifier, SpecifierSet } from '../pep/specifier.js';
import { Version } from '../pep/version.js';

/**
 * A point between versions: just below the versions whose key is `key` (`after` false), or just
 * above it (`after` true). `label` and the side say how to print the cut for a person: a cut below
 * `2.0` reads `>=2.0` when an interval starts there and `<2.0` when one ends there.
 */
export interface Cut {
  readonly key: string;
  readonly after: boolean;
  /** The version a person would name for this cut (`2.0` for the cut below `2.0.dev0` of `<2.0`). */
  readonly label: string;
  /** Whether the label's version lies above the cut (`below`) or under it (`above`). */
  readonly side: 'below' | 'above';
}

// Keys are built from small code units, so '' sorts before every key and U+FFFF after every key.
const NEG_KEY = '';
const POS_KEY = '\uffff';
const NEG: Cut = { key: NEG_KEY, after: false, label: '', side: 'below' };
const POS: Cut = { key: POS_KEY, after: false, label: '', side: 'below' };

function compareCuts(a: Cut, b: Cut): number {
  if (a.key !== b.key) return a.key < b.key ? -1 : 1;
  if (a.after === b.after) return 0;
  return a.after ? 1 : -1;
}

/** Whether a version with sort key `key` lies at or above the cut. */
function above(key: string, cut: Cut): boolean {
  return cut.after ? key > cut.key : key >= cut.key;
}

/** The smallest string greater than every string that starts with `prefix`. */
function prefixEnd(prefix: string): string {
  let end = prefix.length;
  while (end > 0 && prefix.charCodeAt(end - 1) === 0xffff) end--;
  if (end === 0) return POS_KEY;
  return prefix.slice(0, end - 1) + String.fromCharCode(prefix.charCodeAt(end - 1) + 1);
}

function below(version: Version, label: string = version.toString()): Cut {
  return { key: version.sortKey, after: false, label, side: 'below' };
}

/** A cut above `version` and all its local variants (`==V` and `<=V` include `V+local`). */
function aboveFamily(version: Version, label: string = version.toString()): Cut {
  return { key: prefixEnd(version.sortKey), after: false, label, side: 'above' };
}

function aboveExactly(version: Version): Cut {
  return { key: version.sortKey, after: true, label: version.toString(), side: 'above' };
}

/**
 * An immutable set of versions. `cuts` holds an even number of strictly increasing cuts; each pair
 * [lo, hi) is one interval. The first cut may be -infinity and the last +infinity.
 */
export class VersionRange {
  readonly cuts: readonly Cut[];
  #text: string | undefined;
  #key: string | undefined;

  /** @internal Use the static constructors; `cuts` must already be well formed. */
  constructor(cuts: readonly Cut[]) {
    this.cuts = cuts;
  }

  static readonly EMPTY = new VersionRange([]);
  static readonly FULL = new VersionRange([NEG, POS]);

  /** Exactly one version (a local version only matches itself here). */
  static exactly(version: Version): VersionRange {
    return new VersionRange([below(version), aboveExactly(version)]);
  }

  /** `==version` as a specifier means it: the version and its local variants (`1.0+cpu`). */
  static equalTo(version: Version): VersionRange {
    if (version.local !== null) return VersionRange.exactly(version);
    return new VersionRange([below(version), aboveFamily(version)]);
  }

  /** The versions from `lo` (inclusive) to `hi` (exclusive); null means unbounded. */
  static between(lo: Version | null, hi: Version | null): VersionRange {
    return new VersionRange([lo === null ? NEG : below(lo), hi === null ? POS : below(hi)]);
  }

  /** The versions one specifier matches, pre-release policy aside. Memoised by its text. */
  static fromSpecifier(spec: Specifier): VersionRange {
    const text = spec.toString();
    let range = specifierCache.get(text);
    if (range === undefined) {
      range = convertSpecifier(spec);
      if (specifierCache.size > 50_000) specifierCache.clear();
      specifierCache.set(text, range);
    }
    return range;
  }

  /** The versions every specifier of the set matches (the empty set matches all). Memoised. */
  static fromSpecifierSet(set: SpecifierSet): VersionRange {
    const text = set.toString();
    let range = setCache.get(text);
    if (range === undefined) {
      range = VersionRange.FULL;
      for (const spec of set) range = range.intersect(VersionRange.fromSpecifier(spec));
      if (setCache.size > 50_000) setCache.clear();
      setCache.set(text, range);
    }
    return range;
  }

  isEmpty(): boolean {
    return this.cuts.length === 0;
  }

  isFull(): boolean {
    return this.cuts.length === 2 && this.cuts[0] === NEG && this.cuts[1]!.key === POS_KEY;
  }

  /** Whether the version with this sort key is in the set. */
  containsKey(key: string): boolean {
    const cuts = this.cuts;
    // Binary search for the last cut at or below the key; inside when it opens an interval.
    let lo = 0;
    let hi = cuts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (above(key, cuts[mid]!)) lo = mid + 1;
      else hi = mid;
    }
    return (lo & 1) === 1;
  }

  contains(version: Version): boolean {
    return this.containsKey(version.sortKey);
  }

  complement(): VersionRange {
    const cuts = this.cuts;
    if (cuts.length === 0) return VersionRange.FULL;
    const out: Cut[] = [];
    if (cuts[0] !== NEG) out.push(NEG);
    for (let i = 0; i < cuts.length; i++) {
      const cut = cuts[i]!;
      if (cut === NEG || cut.key === POS_KEY) continue;
      out.push(cut);
    }
    if (cuts[cuts.length - 1]!.key !== POS_KEY) out.push(POS);
    return out.length === 0 ? VersionRange.EMPTY : new VersionRange(out);
  }

  intersect(other: VersionRange): VersionRange {
    if (this === other || other.isFull()) return this;
    if (this.isFull()) return other;
    if (this.cuts.length === 0 || other.cuts.length === 0) return VersionRange.EMPTY;
    return combine(this.cuts, other.cuts, 2);
  }

  union(other: VersionRange): VersionRange {
    if (this === other || other.cuts.length === 0) return this;
    if (this.cuts.length === 0) return other;
    if (this.isFull() || other.isFull()) return VersionRange.FULL;
    return combine(this.cuts, other.cuts, 1);
  }

  /** The versions in this set and not in `other`. */
  minus(other: VersionRange): VersionRange {
    return this.intersect(other.complement());
  }

  /** Every interval of this set lies inside one of `other`'s (a sweep; nothing is allocated). */
  isSubsetOf(other: VersionRange): boolean {
    if (this === other || this.cuts.length === 0) return true;
    const a = this.cuts;
    const b = other.cuts;
    let j = 0;
    for (let i = 0; i < a.length; i += 2) {
      const lo = a[i]!;
      const hi = a[i + 1]!;
      // Skip b's intervals that end at or before this one starts.
      while (j < b.length && compareCuts(b[j + 1]!, lo) <= 0) j += 2;
      if (j >= b.length || compareCuts(b[j]!, lo) > 0 || compareCuts(hi, b[j + 1]!) > 0) return false;
    }
    return true;
  }

  /** No interval of this set overlaps one of `other`'s (a sweep; nothing is allocated). */
  isDisjointFrom(other: VersionRange): boolean {
    const a = this.cuts;
    const b = other.cuts;
    let i = 0;
    let j = 0;
    while (i < a.length && j < b.length) {
      // Intervals [a_lo, a_hi) and [b_lo, b_hi) overlap when each starts before the other ends.
      if (compareCuts(a[i]!, b[j + 1]!) >= 0) j += 2;
      else if (compareCuts(b[j]!, a[i + 1]!) >= 0) i += 2;
      else return false;
    }
    return true;
  }

  equals(other: VersionRange): boolean {
    if (this === other) return true;
    if (this.cuts.length !== other.cuts.length) return false;
    for (let i = 0; i < this.cuts.length; i++) if (compareCuts(this.cuts[i]!, other.cuts[i]!) !== 0) return false;
    return true;
  }

  /** A string equal for equal sets (labels aside): for use as a Map key. */
  get key(): string {
    return (this.#key ??= this.cuts.map((c) => `${c.key}${c.after ? '+' : '-'}`).join('\u0000'));
  }

  /**
   * The set as a person writes it: `>=1.0,<2.0`, `==1.4.2`, `!=1.3`, several intervals joined by
   * ` | `; `*` for every version and `∅` for none.
   */
  toString(): string {
    return (this.#text ??= formatCuts(this.cuts));
  }
}

const specifierCache = new Map<string, VersionRange>();
const setCache = new Map<string, VersionRange>();

/**
 * Sweep both cut lists in order, counting how many sets the current point lies in; keep the points
 * where that count crosses `need` (2 for an intersection, 1 for a union).
 */
function combine(a: readonly Cut[], b: readonly Cut[], need: 1 | 2): VersionRange {
  const out: Cut[] = [];
  let i = 0;
  let j = 0;
  let inA = false;
  let inB = false;
  let inside = false;
  while (i < a.length || j < b.length) {
    let cut: Cut;
    const order = i >= a.length ? 1 : j >= b.length ? -1 : compareCuts(a[i]!, b[j]!);
    if (order <= 0) {
      cut = a[i++]!;
      inA = !inA;
    } else {
      cut = b[j++]!;
      inB = !inB;
    }
    if (order === 0) {
      j++;
      inB = !inB;
    }
    const now = (inA ? 1 : 0) + (inB ? 1 : 0) >= need;
    if (now !== inside) {
      // Two cuts at one point would leave an empty interval: drop the pair instead.
      const last = out[out.length - 1];
      if (last !== undefined && compareCuts(last, cut) === 0) out.pop();
      else out.push(cut);
      inside = now;
    }
  }
  return out.length === 0 ? VersionRange.EMPTY : new VersionRange(out);
}

function formatCuts(cuts: readonly Cut[]): string {
  if (cuts.length === 0) return '∅';
  // `!=V` (and `!=V.*`) is everything but one gap: print it the way it was most likely written.
  if (cuts.length === 4 && cuts[0] === NEG && cuts[3]!.key === POS_KEY) {
    const hi = cuts[1]!;
    const lo = cuts[2]!;
    if (hi.label === lo.label && hi.side === 'below' && lo.side === 'above') return `!=${hi.label}`;
  }
  const parts: string[] = [];
  for (let i = 0; i < cuts.length; i += 2) {
    const lo = cuts[i]!;
    const hi = cuts[i + 1]!;
    const loText = lo === NEG ? null : lo.side === 'below' ? `>=${lo.label}` : `>${lo.label}`;
    const hiText = hi.key === POS_KEY ? null : hi.side === 'below' ? `<${hi.label}` : `<=${hi.label}`;
    if (loText === null && hiText === null) parts.push('*');
    else if (loText === null) parts.push(hiText!);
    else if (hiText === null) parts.push(loText);
    else if (lo.side === 'below' && hi.side === 'above' && lo.label === hi.label) parts.push(`==${lo.label}`);
    else parts.push(`${loText},${hiText}`);
  }
  return parts.join(' | ');
}

// ---------------------------------------------------------------------------------------------
// Specifier -> set, one operator at a time. The rules mirror src/pep/specifier.ts, which matches
// pypa/packaging: `<V` stops below V's pre-releases unless V is one, `>V` skips V's post-releases
// and local versions, `==V` and `<=V` include V's local versions, `~=` and `==V.*` are prefixes.

/** "199" -> "200", exact for any length. */
function incrementDigits(digits: string): string {
  let i = digits.length - 1;
  while (i >= 0 && digits[i] === '9') i--;
  if (i < 0) return '1' + '0'.repeat(digits.length);
  return digits.slice(0, i) + String.fromCharCode(digits.charCodeAt(i) + 1) + '0'.repeat(digits.length - i - 1);
}

function splitRelease(version: Version): { epoch: string; release: string[] } {
  const base = version.baseVersion;
  const bang = base.indexOf('!');
  return { epoch: bang < 0 ? '' : base.slice(0, bang + 1), release: base.slice(bang + 1).split('.') };
}

/** The first version after every version whose release starts with `prefix`: [1, 2] -> 1.3.dev0. */
function afterPrefix(epoch: string, prefix: readonly string[]): Version {
  const bumped = [...prefix.slice(0, -1), incrementDigits(prefix[prefix.length - 1] ?? '0')];
  return new Version(`${epoch}${bumped.join('.')}.dev0`);
}

function interval(lo: Cut, hi: Cut): VersionRange {
  return compareCuts(lo, hi) >= 0 ? VersionRange.EMPTY : new VersionRange([lo, hi]);
}

function convertSpecifier(spec: Specifier): VersionRange {
  const op = spec.operator;
  const text = spec.version;
  if (op === '===') {
    // Arbitrary equality compares strings; among parsed versions the closest is the one version.
    const v = Version.tryParse(text);
    return v === null || v.toString().toLowerCase() !== text.toLowerCase() ? VersionRange.EMPTY : VersionRange.exactly(v);
  }
  if ((op === '==' || op === '!=') && text.endsWith('.*')) {
    const prefix = new Version(text.slice(0, -2));
    const { epoch, release } = splitRelease(prefix);
    const lo = new Version(`${prefix.toString()}.dev0`);
    const hi = afterPrefix(epoch, release);
    const label = `${prefix.toString()}.*`;
    const range = interval(
      { key: lo.sortKey, after: false, label, side: 'below' },
      { key: hi.sortKey, after: false, label, side: 'above' },
    );
    return op === '==' ? range : range.complement();
  }
  const v = new Version(text);
  switch (op) {
    case '==':
    case '!=': {
      const range = v.local !== null ? VersionRange.exactly(v) : interval(below(v), aboveFamily(v));
      return op === '==' ? range : range.complement();
    }
    case '>=':
      return interval(below(v), POS);
    case '<=':
      return interval(NEG, aboveFamily(v));
    case '<': {
      const bound = v.isPrerelease ? v : new Version(`${v.toString()}.dev0`);
      return interval(NEG, below(bound, v.toString()));
    }
    case '>': {
      const normal = v.toString();
      let start: Version;
      if (v.dev !== null) {
        const at = normal.lastIndexOf('.dev');
        start = new Version(`${normal.slice(0, at)}.dev${incrementDigits(normal.slice(at + 4))}`);
      } else if (v.post !== null) {
        const at = normal.lastIndexOf('.post');
        start = new Version(`${normal.slice(0, at)}.post${incrementDigits(normal.slice(at + 5))}.dev0`);
      } else {
        return interval({ key: prefixEnd(v.postFamilyKey), after: false, label: normal, side: 'above' }, POS);
      }
      return interval({ key: start.sortKey, after: false, label: normal, side: 'above' }, POS);
    }
    case '~=': {
      const { epoch, release } = splitRelease(v);
      const hi = afterPrefix(epoch, release.slice(0, -1));
      const label = `${epoch}${[...release.slice(0, -2), incrementDigits(release[release.length - 2] ?? '0')].join('.')}`;
      return interval(below(v), { key: hi.sortKey, after: false, label, side: 'below' });
    }
  }
}
