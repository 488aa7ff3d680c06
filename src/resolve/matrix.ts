// `--matrix`: the same requirements resolved for several target environments (OS × Python), and
// a report of what differs between them: releases that some targets get and others do not (or
// get in another version), and dependency edges that exist only on some (markers at work).

import { isPyvouchError, type PyvouchError } from '../errors.js';
import type { Graph, TargetDescription } from '../graph/graph.js';
import { parseTarget, targetLabel } from '../pep/environment.js';
import type { Requirement } from '../pep/requirement.js';
import { comparePlatformDependence, type PlatformDependence } from './dynamic-targets.js';
import type { ResolverProvider } from './provider.js';
import { resolve, type ResolveOptions } from './resolve.js';

export interface MatrixEntry {
  /** e.g. `cpython3.12-linux-x86_64`. */
  readonly label: string;
  readonly target: TargetDescription;
  readonly graph?: Graph;
  /** Set when this target has no solution (RESOLUTION_IMPOSSIBLE) or failed otherwise. */
  readonly error?: PyvouchError;
}

export interface NodeDifference {
  readonly name: string;
  /** The version each target chose, null where the project is not installed; by label. */
  readonly versions: Readonly<Record<string, string | null>>;
}

export interface EdgeDifference {
  readonly from: string;
  readonly to: string;
  /** Labels of the targets whose graph has the edge. */
  readonly present: readonly string[];
  /** Labels of the solved targets whose graph lacks it. */
  readonly absent: readonly string[];
}

export interface MatrixReport {
  readonly entries: readonly MatrixEntry[];
  /** Projects whose presence or version is not the same on every solved target, by name. */
  readonly nodes: readonly NodeDifference[];
  readonly edges: readonly EdgeDifference[];
  /** How many projects and edges every solved target shares, same version included. */
  readonly common: { readonly nodes: number; readonly edges: number };
  /** sdists whose built metadata differs between targets (dynamic-targets.ts). */
  readonly platformDependent: readonly PlatformDependence[];
}

/** Linux, macOS and Windows on x86_64 (arm64 for macOS) for CPython 3.9 to 3.13. */
export function defaultMatrix(): TargetDescription[] {
  const out: TargetDescription[] = [];
  for (const platform of ['linux', 'macos', 'windows']) {
    for (const python of ['3.9', '3.10', '3.11', '3.12', '3.13']) {
      out.push(parseTarget({ python, platform, machine: platform === 'macos' ? 'arm64' : 'x86_64', implementation: 'cpython' }));
    }
  }
  return out;
}

/**
 * Resolves `requirements` for every target; `providerFor` gives the provider of one target (they
 * may share an index and its cache). A target without a solution is reported, not thrown.
 */
export async function resolveMatrix(
  requirements: readonly Requirement[],
  providerFor: (target: TargetDescription) => ResolverProvider,
  targets: readonly TargetDescription[],
  opts: Omit<ResolveOptions, 'target'> = {},
): Promise<MatrixReport> {
  const entries: MatrixEntry[] = await Promise.all(
    targets.map(async (raw): Promise<MatrixEntry> => {
      const target = parseTarget(raw);
      const label = targetLabel(target);
      try {
        return { label, target, graph: await resolve(requirements, providerFor(target), { ...opts, target }) };
      } catch (err) {
        if (isPyvouchError(err)) return { label, target, error: err };
        throw err;
      }
    }),
  );
  return compareGraphs(entries);
}

/** The differences between the solved entries' graphs. */
export function compareGraphs(entries: readonly MatrixEntry[]): MatrixReport {
  const solved = entries.filter((e): e is MatrixEntry & { graph: Graph } => e.graph !== undefined);
  const names = new Set<string>();
  const edgeKeys = new Map<string, { from: string; to: string }>();
  for (const e of solved) {
    for (const n of e.graph.nodes) names.add(n.name);
    for (const edge of e.graph.edges) edgeKeys.set(`${edge.from}\u0000${edge.to}`, { from: edge.from, to: edge.to });
  }
  const nodes: NodeDifference[] = [];
  let commonNodes = 0;
  for (const name of [...names].sort()) {
    const versions: Record<string, string | null> = {};
    for (const e of solved) versions[e.label] = e.graph.nodes.find((n) => n.name === name)?.version ?? null;
    const distinct = new Set(Object.values(versions));
    if (distinct.size === 1 && !distinct.has(null)) commonNodes++;
    else nodes.push({ name, versions });
  }
  const edges: EdgeDifference[] = [];
  let commonEdges = 0;
  for (const [key, { from, to }] of [...edgeKeys].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const present: string[] = [];
    const absent: string[] = [];
    for (const e of solved) {
      const has = e.graph.edges.some((edge) => `${edge.from}\u0000${edge.to}` === key);
      (has ? present : absent).push(e.label);
    }
    if (absent.length === 0) commonEdges++;
    else edges.push({ from, to, present, absent });
  }
  return { entries, nodes, edges, common: { nodes: commonNodes, edges: commonEdges }, platformDependent: comparePlatformDependence(entries) };
}
