// Feed sync benchmark (issue #13): a feed of N signed statements published as a TUF repository,
// served over loopback HTTP, followed and synced into a fresh SQLite store (first sync), then an
// incremental sync of 1k new statements, next to `pyvouch import` of the same files (the peer:
// same verification, same store) in the same run.
//   node --import tsx bench/feed.ts [--n 100000] [--delta 1000]
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { Envelope } from '../src/attest/types.js';
import { readEnvelopeValues } from '../src/app/envelope-files.js';
import { followFeed, syncFeed } from '../src/feed/follow.js';
import { initRepository, publishToRepository } from '../src/feed/repository.js';
import { importEnvelopes } from '../src/store/import.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import { fmt, identities, packageName, releaseVersion, signPlanned } from './_synthetic.js';
import { serveDirectory } from '../test/feed/support.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '100000' }, delta: { type: 'string', default: '1000' } } });
const n = Number(values.n);
const delta = Number(values.delta);
console.log(`feed benchmark: ${fmt(n)} statements, then ${fmt(delta)} more; ${cpus().length} cpus, load ${loadavg()[0]!.toFixed(1)}`);

const signers = identities(200, 'feed');
const kinds = ['assess', 'review', 'vote', 'like'] as const;
const sign = (i: number): Envelope =>
  signPlanned({
    signer: signers[i % signers.length]!,
    kind: kinds[i % kinds.length]!,
    name: packageName(i % 20000),
    version: releaseVersion(i % 20000, Math.floor(i / 20000)),
    // Distinct per i, so every statement is distinct (the store keeps identical ones once).
    startTime: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
  });
let t0 = performance.now();
const first = Array.from({ length: n }, (_, i) => sign(i));
const more = Array.from({ length: delta }, (_, i) => sign(n + i));
console.log(`  (signed the inputs in ${fmt((performance.now() - t0) / 1000, 1)} s)`);

const work = mkdtempSync(join(tmpdir(), 'pyvouch-bench-feed-'));
const firstFile = join(work, 'first.jsonl');
const moreFile = join(work, 'more.jsonl');
writeFileSync(firstFile, first.map((e) => JSON.stringify(e)).join('\n') + '\n');
writeFileSync(moreFile, more.map((e) => JSON.stringify(e)).join('\n') + '\n');

const seconds = (start: number): number => (performance.now() - start) / 1000;
const repo = join(work, 'repo');
const init = await initRepository(repo, { name: 'bench' });
t0 = performance.now();
await publishToRepository(repo, readEnvelopeValues([firstFile]).values.map((v) => v.value));
const publishFirst = seconds(t0);
const server = await serveDirectory(join(repo, 'repository'));
const home = join(work, 'home');
const feedStore = openSqliteStore(join(work, 'feed.db'));
await followFeed(home, { name: 'bench', location: server.url, root: readFileSync(init.rootFile), rootFile: init.rootFile });
t0 = performance.now();
const s1 = await syncFeed(home, 'bench', feedStore);
const syncFirst = seconds(t0);
if (s1.imported !== n) throw new Error(`first sync imported ${s1.imported} of ${n}`);
t0 = performance.now();
await publishToRepository(repo, readEnvelopeValues([moreFile]).values.map((v) => v.value));
const publishMore = seconds(t0);
t0 = performance.now();
const s2 = await syncFeed(home, 'bench', feedStore);
const syncMore = seconds(t0);
if (s2.imported !== delta) throw new Error(`incremental sync imported ${s2.imported} of ${delta}`);
t0 = performance.now();
const s3 = await syncFeed(home, 'bench', feedStore);
const syncNothing = seconds(t0);
if (!s3.unchanged) throw new Error('a sync with nothing new changed something');
await feedStore.close();
await server.close();

// The peer: `pyvouch import` of the same files into a fresh store (the CLI's own code path).
const importStore = openSqliteStore(join(work, 'import.db'));
const importFile = async (file: string): Promise<number> => {
  const start = performance.now();
  const read = readEnvelopeValues([file]);
  const outcome = await importEnvelopes(importStore, read.values.map((v) => v.value), { batch: 10_000, now: new Date() });
  if (outcome.rejected.length > 0) throw new Error('import rejected statements');
  return seconds(start);
};
const importFirst = await importFile(firstFile);
const importMore = await importFile(moreFile);
await importStore.close();
rmSync(work, { recursive: true, force: true });

const row = (label: string, s: number, count: number): string => `  ${label.padEnd(52)} ${fmt(s, 2).padStart(8)} s  ${fmt(count / s).padStart(9)} /s`;
console.log(row(`feed publish, ${fmt(n)} statements`, publishFirst, n));
console.log(row(`feed sync over HTTP, first (${fmt(n)})`, syncFirst, n));
console.log(row(`pyvouch import of the same file (${fmt(n)}) (peer)`, importFirst, n));
console.log(row(`feed publish, ${fmt(delta)} more`, publishMore, delta));
console.log(row(`feed sync over HTTP, incremental (${fmt(delta)})`, syncMore, delta));
console.log(row(`pyvouch import of the same file (${fmt(delta)}) (peer)`, importMore, delta));
console.log(`  feed sync with nothing new                           ${fmt(syncNothing, 3).padStart(8)} s`);
