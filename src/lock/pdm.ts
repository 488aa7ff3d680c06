// Reads pdm.lock (pdm 2.x, lock_version 4.x) into a Graph for one target, as `pdm sync` installs
// it: the project's own requirements (the `default` group) and every dev group, from the
// pyproject.toml beside the lock, followed through each [[package]]'s PEP 508 `dependencies`.
// Files come from `files` (4.4+) or `[metadata.files]` (4.0-4.3). Without a pyproject.toml, a lock
// that records each package's `groups` (4.4+) is taken as is; an older one starts at the packages
// nothing else requires.

import { PyvouchError } from '../errors.js';
import type { GraphNode, NodeSource } from '../graph/graph.js';
import { Requirement } from '../pep/requirement.js';
import {
  type CandidateFile,
  Problems,
  TargetMarkers,
  type WalkStep,
  canonical,
  chooseArtifacts,
  describe,
  filenameFromLocation,
  isTable,
  normaliseVersion,
  optionalString,
  startTomlLock,
  stringList,
  walkReachable,
  type TomlTable,
  type TomlLockReader,
} from './common.js';
import { readPackageTables, requiredString, sha256OfHash, type PackageEntry } from './toml-entries.js';
import { type GroupChoice, type GroupRules, chooseExtras, chooseGroups, graphSelection } from './selection.js';
import { PyprojectDocument } from '../pep/pyproject.js';

const SUPPORTED_MAJOR = 4;

interface PdmPackage {
  index: number;
  name: string;
  version: string;
  /** Extras of this entry: pdm writes `name[extra]` as an entry of its own. */
  extras: string[];
  dependencies: Requirement[];
  groups: string[];
  marker?: string;
  requiresPython?: string;
  source?: NodeSource;
  files: CandidateFile[];
}

