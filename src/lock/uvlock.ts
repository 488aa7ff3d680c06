// Reads uv.lock (uv's universal lock, format version 1) into a Graph for one target: start at the
// project (or workspace members), follow dependencies whose PEP 508 markers hold, turn on optional
// dependencies for requested extras, and pick among forked versions by their resolution markers.

import { PyvouchError } from '../errors.js';
import type { GraphNode, NodeSource } from '../graph/graph.js';
import {
  type CandidateFile,
  GraphBuilder,
  Problems,
  TargetMarkers,
  UNKNOWN_VERSION,
  type WalkStep,
  canonical,
  chooseArtifacts,
  describe,
  filenameFromLocation,
  isTable,
  normaliseSpecifier,
  normaliseVersion,
  optionalString,
  startTomlLock,
  readUploadTime,
  stringList,
  walkReachable,
  type TomlTable,
  type TomlLockReader,
} from './common.js';
import { optionalSize, readPackageTables, requiredString, sha256OfHash, tableArray, type PackageEntry } from './toml-entries.js';
import { type GroupRules, chooseExtras, chooseGroups, graphSelection } from './selection.js';
import { PyprojectDocument } from '../pep/pyproject.js';

const SUPPORTED_VERSION = 1;

interface UvDependency {
  name: string;
  version?: string;
  source?: TomlTable;
  marker?: string;
  extras: string[];
  path: string;
}

interface UvPackage {
  index: number;
  name: string;
  version?: string;
  source: NodeSource;
  rawSource: TomlTable;
  resolutionMarkers: string[];
  dependencies: UvDependency[];
  optional: Map<string, UvDependency[]>;
  groups: Map<string, UvDependency[]>;
  files: CandidateFile[];
  /** Specifiers the project declared (workspace members record `[package.metadata]`). */
  declared: Map<string, string>;
}

