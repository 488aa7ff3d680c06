import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IndexCache, type CachedResponse } from '../../src/simple/cache.js';
import { sha256Hex } from '../../src/simple/digest.js';

let dir: string;
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pyvouch-cache-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

const response: CachedResponse = {
  url: 'https://index.example/simple/foo/',
  finalUrl: 'https://mirror.example/simple/foo/',
  contentType: 'application/vnd.pypi.simple.v1+json',
  etag: '"abc"',
  lastModified: 'Mon, 01 Jan 2024 00:00:00 GMT',
  body: new TextEncoder().encode('{"meta":{"api-version":"1.1"}}'),
};

async function entryPaths(root: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(root, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(join(entry.parentPath ?? (entry as unknown as { path: string }).path, entry.name));
  }
  return out;
}

describe('IndexCache', () => {
  it('returns a stored response for the same URL and Accept only', async () => {
    const cache = new IndexCache(join(dir, 'a'));
    await cache.putResponse('json', response);
    assert.deepEqual(await cache.getResponse(response.url, 'json'), response);
    assert.equal(await cache.getResponse(response.url, 'html'), undefined);
    assert.equal(await cache.getResponse('https://index.example/simple/bar/', 'json'), undefined);
  });

  const damage: Array<[string, (raw: Buffer) => Buffer]> = [
    ['a flipped body byte', (raw) => Buffer.concat([raw.subarray(0, -1), Buffer.from([raw.at(-1)! ^ 1])])],
    ['a truncated body', (raw) => raw.subarray(0, -3)],
    ['a header that is not JSON', (raw) => Buffer.concat([Buffer.from('{oops\n'), raw])],
    ['no header line at all', () => Buffer.from('garbage')],
    ['an entry written for another URL', (raw) => Buffer.from(raw.toString('latin1').replace('/simple/foo/', '/simple/bar/'), 'latin1')],
  ];
  for (const [name, corrupt] of damage) {
    it(`ignores and removes an entry with ${name}`, async () => {
      const cache = new IndexCache(join(dir, name.replace(/\W+/g, '-')));
      await cache.putResponse('json', response);
      const [path] = await entryPaths(cache.dir);
      await writeFile(path!, corrupt(await readFile(path!)));
      assert.equal(await cache.getResponse(response.url, 'json'), undefined);
      assert.deepEqual(await entryPaths(cache.dir), []);
    });
  }

  it('returns a stored file only while its bytes still have its sha256', async () => {
    const cache = new IndexCache(join(dir, 'files'));
    const bytes = new TextEncoder().encode('wheel bytes');
    const sha = sha256Hex(bytes);
    await cache.putFile(sha, bytes);
    assert.deepEqual(await cache.getFile(sha), bytes);
    assert.deepEqual(await cache.getFile(sha.toUpperCase()), bytes);
    const [path] = await entryPaths(cache.dir);
    await writeFile(path!, 'other bytes');
    assert.equal(await cache.getFile(sha), undefined);
    assert.deepEqual(await entryPaths(cache.dir), []);
  });

  it('does not turn a digest that is not 64 hex digits into a path', async () => {
    const cache = new IndexCache(join(dir, 'paths'));
    await cache.putFile('../../escape', new Uint8Array([1]));
    assert.equal(await cache.getFile('../../escape'), undefined);
    assert.deepEqual(await readdir(dir).then((names) => names.includes('escape')), false);
  });
});
