// What a lock file installs anywhere: the union over common targets (all groups and extras) of its
// releases, for the use cases that judge a lock as a whole rather than for one target (init, prune,
// inspect, certify, review binding).
import { PyvouchError } from '../errors.js';
import type { Graph, GraphNode } from '../graph/graph.js';
import { loadLockFile } from '../lock/load.js';
import { COMMON_MACHINES, COMMON_PYTHONS, parseTarget } from '../pep/environment.js';


/**
 * The union over common targets of the releases `lock` installs, keyed `name==version`, with the
 * artifacts of every target merged (a baseline must hold wherever the lock is installed).
 */
export function lockedReleases(lock: string, opts: { pythons?: readonly string[] } = {}): { graph: Graph; nodes: Map<string, GraphNode> } {
  const nodes = new Map<string, GraphNode>();
  let first: Graph | undefined;
  let lastError: PyvouchError | undefined;
  for (const python of opts.pythons ?? COMMON_PYTHONS) {
    for (const [platform, machine] of COMMON_MACHINES) {
      let graph: Graph;
      try {
        graph = loadLockFile(lock, parseTarget({ python, platform, machine }), { allGroups: true, allExtras: true });
      } catch (err) {
        // A lock may not support every target (requires-python); other errors are the user's to see.
        if (err instanceof PyvouchError && err.code !== 'IO' && err.code !== 'LOCK_PARSE' && err.code !== 'LOCK_UNSUPPORTED') {
          lastError = err;
          continue;
        }
        throw err;
      }
      first ??= graph;
      for (const n of graph.nodes) {
        const key = `${n.name}==${n.version}`;
        const cur = nodes.get(key);
        if (cur === undefined) nodes.set(key, { ...n, artifacts: [...n.artifacts] });
        else for (const a of n.artifacts) if (!cur.artifacts.some((b) => b.filename === a.filename)) cur.artifacts.push(a);
      }
    }
  }
  if (first === undefined) {
    if (lastError !== undefined) throw lastError;
    throw new PyvouchError('LOCK_PARSE', `${lock} installs nothing on any common target`, { file: lock });
  }
  const graph: Graph = { ...first, nodes: [...nodes.values()], edges: [], edgesKnown: false, diagnostics: [] };
  return { graph, nodes };
}
