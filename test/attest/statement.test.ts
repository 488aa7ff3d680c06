import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { canonicalJson } from '../../src/attest/canonical.js';
import { statementId } from '../../src/attest/dsse.js';
import { generateIdentity } from '../../src/attest/keys.js';
import { PREDICATE_CONTEXT } from '../../src/attest/predicate.js';
import { purlFor, parsePypiPurl } from '../../src/attest/purl.js';
import {
  buildStatement,
  IN_TOTO_PAYLOAD_TYPE,
  isTimestamp,
  signStatement,
  type StatementInput,
} from '../../src/attest/statement.js';
import type { SignedStatementKind as StatementKind, Statement } from '../../src/attest/types.js';
import { decodeStatementEnvelope, parseEnvelopeJson, verifyStatementEnvelope } from '../../src/attest/verify.js';
import { isPyvouchError } from '../../src/errors.js';
import { END, SDIST_SHA256, START, WHEEL_SHA256, sampleInputs } from '../fixtures/attest/statements.js';

const alice = generateIdentity({ name: 'Alice Example' });
const bob = generateIdentity();
const inputs = sampleInputs(alice, bob);
const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const code = (expected: string, path?: string) => (err: unknown) =>
  isPyvouchError(err) && err.code === expected && (path === undefined || err.path === path);

// What each sample must decode to, written out by hand (not computed by the code under test).
const expected: Record<Exclude<StatementKind, 'publish'>, Omit<Statement, 'id'>> = {
  assess: {
    kind: 'assess',
    predicateType: 'https://pyvouch.dev/attestation/assess/v1',
    agent: alice.did,
    agentName: 'Alice Example',
    startTime: START,
    endTime: END,
    description: 'Read the diff from 2.31.0; nothing surprising.',
    package: { name: 'requests', version: '2.32.3', purl: 'pkg:pypi/requests@2.32.3' },
    subjects: [
      { name: 'requests-2.32.3-py3-none-any.whl', sha256: WHEEL_SHA256 },
      { name: 'requests-2.32.3.tar.gz', sha256: SDIST_SHA256 },
    ],
    criteria: ['safe-to-deploy', 'safe-to-run'],
    deltaFrom: '2.31',
  },
  review: {
    kind: 'review',
    predicateType: 'https://pyvouch.dev/attestation/review/v1',
    agent: alice.did,
    agentName: 'Alice Example',
    startTime: START,
    description: 'Well-kept typing backports.',
    package: { name: 'typing-extensions', version: '4.12.2', purl: 'pkg:pypi/typing-extensions@4.12.2' },
    subjects: [],
    criteria: ['safe-to-run'],
    rating: 'positive',
  },
  vote: {
    kind: 'vote',
    predicateType: 'https://pyvouch.dev/attestation/vote/v1',
    agent: alice.did,
    agentName: 'Alice Example',
    startTime: START,
    description: 'Prefer to wait for 2.2.3.',
    package: { name: 'urllib3', version: '2.2.2', purl: 'pkg:pypi/urllib3@2.2.2' },
    subjects: [],
    criteria: [],
    vote: 'against',
  },
  like: {
    kind: 'like',
    predicateType: 'https://pyvouch.dev/attestation/like/v1',
    agent: alice.did,
    startTime: START,
    description: '',
    package: { name: 'flask', version: '3.0.3', purl: 'pkg:pypi/flask@3.0.3' },
    subjects: [],
    criteria: [],
  },
  flag: {
    kind: 'flag',
    predicateType: 'https://pyvouch.dev/attestation/flag/v1',
    agent: alice.did,
    agentName: 'Alice Example',
    startTime: START,
    description: 'Typosquat of requests; setup.py exfiltrates ~/.aws.',
    package: { name: 'reqeusts', version: '1.0.0rc1', purl: 'pkg:pypi/reqeusts@1.0.0rc1' },
    subjects: [{ name: 'reqeusts-1.0.0rc1.tar.gz', sha256: SDIST_SHA256 }],
    criteria: [],
    finding: { kind: 'malicious', severity: 'critical' },
  },
  trust: {
    kind: 'trust',
    predicateType: 'https://pyvouch.dev/attestation/trust/v1',
    agent: alice.did,
    agentName: 'Alice Example',
    startTime: START,
    endTime: END,
    description: 'Bob reviews carefully.',
    subjects: [],
    criteria: [],
    trust: { subject: bob.did, level: 'high', weight: 0.75, criteria: ['safe-to-deploy'] },
  },
  rotate: {
    kind: 'rotate',
    predicateType: 'https://pyvouch.dev/attestation/rotate/v1',
    agent: alice.did,
    agentName: 'Alice Example',
    startTime: START,
    description: 'New laptop, new key.',
    subjects: [],
    criteria: [],
    rotation: { from: alice.did, to: bob.did },
  },
  retract: {
    kind: 'retract',
    predicateType: 'https://pyvouch.dev/attestation/retract/v1',
    agent: alice.did,
    agentName: 'Alice Example',
    startTime: START,
    description: 'Reviewed the wrong tarball.',
    subjects: [],
    criteria: [],
    retracts: ['c'.repeat(64)],
  },
};

