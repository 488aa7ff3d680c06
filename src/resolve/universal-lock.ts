// A universal resolution as one PEP 751 pylock.toml: each package entry (a release with one set of
// dependencies) carries the marker of exactly the environments that install it, `environments`
// names the environments the lock covers (an installer elsewhere must refuse it: fail closed), and
// re-reading the lock for any covered environment gives that environment's resolved graph.

import { stringify } from 'smol-toml';
import { PyvouchError } from '../errors.js';
import type { Artifact, TargetDescription } from '../graph/graph.js';
import { markerEnvironmentFor } from '../pep/environment.js';
import { Marker } from '../pep/marker.js';
import type { Fork, UniversalResolution } from './universal.js';

interface Cell {
  readonly label: string;
  readonly implementation: string;
  /** `sys_platform` and `platform_machine` of the target. */
  readonly platform: string;
  readonly machine: string;
  /** Index of the Python point in `pythons`. */
  readonly python: number;
}

const q = (s: string): string => `'${s}'`;

/** The Python range of cells `from..to` (inclusive) of `pythons`, open at the ends of the lock. */
function pythonRange(pythons: readonly string[], from: number, to: number): string {
  const parts: string[] = [];
  if (from > 0) parts.push(`python_full_version >= ${q(full(pythons[from]!))}`);
  if (to < pythons.length - 1) parts.push(`python_full_version < ${q(full(pythons[to + 1]!))}`);
  return parts.join(' and ');
}

const full = (p: string): string => (p.split('.').length === 2 ? `${p}.0` : p);

/** The upper end of the lock: the minor after the last Python point. */
function pythonCeiling(pythons: readonly string[]): string {
  const [major, minor] = pythons[pythons.length - 1]!.split('.');
  return `${major}.${Number(minor) + 1}.0`;
}

function pythonClause(pythons: readonly string[], indexes: readonly number[]): string {
  if (indexes.length === pythons.length) return '';
  const sorted = [...indexes].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const i of sorted) {
    const last = runs[runs.length - 1];
    if (last !== undefined && last[1] === i - 1) last[1] = i;
    else runs.push([i, i]);
  }
  const terms = runs.map(([a, b]) => pythonRange(pythons, a, b));
  return terms.length === 1 ? terms[0]! : terms.map((t) => `(${t})`).join(' or ');
}

const and = (parts: readonly string[]): string => {
  const kept = parts.filter((p) => p !== '');
  return kept.map((p) => (kept.length > 1 && / or /.test(p) ? `(${p})` : p)).join(' and ');
};

/**
 * A marker true on exactly the cells `chosen` of `all` (null when that is every cell): machines
 * and implementations grouped where they share the same Python ranges. Checked by evaluating it on
 * every cell; should the grouping ever get it wrong, each cell is named in full instead.
 */
export function markerForCells(chosen: readonly Cell[], all: readonly Cell[], pythons: readonly string[], targets: ReadonlyMap<string, TargetDescription>): string | null {
  if (chosen.length === all.length) return null;
  const implementations = new Set(all.map((c) => c.implementation));
  const machinesOf = new Map<string, Set<string>>();
  for (const c of all) machinesOf.set(c.platform, (machinesOf.get(c.platform) ?? new Set()).add(c.machine));
  // (implementation, platform, machine) -> Python indexes; then grouped by their Python clause.
  const byPlace = new Map<string, { cell: Cell; pythons: number[] }>();
  for (const c of chosen) {
    const key = `${c.implementation}|${c.platform}|${c.machine}`;
    const entry = byPlace.get(key) ?? { cell: c, pythons: [] };
    entry.pythons.push(c.python);
    byPlace.set(key, entry);
  }
  const byClause = new Map<string, Cell[]>();
  for (const { cell, pythons: idx } of byPlace.values()) {
    const clause = pythonClause(pythons, idx);
    byClause.set(clause, [...(byClause.get(clause) ?? []), cell]);
  }
  const terms: string[] = [];
  for (const [clause, cells] of byClause) {
    const byImpl = new Map<string, Cell[]>();
    for (const c of cells) byImpl.set(c.implementation, [...(byImpl.get(c.implementation) ?? []), c]);
    const placeTerms = new Map<string, string[]>(); // place clause -> implementations
    for (const [impl, implCells] of byImpl) {
      const platforms = new Map<string, string[]>();
      for (const c of implCells) platforms.set(c.platform, [...(platforms.get(c.platform) ?? []), c.machine]);
      const everyPlatform = platforms.size === machinesOf.size && [...platforms].every(([p, ms]) => ms.length === machinesOf.get(p)!.size);
      const place = everyPlatform
        ? ''
        : [...platforms]
            .flatMap(([p, ms]) => (ms.length === machinesOf.get(p)!.size ? [`sys_platform == ${q(p)}`] : ms.map((m) => `sys_platform == ${q(p)} and platform_machine == ${q(m)}`)))
            .map((t, _i, list) => (list.length > 1 && / and /.test(t) ? `(${t})` : t))
            .join(' or ');
      placeTerms.set(place, [...(placeTerms.get(place) ?? []), impl]);
    }
    for (const [place, impls] of placeTerms) {
      const impl = impls.length === implementations.size ? '' : impls.map((i) => `implementation_name == ${q(i)}`).join(' or ');
      terms.push(and([impl, place, clause]));
    }
  }
  let marker = terms.length === 1 ? terms[0]! : terms.map((t) => (/ and | or /.test(t) ? `(${t})` : t)).join(' or ');
  if (!exact(marker, chosen, all, targets)) {
    marker = chosen.map((c) => `(${identity(targets.get(c.label)!)})`).join(' or ');
  }
  return marker;
}

