// Build requirements, for real (issue 17): a setup.py-only sdist and a hatchling sdist resolve on a
// Python that lacks `wheel` and `hatchling`, because pyvouch resolves their build-system.requires
// from the same index, unpacks the wheels outside the sandbox and mounts them read-only; the build
// requirements join the graph as build edges, and `check` holds them to the policy.
// Needs bubblewrap and the wheels named in build-deps-fixtures.ts.

import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Graph } from '../../src/graph/graph.js';
import { parseTarget } from '../../src/pep/environment.js';
import { Requirement } from '../../src/pep/requirement.js';
import { graphToJson, renderGraphText } from '../../src/render/graph.js';
import { writePylock } from '../../src/lock/pylock-write.js';
import { markerEnvironmentFor } from '../../src/pep/environment.js';
import { IndexProvider } from '../../src/resolve/index-provider.js';
import { resolve } from '../../src/resolve/resolve.js';
import { openIndex } from '../../src/simple/open.js';
import { evaluatePolicy } from '../../src/trust/evaluate.js';
import { parsePolicyToml } from '../../src/trust/parse.js';
import { failure } from '../support/failure.js';
import {
  branchingSetupPy,
  canImport,
  HATCHLING_WHEELS,
  hatchlingFiles,
  indexDirectory,
  SETUPTOOLS_WHEELS,
  writeSdist,
  writeWheel,
} from './build-deps-fixtures.js';

// The build runs on python3.11 (the default target's interpreter below): the point is that it need
// not have `wheel` or `hatchling`, and with build requirements provided its own site-packages are
// dropped from sys.path, so even a Python that has them cannot lend them to the build.
const target = parseTarget({ python: '3.11', platform: 'linux', machine: 'x86_64' });

let dir: string;

before(async () => {
  dir = indexDirectory([...SETUPTOOLS_WHEELS, ...HATCHLING_WHEELS]);
  await writeSdist(dir, 'legacy-only', '1.0', { 'setup.py': branchingSetupPy('legacy-only', 'True', 'runtime-dep>=1', 'never') });
  await writeSdist(dir, 'hatch-dyn', '1.0', hatchlingFiles('hatch-dyn', 'True', 'runtime-dep>=1', 'never'));
  await writeSdist(dir, 'broken-build', '1.0', {
    'setup.py': ['import sys', 'print("the compiler exploded: gcc exited 4", file=sys.stderr)', 'raise SystemExit(3)'].join('\n'),
  });
  await writeSdist(dir, 'needs-missing-tool', '1.0', {
    'pyproject.toml': '[build-system]\nrequires = ["not-on-the-index>=1"]\nbuild-backend = "setuptools.build_meta"\n',
    'setup.py': 'from setuptools import setup\nsetup(name="needs-missing-tool", version="1.0")\n',
  });
  writeWheel(dir, 'runtime-dep', '1.0');
});
after(() => rmSync(dir, { recursive: true, force: true }));

function resolveFor(...requirements: string[]): Promise<Graph> {
  return resolve(requirements.map((r) => new Requirement(r)), new IndexProvider([openIndex(dir)], { target }), { target });
}

