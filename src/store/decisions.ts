// The durable log of the gated index's decisions (src/server): which file, for which client, with
// which verdict and why, in which mode. It lives beside the statement store (same SQLite file, same
// PostgreSQL schema) in tables of its own, with its own migration record, so the statement store's
// schema and this log evolve apart. It also answers the server's freshness question: "have the
// statements changed since I last looked?" (a generation that moves with every stored statement).

import { join, resolve } from 'node:path';
import { PyvouchError } from '../errors.js';
import { DEFAULT_STORE_FILE } from './open.js';

/** Policy verdict of the file's release; `error` when no verdict could be reached. */
export type DecisionVerdict = 'pass' | 'fail' | 'exempt' | 'error';

/**
 * What the server did: served the file, refused its download (403), hid it from the project page,
 * served it although it fails (audit mode), or could not serve it (upstream or integrity error).
 */
export type DecisionAction = 'serve' | 'refuse' | 'hide' | 'audit' | 'error';

export type ServeMode = 'filter' | 'deny' | 'audit';

export const DECISION_VERDICTS: readonly DecisionVerdict[] = ['pass', 'fail', 'exempt', 'error'];
export const DECISION_ACTIONS: readonly DecisionAction[] = ['serve', 'refuse', 'hide', 'audit', 'error'];
export const SERVE_MODES: readonly ServeMode[] = ['filter', 'deny', 'audit'];

export interface DecisionRecord {
  /** ISO 8601 UTC. */
  time: string;
  /** The client's address as the server saw it. */
  client: string;
  /** Canonical project name. */
  project: string;
  filename: string;
  version: string;
  /** The sha256 upstream states for the file; null when it states none. */
  sha256: string | null;
  verdict: DecisionVerdict;
  action: DecisionAction;
  mode: ServeMode;
  /** Why, one sentence each (the policy's missing items, or the error). */
  reasons: string[];
}

export interface StoredDecision extends DecisionRecord {
  /** Increasing with insertion order; `before` pages on it. */
  id: number;
}

export interface DecisionQuery {
  /** Most entries returned (default 100, at most 10 000). */
  limit?: number;
  project?: string;
  verdict?: DecisionVerdict;
  action?: DecisionAction;
  /** Only entries with a smaller id (for paging back from the newest). */
  before?: number;
}

/** A subscription to statement changes made by any process (PostgreSQL LISTEN). */
export interface StatementWatch {
  /** False while the subscription is down: changes may then go unnoticed, so callers must poll. */
  readonly healthy: boolean;
  close(): Promise<void>;
}

/** A file as the gated index lists it, for its first-seen time. */
export interface SeenFile {
  /** Canonical project name. */
  project: string;
  filename: string;
  /** Lower-case hex, as upstream states it. */
  sha256: string;
}

/** The key of a SeenFile in firstSeen's answer. */
export function seenKey(f: SeenFile): string {
  return `${f.project}\u0000${f.filename}\u0000${f.sha256}`;
}

export interface DecisionLog {
  readonly location: string;
  /**
   * When the gated index first saw each file (issue 15: the release-age cooldown's clock for an
   * upstream that states no PEP 700 upload-time). Files never seen before are recorded as seen
   * at `now`; an earlier record is never moved. Answers ISO 8601 UTC times by seenKey.
   */
  firstSeen?(files: readonly SeenFile[], now: Date): Promise<Map<string, string>>;
  /** Stores the entries in one transaction; resolved means durable. */
  record(entries: readonly DecisionRecord[]): Promise<void>;
  /** Newest first. */
  query(query?: DecisionQuery): Promise<StoredDecision[]>;
  /**
   * A token that changes whenever a statement is stored by any process (and only moves forward).
   * Equal tokens mean the statement store holds the same statements.
   */
  statementGeneration(): Promise<string>;
  /**
   * Calls `listener` with the new generation soon after any process stores statements, and with
   * undefined when the subscription was lost and restored (anything may have changed meanwhile).
   * Only stores shared between machines offer it; a local file is cheap to poll instead.
   */
  watchStatements?(listener: (generation: string | undefined) => void): Promise<StatementWatch>;
  close(): Promise<void>;
}

export const DEFAULT_QUERY_LIMIT = 100;
export const MAX_QUERY_LIMIT = 10_000;

/** The limit a query asks for, checked. */
export function queryLimit(query: DecisionQuery): number {
  const limit = query.limit ?? DEFAULT_QUERY_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw new PyvouchError('USAGE', `a decision log query takes a limit from 1 to ${MAX_QUERY_LIMIT}, got ${String(limit)}`, {
      help: 'pass --limit N with N from 1 to 10000',
    });
  }
  return limit;
}

/**
 * Opens the decision log that lives with the statement store named by `spec` (see openStore): a
 * postgres:// URL, or a SQLite file (by default `<defaultDir>/pyvouch.db`). Open the statement store
 * first: a fresh SQLite file must be claimed by the statement store, which refuses files that
 * already hold another program's tables.
 */
export async function openDecisionLog(spec: string | undefined, defaultDir: string): Promise<DecisionLog> {
  if (spec === undefined || spec.trim() === '') {
    return (await import('./decisions-sqlite.js')).openSqliteDecisionLog(resolve(join(defaultDir, DEFAULT_STORE_FILE)));
  }
  if (/^postgres(ql)?:\/\//i.test(spec)) return (await import('./decisions-postgres.js')).openPostgresDecisionLog(spec);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(spec)) {
    throw new PyvouchError('STORE', `unsupported store URL scheme in '${spec.replace(/:[^:@/]*@/, ':***@')}'`, {
      help: 'use a postgres:// URL or the path of a SQLite file',
    });
  }
  return (await import('./decisions-sqlite.js')).openSqliteDecisionLog(resolve(spec));
}

/** Reasons are stored as a JSON array; anything else read back becomes one reason. */
export function decodeReasons(text: string): string[] {
  try {
    const value = JSON.parse(text) as unknown;
    if (Array.isArray(value) && value.every((v) => typeof v === 'string')) return value;
  } catch {
    // fall through
  }
  return [text];
}
