// The real PEP 740 attestations of test/corpora/pep740 (pypi-attestations' test assets) and
// helpers that forge variants of them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PEP740 = fileURLToPath(new URL('../corpora/pep740/', import.meta.url));
export const SDIST = 'pypi_attestations-0.0.19.tar.gz';
export const WHEEL = 'rfc8785-0.1.2-py3-none-any.whl';
export const SDIST_SHA256 = '9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3';

export const file = (name: string): Buffer => readFileSync(PEP740 + name);
export const json = (name: string): any => JSON.parse(readFileSync(PEP740 + name, 'utf8'));

/** Production-signed provenance as PyPI's Integrity API serves it. */
export const provenanceJson = (): any => json(`${SDIST}.provenance`);
/** Production-signed bare attestation. */
export const sdistAttestation = (): any => json(`${SDIST}.publish.attestation`);
/** Staging-signed bare attestation (fails against the production root). */
export const wheelAttestation = (): any => json(`${WHEEL}.publish.attestation`);
export const trustedRootJson = (): any => json('sigstore-trusted_root.json');

/** Flips one bit of a base64 value's decoded bytes at `index` (negative: from the end). */
export function flipBase64(text: string, index: number): string {
  const bytes = Buffer.from(text, 'base64');
  const at = index < 0 ? bytes.length + index : index;
  bytes[at] = bytes[at]! ^ 0x01;
  return bytes.toString('base64');
}
