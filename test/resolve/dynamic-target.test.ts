// Issue 20, for real: setup.py runs in the sandbox as the target would run it. Branches on
// sys.platform, os.name, platform.system() and platform.machine() answer per target (Linux,
// Windows, macOS; x86_64 and arm64), a Python-version branch answers for the target's interpreter
// where the machine has it and says "host interpreter" where not, `--matrix` marks the sdist
// platform-dependent, and a check for Windows checks (and fails on) the Windows dependencies.

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Graph, TargetDescription } from '../../src/graph/graph.js';
import { parseTarget } from '../../src/pep/environment.js';
import { Requirement } from '../../src/pep/requirement.js';
import { BuildEnvironments } from '../../src/resolve/build-deps.js';
import { IndexProvider } from '../../src/resolve/index-provider.js';
import { resolveMatrix } from '../../src/resolve/matrix.js';
import { resolve } from '../../src/resolve/resolve.js';
import { openIndex } from '../../src/simple/open.js';
import { evaluatePolicy } from '../../src/trust/evaluate.js';
import { parsePolicyToml } from '../../src/trust/parse.js';
import { branchingSetupPy, indexDirectory, SETUPTOOLS_WHEELS, writeSdist, writeWheel } from './build-deps-fixtures.js';

const PY = '3.11';
const TARGETS: Record<string, TargetDescription> = {
  'linux-x86_64': parseTarget({ python: PY, platform: 'linux', machine: 'x86_64' }),
  'linux-arm64': parseTarget({ python: PY, platform: 'linux', machine: 'aarch64' }),
  'windows-x86_64': parseTarget({ python: PY, platform: 'windows', machine: 'AMD64' }),
  'windows-arm64': parseTarget({ python: PY, platform: 'windows', machine: 'ARM64' }),
  'macos-x86_64': parseTarget({ python: PY, platform: 'macos', machine: 'x86_64' }),
  'macos-arm64': parseTarget({ python: PY, platform: 'macos', machine: 'arm64' }),
};

// Each variant's setup.py picks `yes-dep` when the target matches, else `no-dep`.
const VARIANTS: Record<string, { condition: string; yes: readonly string[] }> = {
  'by-sys-platform': { condition: 'sys.platform == "win32"', yes: ['windows-x86_64', 'windows-arm64'] },
  'by-os-name': { condition: 'os.name == "nt"', yes: ['windows-x86_64', 'windows-arm64'] },
  'by-platform-system': { condition: 'platform.system() == "Darwin"', yes: ['macos-x86_64', 'macos-arm64'] },
  'by-platform-machine': { condition: 'platform.machine() in ("arm64", "aarch64", "ARM64")', yes: ['linux-arm64', 'windows-arm64', 'macos-arm64'] },
};

let dir: string;
let environments: BuildEnvironments;

before(async () => {
  dir = indexDirectory(SETUPTOOLS_WHEELS);
  for (const [name, v] of Object.entries(VARIANTS)) await writeSdist(dir, name, '1.0', { 'setup.py': branchingSetupPy(name, v.condition, 'yes-dep', 'no-dep') });
  await writeSdist(dir, 'by-python', '1.0', { 'setup.py': branchingSetupPy('by-python', 'sys.version_info >= (3, 12)', 'new-python-dep', 'old-python-dep') });
  await writeSdist(dir, 'win-tool', '1.0', { 'setup.py': branchingSetupPy('win-tool', 'sys.platform == "win32"', 'colorama>=0.4', 'tidy-lib>=1.0') });
  for (const [name, version] of [['yes-dep', '1.0'], ['no-dep', '1.0'], ['new-python-dep', '1.0'], ['old-python-dep', '1.0'], ['colorama', '0.4.6'], ['tidy-lib', '1.0']] as const) {
    writeWheel(dir, name, version);
  }
  environments = new BuildEnvironments({ indexes: [openIndex(dir)] });
});
after(() => rmSync(dir, { recursive: true, force: true }));

function provider(target: TargetDescription): IndexProvider {
  return new IndexProvider([openIndex(dir)], { target, buildEnvironments: environments });
}

function resolveFor(target: TargetDescription, ...requirements: string[]): Promise<Graph> {
  return resolve(requirements.map((r) => new Requirement(r)), provider(target), { target });
}

const children = (graph: Graph, name: string): string[] =>
  graph.edges.filter((e) => e.from === name && e.kind === undefined).map((e) => e.to).sort();

