// PEP 740 attestation objects as PyPI serves them: the Integrity API's provenance object
// (`attestation_bundles`, each a `publisher` and its `attestations`) and a bare attestation
// (`version`, `verification_material`, `envelope`), read strictly and rebuilt as Sigstore bundles
// (v0.3, a DSSE envelope with payload type application/vnd.in-toto+json) for @sigstore/verify.
import { bundleFromJSON, type Bundle } from '@sigstore/bundle';
import { PyvouchError } from '../errors.js';
import { Problems, isObject, show, type JsonObject } from '../attest/problems.js';

export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const BUNDLE_V03 = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/** One PEP 740 attestation (version 1). */
export interface Attestation {
  /** base64 DER of the Fulcio signing certificate. */
  certificate: string;
  /** Rekor entries as Sigstore's protobuf JSON (`logIndex`, `logId`, `kindVersion`, ...). */
  transparencyEntries: JsonObject[];
  /** base64 of the in-toto Statement: the DSSE payload. */
  statement: string;
  /** base64 of the DSSE signature over PAE(payloadType, statement). */
  signature: string;
}

/**
 * The publisher PyPI says it saw for a bundle (the Integrity API's `publisher`): its word, which
 * verification checks against the certificate. Kept as given (`kind`: GitHub, GitLab, Google,
 * ActiveState) with its fields.
 */
export interface ClaimedPublisher {
  kind: string;
  fields: JsonObject;
}

export interface AttestationBundle {
  publisher?: ClaimedPublisher;
  attestations: Attestation[];
}

/** Everything known about one distribution's provenance: one or more bundles. */
export interface Provenance {
  bundles: AttestationBundle[];
}

function readAttestation(value: unknown, path: string, problems: Problems): Attestation | undefined {
  const pre = path === '' ? '' : `${path}.`;
  if (!isObject(value)) {
    problems.add(path, `expected an attestation object, got ${show(value)}`);
    return undefined;
  }
  if (value['version'] !== 1) problems.add(`${pre}version`, `expected attestation version 1, got ${show(value['version'])}`);
  const material = value['verification_material'];
  const envelope = value['envelope'];
  let certificate: string | undefined;
  let entries: JsonObject[] | undefined;
  if (!isObject(material)) {
    problems.add(`${pre}verification_material`, `expected an object, got ${show(material)}`);
  } else {
    certificate = base64(material, 'certificate', `${pre}verification_material.certificate`, problems);
    const tlog = material['transparency_entries'];
    if (!Array.isArray(tlog) || tlog.length === 0) {
      problems.add(`${pre}verification_material.transparency_entries`, `expected a non-empty list, got ${show(tlog)}`);
    } else {
      entries = [];
      tlog.forEach((entry: unknown, i) => {
        if (isObject(entry)) entries?.push(entry);
        else problems.add(`${pre}verification_material.transparency_entries[${i}]`, `expected an object, got ${show(entry)}`);
      });
    }
  }
  let statement: string | undefined;
  let signature: string | undefined;
  if (!isObject(envelope)) {
    problems.add(`${pre}envelope`, `expected an object, got ${show(envelope)}`);
  } else {
    statement = base64(envelope, 'statement', `${pre}envelope.statement`, problems);
    signature = base64(envelope, 'signature', `${pre}envelope.signature`, problems);
  }
  if (certificate === undefined || entries === undefined || statement === undefined || signature === undefined) return undefined;
  return { certificate, transparencyEntries: entries, statement, signature };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function base64(obj: JsonObject, key: string, path: string, problems: Problems): string | undefined {
  const value = problems.string(obj, key, path, { nonEmpty: true });
  if (value === undefined) return undefined;
  if (!BASE64.test(value)) {
    problems.add(path, `expected standard base64, got ${show(value)}`);
    return undefined;
  }
  return value;
}

function readPublisher(value: unknown, path: string, problems: Problems): ClaimedPublisher | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isObject(value) || typeof value['kind'] !== 'string' || value['kind'] === '') {
    problems.add(path, `expected a publisher object with a "kind", got ${show(value)}`);
    return undefined;
  }
  return { kind: value['kind'], fields: value };
}

/** Reads a provenance object or a bare attestation; throws PROVENANCE_INVALID naming every bad field. */
export function readProvenance(value: unknown, file?: string): Provenance {
  const problems = new Problems('PROVENANCE_INVALID');
  const bundles: AttestationBundle[] = [];
  if (isObject(value) && 'attestation_bundles' in value) {
    if (value['version'] !== undefined && value['version'] !== 1) {
      problems.add('version', `expected provenance version 1, got ${show(value['version'])}`);
    }
    const list = value['attestation_bundles'];
    if (!Array.isArray(list) || list.length === 0) {
      problems.add('attestation_bundles', `expected a non-empty list, got ${show(list)}`);
    } else {
      list.forEach((bundle: unknown, i) => {
        const path = `attestation_bundles[${i}]`;
        if (!isObject(bundle)) return problems.add(path, `expected an object, got ${show(bundle)}`);
        const publisher = readPublisher(bundle['publisher'], `${path}.publisher`, problems);
        const atts = bundle['attestations'];
        if (!Array.isArray(atts) || atts.length === 0) {
          return problems.add(`${path}.attestations`, `expected a non-empty list, got ${show(atts)}`);
        }
        const attestations: Attestation[] = [];
        atts.forEach((a: unknown, j) => {
          const read = readAttestation(a, `${path}.attestations[${j}]`, problems);
          if (read !== undefined) attestations.push(read);
        });
        bundles.push(publisher === undefined ? { attestations } : { publisher, attestations });
      });
    }
  } else if (isObject(value) && 'envelope' in value) {
    const read = readAttestation(value, '', problems);
    if (read !== undefined) bundles.push({ attestations: [read] });
  } else {
    problems.add('', `expected a PEP 740 provenance object (with "attestation_bundles") or an attestation (with "envelope"), got ${show(value)}`);
  }
  try {
    problems.throwIfAny();
  } catch (err) {
    if (err instanceof PyvouchError) {
      const path = err.path;
      throw new PyvouchError('PROVENANCE_INVALID', err.message, {
        ...(file === undefined ? {} : { file }),
        ...(path === undefined || path === '' ? {} : { path }),
        problems: err.problems,
        help: 'pass the provenance JSON as PyPI serves it (https://pypi.org/integrity/<project>/<version>/<file>/provenance) or a PEP 740 attestation',
      });
    }
    throw err;
  }
  return { bundles };
}

/** Parses JSON text, then reads it as provenance. */
export function parseProvenanceJson(text: string, file?: string): Provenance {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new PyvouchError('PROVENANCE_INVALID', `not JSON: ${(err as Error).message}`, {
      ...(file === undefined ? {} : { file }),
      cause: err,
    });
  }
  return readProvenance(value, file);
}

/** The Sigstore bundle an attestation stands for (PEP 740 keeps the same parts, renamed). */
export function attestationToBundle(attestation: Attestation): Bundle {
  return bundleFromJSON({
    mediaType: BUNDLE_V03,
    verificationMaterial: {
      certificate: { rawBytes: attestation.certificate },
      tlogEntries: attestation.transparencyEntries,
      timestampVerificationData: { rfc3161Timestamps: [] },
    },
    dsseEnvelope: {
      payload: attestation.statement,
      payloadType: IN_TOTO_PAYLOAD_TYPE,
      signatures: [{ sig: attestation.signature, keyid: '' }],
    },
  });
}
