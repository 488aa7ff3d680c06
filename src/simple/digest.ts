// File hashes as the simple API states them (PEP 503 `#<hashname>=<hex>` fragments, PEP 691
// `hashes`, PEP 658 metadata hashes): validating the stated values and checking bytes against them.

import { createHash, getHashes } from 'node:crypto';
import { PyvouchError } from '../errors.js';

/** The hashlib names the simple API uses, mapped to Node's names where they differ. */
const NODE_ALGORITHM: Record<string, string> = {
  blake2b: 'blake2b512',
  blake2s: 'blake2s256',
  sha3_224: 'sha3-224',
  sha3_256: 'sha3-256',
  sha3_384: 'sha3-384',
  sha3_512: 'sha3-512',
};

/** Hex length of each digest we know, so a truncated or padded value is caught at parse time. */
const HEX_LENGTH: Record<string, number> = {
  md5: 32,
  sha1: 40,
  sha224: 56,
  sha256: 64,
  sha384: 96,
  sha512: 128,
  blake2b: 128,
  blake2s: 64,
  sha3_224: 56,
  sha3_256: 64,
  sha3_384: 96,
  sha3_512: 128,
};

/** Strongest first: when several are given, the first one we can compute is the one we name. */
const PREFERENCE = ['sha256', 'sha512', 'sha384', 'sha3_256', 'sha3_512', 'blake2b', 'sha224', 'sha1', 'md5'];

let available: Set<string> | undefined;

function nodeName(algorithm: string): string | undefined {
  available ??= new Set(getHashes());
  const name = NODE_ALGORITHM[algorithm] ?? algorithm;
  return available.has(name) ? name : undefined;
}

/**
 * Why a stated digest is unusable (undefined when it is fine). Unknown algorithms are accepted as
 * long as the value is hex: PEP 691 lets an index use any hashlib algorithm, and we ignore what we
 * cannot compute rather than reject the whole page.
 */
export function digestProblem(algorithm: string, value: string): string | undefined {
  if (!/^[a-z0-9_]+$/.test(algorithm)) return `'${algorithm}' is not a hash name`;
  if (!/^[0-9a-fA-F]+$/.test(value)) return `the ${algorithm} digest '${value}' is not hex`;
  const length = HEX_LENGTH[algorithm];
  if (length !== undefined && value.length !== length) {
    return `the ${algorithm} digest '${value}' has ${value.length} hex digits, expected ${length}`;
  }
  return undefined;
}

/** `sha256=abc…` (PEP 503 fragment, PEP 658 attribute value) as [algorithm, lower-case hex]. */
export function splitDigest(text: string): [string, string] | undefined {
  const eq = text.indexOf('=');
  if (eq <= 0) return undefined;
  return [text.slice(0, eq).toLowerCase(), text.slice(eq + 1).toLowerCase()];
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The algorithms of `hashes` this process can compute, strongest first. */
export function checkableAlgorithms(hashes: Readonly<Record<string, string>>): string[] {
  const names = Object.keys(hashes).filter((a) => nodeName(a) !== undefined);
  return names.sort((a, b) => rank(a) - rank(b));
}

function rank(algorithm: string): number {
  const i = PREFERENCE.indexOf(algorithm);
  return i < 0 ? PREFERENCE.length : i;
}

/**
 * Checks `bytes` against every digest in `hashes` we can compute; a file must match all of them, as
 * an index that states two digests for one file and is right about only one is not to be trusted.
 * `known` holds digests already computed while streaming (sha256), so they are not computed twice.
 */
export function verifyDigests(
  bytes: Uint8Array,
  hashes: Readonly<Record<string, string>>,
  what: string,
  source: string,
  known: Readonly<Record<string, string>> = {},
): void {
  for (const algorithm of checkableAlgorithms(hashes)) {
    const expected = hashes[algorithm]!.toLowerCase();
    const actual = known[algorithm] ?? createHash(nodeName(algorithm)!).update(bytes).digest('hex');
    if (actual !== expected) {
      throw new PyvouchError(
        'DIGEST_MISMATCH',
        `${what}: ${algorithm} digest is ${actual}, but the index says ${expected}`,
        {
          file: source,
          help: 'the file was altered on the index or on the way; do not use it, and report it to the index operator if it persists',
        },
      );
    }
  }
}
