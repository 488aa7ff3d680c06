// Suggestions: for each failing node, the fewest reviews that would make it pass, preferring delta
// reviews from a version the same party already vouched for, ranked by the lines to read (as
// cargo-vet's `suggest` does). Returns a value; rendering is elsewhere. Pure.

import type { Graph } from '../graph/graph.js';
import { isStatementParty, type Level, type Policy } from './policy.js';
import { formatNumber, type NodeReport, type PolicyReport } from './report.js';
import { cmp, compareVersions, round } from './order.js';

export interface SuggestOptions {
  /** Lines of code to read per release, keyed `name==version`, or `name` for any version. */
  sizes?: ReadonlyMap<string, number>;
  /** Lines of a diff between releases, keyed `name==from->to`. */
  deltaSizes?: ReadonlyMap<string, number>;
}

export interface SuggestedReview {
  /** Party the reviewer must belong to. */
  party: string;
  /** Members of the party who have not vouched yet and could write it. */
  reviewers: string[];
  /** What it would add to the score. */
  weight: number;
  /** Review the diff from this already-trusted version instead of the whole release. */
  deltaFrom?: string;
  /** Lines to read; null when unknown. */
  lines: number | null;
  /** True when `lines` is an upper bound (a diff whose size is unknown, counted as the whole release). */
  estimated: boolean;
  /** The command that records it. */
  command: string;
}

export interface ReviewSuggestion {
  name: string;
  version: string;
  criteria: string[];
  /** The fewest reviews that make the node pass, most valuable first. */
  reviews: SuggestedReview[];
  /** Score now, what the reviews add, and where that lands. */
  score: number;
  adds: number;
  reaches: number;
  threshold: number;
  /** Required parties the reviews cover. */
  covers: string[];
  /** Total lines to read; null when any size is unknown. */
  lines: number | null;
  message: string;
}

export type UnfixableReason = 'veto' | 'unbound' | 'required-non-reviewer' | 'not-enough-reviewers' | 'dynamic-metadata';

export interface Unfixable {
  name: string;
  version: string;
  reason: UnfixableReason;
  message: string;
}

/** A review of a baselined release that would retire its baseline exemption (pyvouch init). */
export interface RetireSuggestion {
  name: string;
  version: string;
  /** Packages of the graph that depend on it directly (the review matters to each of them). */
  usedBy: number;
  lines: number | null;
  command: string;
}

export interface SuggestReport {
  /** Cheapest first. */
  suggestions: ReviewSuggestion[];
  /** Reviews that retire baseline exemptions, most retired first, then cheapest. */
  retire?: RetireSuggestion[];
  /** Failing nodes no review can fix, with what would. */
  unfixable: Unfixable[];
  /** Number of reviews over all suggestions. */
  reviews: number;
  /** Lines to read over all suggestions; null when any size is unknown. */
  lines: number | null;
}

interface Slot {
  identity: string;
  party: string;
  partyIndex: number;
  value: number;
}

