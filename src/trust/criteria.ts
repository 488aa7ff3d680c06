// Criteria implication: a statement meeting `safe-to-deploy` also meets everything it implies,
// transitively. Closures are computed once per policy; implication cycles are harmless.

import type { CriteriaDefinition } from './policy.js';

export class CriteriaTable {
  private readonly closures = new Map<string, ReadonlySet<string>>();

  constructor(private readonly definitions: ReadonlyMap<string, CriteriaDefinition>) {}

  /** The criteria `name` implies, itself included. Unknown names imply only themselves. */
  closure(name: string): ReadonlySet<string> {
    const cached = this.closures.get(name);
    if (cached !== undefined) return cached;
    const seen = new Set<string>([name]);
    const stack = [name];
    while (stack.length > 0) {
      const cur = stack.pop()!;
      for (const next of this.definitions.get(cur)?.implies ?? []) {
        if (!seen.has(next)) {
          seen.add(next);
          stack.push(next);
        }
      }
    }
    this.closures.set(name, seen);
    return seen;
  }

  /** Whether statements claiming `met` satisfy every one of `needed`. */
  satisfies(met: readonly string[], needed: readonly string[]): boolean {
    if (needed.length === 0) return true;
    if (met.length === 0) return false;
    for (const want of needed) {
      let ok = false;
      for (const have of met) {
        if (have === want || this.closure(have).has(want)) {
          ok = true;
          break;
        }
      }
      if (!ok) return false;
    }
    return true;
  }
}

/** A stable key for a set of criteria, for caches. */
export function criteriaKey(criteria: readonly string[]): string {
  return [...new Set(criteria)].sort().join('\u0000');
}
