// The statement model shared by attest/ (which signs, verifies and decodes envelopes), store/
// (which keeps them) and trust/ (which weighs them). A statement is an in-toto Statement v1 in a
// DSSE envelope; this is its decoded, already-verified view. Pure types.

/** A DSSE envelope exactly as it travels (https://github.com/secure-systems-lab/dsse). */
export interface Envelope {
  payloadType: string;
  /** base64 of the serialized in-toto Statement. */
  payload: string;
  signatures: { keyid?: string; sig: string }[];
}

/** One artifact a statement is about. */
export interface StatementSubject {
  /** The file name, e.g. `requests-2.32.3-py3-none-any.whl`. */
  name: string;
  /** Lower-case hex sha256 of the file. */
  sha256: string;
}

export type StatementKind =
  | 'assess' // schema:AssessAction — an audit: the release meets `criteria`
  | 'review' // schema:ReviewAction — a review with a rating and a body
  | 'vote' // schema:VoteAction — for / against
  | 'like' // schema:LikeAction
  | 'flag' // a negative finding (malicious, vulnerable, unmaintained) with a severity
  | 'trust' // identity A trusts (or distrusts) identity B
  | 'rotate' // identity A's key is replaced by identity B
  | 'publish'; // a PEP 740 attestation verified with Sigstore (made by src/provenance/, never signed by pyvouch)

export type ReviewRating = 'negative' | 'neutral' | 'positive' | 'strong';
export type TrustLevel = 'high' | 'medium' | 'low' | 'distrust';
export type FindingSeverity = 'low' | 'medium' | 'high' | 'critical';

/** A statement after its envelope was verified (or read back from a store that verified it). */
export interface Statement {
  /** sha256 hex of the RFC 8785 canonical JSON of the envelope. */
  id: string;
  kind: StatementKind;
  predicateType: string;
  /** Identity URI of the signer (did:key:z6Mk…); equals the predicate's agent. */
  agent: string;
  /** The display name the signer gave itself in the statement (schema.org agent name), if any. */
  agentName?: string;
  /** ISO 8601; when the statement starts to count. */
  startTime: string;
  /** ISO 8601; when it stops counting (expiry), if set. */
  endTime?: string;
  description: string;

  /** Package statements (assess, review, vote, like, flag). */
  package?: {
    /** Canonical name (PEP 503). */
    name: string;
    /** Normalised version (PEP 440). */
    version: string;
    /** `pkg:pypi/<name>@<version>` */
    purl: string;
  };
  subjects: StatementSubject[];
  /** Criteria met (assess, and reviews that name criteria), e.g. ["safe-to-deploy"]. */
  criteria: string[];
  /** This review/audit covers the diff from this version to `package.version`. */
  deltaFrom?: string;
  rating?: ReviewRating;
  vote?: 'for' | 'against';
  finding?: { kind: string; severity: FindingSeverity };

  /** Trust statements: who is trusted, how much, for which criteria (empty = all). */
  trust?: { subject: string; level: TrustLevel; weight?: number; criteria: string[] };
  /** Rotation statements: the old identity hands over to the new one. */
  rotation?: { from: string; to: string };

  /**
   * ISO 8601; when pyvouch first received this statement (recorded by the store, by `--statements`
   * loading and by feed syncs). Unlike startTime it is not chosen by the signer, so key
   * retirement judges by it.
   */
  receivedAt?: string;
  /** Where the statement came from (set by pyvouch, not signed). */
  source?: StatementSource;
  /** A PEP 740 publisher: set on statements made from attestations verified with Sigstore. */
  publisher?: PublisherIdentity;
}

/**
 * A trusted publisher as a verified Sigstore certificate names it (PEP 740). `id` is what policy
 * globs match, e.g. `github:pallets/flask`, `gitlab:acme/tools/cli`.
 */
export interface PublisherIdentity {
  kind: 'github' | 'gitlab' | 'google' | 'activestate' | 'other';
  id: string;
  /** owner/name (GitHub) or the project path (GitLab). */
  repository?: string;
  /** The workflow file (GitHub, e.g. `publish.yml`) or CI config ref (GitLab). */
  workflow?: string;
  environment?: string;
  /** The OIDC issuer the certificate names. */
  issuer?: string;
}

/**
 * Where pyvouch got a statement from. Trust matches feed, publisher and scanner parties on it, so
 * it is set by pyvouch's own code (the store, `--statements` loading, feed sync, provenance
 * verification, the scanner), never read from the statement's signed content.
 */
export interface StatementSource {
  /** local: signed here or imported by hand; file: `--statements`; feed: a followed TUF feed;
   *  provenance: a PEP 740 attestation verified with Sigstore; scanner: a local assessor. */
  kind: 'local' | 'file' | 'feed' | 'provenance' | 'scanner';
  /** The feed name, the provenance publisher identity (`github:owner/repo`), or the assessor. */
  name?: string;
}

/** A statement together with the envelope it was decoded from (what the store keeps). */
export interface StoredStatement {
  statement: Statement;
  envelope: Envelope;
}
