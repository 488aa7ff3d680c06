// Reads poetry.lock (Poetry lock-version 1.x and 2.x) into a Graph for one target: roots come from the
// pyproject.toml beside it (PEP 621 [project] or [tool.poetry]), edges from each package's
// dependencies with Poetry constraints converted to PEP 440 and PEP 508 markers evaluated.

import { Version } from '../pep/version.js';
import { PyvouchError } from '../errors.js';
import type { GraphNode, NodeSource, SelectionOptions, TargetDescription } from '../graph/graph.js';
import { Requirement } from '../pep/requirement.js';
import {
  type CandidateFile,
  GraphBuilder,
  Problems,
  TargetMarkers,
  type WalkStep,
  canonical,
  chooseArtifacts,
  describe,
  isTable,
  normaliseVersion,
  optionalString,
  startTomlLock,
  stringList,
  walkReachable,
  type Reached,
  type TomlTable,
  type TomlLockReader,
} from './common.js';
import { readPackageTables, requiredString, sha256OfHash, type PackageEntry } from './toml-entries.js';
import { type GroupChoice, type GroupRules, chooseExtras, chooseGroups, graphSelection } from './selection.js';
import { poetryConstraintAllows, poetryConstraintToPep440 } from './poetry-constraint.js';
import { PyprojectDocument } from '../pep/pyproject.js';

const SUPPORTED_MAJORS = new Set([1, 2]);

/** One dependency as Poetry writes it, in the lock or in [tool.poetry.dependencies]. */
interface PoetryDependency {
  name: string;
  constraint: string;
  markers?: string;
  python?: string;
  optional: boolean;
  extras: string[];
  /** A direct reference (git/path/url) rather than a version. */
  direct: boolean;
  path: string;
}

interface PoetryPackage {
  index: number;
  name: string;
  version: string;
  optional: boolean;
  pythonVersions: string;
  groups: string[];
  /** Poetry 2 records a marker per group; Poetry 1 one string (kept under the key ''). */
  markers: Map<string, string>;
  dependencies: PoetryDependency[];
  extras: Map<string, string[]>;
  source?: NodeSource;
  files: CandidateFile[];
}

/** What the project asks for, from pyproject.toml. */
interface RootRequirement {
  name: string;
  constraint: string;
  marker?: string;
  python?: string;
  extras: string[];
  direct: boolean;
  /** The extra of the project that turns this requirement on, if it is optional. */
  extra?: string;
  group: string;
}

export const readPoetryLock: TomlLockReader = (text, file, target, selection = {}, pyproject) => {
  const { doc, locate, problems, builder, markers } = startTomlLock('poetry.lock', text, file, target);

  const meta = readMetadata(doc, file, locate, problems);
  const packages = readPackages(doc, problems, meta.legacyFiles, markers);
  if (meta.pythonVersions !== undefined) checkConstraint(meta.pythonVersions, 'metadata.python-versions', problems);
  problems.throwIfAny();
  if (meta.pythonVersions !== undefined && !pythonAllows(meta.pythonVersions, markers)) {
    builder.diagnose('warning', `the lock is for Python ${meta.pythonVersions}; Poetry would refuse Python ${target.python}`, locate('metadata.python-versions'));
  }

  const project = pyproject === undefined ? undefined : readPyproject(pyproject.text, pyproject.file, markers);
  const ctx: Resolution = resolution(packages, markers, builder, locate);
  const chosen =
    project !== undefined && pyproject !== undefined
      ? projectRoots(project, pyproject.file, selection, ctx)
      : guessedRoots(packages, file, selection, meta, ctx);
  const reached = walkWithActivations(chosen.roots, chosen.lockInstalls, ctx);
  addNodes(reached, target, builder, locate);
  for (const r of chosen.roots) builder.addRoot(r.pkg.name);
  return { ...builder.build(true), selection: graphSelection(chosen.choice, chosen.takenExtras, chosen.rules) };
};

interface PoetryMetadata {
  lockVersion: string;
  major: number;
  pythonVersions: string | undefined;
  /** Poetry 1.x kept file hashes apart, in [metadata.files]. */
  legacyFiles: TomlTable;
}

