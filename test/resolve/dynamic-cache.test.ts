// Issue 20: built sdist metadata is cached on disk by (sdist sha256, target, interpreter), so the
// next process does not run setup.py again; the cache is bound to the sdist's bytes, a corrupt or
// edited entry is rebuilt rather than believed, and --no-cache neither reads nor writes it. Each
// run is the real CLI in its own process; a `bwrap` first on PATH logs every sandbox start, so the
// test sees whether the metadata hook ran.

import assert from 'node:assert/strict';
import { chmodSync, copyFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pyvouch, tempHome } from '../cli/harness.js';
import { branchingSetupPy, indexDirectory, SETUPTOOLS_WHEELS, writeSdist, writeWheel } from './build-deps-fixtures.js';

let index: string;
let otherIndex: string;
let wrapperDir: string;
let log: string;
const homes: string[] = [];

const WINDOWS_SETUP = branchingSetupPy('win-tool', 'sys.platform == "win32"', 'colorama>=0.4', 'tidy-lib>=1.0');

before(async () => {
  index = indexDirectory(SETUPTOOLS_WHEELS);
  await writeSdist(index, 'win-tool', '1.0', { 'setup.py': WINDOWS_SETUP });
  // Same file name, other bytes: the branch is inverted, so a reused answer would show.
  otherIndex = indexDirectory(SETUPTOOLS_WHEELS);
  await writeSdist(otherIndex, 'win-tool', '1.0', { 'setup.py': branchingSetupPy('win-tool', 'sys.platform != "win32"', 'colorama>=0.4', 'tidy-lib>=1.0') });
  for (const dir of [index, otherIndex]) {
    writeWheel(dir, 'colorama', '0.4.6');
    writeWheel(dir, 'tidy-lib', '1.0');
  }
  wrapperDir = mkdtempSync(join(tmpdir(), 'pyvouch-bwrap-log-'));
  log = join(wrapperDir, 'starts.log');
  writeFileSync(log, '');
  const real = ['/usr/bin/bwrap', '/bin/bwrap', '/usr/local/bin/bwrap'].find((p) => existsSync(p)) ?? 'bwrap';
  writeFileSync(join(wrapperDir, 'bwrap'), `#!/bin/sh\necho "$*" >> '${log}'\nexec ${real} "$@"\n`);
  chmodSync(join(wrapperDir, 'bwrap'), 0o755);
});
after(() => {
  for (const d of [index, otherIndex, wrapperDir, ...homes]) rmSync(d, { recursive: true, force: true });
});

/** How many times the metadata hook has been started in a sandbox so far. */
const hookRuns = (): number => readFileSync(log, 'utf8').split('\n').filter((l) => l.includes('metadata_hook.py')).length;

interface Run {
  code: number;
  deps: string[];
  /** The build requirements, as build edges: they join the trust graph on a cached answer too. */
  buildDeps: string[];
  how: string;
  stderr: string;
}

function resolveForWindows(home: string, dir = index, extra: string[] = []): Run {
  const r = pyvouch(['resolve', 'win-tool', '--platform', 'windows', '--python', '3.11', '--index', dir, '--format', 'json', ...extra], {
    home,
    env: { PATH: `${wrapperDir}:${process.env['PATH'] ?? '/usr/bin:/bin'}` },
  });
  if (r.code !== 0) return { code: r.code, deps: [], buildDeps: [], how: '', stderr: r.stderr };
  const graph = JSON.parse(r.stdout) as { nodes: { name: string; metadataBuild?: { how: string } }[]; edges: { from: string; to: string; kind?: string }[] };
  const node = graph.nodes.find((n) => n.name === 'win-tool');
  return {
    code: r.code,
    deps: graph.edges.filter((e) => e.from === 'win-tool' && e.kind === undefined).map((e) => e.to).sort(),
    buildDeps: graph.edges.filter((e) => e.from === 'win-tool' && e.kind !== undefined).map((e) => e.to).sort(),
    how: node?.metadataBuild?.how ?? '',
    stderr: r.stderr,
  };
}

function newHome(): string {
  const home = tempHome('pyvouch-dyn-cache-');
  homes.push(home);
  return home;
}

const cacheDir = (home: string): string => join(home, 'cache', 'built-metadata');
const entries = (home: string): string[] => (existsSync(cacheDir(home)) ? readdirSync(cacheDir(home)).filter((f) => f.endsWith('.json')) : []);

