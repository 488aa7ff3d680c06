// The field readers of the policy parser: typed values (strings, lists, numbers, durations, dates,
// identities, criteria, package names) read from a decoded TOML table, each bad one recorded under
// its dotted path (`party[2].weight`) in the one collector (src/text/problems.ts).

import { canonicalizeName } from '../pep/name.js';
import { suggestion, type FieldProblems, type Segment } from '../text/problems.js';
import { BUILTIN_CRITERIA } from './policy.js';

export type Table = Record<string, unknown>;

export const HELP = 'see docs/policy.md for every policy field';

// DID syntax (W3C DID Core §3.1): did:<method>:<method-specific-id>. The seed's placeholders
// (`did:key:z6Mk...`) are syntactically valid, so they must pass.
const DID_RE = /^did:[a-z0-9]+:(?:[A-Za-z0-9._\-]|%[0-9A-Fa-f]{2})*(?::(?:[A-Za-z0-9._\-]|%[0-9A-Fa-f]{2})*)*$/;
const DURATION_RE = /^(\d+(?:\.\d+)?)\s*(h|d|w|y)$/;
const DURATION_UNITS: Record<string, number> = { h: 3_600_000, d: 86_400_000, w: 7 * 86_400_000, y: 365 * 86_400_000 };

export function isIdentityUri(s: string): boolean {
  return s.startsWith('did:') && DID_RE.test(s);
}

export function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

export function describe(v: unknown): string {
  if (Array.isArray(v)) return 'an array';
  if (v instanceof Date) return `a date (${v.toISOString()})`;
  if (v === null) return 'null';
  if (typeof v === 'object') return 'a table';
  if (typeof v === 'string') return `the string '${v}'`;
  if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return `${typeof v} ${String(v)}`;
  return typeof v;
}

/** Reads policy fields; every problem goes to `problems` (paths relative to the policy table). */
export class PolicyFields {
  constructor(readonly problems: FieldProblems) {}

  add(path: Segment[], message: string, help?: string): void {
    this.problems.add(path, message, help === undefined ? {} : { help });
  }

  keys(table: Table, path: Segment[], allowed: readonly string[], where = ''): void {
    for (const key of Object.keys(table)) {
      if (!allowed.includes(key)) {
        this.add([...path, key], `unknown key '${key}'${where}${suggestion(key, allowed)}`, `allowed here: ${allowed.join(', ')}`);
      }
    }
  }

  string(table: Table, key: string, path: Segment[], opts: { required?: boolean } = {}): string | undefined {
    const v = table[key];
    if (v === undefined) {
      if (opts.required === true) this.add([...path, key], `missing '${key}'`, HELP);
      return undefined;
    }
    if (typeof v !== 'string') {
      this.add([...path, key], `expected a string, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }

  stringList(table: Table, key: string, path: Segment[]): string[] | undefined {
    const v = table[key];
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) {
      this.add([...path, key], `expected an array of strings, got ${describe(v)}`);
      return undefined;
    }
    let ok = true;
    v.forEach((x: unknown, i) => {
      if (typeof x !== 'string') {
        this.add([...path, key, i], `expected a string, got ${describe(x)}`);
        ok = false;
      }
    });
    return ok ? (v as string[]) : undefined;
  }

  number(
    table: Table,
    key: string,
    path: Segment[],
    opts: { min?: number; max?: number; integer?: boolean; required?: boolean } = {},
  ): number | undefined {
    const v = table[key];
    const at = [...path, key];
    if (v === undefined) {
      if (opts.required === true) this.add(at, `missing '${key}'`, HELP);
      return undefined;
    }
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      this.add(at, `expected a number, got ${describe(v)}`);
      return undefined;
    }
    if (opts.integer === true && !Number.isInteger(v)) {
      this.add(at, `expected a whole number, got ${v}`);
      return undefined;
    }
    if (opts.min !== undefined && v < opts.min) {
      this.add(at, `${key} must be at least ${opts.min}, got ${v}`, opts.min === 0 ? 'weights and scores are never negative' : undefined);
      return undefined;
    }
    if (opts.max !== undefined && v > opts.max) {
      this.add(at, `${key} must be at most ${opts.max}, got ${v}`);
      return undefined;
    }
    return v;
  }

  boolean(table: Table, key: string, path: Segment[]): boolean | undefined {
    const v = table[key];
    if (v === undefined) return undefined;
    if (typeof v !== 'boolean') {
      this.add([...path, key], `expected true or false, got ${describe(v)}`);
      return undefined;
    }
    return v;
  }

  duration(table: Table, key: string, path: Segment[]): number | undefined {
    const v = table[key];
    if (v === undefined) return undefined;
    const help = 'write a duration like "365d", "26w", "1y" or "48h" (or a number of days)';
    if (typeof v === 'number') {
      if (!Number.isFinite(v) || v <= 0) {
        this.add([...path, key], `expected a positive number of days, got ${v}`, help);
        return undefined;
      }
      return v * DURATION_UNITS['d']!;
    }
    if (typeof v !== 'string') {
      this.add([...path, key], `expected a duration, got ${describe(v)}`, help);
      return undefined;
    }
    const m = DURATION_RE.exec(v.trim());
    if (m === null || Number(m[1]) <= 0) {
      this.add([...path, key], `'${v}' is not a duration`, help);
      return undefined;
    }
    return Number(m[1]) * DURATION_UNITS[m[2]!]!;
  }

  date(table: Table, key: string, path: Segment[]): number | undefined {
    const v = table[key];
    if (v === undefined) return undefined;
    const ms = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : Number.NaN;
    if (Number.isNaN(ms)) {
      this.add([...path, key], `expected a date like 2026-06-30, got ${describe(v)}`);
      return undefined;
    }
    return ms;
  }

  identity(id: string, path: Segment[]): boolean {
    if (isIdentityUri(id)) return true;
    this.add(path, `'${id}' is not an identity URI`, 'an identity looks like did:key:z6Mk…; `pyvouch key show` prints yours');
    return false;
  }

  criteriaRef(table: Table, key: string, path: Segment[], known: (c: string) => boolean): string[] | undefined {
    const v = table[key];
    if (v === undefined) return undefined;
    let list: string[];
    if (typeof v === 'string') list = [v];
    else {
      const l = this.stringList(table, key, path);
      if (l === undefined) return undefined;
      list = l;
    }
    if (list.length === 0) {
      this.add([...path, key], 'name at least one criteria');
      return undefined;
    }
    let ok = true;
    list.forEach((c, i) => {
      if (!known(c)) {
        this.unknownCriteria(c, typeof v === 'string' ? [...path, key] : [...path, key, i]);
        ok = false;
      }
    });
    return ok ? [...new Set(list)] : undefined;
  }

  unknownCriteria(name: string, path: Segment[], defs?: ReadonlyMap<string, unknown>): void {
    const names = defs === undefined ? Object.keys(BUILTIN_CRITERIA) : [...defs.keys()];
    this.add(path, `unknown criteria '${name}'${suggestion(name, names)}`, `define it with a [criteria.${name}] table, or use one of ${names.join(', ')}`);
  }

  packageName(raw: string, path: Segment[]): string | undefined {
    try {
      return canonicalizeName(raw, { validate: true });
    } catch {
      this.add(path, `'${raw}' is not a valid package name`, 'use the project name as on the index, e.g. "requests"');
      return undefined;
    }
  }
}