/** [metadata]: the lock version (only 1.x and 2.x are read), python-versions and legacy file hashes. */
function readMetadata(doc: TomlTable, file: string, locate: (path: string) => number | undefined, problems: Problems): PoetryMetadata {
  const metadata = isTable(doc['metadata']) ? doc['metadata'] : undefined;
  if (metadata === undefined) problems.add('metadata', `the [metadata] table is missing (Poetry writes lock-version and content-hash there)`);
  problems.throwIfAny();
  const rawLockVersion = metadata!['lock-version'] ?? '1.0';
  if (typeof rawLockVersion !== 'string' || !/^\d+\.\d+$/.test(rawLockVersion)) {
    problems.add('metadata.lock-version', `'lock-version' must look like "2.1", found ${describe(rawLockVersion)}`);
    problems.throwIfAny();
  }
  // throwIfAny has thrown for anything else; the fallback only keeps the type honest.
  const lockVersion = typeof rawLockVersion === 'string' ? rawLockVersion : '0.0';
  const major = Number(lockVersion.split('.')[0]);
  if (!SUPPORTED_MAJORS.has(major)) {
    throw new PyvouchError('LOCK_UNSUPPORTED', `Poetry lock-version ${lockVersion} is not supported; pyvouch reads 1.x and 2.x`, {
      file,
      path: 'metadata.lock-version',
      ...(locate('metadata.lock-version') === undefined ? {} : { line: locate('metadata.lock-version')! }),
      help: 'regenerate it with Poetry 1.x or 2.x (`poetry lock`), or upgrade pyvouch',
    });
  }
  return {
    lockVersion,
    major,
    pythonVersions: optionalString(metadata!, 'python-versions', problems, 'metadata'),
    legacyFiles: isTable(metadata!['files']) ? metadata!['files'] : {},
  };
}

/** Every [[package]] entry that reads; the bad ones are recorded in `problems`. */
function readPackages(doc: TomlTable, problems: Problems, legacyFiles: TomlTable, markers: TargetMarkers): PoetryPackage[] {
  return readPackageTables(doc, problems, (entry) => readPackage(entry, problems, legacyFiles, markers));
}

/** How requirements meet locked packages on this target: which entry a name resolves to, and which markers hold. */
interface Resolution {
  markers: TargetMarkers;
  builder: GraphBuilder;
  packageHolds: (p: PoetryPackage, group?: string) => boolean;
  resolve: (name: string, constraint: string, direct: boolean, at?: string) => PoetryPackage | undefined;
  depHolds: (d: { markers?: string | undefined; python?: string | undefined }, extra?: string) => boolean;
}

function resolution(packages: readonly PoetryPackage[], markers: TargetMarkers, builder: GraphBuilder, locate: (path: string) => number | undefined): Resolution {
  const byName = new Map<string, PoetryPackage[]>();
  for (const p of packages) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);

  const packageHolds = (p: PoetryPackage, group?: string): boolean => {
    if (!pythonAllows(p.pythonVersions, markers)) return false;
    if (p.markers.size === 0) return true;
    const m = p.markers.get('') ?? (group === undefined ? undefined : p.markers.get(group));
    if (m !== undefined) return markers.holds(m);
    return [...p.markers.values()].some((x) => markers.holds(x));
  };

  const resolve = (name: string, constraint: string, direct: boolean, at?: string): PoetryPackage | undefined => {
    const line = at === undefined ? undefined : locate(at);
    const all = byName.get(name) ?? [];
    if (all.length === 0) {
      builder.diagnose('warning', `'${name}' is required but has no [[package]] entry in the lock`, line);
      return undefined;
    }
    let candidates = direct ? all : all.filter((c) => poetryConstraintAllows(constraint, c.version));
    if (candidates.length === 0) {
      builder.diagnose('warning', `no locked version of ${name} (${all.map((c) => c.version).join(', ')}) satisfies '${constraint}'`, line);
      candidates = all;
    }
    if (candidates.length === 1) return candidates[0];
    return candidates.find((c) => packageHolds(c)) ?? candidates[0];
  };

  const depHolds = (d: { markers?: string | undefined; python?: string | undefined }, extra = ''): boolean =>
    markers.holds(d.markers, extra) && (d.python === undefined || pythonAllows(d.python, markers));

  return { markers, builder, packageHolds, resolve, depHolds };
}

interface ChosenRoots {
  roots: Array<{ pkg: PoetryPackage; extras: string[] }>;
  /** Packages the lock says are installed (lock-version 2.1 markers), when there is no pyproject.toml. */
  lockInstalls: PoetryPackage[];
  rules: GroupRules;
  choice: GroupChoice;
  takenExtras: string[];
}

