// The resolver against a real package index served on 127.0.0.1 (PEP 503 HTML pages, PEP 658
// metadata files, PEP 592 yanked files): wheels, an sdist with static dependencies, one whose
// dependencies only its setup.py knows (built in the sandbox), markers that differ between Linux
// and Windows, and an unsatisfiable request. Nothing is installed.

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { PyvouchError } from '../../src/errors.js';
import type { TargetDescription } from '../../src/graph/graph.js';
import { openIndex } from '../../src/simple/open.js';
import type { PackageIndex } from '../../src/simple/types.js';
import { IndexProvider } from '../../src/resolve/index-provider.js';
import { resolveMatrix } from '../../src/resolve/matrix.js';
import { resolve } from '../../src/resolve/resolve.js';
import { buildTarGz, buildZip, coreMetadata } from '../artifact/archive-builders.js';
import { reqs, target, versions } from './helpers.js';

interface ServedFile {
  project: string;
  filename: string;
  bytes: Buffer;
  requiresPython?: string;
  yanked?: string;
  /** Serve a PEP 658 `.metadata` file beside it. */
  metadata?: string;
}

function wheel(name: string, version: string, requires: string[], opts: { tag?: string; extra?: string[] } = {}): { filename: string; bytes: Buffer; metadata: string } {
  const stem = `${name.replace(/-/g, '_')}-${version}`;
  const metadata = coreMetadata(name, version, requires, opts.extra ?? []);
  const bytes = buildZip([
    { name: `${name.replace(/-/g, '_')}/__init__.py`, data: '' },
    { name: `${stem}.dist-info/METADATA`, data: metadata },
    { name: `${stem}.dist-info/WHEEL`, data: 'Wheel-Version: 1.0\nGenerator: test\nRoot-Is-Purelib: true\nTag: py3-none-any\n' },
    { name: `${stem}.dist-info/RECORD`, data: '' },
  ]);
  return { filename: `${stem}-${opts.tag ?? 'py3-none-any'}.whl`, bytes, metadata };
}

async function sdist(name: string, version: string, files: Record<string, string>): Promise<{ filename: string; bytes: Buffer }> {
  const root = `${name.replace(/-/g, '_')}-${version}`;
  const entries = [{ name: `${root}/`, type: 'directory' as const }, ...Object.entries(files).map(([file, data]) => ({ name: `${root}/${file}`, data }))];
  return { filename: `${root}.tar.gz`, bytes: await buildTarGz(entries) };
}

function sha256(bytes: Buffer | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Serves `files` as a PEP 503 simple index; returns its root URL. */
async function serve(files: ServedFile[]): Promise<{ server: Server; url: string; requests: string[] }> {
  const requests: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    requests.push(path);
    const page = /^\/simple\/([^/]+)\/$/.exec(path);
    if (page !== null) {
      const links = files
        .filter((f) => f.project === page[1])
        .map((f) => {
          const attrs = [`href="../../files/${f.filename}#sha256=${sha256(f.bytes)}"`];
          if (f.requiresPython !== undefined) attrs.push(`data-requires-python="${escapeHtml(f.requiresPython)}"`);
          if (f.yanked !== undefined) attrs.push(`data-yanked="${escapeHtml(f.yanked)}"`);
          if (f.metadata !== undefined) attrs.push(`data-core-metadata="sha256=${sha256(f.metadata)}"`);
          return `<a ${attrs.join(' ')}>${f.filename}</a>`;
        });
      if (links.length === 0) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'text/html' }).end(`<!DOCTYPE html><html><body>${links.join('\n')}</body></html>`);
      return;
    }
    const file = /^\/files\/(.+?)(\.metadata)?$/.exec(path);
    const found = file === null ? undefined : files.find((f) => f.filename === file[1]);
    if (found === undefined || (file![2] !== undefined && found.metadata === undefined)) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(file![2] !== undefined ? found.metadata : found.bytes);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return { server, url: `http://127.0.0.1:${port}/simple/`, requests };
}

