import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PyvouchError } from '../../src/errors.js';
import { parseSimpleJson } from '../../src/simple/simple-json.js';
import type { IndexFile, ProjectPage } from '../../src/simple/types.js';

const PAGE = 'https://index.example/simple/foo/';
const SHA = 'a'.repeat(64);
const META_SHA = 'b'.repeat(64);

function doc(files: unknown[], extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ meta: { 'api-version': '1.1' }, name: 'foo', files, ...extra });
}

function entry(filename: string, fields: Record<string, unknown> = {}): Record<string, unknown> {
  return { filename, url: `https://index.example/files/${filename}`, hashes: {}, ...fields };
}

function file(filename: string, fields: Partial<IndexFile> = {}): IndexFile {
  return { filename, url: `https://index.example/files/${filename}`, hashes: {}, yanked: false, coreMetadata: false, ...fields };
}

function parseError(text: string, name = 'foo'): PyvouchError {
  try {
    parseSimpleJson(text, PAGE, name);
  } catch (err) {
    assert.ok(err instanceof PyvouchError, String(err));
    return err;
  }
  assert.fail('the page was accepted');
}

describe('parseSimpleJson', () => {
  const cases: Array<{ name: string; entries: unknown[]; files: IndexFile[] }> = [
    {
      name: 'hashes, lower-cased',
      entries: [entry('foo-1.0.tar.gz', { hashes: { sha256: SHA.toUpperCase(), BLAKE2B: 'c'.repeat(128) } })],
      files: [file('foo-1.0.tar.gz', { hashes: { sha256: SHA, blake2b: 'c'.repeat(128) } })],
    },
    {
      name: 'a relative URL, resolved against the page URL, with its fragment dropped',
      entries: [{ filename: 'foo-1.0.tar.gz', url: `../../files/foo-1.0.tar.gz#sha256=${SHA}`, hashes: {} }],
      files: [file('foo-1.0.tar.gz', { hashes: { sha256: SHA } })],
    },
    {
      name: 'requires-python without HTML escaping, and null',
      entries: [entry('a-1.tar.gz', { 'requires-python': '>=3.8,<4' }), entry('a-2.tar.gz', { 'requires-python': null })],
      files: [file('a-1.tar.gz', { requiresPython: '>=3.8,<4' }), file('a-2.tar.gz')],
    },
    {
      name: 'yanked as a boolean, a reason, and null',
      entries: [entry('a-1.tar.gz', { yanked: true }), entry('a-2.tar.gz', { yanked: 'broken' }), entry('a-3.tar.gz', { yanked: false }), entry('a-4.tar.gz', { yanked: null })],
      files: [file('a-1.tar.gz', { yanked: true }), file('a-2.tar.gz', { yanked: 'broken' }), file('a-3.tar.gz'), file('a-4.tar.gz')],
    },
    {
      name: 'PEP 714 core-metadata as hashes, as true and as false',
      entries: [
        entry('a-1-py3-none-any.whl', { 'core-metadata': { sha256: META_SHA } }),
        entry('a-2-py3-none-any.whl', { 'core-metadata': true }),
        entry('a-3-py3-none-any.whl', { 'core-metadata': false }),
      ],
      files: [
        file('a-1-py3-none-any.whl', { coreMetadata: { hashes: { sha256: META_SHA } } }),
        file('a-2-py3-none-any.whl', { coreMetadata: { hashes: {} } }),
        file('a-3-py3-none-any.whl'),
      ],
    },
    {
      name: 'the PEP 658 dist-info-metadata key alone, and core-metadata winning over it',
      entries: [
        entry('a-1-py3-none-any.whl', { 'dist-info-metadata': { sha256: META_SHA } }),
        entry('a-2-py3-none-any.whl', { 'dist-info-metadata': true, 'core-metadata': false }),
      ],
      files: [file('a-1-py3-none-any.whl', { coreMetadata: { hashes: { sha256: META_SHA } } }), file('a-2-py3-none-any.whl')],
    },
    {
      name: 'PEP 700 size and upload-time',
      entries: [entry('a-1.tar.gz', { size: 1234, 'upload-time': '2024-01-02T03:04:05.123456Z' }), entry('a-2.tar.gz', { size: 0, 'upload-time': '2024-01-02T03:04:05Z' })],
      files: [file('a-1.tar.gz', { size: 1234, uploadTime: '2024-01-02T03:04:05.123456Z' }), file('a-2.tar.gz', { size: 0, uploadTime: '2024-01-02T03:04:05Z' })],
    },
    {
      name: 'PEP 740 provenance as a URL, and null',
      entries: [entry('a-1.tar.gz', { provenance: '/integrity/a/1/a-1.tar.gz/provenance' }), entry('a-2.tar.gz', { provenance: null })],
      files: [file('a-1.tar.gz', { provenance: 'https://index.example/integrity/a/1/a-1.tar.gz/provenance' }), file('a-2.tar.gz')],
    },
    {
      name: 'unknown and private keys, which are ignored',
      entries: [entry('a-1.tar.gz', { 'gpg-sig': false, _private: { anything: 1 }, 'future-key': [1, 2] })],
      files: [file('a-1.tar.gz')],
    },
  ];
  for (const c of cases) {
    it(`reads ${c.name}`, () => {
      assert.deepEqual(parseSimpleJson(doc(c.entries), PAGE, 'foo'), { name: 'foo', files: c.files, url: PAGE } satisfies ProjectPage);
    });
  }

  it('reads PEP 700 versions, including versions without files', () => {
    const result = parseSimpleJson(doc([entry('foo-1.0.tar.gz')], { versions: ['1.0', '2.0'] }), PAGE, 'foo');
    assert.deepEqual(result.versions, ['1.0', '2.0']);
  });

  it('accepts api-version 1.0 and later 1.x versions without complaint, and a non-normalized name', () => {
    for (const version of ['1.0', '1.1', '1.4', '1.10']) {
      const text = JSON.stringify({ meta: { 'api-version': version }, name: 'Foo', files: [] });
      assert.deepEqual(parseSimpleJson(text, PAGE, 'foo').files, []);
    }
  });

  const errors: Array<{ name: string; text: string; path?: string }> = [
    { name: 'a page that is not JSON', text: '<html></html>' },
    { name: 'a JSON array', text: '[]' },
    { name: 'api-version 2.0', text: JSON.stringify({ meta: { 'api-version': '2.0' }, name: 'foo', files: [] }), path: 'meta.api-version' },
    { name: 'an api-version that is not Major.Minor', text: JSON.stringify({ meta: { 'api-version': '1' }, name: 'foo', files: [] }), path: 'meta.api-version' },
    { name: 'a missing meta', text: JSON.stringify({ name: 'foo', files: [] }), path: 'meta' },
    { name: 'a page of another project', text: JSON.stringify({ meta: { 'api-version': '1.0' }, name: 'bar', files: [] }), path: 'name' },
    { name: 'files that are not an array', text: JSON.stringify({ meta: { 'api-version': '1.0' }, name: 'foo', files: {} }), path: 'files' },
    { name: 'a file without hashes', text: doc([{ filename: 'a-1.tar.gz', url: '/files/a-1.tar.gz' }]), path: 'files[0].hashes' },
    { name: 'a file name with a slash', text: doc([entry('../a-1.tar.gz')]), path: 'files[0].filename' },
    { name: 'a digest that is not hex', text: doc([entry('a-1.tar.gz', { hashes: { sha256: 'nothex' } })]), path: 'files[0].hashes.sha256' },
    { name: 'a non-http URL', text: doc([{ filename: 'a-1.tar.gz', url: 'file:///etc/passwd', hashes: {} }]), path: 'files[0].url' },
    { name: 'a size that is not an integer', text: doc([entry('a-1.tar.gz', { size: '12' })]), path: 'files[0].size' },
    { name: 'an upload-time in another format', text: doc([entry('a-1.tar.gz', { 'upload-time': '2024-01-02 03:04:05' })]), path: 'files[0].upload-time' },
    { name: 'yanked as a number', text: doc([entry('a-1.tar.gz', { yanked: 1 })]), path: 'files[0].yanked' },
    { name: 'core-metadata as a string', text: doc([entry('a-1.whl', { 'core-metadata': 'true' })]), path: 'files[0].core-metadata' },
    {
      name: 'a URL fragment that contradicts the hashes',
      text: doc([{ filename: 'a-1.tar.gz', url: `/files/a-1.tar.gz#sha256=${SHA}`, hashes: { sha256: META_SHA } }]),
      path: 'files[0].hashes.sha256',
    },
    { name: 'versions that are not strings', text: doc([], { versions: [1] }), path: 'versions[0]' },
  ];
  for (const c of errors) {
    it(`refuses ${c.name} with INDEX_PARSE`, () => {
      const err = parseError(c.text);
      assert.equal(err.code, 'INDEX_PARSE');
      assert.equal(err.file, PAGE);
      if (c.path !== undefined) assert.equal(err.path, c.path);
    });
  }

  it('reports every bad field by its path', () => {
    const err = parseError(doc([entry('a-1.tar.gz', { hashes: { sha256: 'x' } }), entry('a-2.tar.gz', { size: -1, yanked: 3 })]));
    assert.deepEqual(
      err.problems.map((p) => p.path),
      ['files[0].hashes.sha256', 'files[1].yanked', 'files[1].size'],
    );
  });
});
