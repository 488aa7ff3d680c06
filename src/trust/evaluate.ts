// Policy evaluation: weighs the statements about each node of a graph against a policy and returns
// a verdict per node and for the graph, with the contributions and what is missing. Pure and
// deterministic: `now` is passed in, nothing is read from the clock or the disk. Fails closed.

import type { Statement } from '../attest/types.js';
import { PyvouchError } from '../errors.js';
import type { Graph, GraphNode } from '../graph/graph.js';
import { CriteriaTable, criteriaKey } from './criteria.js';
import { isStatementParty, normalizeIndexUrl, type Exemption, type IndexParty, type Level, type Policy } from './policy.js';
import { applyClosure } from './closure.js';
import {
  describeContribution,
  formatNumber,
  shortIdentity,
  shortStatementId,
  type Contribution,
  type Missing,
  type NodeReport,
  type Note,
  type PolicyReport,
  type Verdict,
} from './report.js';
import {
  indexStatements,
  isStatementIndex,
  timeProblem,
  type IndexedStatement,
  type StatementBucket,
  type StatementIndex,
} from './statements.js';
import { buildTrustWeb, type TrustEntry, type TrustRoute, type TrustWeb } from './web.js';
import { cmp, compareVersions, round } from './order.js';
import { baselineVersions, gateNode } from './adopt.js';
import type { CooldownInputs } from './cooldown.js';

export interface EvaluateOptions {
  /** The moment to evaluate at: expiry, max-age and exemptions are judged against it. */
  now: Date;
  /** Upload times, trusted advisories and earlier versions for the release-age cooldown. */
  cooldown?: CooldownInputs;
}

const EPSILON = 1e-9;
const EMPTY_BUCKET: StatementBucket = {
  statements: [],
  agents: new Int32Array(0),
  starts: new Float64Array(0),
  ends: new Float64Array(0),
  digestStart: new Int32Array(1),
  digests: new Int32Array(0),
};

/**
 * Evaluates every node of `graph`. Pass `indexStatements(statements)` instead of the array when
 * evaluating more than once: indexing is the costly part.
 */
export function evaluatePolicy(
  graph: Graph,
  statements: readonly Statement[] | StatementIndex,
  policy: Policy,
  opts: EvaluateOptions,
): PolicyReport {
  const now = opts.now.getTime();
  if (Number.isNaN(now)) throw new PyvouchError('USAGE', 'policy evaluation needs a valid `now` date');
  const index = isStatementIndex(statements) ? statements : indexStatements(statements);
  const evaluator = new Evaluator(policy, index, now, opts.cooldown ?? {});
  const nodes = [...graph.nodes].sort((a, b) => cmp(a.name, b.name) || cmp(a.version, b.version)).map((n) => evaluator.node(n));
  applyClosure(graph, nodes);
  const counts = { nodes: nodes.length, pass: 0, fail: 0, exempt: 0, closureFail: 0 };
  for (const n of nodes) {
    counts[n.verdict]++;
    if (n.closure === 'fail') counts.closureFail++;
  }
  return {
    passed: counts.fail === 0,
    evaluatedAt: opts.now.toISOString(),
    threshold: policy.threshold,
    criteria: [...policy.criteria],
    counts,
    nodes,
  };
}

interface Usable {
  e: IndexedStatement;
  entry: TrustEntry;
  unbound: boolean;
}

interface RouteChoice {
  route: TrustRoute;
  weight: number;
  cap: number;
}

interface Candidate {
  u: Usable;
  route: TrustRoute;
  weight: number;
  cap: number;
  delta?: { from: string; chain: string[] };
}

class Evaluator {
  private readonly table: CriteriaTable;
  private readonly webs = new Map<string, TrustWeb>();
  private readonly deltaMemo = new Map<string, string[] | null>();
  private readonly needKeys = new Map<readonly string[], string>();
  // Routes depend only on the identity and the level: computed once, not once per statement.
  private readonly routeCache = new Map<Level, WeakMap<TrustEntry, RouteChoice[]>>();
  // The web by interned signer number, so a node's statements are screened without touching them.
  private readonly byAgent = new Map<TrustWeb, { entries: (TrustEntry | undefined)[]; removed: Uint8Array }>();

