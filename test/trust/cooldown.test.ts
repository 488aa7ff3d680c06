// Release-age cooldown: too-young releases fail until old enough, unknown age fails closed, and a
// trusted advisory's named fix passes early (never an untrusted or self-declared one).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { GraphNode } from '../../src/graph/graph.js';
import { evaluatePolicy } from '../../src/trust/evaluate.js';
import { advisoriesFromOsv, decideCooldown, fixedAdvisory, parseDurationText, type TrustedAdvisory } from '../../src/trust/cooldown.js';
import type { NodeReport } from '../../src/trust/report.js';
import { explainNode } from '../../src/trust/report.js';
import { did, graph, node, policy, review } from './helpers.js';

const alice = did('alice');
const UPLOADED = '2026-11-30T12:00:00.000Z';
const text = (extra = '', pkg = ''): string =>
  `[policy]\nthreshold = 1\nmin-age = "3d"\n${extra}\n[[party]]\nname = "team"\nidentity = "${alice}"\nweight = 1.0\n${pkg}`;

function uploaded(name: string, version: string, at: string | null = UPLOADED): GraphNode {
  const n = node(name, version);
  for (const a of n.artifacts) if (at !== null) a.uploadTime = at;
  return n;
}

function judge(n: GraphNode, now: string, t = text(), cooldown = {}): NodeReport {
  return evaluatePolicy(graph([n]), [review(alice, n.name, n.version)], policy(t), { now: new Date(now), cooldown }).nodes[0]!;
}

const osv = (fixed: string, introduced = '0'): unknown => ({
  id: 'GHSA-test-0001',
  affected: [{ package: { ecosystem: 'PyPI', name: 'Requests' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced }, { fixed }] }] }],
});

test('a reviewed release younger than min-age fails, with when it becomes allowed', () => {
  const n = judge(uploaded('requests', '2.33.0'), '2026-12-01T12:00:00Z');
  assert.equal(n.verdict, 'fail');
  const m = n.missing.find((x) => x.kind === 'too-young');
  assert.ok(m !== undefined && m.kind === 'too-young');
  assert.equal(m.allowedAt, '2026-12-03T12:00:00.000Z');
  assert.ok(explainNode(n).some((l) => l.includes('min-age is 3d')));
});

test('the same release passes once old enough (evaluated --at a later time)', () => {
  assert.equal(judge(uploaded('requests', '2.33.0'), '2026-12-03T12:00:00Z').verdict, 'pass');
});

test('a release whose upload time is unknown fails closed and says so', () => {
  const n = judge(uploaded('requests', '2.33.0', null), '2027-06-01T00:00:00Z');
  assert.equal(n.verdict, 'fail');
  assert.deepEqual(n.missing.map((m) => m.kind), ['age-unknown']);
});

test('one file uploaded later makes the release as young as that file', () => {
  const n = node('requests', '2.33.0', { files: ['requests-2.33.0-py3-none-any.whl', 'requests-2.33.0.tar.gz'] });
  n.artifacts[0]!.uploadTime = '2026-01-01T00:00:00Z';
  n.artifacts[1]!.uploadTime = UPLOADED;
  assert.equal(judge(n, '2026-12-01T12:00:00Z').verdict, 'fail');
});

test('upload times can come from the index (by sha256) when the lock has none', () => {
  const n = uploaded('requests', '2.33.0', null);
  const times = new Map(n.artifacts.map((a) => [a.sha256!, '2026-01-01T00:00:00Z']));
  assert.equal(judge(n, '2026-12-01T12:00:00Z', text(), { uploadTimes: times }).verdict, 'pass');
});

test('a trusted advisory fixed by this release lets it pass early', () => {
  const advisories = advisoriesFromOsv(osv('2.33.0'), { kind: 'feed', name: 'osv-mirror' });
  const n = judge(uploaded('requests', '2.33.0'), '2026-12-01T12:00:00Z', text(), { advisories, previous: new Map([['requests', ['2.32.3']]]) });
  assert.equal(n.verdict, 'pass');
  assert.ok(n.notes.some((x) => x.kind === 'cooldown' && x.message.includes('GHSA-test-0001')));
});

test('the previous version can be the baselined one', () => {
  const advisories = advisoriesFromOsv(osv('2.33.0'), { kind: 'import' });
  const t = text('', '\n[[exemption]]\nname = "requests"\nversion = "2.32.3"\nreason = "baseline"\nbaseline = 2026-01-01\n');
  assert.equal(judge(uploaded('requests', '2.33.0'), '2026-12-01T12:00:00Z', t, { advisories }).verdict, 'pass');
});

test('an advisory from an untrusted source (e.g. the release\'s own metadata) does not shorten the cooldown', () => {
  const forged = { ...advisoriesFromOsv(osv('2.33.0'), { kind: 'feed' })[0]!, source: { kind: 'release-metadata' } } as unknown as TrustedAdvisory;
  const n = judge(uploaded('requests', '2.33.0'), '2026-12-01T12:00:00Z', text(), { advisories: [forged], previous: new Map([['requests', ['2.32.3']]]) });
  assert.equal(n.verdict, 'fail');
});

test('a later release that is merely not affected does not ride on an old advisory', () => {
  const advisories = advisoriesFromOsv(osv('2.33.0'), { kind: 'feed' });
  assert.equal(fixedAdvisory('requests', '2.33.1', ['2.32.3'], advisories), undefined);
  const n = judge(uploaded('requests', '2.33.1'), '2026-12-01T12:00:00Z', text(), { advisories, previous: new Map([['requests', ['2.32.3']]]) });
  assert.equal(n.verdict, 'fail');
});

test('an advisory that does not affect the earlier version does not count', () => {
  const advisories = advisoriesFromOsv(osv('2.33.0', '2.33.0a1'), { kind: 'feed' });
  assert.equal(fixedAdvisory('requests', '2.33.0', ['2.32.3'], advisories), undefined);
});

test('min-age-exempt and per-package min-age', () => {
  const now = '2026-12-01T12:00:00Z';
  assert.equal(judge(uploaded('requests', '2.33.0'), now, text('min-age-exempt = ["Requests"]')).verdict, 'pass');
  assert.equal(judge(uploaded('requests', '2.33.0'), now, text('', '\n[package.requests]\nmin-age = "12h"\n')).verdict, 'pass');
  assert.equal(judge(uploaded('requests', '2.33.0'), now, text('', '\n[package.requests]\nmin-age = "2w"\n').replace('min-age = "3d"', 'min-age = "1h"')).verdict, 'fail');
});

test('an exemption of the exact version waives the cooldown; first-party code has none', () => {
  const p = policy(text('', '\n[[exemption]]\nname = "requests"\nversion = "2.33.0"\nreason = "hotfix we read"\n'));
  assert.equal(decideCooldown(p, uploaded('requests', '2.33.0'), Date.parse('2026-12-01T12:00:00Z'), {}, true).missing.length, 0);
  const editable = node('mine', '0.1', { source: { kind: 'editable', location: '.' } });
  assert.equal(decideCooldown(p, editable, Date.parse('2026-12-01T12:00:00Z'), {}, false).missing.length, 0);
});

test('durations', () => {
  assert.equal(parseDurationText('3d'), 3 * 86_400_000);
  assert.equal(parseDurationText('48h'), 48 * 3_600_000);
  assert.equal(parseDurationText('3 days'), undefined);
  assert.throws(() => policy(text().replace('"3d"', '"soon"')), (e: Error & { code?: string }) => e.code === 'POLICY_INVALID');
});
