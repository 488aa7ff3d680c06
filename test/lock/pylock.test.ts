import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readPylock } from '../../src/lock/pylock.js';
import { readLock } from '../../src/lock/read.js';
import { UNKNOWN_VERSION } from '../../src/lock/common.js';
import { CORPORA, FIXTURES, linux312, names, node, problemsOf, read, target, thrown } from './helpers.js';

const PEOPLE = `${CORPORA}pydantic-people-pylock.toml`;
const PYODIDE = `${CORPORA}pydantic-pyodide-pylock.314.toml`;
const countEntries = (text: string): number => (text.match(/^\[\[packages\]\]$/gm) ?? []).length;

test('installs every package of the pydantic people lock on CPython 3.13, where all markers hold', () => {
  const text = read(PEOPLE);
  const g = readPylock(text, PEOPLE, target('3.13', 'linux'));
  assert.equal(g.source.format, 'pylock.toml');
  assert.equal(g.nodes.length, countEntries(text));
  assert.equal(g.nodes.length, 19);
  // uv's pylock output records no dependencies: no edges are invented, all nodes are roots.
  assert.equal(g.edgesKnown, false);
  assert.deepEqual(g.edges, []);
  assert.deepEqual(g.roots, names(g));
  assert.ok(g.diagnostics.some((d) => d.level === 'info' && /no packages\.dependencies/.test(d.message)));
  assert.ok(!g.diagnostics.some((d) => d.level === 'warning'));
});

test('drops the people lock packages whose marker excludes PyPy (cffi, pycparser)', () => {
  const g = readPylock(read(PEOPLE), PEOPLE, target('3.13', 'linux', { implementation: 'pypy' }));
  assert.equal(g.nodes.length, 17);
  assert.ok(!names(g).includes('cffi'));
  assert.ok(!names(g).includes('pycparser'));
  assert.ok(names(g).includes('cryptography'));
});

test('chooses the wheel for the target from the people lock, with its recorded sha256, size and URL', () => {
  const text = read(PEOPLE);
  const onLinux = node(readPylock(text, PEOPLE, target('3.13', 'linux')), 'cffi');
  assert.equal(onLinux.version, '2.0.0');
  assert.equal(onLinux.artifacts[0]?.filename, 'cffi-2.0.0-cp313-cp313-manylinux2014_x86_64.manylinux_2_17_x86_64.whl');
  assert.equal(onLinux.artifacts[0]?.sha256, 'c8d3b5532fc71b7a77c09192b4a5a200ea992702734a2e9279a37f2478236f26');
  assert.equal(onLinux.artifacts[0]?.size, 219499);
  assert.match(onLinux.artifacts[0]?.url ?? '', /^https:\/\/files\.pythonhosted\.org\/.*cffi-2\.0\.0-cp313-cp313-manylinux2014_x86_64/);
  assert.ok(onLinux.artifacts.every((a) => a.kind === 'wheel' && !a.filename.includes('win')));

  const onWindows = node(readPylock(text, PEOPLE, target('3.13', 'windows')), 'cffi');
  assert.equal(onWindows.artifacts[0]?.filename, 'cffi-2.0.0-cp313-cp313-win_amd64.whl');
  assert.equal(onWindows.artifacts[0]?.sha256, '19f705ada2530c1167abacb171925dd886168931e0a7b78f5bffcae5c6b5be75');

  const pure = node(readPylock(text, PEOPLE, target('3.13', 'windows')), 'annotated-types');
  assert.deepEqual(pure.artifacts.map((a) => a.filename), ['annotated_types-0.7.0-py3-none-any.whl']);
});

test('warns that an installer would refuse the people lock on Python 3.12 (requires-python >=3.13)', () => {
  const g = readPylock(read(PEOPLE), PEOPLE, linux312);
  const w = g.diagnostics.find((d) => d.level === 'warning' && /requires Python >=3\.13/.test(d.message));
  assert.ok(w);
  assert.equal(w.line, 5);
});

