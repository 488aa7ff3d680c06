import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyvouchError } from '../../src/errors.js';
import { Tag, parseSdistFilename, parseTag, parseWheelFilename } from '../../src/pep/filename.js';
import { packagingCorpus } from '../support/packaging.js';

interface FilenameCase {
  input: string;
  valid: boolean;
  sdist?: boolean;
  name?: string;
  version?: string;
  build?: [] | [number, string];
  tags?: string[];
}

const cases = packagingCorpus<FilenameCase[]>('filenames.json');

function rejectsWith(fn: () => unknown, code: string, input: string): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof PyvouchError, `expected a PyvouchError for ${JSON.stringify(input)}`);
    assert.equal(err.code, code);
    assert.ok(err.message.includes(input), `message quotes the file name: ${err.message}`);
    return true;
  });
}

test('parses and rejects file names exactly as pypa/packaging does (filenames.json)', async (t) => {
  assert.ok(cases.length > 20);
  for (const c of cases) {
    await t.test(`${c.sdist === true ? 'sdist' : 'wheel'} ${JSON.stringify(c.input)}`, () => {
      if (c.sdist === true) {
        if (!c.valid) return rejectsWith(() => parseSdistFilename(c.input), 'INVALID_SDIST_FILENAME', c.input);
        const got = parseSdistFilename(c.input);
        assert.equal(got.name, c.name);
        assert.equal(got.version.toString(), c.version);
        return;
      }
      if (!c.valid) return rejectsWith(() => parseWheelFilename(c.input), 'INVALID_WHEEL_FILENAME', c.input);
      const got = parseWheelFilename(c.input);
      assert.equal(got.name, c.name);
      assert.equal(got.version.toString(), c.version);
      assert.deepEqual(got.build, c.build);
      assert.deepEqual([...got.tags].map(String).sort(), [...(c.tags ?? [])].sort());
    });
  }
});

const wheelCases: Array<{ input: string; name: string; version: string; build: [] | [number, string]; tags: string[] }> = [
  {
    input: 'numpy-2.1.3-cp312-cp312-macosx_14_0_arm64.whl',
    name: 'numpy',
    version: '2.1.3',
    build: [],
    tags: ['cp312-cp312-macosx_14_0_arm64'],
  },
  {
    input: 'Django-5.1.2-py3-none-any.whl',
    name: 'django',
    version: '5.1.2',
    build: [],
    tags: ['py3-none-any'],
  },
  {
    input: 'zope.interface-7.1.1-cp313-cp313-win_amd64.whl',
    name: 'zope-interface',
    version: '7.1.1',
    build: [],
    tags: ['cp313-cp313-win_amd64'],
  },
  {
    // Two interpreters x two ABIs x two platforms: every combination, no duplicates.
    input: 'x-1.0-py2.py3-abi3.none-linux_x86_64.any.whl',
    name: 'x',
    version: '1.0',
    build: [],
    tags: [
      'py2-abi3-any',
      'py2-abi3-linux_x86_64',
      'py2-none-any',
      'py2-none-linux_x86_64',
      'py3-abi3-any',
      'py3-abi3-linux_x86_64',
      'py3-none-any',
      'py3-none-linux_x86_64',
    ],
  },
  {
    input: 'Foo_Bar-1.0.POST1-7_nightly-PY3-NONE-ANY.whl',
    name: 'foo-bar',
    version: '1.0.post1',
    build: [7, '_nightly'],
    tags: ['py3-none-any'],
  },
  {
    input: 'dup-1.0-py3.py3-none-any.whl',
    name: 'dup',
    version: '1.0',
    build: [],
    tags: ['py3-none-any'],
  },
];

test('normalises name, version, build tag and expands compressed tag sets', async (t) => {
  for (const c of wheelCases) {
    await t.test(c.input, () => {
      const got = parseWheelFilename(c.input);
      assert.equal(got.name, c.name);
      assert.equal(got.version.toString(), c.version);
      assert.deepEqual(got.build, c.build);
      assert.deepEqual([...got.tags].map(String).sort(), c.tags.slice().sort());
    });
  }
});

