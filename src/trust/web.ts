// The web of trust for one set of criteria: which identities count, for which party, at which
// factor and by which path. Party members count fully; identities they trust (transitively, up to
// [trust] max-depth) count at level factor × decay per hop; rotated keys speak for the key they
// replace; distrust removes an identity. In the spirit of cargo-crev's trust levels and depth.

import type { CriteriaTable } from './criteria.js';
import { isStatementParty, type Policy, type StatementParty } from './policy.js';
import { timeProblem, type IndexedStatement } from './statements.js';
import { cmp } from './order.js';

export interface TrustRoute {
  party: string;
  /** Position of the party in the policy, for stable tie-breaks. */
  partyIndex: number;
  partyWeight: number;
  /** Product of trust-level factors and decay along the path; 1 for a member. */
  factor: number;
  depth: number;
  /** Identities from the party member to this one. */
  path: string[];
}

export interface TrustEntry {
  identity: string;
  /** The identity this key speaks for: the first key of its rotation chain. */
  canonical: string;
  /** The best route per party that reaches this identity. */
  routes: ReadonlyMap<string, TrustRoute>;
  /** Epoch ms after which statements signed with this key do not count (the key was rotated away). */
  retiredAt?: number;
}

export interface TrustWeb {
  readonly entries: ReadonlyMap<string, TrustEntry>;
  /** Identities removed by a distrust statement from a trusted identity, with who removed them. */
  readonly removed: ReadonlyMap<string, { by: string; statement: string }>;
}

interface Edge {
  to: string;
  factor: number;
  /** Rotation edges keep the depth: the new key is the same person. */
  rotation: boolean;
}

/** Builds the web for `criteria`: trust statements scoped to other criteria are left out. */
export function buildTrustWeb(
  policy: Policy,
  trustStatements: readonly IndexedStatement[],
  criteria: readonly string[],
  table: CriteriaTable,
  now: number,
): TrustWeb {
  const { edges, distrust, retiredAt, canonicalOf } = collect(policy, trustStatements, criteria, table, now);
  const parties = policy.parties.filter(isStatementParty);

  const first = relax(policy, parties, edges, new Set());
  const removed = new Map<string, { by: string; statement: string }>();
  // One pass: distrust counts when its signer is trusted before any removal. Mutual distrust
  // removes both sides, which fails closed and does not depend on order.
  for (const d of distrust) {
    if (first.has(d.from) && !removed.has(d.to)) removed.set(d.to, { by: d.from, statement: d.statement });
  }
  const routes = removed.size === 0 ? first : relax(policy, parties, edges, new Set(removed.keys()));

  const entries = new Map<string, TrustEntry>();
  for (const [identity, byParty] of routes) {
    const entry: TrustEntry = { identity, canonical: canonicalOf(identity), routes: byParty };
    const retired = retiredAt.get(identity);
    if (retired !== undefined) entry.retiredAt = retired;
    entries.set(identity, entry);
  }
  return { entries, removed };
}

