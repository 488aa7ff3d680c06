// Per-file decisions: each file judged as its own one-node graph against the statements about its
// project, failing closed, cached under a generation that moves when statements or the policy do.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { verifyStatementEnvelope } from '../../src/attest/verify.js';
import type { Envelope } from '../../src/attest/types.js';
import type { IndexFile } from '../../src/simple/types.js';
import { Decider, PolicyHolder } from '../../src/server/decide.js';
import { Freshness } from '../../src/server/freshness.js';
import { openDecisionLog, type DecisionLog } from '../../src/store/decisions.js';
import { openStore } from '../../src/store/open.js';
import type { StatementStore } from '../../src/store/store.js';
import { loadPolicy } from '../../src/trust/load.js';
import { wheelFile, sdistFile, type FakeFile } from '../support/fake-index.js';
import { flag, policyText, review, reviewer, sha256, tempDir } from './support.js';

const UPSTREAM = 'https://mirror.example/simple/';

function indexFile(f: FakeFile, hashes: Record<string, string> = { sha256: sha256(f.content) }): IndexFile {
  return { filename: f.filename, url: `${UPSTREAM}../files/${f.filename}`, hashes, yanked: false, coreMetadata: false, size: f.content.byteLength };
}

describe('per-file decisions', () => {
  const alice = reviewer('Alice');
  const stranger = reviewer('Stranger');
  const dir = tempDir();
  const spec = join(dir, 'pyvouch.db');
  const policyPath = join(dir, 'pyvouch.toml');
  let store: StatementStore;
  let log: DecisionLog;
  let freshness: Freshness;
  let holder: PolicyHolder;
  let clock = Date.parse('2026-01-01T00:00:00Z');
  let decider: Decider;
  const wheel = wheelFile('demo', '1.0');
  let sdist: FakeFile;

  const put = async (...envelopes: Envelope[]): Promise<void> => {
    await store.put(envelopes.map((e) => verifyStatementEnvelope(e)));
  };

  before(async () => {
    sdist = await sdistFile('demo', '1.0');
    writeFileSync(policyPath, policyText(alice, '[[party]]\nname = "mirror"\nindex = "https://mirror.example/simple"\nweight = 0.5\n'));
    store = await openStore(spec, dir);
    log = await openDecisionLog(spec, dir);
    freshness = new Freshness(log);
    await freshness.start();
    holder = new PolicyHolder(await loadPolicy(policyPath), policyPath);
    clock = Date.now();
    decider = new Decider({ store, policy: holder, freshness, indexUrl: UPSTREAM, ttlMs: 60_000, now: () => new Date(clock) });
  });
  after(async () => {
    await freshness.close();
    await log.close();
    await store.close();
  });

  test('fails closed for a release nobody has reviewed, counting only the index party', async () => {
    const [d] = await decider.decide('demo', [indexFile(wheel)], true);
    assert.equal(d!.verdict, 'fail');
    assert.equal(d!.allowed, false);
    assert.equal(d!.version, '1.0');
    assert.equal(d!.report!.score, 0.5, 'the mirror vouches for files it serves with their sha256');
    assert.match(d!.summary, /^pyvouch: demo 1\.0 fails the policy: score 0\.5 is 1\.5 short of 2\.0/);
    assert.deepEqual(d!.reasons, ['score 0.5 is 1.5 short of the threshold 2.0']);
  });

  test('ignores statements by identities the policy does not trust', async () => {
    await put(review(stranger, 'demo', '1.0', [wheel]));
    freshness.bump();
    const [d] = await decider.decide('demo', [indexFile(wheel)], true);
    assert.equal(d!.verdict, 'fail');
    assert.ok(d!.reasons.some((r) => /none by an identity this policy trusts/.test(r)), d!.reasons.join('\n'));
  });

  test('passes the reviewed wheel, not the sdist the review does not name', async () => {
    await put(review(alice, 'demo', '1.0', [wheel]));
    const [w, s] = await decider.decide('demo', [indexFile(wheel), indexFile(sdist)], true);
    assert.equal(w!.verdict, 'pass');
    assert.equal(w!.allowed, true);
    assert.match(w!.summary, /passes the policy \(score 2\.5 of 2\.0\)/);
    assert.equal(s!.verdict, 'fail');
  });

  test('reuses a decision under the same generation, and re-decides when the store moves', async () => {
    const first = await decider.decide('demo', [indexFile(wheel)], true);
    const again = await decider.decide('demo', [indexFile(wheel)], true);
    assert.equal(first[0]!.fresh, false, 'decided by the previous test already');
    assert.equal(again[0]!.fresh, false);
    // A veto stored by anyone (here: straight into the store, as `pyvouch import` would) is seen at once.
    await put(flag(alice, 'demo', '1.0', [wheel]));
    const [vetoed] = await decider.decide('demo', [indexFile(wheel)], true);
    assert.equal(vetoed!.fresh, true);
    assert.equal(vetoed!.verdict, 'fail');
    assert.match(vetoed!.summary, /vetoed/);
  });

  test('a different sha256 for the same file name is a different file', async () => {
    const [d] = await decider.decide('demo', [indexFile(wheel, { sha256: 'f'.repeat(64) })], true);
    assert.equal(d!.verdict, 'fail');
    assert.equal(d!.fresh, true);
  });

  test('a file without an upstream sha256 cannot be checked, so it fails', async () => {
    const other = wheelFile('nohash', '1.0');
    const [d] = await decider.decide('nohash', [indexFile(other, {})], true);
    assert.equal(d!.verdict, 'fail');
    assert.equal(d!.sha256, null);
    assert.match(d!.summary, /upstream states no sha256/);
  });

  test('a file of another project, or with an unreadable name, is an error and not allowed', async () => {
    const [foreign, junk] = await decider.decide(
      'demo',
      [indexFile(wheelFile('evil', '1.0')), { ...indexFile(wheel), filename: 'README.txt' }],
      true,
    );
    assert.equal(foreign!.verdict, 'error');
    assert.match(foreign!.reasons[0]!, /belongs to project 'evil', not 'demo'/);
    assert.equal(junk!.verdict, 'error');
    assert.equal(junk!.allowed, false);
  });

  test('expires cached decisions after the TTL, so expiring statements and exemptions take effect', async () => {
    const fresh = wheelFile('ttl-demo', '2.0');
    await put(review(alice, 'ttl-demo', '2.0', [fresh]));
    const [a] = await decider.decide('ttl-demo', [indexFile(fresh)], true);
    assert.equal(a!.fresh, true);
    const [b] = await decider.decide('ttl-demo', [indexFile(fresh)], true);
    assert.equal(b!.fresh, false);
    clock += 61_000;
    const [c] = await decider.decide('ttl-demo', [indexFile(fresh)], true);
    assert.equal(c!.fresh, true);
  });

  test('a reloaded policy applies at once; a bad one is refused and the old one stays', async () => {
    const exempted = wheelFile('exempted', '3.0');
    const [before] = await decider.decide('exempted', [indexFile(exempted)], true);
    assert.equal(before!.verdict, 'fail');
    writeFileSync(policyPath, `${policyText(alice)}\n[[exemption]]\nname = "exempted"\nversion = "3.0"\nreason = "vendored, audited in ticket SEC-1"\n`);
    await holder.reload();
    freshness.bump();
    const [after] = await decider.decide('exempted', [indexFile(exempted)], true);
    assert.equal(after!.verdict, 'exempt');
    assert.equal(after!.allowed, true);
    assert.deepEqual(after!.reasons, ['exempt: vendored, audited in ticket SEC-1']);

    writeFileSync(policyPath, '[policy]\nthreshold = "lots"\n');
    await assert.rejects(holder.reload(), (err: { code?: string }) => err.code === 'POLICY_INVALID');
    const [still] = await decider.decide('exempted', [indexFile(exempted)], true);
    assert.equal(still!.verdict, 'exempt');
  });
});