export const readPdmLock: TomlLockReader = (text, file, target, selection = {}, pyproject) => {
  const { doc, locate, problems, builder, markers, unsupported } = startTomlLock('pdm.lock', text, file, target);

  const metadata = isTable(doc['metadata']) ? doc['metadata'] : undefined;
  if (metadata === undefined) {
    problems.add('metadata', 'the [metadata] table is missing (pdm writes lock_version and content_hash there)');
    problems.throwIfAny();
  }
  const lockVersion = metadata!['lock_version'];
  if (typeof lockVersion !== 'string' || !/^\d+(\.\d+)*$/.test(lockVersion)) {
    problems.add('metadata.lock_version', `'lock_version' must look like "4.4.1", found ${describe(lockVersion)}`);
    problems.throwIfAny();
  }
  if (Number(String(lockVersion).split('.')[0]) !== SUPPORTED_MAJOR) {
    throw unsupported('metadata.lock_version', `pdm lock_version ${String(lockVersion)} is not supported; pyvouch reads 4.x (pdm 2.x)`, 'regenerate it with pdm 2.x (`pdm lock`), or upgrade pyvouch');
  }
  const legacyFiles = isTable(metadata!['files']) ? metadata!['files'] : {};
  const lockGroups = stringList(metadata!, 'groups', problems, 'metadata');

  const packages = readPackageTables(doc, problems, (entry) => readPackage(entry, problems, legacyFiles, markers));
  problems.throwIfAny();

  const byName = new Map<string, PdmPackage[]>();
  for (const p of packages) byName.set(p.name, [...(byName.get(p.name) ?? []), p]);
  const plain = (name: string): PdmPackage | undefined => {
    const all = (byName.get(name) ?? []).filter((p) => p.extras.length === 0);
    return all.find((p) => p.marker === undefined || markers.holds(p.marker)) ?? all[0];
  };
  const withExtra = (name: string, extra: string): PdmPackage | undefined => (byName.get(name) ?? []).find((p) => p.extras.includes(extra));

  /** A requirement whose marker holds, to the entries it installs: the package, and its extras' entries. */
  const stepsOf = (reqs: readonly Requirement[], at: string): Array<WalkStep<PdmPackage>> => {
    const steps: Array<WalkStep<PdmPackage>> = [];
    for (const req of reqs) {
      if (req.marker !== null && !markers.holds(req.marker.toString())) continue;
      const child = plain(req.canonicalName);
      if (child === undefined) {
        // Fail closed: a requirement the lock cannot satisfy is an error, never a dropped package.
        problems.add(at, `'${req.toString()}' is required but '${req.canonicalName}' has no [[package]] entry in the lock`);
        continue;
      }
      const extras = [...req.extras].map(canonical);
      steps.push({ child, extras, marker: req.marker?.toString() ?? null, specifier: req.specifier.toString() });
    }
    return steps;
  };
  const depsOf = (p: PdmPackage, on: ReadonlySet<string>): Array<WalkStep<PdmPackage>> => {
    const reqs = [...p.dependencies];
    for (const e of on) {
      const entry = withExtra(p.name, e);
      if (entry === undefined) {
        builder.diagnose('warning', `${p.name}[${e}] is required but the lock has no entry for that extra; its extra dependencies are unknown`);
        continue;
      }
      // An extra's entry lists the package itself (`name==version`) among its dependencies: skip it.
      reqs.push(...entry.dependencies.filter((r) => r.canonicalName !== p.name));
    }
    return stepsOf(reqs, `package[${p.index}].dependencies`);
  };

  let rules: GroupRules;
  let choice: GroupChoice;
  let extras: string[] = [];
  const entries: Array<{ pkg: PdmPackage; extras: readonly string[] }> = [];
  if (pyproject !== undefined) {
    const project = readPyproject(pyproject.text, pyproject.file);
    rules = { available: project.devGroups, defaults: project.devGroups, defaultsFrom: 'pdm sync: the default group and every dev group', projectGroup: 'default' };
    choice = chooseGroups(rules, selection, pyproject.file);
    extras = chooseExtras([...project.optional.keys()], selection, pyproject.file);
    const reqs: Array<{ reqs: Requirement[]; at: string }> = [];
    if (choice.project) reqs.push({ reqs: project.dependencies, at: 'project.dependencies' });
    for (const e of extras) reqs.push({ reqs: project.optional.get(e) ?? [], at: `project.optional-dependencies.${e}` });
    for (const g of choice.groups) reqs.push({ reqs: project.groups.get(g) ?? [], at: `dev-dependencies.${g}` });
    for (const r of reqs) for (const step of stepsOf(r.reqs, r.at)) entries.push({ pkg: step.child, extras: step.extras });
  } else {
    // Without pyproject.toml, dev groups and optional groups cannot be told apart: take them all.
    const available = (lockGroups.length > 0 ? lockGroups : [...new Set(packages.flatMap((p) => p.groups))]).filter((g) => canonical(g) !== 'default');
    rules = { available, defaults: available, defaultsFrom: 'every group of the lock: no pyproject.toml beside it says which are dev groups', projectGroup: 'default' };
    choice = chooseGroups(rules, selection, file);
    if (selection.allExtras === true || (selection.extras?.length ?? 0) > 0) {
      throw new PyvouchError('USAGE', `${file}: the project's extras are defined in its pyproject.toml, which is not beside the lock`, {
        file,
        help: 'put the pyproject.toml beside the pdm.lock, or pass the extra as --group (pdm locks extras as groups)',
      });
    }
    const taken = new Set([...(choice.project ? ['default'] : []), ...choice.groups]);
    if (packages.some((p) => p.groups.length > 0)) {
      // pdm 2.x with inherit_metadata: each package says which groups, and under which marker, install it.
      for (const p of packages) {
        if (p.extras.length > 0 || !p.groups.some((g) => taken.has(canonical(g)))) continue;
        if (p.marker !== undefined && !markers.holds(p.marker)) continue;
        entries.push({ pkg: p, extras: [] });
      }
    } else {
      const depended = new Set(packages.flatMap((p) => p.dependencies.map((d) => d.canonicalName)));
      for (const p of packages) if (p.extras.length === 0 && !depended.has(p.name)) entries.push({ pkg: p, extras: [] });
      builder.diagnose('info', "no pyproject.toml beside the lock: the roots are guessed as the packages nothing else in the lock requires, whatever their markers");
    }
  }
  problems.throwIfAny();

  const reached = walkReachable(
    entries,
    (p) => `${p.index}`,
    depsOf,
    (from, step) => builder.addEdge({ from: from.name, to: step.child.name, specifier: step.specifier, marker: step.marker, extras: step.extras }),
  );
  problems.throwIfAny();

  for (const { pkg, extras: on } of reached.values()) {
    const node: GraphNode = { name: pkg.name, version: normaliseVersion(pkg.version), artifacts: chooseArtifacts(pkg.files, target), metadata: 'lock' };
    if (pkg.source !== undefined) node.source = pkg.source;
    if (on.size > 0) node.extras = [...on];
    if (pkg.source?.kind === 'editable') node.notes = [`editable install of ${pkg.source.location ?? 'a local directory'}`];
    else if (pkg.source?.kind === 'vcs') node.notes = [`built from ${pkg.source.location ?? 'a VCS checkout'}`];
    if (pkg.requiresPython !== undefined && !markers.pythonSatisfies(pkg.requiresPython)) {
      builder.diagnose('warning', `${pkg.name} requires Python ${pkg.requiresPython}; pdm would refuse Python ${target.python}`, locate(`package[${pkg.index}]`));
    }
    builder.addLockedNode(node, pkg.files.length, 'pdm', locate(`package[${pkg.index}]`));
  }
  // Every entry starts the walk; those another entry requires are shown below it, not as roots.
  const required = pyproject === undefined ? new Set(entries.flatMap((e) => e.pkg.dependencies.map((d) => d.canonicalName))) : new Set<string>();
  for (const e of entries) if (!required.has(e.pkg.name)) builder.addRoot(e.pkg.name);
  builder.rootEveryCycle();
  return { ...builder.build(true), selection: graphSelection(choice, extras, rules) };
};

