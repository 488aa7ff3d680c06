// Reads Pipfile.lock (pipenv, pipfile-spec 6: JSON with `_meta`, `default` and `develop`) into a
// Graph for one target, as `pipenv sync` installs it: every entry of `default` (and of `develop`
// with `--group dev`, like `pipenv sync --dev`) whose PEP 508 marker holds, each with its hashes.
// The file records no dependency edges, so none are invented: every package is a root.

import { PyvouchError } from '../errors.js';
import type { Artifact, Graph, GraphNode, NodeSource, SelectionOptions, TargetDescription } from '../graph/graph.js';
import {
  GraphBuilder,
  Problems,
  TargetMarkers,
  UNKNOWN_VERSION,
  artifactKind,
  canonical,
  describe,
  filenameFromLocation,
  isTable,
  normaliseVersion,
  sha256Hex,
  splitHash,
  type TomlTable,
} from './common.js';
import { hashOnlyFilename } from './requirements.js';
import { type GroupRules, chooseExtras, chooseGroups, graphSelection } from './selection.js';

const SUPPORTED_SPEC = 6;

/** pipenv's sections, under the group names pyvouch's options use. */
const SECTIONS = [
  { key: 'default', group: 'default' },
  { key: 'develop', group: 'dev' },
] as const;

export function readPipfileLock(text: string, file: string, target: TargetDescription, selection: SelectionOptions = {}): Graph {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new PyvouchError('LOCK_PARSE', `not valid JSON: ${(err as Error).message}`, { file, cause: err });
  }
  const problems = new Problems(file);
  if (!isTable(doc)) {
    problems.add(undefined, `a Pipfile.lock is a JSON object, found ${describe(doc)}`);
    problems.throwIfAny();
  }
  const root = doc as TomlTable;
  const meta = root['_meta'];
  if (!isTable(meta)) {
    problems.add('_meta', `'_meta' is required (pipenv writes hash, pipfile-spec, requires and sources there), found ${describe(meta)}`);
    problems.throwIfAny();
  }
  const spec = (meta as TomlTable)['pipfile-spec'];
  if (spec !== SUPPORTED_SPEC) {
    throw new PyvouchError('LOCK_UNSUPPORTED', `Pipfile.lock pipfile-spec ${describe(spec)} is not supported; pyvouch reads pipfile-spec ${SUPPORTED_SPEC}`, {
      file,
      path: '_meta.pipfile-spec',
      help: 'regenerate it with `pipenv lock`, or upgrade pyvouch',
    });
  }
  const indexes = readSources((meta as TomlTable)['sources'], problems);
  const builder = new GraphBuilder('Pipfile.lock', file, target);
  const markers = new TargetMarkers(target);

  const rules: GroupRules = {
    available: root['develop'] === undefined ? [] : ['dev'],
    defaults: [],
    defaultsFrom: 'pipenv sync: the default section; develop only with --group dev (pipenv sync --dev)',
    projectGroup: 'default',
  };
  const choice = chooseGroups(rules, selection, file);
  // Pipfile.lock has no project extras: an extra asked for is a usage error, not a silent no-op.
  const extras = chooseExtras([], selection, file);
  const taken = SECTIONS.filter((s) => (s.group === 'default' ? choice.project : choice.groups.includes(s.group)));

  const entries: Array<{ name: string; raw: TomlTable; at: string }> = [];
  for (const { key } of SECTIONS) {
    const section = root[key];
    if (section === undefined) continue;
    if (!isTable(section)) {
      problems.add(key, `'${key}' must be an object of name: entry, found ${describe(section)}`);
      continue;
    }
    if (!taken.some((s) => s.key === key)) continue;
    for (const [name, raw] of Object.entries(section)) {
      const at = `${key}.${name}`;
      if (!isTable(raw)) problems.add(at, `each entry must be an object, found ${describe(raw)}`);
      else entries.push({ name, raw, at });
    }
  }
  const nodes = entries.map((e) => readEntry(e.name, e.raw, e.at, problems, markers, indexes));
  problems.throwIfAny();

  for (const n of nodes) {
    if (n === undefined || !n.installs) continue;
    if (!builder.addNode(n.node)) {
      const kept = builder.node(n.node.name);
      // The same package in default and develop: pipenv installs one; a different pin is a conflict.
      if (kept !== undefined && kept.version !== n.node.version) {
        builder.diagnose('warning', `${n.node.name} is locked as ${kept.version} and ${n.node.version} in two sections; the graph keeps ${kept.version}`);
      }
      continue;
    }
    builder.addRoot(n.node.name);
  }
  builder.diagnose('info', 'Pipfile.lock records no dependency edges: every installed package is shown as a root');
  return { ...builder.build(false), selection: graphSelection(choice, extras, rules) };
}

