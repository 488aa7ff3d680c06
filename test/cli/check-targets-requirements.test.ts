// `check -r requirements.in --all-targets` / `--matrix`: loose requirements resolved for every
// target and checked as one union graph, each release once with the targets it installs on, as a
// universal lock is. The attacker's case: a dependency that only Windows installs (winonly, pulled
// by a marker in app's metadata, and winextra by a marker line in the requirements file) must not
// pass unseen because the check resolved for Linux.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { buildZip, coreMetadata } from '../artifact/archive-builders.js';
import { generateIdentity } from '../../src/attest/keys.js';
import { buildStatement, signStatement } from '../../src/attest/statement.js';
import { pyvouch } from './harness.js';
import type { TargetsJsonReport as JsonReport } from '../support/targets-report.js';

function wheel(dir: string, name: string, version: string, requires: string[] = []): string {
  const dist = name.replace(/-/g, '_');
  const bytes = buildZip([
    { name: `${dist}/__init__.py`, data: `VERSION = "${version}"\n` },
    { name: `${dist}-${version}.dist-info/METADATA`, data: coreMetadata(name, version, requires) },
    { name: `${dist}-${version}.dist-info/WHEEL`, data: 'Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n' },
  ]);
  writeFileSync(join(dir, `${dist}-${version}-py3-none-any.whl`), bytes);
  return createHash('sha256').update(bytes).digest('hex');
}

describe('check -r --all-targets', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-reqs-targets-'));
  const shas = {
    app: wheel(dir, 'app', '1.0', ['lib>=1.0', 'winonly ; sys_platform == "win32"']),
    lib: wheel(dir, 'lib', '1.0'),
    winonly: wheel(dir, 'winonly', '1.0'),
    winextra: wheel(dir, 'winextra', '1.0'),
  };
  const reqs = join(dir, 'requirements.in');
  writeFileSync(reqs, 'app\nwinextra ; sys_platform == "win32"\n');
  // One party vouches for app and lib only: what only Windows installs is not reviewed.
  const me = generateIdentity();
  writeFileSync(join(dir, 'pyvouch.toml'), `[policy]\nthreshold = 1.0\n\n[[party]]\nname = "me"\nidentity = "${me.did}"\nweight = 1.0\n`);
  const feed = join(dir, 'feed.jsonl');
  const review = (name: 'app' | 'lib'): string =>
    JSON.stringify(
      signStatement(
        buildStatement({
          kind: 'assess',
          agent: { did: me.did },
          package: { name, version: '1.0' },
          artifacts: [{ filename: `${name}-1.0-py3-none-any.whl`, sha256: shas[name] }],
          criteria: ['safe-to-deploy'],
          description: 'read it',
        }),
        me,
      ),
    );
  writeFileSync(feed, `${review('app')}\n${review('lib')}\n`);
  const common = ['check', '-r', reqs, '--index', dir, '--policy', join(dir, 'pyvouch.toml'), '--statements', feed, '--no-db', '--no-cache'];

  test('a single-target check for Linux passes: the Windows-only releases are not in its graph', () => {
    const r = pyvouch([...common, '--platform', 'linux', '--python', '3.12', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual((JSON.parse(r.stdout) as JsonReport).nodes.map((n) => n.name), ['app', 'lib']);
  });

  test('--all-targets resolves for every target and fails on the Windows-only releases, naming the targets', () => {
    const r = pyvouch([...common, '--all-targets', '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.equal(report.passed, false);
    const checked = report.targets!.checked;
    assert.equal(checked.length, 30, 'CPython 3.9-3.14 on five machines');
    assert.deepEqual(report.targets!.excluded, []);
    const byName = new Map(report.nodes.map((n) => [n.name, n]));
    assert.deepEqual([...byName.keys()].sort(), ['app', 'lib', 'winextra', 'winonly']);
    const windows = checked.filter((l) => l.includes('-windows-'));
    assert.equal(windows.length, 6);
    for (const name of ['winonly', 'winextra']) {
      const n = byName.get(name)!;
      assert.equal(n.verdict, 'fail');
      assert.deepEqual(n.targets, windows, `${name} installs on Windows only`);
      assert.deepEqual(n.failsOn, windows);
    }
    assert.deepEqual(byName.get('lib')!.targets, checked, 'lib installs everywhere');
    assert.equal(byName.get('lib')!.verdict, 'pass');
  });

  test('the text names the targets covered; --matrix narrows them', () => {
    const text = pyvouch([...common, '--all-targets']);
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout, /30 targets/);
    assert.match(text.stdout, /windows-AMD64 3\.9–3\.14/);
    const linux = pyvouch([...common, '--matrix', 'linux:3.12,linux:3.13', '--format', 'json']);
    assert.equal(linux.code, 0, linux.stderr);
    assert.deepEqual((JSON.parse(linux.stdout) as JsonReport).targets!.checked, ['cpython3.12-linux-x86_64', 'cpython3.13-linux-x86_64']);
  });

  test('a target where the requirements have no solution is not checked, and the report says why', () => {
    const strict = join(dir, 'strict.in');
    writeFileSync(strict, 'app\nwinextra>=2 ; sys_platform == "win32"\n');
    const r = pyvouch(['check', '-r', strict, '--index', dir, '--policy', join(dir, 'pyvouch.toml'), '--statements', feed, '--no-db', '--no-cache', '--matrix', 'linux:3.12,windows:3.12', '--format', 'json']);
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.deepEqual(report.targets!.checked, ['cpython3.12-linux-x86_64']);
    assert.equal(report.targets!.excluded[0]!.label, 'cpython3.12-windows-AMD64');
    assert.match(report.targets!.excluded[0]!.reason, /no set of releases satisfies the requirements there/);
    const none = pyvouch(['check', '-r', strict, '--index', dir, '--policy', join(dir, 'pyvouch.toml'), '--no-db', '--no-cache', '--matrix', 'windows:3.12']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /resolve on none of the targets/);
  });

  test('a lock file and -r together are refused, not one of them ignored', () => {
    const r = pyvouch(['check', 'examples/uv/uv.lock', '-r', reqs, '--no-db', '--policy', join(dir, 'pyvouch.toml')]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /a lock file or -r requirements, not both/);
  });
});
