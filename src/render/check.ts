// Renderers for `pyvouch check` and `pyvouch suggest`: the policy report as text (shaped after
// cargo-vet's failing check: a headline, each failing package with what it lacks, a table of
// recommended reviews, the backlog, the command that records a review) and as stable JSON
// (documented in docs/check-json.md).
import { indexGraph, pathsFromRoot, type Graph } from '../graph/graph.js';
import { formatNumber, shortIdentity, type NodeReport, type PolicyReport } from '../trust/report.js';
import type { SuggestReport } from '../trust/suggest.js';
import { paint } from '../cli/output.js';
import type { NotScanned, ScanSummary } from '../app/scan.js';

export interface CheckContext {
  graph: Graph;
  report: PolicyReport;
  suggestions: SuggestReport;
  /** Where the policy came from, for the headline. */
  policyFile?: string;
  /** Number of statements considered. */
  statements: number;
  /** `check --scan`: the scanner's findings and the releases it could not read. */
  scan?: ScanSummary;
  /** How the index parties' indexes were consulted (offline, unreachable, a local snapshot). */
  indexNotes?: string[];
  /** `check --all-targets`: the targets checked, and each release's targets (src/app/check-targets.ts). */
  targets?: TargetCoverage;
}

export interface TargetCoverage {
  /** Labels (`cpython3.12-linux-x86_64`) of the targets checked, in order. */
  labels: string[];
  /** Targets left out because the lock does not support them, with the reason. */
  excluded: { label: string; reason: string }[];
  /** By `name==version`: the targets it is installed on, and those where it (or its closure) fails. */
  nodes: Record<string, { on: string[]; failsOn: string[] }>;
}

/**
 * Target labels in few words: `every target`, or per machine the Python versions, e.g.
 * `linux-x86_64 3.10–3.13; windows-AMD64 3.12`.
 */
export function describeTargets(labels: readonly string[], all?: readonly string[]): string {
  if (all !== undefined && labels.length === all.length && labels.every((l) => all.includes(l))) return `every target (${labels.length})`;
  const groups = new Map<string, string[]>();
  for (const label of labels) {
    const m = /^([a-z]+)(\d+\.\d+(?:\.\d+)?)-(.+)$/.exec(label);
    const [machine, python] = m === null ? [label, ''] : [`${m[1] === 'cpython' ? '' : `${m[1]} `}${m[3]}`, m[2]!];
    groups.set(machine, [...(groups.get(machine) ?? []), python]);
  }
  const versions = (pythons: readonly string[]): string => {
    const known = pythons.filter((p) => p !== '');
    const minor = (p: string): number => Number(p.split('.')[1]);
    const contiguous = known.length > 2 && known.every((p, i) => i === 0 || minor(p) === minor(known[i - 1]!) + 1);
    return contiguous ? `${known[0]}–${known[known.length - 1]}` : known.join(', ');
  };
  // The same Pythons on every machine of the run: say it once.
  const allMachines = new Set((all ?? []).map((l) => l.replace(/^[a-z]+\d+\.\d+(?:\.\d+)?-/, '')));
  const lists = new Set([...groups.values()].map((p) => p.join(',')));
  if (lists.size === 1 && allMachines.size > 1 && groups.size === allMachines.size && [...groups.keys()].every((m) => allMachines.has(m))) {
    return `Python ${versions([...groups.values()][0]!)} on every machine`;
  }
  return [...groups].map(([machine, pythons]) => (pythons.every((p) => p === '') ? machine : `${machine} ${versions(pythons)}`)).join('; ');
}

export interface CheckJson {
  passed: boolean;
  evaluatedAt: string;
  source: Graph['source'];
  /** The one target checked; null with `--all-targets` (then `targets` lists them). */
  environment: Graph['environment'] | null;
  policy: { file: string | null; threshold: number; criteria: string[] };
  statements: number;
  /** How the index parties' indexes were consulted (offline, unreachable, a local snapshot). */
  indexNotes: string[];
  counts: PolicyReport['counts'];
  /** `--all-targets`: the targets checked and those the lock does not support. */
  targets?: { checked: string[]; excluded: TargetCoverage['excluded'] };
  /** With `--all-targets`, each node also says where it is installed (`targets`) and fails (`failsOn`). */
  nodes: (NodeReport & { path: string[] | null; targets?: string[]; failsOn?: string[] })[];
  suggestions: SuggestReport;
  scan?: ScanSummary;
}

