// What one evaluation shares across its nodes and steps: the policy, the indexed statements, the
// clock, the trust webs per criteria (built once), and memos; plus the two ways a step records what
// it found (a statement set aside with its reason, an identity through which a party vouched).
// Each step of a node's evaluation is a module of its own beside this one (see ../evaluate.ts).

import type { Statement } from '../../attest/types.js';
import type { GraphNode } from '../../graph/graph.js';
import { SpecifierSet } from '../../pep/specifier.js';
import { baselineVersions } from '../adopt.js';
import type { CooldownInputs } from '../cooldown.js';
import { CriteriaTable, criteriaKey } from '../criteria.js';
import type { EvaluateOptions, IndexCheck } from '../evaluate.js';
import { isStatementParty, type Level, type Policy, type RequiredRule } from '../policy.js';
import { shortIdentity, type Contribution, type Missing, type Note, type Overridden, type SetAside, type SetAsideReason } from '../report.js';
import { versionKey, type IndexedStatement, type StatementIndex } from '../statements.js';
import { buildTrustWeb, type TrustEntry, type TrustRoute, type TrustWeb } from '../web.js';

export const EPSILON = 1e-9;

export type Rejected = NonNullable<EvaluateOptions['rejected']>[number];

/** One statement about the node, with its times. */
export interface Item extends IndexedStatement {
  /** How many of the node's locked files it names by sha256. */
  named: number;
}

/** A statement whose signer the web knows, after screening. */
export interface Usable {
  item: Item;
  entry: TrustEntry;
  /** Counted without naming every locked file (require-hash-binding = false). */
  unbound: boolean;
}

/** What gather collects: statements by identities of the web, and those from a source. */
export interface Gathered {
  web: { item: Item; entry: TrustEntry }[];
  source: Item[];
  /** Ids taken, kept when a rejected statement may repeat one of them. */
  seen: Set<string> | undefined;
}

/** What the node needs, fixed before its statements are looked at. */
export interface NodeContext {
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
export interface NodeState {
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

export interface Flag {
  item: Item;
  /** The best route of the flagger (identity statements) or the source party that carries it. */
  party: string;
  agent: string;
  weight: number;
  /** Every party the flagger is a direct member of. */
  memberOf: readonly string[];
}

export interface Option {
  u: Usable;
  level: Exclude<Level, { kind: 'voted' }>;
  levelIndex: number;
  route: TrustRoute;
  weight: number;
  delta?: { from: string; chain: string[] };
}

export interface DeltaTrust {
  chain?: string[];
  weight: number;
  /** Why it fails, when it does. */
  why?: string;
}

export class EvaluationRun {
  readonly table: CriteriaTable;
  readonly rejected = new Map<string, Map<string, Rejected[]>>();
  /** Per party: the most a direct member can add (its weight in the best level accepting it). */
  readonly memberCap = new Map<string, number>();
  readonly deltaMemo = new Map<string, DeltaTrust>();
  /** normalizeIndexUrl of the index URLs the lock names. */
  readonly indexKeys = new Map<string, string>();
  private readonly webs = new Map<string, TrustWeb>();
  private readonly rangeMemo = new Map<string, SpecifierSet | null>();
  // The web by interned signer number, so a bucket's statements are screened by integer lookups.
  private readonly byAgent = new Map<TrustWeb, (TrustEntry | undefined)[]>();
  /** shortIdentity of each identity named in a message that is no signer of the index. */
  private readonly shortNames = new Map<string, string>();
  private readonly baselineMemo = new Map<string, string[]>();
  /** The index's signers by number and their short forms, kept with the index (see signersOf). */
  private readonly signers: Signers;
  private readonly removedByAgent = new Map<TrustWeb, ({ by: string; statement: string } | undefined)[]>();