const badWheels: Array<[string, string]> = [
  ['foo-1.0-py3-none-any.zip', 'extension'],
  ['foo-1.0-py3-none.whl', 'parts'],
  ['foo-1.0-1-2-py3-none-any.whl', 'parts'],
  ['foo__bar-1.0-py3-none-any.whl', 'name'],
  ['foo-1.0-abc-py3-none-any.whl', 'build'],
  ['foo-1.0-3py-none-any.whl', 'interpreter'],
  ['foo-1.0-py3-none-any..x.whl', 'empty'],
  ['foo-not.a.version-py3-none-any.whl', 'version'],
];

test('rejects malformed wheel names and says what is wrong', async (t) => {
  for (const [input, reason] of badWheels) {
    await t.test(input, () => {
      assert.throws(
        () => parseWheelFilename(input),
        (err: unknown) => err instanceof PyvouchError && err.code === 'INVALID_WHEEL_FILENAME' && err.message.includes(input) && err.message.includes(reason),
      );
    });
  }
});

test('parses sdists in both .tar.gz and .zip form', () => {
  const gz = parseSdistFilename('Flask_SQLAlchemy-3.1.1.tar.gz');
  assert.equal(gz.name, 'flask-sqlalchemy');
  assert.equal(gz.version.toString(), '3.1.1');
  const zip = parseSdistFilename('pywin32-ctypes-0.2.3.zip');
  assert.equal(zip.name, 'pywin32-ctypes');
  assert.equal(zip.version.toString(), '0.2.3');
  for (const bad of ['foo-1.0.tar.bz2', '-1.0.tar.gz', 'foo-1.0-beta-2.x.tar.gz', 'foo.tar.gz']) {
    assert.throws(() => parseSdistFilename(bad), (err: unknown) => err instanceof PyvouchError && err.code === 'INVALID_SDIST_FILENAME');
  }
});

test('Tag lower-cases its parts and prints as interpreter-abi-platform', () => {
  const tag = new Tag('CP312', 'Abi3', 'MANYLINUX_2_17_X86_64');
  assert.equal(tag.toString(), 'cp312-abi3-manylinux_2_17_x86_64');
  assert.ok(tag.equals(new Tag('cp312', 'abi3', 'manylinux_2_17_x86_64')));
  assert.deepEqual(parseTag('cp39.cp310-abi3-win32').map(String), ['cp39-abi3-win32', 'cp310-abi3-win32']);
  assert.throws(() => parseTag('py3-none'), (err: unknown) => err instanceof PyvouchError && err.code === 'INVALID_WHEEL_FILENAME');
});

test('a wheel name is parsed once: the memo returns the same frozen answer, and bad names still throw every time', () => {
  const first = parseWheelFilename('memo_pkg-1.0-py3-none-any.whl');
  const again = parseWheelFilename('memo_pkg-1.0-py3-none-any.whl');
  assert.equal(again, first);
  assert.ok(Object.isFrozen(first) && Object.isFrozen(first.build));
  assert.throws(() => ((first as { name: string }).name = 'other'), TypeError);
  // Another file with the same tag string shares its (immutable) tag set.
  assert.equal(parseWheelFilename('memo_other-2.0-py3-none-any.whl').tags, first.tags);
  for (let i = 0; i < 2; i++) {
    assert.throws(() => parseWheelFilename('memo_pkg-1.0-py3-none.whl'), (e: unknown) => e instanceof PyvouchError && e.code === 'INVALID_WHEEL_FILENAME');
    assert.throws(() => parseWheelFilename('memo_pkg-1.0-3py-none-any.whl'), (e: unknown) => e instanceof PyvouchError && e.code === 'INVALID_WHEEL_FILENAME');
  }
});
