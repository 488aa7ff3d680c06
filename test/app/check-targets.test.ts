// `check --all-targets` and `--matrix`: every supported target of a universal lock checked at once,
// each release once with the targets it is installed on and those where it fails. The attacker's
// case: a package that installs only on some targets (Windows-only colorama here) must not pass
// unseen because the check ran for another target.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { lockScope, loadTargetGraphs, supportedTargets, everyTarget, unionGraph } from '../../src/app/check-targets.js';
import { targetLabel } from '../../src/pep/environment.js';
import { loadLockFile } from '../../src/lock/load.js';
import { parseTarget } from '../../src/pep/environment.js';
import { describeTargets } from '../../src/render/check.js';
import { runCli } from '../cli/in-process.js';
import type { TargetsJsonReport as JsonReport } from '../support/targets-report.js';

const AT = '2026-11-01T00:00:00Z';
const example = ['examples/uv/uv.lock', '--policy', 'examples/check/pyvouch.toml', '--no-db', '--index-mirror', 'examples/check/index', '--at', AT, '--statements', 'examples/check/statements'];
const pydantic = ['test/corpora/locks/pydantic-uv.lock', '--policy', 'examples/check/pyvouch.toml', '--no-db', '--offline', '--at', AT];

describe('check --all-targets', () => {
  test('on the pydantic uv.lock, each target sees exactly the releases its own single-target check reads', async () => {
    const r = await runCli(['check', ...pydantic, '--all-targets', '--format', 'json']);
    assert.equal(r.code, 1, r.stderr);
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.equal(report.environment, null);
    const checked = report.targets!.checked;
    // requires-python >=3.10: 3.9 is left out and said so; 3.10-3.14 on five machines are checked.
    assert.equal(checked.length, 25);
    assert.ok(report.targets!.excluded.every((x) => x.label.startsWith('cpython3.9-') && /requires Python >=3.10/.test(x.reason)));
    const keys = new Set(report.nodes.map((n) => `${n.name}==${n.version}`));
    assert.equal(keys.size, report.nodes.length, 'each release once');
    for (const target of everyTarget().filter((t) => checked.includes(targetLabel(t)))) {
      const label = targetLabel(target);
      const single = loadLockFile('test/corpora/locks/pydantic-uv.lock', target);
      const expected = single.nodes.map((n) => `${n.name}==${n.version}`).sort();
      const onTarget = report.nodes.filter((n) => n.targets!.includes(label)).map((n) => `${n.name}==${n.version}`).sort();
      assert.deepEqual(onTarget, expected, label);
    }
    // Some releases install on some targets only (markers at work), and the report says which.
    assert.ok(report.nodes.some((n) => n.targets!.length < checked.length));
  });

  test('a universal lock is checked for every target by default, and the text says which were covered', async () => {
    const r = await runCli(['check', ...example]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /examples\/uv\/uv\.lock, 25 targets;/);
    assert.match(r.stdout, /targets: linux-x86_64 3\.10–3\.14; linux-aarch64 3\.10–3\.14; macos-arm64 3\.10–3\.14; macos-x86_64 3\.10–3\.14; windows-AMD64 3\.10–3\.14/);
    assert.match(r.stdout, /not checked: .*3\.9.*\(the lock requires Python >=3\.10\)/);
  });

  test('a Windows-only package cannot pass unseen: it fails, on the Windows targets alone', async () => {
    const linux = await runCli(['check', ...example, '--python', '3.12', '--platform', 'linux', '--format', 'json']);
    assert.ok(!(JSON.parse(linux.stdout) as JsonReport).nodes.some((n) => n.name === 'colorama'), 'colorama is not installed on Linux');
    const all = JSON.parse((await runCli(['check', ...example, '--format', 'json'])).stdout) as JsonReport;
    const colorama = all.nodes.find((n) => n.name === 'colorama')!;
    assert.equal(colorama.verdict, 'fail');
    assert.ok(colorama.targets!.length > 0 && colorama.targets!.every((l) => l.endsWith('-windows-AMD64')));
    assert.deepEqual(colorama.failsOn, colorama.targets);
    const text = (await runCli(['check', ...example])).stdout;
    assert.match(text, /colorama 0\.4\.6[\s\S]*?installed on: windows-AMD64 3\.10–3\.14/);
    const sarif = JSON.parse((await runCli(['check', ...example, '--format', 'sarif'])).stdout) as {
      runs: { results: { message: { text: string }; properties: { package: string; failsOn?: string[] } }[] }[];
    };
    const result = sarif.runs[0]!.results.find((x) => x.properties.package === 'colorama')!;
    assert.match(result.message.text, /fails the trust policy on windows-AMD64 3\.10–3\.14/);
    assert.deepEqual(result.properties.failsOn, colorama.failsOn);
  });

  test('--matrix checks the targets named, and leaves out those the lock does not support', async () => {
    const r = await runCli(['check', ...example, '--matrix', 'linux:3.12,windows:3.12,linux:3.9', '--format', 'json']);
    const report = JSON.parse(r.stdout) as JsonReport;
    assert.deepEqual(report.targets!.checked, ['cpython3.12-linux-x86_64', 'cpython3.12-windows-AMD64']);
    assert.deepEqual(report.targets!.excluded.map((x) => x.label), ['cpython3.9-linux-x86_64']);
    const none = await runCli(['check', ...example, '--matrix', 'linux:3.9']);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /error\[USAGE\].*supports none of the targets/);
  });

  test('a named target checks that target alone; naming both is a usage error', async () => {
    const one = JSON.parse((await runCli(['check', ...example, '--python', '3.11', '--format', 'json'])).stdout) as JsonReport;
    assert.equal(one.targets, undefined);
    assert.deepEqual(one.environment, { python: '3.11', platform: 'linux', machine: 'x86_64', implementation: 'cpython' });
    const both = await runCli(['check', ...example, '--all-targets', '--python', '3.11']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /error\[USAGE\]/);
    assert.doesNotMatch(both.stderr, /unexpected/);
  });

  test('a requirements.txt is not universal: it is checked for one target', () => {
    assert.equal(lockScope('test/corpora/locks/warehouse-main-requirements.txt').universal, false);
    assert.equal(lockScope('examples/uv/uv.lock').universal, true);
  });
});

