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
import { COMMON_MACHINES } from '../../src/pep/environment.js';
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
export async function runUniversal(s: PackseScenario, rules: ResolverRules, machines?: readonly (readonly [string, string])[]): Promise<{ resolution?: UniversalResolution; message?: string }> {
  try {
    const resolution = await resolveUniversal(s.requirements, (target) => new MemoryProvider(s.projects, { target, tags: s.tags, noBinary: s.noBinary, onlyBinary: s.onlyBinary }), {
      prereleases: s.prereleases,
      rules,
      ...(s.requiresPython === undefined ? {} : { requiresPython: s.requiresPython }),
      ...(machines === undefined ? {} : { machines }),
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

/** The version each fork installs of `name` (absent: not installed), by fork label. */
function versionsOf(resolution: UniversalResolution, name: string): Record<string, string | undefined> {
  return Object.fromEntries(resolution.forks.map((f) => [f.label, f.graph.nodes.find((n) => n.name === name)?.version]));
}

/**
 * Scenarios where packse records a limitation of uv's forking resolver, not a property of the
 * packages: each cell here is resolved on its own, so the answer differs. Each is asserted on
 * what pyvouch does instead, with the reason.
 */
const UNIVERSAL_DIVERGENCES: Record<string, { reason: string; check: (s: PackseScenario) => Promise<void> }> = {
  'fork-non-local-fork-marker-transitive': {
    reason: 'uv forks only on sibling requirements and so finds no resolution; per-cell resolution gives c 1 on Linux and c 2 on macOS',
    async check(s) {
      const { resolution } = await runUniversal(s, 'uv');
      assert.ok(resolution !== undefined);
      for (const [label, v] of Object.entries(versionsOf(resolution, 'c'))) {
        assert.equal(v, label.includes('-linux-') ? '1.0.0' : label.includes('-macos-') ? '2.0.0' : undefined, label);
      }
      assertLockReproducesForks(resolution);
    },
  },
  'preferences-dependent-forking-conflicting': {
    reason: 'uv fails when a preference read back from its own lock stops it forking; every cell here has a solution',
    async check(s) {
      const { resolution } = await runUniversal(s, 'uv');
      assert.ok(resolution !== undefined);
      assertLockReproducesForks(resolution);
    },
  },
  'specific-architecture': {
    reason: "uv's universal mode ignores wheel tags; its packages ship only cp313 wheels, so pyvouch refuses the Python 3.9-3.12 cells (an installer there would find no file) and resolves once requires-python says >=3.13,<3.14 (off Linux aarch64, for which manylinux2010 has no wheels)",
    async check(s) {
      const refused = await runUniversal(s, 'uv');
      assert.equal(refused.resolution, undefined);
      assert.match(refused.message!, /No universal resolution: .*cpython3\.9-linux-x86_64/);
      // manylinux2010 defines no aarch64 wheels (PEP 571): Linux aarch64, where c is required, is refused too.
      const aarch64 = await runUniversal({ ...s, requiresPython: '>=3.13,<3.14' }, 'uv');
      assert.match(aarch64.message!, /one environment has no solution \(cpython3\.13-linux-aarch64\)[\s\S]*c have no wheel/);
      const elsewhere = COMMON_MACHINES.filter(([p, m]) => !(p === 'linux' && m === 'aarch64'));
      const { resolution } = await runUniversal({ ...s, requiresPython: '>=3.13,<3.14' }, 'uv', elsewhere);
      assert.ok(resolution !== undefined, 'resolves for Python 3.13 off Linux aarch64');
      for (const [label, v] of Object.entries(versionsOf(resolution, 'b'))) assert.equal(v !== undefined, label.endsWith('-x86_64'), label);
      for (const [label, v] of Object.entries(versionsOf(resolution, 'c'))) assert.equal(v, undefined, label);
      const lock = assertLockReproducesForks(resolution);
      assert.match(lock, /name = "b"\nversion = "1\.0\.0"\nmarker = "platform_machine == 'x86_64'|name = "b"[^[]*x86_64/);
    },
  },
};

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
        const divergence = UNIVERSAL_DIVERGENCES[s.name];
        if (divergence !== undefined) {
          await divergence.check(s);
          entry.passed++;
          return;
        }
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
