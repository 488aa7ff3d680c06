// Import benchmark (issue: statements): N real signed envelopes verified and stored, per second,
// for the embedded store and for PostgreSQL, next to the raw node:crypto Ed25519 verify rate on
// the same machine in the same run. Goal: import at least half the raw verify rate.
//   node --import tsx bench/import.ts [--n 100000] [--batch 1000]
import { createPublicKey, verify } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { pae } from '../src/attest/dsse.js';
import { publicKeyFromDid } from '../src/attest/did.js';
import type { Envelope } from '../src/attest/types.js';
import { importEnvelopes } from '../src/store/import.js';
import { openPostgresStore } from '../src/store/postgres.js';
import { openSqliteStore } from '../src/store/sqlite.js';
import type { StatementStore } from '../src/store/store.js';
import { fmt, identities, packageName, releaseVersion, rng, signPlanned } from './_synthetic.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '100000' }, batch: { type: 'string', default: '10000' } } });
const n = Number(values.n);
const batch = Number(values.batch);
const postgresUrl = process.env['PYVOUCH_BENCH_POSTGRES'] ?? process.env['PYVOUCH_TEST_POSTGRES'] ?? 'postgres://postgres@127.0.0.1:5432/test';

console.log(`import benchmark: ${fmt(n)} signed statements, batches of ${batch}; ${cpus().length} cpus, load ${loadavg()[0]!.toFixed(1)}`);

// Inputs: 200 signers, statements about 20,000 releases.
const signers = identities(200);
const random = rng(42);
let t0 = performance.now();
const envelopes: Envelope[] = [];
const kinds = ['assess', 'review', 'vote', 'like'] as const;
for (let i = 0; i < n; i++) {
  const p = Math.floor(random() * 5000);
  envelopes.push(
    signPlanned({
      signer: signers[Math.floor(random() * signers.length)]!,
      kind: kinds[i % kinds.length]!,
      name: packageName(p),
      version: releaseVersion(p, Math.floor(random() * 4)),
      startTime: `2026-0${1 + (i % 9)}-1${i % 10}T12:00:00Z`,
    }),
  );
}
// Identical inputs (same signer, kind, release and time) make identical envelopes; the store keeps one.
const distinct = new Set(envelopes.map((e) => e.payload + e.signatures[0]!.sig)).size;
console.log(`  (signed the inputs in ${fmt((performance.now() - t0) / 1000, 1)} s)`);

// The peer: raw Ed25519 verification with node:crypto of exactly the bytes DSSE signs, with the key
// objects made beforehand — the floor any verifying import stands on.
const keys = new Map(signers.map((s) => [s.did, createPublicKey({ key: Buffer.concat([Buffer.from('302a300506032b6570032100', 'hex'), publicKeyFromDid(s.did)]), format: 'der', type: 'spki' })]));
const prepared = envelopes.map((e) => ({
  message: pae(e.payloadType, Buffer.from(e.payload, 'base64')),
  sig: Buffer.from(e.signatures[0]!.sig, 'base64'),
  key: keys.get(e.signatures[0]!.keyid!)!,
}));
t0 = performance.now();
let ok = 0;
for (const p of prepared) if (verify(null, p.message, p.key, p.sig)) ok++;
const rawMs = performance.now() - t0;
if (ok !== n) throw new Error(`raw verify failed for ${n - ok} envelopes`);
const rawRate = (n / rawMs) * 1000;

async function importInto(store: StatementStore): Promise<number> {
  // The same code path as `pyvouch import`: verify and store in batches, overlapped.
  const start = performance.now();
  const outcome = await importEnvelopes(store, envelopes, { batch });
  const ms = performance.now() - start;
  const count = await store.count();
  if (count !== distinct || outcome.rejected.length > 0) throw new Error(`stored ${count} of ${distinct} distinct statements`);
  return (n / ms) * 1000;
}

const dir = mkdtempSync(join(tmpdir(), 'pyvouch-bench-import-'));
const sqlite = openSqliteStore(join(dir, 'pyvouch.db'));
const sqliteRate = await importInto(sqlite);
await sqlite.close();
rmSync(dir, { recursive: true, force: true });

const schema = `pyvouch_bench_${process.pid}`;
const admin = new pg.Client({ connectionString: postgresUrl });
await admin.connect();
let pgRate = NaN;
try {
  const url = new URL(postgresUrl);
  url.searchParams.set('schema', schema);
  const store = await openPostgresStore(url.toString());
  pgRate = await importInto(store);
  await store.close();
} finally {
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}

const row = (label: string, rate: number): string => `  ${label.padEnd(44)} ${fmt(rate).padStart(10)} /s   ${(rate / rawRate).toFixed(2)} of raw verify`;
console.log(row('raw node:crypto Ed25519 verify (peer)', rawRate));
console.log(row('import: verify + store, SQLite (embedded)', sqliteRate));
console.log(row('import: verify + store, PostgreSQL', pgRate));
