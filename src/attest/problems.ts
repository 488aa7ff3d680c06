// Reads the fields of a decoded statement (or provenance bundle), recording every bad one under its
// dotted path in the one collector (src/text/problems.ts), so one error reports all of them.

import type { ErrorCode } from '../errors.js';
import { FieldProblems } from '../text/problems.js';

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

/** The problems of one decoded statement or bundle (src/text/problems.ts), with typed field readers. */
export class Problems extends FieldProblems {
  constructor(code: ErrorCode) {
    super(code, { carry: 'several' });
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
