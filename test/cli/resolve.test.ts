// `pyvouch resolve` and `pyvouch check -r` over a local directory of real wheels.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildZip, coreMetadata } from '../artifact/archive-builders.js';
import { readLock } from '../../src/lock/read.js';
import { parseTarget } from '../../src/pep/environment.js';
import { generateIdentity } from '../../src/attest/keys.js';
import { buildStatement, signStatement } from '../../src/attest/statement.js';
import { pyvouch } from './harness.js';

function wheel(dir: string, name: string, version: string, requires: string[] = []): string {
  const dist = name.replace(/-/g, '_');
  const filename = `${dist}-${version}-py3-none-any.whl`;
  const bytes = buildZip([
    { name: `${dist}/__init__.py`, data: `VERSION = "${version}"\n` },
    { name: `${dist}-${version}.dist-info/METADATA`, data: coreMetadata(name, version, requires) },
    { name: `${dist}-${version}.dist-info/WHEEL`, data: 'Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n' },
  ]);
  writeFileSync(join(dir, filename), bytes);
  return createHash('sha256').update(bytes).digest('hex');
}

function index(): { dir: string; shas: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-wheels-'));
  const shas: Record<string, string> = {};
  shas['app-1.0'] = wheel(dir, 'app', '1.0', ['lib>=1.0', 'winonly ; sys_platform == "win32"']);
  shas['app-2.0'] = wheel(dir, 'app', '2.0', ['lib>=2.0', 'winonly ; sys_platform == "win32"']);
  shas['lib-1.0'] = wheel(dir, 'lib', '1.0');
  shas['lib-2.0'] = wheel(dir, 'lib', '2.0');
  shas['lib-3.0a1'] = wheel(dir, 'lib', '3.0a1');
  shas['winonly-1.0'] = wheel(dir, 'winonly', '1.0');
  return { dir, shas };
}

test('resolve picks the newest versions for the target, as pip would, and writes a pylock.toml', () => {
  const { dir, shas } = index();
  const json = pyvouch(['resolve', 'app', '--index', dir, '--format', 'json']);
  assert.equal(json.code, 0, json.stderr);
  const graph = JSON.parse(json.stdout) as { nodes: { name: string; version: string; artifacts: { sha256: string }[] }[]; edges: { from: string; to: string }[] };
  assert.deepEqual(graph.nodes.map((n) => `${n.name}==${n.version}`).sort(), ['app==2.0', 'lib==2.0']);
  assert.equal(graph.nodes.find((n) => n.name === 'lib')!.artifacts[0]!.sha256, shas['lib-2.0']);
  assert.deepEqual(graph.edges.map((e) => `${e.from}->${e.to}`), ['app->lib']);

  const out = join(dir, 'pylock.toml');
  assert.equal(pyvouch(['resolve', 'app', '--index', dir, '--format', 'pylock', '--output', out]).code, 0);
  const relocked = readLock({ path: out, text: readFileSync(out, 'utf8') }, parseTarget({ python: '3.12', platform: 'linux' }));
  assert.deepEqual(relocked.nodes.map((n) => `${n.name}==${n.version}`).sort(), ['app==2.0', 'lib==2.0']);
  assert.equal(relocked.nodes.find((n) => n.name === 'lib')!.artifacts[0]!.sha256, shas['lib-2.0']);
});

test('resolve honours markers per platform and --matrix reports the difference', () => {
  const { dir } = index();
  const windows = JSON.parse(pyvouch(['resolve', 'app', '--index', dir, '--format', 'json', '--platform', 'windows']).stdout) as { nodes: { name: string }[] };
  assert.ok(windows.nodes.some((n) => n.name === 'winonly'));
  const matrix = pyvouch(['resolve', 'app', '--index', dir, '--matrix', 'linux:3.12,windows:3.12']);
  assert.equal(matrix.code, 0, matrix.stderr);
  assert.match(matrix.stdout, /Packages that differ:\n\s+winonly: cpython3\.12-linux-x86_64=-\s+cpython3\.12-windows-AMD64=1\.0/);
});

test('an unsatisfiable request is explained and exits 2', () => {
  const { dir } = index();
  const r = pyvouch(['resolve', 'app==1.0', 'lib<1.0', '--index', dir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /error\[RESOLUTION_IMPOSSIBLE\]/);
  assert.match(r.stderr, /Because app<2\.0 depends on lib>=1\.0 and you require app==1\.0, you require lib>=1\.0\./);
  assert.match(r.stderr, /And because you require lib<1\.0, your requirements are unsatisfiable\./);
});

test('check -r resolves requirements and checks the graph against the policy', () => {
  const { dir, shas } = index();
  const reqs = join(dir, 'requirements.in');
  writeFileSync(reqs, `# what the app needs\napp\n`);
  const me = generateIdentity();
  writeFileSync(join(dir, 'pyvouch.toml'), `[policy]\nthreshold = 1.0\n\n[[party]]\nname = "me"\nidentity = "${me.did}"\nweight = 1.0\n`);
  const feed = join(dir, 'feed.json');
  const statement = buildStatement({
    kind: 'assess',
    agent: { did: me.did },
    package: { name: 'app', version: '2.0' },
    artifacts: [{ filename: 'app-2.0-py3-none-any.whl', sha256: shas['app-2.0']! }],
    criteria: ['safe-to-deploy'],
    description: 'read it',
  });
  writeFileSync(feed, JSON.stringify(signStatement(statement, me)));
  const r = pyvouch(['check', '-r', reqs, '--index', dir, '--policy', join(dir, 'pyvouch.toml'), '--statements', feed, '--no-db', '--format', 'json']);
  assert.equal(r.code, 1, r.stderr);
  const doc = JSON.parse(r.stdout) as { nodes: { name: string; verdict: string }[] };
  assert.deepEqual(doc.nodes.map((n) => `${n.name}:${n.verdict}`), ['app:pass', 'lib:fail']);
});

test('resolve --matrix where every target fails says what happened on each and exits 2', () => {
  const { dir } = index();
  const r = pyvouch(['resolve', 'app>=9', '--index', dir, '--matrix', 'linux:3.12,windows:3.12']);
  assert.equal(r.code, 2, r.stderr);
  assert.doesNotMatch(r.stdout, /same graph/i);
  assert.match(r.stdout, /No target could be resolved \(2 of 2 failed\)/);
  for (const label of ['cpython3\\.12-linux-x86_64', 'cpython3\\.12-windows-AMD64']) {
    assert.match(r.stdout, new RegExp(`On ${label}:\\n\\s+error\\[RESOLUTION_IMPOSSIBLE\\]: .*\\n\\s+Because only app==1\\.0 and app==2\\.0 are available`));
  }
  const one = pyvouch(['resolve', 'app', 'winonly>=2 ; sys_platform == "win32"', '--index', dir, '--matrix', 'linux:3.12,windows:3.12']);
  assert.equal(one.code, 1, one.stderr);
  assert.match(one.stdout, /Only one target was resolved: nothing to compare\.\n1 of 2 targets failed:\nOn cpython3\.12-windows-AMD64:/);
});
