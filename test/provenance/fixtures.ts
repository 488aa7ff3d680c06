// The real PEP 740 attestations of test/corpora/pep740 (pypi-attestations' test assets) and
// helpers that forge variants of them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const PEP740 = fileURLToPath(new URL('../corpora/pep740/', import.meta.url));
export const SDIST = 'pypi_attestations-0.0.19.tar.gz';
export const WHEEL = 'rfc8785-0.1.2-py3-none-any.whl';
export const SDIST_SHA256 = '9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3';

export const file = (name: string): Buffer => readFileSync(PEP740 + name);

// The corpus files' wire shapes, as far as the tests read and forge them (mutable on purpose: the
// tests edit a fresh copy; the code under test still gets `unknown` and checks every field itself).
export interface TransparencyEntryJson {
  integratedTime: string;
  inclusionPromise: { signedEntryTimestamp: string };
  inclusionProof: { hashes: string[]; rootHash: string; [key: string]: unknown };
  [key: string]: unknown;
}
export interface AttestationJson {
  version: number;
  verification_material: { certificate: string; transparency_entries: TransparencyEntryJson[] };
  envelope: { statement: string; signature: string };
}
export interface ProvenanceJson {
  version: number;
  attestation_bundles: { publisher: Record<string, unknown>; attestations: AttestationJson[] }[];
}
export interface TrustedRootJson {
  certificateAuthorities: { certChain: { certificates: { rawBytes: string }[] }; validFor: { start: string; end?: string }; [key: string]: unknown }[];
  tlogs: unknown[];
  [key: string]: unknown;
}

/** A corpus JSON file; the caller names the shape it expects of that file. */
export const json = <T = unknown>(name: string): T => JSON.parse(readFileSync(PEP740 + name, 'utf8')) as T;

/** Production-signed provenance as PyPI's Integrity API serves it. */
export const provenanceJson = (): ProvenanceJson => json(`${SDIST}.provenance`);
/** Production-signed bare attestation. */
export const sdistAttestation = (): AttestationJson => json(`${SDIST}.publish.attestation`);
/** Staging-signed bare attestation (fails against the production root). */
export const wheelAttestation = (): AttestationJson => json(`${WHEEL}.publish.attestation`);
export const trustedRootJson = (): TrustedRootJson => json('sigstore-trusted_root.json');

/** The first bundle's first attestation (the corpus provenance has exactly one). */
export function firstAttestation(p: ProvenanceJson): AttestationJson {
  const a = p.attestation_bundles[0]?.attestations[0];
  if (a === undefined) throw new Error('the corpus provenance has no attestation');
  return a;
}

/** An element the corpus file is known to have; throws (failing the test) when it does not. */
export function at<T>(list: readonly T[], index: number): T {
  const v = list[index];
  if (v === undefined) throw new Error(`no element ${index} in a list of ${list.length}`);
  return v;
}

/** Flips one bit of a base64 value's decoded bytes at `index` (negative: from the end). */
export function flipBase64(text: string, index: number): string {
  const bytes = Buffer.from(text, 'base64');
  const at = index < 0 ? bytes.length + index : index;
  bytes[at] = bytes[at]! ^ 0x01;
  return bytes.toString('base64');
}
