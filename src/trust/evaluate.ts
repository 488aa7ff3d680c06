// Policy evaluation: weighs the statements about each node of a graph against a policy and returns
// a verdict per node and for the graph, with the contributions, what is missing and every
// statement set aside with its reason. Pure and deterministic: `now` is passed in, nothing is read
// from the clock or the disk. Fails closed.
//
// A node's evaluation runs in named steps (Evaluator.node): gather the statements about the
// release (PEP 440 version equality, sha256, version ranges of flags), screen them (signer,
// retired keys, retractions, supersession, time, file binding), find the vetoes and their
// overrides, weigh the rest through the levels (each identity once, delegation capped per party
// member), add the index and source parties, then reach the verdict.

import type { Statement } from '../attest/types.js';
import { PyvouchError } from '../errors.js';
import type { Artifact, Graph, GraphNode } from '../graph/graph.js';
import { SpecifierSet } from '../pep/specifier.js';
import { CriteriaTable, criteriaKey } from './criteria.js';
import {
  isStatementParty,
  normalizeIndexUrl,
  type Exemption,
  type IndexParty,
  type Level,
  type Policy,
  type RequiredRule,
  type SourceParty,
} from './policy.js';
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
  type Overridden,
  type PolicyReport,
  type SetAside,
  type SetAsideReason,
  type Verdict,
} from './report.js';
import { indexStatements, isStatementIndex, timeProblem, versionKey, type IndexedStatement, type StatementBucket, type StatementIndex } from './statements.js';
import { buildTrustWeb, isRetracted, signedBeforeRetirement, type TrustEntry, type TrustRoute, type TrustWeb } from './web.js';
import { cmp, compareVersions, round } from './order.js';
import { matchesPublisher } from './publishers.js';
import { baselineVersions, gateNode } from './adopt.js';
import type { CooldownInputs } from './cooldown.js';

export interface EvaluateOptions {
  /** The moment to evaluate at: expiry, max-age and exemptions are judged against it. */
  now: Date;
  /**
   * Statements whose envelope did not verify (e.g. a store row whose signature no longer covers
   * it): they never count, and the node they are about lists them as set aside.
   */
  rejected?: readonly { statement: Pick<Statement, 'id' | 'agent' | 'kind' | 'package'>; message?: string }[];
  /** Upload times, trusted advisories and earlier versions for the release-age cooldown. */
  cooldown?: CooldownInputs;
  /**
   * What the index parties' indexes are known to serve (src/app/index-confirm.ts). With it, an
   * index party counts only for files the index confirms, and a lock that does not record a file's
   * index is taken to mean the party's index (noted). Without it the caller vouches that every
   * locked file came from the index it names (`serve`, which fetched them from upstream itself).
   */
  indexCheck?: IndexCheck;
}

/** Whether an index is known to serve a locked file. */
export interface IndexCheck {
  /** Why `party`'s index is not known to serve `artifact` of `node`, or undefined when it is. */
  refusal(node: GraphNode, artifact: Artifact, party: IndexParty): string | undefined;
}

const EPSILON = 1e-9;

type Rejected = NonNullable<EvaluateOptions['rejected']>[number];

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
  const evaluator = new Evaluator(policy, index, now, opts.rejected ?? [], opts.cooldown ?? {}, opts.indexCheck);
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

/** One statement about the node, with its times. */
interface Item extends IndexedStatement {
  /** How many of the node's locked files it names by sha256. */
  named: number;
}

/** A statement whose signer the web knows, after screening. */
interface Usable {
  item: Item;
  entry: TrustEntry;
  /** Counted without naming every locked file (require-hash-binding = false). */
  unbound: boolean;
}

/** What gather collects: statements by identities of the web, and those from a source. */
interface Gathered {
  web: { item: Item; entry: TrustEntry }[];
  source: Item[];
  /** Ids taken, kept when a rejected statement may repeat one of them. */
  seen: Set<string> | undefined;
}

/** What the node needs, fixed before its statements are looked at. */
interface NodeContext {
  node: GraphNode;
  id: string;
  key: string;
  criteria: readonly string[];
  threshold: number;
  required: readonly RequiredRule[];
  web: TrustWeb;
  /** Lower-case sha256 of each locked file. */
  shas: ReadonlySet<string>;
  /** Files the lock lists without a sha256 (nothing can be bound to them). */
  unhashed: string[];
  /** Whether a statement can name every file: the node has files and all have a sha256. */
  bindable: boolean;
}

/** Everything the steps of one node's evaluation write into. */
interface NodeState {
  setAside: SetAside[];
  notes: Note[];
  vetoes: Missing[];
  overridden: Overridden[];
  contributions: Contribution[];
  /** Party or level name -> the identities through which it vouched. */
  vouchers: Map<string, Set<string>>;
  unboundCount: number;
  unknownCount: number;
  total: number;
}

interface Flag {
  item: Item;
  /** The best route of the flagger (identity statements) or the source party that carries it. */
  party: string;
  agent: string;
  weight: number;
  /** Every party the flagger is a direct member of. */
  memberOf: readonly string[];
}

interface Option {
  u: Usable;
  level: Exclude<Level, { kind: 'voted' }>;
  levelIndex: number;
  route: TrustRoute;
  weight: number;
  delta?: { from: string; chain: string[] };
}

interface DeltaTrust {
  chain?: string[];
  weight: number;
  /** Why it fails, when it does. */
  why?: string;
}

class Evaluator {
  private readonly table: CriteriaTable;
  private readonly webs = new Map<string, TrustWeb>();
  private readonly deltaMemo = new Map<string, DeltaTrust>();
  private readonly rangeMemo = new Map<string, SpecifierSet | null>();
  private readonly rejected = new Map<string, Map<string, Rejected[]>>();
  // The web by interned signer number, so a bucket's statements are screened by integer lookups.
  private readonly byAgent = new Map<TrustWeb, (TrustEntry | undefined)[]>();
  /** Per party: the most a direct member can add (its weight in the best level accepting it). */
  private readonly memberCap = new Map<string, number>();
  /** normalizeIndexUrl of the index URLs the lock names. */
  private readonly indexKeys = new Map<string, string>();
  /** shortIdentity of each signer named in a message (thousands of statements, few signers). */
  private readonly shortNames = new Map<string, string>();

