// Turns a solution into the shared Graph: one node per chosen release with the files that would be
// installed and how its metadata was learned, one edge per requirement that applies on the target
// (PEP 508 markers, with `extra` set for the extras that were chosen).

import type { Graph, GraphDiagnostic, GraphEdge, GraphNode, TargetDescription } from '../graph/graph.js';
import type { MarkerEnvironment } from '../pep/marker.js';
import type { Requirement } from '../pep/requirement.js';
import type { Version } from '../pep/version.js';
import type { ResolverProvider } from './provider.js';
import { attachBuilds } from './build-graph.js';
import { markerHolds } from './markers.js';
import type { Solution } from './solver.js';

export interface GraphInput {
  solution: Solution;
  requirements: readonly Requirement[];
  provider: ResolverProvider;
  target: TargetDescription;
  environment: MarkerEnvironment;
  diagnostics?: GraphDiagnostic[];
}

export async function solutionToGraph(input: GraphInput): Promise<Graph> {
  const { solution, provider, environment: env } = input;
  const versions = new Map<string, Version>();
  const extras = new Map<string, Set<string>>();
  for (const [id, version] of solution.chosen) {
    const pkg = solution.packages.get(id);
    if (pkg.kind === 'project') versions.set(pkg.name, version);
    else if (pkg.kind === 'extra') {
      let set = extras.get(pkg.name);
      if (set === undefined) extras.set(pkg.name, (set = new Set()));
      set.add(pkg.extra!);
    }
  }
  const diagnostics: GraphDiagnostic[] = [...(input.diagnostics ?? [])];
  const names = [...versions.keys()].sort();
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const seenEdges = new Set<string>();
  const addEdge = (from: string, req: Requirement): void => {
    const to = req.canonicalName;
    if (to === from || !versions.has(to)) return;
    const edge: GraphEdge = {
      from,
      to,
      specifier: req.specifier.toString(),
      marker: req.marker === null ? null : req.marker.toString(),
      extras: req.canonicalExtras,
    };
    const key = JSON.stringify(edge);
    if (seenEdges.has(key)) return;
    seenEdges.add(key);
    edges.push(edge);
  };

  const artifacts = await Promise.all(names.map((name) => provider.artifacts(name, versions.get(name)!)));
  names.forEach((name, i) => {
    const meta = solution.metadata.get(name);
    const chosenExtras = [...(extras.get(name) ?? [])].sort();
    const node: GraphNode = {
      name,
      version: versions.get(name)!.toString(),
      artifacts: artifacts[i]!,
      source: { kind: 'registry' },
      metadata: meta?.metadata ?? 'unknown',
    };
    if (chosenExtras.length > 0) node.extras = chosenExtras;
    const notes: string[] = [];
    if (meta?.metadata === 'built' && meta.how !== undefined) notes.push(`metadata obtained by running its build backend: ${meta.how}`);
    if (notes.length > 0) node.notes = notes;
    const index = artifacts[i]![0]?.index;
    if (index !== undefined) node.source = { kind: 'registry', location: index };
    nodes.push(node);
    if (meta === undefined) return;
    for (const extra of chosenExtras) {
      if (meta.providesExtra !== undefined && !meta.providesExtra.includes(extra)) {
        diagnostics.push({ level: 'warning', message: `${name} ${node.version} does not provide the extra '${extra}'` });
      }
    }
    for (const req of meta.requires) {
      if (markerHolds(req, env, '')) addEdge(name, req);
      else if (chosenExtras.some((extra) => markerHolds(req, env, extra))) addEdge(name, req);
    }
  });

  attachBuilds(nodes, edges, seenEdges, diagnostics, (name) => solution.metadata.get(name));

  const roots: string[] = [];
  for (const req of input.requirements) {
    if (!markerHolds(req, env, '')) continue;
    const name = req.canonicalName;
    if (versions.has(name) && !roots.includes(name)) roots.push(name);
  }
  edges.sort((a, b) => (a.from === b.from ? (a.to < b.to ? -1 : a.to > b.to ? 1 : 0) : a.from < b.from ? -1 : 1));
  return {
    source: { format: 'resolver' },
    environment: input.target,
    roots,
    nodes,
    edges,
    edgesKnown: true,
    diagnostics,
  };
}
