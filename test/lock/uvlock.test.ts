import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readUvLock } from '../../src/lock/uvlock.js';
import { UNKNOWN_VERSION } from '../../src/lock/common.js';
import { CORPORA, FIXTURES, linux312, names, node, problemsOf, read, target, thrown, windows310 } from './helpers.js';

const PYDANTIC = `${CORPORA}pydantic-uv.lock`;
const text = read(PYDANTIC);

test('a production install of pydantic is the project, its workspace member and their dependencies', () => {
  const g = readUvLock(text, PYDANTIC, linux312, { noDefaultGroups: true });
  assert.equal(g.source.format, 'uv.lock');
  assert.equal(g.edgesKnown, true);
  // [project].dependencies of pydantic, plus pydantic-core (a workspace member) and what they need.
  assert.deepEqual(names(g), ['annotated-types', 'pydantic', 'pydantic-core', 'typing-extensions', 'typing-inspection']);
  assert.deepEqual(g.roots, ['pydantic']);
  const pydantic = node(g, 'pydantic');
  assert.equal(pydantic.version, UNKNOWN_VERSION); // dynamic version: uv.lock records none
  assert.deepEqual(pydantic.source, { kind: 'editable', location: '.' });
  assert.deepEqual(node(g, 'pydantic-core').source, { kind: 'editable', location: 'pydantic-core' });
  // Workspace members declare specifiers in [package.metadata]; the edge carries them.
  const edge = g.edges.find((e) => e.from === 'pydantic' && e.to === 'typing-extensions');
  assert.equal(edge?.specifier, '>=4.15.0');
  assert.ok(g.edges.some((e) => e.from === 'pydantic-core' && e.to === 'typing-extensions'));
  assert.ok(g.edges.some((e) => e.from === 'typing-inspection' && e.to === 'typing-extensions'));
});

test('the dev group differs between Windows 3.10 and Linux 3.12 exactly where the markers say', () => {
  const lin = readUvLock(text, PYDANTIC, linux312, { groups: ['dev'] });
  const win = readUvLock(text, PYDANTIC, windows310, { groups: ['dev'] });
  const onlyWin = names(win).filter((n) => !names(lin).includes(n));
  const onlyLin = names(lin).filter((n) => !names(win).includes(n));
  // pytest: colorama if sys_platform == 'win32'; exceptiongroup and tomli if python < 3.11.
  assert.deepEqual(onlyWin, ['colorama', 'exceptiongroup', 'tomli']);
  assert.deepEqual(onlyLin, []);
  assert.ok(win.edges.some((e) => e.from === 'pytest' && e.to === 'colorama' && e.marker === 'sys_platform == "win32"'));
  for (const n of ['pytest', 'coverage', 'dirty-equals', 'time-machine']) assert.ok(names(lin).includes(n), n);
});

test('picks the forked version of rpds-py whose resolution markers hold', () => {
  const lin = readUvLock(text, PYDANTIC, linux312, { groups: ['dev'] });
  const win = readUvLock(text, PYDANTIC, windows310, { groups: ['dev'] });
  assert.equal(node(lin, 'rpds-py').version, '2026.6.3');
  assert.equal(node(win, 'rpds-py').version, '0.30.0');
  assert.ok(node(win, 'rpds-py').artifacts.every((a) => a.filename.includes('cp310') && a.filename.includes('win')));
});

test('turns on optional dependencies for an extra, with their markers (tzdata only on Windows)', () => {
  assert.deepEqual(names(readUvLock(text, PYDANTIC, linux312, { extras: ['timezone'] })).includes('tzdata'), false);
  const win = readUvLock(text, PYDANTIC, windows310, { extras: ['timezone'] });
  assert.ok(names(win).includes('tzdata'));
  const email = readUvLock(text, PYDANTIC, linux312, { extras: ['email'] });
  assert.ok(names(email).includes('email-validator') && names(email).includes('dnspython'));
});

test('follows extras on edges (coverage[toml]) and records them on the child', () => {
  const g = readUvLock(text, PYDANTIC, windows310, { groups: ['coverage'] });
  assert.deepEqual(node(g, 'coverage').extras, ['toml']);
  // coverage's toml extra pulls tomli below Python 3.11.
  assert.ok(g.edges.some((e) => e.from === 'coverage' && e.to === 'tomli'));
  assert.ok(!names(readUvLock(text, PYDANTIC, linux312, { groups: ['coverage'] })).includes('tomli'));
});

