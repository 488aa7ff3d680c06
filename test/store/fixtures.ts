// Builders of real, signed StoredStatements for store tests and the store benchmark: a store
// verifies every envelope it reads back, so the signatures must be real. Identities come from
// seeds (equal seeds, equal keys), and statements from attest's own builder and signer.

import { createHash } from 'node:crypto';
import type { SignedStatementKind as StatementKind, StatementSubject, StoredStatement, TrustLevel } from '../../src/attest/types.js';
import { identityFromPrivateKey, privateKeyFromSeed, type Identity } from '../../src/attest/keys.js';
import { buildStatement, signStatement, type StatementInput } from '../../src/attest/statement.js';
import { decodeStatementEnvelope } from '../../src/attest/verify.js';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** A deterministic lower-case sha256 hex for a seed. */
export function fakeSha256(seed: string | number): string {
  return digest(`artifact:${seed}`).toString('hex');
}

const identities = new Map<string, Identity>();

/** A deterministic identity for a seed (a real Ed25519 key). */
export function fakeIdentity(seed: string | number): Identity {
  const key = String(seed);
  let identity = identities.get(key);
  if (identity === undefined) {
    identity = identityFromPrivateKey(privateKeyFromSeed(new Uint8Array(digest(`agent:${key}`))));
    identities.set(key, identity);
    identities.set(identity.did, identity);
  }
  return identity;
}

/** The did:key of fakeIdentity(seed). */
export function fakeAgent(seed: string | number): string {
  return fakeIdentity(seed).did;
}

export interface FakeStatementOptions {
  kind?: StatementKind;
  /** A did from fakeAgent(). */
  agent?: string;
  /** Canonical package name (package statements). */
  name?: string;
  version?: string;
  subjects?: StatementSubject[];
  startTime?: string;
  endTime?: string;
  criteria?: string[];
  /** Trust statements: whom the agent trusts. */
  trusts?: string;
  level?: TrustLevel;
  /** Rotation statements: the identity that replaces the agent. */
  rotatesTo?: string;
  /** Anything that should make two otherwise equal statements different (and so their ids). */
  nonce?: string | number;
  description?: string;
}

/** One signed statement with its envelope; equal options give equal statements and ids. */
export function fakeStatement(options: FakeStatementOptions = {}): StoredStatement {
  const kind = options.kind ?? 'assess';
  const agent = options.agent ?? fakeAgent('alice');
  const identity = identities.get(agent);
  if (identity === undefined) throw new Error(`fakeStatement: ${agent} is not a fakeAgent() identity`);
  const about = kind !== 'trust' && kind !== 'rotate';
  const name = options.name ?? 'requests';
  const version = options.version ?? '2.32.3';
  const subjects = options.subjects ?? (about ? [{ name: `${name}-${version}-py3-none-any.whl`, sha256: fakeSha256(`${name}-${version}`) }] : []);
  const criteria = options.criteria ?? (kind === 'assess' ? ['safe-to-deploy'] : []);
  const input: StatementInput = {
    kind,
    agent: { did: agent },
    description: options.description ?? `fake ${kind} statement${options.nonce === undefined ? '' : ` #${options.nonce}`}`,
    startTime: options.startTime ?? '2025-01-01T00:00:00Z',
    ...(options.endTime === undefined ? {} : { endTime: options.endTime }),
    ...(about ? { package: { name, version }, artifacts: subjects.map((s) => ({ filename: s.name, sha256: s.sha256 })) } : {}),
    ...(kind === 'assess' || kind === 'review' ? { criteria } : {}),
    ...(kind === 'review' ? { rating: 'positive' as const } : {}),
    ...(kind === 'vote' ? { vote: 'for' as const } : {}),
    ...(kind === 'flag' ? { finding: { kind: 'malicious', severity: 'high' as const } } : {}),
    ...(kind === 'trust' ? { trust: { subject: options.trusts ?? fakeAgent('bob'), level: options.level ?? 'high', criteria } } : {}),
    ...(kind === 'rotate' ? { rotation: { from: agent, to: options.rotatesTo ?? fakeAgent(`${agent}:next`) } } : {}),
  };
  const envelope = signStatement(buildStatement(input), identity);
  // What a store gives back: the statement decoded from the envelope (no receipt fields yet).
  return decodeStatementEnvelope(envelope);
}

export interface CorpusOptions {
  /** Distinct packages the statements are about. */
  packages?: number;
  agents?: number;
  /** Seed for the nonces, so two corpora with different seeds share no ids. */
  seed?: string;
}

/** The package name of corpus package `i`. */
export function corpusPackage(i: number): string {
  return `pkg-${i.toString().padStart(5, '0')}`;
}

/**
 * `n` distinct statements spread over packages, versions, agents and kinds the way an imported
 * feed is: mostly assessments and reviews, some flags and votes, a few trust statements.
 */
export function fakeCorpus(n: number, options: CorpusOptions = {}): StoredStatement[] {
  const packages = options.packages ?? Math.max(1, Math.floor(n / 20));
  const agents = options.agents ?? 50;
  const kinds: StatementKind[] = ['assess', 'assess', 'assess', 'review', 'review', 'vote', 'like', 'flag', 'trust'];
  const out: StoredStatement[] = [];
  for (let i = 0; i < n; i++) {
    const kind = kinds[i % kinds.length] ?? 'assess';
    const name = corpusPackage(i % packages);
    const version = `1.${i % 7}.${i % 3}`;
    out.push(
      fakeStatement({
        kind,
        agent: fakeAgent(i % agents),
        name,
        version,
        subjects:
          kind === 'trust'
            ? []
            : [
                { name: `${name.replace(/-/g, '_')}-${version}-py3-none-any.whl`, sha256: fakeSha256(`${name}-${version}-whl`) },
                { name: `${name.replace(/-/g, '_')}-${version}.tar.gz`, sha256: fakeSha256(`${name}-${version}-sdist`) },
              ],
        trusts: fakeAgent((i + 1) % agents),
        nonce: `${options.seed ?? 'corpus'}:${i}`,
      }),
    );
  }
  return out;
}
