// The prune use case (cargo-vet's `prune`): which [[exemption]] entries of a policy are no longer
// needed, because the release left the lock or now passes on its own reviews. No I/O beyond the
// statement sources it is given.
import type { Statement } from '../attest/types.js';
import type { Graph } from '../graph/graph.js';
import { evaluatePolicy } from '../trust/evaluate.js';
import type { Policy } from '../trust/policy.js';
import { gatherStatements, type SetAside, type StatementSource } from './sources.js';

export interface PruneDecision {
  name: string;
  version: string;
  why: 'gone' | 'passes';
}

/**
 * The exemptions that can go. `locked` holds the `name==version` keys in the lock (on any target);
 * an exemption is kept when its release is locked and fails without it, or when a counted delta
 * review builds on its version (even after that version left the lock).
 */
export function unneededExemptions(
  graph: Graph,
  statements: readonly Statement[],
  policy: Policy,
  locked: ReadonlySet<string> | ReadonlyMap<string, unknown>,
  now: Date,
): PruneDecision[] {
  // The exemption is waived for this evaluation: does the release pass without it?
  const without: Policy = { ...policy, exemptions: [] };
  const report = evaluatePolicy(graph, statements, without, { now });
  const passes = new Set(report.nodes.filter((n) => n.verdict === 'pass').map((n) => `${n.name}==${n.version}`));
  // A baselined version that a counted delta review builds on stays, even when it left the lock.
  const bases = new Set<string>();
  for (const n of evaluatePolicy(graph, statements, policy, { now }).nodes) {
    for (const c of n.contributions) for (const v of c.delta?.chain ?? []) bases.add(`${n.name}==${v}`);
  }
  const decisions: PruneDecision[] = [];
  const seen = new Set<string>();
  for (const ex of policy.exemptions) {
    const key = `${ex.name}==${ex.version}`;
    if (seen.has(key) || bases.has(key)) continue;
    seen.add(key);
    if (!locked.has(key)) decisions.push({ name: ex.name, version: ex.version, why: 'gone' });
    else if (passes.has(key)) decisions.push({ name: ex.name, version: ex.version, why: 'passes' });
  }
  return decisions;
}

export interface PruneInput {
  /** The lock's releases on every common target (`lockedReleases`). */
  locked: { graph: Graph; nodes: ReadonlyMap<string, unknown> };
  sources: readonly StatementSource[];
  policy: Policy;
  now: Date;
}

/** Gathers the statements about the locked releases and decides which exemptions can go. */
export async function pruneExemptions(input: PruneInput): Promise<{ decisions: PruneDecision[]; setAside: SetAside[] }> {
  const { graph, nodes } = input.locked;
  const gathered = await gatherStatements(input.sources, graph.nodes.map((n) => n.name));
  return { decisions: unneededExemptions(graph, gathered.statements, input.policy, nodes, input.now), setAside: gathered.setAside };
}
