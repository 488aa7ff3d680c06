// Shared helpers for the lock-reader tests: targets, fixture paths, and error capture.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { PyvouchError } from '../../src/errors.js';
import type { Graph, TargetDescription } from '../../src/graph/graph.js';
import { parseTarget } from '../../src/pep/environment.js';
import { refusal } from '../support/errors.js';

export const CORPORA = new URL('../corpora/locks/', import.meta.url).pathname;
export const FIXTURES = fileURLToPath(new URL('../fixtures/lock/', import.meta.url));
export const EXAMPLES = fileURLToPath(new URL('../../examples/', import.meta.url));

export function target(python: string, platform: string, extra: { machine?: string; implementation?: string } = {}): TargetDescription {
  return parseTarget({ python, platform, ...extra });
}

export const linux312 = target('3.12', 'linux');
export const windows310 = target('3.10', 'windows');

export function read(path: string): string {
  return readFileSync(path, 'utf8');
}

export function names(graph: Graph): string[] {
  return graph.nodes.map((n) => n.name);
}

export function node(graph: Graph, name: string) {
  const n = graph.nodes.find((x) => x.name === name);
  assert.ok(n, `expected a node '${name}' in ${names(graph).join(', ')}`);
  return n;
}

/** Run `fn`, which must throw a PyvouchError; return it. */
export const thrown = (fn: () => unknown): PyvouchError => refusal(fn);

/** The error and its further problems, flattened, as `path` or `line` keys. */
export function allProblems(err: PyvouchError): PyvouchError[] {
  return [err, ...err.problems];
}

/**
 * Where reading the malformed lock `file` finds its problems, as [path, line] pairs: `read` must
 * refuse it with LOCK_PARSE, every problem a LOCK_PARSE naming the file.
 */
export function problemsOf(file: string, readLock: (text: string, file: string) => unknown): [string | undefined, number | undefined][] {
  const all = allProblems(refusal(() => readLock(read(file), file), 'LOCK_PARSE'));
  for (const p of all) assert.deepEqual([p.code, p.file], ['LOCK_PARSE', file], p.message);
  return all.map((p) => [p.path, p.line]);
}
