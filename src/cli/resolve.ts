// `pyvouch resolve REQ... [-r FILE]`: build the dependency graph from loose requirements against
// one or more indexes (or local directories) for a target environment, the way pip would; print it,
// write it as a pylock.toml, or compare it across a matrix of environments.
import { readFileSync } from 'node:fs';
import { join, resolve as resolvePath } from 'node:path';
import { isPyvouchError, PyvouchError } from '../errors.js';
import type { Graph, TargetDescription } from '../graph/graph.js';
import { openIndex } from '../simple/open.js';
import { createProgress } from './progress.js';
import type { PackageIndex } from '../simple/types.js';
import { markerEnvironmentFor, parseTarget, targetLabel } from '../pep/environment.js';
import { Requirement } from '../pep/requirement.js';
import { SpecifierSet } from '../pep/specifier.js';
import { graphToJson, renderGraphText } from '../render/graph.js';
import { IndexProvider } from '../resolve/index-provider.js';
import type { PlatformDependence } from '../resolve/dynamic-targets.js';
import { defaultMatrix, resolveMatrix, type MatrixReport } from '../resolve/matrix.js';
import { resolve } from '../resolve/resolve.js';
import type { ResolverRules } from '../resolve/universe.js';
import { makeSink, paint, parseFormat } from './output.js';
import { pyvouchDirs } from './paths.js';
import { namesTarget, refuseSelection, targetFromOptions } from './target.js';
import { addResolveOptions, DEFAULT_INDEX, type ResolveInputOptions } from './resolve-options.js';

export { addResolveOptions, type ResolveInputOptions };

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    throw new PyvouchError('IO', `cannot read ${path}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : String(err)}`, { file: path, cause: err });
  }
}

function parseRequirement(text: string, where: string): Requirement {
  try {
    return new Requirement(text);
  } catch (err) {
    throw err instanceof PyvouchError ? err.at({ file: where }) : err;
  }
}

interface ResolveInputs {
  requirements: Requirement[];
  constraints: Requirement[];
  indexes: string[];
  label: string;
}

/** Requirements from the command line and -r files, constraints from -c files, and the indexes. */
export async function gatherInputs(args: readonly string[], opts: ResolveInputOptions, target: TargetDescription): Promise<ResolveInputs> {
  // Loose requirements have no project whose extras or groups an option could choose: refuse, never ignore.
  refuseSelection(opts, 'resolving requirements (-r)');
  // The requirements-file reader (and the TOML parser under it) loads only when there are files to read.
  const { readRequirementsInput } = opts.requirement !== undefined || opts.constraint !== undefined ? await import('../lock/requirements.js') : { readRequirementsInput: undefined };
  const requirements = args.map((a) => parseRequirement(a, 'command line'));
  const constraints: Requirement[] = [];
  const fileIndexes: string[] = [];
  for (const file of opts.requirement ?? []) {
    const input = readRequirementsInput!(readText(file), file, target, readText);
    for (const r of input.requirements) {
      if (r.editable) throw new PyvouchError('USAGE', `${r.file}:${r.line}: editable requirement '${r.text}' cannot be resolved from an index`, { file: r.file, line: r.line });
      requirements.push(parseRequirement(r.text, `${r.file}:${r.line}`));
    }
    for (const c of input.constraints) constraints.push(parseRequirement(c.text, `${c.file}:${c.line}`));
    if (input.indexUrl !== undefined) fileIndexes.push(input.indexUrl);
    fileIndexes.push(...input.extraIndexUrls);
  }
  for (const file of opts.constraint ?? []) {
    const input = readRequirementsInput!(readText(file), file, target, readText);
    for (const c of [...input.requirements, ...input.constraints]) constraints.push(parseRequirement(c.text, `${c.file}:${c.line}`));
  }
  if (requirements.length === 0) {
    throw new PyvouchError('USAGE', 'nothing to resolve', { help: 'name requirements (pyvouch resolve "requests>=2") or a file with -r requirements.in' });
  }
  const indexes = opts.index ?? (fileIndexes.length > 0 ? fileIndexes : [DEFAULT_INDEX]);
  return { requirements, constraints, indexes, label: opts.requirement?.join(', ') ?? args.join(' ') };
}

export function openIndexes(locations: readonly string[], opts: ResolveInputOptions, progress = createProgress()): PackageIndex[] {
  return locations.map((loc) =>
    openIndex(/^[a-z][a-z0-9+.-]*:\/\//i.test(loc) ? loc : resolvePath(loc), {
      progress,
      ...(opts.cache === false ? {} : { cacheDir: join(pyvouchDirs().cache, 'index') }),
    }),
  );
}

