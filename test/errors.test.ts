import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyvouchError } from '../src/errors.js';

test('describes an error with file, line and field path', () => {
  const err = new PyvouchError('LOCK_PARSE', "expected a table, got 'x'", { file: 'uv.lock', line: 3, path: 'package[0].sdist' });
  assert.equal(err.code, 'LOCK_PARSE');
  assert.equal(err.describe(), "uv.lock:3: package[0].sdist: expected a table, got 'x'");
  assert.deepEqual(err.toJSON(), { code: 'LOCK_PARSE', message: "expected a table, got 'x'", file: 'uv.lock', line: 3, path: 'package[0].sdist' });
});

test('at() adds a location without overriding one already known', () => {
  const err = new PyvouchError('INVALID_VERSION', "Invalid version: '1.0+'", { path: 'version' }).at({ file: 'METADATA', path: 'ignored' });
  assert.equal(err.file, 'METADATA');
  assert.equal(err.path, 'version');
  assert.equal(err.code, 'INVALID_VERSION');
});