describe('statement round trip: build, sign, serialise, parse, verify', () => {
  for (const kind of Object.keys(inputs) as Exclude<StatementKind, 'publish'>[]) {
    it(`gives back every field of a ${kind} statement`, () => {
      const envelope = signStatement(buildStatement(inputs[kind]), alice);
      const text = JSON.stringify(envelope, null, 2);
      const parsed = parseEnvelopeJson(text, `${kind}.json`);
      const { statement, envelope: kept } = verifyStatementEnvelope(parsed);
      assert.deepEqual(statement, { id: statementId(envelope), ...expected[kind] });
      assert.deepEqual(kept, envelope);
      // Reading back from a store decodes to the identical statement.
      assert.deepEqual(decodeStatementEnvelope(JSON.parse(text)).statement, statement);
    });
  }

  it('signs the RFC 8785 canonical JSON of the statement', () => {
    const statement = buildStatement(inputs.review);
    const envelope = signStatement(statement, alice);
    assert.equal(envelope.payloadType, IN_TOTO_PAYLOAD_TYPE);
    assert.equal(Buffer.from(envelope.payload, 'base64').toString('utf8'), canonicalJson(statement));
  });

  it('writes the in-toto and schema.org shape documented in statement.ts and predicate.ts', () => {
    const statement = buildStatement(inputs.assess);
    assert.deepEqual(statement, {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [
        { name: 'requests-2.32.3-py3-none-any.whl', uri: 'pkg:pypi/requests@2.32.3', digest: { sha256: WHEEL_SHA256 } },
        { name: 'requests-2.32.3.tar.gz', uri: 'pkg:pypi/requests@2.32.3', digest: { sha256: SDIST_SHA256 } },
      ],
      predicateType: 'https://pyvouch.dev/attestation/assess/v1',
      predicate: {
        '@context': PREDICATE_CONTEXT,
        '@type': 'AssessAction',
        agent: { '@id': alice.did, name: 'Alice Example' },
        object: { '@id': 'pkg:pypi/requests@2.32.3' },
        description: 'Read the diff from 2.31.0; nothing surprising.',
        startTime: START,
        endTime: END,
        criteria: ['safe-to-deploy', 'safe-to-run'],
        deltaFrom: { '@id': 'pkg:pypi/requests@2.31' },
      },
    });
  });

  it('names a release without files, and an identity, by URI with the sha256 of that URI', () => {
    assert.deepEqual(buildStatement(inputs.like).subject, [
      { uri: 'pkg:pypi/flask@3.0.3', digest: { sha256: sha256('pkg:pypi/flask@3.0.3') } },
    ]);
    assert.deepEqual(buildStatement(inputs.trust).subject, [{ uri: bob.did, digest: { sha256: sha256(bob.did) } }]);
    assert.deepEqual(buildStatement(inputs.rotate).subject, [{ uri: bob.did, digest: { sha256: sha256(bob.did) } }]);
  });

  it('maps each kind to its schema.org (or pyvouch) action type', () => {
    const types = Object.fromEntries(
      (Object.keys(inputs) as Exclude<StatementKind, 'publish'>[]).map((kind) => [kind, buildStatement(inputs[kind]).predicate['@type']]),
    );
    assert.deepEqual(types, {
      assess: 'AssessAction',
      review: 'ReviewAction',
      vote: 'VoteAction',
      like: 'LikeAction',
      flag: 'AssessAction',
      trust: 'TrustAction',
      rotate: 'ReplaceAction',
      retract: 'DeleteAction',
    });
  });
});

