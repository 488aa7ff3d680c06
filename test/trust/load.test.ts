import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isPyvouchError } from '../../src/errors.js';
import { findPolicy, loadPolicy } from '../../src/trust/load.js';

const fixtures = fileURLToPath(new URL('../fixtures/policy/', import.meta.url));

test('loads pyvouch.toml and names the file in the policy', async () => {
  const p = await loadPolicy(join(fixtures, 'seed.toml'));
  assert.equal(p.threshold, 5.5);
  assert.equal(p.file, join(fixtures, 'seed.toml'));
});

test('loads [tool.pyvouch] from a file named pyproject.toml', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-policy-'));
  const path = join(dir, 'pyproject.toml');
  writeFileSync(path, '[tool.pyvouch.policy]\nthreshold = 2\n');
  assert.equal((await loadPolicy(path)).threshold, 2);
});

test('a missing policy file is an IO error that says how to pass one', async () => {
  await assert.rejects(loadPolicy(join(fixtures, 'absent.toml')), (err: unknown) => {
    assert.ok(isPyvouchError(err));
    assert.equal(err.code, 'IO');
    assert.match(err.help ?? '', /--policy/);
    return true;
  });
});

test('an invalid policy file fails with POLICY_INVALID naming the file', async () => {
  await assert.rejects(loadPolicy(join(fixtures, 'invalid.toml')), (err: unknown) => {
    assert.ok(isPyvouchError(err));
    assert.equal(err.code, 'POLICY_INVALID');
    assert.equal(err.file, join(fixtures, 'invalid.toml'));
    return true;
  });
});

test('finds pyvouch.toml first, then pyproject.toml with [tool.pyvouch], else nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-policy-'));
  assert.equal(await findPolicy(dir), undefined);
  writeFileSync(join(dir, 'pyproject.toml'), '[project]\nname = "app"\n');
  assert.equal(await findPolicy(dir), undefined);
  writeFileSync(join(dir, 'pyproject.toml'), '[project]\nname = "app"\n\n[tool.pyvouch.policy]\nthreshold = 3\n');
  assert.equal((await findPolicy(dir))!.threshold, 3);
  copyFileSync(join(fixtures, 'seed.toml'), join(dir, 'pyvouch.toml'));
  assert.equal((await findPolicy(dir))!.threshold, 5.5);
});