function readPackage(entry: PackageEntry, problems: Problems, legacyFiles: TomlTable, markers: TargetMarkers): PdmPackage | undefined {
  const { raw, at, index: i, before } = entry;
  const name = requiredString(raw, 'name', problems, at);
  const version = requiredString(raw, 'version', problems, at);
  const pkg: PdmPackage = {
    index: i,
    name: canonical(name),
    version,
    extras: stringList(raw, 'extras', problems, at).map(canonical),
    dependencies: [],
    groups: stringList(raw, 'groups', problems, at),
    files: [],
  };
  stringList(raw, 'dependencies', problems, at).forEach((text, j) => {
    try {
      const req = new Requirement(text);
      if (req.marker !== null) markers.parse(req.marker.toString());
      pkg.dependencies.push(req);
    } catch (err) {
      problems.addError(`${at}.dependencies[${j}]`, err);
    }
  });
  const marker = optionalString(raw, 'marker', problems, at);
  if (marker !== undefined) {
    try {
      markers.parse(marker);
      pkg.marker = marker;
    } catch (err) {
      problems.addError(`${at}.marker`, err);
    }
  }
  const requiresPython = optionalString(raw, 'requires_python', problems, at);
  if (requiresPython !== undefined && requiresPython !== '') {
    try {
      markers.pythonSatisfies(requiresPython);
      pkg.requiresPython = requiresPython;
    } catch (err) {
      problems.addError(`${at}.requires_python`, err);
    }
  }
  const str = (k: string): string | undefined => (typeof raw[k] === 'string' ? (raw[k]) : undefined);
  if (str('git') !== undefined) pkg.source = { kind: 'vcs', location: `git+${str('git')!}${str('revision') === undefined ? '' : `@${str('revision')!}`}` };
  else if (str('path') !== undefined) pkg.source = { kind: raw['editable'] === true ? 'editable' : 'path', location: str('path')! };
  else if (str('url') !== undefined) pkg.source = { kind: 'url', location: str('url')! };
  // pdm 4.4+ writes files inline; 4.0-4.3 kept them in [metadata.files] under "name version".
  const inline = raw['files'];
  const legacyKey = Object.keys(legacyFiles).find((k) => {
    const [n, v] = k.split(' ');
    return n !== undefined && canonical(n) === pkg.name && v === pkg.version;
  });
  const rawFiles = inline ?? (legacyKey === undefined ? undefined : legacyFiles[legacyKey]);
  const filesAt = inline !== undefined ? `${at}.files` : `metadata.files."${legacyKey ?? ''}"`;
  if (rawFiles !== undefined) {
    if (!Array.isArray(rawFiles)) problems.add(filesAt, `must be an array of { file/url, hash }, found ${describe(rawFiles)}`);
    else
      rawFiles.forEach((f, j) => {
        const fileAt = `${filesAt}[${j}]`;
        if (!isTable(f)) return problems.add(fileAt, `must be a table, found ${describe(f)}`);
        const location = typeof f['url'] === 'string' ? f['url'] : typeof f['file'] === 'string' ? f['file'] : undefined;
        if (location === undefined) return problems.add(fileAt, "names no file: expected 'file' or 'url'");
        const candidate: CandidateFile = { filename: filenameFromLocation(location) };
        if (typeof f['url'] === 'string') candidate.url = f['url'];
        const sha256 = sha256OfHash(f['hash'], `${fileAt}.hash`, problems);
        if (sha256 !== undefined) candidate.sha256 = sha256;
        pkg.files.push(candidate);
      });
  }
  return problems.count === before ? pkg : undefined;
}

