import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeBase64, pae, signEnvelope, statementId, verifyEnvelope } from '../../src/attest/dsse.js';
import { generateIdentity } from '../../src/attest/keys.js';
import type { Envelope } from '../../src/attest/types.js';
import { isPyvouchError } from '../../src/errors.js';

const code = (expected: string) => (err: unknown) => isPyvouchError(err) && err.code === expected;

// The test vector of DSSE's protocol.md (secure-systems-lab/dsse, "Test Vectors").
const SPEC = {
  payloadType: 'http://example.com/HelloWorld',
  body: 'hello world',
  pae: 'DSSEv1 29 http://example.com/HelloWorld 11 hello world',
  x: 46950820868899156662930047687818585632848591499744589407958293238635476079160n,
  y: 5640078356564379163099075877009565129882514886557779369047442380624545832820n,
  envelope: {
    payload: 'aGVsbG8gd29ybGQ=',
    payloadType: 'http://example.com/HelloWorld',
    sig: 'A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA==',
  },
};

function coordinate(n: bigint): string {
  return Buffer.from(n.toString(16).padStart(64, '0'), 'hex').toString('base64url');
}

describe('DSSE pre-authentication encoding', () => {
  it("matches the spec's test vector byte for byte", () => {
    assert.equal(Buffer.from(pae(SPEC.payloadType, Buffer.from(SPEC.body))).toString('latin1'), SPEC.pae);
  });

  it("is what the spec's ECDSA P-256 signature covers", () => {
    const key = createPublicKey({
      key: { kty: 'EC', crv: 'P-256', x: coordinate(SPEC.x), y: coordinate(SPEC.y) },
      format: 'jwk',
    });
    const payload = Buffer.from(SPEC.envelope.payload, 'base64');
    assert.equal(payload.toString(), SPEC.body);
    const message = pae(SPEC.envelope.payloadType, payload);
    const sig = Buffer.from(SPEC.envelope.sig, 'base64');
    assert.equal(verify('sha256', message, { key, dsaEncoding: 'ieee-p1363' }, sig), true);
    // And it covers the type: the same body under another type does not verify.
    assert.equal(verify('sha256', pae('http://example.com/Other', payload), { key, dsaEncoding: 'ieee-p1363' }, sig), false);
  });

  it('counts bytes, not characters, in the lengths', () => {
    assert.equal(Buffer.from(pae('tÿpe', Buffer.from('é'))).toString('utf8'), 'DSSEv1 5 tÿpe 2 é');
    assert.equal(Buffer.from(pae('', new Uint8Array())).toString(), 'DSSEv1 0  0 ');
  });
});

describe('DSSE envelopes with Ed25519', () => {
  const alice = generateIdentity();
  const mallory = generateIdentity();
  const payload = Buffer.from('{"a":1}');

  it('signs and verifies, returning the exact payload bytes', () => {
    const envelope = signEnvelope(payload, 'application/x.test', alice.privateKey, alice.did);
    assert.deepEqual(Object.keys(envelope).sort(), ['payload', 'payloadType', 'signatures']);
    assert.equal(envelope.signatures[0]?.keyid, alice.did);
    assert.deepEqual(Buffer.from(verifyEnvelope(envelope, alice.publicKey)), payload);
  });

  it('rejects the wrong key, an edited payload and a changed payload type with SIG_INVALID', () => {
    const envelope = signEnvelope(payload, 'application/x.test', alice.privateKey, alice.did);
    assert.throws(() => verifyEnvelope(envelope, mallory.publicKey), code('SIG_INVALID'));
    const edited: Envelope = { ...envelope, payload: Buffer.from('{"a":2}').toString('base64') };
    assert.throws(() => verifyEnvelope(edited, alice.publicKey), code('SIG_INVALID'));
    const retyped: Envelope = { ...envelope, payloadType: 'application/x.other' };
    assert.throws(() => verifyEnvelope(retyped, alice.publicKey), code('SIG_INVALID'));
  });

  it('is deterministic, so the statement id of a re-signed payload is the same', () => {
    const a = signEnvelope(payload, 'application/x.test', alice.privateKey, alice.did);
    const b = signEnvelope(payload, 'application/x.test', alice.privateKey, alice.did);
    assert.equal(statementId(a), statementId(b));
    assert.match(statementId(a), /^[0-9a-f]{64}$/);
  });

  it('gives a different id when anything in the envelope changes', () => {
    const base = signEnvelope(payload, 'application/x.test', alice.privateKey, alice.did);
    const variants: Envelope[] = [
      signEnvelope(Buffer.from('{"a":2}'), 'application/x.test', alice.privateKey, alice.did),
      signEnvelope(payload, 'application/x.test2', alice.privateKey, alice.did),
      signEnvelope(payload, 'application/x.test', mallory.privateKey, mallory.did),
      { ...base, signatures: [{ sig: base.signatures[0]?.sig ?? '' }] },
    ];
    const ids = new Set([base, ...variants].map(statementId));
    assert.equal(ids.size, variants.length + 1);
  });

  it('computes the id over RFC 8785 canonical JSON, so key order does not matter', () => {
    const base = signEnvelope(payload, 'application/x.test', alice.privateKey, alice.did);
    const reordered = JSON.parse(
      JSON.stringify({ signatures: base.signatures, payload: base.payload, payloadType: base.payloadType }),
    ) as Envelope;
    assert.equal(statementId(reordered), statementId(base));
  });
});

describe('strict base64', () => {
  const accepted: [string, number[]][] = [
    ['', []],
    ['AA==', [0]],
    ['AA', [0]],
    ['+/8=', [0xfb, 0xff]],
    ['-_8', [0xfb, 0xff]],
    ['aGVsbG8gd29ybGQ=', [...Buffer.from('hello world')]],
  ];
  for (const [text, bytes] of accepted) {
    it(`accepts '${text}' (standard or URL-safe, as DSSE requires)`, () => {
      assert.deepEqual([...decodeBase64(text, 'payload')], bytes);
    });
  }
  const rejected = ['A', 'AA=', 'A===', 'AA==AA==', 'aGVsbG8*', 'aGV sbG8=', '+_8=', 'AB==', 'aGVsbG8gd29ybGR='];
  for (const text of rejected) {
    it(`rejects '${text}' with ENVELOPE_INVALID`, () => {
      assert.throws(() => decodeBase64(text, 'payload'), (err: unknown) => isPyvouchError(err) && err.code === 'ENVELOPE_INVALID' && err.path === 'payload');
    });
  }
});
