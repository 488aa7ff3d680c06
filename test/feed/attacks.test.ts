// Each attack TUF defends against, played by a mirror (or a holder of one stolen key) against a
// follower that already synced once: each is refused with its own code and the store unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { Metadata, MetadataKind, MetaFile, Timestamp, Snapshot, Root } from '@tufjs/models';
import { Role } from '@tufjs/models/dist/role.js';
import { initRepository, loadConfig, loadRepositoryState, publishToRepository, rotateRoleKeys, metadataDir, targetsDir } from '../../src/feed/repository.js';
import { followFeed, syncFeed, readState } from '../../src/feed/follow.js';
import { readKeyFile } from '../../src/attest/keyfile.js';
import { generateIdentity } from '../../src/attest/keys.js';
import { expiresAt, metadataBytes, sha256Hex, signMetadata, SPEC_VERSION, tufKeyOfPrivate, type RoleName } from '../../src/feed/tuf.js';
import { isPyvouchError, type ErrorCode } from '../../src/errors.js';
import { audit, openTempStore, serveDirectory, snapshotDir, tempDir, type StaticServer } from './support.js';
import type { StatementStore } from '../../src/store/store.js';

interface Scene {
  dir: string;
  repo: string;
  server: StaticServer;
  home: string;
  store: StatementStore;
  rootFile: string;
  /** Sync and expect refusal with `code`, the store unchanged. */
  refused(code: ErrorCode, options?: Parameters<typeof syncFeed>[3]): Promise<void>;
  done(): Promise<void>;
}

/** Runs `work` in a fresh scene, and stops its server however `work` ends. */
async function inScene(work: (s: Scene) => Promise<void>, ...args: Parameters<typeof scene>): Promise<void> {
  const s = await scene(...args);
  try {
    await work(s);
  } finally {
    await s.done();
  }
}

async function scene(init: Parameters<typeof initRepository>[1] = {}, opts: { publishAt?: Date } = {}): Promise<Scene> {
  const dir = join(tempDir(), 'feed');
  const { rootFile } = await initRepository(dir, { name: 'acme', ...init });
  await publishToRepository(dir, [audit('requests', '2.32.3')], opts.publishAt === undefined ? {} : { now: opts.publishAt });
  const repo = join(dir, 'repository');
  const server = await serveDirectory(repo);
  const home = tempDir();
  const { store } = openTempStore();
  await followFeed(home, { name: 'acme', location: server.url, root: readFileSync(rootFile), rootFile });
  return {
    dir,
    repo,
    server,
    home,
    store,
    rootFile,
    async refused(code, options) {
      const before = await store.count();
      const ids = (await store.find({})).map((s) => s.statement.id);
      await assert.rejects(syncFeed(home, 'acme', store, options), (err: unknown) => {
        assert.ok(isPyvouchError(err), `expected a PyvouchError, got ${String(err)}`);
        assert.equal(err.code, code, err.message);
        return true;
      });
      assert.equal(await store.count(), before, 'the store is unchanged');
      assert.deepEqual((await store.find({})).map((s) => s.statement.id), ids);
      assert.equal((await readState(home, 'acme')).lastError?.code, code);
    },
    async done() {
      await store.close();
      await server.close();
    },
  };
}

async function keysOf(dir: string, role: RoleName): Promise<KeyObject[]> {
  const config = await loadConfig(dir);
  return Promise.all(config.roles[role].keys.map(async (p) => (await readKeyFile(resolve(dir, p))).privateKey));
}

function metaFileFor(bytes: Buffer, version: number): MetaFile {
  return new MetaFile({ version, length: bytes.length, hashes: { sha256: sha256Hex(bytes) } });
}

/** A timestamp signed with `keys`, pointing at `snapshotFile` of `mirror`, written as its timestamp.json. */
function writeTimestamp(mirror: string, keys: KeyObject[], version: number, snapshotVersion: number, expires = expiresAt(new Date(), 86400)): void {
  const snapshotBytes = readFileSync(join(mirror, 'metadata', `${snapshotVersion}.snapshot.json`));
  const ts = new Metadata(new Timestamp({ version, specVersion: SPEC_VERSION, expires, snapshotMeta: metaFileFor(snapshotBytes, snapshotVersion) }));
  for (const k of keys) signMetadata(ts, k);
  writeFileSync(join(mirror, 'metadata', 'timestamp.json'), metadataBytes(ts));
}

