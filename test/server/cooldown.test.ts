// The gated index applies the release-age cooldown (min-age) by upstream's PEP 700 upload-time:
// in filter mode a too-young file is left out of the page (clients pick the previous version), in
// deny mode its download is refused with its age and when it becomes allowed; upload-time is served.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { verifyStatementEnvelope } from '../../src/attest/verify.js';
import { Decider, PolicyHolder } from '../../src/server/decide.js';
import { Freshness } from '../../src/server/freshness.js';
import type { IndexFile } from '../../src/simple/types.js';
import { openDecisionLog, seenKey, type DecisionLog } from '../../src/store/decisions.js';
import { openStore } from '../../src/store/open.js';
import type { StatementStore } from '../../src/store/store.js';
import { loadPolicy } from '../../src/trust/load.js';
import { startFakeIndex, wheelFile, type FakeIndex } from '../support/fake-index.js';
import { dropPostgresSchema, postgresSpec, postStatements, review, reviewer, sha256, startInProcess, tempDir, TOKEN, writePolicy, type InProcess } from './support.js';

const alice = reviewer('Alice');
const pep700 = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
const old = { ...wheelFile('fresh', '1.0'), uploadTime: pep700(Date.now() - 30 * 86_400_000) };
const young = { ...wheelFile('fresh', '1.1'), uploadTime: pep700(Date.now() - 3_600_000) };
const policyPath = writePolicy(tempDir(), alice, '');
// min-age goes in [policy]: rewrite the file with it.
writeFileSync(policyPath, readFileSync(policyPath, 'utf8').replace('[policy]\n', '[policy]\nmin-age = "3d"\n'));

/** A SQLite store, its decision log and a started Freshness in a directory of their own, closed after `fn`. */
async function withSeenStore(prefix: string, fn: (s: { dir: string; store: StatementStore; log: DecisionLog; freshness: Freshness }) => Promise<void>): Promise<void> {
  const dir = tempDir(prefix);
  const store = await openStore(join(dir, 'pyvouch.db'), dir);
  const log = await openDecisionLog(join(dir, 'pyvouch.db'), dir);
  const freshness = new Freshness(log);
  await freshness.start();
  try {
    await fn({ dir, store, log, freshness });
  } finally {
    await freshness.close();
    await log.close();
    await store.close();
  }
}

describe('gated index: release-age cooldown', () => {
  let index: FakeIndex;
  const servers: InProcess[] = [];
  before(async () => {
    index = await startFakeIndex({ projects: [{ name: 'fresh', files: [old, young] }] });
  });
  after(async () => {
    for (const s of servers) await s.close();
    await index.close();
  });
  const start = async (mode: 'filter' | 'deny'): Promise<InProcess> => {
    const s = await startInProcess({ upstream: index.url, policyPath, mode, token: TOKEN });
    servers.push(s);
    const { status } = await postStatements(s.origin, [review(alice, 'fresh', '1.0', [old]), review(alice, 'fresh', '1.1', [young])]);
    assert.equal(status, 201);
    return s;
  };

  test('filter mode leaves the too-young release out of the page and serves upload-time', async () => {
    const s = await start('filter');
    const res = await fetch(`${s.origin}/simple/fresh/`, { headers: { Accept: 'application/vnd.pypi.simple.v1+json' } });
    assert.equal(res.status, 200);
    const page = (await res.json()) as { files: { filename: string; 'upload-time'?: string }[] };
    assert.deepEqual(page.files.map((f) => f.filename), [old.filename]);
    assert.equal(page.files[0]!['upload-time'], old.uploadTime);
  });

  test('deny mode refuses the too-young file with its age and when it becomes allowed', async () => {
    const s = await start('deny');
    const res = await fetch(`${s.origin}/files/fresh/${young.filename}`);
    assert.equal(res.status, 403);
    const body = await res.text();
    assert.match(body, /min-age is 3d/);
    assert.match(body, /may pass from \d{4}-\d{2}-\d{2}T/);
    assert.equal((await fetch(`${s.origin}/files/fresh/${old.filename}`)).status, 200);
  });
});