describe('statement ids', () => {
  it('are stable: the same statement signed twice has the same id', () => {
    const a = signStatement(buildStatement(inputs.vote), alice);
    const b = signStatement(buildStatement(inputs.vote), alice);
    assert.equal(statementId(a), statementId(b));
    assert.equal(verifyStatementEnvelope(a).statement.id, statementId(b));
  });

  it('differ when any field of the statement differs', () => {
    const base = inputs.assess;
    const variants: StatementInput[] = [
      base,
      { ...base, description: base.description + '.' },
      { ...base, criteria: ['safe-to-deploy'] },
      { ...base, package: { name: 'requests', version: '2.32.4' } },
      { ...base, startTime: '2024-06-01T12:00:01Z' },
      { ...base, endTime: '2026-01-01T00:00:00Z' },
      { ...base, deltaFrom: '2.30' },
      { ...base, artifacts: [{ filename: 'requests-2.32.3-py3-none-any.whl', sha256: WHEEL_SHA256 }] },
      { ...base, agent: { did: alice.did } },
    ];
    const ids = new Set(variants.map((input) => statementId(signStatement(buildStatement(input), alice))));
    assert.equal(ids.size, variants.length);
  });

  it('do not depend on how a name or version was spelled', () => {
    const one = signStatement(buildStatement({ ...inputs.like, package: { name: 'Flask', version: '3.0.3' } }), alice);
    const two = signStatement(buildStatement({ ...inputs.like, package: { name: 'flask', version: 'v3.0.3' } }), alice);
    assert.equal(statementId(one), statementId(two));
  });
});

describe('buildStatement normalisation', () => {
  const cases: [string, string, string][] = [
    ['Typing_Extensions', '4.12.2', 'pkg:pypi/typing-extensions@4.12.2'],
    ['zope.interface', '6.4.post2', 'pkg:pypi/zope-interface@6.4.post2'],
    ['Django', '1.0-RC1', 'pkg:pypi/django@1.0rc1'],
    ['torch', '2.3.1+CPU', 'pkg:pypi/torch@2.3.1%2Bcpu'],
    ['legacy', '1!2.0', 'pkg:pypi/legacy@1%212.0'],
  ];
  for (const [name, version, purl] of cases) {
    it(`names ${name} ${version} as ${purl}`, () => {
      assert.equal(purlFor(name, version), purl);
      const built = buildStatement({ ...inputs.like, package: { name, version } });
      assert.deepEqual(built.predicate.object, { '@id': purl });
      const release = parsePypiPurl(purl);
      assert.equal(purlFor(release.name, release.version), purl);
    });
  }

  const unnormalised = [
    'pkg:pypi/Django@1.0',
    'pkg:pypi/django@1.0-rc1',
    'pkg:pypi/torch@2.3.1+cpu',
    'pkg:pypi/django@1.0?file_name=x.whl',
    'pkg:pypi/django',
    'pkg:npm/django@1.0',
  ];
  for (const purl of unnormalised) {
    it(`refuses to read the non-canonical purl ${purl}`, () => {
      assert.throws(() => parsePypiPurl(purl), code('STATEMENT_INVALID'));
    });
  }
});