function readSources(raw: unknown, problems: Problems): Map<string, string> {
  const out = new Map<string, string>();
  if (raw === undefined) return out;
  if (!Array.isArray(raw)) {
    problems.add('_meta.sources', `'sources' must be an array, found ${describe(raw)}`);
    return out;
  }
  raw.forEach((s, i) => {
    if (!isTable(s) || typeof s['name'] !== 'string' || typeof s['url'] !== 'string') {
      problems.add(`_meta.sources[${i}]`, `each source needs a 'name' and a 'url', found ${describe(s)}`);
      return;
    }
    out.set(s['name'], s['url']);
  });
  return out;
}

function readEntry(
  rawName: string,
  raw: TomlTable,
  at: string,
  problems: Problems,
  markers: TargetMarkers,
  indexes: ReadonlyMap<string, string>,
): { node: GraphNode; installs: boolean } | undefined {
  const before = problems.count;
  const name = canonical(rawName);
  const str = (key: string): string | undefined => {
    const v = raw[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') {
      problems.add(`${at}.${key}`, `'${key}' must be a string, found ${describe(v)}`);
      return undefined;
    }
    return v;
  };
  const pin = str('version');
  let version = UNKNOWN_VERSION;
  if (pin !== undefined) {
    const m = /^===?\s*(\S+)$/.exec(pin.trim());
    if (m === null) problems.add(`${at}.version`, `'version' must be an exact pin such as "==1.0", found ${JSON.stringify(pin)}`);
    else version = normaliseVersion(m[1]!);
  }
  const marker = str('markers');
  let installs = true;
  if (marker !== undefined) {
    try {
      installs = markers.holds(marker);
    } catch (err) {
      problems.addError(`${at}.markers`, err);
    }
  }
  const hashes: string[] = [];
  const rawHashes = raw['hashes'];
  if (rawHashes !== undefined) {
    if (!Array.isArray(rawHashes)) problems.add(`${at}.hashes`, `'hashes' must be an array of "sha256:<hex>" strings, found ${describe(rawHashes)}`);
    else
      rawHashes.forEach((h, j) => {
        const split = typeof h === 'string' ? splitHash(h) : undefined;
        const hex = split?.algorithm === 'sha256' ? sha256Hex(split.digest) : undefined;
        if (split === undefined || (split.algorithm === 'sha256' && hex === undefined)) {
          problems.add(`${at}.hashes[${j}]`, `a hash looks like "sha256:<64 hex digits>", found ${describe(h)}`);
        } else if (hex !== undefined) hashes.push(hex);
      });
  }
  const indexName = str('index');
  const index = indexName === undefined ? undefined : indexes.get(indexName);
  if (indexName !== undefined && index === undefined) problems.add(`${at}.index`, `index '${indexName}' is not one of _meta.sources`);

  let source: NodeSource | undefined;
  const git = str('git');
  const path = str('path');
  const url = str('file') ?? str('url');
  if (git !== undefined) source = { kind: 'vcs', location: `git+${git}${str('ref') === undefined ? '' : `@${str('ref')}`}` };
  else if (path !== undefined) source = { kind: raw['editable'] === true ? 'editable' : 'path', location: path };
  else if (url !== undefined) source = { kind: 'url', location: url };
  else if (index !== undefined) source = { kind: 'registry', location: index };
  if (problems.count !== before) return undefined;

  let artifacts: Artifact[];
  if (url !== undefined && git === undefined) {
    const filename = filenameFromLocation(url);
    artifacts = [{ filename, url, kind: artifactKind(filename), ...(hashes.length === 1 ? { sha256: hashes[0]! } : {}) }];
  } else {
    // pipenv records the hashes of every file of the release, not their names: pip may install any.
    artifacts = [...new Set(hashes)].map((sha256) => ({ filename: hashOnlyFilename(name, version), sha256, kind: 'other' as const, ...(index === undefined ? {} : { index }) }));
  }
  const node: GraphNode = { name, version, artifacts, metadata: 'unknown' };
  if (source !== undefined) node.source = source;
  const extras = raw['extras'];
  if (Array.isArray(extras) && extras.every((e): e is string => typeof e === 'string') && extras.length > 0) node.extras = extras.map(canonical);
  const notes: string[] = [];
  if (source?.kind === 'editable') notes.push(`editable install of ${source.location ?? '.'}`);
  if (source?.kind === 'vcs') notes.push(`built from ${source.location ?? 'a VCS checkout'}`);
  if (hashes.length === 0 && source?.kind !== 'editable' && source?.kind !== 'vcs') notes.push('the lock records no hashes for it');
  if (notes.length > 0) node.notes = notes;
  return { node, installs };
}
