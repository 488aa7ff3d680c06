// PubGrub's vocabulary (Natalie Weizenbaum, "PubGrub: next-generation version solving"): packages,
// terms (a statement "P is selected with a version in S", or its negation) and incompatibilities
// (sets of terms that cannot all hold). Python extras are virtual packages `name[extra]` whose
// version v depends on `name==v`, so choosing an extra pins its project.

import type { Requirement } from '../pep/requirement.js';
import type { VersionRange } from './ranges.js';

export interface Package {
  readonly id: number;
  readonly kind: 'root' | 'project' | 'extra';
  /** Canonical project name; '' for the root. */
  readonly name: string;
  /** Normalised extra name of a virtual extra package. */
  readonly extra: string | null;
  /** How a person reads it: `requests`, `requests[socks]`. */
  readonly display: string;
}

/** Interns packages so that identity comparison and numeric ids work everywhere. */
export class PackageTable {
  readonly root: Package = { id: 0, kind: 'root', name: '', extra: null, display: 'your requirements' };
  readonly #byKey = new Map<string, Package>();
  readonly #all: Package[] = [this.root];

  project(name: string): Package {
    return this.#intern(name, null);
  }

  extra(name: string, extra: string): Package {
    return this.#intern(name, extra);
  }

  get(id: number): Package {
    return this.#all[id]!;
  }

  get size(): number {
    return this.#all.length;
  }

  #intern(name: string, extra: string | null): Package {
    const key = extra === null ? name : `${name}[${extra}]`;
    let pkg = this.#byKey.get(key);
    if (pkg === undefined) {
      pkg = { id: this.#all.length, kind: extra === null ? 'project' : 'extra', name, extra, display: key };
      this.#all.push(pkg);
      this.#byKey.set(key, pkg);
    }
    return pkg;
  }
}

/**
 * A positive term holds when the package is selected with a version in `range`; a negative term
 * holds when it is not selected at all or selected outside `range`.
 */
export interface Term {
  readonly pkg: Package;
  readonly positive: boolean;
  readonly range: VersionRange;
}

export function term(pkg: Package, range: VersionRange, positive = true): Term {
  return { pkg, positive, range };
}

export function negate(t: Term): Term {
  return { pkg: t.pkg, positive: !t.positive, range: t.range };
}

/** Both terms hold (same package). */
export function intersectTerms(a: Term, b: Term): Term {
  if (a.positive && b.positive) return term(a.pkg, a.range.intersect(b.range));
  if (a.positive) return term(a.pkg, a.range.minus(b.range));
  if (b.positive) return term(a.pkg, b.range.minus(a.range));
  return term(a.pkg, a.range.union(b.range), false);
}

/** Whenever `a` holds, `b` holds. */
export function termSatisfies(a: Term, b: Term): boolean {
  if (a.positive) return b.positive ? a.range.isSubsetOf(b.range) : a.range.isDisjointFrom(b.range);
  // A negative term allows "not selected", which no positive term allows.
  return !b.positive && b.range.isSubsetOf(a.range);
}

/** `a` and `b` cannot both hold. */
export function termContradicts(a: Term, b: Term): boolean {
  if (a.positive && b.positive) return a.range.isDisjointFrom(b.range);
  if (a.positive) return a.range.isSubsetOf(b.range);
  if (b.positive) return b.range.isSubsetOf(a.range);
  return false;
}

/** Why an incompatibility holds: an external fact, or two earlier incompatibilities. */
export type Cause =
  /** `{not root}`: the root must be selected. */
  | { readonly kind: 'root' }
  /** `{P in V, not D in R}`: P (or the root) requires D. */
  | { readonly kind: 'dependency'; readonly requirement: Requirement | null }
  /** `{P in R}`: the index offers no allowed version of P in R. */
  | { readonly kind: 'no-versions' }
  /** `{P in V}`: these releases cannot be installed on the target; `reason` finishes "P==1.0 …". */
  | { readonly kind: 'unusable'; readonly reason: string }
  /** `{P in V}`: these releases need another Python. */
  | { readonly kind: 'requires-python'; readonly requiresPython: string; readonly python: string }
  /** `{D outside C}`: a constraints file limits D to C. */
  | { readonly kind: 'constraint'; readonly requirement: Requirement }
  | { readonly kind: 'derived'; readonly left: Incompatibility; readonly right: Incompatibility };

let nextId = 0;

export class Incompatibility {
  readonly id = nextId++;

  private constructor(
    readonly terms: readonly Term[],
    readonly cause: Cause,
  ) {}

  /**
   * Normalises `terms`: one term per package (intersected), terms that always hold dropped, and
   * for derived facts the root's positive term dropped (the root is always selected). Returns null
   * when some term can never hold, as such an incompatibility says nothing.
   */
  static of(terms: readonly Term[], cause: Cause): Incompatibility | null {
    const merged = new Map<number, Term>();
    for (const t of terms) {
      const seen = merged.get(t.pkg.id);
      merged.set(t.pkg.id, seen === undefined ? t : intersectTerms(seen, t));
    }
    const out: Term[] = [];
    for (const t of merged.values()) {
      if (t.positive && t.range.isEmpty()) return null;
      if (!t.positive && t.range.isEmpty()) continue;
      out.push(t);
    }
    if (cause.kind === 'derived' && out.length > 1) {
      const withoutRoot = out.filter((t) => !(t.positive && t.pkg.kind === 'root'));
      return new Incompatibility(withoutRoot, cause);
    }
    return new Incompatibility(out, cause);
  }

  /** No solution exists: nothing can hold, or the root itself cannot be selected. */
  isTerminal(): boolean {
    if (this.terms.length === 0) return true;
    const only = this.terms[0]!;
    return this.terms.length === 1 && only.positive && only.pkg.kind === 'root';
  }

  toString(): string {
    return `{${this.terms.map((t) => `${t.positive ? '' : 'not '}${t.pkg.display} ${t.range.toString()}`).join(', ')}}`;
  }
}
