// Reads pip requirements files (pip's "Requirements File Format": continuations, comments, options,
// -r/-c includes, --hash) into a Graph for one target. Edges come only from pip-compile's and uv's
// `# via` annotations; a plain requirements file carries none, and the graph says so.

import { posix as path } from 'node:path';
import { PyvouchError, isPyvouchError } from '../errors.js';
import type { Artifact, Graph, GraphNode, NodeSource, SelectionOptions, TargetDescription } from '../graph/graph.js';
import { parseSdistFilename, parseWheelFilename } from '../pep/filename.js';
import { Requirement } from '../pep/requirement.js';
import { namesGroupsOrExtras } from './selection.js';
import {
  GraphBuilder,
  Problems,
  TargetMarkers,
  UNKNOWN_VERSION,
  artifactKind,
  canonical,
  filenameFromLocation,
  normaliseVersion,
  sha256Hex,
  splitHash,
} from './common.js';
import { PyprojectDocument } from '../pep/pyproject.js';
import { FieldProblems } from '../text/problems.js';

/** Reads an included file (`-r`, `-c`), given its path as the including file resolves it. */
export type ReadFile = (path: string) => string;

/**
 * How a requirement that pip checks only by hash appears as an artifact: the lock names no file, so
 * each accepted sha256 becomes one artifact whose `filename` says exactly that, e.g.
 * `alembic-1.18.5 (sha256 only)`, with `kind: 'other'`. pip installs whichever file of the release
 * matches one of them.
 */
export function hashOnlyFilename(name: string, version: string): string {
  return `${name}-${version} (sha256 only)`;
}

const VCS_SCHEMES = /^(git|hg|svn|bzr)\+/i;

/** Options pip accepts on a line of their own; values are taken from the same line. */
const LINE_OPTIONS: Record<string, { takesValue: boolean }> = {
  '-r': { takesValue: true },
  '--requirement': { takesValue: true },
  '-c': { takesValue: true },
  '--constraint': { takesValue: true },
  '-e': { takesValue: true },
  '--editable': { takesValue: true },
  '-i': { takesValue: true },
  '--index-url': { takesValue: true },
  '--extra-index-url': { takesValue: true },
  '--no-index': { takesValue: false },
  '-f': { takesValue: true },
  '--find-links': { takesValue: true },
  '--pre': { takesValue: false },
  '--prefer-binary': { takesValue: false },
  '--require-hashes': { takesValue: false },
  '--only-binary': { takesValue: true },
  '--no-binary': { takesValue: true },
  '--trusted-host': { takesValue: true },
  '--use-feature': { takesValue: true },
};

/** Options pip accepts after a requirement on the same line. */
const REQUIREMENT_OPTIONS = new Set(['--hash', '--config-settings', '--global-option', '--install-option']);

interface Entry {
  file: string;
  line: number;
  /** The requirement as written (PEP 508, a URL or a path). */
  text: string;
  name: string;
  version: string | null;
  extras: string[];
  marker: string | null;
  /** Validated lower-case sha256 digests from --hash (other algorithms are not recorded). */
  hashes: string[];
  source?: NodeSource;
  /** A URL/path archive the line installs directly. */
  archive?: { filename: string; url: string };
  editable: boolean;
  via: string[];
  constraint: boolean;
}

interface ReadState {
  target: TargetDescription;
  markers: TargetMarkers;
  readFile: ReadFile | undefined;
  builder: GraphBuilder;
  problems: Map<string, Problems>;
  entries: Entry[];
  visited: Set<string>;
  indexUrl: string | undefined;
  extraIndexUrls: string[];
  noIndex: boolean;
  sawVia: boolean;
  leftOutUnsafe: Array<{ name: string; file: string; line: number }>;
}

export function readRequirements(
  text: string,
  file: string,
  target: TargetDescription,
  selection: SelectionOptions = {},
  readFile?: ReadFile,
): Graph {
  refuseNamedSelection(selection, file);
  const builder = new GraphBuilder('requirements.txt', file, target);
  const state = readAll(text, file, target, builder, readFile);

  if (selection.allExtras === true || selection.allGroups === true) {
    builder.diagnose('info', 'requirements files have no extras or dependency groups of a project; --all-extras/--all-groups change nothing');
  }
  buildGraph(state, file);
  return builder.build(state.sawVia);
}

