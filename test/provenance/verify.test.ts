import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPyvouchError } from '../../src/errors.js';
import { readProvenance } from '../../src/provenance/attestation.js';
import { loadTrustedRoot, shippedTrustedRoot } from '../../src/provenance/trusted-root.js';
import { verifyProvenance, type ProvenanceFailure } from '../../src/provenance/verify.js';
import {
  SDIST,
  SDIST_SHA256,
  WHEEL,
  at,
  file,
  firstAttestation,
  flipBase64,
  provenanceJson,
  sdistAttestation,
  trustedRootJson,
  wheelAttestation,
} from './fixtures.js';

const root = shippedTrustedRoot();
const sdist = { filename: SDIST, bytes: file(SDIST) };

function verify(value: unknown, dist: { filename: string; bytes?: Uint8Array; sha256?: string } = sdist, trust = root) {
  return verifyProvenance(dist, readProvenance(value), trust);
}

function fails(value: unknown, reason: ProvenanceFailure, dist = sdist, trust = root): void {
  const result = verify(value, dist, trust);
  assert.equal(result.verified, false, 'expected verification to fail');
  assert.equal(result.reason, reason, result.detail);
  assert.equal(result.publisher, undefined);
  assert.deepEqual(result.attestations, []);
}

describe('PEP 740 verification of the real attestations', () => {
  it('verifies the Integrity API provenance and names its GitHub publisher', () => {
    const result = verify(provenanceJson());
    assert.equal(result.verified, true, result.detail);
    assert.equal(result.sha256, SDIST_SHA256);
    assert.deepEqual(result.publisher, {
      kind: 'github',
      id: 'github:trailofbits/pypi-attestations',
      repository: 'trailofbits/pypi-attestations',
      workflow: 'release.yml',
      issuer: 'https://token.actions.githubusercontent.com',
    });
    assert.equal(result.attestations.length, 1);
    assert.equal(result.attestations[0]?.predicateType, 'https://docs.pypi.org/attestations/publish/v1');
    assert.equal(result.attestations[0]?.loggedAt, '2024-12-04T23:14:01.000Z');
  });

  it('verifies a bare attestation against the file sha256 alone', () => {
    const result = verify(sdistAttestation(), { filename: SDIST, sha256: SDIST_SHA256 });
    assert.equal(result.verified, true, result.detail);
    assert.equal(result.publisher?.id, 'github:trailofbits/pypi-attestations');
  });

  it('rejects the staging-signed attestation against the production root with a chain error', () => {
    fails(wheelAttestation(), 'certificate-chain', { filename: WHEEL, bytes: file(WHEEL) });
  });

  it('keeps the environment PyPI names for the publisher', () => {
    const value = provenanceJson();
    at(value.attestation_bundles, 0).publisher['environment'] = 'pypi';
    assert.equal(verify(value).publisher?.environment, 'pypi');
  });
});

