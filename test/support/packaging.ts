// The cases of pypa/packaging's own test suite, answered by packaging itself (test/corpora/packaging,
// see its README.md), as the tests of src/pep read them.
import { readFileSync } from 'node:fs';

/** One JSON file of the packaging corpus, e.g. `markers.json`. */
export function packagingCorpus<T>(file: string): T {
  return JSON.parse(readFileSync(new URL(`../corpora/packaging/${file}`, import.meta.url), 'utf8')) as T;
}