/** The roots from pyproject.toml: the project's requirements for the selected groups and extras. */
function projectRoots(project: Pyproject, pyprojectFile: string, selection: SelectionOptions, ctx: Resolution): ChosenRoots {
  const rules = poetryGroupRules(project, pyprojectFile);
  const choice = chooseGroups(rules, selection, pyprojectFile);
  const takenExtras = chooseExtras(project.extras, selection, pyprojectFile);
  const extras = new Set(takenExtras);
  const groups = new Set([...(choice.project ? ['main'] : []), ...choice.groups]);
  const roots: ChosenRoots['roots'] = [];
  for (const r of project.requirements) {
    if (!groups.has(r.group)) continue;
    if (r.extra !== undefined && !extras.has(r.extra)) continue;
    if (!ctx.depHolds({ markers: r.marker, python: r.python }, r.extra ?? '')) continue;
    const pkg = ctx.resolve(r.name, r.constraint, r.direct);
    if (pkg !== undefined) roots.push({ pkg, extras: r.extras });
  }
  return { roots, lockInstalls: [], rules, choice, takenExtras };
}

/** Without pyproject.toml: the selected groups' packages that nothing else in the lock requires. */
function guessedRoots(packages: readonly PoetryPackage[], file: string, selection: SelectionOptions, meta: PoetryMetadata, ctx: Resolution): ChosenRoots {
  const lockGroups = [...new Set(packages.flatMap((p) => p.groups))].filter((g) => canonical(g) !== 'main');
  // Which groups are optional is written in pyproject.toml only: without it, take them all.
  const rules: GroupRules = { available: lockGroups, defaults: lockGroups, defaultsFrom: 'every group of the lock: no pyproject.toml beside it says which are optional', projectGroup: 'main' };
  const choice = chooseGroups(rules, selection, file);
  if (namesExtras(selection)) {
    throw new PyvouchError('USAGE', `${file}: the project's extras are defined in its pyproject.toml, which is not beside the lock`, {
      file,
      help: 'put the pyproject.toml beside the poetry.lock, or drop --extra/--all-extras',
    });
  }
  const groups = new Set([...(choice.project ? ['main'] : []), ...choice.groups]);
  const depended = new Set(packages.flatMap((p) => p.dependencies.map((d) => d.name)));
  const roots: ChosenRoots['roots'] = [];
  for (const p of packages) {
    const inGroups = p.groups.filter((g) => groups.has(canonical(g)));
    if (inGroups.length === 0 || depended.has(p.name) || p.optional) continue;
    if (inGroups.some((g) => ctx.packageHolds(p, g))) roots.push({ pkg: p, extras: [] });
  }
  // Since lock-version 2.1 Poetry records, per group, the marker under which a package is installed.
  let lockInstalls: PoetryPackage[] = [];
  if (Number(meta.lockVersion.split('.')[1]) >= 1 && meta.major === 2) {
    lockInstalls = packages.filter((p) => !p.optional && p.groups.some((g) => groups.has(canonical(g)) && ctx.packageHolds(p, g)));
  }
  ctx.builder.diagnose(
    'info',
    "no pyproject.toml beside the lock: the roots are guessed as the selected groups' packages that nothing else in the lock requires",
  );
  return { roots, lockInstalls, rules, choice, takenExtras: [] };
}

/**
 * Everything the roots pull in, with their edges added. Without pyproject.toml the project's own
 * extras are unknown: a package the lock installs that the walk missed is an optional dependency
 * some extra turned on, so that extra of the package that declares it is turned on (or, failing
 * that, the package becomes a root) and the walk runs again. `roots` may grow.
 */
