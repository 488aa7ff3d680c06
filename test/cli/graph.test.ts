import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pyvouch } from './harness.js';

const examples = ['examples/uv/uv.lock', 'examples/poetry/poetry.lock', 'examples/pylock/pylock.toml', 'examples/requirements/requirements.txt'];

for (const file of examples) {
  test(`graph prints the tree and the JSON of ${file}`, () => {
    const text = pyvouch(['graph', file]);
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /for cpython 3\.12 on linux x86_64: \d+ packages/);

    const json = pyvouch(['graph', file, '--format', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const doc = JSON.parse(json.stdout) as {
      environment: { python: string; markers: Record<string, string> };
      roots: string[];
      nodes: { name: string; version: string; artifacts: { filename: string; sha256: string | null }[] }[];
      edges: { from: string; to: string; specifier: string; marker: string | null; extras: string[] }[];
    };
    assert.equal(doc.environment.python, '3.12');
    assert.equal(doc.environment.markers['sys_platform'], 'linux');
    assert.ok(doc.nodes.length >= 5, 'a real-looking example has several packages');
    for (const n of doc.nodes) {
      assert.equal(n.name, n.name.toLowerCase().replace(/[-_.]+/g, '-'), 'names are canonical');
      for (const a of n.artifacts) if (a.sha256 !== null) assert.match(a.sha256, /^[0-9a-f]{64}$/);
    }
    const names = new Set(doc.nodes.map((n) => n.name));
    for (const e of doc.edges) {
      assert.ok(names.has(e.from) && names.has(e.to), `edge ${e.from} -> ${e.to} joins two nodes`);
    }
  });
}

test('graph follows the target platform: colorama only on windows', () => {
  const linux = JSON.parse(pyvouch(['graph', 'examples/uv/uv.lock', '--format', 'json', '--platform', 'linux']).stdout) as { nodes: { name: string }[] };
  const windows = JSON.parse(pyvouch(['graph', 'examples/uv/uv.lock', '--format', 'json', '--platform', 'windows']).stdout) as { nodes: { name: string }[] };
  assert.ok(!linux.nodes.some((n) => n.name === 'colorama'));
  assert.ok(windows.nodes.some((n) => n.name === 'colorama'));
});

test('graph reports a missing file as an input error with its code, no stack', () => {
  const r = pyvouch(['graph', 'no/such/uv.lock']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /error\[IO\]: .*no\/such\/uv\.lock/);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
});

test('graph reports a malformed lock file with file, line and code, as JSON when asked', () => {
  const r = pyvouch(['graph', 'test/fixtures/lock/pylock/pylock.syntax.toml', '--format', 'json']);
  assert.equal(r.code, 2);
  const err = (JSON.parse(r.stdout) as { error: { code: string; file: string } }).error;
  assert.equal(err.code, 'LOCK_PARSE');
  assert.match(err.file, /pylock\.syntax\.toml$/);
});

test('an unknown option is a usage error with exit code 2', () => {
  const r = pyvouch(['graph', 'examples/uv/uv.lock', '--no-such-option']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /unknown option/);
});

test('an unknown target platform is refused with help', () => {
  const r = pyvouch(['graph', 'examples/uv/uv.lock', '--platform', 'beos']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /error\[INVALID_TARGET\]/);
});
