// The adoption workflow end to end on the pydantic uv.lock of the corpus: `init` baselines every
// release so `check` passes at once; a changed version then fails alone, `suggest` names the delta
// review from the baselined version, that review makes it pass, and `prune` keeps what is needed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parsePolicyToml } from '../../src/trust/parse.js';
import { removeExemptions } from '../../src/cli/prune.js';
import { pyvouch, tempHome } from './harness.js';

function project(): { dir: string; lock: string; home: string } {
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-adopt-'));
  copyFileSync('test/corpora/locks/pydantic-uv.lock', join(dir, 'uv.lock'));
  copyFileSync('test/corpora/locks/pydantic-pyproject.toml', join(dir, 'pyproject.toml'));
  return { dir, lock: join(dir, 'uv.lock'), home: tempHome() };
}

/** Bumps one package's version in a uv.lock (its files stay: the sha256s are what a review binds to). */
function bump(lock: string, name: string, from: string, to: string): void {
  const text = readFileSync(lock, 'utf8');
  const next = text.replace(`name = "${name}"\nversion = "${from}"`, `name = "${name}"\nversion = "${to}"`);
  assert.notEqual(next, text, `${name} ${from} is in the lock`);
  writeFileSync(lock, next);
}

interface CheckDoc {
  passed: boolean;
  nodes: { name: string; version: string; verdict: string; contributions: { kind: string; delta?: { from: string } }[] }[];
}

test('init baselines the pydantic uv.lock: check passes at once, and a changed version alone fails', () => {
  const { dir, lock, home } = project();
  const init = pyvouch(['init', lock, '--date', '2026-12-01'], { home });
  assert.equal(init.code, 0, init.stderr);
  const policyText = readFileSync(join(dir, 'pyvouch.toml'), 'utf8');
  const policy = parsePolicyToml(policyText);
  assert.ok(policy.exemptions.length > 100, 'every locked release is exempted');
  assert.ok(policy.exemptions.every((e) => e.baseline === '2026-12-01'));
  assert.equal(policy.parties[0]?.kind, 'identity');

  // Every common target, not only the one check runs for.
  for (const target of [[], ['--platform', 'windows', '--machine', 'AMD64'], ['--python', '3.9', '--platform', 'macos', '--machine', 'arm64']]) {
    const r = pyvouch(['check', lock, '--no-db', '--all-groups', '--all-extras', ...target], { home });
    assert.equal(r.code, 0, r.stdout + r.stderr);
  }

  bump(lock, 'typing-extensions', '4.15.0', '4.16.0');
  const r = pyvouch(['check', lock, '--no-db', '--format', 'json'], { home });
  assert.equal(r.code, 1, r.stderr);
  const doc = JSON.parse(r.stdout) as CheckDoc;
  assert.deepEqual(doc.nodes.filter((n) => n.verdict === 'fail').map((n) => `${n.name}==${n.version}`), ['typing-extensions==4.16.0']);

  const s = pyvouch(['suggest', lock, '--no-db', '--format', 'json'], { home });
  assert.equal(s.code, 1, s.stderr);
  const sug = JSON.parse(s.stdout) as { suggestions: { name: string; reviews: { deltaFrom?: string; command: string }[] }[] };
  assert.equal(sug.suggestions.length, 1);
  assert.equal(sug.suggestions[0]!.reviews[0]!.deltaFrom, '4.15.0');
  assert.match(sug.suggestions[0]!.reviews[0]!.command, /--delta-from 4\.15\.0/);

  // The team signs the delta review from the baselined version: the release now passes.
  const review = pyvouch(['review', 'typing-extensions==4.16.0', '--delta-from', '4.15.0', '--lock', lock, '--comment', 'diff read'], { home });
  assert.equal(review.code, 0, review.stderr);
  const after = pyvouch(['check', lock, '--format', 'json'], { home });
  assert.equal(after.code, 0, after.stdout + after.stderr);
  const te = (JSON.parse(after.stdout) as CheckDoc).nodes.find((n) => n.name === 'typing-extensions')!;
  assert.equal(te.verdict, 'pass');
  assert.equal(te.contributions[0]?.kind, 'delta-audit');

  // prune: 4.15.0 left the lock but the delta review builds on it, so it stays; nothing else goes.
  const pr = pyvouch(['prune', lock, '--format', 'json'], { home });
  assert.equal(pr.code, 0, pr.stderr);
  assert.deepEqual((JSON.parse(pr.stdout) as { removed: unknown[] }).removed, []);
  assert.equal(pyvouch(['check', lock], { home }).code, 0);
});

test('prune removes exemptions of releases that left the lock and of releases that now pass on their own', () => {
  const { dir, lock, home } = project();
  assert.equal(pyvouch(['init', lock, '--date', '2026-12-01'], { home }).code, 0);
  bump(lock, 'annotated-types', '0.7.0', '0.7.1');
  // A full review of a baselined release retires its exemption.
  assert.equal(pyvouch(['review', 'typing-inspection==0.4.4', '--lock', lock], { home }).code, 0);
  const dry = pyvouch(['prune', lock, '--dry-run', '--format', 'json'], { home });
  const removed = (JSON.parse(dry.stdout) as { removed: { name: string; why: string }[] }).removed;
  assert.deepEqual(removed.map((d) => [d.name, d.why]).sort(), [['annotated-types', 'gone'], ['typing-inspection', 'passes']]);
  const before = readFileSync(join(dir, 'pyvouch.toml'), 'utf8');
  assert.equal(pyvouch(['prune', lock], { home }).code, 0);
  const afterText = readFileSync(join(dir, 'pyvouch.toml'), 'utf8');
  const after = parsePolicyToml(afterText);
  assert.equal(after.exemptions.length, parsePolicyToml(before).exemptions.length - 2);
  assert.ok(!after.exemptions.some((e) => e.name === 'annotated-types' || e.name === 'typing-inspection'));
  assert.ok(afterText.startsWith('# pyvouch policy written by'), 'the rest of the file is left as written');
});

