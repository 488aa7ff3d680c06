// The PEP 508 marker environment of a target (Python version, OS, machine, implementation), and
// the parsing of a user's target description into the canonical TargetDescription.
import { PyvouchError } from '../errors.js';
import type { TargetDescription } from '../graph/graph.js';
import type { MarkerEnvironment } from './marker.js';

type Platform = 'linux' | 'macos' | 'windows';
type Implementation = 'cpython' | 'pypy';
// Architectures named independently of the OS; each OS spells them its own way in
// platform.machine() (Windows says AMD64 for what Linux calls x86_64).
type Architecture = 'x86_64' | 'arm64' | 'x86' | 'other';

const PLATFORMS: Readonly<Record<string, Platform>> = {
  linux: 'linux',
  macos: 'macos',
  darwin: 'macos',
  osx: 'macos',
  mac: 'macos',
  windows: 'windows',
  win32: 'windows',
  win: 'windows',
};

const IMPLEMENTATIONS: Readonly<Record<string, Implementation>> = {
  cpython: 'cpython',
  cp: 'cpython',
  pypy: 'pypy',
  pp: 'pypy',
};

const ARCHITECTURES: Readonly<Record<string, Architecture>> = {
  x86_64: 'x86_64',
  amd64: 'x86_64',
  x64: 'x86_64',
  aarch64: 'arm64',
  arm64: 'arm64',
  i386: 'x86',
  i686: 'x86',
  x86: 'x86',
};

// What sys.platform, platform.system() and os.name report on each OS.
const OS_MARKERS: Readonly<Record<Platform, Pick<MarkerEnvironment, 'sys_platform' | 'platform_system' | 'os_name'>>> = {
  linux: { sys_platform: 'linux', platform_system: 'Linux', os_name: 'posix' },
  macos: { sys_platform: 'darwin', platform_system: 'Darwin', os_name: 'posix' },
  windows: { sys_platform: 'win32', platform_system: 'Windows', os_name: 'nt' },
};

const MACHINE_SPELLING: Readonly<Record<Platform, Readonly<Record<Exclude<Architecture, 'other'>, string>>>> = {
  linux: { x86_64: 'x86_64', arm64: 'aarch64', x86: 'i686' },
  macos: { x86_64: 'x86_64', arm64: 'arm64', x86: 'i386' },
  windows: { x86_64: 'AMD64', arm64: 'ARM64', x86: 'x86' },
};

const PYTHON_VERSION = /^(\d+)\.(\d+)(?:\.(\d+)((?:a|b|rc)\d+)?)?$/;

const DEFAULTS = { python: '3.12', platform: 'linux', machine: 'x86_64', implementation: 'cpython' } as const;

function platformOf(text: string): Platform | undefined {
  return PLATFORMS[text.trim().toLowerCase()];
}

function architectureOf(text: string): Architecture {
  return ARCHITECTURES[text.trim().toLowerCase()] ?? 'other';
}

function machineFor(platform: Platform, machine: string): string {
  const arch = architectureOf(machine);
  // Other architectures (ppc64le, s390x, riscv64, armv7l) exist only on Linux, where
  // platform.machine() reports them in lower case.
  return arch === 'other' ? machine.trim().toLowerCase() : MACHINE_SPELLING[platform][arch];
}

/**
 * The full marker environment of `target`, as the target's interpreter would report it.
 * `platform_release` and `platform_version` describe the running kernel, which a target does not
 * name; they are empty, so markers testing them compare as strings and are false.
 */