function walkWithActivations(
  roots: Array<{ pkg: PoetryPackage; extras: string[] }>,
  lockInstalls: readonly PoetryPackage[],
  ctx: Resolution,
): Map<string, Reached<PoetryPackage>> {
  const walk = (entries: Array<{ pkg: PoetryPackage; extras: string[] }>): Map<string, Reached<PoetryPackage>> =>
    walkReachable(
      entries,
      (p) => `${p.index}`,
      (p, on) => dependenciesOf(p, on, ctx.depHolds, ctx.resolve),
      (from, step) =>
        ctx.builder.addEdge({ from: from.name, to: step.child.name, specifier: step.specifier, marker: step.marker, extras: step.extras }),
    );
  let reached = walk(roots);
  const activations: Array<{ pkg: PoetryPackage; extras: string[] }> = [];
  for (let round = 0; round < 10; round++) {
    const missing = lockInstalls.filter((p) => !reached.has(`${p.index}`));
    if (missing.length === 0) break;
    for (const m of missing) {
      const via = [...reached.values()].flatMap(({ pkg, extras: on }) =>
        pkg.dependencies.some((d) => d.optional && d.name === m.name)
          ? [...pkg.extras]
              .filter(([e, reqs]) => !on.has(e) && reqs.some((r) => parseExtraRequirement(r)?.name === m.name))
              .map(([e]) => ({ pkg, extras: [e] }))
          : [],
      );
      if (via.length > 0) activations.push(...via);
      else roots.push({ pkg: m, extras: [] });
    }
    reached = walk([...roots, ...activations]);
  }
  return reached;
}

/** One node per reached package, with the artifacts the target would install. */
function addNodes(reached: Map<string, Reached<PoetryPackage>>, target: TargetDescription, builder: GraphBuilder, locate: (path: string) => number | undefined): void {
  for (const { pkg, extras } of reached.values()) {
    const node: GraphNode = {
      name: pkg.name,
      version: normaliseVersion(pkg.version),
      artifacts: chooseArtifacts(pkg.files, target),
      metadata: 'lock',
    };
    if (pkg.source !== undefined) node.source = pkg.source;
    if (extras.size > 0) node.extras = [...extras];
    if (pkg.source?.kind === 'vcs') node.notes = [`built from ${pkg.source.location ?? 'a VCS checkout'}`];
    else if (pkg.source?.kind === 'editable') node.notes = [`editable install of ${pkg.source.location ?? 'a local directory'}`];
    else if (pkg.source?.kind === 'directory') node.notes = [`built from the local directory ${pkg.source.location ?? ''}`.trim()];
    builder.addLockedNode(node, pkg.files.length, 'Poetry', locate(`package[${pkg.index}]`));
  }
}

/** `poetry install` installs the project (`main`) and every group not marked `optional = true`. */
function poetryGroupRules(project: Pyproject, file: string): GroupRules {
  const available = [...project.groups];
  return {
    available,
    defaults: available.filter((g) => !project.optionalGroups.has(g)),
    defaultsFrom: `poetry install: every group of ${file} not marked optional`,
    projectGroup: 'main',
  };
}

function namesExtras(selection: SelectionOptions): boolean {
  return selection.allExtras === true || (selection.extras?.length ?? 0) > 0;
}

function dependenciesOf(
  p: PoetryPackage,
  on: ReadonlySet<string>,
  depHolds: (d: PoetryDependency, extra?: string) => boolean,
  resolve: (name: string, constraint: string, direct: boolean, at?: string) => PoetryPackage | undefined,
): Array<WalkStep<PoetryPackage>> {
  // An extra may name the package itself with more extras (`all = ["pkg[a,b]"]`): close over those.
  const active = new Set(on);
  for (let grew = true; grew; ) {
    grew = false;
    for (const e of [...active]) {
      for (const req of p.extras.get(e) ?? []) {
        const parsed = parseExtraRequirement(req);
        if (parsed?.name !== p.name) continue;
        for (const x of parsed.extras) {
          if (active.has(x)) continue;
          active.add(x);
          grew = true;
        }
      }
    }
  }
  const steps: Array<WalkStep<PoetryPackage>> = [];
  for (const d of p.dependencies) {
    let holds: boolean;
    if (d.optional) {
      // An optional dependency is installed only when an active extra lists it.
      const by = [...active].filter((e) => (p.extras.get(e) ?? []).some((r) => parseExtraRequirement(r)?.name === d.name));
      holds = by.some((e) => depHolds(d, e));
    } else holds = depHolds(d);
    if (!holds) continue;
    const child = resolve(d.name, d.constraint, d.direct, d.path);
    if (child === undefined) continue;
    const specs = d.direct ? [''] : poetryConstraintToPep440(d.constraint);
    steps.push({
      child,
      extras: d.extras,
      marker: d.markers === undefined ? null : normaliseMarker(d.markers),
      specifier: specs.length === 1 ? specs[0]! : '',
    });
  }
  return steps;
}

const markerCache = new Map<string, string>();
function normaliseMarker(text: string): string {
  let m = markerCache.get(text);
  if (m === undefined) {
    try {
      m = new Requirement(`x; ${text}`).marker?.toString() ?? text;
    } catch {
      m = text;
    }
    markerCache.set(text, m);
  }
  return m;
}

