import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { statementIri, toJsonLd } from '../../src/attest/jsonld.js';
import { generateIdentity } from '../../src/attest/keys.js';
import { buildStatement, signStatement } from '../../src/attest/statement.js';
import type { SignedStatementKind as StatementKind, StoredStatement } from '../../src/attest/types.js';
import { verifyStatementEnvelope } from '../../src/attest/verify.js';
import { sampleInputs } from '../fixtures/attest/statements.js';

// jsonld ships no types; this is the slice of its API the tests use.
interface RemoteDocument {
  contextUrl: null;
  documentUrl: string;
  document: unknown;
}
interface JsonLd {
  expand(input: unknown, options: { documentLoader: (url: string) => Promise<RemoteDocument>; safe?: boolean }): Promise<ExpandedNode[]>;
}
type ExpandedNode = Record<string, unknown> & { '@id'?: string; '@type'?: string[]; '@reverse'?: Record<string, ExpandedNode[]> };
const jsonld = createRequire(import.meta.url)('jsonld') as JsonLd;

const SCHEMA = 'http://schema.org/';
const PYVOUCH = 'https://pyvouch.dev/ns#';
const schemaOrgContext = JSON.parse(
  readFileSync(new URL('../fixtures/attest/schemaorg-context.jsonld', import.meta.url), 'utf8'),
) as unknown;

// Serves schema.org's context from the fixture; any other URL fails the test instead of going online.
async function documentLoader(url: string): Promise<RemoteDocument> {
  if (url === 'https://schema.org' || url === 'https://schema.org/') {
    return { contextUrl: null, documentUrl: url, document: schemaOrgContext };
  }
  throw new Error(`test tried to load ${url}`);
}

// safe mode turns every dropped term or value into an error, so an undefined term cannot slip by.
const expand = (doc: unknown): Promise<ExpandedNode[]> => jsonld.expand(doc, { documentLoader, safe: true });

const alice = generateIdentity({ name: 'Alice Example' });
const bob = generateIdentity({ name: 'Bob' });
const inputs = sampleInputs(alice, bob);
const kinds = Object.keys(inputs) as Exclude<StatementKind, 'publish'>[];
const stored: StoredStatement[] = kinds.map((kind) => verifyStatementEnvelope(signStatement(buildStatement(inputs[kind]), alice)));
// A second statement on one package and one by another signer, so nodes gather several actions.
stored.push(
  verifyStatementEnvelope(
    signStatement(buildStatement({ ...inputs.review, agent: { did: bob.did, name: 'Bob' }, rating: 'strong' }), bob),
  ),
);

const EXPECTED_TYPE: Record<StatementKind, string> = {
  assess: `${SCHEMA}AssessAction`,
  review: `${SCHEMA}ReviewAction`,
  vote: `${SCHEMA}VoteAction`,
  like: `${SCHEMA}LikeAction`,
  flag: `${SCHEMA}AssessAction`,
  trust: `${PYVOUCH}TrustAction`,
  rotate: `${SCHEMA}ReplaceAction`,
  retract: `${SCHEMA}DeleteAction`,
};

