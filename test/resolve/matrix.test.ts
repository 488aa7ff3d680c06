import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compareGraphs, defaultMatrix, resolveMatrix } from '../../src/resolve/matrix.js';
import { targetLabel } from '../../src/pep/environment.js';
import { memory, reqs, target, type Index } from './helpers.js';

const index: Index = {
  tool: [{ version: '1.0', requires: ['colorama; sys_platform == "win32"', 'tomli; python_version < "3.11"', 'core>=1'] }],
  core: [{ version: '1.0' }, { version: '2.0', requiresPython: '>=3.11' }],
  colorama: ['0.4.6'],
  tomli: ['2.0.1'],
  modern: [{ version: '1.0', requiresPython: '>=3.12' }],
};

describe('--matrix', () => {
  test('covers Linux, macOS and Windows for CPython 3.9 to 3.13 by default', () => {
    const labels = defaultMatrix().map(targetLabel);
    assert.equal(labels.length, 15);
    assert.ok(labels.includes('cpython3.9-linux-x86_64'));
    assert.ok(labels.includes('cpython3.13-macos-arm64'));
    assert.ok(labels.includes('cpython3.12-windows-AMD64'));
  });

  test('reports which releases and edges differ between targets', async () => {
    const targets = [target({ platform: 'linux', python: '3.10' }), target({ platform: 'windows', python: '3.12' })];
    const report = await resolveMatrix(reqs('tool'), (t) => memory(index, t), targets);
    assert.deepEqual(report.nodes, [
      { name: 'colorama', versions: { 'cpython3.10-linux-x86_64': null, 'cpython3.12-windows-AMD64': '0.4.6' } },
      { name: 'core', versions: { 'cpython3.10-linux-x86_64': '1.0', 'cpython3.12-windows-AMD64': '2.0' } },
      { name: 'tomli', versions: { 'cpython3.10-linux-x86_64': '2.0.1', 'cpython3.12-windows-AMD64': null } },
    ]);
    assert.deepEqual(report.edges.map((e) => `${e.from}->${e.to} on ${e.present.join(',')}`), [
      'tool->colorama on cpython3.12-windows-AMD64',
      'tool->tomli on cpython3.10-linux-x86_64',
    ]);
    assert.deepEqual(report.common, { nodes: 1, edges: 1 });
  });

  test('reports a target without a solution instead of failing the others', async () => {
    const targets = [target({ python: '3.11' }), target({ python: '3.12' })];
    const report = await resolveMatrix(reqs('modern'), (t) => memory(index, t), targets);
    assert.equal(report.entries[0]!.error?.code, 'RESOLUTION_IMPOSSIBLE');
    assert.equal(report.entries[1]!.graph?.nodes[0]?.version, '1.0');
    assert.deepEqual(compareGraphs(report.entries).nodes, []);
  });
});