export function markerEnvironmentFor(target: TargetDescription): MarkerEnvironment {
  const canonical = parseTarget(target);
  const platform = platformOf(canonical.platform)!;
  const m = PYTHON_VERSION.exec(canonical.python)!;
  const pythonVersion = `${m[1]}.${m[2]}`;
  const fullVersion = m[3] === undefined ? `${pythonVersion}.0` : canonical.python;
  const pypy = canonical.implementation === 'pypy';
  return {
    implementation_name: canonical.implementation,
    // PyPy numbers itself (7.3.x) apart from the language version, and a target does not say
    // which PyPy; the language version stands in, as it does for CPython where they coincide.
    implementation_version: fullVersion,
    os_name: OS_MARKERS[platform].os_name,
    platform_machine: machineFor(platform, canonical.machine),
    platform_release: '',
    platform_system: OS_MARKERS[platform].platform_system,
    platform_version: '',
    python_full_version: fullVersion,
    platform_python_implementation: pypy ? 'PyPy' : 'CPython',
    python_version: pythonVersion,
    sys_platform: OS_MARKERS[platform].sys_platform,
  };
}

export interface TargetInput {
  python?: string;
  platform?: string;
  machine?: string;
  implementation?: string;
}

/**
 * Check a user's target and spell it canonically: platform linux|macos|windows, implementation
 * cpython|pypy, machine as that platform reports it (AMD64 on Windows, arm64 on macOS, aarch64 on
 * Linux). Defaults: CPython 3.12 on x86_64 Linux. Throws INVALID_TARGET naming the bad field.
 */
export function parseTarget(opts: TargetInput): TargetDescription {
  const python = (opts.python ?? DEFAULTS.python).trim();
  const m = PYTHON_VERSION.exec(python);
  if (m === null || Number(m[1]) < 2) {
    throw new PyvouchError('INVALID_TARGET', `Invalid target Python version: '${opts.python ?? ''}'`, {
      path: 'python',
      help: 'Give the Python version as MAJOR.MINOR or MAJOR.MINOR.MICRO, e.g. --python 3.12 or --python 3.12.4.',
    });
  }

  const platformText = opts.platform ?? DEFAULTS.platform;
  const platform = platformOf(platformText);
  if (platform === undefined) {
    throw new PyvouchError('INVALID_TARGET', `Invalid target platform: '${platformText}'`, {
      path: 'platform',
      help: 'Use --platform linux, --platform macos or --platform windows.',
    });
  }

  const machineText = (opts.machine ?? DEFAULTS.machine).trim();
  const arch = architectureOf(machineText);
  if (!/^[A-Za-z0-9_]+$/.test(machineText) || (arch === 'other' && platform !== 'linux')) {
    throw new PyvouchError('INVALID_TARGET', `Invalid target machine for ${platform}: '${machineText}'`, {
      path: 'machine',
      help:
        platform === 'linux'
          ? 'Use --machine with an architecture name such as x86_64, aarch64, ppc64le or s390x.'
          : 'Use --machine x86_64 or --machine arm64.',
    });
  }

  const implementationText = opts.implementation ?? DEFAULTS.implementation;
  const implementation = IMPLEMENTATIONS[implementationText.trim().toLowerCase()];
  if (implementation === undefined) {
    throw new PyvouchError('INVALID_TARGET', `Invalid target implementation: '${implementationText}'`, {
      path: 'implementation',
      help: 'Use --implementation cpython or --implementation pypy.',
    });
  }

  return { python, platform, machine: machineFor(platform, machineText), implementation };
}

/** The machines PyPI's wheels are built for, as (platform, machine): checked and resolved for by default. */
export const COMMON_MACHINES: readonly (readonly [string, string])[] = [
  ['linux', 'x86_64'],
  ['linux', 'aarch64'],
  ['macos', 'arm64'],
  ['macos', 'x86_64'],
  ['windows', 'AMD64'],
];

/** The CPython minor versions checked and resolved for by default (before requires-python narrows them). */
export const COMMON_PYTHONS: readonly string[] = ['3.9', '3.10', '3.11', '3.12', '3.13', '3.14'];

/** A target's label, e.g. `cpython3.12-linux-x86_64` (render/check.ts reads labels back). */
export function targetLabel(target: TargetDescription): string {
  return `${target.implementation}${target.python}-${target.platform}-${target.machine}`;
}
