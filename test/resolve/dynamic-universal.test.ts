// Issue 20 in `resolve --universal`: an sdist whose setup.py answers differently per environment is
// built for each environment, and its node is marked platform-dependent in JSON and text, with each
// environment's answer; an sdist whose build answers the same everywhere is not marked.

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { runCli } from '../cli/in-process.js';
import { branchingSetupPy, indexDirectory, SETUPTOOLS_WHEELS, writeSdist, writeWheel } from './build-deps-fixtures.js';

let dir: string;

before(async () => {
  dir = indexDirectory(SETUPTOOLS_WHEELS);
  await writeSdist(dir, 'win-tool', '1.0', { 'setup.py': branchingSetupPy('win-tool', 'sys.platform == "win32"', 'colorama>=0.4', 'tidy-lib>=1.0') });
  // Dynamic too (setup.py), but the same answer everywhere.
  await writeSdist(dir, 'steady', '1.0', { 'setup.py': branchingSetupPy('steady', 'True', 'tidy-lib>=1.0', 'never-installed') });
  writeWheel(dir, 'colorama', '0.4.6');
  writeWheel(dir, 'tidy-lib', '1.0');
});
after(() => rmSync(dir, { recursive: true, force: true }));

// One Python (3.11, on this machine) over the five universal machines.
const ARGS = ['resolve', 'win-tool', 'steady', '--universal', '--requires-python', '>=3.11,<3.12'];

interface UniversalJson {
  environments: string[];
  packages: { name: string; version: string; marker: string | null; dependencies: { name: string }[]; platformDependent?: Record<string, string[]> }[];
  platformDependent: { name: string; version: string; requiresDist: Record<string, string[]> }[];
}

describe('resolve --universal with a platform-dependent setup.py', () => {
  it('marks the sdist platform-dependent in JSON, with each environment\'s answer', async () => {
    const r = await runCli([...ARGS, '--index', dir, '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const json = JSON.parse(r.stdout) as UniversalJson;
    // Five machines, for CPython (and PyPy, should a build requirement's markers ask about it).
    assert.ok(json.environments.length >= 5, json.environments.join(', '));
    assert.ok(json.environments.every((label) => /^[a-z]+3\.11-/.test(label)), json.environments.join(', '));
    assert.deepEqual(json.platformDependent.map((d) => d.name), ['win-tool']);
    const answers = json.platformDependent[0]!.requiresDist;
    assert.deepEqual(Object.keys(answers).sort(), [...json.environments].sort());
    for (const [label, deps] of Object.entries(answers)) assert.deepEqual(deps, label.includes('-windows-') ? ['colorama>=0.4'] : ['tidy-lib>=1.0'], label);
    // The lock's entries: win-tool once per dependency set, each marked, with the markers that pick it.
    const entries = json.packages.filter((p) => p.name === 'win-tool');
    assert.equal(entries.length, 2);
    for (const e of entries) assert.deepEqual(e.platformDependent, answers);
    const windows = entries.find((e) => e.dependencies.some((d) => d.name === 'colorama'))!;
    assert.equal(windows.marker, "sys_platform == 'win32'");
    const steady = json.packages.filter((p) => p.name === 'steady');
    assert.equal(steady.length, 1);
    assert.equal(steady[0]!.platformDependent, undefined);
  });

  it('says so in text, environment by environment', async () => {
    const r = await runCli([...ARGS, '--index', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^ {2}win-tool 1\.0 \(platform-dependent\)$/m);
    assert.match(r.stdout, /^ {2}steady 1\.0$/m);
    assert.match(r.stdout, /Platform-dependent sdists \(their build answered differently per target\):\n {2}win-tool 1\.0: platform-dependent\n/);
    assert.match(r.stdout, /^ {4}cpython3\.11-windows-AMD64: colorama>=0\.4$/m);
    assert.match(r.stdout, /^ {4}cpython3\.11-linux-aarch64: tidy-lib>=1\.0$/m);
    assert.doesNotMatch(r.stdout, /steady 1\.0: platform-dependent/);
  });
});
