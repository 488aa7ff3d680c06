// The web of trust for one set of criteria: which identities count, for which party, at which
// factor and by which path. Party members count fully; identities they trust (transitively, up to
// [trust] max-depth) count at level factor × decay per hop; rotated keys speak for the key they
// replace. Distrust narrows only what the distruster extends: an identity D distrusts is cut
// from the routes that run through D, never from a party's own members or from routes that do not
// pass D (a bystander cannot remove a security team). In the spirit of cargo-crev's trust levels.

import type { CriteriaTable } from './criteria.js';
import { isStatementParty, type Policy, type StatementParty } from './policy.js';
import { timeProblem, type IndexedStatement, type StatementIndex } from './statements.js';
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
  /** The budget the route draws on: party and member (path[0]), as one key. */
  root: string;
}

export interface TrustEntry {
  identity: string;
  /** The identity this key speaks for: the first key of its rotation chain. */
  canonical: string;
  /** The best route per party that reaches this identity. */
  routes: ReadonlyMap<string, TrustRoute>;
  /**
   * Epoch ms when pyvouch learned this key was rotated away (the earlier of the rotation's
   * receivedAt and its startTime). A statement signed with it counts only when pyvouch received it
   * before then: see `countsAfterRetirement`.
   */
  retiredAt?: number;
}

/**
 * Whether a statement signed with a key retired at `retiredAt` still counts: only when its
 * receivedAt is known and earlier. Never judged by startTime, which the signer (or a thief of the
 * old key) chooses.
 */
export function signedBeforeRetirement(retiredAt: number | undefined, received: number): boolean {
  return retiredAt === undefined || received < retiredAt;
}

export interface TrustWeb {
  readonly entries: ReadonlyMap<string, TrustEntry>;
  /** Identities that a trusted identity's distrust cut from every route that would have reached them. */
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
  index: Pick<StatementIndex, 'trust' | 'retractions'>,
  criteria: readonly string[],
  table: CriteriaTable,
  now: number,
): TrustWeb {
  const { edges, distrust, retiredAt, canonicalOf } = collect(policy, index, criteria, table, now);
  const parties = policy.parties.filter(isStatementParty);
  const blocked = new Map<string, { by: string; statement: string }>();
  const routes = relax(policy, parties, edges, distrust, blocked);
  const entries = new Map<string, TrustEntry>();
  for (const [identity, byParty] of routes) {
    const entry: TrustEntry = { identity, canonical: canonicalOf(identity), routes: byParty };
    const retired = retiredAt.get(identity);
    if (retired !== undefined) entry.retiredAt = retired;
    entries.set(identity, entry);
  }
  const removed = new Map([...blocked].filter(([id]) => !entries.has(id)));
  return { entries, removed };
}

/** Distrust by signer: whom each identity cuts from the routes through it. */
type DistrustMap = Map<string, Map<string, string>>;

