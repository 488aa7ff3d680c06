import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import type { PyvouchError } from '../../src/errors.js';
import { parsePolicyToml } from '../../src/trust/parse.js';
import { locateLine } from '../../src/text/toml-lines.js';
import { refusal } from '../support/errors.js';

const fixture = (name: string): string => readFileSync(new URL(`../fixtures/policy/${name}`, import.meta.url), 'utf8');

function parseError(text: string, options: { pyproject?: boolean } = {}): PyvouchError {
  return refusal(() => parsePolicyToml(text, { file: 'pyvouch.toml', ...options }));
}

test("accepts the seed's example exactly as written", () => {
  const p = parsePolicyToml(fixture('seed.toml'), { file: 'seed.toml' });
  assert.equal(p.threshold, 5.5);
  assert.deepEqual(p.criteria, ['safe-to-deploy']);
  assert.deepEqual(
    p.parties.map((x) => [x.name, x.kind, x.weight]),
    [
      ['pypi', 'index', 0.5],
      ['curator', 'identity', 1.0],
      ['internal', 'group', 2.0],
    ],
  );
  const pypi = p.parties[0]!;
  assert.equal(pypi.kind === 'index' && pypi.indexKey, 'https://pypi.org/simple');
  assert.deepEqual(p.levels, [{ kind: 'audited', name: 'audited' }]);
  assert.equal(p.requireHashBinding, true);
  assert.deepEqual(p.vetoFindings, ['malicious']);
  assert.equal(p.trust.maxDepth, 0);
  assert.equal(p.file, 'seed.toml');
});

test('accepts every documented field', () => {
  const p = parsePolicyToml(fixture('full.toml'));
  assert.deepEqual(p.required, [{ name: 'curator', count: 1 }]);
  assert.equal(p.vetoWeight, 2.0);
  assert.deepEqual(p.vetoFindings, ['malicious', 'backdoor']);
  assert.equal(p.maxAge, 365 * 86_400_000);
  assert.equal(p.parties.length, 5);
  const publisher = p.parties[4]!;
  assert.equal(publisher.kind, 'publisher');
  assert.deepEqual(publisher.kind === 'publisher' && publisher.publishers, ['github:psf/requests', 'github:psf/*']);
  assert.deepEqual(
    p.levels.map((l) => [l.kind, l.name]),
    [
      ['audited', 'audited'],
      ['trusted-authors', 'trusted-authors'],
      ['voted', 'community'],
    ],
  );
  const authors = p.levels[1]!;
  assert.deepEqual(authors.kind === 'trusted-authors' && authors.packages, ['requests']);
  const voted = p.levels[2]!;
  assert.equal(voted.kind === 'voted' && voted.minVoters, 3);
  assert.deepEqual(p.criteriaDefinitions.get('safe-to-deploy')!.implies, ['safe-to-run', 'crypto-reviewed']);
  assert.deepEqual(p.packages.get('zope-interface'), { name: 'zope-interface', criteria: ['safe-to-run'], threshold: 2.0 });
  assert.deepEqual(p.packages.get('cryptography')!.required, [{ name: 'curator', count: 1 }, { name: 'internal', count: 1 }]);
  assert.deepEqual(p.trust, { maxDepth: 2, decay: 0.5, levels: { high: 1.0, medium: 0.5, low: 0.25 } });
  assert.deepEqual(p.exemptions, [
    {
      name: 'legacy-lib',
      version: '1.0',
      reason: 'vendored before the policy existed; replacement planned',
      expires: Date.parse('2026-01-01T00:00:00Z'),
    },
  ]);
});

test('reads [tool.pyvouch] from pyproject.toml and names fields by their full path and line', () => {
  const err = parseError(fixture('pyproject.toml'), { pyproject: true });
  assert.equal(err.code, 'POLICY_INVALID');
  assert.equal(err.problems.length, 1);
  assert.equal(err.problems[0]!.path, 'tool.pyvouch.party[1].weight');
  assert.equal(err.problems[0]!.line, 16);
  const ok = parsePolicyToml(fixture('pyproject.toml').replace('-1.0', '1.0'), { pyproject: true });
  assert.equal(ok.threshold, 1.0);
  assert.equal(ok.parties.length, 2);
});

test('rejects a pyproject.toml without [tool.pyvouch]', () => {
  const err = parseError('[project]\nname = "x"\n', { pyproject: true });
  assert.equal(err.code, 'POLICY_INVALID');
  assert.equal(err.path, 'tool.pyvouch');
});

