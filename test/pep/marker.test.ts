import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyvouchError, type ErrorCode } from '../../src/errors.js';
import { Marker, type MarkerEnvironment, type MarkerEvaluationEnvironment } from '../../src/pep/marker.js';
import { misjudged, packagingCorpus } from '../support/packaging.js';
import { outcome } from '../support/errors.js';

interface Evaluation {
  env: number;
  extra: string | null;
  result?: boolean;
  error?: 'UndefinedComparison' | 'UndefinedEnvironmentName';
}
interface MarkerCase {
  input: string;
  valid: boolean;
  normalized?: string;
  evaluations?: Evaluation[];
}


const cases = packagingCorpus<MarkerCase[]>('markers.json');
const environments = packagingCorpus<MarkerEnvironment[]>('environments.json');
const ERROR_CODES: Record<NonNullable<Evaluation['error']>, ErrorCode> = {
  UndefinedComparison: 'UNDEFINED_COMPARISON',
  UndefinedEnvironmentName: 'UNDEFINED_ENVIRONMENT_NAME',
};

function evaluated(marker: Marker, env: MarkerEvaluationEnvironment): boolean | ErrorCode {
  return outcome(() => marker.evaluate(env)) as boolean | ErrorCode;
}

const linux = environments[0]!;
const windows = environments[1]!;
const macPypy = environments[2]!;

test('accepts the valid markers of the packaging corpus and rejects the rest with INVALID_MARKER', () => {
  assert.ok(cases.length > 800);
  assert.deepEqual(misjudged(cases, (input) => new Marker(input), 'INVALID_MARKER'), []);
});

test("prints every valid corpus marker in pypa/packaging's normal form, which parses back to itself", () => {
  const wrong = cases
    .filter((c) => c.valid)
    .flatMap((c) => {
      const text = new Marker(c.input).toString();
      const again = new Marker(text).toString();
      return text === c.normalized && again === text ? [] : [{ input: c.input, expected: c.normalized, got: text, reparsed: again }];
    });
  assert.deepEqual(wrong, []);
});

test('evaluates every corpus marker in every corpus environment, failing exactly where packaging fails', () => {
  let checked = 0;
  const wrong = cases
    .filter((c) => c.valid)
    .flatMap((c) => {
      const marker = new Marker(c.input);
      return (c.evaluations ?? []).flatMap((e) => {
        checked++;
        const expected = e.error !== undefined ? ERROR_CODES[e.error] : e.result;
        const got = evaluated(marker, { ...environments[e.env]!, extra: e.extra });
        return got === expected ? [] : [{ input: c.input, env: e.env, extra: e.extra, expected, got }];
      });
    });
  assert.ok(checked > 6000);
  assert.deepEqual(wrong, []);
});

test('gives and precedence over or, and parentheses precedence over both', () => {
  const env = { ...linux };
  assert.equal(new Marker('os_name == "nt" and os_name == "nt" or os_name == "posix"').evaluate(env), true);
  assert.equal(new Marker('os_name == "nt" and (os_name == "nt" or os_name == "posix")').evaluate(env), false);
  assert.equal(new Marker('os_name == "posix" or os_name == "nt" and os_name == "nt"').evaluate(env), true);
  assert.equal(new Marker('(os_name == "posix" or os_name == "nt") and os_name == "nt"').evaluate(env), false);
});