  constructor(
    private readonly policy: Policy,
    private readonly index: StatementIndex,
    private readonly now: number,
    private readonly cooldown: CooldownInputs = {},
  ) {
    this.table = new CriteriaTable(policy.criteriaDefinitions);
  }

  private web(criteria: readonly string[]): TrustWeb {
    const key = criteriaKey(criteria);
    let web = this.webs.get(key);
    if (web === undefined) {
      web = buildTrustWeb(this.policy, this.index.trust, criteria, this.table, this.now);
      this.webs.set(key, web);
    }
    return web;
  }

  private agentTable(web: TrustWeb): { entries: (TrustEntry | undefined)[]; removed: Uint8Array } {
    let table = this.byAgent.get(web);
    if (table === undefined) {
      const entries = new Array<TrustEntry | undefined>(this.index.agentIds.size);
      const removed = new Uint8Array(this.index.agentIds.size);
      for (const [identity, entry] of web.entries) {
        const n = this.index.agentIds.get(identity);
        if (n !== undefined) entries[n] = entry;
      }
      for (const identity of web.removed.keys()) {
        const n = this.index.agentIds.get(identity);
        if (n !== undefined) removed[n] = 1;
      }
      table = { entries, removed };
      this.byAgent.set(web, table);
    }
    return table;
  }

