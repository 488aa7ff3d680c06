// Gated index decision-miss benchmark (issues 12 and 15): what the first-seen clock and publisher
// pinning add to deciding a project page whose decisions are not cached, measured side by side
// with the same Decider without them, in one run, reported as ratios.
//   node --import tsx bench/serve-decide.ts [--files 120] [--rounds 30]
// A. first-seen: `Decider.decide` of a page of reviewed wheels (no upload-time, min-age 3d), with
//    decisions never reused (ttl 0): without firstSeen, with it warm (times in memory), and cold
//    (a fresh Decider per round: every time read from the SQLite decision log).
// B. pinning: the per-file hook over stand-in verified statements (no Sigstore: that cost is
//    bench/provenance.ts's), with and without upstreamPinning over the JSON pins file.
import { mkdtempSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { generateIdentity } from '../src/attest/keys.js';
import { buildStatement, signStatement } from '../src/attest/statement.js';
import type { Statement } from '../src/attest/types.js';
import { verifyStatementEnvelope } from '../src/attest/verify.js';
import { upstreamPinning } from '../src/app/upstream-pinning.js';
import { FilePinStore } from '../src/provenance/pin-store.js';
import { Decider, PolicyHolder } from '../src/server/decide.js';
import { Freshness } from '../src/server/freshness.js';
import type { IndexFile } from '../src/simple/types.js';
import { openDecisionLog } from '../src/store/decisions.js';
import { openStore } from '../src/store/open.js';
import { parsePolicyToml } from '../src/trust/parse.js';
import { sha256, wheelFile } from '../test/support/fake-index.js';

const { values } = parseArgs({ options: { files: { type: 'string', default: '120' }, rounds: { type: 'string', default: '30' } } });
const FILES = Number(values.files);
const ROUNDS = Number(values.rounds);

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
async function time(rounds: number, work: (round: number) => Promise<unknown>): Promise<number> {
  const runs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t = process.hrtime.bigint();
    await work(r);
    runs.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return median(runs);
}

const dir = mkdtempSync(join(tmpdir(), 'pyvouch-bench-decide-'));
const reviewer = generateIdentity({ name: 'Reviewer' });
const wheels = Array.from({ length: FILES }, (_, i) => wheelFile('benchpkg', `1.${i}`));
const files: IndexFile[] = wheels.map((w) => ({ filename: w.filename, url: `https://files.example/${w.filename}`, hashes: { sha256: sha256(w.content) }, yanked: false, coreMetadata: false }));
const store = await openStore(join(dir, 'pyvouch.db'), dir);
const log = await openDecisionLog(join(dir, 'pyvouch.db'), dir);
const freshness = new Freshness(log);
await freshness.start();
await store.put(
  wheels.map((w, i) =>
    verifyStatementEnvelope(
      signStatement(
        buildStatement({
          kind: 'assess',
          agent: { did: reviewer.did, name: 'Reviewer' },
          package: { name: 'benchpkg', version: `1.${i}` },
          artifacts: [{ filename: w.filename, sha256: sha256(w.content) }],
          criteria: ['safe-to-deploy'],
          description: 'reviewed',
          startTime: '2025-01-01T00:00:00Z',
        }),
        reviewer,
      ),
    ),
  ),
);
const policy = new PolicyHolder(
  parsePolicyToml(`[policy]\nthreshold = 1.0\nmin-age = "3d"\n[[party]]\nname = "r"\nidentity = "${reviewer.did}"\nweight = 1.0\n`, { file: 'bench.toml' }),
  undefined,
);
const base = { store, policy, freshness, indexUrl: 'https://pypi.example/simple/', ttlMs: 0 };
const seen = (f: Parameters<NonNullable<typeof log.firstSeen>>[0], now: Date) => log.firstSeen!(f, now);

const without = new Decider(base);
const warm = new Decider({ ...base, firstSeen: seen });
await without.decide('benchpkg', files, false);
await warm.decide('benchpkg', files, false);
const tWithout = await time(ROUNDS, () => without.decide('benchpkg', files, false));
const tWarm = await time(ROUNDS, () => warm.decide('benchpkg', files, false));
const tCold = await time(ROUNDS, () => new Decider({ ...base, firstSeen: seen }).decide('benchpkg', files, false));
const tColdWithout = await time(ROUNDS, () => new Decider(base).decide('benchpkg', files, false));

// B. pinning, per file, over stand-in verified statements.
const publish = (f: IndexFile): Statement[] => [
  {
    id: sha256(`publish ${f.filename}`),
    kind: 'publish',
    predicateType: 'https://docs.pypi.org/attestations/publish/v1',
    agent: 'publisher:github:acme/benchpkg',
    startTime: '2025-01-01T00:00:00Z',
    description: '',
    subjects: [{ name: f.filename, sha256: f.hashes['sha256']! }],
    criteria: [],
    source: { kind: 'provenance', name: 'github:acme/benchpkg' },
    publisher: { kind: 'github', id: 'github:acme/benchpkg' },
  },
];
const withProvenance = files.map((f) => ({ ...f, provenance: `https://pypi.example/integrity/${f.filename}` }));
const verified = (_p: string, f: IndexFile) => Promise.resolve(publish(f));
const pinned = upstreamPinning(verified, { store: FilePinStore.inDataDir(dir), signer: generateIdentity(), trusted: () => false, page: () => Promise.resolve(withProvenance) });
const now = new Date();
await pinned('benchpkg', withProvenance[0]!, now);
const tHook = await time(ROUNDS, async () => {
  for (const f of withProvenance) await verified('benchpkg', f);
});
const tPinned = await time(ROUNDS, async () => {
  for (const f of withProvenance) await pinned('benchpkg', f, now);
});

await freshness.close();
await log.close();
await store.close();

const ms = (x: number): string => `${x.toFixed(2)} ms`;
console.log(`serve-decide: ${FILES} files a page, median of ${ROUNDS} rounds; ${cpus().length} cpus, load ${loadavg()[0]!.toFixed(2)}`);
console.log(`A. decide a page, decisions not cached`);
console.log(`   without first-seen          ${ms(tWithout)}`);
console.log(`   with first-seen, warm       ${ms(tWarm)}   ratio ${(tWarm / tWithout).toFixed(2)}`);
console.log(`   fresh Decider, without      ${ms(tColdWithout)}`);
console.log(`   fresh Decider, first-seen   ${ms(tCold)}   ratio ${(tCold / tColdWithout).toFixed(2)} (times read from SQLite)`);
console.log(`B. provenance hook per page (stand-in verification)`);
console.log(`   without pinning             ${ms(tHook)}`);
console.log(`   with pinning (pins cached)  ${ms(tPinned)}   ${((tPinned - tHook) / FILES * 1000).toFixed(1)} µs a file`);
