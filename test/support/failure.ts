// The PyvouchError a promise rejects with; the test fails when it resolves or rejects with
// anything else.
import assert from 'node:assert/strict';
import { PyvouchError } from '../../src/errors.js';

export async function failure(promise: Promise<unknown>, expected = 'expected a PyvouchError'): Promise<PyvouchError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof PyvouchError, String(err));
    return err;
  }
  assert.fail(expected);
}
