// The embedded statement store: one SQLite file (WAL mode), the default when no server is set up.
// better-sqlite3 is synchronous, so every method finishes its work before its promise resolves.

import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import type { Statement, StoredStatement } from '../attest/types.js';
import { PyvouchError } from '../errors.js';
import { MIGRATIONS_TABLE, pendingMigrations, sqliteMigrations, type Migration } from './migrations.js';
import {
  batchError,
  byId,
  checkQuery,
  dedupeBatch,
  distinctSubjects,
  keysetPages,
  statementRow,
  trustEdge,
} from './rows.js';
import { RowVerifier, type StoreRejection, type VerifiedEnvelopeCache } from './verified.js';
import type { PutResult, StatementQuery, StatementStore } from './store.js';
import { applySqliteMigrations, sqliteSchemaVersion, sqliteTableExists } from './sqlite-migrate.js';

interface JsonRow {
  id: string;
  envelope: string;
  statement: string;
  receivedAt: string;
  sourceKind: string;
  sourceName: string | null;
}
type Query<P extends unknown[], R = JsonRow> = Database.Statement<P, R>;

/** Rows fetched per round when streaming, so a consumer may write to the store between pages. */
const PAGE_SIZE = 1000;
/** The most of the file a bulk read maps (SQLite maps no more than the file's size). */
const BULK_MMAP_BYTES = 1024 * 1024 * 1024;
/** How long a writer waits for another process's write lock before giving up. */
const BUSY_TIMEOUT_MS = 10_000;
// The `statement` column is believed only where the verified cache vouches for it together with
// the envelope; otherwise the envelope is decoded (verified.ts).
const JSON_COLUMNS = 'id, envelope, statement, imported_at AS receivedAt, source_kind AS sourceKind, source_name AS sourceName';

export interface SqliteStoreOptions {
  /** The migrations to apply; tests pass a longer list to simulate a newer pyvouch. */
  migrations?: readonly Migration[];
  /** Envelopes already verified (default: a cache for this process only). */
  verifiedCache?: VerifiedEnvelopeCache;
}

/** Opens (creating file and parent directory if needed) and migrates the store at `file`. */
export function openSqliteStore(file: string, options: SqliteStoreOptions = {}): SqliteStore {
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch (err) {
    throw new PyvouchError('STORE', `cannot create the directory for the store ${file}: ${(err as Error).message}`, {
      file,
      cause: err,
    });
  }
  let db: Database.Database | undefined;
  try {
    db = new Database(file);
    // busy_timeout first: the later pragmas and the migration may wait on another process.
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    // Only takes effect on a new file. A row holds envelope and statement, 2 KB and up: on
    // 4 KiB pages the larger rows spill into overflow pages, and imports measured about a
    // quarter more CPU than on 8 KiB pages.
    db.pragma('page_size = 8192');
    // Reading journal_mode is the first touch of the file, so a non-database fails here.
    db.pragma('journal_mode = WAL');
    db.pragma('foreign_keys = ON');
    // In WAL mode NORMAL keeps every commit atomic across a crash; only the last commits may be
    // lost on power failure, which an import can repeat.
    db.pragma('synchronous = NORMAL');
    // Imports dirty the same index pages batch after batch; checkpointing every ~80 MB of WAL
    // (instead of every 4 MB) copies each of them to the database file once, not once per batch.
    // The size limit truncates the WAL back after a checkpoint.
    db.pragma('wal_autocheckpoint = 10000');
    db.pragma(`journal_size_limit = ${64 * 1024 * 1024}`);
    db.pragma(`cache_size = ${-64 * 1024}`);
    migrate(db, file, options.migrations ?? sqliteMigrations);
    return new SqliteStore(file, db, new RowVerifier(options.verifiedCache));
  } catch (err) {
    db?.close();
    if (err instanceof PyvouchError) throw err;
    throw openError(file, err);
  }
}

function openError(file: string, err: unknown): PyvouchError {
  const code = (err as { code?: unknown }).code;
  const message = (err as Error).message;
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new PyvouchError('STORE', `cannot open the store ${file}: it is not an SQLite database, or it is corrupt (${message})`, {
      file,
      cause: err,
      help: 'move the file away (pyvouch creates a new store), or point pyvouch at another store file',
    });
  }
  return new PyvouchError('STORE', `cannot open the store ${file}: ${message}`, {
    file,
    cause: err,
    help: 'check that the path is a file pyvouch may read and write, or point pyvouch at another store file',
  });
}

function migrate(db: Database.Database, file: string, migrations: readonly Migration[]): void {
  // A read first: an up-to-date store opens without taking the write lock.
  if (sqliteTableExists(db, MIGRATIONS_TABLE) && pendingMigrations(migrations, sqliteSchemaVersion(db, MIGRATIONS_TABLE), file).length === 0) return;
  applySqliteMigrations(db, file, {
    table: MIGRATIONS_TABLE,
    migrations,
    what: `the store ${file}`,
    help: 'nothing was changed; check the file is writable, or restore it from a backup',
    beforeCreate: () => {
      const others = db.prepare<[], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table'").get();
      if ((others?.n ?? 0) > 0) {
        throw new PyvouchError('STORE', `cannot open the store ${file}: it is an SQLite database of another program`, {
          file,
          help: 'point pyvouch at a new file or at an existing pyvouch store',
        });
      }
    },
  });
}