test('compares the version variables by PEP 440, and other strings only for equality and containment', () => {
  assert.equal(new Marker('python_version >= "3.9"').evaluate(linux), true); // "3.12" < "3.9" as text
  assert.equal(new Marker('python_version < "3.10"').evaluate(windows), true);
  assert.equal(new Marker('python_full_version >= "3.13.0rc1"').evaluate(linux), false);
  assert.equal(new Marker('python_full_version > "3.6.2"').evaluate({ python_full_version: '3.11.0a5' }), true);
  assert.equal(new Marker('python_version == "3.12.*"').evaluate(linux), true);
  assert.equal(new Marker('"3.9" in python_full_version').evaluate(windows), true);
  assert.equal(new Marker('"Py" in platform_python_implementation').evaluate(macPypy), true);
  // Plain strings are not ordered: < and > never hold, <= and >= only for equal strings.
  assert.equal(new Marker('platform_machine < "x86_64"').evaluate(windows), false);
  assert.equal(new Marker('platform_machine > "A"').evaluate(windows), false);
  assert.equal(new Marker('platform_machine >= "AMD64"').evaluate(windows), true);
  assert.equal(new Marker('platform_machine <= "AMD"').evaluate(windows), false);
  // Values of other variables stay strings even when they look like versions.
  assert.equal(new Marker('platform_version < "10.0.2"').evaluate(windows), false);
  assert.equal(new Marker('extra == "v2"').evaluate({ extra: 'v2a3' }), false);
  assert.equal(new Marker('extra == "v2a3"').evaluate({ extra: 'v2a3' }), true);
  // A version variable whose value is not a version satisfies no version comparison.
  assert.equal(new Marker('platform_release >= "6"').evaluate({ platform_release: '6.8.0-45-generic' }), false);
});

test('fails a ~= or === comparison that has no version meaning with UNDEFINED_COMPARISON', () => {
  assert.equal(evaluated(new Marker('sys_platform ~= "linux"'), linux), 'UNDEFINED_COMPARISON');
  assert.equal(evaluated(new Marker('sys_platform === "linux"'), linux), 'UNDEFINED_COMPARISON');
  assert.equal(evaluated(new Marker('python_version === "3.12"'), linux), true);
});

test('evaluates every comparison, so an undecidable one fails the marker even when the result is known', () => {
  assert.equal(evaluated(new Marker('os_name == "posix" or sys_platform ~= "linux"'), linux), 'UNDEFINED_COMPARISON');
});

test('fails on a variable the environment lacks with UNDEFINED_ENVIRONMENT_NAME', () => {
  const { sys_platform: _unused, ...partial } = linux;
  assert.equal(evaluated(new Marker('sys_platform == "linux"'), partial), 'UNDEFINED_ENVIRONMENT_NAME');
  assert.equal(evaluated(new Marker('"feat" in extras'), linux), 'UNDEFINED_ENVIRONMENT_NAME');
  assert.equal(evaluated(new Marker('"b" <= "a"'), linux), 'UNDEFINED_ENVIRONMENT_NAME');
});

test('reads the environment on one side only, as pypa/packaging does', () => {
  // The right-hand string names the variable when neither side is one.
  const env = { a: 'a' } as MarkerEvaluationEnvironment;
  assert.equal(new Marker('"b" > "a"').evaluate(env), false);
  assert.equal(new Marker('"a" <= "a"').evaluate(env), true);
  // A variable right of a variable compares as its name.
  assert.equal(new Marker('os_name == extra').evaluate({ os_name: 'extra' }), true);
});

test('defaults extra to the empty string, so only extra-free markers evaluate without an environment', () => {
  assert.equal(new Marker('extra == "socks"').evaluate(), false);
  assert.equal(new Marker('extra == "socks"').evaluate({ extra: 'Socks' }), true);
  assert.equal(evaluated(new Marker('os_name == "nt"'), {}), 'UNDEFINED_ENVIRONMENT_NAME');
});

test('normalizes extra names on both sides (PEP 685)', () => {
  const marker = new Marker("extra == 'Foo_Bar.baz'");
  assert.equal(marker.toString(), 'extra == "foo-bar-baz"');
  assert.equal(marker.evaluate({ extra: 'FOO-bar_baz' }), true);
  assert.equal(marker.evaluate({ extra: 'foo' }), false);
  assert.equal(new Marker('os_name == extra').toString(), 'os_name == extra');
  assert.equal(new Marker('"S_P__A_M" not in dependency_groups').toString(), '"s-p-a-m" not in dependency_groups');
});

test("lists the extras a marker mentions and the variables it reads", () => {
  const marker = new Marker('(extra == "Socks" or "Test_Extra" == extra) and python_version >= "3.9" or os.name == "nt"');
  assert.deepEqual(marker.extras(), ['socks', 'test-extra']);
  assert.deepEqual(marker.variables(), ['extra', 'os_name', 'python_version']);
  assert.deepEqual(new Marker('python_version >= "3"').extras(), []);
});