  node(node: GraphNode): NodeReport {
    const policy = this.policy;
    const pkg = policy.packages.get(node.name);
    const criteria = pkg?.criteria ?? policy.criteria;
    const threshold = pkg?.threshold ?? policy.threshold;
    const required = pkg?.required ?? policy.required;
    const web = this.web(criteria);
    const id = `${node.name}==${node.version}`;

    // The bucket first: building it numbers the digests its statements name.
    const bucket = this.index.packages.get(node.name)?.get(node.version) ?? EMPTY_BUCKET;
    let hashed = false;
    const hashes = new Set<number>();
    for (const a of node.artifacts) {
      if (a.sha256 === undefined || a.sha256 === '') continue;
      hashed = true;
      const n = this.index.digestIds.get(a.sha256.toLowerCase());
      if (n !== undefined) hashes.add(n);
    }
    const byAgent = this.agentTable(web);

    const notes: Note[] = [];
    const vetoes: Missing[] = [];
    const usable: Usable[] = [];
    let unbound = 0;
    let mismatched = 0;
    const count = bucket.statements.length;
    const positions = screen(bucket, byAgent.entries, byAgent.removed);
    for (const i of positions) {
      const agent = bucket.agents[i]!;
      const entry = byAgent.entries[agent];
      if (entry === undefined) {
        const s = bucket.statements[i]!;
        const removed = web.removed.get(s.agent);
        if (removed !== undefined) {
          notes.push({
            kind: 'distrusted',
            statement: s.id,
            agent: s.agent,
            message: `${shortIdentity(s.agent)} is distrusted by ${shortIdentity(removed.by)} (statement ${shortStatementId(removed.statement)}): its ${s.kind} does not count`,
          });
        }
        continue;
      }
      const s = bucket.statements[i]!;
      const e: IndexedStatement = { statement: s, start: bucket.starts[i]!, end: bucket.ends[i]! };
      const isFlag = s.kind === 'flag';
      // A finding stays in force until its author ends it: max-age does not retire a malicious flag.
      const problem = timeProblem(e.start, e.end, this.now, isFlag ? undefined : policy.maxAge);
      if (problem !== undefined) {
        notes.push({ kind: problem, statement: s.id, agent: s.agent, message: `${s.kind} ${shortStatementId(s.id)} by ${shortIdentity(s.agent)} ${TIME_WORDS[problem]}` });
        continue;
      }
      if (entry.retiredAt !== undefined && e.start > entry.retiredAt) {
        notes.push({
          kind: 'retired-key',
          statement: s.id,
          agent: s.agent,
          message: `${s.kind} ${shortStatementId(s.id)} was signed by ${shortIdentity(s.agent)} after that key was rotated away`,
        });
        continue;
      }
      if (isFlag) {
        this.flag(s, entry, vetoes, notes);
        continue;
      }
      let isUnbound = false;
      if (hashed) {
        if (!boundTo(bucket, i, hashes)) {
          mismatched++;
          notes.push({
            kind: 'hash-mismatch',
            statement: s.id,
            agent: s.agent,
            message: `${s.kind} ${shortStatementId(s.id)} by ${shortIdentity(s.agent)} is about other files than the locked ones (no sha256 in common)`,
          });
          continue;
        }
      } else if (policy.requireHashBinding) {
        unbound++;
        notes.push({
          kind: 'unbound',
          statement: s.id,
          agent: s.agent,
          message: `${s.kind} ${shortStatementId(s.id)} by ${shortIdentity(s.agent)} cannot be bound to content: the lock records no sha256 for ${id}`,
        });
        continue;
      } else isUnbound = true;
      usable.push({ e, entry, unbound: isUnbound });
    }
    const untrusted = count - positions.length;

    const contributions: Contribution[] = [];
    const vouchers = new Set<string>();
    for (const level of policy.levels) {
      if (level.kind === 'voted') {
        contributions.push(...this.voted(level, usable, vouchers, notes));
        continue;
      }
      if (level.kind === 'trusted-authors' && level.packages !== undefined && !level.packages.includes(node.name)) continue;
      const candidates = this.candidates(node, level, criteria, usable, web, notes);
      contributions.push(...this.capped(level, candidates, vouchers));
    }
    for (const party of policy.parties) {
      if (party.kind === 'index') {
        const why = indexRefusal(node, party);
        if (why === undefined) {
          vouchers.add(party.name);
          contributions.push({
            party: party.name,
            level: 'index',
            kind: 'index',
            statement: null,
            agent: party.index,
            weight: party.weight,
            criteria: [],
            path: [party.index],
            depth: 0,
            message: `${party.name}: the index ${party.index} serves the locked files with their sha256 (+${formatNumber(party.weight)})`,
          });
        } else notes.push({ kind: 'index', party: party.name, message: `${party.name} does not vouch: ${why}` });
      } else if (party.kind === 'trusted-publisher') {
        notes.push({
          kind: 'trusted-publisher',
          party: party.name,
          message: `${party.name}: trusted-publisher provenance is not evaluated yet, so it adds nothing`,
        });
      }
    }

    const score = round(contributions.reduce((sum, c) => sum + c.weight, 0));
    const scoreOk = score + EPSILON >= threshold;
    const requiredMissing = required.filter((r) => !vouchers.has(r));
    const ok = scoreOk && requiredMissing.length === 0;

    const { active, expired } = this.exemption(node);
    // Deny and allow lists and the cooldown are decided before the score (adopt.ts).
    const gate = gateNode(policy, node, this.now, this.cooldown, active !== undefined);
    notes.push(...gate.notes);
    const verdict: Verdict =
      vetoes.length > 0 || gate.fail ? 'fail' : active !== undefined || gate.allowed !== undefined ? 'exempt' : ok ? 'pass' : 'fail';

    const missing: Missing[] = [...vetoes, ...gate.missing];
    if (!ok) {
      if (count === 0 && contributions.length === 0) {
        missing.push({ kind: 'no-statements', message: `no statements about ${id}: nobody has reviewed it` });
      } else if (untrusted > 0 && usable.length === 0) {
        missing.push({
          kind: 'untrusted',
          statements: untrusted,
          message: `${untrusted} statement${untrusted === 1 ? '' : 's'} about ${id}, none by an identity this policy trusts`,
        });
      }
      if (unbound > 0) {
        missing.push({
          kind: 'unbound',
          statements: unbound,
          message: `${unbound} statement${unbound === 1 ? '' : 's'} about ${id} cannot count: the lock file records no sha256 for it (lock with hashes, or set require-hash-binding = false)`,
        });
      }
      if (mismatched > 0) {
        missing.push({
          kind: 'hash-mismatch',
          statements: mismatched,
          message: `${mismatched} statement${mismatched === 1 ? '' : 's'} about ${id} name other files than the locked ones`,
        });
      }
      if (!scoreOk) {
        const gap = round(threshold - score);
        missing.push({
          kind: 'score',
          need: threshold,
          have: score,
          short: gap,
          message: `score ${formatNumber(score)} is ${formatNumber(gap)} short of the threshold ${formatNumber(threshold)}`,
        });
      }
      for (const party of requiredMissing) {
        missing.push({ kind: 'required', party, message: `${party} is required to vouch and has not vouched for ${id}` });
      }
    }
    if (expired !== undefined && verdict === 'fail') {
      const expires = new Date(expired.expires!).toISOString();
      missing.push({
        kind: 'exemption-expired',
        reason: expired.reason,
        expires,
        message: `the exemption for ${id} ("${expired.reason}") expired on ${expires.slice(0, 10)}`,
      });
    }

    const report: NodeReport = {
      name: node.name,
      version: node.version,
      verdict,
      score,
      threshold,
      criteria: [...criteria],
      required: [...required],
      contributions,
      missing,
      notes,
      closure: verdict,
    };
    if (gate.allowed !== undefined) report.allowed = gate.allowed;
    if (gate.cooldown !== undefined) report.cooldown = gate.cooldown;
    const exemption = active ?? expired;
    if (exemption !== undefined) {
      report.exemption = {
        reason: exemption.reason,
        expired: exemption === expired,
        needed: !ok,
        ...(exemption.expires === undefined ? {} : { expires: new Date(exemption.expires).toISOString() }),
      };
      if (exemption === expired) {
        notes.push({ kind: 'exemption-expired', message: `the exemption ("${exemption.reason}") expired and no longer applies` });
      }
    }
    if (verdict === 'fail' && vetoes.length === 0) report.trustedVersions = this.trustedVersions(node, criteria, web);
    return report;
  }