function identity(target: TargetDescription): string {
  const env = markerEnvironmentFor(target);
  return `implementation_name == ${q(env.implementation_name)} and sys_platform == ${q(env.sys_platform)} and platform_machine == ${q(env.platform_machine)} and python_full_version == ${q(env.python_full_version)}`;
}

function exact(text: string, chosen: readonly Cell[], all: readonly Cell[], targets: ReadonlyMap<string, TargetDescription>): boolean {
  const marker = new Marker(text);
  const inside = new Set(chosen.map((c) => c.label));
  return all.every((c) => marker.evaluate({ ...markerEnvironmentFor(targets.get(c.label)!), extra: '' }) === inside.has(c.label));
}

function cellOf(fork: Fork, pythons: readonly string[]): Cell {
  const env = markerEnvironmentFor(fork.target);
  return { label: fork.label, implementation: env.implementation_name, platform: env.sys_platform, machine: env.platform_machine, python: pythons.indexOf(fork.target.python) };
}

/** The `environments` of the lock: each machine and implementation over the Python range covered. */
export function universalEnvironments(resolution: UniversalResolution): string[] {
  const first = full(resolution.pythons[0]!);
  const ceiling = pythonCeiling(resolution.pythons);
  const seen = new Set<string>();
  const out: string[] = [];
  for (const fork of resolution.forks) {
    const env = markerEnvironmentFor(fork.target);
    const m = `implementation_name == ${q(env.implementation_name)} and sys_platform == ${q(env.sys_platform)} and platform_machine == ${q(env.platform_machine)} and python_full_version >= ${q(first)} and python_full_version < ${q(ceiling)}`;
    if (!seen.has(m)) out.push(m);
    seen.add(m);
  }
  return out;
}

/** One entry of a universal lock: a release with one set of dependencies, and where it installs. */
export interface UniversalPackage {
  readonly name: string;
  readonly version: string;
  /** True on exactly the environments that install this entry; null on every one. */
  readonly marker: string | null;
  /** Labels of the forks (cells) that install it. */
  readonly targets: readonly string[];
  readonly dependencies: readonly { name: string; version: string }[];
  /** Every file any of those environments would install, by file name. */
  readonly artifacts: readonly Artifact[];
}

/**
 * The lock's entries: one per release and dependency set (PEP 751 entries carry no per-edge
 * markers, so a release whose dependencies differ between environments is listed per variant).
 */
