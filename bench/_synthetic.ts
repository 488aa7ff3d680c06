// Synthetic, deterministic inputs shared by the benchmarks: identities from fixed seeds, package
// releases with plausible artifact names and digests, and real signed statement envelopes about them.
import { createHash } from 'node:crypto';
import type { Envelope, Statement } from '../src/attest/types.js';
import { identityFromPrivateKey, privateKeyFromSeed, type Identity } from '../src/attest/keys.js';
import { buildStatement, signStatement } from '../src/attest/statement.js';
import { purlFor } from '../src/attest/purl.js';

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

export function identities(count: number, label = 'bench'): Identity[] {
  return Array.from({ length: count }, (_, i) =>
    identityFromPrivateKey(privateKeyFromSeed(createHash('sha256').update(`pyvouch ${label} key ${i}`).digest()), { name: `${label}-${i}` }),
  );
}

/** A small deterministic PRNG (mulberry32): benchmarks must see the same inputs every run. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export const packageName = (i: number): string => `pkg-${i.toString(36)}`;
export const releaseVersion = (i: number, v: number): string => `${1 + (i % 7)}.${v}.${i % 3}`;
export const wheelName = (name: string, version: string): string => `${name.replace(/-/g, '_')}-${version}-py3-none-any.whl`;
export const sdistName = (name: string, version: string): string => `${name.replace(/-/g, '_')}-${version}.tar.gz`;
/** The digest every benchmark agrees on for a file name. */
export const fileDigest = (filename: string): string => sha256(`bench file ${filename}`);

export interface StatementPlan {
  signer: Identity;
  kind: 'assess' | 'review' | 'vote' | 'like';
  name: string;
  version: string;
  startTime: string;
}

export function signPlanned(plan: StatementPlan): Envelope {
  const files = [wheelName(plan.name, plan.version), sdistName(plan.name, plan.version)];
  const statement = buildStatement({
    kind: plan.kind,
    agent: { did: plan.signer.did },
    package: { name: plan.name, version: plan.version },
    artifacts: files.map((filename) => ({ filename, sha256: fileDigest(filename) })),
    ...(plan.kind === 'assess' ? { criteria: ['safe-to-deploy'] } : {}),
    ...(plan.kind === 'review' ? { criteria: ['safe-to-deploy'], rating: 'positive' as const } : {}),
    ...(plan.kind === 'vote' ? { vote: 'for' as const } : {}),
    description: 'benchmark statement',
    startTime: plan.startTime,
  });
  return signStatement(statement, plan.signer);
}

/** A decoded Statement built directly (no signing), for benchmarks of the pure policy core. */
export function plainStatement(id: number, plan: Omit<StatementPlan, 'signer'> & { agent: string }): Statement {
  const files = [wheelName(plan.name, plan.version), sdistName(plan.name, plan.version)];
  return {
    id: sha256(`statement ${id}`),
    kind: plan.kind,
    predicateType: `https://pyvouch.dev/attestation/${plan.kind}/v1`,
    agent: plan.agent,
    startTime: plan.startTime,
    description: 'benchmark statement',
    package: { name: plan.name, version: plan.version, purl: purlFor(plan.name, plan.version) },
    subjects: files.map((name) => ({ name, sha256: fileDigest(name) })),
    criteria: plan.kind === 'assess' || plan.kind === 'review' ? ['safe-to-deploy'] : [],
    ...(plan.kind === 'review' ? { rating: 'positive' as const } : {}),
    ...(plan.kind === 'vote' ? { vote: 'for' as const } : {}),
  };
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

export const fmt = (n: number, digits = 0): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