describe("gated index: first-seen time for an upstream without upload-time", () => {
  let index: FakeIndex;
  const first = wheelFile('seen', '1.0');
  const second = wheelFile('seen', '1.1');
  const t0 = Date.now();
  const DAY = 86_400_000;
  const storeSpec = join(tempDir('pyvouch-seen-'), 'pyvouch.db');
  before(async () => {
    index = await startFakeIndex({ projects: [{ name: 'seen', files: [first] }] });
  });
  after(async () => {
    await index.close();
  });
  const start = async (mode: 'filter' | 'deny', at: number): Promise<InProcess> => {
    const s = await startInProcess({ upstream: index.url, policyPath, mode, token: TOKEN, storeSpec, upstreamTtlMs: 0, extra: { now: () => new Date(at) } });
    const { status } = await postStatements(s.origin, [review(alice, 'seen', '1.0', [first]), review(alice, 'seen', '1.1', [second])]);
    assert.equal(status, 201);
    return s;
  };
  const listed = async (s: InProcess): Promise<string[]> => {
    const page = (await (await fetch(`${s.origin}/simple/seen/`, { headers: { Accept: 'application/vnd.pypi.simple.v1+json' } })).json()) as { files: { filename: string }[] };
    return page.files.map((f) => f.filename);
  };

  test('records when it first listed each file, keeps it across a restart, and the cooldown counts from it', async () => {
    // Day 0, deny mode: the listing starts the clock; the download is refused as too young.
    const day0 = await start('deny', t0);
    assert.deepEqual(await listed(day0), [first.filename]);
    const refused = await fetch(`${day0.origin}/files/seen/${first.filename}`);
    assert.equal(refused.status, 403);
    assert.match(refused.statusText, /min-age is 3d/);
    assert.match(refused.statusText, /upstream states no upload-time for seen-1\.0-py3-none-any\.whl: its age counts from .*, when this index first saw it/);
    await day0.close();

    // Day 4, another process over the same store, filter mode: 1.1 appeared upstream meanwhile.
    index.setProject({ name: 'seen', files: [first, second] });
    const day4 = await start('filter', t0 + 4 * DAY);
    assert.deepEqual(await listed(day4), [first.filename], 'the old release shows; the one first seen today is hidden');
    assert.equal((await fetch(`${day4.origin}/files/seen/${first.filename}`)).status, 200);
    assert.equal((await fetch(`${day4.origin}/files/seen/${second.filename}`)).status, 403);
    const seen = await day4.decisions.firstSeen!([{ project: 'seen', filename: first.filename, sha256: sha256(first.content) }, { project: 'seen', filename: second.filename, sha256: sha256(second.content) }], new Date(t0 + 9 * DAY));
    assert.deepEqual([...seen.values()], [new Date(t0).toISOString(), new Date(t0 + 4 * DAY).toISOString()], 'a recorded time is never moved');
    await day4.close();

    // Day 8: both are old enough.
    const day8 = await start('filter', t0 + 8 * DAY);
    assert.deepEqual(await listed(day8), [first.filename, second.filename]);
    await day8.close();
  });

  test('other bytes under an old file name are a new listing: their clock starts when first seen', async () => {
    await withSeenStore('pyvouch-seen-swap-', async ({ dir, store, log, freshness }) => {
      const swapped = { ...wheelFile('seen', '1.0', { requires: ['requests'] }), filename: first.filename };
      assert.notEqual(sha256(swapped.content), sha256(first.content));
      // Both reviewed (by two reviewers: one's newer review would replace the older), so only the cooldown tells them apart.
      const bob = reviewer('Bob');
      const path = writePolicy(dir, alice, `[[party]]\nname = "second"\nidentity = "${bob.did}"\nweight = 2.0\n`);
      writeFileSync(path, readFileSync(path, 'utf8').replace('[policy]\n', '[policy]\nmin-age = "3d"\n'));
      await store.put([verifyStatementEnvelope(review(alice, 'seen', '1.0', [first])), verifyStatementEnvelope(review(bob, 'seen', '1.0', [swapped]))]);
      const policy = new PolicyHolder(await loadPolicy(path), path);
      const asFile = (f: typeof first): IndexFile => ({ filename: f.filename, url: index.fileUrl(f.filename), hashes: { sha256: sha256(f.content) }, yanked: false, coreMetadata: false });
      const at = (ms: number) => new Decider({ store, policy, freshness, indexUrl: index.url, firstSeen: (files, now) => log.firstSeen!(files, now), now: () => new Date(ms) });
      assert.equal((await at(t0).decide('seen', [asFile(first)], true))[0]!.allowed, false, 'too young on day 0');
      assert.equal((await at(t0 + 4 * DAY).decide('seen', [asFile(first)], true))[0]!.allowed, true, 'old enough on day 4');
      const [d] = await at(t0 + 4 * DAY).decide('seen', [asFile(swapped)], true);
      assert.equal(d!.allowed, false, d!.summary);
      assert.ok(d!.report?.missing.some((m) => m.kind === 'too-young'));
    });
  });

  test('without a first-seen record the age is unknown and the file fails closed', async () => {
    await withSeenStore('pyvouch-seen-none-', async ({ store, freshness }) => {
      await store.put([verifyStatementEnvelope(review(alice, 'seen', '1.0', [first]))]);
      const decider = new Decider({ store, policy: new PolicyHolder(await loadPolicy(policyPath), policyPath), freshness, indexUrl: index.url });
      const file: IndexFile = { filename: first.filename, url: index.fileUrl(first.filename), hashes: { sha256: sha256(first.content) }, yanked: false, coreMetadata: false };
      const [d] = await decider.decide('seen', [file], true);
      assert.equal(d!.allowed, false);
      assert.equal(d!.report?.missing.find((m) => m.kind === 'age-unknown') !== undefined, true, d!.summary);
    });
  });
});

const pg = postgresSpec();
describe('PostgreSQL first-seen times', { skip: pg.url === undefined ? 'PYVOUCH_TEST_POSTGRES=skip' : false }, () => {
  test('records a file once and answers the first time ever after', async () => {
    const store = await openStore(pg.spec, '/nonexistent');
    const log = await openDecisionLog(pg.spec, '/nonexistent');
    try {
      const file = { project: 'seen', filename: 'seen-1.0-py3-none-any.whl', sha256: 'ab'.repeat(32) };
      const other = { ...file, filename: 'seen-1.0.tar.gz' };
      const t = new Date('2025-03-01T10:00:00.000Z');
      assert.deepEqual([...(await log.firstSeen!([file], t)).values()], [t.toISOString()]);
      const later = await log.firstSeen!([file, other, file], new Date('2025-03-05T10:00:00.000Z'));
      assert.equal(later.get(seenKey(file)), t.toISOString());
      assert.equal(later.get(seenKey(other)), '2025-03-05T10:00:00.000Z');
    } finally {
      await log.close();
      await store.close();
      await dropPostgresSchema(pg);
    }
  });
});
