// A dependency whose marker cannot be evaluated never vanishes from a resolution: it is an error,
// as in the lock readers (fail closed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isPyvouchError } from '../../src/errors.js';
import { markerEnvironmentFor } from '../../src/pep/environment.js';
import { Requirement } from '../../src/pep/requirement.js';
import { markerHolds } from '../../src/resolve/markers.js';
import { solve, target } from './helpers.js';

test('a marker that cannot be evaluated is an error naming the requirement, not a dropped dependency', () => {
  const env = markerEnvironmentFor(target());
  for (const line of ["evil; os_name ~= 'posix'", "evil; 'dev' in dependency_groups"]) {
    assert.throws(
      () => markerHolds(new Requirement(line), env, ''),
      (err: unknown) => isPyvouchError(err) && /evil/.test(err.message) && err.help !== undefined,
      line,
    );
  }
  assert.equal(markerHolds(new Requirement("ok; os_name == 'posix'"), env, ''), true);
});

test('resolving a release whose dependency has an unevaluable marker fails instead of leaving it out', async () => {
  const index = { app: [{ version: '1.0', requires: ["payload; os_name ~= 'posix'"] }], payload: ['1.0'] };
  await assert.rejects(solve(index, ['app']), (err: unknown) => isPyvouchError(err) && /payload/.test(err.message));
});
