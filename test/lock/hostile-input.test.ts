// Hostile lock and requirements files (issue 19): refused with a PyvouchError of their own code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MAX_INCLUDE_DEPTH, readRequirements } from '../../src/lock/requirements.js';
import { readPoetryLock } from '../../src/lock/poetry.js';
import { readPylock } from '../../src/lock/pylock.js';
import { readUvLock } from '../../src/lock/uvlock.js';
import { MAX_PROBLEMS } from '../../src/text/line-index.js';
import { growth, LINEAR_RATIO } from '../support/scaling.js';
import { linux312 } from './helpers.js';
import { codeOf, refusal } from '../support/errors.js';

test("requirements.txt './foo#egg=%zz' (a malformed escape) is no URIError", () => {
  const result = codeOf(() => readRequirements('./foo#egg=%zz\n', '/p/requirements.txt', linux312));
  assert.notEqual(result, 'IO');
});

test('877 chained -r includes are refused with INCLUDE_TOO_DEEP, not a stack overflow', () => {
  const files = new Map<string, string>();
  for (let i = 0; i < 877; i++) files.set(`/p/r${i}.txt`, `-r r${i + 1}.txt\nfoo${i}==1.0\n`);
  files.set('/p/r877.txt', 'bar==1.0\n');
  const readFile = (p: string): string => {
    const t = files.get(p);
    if (t === undefined) throw new Error(`no ${p}`);
    return t;
  };
  assert.equal(codeOf(() => readRequirements(files.get('/p/r0.txt')!, '/p/r0.txt', linux312, {}, readFile)), 'INCLUDE_TOO_DEEP');
  // A chain within the bound is read whole.
  const short = new Map<string, string>();
  for (let i = 0; i < MAX_INCLUDE_DEPTH - 1; i++) short.set(`/p/s${i}.txt`, `-r s${i + 1}.txt\n`);
  short.set(`/p/s${MAX_INCLUDE_DEPTH - 1}.txt`, 'bar==1.0\n');
  const g = readRequirements(short.get('/p/s0.txt')!, '/p/s0.txt', linux312, {}, (p) => short.get(p) ?? '');
  assert.ok(g.nodes.some((n) => n.name === 'bar'));
});

test('a uv.lock of 8,000 bad entries is read in linear time and reports the first 100 problems and a count', () => {
  const make = (n: number): string => {
    let s = 'version = 1\nrequires-python = ">=3.8"\n\n';
    for (let i = 0; i < n; i++) {
      s += `[[package]]\nname = "p${i}"\nversion = "1.0"\nsource = { registry = "https://pypi.org/simple" }\ndependencies = [{ name = "q", marker = "bad marker" }]\n\n`;
    }
    return s;
  };
  const g = growth(make, (text) => readUvLock(text, 'uv.lock', linux312), 800);
  assert.ok(g.ratio < LINEAR_RATIO, `10x the entries took ${g.ratio.toFixed(1)}x as long (${g.small.toFixed(1)} -> ${g.large.toFixed(1)} ms)`);
  const err = refusal(() => readUvLock(make(8000), 'uv.lock', linux312), 'LOCK_PARSE');
  assert.ok(err.problems.length < MAX_PROBLEMS);
  assert.match(err.message, /and 15999 more problems/);
  assert.equal(err.line, 8, 'the first problem is on the first package\'s dependencies line');
  assert.ok(err.problems.some((p) => p.line === 8 + 6), 'the second package\'s problem is on its own line');
});

test('a pylock.toml of 4,000 bad packages is read in linear time', () => {
  const make = (n: number): string => {
    let s = 'lock-version = "1.0"\ncreated-by = "test"\n\n';
    for (let i = 0; i < n; i++) s += `[[packages]]\nname = "p${i}"\nversion = "not a version ${i}"\nmarker = "bad marker"\n\n`;
    return s;
  };
  const g = growth(make, (text) => readPylock(text, 'pylock.toml', linux312), 400);
  assert.ok(g.ratio < LINEAR_RATIO, `10x the packages took ${g.ratio.toFixed(1)}x as long (${g.small.toFixed(1)} -> ${g.large.toFixed(1)} ms)`);
});

test('a requirements.txt of 20,000 bad lines keeps the first 100 problems and a count', () => {
  const text = Array.from({ length: 20_000 }, (_, i) => `p${i} >>= 1`).join('\n');
  const err = refusal(() => readRequirements(text, '/p/requirements.txt', linux312), 'LOCK_PARSE');
  assert.ok(err.problems.length < MAX_PROBLEMS);
  assert.match(err.message, /and 19999 more problems/);
});

test('a poetry.lock with version = "bad version 0" is refused', () => {
  const lock = `[[package]]\nname = "foo"\nversion = "bad version 0"\ndescription = ""\noptional = false\npython-versions = "*"\nfiles = []\n\n[metadata]\nlock-version = "2.0"\npython-versions = "^3.8"\ncontent-hash = "${'0'.repeat(64)}"\n`;
  const err = refusal(() => readPoetryLock(lock, 'poetry.lock', linux312), 'LOCK_PARSE');
  assert.equal(err.path, 'package[0].version');
  assert.equal(err.line, 3);
});
