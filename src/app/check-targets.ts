// `check --all-targets` / `--matrix`: one lock checked for every target environment it supports
// at once. Each target's graph is read and evaluated on its own (a verdict's closure depends on the
// target's edges), statements are gathered and index pages confirmed once for the union, and the
// per-target reports merge into one: each release once, with the targets it is installed on and
// the targets where it fails.
import { readFileSync } from 'node:fs';
import { parse as parseToml } from 'smol-toml';
import type { Graph, GraphEdge, GraphNode, SelectionOptions, TargetDescription } from '../graph/graph.js';
import { loadLockFile } from '../lock/load.js';
import { detectFormat } from '../lock/read.js';
import { COMMON_MACHINES, COMMON_PYTHONS, markerEnvironmentFor, parseTarget, targetLabel } from '../pep/environment.js';
import { Marker } from '../pep/marker.js';
import { SpecifierSet } from '../pep/specifier.js';
import type { CheckContext, TargetCoverage } from '../render/check.js';
import type { CooldownInputs } from '../trust/cooldown.js';
import { countVerdicts, evaluatePolicy } from '../trust/evaluate.js';
import { cmp } from '../trust/order.js';
import type { Policy } from '../trust/policy.js';
import { indexStatements } from '../trust/statements.js';
import type { NodeReport, PolicyReport, Verdict } from '../trust/report.js';
import { suggestReviews, type SuggestOptions } from '../trust/suggest.js';
import type { CheckResult } from './check.js';
import { confirmIndexes, type ConfirmOptions } from './index-confirm.js';
import { gatherStatements, type StatementSource } from './sources.js';


/** Every CPython 3.9–3.14 on Linux (x86_64, aarch64), macOS (arm64, x86_64) and Windows (AMD64). */
export function everyTarget(): TargetDescription[] {
  return COMMON_MACHINES.flatMap(([platform, machine]) => COMMON_PYTHONS.map((python) => parseTarget({ python, platform, machine, implementation: 'cpython' })));
}

/** `linux:3.12,windows:3.9:AMD64` → targets (platform:python[:machine]). */
export function parseMatrix(spec: string): TargetDescription[] {
  return spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((item) => {
      const [platform, python, machine] = item.split(':');
      return parseTarget({ ...(platform ? { platform } : {}), ...(python ? { python } : {}), ...(machine ? { machine } : {}) });
    });
}

interface LockScope {
  /** Whether the lock is meant for more than one environment (markers choose what installs). */
  universal: boolean;
  requiresPython?: string;
  /** pylock `environments` / uv.lock `supported-markers`: a target must match one. */
  environments: string[];
}

/** What the lock says about the environments it is for, read from its top-level keys. */
export function lockScope(path: string, text: string = readFileSync(path, 'utf8')): LockScope {
  let format: string;
  try {
    format = detectFormat(path, text);
  } catch {
    // The reader says what it cannot read when the graph is read.
    return { universal: false, environments: [] };
  }
  if (format !== 'uv.lock' && format !== 'pylock.toml') return { universal: false, environments: [] };
  let doc: Record<string, unknown>;
  try {
    doc = parseToml(text);
  } catch {
    // The reader reports the syntax error with its location when the graph is read.
    return { universal: false, environments: [] };
  }
  const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);
  const environments = format === 'uv.lock' ? strings(doc['supported-markers']) : strings(doc.environments);
  const requiresPython = typeof doc['requires-python'] === 'string' ? doc['requires-python'] : undefined;
  // uv.lock is always universal; a pylock.toml is when it names environments or any package has a marker.
  const universal = format === 'uv.lock' || environments.length > 0 || (Array.isArray(doc.packages) && doc.packages.some((p) => typeof (p as Record<string, unknown>).marker === 'string'));
  return { universal, ...(requiresPython === undefined ? {} : { requiresPython }), environments };
}

export interface TargetChoice {
  targets: TargetDescription[];
  /** Targets left out, with the reason (the lock's requires-python or environments exclude them). */
  excluded: { label: string; reason: string }[];
}

/** The targets of `candidates` the lock supports. */
export function supportedTargets(scope: LockScope, candidates: readonly TargetDescription[]): TargetChoice {
  const targets: TargetDescription[] = [];
  const excluded: TargetChoice['excluded'] = [];
  const requires = scope.requiresPython === undefined ? undefined : new SpecifierSet(scope.requiresPython);
  const environments = scope.environments.map((m) => new Marker(m));
  for (const target of candidates) {
    const env = markerEnvironmentFor(target);
    if (requires !== undefined && !requires.contains(env.python_full_version, { prereleases: true })) {
      excluded.push({ label: targetLabel(target), reason: `the lock requires Python ${scope.requiresPython}` });
    } else if (environments.length > 0 && !environments.some((m) => m.evaluate({ ...env, extra: '' }))) {
      excluded.push({ label: targetLabel(target), reason: `not among the lock's environments (${scope.environments.join(' | ')})` });
    } else targets.push(target);
  }
  return { targets, excluded };
}

export interface TargetGraph {
  label: string;
  target: TargetDescription;
  graph: Graph;
}

export function loadTargetGraphs(lock: string, targets: readonly TargetDescription[], selection: SelectionOptions = {}): TargetGraph[] {
  return targets.map((target) => ({ label: targetLabel(target), target, graph: loadLockFile(lock, target, selection) }));
}

const nodeKey = (n: { name: string; version: string }): string => `${n.name}==${n.version}`;

/**
 * The union of the targets' graphs: each release once (a project may be there in two versions,
 * one per target group), its files the union of each target's, every edge of any target once.
 */