export function suggestReviews(report: PolicyReport, graph: Graph, policy: Policy, opts: SuggestOptions = {}): SuggestReport {
  const graphNodes = new Map(graph.nodes.map((n) => [`${n.name}==${n.version}`, n]));
  const suggestions: ReviewSuggestion[] = [];
  const unfixable: Unfixable[] = [];
  for (const node of report.nodes) {
    if (node.verdict !== 'fail') continue;
    const id = `${node.name}==${node.version}`;
    const vetoes = node.missing.filter((m) => m.kind === 'veto');
    if (vetoes.length > 0) {
      unfixable.push({
        name: node.name,
        version: node.version,
        reason: 'veto',
        message: `${id} is vetoed (${vetoes.map((v) => v.message).join('; ')}); no review outweighs that: replace it, or have the flag withdrawn`,
      });
      continue;
    }
    // Built metadata the policy does not accept: a review of the release does not change how it was obtained.
    const dynamic = node.missing.find((m) => m.kind === 'dynamic-metadata');
    if (dynamic !== undefined && dynamic.kind === 'dynamic-metadata') {
      unfixable.push({ name: node.name, version: node.version, reason: 'dynamic-metadata', message: `${id}: ${dynamic.help}` });
      continue;
    }
    const artifacts = graphNodes.get(id)?.artifacts ?? [];
    if (policy.requireHashBinding && !artifacts.some((a) => a.sha256 !== undefined && a.sha256 !== '')) {
      unfixable.push({
        name: node.name,
        version: node.version,
        reason: 'unbound',
        message: `the lock records no sha256 for ${id}, so no review can be bound to its files: lock with hashes (or set require-hash-binding = false)`,
      });
      continue;
    }
    const result = planNode(node, policy, opts);
    if ('reason' in result) unfixable.push(result);
    else suggestions.push(result);
  }
  suggestions.sort(
    (a, b) =>
      (a.lines ?? Infinity) - (b.lines ?? Infinity) ||
      a.reviews.length - b.reviews.length ||
      cmp(a.name, b.name) ||
      cmp(a.version, b.version),
  );
  const reviews = suggestions.reduce((n, s) => n + s.reviews.length, 0);
  const lines = suggestions.some((s) => s.lines === null) ? null : suggestions.reduce((n, s) => n + s.lines!, 0);
  const retire = retireBaselines(report, graph, policy, opts);
  return { suggestions, unfixable, reviews, lines, ...(retire.length > 0 ? { retire } : {}) };
}

/**
 * Baselined releases whose exemption is still needed: a full review of each retires one baseline
 * exemption. The cheapest first, and among equals the most depended on.
 */
function retireBaselines(report: PolicyReport, graph: Graph, policy: Policy, opts: SuggestOptions): RetireSuggestion[] {
  const baselined = new Set(policy.exemptions.filter((e) => e.baseline !== undefined).map((e) => `${e.name}==${e.version}`));
  const needed = report.nodes.filter((n) => n.verdict === 'exempt' && n.exemption?.needed === true && baselined.has(`${n.name}==${n.version}`));
  const parents = new Map<string, Set<string>>();
  for (const e of graph.edges) {
    let p = parents.get(e.to);
    if (p === undefined) parents.set(e.to, (p = new Set()));
    p.add(e.from);
  }
  const out = needed.map((n) => ({
    name: n.name,
    version: n.version,
    usedBy: parents.get(n.name)?.size ?? 0,
    lines: size(opts.sizes, n.name, n.version),
    command: `pyvouch review ${n.name}==${n.version} --criteria ${n.criteria.join(',')}`,
  }));
  return out.sort((a, b) => (a.lines ?? Infinity) - (b.lines ?? Infinity) || b.usedBy - a.usedBy || cmp(a.name, b.name));
}

