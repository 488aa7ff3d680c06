// Where a distribution's PEP 740 provenance lives, read from disk: a `--provenance FILE`, or a
// `--provenance DIR` holding `<filename>.provenance` files. (The index's `provenance` URL is
// fetched by src/simple/.)
import { readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PyvouchError } from '../errors.js';
import { parseProvenanceJson, type Provenance } from './attestation.js';

/**
 * The provenance for `filename` under `location` (a file, or a directory of
 * `<filename>.provenance` files). Undefined when a directory has none for it; malformed content
 * throws PROVENANCE_INVALID.
 */
export async function findProvenance(location: string, filename: string): Promise<Provenance | undefined> {
  if (basename(filename) !== filename || filename === '' || filename.startsWith('.')) {
    throw new PyvouchError('PROVENANCE_INVALID', `'${filename}' is not a distribution file name`);
  }
  let path = location;
  try {
    if ((await stat(location)).isDirectory()) path = join(location, `${filename}.provenance`);
  } catch (err) {
    throw new PyvouchError('IO', `cannot read ${location}: ${(err as Error).message}`, { file: location, cause: err });
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if (path !== location && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PyvouchError('IO', `cannot read ${path}: ${(err as Error).message}`, { file: path, cause: err });
  }
  return parseProvenanceJson(text, path);
}
