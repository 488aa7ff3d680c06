import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isPyvouchError } from '../../src/errors.js';
import { shippedTrustedRoot } from '../../src/provenance/trusted-root.js';
import { verifyProvenance } from '../../src/provenance/verify.js';
import { HttpClient } from '../../src/simple/http.js';
import { HttpIndex, PROVENANCE_ACCEPT } from '../../src/simple/http-index.js';
import { LocalIndex } from '../../src/simple/local-index.js';
import { startFakeIndex, type FakeIndex } from '../support/fake-index.js';
import { PEP740, SDIST } from './fixtures.js';

const content = readFileSync(join(PEP740, SDIST));
const provenanceText = readFileSync(join(PEP740, `${SDIST}.provenance`), 'utf8');
const servers: FakeIndex[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

describe('provenance from the index', () => {
  it('fetches the PEP 740 provenance URL of a JSON page and verifies it', async () => {
    const fake = await startFakeIndex({ formats: ['json'] });
    servers.push(fake);
    fake.setProject({ name: 'pypi-attestations', files: [{ filename: SDIST, content, provenance: `${fake.origin}/integrity/pypi-attestations/0.0.19/${SDIST}/provenance` }] });
    fake.fault(`/integrity/pypi-attestations/0.0.19/${SDIST}/provenance`, { status: 200, headers: { 'content-type': 'application/vnd.pypi.integrity.v1+json' }, body: provenanceText });
    const index = new HttpIndex(fake.url, { http: new HttpClient({ backoffMs: 2, maxBackoffMs: 10, timeoutMs: 2000 }) });
    const file = (await index.project('pypi-attestations'))?.files[0];
    assert.ok(file);
    const provenance = await index.provenance(file);
    assert.ok(provenance);
    const result = verifyProvenance({ filename: file.filename, bytes: await index.download(file) }, provenance, shippedTrustedRoot());
    assert.equal(result.verified, true, result.detail);
    const asked = fake.requestsTo(`/integrity/pypi-attestations/0.0.19/${SDIST}/provenance`);
    assert.equal(asked[0]?.accept, PROVENANCE_ACCEPT);
  });

  it('gives undefined for a file whose page names no provenance, or a 404', async () => {
    const fake = await startFakeIndex({ formats: ['html'] });
    servers.push(fake);
    fake.setProject({ name: 'pypi-attestations', files: [{ filename: SDIST, content, provenance: `${fake.origin}/missing/provenance` }] });
    const index = new HttpIndex(fake.url, { http: new HttpClient({ backoffMs: 2, maxBackoffMs: 10, timeoutMs: 2000 }) });
    const file = (await index.project('pypi-attestations'))?.files[0];
    assert.ok(file);
    assert.equal(await index.provenance(file), undefined);
    assert.equal(await index.provenance({ ...file, provenance: undefined } as never), undefined);
  });

  it('rejects malformed provenance from the index (PROVENANCE_INVALID)', async () => {
    const fake = await startFakeIndex({ formats: ['json'] });
    servers.push(fake);
    fake.setProject({ name: 'pypi-attestations', files: [{ filename: SDIST, content, provenance: `${fake.origin}/p` }] });
    fake.fault('/p', { status: 200, body: '{"attestation_bundles": "nope"}' });
    const index = new HttpIndex(fake.url, { http: new HttpClient({ backoffMs: 2, maxBackoffMs: 10, timeoutMs: 2000 }) });
    const file = (await index.project('pypi-attestations'))?.files[0];
    assert.ok(file);
    await assert.rejects(index.provenance(file), (err: unknown) => isPyvouchError(err) && err.code === 'PROVENANCE_INVALID');
  });

  it('reads <filename>.provenance beside a file of a local index', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pyvouch-prov-'));
    copyFileSync(join(PEP740, SDIST), join(dir, SDIST));
    const index = new LocalIndex(dir);
    const file = (await index.project('pypi-attestations'))?.files[0];
    assert.ok(file);
    assert.equal(await index.provenance(file), undefined);
    copyFileSync(join(PEP740, `${SDIST}.provenance`), join(dir, `${SDIST}.provenance`));
    const provenance = await index.provenance(file);
    assert.ok(provenance);
    assert.equal(verifyProvenance({ filename: SDIST, bytes: content }, provenance, shippedTrustedRoot()).verified, true);
  });
});