  private flag(s: Statement, entry: TrustEntry, vetoes: Missing[], notes: Note[]): void {
    const finding = s.finding;
    if (finding === undefined) return;
    let best: TrustRoute | undefined;
    let weight = -1;
    for (const route of entry.routes.values()) {
      const w = route.partyWeight * route.factor;
      if (w > weight || (w === weight && best !== undefined && route.partyIndex < best.partyIndex)) {
        best = route;
        weight = w;
      }
    }
    if (best === undefined) return;
    const byFinding = this.policy.vetoFindings.includes(finding.kind);
    const byWeight = this.policy.vetoWeight !== undefined && weight + EPSILON >= this.policy.vetoWeight;
    const what = `${best.party} (${shortIdentity(s.agent)}) flags it ${finding.kind}, severity ${finding.severity}`;
    if (byFinding || byWeight) {
      vetoes.push({
        kind: 'veto',
        statement: s.id,
        party: best.party,
        agent: s.agent,
        finding: { kind: finding.kind, severity: finding.severity },
        message: `vetoed: ${what}${byFinding ? '' : ` (weight ${formatNumber(weight)} reaches the veto weight ${formatNumber(this.policy.vetoWeight!)})`}`,
      });
    } else {
      notes.push({ kind: 'flag', statement: s.id, agent: s.agent, party: best.party, message: `${what}; not a veto under this policy` });
    }
  }

  /** Routes of `entry` a level accepts, best first, with the weight each would give. */
  private routes(entry: TrustEntry, level: Level): readonly RouteChoice[] {
    let cache = this.routeCache.get(level);
    if (cache === undefined) this.routeCache.set(level, (cache = new WeakMap()));
    const cached = cache.get(entry);
    if (cached !== undefined) return cached;
    const out: RouteChoice[] = [];
    for (const route of entry.routes.values()) {
      if (level.parties !== undefined && !level.parties.includes(route.party)) continue;
      const cap = level.weight ?? route.partyWeight;
      out.push({ route, weight: cap * route.factor, cap });
    }
    out.sort((a, b) => b.weight - a.weight || a.route.depth - b.route.depth || a.route.partyIndex - b.route.partyIndex);
    cache.set(entry, out);
    return out;
  }

