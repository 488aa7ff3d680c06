// Where each package of a checked dependency graph is drawn: one column per distance from a root,
// rows ordered by the mean row of their parents so edges cross less. Shared by the HTML report
// (html.ts) and the web UI's graph view (src/server/ui.ts), so both draw a lock file alike.
import { indexGraph, type Graph } from '../graph/graph.js';
import type { NodeReport, PolicyReport, Verdict } from '../trust/report.js';

/** A node's verdict as drawn: a passing node whose dependencies fail is told apart. */
export type NodeState = Verdict | 'closure-fail' | 'unknown';

export interface PlacedNode {
  name: string;
  x: number;
  y: number;
  state: NodeState;
  label: string;
}

export interface LayoutDimensions {
  boxWidth: number;
  boxHeight: number;
  colGap: number;
  rowGap: number;
}

export interface GraphLayout {
  placed: PlacedNode[];
  width: number;
  height: number;
}

/** The HTML report's boxes. */
export const REPORT_DIMENSIONS: LayoutDimensions = { boxWidth: 190, boxHeight: 26, colGap: 70, rowGap: 10 };

export function nodeState(report: NodeReport | undefined): NodeState {
  if (report === undefined) return 'unknown';
  return report.verdict === 'pass' && report.closure === 'fail' ? 'closure-fail' : report.verdict;
}

export function layoutGraph(graph: Graph, report: PolicyReport, dims: LayoutDimensions = REPORT_DIMENSIONS): GraphLayout {
  const { boxWidth, boxHeight, colGap, rowGap } = dims;
  const index = indexGraph(graph);
  const depth = new Map<string, number>();
  const queue: string[] = [];
  for (const r of [...graph.roots].sort()) {
    if (depth.has(r)) continue;
    depth.set(r, 0);
    queue.push(r);
  }
  for (let i = 0; i < queue.length; i++) {
    const cur = queue[i]!;
    for (const e of index.children(cur)) {
      if (depth.has(e.to)) continue;
      depth.set(e.to, depth.get(cur)! + 1);
      queue.push(e.to);
    }
  }
  const maxDepth = Math.max(0, ...depth.values());
  // Nodes no root reaches (a requirements file without edges has no roots to start from) go last.
  for (const n of graph.nodes) if (!depth.has(n.name)) depth.set(n.name, maxDepth + 1);
  const columns: string[][] = [];
  for (const n of [...graph.nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    const d = depth.get(n.name)!;
    (columns[d] ??= []).push(n.name);
  }
  const row = new Map<string, number>();
  for (const col of columns) {
    if (col === undefined) continue;
    const key = (name: string): number => {
      const rows = index.parents(name).map((e) => row.get(e.from)).filter((r): r is number => r !== undefined);
      return rows.length === 0 ? Infinity : rows.reduce((a, b) => a + b, 0) / rows.length;
    };
    col.sort((a, b) => key(a) - key(b) || a.localeCompare(b));
    col.forEach((name, i) => row.set(name, i));
  }
  const verdicts = new Map(report.nodes.map((n) => [n.name, n]));
  const versions = new Map<string, string>();
  for (const n of graph.nodes) if (!versions.has(n.name)) versions.set(n.name, n.version);
  const placed: PlacedNode[] = [];
  columns.forEach((col, d) => {
    (col ?? []).forEach((name, i) => {
      const version = versions.get(name) ?? '';
      placed.push({ name, x: 10 + d * (boxWidth + colGap), y: 10 + i * (boxHeight + rowGap), state: nodeState(verdicts.get(name)), label: `${name} ${version}` });
    });
  });
  const width = 20 + Math.max(1, columns.length) * (boxWidth + colGap) - colGap;
  const height = 20 + Math.max(1, ...columns.map((c) => (c ?? []).length)) * (boxHeight + rowGap);
  return { placed, width, height };
}
