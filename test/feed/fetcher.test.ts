import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { FeedFetcher } from '../../src/feed/fetcher.js';
import { isPyvouchError } from '../../src/errors.js';
import { tempDir } from './support.js';

async function withServer(handler: Parameters<typeof createServer>[1], body: (url: string) => Promise<void>): Promise<void> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await body(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

test('a reset connection is tried again; a server error is FEED_UNREACHABLE', async () => {
  let calls = 0;
  await withServer(
    (req, res) => {
      calls++;
      if (req.url === '/reset' && calls === 1) {
        req.socket.destroy();
        return;
      }
      if (req.url === '/broken') {
        res.writeHead(500).end();
        return;
      }
      res.end('ok');
    },
    async (url) => {
      assert.equal((await new FeedFetcher().downloadBytes(`${url}/reset`, 100)).toString(), 'ok');
      await assert.rejects(new FeedFetcher().downloadBytes(`${url}/broken`, 100), (err: unknown) => isPyvouchError(err) && err.code === 'FEED_UNREACHABLE');
    },
  );
});

test('stops reading at the byte limit, over HTTP (with or without a length header) and from disk', async () => {
  await withServer(
    (req, res) => {
      if (req.url === '/chunked') {
        res.write('x'.repeat(600));
        res.end('x'.repeat(600));
        return;
      }
      res.end('x'.repeat(1200));
    },
    async (url) => {
      for (const path of ['/chunked', '/sized']) {
        await assert.rejects(new FeedFetcher().downloadBytes(`${url}${path}`, 1000), (err: unknown) => isPyvouchError(err) && err.code === 'FEED_TOO_LARGE');
      }
    },
  );
  const file = join(tempDir(), 'big.json');
  writeFileSync(file, 'x'.repeat(1200));
  await assert.rejects(new FeedFetcher().downloadBytes(pathToFileURL(file).href, 1000), (err: unknown) => isPyvouchError(err) && err.code === 'FEED_TOO_LARGE');
  assert.equal((await new FeedFetcher().downloadBytes(pathToFileURL(file).href, 1200)).length, 1200);
});