  /** The best vouching statement of each identity (rotated keys count as one) for an audited or trusted-authors level. */
  private candidates(
    node: GraphNode,
    level: Exclude<Level, { kind: 'voted' }>,
    criteria: readonly string[],
    usable: readonly Usable[],
    web: TrustWeb,
    notes: Note[],
  ): Candidate[] {
    const need = level.kind === 'audited' ? (level.criteria ?? criteria) : [];
    const best = new Map<string, Candidate>();
    for (const u of usable) {
      const s = u.e.statement;
      if (level.kind === 'audited' ? !isAudit(s) || !this.table.satisfies(s.criteria, need) : !isVouch(s)) continue;
      let chosen: Candidate | undefined;
      for (const { route, weight, cap } of this.routes(u.entry, level)) {
        if (level.kind === 'audited' && s.deltaFrom !== undefined) {
          const chain = this.deltaChain(node.name, s.deltaFrom, route.party, need, web);
          if (chain === undefined) continue;
          chosen = { u, route, weight, cap, delta: { from: s.deltaFrom, chain } };
        } else chosen = { u, route, weight, cap };
        break;
      }
      if (chosen === undefined) {
        if (level.kind === 'audited' && s.deltaFrom !== undefined && this.routes(u.entry, level).length > 0) {
          notes.push({
            kind: 'delta-base',
            statement: s.id,
            agent: s.agent,
            message: `delta audit ${shortStatementId(s.id)} from ${s.deltaFrom} does not count: ${s.deltaFrom} is not vouched for (${need.join(', ')}) by the same party`,
          });
        }
        continue;
      }
      const key = u.entry.canonical;
      const cur = best.get(key);
      if (cur === undefined || betterCandidate(chosen, cur)) best.set(key, chosen);
    }
    return [...best.values()];
  }

  /**
   * Turns candidates into contributions. Delegated trust never weighs more than the member it
   * flows from: everything reached through one party member adds at most that member's weight,
   * so a trusted identity cannot multiply itself by trusting many others.
   */
  private capped(level: Exclude<Level, { kind: 'voted' }>, candidates: Candidate[], vouchers: Set<string>): Contribution[] {
    candidates.sort(
      (a, b) =>
        a.route.partyIndex - b.route.partyIndex ||
        cmp(a.route.path[0]!, b.route.path[0]!) ||
        a.route.depth - b.route.depth ||
        b.weight - a.weight ||
        cmp(a.u.e.statement.agent, b.u.e.statement.agent) ||
        cmp(a.u.e.statement.id, b.u.e.statement.id),
    );
    const used = new Map<string, number>();
    const out: Contribution[] = [];
    for (const c of candidates) {
      const s = c.u.e.statement;
      const root = `${c.route.party}\u0000${c.route.path[0]!}`;
      const spent = used.get(root) ?? 0;
      const weight = round(Math.max(0, Math.min(c.weight, c.cap - spent)));
      used.set(root, spent + weight);
      // Every party the signer is a member of has vouched, not only the one it counted for.
      for (const { route } of this.routes(c.u.entry, level)) if (route.depth === 0) vouchers.add(route.party);
      const contribution: Contribution = {
        party: c.route.party,
        level: level.name,
        kind: level.kind === 'trusted-authors' ? 'author' : c.delta === undefined ? 'audit' : 'delta-audit',
        statement: s.id,
        agent: s.agent,
        weight,
        criteria: [...s.criteria],
        path: [...c.route.path],
        depth: c.route.depth,
        message: '',
      };
      if (c.delta !== undefined) contribution.delta = c.delta;
      if (c.u.unbound) contribution.unbound = true;
      if (weight < round(c.weight)) contribution.capped = true;
      contribution.message = describeContribution(contribution, s.kind);
      out.push(contribution);
    }
    return out;
  }

