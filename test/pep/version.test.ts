import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyvouchError } from '../../src/errors.js';
import { Version } from '../../src/pep/version.js';
import { packagingCorpus } from '../support/packaging.js';
import { codeOf } from '../support/errors.js';

const load = <T>(name: string): T[] => packagingCorpus<T[]>(name);

interface VersionCase {
  input: string;
  valid: boolean;
  normalized?: string;
  epoch?: number;
  release?: number[];
  pre?: [string, number] | null;
  post?: number | null;
  dev?: number | null;
  local?: string | null;
  public?: string;
  base_version?: string;
  is_prerelease?: boolean;
  is_postrelease?: boolean;
  is_devrelease?: boolean;
}

test('versions.json: parses, normalises and describes every version as packaging does', () => {
  const cases = load<VersionCase>('versions.json');
  const failures: string[] = [];
  for (const c of cases) {
    const where = JSON.stringify(c.input);
    if (!c.valid) {
      const code = codeOf(() => new Version(c.input));
      if (code !== 'INVALID_VERSION') failures.push(`${where}: expected INVALID_VERSION, got ${code}`);
      if (Version.tryParse(c.input) !== null) failures.push(`${where}: tryParse accepted an invalid version`);
      continue;
    }
    const v = Version.tryParse(c.input);
    if (v === null) {
      failures.push(`${where}: rejected a valid version`);
      continue;
    }
    const got = {
      normalized: v.toString(),
      epoch: v.epoch,
      release: [...v.release],
      pre: v.pre === null ? null : [...v.pre],
      post: v.post,
      dev: v.dev,
      local: v.local,
      public: v.public,
      base_version: v.baseVersion,
      is_prerelease: v.isPrerelease,
      is_postrelease: v.isPostrelease,
      is_devrelease: v.isDevrelease,
    };
    for (const [field, value] of Object.entries(got)) {
      const want = c[field as keyof VersionCase];
      if (JSON.stringify(value) !== JSON.stringify(want)) {
        failures.push(`${where}.${field}: expected ${JSON.stringify(want)}, got ${JSON.stringify(value)}`);
      }
    }
    if (new Version(v.toString()).toString() !== v.toString()) failures.push(`${where}: normal form does not round-trip`);
  }
  assert.deepEqual(failures, []);
  assert.ok(cases.length > 300);
});

test('version-pairs.json: compares every pair as packaging does, in both directions', () => {
  const cases = load<{ a: string; b: string; cmp: -1 | 0 | 1 }>('version-pairs.json');
  const failures: string[] = [];
  for (const { a, b, cmp } of cases) {
    const forward = Version.compare(a, b);
    const backward = Version.compare(b, a);
    if (forward !== cmp) failures.push(`compare(${a}, ${b}): expected ${cmp}, got ${forward}`);
    if (backward !== -cmp) failures.push(`compare(${b}, ${a}): expected ${-cmp}, got ${backward}`);
    if (new Version(a).equals(b) !== (cmp === 0)) failures.push(`${a}.equals(${b}) disagrees with compare`);
  }
  assert.deepEqual(failures, []);
  assert.ok(cases.length > 2000);
});

test('version-ordering.json: sorting any permutation gives packaging order', () => {
  const ordered = load<string>('version-ordering.json');
  const failures: string[] = [];
  for (let i = 1; i < ordered.length; i++) {
    const [prev, next] = [ordered[i - 1]!, ordered[i]!];
    if (Version.compare(prev, next) !== -1) failures.push(`${prev} should sort before ${next}`);
  }
  // A fixed permutation: reversed, then even positions before odd ones.
  const shuffled = [...ordered].reverse();
  const mixed = shuffled.filter((_, i) => i % 2 === 0).concat(shuffled.filter((_, i) => i % 2 === 1));
  const sorted = mixed.map((s) => new Version(s)).sort(Version.compare).map((v) => v.toString());
  assert.deepEqual(failures, []);
  assert.deepEqual(sorted, ordered.map((s) => new Version(s).toString()));
});

