// The gated index applies the release-age cooldown (min-age) by upstream's PEP 700 upload-time:
// in filter mode a too-young file is left out of the page (clients pick the previous version), in
// deny mode its download is refused with its age and when it becomes allowed; upload-time is served.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { startFakeIndex, wheelFile, type FakeIndex } from '../support/fake-index.js';
import { postStatements, review, reviewer, startInProcess, tempDir, TOKEN, writePolicy, type InProcess } from './support.js';

const alice = reviewer('Alice');
const pep700 = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
const old = { ...wheelFile('fresh', '1.0'), uploadTime: pep700(Date.now() - 30 * 86_400_000) };
const young = { ...wheelFile('fresh', '1.1'), uploadTime: pep700(Date.now() - 3_600_000) };
const policyPath = writePolicy(tempDir(), alice, '');
// min-age goes in [policy]: rewrite the file with it.

writeFileSync(policyPath, readFileSync(policyPath, 'utf8').replace('[policy]\n', '[policy]\nmin-age = "3d"\n'));

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