test('rejects a rolled-back timestamp (a mirror replaying an older copy)', async () => {
  await inScene(async (s) => {
    const old = snapshotDir(s.repo);
    await publishToRepository(s.dir, [audit('requests', '2.32.4')]);
    assert.equal((await syncFeed(s.home, 'acme', s.store)).imported, 2);
    s.server.root = old;
    await s.refused('FEED_ROLLBACK');
  });
});

test('rejects a rolled-back snapshot (a new timestamp naming an older snapshot)', async () => {
  await inScene(async (s) => {
    await publishToRepository(s.dir, [audit('requests', '2.32.4')]);
    await syncFeed(s.home, 'acme', s.store);
    const mirror = snapshotDir(s.repo);
    writeTimestamp(mirror, await keysOf(s.dir, 'timestamp'), 10, 2);
    s.server.root = mirror;
    await s.refused('FEED_ROLLBACK');
  });
});

test('rejects rolled-back targets (a new snapshot naming older targets)', async () => {
  await inScene(async (s) => {
    await publishToRepository(s.dir, [audit('requests', '2.32.4')]);
    await syncFeed(s.home, 'acme', s.store);
    const mirror = snapshotDir(s.repo);
    const oldTargets = readFileSync(join(mirror, 'metadata', '2.targets.json'));
    const snap = new Metadata(new Snapshot({ version: 10, specVersion: SPEC_VERSION, expires: expiresAt(new Date(), 86400), meta: { 'targets.json': metaFileFor(oldTargets, 2) } }));
    for (const k of await keysOf(s.dir, 'snapshot')) signMetadata(snap, k);
    writeFileSync(join(mirror, 'metadata', '10.snapshot.json'), metadataBytes(snap));
    writeTimestamp(mirror, await keysOf(s.dir, 'timestamp'), 10, 10);
    s.server.root = mirror;
    await s.refused('FEED_ROLLBACK');
  });
});

test('rejects an expired timestamp (freeze)', async () => {
  await inScene(async (s) => {
    await s.refused('FEED_EXPIRED');
  }, {}, { publishAt: new Date(Date.now() - 3 * 86400_000) });
});

test('rejects an expired snapshot while the timestamp is fresh (freeze)', async () => {
  await inScene(async (s) => {
    await s.refused('FEED_EXPIRED');
  }, { expiry: { snapshot: 3600 } }, { publishAt: new Date(Date.now() - 2 * 3600_000) });
});

test('rejects expired targets while snapshot and timestamp are fresh (freeze)', async () => {
  await inScene(async (s) => {
    await s.refused('FEED_EXPIRED');
  }, { expiry: { targets: 3600 } }, { publishAt: new Date(Date.now() - 2 * 3600_000) });
});

test('rejects a snapshot that does not match the timestamp (mix-and-match)', async () => {
  await inScene(async (s) => {
    await publishToRepository(s.dir, [audit('requests', '2.32.4')]);
    const mirror = snapshotDir(s.repo);
    writeFileSync(join(mirror, 'metadata', '3.snapshot.json'), readFileSync(join(mirror, 'metadata', '2.snapshot.json')));
    s.server.root = mirror;
    await s.refused('FEED_MISMATCH');
  });
});

test('rejects targets that do not match the snapshot (mix-and-match)', async () => {
  await inScene(async (s) => {
    await publishToRepository(s.dir, [audit('requests', '2.32.4')]);
    const mirror = snapshotDir(s.repo);
    writeFileSync(join(mirror, 'metadata', '3.targets.json'), readFileSync(join(mirror, 'metadata', '2.targets.json')));
    s.server.root = mirror;
    await s.refused('FEED_MISMATCH');
  });
});

test('rejects targets whose version is not the one the snapshot names (mix-and-match, signed)', async () => {
  await inScene(async (s) => {
    await publishToRepository(s.dir, [audit('requests', '2.32.4')]);
    const mirror = snapshotDir(s.repo);
    // The snapshot key holder points snapshot v10 at the bytes of targets v2 while claiming v3.
    const targets2 = readFileSync(join(mirror, 'metadata', '2.targets.json'));
    writeFileSync(join(mirror, 'metadata', '3.targets.json'), targets2);
    const snap = new Metadata(new Snapshot({ version: 10, specVersion: SPEC_VERSION, expires: expiresAt(new Date(), 86400), meta: { 'targets.json': metaFileFor(targets2, 3) } }));
    for (const k of await keysOf(s.dir, 'snapshot')) signMetadata(snap, k);
    writeFileSync(join(mirror, 'metadata', '10.snapshot.json'), metadataBytes(snap));
    writeTimestamp(mirror, await keysOf(s.dir, 'timestamp'), 10, 10);
    s.server.root = mirror;
    await s.refused('FEED_MISMATCH');
  });
});

