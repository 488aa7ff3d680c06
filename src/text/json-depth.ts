// Nesting bounds for JSON (RFC 8259) read from untrusted sources: the text is measured in one
// linear pass before JSON.parse, so the recursive code that walks a parsed value (canonical JSON,
// schema checks, JSON-LD) never meets a document deep enough to overflow the stack.
import { PyvouchError } from '../errors.js';

/** Deepest nesting pyvouch reads. Envelopes are 3 deep, statements with schema.org predicates ~10. */
export const MAX_JSON_DEPTH = 64;

/**
 * The deepest `[`/`{` nesting of a JSON text, stopping early once past `max` (strings are skipped,
 * escapes honoured). Invalid JSON is measured all the same; JSON.parse refuses it afterwards.
 */
export function jsonTextDepth(text: string, max: number = MAX_JSON_DEPTH): number {
  let depth = 0;
  let deepest = 0;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // Skip the string: a backslash escapes the next character.
      for (i++; i < n; i++) {
        const d = text.charCodeAt(i);
        if (d === 0x5c) i++;
        else if (d === 0x22) break;
      }
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > deepest) {
        deepest = depth;
        if (deepest > max) return deepest;
      }
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return deepest;
}

/** The deepest nesting of an already parsed value, measured without recursion, stopping past `max`. */
export function jsonValueDepth(value: unknown, max: number = MAX_JSON_DEPTH): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[value, 1]];
  while (stack.length > 0) {
    const [v, depth] = stack.pop()!;
    if (typeof v !== 'object' || v === null) continue;
    if (depth > deepest) {
      deepest = depth;
      if (deepest > max) return deepest;
    }
    const children: unknown[] = Array.isArray(v) ? v : Object.values(v);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return deepest;
}

function tooDeep(what: string, max: number, file?: string): PyvouchError {
  return new PyvouchError('JSON_TOO_DEEP', `${what} nests JSON arrays and objects more than ${max} deep`, {
    ...(file === undefined ? {} : { file }),
    help: 'no statement, envelope or index page nests this deep: the document is malformed or hostile',
  });
}

/** JSON_TOO_DEEP naming `what` when the text nests deeper than `max`. */
export function checkJsonTextDepth(text: string, what: string, options: { max?: number; file?: string } = {}): void {
  const max = options.max ?? MAX_JSON_DEPTH;
  if (jsonTextDepth(text, max) > max) throw tooDeep(what, max, options.file);
}

/** JSON_TOO_DEEP naming `what` when the parsed value nests deeper than `max`. */
export function checkJsonValueDepth(value: unknown, what: string, options: { max?: number; file?: string } = {}): void {
  const max = options.max ?? MAX_JSON_DEPTH;
  if (jsonValueDepth(value, max) > max) throw tooDeep(what, max, options.file);
}

/** JSON.parse after a depth check; the parse error itself is left to the caller's wording. */
export function parseJsonBounded(text: string, what: string, options: { max?: number; file?: string } = {}): unknown {
  checkJsonTextDepth(text, what, options);
  return JSON.parse(text) as unknown;
}