/** Built sdist metadata is cached on disk by (sdist sha256, target, interpreter), unless --no-cache. */
export function sdistBuildOptions(opts: ResolveInputOptions): { sdist?: { cacheDir: string } } {
  return opts.cache === false ? {} : { sdist: { cacheDir: join(pyvouchDirs().cache, 'built-metadata') } };
}

function rulesOf(opts: ResolveInputOptions): ResolverRules {
  if (opts.rules === undefined || opts.rules === 'pip' || opts.rules === 'uv') return (opts.rules ?? 'pip');
  throw new PyvouchError('USAGE', `unknown rules '${opts.rules}'`, { help: 'use --rules pip or --rules uv' });
}

/** Resolves the inputs for one target into the shared Graph (RESOLUTION_IMPOSSIBLE otherwise). */
export async function resolveGraph(args: readonly string[], opts: ResolveInputOptions): Promise<Graph> {
  const target = targetFromOptions(opts);
  const inputs = await gatherInputs(args, opts, target);
  const progress = createProgress();
  progress.step('resolve');
  try {
    const provider = new IndexProvider(openIndexes(inputs.indexes, opts, progress), { target, build: opts.build !== false, ...sdistBuildOptions(opts) });
    const graph = await resolve(inputs.requirements, provider, {
      target,
      constraints: inputs.constraints,
      rules: rulesOf(opts),
      ...(opts.pre === true ? { prereleases: true } : {}),
    });
    return { ...graph, source: { format: 'resolver', path: inputs.label } };
  } finally {
    progress.stop();
  }
}

/** One target's resolution for `check -r --all-targets` / `--matrix`. */
export interface ResolvedTarget {
  label: string;
  target: TargetDescription;
  graph: Graph;
}

/**
 * `check -r FILE --all-targets` / `--matrix`: the requirements resolved for each target, with the
 * requirement lines whose markers exclude a target left out for it (each target reads the files
 * on its own). The indexes, their caches and the build environments are shared. A target where no
 * set of releases satisfies the requirements is not checked, and `excluded` says why; every other
 * failure (network, index, build) fails the whole check.
 */
export async function resolveTargetGraphs(
  opts: ResolveInputOptions,
  targets: readonly TargetDescription[],
): Promise<{ graphs: ResolvedTarget[]; excluded: { label: string; reason: string }[] }> {
  const first = targets[0];
  if (first === undefined) throw new Error('internal: no targets to resolve for');
  const perTarget = await Promise.all(targets.map(async (target) => ({ target, inputs: await gatherInputs([], opts, target) })));
  const progress = createProgress();
  progress.step(`resolve for ${targets.length} targets`);
  const indexes = openIndexes(perTarget[0]!.inputs.indexes, opts, progress);
  const buildEnvironments = new (await import('../resolve/build-deps.js')).BuildEnvironments({ indexes });
  try {
    const outcomes = await Promise.all(
      perTarget.map(async ({ target, inputs }): Promise<ResolvedTarget | { label: string; reason: string }> => {
        const label = targetLabel(target);
        const provider = new IndexProvider(indexes, { target, build: opts.build !== false, buildEnvironments, ...sdistBuildOptions(opts) });
        try {
          const graph = await resolve(inputs.requirements, provider, {
            target,
            constraints: inputs.constraints,
            rules: rulesOf(opts),
            ...(opts.pre === true ? { prereleases: true } : {}),
          });
          return { label, target, graph: { ...graph, source: { format: 'resolver', path: inputs.label } } };
        } catch (err) {
          if (isPyvouchError(err) && err.code === 'RESOLUTION_IMPOSSIBLE') {
            return { label, reason: `no set of releases satisfies the requirements there: ${err.message.split('\n').slice(1).join(' ').trim() || err.message}` };
          }
          throw err;
        }
      }),
    );
    const graphs: ResolvedTarget[] = [];
    const excluded: { label: string; reason: string }[] = [];
    for (const o of outcomes) {
      if ('graph' in o) graphs.push(o);
      else excluded.push(o);
    }
    return { graphs, excluded };
  } finally {
    progress.stop();
  }
}

export interface ResolveCommandOptions extends ResolveInputOptions {
  format: string;
  output?: string;
  matrix?: boolean | string;
  universal?: boolean;
  requiresPython?: string;
}

/** `linux:3.12,windows:3.9:AMD64` → targets; `true` (no value) → the default matrix. */
function matrixTargets(spec: boolean | string): TargetDescription[] {
  if (spec === true) return defaultMatrix();
  return String(spec)
    .split(',')
    .map((item) => {
      const [platform, python, machine] = item.trim().split(':');
      return parseTarget({ ...(platform ? { platform } : {}), ...(python ? { python } : {}), ...(machine ? { machine } : {}) });
    });
}