function parseExtraRequirement(text: string): { name: string; extras: string[] } | undefined {
  try {
    const r = new Requirement(text);
    return { name: r.canonicalName, extras: [...r.extras].map(canonical) };
  } catch {
    const m = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(text);
    return m === null ? undefined : { name: canonical(m[1]!), extras: [] };
  }
}

function pythonAllows(constraint: string, markers: TargetMarkers): boolean {
  return poetryConstraintAllows(constraint, markers.env.python_full_version);
}

function checkMarker(markers: TargetMarkers, text: string, at: string, problems: Problems): void {
  try {
    markers.parse(text);
  } catch (err) {
    problems.addError(at, err);
  }
}

function checkConstraint(text: string, at: string, problems: Problems): void {
  try {
    poetryConstraintToPep440(text);
  } catch (err) {
    problems.addError(at, err);
  }
}

function readPackage(entry: PackageEntry, problems: Problems, legacyFiles: TomlTable, markers: TargetMarkers): PoetryPackage | undefined {
  const { raw, at, index: i, before } = entry;
  const name = requiredString(raw, 'name', problems, at);
  const version = requiredString(raw, 'version', problems, at);
  // Poetry parses every locked version as PEP 440 and refuses the lock otherwise; so does pyvouch.
  if (version !== '' && Version.tryParse(version) === null) problems.add(`${at}.version`, `'version' must be a PEP 440 version, found '${version}'`);
  const optional = raw['optional'];
  if (optional !== undefined && typeof optional !== 'boolean') problems.add(`${at}.optional`, `'optional' must be true or false, found ${describe(optional)}`);
  const pkg: PoetryPackage = {
    index: i,
    name: canonical(name),
    version,
    optional: optional === true,
    pythonVersions: optionalString(raw, 'python-versions', problems, at) ?? '*',
    // Poetry 1 wrote `category = "main" | "dev"` where Poetry 2 writes `groups`.
    groups: raw['groups'] !== undefined ? stringList(raw, 'groups', problems, at) : [optionalString(raw, 'category', problems, at) ?? 'main'],
    markers: new Map(),
    dependencies: [],
    extras: new Map(),
    files: [],
  };
  const m = raw['markers'];
  if (typeof m === 'string') pkg.markers.set('', m);
  else if (isTable(m)) {
    for (const [g, v] of Object.entries(m)) {
      if (typeof v === 'string') pkg.markers.set(g, v);
      else problems.add(`${at}.markers.${g}`, `a group's marker must be a string, found ${describe(v)}`);
    }
  } else if (m !== undefined) problems.add(`${at}.markers`, `'markers' must be a string or a table of group = marker, found ${describe(m)}`);

  const deps = raw['dependencies'];
  if (deps !== undefined) {
    if (!isTable(deps)) problems.add(`${at}.dependencies`, `must be a table of name = constraint, found ${describe(deps)}`);
    else for (const [dn, spec] of Object.entries(deps)) pkg.dependencies.push(...readDependency(dn, spec, `${at}.dependencies.${dn}`, problems));
  }
  const extras = raw['extras'];
  if (extras !== undefined) {
    if (!isTable(extras)) problems.add(`${at}.extras`, `must be a table of extra = [requirements], found ${describe(extras)}`);
    else for (const [e] of Object.entries(extras)) pkg.extras.set(canonical(e), stringList(extras, e, problems, `${at}.extras`));
  }
  const source = raw['source'];
  if (source !== undefined) {
    if (!isTable(source)) problems.add(`${at}.source`, `must be a table, found ${describe(source)}`);
    else {
      const s = readSource(source, raw['develop'] === true);
      if (s === undefined) problems.add(`${at}.source.type`, `unknown source type ${describe(source['type'])}: expected git, directory, file, url or legacy`);
      else pkg.source = s;
    }
  }
  const index = pkg.source?.kind === 'registry' ? pkg.source.location : undefined;
  const fileUrl = pkg.source?.kind === 'url' ? pkg.source.location : undefined;
  const files = raw['files'] ?? legacyFiles[typeof name === 'string' ? name : ''];
  const filesAt = raw['files'] !== undefined ? `${at}.files` : `metadata.files.${String(name)}`;
  if (files !== undefined) {
    if (!Array.isArray(files)) problems.add(filesAt, `must be an array of { file, hash } tables, found ${describe(files)}`);
    else
      files.forEach((f, j) => {
        const fat = `${filesAt}[${j}]`;
        if (!isTable(f) || typeof f['file'] !== 'string') {
          problems.add(fat, `each file needs a 'file' name, found ${describe(f)}`);
          return;
        }
        const c: CandidateFile = { filename: f['file'] };
        const sha256 = sha256OfHash(f['hash'], `${fat}.hash`, problems);
        if (sha256 !== undefined) c.sha256 = sha256;
        if (fileUrl !== undefined) c.url = fileUrl;
        if (index !== undefined) c.index = index;
        pkg.files.push(c);
      });
  }
  // Markers and constraints are checked here, before any is evaluated, so every bad one is reported.
  for (const [group, m] of pkg.markers) checkMarker(markers, m, `${at}.markers${group === '' ? '' : `.${group}`}`, problems);
  checkConstraint(pkg.pythonVersions, `${at}.python-versions`, problems);
  for (const d of pkg.dependencies) {
    if (d.markers !== undefined) checkMarker(markers, d.markers, `${d.path}.markers`, problems);
    if (d.python !== undefined) checkConstraint(d.python, `${d.path}.python`, problems);
    if (!d.direct) checkConstraint(d.constraint, d.path, problems);
  }
  return problems.count === before ? pkg : undefined;
}

