// Indexes decoded statements for policy evaluation: package statements by name and version, trust
// and rotation statements apart, times parsed once, signers interned to small integers. Index once,
// evaluate many times: evaluation then scans compact arrays and only touches the statements of
// identities the policy trusts.

import type { Statement } from '../attest/types.js';

/** A statement with its times parsed. */
export interface IndexedStatement {
  readonly statement: Statement;
  /** Epoch ms of startTime; NaN when unparseable (such a statement never counts). */
  readonly start: number;
  /** Epoch ms of endTime; Infinity when none; NaN when unparseable. */
  readonly end: number;
}

/** The statements about one release, ordered by id, with their signers and times side by side. */
export interface StatementBucket {
  readonly statements: readonly Statement[];
  /** Interned signer of each statement (see StatementIndex.agentIds). */
  readonly agents: Int32Array;
  readonly starts: Float64Array;
  readonly ends: Float64Array;
  /** Subjects of statement i are digests[digestStart[i] .. digestStart[i+1]) (interned sha256s). */
  readonly digestStart: Int32Array;
  readonly digests: Int32Array;
}

export interface StatementIndex {
  readonly kind: 'pyvouch.statement-index';
  /** name -> version -> statements. */
  readonly packages: ReadonlyMap<string, ReadonlyMap<string, StatementBucket>>;
  /** Trust and rotation statements, ordered by id. */
  readonly trust: readonly IndexedStatement[];
  /** Signer identity -> its number in bucket `agents`. */
  readonly agentIds: ReadonlyMap<string, number>;
  /** Lower-case sha256 -> its number in bucket `digests`. */
  readonly digestIds: ReadonlyMap<string, number>;
  /** Distinct statements indexed. */
  readonly size: number;
}

export function isStatementIndex(x: readonly Statement[] | StatementIndex): x is StatementIndex {
  return !Array.isArray(x) && (x as StatementIndex).kind === 'pyvouch.statement-index';
}

export function indexStatements(statements: readonly Statement[]): StatementIndex {
  const grouped = new Map<string, Map<string, Statement[]>>();
  const trust: IndexedStatement[] = [];
  const seen = new Set<string>();
  for (const statement of statements) {
    // The same statement may arrive from two feeds; counting it twice would double its weight.
    if (seen.has(statement.id)) continue;
    seen.add(statement.id);
    if (statement.kind === 'trust' || statement.kind === 'rotate') {
      trust.push({ statement, start: parseStart(statement), end: parseEnd(statement) });
      continue;
    }
    const pkg = statement.package;
    if (pkg === undefined) continue;
    let versions = grouped.get(pkg.name);
    if (versions === undefined) grouped.set(pkg.name, (versions = new Map()));
    let list = versions.get(pkg.version);
    if (list === undefined) versions.set(pkg.version, (list = []));
    list.push(statement);
  }

  const agentIds = new Map<string, number>();
  const digestIds = new Map<string, number>();
  const packages = new Map<string, Map<string, StatementBucket>>();
  for (const [name, versions] of grouped) {
    const out = new Map<string, StatementBucket>();
    for (const [version, list] of versions) {
      list.sort((a, b) => cmp(a.id, b.id));
      const agents = new Int32Array(list.length);
      const starts = new Float64Array(list.length);
      const ends = new Float64Array(list.length);
      const digestStart = new Int32Array(list.length + 1);
      let subjects = 0;
      for (const s of list) subjects += s.subjects.length;
      const digests = new Int32Array(subjects);
      let d = 0;
      for (let i = 0; i < list.length; i++) {
        const s = list[i]!;
        let id = agentIds.get(s.agent);
        if (id === undefined) agentIds.set(s.agent, (id = agentIds.size));
        agents[i] = id;
        starts[i] = parseStart(s);
        ends[i] = parseEnd(s);
        digestStart[i] = d;
        for (const sub of s.subjects) {
          const hex = sub.sha256.toLowerCase();
          let h = digestIds.get(hex);
          if (h === undefined) digestIds.set(hex, (h = digestIds.size));
          digests[d++] = h;
        }
      }
      digestStart[list.length] = d;
      out.set(version, { statements: list, agents, starts, ends, digestStart, digests });
    }
    packages.set(name, out);
  }
  trust.sort((a, b) => cmp(a.statement.id, b.statement.id));
  return { kind: 'pyvouch.statement-index', packages, trust, agentIds, digestIds, size: seen.size };
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

function parseStart(s: Statement): number {
  return Date.parse(s.startTime);
}

function parseEnd(s: Statement): number {
  return s.endTime === undefined ? Infinity : Date.parse(s.endTime);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
