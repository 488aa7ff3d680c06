// Several `pyvouch serve` processes on one store. On PostgreSQL they agree on every decision, also
// right after a veto is POSTed to the other process (the store's generation, read before each
// download, moves in the same transaction as the statements). And a server killed with SIGKILL
// in the middle of a stream of submissions has lost none it acknowledged with 201 — on PostgreSQL
// and on SQLite.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { openStore } from '../../src/store/open.js';
import type { FakeFile } from '../support/fake-index.js';
import { dropPostgresSchema, flag, postgresSpec, postStatements, review, reviewer, spawnServe, tempDir, writePolicy, writeWheels, type ServeProcess } from './support.js';

const alice = reviewer('Alice');
const dir = tempDir('pyvouch-procs-');
const upstream = join(dir, 'wheels');
const files = writeWheels(
  upstream,
  Array.from({ length: 4 }, (_, i) => ({ name: 'shared', version: `1.${i}` })),
);
const policy = writePolicy(dir, alice);
const pgTarget = postgresSpec();

async function status(origin: string, file: FakeFile): Promise<number> {
  const res = await fetch(`${origin}/files/shared/${file.filename}`);
  await res.arrayBuffer();
  return res.status;
}

async function verdicts(origin: string): Promise<Record<string, string>> {
  const body = (await (await fetch(`${origin}/api/packages/shared`)).json()) as { releases: { version: string; files: { verdict: string }[] }[] };
  return Object.fromEntries(body.releases.map((r) => [r.version, r.files[0]!.verdict]));
}

function serveArgs(store: string, home: string): string[] {
  return ['--upstream', upstream, '--policy', policy, '--store', store, '--mode', 'deny', '--cache-dir', join(home, 'cache')];
}

/**
 * Posts distinct signed reviews from `workers` concurrent clients until `stopAfter` were
 * acknowledged, kills the server with SIGKILL with requests still in flight, and returns the ids
 * it acknowledged. Each client stops at its first failed request (the server is gone).
 */
async function submitAndKill(server: ServeProcess, stopAfter: number): Promise<{ acknowledged: string[]; attempted: number }> {
  const acknowledged: string[] = [];
  let attempted = 0;
  let killing: Promise<void> | undefined;
  const worker = async (w: number): Promise<void> => {
    for (let i = 0; i < 500; i++) {
      const envelope = review(alice, 'shared', `9.${w}.${i}`, [files[0]!]);
      attempted++;
      let res: Response;
      try {
        res = await fetch(`${server.origin}/statements`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', Authorization: 'Bearer test-admin-token-0123456789' },
          body: JSON.stringify(envelope),
        });
      } catch {
        return;
      }
      const body = (await res.json().catch(() => ({}))) as { ids?: string[] };
      if (res.status !== 201) return;
      acknowledged.push(...(body.ids ?? []));
      if (acknowledged.length >= stopAfter) killing ??= server.kill();
    }
  };
  await Promise.all([0, 1, 2, 3].map(worker));
  await (killing ?? server.kill());
  return { acknowledged, attempted };
}

describe('pyvouch serve processes sharing a PostgreSQL store', { skip: pgTarget.url === undefined ? 'PYVOUCH_TEST_POSTGRES=skip' : false }, () => {
  const processes: ServeProcess[] = [];
  after(async () => {
    for (const p of processes) await p.kill();
    await dropPostgresSchema(pgTarget);
  });

  test('agree on decisions, including right after a veto is posted to the other process', async () => {
    const a = await spawnServe(serveArgs(pgTarget.spec, dir), { PYVOUCH_HOME: dir });
    processes.push(a);
    const b = await spawnServe(serveArgs(pgTarget.spec, dir), { PYVOUCH_HOME: dir });
    processes.push(b);

    assert.equal((await postStatements(a.origin, files.map((f, i) => review(alice, 'shared', `1.${i}`, [f])))).status, 201);
    // Warm both servers' caches with allows: these are what a stale cache would wrongly reuse.
    for (const f of files) {
      assert.equal(await status(a.origin, f), 200);
      assert.equal(await status(b.origin, f), 200);
    }
    assert.deepEqual(await verdicts(a.origin), await verdicts(b.origin));

    for (const [i, f] of files.entries()) {
      const version = `1.${i}`;
      // Alternate which process receives the veto; ask the other one at once.
      const [to, other] = i % 2 === 0 ? [a, b] : [b, a];
      const posted = await postStatements(to.origin, flag(alice, 'shared', version, [f]));
      assert.equal(posted.status, 201);
      assert.equal(await status(other.origin, f), 403, `${version}: the other process still served a vetoed file`);
      assert.equal(await status(to.origin, f), 403);
    }
    const va = await verdicts(a.origin);
    assert.deepEqual(va, { '1.3': 'fail', '1.2': 'fail', '1.1': 'fail', '1.0': 'fail' });
    assert.deepEqual(await verdicts(b.origin), va);
    await a.stop();
    await b.stop();
  });

  test('loses no acknowledged statement when a server is killed with SIGKILL mid-stream', async () => {
    const server = await spawnServe(serveArgs(pgTarget.spec, dir), { PYVOUCH_HOME: dir });
    processes.push(server);
    const { acknowledged, attempted } = await submitAndKill(server, 40);
    assert.ok(acknowledged.length >= 40, `only ${acknowledged.length} acknowledged`);
    assert.ok(attempted > acknowledged.length, 'the kill came with submissions in flight');
    const store = await openStore(pgTarget.spec, dir);
    try {
      const missing: string[] = [];
      for (const id of acknowledged) if ((await store.get(id)) === undefined) missing.push(id);
      assert.deepEqual(missing, []);
    } finally {
      await store.close();
    }
  });
});

describe('a pyvouch serve process on SQLite', () => {
  test('loses no acknowledged statement when killed with SIGKILL mid-stream', async () => {
    const home = tempDir('pyvouch-kill-');
    const store = join(home, 'pyvouch.db');
    const server = await spawnServe(serveArgs(store, home), { PYVOUCH_HOME: home });
    try {
      const { acknowledged, attempted } = await submitAndKill(server, 40);
      assert.ok(acknowledged.length >= 40);
      assert.ok(attempted > acknowledged.length);
      const reopened = await openStore(store, home);
      try {
        const missing: string[] = [];
        for (const id of acknowledged) if ((await reopened.get(id)) === undefined) missing.push(id);
        assert.deepEqual(missing, []);
        assert.ok((await reopened.count()) >= acknowledged.length);
      } finally {
        await reopened.close();
      }
    } finally {
      await server.kill();
    }
  });
});