describe('JSON-LD export', () => {
  it('expands with the jsonld library, every action hanging off its package URI', async () => {
    const expanded = await expand(toJsonLd(stored));
    const byId = new Map(expanded.map((node) => [node['@id'], node]));
    for (const { statement } of stored) {
      if (statement.package === undefined) continue;
      const pkg = byId.get(statement.package.purl);
      assert.ok(pkg, `no node for ${statement.package.purl}`);
      assert.deepEqual(pkg['@type'], [`${SCHEMA}SoftwareApplication`]);
      const actions = pkg['@reverse']?.[`${SCHEMA}object`] ?? [];
      const action = actions.find((a) => a['@id'] === statementIri(statement.id));
      assert.ok(action, `${statement.kind} ${statement.id} not reachable from ${statement.package.purl}`);
      assert.deepEqual(action['@type'], [EXPECTED_TYPE[statement.kind as StatementKind]]);
      assert.deepEqual(action[`${SCHEMA}agent`], [
        statement.agentName === undefined
          ? { '@id': statement.agent }
          : { '@id': statement.agent, [`${SCHEMA}name`]: [{ '@value': statement.agentName }] },
      ]);
    }
    const reviews = byId.get('pkg:pypi/typing-extensions@4.12.2')?.['@reverse']?.[`${SCHEMA}object`] ?? [];
    assert.equal(reviews.length, 2);
  });

  it('puts identities in the graph with the trust and rotation actions they performed', async () => {
    const expanded = await expand(toJsonLd(stored));
    const aliceNode = expanded.find((node) => node['@id'] === alice.did);
    assert.ok(aliceNode);
    assert.deepEqual(aliceNode['@type'], [`${PYVOUCH}Identity`]);
    assert.deepEqual(aliceNode[`${SCHEMA}name`], [{ '@value': 'Alice Example' }]);
    const performed = aliceNode['@reverse']?.[`${SCHEMA}agent`] ?? [];
    const trust = stored.find((s) => s.statement.kind === 'trust')?.statement;
    const rotate = stored.find((s) => s.statement.kind === 'rotate')?.statement;
    const retract = stored.find((s) => s.statement.kind === 'retract')?.statement;
    assert.ok(trust && rotate && retract);
    assert.deepEqual(performed.map((a) => a['@id']).sort(), [statementIri(trust.id), statementIri(rotate.id), statementIri(retract.id)].sort());
    const trustAction = performed.find((a) => a['@id'] === statementIri(trust.id));
    assert.deepEqual(trustAction?.[`${SCHEMA}object`], [{ '@id': bob.did }]);
    assert.deepEqual(trustAction?.[`${PYVOUCH}trustLevel`], [{ '@value': 'high' }]);
    assert.deepEqual(trustAction?.[`${PYVOUCH}trustWeight`], [{ '@value': 0.75 }]);
    const rotateAction = performed.find((a) => a['@id'] === statementIri(rotate.id));
    assert.deepEqual(rotateAction?.[`${SCHEMA}replacer`], [{ '@id': bob.did }]);
    assert.ok(expanded.some((node) => node['@id'] === bob.did));
  });

  it('is deterministic whatever order the statements come in', () => {
    const once = JSON.stringify(toJsonLd(stored));
    const reversed = JSON.stringify(toJsonLd([...stored].reverse()));
    const doubled = JSON.stringify(toJsonLd([...stored, ...stored]));
    assert.equal(reversed, once);
    assert.equal(doubled, once);
  });

  it('expands every signed predicate on its own, with pyvouch terms in the pyvouch namespace', async () => {
    for (const { statement, envelope } of stored) {
      const payload = JSON.parse(Buffer.from(envelope.payload, 'base64').toString('utf8')) as { predicate: unknown };
      const [node] = await expand(payload.predicate);
      assert.ok(node, statement.kind);
      assert.deepEqual(node['@type'], [EXPECTED_TYPE[statement.kind as StatementKind]]);
      const keys = Object.keys(node).filter((k) => !k.startsWith('@'));
      const foreign = keys.filter((k) => !k.startsWith(SCHEMA) && !k.startsWith(PYVOUCH));
      assert.deepEqual(foreign, [], statement.kind);
    }
    const flag = stored.find((s) => s.statement.kind === 'flag');
    assert.ok(flag);
    const payload = JSON.parse(Buffer.from(flag.envelope.payload, 'base64').toString('utf8')) as { predicate: unknown };
    const [node] = await expand(payload.predicate);
    const result = (node?.[`${SCHEMA}result`] as ExpandedNode[] | undefined)?.[0];
    assert.deepEqual(result?.['@type'], [`${PYVOUCH}Finding`]);
    assert.deepEqual(result?.[`${PYVOUCH}severity`], [{ '@value': 'critical' }]);
  });
});
