import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pathFromRoot, type Graph } from '../../src/graph/graph.js';

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
