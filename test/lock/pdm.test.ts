// pdm.lock: the graph is what `pdm sync` installed from the same lock (recorded in
// test/fixtures/lock/pdm/installed-*.txt by pdm 2.2.1 itself, see the README there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadLockFile } from '../../src/lock/load.js';
import { readPdmLock } from '../../src/lock/pdm.js';
import { FIXTURES, names, node, read, target, thrown } from './helpers.js';

const DIR = `${FIXTURES}pdm/`;
const LOCK = `${DIR}pdm.lock`;
const py311 = target('3.11', 'linux');
const installed = (file: string): string[] => read(`${DIR}${file}`).trim().split('\n').map((l) => l.split('==')[0]!).sort();
const pins = (g: ReturnType<typeof loadLockFile>) => g.nodes.map((n) => `${n.name}==${n.version}`).sort();

test('pdm.lock written by pdm 2.2: the default graph is what pdm sync installs (default and every dev group)', () => {
  const g = loadLockFile(LOCK, py311);
  assert.equal(g.source.format, 'pdm.lock');
  assert.deepEqual(names(g), installed('installed-sync.txt'));
  assert.deepEqual(pins(g), read(`${DIR}installed-sync.txt`).trim().split('\n').sort());
  assert.deepEqual(g.selection?.groups, ['dev', 'test']);
  assert.deepEqual(g.roots, ['alpha', 'devtool', 'testlib']);
  // Hashes from [metadata.files] (lock_version 4.0).
  assert.match(node(g, 'beta').artifacts[0]?.sha256 ?? '', /^[0-9a-f]{64}$/);
  assert.equal(node(g, 'beta').artifacts[0]?.filename, 'beta-2.0-py3-none-any.whl');
});

test('pdm.lock: --no-default-groups is pdm sync --prod, --extra fancy is pdm sync -G fancy', () => {
  assert.deepEqual(names(loadLockFile(LOCK, py311, { noDefaultGroups: true })), installed('installed-sync-prod.txt'));
  assert.deepEqual(names(loadLockFile(LOCK, py311, { extras: ['fancy'] })), installed('installed-sync-G-fancy.txt'));
});

test('pdm.lock: markers hold per target (oldpy below 3.9, colorama on Windows)', () => {
  assert.ok(names(loadLockFile(LOCK, target('3.8', 'linux'))).includes('oldpy'));
  const win = loadLockFile(LOCK, target('3.11', 'windows'));
  assert.ok(names(win).includes('colorama'));
  assert.ok(win.edges.some((e) => e.from === 'alpha' && e.to === 'colorama' && e.marker === 'sys_platform == "win32"'));
});

test('pdm.lock: unknown groups and extras are usage errors', () => {
  assert.equal(thrown(() => loadLockFile(LOCK, py311, { groups: ['docs'] })).code, 'USAGE');
  assert.equal(thrown(() => loadLockFile(LOCK, py311, { extras: ['dev'] })).code, 'USAGE');
});

test('pdm 2.x lock with groups and markers per package (lock_version 4.5), without pyproject.toml', () => {
  const file = `${DIR}modern/pdm.lock`;
  const g = readPdmLock(read(file), file, py311);
  // Without pyproject.toml, dev and optional groups cannot be told apart: all are taken (fail closed).
  assert.deepEqual(names(g), ['alpha', 'beta', 'devtool', 'fancy', 'helper', 'testlib']);
  assert.deepEqual(g.roots, ['alpha', 'devtool', 'fancy', 'testlib']);
  assert.ok(names(readPdmLock(read(file), file, target('3.11', 'windows'))).includes('colorama'));
  assert.deepEqual(names(readPdmLock(read(file), file, py311, { onlyGroups: ['test'] })), ['testlib']);
  assert.equal(thrown(() => readPdmLock(read(file), file, py311, { extras: ['fancy'] })).code, 'USAGE');
});

test('a pdm.lock dependency with no [[package]] entry is an error, not a dropped package', () => {
  const text = read(LOCK).replace(/\[\[package\]\]\nname = "helper"[\s\S]*?summary = ""\n/, '');
  const err = thrown(() => readPdmLock(text, LOCK, py311, {}, { text: read(`${DIR}pyproject.toml`), file: `${DIR}pyproject.toml` }));
  assert.equal(err.code, 'LOCK_PARSE');
  assert.match(err.message, /helper/);
});

test('an unknown pdm lock_version is LOCK_UNSUPPORTED', () => {
  assert.equal(thrown(() => readPdmLock(read(LOCK).replace('lock_version = "4.0"', 'lock_version = "5.0"'), LOCK, py311)).code, 'LOCK_UNSUPPORTED');
});
