// The PostgreSQL store: the shared behavioural suite, each test in a schema of its own
// (pyvouch_test_<random>, dropped afterwards), then connection handling and URL parsing.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, beforeEach, describe, test } from 'node:test';
import pg from 'pg';
import { LATEST_SCHEMA_VERSION, MIGRATIONS_TABLE, postgresMigrations, sqliteMigrations } from '../../src/store/migrations.js';
import { openStore } from '../../src/store/open.js';
import { openPostgresStore, parsePostgresUrl, PostgresStore } from '../../src/store/postgres.js';
import { errorWith } from '../support/errors.js';
import { fakeStatement } from './fixtures.js';
import { storeSuite, type EdgeRow, type StoreHarness } from './suite.js';

// The server comes from PYVOUCH_TEST_POSTGRES. These tests must run in CI, so an unreachable
// server fails them; a developer without PostgreSQL opts out explicitly with the value `skip`.
const setting = process.env['PYVOUCH_TEST_POSTGRES'];
const skip = setting === 'skip';
const serverUrl = setting === undefined || setting === '' ? 'postgres://postgres@127.0.0.1:5432/test' : setting;
const runId = randomBytes(4).toString('hex');
let counter = 0;

/** The same URL with pyvouch's schema parameter set. */
function withSchema(schema: string): string {
  const url = new URL(serverUrl);
  url.searchParams.set('schema', schema);
  return url.toString();
}


