// Step 5 of a node's evaluation, the score: usable statements become contributions through the
// policy's levels (audited, trusted authors, voted). Each identity counts once per release, and all
// that reaches the score through one party member adds at most what the member alone could add.

import type { Statement } from '../../attest/types.js';
import { cmp, round } from '../order.js';
import type { Level } from '../policy.js';
import { describeContribution, formatNumber, shortStatementId, type Contribution } from '../report.js';
import type { TrustRoute } from '../web.js';
import { deltaTrust } from './delta.js';
import { setAside, sortSmall, vouch, EPSILON, type EvaluationRun, type Usable, type NodeContext, type NodeState, type Option } from './run.js';

/**
 * Turns usable statements into contributions. Each identity (rotated keys are one) counts once
 * per node, through its best applicable statement, level and route. Everything that reaches the
 * score through one party member, the member's own statement and all it delegates, adds at most
 * what the member alone could add, so trusting many keys multiplies nothing.
 */
export function weigh(run: EvaluationRun, ctx: NodeContext, usable: readonly Usable[], state: NodeState): void {
  const byIdentity = new Map<string, Option[]>();
  const counted = new Set<string>();
  /** Why a delta audit counts for nothing, by statement id (filled by levelOptions). */
  const deltaFailures = new Map<string, string>();
  for (const u of usable) {
    const s = u.item.statement;
    const options = levelOptions(run, ctx, u, deltaFailures);
    if (options.length === 0) continue;
    counted.add(s.id);
    const list = byIdentity.get(u.entry.canonical);
    if (list === undefined) byIdentity.set(u.entry.canonical, options);
    else for (const o of options) list.push(o);
  }
  const votes = new Set<string>();
  run.policy.levels.forEach((level) => {
    if (level.kind === 'voted') for (const id of voted(run, level, usable, state)) votes.add(id);
  });
  for (const u of usable) {
    const s = u.item.statement;
    if (counted.has(s.id) || votes.has(s.id)) continue;
    if (deltaFailures.has(s.id)) {
      setAside(state, s, 'delta-base', deltaFailures.get(s.id)!);
    } else if ((s.kind === 'assess' || s.kind === 'review') && s.criteria.length > 0 && run.policy.levels.some((l) => l.kind === 'audited')) {
      setAside(state, s, 'criteria-short', `${s.kind} ${shortStatementId(s.id)} by ${run.short(s.agent)} is for ${s.criteria.join(', ')}, which does not meet ${ctx.criteria.join(', ')}`);
    } else {
      setAside(state, s, 'not-counted', `${s.kind} ${shortStatementId(s.id)} by ${run.short(s.agent)}: no level of this policy counts it`);
    }
  }

  // Members before delegates, so a member's own statement takes its budget first.
  // Plain loops, not spreads and maps: a node's identities and options are many small lists.
  const identities: { canonical: string; options: Option[]; depth: number }[] = [];
  for (const [canonical, options] of byIdentity) {
    sortSmall(
      options,
      (a, b) =>
        b.weight - a.weight ||
        a.route.depth - b.route.depth ||
        a.route.partyIndex - b.route.partyIndex ||
        a.levelIndex - b.levelIndex ||
        cmp(a.u.item.statement.id, b.u.item.statement.id),
    );
    let depth = Infinity;
    for (const o of options) depth = Math.min(depth, o.route.depth);
    identities.push({ canonical, options, depth });
  }
  // Consistent comparators (finite numbers, then names): sortSmall, stable like Array.prototype.sort,
  // gives the same order without a work copy for the short lists most nodes have.
  sortSmall(identities, (a, b) => a.depth - b.depth || b.options[0]!.weight - a.options[0]!.weight || cmp(a.canonical, b.canonical));
  const spent = new Map<string, number>();
  const chosenList: { o: Option; give: number }[] = [];
  for (const { canonical, options } of identities) {
    let chosen: Option | undefined;
    let give = -1;
    for (const o of options) {
      // The budget a route draws on: the party member it starts from.
      const room = (run.memberCap.get(o.route.party) ?? 0) - (spent.get(o.route.root) ?? 0);
      const w = round(Math.max(0, Math.min(o.weight, room)));
      if (w > give + EPSILON) {
        chosen = o;
        give = w;
      }
    }
    if (chosen === undefined) continue;
    const root = chosen.route.root;
    spent.set(root, round((spent.get(root) ?? 0) + give));
    for (const o of options) {
      if (o.route.depth === 0) vouch(state, o.route.party, canonical);
      vouch(state, o.level.name, canonical);
    }
    chosenList.push({ o: chosen, give });
    // An identity has a few options: a list is cheaper than a Set for telling them apart.
    const shown = [chosen.u.item.statement.id];
    for (const o of options) {
      const s = o.u.item.statement;
      if (shown.includes(s.id)) continue;
      shown.push(s.id);
      setAside(state, s, 'same-identity', `${s.kind} ${shortStatementId(s.id)}: ${run.short(s.agent)} already counts once for this release (statement ${shortStatementId(chosen.u.item.statement.id)})`, chosen.u.item.statement.id);
    }
  }
  sortSmall(
    chosenList,
    (a, b) =>
      a.o.levelIndex - b.o.levelIndex ||
      a.o.route.partyIndex - b.o.route.partyIndex ||
      cmp(a.o.route.path[0]!, b.o.route.path[0]!) ||
      a.o.route.depth - b.o.route.depth ||
      cmp(a.o.u.item.statement.agent, b.o.u.item.statement.agent),
  );
  for (const { o, give } of chosenList) state.contributions.push(contribution(run, o, give));
}