test('evaluates the set-valued lock-file variables extras and dependency_groups (PEP 751)', () => {
  const env = { ...linux, extras: ['Feat_One'], dependency_groups: new Set(['dev']) };
  assert.equal(new Marker('"feat-one" in extras').evaluate(env), true);
  assert.equal(new Marker("'feat2' not in extras and 'dev' in dependency_groups").evaluate(env), true);
  assert.equal(new Marker("'docs' in dependency_groups").evaluate(env), false);
  assert.equal(evaluated(new Marker('extras == "feat-one"'), env), 'UNDEFINED_COMPARISON');
  assert.equal(evaluated(new Marker('"feat-one" == extras'), env), 'UNDEFINED_COMPARISON');
});

test('evaluates one parsed marker against many environments', () => {
  const marker = new Marker('sys_platform == "win32" or platform_python_implementation == "PyPy"');
  assert.deepEqual(environments.map((env) => marker.evaluate(env)), [false, true, true]);
});

test('repairs a python_full_version with a trailing + into a local version', () => {
  const env = { ...linux, python_full_version: '3.13.0+' };
  assert.equal(new Marker('python_full_version >= "3.13"').evaluate(env), true);
  assert.equal(new Marker('python_full_version == "3.13.0"').evaluate(env), true);
});

test('reads the legacy dotted and python_implementation spellings', () => {
  assert.equal(new Marker("os.name == 'posix'").toString(), 'os_name == "posix"');
  assert.equal(new Marker("sys.platform == 'win32'").toString(), 'sys_platform == "win32"');
  assert.equal(new Marker("platform.python_implementation == 'CPython'").toString(), 'platform_python_implementation == "CPython"');
  assert.equal(new Marker("python_implementation == 'CPython'").evaluate(linux), true);
});

test('keeps the grouping the user wrote, dropping only redundant parentheses', () => {
  const cases: Array<[string, string]> = [
    ['(os_name == "a")', 'os_name == "a"'],
    ['os_name == "a" and (os_name == "b")', 'os_name == "a" and os_name == "b"'],
    ['os_name == "a" and ((os_name == "b" or os_name == "c"))', 'os_name == "a" and (os_name == "b" or os_name == "c")'],
    ['((os_name == "a" or os_name == "b")) and os_name == "c"', '(os_name == "a" or os_name == "b") and os_name == "c"'],
    ["os_name=='a'and(os_name=='b')", 'os_name == "a" and os_name == "b"'],
    ['os_name == \'say "hi"\'', 'os_name == \'say "hi"\''],
  ];
  for (const [input, expected] of cases) assert.equal(new Marker(input).toString(), expected, input);
});

test('combines markers with and/or, parenthesizing as needed', () => {
  const a = new Marker('os_name == "nt" or os_name == "posix"');
  const b = new Marker('python_version >= "3.9"');
  assert.equal(a.and(b).toString(), '(os_name == "nt" or os_name == "posix") and python_version >= "3.9"');
  assert.equal(a.or(b).toString(), '(os_name == "nt" or os_name == "posix") or python_version >= "3.9"');
  assert.equal(a.and(b).evaluate(windows), true);
});

test('rejects bad markers with INVALID_MARKER, quoting the input and pointing at the problem', () => {
  const bad: Array<[string, string]> = [
    ['os_name == ', 'Expected a marker variable or quoted string'],
    ['os_name = "a"', 'Expected marker operator'],
    ['os_name == "a" andos_name == "b"', 'Expected end of marker expression'],
    ['(os_name == "a"', "Expected matching ')'"],
    ['os_name == "C:\\"', 'Invalid quoted string'],
    ['os_name notin "a"', 'Expected marker operator'],
    ['platform.release == "1"', 'Expected a marker variable or quoted string'],
    ['os_name == "a"\n', 'Expected end of marker expression'],
    ['os_name == "a"\r\n', 'Expected end of marker expression'],
  ];
  for (const [input, reason] of bad) {
    assert.throws(
      () => new Marker(input),
      (err: unknown) =>
        err instanceof PyvouchError &&
        err.code === 'INVALID_MARKER' &&
        err.message.includes(reason) &&
        err.message.includes(input.trimEnd()) &&
        err.message.includes('^'),
      input,
    );
  }
});
