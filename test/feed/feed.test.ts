import { mapFeedCriteria } from '../../src/app/sources.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { initRepository, publishToRepository, rotateRoleKeys, metadataDir } from '../../src/feed/repository.js';
import { followFeed, listFeeds, readState, syncFeed } from '../../src/feed/follow.js';
import { audit, auditor, flag, openTempStore, serveDirectory, tempDir, trustStatement } from './support.js';
import { generateIdentity } from '../../src/attest/keys.js';

async function newFeed(opts: Parameters<typeof initRepository>[1] = {}) {
  const dir = join(tempDir(), 'feed');
  const init = await initRepository(dir, { name: 'acme', description: 'acme audits', ...opts });
  return { dir, init };
}

test('a feed served over loopback HTTP is followed, synced and imported with its source', async () => {
  const { dir, init } = await newFeed();
  const other = generateIdentity({ name: 'other' });
  const pub = await publishToRepository(dir, [
    audit('requests', '2.32.3'),
    audit('flask', '3.0.0', { criteria: ['safe-to-deploy', 'acme-reviewed', 'crypto-ok'] }),
    trustStatement(other.did),
  ]);
  assert.equal(pub.published, 3);
  assert.deepEqual(pub.versions, { root: 1, targets: 2, snapshot: 2, timestamp: 2 });

  const server = await serveDirectory(join(dir, 'repository'));
  const home = tempDir();
  const { store } = openTempStore();
  try {
    await followFeed(home, { name: 'acme', location: server.url, root: readFileSync(init.rootFile), rootFile: init.rootFile, criteriaMap: { 'acme-reviewed': 'reviewed' } });
    const result = await syncFeed(home, 'acme', store);
    assert.equal(result.imported, 2);
    assert.equal(result.suggestions, 1, "the feed's trust statement is a suggestion, not ours");
    assert.equal(result.rejected.length, 0);
    assert.deepEqual(result.versions, { root: 1, timestamp: 2, snapshot: 2, targets: 2 });
    assert.ok(server.requests.includes('/metadata/2.root.json'), 'asks for a newer root first');

    const all = await store.find({});
    assert.equal(all.length, 2);
    for (const s of all) {
      assert.deepEqual(s.statement.source, { kind: 'feed', name: 'acme' });
      assert.ok(s.statement.receivedAt !== undefined);
    }
    // The store keeps what was signed; the follow command's mapping applies where statements are
    // gathered for evaluation, and a feed that is not followed keeps only the built-in criteria.
    const flask = (await store.find({ name: 'flask' }))[0]!;
    const maps = new Map((await listFeeds(home)).map((f) => [f.name, f.criteriaMap] as const));
    assert.deepEqual(mapFeedCriteria(flask.statement, maps).criteria.sort(), ['reviewed', 'safe-to-deploy'], 'unmapped criteria are dropped, mapped ones renamed');
    assert.deepEqual(mapFeedCriteria(flask.statement, new Map()).criteria, ['safe-to-deploy'], 'an unknown feed keeps only the built-in criteria');
    assert.equal((await store.trustStatements()).length, 0);
    assert.ok(readFileSync(join(home, 'feeds', 'acme', 'suggested-trust.jsonl'), 'utf8').includes('payload'));

    // Incremental: only the new batch is downloaded.
    await publishToRepository(dir, [flag('requests', '2.32.3'), audit('requests', '2.32.3')]);
    server.requests.length = 0;
    const second = await syncFeed(home, 'acme', store);
    assert.equal(second.imported, 1);
    assert.equal(second.batches, 1);
    assert.equal(server.requests.filter((p) => p.includes('000001.jsonl')).length, 0, 'an imported batch is not fetched again');
    assert.equal(await store.count(), 3);

    const third = await syncFeed(home, 'acme', store);
    assert.equal(third.unchanged, true);
    assert.equal(third.imported, 0);

    const [listed] = await listFeeds(home);
    assert.equal(listed?.name, 'acme');
    assert.equal(listed?.counts.imported, 3);
    assert.equal(listed?.counts.statements, 4);
    assert.equal(listed?.versions?.timestamp, 3);
    assert.equal(listed?.description, 'acme audits');
  } finally {
    await store.close();
    await server.close();
  }
});

test('follows a feed from a local directory', async () => {
  const { dir, init } = await newFeed();
  await publishToRepository(dir, [audit('attrs', '23.2.0')]);
  const home = tempDir();
  const { store } = openTempStore();
  try {
    await followFeed(home, { name: 'local', location: dir, root: readFileSync(init.rootFile), rootFile: init.rootFile });
    const result = await syncFeed(home, 'local', store);
    assert.equal(result.imported, 1);
  } finally {
    await store.close();
  }
});

test('publishing refuses bad envelopes and skips ones already published', async () => {
  const { dir } = await newFeed();
  const good = audit('idna', '3.7');
  const forged = { ...audit('idna', '3.8'), signatures: audit('idna', '3.9').signatures };
  const first = await publishToRepository(dir, [good, forged, { nope: 1 }]);
  assert.equal(first.published, 1);
  assert.deepEqual(first.rejected.map((r) => [r.index, r.error.code]), [[1, 'SIG_INVALID'], [2, 'ENVELOPE_INVALID']]);
  const again = await publishToRepository(dir, [good]);
  assert.equal(again.published, 0);
  assert.equal(again.duplicates, 1);
});

test('a root rotation is followed: new root signed by old and new keys, new timestamp key', async () => {
  const { dir, init } = await newFeed();
  await publishToRepository(dir, [audit('six', '1.16.0')]);
  const server = await serveDirectory(join(dir, 'repository'));
  const home = tempDir();
  const { store } = openTempStore();
  try {
    await followFeed(home, { name: 'acme', location: server.url, root: readFileSync(init.rootFile), rootFile: init.rootFile });
    await syncFeed(home, 'acme', store);
    const rotated = await rotateRoleKeys(dir, 'root');
    assert.ok(existsSync(join(metadataDir(dir), '2.root.json')));
    assert.equal(rotated.versions.root, 2);
    await rotateRoleKeys(dir, 'timestamp');
    await publishToRepository(dir, [audit('six', '1.17.0')]);
    const result = await syncFeed(home, 'acme', store);
    assert.equal(result.versions.root, 3);
    assert.equal(result.imported, 1);
    assert.equal((await readState(home, 'acme')).versions?.root, 3);
  } finally {
    await store.close();
    await server.close();
  }
});

test('thresholds above one: every role signed by two of its keys', async () => {
  const { dir, init } = await newFeed({ thresholds: { root: 2, targets: 2, snapshot: 2, timestamp: 2 } });
  assert.equal(init.generatedKeys.length, 8);
  await publishToRepository(dir, [audit('rich', '13.7.1')]);
  const home = tempDir();
  const { store } = openTempStore();
  try {
    await followFeed(home, { name: 'acme', location: dir, root: readFileSync(init.rootFile), rootFile: init.rootFile });
    assert.equal((await syncFeed(home, 'acme', store)).imported, 1);
  } finally {
    await store.close();
  }
  void auditor;
});
