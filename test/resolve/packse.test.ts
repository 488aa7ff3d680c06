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
