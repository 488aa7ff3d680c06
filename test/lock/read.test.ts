import { test } from 'node:test';
import assert from 'node:assert/strict';
import { detectFormat, formatFromContent, formatFromName, readLock } from '../../src/lock/read.js';
import { loadLockFile } from '../../src/lock/load.js';
import { CORPORA, EXAMPLES, FIXTURES, linux312, names, read, thrown } from './helpers.js';

test('detects the format from the file name', () => {
  const cases: Array<[string, string | undefined]> = [
    ['pylock.toml', 'pylock.toml'],
    ['deploy/pylock.web.toml', 'pylock.toml'],
    ['pylock.a.b.toml', undefined], // PEP 751 allows one name part only
    ['uv.lock', 'uv.lock'],
    ['/srv/app/poetry.lock', 'poetry.lock'],
    ['requirements.txt', 'requirements.txt'],
    ['requirements-dev.txt', 'requirements.txt'],
    ['requirements/main.in', 'requirements.txt'],
    ['constraints.txt', 'requirements.txt'],
    ['notes.txt', undefined],
    ['C:\\proj\\uv.lock', 'uv.lock'],
  ];
  for (const [file, format] of cases) assert.equal(formatFromName(file), format, file);
});

test('detects the format from the content of real files with other names', () => {
  assert.equal(formatFromContent(read(`${CORPORA}pydantic-people-pylock.toml`)), 'pylock.toml');
  assert.equal(formatFromContent(read(`${CORPORA}pydantic-uv.lock`)), 'uv.lock');
  assert.equal(formatFromContent(read(`${CORPORA}poetry-poetry.lock`)), 'poetry.lock');
  assert.equal(formatFromContent(read(`${FIXTURES}poetry/legacy/poetry.lock`)), 'poetry.lock');
  assert.equal(formatFromContent(read(`${CORPORA}warehouse-tests-requirements.txt`)), 'requirements.txt');
  assert.equal(formatFromContent('# nothing here\n'), undefined);
});

test('an unrecognisable file is LOCK_UNSUPPORTED with help naming the formats', () => {
  const err = thrown(() => detectFormat('notes.md', '# Notes\n\nSome prose.\n'));
  assert.equal(err.code, 'LOCK_UNSUPPORTED');
  assert.equal(err.file, 'notes.md');
  assert.match(err.help ?? '', /pylock\.toml.*uv\.lock.*poetry\.lock/);
});

test('readLock dispatches by detected or given format', () => {
  const uv = readLock({ path: `${CORPORA}pydantic-uv.lock`, text: read(`${CORPORA}pydantic-uv.lock`) }, linux312);
  assert.equal(uv.source.format, 'uv.lock');
  const renamed = readLock({ path: 'locks/people.toml', text: read(`${CORPORA}pydantic-people-pylock.toml`) }, linux312);
  assert.equal(renamed.source.format, 'pylock.toml');
  const forced = readLock({ path: 'deps.lst', text: 'idna==3.10\n', format: 'requirements.txt' }, linux312);
  assert.deepEqual(names(forced), ['idna']);
});

test('readLock passes the pyproject.toml text to the poetry reader', () => {
  const dir = `${EXAMPLES}poetry/`;
  const withProject = readLock({ path: `${dir}poetry.lock`, text: read(`${dir}poetry.lock`), pyproject: read(`${dir}pyproject.toml`) }, linux312, {
    extras: ['email'],
  });
  assert.ok(names(withProject).includes('email-validator'));
  assert.ok(!withProject.diagnostics.some((d) => /no pyproject\.toml/.test(d.message)));
});

test('an error from a standards parser is placed in the lock file', () => {
  const err = thrown(() =>
    readLock({ path: 'pylock.toml', text: 'lock-version = "1.0"\ncreated-by = "x"\nrequires-python = ">=3.10"\n[[packages]]\nname = "a"\nversion = "1"\nmarker = "os_name ~= \'posix\'"\ndirectory = { path = "a" }\n' }, linux312),
  );
  assert.equal(err.code, 'UNDEFINED_COMPARISON');
  assert.equal(err.file, 'pylock.toml');
});

test('loadLockFile turns a missing file into an IO error naming it', () => {
  const err = thrown(() => loadLockFile(`${FIXTURES}does-not-exist/uv.lock`, linux312));
  assert.equal(err.code, 'IO');
  assert.equal(err.file, `${FIXTURES}does-not-exist/uv.lock`);
  assert.match(err.message, /no such file/);
  assert.ok(err.help);
});

test('loadLockFile reads the pyproject.toml beside a poetry.lock', () => {
  const g = loadLockFile(`${EXAMPLES}poetry/poetry.lock`, linux312, { groups: ['dev'] });
  assert.ok(names(g).includes('pytest'));
  assert.deepEqual(g.roots, ['click', 'jinja2', 'pytest', 'pyyaml', 'requests']);
});