/** The loose requirements of a requirements file (requirements.in), for the resolver. */
export interface RequirementsInput {
  /** Requirement lines as written, with where they come from (after -r includes). */
  requirements: { text: string; file: string; line: number; editable: boolean }[];
  /** Lines of -c constraint files. */
  constraints: { text: string; file: string; line: number }[];
  indexUrl?: string;
  extraIndexUrls: string[];
  noIndex: boolean;
}

/**
 * Reads a requirements file the way pip does (continuations, comments, -r/-c includes through
 * `readFile`, index options) but keeps the requirements loose: the resolver pins them.
 */
export function readRequirementsInput(text: string, file: string, target: TargetDescription, readFile?: ReadFile): RequirementsInput {
  const state = readAll(text, file, target, new GraphBuilder('requirements.txt', file, target), readFile);
  return {
    requirements: state.entries.filter((e) => !e.constraint).map((e) => ({ text: e.text, file: e.file, line: e.line, editable: e.editable })),
    constraints: state.entries.filter((e) => e.constraint).map((e) => ({ text: e.text, file: e.file, line: e.line })),
    ...(state.indexUrl === undefined ? {} : { indexUrl: state.indexUrl }),
    extraIndexUrls: state.extraIndexUrls,
    noIndex: state.noIndex,
  };
}

/** Reads `file` and everything it includes; throws every problem found, file by file. */
/** A requirements file has no groups or extras: naming one is a usage error, not a silent no-op. */
function refuseNamedSelection(selection: SelectionOptions, file: string): void {
  if (!namesGroupsOrExtras(selection)) return;
  throw new PyvouchError('USAGE', `${file} is a requirements file: it has no extras or dependency groups (it defines: none)`, {
    file,
    help: 'drop --extra/--group/--only-group/--no-group; pip installs every line of the file',
  });
}

function readAll(text: string, file: string, target: TargetDescription, builder: GraphBuilder, readFile: ReadFile | undefined): ReadState {
  const state: ReadState = {
    target,
    markers: new TargetMarkers(target),
    readFile,
    builder,
    problems: new Map(),
    entries: [],
    visited: new Set(),
    indexUrl: undefined,
    extraIndexUrls: [],
    noIndex: false,
    sawVia: false,
    leftOutUnsafe: [],
  };
  readOne(text, file, [], false, state);
  for (const p of state.problems.values()) p.throwIfAny();
  return state;
}

function problemsFor(state: ReadState, file: string): Problems {
  let p = state.problems.get(file);
  if (p === undefined) state.problems.set(file, (p = new Problems(file)));
  return p;
}

/** A logical line: continuations joined, with the number of its first physical line. */
interface LogicalLine {
  line: number;
  text: string;
  /** A line holding only a comment (kept for `# via`) or nothing. */
  kind: 'content' | 'comment' | 'blank';
}

function logicalLines(text: string): LogicalLine[] {
  const out: LogicalLine[] = [];
  const physical = text.split(/\r?\n/);
  let pending: string[] = [];
  let start = 0;
  physical.forEach((raw, i) => {
    const isComment = /^\s*#/.test(raw);
    // pip ends a continuation at a comment line, even one ending in a backslash.
    if (raw.endsWith('\\') && !isComment && !/(^|\s)#/.test(raw)) {
      if (pending.length === 0) start = i + 1;
      pending.push(raw.slice(0, -1));
      return;
    }
    if (pending.length > 0) {
      if (isComment) {
        out.push({ line: start, text: pending.join(''), kind: 'content' });
        out.push({ line: i + 1, text: raw, kind: 'comment' });
      } else {
        pending.push(raw);
        out.push({ line: start, text: pending.join(''), kind: 'content' });
      }
      pending = [];
      return;
    }
    if (isComment) out.push({ line: i + 1, text: raw, kind: 'comment' });
    else if (raw.trim() === '') out.push({ line: i + 1, text: '', kind: 'blank' });
    else out.push({ line: i + 1, text: raw, kind: 'content' });
  });
  if (pending.length > 0) out.push({ line: start, text: pending.join(''), kind: 'content' });
  return out;
}