  constructor(
    private readonly policy: Policy,
    private readonly index: StatementIndex,
    private readonly now: number,
    rejected: NonNullable<EvaluateOptions['rejected']>,
    private readonly cooldown: CooldownInputs = {},
    private readonly indexCheck: IndexCheck | undefined = undefined,
  ) {
    this.table = new CriteriaTable(policy.criteriaDefinitions);
    for (const party of policy.parties) {
      if (!isStatementParty(party)) continue;
      let cap = 0;
      for (const level of policy.levels) {
        if (level.kind === 'voted' || (level.parties !== undefined && !level.parties.includes(party.name))) continue;
        cap = Math.max(cap, level.weight ?? party.weight);
      }
      this.memberCap.set(party.name, cap);
    }
    for (const r of rejected) {
      const pkg = r.statement.package;
      if (pkg === undefined) continue;
      let byKey = this.rejected.get(pkg.name);
      if (byKey === undefined) this.rejected.set(pkg.name, (byKey = new Map<string, Rejected[]>()));
      const key = versionKey(pkg.version);
      byKey.set(key, [...(byKey.get(key) ?? []), r]);
    }
  }

  private web(criteria: readonly string[]): TrustWeb {
    const key = criteriaKey(criteria);
    let web = this.webs.get(key);
    if (web === undefined) {
      web = buildTrustWeb(this.policy, this.index, criteria, this.table, this.now);
      this.webs.set(key, web);
    }
    return web;
  }

  private agentTable(web: TrustWeb): (TrustEntry | undefined)[] {
    let entries = this.byAgent.get(web);
    if (entries === undefined) {
      entries = new Array<TrustEntry | undefined>(this.index.agentIds.size);
      for (const [identity, entry] of web.entries) {
        const n = this.index.agentIds.get(identity);
        if (n !== undefined) entries[n] = entry;
      }
      this.byAgent.set(web, entries);
    }
    return entries;
  }

  node(node: GraphNode): NodeReport {
    const ctx = this.context(node);
    const state: NodeState = {
      setAside: [],
      notes: [],
      vetoes: [],
      overridden: [],
      contributions: [],
      vouchers: new Map(),
      unboundCount: 0,
      unknownCount: 0,
      total: 0,
    };
    const { web: identityItems, source: sourceItems } = this.gather(ctx, state);
    const usable = this.screen(ctx, identityItems, state);
    const flags = this.flags(usable);
    this.weigh(ctx, usable.filter((u) => u.item.statement.kind !== 'flag'), state);
    this.indexParties(ctx, state);
    this.sourceParties(ctx, sourceItems, flags, state);
    this.vetoes(ctx, flags, usable, state);
    return this.verdict(ctx, state);
  }

  // --- step 1: what the node needs ----------------------------------------------------------

  private context(node: GraphNode): NodeContext {
    const pkg = this.policy.packages.get(node.name);
    const criteria = pkg?.criteria ?? this.policy.criteria;
    const shas = new Set<string>();
    const unhashed: string[] = [];
    for (const a of node.artifacts) {
      if (a.sha256 === undefined || a.sha256 === '') unhashed.push(a.filename);
      else shas.add(a.sha256.toLowerCase());
    }
    return {
      node,
      id: `${node.name}==${node.version}`,
      key: versionKey(node.version),
      criteria,
      threshold: pkg?.threshold ?? this.policy.threshold,
      required: pkg?.required ?? this.policy.required,
      web: this.web(criteria),
      shas,
      unhashed,
      bindable: node.artifacts.length > 0 && unhashed.length === 0 && shas.size > 0,
    };
  }

  // --- step 2: the statements about the release ---------------------------------------------

  /**
   * The statements about the node: those about a PEP 440-equal version, those about another
   * version of the package that name one of its locked files, and flags whose range holds it.
   * Statements by identities outside the web are set aside here, unless a source party may count them.
   */
  private gather(ctx: NodeContext, state: NodeState): { web: { item: Item; entry: TrustEntry }[]; source: Item[] } {
    const versions = this.index.packages.get(ctx.node.name);
    const entries = this.agentTable(ctx.web);
    // The index holds each statement once, in one bucket or as a range flag: only a rejected
    // statement can repeat one taken, so ids are kept only when the node has rejected ones.
    const rejected = this.rejected.get(ctx.node.name)?.get(ctx.key) ?? [];
    const g: Gathered = { web: [], source: [], seen: rejected.length === 0 ? undefined : new Set() };
    // Build every bucket of the package first: their subjects are then interned in digestIds, and
    // the locked files are matched as integers (a sha256 absent from digestIds is named by none).
    const own = versions?.get(ctx.key);
    const others: StatementBucket[] = [];
    if (versions !== undefined && versions.size > 1 && ctx.shas.size > 0) {
      for (const key of versions.keys()) if (key !== ctx.key) others.push(versions.get(key)!);
    }
    const locked = this.lockedDigestIds(ctx.shas);
    if (own !== undefined) this.scan(ctx, state, g, entries, own, locked, false);
    // The same file under another version string is the same content: it matches by sha256.
    if (locked.length > 0) for (const bucket of others) this.scan(ctx, state, g, entries, bucket, locked, true);
    for (const e of this.index.rangeFlags.get(ctx.node.name) ?? []) {
      if (this.inRange(e.statement, ctx.node.version)) this.take(ctx, state, g, { ...e, named: this.named(e.statement, ctx.shas) }, ctx.web.entries.get(e.statement.agent));
    }
    for (const r of rejected) {
      if (g.seen!.has(r.statement.id)) continue;
      g.seen!.add(r.statement.id);
      state.total++;
      this.setAside(state, r.statement, 'bad-signature', `${r.statement.kind} ${shortStatementId(r.statement.id)} by ${shortIdentity(r.statement.agent)}: ${r.message ?? 'its envelope does not verify'}`);
    }
    return { web: g.web, source: g.source };
  }

  /** Takes the statements of `bucket` (with `onlyNamed`, those that name a locked file). */
  private scan(ctx: NodeContext, state: NodeState, g: Gathered, entries: readonly (TrustEntry | undefined)[], bucket: StatementBucket, locked: Int32Array, onlyNamed: boolean): void {
    const { statements, agents } = bucket;
    for (let i = 0; i < statements.length; i++) {
      const named = locked.length === 0 ? 0 : namedIn(bucket, i, locked);
      if (onlyNamed && named === 0) continue;
      const s = statements[i]!;
      const entry = entries[agents[i]!];
      // Most statements of a shared feed are by identities the policy does not know: they are set
      // aside here, without building the item the later steps would need.
      if (entry === undefined && !fromSourceParty(s)) {
        if (g.seen !== undefined) {
          if (g.seen.has(s.id)) continue;
          g.seen.add(s.id);
        }
        state.total++;
        this.unknown(ctx, s, state);
        continue;
      }
      const item: Item = { statement: s, start: bucket.starts[i]!, end: bucket.ends[i]!, received: bucket.received[i]!, named };
      this.take(ctx, state, g, item, entry);
    }
  }

