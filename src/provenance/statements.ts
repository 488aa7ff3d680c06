// Turns verified PEP 740 attestations into `publish` Statements, the form trust/ weighs: one per
// verified attestation, agent `publisher:<id>`, source `{ kind: 'provenance' }`. pyvouch signs
// nothing here: the Sigstore verification is the evidence. Pure.
import { canonicalJson, sha256Hex } from '../attest/canonical.js';
import { purlFor } from '../attest/purl.js';
import type { PublisherIdentity, Statement } from '../attest/types.js';
import { releaseOf } from '../pep/filename.js';
import type { ProvenanceResult } from './verify.js';

/** "github:pallets/flask (workflow publish.yml)", as explanations name a publisher. */
export function describePublisher(publisher: PublisherIdentity): string {
  const parts: string[] = [];
  if (publisher.workflow !== undefined) parts.push(`workflow ${publisher.workflow}`);
  if (publisher.environment !== undefined) parts.push(`environment ${publisher.environment}`);
  return parts.length === 0 ? publisher.id : `${publisher.id} (${parts.join(', ')})`;
}

/**
 * The `publish` statements of a verified result (none when it did not verify, or when the
 * filename names no release). `receivedAt` is when pyvouch got the provenance.
 */
export function publishStatements(result: ProvenanceResult, receivedAt: string): Statement[] {
  if (!result.verified) return [];
  const found = releaseOf(result.filename);
  if (found === undefined) return [];
  const release = { name: found.name, version: found.version };
  return result.attestations.map((attestation) => {
    const { publisher } = attestation;
    return {
      id: sha256Hex(canonicalJson({ pep740: attestation.statementSha256, filename: result.filename, publisher: publisher.id })),
      kind: 'publish',
      predicateType: attestation.predicateType,
      agent: `publisher:${publisher.id}`,
      agentName: describePublisher(publisher),
      startTime: attestation.loggedAt === '' ? receivedAt : attestation.loggedAt,
      description: `published by ${describePublisher(publisher)}, verified by Sigstore`,
      package: { ...release, purl: purlFor(release.name, release.version) },
      subjects: [{ name: result.filename, sha256: result.sha256 }],
      criteria: [],
      receivedAt,
      source: { kind: 'provenance', name: publisher.id },
      publisher,
    } satisfies Statement;
  });
}
