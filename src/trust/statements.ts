// Indexes decoded statements for policy evaluation: package statements by name and version, trust
// and rotation statements apart, times parsed once, signers interned to small integers. Index once,
// evaluate many times: evaluation then scans compact arrays and only touches the statements of
// identities the policy trusts.

import type { Statement } from '../attest/types.js';
import { Version } from '../pep/version.js';
import { cmp } from './order.js';

/** A statement with its times parsed. */
export interface IndexedStatement {
  readonly statement: Statement;
  /** Epoch ms of startTime; NaN when unparseable (such a statement never counts). */
  readonly start: number;
  /** Epoch ms of endTime; Infinity when none; NaN when unparseable. */
  readonly end: number;
  /** Epoch ms of receivedAt (set by pyvouch); NaN when unknown. */
  readonly received: number;
}

/** The statements about one release, ordered by id, with their signers and times side by side. */
export interface StatementBucket {
  readonly statements: readonly Statement[];
  /** Interned signer of each statement (see StatementIndex.agentIds). */
  readonly agents: Int32Array;
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  /** Epoch ms of receivedAt; NaN when unknown. */
  readonly received: Float64Array;
  /** Subjects of statement i are digests[digestStart[i] .. digestStart[i+1]) (lower-case sha256s). */
  readonly digestStart: Int32Array;
  readonly digests: readonly string[];
}

export interface StatementIndex {
  readonly kind: 'pyvouch.statement-index';
  /**
   * name -> version key (see versionKey: PEP 440 equality, so 1.0 and 1.0.0 share one) ->
   * statements. Buckets are built on first access (see indexStatements).
   */
  readonly packages: ReadonlyMap<string, ReadonlyMap<string, StatementBucket>>;
  /** name -> version key -> the version as the first statement about it wrote it. */
  readonly versions: ReadonlyMap<string, ReadonlyMap<string, string>>;
  /** Trust and rotation statements, ordered by id. */
  readonly trust: readonly IndexedStatement[];
  /** Statement id -> the retract statements that name it. */
  readonly retractions: ReadonlyMap<string, readonly IndexedStatement[]>;
  /** name -> flags that name a version range (`finding.affected`); they are in no bucket. */
  readonly rangeFlags: ReadonlyMap<string, readonly IndexedStatement[]>;
  /** Signer identity -> its number in bucket `agents`. Complete from the start. */
  readonly agentIds: ReadonlyMap<string, number>;
  /** Distinct statements indexed. */
  readonly size: number;
}

export function isStatementIndex(x: readonly Statement[] | StatementIndex): x is StatementIndex {
  return !Array.isArray(x) && (x as StatementIndex).kind === 'pyvouch.statement-index';
}

/**
 * A release's statements, kept as a plain list until evaluation asks for them. A feed holds far
 * more releases than one lock file has, and building the typed arrays of every bucket up front
 * cost more than evaluating the graph (1M statements: seconds of allocation and GC).
 */
// Only get, has, keys and size are meaningful: the rest of Map sees the built buckets alone.
class LazyVersions extends Map<string, StatementBucket> {
  private readonly pending = new Map<string, Statement[]>();
  constructor(
    private readonly agentIds: ReadonlyMap<string, number>,
    private readonly times: TimeMemo,
    private readonly arena: Arena,
  ) {
    super();
  }

  /** keys(), sorted once: the keys do not change once indexing is done. */
  private sortedKeys: string[] | undefined;

  add(version: string, statement: Statement): void {
    this.sortedKeys = undefined;
    let list = this.pending.get(version);
    if (list === undefined) this.pending.set(version, (list = []));
    list.push(statement);
  }

  override get(version: string): StatementBucket | undefined {
    const built = super.get(version);
    if (built !== undefined) return built;
    const list = this.pending.get(version);
    if (list === undefined) return undefined;
    const bucket = buildBucket(list, this.agentIds, this.times, this.arena);
    this.pending.delete(version);
    this.pendingDigests.delete(version);
    super.set(version, bucket);
    return bucket;
  }

  /** Lower-case subject digests of the plain lists, made once each (see releaseNaming). */
  private readonly pendingDigests = new Map<string, { digests: string[]; start: Int32Array }>();

  /**
   * The statements of a bucket not built yet (in no order) with their lower-case subject digests
   * (statement i's are digests[start[i] .. start[i+1])), or undefined once the bucket is built.
   */
  unbuilt(version: string): { statements: readonly Statement[]; digests: readonly string[]; start: Int32Array } | undefined {
    const statements = this.pending.get(version);
    if (statements === undefined) return undefined;
    let d = this.pendingDigests.get(version);
    if (d === undefined) {
      d = { digests: [], start: this.arena.ints(statements.length + 1) };
      for (let i = 0; i < statements.length; i++) {
        d.start[i] = d.digests.length;
        for (const sub of statements[i]!.subjects) d.digests.push(lowerHex(sub.sha256));
      }
      d.start[statements.length] = d.digests.length;
      this.pendingDigests.set(version, d);
    }
    return { statements, digests: d.digests, start: d.start };
  }