  private take(ctx: NodeContext, state: NodeState, g: Gathered, item: Item, entry: TrustEntry | undefined): void {
    const s = item.statement;
    if (g.seen !== undefined) {
      if (g.seen.has(s.id)) return;
      g.seen.add(s.id);
    }
    state.total++;
    const fromSource = fromSourceParty(s);
    if (fromSource) g.source.push(item);
    if (entry !== undefined && s.kind !== 'publish') g.web.push({ item, entry });
    else if (!fromSource) this.unknown(ctx, s, state);
  }

  private unknown(ctx: NodeContext, s: Statement, state: NodeState): void {
    state.unknownCount++;
    const cut = ctx.web.removed.get(s.agent);
    if (cut !== undefined) {
      this.setAside(state, s, 'distrusted', `${this.short(s.agent)} is distrusted by ${shortIdentity(cut.by)} (statement ${shortStatementId(cut.statement)}), the only way the policy reached it: its ${s.kind} does not count`);
    } else {
      this.setAside(state, s, 'unknown-identity', `${s.kind} ${shortStatementId(s.id)} by ${this.short(s.agent)}: an identity this policy does not trust`);
    }
  }

  /**
   * The interned numbers of the locked files' sha256s that some built bucket names (distinct, as
   * `shas` is a set); the others are named by no statement in a bucket.
   */
  private lockedDigestIds(shas: ReadonlySet<string>): Int32Array {
    const ids: number[] = [];
    for (const h of shas) {
      const n = this.index.digestIds.get(h);
      if (n !== undefined) ids.push(n);
    }
    return Int32Array.from(ids);
  }

  /** How many distinct locked files `s` names by sha256. */
  private named(s: Statement, shas: ReadonlySet<string>): number {
    if (shas.size === 0 || s.subjects.length === 0) return 0;
    let n = 0;
    let seen: Set<string> | undefined;
    for (const sub of s.subjects) {
      const h = sub.sha256.toLowerCase();
      if (!shas.has(h)) continue;
      if (seen?.has(h) === true) continue;
      (seen ??= new Set()).add(h);
      n++;
    }
    return n;
  }

  private inRange(s: Statement, version: string): boolean {
    const affected = s.finding?.affected;
    if (affected === undefined) return false;
    let set = this.rangeMemo.get(affected);
    if (set === undefined) {
      try {
        set = new SpecifierSet(affected);
      } catch {
        set = null;
      }
      this.rangeMemo.set(affected, set);
    }
    // An unreadable range hits every release: the flag's author meant some, and we cannot tell which.
    if (set === null) return true;
    if (s.package !== undefined && versionKey(s.package.version) === versionKey(version)) return true;
    return set.contains(version, { prereleases: true });
  }

  // --- step 3: screening ----------------------------------------------------------------------

  /** Retired keys, retractions, supersession, time and binding: what is left may count. */
  private screen(ctx: NodeContext, items: { item: Item; entry: TrustEntry }[], state: NodeState): Usable[] {
    const live: { item: Item; entry: TrustEntry }[] = [];
    for (const x of items) {
      const s = x.item.statement;
      if (!signedBeforeRetirement(x.entry.retiredAt, x.item.received)) {
        this.setAside(state, s, 'retired-key', `${s.kind} ${shortStatementId(s.id)} is signed with ${this.short(s.agent)}, a key rotated away, and pyvouch did not receive it before the rotation`);
        continue;
      }
      const r = isRetracted(x.item, this.index.retractions, this.now, x.entry.retiredAt);
      if (r !== undefined) {
        this.setAside(state, s, 'retracted', `${s.kind} ${shortStatementId(s.id)} was retracted by its author (statement ${shortStatementId(r.statement.id)})`, r.statement.id);
        continue;
      }
      live.push(x);
    }
    const current = this.supersede(live, state);
    const out: Usable[] = [];
    for (const x of current) {
      const s = x.item.statement;
      const isFlag = s.kind === 'flag';
      // A finding stays in force until its author ends it: max-age does not retire a malicious flag.
      const problem = timeProblem(x.item.start, x.item.end, this.now, isFlag ? undefined : this.policy.maxAge);
      if (problem !== undefined) {
        this.setAside(state, s, problem, `${s.kind} ${shortStatementId(s.id)} by ${this.short(s.agent)} ${TIME_WORDS[problem]}`);
        continue;
      }
      // A finding about the release counts whatever files it names: fail closed.
      if (isFlag) {
        out.push({ item: x.item, entry: x.entry, unbound: false });
        continue;
      }
      const bound = ctx.bindable && x.item.named === ctx.shas.size;
      if (bound) out.push({ item: x.item, entry: x.entry, unbound: false });
      else if (!this.policy.requireHashBinding && (x.item.named > 0 || s.subjects.length === 0 || !ctx.bindable)) {
        out.push({ item: x.item, entry: x.entry, unbound: true });
      } else {
        state.unboundCount++;
        this.setAside(state, s, 'unbound-file', `${s.kind} ${shortStatementId(s.id)} by ${this.short(s.agent)} ${this.unboundWhy(ctx, x.item)}`);
      }
    }
    return out;
  }

  private unboundWhy(ctx: NodeContext, item: Item): string {
    if (ctx.node.artifacts.length === 0) return `cannot be bound to content: the lock records no files for ${ctx.id}`;
    if (ctx.unhashed.length > 0) return `cannot be bound to ${ctx.unhashed.join(', ')}: the lock records no sha256 for it`;
    if (item.named === 0) return 'names none of the locked files by sha256';
    return `names ${item.named} of the ${ctx.shas.size} files the lock allows for ${ctx.id}; every file that may be installed must be bound`;
  }

  /**
   * An author's newest word about the release replaces the older: a negative one (flag, negative
   * review, vote against) replaces everything older; any other replaces older statements of the
   * same kind and criteria, and older negative ones. Rotated keys are one author.
   */
  private supersede(items: { item: Item; entry: TrustEntry }[], state: NodeState): { item: Item; entry: TrustEntry }[] {
    const byAuthor = new Map<string, { item: Item; entry: TrustEntry }[]>();
    for (const x of items) {
      const list = byAuthor.get(x.entry.canonical);
      if (list === undefined) byAuthor.set(x.entry.canonical, [x]);
      else list.push(x);
    }
    const out: { item: Item; entry: TrustEntry }[] = [];
    for (const list of byAuthor.values()) {
      if (list.length === 1) {
        out.push(list[0]!);
        continue;
      }
      // Newest first; on a tie the negative statement counts as the newer (fail closed).
      list.sort(
        (a, b) =>
          b.item.start - a.item.start ||
          Number(isNegative(b.item.statement)) - Number(isNegative(a.item.statement)) ||
          cmp(b.item.statement.id, a.item.statement.id),
      );
      let negative: Statement | undefined;
      let positive: Statement | undefined;
      const keys = new Map<string, Statement>();
      for (const x of list) {
        const s = x.item.statement;
        const key = stanceKey(s);
        const neg = isNegative(s);
        const by = negative ?? keys.get(key) ?? (neg ? positive : undefined);
        if (by !== undefined) {
          this.setAside(state, s, 'superseded', `${s.kind} ${shortStatementId(s.id)} by ${this.short(s.agent)} is superseded by the same author's newer ${by.kind} ${shortStatementId(by.id)}`, by.id);
          continue;
        }
        out.push(x);
        keys.set(key, s);
        if (neg) negative = s;
        else positive ??= s;
      }
    }
    return out;
  }

