// Writes a resolved graph as a PEP 751 lock file (pylock.toml) for the one environment it was
// resolved for: `environments` names that environment, each package lists the files chosen for it
// with their sha256, and `dependencies` records the edges. Pure: returns the text.
import { stringify } from 'smol-toml';
import type { Graph } from '../graph/graph.js';
import type { MarkerEnvironment } from '../pep/marker.js';

/** A marker that holds exactly in the target environment an installer will be asked to use. */
function environmentMarker(env: MarkerEnvironment): string {
  return [
    `python_full_version == "${env.python_full_version}"`,
    `sys_platform == "${env.sys_platform}"`,
    `platform_machine == "${env.platform_machine}"`,
    `implementation_name == "${env.implementation_name}"`,
  ].join(' and ');
}

export function writePylock(graph: Graph, env: MarkerEnvironment): string {
  const children = new Map<string, string[]>();
  // Build requirements run on the building machine; an installer does not install them.
  for (const e of graph.edges) {
    if (e.kind === 'build') continue;
    let list = children.get(e.from);
    if (list === undefined) children.set(e.from, (list = []));
    if (!list.includes(e.to)) list.push(e.to);
  }
  const versions = new Map(graph.nodes.map((n) => [n.name, n.version]));
  const packages = graph.nodes
    .filter((n) => n.buildOnly !== true)
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((node) => {
      const pkg: Record<string, unknown> = { name: node.name, version: node.version };
      const deps = (children.get(node.name) ?? []).sort().map((name) => ({ name, version: versions.get(name) ?? '' }));
      if (deps.length > 0) pkg['dependencies'] = deps;
      const index = node.artifacts.find((a) => a.index !== undefined)?.index;
      if (index !== undefined) pkg['index'] = index;
      const hashes = (sha256: string | undefined): Record<string, string> => (sha256 === undefined ? {} : { sha256 });
      const wheels = node.artifacts.filter((a) => a.kind === 'wheel');
      const sdist = node.artifacts.find((a) => a.kind === 'sdist');
      if (wheels.length > 0) {
        pkg['wheels'] = wheels.map((a) => ({ name: a.filename, ...(a.url === undefined ? {} : { url: a.url }), ...(a.size === undefined ? {} : { size: a.size }), hashes: hashes(a.sha256) }));
      } else if (sdist !== undefined) {
        pkg['sdist'] = { name: sdist.filename, ...(sdist.url === undefined ? {} : { url: sdist.url }), ...(sdist.size === undefined ? {} : { size: sdist.size }), hashes: hashes(sdist.sha256) };
      }
      return pkg;
    });
  const doc = {
    'lock-version': '1.0',
    environments: [environmentMarker(env)],
    'created-by': 'pyvouch',
    packages,
  };
  return `# Written by pyvouch resolve for ${graph.environment.implementation} ${graph.environment.python} on ${graph.environment.platform} ${graph.environment.machine}.\n${stringify(doc)}\n`;
}
