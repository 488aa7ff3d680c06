import assert from 'node:assert/strict';
import { generateKeyPairSync, sign, verify } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { decodeBase58, encodeBase58 } from '../../src/attest/base58.js';
import { didFromPublicKey, isDidKey, publicKeyFromDid } from '../../src/attest/did.js';
import {
  generateIdentity,
  identityFromPrivateKey,
  privateKeyFromSeed,
  publicKeyFromRaw,
  rawPublicKey,
  verificationKeyForDid,
} from '../../src/attest/keys.js';
import { isPyvouchError } from '../../src/errors.js';

interface Vector {
  did: string;
  seed: string;
  publicKeyBase58: string;
}
const vectors = JSON.parse(
  readFileSync(new URL('../fixtures/attest/did-key-ed25519.json', import.meta.url), 'utf8'),
) as Vector[];

describe('base58btc', () => {
  const cases: [string, number[]][] = [
    ['', []],
    ['1', [0]],
    ['11', [0, 0]],
    ['2', [1]],
    ['z', [57]],
    ['21', [58]],
    ['5Q', [255]],
    ['1112', [0, 0, 0, 1]],
  ];
  for (const [text, bytes] of cases) {
    it(`encodes ${JSON.stringify(bytes)} as '${text}' and back`, () => {
      assert.equal(encodeBase58(Uint8Array.from(bytes)), text);
      assert.deepEqual([...(decodeBase58(text) ?? [])], bytes);
    });
  }

  it('refuses characters outside the Bitcoin alphabet (0, O, I, l)', () => {
    for (const text of ['0', 'O', 'I', 'l', 'abc+']) assert.equal(decodeBase58(text), undefined, text);
  });

  it('round-trips random bytes, leading zeros included', () => {
    for (let i = 0; i < 50; i++) {
      const bytes = Uint8Array.from({ length: 1 + (i % 40) }, (_, j) => (j < i % 3 ? 0 : (i * 31 + j * 17) % 256));
      assert.deepEqual(decodeBase58(encodeBase58(bytes)), bytes);
    }
  });
});

describe('did:key for Ed25519', () => {
  it("matches the did:key spec's example did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp", () => {
    const first = vectors[0];
    assert.ok(first);
    assert.equal(first.did, 'did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp');
    const identity = identityFromPrivateKey(privateKeyFromSeed(Buffer.from(first.seed, 'hex')));
    assert.equal(identity.did, first.did);
  });

  for (const vector of vectors) {
    it(`derives ${vector.did} from its seed and from its base58 public key`, () => {
      const raw = decodeBase58(vector.publicKeyBase58);
      assert.ok(raw);
      assert.equal(didFromPublicKey(raw), vector.did);
      assert.deepEqual(publicKeyFromDid(vector.did), raw);
      const identity = identityFromPrivateKey(privateKeyFromSeed(Buffer.from(vector.seed, 'hex')));
      assert.equal(identity.did, vector.did);
      assert.deepEqual(rawPublicKey(identity.publicKey), raw);
    });
  }

  it('round-trips generated identities: did -> key -> did, and the key verifies their signatures', () => {
    for (let i = 0; i < 10; i++) {
      const identity = generateIdentity({ name: `n${i}` });
      assert.match(identity.did, /^did:key:z6Mk[1-9A-HJ-NP-Za-km-z]+$/);
      assert.equal(didFromPublicKey(publicKeyFromDid(identity.did)), identity.did);
      const sig = sign(null, Buffer.from('hello'), identity.privateKey);
      assert.equal(verify(null, Buffer.from('hello'), verificationKeyForDid(identity.did), sig), true);
      assert.equal(identity.name, `n${i}`);
    }
  });

  it('keeps the raw key through a KeyObject round trip', () => {
    const raw = Uint8Array.from({ length: 32 }, (_, i) => i);
    assert.deepEqual(rawPublicKey(publicKeyFromRaw(raw)), raw);
  });

  const ed = vectors[0]?.did ?? '';
  const rejected: [string, string][] = [
    ['not a did at all', 'hello'],
    ['another DID method', 'did:web:example.com'],
    ['upper-case method', ed.replace('did:key:', 'DID:KEY:')],
    ['a multibase other than base58btc', ed.replace('did:key:z', 'did:key:f')],
    ['a character outside base58btc', ed.slice(0, -1) + '0'],
    ['a secp256k1 key (multicodec 0xe7)', 'did:key:zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme'],
    ['a truncated key', ed.slice(0, -4)],
    ['a key with an extra byte', 'did:key:z' + encodeBase58(Uint8Array.from([0xed, 0x01, ...new Array<number>(33).fill(7)]))],
    ['a DID URL with a fragment', `${ed}#${ed.slice('did:key:'.length)}`],
    ['an empty key', 'did:key:z'],
  ];
  for (const [why, did] of rejected) {
    it(`rejects ${why} with KEY_INVALID`, () => {
      assert.throws(
        () => publicKeyFromDid(did),
        (err: unknown) => isPyvouchError(err) && err.code === 'KEY_INVALID',
      );
      assert.equal(isDidKey(did), false);
    });
  }

  it('refuses a public key that is not 32 bytes', () => {
    assert.throws(() => didFromPublicKey(new Uint8Array(31)), (err: unknown) => isPyvouchError(err) && err.code === 'KEY_INVALID');
  });

  it('refuses to make an identity from a key that is not Ed25519', () => {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    assert.throws(() => identityFromPrivateKey(privateKey), (err: unknown) => isPyvouchError(err) && err.code === 'KEY_INVALID');
  });
});
