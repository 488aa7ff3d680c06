import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PyvouchError } from '../../src/errors.js';
import type { TargetDescription } from '../../src/graph/graph.js';
import { markerEnvironmentFor, parseTarget } from '../../src/pep/environment.js';
import { Marker } from '../../src/pep/marker.js';

const linux: TargetDescription = { python: '3.12', platform: 'linux', machine: 'x86_64', implementation: 'cpython' };
const macos: TargetDescription = { python: '3.11.9', platform: 'macos', machine: 'arm64', implementation: 'cpython' };
const windows: TargetDescription = { python: '3.9', platform: 'windows', machine: 'x86_64', implementation: 'cpython' };

function holds(marker: string, target: TargetDescription): boolean {
  return new Marker(marker).evaluate(markerEnvironmentFor(target));
}

test('describes a Linux target as CPython on Linux reports itself', () => {
  assert.deepEqual(markerEnvironmentFor(linux), {
    implementation_name: 'cpython',
    implementation_version: '3.12.0',
    os_name: 'posix',
    platform_machine: 'x86_64',
    platform_release: '',
    platform_system: 'Linux',
    platform_version: '',
    python_full_version: '3.12.0',
    platform_python_implementation: 'CPython',
    python_version: '3.12',
    sys_platform: 'linux',
  });
});

test('describes macOS as darwin/Darwin/posix and keeps a full Python version', () => {
  const env = markerEnvironmentFor(macos);
  assert.equal(env.sys_platform, 'darwin');
  assert.equal(env.platform_system, 'Darwin');
  assert.equal(env.os_name, 'posix');
  assert.equal(env.platform_machine, 'arm64');
  assert.equal(env.python_version, '3.11');
  assert.equal(env.python_full_version, '3.11.9');
});

test('describes Windows as win32/Windows/nt and calls x86_64 AMD64', () => {
  const env = markerEnvironmentFor(windows);
  assert.equal(env.sys_platform, 'win32');
  assert.equal(env.platform_system, 'Windows');
  assert.equal(env.os_name, 'nt');
  assert.equal(env.platform_machine, 'AMD64');
});

test('evaluates platform markers as each target would', () => {
  const table: Array<[string, boolean, boolean, boolean]> = [
    // marker, linux, macos, windows
    ['sys_platform == "win32"', false, false, true],
    ['sys_platform == "linux"', true, false, false],
    ['sys_platform == "darwin"', false, true, false],
    ['platform_system != "Windows"', true, true, false],
    ['os_name == "nt"', false, false, true],
    ['platform_machine == "arm64" or platform_machine == "aarch64"', false, true, false],
    ['platform_machine == "AMD64" or platform_machine == "x86_64"', true, false, true],
    ['python_version < "3.10"', false, false, true],
    ['python_full_version >= "3.11.4"', true, true, false],
    ['implementation_name == "cpython" and extra == ""', true, true, true],
  ];
  for (const [marker, onLinux, onMac, onWindows] of table) {
    assert.deepEqual([holds(marker, linux), holds(marker, macos), holds(marker, windows)], [onLinux, onMac, onWindows], marker);
  }
});

test('spells each architecture as the platform reports it', () => {
  const machine = (platform: string, m: string): string =>
    markerEnvironmentFor({ ...linux, platform, machine: m }).platform_machine;
  assert.equal(machine('linux', 'arm64'), 'aarch64');
  assert.equal(machine('linux', 'AMD64'), 'x86_64');
  assert.equal(machine('linux', 'ppc64le'), 'ppc64le');
  assert.equal(machine('macos', 'aarch64'), 'arm64');
  assert.equal(machine('windows', 'arm64'), 'ARM64');
  assert.equal(machine('windows', 'AMD64'), 'AMD64');
});

test('describes PyPy as PyPy', () => {
  const env = markerEnvironmentFor({ python: '3.10', platform: 'linux', machine: 'x86_64', implementation: 'pypy' });
  assert.equal(env.implementation_name, 'pypy');
  assert.equal(env.platform_python_implementation, 'PyPy');
  assert.equal(env.python_version, '3.10');
});

test('defaults to CPython 3.12 on x86_64 Linux', () => {
  assert.deepEqual(parseTarget({}), linux);
});

test('accepts other spellings of platforms, machines and implementations, and spells them canonically', () => {
  assert.deepEqual(parseTarget({ python: '3.13.1', platform: 'darwin', machine: 'aarch64', implementation: 'CPython' }), {
    python: '3.13.1',
    platform: 'macos',
    machine: 'arm64',
    implementation: 'cpython',
  });
  assert.deepEqual(parseTarget({ platform: 'win32', machine: 'x86_64', implementation: 'pypy' }), {
    python: '3.12',
    platform: 'windows',
    machine: 'AMD64',
    implementation: 'pypy',
  });
  assert.equal(parseTarget({ platform: 'Windows', machine: 'amd64' }).machine, 'AMD64');
});

test('rejects a nonsense target with INVALID_TARGET, naming the field and what to pass', () => {
  const bad: Array<[Parameters<typeof parseTarget>[0], string]> = [
    [{ python: '3' }, 'python'],
    [{ python: 'latest' }, 'python'],
    [{ python: '3.12.x' }, 'python'],
    [{ platform: 'beos' }, 'platform'],
    [{ platform: 'macos', machine: 'ppc64le' }, 'machine'],
    [{ machine: 'x86 64' }, 'machine'],
    [{ implementation: 'jython' }, 'implementation'],
  ];
  for (const [opts, field] of bad) {
    assert.throws(
      () => parseTarget(opts),
      (err: unknown) => err instanceof PyvouchError && err.code === 'INVALID_TARGET' && err.path === field && (err.help ?? '').includes('--'),
      JSON.stringify(opts),
    );
  }
});