describe('buildStatement refuses what cannot be signed', () => {
  const cases: [string, StatementInput, string, string][] = [
    ['an assessment without criteria', { ...inputs.assess, criteria: [] }, 'STATEMENT_INVALID', 'criteria'],
    ['a review without a rating', { ...inputs.review, rating: undefined as never }, 'STATEMENT_INVALID', 'rating'],
    ['a vote that is neither for nor against', { ...inputs.vote, vote: 'maybe' as never }, 'STATEMENT_INVALID', 'vote'],
    ['a flag without a finding', { ...inputs.flag, finding: undefined as never }, 'STATEMENT_INVALID', 'finding'],
    ['a flag with an unknown severity', { ...inputs.flag, finding: { kind: 'malicious', severity: 'dire' as never } }, 'STATEMENT_INVALID', 'finding.severity'],
    ['criteria on a vote', { ...inputs.vote, criteria: ['safe-to-run'] }, 'STATEMENT_INVALID', 'criteria'],
    ['a package on a trust statement', { ...inputs.trust, package: { name: 'x', version: '1' } }, 'STATEMENT_INVALID', 'package'],
    ['a like without a package', { ...inputs.like, package: undefined as never }, 'STATEMENT_INVALID', 'package'],
    ['an upper-case digest', { ...inputs.flag, artifacts: [{ filename: 'a.tar.gz', sha256: SDIST_SHA256.toUpperCase() }] }, 'STATEMENT_INVALID', 'artifacts[0].sha256'],
    ['a file named twice', { ...inputs.assess, artifacts: [{ filename: 'a.whl', sha256: WHEEL_SHA256 }, { filename: 'a.whl', sha256: SDIST_SHA256 }] }, 'STATEMENT_INVALID', 'artifacts[1].filename'],
    ['a path for a file name', { ...inputs.flag, artifacts: [{ filename: '../a.tar.gz', sha256: SDIST_SHA256 }] }, 'STATEMENT_INVALID', 'artifacts[0].filename'],
    ['an end before the start', { ...inputs.vote, endTime: '2024-05-01T00:00:00Z' }, 'STATEMENT_INVALID', 'endTime'],
    ['a start time without an offset', { ...inputs.vote, startTime: '2024-06-01 12:00' }, 'STATEMENT_INVALID', 'startTime'],
    ['a trust in something that is not a did:key', { ...inputs.trust, trust: { subject: 'did:web:example.com', level: 'high' } }, 'STATEMENT_INVALID', 'trust.subject'],
    ['a negative trust weight', { ...inputs.trust, trust: { subject: bob.did, level: 'low', weight: -1 } }, 'STATEMENT_INVALID', 'trust.weight'],
    ['a rotation signed by someone other than the old key', { ...inputs.rotate, rotation: { from: bob.did, to: alice.did } }, 'STATEMENT_INVALID', 'rotation.from'],
    ['a rotation to the same key', { ...inputs.rotate, rotation: { from: alice.did, to: alice.did } }, 'STATEMENT_INVALID', 'rotation.to'],
    ['a delta from the version itself', { ...inputs.assess, deltaFrom: '2.32.3' }, 'STATEMENT_INVALID', 'deltaFrom'],
    ['an agent that is not a did:key', { ...inputs.like, agent: { did: 'alice' } }, 'STATEMENT_INVALID', 'agent'],
    ['an invalid version', { ...inputs.like, package: { name: 'flask', version: 'three' } }, 'INVALID_VERSION', ''],
    ['an invalid name', { ...inputs.like, package: { name: '-flask-', version: '3.0' } }, 'INVALID_NAME', ''],
  ];
  for (const [why, input, errorCode, path] of cases) {
    it(`refuses ${why} (${errorCode}${path === '' ? '' : ` at ${path}`})`, () => {
      assert.throws(() => buildStatement(input), code(errorCode, path === '' ? undefined : path));
    });
  }

  it('reports every bad field at once', () => {
    const input: StatementInput = { ...inputs.review, rating: undefined as never, criteria: ['', 'x', 'x'], endTime: 'soon' };
    assert.throws(
      () => buildStatement(input),
      (err: unknown) =>
        isPyvouchError(err) &&
        err.code === 'STATEMENT_INVALID' &&
        JSON.stringify(err.problems.map((p) => p.path)) === JSON.stringify(['endTime', 'criteria[0]', 'criteria[2]', 'rating']),
    );
  });

  it('refuses to sign a statement whose agent is someone else (AGENT_MISMATCH)', () => {
    assert.throws(() => signStatement(buildStatement(inputs.vote), bob), code('AGENT_MISMATCH'));
  });

  it('defaults the start time to now', () => {
    const before = Date.now();
    const { startTime, ...rest } = inputs.like;
    void startTime;
    const built = buildStatement(rest);
    const at = Date.parse(built.predicate.startTime as string);
    assert.ok(at >= before - 1000 && at <= Date.now() + 1000);
  });
});

describe('RFC 3339 timestamps', () => {
  const good = ['2024-06-01T12:00:00Z', '2024-02-29T23:59:59.999+01:00', '2024-06-01T12:00:00-07:30'];
  const bad = ['2024-06-01', '2024-06-01T12:00:00', '2023-02-29T00:00:00Z', '2024-13-01T00:00:00Z', '2024-06-01T24:00:00Z', 'yesterday'];
  for (const text of good) it(`accepts ${text}`, () => assert.equal(isTimestamp(text), true));
  for (const text of bad) it(`rejects ${text}`, () => assert.equal(isTimestamp(text), false));
});
