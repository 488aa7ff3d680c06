// The CLI loads only the module of the command it runs (src/cli/main.ts): every command must still
// be listed by --help, reachable by name, and suggested after a typo.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCli } from './in-process.js';

const COMMANDS = ['graph', 'resolve', 'check', 'suggest', 'key', 'review', 'audit', 'vote', 'like', 'flag', 'trust', 'retract', 'import', 'export', 'show', 'serve', 'log', 'provenance', 'accept-publisher', 'feed', 'scan', 'advisories', 'init', 'prune', 'policy', 'inspect', 'diff', 'certify'];

test('--help lists every command', async () => {
  const r = await runCli(['--help']);
  assert.equal(r.code, 0);
  for (const name of COMMANDS) assert.match(r.stdout, new RegExp(`^  ${name}\\b`, 'm'), name);
});

test('each command answers --help when named, with only its own module loaded', async () => {
  for (const name of COMMANDS) {
    const r = await runCli([name, '--help']);
    assert.equal(r.code, 0, `${name}: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`Usage: pyvouch ${name}\\b`), name);
  }
});

test('a mistyped command is suggested and exits 2; --version needs no command module', async () => {
  const typo = await runCli(['chek', 'uv.lock']);
  assert.equal(typo.code, 2);
  assert.match(typo.stderr, /Did you mean check\?/);
  const version = await runCli(['--version']);
  assert.equal(version.code, 0);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
});