  // --- step 4: flags and vetoes ---------------------------------------------------------------

  private flags(usable: readonly Usable[]): Flag[] {
    const out: Flag[] = [];
    for (const u of usable) {
      const s = u.item.statement;
      if (s.kind !== 'flag' || s.finding === undefined) continue;
      let best: TrustRoute | undefined;
      let weight = -1;
      for (const route of u.entry.routes.values()) {
        const w = route.partyWeight * route.factor;
        if (w > weight || (w === weight && best !== undefined && route.partyIndex < best.partyIndex)) {
          best = route;
          weight = w;
        }
      }
      if (best === undefined) continue;
      const memberOf = [...u.entry.routes.values()].filter((r) => r.depth === 0).map((r) => r.party);
      out.push({ item: u.item, party: best.party, agent: s.agent, weight, memberOf });
    }
    return out;
  }

  /** Which flags veto, and which of those a party named in [[override]] overrode. */
  private vetoes(ctx: NodeContext, flags: readonly Flag[], usable: readonly Usable[], state: NodeState): void {
    for (const f of flags) {
      const s = f.item.statement;
      const finding = s.finding!;
      const byFinding = this.policy.vetoFindings.includes(finding.kind);
      const byWeight = this.policy.vetoWeight !== undefined && f.weight + EPSILON >= this.policy.vetoWeight;
      const what = `${f.party} (${this.short(s.agent)}) flags it ${finding.kind}, severity ${finding.severity}${finding.affected === undefined ? '' : ` (releases ${finding.affected})`}`;
      if (!byFinding && !byWeight) {
        state.notes.push({ kind: 'flag', statement: s.id, agent: s.agent, party: f.party, message: `${what}; not a veto under this policy` });
        continue;
      }
      const override = this.override(ctx, f, usable);
      if (override !== undefined) {
        state.overridden.push({
          statement: s.id,
          party: f.party,
          agent: s.agent,
          finding: { kind: finding.kind, severity: finding.severity },
          by: override,
          message: `veto overridden: ${what}; ${override.party} (${shortIdentity(override.agent)}) audited it afterwards (statement ${shortStatementId(override.statement)}) and may override it`,
        });
        continue;
      }
      state.vetoes.push({
        kind: 'veto',
        statement: s.id,
        party: f.party,
        agent: s.agent,
        finding: { kind: finding.kind, severity: finding.severity },
        message: `vetoed: ${what}${byFinding ? '' : ` (weight ${formatNumber(f.weight)} reaches the veto weight ${formatNumber(this.policy.vetoWeight!)})`}`,
      });
    }
  }

  /**
   * A veto is overridden only by a direct member of a party an [[override]] names, with a bound
   * audit of the release signed after the flag; never by the flagger's own party.
   */
  private override(ctx: NodeContext, f: Flag, usable: readonly Usable[]): { party: string; agent: string; statement: string } | undefined {
    const finding = f.item.statement.finding!;
    for (const rule of this.policy.overrides) {
      if (f.party === rule.party || f.memberOf.includes(rule.party)) continue;
      if (rule.vetoesOf !== undefined && !rule.vetoesOf.includes(f.party) && !f.memberOf.some((p) => rule.vetoesOf!.includes(p))) continue;
      if (rule.findings !== undefined && !rule.findings.includes(finding.kind)) continue;
      for (const u of usable) {
        const s = u.item.statement;
        if (u.unbound || !isAudit(s) || !this.table.satisfies(s.criteria, ctx.criteria)) continue;
        if (u.item.start <= f.item.start) continue;
        const route = u.entry.routes.get(rule.party);
        if (route === undefined || route.depth !== 0) continue;
        return { party: rule.party, agent: s.agent, statement: s.id };
      }
    }
    return undefined;
  }

  // --- step 5: levels ---------------------------------------------------------------------------

