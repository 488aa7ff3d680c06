import type { Graph, TargetDescription } from '../../src/graph/graph.js';
import { parseTarget, type TargetInput } from '../../src/pep/environment.js';
import { Requirement } from '../../src/pep/requirement.js';
import { MemoryProvider, type MemoryRelease } from '../../src/resolve/memory-provider.js';
import { resolve, type ResolveOptions } from '../../src/resolve/resolve.js';

export type Index = Record<string, (MemoryRelease | string)[]>;

/** Releases given as a version string are releases with no dependencies. */
export function memory(index: Index, target: TargetDescription, extra: { noBinary?: string[]; onlyBinary?: string[] } = {}): MemoryProvider {
  const projects = Object.fromEntries(
    Object.entries(index).map(([name, releases]) => [name, releases.map((r) => (typeof r === 'string' ? { version: r } : r))]),
  );
  return new MemoryProvider(projects, {
    target,
    ...(extra.noBinary === undefined ? {} : { noBinary: new Set(extra.noBinary) }),
    ...(extra.onlyBinary === undefined ? {} : { onlyBinary: new Set(extra.onlyBinary) }),
  });
}

export function reqs(...lines: string[]): Requirement[] {
  return lines.map((l) => new Requirement(l));
}

export function target(input: TargetInput = {}): TargetDescription {
  return parseTarget(input);
}

export interface SolveCase extends Partial<Omit<ResolveOptions, 'target' | 'constraints'>> {
  target?: TargetInput;
  constraints?: string[];
}

/** Resolves `requirements` against `index` and returns the graph. */
export async function solve(index: Index, requirements: string[], opts: SolveCase = {}): Promise<Graph> {
  const t = target(opts.target);
  const { target: _t, constraints, ...rest } = opts;
  return resolve(reqs(...requirements), memory(index, t), {
    ...rest,
    target: t,
    ...(constraints === undefined ? {} : { constraints: reqs(...constraints) }),
  });
}

/** name -> version of every node. */
export function versions(graph: Graph): Record<string, string> {
  return Object.fromEntries(graph.nodes.map((n) => [n.name, n.version]));
}
