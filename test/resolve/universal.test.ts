// `pyvouch resolve --universal` over a local directory of real wheels: the pylock.toml it writes,
// re-read for each environment it covers, gives exactly the graph a single-target resolve gives
// there; environments it does not cover are refused, never guessed.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import type { Graph } from '../../src/graph/graph.js';
import { readLock } from '../../src/lock/read.js';
import { lockScope } from '../../src/app/check-targets.js';
import { parseTarget } from '../../src/pep/environment.js';
import { buildZip, coreMetadata } from '../artifact/archive-builders.js';
import { runCli } from '../cli/in-process.js';

function wheel(dir: string, name: string, version: string, requires: string[] = [], requiresPython?: string): void {
  const dist = name.replace(/-/g, '_');
  const bytes = buildZip([
    { name: `${dist}/__init__.py`, data: `VERSION = "${version}"\n` },
    { name: `${dist}-${version}.dist-info/METADATA`, data: coreMetadata(name, version, requires, requiresPython === undefined ? [] : [`Requires-Python: ${requiresPython}`]) },
    { name: `${dist}-${version}.dist-info/WHEEL`, data: 'Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n' },
  ]);
  writeFileSync(join(dir, `${dist}-${version}-py3-none-any.whl`), bytes);
}

/** app needs lib (2.0 wants Python >=3.11), a Windows-only and an old-Python-only dependency. */
function index(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-universal-'));
  wheel(dir, 'app', '1.0', ['lib>=1.0', 'winonly ; sys_platform == "win32"', 'backport ; python_version < "3.11"', 'fastpath ; platform_machine == "aarch64"']);
  wheel(dir, 'lib', '1.0');
  wheel(dir, 'lib', '2.0', ['helper ; sys_platform != "win32"'], '>=3.11');
  wheel(dir, 'helper', '1.0');
  wheel(dir, 'winonly', '1.0');
  wheel(dir, 'backport', '1.0');
  wheel(dir, 'fastpath', '1.0');
  return dir;
}

function shape(graph: { nodes: { name: string; version: string }[]; edges: { from: string; to: string }[] }): { nodes: string[]; edges: string[] } {
  return { nodes: graph.nodes.map((n) => `${n.name}==${n.version}`).sort(), edges: [...new Set(graph.edges.map((e) => `${e.from}->${e.to}`))].sort() };
}

const LABEL = /^([a-z]+)(\d+\.\d+(?:\.\d+)?)-([a-z]+)-(.+)$/;

describe('resolve --universal', () => {
  test('the lock, re-read for each environment, equals that environment\'s single-target resolve', async () => {
    const dir = index();
    const json = await runCli(['resolve', 'app', '--index', dir, '--universal', '--format', 'json']);
    assert.equal(json.code, 0, json.stderr);
    const environments = (JSON.parse(json.stdout) as { environments: string[] }).environments;
    assert.equal(environments.length, 30, 'CPython 3.9-3.14 on five machines');
    const out = join(dir, 'pylock.toml');
    const written = await runCli(['resolve', 'app', '--index', dir, '--universal', '--format', 'pylock', '-o', out]);
    assert.equal(written.code, 0, written.stderr);
    const text = readFileSync(out, 'utf8');
    // lib forks on Requires-Python, and helper hangs off lib 2.0 outside Windows only.
    assert.match(text, /name = "lib"\nversion = "1\.0"\nmarker = "python_full_version < '3\.11\.0'"/);
    assert.match(text, /name = "lib"\nversion = "2\.0"\nmarker = "[^"]*python_full_version >= '3\.11\.0'/);
    for (const label of environments) {
      const [, implementation, python, platform, machine] = LABEL.exec(label)!;
      const target = parseTarget({ implementation: implementation!, python: python!, platform: platform!, machine: machine! });
      const single = await runCli(['resolve', 'app', '--index', dir, '--format', 'json', '--python', python!, '--platform', platform!, '--machine', machine!]);
      assert.equal(single.code, 0, single.stderr);
      const reread = readLock({ path: out, text }, target);
      assert.deepEqual(shape(reread), shape(JSON.parse(single.stdout) as Graph), label);
      assert.ok(!reread.diagnostics.some((d) => d.level === 'warning'), `${label}: ${JSON.stringify(reread.diagnostics)}`);
    }
  });

  test('check reads the universal lock for every environment it covers, by default', async () => {
    const dir = index();
    const out = join(dir, 'pylock.toml');
    assert.equal((await runCli(['resolve', 'app', '--index', dir, '--universal', '--requires-python', '>=3.10', '--format', 'pylock', '-o', out])).code, 0);
    assert.equal(lockScope(out).universal, true);
    const r = await runCli(['check', out, '--policy', 'examples/check/pyvouch.toml', '--no-db', '--offline', '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as { targets: { checked: string[]; excluded: { label: string }[] }; nodes: { name: string; version: string; targets: string[] }[] };
    assert.equal(report.targets.checked.length, 25, 'Python 3.10-3.14 on five machines');
    assert.ok(report.targets.excluded.every((x) => x.label.startsWith('cpython3.9-')));
    const winonly = report.nodes.find((n) => n.name === 'winonly')!;
    assert.ok(winonly.targets.every((l) => l.endsWith('-windows-AMD64')) && winonly.targets.length === 5);
    assert.deepEqual(report.nodes.filter((n) => n.name === 'lib').map((n) => n.version).sort(), ['1.0', '2.0']);
  });

  test('an environment the lock does not cover is refused, not served a guess', async () => {
    const dir = index();
    const out = join(dir, 'pylock.toml');
    assert.equal((await runCli(['resolve', 'app', '--index', dir, '--universal', '--requires-python', '>=3.11', '--format', 'pylock', '-o', out])).code, 0);
    const text = readFileSync(out, 'utf8');
    assert.doesNotMatch(text, /name = "backport"/, 'no Python below 3.11 is covered, so its backport is not locked');
    for (const target of [parseTarget({ python: '3.10' }), parseTarget({ python: '3.15' }), parseTarget({ platform: 'linux', machine: 'ppc64le' })]) {
      const graph = readLock({ path: out, text }, target);
      assert.ok(graph.diagnostics.some((d) => d.level === 'warning' && /environments|requires Python/.test(d.message)), JSON.stringify(graph.diagnostics));
    }
  });

  test('--universal with a named target, or --requires-python without --universal, is a usage error', async () => {
    const dir = index();
    for (const args of [['--universal', '--python', '3.12'], ['--universal', '--matrix'], ['--requires-python', '>=3.10'], ['--universal', '--requires-python', '>=three']]) {
      const r = await runCli(['resolve', 'app', '--index', dir, ...args]);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.stderr, /error\[(USAGE|INVALID_SPECIFIER)\]/);
      assert.doesNotMatch(r.stderr, /unexpected/);
    }
  });

  test('an environment with no solution fails the universal resolution and is named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'pyvouch-universal-'));
    wheel(dir, 'app', '1.0', ['lib>=2 ; sys_platform == "darwin"']);
    wheel(dir, 'lib', '1.0');
    const r = await runCli(['resolve', 'app', '--index', dir, '--universal']);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error\[RESOLUTION_IMPOSSIBLE\]: No universal resolution: 12 environments have no solution \(cpython3\.10-macos-arm64/);
  });
});
