// The server's error bodies: every code is one of the ErrorCode union (the type checks that), a
// PyvouchError keeps its own code and location, and an error nobody expected is INTERNAL, never IO.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyvouchError } from '../../src/errors.js';
import { CLIENT_ABORTED, errorBody, HttpError } from '../../src/server/respond.js';

test('an unexpected error is reported as INTERNAL, not IO', () => {
  assert.deepEqual(errorBody(new TypeError('x is undefined')), { error: { code: 'INTERNAL', message: 'x is undefined' } });
  assert.equal(errorBody('a thrown string').error['code'], 'INTERNAL');
});

test('an HTTP error keeps its code, a PyvouchError its code and where it came from', () => {
  assert.deepEqual(errorBody(new HttpError(413, 'too big', 'TOO_LARGE')), { error: { code: 'TOO_LARGE', message: 'too big' } });
  assert.equal(errorBody(new HttpError(500, 'plain')).error['code'], 'HTTP');
  assert.equal(errorBody(new HttpError(400, 'gone', CLIENT_ABORTED)).error['code'], 'CLIENT_ABORTED');
  const body = errorBody(new PyvouchError('LOCK_PARSE', 'bad', { file: 'uv.lock', line: 3 })).error;
  assert.deepEqual([body['code'], body['file'], body['line']], ['LOCK_PARSE', 'uv.lock', 3]);
});
