// `serve --provenance`: the gated index's per-file decisions weigh upstream's PEP 740 provenance
// (test/corpora/pep740), verified against upstream's sha256; anything unverifiable counts nothing.
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { upstreamProvenanceStatements } from '../../src/app/provenance-source.js';
import type { SetAside } from '../../src/app/sources.js';
import { Decider, PolicyHolder } from '../../src/server/decide.js';
import { Freshness } from '../../src/server/freshness.js';
import { shippedTrustedRoot } from '../../src/provenance/trusted-root.js';
import type { IndexFile } from '../../src/simple/types.js';
import { openDecisionLog, type DecisionLog } from '../../src/store/decisions.js';
import { openStore } from '../../src/store/open.js';
import type { StatementStore } from '../../src/store/store.js';
import { loadPolicy } from '../../src/trust/load.js';
import { PEP740, SDIST, SDIST_SHA256, flipBase64, provenanceJson } from './fixtures.js';

const UPSTREAM = 'https://pypi.example/simple/';
const file = (sha256 = SDIST_SHA256): IndexFile => ({
  filename: SDIST,
  url: `https://files.example/${SDIST}`,
  hashes: { sha256 },
  yanked: false,
  coreMetadata: false,
  provenance: `https://pypi.example/integrity/${SDIST}/provenance`,
});

describe('serve --provenance decisions', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-provserve-'));
  let store: StatementStore;
  let log: DecisionLog;
  let freshness: Freshness;
  let served: Uint8Array | undefined = readFileSync(join(PEP740, `${SDIST}.provenance`));
  let fetches = 0;
  const setAside: SetAside[] = [];
  const upstream = {
    provenance: () => {
      fetches++;
      return Promise.resolve(served === undefined ? undefined : { body: served });
    },
  };
  const decider = (glob: string, hook = upstreamProvenanceStatements(upstream, shippedTrustedRoot(), { ttlMs: 0, onSetAside: (s) => setAside.push(s) })) => {
    const path = join(dir, `${glob.replace(/\W/g, '_')}.toml`);
    writeFileSync(path, `[policy]\nthreshold = 1.0\n[[party]]\nname = "trusted-publishers"\npublishers = ["${glob}"]\nweight = 1.0\n`);
    return loadPolicy(path).then((p) => new Decider({ store, policy: new PolicyHolder(p, path), freshness, indexUrl: UPSTREAM, fileStatements: hook }));
  };

  before(async () => {
    store = await openStore(join(dir, 'pyvouch.db'), dir);
    log = await openDecisionLog(join(dir, 'pyvouch.db'), dir);
    freshness = new Freshness(log);
    await freshness.start();
  });
  after(async () => {
    await freshness.close();
    await log.close();
    await store.close();
  });

  test("allows a file on its upstream provenance by a matching trusted publisher", async () => {
    const [d] = await (await decider('github:trailofbits/*')).decide('pypi-attestations', [file()], true);
    assert.equal(d!.verdict, 'pass', d!.summary);
    assert.equal(d!.report!.contributions[0]!.agent, 'github:trailofbits/pypi-attestations');
  });

  test('refuses it under a publisher glob that does not match', async () => {
    const [d] = await (await decider('github:pallets/*')).decide('pypi-attestations', [file()], true);
    assert.equal(d!.allowed, false);
  });

  test('counts nothing when upstream lists another sha256 for the file (digest-mismatch)', async () => {
    setAside.length = 0;
    const [d] = await (await decider('github:trailofbits/*')).decide('pypi-attestations', [file('ab'.repeat(32))], true);
    assert.equal(d!.allowed, false);
    assert.match(setAside[0]!.message, /digest-mismatch/);
  });

  test('counts nothing for tampered or malformed provenance, or none served', async () => {
    const forged = provenanceJson() as { attestation_bundles: { attestations: { envelope: { signature: string } }[] }[] };
    const env = forged.attestation_bundles[0]!.attestations[0]!.envelope;
    env.signature = flipBase64(env.signature, 3);
    for (const body of [Buffer.from(JSON.stringify(forged)), Buffer.from('{not json'), undefined]) {
      served = body;
      setAside.length = 0;
      const [d] = await (await decider('github:trailofbits/*')).decide('pypi-attestations', [file()], true);
      assert.equal(d!.allowed, false, d!.summary);
      if (body !== undefined) assert.equal(setAside.length, 1);
    }
    served = readFileSync(join(PEP740, `${SDIST}.provenance`));
  });

  test('verifies a file once while its result is fresh', async () => {
    fetches = 0;
    const hook = upstreamProvenanceStatements(upstream, shippedTrustedRoot());
    const now = new Date();
    await hook('pypi-attestations', file(), now);
    await hook('pypi-attestations', file(), now);
    assert.equal(fetches, 1);
  });
});
