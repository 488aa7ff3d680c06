// Publisher pinning in the gated index (issue 12): `serve --provenance` verifies upstream's PEP 740
// provenance (the real attestations of test/corpora/pep740, served by a fake upstream), pins the
// project's publisher, and judges each file against the pins: filter mode hides a release without
// attestation after attested ones, deny mode refuses a file by another publisher with the reason,
// and `accept-publisher` with the user's key lifts it. The policy has no scanner party: the
// findings veto by `veto-findings` alone (an attacker cannot escape them by a policy's omission).
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { generateIdentity } from '../../src/attest/keys.js';
import { writeKeyFile } from '../../src/attest/keyfile.js';
import { servePinning } from '../../src/cli/provenance-options.js';
import type { PyvouchDirs } from '../../src/cli/paths.js';
import { FilePinStore, MemoryPinStore } from '../../src/provenance/pin-store.js';
import { upstreamPinning } from '../../src/app/upstream-pinning.js';
import type { Statement } from '../../src/attest/types.js';
import type { IndexFile } from '../../src/simple/types.js';
import { acceptPublisher } from '../../src/provenance/pinning-commands.js';
import { emptyPins, recordRelease } from '../../src/provenance/pinning.js';
import { shippedTrustedRoot } from '../../src/provenance/trusted-root.js';
import { loadPolicy } from '../../src/trust/load.js';
import { PEP740, SDIST } from '../provenance/fixtures.js';
import { sdistFile, startFakeIndex, type FakeIndex } from '../support/fake-index.js';
import { postStatements, review, reviewer, sha256, spawnServe, startInProcess, tempDir, TOKEN, writePolicy, type InProcess } from './support.js';

const PROJECT = 'pypi-attestations';
const PUBLISHER = 'github:trailofbits/pypi-attestations';
const alice = reviewer('Alice');
const attested = { filename: SDIST, content: new Uint8Array(readFileSync(join(PEP740, SDIST))) };