/** A Python with setuptools for the sandboxed build (as test/artifact/sandbox.test.ts needs). */
function buildPython(): string | undefined {
  const check = 'import setuptools\nv = tuple(int(p) for p in setuptools.__version__.split(".")[:2])\nif v < (70, 1): import wheel';
  for (const candidate of ['/usr/bin/python3', 'python3']) if (spawnSync(candidate, ['-I', '-c', check]).status === 0) return candidate;
  return undefined;
}

describe('resolving from an index on 127.0.0.1', () => {
  let served: Awaited<ReturnType<typeof serve>>;
  let index: PackageIndex;
  const files: ServedFile[] = [];
  const python = buildPython();

  before(async () => {
    const app = wheel('app', '1.0', [
      'static-sd>=1',
      'dyn-sd',
      'linux-helper; sys_platform == "linux"',
      'win-helper; sys_platform == "win32"',
      'toolkit[fast]<3',
    ]);
    files.push({ project: 'app', ...app, metadata: app.metadata });
    const app2 = wheel('app', '2.0', ['static-sd>=5']);
    files.push({ project: 'app', ...app2, requiresPython: '>=3.99' });
    files.push({ project: 'static-sd', ...(await sdist('static-sd', '1.2', {
      'PKG-INFO': coreMetadata('static-sd', '1.2', ['six>=1.16'], [], '2.2'),
      'setup.py': 'raise SystemExit("static metadata: this must not run")',
    })) });
    files.push({ project: 'dyn-sd', ...(await sdist('dyn-sd', '0.5', {
      'PKG-INFO': coreMetadata('dyn-sd', '0.5', [], [], '2.1'),
      'setup.py': [
        'from setuptools import setup',
        'deps = ["six"]',
        'deps.append("computed==" + str(6 * 7))',
        'setup(name="dyn-sd", version="0.5", install_requires=deps)',
      ].join('\n'),
    })) });
    files.push({ project: 'six', ...wheel('six', '1.16.0', []) });
    files.push({ project: 'six', ...wheel('six', '1.17.0', []), yanked: 'broken release' });
    files.push({ project: 'computed', ...wheel('computed', '42', []) });
    files.push({ project: 'linux-helper', ...wheel('linux-helper', '1.0', [], { tag: 'py3-none-manylinux_2_17_x86_64' }) });
    files.push({ project: 'win-helper', ...wheel('win-helper', '1.0', [], { tag: 'py3-none-win_amd64' }) });
    files.push({ project: 'toolkit', ...wheel('toolkit', '2.5', ['speedups; extra == "fast"'], { extra: ['Provides-Extra: fast'] }) });
    files.push({ project: 'toolkit', ...wheel('toolkit', '3.0', []) });
    files.push({ project: 'speedups', ...wheel('speedups', '1.0', []) });
    served = await serve(files);
    index = openIndex(served.url);
  });

  after(() => {
    served.server.close();
  });

  const provider = (t: TargetDescription, build = true): IndexProvider =>
    new IndexProvider(index, { target: t, build, ...(python === undefined ? {} : { sdist: { sandbox: { python } } }), // This index has no setuptools wheel: the build uses that Python's own (build-deps.test.ts covers the other way).
      buildEnvironments: false });

  test('resolves wheels, a static sdist and a sandbox-built sdist, and says which is which', { skip: python === undefined ? 'no Python with setuptools for the sandbox' : false }, async () => {
    const t = target({ python: '3.12', platform: 'linux' });
    const graph = await resolve(reqs('app'), provider(t), { target: t });
    assert.deepEqual(versions(graph), {
      app: '1.0',
      computed: '42',
      'dyn-sd': '0.5',
      'linux-helper': '1.0',
      six: '1.16.0',
      speedups: '1.0',
      'static-sd': '1.2',
      toolkit: '2.5',
    });
    const node = (name: string) => graph.nodes.find((n) => n.name === name)!;
    assert.equal(node('app').metadata, 'static');
    assert.equal(node('static-sd').metadata, 'static');
    assert.equal(node('dyn-sd').metadata, 'built');
    assert.match(node('dyn-sd').notes?.[0] ?? '', /metadata obtained by running its build backend: .*sandbox/);
    assert.deepEqual(node('toolkit').extras, ['fast']);
    const appFile = files.find((f) => f.filename === 'app-1.0-py3-none-any.whl')!;
    assert.deepEqual(node('app').artifacts, [
      {
        filename: 'app-1.0-py3-none-any.whl',
        url: `${served.url.replace('/simple/', '/files/')}app-1.0-py3-none-any.whl`,
        kind: 'wheel',
        index: served.url,
        sha256: sha256(appFile.bytes),
      },
    ]);
    assert.equal(node('static-sd').artifacts[0]!.kind, 'sdist');
    // The PEP 658 file was used for app 1.0, so its wheel was never downloaded.
    assert.ok(served.requests.includes('/files/app-1.0-py3-none-any.whl.metadata'));
    assert.ok(!served.requests.includes('/files/app-1.0-py3-none-any.whl'));
  });

  test('markers pick other dependencies on Windows; --matrix reports the difference', { skip: python === undefined ? 'no Python with setuptools for the sandbox' : false }, async () => {
    const linux = target({ python: '3.12', platform: 'linux' });
    const windows = target({ python: '3.12', platform: 'windows' });
    const report = await resolveMatrix(reqs('app'), (t) => provider(t), [linux, windows]);
    assert.deepEqual(report.entries.map((e) => e.error?.code), [undefined, undefined]);
    assert.deepEqual(report.nodes, [
      { name: 'linux-helper', versions: { 'cpython3.12-linux-x86_64': '1.0', 'cpython3.12-windows-AMD64': null } },
      { name: 'win-helper', versions: { 'cpython3.12-linux-x86_64': null, 'cpython3.12-windows-AMD64': '1.0' } },
    ]);
    assert.deepEqual(
      report.edges.map((e) => `${e.from}->${e.to}: ${e.present.join(',')}`),
      ['app->linux-helper: cpython3.12-linux-x86_64', 'app->win-helper: cpython3.12-windows-AMD64'],
    );
    assert.equal(report.common.nodes, 7);
  });

  test('without the sandbox build, the dynamic sdist is unusable and the explanation says why', async () => {
    const t = target({ python: '3.12', platform: 'linux' });
    await assert.rejects(resolve(reqs('dyn-sd'), provider(t, false), { target: t }), (err: unknown) => {
      assert.ok(err instanceof PyvouchError && err.code === 'RESOLUTION_IMPOSSIBLE');
      assert.match(err.message, /dyn-sd==0\.5 cannot be used: .*dependencies are dynamic .*running build code is disabled/);
      return true;
    });
  });

  test('explains an unsatisfiable request from what the index serves', async () => {
    const t = target({ python: '3.12', platform: 'linux' });
    await assert.rejects(resolve(reqs('app>=2'), provider(t), { target: t }), (err: unknown) => {
      assert.ok(err instanceof PyvouchError && err.code === 'RESOLUTION_IMPOSSIBLE');
      assert.match(err.message, /Because app>=2\.0 requires Python>=3\.99 \(the target is Python 3\.12\.0\) and you require app>=2, your requirements are unsatisfiable\./);
      return true;
    });
  });

  test('skips a yanked file unless pinned, and reports an unknown project', async () => {
    const t = target();
    assert.equal(versions(await resolve(reqs('six'), provider(t), { target: t }))['six'], '1.16.0');
    assert.equal(versions(await resolve(reqs('six==1.17.0'), provider(t), { target: t }))['six'], '1.17.0');
    await assert.rejects(resolve(reqs('no-such-project'), provider(t), { target: t }), /no-such-project was not found in the package index/);
  });

  test('asks the first index that knows a project, never a later one for it', async () => {
    const t = target();
    const empty = await serve([{ project: 'six', ...wheel('six', '1.0.0', []) }]);
    try {
      const both = new IndexProvider([openIndex(empty.url), index], { target: t });
      const graph = await resolve(reqs('six', 'computed'), both, { target: t });
      assert.deepEqual(versions(graph), { computed: '42', six: '1.0.0' });
    } finally {
      empty.server.close();
    }
  });
});