  /**
   * Turns usable statements into contributions. Each identity (rotated keys are one) counts once
   * per node, through its best applicable statement, level and route. Everything that reaches the
   * score through one party member, the member's own statement and all it delegates, adds at most
   * what the member alone could add, so trusting many keys multiplies nothing.
   */
  private weigh(ctx: NodeContext, usable: readonly Usable[], state: NodeState): void {
    const byIdentity = new Map<string, Option[]>();
    const counted = new Set<string>();
    for (const u of usable) {
      const s = u.item.statement;
      const options = this.options(ctx, u);
      if (options.length === 0) continue;
      counted.add(s.id);
      let list = byIdentity.get(u.entry.canonical);
      if (list === undefined) byIdentity.set(u.entry.canonical, (list = []));
      list.push(...options);
    }
    const votes = new Set<string>();
    this.policy.levels.forEach((level) => {
      if (level.kind === 'voted') for (const id of this.voted(level, usable, state)) votes.add(id);
    });
    for (const u of usable) {
      const s = u.item.statement;
      if (counted.has(s.id) || votes.has(s.id)) continue;
      if (this.deltaFailures.has(s.id)) {
        this.setAside(state, s, 'delta-base', this.deltaFailures.get(s.id)!);
      } else if ((s.kind === 'assess' || s.kind === 'review') && s.criteria.length > 0 && this.policy.levels.some((l) => l.kind === 'audited')) {
        this.setAside(state, s, 'criteria-short', `${s.kind} ${shortStatementId(s.id)} by ${this.short(s.agent)} is for ${s.criteria.join(', ')}, which does not meet ${ctx.criteria.join(', ')}`);
      } else {
        this.setAside(state, s, 'not-counted', `${s.kind} ${shortStatementId(s.id)} by ${this.short(s.agent)}: no level of this policy counts it`);
      }
    }
    this.deltaFailures.clear();

    // Members before delegates, so a member's own statement takes its budget first.
    const identities = [...byIdentity.entries()].map(([canonical, options]) => {
      options.sort(
        (a, b) =>
          b.weight - a.weight ||
          a.route.depth - b.route.depth ||
          a.route.partyIndex - b.route.partyIndex ||
          a.levelIndex - b.levelIndex ||
          cmp(a.u.item.statement.id, b.u.item.statement.id),
      );
      return { canonical, options, depth: Math.min(...options.map((o) => o.route.depth)) };
    });
    identities.sort((a, b) => a.depth - b.depth || b.options[0]!.weight - a.options[0]!.weight || cmp(a.canonical, b.canonical));
    const spent = new Map<string, number>();
    const chosenList: { o: Option; give: number }[] = [];
    for (const { canonical, options } of identities) {
      let chosen: Option | undefined;
      let give = -1;
      for (const o of options) {
        const root = rootOf(o.route);
        const room = (this.memberCap.get(o.route.party) ?? 0) - (spent.get(root) ?? 0);
        const w = round(Math.max(0, Math.min(o.weight, room)));
        if (w > give + EPSILON) {
          chosen = o;
          give = w;
        }
      }
      if (chosen === undefined) continue;
      spent.set(rootOf(chosen.route), round((spent.get(rootOf(chosen.route)) ?? 0) + give));
      for (const o of options) {
        if (o.route.depth === 0) this.vouch(state, o.route.party, canonical);
        this.vouch(state, o.level.name, canonical);
      }
      chosenList.push({ o: chosen, give });
      const shown = new Set([chosen.u.item.statement.id]);
      for (const o of options) {
        const s = o.u.item.statement;
        if (shown.has(s.id)) continue;
        shown.add(s.id);
        this.setAside(state, s, 'same-identity', `${s.kind} ${shortStatementId(s.id)}: ${this.short(s.agent)} already counts once for this release (statement ${shortStatementId(chosen.u.item.statement.id)})`, chosen.u.item.statement.id);
      }
    }
    chosenList.sort(
      (a, b) =>
        a.o.levelIndex - b.o.levelIndex ||
        a.o.route.partyIndex - b.o.route.partyIndex ||
        cmp(a.o.route.path[0]!, b.o.route.path[0]!) ||
        a.o.route.depth - b.o.route.depth ||
        cmp(a.o.u.item.statement.agent, b.o.u.item.statement.agent),
    );
    for (const { o, give } of chosenList) state.contributions.push(this.contribution(o, give));
  }

  private readonly deltaFailures = new Map<string, string>();

  /** Every way a usable statement may count: per non-voted level, per route the level accepts. */
  private options(ctx: NodeContext, u: Usable): Option[] {
    const s = u.item.statement;
    const out: Option[] = [];
    this.policy.levels.forEach((level, levelIndex) => {
      if (level.kind === 'voted') return;
      if (level.kind === 'trusted-authors' && level.packages !== undefined && !level.packages.includes(ctx.node.name)) return;
      const need = level.kind === 'audited' ? (level.criteria ?? ctx.criteria) : [];
      if (level.kind === 'audited' ? !isAudit(s) || !this.table.satisfies(s.criteria, need) : !isVouch(s)) return;
      for (const route of u.entry.routes.values()) {
        if (level.parties !== undefined && !level.parties.includes(route.party)) continue;
        const cap = level.weight ?? route.partyWeight;
        let weight = cap * route.factor;
        let delta: Option['delta'];
        if (level.kind === 'audited' && s.deltaFrom !== undefined) {
          const base = this.deltaTrust(ctx, s.deltaFrom, route.party, need, cap);
          if (base.chain === undefined) {
            this.deltaFailures.set(s.id, `delta audit ${shortStatementId(s.id)} from ${s.deltaFrom} does not count: ${base.why ?? 'its base is not vouched for'}`);
            continue;
          }
          // A delta is worth no more than the trust in the release it starts from.
          weight = Math.min(weight, base.weight);
          delta = { from: s.deltaFrom, chain: base.chain };
        }
        out.push({ u, level, levelIndex, route, weight, ...(delta === undefined ? {} : { delta }) });
      }
    });
    if (out.length > 0) this.deltaFailures.delete(s.id);
    return out;
  }