if (skip) {
  test('PostgreSQL store', { skip: 'PYVOUCH_TEST_POSTGRES=skip' }, () => undefined);
} else {
  // One pool for the harnesses' raw reads and for creating and dropping schemas, connected once.
  // Every test awaits it, so an unreachable server fails each test with the same clear message
  // (a failing before() hook would only cancel them).
  let reaching: Promise<pg.Pool> | undefined;
  const reachServer = (): Promise<pg.Pool> =>
    (reaching ??= (async () => {
      const pool = new pg.Pool({ connectionString: serverUrl, max: 2, connectionTimeoutMillis: 5000 });
      pool.on('error', () => undefined);
      try {
        await pool.query('SELECT 1');
        return pool;
      } catch (err) {
        await pool.end();
        throw new Error(
          `The PostgreSQL store tests need a server at ${serverUrl.replace(/:[^:@/]*@/, ':***@')} ` +
            `(from PYVOUCH_TEST_POSTGRES, or the default): ${(err as Error).message || String(err)}. ` +
            'Start PostgreSQL, point PYVOUCH_TEST_POSTGRES at a reachable server, ' +
            'or set PYVOUCH_TEST_POSTGRES=skip to skip these tests.',
          { cause: err },
        );
      }
    })());
  let admin: pg.Pool | undefined;
  const adminPool = (): pg.Pool => {
    if (admin === undefined) throw new Error('the PostgreSQL test server was not reached');
    return admin;
  };

  describe('PostgreSQL', () => {
    beforeEach(async () => {
      admin = await reachServer();
    });
    after(async () => {
      // Schemas of tests that died before their own cleanup.
      if (admin === undefined) return;
      const left = await admin.query<{ nspname: string }>('SELECT nspname FROM pg_namespace WHERE nspname LIKE $1', [`pyvouch_test_${runId}_%`]);
      for (const { nspname } of left.rows) await admin.query(`DROP SCHEMA "${nspname}" CASCADE`);
      await admin.end();
    });

    storeSuite('PostgreSQL', async () => {
      const schema = `pyvouch_test_${runId}_${++counter}`;
      const q = `"${schema}"`;
      const spec = withSchema(schema);
      const harness: StoreHarness = {
        spec,
        open: (extra, upTo = Infinity, verifiedCache) =>
          openPostgresStore(spec, {
            migrations: [...postgresMigrations(schema).filter((m) => m.version <= upTo), ...(extra?.((t) => `${q}.${t}`) ?? [])],
            poolSize: 2,
            ...(verifiedCache === undefined ? {} : { verifiedCache }),
          }),
        appliedMigrations: async () =>
          (await adminPool().query<{ version: number }>(`SELECT version FROM ${q}.${MIGRATIONS_TABLE} ORDER BY version`)).rows.map(
            (r) => r.version,
          ),
        recordMigration: async (version) => {
          await adminPool().query(`INSERT INTO ${q}.${MIGRATIONS_TABLE} (version, name) VALUES ($1, 'future')`, [version]);
        },
        tableExists: async (name) =>
          ((await adminPool().query('SELECT 1 FROM pg_tables WHERE schemaname = $1 AND tablename = $2', [schema, name])).rowCount ?? 0) > 0,
        trustEdges: async () =>
          (
            await adminPool().query<EdgeRow>(
              `SELECT statement_id AS "statementId", agent, subject, relation, level FROM ${q}.trust_edges`,
            )
          ).rows.map((r) => ({ ...r })),
        updateStatement: async (id, column, value) => {
          await adminPool().query(`UPDATE ${q}.statements SET ${column} = $1 WHERE id = $2`, [value, id]);
        },
        dispose: async () => {
          await adminPool().query(`DROP SCHEMA IF EXISTS ${q} CASCADE`);
        },
      };
      return harness;
    });

    describe('PostgreSQL store connection', () => {
      test('creates its schema, and a second store on the same schema sees the same data', async () => {
        const schema = `pyvouch_test_${runId}_${++counter}`;
        const first = await openPostgresStore(withSchema(schema));
        const second = await openPostgresStore(withSchema(schema));
        try {
          await first.put([fakeStatement()]);
          assert.equal(await second.count(), 1);
        } finally {
          await first.close();
          await second.close();
          await adminPool().query(`DROP SCHEMA "${schema}" CASCADE`);
        }
      });

      test('migrates once when several stores open a new schema at the same time', async () => {
        const schema = `pyvouch_test_${runId}_${++counter}`;
        const stores = await Promise.all(Array.from({ length: 4 }, () => openPostgresStore(withSchema(schema))));
        try {
          const applied = await adminPool().query<{ version: number }>(`SELECT version FROM "${schema}".${MIGRATIONS_TABLE} ORDER BY version`);
          assert.deepEqual(
            applied.rows.map((r) => r.version),
            Array.from({ length: LATEST_SCHEMA_VERSION }, (_, i) => i + 1),
          );
        } finally {
          for (const store of stores) await store.close();
          await adminPool().query(`DROP SCHEMA "${schema}" CASCADE`);
        }
      });

      test('refuses a schema holding tables of another program', async () => {
        const schema = `pyvouch_test_${runId}_${++counter}`;
        await adminPool().query(`CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".statements (x int)`);
        try {
          await assert.rejects(openPostgresStore(withSchema(schema)), errorWith('STORE', /another program/));
        } finally {
          await adminPool().query(`DROP SCHEMA "${schema}" CASCADE`);
        }
      });

      test('says which host and port refused the connection', async () => {
        await assert.rejects(openPostgresStore('postgres://someone:hunter2@127.0.0.1:1/pyvouch'), (err) => {
          errorWith('STORE', /127\.0\.0\.1:1 \(connection refused\)/)(err);
          assert.doesNotMatch((err as Error).message, /hunter2/);
          assert.match((err as { help?: string }).help ?? '', /start PostgreSQL/);
          return true;
        });
      });

      test('reports a database that does not exist', async () => {
        const url = new URL(serverUrl);
        url.pathname = `/no_such_db_${runId}`;
        await assert.rejects(openPostgresStore(url.toString()), errorWith('STORE', /does not exist/));
      });
    });

    describe('openStore with a PostgreSQL URL', () => {
      for (const scheme of ['postgres', 'postgresql']) {
        test(`opens a ${scheme}:// URL as a PostgreSQL store`, async () => {
          const schema = `pyvouch_test_${runId}_${++counter}`;
          const url = new URL(withSchema(schema));
          const spec = `${scheme}:${url.href.slice(url.protocol.length)}`;
          const store = await openStore(spec, '/nonexistent');
          try {
            assert.ok(store instanceof PostgresStore);
            assert.equal(await store.count(), 0);
          } finally {
            await store.close();
            await adminPool().query(`DROP SCHEMA "${schema}" CASCADE`);
          }
        });
      }
    });
  });
}

test('both backends know the same migration versions', () => {
  assert.deepEqual(
    postgresMigrations('pyvouch').map((m) => m.version),
    sqliteMigrations.map((m) => m.version),
  );
});

describe('PostgreSQL store URL', () => {
  test('redacts the password in the location and keeps the rest', () => {
    const target = parsePostgresUrl('postgres://alice:s3cr%40t@db.example:6543/vouch?schema=team&sslmode=require');
    assert.equal(target.location, 'postgres://alice:***@db.example:6543/vouch?schema=team&sslmode=require');
    assert.equal(target.schema, 'team');
    assert.equal(target.address, 'db.example:6543');
    assert.doesNotMatch(target.connectionString, /schema=/);
    assert.match(target.connectionString, /s3cr%40t/);
  });

  test('defaults to the pyvouch schema and port 5432', () => {
    const target = parsePostgresUrl('postgresql://db.example/vouch');
    assert.equal(target.schema, 'pyvouch');
    assert.equal(target.address, 'db.example:5432');
    assert.equal(target.location, 'postgresql://db.example/vouch');
  });

  test('refuses a schema name it could not quote safely', () => {
    assert.throws(() => parsePostgresUrl('postgres://db/x?schema=a";drop'), errorWith('STORE', /invalid PostgreSQL schema name/));
  });
});
