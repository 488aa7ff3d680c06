// What a sandboxed metadata build pretends to run on (issue 20): the target's sys.platform, os.name,
// platform.*() answers and PEP 508 marker values, so a setup.py that branches on them answers as it
// would on the target; and which interpreter runs it (the target's python3.X when the machine has it).
// Pure.

import type { TargetDescription } from '../graph/graph.js';
import { markerEnvironmentFor, parseTarget } from '../pep/environment.js';
import type { MarkerEnvironment } from '../pep/marker.js';

/** The values metadata_hook.py installs into sys, os and platform before the backend's hook runs. */
export interface TargetEmulation {
  readonly sys_platform: string;
  readonly os_name: string;
  /** os.sep and os.pathsep of the target ('\\' and ';' on Windows). */
  readonly os_sep: string;
  readonly os_pathsep: string;
  readonly platform_system: string;
  readonly platform_machine: string;
  /** Empty: keep the host's answer (a Linux target's kernel release is not known either). */
  readonly platform_release: string;
  readonly platform_python_implementation: string;
  readonly implementation_name: string;
  /** The target's full PEP 508 environment, as pyvouch evaluates markers for it. */
  readonly markers: MarkerEnvironment;
}

// platform.release() of a current release of each OS: what a setup.py comparing it would see there.
const RELEASES: Readonly<Record<string, string>> = { windows: '10', macos: '23.6.0', linux: '' };

export function targetEmulation(target: TargetDescription): TargetEmulation {
  const canonical = parseTarget(target);
  const markers = markerEnvironmentFor(canonical);
  const windows = markers.os_name === 'nt';
  return {
    sys_platform: markers.sys_platform,
    os_name: markers.os_name,
    os_sep: windows ? '\\' : '/',
    os_pathsep: windows ? ';' : ':',
    platform_system: markers.platform_system,
    platform_machine: markers.platform_machine,
    platform_release: RELEASES[canonical.platform] ?? '',
    platform_python_implementation: markers.platform_python_implementation,
    implementation_name: markers.implementation_name,
    markers: { ...markers, platform_release: RELEASES[canonical.platform] ?? '' },
  };
}

/**
 * Where the target's interpreter may be: `python3.X` on PATH, then the usual install prefixes and
 * pyenv's versions directory (whose shims answer only for the active versions).
 */
export function interpreterCandidates(version: string, env: Readonly<Record<string, string | undefined>>, listDir: (dir: string) => readonly string[]): string[] {
  const minor = minorVersion(version);
  const name = `python${minor}`;
  const out = [name, `/usr/bin/${name}`, `/usr/local/bin/${name}`];
  const pyenvRoot = env['PYENV_ROOT'] ?? (env['HOME'] === undefined ? undefined : `${env['HOME']}/.pyenv`);
  if (pyenvRoot !== undefined) {
    const versions = listDir(`${pyenvRoot}/versions`)
      .filter((v) => v === minor || v.startsWith(`${minor}.`))
      .filter((v) => /^\d+\.\d+(\.\d+)?$/.test(v))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
      .reverse();
    for (const v of versions) out.push(`${pyenvRoot}/versions/${v}/bin/${name}`);
  }
  return out;
}

/** `major.minor` of a version string such as 3.12 or 3.12.4. */
export function minorVersion(version: string): string {
  const [major = '', minor = ''] = version.split('.');
  return `${major}.${minor}`;
}

/** How a node's metadata was obtained for its target: the answer a report prints. */
export interface MetadataBuildInfo {
  /**
   * `target`: run by the target's interpreter version with the target's platform emulated;
   * `emulated`: platform emulated, but on the host's interpreter (the target's python3.X is not on
   * the machine); `host`: nothing emulated (no target was given).
   */
  readonly mode: 'target' | 'emulated' | 'host';
  /** e.g. `cpython3.12-windows-AMD64`; absent in `host` mode. */
  readonly target?: string;
  /** The interpreter that ran the hook: version and path. */
  readonly interpreter: { readonly version: string; readonly executable: string };
  /** The build backend, e.g. `setuptools.build_meta:__legacy__`. */
  readonly backend: string;
  /** What the hook saw instead of the host's values, e.g. `sys.platform = 'win32'`. */
  readonly emulated: readonly string[];
  /** The Requires-Dist the build answered, before markers are evaluated (for matrix comparison). */
  readonly requiresDist: readonly string[];
  /** The build requirements installed for it, as `name==version` (empty: the host's own packages). */
  readonly buildRequires: readonly string[];
  /** Whether this answer came from the cache of (sdist sha256, target). */
  readonly cached: boolean;
}

/** The values the hook overrides, as lines for a report. */
export function describeEmulation(e: TargetEmulation): string[] {
  const lines = [
    `sys.platform = '${e.sys_platform}'`,
    `os.name = '${e.os_name}'`,
    `platform.system() = '${e.platform_system}'`,
    `platform.machine() = '${e.platform_machine}'`,
    `platform.python_implementation() = '${e.platform_python_implementation}'`,
    `sys.implementation.name = '${e.implementation_name}'`,
  ];
  if (e.platform_release !== '') lines.push(`platform.release() = '${e.platform_release}'`);
  if (e.os_sep !== '/') lines.push(`os.sep = '${e.os_sep}'`, `os.pathsep = '${e.os_pathsep}'`);
  return lines;
}

/** One phrase on how the metadata was obtained, for text, JSON and HTML reports. */
export function describeMetadataBuild(info: MetadataBuildInfo): string {
  const python = `Python ${info.interpreter.version} (${info.interpreter.executable})`;
  const deps = info.buildRequires.length > 0 ? `; build requirements ${info.buildRequires.join(', ')}` : '';
  const cached = info.cached ? ' (cached)' : '';
  switch (info.mode) {
    case 'target':
      return `built for the target ${info.target ?? ''}: ${python}, platform emulated (${info.emulated.join(', ')})${deps}${cached}`;
    case 'emulated':
      return (
        `built for the target ${info.target ?? ''} on the host interpreter ${python}: the target's Python is not on this ` +
        `machine, so version checks in the build saw ${minorVersion(info.interpreter.version)}; platform emulated (${info.emulated.join(', ')})${deps}${cached}`
      );
    case 'host':
      return `built on the host: ${python}, nothing emulated${deps}${cached}`;
  }
}