describe('gated index: publisher pinning', () => {
  let index: FakeIndex;
  let integrity: Server;
  let provenanceUrl: string;
  let unattested: Awaited<ReturnType<typeof sdistFile>>;
  const servers: InProcess[] = [];
  const policyPath = writePolicy(
    tempDir(),
    alice,
    ['[[party]]', 'name = "trusted-publishers"', 'publishers = ["github:trailofbits/*"]', 'weight = 2.0'].join('\n'),
  );

  before(async () => {
    // PyPI's Integrity API, as far as the gate asks it: the provenance of the one attested file.
    const body = readFileSync(join(PEP740, `${SDIST}.provenance`));
    integrity = createServer((req, res) => {
      if (req.url === `/integrity/${PROJECT}/0.0.19/${SDIST}/provenance`) {
        res.writeHead(200, { 'Content-Type': 'application/vnd.pypi.integrity.v1+json' });
        res.end(body);
      } else {
        res.writeHead(404);
        res.end();
      }
    });
    await new Promise<void>((resolve) => integrity.listen(0, '127.0.0.1', resolve));
    provenanceUrl = `http://127.0.0.1:${(integrity.address() as AddressInfo).port}/integrity/${PROJECT}/0.0.19/${SDIST}/provenance`;
    unattested = await sdistFile(PROJECT, '0.0.20');
    index = await startFakeIndex({ projects: [{ name: PROJECT, files: [{ ...attested, provenance: provenanceUrl }, unattested] }] });
  });
  after(async () => {
    for (const s of servers) await s.close();
    await index.close();
    await new Promise((resolve) => integrity.close(resolve));
  });

  const start = async (mode: 'filter' | 'deny', dirs: PyvouchDirs, veto = '"publisher-changed", "attestation-missing"'): Promise<InProcess> => {
    // veto-findings belongs in [policy]: write it there.
    const path = join(tempDir(), 'pyvouch.toml');
    writeFileSync(path, readFileSync(policyPath, 'utf8').replace('[policy]\n', `[policy]\nveto-findings = [${veto}]\n`));
    const policy = await loadPolicy(path);
    const withPinning = await startInProcess({
      upstream: index.url,
      policyPath: path,
      mode,
      token: TOKEN,
      extra: { provenance: shippedTrustedRoot(), pinning: await servePinning(dirs, () => policy) },
    });
    servers.push(withPinning);
    const posted = await postStatements(withPinning.origin, [review(alice, PROJECT, '0.0.20', [unattested])]);
    assert.equal(posted.status, 201);
    return withPinning;
  };
  const home = (): PyvouchDirs => {
    const dir = tempDir('pyvouch-pinhome-');
    return { config: join(dir, 'config'), data: join(dir, 'data'), cache: join(dir, 'cache') };
  };

  test('filter mode pins the first publisher and hides a later release without attestation', async () => {
    const dirs = home();
    const s = await start('filter', dirs);
    const res = await fetch(`${s.origin}/simple/${PROJECT}/`, { headers: { Accept: 'application/vnd.pypi.simple.v1+json' } });
    assert.equal(res.status, 200);
    const page = (await res.json()) as { files: { filename: string; provenance?: string }[] };
    assert.deepEqual(page.files.map((f) => f.filename), [SDIST], 'the reviewed but unattested 0.0.20 is hidden');
    const pins = await FilePinStore.inDataDir(dirs.data).load(PROJECT);
    assert.deepEqual(pins?.publishers.map((p) => [p.publisher, p.firstVersion, p.pinned]), [[PUBLISHER, '0.0.19', true]]);
    const refused = await fetch(`${s.origin}/files/${PROJECT}/${unattested.filename}`);
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /flags it attestation-missing[\s\S]*0\.0\.20 has no verified PEP 740 attestation, but releases since 0\.0\.19 were published by github:trailofbits\/pypi-attestations/);
    // The provenance itself is passed through to clients.
    const prov = await fetch(`${s.origin}/files/${PROJECT}/${SDIST}.provenance`);
    assert.equal(prov.status, 200);
    assert.equal((await prov.text()).length > 100, true);
  });

  test('without the finding in veto-findings the reviewed release is listed (the policy decides)', async () => {
    const s = await start('filter', home(), '"malicious"');
    const page = (await (await fetch(`${s.origin}/simple/${PROJECT}/`, { headers: { Accept: 'application/vnd.pypi.simple.v1+json' } })).json()) as { files: { filename: string }[] };
    assert.deepEqual(page.files.map((f) => f.filename).sort(), [SDIST, unattested.filename].sort());
  });

  test('`pyvouch serve --provenance` pins under PYVOUCH_HOME; `--no-pin` turns it off', async () => {
    const dir = tempDir('pyvouch-pincli-');
    const path = join(dir, 'pyvouch.toml');
    writeFileSync(path, readFileSync(policyPath, 'utf8').replace('[policy]\n', '[policy]\nveto-findings = ["attestation-missing"]\n'));
    const common = ['--upstream', index.url, '--policy', path, '--store', join(dir, 'pyvouch.db'), '--cache-dir', join(dir, 'cache'), '--mode', 'deny', '--provenance'];
    for (const [extra, status] of [[[], 403], [['--no-pin'], 200]] as const) {
      const home = tempDir('pyvouch-pincli-home-');
      const served = await spawnServe([...common, ...extra], { PYVOUCH_HOME: home });
      try {
        const posted = await postStatements(served.origin, [review(alice, PROJECT, '0.0.20', [unattested])]);
        assert.equal(posted.status, 201);
        assert.equal((await fetch(`${served.origin}/files/${PROJECT}/${SDIST}`)).status, 200, 'the attested release passes on its publisher');
        const res = await fetch(`${served.origin}/files/${PROJECT}/${unattested.filename}`);
        assert.equal(res.status, status, await res.text());
        assert.equal(existsSync(join(home, 'publisher-pins.json')), extra.length === 0);
      } finally {
        await served.stop();
      }
    }
  });

  test('deny mode refuses a file by another publisher with the reason, and serves it after accept-publisher', async () => {
    const dirs = home();
    // An earlier release was published by another repository (pins as a previous run left them).
    await FilePinStore.inDataDir(dirs.data).save(recordRelease(emptyPins(PROJECT), { version: '0.0.18', publishers: ['github:someone/else'] }, '2025-01-01T00:00:00Z'));
    const s = await start('deny', dirs);
    const refused = await fetch(`${s.origin}/files/${PROJECT}/${SDIST}`);
    assert.equal(refused.status, 403);
    assert.match(refused.statusText, /Forbidden: pyvouch: pypi-attestations 0\.0\.19 fails the policy: vetoed: .*publisher-changed/);
    assert.match(await refused.text(), /0\.0\.19 was published by github:trailofbits\/pypi-attestations, not by the pinned github:someone\/else/);
    const log = (await (await fetch(`${s.origin}/api/log?project=${PROJECT}`)).json()) as { entries: { action: string; reasons: string[] }[] };
    assert.ok(log.entries.some((e) => e.action === 'refuse' && e.reasons.some((r) => r.includes('not by the pinned'))), 'the decision log keeps the reason');

    // A stranger's acceptance does not count; the user's own does.
    const stranger = { ...dirs, config: join(dirs.config, 'stranger') };
    await writeKeyFile(stranger.config, generateIdentity({ name: 'stranger' }));
    await acceptPublisher({ ...stranger, data: dirs.data }, PROJECT, PUBLISHER);
    await writeKeyFile(dirs.config, generateIdentity({ name: 'me' }));
    const still = await start('deny', dirs);
    assert.equal((await fetch(`${still.origin}/files/${PROJECT}/${SDIST}`)).status, 403);
    await acceptPublisher(dirs, PROJECT, PUBLISHER);
    const accepted = await start('deny', dirs);
    const served = await fetch(`${accepted.origin}/files/${PROJECT}/${SDIST}`);
    assert.equal(served.status, 200, await served.clone().text());
    assert.deepEqual(new Uint8Array(await served.arrayBuffer()), attested.content);
  });
});

