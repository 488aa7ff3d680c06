import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { editDistance, KNOWN_CONFUSABLES, TyposquatIndex, checkNames } from '../../src/scan/typosquat.js';

const index = TyposquatIndex.shipped();

// Names of real PyPI typosquat campaigns (and the classic shapes), with the project they target.
const SQUATS: [string, string, string][] = [
  ['reqeusts', 'requests', 'edit-distance'],
  ['requets', 'requests', 'edit-distance'],
  ['requestss', 'requests', 'repeated-characters'],
  ['djnago', 'django', 'edit-distance'],
  ['urlib3', 'urllib3', 'repeated-characters'],
  ['colourama', 'colorama', 'edit-distance'],
  ['co1orama', 'colorama', 'homoglyph'],
  ['crypt0graphy', 'cryptography', 'homoglyph'],
  ['reque5ts', 'requests', 'homoglyph'],
  ['setup-tools', 'setuptools', 'separator'],
  ['pythondateutil', 'python-dateutil', 'separator'],
  ['dateutil-python', 'python-dateutil', 'swapped-words'],
  ['python-requests', 'requests', 'affix'],
  ['yaml', 'pyyaml', 'affix'],
  ['boto4', 'boto3', 'edit-distance'],
  ['numpyy', 'numpy', 'repeated-characters'],
];

describe('typosquat assessor', () => {
  for (const [name, target, rule] of SQUATS) {
    it(`flags '${name}' as resembling '${target}' (${rule})`, () => {
      const f = index.check(name);
      assert.ok(f.some((x) => x.resembles === target && x.rule === rule), JSON.stringify(f));
    });
  }

  it('flags a name spelled with Cyrillic look-alikes as confusable Unicode, high', () => {
    const f = index.check('rеquеsts'); // е is U+0435
    assert.equal(f[0]?.rule, 'confusable-unicode');
    assert.equal(f[0]?.resembles, 'requests');
    assert.equal(f[0]?.severity, 'high');
  });

  it('flags a standard-library module name that is not a popular project', () => {
    assert.ok(index.check('json').some((x) => x.rule === 'stdlib-name'));
  });

  it('does not flag an unrelated, unpopular name', () => {
    for (const n of ['my-private-lib', 'acme-internal-tools', 'zzqx']) assert.deepEqual(index.check(n), [], n);
  });

  it('never flags a top name against another top name except the documented confusable pairs', (t) => {
    const findings = checkNames(index.names.map((n) => n.name), index);
    t.diagnostic(`top-${index.names.length}: ${findings.length} flagged, all documented pairs`);
    for (const f of findings) {
      assert.equal(f.rule, 'known-confusable', `${f.name} ${f.rule} ${f.resembles}`);
      assert.equal(KNOWN_CONFUSABLES[f.name], f.resembles);
      assert.equal(f.severity, 'low');
    }
    assert.equal(findings.length, Object.keys(KNOWN_CONFUSABLES).length);
  });

  it('finds every single-edit variant of a popular long name (property)', () => {
    const popular = index.names.slice(0, 300).map((n) => n.name).filter((n) => /^[a-z]{6,}$/.test(n));
    fc.assert(
      fc.property(fc.constantFrom(...popular), fc.nat(), fc.constantFrom('delete', 'insert', 'substitute', 'transpose'), fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), (name, at, op, ch) => {
        const i = at % name.length;
        let v = name;
        if (op === 'delete') v = name.slice(0, i) + name.slice(i + 1);
        else if (op === 'insert') v = name.slice(0, i) + ch + name.slice(i);
        else if (op === 'substitute') v = name.slice(0, i) + ch + name.slice(i + 1);
        else if (i + 1 < name.length) v = name.slice(0, i) + name[i + 1] + name[i] + name.slice(i + 2);
        if (v === name || index.rank(v) !== undefined || v.replace(/-/g, '').length < 5) return true;
        return index.check(v).length > 0;
      }),
      { numRuns: 400 },
    );
  });

  it('computes optimal string alignment distance with transpositions', () => {
    assert.equal(editDistance('requests', 'reqeusts'), 1);
    assert.equal(editDistance('requests', 'requests'), 0);
    assert.equal(editDistance('abc', 'xyz'), 3);
    assert.equal(editDistance('abc', 'xyz', 1), 2);
  });

  it('reads names from requirement lines, skipping comments and specifiers', () => {
    const f = checkNames(['# comment', '', 'reqeusts==2.0 ; python_version > "3"', 'flask']);
    assert.deepEqual(f.map((x) => x.name), ['reqeusts']);
  });
});
