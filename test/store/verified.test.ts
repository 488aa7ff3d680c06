// The verified cache's own file and table (src/store/verified.ts): digests looked up as bytes, a
// file of 32 bytes a row, and a damaged file that only costs speed: a flipped byte names no row,
// so that row is verified the long way again, and a forged row still counts for nothing.

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import Database from 'better-sqlite3';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { fileVerifiedCache, memoryVerifiedCache, type VerifiedEnvelopeCache } from '../../src/store/verified.js';
import { fakeAgent, fakeStatement } from './fixtures.js';

const root = mkdtempSync(join(tmpdir(), 'pyvouch-verified-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;

describe('verified cache', () => {
  test('holds every digest added and no other, past many growths of its table', () => {
    const cache = memoryVerifiedCache();
    const added = Array.from({ length: 5000 }, () => randomBytes(32));
    for (const d of added) cache.add(d);
    for (const d of added) assert.ok(cache.has(d));
    // Same first four bytes (the table's key), another digest: not held.
    const twin = Buffer.from(added[0]!);
    twin[31]! ^= 1;
    assert.equal(cache.has(twin), false);
    for (let i = 0; i < 1000; i++) assert.equal(cache.has(randomBytes(32)), false);
    assert.equal(cache.has(Buffer.alloc(16)), false, 'a short digest names nothing');
  });

  test('a file cache reads back what an earlier process wrote, and a partial tail is ignored', () => {
    const file = join(root, `case-${++counter}`, 'verified-envelopes.bin');
    const first = fileVerifiedCache(file);
    const digests = Array.from({ length: 300 }, () => randomBytes(32));
    for (const d of digests) first.add(d);
    first.flush();
    assert.equal(statSync(file).size, 300 * 32);
    writeFileSync(file, Buffer.concat([readFileSync(file), Buffer.alloc(7)]));
    const second = fileVerifiedCache(file);
    for (const d of digests) assert.ok(second.has(d));
    assert.equal(second.has(Buffer.alloc(32)), false);
  });

  test('a file holding digests twice (two processes appended them) reads as each once, and grows from there', () => {
    const file = join(root, `case-${++counter}`, 'verified-envelopes.bin');
    const digests = Array.from({ length: 200 }, () => randomBytes(32));
    // Every digest twice, interleaved, then a partial tail.
    const twice = digests.flatMap((d, i) => [d, digests[Math.max(0, i - 3)]!]);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, Buffer.concat([...twice, Buffer.alloc(5)]));
    const cache = fileVerifiedCache(file);
    for (const d of digests) assert.ok(cache.has(d));
    for (let i = 0; i < 200; i++) assert.equal(cache.has(randomBytes(32)), false);
    assert.equal(cache.has(Buffer.alloc(32)), false, 'the partial tail names nothing');
    // Added again: not pending, so a flush appends only what is new.
    for (const d of digests) cache.add(d);
    const more = Array.from({ length: 300 }, () => randomBytes(32));
    for (const d of more) cache.add(d);
    for (const d of [...digests, ...more]) assert.ok(cache.has(d));
    const before = statSync(file).size;
    cache.flush();
    assert.equal(statSync(file).size, before + 300 * 32);
  });

  describe('a damaged cache file only costs speed', () => {
    async function setUp(): Promise<{ db: string; cacheFile: string; like: ReturnType<typeof fakeStatement>; audit: ReturnType<typeof fakeStatement> }> {
      const dir = join(root, `case-${++counter}`);
      const db = join(dir, 'pyvouch.db');
      const cacheFile = join(dir, 'cache', 'verified-envelopes.bin');
      const like = fakeStatement({ kind: 'like', agent: fakeAgent('mallory'), name: 'evil', version: '1.0' });
      const audit = fakeStatement({ kind: 'assess', agent: fakeAgent('security'), name: 'evil', version: '0.9', criteria: ['safe-to-deploy'] });
      const store = openSqliteStore(db);
      await store.put([like, audit]);
      await store.close();
      return { db, cacheFile, like, audit };
    }

    async function read(db: string, cache: VerifiedEnvelopeCache): Promise<{ kinds: Record<string, string>; rejected: number }> {
      const store = openSqliteStore(db, { verifiedCache: cache });
      try {
        const statements = await store.statementsForPackages(['evil']);
        return { kinds: Object.fromEntries(statements.map((s) => [s.id, `${s.kind} ${s.agent}`])), rejected: store.rejected().length };
      } finally {
        await store.close();
      }
    }

    function flipByte(file: string, at: number): void {
      const bytes = readFileSync(file);
      bytes[at]! ^= 0x40;
      writeFileSync(file, bytes);
    }

    test('a row whose digest has a flipped byte is verified the long way and kept again', async () => {
      const { db, cacheFile, like, audit } = await setUp();
      const cold = await read(db, fileVerifiedCache(cacheFile));
      // One row digest a row: the envelope's own digest is not kept beside it.
      assert.equal(statSync(cacheFile).size, 2 * 32);
      const warm = await read(db, fileVerifiedCache(cacheFile));
      assert.deepEqual(warm, cold);
      assert.equal(statSync(cacheFile).size, 2 * 32, 'a warm read verifies and adds nothing');
      flipByte(cacheFile, 5);
      const damaged = await read(db, fileVerifiedCache(cacheFile));
      assert.deepEqual(damaged, cold);
      assert.deepEqual(damaged.kinds, { [like.statement.id]: `like ${like.statement.agent}`, [audit.statement.id]: `assess ${audit.statement.agent}` });
      // The row its digest named went the long way (verified, compared) and was added again.
      assert.equal(statSync(cacheFile).size, 3 * 32);
    });

    test('with the cache file damaged, a forged row still counts for nothing', async () => {
      const { db, cacheFile, like } = await setUp();
      await read(db, fileVerifiedCache(cacheFile));
      flipByte(cacheFile, 32 + 17);
      flipByte(cacheFile, 3);
      // Mallory rewrites her like, in the column, as an audit by the trusted identity.
      const forged = { ...like.statement, kind: 'assess', agent: fakeAgent('security'), criteria: ['safe-to-deploy'], receivedAt: undefined, source: undefined };
      const raw = new Database(db);
      try {
        raw.prepare('UPDATE statements SET statement = ? WHERE id = ?').run(JSON.stringify(forged), like.statement.id);
      } finally {
        raw.close();
      }
      for (let i = 0; i < 2; i++) {
        const got = await read(db, fileVerifiedCache(cacheFile));
        assert.equal(got.kinds[like.statement.id], `like ${like.statement.agent}`);
        assert.equal(Object.values(got.kinds).filter((k) => k.startsWith('assess')).length, 1);
      }
    });

    test('a cache file of garbage verifies every row and vouches for none', async () => {
      const { db, cacheFile, like, audit } = await setUp();
      const cold = await read(db, memoryVerifiedCache());
      mkdirSync(dirname(cacheFile), { recursive: true });
      writeFileSync(cacheFile, randomBytes(32 * 50));
      const got = await read(db, fileVerifiedCache(cacheFile));
      assert.deepEqual(got, cold);
      assert.equal(got.kinds[like.statement.id], `like ${like.statement.agent}`);
      assert.equal(got.kinds[audit.statement.id], `assess ${audit.statement.agent}`);
      assert.equal(statSync(cacheFile).size, 32 * 52, 'both rows were verified and added');
    });
  });
});