function batchFiles(repo: string): string[] {
  return readdirSync(join(repo, 'targets', 'statements')).map((f) => join(repo, 'targets', 'statements', f));
}

test('rejects a target whose hash does not match (arbitrary target)', async () => {
  await inScene(async (s) => {
    const mirror = snapshotDir(s.repo);
    const [file] = batchFiles(mirror);
    const bytes = readFileSync(file!);
    bytes[10] = bytes[10] === 0x41 ? 0x42 : 0x41;
    writeFileSync(file!, bytes);
    s.server.root = mirror;
    await s.refused('FEED_TARGET_MISMATCH');
  });
});

test('rejects a target shorter than declared (arbitrary target)', async () => {
  await inScene(async (s) => {
    const mirror = snapshotDir(s.repo);
    const [file] = batchFiles(mirror);
    writeFileSync(file!, readFileSync(file!).subarray(0, 100));
    s.server.root = mirror;
    await s.refused('FEED_TARGET_MISMATCH');
  });
});

test('rejects a target larger than its declared length (endless data)', async () => {
  await inScene(async (s) => {
    const mirror = snapshotDir(s.repo);
    const [file] = batchFiles(mirror);
    writeFileSync(file!, Buffer.concat([readFileSync(file!), Buffer.alloc(1 << 20, 0x20)]));
    s.server.root = mirror;
    await s.refused('FEED_TOO_LARGE');
  });
});

test('rejects a timestamp past its size limit (endless data)', async () => {
  await inScene(async (s) => {
    const mirror = snapshotDir(s.repo);
    const ts = join(mirror, 'metadata', 'timestamp.json');
    writeFileSync(ts, Buffer.concat([readFileSync(ts), Buffer.alloc(64 * 1024, 0x20)]));
    s.server.root = mirror;
    await s.refused('FEED_TOO_LARGE');
  });
});

test('rejects a new root past its size limit (endless data)', async () => {
  await inScene(async (s) => {
    await rotateRoleKeys(s.dir, 'root');
    const mirror = snapshotDir(s.repo);
    const root2 = join(mirror, 'metadata', '2.root.json');
    writeFileSync(root2, Buffer.concat([readFileSync(root2), Buffer.alloc(8192, 0x20)]));
    s.server.root = mirror;
    await s.refused('FEED_TOO_LARGE', { tufConfig: { rootMaxLength: 4096 } });
  });
});

test('rejects a timestamp signed by fewer keys than its threshold', async () => {
  await inScene(async (s) => {
    const mirror = snapshotDir(s.repo);
    const [one] = await keysOf(s.dir, 'timestamp');
    writeTimestamp(mirror, [one!], 10, 2);
    s.server.root = mirror;
    await s.refused('FEED_THRESHOLD');
  }, { thresholds: { timestamp: 2 } });
});

test('counts duplicate signatures by one key once (refused below threshold)', async () => {
  await inScene(async (s) => {
    const mirror = snapshotDir(s.repo);
    const [one] = await keysOf(s.dir, 'timestamp');
    writeTimestamp(mirror, [one!], 10, 2);
    const file = join(mirror, 'metadata', 'timestamp.json');
    const json = JSON.parse(readFileSync(file, 'utf8')) as { signatures: unknown[] };
    json.signatures = [json.signatures[0], json.signatures[0]];
    writeFileSync(file, JSON.stringify(json));
    s.server.root = mirror;
    await s.refused('FEED_THRESHOLD');
  }, { thresholds: { timestamp: 2 } });
});