export const readUvLock: TomlLockReader = (text, file, target, selection = {}, pyproject) => {
  const { doc, locate, problems, builder, markers, unsupported } = startTomlLock('uv.lock', text, file, target);

  const version = doc['version'];
  if (typeof version !== 'number') {
    problems.add('version', `'version' must be an integer (uv writes version = ${SUPPORTED_VERSION}), found ${describe(version)}`);
    problems.throwIfAny();
  }
  if (version !== SUPPORTED_VERSION) {
    throw unsupported('version', `uv.lock version ${String(version)} is not supported; pyvouch reads version ${SUPPORTED_VERSION}`, 'regenerate it with a uv release that writes version = 1 (`uv lock`), or upgrade pyvouch');
  }
  const requiresPython = optionalString(doc, 'requires-python', problems);
  const manifest = isTable(doc['manifest']) ? doc['manifest'] : {};
  const members = stringList(manifest, 'members', problems, 'manifest').map(canonical);

  const rawPackages = doc['package'];
  // Names of every entry, even ones with problems of their own, so one bad entry is reported once.
  const lockedNames = new Set(
    (Array.isArray(rawPackages) ? rawPackages : []).flatMap((r) => (isTable(r) && typeof r['name'] === 'string' ? [canonical(r['name'])] : [])),
  );
  const packages = readPackageTables(doc, problems, (entry) => readPackage(entry, problems, markers, lockedNames));

  if (requiresPython !== undefined) {
    try {
      markers.pythonSatisfies(requiresPython);
    } catch (err) {
      problems.addError('requires-python', err);
    }
  }
  const byName = new Map<string, UvPackage[]>();
  for (const p of packages) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  problems.throwIfAny();

  if (requiresPython !== undefined && !markers.pythonSatisfies(requiresPython)) {
    builder.diagnose('warning', `the lock requires Python ${requiresPython}; uv would refuse Python ${target.python}`, locate('requires-python'));
  }
  if (doc['conflicts'] !== undefined) {
    builder.diagnose(
      'info',
      "the lock declares conflicting extras/groups; pyvouch evaluates uv's conflict markers as if no conflicting extra or group were on",
      locate('conflicts'),
    );
  }

  // The project is the package at ".", else every workspace member (a virtual workspace root).
  const atRoot = packages.filter((p) => isProjectRoot(p.rawSource));
  let roots: UvPackage[] = atRoot.length > 0 ? atRoot : packages.filter((p) => members.includes(p.name) && isLocal(p.source));
  if (roots.length === 0) roots = packages.filter((p) => p.source.kind === 'editable' || p.source.kind === 'virtual');
  const manifestDeps = readManifestRequirements(manifest, problems);
  problems.throwIfAny();

  const extrasAvailable = [...new Set(roots.flatMap((r) => [...r.optional.keys()]))];
  const groupsAvailable = [...new Set([...roots.flatMap((r) => [...r.groups.keys()]), ...manifestDeps.groups.keys()])];
  const rules = uvGroupRules(groupsAvailable, pyproject, builder);
  const choice = chooseGroups(rules, selection, file);
  const extras = chooseExtras(extrasAvailable, selection, file);
  const groups = choice.groups;
  if (roots.length === 0 && manifestDeps.requirements.length === 0 && manifestDeps.groups.size === 0) {
    builder.diagnose('warning', 'the lock names no project or workspace member to start from; the graph is empty');
  }

  const resolve = (dep: UvDependency): UvPackage | undefined => {
    let candidates = byName.get(dep.name) ?? [];
    if (dep.version !== undefined) {
      const v = normaliseVersion(dep.version);
      candidates = candidates.filter((c) => c.version !== undefined && normaliseVersion(c.version) === v);
    }
    if (dep.source !== undefined) candidates = candidates.filter((c) => sameSource(c.rawSource, dep.source!));
    if (candidates.length <= 1) return candidates[0];
    // A fork: the entry whose resolution markers hold on this target is the one uv installs.
    const fitting = candidates.filter(
      (c) => c.resolutionMarkers.length === 0 || c.resolutionMarkers.some((m) => markers.holds(m)),
    );
    if (fitting.length !== 1) {
      builder.diagnose(
        'warning',
        `${dep.name}: ${fitting.length === 0 ? 'no' : 'more than one'} locked version fits the target ` +
          `(${candidates.map((c) => c.version).join(', ')}); using ${fitting[0]?.version ?? candidates[0]?.version}`,
        locate(dep.path),
      );
    }
    return fitting[0] ?? candidates[0];
  };

  const rootSet = new Set(roots);
  const stepsOf = (deps: UvDependency[], from: UvPackage | undefined): Array<WalkStep<UvPackage>> => {
    const steps: Array<WalkStep<UvPackage>> = [];
    for (const dep of deps) {
      if (!markers.holds(dep.marker)) continue;
      const child = resolve(dep);
      if (child === undefined) continue;
      steps.push({
        child,
        extras: dep.extras,
        marker: markers.normalise(dep.marker),
        specifier: from?.declared.get(dep.name) ?? '',
      });
    }
    return steps;
  };

  const direct: string[] = [];
  const rootEntries: Array<{ pkg: UvPackage; extras: string[] }> = [];
  if (choice.project) {
    for (const r of roots) rootEntries.push({ pkg: r, extras: extras.filter((e) => r.optional.has(e)) });
  } else {
    // uv --only-group: the groups' requirements without the project itself or its dependencies.
    for (const r of roots) {
      for (const step of stepsOf(groups.flatMap((g) => r.groups.get(g) ?? []), r)) {
        rootEntries.push({ pkg: step.child, extras: [...step.extras] });
        direct.push(step.child.name);
      }
    }
  }
  // A virtual workspace root is not a package: its requirements and groups start the walk directly.
  for (const step of stepsOf([...(choice.project ? manifestDeps.requirements : []), ...groups.flatMap((g) => manifestDeps.groups.get(g) ?? [])], undefined)) {
    rootEntries.push({ pkg: step.child, extras: [...step.extras] });
    direct.push(step.child.name);
  }

  const reached = walkReachable(
    rootEntries,
    (p) => `${p.index}`,
    (p, on) => {
      const deps = [...p.dependencies];
      for (const e of on) deps.push(...(p.optional.get(e) ?? []));
      if (rootSet.has(p)) for (const g of groups) deps.push(...(p.groups.get(g) ?? []));
      return stepsOf(deps, p);
    },
    (from, step) =>
      builder.addEdge({ from: from.name, to: step.child.name, specifier: step.specifier, marker: step.marker, extras: step.extras }),
  );

  for (const { pkg, extras: on } of reached.values()) {
    const node: GraphNode = {
      name: pkg.name,
      version: pkg.version === undefined ? UNKNOWN_VERSION : normaliseVersion(pkg.version),
      artifacts: chooseArtifacts(pkg.files, target),
      source: pkg.source,
      metadata: 'lock',
    };
    const notes: string[] = [];
    if (pkg.version === undefined) notes.push('the lock records no version (dynamic version of a local project)');
    if (pkg.source.kind === 'editable') notes.push(`editable install of ${pkg.source.location ?? '.'}`);
    if (pkg.source.kind === 'virtual') notes.push('virtual project: nothing of its own is installed');
    if (pkg.source.kind === 'vcs') notes.push(`built from ${pkg.source.location ?? 'a VCS checkout'}`);
    if (notes.length > 0) node.notes = notes;
    if (on.size > 0) node.extras = [...on];
    builder.addLockedNode(node, pkg.files.length, 'uv', locate(`package[${pkg.index}]`));
  }
  if (choice.project) for (const r of roots) builder.addRoot(r.name);
  for (const d of direct) builder.addRoot(d);
  return { ...builder.build(true), selection: graphSelection(choice, extras, rules) };
};