test('removeExemptions keeps tables it cannot read and edits [tool.pyvouch] ones', () => {
  const text = '[tool.pyvouch.policy]\nthreshold = 1\n\n[[tool.pyvouch.exemption]]\nname = "Foo_Bar"\nversion = "1.0"\nreason = "x"\n\n[[tool.pyvouch.exemption]]\nname = "baz"\nversion = "2"\nreason = "y"\n\n[tool.other]\nk = 1\n';
  const r = removeExemptions(text, (n, v) => n === 'foo-bar' && v === '1.0');
  assert.equal(r.removed, 1);
  assert.doesNotMatch(r.text, /Foo_Bar/);
  assert.match(r.text, /name = "baz"/);
  assert.match(r.text, /\[tool\.other\]/);
  assert.equal(removeExemptions('[[exemption]]\nname = \n', () => true).removed, 0);
});

test('init --pyproject writes [tool.pyvouch] that check finds', () => {
  const { dir, lock, home } = project();
  const r = pyvouch(['init', lock, '--pyproject'], { home });
  assert.equal(r.code, 0, r.stderr);
  const text = readFileSync(join(dir, 'pyproject.toml'), 'utf8');
  assert.match(text, /^\[project\]/m);
  assert.ok(parsePolicyToml(text, { pyproject: true }).exemptions.length > 100);
  assert.equal(pyvouch(['check', lock, '--no-db'], { home }).code, 0);
  assert.equal(pyvouch(['init', lock, '--pyproject'], { home }).code, 2, 'a second init does not add a second table');
  assert.equal(pyvouch(['init', lock], { home }).code, 0);
  assert.equal(pyvouch(['init', lock], { home }).code, 2, 'an existing pyvouch.toml is not overwritten without --force');
});

test('check applies min-age by the uv.lock upload-time: too young fails, --at later passes, a trusted fix passes early', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-cooldown-'));
  const lock = join(dir, 'uv.lock');
  copyFileSync('test/corpora/locks/pydantic-uv.lock', lock);
  copyFileSync('test/corpora/locks/pydantic-pyproject.toml', join(dir, 'pyproject.toml'));
  // A production install (no dev group), everything allowed, so only the cooldown decides; typing-inspection 0.4.4's wheel was uploaded 2026-08-12T12:37:24.648Z.
  const names = ['annotated-types', 'typing-extensions', 'typing-inspection'];
  writeFileSync(
    join(dir, 'pyvouch.toml'),
    `[policy]\nthreshold = 1\nmin-age = "3d"\n\n${names.map((n) => `[[allow]]\nname = "${n}"\nreason = "test"\n`).join('\n')}`,
  );
  const young = pyvouch(['check', lock, '--no-db', '--no-default-groups', '--at', '2026-08-13T00:00:00Z', '--format', 'json']);
  assert.equal(young.code, 1, young.stderr);
  const doc = JSON.parse(young.stdout) as { nodes: { name: string; verdict: string; missing: { kind: string; allowedAt?: string }[] }[] };
  const ti = doc.nodes.find((n) => n.name === 'typing-inspection')!;
  assert.equal(ti.verdict, 'fail');
  assert.equal(ti.missing.find((m) => m.kind === 'too-young')?.allowedAt, '2026-08-15T12:37:24.648Z');
  assert.deepEqual(doc.nodes.filter((n) => n.verdict === 'fail').map((n) => n.name), ['typing-inspection']);
  assert.equal(pyvouch(['check', lock, '--no-db', '--no-default-groups', '--at', '2026-08-16T00:00:00Z']).code, 0);

  const osv = join(dir, 'osv.json');
  writeFileSync(osv, JSON.stringify([{ id: 'GHSA-xxxx-test', affected: [{ package: { ecosystem: 'PyPI', name: 'typing-inspection' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '0.4.4' }] }] }] }]));
  // The fix needs an earlier version in use: a baselined 0.4.3.
  writeFileSync(join(dir, 'pyvouch.toml'), `${readFileSync(join(dir, 'pyvouch.toml'), 'utf8')}\n[[exemption]]\nname = "typing-inspection"\nversion = "0.4.3"\nreason = "baseline"\nbaseline = 2026-01-01\n`);
  assert.equal(pyvouch(['check', lock, '--no-db', '--no-default-groups', '--at', '2026-08-13T00:00:00Z']).code, 1, 'without the advisory it still waits');
  const early = pyvouch(['check', lock, '--no-db', '--no-default-groups', '--at', '2026-08-13T00:00:00Z', '--advisories', osv]);
  assert.equal(early.code, 0, early.stdout + early.stderr);
});

test('suggest lists the reviews that retire baseline exemptions', () => {
  const { lock, home } = project();
  // init baselines every group; suggest for a production install (uv's --no-default-groups).
  assert.equal(pyvouch(['init', lock], { home }).code, 0);
  const s = pyvouch(['suggest', lock, '--no-db', '--no-default-groups', '--format', 'json'], { home });
  assert.equal(s.code, 0, s.stderr);
  const doc = JSON.parse(s.stdout) as { retire?: { name: string; command: string }[] };
  assert.deepEqual(doc.retire?.map((r) => r.name).sort(), ['annotated-types', 'typing-extensions', 'typing-inspection']);
  assert.match(doc.retire[0]!.command, /^pyvouch review /);
});