describe('setup.py run as the target', () => {
  it('gives each target the dependencies its platform really gets, for every kind of branch', async () => {
    const all = Object.keys(VARIANTS);
    for (const [label, target] of Object.entries(TARGETS)) {
      const graph = await resolveFor(target, ...all);
      for (const [name, v] of Object.entries(VARIANTS)) {
        assert.deepEqual(children(graph, name), [v.yes.includes(label) ? 'yes-dep' : 'no-dep'], `${name} on ${label}`);
        const build = graph.nodes.find((n) => n.name === name)!.metadataBuild!;
        assert.equal(build.mode, 'target');
        assert.match(build.how, new RegExp(`built for the target cpython${PY}-`));
      }
    }
  });

  it('shows the differences in a matrix and marks the sdist platform-dependent', async () => {
    const targets = [TARGETS['linux-x86_64']!, TARGETS['windows-x86_64']!, TARGETS['macos-arm64']!];
    const report = await resolveMatrix([new Requirement('by-sys-platform'), new Requirement('by-platform-system')], provider, targets);
    const names = report.platformDependent.map((d) => d.name);
    assert.deepEqual(names, ['by-platform-system', 'by-sys-platform']);
    const sys = report.platformDependent.find((d) => d.name === 'by-sys-platform')!;
    assert.deepEqual(sys.requiresDist[`cpython${PY}-windows-AMD64`], ['yes-dep']);
    assert.deepEqual(sys.requiresDist[`cpython${PY}-linux-x86_64`], ['no-dep']);
    // Each target's graph carries its own answer, and knows it is platform-dependent.
    for (const e of report.entries) {
      const node = e.graph!.nodes.find((n) => n.name === 'by-sys-platform')!;
      assert.ok(node.metadataBuild?.platformDependent !== undefined, e.label);
    }
    assert.ok(report.edges.some((d) => d.from === 'by-sys-platform' && d.to === 'yes-dep'));
  });

  it('answers a Python-version branch with the target interpreter where the machine has it, and says host interpreter where not', async () => {
    // pyenv on this machine has 3.12 and 3.11; nothing has Python 3.5.
    const on312 = await resolveFor(parseTarget({ python: '3.12', platform: 'linux' }), 'by-python');
    assert.deepEqual(children(on312, 'by-python'), ['new-python-dep']);
    assert.equal(on312.nodes.find((n) => n.name === 'by-python')!.metadataBuild!.mode, 'target');
    const on311 = await resolveFor(parseTarget({ python: '3.11', platform: 'linux' }), 'by-python');
    assert.deepEqual(children(on311, 'by-python'), ['old-python-dep']);
    const missing = await resolveFor(parseTarget({ python: '3.5', platform: 'linux' }), 'by-python');
    const build = missing.nodes.find((n) => n.name === 'by-python')!.metadataBuild!;
    assert.equal(build.mode, 'emulated');
    assert.match(build.how, /host interpreter/);
  });

  it('caches built metadata by (sdist sha256, target)', async () => {
    const graph = await resolveFor(TARGETS['windows-x86_64']!, 'by-os-name');
    assert.match(graph.nodes.find((n) => n.name === 'by-os-name')!.metadataBuild!.how, /\(cached\)/);
  });

  it('checks the Windows dependencies for Windows, and fails when they are untrusted', async () => {
    // Everything but colorama (what only Windows installs) is allowed.
    const allow = ['win-tool', 'tidy-lib', 'setuptools', 'wheel'].map((n) => `[[allow]]\nname = "${n}"\nreason = "test"\n`).join('\n');
    const policy = parsePolicyToml(`[policy]\nthreshold = 1\n\n${allow}`);
    const now = new Date('2030-01-01T00:00:00Z');
    const linux = evaluatePolicy(await resolveFor(TARGETS['linux-x86_64']!, 'win-tool'), [], policy, { now });
    assert.equal(linux.passed, true);
    const windowsGraph = await resolveFor(TARGETS['windows-x86_64']!, 'win-tool');
    assert.deepEqual(children(windowsGraph, 'win-tool'), ['colorama']);
    const windows = evaluatePolicy(windowsGraph, [], policy, { now });
    assert.equal(windows.passed, false);
    assert.deepEqual(windows.nodes.filter((n) => n.verdict === 'fail').map((n) => n.name), ['colorama']);
    // The explanation says how the node's metadata was obtained for the target.
    const note = windows.nodes.find((n) => n.name === 'win-tool')!.notes.map((n) => n.message).join('\n');
    assert.match(note, /built for the target cpython3\.11-windows-AMD64/);
    assert.match(note, /sys\.platform = 'win32'/);
  });

  it('fails closed on built metadata the dynamic-metadata rule does not accept, and says what would fix it', async () => {
    const allow = ['by-python', 'old-python-dep', 'new-python-dep', 'setuptools', 'wheel'].map((n) => `[[allow]]\nname = "${n}"\nreason = "test"\n`).join('\n');
    const now = new Date('2030-01-01T00:00:00Z');
    const hostBuilt = await resolveFor(parseTarget({ python: '3.5', platform: 'linux' }), 'by-python');
    const verdict = (rule: string | undefined): { verdict: string; missing: string } => {
      const policy = parsePolicyToml(`[policy]\nthreshold = 1\n${rule === undefined ? '' : `dynamic-metadata = "${rule}"\n`}\n${allow}`);
      const node = evaluatePolicy(hostBuilt, [], policy, { now }).nodes.find((n) => n.name === 'by-python')!;
      return { verdict: node.verdict, missing: node.missing.map((m) => m.message).join('\n') };
    };
    const byDefault = verdict(undefined);
    assert.equal(byDefault.verdict, 'fail');
    assert.match(byDefault.missing, /host interpreter .*built-for-target/);
    assert.match(byDefault.missing, /install the target's Python/);
    assert.equal(verdict('built').verdict, 'exempt');
    const staticOnly = verdict('static-only');
    assert.equal(staticOnly.verdict, 'fail');
    assert.match(staticOnly.missing, /static-only.*use a wheel of by-python.*PEP 643/);
    assert.throws(() => parsePolicyToml('[policy]\nthreshold = 1\ndynamic-metadata = "whatever"\n'), /expected one of "static-only", "built", "built-for-target", got "whatever"/);
  });
});
