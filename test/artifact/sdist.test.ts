import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PyvouchError } from '../../src/errors.js';
import { readSdistMetadata, sdistDependencies, staticDependencies } from '../../src/artifact/sdist.js';
import { buildTarGz, buildZip, coreMetadata, type TarEntrySpec } from './archive-builders.js';

const fixture = new URL('../fixtures/artifact/tinydep-0.1.0.tar.gz', import.meta.url).pathname;
/** A bubblewrap that does not exist: any attempt to build would fail with SANDBOX_UNAVAILABLE. */
const noSandbox = { sandbox: { bwrap: '/nonexistent/bwrap' } };

function sdist(files: Record<string, string>, root = 'demo-1.0'): Promise<Buffer> {
  const entries: TarEntrySpec[] = [{ name: `${root}/`, type: 'directory' }];
  for (const [name, data] of Object.entries(files)) entries.push({ name: `${root}/${name}`, data });
  return buildTarGz(entries);
}

const pyproject = (project: string, buildSystem = ''): string =>
  `${buildSystem}\n[project]\nname = "demo"\nversion = "1.0"\n${project}\n`;

describe('readSdistMetadata', () => {
  it('reads PKG-INFO from an sdist made by setuptools', async () => {
    const meta = await readSdistMetadata(fixture, 'tinydep-0.1.0.tar.gz');
    assert.equal(meta.format, 'tar.gz');
    assert.equal(meta.root, 'tinydep-0.1.0');
    assert.equal(meta.pkgInfo?.name, 'tinydep');
    assert.equal(meta.pkgInfo?.metadataVersion, '2.1');
    assert.equal(meta.pyproject, undefined);
  });

  it('reads PKG-INFO and pyproject.toml from a legacy zip sdist', async () => {
    const bytes = buildZip([
      { name: 'demo-1.0/PKG-INFO', data: coreMetadata('demo', '1.0') },
      { name: 'demo-1.0/pyproject.toml', data: pyproject('dependencies = ["attrs"]') },
    ]);
    const meta = await readSdistMetadata(bytes, 'demo-1.0.zip');
    assert.equal(meta.format, 'zip');
    assert.deepEqual(meta.pyproject?.project?.dependencies, ['attrs']);
  });

  it('refuses sdists without a single top-level directory or whose PKG-INFO names another project', async () => {
    const codeOf = async (p: Promise<unknown>): Promise<string> =>
      p.then(
        () => 'accepted',
        (err: unknown) => (err instanceof PyvouchError ? err.code : String(err)),
      );
    assert.equal(
      await codeOf(readSdistMetadata(await buildTarGz([{ name: 'a-1.0/PKG-INFO', data: '' }, { name: 'b-1.0/PKG-INFO', data: '' }]), 'a-1.0.tar.gz')),
      'ARCHIVE_INVALID',
    );
    assert.equal(await codeOf(readSdistMetadata(await buildTarGz([{ name: 'setup.py', data: '' }]), 'a-1.0.tar.gz')), 'ARCHIVE_INVALID');
    assert.equal(
      await codeOf(readSdistMetadata(await sdist({ 'PKG-INFO': coreMetadata('other', '1.0') }), 'demo-1.0.tar.gz')),
      'ARCHIVE_INVALID',
    );
  });

  it('reports invalid pyproject.toml with the file and line', async () => {
    await assert.rejects(readSdistMetadata(await sdist({ 'pyproject.toml': '[project]\nname = \n' }), 'demo-1.0.tar.gz'), (err) => {
      assert.ok(err instanceof PyvouchError);
      assert.equal(err.code, 'METADATA_PARSE');
      assert.equal(err.file, 'demo-1.0.tar.gz!demo-1.0/pyproject.toml');
      assert.equal(err.line, 2);
      return true;
    });
    await assert.rejects(
      readSdistMetadata(await sdist({ 'pyproject.toml': pyproject('dependencies = "attrs"') }), 'demo-1.0.tar.gz'),
      (err) => err instanceof PyvouchError && err.code === 'METADATA_PARSE' && err.path === 'project.dependencies',
    );
  });
});