/**
 * `uv sync` installs the groups of `[tool.uv] default-groups` in the pyproject.toml beside the lock
 * (a list, or "all"), else `dev` when the project has one.
 */
function uvGroupRules(available: readonly string[], pyproject: { text: string; file: string } | undefined, builder: GraphBuilder): GroupRules {
  const fallback: GroupRules = {
    available,
    defaults: available.filter((g) => canonical(g) === 'dev'),
    defaultsFrom: pyproject === undefined ? "uv's default (dev): no pyproject.toml beside the lock" : "uv's default (dev): pyproject.toml sets no [tool.uv] default-groups",
  };
  if (pyproject === undefined) return fallback;
  const raw = PyprojectDocument.parse(pyproject.text, pyproject.file, 'LOCK_PARSE').tool('uv')['default-groups'];
  if (raw === undefined) return fallback;
  const from = `[tool.uv] default-groups in ${pyproject.file}`;
  if (raw === 'all') return { available, defaults: available, defaultsFrom: from };
  if (!Array.isArray(raw) || !raw.every((g): g is string => typeof g === 'string')) {
    throw new PyvouchError('LOCK_PARSE', `'default-groups' must be "all" or an array of group names, found ${describe(raw)}`, {
      file: pyproject.file,
      path: 'tool.uv.default-groups',
      help: 'fix [tool.uv] default-groups in pyproject.toml (uv refuses it too)',
    });
  }
  const have = new Set(available.map(canonical));
  const unknown = raw.filter((g) => !have.has(canonical(g)));
  if (unknown.length > 0) {
    builder.diagnose('warning', `[tool.uv] default-groups names ${unknown.map((g) => `'${g}'`).join(', ')}, which the lock does not define; uv would refuse to sync`, undefined, pyproject.file);
  }
  return { available, defaults: raw.filter((g) => have.has(canonical(g))), defaultsFrom: from };
}

function isProjectRoot(source: TomlTable): boolean {
  return source['editable'] === '.' || source['virtual'] === '.';
}

function isLocal(source: NodeSource): boolean {
  return source.kind === 'editable' || source.kind === 'virtual' || source.kind === 'directory';
}

function allDependencies(p: UvPackage): UvDependency[] {
  return [...p.dependencies, ...[...p.optional.values()].flat(), ...[...p.groups.values()].flat()];
}

function sameSource(a: TomlTable, b: TomlTable): boolean {
  return Object.entries(b).every(([k, v]) => a[k] === v);
}

