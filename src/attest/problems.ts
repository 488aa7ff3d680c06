// Collects every bad field of a decoded statement, each under its dotted path, so one error can
// report all of them (the project's convention) instead of stopping at the first.

import { PyvouchError, type ErrorCode } from '../errors.js';

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short, quoted rendering of a bad value for messages. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 80 ? text.slice(0, 77) + '...' : text;
}

export class Problems {
  private readonly found: { path: string; message: string }[] = [];

  constructor(private readonly code: ErrorCode) {}

  add(path: string, message: string): void {
    this.found.push({ path, message });
  }

  get empty(): boolean {
    return this.found.length === 0;
  }

  /** Throws one error for everything found so far: the first problem, with all of them attached. */
  throwIfAny(): void {
    const first = this.found[0];
    if (first === undefined) return;
    const problems =
      this.found.length > 1 ? this.found.map((p) => new PyvouchError(this.code, p.message, { path: p.path })) : [];
    const more = this.found.length > 1 ? ` (and ${this.found.length - 1} more problem(s))` : '';
    throw new PyvouchError(this.code, `${first.message}${more}`, { path: first.path, problems });
  }

  /** A required string; records a problem and returns undefined when it is not one. */
  string(obj: JsonObject, key: string, path: string, { nonEmpty = false } = {}): string | undefined {
    const value = obj[key];
    if (typeof value !== 'string' || (nonEmpty && value.length === 0)) {
      this.add(path, `expected ${nonEmpty ? 'a non-empty' : 'a'} string, got ${show(value)}`);
      return undefined;
    }
    return value;
  }

  /** An optional string: absent is fine, anything but a string is a problem. */
  optionalString(obj: JsonObject, key: string, path: string): string | undefined {
    if (!(key in obj)) return undefined;
    return this.string(obj, key, path);
  }

  /** One of a fixed set of strings. */
  oneOf<T extends string>(obj: JsonObject, key: string, path: string, allowed: readonly T[]): T | undefined {
    const value = obj[key];
    if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as T;
    this.add(path, `expected one of ${allowed.map((a) => `'${a}'`).join(', ')}, got ${show(value)}`);
    return undefined;
  }

  object(obj: JsonObject, key: string, path: string): JsonObject | undefined {
    const value = obj[key];
    if (!isObject(value)) {
      this.add(path, `expected an object, got ${show(value)}`);
      return undefined;
    }
    return value;
  }

  /** A node reference `{"@id": …}`; returns the @id. */
  nodeId(obj: JsonObject, key: string, path: string): string | undefined {
    const node = this.object(obj, key, path);
    return node === undefined ? undefined : this.string(node, '@id', `${path}.@id`, { nonEmpty: true });
  }
}