test('reports every bad field at once, with paths, lines and did-you-mean', () => {
  const err = parseError(fixture('invalid.toml'));
  assert.equal(err.file, 'pyvouch.toml');
  const got = err.problems.map((p) => [p.path, p.line]);
  assert.deepEqual(got, [
    ['policy.thresold', 2],
    ['policy.threshold', 1],
    ['policy.criteria', 3],
    ['party[0].identity', 7],
    ['party[1].name', 11],
    ['party[1].weight', 13],
  ]);
  assert.match(err.problems[0]!.message, /did you mean 'threshold'/);
  assert.match(err.problems[2]!.message, /did you mean 'safe-to-deploy'/);
  assert.match(err.problems[4]!.message, /duplicate party name 'curator'/);
  for (const p of err.problems) {
    assert.equal(p.code, 'POLICY_INVALID');
    assert.ok(p.help !== undefined && p.help.length > 0);
  }
  assert.equal(err.path, 'policy.thresold');
  assert.match(err.describe(), /pyvouch\.toml:13: party\[1\]\.weight/);
});

const base = `[policy]\nthreshold = 1\n[[party]]\nname = "a"\nidentity = "did:key:z6MkA"\nweight = 1\n`;
const cases: { name: string; text: string; path: string; message: RegExp }[] = [
  { name: 'unknown top-level table', text: `${base}[[parties]]\nname = "x"\n`, path: 'parties', message: /did you mean 'party'/ },
  { name: 'threshold of the wrong type', text: base.replace('threshold = 1', 'threshold = "high"'), path: 'policy.threshold', message: /expected a number/ },
  { name: 'negative threshold', text: base.replace('threshold = 1', 'threshold = -1'), path: 'policy.threshold', message: /at least 0/ },
  { name: 'no [policy] table', text: base.replace('[policy]\nthreshold = 1\n', ''), path: 'policy', message: /no \[policy\] table/ },
  { name: 'party given as a table', text: '[policy]\nthreshold = 1\n[party]\nname = "a"\n', path: 'party', message: /array of tables/ },
  { name: 'party without a source', text: '[policy]\nthreshold = 1\n[[party]]\nname = "a"\nweight = 1\n', path: 'party[0]', message: /names no identity/ },
  {
    name: 'party with two sources',
    text: `${base.replace('weight = 1', 'weight = 1\nindex = "https://pypi.org/simple"')}`,
    path: 'party[0]',
    message: /both identity and index/,
  },
  { name: 'party without a weight', text: base.replace('weight = 1\n', ''), path: 'party[0].weight', message: /missing 'weight'/ },
  { name: 'identity that is not a did', text: base.replace('did:key:z6MkA', 'z6MkA'), path: 'party[0].identity', message: /not an identity URI/ },
  {
    name: 'a bad member of a group',
    text: base.replace('identity = "did:key:z6MkA"', 'identities = ["did:key:z6MkA", "did:key z6MkB"]'),
    path: 'party[0].identities[1]',
    message: /not an identity URI/,
  },
  { name: 'empty group', text: base.replace('identity = "did:key:z6MkA"', 'identities = []'), path: 'party[0].identities', message: /at least one/ },
  { name: 'index that is not a URL', text: base.replace('identity = "did:key:z6MkA"', 'index = "pypi"'), path: 'party[0].index', message: /not an index URL/ },
  { name: 'unknown required party', text: base.replace('threshold = 1', 'threshold = 1\nrequired = ["b"]'), path: 'policy.required[0]', message: /not a party/ },
  { name: 'unknown criteria reference', text: base.replace('threshold = 1', 'threshold = 1\ncriteria = ["safe-to-run", "fast"]'), path: 'policy.criteria[1]', message: /unknown criteria 'fast'/ },
  { name: 'unknown implied criteria', text: `${base}[criteria.fast]\nimplies = ["quick"]\n`, path: 'criteria.fast.implies[0]', message: /unknown criteria 'quick'/ },
  { name: 'bad max-age', text: base.replace('threshold = 1', 'threshold = 1\nmax-age = "6m"'), path: 'policy.max-age', message: /not a duration/ },
  { name: 'require-hash-binding not a boolean', text: base.replace('threshold = 1', 'threshold = 1\nrequire-hash-binding = "yes"'), path: 'policy.require-hash-binding', message: /true or false/ },
  { name: 'unknown level kind', text: `${base}[[level]]\nkind = "audit"\n`, path: 'level[0].kind', message: /did you mean 'audited'/ },
  { name: 'voted level without min-voters', text: `${base}[[level]]\nkind = "voted"\nweight = 1\n`, path: 'level[0].min-voters', message: /missing/ },
  { name: 'key of another level kind', text: `${base}[[level]]\nkind = "audited"\nmin-voters = 2\n`, path: 'level[0].min-voters', message: /unknown key 'min-voters' for a audited level/ },
  { name: 'level naming an unknown party', text: `${base}[[level]]\nkind = "audited"\nparties = ["b"]\n`, path: 'level[0].parties[0]', message: /unknown party 'b'/ },
  {
    name: 'level naming an index party',
    text: `${base}[[party]]\nname = "pypi"\nindex = "https://pypi.org/simple"\nweight = 1\n[[level]]\nkind = "audited"\nparties = ["pypi"]\n`,
    path: 'level[0].parties[0]',
    message: /is an index/,
  },
  { name: 'trusted-authors without parties', text: `${base}[[level]]\nkind = "trusted-authors"\n`, path: 'level[0].parties', message: /needs `parties`/ },
  { name: 'level named like a party', text: `${base}[[level]]\nkind = "audited"\nname = "a"\n`, path: 'level[0].name', message: /also a party name/ },
  { name: 'decay above 1', text: `${base}[trust]\ndecay = 1.5\n`, path: 'trust.decay', message: /at most 1/ },
  { name: 'fractional max-depth', text: `${base}[trust]\nmax-depth = 1.5\n`, path: 'trust.max-depth', message: /whole number/ },
  { name: 'unknown trust level', text: `${base}[trust.levels]\nhigh = 1\nultra = 2\n`, path: 'trust.levels.ultra', message: /unknown key/ },
  { name: 'exemption without a reason', text: `${base}[[exemption]]\nname = "x"\nversion = "1"\n`, path: 'exemption[0].reason', message: /missing 'reason'/ },
  { name: 'exemption with a bad date', text: `${base}[[exemption]]\nname = "x"\nversion = "1"\nreason = "r"\nexpires = "soon"\n`, path: 'exemption[0].expires', message: /expected a date/ },
  { name: 'package override with a bad name', text: `${base}[package."bad name"]\nthreshold = 1\n`, path: 'package."bad name"', message: /not a valid package name/ },
  { name: 'package configured twice', text: `${base}[package.Zope_Interface]\nthreshold = 1\n[package."zope.interface"]\nthreshold = 2\n`, path: 'package."zope.interface"', message: /configured twice/ },
];