  constructor(
    readonly policy: Policy,
    readonly index: StatementIndex,
    readonly now: number,
    rejected: NonNullable<EvaluateOptions['rejected']>,
    readonly cooldown: CooldownInputs = {},
    readonly indexCheck: IndexCheck | undefined = undefined,
  ) {
    this.table = new CriteriaTable(policy.criteriaDefinitions);
    this.signers = signersOf(index);
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

  /** The web of trust for `criteria`, built once per distinct set of criteria. */
  web(criteria: readonly string[]): TrustWeb {
    const key = criteriaKey(criteria);
    let web = this.webs.get(key);
    if (web === undefined) {
      web = buildTrustWeb(this.policy, this.index, criteria, this.table, this.now);
      this.webs.set(key, web);
    }
    return web;
  }

  /** `web`'s entries by interned signer number (StatementIndex.agentIds). */
  agentTable(web: TrustWeb): (TrustEntry | undefined)[] {
    return this.#byNumber(this.byAgent, web, web.entries);
  }

  /** The signer identity interned as `n`. */
  agentName(n: number): string {
    return (this.signers.names ??= signerNames(this.index))[n]!;
  }

  /** shortIdentity of the signer interned as `n`. */
  shortAgent(n: number): string {
    return (this.signers.shorts[n] ??= shortIdentity(this.agentName(n)));
  }

  /** `web.removed` by interned signer number. */
  removedTable(web: TrustWeb): ({ by: string; statement: string } | undefined)[] {
    return this.#byNumber(this.removedByAgent, web, web.removed);
  }

  /** `source` (keyed by identity) as an array by interned signer number, made once per web. */
  #byNumber<V>(cache: Map<TrustWeb, (V | undefined)[]>, web: TrustWeb, source: ReadonlyMap<string, V>): (V | undefined)[] {
    let table = cache.get(web);
    if (table === undefined) {
      table = new Array<V | undefined>(this.index.agentIds.size);
      for (const [identity, value] of source) {
        const n = this.index.agentIds.get(identity);
        if (n !== undefined) table[n] = value;
      }
      cache.set(web, table);
    }
    return table;
  }

  short(identity: string): string {
    const n = this.index.agentIds.get(identity);
    if (n !== undefined) return this.shortAgent(n);
    let short = this.shortNames.get(identity);
    if (short === undefined) this.shortNames.set(identity, (short = shortIdentity(identity)));
    return short;
  }

  /** Whether a flag's range (`finding.affected`) holds `version`; an unreadable range holds every one. */
  inRange(s: Statement, version: string): boolean {
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

  /** The versions of `name` that a baseline exemption (pyvouch init) stands for. */
  baselined(name: string): string[] {
    let v = this.baselineMemo.get(name);
    if (v === undefined) this.baselineMemo.set(name, (v = baselineVersions(this.policy, name, undefined, this.now)));
    return v;
  }
}

/**
 * An index's signers by interned number and their short forms. They depend on the index alone, so
 * they are kept with it: evaluating again (the server, the benchmark) does not redo them for the
 * thousands of signers of a shared feed.
 */
interface Signers {
  names: string[] | undefined;
  shorts: (string | undefined)[];
}

const signersByIndex = new WeakMap<StatementIndex, Signers>();

function signersOf(index: StatementIndex): Signers {
  let signers = signersByIndex.get(index);
  if (signers === undefined) signersByIndex.set(index, (signers = { names: undefined, shorts: [] }));
  return signers;
}

function signerNames(index: StatementIndex): string[] {
  const names = new Array<string>(index.agentIds.size);
  for (const [identity, i] of index.agentIds) names[i] = identity;
  return names;
}

/**
 * Sorts `list` in place, as Array.prototype.sort would (stable), by insertion when it is short:
 * an evaluation sorts a few short lists per node and identity, and the built-in sort allocates a
 * work copy of each (a tenth of what an evaluation allocated).
 */
export function sortSmall<T>(list: T[], compare: (a: T, b: T) => number): T[] {
  if (list.length > 16) return list.sort(compare);
  for (let i = 1; i < list.length; i++) {
    const x = list[i]!;
    let j = i - 1;
    while (j >= 0 && compare(list[j]!, x) > 0) {
      list[j + 1] = list[j]!;
      j--;
    }
    list[j + 1] = x;
  }
  return list;
}

/** Records that `name` (a party or level) vouched through `identity`. */
export function vouch(state: NodeState, name: string, identity: string): void {
  let set = state.vouchers.get(name);
  if (set === undefined) state.vouchers.set(name, (set = new Set()));
  set.add(identity);
}

/** Records a statement that does not count for the node, with its reason. */
export function setAside(state: NodeState, s: Pick<Statement, 'id' | 'agent' | 'kind'>, reason: SetAsideReason, message: string, by?: string): void {
  state.setAside.push(
    by === undefined ? { statement: s.id, agent: s.agent, kind: s.kind, reason, message } : { statement: s.id, agent: s.agent, kind: s.kind, reason, by, message },
  );
}
