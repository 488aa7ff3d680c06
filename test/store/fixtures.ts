// Builders of structurally valid StoredStatements for store tests and the store benchmark. The
// signatures are not real (a store never verifies; its caller did, on import), but the shapes,
// sizes and ids are: the id is the sha256 of the canonical envelope, as attest computes it.

import { createHash } from 'node:crypto';
import type {
  Envelope,
  Statement,
  StatementKind,
  StatementSubject,
  StoredStatement,
  TrustLevel,
} from '../../src/attest/types.js';
import { statementId } from '../../src/attest/dsse.js';

const PAYLOAD_TYPE = 'application/vnd.in-toto+json';
const PREDICATE_TYPES: Record<StatementKind, string> = {
  assess: 'https://schema.org/AssessAction',
  review: 'https://schema.org/ReviewAction',
  vote: 'https://schema.org/VoteAction',
  like: 'https://schema.org/LikeAction',
  flag: 'https://pyvouch.dev/predicates/flag/v1',
  trust: 'https://pyvouch.dev/predicates/trust/v1',
  rotate: 'https://pyvouch.dev/predicates/rotate/v1',
  publish: 'https://docs.pypi.org/attestations/publish/v1',
};

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/** A deterministic lower-case sha256 hex for a seed. */
export function fakeSha256(seed: string | number): string {
  return digest(`artifact:${seed}`).toString('hex');
}

/** A deterministic did:key-shaped identity for a seed (not a real key). */
export function fakeAgent(seed: string | number): string {
  return `did:key:z6Mk${digest(`agent:${seed}`).toString('base64url').replace(/[-_]/g, 'x').slice(0, 44)}`;
}

export interface FakeStatementOptions {
  kind?: StatementKind;
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
}

/** One statement with its envelope; equal options give equal statements and ids. */
export function fakeStatement(options: FakeStatementOptions = {}): StoredStatement {
  const kind = options.kind ?? 'assess';
  const agent = options.agent ?? fakeAgent('alice');
  const about = kind !== 'trust' && kind !== 'rotate';
  const name = options.name ?? 'requests';
  const version = options.version ?? '2.32.3';
  const subjects = options.subjects ?? (about ? [{ name: `${name}-${version}-py3-none-any.whl`, sha256: fakeSha256(`${name}-${version}`) }] : []);
  const criteria = options.criteria ?? (kind === 'assess' ? ['safe-to-deploy'] : []);
  const description = `fake ${kind} statement${options.nonce === undefined ? '' : ` #${options.nonce}`}`;

  const body: Omit<Statement, 'id'> = {
    kind,
    predicateType: PREDICATE_TYPES[kind],
    agent,
    startTime: options.startTime ?? '2025-01-01T00:00:00Z',
    ...(options.endTime === undefined ? {} : { endTime: options.endTime }),
    description,
    ...(about ? { package: { name, version, purl: `pkg:pypi/${name}@${version}` } } : {}),
    subjects,
    criteria,
    ...(kind === 'review' ? { rating: 'positive' as const } : {}),
    ...(kind === 'vote' ? { vote: 'for' as const } : {}),
    ...(kind === 'flag' ? { finding: { kind: 'malicious', severity: 'high' as const } } : {}),
    ...(kind === 'trust'
      ? { trust: { subject: options.trusts ?? fakeAgent('bob'), level: options.level ?? 'high', criteria } }
      : {}),
    ...(kind === 'rotate' ? { rotation: { from: agent, to: options.rotatesTo ?? fakeAgent(`${agent}:next`) } } : {}),
  };

  // The payload is an in-toto Statement v1 carrying the body as its predicate: the real encoding
  // belongs to attest/, but size and shape are close enough for storage.
  const inToto = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: subjects.map((s) => ({ name: s.name, digest: { sha256: s.sha256 } })),
    predicateType: body.predicateType,
    predicate: { '@context': 'https://schema.org', ...body },
  };
  const payload = Buffer.from(JSON.stringify(inToto)).toString('base64');
  const envelope: Envelope = {
    payloadType: PAYLOAD_TYPE,
    payload,
    signatures: [{ keyid: agent, sig: Buffer.concat([digest(payload), digest(agent)]).toString('base64') }],
  };
  return { envelope, statement: { id: statementId(envelope), ...body } };
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
