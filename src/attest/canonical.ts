// RFC 8785 JSON Canonicalization Scheme, and the sha256 hex digests pyvouch names things by.
// Statements are signed as canonical JSON and identified by the digest of their canonical envelope,
// so the same content always has the same bytes and the same id.

import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';

// canonicalize is CommonJS whose typings declare an ES default export; under NodeNext that default
// import types as the module object, not the function. Requiring it says what actually happens.
const canonicalize = createRequire(import.meta.url)('canonicalize') as (input: unknown) => string | undefined;

/** RFC 8785 canonical JSON of a JSON value (throws on values JSON cannot represent). */
export function canonicalJson(value: unknown): string {
  const text = canonicalize(value);
  if (text === undefined) throw new TypeError('value has no JSON representation');
  return text;
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}
