// PubGrub's partial solution: the chronological list of decisions (a package pinned to a version)
// and derivations (terms implied by incompatibilities), with per-package running intersections so
// that "does the solution so far satisfy this term?" is one set comparison.

import type { Version } from '../pep/version.js';
import {
  type Incompatibility,
  type Package,
  type Term,
  intersectTerms,
  termContradicts,
  termSatisfies,
} from './incompatibility.js';

export interface Assignment {
  readonly pkg: Package;
  readonly term: Term;
  /** Number of decisions (the root's included) made at or before this assignment. */
  readonly level: number;
  /** The incompatibility this was derived from; null for a decision. */
  readonly cause: Incompatibility | null;
  /** Position in the partial solution. */
  readonly index: number;
  /** The intersection of every assignment to this package up to and including this one. */
  readonly accumulated: Term;
}

export type TermRelation = 'satisfied' | 'contradicted' | 'inconclusive';

export class PartialSolution {
  readonly #assignments: Assignment[] = [];
  readonly #byPackage = new Map<number, Assignment[]>();
  readonly #decisions = new Map<number, Version | null>();
  #level = 0;

  get level(): number {
    return this.#level;
  }

  get decisions(): ReadonlyMap<number, Version | null> {
    return this.#decisions;
  }

  isDecided(pkg: Package): boolean {
    return this.#decisions.has(pkg.id);
  }

  /** The intersection of the assignments to `pkg`, or undefined when there are none. */
  accumulated(pkg: Package): Term | undefined {
    const list = this.#byPackage.get(pkg.id);
    return list === undefined || list.length === 0 ? undefined : list[list.length - 1]!.accumulated;
  }

  /**
   * Packages whose assignments changed since the last `drainTouched()`: the solver re-scores only
   * these instead of every package at every decision.
   */
  readonly #touched = new Set<Package>();

  drainTouched(): Package[] {
    const out = [...this.#touched];
    this.#touched.clear();
    return out;
  }

  /** Whether `pkg` must be selected (a positive assignment) and has no version yet. */
  isPending(pkg: Package): boolean {
    const acc = this.accumulated(pkg);
    return acc !== undefined && acc.positive && !this.#decisions.has(pkg.id);
  }

  decide(pkg: Package, version: Version | null, term: Term): void {
    this.#level++;
    this.#decisions.set(pkg.id, version);
    this.#push(pkg, term, null);
  }

  derive(term: Term, cause: Incompatibility): void {
    this.#push(term.pkg, term, cause);
  }

  #push(pkg: Package, term: Term, cause: Incompatibility | null): void {
    let list = this.#byPackage.get(pkg.id);
    if (list === undefined) this.#byPackage.set(pkg.id, (list = []));
    const previous = list[list.length - 1];
    const accumulated = previous === undefined ? term : intersectTerms(previous.accumulated, term);
    const assignment: Assignment = { pkg, term, level: this.#level, cause, index: this.#assignments.length, accumulated };
    list.push(assignment);
    this.#assignments.push(assignment);
    this.#touched.add(pkg);
  }

  /** Removes every assignment made after decision level `level`. */
  backtrack(level: number): void {
    const assignments = this.#assignments;
    while (assignments.length > 0 && assignments[assignments.length - 1]!.level > level) {
      const a = assignments.pop()!;
      this.#byPackage.get(a.pkg.id)!.pop();
      this.#touched.add(a.pkg);
      if (a.cause === null) this.#decisions.delete(a.pkg.id);
    }
    this.#level = level;
  }

  relation(t: Term): TermRelation {
    const acc = this.accumulated(t.pkg);
    if (acc === undefined) return 'inconclusive';
    if (termSatisfies(acc, t)) return 'satisfied';
    if (termContradicts(acc, t)) return 'contradicted';
    return 'inconclusive';
  }

  /** The earliest assignment after which the solution satisfies `t`. */
  satisfier(t: Term): Assignment {
    const list = this.#byPackage.get(t.pkg.id) ?? [];
    for (const a of list) if (termSatisfies(a.accumulated, t)) return a;
    throw new Error(`internal: no assignment satisfies ${t.pkg.display} ${t.range.toString()}`);
  }

  /**
   * The earliest assignment to `satisfier`'s package before it that, together with `satisfier`,
   * satisfies `t`; undefined when `satisfier` does so alone.
   */
  previousSatisfier(t: Term, satisfier: Assignment): Assignment | undefined {
    if (termSatisfies(satisfier.term, t)) return undefined;
    const list = this.#byPackage.get(t.pkg.id) ?? [];
    for (const a of list) {
      if (a.index >= satisfier.index) break;
      if (termSatisfies(intersectTerms(a.accumulated, satisfier.term), t)) return a;
    }
    return undefined;
  }
}