  private voted(level: Extract<Level, { kind: 'voted' }>, usable: readonly Usable[], vouchers: Set<string>, notes: Note[]): Contribution[] {
    const latest = new Map<string, Usable>();
    for (const u of usable) {
      const s = u.e.statement;
      if (s.kind !== 'vote' || s.vote === undefined) continue;
      if (this.routes(u.entry, level).length === 0) continue;
      // One voice per person: a voter's latest vote stands, whichever of its keys cast it.
      const key = u.entry.canonical;
      const cur = latest.get(key);
      if (cur === undefined || u.e.start > cur.e.start || (u.e.start === cur.e.start && s.id > cur.e.statement.id)) latest.set(key, u);
    }
    const voters = [...latest.values()]
      .map((u) => ({ agent: u.e.statement.agent, statement: u.e.statement.id, vote: u.e.statement.vote! }))
      .sort((a, b) => cmp(a.agent, b.agent));
    const pro = voters.filter((v) => v.vote === 'for').length;
    const con = voters.length - pro;
    const net = pro - con;
    const tally = `${pro} for, ${con} against (net ${net}, ${level.minVoters} needed)`;
    if (net < level.minVoters) {
      if (voters.length > 0) notes.push({ kind: 'votes', party: level.name, message: `${level.name}: ${tally}; no quorum` });
      return [];
    }
    vouchers.add(level.name);
    const first = voters.find((v) => v.vote === 'for')!;
    return [
      {
        party: level.name,
        level: level.name,
        kind: 'votes',
        statement: first.statement,
        agent: level.name,
        weight: level.weight,
        criteria: [],
        path: [],
        depth: 0,
        voters,
        message: `${level.name}: ${tally} (+${formatNumber(level.weight)})`,
      },
    ];
  }

  /**
   * The versions from `from` down to a full audit, when `from` is vouched for (`need`) by `party`:
   * a full audit, or a delta audit whose own base is vouched for, and so on. A breadth-first walk
   * over versions, so chains of any length work and cycles end.
   */
  deltaChain(name: string, from: string, party: string, need: readonly string[], web: TrustWeb): string[] | undefined {
    let needKey = this.needKeys.get(need);
    if (needKey === undefined) this.needKeys.set(need, (needKey = criteriaKey(need)));
    const key = `${name}\u0000${party}\u0000${needKey}\u0000${from}`;
    const memo = this.deltaMemo.get(key);
    if (memo !== undefined) return memo ?? undefined;
    const versions = this.index.packages.get(name);
    const prev = new Map<string, string | null>([[from, null]]);
    const queue = [from];
    let found: string | undefined;
    for (let i = 0; i < queue.length && found === undefined; i++) {
      const version = queue[i]!;
      // A baseline exemption (pyvouch init) stands for the release as the team runs it: a delta
      // review from it builds on that acceptance, as cargo-vet's exemptions do.
      if (this.baselined(name).includes(version)) {
        found = version;
        break;
      }
      const next: string[] = [];
      const bucket = versions?.get(version) ?? EMPTY_BUCKET;
      const byAgent = this.agentTable(web);
      for (let k = 0; k < bucket.statements.length; k++) {
        const entry = byAgent.entries[bucket.agents[k]!];
        if (entry === undefined || !entry.routes.has(party)) continue;
        const s = bucket.statements[k]!;
        if (!isAudit(s) || !this.table.satisfies(s.criteria, need)) continue;
        const start = bucket.starts[k]!;
        if (timeProblem(start, bucket.ends[k]!, this.now, this.policy.maxAge) !== undefined) continue;
        if (entry.retiredAt !== undefined && start > entry.retiredAt) continue;
        if (s.deltaFrom === undefined) {
          found = version;
          break;
        }
        next.push(s.deltaFrom);
      }
      for (const n of next.sort()) {
        if (!prev.has(n)) {
          prev.set(n, version);
          queue.push(n);
        }
      }
    }
    let chain: string[] | undefined;
    if (found !== undefined) {
      chain = [];
      for (let v: string | null | undefined = found; v != null; v = prev.get(v)) chain.push(v);
      chain.reverse();
    }
    this.deltaMemo.set(key, chain ?? null);
    return chain;
  }

  private readonly baselineMemo = new Map<string, string[]>();
  private baselined(name: string): string[] {
    let v = this.baselineMemo.get(name);
    if (v === undefined) this.baselineMemo.set(name, (v = baselineVersions(this.policy, name, undefined, this.now)));
    return v;
  }

