// Renderers for a dependency graph: a tree for people (cargo-tree style, repeated subtrees marked
// with (*)), and the stable JSON documented in docs/graph-json.md for machines.
import { indexGraph, type Graph, type GraphSelection, type NodeMetadataBuild } from '../graph/graph.js';
import { paint } from '../cli/output.js';

export interface GraphJson {
  source: Graph['source'];
  environment: Graph['environment'] & { markers: Record<string, string> };
  roots: string[];
  edgesKnown: boolean;
  nodes: {
    name: string;
    version: string;
    artifacts: { filename: string; sha256: string | null; url?: string }[];
    metadata: string;
    source?: { kind: string; location?: string };
    notes?: string[];
    /** Only needed to build an sdist (PEP 518), not installed. */
    buildOnly?: true;
    /** How built metadata was obtained for the target (issue 20). */
    metadataBuild?: NodeMetadataBuild;
  }[];
  edges: { from: string; to: string; specifier: string; marker: string | null; extras: string[]; kind?: 'build' }[];
  diagnostics: Graph['diagnostics'];
  /** Which groups and extras the graph covers; absent for formats without them (requirements, resolver). */
  selection?: GraphSelection;
}

export function graphToJson(graph: Graph, markers: Record<string, string>): GraphJson {
  return {
    source: graph.source,
    environment: { ...graph.environment, markers },
    roots: [...graph.roots],
    edgesKnown: graph.edgesKnown,
    nodes: graph.nodes.map((n) => ({
      name: n.name,
      version: n.version,
      artifacts: n.artifacts.map((a) => ({
        filename: a.filename,
        sha256: a.sha256 ?? null,
        ...(a.url === undefined ? {} : { url: a.url }),
      })),
      metadata: n.metadata,
      ...(n.source === undefined ? {} : { source: { ...n.source } }),
      ...(n.notes === undefined || n.notes.length === 0 ? {} : { notes: [...n.notes] }),
      ...(n.buildOnly === true ? { buildOnly: true as const } : {}),
      ...(n.metadataBuild === undefined ? {} : { metadataBuild: structuredClone(n.metadataBuild) }),
    })),
    edges: graph.edges.map((e) => ({
      from: e.from,
      to: e.to,
      specifier: e.specifier,
      marker: e.marker,
      extras: [...e.extras],
      ...(e.kind === undefined ? {} : { kind: e.kind }),
    })),
    diagnostics: graph.diagnostics,
    ...(graph.selection === undefined ? {} : { selection: { ...graph.selection } }),
  };
}

/** One line saying what part of the lock the graph covers, e.g. "groups: dev (uv's default ...); extras: none". */
export function describeSelection(selection: GraphSelection): string {
  const groups = selection.groups.length === 0 ? 'none' : selection.groups.join(', ');
  const extras = selection.extras.length === 0 ? 'none' : selection.extras.join(', ');
  const others = selection.availableGroups.filter((g) => !selection.groups.includes(g));
  return (
    `${selection.project ? "the project's dependencies" : "without the project's own dependencies"}; ` +
    `groups: ${groups}${others.length > 0 ? ` (not taken: ${others.join(', ')})` : ''}; extras: ${extras}; default: ${selection.defaults}`
  );
}

export function renderGraphText(graph: Graph, color: boolean): string {
  const index = indexGraph(graph);
  const env = graph.environment;
  const lines: string[] = [];
  const where = graph.source.path ?? graph.source.format;
  lines.push(
    paint(color, 'bold', `${where}`) +
      ` for ${env.implementation} ${env.python} on ${env.platform} ${env.machine}: ${graph.nodes.length} package${graph.nodes.length === 1 ? '' : 's'}`,
  );
  const label = (name: string): string => {
    const node = index.node(name);
    if (node === undefined) return `${name} ${paint(color, 'red', '(missing from the lock)')}`;
    const extra = node.source !== undefined && node.source.kind !== 'registry' ? paint(color, 'yellow', ` [${node.source.kind}]`) : '';
    return `${name} ${paint(color, 'green', node.version)}${extra}`;
  };
  const printed = new Set<string>();
  const walk = (name: string, prefix: string, onPath: Set<string>): void => {
    const kids = [...index.children(name)].sort((a, b) => a.to.localeCompare(b.to));
    kids.forEach((edge, i) => {
      const last = i === kids.length - 1;
      const branch = last ? '└── ' : '├── ';
      const extras = edge.extras.length > 0 ? `[${edge.extras.join(',')}]` : '';
      const cycle = onPath.has(edge.to);
      const repeat = !cycle && printed.has(edge.to) && index.children(edge.to).length > 0;
      const suffix = cycle ? paint(color, 'gray', ' (cycle)') : repeat ? paint(color, 'gray', ' (*)') : '';
      const build = edge.kind === 'build' ? paint(color, 'yellow', ' [build]') : '';
      lines.push(`${prefix}${branch}${label(edge.to)}${extras}${build}${suffix}`);
      if (cycle || repeat) return;
      printed.add(edge.to);
      onPath.add(edge.to);
      walk(edge.to, prefix + (last ? '    ' : '│   '), onPath);
      onPath.delete(edge.to);
    });
  };
  if (graph.selection !== undefined) lines.push(paint(color, 'gray', `selection: ${describeSelection(graph.selection)}`));
  if (graph.edgesKnown) {
    for (const root of [...graph.roots].sort()) {
      lines.push(label(root));
      printed.add(root);
      walk(root, '', new Set([root]));
    }
    const unreached = graph.nodes.filter((n) => !printed.has(n.name)).map((n) => n.name).sort();
    if (unreached.length > 0) {
      lines.push(paint(color, 'gray', 'not reached from a root:'));
      for (const name of unreached) lines.push(`  ${label(name)}`);
    }
  } else {
    lines.push(paint(color, 'gray', '(the file records no dependency edges: packages listed flat)'));
    for (const n of [...graph.nodes].sort((a, b) => a.name.localeCompare(b.name))) lines.push(label(n.name));
  }
  const built = graph.nodes.filter((n) => n.metadataBuild !== undefined).sort((a, b) => a.name.localeCompare(b.name));
  if (built.length > 0) {
    lines.push('', paint(color, 'bold', 'Metadata built from sdists:'));
    for (const n of built) {
      lines.push(`  ${n.name} ${n.version}: ${n.metadataBuild!.how}`);
      for (const [label, deps] of Object.entries(n.metadataBuild!.platformDependent ?? {})) {
        lines.push(`    ${paint(color, 'yellow', 'platform-dependent')} on ${label}: ${deps.length === 0 ? '(none)' : deps.join(', ')}`);
      }
    }
  }
  if (graph.diagnostics.length > 0) {
    lines.push('');
    for (const d of graph.diagnostics) {
      const loc = d.file !== undefined ? `${d.file}${d.line !== undefined ? `:${d.line}` : ''}: ` : '';
      lines.push(`${paint(color, d.level === 'warning' ? 'yellow' : 'gray', d.level)}: ${loc}${d.message}`);
    }
  }
  return `${lines.join('\n')}\n`;
}
