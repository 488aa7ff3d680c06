import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Statement } from '../../src/attest/types.js';
import { CriteriaTable } from '../../src/trust/criteria.js';
import { evaluatePolicy } from '../../src/trust/evaluate.js';
import type { NodeReport } from '../../src/trust/report.js';
import { indexStatements } from '../../src/trust/statements.js';
import { buildTrustWeb } from '../../src/trust/web.js';
import { NOW, assess, did, graph, node, policy, rotate, trust } from './helpers.js';

const curator = did('curator');
const alice = did('alice');
const x = did('x');
const y = did('y');
const z = did('z');

const withTrust = (trustTable: string, threshold = 0.1, extra = ''): string =>
  `[policy]\nthreshold = ${threshold}\n${extra}\n[[party]]\nname = "curator"\nidentity = "${curator}"\nweight = 1.0\n[[party]]\nname = "internal"\nidentities = ["${alice}"]\nweight = 2.0\n${trustTable}`;
const depth = (n: number, decay = 0.5): string => `[trust]\nmax-depth = ${n}\ndecay = ${decay}\n`;

function evalOne(text: string, statements: Statement[]): NodeReport {
  return evaluatePolicy(graph([node('six', '1.0')]), statements, policy(text), { now: NOW }).nodes[0]!;
}

test('an identity trusted by a party member counts at weight × level factor × decay, with its path', () => {
  const r = evalOne(withTrust(depth(1)), [trust(curator, x, 'medium'), assess(x, 'six', '1.0')]);
  assert.equal(r.verdict, 'pass');
  const c = r.contributions[0]!;
  assert.equal(c.party, 'curator');
  assert.equal(c.weight, 0.25);
  assert.equal(c.depth, 1);
  assert.deepEqual(c.path, [curator, x]);
  assert.match(c.message, /trusted through did:key:z6Mkcurator \(depth 1\)/);
});

test('without [trust] max-depth, trusted identities of members do not count', () => {
  const r = evalOne(withTrust(''), [trust(curator, x, 'high'), assess(x, 'six', '1.0')]);
  assert.equal(r.verdict, 'fail');
  assert.equal(r.missing[0]!.kind, 'untrusted');
});

test('trust stops at max-depth', () => {
  const statements = [trust(curator, x, 'high'), trust(x, y, 'high'), trust(y, z, 'high'), assess(z, 'six', '1.0')];
  assert.equal(evalOne(withTrust(depth(2)), statements).verdict, 'fail');
  const r = evalOne(withTrust(depth(3)), statements);
  assert.equal(r.verdict, 'pass');
  assert.equal(r.contributions[0]!.weight, 0.125);
  assert.deepEqual(r.contributions[0]!.path, [curator, x, y, z]);
});

test('trust cycles terminate', () => {
  const statements = [trust(curator, x, 'high'), trust(x, y, 'high'), trust(y, x, 'high'), trust(y, curator, 'high'), assess(y, 'six', '1.0')];
  const r = evalOne(withTrust(depth(5)), statements);
  assert.equal(r.verdict, 'pass');
  assert.deepEqual(r.contributions[0]!.path, [curator, x, y]);
});

test('the best path wins, across parties too', () => {
  // alice (internal, 2.0) trusts y low; curator (1.0) trusts x high and x trusts y high.
  const statements = [trust(alice, y, 'low'), trust(curator, x, 'high'), trust(x, y, 'high'), assess(y, 'six', '1.0')];
  const r = evalOne(withTrust(depth(2)), statements);
  // via alice: 2.0 × 0.25 × 0.5 = 0.25; via curator: 1.0 × 1 × 0.5 × 1 × 0.5 = 0.25. Tie: fewer hops wins.
  assert.deepEqual(r.contributions[0]!.path, [alice, y]);
  const stronger = evalOne(withTrust(depth(2)), [trust(alice, y, 'high'), ...statements.slice(1)]);
  assert.equal(stronger.contributions[0]!.weight, 1);
  assert.equal(stronger.contributions[0]!.party, 'internal');
});

test('a shallow weak route still extends where a deeper strong one runs out of depth', () => {
  const web = buildTrustWeb(
    policy(withTrust(depth(2))),
    indexStatements([trust(curator, x, 'low'), trust(curator, y, 'high'), trust(y, x, 'high'), trust(x, z, 'high')]),
    ['safe-to-deploy'],
    new CriteriaTable(policy(withTrust('')).criteriaDefinitions),
    NOW.getTime(),
  );
  const route = web.entries.get(z)!.routes.get('curator')!;
  assert.deepEqual(route.path, [curator, x, z]);
  assert.equal(web.entries.get(x)!.routes.get('curator')!.depth, 2);
});

test('delegated trust never weighs more than the member it flows through', () => {
  const sybils = ['s1', 's2', 's3', 's4', 's5'].map(did);
  const statements = [
    trust(curator, x, 'high'),
    ...sybils.map((s) => trust(x, s, 'high')),
    ...sybils.map((s) => assess(s, 'six', '1.0')),
  ];
  const r = evalOne(withTrust(depth(2, 1.0), 5), statements);
  assert.equal(r.score, 1);
  assert.equal(r.verdict, 'fail');
  assert.equal(r.contributions.filter((c) => c.capped === true).length, 4);
});

