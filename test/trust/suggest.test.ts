import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Statement } from '../../src/attest/types.js';
import type { GraphNode } from '../../src/graph/graph.js';
import { evaluatePolicy } from '../../src/trust/evaluate.js';
import { suggestReviews, type SuggestOptions, type SuggestReport } from '../../src/trust/suggest.js';
import { NOW, SEED_DISTINCT, assess, did, flag, graph, node, policy, review } from './helpers.js';

const PYPI = 'https://pypi.org/simple';
const curator = did('curator');
const alice = did('alice');
const bob = did('bob');
const carol = did('carol');

function suggest(nodes: GraphNode[], statements: Statement[], text = SEED_DISTINCT, opts: SuggestOptions = {}): SuggestReport {
  const g = graph(nodes);
  const p = policy(text);
  return suggestReviews(evaluatePolicy(g, statements, p, { now: NOW }), g, p, opts);
}

test('seed example: one more internal review reaches the threshold', () => {
  const s = suggest([node('requests', '2.32.3', { index: PYPI })], [review(curator, 'requests', '2.32.3'), review(alice, 'requests', '2.32.3')]);
  assert.equal(s.suggestions.length, 1);
  const only = s.suggestions[0]!;
  assert.equal(only.score, 3.5);
  assert.equal(only.adds, 2);
  assert.equal(only.reaches, 5.5);
  assert.deepEqual(only.reviews, [
    {
      party: 'internal',
      reviewers: [bob, carol],
      weight: 2,
      lines: null,
      estimated: false,
      command: 'pyvouch review requests==2.32.3 --criteria safe-to-deploy',
    },
  ]);
  assert.equal(
    only.message,
    'requests 2.32.3: an audit for safe-to-deploy by one internal reviewer (+2.0) would reach 5.5 of 5.5',
  );
  assert.equal(s.reviews, 1);
  assert.deepEqual(s.unfixable, []);
});

test('an unreviewed package needs the fewest, heaviest reviews', () => {
  const s = suggest([node('requests', '2.32.3', { index: PYPI })], []);
  const only = s.suggestions[0]!;
  // 0.5 from the index; 5.0 more: two internal (4.0) and the curator (1.0).
  assert.deepEqual(
    only.reviews.map((r) => [r.party, r.weight]),
    [
      ['internal', 2],
      ['internal', 2],
      ['curator', 1],
    ],
  );
  assert.equal(only.reaches, 5.5);
  assert.match(only.message, /2 audits for safe-to-deploy by 2 internal reviewers \(\+4\.0\) and an audit for safe-to-deploy by one curator reviewer \(\+1\.0\)/);
});

test('prefers a delta review from a version the same party already vouched for', () => {
  const text = `[policy]\nthreshold = 2\n[[party]]\nname = "internal"\nidentities = ["${alice}", "${bob}"]\nweight = 2.0\n`;
  const s = suggest([node('six', '1.3.0')], [assess(alice, 'six', '1.2.0'), assess(alice, 'six', '1.0.0')], text, {
    sizes: new Map([['six', 5000]]),
    deltaSizes: new Map([['six==1.2.0->1.3.0', 120]]),
  });
  const only = s.suggestions[0]!;
  assert.equal(only.reviews[0]!.deltaFrom, '1.2.0');
  assert.equal(only.reviews[0]!.lines, 120);
  assert.equal(only.reviews[0]!.command, 'pyvouch review six==1.3.0 --criteria safe-to-deploy --delta-from 1.2.0');
  assert.match(only.message, /a delta review from 1\.2\.0 \(already trusted\) to 1\.3\.0/);
  assert.equal(s.lines, 120);
});

