import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  Problems,
  filenameFromLocation,
  parseTomlDocument,
  sha256Hex,
  splitHash,
  walkReachable,
} from '../../src/lock/common.js';
import { tomlLocator as tomlLineLocator } from '../../src/text/toml-lines.js';
import { thrown } from './helpers.js';

const UV_LIKE = `version = 1

[[package]]
name = "a"
source = { registry = "https://pypi.org/simple" }
wheels = [
    { url = "https://x/a-1-py3-none-any.whl", hash = "sha256:00" },
    { url = "https://x/a-1-cp312-cp312-win_amd64.whl", hash = "sha256:11" },
]

[[package]]
name = "b"
dependencies = [{ name = "a" }, { name = "c", marker = "os_name == 'nt'" }]

[package.optional-dependencies]
fast = [
    { name = "d" },
]

[[package]]
name = "poetry-style"

[package.dependencies]
"Jinja2" = ">=3.0"
`;

test('locates dotted field paths in TOML text as lock generators lay it out', () => {
  const locate = tomlLineLocator(UV_LIKE);
  const cases: Array<[string, number | undefined]> = [
    ['version', 1],
    ['package[0]', 3],
    ['package[0].name', 4],
    ['package[0].wheels', 6],
    ['package[0].wheels[0].hash', 7],
    ['package[0].wheels[1].hash', 8],
    ['package[1].dependencies[1].marker', 13],
    ['package[1].optional-dependencies.fast[0]', 17],
    ['package[2].dependencies.Jinja2', 24],
    ['package[7].name', undefined],
  ];
  for (const [path, line] of cases) assert.equal(locate(path), line, path);
});

test('collects problems and raises them in file order, the rest attached', () => {
  const p = new Problems('uv.lock');
  p.add('b', 'second', 9);
  p.add('a', 'first', 2);
  p.add(undefined, 'no line');
  const err = thrown(() => p.throwIfAny());
  assert.equal(err.code, 'LOCK_PARSE');
  assert.equal(err.file, 'uv.lock');
  assert.equal(err.line, 2);
  assert.equal(err.message, 'first (and 2 more problems)');
  assert.deepEqual(err.problems.map((x) => x.message), ['second', 'no line']);
  new Problems('empty').throwIfAny(); // nothing collected, nothing thrown
});

test('a TOML syntax error becomes LOCK_PARSE with the line', () => {
  const err = thrown(() => parseTomlDocument('a = 1\nb = [1,\nc = 3\n', 'x.toml'));
  assert.equal(err.code, 'LOCK_PARSE');
  assert.equal(err.file, 'x.toml');
  assert.equal(err.line, 3);
});

test('normalises sha256 digests and splits algorithm:digest', () => {
  assert.equal(sha256Hex('ABCDEF' + '0'.repeat(58)), 'abcdef' + '0'.repeat(58));
  assert.equal(sha256Hex('abc'), undefined);
  assert.equal(sha256Hex('g'.repeat(64)), undefined);
  assert.deepEqual(splitHash('SHA256:abc'), { algorithm: 'sha256', digest: 'abc' });
  assert.equal(splitHash('abc'), undefined);
});

test('derives file names from URLs and paths', () => {
  assert.equal(filenameFromLocation('https://files.example/p/a/six-1.16.0-py2.py3-none-any.whl#sha256=00'), 'six-1.16.0-py2.py3-none-any.whl');
  assert.equal(filenameFromLocation('./dist/My%20Pkg-1.0.tar.gz'), 'My Pkg-1.0.tar.gz');
  assert.equal(filenameFromLocation('C:\\wheels\\x-1-py3-none-any.whl'), 'x-1-py3-none-any.whl');
});

test('walks what the roots reach, revisiting a package when an edge turns on more extras', () => {
  // app -> lib ; app -> tool[extra] ; tool[extra] -> lib[speed] ; lib[speed] -> fastcore
  const deps: Record<string, Array<{ to: string; extras?: string[]; onlyWith?: string }>> = {
    app: [{ to: 'lib' }, { to: 'tool', extras: ['extra'] }],
    tool: [{ to: 'lib', extras: ['speed'], onlyWith: 'extra' }],
    lib: [{ to: 'fastcore', onlyWith: 'speed' }],
    fastcore: [],
    unrelated: [{ to: 'lib' }],
  };
  const edges: string[] = [];
  const reached = walkReachable(
    [{ pkg: 'app', extras: [] }],
    (p) => p,
    (p, on) =>
      deps[p]!.filter((d) => d.onlyWith === undefined || on.has(d.onlyWith)).map((d) => ({
        child: d.to,
        extras: d.extras ?? [],
        marker: null,
        specifier: '',
      })),
    (from, step) => edges.push(`${from}->${step.child}`),
  );
  assert.deepEqual([...reached.keys()].sort(), ['app', 'fastcore', 'lib', 'tool']);
  assert.deepEqual([...reached.get('lib')!.extras], ['speed']);
  assert.ok(edges.includes('lib->fastcore'));
});
