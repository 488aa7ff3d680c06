import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyvouchError } from '../../src/errors.js';
import { Specifier, SpecifierSet } from '../../src/pep/specifier.js';
import { Version } from '../../src/pep/version.js';
import { packagingCorpus } from '../support/packaging.js';
import { codeOf } from '../support/errors.js';

const load = <T>(name: string): T[] => packagingCorpus<T[]>(name);

// The corpus columns: contains()/filter() with prereleases left unset, true, false.
const MODES = [
  ['default', undefined],
  ['pre_true', true],
  ['pre_false', false],
] as const;

test('specifiers.json: parses and normalises valid sets, rejects the rest with INVALID_SPECIFIER', () => {
  const cases = load<{ input: string; valid: boolean; normalized?: string }>('specifiers.json');
  const failures: string[] = [];
  for (const c of cases) {
    const where = JSON.stringify(c.input);
    if (!c.valid) {
      const code = codeOf(() => new SpecifierSet(c.input));
      if (code !== 'INVALID_SPECIFIER') failures.push(`${where}: expected INVALID_SPECIFIER, got ${code}`);
      continue;
    }
    try {
      const set = new SpecifierSet(c.input);
      if (set.toString() !== c.normalized) failures.push(`${where}: expected ${c.normalized}, got ${set.toString()}`);
      if (new SpecifierSet(set.toString()).toString() !== set.toString()) failures.push(`${where}: does not round-trip`);
    } catch (err) {
      failures.push(`${where}: rejected a valid set (${String(err)})`);
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(cases.length > 500);
});

test('specifier-contains.json: contains() agrees with packaging for every prereleases mode', () => {
  type Case = { spec: string; version: string; default: boolean; pre_true: boolean; pre_false: boolean };
  const cases = load<Case>('specifier-contains.json');
  const failures: string[] = [];
  for (const c of cases) {
    const set = new SpecifierSet(c.spec);
    for (const [column, prereleases] of MODES) {
      const got = set.contains(c.version, { prereleases });
      if (got !== c[column]) failures.push(`'${c.spec}'.contains('${c.version}', ${column}): expected ${c[column]}, got ${got}`);
      // A parsed Version must answer the same (=== compares text as written, so skip those).
      if (!c.spec.includes('===')) {
        const parsed = set.contains(new Version(c.version), { prereleases });
        if (parsed !== c[column]) failures.push(`'${c.spec}'.contains(Version('${c.version}'), ${column}): expected ${c[column]}`);
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(cases.length > 8000);
});

test('specifier-filter.json: filter() keeps packaging\'s selection and order', () => {
  type Case = { spec: string; versions: string[]; default: string[]; pre_true: string[]; pre_false: string[] };
  const cases = load<Case>('specifier-filter.json');
  const failures: string[] = [];
  for (const c of cases) {
    const set = new SpecifierSet(c.spec);
    for (const [column, prereleases] of MODES) {
      const got = set.filter(c.versions, { prereleases });
      if (JSON.stringify(got) !== JSON.stringify(c[column])) {
        failures.push(`'${c.spec}'.filter(${JSON.stringify(c.versions)}, ${column}): expected ${JSON.stringify(c[column])}, got ${JSON.stringify(got)}`);
      }
    }
  }
  assert.deepEqual(failures, []);
  assert.ok(cases.length > 100);
});

test('rejects bad specifiers with INVALID_SPECIFIER, quoting the bad part', () => {
  for (const bad of ['1.0', '=>1.0', '~=1', '~=1.0.*', '<1.0.*', '>=1.0+local', '==1.0.*.5', '==1.0a1.*', '===a b', '===a;', '== 1.0 b', '>=1.0,foo']) {
    assert.equal(codeOf(() => new SpecifierSet(bad)), 'INVALID_SPECIFIER', bad);
  }
  assert.equal(codeOf(() => new Specifier('')), 'INVALID_SPECIFIER');
  assert.throws(() => new SpecifierSet('>=1.0, lolwat'), (err: unknown) => err instanceof PyvouchError && err.message === "Invalid specifier: 'lolwat'" && err.help !== undefined);
});

test('a single specifier keeps its version as written and normalises for equality', () => {
  const spec = new Specifier('  >=  V1.0A1 ');
  assert.equal(spec.operator, '>=');
  assert.equal(spec.version, 'V1.0A1');
  assert.equal(spec.toString(), '>=V1.0A1');
  assert.ok(new Specifier('==1.2.3').equals('== 1.2.3.0'));
  assert.ok(!new Specifier('~=1.2').equals('~=1.2.0'));
  assert.ok(!new Specifier('==1.2.3').equals('~=1.2.3'));
});

test('pre-releases: inferred from the spec, overridden by the option, a lone match is accepted', () => {
  assert.equal(new Specifier('>=1.0a1').prereleases, true);
  assert.equal(new Specifier('>=1.0').prereleases, false);
  assert.equal(new Specifier('!=1.0a1').prereleases, false);
  assert.equal(new Specifier('==1.*').prereleases, false);
  assert.equal(new Specifier('===foo').prereleases, undefined);
  assert.equal(new Specifier('>=1.0', { prereleases: true }).prereleases, true);

  assert.deepEqual(new Specifier('>=1.2.3').filter(['1.2', '1.3', '1.5a1']), ['1.3']);
  assert.deepEqual(new Specifier('>=1.2.3').filter(['1.2', '1.5a1']), ['1.5a1']);
  assert.deepEqual(new Specifier('>=1.2.3', { prereleases: true }).filter(['1.3', '1.5a1']), ['1.3', '1.5a1']);
  assert.equal(new Specifier('>=1.2.3').contains('1.3.0a1'), true);
  assert.equal(new Specifier('>=1.2.3', { prereleases: false }).contains('1.3.0a1'), false);
  assert.equal(new Specifier('>=1.2.3', { prereleases: false }).contains('1.3.0a1', { prereleases: true }), true);

  assert.equal(new SpecifierSet('>=1.0a1').prereleases, true);
  assert.equal(new SpecifierSet('!=1.0a1').prereleases, undefined);
  assert.equal(new SpecifierSet('').prereleases, undefined);
  assert.deepEqual(new SpecifierSet('').filter(['1.3', '1.5a1']), ['1.3']);
  assert.deepEqual(new SpecifierSet('').filter(['1.5a1']), ['1.5a1']);
  assert.deepEqual(new SpecifierSet('', { prereleases: true }).filter(['1.3', '1.5a1']), ['1.3', '1.5a1']);
  assert.equal(new SpecifierSet('>=1.0.0,!=1.0.1', { prereleases: false }).contains('1.3.0a1'), false);
});

test('operators follow PEP 440: <V skips V\'s pre-releases, >V skips its post and local releases', () => {
  const set = (s: string) => new SpecifierSet(s);
  assert.equal(set('<2.0').contains('2.0rc1'), false);
  assert.equal(set('<2.0').contains('1.9'), true);
  assert.equal(set('<2.0rc2').contains('2.0rc1'), true);
  assert.equal(set('>1.0').contains('1.0.post1'), false);
  assert.equal(set('>1.0').contains('1.0+local'), false);
  assert.equal(set('>1.0').contains('1.0.1'), true);
  assert.equal(set('>1.0.post1').contains('1.0.post2'), true);
  assert.equal(set('>1.0a1').contains('1.0a1.post1'), false);
  assert.equal(set('<=1.0').contains('1.0+local'), true);
  assert.equal(set('==1.0').contains('1.0+anything'), true);
  assert.equal(set('==1.0+a').contains('1.0+b'), false);
  assert.equal(set('==1.0.*').contains('1.0.5rc1'), true);
  assert.equal(set('==1.0.*').contains('1.1'), false);
  assert.equal(set('!=1.0.*').contains('1.0.post3'), false);
  assert.equal(set('~=1.4.5').contains('1.4.9'), true);
  assert.equal(set('~=1.4.5').contains('1.5'), false);
  assert.equal(set('~=2.2.post3').contains('2.9'), true);
  assert.equal(set('===1.0').contains('1.0.0'), false);
});

test('invalid versions never match, except the empty set and an exact === string', () => {
  assert.equal(new SpecifierSet('>=1.0').contains('not a version'), false);
  assert.equal(new Specifier('>=1.0').contains('not a version'), false);
  assert.equal(new SpecifierSet('').contains('not a version'), true);
  assert.equal(new SpecifierSet('===FooBar').contains('foobar', { prereleases: false }), true);
  assert.deepEqual(new SpecifierSet('>=1.0').filter(['1.0', '2.0a1', 'junk']), ['1.0']);
  assert.deepEqual(new SpecifierSet('===junk').filter(['junk', '1.0']), ['junk']);
});

test('=== compares the text as written; a Version is compared in its normal form', () => {
  assert.equal(new SpecifierSet('===01.0').contains('01.0'), true);
  assert.equal(new SpecifierSet('===01.0').contains(new Version('01.0')), false);
  assert.equal(new SpecifierSet('===1.0').contains(new Version('1.0')), true);
});

test('sets de-duplicate and sort, iterate, intersect and compare', () => {
  const set = new SpecifierSet('==1.0.0, ==1.0 ,>=0.5');
  assert.equal(set.toString(), '==1.0,>=0.5');
  assert.equal(set.length, 2);
  assert.deepEqual([...set].map(String), ['==1.0', '>=0.5']);
  const both = new SpecifierSet('>=1.0.0,!=1.0.1').and('<=2.0.0,!=2.0.1');
  assert.equal(both.toString(), '!=1.0.1,!=2.0.1,<=2.0.0,>=1.0.0');
  assert.ok(both.equals('>=1.0,!=1.0.1,<=2,!=2.0.1'));
  assert.equal(new SpecifierSet('>=1', { prereleases: true }).and('<2').prereleases, true);
  assert.equal(codeOf(() => new SpecifierSet('>=1', { prereleases: true }).and(new SpecifierSet('<2', { prereleases: false }))), 'INVALID_SPECIFIER');
  assert.equal(new SpecifierSet(',').length, 0);
  assert.equal(new SpecifierSet([new Specifier('<2'), new Specifier('>=1')]).toString(), '<2,>=1');
});