/** UTC ISO 8601 text, which sorts in time order whatever offset the statement used. */
function utcTime(value: string, id: string, field: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) {
    throw new PyvouchError('STORE', `statement ${id}: ${field} '${value}' is not an ISO 8601 time`, { path: field });
  }
  return new Date(ms).toISOString();
}

export class SqliteStore implements StatementStore {
  readonly location: string;
  #db: Database.Database | undefined;
  // Prepared on first use: a store opened at an older schema (tests of upgrades) cannot prepare it.
  #insertStatementQuery: Query<unknown[]> | undefined;
  readonly #insertSubject: Query<[string, string, string]>;
  readonly #insertEdge: Query<[string, string, string, string, string | null]>;
  readonly #get: Query<[string]>;
  readonly #exists: Query<[string], { one: number }>;
  readonly #forPackages: Query<[string]>;
  readonly #trustFrom: Query<[string]>;
  readonly #trustAll: Query<[]>;
  readonly #page: Query<[string, number]>;
  readonly #count: Query<[], { n: number }>;
  readonly #finds = new Map<string, Query<string[]>>();
  readonly #putBatch: Database.Transaction<(batch: readonly StoredStatement[], importedAt: string) => Set<string>>;

  /** Use openSqliteStore(); this takes an open, migrated database. */
  readonly #verifier: RowVerifier;

