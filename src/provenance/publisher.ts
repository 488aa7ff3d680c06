// Who published a distribution, as the verified Fulcio certificate says (PEP 740 "Trusted
// Publishers"): GitHub Actions, GitLab CI/CD, Google Cloud and ActiveState identities read from
// the certificate's issuer, subject alternative name and Fulcio extensions (OID 1.3.6.1.4.1.57264.1.*),
// and checked against the publisher PyPI claims for the bundle. Pure.
import type { PublisherIdentity } from '../attest/types.js';
import type { ClaimedPublisher } from './attestation.js';

/** What @sigstore/verify hands back about a verified signer. */
export interface CertificateIdentity {
  issuer?: string | undefined;
  subjectAlternativeName?: string | undefined;
  /** Extensions by dotted OID, the raw extension value (DER for the v2 Fulcio OIDs). */
  oids: ReadonlyMap<string, Buffer>;
}

export const GITHUB_ISSUER = 'https://token.actions.githubusercontent.com';
export const GITLAB_ISSUER = 'https://gitlab.com';
export const GOOGLE_ISSUER = 'https://accounts.google.com';
export const ACTIVESTATE_ISSUER = 'https://oidc.activestate.com';

const FULCIO = '1.3.6.1.4.1.57264.1.';
const OID_SOURCE_REPOSITORY_URI = `${FULCIO}12`;
const OID_BUILD_CONFIG_URI = `${FULCIO}18`;

/** Why a certificate names no acceptable publisher. */
export class IdentityMismatch extends Error {}

/**
 * Reads a v2 Fulcio extension: its value is a DER UTF8String (tag 0x0c). Anything else, or a
 * length that does not cover the value exactly, reads as absent: a certificate we cannot read
 * names no publisher.
 */
function utf8Extension(identity: CertificateIdentity, oid: string): string | undefined {
  const der = identity.oids.get(oid);
  if (der === undefined || der.length < 2 || der[0] !== 0x0c) return undefined;
  let length = der[1]!;
  let offset = 2;
  if (length & 0x80) {
    const bytes = length & 0x7f;
    if (bytes < 1 || bytes > 2 || der.length < 2 + bytes) return undefined;
    length = 0;
    for (let i = 0; i < bytes; i++) length = length * 256 + der[2 + i]!;
    offset = 2 + bytes;
  }
  if (offset + length !== der.length) return undefined;
  return der.subarray(offset).toString('utf8');
}

function required(identity: CertificateIdentity, oid: string, what: string): string {
  const value = utf8Extension(identity, oid);
  if (value === undefined) throw new IdentityMismatch(`the certificate has no ${what} (extension ${oid})`);
  return value;
}

