// Statement store benchmark: import throughput of put() in batches, then the reads policy makes
// (forPackages for 300 names, a full stream), for SQLite and PostgreSQL side by side.
//   node --import tsx bench/store.ts [--n 100000] [--batch 1000] [--backends sqlite,postgres] [--fake]
// Statements are really signed by 200 identities through src/attest (signing is set-up, not
// timed: a store trusts its caller, which verified on import). --fake uses the unsigned but
// same-sized statements of test/store/fixtures.ts instead, for a quicker set-up.
// PostgreSQL comes from PYVOUCH_BENCH_POSTGRES, else PYVOUCH_TEST_POSTGRES, else the local default;
// the benchmark works in a schema of its own and drops it afterwards.

import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { identityFromPrivateKey, privateKeyFromSeed, type Identity } from '../src/attest/keys.js';
import { buildStatement, signStatement, type StatementInput } from '../src/attest/statement.js';
import type { SignedStatementKind as StatementKind, StoredStatement } from '../src/attest/types.js';
import { decodeStatementEnvelope } from '../src/attest/verify.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { StatementStore } from '../src/store/store.js';
import { corpusPackage, fakeCorpus } from '../test/store/fixtures.js';

const { values } = parseArgs({
  options: {
    n: { type: 'string', default: '100000' },
    batch: { type: 'string', default: '1000' },
    backends: { type: 'string', default: 'sqlite,postgres' },
    fake: { type: 'boolean', default: false },
  },
});
const n = Number(values.n);
const batchSize = Number(values.batch);
const backends = values.backends.split(',');
const postgresUrl = process.env['PYVOUCH_BENCH_POSTGRES'] ?? process.env['PYVOUCH_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const rate = (count: number, ms: number): string => `${Math.round((count / ms) * 1000).toLocaleString('en')} statements/s`;

async function time<T>(fn: () => Promise<T>): Promise<[T, number]> {
  const start = performance.now();
  const result = await fn();
  return [result, performance.now() - start];
}

async function median(runs: number, fn: () => Promise<unknown>): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) times.push((await time(fn))[1]);
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] ?? 0;
}

/**
 * Imports the corpus, imports it again (all duplicates), then reopens the store, as the `check`
 * after an import would, and times the reads policy makes.
 */
async function measure(label: string, open: () => Promise<StatementStore>, corpus: readonly StoredStatement[], names: readonly string[]): Promise<void> {
  const writer = await open();
  console.log(`${label}  (${writer.location})`);
  const cpu = process.cpuUsage();
  const [, importMs] = await time(async () => {
    for (let i = 0; i < corpus.length; i += batchSize) await writer.put(corpus.slice(i, i + batchSize));
  });
  const used = process.cpuUsage(cpu);
  const [, dupMs] = await time(async () => {
    for (let i = 0; i < corpus.length; i += batchSize) await writer.put(corpus.slice(i, i + batchSize));
  });
  await writer.close();

  const reader = await open();
  try {
    const found = (await reader.forPackages(names)).length;
    const forPackagesMs = await median(5, () => reader.forPackages(names));
    let streamed = 0;
    const [, allMs] = await time(async () => {
      for await (const _ of reader.all()) streamed++;
    });
    const count = await reader.count();
    console.log(
      `  import      ${corpus.length} in batches of ${batchSize}: ${(importMs / 1000).toFixed(2)} s, ${rate(corpus.length, importMs)}` +
        ` (CPU of this process: ${((used.user + used.system) / 1e6).toFixed(2)} s)`,
    );
    console.log(`  re-import   all duplicates: ${(dupMs / 1000).toFixed(2)} s, ${rate(corpus.length, dupMs)}`);
    console.log(`  forPackages ${names.length} names -> ${found} statements: ${forPackagesMs.toFixed(1)} ms (median of 5)`);
    console.log(`  all()       ${streamed} streamed: ${(allMs / 1000).toFixed(2)} s, ${rate(streamed, allMs)}`);
    if (count !== corpus.length) throw new Error(`${label}: count() says ${count}, expected ${corpus.length}`);
  } finally {
    await reader.close();
  }
}

