import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isDeepStrictEqual } from 'node:util';
import { PyvouchError } from '../../src/errors.js';
import { Requirement } from '../../src/pep/requirement.js';
import { misjudged, packagingCorpus } from '../support/packaging.js';

interface RequirementCase {
  input: string;
  valid: boolean;
  name?: string;
  canonical_name?: string;
  extras?: string[];
  specifier?: string;
  url?: string | null;
  marker?: string | null;
  normalized?: string;
}

const cases = packagingCorpus<RequirementCase[]>('requirements.json');

function fields(r: Requirement): Omit<RequirementCase, 'input' | 'valid'> {
  return {
    name: r.name,
    canonical_name: r.canonicalName,
    extras: r.extras,
    specifier: r.specifier.toString(),
    url: r.url,
    marker: r.marker === null ? null : r.marker.toString(),
    normalized: r.toString(),
  };
}

test('accepts the valid requirements of the packaging corpus and rejects the rest with INVALID_REQUIREMENT', () => {
  assert.ok(cases.length > 1300);
  assert.deepEqual(misjudged(cases, (input) => new Requirement(input), 'INVALID_REQUIREMENT'), []);
});

test('reads every field of every valid corpus requirement as pypa/packaging does', () => {
  const wrong = cases
    .filter((c) => c.valid)
    .flatMap((c) => {
      const { input: _input, valid: _valid, ...expected } = c;
      const got = fields(new Requirement(c.input));
      return isDeepStrictEqual(got, expected) ? [] : [{ input: c.input, expected, got }];
    });
  assert.deepEqual(wrong, []);
});

test('parses its own normal form back to the same requirement', () => {
  const wrong = cases
    .filter((c) => c.valid)
    .flatMap((c) => {
      const once = new Requirement(c.input);
      const again = new Requirement(once.toString());
      return isDeepStrictEqual(fields(again), fields(once)) ? [] : [{ input: c.input, once: once.toString(), again: again.toString() }];
    });
  assert.deepEqual(wrong, []);
});

test('reads name, extras, specifier, url and marker', () => {
  const r = new Requirement('Requests[security, Socks ,security] (>=2.8.1, ==2.8.*) ; python_version < "2.7"');
  assert.equal(r.name, 'Requests');
  assert.equal(r.canonicalName, 'requests');
  assert.deepEqual(r.extras, ['Socks', 'security']);
  assert.deepEqual(r.canonicalExtras, ['security', 'socks']);
  assert.equal(r.specifier.toString(), '==2.8.*,>=2.8.1');
  assert.equal(r.url, null);
  assert.equal(r.marker?.toString(), 'python_version < "2.7"');
  assert.equal(r.toString(), 'Requests[Socks,security]==2.8.*,>=2.8.1; python_version < "2.7"');
});

test('reads a direct reference and keeps a space before the marker so it reads back', () => {
  const r = new Requirement('pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee ; sys_platform == "win32"');
  assert.equal(r.url, 'https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee');
  assert.equal(r.specifier.toString(), '');
  assert.equal(r.toString(), 'pip @ https://github.com/pypa/pip/archive/1.3.1.zip#sha1=da9234ee ; sys_platform == "win32"');
  // Without a space the ';' belongs to the URL.
  assert.equal(new Requirement('name @ https://example.com/x;').url, 'https://example.com/x;');
});

test('compares requirements by meaning, not spelling', () => {
  const same: Array<[string, string]> = [
    ['requests[security, tests]>=2.8.1,==2.8.*;python_version<"2.7"', 'requests [security,tests] >= 2.8.1, == 2.8.* ; python_version < "2.7"'],
    ["appdirs>=1.4.4,<2; os_name==\"posix\" and extra==\"testing\"", "appdirs>=1.4.4,<2; os_name == 'posix' and extra == 'testing'"],
    ['scikit-learn==1.0.1', 'scikit_learn==1.0.1'],
  ];
  const different: Array<[string, string]> = [
    ['packaging>20.1', 'packaging>=20.1'],
    ['package_one', 'package_two'],
    ['importlib-metadata; python_version<"3.8"', "importlib-metadata; python_version<'3.7'"],
    ['name[a]', 'name'],
    ['name @ https://a', 'name'],
  ];
  for (const [a, b] of same) assert.equal(new Requirement(a).equals(new Requirement(b)), true, `${a} = ${b}`);
  for (const [a, b] of different) assert.equal(new Requirement(a).equals(new Requirement(b)), false, `${a} != ${b}`);
});

test('normalizes the extra names compared in its marker', () => {
  const r = new Requirement("name; extra == 'Test_Extra'");
  assert.equal(r.marker?.toString(), 'extra == "test-extra"');
  assert.equal(r.marker?.evaluate({ extra: 'test.extra' }), true);
});

test('rejects bad requirements with INVALID_REQUIREMENT, saying what was expected where', () => {
  const bad: Array<[string, string]> = [
    ['', 'Expected package name'],
    ['name 1.0', 'Expected semicolon (after name with no version specifier) or end'],
    ['name >= 1.0 <= 2.0', 'Expected comma (within version specifier), semicolon (after version specifier) or end'],
    ['name[bar baz]', 'Expected comma between extra names'],
    ['name[bar, baz >= 1.0', "Expected matching ']'"],
    ['name (>=1.0', "Expected matching ')'"],
    ['name>=1.0.*', '.* suffix can only be used with `==` or `!=` operators'],
    ['name==1.0a1.*', '.* suffix cannot be used with pre-release'],
    ['name>=1.0+local', 'Local version label can only be used with `==` or `!=` operators'],
    ['name @ ', 'Expected URL after @'],
    ["name @ https://example.com/; extra == 'x'", 'Expected semicolon (after URL and whitespace) or end'],
    ['name; os_name ==', 'Expected a marker variable or quoted string'],
  ];
  for (const [input, reason] of bad) {
    assert.throws(
      () => new Requirement(input),
      (err: unknown) => err instanceof PyvouchError && err.code === 'INVALID_REQUIREMENT' && err.message.includes(reason) && err.message.includes(input),
      input,
    );
  }
});
