// Invariants of evaluation (issue #10, "How to show it"), as fast-check properties over generated
// policies and statement sets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Statement } from '../../src/attest/types.js';
import { evaluatePolicy } from '../../src/trust/evaluate.js';
import type { NodeReport } from '../../src/trust/report.js';
import { NOW, assess, did, flag, graph, like, node, policy, review, trust, vote, wheel } from './helpers.js';

const members = ['m0', 'm1', 'm2'].map(did);
const lone = did('lone');
const outsiders = ['o0', 'o1', 'o2', 'o3'].map(did);
const everyone = [...members, lone, ...outsiders];
const FILE = wheel('six', '1.0');
const SDIST = 'six-1.0.tar.gz';

interface PolicyShape {
  threshold: number;
  groupWeight: number;
  loneWeight: number;
  depth: number;
  authors: boolean;
}

const policyShape = fc.record({
  threshold: fc.constantFrom(0.5, 1, 2, 3.5),
  groupWeight: fc.constantFrom(0.5, 1, 2),
  loneWeight: fc.constantFrom(0, 0.5, 1.5),
  depth: fc.integer({ min: 0, max: 2 }),
  authors: fc.boolean(),
});

function policyText(p: PolicyShape, extra = ''): string {
  return `[policy]
threshold = ${p.threshold}
${extra}
[[party]]
name = "group"
identities = [${members.map((m) => `"${m}"`).join(', ')}]
weight = ${p.groupWeight}

[[party]]
name = "lone"
identity = "${lone}"
weight = ${p.loneWeight}

[[level]]
kind = "audited"
${p.authors ? '\n[[level]]\nkind = "trusted-authors"\nname = "authors"\nparties = ["group"]\n' : ''}
[trust]
max-depth = ${p.depth}
`;
}

const day = (n: number): string => new Date(NOW.getTime() - (n + 1) * 86_400_000).toISOString();

/** One statement about six==1.0 (or trust between identities) by one of `agents`. */
function statementArb(agents: readonly string[]): fc.Arbitrary<Statement> {
  const agent = fc.constantFrom(...agents);
  const when = fc.integer({ min: 0, max: 60 }).map(day);
  const files = fc.constantFrom([FILE], [FILE, SDIST], ['other.whl'], [] as string[]);
  return fc.oneof(
    fc.tuple(agent, when, files, fc.constantFrom(['safe-to-deploy'], ['safe-to-run'])).map(([a, start, f, criteria]) => assess(a, 'six', '1.0', { start, files: f, criteria: [...criteria] })),
    fc.tuple(agent, when, files, fc.constantFrom<Statement['rating']>('positive', 'negative', 'strong', 'neutral')).map(([a, start, f, rating]) => review(a, 'six', '1.0', { start, files: f, rating })),
    fc.tuple(agent, when, files).map(([a, start, f]) => like(a, 'six', '1.0', { start, files: f })),
    fc.tuple(agent, when, fc.constantFrom<'for' | 'against'>('for', 'against')).map(([a, start, v]) => vote(a, 'six', '1.0', v, { start })),
    fc.tuple(agent, when).map(([a, start]) => flag(a, 'six', '1.0', 'unmaintained', { start, severity: 'low' })),
    fc.tuple(agent, fc.constantFrom(...everyone), fc.constantFrom<'high' | 'medium' | 'low' | 'distrust'>('high', 'medium', 'low', 'distrust'), when).map(([a, subject, level, start]) =>
      trust(a, subject, level, { start }),
    ),
  );
}

let ids = 0;
/** Fresh ids, so generated statements never collide with each other. */
const fresh = (list: Statement[]): Statement[] => list.map((s) => ({ ...s, id: `p${String(++ids).padStart(8, '0')}` }));

function evaluateOne(text: string, statements: Statement[], n = node('six', '1.0')): NodeReport {
  return evaluatePolicy(graph([n]), statements, policy(text), { now: NOW }).nodes[0]!;
}

const RUNS = { numRuns: 150 };

test('adding statements by identities outside the web never changes a verdict or a score', () => {
  fc.assert(
    fc.property(policyShape, fc.array(statementArb(everyone), { maxLength: 12 }), fc.array(statementArb(['x1', 'x2', 'x3'].map(did)), { minLength: 1, maxLength: 8 }), (p, base, extra) => {
      const text = policyText(p);
      const before = evaluateOne(text, fresh(base));
      // Strangers (no one trusts them: the generated trust statements never name x1..x3).
      const after = evaluateOne(text, fresh([...base, ...extra]));
      assert.equal(after.verdict, before.verdict);
      assert.equal(after.score, before.score);
    }),
    RUNS,
  );
});

test('no identity, with all it delegates, moves a score by more than its party weight', () => {
  fc.assert(
    fc.property(policyShape, fc.array(statementArb(everyone), { maxLength: 14 }), fc.constantFrom(...members, lone), (p, raw, who) => {
      const text = policyText(p);
      const all = fresh(raw);
      // Without `who`: none of its statements, so none of its delegation either.
      const without = all.filter((s) => s.agent !== who);
      const weight = who === lone ? p.loneWeight : p.groupWeight;
      const delta = Math.abs(evaluateOne(text, all).score - evaluateOne(text, without).score);
      assert.ok(delta <= weight + 1e-9, `${who} moved the score by ${delta} > ${weight}`);
    }),
    RUNS,
  );
});

test('replacing a locked sha256 by one no statement names makes the node fail', () => {
  fc.assert(
    fc.property(policyShape, fc.array(statementArb(everyone), { maxLength: 14 }), (p, raw) => {
      const text = policyText(p);
      const n = node('six', '1.0', { files: [FILE] });
      n.artifacts[0]!.sha256 = 'f'.repeat(64);
      assert.equal(evaluateOne(text, fresh(raw), n).verdict, 'fail');
    }),
    RUNS,
  );
});

test('a veto by a party stands whatever others add, unless an override names a party that lifts it', () => {
  fc.assert(
    fc.property(policyShape, fc.array(statementArb(everyone.filter((a) => a !== members[0])), { maxLength: 14 }), (p, raw) => {
      const veto = flag(members[0]!, 'six', '1.0', 'malicious', { start: day(30) });
      const text = policyText(p);
      assert.equal(evaluateOne(text, fresh([veto, ...raw])).verdict, 'fail');
      // An override by the other party may lift it, and then the report says so.
      const lifted = evaluateOne(policyText(p) + '[[override]]\nparty = "lone"\n', fresh([veto, ...raw]));
      if (lifted.missing.every((m) => m.kind !== 'veto')) assert.equal(lifted.overridden.length, 1);
    }),
    RUNS,
  );
});
