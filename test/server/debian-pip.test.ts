// Debian 12's own pip (23.0.1, `/usr/bin/python3 -m pip`, and pipenv's vendored 22.3.1) read the
// JSON project page's `dist-info-metadata` as a string and crash on any other value: through
// `pyvouch serve`, that pip downloads a reviewed wheel.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { postStatements, review, reviewer, spawnServe, tempDir, writePolicy, writeWheels, type ServeProcess } from './support.js';

const run = promisify(execFile);
const SYSTEM_PYTHON = '/usr/bin/python3';
const hasSystemPip = spawnSync(SYSTEM_PYTHON, ['-m', 'pip', '--version'], { encoding: 'utf8' }).status === 0;

describe("Debian's pip through pyvouch serve", { skip: hasSystemPip ? false : `${SYSTEM_PYTHON} -m pip is not installed` }, () => {
  const dir = tempDir('pyvouch-debian-pip-');
  const upstream = join(dir, 'wheels');
  const alice = reviewer('Alice');
  const [pvlib] = writeWheels(upstream, [{ name: 'pvlib', version: '1.0' }]);
  let serve: ServeProcess;

  before(async () => {
    const policy = writePolicy(dir, alice);
    serve = await spawnServe(['--upstream', upstream, '--policy', policy, '--store', join(dir, 'pyvouch.db'), '--cache-dir', join(dir, 'cache'), '--mode', 'deny'], { PYVOUCH_HOME: dir });
    const posted = await postStatements(serve.origin, [review(alice, 'pvlib', '1.0', [pvlib!])]);
    assert.equal(posted.status, 201, JSON.stringify(posted.json));
  });
  after(async () => {
    await serve?.stop();
  });

  test('pip download reads the JSON project page and fetches the reviewed wheel', async () => {
    const out = join(dir, 'download');
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('PIP_') && k !== 'PYTHONPATH') env[k] = v;
    const { stdout, stderr } = await run(
      SYSTEM_PYTHON,
      ['-m', 'pip', 'download', '--no-deps', '--no-cache-dir', '--retries', '0', '--timeout', '20', '-d', out, '--index-url', `${serve.origin}/simple/`, 'pvlib'],
      { env: { ...env, PIP_CONFIG_FILE: '/dev/null', PIP_DISABLE_PIP_VERSION_CHECK: '1', PIP_NO_INPUT: '1' }, timeout: 300_000 },
    );
    assert.doesNotMatch(stdout + stderr, /TypeError/);
    assert.deepEqual(readdirSync(out), ['pvlib-1.0-py3-none-any.whl']);
  });
});
