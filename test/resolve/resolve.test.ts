import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PyvouchError } from '../../src/errors.js';
import type { Version } from '../../src/pep/version.js';
import type { CandidateDependencies, ResolverProvider } from '../../src/resolve/provider.js';
import { resolve } from '../../src/resolve/resolve.js';
import { memory, reqs, solve, target, versions, type Index } from './helpers.js';

const app: Index = {
  app: [
    {
      version: '1.0',
      requires: ['requests[socks]>=2', 'colorama; sys_platform == "win32"', 'tomli>=1; python_version < "3.11"'],
    },
  ],
  requests: [
    { version: '2.30.0', requires: ['urllib3<3', 'certifi'] },
    { version: '2.31.0', requires: ['urllib3<3', 'certifi', 'PySocks>=1.5.6,!=1.5.7; extra == "socks"'], extras: {} },
  ],
  urllib3: ['1.26.18', '2.2.1', '3.0.0'],
  certifi: ['2024.2.2'],
  pysocks: ['1.7.1'],
  colorama: ['0.4.6'],
  tomli: ['2.0.1'],
};

describe('resolving to a graph', () => {
  test('chooses the newest fitting releases and records nodes, roots and edges', async () => {
    const graph = await solve(app, ['app']);
    assert.deepEqual(graph.source, { format: 'resolver' });
    assert.deepEqual(graph.roots, ['app']);
    assert.equal(graph.edgesKnown, true);
    assert.deepEqual(versions(graph), { app: '1.0', certifi: '2024.2.2', pysocks: '1.7.1', requests: '2.31.0', urllib3: '2.2.1' });
    assert.deepEqual(graph.nodes.find((n) => n.name === 'requests')!.extras, ['socks']);
    assert.deepEqual(graph.edges, [
      { from: 'app', to: 'requests', specifier: '>=2', marker: null, extras: ['socks'] },
      { from: 'requests', to: 'certifi', specifier: '', marker: null, extras: [] },
      { from: 'requests', to: 'pysocks', specifier: '!=1.5.7,>=1.5.6', marker: 'extra == "socks"', extras: [] },
      { from: 'requests', to: 'urllib3', specifier: '<3', marker: null, extras: [] },
    ]);
  });

  test('markers pick different dependencies on Windows with Python 3.10', async () => {
    const graph = await solve(app, ['app'], { target: { platform: 'windows', python: '3.10' } });
    assert.deepEqual(Object.keys(versions(graph)).sort(), ['app', 'certifi', 'colorama', 'pysocks', 'requests', 'tomli', 'urllib3']);
    const colorama = graph.edges.find((e) => e.to === 'colorama')!;
    assert.equal(colorama.marker, 'sys_platform == "win32"');
    assert.deepEqual(graph.environment, target({ platform: 'windows', python: '3.10' }));
  });

  test('a requirement whose marker is false on the target is not a root', async () => {
    const graph = await solve(app, ['app', 'colorama; sys_platform == "win32"']);
    assert.deepEqual(graph.roots, ['app']);
    assert.ok(!graph.nodes.some((n) => n.name === 'colorama'));
  });

  test('lists the files that would be installed: the best wheel for the target first', async () => {
    const index: Index = {
      native: [{ version: '1.0', wheelTags: ['cp312-cp312-win_amd64', 'cp312-cp312-manylinux_2_17_x86_64', 'py3-none-any'] }],
    };
    const linux = await solve(index, ['native']);
    assert.deepEqual(
      linux.nodes[0]!.artifacts.map((a) => a.filename),
      ['native-1.0-cp312-cp312-manylinux_2_17_x86_64.whl', 'native-1.0-py3-none-any.whl'],
    );
    const noBinary = await resolve(reqs('native'), memory(index, target(), { noBinary: ['native'] }), { target: target() });
    assert.deepEqual(noBinary.nodes[0]!.artifacts.map((a) => a.kind), ['sdist']);
  });

  test('backtracks to an older release when the newest conflicts', async () => {
    const index: Index = {
      a: [{ version: '1.0', requires: ['b>=2'] }, { version: '2.0', requires: ['b<2'] }],
      b: ['1.0', '2.0'],
    };
    assert.deepEqual(versions(await solve(index, ['a', 'b>=2'])), { a: '1.0', b: '2.0' });
  });

  test('warns about an extra the chosen release does not provide', async () => {
    const graph = await solve(app, ['requests[nonexistent]']);
    assert.deepEqual(graph.diagnostics.map((d) => d.message), ["requests 2.31.0 does not provide the extra 'nonexistent'"]);
  });

  test('gives the same graph every time', async () => {
    const a = JSON.stringify(await solve(app, ['app']));
    const b = JSON.stringify(await solve(app, ['app']));
    assert.equal(a, b);
  });

  test('refuses a direct URL requirement with USAGE', async () => {
    await assert.rejects(solve(app, ['app @ https://example.org/app-1.0.tar.gz']), { code: 'USAGE' });
  });
});

