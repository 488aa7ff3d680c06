// POST /api/graph gives an index party credit as the gate does: only for files of the server's own
// upstream, confirmed against the upstream's pages. A policy naming another index gets no credit in
// the UI and that index is never asked, so the UI cannot show "pass" for a file the gate refuses.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startFakeIndex, wheelFile, type FakeIndex } from '../support/fake-index.js';
import { virtualUvLock } from '../support/uv-lock.js';
import { reviewer, startInProcess, tempDir, writePolicy, type InProcess } from './support.js';

const nobody = reviewer('Nobody');
const lib = wheelFile('libpkg', '1.0');

/** A uv.lock of a virtual project requiring libpkg, whose one wheel comes from `indexUrl`. */
const uvLock = (indexUrl: string, sha256?: string): string =>
  virtualUvLock(indexUrl, ['libpkg'], [{ name: 'libpkg', version: '1.0', file: lib, ...(sha256 === undefined ? {} : { sha256 }) }]);

interface Answer {
  passed: boolean;
  nodes: { name: string; state: string; report?: { contributions: { party: string }[]; missing: { message: string }[]; notes: { message: string }[] } }[];
}

async function graphOf(origin: string, lock: string): Promise<Answer> {
  const res = await fetch(`${origin}/api/graph`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ lock, filename: 'uv.lock', python: '3.12' }) });
  const text = await res.text();
  assert.equal(res.status, 200, text);
  return JSON.parse(text) as Answer;
}

const libOf = (a: Answer) => a.nodes.find((n) => n.name === 'libpkg');

describe('POST /api/graph: the index party, as the gate sees it', () => {
  let upstream: FakeIndex;
  let other: FakeIndex;
  const servers: InProcess[] = [];
  /** A server over `upstream` whose policy's one index party (weight 2.0, the threshold) names `partyIndex`. */
  const serve = async (partyIndex: string): Promise<InProcess> => {
    const policy = writePolicy(tempDir(), nobody, ['[[party]]', 'name = "pypi"', `index = "${partyIndex}"`, 'weight = 2.0', ''].join('\n'));
    const s = await startInProcess({ upstream: upstream.url, policyPath: policy, mode: 'deny' });
    servers.push(s);
    return s;
  };

  before(async () => {
    upstream = await startFakeIndex({ projects: [{ name: 'libpkg', files: [lib] }] });
    other = await startFakeIndex({ projects: [{ name: 'libpkg', files: [lib] }] });
  });
  after(async () => {
    for (const s of servers) await s.close();
    await upstream?.close();
    await other?.close();
  });

  test('the upstream named by the policy vouches for the file it serves with that sha256', async () => {
    const s = await serve(upstream.url);
    const answer = await graphOf(s.origin, uvLock(upstream.url));
    assert.equal(answer.passed, true, JSON.stringify(libOf(answer)?.report));
    assert.deepEqual(libOf(answer)?.report?.contributions.map((c) => c.party), ['pypi']);
  });

  test('a sha256 the upstream does not serve gets no credit', async () => {
    const s = await serve(upstream.url);
    const answer = await graphOf(s.origin, uvLock(upstream.url, 'f'.repeat(64)));
    assert.equal(answer.passed, false);
    assert.deepEqual(libOf(answer)?.report?.contributions, []);
  });

  test('another index named by the policy is never asked and gives no credit, whatever it serves', async () => {
    const s = await serve(other.url);
    const before = other.requests.length;
    const answer = await graphOf(s.origin, uvLock(other.url));
    assert.equal(answer.passed, false);
    assert.deepEqual(libOf(answer)?.report?.contributions, []);
    assert.ok(
      libOf(answer)?.report?.notes.some((m) => /was not asked whether it serves libpkg-1\.0-py3-none-any\.whl: this server asks only its upstream/.test(m.message)),
      JSON.stringify(libOf(answer)?.report),
    );
    assert.equal(other.requests.length, before, 'the server fetched nothing from an index that is not its upstream');
    // The gate agrees: the same file, downloaded through it, is refused (no party vouches).
    const res = await fetch(`${s.origin}/files/libpkg/${lib.filename}`);
    assert.equal(res.status, 403);
  });

});
