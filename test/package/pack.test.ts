// `npm pack` makes a package that installs into an empty directory and runs: the binary, the
// README's example from the installed copy, the library entry point, and the run-time files that
// are not TypeScript (the sandbox's metadata hook).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { installPackage, packPackage, repoRoot } from '../support/package.js';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

describe('the npm package', { timeout: 900_000 }, () => {
  let dir = '';
  before(() => {
    dir = installPackage(packPackage());
  });
  const npx = (args: string[]) => spawnSync('npx', ['--no-install', ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', PYVOUCH_HOME: join(dir, '.pyvouch') } });

  test('npx pyvouch --version prints the package version', () => {
    const r = npx(['pyvouch', '--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), version);
  });

  test("the README's example runs from the installed package and fails on urllib3", () => {
    const ex = join(dir, 'node_modules', 'pyvouch', 'examples');
    const r = npx(['pyvouch', 'check', join(ex, 'uv', 'uv.lock'), '--policy', join(ex, 'check', 'pyvouch.toml'), '--statements', join(ex, 'check', 'statements'), '--index-mirror', join(ex, 'check', 'index'), '--no-db']);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /urllib3/);
    assert.match(r.stdout, /pyvouch review urllib3==/);
  });

  test('the installed package carries its run-time files and a library entry point', () => {
    const pkg = join(dir, 'node_modules', 'pyvouch');
    assert.ok(existsSync(join(pkg, 'dist', 'artifact', 'metadata_hook.py')), 'metadata hook');
    assert.ok(existsSync(join(pkg, 'dist', 'pre-commit.js')), 'pre-commit entry');
    // Imported by name from the project that installed it, as a user's code would.
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', "const m = await import('pyvouch'); console.log(typeof m.loadLockFile, typeof m.Version)"], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), 'function function');
  });
});
