import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ACTIVESTATE_ISSUER,
  GITHUB_ISSUER,
  GITLAB_ISSUER,
  GOOGLE_ISSUER,
  IdentityMismatch,
  matchClaimedPublisher,
  publisherFromCertificate,
  type CertificateIdentity,
} from '../../src/provenance/publisher.js';

/** A DER UTF8String, as Fulcio writes its v2 extensions. */
const utf8 = (text: string): Buffer => {
  const bytes = Buffer.from(text, 'utf8');
  return Buffer.concat([Buffer.from([0x0c, bytes.length]), bytes]);
};
const F = '1.3.6.1.4.1.57264.1.';
const cert = (issuer: string, san: string, ext: Record<string, string> = {}): CertificateIdentity => ({
  issuer,
  subjectAlternativeName: san,
  oids: new Map(Object.entries(ext).map(([k, v]) => [F + k, utf8(v)])),
});

const gitlab = cert(GITLAB_ISSUER, 'https://gitlab.com/acme/tools/cli//ci/release.yml@refs/tags/v1', {
  '12': 'https://gitlab.com/acme/tools/cli',
  '18': 'https://gitlab.com/acme/tools/cli//ci/release.yml@refs/tags/v1',
});

describe('publisher identity from the certificate', () => {
  it('reads a GitLab project and CI config', () => {
    assert.deepEqual(publisherFromCertificate(gitlab), {
      kind: 'gitlab', id: 'gitlab:acme/tools/cli', repository: 'acme/tools/cli', workflow: 'ci/release.yml', issuer: GITLAB_ISSUER,
    });
  });

  it('reads a Google service account and an ActiveState project', () => {
    assert.equal(publisherFromCertificate(cert(GOOGLE_ISSUER, 'release@acme.iam.gserviceaccount.com')).id, 'google:release@acme.iam.gserviceaccount.com');
    assert.equal(publisherFromCertificate(cert(ACTIVESTATE_ISSUER, 'https://platform.activestate.com/acme/cli')).id, 'activestate:acme/cli');
  });

  it('takes the GitHub workflow from the build config, not a reusable workflow in the SAN', () => {
    const id = publisherFromCertificate(
      cert(GITHUB_ISSUER, 'https://github.com/other/shared/.github/workflows/reusable.yml@refs/heads/main', {
        '12': 'https://github.com/Pallets/Flask',
        '18': 'https://github.com/Pallets/Flask/.github/workflows/publish.yaml@refs/tags/3.1.0',
      }),
    );
    assert.deepEqual([id.id, id.repository, id.workflow], ['github:pallets/flask', 'Pallets/Flask', 'publish.yaml']);
  });

  const refused: [string, CertificateIdentity][] = [
    ['an email identity (not a trusted publisher)', cert('https://github.com/login/oauth', 'someone@example.com')],
    ['a GitHub certificate without the Fulcio extensions', cert(GITHUB_ISSUER, 'https://github.com/a/b/.github/workflows/x.yml@refs/heads/main')],
    ['a build config of another repository', cert(GITHUB_ISSUER, 'x', { '12': 'https://github.com/a/b', '18': 'https://github.com/evil/b/.github/workflows/x.yml@refs/heads/main' })],
    ['a build config outside .github/workflows', cert(GITHUB_ISSUER, 'x', { '12': 'https://github.com/a/b', '18': 'https://github.com/a/b/scripts/x.yml@refs/heads/main' })],
    ['a non-UTF8String extension', { issuer: GITHUB_ISSUER, subjectAlternativeName: 'x', oids: new Map([[F + '12', Buffer.from('https://github.com/a/b')], [F + '18', utf8('https://github.com/a/b/.github/workflows/x.yml@r')]]) }],
    ['a GitLab config of another project', cert(GITLAB_ISSUER, 'x', { '12': 'https://gitlab.com/a/b', '18': 'https://gitlab.com/a/c//x.yml@r' })],
    ['an ActiveState identity that is not a project URL', cert(ACTIVESTATE_ISSUER, 'https://evil.example/acme/cli')],
  ];
  for (const [what, identity] of refused) {
    it(`refuses ${what}`, () => assert.throws(() => publisherFromCertificate(identity), IdentityMismatch));
  }
});

describe("PyPI's claimed publisher", () => {
  const id = publisherFromCertificate(gitlab);
  it('matches a GitLab claim by project and workflow_filepath', () => {
    const claim = { kind: 'GitLab', fields: { kind: 'GitLab', repository: 'acme/tools/cli', workflow_filepath: 'ci/release.yml', environment: 'release' } };
    assert.equal(matchClaimedPublisher(id, claim).environment, 'release');
  });
  it('refuses a claim for another project or kind', () => {
    assert.throws(() => matchClaimedPublisher(id, { kind: 'GitLab', fields: { repository: 'acme/tools/other', workflow_filepath: 'ci/release.yml' } }), IdentityMismatch);
    assert.throws(() => matchClaimedPublisher(id, { kind: 'GitHub', fields: { repository: 'acme/tools/cli', workflow: 'ci/release.yml' } }), IdentityMismatch);
    const google = publisherFromCertificate(cert(GOOGLE_ISSUER, 'a@b.iam.gserviceaccount.com'));
    assert.throws(() => matchClaimedPublisher(google, { kind: 'Google', fields: { email: 'c@b.iam.gserviceaccount.com' } }), IdentityMismatch);
  });
});