function readPackage(entry: PackageEntry, problems: Problems, markers: TargetMarkers, lockedNames: ReadonlySet<string>): UvPackage | undefined {
  const { raw, at, index: i, before } = entry;
  const name = requiredString(raw, 'name', problems, at);
  const version = optionalString(raw, 'version', problems, at);
  const rawSource = raw['source'];
  let source: NodeSource = { kind: 'registry' };
  if (!isTable(rawSource)) problems.add(`${at}.source`, `'source' is required and must be a table, found ${describe(rawSource)}`);
  else {
    const s = readSource(rawSource);
    if (s === undefined) {
      problems.add(`${at}.source`, `unknown source ${JSON.stringify(rawSource)}: expected one of registry, editable, virtual, directory, git, url, path`);
    } else source = s;
  }
  const pkg: UvPackage = {
    index: i,
    name: canonical(name),
    source,
    rawSource: isTable(rawSource) ? rawSource : {},
    resolutionMarkers: stringList(raw, 'resolution-markers', problems, at),
    dependencies: readDeps(raw['dependencies'], `${at}.dependencies`, problems),
    optional: readDepTable(raw['optional-dependencies'], `${at}.optional-dependencies`, problems),
    // uv writes dependency groups (PEP 735) under the older name dev-dependencies.
    groups: readDepTable(raw['dev-dependencies'] ?? raw['dependency-groups'], `${at}.dev-dependencies`, problems),
    files: [],
    declared: new Map(),
  };
  if (version !== undefined) pkg.version = version;
  const index = source.kind === 'registry' ? source.location : undefined;
  const sourceUrl = typeof pkg.rawSource['url'] === 'string' ? pkg.rawSource['url'] : undefined;
  const wheels = raw['wheels'];
  if (wheels !== undefined) {
    if (!Array.isArray(wheels)) problems.add(`${at}.wheels`, `'wheels' must be an array of tables, found ${describe(wheels)}`);
    else
      wheels.forEach((w, j) => {
        const f = readFile(w, `${at}.wheels[${j}]`, problems, index, sourceUrl);
        if (f !== undefined) pkg.files.push(f);
      });
  }
  if (raw['sdist'] !== undefined) {
    const f = readFile(raw['sdist'], `${at}.sdist`, problems, index, sourceUrl);
    if (f !== undefined) pkg.files.push(f);
  }
  const metadata = raw['metadata'];
  if (isTable(metadata)) {
    // What the project asked for (requires-dist, then its groups' requires-dev) gives edge specifiers.
    const declared: Array<[unknown, string]> = [[metadata['requires-dist'], `${at}.metadata.requires-dist`]];
    if (isTable(metadata['requires-dev'])) {
      for (const [g, list] of Object.entries(metadata['requires-dev'])) declared.push([list, `${at}.metadata.requires-dev.${g}`]);
    }
    for (const [list, path] of declared) {
      if (!Array.isArray(list)) continue;
      list.forEach((r, j) => {
        if (!isTable(r) || typeof r['name'] !== 'string' || typeof r['specifier'] !== 'string' || r['specifier'] === '') return;
        const name = canonical(r['name']);
        if (pkg.declared.has(name)) return;
        try {
          pkg.declared.set(name, normaliseSpecifier(r['specifier']));
        } catch (err) {
          problems.addError(`${path}[${j}].specifier`, err);
        }
      });
    }
  }
  // Markers are checked while reading, before any is evaluated, so every bad one is reported.
  const checkMarker = (m: string | undefined, path: string): void => {
    if (m === undefined) return;
    try {
      markers.parse(m);
    } catch (err) {
      problems.addError(path, err);
    }
  };
  pkg.resolutionMarkers.forEach((m, j) => checkMarker(m, `${at}.resolution-markers[${j}]`));
  for (const d of allDependencies(pkg)) {
    checkMarker(d.marker, `${d.path}.marker`);
    if (!lockedNames.has(d.name)) problems.add(`${d.path}.name`, `dependency '${d.name}' has no [[package]] entry in the lock`);
  }
  return problems.count === before ? pkg : undefined;
}

function readSource(s: TomlTable): NodeSource | undefined {
  const str = (k: string): string | undefined => (typeof s[k] === 'string' ? (s[k]) : undefined);
  if (str('registry') !== undefined) return { kind: 'registry', location: str('registry')! };
  if (str('editable') !== undefined) return { kind: 'editable', location: str('editable')! };
  if (str('virtual') !== undefined) return { kind: 'virtual', location: str('virtual')! };
  if (str('directory') !== undefined) return { kind: 'directory', location: str('directory')! };
  if (str('git') !== undefined) return { kind: 'vcs', location: `git+${str('git')!}` };
  if (str('url') !== undefined) return { kind: 'url', location: str('url')! };
  if (str('path') !== undefined) return { kind: 'path', location: str('path')! };
  return undefined;
}

