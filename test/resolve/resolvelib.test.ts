// Conformance with sarugaku/resolvelib's real-world cases (test/corpora/resolvelib): PyPI
// snapshots from 2020 with known-good answers. Another complete resolver may pick a different valid
// set, so each result is checked for validity on its own terms (every requirement and every
// dependency of every chosen release satisfied, extras included) and compared with the known answer
// only for the report. Markers see only `extra`, the rest is a CPython 3.8 on x86_64 Linux.

import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { after, describe, test } from 'node:test';
import { isPyvouchError } from '../../src/errors.js';
import type { Graph } from '../../src/graph/graph.js';
import { markerEnvironmentFor, parseTarget } from '../../src/pep/environment.js';
import { canonicalizeName } from '../../src/pep/name.js';
import { Requirement } from '../../src/pep/requirement.js';
import { Version } from '../../src/pep/version.js';
import { MemoryProvider, type MemoryRelease } from '../../src/resolve/memory-provider.js';
import { resolveWithStats } from '../../src/resolve/resolve.js';
import { markerHolds } from '../../src/resolve/markers.js';

const DIR = new URL('../corpora/resolvelib/', import.meta.url).pathname;
const target = parseTarget({ python: '3.8', platform: 'linux', machine: 'x86_64', implementation: 'cpython' });
const env = markerEnvironmentFor(target);

type RawIndex = Record<string, Record<string, { dependencies: string[] }>>;

interface Case {
  name: string;
  index: string;
  requested: string[];
  resolved?: Record<string, string | { version: string }>;
  conflicted?: Record<string, string[]>;
}

const indexes = new Map<string, RawIndex>();
function loadIndex(name: string): RawIndex {
  let index = indexes.get(name);
  if (index === undefined) {
    const raw = JSON.parse(readFileSync(`${DIR}index/${name}.json`, 'utf8')) as Record<string, unknown>;
    index = {};
    for (const [project, versions] of Object.entries(raw)) {
      // Some snapshots carry flags beside the projects (`needs_optimistic`): not projects.
      if (typeof versions === 'object' && versions !== null) index[project] = versions as RawIndex[string];
    }
    indexes.set(name, index);
  }
  return index;
}

function providerFor(index: RawIndex): MemoryProvider {
  const projects: Record<string, MemoryRelease[]> = {};
  for (const [project, versions] of Object.entries(index)) {
    // One snapshot writes an empty mapping instead of an empty list (toolz 0.10.0): no dependencies.
    projects[project] = Object.entries(versions).map(([version, info]) => ({
      version,
      requires: Array.isArray(info.dependencies) ? info.dependencies : [],
    }));
  }
  return new MemoryProvider(projects, { target });
}

/** Every way `graph` breaks the requirements or the index's dependencies; empty when valid. */
function problems(graph: Graph, requested: readonly Requirement[], index: RawIndex): string[] {
  const out: string[] = [];
  const nodes = new Map(graph.nodes.map((n) => [n.name, n]));
  const byName = new Map(Object.entries(index).map(([k, v]) => [canonicalizeName(k), v]));
  const check = (who: string, req: Requirement): void => {
    const node = nodes.get(req.canonicalName);
    if (node === undefined) {
      out.push(`${who} needs ${req.toString()}, which is missing`);
      return;
    }
    if (!req.specifier.contains(node.version, { prereleases: true })) out.push(`${who} needs ${req.toString()}, got ${node.version}`);
    for (const extra of req.canonicalExtras) {
      if (!(node.extras ?? []).includes(extra)) out.push(`${who} needs ${req.toString()}, but extra ${extra} was not chosen`);
    }
  };
  for (const req of requested) if (markerHolds(req, env, '')) check('the request', req);
  for (const node of graph.nodes) {
    const versions = byName.get(node.name) ?? {};
    const key = new Version(node.version).sortKey;
    const entry = Object.entries(versions).find(([v]) => Version.tryParse(v)?.sortKey === key);
    if (entry === undefined) {
      out.push(`${node.name} ${node.version} is not in the index`);
      continue;
    }
    for (const line of entry[1].dependencies) {
      let req: Requirement;
      try {
        req = new Requirement(line);
      } catch {
        out.push(`${node.name} ${node.version} has an unreadable dependency and should not have been chosen`);
        continue;
      }
      const active = markerHolds(req, env, '') || (node.extras ?? []).some((extra) => markerHolds(req, env, extra));
      if (active) check(`${node.name} ${node.version}`, req);
    }
  }
  return out;
}

const cases: Case[] = readdirSync(`${DIR}case`)
  .filter((f) => f.endsWith('.json'))
  .sort()
  .map((f) => ({ name: f.replace(/\.json$/, ''), ...(JSON.parse(readFileSync(`${DIR}case/${f}`, 'utf8')) as Omit<Case, 'name'>) }));

const report: string[] = [];
let valid = 0;
let equal = 0;
let withAnswer = 0;

describe('resolvelib cases', () => {
  for (const c of cases) {
    test(c.name, async () => {
      const index = loadIndex(c.index);
      const requested = c.requested.map((r) => new Requirement(r));
      const started = performance.now();
      if (c.conflicted !== undefined) {
        await assert.rejects(resolveWithStats(requested, providerFor(index), { target }), (err: unknown) => {
          assert.ok(isPyvouchError(err) && err.code === 'RESOLUTION_IMPOSSIBLE');
          for (const name of Object.keys(c.conflicted!)) assert.match(err.message, new RegExp(`\\b${name}\\b`));
          return true;
        });
        report.push(`${c.name}: unsatisfiable as expected (${(performance.now() - started).toFixed(0)} ms)`);
        return;
      }
      const { graph, stats } = await resolveWithStats(requested, providerFor(index), { target });
      const ms = performance.now() - started;
      assert.deepEqual(problems(graph, requested, index), []);
      valid++;
      // Compared as PEP 440 versions: the snapshot says 7.0 where the answer says 7.0.0.
      const ours = Object.fromEntries(graph.nodes.map((n) => [n.name, new Version(n.version).sortKey]));
      const known = Object.fromEntries(
        Object.entries(c.resolved ?? {}).map(([k, v]) => [canonicalizeName(k), new Version(typeof v === 'string' ? v : v.version).sortKey]),
      );
      const shown = (name: string, key: string | undefined): string =>
        key === undefined ? '-' : (graph.nodes.find((n) => n.name === name && new Version(n.version).sortKey === key)?.version ?? 'other');
      withAnswer++;
      const same = JSON.stringify(Object.entries(ours).sort()) === JSON.stringify(Object.entries(known).sort());
      if (same) equal++;
      const differences = Object.keys({ ...ours, ...known })
        .filter((k) => ours[k] !== known[k])
        .map((k) => `${k}: ours ${shown(k, ours[k])}, known ${known[k] === undefined ? '-' : 'another version'}`);
      report.push(
        `${c.name}: valid, ${same ? 'equal to the known answer' : `differs (${differences.join('; ')})`}, ${graph.nodes.length} packages, ${stats.decisions} decisions, ${stats.conflicts} conflicts, ${ms.toFixed(0)} ms`,
      );
    });
  }
  after(() => {
    console.log(`resolvelib summary: ${valid}/${withAnswer} valid, ${equal}/${withAnswer} equal to the known answer\n  ${report.join('\n  ')}`);
  });
});
