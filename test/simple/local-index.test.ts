import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { PyvouchError } from '../../src/errors.js';
import { LocalIndex } from '../../src/simple/local-index.js';
import { openIndex } from '../../src/simple/open.js';
import type { IndexFile } from '../../src/simple/types.js';
import { buildTarGz } from '../artifact/archive-builders.js';
import { sdistFile, sha256, wheelFile, type FakeFile } from '../support/fake-index.js';
import { failure } from '../support/failure.js';

let root: string;
const fooWheel = wheelFile('foo', '1.0', { requires: ['bar-baz>=2'] });
const barWheel = wheelFile('Bar.Baz', '2.0');
let fooSdist: FakeFile;

/** How the index lists `file` in `dir`: its file URL, a digest computed from it, its size. */
function listed(dir: string, file: FakeFile): IndexFile {
  return {
    filename: file.filename,
    url: pathToFileURL(join(dir, file.filename)).href,
    hashes: { sha256: sha256(file.content) },
    yanked: false,
    coreMetadata: false,
    size: file.content.byteLength,
  };
}

async function put(dir: string, file: FakeFile): Promise<string> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, file.filename);
  await writeFile(path, file.content);
  return path;
}

before(async () => {
  root = await mkdtemp(join(tmpdir(), 'pyvouch-local-'));
  fooSdist = await sdistFile('foo', '1.0', { requires: ['bar-baz>=2'] });
  // A PEP 503-style tree, with a directory named the way the project spells itself.
  await put(join(root, 'tree', 'foo'), fooWheel);
  await put(join(root, 'tree', 'foo'), fooSdist);
  await put(join(root, 'tree', 'foo'), wheelFile('other', '1.0'));
  await writeFile(join(root, 'tree', 'foo', 'README.txt'), 'not a distribution');
  await put(join(root, 'tree', 'Bar_Baz'), barWheel);
  await mkdir(join(root, 'tree', 'empty'));
  // A flat find-links directory.
  await put(join(root, 'flat'), fooWheel);
  await put(join(root, 'flat'), fooSdist);
  await put(join(root, 'flat'), barWheel);
  await writeFile(join(root, 'flat', 'index.html'), '<html></html>');
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('LocalIndex', () => {
  it('lists a project of a PEP 503-style tree, with digests computed from the files', async () => {
    const index = new LocalIndex(join(root, 'tree'));
    assert.equal(index.url, pathToFileURL(join(root, 'tree')).href + '/');
    const page = await index.project('FOO');
    assert.deepEqual(page, {
      name: 'foo',
      url: pathToFileURL(join(root, 'tree', 'foo')).href + '/',
      files: [listed(join(root, 'tree', 'foo'), fooWheel), listed(join(root, 'tree', 'foo'), fooSdist)],
    });
  });

  it('finds a project whose directory is not spelled in normal form, and knows an empty one', async () => {
    const index = new LocalIndex(join(root, 'tree'));
    assert.deepEqual((await index.project('bar-baz'))?.files.map((f) => f.filename), ['bar_baz-2.0-py3-none-any.whl']);
    assert.deepEqual((await index.project('empty'))?.files, []);
    assert.equal(await index.project('missing'), undefined);
  });

  it('lists a project of a flat find-links directory', async () => {
    const index = new LocalIndex(join(root, 'flat'));
    const page = await index.project('foo');
    assert.equal(page?.url, index.url);
    assert.deepEqual(page?.files.map((f) => f.filename), ['foo-1.0-py3-none-any.whl', 'foo-1.0.tar.gz']);
    assert.deepEqual((await index.project('Bar_Baz'))?.files.map((f) => f.hashes.sha256), [sha256(barWheel.content)]);
    assert.equal(await index.project('index'), undefined);
  });

  it('reads METADATA from a wheel and PKG-INFO from an sdist', async () => {
    const index = new LocalIndex(join(root, 'flat'));
    const [whl, tgz] = (await index.project('foo'))!.files;
    assert.equal(await index.coreMetadata(whl!), fooWheel.metadata);
    assert.match(await index.coreMetadata(tgz!), /^Metadata-Version: 2\.2\nName: foo\nVersion: 1\.0\nRequires-Dist: bar-baz>=2\n/);
  });

  it('says so when an sdist has no PKG-INFO', async () => {
    const dir = join(root, 'no-pkg-info');
    const bytes = await buildTarGz([
      { name: 'bare-1.0/', type: 'directory' },
      { name: 'bare-1.0/setup.py', data: 'print(1)\n' },
    ]);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'bare-1.0.tar.gz'), bytes);
    const index = new LocalIndex(dir);
    const file = (await index.project('bare'))!.files[0]!;
    assert.equal((await failure(index.coreMetadata(file))).code, 'INDEX_NO_METADATA');
  });

  it('downloads a file, and refuses one changed since it was listed', async () => {
    const dir = join(root, 'changing');
    const path = await put(dir, fooWheel);
    const index = new LocalIndex(dir);
    const file = (await index.project('foo'))!.files[0]!;
    assert.equal(sha256(await index.download(file)), sha256(fooWheel.content));
    await writeFile(path, 'replaced');
    assert.equal((await failure(index.download(file))).code, 'DIGEST_MISMATCH');
    // A new listing sees the new digest.
    index.refresh();
    assert.equal((await index.project('foo'))?.files[0]?.hashes.sha256, sha256('replaced'));
  });

  it('refuses to read a file outside its directory', async () => {
    const index = new LocalIndex(join(root, 'flat'));
    const file = (await index.project('foo'))!.files[0]!;
    const outside = { ...file, url: pathToFileURL(join(root, 'tree', 'foo', file.filename)).href };
    assert.equal((await failure(index.download(outside))).code, 'USAGE');
  });

  it('fails with IO when the directory does not exist', async () => {
    const err = await failure(new LocalIndex(join(root, 'nowhere')).project('foo'));
    assert.equal(err.code, 'IO');
    assert.ok(err.help !== undefined);
  });
});

describe('openIndex', () => {
  it('opens a directory given as a path or a file:// URL', async () => {
    for (const location of [join(root, 'flat'), pathToFileURL(join(root, 'flat')).href]) {
      const index = openIndex(location);
      assert.ok(index instanceof LocalIndex);
      assert.equal((await index.project('foo'))?.files.length, 2);
    }
  });

  it('opens an http(s) URL as a remote index with a trailing slash', () => {
    const index = openIndex('https://pypi.org/simple', { cacheDir: join(root, 'cache'), timeoutMs: 5 });
    assert.equal(index.constructor.name, 'HttpIndex');
    assert.equal(index.url, 'https://pypi.org/simple/');
  });

  it('refuses other URL schemes', () => {
    assert.throws(
      () => openIndex('ftp://example.com/simple/'),
      (err: unknown) => err instanceof PyvouchError && err.code === 'USAGE',
    );
  });
});
