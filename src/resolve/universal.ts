// Universal resolution (`pyvouch resolve --universal`): one answer for every environment the
// project supports, as uv's universal lock gives. The environments are split into cells where the
// markers (PEP 508) and Requires-Python (PEP 345) that matter could diverge: each machine we build
// for, each Python minor version the project's requires-python admits, every patch boundary a
// marker names, and PyPy when a marker asks about the implementation. Each cell is resolved as a
// single target, so every environment's graph is exactly what a single-target resolve gives; where
// the cells' answers differ the result forks, and universal-lock.ts writes the forks' markers.

import { PyvouchError, isPyvouchError } from '../errors.js';
import type { Graph, TargetDescription } from '../graph/graph.js';
import { COMMON_MACHINES, COMMON_PYTHONS, parseTarget, targetLabel } from '../pep/environment.js';
import type { MarkerNode } from '../pep/marker.js';
import type { Requirement } from '../pep/requirement.js';
import { SpecifierSet } from '../pep/specifier.js';
import { Version } from '../pep/version.js';
import { comparePlatformDependence, type PlatformDependence } from './dynamic-targets.js';
import type { ResolverProvider } from './provider.js';
import { resolve, ResolutionImpossibleError, type ResolveOptions } from './resolve.js';


export interface UniversalOptions extends Omit<ResolveOptions, 'target'> {
  /** The project's requires-python: environments outside it are not resolved for. */
  requiresPython?: string;
  machines?: readonly (readonly [string, string])[];
  pythons?: readonly string[];
}

export interface Fork {
  readonly label: string;
  readonly target: TargetDescription;
  readonly graph: Graph;
}

export interface UniversalResolution {
  /** Every cell with its graph, in the order of machines, then implementations, then Pythons. */
  readonly forks: readonly Fork[];
  /** The Python points (cell lower bounds), ascending, and the implementations covered. */
  readonly pythons: readonly string[];
  readonly implementations: readonly string[];
  readonly machines: readonly (readonly [string, string])[];
  readonly requiresPython?: string;
  /**
   * The sdists whose build answered differently between environments (issue 20), each with every
   * environment's Requires-Dist; their nodes carry `metadataBuild.platformDependent` too.
   */
  readonly platformDependent: readonly PlatformDependence[];
}

/** Every comparison in a marker tree. */
function* comparisons(node: MarkerNode): Generator<{ variable: string; value: string }> {
  if (node.kind === 'group') {
    for (const item of node.items) yield* comparisons(item);
    return;
  }
  const sides = [node.left, node.right];
  const variable = sides.find((s) => s.kind === 'variable');
  const literal = sides.find((s) => s.kind === 'string');
  if (variable !== undefined && literal !== undefined) yield { variable: variable.name, value: literal.value };
}

/** What a set of markers asks about the Python version and the implementation. */
interface MarkerQuestions {
  pythonPoints: Set<string>;
  implementation: boolean;
}

function collect(requirements: Iterable<Requirement>, into: MarkerQuestions): void {
  for (const r of requirements) {
    if (r.marker === null) continue;
    for (const c of comparisons(r.marker.tree)) {
      if (c.variable === 'implementation_name' || c.variable === 'platform_python_implementation' || c.variable === 'implementation_version') into.implementation = true;
      if (c.variable === 'python_full_version' || c.variable === 'python_version') addPythonPoints(c.value, into.pythonPoints);
    }
  }
}

