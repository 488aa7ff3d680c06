// `pyvouch retract`: no one can retract another author's statement. (Storing the retraction needs
// a store migration that admits the new kind; see the trust helper's report.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pyvouch, tempHome } from './harness.js';

const wheel = 'test/corpora/pep740/rfc8785-0.1.2-py3-none-any.whl';

test('retract refuses a statement signed by another key, and input that is not a statement id', () => {
  const home = tempHome();
  assert.equal(pyvouch(['key', 'new', '--name', 'Reviewer'], { home }).code, 0);
  assert.equal(pyvouch(['key', 'new', '--key-name', 'other'], { home }).code, 0);
  const review = pyvouch(['review', 'rfc8785==0.1.2', '--file', wheel, '--comment', 'looked fine'], { home });
  assert.equal(review.code, 0, review.stderr);
  const id = review.stdout.trim();

  const forged = pyvouch(['retract', id, '--key', 'other'], { home });
  assert.equal(forged.code, 2);
  assert.match(forged.stderr, /only its author can retract it/);

  const bad = pyvouch(['retract', 'not-an-id'], { home });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /USAGE/);
});
