import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateIdentity } from '../../src/attest/keys.js';
import { readKeyFile } from '../../src/attest/keyfile.js';
import { isPyvouchError } from '../../src/errors.js';
import { localIdentity } from '../../src/attest/local-identities.js';
import { FilePinStore, MemoryPinStore, signAcceptance } from '../../src/provenance/pin-store.js';
import { acceptPublisher, checkPublisherPinning } from '../../src/provenance/pinning-commands.js';
import { NO_ATTESTATION, addAcceptance, emptyPins, judgeRelease, recordRelease, type ProjectPins } from '../../src/provenance/pinning.js';

const user = generateIdentity({ name: 'User' });
const stranger = generateIdentity();
const trustUser = (did: string): boolean => did === user.did;
const FLASK = 'github:pallets/flask';
const EVIL = 'github:evil/flask';
const NOW = '2026-12-01T10:00:00Z';

function history(...releases: [string, string[]][]): ProjectPins {
  return releases.reduce((pins, [version, publishers]) => recordRelease(pins, { version, publishers }, NOW), emptyPins('Flask'));
}

describe('publisher pinning (pure)', () => {
  it('trusts the first publisher it sees and raises nothing for it', () => {
    assert.deepEqual(judgeRelease(undefined, { version: '3.0.0', publishers: [FLASK] }, trustUser), []);
    const pins = history(['3.0.0', [FLASK]], ['3.1.0', [FLASK]]);
    assert.deepEqual(pins.publishers.map((p) => [p.publisher, p.firstVersion, p.lastVersion, p.pinned]), [[FLASK, '3.0.0', '3.1.0', true]]);
    assert.deepEqual(judgeRelease(pins, { version: '3.2.0', publishers: [FLASK] }, trustUser), []);
  });

  it('flags a release by another publisher (publisher-changed)', () => {
    const [finding, ...rest] = judgeRelease(history(['3.0.0', [FLASK]]), { version: '3.2.0', publishers: [EVIL] }, trustUser);
    assert.equal(rest.length, 0);
    assert.equal(finding?.kind, 'publisher-changed');
    assert.deepEqual(finding?.expected, [FLASK]);
    assert.deepEqual(finding?.actual, [EVIL]);
  });

  it('keeps flagging a new publisher after one release, until accepted', () => {
    const pins = history(['3.0.0', [FLASK]], ['3.2.0', [EVIL]]);
    assert.equal(pins.publishers.find((p) => p.publisher === EVIL)?.pinned, false);
    assert.equal(judgeRelease(pins, { version: '3.3.0', publishers: [EVIL] }, trustUser)[0]?.kind, 'publisher-changed');
    const accepted = addAcceptance(pins, signAcceptance('flask', EVIL, user, NOW));
    assert.deepEqual(judgeRelease(accepted, { version: '3.3.0', publishers: [EVIL] }, trustUser), []);
  });

  it("ignores an acceptance signed by someone the caller does not trust", () => {
    const pins = addAcceptance(history(['3.0.0', [FLASK]], ['3.1.0', [EVIL]]), signAcceptance('flask', EVIL, stranger, NOW));
    assert.equal(judgeRelease(pins, { version: '3.2.0', publishers: [EVIL] }, trustUser)[0]?.kind, 'publisher-changed');
  });

  it('flags a release without attestations after attested ones (attestation-missing), not older ones', () => {
    const pins = history(['3.0.0', [FLASK]], ['3.1.0', [FLASK]]);
    assert.equal(judgeRelease(pins, { version: '3.2.0', publishers: [] }, trustUser)[0]?.kind, 'attestation-missing');
    assert.deepEqual(judgeRelease(pins, { version: '2.3.3', publishers: [] }, trustUser), []);
    const accepted = addAcceptance(pins, signAcceptance('flask', NO_ATTESTATION, user, NOW));
    assert.deepEqual(judgeRelease(accepted, { version: '3.2.0', publishers: [] }, trustUser), []);
  });
});

