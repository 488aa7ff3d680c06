// The review and import use cases over injected adapters: a real SQLite store, a real local
// directory index of sdists and a real pylock.toml. The attacker's tries: retract someone else's
// statement, certify bytes the index swapped under a lock, import a tampered envelope.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { certify, releaseArtifacts, retractableIds, signReview } from '../../src/app/review.js';
import { importStatements } from '../../src/app/import.js';
import { readEnvelopeValues } from '../../src/app/envelope-files.js';
import { generateIdentity } from '../../src/attest/keys.js';
import { isPyvouchError } from '../../src/errors.js';
import { openIndex } from '../../src/simple/open.js';
import { openStore } from '../../src/store/open.js';
import { sdistFile } from '../support/fake-index.js';

const NOW = new Date('2026-03-01T12:00:00Z');
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

async function withStore<T>(fn: (store: Awaited<ReturnType<typeof openStore>>, dir: string) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-app-review-'));
  const store = await openStore(join(dir, 'pyvouch.db'), dir);
  try {
    return await fn(store, dir);
  } finally {
    await store.close();
  }
}

/** A directory index holding tiny-pkg 1.0 and 2.0 sdists, and a pylock.toml naming 2.0 by `lockedSha`. */
async function indexAndLock(lockedSha?: string): Promise<{ indexDir: string; lock: string; served: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-app-index-'));
  const indexDir = join(dir, 'index');
  mkdirSync(indexDir);
  let served = '';
  for (const version of ['1.0', '2.0']) {
    const f = await sdistFile('tiny-pkg', version);
    writeFileSync(join(indexDir, f.filename), f.content);
    if (version === '2.0') served = sha256(f.content);
  }
  const lock = join(dir, 'pylock.toml');
  writeFileSync(
    lock,
    [
      'lock-version = "1.0"',
      'created-by = "hand"',
      '',
      '[[packages]]',
      'name = "tiny-pkg"',
      'version = "2.0"',
      '',
      '[packages.sdist]',
      'name = "tiny_pkg-2.0.tar.gz"',
      'url = "https://files.example/tiny_pkg-2.0.tar.gz"',
      `hashes = { sha256 = "${lockedSha ?? served}" }`,
      '',
    ].join('\n'),
  );
  return { indexDir, lock, served };
}

test('signReview stores a statement any importer would accept, signed by the given key', async () => {
  await withStore(async (store) => {
    const identity = generateIdentity({ name: 'Reviewer' });
    const artifacts = [{ filename: 'tiny_pkg-2.0.tar.gz', sha256: 'a'.repeat(64) }];
    const { stored } = await signReview({
      statement: { kind: 'review', package: { name: 'tiny-pkg', version: '2.0' }, artifacts, criteria: ['safe-to-deploy'], rating: 'positive', description: 'read it' },
      identity,
      store,
      now: NOW,
      endTime: '2027-01-01T00:00:00.000Z',
    });
    assert.equal(stored.statement.agent, identity.did);
    assert.equal(stored.statement.startTime, NOW.toISOString());
    assert.equal(stored.statement.endTime, '2027-01-01T00:00:00.000Z');
    const back = await store.get(stored.statement.id);
    assert.equal(back?.statement.id, stored.statement.id);
  });
});

test('retractableIds refuses a statement signed by another key, and text that is not an id', async () => {
  await withStore(async (store) => {
    const author = generateIdentity();
    const thief = generateIdentity();
    const { stored } = await signReview({
      statement: { kind: 'like', package: { name: 'tiny-pkg', version: '2.0' }, artifacts: [{ filename: 'tiny_pkg-2.0.tar.gz', sha256: 'b'.repeat(64) }], description: '' },
      identity: author,
      store,
      now: NOW,
    });
    assert.deepEqual(await retractableIds(store, [stored.statement.id.toUpperCase()], author), [stored.statement.id]);
    await assert.rejects(retractableIds(store, [stored.statement.id], thief), (err) => isPyvouchError(err) && err.code === 'USAGE' && /only its author/.test(err.message));
    await assert.rejects(retractableIds(store, ['not-an-id'], author), (err) => isPyvouchError(err) && err.code === 'USAGE');
    await assert.rejects(retractableIds(store, ['c'.repeat(64)], author), (err) => isPyvouchError(err) && /no statement/.test(err.message));
  });
});

