// The cases of pypa/packaging's own test suite, answered by packaging itself (test/corpora/packaging,
// see its README.md), as the tests of src/pep read them.
import { readFileSync } from 'node:fs';
import { outcome } from './errors.js';

/** One JSON file of the packaging corpus, e.g. `markers.json`. */
export function packagingCorpus<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`../corpora/packaging/${file}`, import.meta.url), 'utf8')) as T;
}

/**
 * The corpus inputs judged otherwise than packaging judges them: each valid one must parse, each
 * other be refused with a PyvouchError of `code`. Empty when all agree.
 */
export function misjudged(
  cases: readonly { input: string; valid: boolean }[],
  parse: (input: string) => unknown,
  code: string,
): { input: string; expected: string; got: unknown }[] {
  return cases
    .map((c) => ({ input: c.input, expected: c.valid ? 'valid' : code, got: outcome(() => (parse(c.input), 'valid')) }))
    .filter((r) => r.got !== r.expected);
}