/** The publisher a verified certificate names; throws IdentityMismatch for anything else. */
export function publisherFromCertificate(identity: CertificateIdentity): PublisherIdentity {
  const issuer = identity.issuer;
  const san = identity.subjectAlternativeName;
  switch (issuer) {
    case GITHUB_ISSUER: {
      // The top-level workflow (Build Config URI), not the SAN: PyPI's trusted publisher names
      // the workflow that ran, and a reusable workflow changes only the SAN.
      const repoUri = required(identity, OID_SOURCE_REPOSITORY_URI, 'source repository URI');
      const config = required(identity, OID_BUILD_CONFIG_URI, 'build config URI');
      const repo = /^https:\/\/github\.com\/([A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+)$/.exec(repoUri)?.[1];
      if (repo === undefined) throw new IdentityMismatch(`unexpected GitHub repository URI '${repoUri}'`);
      const prefix = `https://github.com/${repo}/.github/workflows/`;
      const workflow = config.startsWith(prefix) ? /^([^/@]+)@./.exec(config.slice(prefix.length))?.[1] : undefined;
      if (workflow === undefined) throw new IdentityMismatch(`build config URI '${config}' is not a workflow of ${repo}`);
      return { kind: 'github', id: `github:${repo.toLowerCase()}`, repository: repo, workflow, issuer };
    }
    case GITLAB_ISSUER: {
      const repoUri = required(identity, OID_SOURCE_REPOSITORY_URI, 'source repository URI');
      const config = required(identity, OID_BUILD_CONFIG_URI, 'build config URI');
      const repo = /^https:\/\/gitlab\.com\/([A-Za-z0-9_.-]+(?:\/[A-Za-z0-9_.-]+)+)$/.exec(repoUri)?.[1];
      if (repo === undefined) throw new IdentityMismatch(`unexpected GitLab project URI '${repoUri}'`);
      const prefix = `https://gitlab.com/${repo}//`;
      const workflow = config.startsWith(prefix) ? /^([^@]+)@./.exec(config.slice(prefix.length))?.[1] : undefined;
      if (workflow === undefined) throw new IdentityMismatch(`build config URI '${config}' is not a CI config of ${repo}`);
      return { kind: 'gitlab', id: `gitlab:${repo.toLowerCase()}`, repository: repo, workflow, issuer };
    }
    case GOOGLE_ISSUER: {
      if (san === undefined || !/^[^@\s]+@[^@\s]+$/.test(san)) throw new IdentityMismatch(`expected a service account email, got '${san ?? ''}'`);
      return { kind: 'google', id: `google:${san.toLowerCase()}`, issuer };
    }
    case ACTIVESTATE_ISSUER: {
      const project = san === undefined ? undefined : /^https:\/\/platform\.activestate\.com\/([^/\s]+\/[^/\s]+)$/.exec(san)?.[1];
      if (project === undefined) throw new IdentityMismatch(`unexpected ActiveState identity '${san ?? ''}'`);
      return { kind: 'activestate', id: `activestate:${project.toLowerCase()}`, repository: project, issuer };
    }
    default:
      throw new IdentityMismatch(
        `the certificate's issuer '${issuer ?? '(none)'}' (identity '${san ?? '(none)'}') is not a PyPI trusted publisher`,
      );
  }
}

function field(claim: ClaimedPublisher, key: string): string | undefined {
  const value = claim.fields[key];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/**
 * Checks PyPI's claimed publisher against the certificate's and returns the identity with the
 * environment PyPI names (it is not in the certificate: PyPI checked it in the OIDC token at
 * upload). Throws IdentityMismatch naming the first difference.
 */
export function matchClaimedPublisher(fromCert: PublisherIdentity, claim: ClaimedPublisher): PublisherIdentity {
  const kind = claim.kind.toLowerCase();
  const differ = (what: string, claimed: string | undefined, actual: string | undefined): never => {
    throw new IdentityMismatch(`PyPI names ${what} '${claimed ?? '(none)'}' but the certificate says '${actual ?? '(none)'}'`);
  };
  if (kind !== fromCert.kind) differ('publisher kind', claim.kind, fromCert.kind);
  switch (fromCert.kind) {
    case 'github': {
      const repository = field(claim, 'repository');
      if (repository !== fromCert.repository) differ('repository', repository, fromCert.repository);
      const workflow = field(claim, 'workflow');
      if (workflow !== fromCert.workflow) differ('workflow', workflow, fromCert.workflow);
      break;
    }
    case 'gitlab': {
      const repository = field(claim, 'repository');
      if (repository !== fromCert.repository) differ('project', repository, fromCert.repository);
      const workflow = field(claim, 'workflow_filepath') ?? field(claim, 'workflow');
      if (workflow !== fromCert.workflow) differ('CI config', workflow, fromCert.workflow);
      break;
    }
    case 'google': {
      const email = field(claim, 'email')?.toLowerCase();
      if (`google:${email ?? ''}` !== fromCert.id) differ('service account', email, fromCert.id.slice('google:'.length));
      break;
    }
    case 'activestate': {
      const org = field(claim, 'organization');
      const project = field(claim, 'project');
      const named = org === undefined || project === undefined ? undefined : `${org}/${project}`;
      if (named !== fromCert.repository) differ('ActiveState project', named, fromCert.repository);
      break;
    }
    default:
      differ('publisher kind', claim.kind, fromCert.kind);
  }
  const environment = field(claim, 'environment');
  return environment === undefined ? fromCert : { ...fromCert, environment };
}
