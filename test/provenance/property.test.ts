// Property: no single flipped bit anywhere in what an attestation carries (certificate, DSSE
// signature, statement, Rekor promise, inclusion-proof hashes, log index) still verifies.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readProvenance } from '../../src/provenance/attestation.js';
import { shippedTrustedRoot } from '../../src/provenance/trusted-root.js';
import { verifyProvenance } from '../../src/provenance/verify.js';
import { SDIST, SDIST_SHA256, at, sdistAttestation } from './fixtures.js';

const root = shippedTrustedRoot();
type Part = 'certificate' | 'signature' | 'statement' | 'set' | 'proof-hash' | 'root-hash';

function flipBit(text: string, position: number, bit: number): string {
  const bytes = Buffer.from(text, 'base64');
  const at = position % bytes.length;
  bytes[at] = bytes[at]! ^ (1 << bit);
  return bytes.toString('base64');
}

function forge(part: Part, position: number, bit: number): unknown {
  const value = sdistAttestation();
  const entry = at(value.verification_material.transparency_entries, 0);
  switch (part) {
    case 'certificate':
      value.verification_material.certificate = flipBit(value.verification_material.certificate, position, bit);
      break;
    case 'signature':
      value.envelope.signature = flipBit(value.envelope.signature, position, bit);
      break;
    case 'statement':
      value.envelope.statement = flipBit(value.envelope.statement, position, bit);
      break;
    case 'set':
      entry.inclusionPromise.signedEntryTimestamp = flipBit(entry.inclusionPromise.signedEntryTimestamp, position, bit);
      break;
    case 'proof-hash': {
      const hashes: string[] = entry.inclusionProof.hashes;
      const i = position % hashes.length;
      hashes[i] = flipBit(hashes[i]!, position, bit);
      break;
    }
    case 'root-hash':
      entry.inclusionProof.rootHash = flipBit(entry.inclusionProof.rootHash, position, bit);
      break;
  }
  return value;
}

describe('PEP 740 verification (property)', () => {
  it('never verifies an attestation with one flipped bit', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Part>('certificate', 'signature', 'statement', 'set', 'proof-hash', 'root-hash'),
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
