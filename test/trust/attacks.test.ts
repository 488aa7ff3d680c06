// Issue #10: one test per hole, named for the attack. Each failed (passed the attack) on the code
// before the fix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { Statement } from '../../src/attest/types.js';
import type { GraphNode } from '../../src/graph/graph.js';
import { evaluatePolicy } from '../../src/trust/evaluate.js';
import type { NodeReport } from '../../src/trust/report.js';
import { NOW, assess, did, flag, graph, like, node, policy, review, rotate, sha, trust, vote, wheel } from './helpers.js';

const curator = did('curator');
const alice = did('alice');
const bob = did('bob');
const security = did('security');
const bystander = did('bystander');

const base = (extra = '', threshold = 1): string =>
  `[policy]\nthreshold = ${threshold}\n${extra}\n[[party]]\nname = "curator"\nidentity = "${curator}"\nweight = 1.0\n[[party]]\nname = "internal"\nidentities = ["${alice}", "${bob}"]\nweight = 2.0\n`;

function one(nodes: GraphNode[] | GraphNode, statements: Statement[], text: string, opts: Parameters<typeof evaluatePolicy>[3] = { now: NOW }): NodeReport {
  const list = Array.isArray(nodes) ? nodes : [nodes];
  const r = evaluatePolicy(graph(list), statements, policy(text), opts);
  return r.nodes.find((n) => n.name === list[0]!.name)!;
}

const received = <T extends Statement>(s: T, at: string): T => ({ ...s, receivedAt: at });

// --- item 3: file binding -------------------------------------------------------------------

test('a review of one of two allowed files does not pass the node (requirements with H1 or H2)', () => {
  const files = ['six-1.0-py3-none-any.whl', 'six-1.0.tar.gz'];
  const n = node('six', '1.0', { files });
  const r = one(n, [assess(curator, 'six', '1.0', { files: [files[0]!] })], base());
  assert.equal(r.verdict, 'fail');
  assert.equal(r.setAside[0]!.reason, 'unbound-file');
  assert.ok(r.missing.some((m) => m.kind === 'unbound'));
  assert.equal(one(n, [assess(curator, 'six', '1.0', { files })], base()).verdict, 'pass');
});

test('a pylock wheel without a sha256 cannot pass through the audited level', () => {
  const n = node('six', '1.0', { files: ['six-1.0-py3-none-any.whl', 'six-1.0.tar.gz'] });
  delete n.artifacts[1]!.sha256;
  const r = one(n, [assess(curator, 'six', '1.0', { files: ['six-1.0-py3-none-any.whl'] })], base());
  assert.equal(r.verdict, 'fail');
  assert.equal(r.setAside[0]!.reason, 'unbound-file');
  assert.match(r.setAside[0]!.message, /six-1\.0\.tar\.gz/);
});

test('require-hash-binding = false relaxes binding and the report says unbound', () => {
  const n = node('six', '1.0', { files: ['six-1.0-py3-none-any.whl', 'six-1.0.tar.gz'] });
  const r = one(n, [assess(curator, 'six', '1.0', { files: ['six-1.0-py3-none-any.whl'] })], base('require-hash-binding = false'));
  assert.equal(r.verdict, 'pass');
  assert.equal(r.contributions[0]!.unbound, true);
  assert.match(r.contributions[0]!.message, /not bound to a hash/);
});

// --- item 4: vetoes ---------------------------------------------------------------------------

const withSecurity = (extra = ''): string =>
  base(extra) +
  `[[party]]\nname = "security"\nidentity = "${security}"\nweight = 1.0\n[[party]]\nname = "nobody"\nidentity = "${bystander}"\nweight = 0.0\n`;

test("a weight-0 bystander distrusting the security team does not cancel its malicious veto", () => {
  const statements = [assess(curator, 'six', '1.0'), flag(security, 'six', '1.0', 'malicious'), trust(bystander, security, 'distrust')];
  const r = one(node('six', '1.0'), statements, withSecurity());
  assert.equal(r.verdict, 'fail');
  assert.equal(r.missing[0]!.kind, 'veto');
});

