// Reads pylock.toml (PEP 751, the packaging.python.org "pylock.toml Specification") into a Graph
// for one target, following the specification's installation steps: a package is installed when its
// marker holds, evaluated with the `extras` and `dependency_groups` marker variables.

import { PyvouchError } from '../errors.js';
import type { GraphNode, NodeSource, TargetDescription } from '../graph/graph.js';
import {
  type CandidateFile,
  GraphBuilder,
  Problems,
  TargetMarkers,
  UNKNOWN_VERSION,
  canonical,
  chooseArtifacts,
  describe,
  filenameFromLocation,
  isTable,
  normaliseVersion,
  optionalString,
  startTomlLock,
  sha256Hex,
  readUploadTime,
  stringList,
  toArtifact,
  type TomlTable,
  type TomlLockReader,
} from './common.js';
import { optionalSize } from './toml-entries.js';
import { type GroupRules, chooseExtras, chooseGroups, graphSelection } from './selection.js';

interface PylockFile {
  filename: string;
  url?: string;
  path?: string;
  size?: number;
  sha256?: string;
  uploadTime?: string;
}

interface PylockPackage {
  index: number;
  name: string;
  version?: string;
  marker?: string;
  requiresPython?: string;
  dependencies?: TomlTable[];
  indexUrl?: string;
  vcs?: { type: string; url?: string; path?: string; commitId: string; subdirectory?: string };
  directory?: { path: string; editable: boolean; subdirectory?: string };
  archive?: PylockFile;
  sdist?: PylockFile;
  wheels?: PylockFile[];
  raw: TomlTable;
}

const SUPPORTED_MAJOR = 1;
const KNOWN_MINOR = 0;

export const readPylock: TomlLockReader = (text, file, target, selection = {}) => {
  const { doc, locate, problems, builder, markers } = startTomlLock('pylock.toml', text, file, target);

  const lockVersion = doc['lock-version'];
  if (typeof lockVersion !== 'string') {
    problems.add('lock-version', `'lock-version' must be a string such as "1.0", found ${describe(lockVersion)}`);
    problems.throwIfAny();
  }
  checkLockVersion(String(lockVersion), file, problems, builder);

  const extrasDeclared = stringList(doc, 'extras', problems);
  const groupsDeclared = stringList(doc, 'dependency-groups', problems);
  const defaultGroups = stringList(doc, 'default-groups', problems);
  const environments = stringList(doc, 'environments', problems);
  const requiresPython = optionalString(doc, 'requires-python', problems);
  if (doc['created-by'] === undefined) problems.add('created-by', "'created-by' is required (PEP 751)");

  const rawPackages = doc['packages'];
  if (!Array.isArray(rawPackages)) {
    problems.add('packages', `'packages' must be an array of tables ([[packages]]), found ${describe(rawPackages)}`);
    problems.throwIfAny();
  }
  // Markers and specifiers are checked while reading, before any is evaluated, so every syntax
  // error in the file is reported together.
  if (requiresPython !== undefined) checkSpecifier(markers, requiresPython, 'requires-python', problems);
  environments.forEach((m, i) => checkMarker(markers, m, `environments[${i}]`, problems));
  const packages = (rawPackages as unknown[]).map((p, i) => readPackage(p, i, problems, markers));
  problems.throwIfAny();

  // PEP 751: `dependency_groups` is the set from default-groups unless the user names groups.
  const rules: GroupRules = { available: [...new Set([...groupsDeclared, ...defaultGroups])], defaults: defaultGroups, defaultsFrom: `the lock's default-groups (PEP 751)` };
  if ((selection.onlyGroups?.length ?? 0) > 0) {
    throw new PyvouchError('USAGE', `${file}: a pylock.toml cannot leave out the project's own packages, so --only-group has no meaning for it`, {
      file,
      help: 'use --no-default-groups --group NAME to choose the groups',
    });
  }
  const choice = chooseGroups(rules, selection, file);
  const extras = chooseExtras(extrasDeclared, selection, file);
  const groups = choice.groups;

  if (requiresPython !== undefined && !markers.pythonSatisfies(requiresPython)) {
    builder.diagnose(
      'warning',
      `the lock requires Python ${requiresPython}; an installer would refuse Python ${target.python}`,
      locate('requires-python'),
    );
  }
  if (environments.length > 0 && !environments.some((m) => markers.holdsWith(m, extras, groups))) {
    builder.diagnose(
      'warning',
      `no entry of 'environments' matches the target (${environments.join(' | ')}); an installer would refuse it`,
      locate('environments'),
    );
  }

  const selected = new Map<string, PylockPackage>();
  for (const p of packages) {
    if (p === undefined) continue;
    if (p.marker !== undefined && !markers.holdsWith(p.marker, extras, groups)) continue;
    const name = canonical(p.name);
    const other = selected.get(name);
    if (other !== undefined) {
      problems.add(
        `packages[${p.index}]`,
        `packages[${other.index}] and packages[${p.index}] both install '${name}' on this target; PEP 751 requires one entry per package`,
      );
      continue;
    }
    if (p.requiresPython !== undefined && !markers.pythonSatisfies(p.requiresPython)) {
      builder.diagnose(
        'warning',
        `${name} requires Python ${p.requiresPython}; an installer would stop with an error on Python ${target.python}`,
        locate(`packages[${p.index}].requires-python`),
      );
    }
    selected.set(name, p);
  }
  problems.throwIfAny();

  for (const [name, p] of selected) builder.addNode(toNode(name, p, target, builder, locate));

  const edgesKnown = packages.some((p) => p?.dependencies !== undefined);
  const hasParent = new Set<string>();
  if (edgesKnown) {
    for (const [name, p] of selected) {
      (p.dependencies ?? []).forEach((dep, j) => {
        const match = matchDependency(dep, selected, packages);
        if (match === undefined) return; // its marker excluded it for this target
        if (match === null) {
          problems.add(`packages[${p.index}].dependencies[${j}]`, `dependency ${JSON.stringify(dep)} names no entry of 'packages'`);
          return;
        }
        builder.addEdge({ from: name, to: match, specifier: '', marker: null });
        hasParent.add(match);
      });
    }
    problems.throwIfAny();
  } else {
    builder.diagnose(
      'info',
      'the lock records no packages.dependencies, so the graph has no edges; every installed package is shown as a root',
    );
  }
  for (const name of selected.keys()) if (!hasParent.has(name)) builder.addRoot(name);
  builder.rootEveryCycle();
  return { ...builder.build(edgesKnown), selection: graphSelection(choice, extras, rules) };
};

