// Property: no single flipped bit anywhere in what an attestation carries (certificate, DSSE
// signature, statement, Rekor promise, inclusion-proof hashes, log index) still verifies.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readProvenance } from '../../src/provenance/attestation.js';
import { shippedTrustedRoot } from '../../src/provenance/trusted-root.js';
import { verifyProvenance } from '../../src/provenance/verify.js';
import { SDIST, SDIST_SHA256, at, sdistAttestation, type AttestationJson, type TransparencyEntryJson } from './fixtures.js';

const root = shippedTrustedRoot();

function flipBit(text: string, position: number, bit: number): string {
  const bytes = Buffer.from(text, 'base64');
  const at = position % bytes.length;
  bytes[at] = bytes[at]! ^ (1 << bit);
  return bytes.toString('base64');
}

/** A base64 field of an attestation: what holds it, and under which key (or index). */
type Slot = [holder: object, key: string | number];
const entry = (a: AttestationJson): TransparencyEntryJson => at(a.verification_material.transparency_entries, 0);

/** Each part a forger may flip a bit of, and where it sits (`position` picks one proof hash). */
const PARTS: Record<string, (a: AttestationJson, position: number) => Slot> = {
  certificate: (a) => [a.verification_material, 'certificate'],
  signature: (a) => [a.envelope, 'signature'],
  statement: (a) => [a.envelope, 'statement'],
  set: (a) => [entry(a).inclusionPromise, 'signedEntryTimestamp'],
  'proof-hash': (a, position) => [entry(a).inclusionProof.hashes, position % entry(a).inclusionProof.hashes.length],
  'root-hash': (a) => [entry(a).inclusionProof, 'rootHash'],
};

function forge(part: string, position: number, bit: number): unknown {
  const value = sdistAttestation();
  const [holder, key] = PARTS[part]!(value, position);
  const fields = holder as Record<string | number, unknown>;
  assert.equal(typeof fields[key], 'string', `${part} is a base64 text`);
  fields[key] = flipBit(fields[key] as string, position, bit);
  return value;
}

describe('PEP 740 verification (property)', () => {
  it('never verifies an attestation with one flipped bit', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.keys(PARTS)),
        fc.nat({ max: 4096 }),
        fc.integer({ min: 0, max: 7 }),
        (part, position, bit) => {
          const result = verifyProvenance({ filename: SDIST, sha256: SDIST_SHA256 }, readProvenance(forge(part, position, bit)), root);
          assert.equal(result.verified, false, `${part} byte ${position} bit ${bit} still verifies`);
          assert.ok(result.reason !== undefined);
        },
      ),
      { numRuns: 150 },
    );
  });
});