test('a veto stands unless an [[override]] names who may override it, and the report says who did', () => {
  const statements = [
    flag(curator, 'six', '1.0', 'malicious', { start: '2025-04-01T00:00:00Z' }),
    assess(security, 'six', '1.0', { start: '2025-05-01T00:00:00Z' }),
  ];
  assert.equal(one(node('six', '1.0'), statements, withSecurity()).verdict, 'fail');
  const text = withSecurity() + '[[override]]\nparty = "security"\n';
  const r = one(node('six', '1.0'), statements, text);
  assert.equal(r.verdict, 'pass');
  assert.equal(r.overridden.length, 1);
  assert.deepEqual(r.overridden[0]!.by.party, 'security');
  assert.equal(r.overridden[0]!.party, 'curator');
  // An audit signed before the flag overrides nothing, and the override party cannot lift its own veto.
  const before = [flag(curator, 'six', '1.0', 'malicious', { start: '2025-05-01T00:00:00Z' }), assess(security, 'six', '1.0', { start: '2025-04-01T00:00:00Z' })];
  assert.equal(one(node('six', '1.0'), before, text).verdict, 'fail');
  const own = [flag(security, 'six', '1.0', 'malicious', { start: '2025-04-01T00:00:00Z' }), assess(security, 'six', '1.1', { start: '2025-05-01T00:00:00Z' }), assess(curator, 'six', '1.0')];
  assert.equal(one(node('six', '1.0'), own, text).verdict, 'fail');
});

// --- item 5: sock puppets ---------------------------------------------------------------------

const puppets = Array.from({ length: 10 }, (_, i) => did(`puppet${i}`));
const delegating = (levels: string): string =>
  `[policy]\nthreshold = 1.5\n[[party]]\nname = "curator"\nidentity = "${curator}"\nweight = 1.0\n${levels}\n[trust]\nmax-depth = 1\n`;

test('ten throwaway keys trusted at low add no more than the member that trusts them', () => {
  const trusts = puppets.map((p) => trust(curator, p, 'low'));
  const text = delegating(`[[level]]\nkind = "trusted-authors"\nparties = ["curator"]\n[[level]]\nkind = "audited"\n`);
  for (const make of [(p: string) => like(p, 'six', '1.0'), (p: string) => review(p, 'six', '1.0'), (p: string) => vote(p, 'six', '1.0', 'for')]) {
    const r = one(node('six', '1.0'), [...trusts, ...puppets.map(make)], text);
    assert.ok(r.score <= 1.0 + 1e-9, `score ${r.score}`);
    assert.equal(r.verdict, 'fail');
  }
});

test('votes through delegation carry the delegation factor and one member is one voice at most', () => {
  const text = delegating(`[[level]]\nkind = "voted"\nname = "community"\nmin-voters = 2\nweight = 5\n`);
  const r = one(node('six', '1.0'), [...puppets.map((p) => trust(curator, p, 'high')), ...puppets.map((p) => vote(p, 'six', '1.0', 'for'))], text);
  assert.equal(r.score, 0);
  assert.match(r.notes.find((n) => n.kind === 'votes')!.message, /^community: 1 for/);
});

// --- item 6: one identity, one contribution ---------------------------------------------------

test('one review does not score through several levels at once', () => {
  const text =
    base('', 3) +
    '[[level]]\nkind = "audited"\n[[level]]\nkind = "trusted-authors"\nname = "authors"\nparties = ["internal"]\n[[level]]\nkind = "audited"\nname = "again"\ncriteria = "safe-to-run"\n';
  const r = one(node('six', '1.0'), [review(alice, 'six', '1.0')], text);
  assert.equal(r.score, 2);
  assert.equal(r.contributions.length, 1);
  assert.equal(r.verdict, 'fail');
});

test('a second statement by the same identity is set aside, not counted', () => {
  const r = one(node('six', '1.0'), [assess(alice, 'six', '1.0'), review(alice, 'six', '1.0', { criteria: ['safe-to-run', 'safe-to-deploy'] })], base('', 3));
  assert.equal(r.score, 2);
  assert.deepEqual(r.setAside.map((x) => x.reason), ['same-identity']);
});

// --- item 7: deltas ---------------------------------------------------------------------------

test('a delta from a vetoed base does not make the new release pass', () => {
  const statements = [assess(curator, 'six', '1.0'), flag(bob, 'six', '1.0', 'malicious'), assess(curator, 'six', '1.1', { deltaFrom: '1.0' })];
  const r = one(node('six', '1.1'), statements, base());
  assert.equal(r.verdict, 'fail');
  assert.equal(r.setAside.find((x) => x.reason === 'delta-base')!.reason, 'delta-base');
  assert.match(r.setAside.find((x) => x.reason === 'delta-base')!.message, /vetoed/);
});

