// The resolver's entry point: requirements (PEP 508) and constraints for one target environment,
// answered from a provider, to the shared Graph, or a RESOLUTION_IMPOSSIBLE error whose message is
// the PubGrub derivation in sentences.

import { PyvouchError } from '../errors.js';
import type { Graph, TargetDescription } from '../graph/graph.js';
import { markerEnvironmentFor, parseTarget } from '../pep/environment.js';
import type { Requirement } from '../pep/requirement.js';
import { Version } from '../pep/version.js';
import { explainFailure, formatExplanation, type Explanation } from './explain.js';
import { solutionToGraph } from './graph.js';
import type { ResolverProvider } from './provider.js';
import { NoSolution, Solver, type SolverStats } from './solver.js';
import type { ResolverRules } from './universe.js';

export interface ResolveOptions {
  target: TargetDescription;
  /** Constraints (`-c` files): they limit versions of projects that get required, adding none. */
  constraints?: readonly Requirement[];
  /** Accept pre-releases of every project (pip's --pre). */
  prereleases?: boolean;
  /**
   * Whose packaging rules to follow where installers differ: 'pip' (default) lets any requirement
   * opt into pre-releases and yanked pins and checks Requires-Python in full; 'uv' lets only the
   * user's own requirements opt in and ignores Requires-Python upper bounds.
   */
  rules?: ResolverRules;
}

/** RESOLUTION_IMPOSSIBLE with the derivation as data, for renderers other than plain text. */
export class ResolutionImpossibleError extends PyvouchError {
  constructor(
    message: string,
    readonly explanation: Explanation,
    help: string,
  ) {
    super('RESOLUTION_IMPOSSIBLE', message, { help });
  }
}

export interface ResolveResult {
  graph: Graph;
  stats: SolverStats;
}

/**
 * Resolves `requirements` for `opts.target`. Returns the graph (source `{ format: 'resolver' }`):
 * nodes carry their chosen files (with sha256 when the index gives it) and `metadata: 'static' |
 * 'built'`. Throws ResolutionImpossibleError (code RESOLUTION_IMPOSSIBLE) when no set of releases
 * satisfies them, with the reason as numbered sentences.
 */
export async function resolve(requirements: readonly Requirement[], provider: ResolverProvider, opts: ResolveOptions): Promise<Graph> {
  return (await resolveWithStats(requirements, provider, opts)).graph;
}

export async function resolveWithStats(
  requirements: readonly Requirement[],
  provider: ResolverProvider,
  opts: ResolveOptions,
): Promise<ResolveResult> {
  const target = parseTarget(opts.target);
  const environment = markerEnvironmentFor(target);
  const rules = opts.rules ?? 'pip';
  const solver = new Solver({
    requirements,
    constraints: opts.constraints ?? [],
    provider,
    environment,
    rules: { rules, prereleases: opts.prereleases ?? false, python: new Version(environment.python_full_version) },
  });
  let solution;
  try {
    solution = await solver.solve();
  } catch (err) {
    if (!(err instanceof NoSolution)) throw err;
    const explanation = explainFailure(err.incompatibility, { universe: (name) => solver.universe(name), rules });
    const where = `${target.implementation} ${target.python} on ${target.platform} ${target.machine}`;
    throw new ResolutionImpossibleError(
      `No set of releases satisfies the requirements for ${where}:\n${formatExplanation(explanation)}`,
      explanation,
      'loosen or drop the conflicting requirements named above, or resolve for another --python / --platform',
    );
  }
  const graph = await solutionToGraph({ solution, requirements, provider, target, environment });
  return { graph, stats: solution.stats };
}
