// The decision log in the SQLite store file: its own table and its own migration record
// (`pyvouch_decision_log_migrations`), next to the statement store's tables, through a connection of
// its own. The statement generation is the highest rowid of the statements table: rows are only
// ever appended, so it moves exactly when some process stores statements, and reading it costs one
// b-tree descent — cheap enough to ask on every request.

import Database from 'better-sqlite3';
import { PyvouchError } from '../errors.js';
import { seenKey, type DecisionLog, type DecisionQuery, type DecisionRecord, type SeenFile, type StoredDecision } from './decisions.js';
import { decisionFromRow, decisionQuerySql, decisionTableSql, decisionValues, DECISION_COLUMNS, firstSeenTableSql, SQLITE_DIALECT, type DecisionRow } from './decisions-sql.js';
import { MIGRATIONS_TABLE, pendingMigrations, type Migration } from './migrations.js';
import { applySqliteMigrations, sqliteSchemaVersion, sqliteTableExists } from './sqlite-migrate.js';

export const DECISION_MIGRATIONS_TABLE = 'pyvouch_decision_log_migrations';
const BUSY_TIMEOUT_MS = 10_000;

export const sqliteDecisionMigrations: readonly Migration[] = [
  { version: 1, name: 'decision log', statements: decisionTableSql(SQLITE_DIALECT, 'decisions') },
  { version: 2, name: 'first-seen times of upstream files', statements: [firstSeenTableSql(SQLITE_DIALECT, 'first_seen')] },
];

/** Opens (creating and migrating the log's table if needed) the log in the store file `file`. */
export function openSqliteDecisionLog(file: string, migrations: readonly Migration[] = sqliteDecisionMigrations): SqliteDecisionLog {
  let db: Database.Database | undefined;
  try {
    // fileMustExist: the statement store creates and claims the file; a missing one means the
    // caller skipped opening it, and creating it here would make the store refuse it later.
    db = new Database(file, { fileMustExist: true });
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    migrate(db, file, migrations);
    return new SqliteDecisionLog(file, db);
  } catch (err) {
    db?.close();
    if (err instanceof PyvouchError) throw err;
    throw new PyvouchError('STORE', `cannot open the decision log in ${file}: ${(err as Error).message}`, {
      file,
      cause: err,
      help: 'open the statement store first (any pyvouch command that reads the store creates it)',
    });
  }
}

function migrate(db: Database.Database, file: string, migrations: readonly Migration[]): void {
  if (!sqliteTableExists(db, MIGRATIONS_TABLE)) {
    throw new PyvouchError('STORE', `cannot open the decision log in ${file}: it is not a pyvouch store`, {
      file,
      help: 'point --store at a pyvouch store (the statement store is created on first use)',
    });
  }
  if (pendingMigrations(migrations, sqliteSchemaVersion(db, DECISION_MIGRATIONS_TABLE), file).length === 0) return;
  applySqliteMigrations(db, file, {
    table: DECISION_MIGRATIONS_TABLE,
    migrations,
    what: `the decision log in ${file}`,
    help: 'nothing was changed; check the file is writable',
  });
}

export class SqliteDecisionLog implements DecisionLog {
  readonly location: string;
  #db: Database.Database | undefined;
  readonly #insert: Database.Statement<unknown[]>;
  readonly #generation: Database.Statement<[], { g: number | null }>;
  readonly #queries = new Map<string, Database.Statement<unknown[], DecisionRow>>();
  readonly #recordBatch: Database.Transaction<(entries: readonly DecisionRecord[]) => void>;
  readonly #seeBatch: Database.Transaction<(files: readonly SeenFile[], now: string) => Map<string, string>>;

  constructor(location: string, db: Database.Database) {
    this.location = location;
    this.#db = db;
    this.#insert = db.prepare(`INSERT INTO decisions (${DECISION_COLUMNS.join(', ')}) VALUES (${DECISION_COLUMNS.map(() => '?').join(', ')})`);
    this.#generation = db.prepare('SELECT max(rowid) AS g FROM statements');
    const see = db.prepare<[string, string, string, string]>('INSERT OR IGNORE INTO first_seen (project, filename, sha256, first_seen) VALUES (?, ?, ?, ?)');
    const seen = db.prepare<[string, string, string], { first_seen: string }>('SELECT first_seen FROM first_seen WHERE project = ? AND filename = ? AND sha256 = ?');
    this.#seeBatch = db.transaction((files: readonly SeenFile[], now: string) => {
      const out = new Map<string, string>();
      for (const f of files) {
        see.run(f.project, f.filename, f.sha256, now);
        const row = seen.get(f.project, f.filename, f.sha256);
        if (row !== undefined) out.set(seenKey(f), row.first_seen);
      }
      return out;
    });
    this.#recordBatch = db.transaction((entries: readonly DecisionRecord[]) => {
      for (const e of entries) {
        this.#insert.run(...decisionValues(e));
      }
    });
  }

  #open(): Database.Database {
    if (this.#db === undefined) throw new PyvouchError('STORE', `the decision log in ${this.location} is closed`);
    return this.#db;
  }

  async record(entries: readonly DecisionRecord[]): Promise<void> {
    this.#open();
    if (entries.length === 0) return;
    try {
      this.#recordBatch.immediate(entries);
    } catch (err) {
      throw new PyvouchError('STORE', `cannot record ${entries.length} decision(s) in ${this.location}: ${(err as Error).message}`, {
        file: this.location,
        cause: err,
      });
    }
  }

  async firstSeen(files: readonly SeenFile[], now: Date): Promise<Map<string, string>> {
    this.#open();
    if (files.length === 0) return new Map();
    try {
      return this.#seeBatch.immediate(files, now.toISOString());
    } catch (err) {
      throw new PyvouchError('STORE', `cannot record first-seen times in ${this.location}: ${(err as Error).message}`, { file: this.location, cause: err });
    }
  }

  async query(query: DecisionQuery = {}): Promise<StoredDecision[]> {
    const db = this.#open();
    const { text: sql, values: params } = decisionQuerySql(SQLITE_DIALECT, 'decisions', query);
    let prepared = this.#queries.get(sql);
    if (prepared === undefined) this.#queries.set(sql, (prepared = db.prepare<unknown[], DecisionRow>(sql)));
    const rows = this.#read(() => prepared.all(...params));
    return rows.map(decisionFromRow);
  }

  async statementGeneration(): Promise<string> {
    return String(this.#read(() => this.#generation.get()?.g ?? 0));
  }

  #read<T>(fn: () => T): T {
    this.#open();
    try {
      return fn();
    } catch (err) {
      throw new PyvouchError('STORE', `cannot read the decision log in ${this.location}: ${(err as Error).message}`, {
        file: this.location,
        cause: err,
      });
    }
  }

  async close(): Promise<void> {
    this.#db?.close();
    this.#db = undefined;
  }
}

