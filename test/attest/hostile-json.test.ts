// Deeply nested JSON in an envelope or its signed payload (issue 19, item 5) is refused with
// JSON_TOO_DEEP before any recursive code walks it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signEnvelope } from '../../src/attest/dsse.js';
import { generateIdentity } from '../../src/attest/keys.js';
import { IN_TOTO_PAYLOAD_TYPE } from '../../src/attest/statement.js';
import { parseEnvelopeJson, readEnvelope, verifyStatementEnvelope } from '../../src/attest/verify.js';
import { jsonTextDepth, jsonValueDepth, MAX_JSON_DEPTH } from '../../src/text/json-depth.js';
import { codeOf } from '../support/errors.js';

const alice = generateIdentity();
const deep = (n: number): string => '['.repeat(n) + ']'.repeat(n);

test('an envelope file with 100,000 nested arrays in an extra field is JSON_TOO_DEEP', () => {
  const text = `{"payloadType":"${IN_TOTO_PAYLOAD_TYPE}","payload":"","signatures":[],"x":${deep(100_000)}}`;
  assert.equal(codeOf(() => parseEnvelopeJson(text, 'deep.json')), 'JSON_TOO_DEEP');
  assert.equal(codeOf(() => readEnvelope(JSON.parse(text))), 'JSON_TOO_DEEP');
});

test('a signed payload of 100,000 nested objects is JSON_TOO_DEEP, not a stack overflow', () => {
  const payload = '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000);
  const envelope = signEnvelope(Buffer.from(payload), IN_TOTO_PAYLOAD_TYPE, alice.privateKey, alice.did);
  assert.equal(codeOf(() => verifyStatementEnvelope(envelope)), 'JSON_TOO_DEEP');
});

test('the depth scanner skips brackets inside strings and escaped quotes', () => {
  assert.equal(jsonTextDepth('{"a":"[[[[\\"[[[","b":[1,[2]]}'), 3);
  assert.equal(jsonValueDepth({ a: '[[[', b: [1, [2]] }), 3);
  assert.equal(jsonTextDepth(deep(MAX_JSON_DEPTH)), MAX_JSON_DEPTH);
  assert.ok(jsonTextDepth(deep(10 * MAX_JSON_DEPTH)) > MAX_JSON_DEPTH);
});