describe('publisher pinning (store and findings)', () => {
  it('returns flag statements signed by the local identity, sourced from the pinning scanner', async () => {
    const home = mkdtempSync(join(tmpdir(), 'pyvouch-pin-'));
    const signer = await localIdentity(home);
    assert.equal((await localIdentity(home)).did, signer.did, 'the local identity is created once');
    const store = new MemoryPinStore();
    const artifacts = [{ filename: 'flask-3.2.0-py3-none-any.whl', sha256: 'a'.repeat(64) }];
    const base = { store, project: 'Flask', artifacts, signer, trusted: trustUser, now: NOW };
    assert.deepEqual((await checkPublisherPinning({ ...base, release: { version: '3.1.0', publishers: [FLASK] } })).findings, []);
    const { findings, statements } = await checkPublisherPinning({ ...base, release: { version: '3.2.0', publishers: [EVIL] } });
    assert.equal(findings.length, 1);
    const flag = statements[0]?.statement;
    assert.equal(flag?.kind, 'flag');
    assert.equal(flag?.agent, signer.did);
    assert.deepEqual(flag?.finding, { kind: 'publisher-changed', severity: 'high' });
    assert.deepEqual(flag?.source, { kind: 'scanner', name: 'publisher-pinning' });
    assert.deepEqual(flag?.subjects, [{ name: artifacts[0]!.filename, sha256: artifacts[0]!.sha256 }]);
    assert.equal(flag?.package?.version, '3.2.0');
    const missing = await checkPublisherPinning({ ...base, release: { version: '3.3.0', publishers: [] } });
    assert.equal(missing.statements[0]?.statement.finding?.kind, 'attestation-missing');
  });

  it('writes the pins only when they change: a known publisher seen again on a known release writes nothing', async () => {
    const home = mkdtempSync(join(tmpdir(), 'pyvouch-pin-'));
    const signer = await localIdentity(home);
    const memory = new MemoryPinStore();
    let saves = 0;
    const store = { load: (p: string) => memory.load(p), save: (pins: Parameters<MemoryPinStore['save']>[0]) => ((saves += 1), memory.save(pins)) };
    const base = { store, project: 'flask', artifacts: [], signer, trusted: trustUser, now: NOW };
    await checkPublisherPinning({ ...base, release: { version: '3.1.0', publishers: [FLASK] } });
    assert.equal(saves, 1, 'the first sight pins');
    await checkPublisherPinning({ ...base, release: { version: '3.1.0', publishers: [FLASK] }, now: '2026-12-01T00:00:00Z' });
    assert.equal(saves, 1, 'seeing it again only moves lastSeen: no write');
    await checkPublisherPinning({ ...base, release: { version: '3.2.0', publishers: [FLASK] } });
    assert.equal(saves, 2, 'a new release moves lastVersion: written');
    await checkPublisherPinning({ ...base, release: { version: '3.2.0', publishers: [EVIL] } });
    assert.equal(saves, 3, 'a new publisher is recorded (unpinned)');
    assert.equal((await memory.load('flask'))?.publishers.find((p) => p.publisher === EVIL)?.pinned, false);
  });

  it('persists pins and acceptances under PYVOUCH_HOME, and accept-publisher stops the flag', async () => {
    const home = mkdtempSync(join(tmpdir(), 'pyvouch-pin-'));
    const dirs = { config: home, data: home, cache: join(home, 'cache') };
    const { writeKeyFile } = await import('../../src/attest/keyfile.js');
    await writeKeyFile(home, user);
    const me = await readKeyFile(join(home, 'keys', 'default.json'));
    const store = FilePinStore.inDataDir(home);
    const signer = await localIdentity(home);
    const base = { store, project: 'flask', artifacts: [], signer, trusted: (did: string) => did === me.did, now: NOW };
    await checkPublisherPinning({ ...base, release: { version: '3.1.0', publishers: [FLASK] } });
    assert.equal((await checkPublisherPinning({ ...base, release: { version: '3.2.0', publishers: [EVIL] } })).findings.length, 1);
    await acceptPublisher(dirs, 'flask', EVIL, undefined, store);
    assert.deepEqual((await checkPublisherPinning({ ...base, release: { version: '3.2.0', publishers: [EVIL] } })).findings, []);
  });

  it('refuses a pins file whose acceptance was edited (PINNING_STATE)', async () => {
    const home = mkdtempSync(join(tmpdir(), 'pyvouch-pin-'));
    const store = FilePinStore.inDataDir(home);
    await store.save(addAcceptance(history(['3.0.0', [FLASK]]), signAcceptance('flask', FLASK, user, NOW)));
    const text = readFileSync(store.path, 'utf8').replaceAll(`"publisher": "${FLASK}"`, `"publisher": "${EVIL}"`);
    writeFileSync(store.path, text);
    await assert.rejects(store.load('flask'), (err: unknown) => isPyvouchError(err) && err.code === 'PINNING_STATE');
  });
});