async function benchSqlite(corpus: readonly StoredStatement[], names: readonly string[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-bench-'));
  const file = join(dir, 'pyvouch.db');
  try {
    await measure('SQLite', async () => openSqliteStore(file), corpus, names);
    console.log(`  file size   ${(statSync(file).size / 1024 / 1024).toFixed(1)} MiB`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchPostgres(corpus: readonly StoredStatement[], names: readonly string[]): Promise<void> {
  const schema = `pyvouch_bench_${randomBytes(4).toString('hex')}`;
  const url = new URL(postgresUrl);
  url.searchParams.set('schema', schema);
  try {
    await (await openPostgresStore(url.toString())).close();
  } catch (err) {
    console.log(`PostgreSQL  skipped: ${(err as Error).message}`);
    return;
  }
  try {
    await measure('PostgreSQL', () => openPostgresStore(url.toString()), corpus, names);
  } finally {
    const admin = new pg.Client({ connectionString: postgresUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * `count` signed statements over `packages` packages, mixed as a feed is: mostly assessments and
 * reviews, some votes, likes and flags, and a few trust statements between the signers.
 */
function signedCorpus(count: number, packages: number): StoredStatement[] {
  const signers: Identity[] = Array.from({ length: 200 }, (_, i) =>
    identityFromPrivateKey(privateKeyFromSeed(createHash('sha256').update(`pyvouch store bench key ${i}`).digest())),
  );
  const kinds: StatementKind[] = ['assess', 'assess', 'assess', 'review', 'review', 'vote', 'like', 'flag', 'trust'];
  const out: StoredStatement[] = [];
  for (let i = 0; i < count; i++) {
    const signer = signers[i % signers.length] as Identity;
    const kind = kinds[i % kinds.length] as StatementKind;
    const name = corpusPackage(i % packages);
    const version = `1.${i % 7}.${i % 3}`;
    const files = [`${name.replace(/-/g, '_')}-${version}-py3-none-any.whl`, `${name.replace(/-/g, '_')}-${version}.tar.gz`];
    const common = { agent: { did: signer.did }, description: `bench statement ${i}`, startTime: '2025-01-01T00:00:00Z' };
    const input: StatementInput =
      kind === 'trust'
        ? { ...common, kind, trust: { subject: (signers[(i + 1) % signers.length] as Identity).did, level: 'medium' } }
        : {
            ...common,
            kind,
            package: { name, version },
            artifacts: files.map((filename) => ({ filename, sha256: sha256(`bench file ${filename}`) })),
            ...(kind === 'assess' ? { criteria: ['safe-to-deploy'] } : {}),
            ...(kind === 'review' ? { criteria: ['safe-to-deploy'], rating: 'positive' as const } : {}),
            ...(kind === 'vote' ? { vote: 'for' as const } : {}),
            ...(kind === 'flag' ? { finding: { kind: 'malicious', severity: 'high' as const } } : {}),
          };
    out.push(decodeStatementEnvelope(signStatement(buildStatement(input), signer)));
  }
  return out;
}

const packages = Math.max(300, Math.floor(n / 20));
const [corpus, generateMs] = await time(async () => (values.fake ? fakeCorpus(n, { packages, seed: 'bench' }) : signedCorpus(n, packages)));
// Every 13th package: 300 names spread over the whole table, not one corner of it.
const names = Array.from({ length: 300 }, (_, i) => corpusPackage((i * 13) % packages));
console.log(
  `${values.fake ? 'generated' : 'signed'} ${n} ${values.fake ? 'fake ' : ''}statements over ${packages} packages in ${(generateMs / 1000).toFixed(2)} s`,
);
console.log(`node ${process.version}, ${process.platform}/${process.arch}, ${cpus().length} CPUs, load average ${loadavg()[0]?.toFixed(1)}\n`);
if (backends.includes('sqlite')) await benchSqlite(corpus, names);
if (backends.includes('postgres')) await benchPostgres(corpus, names);
