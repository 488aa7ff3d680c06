// Identities as did:key URIs for Ed25519 public keys (W3C CCG did:key method): "did:key:" + the
// multibase base58btc ('z') encoding of the multicodec ed25519-pub prefix (varint 0xed 0x01)
// followed by the 32 raw key bytes. The parse is strict, so one key has exactly one spelling.

import { PyvouchError } from '../errors.js';
import { decodeBase58, encodeBase58 } from './base58.js';

const DID_KEY_PREFIX = 'did:key:';
const MULTIBASE_BASE58BTC = 'z';
const ED25519_PUB_MULTICODEC = [0xed, 0x01] as const;
const ED25519_KEY_LENGTH = 32;

export function didFromPublicKey(raw: Uint8Array): string {
  if (raw.length !== ED25519_KEY_LENGTH) {
    throw new PyvouchError('KEY_INVALID', `an Ed25519 public key is ${ED25519_KEY_LENGTH} bytes, got ${raw.length}`);
  }
  const bytes = new Uint8Array(2 + ED25519_KEY_LENGTH);
  bytes.set(ED25519_PUB_MULTICODEC, 0);
  bytes.set(raw, 2);
  return DID_KEY_PREFIX + MULTIBASE_BASE58BTC + encodeBase58(bytes);
}

// Verification decodes the same few signers' dids over and over; base58 decoding is quadratic in
// the length, so valid dids are remembered (bounded; a did always names the same key).
const DECODED_LIMIT = 4096;
const decoded = new Map<string, Uint8Array>();

/** The 32 raw Ed25519 public key bytes named by `did`; KEY_INVALID unless it is an Ed25519 did:key. */
export function publicKeyFromDid(did: string): Uint8Array {
  const known = decoded.get(did);
  if (known !== undefined) return known.slice();
  const key = decodeDidKey(did);
  if (decoded.size >= DECODED_LIMIT) decoded.delete(decoded.keys().next().value!);
  decoded.set(did, key.slice());
  return key;
}

function decodeDidKey(did: string): Uint8Array {
  const bad = (why: string): PyvouchError =>
    new PyvouchError('KEY_INVALID', `'${did}' is not an Ed25519 did:key: ${why}`, {
      help: 'an identity looks like did:key:z6Mk…; `pyvouch key show` prints yours',
    });
  if (!did.startsWith(DID_KEY_PREFIX)) throw bad(`expected the prefix '${DID_KEY_PREFIX}'`);
  const multibase = did.slice(DID_KEY_PREFIX.length);
  if (!multibase.startsWith(MULTIBASE_BASE58BTC)) {
    throw bad(`expected multibase base58btc ('${MULTIBASE_BASE58BTC}')`);
  }
  const bytes = decodeBase58(multibase.slice(1));
  if (bytes === undefined) throw bad('it contains a character outside base58btc');
  if (bytes[0] !== ED25519_PUB_MULTICODEC[0] || bytes[1] !== ED25519_PUB_MULTICODEC[1]) {
    throw bad('the multicodec prefix is not ed25519-pub (0xed 0x01)');
  }
  if (bytes.length !== 2 + ED25519_KEY_LENGTH) {
    throw bad(`the key is ${bytes.length - 2} bytes, expected ${ED25519_KEY_LENGTH}`);
  }
  // No second spelling can slip through: base58 is one-to-one once leading '1's (zero bytes) are
  // excluded, and the prefix check above excludes them.
  return bytes.slice(2);
}

export function isDidKey(value: string): boolean {
  try {
    publicKeyFromDid(value);
    return true;
  } catch {
    return false;
  }
}
