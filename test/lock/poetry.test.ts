import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parse } from 'smol-toml';
import { readPoetryLock } from '../../src/lock/poetry.js';
import { Marker } from '../../src/pep/marker.js';
import { markerEnvironmentFor } from '../../src/pep/environment.js';
import type { TargetDescription } from '../../src/graph/graph.js';
import { CORPORA, FIXTURES, linux312, names, node, problemsOf, read, target, thrown, windows310 } from './helpers.js';

const LOCK = `${CORPORA}poetry-poetry.lock`;
const text = read(LOCK);
const pyproject = { text: read(`${CORPORA}poetry-pyproject.toml`), file: `${CORPORA}poetry-pyproject.toml` };

/**
 * Poetry 2 (lock-version 2.1) writes, for each package, the groups that need it and a marker per
 * group. That is an independent statement of what `poetry install` puts on a target, so the graph
 * walked from pyproject.toml must agree with it.
 */
function installedPerLockMarkers(t: TargetDescription, groups: string[]): string[] {
  const doc = parse(text) as { package: Array<{ name: string; groups: string[]; markers?: string | Record<string, string> }> };
  const env = markerEnvironmentFor(t);
  const out = new Set<string>();
  for (const p of doc.package) {
    for (const g of groups.filter((x) => p.groups.includes(x))) {
      const m = typeof p.markers === 'string' ? p.markers : p.markers?.[g];
      if (m === undefined || new Marker(m).evaluate({ ...env, extra: '' })) out.add(p.name);
    }
  }
  return [...out].sort();
}

const CROSS_CHECKS: Array<[TargetDescription, string[]]> = [
  [linux312, ['main']],
  [windows310, ['main']],
  [target('3.12', 'macos', { machine: 'arm64' }), ['main']],
  [target('3.11', 'linux'), ['main', 'test']],
  [windows310, ['main', 'test', 'dev', 'typing', 'github-actions']],
];

test("walking poetry's own lock from its pyproject.toml installs exactly what the lock's group markers say", () => {
  for (const [t, groups] of CROSS_CHECKS) {
    const g = readPoetryLock(text, LOCK, t, { noDefaultGroups: true, groups: groups.filter((x) => x !== 'main') }, pyproject);
    assert.deepEqual(names(g), installedPerLockMarkers(t, groups), `${t.platform} ${t.python} ${groups.join(',')}`);
  }
});

test('the production graph of poetry differs by platform as its markers say', () => {
  const lin = readPoetryLock(text, LOCK, linux312, { noDefaultGroups: true }, pyproject);
  const win = readPoetryLock(text, LOCK, target('3.12', 'windows'), { noDefaultGroups: true }, pyproject);
  const mac = readPoetryLock(text, LOCK, target('3.12', 'macos', { machine: 'arm64' }), { noDefaultGroups: true }, pyproject);
  assert.equal(lin.nodes.length, 45);
  // keyring needs SecretStorage (and so jeepney, cryptography) on Linux, pywin32-ctypes on Windows.
  assert.ok(names(lin).includes('secretstorage') && !names(win).includes('secretstorage'));
  assert.ok(names(win).includes('pywin32-ctypes') && !names(lin).includes('pywin32-ctypes'));
  // xattr is a direct requirement only on darwin; colorama comes with build/click on Windows.
  assert.ok(names(mac).includes('xattr') && !names(lin).includes('xattr'));
  assert.ok(names(win).includes('colorama') && !names(lin).includes('colorama'));
});

test('roots are the direct requirements of [project].dependencies, including a git requirement', () => {
  const g = readPoetryLock(text, LOCK, linux312, { noDefaultGroups: true }, pyproject);
  assert.equal(g.roots.length, 20);
  for (const r of ['build', 'cachecontrol', 'poetry-core', 'pbs-installer', 'virtualenv']) assert.ok(g.roots.includes(r), r);
  assert.ok(!g.roots.includes('tomli')); // python_version < '3.11' only
  const core = node(g, 'poetry-core');
  assert.deepEqual(core.source, {
    kind: 'vcs',
    location: 'git+https://github.com/python-poetry/poetry-core.git@e3998b0e111dc03e4aa721fd054c48e5c7de6fc5',
  });
  assert.deepEqual(core.artifacts, []);
});

test('extras on requirements turn on optional dependencies (cachecontrol[filecache], pbs-installer[download,install])', () => {
  const g = readPoetryLock(text, LOCK, linux312, {}, pyproject);
  assert.deepEqual(node(g, 'cachecontrol').extras, ['filecache']);
  assert.ok(names(g).includes('filelock'));
  const e = g.edges.find((x) => x.from === 'cachecontrol' && x.to === 'filelock');
  assert.equal(e?.marker, 'extra == "filecache"');
  assert.equal(e?.specifier, '>=3.8.0');
  assert.ok(names(g).includes('httpx') && names(g).includes('zstandard'));
});