/**
 * Every way a usable statement may count: per non-voted level, per route the level accepts. A
 * delta audit whose base does not hold is recorded in `deltaFailures` instead.
 */
function levelOptions(run: EvaluationRun, ctx: NodeContext, u: Usable, deltaFailures: Map<string, string>): Option[] {
  const s = u.item.statement;
  const out: Option[] = [];
  const levels = run.policy.levels;
  for (let levelIndex = 0; levelIndex < levels.length; levelIndex++) {
    const level = levels[levelIndex]!;
    if (level.kind === 'voted') continue;
    if (level.kind === 'trusted-authors' && level.packages !== undefined && !level.packages.includes(ctx.node.name)) continue;
    const need = level.kind === 'audited' ? (level.criteria ?? ctx.criteria) : [];
    if (level.kind === 'audited' ? !isAudit(s) || !run.table.satisfies(s.criteria, need) : !isVouch(s)) continue;
    for (const route of u.entry.routes.values()) {
      if (level.parties !== undefined && !level.parties.includes(route.party)) continue;
      const cap = level.weight ?? route.partyWeight;
      let weight = cap * route.factor;
      let delta: Option['delta'];
      if (level.kind === 'audited' && s.deltaFrom !== undefined) {
        const base = deltaTrust(run, ctx, s.deltaFrom, route.party, need, cap);
        if (base.chain === undefined) {
          deltaFailures.set(s.id, `delta audit ${shortStatementId(s.id)} from ${s.deltaFrom} does not count: ${base.why ?? 'its base is not vouched for'}`);
          continue;
        }
        // A delta is worth no more than the trust in the release it starts from.
        weight = Math.min(weight, base.weight);
        delta = { from: s.deltaFrom, chain: base.chain };
      }
      const option: Option = { u, level, levelIndex, route, weight };
      if (delta !== undefined) option.delta = delta;
      out.push(option);
    }
  }
  if (out.length > 0) deltaFailures.delete(s.id);
  return out;
}