test('reads the pyodide lock written by pip, with array-of-tables wheels, and flags wheels only Emscripten can install', () => {
  const text = read(PYODIDE);
  const g = readPylock(text, PYODIDE, target('3.12', 'linux'));
  assert.equal(g.nodes.length, countEntries(text));
  assert.equal(g.nodes.length, 35);
  // hypothesis and rpds-py ship only pyemscripten wheels in this lock and no sdist.
  for (const name of ['hypothesis', 'rpds-py']) {
    assert.deepEqual(node(g, name).artifacts, []);
    assert.ok(g.diagnostics.some((d) => d.level === 'warning' && d.message.startsWith(`${name} `) && /no sdist/.test(d.message)));
  }
  const attrs = node(g, 'attrs');
  assert.deepEqual(attrs.artifacts, [
    {
      filename: 'attrs-26.1.0-py3-none-any.whl',
      kind: 'wheel',
      sha256: 'b5f2e20d25fbeb55950af8cda6b5ef71d47e60872587d11ab6b6425b0d7c2c92',
      url: 'https://cdn.jsdelivr.net/pyodide/v314.0.4/full/attrs-26.1.0-py3-none-any.whl',
    },
  ]);
});

const SOURCES = `${FIXTURES}pylock/pylock.sources.toml`;

test('reports every PEP 751 source kind: directory, vcs, archive, index', () => {
  const g = readPylock(read(SOURCES), SOURCES, target('3.12', 'linux'));
  const service = node(g, 'service');
  assert.equal(service.version, UNKNOWN_VERSION);
  assert.deepEqual(service.source, { kind: 'editable', location: '.' });
  assert.deepEqual(node(g, 'toolbox').source, {
    kind: 'vcs',
    location: 'git+https://github.com/example/toolbox.git@4f1b2c3d4e5f60718293a4b5c6d7e8f901234567',
  });
  const vendored = node(g, 'vendored-lib');
  assert.deepEqual(vendored.source, { kind: 'url', location: 'https://downloads.example.com/vendored_lib-1.4.0.tar.gz' });
  assert.equal(vendored.artifacts[0]?.kind, 'sdist');
  assert.equal(vendored.artifacts[0]?.size, 20480);
  const attrs = node(g, 'attrs');
  assert.deepEqual(attrs.source, { kind: 'registry', location: 'https://pypi.org/simple/' });
  // Hash keys and values are normalised to lower-case hex.
  assert.equal(attrs.artifacts[0]?.sha256, 'c75a69e28a550a7e93789579c22aa26b0f5b83b75dc4e08fe092980051e1090a');
  assert.equal(attrs.artifacts[0]?.index, 'https://pypi.org/simple/');
});

test('uses recorded dependencies for edges and makes the packages nobody depends on the roots', () => {
  const g = readPylock(read(SOURCES), SOURCES, target('3.12', 'linux'));
  assert.equal(g.edgesKnown, true);
  assert.deepEqual(g.roots, ['service']);
  assert.ok(g.edges.some((e) => e.from === 'cattrs' && e.to === 'attrs'));
  // typer (extra cli) and pytest (group test) are not installed by default, so no edge leads to them.
  assert.ok(!names(g).includes('typer'));
  assert.ok(!names(g).includes('pytest'));
  assert.ok(!g.edges.some((e) => e.to === 'typer' || e.to === 'pytest'));
});

test('evaluates the extras and dependency_groups marker variables from the selection', () => {
  const text = read(SOURCES);
  const withCli = readPylock(text, SOURCES, linux312, { extras: ['cli'] });
  assert.ok(names(withCli).includes('typer'));
  assert.ok(!names(withCli).includes('pytest'));
  const withTest = readPylock(text, SOURCES, linux312, { groups: ['test'] });
  assert.ok(names(withTest).includes('pytest'));
  const everything = readPylock(text, SOURCES, linux312, { allExtras: true, allGroups: true });
  assert.ok(names(everything).includes('typer') && names(everything).includes('pytest'));
});

