// The admin API: the bearer token guards writes (and only writes), envelopes are verified before
// they are stored (an unsigned or forged one is 400 with its error code), 201 means stored, and a
// policy reload that fails keeps the policy in force.

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Envelope } from '../../src/attest/types.js';
import { authorize } from '../../src/server/admin.js';
import { HttpError } from '../../src/server/respond.js';
import type { IncomingMessage } from 'node:http';
import { policyText, postStatements, review, reviewer, startInProcess, tempDir, TOKEN, writePolicy, writeWheels, type InProcess } from './support.js';

const alice = reviewer('Alice');
const mallory = reviewer('Mallory');

function request(authorization?: string): IncomingMessage {
  return { headers: authorization === undefined ? {} : { authorization } } as IncomingMessage;
}

function rejectsWith(status: number): (err: unknown) => boolean {
  return (err) => err instanceof HttpError && err.status === status;
}

describe('admin token', () => {
  test('without a configured token every write is refused (403)', () => {
    assert.throws(() => authorize(request(`Bearer ${TOKEN}`), undefined), rejectsWith(403));
    assert.throws(() => authorize(request(`Bearer ${TOKEN}`), ''), rejectsWith(403));
  });
  test('a missing, malformed or wrong token is 401', () => {
    assert.throws(() => authorize(request(), TOKEN), rejectsWith(401));
    assert.throws(() => authorize(request(`Basic ${TOKEN}`), TOKEN), rejectsWith(401));
    assert.throws(() => authorize(request(`Bearer ${TOKEN}x`), TOKEN), rejectsWith(401));
    assert.throws(() => authorize(request('Bearer'), TOKEN), rejectsWith(401));
  });
  test('the right token passes, whatever the case of the scheme', () => {
    authorize(request(`Bearer ${TOKEN}`), TOKEN);
    authorize(request(`bearer ${TOKEN}`), TOKEN);
  });
});

describe('admin API', () => {
  const dir = tempDir();
  const upstream = join(dir, 'wheels');
  const [wheel] = writeWheels(upstream, [{ name: 'demo', version: '1.0' }]);
  const policyPath = writePolicy(dir, alice);
  let s: InProcess;
  let locked: InProcess;

  before(async () => {
    s = await startInProcess({ upstream, policyPath, token: TOKEN });
    locked = await startInProcess({ upstream, policyPath });
  });
  after(async () => {
    await s.close();
    await locked.close();
  });

  test('stores a signed statement and answers 201 with its id, once stored', async () => {
    const envelope = review(alice, 'demo', '1.0', [wheel!]);
    const res = await postStatements(s.origin, envelope);
    assert.equal(res.status, 201);
    assert.equal(res.json.ids.length, 1);
    assert.deepEqual(res.json.inserted, res.json.ids);
    assert.ok((await s.store.get(res.json.ids[0]!)) !== undefined);
    const again = await postStatements(s.origin, [envelope]);
    assert.equal(again.status, 201);
    assert.deepEqual(again.json.duplicates, res.json.ids);
  });

  test('refuses a forged signature with 400 SIG_INVALID and stores nothing of the batch', async () => {
    const good = review(alice, 'demo', '1.0', [wheel!]);
    const other = review(alice, 'other', '1.0', [wheel!]);
    // Alice's signature over another payload: a forgery of this one.
    const forged: Envelope = { ...review(alice, 'demo', '9.9', [wheel!]), signatures: other.signatures };
    const before = await s.store.count();
    const res = await postStatements(s.origin, [good, forged]);
    assert.equal(res.status, 400);
    assert.equal(res.json.error.code, 'SIG_INVALID');
    assert.match(res.json.error.message, /^statement \[1\]: /);
    assert.deepEqual(res.json.rejected.map((r: { index: number }) => r.index), [1]);
    assert.equal(await s.store.count(), before);
  });

  test('refuses an unsigned envelope and a statement signed by someone other than its agent', async () => {
    const unsigned = { ...review(alice, 'demo', '1.0', [wheel!]), signatures: [] };
    const res = await postStatements(s.origin, unsigned);
    assert.equal(res.status, 400);
    assert.match(res.json.error.code, /^(ENVELOPE_INVALID|SIG_INVALID)$/);
    const impostor: Envelope = { ...review(alice, 'demo', '1.0', [wheel!]), signatures: review(mallory, 'demo', '1.0', [wheel!]).signatures };
    const res2 = await postStatements(s.origin, impostor);
    assert.equal(res2.status, 400);
    assert.match(res2.json.error.code, /^(AGENT_MISMATCH|SIG_INVALID)$/);
  });

  test('refuses a body that is not JSON, or an empty batch', async () => {
    const res = await fetch(`${s.origin}/statements`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` }, body: '{"payloadType": ' });
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'ENVELOPE_INVALID');
    assert.equal((await postStatements(s.origin, [])).status, 400);
  });

  test('needs the token for writes (401 without or with a wrong one), and is disabled without one (403)', async () => {
    const envelope = review(alice, 'demo', '1.0', [wheel!]);
    const missing = await postStatements(s.origin, envelope, null);
    assert.equal(missing.status, 401);
    assert.equal(missing.json.error.code, 'UNAUTHORIZED');
    assert.equal((await postStatements(s.origin, envelope, 'wrong')).status, 401);
    assert.equal((await postStatements(locked.origin, envelope, TOKEN)).status, 403);
    assert.equal((await fetch(`${locked.origin}/policy/reload`, { method: 'POST' })).status, 403);
  });

  test('keeps reads public', async () => {
    for (const path of ['/simple/demo/', '/api/status', '/api/packages/demo', '/api/log', '/metrics']) {
      assert.equal((await fetch(`${locked.origin}${path}`)).status, 200, path);
    }
    assert.equal((await fetch(`${s.origin}/statements`)).status, 405);
  });

  test('reloads the policy; a bad one answers 400 POLICY_INVALID and the old one stays in force', async () => {
    const reload = (): Promise<Response> => fetch(`${s.origin}/policy/reload`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` } });
    const verdict = async (): Promise<string> => {
      const body = (await (await fetch(`${s.origin}/api/packages/demo`)).json()) as { releases: { files: { verdict: string }[] }[] };
      return body.releases[0]!.files[0]!.verdict;
    };
    assert.equal(await verdict(), 'pass');
    writeFileSync(policyPath, policyText(alice).replace('threshold = 2.0', 'threshold = 3.0'));
    assert.equal((await reload()).status, 200);
    assert.equal(await verdict(), 'fail', 'the new threshold applies at once');
    writeFileSync(policyPath, '[policy]\nthreshold = -1\n');
    const bad = await reload();
    assert.equal(bad.status, 400);
    const body = (await bad.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'POLICY_INVALID');
    assert.match(body.error.message, /pyvouch\.toml/);
    assert.equal(await verdict(), 'fail', 'the previous policy (threshold 3.0) stays');
  });
});
