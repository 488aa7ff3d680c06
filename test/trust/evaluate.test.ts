import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Statement } from '../../src/attest/types.js';
import type { GraphNode } from '../../src/graph/graph.js';
import { evaluatePolicy } from '../../src/trust/evaluate.js';
import type { NodeReport, PolicyReport } from '../../src/trust/report.js';
import { explainNode } from '../../src/trust/report.js';
import { indexStatements } from '../../src/trust/statements.js';
import {
  NOW,
  SEED_DISTINCT,
  assess,
  did,
  flag,
  graph,
  like,
  node,
  policy,
  review,
  sha,
  vote,
} from './helpers.js';

const PYPI = 'https://pypi.org/simple';
const curator = did('curator');
const alice = did('alice');
const bob = did('bob');
const carol = did('carol');
const seed = policy(SEED_DISTINCT);

function evaluate(nodes: GraphNode[], statements: Statement[], text = SEED_DISTINCT, edges: [string, string][] = []): PolicyReport {
  return evaluatePolicy(graph(nodes, edges), statements, policy(text), { now: NOW });
}
function only(report: PolicyReport): NodeReport {
  assert.equal(report.nodes.length, 1);
  return report.nodes[0]!;
}
const simple = (extra = '', threshold = 1): string =>
  `[policy]\nthreshold = ${threshold}\n${extra}\n[[party]]\nname = "curator"\nidentity = "${curator}"\nweight = 1.0\n[[party]]\nname = "internal"\nidentities = ["${alice}", "${bob}", "${carol}"]\nweight = 2.0\n`;

// --- the seed's example ----------------------------------------------------------------------

test("seed example: pypi 0.5 + curator 1.0 + two internal reviews 4.0 reach 5.5 and pass", () => {
  const n = node('requests', '2.32.3', { index: PYPI });
  const report = evaluatePolicy(
    graph([n]),
    [review(curator, 'requests', '2.32.3'), review(alice, 'requests', '2.32.3'), review(bob, 'requests', '2.32.3')],
    seed,
    { now: NOW },
  );
  const r = only(report);
  assert.equal(r.verdict, 'pass');
  assert.equal(r.score, 5.5);
  assert.deepEqual(
    r.contributions.map((c) => [c.party, c.kind, c.weight]),
    [
      ['curator', 'audit', 1],
      ['internal', 'audit', 2],
      ['internal', 'audit', 2],
      ['pypi', 'index', 0.5],
    ],
  );
  assert.deepEqual(r.missing, []);
  assert.equal(report.passed, true);
  assert.deepEqual(report.counts, { nodes: 1, pass: 1, fail: 0, exempt: 0, closureFail: 0 });
  const c = r.contributions[1]!;
  assert.equal(c.agent, alice);
  assert.deepEqual(c.path, [alice]);
  assert.deepEqual(c.criteria, ['safe-to-deploy']);
  assert.equal(c.depth, 0);
});

