// The releases of one project that the resolver may choose from, after the packaging rules that
// depend on what was asked: pre-releases (PEP 440), yanked releases (PEP 592) and Requires-Python
// (PEP 345/503). Two rule sets are offered:
//  - 'pip': pre-releases when any requirement on the project names one or matches nothing but
//    pre-releases; a yanked release when some requirement pins it with == or ===; Requires-Python
//    checked in full (pip's own behaviour).
//  - 'uv': only the user's requirements and constraints opt into pre-releases and yanked pins, a
//    project with no final release at all allows its pre-releases, and only the lower bound of
//    Requires-Python counts (uv's behaviour, which astral-sh/packse scenarios encode).

import type { SpecifierSet } from '../pep/specifier.js';
import { SpecifierSet as Specifiers } from '../pep/specifier.js';
import type { Version } from '../pep/version.js';
import type { CandidateVersion } from './provider.js';
import { VersionRange } from './ranges.js';

export type ResolverRules = 'pip' | 'uv';

export interface UniverseRules {
  rules: ResolverRules;
  /** Accept pre-releases everywhere (pip's --pre). */
  prereleases: boolean;
  /** The target's python_full_version. */
  python: Version;
}

export interface ExcludedVersion {
  readonly version: Version;
  readonly why: 'pre-release' | 'yanked';
}

/** Whether a specifier set pins one version (pip's `is_pinned`: `===`, or `==` without `.*`). */
function isPinned(spec: SpecifierSet): boolean {
  for (const s of spec) {
    if (s.operator === '===') return true;
    if (s.operator === '==' && !s.version.endsWith('.*')) return true;
  }
  return false;
}

const requiresPythonCache = new Map<string, VersionRange | null>();

/** The versions of Python a Requires-Python value admits; null when it does not parse. */
export function requiresPythonRange(text: string): VersionRange | null {
  let range = requiresPythonCache.get(text);
  if (range === undefined) {
    try {
      range = VersionRange.fromSpecifierSet(new Specifiers(text));
    } catch {
      range = null;
    }
    requiresPythonCache.set(text, range);
  }
  return range;
}

/** Whether the target Python satisfies `requiresPython` under the rules. */
export function pythonAllows(requiresPython: string | undefined, rules: UniverseRules): boolean {
  if (requiresPython === undefined || requiresPython.trim() === '') return true;
  const range = requiresPythonRange(requiresPython);
  // pip ignores a Requires-Python it cannot parse (and warns); so do we.
  if (range === null) return true;
  if (rules.rules === 'pip') return range.contains(rules.python);
  // Upper bounds are dropped: everything from the lowest admitted version up.
  const first = range.cuts[0];
  if (first === undefined) return false;
  return first.after ? rules.python.sortKey > first.key : rules.python.sortKey >= first.key;
}

export class ProjectUniverse {
  /** Every release, oldest first. */
  readonly versions: readonly CandidateVersion[];
  /** Their sort keys, in the same order. */
  readonly keys: readonly string[];
  /** Why each release cannot be used on the target (no fitting file, Requires-Python), or null. */
  readonly unusable: readonly (string | null)[];
  /** Indexes of the releases the rules allow, oldest first, and their keys. */
  #allowed: number[] = [];
  #allowedKeys: string[] = [];
  #prereleasesOptIn = false;
  readonly #yankPins = new Set<string>();
  readonly #specs: SpecifierSet[] = [];
  readonly #specTexts = new Set<string>();
  /** Set once the solver has recorded "no versions" from this list: widening it then needs a restart. */
  saidNoVersions = false;

  constructor(
    readonly name: string,
    versions: readonly CandidateVersion[],
    readonly rules: UniverseRules,
  ) {
    const sorted = [...versions].sort((a, b) => (a.version.sortKey < b.version.sortKey ? -1 : a.version.sortKey > b.version.sortKey ? 1 : 0));
    // An index may list one version under two spellings (1.0 and 1.0.0): keep the first.
    const unique: CandidateVersion[] = [];
    for (const v of sorted) if (unique.length === 0 || unique[unique.length - 1]!.version.sortKey !== v.version.sortKey) unique.push(v);
    this.versions = unique;
    this.keys = unique.map((v) => v.version.sortKey);
    this.unusable = unique.map((v) => {
      if (v.unusable !== undefined) return v.unusable;
      if (!pythonAllows(v.requiresPython, rules)) return `requires Python ${v.requiresPython!}`;
      return null;
    });
    this.#recompute();
  }

  get allowedKeys(): readonly string[] {
    return this.#allowedKeys;
  }

  /** Indexes (into `versions`) of the releases the rules allow, oldest first. */
  get allowedIndexes(): readonly number[] {
    return this.#allowed;
  }

  /**
   * Records a requirement on this project that may opt into pre-releases or a yanked pin.
   * Returns true when the allowed list grew.
   */
  addSpecifier(spec: SpecifierSet): boolean {
    const text = spec.toString();
    if (this.#specTexts.has(text)) return false;
    this.#specTexts.add(text);
    this.#specs.push(spec);
    const before = this.#allowed.length;
    this.#recompute();
    return this.#allowed.length > before;
  }

  #usableFinalExists(): boolean {
    for (let i = 0; i < this.versions.length; i++) {
      const v = this.versions[i]!;
      if (this.unusable[i] === null && v.yanked === false && !v.version.isPrerelease) return true;
    }
    return false;
  }