test('every group at once reaches git sources and both pyodide-build forks stay apart', () => {
  const g = readUvLock(text, PYDANTIC, linux312, { allGroups: true, allExtras: true });
  assert.equal(node(g, 'pydantic-docs').source?.kind, 'vcs');
  assert.equal(node(g, 'pyodide-build').version, '0.39.0');
  const old = readUvLock(text, PYDANTIC, windows310, { groups: ['pyodide-build'] });
  assert.equal(node(old, 'pyodide-build').version, '0.19.1');
});

test('chooses wheels for the target with hash, size, URL and index', () => {
  const g = readUvLock(text, PYDANTIC, linux312, { groups: ['dev'] });
  const annotated = node(g, 'annotated-types');
  assert.deepEqual(annotated.artifacts, [
    {
      filename: 'annotated_types-0.7.0-py3-none-any.whl',
      kind: 'wheel',
      sha256: '1f02e8b43a8fbbc3f3e0d4f0f4bfc8131bcb4eebe8849b8e5c773f3a1c582a53',
      url: 'https://files.pythonhosted.org/packages/78/b6/6307fbef88d9b5ee7421e68d78a9f162e0da4900bc5f5793f6d3d0e34fb8/annotated_types-0.7.0-py3-none-any.whl',
      size: 13643,
      index: 'https://pypi.org/simple',
      uploadTime: '2024-05-20T21:33:24.100Z',
    },
  ]);
  // Best first: the CPython 3.12 manylinux wheel, then the pure-Python fallback; nothing for other platforms.
  assert.deepEqual(node(g, 'coverage').artifacts.map((a) => a.filename), [
    'coverage-7.13.5-cp312-cp312-manylinux1_x86_64.manylinux_2_28_x86_64.manylinux_2_5_x86_64.whl',
    'coverage-7.13.5-py3-none-any.whl',
  ]);
});

test('warns that uv would refuse Python 3.9 (requires-python >=3.10)', () => {
  const g = readUvLock(text, PYDANTIC, target('3.9', 'windows'));
  assert.ok(g.diagnostics.some((d) => d.level === 'warning' && /requires Python >=3\.10/.test(d.message) && d.line === 3));
});

test('rejects a group the project does not define', () => {
  const err = thrown(() => readUvLock(text, PYDANTIC, linux312, { groups: ['benchmarks'] }));
  assert.equal(err.code, 'USAGE');
});

const FORK = `${FIXTURES}uv/fork/uv.lock`;

test('a virtual workspace starts at its members and its manifest groups', () => {
  const g = readUvLock(read(FORK), FORK, linux312, { groups: ['lint'] });
  assert.deepEqual(g.roots, ['api', 'ruff', 'worker']);
  assert.equal(node(g, 'shared-utils').source?.kind, 'vcs');
  assert.deepEqual(node(g, 'vendored-tool').source, { kind: 'url', location: 'https://downloads.example.com/vendored_tool-0.1.0-py3-none-any.whl' });
  // worker asks for api[fast], which turns on orjson (a CPython-only optional dependency).
  assert.deepEqual(node(g, 'api').extras, ['fast']);
  assert.ok(names(g).includes('orjson'));
  const pypy = readUvLock(read(FORK), FORK, target('3.12', 'linux', { implementation: 'pypy' }));
  assert.ok(!names(pypy).includes('orjson'));
});

test('a dependency pinned by version follows the fork for the target Python', () => {
  assert.equal(node(readUvLock(read(FORK), FORK, target('3.10', 'linux')), 'numpy').version, '2.0.2');
  assert.equal(node(readUvLock(read(FORK), FORK, linux312), 'numpy').version, '2.2.1');
});

test('reports every bad field of a malformed uv.lock with its path and line', () => {
  const file = `${FIXTURES}uv/malformed/uv.lock`;
  assert.deepEqual(problemsOf(file, (text) => readUvLock(text, file, linux312)), [
    ['package[0].dependencies[0].marker', 9],
    ['package[0].dependencies[1].name', 10],
    ['package[1].wheels[1].hash', 19],
    ['package[2].source', 25],
  ]);
});

test('refuses an unknown uv.lock version with LOCK_UNSUPPORTED', () => {
  const file = `${FIXTURES}uv/future/uv.lock`;
  const err = thrown(() => readUvLock(read(file), file, linux312));
  assert.equal(err.code, 'LOCK_UNSUPPORTED');
  assert.equal(err.line, 1);
  assert.match(err.help ?? '', /uv lock/);
});

test("edges from the project carry the specifiers it declared for its groups too", () => {
  const g = readUvLock(text, PYDANTIC, linux312, { groups: ['dev'] });
  assert.equal(g.edges.find((e) => e.from === 'pydantic' && e.to === 'pytest-run-parallel')?.specifier, '>=0.3.1');
  assert.equal(g.edges.find((e) => e.from === 'pydantic' && e.to === 'pytest')?.specifier, '');
});
