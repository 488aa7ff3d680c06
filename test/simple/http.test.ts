import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { brotliCompressSync, gzipSync } from 'node:zlib';
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

/** A loopback server answering with `handle`; counts the TCP connections it accepted. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ url: string; connections: () => number; close: () => Promise<void> }> {
  const server = createServer(handle);
  let connections = 0;
  server.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/`,
    connections: () => connections,
    close: () => new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    }),
  };
}

describe('HttpClient on node:http', () => {
  const page = Buffer.from('<html><body>' + 'x'.repeat(5000) + '</body></html>');

  it('decodes gzip and br answers, hashing and capping the decoded bytes', async () => {
    const seen: Array<string | undefined> = [];
    const server = await serve((req, res) => {
      seen.push(req.headers['accept-encoding']);
      const coding = req.url === '/br' ? 'br' : 'gzip';
      const body = coding === 'br' ? brotliCompressSync(page) : gzipSync(page);
      res.writeHead(200, { 'content-type': 'text/html', 'content-encoding': coding, 'content-length': body.length }).end(body);
    });
    try {
      const http = new HttpClient({ retries: 0 });
      for (const path of ['gz', 'br']) {
        const res = await http.get(`${server.url}${path}`);
        assert.deepEqual(Buffer.from(res.body), page);
        assert.equal(res.sha256, createHash('sha256').update(page).digest('hex'));
        assert.equal(res.headers.get('Content-Type'), 'text/html');
      }
      assert.equal(seen[0], 'gzip, deflate, br');
      // The compressed answer is small; what it expands to is what the cap bounds (a gzip bomb).
      await assert.rejects(http.get(`${server.url}gz`, { maxBytes: 1000 }), (err: unknown) => err instanceof PyvouchError && /larger than/.test(err.message));
    } finally {
      await server.close();
    }
  });

  it('refuses an answer in a Content-Encoding it cannot decode', async () => {
    const server = await serve((_req, res) => res.writeHead(200, { 'content-encoding': 'zstd' }).end('?'));
    try {
      await assert.rejects(new HttpClient({ retries: 0 }).get(server.url), (err: unknown) => err instanceof PyvouchError && err.code === 'INDEX_HTTP' && /zstd/.test(err.message));
    } finally {
      await server.close();
    }
  });

  it('keeps connections alive: many requests, at most `concurrency` sockets, 304s included', async () => {
    const server = await serve((req, res) => {
      if (req.headers['if-none-match'] === '"v1"') return void res.writeHead(304, { etag: '"v1"' }).end();
      res.writeHead(200, { etag: '"v1"', 'content-length': page.length }).end(page);
    });
    try {
      const http = new HttpClient({ retries: 0, concurrency: 4 });
      const all = await Promise.all(Array.from({ length: 40 }, (_, i) => http.get(`${server.url}p${i}`, i % 2 === 0 ? {} : { headers: { 'If-None-Match': '"v1"' } })));
      assert.deepEqual(new Set(all.map((r) => r.status)), new Set([200, 304]));
      assert.ok(server.connections() <= 4, `${server.connections()} connections for 40 requests`);
    } finally {
      await server.close();
    }
  });

  it('fails closed on a body cut short of its Content-Length, after retrying', async () => {
    let requests = 0;
    const server = await serve((_req, res) => {
      requests += 1;
      res.writeHead(200, { 'content-length': 1000 });
      res.write('only part');
      setImmediate(() => res.destroy());
    });
    try {
      await assert.rejects(new HttpClient({ retries: 1, backoffMs: 1 }).get(server.url), (err: unknown) => err instanceof PyvouchError && err.code === 'INDEX_HTTP' && /gave up after 2 attempts/.test(err.message));
      assert.equal(requests, 2);
    } finally {
      await server.close();
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