test('without a trusted version of the package, suggests a full review', () => {
  const text = `[policy]\nthreshold = 2\n[[party]]\nname = "internal"\nidentities = ["${alice}"]\nweight = 2.0\n[[party]]\nname = "curator"\nidentity = "${curator}"\nweight = 1\n`;
  // 1.2.0 is vouched for by the curator only, so an internal delta from it would not count.
  const s = suggest([node('six', '1.3.0')], [assess(curator, 'six', '1.2.0')], text, { sizes: new Map([['six==1.3.0', 800]]) });
  const r = s.suggestions[0]!.reviews[0]!;
  assert.equal(r.party, 'internal');
  assert.equal(r.deltaFrom, undefined);
  assert.equal(r.lines, 800);
});

test('ranks suggestions by lines to read, an unknown diff counted as the whole release', () => {
  const text = `[policy]\nthreshold = 1\n[[party]]\nname = "curator"\nidentity = "${curator}"\nweight = 1\n`;
  const s = suggest([node('big', '1.0'), node('small', '1.0'), node('unknown', '1.0'), node('delta', '2.0')], [assess(curator, 'delta', '1.0')], text, {
    sizes: new Map([
      ['big', 9000],
      ['small', 300],
      ['delta', 5000],
    ]),
  });
  assert.deepEqual(
    s.suggestions.map((x) => [x.name, x.lines]),
    [
      ['small', 300],
      ['delta', 5000],
      ['big', 9000],
      ['unknown', null],
    ],
  );
  assert.equal(s.suggestions[1]!.reviews[0]!.estimated, true);
  assert.equal(s.lines, null);
});

test('a missing required party is covered first', () => {
  const text = SEED_DISTINCT.replace('criteria = "safe-to-deploy"', 'criteria = "safe-to-deploy"\nrequired = ["curator"]');
  const s = suggest([node('requests', '2.32.3', { index: PYPI })], [review(alice, 'requests', '2.32.3'), review(bob, 'requests', '2.32.3')], text);
  const only = s.suggestions[0]!;
  assert.deepEqual(
    only.reviews.map((r) => r.party),
    ['curator'],
  );
  assert.deepEqual(only.covers, ['curator']);
  assert.equal(only.reaches, 5.5);
});

test('vetoed, unbound and unreachable nodes are reported as unfixable, with what would help', () => {
  const text = `[policy]\nthreshold = 3\n[[party]]\nname = "curator"\nidentity = "${curator}"\nweight = 1\n`;
  const s = suggest(
    [node('evil', '1.0'), node('nohash', '1.0', { hashed: false }), node('six', '1.0')],
    [flag(curator, 'evil', '1.0', 'malicious')],
    text,
  );
  assert.deepEqual(s.suggestions, []);
  assert.deepEqual(
    s.unfixable.map((u) => [u.name, u.reason]),
    [
      ['evil', 'veto'],
      ['nohash', 'unbound'],
      ['six', 'not-enough-reviewers'],
    ],
  );
  assert.match(s.unfixable[2]!.message, /would bring six==1\.0 to 1\.0 of 3\.0/);
});

test('a required level of votes cannot be met by a review', () => {
  const text = `[policy]\nthreshold = 1\nrequired = ["quorum"]\n[[party]]\nname = "curator"\nidentity = "${curator}"\nweight = 1\n[[level]]\nkind = "audited"\n[[level]]\nkind = "voted"\nname = "quorum"\nmin-voters = 2\nweight = 1\n`;
  const s = suggest([node('six', '1.0')], [], text);
  assert.equal(s.unfixable[0]!.reason, 'required-non-reviewer');
});

test('passing and exempt nodes need nothing', () => {
  const text = `[policy]\nthreshold = 1\n[[party]]\nname = "curator"\nidentity = "${curator}"\nweight = 1\n[[exemption]]\nname = "old"\nversion = "1.0"\nreason = "r"\n`;
  const s = suggest([node('six', '1.0'), node('old', '1.0')], [assess(curator, 'six', '1.0')], text);
  assert.deepEqual(s, { suggestions: [], unfixable: [], reviews: 0, lines: 0 });
});
