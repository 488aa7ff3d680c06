// The sandboxed metadata build, run for real: bubblewrap, the host's Python and setuptools.
// Needs Debian's bubblewrap and a Python with setuptools (and `wheel` for setuptools < 70.1).

import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { buildSdistMetadata } from '../../src/artifact/build-metadata.js';
import { findSandbox, sandboxCommand, type SandboxOptions } from '../../src/artifact/sandbox.js';
import { sdistDependencies } from '../../src/artifact/sdist.js';
import { buildTarGz, coreMetadata, type TarEntrySpec } from './archive-builders.js';
import { failure } from '../support/failure.js';

/** The first interpreter that can run setuptools' metadata hook offline. */
function buildPython(): string {
  const check = 'import setuptools, sys\nv = tuple(int(p) for p in setuptools.__version__.split(".")[:2])\nif v < (70, 1): import wheel';
  for (const candidate of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(candidate, ['-I', '-c', check]).status === 0) return candidate;
  }
  throw new Error('no Python with setuptools and wheel: apt-get install python3-setuptools python3-wheel');
}

const python = buildPython();
const run = promisify(execFile);
const sandbox: SandboxOptions = { python };

function sdist(name: string, files: Record<string, string>): Promise<Buffer> {
  const entries: TarEntrySpec[] = [{ name: `${name}-1.0/`, type: 'directory' }];
  entries.push({ name: `${name}-1.0/PKG-INFO`, data: coreMetadata(name, '1.0') });
  for (const [file, data] of Object.entries(files)) entries.push({ name: `${name}-1.0/${file}`, data });
  return buildTarGz(entries);
}

/** An sdist of `name` whose PEP 517 backend is its own `b.py` (backend-path "."), these lines. */
function inTreeBackendSdist(name: string, backend: readonly string[]): Promise<Buffer> {
  return sdist(name, {
    'pyproject.toml': '[build-system]\nrequires = []\nbuild-backend = "b"\nbackend-path = ["."]\n',
    'b.py': backend.join('\n'),
  });
}

/** A setup.py whose install_requires records what `probe` (a Python expression) evaluated to. */
function setupPy(name: string, prelude: string, probe: string): string {
  return [
    'from setuptools import setup',
    prelude,
    `outcome = ${probe}`,
    `setup(name="${name}", version="1.0", install_requires=["outcome-" + outcome])`,
  ].join('\n');
}

