// Conformance with astral-sh/packse: every scenario in test/corpora/packse is resolved from an
// in-memory index built from its TOML; satisfiability and the exact versions must match. packse
// encodes uv's behaviour, so these run with `rules: 'uv'`; the pip rules are tested in rules.test.ts.
// Scenarios the single-target resolver does not model are reported with the reason.

import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { isPyvouchError } from '../../src/errors.js';
import { Version } from '../../src/pep/version.js';
import { MemoryProvider } from '../../src/resolve/memory-provider.js';
import { resolve } from '../../src/resolve/resolve.js';
import { resolveUniversal, type UniversalResolution } from '../../src/resolve/universal.js';
import { writeUniversalPylock } from '../../src/resolve/universal-lock.js';
import { readLock } from '../../src/lock/read.js';
import type { Graph } from '../../src/graph/graph.js';
import type { ResolverRules } from '../../src/resolve/universe.js';
import { loadScenario, scenarioFiles, type PackseScenario } from './packse.js';

interface Outcome {
  satisfiable: boolean;
  packages: Record<string, string>;
  message?: string;
}

export async function runScenario(s: PackseScenario, rules: ResolverRules): Promise<Outcome> {
  const provider = new MemoryProvider(s.projects, { target: s.target, tags: s.tags, noBinary: s.noBinary, onlyBinary: s.onlyBinary });
  try {
    const graph = await resolve(s.requirements, provider, { target: s.target, prereleases: s.prereleases, rules });
    return { satisfiable: true, packages: Object.fromEntries(graph.nodes.map((n) => [n.name, n.version])) };
  } catch (err) {
    if (isPyvouchError(err) && err.code === 'RESOLUTION_IMPOSSIBLE') return { satisfiable: false, packages: {}, message: err.message };
    throw err;
  }
}

/** `resolve --universal` on the scenario: the forks, or the reason there is no solution. */
export async function runUniversal(s: PackseScenario, rules: ResolverRules): Promise<{ resolution?: UniversalResolution; message?: string }> {
  try {
    const resolution = await resolveUniversal(s.requirements, (target) => new MemoryProvider(s.projects, { target, tags: s.tags, noBinary: s.noBinary, onlyBinary: s.onlyBinary }), {
      prereleases: s.prereleases,
      rules,
      ...(s.requiresPython === undefined ? {} : { requiresPython: s.requiresPython }),
    });
    return { resolution };
  } catch (err) {
    if (isPyvouchError(err) && err.code === 'RESOLUTION_IMPOSSIBLE') return { message: err.message };
    throw err;
  }
}

/** What a graph installs and how it hangs together: releases and (from, to) edges. */
export function shape(graph: Graph): { nodes: string[]; edges: string[] } {
  return {
    nodes: graph.nodes.map((n) => `${n.name}==${new Version(n.version).toString()}`).sort(),
    edges: [...new Set(graph.edges.map((e) => `${e.from} -> ${e.to}`))].sort(),
  };
}

/** The universal pylock, re-read for each fork's target, gives that fork's graph. */
export function assertLockReproducesForks(resolution: UniversalResolution): string {
  const text = writeUniversalPylock(resolution);
  for (const fork of resolution.forks) {
    const reread = readLock({ path: 'pylock.toml', text }, fork.target);
    assert.deepEqual(shape(reread), shape(fork.graph), `${fork.label}:\n${text}`);
    assert.ok(!reread.diagnostics.some((d) => /environments/.test(d.message)), `${fork.label} is one of the lock's environments`);
  }
  return text;
}

function normalised(packages: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(packages).map(([k, v]) => [k, new Version(v).toString()]));
}

const scenarios = scenarioFiles().map(loadScenario);
const tally = new Map<string, { run: number; passed: number; excluded: string[] }>();

describe('packse scenarios (uv rules)', () => {
  for (const s of scenarios) {
    const entry = tally.get(s.group) ?? { run: 0, passed: 0, excluded: [] };
    tally.set(s.group, entry);
    if (s.excluded !== undefined) {
      entry.excluded.push(`${s.name}: ${s.excluded}`);
      test(`${s.group}/${s.name}`, { skip: s.excluded }, () => undefined);
      continue;
    }
    entry.run++;
    if (s.universal) {
      test(`${s.group}/${s.name} (universal)`, async () => {
        const outcome = await runUniversal(s, 'uv');
        assert.equal(outcome.resolution !== undefined, s.satisfiable, outcome.message ?? 'resolved, though packse expects no solution');
        if (outcome.resolution !== undefined) assertLockReproducesForks(outcome.resolution);
        entry.passed++;
      });
      continue;
    }
    test(`${s.group}/${s.name}`, async () => {
      const outcome = await runScenario(s, 'uv');
      assert.equal(outcome.satisfiable, s.satisfiable, outcome.message ?? `resolved ${JSON.stringify(outcome.packages)}`);
      if (s.packages !== undefined) assert.deepEqual(normalised(outcome.packages), normalised(s.packages));
      entry.passed++;
    });
  }
  after(() => {
    const lines = [...tally].map(([group, t]) => `${group}: ${t.passed}/${t.run} passed, ${t.excluded.length} excluded`);
    console.log(`packse summary\n  ${lines.join('\n  ')}`);
  });
});
