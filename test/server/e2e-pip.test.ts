// End to end with the real pip: `pyvouch serve` (the CLI, from source) over a directory of real
// wheels, and `pip install --index-url http://127.0.0.1:PORT/simple/` in a fresh venv. pip installs
// a reviewed package with reviewed dependencies; refuses one whose dependency nobody reviewed
// (deny mode: pip prints the 403 and its reason; filter mode: pip finds no matching version); and
// installs it once a signed review of the dependency is POSTed with the admin token. The two
// servers are separate processes sharing one SQLite store.

import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { openDecisionLog } from '../../src/store/decisions.js';
import { openStore } from '../../src/store/open.js';
import { startFakeIndex, type FakeIndex } from '../support/fake-index.js';
import { postStatements, review, reviewer, sha256, spawnServe, tempDir, writePolicy, writeWheels, type ServeProcess } from './support.js';

const run = promisify(execFile);
const python = process.env['PYVOUCH_TEST_PYTHON'] ?? 'python3';
const hasPip = spawnSync(python, ['-c', 'import venv, ensurepip'], { encoding: 'utf8' }).status === 0;

/** pip with nothing but our index: no user or site config, no find-links, no version check. */
function pipEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PIP_') && k !== 'PYTHONPATH') env[k] = v;
  return { ...env, PIP_CONFIG_FILE: '/dev/null', PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1', PYTHONDONTWRITEBYTECODE: '1' };
}

async function pipInstall(venv: string, origin: string, pkg: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(
      join(venv, 'bin', 'pip'),
      ['install', '--no-cache-dir', '--retries', '0', '--timeout', '20', '--index-url', `${origin}/simple/`, pkg],
      { env: pipEnv(), timeout: 300_000 },
    );
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: (e.stdout ?? '') + (e.stderr ?? '') };
  }
}

describe('pip install through pyvouch serve', { skip: hasPip ? false : `${python} has no venv/ensurepip` }, () => {
  const dir = tempDir('pyvouch-e2e-');
  const upstream = join(dir, 'wheels');
  const venv = join(dir, 'venv');
  const alice = reviewer('Alice');
  const [pvlib, pvutil, pvapp, pvdep] = writeWheels(upstream, [
    { name: 'pvlib', version: '1.0', spec: { requires: ['pvutil>=1.0'] } },
    { name: 'pvutil', version: '1.0' },
    { name: 'pvapp', version: '1.0', spec: { requires: ['pvdep'] } },
    { name: 'pvdep', version: '1.0' },
  ]);
  const policy = writePolicy(dir, alice);
  const store = join(dir, 'pyvouch.db');
  let deny: ServeProcess;
  let filter: ServeProcess;

  before(async () => {
    const common = ['--upstream', upstream, '--policy', policy, '--store', store, '--cache-dir', join(dir, 'cache')];
    // The venv takes seconds: build it while the servers start.
    const making = run(python, ['-m', 'venv', venv], { env: pipEnv(), timeout: 300_000 });
    deny = await spawnServe([...common, '--mode', 'deny'], { PYVOUCH_HOME: dir });
    filter = await spawnServe([...common, '--mode', 'filter'], { PYVOUCH_HOME: dir });
    const reviews = [review(alice, 'pvlib', '1.0', [pvlib!]), review(alice, 'pvutil', '1.0', [pvutil!]), review(alice, 'pvapp', '1.0', [pvapp!])];
    const posted = await postStatements(deny.origin, reviews);
    assert.equal(posted.status, 201, JSON.stringify(posted.json));
    await making;
  });
  after(async () => {
    await deny?.stop();
    await filter?.stop();
  });

  test('installs a reviewed package and its reviewed dependency', async () => {
    const result = await pipInstall(venv, deny.origin, 'pvlib');
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /Successfully installed pvlib-1\.0 pvutil-1\.0/);
    const imported = spawnSync(join(venv, 'bin', 'python'), ['-c', 'import pvlib, pvutil; print(pvlib.__version__, pvutil.__version__)'], { encoding: 'utf8' });
    assert.equal(imported.stdout.trim(), '1.0 1.0');
  });

  test('deny mode: pip fails on the unreviewed dependency and prints the reason from the 403', async () => {
    const result = await pipInstall(venv, deny.origin, 'pvapp');
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /HTTP error 403 while getting http:\/\/127\.0\.0\.1:\d+\/files\/pvdep\/pvdep-1\.0-py3-none-any\.whl/);
    assert.match(result.output, /403 Client Error: Forbidden: pyvouch: pvdep 1\.0 fails the policy: score 0\.0 is 2\.0 short of 2\.0; no statements about pvdep==1\.0: nobody has reviewed it/);
    process.stderr.write(`\n--- pip output, deny mode ---\n${result.output}\n`);
  });

  test('filter mode: pip finds no version of the unreviewed dependency', async () => {
    const result = await pipInstall(venv, filter.origin, 'pvapp');
    assert.notEqual(result.code, 0, result.output);
    assert.match(result.output, /No matching distribution found for pvdep/);
    process.stderr.write(`\n--- pip output, filter mode ---\n${result.output}\n`);
  });

  test('installs once a signed review of the dependency is POSTed, through either server', async () => {
    const posted = await postStatements(deny.origin, review(alice, 'pvdep', '1.0', [pvdep!]));
    assert.equal(posted.status, 201);
    // The filter server is another process: it learns of the review from the shared store.
    const api = (await (await fetch(`${filter.origin}/api/packages/pvdep`)).json()) as { releases: { allowed: boolean }[] };
    assert.equal(api.releases[0]?.allowed, true);
    const result = await pipInstall(venv, filter.origin, 'pvapp');
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /Successfully installed pvapp-1\.0 pvdep-1\.0/);
    const log = (await (await fetch(`${deny.origin}/api/log?project=pvdep`)).json()) as { entries: { action: string }[] };
    assert.ok(log.entries.some((e) => e.action === 'refuse'), 'the refusal is in the shared decision log');
    assert.ok(log.entries.some((e) => e.action === 'serve'), 'and so is the download that followed');
  });
});

