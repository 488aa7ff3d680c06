// The steps the TOML lock readers (poetry.lock, pdm.lock, uv.lock, pylock.toml) share over their
// entries: the `[[package]]` array, each entry a table, a required string field, an optional array
// of tables, a file's `sha256:<hex>` hash and its size. Each records what is wrong in `problems` and
// gives back what can still be read, so a file's problems are all reported together.

import { describe, isTable, sha256Hex, splitHash, type Problems, type TomlTable } from './common.js';

/** One `[[package]]` table being read. */
export interface PackageEntry {
  raw: TomlTable;
  /** Its position in the file, `package[i]`, for problems. */
  at: string;
  index: number;
  /** The problem count before the entry was read: more after it means the entry is bad. */
  before: number;
}

/**
 * The entries of the document's `[[package]]` array that `read` gives back. A `package` that is
 * not an array, and an entry that is not a table, are problems; a missing array is an empty lock.
 */
export function readPackageTables<P>(doc: TomlTable, problems: Problems, read: (entry: PackageEntry) => P | undefined): P[] {
  const rawPackages = doc['package'];
  if (rawPackages !== undefined && !Array.isArray(rawPackages)) {
    problems.add('package', `'package' must be an array of tables ([[package]]), found ${describe(rawPackages)}`);
  }
  const packages: P[] = [];
  (Array.isArray(rawPackages) ? (rawPackages as unknown[]) : []).forEach((raw, index) => {
    const at = `package[${index}]`;
    if (!isTable(raw)) {
      problems.add(at, `each [[package]] must be a table, found ${describe(raw)}`);
      return;
    }
    const p = read({ raw, at, index, before: problems.count });
    if (p !== undefined) packages.push(p);
  });
  return packages;
}

/** A non-empty string field; '' (with a problem) when it is missing or anything else. */
export function requiredString(table: TomlTable, key: string, problems: Problems, at: string): string {
  const value = table[key];
  if (typeof value === 'string' && value !== '') return value;
  problems.add(`${at}.${key}`, `'${key}' is required, found ${describe(value)}`);
  return '';
}

/** An optional array (of tables, which the caller checks): [] when absent, [] and a problem when no array. */
export function tableArray(raw: unknown, at: string, problems: Problems): unknown[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) {
    problems.add(at, `must be an array of tables, found ${describe(raw)}`);
    return [];
  }
  return raw as unknown[];
}

/**
 * A file's `hash` field as pdm, Poetry and uv write it, `<algorithm>:<hex digest>`: the sha256
 * digest in lower case; undefined for another algorithm, or (with a problem) when malformed.
 */
export function sha256OfHash(hash: unknown, at: string, problems: Problems): string | undefined {
  const split = typeof hash === 'string' ? splitHash(hash) : undefined;
  if (split === undefined) {
    problems.add(at, `'hash' must look like "sha256:<hex digest>", found ${describe(hash)}`);
    return undefined;
  }
  if (split.algorithm !== 'sha256') return undefined;
  const hex = sha256Hex(split.digest);
  if (hex === undefined) problems.add(at, `a sha256 digest has 64 hex digits, found '${split.digest}'`);
  return hex;
}

/** A file's optional `size`: a non-negative integer, else undefined (with a problem when present). */
export function optionalSize(table: TomlTable, at: string, problems: Problems): number | undefined {
  const size = table['size'];
  if (size === undefined) return undefined;
  if (typeof size === 'number' && Number.isInteger(size) && size >= 0) return size;
  problems.add(`${at}.size`, `'size' must be a non-negative integer, found ${describe(size)}`);
  return undefined;
}