function planNode(node: NodeReport, policy: Policy, opts: SuggestOptions): ReviewSuggestion | Unfixable {
  const id = `${node.name}==${node.version}`;
  const partyNames = new Map(policy.parties.map((p, i) => [p.name, { party: p, index: i }]));
  const missingRequired = node.missing.flatMap((m) => (m.kind === 'required' ? [m.party] : []));
  for (const r of missingRequired) {
    const party = partyNames.get(r)?.party;
    if (party === undefined || !isStatementParty(party)) {
      const what = party === undefined ? `the ${r} level (it needs votes, not a review)` : `${r} (${party.kind === 'index' ? 'an index' : 'a trusted publisher'})`;
      return {
        name: node.name,
        version: node.version,
        reason: 'required-non-reviewer',
        message: `${id} requires ${what}, which no review provides`,
      };
    }
  }

  const bases = new Map<string, string | undefined>();
  for (const party of policy.parties) bases.set(party.name, deltaBase(node, party.name));
  const slots = reviewSlots(node, policy, bases);
  const allSlots = [...slots];
  const chosen: Slot[] = [];
  const take = (slot: Slot): void => {
    chosen.push(slot);
    slots.splice(slots.indexOf(slot), 1);
  };
  for (const r of missingRequired) {
    const slot = slots.find((s) => s.party === r) ?? slots.find((s) => memberOf(policy, r, s.identity));
    if (slot === undefined) {
      return {
        name: node.name,
        version: node.version,
        reason: 'not-enough-reviewers',
        message: `${id} requires ${r}, and every member of ${r} has already vouched or cannot count here`,
      };
    }
    take(slot);
  }
  let adds = chosen.reduce((n, s) => n + s.value, 0);
  while (node.score + adds + 1e-9 < node.threshold && slots.length > 0) {
    // Heaviest first keeps the count smallest; the last review is the lightest that still gets
    // there, so nobody is asked for more weight than the threshold needs.
    const gap = node.threshold - node.score - adds;
    let pick = slots[0]!;
    for (const s of slots) if (s.value + 1e-9 >= gap && s.value < pick.value) pick = s;
    take(pick);
    adds = chosen.reduce((n, s) => n + s.value, 0);
  }
  adds = round(adds);
  const reaches = round(node.score + adds);
  if (reaches + 1e-9 < node.threshold) {
    return {
      name: node.name,
      version: node.version,
      reason: 'not-enough-reviewers',
      message: `even a review by every identity of the policy would bring ${id} to ${formatNumber(reaches)} of ${formatNumber(node.threshold)}: add parties, lower the threshold, or add an exemption`,
    };
  }

  // Members of a party are interchangeable: each review names every one who could write it.
  const byParty = new Map<string, Slot[]>();
  for (const s of chosen) {
    let list = byParty.get(s.party);
    if (list === undefined) byParty.set(s.party, (list = []));
    list.push(s);
  }
  const full = size(opts.sizes, node.name, node.version);
  const reviews: SuggestedReview[] = [];
  for (const [party, group] of byParty) {
    const deltaFrom = bases.get(party);
    const available = allSlots.filter((s) => s.party === party).map((s) => s.identity);
    for (const s of group) {
      let lines = full;
      let estimated = false;
      if (deltaFrom !== undefined) {
        const diff = opts.deltaSizes?.get(`${node.name}==${deltaFrom}->${node.version}`);
        if (diff !== undefined) lines = diff;
        else estimated = full !== null;
      }
      const command =
        `pyvouch review ${id} --criteria ${node.criteria.join(',')}` + (deltaFrom === undefined ? '' : ` --delta-from ${deltaFrom}`);
      const review: SuggestedReview = {
        party,
        reviewers: available,
        weight: round(s.value),
        lines,
        estimated,
        command,
      };
      if (deltaFrom !== undefined) review.deltaFrom = deltaFrom;
      reviews.push(review);
    }
  }
  reviews.sort((a, b) => b.weight - a.weight || (a.lines ?? Infinity) - (b.lines ?? Infinity) || cmp(a.party, b.party));
  const lines = reviews.some((r) => r.lines === null) ? null : reviews.reduce((n, r) => n + r.lines!, 0);
  const covers = missingRequired.filter((r) => chosen.some((c) => c.party === r || memberOf(policy, r, c.identity)));
  return {
    name: node.name,
    version: node.version,
    criteria: [...node.criteria],
    reviews,
    score: node.score,
    adds,
    reaches,
    threshold: node.threshold,
    covers,
    lines,
    message: describePlan(node, reviews, reaches),
  };
}

/**
 * Every identity of the policy that could still add to this node, with what one review of the
 * node's criteria by it would add over all levels: members who already vouched add nothing more,
 * and a member whose delegates already spent part of its weight adds only the rest.
 */