export function unionGraph(graphs: readonly TargetGraph[]): Graph {
  const first = graphs[0];
  if (first === undefined) throw new Error('internal: no target graphs to unite');
  const nodes = new Map<string, GraphNode>();
  const edges = new Map<string, GraphEdge>();
  const roots = new Set<string>();
  const diagnostics = new Map<string, Graph['diagnostics'][number]>();
  for (const { graph } of graphs) {
    for (const r of graph.roots) roots.add(r);
    for (const n of graph.nodes) {
      const key = nodeKey(n);
      const seen = nodes.get(key);
      if (seen === undefined) {
        nodes.set(key, { ...n, artifacts: [...n.artifacts] });
        continue;
      }
      const files = new Set(seen.artifacts.map((a) => a.filename));
      for (const a of n.artifacts) if (!files.has(a.filename)) seen.artifacts.push(a);
      if (n.extras !== undefined) seen.extras = [...new Set([...(seen.extras ?? []), ...n.extras])].sort();
    }
    for (const e of graph.edges) edges.set(JSON.stringify([e.from, e.to, e.specifier, e.marker, e.extras]), e);
    for (const d of graph.diagnostics) diagnostics.set(d.message, d);
  }
  for (const n of nodes.values()) n.artifacts.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  return {
    ...first.graph,
    roots: [...roots].sort(),
    nodes: [...nodes.values()].sort((a, b) => cmp(a.name, b.name) || cmp(a.version, b.version)),
    edges: [...edges.values()],
    edgesKnown: graphs.every((g) => g.graph.edgesKnown),
    diagnostics: [...diagnostics.values()],
  };
}

export interface CheckTargetsInput {
  graphs: readonly TargetGraph[];
  /** unionGraph(graphs), when the caller has it already. */
  union?: Graph;
  excluded?: TargetChoice['excluded'];
  sources: readonly StatementSource[];
  policy: Policy;
  now: Date;
  measure?: (graph: Graph, report: PolicyReport) => Promise<SuggestOptions>;
  cooldown?: CooldownInputs;
  confirm?: ConfirmOptions;
}

export interface CheckTargetsResult extends CheckResult {
  targets: TargetCoverage;
}

const RANK: Record<Verdict, number> = { pass: 0, exempt: 1, fail: 2 };

/** Checks every target's graph and merges the reports (see the module comment). */
export async function checkTargets(input: CheckTargetsInput): Promise<CheckTargetsResult> {
  const { graphs, policy, now } = input;
  const union = input.union ?? unionGraph(graphs);
  const gathered = await gatherStatements(input.sources, [...new Set(union.nodes.map((n) => n.name))]);
  const confirmation = await confirmIndexes(union, policy, input.confirm ?? {});
  // Targets whose graphs are equal evaluate alike: once per distinct graph.
  const byGraph = new Map<string, { graph: Graph; labels: string[] }>();
  for (const g of graphs) {
    const key = JSON.stringify([g.graph.roots, g.graph.nodes, g.graph.edges]);
    const entry = byGraph.get(key);
    if (entry === undefined) byGraph.set(key, { graph: g.graph, labels: [g.label] });
    else entry.labels.push(g.label);
  }
  const perNode = new Map<string, { reports: NodeReport[]; on: string[]; failsOn: string[] }>();
  let passed = true;
  let first: PolicyReport | undefined;
  // Indexed once for every distinct graph (evaluatePolicy would index an array each time).
  const index = indexStatements(gathered.statements);
  for (const { graph, labels } of byGraph.values()) {
    const report = evaluatePolicy(graph, index, policy, {
      now,
      indexCheck: confirmation.check,
      ...(input.cooldown === undefined ? {} : { cooldown: input.cooldown }),
    });
    first ??= report;
    passed &&= report.passed;
    for (const n of report.nodes) {
      const key = nodeKey(n);
      let entry = perNode.get(key);
      if (entry === undefined) perNode.set(key, (entry = { reports: [], on: [], failsOn: [] }));
      entry.reports.push(n);
      entry.on.push(...labels);
      if (n.verdict === 'fail' || n.closure === 'fail') entry.failsOn.push(...labels);
    }
  }
  const order = new Map(graphs.map((g, i) => [g.label, i]));
  const byOrder = (a: string, b: string): number => order.get(a)! - order.get(b)!;
  const nodes: NodeReport[] = [];
  const coverage: TargetCoverage['nodes'] = {};
  for (const [key, entry] of perNode) {
    // The worst of the node's reports stands for it; `failsOn` says where it is that bad.
    const worst = entry.reports.reduce((a, b) => (RANK[b.verdict] > RANK[a.verdict] || (RANK[b.verdict] === RANK[a.verdict] && RANK[b.closure] > RANK[a.closure]) ? b : a));
    nodes.push(worst);
    coverage[key] = { on: entry.on.sort(byOrder), failsOn: entry.failsOn.sort(byOrder) };
  }
  nodes.sort((a, b) => cmp(a.name, b.name) || cmp(a.version, b.version));
  const report: PolicyReport = {
    passed,
    evaluatedAt: first!.evaluatedAt,
    threshold: first!.threshold,
    criteria: first!.criteria,
    counts: countVerdicts(nodes),
    nodes,
  };
  const sizes = input.measure === undefined ? {} : await input.measure(union, report);
  const suggestions = suggestReviews(report, union, policy, sizes);
  const targets: TargetCoverage = {
    labels: graphs.map((g) => g.label),
    excluded: input.excluded ?? [],
    nodes: coverage,
  };
  const result: CheckTargetsResult = {
    graph: union,
    report,
    suggestions,
    statements: gathered.statements.length,
    setAside: gathered.setAside,
    indexNotes: confirmation.notes,
    targets,
    ...(policy.file === undefined ? {} : { policyFile: policy.file }),
  };
  return result satisfies CheckContext;
}