  private trustedVersions(node: GraphNode, criteria: readonly string[], web: TrustWeb): { version: string; parties: string[] }[] {
    const versions = new Set([...(this.index.packages.get(node.name)?.keys() ?? []), ...baselineVersions(this.policy, node.name, node.version, this.now)]);
    const out: { version: string; parties: string[] }[] = [];
    for (const version of versions) {
      if (version === node.version) continue;
      const parties: string[] = [];
      for (const party of this.policy.parties) {
        if (!isStatementParty(party)) continue;
        const ok = this.policy.levels.some(
          (level) =>
            level.kind === 'audited' &&
            (level.parties === undefined || level.parties.includes(party.name)) &&
            this.deltaChain(node.name, version, party.name, level.criteria ?? criteria, web) !== undefined,
        );
        if (ok) parties.push(party.name);
      }
      if (parties.length > 0) out.push({ version, parties });
    }
    return out.sort((a, b) => compareVersions(b.version, a.version));
  }

  private exemption(node: GraphNode): { active?: Exemption; expired?: Exemption } {
    let active: Exemption | undefined;
    let expired: Exemption | undefined;
    const kind = node.source?.kind;
    if (this.policy.firstParty === 'exempt' && (kind === 'editable' || kind === 'virtual')) {
      const where = node.source?.location === undefined ? '' : ` ${node.source.location}`;
      active = { name: node.name, version: node.version, reason: `first-party: the project's own code (${kind}${where}), built from the working tree` };
    }
    for (const ex of this.policy.exemptions) {
      if (ex.name !== node.name || ex.version !== node.version) continue;
      if (ex.expires !== undefined && ex.expires <= this.now) expired ??= ex;
      else active ??= ex;
    }
    return active !== undefined ? { active } : expired !== undefined ? { expired } : {};
  }
}

const TIME_WORDS: Record<'invalid-time' | 'not-yet-valid' | 'expired' | 'too-old', string> = {
  'invalid-time': 'has an unreadable start or end time',
  'not-yet-valid': 'starts in the future',
  expired: 'has expired (past its endTime)',
  'too-old': 'is older than the policy max-age',
};

/** An audit: an assess statement, or a review that names criteria and does not rate the release down. */
function isAudit(s: Statement): boolean {
  if (s.kind === 'assess') return true;
  return s.kind === 'review' && s.criteria.length > 0 && (s.rating === undefined || s.rating === 'positive' || s.rating === 'strong');
}

/** Any statement that speaks for a release (for trusted authors). */
function isVouch(s: Statement): boolean {
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

/**
 * Positions of the statements whose signer the web knows or removed. Kept small and separate so
 * the engine optimises it early: it is the one loop that sees every statement.
 */
function screen(bucket: StatementBucket, entries: readonly (TrustEntry | undefined)[], removed: Uint8Array): number[] {
  const out: number[] = [];
  const agents = bucket.agents;
  for (let i = 0; i < agents.length; i++) {
    const a = agents[i]!;
    if (entries[a] !== undefined || removed[a] === 1) out.push(i);
  }
  return out;
}

/** Whether statement `i` of the bucket names one of the node's files (by interned sha256). */
function boundTo(bucket: StatementBucket, i: number, hashes: ReadonlySet<number>): boolean {
  if (hashes.size === 0) return false;
  for (let k = bucket.digestStart[i]!; k < bucket.digestStart[i + 1]!; k++) if (hashes.has(bucket.digests[k]!)) return true;
  return false;
}

function betterCandidate(a: Candidate, b: Candidate): boolean {
  if (a.weight !== b.weight) return a.weight > b.weight;
  if ((a.delta === undefined) !== (b.delta === undefined)) return a.delta === undefined;
  return a.u.e.statement.id < b.u.e.statement.id;
}

/** Why an index party does not vouch for a node, or undefined when it does. */
function indexRefusal(node: GraphNode, party: IndexParty): string | undefined {
  if (node.artifacts.length === 0) return 'the lock records no files for it';
  for (const a of node.artifacts) {
    if (a.sha256 === undefined || a.sha256 === '') return `${a.filename} has no locked sha256`;
    const from = a.index ?? node.source?.location;
    if (from === undefined) return `the lock does not say which index ${a.filename} comes from`;
    if (normalizeIndexUrl(from) !== party.indexKey) return `${a.filename} comes from ${from}, not ${party.index}`;
  }
  return undefined;
}