test('picks the one numpy entry whose marker holds for the platform', () => {
  const text = read(SOURCES);
  const lin = node(readPylock(text, SOURCES, target('3.12', 'linux')), 'numpy');
  assert.equal(lin.artifacts[0]?.filename, 'numpy-2.2.3-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl');
  const win = node(readPylock(text, SOURCES, target('3.12', 'windows')), 'numpy');
  assert.equal(win.artifacts[0]?.filename, 'numpy-2.2.3-cp312-cp312-win_amd64.whl');
});

test('warns when the target is outside environments or a package requires a newer Python', () => {
  const g = readPylock(read(SOURCES), SOURCES, target('3.9', 'macos'));
  assert.ok(g.diagnostics.some((d) => /no entry of 'environments' matches/.test(d.message)));
  const g2 = readPylock(read(SOURCES), SOURCES, target('3.9', 'linux'));
  assert.ok(g2.diagnostics.some((d) => d.level === 'warning' && /^numpy requires Python >=3\.10/.test(d.message)));
});

test('rejects a selection naming an extra or group the lock does not define', () => {
  const err = thrown(() => readPylock(read(SOURCES), SOURCES, linux312, { extras: ['gui'] }));
  assert.equal(err.code, 'USAGE');
  assert.match(err.message, /'gui'.*cli/);
});

test('reports every bad field of a malformed pylock with its path and line', () => {
  const file = `${FIXTURES}pylock/pylock.malformed.toml`;
  assert.deepEqual(problemsOf(file, (text) => readPylock(text, file, linux312)), [
    ['packages[0].marker', 7],
    ['packages[0].wheels[0].hashes.sha256', 9],
    ['packages[1].name', 12],
    ['packages[1].sdist.hashes', 14],
    ['packages[2]', 16],
  ]);
});

test('names the line of a TOML syntax error', () => {
  const file = `${FIXTURES}pylock/pylock.syntax.toml`;
  const err = thrown(() => readLock({ path: file, text: read(file) }, linux312));
  assert.equal(err.code, 'LOCK_PARSE');
  assert.equal(err.file, file);
  assert.equal(err.line, 6);
});

test('refuses an unknown major lock-version with LOCK_UNSUPPORTED and help', () => {
  const file = `${FIXTURES}pylock/pylock.future.toml`;
  const err = thrown(() => readPylock(read(file), file, linux312));
  assert.equal(err.code, 'LOCK_UNSUPPORTED');
  assert.equal(err.path, 'lock-version');
  assert.ok(err.help);
});

test('accepts a newer minor lock-version with a warning', () => {
  const text = read(`${FIXTURES}pylock/pylock.future.toml`).replace('"2.0"', '"1.1"');
  const g = readPylock(text, 'pylock.toml', linux312);
  assert.deepEqual(names(g), ['attrs']);
  assert.ok(g.diagnostics.some((d) => d.level === 'warning' && /1\.1 is newer/.test(d.message)));
});

test('rejects two entries of one package that both apply to the target', () => {
  const text = read(SOURCES).replaceAll(`marker = "sys_platform == 'win32'"`, `marker = "os_name == 'posix' or sys_platform == 'win32'"`);
  const err = thrown(() => readPylock(text, 'pylock.toml', target('3.12', 'linux')));
  assert.equal(err.code, 'LOCK_PARSE');
  assert.match(err.message, /both install 'numpy'/);
});

const tiny = (deps: string): string => `lock-version = "1.0"
created-by = "test"

[[packages]]
name = "a"
version = "1.0"
dependencies = [${deps}]
directory = { path = "a" }

[[packages]]
name = "b"
version = "1.0"
dependencies = [{ name = "a" }]
directory = { path = "b" }
`;

test('a dependency cycle still has a root, so every node has a path from one', () => {
  const g = readPylock(tiny('{ name = "b" }'), 'pylock.toml', linux312);
  assert.deepEqual(g.roots, ['a']);
  assert.equal(g.edges.length, 2);
});

test('a dependency naming no package entry is a LOCK_PARSE problem at its path', () => {
  const err = thrown(() => readPylock(tiny('{ name = "ghost" }'), 'pylock.toml', linux312));
  assert.equal(err.code, 'LOCK_PARSE');
  assert.equal(err.path, 'packages[0].dependencies[0]');
  assert.equal(err.line, 7);
});
