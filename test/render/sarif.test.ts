// SARIF output of `check`, validated against the OASIS SARIF 2.1.0 JSON schema
// (test/fixtures/schemas/sarif-2.1.0-rtm.5.json, see the README there), as GitHub code scanning
// expects it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import * as draft04 from 'ajv-draft-04';

// A CommonJS package: under NodeNext its default export arrives as `.default` of the module.
type AjvCtor = new (opts: draft04.Options) => {
  compile(schema: object): draft04.ValidateFunction;
  errorsText(errors?: draft04.ErrorObject[] | null): string;
};
const Ajv = (draft04 as unknown as { default: AjvCtor }).default;
import { checkToSarif } from '../../src/render/sarif.js';
import { exampleContext } from './helpers.js';

const schema = JSON.parse(readFileSync(new URL('../fixtures/schemas/sarif-2.1.0-rtm.5.json', import.meta.url), 'utf8')) as object;

function validator(): (doc: unknown) => string | null {
  // unicodeRegExp off: the official schema's language pattern `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$`
  // has a stray `]` that only non-unicode regular expressions accept.
  const ajv = new Ajv({ allErrors: true, strict: false, unicodeRegExp: false });
  const validate = ajv.compile(schema);
  return (doc) => (validate(doc) ? null : ajv.errorsText(validate.errors));
}

test('check --format sarif validates against the SARIF 2.1.0 schema', async () => {
  const ctx = await exampleContext();
  const doc = checkToSarif(ctx, { toolVersion: '0.0.0-test', locate: () => 3 });
  assert.equal(validator()(doc), null);
  const results = (doc as { runs: { results: { ruleId: string }[] }[] }).runs[0]!.results;
  assert.equal(results.length, ctx.report.nodes.filter((n) => n.verdict === 'fail').length);
});

test('the SARIF schema check is live: a result without a message is refused', async () => {
  const doc = checkToSarif(await exampleContext(), { toolVersion: '0.0.0-test' }) as { runs: { results: Record<string, unknown>[] }[] };
  delete doc.runs[0]!.results[0]!.message;
  assert.notEqual(validator()(doc), null);
});
