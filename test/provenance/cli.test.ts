import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pyvouch } from '../cli/harness.js';
import { PEP740, SDIST, WHEEL, firstAttestation, provenanceJson, trustedRootJson, type AttestationJson } from './fixtures.js';

const dist = join(PEP740, SDIST);

/** `pyvouch provenance --format json` output (src/cli), as these tests read it. */
interface ProvenanceOutput {
  verified: boolean;
  filename: string;
  reason: string | null;
  publisher: Record<string, unknown> | null;
  error: { code: string; path: string };
}
const output = (stdout: string): ProvenanceOutput => JSON.parse(stdout) as ProvenanceOutput;

describe('pyvouch provenance', () => {
  it('exits 0 and names the publisher when the provenance verifies (JSON)', () => {
    const r = pyvouch(['provenance', dist, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const out = output(r.stdout);
    assert.equal(out.verified, true);
    assert.equal(out.filename, SDIST);
    assert.equal(out.reason, null);
    assert.deepEqual(out.publisher, {
      kind: 'github', id: 'github:trailofbits/pypi-attestations', repository: 'trailofbits/pypi-attestations', workflow: 'release.yml', environment: null,
    });
  });

  it('prints the publisher in text', () => {
    const r = pyvouch(['provenance', dist, '--provenance', PEP740]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /published by github:trailofbits\/pypi-attestations \(workflow release\.yml\), verified by Sigstore/);
  });

  it('exits 1 with the reason for a distribution that does not match', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pyvouch-prov-'));
    const bytes = Buffer.from(readFileSync(dist));
    bytes[10] = bytes[10]! ^ 1;
    writeFileSync(join(dir, SDIST), bytes);
    const r = pyvouch(['provenance', join(dir, SDIST), '--provenance', join(PEP740, `${SDIST}.provenance`), '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const out = output(r.stdout);
    assert.equal(out.verified, false);
    assert.equal(out.reason, 'digest-mismatch');
    assert.equal(out.publisher, null);
  });

  it('exits 1 with a chain error for the staging attestation against the shipped root', () => {
    const r = pyvouch(['provenance', join(PEP740, WHEEL), '--provenance', join(PEP740, `${WHEEL}.publish.attestation`), '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(output(r.stdout).reason, 'certificate-chain');
  });

  it('uses --trusted-root instead of the shipped root', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pyvouch-prov-'));
    const root = trustedRootJson();
    root.certificateAuthorities = root.certificateAuthorities.slice(0, 1);
    writeFileSync(join(dir, 'root.json'), JSON.stringify(root));
    const r = pyvouch(['provenance', dist, '--trusted-root', join(dir, 'root.json'), '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    assert.equal(output(r.stdout).reason, 'certificate-chain');
  });

  it('exits 2 with PROVENANCE_INVALID for malformed provenance, in JSON too', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pyvouch-prov-'));
    copyFileSync(dist, join(dir, SDIST));
    const value = provenanceJson();
    const envelope: Partial<AttestationJson['envelope']> = firstAttestation(value).envelope;
    delete envelope.signature;
    writeFileSync(join(dir, `${SDIST}.provenance`), JSON.stringify(value));
    const r = pyvouch(['provenance', join(dir, SDIST), '--format', 'json']);
    assert.equal(r.code, 2);
    const err = output(r.stdout).error;
    assert.equal(err.code, 'PROVENANCE_INVALID');
    assert.equal(err.path, 'attestation_bundles[0].attestations[0].envelope.signature');
  });

  it('exits 2 when a directory holds no provenance for the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pyvouch-prov-'));
    const r = pyvouch(['provenance', dist, '--provenance', dir]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error\[IO\]/);
  });
});

describe('pyvouch accept-publisher', () => {
  it('refuses a publisher that is not an identity, and works with a key', () => {
    const home = mkdtempSync(join(tmpdir(), 'pyvouch-prov-'));
    assert.equal(pyvouch(['key', 'new'], { home }).code, 0);
    const bad = pyvouch(['accept-publisher', 'flask', '--publisher', 'pallets/flask'], { home });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /error\[USAGE\]/);
    const ok = pyvouch(['accept-publisher', 'Flask', '--publisher', 'github:pallets/flask'], { home });
    assert.equal(ok.code, 0, ok.stderr);
    assert.match(ok.stderr, /accepted github:pallets\/flask as the publisher of flask/);
  });
});