/** The `resolve` command's work, loaded on demand by its registration in resolve-options.ts. */
export async function runResolve(args: string[], opts: ResolveCommandOptions): Promise<number> {
  if (opts.universal === true) return resolveUniversalCommand(args, opts);
  if (opts.requiresPython !== undefined) throw new PyvouchError('USAGE', '--requires-python applies to --universal', { help: 'add --universal, or name one target with --python' });
  if (opts.matrix !== undefined && opts.matrix !== false) return resolveMatrixCommand(args, opts);
  const format = parseFormat(opts.format, ['text', 'json', 'pylock' as never]);
  const graph = await resolveGraph(args, opts);
  const sink = makeSink(opts.output);
  const env = markerEnvironmentFor(graph.environment);
  if (format === 'json') sink.write(`${JSON.stringify(graphToJson(graph, env as unknown as Record<string, string>), null, 2)}\n`);
  else if ((format as string) === 'pylock') sink.write((await import('../lock/pylock-write.js')).writePylock(graph, env));
  else sink.write(renderGraphText(graph, sink.color));
  sink.flush();
  return 0;
}

/** `resolve --universal`: every environment at once; text, JSON or a universal pylock.toml. */
async function resolveUniversalCommand(args: string[], opts: ResolveCommandOptions): Promise<number> {
  const format = parseFormat(opts.format, ['text', 'json', 'pylock' as never]);
  if (namesTarget(opts) || (opts.matrix !== undefined && opts.matrix !== false)) {
    throw new PyvouchError('USAGE', '--universal resolves for every environment: give it, or --python/--platform/--machine/--implementation/--matrix, not both', {
      help: 'narrow the Python versions with --requires-python ">=3.10"',
    });
  }
  if (opts.requiresPython !== undefined) {
    try {
      new SpecifierSet(opts.requiresPython);
    } catch (err) {
      throw err instanceof PyvouchError ? err.at({ path: '--requires-python' }) : err;
    }
  }
  const { resolveUniversal } = await import('../resolve/universal.js');
  const { universalPackages, universalReleases, writeUniversalPylock } = await import('../resolve/universal-lock.js');
  // -r files are read with the default target's markers for their own `; marker` lines.
  const inputs = await gatherInputs(args, opts, targetFromOptions({}));
  const progress = createProgress();
  progress.step('resolve for every environment');
  const indexes = openIndexes(inputs.indexes, opts, progress);
  // One set of build environments for every environment: build requirements are fetched and unpacked once.
  const buildEnvironments = new (await import('../resolve/build-deps.js')).BuildEnvironments({ indexes });
  const resolution = await resolveUniversal(inputs.requirements, (target) => new IndexProvider(indexes, { target, build: opts.build !== false, buildEnvironments, ...sdistBuildOptions(opts) }), {
    constraints: inputs.constraints,
    rules: rulesOf(opts),
    ...(opts.pre === true ? { prereleases: true } : {}),
    ...(opts.requiresPython === undefined ? {} : { requiresPython: opts.requiresPython }),
  }).finally(() => progress.stop());
  const sink = makeSink(opts.output);
  const packages = universalPackages(resolution);
  const dependenceOf = (p: { name: string; version: string }): PlatformDependence | undefined =>
    resolution.platformDependent.find((d) => d.name === p.name && d.version === p.version);
  const labels = resolution.forks.map((f) => f.label);
  if ((format as string) === 'pylock') sink.write(writeUniversalPylock(resolution));
  else if (format === 'json') {
    const json = {
      environments: labels,
      ...(resolution.requiresPython === undefined ? {} : { requiresPython: resolution.requiresPython }),
      packages: packages.map((p) => {
        const dependent = dependenceOf(p);
        return { name: p.name, version: p.version, marker: p.marker, targets: p.targets, dependencies: p.dependencies, artifacts: p.artifacts, ...(dependent === undefined ? {} : { platformDependent: dependent.requiresDist }) };
      }),
      platformDependent: resolution.platformDependent,
    };
    sink.write(`${JSON.stringify(json, null, 2)}\n`);
  } else {
    const c = sink.color;
    const releases = universalReleases(resolution);
    const lines = [
      `${paint(c, 'bold', `Universal resolution: ${releases.length} releases for ${labels.length} environments`)} (${resolution.implementations.join(', ')} ${resolution.pythons[0]} to ${resolution.pythons[resolution.pythons.length - 1]}; ${resolution.machines.map(([p, m]) => `${p} ${m}`).join(', ')})`,
    ];
    for (const p of releases) {
      const dependent = dependenceOf(p) === undefined ? '' : ` ${paint(c, 'yellow', '(platform-dependent)')}`;
      lines.push(`  ${p.name} ${p.version}${dependent}${p.marker === null ? '' : paint(c, 'gray', ` ; ${p.marker}`)}`);
    }
    lines.push(...platformDependenceLines(resolution.platformDependent, c));
    sink.write(`${lines.join('\n')}\n`);
  }
  sink.flush();
  return 0;
}

