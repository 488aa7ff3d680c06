import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { SpecifierSet } from '../../src/pep/specifier.js';
import { Version } from '../../src/pep/version.js';
import { VersionRange } from '../../src/resolve/ranges.js';

const CORPUS = new URL('../corpora/packaging/specifier-contains.json', import.meta.url);

interface ContainsCase {
  spec: string;
  version: string;
  pre_true: boolean | null;
}

describe('VersionRange from specifiers', () => {
  test("matches pypa/packaging's contains(prereleases=True) on every corpus case", () => {
    const cases = JSON.parse(readFileSync(CORPUS, 'utf8')) as ContainsCase[];
    let checked = 0;
    const wrong: string[] = [];
    for (const c of cases) {
      const version = Version.tryParse(c.version);
      if (version === null || typeof c.pre_true !== 'boolean') continue;
      let spec: SpecifierSet;
      try {
        spec = new SpecifierSet(c.spec);
      } catch {
        continue;
      }
      checked++;
      if (VersionRange.fromSpecifierSet(spec).contains(version) !== c.pre_true) wrong.push(`${c.spec} ∋ ${c.version}`);
    }
    assert.ok(checked > 5000, `only ${checked} cases checked`);
    assert.deepEqual(wrong, []);
  });

  const display: [string, string][] = [
    ['', '*'],
    ['>=1.0', '>=1.0'],
    ['>=1.0,<2', '>=1.0,<2'],
    ['==1.4.2', '==1.4.2'],
    ['!=1.3', '!=1.3'],
    ['==1.2.*', '==1.2.*'],
    ['!=1.2.*', '!=1.2.*'],
    ['<=2.0', '<=2.0'],
    ['>2.0', '>2.0'],
    ['~=1.4.5', '>=1.4.5,<1.5'],
    ['>=2,<1', '∅'],
  ];
  for (const [spec, shown] of display) {
    test(`prints '${spec}' as '${shown}'`, () => {
      assert.equal(VersionRange.fromSpecifierSet(new SpecifierSet(spec)).toString(), shown);
    });
  }
});

describe('VersionRange algebra', () => {
  const versions = [
    '0.9', '1.0.dev1', '1.0a1', '1.0', '1.0+local', '1.0.post1', '1.1', '1.2rc1', '1.2', '1.2.1', '1.3', '2.0.dev0', '2.0b2', '2.0', '2.0.1', '3.0', '1!0.5',
  ].map((v) => new Version(v));
  const specs = ['', '>=1.0', '<2', '==1.2.*', '!=1.0', '>1.0', '<=1.2', '~=1.1', '==1.0', '!=2.0.*', '>=2.0b1,<3', '==1.0+local', '>=1.1,<1.2'];
  const ranges = specs.map((s) => VersionRange.fromSpecifierSet(new SpecifierSet(s)));

  test('intersection, union, complement and difference agree with membership', () => {
    for (const a of ranges) {
      for (const b of ranges) {
        const and = a.intersect(b);
        const or = a.union(b);
        const minus = a.minus(b);
        for (const v of versions) {
          assert.equal(and.contains(v), a.contains(v) && b.contains(v));
          assert.equal(or.contains(v), a.contains(v) || b.contains(v));
          assert.equal(minus.contains(v), a.contains(v) && !b.contains(v));
        }
        assert.equal(a.isSubsetOf(b), a.minus(b).isEmpty());
        assert.equal(a.isDisjointFrom(b), and.isEmpty());
      }
      for (const v of versions) assert.equal(a.complement().contains(v), !a.contains(v));
      assert.ok(a.complement().complement().equals(a));
    }
  });

  test('full and empty behave as identities', () => {
    for (const a of ranges) {
      assert.ok(a.intersect(VersionRange.FULL).equals(a));
      assert.ok(a.union(VersionRange.EMPTY).equals(a));
      assert.ok(a.intersect(VersionRange.EMPTY).isEmpty());
      assert.ok(a.union(VersionRange.FULL).isFull());
    }
  });

  test('exactly(v) holds v alone; equalTo(v) adds its local versions', () => {
    const v = new Version('1.0');
    assert.ok(VersionRange.exactly(v).contains(v));
    assert.ok(!VersionRange.exactly(v).contains(new Version('1.0+local')));
    assert.ok(VersionRange.equalTo(v).contains(new Version('1.0+local')));
    assert.ok(!VersionRange.equalTo(v).contains(new Version('1.0.post1')));
    assert.equal(VersionRange.exactly(v).toString(), '==1.0');
  });
});
