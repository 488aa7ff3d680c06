// The PostgreSQL statement store, for teams sharing one store. Everything lives in one schema
// (`?schema=` in the URL, default `pyvouch`), so several stores can share a database.

import pg from 'pg';
import type { StoredStatement } from '../attest/types.js';
import { PyvouchError } from '../errors.js';
import { MIGRATIONS_TABLE, pendingMigrations, postgresMigrations, quoteIdent, type Migration } from './migrations.js';
import {
  batchError,
  checkQuery,
  dedupeBatch,
  distinctSubjects,
  keysetPages,
  sortedById,
  statementRow,
  trustEdge,
} from './rows.js';
import { RowVerifier, type StoreRejection, type VerifiedEnvelopeCache } from './verified.js';
import type { PutResult, StatementQuery, StatementStore } from './store.js';

interface JsonRow {
  id: string;
  envelope: string;
  statement: string;
  receivedAt: Date;
  sourceKind: string;
  sourceName: string | null;
}

export const DEFAULT_SCHEMA = 'pyvouch';
/** Statements per INSERT: big enough to amortise round trips, small enough to bound memory. */
const CHUNK_SIZE = 1000;
const PAGE_SIZE = 1000;
/** Statements inserted through one store after which close() refreshes the planner statistics. */
const ANALYZE_AFTER = 1000;
export const CONNECT_TIMEOUT_MS = 10_000;
// The `statement` column is believed only where the verified cache vouches for it together with
// the envelope; otherwise the envelope is decoded (verified.ts).
const JSON_COLUMNS = 'id, envelope, statement, imported_at AS "receivedAt", source_kind AS "sourceKind", source_name AS "sourceName"';

export interface PostgresTarget {
  /** What pg connects with: the URL without pyvouch's own `schema` parameter. */
  connectionString: string;
  schema: string;
  /** The URL with any password replaced by `***`, for messages. */
  location: string;
  /** `host:port`, for the message when the server cannot be reached. */
  address: string;
}

/** Reads a `postgres://` or `postgresql://` URL; `?schema=name` picks the schema. */
export function parsePostgresUrl(spec: string): PostgresTarget {
  let url: URL;
  try {
    url = new URL(spec);
  } catch (err) {
    throw new PyvouchError('STORE', `invalid PostgreSQL URL '${redactPassword(spec)}'`, {
      cause: err,
      help: 'write it as postgres://user:password@host:5432/database?schema=pyvouch',
    });
  }
  const schema = url.searchParams.get('schema') ?? DEFAULT_SCHEMA;
  quoteIdent(schema);
  url.searchParams.delete('schema');
  const host = url.searchParams.get('host') ?? (url.hostname === '' ? 'localhost' : url.hostname);
  const port = url.searchParams.get('port') ?? (url.port === '' ? '5432' : url.port);
  return { connectionString: url.toString(), schema, location: redactPassword(spec), address: `${host}:${port}` };
}