test('a delta from a base trusted only by a 0.25 delegate scores no more than 0.25', () => {
  const helper = did('helper');
  const text = base('', 0.1) + '[trust]\nmax-depth = 1\n';
  const statements = [trust(alice, helper, 'low'), assess(helper, 'six', '1.0'), assess(alice, 'six', '1.1', { deltaFrom: '1.0' })];
  const r = one(node('six', '1.1'), statements, text);
  const delta = r.contributions.find((c) => c.kind === 'delta-audit')!;
  assert.ok(delta.weight <= 0.25 + 1e-9, `delta weight ${delta.weight}`);
});

// --- item 8: key rotation ---------------------------------------------------------------------

test('a stolen rotated-away key cannot backdate a statement into counting', () => {
  const next = did('curator2');
  const rotation = received(rotate(curator, next, { start: '2025-03-01T00:00:00Z' }), '2025-03-01T00:00:00Z');
  const backdated = received(assess(curator, 'six', '1.0', { start: '2025-01-01T00:00:00Z' }), '2025-05-20T00:00:00Z');
  const r = one(node('six', '1.0'), [rotation, backdated], base());
  assert.equal(r.verdict, 'fail');
  assert.equal(r.setAside[0]!.reason, 'retired-key');
  // Unknown receivedAt does not count either; received before the rotation does.
  assert.equal(one(node('six', '1.0'), [rotation, assess(curator, 'six', '1.0', { start: '2025-01-01T00:00:00Z' })], base()).verdict, 'fail');
  const genuine = received(assess(curator, 'six', '1.0', { start: '2025-01-01T00:00:00Z' }), '2025-01-02T00:00:00Z');
  assert.equal(one(node('six', '1.0'), [rotation, genuine], base()).verdict, 'pass');
});

test('a backdated rotation by the old key cannot move retirement past what pyvouch saw', () => {
  const next = did('curator2');
  // Signed "in the future" (start after the statement) but received before it: retirement is the earlier.
  const rotation = received(rotate(curator, next, { start: '2025-05-30T00:00:00Z' }), '2025-02-01T00:00:00Z');
  const later = received(assess(curator, 'six', '1.0'), '2025-03-01T00:00:00Z');
  assert.equal(one(node('six', '1.0'), [rotation, later], base()).verdict, 'fail');
});

// --- item 9: version equality, sha256, ranges ---------------------------------------------------

test('a flag on foo==1.0.0 hits the lock\'s foo==1.0 (same release by PEP 440)', () => {
  const n = node('six', '1.0', { files: [wheel('six', '1.0')] });
  const statements = [assess(curator, 'six', '1.0.0', { files: [wheel('six', '1.0')] }), flag(bob, 'six', '1.0.0', 'malicious')];
  const r = one(n, statements, base());
  assert.equal(r.verdict, 'fail');
  assert.equal(r.missing[0]!.kind, 'veto');
  // And a review of 1.0.0 counts for 1.0: the report does not say nobody reviewed it.
  const ok = one(n, [assess(curator, 'six', '1.0.0', { files: [wheel('six', '1.0')] })], base());
  assert.equal(ok.verdict, 'pass');
});

test('a flag naming the locked file by sha256 hits it whatever version it names', () => {
  const n = node('six', '1.0');
  const r = one(n, [assess(curator, 'six', '1.0'), flag(bob, 'six', '9.9', 'malicious', { files: [wheel('six', '1.0')] })], base());
  assert.equal(r.verdict, 'fail');
});

test('a flag with a version range hits every release in it and none outside', () => {
  const ranged = flag(bob, 'six', '1.2', 'malicious');
  ranged.finding!.affected = '>=1.0,<1.4';
  for (const [version, verdict] of [['1.0', 'fail'], ['1.3.1', 'fail'], ['1.4', 'pass'], ['0.9', 'pass']] as const) {
    const r = one(node('six', version), [assess(curator, 'six', version), ranged], base());
    assert.equal(r.verdict, verdict, version);
  }
});

// --- item 10: supersession and retraction --------------------------------------------------------

test('a reviewer who later reviews negatively, or flags, no longer counts positively', () => {
  const early = { start: '2025-04-01T00:00:00Z' };
  const late = { start: '2025-05-01T00:00:00Z' };
  for (const later of [review(alice, 'six', '1.0', { rating: 'negative', ...late }), flag(alice, 'six', '1.0', 'unmaintained', late)]) {
    const r = one(node('six', '1.0'), [assess(alice, 'six', '1.0', early), later], base());
    assert.equal(r.verdict, 'fail');
    assert.equal(r.setAside.find((x) => x.reason === 'superseded')!.by, later.id);
  }
});