describe('built metadata cached on disk by (sdist sha256, target, interpreter)', () => {
  it('the second process answers from the cache and does not run the hook', () => {
    const home = newHome();
    const start = hookRuns();
    const first = resolveForWindows(home);
    assert.equal(first.code, 0, first.stderr);
    assert.deepEqual(first.deps, ['colorama']);
    assert.equal(hookRuns(), start + 1);
    assert.doesNotMatch(first.how, /\(cached\)/);
    assert.equal(entries(home).length, 1);

    const second = resolveForWindows(home);
    assert.equal(second.code, 0, second.stderr);
    assert.equal(hookRuns(), start + 1, 'the hook ran again in the second process');
    assert.deepEqual(second.deps, ['colorama']);
    assert.match(second.how, /built for the target cpython3\.11-windows-AMD64.*\(cached\)$/);
    assert.deepEqual(second.buildDeps, first.buildDeps);
    assert.deepEqual(first.buildDeps, ['setuptools', 'wheel']);
  });

  it('is bound to the sdist bytes: another sdist of the same name and version is built, not answered from the cache', () => {
    const home = newHome();
    assert.deepEqual(resolveForWindows(home).deps, ['colorama']);
    const start = hookRuns();
    const other = resolveForWindows(home, otherIndex);
    assert.equal(other.code, 0, other.stderr);
    assert.equal(hookRuns(), start + 1);
    assert.deepEqual(other.deps, ['tidy-lib']);
    assert.equal(entries(home).length, 2);
  });

  it('is bound to the target: Linux is built, not given the Windows answer', () => {
    const home = newHome();
    resolveForWindows(home);
    const start = hookRuns();
    const r = pyvouch(['resolve', 'win-tool', '--platform', 'linux', '--python', '3.11', '--index', index, '--format', 'json'], {
      home,
      env: { PATH: `${wrapperDir}:${process.env['PATH'] ?? ''}` },
    });
    assert.equal(r.code, 0, r.stderr);
    assert.equal(hookRuns(), start + 1);
    const graph = JSON.parse(r.stdout) as { edges: { from: string; to: string; kind?: string }[] };
    assert.deepEqual(graph.edges.filter((e) => e.from === 'win-tool' && e.kind === undefined).map((e) => e.to), ['tidy-lib']);
  });

  it('does not take an entry moved under another key: the Linux answer copied over the Windows entry is rebuilt', () => {
    const home = newHome();
    resolveForWindows(home);
    const [windowsFile] = entries(home);
    const r = pyvouch(['resolve', 'win-tool', '--platform', 'linux', '--python', '3.11', '--index', index, '--format', 'json'], {
      home,
      env: { PATH: `${wrapperDir}:${process.env['PATH'] ?? ''}` },
    });
    assert.equal(r.code, 0, r.stderr);
    const linuxFile = entries(home).find((f) => f !== windowsFile)!;
    copyFileSync(join(cacheDir(home), linuxFile), join(cacheDir(home), windowsFile!));
    const start = hookRuns();
    const again = resolveForWindows(home);
    assert.equal(hookRuns(), start + 1);
    assert.deepEqual(again.deps, ['colorama']);
  });

  it('ignores and rebuilds a corrupt entry', () => {
    const home = newHome();
    resolveForWindows(home);
    const [file] = entries(home);
    const path = join(cacheDir(home), file!);
    writeFileSync(path, readFileSync(path, 'utf8').slice(0, 200)); // a truncated write
    const start = hookRuns();
    const again = resolveForWindows(home);
    assert.equal(again.code, 0, again.stderr);
    assert.equal(hookRuns(), start + 1);
    assert.deepEqual(again.deps, ['colorama']);
    assert.doesNotMatch(again.how, /\(cached\)/);
    // Rewritten whole: the next process answers from it again.
    assert.doesNotThrow(() => JSON.parse(readFileSync(path, 'utf8')));
    resolveForWindows(home);
    assert.equal(hookRuns(), start + 1);
  });

  it('does not believe an entry whose answer was edited (the untrusted Windows dependency swapped for the trusted one)', () => {
    const home = newHome();
    resolveForWindows(home);
    const [file] = entries(home);
    const path = join(cacheDir(home), file!);
    const edited = readFileSync(path, 'utf8').replaceAll('colorama>=0.4', 'tidy-lib>=1.0');
    assert.notEqual(edited, readFileSync(path, 'utf8'));
    writeFileSync(path, edited);
    const start = hookRuns();
    const again = resolveForWindows(home);
    assert.equal(hookRuns(), start + 1);
    assert.deepEqual(again.deps, ['colorama']);
  });

  it('ignores a link in place of an entry', () => {
    const home = newHome();
    resolveForWindows(home);
    const [file] = entries(home);
    const path = join(cacheDir(home), file!);
    const elsewhere = join(home, 'elsewhere.json');
    writeFileSync(elsewhere, readFileSync(path));
    rmSync(path);
    // A symlink to a valid copy is still not followed.
    symlinkSync(elsewhere, path);
    const start = hookRuns();
    assert.deepEqual(resolveForWindows(home).deps, ['colorama']);
    assert.equal(hookRuns(), start + 1);
  });

  it('--no-cache neither reads nor writes the cache', () => {
    const home = newHome();
    resolveForWindows(home);
    const before = readFileSync(join(cacheDir(home), entries(home)[0]!), 'utf8');
    const start = hookRuns();
    const r = resolveForWindows(home, otherIndex, ['--no-cache']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(hookRuns(), start + 1);
    assert.deepEqual(r.deps, ['tidy-lib']);
    const again = resolveForWindows(home, index, ['--no-cache']);
    assert.equal(hookRuns(), start + 2);
    assert.doesNotMatch(again.how, /\(cached\)/);
    assert.deepEqual(entries(home).length, 1);
    assert.equal(readFileSync(join(cacheDir(home), entries(home)[0]!), 'utf8'), before);
  });
});