test('refuses a root that lists one key under two keyids to meet a threshold', async () => {
  await inScene(async (s) => {
    // The attacker holds one of two root keys and relists it under a made-up keyid: threshold 2.
    const [rootKey] = await keysOf(s.dir, 'root');
    const state = await loadRepositoryState(s.dir);
    const signed = state.root.signed;
    const key = tufKeyOfPrivate(rootKey!);
    const json = signed.toJSON() as { keys: Record<string, unknown>; roles: Record<string, { keyids: string[]; threshold: number }> };
    const fakeId = 'f'.repeat(64);
    json.keys[fakeId] = key.toJSON();
    json.roles['root'] = { keyids: [key.keyID, fakeId], threshold: 2 };
    (json as unknown as { version: number }).version = 2;
    const root2 = new Metadata(Root.fromJSON(json as never));
    signMetadata(root2, rootKey!);
    const sigs = (root2.toJSON() as { signatures: { keyid: string; sig: string }[] }).signatures;
    const file = { signed: json, signatures: [...sigs, { keyid: fakeId, sig: sigs[0]!.sig }] };
    const mirror = snapshotDir(s.repo);
    writeFileSync(join(mirror, 'metadata', '2.root.json'), JSON.stringify(file));
    s.server.root = mirror;
    await s.refused('FEED_INVALID');
    void Role;
  });
});

test('refuses a root rotation not signed by the old root keys', async () => {
  await inScene(async (s) => {
    const state = await loadRepositoryState(s.dir);
    const attacker = generateIdentity().privateKey;
    const key = tufKeyOfPrivate(attacker);
    const json = state.root.signed.toJSON() as { version: number; keys: Record<string, unknown>; roles: Record<string, { keyids: string[]; threshold: number }> };
    json.version = 2;
    json.keys[key.keyID] = key.toJSON();
    for (const role of ['root', 'timestamp', 'snapshot', 'targets']) json.roles[role] = { keyids: [key.keyID], threshold: 1 };
    const root2 = new Metadata(Root.fromJSON(json as never));
    signMetadata(root2, attacker);
    const mirror = snapshotDir(s.repo);
    writeFileSync(join(mirror, 'metadata', '2.root.json'), metadataBytes(root2));
    s.server.root = mirror;
    await s.refused('FEED_ROOT_ROTATION');
  });
});

test('refuses a root rotation that skips a version', async () => {
  await inScene(async (s) => {
    await rotateRoleKeys(s.dir, 'root');
    await rotateRoleKeys(s.dir, 'root');
    const mirror = snapshotDir(s.repo);
    // 2.root.json holds version 3 (validly signed by the keys of version 2, not of version 1).
    writeFileSync(join(mirror, 'metadata', '2.root.json'), readFileSync(join(mirror, 'metadata', '3.root.json')));
    s.server.root = mirror;
    await s.refused('FEED_ROOT_ROTATION');
  });
});

test('recovers from a fast-forward attack once the timestamp key is rotated', async () => {
  await inScene(async (s) => {
    await syncFeed(s.home, 'acme', s.store);
    // A thief of the timestamp key serves version 1000; the follower accepts it (it is valid).
    const mirror = snapshotDir(s.repo);
    writeTimestamp(mirror, await keysOf(s.dir, 'timestamp'), 1000, 2);
    s.server.root = mirror;
    await syncFeed(s.home, 'acme', s.store);
    assert.equal((await readState(s.home, 'acme')).versions?.timestamp, 1000);
    // The real feed moves on at version 3: now a rollback for the follower...
    s.server.root = s.repo;
    await publishToRepository(s.dir, [audit('requests', '2.32.4')]);
    await s.refused('FEED_ROLLBACK');
    // ...until the publisher rotates the timestamp key: the old fast-forwarded timestamp no longer
    // verifies under the new root, so it is dropped and the real one accepted.
    await rotateRoleKeys(s.dir, 'timestamp');
    const result = await syncFeed(s.home, 'acme', s.store);
    assert.equal(result.versions.root, 2);
    assert.ok(result.versions.timestamp < 1000);
    assert.equal(result.imported, 1);
  });
});

test('an unreachable feed is FEED_UNREACHABLE and leaves the store alone', async () => {
  const s = await scene();
  try {
    await s.server.close();
    await s.refused('FEED_UNREACHABLE', { timeoutMs: 2000 });
  } finally {
    await s.store.close();
  }
});

test('follow refuses a root not signed by its own threshold', async () => {
  const dir = join(tempDir(), 'feed');
  const { rootFile } = await initRepository(dir, { name: 'acme' });
  const json = JSON.parse(readFileSync(rootFile, 'utf8')) as { signatures: { keyid: string; sig: string }[] };
  json.signatures[0]!.sig = '00'.repeat(64);
  await assert.rejects(
    followFeed(tempDir(), { name: 'acme', location: dir, root: Buffer.from(JSON.stringify(json)), rootFile }),
    (err: unknown) => isPyvouchError(err) && err.code === 'FEED_THRESHOLD',
  );
  void targetsDir;
  void metadataDir;
  void MetadataKind;
});
