// [[deny]] and [[allow]]: decided before any score, shown in the explanation, with version ranges
// and expiry; a deny beats reviews, exemptions and allows; an allow never beats a deny or a veto.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluatePolicy } from '../../src/trust/evaluate.js';
import { explainNode, type NodeReport } from '../../src/trust/report.js';
import { listCovers } from '../../src/trust/lists.js';
import { isPyvouchError } from '../../src/errors.js';
import { NOW, did, flag, graph, node, policy, review } from './helpers.js';

const alice = did('alice');
const base = (extra: string): string =>
  `[policy]\nthreshold = 1\n\n[[party]]\nname = "team"\nidentity = "${alice}"\nweight = 1.0\n${extra}`;

function one(text: string, name: string, version: string, statements = [review(alice, name, version)]): NodeReport {
  const r = evaluatePolicy(graph([node(name, version)]), statements, policy(text), { now: NOW });
  return r.nodes[0]!;
}

test('a denied release fails although a trusted review passes it, and the explanation says why', () => {
  const text = base('\n[[deny]]\nname = "PyCrypto"\nreason = "abandoned; use pycryptodome"\n');
  const n = one(text, 'pycrypto', '2.6.1');
  assert.equal(n.verdict, 'fail');
  assert.equal(n.score, 1);
  assert.deepEqual(n.missing.map((m) => m.kind), ['denied']);
  assert.ok(explainNode(n).some((l) => l.includes('deny list') && l.includes('abandoned')));
});

test('a deny range fails only the versions in it (pre-releases included), others pass', () => {
  const text = base('\n[[deny]]\nname = "urllib3"\nversions = "<2"\nreason = "CVE-2023-43804"\n');
  assert.equal(one(text, 'urllib3', '1.26.18').verdict, 'fail');
  assert.equal(one(text, 'urllib3', '1.27.0rc1').verdict, 'fail', 'a pre-release below 2 is denied too');
  assert.equal(one(text, 'urllib3', '2.2.3').verdict, 'pass');
});

test('a deny entry beats an exemption and an allow entry of the same release', () => {
  const text = base(
    '\n[[deny]]\nname = "evil"\nreason = "typosquat"\n\n[[allow]]\nname = "evil"\nreason = "org allow"\n\n[[exemption]]\nname = "evil"\nversion = "1.0"\nreason = "old"\n',
  );
  const n = one(text, 'evil', '1.0', []);
  assert.equal(n.verdict, 'fail');
  assert.ok(n.missing.some((m) => m.kind === 'denied'));
});

test('an allowed release passes without reviews (as exempt), and the explanation names the allow entry', () => {
  const text = base('\n[[allow]]\nname = "internal-sdk"\nversions = ">=3,<4"\nreason = "our own package, built in CI"\n');
  const n = one(text, 'internal-sdk', '3.2.0', []);
  assert.equal(n.verdict, 'exempt');
  assert.equal(n.allowed?.reason, 'our own package, built in CI');
  assert.ok(explainNode(n).some((l) => l.includes('allow list')));
  assert.equal(one(text, 'internal-sdk', '4.0.0', []).verdict, 'fail', 'outside the range, the allow does not apply');
});

test('an allow entry does not outweigh a veto', () => {
  const text = base('\n[[allow]]\nname = "pkg"\nreason = "org allow"\n');
  const n = one(text, 'pkg', '1.0', [flag(alice, 'pkg', '1.0', 'malicious')]);
  assert.equal(n.verdict, 'fail');
});

test('expired deny and allow entries no longer apply, with a note', () => {
  const text = base('\n[[deny]]\nname = "a"\nreason = "x"\nexpires = 2025-01-01\n\n[[allow]]\nname = "b"\nreason = "y"\nexpires = 2025-01-01\n');
  const a = one(text, 'a', '1.0');
  assert.equal(a.verdict, 'pass');
  assert.ok(a.notes.some((x) => x.kind === 'list-expired'));
  assert.equal(one(text, 'b', '1.0', []).verdict, 'fail');
});

test('a version that is not PEP 440 is covered by a deny range and by no allow range', () => {
  assert.equal(listCovers({ name: 'x', versions: '<2', reason: 'r' }, 'banana', 'deny'), true);
  assert.equal(listCovers({ name: 'x', versions: '>=0', reason: 'r' }, 'banana', 'allow'), false);
});

test('bad deny and allow entries are each reported by path', () => {
  try {
    policy(base('\n[[deny]]\nname = "ok"\nversions = ">>2"\nreason = "x"\n\n[[allow]]\nname = "y"\nwhy = "z"\n'));
    assert.fail('expected POLICY_INVALID');
  } catch (err) {
    assert.ok(isPyvouchError(err) && err.code === 'POLICY_INVALID');
    const paths = (err.problems ?? []).map((p) => p.path);
    assert.ok(paths.includes('deny[0].versions'), paths.join());
    assert.ok(paths.includes('allow[0].why'), paths.join());
    assert.ok(paths.includes('allow[0].reason'), paths.join());
  }
});
