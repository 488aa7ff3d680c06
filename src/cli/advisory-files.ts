// `--advisories FILE`: an imported advisory set (OSV JSON: one record, an array, or {"vulns": [...]})
// that the cooldown trusts to let a security fix through early. Only files the user names count.
import { readFileSync } from 'node:fs';
import { PyvouchError } from '../errors.js';
import { advisoriesFromOsv, type TrustedAdvisory } from '../trust/cooldown.js';

export function loadAdvisoryFiles(paths: readonly string[]): TrustedAdvisory[] {
  const out: TrustedAdvisory[] = [];
  for (const path of paths) {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(path, 'utf8'));
    } catch (err) {
      throw new PyvouchError('IO', `cannot read the advisories in ${path}: ${(err as Error).message}`, { file: path, help: 'pass OSV JSON records (an array or {"vulns": [...]})', cause: err });
    }
    out.push(...advisoriesFromOsv(json, { kind: 'import', name: path }));
  }
  return out;
}
