// The short fuzz run of `npm test` (issue 19): every parser, a mutation fuzzer seeded from the
// corpora and fixtures, a couple of seconds each. `npm run fuzz` runs the same for longer.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fuzz, growthOf } from './harness.js';
import { targets } from './targets.js';

const BUDGET_MS = Number(process.env['PYVOUCH_FUZZ_MS'] ?? 1500);
// Sizes at which each grow() shape takes a few milliseconds, so the ratio measures the parser
// (core metadata at 2,000 lines: below that its parse fits the young generation and the 10x run
// measures the garbage collector's first promotions, 64-134x, while 2,000 -> 20,000 is ~17x).
const GROW_N: Record<string, number> = { 'core metadata': 2000, 'zip (wheel)': 100, 'tar (sdist)': 100, 'dsse envelope': 20, marker: 1000, specifier: 1000, 'simple html': 1000 };
// Quadratic code gives ~100 at 10x; linear code ~10, more under GC and the load of a shared machine.
const LINEAR_RATIO = 60;

for (const target of targets) {
  test(`fuzzing ${target.name}: only PyvouchError is thrown, the heap stays bounded`, async () => {
    const result = await fuzz(target, { budgetMs: BUDGET_MS, seed: 0x5eed + target.name.length });
    assert.ok(result.inputs > 0, `${result.inputs} inputs tried`);
    assert.deepEqual(result.failures, [], `non-PyvouchError thrown for ${result.failures.length} inputs`);
    assert.ok(result.heapGrowthMb < 512, `heap grew by ${result.heapGrowthMb.toFixed(0)} MB`);
  });

  test(`${target.name} takes time linear in its input (10x input, ratio < ${LINEAR_RATIO})`, async () => {
    const g = await growthOf(target, GROW_N[target.name] ?? 300);
    assert.ok(g.ratio < LINEAR_RATIO, `10x input took ${g.ratio.toFixed(1)}x as long (${g.small.toFixed(1)} -> ${g.large.toFixed(1)} ms)`);
  });
}
