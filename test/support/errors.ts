// What a call does with bad input, as the tests of parsers ask it: the code of the PyvouchError it
// throws. Anything else thrown is a bug of its own and fails the test.
import assert from 'node:assert/strict';
import { PyvouchError } from '../../src/errors.js';

/** The code of the PyvouchError `fn` throws; 'NO ERROR' when it returns. */
export function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PyvouchError, `expected a PyvouchError, got ${String(err)}`);
    return err.code;
  }
  return 'NO ERROR';
}

/** What `fn` returns, or the code of the PyvouchError it throws (anything else is thrown on). */
export function outcome(fn: () => unknown): unknown {
  try {
    return fn();
  } catch (err) {
    if (err instanceof PyvouchError) return err.code;
    throw err;
  }
}

/** For assert.throws/rejects: a PyvouchError of `code` whose message matches `pattern`. */
export function errorWith(code: string, pattern: RegExp): (err: unknown) => boolean {
  return (err) => {
    assert.ok(err instanceof PyvouchError, String(err));
    assert.equal(err.code, code);
    assert.match(err.message, pattern);
    return true;
  };
}

/** The PyvouchError (of `code`, when given) that `fn` throws; the test fails when `fn` returns or throws anything else. */
export function refusal(fn: () => unknown, code?: string): PyvouchError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof PyvouchError, `expected a PyvouchError${code === undefined ? '' : ` ${code}`}, got ${String(err)}`);
    if (code !== undefined) assert.equal(err.code, code, err.message);
    return err;
  }
  assert.fail(`expected a PyvouchError${code === undefined ? '' : ` ${code}`}, but it returned`);
}
