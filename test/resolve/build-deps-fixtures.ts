// Fixtures for tests that build sdists for real: a flat directory index holding real wheels of
// build tools (setuptools, wheel, hatchling and its dependencies) found on the machine, plus the
// sdists and runtime wheels a test writes; and a Python that lacks `wheel` and `hatchling`.
//
// Where the wheels come from, first found wins: $PYVOUCH_TEST_WHEELS, test/fixtures/wheels
// (hatchling and its dependencies, committed with their licences: Debian packages hatchling but not
// as a wheel), /usr/share/python-wheels (Debian's python3-setuptools-whl and python3-wheel-whl).

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTarGz, buildZip, type TarEntrySpec } from '../artifact/archive-builders.js';

const BUNDLED = fileURLToPath(new URL('../fixtures/wheels', import.meta.url));
const WHEEL_DIRS = [process.env['PYVOUCH_TEST_WHEELS'], BUNDLED, '/usr/share/python-wheels'].filter(
  (d): d is string => d !== undefined && d !== '' && existsSync(d),
);

/** The newest `project-*-py3-none-any.whl` (or py2.py3) in the first directory that has one. */
export function findWheel(project: string): string {
  const prefix = `${project.replace(/-/g, '_')}-`;
  for (const dir of WHEEL_DIRS) {
    const found = readdirSync(dir)
      .filter((f) => f.toLowerCase().startsWith(prefix.toLowerCase()) && /-(py3|py2\.py3)-none-any\.whl$/.test(f))
      .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
    const newest = found.at(-1);
    if (newest !== undefined) return join(dir, newest);
  }
  throw new Error(
    `no wheel of ${project} on this machine (looked in ${WHEEL_DIRS.join(', ') || 'no directory'}): ` +
      'apt-get install python3-setuptools-whl python3-wheel-whl, or set PYVOUCH_TEST_WHEELS to a directory of wheels',
  );
}

export const SETUPTOOLS_WHEELS = ['setuptools', 'wheel'];
export const HATCHLING_WHEELS = ['hatchling', 'packaging', 'pathspec', 'pluggy', 'trove-classifiers', 'tomlkit', 'editables'];

/** A fresh flat index directory with the named build tools' wheels copied in. */
export function indexDirectory(projects: readonly string[]): string {
  const dir = mkdtempSync(join(tmpdir(), 'pyvouch-build-index-'));
  for (const project of projects) {
    let wheel: string;
    try {
      wheel = findWheel(project);
    } catch (err) {
      // editables is only needed by hatchling releases that require it.
      if (project === 'editables') continue;
      throw err;
    }
    copyFileSync(wheel, join(dir, wheel.split('/').at(-1)!));
  }
  return dir;
}

/** Writes an sdist `name-version.tar.gz` (no PKG-INFO: its metadata is dynamic) into `dir`. */
export async function writeSdist(dir: string, name: string, version: string, files: Record<string, string>): Promise<string> {
  const root = `${name}-${version}`;
  const entries: TarEntrySpec[] = [{ name: `${root}/`, type: 'directory' }];
  for (const [file, data] of Object.entries(files)) entries.push({ name: `${root}/${file}`, data });
  const filename = `${root}.tar.gz`;
  writeFileSync(join(dir, filename), await buildTarGz(entries));
  return filename;
}

/** Writes a pure-Python wheel with no dependencies into `dir`. */
export function writeWheel(dir: string, name: string, version: string, requires: readonly string[] = []): string {
  const dist = `${name.replace(/-/g, '_')}-${version}`;
  const metadata = [`Metadata-Version: 2.1`, `Name: ${name}`, `Version: ${version}`, ...requires.map((r) => `Requires-Dist: ${r}`), ''].join('\n');
  const filename = `${dist}-py3-none-any.whl`;
  writeFileSync(
    join(dir, filename),
    buildZip([
      { name: `${dist}.dist-info/METADATA`, data: metadata },
      { name: `${dist}.dist-info/WHEEL`, data: 'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n' },
      { name: `${dist}.dist-info/RECORD`, data: '' },
    ]),
  );
  return filename;
}

/**
 * A setup.py-only sdist: setup.py picks its dependency by evaluating `condition` (Python) at build
 * time, as the founding example of issue 20 does with sys.platform.
 */
export function branchingSetupPy(name: string, condition: string, whenTrue: string, whenFalse: string, prelude = 'import sys, os, platform'): string {
  return [
    prelude,
    'from setuptools import setup',
    `deps = [${JSON.stringify(whenTrue)}] if (${condition}) else [${JSON.stringify(whenFalse)}]`,
    `setup(name=${JSON.stringify(name)}, version="1.0", install_requires=deps, py_modules=[])`,
  ].join('\n');
}

/** A hatchling sdist whose dependencies a custom metadata hook (hatch_build.py) computes. */
export function hatchlingFiles(name: string, condition: string, whenTrue: string, whenFalse: string): Record<string, string> {
  return {
    'pyproject.toml': [
      '[build-system]',
      'requires = ["hatchling"]',
      'build-backend = "hatchling.build"',
      '',
      '[project]',
      `name = "${name}"`,
      'version = "1.0"',
      'dynamic = ["dependencies"]',
      '',
      '[tool.hatch.metadata.hooks.custom]',
      '',
      '[tool.hatch.build.targets.wheel]',
      `packages = ["${name.replace(/-/g, '_')}"]`,
    ].join('\n'),
    'hatch_build.py': [
      'import sys, os, platform',
      'from hatchling.metadata.plugin.interface import MetadataHookInterface',
      'class CustomMetadataHook(MetadataHookInterface):',
      '    def update(self, metadata):',
      `        metadata["dependencies"] = [${JSON.stringify(whenTrue)}] if (${condition}) else [${JSON.stringify(whenFalse)}]`,
    ].join('\n'),
    [`${name.replace(/-/g, '_')}/__init__.py`]: '',
  };
}

/** True when `python -I` can import `module` (the host Python must lack wheel and hatchling). */
export function canImport(python: string, module: string): boolean {
  return spawnSync(python, ['-I', '-c', `import ${module}`]).status === 0;
}