function readOne(text: string, file: string, stack: string[], constraint: boolean, state: ReadState): void {
  const key = path.normalize(file);
  if (stack.includes(key)) return; // reported by the includer, which knows the line
  if (state.visited.has(`${constraint ? 'c' : 'r'}:${key}`)) return;
  state.visited.add(`${constraint ? 'c' : 'r'}:${key}`);
  const problems = problemsFor(state, file);
  const chain = [...stack, key];

  let last: Entry | undefined;
  let viaOpen = false;
  let unsafeSection = false;
  for (const ll of logicalLines(text)) {
    if (ll.kind === 'blank') {
      viaOpen = false;
      continue;
    }
    if (ll.kind === 'comment') {
      const body = ll.text.replace(/^\s*#/, '');
      if (/^\s*The following packages are considered to be unsafe/i.test(body)) unsafeSection = true;
      const via = /^\s*via(?:\s+(.*))?$/.exec(body);
      if (via !== null && last !== undefined) {
        state.sawVia = true;
        if (via[1] !== undefined && via[1].trim() !== '') {
          last.via.push(...splitVia(via[1]));
          viaOpen = false;
        } else viaOpen = true;
      } else if (viaOpen && last !== undefined && /^\s{2,}\S/.test(body)) {
        last.via.push(body.trim());
      } else {
        viaOpen = false;
        // pip-compile without --allow-unsafe leaves these packages out as comments.
        const left = unsafeSection ? /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*$/.exec(body) : null;
        if (left !== null) state.leftOutUnsafe.push({ name: canonical(left[1]!), file, line: ll.line });
      }
      continue;
    }
    viaOpen = false;
    // Old pip-compile put `# via a, b` after the requirement on its own line.
    let content = ll.text;
    const inline = /(^|\s)#(.*)$/.exec(content);
    let inlineVia: string[] = [];
    if (inline !== null) {
      content = content.slice(0, inline.index);
      const v = /^\s*via\s+(.+)$/.exec(inline[2]!);
      if (v !== null) {
        inlineVia = splitVia(v[1]!);
        state.sawVia = true;
      }
    }
    content = content.trim();
    if (content === '') continue;
    const entry = parseLine(content, { line: ll.line, file, chain, constraint, problems, state });
    if (entry !== undefined) {
      entry.via.push(...inlineVia);
      state.entries.push(entry);
      last = entry;
    } else last = undefined;
  }
}

function splitVia(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/** Split like pip: the requirement is everything before the first token that starts with '-'. */
function tokenize(content: string): string[] {
  return content.split(/\s+/).filter((t) => t !== '');
}

/** Where a line is read: its number and file, the chain of includes to it, and the reading's state. */
interface LineAt {
  line: number;
  file: string;
  chain: string[];
  /** Whether the file is a -c constraint file. */
  constraint: boolean;
  problems: Problems;
  state: ReadState;
}

function parseLine(content: string, at: LineAt): Entry | undefined {
  const { line, file, constraint, problems, state } = at;
  const tokens = tokenize(content);
  const first = tokens[0]!;
  if (first.startsWith('-')) return parseOptionLine(tokens, at);

  const optAt = tokens.findIndex((t) => t.startsWith('-'));
  const reqText = (optAt < 0 ? tokens : tokens.slice(0, optAt)).join(' ');
  const options = optAt < 0 ? [] : tokens.slice(optAt);
  const hashes: string[] = [];
  for (let i = 0; i < options.length; i++) {
    const tok = options[i]!;
    const [flag, inlineValue] = splitFlag(tok);
    if (!REQUIREMENT_OPTIONS.has(flag)) {
      problems.add(undefined, `unknown option '${flag}' after a requirement`, line);
      continue;
    }
    const value = inlineValue ?? options[++i];
    if (value === undefined) {
      problems.add(undefined, `option '${flag}' needs a value`, line);
      continue;
    }
    if (flag === '--hash') hashes.push(value);
  }
  return makeEntry(reqText, line, file, hashes, false, constraint, problems, (l) => localProjectName(l, file, state));
}

function splitFlag(token: string): [string, string | undefined] {
  if (token.startsWith('--')) {
    const eq = token.indexOf('=');
    return eq < 0 ? [token, undefined] : [token.slice(0, eq), token.slice(eq + 1)];
  }
  // Short options may carry their value attached: `-rother.txt`.
  if (token.length > 2) return [token.slice(0, 2), token.slice(2)];
  return [token, undefined];
}

function parseOptionLine(tokens: string[], at: LineAt): Entry | undefined {
  const { line, file, constraint, problems, state } = at;
  const [flag, inlineValue] = splitFlag(tokens[0]!);
  const spec = LINE_OPTIONS[flag];
  if (spec === undefined) {
    problems.add(undefined, `unknown option '${flag}' in a requirements file`, line);
    return undefined;
  }
  const rest = inlineValue === undefined ? tokens.slice(1) : [inlineValue, ...tokens.slice(1)];
  const value = spec.takesValue ? rest[0] : undefined;
  if (spec.takesValue && value === undefined) {
    problems.add(undefined, `option '${flag}' needs a value`, line);
    return undefined;
  }
  switch (flag) {
    case '-r':
    case '--requirement':
    case '-c':
    case '--constraint':
      include(value!, { ...at, constraint: flag === '-c' || flag === '--constraint' || constraint });
      return undefined;
    case '-i':
    case '--index-url':
      state.indexUrl = value!;
      return undefined;
    case '--extra-index-url':
      state.extraIndexUrls.push(value!);
      return undefined;
    case '--no-index':
      state.noIndex = true;
      return undefined;
    case '-e':
    case '--editable': {
      const hashes = rest
        .slice(1)
        .filter((t) => t.startsWith('--hash'))
        .map((t) => splitFlag(t)[1] ?? '');
      return makeEntry(rest.slice(0, 1).join(' '), line, file, hashes, true, constraint, problems, (l) => localProjectName(l, file, state));
    }
    default:
      return undefined;
  }
}

/** How deeply -r/-c includes may chain; real projects chain two or three files. */
export const MAX_INCLUDE_DEPTH = 64;

/** Reads the file a -r/-c line names (`at.constraint`: as constraints), relative to the including file. */
function include(ref: string, at: LineAt): void {
  const { constraint, line, file, chain, problems, state } = at;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ref)) {
    state.builder.diagnose('warning', `'${ref}' is included from a URL, which pyvouch does not fetch; its requirements are not in the graph`, line, file);
    return;
  }
  // pip resolves includes against the including file's directory.
  const target = path.normalize(path.isAbsolute(ref) ? ref : path.join(path.dirname(file), ref));
  if (chain.includes(target)) {
    const cycle = [...chain.slice(chain.indexOf(target)), target].join(' -> ');
    problems.add(undefined, `include cycle: ${cycle}`, line);
    return;
  }
  if (chain.length >= MAX_INCLUDE_DEPTH) {
    throw new PyvouchError('INCLUDE_TOO_DEEP', `'${ref}' is included ${chain.length} levels deep, more than the ${MAX_INCLUDE_DEPTH} pyvouch follows`, {
      file,
      line,
      help: 'flatten the chain of -r/-c includes (pip-compile writes one file)',
    });
  }
  if (state.readFile === undefined) {
    state.builder.diagnose('warning', `'${ref}' is included but no file reader was given; its requirements are not in the graph`, line, file);
    return;
  }
  let text: string;
  try {
    text = state.readFile(target);
  } catch (err) {
    const reason = isPyvouchError(err) ? err.message : err instanceof Error ? err.message : String(err);
    throw new PyvouchError('IO', `cannot read '${ref}' (included as ${target}): ${reason}`, {
      file,
      line,
      cause: err,
      help: 'check the path after -r/-c; it is relative to the file that includes it',
    });
  }
  readOne(text, target, chain, constraint, state);
}

