import { test } from 'node:test';
import assert from 'node:assert/strict';
import { poetryConstraintAllows, poetryConstraintToPep440 } from '../../src/lock/poetry-constraint.js';
import { thrown } from './helpers.js';

// Poetry's documented meaning of each form ("Dependency specification" in Poetry's docs),
// written as the PEP 440 specifier set it stands for (normalised: clauses sorted).
const CASES: Array<[string, string[]]> = [
  ['*', ['']],
  ['', ['']],
  ['^1.2.3', ['<2.0.0,>=1.2.3']],
  ['^1.2', ['<2.0,>=1.2']],
  ['^1', ['<2,>=1']],
  ['^0.2.3', ['<0.3.0,>=0.2.3']],
  ['^0.0.3', ['<0.0.4,>=0.0.3']],
  ['^0.0', ['<0.1,>=0.0']],
  ['^0', ['<1,>=0']],
  ['^1.0.0a1', ['<2.0.0,>=1.0.0a1']],
  ['~1.2.3', ['<1.3.0,>=1.2.3']],
  ['~1.2', ['<1.3,>=1.2']],
  ['~1', ['<2,>=1']],
  ['~=1.2', ['~=1.2']],
  ['1.2.3', ['==1.2.3']],
  ['=1.2.3', ['==1.2.3']],
  ['==1.2.3', ['==1.2.3']],
  ['1.2.*', ['==1.2.*']],
  ['1.x', ['==1.*']],
  ['>=1.0,<2.0', ['<2.0,>=1.0']],
  ['>=1.0 <2.0', ['<2.0,>=1.0']],
  ['>= 1.0, < 2.0', ['<2.0,>=1.0']],
  ['>=2.7, !=3.0.*, !=3.1.*', ['!=3.0.*,!=3.1.*,>=2.7']],
  ['^1.2 || ^2.0', ['<2.0,>=1.2', '<3.0,>=2.0']],
  ['>=3.8,<3.10 | >=3.11', ['<3.10,>=3.8', '>=3.11']],
  ['^1.0 || *', ['']],
];

test('converts Poetry constraints to PEP 440 specifier sets', () => {
  for (const [poetry, pep440] of CASES) {
    assert.deepEqual(poetryConstraintToPep440(poetry), pep440, poetry);
  }
});

test('checks a version against a Poetry constraint, any alternative allowing it', () => {
  const cases: Array<[string, string, boolean]> = [
    ['^3.8', '3.12.0', true],
    ['^3.8', '4.0.0', false],
    ['~3.10', '3.10.9', true],
    ['~3.10', '3.11.0', false],
    ['>=3.10,<4.0', '3.9.18', false],
    ['^2.7 || ^3.6', '3.11.2', true],
    ['*', '0.0.1', true],
    ['!=3.0.*,!=3.1.*,!=3.2.*,!=3.3.*,!=3.4.*,!=3.5.*,!=3.6.*,>=2.7', '3.6.15', false],
  ];
  for (const [constraint, version, expected] of cases) {
    assert.equal(poetryConstraintAllows(constraint, version), expected, `${constraint} ${version}`);
  }
});

test('rejects constraints that are not Poetry syntax', () => {
  for (const bad of ['^^2.5', '>=', '^abc', '>=1.0,,<']) {
    const err = thrown(() => poetryConstraintToPep440(bad));
    assert.equal(err.code, 'INVALID_SPECIFIER', bad);
    assert.match(err.message, /Invalid Poetry constraint/);
  }
});
