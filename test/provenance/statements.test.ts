import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readProvenance } from '../../src/provenance/attestation.js';
import { publishStatements } from '../../src/provenance/statements.js';
import { releaseOf } from '../../src/pep/filename.js';
import { shippedTrustedRoot } from '../../src/provenance/trusted-root.js';
import { verifyProvenance } from '../../src/provenance/verify.js';
import { SDIST, SDIST_SHA256, at, file, provenanceJson } from './fixtures.js';

const RECEIVED = '2026-12-01T10:00:00.000Z';

describe('publish statements from verified attestations', () => {
  it('makes one publish statement per verified attestation, sourced from provenance', () => {
    const value = provenanceJson();
    at(value.attestation_bundles, 0).publisher['environment'] = 'release';
    const result = verifyProvenance({ filename: SDIST, bytes: file(SDIST) }, readProvenance(value), shippedTrustedRoot());
    const [statement, ...rest] = publishStatements(result, RECEIVED);
    assert.equal(rest.length, 0);
    assert.ok(statement);
    assert.equal(statement.kind, 'publish');
    assert.equal(statement.agent, 'publisher:github:trailofbits/pypi-attestations');
    assert.deepEqual(statement.source, { kind: 'provenance', name: 'github:trailofbits/pypi-attestations' });
    assert.deepEqual(statement.subjects, [{ name: SDIST, sha256: SDIST_SHA256 }]);
    assert.deepEqual(statement.package, { name: 'pypi-attestations', version: '0.0.19', purl: 'pkg:pypi/pypi-attestations@0.0.19' });
    assert.equal(statement.predicateType, 'https://docs.pypi.org/attestations/publish/v1');
    assert.equal(statement.publisher?.workflow, 'release.yml');
    assert.equal(statement.publisher?.environment, 'release');
    assert.equal(statement.startTime, '2024-12-04T23:14:01.000Z');
    assert.equal(statement.receivedAt, RECEIVED);
    assert.equal(statement.description, 'published by github:trailofbits/pypi-attestations (workflow release.yml, environment release), verified by Sigstore');
    assert.match(statement.id, /^[0-9a-f]{64}$/);
    // The id is stable: the same attestation gives the same statement.
    assert.equal(publishStatements(result, RECEIVED)[0]?.id, statement.id);
  });

  it('makes none from a result that did not verify', () => {
    const bytes = Buffer.from(file(SDIST));
    bytes[0] = bytes[0]! ^ 1;
    const result = verifyProvenance({ filename: SDIST, bytes }, readProvenance(provenanceJson()), shippedTrustedRoot());
    assert.deepEqual(publishStatements(result, RECEIVED), []);
  });

  it('reads the release from wheel and sdist names', () => {
    assert.deepEqual(releaseOf('rfc8785-0.1.2-py3-none-any.whl'), { name: 'rfc8785', version: '0.1.2', kind: 'wheel' });
    assert.deepEqual(releaseOf('Flask-3.1.0.tar.gz'), { name: 'flask', version: '3.1.0', kind: 'sdist' });
    assert.equal(releaseOf('not-a-dist.txt'), undefined);
  });
});