describe('sandboxed metadata build', () => {
  it('runs setup.py in the sandbox and returns the Requires-Dist it computed', async () => {
    const bytes = await sdist('dyn', {
      'setup.py': [
        'import sys',
        'from setuptools import setup',
        'requires = ["requests>=2"]',
        '# decided only when the code runs: no static reader could know this',
        'if sum(range(10)) == 45 and sys.version_info >= (3, 0):',
        '    requires.append("computed-dependency==" + str(6 * 7))',
        'print("hello from setup.py")',
        'setup(name="dyn", version="1.0", install_requires=requires, extras_require={"fast": ["ujson"]})',
      ].join('\n'),
    });
    const deps = await sdistDependencies(bytes, 'dyn-1.0.tar.gz', { sandbox });
    assert.equal(deps.origin, 'built');
    assert.deepEqual(deps.requiresDist.map(String).sort(), ['computed-dependency==42', 'requests>=2', 'ujson; extra == "fast"']);
    assert.deepEqual(deps.providesExtra, ['fast']);
    assert.match(deps.how, /older than 2\.2.*running setup\.py \(setuptools' legacy backend\) on the host in a sandbox: bubblewrap/);
  });

  it('builds the setuptools-made fixture to the same dependencies as its wheel', async () => {
    const fixture = new URL('../fixtures/artifact/tinydep-0.1.0.tar.gz', import.meta.url).pathname;
    const built = await buildSdistMetadata(fixture, 'tinydep-0.1.0.tar.gz', { sandbox });
    assert.equal(built.origin, 'built');
    assert.equal(built.backend, 'setuptools.build_meta:__legacy__');
    assert.equal(built.hook, 'prepare_metadata_for_build_wheel');
    assert.deepEqual(
      built.metadata.requiresDist.map(String),
      ['packaging>=21', 'tomli; python_version < "3.11"', 'click>=8; extra == "cli"'],
    );
  });

  it('runs an in-tree backend named by [build-system] backend-path (PEP 517)', async () => {
    const backend = [
      'import os',
      'def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):',
      '    d = os.path.join(metadata_directory, "intree-1.0.dist-info")',
      '    os.makedirs(d)',
      '    with open(os.path.join(d, "METADATA"), "w") as f:',
      '        f.write("Metadata-Version: 2.1\\nName: intree\\nVersion: 1.0\\nRequires-Dist: from-backend>=1\\n\\n")',
      '    return "intree-1.0.dist-info"',
    ].join('\n');
    const bytes = await sdist('intree', {
      'pyproject.toml': '[build-system]\nrequires = []\nbuild-backend = "mybackend"\nbackend-path = ["_build"]\n',
      '_build/mybackend.py': backend,
    });
    const built = await buildSdistMetadata(bytes, 'intree-1.0.tar.gz', { sandbox });
    assert.equal(built.backend, 'mybackend');
    assert.deepEqual(built.metadata.requiresDist.map(String), ['from-backend>=1']);
  });

  describe('containment', () => {
    let server: Server;
    let port = 0;
    let connections = 0;
    let hostDir = '';
    before(async () => {
      hostDir = mkdtempSync(join(tmpdir(), 'pyvouch-host-'));
      server = createServer((socket) => {
        connections += 1;
        socket.end('hello\n');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const address = server.address();
      assert.ok(address !== null && typeof address === 'object');
      port = address.port;
    });
    after(async () => {
      rmSync(hostDir, { recursive: true, force: true });
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('blocks the network: setup.py cannot reach a server on the host loopback', async () => {
      // The server works from outside the sandbox…
      await run(python, ['-c', `import socket; socket.create_connection(("127.0.0.1", ${port}), 2).recv(10)`]);
      assert.equal(connections, 1);
      // …and not from inside.
      const prelude = [
        'import socket',
        'def try_connect():',
        '    try:',
        `        socket.create_connection(("127.0.0.1", ${port}), 3).close()`,
        '        return "connected"',
        '    except OSError as e:',
        '        return "blocked"',
      ].join('\n');
      const bytes = await sdist('net', { 'setup.py': setupPy('net', prelude, 'try_connect()') });
      const built = await buildSdistMetadata(bytes, 'net-1.0.tar.gz', { sandbox });
      assert.deepEqual(built.metadata.requiresDist.map(String), ['outcome-blocked']);
      assert.equal(connections, 1, 'the test server saw a connection from the sandbox');
    });

    it('blocks writes outside its directory: host /tmp, $HOME, the repository', async () => {
      const targets = [
        join(hostDir, 'escaped.txt'), // absent: the sandbox's /tmp is its own, without this directory
        join(new URL('.', import.meta.url).pathname, `escaped-${process.pid}.txt`), // read-only
        '/etc/pyvouch-escaped.txt', // read-only
        join(tmpdir(), `pyvouch-escaped-${process.pid}.txt`), // lands in the private /tmp, which vanishes
        join(homedir(), `pyvouch-escaped-${process.pid}.txt`), // $HOME is an empty private tmpfs too
      ];
      const prelude = [
        'def try_write(path):',
        '    try:',
        '        with open(path, "w") as f:',
        '            f.write("escaped")',
        '        return "written"',
        '    except OSError as e:',
        '        return "refused"',
      ].join('\n');
      const probe = targets.map((t) => `try_write(${JSON.stringify(t)})`).join(' + "-" + ');
      const bytes = await sdist('write', { 'setup.py': setupPy('write', prelude, probe) });
      const built = await buildSdistMetadata(bytes, 'write-1.0.tar.gz', { sandbox });
      assert.deepEqual(built.metadata.requiresDist.map(String), ['outcome-refused-refused-refused-written-written']);
      for (const target of targets) assert.equal(existsSync(target), false, `${target} exists on the host`);
    });

    it('refuses to run anything when bubblewrap is unavailable (SANDBOX_UNAVAILABLE)', async () => {
      const marker = join(hostDir, 'ran-unsandboxed.txt');
      const bytes = await sdist('nobwrap', {
        'setup.py': `open(${JSON.stringify(marker)}, "w").write("ran")\nfrom setuptools import setup\nsetup()`,
      });
      const err = await failure(
        sdistDependencies(bytes, 'nobwrap-1.0.tar.gz', { sandbox: { ...sandbox, bwrap: '/nonexistent/bin/bwrap' } }),
      );
      assert.equal(err.code, 'SANDBOX_UNAVAILABLE');
      assert.match(err.help ?? '', /apt-get install bubblewrap/);
      assert.equal(existsSync(marker), false);
    });

    it('refuses when bubblewrap is installed but cannot create namespaces (self-test)', async () => {
      // What bwrap prints where user namespaces are disabled, e.g. in some containers.
      const fake = join(hostDir, 'bwrap');
      writeFileSync(
        fake,
        '#!/bin/sh\n[ "$1" = --version ] && { echo "bubblewrap 0.8.0"; exit 0; }\n' +
          'echo "bwrap: No permissions to create new namespace" >&2\nexit 1\n',
        { mode: 0o755 },
      );
      const err = await failure(findSandbox({ ...sandbox, bwrap: fake }));
      assert.equal(err.code, 'SANDBOX_UNAVAILABLE');
      assert.match(err.message, /failed its self-test.*No permissions to create new namespace/);
    });
  });

  describe('limits and hostile builds', () => {
    it('kills a build that runs past the wall-clock limit', async () => {
      const bytes = await sdist('slow', { 'setup.py': 'import time\nwhile True:\n    time.sleep(0.1)\n' });
      const started = Date.now();
      const err = await failure(
        buildSdistMetadata(bytes, 'slow-1.0.tar.gz', { sandbox: { ...sandbox, limits: { wallSeconds: 2 } } }),
      );
      assert.equal(err.code, 'BUILD_FAILED');
      assert.match(err.message, /ran past 2 s and was killed/);
      assert.ok(Date.now() - started < 10_000);
    });

    it('kills a build that spins past the CPU limit', async () => {
      const bytes = await sdist('spin', { 'setup.py': 'while True:\n    pass\n' });
      const err = await failure(
        buildSdistMetadata(bytes, 'spin-1.0.tar.gz', { sandbox: { ...sandbox, limits: { cpuSeconds: 1 } } }),
      );
      assert.equal(err.code, 'BUILD_FAILED');
      assert.match(err.message, /killed by SIG(XCPU|KILL)/);
    });

    it('stops a build that allocates past the memory limit', async () => {
      const bytes = await sdist('hog', { 'setup.py': 'hog = bytearray(1024 * 1024 * 1024)\n' });
      const err = await failure(
        buildSdistMetadata(bytes, 'hog-1.0.tar.gz', {
          sandbox: { ...sandbox, limits: { addressSpaceBytes: 512 * 1024 * 1024 } },
        }),
      );
      assert.equal(err.code, 'BUILD_FAILED');
      assert.match(err.message, /MemoryError/);
    });

    it('does not follow a METADATA symlink planted by the build', async () => {
      const bytes = await inTreeBackendSdist('evil', [
        'import os',
        'def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):',
        '    d = os.path.join(metadata_directory, "evil-1.0.dist-info")',
        '    os.makedirs(d)',
        '    os.symlink("/etc/passwd", os.path.join(d, "METADATA"))',
        '    return "evil-1.0.dist-info"',
      ]);
      const err = await failure(buildSdistMetadata(bytes, 'evil-1.0.tar.gz', { sandbox }));
      assert.equal(err.code, 'SANDBOX_FAILED');
      assert.doesNotMatch(err.message, /root:/);
    });

    it('does not read host files through a metadata directory swapped for a symlink', async () => {
      const host = mkdtempSync(join(tmpdir(), 'pyvouch-host-'));
      try {
        mkdirSync(join(host, 'evil-1.0.dist-info'));
        writeFileSync(join(host, 'evil-1.0.dist-info/METADATA'), coreMetadata('evil', '1.0', ['host-secret']));
        const bytes = await inTreeBackendSdist('evil', [
          'import os, shutil',
          'def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):',
          '    shutil.rmtree(metadata_directory)',
          `    os.symlink(${JSON.stringify(host)}, metadata_directory)`,
          '    return "evil-1.0.dist-info"',
        ]);
        const err = await failure(buildSdistMetadata(bytes, 'evil-1.0.tar.gz', { sandbox }));
        assert.equal(err.code, 'SANDBOX_FAILED');
        assert.doesNotMatch(err.message, /host-secret/);
      } finally {
        rmSync(host, { recursive: true, force: true });
      }
    });

    it('says which backend is missing, since the sandbox cannot download build requirements', async () => {
      const bytes = await sdist('missing', {
        'pyproject.toml': '[build-system]\nrequires = ["nonexistent-backend>=1"]\nbuild-backend = "nonexistent_backend_xyz"\n',
      });
      const err = await failure(buildSdistMetadata(bytes, 'missing-1.0.tar.gz', { sandbox }));
      assert.equal(err.code, 'BUILD_FAILED');
      assert.match(err.message, /cannot import build backend 'nonexistent_backend_xyz'/);
      assert.match(err.help ?? '', /install the build requirements \(nonexistent-backend>=1\)/);
    });
  });

  it('builds the bubblewrap command line with every restriction', async () => {
    const found = await findSandbox(sandbox);
    const command = sandboxCommand(found, { args: ['hook.py'], workdir: '/tmp/w', cwd: '/tmp/w/src' });
    const line = command.join(' ');
    for (const part of [
      '--unshare-all',
      '--die-with-parent',
      '--new-session',
      '--cap-drop ALL',
      '--ro-bind / /',
      '--tmpfs /run',
      '--tmpfs /tmp',
      '--bind /tmp/w /tmp/w',
      '--chdir /tmp/w/src',
      '--clearenv',
      '--cpu=60:61',
      `--as=${2048 * 1024 * 1024}`,
    ]) {
      assert.ok(line.includes(part), `missing ${part} in ${line}`);
    }
    assert.ok(line.indexOf('--tmpfs /tmp') < line.indexOf('--bind /tmp/w /tmp/w'), 'the workdir must be mounted over the private /tmp');
  });
});