function retract(agent: string, ids: string[], o: { start?: string } = {}): Statement {
  return {
    id: sha(`retract ${agent} ${ids.join(',')} ${o.start ?? ''}`),
    kind: 'retract',
    predicateType: 'https://pyvouch.dev/attestation/retract/v1',
    agent,
    startTime: o.start ?? '2025-05-10T00:00:00Z',
    description: '',
    subjects: [],
    criteria: [],
    retracts: ids,
  };
}

test('a retracted statement does not count, and only its own author can retract it', () => {
  const audit = assess(alice, 'six', '1.0');
  const r = one(node('six', '1.0'), [audit, retract(alice, [audit.id])], base());
  assert.equal(r.verdict, 'fail');
  assert.equal(r.setAside[0]!.reason, 'retracted');
  const forged = one(node('six', '1.0'), [audit, retract(bob, [audit.id])], base());
  assert.equal(forged.verdict, 'pass');
  // A flag retracted by its author no longer vetoes.
  const f = flag(bob, 'six', '1.0', 'malicious');
  assert.equal(one(node('six', '1.0'), [audit, f, retract(bob, [f.id])], base()).verdict, 'pass');
});

// --- required -------------------------------------------------------------------------------

test('required can name a level and ask for a count of a group', () => {
  const text = (req: string): string => base(`required = ${req}`, 0) + '[[level]]\nkind = "audited"\n';
  assert.equal(one(node('six', '1.0'), [assess(curator, 'six', '1.0')], text('["audited"]')).verdict, 'pass');
  assert.equal(one(node('six', '1.0'), [], text('["audited"]')).verdict, 'fail');
  const two = text('[{ party = "internal", count = 2 }]');
  const r = one(node('six', '1.0'), [assess(alice, 'six', '1.0')], two);
  assert.equal(r.verdict, 'fail');
  assert.deepEqual(r.missing.find((m) => m.kind === 'required'), {
    kind: 'required',
    party: 'internal',
    need: 2,
    have: 1,
    message: '2 of internal are required to vouch for six==1.0; 1 did',
  });
  assert.equal(one(node('six', '1.0'), [assess(alice, 'six', '1.0'), assess(bob, 'six', '1.0')], two).verdict, 'pass');
});

test("docs/policy.md's first policy means PyPI, the curator and at least two internal curators", () => {
  const doc = readFileSync(new URL('../../docs/policy.md', import.meta.url), 'utf8');
  const toml = /## A first policy[\s\S]*?```toml\n([\s\S]*?)```/.exec(doc)![1]!;
  const members = [did('m1'), did('m2'), did('m3')];
  let i = 0;
  const text = toml.replace(/did:key:z6Mk\.\.\./g, () => (i++ === 0 ? curator : members[(i - 2) % 3]!));
  const pypi = 'https://pypi.org/simple';
  const n = node('requests', '2.32.3', { index: pypi });
  const all = [assess(curator, 'requests', '2.32.3'), assess(members[0]!, 'requests', '2.32.3'), assess(members[1]!, 'requests', '2.32.3')];
  assert.equal(one(n, all, text).verdict, 'pass');
  // Three internal curators without the curator reach 6.5 > 5.5, and still fail: the curator is required.
  const noCurator = [...all.slice(1), assess(members[2]!, 'requests', '2.32.3')];
  const r = one(n, noCurator, text);
  assert.equal(r.score, 6.5);
  assert.equal(r.verdict, 'fail');
  // Not from PyPI: fails whatever the reviews.
  assert.equal(one(node('requests', '2.32.3', { index: 'https://mirror.example/simple' }), [...all, assess(members[2]!, 'requests', '2.32.3')], text).verdict, 'fail');
  // One internal curator short.
  assert.equal(one(n, all.slice(0, 2), text).verdict, 'fail');
});

// --- set-aside list -------------------------------------------------------------------------------

