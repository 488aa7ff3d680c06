import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyvouchError } from '../../src/errors.js';
import { canonicalizeName, isNormalizedName, isValidName, normalizeExtra } from '../../src/pep/name.js';
import { packagingCorpus } from '../support/packaging.js';

interface NameCase {
  input: string;
  canonical: string;
}

const corpus = packagingCorpus<NameCase[]>('names.json');

test('canonicalizes every name of the packaging corpus as pypa/packaging does', () => {
  assert.ok(corpus.length > 800);
  const wrong = corpus
    .map((c) => ({ input: c.input, expected: c.canonical, got: canonicalizeName(c.input) }))
    .filter((r) => r.got !== r.expected);
  assert.deepEqual(wrong, []);
});

test('folds runs of separators and case (PEP 503)', () => {
  const cases: Array<[string, string]> = [
    ['Django', 'django'],
    ['zope.interface', 'zope-interface'],
    ['typing_extensions', 'typing-extensions'],
    ['A-_.-B', 'a-b'],
    ['ruamel.yaml.clib', 'ruamel-yaml-clib'],
    ['-leading', '-leading'],
  ];
  for (const [input, expected] of cases) assert.equal(canonicalizeName(input), expected, input);
});

test('accepts only the names PEP 508 allows', () => {
  const valid = ['a', 'A1', 'zope.interface', 'typing_extensions', 'a-b.c_d', '0'];
  const invalid = ['', '-a', 'a-', '_a', 'a.', 'a b', 'naïve', 'a/b', 'a@b'];
  for (const name of valid) assert.equal(isValidName(name), true, name);
  for (const name of invalid) assert.equal(isValidName(name), false, name);
});

test('rejects an invalid name when asked to validate, with INVALID_NAME', () => {
  assert.equal(canonicalizeName('Foo.Bar', { validate: true }), 'foo-bar');
  assert.throws(
    () => canonicalizeName('foo-', { validate: true }),
    (err: unknown) => err instanceof PyvouchError && err.code === 'INVALID_NAME' && err.message.includes("'foo-'"),
  );
});

test('tells a normalized name from one that still needs normalizing', () => {
  assert.equal(isNormalizedName('foo-bar'), true);
  assert.equal(isNormalizedName('foo_bar'), false);
  assert.equal(isNormalizedName('Foo'), false);
  assert.equal(isNormalizedName('foo--bar'), false);
});

test('normalizes extras with the PEP 503 rule (PEP 685)', () => {
  assert.equal(normalizeExtra('Test_Extra'), 'test-extra');
  assert.equal(normalizeExtra('Different.punctuation..is...equal'), 'different-punctuation-is-equal');
});