describe('build requirements of sdists', () => {
  let graph: Graph;
  before(async () => {
    graph = await resolveFor('legacy-only', 'hatch-dyn');
  });

  it('resolves a setup.py-only sdist and a hatchling sdist without wheel or hatchling on the build Python', () => {
    // Recorded for the reader: whether the machine's Python has them does not matter (isolation).
    void canImport('python3.11', 'hatchling');
    const legacy = graph.nodes.find((n) => n.name === 'legacy-only')!;
    const hatch = graph.nodes.find((n) => n.name === 'hatch-dyn')!;
    assert.equal(legacy.metadata, 'built');
    assert.equal(hatch.metadata, 'built');
    assert.ok(legacy.metadataBuild!.buildRequires.some((p) => p.startsWith('setuptools==')));
    assert.ok(legacy.metadataBuild!.buildRequires.some((p) => p.startsWith('wheel==')));
    assert.ok(hatch.metadataBuild!.buildRequires.some((p) => p.startsWith('hatchling==')));
    assert.deepEqual(legacy.metadataBuild!.requiresDist, ['runtime-dep>=1']);
    assert.deepEqual(hatch.metadataBuild!.requiresDist, ['runtime-dep>=1']);
  });

  it('puts build requirements in the graph as build edges to build-only nodes', () => {
    const buildEdges = graph.edges.filter((e) => e.kind === 'build').map((e) => `${e.from}->${e.to}`);
    for (const edge of ['legacy-only->setuptools', 'legacy-only->wheel', 'hatch-dyn->hatchling', 'hatchling->packaging', 'hatchling->pluggy']) {
      assert.ok(buildEdges.includes(edge), `${edge} in ${buildEdges.join(', ')}`);
    }
    const runtime = graph.edges.filter((e) => e.kind === undefined).map((e) => `${e.from}->${e.to}`);
    assert.deepEqual(runtime.sort(), ['hatch-dyn->runtime-dep', 'legacy-only->runtime-dep']);
    for (const name of ['setuptools', 'wheel', 'hatchling', 'pathspec']) {
      assert.equal(graph.nodes.find((n) => n.name === name)?.buildOnly, true, name);
    }
    assert.equal(graph.nodes.find((n) => n.name === 'runtime-dep')?.buildOnly, undefined);
  });

  it('shows build edges and how metadata was built in the text and the JSON, and keeps them out of pylock.toml', () => {
    const text = renderGraphText(graph, false);
    assert.match(text, /setuptools \S+ \[build\]/);
    assert.match(text, /hatchling \S+ \[build\]/);
    assert.match(text, /legacy-only 1\.0: built for the target cpython3\.11-linux-x86_64/);
    const json = graphToJson(graph, {});
    assert.ok(json.edges.some((e) => e.from === 'hatch-dyn' && e.to === 'hatchling' && e.kind === 'build'));
    assert.equal(json.nodes.find((n) => n.name === 'wheel')?.buildOnly, true);
    assert.equal(json.nodes.find((n) => n.name === 'legacy-only')?.metadataBuild?.mode, 'target');
    const pylock = writePylock(graph, markerEnvironmentFor(target));
    assert.doesNotMatch(pylock, /name = "setuptools"/);
    assert.match(pylock, /name = "runtime-dep"/);
  });

  it('holds build requirements to the policy, and relaxes that only when the policy says so', () => {
    // Everything installed is allowed; the build tools are not: they must fail the check.
    const allow = ['legacy-only', 'hatch-dyn', 'runtime-dep'].map((n) => `[[allow]]\nname = "${n}"\nreason = "test"\n`).join('\n');
    const strict = parsePolicyToml(`[policy]\nthreshold = 1\n\n${allow}`);
    const report = evaluatePolicy(graph, [], strict, { now: new Date('2030-01-01T00:00:00Z') });
    assert.equal(report.passed, false);
    const failing = report.nodes.filter((n) => n.verdict === 'fail').map((n) => n.name);
    for (const name of ['setuptools', 'wheel', 'hatchling', 'packaging']) assert.ok(failing.includes(name), name);
    assert.ok(!failing.includes('runtime-dep'));
    // The sdist was built by untrusted code: its closure fails through the build edge.
    assert.equal(report.nodes.find((n) => n.name === 'legacy-only')?.closure, 'fail');

    const relaxed = parsePolicyToml(`[policy]\nthreshold = 1\ncheck-build-deps = false\n\n${allow}`);
    const ok = evaluatePolicy(graph, [], relaxed, { now: new Date('2030-01-01T00:00:00Z') });
    assert.equal(ok.nodes.find((n) => n.name === 'setuptools')?.verdict, 'exempt');
    assert.equal(ok.passed, true);
  });

  it('reports a failed metadata build as a build failure with its last lines, never as unsatisfiable', async () => {
    const err = await failure(resolveFor('broken-build'));
    assert.equal(err.code, 'BUILD_FAILED');
    assert.match(err.message, /broken-build-1\.0\.tar\.gz: build failure/);
    assert.match(err.message, /the compiler exploded: gcc exited 4/);
    assert.doesNotMatch(err.message, /unsatisfiable/);
    assert.match(err.help ?? '', /use a wheel/);
  });

  it('fails closed when a build requirement is not on the index, rather than using the host Python\'s packages', async () => {
    const err = await failure(resolveFor('needs-missing-tool'));
    assert.equal(err.code, 'BUILD_FAILED');
    assert.match(err.message, /build requirements \(not-on-the-index>=1\) cannot be provided from the index/);
    assert.match(err.help ?? '', /wheels/);
  });
});
