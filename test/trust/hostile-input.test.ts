// Hostile policies (issue 19, item 3): problems are located through one index of the text and
// capped, so a policy of many bad tables or one absurd dotted key is refused in linear time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyvouchError } from '../../src/errors.js';
import { MAX_PROBLEMS } from '../../src/text/line-index.js';
import { parsePolicyToml } from '../../src/trust/parse.js';
import { growth, LINEAR_RATIO } from '../support/scaling.js';
import { refusal } from '../support/errors.js';

const badParties = (n: number): string => {
  let s = '[policy]\nthreshold = 1\n\n';
  for (let i = 0; i < n; i++) s += `[[party]]\nname = "p${i}"\nweight = "heavy"\nbogus = ${i}\n\n`;
  return s;
};

test('a policy with 800 bad [[party]] tables is refused in linear time, the first 100 problems listed', () => {
  const g = growth(badParties, (text) => parsePolicyToml(text, { file: 'pyvouch.toml' }), 80);
  assert.ok(g.ratio < LINEAR_RATIO, `10x the tables took ${g.ratio.toFixed(1)}x as long (${g.small.toFixed(1)} -> ${g.large.toFixed(1)} ms)`);
  const err = refusal(() => parsePolicyToml(badParties(800), { file: 'pyvouch.toml' }), 'POLICY_INVALID');
  assert.equal(err.problems.length, MAX_PROBLEMS);
  assert.match(err.message, /\d+ problems, the first 100 listed/);
  assert.ok(err.line !== undefined && err.line >= 5 && err.line <= 8, 'located in the first party table');
});

test('a policy key of 8,000 dotted segments is refused in linear time', () => {
  const dotted = (n: number): string => `[policy]\nthreshold = 1\n${Array.from({ length: n }, (_, i) => `k${i}`).join('.')} = 1\n`;
  const g = growth(dotted, (text) => parsePolicyToml(text, { file: 'pyvouch.toml' }), 800);
  assert.ok(g.ratio < LINEAR_RATIO, `10x the segments took ${g.ratio.toFixed(1)}x as long (${g.small.toFixed(1)} -> ${g.large.toFixed(1)} ms)`);
  assert.throws(
    () => parsePolicyToml(dotted(8000), { file: 'pyvouch.toml' }),
    (err: unknown) => err instanceof PyvouchError && err.code === 'POLICY_INVALID' && err.line === 3,
  );
});
