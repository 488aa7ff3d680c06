// Policy evaluation: weighs the statements about each node of a graph against a policy and returns
// a verdict per node and for the graph, with the contributions, what is missing and every
// statement set aside with its reason. Pure and deterministic: `now` is passed in, nothing is read
// from the clock or the disk. Fails closed.
//
// A node's evaluation runs in named steps (evaluateNode), one module each under evaluation/:
// gather the statements about the release (gather.ts: PEP 440 version equality, sha256, version
// ranges of flags), screen them (screen.ts: signer, retired keys, retractions, supersession, time,
// file binding), find the flags (vetoes.ts), weigh the rest through the levels (levels.ts: each
// identity once, delegation capped per party member; delta audits in delta.ts), add the index and
// source parties (parties.ts), decide the vetoes and their overrides, then reach the verdict
// (verdict.ts). What the steps share is in run.ts.

import type { Statement } from '../attest/types.js';
import { PyvouchError } from '../errors.js';
import type { Artifact, Graph, GraphNode } from '../graph/graph.js';
import { applyClosure } from './closure.js';
import { cmp } from './order.js';
import type { IndexParty, Policy } from './policy.js';
import type { NodeReport, PolicyReport } from './report.js';
import { indexStatements, isStatementIndex, type StatementIndex } from './statements.js';
import type { CooldownInputs } from './cooldown.js';
import { gather, nodeContext } from './evaluation/gather.js';
import { weigh } from './evaluation/levels.js';
import { indexParties, sourceParties } from './evaluation/parties.js';
import { EvaluationRun, type NodeState } from './evaluation/run.js';
import { screen } from './evaluation/screen.js';
import { verdict } from './evaluation/verdict.js';
import { flags as findFlags, vetoes } from './evaluation/vetoes.js';

export interface EvaluateOptions {
  /** The moment to evaluate at: expiry, max-age and exemptions are judged against it. */
  now: Date;
  /**
   * Statements whose envelope did not verify (e.g. a store row whose signature no longer covers
   * it): they never count, and the node they are about lists them as set aside.
   */
  rejected?: readonly { statement: Pick<Statement, 'id' | 'agent' | 'kind' | 'package'>; message?: string }[];
  /** Upload times, trusted advisories and earlier versions for the release-age cooldown. */
  cooldown?: CooldownInputs;
  /**
   * What the index parties' indexes are known to serve (src/app/index-confirm.ts). With it, an
   * index party counts only for files the index confirms, and a lock that does not record a file's
   * index is taken to mean the party's index (noted). Without it the caller vouches that every
   * locked file came from the index it names (`serve`, which fetched them from upstream itself).
   */
  indexCheck?: IndexCheck;
}

/** Whether an index is known to serve a locked file. */
export interface IndexCheck {
  /** Why `party`'s index is not known to serve `artifact` of `node`, or undefined when it is. */
  refusal(node: GraphNode, artifact: Artifact, party: IndexParty): string | undefined;
}

/**
 * Evaluates every node of `graph`. Pass `indexStatements(statements)` instead of the array when
 * evaluating more than once: indexing is the costly part.
 */
/** A report's counts: nodes by verdict, and those failing through a dependency. */
export function countVerdicts(nodes: readonly NodeReport[]): PolicyReport['counts'] {
  const counts = { nodes: nodes.length, pass: 0, fail: 0, exempt: 0, closureFail: 0 };
  for (const n of nodes) {
    counts[n.verdict]++;
    if (n.closure === 'fail') counts.closureFail++;
  }
  return counts;
}

export function evaluatePolicy(
  graph: Graph,
  statements: readonly Statement[] | StatementIndex,
  policy: Policy,
  opts: EvaluateOptions,
): PolicyReport {
  const now = opts.now.getTime();
  if (Number.isNaN(now)) throw new PyvouchError('USAGE', 'policy evaluation needs a valid `now` date');
  const index = isStatementIndex(statements) ? statements : indexStatements(statements);
  const run = new EvaluationRun(policy, index, now, opts.rejected ?? [], opts.cooldown ?? {}, opts.indexCheck);
  const nodes = [...graph.nodes].sort((a, b) => cmp(a.name, b.name) || cmp(a.version, b.version)).map((n) => evaluateNode(run, n));
  applyClosure(graph, nodes);
  const counts = countVerdicts(nodes);
  return {
    passed: counts.fail === 0,
    evaluatedAt: opts.now.toISOString(),
    threshold: policy.threshold,
    criteria: [...policy.criteria],
    counts,
    nodes,
  };
}

/** One node, step by step: each step reads the node's context and writes into its state. */
function evaluateNode(run: EvaluationRun, node: GraphNode): NodeReport {
  const ctx = nodeContext(run, node);
  const state: NodeState = {
    setAside: [],
    notes: [],
    vetoes: [],
    overridden: [],
    contributions: [],
    vouchers: new Map(),
    unboundCount: 0,
    unknownCount: 0,
    total: 0,
  };
  const { web: identityItems, source: sourceItems } = gather(run, ctx, state);
  const usable = screen(run, ctx, identityItems, state);
  const flags = findFlags(run, usable);
  weigh(run, ctx, usable.filter((u) => u.item.statement.kind !== 'flag'), state);
  indexParties(run, ctx, state);
  sourceParties(run, ctx, sourceItems, flags, state);
  vetoes(run, ctx, flags, usable, state);
  return verdict(run, ctx, state);
}
