// The SQLite store: the shared behavioural suite on a fresh file per test, then what only an
// embedded file store has (directories, journal mode, foreign files) and openStore's choices.

import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { isPyvouchError } from '../../src/errors.js';
import { LATEST_SCHEMA_VERSION, MIGRATIONS_TABLE, sqliteMigrations } from '../../src/store/migrations.js';
import { applySqliteMigrations } from '../../src/store/sqlite-migrate.js';
import { openStore } from '../../src/store/open.js';
import { openSqliteStore, SqliteStore } from '../../src/store/sqlite.js';
import { errorWith } from '../support/errors.js';
import { fakeStatement } from './fixtures.js';
import { storeSuite, type EdgeRow, type StoreHarness } from './suite.js';

const root = mkdtempSync(join(tmpdir(), 'pyvouch-store-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

function raw<T>(file: string, fn: (db: Database.Database) => T): T {
  const db = new Database(file);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

storeSuite('SQLite', async () => {
  const dir = join(root, `case-${++counter}`);
  const file = join(dir, 'nested', 'pyvouch.db');
  const harness: StoreHarness = {
    spec: file,
    open: async (extra, upTo = Infinity, verifiedCache) => {
      const migrations = [...sqliteMigrations.filter((m) => m.version <= upTo), ...(extra?.((t) => t) ?? [])];
      if (upTo >= LATEST_SCHEMA_VERSION) return openSqliteStore(file, { migrations, ...(verifiedCache === undefined ? {} : { verifiedCache }) });
      // This code's queries need the newest columns, so an older store is only migrated, not opened.
      mkdirSync(join(dir, 'nested'), { recursive: true });
      raw(file, (db) => applySqliteMigrations(db, file, { table: MIGRATIONS_TABLE, migrations, what: file, help: '' }));
      return { close: async () => undefined } as unknown as SqliteStore;
    },
    appliedMigrations: async () =>
      raw(file, (db) => db.prepare<[], { version: number }>(`SELECT version FROM ${MIGRATIONS_TABLE} ORDER BY version`).all().map((r) => r.version)),
    recordMigration: async (version) =>
      void raw(file, (db) => db.prepare(`INSERT INTO ${MIGRATIONS_TABLE} (version, name, applied_at) VALUES (?, 'future', ?)`).run(version, new Date().toISOString())),
    tableExists: async (name) =>
      raw(file, (db) => db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !== undefined),
    trustEdges: async () =>
      raw(file, (db) =>
        db
          .prepare<[], EdgeRow>('SELECT statement_id AS statementId, agent, subject, relation, level FROM trust_edges')
          .all()
          .map((r) => ({ ...r })),
      ),
    updateStatement: async (id, column, value) =>
      void raw(file, (db) => db.prepare(`UPDATE statements SET ${column} = ? WHERE id = ?`).run(value, id)),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
  return harness;
});


describe('SQLite store file', () => {
  test('creates the file and its parent directories', async () => {
    const file = join(root, 'deep', 'er', 'store.db');
    const store = openSqliteStore(file);
    await store.close();
    assert.ok(existsSync(file));
  });

  test('runs in WAL mode with foreign keys on and a busy timeout', async () => {
    const store = openSqliteStore(join(root, 'pragmas', 'store.db'));
    try {
      assert.equal(store.setting('journal_mode'), 'wal');
      assert.equal(store.setting('foreign_keys'), 1);
      assert.ok(Number(store.setting('busy_timeout')) >= 1000);
    } finally {
      await store.close();
    }
  });

  test('names the file when it is not an SQLite database', () => {
    const file = join(root, 'not-a-db.db');
    writeFileSync(file, 'this is a text file, not a database\n'.repeat(200));
    assert.throws(() => openSqliteStore(file), (err) => {
      errorWith('STORE', /not an SQLite database/)(err);
      assert.ok(isPyvouchError(err) && err.message.includes(file) && err.file === file && err.help !== undefined);
      return true;
    });
  });

  test('names the path when it is a directory', () => {
    const dir = join(root, 'a-directory.db');
    mkdirSync(dir, { recursive: true });
    assert.throws(() => openSqliteStore(dir), errorWith('STORE', /a-directory\.db/));
  });

  test('refuses an SQLite database of another program', () => {
    const file = join(root, 'foreign.db');
    raw(file, (db) => db.exec('CREATE TABLE accounts (id INTEGER PRIMARY KEY)'));
    assert.throws(() => openSqliteStore(file), errorWith('STORE', /another program/));
  });
});

describe('openStore', () => {
  test('opens pyvouch.db in the default directory when no store is named', async () => {
    const dir = join(root, 'default-dir');
    const store = await openStore(undefined, dir);
    try {
      assert.ok(store instanceof SqliteStore);
      assert.equal(store.location, join(dir, 'pyvouch.db'));
      assert.ok(existsSync(join(dir, 'pyvouch.db')));
    } finally {
      await store.close();
    }
  });

  test('opens a named file path as an SQLite store', async () => {
    const file = join(root, 'named', 'team.sqlite');
    const store = await openStore(file, join(root, 'unused'));
    try {
      assert.equal(store.location, file);
      await store.put([fakeStatement()]);
      assert.equal(await store.count(), 1);
    } finally {
      await store.close();
    }
    assert.ok(!existsSync(join(root, 'unused')));
  });

  test('refuses a URL scheme it does not know, hiding the password', async () => {
    await assert.rejects(openStore('mysql://me:secret@db/pyvouch', root), (err) => {
      errorWith('STORE', /unsupported store URL scheme 'mysql:'/)(err);
      assert.doesNotMatch((err as Error).message, /secret/);
      return true;
    });
  });
});
