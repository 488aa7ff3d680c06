// `pyvouch check` on the bundled example (examples/uv/uv.lock + examples/check): the seed's
// weights, a failure with its reason, an exemption, the formats, and what changes the verdict.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { identityFromPrivateKey, privateKeyFromSeed } from '../../src/attest/keys.js';
import { buildStatement, signStatement } from '../../src/attest/statement.js';
import { releaseArtifacts as resolveArtifacts } from '../../src/app/review.js';
import { projectRoot, pyvouch } from './harness.js';
import { runCli } from './in-process.js';
import { buildZip } from '../artifact/archive-builders.js';

const lock = 'examples/uv/uv.lock';
// The seed's example is about one target; a universal lock is otherwise checked for every target it
// supports (test/app/check-targets.test.ts), where the Windows-only colorama, unreviewed, fails too.
const one = ['--python', '3.12', '--platform', 'linux'];
const base = ['check', lock, ...one, '--policy', 'examples/check/pyvouch.toml', '--index-mirror', 'examples/check/index', '--statements', 'examples/check/statements', '--no-db', '--at', '2026-11-01T00:00:00Z'];

interface CheckDoc {
  passed: boolean;
  nodes: { name: string; version: string; verdict: string; score: number; contributions: { party: string; statement: string | null; weight: number; path: string[] }[]; missing: { kind: string; short?: number }[] }[];
}

const exampleKey = (name: string) => identityFromPrivateKey(privateKeyFromSeed(createHash('sha256').update(`pyvouch example key: ${name}`).digest()), { name });

function withExtraStatements(extra: { signer: string; kind: 'review' | 'flag'; name: string; version: string }[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-check-'));
  cpSync('examples/check/statements', dir, { recursive: true });
  for (const [i, s] of extra.entries()) {
    const signer = exampleKey(s.signer);
    const statement = buildStatement({
      kind: s.kind,
      agent: { did: signer.did },
      package: { name: s.name, version: s.version },
      artifacts: resolveArtifacts({ name: s.name, version: s.version }, { lock }),
      ...(s.kind === 'review' ? { criteria: ['safe-to-deploy'], rating: 'positive' as const } : { finding: { kind: 'malicious', severity: 'critical' as const } }),
      description: 'test',
      startTime: '2026-10-20T00:00:00Z',
    });
    writeFileSync(join(dir, `extra-${i}.json`), JSON.stringify(signStatement(statement, signer)));
  }
  return dir;
}

test('the bundled example: passes, one failure with its reason, an exemption (exit 1)', () => {
  const r = pyvouch([...base, '--format', 'json']);
  assert.equal(r.code, 1, r.stderr);
  const doc = JSON.parse(r.stdout) as CheckDoc;
  assert.equal(doc.passed, false);
  const node = (name: string) => doc.nodes.find((n) => n.name === name)!;

  // The seed's arithmetic: index 0.5 + curator 1.0 + two internal reviewers 2 x 2.0 = 5.5.
  const requests = node('requests');
  assert.equal(requests.verdict, 'pass');
  assert.equal(requests.score, 5.5);
  assert.deepEqual(requests.contributions.map((c) => [c.party, c.weight]).sort(), [['curator', 1], ['internal', 2], ['internal', 2], ['pypi', 0.5]]);

  const urllib3 = node('urllib3');
  assert.equal(urllib3.verdict, 'fail');
  assert.equal(urllib3.score, 3.5);
  assert.equal(urllib3.missing.find((m) => m.kind === 'score')?.short, 2);

  assert.equal(node('pyyaml').verdict, 'exempt');
  assert.equal(node('tidepool').verdict, 'exempt', 'the project itself (editable) is first-party');
  assert.deepEqual(doc.nodes.filter((n) => n.verdict === 'fail').map((n) => n.name), ['urllib3']);

  const text = pyvouch(base);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /✗ 1 of 10 packages fail the policy/);
  assert.match(text.stdout, /urllib3 2\.7\.0 {2}score 3\.5 of 5\.5/);
  assert.match(text.stdout, /pyvouch review urllib3==2\.7\.0 --criteria safe-to-deploy/);
  assert.match(text.stdout, /pyyaml 6\.0\.3: C extension under review/);
});

test('one more internal review makes the example pass (exit 0)', async () => {
  const dir = withExtraStatements([{ signer: 'Bob (internal)', kind: 'review', name: 'urllib3', version: '2.7.0' }]);
  const r = await runCli(['check', lock, ...one, '--policy', 'examples/check/pyvouch.toml', '--index-mirror', 'examples/check/index', '--statements', dir, '--no-db', '--at', '2026-11-01T00:00:00Z']);
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.match(r.stdout, /all 10 packages meet the policy/);
});

test('a malicious flag from a policy party vetoes a package whatever its score', async () => {
  const dir = withExtraStatements([{ signer: 'Example Curators', kind: 'flag', name: 'requests', version: '2.33.0' }]);
  const r = await runCli(['check', lock, '--policy', 'examples/check/pyvouch.toml', '--index-mirror', 'examples/check/index', '--statements', dir, '--no-db', '--at', '2026-11-01T00:00:00Z', '--format', 'json']);
  assert.equal(r.code, 1);
  const requests = (JSON.parse(r.stdout) as CheckDoc).nodes.find((n) => n.name === 'requests')!;
  assert.equal(requests.verdict, 'fail');
  // The curator's flag supersedes its own earlier audit: 5.5 - 1.0.
  assert.equal(requests.score, 4.5);
  assert.ok(requests.missing.some((m) => m.kind === 'veto'));
});

