// Measures how a function's CPU time grows with its input: the best of a few runs at size n and at
// 10n, as a ratio. Linear code gives about 10, quadratic about 100. Tests assert the ratio, never a
// wall-clock time, so a loaded machine slows both sizes alike and the verdict stands.
import { isPyvouchError } from '../../src/errors.js';

export interface Growth {
  small: number;
  large: number;
  /** large / small. */
  ratio: number;
}

/** Runs `fn(input)`; an exception is fine when it is a PyvouchError (the input may be refused). */
function timeOnce(fn: (input: string) => unknown, input: string): number {
  // CPU time, not wall-clock: on a loaded machine (CI under coverage, other jobs) the process is
  // descheduled for stretches that have nothing to do with the input's size.
  const t0 = process.cpuUsage();
  try {
    fn(input);
  } catch (err) {
    if (!isPyvouchError(err)) throw err;
  }
  const d = process.cpuUsage(t0);
  return (d.user + d.system) / 1000;
}

function measure(smallInput: string, largeInput: string, fn: (input: string) => unknown, runs: number): Growth {
  // Warm up the JIT and caches on both sizes, so neither measurement pays for compilation.
  timeOnce(fn, smallInput);
  timeOnce(fn, largeInput);
  let small = Infinity;
  let large = Infinity;
  for (let i = 0; i < runs; i++) {
    small = Math.min(small, timeOnce(fn, smallInput));
    large = Math.min(large, timeOnce(fn, largeInput));
  }
  // Sub-millisecond timings are noise: floor the small run so the ratio stays meaningful.
  small = Math.max(small, 0.5);
  return { small, large, ratio: large / small };
}

/**
 * The growth from n to 10n. A loaded machine (CI under coverage, a garbage collection in one of
 * the large runs) can inflate one measurement, never deflate it: so up to `attempts` measurements
 * are taken and the lowest ratio kept, stopping as soon as one is under LINEAR_RATIO. Quadratic
 * code is over the bound on every attempt, so the verdict stays honest.
 */
export function growth(make: (n: number) => string, fn: (input: string) => unknown, n: number, runs = 3, attempts = 4): Growth {
  const smallInput = make(n);
  const largeInput = make(10 * n);
  let best: Growth | undefined;
  for (let a = 0; a < attempts; a++) {
    const g = measure(smallInput, largeInput, fn, runs);
    if (best === undefined || g.ratio < best.ratio) best = g;
    if (best.ratio < LINEAR_RATIO) break;
  }
  return best as Growth;
}

/** The bound tests use for "linear": 10x input may take up to this many times as long. */
export const LINEAR_RATIO = 30;