function makeEntry(
  reqText: string,
  line: number,
  file: string,
  hashes: string[],
  editable: boolean,
  constraint: boolean,
  problems: Problems,
  projectNameOf: (location: string) => { name: string; version: string | null } | undefined,
): Entry | undefined {
  const sha256: string[] = [];
  for (const h of hashes) {
    const split = splitHash(h);
    if (split === undefined) {
      problems.add(undefined, `--hash must look like sha256:<hex digest>, found '${h}'`, line);
      continue;
    }
    if (split.algorithm !== 'sha256') continue; // pip also accepts sha384/sha512; the graph records sha256
    const hex = sha256Hex(split.digest);
    if (hex === undefined) problems.add(undefined, `a sha256 digest has 64 hex digits, found '${split.digest}'`, line);
    else if (!sha256.includes(hex)) sha256.push(hex);
  }
  const base = { file, line, text: reqText, hashes: sha256, editable, via: [] as string[], constraint, extras: [] as string[] };
  // A bare URL or path (pip accepts both, with `#egg=name` to name a source tree).
  if (looksLikeLocation(reqText)) {
    const [written, markerText] = splitLocationMarker(reqText);
    // A local path may name extras after it, as in `-e .[dev]`.
    const withExtras = isLocalPath(written) ? /^(.*?)\[([^\]]*)\]$/.exec(written) : null;
    const location = withExtras === null ? written : withExtras[1]!;
    const extras = withExtras === null ? [] : withExtras[2]!.split(',').map((x) => canonical(x.trim())).filter((x) => x !== '');
    const named = nameFromLocation(location) ?? (isLocalPath(location) ? projectNameOf(location) : undefined);
    if (named === undefined) {
      problems.add(undefined, `cannot tell which project '${location}' is: add '#egg=<name>' or write '<name> @ ${location}'`, line);
      return undefined;
    }
    return { ...base, extras, name: named.name, version: named.version, marker: markerText, ...locationSource(location, editable) };
  }
  let req: Requirement;
  try {
    req = new Requirement(reqText);
  } catch (err) {
    problems.addError(undefined, err, line);
    return undefined;
  }
  const entry: Entry = {
    ...base,
    name: req.canonicalName,
    version: pinnedVersion(req.specifier.toString()),
    extras: [...req.extras].map(canonical),
    marker: req.marker === null ? null : req.marker.toString(),
  };
  if (req.url) {
    const named = nameFromLocation(req.url);
    entry.version = named?.version ?? entry.version;
    Object.assign(entry, locationSource(req.url, editable));
  } else if (editable) {
    problems.add(undefined, `-e needs a path or URL, found '${reqText}'`, line);
    return undefined;
  }
  return entry;
}

