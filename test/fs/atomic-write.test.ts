// writeFileAtomic: a reader sees the old file or the whole new one, concurrent writers never share a
// temporary file, and a failed write leaves nothing behind.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { tempNameBeside, writeFileAtomic } from '../../src/fs/atomic-write.js';

async function inDir(work: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'pyvouch-atomic-'));
  try {
    await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('writes a new file and replaces an old one, with the mode asked for', () =>
  inDir(async (dir) => {
    const path = join(dir, 'state.json');
    await writeFileAtomic(path, 'one', { mode: 0o600 });
    assert.equal(await readFile(path, 'utf8'), 'one');
    assert.equal((await stat(path)).mode & 0o777, 0o600);
    await writeFileAtomic(path, new Uint8Array([0x74, 0x77, 0x6f]), { mode: 0o600 });
    assert.equal(await readFile(path, 'utf8'), 'two');
    assert.deepEqual(await readdir(dir), ['state.json']);
  }));

test('creates missing parent directories only when given a directory mode', () =>
  inDir(async (dir) => {
    const path = join(dir, 'a', 'b', 'page.html');
    await assert.rejects(writeFileAtomic(path, 'x'), /ENOENT/);
    await writeFileAtomic(path, 'x', { dirMode: 0o700 });
    assert.equal(await readFile(path, 'utf8'), 'x');
    assert.equal((await stat(join(dir, 'a'))).mode & 0o777, 0o700);
  }));

test('many concurrent writers: the file is one writer\'s whole contents, and no temporary file is left', () =>
  inDir(async (dir) => {
    const path = join(dir, 'cache.bin');
    const bodies = Array.from({ length: 40 }, (_, i) => Buffer.alloc(64 * 1024, i));
    await Promise.all(bodies.map((b) => writeFileAtomic(path, b)));
    const got = await readFile(path);
    assert.ok(bodies.some((b) => b.equals(got)), 'the file is exactly one of the bodies written');
    assert.deepEqual(await readdir(dir), ['cache.bin']);
  }));

test('a write that cannot be put in place leaves the old contents and no temporary file', () =>
  inDir(async (dir) => {
    // rename(2) of a file over a non-empty directory fails: the target stays as it was.
    const path = join(dir, 'target');
    await mkdir(path);
    await writeFileAtomic(join(path, 'inner'), 'kept');
    await assert.rejects(writeFileAtomic(path, 'new'));
    assert.deepEqual((await readdir(dir)).sort(), ['target']);
    assert.equal(await readFile(join(path, 'inner'), 'utf8'), 'kept');
  }));

test('temporary names are distinct and beside the target', () => {
  const names = new Set(Array.from({ length: 1000 }, () => tempNameBeside('/x/y/file.json')));
  assert.equal(names.size, 1000);
  for (const n of names) assert.match(n, /^\/x\/y\/file\.json\.\d+\.[0-9a-f]{12}\.tmp$/);
});
