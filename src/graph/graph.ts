// The dependency graph every part of pyvouch shares: lock-file readers and the resolver produce it,
// policy evaluation consumes it. Nodes are exact releases for one target environment; edges are
// the requirements that pulled them in. Pure data, no I/O.

/** The target environment a graph was built for (see src/pep/environment.ts for the markers). */
export interface TargetDescription {
  /** e.g. "3.12" (or "3.12.4"). */
  python: string;
  /** "linux" | "macos" | "windows" */
  platform: string;
  /** e.g. "x86_64", "aarch64", "arm64", "AMD64" */
  machine: string;
  /** e.g. "cpython" */
  implementation: string;
}

/** One file of a release. */
export interface Artifact {
  filename: string;
  /** Lower-case hex sha256, when the source records it. */
  sha256?: string;
  url?: string;
  size?: number;
  kind: 'wheel' | 'sdist' | 'other';
  /** The index the file comes from (index URL), when the source records it. */
  index?: string;
  /** When the index received the file (RFC 3339), when the source records it (uv.lock, pylock, PEP 700). */
  uploadTime?: string;
}

/** Where a release comes from, when it is not a plain index download. */
export interface NodeSource {
  kind: 'registry' | 'url' | 'path' | 'directory' | 'editable' | 'vcs' | 'virtual';
  /** index URL for registry, the URL/path otherwise */
  location?: string;
}

/** How the node's dependencies were learned. */
export type MetadataOrigin =
  | 'lock' // from the lock file
  | 'static' // read from declarative metadata (wheel METADATA, PKG-INFO >= 2.2, pyproject [project])
  | 'built' // obtained by running the build backend's metadata hook in a sandbox
  | 'unknown'; // the format carries no edges (plain requirements.txt)

export interface GraphNode {
  /** Canonical name (PEP 503). Within one environment a name is installed once, so it is the key. */
  name: string;
  /** Normalised version (PEP 440), or the raw string when the source gives a non-PEP 440 one. */
  version: string;
  /** The files that would be installed for the target: the compatible wheels, else the sdist. */
  artifacts: Artifact[];
  source?: NodeSource;
  metadata: MetadataOrigin;
  /** Extras of this node that some edge asked for. */
  extras?: string[];
  /** Free-text remarks a reader wants a report to show (e.g. "editable install"). */
  notes?: string[];
  /**
   * Only needed to build an sdist of the graph (PEP 518 build requirement): it runs on the
   * building machine and is not installed. Reached through `kind: 'build'` edges.
   */
  buildOnly?: boolean;
  /** For `metadata: 'built'`: how the metadata was obtained for this graph's target (issue 20). */
  metadataBuild?: NodeMetadataBuild;
}

/** How a built node's metadata was obtained (see src/artifact/target-env.ts). */
export interface NodeMetadataBuild {
  /** `target`: the target's interpreter, platform emulated; `emulated`: the host's interpreter, platform emulated; `host`: nothing emulated. */
  mode: 'target' | 'emulated' | 'host';
  /** One phrase for reports, e.g. "built for the target cpython3.12-windows-AMD64: Python 3.12.1 (...)". */
  how: string;
  interpreter: { version: string; executable: string };
  backend: string;
  emulated: string[];
  /** Requires-Dist the build answered, before markers (compared across targets). */
  requiresDist: string[];
  /** Build requirements installed for it, `name==version`. */
  buildRequires: string[];
  /** Set by a matrix comparison: each target's Requires-Dist, when they differ (platform-dependent). */
  platformDependent?: Record<string, string[]>;
}

export interface GraphEdge {
  /** Canonical name of the parent node. */
  from: string;
  /** Canonical name of the child node. */
  to: string;
  /** Normalised specifier, "" for any. */
  specifier: string;
  /** Normalised marker, or null. */
  marker: string | null;
  /** Extras of the child requested by this edge, sorted. */
  extras: string[];
  /** `build`: the child is a build requirement of the parent's sdist (or of another build requirement). */
  kind?: 'build';
}

/** Something a reader noticed and did not turn into the graph, reported rather than dropped. */
export interface GraphDiagnostic {
  level: 'warning' | 'info';
  message: string;
  file?: string;
  line?: number;
}

