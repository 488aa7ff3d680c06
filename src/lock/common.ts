// Shared machinery of the lock-file readers: TOML parsing with located errors, collecting every bad
// field before failing (src/text/problems.ts, located by src/text/toml-lines.ts), marker evaluation for one target (PEP 508), artifact choice (PEP 425) and the
// graph builder that keeps nodes unique per canonical name (PEP 503).

import { parse as parseToml, TomlError } from 'smol-toml';
import { PyvouchError } from '../errors.js';
import type {
  Artifact,
  Graph,
  GraphDiagnostic,
  GraphEdge,
  GraphNode,
  LockFormat,
  SelectionOptions,
  TargetDescription,
} from '../graph/graph.js';
import { markerEnvironmentFor } from '../pep/environment.js';
import { Marker, type MarkerEnvironment } from '../pep/marker.js';
import { canonicalizeName } from '../pep/name.js';
import { SpecifierSet } from '../pep/specifier.js';
import { selectArtifacts } from '../pep/tags.js';
import { Version } from '../pep/version.js';
import { FieldProblems, type FieldPath } from '../text/problems.js';
import { tomlLocator } from '../text/toml-lines.js';

/**
 * The version a node carries when the lock records none (a dynamic-version workspace member, a
 * URL or VCS requirement). It is deliberately not a PEP 440 version, so nothing can mistake it for
 * a release: `Version.tryParse(UNKNOWN_VERSION)` is null.
 */
export const UNKNOWN_VERSION = 'unknown';

export type TomlTable = Record<string, unknown>;

export function isTable(value: unknown): value is TomlTable {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Date);
}

/** Parse TOML; a syntax error becomes LOCK_PARSE naming the file and line. */
export function parseTomlDocument(text: string, file: string): TomlTable {
  try {
    return parseToml(text);
  } catch (err) {
    if (err instanceof TomlError) {
      const firstLine = err.message.split('\n')[0] ?? err.message;
      throw new PyvouchError('LOCK_PARSE', `not valid TOML: ${firstLine}`, { file, line: err.line, cause: err });
    }
    throw err;
  }
}

/**
 * The problems of one lock file (src/text/problems.ts), raised as one LOCK_PARSE error in file
 * order: the first as the headline, the rest attached. `locate` is the file's `tomlLocator`.
 */
export class Problems extends FieldProblems {
  constructor(file: string, locate?: (path: FieldPath) => number | undefined) {
    super('LOCK_PARSE', { file, ...(locate === undefined ? {} : { locate }), order: 'file', carry: 'rest' });
  }
}

/** The pyproject.toml beside a lock: its text and path. */
export interface PyprojectText {
  text: string;
  file: string;
}

/**
 * What every TOML lock reader is: the lock's text and path, the target, the user's selection, and
 * the pyproject.toml beside it where the format needs it for the roots or default groups.
 */
export type TomlLockReader = (text: string, file: string, target: TargetDescription, selection?: SelectionOptions, pyproject?: PyprojectText) => Graph;

/** What every TOML lock reader starts from: the document, its locator and problems, the graph being built, the target's markers. */
export interface TomlLockReading {
  doc: TomlTable;
  locate: (path: FieldPath) => number | undefined;
  problems: Problems;
  builder: GraphBuilder;
  markers: TargetMarkers;
  /** LOCK_UNSUPPORTED for a format version pyvouch does not read, located at `path`. */
  unsupported: (path: string, message: string, help: string) => PyvouchError;
}

// `check --all-targets` reads one lock once per target (up to 30): its document and line index do
// not depend on the target, so those of the last text read are kept and reused. The document is
// frozen, so no reader can change what the next target's reading sees (a write would throw).
let lastToml: { text: string; file: string; doc: TomlTable; locate: ReturnType<typeof tomlLocator> } | undefined;

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}

export function startTomlLock(format: LockFormat, text: string, file: string, target: TargetDescription): TomlLockReading {
  if (lastToml === undefined || lastToml.text !== text || lastToml.file !== file) {
    const doc = deepFreeze(parseTomlDocument(text, file));
    lastToml = { text, file, doc, locate: tomlLocator(text) };
  }
  const { doc, locate } = lastToml;
  return {
    doc,
    locate,
    problems: new Problems(file, locate),
    builder: new GraphBuilder(format, file, target),
    markers: new TargetMarkers(target),
    unsupported: (path, message, help) => {
      const line = locate(path);
      return new PyvouchError('LOCK_UNSUPPORTED', message, { file, path, ...(line === undefined ? {} : { line }), help });
    },
  };
}