function collect(
  policy: Policy,
  index: Pick<StatementIndex, 'trust' | 'retractions'>,
  criteria: readonly string[],
  table: CriteriaTable,
  now: number,
): {
  edges: Map<string, Edge[]>;
  distrust: DistrustMap;
  retiredAt: Map<string, number>;
  canonicalOf: (id: string) => string;
} {
  // A later statement by the same signer about the same subject replaces an earlier one, so trust
  // can be lowered or withdrawn.
  const latest = new Map<string, IndexedStatement>();
  const rotatedFrom = new Map<string, { from: string; start: number; id: string }>();
  const retiredAt = new Map<string, number>();
  const rotationEdges: { from: string; to: string }[] = [];
  for (const e of index.trust) {
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
      // Retirement starts when pyvouch learned of the rotation, or earlier if its signer says so
      // (the rightful owner rotating cannot make a stolen key's statements count by dating it).
      const at = Number.isNaN(e.received) ? e.start : Math.min(e.start, e.received);
      const r = retiredAt.get(from);
      if (r === undefined || at < r) retiredAt.set(from, at);
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
  const distrust: DistrustMap = new Map();
  const { decay, levels } = policy.trust;
  for (const e of [...latest.values()].sort((a, b) => cmp(a.statement.id, b.statement.id))) {
    const s = e.statement;
    const t = s.trust!;
    // A key that was rotated away speaks no more: whatever it signs afterwards may be an attacker's.
    if (!signedBeforeRetirement(retiredAt.get(s.agent), e.received)) continue;
    if (isRetracted(e, index.retractions, now, retiredAt)) continue;
    if (t.level === 'distrust') {
      // Distrust is never scoped by criteria: whom D calls untrustworthy D extends to for nothing.
      let cut = distrust.get(s.agent);
      if (cut === undefined) distrust.set(s.agent, (cut = new Map<string, string>()));
      cut.set(t.subject, s.id);
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
  distrust: DistrustMap,
  blocked: Map<string, { by: string; statement: string }>,
): Map<string, Map<string, TrustRoute>> {
  // Whether someone on `path` (who extends trust along it) distrusts `to`.
  const cutBy = (path: readonly string[], to: string): boolean => {
    if (distrust.size === 0) return false;
    for (const p of path) {
      const statement = distrust.get(p)?.get(to);
      if (statement !== undefined) {
        if (!blocked.has(to)) blocked.set(to, { by: p, statement });
        return true;
      }
    }
    return false;
  };
  const out = new Map<string, Map<string, TrustRoute>>();
  const maxDepth = policy.trust.maxDepth;
  parties.forEach((party) => {
    const partyIndex = policy.parties.indexOf(party);
    let layer = new Map<string, TrustRoute>();
    for (const id of [...party.identities].sort()) {
      offer(layer, id, { party: party.name, partyIndex, partyWeight: party.weight, factor: 1, depth: 0, path: [id], root: `${party.name}\u0000${id}` });
    }
    followRotations(layer, edges, cutBy);
    const best = new Map(layer);
    for (let depth = 1; depth <= maxDepth && layer.size > 0; depth++) {
      const next = new Map<string, TrustRoute>();
      for (const [id, route] of layer) {
        for (const edge of edges.get(id) ?? []) {
          if (edge.rotation || cutBy(route.path, edge.to)) continue;
          offer(next, edge.to, { ...route, factor: route.factor * edge.factor, depth, path: [...route.path, edge.to] });
        }
      }
      followRotations(next, edges, cutBy);
      for (const [id, route] of next) offer(best, id, route);
      layer = next;
    }
    for (const [id, route] of best) {
      let byParty = out.get(id);
      if (byParty === undefined) out.set(id, (byParty = new Map<string, TrustRoute>()));
      byParty.set(party.name, route);
    }
  });
  return out;
}

function followRotations(layer: Map<string, TrustRoute>, edges: ReadonlyMap<string, Edge[]>, cutBy: (path: readonly string[], to: string) => boolean): void {
  const queue = [...layer.keys()].sort();
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]!;
    const route = layer.get(id)!;
    for (const edge of edges.get(id) ?? []) {
      if (!edge.rotation || cutBy(route.path, edge.to)) continue;
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

/**
 * Whether `e` was taken back by its own author: a retract statement by the same key, in force at
 * `now`, and not itself signed with that key after it was retired.
 */
export function isRetracted(
  e: Pick<IndexedStatement, 'statement'>,
  retractions: ReadonlyMap<string, readonly IndexedStatement[]>,
  now: number,
  retiredAt: ReadonlyMap<string, number> | number | undefined,
): IndexedStatement | undefined {
  // Most indexes hold no retraction: skip hashing the id then.
  if (retractions.size === 0) return undefined;
  const list = retractions.get(e.statement.id);
  if (list === undefined) return undefined;
  for (const r of list) {
    if (r.statement.agent !== e.statement.agent) continue;
    if (timeProblem(r.start, r.end, now, undefined) !== undefined) continue;
    const retired = typeof retiredAt === 'number' || retiredAt === undefined ? retiredAt : retiredAt.get(r.statement.agent);
    if (!signedBeforeRetirement(retired, r.received)) continue;
    return r;
  }
  return undefined;
}