// Issue 15: the release-age cooldown through the gated index, with the real pip. Both releases are
// reviewed; the newest is too young (min-age 3d), so filter mode leaves it out and pip installs the
// previous version. Once by upstream's PEP 700 upload-time, once by the index's own first-seen time
// for a directory upstream that states none (the store says it saw 1.0 ten days ago).
describe('pip install through pyvouch serve with a release-age cooldown', { skip: hasPip ? false : `${python} has no venv/ensurepip` }, () => {
  const dir = tempDir('pyvouch-e2e-cool-');
  const venv = join(dir, 'venv');
  const alice = reviewer('Alice');
  const DAY = 86_400_000;
  const pep700 = (ms: number): string => new Date(ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
  const wheels = join(dir, 'wheels');
  const [older, newer] = writeWheels(wheels, [
    { name: 'pvcool', version: '1.0' },
    { name: 'pvcool', version: '1.1' },
  ]);
  const policy = writePolicy(dir, alice);
  writeFileSync(policy, readFileSync(policy, 'utf8').replace('[policy]\n', '[policy]\nmin-age = "3d"\n'));
  const servers: ServeProcess[] = [];
  let index: FakeIndex;
  let making: Promise<unknown>;

  before(async () => {
    making = run(python, ['-m', 'venv', venv], { env: pipEnv(), timeout: 60_000 });
    index = await startFakeIndex({
      projects: [{ name: 'pvcool', files: [{ ...older!, uploadTime: pep700(Date.now() - 10 * DAY) }, { ...newer!, uploadTime: pep700(Date.now() - 3_600_000) }] }],
    });
  });
  after(async () => {
    for (const s of servers) await s.stop();
    await index?.close();
  });

  const serve = async (upstream: string, store: string): Promise<ServeProcess> => {
    const s = await spawnServe(['--upstream', upstream, '--policy', policy, '--store', store, '--cache-dir', join(dir, 'cache'), '--mode', 'filter'], { PYVOUCH_HOME: dir });
    servers.push(s);
    const posted = await postStatements(s.origin, [review(alice, 'pvcool', '1.0', [older!]), review(alice, 'pvcool', '1.1', [newer!])]);
    assert.equal(posted.status, 201, JSON.stringify(posted.json));
    await making;
    return s;
  };

  test("by upstream's upload-time: pip installs the previous version", async () => {
    const s = await serve(index.url, join(dir, 'pep700.db'));
    const result = await pipInstall(venv, s.origin, 'pvcool');
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /Successfully installed pvcool-1\.0\b/);
    await run(join(venv, 'bin', 'pip'), ['uninstall', '-y', 'pvcool'], { env: pipEnv(), timeout: 60_000 });
  });

  test("by the index's own first-seen time (a directory upstream): pip installs the previous version and finds no 1.1", async () => {
    const store = join(dir, 'seen.db');
    // What an earlier run of the index recorded: it listed 1.0 ten days ago.
    const opened = await openStore(store, dir);
    const log = await openDecisionLog(store, dir);
    await log.firstSeen!([{ project: 'pvcool', filename: older!.filename, sha256: sha256(older!.content) }], new Date(Date.now() - 10 * DAY));
    await log.close();
    await opened.close();
    const s = await serve(wheels, store);
    const result = await pipInstall(venv, s.origin, 'pvcool');
    assert.equal(result.code, 0, result.output);
    assert.match(result.output, /Successfully installed pvcool-1\.0\b/);
    const exact = await pipInstall(venv, s.origin, 'pvcool==1.1');
    assert.notEqual(exact.code, 0, exact.output);
    assert.match(exact.output, /No matching distribution found for pvcool==1\.1/);
  });
});