for (const c of cases) {
  test(`rejects ${c.name}`, () => {
    const err = parseError(c.text);
    assert.equal(err.code, 'POLICY_INVALID');
    const hit = err.problems.find((p) => p.path === c.path);
    assert.ok(hit, `no problem at ${c.path}; got ${err.problems.map((p) => `${p.path}: ${p.message}`).join(' | ')}`);
    assert.match(hit.message, c.message);
  });
}

test('reports a TOML syntax error with its line', () => {
  const err = parseError('[policy]\nthreshold = = 1\n');
  assert.equal(err.code, 'POLICY_INVALID');
  assert.equal(err.line, 2);
});

test('accepts a group listing the same identity twice and keeps it once', () => {
  const p = parsePolicyToml(base.replace('identity = "did:key:z6MkA"', 'identities = ["did:key:z6MkA", "did:key:z6MkA"]'));
  assert.deepEqual(p.parties[0]!.kind === 'group' && p.parties[0]!.identities, ['did:key:z6MkA']);
});

test('accepts max-age in hours, weeks, years or days', () => {
  const age = (v: string): number | undefined => parsePolicyToml(base.replace('threshold = 1', `threshold = 1\nmax-age = ${v}`)).maxAge;
  assert.equal(age('"48h"'), 48 * 3_600_000);
  assert.equal(age('"2w"'), 14 * 86_400_000);
  assert.equal(age('"1y"'), 365 * 86_400_000);
  assert.equal(age('30'), 30 * 86_400_000);
});

test('finds the line of nested fields', () => {
  const text = '[policy]\nthreshold = 1\n\n[[party]]\nname = "a"\n\n[[party]]\nname = "b"\nweight = 2\n[trust.levels]\nhigh = 3\n';
  assert.equal(locateLine(text, ['party', 1, 'weight']), 9);
  assert.equal(locateLine(text, ['party', 0, 'weight']), 4);
  assert.equal(locateLine(text, ['trust', 'levels', 'high']), 11);
  assert.equal(locateLine(text, ['nothing']), undefined);
});