  override has(version: string): boolean {
    return super.has(version) || this.pending.has(version);
  }

  override keys(): MapIterator<string> {
    // Building a bucket moves its key from pending to the built ones: the union stays the same.
    return (this.sortedKeys ??= [...super.keys(), ...this.pending.keys()].sort())[Symbol.iterator]();
  }

  override get size(): number {
    return super.size + this.pending.size;
  }
}

function buildBucket(list: Statement[], agentIds: ReadonlyMap<string, number>, times: TimeMemo, arena: Arena): StatementBucket {
  // Statements read from a store come in id order already: checking costs one pass, sorting more.
  if (!inIdOrder(list)) list.sort(byId);
  const n = list.length;
  const agents = arena.ints(n);
  const starts = arena.floats(n);
  const ends = arena.floats(n);
  const received = arena.floats(n);
  const digestStart = arena.ints(n + 1);
  const digests: string[] = [];
  for (let i = 0; i < n; i++) {
    const s = list[i]!;
    agents[i] = agentIds.get(s.agent)!;
    starts[i] = times.parse(s.startTime);
    ends[i] = s.endTime === undefined ? Infinity : times.parse(s.endTime);
    received[i] = s.receivedAt === undefined ? Number.NaN : times.parse(s.receivedAt);
    digestStart[i] = digests.length;
    // Kept as strings: a lock names a release's few files, compared against these directly
    // (interning every subject of every release looked at cost more than the comparisons).
    for (const sub of s.subjects) digests.push(lowerHex(sub.sha256));
  }
  digestStart[n] = digests.length;
  return { statements: list, agents, starts, ends, received, digestStart, digests };
}

const byId = (a: Statement, b: Statement): number => cmp(a.id, b.id);

/**
 * The typed columns of an index's buckets, cut from shared blocks: a typed array of its own per
 * column of each bucket (thousands of buckets of a few statements) cost a memory allocation
 * outside the heap each, and more to collect than the bucket's evaluation.
 */
class Arena {
  private static readonly BLOCK = 1 << 14;
  private f64 = new Float64Array(0);
  private f64Used = 0;
  private i32 = new Int32Array(0);
  private i32Used = 0;

  floats(n: number): Float64Array {
    if (this.f64Used + n > this.f64.length) {
      this.f64 = new Float64Array(Math.max(Arena.BLOCK, n));
      this.f64Used = 0;
    }
    const view = this.f64.subarray(this.f64Used, this.f64Used + n);
    this.f64Used += n;
    return view;
  }

  ints(n: number): Int32Array {
    if (this.i32Used + n > this.i32.length) {
      this.i32 = new Int32Array(Math.max(Arena.BLOCK, n));
      this.i32Used = 0;
    }
    const view = this.i32.subarray(this.i32Used, this.i32Used + n);
    this.i32Used += n;
    return view;
  }
}

/**
 * The statements about release `key` of a package that name one of `shas` (distinct lower-case
 * sha256s), in id order: from its bucket, or, when that is not built yet, from its plain list
 * without building it. Evaluation asks this of every other release of a locked package, and
 * building all their buckets only to find that none names a locked file was most of the cost.
 */
export function releaseNaming(
  versions: ReadonlyMap<string, StatementBucket>,
  key: string,
  shas: readonly string[],
): { bucket: StatementBucket } | { statements: Statement[] } {
  const pending = versions instanceof LazyVersions ? versions.unbuilt(key) : undefined;
  if (pending === undefined) return { bucket: versions.get(key)! };
  const statements: Statement[] = [];
  const { digests, start } = pending;
  for (let i = 0; i < pending.statements.length; i++) {
    for (let d = start[i]!; d < start[i + 1]!; d++) {
      if (shas.includes(digests[d]!)) {
        statements.push(pending.statements[i]!);
        break;
      }
    }
  }
  return { statements: statements.sort(byId) };
}

/** A statement with its times parsed, outside any bucket. */
export function indexedStatement(statement: Statement): IndexedStatement {
  return indexed(statement, new TimeMemo());
}

function inIdOrder(list: readonly Statement[]): boolean {
  for (let i = 1; i < list.length; i++) if (list[i - 1]!.id > list[i]!.id) return false;
  return true;
}

const UPPER = /[A-Z]/;

/** `hex` in lower case (most already are: lower-casing them all allocated a string each). */
function lowerHex(hex: string): string {
  return UPPER.test(hex) ? hex.toLowerCase() : hex;
}