describe('PEP 740 verification of forged variants', () => {
  it('rejects a file with one flipped byte (digest mismatch)', () => {
    const bytes = Buffer.from(file(SDIST));
    bytes[1000] = bytes[1000]! ^ 0x40;
    fails(provenanceJson(), 'digest-mismatch', { filename: SDIST, bytes });
  });

  it("rejects another file's attestation for this file (subject mismatch)", () => {
    fails(sdistAttestation(), 'subject-mismatch', { filename: 'pypi_attestations-0.0.19-py3-none-any.whl', bytes: file(SDIST) });
  });

  it("rejects an envelope whose statement is another file's (signature)", () => {
    const value = sdistAttestation();
    value.envelope.statement = wheelAttestation().envelope.statement;
    fails(value, 'signature', { filename: WHEEL, bytes: file(WHEEL) });
  });

  it('rejects a statement re-typed or re-pointed after signing (signature)', () => {
    const value = sdistAttestation();
    const statement = JSON.parse(Buffer.from(value.envelope.statement, 'base64').toString()) as Record<string, unknown>;
    statement['predicateType'] = 'https://slsa.dev/provenance/v1';
    value.envelope.statement = Buffer.from(JSON.stringify(statement)).toString('base64');
    fails(value, 'signature');
  });

  it('rejects a tampered signature', () => {
    const value = sdistAttestation();
    value.envelope.signature = flipBase64(value.envelope.signature, -3);
    fails(value, 'signature');
  });

  it('rejects a swapped certificate from another Sigstore instance (chain)', () => {
    const value = sdistAttestation();
    value.verification_material.certificate = wheelAttestation().verification_material.certificate;
    fails(value, 'certificate-chain');
  });

  it("rejects the Fulcio intermediate itself offered as the signing certificate", () => {
    const value = sdistAttestation();
    const chain = at(trustedRootJson().certificateAuthorities, 1).certChain.certificates;
    value.verification_material.certificate = at(chain, 0).rawBytes;
    const result = verify(value);
    assert.equal(result.verified, false);
    assert.ok(result.reason === 'certificate-chain' || result.reason === 'signature', result.reason);
  });

  it('rejects a trusted root without the signing CA (chain)', () => {
    const rootJson = trustedRootJson();
    rootJson.certificateAuthorities = rootJson.certificateAuthorities.slice(0, 1);
    fails(provenanceJson(), 'certificate-chain', sdist, loadTrustedRoot(rootJson, 'no-signing-ca.json'));
  });

  it("rejects a certificate issued outside its CA's validity window (expired CA)", () => {
    const rootJson = trustedRootJson();
    at(rootJson.certificateAuthorities, 1).validFor = { start: '2022-04-13T20:06:15Z', end: '2024-06-30T00:00:00Z' };
    fails(provenanceJson(), 'expired-ca', sdist, loadTrustedRoot(rootJson, 'ca-ended.json'));
  });

  it('rejects a rewritten Rekor integration time (transparency log)', () => {
    const value = sdistAttestation();
    const entry = at(value.verification_material.transparency_entries, 0);
    entry.integratedTime = String(Number(entry.integratedTime) + 60);
    fails(value, 'transparency-log');
  });

  it('rejects a Rekor entry whose log key is not in the trusted root (transparency log)', () => {
    const rootJson = trustedRootJson();
    rootJson.tlogs = rootJson.tlogs.slice(1);
    fails(provenanceJson(), 'transparency-log', sdist, loadTrustedRoot(rootJson, 'no-rekor.json'));
  });

  const claims: [string, (p: Record<string, unknown>) => void][] = [
    ['another repository', (p) => (p['repository'] = 'pallets/flask')],
    ['another workflow', (p) => (p['workflow'] = 'other.yml')],
    ['another kind', (p) => (p['kind'] = 'GitLab')],
    ['no workflow', (p) => delete p['workflow']],
  ];
  for (const [what, change] of claims) {
    it(`rejects a provenance whose claimed publisher names ${what} (publisher mismatch)`, () => {
      const value = provenanceJson();
      change(at(value.attestation_bundles, 0).publisher);
      fails(value, 'publisher-mismatch');
    });
  }

  it('fails the whole provenance when one of two attestations is forged', () => {
    const value = provenanceJson();
    const forged = structuredClone(firstAttestation(value));
    forged.envelope.signature = flipBase64(forged.envelope.signature, 10);
    at(value.attestation_bundles, 0).attestations.push(forged);
    const result = verify(value);
    assert.equal(result.reason, 'signature');
    assert.match(result.detail ?? '', /attestations\[1\]/);
  });
});

describe('PEP 740 input checks', () => {
  const malformed: [string, unknown, string][] = [
    ['a list', [], ''],
    ['no bundles', { version: 1, attestation_bundles: [] }, 'attestation_bundles'],
    ['a bundle without attestations', { attestation_bundles: [{ publisher: { kind: 'GitHub' }, attestations: [] }] }, 'attestation_bundles[0].attestations'],
    ['version 2', { ...sdistAttestation(), version: 2 }, 'version'],
    ['no transparency entries', { ...sdistAttestation(), verification_material: { certificate: 'AAAA', transparency_entries: [] } }, 'verification_material.transparency_entries'],
    ['a signature that is not base64', { ...sdistAttestation(), envelope: { statement: 'AAAA', signature: 'not base64!' } }, 'envelope.signature'],
  ];
  for (const [what, value, path] of malformed) {
    it(`rejects ${what} as malformed (PROVENANCE_INVALID at '${path}')`, () => {
      assert.throws(() => readProvenance(value, 'x.provenance'), (err: unknown) => {
        assert.ok(isPyvouchError(err));
        assert.equal(err.code, 'PROVENANCE_INVALID');
        assert.equal(err.path ?? '', path);
        assert.equal(err.file, 'x.provenance');
        return true;
      });
    });
  }

  it('rejects a trusted root that is not one (TRUSTED_ROOT_INVALID)', () => {
    for (const value of [{}, { ...trustedRootJson(), mediaType: 'text/plain' }, { ...trustedRootJson(), certificateAuthorities: [] }]) {
      assert.throws(() => loadTrustedRoot(value, 'root.json'), (err: unknown) => isPyvouchError(err) && err.code === 'TRUSTED_ROOT_INVALID');
    }
  });

  it('fails closed without a usable sha256', () => {
    fails(provenanceJson(), 'digest-mismatch', { filename: SDIST, sha256: 'abc' } as never);
  });
});
