// `pyvouch check --provenance`: a lock whose package carries real PEP 740 provenance
// (test/corpora/pep740), weighed by a trusted-publishers party, with publisher pinning.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { pyvouch, tempHome } from '../cli/harness.js';
import { PEP740, SDIST, SDIST_SHA256, provenanceJson } from './fixtures.js';
import { FilePinStore } from '../../src/provenance/pin-store.js';
import { emptyPins, recordRelease } from '../../src/provenance/pinning.js';
import { generateIdentity } from '../../src/attest/keys.js';
import { writeKeyFile } from '../../src/attest/keyfile.js';
import { provenanceSource } from '../../src/app/provenance-source.js';
import { shippedTrustedRoot } from '../../src/provenance/trusted-root.js';
import { MemoryPinStore } from '../../src/provenance/pin-store.js';
import { findProvenance } from '../../src/provenance/find.js';
import { localIdentity } from '../../src/attest/local-identities.js';
import type { Graph } from '../../src/graph/graph.js';

const PUBLISHER = 'github:trailofbits/pypi-attestations';
interface Out {
  passed: boolean;
  runs: { results: { ruleId: string; properties: { publishers?: string[] } }[] }[];
}
const parse = (text: string): Out => JSON.parse(text) as Out;
interface Forged {
  attestation_bundles: { attestations: { envelope: { signature: string } }[] }[];
}

function project(opts: { glob?: string; veto?: boolean; sha256?: string } = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-provcheck-'));
  writeFileSync(
    join(dir, 'pylock.toml'),
    `lock-version = "1.0"\ncreated-by = "hand"\n\n[[packages]]\nname = "pypi-attestations"\nversion = "0.0.19"\n` +
      `sdist = { name = "${SDIST}", url = "https://files.pythonhosted.org/packages/x/${SDIST}", hashes = { sha256 = "${opts.sha256 ?? SDIST_SHA256}" } }\n`,
  );
  let policy = `[policy]\nthreshold = 1.0\n`;
  if (opts.veto === true) policy += `veto-findings = ["publisher-changed", "attestation-missing"]\n`;
  policy += `[[party]]\nname = "trusted-publishers"\npublishers = ["${opts.glob ?? 'github:trailofbits/*'}"]\nweight = 1.0\n`;
  // pyvouch's own pinning findings count through a scanner party (weight 0: they can only veto).
  if (opts.veto === true) policy += `[[party]]\nname = "pinning"\nscanner = "publisher-pinning"\nweight = 0\n`;
  writeFileSync(join(dir, 'pyvouch.toml'), policy);
  return dir;
}

const check = (dir: string, home: string, ...extra: string[]) =>
  pyvouch(['check', join(dir, 'pylock.toml'), '--no-db', '--provenance', PEP740, ...extra], { home });