test('seed example: with one internal reviewer the score is 3.5 and 2.0 short', () => {
  const n = node('requests', '2.32.3', { index: PYPI });
  const r = only(evaluate([n], [review(curator, 'requests', '2.32.3'), review(alice, 'requests', '2.32.3')]));
  assert.equal(r.verdict, 'fail');
  assert.equal(r.score, 3.5);
  assert.deepEqual(r.missing, [
    { kind: 'score', need: 5.5, have: 3.5, short: 2, message: 'score 3.5 is 2.0 short of the threshold 5.5' },
  ]);
  assert.match(explainNode(r).join('\n'), /requests 2\.32\.3: fail \(score 3\.5 of 5\.5/);
});

test('a member counts once however many statements it signs', () => {
  const n = node('requests', '2.32.3', { index: PYPI });
  const r = only(
    evaluate(
      [n],
      [review(curator, 'requests', '2.32.3'), review(alice, 'requests', '2.32.3'), assess(alice, 'requests', '2.32.3'), review(alice, 'requests', '2.32.3')],
    ),
  );
  assert.equal(r.score, 3.5);
});

// --- index parties ---------------------------------------------------------------------------

test('the index vouches for locked files it serves, whatever the trailing slash or case', () => {
  const text = `[policy]\nthreshold = 0.5\n[[party]]\nname = "pypi"\nindex = "https://PyPI.org/simple/"\nweight = 0.5\n`;
  assert.equal(only(evaluate([node('six', '1.16.0', { index: 'https://pypi.org/simple' })], [], text)).verdict, 'pass');
  const viaSource = node('six', '1.16.0', { source: { kind: 'registry', location: 'https://pypi.org/simple/' } });
  assert.equal(only(evaluate([viaSource], [], text)).verdict, 'pass');
});

test('the index does not vouch for files from elsewhere or without a locked hash', () => {
  const text = `[policy]\nthreshold = 0.5\n[[party]]\nname = "pypi"\nindex = "https://pypi.org/simple"\nweight = 0.5\n`;
  const mirror = only(evaluate([node('six', '1.16.0', { index: 'https://mirror.example/simple' })], [], text));
  assert.equal(mirror.verdict, 'fail');
  assert.match(mirror.notes.find((x) => x.kind === 'index')!.message, /comes from https:\/\/mirror\.example\/simple/);
  const unhashed = only(evaluate([node('six', '1.16.0', { index: PYPI, hashed: false })], [], text));
  assert.equal(unhashed.verdict, 'fail');
  assert.match(unhashed.notes.find((x) => x.kind === 'index')!.message, /no locked sha256/);
});

// --- binding to content ----------------------------------------------------------------------

test('a statement counts only for the files it names', () => {
  const n = node('six', '1.16.0');
  const bound = only(evaluate([n], [assess(curator, 'six', '1.16.0')], simple()));
  assert.equal(bound.verdict, 'pass');
  assert.equal(bound.contributions[0]!.unbound, undefined);
  const other = only(evaluate([n], [assess(curator, 'six', '1.16.0', { files: ['six-1.16.0-evil.whl'] })], simple()));
  assert.equal(other.verdict, 'fail');
  assert.ok(other.missing.some((m) => m.kind === 'unbound'));
  assert.deepEqual(other.setAside.map((x) => x.reason), ['unbound-file']);
});

test('without locked hashes, statements do not count unless require-hash-binding = false', () => {
  const n = node('six', '1.16.0', { hashed: false });
  const strict = only(evaluate([n], [assess(curator, 'six', '1.16.0')], simple()));
  assert.equal(strict.verdict, 'fail');
  assert.deepEqual(
    strict.missing.map((m) => m.kind),
    ['unbound', 'score'],
  );
  const lax = only(evaluate([n], [assess(curator, 'six', '1.16.0')], simple('require-hash-binding = false')));
  assert.equal(lax.verdict, 'pass');
  assert.equal(lax.contributions[0]!.unbound, true);
  assert.match(lax.contributions[0]!.message, /not bound to a hash/);
});

test('an unknown package fails and says nobody reviewed it', () => {
  const r = only(evaluate([node('mystery', '0.1')], [assess(curator, 'other', '1.0')], simple()));
  assert.equal(r.verdict, 'fail');
  assert.deepEqual(
    r.missing.map((m) => m.kind),
    ['no-statements', 'score'],
  );
  assert.equal(r.missing[0]!.message, 'no statements about mystery==0.1: nobody has reviewed it');
});

test('statements by identities outside the policy do not count', () => {
  const r = only(evaluate([node('six', '1.0')], [assess(did('stranger'), 'six', '1.0')], simple()));
  assert.equal(r.verdict, 'fail');
  assert.equal(r.missing[0]!.kind, 'untrusted');
});

// --- criteria --------------------------------------------------------------------------------

test('safe-to-deploy implies safe-to-run, not the other way round', () => {
  const run = simple('criteria = "safe-to-run"');
  assert.equal(only(evaluate([node('six', '1.0')], [assess(curator, 'six', '1.0', { criteria: ['safe-to-deploy'] })], run)).verdict, 'pass');
  const r = only(evaluate([node('six', '1.0')], [assess(curator, 'six', '1.0', { criteria: ['safe-to-run'] })], simple()));
  assert.equal(r.verdict, 'fail');
});

test('custom criteria imply others transitively', () => {
  const text = simple('criteria = "safe-to-run"') + '[criteria.crypto-reviewed]\nimplies = ["safe-to-deploy"]\n';
  assert.equal(only(evaluate([node('six', '1.0')], [assess(curator, 'six', '1.0', { criteria: ['crypto-reviewed'] })], text)).verdict, 'pass');
  assert.equal(only(evaluate([node('six', '1.0')], [assess(curator, 'six', '1.0', { criteria: ['fuzzed'] })], text)).verdict, 'fail');
});

test('a package override changes criteria and threshold for that package only', () => {
  const text = simple('', 3) + '[package.Six]\ncriteria = "safe-to-run"\nthreshold = 1\n';
  const statements = [assess(curator, 'six', '1.0', { criteria: ['safe-to-run'] }), assess(curator, 'attrs', '1.0', { criteria: ['safe-to-run'] })];
  const report = evaluate([node('six', '1.0'), node('attrs', '1.0')], statements, text);
  assert.deepEqual(
    report.nodes.map((n) => [n.name, n.verdict, n.threshold, n.criteria]),
    [
      ['attrs', 'fail', 3, ['safe-to-deploy']],
      ['six', 'pass', 1, ['safe-to-run']],
    ],
  );
});

test('reviews count as audits only when they name criteria and do not rate the release down', () => {
  const n = node('six', '1.0');
  assert.equal(only(evaluate([n], [review(curator, 'six', '1.0', { rating: 'strong' })], simple())).verdict, 'pass');
  assert.equal(only(evaluate([n], [review(curator, 'six', '1.0', { rating: 'negative' })], simple())).verdict, 'fail');
  assert.equal(only(evaluate([n], [review(curator, 'six', '1.0', { criteria: [] })], simple())).verdict, 'fail');
});

// --- required parties ------------------------------------------------------------------------

test('a required party must vouch whatever the score', () => {
  const text = simple('required = ["curator"]', 2);
  const without = only(evaluate([node('six', '1.0')], [assess(alice, 'six', '1.0'), assess(bob, 'six', '1.0')], text));
  assert.equal(without.verdict, 'fail');
  assert.equal(without.score, 4);
  assert.deepEqual(without.missing, [
    { kind: 'required', party: 'curator', need: 1, have: 0, message: 'curator is required to vouch and has not vouched for six==1.0' },
  ]);
  const withCurator = only(evaluate([node('six', '1.0')], [assess(alice, 'six', '1.0'), assess(curator, 'six', '1.0')], text));
  assert.equal(withCurator.verdict, 'pass');
});

test('a required group is satisfied by any one member, and per-package overrides replace the default', () => {
  const text = simple('required = ["internal"]', 1) + '[package.six]\nrequired = ["curator", "internal"]\n';
  const r = evaluate([node('six', '1.0'), node('attrs', '1.0')], [assess(bob, 'six', '1.0'), assess(bob, 'attrs', '1.0')], text);
  assert.deepEqual(
    r.nodes.map((n) => [n.name, n.verdict]),
    [
      ['attrs', 'pass'],
      ['six', 'fail'],
    ],
  );
});

// --- levels ----------------------------------------------------------------------------------

const authorsPolicy = `[policy]\nthreshold = 1\n[[party]]\nname = "maintainers"\nidentities = ["${did('maint')}"]\nweight = 0.5\n[[party]]\nname = "curator"\nidentity = "${curator}"\nweight = 1\n[[level]]\nkind = "trusted-authors"\nparties = ["maintainers"]\npackages = ["six"]\nweight = 1.0\n`;

test('trusted authors: any vouching statement by an author counts at the level weight', () => {
  const r = only(evaluate([node('six', '1.0')], [like(did('maint'), 'six', '1.0')], authorsPolicy));
  assert.equal(r.verdict, 'pass');
  assert.deepEqual(
    r.contributions.map((c) => [c.party, c.level, c.kind, c.weight]),
    [['maintainers', 'trusted-authors', 'author', 1]],
  );
});

test('trusted authors: not by others, not for other packages, not a vote against', () => {
  assert.equal(only(evaluate([node('six', '1.0')], [like(curator, 'six', '1.0')], authorsPolicy)).verdict, 'fail');
  assert.equal(only(evaluate([node('attrs', '1.0')], [like(did('maint'), 'attrs', '1.0')], authorsPolicy)).verdict, 'fail');
  assert.equal(only(evaluate([node('six', '1.0')], [vote(did('maint'), 'six', '1.0', 'against')], authorsPolicy)).verdict, 'fail');
});

const votedPolicy = `[policy]\nthreshold = 1.5\n[[party]]\nname = "community"\nidentities = ["${did('v1')}", "${did('v2')}", "${did('v3')}", "${did('v4')}"]\nweight = 0.1\n[[level]]\nkind = "voted"\nname = "quorum"\nmin-voters = 3\nweight = 1.5\n`;

test('voted: at least N distinct trusted voters for adds the level weight once', () => {
  const votes = ['v1', 'v2', 'v3'].map((v) => vote(did(v), 'six', '1.0', 'for'));
  const r = only(evaluate([node('six', '1.0')], votes, votedPolicy));
  assert.equal(r.verdict, 'pass');
  assert.equal(r.score, 1.5);
  assert.equal(r.contributions[0]!.kind, 'votes');
  assert.equal(r.contributions[0]!.voters!.length, 3);
  assert.match(r.contributions[0]!.message, /3 for, 0 against/);
});

test('voted: votes against are subtracted, untrusted voters and repeated votes do not count', () => {
  const votes = [
    ...['v1', 'v2', 'v3'].map((v) => vote(did(v), 'six', '1.0', 'for')),
    vote(did('v4'), 'six', '1.0', 'against'),
    vote(did('outsider'), 'six', '1.0', 'for'),
  ];
  const r = only(evaluate([node('six', '1.0')], votes, votedPolicy));
  assert.equal(r.verdict, 'fail');
  assert.match(r.notes.find((x) => x.kind === 'votes')!.message, /3 for, 1 against \(net 2, 3 needed\)/);
  const twice = [vote(did('v1'), 'six', '1.0', 'for'), vote(did('v1'), 'six', '1.0', 'for'), vote(did('v2'), 'six', '1.0', 'for')];
  assert.equal(only(evaluate([node('six', '1.0')], twice, votedPolicy)).verdict, 'fail');
});

test('voted: a voter who changes their mind counts by their latest vote', () => {
  const votes = [
    vote(did('v1'), 'six', '1.0', 'against', { start: '2025-01-01T00:00:00Z' }),
    vote(did('v1'), 'six', '1.0', 'for', { start: '2025-02-01T00:00:00Z' }),
    vote(did('v2'), 'six', '1.0', 'for'),
    vote(did('v3'), 'six', '1.0', 'for'),
  ];
  assert.equal(only(evaluate([node('six', '1.0')], votes, votedPolicy)).verdict, 'pass');
});

test('an audited level with its own weight and criteria', () => {
  const text = simple('', 3) + '[[level]]\nkind = "audited"\nname = "deep"\ncriteria = "safe-to-deploy"\nweight = 3\n[[level]]\nkind = "audited"\nname = "light"\ncriteria = "safe-to-run"\nweight = 0.5\n';
  const deep = only(evaluate([node('six', '1.0')], [assess(curator, 'six', '1.0')], text));
  assert.equal(deep.verdict, 'pass');
  assert.deepEqual(
    deep.contributions.map((c) => [c.level, c.weight]),
    // One identity counts once per node: its best level.
    [['deep', 3]],
  );
  const light = only(evaluate([node('six', '1.0')], [assess(curator, 'six', '1.0', { criteria: ['safe-to-run'] })], text));
  assert.equal(light.verdict, 'fail');
  assert.equal(light.score, 0.5);
});

// --- delta audits ----------------------------------------------------------------------------

test('a delta audit counts when its base version is vouched for by the same party', () => {
  const statements = [assess(curator, 'six', '1.2.0'), assess(curator, 'six', '1.3.0', { deltaFrom: '1.2.0' })];
  const r = only(evaluate([node('six', '1.3.0')], statements, simple()));
  assert.equal(r.verdict, 'pass');
  assert.equal(r.contributions[0]!.kind, 'delta-audit');
  assert.deepEqual(r.contributions[0]!.delta, { from: '1.2.0', chain: ['1.2.0'] });
});

test('a delta audit from an unvouched base, or a base vouched by another party, does not count', () => {
  const unvouched = only(evaluate([node('six', '1.3.0')], [assess(curator, 'six', '1.3.0', { deltaFrom: '1.2.0' })], simple()));
  assert.equal(unvouched.verdict, 'fail');
  assert.match(unvouched.setAside.find((x) => x.reason === 'delta-base')!.message, /1\.2\.0 is not vouched for/);
  const otherParty = [assess(alice, 'six', '1.2.0'), assess(curator, 'six', '1.3.0', { deltaFrom: '1.2.0' })];
  assert.equal(only(evaluate([node('six', '1.3.0')], otherParty, simple())).verdict, 'fail');
  const weakerBase = [assess(curator, 'six', '1.2.0', { criteria: ['safe-to-run'] }), assess(curator, 'six', '1.3.0', { deltaFrom: '1.2.0' })];
  assert.equal(only(evaluate([node('six', '1.3.0')], weakerBase, simple())).verdict, 'fail');
});

test('delta chains are followed down to a full audit', () => {
  const statements = [
    assess(alice, 'six', '1.0.0'),
    assess(bob, 'six', '1.1.0', { deltaFrom: '1.0.0' }),
    assess(carol, 'six', '1.2.0', { deltaFrom: '1.1.0' }),
    assess(alice, 'six', '1.3.0', { deltaFrom: '1.2.0' }),
  ];
  const r = only(evaluate([node('six', '1.3.0')], statements, simple('', 2)));
  assert.equal(r.verdict, 'pass');
  assert.deepEqual(r.contributions[0]!.delta, { from: '1.2.0', chain: ['1.2.0', '1.1.0', '1.0.0'] });
});

test('a cycle of delta audits terminates and vouches for nothing', () => {
  const statements = [
    assess(curator, 'six', '1.1.0', { deltaFrom: '1.2.0' }),
    assess(curator, 'six', '1.2.0', { deltaFrom: '1.1.0' }),
    assess(curator, 'six', '1.3.0', { deltaFrom: '1.2.0' }),
  ];
  const r = only(evaluate([node('six', '1.3.0')], statements, simple()));
  assert.equal(r.verdict, 'fail');
});

// --- vetoes ----------------------------------------------------------------------------------

test('a malicious flag from any party vetoes whatever the score', () => {
  const statements = [assess(curator, 'six', '1.0'), assess(alice, 'six', '1.0'), flag(curator, 'six', '1.0', 'malicious')];
  const r = only(evaluate([node('six', '1.0')], statements, simple()));
  assert.equal(r.verdict, 'fail');
  // The curator's newer flag supersedes its own audit; alice's still counts.
  assert.equal(r.score, 2);
  assert.equal(r.missing.length, 1);
  const veto = r.missing[0]!;
  assert.equal(veto.kind, 'veto');
  assert.equal(veto.kind === 'veto' && veto.party, 'curator');
  assert.deepEqual(veto.kind === 'veto' && veto.finding, { kind: 'malicious', severity: 'critical' });
});

test('other findings veto only from a party at or above the veto weight', () => {
  const text = simple('veto-weight = 2.0');
  const low = only(evaluate([node('six', '1.0')], [assess(alice, 'six', '1.0'), flag(curator, 'six', '1.0', 'vulnerable')], text));
  assert.equal(low.verdict, 'pass');
  assert.match(low.notes.find((x) => x.kind === 'flag')!.message, /not a veto/);
  const high = only(evaluate([node('six', '1.0')], [assess(alice, 'six', '1.0'), flag(bob, 'six', '1.0', 'vulnerable')], text));
  assert.equal(high.verdict, 'fail');
  assert.match(high.missing[0]!.message, /reaches the veto weight/);
});

test('a vote against is not a veto, and flags from outsiders or past their end do not veto', () => {
  const statements = [
    assess(curator, 'six', '1.0'),
    vote(alice, 'six', '1.0', 'against'),
    flag(did('stranger'), 'six', '1.0', 'malicious'),
    flag(bob, 'six', '1.0', 'malicious', { end: '2025-05-15T00:00:00Z' }),
  ];
  assert.equal(only(evaluate([node('six', '1.0')], statements, simple())).verdict, 'pass');
});

test('a flag vetoes even when it names other files of the release, and outlives max-age', () => {
  const statements = [
    assess(curator, 'six', '1.0'),
    flag(alice, 'six', '1.0', 'malicious', { files: ['six-1.0.tar.gz'], start: '2020-01-01T00:00:00Z' }),
  ];
  const r = only(evaluate([node('six', '1.0')], statements, simple('max-age = "365d"')));
  assert.equal(r.verdict, 'fail');
});

test('a veto overrides an exemption', () => {
  const text = simple() + '[[exemption]]\nname = "six"\nversion = "1.0"\nreason = "trusted"\n';
  const r = only(evaluate([node('six', '1.0')], [flag(curator, 'six', '1.0', 'malicious')], text));
  assert.equal(r.verdict, 'fail');
});

// --- expiry ----------------------------------------------------------------------------------

test('statements past their endTime, older than max-age or not yet valid do not count', () => {
  const text = simple('max-age = "365d"');
  const ok = assess(curator, 'six', '1.0', { start: '2024-07-01T00:00:00Z', end: '2025-07-01T00:00:00Z' });
  assert.equal(only(evaluate([node('six', '1.0')], [ok], text)).verdict, 'pass');
  const cases: [Statement, string][] = [
    [assess(curator, 'six', '1.0', { end: '2025-05-15T00:00:00Z' }), 'expired'],
    [assess(curator, 'six', '1.0', { start: '2024-01-01T00:00:00Z' }), 'too-old'],
    [assess(curator, 'six', '1.0', { start: '2025-07-01T00:00:00Z' }), 'not-yet-valid'],
    [assess(curator, 'six', '1.0', { start: 'yesterday' }), 'invalid-time'],
  ];
  for (const [s, kind] of cases) {
    const r = only(evaluate([node('six', '1.0')], [s], text));
    assert.equal(r.verdict, 'fail', kind);
    assert.equal(r.setAside[0]!.reason, kind);
  }
});

// --- exemptions ------------------------------------------------------------------------------

test('an exemption passes the node as exempt with its reason', () => {
  const text = simple() + '[[exemption]]\nname = "Legacy_Lib"\nversion = "1.0.0"\nreason = "vendored; replacement planned"\nexpires = 2026-01-01\n';
  const r = only(evaluate([node('legacy-lib', '1.0.0')], [], text));
  assert.equal(r.verdict, 'exempt');
  assert.deepEqual(r.exemption, { reason: 'vendored; replacement planned', expired: false, needed: true, expires: '2026-01-01T00:00:00.000Z' });
  assert.equal(r.missing[0]!.kind, 'no-statements');
});

test('an expired exemption does not apply and is reported as expired', () => {
  const text = simple() + '[[exemption]]\nname = "legacy-lib"\nversion = "1.0.0"\nreason = "vendored"\nexpires = 2025-01-01\n';
  const r = only(evaluate([node('legacy-lib', '1.0.0')], [], text));
  assert.equal(r.verdict, 'fail');
  assert.equal(r.exemption!.expired, true);
  assert.ok(r.missing.some((m) => m.kind === 'exemption-expired' && /expired on 2025-01-01/.test(m.message)));
});

test('an exemption for another version does not apply, and one no longer needed says so', () => {
  const text = simple() + '[[exemption]]\nname = "six"\nversion = "1.0"\nreason = "old"\n';
  assert.equal(only(evaluate([node('six', '1.1')], [], text)).verdict, 'fail');
  const r = only(evaluate([node('six', '1.0')], [assess(curator, 'six', '1.0')], text));
  assert.equal(r.verdict, 'exempt');
  assert.equal(r.exemption!.needed, false);
});

// --- trusted publishers ----------------------------------------------------------------------

// --- the graph -------------------------------------------------------------------------------

test('the closure verdict is the worst over a node and its dependencies, with the path', () => {
  const nodes = [node('app', '1.0'), node('lib', '1.0'), node('leaf', '1.0'), node('other', '1.0')];
  const statements = ['app', 'lib', 'other'].map((n) => assess(curator, n, '1.0'));
  const report = evaluate(nodes, statements, simple(), [
    ['app', 'lib'],
    ['lib', 'leaf'],
    ['app', 'other'],
  ]);
  const by = new Map(report.nodes.map((n) => [n.name, n]));
  assert.equal(by.get('app')!.verdict, 'pass');
  assert.equal(by.get('app')!.closure, 'fail');
  assert.deepEqual(by.get('app')!.closurePath, ['app', 'lib', 'leaf']);
  assert.equal(by.get('lib')!.closure, 'fail');
  assert.equal(by.get('leaf')!.closurePath, undefined);
  assert.equal(by.get('other')!.closure, 'pass');
  assert.equal(report.passed, false);
  assert.deepEqual(report.counts, { nodes: 4, pass: 3, fail: 1, exempt: 0, closureFail: 3 });
});

test('closure verdicts survive dependency cycles, and an exempt dependency makes the closure exempt', () => {
  const text = simple() + '[[exemption]]\nname = "c"\nversion = "1.0"\nreason = "r"\n';
  const nodes = ['a', 'b', 'c'].map((n) => node(n, '1.0'));
  const report = evaluate(nodes, [assess(curator, 'a', '1.0'), assess(curator, 'b', '1.0')], text, [
    ['a', 'b'],
    ['b', 'a'],
    ['b', 'c'],
  ]);
  assert.deepEqual(
    report.nodes.map((n) => [n.name, n.verdict, n.closure]),
    [
      ['a', 'pass', 'exempt'],
      ['b', 'pass', 'exempt'],
      ['c', 'exempt', 'exempt'],
    ],
  );
  assert.equal(report.passed, true);
});

test('evaluation is deterministic: statement order does not change the report', () => {
  const statements = [
    assess(curator, 'six', '1.0'),
    review(alice, 'six', '1.0'),
    vote(bob, 'six', '1.0', 'for'),
    flag(carol, 'six', '1.0', 'unmaintained'),
    assess(curator, 'attrs', '2.0', { deltaFrom: '1.0' }),
    assess(alice, 'attrs', '1.0'),
  ];
  const nodes = [node('six', '1.0'), node('attrs', '2.0')];
  const a = evaluate(nodes, statements, simple('', 2));
  const b = evaluate([...nodes].reverse(), [...statements].reverse(), simple('', 2));
  assert.deepEqual(JSON.parse(JSON.stringify(b)), JSON.parse(JSON.stringify(a)));
});

test('accepts a pre-built statement index in place of the array', () => {
  const statements = [assess(curator, 'six', '1.0'), assess(curator, 'six', '1.0')];
  const index = indexStatements(statements);
  assert.equal(index.size, 2);
  const dup = indexStatements([statements[0]!, statements[0]!]);
  assert.equal(dup.size, 1);
  const r = evaluatePolicy(graph([node('six', '1.0')]), index, policy(simple()), { now: NOW });
  assert.equal(r.nodes[0]!.verdict, 'pass');
});

test('uses the given sha256 case-insensitively', () => {
  const n = node('six', '1.0');
  n.artifacts[0]!.sha256 = sha('six-1.0-py3-none-any.whl').toUpperCase();
  assert.equal(only(evaluate([n], [assess(curator, 'six', '1.0')], simple())).verdict, 'pass');
});

test("the seed's file as written evaluates: its one placeholder identity counts once, as every party it is in", () => {
  const text = readFileSync(new URL('../fixtures/policy/seed.toml', import.meta.url), 'utf8').replace(
    'criteria = "safe-to-deploy"',
    'criteria = "safe-to-deploy"\nrequired = ["curator", "internal"]',
  );
  const r = only(evaluate([node('requests', '2.32.3', { index: PYPI })], [review('did:key:z6Mk...', 'requests', '2.32.3')], text));
  // The placeholder is the curator and all three internal members: one identity, one review, 2.0.
  assert.equal(r.score, 2.5);
  assert.deepEqual(
    r.missing.map((m) => m.kind),
    ['score'],
  );
});

test('the project itself (an editable install) is first-party: exempt by default, checked on request', () => {
  const project: GraphNode = { ...node('myapp', '0.1.0'), artifacts: [], source: { kind: 'editable', location: '.' } };
  const g = graph([project]);
  const byDefault = evaluatePolicy(g, [], seed, { now: NOW }).nodes[0]!;
  assert.equal(byDefault.verdict, 'exempt');
  assert.match(byDefault.exemption!.reason, /^first-party: the project's own code \(editable \.\)/);

  const strict = policy(`${SEED_DISTINCT}\n`.replace('[policy]\n', '[policy]\nfirst-party = "check"\n'));
  const checked = evaluatePolicy(g, [], strict, { now: NOW }).nodes[0]!;
  assert.equal(checked.verdict, 'fail');
  assert.ok(checked.missing.some((m) => m.kind === 'no-statements'));
});

test('a package from an index is never first-party, whatever its name', () => {
  const g = graph([{ ...node('myapp', '0.1.0'), source: { kind: 'registry', location: PYPI } }]);
  assert.equal(evaluatePolicy(g, [], seed, { now: NOW }).nodes[0]!.verdict, 'fail');
});
