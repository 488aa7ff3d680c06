import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PyvouchError } from '../../src/errors.js';
import { IndexCache } from '../../src/simple/cache.js';
import { HttpClient, type HttpOptions } from '../../src/simple/http.js';
import { HttpIndex, SIMPLE_ACCEPT } from '../../src/simple/http-index.js';
import type { ProjectPage } from '../../src/simple/types.js';
import { sdistFile, sha256, startFakeIndex, wheelFile, type FakeIndex, type FakeProject } from '../support/fake-index.js';
import { failure } from '../support/failure.js';

/** Retries in milliseconds, so fault tests stay fast. */
function client(options: HttpOptions = {}): HttpClient {
  return new HttpClient({ backoffMs: 2, maxBackoffMs: 10, timeoutMs: 2000, ...options });
}

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'pyvouch-index-'));
  tempDirs.push(dir);
  return dir;
}
after(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

const wheel = wheelFile('Tiny_Dep', '1.0', { requires: ['six>=1.16', 'tomli; python_version < "3.11"'], requiresPython: '>=3.8,<4' });
const olderWheel = { ...wheelFile('tiny-dep', '0.9', { requiresPython: '>=3.7' }), yanked: 'broken "build" <0.9.1' };
let sdist: Awaited<ReturnType<typeof sdistFile>>;
let tinyDep: FakeProject;

before(async () => {
  sdist = await sdistFile('tiny-dep', '1.0', { requires: ['six>=1.16'] });
  tinyDep = {
    name: 'Tiny_Dep',
    files: [
      { ...olderWheel, uploadTime: '2023-05-06T07:08:09.123456Z' },
      { ...wheel, provenance: 'https://index.example/integrity/tiny-dep/1.0/provenance' },
      sdist,
    ],
  };
});

/** A page with the server's origin replaced, so pages of two servers compare equal. */
function portable(page: ProjectPage | undefined, origin: string): unknown {
  return JSON.parse(JSON.stringify(page).replaceAll(origin, 'ORIGIN'));
}

describe('HttpIndex pages', () => {
  it('reads the same ProjectPage from the HTML and the JSON form of a project', async () => {
    const json = await startFakeIndex({ projects: [tinyDep], formats: ['json'] });
    const html = await startFakeIndex({ projects: [tinyDep], formats: ['html'] });
    try {
      const fromJson = await new HttpIndex(json.url, { http: client() }).project('tiny-dep');
      const fromHtml = await new HttpIndex(html.url, { http: client() }).project('tiny-dep');
      assert.ok(fromJson !== undefined && fromHtml !== undefined);
      // PEP 700 fields exist only in JSON; everything else must agree.
      const { versions, ...jsonRest } = fromJson;
      assert.deepEqual(versions, ['0.9', '1.0']);
      const withoutJsonOnly = {
        ...jsonRest,
        files: jsonRest.files.map(({ size, uploadTime, ...rest }) => {
          void uploadTime;
          assert.equal(typeof size, 'number');
          return rest;
        }),
      };
      assert.deepEqual(portable(withoutJsonOnly, json.origin), portable(fromHtml, html.origin));
      assert.equal(json.requests[0]?.accept, SIMPLE_ACCEPT);
      assert.equal(html.requests[0]?.accept, SIMPLE_ACCEPT);

      const [yanked, current, source] = fromHtml.files;
      assert.equal(fromHtml.name, 'tiny-dep');
      assert.equal(fromHtml.url, `${html.origin}/simple/tiny-dep/`);
      assert.deepEqual(yanked, {
        filename: 'tiny_dep-0.9-py3-none-any.whl',
        url: `${html.origin}/files/tiny_dep-0.9-py3-none-any.whl`,
        hashes: { sha256: sha256(olderWheel.content) },
        requiresPython: '>=3.7',
        yanked: 'broken "build" <0.9.1',
        coreMetadata: { hashes: { sha256: sha256(olderWheel.metadata!) } },
      });
      assert.equal(current?.requiresPython, '>=3.8,<4');
      assert.equal(current?.yanked, false);
      assert.equal(current?.provenance, 'https://index.example/integrity/tiny-dep/1.0/provenance');
      assert.equal(source?.filename, 'tiny_dep-1.0.tar.gz');
      assert.equal(source?.coreMetadata, false);
      assert.equal(fromJson.files[0]?.uploadTime, '2023-05-06T07:08:09.123456Z');
      assert.equal(fromJson.files[1]?.size, wheel.content.byteLength);
    } finally {
      await json.close();
      await html.close();
    }
  });

  it('asks for the normalized name and gets undefined for an unknown project', async () => {
    const index = await startFakeIndex({ projects: [tinyDep] });
    try {
      const http = new HttpIndex(index.url, { http: client() });
      assert.equal((await http.project('TINY.dep'))?.name, 'tiny-dep');
      assert.equal(await http.project('no-such-project'), undefined);
      assert.deepEqual(
        index.requests.map((r) => [r.path, r.status]),
        [
          ['/simple/tiny-dep/', 200],
          ['/simple/no-such-project/', 404],
        ],
      );
      await assert.rejects(http.project('../etc'), (err: unknown) => err instanceof PyvouchError && err.code === 'INVALID_NAME');
    } finally {
      await index.close();
    }
  });

  it('resolves relative links against the page URL after a redirect', async () => {
    const index = await startFakeIndex({ projects: [tinyDep], urls: 'relative' });
    try {
      index.fault('/simple/tiny-dep/', { redirect: '/mirror/simple/tiny-dep/', status: 301 });
      const http = new HttpIndex(index.url, { http: client() });
      const page = await http.project('tiny-dep');
      assert.equal(page?.url, `${index.origin}/mirror/simple/tiny-dep/`);
      assert.ok(page?.files.every((f) => f.url.startsWith(`${index.origin}/mirror/files/`)));
      const bytes = await http.download(page.files[1]!);
      assert.equal(sha256(bytes), sha256(wheel.content));
    } finally {
      await index.close();
    }
  });

  for (const urls of ['absolute', 'root-relative'] as const) {
    it(`reads ${urls} file links`, async () => {
      const index = await startFakeIndex({ projects: [tinyDep], urls });
      try {
        const page = await new HttpIndex(index.url, { http: client() }).project('tiny-dep');
        assert.equal(page?.files[1]?.url, `${index.origin}/files/tiny_dep-1.0-py3-none-any.whl`);
      } finally {
        await index.close();
      }
    });
  }

  it('reads a text/html page and a page whose metadata attribute has the PEP 658 name', async () => {
    const index = await startFakeIndex({ projects: [tinyDep], formats: ['html'], metadataAttribute: 'dist-info' });
    try {
      const http = new HttpIndex(index.url, { http: client() });
      const page = await http.project('tiny-dep');
      assert.deepEqual(page?.files[1]?.coreMetadata, { hashes: { sha256: sha256(wheel.metadata!) } });
      index.fault('/simple/other/', {
        status: 200,
        headers: { 'Content-Type': 'text/html; charset=utf-8' },
        body: '<a href="/files/other-1.0.tar.gz#sha256=' + 'c'.repeat(64) + '">other-1.0.tar.gz</a>',
      });
      const other = await http.project('other');
      assert.deepEqual(other?.files.map((f) => f.url), [`${index.origin}/files/other-1.0.tar.gz`]);
    } finally {
      await index.close();
    }
  });

  it('asks once for a project requested many times at once', async () => {
    const index = await startFakeIndex({ projects: [tinyDep] });
    try {
      index.fault('/simple/tiny-dep/', { delayMs: 30, times: 1 });
      const http = new HttpIndex(index.url, { http: client() });
      const pages = await Promise.all([http.project('tiny-dep'), http.project('Tiny_Dep'), http.project('tiny.dep')]);
      assert.ok(pages.every((p) => p === pages[0]));
      assert.equal(index.requests.length, 1);
    } finally {
      await index.close();
    }
  });

  const malformed: Array<{ name: string; contentType: string; body: string }> = [
    { name: 'a JSON page with a bad digest', contentType: 'application/vnd.pypi.simple.v1+json', body: JSON.stringify({ meta: { 'api-version': '1.0' }, name: 'bad', files: [{ filename: 'bad-1.tar.gz', url: '/f/bad-1.tar.gz', hashes: { sha256: 'zz' } }] }) },
    { name: 'a JSON page of API version 2', contentType: 'application/vnd.pypi.simple.v1+json', body: JSON.stringify({ meta: { 'api-version': '2.0' }, name: 'bad', files: [] }) },
    { name: 'a v2 content type', contentType: 'application/vnd.pypi.simple.v2+json', body: '{}' },
    { name: 'plain application/json', contentType: 'application/json', body: '{}' },
    { name: 'an HTML page with an unterminated attribute', contentType: 'text/html', body: '<a href="/f/bad-1.tar.gz>bad</a>' },
    { name: 'a JSON page that is not UTF-8', contentType: 'application/vnd.pypi.simple.v1+json', body: '\uFFFD' },
  ];
  for (const c of malformed) {
    it(`refuses ${c.name} with INDEX_PARSE naming the URL`, async () => {
      const index = await startFakeIndex();
      try {
        const body = c.name.includes('not UTF-8') ? new Uint8Array([0x7b, 0xff, 0x7d]) : c.body;
        index.fault('/simple/bad/', { status: 200, headers: { 'Content-Type': c.contentType }, body });
        const err = await failure(new HttpIndex(index.url, { http: client() }).project('bad'));
        assert.equal(err.code, 'INDEX_PARSE');
        assert.equal(err.file, `${index.origin}/simple/bad/`);
      } finally {
        await index.close();
      }
    });
  }

  it('refuses a page larger than the cap', async () => {
    const index = await startFakeIndex({ projects: [tinyDep] });
    try {
      const err = await failure(new HttpIndex(index.url, { http: client(), maxPageBytes: 100 }).project('tiny-dep'));
      assert.equal(err.code, 'INDEX_HTTP');
      assert.match(err.message, /larger than/);
    } finally {
      await index.close();
    }
  });
});

describe('HttpIndex metadata and downloads', () => {
  let index: FakeIndex;
  before(async () => {
    index = await startFakeIndex({
      projects: [
        tinyDep,
        { name: 'no-pep658', files: [wheelFile('no-pep658', '2.0', { requires: ['attrs'], pep658: false })] },
        { name: 'lying', files: [{ ...wheelFile('lying', '1.0'), wrongMetadataHash: true }, { ...wheelFile('lying', '1.1'), wrongHash: true }] },
        { name: 'bare', files: [{ ...wheelFile('bare', '1.0'), metadataWithoutHash: true, noHash: true }] },
        { name: 'switched', files: [{ ...wheelFile('switched', '1.0'), metadata: wheelFile('switched', '6.6', { requires: ['evil'] }).metadata! }] },
        { name: 'gone', files: [{ ...wheelFile('gone', '1.0'), filename: 'gone-1.0-py3-none-any.whl' }] },
      ],
    });
  });
  after(() => index.close());

  it('reads core metadata from the PEP 658 file without downloading the wheel', async () => {
    const http = new HttpIndex(index.url, { http: client() });
    const file = (await http.project('tiny-dep'))!.files[1]!;
    const before = index.requests.length;
    assert.equal(await http.coreMetadata(file), wheel.metadata);
    assert.deepEqual(
      index.requests.slice(before).map((r) => r.path),
      ['/files/tiny_dep-1.0-py3-none-any.whl.metadata'],
    );
  });

  it('reads a file\'s metadata once however often it is asked (a resolve for many targets), and tries a failure again', async () => {
    const http = new HttpIndex(index.url, { http: client() });
    const file = (await http.project('tiny-dep'))!.files[1]!;
    const path = '/files/tiny_dep-1.0-py3-none-any.whl.metadata';
    const before = index.requestsTo(path).length;
    const texts = await Promise.all([http.coreMetadata(file), http.coreMetadata(file), http.coreMetadata(file)]);
    assert.deepEqual(texts, [wheel.metadata, wheel.metadata, wheel.metadata]);
    assert.equal(await http.coreMetadata(file), wheel.metadata);
    assert.equal(index.requestsTo(path).length - before, 1);
    // A refused answer is not remembered: the same file advertised with another digest is read anew.
    const lying = { ...file, coreMetadata: { hashes: { sha256: '0'.repeat(64) } } };
    assert.equal((await failure(http.coreMetadata(lying))).code, 'DIGEST_MISMATCH');
    assert.equal((await failure(http.coreMetadata(lying))).code, 'DIGEST_MISMATCH');
    assert.equal(index.requestsTo(path).length - before, 3);
  });

  it('reads core metadata from the wheel when the index serves no metadata file', async () => {
    const http = new HttpIndex(index.url, { http: client() });
    const file = (await http.project('no-pep658'))!.files[0]!;
    assert.equal(file.coreMetadata, false);
    const text = await http.coreMetadata(file);
    assert.match(text, /^Metadata-Version: 2\.1\nName: no-pep658\nVersion: 2\.0\n/);
    assert.match(text, /Requires-Dist: attrs/);
    assert.deepEqual(index.requestsTo('/files/no_pep658-2.0-py3-none-any.whl.metadata'), []);
  });

  it('accepts a metadata file and a wheel advertised without digests', async () => {
    const http = new HttpIndex(index.url, { http: client() });
    const file = (await http.project('bare'))!.files[0]!;
    assert.deepEqual(file.hashes, {});
    assert.deepEqual(file.coreMetadata, { hashes: {} });
    assert.match(await http.coreMetadata(file), /Name: bare/);
    assert.equal((await http.download(file)).byteLength, file.size);
  });

  it('refuses a metadata file whose digest is not the advertised one', async () => {
    const http = new HttpIndex(index.url, { http: client() });
    const file = (await http.project('lying'))!.files[0]!;
    const err = await failure(http.coreMetadata(file));
    assert.equal(err.code, 'DIGEST_MISMATCH');
    assert.match(err.message, /lying-1\.0-py3-none-any\.whl\.metadata/);
  });

  it('refuses a download whose digest is not the advertised one, naming the file and both digests', async () => {
    const http = new HttpIndex(index.url, { http: client() });
    const file = (await http.project('lying'))!.files[1]!;
    const err = await failure(http.download(file));
    assert.equal(err.code, 'DIGEST_MISMATCH');
    const served = wheelFile('lying', '1.1').content;
    assert.ok(err.message.includes('lying-1.1-py3-none-any.whl'));
    assert.ok(err.message.includes(sha256(served)));
    assert.ok(err.message.includes(file.hashes.sha256!));
  });

  it('refuses a metadata file that describes another version than its file', async () => {
    const http = new HttpIndex(index.url, { http: client() });
    const file = (await http.project('switched'))!.files[0]!;
    const err = await failure(http.coreMetadata(file));
    assert.equal(err.code, 'INDEX_PARSE');
    assert.match(err.message, /6\.6/);
  });

  it('falls back to the wheel when an advertised metadata file is missing', async () => {
    const http = new HttpIndex(index.url, { http: client() });
    const file = (await http.project('tiny-dep'))!.files[1]!;
    index.fault('/files/tiny_dep-1.0-py3-none-any.whl.metadata', { status: 404, times: 1 });
    assert.equal(await http.coreMetadata(file), wheel.metadata);
  });

  it('says an sdist without a metadata file has no core metadata to give', async () => {
    const http = new HttpIndex(index.url, { http: client() });
    const file = (await http.project('tiny-dep'))!.files[2]!;
    const err = await failure(http.coreMetadata(file));
    assert.equal(err.code, 'INDEX_NO_METADATA');
    assert.equal(sha256(await http.download(file)), sha256(sdist.content));
  });

  it('refuses a download larger than the cap, or than the size the index states', async () => {
    const small = new HttpIndex(index.url, { http: client(), maxDownloadBytes: 100 });
    const file = (await small.project('tiny-dep'))!.files[1]!;
    assert.equal((await failure(small.download(file))).code, 'INDEX_HTTP');
    const http = new HttpIndex(index.url, { http: client() });
    const err = await failure(http.download({ ...file, hashes: {}, size: file.size! - 1 }));
    assert.equal(err.code, 'DIGEST_MISMATCH');
  });

  it('fails with INDEX_HTTP when a listed file is not served', async () => {
    const http = new HttpIndex(index.url, { http: client() });
    const file = (await http.project('gone'))!.files[0]!;
    const err = await failure(http.download({ ...file, url: `${index.origin}/files/missing-1.0-py3-none-any.whl` }));
    assert.equal(err.code, 'INDEX_HTTP');
    assert.match(err.message, /404/);
  });
});

describe('HttpIndex retries and timeouts', () => {
  let index: FakeIndex;
  before(async () => {
    index = await startFakeIndex({ projects: [tinyDep] });
  });
  after(() => index.close());

  it('succeeds after two 500s', async () => {
    index.clearFaults();
    const start = index.requests.length;
    index.fault('/simple/tiny-dep/', { status: 500, times: 2 });
    const page = await new HttpIndex(index.url, { http: client() }).project('tiny-dep');
    assert.equal(page?.files.length, 3);
    assert.deepEqual(
      index.requests.slice(start).map((r) => r.status),
      [500, 500, 200],
    );
  });

  it('gives up with INDEX_HTTP, naming the URL and status, when the index keeps failing', async () => {
    index.clearFaults();
    const start = index.requests.length;
    index.fault('/simple/tiny-dep/', { status: 503 });
    const err = await failure(new HttpIndex(index.url, { http: client({ retries: 2 }) }).project('tiny-dep'));
    assert.equal(err.code, 'INDEX_HTTP');
    assert.equal(err.file, `${index.origin}/simple/tiny-dep/`);
    assert.match(err.message, /503/);
    assert.match(err.message, /3 attempts/);
    assert.ok(err.help !== undefined);
    assert.equal(index.requests.length - start, 3);
    index.clearFaults();
  });

  it('does not retry a 403 and says how to give credentials', async () => {
    index.clearFaults();
    const start = index.requests.length;
    index.fault('/simple/tiny-dep/', { status: 403, times: 1 });
    const err = await failure(new HttpIndex(index.url, { http: client() }).project('tiny-dep'));
    assert.equal(err.code, 'INDEX_HTTP');
    assert.match(err.help ?? '', /credentials/);
    assert.equal(index.requests.length - start, 1);
  });

  it('waits as long as Retry-After says after a 429', async () => {
    index.clearFaults();
    index.fault('/simple/tiny-dep/', { status: 429, headers: { 'Retry-After': '1' }, times: 1 });
    const started = Date.now();
    const page = await new HttpIndex(index.url, { http: client() }).project('tiny-dep');
    assert.equal(page?.name, 'tiny-dep');
    assert.ok(Date.now() - started >= 950, `retried after ${Date.now() - started} ms`);
  });

  it('fails at once when Retry-After asks for longer than the cap', async () => {
    index.clearFaults();
    index.fault('/simple/tiny-dep/', { status: 429, headers: { 'Retry-After': '3600' }, times: 1 });
    const started = Date.now();
    const err = await failure(new HttpIndex(index.url, { http: client({ maxRetryAfterMs: 5000 }) }).project('tiny-dep'));
    assert.equal(err.code, 'INDEX_HTTP');
    assert.match(err.message, /3600 s/);
    assert.ok(Date.now() - started < 1000);
  });

  it('times out a slow answer and retries it', async () => {
    index.clearFaults();
    index.fault('/simple/tiny-dep/', { delayMs: 400, times: 1 });
    const page = await new HttpIndex(index.url, { http: client({ timeoutMs: 100 }) }).project('tiny-dep');
    assert.equal(page?.name, 'tiny-dep');

    index.fault('/simple/tiny-dep/', { delayMs: 400, times: 2 });
    const err = await failure(new HttpIndex(index.url, { http: client({ timeoutMs: 100, retries: 1 }) }).project('tiny-dep'));
    assert.equal(err.code, 'INDEX_HTTP');
    assert.match(err.message, /no answer within 100 ms/);
  });

  it('times out a body that stops arriving, and retries a dropped connection', async () => {
    index.clearFaults();
    const http = new HttpIndex(index.url, { http: client({ timeoutMs: 150 }) });
    const file = (await http.project('tiny-dep'))!.files[1]!;
    index.fault('/files/tiny_dep-1.0-py3-none-any.whl', { stallAfterBytes: 100, times: 1 }, { drop: true, times: 1 });
    const started = index.requests.length;
    assert.equal(sha256(await http.download(file)), sha256(wheel.content));
    assert.equal(index.requests.length - started, 3);
  });

  it('refuses a redirect loop', async () => {
    index.clearFaults();
    index.fault('/simple/tiny-dep/', { redirect: '/simple/tiny-dep/' });
    const err = await failure(new HttpIndex(index.url, { http: client({ maxRedirects: 3 }) }).project('tiny-dep'));
    assert.equal(err.code, 'INDEX_HTTP');
    assert.match(err.message, /redirects/);
    index.clearFaults();
  });

  it('keeps no more requests in flight than the bound', async () => {
    const many = await startFakeIndex({
      projects: Array.from({ length: 12 }, (_, i) => ({ name: `p${i}`, files: [] })),
    });
    try {
      for (let i = 0; i < 12; i += 1) many.fault(`/simple/p${i}/`, { delayMs: 20, times: 1 });
      const http = new HttpIndex(many.url, { http: client({ concurrency: 3 }) });
      const pages = await Promise.all(Array.from({ length: 12 }, (_, i) => http.project(`p${i}`)));
      assert.equal(pages.filter((p) => p !== undefined).length, 12);
      assert.equal(many.maxInFlight, 3);
    } finally {
      await many.close();
    }
  });

  it('sends credentials given in the index URL as Basic authorization, to that origin only', async () => {
    index.clearFaults();
    const url = index.url.replace('http://', 'http://alice:s%40cret@');
    const http = new HttpIndex(url, { http: client() });
    const page = await http.project('tiny-dep');
    await http.download(page!.files[1]!);
    const expected = `Basic ${Buffer.from('alice:s@cret').toString('base64')}`;
    assert.equal(index.requests.at(-2)?.authorization, expected);
    assert.equal(index.requests.at(-1)?.authorization, expected);
    assert.ok(!page!.url.includes('alice'));
    assert.equal(http.url, index.url);
  });
});

describe('HttpIndex cache', () => {
  it('revalidates a cached page with If-None-Match and reuses it on 304', async () => {
    const index = await startFakeIndex({ projects: [tinyDep] });
    const cacheDir = await tempDir();
    try {
      const first = await new HttpIndex(index.url, { http: client(), cache: new IndexCache(cacheDir) }).project('tiny-dep');
      const again = await new HttpIndex(index.url, { http: client(), cache: new IndexCache(cacheDir) }).project('tiny-dep');
      assert.deepEqual(again, first);
      const [fetch, revalidate] = index.requests;
      assert.equal(fetch?.ifNoneMatch, undefined);
      assert.ok(revalidate?.ifNoneMatch !== undefined);
      assert.equal(revalidate?.status, 304);

      // A changed project gets a new ETag: the new page is fetched and stored.
      index.setProject({ ...tinyDep, files: tinyDep.files.slice(1) });
      const changed = await new HttpIndex(index.url, { http: client(), cache: new IndexCache(cacheDir) }).project('tiny-dep');
      assert.equal(changed?.files.length, 2);
      assert.equal(index.requests.at(-1)?.status, 200);
      const cached = await new HttpIndex(index.url, { http: client(), cache: new IndexCache(cacheDir) }).project('tiny-dep');
      assert.equal(cached?.files.length, 2);
      assert.equal(index.requests.at(-1)?.status, 304);
    } finally {
      await index.close();
    }
  });

  it('revalidates with If-Modified-Since when the index gives no ETag, keeping the final URL', async () => {
    const index = await startFakeIndex({ projects: [tinyDep], etag: false });
    const cacheDir = await tempDir();
    try {
      index.fault('/simple/tiny-dep/', { redirect: '/mirror/simple/tiny-dep/' });
      const first = await new HttpIndex(index.url, { http: client(), cache: new IndexCache(cacheDir) }).project('tiny-dep');
      const again = await new HttpIndex(index.url, { http: client(), cache: new IndexCache(cacheDir) }).project('tiny-dep');
      assert.deepEqual(again, first);
      assert.equal(again?.url, `${index.origin}/mirror/simple/tiny-dep/`);
      const last = index.requests.at(-1);
      assert.equal(last?.ifModifiedSince, 'Mon, 01 Jan 2024 00:00:00 GMT');
      assert.equal(last?.status, 304);
    } finally {
      await index.close();
    }
  });

  it('ignores a damaged cache entry and fetches the page again', async () => {
    const index = await startFakeIndex({ projects: [tinyDep] });
    const cacheDir = await tempDir();
    try {
      await new HttpIndex(index.url, { http: client(), cache: new IndexCache(cacheDir) }).project('tiny-dep');
      const dir = join(cacheDir, 'responses-v1');
      for (const sub of await readdir(dir)) {
        for (const name of await readdir(join(dir, sub))) {
          const path = join(dir, sub, name);
          const raw = await readFile(path);
          raw.writeUInt8(raw.readUInt8(raw.length - 10) ^ 0xff, raw.length - 10);
          await writeFile(path, raw);
        }
      }
      const page = await new HttpIndex(index.url, { http: client(), cache: new IndexCache(cacheDir) }).project('tiny-dep');
      assert.equal(page?.files.length, 3);
      assert.equal(index.requests.at(-1)?.ifNoneMatch, undefined);
      assert.equal(index.requests.at(-1)?.status, 200);
    } finally {
      await index.close();
    }
  });

  it('serves a download from the cache by sha256, and refetches one altered on disk', async () => {
    const index = await startFakeIndex({ projects: [tinyDep] });
    const cacheDir = await tempDir();
    try {
      const open = (): HttpIndex => new HttpIndex(index.url, { http: client(), cache: new IndexCache(cacheDir) });
      const file = (await open().project('tiny-dep'))!.files[1]!;
      const path = '/files/tiny_dep-1.0-py3-none-any.whl';
      await open().download(file);
      assert.equal(sha256(await open().download(file)), file.hashes.sha256);
      assert.equal(index.requestsTo(path).length, 1);

      const sha = file.hashes.sha256!;
      await writeFile(join(cacheDir, 'files-v1', 'sha256', sha.slice(0, 2), sha.slice(2)), 'tampered');
      assert.equal(sha256(await open().download(file)), sha);
      assert.equal(index.requestsTo(path).length, 2);

      // A file whose page states no digest is never taken from the cache.
      await open().download({ ...file, hashes: {} });
      assert.equal(index.requestsTo(path).length, 3);
    } finally {
      await index.close();
    }
  });

  it('serves a metadata file from the cache by its advertised sha256, revalidates one without, and drops one that no longer matches', async () => {
    const index = await startFakeIndex({ projects: [tinyDep] });
    const cacheDir = await tempDir();
    try {
      const open = (): HttpIndex => new HttpIndex(index.url, { http: client(), cache: new IndexCache(cacheDir) });
      const file = (await open().project('tiny-dep'))!.files[1]!;
      const path = '/files/tiny_dep-1.0-py3-none-any.whl.metadata';
      const first = await open().coreMetadata(file);
      // The page names the body's sha256 and the stored body has it: no second request.
      assert.equal(await open().coreMetadata(file), first);
      assert.deepEqual(
        index.requestsTo(path).map((r) => r.status),
        [200],
      );
      // With no digest to check it against, a stored body is only reused after a 304.
      await open().coreMetadata({ ...file, coreMetadata: { hashes: {} } });
      assert.deepEqual(
        index.requestsTo(path).map((r) => r.status),
        [200, 304],
      );
      const other = { ...file, coreMetadata: { hashes: { sha256: 'f'.repeat(64) } } };
      assert.equal((await failure(open().coreMetadata(other))).code, 'DIGEST_MISMATCH');
      assert.equal(index.requestsTo(path).at(-1)?.ifNoneMatch, undefined);
    } finally {
      await index.close();
    }
  });
});
