// The storage interface. Two implementations stand behind it: an embedded SQLite store (the
// default, no server) and PostgreSQL (for teams). Both pass the same behavioural suite
// (test/store/suite.ts). Envelopes are verified on import, and again on every read (what counts is
// what the signature covers, not a column someone may have edited: see verified.ts).

import type { StoredStatement, Statement } from '../attest/types.js';
import type { StoreRejection } from './verified.js';

export interface PutResult {
  /** Ids newly stored. */
  inserted: string[];
  /** Ids that were already present (deduplicated by id). */
  duplicates: string[];
}

export interface StatementQuery {
  /** Canonical package name. */
  name?: string;
  /** Normalised version (needs `name`). */
  version?: string;
  /** sha256 of an artifact named in a subject. */
  sha256?: string;
  agent?: string;
  kind?: Statement['kind'];
}

export interface StatementStore {
  /** Where the store lives, for messages (a file path or a redacted postgres URL). */
  readonly location: string;
  /**
   * Stores a batch of already-verified statements in one transaction: after a crash either all
   * of the batch is stored or none of it. Statements already present are reported, not duplicated.
   */
  put(statements: readonly StoredStatement[]): Promise<PutResult>;
  /**
   * Statements come back with `receivedAt` (when this store first stored them) and `source` (where
   * that first copy came from: the `source` given to put, else `local`).
   */
  get(id: string): Promise<StoredStatement | undefined>;
  /** Statements matching every field given; all statements for an empty query. Ordered by id. */
  find(query: StatementQuery): Promise<StoredStatement[]>;
  /** Every statement about any of these packages (canonical names), for policy evaluation. */
  forPackages(names: readonly string[]): Promise<StoredStatement[]>;
  /**
   * forPackages' statements without their envelopes, verified alike, for a store that can read
   * them cheaper so (SQLite); callers fall back to forPackages (see packageStatements).
   */
  statementsForPackages?(names: readonly string[]): Promise<Statement[]>;
  /** Trust and rotation statements whose agent is `agent`. */
  trustFrom(agent: string): Promise<StoredStatement[]>;
  /** Every trust, rotation and retract statement (small; policy walks them in memory). */
  trustStatements(): Promise<StoredStatement[]>;
  /** Every stored statement, in id order, streamed. */
  all(): AsyncIterable<StoredStatement>;
  count(): Promise<number>;
  /**
   * Rows read since the store was opened whose envelope does not verify: they were left out of
   * every answer, and the caller should say so.
   */
  rejected(): StoreRejection[];
  close(): Promise<void>;
}

/** Every statement about any of these packages, without the envelopes where the store can. */
export async function packageStatements(store: StatementStore, names: readonly string[]): Promise<Statement[]> {
  if (store.statementsForPackages !== undefined) return store.statementsForPackages(names);
  return (await store.forPackages(names)).map((s) => s.statement);
}