test('edge specifiers are the Poetry constraints converted to PEP 440', () => {
  const g = readPoetryLock(text, LOCK, linux312, {}, pyproject);
  const e = g.edges.find((x) => x.from === 'cachecontrol' && x.to === 'msgpack');
  assert.equal(e?.specifier, '<2.0.0,>=0.5.2');
  assert.equal(g.edges.find((x) => x.from === 'build' && x.to === 'pyproject-hooks')?.specifier, '');
});

test('files become artifacts with their sha256; the target gets the matching wheel', () => {
  const g = readPoetryLock(text, LOCK, linux312, {}, pyproject);
  const msgpack = node(g, 'msgpack');
  assert.equal(msgpack.artifacts[0]?.filename, 'msgpack-1.1.2-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl');
  assert.match(msgpack.artifacts[0]?.sha256 ?? '', /^[0-9a-f]{64}$/);
  assert.equal(msgpack.metadata, 'lock');
});

test('without pyproject.toml the roots are main-group packages nothing requires', () => {
  const g = readPoetryLock(text, LOCK, linux312, { noDefaultGroups: true });
  assert.ok(g.diagnostics.some((d) => /no pyproject\.toml/.test(d.message)));
  // poetry-core and cachecontrol are direct requirements nothing else in the lock needs.
  assert.ok(g.roots.includes('poetry-core') && g.roots.includes('cachecontrol'));
  assert.ok(!g.roots.includes('requests')); // cachecontrol and others require it
  // The same packages as with pyproject.toml: the guessed roots reach the whole main group.
  assert.deepEqual(names(g), installedPerLockMarkers(linux312, ['main']));
});

test('reads a Poetry 1.x lock: category instead of groups, hashes under [metadata.files], [tool.poetry] roots', () => {
  const file = `${FIXTURES}poetry/legacy/poetry.lock`;
  const pp = { text: read(`${FIXTURES}poetry/legacy/pyproject.toml`), file: `${FIXTURES}poetry/legacy/pyproject.toml` };
  const g = readPoetryLock(read(file), file, target('3.10', 'linux'), { noDefaultGroups: true }, pp);
  assert.deepEqual(g.roots, ['flask']);
  assert.deepEqual(names(g), ['click', 'flask', 'itsdangerous', 'jinja2', 'markupsafe', 'werkzeug']);
  assert.equal(node(g, 'markupsafe').artifacts[0]?.filename, 'MarkupSafe-2.1.1-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl');
  assert.equal(node(g, 'flask').artifacts[0]?.sha256, 'b9c46cc36662a7949f34b52d8ec7bb59c0d74ba08ba6cb9ce9adc1d8676d9526');
  const dev = readPoetryLock(read(file), file, target('3.10', 'windows'), { noDefaultGroups: true, groups: ['dev'] }, pp);
  assert.ok(names(dev).includes('pytest') && names(dev).includes('colorama'));
  assert.equal(dev.edges.find((e) => e.to === 'colorama')?.marker, 'platform_system == "Windows"');
});

test('reports every bad field of a malformed poetry.lock with its path and line', () => {
  const file = `${FIXTURES}poetry/malformed/poetry.lock`;
  assert.deepEqual(problemsOf(file, (text) => readPoetryLock(text, file, linux312)), [
    ['package[0].files[1].hash', 12],
    ['package[0].dependencies.idna', 17],
    ['package[0].dependencies.urllib3.markers', 18],
    ['package[1].version', 20],
  ]);
});

test('refuses an unknown Poetry lock-version with LOCK_UNSUPPORTED', () => {
  const file = `${FIXTURES}poetry/future/poetry.lock`;
  const err = thrown(() => readPoetryLock(read(file), file, linux312));
  assert.equal(err.code, 'LOCK_UNSUPPORTED');
  assert.equal(err.path, 'metadata.lock-version');
  assert.equal(err.line, 11);
});

test('a bad pyproject.toml is reported against pyproject.toml', () => {
  const bad = { text: '[project]\nname = "x"\ndependencies = ["requests (>=2"]\n', file: 'proj/pyproject.toml' };
  const err = thrown(() => readPoetryLock(text, LOCK, linux312, {}, bad));
  assert.equal(err.code, 'LOCK_PARSE');
  assert.equal(err.file, 'proj/pyproject.toml');
  assert.equal(err.path, 'project.dependencies[0]');
  assert.equal(err.line, 3);
});