function isLocalPath(location: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(location) || /^file:/i.test(location);
}

/**
 * The name of a local project directory, as pip would learn it by building it: read from its
 * pyproject.toml [project] table when the reader can see it, else the directory's name (guessed,
 * and said so in a diagnostic).
 */
function localProjectName(location: string, file: string, state: ReadState): { name: string; version: string | null } | undefined {
  const dir = location.replace(/^file:(\/\/)?/i, '').replace(/[#?].*$/, '');
  const resolved = path.normalize(path.isAbsolute(dir) ? dir : path.join(path.dirname(file), dir));
  if (state.readFile !== undefined) {
    try {
      const file = path.join(resolved, 'pyproject.toml');
      const doc = PyprojectDocument.parse(state.readFile(file), file, 'LOCK_PARSE');
      // Only the name and version matter here: a bad field elsewhere in [project] is the project's business.
      const { name, version } = doc.project(new FieldProblems('LOCK_PARSE')) ?? {};
      if (name !== undefined) return { name: canonical(name), version: version === undefined ? null : normaliseVersion(version) };
    } catch {
      // no readable pyproject.toml with a static name: fall back to the directory's name
    }
  }
  const base = path.basename(resolved);
  if (base === '' || base === '.' || base === '..') return undefined;
  state.builder.diagnose('info', `the name of ${location} is guessed from its directory name ('${canonical(base)}')`, undefined, file);
  return { name: canonical(base), version: null };
}

function looksLikeLocation(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text) || /^(\.{1,2}([/\\]|$)|[/\\~]|[A-Za-z]:[/\\])/.test(text) || VCS_SCHEMES.test(text);
}

function splitLocationMarker(text: string): [string, string | null] {
  // pip: a marker after a URL must be separated by '; ' (a bare ';' may belong to the URL).
  const at = text.indexOf('; ');
  if (at < 0) return [text.trim(), null];
  return [text.slice(0, at).trim(), text.slice(at + 2).trim()];
}

function nameFromLocation(location: string): { name: string; version: string | null } | undefined {
  const egg = /[#&]egg=([^&]+)/.exec(location);
  const file = filenameFromLocation(location);
  try {
    if (file.endsWith('.whl')) {
      const w = parseWheelFilename(file);
      return { name: w.name, version: w.version.toString() };
    }
  } catch {
    // not a wheel name after all; fall through
  }
  if (artifactKind(file) === 'sdist') {
    try {
      const s = parseSdistFilename(file);
      return { name: s.name, version: s.version.toString() };
    } catch {
      // an archive without a standard name
    }
  }
  if (egg !== null) {
    // A malformed escape (`#egg=%zz`) names nothing pip could decode either: no name from it.
    let decoded: string;
    try {
      decoded = decodeURIComponent(egg[1]!);
    } catch {
      return undefined;
    }
    return { name: canonical(decoded.replace(/\[.*$/, '')), version: null };
  }
  return undefined;
}

function locationSource(location: string, editable: boolean): { source: NodeSource; archive?: { filename: string; url: string } } {
  const bare = location.replace(/#.*$/, '');
  if (editable) return { source: { kind: 'editable', location: bare } };
  if (VCS_SCHEMES.test(location)) return { source: { kind: 'vcs', location: bare } };
  const file = filenameFromLocation(bare);
  const isRemote = /^[a-z][a-z0-9+.-]*:\/\//i.test(bare) && !/^file:/i.test(bare);
  if (artifactKind(file) !== 'other') {
    return { source: { kind: isRemote ? 'url' : 'path', location: bare }, archive: { filename: file, url: bare } };
  }
  return { source: { kind: isRemote ? 'url' : 'directory', location: bare } };
}

/** The exact version a specifier pins (`==1.2` or `===1.2`), or null when it allows more than one. */
function pinnedVersion(specifier: string): string | null {
  const parts = specifier.split(',').map((s) => s.trim()).filter((s) => s !== '');
  if (parts.length !== 1) return null;
  const m = /^(===?)\s*(.+)$/.exec(parts[0]!);
  if (m === null || m[2]!.endsWith('.*')) return null;
  return m[1] === '===' ? m[2]! : normaliseVersion(m[2]!);
}

function buildGraph(state: ReadState, file: string): void {
  const { builder, markers } = state;
  const constraints = new Map<string, Entry>();
  for (const e of state.entries) if (e.constraint && e.version !== null) constraints.set(e.name, e);

  const chosen = new Map<string, Entry>();
  const problems = problemsFor(state, file);
  let excluded = 0;
  for (const e of state.entries) {
    if (e.constraint) continue;
    let holds: boolean;
    try {
      holds = markers.holds(e.marker);
    } catch (err) {
      problemsFor(state, e.file).addError(undefined, err, e.line);
      continue;
    }
    if (!holds) {
      excluded++;
      continue;
    }
    const other = chosen.get(e.name);
    if (other !== undefined) {
      if (other.version !== null && e.version !== null && other.version !== e.version) {
        problemsFor(state, e.file).add(
          undefined,
          `'${e.name}' is pinned to ${e.version} here and to ${other.version} at ${other.file}:${other.line}; pip cannot install both`,
          e.line,
        );
        continue;
      }
      other.hashes.push(...e.hashes);
      other.extras.push(...e.extras);
      other.via.push(...e.via);
      if (other.version === null) other.version = e.version;
      continue;
    }
    chosen.set(e.name, e);
  }
  for (const p of state.problems.values()) p.throwIfAny();
  problems.throwIfAny();

  const hashMode = [...chosen.values()].some((e) => e.hashes.length > 0);
  for (const e of chosen.values()) {
    let version = e.version;
    const pin = constraints.get(e.name);
    const notes: string[] = [];
    if (version === null && pin !== undefined) {
      version = pin.version;
      notes.push(`version from constraints file ${pin.file}:${pin.line}`);
      e.hashes.push(...pin.hashes);
    }
    if (version === null && e.source === undefined) {
      builder.diagnose(
        'warning',
        `'${e.text}' is not pinned to one version (use ==), so pip may install any matching release; it is left out of the graph`,
        e.line,
        e.file,
      );
      continue;
    }
    // pip-compile's `# via` lines record its resolution, so its edges come from the lock; a plain file has none.
    const node: GraphNode = { name: e.name, version: version ?? UNKNOWN_VERSION, artifacts: [], metadata: state.sawVia ? 'lock' : 'unknown' };
    if (e.extras.length > 0) node.extras = [...new Set(e.extras)];
    node.artifacts = artifactsFor(e, node.version, state);
    if (e.source !== undefined) {
      node.source = e.source;
      const what = e.source.kind === 'editable' ? 'an editable install of' : e.source.kind === 'vcs' ? 'a VCS checkout of' : 'installed directly from';
      notes.push(`${what} ${e.source.location ?? ''}`.trim());
      builder.diagnose(
        'warning',
        `${e.name} is ${what} ${e.source.location ?? ''}, not a release from an index${node.version === UNKNOWN_VERSION ? '; its version is unknown' : ''}`,
        e.line,
        e.file,
      );
    } else if (state.indexUrl !== undefined && !state.noIndex) {
      node.source = { kind: 'registry', location: state.indexUrl };
    }
    if (hashMode && e.hashes.length === 0 && !e.editable) {
      builder.diagnose('warning', `${e.name} has no --hash while others do; pip's hash-checking mode would refuse the file`, e.line, e.file);
    }
    if (notes.length > 0) node.notes = notes;
    builder.addNode(node);
  }

  // Edges and roots from `# via`: a parent name gives an edge; `-r file` or `name (pyproject.toml)` a root.
  for (const e of chosen.values()) {
    if (!builder.hasNode(e.name)) continue;
    let isRoot = e.via.length === 0;
    for (const v of e.via) {
      if (/^-r\s/.test(v) || /^--requirement[\s=]/.test(v)) isRoot = true;
      else if (/^-c\s/.test(v) || /^--constraint[\s=]/.test(v)) continue;
      else if (/\(.+\)\s*$/.test(v)) isRoot = true;
      else {
        const parent = canonical(v.replace(/\[.*\]$/, '').trim());
        if (builder.hasNode(parent)) builder.addEdge({ from: parent, to: e.name, specifier: '', marker: null });
        else if (!chosen.has(parent)) {
          builder.diagnose('info', `${e.name} is required by '${v}', which this file does not install for the target`, e.line, e.file);
        }
      }
    }
    if (isRoot) builder.addRoot(e.name);
  }
  builder.rootEveryCycle();

  if (!state.sawVia) {
    builder.diagnose(
      'warning',
      'a requirements file records no dependency edges (no pip-compile "# via" comments): every listed package ' +
        'is a root, and packages it does not list are not in the graph',
    );
  }
  if (excluded > 0) builder.diagnose('info', `${excluded} requirement line(s) have markers that exclude this target`);
  if (state.extraIndexUrls.length > 0) {
    builder.diagnose(
      'warning',
      `--extra-index-url ${state.extraIndexUrls.join(', ')}: pip takes each package from whichever index has the ` +
        'best version, so a name registered on another index can replace a private one (dependency confusion)',
    );
  }
  for (const u of state.leftOutUnsafe) {
    builder.diagnose('info', `pip-compile left '${u.name}' out as unsafe; pip will install whatever version the build needs`, u.line, u.file);
  }
}

function artifactsFor(e: Entry, version: string, state: ReadState): Artifact[] {
  const index = state.noIndex ? undefined : state.indexUrl;
  const hashes = [...new Set(e.hashes)];
  if (e.archive !== undefined) {
    // A direct URL names its one file; several hashes then are alternatives for that same file.
    const a: Artifact = { filename: e.archive.filename, url: e.archive.url, kind: artifactKind(e.archive.filename) };
    if (hashes.length === 1) a.sha256 = hashes[0]!;
    return [a];
  }
  return hashes.map((sha256) => {
    const a: Artifact = { filename: hashOnlyFilename(e.name, version), sha256, kind: 'other' };
    if (index !== undefined && e.source === undefined) a.index = index;
    return a;
  });
}
