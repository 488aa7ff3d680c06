// One signed statement has one identity however its envelope is spelled (issue 19, item 6): the id
// follows from the canonical signed content, so re-sending it cannot store another copy.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { signEnvelope, statementId } from '../../src/attest/dsse.js';
import { generateIdentity } from '../../src/attest/keys.js';
import { buildStatement, IN_TOTO_PAYLOAD_TYPE, signStatement } from '../../src/attest/statement.js';
import type { Envelope } from '../../src/attest/types.js';
import { decodeStatementEnvelope, verifyStatementEnvelope } from '../../src/attest/verify.js';
import { openSqliteStore } from '../../src/store/sqlite.js';
import { sampleInputs } from '../fixtures/attest/statements.js';

const alice = generateIdentity({ name: 'Alice Example' });
const bob = generateIdentity();
const envelope = signStatement(buildStatement(sampleInputs(alice, bob).assess), alice);
const sig = envelope.signatures[0]!.sig;

const spellings: Record<string, Envelope> = {
  'url-safe base64': {
    ...envelope,
    payload: Buffer.from(envelope.payload, 'base64').toString('base64url'),
    signatures: [{ keyid: alice.did, sig: Buffer.from(sig, 'base64').toString('base64url') }],
  },
  'base64 without padding': { ...envelope, payload: envelope.payload.replace(/=+$/, ''), signatures: [{ keyid: alice.did, sig: sig.replace(/=+$/, '') }] },
  'an extra bogus signature': { ...envelope, signatures: [{ keyid: 'did:key:bogus', sig: Buffer.alloc(64, 7).toString('base64') }, ...envelope.signatures] },
  'a co-signature by another key': {
    ...envelope,
    signatures: [...envelope.signatures, ...signEnvelope(Buffer.from(envelope.payload, 'base64'), IN_TOTO_PAYLOAD_TYPE, bob.privateKey, bob.did).signatures],
  },
  'no keyid': { ...envelope, signatures: [{ sig }] },
};

test('an envelope pyvouch signed keeps the id it always had (no store migration needed)', () => {
  assert.equal(verifyStatementEnvelope(envelope).statement.id, statementId(envelope));
  assert.deepEqual(verifyStatementEnvelope(envelope).envelope, envelope);
});

for (const [how, respelled] of Object.entries(spellings)) {
  test(`one signed statement re-sent with ${how} has the same id and stored envelope`, () => {
    const stored = verifyStatementEnvelope(respelled);
    assert.equal(stored.statement.id, statementId(envelope));
    assert.deepEqual(stored.envelope, envelope);
    // Reading the stored envelope back gives the same statement.
    assert.equal(decodeStatementEnvelope(stored.envelope).statement.id, stored.statement.id);
  });
}

const root = mkdtempSync(join(tmpdir(), 'pyvouch-identity-'));
after(() => rmSync(root, { recursive: true, force: true }));

test('one signed statement sent in five spellings is stored once', async () => {
  const store = openSqliteStore(join(root, 'pyvouch.db'));
  try {
    const first = await store.put([verifyStatementEnvelope(envelope)]);
    assert.equal(first.inserted.length, 1);
    for (const respelled of Object.values(spellings)) {
      const again = await store.put([verifyStatementEnvelope(respelled)]);
      assert.deepEqual(again.inserted, []);
    }
    assert.equal(await store.count(), 1);
  } finally {
    await store.close();
  }
});