test('a trust statement scoped to other criteria does not carry trust', () => {
  const scoped = [trust(curator, x, 'high', { criteria: ['safe-to-run'] }), assess(x, 'six', '1.0')];
  assert.equal(evalOne(withTrust(depth(1)), scoped).verdict, 'fail');
  const broad = [trust(curator, x, 'high', { criteria: ['safe-to-deploy'] }), assess(x, 'six', '1.0', { criteria: ['safe-to-run'] })];
  assert.equal(evalOne(withTrust(depth(1), 0.1, 'criteria = "safe-to-run"'), broad).verdict, 'pass');
});

test('a later trust statement replaces an earlier one from the same signer', () => {
  const statements = [
    trust(curator, x, 'high', { start: '2025-01-01T00:00:00Z' }),
    trust(curator, x, 'low', { start: '2025-03-01T00:00:00Z' }),
    assess(x, 'six', '1.0'),
  ];
  assert.equal(evalOne(withTrust(depth(1)), statements).contributions[0]!.weight, 0.125);
});

test('an expired trust statement carries no trust', () => {
  const statements = [trust(curator, x, 'high', { end: '2025-05-01T00:00:00Z' }), assess(x, 'six', '1.0')];
  assert.equal(evalOne(withTrust(depth(1)), statements).verdict, 'fail');
});

// --- distrust --------------------------------------------------------------------------------

test("a bystander's distrust does not remove another party's member (the veto-cancelling attack)", () => {
  const statements = [trust(alice, curator, 'distrust'), assess(curator, 'six', '1.0')];
  const r = evalOne(withTrust(''), statements);
  assert.equal(r.verdict, 'pass');
});

test('distrust cuts the distrusted identity from the routes through the distruster', () => {
  const statements = [trust(curator, x, 'high'), trust(curator, y, 'distrust'), trust(x, y, 'high'), assess(y, 'six', '1.0')];
  const r = evalOne(withTrust(depth(2)), statements);
  assert.equal(r.verdict, 'fail');
  assert.equal(r.score, 0);
  assert.match(r.setAside.find((n) => n.reason === 'distrusted')!.message, /distrusted by did:key:z6Mkcurator/);
  // Without the distrust, y counts through curator -> x.
  assert.ok(evalOne(withTrust(depth(2)), [statements[0]!, statements[2]!, statements[3]!]).score > 0);
});

test('distrust from an untrusted identity changes nothing', () => {
  const statements = [trust(did('stranger'), curator, 'distrust'), assess(curator, 'six', '1.0')];
  assert.equal(evalOne(withTrust(''), statements).verdict, 'pass');
});

test('a distrusted identity carries no trust onward through the distruster', () => {
  const statements = [trust(curator, x, 'high'), trust(x, y, 'high'), trust(curator, x, 'distrust', { start: '2025-05-15T00:00:00Z' }), assess(y, 'six', '1.0')];
  assert.equal(evalOne(withTrust(depth(2)), statements).score, 0);
  // alice (another member) distrusting x narrows only what alice extends: x still counts through the curator.
  const bystander = [trust(curator, x, 'high'), trust(x, y, 'high'), trust(alice, x, 'distrust'), assess(y, 'six', '1.0')];
  assert.ok(evalOne(withTrust(depth(2)), bystander).score > 0);
});

// --- key rotation ----------------------------------------------------------------------------

test("a rotated-to key counts as the same party, and both keys count once", () => {
  const newKey = did('curator2');
  const r = evalOne(withTrust('', 1), [rotate(curator, newKey), assess(newKey, 'six', '1.0')]);
  assert.equal(r.verdict, 'pass');
  assert.equal(r.contributions[0]!.party, 'curator');
  assert.deepEqual(r.contributions[0]!.path, [curator, newKey]);
  const both = evalOne(withTrust('', 1.5), [
    assess(curator, 'six', '1.0', { start: '2025-01-01T00:00:00Z' }),
    rotate(curator, newKey, { start: '2025-02-01T00:00:00Z' }),
    assess(newKey, 'six', '1.0'),
  ]);
  assert.equal(both.score, 1);
  assert.equal(both.verdict, 'fail');
});

test('a rotation signed by anyone but the old key is ignored, and the old key stops counting after it', () => {
  const newKey = did('curator2');
  const forged = evalOne(withTrust('', 1), [rotate(curator, newKey, { agent: newKey }), assess(newKey, 'six', '1.0')]);
  assert.equal(forged.verdict, 'fail');
  const retired = evalOne(withTrust('', 1), [rotate(curator, newKey, { start: '2025-01-01T00:00:00Z' }), assess(curator, 'six', '1.0')]);
  assert.equal(retired.verdict, 'fail');
  assert.equal(retired.setAside[0]!.reason, 'retired-key');
});

test('rotation cycles terminate', () => {
  const k2 = did('k2');
  const audit = { ...assess(k2, 'six', '1.0'), receivedAt: '2025-01-01T00:00:00Z' };
  const statements = [rotate(curator, k2), rotate(k2, curator), audit];
  const r = evalOne(withTrust('', 1), statements);
  assert.equal(r.contributions[0]!.party, 'curator');
});

test('a required party is satisfied by its own members (or their rotated keys), not by those they trust', () => {
  const text = withTrust(depth(1), 0.1, 'required = ["curator"]');
  const delegated = evalOne(text, [trust(curator, x, 'high'), assess(x, 'six', '1.0')]);
  assert.equal(delegated.score, 0.5);
  assert.equal(delegated.verdict, 'fail');
  assert.deepEqual(
    delegated.missing.map((m) => m.kind),
    ['required'],
  );
  const rotated = evalOne(text, [rotate(curator, did('curator2')), assess(did('curator2'), 'six', '1.0')]);
  assert.equal(rotated.verdict, 'pass');
});
