// Joins what an sdist's metadata build used to the trust graph: how its metadata was obtained for
// the target (issue 20) on its node, and its build requirements (PEP 518) as build-only nodes
// reached through `kind: 'build'` edges, so `check` holds the code that ran at build time to the
// policy like the code that gets installed. Pure.

import { describeMetadataBuild } from '../artifact/target-env.js';
import type { GraphDiagnostic, GraphEdge, GraphNode } from '../graph/graph.js';
import { Requirement } from '../pep/requirement.js';
import type { CandidateDependencies } from './provider.js';

/**
 * Adds build information and build edges to the nodes of a resolution, in place. `edgeKeys` holds
 * the JSON of every edge in `edges` (solutionToGraph's set); the caller sorts the edges afterwards.
 */
export function attachBuilds(
  nodes: GraphNode[],
  edges: GraphEdge[],
  edgeKeys: Set<string>,
  diagnostics: GraphDiagnostic[],
  metadataOf: (name: string) => CandidateDependencies | undefined,
): void {
  const key = (n: { name: string; version: string }): string => `${n.name}@${n.version}`;
  const present = new Map(nodes.map((n) => [key(n), n] as const));
  const before = nodes.length;
  const addEdge = (edge: GraphEdge): void => {
    const k = JSON.stringify(edge);
    if (!edgeKeys.has(k)) {
      edgeKeys.add(k);
      edges.push(edge);
    }
  };
  for (const node of [...nodes]) {
    const meta = metadataOf(node.name);
    if (meta?.build === undefined) continue;
    const info = meta.build;
    node.metadataBuild = {
      mode: info.mode,
      how: describeMetadataBuild(info),
      interpreter: { ...info.interpreter },
      backend: info.backend,
      emulated: [...info.emulated],
      requiresDist: [...info.requiresDist],
      buildRequires: [...info.buildRequires],
    };
    const build = meta.buildRequirements;
    if (build?.graph === undefined) continue;
    for (const b of build.graph.nodes) {
      if (present.has(key(b))) continue;
      const other = nodes.find((n) => n.name === b.name);
      if (other !== undefined) {
        diagnostics.push({
          level: 'warning',
          message: `${b.name} ${b.version} builds ${node.name} while ${other.version} is installed: both are checked`,
        });
      }
      const added: GraphNode = { ...b, buildOnly: true, notes: [...(b.notes ?? []), `build requirement (PEP 518), not installed`] };
      delete added.metadataBuild;
      nodes.push(added);
      present.set(key(added), added);
    }
    for (const text of build.requires) {
      const req = safeRequirement(text);
      if (req === undefined || !build.graph.roots.includes(req.canonicalName)) continue;
      addEdge({
        from: node.name,
        to: req.canonicalName,
        specifier: req.specifier.toString(),
        marker: req.marker === null ? null : req.marker.toString(),
        extras: req.canonicalExtras,
        kind: 'build',
      });
    }
    for (const e of build.graph.edges) addEdge({ ...e, kind: 'build' });
  }
  // The resolution's nodes come in name order; only added build nodes need placing.
  if (nodes.length > before) nodes.sort((a, b) => (a.name === b.name ? (a.version < b.version ? -1 : 1) : a.name < b.name ? -1 : 1));
}

function safeRequirement(text: string): Requirement | undefined {
  try {
    return new Requirement(text);
  } catch {
    return undefined;
  }
}