function checkLockVersion(version: string, file: string, problems: Problems, builder: GraphBuilder): void {
  const m = /^(\d+)\.(\d+)$/.exec(version);
  if (m === null) {
    problems.add('lock-version', `'lock-version' must look like "1.0", found "${version}"`);
    problems.throwIfAny();
    return;
  }
  const major = Number(m[1]);
  if (major !== SUPPORTED_MAJOR) {
    throw new PyvouchError('LOCK_UNSUPPORTED', `pylock lock-version ${version} is not supported; pyvouch reads lock-version 1.x`, {
      file,
      path: 'lock-version',
      help: 'regenerate the lock with a tool that writes PEP 751 lock-version 1.0, or upgrade pyvouch',
    });
  }
  if (Number(m[2]) > KNOWN_MINOR) {
    builder.diagnose('warning', `lock-version ${version} is newer than 1.${KNOWN_MINOR}; keys pyvouch does not know are ignored`);
  }
}

function readPackage(raw: unknown, i: number, problems: Problems, markers: TargetMarkers): PylockPackage | undefined {
  const at = `packages[${i}]`;
  if (!isTable(raw)) {
    problems.add(at, `each entry of 'packages' must be a table, found ${describe(raw)}`);
    return undefined;
  }
  const before = problems.count;
  const name = raw['name'];
  if (typeof name !== 'string' || name === '') problems.add(`${at}.name`, `'name' is required and must be a string, found ${describe(name)}`);
  const pkg: PylockPackage = { index: i, name: typeof name === 'string' ? name : '', raw };
  const version = optionalString(raw, 'version', problems, at);
  if (version !== undefined) pkg.version = version;
  const marker = optionalString(raw, 'marker', problems, at);
  if (marker !== undefined) {
    pkg.marker = marker;
    checkMarker(markers, marker, `${at}.marker`, problems);
  }
  const rp = optionalString(raw, 'requires-python', problems, at);
  if (rp !== undefined) {
    pkg.requiresPython = rp;
    checkSpecifier(markers, rp, `${at}.requires-python`, problems);
  }
  const index = optionalString(raw, 'index', problems, at);
  if (index !== undefined) pkg.indexUrl = index;

  if (raw['dependencies'] !== undefined) {
    const deps = raw['dependencies'];
    if (!Array.isArray(deps) || !deps.every(isTable)) {
      problems.add(`${at}.dependencies`, `'dependencies' must be an array of tables, found ${describe(deps)}`);
    } else {
      deps.forEach((d, j) => {
        if (typeof d['name'] !== 'string') problems.add(`${at}.dependencies[${j}].name`, `each dependency needs a 'name' string`);
      });
      pkg.dependencies = deps;
    }
  }

  const vcs = raw['vcs'];
  if (vcs !== undefined) {
    if (!isTable(vcs)) problems.add(`${at}.vcs`, `'vcs' must be a table, found ${describe(vcs)}`);
    else {
      const type = vcs['type'];
      const commit = vcs['commit-id'];
      if (typeof type !== 'string') problems.add(`${at}.vcs.type`, `'vcs.type' is required (e.g. "git")`);
      if (typeof commit !== 'string') problems.add(`${at}.vcs.commit-id`, `'vcs.commit-id' is required: the exact commit to install`);
      const url = optionalString(vcs, 'url', problems, `${at}.vcs`);
      const path = optionalString(vcs, 'path', problems, `${at}.vcs`);
      if (url === undefined && path === undefined) problems.add(`${at}.vcs`, `'vcs' needs a 'url' or a 'path'`);
      const sub = optionalString(vcs, 'subdirectory', problems, `${at}.vcs`);
      pkg.vcs = { type: String(type), commitId: String(commit) };
      if (url !== undefined) pkg.vcs.url = url;
      if (path !== undefined) pkg.vcs.path = path;
      if (sub !== undefined) pkg.vcs.subdirectory = sub;
    }
  }
  const dir = raw['directory'];
  if (dir !== undefined) {
    if (!isTable(dir)) problems.add(`${at}.directory`, `'directory' must be a table, found ${describe(dir)}`);
    else {
      const path = dir['path'];
      if (typeof path !== 'string') problems.add(`${at}.directory.path`, `'directory.path' is required`);
      const editable = dir['editable'];
      if (editable !== undefined && typeof editable !== 'boolean') {
        problems.add(`${at}.directory.editable`, `'directory.editable' must be true or false, found ${describe(editable)}`);
      }
      pkg.directory = { path: String(path), editable: editable === true };
      const sub = optionalString(dir, 'subdirectory', problems, `${at}.directory`);
      if (sub !== undefined) pkg.directory.subdirectory = sub;
    }
  }
  if (raw['archive'] !== undefined) {
    const a = readFileEntry(raw['archive'], `${at}.archive`, problems);
    if (a !== undefined) pkg.archive = a;
  }
  if (raw['sdist'] !== undefined) {
    const s = readFileEntry(raw['sdist'], `${at}.sdist`, problems);
    if (s !== undefined) pkg.sdist = s;
  }
  if (raw['wheels'] !== undefined) {
    const ws = raw['wheels'];
    if (!Array.isArray(ws)) problems.add(`${at}.wheels`, `'wheels' must be an array of tables, found ${describe(ws)}`);
    else {
      pkg.wheels = [];
      ws.forEach((w, j) => {
        const entry = readFileEntry(w, `${at}.wheels[${j}]`, problems);
        if (entry === undefined) return;
        if (!entry.filename.toLowerCase().endsWith('.whl')) {
          problems.add(`${at}.wheels[${j}]`, `wheel file name '${entry.filename}' does not end in .whl`);
        }
        pkg.wheels!.push(entry);
      });
    }
  }

  const sources = [
    pkg.vcs && 'vcs',
    pkg.directory && 'directory',
    pkg.archive && 'archive',
    (pkg.sdist || pkg.wheels) && 'sdist/wheels',
  ].filter((s): s is string => typeof s === 'string');
  if (sources.length > 1) {
    problems.add(at, `'${pkg.name}' has conflicting sources (${sources.join(', ')}); PEP 751 allows only one of vcs, directory, archive, or sdist/wheels`);
  }
  if (sources.length === 0 && typeof name === 'string') {
    problems.add(at, `'${name}' records no source: it needs one of vcs, directory, archive, sdist or wheels`);
  }
  return problems.count === before ? pkg : undefined;
}