function readSource(s: TomlTable, develop: boolean): NodeSource | undefined {
  const url = typeof s['url'] === 'string' ? s['url'] : undefined;
  switch (s['type']) {
    case 'git': {
      const ref = typeof s['resolved_reference'] === 'string' ? s['resolved_reference'] : s['reference'];
      const sub = typeof s['subdirectory'] === 'string' ? `#subdirectory=${s['subdirectory']}` : '';
      return { kind: 'vcs', location: `git+${url ?? ''}${typeof ref === 'string' ? `@${ref}` : ''}${sub}` };
    }
    case 'directory':
      return { kind: develop ? 'editable' : 'directory', location: url ?? '' };
    case 'file':
      return { kind: 'path', location: url ?? '' };
    case 'url':
      return { kind: 'url', location: url ?? '' };
    case 'legacy':
      // A package from a private (PEP 503) index Poetry calls a "legacy" source.
      return url === undefined ? { kind: 'registry' } : { kind: 'registry', location: url };
    default:
      return undefined;
  }
}

/** A dependency entry: a constraint string, a table, or (multiple constraints) an array of tables. */
function readDependency(rawName: string, spec: unknown, at: string, problems: Problems): PoetryDependency[] {
  const name = canonical(rawName);
  if (typeof spec === 'string') return [{ name, constraint: spec, optional: false, extras: [], direct: false, path: at }];
  const one = (t: unknown, path: string): PoetryDependency | undefined => {
    if (!isTable(t)) {
      problems.add(path, `a dependency must be a constraint string or a table, found ${describe(t)}`);
      return undefined;
    }
    const direct = ['git', 'path', 'url', 'file'].some((k) => t[k] !== undefined);
    const version = optionalString(t, 'version', problems, path);
    if (version === undefined && !direct) problems.add(`${path}.version`, `a dependency table needs a 'version' (or git/path/url)`);
    const d: PoetryDependency = {
      name,
      constraint: version ?? '*',
      optional: t['optional'] === true,
      extras: stringList(t, 'extras', problems, path).map(canonical),
      direct,
      path,
    };
    const markers = optionalString(t, 'markers', problems, path);
    if (markers !== undefined) d.markers = markers;
    const python = optionalString(t, 'python', problems, path);
    if (python !== undefined) d.python = python;
    return d;
  };
  if (Array.isArray(spec)) return spec.map((t, j) => one(t, `${at}[${j}]`)).filter((d): d is PoetryDependency => d !== undefined);
  const d = one(spec, at);
  return d === undefined ? [] : [d];
}

interface Pyproject {
  requirements: RootRequirement[];
  extras: string[];
  groups: Set<string>;
  /** Groups marked `optional = true`: `poetry install` leaves them out unless `--with` names them. */
  optionalGroups: Set<string>;
}

