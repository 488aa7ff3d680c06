// PEP 508 markers of dependency lines, evaluated for one target with `extra` set the way core
// metadata means it ('' for the project itself, the extra's name for its optional dependencies).
// Memoised per requirement and environment: the same lines are asked about on every backtrack.

import { PyvouchError, isPyvouchError } from '../errors.js';
import type { MarkerEnvironment } from '../pep/marker.js';
import { normalizeExtra } from '../pep/name.js';
import type { Requirement } from '../pep/requirement.js';

const markerCache = new WeakMap<Requirement, Map<string, boolean>>();
const environmentIds = new WeakMap<MarkerEnvironment, number>();
let nextEnvironmentId = 0;

/**
 * Whether the requirement applies on the target with `extra` set as core metadata does. A marker
 * that cannot be evaluated there (an undefined comparison, a variable core metadata lacks) is an
 * error, as in the lock readers: a dependency must never vanish from the graph silently.
 */
export function markerHolds(req: Requirement, env: MarkerEnvironment, extra: string): boolean {
  if (req.marker === null) return true;
  let envId = environmentIds.get(env);
  if (envId === undefined) environmentIds.set(env, (envId = nextEnvironmentId++));
  let byExtra = markerCache.get(req);
  if (byExtra === undefined) markerCache.set(req, (byExtra = new Map<string, boolean>()));
  const key = `${envId}|${extra}`;
  let holds = byExtra.get(key);
  if (holds === undefined) {
    try {
      holds = req.marker.evaluate({ ...env, extra: extra === '' ? '' : normalizeExtra(extra) });
    } catch (err) {
      throw markerFailure(req, err);
    }
    byExtra.set(key, holds);
  }
  return holds;
}

function markerFailure(req: Requirement, err: unknown): unknown {
  if (!isPyvouchError(err)) return err;
  return new PyvouchError(err.code, `cannot evaluate the marker of the requirement '${req.toString()}' for the target: ${err.message}`, {
    cause: err,
    help: 'pyvouch refuses rather than leave the dependency out; fix the marker in the metadata that declares it, or resolve for another target',
  });
}