function readFileEntry(raw: unknown, at: string, problems: Problems): PylockFile | undefined {
  if (!isTable(raw)) {
    problems.add(at, `must be a table, found ${describe(raw)}`);
    return undefined;
  }
  const url = optionalString(raw, 'url', problems, at);
  const path = optionalString(raw, 'path', problems, at);
  const name = optionalString(raw, 'name', problems, at);
  const filename = name ?? filenameFromLocation(url ?? path ?? '');
  if (url === undefined && path === undefined) problems.add(at, `needs a 'url' or a 'path'`);
  else if (filename === '') problems.add(`${at}.name`, `no file name: set 'name' or a url/path ending in the file name`);
  const size = optionalSize(raw, at, problems);
  const hashes = raw['hashes'];
  let sha256: string | undefined;
  if (!isTable(hashes) || Object.keys(hashes).length === 0) {
    problems.add(`${at}.hashes`, `'hashes' is required and must hold at least one algorithm = "hex digest" entry`);
  } else {
    for (const [alg, value] of Object.entries(hashes)) {
      if (typeof value !== 'string' || !/^[0-9a-fA-F]+$/.test(value)) {
        problems.add(`${at}.hashes.${alg}`, `hash values must be hex strings, found ${describe(value)}`);
      } else if (alg.toLowerCase() === 'sha256') {
        sha256 = sha256Hex(value);
        if (sha256 === undefined) problems.add(`${at}.hashes.sha256`, `a sha256 digest has 64 hex digits, found ${value.length}: '${value}'`);
      }
    }
  }
  const out: PylockFile = { filename };
  if (url !== undefined) out.url = url;
  if (path !== undefined) out.path = path;
  if (size !== undefined) out.size = size;
  if (sha256 !== undefined) out.sha256 = sha256;
  const uploaded = readUploadTime(raw['upload-time']);
  if (uploaded !== undefined) out.uploadTime = uploaded;
  return out;
}

