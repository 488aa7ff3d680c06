// The steps every TOML lock reader (poetry.lock, pdm.lock, uv.lock) takes over its entries: the
// `[[package]]` array, each entry a table, a required string field, an optional array of tables.
// Each records what is wrong in `problems` and gives back what can still be read, so a file's
// problems are all reported together.

import { describe, isTable, type Problems, type TomlTable } from './common.js';

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
