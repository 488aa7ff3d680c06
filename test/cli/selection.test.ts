// Options that choose part of a lock (extras, groups) reach every command that builds a graph, and
// never drop a package silently: unknown names and meaningless combinations are exit 2.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { projectRoot, pyvouch } from './harness.js';

const lock = 'examples/uv/uv.lock';
const policy = join(projectRoot, 'examples/check/pyvouch.toml');
const statements = join(projectRoot, 'examples/check/statements');
const checkArgs = (file: string) => ['check', file, '--policy', policy, '--statements', statements, '--no-db', '--at', '2026-11-01T00:00:00Z', '--format', 'json'];

interface GraphDoc {
  nodes: { name: string }[];
  selection?: { project: boolean; groups: string[]; extras: string[]; defaults: string };
}
const nodeNames = (stdout: string): string[] => (JSON.parse(stdout) as GraphDoc).nodes.map((n) => n.name);

test('graph --extra NAME (and --extras) turns the extra on instead of ignoring it', () => {
  for (const flag of ['--extra', '--extras']) {
    const r = pyvouch(['graph', lock, '--format', 'json', flag, 'email']);
    assert.equal(r.code, 0, r.stderr);
    assert.ok(nodeNames(r.stdout).includes('email-validator'), flag);
    assert.deepEqual((JSON.parse(r.stdout) as GraphDoc).selection?.extras, ['email']);
  }
});

test('check and suggest --extra NAME check the extra packages too', () => {
  const r = pyvouch([...checkArgs(lock), '--extra', 'email']);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  assert.ok(nodeNames(r.stdout).includes('email-validator'));
  const s = pyvouch(['suggest', lock, '--policy', policy, '--statements', statements, '--no-db', '--at', '2026-11-01T00:00:00Z', '--extra', 'email']);
  assert.ok(s.code === 0 || s.code === 1, s.stderr);
  assert.match(s.stdout, /email-validator/);
});

test('an unknown extra or group is exit 2 with the names the lock defines', () => {
  for (const args of [['--extra', 'emial'], ['--group', 'devv'], ['--only-group', 'devv'], ['--no-group', 'devv']]) {
    for (const cmd of ['graph', 'check']) {
      const r = pyvouch([cmd, lock, ...(cmd === 'check' ? ['--policy', policy, '--no-db'] : []), ...args]);
      assert.equal(r.code, 2, `${cmd} ${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, /error\[USAGE\]/);
      assert.match(r.stderr, args[0] === '--extra' ? /defines: email/ : /defines: dev/);
    }
  }
});

test("check's graph has the dev group by default, as uv sync installs it", () => {
  // The uv.lock alone (no pyproject.toml to set default-groups): uv installs the dev group.
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-sel-'));
  copyFileSync(join(projectRoot, lock), join(dir, 'uv.lock'));
  const r = pyvouch(checkArgs(join(dir, 'uv.lock')));
  assert.equal(r.code, 1, r.stderr);
  assert.ok(nodeNames(r.stdout).includes('pytest'), 'pytest of the dev group is checked');
  const prod = pyvouch([...checkArgs(join(dir, 'uv.lock')), '--no-default-groups']);
  assert.ok(!nodeNames(prod.stdout).includes('pytest'));
});

test('graph says which groups it took, in text and JSON', () => {
  const text = pyvouch(['graph', 'examples/poetry/poetry.lock']);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, /selection: the project's dependencies; groups: dev; extras: none/);
  const json = JSON.parse(pyvouch(['graph', 'examples/poetry/poetry.lock', '--format', 'json', '--no-default-groups']).stdout) as GraphDoc;
  assert.deepEqual(json.selection?.groups, []);
  assert.equal(json.selection?.project, true);
});

test('check -r refuses --extra and --group: loose requirements have none to choose', () => {
  const r = pyvouch(['check', '-r', 'examples/requirements/requirements.in', '--policy', policy, '--no-db', '--index', 'test/fixtures/does-not-matter', '--group', 'dev']);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /error\[USAGE\]/);
});

test('a requirements file refuses --extra instead of ignoring it', () => {
  const r = pyvouch(['graph', 'examples/requirements/requirements.txt', '--extra', 'email']);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /error\[USAGE\]/);
});