describe('check --provenance', () => {
  it('passes on the trusted-publisher party alone, and names the publisher in text, JSON and HTML', () => {
    const dir = project();
    const home = tempHome();
    const text = check(dir, home, '-v');
    assert.equal(text.code, 0, text.stderr + text.stdout);
    assert.match(text.stdout, /published by github:trailofbits\/pypi-attestations \(workflow release\.yml\), verified by Sigstore/);
    const json = check(dir, home, '--format', 'json');
    assert.equal(json.code, 0, json.stderr);
    const out = parse(json.stdout);
    assert.equal(out.passed, true);
    assert.match(json.stdout, new RegExp(PUBLISHER));
    const html = check(dir, home, '--format', 'html');
    assert.equal(html.code, 0, html.stderr);
    assert.match(html.stdout, new RegExp(PUBLISHER));
  });

  it("finds the provenance through the index (--provenance index with --index DIR, or an index URL)", () => {
    const dir = project();
    const viaIndex = pyvouch(['check', join(dir, 'pylock.toml'), '--no-db', '--index', PEP740, '--provenance', 'index', '--format', 'json'], { home: tempHome() });
    assert.equal(viaIndex.code, 0, viaIndex.stderr);
    const viaUrl = pyvouch(['check', join(dir, 'pylock.toml'), '--no-db', '--provenance', `file://${PEP740}`, '--format', 'json'], { home: tempHome() });
    assert.equal(viaUrl.code, 0, viaUrl.stderr);
    const bad = pyvouch(['check', join(dir, 'pylock.toml'), '--no-db', '--provenance', join(dir, 'missing')], { home: tempHome() });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /error\[USAGE\]/);
  });

  it('fails under a publisher glob that does not match', () => {
    const dir = project({ glob: 'github:pallets/*' });
    const r = check(dir, tempHome(), '--format', 'json');
    assert.equal(r.code, 1, r.stderr);
    assert.equal(parse(r.stdout).passed, false);
  });

  it('counts nothing for provenance that does not match the locked sha256, and says why', () => {
    const dir = project({ sha256: 'ab'.repeat(32) });
    const r = check(dir, tempHome(), '--format', 'json');
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /does not verify \(digest-mismatch/);
  });

  it('counts nothing for a tampered provenance file (signature)', () => {
    const dir = project();
    const provDir = join(dir, 'prov');
    mkdirSync(provDir);
    const forged = provenanceJson() as Forged;
    const env = forged.attestation_bundles[0]!.attestations[0]!.envelope;
    const sig = Buffer.from(env.signature, 'base64');
    sig[5] = sig[5]! ^ 1;
    env.signature = sig.toString('base64');
    writeFileSync(join(provDir, `${SDIST}.provenance`), JSON.stringify(forged));
    const r = pyvouch(['check', join(dir, 'pylock.toml'), '--no-db', '--provenance', provDir, '--format', 'json'], { home: tempHome() });
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, /does not verify/);
  });

  it('fails with publisher-changed under veto-findings (SARIF names the publisher), and passes after accept-publisher', async () => {
    const dir = project({ veto: true });
    const home = tempHome();
    // Hand-made pins: an earlier release was published by another repository.
    const pins = FilePinStore.inDataDir(home);
    await pins.save(recordRelease(emptyPins('pypi-attestations'), { version: '0.0.18', publishers: ['github:someone/else'] }, '2025-01-01T00:00:00Z'));
    const failed = check(dir, home, '--format', 'json');
    assert.equal(failed.code, 1, failed.stderr);
    const report = parse(failed.stdout);
    assert.match(failed.stdout, /publisher-changed/);
    assert.equal(report.passed, false);
    const sarif = check(dir, home, '--format', 'sarif');
    assert.equal(sarif.code, 1, sarif.stderr);
    const result = parse(sarif.stdout).runs[0]!.results[0]!;
    assert.equal(result.ruleId, 'PV002');
    assert.deepEqual(result.properties.publishers, [PUBLISHER]);
    // The same change again (one release by a new publisher is not the new normal).
    assert.equal(check(dir, home).code, 1);
    // The user accepts it with their own key.
    await writeKeyFile(home, generateIdentity({ name: 'me' }));
    const accepted = pyvouch(['accept-publisher', 'pypi-attestations', '--publisher', PUBLISHER], { home });
    assert.equal(accepted.code, 0, accepted.stderr);
    const passed = check(dir, home, '--format', 'json');
    assert.equal(passed.code, 0, passed.stderr + passed.stdout);
    assert.doesNotMatch(passed.stdout, /publisher-changed/);
    assert.ok(readFileSync(pins.path, 'utf8').includes(PUBLISHER), 'the new publisher is recorded');
  });

  it('ignores an acceptance signed by a key that is neither the user nor a policy party', async () => {
    const dir = project({ veto: true });
    const home = tempHome();
    const stranger = tempHome();
    await writeKeyFile(stranger, generateIdentity({ name: 'stranger' }));
    const store = FilePinStore.inDataDir(home);
    await store.save(recordRelease(emptyPins('pypi-attestations'), { version: '0.0.18', publishers: ['github:someone/else'] }, '2025-01-01T00:00:00Z'));
    // The stranger records an acceptance into this user's pins file.
    const r = pyvouch(['accept-publisher', 'pypi-attestations', '--publisher', PUBLISHER, '--key', join(stranger, 'keys', 'default.json')], { home });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(check(dir, home).code, 1);
  });
});

describe('provenanceSource', () => {
  const graph = (sha256: string): Graph =>
    ({
      source: { format: 'pylock' },
      nodes: [{ name: 'pypi-attestations', version: '0.0.19', artifacts: [{ filename: SDIST, sha256, kind: 'sdist' }], metadata: 'lock' }],
      edges: [],
      roots: [],
    }) as unknown as Graph;

  it('yields publish statements from the provenance source kind, and flags attestation-missing after attested releases', async () => {
    const home = mkdtempSync(join(tmpdir(), 'pyvouch-provsrc-'));
    const signer = await localIdentity(home);
    const store = new MemoryPinStore();
    const now = new Date('2026-06-01T00:00:00Z');
    const pinning = { store, signer, trusted: () => false };
    const source = provenanceSource({ graph: graph(SDIST_SHA256), find: () => findProvenance(PEP740, SDIST), trust: shippedTrustedRoot(), now, pinning });
    const first = await source.gather(['pypi-attestations']);
    assert.equal(first.statements.length, 1);
    assert.equal(first.statements[0]!.kind, 'publish');
    assert.deepEqual(first.statements[0]!.source, { kind: 'provenance', name: PUBLISHER });
    // A later release of the same project without provenance: attestation-missing, signed by the local identity.
    const later = { ...graph(SDIST_SHA256) };
    later.nodes = [{ ...later.nodes[0]!, version: '0.0.20', artifacts: [{ filename: 'pypi_attestations-0.0.20.tar.gz', sha256: 'cd'.repeat(32), kind: 'sdist' }] }];
    const missing = await provenanceSource({ graph: later, find: () => Promise.resolve(undefined), trust: shippedTrustedRoot(), now, pinning }).gather(['pypi-attestations']);
    assert.equal(missing.statements.length, 1);
    assert.equal(missing.statements[0]!.finding?.kind, 'attestation-missing');
    assert.equal(missing.statements[0]!.agent, signer.did);
    assert.deepEqual(missing.statements[0]!.source, { kind: 'scanner', name: 'publisher-pinning' });
  });
});