function contribution(run: EvaluationRun, o: Option, weight: number): Contribution {
  const s = o.u.item.statement;
  const c: Contribution = {
    party: o.route.party,
    level: o.level.name,
    kind: o.level.kind === 'trusted-authors' ? 'author' : o.delta === undefined ? 'audit' : 'delta-audit',
    statement: s.id,
    agent: s.agent,
    weight,
    criteria: [...s.criteria],
    path: [...o.route.path],
    depth: o.route.depth,
    message: '',
  };
  if (o.delta !== undefined) c.delta = o.delta;
  if (o.u.unbound) c.unbound = true;
  if (weight < round(o.weight) - EPSILON) c.capped = true;
  c.message = describeContribution(c, s.kind);
  return c;
}

/**
 * A voted level: each voter's voice is its route's factor (1 for a member), and the voices that
 * reach the level through one party member add up to at most one. Returns the votes counted.
 */
function voted(run: EvaluationRun, level: Extract<Level, { kind: 'voted' }>, usable: readonly Usable[], state: NodeState): string[] {
  const latest = new Map<string, { u: Usable; route: TrustRoute }>();
  for (const u of usable) {
    const s = u.item.statement;
    if (s.kind !== 'vote' || s.vote === undefined) continue;
    let route: TrustRoute | undefined;
    for (const r of u.entry.routes.values()) {
      if (level.parties !== undefined && !level.parties.includes(r.party)) continue;
      if (route === undefined || r.factor > route.factor || (r.factor === route.factor && r.partyIndex < route.partyIndex)) route = r;
    }
    if (route === undefined) continue;
    const cur = latest.get(u.entry.canonical);
    if (cur === undefined || u.item.start > cur.u.item.start || (u.item.start === cur.u.item.start && s.id > cur.u.item.statement.id)) {
      latest.set(u.entry.canonical, { u, route });
    }
  }
  const voices = { for: new Map<string, number>(), against: new Map<string, number>() };
  const voters: { agent: string; statement: string; vote: 'for' | 'against'; voice: number }[] = [];
  for (const { u, route } of latest.values()) {
    const vote = u.item.statement.vote!;
    const root = route.root;
    voices[vote].set(root, (voices[vote].get(root) ?? 0) + route.factor);
    voters.push({ agent: u.item.statement.agent, statement: u.item.statement.id, vote, voice: round(route.factor) });
  }
  voters.sort((a, b) => cmp(a.agent, b.agent));
  const sum = (m: Map<string, number>): number => {
    let t = 0;
    for (const v of m.values()) t += Math.min(1, v);
    return round(t);
  };
  const pro = sum(voices.for);
  const con = sum(voices.against);
  const net = round(pro - con);
  const tally = `${String(pro)} for, ${String(con)} against (net ${String(net)}, ${level.minVoters} needed)`;
  const counted = voters.map((v) => v.statement);
  if (net + EPSILON < level.minVoters) {
    if (voters.length > 0) state.notes.push({ kind: 'votes', party: level.name, message: `${level.name}: ${tally}; no quorum` });
    return counted;
  }
  for (const { u } of latest.values()) vouch(state, level.name, u.entry.canonical);
  const first = voters.find((v) => v.vote === 'for')!;
  state.contributions.push({
    party: level.name,
    level: level.name,
    kind: 'votes',
    statement: first.statement,
    agent: level.name,
    weight: level.weight,
    criteria: [],
    path: [],
    depth: 0,
    // The voters' entries are made here and nothing else holds them: no copy.
    voters,
    message: `${level.name}: ${tally} (+${formatNumber(level.weight)})`,
  });
  return counted;
}

/** An audit: an assess statement, or a review that names criteria and does not rate the release down. */
export function isAudit(s: Statement): boolean {
  if (s.kind === 'assess') return true;
  return s.kind === 'review' && s.criteria.length > 0 && (s.rating === undefined || s.rating === 'positive' || s.rating === 'strong');
}

/** Any statement that speaks for a release (for trusted authors). */
export function isVouch(s: Statement): boolean {
  switch (s.kind) {
    case 'assess':
    case 'like':
      return true;
    case 'review':
      return s.rating !== 'negative';
    case 'vote':
      return s.vote === 'for';
    default:
      return false;
  }
}