export function checkToJson(ctx: CheckContext): CheckJson {
  const pathOf = pathsFromRoot(ctx.graph);
  return {
    passed: ctx.report.passed,
    evaluatedAt: ctx.report.evaluatedAt,
    source: ctx.graph.source,
    environment: ctx.targets === undefined ? ctx.graph.environment : null,
    policy: { file: ctx.policyFile ?? null, threshold: ctx.report.threshold, criteria: ctx.report.criteria },
    statements: ctx.statements,
    indexNotes: ctx.indexNotes ?? [],
    counts: ctx.report.counts,
    ...(ctx.targets === undefined ? {} : { targets: { checked: ctx.targets.labels, excluded: ctx.targets.excluded } }),
    nodes: ctx.report.nodes.map((n) => {
      const on = ctx.targets?.nodes[`${n.name}==${n.version}`];
      return { ...n, path: pathOf(n.name) ?? null, ...(on === undefined ? {} : { targets: on.on, failsOn: on.failsOn }) };
    }),
    suggestions: ctx.suggestions,
    ...(ctx.scan === undefined ? {} : { scan: ctx.scan }),
  };
}

const plural = (n: number, word: string): string => `${n} ${word}${n === 1 ? '' : 's'}`;

export function renderCheckText(ctx: CheckContext, color: boolean, opts: { verbose?: boolean } = {}): string {
  const { report, graph } = ctx;
  const pathOf = pathsFromRoot(graph);
  const out: string[] = [];
  const env = graph.environment;
  const where = graph.source.path ?? graph.source.format;
  const c = report.counts;
  const headline = report.passed
    ? paint(color, 'green', `✓ all ${plural(c.nodes, 'package')} meet the policy`)
    : paint(color, 'red', `✗ ${c.fail} of ${plural(c.nodes, 'package')} fail the policy`);
  const envText = ctx.targets === undefined ? `${env.implementation} ${env.python} ${env.platform} ${env.machine}` : `${plural(ctx.targets.labels.length, 'target')}`;
  out.push(
    `${headline} (${where}, ${envText}; threshold ${formatNumber(report.threshold)}, criteria ${report.criteria.join(', ')}; ${plural(ctx.statements, 'statement')})`,
  );
  if (ctx.targets !== undefined) {
    out.push(`  targets: ${describeTargets(ctx.targets.labels)}`);
    const failing = new Set(Object.values(ctx.targets.nodes).flatMap((n) => n.failsOn));
    if (failing.size > 0) out.push(`  failing on: ${describeTargets(ctx.targets.labels.filter((l) => failing.has(l)), ctx.targets.labels)}`);
    if (ctx.targets.excluded.length > 0) {
      const reasons = new Map<string, string[]>();
      for (const x of ctx.targets.excluded) reasons.set(x.reason, [...(reasons.get(x.reason) ?? []), x.label]);
      for (const [reason, labels] of reasons) out.push(`  ${paint(color, 'gray', `not checked: ${describeTargets(labels)} (${reason})`)}`);
    }
  }
  for (const note of ctx.indexNotes ?? []) out.push(`  ${paint(color, 'gray', `index: ${note}`)}`);
  // Counted from the verdicts themselves: a failing node is not one that "passes alone".
  const count = (verdict: NodeReport['verdict']): number => report.nodes.filter((n) => n.verdict === verdict).length;
  const dependOnFailing = report.nodes.filter((n) => n.verdict !== 'fail' && n.closure === 'fail').length;
  out.push(
    `  ${count('pass')} pass, ${count('exempt')} exempt, ${count('fail')} fail${dependOnFailing > 0 ? `; ${dependOnFailing} ${dependOnFailing === 1 ? 'passes' : 'pass'} alone but ${dependOnFailing === 1 ? 'depends' : 'depend'} on a failing package` : ''}`,
  );

  if (ctx.scan !== undefined) out.push(...scanLines(ctx.scan, color));

  const failing = report.nodes.filter((n) => n.verdict === 'fail');
  if (failing.length > 0) {
    out.push('');
    out.push(paint(color, 'bold', 'Failing packages:'));
    for (const n of failing) {
      out.push(`${paint(color, 'red', '✗')} ${paint(color, 'bold', `${n.name} ${n.version}`)}  score ${formatNumber(n.score)} of ${formatNumber(n.threshold)}`);
      for (const m of n.missing) out.push(`    ${paint(color, m.kind === 'veto' ? 'red' : 'yellow', '-')} ${m.message}`);
      for (const contribution of n.contributions) out.push(`    ${paint(color, 'green', '+')} ${contribution.message}`);
      for (const note of n.notes) out.push(`    ${paint(color, 'gray', `· ${note.message}`)}`);
      for (const o of n.overridden) out.push(`    ${paint(color, 'yellow', '~')} ${o.message}`);
      if (opts.verbose === true) for (const x of n.setAside) out.push(`    ${paint(color, 'gray', `· set aside (${x.reason}): ${x.message}`)}`);
      const path = pathOf(n.name);
      if (path !== undefined && path.length > 1) out.push(`    ${paint(color, 'gray', `required by: ${path.join(' -> ')}`)}`);
      const on = ctx.targets?.nodes[`${n.name}==${n.version}`];
      if (on !== undefined) {
        const all = ctx.targets!.labels;
        out.push(`    ${paint(color, 'gray', `installed on: ${describeTargets(on.on, all)}${on.failsOn.length === on.on.length ? '' : `; fails on: ${describeTargets(on.failsOn, all)}`}`)}`);
      }
    }
  }

  const exempt = report.nodes.filter((n) => n.verdict === 'exempt');
  if (exempt.length > 0) {
    out.push('');
    out.push(paint(color, 'bold', 'Exempted:'));
    for (const n of exempt) {
      const e = n.exemption;
      const until = e?.expires !== undefined ? ` (until ${e.expires.slice(0, 10)})` : '';
      const stale = e !== undefined && !e.needed ? paint(color, 'yellow', ' — no longer needed: it would pass without the exemption') : '';
      out.push(`${paint(color, 'yellow', '~')} ${n.name} ${n.version}: ${e?.reason ?? 'exempt'}${until}${stale}`);
    }
  }

  if (opts.verbose === true) {
    const passing = report.nodes.filter((n) => n.verdict === 'pass');
    if (passing.length > 0) {
      out.push('');
      out.push(paint(color, 'bold', 'Passing packages:'));
      for (const n of passing) {
        out.push(`${paint(color, 'green', '✓')} ${n.name} ${n.version}  score ${formatNumber(n.score)}`);
        const on = ctx.targets?.nodes[`${n.name}==${n.version}`];
        if (on !== undefined) out.push(`    ${paint(color, 'gray', `installed on: ${describeTargets(on.on, ctx.targets!.labels)}`)}`);
        for (const contribution of n.contributions) out.push(`    + ${contribution.message}`);
        for (const o of n.overridden) out.push(`    ~ ${o.message}`);
        for (const x of n.setAside) out.push(`    ${paint(color, 'gray', `· set aside (${x.reason}): ${x.message}`)}`);
        if (n.closure !== 'pass' && n.closurePath !== undefined) out.push(`    ${paint(color, 'yellow', `depends on a failing package: ${n.closurePath.join(' -> ')}`)}`);
      }
    }
  }

  if (!report.passed) out.push('', ...renderSuggestionsText(ctx, color));
  return `${out.join('\n')}\n`;
}

