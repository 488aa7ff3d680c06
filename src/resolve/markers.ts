// PEP 508 markers of dependency lines, evaluated for one target with `extra` set the way core
// metadata means it ('' for the project itself, the extra's name for its optional dependencies).
// Memoised per requirement and environment: the same lines are asked about on every backtrack.

import type { MarkerEnvironment } from '../pep/marker.js';
import { normalizeExtra } from '../pep/name.js';
import type { Requirement } from '../pep/requirement.js';

const markerCache = new WeakMap<Requirement, Map<string, boolean>>();
const environmentIds = new WeakMap<MarkerEnvironment, number>();
let nextEnvironmentId = 0;

/**
 * Whether the requirement applies on the target with `extra` set as core metadata does. A marker
 * that cannot be evaluated there (it reads a variable the target lacks) does not apply.
 */
export function markerHolds(req: Requirement, env: MarkerEnvironment, extra: string): boolean {
  if (req.marker === null) return true;
  let envId = environmentIds.get(env);
  if (envId === undefined) environmentIds.set(env, (envId = nextEnvironmentId++));
  let byExtra = markerCache.get(req);
  if (byExtra === undefined) markerCache.set(req, (byExtra = new Map()));
  const key = `${envId}|${extra}`;
  let holds = byExtra.get(key);
  if (holds === undefined) {
    try {
      holds = req.marker.evaluate({ ...env, extra: extra === '' ? '' : normalizeExtra(extra) });
    } catch {
      holds = false;
    }
    byExtra.set(key, holds);
  }
  return holds;
}
