// Invariant: a graph option never drops a package the installer would install. Taking more groups
// or extras only adds packages; the default (what the lock's client installs) is within
// --all-groups --all-extras; --no-group only ever removes what its group brought.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { readLock } from '../../src/lock/read.js';
import type { Graph, SelectionOptions } from '../../src/graph/graph.js';
import { CORPORA, linux312, names, read, windows310 } from './helpers.js';

const LOCKS = [
  { path: `${CORPORA}pydantic-uv.lock`, pyproject: read(`${CORPORA}pydantic-pyproject.toml`), groups: ['dev', 'coverage', 'docs', 'linting', 'testing-extra', 'typechecking', 'all'], extras: ['email', 'timezone'] },
  { path: `${CORPORA}poetry-poetry.lock`, pyproject: read(`${CORPORA}poetry-pyproject.toml`), groups: ['dev', 'test', 'typing', 'github-actions'], extras: [] as string[] },
].map((l) => ({ ...l, text: read(l.path) }));

const cache = new Map<string, Graph>();
function graph(lock: (typeof LOCKS)[number], selection: SelectionOptions, windows: boolean): Graph {
  const key = `${lock.path}|${windows}|${JSON.stringify(selection)}`;
  let g = cache.get(key);
  if (g === undefined) cache.set(key, (g = readLock({ path: lock.path, text: lock.text, pyproject: lock.pyproject }, windows ? windows310 : linux312, selection)));
  return g;
}
const subset = (a: Graph, b: Graph): boolean => names(a).every((n) => names(b).includes(n));

test('more groups and extras never drop a package; the default is within --all-groups --all-extras', () => {
  for (const lock of LOCKS) {
    const available = lock.groups.filter((g) => graph(lock, { allGroups: true }, false).selection?.availableGroups.includes(g));
    fc.assert(
      fc.property(
        fc.subarray(available),
        fc.subarray(available),
        fc.subarray(lock.extras),
        fc.subarray(lock.extras),
        fc.boolean(),
        fc.boolean(),
        (g1, g2, e1, e2, noDefaults, windows) => {
          const small: SelectionOptions = { groups: g1, extras: e1, ...(noDefaults ? { noDefaultGroups: true } : {}) };
          const big: SelectionOptions = { groups: [...new Set([...g1, ...g2])], extras: [...new Set([...e1, ...e2])] };
          const a = graph(lock, small, windows);
          const b = graph(lock, big, windows);
          assert.ok(subset(a, b), `${JSON.stringify(small)} ⊄ ${JSON.stringify(big)}`);
          assert.ok(subset(b, graph(lock, { allGroups: true, allExtras: true }, windows)));
          // --no-group G removes at most what G's own requirements bring: never the project's packages.
          const production = graph(lock, { noDefaultGroups: true, extras: e1 }, windows);
          assert.ok(subset(production, graph(lock, { extras: e1, noGroups: g1 }, windows)));
        },
      ),
      { numRuns: 5, seed: 20261201 },
    );
  }
});
