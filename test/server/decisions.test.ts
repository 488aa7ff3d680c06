// The decision log (src/store/decisions*.ts) on both backends: durable records queried newest
// first with filters, its own migration record beside the statement store's, and the statement
// generation that moves whenever anyone stores statements (with LISTEN/NOTIFY on PostgreSQL).
// Then `pyvouch log` over it, as a user runs it.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { verifyStatementEnvelope } from '../../src/attest/verify.js';
import { openDecisionLog, type DecisionLog, type DecisionRecord } from '../../src/store/decisions.js';
import { openStore } from '../../src/store/open.js';
import type { StatementStore } from '../../src/store/store.js';
import { wheelFile } from '../support/fake-index.js';
import { pyvouch } from '../cli/harness.js';
import { postgresSpec, review, reviewer, tempDir } from './support.js';

const alice = reviewer('Alice');

function record(overrides: Partial<DecisionRecord> = {}): DecisionRecord {
  return {
    time: '2026-02-03T04:05:06.789Z',
    client: '127.0.0.1',
    project: 'demo',
    filename: 'demo-1.0-py3-none-any.whl',
    version: '1.0',
    sha256: 'a'.repeat(64),
    verdict: 'fail',
    action: 'refuse',
    mode: 'deny',
    reasons: ['score 0.0 is 2.0 short of the threshold 2.0', 'no statements about demo==1.0: nobody has reviewed it'],
    ...overrides,
  };
}

function suite(name: string, open: () => Promise<{ store: StatementStore; log: DecisionLog; reopen: () => Promise<DecisionLog>; dispose: () => Promise<void> }>): void {
  describe(`${name} decision log`, () => {
    test('records decisions durably and reads them back newest first, filtered and paged', async () => {
      const { store, log, reopen, dispose } = await open();
      try {
        await log.record([record(), record({ project: 'other', verdict: 'pass', action: 'serve', reasons: [] })]);
        await log.record([record({ verdict: 'exempt', action: 'serve', sha256: null, reasons: ['exempt: vendored'] })]);
        const again = await reopen();
        try {
          const all = await again.query();
          assert.equal(all.length, 3);
          assert.deepEqual(all.map((e) => e.verdict), ['exempt', 'pass', 'fail']);
          assert.ok(all[0]!.id > all[1]!.id && all[1]!.id > all[2]!.id);
          const { id: _id, ...first } = all[2]!;
          assert.deepEqual(first, record());
          assert.equal(all[0]!.sha256, null);
          assert.deepEqual((await again.query({ project: 'demo' })).map((e) => e.verdict), ['exempt', 'fail']);
          assert.deepEqual((await again.query({ verdict: 'fail' })).map((e) => e.project), ['demo']);
          assert.deepEqual((await again.query({ action: 'serve', limit: 1 })).map((e) => e.verdict), ['exempt']);
          assert.deepEqual((await again.query({ before: all[0]!.id })).map((e) => e.verdict), ['pass', 'fail']);
          await assert.rejects(again.query({ limit: 0 }), (err: { code?: string }) => err.code === 'USAGE');
        } finally {
          await again.close();
        }
      } finally {
        await log.close();
        await store.close();
        await dispose();
      }
    });

    test('moves the statement generation whenever statements are stored, by any connection', async () => {
      const { store, log, dispose } = await open();
      try {
        const before = await log.statementGeneration();
        assert.equal(await log.statementGeneration(), before, 'stable while nothing changes');
        await log.record([record()]);
        assert.equal(await log.statementGeneration(), before, 'decisions are not statements');
        await store.put([verifyStatementEnvelope(review(alice, 'demo', '1.0', [wheelFile('demo', '1.0')]))]);
        const after1 = await log.statementGeneration();
        assert.notEqual(after1, before);
        assert.ok(BigInt(after1) > BigInt(before));
      } finally {
        await log.close();
        await store.close();
        await dispose();
      }
    });
  });
}

suite('SQLite', async () => {
  const dir = tempDir();
  const file = join(dir, 'pyvouch.db');
  const store = await openStore(file, dir);
  const log = await openDecisionLog(file, dir);
  return { store, log, reopen: () => openDecisionLog(file, dir), dispose: async () => undefined };
});

describe('SQLite decision log opening', () => {
  test('refuses a file the statement store has not claimed, and does not create it', async () => {
    const file = join(tempDir(), 'missing.db');
    await assert.rejects(openDecisionLog(file, '/nonexistent'), (err: { code?: string }) => err.code === 'STORE');
    assert.equal(existsSync(file), false);
  });
});

