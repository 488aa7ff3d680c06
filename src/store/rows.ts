// How a stored statement maps onto the rows both backends keep. Reading back goes through
// verified.ts: the envelope is what counts; the `statement` column only stands in for decoding it
// where the verified cache vouches for the two together.

import type { Statement, StoredStatement } from '../attest/types.js';
import { PyvouchError } from '../errors.js';
import type { PutResult, StatementQuery } from './store.js';
import type { RowReceipt, RowVerifier } from './verified.js';

/** The indexed columns and JSON texts of one statement. Times are as the statement gives them. */
export interface StatementRow {
  id: string;
  kind: string;
  predicateType: string;
  agent: string;
  packageName: string | null;
  packageVersion: string | null;
  startTime: string;
  endTime: string | null;
  envelope: string;
  statement: string;
  /** Where pyvouch first received it (set by pyvouch; `local` when the caller says nothing). */
  sourceKind: string;
  sourceName: string | null;
}

export interface TrustEdgeRow {
  agent: string;
  subject: string;
  relation: 'trust' | 'rotate';
  level: string | null;
}

export function statementRow({ statement, envelope }: StoredStatement): StatementRow {
  return {
    id: statement.id,
    kind: statement.kind,
    predicateType: statement.predicateType,
    agent: statement.agent,
    packageName: statement.package?.name ?? null,
    packageVersion: statement.package?.version ?? null,
    startTime: statement.startTime,
    endTime: statement.endTime ?? null,
    envelope: JSON.stringify(envelope),
    // For people reading the database, and for reads once the verified cache has vouched for this
    // column together with the envelope (verified.ts). The receipt fields are columns of their
    // own, so they are left out of it.
    statement: JSON.stringify({ ...statement, receivedAt: undefined, source: undefined }),
    sourceKind: statement.source?.kind ?? 'local',
    sourceName: statement.source?.name ?? null,
  };
}

/** A statement's subjects without repeats: the subjects table has no key to absorb them. */
export function distinctSubjects(statement: Statement): Statement['subjects'] {
  const seen = new Set<string>();
  return statement.subjects.filter((s) => {
    const key = `${s.sha256}\0${s.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** The trust-graph edge a trust or rotation statement draws, if it draws one. */
export function trustEdge(statement: Statement): TrustEdgeRow | undefined {
  if (statement.kind === 'trust' && statement.trust !== undefined) {
    return { agent: statement.agent, subject: statement.trust.subject, relation: 'trust', level: statement.trust.level };
  }
  if (statement.kind === 'rotate' && statement.rotation !== undefined) {
    return { agent: statement.agent, subject: statement.rotation.to, relation: 'rotate', level: null };
  }
  return undefined;
}

/**
 * Puts rows in id order. Used where a query returns thousands of rows: the databases would sort
 * the wide rows themselves (PostgreSQL spills them to disk), while sorting them here costs next to
 * nothing.
 */
export function sortedById<R extends { id: string }>(rows: readonly R[]): R[] {
  return [...rows].sort(byId);
}

/** Order by `id`, UTF-16 code units (as the stores' queries order them). */
export function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Every row of a store in id order, read a page at a time by keyset (the rows after the last id
 * read) and checked by `verifier` (a row whose envelope fails is left out, and recorded by it).
 * Keyset pages rather than one open cursor (SQLite) or a server-side cursor (PostgreSQL): no
 * connection is held busy while the consumer works, so it may write to the store between pages,
 * and a slow consumer cannot keep a transaction open.
 */
export async function* keysetPages(
  verifier: RowVerifier,
  pageSize: number,
  readPage: (after: string, size: number) => readonly RowReceipt[] | Promise<readonly RowReceipt[]>,
): AsyncIterable<StoredStatement> {
  let after = '';
  for (;;) {
    const rows = await readPage(after, pageSize);
    for (const row of rows) {
      const stored = verifier.read(row);
      if (stored !== undefined) yield stored;
    }
    const last = rows.at(-1);
    if (last === undefined || rows.length < pageSize) return;
    after = last.id;
  }
}

/**
 * Splits a batch into the first occurrence of each id (what goes to the database) and reports,
 * once the database said which of those were new, every input in input order as inserted or
 * duplicate. A repeat inside the batch counts as a duplicate of its first occurrence.
 */
export function dedupeBatch(batch: readonly StoredStatement[]): {
  unique: StoredStatement[];
  result(newIds: ReadonlySet<string>): PutResult;
} {
  const seen = new Set<string>();
  const unique: StoredStatement[] = [];
  for (const s of batch) {
    if (!seen.has(s.statement.id)) {
      seen.add(s.statement.id);
      unique.push(s);
    }
  }
  return {
    unique,
    result(newIds) {
      const inserted: string[] = [];
      const duplicates: string[] = [];
      const reported = new Set<string>();
      for (const s of batch) {
        const id = s.statement.id;
        if (newIds.has(id) && !reported.has(id)) inserted.push(id);
        else duplicates.push(id);
        reported.add(id);
      }
      return { inserted, duplicates };
    },
  };
}

/** Refuses a query both backends would answer in a surprising way: a version names no release alone. */
export function checkQuery(query: StatementQuery): void {
  if (query.version !== undefined && query.name === undefined) {
    throw new PyvouchError('USAGE', `a statement query for version '${query.version}' needs a package name too`);
  }
}

/** Why a batch failed, in the words both backends use: the store is unchanged. */
export function batchError(location: string, size: number, err: unknown): PyvouchError {
  const reason = err instanceof Error ? err.message : String(err);
  return new PyvouchError(
    'STORE',
    `could not store a batch of ${size} statement${size === 1 ? '' : 's'} in ${location}; none of the batch was stored: ${reason}`,
    { file: location, cause: err },
  );
}