test('a statement signed by a key the policy does not name counts for nothing', async () => {
  const dir = withExtraStatements([{ signer: 'Mallory', kind: 'review', name: 'urllib3', version: '2.7.0' }]);
  const r = await runCli(['check', lock, '--policy', 'examples/check/pyvouch.toml', '--index-mirror', 'examples/check/index', '--statements', dir, '--no-db', '--at', '2026-11-01T00:00:00Z']);
  assert.equal(r.code, 1);
});

test('SARIF: one result per failing package, located in the lock file', async () => {
  const r = await runCli([...base, '--format', 'sarif']);
  assert.equal(r.code, 1);
  const sarif = JSON.parse(r.stdout) as { version: string; runs: { tool: { driver: { name: string; rules: { id: string }[] } }; results: { ruleId: string; locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } } }[] }[] }[] };
  assert.equal(sarif.version, '2.1.0');
  const run = sarif.runs[0]!;
  assert.equal(run.tool.driver.name, 'pyvouch');
  assert.equal(run.results.length, 1);
  const loc = run.results[0]!.locations[0]!.physicalLocation;
  assert.equal(loc.artifactLocation.uri, lock);
  assert.ok((loc.region?.startLine ?? 0) > 1, 'the line that pins urllib3');
});

test('HTML: one self-contained page with the graph coloured by verdict', async () => {
  const out = join(mkdtempSync(join(tmpdir(), 'pyvouch-html-')), 'report.html');
  const r = await runCli([...base, '--format', 'html', '--output', out]);
  assert.equal(r.code, 1);
  const html = fs.readFileSync(out, 'utf8');
  assert.match(html, /^<!doctype html>/);
  assert.match(html, /<svg[^>]*aria-label="dependency graph"/);
  assert.match(html, /data-name="urllib3" data-verdict="fail"/);
  assert.match(html, /data-name="requests" data-verdict="closure-fail"/);
  assert.doesNotMatch(html, /<script src|<link rel="stylesheet"/, 'no external assets');
});


test('check without a policy says how to give one', () => {
  const r = pyvouch(['check', join(projectRoot, lock), '--no-db'], { cwd: tmpdir() });
  assert.equal(r.code, 2);
  assert.match(r.stderr, /error\[USAGE\]: no policy/);
  assert.match(r.stderr, /help: pass one with --policy PATH/);
});

test('suggest names the cheapest review and exits 1 while the graph fails', async () => {
  const r = await runCli(['suggest', lock, ...one, '--policy', 'examples/check/pyvouch.toml', '--index-mirror', 'examples/check/index', '--statements', 'examples/check/statements', '--no-db', '--at', '2026-11-01T00:00:00Z', '--format', 'json']);
  assert.equal(r.code, 1);
  const doc = JSON.parse(r.stdout) as { suggestions: { name: string; reviews: { party: string; weight: number; command: string }[] }[] };
  assert.deepEqual(doc.suggestions.map((s) => s.name), ['urllib3']);
  assert.equal(doc.suggestions[0]!.reviews.length, 1);
  assert.equal(doc.suggestions[0]!.reviews[0]!.party, 'internal');
});

test('suggest --dist sizes a delta review from the files at hand, bound by their sha256', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-dist-'));
  const wheelhouse = join(dir, 'wheels');
  fs.mkdirSync(wheelhouse);
  const v10 = buildZip([{ name: 'demo/__init__.py', data: 'a = 1\nb = 2\nc = 3\n' }]);
  const v11 = buildZip([{ name: 'demo/__init__.py', data: 'a = 1\nb = 2\nc = 4\n' }, { name: 'demo/extra.py', data: 'x = 1\ny = 2\n' }]);
  writeFileSync(join(wheelhouse, 'demo-1.0-py3-none-any.whl'), v10);
  writeFileSync(join(wheelhouse, 'demo-1.1-py3-none-any.whl'), v11);
  const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
  writeFileSync(join(dir, 'requirements.txt'), `demo==1.1 --hash=sha256:${sha(v11)}\n`);
  const [alice, bob] = [exampleKey('dist-alice'), exampleKey('dist-bob')];
  writeFileSync(
    join(dir, 'pyvouch.toml'),
    `[policy]\nthreshold = 4.0\ncriteria = "safe-to-deploy"\n\n[[party]]\nname = "internal"\nidentities = ["${alice.did}", "${bob.did}"]\nweight = 2.0\n`,
  );
  const feed = join(dir, 'feed');
  fs.mkdirSync(feed);
  for (const [i, signer] of [alice, bob].entries()) {
    const statement = buildStatement({
      kind: 'assess',
      agent: { did: signer.did },
      package: { name: 'demo', version: '1.0' },
      artifacts: [{ filename: 'demo-1.0-py3-none-any.whl', sha256: sha(v10) }],
      criteria: ['safe-to-deploy'],
      description: 'audited 1.0',
      startTime: '2026-10-01T00:00:00Z',
    });
    writeFileSync(join(feed, `${i}.json`), JSON.stringify(signStatement(statement, signer)));
  }
  const r = await runCli(['suggest', join(dir, 'requirements.txt'), '--policy', join(dir, 'pyvouch.toml'), '--statements', feed, '--no-db', '--at', '2026-11-01T00:00:00Z', '--dist', wheelhouse, '--format', 'json']);
  assert.equal(r.code, 1, r.stderr);
  const doc = JSON.parse(r.stdout) as { suggestions: { name: string; lines: number | null; reviews: { deltaFrom?: string; lines: number | null }[] }[] };
  const demo = doc.suggestions.find((s) => s.name === 'demo')!;
  assert.ok(demo.reviews.length > 0);
  // 1.1 adds 'c = 4' and the two lines of extra.py over 1.0: a 3-line delta review.
  assert.ok(demo.reviews.every((rv) => rv.deltaFrom === '1.0' && rv.lines === 3), JSON.stringify(demo.reviews));
});
