// Ed25519 signing identities (RFC 8032 keys through node:crypto), named by their did:key.
// Pure apart from the randomness of a new key; storing keys is keyfile.ts's job.

import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import { PyvouchError } from '../errors.js';
import { didFromPublicKey, publicKeyFromDid } from './did.js';

export interface Identity {
  /** did:key:z6Mk… of the public key. */
  did: string;
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** Display name the owner chose; it appears as the agent's name in statements. */
  name?: string;
  /** How to reach the owner (an email or URL); kept in the key file, never published. */
  contact?: string;
}

export interface IdentityDetails {
  name?: string;
  contact?: string;
}

export function generateIdentity(details: IdentityDetails = {}): Identity {
  const { privateKey } = generateKeyPairSync('ed25519');
  return identityFromPrivateKey(privateKey, details);
}

/** The identity of an Ed25519 private key; KEY_INVALID for any other kind of key. */
export function identityFromPrivateKey(privateKey: KeyObject, details: IdentityDetails = {}): Identity {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new PyvouchError(
      'KEY_INVALID',
      `expected an Ed25519 private key, got a ${privateKey.asymmetricKeyType ?? privateKey.type} key`,
    );
  }
  const publicKey = createPublicKey(privateKey);
  return {
    did: didFromPublicKey(rawPublicKey(publicKey)),
    privateKey,
    publicKey,
    ...(details.name === undefined ? {} : { name: details.name }),
    ...(details.contact === undefined ? {} : { contact: details.contact }),
  };
}

/** An Ed25519 private key from its 32-byte seed (the RFC 8032 private key), e.g. for test vectors. */
export function privateKeyFromSeed(seed: Uint8Array): KeyObject {
  if (seed.length !== 32) throw new PyvouchError('KEY_INVALID', `an Ed25519 seed is 32 bytes, got ${seed.length}`);
  // node:crypto imports raw Ed25519 private keys only as JWK (d = seed, x = public key) or PKCS#8;
  // the PKCS#8 wrapper for Ed25519 is a fixed 16-byte header (RFC 8410) in front of the seed.
  const header = Buffer.from('302e020100300506032b657004220420', 'hex');
  return createPrivateKey({ key: Buffer.concat([header, seed]), format: 'der', type: 'pkcs8' });
}

/** The 32 raw bytes of an Ed25519 public key. */
export function rawPublicKey(publicKey: KeyObject): Uint8Array {
  const jwk = publicKey.export({ format: 'jwk' });
  if (jwk.kty !== 'OKP' || jwk.crv !== 'Ed25519' || typeof jwk.x !== 'string') {
    throw new PyvouchError('KEY_INVALID', 'expected an Ed25519 public key');
  }
  return new Uint8Array(Buffer.from(jwk.x, 'base64url'));
}

export function publicKeyFromRaw(raw: Uint8Array): KeyObject {
  if (raw.length !== 32) throw new PyvouchError('KEY_INVALID', `an Ed25519 public key is 32 bytes, got ${raw.length}`);
  return createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(raw).toString('base64url') },
    format: 'jwk',
  });
}

// Imports verify thousands of statements by the same few signers; decoding the did (base58) and
// importing the key cost as much as the signature check itself, so keys are kept by did. Bounded,
// so a feed of many one-off signers cannot grow it without limit; a did names its key immutably,
// so a cached entry can never be stale.
const KEY_CACHE_LIMIT = 4096;
const keyCache = new Map<string, KeyObject>();

/** The public key a did:key names, ready for node:crypto's verify. */
export function verificationKeyForDid(did: string): KeyObject {
  const cached = keyCache.get(did);
  if (cached !== undefined) return cached;
  const key = publicKeyFromRaw(publicKeyFromDid(did));
  if (keyCache.size >= KEY_CACHE_LIMIT) keyCache.delete(keyCache.keys().next().value!);
  keyCache.set(did, key);
  return key;
}