export interface Graph {
  /** The input format and file, e.g. { format: 'uv.lock', path: 'uv.lock' }. */
  source: { format: LockFormat | 'resolver'; path?: string };
  environment: TargetDescription;
  /** Canonical names of the nodes the user asked for directly. */
  roots: string[];
  nodes: GraphNode[];
  edges: GraphEdge[];
  /** False when the source carries no dependency edges (plain requirements.txt): none are invented. */
  edgesKnown: boolean;
  diagnostics: GraphDiagnostic[];
  /** What part of the lock the graph covers (groups, extras), when the format has such choices. */
  selection?: GraphSelection;
}

export type LockFormat = 'pylock.toml' | 'requirements.txt' | 'uv.lock' | 'poetry.lock' | 'pdm.lock' | 'Pipfile.lock';

/**
 * What to include when turning a lock into a graph. The default is what the client that wrote the
 * lock installs (`uv sync`: the project and its default groups; `poetry install`: every
 * non-optional group; `pdm sync`: the default and dev groups; `pipenv sync`: `default`).
 */
export interface SelectionOptions {
  /** Extras of the root project(s) to include. */
  extras?: string[];
  /** Dependency groups (PEP 735, Poetry groups, uv dev groups) to include besides the defaults. */
  groups?: string[];
  allGroups?: boolean;
  allExtras?: boolean;
  /** Leave out the groups the client installs by default (uv `--no-default-groups`). */
  noDefaultGroups?: boolean;
  /** Only these groups, without the project's own dependencies (uv `--only-group`). */
  onlyGroups?: string[];
  /** Leave out these groups, even when default or named otherwise (uv `--no-group`). */
  noGroups?: string[];
}

/** The selection a reader applied, so reports can say what was (and was not) checked. */
export interface GraphSelection {
  /** Whether the project's own (non-group) dependencies are in the graph. */
  project: boolean;
  /** The dependency groups taken, normalised and sorted. */
  groups: string[];
  /** The extras taken, normalised and sorted. */
  extras: string[];
  /** The groups the lock (or its project) defines, sorted. */
  availableGroups: string[];
  /** Where the default came from, e.g. "uv's default-groups in pyproject.toml". */
  defaults: string;
}

/** Index the graph for lookups: nodes by name, children and parents by name. */
export interface GraphIndex {
  node(name: string): GraphNode | undefined;
  children(name: string): GraphEdge[];
  parents(name: string): GraphEdge[];
}

export function indexGraph(graph: Graph): GraphIndex {
  const nodes = new Map<string, GraphNode>();
  const children = new Map<string, GraphEdge[]>();
  const parents = new Map<string, GraphEdge[]>();
  for (const n of graph.nodes) nodes.set(n.name, n);
  for (const e of graph.edges) {
    let c = children.get(e.from);
    if (c === undefined) children.set(e.from, (c = []));
    c.push(e);
    let p = parents.get(e.to);
    if (p === undefined) parents.set(e.to, (p = []));
    p.push(e);
  }
  return {
    node: (name) => nodes.get(name),
    children: (name) => children.get(name) ?? [],
    parents: (name) => parents.get(name) ?? [],
  };
}

/**
 * A shortest path of names from a root to `name` (inclusive), or undefined when unreachable.
 * Used by reports to say why a package is in the graph. For the paths of many nodes, see
 * pathsFromRoot (one search for all of them).
 */
export function pathFromRoot(graph: Graph, name: string, index: GraphIndex = indexGraph(graph)): string[] | undefined {
  return pathsFromRoot(graph, index)(name);
}

/**
 * pathFromRoot for every node at once: one breadth-first search from the roots, then each path is
 * read back. pathFromRoot is this for one node, so both give every node the same path.
 */
export function pathsFromRoot(graph: Graph, index: GraphIndex = indexGraph(graph)): (name: string) => string[] | undefined {
  const prev = new Map<string, string | null>();
  const queue: string[] = [];
  for (const r of graph.roots) {
    if (!prev.has(r)) {
      prev.set(r, null);
      queue.push(r);
    }
  }
  for (let i = 0; i < queue.length; i++) {
    for (const e of index.children(queue[i]!)) {
      if (!prev.has(e.to)) {
        prev.set(e.to, queue[i]!);
        queue.push(e.to);
      }
    }
  }
  return (name) => {
    if (!prev.has(name)) return undefined;
    const path: string[] = [];
    for (let cur: string | null | undefined = name; cur != null; cur = prev.get(cur)) path.push(cur);
    return path.reverse();
  };
}
