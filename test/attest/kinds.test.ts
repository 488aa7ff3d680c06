// Statement kinds added for issue #10: retract, flags with a version range, and `publish`, which no
// signed envelope may claim to be.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildStatement, signStatement } from '../../src/attest/statement.js';
import { generateIdentity } from '../../src/attest/keys.js';
import { signEnvelope } from '../../src/attest/dsse.js';
import { verifyStatementEnvelope } from '../../src/attest/verify.js';
import { isPyvouchError } from '../../src/errors.js';

const alice = generateIdentity({ name: 'Alice' });
const flagInput = {
  kind: 'flag' as const,
  agent: { did: alice.did },
  package: { name: 'six', version: '1.2' },
  finding: { kind: 'malicious', severity: 'critical' as const, affected: '>=1.0,<1.4' },
  description: 'backdoor in setup.py',
  startTime: '2025-05-01T00:00:00Z',
};

test('a flag keeps its version range through signing and verification', () => {
  const { statement } = verifyStatementEnvelope(signStatement(buildStatement(flagInput), alice));
  assert.deepEqual(statement.finding, { kind: 'malicious', severity: 'critical', affected: '>=1.0,<1.4' });
});

test('a flag with an unreadable range is refused', () => {
  assert.throws(
    () => buildStatement({ ...flagInput, finding: { ...flagInput.finding, affected: 'soon' } }),
    (err: unknown) => isPyvouchError(err) && err.code === 'STATEMENT_INVALID',
  );
});

test('a retract statement names the statements it takes back, and round-trips', () => {
  const target = 'a'.repeat(64);
  const { statement } = verifyStatementEnvelope(
    signStatement(buildStatement({ kind: 'retract', agent: { did: alice.did }, retracts: [target], description: 'wrong file', startTime: '2025-05-01T00:00:00Z' }), alice),
  );
  assert.equal(statement.kind, 'retract');
  assert.deepEqual(statement.retracts, [target]);
  assert.throws(
    () => buildStatement({ kind: 'retract', agent: { did: alice.did }, retracts: ['nope'], description: '' }),
    (err: unknown) => isPyvouchError(err) && err.code === 'STATEMENT_INVALID',
  );
});

test('an envelope claiming to be a publish statement is refused: only provenance verification makes them', () => {
  const built = buildStatement(flagInput);
  const forged = { ...built, predicateType: 'https://pyvouch.dev/attestation/publish/v1' };
  const payload = new TextEncoder().encode(JSON.stringify(forged));
  const envelope = signEnvelope(payload, 'application/vnd.in-toto+json', alice.privateKey, alice.did);
  assert.throws(
    () => verifyStatementEnvelope(envelope),
    (err: unknown) => isPyvouchError(err) && err.code === 'STATEMENT_INVALID' && /publish/.test(JSON.stringify(err)),
  );
});