function collect(
  policy: Policy,
  trustStatements: readonly IndexedStatement[],
  criteria: readonly string[],
  table: CriteriaTable,
  now: number,
): {
  edges: Map<string, Edge[]>;
  distrust: { from: string; to: string; statement: string }[];
  retiredAt: Map<string, number>;
  canonicalOf: (id: string) => string;
} {
  // A later statement by the same signer about the same subject replaces an earlier one, so trust
  // can be lowered or withdrawn.
  const latest = new Map<string, IndexedStatement>();
  const rotatedFrom = new Map<string, { from: string; start: number; id: string }>();
  const retiredAt = new Map<string, number>();
  const rotationEdges: { from: string; to: string }[] = [];
  for (const e of trustStatements) {
    const s = e.statement;
    // Trust is not subject to max-age: a standing trust relation does not go stale by itself.
    if (timeProblem(e.start, e.end, now, undefined) !== undefined) continue;
    if (s.kind === 'trust' && s.trust !== undefined) {
      const key = `${s.agent}\u0000${s.trust.subject}`;
      const prev = latest.get(key);
      if (prev === undefined || e.start > prev.start || (e.start === prev.start && s.id > prev.statement.id)) latest.set(key, e);
    } else if (s.kind === 'rotate' && s.rotation !== undefined) {
      const { from, to } = s.rotation;
      // Only the old key can hand itself over.
      if (s.agent !== from || from === to) continue;
      rotationEdges.push({ from, to });
      const r = retiredAt.get(from);
      if (r === undefined || e.start < r) retiredAt.set(from, e.start);
      const prev = rotatedFrom.get(to);
      if (prev === undefined || e.start < prev.start || (e.start === prev.start && s.id < prev.id)) {
        rotatedFrom.set(to, { from, start: e.start, id: s.id });
      }
    }
  }

  const edges = new Map<string, Edge[]>();
  const push = (from: string, edge: Edge): void => {
    let list = edges.get(from);
    if (list === undefined) edges.set(from, (list = []));
    list.push(edge);
  };
  const distrust: { from: string; to: string; statement: string }[] = [];
  const { decay, levels } = policy.trust;
  for (const e of [...latest.values()].sort((a, b) => cmp(a.statement.id, b.statement.id))) {
    const s = e.statement;
    const t = s.trust!;
    // A key that was rotated away speaks no more: whatever it signs afterwards may be an attacker's.
    const retired = retiredAt.get(s.agent);
    if (retired !== undefined && e.start > retired) continue;
    if (t.level === 'distrust') {
      // Distrust is never scoped: an identity someone trusted calls untrustworthy is out for all criteria.
      distrust.push({ from: s.agent, to: t.subject, statement: s.id });
      continue;
    }
    if (t.criteria.length > 0 && !table.satisfies(t.criteria, criteria)) continue;
    let factor = levels[t.level] * decay;
    // A statement may lower its own factor, never raise it above the policy's level.
    if (t.weight !== undefined && t.weight >= 0 && t.weight < levels[t.level]) factor = t.weight * decay;
    if (factor > 0) push(s.agent, { to: t.subject, factor, rotation: false });
  }
  for (const r of rotationEdges) push(r.from, { to: r.to, factor: 1, rotation: true });

  const canonicalOf = (id: string): string => {
    const seen = new Set<string>([id]);
    let cur = id;
    for (;;) {
      const prev = rotatedFrom.get(cur);
      if (prev === undefined) return cur;
      if (seen.has(prev.from)) return [...seen].sort()[0]!;
      seen.add(prev.from);
      cur = prev.from;
    }
  };
  return { edges, distrust, retiredAt, canonicalOf };
}

/**
 * Best route per (identity, party) with at most max-depth trust hops. Layered relaxation: layer k
 * holds the best routes of exactly k hops, so a shallow but weaker route still gets to extend
 * where a deeper, stronger one would run out of depth. Cycles end with the layers.
 */
function relax(
  policy: Policy,
  parties: readonly StatementParty[],
  edges: ReadonlyMap<string, Edge[]>,
  removed: ReadonlySet<string>,
): Map<string, Map<string, TrustRoute>> {
  const out = new Map<string, Map<string, TrustRoute>>();
  const maxDepth = policy.trust.maxDepth;
  parties.forEach((party) => {
    const partyIndex = policy.parties.indexOf(party);
    let layer = new Map<string, TrustRoute>();
    for (const id of [...party.identities].sort()) {
      if (removed.has(id)) continue;
      offer(layer, id, { party: party.name, partyIndex, partyWeight: party.weight, factor: 1, depth: 0, path: [id] });
    }
    followRotations(layer, edges, removed);
    const best = new Map(layer);
    for (let depth = 1; depth <= maxDepth && layer.size > 0; depth++) {
      const next = new Map<string, TrustRoute>();
      for (const [id, route] of layer) {
        for (const edge of edges.get(id) ?? []) {
          if (edge.rotation || removed.has(edge.to)) continue;
          offer(next, edge.to, { ...route, factor: route.factor * edge.factor, depth, path: [...route.path, edge.to] });
        }
      }
      followRotations(next, edges, removed);
      for (const [id, route] of next) offer(best, id, route);
      layer = next;
    }
    for (const [id, route] of best) {
      let byParty = out.get(id);
      if (byParty === undefined) out.set(id, (byParty = new Map()));
      byParty.set(party.name, route);
    }
  });
  return out;
}

function followRotations(layer: Map<string, TrustRoute>, edges: ReadonlyMap<string, Edge[]>, removed: ReadonlySet<string>): void {
  const queue = [...layer.keys()].sort();
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    const route = layer.get(id)!;
    for (const edge of edges.get(id) ?? []) {
      if (!edge.rotation || removed.has(edge.to)) continue;
      if (offer(layer, edge.to, { ...route, path: [...route.path, edge.to] })) queue.push(edge.to);
    }
  }
}

/** Keeps the better route: higher factor, then fewer hops, then the smaller path (for determinism). */
function offer(map: Map<string, TrustRoute>, id: string, route: TrustRoute): boolean {
  const cur = map.get(id);
  if (cur === undefined || better(route, cur)) {
    map.set(id, route);
    return true;
  }
  return false;
}

function better(a: TrustRoute, b: TrustRoute): boolean {
  if (a.factor !== b.factor) return a.factor > b.factor;
  if (a.depth !== b.depth) return a.depth < b.depth;
  if (a.path.length !== b.path.length) return a.path.length < b.path.length;
  return cmp(a.path.join('\u0000'), b.path.join('\u0000')) < 0;
}