async function resolveMatrixCommand(args: string[], opts: ResolveCommandOptions): Promise<number> {
  const format = parseFormat(opts.format, ['text', 'json']);
  const targets = matrixTargets(opts.matrix!);
  const inputs = await gatherInputs(args, opts, targets[0]!);
  const progress = createProgress();
  progress.step(`resolve for ${targets.length} targets`);
  const indexes = openIndexes(inputs.indexes, opts, progress);
  // One set of build environments for every target: build requirements are fetched and unpacked once.
  const buildEnvironments = new (await import('../resolve/build-deps.js')).BuildEnvironments({ indexes });
  const report = await resolveMatrix(inputs.requirements, (target) => new IndexProvider(indexes, { target, build: opts.build !== false, buildEnvironments, ...sdistBuildOptions(opts) }), targets, {
    constraints: inputs.constraints,
    rules: rulesOf(opts),
    ...(opts.pre === true ? { prereleases: true } : {}),
  }).finally(() => progress.stop());
  const sink = makeSink(opts.output);
  if (format === 'json') {
    sink.write(`${JSON.stringify(report, (key, value: unknown) => (key === 'graph' ? undefined : value instanceof Error ? { code: (value as PyvouchError).code, message: value.message } : value), 2)}\n`);
  } else {
    const c = sink.color;
    const lines: string[] = [];
    for (const e of report.entries) {
      lines.push(e.graph !== undefined ? `${paint(c, 'green', '✓')} ${e.label}: ${e.graph.nodes.length} packages` : `${paint(c, 'red', '✗')} ${e.label}: ${e.error?.message.split('\n')[0] ?? 'no solution'}`);
    }
    if (report.nodes.length > 0) {
      lines.push('', paint(c, 'bold', 'Packages that differ:'));
      for (const d of report.nodes) lines.push(`  ${d.name}: ${Object.entries(d.versions).map(([label, v]) => `${label}=${v ?? '-'}`).join('  ')}`);
    }
    if (report.edges.length > 0) {
      lines.push('', paint(c, 'bold', 'Edges that differ:'));
      for (const d of report.edges) lines.push(`  ${d.from} -> ${d.to}: only on ${d.present.join(', ')}`);
    }
    lines.push(...platformDependenceLines(report.platformDependent, c));
    lines.push('', ...matrixSummary(report));
    sink.write(`${lines.join('\n')}\n`);
  }
  sink.flush();
  const solved = report.entries.filter((e) => e.graph !== undefined).length;
  // No target solved: nothing was compared, an input problem (2); some failed: a finding (1).
  return solved === report.entries.length ? 0 : solved === 0 ? 2 : 1;
}

/** The report's section on sdists whose build answered differently per target (issue 20). */
function platformDependenceLines(dependent: readonly PlatformDependence[], c: boolean): string[] {
  if (dependent.length === 0) return [];
  const lines = ['', paint(c, 'bold', 'Platform-dependent sdists (their build answered differently per target):')];
  for (const d of dependent) {
    lines.push(`  ${d.name} ${d.version}: ${paint(c, 'yellow', 'platform-dependent')}`);
    for (const [label, deps] of Object.entries(d.requiresDist)) lines.push(`    ${label}: ${deps.length === 0 ? '(none)' : deps.join(', ')}`);
  }
  return lines;
}

/** The closing lines of a matrix report: never "the same graph" unless two graphs were compared. */
function matrixSummary(report: MatrixReport): string[] {
  const failed = report.entries.filter((e) => e.graph === undefined);
  const solved = report.entries.length - failed.length;
  const failures = (): string[] => {
    // Each distinct failure once, in full (the resolver's explanation), with the targets it hit.
    const byMessage = new Map<string, string[]>();
    for (const e of failed) {
      const message = e.error === undefined ? 'no solution' : `error[${e.error.code}]: ${e.error.message}`;
      byMessage.set(message, [...(byMessage.get(message) ?? []), e.label]);
    }
    return [...byMessage].flatMap(([message, labels]) => [`On ${labels.join(', ')}:`, ...message.split('\n').map((l) => `  ${l}`)]);
  };
  if (solved === 0) return [`No target could be resolved (${failed.length} of ${report.entries.length} failed):`, ...failures()];
  const out: string[] = [];
  if (report.nodes.length === 0 && report.edges.length === 0) {
    out.push(solved === 1 ? 'Only one target was resolved: nothing to compare.' : `The same graph on every resolved target (${solved}).`);
  }
  if (failed.length > 0) out.push(`${failed.length} of ${report.entries.length} targets failed:`, ...failures());
  return out;
}