/** The "what to do next" part: the table of recommended reviews, the backlog and the command. */
export function renderSuggestionsText(ctx: CheckContext, color: boolean): string[] {
  const s = ctx.suggestions;
  const out: string[] = [];
  const index = indexGraph(ctx.graph);
  if (s.suggestions.length > 0) {
    out.push(paint(color, 'bold', 'Recommended reviews (cheapest first):'));
    const rows: string[][] = [['command', 'by', 'adds', 'lines', 'used by']];
    for (const sug of s.suggestions) {
      const users = index.parents(sug.name).map((e) => e.from);
      const usedBy = ctx.graph.roots.includes(sug.name) ? '(root)' : [...new Set(users)].sort().slice(0, 3).join(', ') + (users.length > 3 ? ', …' : '');
      let previous: string | undefined;
      for (const r of sug.reviews) {
        const lines = r.lines === null ? '?' : `${r.estimated ? '≤' : ''}${r.lines.toLocaleString('en-US')}`;
        // Several reviews of one release share a command: each needs another reviewer, so the
        // command is printed once and each row says who could write it.
        const command = r.command === previous ? '  (the same, by another reviewer)' : r.command;
        previous = r.command;
        rows.push([command, reviewerCell(r.party, r.reviewers), `+${formatNumber(r.weight)}`, lines, usedBy]);
      }
    }
    const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
    for (const [i, row] of rows.entries()) {
      const line = row.map((cell, j) => (j === row.length - 1 ? cell : cell.padEnd(widths[j]!))).join('  ');
      out.push(`  ${i === 0 ? paint(color, 'gray', line) : line}`);
    }
    const lines = s.lines === null ? 'unknown size' : `${s.lines.toLocaleString('en-US')} lines`;
    out.push('', `Estimated review backlog: ${plural(s.reviews, 'review')}, ${lines}.`);
  }
  for (const u of s.unfixable) out.push(`${paint(color, 'red', 'cannot be fixed by a review:')} ${u.message}`);
  out.push('', `Record a review with: ${paint(color, 'cyan', recordCommand(ctx))}`);
  return out;
}

