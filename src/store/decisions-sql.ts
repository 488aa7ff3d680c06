// The decision log's dialect-neutral layer, shared by the SQLite and PostgreSQL logs: the tables'
// DDL from one column list (each dialect names its own types and checks), the query as SQL text
// with the dialect's placeholders, an entry's values in column order, and a row back to a
// StoredDecision. The back ends keep only what really differs: connections, transactions, bulk
// insert, the statement generation.

import {
  DECISION_ACTIONS,
  DECISION_VERDICTS,
  decodeReasons,
  queryLimit,
  SERVE_MODES,
  type DecisionQuery,
  type DecisionRecord,
  type StoredDecision,
} from './decisions.js';

/** What differs between the two SQL dialects in the decision log's SQL. */
export interface SqlDialect {
  /** The n-th (1-based) bound parameter: `?` or `$n`. */
  param(n: number): string;
  types: {
    /** The id column: an increasing integer key. */
    id: string;
    text: string;
    time: string;
    /** The reasons: a JSON array. */
    json: string;
  };
  /** A CHECK that `column` is 64 lower-case hex digits. */
  sha256Check(column: string): string;
  /** After a table's closing parenthesis (SQLite: WITHOUT ROWID for small keyed rows). */
  keyedTableSuffix: string;
}

export const SQLITE_DIALECT: SqlDialect = {
  param: () => '?',
  types: { id: 'INTEGER PRIMARY KEY AUTOINCREMENT', text: 'TEXT', time: 'TEXT', json: 'TEXT' },
  sha256Check: (c) => `length(${c}) = 64 AND ${c} NOT GLOB '*[^0-9a-f]*'`,
  keyedTableSuffix: ' WITHOUT ROWID',
};

export const POSTGRES_DIALECT: SqlDialect = {
  param: (n) => `$${n}`,
  types: { id: 'bigserial PRIMARY KEY', text: 'text', time: 'timestamptz', json: 'jsonb' },
  sha256Check: (c) => `${c} ~ '^[0-9a-f]{64}$'`,
  keyedTableSuffix: '',
};

const oneOf = (column: string, values: readonly string[]): string => `CHECK (${column} IN (${values.map((v) => `'${v}'`).join(',')}))`;

/** The columns of an entry, in the order decisionValues gives them. */
export const DECISION_COLUMNS = ['time', 'client', 'project', 'filename', 'version', 'sha256', 'verdict', 'action', 'mode', 'reasons'] as const;

/** Migration 1's decision table and its indexes; `table` is the (schema-qualified) table name. */
export function decisionTableSql(d: SqlDialect, table: string): string[] {
  const t = d.types;
  return [
    `CREATE TABLE ${table} (
      id ${t.id},
      time ${t.time} NOT NULL,
      client ${t.text} NOT NULL,
      project ${t.text} NOT NULL,
      filename ${t.text} NOT NULL,
      version ${t.text} NOT NULL,
      sha256 ${t.text},
      verdict ${t.text} NOT NULL ${oneOf('verdict', DECISION_VERDICTS)},
      action ${t.text} NOT NULL ${oneOf('action', DECISION_ACTIONS)},
      mode ${t.text} NOT NULL ${oneOf('mode', SERVE_MODES)},
      reasons ${t.json} NOT NULL
    )`,
    `CREATE INDEX decisions_project ON ${table} (project, id)`,
    `CREATE INDEX decisions_verdict ON ${table} (verdict, id)`,
  ];
}

/**
 * Migration 2 (issue 15): the cooldown's clock for files upstream states no upload-time for. One
 * row per listed file (the same bytes under another name are another listing), written once.
 */
export function firstSeenTableSql(d: SqlDialect, table: string): string {
  const t = d.types;
  return `CREATE TABLE ${table} (
      project ${t.text} NOT NULL,
      filename ${t.text} NOT NULL,
      sha256 ${t.text} NOT NULL CHECK (${d.sha256Check('sha256')}),
      first_seen ${t.time} NOT NULL,
      PRIMARY KEY (project, filename, sha256)
    )${d.keyedTableSuffix}`;
}

/** An entry's values in DECISION_COLUMNS order (the reasons as JSON text). */
export function decisionValues(e: DecisionRecord): [string, string, string, string, string, string | null, string, string, string, string] {
  return [e.time, e.client, e.project, e.filename, e.version, e.sha256, e.verdict, e.action, e.mode, JSON.stringify(e.reasons)];
}

/** A query of the log as SQL text in the dialect and its values: newest first, the limit checked. */
export function decisionQuerySql(d: SqlDialect, table: string, query: DecisionQuery): { text: string; values: unknown[] } {
  const limit = queryLimit(query);
  const where: string[] = [];
  const values: unknown[] = [];
  const filters: [column: string, op: string, value: unknown][] = [
    ['project', '=', query.project],
    ['verdict', '=', query.verdict],
    ['action', '=', query.action],
    ['id', '<', query.before],
  ];
  for (const [column, op, value] of filters) {
    if (value === undefined) continue;
    values.push(value);
    where.push(`${column} ${op} ${d.param(values.length)}`);
  }
  values.push(limit);
  const text = `SELECT * FROM ${table}${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${d.param(values.length)}`;
  return { text, values };
}

/**
 * A decision row as either driver returns it: SQLite gives the id as a number, times as ISO text
 * and the reasons as JSON text; pg gives a bigint id as text, a Date and the parsed jsonb.
 */
export type DecisionRow = Omit<StoredDecision, 'id' | 'time' | 'reasons'> & { id: number | string; time: string | Date; reasons: unknown };

export function decisionFromRow(row: DecisionRow): StoredDecision {
  return {
    id: Number(row.id),
    time: row.time instanceof Date ? row.time.toISOString() : row.time,
    client: row.client,
    project: row.project,
    filename: row.filename,
    version: row.version,
    sha256: row.sha256,
    verdict: row.verdict,
    action: row.action,
    mode: row.mode,
    reasons: Array.isArray(row.reasons) ? row.reasons.map(String) : decodeReasons(String(row.reasons)),
  };
}