test('rejects bad input with INVALID_VERSION, quoting it', () => {
  for (const bad of ['', '   ', '1.0-', '1.0+', '1.0+abc.', '1..0', 'v', '1.0a1b1', '1.0.post1.post2', '١.٠', '1.0\ufeff']) {
    assert.equal(codeOf(() => new Version(bad)), 'INVALID_VERSION', JSON.stringify(bad));
    assert.equal(Version.tryParse(bad), null, JSON.stringify(bad));
  }
  assert.throws(() => Version.parse('lolwat'), (err: unknown) => err instanceof PyvouchError && err.message === "Invalid version: 'lolwat'");
  // Not a string at all (a JS caller without types).
  assert.equal(Version.tryParse(42 as unknown as string), null);
  assert.equal(codeOf(() => new Version(undefined as unknown as string)), 'INVALID_VERSION');
});

test('accepts the spellings PEP 440 normalises, Python whitespace included', () => {
  const cases: Array<[string, string]> = [
    ['  v1.0\n', '1.0'],
    ['\u00a01.0\u3000', '1.0'],
    ['\u001c1.0\u0085', '1.0'],
    ['1.0-1', '1.0.post1'],
    ['1.0_r_2', '1.0.post2'],
    ['1.0REV', '1.0.post0'],
    ['1.0-PREVIEW.3', '1.0rc3'],
    ['1.0c', '1.0rc0'],
    ['1.0.alpha-', '1.0a0'],
    ['1.0.post-', '1.0.post0'],
    ['1.0-dev', '1.0.dev0'],
    ['01!02.003a04.post05.dev06+Ubuntu-007_x', '1!2.3a4.post5.dev6+ubuntu.7.x'],
  ];
  for (const [input, normal] of cases) assert.equal(new Version(input).toString(), normal, JSON.stringify(input));
});

test('keeps integers beyond 2^53 exact in printing and ordering', () => {
  const big = new Version('1.9007199254740993');
  const bigger = new Version('1.9007199254740994');
  assert.equal(big.toString(), '1.9007199254740993');
  assert.equal(Version.compare(big, bigger), -1);
  assert.equal(Version.compare('1.9007199254740993', '1.9007199254740992'), 1);
  assert.equal(Version.compare('1.000000000000000000000000001', '1.1'), 0);
  const huge = '123456789012345678901234567890';
  const v = new Version(`${huge}!${huge}.0rc${huge}.post${huge}.dev${huge}+${huge}`);
  assert.equal(v.toString(), `${huge}!${huge}.0rc${huge}.post${huge}.dev${huge}+${huge}`);
  assert.equal(v.baseVersion, `${huge}!${huge}.0`);
  assert.equal(Version.compare(v, `${huge}!${huge}rc${huge}.post${huge}.dev${huge}+${huge}`), 0);
  assert.equal(Version.compare(v, `${huge}!${huge}rc${huge}.post${huge}.dev${huge}+${huge}1`), -1);
  // Numbers Python itself cannot convert (over 4,300 digits) are refused rather than misread.
  assert.equal(Version.tryParse('1.' + '9'.repeat(5000)), null);
});

test('orders local labels: text before numbers, numbers numerically, shorter first', () => {
  const ordered = ['1.0', '1.0+abc', '1.0+abc.2', '1.0+abc.10', '1.0+2', '1.0+10', '1.0+10.a', '1.0.post0'];
  for (let i = 1; i < ordered.length; i++) assert.equal(Version.compare(ordered[i - 1]!, ordered[i]!), -1, `${ordered[i - 1]} < ${ordered[i]}`);
  assert.equal(Version.compare('1.0+ABC-01', '1.0+abc.1'), 0);
});

test('sortKey orders like compare and works as a map key for equal versions', () => {
  const seen = new Map<string, string>();
  for (const s of ['1.0', '1.0.0', '1', '1.0.0+x', 'v1.0']) seen.set(new Version(s).sortKey, s);
  assert.equal(seen.size, 2);
  assert.ok(new Version('1.0.dev0').sortKey < new Version('1.0a0').sortKey);
});

test('major, minor and micro default to zero', () => {
  const v = new Version('3');
  assert.deepEqual([v.major, v.minor, v.micro], [3, 0, 0]);
  assert.deepEqual([new Version('1.2.3.4').major, new Version('1.2.3.4').minor, new Version('1.2.3.4').micro], [1, 2, 3]);
  assert.equal(JSON.stringify({ v: new Version('1.0A1') }), '{"v":"1.0a1"}');
});