/** A version a marker or requires-python compares with: the points where answers may change. */
function addPythonPoints(text: string, into: Set<string>): void {
  const m = /^\s*(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (m === null || m[1] !== '3') return;
  if (m[3] === undefined || m[3] === '0') return; // a minor boundary: every minor is a point already
  // `>= 3.10.1` and `== 3.10.1` both split 3.10: the patch named and the one after it.
  into.add(`${m[1]}.${m[2]}.${m[3]}`);
  into.add(`${m[1]}.${m[2]}.${Number(m[3]) + 1}`);
}

function pythonKey(p: string): Version {
  return new Version(p);
}

/**
 * Resolves `requirements` for every cell (see the module comment). `providerFor` gives the
 * provider of one target (they may share an index and its caches). Throws RESOLUTION_IMPOSSIBLE
 * when any cell has no solution: a universal lock must install everywhere it claims to.
 */
export async function resolveUniversal(
  requirements: readonly Requirement[],
  providerFor: (target: TargetDescription) => ResolverProvider,
  opts: UniversalOptions = {},
): Promise<UniversalResolution> {
  const machines = opts.machines ?? COMMON_MACHINES;
  const requires = opts.requiresPython === undefined ? undefined : new SpecifierSet(opts.requiresPython);
  const questions: MarkerQuestions = { pythonPoints: new Set(), implementation: false };
  collect(requirements, questions);
  if (opts.requiresPython !== undefined) for (const s of requires!) addPythonPoints(s.version, questions.pythonPoints);
  const solved = new Map<string, Fork>();
  const baseOptions: Omit<ResolveOptions, 'target'> = {
    ...(opts.constraints === undefined ? {} : { constraints: opts.constraints }),
    ...(opts.prereleases === undefined ? {} : { prereleases: opts.prereleases }),
    ...(opts.rules === undefined ? {} : { rules: opts.rules }),
  };
  // New markers can name new points; resolve again until the cells stop changing.
  for (let round = 0; round < 4; round++) {
    const { pythons, implementations } = cells(opts.pythons ?? COMMON_PYTHONS, questions, requires);
    if (pythons.length === 0) {
      throw new PyvouchError('RESOLUTION_IMPOSSIBLE', `no Python version from ${(opts.pythons ?? COMMON_PYTHONS).join(', ')} satisfies the project's requires-python ${opts.requiresPython ?? ''}`, {
        help: 'check requires-python',
      });
    }
    const targets = machines.flatMap(([platform, machine]) =>
      implementations.flatMap((implementation) => pythons.map((python) => parseTarget({ python, platform, machine, implementation }))),
    );
    const todo = targets.filter((t) => !solved.has(targetLabel(t)));
    if (todo.length === 0) {
      const forks = targets.map((t) => solved.get(targetLabel(t))!);
      return {
        forks,
        pythons,
        implementations,
        machines,
        ...(opts.requiresPython === undefined ? {} : { requiresPython: opts.requiresPython }),
        platformDependent: comparePlatformDependence(forks),
      };
    }
    const failures: { label: string; error: PyvouchError }[] = [];
    await Promise.all(
      todo.map(async (target) => {
        const label = targetLabel(target);
        // Files are chosen per target (wheel tags name the Python), so each has its own provider.
        const provider = providerFor(target);
        try {
          const graph = await resolve(requirements, provider, { ...baseOptions, target });
          solved.set(label, { label, target, graph });
          for (const node of graph.nodes) {
            const deps = await provider.dependencies(node.name, new Version(node.version), node.extras ?? []);
            collect(deps.requires, questions);
            if (deps.requiresPython !== undefined) for (const s of new SpecifierSet(deps.requiresPython)) addPythonPoints(s.version, questions.pythonPoints);
          }
        } catch (err) {
          if (isPyvouchError(err)) failures.push({ label, error: err });
          else throw err;
        }
      }),
    );
    if (failures.length > 0) throw universalFailure(failures);
  }
  throw new PyvouchError('INTERNAL', 'universal resolution did not settle on its environments after 4 rounds');
}

function cells(minors: readonly string[], questions: MarkerQuestions, requires: SpecifierSet | undefined): { pythons: string[]; implementations: string[] } {
  const points = new Set<string>(minors);
  for (const p of questions.pythonPoints) if (minors.some((m) => p.startsWith(`${m}.`))) points.add(p);
  const admitted = (p: string): boolean => requires === undefined || requires.contains(p.split('.').length === 2 ? `${p}.0` : p, { prereleases: true });
  // A minor whose .0 is excluded may still be admitted from a patch on (requires-python >=3.10.1).
  const pythons = [...points].filter(admitted).sort((a, b) => pythonKey(a).compare(pythonKey(b)));
  return { pythons, implementations: questions.implementation ? ['cpython', 'pypy'] : ['cpython'] };
}

function universalFailure(failures: readonly { label: string; error: PyvouchError }[]): PyvouchError {
  failures = [...failures].sort((a, b) => (a.label < b.label ? -1 : 1));
  const first = failures[0]!;
  const labels = failures.map((f) => f.label);
  const message = `No universal resolution: ${labels.length === 1 ? 'one environment has' : `${labels.length} environments have`} no solution (${labels.join(', ')}).\nOn ${first.label}: ${first.error.message}`;
  if (first.error instanceof ResolutionImpossibleError) {
    return new ResolutionImpossibleError(message, first.error.explanation, 'a universal lock must install on every environment it covers: loosen the requirements, or narrow requires-python');
  }
  return new PyvouchError(first.error.code, message, { cause: first.error, help: first.error.help ?? 'resolve for one target (--python/--platform) to see that environment alone' });
}
