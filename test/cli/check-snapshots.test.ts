// `check` and `suggest` run in-process on the README's example (passing) and on the same lock
// without statements (failing), their text and JSON compared with test/snapshots/.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { assertSnapshot } from '../render/snapshot.js';
import { runCli } from './in-process.js';

const home = mkdtempSync(join(tmpdir(), 'pyvouch-snap-'));
const env = { PYVOUCH_HOME: home, NO_COLOR: '1' };
const AT = '2026-11-01T00:00:00Z';
const example = ['examples/uv/uv.lock', '--policy', 'examples/check/pyvouch.toml', '--no-db', '--index-mirror', 'examples/check/index', '--at', AT];
const withStatements = [...example, '--statements', 'examples/check/statements'];

const scenarios = [
  { name: 'example', args: withStatements },
  { name: 'no-statements', args: example },
];

describe('check and suggest renderings', () => {
  for (const s of scenarios) {
    for (const command of ['check', 'suggest']) {
      for (const format of ['text', 'json']) {
        test(`${command} --format ${format} on the ${s.name} scenario matches its snapshot`, async () => {
          const r = await runCli([command, ...s.args, '--format', format], env);
          assert.ok(r.code === 0 || r.code === 1, r.stderr);
          assertSnapshot(`${command}-${s.name}.${format === 'json' ? 'json' : 'txt'}`, r.stdout);
        });
      }
    }
  }

  test('the summary counts only packages that pass alone as depending on a failing one', async () => {
    const r = await runCli(['check', ...example, '--format', 'json'], env);
    const report = JSON.parse(r.stdout) as { nodes: { verdict: string; closure: string }[] };
    const text = await runCli(['check', ...example], env);
    const pass = report.nodes.filter((n) => n.verdict === 'pass').length;
    const fail = report.nodes.filter((n) => n.verdict === 'fail').length;
    const alone = report.nodes.filter((n) => n.verdict !== 'fail' && n.closure === 'fail').length;
    assert.match(text.stdout, new RegExp(`\\b${pass} pass, \\d+ exempt, ${fail} fail`));
    if (alone === 0) assert.doesNotMatch(text.stdout, /alone/);
    else assert.match(text.stdout, new RegExp(`; ${alone} passe?s? alone`));
  });

  test('the recommended reviews print each command once and say who could write each review', async () => {
    const r = await runCli(['suggest', ...example], env);
    const rows = r.stdout.split('\n').filter((l) => l.trimStart().startsWith('pyvouch review'));
    assert.equal(new Set(rows.map((l) => l.trim().split(/\s{2,}/)[0])).size, rows.length, r.stdout);
    assert.match(r.stdout, /command\s+by\s+adds/);
  });

  test('suggest --dist with a missing directory is a usage error', async () => {
    const r = await runCli(['suggest', ...example, '--dist', join(home, 'missing')], env);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /error\[USAGE\]/);
    assert.doesNotMatch(r.stderr, /unexpected/);
  });

  test('check returns its exit code without setting process.exitCode', async () => {
    const before = process.exitCode;
    const r = await runCli(['check', ...example], env);
    assert.equal(r.code, 1);
    assert.equal(process.exitCode, before);
  });
});