function reviewSlots(node: NodeReport, policy: Policy, bases: ReadonlyMap<string, string | undefined>): Slot[] {
  const best = new Map<string, Slot>();
  // path[0] is the member itself, also when it signed with a rotated key.
  const vouched = new Set(node.contributions.filter((c) => c.depth === 0 && c.statement !== null).map((c) => c.path[0]));
  policy.parties.forEach((party, partyIndex) => {
    if (!isStatementParty(party)) return;
    for (const identity of party.identities) {
      if (vouched.has(identity)) continue;
      let value = 0;
      let counts = false;
      for (const level of policy.levels) {
        const g = gain(node, level, party.name, party.weight, identity);
        if (g === undefined) continue;
        counts = true;
        value += g;
      }
      if (!counts) continue;
      const cur = best.get(identity);
      if (cur === undefined || value > cur.value) best.set(identity, { identity, party: party.name, partyIndex, value });
    }
  });
  return [...best.values()].sort(
    (a, b) =>
      b.value - a.value ||
      Number(bases.get(b.party) !== undefined) - Number(bases.get(a.party) !== undefined) ||
      a.partyIndex - b.partyIndex ||
      cmp(a.identity, b.identity),
  );
}

/** What a review by `identity` adds at `level`; undefined when the level would not count it at all. */
function gain(node: NodeReport, level: Level, party: string, partyWeight: number, identity: string): number | undefined {
  if (level.kind === 'voted') return undefined;
  if (level.parties !== undefined && !level.parties.includes(party)) return undefined;
  if (level.kind === 'trusted-authors' && level.packages !== undefined && !level.packages.includes(node.name)) return undefined;
  const cap = level.weight ?? partyWeight;
  const spent = node.contributions
    .filter((c) => c.level === level.name && c.party === party && c.path[0] === identity)
    .reduce((n, c) => n + c.weight, 0);
  return Math.max(0, cap - spent);
}

/** The trusted version to review a diff from: the newest below the node's, else the oldest above. */
function deltaBase(node: NodeReport, party: string): string | undefined {
  const versions = (node.trustedVersions ?? []).filter((t) => t.parties.includes(party)).map((t) => t.version);
  const below = versions.filter((v) => compareVersions(v, node.version) < 0).sort((a, b) => compareVersions(b, a));
  if (below.length > 0) return below[0];
  return versions.sort(compareVersions)[0];
}

function memberOf(policy: Policy, partyName: string, identity: string): boolean {
  const party = policy.parties.find((p) => p.name === partyName);
  return party !== undefined && isStatementParty(party) && party.identities.includes(identity);
}

function size(sizes: ReadonlyMap<string, number> | undefined, name: string, version: string): number | null {
  return sizes?.get(`${name}==${version}`) ?? sizes?.get(name) ?? null;
}

function describePlan(node: NodeReport, reviews: readonly SuggestedReview[], reaches: number): string {
  const criteria = node.criteria.join(', ');
  const parts: string[] = [];
  const groups = new Map<string, SuggestedReview[]>();
  for (const r of reviews) {
    const key = `${r.party}\u0000${r.deltaFrom ?? ''}`;
    let list = groups.get(key);
    if (list === undefined) groups.set(key, (list = []));
    list.push(r);
  }
  for (const group of groups.values()) {
    const r = group[0]!;
    const n = group.length;
    const count = n === 1 ? 'one' : String(n);
    const weight = formatNumber(group.reduce((s, x) => s + x.weight, 0));
    const kind = r.deltaFrom === undefined ? (n === 1 ? 'an audit' : `${count} audits`) : `${n === 1 ? 'a delta review' : `${count} delta reviews`} from ${r.deltaFrom} (already trusted) to ${node.version}`;
    parts.push(`${kind} for ${criteria} by ${count} ${r.party} reviewer${n === 1 ? '' : 's'} (+${weight})`);
  }
  const joined = parts.length <= 1 ? (parts[0] ?? '') : `${parts.slice(0, -1).join(', ')} and ${parts[parts.length - 1]!}`;
  return `${node.name} ${node.version}: ${joined} would reach ${formatNumber(reaches)} of ${formatNumber(node.threshold)}`;
}
