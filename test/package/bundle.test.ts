// The bundled executables (scripts/bundle.mjs): built into a staging directory of their own, then
// run as a user runs dist/cli.js, for every command that reads a file shipped beside the code
// (`import.meta.url` + a relative path): the version (package.json), scan (the typosquat data),
// provenance (the Sigstore trusted root), the sandboxed metadata build (metadata_hook.py), check's
// HTML report, serve's UI and its graph worker (graph-worker.js), feed (the registry).
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { repoRoot } from '../support/package.js';

const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

describe('the bundled CLI', { timeout: 300_000 }, () => {
  let stage = '';
  let cli = '';
  before(() => {
    stage = mkdtempSync(join(tmpdir(), 'pyvouch-bundle-'));
    copyFileSync(join(repoRoot, 'package.json'), join(stage, 'package.json'));
    // The packages left external (native addons, optional drivers) load from node_modules.
    symlinkSync(join(repoRoot, 'node_modules'), join(stage, 'node_modules'), 'dir');
    mkdirSync(join(stage, 'dist'));
    for (const script of ['bundle.mjs', 'copy-assets.mjs']) {
      const r = spawnSync(process.execPath, [join(repoRoot, 'scripts', script), join(stage, 'dist')], { encoding: 'utf8' });
      assert.equal(r.status, 0, `${script}: ${r.stderr}`);
    }
    cli = join(stage, 'dist', 'cli.js');
  });
  after(() => rmSync(stage, { recursive: true, force: true }));

  const run = (args: string[], cwd = repoRoot) =>
    spawnSync(process.execPath, [cli, ...args], { cwd, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1', PYVOUCH_HOME: join(stage, 'home') } });

  test('is a few files: the entries and shared chunks, no tsc module tree', () => {
    const files = readdirSync(join(stage, 'dist'));
    for (const f of ['cli.js', 'pre-commit.js', 'graph-worker.js']) assert.ok(files.includes(f), f);
    assert.ok(!files.includes('cli'), 'no dist/cli/ directory: the commands are chunks');
    assert.match(readFileSync(cli, 'utf8'), /^#!\/usr\/bin\/env node/);
  });

  test('--version reads the package version', () => {
    const r = run(['--version']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.stdout.trim(), version);
  });

  test('scan reads the typosquat data', () => {
    const names = join(stage, 'names.txt');
    writeFileSync(names, 'reqeusts\n');
    const r = run(['scan', '--names', names]);
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /reqeusts .*resembles 'requests'/);
  });

  test('provenance verifies against the shipped Sigstore trusted root', () => {
    const r = run(['provenance', join(repoRoot, 'test', 'corpora', 'pep740', 'pypi_attestations-0.0.19.tar.gz')]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /^verified: pypi_attestations-0\.0\.19\.tar\.gz/);
  });

  test('check writes its HTML report', () => {
    const ex = join(repoRoot, 'examples');
    const out = join(stage, 'report.html');
    const r = run(['check', join(ex, 'uv', 'uv.lock'), '--policy', join(ex, 'check', 'pyvouch.toml'), '--statements', join(ex, 'check', 'statements'), '--index-mirror', join(ex, 'check', 'index'), '--no-db', '--format', 'html', '-o', out]);
    assert.equal(r.status, 1, r.stderr);
    const html = readFileSync(out, 'utf8');
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /urllib3/);
  });

  test('resolve builds an sdist in the sandbox with the shipped metadata hook', () => {
    const index = join(stage, 'index');
    mkdirSync(index);
    copyFileSync(join(repoRoot, 'test', 'fixtures', 'artifact', 'tinydep-0.1.0.tar.gz'), join(index, 'tinydep-0.1.0.tar.gz'));
    copyFileSync(join(repoRoot, 'test', 'fixtures', 'wheels', 'packaging-26.3-py3-none-any.whl'), join(index, 'packaging-26.3-py3-none-any.whl'));
    // Its build requirements (setuptools, wheel), from Debian's python3-setuptools-whl and python3-wheel-whl.
    for (const f of readdirSync('/usr/share/python-wheels')) if (/^(setuptools|wheel)-/.test(f)) copyFileSync(join('/usr/share/python-wheels', f), join(index, f));
    const r = run(['resolve', 'tinydep', '--index', index, '--format', 'json']);
    assert.equal(r.status, 0, r.stderr);
    const graph = JSON.parse(r.stdout) as { nodes: { name: string; version: string }[] };
    assert.deepEqual(graph.nodes.map((n) => `${n.name}==${n.version}`).filter((n) => !/^(setuptools|wheel)==/.test(n)).sort(), ['packaging==26.3', 'tinydep==0.1.0']);
  });

  test('the pre-commit entry runs the bundled cli.js beside it', () => {
    const ex = join(repoRoot, 'examples');
    const r = spawnSync(process.execPath, [join(stage, 'dist', 'pre-commit.js'), '--policy', join(ex, 'check', 'pyvouch.toml'), '--statements', join(ex, 'check', 'statements'), '--index-mirror', join(ex, 'check', 'index'), '--no-db', join(ex, 'uv', 'uv.lock')], {
      cwd: repoRoot,
      encoding: 'utf8',
      env: { ...process.env, NO_COLOR: '1', PYVOUCH_HOME: join(stage, 'home') },
    });
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stdout, /urllib3/);
  });

  test('feed reads the shipped registry', () => {
    const r = run(['feed', 'list']);
    assert.equal(r.status, 0, r.stderr);
  });

  test("serve answers its UI and reads a posted lock in its graph worker", async () => {
    const ex = join(repoRoot, 'examples');
    const child = spawn(process.execPath, [cli, 'serve', '--upstream', join(ex, 'check', 'index'), '--policy', join(ex, 'check', 'pyvouch.toml'), '--store', join(stage, 'serve.db'), '--listen', '127.0.0.1:0'], {
      env: { ...process.env, NO_COLOR: '1', PYVOUCH_HOME: join(stage, 'home') },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    try {
      const origin = await new Promise<string>((resolve, reject) => {
        let stdout = '';
        child.stdout.setEncoding('utf8').on('data', (c: string) => {
          stdout += c;
          const m = /listening on (http:\/\/[^/\s]+)\/simple\//.exec(stdout);
          if (m !== null) resolve(m[1]!);
        });
        child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
      });
      const ui = await fetch(`${origin}/ui/`);
      assert.equal(ui.status, 200);
      assert.match(await ui.text(), /<html/i);
      const posted = await fetch(`${origin}/api/graph`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ lock: readFileSync(join(ex, 'uv', 'uv.lock'), 'utf8'), filename: 'uv.lock' }),
      });
      const body = (await posted.json()) as { nodes?: { name: string }[] };
      assert.equal(posted.status, 200, JSON.stringify(body));
      assert.ok(body.nodes?.some((n) => n.name === 'urllib3'), JSON.stringify(body).slice(0, 500));
    } finally {
      child.kill('SIGTERM');
    }
  });
});