  #recompute(): void {
    const rules = this.rules;
    let optIn = this.#prereleasesOptIn || rules.prereleases || this.#specs.some((s) => s.prereleases === true);
    if (!optIn) {
      if (rules.rules === 'uv') optIn = !this.#usableFinalExists();
      else optIn = this.#specs.some((s) => this.#onlyPrereleasesMatch(s)) || (this.#specs.length === 0 && !this.#usableFinalExists());
    }
    // Once allowed, always allowed: facts learned with the smaller list stay true of the larger.
    this.#prereleasesOptIn = optIn;
    for (const s of this.#specs) {
      if (!isPinned(s)) continue;
      for (let i = 0; i < this.versions.length; i++) {
        const v = this.versions[i]!;
        if (v.yanked !== false && s.contains(v.version, { prereleases: true })) this.#yankPins.add(this.keys[i]!);
      }
    }
    const allowed: number[] = [];
    for (let i = 0; i < this.versions.length; i++) {
      const v = this.versions[i]!;
      if (v.version.isPrerelease && !optIn) continue;
      if (v.yanked !== false && !this.#yankPins.has(this.keys[i]!)) continue;
      allowed.push(i);
    }
    this.#allowed = allowed;
    this.#allowedKeys = allowed.map((i) => this.keys[i]!);
  }

  /** pip's fallback: a specifier no usable final release satisfies lets pre-releases in. */
  #onlyPrereleasesMatch(spec: SpecifierSet): boolean {
    const range = VersionRange.fromSpecifierSet(spec);
    let pre = false;
    for (let i = 0; i < this.versions.length; i++) {
      const v = this.versions[i]!;
      if (this.unusable[i] !== null || v.yanked !== false || !range.containsKey(this.keys[i]!)) continue;
      if (!v.version.isPrerelease) return false;
      pre = true;
    }
    return pre;
  }

  /** How many allowed releases lie in `range`. */
  countIn(range: VersionRange): number {
    const keys = this.#allowedKeys;
    let count = 0;
    const cuts = range.cuts;
    for (let i = 0; i < cuts.length; i += 2) count += lowerIndex(keys, cuts[i + 1]!) - lowerIndex(keys, cuts[i]!);
    return count;
  }

  /** Index (into `versions`) of the newest allowed release in `range`, or -1. */
  newestIn(range: VersionRange): number {
    const keys = this.#allowedKeys;
    const cuts = range.cuts;
    for (let i = cuts.length - 2; i >= 0; i -= 2) {
      const lo = lowerIndex(keys, cuts[i]!);
      const hi = lowerIndex(keys, cuts[i + 1]!);
      if (hi > lo) return this.#allowed[hi - 1]!;
    }
    return -1;
  }

  /** Index of the release with this key, or -1. */
  indexOf(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.keys[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.keys.length && this.keys[lo] === key ? lo : -1;
  }

  /**
   * The range that stands for release `index` in facts about it: `==v` with its local variants
   * when the index has none of them (reads as `a==1.0`), else exactly `v`.
   */
  releaseRange(index: number): VersionRange {
    const version = this.versions[index]!.version;
    const key = this.keys[index]!;
    const next = this.keys[index + 1];
    if (version.local === null && (next === undefined || !next.startsWith(key))) return VersionRange.equalTo(version);
    return VersionRange.exactly(version);
  }

  /**
   * A range holding releases `lo`..`hi` (consecutive in `versions`) and no other release; open
   * ended where the run reaches the oldest or newest release, as pub writes such facts.
   */
  spanRange(lo: number, hi: number): VersionRange {
    const last = this.versions.length - 1;
    if (lo === hi && lo !== 0 && hi !== last) return this.releaseRange(lo);
    return VersionRange.between(
      lo === 0 ? null : this.versions[lo]!.version,
      hi === last ? null : this.versions[hi + 1]!.version,
    );
  }

  /**
   * The smallest range around release `index` that holds it and its neighbours sharing the same
   * reason to be unusable, and no other release: one fact covers them all, as pub does.
   */
  unusableRun(index: number): VersionRange {
    const reason = this.unusable[index];
    let lo = index;
    let hi = index;
    while (lo > 0 && this.unusable[lo - 1] === reason) lo--;
    while (hi < this.versions.length - 1 && this.unusable[hi + 1] === reason) hi++;
    return this.spanRange(lo, hi);
  }

  /** Releases in `range` that the rules keep out, for hints in an explanation. */
  excludedIn(range: VersionRange): ExcludedVersion[] {
    const out: ExcludedVersion[] = [];
    for (let i = 0; i < this.versions.length; i++) {
      const v = this.versions[i]!;
      if (!range.containsKey(this.keys[i]!)) continue;
      if (v.version.isPrerelease && !this.#prereleasesOptIn) out.push({ version: v.version, why: 'pre-release' });
      else if (v.yanked !== false && !this.#yankPins.has(this.keys[i]!)) out.push({ version: v.version, why: 'yanked' });
    }
    return out;
  }
}

/** Number of keys below `cut`. */
function lowerIndex(keys: readonly string[], cut: { key: string; after: boolean }): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const k = keys[mid]!;
    if (cut.after ? k <= cut.key : k < cut.key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
