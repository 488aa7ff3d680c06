// `npm run fuzz [-- SECONDS_PER_TARGET [TARGET...]]`: the long fuzz run. Prints, per parser, the
// inputs tried, any non-PyvouchError, the slowest input's time at 1x and 10x (repeated ten times),
// and the growth ratio of its grow() shape at 10x; exits 1 on any failure.
import { fuzz, growthOf } from './harness.js';
import { targets } from './targets.js';

const seconds = Number(process.argv[2] ?? 30);
const only = process.argv.slice(3);
let failed = false;
console.log('target\tinputs\tfailures\tslowest 1x ms\tslowest 10x ms\tgrow 10x ratio\theap growth MB');
for (const target of targets.filter((t) => only.length === 0 || only.includes(t.name))) {
  const r = await fuzz(target, { budgetMs: seconds * 1000, seed: Date.now() & 0xffffffff });
  const g = await growthOf(target, ['zip (wheel)', 'tar (sdist)'].includes(target.name) ? 100 : target.name === 'dsse envelope' ? 20 : 1000);
  console.log([target.name, r.inputs, r.failures.length, r.slowest.ms.toFixed(1), r.slowest10x.toFixed(1), g.ratio.toFixed(1), r.heapGrowthMb.toFixed(0)].join('\t'));
  for (const f of r.failures) console.log(`  FAIL ${f.error}\n    input: ${JSON.stringify(f.input.slice(0, 300))}`);
  if (r.failures.length > 0) failed = true;
}
process.exit(failed ? 1 : 0);
