// Pipfile.lock: the graph is what `pipenv sync` installed from the same lock (recorded in
// test/fixtures/lock/pipenv/installed-*.txt by pipenv 2022.12.19 itself, see the README there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLockFile } from '../../src/lock/load.js';
import { readPipfileLock } from '../../src/lock/pipfile.js';
import { FIXTURES, names, node, read, target, thrown } from './helpers.js';

const DIR = `${FIXTURES}pipenv/`;
const LOCK = `${DIR}Pipfile.lock`;
const py311 = target('3.11', 'linux');
const installed = (file: string): string[] => read(`${DIR}${file}`).trim().split('\n').sort();
const pins = (g: ReturnType<typeof loadLockFile>) => g.nodes.map((n) => `${n.name}==${n.version}`).sort();

test('Pipfile.lock written by pipenv: the default graph is what pipenv sync installs', () => {
  const g = loadLockFile(LOCK, py311);
  assert.equal(g.source.format, 'Pipfile.lock');
  assert.deepEqual(pins(g), installed('installed-sync.txt'));
  assert.equal(g.edgesKnown, false);
  const alpha = node(g, 'alpha');
  assert.deepEqual(alpha.artifacts.map((a) => a.sha256), ['42a55c3c089a0734b572852913dcc8ee6373c6b4c734632d49efe9755ac01dd1']);
  assert.deepEqual(alpha.source, { kind: 'registry', location: 'http://127.0.0.1:35661/simple' });
});

test('Pipfile.lock: --group dev is pipenv sync --dev; --only-group dev the develop section alone', () => {
  assert.deepEqual(pins(loadLockFile(LOCK, py311, { groups: ['dev'] })), installed('installed-sync-dev.txt'));
  assert.deepEqual(names(loadLockFile(LOCK, py311, { onlyGroups: ['dev'] })), ['devtool', 'helper']);
  assert.equal(thrown(() => loadLockFile(LOCK, py311, { groups: ['docs'] })).code, 'USAGE');
  assert.equal(thrown(() => loadLockFile(LOCK, py311, { extras: ['x'] })).code, 'USAGE');
});

test('Pipfile.lock: an entry whose markers do not hold is not installed (oldpy below 3.9 only)', () => {
  assert.ok(!names(loadLockFile(LOCK, py311)).includes('oldpy'));
  assert.ok(names(loadLockFile(LOCK, target('3.8', 'linux'))).includes('oldpy'));
});

test('Pipfile.lock: bad hashes, unknown index and non-pins are reported together', () => {
  const doc = JSON.parse(read(LOCK)) as { default: Record<string, Record<string, unknown>> };
  doc.default['alpha']!['hashes'] = ['sha256:xyz'];
  doc.default['beta']!['index'] = 'nowhere';
  doc.default['oldpy']!['version'] = '>=1.0';
  const err = thrown(() => readPipfileLock(JSON.stringify(doc), LOCK, py311));
  assert.equal(err.code, 'LOCK_PARSE');
  assert.equal(err.problems.length, 2);
  assert.equal(thrown(() => readPipfileLock('{"_meta": {"pipfile-spec": 7}, "default": {}}', LOCK, py311)).code, 'LOCK_UNSUPPORTED');
  assert.equal(thrown(() => readPipfileLock('{ not json', LOCK, py311)).code, 'LOCK_PARSE');
});
