// Drives one fuzz target for a time budget: only PyvouchError may come out, and the heap must stay
// bounded. Records the slowest input, and measures time growth at two sizes (a ratio, never an
// absolute time) both for the target's own `grow` shape and for the slowest input repeated 10x.
import { isPyvouchError } from '../../src/errors.js';
import { mutate, Rng } from './mutate.js';
import type { FuzzTarget } from './targets.js';

export interface FuzzFailure {
  input: string;
  error: string;
}

export interface FuzzResult {
  target: string;
  inputs: number;
  failures: FuzzFailure[];
  slowest: { input: string; ms: number };
  /** Time of the slowest input repeated ten times (joined by newlines), for the 1x/10x figure. */
  slowest10x: number;
  /** Largest heap growth seen during the run, in MB. */
  heapGrowthMb: number;
}

async function runOnce(target: FuzzTarget, input: string): Promise<{ ms: number; error?: string }> {
  const t0 = performance.now();
  try {
    await target.run(input);
  } catch (err) {
    if (!isPyvouchError(err)) {
      return { ms: performance.now() - t0, error: err instanceof Error ? `${err.name}: ${err.message}`.slice(0, 300) : String(err) };
    }
  }
  return { ms: performance.now() - t0 };
}

export async function fuzz(target: FuzzTarget, options: { budgetMs: number; seed: number; maxInputs?: number }): Promise<FuzzResult> {
  const rng = new Rng(options.seed);
  const failures: FuzzFailure[] = [];
  let slowest = { input: '', ms: -1 };
  const heapStart = process.memoryUsage().heapUsed;
  let heapGrowth = 0;
  const deadline = performance.now() + options.budgetMs;
  let inputs = 0;
  let current = rng.pick(target.seeds);
  while (performance.now() < deadline && inputs < (options.maxInputs ?? Infinity)) {
    // Mostly fresh mutations of a seed; sometimes keep mutating the last input (deeper changes).
    const base = rng.below(4) === 0 ? current : rng.pick(target.seeds);
    const input = inputs < target.seeds.length ? target.seeds[inputs]! : mutate(rng, base, target.seeds, target.maxLength);
    current = input;
    const { ms, error } = await runOnce(target, input);
    inputs++;
    if (error !== undefined && failures.length < 20) failures.push({ input: input.slice(0, 2000), error });
    if (ms > slowest.ms) slowest = { input, ms };
    if ((inputs & 63) === 0) heapGrowth = Math.max(heapGrowth, process.memoryUsage().heapUsed - heapStart);
  }
  const big = Array.from({ length: 10 }, () => slowest.input).join('\n');
  const tenfold = (await runOnce(target, big)).ms;
  return { target: target.name, inputs, failures, slowest, slowest10x: tenfold, heapGrowthMb: heapGrowth / 2 ** 20 };
}

/** Best-of-`runs` times of `grow(n)` and `grow(10n)`, and their ratio. */
export async function growthOf(target: FuzzTarget, n: number, runs = 3): Promise<{ small: number; large: number; ratio: number }> {
  const small = target.grow(n);
  const large = target.grow(10 * n);
  await runOnce(target, small);
  await runOnce(target, large);
  let s = Infinity;
  let l = Infinity;
  for (let i = 0; i < runs; i++) {
    s = Math.min(s, (await runOnce(target, small)).ms);
    l = Math.min(l, (await runOnce(target, large)).ms);
  }
  s = Math.max(s, 0.5);
  return { small: s, large: l, ratio: l / s };
}
