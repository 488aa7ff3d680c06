// Issue 20, end to end: `pyvouch check -r req.txt --platform windows --index DIR`, spawned as a
// user runs it, checks what Windows installs from an sdist whose setup.py branches on sys.platform,
// and fails on the untrusted Windows-only dependency, where the same check for Linux passes. The
// built-metadata cache a Linux run leaves behind must not let the Windows check pass either.

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pyvouch, tempHome } from '../cli/harness.js';
import { branchingSetupPy, indexDirectory, SETUPTOOLS_WHEELS, writeSdist, writeWheel } from './build-deps-fixtures.js';

let index: string;
let project: string;
const homes: string[] = [];

before(async () => {
  index = indexDirectory(SETUPTOOLS_WHEELS);
  await writeSdist(index, 'win-tool', '1.0', { 'setup.py': branchingSetupPy('win-tool', 'sys.platform == "win32"', 'colorama>=0.4', 'tidy-lib>=1.0') });
  writeWheel(index, 'colorama', '0.4.6');
  writeWheel(index, 'tidy-lib', '1.0');
  project = mkdtempSync(join(tmpdir(), 'pyvouch-dyn-check-'));
  writeFileSync(join(project, 'req.txt'), 'win-tool\n');
  // Everything but colorama, what only Windows installs, is allowed.
  const allow = ['win-tool', 'tidy-lib', 'setuptools', 'wheel'].map((n) => `[[allow]]\nname = "${n}"\nreason = "test"\n`).join('\n');
  writeFileSync(join(project, 'pyvouch.toml'), `[policy]\nthreshold = 1\n\n${allow}`);
});
after(() => {
  for (const d of [index, project, ...homes]) rmSync(d, { recursive: true, force: true });
});

function check(home: string, platform: string, format = 'text'): { code: number; stdout: string; stderr: string } {
  return pyvouch(['check', '-r', 'req.txt', '--platform', platform, '--python', '3.11', '--index', index, '--no-db', '--format', format], { home, cwd: project });
}

function newHome(): string {
  const home = tempHome('pyvouch-dyn-check-home-');
  homes.push(home);
  return home;
}

interface CheckJson {
  passed: boolean;
  environment: { platform: string };
  nodes: { name: string; verdict: string; path?: string[]; notes: { kind: string; message: string }[] }[];
}

describe('check for Windows of a requirement set with a platform-branching setup.py', () => {
  it('fails on the untrusted Windows dependency, and passes for Linux', () => {
    const home = newHome();
    const windows = check(home, 'windows');
    assert.equal(windows.code, 1, windows.stderr);
    assert.match(windows.stdout, /✗ colorama 0\.4\.6/);
    assert.match(windows.stdout, /required by: win-tool -> colorama/);
    assert.doesNotMatch(windows.stdout, /tidy-lib/);
    const linux = check(home, 'linux');
    assert.equal(linux.code, 0, linux.stdout + linux.stderr);
    assert.match(linux.stdout, /tidy-lib 1\.0: exempt/);
    assert.doesNotMatch(linux.stdout, /colorama/);
  });

  it('still fails for Windows after a Linux run filled the cache, and says how the metadata was obtained', () => {
    const home = newHome();
    assert.equal(check(home, 'linux').code, 0);
    const r = check(home, 'windows', 'json');
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as CheckJson;
    assert.equal(report.passed, false);
    assert.equal(report.environment.platform, 'windows');
    assert.deepEqual(report.nodes.filter((n) => n.verdict === 'fail').map((n) => n.name), ['colorama']);
    assert.deepEqual(report.nodes.find((n) => n.name === 'colorama')!.path, ['win-tool', 'colorama']);
    assert.equal(report.nodes.some((n) => n.name === 'tidy-lib'), false);
    const source = report.nodes.find((n) => n.name === 'win-tool')!.notes.find((n) => n.kind === 'source')!.message;
    assert.match(source, /built for the target cpython3\.11-windows-AMD64: Python 3\.11\.\d+ .*sys\.platform = 'win32'/);
    // A second Windows check answers from the cache, and fails the same way.
    const again = check(home, 'windows', 'json');
    assert.equal(again.code, 1, again.stderr);
    const cached = JSON.parse(again.stdout) as CheckJson;
    assert.deepEqual(cached.nodes.filter((n) => n.verdict === 'fail').map((n) => n.name), ['colorama']);
    assert.match(cached.nodes.find((n) => n.name === 'win-tool')!.notes.find((n) => n.kind === 'source')!.message, /\(cached\)$/);
  });
});