test('every statement that does not count is listed with its reason', () => {
  const next = did('curator2');
  const statements: Statement[] = [
    assess(did('stranger'), 'six', '1.0'),
    assess(alice, 'six', '1.0', { criteria: ['safe-to-run'] }),
    assess(bob, 'six', '1.0', { end: '2025-05-15T00:00:00Z' }),
    assess(curator, 'six', '1.0', { files: ['other.whl'] }),
    rotate(curator, next, { start: '2025-03-01T00:00:00Z' }),
    assess(curator, 'six', '1.0', { start: '2025-04-01T00:00:00Z' }),
  ];
  const bad = assess(alice, 'six', '1.0');
  const r = one(node('six', '1.0'), statements, base(), { now: NOW, rejected: [{ statement: bad }] });
  assert.deepEqual(r.setAside.map((x) => x.reason).sort(), ['bad-signature', 'criteria-short', 'expired', 'retired-key', 'retired-key', 'unknown-identity'].sort());
  for (const x of r.setAside) assert.ok(x.message.length > 0 && x.statement.length > 0);
});

// --- item 11: source parties --------------------------------------------------------------------

function publish(file: string, id: string, workflow = 'publish.yml'): Statement {
  return {
    id: sha(`publish ${file} ${id}`),
    kind: 'publish',
    predicateType: 'https://docs.pypi.org/attestations/publish/v1',
    agent: `publisher:${id}`,
    startTime: '2025-05-01T00:00:00Z',
    description: '',
    package: { name: 'flask', version: '3.0.0', purl: 'pkg:pypi/flask@3.0.0' },
    subjects: [{ name: file, sha256: sha(file) }],
    criteria: [],
    publisher: { kind: 'github', id, repository: id.slice('github:'.length), workflow },
    source: { kind: 'provenance', name: id },
  };
}

test('a publishers party counts provenance of every locked file by a matching publisher', () => {
  const files = ['flask-3.0.0-py3-none-any.whl', 'flask-3.0.0.tar.gz'];
  const n = node('flask', '3.0.0', { files });
  const text = '[policy]\nthreshold = 1\n[[party]]\nname = "pallets"\npublishers = ["github:pallets/*"]\nweight = 1\n';
  const r = one(n, files.map((f) => publish(f, 'github:pallets/flask')), text);
  assert.equal(r.verdict, 'pass');
  assert.equal(r.contributions[0]!.message, 'pallets: published by github:pallets/flask (workflow publish.yml), verified by Sigstore (+1.0)');
  // One file without provenance: no credit. Another owner, or a nested path for `*`: no credit.
  assert.equal(one(n, [publish(files[0]!, 'github:pallets/flask')], text).verdict, 'fail');
  assert.equal(one(n, files.map((f) => publish(f, 'github:evil/flask')), text).verdict, 'fail');
  assert.equal(one(n, files.map((f) => publish(f, 'github:pallets/x/flask')), text).verdict, 'fail');
  // The same statement without source.kind = provenance (e.g. from a file) counts for nothing.
  const forged = files.map((f) => ({ ...publish(f, 'github:pallets/flask'), source: { kind: 'file' as const } }));
  assert.equal(one(n, forged, text).verdict, 'fail');
});

test('a feed party counts audits that came from that feed, and a scanner party may lower the score', () => {
  const stranger = did('feed-signer');
  const fromFeed = (s: Statement, name: string): Statement => ({ ...s, source: { kind: 'feed', name } });
  const text = '[policy]\nthreshold = 1\n[[party]]\nname = "acme"\nfeed = "acme-audits"\nweight = 1\n[[party]]\nname = "scan"\nscanner = true\nweight = -0.5\n';
  assert.equal(one(node('six', '1.0'), [fromFeed(assess(stranger, 'six', '1.0'), 'acme-audits')], text).verdict, 'pass');
  assert.equal(one(node('six', '1.0'), [fromFeed(assess(stranger, 'six', '1.0'), 'other-feed')], text).verdict, 'fail');
  const finding: Statement = { ...flag(did('scanner'), 'six', '1.0', 'install-time-code', { severity: 'medium' }), source: { kind: 'scanner', name: 'install-hooks' } };
  const r = one(node('six', '1.0'), [fromFeed(assess(stranger, 'six', '1.0'), 'acme-audits'), finding], text);
  assert.equal(r.score, 0.5);
  assert.equal(r.verdict, 'fail');
});

test('a flag signed in the same second as the author\'s review is not superseded by it', () => {
  const at = { start: '2025-05-01T00:00:00Z' };
  for (const [a, b] of [['st-a', 'st-z'], ['st-z', 'st-a']] as const) {
    const r = one(node('six', '1.0'), [assess(curator, 'six', '1.0', { ...at, id: a }), flag(curator, 'six', '1.0', 'malicious', { ...at, id: b }), assess(alice, 'six', '1.0')], base());
    assert.equal(r.verdict, 'fail');
    assert.equal(r.missing[0]!.kind, 'veto');
  }
});
