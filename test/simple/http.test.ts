import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { PyvouchError } from '../../src/errors.js';
import { HttpClient, parseRetryAfter } from '../../src/simple/http.js';
import { checkableAlgorithms, digestProblem, verifyDigests } from '../../src/simple/digest.js';
import { startFakeIndex } from '../support/fake-index.js';

describe('parseRetryAfter', () => {
  const now = Date.parse('Mon, 01 Jan 2024 00:00:00 GMT');
  const cases: Array<[string | null, number | undefined]> = [
    [null, undefined],
    ['0', 0],
    ['120', 120_000],
    [' 5 ', 5000],
    ['Mon, 01 Jan 2024 00:00:30 GMT', 30_000],
    ['Sun, 31 Dec 2023 23:59:00 GMT', 0],
    ['soon', undefined],
    ['-1', undefined],
  ];
  for (const [value, expected] of cases) {
    it(`reads ${JSON.stringify(value)}`, () => assert.equal(parseRetryAfter(value, now), expected));
  }
});

describe('HttpClient', () => {
  it('retries a refused connection, then names the network error', async () => {
    // A port that was just free: nothing listens there.
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const retried: string[] = [];
    const http = new HttpClient({
      retries: 2,
      backoffMs: 1,
      progress: { started: () => {}, received: () => {}, finished: () => {}, retrying: (_url, reason) => retried.push(reason) },
    });
    await assert.rejects(http.get(`http://127.0.0.1:${port}/simple/`), (err: unknown) => {
      assert.ok(err instanceof PyvouchError);
      assert.equal(err.code, 'INDEX_HTTP');
      assert.match(err.message, /ECONNREFUSED/);
      return true;
    });
    assert.equal(retried.length, 2);
  });

  it('follows redirects to the URL that answers (the fake index normalizes names with 301)', async () => {
    const index = await startFakeIndex({ projects: [{ name: 'Tiny_Dep', files: [] }] });
    try {
      const res = await new HttpClient().get(`${index.url}Tiny_Dep`);
      assert.equal(res.status, 200);
      assert.equal(res.url, `${index.url}tiny-dep/`);
      assert.deepEqual(
        index.requests.map((r) => [r.path, r.status]),
        [
          ['/simple/Tiny_Dep', 301],
          ['/simple/tiny-dep/', 200],
        ],
      );
      const root = await new HttpClient().get(index.url, { headers: { Accept: 'application/vnd.pypi.simple.v1+json' } });
      assert.deepEqual((JSON.parse(new TextDecoder().decode(root.body)) as { projects: unknown }).projects, [{ name: 'Tiny_Dep' }]);
    } finally {
      await index.close();
    }
  });

  it('refuses a redirect to a non-http scheme', async () => {
    const index = await startFakeIndex();
    try {
      index.fault('/simple/x/', { redirect: 'file:///etc/passwd' });
      await assert.rejects(new HttpClient().get(`${index.url}x/`), (err: unknown) => err instanceof PyvouchError && err.code === 'INDEX_HTTP');
    } finally {
      await index.close();
    }
  });

  it('refuses URLs it cannot fetch', async () => {
    const http = new HttpClient();
    await assert.rejects(http.get('not a url'), (err: unknown) => err instanceof PyvouchError && err.code === 'INDEX_HTTP');
    await assert.rejects(http.get('ftp://example.com/'), (err: unknown) => err instanceof PyvouchError && err.code === 'INDEX_HTTP');
  });

  it('reports progress for each request and the bytes received', async () => {
    const index = await startFakeIndex({ projects: [{ name: 'p', files: [] }] });
    try {
      const events: string[] = [];
      let bytes = 0;
      const http = new HttpClient({
        progress: {
          started: () => events.push('started'),
          received: (n) => (bytes += n),
          finished: () => events.push('finished'),
          retrying: () => events.push('retrying'),
        },
      });
      const res = await http.get(`${index.url}p/`);
      assert.deepEqual(events, ['started', 'finished']);
      assert.equal(bytes, res.body.byteLength);
    } finally {
      await index.close();
    }
  });
});

describe('digests', () => {
  it('checks every digest it can compute and ignores algorithms it does not know', () => {
    const bytes = new TextEncoder().encode('abc');
    const good = {
      sha256: 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
      md5: '900150983cd24fb0d6963f7d28e17f72',
      whirlpool_9000: '00',
    };
    verifyDigests(bytes, good, 'abc.txt', 'file:///abc.txt');
    assert.deepEqual(checkableAlgorithms(good), ['sha256', 'md5']);
    assert.throws(
      () => verifyDigests(bytes, { ...good, md5: '0'.repeat(32) }, 'abc.txt', 'file:///abc.txt'),
      (err: unknown) => err instanceof PyvouchError && err.code === 'DIGEST_MISMATCH' && err.message.includes('900150983cd24fb0d6963f7d28e17f72'),
    );
  });

  const problems: Array<[string, string, boolean]> = [
    ['sha256', 'a'.repeat(64), false],
    ['sha256', 'A'.repeat(64), false],
    ['sha256', 'a'.repeat(40), true],
    ['sha256', 'xyz', true],
    ['blake2b', 'a'.repeat(128), false],
    ['made_up', 'abcd', false],
    ['Bad-Name', 'abcd', true],
  ];
  for (const [algorithm, value, bad] of problems) {
    it(`${bad ? 'refuses' : 'accepts'} ${algorithm}=${value.slice(0, 8)}…`, () => {
      assert.equal(digestProblem(algorithm, value) !== undefined, bad);
    });
  }
});