describe('target helpers', () => {
  test('the union graph keeps a release once and every file of it any target installs', () => {
    const scope = lockScope('test/corpora/locks/pydantic-uv.lock');
    const { targets } = supportedTargets(scope, [parseTarget({ python: '3.12', platform: 'linux' }), parseTarget({ python: '3.12', platform: 'windows' })]);
    const graphs = loadTargetGraphs('test/corpora/locks/pydantic-uv.lock', targets);
    const union = unionGraph(graphs);
    for (const g of graphs) {
      for (const n of g.graph.nodes) {
        const u = union.nodes.find((x) => x.name === n.name && x.version === n.version);
        assert.ok(u !== undefined, `${n.name} ${n.version}`);
        for (const a of n.artifacts) assert.ok(u.artifacts.some((b) => b.filename === a.filename), a.filename);
      }
    }
  });

  test('describeTargets says it in few words', () => {
    const all = ['cpython3.10-linux-x86_64', 'cpython3.11-linux-x86_64', 'cpython3.10-windows-AMD64', 'cpython3.11-windows-AMD64'];
    assert.equal(describeTargets(all, all), 'every target (4)');
    assert.equal(describeTargets(['cpython3.10-linux-x86_64', 'cpython3.10-windows-AMD64'], all), 'Python 3.10 on every machine');
    assert.equal(describeTargets(['cpython3.10-windows-AMD64', 'cpython3.11-windows-AMD64'], all), 'windows-AMD64 3.10, 3.11');
  });
});
