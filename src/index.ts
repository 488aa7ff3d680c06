// The public surface of pyvouch as a library: named exports only. Names follow pypa/packaging
// where a Python user would look for them (Version, SpecifierSet, Marker, Requirement, …).
export { PyvouchError, isPyvouchError } from './errors.js';
export type { ErrorCode, ErrorLocation } from './errors.js';

// Packaging standards (PEP 440, 503, 508, 425/427, core metadata)
export { Version } from './pep/version.js';
export type { PreLabel } from './pep/version.js';
export { Specifier, SpecifierSet } from './pep/specifier.js';
export type { SpecifierOperator, PrereleaseOption } from './pep/specifier.js';
export { Marker } from './pep/marker.js';
export type { MarkerEnvironment, MarkerEvaluationEnvironment } from './pep/marker.js';
export { Requirement } from './pep/requirement.js';
export { canonicalizeName, isValidName, isNormalizedName, normalizeExtra } from './pep/name.js';
export { markerEnvironmentFor, parseTarget } from './pep/environment.js';
export type { TargetInput } from './pep/environment.js';
export { Tag, TagSet, parseTag, parseWheelFilename, parseSdistFilename } from './pep/filename.js';
export type { WheelFilename, SdistFilename, BuildTag } from './pep/filename.js';
export { supportedTags, platformTags, supportedTagIndex, tagPriority, wheelCompatibility, selectArtifacts } from './pep/tags.js';
export type { TagOptions, SupportedTagIndex } from './pep/tags.js';
export { parseCoreMetadata, isStaticRequiresDist } from './pep/metadata.js';
export type { CoreMetadata, ProjectUrl } from './pep/metadata.js';

// The graph and the lock-file readers
export type {
  Graph,
  GraphNode,
  GraphEdge,
  Artifact,
  NodeSource,
  MetadataOrigin,
  TargetDescription,
  GraphDiagnostic,
  LockFormat,
  SelectionOptions,
} from './graph/graph.js';
export { indexGraph, pathFromRoot } from './graph/graph.js';
export { readLock, detectFormat } from './lock/read.js';
export type { LockInput } from './lock/read.js';
export { loadLockFile } from './lock/load.js';

// Artifacts: safe readers and sandboxed metadata
export { readWheelMetadata } from './artifact/wheel.js';
export { readSdistMetadata, sdistDependencies, staticDependencies } from './artifact/sdist.js';
export type { SdistDependencies } from './artifact/sdist.js';
export { buildSdistMetadata } from './artifact/build-metadata.js';
export type { BuiltMetadata } from './artifact/build-metadata.js';
export { findSandbox, describeSandbox } from './artifact/sandbox.js';
export type { SandboxOptions, SandboxLimits } from './artifact/sandbox.js';
export type { ArchiveLimits } from './artifact/limits.js';

// Statements
export type { Envelope, Statement, StoredStatement, StatementKind, StatementSubject } from './attest/types.js';
export { generateIdentity, identityFromPrivateKey } from './attest/keys.js';
export type { Identity } from './attest/keys.js';
export { didFromPublicKey, publicKeyFromDid, isDidKey } from './attest/did.js';
export { buildStatement, signStatement } from './attest/statement.js';
export type { StatementInput, InTotoStatement } from './attest/statement.js';
export { verifyStatementEnvelope, decodeStatementEnvelope, parseEnvelopeJson } from './attest/verify.js';
export type { VerifyOptions } from './attest/verify.js';
export { statementId, pae } from './attest/dsse.js';
export { purlFor } from './attest/purl.js';
export { toJsonLd } from './attest/jsonld.js';

// Storage
export type { StatementStore, StatementQuery, PutResult } from './store/store.js';
export { openStore } from './store/open.js';

// PEP 740 provenance (Sigstore) and publisher pinning
export { readProvenance, parseProvenanceJson } from './provenance/attestation.js';
export type { Provenance, Attestation, AttestationBundle } from './provenance/attestation.js';
export { verifyProvenance } from './provenance/verify.js';
export type { ProvenanceResult, ProvenanceFailure, VerifiedAttestation } from './provenance/verify.js';
export { loadTrustedRoot, readTrustedRootFile, shippedTrustedRoot } from './provenance/trusted-root.js';
export type { ProvenanceTrust } from './provenance/trusted-root.js';
export { publishStatements } from './provenance/statements.js';
export { judgeRelease, recordRelease } from './provenance/pinning.js';
export type { ProjectPins, PinningFinding } from './provenance/pinning.js';
export type { PinStore } from './provenance/pin-store.js';
export type { StoreRejection, VerifiedEnvelopeCache } from './store/verified.js';

// The use cases (src/app): what the CLI, the gated index and the web UI run
export { checkGraph, checkLock, resolvePolicy, statementFilesSource } from './app/check.js';
export type { CheckGraphInput, CheckLockOptions, CheckResult } from './app/check.js';
export { decideFile, projectStatements } from './app/decide.js';
export { releaseOf } from './pep/filename.js';
export type { DecideFileInput, FileDecision, FileVerdict } from './app/decide.js';
export { gatherStatements, loadedSource, storeSource } from './app/sources.js';
export type { Gathered, SetAside, StatementSource } from './app/sources.js';
export { importStatements, locateRejections } from './app/import.js';
export type { ImportInput, ImportResult } from './app/import.js';
export { readEnvelopeValues, loadEnvelopes } from './app/envelope-files.js';
export type { EnvelopeValues, LoadedEnvelopes, Rejection } from './app/envelope-files.js';
export { signReview, retractableIds, releaseArtifacts, fetchRelease, diffReleases, certify } from './app/review.js';
export type { SignReviewInput, SignedStatement, BoundArtifact, FetchedFile, CertifyInput, Pin } from './app/review.js';
export { pruneExemptions, unneededExemptions } from './app/prune.js';
export type { PruneInput, PruneDecision } from './app/prune.js';
export { lockedReleases } from './app/locked.js';

// Policy: parse, evaluate, suggest (pure)
export { evaluatePolicy } from './trust/evaluate.js';
export type { EvaluateOptions } from './trust/evaluate.js';
export { parsePolicyToml as parsePolicy } from './trust/parse.js';
export { loadPolicy, findPolicy } from './trust/load.js';
export type { Policy } from './trust/policy.js';
export type { PolicyReport, NodeReport, Verdict } from './trust/report.js';
export { suggestReviews } from './trust/suggest.js';
export type { SuggestReport, SuggestOptions } from './trust/suggest.js';

// Resolution
export { resolve } from './resolve/resolve.js';
