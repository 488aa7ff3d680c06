// A small mutation fuzzer: a seeded PRNG and mutations that hostile inputs are made of (flipped and
// inserted characters, spliced seeds, repeated chunks, deep nesting, long runs), applied to seeds
// from the test corpora and fixtures. Deterministic for a seed, so a failure can be replayed.

/** xorshift32: fast, deterministic, good enough to pick mutations. */
export class Rng {
  private state: number;
  constructor(seed: number) {
    this.state = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.state;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.state = x >>> 0;
    return this.state;
  }
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
  pick<T>(items: readonly T[]): T {
    return items[this.below(items.length)]!;
  }
}

// Characters parsers give meaning to, and a few they should not meet.
const INTERESTING = ['(', ')', '[', ']', '{', '}', '"', "'", '\\', '=', '==', '~=', '.', '-', '_', ',', ';', '#', '@', '%', '%zz', '&', '<', '>', '</', '<!--', '\n', '\r\n', '\t', ' ', '\u0000', '\u00a0', '\u2028', '\ud800', '9'.repeat(20), '*', '+', '!', ':', '/', '..', '../', '='];

export function mutate(rng: Rng, input: string, seeds: readonly string[], maxLength: number): string {
  let out = input;
  const rounds = 1 + rng.below(4);
  for (let r = 0; r < rounds; r++) {
    const at = rng.below(out.length + 1);
    switch (rng.below(9)) {
      case 0: // delete a span
        out = out.slice(0, at) + out.slice(at + 1 + rng.below(16));
        break;
      case 1: // insert an interesting token
        out = out.slice(0, at) + rng.pick(INTERESTING) + out.slice(at);
        break;
      case 2: // replace one character by a random code unit
        out = out.slice(0, at) + String.fromCharCode(rng.below(0x3000)) + out.slice(at + 1);
        break;
      case 3: {
        // repeat a chunk many times (the shape of most slow inputs)
        const len = 1 + rng.below(24);
        const chunk = out.slice(at, at + len);
        out = out.slice(0, at) + chunk.repeat(1 + rng.below(200)) + out.slice(at);
        break;
      }
      case 4: {
        // splice in a piece of another seed
        const other = rng.pick(seeds);
        const from = rng.below(other.length);
        out = out.slice(0, at) + other.slice(from, from + 1 + rng.below(200)) + out.slice(at);
        break;
      }
      case 5: {
        // wrap a span in deep nesting
        const [open, close] = rng.pick([['(', ')'], ['[', ']'], ['{"a":', '}'], ['<a>', '</a>']] as const);
        const depth = 1 + rng.below(400);
        const end = at + rng.below(40);
        out = out.slice(0, at) + open.repeat(depth) + out.slice(at, end) + close.repeat(depth) + out.slice(end);
        break;
      }
      case 6: // duplicate the lines (many entries)
        out = out + '\n' + out;
        break;
      case 7: // truncate
        out = out.slice(0, at);
        break;
      default: // swap two halves
        out = out.slice(at) + out.slice(0, at);
    }
    if (out.length > maxLength) out = out.slice(0, maxLength);
  }
  return out;
}
