// Verifies a distribution against its PEP 740 attestations, offline, with @sigstore/verify: the
// certificate chains to a Fulcio CA of the trusted root within its validity window, the Rekor
// entry is proven and matches the envelope, the DSSE signature holds; then the in-toto Statement
// names exactly this file (name and sha256) with PyPI's publish or SLSA v1 predicate, and the
// certificate names a trusted publisher that agrees with the one PyPI claims. Pure (no I/O).
import { X509Certificate, createHash } from 'node:crypto';
import { Verifier, VerificationError, toSignedEntity, type TrustMaterial } from '@sigstore/verify';
import type { PublisherIdentity } from '../attest/types.js';
import { isObject } from '../attest/problems.js';
import { attestationToBundle, type Attestation, type Provenance } from './attestation.js';
import { matchClaimedPublisher, publisherFromCertificate, type CertificateIdentity } from './publisher.js';
import type { ProvenanceTrust } from './trusted-root.js';

export const PYPI_PUBLISH_V1 = 'https://docs.pypi.org/attestations/publish/v1';
export const SLSA_PROVENANCE_V1 = 'https://slsa.dev/provenance/v1';
export const ACCEPTED_PREDICATE_TYPES: readonly string[] = [PYPI_PUBLISH_V1, SLSA_PROVENANCE_V1];
const IN_TOTO_STATEMENT_V1 = 'https://in-toto.io/Statement/v1';

/** Why a distribution's provenance did not verify. Stable: JSON output and tests use it. */
export type ProvenanceFailure =
  | 'digest-mismatch' // the statement's sha256 is not the file's
  | 'subject-mismatch' // the statement is about another file, or about several
  | 'predicate-type' // neither PyPI's publish nor SLSA provenance v1
  | 'statement' // the signed payload is not an in-toto Statement v1
  | 'signature' // the DSSE signature, or the envelope the log recorded, does not match
  | 'certificate-chain' // the certificate does not chain to a CA of the trusted root
  | 'expired-ca' // it chains, but was issued outside that CA's validity window
  | 'transparency-log' // the Rekor inclusion proof or promise does not verify
  | 'identity' // the certificate names no PyPI trusted publisher
  | 'publisher-mismatch'; // it names another publisher than the one PyPI claims

/** One attestation that verified. */
export interface VerifiedAttestation {
  publisher: PublisherIdentity;
  predicateType: string;
  /** When Rekor logged it (ISO 8601), the time the certificate was judged at. */
  loggedAt: string;
  /** sha256 hex of the signed statement bytes: names the attestation. */
  statementSha256: string;
}

export interface ProvenanceResult {
  verified: boolean;
  filename: string;
  sha256: string;
  /** The publisher (of the first attestation) when verified. */
  publisher?: PublisherIdentity;
  /** Every attestation, when all verified. */
  attestations: VerifiedAttestation[];
  reason?: ProvenanceFailure;
  /** Which attestation failed and what the verifier said. */
  detail?: string;
}

export interface DistributionFile {
  filename: string;
  /** Lower-case hex sha256 of the file (or give `bytes`). */
  sha256?: string;
  bytes?: Uint8Array;
}

class Failure extends Error {
  constructor(
    readonly reason: ProvenanceFailure,
    message: string,
  ) {
    super(message);
  }
}

