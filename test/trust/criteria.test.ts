import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CriteriaTable, criteriaKey } from '../../src/trust/criteria.js';
import type { CriteriaDefinition } from '../../src/trust/policy.js';

const table = new CriteriaTable(
  new Map<string, CriteriaDefinition>([
    ['safe-to-run', { name: 'safe-to-run', implies: [] }],
    ['safe-to-deploy', { name: 'safe-to-deploy', implies: ['safe-to-run'] }],
    ['crypto', { name: 'crypto', implies: ['safe-to-deploy'] }],
    ['a', { name: 'a', implies: ['b'] }],
    ['b', { name: 'b', implies: ['a'] }],
  ]),
);

const cases: [string[], string[], boolean][] = [
  [['safe-to-deploy'], ['safe-to-run'], true],
  [['safe-to-run'], ['safe-to-deploy'], false],
  [['crypto'], ['safe-to-run'], true],
  [['crypto'], ['safe-to-deploy', 'safe-to-run'], true],
  [['safe-to-run'], ['safe-to-run', 'crypto'], false],
  [['safe-to-run', 'crypto'], ['crypto'], true],
  [[], ['safe-to-run'], false],
  [['anything'], [], true],
  [['unknown'], ['unknown'], true],
  [['a'], ['b'], true],
  [['b'], ['a'], true],
];

for (const [met, needed, expected] of cases) {
  test(`${JSON.stringify(met)} ${expected ? 'meets' : 'does not meet'} ${JSON.stringify(needed)}`, () => {
    assert.equal(table.satisfies(met, needed), expected);
  });
}

test('closures include the criteria itself and end on cycles', () => {
  assert.deepEqual([...table.closure('crypto')].sort(), ['crypto', 'safe-to-deploy', 'safe-to-run']);
  assert.deepEqual([...table.closure('a')].sort(), ['a', 'b']);
});

test('criteria keys ignore order and repeats', () => {
  assert.equal(criteriaKey(['b', 'a', 'b']), criteriaKey(['a', 'b']));
});