describe('upstream pinning: trust on first use in release order', () => {
  const file = (version: string): IndexFile => ({
    filename: `demo-${version}.tar.gz`,
    url: `https://files.example/demo-${version}.tar.gz`,
    hashes: { sha256: sha256(version) },
    yanked: false,
    coreMetadata: false,
    provenance: `https://pypi.example/integrity/demo/${version}/provenance`,
  });
  // Stand-ins for verified provenance: 1.0 and 1.1 by the project's repository, 1.2 by a stolen token's.
  const by: Record<string, string> = { '1.0': 'github:acme/demo', '1.1': 'github:acme/demo', '1.2': 'github:mallory/demo' };
  const verified = (_project: string, f: IndexFile): Promise<Statement[]> => {
    const version = f.filename.slice('demo-'.length, -'.tar.gz'.length);
    const id = by[version]!;
    return Promise.resolve([
      {
        id: sha256(`publish ${version}`),
        kind: 'publish',
        predicateType: 'https://docs.pypi.org/attestations/publish/v1',
        agent: `publisher:${id}`,
        startTime: '2025-01-01T00:00:00Z',
        description: '',
        subjects: [{ name: f.filename, sha256: f.hashes['sha256']! }],
        criteria: [],
        source: { kind: 'provenance', name: id },
        publisher: { kind: 'github', id },
      },
    ]);
  };
  const signer = generateIdentity({ name: 'pyvouch (this machine)' });

  test("asked first about the newest file, it still pins the oldest release's publisher", async () => {
    const store = new MemoryPinStore();
    const page = [file('1.2'), file('1.0'), file('1.1')];
    const hook = upstreamPinning(verified, { store, signer, trusted: () => false, page: () => Promise.resolve(page) });
    const now = new Date('2025-06-01T00:00:00Z');
    const newest = await hook('demo', file('1.2'), now);
    const flags = newest.filter((s) => s.kind === 'flag');
    assert.deepEqual(flags.map((s) => s.finding?.kind), ['publisher-changed']);
    assert.equal(flags[0]!.agent, signer.did);
    assert.deepEqual((await hook('demo', file('1.0'), now)).filter((s) => s.kind === 'flag'), []);
    const pins = await store.load('demo');
    assert.deepEqual(pins?.publishers.map((p) => [p.publisher, p.pinned]), [['github:acme/demo', true], ['github:mallory/demo', false]]);
  });
});
