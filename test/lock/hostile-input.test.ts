// Hostile lock and requirements files (issue 19): refused with a PyvouchError of their own code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyvouchError } from '../../src/errors.js';
import { MAX_INCLUDE_DEPTH, readRequirements } from '../../src/lock/requirements.js';
import { linux312 } from './helpers.js';

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PyvouchError, `expected a PyvouchError, got ${String(err)}`);
    return err.code;
  }
  return 'NO ERROR';
}

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