  private contribution(o: Option, weight: number): Contribution {
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
  private voted(level: Extract<Level, { kind: 'voted' }>, usable: readonly Usable[], state: NodeState): string[] {
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
    const voters = [...latest.values()]
      .map(({ u, route }) => {
        const vote = u.item.statement.vote!;
        const root = rootOf(route);
        voices[vote].set(root, (voices[vote].get(root) ?? 0) + route.factor);
        return { agent: u.item.statement.agent, statement: u.item.statement.id, vote, voice: round(route.factor) };
      })
      .sort((a, b) => cmp(a.agent, b.agent));
    const sum = (m: Map<string, number>): number => round([...m.values()].reduce((t, v) => t + Math.min(1, v), 0));
    const pro = sum(voices.for);
    const con = sum(voices.against);
    const net = round(pro - con);
    const tally = `${String(pro)} for, ${String(con)} against (net ${String(net)}, ${level.minVoters} needed)`;
    const counted = voters.map((v) => v.statement);
    if (net + EPSILON < level.minVoters) {
      if (voters.length > 0) state.notes.push({ kind: 'votes', party: level.name, message: `${level.name}: ${tally}; no quorum` });
      return counted;
    }
    for (const { u } of latest.values()) this.vouch(state, level.name, u.entry.canonical);
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
      voters: voters.map(({ agent, statement, vote, voice }) => ({ agent, statement, vote, voice })),
      message: `${level.name}: ${tally} (+${formatNumber(level.weight)})`,
    });
    return counted;
  }

  // --- step 6: index and source parties --------------------------------------------------------

  private indexParties(ctx: NodeContext, state: NodeState): void {
    for (const party of this.policy.parties) {
      if (party.kind !== 'index') continue;
      const { why, assumed } = indexRefusal(ctx.node, party, this.indexCheck, this.indexKeys);
      if (assumed.length > 0) {
        state.notes.push({
          kind: 'index',
          party: party.name,
          message: `${party.name}: the lock does not record which index ${assumed.join(', ')} ${assumed.length === 1 ? 'comes' : 'come'} from; taken to be the policy's ${party.index}`,
        });
      }
      if (why !== undefined) {
        state.notes.push({ kind: 'index', party: party.name, message: `${party.name} does not vouch: ${why}` });
        continue;
      }
      this.vouch(state, party.name, party.name);
      state.contributions.push({
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
    }
  }

  /**
   * Source parties count statements by where pyvouch got them (never by what they say of
   * themselves). Each adds its weight once, when its statements bind every locked file; a
   * negative scanner party counts its findings. Flags carried by a feed or scanner party may veto.
   */
  private sourceParties(ctx: NodeContext, items: readonly Item[], flags: Flag[], state: NodeState): void {
    const parties = this.policy.parties.filter((p): p is SourceParty => p.kind === 'publisher' || p.kind === 'feed' || p.kind === 'scanner');
    const used = new Set<string>();
    for (const party of parties) {
      const matched = items.filter((e) => this.sourceMatches(party, e.statement) && this.sourceLive(e));
      for (const e of matched) used.add(e.statement.id);
      if (party.kind !== 'publisher') {
        for (const e of matched) {
          if (e.statement.kind === 'flag' && e.statement.finding !== undefined) {
            flags.push({ item: { ...e }, party: party.name, agent: e.statement.agent, weight: party.weight, memberOf: [party.name] });
          }
        }
      }
      const counting = matched.filter((e) => this.sourceCounts(ctx, party, e.statement));
      if (counting.length === 0) continue;
      if (party.weight < 0) {
        const findings = counting.map((e) => e.statement.finding?.kind ?? e.statement.kind);
        this.sourceContribution(state, party, counting[0]!.statement, `${party.name}: the scanner reports ${[...new Set(findings)].join(', ')} (${formatNumber(party.weight)})`);
        continue;
      }
      const covered = new Set<string>();
      for (const e of counting) for (const sub of e.statement.subjects) if (ctx.shas.has(sub.sha256.toLowerCase())) covered.add(sub.sha256.toLowerCase());
      if (!ctx.bindable || covered.size < ctx.shas.size) {
        const why = !ctx.bindable ? this.unboundWhy(ctx, { ...counting[0]!, named: 0 }).replace(/^cannot be bound/, 'its statements cannot be bound') : `its statements bind ${covered.size} of the ${ctx.shas.size} locked files`;
        state.notes.push({ kind: 'source', party: party.name, message: `${party.name} does not vouch: ${why}` });
        continue;
      }
      const first = counting[0]!.statement;
      const message =
        party.kind === 'publisher'
          ? `${party.name}: published by ${publisherText(first)}, verified by Sigstore (+${formatNumber(party.weight)})`
          : party.kind === 'feed'
            ? `${party.name}: the feed ${party.feed} carries ${counting.length === 1 ? 'an audit' : `${counting.length} audits`} of ${ctx.criteria.join(', ')} (+${formatNumber(party.weight)})`
            : `${party.name}: the scanner${party.scanner === undefined ? '' : ` ${party.scanner}`} found nothing (+${formatNumber(party.weight)})`;
      this.sourceContribution(state, party, first, message);
    }
    for (const e of items) {
      if (used.has(e.statement.id)) continue;
      // Identity statements that arrived by a feed were judged by their signer already.
      if (e.statement.kind !== 'publish' && ctx.web.entries.has(e.statement.agent)) continue;
      this.setAside(state, e.statement, 'not-counted', `${e.statement.kind} ${shortStatementId(e.statement.id)} from ${e.statement.source?.kind ?? 'an unknown source'}${e.statement.source?.name === undefined ? '' : ` ${e.statement.source.name}`}: no party of this policy counts that source`);
    }
  }

  private sourceMatches(party: SourceParty, s: Statement): boolean {
    const src = s.source;
    if (src === undefined) return false;
    switch (party.kind) {
      case 'publisher':
        return s.kind === 'publish' && src.kind === 'provenance' && s.publisher !== undefined && party.publishers.some((g) => matchesPublisher(g, s.publisher!.id));
      case 'feed':
        return src.kind === 'feed' && src.name === party.feed && s.kind !== 'publish';
      case 'scanner':
        return src.kind === 'scanner' && (party.scanner === undefined || src.name === party.scanner) && s.kind !== 'publish';
    }
  }

  private sourceLive(e: Item): boolean {
    if (timeProblem(e.start, e.end, this.now, undefined) !== undefined) return false;
    return isRetracted(e, this.index.retractions, this.now, undefined) === undefined;
  }

  private sourceCounts(ctx: NodeContext, party: SourceParty, s: Statement): boolean {
    switch (party.kind) {
      case 'publisher':
        return true;
      case 'feed':
        return isAudit(s) && this.table.satisfies(s.criteria, ctx.criteria) && s.deltaFrom === undefined;
      case 'scanner':
        return party.weight < 0 ? s.kind === 'flag' : isVouch(s);
    }
  }

  private sourceContribution(state: NodeState, party: SourceParty, s: Statement, message: string): void {
    if (party.weight >= 0) this.vouch(state, party.name, party.name);
    state.contributions.push({
      party: party.name,
      level: party.kind,
      kind: party.kind,
      statement: s.id,
      agent: party.kind === 'publisher' ? (s.publisher?.id ?? s.agent) : s.agent,
      weight: party.weight,
      criteria: [...s.criteria],
      path: [],
      depth: 0,
      message,
    });
  }

  // --- step 7: the verdict ----------------------------------------------------------------------

  private verdict(ctx: NodeContext, state: NodeState): NodeReport {
    const { id, threshold } = ctx;
    const score = round(state.contributions.reduce((sum, c) => sum + c.weight, 0));
    const scoreOk = score + EPSILON >= threshold;
    const requiredMissing = ctx.required
      .map((r) => ({ rule: r, have: state.vouchers.get(r.name)?.size ?? 0 }))
      .filter(({ rule, have }) => have < rule.count);
    const ok = scoreOk && requiredMissing.length === 0;
    const { active, expired } = this.exemption(ctx);
    const vetoed = state.vetoes.length > 0;
    // Deny and allow lists and the cooldown are decided before the score (adopt.ts).
    const gate = gateNode(this.policy, ctx.node, this.now, this.cooldown, active !== undefined);
    state.notes.push(...gate.notes);
    const verdict: Verdict =
      vetoed || gate.fail ? 'fail' : active !== undefined || gate.allowed !== undefined ? 'exempt' : ok ? 'pass' : 'fail';

    const missing: Missing[] = [...state.vetoes, ...gate.missing];
    if (!ok) {
      const positive = state.contributions.filter((c) => c.weight > 0).length;
      const byStatements = state.contributions.filter((c) => c.kind !== 'index' && c.weight > 0).length;
      if (state.total === 0 && positive === 0) {
        missing.push({ kind: 'no-statements', message: `no statements about ${id}: nobody has reviewed it` });
      } else if (state.unknownCount > 0 && state.unknownCount === state.total && byStatements === 0) {
        missing.push({
          kind: 'untrusted',
          statements: state.unknownCount,
          message: `${state.unknownCount} statement${state.unknownCount === 1 ? '' : 's'} about ${id}, none by an identity this policy trusts`,
        });
      }
      if (state.unboundCount > 0) {
        const why = ctx.bindable ? 'they do not name the sha256 of every locked file' : 'the lock file records no sha256 for some of its files';
        missing.push({
          kind: 'unbound',
          statements: state.unboundCount,
          message: `${state.unboundCount} statement${state.unboundCount === 1 ? '' : 's'} about ${id} cannot count: ${why} (lock with hashes and review every file, or set require-hash-binding = false)`,
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
      for (const { rule, have } of requiredMissing) {
        const message =
          rule.count === 1
            ? `${rule.name} is required to vouch and has not vouched for ${id}`
            : `${rule.count} of ${rule.name} are required to vouch for ${id}; ${have} did`;
        missing.push({ kind: 'required', party: rule.name, need: rule.count, have, message });
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
      name: ctx.node.name,
      version: ctx.node.version,
      verdict,
      score,
      threshold,
      criteria: [...ctx.criteria],
      required: ctx.required.map((r) => (r.count === 1 ? r.name : `${r.name}×${r.count}`)),
      contributions: state.contributions,
      missing,
      notes: state.notes,
      setAside: state.setAside,
      overridden: state.overridden,
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
        state.notes.push({ kind: 'exemption-expired', message: `the exemption ("${exemption.reason}") expired and no longer applies` });
      }
    }
    if (verdict === 'fail' && !vetoed) report.trustedVersions = this.trustedVersions(ctx);
    return report;
  }

  // --- helpers ----------------------------------------------------------------------------------

  private short(identity: string): string {
    let short = this.shortNames.get(identity);
    if (short === undefined) this.shortNames.set(identity, (short = shortIdentity(identity)));
    return short;
  }

  private vouch(state: NodeState, name: string, identity: string): void {
    let set = state.vouchers.get(name);
    if (set === undefined) state.vouchers.set(name, (set = new Set()));
    set.add(identity);
  }

  private setAside(state: NodeState, s: Pick<Statement, 'id' | 'agent' | 'kind'>, reason: SetAsideReason, message: string, by?: string): void {
    state.setAside.push(
      by === undefined ? { statement: s.id, agent: s.agent, kind: s.kind, reason, message } : { statement: s.id, agent: s.agent, kind: s.kind, reason, by, message },
    );
  }

  /**
   * The trust established for `from` by `party`: the widest path from `from` down to a full audit
   * through delta audits, each step worth what its auditor adds (`cap` × route factor), the path
   * worth its weakest step. Vetoed versions are no base. Memoised per package, party, criteria.
   */
  private deltaTrust(ctx: NodeContext, from: string, party: string, need: readonly string[], cap: number): DeltaTrust {
    const name = ctx.node.name;
    const fromKey = versionKey(from);
    const memoKey = `${name}\u0000${party}\u0000${criteriaKey(need)}\u0000${cap}\u0000${fromKey}`;
    const memo = this.deltaMemo.get(memoKey);
    if (memo !== undefined) return memo;
    const versions = this.index.packages.get(name);
    const entries = this.agentTable(ctx.web);
    interface Step { full: number; deltas: { from: string; weight: number }[]; vetoed?: string }
    const steps = new Map<string, Step>();
    const queue = [fromKey];
    for (let i = 0; i < queue.length; i++) {
      const key = queue[i]!;
      const step: Step = { full: 0, deltas: [] };
      steps.set(key, step);
      const bucket = versions?.get(key);
      const display = this.index.versions.get(name)?.get(key) ?? key;
      for (const e of this.index.rangeFlags.get(name) ?? []) {
        if (this.inRange(e.statement, display) && this.vetoesBase(e, ctx.web.entries.get(e.statement.agent))) step.vetoed ??= e.statement.id;
      }
      // A baseline exemption (pyvouch init) stands for the release as the team runs it: a delta
      // review from it builds on that acceptance, as cargo-vet's exemptions do, worth at most what
      // the delta's auditor adds.
      if (this.baselined(name).some((v) => versionKey(v) === key)) step.full = Math.max(step.full, cap);
      if (bucket === undefined) continue;
      for (let k = 0; k < bucket.statements.length; k++) {
        const entry = entries[bucket.agents[k]!];
        if (entry === undefined) continue;
        const s = bucket.statements[k]!;
        const e: IndexedStatement = { statement: s, start: bucket.starts[k]!, end: bucket.ends[k]!, received: bucket.received[k]! };
        if (!signedBeforeRetirement(entry.retiredAt, e.received)) continue;
        if (isRetracted(e, this.index.retractions, this.now, entry.retiredAt) !== undefined) continue;
        if (s.kind === 'flag') {
          if (this.vetoesBase(e, entry)) step.vetoed ??= s.id;
          continue;
        }
        const route = entry.routes.get(party);
        if (route === undefined || !isAudit(s) || !this.table.satisfies(s.criteria, need)) continue;
        if (timeProblem(e.start, e.end, this.now, this.policy.maxAge) !== undefined) continue;
        const weight = cap * route.factor;
        if (s.deltaFrom === undefined) step.full = Math.max(step.full, weight);
        else {
          const to = versionKey(s.deltaFrom);
          step.deltas.push({ from: to, weight });
          if (!steps.has(to) && !queue.includes(to)) queue.push(to);
        }
      }
    }
    // Widest path, by relaxation (the version graph is small; cycles end within |V| rounds).
    const best = new Map<string, number>();
    const via = new Map<string, string | null>();
    for (const [key, step] of steps) {
      best.set(key, step.vetoed === undefined ? step.full : 0);
      via.set(key, null);
    }
    for (let round_ = 0; round_ < steps.size; round_++) {
      let changed = false;
      for (const [key, step] of steps) {
        if (step.vetoed !== undefined) continue;
        for (const d of step.deltas) {
          const w = Math.min(d.weight, best.get(d.from) ?? 0);
          if (w > best.get(key)! + EPSILON) {
            best.set(key, w);
            via.set(key, d.from);
            changed = true;
          }
        }
      }
      if (!changed) break;
    }
    const show = (key: string): string => this.index.versions.get(name)?.get(key) ?? this.baselined(name).find((v) => versionKey(v) === key) ?? key;
    let result: DeltaTrust;
    const root = steps.get(fromKey)!;
    if (root.vetoed !== undefined) {
      result = { weight: 0, why: `${from} is vetoed (flag ${shortStatementId(root.vetoed)}), and a delta inherits its base's vetoes` };
    } else if ((best.get(fromKey) ?? 0) <= EPSILON) {
      result = { weight: 0, why: `${from} is not vouched for (${need.join(', ')}) by ${party}` };
    } else {
      const chain: string[] = [];
      const seen = new Set<string>();
      for (let v: string | null | undefined = fromKey; v != null && !seen.has(v); v = via.get(v)) {
        seen.add(v);
        chain.push(show(v));
      }
      result = { chain, weight: best.get(fromKey)! };
    }
    this.deltaMemo.set(memoKey, result);
    return result;
  }

  /** Whether a flag about a delta's base (or a version on its chain) vetoes it. */
  private vetoesBase(e: IndexedStatement, entry: TrustEntry | undefined): boolean {
    const s = e.statement;
    if (entry === undefined || s.finding === undefined) return false;
    if (!signedBeforeRetirement(entry.retiredAt, e.received)) return false;
    if (timeProblem(e.start, e.end, this.now, undefined) !== undefined) return false;
    if (isRetracted(e, this.index.retractions, this.now, entry.retiredAt) !== undefined) return false;
    if (this.policy.vetoFindings.includes(s.finding.kind)) return true;
    if (this.policy.vetoWeight === undefined) return false;
    let weight = 0;
    for (const r of entry.routes.values()) weight = Math.max(weight, r.partyWeight * r.factor);
    return weight + EPSILON >= this.policy.vetoWeight;
  }

  private readonly baselineMemo = new Map<string, string[]>();
  private baselined(name: string): string[] {
    let v = this.baselineMemo.get(name);
    if (v === undefined) this.baselineMemo.set(name, (v = baselineVersions(this.policy, name, undefined, this.now)));
    return v;
  }

  private trustedVersions(ctx: NodeContext): { version: string; parties: string[] }[] {
    const shown = new Map(this.index.versions.get(ctx.node.name) ?? []);
    for (const v of baselineVersions(this.policy, ctx.node.name, ctx.node.version, this.now)) if (!shown.has(versionKey(v))) shown.set(versionKey(v), v);
    const out: { version: string; parties: string[] }[] = [];
    for (const [key, version] of shown) {
      if (key === ctx.key) continue;
      const parties: string[] = [];
      for (const party of this.policy.parties) {
        if (!isStatementParty(party)) continue;
        const ok = this.policy.levels.some(
          (level) =>
            level.kind === 'audited' &&
            (level.parties === undefined || level.parties.includes(party.name)) &&
            this.deltaTrust(ctx, version, party.name, level.criteria ?? ctx.criteria, level.weight ?? party.weight).chain !== undefined,
        );
        if (ok) parties.push(party.name);
      }
      if (parties.length > 0) out.push({ version, parties });
    }
    return out.sort((a, b) => compareVersions(b.version, a.version));
  }

  private exemption(ctx: NodeContext): { active?: Exemption; expired?: Exemption } {
    const node = ctx.node;
    let active: Exemption | undefined;
    let expired: Exemption | undefined;
    const kind = node.source?.kind;
    if (this.policy.firstParty === 'exempt' && (kind === 'editable' || kind === 'virtual')) {
      const where = node.source?.location === undefined ? '' : ` ${node.source.location}`;
      active = { name: node.name, version: node.version, reason: `first-party: the project's own code (${kind}${where}), built from the working tree` };
    }
    for (const ex of this.policy.exemptions) {
      if (ex.name !== node.name || versionKey(ex.version) !== ctx.key) continue;
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

/**
 * How many distinct locked files statement `i` of `bucket` names, by interned sha256: `locked`
 * holds distinct digest numbers, so a subject counts when it is the first to hit its entry.
 */
function namedIn(bucket: StatementBucket, i: number, locked: Int32Array): number {
  const from = bucket.digestStart[i]!;
  const to = bucket.digestStart[i + 1]!;
  if (from === to) return 0;
  let n = 0;
  let hit = 0;
  let hits: Set<number> | undefined;
  for (let d = from; d < to; d++) {
    const h = bucket.digests[d]!;
    for (let j = 0; j < locked.length; j++) {
      if (locked[j] !== h) continue;
      if (j < 31) {
        if ((hit & (1 << j)) === 0) {
          hit |= 1 << j;
          n++;
        }
      } else if (!(hits ??= new Set()).has(j)) {
        hits.add(j);
        n++;
      }
      break;
    }
  }
  return n;
}

/** normalizeIndexUrl, once per distinct URL (a lock names one or two indexes for all its files). */
function indexKeyOf(url: string, keys: Map<string, string>): string {
  let key = keys.get(url);
  if (key === undefined) keys.set(url, (key = normalizeIndexUrl(url)));
  return key;
}

/** Whether pyvouch got the statement from a source a source party may count (feed, scanner, provenance). */
function fromSourceParty(s: Statement): boolean {
  return s.source !== undefined && s.source.kind !== 'local' && s.source.kind !== 'file';
}

/** The budget a route draws on: the party member it starts from. */
function rootOf(route: TrustRoute): string {
  return `${route.party}\u0000${route.path[0]!}`;
}

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

/** A statement that speaks against the release. */
function isNegative(s: Statement): boolean {
  return s.kind === 'flag' || (s.kind === 'review' && s.rating === 'negative') || (s.kind === 'vote' && s.vote === 'against');
}

/** What a newer statement of the same author replaces: the same kind of stance and criteria. */
function stanceKey(s: Statement): string {
  switch (s.kind) {
    case 'assess':
    case 'review':
      return `audit\u0000${[...s.criteria].sort().join('\u0000')}`;
    default:
      return s.kind;
  }
}

function publisherText(s: Statement): string {
  const p = s.publisher;
  if (p === undefined) return 'an unknown publisher';
  return `${p.id}${p.workflow === undefined ? '' : ` (workflow ${p.workflow})`}`;
}

/**
 * Why an index party does not vouch for a node (undefined when it does), and the files whose index
 * the lock does not record and that were taken to come from the party's (only with an IndexCheck,
 * which then confirms them against that index).
 */
function indexRefusal(node: GraphNode, party: IndexParty, check: IndexCheck | undefined, keys: Map<string, string>): { why: string | undefined; assumed: string[] } {
  const assumed: string[] = [];
  if (node.artifacts.length === 0) return { why: 'the lock records no files for it', assumed };
  for (const a of node.artifacts) {
    if (a.sha256 === undefined || a.sha256 === '') return { why: `${a.filename} has no locked sha256`, assumed };
    const from = a.index ?? node.source?.location;
    if (from === undefined) {
      if (check === undefined) return { why: `the lock does not say which index ${a.filename} comes from`, assumed };
      assumed.push(a.filename);
    } else if (indexKeyOf(from, keys) !== party.indexKey) return { why: `${a.filename} comes from ${from}, not ${party.index}`, assumed };
    const refused = check?.refusal(node, a, party);
    if (refused !== undefined) return { why: refused, assumed };
  }
  return { why: undefined, assumed };
}