function readDeps(raw: unknown, at: string, problems: Problems): UvDependency[] {
  const out: UvDependency[] = [];
  tableArray(raw, at, problems).forEach((d, j) => {
    const path = `${at}[${j}]`;
    if (!isTable(d) || typeof d['name'] !== 'string') {
      problems.add(path, `each dependency must be a table with a 'name', found ${describe(d)}`);
      return;
    }
    const dep: UvDependency = { name: canonical(d['name']), extras: stringList(d, 'extra', problems, path).map(canonical), path };
    const version = optionalString(d, 'version', problems, path);
    if (version !== undefined) dep.version = version;
    const marker = optionalString(d, 'marker', problems, path);
    if (marker !== undefined) dep.marker = marker;
    if (isTable(d['source'])) dep.source = d['source'];
    out.push(dep);
  });
  return out;
}

function readDepTable(raw: unknown, at: string, problems: Problems): Map<string, UvDependency[]> {
  const out = new Map<string, UvDependency[]>();
  if (raw === undefined) return out;
  if (!isTable(raw)) {
    problems.add(at, `must be a table of name = [dependencies], found ${describe(raw)}`);
    return out;
  }
  for (const [key, deps] of Object.entries(raw)) out.set(canonical(key), readDeps(deps, `${at}.${key}`, problems));
  return out;
}

function readFile(
  raw: unknown,
  at: string,
  problems: Problems,
  index: string | undefined,
  sourceUrl: string | undefined,
): CandidateFile | undefined {
  if (!isTable(raw)) {
    problems.add(at, `must be a table, found ${describe(raw)}`);
    return undefined;
  }
  const url = optionalString(raw, 'url', problems, at);
  const path = optionalString(raw, 'path', problems, at);
  const filename = optionalString(raw, 'filename', problems, at) ?? filenameFromLocation(url ?? path ?? sourceUrl ?? '');
  if (filename === '') {
    problems.add(at, `names no file: expected 'url', 'path' or 'filename'`);
    return undefined;
  }
  const file: CandidateFile = { filename };
  if (url !== undefined) file.url = url;
  else if (path !== undefined) file.url = path;
  else if (sourceUrl !== undefined) file.url = sourceUrl;
  const hash = raw['hash'];
  if (hash !== undefined) {
    const sha256 = sha256OfHash(hash, `${at}.hash`, problems);
    if (sha256 !== undefined) file.sha256 = sha256;
  }
  const size = optionalSize(raw, at, problems);
  if (size !== undefined) file.size = size;
  if (index !== undefined) file.index = index;
  const uploaded = readUploadTime(raw['upload-time']);
  if (uploaded !== undefined) file.uploadTime = uploaded;
  return file;
}

function readManifestRequirements(
  manifest: TomlTable,
  problems: Problems,
): { requirements: UvDependency[]; groups: Map<string, UvDependency[]> } {
  // `[manifest] requirements` and `dependency-groups` hold the needs of a virtual workspace root,
  // as PEP 508-like tables ({ name, specifier, marker, extras }).
  const toDeps = (raw: unknown, at: string): UvDependency[] => {
    const out: UvDependency[] = [];
    tableArray(raw, at, problems).forEach((d, j) => {
      if (!isTable(d) || typeof d['name'] !== 'string') {
        problems.add(`${at}[${j}]`, `each requirement needs a 'name'`);
        return;
      }
      const dep: UvDependency = { name: canonical(d['name']), extras: stringList(d, 'extras', problems, `${at}[${j}]`).map(canonical), path: `${at}[${j}]` };
      if (typeof d['marker'] === 'string') dep.marker = d['marker'];
      out.push(dep);
    });
    return out;
  };
  const groups = new Map<string, UvDependency[]>();
  const rawGroups = manifest['dependency-groups'];
  if (isTable(rawGroups)) {
    for (const [g, deps] of Object.entries(rawGroups)) groups.set(canonical(g), toDeps(deps, `manifest.dependency-groups.${g}`));
  }
  return { requirements: toDeps(manifest['requirements'], 'manifest.requirements'), groups };
}