describe('sdistDependencies without running code', () => {
  it('uses PKG-INFO 2.2 when Requires-Dist is not Dynamic (PEP 643)', async () => {
    const bytes = await sdist({
      'PKG-INFO': coreMetadata('demo', '1.0', ['attrs>=22', 'rich; extra == "cli"'], ['Requires-Python: >=3.9', 'Provides-Extra: cli', 'Dynamic: Summary'], '2.2'),
      'setup.py': 'raise SystemExit("must not run")',
    });
    const deps = await sdistDependencies(bytes, 'demo-1.0.tar.gz', noSandbox);
    assert.equal(deps.origin, 'static');
    assert.deepEqual(deps.requiresDist.map(String), ['attrs>=22', 'rich; extra == "cli"']);
    assert.deepEqual(deps.providesExtra, ['cli']);
    assert.equal(deps.requiresPython, '>=3.9');
    assert.match(deps.how, /PKG-INFO Metadata-Version 2\.2.*PEP 643/);
  });

  it('uses pyproject [project] when dependencies are not dynamic (PEP 621), extras as markers', async () => {
    const bytes = await sdist({
      'PKG-INFO': coreMetadata('demo', '1.0', [], ['Dynamic: Requires-Dist'], '2.2'),
      'pyproject.toml': pyproject(
        [
          'requires-python = ">= 3.8"',
          'dependencies = ["requests >= 2.31", "tomli; python_version < \'3.11\'"]',
          'dynamic = ["readme"]',
          '[project.optional-dependencies]',
          'Socks_Proxy = ["PySocks>=1.7; sys_platform != \'win32\'"]',
          'test = ["pytest"]',
        ].join('\n'),
      ),
    });
    const deps = await sdistDependencies(bytes, 'demo-1.0.tar.gz', { ...noSandbox, extras: ['test'] });
    assert.equal(deps.origin, 'static');
    assert.deepEqual(deps.requiresDist.map(String), [
      'requests>=2.31',
      'tomli; python_version < "3.11"',
      'PySocks>=1.7; sys_platform != "win32" and extra == "socks-proxy"',
      'pytest; extra == "test"',
    ]);
    assert.deepEqual(deps.providesExtra, ['socks-proxy', 'test']);
    assert.equal(deps.requiresPython, '>=3.8');
    assert.match(deps.how, /pyproject\.toml \[project\].*PEP 621/);
  });

  it('refuses to run code when building is disabled and the dependencies are dynamic', async () => {
    await assert.rejects(sdistDependencies(fixture, 'tinydep-0.1.0.tar.gz', { build: false }), (err) => {
      assert.ok(err instanceof PyvouchError);
      assert.equal(err.code, 'SANDBOX_UNAVAILABLE');
      assert.match(err.message, /dependencies are dynamic \(PKG-INFO is Metadata-Version 2\.1, older than 2\.2/);
      return true;
    });
  });
});

describe('staticDependencies decides static or dynamic', () => {
  const cases: { what: string; files: Record<string, string>; extras?: string[]; expect: 'static' | 'dynamic' }[] = [
    { what: 'no PKG-INFO, no pyproject', files: { 'setup.py': '' }, expect: 'dynamic' },
    { what: 'PKG-INFO 2.1', files: { 'PKG-INFO': coreMetadata('demo', '1.0', ['a']) }, expect: 'dynamic' },
    { what: 'PKG-INFO 2.2, nothing dynamic', files: { 'PKG-INFO': coreMetadata('demo', '1.0', ['a'], [], '2.2') }, expect: 'static' },
    { what: 'PKG-INFO 2.4, nothing dynamic', files: { 'PKG-INFO': coreMetadata('demo', '1.0', [], [], '2.4') }, expect: 'static' },
    {
      what: 'PKG-INFO 2.2, Requires-Dist dynamic',
      files: { 'PKG-INFO': coreMetadata('demo', '1.0', [], ['Dynamic: Requires-Dist'], '2.2') },
      expect: 'dynamic',
    },
    {
      what: 'PKG-INFO 2.2, Requires-Python dynamic',
      files: { 'PKG-INFO': coreMetadata('demo', '1.0', [], ['Dynamic: Requires-Python'], '2.2') },
      expect: 'dynamic',
    },
    {
      what: 'PKG-INFO 2.2, Provides-Extra dynamic, no extras needed',
      files: { 'PKG-INFO': coreMetadata('demo', '1.0', [], ['Dynamic: Provides-Extra'], '2.2') },
      expect: 'static',
    },
    {
      what: 'PKG-INFO 2.2, Provides-Extra dynamic, extras needed',
      files: { 'PKG-INFO': coreMetadata('demo', '1.0', [], ['Dynamic: Provides-Extra'], '2.2') },
      extras: ['cli'],
      expect: 'dynamic',
    },
    { what: '[project] without dependencies (none, statically)', files: { 'pyproject.toml': pyproject('') }, expect: 'static' },
    {
      what: '[project] with dependencies dynamic',
      files: { 'pyproject.toml': pyproject('dynamic = ["dependencies"]') },
      expect: 'dynamic',
    },
    {
      what: '[project] with optional-dependencies dynamic, no extras needed',
      files: { 'pyproject.toml': pyproject('dependencies = []\ndynamic = ["optional-dependencies"]') },
      expect: 'static',
    },
    {
      what: '[project] with optional-dependencies dynamic, extras needed',
      files: { 'pyproject.toml': pyproject('dependencies = []\ndynamic = ["optional-dependencies"]') },
      extras: ['x'],
      expect: 'dynamic',
    },
    {
      what: 'only [build-system] in pyproject',
      files: { 'pyproject.toml': '[build-system]\nrequires = ["setuptools"]\nbuild-backend = "setuptools.build_meta"\n' },
      expect: 'dynamic',
    },
  ];
  for (const c of cases) {
    it(`${c.what}: ${c.expect}`, async () => {
      const meta = await readSdistMetadata(await sdist(c.files), 'demo-1.0.tar.gz');
      assert.equal(staticDependencies(meta, c.extras ?? []).origin, c.expect);
    });
  }
});
