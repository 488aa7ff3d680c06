import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { signEnvelope, statementId } from '../../src/attest/dsse.js';
import { generateIdentity } from '../../src/attest/keys.js';
import { buildStatement, IN_TOTO_PAYLOAD_TYPE, signStatement, type InTotoStatement } from '../../src/attest/statement.js';
import type { Envelope } from '../../src/attest/types.js';
import { decodeStatementEnvelope, parseEnvelopeJson, verifyStatementEnvelope } from '../../src/attest/verify.js';
import { isPyvouchError, type PyvouchError } from '../../src/errors.js';
import { SDIST_SHA256, START, WHEEL_SHA256, sampleInputs } from '../fixtures/attest/statements.js';

const alice = generateIdentity({ name: 'Alice Example' });
const bob = generateIdentity();
const mallory = generateIdentity();
const inputs = sampleInputs(alice, bob);
const statement = buildStatement(inputs.assess);
const envelope = signStatement(statement, alice);

function rejects(fn: () => unknown, code: string, check: (err: PyvouchError) => boolean = () => true): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(isPyvouchError(err), `expected a PyvouchError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.ok(check(err), `unexpected details: ${JSON.stringify(err.toJSON())}`);
    return true;
  });
}

/** Signs any JSON as alice, the way a buggy or hostile producer could. */
function signedByAlice(value: unknown): Envelope {
  return signEnvelope(Buffer.from(JSON.stringify(value)), IN_TOTO_PAYLOAD_TYPE, alice.privateKey, alice.did);
}

function edited(change: (s: InTotoStatement & { predicate: Record<string, unknown> }) => void): InTotoStatement {
  const copy = structuredClone(statement) as InTotoStatement & { predicate: Record<string, unknown> };
  change(copy);
  return copy;
}

describe('verifyStatementEnvelope accepts', () => {
  it('a statement signed by its agent, returning the envelope without unknown fields', () => {
    const withExtra = { ...envelope, comment: 'producers may add fields', signatures: [{ ...envelope.signatures[0], extra: 1 }] };
    const stored = verifyStatementEnvelope(withExtra);
    assert.deepEqual(stored.envelope, envelope);
    assert.equal(stored.statement.id, statementId(envelope));
  });

  it('an envelope co-signed by someone else as well as the agent', () => {
    const cosigned = signStatement(statement, alice);
    const other = signEnvelope(Buffer.from(cosigned.payload, 'base64'), IN_TOTO_PAYLOAD_TYPE, mallory.privateKey, mallory.did);
    cosigned.signatures.unshift(...other.signatures);
    assert.equal(verifyStatementEnvelope(cosigned).statement.agent, alice.did);
  });

  it('a signature without a keyid (DSSE keyids are optional hints)', () => {
    const bare: Envelope = { ...envelope, signatures: [{ sig: envelope.signatures[0]?.sig ?? '' }] };
    assert.equal(verifyStatementEnvelope(bare).statement.agent, alice.did);
  });

  it('URL-safe base64, which DSSE verifiers must accept', () => {
    const urlSafe: Envelope = {
      ...envelope,
      payload: Buffer.from(envelope.payload, 'base64').toString('base64url'),
      signatures: envelope.signatures.map((s) => ({ ...s, sig: Buffer.from(s.sig, 'base64').toString('base64url') })),
    };
    assert.deepEqual(
      { ...verifyStatementEnvelope(urlSafe).statement, id: '' },
      { ...verifyStatementEnvelope(envelope).statement, id: '' },
    );
  });

  it('artifacts whose digests match, ignoring files the statement does not name', () => {
    const digests = new Map([
      ['requests-2.32.3-py3-none-any.whl', WHEEL_SHA256.toUpperCase()],
      ['requests-2.32.3.tar.gz', SDIST_SHA256],
      ['unrelated-1.0.tar.gz', '0'.repeat(64)],
    ]);
    assert.equal(verifyStatementEnvelope(envelope, { artifactDigests: digests }).statement.subjects.length, 2);
  });

  it('a statement starting within five minutes of the verifier clock', () => {
    const now = new Date(Date.parse(START) - 4 * 60 * 1000);
    assert.equal(verifyStatementEnvelope(envelope, { now }).statement.startTime, START);
  });
});

describe('verifyStatementEnvelope rejects', () => {
  it('a truncated envelope file with ENVELOPE_INVALID naming the file and line', () => {
    const text = JSON.stringify(envelope, null, 2);
    rejects(() => parseEnvelopeJson(text.slice(0, text.length - 20), 'feed/review.json'), 'ENVELOPE_INVALID', (e) => e.file === 'feed/review.json' && e.line !== undefined && e.line > 1);
  });

  it('an envelope file holding something else, naming the file', () => {
    rejects(() => parseEnvelopeJson('[1, 2]', 'x.json'), 'ENVELOPE_INVALID', (e) => e.file === 'x.json');
  });

  const shapes: [string, unknown, string, string | undefined][] = [
    ['null', null, 'ENVELOPE_INVALID', undefined],
    ['a string', 'eyJ9', 'ENVELOPE_INVALID', undefined],
    ['an array', [envelope], 'ENVELOPE_INVALID', undefined],
    ['a missing payloadType', { ...envelope, payloadType: undefined }, 'ENVELOPE_INVALID', 'payloadType'],
    ['another payloadType', { ...envelope, payloadType: 'application/json' }, 'PAYLOAD_TYPE', 'payloadType'],
    ['a missing payload', { ...envelope, payload: undefined }, 'ENVELOPE_INVALID', 'payload'],
    ['a payload that is not base64', { ...envelope, payload: envelope.payload.slice(0, 10) + '*' + envelope.payload.slice(11) }, 'ENVELOPE_INVALID', 'payload'],
    ['a payload cut to an impossible base64 length', { ...envelope, payload: envelope.payload.slice(0, Math.floor(envelope.payload.length / 4) * 4 - 3) }, 'ENVELOPE_INVALID', 'payload'],
    ['no signatures field', { ...envelope, signatures: undefined }, 'ENVELOPE_INVALID', 'signatures'],
    ['an empty signature list', { ...envelope, signatures: [] }, 'ENVELOPE_INVALID', 'signatures'],
    ['a signature that is not base64', { ...envelope, signatures: [{ keyid: alice.did, sig: '!!' }] }, 'ENVELOPE_INVALID', 'signatures[0].sig'],
    ['a signature without sig', { ...envelope, signatures: [{ keyid: alice.did }] }, 'ENVELOPE_INVALID', 'signatures[0].sig'],
    ['a numeric keyid', { ...envelope, signatures: [{ keyid: 7, sig: envelope.signatures[0]?.sig }] }, 'ENVELOPE_INVALID', 'signatures[0].keyid'],
  ];
  for (const [why, value, code, path] of shapes) {
    it(`${why} with ${code}`, () => {
      rejects(() => verifyStatementEnvelope(value), code, (e) => e.path === path);
      rejects(() => decodeStatementEnvelope(value), code, (e) => e.path === path);
    });
  }

  it("a statement signed by another identity's key, naming itself as keyid, with AGENT_MISMATCH", () => {
    const forged = signEnvelope(Buffer.from(envelope.payload, 'base64'), IN_TOTO_PAYLOAD_TYPE, mallory.privateKey, mallory.did);
    rejects(() => verifyStatementEnvelope(forged), 'AGENT_MISMATCH', (e) => e.message.includes(mallory.did) && e.message.includes(alice.did));
  });

  it("a statement signed by another key but claiming the agent's keyid, with SIG_INVALID", () => {
    const forged = signEnvelope(Buffer.from(envelope.payload, 'base64'), IN_TOTO_PAYLOAD_TYPE, mallory.privateKey, alice.did);
    rejects(() => verifyStatementEnvelope(forged), 'SIG_INVALID');
  });

  it('a statement signed by another key with no keyid, with SIG_INVALID', () => {
    const forged = signEnvelope(Buffer.from(envelope.payload, 'base64'), IN_TOTO_PAYLOAD_TYPE, mallory.privateKey, '');
    rejects(() => verifyStatementEnvelope(forged), 'SIG_INVALID');
  });

  it('a payload edited after signing, with SIG_INVALID', () => {
    const tampered = edited((s) => {
      s.predicate.criteria = ['safe-to-deploy', 'safe-to-run', 'audited'];
    });
    const payload = Buffer.from(JSON.stringify(tampered)).toString('base64');
    rejects(() => verifyStatementEnvelope({ ...envelope, payload }), 'SIG_INVALID');
  });

  it('a flipped bit in the signature, with SIG_INVALID', () => {
    const sig = Buffer.from(envelope.signatures[0]?.sig ?? '', 'base64');
    sig[10] = (sig[10] ?? 0) ^ 1;
    rejects(() => verifyStatementEnvelope({ ...envelope, signatures: [{ keyid: alice.did, sig: sig.toString('base64') }] }), 'SIG_INVALID');
  });

  it('a signature of the right length that is all zeros, with SIG_INVALID', () => {
    rejects(() => verifyStatementEnvelope({ ...envelope, signatures: [{ keyid: alice.did, sig: Buffer.alloc(64).toString('base64') }] }), 'SIG_INVALID');
  });

  it('a payload cut short at a valid base64 boundary: it no longer parses, STATEMENT_INVALID', () => {
    rejects(() => verifyStatementEnvelope({ ...envelope, payload: envelope.payload.slice(0, 40) }), 'STATEMENT_INVALID');
  });

  it('a signed payload that is not JSON, with STATEMENT_INVALID', () => {
    const env = signEnvelope(Buffer.from('{"_type": "https://in-toto.io/Statement/v1", '), IN_TOTO_PAYLOAD_TYPE, alice.privateKey, alice.did);
    rejects(() => verifyStatementEnvelope(env), 'STATEMENT_INVALID');
  });

  it('a signed statement without an agent, with STATEMENT_INVALID at predicate.agent.@id', () => {
    rejects(() => verifyStatementEnvelope(signedByAlice(edited((s) => delete s.predicate.agent))), 'STATEMENT_INVALID', (e) => e.path === 'predicate.agent.@id');
  });

  const badShapes: [string, (s: InTotoStatement & { predicate: Record<string, unknown> }) => void, string][] = [
    ['another statement type', (s) => (s._type = 'https://in-toto.io/Statement/v0.1'), '_type'],
    ['an unknown predicate type', (s) => (s.predicateType = 'https://slsa.dev/provenance/v1'), 'predicateType'],
    ['no description', (s) => delete s.predicate.description, 'predicate.description'],
    ['a criterion that is a number', (s) => (s.predicate.criteria = ['safe-to-run', 5]), 'predicate.criteria[1]'],
    ['an upper-case subject digest', (s) => s.subject[0] && (s.subject[0].digest.sha256 = WHEEL_SHA256.toUpperCase()), 'subject[0].digest.sha256'],
    ['a subject naming another release', (s) => s.subject[1] && (s.subject[1].uri = 'pkg:pypi/requests@2.0'), 'subject[1].uri'],
    ['no subjects', (s) => (s.subject = []), 'subject'],
    ['a replaced JSON-LD context', (s) => (s.predicate['@context'] = 'https://schema.org'), 'predicate.@context'],
    ['a review type on an assess statement', (s) => (s.predicate['@type'] = 'ReviewAction'), 'predicate.@type'],
    ['a non-canonical package name', (s) => (s.predicate.object = { '@id': 'pkg:pypi/Requests@2.32.3' }), 'predicate.object.@id'],
    ['a start time that is not a date-time', (s) => (s.predicate.startTime = 'June 1st'), 'predicate.startTime'],
    ['a delta from another package', (s) => (s.predicate.deltaFrom = { '@id': 'pkg:pypi/httpx@0.27.0' }), 'predicate.deltaFrom.@id'],
  ];
  for (const [why, change, path] of badShapes) {
    it(`a correctly signed statement with ${why}, with STATEMENT_INVALID at ${path}`, () => {
      const env = signedByAlice(edited(change));
      rejects(() => verifyStatementEnvelope(env), 'STATEMENT_INVALID', (e) => e.path === path);
      rejects(() => decodeStatementEnvelope(env), 'STATEMENT_INVALID', (e) => e.path === path);
    });
  }

  it('a rotation signed by an identity other than the one it retires', () => {
    const rotation = buildStatement(inputs.rotate) as InTotoStatement & { predicate: Record<string, unknown> };
    rotation.predicate.replacee = { '@id': bob.did };
    rotation.predicate.replacer = { '@id': mallory.did };
    rotation.subject = [{ uri: mallory.did, digest: { sha256: '' } }];
    rejects(() => verifyStatementEnvelope(signedByAlice(rotation)), 'STATEMENT_INVALID', (e) =>
      e.problems.some((p) => p.path === 'predicate.replacee.@id'),
    );
  });

  it('every bad field of a statement in one error', () => {
    const env = signedByAlice(
      edited((s) => {
        delete s.predicate.description;
        s.predicate.criteria = [];
        s.predicate.endTime = '2020-01-01T00:00:00Z';
      }),
    );
    rejects(() => verifyStatementEnvelope(env), 'STATEMENT_INVALID', (e) =>
      JSON.stringify(e.problems.map((p) => p.path)) === JSON.stringify(['predicate.description', 'predicate.endTime', 'predicate.criteria']),
    );
  });

  it('a subject whose digest differs from the artifact at hand, with DIGEST_MISMATCH', () => {
    const digests = new Map([['requests-2.32.3.tar.gz', 'c'.repeat(64)]]);
    rejects(() => verifyStatementEnvelope(envelope, { artifactDigests: digests }), 'DIGEST_MISMATCH', (e) => e.message.includes('requests-2.32.3.tar.gz'));
  });

  it('a statement dated in the future of the verifier clock', () => {
    const now = new Date(Date.parse(START) - 6 * 60 * 1000);
    rejects(() => verifyStatementEnvelope(envelope, { now }), 'STATEMENT_INVALID', (e) => e.path === 'predicate.startTime');
  });
});
