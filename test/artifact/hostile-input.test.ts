// Archives that lie (issue 19, item 6): refused, as pip's own readers refuse them.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSdistMetadata } from '../../src/artifact/sdist.js';
import { readWheelMetadata } from '../../src/artifact/wheel.js';
import { PyvouchError } from '../../src/errors.js';
import { buildTarGz, buildZip, coreMetadata } from './archive-builders.js';

async function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'accepted',
    (err: unknown) => (err instanceof PyvouchError ? err.code : `not a PyvouchError: ${String(err)}`),
  );
}

test("an sdist foo-1.0.tar.gz whose PKG-INFO says Version: 6.6.6 is refused", async () => {
  const bytes = await buildTarGz([{ name: 'foo-1.0/PKG-INFO', data: coreMetadata('foo', '6.6.6', ['evil>=1'], [], '2.2') }]);
  assert.equal(await codeOf(readSdistMetadata(bytes, 'foo-1.0.tar.gz')), 'ARCHIVE_INVALID');
});

test('an sdist whose PKG-INFO spells the same version differently (1.0.0 vs 1.0) is still read', async () => {
  const bytes = await buildTarGz([{ name: 'foo-1.0/PKG-INFO', data: coreMetadata('foo', '1.0', [], [], '2.2') }]);
  assert.equal((await readSdistMetadata(bytes, 'foo-1.00.tar.gz')).pkgInfo?.version, '1.0');
});

test("a zip whose local header names '../../../evil.txt' under a central-directory name of 'foo/ok.txt' is refused", async () => {
  const bytes = buildZip([
    { name: 'foo-1.0.dist-info/METADATA', data: coreMetadata('foo', '1.0') },
    { name: 'foo/ok.txt', localName: '../../../evil.txt', data: 'x' },
  ]);
  assert.equal(await codeOf(readWheelMetadata(bytes, 'foo-1.0-py3-none-any.whl')), 'ARCHIVE_UNSAFE');
});