describe('constraints', () => {
  test('limit the versions of required projects', async () => {
    assert.equal(versions(await solve(app, ['app'], { constraints: ['urllib3<2'] }))['urllib3'], '1.26.18');
  });

  test('add nothing that is not required', async () => {
    const graph = await solve(app, ['app'], { constraints: ['colorama==0.4.6', 'tomli<2'] });
    assert.ok(!graph.nodes.some((n) => n.name === 'colorama' || n.name === 'tomli'));
  });

  test('that cannot be met are named in the explanation', async () => {
    await assert.rejects(solve(app, ['app'], { constraints: ['certifi<2000'] }), (err: unknown) => {
      assert.ok(err instanceof PyvouchError && err.code === 'RESOLUTION_IMPOSSIBLE');
      assert.match(err.message, /your constraints allow only certifi<2000/);
      return true;
    });
  });
});

/** A provider whose metadata for some releases cannot be obtained, as a refused sandbox build. */
class Refusing implements ResolverProvider {
  constructor(
    private readonly inner: ResolverProvider,
    private readonly refuse: (name: string, version: Version) => boolean,
  ) {}
  versions(name: string) {
    return this.inner.versions(name);
  }
  async dependencies(name: string, version: Version, extras: readonly string[]): Promise<CandidateDependencies> {
    if (this.refuse(name, version)) {
      throw new PyvouchError('SANDBOX_UNAVAILABLE', `${name}-${version.toString()}.tar.gz: dependencies are dynamic and running build code is disabled`);
    }
    return this.inner.dependencies(name, version, extras);
  }
  artifacts(name: string, version: Version) {
    return this.inner.artifacts(name, version);
  }
}

describe('releases whose metadata cannot be obtained', () => {
  const index: Index = { dyn: ['1.0', '2.0'] };

  test('are skipped for an older release', async () => {
    const t = target();
    const provider = new Refusing(memory(index, t), (name, v) => name === 'dyn' && v.toString() === '2.0');
    const graph = await resolve(reqs('dyn'), provider, { target: t });
    assert.equal(versions(graph)['dyn'], '1.0');
  });

  test('are named with the reason when nothing else fits', async () => {
    const t = target();
    const provider = new Refusing(memory(index, t), () => true);
    await assert.rejects(resolve(reqs('dyn>=2'), provider, { target: t }), (err: unknown) => {
      assert.ok(err instanceof PyvouchError && err.code === 'RESOLUTION_IMPOSSIBLE');
      assert.match(err.message, /dyn==2\.0 cannot be used: dyn-2\.0\.tar\.gz: dependencies are dynamic and running build code is disabled/);
      return true;
    });
  });

  test('built metadata is marked on the node', async () => {
    const graph = await solve({ b: [{ version: '1.0', metadata: 'built' }] }, ['b']);
    assert.equal(graph.nodes[0]!.metadata, 'built');
  });
});
