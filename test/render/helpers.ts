// The bundled example (examples/uv/uv.lock with examples/check) evaluated the way `check` does, for
// renderer tests.
import { loadEnvelopes } from '../../src/app/envelope-files.js';
import { loadLockFile } from '../../src/lock/load.js';
import { parseTarget } from '../../src/pep/environment.js';
import type { CheckContext } from '../../src/render/check.js';
import { evaluatePolicy } from '../../src/trust/evaluate.js';
import { loadPolicy } from '../../src/trust/load.js';
import { suggestReviews } from '../../src/trust/suggest.js';

const root = new URL('../../', import.meta.url).pathname;

export async function exampleContext(): Promise<CheckContext> {
  const graph = loadLockFile(`${root}examples/uv/uv.lock`, parseTarget({ python: '3.12', platform: 'linux' }));
  const policy = await loadPolicy(`${root}examples/check/pyvouch.toml`);
  const now = new Date('2026-06-01T00:00:00Z');
  const statements = loadEnvelopes([`${root}examples/check/statements`], { now }).accepted.map((s) => s.statement);
  const report = evaluatePolicy(graph, statements, policy, { now });
  return { graph, report, suggestions: suggestReviews(report, graph, policy), statements: statements.length };
}