/** The project's own requirements, from PEP 621 [project] or Poetry's [tool.poetry] tables. */
function readPyproject(text: string, file: string, markers: TargetMarkers): Pyproject {
  const doc = PyprojectDocument.parse(text, file, 'LOCK_PARSE');
  const problems = new Problems(file, doc.locate);
  const out: Pyproject = { requirements: [], extras: [], groups: new Set(), optionalGroups: new Set() };
  const project = doc.project(problems);
  const poetry = doc.tool('poetry');

  const fromPep508 = (texts: string[], at: string, group: string, extra?: string): void => {
    texts.forEach((t, j) => {
      try {
        const r = new Requirement(t);
        const req: RootRequirement = {
          name: r.canonicalName,
          constraint: r.specifier.toString() || '*',
          extras: [...r.extras].map(canonical),
          direct: Boolean(r.url),
          group,
        };
        if (r.marker !== null) req.marker = r.marker.toString();
        if (extra !== undefined) req.extra = extra;
        out.requirements.push(req);
      } catch (err) {
        problems.addError(`${at}[${j}]`, err);
      }
    });
  };
  const fromPoetryTable = (table: unknown, at: string, group: string, optionalExtras?: Map<string, string>): void => {
    if (table === undefined) return;
    if (!isTable(table)) {
      problems.add(at, `must be a table of name = constraint, found ${describe(table)}`);
      return;
    }
    for (const [rawName, spec] of Object.entries(table)) {
      if (rawName === 'python') continue; // the project's Python range, not a package
      for (const d of readDependency(rawName, spec, `${at}.${rawName}`, problems)) {
        const req: RootRequirement = { name: d.name, constraint: d.constraint, extras: d.extras, direct: d.direct, group };
        if (d.markers !== undefined) req.marker = d.markers;
        if (d.python !== undefined) req.python = d.python;
        if (d.optional) {
          const extra = optionalExtras?.get(d.name);
          if (extra === undefined) continue; // optional and named by no extra: never installed
          req.extra = extra;
        }
        out.requirements.push(req);
      }
    }
  };

  if (project?.dependencies !== undefined) {
    fromPep508([...project.dependencies], 'project.dependencies', 'main');
  } else {
    // [tool.poetry.extras] names which optional dependencies each extra turns on.
    const extrasTable = isTable(poetry['extras']) ? poetry['extras'] : {};
    for (const [extra, names] of Object.entries(extrasTable)) {
      out.extras.push(extra);
      if (!Array.isArray(names)) continue;
      for (const n of names) {
        if (typeof n !== 'string') continue;
        const spec = findPoetryDep(poetry['dependencies'], n) ?? '*';
        fromPoetryTable({ [n]: spec }, `tool.poetry.extras.${extra}`, 'main', new Map([[canonical(n), canonical(extra)]]));
      }
    }
    fromPoetryTable(poetry['dependencies'], 'tool.poetry.dependencies', 'main', new Map());
  }
  for (const [extra, list] of Object.entries(project?.optionalDependencies ?? {})) {
    out.extras.push(extra);
    fromPep508([...list], `project.optional-dependencies.${extra}`, 'main', canonical(extra));
  }
  const groups = isTable(poetry['group']) ? poetry['group'] : {};
  for (const [g, body] of Object.entries(groups)) {
    if (!isTable(body)) continue;
    out.groups.add(g);
    if (body['optional'] === true) out.optionalGroups.add(g);
    fromPoetryTable(body['dependencies'], `tool.poetry.group.${g}.dependencies`, canonical(g));
  }
  if (poetry['dev-dependencies'] !== undefined) {
    out.groups.add('dev');
    fromPoetryTable(poetry['dev-dependencies'], 'tool.poetry.dev-dependencies', 'dev');
  }
  // PEP 735 groups, which Poetry 2.2+ also reads.
  for (const [g, list] of Object.entries(doc.dependencyGroups())) {
    out.groups.add(g);
    if (Array.isArray(list)) fromPep508(list.filter((x): x is string => typeof x === 'string'), `dependency-groups.${g}`, canonical(g));
  }
  problems.throwIfAny();
  // Markers in pyproject.toml are checked here so a bad one names pyproject.toml, not the lock.
  for (const r of out.requirements) {
    if (r.marker === undefined) continue;
    try {
      markers.parse(r.marker);
    } catch (err) {
      problems.addError(undefined, err);
    }
  }
  problems.throwIfAny();
  return out;
}

function findPoetryDep(table: unknown, name: string): unknown {
  if (!isTable(table)) return undefined;
  const key = Object.keys(table).find((k) => canonical(k) === canonical(name));
  return key === undefined ? undefined : table[key];
}