/** A marker evaluator bound to one target; PEP 751's `extras` and `dependency_groups` pass through. */
export class TargetMarkers {
  readonly env: MarkerEnvironment;
  private readonly cache = new Map<string, Marker>();

  constructor(readonly target: TargetDescription) {
    this.env = markerEnvironmentFor(target);
  }

  /** Parse (and cache) a marker; throws INVALID_MARKER. */
  parse(text: string): Marker {
    let marker = this.cache.get(text);
    if (marker === undefined) {
      marker = new Marker(text);
      this.cache.set(text, marker);
    }
    return marker;
  }

  /** Whether the marker holds; `extra` is '' unless an extra activates the requirement. */
  holds(text: string | null | undefined, extra = ''): boolean {
    if (text === null || text === undefined || text.trim() === '') return true;
    return this.parse(text).evaluate({ ...this.env, extra, extras: [], dependency_groups: [] });
  }

  /** Whether a PEP 751 marker holds with the given `extras` and `dependency_groups` sets. */
  holdsWith(text: string | null | undefined, extras: readonly string[], groups: readonly string[]): boolean {
    if (text === null || text === undefined || text.trim() === '') return true;
    return this.parse(text).evaluate({ ...this.env, extra: '', extras, dependency_groups: groups });
  }

  normalise(text: string | null | undefined): string | null {
    if (text === null || text === undefined || text.trim() === '') return null;
    return this.parse(text).toString();
  }

  /** Whether the target's Python satisfies a PEP 440 specifier set (e.g. requires-python). */
  pythonSatisfies(specifier: string): boolean {
    return new SpecifierSet(specifier).contains(this.env.python_full_version, { prereleases: true });
  }
}

/** The normalised PEP 440 form of a version, or the raw text when it is not PEP 440. */
export function normaliseVersion(text: string): string {
  const v = Version.tryParse(text);
  return v === null ? text : v.toString();
}

export function normaliseSpecifier(text: string): string {
  return new SpecifierSet(text).toString();
}

export function canonical(name: string): string {
  return canonicalizeName(name);
}

const SHA256 = /^[0-9a-f]{64}$/;

/** Lower-case hex of a sha256 digest, or undefined when the text is not one. */
export function sha256Hex(hex: string): string | undefined {
  const lower = hex.trim().toLowerCase();
  return SHA256.test(lower) ? lower : undefined;
}

/** Split `algorithm:hexdigest` (uv, Poetry and pip all write hashes this way). */
export function splitHash(text: string): { algorithm: string; digest: string } | undefined {
  const at = text.indexOf(':');
  if (at <= 0) return undefined;
  return { algorithm: text.slice(0, at).toLowerCase(), digest: text.slice(at + 1) };
}

export function artifactKind(filename: string): Artifact['kind'] {
  const lower = filename.toLowerCase();
  if (lower.endsWith('.whl')) return 'wheel';
  if (lower.endsWith('.tar.gz') || lower.endsWith('.zip') || lower.endsWith('.tar.bz2') || lower.endsWith('.tgz')) {
    return 'sdist';
  }
  return 'other';
}