function reasonOf(err: unknown): ProvenanceFailure {
  if (!(err instanceof VerificationError)) return 'signature';
  switch (err.code) {
    case 'CERTIFICATE_ERROR':
      return 'certificate-chain';
    case 'TLOG_BODY_ERROR':
    case 'SIGNATURE_ERROR':
    case 'PUBLIC_KEY_ERROR':
      return 'signature';
    default:
      return 'transparency-log';
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = (err as { cause?: unknown }).cause;
  const code = (err as { code?: unknown }).code;
  const head = typeof code === 'string' ? `${code}: ${err.message}` : err.message;
  return cause instanceof Error ? `${head} (${cause.message})` : head;
}

/**
 * OpenSSL's strict DER reading as a gate before @sigstore/verify, whose own ASN.1 reader accepts
 * some non-canonical encodings of a validly signed certificate (a changed outer tag, found by the
 * property test): one certificate must have one encoding.
 */
function checkStrictDer(attestation: Attestation): void {
  const der = Buffer.from(attestation.certificate, 'base64');
  let strict = false;
  try {
    strict = new X509Certificate(der).raw.equals(der);
  } catch {
    strict = false;
  }
  if (!strict) throw new Failure('certificate-chain', 'the signing certificate is not a strictly DER-encoded X.509 certificate');
}

/**
 * An inclusion proof's `rootHash` and `treeSize` are not signed: @sigstore/verify rightly proves
 * inclusion against the signed checkpoint's root and ignores them. One that disagrees with its
 * checkpoint is an ambiguous entry, refused rather than read either way.
 */
function checkProofAgreesWithCheckpoint(attestation: Attestation): void {
  for (const entry of attestation.transparencyEntries) {
    const proof = entry['inclusionProof'];
    if (!isObject(proof)) continue;
    const checkpoint = isObject(proof['checkpoint']) ? proof['checkpoint']['envelope'] : undefined;
    const lines = typeof checkpoint === 'string' ? checkpoint.split('\n') : [];
    const rootHash = typeof proof['rootHash'] === 'string' ? Buffer.from(proof['rootHash'], 'base64') : undefined;
    const agree = lines.length >= 3 && rootHash !== undefined && String(proof['treeSize']) === lines[1] && Buffer.from(lines[2]!, 'base64').equals(rootHash);
    if (!agree) throw new Failure('transparency-log', "the inclusion proof's root hash or tree size differs from its signed checkpoint");
  }
}

function sigstoreVerify(attestation: Attestation, material: TrustMaterial): CertificateIdentity {
  checkStrictDer(attestation);
  checkProofAgreesWithCheckpoint(attestation);
  let entity;
  try {
    entity = toSignedEntity(attestationToBundle(attestation));
  } catch (err) {
    throw new Failure('signature', `not a valid Sigstore bundle: ${describe(err)}`);
  }
  const signer = new Verifier(material).verify(entity);
  const oids = new Map<string, Buffer>();
  for (const { oid, value } of signer.identity?.oids ?? []) if (oid !== undefined) oids.set(oid.id.join('.'), value);
  return {
    issuer: signer.identity?.extensions?.issuer,
    subjectAlternativeName: signer.identity?.subjectAlternativeName,
    oids,
  };
}

function loggedAt(attestation: Attestation): string {
  const seconds = Number(attestation.transparencyEntries[0]?.['integratedTime']);
  return Number.isFinite(seconds) ? new Date(seconds * 1000).toISOString() : '';
}

function checkStatement(attestation: Attestation, filename: string, sha256: string): { predicateType: string; digest: string } {
  const bytes = Buffer.from(attestation.statement, 'base64');
  let statement: unknown;
  try {
    statement = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw new Failure('statement', 'the signed payload is not JSON');
  }
  if (!isObject(statement) || statement['_type'] !== IN_TOTO_STATEMENT_V1) {
    throw new Failure('statement', `the signed payload is not an in-toto Statement v1`);
  }
  const subjects = statement['subject'];
  if (!Array.isArray(subjects) || subjects.length !== 1) {
    throw new Failure('subject-mismatch', `expected exactly one subject, got ${Array.isArray(subjects) ? subjects.length : 'none'}`);
  }
  const subject: unknown = subjects[0];
  const name = isObject(subject) ? subject['name'] : undefined;
  if (name !== filename) throw new Failure('subject-mismatch', `the statement is about '${String(name)}', not '${filename}'`);
  const digest = isObject(subject) && isObject(subject['digest']) ? subject['digest']['sha256'] : undefined;
  if (typeof digest !== 'string' || digest.toLowerCase() !== sha256) {
    throw new Failure('digest-mismatch', `the statement gives sha256 ${String(digest)} for ${filename}, the file has ${sha256}`);
  }
  const predicateType = statement['predicateType'];
  if (typeof predicateType !== 'string' || !ACCEPTED_PREDICATE_TYPES.includes(predicateType)) {
    throw new Failure('predicate-type', `predicate type ${JSON.stringify(predicateType)} is neither ${ACCEPTED_PREDICATE_TYPES.join(' nor ')}`);
  }
  return { predicateType, digest: createHash('sha256').update(bytes).digest('hex') };
}

/**
 * Verifies every attestation of `provenance` for `file`. All must verify (one bad attestation in
 * what the index serves is a reason to doubt the rest), and the result names their publishers.
 */
export function verifyProvenance(file: DistributionFile, provenance: Provenance, trust: ProvenanceTrust): ProvenanceResult {
  const sha256 = (file.sha256 ?? (file.bytes === undefined ? '' : createHash('sha256').update(file.bytes).digest('hex'))).toLowerCase();
  const base = { filename: file.filename, sha256 };
  if (!/^[0-9a-f]{64}$/.test(sha256)) {
    return { ...base, verified: false, attestations: [], reason: 'digest-mismatch', detail: 'no sha256 of the file to compare with' };
  }
  const attestations: VerifiedAttestation[] = [];
  for (const [b, bundle] of provenance.bundles.entries()) {
    for (const [a, attestation] of bundle.attestations.entries()) {
      const where = provenance.bundles.length === 1 && bundle.attestations.length === 1 ? 'the attestation' : `attestation_bundles[${b}].attestations[${a}]`;
      try {
        let identity: CertificateIdentity;
        try {
          identity = sigstoreVerify(attestation, trust.material);
        } catch (err) {
          if (err instanceof Failure) throw err;
          let reason = reasonOf(err);
          if (reason === 'certificate-chain') {
            try {
              sigstoreVerify(attestation, trust.unwindowed);
              reason = 'expired-ca';
            } catch {
              // it does not chain at all
            }
          }
          const extra = reason === 'expired-ca' ? `: the certificate was issued (logged ${loggedAt(attestation)}) outside the validity window of the CA it chains to in ${trust.source}` : '';
          throw new Failure(reason, `${describe(err)}${extra}`);
        }
        const { predicateType, digest } = checkStatement(attestation, file.filename, sha256);
        let publisher: PublisherIdentity;
        try {
          publisher = publisherFromCertificate(identity);
        } catch (err) {
          throw new Failure('identity', (err as Error).message);
        }
        if (bundle.publisher !== undefined) {
          try {
            publisher = matchClaimedPublisher(publisher, bundle.publisher);
          } catch (err) {
            throw new Failure('publisher-mismatch', (err as Error).message);
          }
        }
        attestations.push({ publisher, predicateType, loggedAt: loggedAt(attestation), statementSha256: digest });
      } catch (err) {
        if (!(err instanceof Failure)) throw err;
        return { ...base, verified: false, attestations: [], reason: err.reason, detail: `${where}: ${err.message}` };
      }
    }
  }
  const first = attestations[0];
  if (first === undefined) return { ...base, verified: false, attestations: [], reason: 'signature', detail: 'no attestation' };
  return { ...base, verified: true, publisher: first.publisher, attestations };
}