/** Who could write a suggested review: the party and up to two of its members who have not yet. */
function reviewerCell(party: string, reviewers: readonly string[]): string {
  if (reviewers.length === 0) return party;
  const shown = reviewers.slice(0, 2).map(shortIdentity).join(', ');
  return `${party}: ${shown}${reviewers.length > 2 ? `, +${reviewers.length - 2}` : ''}`;
}

/**
 * The command that records a review. `--lock` binds it to the lock's files; a graph resolved from
 * requirements (`check -r`) has no lock file to name, so the review binds to the downloaded file.
 */
function recordCommand(ctx: CheckContext): string {
  const base = `pyvouch review NAME==VERSION --criteria ${ctx.report.criteria.join(',')} --comment "why"`;
  const source = ctx.graph.source;
  if (source.format === 'resolver' || source.path === undefined) return `${base} --file PATH-OF-THE-WHEEL-OR-SDIST`;
  return `${base} --lock ${source.path}`;
}

export function renderSuggestText(ctx: CheckContext, color: boolean): string {
  if (ctx.report.passed) return `${paint(color, 'green', '✓ nothing to review: every package meets the policy')}\n`;
  return `${renderSuggestionsText(ctx, color).join('\n')}\n`;
}



/** The scanner's findings (a line each) and the releases it could not read (a note each). */
function scanLines(scan: ScanSummary, color: boolean): string[] {
  const out = [`  scan: ${plural(scan.findings.length, 'finding')}, ${plural(scan.statements, 'scanner statement')}${scan.notScanned.length === 0 ? '' : `, ${scan.notScanned.length} not scanned`}`];
  for (const f of scan.findings) {
    const where = f.file === undefined ? '' : ` ${f.file}${f.line === undefined ? '' : `:${f.line}`}`;
    out.push(`    ${paint(color, 'yellow', f.severity)} ${f.name}${f.version === undefined ? '' : ` ${f.version}`}${where} [${f.rule}, ${f.kind}] ${f.message}`);
  }
  for (const n of scan.notScanned) out.push(`    ${paint(color, 'yellow', 'note')}: ${describeNotScanned(n)}`);
  return out;
}

/** A line per release not scanned, for a note or a warning. */
export function describeNotScanned(n: NotScanned): string {
  return `${n.name} ${n.version}${n.filename === undefined ? '' : ` (${n.filename})`} was not scanned: ${n.reason}`;
}