export function universalPackages(resolution: UniversalResolution): UniversalPackage[] {
  const { forks, pythons } = resolution;
  const targets = new Map(forks.map((f) => [f.label, f.target]));
  const all = forks.map((f) => cellOf(f, pythons));
  const entries = new Map<string, { name: string; version: string; deps: { name: string; version: string }[]; artifacts: Map<string, Artifact>; cells: Cell[] }>();
  forks.forEach((fork, i) => {
    const versions = new Map(fork.graph.nodes.map((n) => [n.name, n.version]));
    for (const node of fork.graph.nodes) {
      const deps = [...new Set(fork.graph.edges.filter((e) => e.from === node.name).map((e) => e.to))].sort().map((name) => ({ name, version: versions.get(name) ?? '' }));
      const key = JSON.stringify([node.name, node.version, deps]);
      let entry = entries.get(key);
      if (entry === undefined) entries.set(key, (entry = { name: node.name, version: node.version, deps, artifacts: new Map(), cells: [] }));
      for (const a of node.artifacts) entry.artifacts.set(a.filename, a);
      entry.cells.push(all[i]!);
    }
  });
  return [...entries.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : a.version > b.version ? 1 : a.cells[0]!.label < b.cells[0]!.label ? -1 : 1))
    .map((e) => ({
      name: e.name,
      version: e.version,
      marker: markerForCells(e.cells, all, pythons, targets),
      targets: e.cells.map((c) => c.label),
      dependencies: e.deps,
      artifacts: [...e.artifacts.values()].sort((a, b) => (a.filename < b.filename ? -1 : 1)),
    }));
}

export function writeUniversalPylock(resolution: UniversalResolution): string {
  const { forks, pythons } = resolution;
  const packages = universalPackages(resolution).map((e) => {
    const pkg: Record<string, unknown> = { name: e.name, version: e.version };
    if (e.marker !== null) pkg['marker'] = e.marker;
    if (e.dependencies.length > 0) pkg['dependencies'] = e.dependencies;
    const index = e.artifacts.find((a) => a.index !== undefined)?.index;
    if (index !== undefined) pkg['index'] = index;
    const file = (a: Artifact): Record<string, unknown> => {
      // PEP 751 requires a hash of every file: a lock that cannot be verified is not written.
      if (a.sha256 === undefined) {
        throw new PyvouchError('LOCK_WRITE', `the index gives no sha256 for ${a.filename} (${e.name} ${e.version}), and a pylock.toml must pin every file by hash`, {
          help: 'use an index that publishes sha256 digests (PEP 503 #sha256=, PEP 691 hashes), or a local directory of the files',
        });
      }
      return { name: a.filename, ...(a.url === undefined ? {} : { url: a.url }), ...(a.size === undefined ? {} : { size: a.size }), hashes: { sha256: a.sha256 } };
    };
    const wheels = e.artifacts.filter((a) => a.kind === 'wheel');
    const sdist = e.artifacts.find((a) => a.kind === 'sdist');
    if (sdist !== undefined) pkg['sdist'] = file(sdist);
    if (wheels.length > 0) pkg['wheels'] = wheels.map(file);
    return pkg;
  });
  const doc: Record<string, unknown> = {
    'lock-version': '1.0',
    environments: universalEnvironments(resolution),
    ...(resolution.requiresPython === undefined ? {} : { 'requires-python': resolution.requiresPython }),
    'created-by': 'pyvouch',
    packages,
  };
  const machines = [...new Set(forks.map((f) => `${f.target.platform} ${f.target.machine}`))].join(', ');
  return `# Written by pyvouch resolve --universal for ${resolution.implementations.join(' and ')} ${pythons[0]} to ${pythons[pythons.length - 1]} on ${machines}.\n${stringify(doc)}\n`;
}

/** Each release once, with the marker of every environment that installs it (for reports). */
export function universalReleases(resolution: UniversalResolution): { name: string; version: string; marker: string | null; targets: string[] }[] {
  const { forks, pythons } = resolution;
  const targets = new Map(forks.map((f) => [f.label, f.target]));
  const all = forks.map((f) => cellOf(f, pythons));
  const releases = new Map<string, { name: string; version: string; cells: Cell[] }>();
  forks.forEach((fork, i) => {
    for (const node of fork.graph.nodes) {
      const key = `${node.name}==${node.version}`;
      const entry = releases.get(key) ?? { name: node.name, version: node.version, cells: [] };
      entry.cells.push(all[i]!);
      releases.set(key, entry);
    }
  });
  return [...releases.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : a.version < b.version ? -1 : 1))
    .map((r) => ({ name: r.name, version: r.version, marker: markerForCells(r.cells, all, pythons, targets), targets: r.cells.map((c) => c.label) }));
}