/** The last path segment of a URL or path, URL-decoded: how a file's name is derived from its location. */
export function filenameFromLocation(location: string): string {
  const noQuery = location.split(/[?#]/)[0] ?? location;
  const last = noQuery.split(/[/\\]/).filter((s) => s !== '').pop() ?? '';
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/** A file a lock records for a release, before choosing which of them the target would install. */
export interface CandidateFile {
  filename: string;
  sha256?: string;
  url?: string;
  size?: number;
  index?: string;
  uploadTime?: string;
}

export function toArtifact(file: CandidateFile): Artifact {
  const artifact: Artifact = { filename: file.filename, kind: artifactKind(file.filename) };
  if (file.sha256 !== undefined) artifact.sha256 = file.sha256;
  if (file.url !== undefined) artifact.url = file.url;
  if (file.size !== undefined) artifact.size = file.size;
  if (file.index !== undefined) artifact.index = file.index;
  if (file.uploadTime !== undefined) artifact.uploadTime = file.uploadTime;
  return artifact;
}

/**
 * The files the target would install: the compatible wheels best-first, else the sdist (PEP 425
 * tag matching lives in pep/tags). Files that are neither (old `.egg`, `.exe`) are never chosen.
 */
export function chooseArtifacts(files: readonly CandidateFile[], target: TargetDescription): Artifact[] {
  if (files.length === 0) return [];
  const byName = new Map<string, CandidateFile>();
  for (const f of files) if (!byName.has(f.filename)) byName.set(f.filename, f);
  return selectArtifacts([...byName.keys()], target).map((filename) => toArtifact(byName.get(filename)!));
}

export interface EdgeInput {
  from: string;
  to: string;
  specifier?: string;
  marker?: string | null;
  extras?: readonly string[];
}

/** Accumulates a graph: one node per canonical name, edges merged per (from, to, marker). */
export class GraphBuilder {
  private readonly nodes = new Map<string, GraphNode>();
  private readonly edges = new Map<string, GraphEdge>();
  private readonly roots = new Set<string>();
  readonly diagnostics: GraphDiagnostic[] = [];

  constructor(
    private readonly format: LockFormat,
    private readonly path: string,
    private readonly target: TargetDescription,
  ) {}

  hasNode(name: string): boolean {
    return this.nodes.has(name);
  }

  node(name: string): GraphNode | undefined {
    return this.nodes.get(name);
  }

  /** Adds a node; returns false (and keeps the first) when the name is already present. */
  addNode(node: GraphNode): boolean {
    if (this.nodes.has(node.name)) return false;
    this.nodes.set(node.name, node);
    return true;
  }

  /**
   * Adds the node of a locked package with `files` files: warns when none of them fits the target
   * (`installer` would stop), and when the name is reached in a second version (the first is kept).
   */
  addLockedNode(node: GraphNode, files: number, installer: string, line?: number): void {
    if (node.artifacts.length === 0 && files > 0) {
      this.diagnose('warning', `${node.name} ${node.version}: none of its ${files} file(s) fits the target; ${installer} would stop with an error`, line);
    }
    if (!this.addNode(node)) {
      this.diagnose('warning', `${node.name} is reached in two locked versions on this target; the graph keeps ${this.nodes.get(node.name)?.version}`);
    }
  }

  addRoot(name: string): void {
    this.roots.add(name);
  }

  addEdge(edge: EdgeInput): void {
    const marker = edge.marker ?? null;
    const key = `${edge.from}\u0000${edge.to}\u0000${marker ?? ''}`;
    const extras = [...new Set(edge.extras ?? [])].sort();
    const existing = this.edges.get(key);
    if (existing !== undefined) {
      existing.extras = [...new Set([...existing.extras, ...extras])].sort();
      if (existing.specifier === '' && edge.specifier) existing.specifier = edge.specifier;
      return;
    }
    this.edges.set(key, { from: edge.from, to: edge.to, specifier: edge.specifier ?? '', marker, extras });
  }

  /**
   * Make sure every node hangs off a root: a node that no root reaches (only possible inside a
   * dependency cycle) becomes a root itself, first in name order, so `pathFromRoot` always answers.
   */
  rootEveryCycle(): void {
    const children = new Map<string, string[]>();
    for (const e of this.edges.values()) children.set(e.from, [...(children.get(e.from) ?? []), e.to]);
    const reached = new Set<string>();
    const visit = (start: string): void => {
      const stack = [start];
      while (stack.length > 0) {
        const cur = stack.pop()!;
        if (reached.has(cur)) continue;
        reached.add(cur);
        stack.push(...(children.get(cur) ?? []));
      }
    };
    for (const r of this.roots) visit(r);
    for (const name of [...this.nodes.keys()].sort(cmp)) {
      if (reached.has(name)) continue;
      this.roots.add(name);
      visit(name);
    }
  }

  diagnose(level: GraphDiagnostic['level'], message: string, line?: number, file?: string): void {
    const d: GraphDiagnostic = { level, message, file: file ?? this.path };
    if (line !== undefined) d.line = line;
    this.diagnostics.push(d);
  }

  build(edgesKnown: boolean): Graph {
    const nodes = [...this.nodes.values()].sort((a, b) => cmp(a.name, b.name));
    for (const n of nodes) {
      if (n.extras !== undefined) n.extras = [...new Set(n.extras)].sort();
    }
    const edges = [...this.edges.values()]
      .filter((e) => this.nodes.has(e.from) && this.nodes.has(e.to))
      .sort((a, b) => cmp(a.from, b.from) || cmp(a.to, b.to) || cmp(a.marker ?? '', b.marker ?? ''));
    const roots = [...this.roots].filter((r) => this.nodes.has(r)).sort(cmp);
    return {
      source: { format: this.format, path: this.path },
      environment: { ...this.target },
      roots,
      nodes,
      edges,
      edgesKnown,
      diagnostics: this.diagnostics,
    };
  }
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function normaliseSelection(selection: SelectionOptions): {
  extras: string[];
  groups: string[];
  allExtras: boolean;
  allGroups: boolean;
} {
  return {
    // Extras and group names compare in their PEP 685 / PEP 735 normalised form.
    extras: (selection.extras ?? []).map(canonical),
    groups: (selection.groups ?? []).map(canonical),
    allExtras: selection.allExtras === true,
    allGroups: selection.allGroups === true,
  };
}

/** Raise when a selection names groups or extras the lock does not define (a typo would otherwise pass silently). */
export function checkSelectionExists(
  kind: 'extra' | 'group',
  requested: readonly string[],
  available: readonly string[],
  file: string,
): void {
  const have = new Set(available.map(canonical));
  const missing = requested.filter((r) => !have.has(canonical(r)));
  if (missing.length === 0) return;
  const list = available.length === 0 ? 'none' : available.join(', ');
  throw new PyvouchError('USAGE', `${file} has no ${kind} ${missing.map((m) => `'${m}'`).join(', ')} (it defines: ${list})`, {
    file,
    help: kind === 'extra' ? 'pass one of the listed names to --extra' : 'pass one of the listed names to --group',
  });
}

/** How a value looked, for messages that say what was found instead of what was expected. */
export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return 'an array';
  if (isTable(value)) return 'a table';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  return typeof value;
}

/** A string field, or undefined when absent; a value of another type is recorded as a problem. */
export function optionalString(table: TomlTable, key: string, problems: Problems, at?: string): string | undefined {
  const value = table[key];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    problems.add(at === undefined ? key : `${at}.${key}`, `'${key}' must be a string, found ${describe(value)}`);
    return undefined;
  }
  return value;
}

/** An array-of-strings field ([] when absent); anything else is recorded as a problem. */
export function stringList(table: TomlTable, key: string, problems: Problems, at?: string): string[] {
  const value = table[key];
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) {
    problems.add(at === undefined ? key : `${at}.${key}`, `'${key}' must be an array of strings, found ${describe(value)}`);
    return [];
  }
  return value;
}

/** One dependency a walk may follow: the child it resolved to and what the edge asks of it. */
export interface WalkStep<P> {
  child: P;
  extras: readonly string[];
  marker: string | null;
  specifier: string;
}

export interface Reached<P> {
  pkg: P;
  /** Extras of the package some edge (or the selection, for a root) turned on. */
  extras: Set<string>;
}

/**
 * Everything the roots pull in, as an installer would: each package's dependencies whose markers
 * hold (the caller's `depsOf` filters them), revisiting a package when an edge turns on more of its
 * extras, since those add optional dependencies.
 */
export function walkReachable<P>(
  roots: ReadonlyArray<{ pkg: P; extras: readonly string[] }>,
  keyOf: (p: P) => string,
  depsOf: (p: P, extras: ReadonlySet<string>) => Array<WalkStep<P>>,
  onEdge: (from: P, step: WalkStep<P>) => void,
): Map<string, Reached<P>> {
  const reached = new Map<string, Reached<P>>();
  const queue: P[] = [];
  const visit = (pkg: P, extras: readonly string[]): void => {
    const key = keyOf(pkg);
    let r = reached.get(key);
    let changed = false;
    if (r === undefined) {
      reached.set(key, (r = { pkg, extras: new Set() }));
      changed = true;
    }
    for (const e of extras) {
      if (!r.extras.has(e)) {
        r.extras.add(e);
        changed = true;
      }
    }
    if (changed) queue.push(pkg);
  };
  for (const root of roots) visit(root.pkg, root.extras);
  while (queue.length > 0) {
    const pkg = queue.shift()!;
    const r = reached.get(keyOf(pkg))!;
    for (const step of depsOf(pkg, r.extras)) {
      onEdge(pkg, step);
      visit(step.child, step.extras);
    }
  }
  return reached;
}

/** A file's `upload-time` (uv.lock string, pylock TOML datetime) as an ISO time, or undefined. */
export function readUploadTime(raw: unknown): string | undefined {
  const ms = raw instanceof Date ? raw.getTime() : typeof raw === 'string' ? Date.parse(raw) : Number.NaN;
  return Number.isNaN(ms) ? undefined : new Date(ms).toISOString();
}
