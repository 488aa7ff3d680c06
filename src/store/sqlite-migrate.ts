// Applies numbered migrations to an SQLite file under its write lock, recording each in a version
// table. The statement store and the decision log each keep their own version table in the same
// file; this is the one mechanism both use.
import type Database from 'better-sqlite3';
import { PyvouchError } from '../errors.js';
import { pendingMigrations, type Migration } from './migrations.js';

export interface SqliteMigrationSet {
  /** The version table of this set of migrations. */
  table: string;
  migrations: readonly Migration[];
  /** What is being migrated, for messages: `the store x.db`, `the decision log in x.db`. */
  what: string;
  /** Help for a failed migration. */
  help: string;
  /** Runs under the lock before the version table is created (e.g. refuse a foreign database). */
  beforeCreate?: () => void;
}

export function sqliteTableExists(db: Database.Database, name: string): boolean {
  return db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?").get(name)?.n === 1;
}

/** The highest applied version of `table`, 0 when the table does not exist yet. */
export function sqliteSchemaVersion(db: Database.Database, table: string): number {
  if (!sqliteTableExists(db, table)) return 0;
  return db.prepare<[], { v: number }>(`SELECT coalesce(max(version), 0) AS v FROM ${table}`).get()?.v ?? 0;
}

export function applySqliteMigrations(db: Database.Database, file: string, set: SqliteMigrationSet): void {
  // Off during migrations (it cannot change inside a transaction), so a table can be rebuilt, as
  // SQLite's ALTER TABLE documentation describes; the keys are checked before the commit.
  const foreignKeys = db.pragma('foreign_keys', { simple: true }) as number;
  if (foreignKeys === 1) db.pragma('foreign_keys = OFF');
  db.exec('BEGIN IMMEDIATE');
  try {
    if (!sqliteTableExists(db, set.table)) {
      set.beforeCreate?.();
      db.exec(`CREATE TABLE ${set.table} (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`);
    }
    // Read again under the write lock: another process may have migrated meanwhile.
    const record = db.prepare(`INSERT INTO ${set.table} (version, name, applied_at) VALUES (?, ?, ?)`);
    for (const migration of pendingMigrations(set.migrations, sqliteSchemaVersion(db, set.table), file)) {
      for (const sql of migration.statements) db.exec(sql);
      record.run(migration.version, migration.name, new Date().toISOString());
    }
    const broken = db.pragma('foreign_key_check') as unknown[];
    if (broken.length > 0) throw new Error(`${broken.length} rows break a foreign key after the migration`);
    db.exec('COMMIT');
  } catch (err) {
    if (db.inTransaction) db.exec('ROLLBACK');
    if (foreignKeys === 1) db.pragma('foreign_keys = ON');
    if (err instanceof PyvouchError) throw err;
    throw new PyvouchError('STORE_MIGRATION', `cannot migrate ${set.what}: ${(err as Error).message}`, { file, cause: err, help: set.help });
  }
  if (foreignKeys === 1) db.pragma('foreign_keys = ON');
}