const pgTarget = postgresSpec();
if (pgTarget.url === undefined) {
  test('PostgreSQL decision log', { skip: 'PYVOUCH_TEST_POSTGRES=skip' }, () => undefined);
} else {
  const admin = new pg.Pool({ connectionString: pgTarget.url, max: 1 });
  const schemas: string[] = [];
  after(async () => {
    for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  });
  const fresh = (): { spec: string; schema: string } => {
    const t = postgresSpec();
    schemas.push(t.schema);
    return t;
  };

  suite('PostgreSQL', async () => {
    const { spec, schema } = fresh();
    const store = await openStore(spec, '/nonexistent');
    const log = await openDecisionLog(spec, '/nonexistent');
    return {
      store,
      log,
      reopen: () => openDecisionLog(spec, '/nonexistent'),
      dispose: () => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).then(() => undefined),
    };
  });

  describe('PostgreSQL statement generation and migrations', () => {
    test('notifies every listener, right after the commit, when another connection stores statements', async () => {
      const { spec } = fresh();
      const store = await openStore(spec, '/nonexistent');
      const log = await openDecisionLog(spec, '/nonexistent');
      const otherStore = await openStore(spec, '/nonexistent');
      const heard: (string | undefined)[] = [];
      let wake: () => void = () => undefined;
      const watch = await log.watchStatements!((g) => {
        heard.push(g);
        wake();
      });
      try {
        assert.equal(watch.healthy, true);
        const arrived = new Promise<void>((resolve) => (wake = resolve));
        await otherStore.put([verifyStatementEnvelope(review(alice, 'demo', '2.0', [wheelFile('demo', '2.0')]))]);
        await Promise.race([arrived, new Promise((_, reject) => setTimeout(() => reject(new Error('no notification within 5 s')), 5000))]);
        assert.deepEqual(heard, [await log.statementGeneration()]);
      } finally {
        await watch.close();
        await log.close();
        await store.close();
        await otherStore.close();
      }
    });

    test('migrates once, in a record of its own beside the statement store', async () => {
      const { spec, schema } = fresh();
      const store = await openStore(spec, '/nonexistent');
      const logs = await Promise.all([0, 1, 2].map(() => openDecisionLog(spec, '/nonexistent')));
      try {
        const applied = await admin.query<{ version: number }>(`SELECT version FROM "${schema}".pyvouch_decision_log_migrations`);
        assert.deepEqual(applied.rows.map((r) => r.version).sort(), [1, 2]);
        const theirs = await admin.query<{ version: number }>(`SELECT version FROM "${schema}".pyvouch_migrations`);
        assert.ok(theirs.rows.length >= 1);
      } finally {
        for (const l of logs) await l.close();
        await store.close();
      }
    });

    test('refuses a schema without a statement store', async () => {
      const { spec } = fresh();
      await assert.rejects(openDecisionLog(spec, '/nonexistent'), (err: { code?: string; message?: string }) => err.code === 'STORE' && /no statement store/.test(err.message ?? ''));
    });
  });
}

describe('pyvouch log', () => {
  test('shows the decisions newest first as text and JSON, filtered by verdict and project', async () => {
    const home = tempDir();
    const file = join(home, 'pyvouch.db');
    const store = await openStore(file, home);
    const log = await openDecisionLog(file, home);
    await log.record([record(), record({ time: '2026-02-03T04:05:07.000Z', project: 'good', filename: 'good-1.0-py3-none-any.whl', verdict: 'pass', action: 'serve', reasons: [] })]);
    await log.close();
    await store.close();

    const text = pyvouch(['log', '--store', file], { home });
    assert.equal(text.code, 0, text.stderr);
    assert.equal(
      text.stdout,
      [
        '2026-02-03T04:05:07.000Z  serve  pass   good 1.0  good-1.0-py3-none-any.whl  127.0.0.1  (deny mode, #2)',
        '2026-02-03T04:05:06.789Z  refuse fail   demo 1.0  demo-1.0-py3-none-any.whl  127.0.0.1  (deny mode, #1)',
        '    - score 0.0 is 2.0 short of the threshold 2.0',
        '    - no statements about demo==1.0: nobody has reviewed it',
        '',
      ].join('\n'),
    );
    const json = pyvouch(['log', '--verdict', 'fail', '--format', 'json'], { home });
    assert.equal(json.code, 0, json.stderr);
    const body = JSON.parse(json.stdout) as { entries: { id: number; project: string; verdict: string }[] };
    assert.deepEqual(body.entries.map((e) => [e.id, e.project, e.verdict]), [[1, 'demo', 'fail']]);
    const none = pyvouch(['log', '--project', 'nothing-here'], { home });
    assert.equal(none.stdout, 'no decisions match\n');
    const bad = pyvouch(['log', '--limit', '0'], { home });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /error\[USAGE\]/);
  });
});