interface PdmProject {
  dependencies: Requirement[];
  optional: Map<string, Requirement[]>;
  /** pdm's dev groups ([tool.pdm.dev-dependencies], PEP 735 [dependency-groups]), normalised. */
  devGroups: string[];
  groups: Map<string, Requirement[]>;
}

function readPyproject(text: string, file: string): PdmProject {
  const doc = PyprojectDocument.parse(text, file, 'LOCK_PARSE');
  const problems = new Problems(file, doc.locate);
  const parse = (list: unknown, at: string): Requirement[] => {
    if (list === undefined) return [];
    if (!Array.isArray(list)) {
      problems.add(at, `must be an array of requirement strings, found ${describe(list)}`);
      return [];
    }
    const out: Requirement[] = [];
    list.forEach((t, j) => {
      // PEP 735 include-group tables and pdm's "-e path" entries are not index requirements.
      if (typeof t !== 'string' || t.startsWith('-e ')) return;
      try {
        out.push(new Requirement(t));
      } catch (err) {
        problems.addError(`${at}[${j}]`, err);
      }
    });
    return out;
  };
  const project = doc.project(problems);
  const pdm = doc.tool('pdm');
  const out: PdmProject = { dependencies: parse(project?.dependencies, 'project.dependencies'), optional: new Map(), devGroups: [], groups: new Map() };
  for (const [e, list] of Object.entries(project?.optionalDependencies ?? {})) out.optional.set(canonical(e), parse(list, `project.optional-dependencies.${e}`));
  for (const [table, at] of [
    [pdm['dev-dependencies'], 'tool.pdm.dev-dependencies'],
    [doc.dependencyGroups(), 'dependency-groups'],
  ] as const) {
    if (!isTable(table)) continue;
    for (const [g, list] of Object.entries(table)) {
      const name = canonical(g);
      out.groups.set(name, [...(out.groups.get(name) ?? []), ...parse(list, `${at}.${g}`)]);
    }
  }
  out.devGroups = [...out.groups.keys()];
  problems.throwIfAny();
  return out;
}
