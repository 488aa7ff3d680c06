import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathFromRoot, pathsFromRoot, type Graph } from '../../src/graph/graph.js';

const graph: Graph = {
  source: { format: 'uv.lock' },
  environment: { python: '3.12', platform: 'linux', machine: 'x86_64', implementation: 'cpython' },
  roots: ['app'],
  nodes: ['app', 'a', 'b', 'c', 'orphan'].map((name) => ({ name, version: '1.0', artifacts: [], metadata: 'lock' as const })),
  edges: [
    { from: 'app', to: 'a', specifier: '', marker: null, extras: [] },
    { from: 'a', to: 'b', specifier: '>=1', marker: null, extras: [] },
    { from: 'app', to: 'b', specifier: '', marker: null, extras: [] },
    { from: 'b', to: 'c', specifier: '', marker: null, extras: [] },
  ],
  edgesKnown: true,
  diagnostics: [],
};

test('finds the shortest path from a root to a node', () => {
  assert.deepEqual(pathFromRoot(graph, 'c'), ['app', 'b', 'c']);
  assert.deepEqual(pathFromRoot(graph, 'app'), ['app']);
});

test('says a node no root reaches has no path', () => {
  assert.equal(pathFromRoot(graph, 'orphan'), undefined);
});

test('pathsFromRoot gives every node the path pathFromRoot gives it, cycles and several roots included', () => {
  // A seeded pseudo-random graph: edges both ways (cycles), two roots, unreachable nodes.
  let seed = 12345;
  const next = (n: number): number => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return seed % n;
  };
  for (let round = 0; round < 20; round++) {
    const names = Array.from({ length: 40 }, (_, i) => `p${i}`);
    const edges = Array.from({ length: 70 }, () => ({ from: names[next(40)]!, to: names[next(40)]!, specifier: '', marker: null, extras: [] }));
    const g: Graph = { ...graph, roots: [names[next(40)]!, names[next(40)]!], nodes: names.map((name) => ({ name, version: '1.0', artifacts: [], metadata: 'lock' as const })), edges };
    const pathOf = pathsFromRoot(g);
    for (const name of [...names, 'not-in-graph']) assert.deepEqual(pathOf(name), pathFromRoot(g, name), `${name} in round ${round}`);
  }
  const pathOf = pathsFromRoot(graph);
  assert.deepEqual(pathOf('c'), ['app', 'b', 'c']);
  assert.equal(pathOf('orphan'), undefined);
});
