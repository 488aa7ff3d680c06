// Notices platform-dependent setup.py (issue 20): when an sdist's metadata was built for several
// targets, differing Requires-Dist answers make its node `platform-dependent`; each target's graph
// keeps its own answer and the report lists which targets differ and how. Pure.

import type { Graph } from '../graph/graph.js';

export interface PlatformDependence {
  readonly name: string;
  readonly version: string;
  /** Requires-Dist the build answered on each target (before markers), by target label. */
  readonly requiresDist: Readonly<Record<string, readonly string[]>>;
}

/**
 * Compares the built answers of every node across the solved targets; marks differing nodes in
 * each graph (`metadataBuild.platformDependent`) and returns them, by name.
 */
export function comparePlatformDependence(entries: readonly { label: string; graph?: Graph }[]): PlatformDependence[] {
  const byNode = new Map<string, Map<string, string[]>>();
  for (const e of entries) {
    for (const n of e.graph?.nodes ?? []) {
      if (n.metadataBuild === undefined) continue;
      const key = `${n.name}\u0000${n.version}`;
      let answers = byNode.get(key);
      if (answers === undefined) byNode.set(key, (answers = new Map<string, string[]>()));
      answers.set(e.label, [...n.metadataBuild.requiresDist].sort());
    }
  }
  const out: PlatformDependence[] = [];
  for (const [key, answers] of [...byNode].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const distinct = new Set([...answers.values()].map((deps) => JSON.stringify(deps)));
    if (distinct.size < 2) continue;
    const [name = '', version = ''] = key.split('\u0000');
    const requiresDist = Object.fromEntries(answers);
    out.push({ name, version, requiresDist });
    for (const e of entries) {
      const node = e.graph?.nodes.find((n) => n.name === name && n.version === version);
      if (node?.metadataBuild !== undefined) node.metadataBuild.platformDependent = { ...requiresDist };
    }
  }
  return out;
}