function redactPassword(spec: string): string {
  return spec.replace(/^([a-z]+:\/\/[^:@/?#]*):[^@/?#]*@/i, '$1:***@');
}

export interface PostgresStoreOptions {
  /** The migrations to apply (built for the schema); tests pass more to simulate a newer pyvouch. */
  migrations?: readonly Migration[];
  /** Connections in the pool. */
  poolSize?: number;
  /** Envelopes already verified (default: a cache for this process only). */
  verifiedCache?: VerifiedEnvelopeCache;
}

/** Connects, creates the schema if needed and migrates it. */
export async function openPostgresStore(spec: string, options: PostgresStoreOptions = {}): Promise<PostgresStore> {
  const target = parsePostgresUrl(spec);
  const pool = await openMigratedPool(target, options.poolSize, 'cannot open the store', (p) =>
    migrate(p, target, options.migrations ?? postgresMigrations(target.schema)),
  );
  return new PostgresStore(target, pool, new RowVerifier(options.verifiedCache));
}

/**
 * A connection pool on `target` after `migrateWith` ran on it; on failure the pool is closed and
 * the error says what was being done (`doing`) and where. Shared by every table set in the schema.
 */
export async function openMigratedPool(
  target: PostgresTarget,
  poolSize: number | undefined,
  doing: string,
  migrateWith: (pool: pg.Pool) => Promise<void>,
): Promise<pg.Pool> {
  const pool = new pg.Pool({
    connectionString: target.connectionString,
    max: poolSize ?? 4,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
  });
  // An idle connection dropped by the server emits here; without a listener the process dies.
  // The pool discards that connection, and the next query reports any lasting failure.
  pool.on('error', () => undefined);
  try {
    await migrateWith(pool);
  } catch (err) {
    await pool.end().catch(() => undefined);
    throw err instanceof PyvouchError ? err : storeError(target, err, doing);
  }
  return pool;
}

const NETWORK_CODES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ECONNRESET: 'connection reset',
};

function isNetworkError(err: unknown): boolean {
  const code = errorCode(err);
  return code !== undefined && NETWORK_CODES[code] !== undefined;
}

function errorCode(err: unknown): string | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string') return code;
  // Node reports a host with several addresses as an AggregateError of per-address failures.
  if (err instanceof AggregateError) return err.errors.map(errorCode).find((c) => c !== undefined);
  return undefined;
}

/** Turns a pg or network failure into a STORE error that says where and what to try. */
/** STORE naming the store and what failed; unreachable servers and bad credentials get their own help. */
export function storeError(target: PostgresTarget, err: unknown, doing: string): PyvouchError {
  const code = errorCode(err);
  const network = code === undefined ? undefined : NETWORK_CODES[code];
  const timeout = err instanceof Error && /timeout/i.test(err.message) && err.message.includes('connect');
  if (network !== undefined || timeout) {
    return new PyvouchError(
      'STORE',
      `${doing} ${target.location}: cannot reach PostgreSQL at ${target.address} (${network ?? 'connection timed out'})`,
      {
        file: target.location,
        cause: err,
        help: `start PostgreSQL on ${target.address}, or correct the store URL (leave it unset to use the local SQLite store)`,
      },
    );
  }
  const message = err instanceof Error && err.message !== '' ? err.message : String(code ?? err);
  return new PyvouchError('STORE', `${doing} ${target.location}: ${message}`, {
    file: target.location,
    cause: err,
    ...(code === '28P01' || code === '28000'
      ? { help: 'check the user and password in the store URL' }
      : code === '3D000'
        ? { help: 'create the database first (createdb), or correct the store URL' }
        : {}),
  });
}

async function migrate(pool: pg.Pool, target: PostgresTarget, migrations: readonly Migration[]): Promise<void> {
  const s = quoteIdent(target.schema);
  const table = `${s}.${MIGRATIONS_TABLE}`;
  const currentVersion = async (db: pg.Pool | pg.PoolClient): Promise<number | undefined> => {
    const exists = await db.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]);
    if (exists.rows[0]?.t == null) return undefined;
    const max = await db.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${table}`);
    return max.rows[0]?.v ?? 0;
  };

  // A read first: an up-to-date store opens without locks, and with only read privileges.
  const seen = await currentVersion(pool);
  if (seen !== undefined && pendingMigrations(migrations, seen, target.location).length === 0) return;

  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    // Serialises concurrent first opens; released with the transaction.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`pyvouch migrate ${target.schema}`]);
    const schemaExists = await client.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [target.schema]);
    if (schemaExists.rowCount === 0) await client.query(`CREATE SCHEMA ${s}`);
    let current = await currentVersion(client);
    if (current === undefined) {
      const others = await client.query(
        "SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename IN ('statements', 'statement_subjects', 'trust_edges')",
        [target.schema],
      );
      if ((others.rowCount ?? 0) > 0) {
        throw new PyvouchError('STORE', `cannot open the store ${target.location}: schema '${target.schema}' holds tables of another program`, {
          file: target.location,
          help: 'choose another schema with ?schema=name in the store URL',
        });
      }
      await client.query(`CREATE TABLE ${table} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
      current = 0;
    }
    for (const migration of pendingMigrations(migrations, current, target.location)) {
      for (const sql of migration.statements) await client.query(sql);
      await client.query(`INSERT INTO ${table} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
    }
    await client.query('COMMIT');
  } catch (err) {
    broken = await rollback(client, err);
    if (err instanceof PyvouchError) throw err;
    if (isNetworkError(err)) throw storeError(target, err, 'cannot migrate the store');
    throw new PyvouchError('STORE_MIGRATION', `cannot migrate the store ${target.location}: ${(err as Error).message}`, {
      file: target.location,
      cause: err,
      help: 'nothing was changed; check that the user may create tables in the schema',
    });
  } finally {
    client.release(broken);
  }
}

/** Rolls back; returns the error to release the client with if the connection is unusable. */
async function rollback(client: pg.PoolClient, cause: unknown): Promise<Error | undefined> {
  try {
    await client.query('ROLLBACK');
    return undefined;
  } catch {
    return cause instanceof Error ? cause : new Error(String(cause));
  }
}

export class PostgresStore implements StatementStore {
  readonly location: string;
  readonly #target: PostgresTarget;
  #pool: pg.Pool | undefined;
  #insertedSinceOpen = 0;
  readonly #sql: {
    insertStatements: string;
    insertSubjects: string;
    insertEdges: string;
    get: string;
    present: string;
    forPackages: string;
    trustFrom: string;
    trustAll: string;
    page: string;
    count: string;
  };

  /** Use openPostgresStore(); this takes a pool on a migrated schema. */
  readonly #verifier: RowVerifier;

  constructor(target: PostgresTarget, pool: pg.Pool, verifier: RowVerifier = new RowVerifier()) {
    this.#verifier = verifier;
    this.location = target.location;
    this.#target = target;
    this.#pool = pool;
    const s = quoteIdent(target.schema);
    this.#sql = {
      // unnest turns one array per column into rows: one round trip per chunk, and a fixed
      // number of parameters whatever the chunk size. The two JSON columns travel as one text of
      // lines each instead of as arrays: JSON.stringify never writes a raw newline, and parsing
      // an array literal of quote-laden JSON took a third of the server's time per statement.
      // imported_at defaults to the transaction start, so a batch shares one import time.
      insertStatements: `INSERT INTO ${s}.statements (id, kind, predicate_type, agent, package_name, package_version,
          start_time, end_time, envelope, statement, source_kind, source_name)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[],
          $7::timestamptz[], $8::timestamptz[], string_to_array($9, E'\\n'), string_to_array($10, E'\\n'),
          $11::text[], $12::text[])
        ON CONFLICT (id) DO NOTHING RETURNING id`,
      insertSubjects: `INSERT INTO ${s}.statement_subjects (statement_id, sha256, filename)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[])`,
      insertEdges: `INSERT INTO ${s}.trust_edges (statement_id, agent, subject, relation, level)
        SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])`,
      get: `SELECT ${JSON_COLUMNS} FROM ${s}.statements WHERE id = $1`,
      present: `SELECT id FROM ${s}.statements WHERE id = ANY($1::text[])`,
      forPackages: `SELECT ${JSON_COLUMNS} FROM ${s}.statements WHERE package_name = ANY($1::text[])`,
      trustFrom: `SELECT ${JSON_COLUMNS} FROM ${s}.statements WHERE agent = $1 AND kind IN ('trust', 'rotate') ORDER BY id`,
      trustAll: `SELECT ${JSON_COLUMNS} FROM ${s}.statements WHERE kind IN ('trust', 'rotate', 'retract') ORDER BY id`,
      page: `SELECT ${JSON_COLUMNS} FROM ${s}.statements WHERE id > $1 ORDER BY id LIMIT $2`,
      count: `SELECT count(*) AS n FROM ${s}.statements`,
    };
  }

  #open(): pg.Pool {
    if (this.#pool === undefined) throw new PyvouchError('STORE', `the store ${this.location} is closed`);
    return this.#pool;
  }

  async #query<R extends pg.QueryResultRow>(name: string | undefined, text: string, values: unknown[]): Promise<R[]> {
    try {
      const result = await this.#open().query<R>(name === undefined ? { text, values } : { name, text, values });
      return result.rows;
    } catch (err) {
      if (err instanceof PyvouchError) throw err;
      throw storeError(this.#target, err, 'cannot read the store');
    }
  }

  async put(statements: readonly StoredStatement[]): Promise<PutResult> {
    const batch = dedupeBatch(statements);
    if (batch.unique.length === 0) return batch.result(new Set());
    let client: pg.PoolClient;
    try {
      client = await this.#open().connect();
    } catch (err) {
      if (err instanceof PyvouchError) throw err;
      throw storeError(this.#target, err, 'cannot write to the store');
    }
    let broken: Error | undefined;
    const inserted = new Set<string>();
    try {
      await client.query('BEGIN');
      for (let start = 0; start < batch.unique.length; start += CHUNK_SIZE) {
        await this.#putChunk(client, batch.unique.slice(start, start + CHUNK_SIZE), inserted);
      }
      await client.query('COMMIT');
    } catch (err) {
      broken = await rollback(client, err);
      if (isNetworkError(err)) throw storeError(this.#target, err, 'cannot write to the store');
      throw batchError(this.location, statements.length, err);
    } finally {
      client.release(broken);
    }
    this.#insertedSinceOpen += inserted.size;
    return batch.result(inserted);
  }

  // Serialising chunk by chunk inside the transaction bounds memory for large imports; the
  // transaction still spans the whole batch, so a crash between chunks leaves nothing of it.
  async #putChunk(client: pg.PoolClient, candidates: readonly StoredStatement[], inserted: Set<string>): Promise<void> {
    // Re-imports of a feed are mostly duplicates: asking which ids exist is far cheaper than
    // sending their statements only for the insert to skip them. The insert still says
    // ON CONFLICT DO NOTHING, for a concurrent importer storing the same statement meanwhile.
    const present = await client.query<{ id: string }>({
      name: 'pyvouch-present',
      text: this.#sql.present,
      values: [candidates.map((s) => s.statement.id)],
    });
    const skip = new Set(present.rows.map((r) => r.id));
    const chunk = skip.size === 0 ? candidates : candidates.filter((s) => !skip.has(s.statement.id));
    if (chunk.length === 0) return;
    const columns: (string | null)[][] = Array.from({ length: 8 }, () => []);
    const envelopes: string[] = [];
    const statements: string[] = [];
    const sourceKinds: string[] = [];
    const sourceNames: (string | null)[] = [];
    for (const stored of chunk) {
      const row = statementRow(stored);
      const values = [row.id, row.kind, row.predicateType, row.agent, row.packageName, row.packageVersion, row.startTime, row.endTime];
      values.forEach((value, i) => columns[i]?.push(value));
      envelopes.push(row.envelope);
      statements.push(row.statement);
      sourceKinds.push(row.sourceKind);
      sourceNames.push(row.sourceName);
    }
    const fresh = await client.query<{ id: string }>({
      name: 'pyvouch-insert-statements',
      text: this.#sql.insertStatements,
      values: [...columns, envelopes.join('\n'), statements.join('\n'), sourceKinds, sourceNames],
    });
    const freshIds = new Set(fresh.rows.map((r) => r.id));
    if (freshIds.size === 0) return;

    const subjects: string[][] = [[], [], []];
    const edges: (string | null)[][] = [[], [], [], [], []];
    for (const { statement } of chunk) {
      if (!freshIds.has(statement.id)) continue;
      inserted.add(statement.id);
      for (const subject of distinctSubjects(statement)) {
        subjects[0]?.push(statement.id);
        subjects[1]?.push(subject.sha256);
        subjects[2]?.push(subject.name);
      }
      const edge = trustEdge(statement);
      if (edge !== undefined) {
        [statement.id, edge.agent, edge.subject, edge.relation, edge.level].forEach((value, i) => edges[i]?.push(value));
      }
    }
    if ((subjects[0]?.length ?? 0) > 0) {
      await client.query({ name: 'pyvouch-insert-subjects', text: this.#sql.insertSubjects, values: subjects });
    }
    if ((edges[0]?.length ?? 0) > 0) {
      await client.query({ name: 'pyvouch-insert-edges', text: this.#sql.insertEdges, values: edges });
    }
  }

  async get(id: string): Promise<StoredStatement | undefined> {
    const rows = await this.#query<JsonRow>('pyvouch-get', this.#sql.get, [id]);
    const row = rows[0];
    return row === undefined ? undefined : this.#verifier.read(row);
  }

  async find(query: StatementQuery): Promise<StoredStatement[]> {
    checkQuery(query);
    const s = quoteIdent(this.#target.schema);
    const where: string[] = [];
    const values: string[] = [];
    const add = (clause: (param: string) => string, value: string | undefined): void => {
      if (value === undefined) return;
      values.push(value);
      where.push(clause(`$${values.length}`));
    };
    add((p) => `package_name = ${p}`, query.name);
    add((p) => `package_version = ${p}`, query.version);
    add((p) => `id IN (SELECT statement_id FROM ${s}.statement_subjects WHERE sha256 = ${p})`, query.sha256);
    add((p) => `agent = ${p}`, query.agent);
    add((p) => `kind = ${p}`, query.kind);
    const text = `SELECT ${JSON_COLUMNS} FROM ${s}.statements${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
    return this.#verifier.readAll(await this.#query<JsonRow>(undefined, text, values));
  }

  async forPackages(names: readonly string[]): Promise<StoredStatement[]> {
    if (names.length === 0) return [];
    return this.#verifier.readAll(sortedById(await this.#query<JsonRow>('pyvouch-for-packages', this.#sql.forPackages, [names])));
  }

  async trustFrom(agent: string): Promise<StoredStatement[]> {
    return this.#verifier.readAll(await this.#query<JsonRow>('pyvouch-trust-from', this.#sql.trustFrom, [agent]));
  }

  async trustStatements(): Promise<StoredStatement[]> {
    return this.#verifier.readAll(await this.#query<JsonRow>('pyvouch-trust-all', this.#sql.trustAll, []));
  }

  all(): AsyncIterable<StoredStatement> {
    return keysetPages(this.#verifier, PAGE_SIZE, (after, size) => this.#query<JsonRow>('pyvouch-page', this.#sql.page, [after, size]));
  }

  async count(): Promise<number> {
    const rows = await this.#query<{ n: string }>('pyvouch-count', this.#sql.count, []);
    return Number(rows[0]?.n ?? 0);
  }

  rejected(): StoreRejection[] {
    return this.#verifier.rejected();
  }

  async close(): Promise<void> {
    this.#verifier.flush();
    const pool = this.#pool;
    if (pool === undefined) return;
    if (this.#insertedSinceOpen >= ANALYZE_AFTER) {
      // Without statistics the planner misjudges a freshly imported table and scans all of it
      // instead of using the package index; autovacuum would fix that, but up to a minute later,
      // after the `check` that typically follows an import. Failure (e.g. a user who does not
      // own the tables) only costs speed.
      const s = quoteIdent(this.#target.schema);
      await pool.query(`ANALYZE ${s}.statements, ${s}.statement_subjects, ${s}.trust_edges`).catch(() => undefined);
    }
    this.#pool = undefined;
    await pool.end();
  }
}
