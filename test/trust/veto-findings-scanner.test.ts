// Fail closed: a scanner's finding of a kind the policy lists in `veto-findings` vetoes whatever
// the parties. The attacker's hope is a policy without a scanner party for publisher pinning: a
// stolen-token release flagged `publisher-changed` by pyvouch's local identity must fail anyway.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generateIdentity } from '../../src/attest/keys.js';
import type { Statement } from '../../src/attest/types.js';
import { findingStatement } from '../../src/provenance/pinning-commands.js';
import { evaluatePolicy } from '../../src/trust/evaluate.js';
import type { NodeReport } from '../../src/trust/report.js';
import { assess, did, graph, node, NOW, policy, sha, wheel } from './helpers.js';

const local = generateIdentity({ name: 'pyvouch (this machine)' });
const alice = did('alice');
const FILE = wheel('flask', '3.2.0');

/** pyvouch's own publisher-pinning finding about flask 3.2.0, signed by its local identity. */
function pinningFlag(kind: 'publisher-changed' | 'attestation-missing'): Statement {
  return findingStatement(
    { kind, project: 'flask', version: '3.2.0', expected: ['github:pallets/flask'], actual: ['github:evil/flask'], message: 'flask 3.2.0 was published by github:evil/flask, not by the pinned github:pallets/flask' },
    [{ filename: FILE, sha256: sha(FILE) }],
    local,
    '2025-05-20T00:00:00Z',
  ).statement;
}

const reviewers = `[[party]]\nname = "reviewers"\nidentity = "${alice}"\nweight = 1.0\n`;
function judge(text: string, statements: Statement[]): NodeReport {
  return evaluatePolicy(graph([node('flask', '3.2.0')]), statements, policy(text), { now: NOW }).nodes[0]!;
}

describe('veto-findings from a scanner source, whatever the parties', () => {
  it('fails a reviewed release flagged publisher-changed under a policy with no scanner party', () => {
    const text = `[policy]\nthreshold = 1.0\nveto-findings = ["publisher-changed"]\n${reviewers}`;
    assert.equal(judge(text, [assess(alice, 'flask', '3.2.0')]).verdict, 'pass', 'the review alone passes');
    const r = judge(text, [assess(alice, 'flask', '3.2.0'), pinningFlag('publisher-changed')]);
    assert.equal(r.verdict, 'fail');
    const veto = r.missing.find((m) => m.kind === 'veto');
    assert.ok(veto !== undefined, JSON.stringify(r.missing));
    assert.match(veto.message, /scanner publisher-pinning .* flags it publisher-changed/);
  });

  it('still only notes a finding the policy does not list (a weight decides, not a veto)', () => {
    const text = `[policy]\nthreshold = 1.0\nveto-findings = ["publisher-changed"]\n${reviewers}`;
    assert.equal(judge(text, [assess(alice, 'flask', '3.2.0'), pinningFlag('attestation-missing')]).verdict, 'pass');
  });

  it('vetoes once when a scanner party carries the same flag', () => {
    const text = `[policy]\nthreshold = 1.0\nveto-findings = ["publisher-changed"]\n${reviewers}[[party]]\nname = "pinning"\nscanner = "publisher-pinning"\nweight = 0\n`;
    const r = judge(text, [assess(alice, 'flask', '3.2.0'), pinningFlag('publisher-changed')]);
    assert.equal(r.verdict, 'fail');
    assert.equal(r.missing.filter((m) => m.kind === 'veto').length, 1);
  });
});
