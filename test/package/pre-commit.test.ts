// The pre-commit hook (.pre-commit-hooks.yaml), run by Debian's real `pre-commit try-repo`
// against this repository: pre-commit installs the hook's node environment from the repository
// itself (npm install, npm pack, npm install -g) and runs it on the changed lock file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, test } from 'node:test';
import { repoRoot } from '../support/package.js';

const hasPreCommit = spawnSync('pre-commit', ['--version']).status === 0;
const hasGit = spawnSync('git', ['--version']).status === 0;

function git(cwd: string, ...args: string[]): void {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
}

describe('pre-commit try-repo runs the pyvouch-check hook', { skip: hasPreCommit && hasGit ? false : 'pre-commit or git is not installed', timeout: 1_200_000 }, () => {
  const cache = mkdtempSync(join(tmpdir(), 'pyvouch-pre-commit-cache-'));
  const home = mkdtempSync(join(tmpdir(), 'pyvouch-pre-commit-home-'));
  let project = '';
  const tryRepo = () =>
    spawnSync('pre-commit', ['try-repo', repoRoot, 'pyvouch-check', '--files', 'uv.lock', '--verbose'], {
      cwd: project,
      encoding: 'utf8',
      env: { ...process.env, PRE_COMMIT_HOME: cache, PYVOUCH_HOME: home, NO_COLOR: '1', npm_config_loglevel: 'error', npm_config_fund: 'false', npm_config_audit: 'false' },
    });

  before(() => {
    project = mkdtempSync(join(tmpdir(), 'pyvouch-pre-commit-project-'));
    cpSync(join(repoRoot, 'examples', 'uv'), project, { recursive: true });
    cpSync(join(repoRoot, 'examples', 'check', 'pyvouch.toml'), join(project, 'pyvouch.toml'));
    git(project, 'init', '-q');
    git(project, '-c', 'user.email=t@example.org', '-c', 'user.name=t', 'add', '.');
    git(project, '-c', 'user.email=t@example.org', '-c', 'user.name=t', 'commit', '-qm', 'lock');
  });

  test('a lock file with packages nobody vouched for fails the hook, with the reason', () => {
    const r = tryRepo();
    assert.equal(r.status, 1, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /pyvouch check\.+Failed/);
    assert.match(r.stdout, /fail the policy/);
  });

  test('the same lock passes once the policy accepts it', () => {
    writeFileSync(join(project, 'pyvouch.toml'), '[policy]\nthreshold = 0.0\ncriteria = "safe-to-deploy"\n');
    const r = tryRepo();
    assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
    assert.match(r.stdout, /pyvouch check\.+Passed/);
  });
});
