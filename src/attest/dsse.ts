// DSSE, the Dead Simple Signing Envelope (secure-systems-lab/dsse, protocol and envelope v1):
// a signature covers PAE(payloadType, payload), so a payload cannot be replayed under another type.
// Keys are Ed25519 and the keyid is the signer's did:key.

import { sign, verify, type KeyObject } from 'node:crypto';
import { PyvouchError } from '../errors.js';
import { canonicalJson, sha256Hex } from './canonical.js';
import type { Envelope } from './types.js';

/** PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, LEN in bytes. */
export function pae(payloadType: string, payload: Uint8Array): Uint8Array {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([
    Buffer.from(`DSSEv1 ${type.length} `, 'ascii'),
    type,
    Buffer.from(` ${payload.length} `, 'ascii'),
    payload,
  ]);
}

export function signEnvelope(payload: Uint8Array, payloadType: string, key: KeyObject, keyid: string): Envelope {
  const sig = sign(null, pae(payloadType, payload), key);
  return {
    payloadType,
    payload: Buffer.from(payload).toString('base64'),
    signatures: [{ keyid, sig: sig.toString('base64') }],
  };
}

/**
 * The payload bytes if one of the envelope's signatures verifies under `publicKey`; SIG_INVALID
 * otherwise. Only the signature decides: keyids are unauthenticated hints (DSSE protocol).
 */
export function verifyEnvelope(envelope: Envelope, publicKey: KeyObject): Uint8Array {
  const payload = decodeBase64(envelope.payload, 'payload');
  const message = pae(envelope.payloadType, payload);
  for (const [i, signature] of envelope.signatures.entries()) {
    const sig = decodeBase64(signature.sig, `signatures[${i}].sig`);
    if (verifySignature(message, sig, publicKey)) return payload;
  }
  throw new PyvouchError('SIG_INVALID', 'no signature on the envelope verifies under the expected key', {
    help: 'the statement was changed after signing or signed by another key; get a fresh copy from its publisher',
  });
}

export function verifySignature(message: Uint8Array, sig: Uint8Array, publicKey: KeyObject): boolean {
  try {
    return verify(null, message, publicKey, sig);
  } catch {
    // node:crypto throws on malformed signatures (e.g. the wrong length); that is just "invalid".
    return false;
  }
}

/** sha256 hex of the RFC 8785 canonical JSON of the envelope: the statement's id. */
export function statementId(envelope: Envelope): string {
  return sha256Hex(canonicalJson(envelope));
}

/**
 * Decodes standard or URL-safe base64 (DSSE verifiers must accept both), padded or not. Strict:
 * Buffer.from silently skips bad characters, and a lenient decoder would let many spellings of one
 * signature through, each with its own statement id. ENVELOPE_INVALID otherwise.
 */
export function decodeBase64(text: string, path: string): Uint8Array {
  const standard = /^[A-Za-z0-9+/]*={0,2}$/.test(text);
  const urlSafe = /^[A-Za-z0-9_-]*={0,2}$/.test(text);
  const unpadded = text.replace(/=+$/, '');
  const padded = text.length !== unpadded.length;
  if ((!standard && !urlSafe) || unpadded.length % 4 === 1 || (padded && text.length % 4 !== 0)) {
    throw new PyvouchError('ENVELOPE_INVALID', `${path} is not valid base64`, { path });
  }
  const alphabet = urlSafe && !standard ? 'base64url' : 'base64';
  const bytes = Buffer.from(unpadded, alphabet);
  if (bytes.toString(alphabet).replace(/=+$/, '') !== unpadded) {
    // Only non-zero trailing bits can make the round trip differ: a second spelling of the same bytes.
    throw new PyvouchError('ENVELOPE_INVALID', `${path} is not canonical base64 (stray trailing bits)`, { path });
  }
  return new Uint8Array(bytes);
}