test('certify binds an audit to the bytes the index served, and a delta audit names the file it diffed from', async () => {
  const { indexDir, lock, served } = await indexAndLock();
  const index = openIndex(indexDir);
  const full = await certify({ index, pin: { name: 'tiny-pkg', version: '2.0' }, criteria: ['safe-to-deploy'], lock });
  assert.deepEqual(full.statement.artifacts, [{ filename: 'tiny_pkg-2.0.tar.gz', sha256: served }]);
  assert.equal(full.statement.kind, 'assess');
  assert.match(full.what, /^audit of tiny_pkg-2\.0\.tar\.gz$/);
  const delta = await certify({ index, pin: { name: 'tiny-pkg', version: '2.0' }, from: '1.0', criteria: ['safe-to-deploy'], comment: 'diffed' });
  assert.equal(delta.statement.deltaFrom, '1.0');
  assert.deepEqual(delta.statement.artifacts, [{ filename: 'tiny_pkg-2.0.tar.gz', sha256: served }]);
  assert.match(delta.statement.description, /^diffed \(delta audit from tiny_pkg-1\.0\.tar\.gz/);
});

test('certify refuses bytes that are not the ones the lock names (the index swapped the file)', async () => {
  const { indexDir, lock } = await indexAndLock('d'.repeat(64));
  await assert.rejects(
    certify({ index: openIndex(indexDir), pin: { name: 'tiny-pkg', version: '2.0' }, criteria: ['safe-to-deploy'], lock }),
    (err) => isPyvouchError(err) && err.code === 'DIGEST_MISMATCH',
  );
});

test('releaseArtifacts binds to the locked sha256, and refuses a release the lock does not hold', async () => {
  const { lock, served } = await indexAndLock();
  assert.deepEqual(releaseArtifacts({ name: 'tiny-pkg', version: '2.0' }, { lock }), [{ filename: 'tiny_pkg-2.0.tar.gz', sha256: served }]);
  assert.throws(() => releaseArtifacts({ name: 'tiny-pkg', version: '1.0' }, { lock }), (err) => isPyvouchError(err) && /does not lock/.test(err.message));
});

test('importStatements stores the good envelopes and names the file and line of a tampered one', async () => {
  await withStore(async (store, dir) => {
    const identity = generateIdentity();
    const signed = [];
    for (const version of ['1.0', '2.0']) {
      const s = await signReview({
        statement: { kind: 'like', package: { name: 'tiny-pkg', version }, artifacts: [{ filename: `tiny_pkg-${version}.tar.gz`, sha256: 'e'.repeat(64) }], description: '' },
        identity,
        store: { put: () => Promise.resolve({ inserted: [], duplicates: [] }) } as unknown as typeof store,
        now: NOW,
      });
      signed.push(s.envelope);
    }
    // The second envelope's payload is swapped for another statement's: its signature no longer holds.
    const tampered = { ...signed[1]!, payload: signed[0]!.payload };
    const file = join(dir, 'in.jsonl');
    writeFileSync(file, `${JSON.stringify(signed[0])}\n${JSON.stringify(tampered)}\nnot json\n`);
    const result = await importStatements({ store, envelopes: readEnvelopeValues([file]), now: NOW });
    assert.equal(result.imported, 1);
    assert.equal(result.files, 1);
    assert.deepEqual(
      result.rejected.map((r) => [r.file, r.line]).sort((a, b) => Number(a[1]) - Number(b[1])),
      [
        [file, 2],
        [file, 3],
      ],
    );
    const again = await importStatements({ store, envelopes: readEnvelopeValues([file]), now: NOW });
    assert.equal(again.imported, 0);
    assert.equal(again.duplicates, 1);
  });
});
