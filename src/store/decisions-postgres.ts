// The decision log in the PostgreSQL store's schema: its own tables and migration record
// (`pyvouch_decision_log_migrations`), through a pool of its own.
//
// Freshness across processes: a statement-level trigger on the statement store's `statements`
// table bumps a one-row generation counter and NOTIFYs, inside the very transaction that stores
// the statements. So whoever stores statements (a server's POST /statements, `pyvouch import`, a
// feed sync), the new generation becomes visible exactly when the statements do, and listeners
// hear of it right after the commit. Servers read the counter before each download decision (one
// indexed row) and rely on the notification for project pages. A counter row, not a sequence:
// nextval is not transactional and would announce statements before they can be read.

import { createHash } from 'node:crypto';
import pg from 'pg';
import { PyvouchError } from '../errors.js';
import { seenKey, type DecisionLog, type DecisionQuery, type DecisionRecord, type SeenFile, type StatementWatch, type StoredDecision } from './decisions.js';
import { decisionFromRow, decisionQuerySql, decisionTableSql, decisionValues, DECISION_COLUMNS, firstSeenTableSql, POSTGRES_DIALECT, type DecisionRow } from './decisions-sql.js';
import { pendingMigrations, quoteIdent, type Migration } from './migrations.js';
import { CONNECT_TIMEOUT_MS, openMigratedPool, parsePostgresUrl, storeError, type PostgresTarget } from './postgres.js';

export const DECISION_MIGRATIONS_TABLE = 'pyvouch_decision_log_migrations';
const RECONNECT_MIN_MS = 200;
const RECONNECT_MAX_MS = 5_000;