  constructor(location: string, db: Database.Database, verifier: RowVerifier = new RowVerifier()) {
    this.location = location;
    this.#db = db;
    this.#verifier = verifier;
    const insertStatement = (): Query<unknown[]> => (this.#insertStatementQuery ??= db.prepare(
      `INSERT INTO statements (id, kind, predicate_type, agent, package_name, package_version,
         start_time, end_time, imported_at, envelope, statement, source_kind, source_name)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING`,
    ));
    this.#insertSubject = db.prepare(
      'INSERT INTO statement_subjects (statement_id, sha256, filename) VALUES (?, ?, ?)',
    );
    this.#insertEdge = db.prepare(
      'INSERT INTO trust_edges (statement_id, agent, subject, relation, level) VALUES (?, ?, ?, ?, ?)',
    );
    this.#get = db.prepare(`SELECT ${JSON_COLUMNS} FROM statements WHERE id = ?`);
    this.#exists = db.prepare('SELECT 1 AS one FROM statements WHERE id = ?');
    // One bound JSON array instead of IN (?, ?, …): no limit on the number of names, one plan.
    this.#forPackages = db.prepare(
      `SELECT ${JSON_COLUMNS} FROM statements WHERE package_name IN (SELECT value FROM json_each(?))`,
    );
    this.#trustFrom = db.prepare(
      `SELECT ${JSON_COLUMNS} FROM statements WHERE agent = ? AND kind IN ('trust', 'rotate') ORDER BY id`,
    );
    this.#trustAll = db.prepare(`SELECT ${JSON_COLUMNS} FROM statements WHERE kind IN ('trust', 'rotate', 'retract') ORDER BY id`);
    this.#page = db.prepare(`SELECT ${JSON_COLUMNS} FROM statements WHERE id > ? ORDER BY id LIMIT ?`);
    this.#count = db.prepare('SELECT count(*) AS n FROM statements');

    // Serialising inside the transaction keeps one pass over the batch; a crash at any point in
    // it leaves the WAL without a commit record, so nothing of the batch survives.
    this.#putBatch = db.transaction((batch: readonly StoredStatement[], importedAt: string) => {
      const inserted = new Set<string>();
      for (const stored of batch) {
        // Re-imports of a feed are mostly duplicates: an index probe is far cheaper than
        // serialising a statement only for the insert to skip it.
        if (this.#exists.get(stored.statement.id) !== undefined) continue;
        const row = statementRow(stored);
        const info = insertStatement().run(
          row.id,
          row.kind,
          row.predicateType,
          row.agent,
          row.packageName,
          row.packageVersion,
          utcTime(row.startTime, row.id, 'startTime'),
          row.endTime === null ? null : utcTime(row.endTime, row.id, 'endTime'),
          importedAt,
          row.envelope,
          row.statement,
          row.sourceKind,
          row.sourceName,
        );
        if (info.changes === 0) continue;
        inserted.add(row.id);
        for (const subject of distinctSubjects(stored.statement)) this.#insertSubject.run(row.id, subject.sha256, subject.name);
        const edge = trustEdge(stored.statement);
        if (edge !== undefined) this.#insertEdge.run(row.id, edge.agent, edge.subject, edge.relation, edge.level);
      }
      return inserted;
    });
  }

  #open(): Database.Database {
    if (this.#db === undefined) throw new PyvouchError('STORE', `the store ${this.location} is closed`);
    return this.#db;
  }

  /** Runs a read on the open database; a failing read (I/O, corruption) names the store. */
  #read<T>(fn: () => T): T {
    this.#open();
    try {
      return fn();
    } catch (err) {
      throw new PyvouchError('STORE', `cannot read the store ${this.location}: ${(err as Error).message}`, {
        file: this.location,
        cause: err,
      });
    }
  }

  async put(statements: readonly StoredStatement[]): Promise<PutResult> {
    this.#open();
    const batch = dedupeBatch(statements);
    let inserted: Set<string>;
    try {
      // IMMEDIATE takes the write lock up front, so two importers queue instead of deadlocking.
      inserted = this.#putBatch.immediate(batch.unique, new Date().toISOString());
    } catch (err) {
      throw batchError(this.location, statements.length, err);
    }
    return batch.result(inserted);
  }

  async get(id: string): Promise<StoredStatement | undefined> {
    const row = this.#read(() => this.#get.get(id));
    return row === undefined ? undefined : this.#verifier.read(row);
  }

  async find(query: StatementQuery): Promise<StoredStatement[]> {
    const db = this.#open();
    checkQuery(query);
    const where: string[] = [];
    const params: string[] = [];
    const add = (clause: string, value: string | undefined): void => {
      if (value === undefined) return;
      where.push(clause);
      params.push(value);
    };
    add('package_name = ?', query.name);
    add('package_version = ?', query.version);
    add('id IN (SELECT statement_id FROM statement_subjects WHERE sha256 = ?)', query.sha256);
    add('agent = ?', query.agent);
    add('kind = ?', query.kind);
    const sql = `SELECT ${JSON_COLUMNS} FROM statements${where.length > 0 ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id`;
    // At most 2^5 shapes of query exist, so the cache of prepared statements stays small.
    const prepared = this.#finds.get(sql) ?? db.prepare<string[], JsonRow>(sql);
    this.#finds.set(sql, prepared);
    return this.#decodeAll(this.#read(() => prepared.all(...params)));
  }

  async forPackages(names: readonly string[]): Promise<StoredStatement[]> {
    return this.#packageRows(names, (row) => this.#verifier.read(row)).sort((a, b) => byId(a.statement, b.statement));
  }

  /** forPackages' statements alone, without keeping the envelopes (see RowVerifier.readStatement). */
  async statementsForPackages(names: readonly string[]): Promise<Statement[]> {
    return this.#packageRows(names, (row) => this.#verifier.readStatement(row)).sort(byId);
  }

  /**
   * The rows about these packages, each decoded as it is read so its texts die young (13k rows of
   * 3 KB held at once cost more in garbage collection than decoding them); in no particular order.
   */
  #packageRows<T>(names: readonly string[], decode: (row: JsonRow) => T | undefined): T[] {
    this.#open();
    if (names.length === 0) return [];
    return this.#bulkRead(() => {
      const decoded: T[] = [];
      for (const row of this.#forPackages.iterate(JSON.stringify(names))) {
        const s = decode(row);
        if (s !== undefined) decoded.push(s);
      }
      return decoded;
    });
  }

  /**
   * #read for a read of thousands of rows scattered over the file (a lock's packages): SQLite
   * reads the pages through a memory map instead of a read() call each (a `check` of 13k rows:
   * ~30 ms less CPU of 85). Only for the read: the map is dropped after it, so a long-lived
   * process does not keep the file mapped while other processes write and checkpoint it.
   */
  #bulkRead<T>(fn: () => T): T {
    const db = this.#open();
    db.pragma(`mmap_size = ${BULK_MMAP_BYTES}`);
    try {
      return this.#read(fn);
    } finally {
      db.pragma('mmap_size = 0');
    }
  }

  async trustFrom(agent: string): Promise<StoredStatement[]> {
    return this.#decodeAll(this.#read(() => this.#trustFrom.all(agent)));
  }

  async trustStatements(): Promise<StoredStatement[]> {
    return this.#decodeAll(this.#read(() => this.#trustAll.all()));
  }

  all(): AsyncIterable<StoredStatement> {
    return keysetPages(this.#verifier, PAGE_SIZE, (after, size) => this.#read(() => this.#page.all(after, size)));
  }

  async count(): Promise<number> {
    return this.#read(() => this.#count.get()?.n ?? 0);
  }

  /** A connection setting (pragma) as SQLite reports it, for diagnostics. */
  setting(name: 'journal_mode' | 'foreign_keys' | 'busy_timeout' | 'synchronous'): unknown {
    return this.#open().pragma(name, { simple: true });
  }

  rejected(): StoreRejection[] {
    return this.#verifier.rejected();
  }

  async close(): Promise<void> {
    this.#verifier.flush();
    // optimize gathers the statistics the planner needs once the tables have grown; cheap when
    // nothing changed.
    this.#db?.pragma('optimize');
    this.#db?.close();
    this.#db = undefined;
  }

  #decodeAll(rows: readonly JsonRow[]): StoredStatement[] {
    return this.#verifier.readAll(rows);
  }
}