/**
 * Date.parse of the time texts of one index, each distinct text parsed once: a feed's statements
 * share few start times, and the rows of one import one receipt time.
 */
class TimeMemo {
  private readonly ms = new Map<string, number>();

  parse(text: string): number {
    let ms = this.ms.get(text);
    if (ms === undefined) {
      ms = Date.parse(text);
      // A memo that grows without bound is a leak for a long-lived index; past this size, parse.
      if (this.ms.size < 65_536) this.ms.set(text, ms);
    }
    return ms;
  }
}

export function indexStatements(statements: readonly Statement[]): StatementIndex {
  const agentIds = new Map<string, number>();
  const times = new TimeMemo();
  const arena = new Arena();
  const packages = new Map<string, LazyVersions>();
  const versions = new Map<string, Map<string, string>>();
  const trust: IndexedStatement[] = [];
  const retractions = new Map<string, IndexedStatement[]>();
  const rangeFlags = new Map<string, IndexedStatement[]>();
  const seen = new Set<string>();
  const keys = new Map<string, string>();
  for (const statement of statements) {
    // The same statement may arrive from two feeds; counting it twice would double its weight.
    if (seen.has(statement.id)) continue;
    seen.add(statement.id);
    // Every signer is numbered now, so tables sized by agentIds cover every bucket built later.
    if (!agentIds.has(statement.agent)) agentIds.set(statement.agent, agentIds.size);
    if (statement.kind === 'trust' || statement.kind === 'rotate') {
      trust.push(indexed(statement, times));
      continue;
    }
    if (statement.kind === 'retract') {
      const e = indexed(statement, times);
      for (const target of statement.retracts ?? []) {
        let list = retractions.get(target);
        if (list === undefined) retractions.set(target, (list = []));
        list.push(e);
      }
      continue;
    }
    const pkg = statement.package;
    if (pkg === undefined) continue;
    if (statement.kind === 'flag' && statement.finding?.affected !== undefined) {
      let list = rangeFlags.get(pkg.name);
      if (list === undefined) rangeFlags.set(pkg.name, (list = []));
      list.push(indexed(statement, times));
      continue;
    }
    let key = keys.get(pkg.version);
    if (key === undefined) keys.set(pkg.version, (key = versionKey(pkg.version)));
    let byVersion = packages.get(pkg.name);
    if (byVersion === undefined) {
      packages.set(pkg.name, (byVersion = new LazyVersions(agentIds, times, arena)));
      versions.set(pkg.name, new Map());
    }
    byVersion.add(key, statement);
    const shown = versions.get(pkg.name)!;
    if (!shown.has(key)) shown.set(key, pkg.version);
  }
  trust.sort((a, b) => cmp(a.statement.id, b.statement.id));
  return { kind: 'pyvouch.statement-index', packages, versions, trust, retractions, rangeFlags, agentIds, size: seen.size };
}

/**
 * The key under which PEP 440 equal versions meet: the normalised version with trailing zero
 * release components dropped (`1.0.0` and `1.0` are both `1`; `1.0+local` is `1+local`).
 * Strings that are not PEP 440 versions are their own key.
 */
export function versionKey(version: string): string {
  let key = versionKeys.get(version);
  if (key === undefined) {
    key = computeVersionKey(version);
    // Bounded, for long-lived processes (the server): past the limit it starts over.
    if (versionKeys.size >= 65_536) versionKeys.clear();
    versionKeys.set(version, key);
  }
  return key;
}

/** versionKey by version text: a lock's versions are asked for at every step of an evaluation. */
const versionKeys = new Map<string, string>();

function computeVersionKey(version: string): string {
  const v = Version.tryParse(version);
  if (v === null) return version;
  const m = /^((?:\d+!)?)(\d+(?:\.\d+)*)(.*)$/s.exec(v.toString());
  if (m === null) return v.toString();
  const release = m[2]!.replace(/(?:\.0+)+$/, '');
  return `${m[1]!}${release}${m[3]!}`;
}

function indexed(statement: Statement, times: TimeMemo): IndexedStatement {
  return {
    statement,
    start: times.parse(statement.startTime),
    end: statement.endTime === undefined ? Infinity : times.parse(statement.endTime),
    received: statement.receivedAt === undefined ? Number.NaN : times.parse(statement.receivedAt),
  };
}

export type TimeProblem = 'invalid-time' | 'not-yet-valid' | 'expired' | 'too-old';

/** Why a statement valid from `start` to `end` does not count at `now`, or undefined when it does. */
export function timeProblem(start: number, end: number, now: number, maxAge: number | undefined): TimeProblem | undefined {
  if (Number.isNaN(start) || Number.isNaN(end)) return 'invalid-time';
  if (start > now) return 'not-yet-valid';
  if (end <= now) return 'expired';
  if (maxAge !== undefined && now - start > maxAge) return 'too-old';
  return undefined;
}