/** The NOTIFY channel of a schema: a fixed-length name, whatever the schema's length (max 63). */
export function generationChannel(schema: string): string {
  return `pyvouch_statements_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;
}

export function postgresDecisionMigrations(schema: string): readonly Migration[] {
  const s = quoteIdent(schema);
  const channel = generationChannel(schema);
  return [
    {
      version: 1,
      name: 'decision log and statement generation',
      statements: [
        ...decisionTableSql(POSTGRES_DIALECT, `${s}.decisions`),
        `CREATE TABLE ${s}.decision_log_generation (
          id integer PRIMARY KEY CHECK (id = 1),
          generation bigint NOT NULL
        )`,
        `INSERT INTO ${s}.decision_log_generation (id, generation) VALUES (1, 0)`,
        `CREATE FUNCTION ${s}.decision_log_bump_generation() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
          g bigint;
        BEGIN
          UPDATE ${s}.decision_log_generation SET generation = generation + 1 WHERE id = 1 RETURNING generation INTO g;
          PERFORM pg_notify('${channel}', g::text);
          RETURN NULL;
        END
        $$`,
        // Once per INSERT statement (the store inserts in chunks of up to 1000), not once per row.
        `CREATE TRIGGER decision_log_generation AFTER INSERT ON ${s}.statements
          FOR EACH STATEMENT EXECUTE FUNCTION ${s}.decision_log_bump_generation()`,
      ],
    },
    {
      // Issue 15: the cooldown's clock for files upstream states no upload-time for (see the SQLite log).
      version: 2,
      name: 'first-seen times of upstream files',
      statements: [firstSeenTableSql(POSTGRES_DIALECT, `${s}.first_seen`)],
    },
  ];
}

export interface PostgresDecisionLogOptions {
  migrations?: readonly Migration[];
  poolSize?: number;
}

/** Connects and migrates the log's tables; the statement store must have been opened on the schema. */
export async function openPostgresDecisionLog(spec: string, options: PostgresDecisionLogOptions = {}): Promise<PostgresDecisionLog> {
  const target = parsePostgresUrl(spec);
  const pool = await openMigratedPool(target, options.poolSize, 'cannot open the decision log in', (p) =>
    migrate(p, target, options.migrations ?? postgresDecisionMigrations(target.schema)),
  );
  return new PostgresDecisionLog(target, pool);
}

async function migrate(pool: pg.Pool, target: PostgresTarget, migrations: readonly Migration[]): Promise<void> {
  const s = quoteIdent(target.schema);
  const table = `${s}.${DECISION_MIGRATIONS_TABLE}`;
  const current = async (db: pg.Pool | pg.PoolClient): Promise<number> => {
    const exists = await db.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [table]);
    if (exists.rows[0]?.t == null) return 0;
    const max = await db.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${table}`);
    return max.rows[0]?.v ?? 0;
  };
  // A read first: an up-to-date log opens without locks.
  if (pendingMigrations(migrations, await current(pool), target.location).length === 0) return;

  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`pyvouch decision log migrate ${target.schema}`]);
    const statements = await client.query<{ t: string | null }>('SELECT to_regclass($1) AS t', [`${s}.statements`]);
    if (statements.rows[0]?.t == null) {
      throw new PyvouchError('STORE', `cannot open the decision log in ${target.location}: the schema holds no statement store`, {
        file: target.location,
        help: 'open the statement store on this URL first (any pyvouch command that reads the store creates it)',
      });
    }
    await client.query(`CREATE TABLE IF NOT EXISTS ${table} (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
    for (const migration of pendingMigrations(migrations, await current(client), target.location)) {
      for (const sql of migration.statements) await client.query(sql);
      await client.query(`INSERT INTO ${table} (version, name) VALUES ($1, $2)`, [migration.version, migration.name]);
    }
    await client.query('COMMIT');
  } catch (err) {
    try {
      await client.query('ROLLBACK');
    } catch {
      broken = err instanceof Error ? err : new Error(String(err));
    }
    if (err instanceof PyvouchError) throw err;
    throw new PyvouchError('STORE_MIGRATION', `cannot migrate the decision log in ${target.location}: ${(err as Error).message}`, {
      file: target.location,
      cause: err,
      help: 'nothing was changed; check that the user may create tables, functions and triggers in the schema',
    });
  } finally {
    client.release(broken);
  }
}

export class PostgresDecisionLog implements DecisionLog {
  readonly location: string;
  readonly #target: PostgresTarget;
  #pool: pg.Pool | undefined;
  readonly #s: string;
  readonly #watches = new Set<PostgresWatch>();

  constructor(target: PostgresTarget, pool: pg.Pool) {
    this.location = target.location;
    this.#target = target;
    this.#pool = pool;
    this.#s = quoteIdent(target.schema);
  }

  #open(): pg.Pool {
    if (this.#pool === undefined) throw new PyvouchError('STORE', `the decision log in ${this.location} is closed`);
    return this.#pool;
  }

  async #query<R extends pg.QueryResultRow>(text: string, values: unknown[], doing: string, name?: string): Promise<R[]> {
    try {
      const result = await this.#open().query<R>(name === undefined ? { text, values } : { name, text, values });
      return result.rows;
    } catch (err) {
      if (err instanceof PyvouchError) throw err;
      throw storeError(this.#target, err, doing);
    }
  }

  async record(entries: readonly DecisionRecord[]): Promise<void> {
    if (entries.length === 0) return;
    const columns: unknown[][] = DECISION_COLUMNS.map(() => []);
    for (const e of entries) decisionValues(e).forEach((v, i) => columns[i]?.push(v));
    // One statement is one transaction: the batch is stored whole or not at all.
    await this.#query(
      `INSERT INTO ${this.#s}.decisions (${DECISION_COLUMNS.join(', ')})
       SELECT t, c, p, f, v, h, vd, a, m, r::jsonb FROM unnest($1::timestamptz[], $2::text[], $3::text[], $4::text[], $5::text[],
         $6::text[], $7::text[], $8::text[], $9::text[], $10::text[]) AS x(t, c, p, f, v, h, vd, a, m, r)`,
      columns,
      `cannot record ${entries.length} decision(s) in`,
      'pyvouch-decisions-insert',
    );
  }

  async firstSeen(files: readonly SeenFile[], now: Date): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    if (files.length === 0) return out;
    const columns = [files.map((f) => f.project), files.map((f) => f.filename), files.map((f) => f.sha256)];
    // Insert what is new (an earlier time stays), then read every asked row back, in one statement.
    const rows = await this.#query<{ project: string; filename: string; sha256: string; first_seen: Date }>(
      `WITH asked AS (SELECT DISTINCT p, f, h FROM unnest($1::text[], $2::text[], $3::text[]) AS x(p, f, h)),
       added AS (
         INSERT INTO ${this.#s}.first_seen (project, filename, sha256, first_seen)
         SELECT p, f, h, $4::timestamptz FROM asked ON CONFLICT DO NOTHING
         RETURNING project, filename, sha256, first_seen
       )
       SELECT project, filename, sha256, first_seen FROM added
       UNION ALL
       SELECT s.project, s.filename, s.sha256, s.first_seen FROM ${this.#s}.first_seen s JOIN asked a ON s.project = a.p AND s.filename = a.f AND s.sha256 = a.h`,
      [...columns, now.toISOString()],
      'cannot record first-seen times in',
      'pyvouch-first-seen',
    );
    for (const r of rows) {
      const key = seenKey(r);
      const at = r.first_seen.toISOString();
      const known = out.get(key);
      if (known === undefined || at < known) out.set(key, at);
    }
    return out;
  }

  async query(query: DecisionQuery = {}): Promise<StoredDecision[]> {
    const { text, values } = decisionQuerySql(POSTGRES_DIALECT, `${this.#s}.decisions`, query);
    const rows = await this.#query<DecisionRow>(text, values, 'cannot read the decision log in');
    return rows.map(decisionFromRow);
  }

  async statementGeneration(): Promise<string> {
    const rows = await this.#query<{ g: string }>(
      `SELECT generation AS g FROM ${this.#s}.decision_log_generation WHERE id = 1`,
      [],
      'cannot read the statement generation in',
      'pyvouch-decisions-generation',
    );
    return String(rows[0]?.g ?? '0');
  }

  async watchStatements(listener: (generation: string | undefined) => void): Promise<StatementWatch> {
    const watch = new PostgresWatch(this.#target, listener, () => this.#watches.delete(watch));
    this.#watches.add(watch);
    await watch.start();
    return watch;
  }

  async close(): Promise<void> {
    for (const watch of [...this.#watches]) await watch.close();
    const pool = this.#pool;
    this.#pool = undefined;
    await pool?.end();
  }
}

/**
 * One dedicated connection LISTENing on the schema's channel, reconnecting with back-off. While it
 * is down `healthy` is false; after it comes back the listener hears `undefined`, since
 * notifications sent meanwhile were lost.
 */
class PostgresWatch implements StatementWatch {
  #client: pg.Client | undefined;
  #healthy = false;
  #closed = false;
  #timer: NodeJS.Timeout | undefined;
  #delay = RECONNECT_MIN_MS;

  constructor(
    private readonly target: PostgresTarget,
    private readonly listener: (generation: string | undefined) => void,
    private readonly onClose: () => void,
  ) {}

  get healthy(): boolean {
    return this.#healthy;
  }

  /** Connects once; the first failure is the caller's to report, later ones are retried. */
  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.target.connectionString, connectionTimeoutMillis: CONNECT_TIMEOUT_MS });
    const lost = (): void => {
      if (this.#client !== client) return;
      this.#client = undefined;
      this.#healthy = false;
      client.end().catch(() => undefined);
      this.#schedule();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', (message) => {
      if (message.channel === generationChannel(this.target.schema)) this.listener(message.payload);
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${generationChannel(this.target.schema)}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw storeError(this.target, err, 'cannot listen for statement changes in');
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#client = client;
    this.#healthy = true;
    this.#delay = RECONNECT_MIN_MS;
  }

  #schedule(): void {
    if (this.#closed || this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#connect().then(
        () => {
          // Whatever was announced while we were away is lost: everything may have changed.
          if (!this.#closed) this.listener(undefined);
        },
        () => {
          this.#delay = Math.min(RECONNECT_MAX_MS, this.#delay * 2);
          this.#schedule();
        },
      );
    }, this.#delay);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#healthy = false;
    clearTimeout(this.#timer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
    this.onClose();
  }
}