function toNode(
  name: string,
  p: PylockPackage,
  target: TargetDescription,
  builder: GraphBuilder,
  locate: (path: string) => number | undefined,
): GraphNode {
  const node: GraphNode = { name, version: UNKNOWN_VERSION, artifacts: [], metadata: 'lock' };
  const notes: string[] = [];
  if (p.version !== undefined) node.version = normaliseVersion(p.version);
  if (p.vcs !== undefined) {
    const where = p.vcs.url ?? p.vcs.path ?? '';
    node.source = { kind: 'vcs', location: `${p.vcs.type}+${where}@${p.vcs.commitId}` };
    notes.push(`built from ${p.vcs.type} commit ${p.vcs.commitId}${p.vcs.subdirectory ? ` (subdirectory ${p.vcs.subdirectory})` : ''}`);
  } else if (p.directory !== undefined) {
    node.source = { kind: p.directory.editable ? 'editable' : 'directory', location: p.directory.path };
    notes.push(p.directory.editable ? 'editable install of a local directory' : 'built from a local directory');
  } else if (p.archive !== undefined) {
    const a = p.archive;
    const source: NodeSource = a.url !== undefined ? { kind: 'url', location: a.url } : { kind: 'path', location: a.path ?? '' };
    node.source = source;
    node.artifacts = [toArtifact(fileCandidate(a, p.indexUrl))];
  } else {
    if (p.indexUrl !== undefined) node.source = { kind: 'registry', location: p.indexUrl };
    const files: CandidateFile[] = [...(p.wheels ?? []), ...(p.sdist ? [p.sdist] : [])].map((f) => fileCandidate(f, p.indexUrl));
    node.artifacts = chooseArtifacts(files, target);
    if (node.artifacts.length === 0 && files.length > 0) {
      builder.diagnose(
        'warning',
        `${name} ${node.version}: none of its ${files.length} file(s) fits the target and there is no sdist; an installer would stop with an error`,
        locate(`packages[${p.index}]`),
      );
    }
  }
  if (node.version === UNKNOWN_VERSION) {
    builder.diagnose('info', `${name}: the lock records no version (a source tree); shown as '${UNKNOWN_VERSION}'`, locate(`packages[${p.index}]`));
  }
  if (notes.length > 0) node.notes = notes;
  return node;
}

function fileCandidate(f: PylockFile, index: string | undefined): CandidateFile {
  const c: CandidateFile = { filename: f.filename };
  if (f.sha256 !== undefined) c.sha256 = f.sha256;
  if (f.url !== undefined) c.url = f.url;
  else if (f.path !== undefined) c.url = f.path;
  if (f.size !== undefined) c.size = f.size;
  if (index !== undefined) c.index = index;
  if (f.uploadTime !== undefined) c.uploadTime = f.uploadTime;
  return c;
}

/**
 * PEP 751 dependencies name another entry by a key-by-key comparison. Returns the canonical name of
 * the selected entry it matches, undefined when the matching entry is not installed on this target,
 * or null when no entry at all matches.
 */
function matchDependency(
  dep: TomlTable,
  selected: Map<string, PylockPackage>,
  all: ReadonlyArray<PylockPackage | undefined>,
): string | null | undefined {
  const name = canonical(String(dep['name']));
  if (!all.some((p) => p !== undefined && canonical(p.name) === name)) return null;
  const candidate = selected.get(name);
  if (candidate === undefined) return undefined;
  for (const [key, value] of Object.entries(dep)) {
    if (key === 'name') continue;
    if (!sameValue(candidate.raw[key], value)) return undefined;
  }
  return name;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (isTable(a) && isTable(b)) return Object.entries(b).every(([k, v]) => sameValue(a[k], v));
  if (typeof a === 'string' && typeof b === 'string') return a === b || normaliseVersion(a) === normaliseVersion(b);
  return JSON.stringify(a) === JSON.stringify(b);
}

function checkMarker(markers: TargetMarkers, text: string, path: string, problems: Problems): void {
  try {
    markers.parse(text);
  } catch (err) {
    problems.addError(path, err);
  }
}

function checkSpecifier(markers: TargetMarkers, text: string, path: string, problems: Problems): void {
  try {
    markers.pythonSatisfies(text);
  } catch (err) {
    problems.addError(path, err);
  }
}
