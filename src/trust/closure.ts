// Closure verdicts: a node is only as good as everything it depends on. Pure.

import type { Graph } from '../graph/graph.js';
import type { NodeReport } from './report.js';

/**
 * The closure verdict of every node: the worst over the node and all it depends on. Two
 * breadth-first walks up the reverse edges, from the failing and from the exempt nodes; each node
 * learns its nearest such dependency and the path to it. Cycles are safe (visited sets).
 */
export function applyClosure(graph: Graph, nodes: NodeReport[]): void {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const parents = new Map<string, string[]>();
  for (const e of graph.edges) {
    if (!byName.has(e.from) || !byName.has(e.to) || e.from === e.to) continue;
    let list = parents.get(e.to);
    if (list === undefined) parents.set(e.to, (list = []));
    list.push(e.from);
  }
  for (const list of parents.values()) list.sort();
  const reached = new Set<string>();
  for (const worst of ['fail', 'exempt'] as const) {
    const next = new Map<string, string | null>();
    const queue: string[] = [];
    for (const n of nodes) {
      if (n.verdict === worst && !reached.has(n.name)) {
        next.set(n.name, null);
        queue.push(n.name);
      }
    }
    for (let i = 0; i < queue.length; i++) {
      for (const p of parents.get(queue[i]!) ?? []) {
        if (next.has(p) || reached.has(p)) continue;
        next.set(p, queue[i]!);
        queue.push(p);
      }
    }
    for (const [name, hop] of next) {
      reached.add(name);
      const report = byName.get(name)!;
      report.closure = worst;
      if (hop !== null) {
        const path = [name];
        for (let cur: string | null | undefined = hop; cur != null; cur = next.get(cur)) path.push(cur);
        report.closurePath = path;
      }
    }
  }
}
