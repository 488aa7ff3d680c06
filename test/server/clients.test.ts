// The real-client matrix: every installer that installs here from Debian, through `pyvouch serve`
// on 127.0.0.1 in deny and in filter mode, over one shared set of real wheels. pip in a venv
// (23.2 where `python3` bundles it), Debian's pip 23.0.1, pipenv (its vendored pip 22.3.1 locks,
// the venv's pip installs), poetry 1.3 (`poetry lock`, `poetry install`) and pdm 2.2 (`pdm lock`,
// `pdm install`). For each: a trusted install succeeds; an untrusted dependency is refused (deny:
// pyvouch's reason reaches the user's terminal; filter: the client finds no such distribution);
// a dependency whose newest version is untrusted gets the older trusted one in filter mode, or
// fails when only the newer one would do, with only that file hidden. For the lock-file clients,
// a lock pinned by hand to the untrusted file installs in neither mode.
// Clients run one after another: the matrix is CI time, and the machine has two cores.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { FakeFile } from '../support/fake-index.js';
import { postStatements, review, reviewer, sha256, startInProcess, tempDir, TOKEN, writePolicy, writeWheels, type InProcess } from './support.js';

const run = promisify(execFile);
const VENV_PYTHON = process.env['PYVOUCH_TEST_PYTHON'] ?? 'python3';
const SYSTEM_PYTHON = '/usr/bin/python3';

type Mode = 'deny' | 'filter';

interface Outcome {
  code: number;
  output: string;
  /** `name-version` of every pv* distribution installed under the work directory. */
  installed: string[];
}

interface Client {
  name: string;
  /** Why the test skips (the client's binary is absent), or false. */
  skip: string | false;
  /** Lock (where the client locks) and install `requirement` in a fresh directory `work`. */
  install(origin: string, requirement: string, work: string): Promise<Outcome>;
  /** The lock-file clients: install from the lock already in `work`, without locking again. */
  installLocked?: (work: string) => Promise<Outcome>;
  lockFile?: string;
}

function onPath(command: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' }).status === 0;
}

const dir = tempDir('pyvouch-clients-');

/**
 * Nothing from the user's own configuration: config, cache and data directories, the temporary
 * directory and every client's settings point into this run's directory; no keyring, no prompts,
 * no version checks, no colour.
 */
function clientEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(PIP|PIPENV|POETRY|PDM|VIRTUALENV)_/.test(k) || k === 'PYTHONPATH' || k === 'VIRTUAL_ENV') continue;
    env[k] = v;
  }
  const home = join(dir, 'client-home');
  for (const sub of ['config', 'cache', 'data', 'tmp']) mkdirSync(join(home, sub), { recursive: true });
  return {
    ...env,
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_CACHE_HOME: join(home, 'cache'),
    XDG_DATA_HOME: join(home, 'data'),
    TMPDIR: join(home, 'tmp'),
    NO_COLOR: '1',
    TERM: 'dumb',
    // pdm's console wraps at 80 columns, which would cut the reason in two.
    COLUMNS: '400',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHON_KEYRING_BACKEND: 'keyring.backends.null.Keyring',
    PIP_CONFIG_FILE: '/dev/null',
    PIP_DISABLE_PIP_VERSION_CHECK: '1',
    PIP_NO_INPUT: '1',
    PIPENV_VENV_IN_PROJECT: '1',
    PIPENV_NOSPIN: '1',
    PIPENV_YES: '1',
    PIPENV_IGNORE_VIRTUALENVS: '1',
    PIPENV_DONT_LOAD_ENV: '1',
    PIPENV_CACHE_DIR: join(home, 'cache', 'pipenv'),
    POETRY_NO_INTERACTION: '1',
    POETRY_VIRTUALENVS_IN_PROJECT: 'true',
    POETRY_CACHE_DIR: join(home, 'cache', 'poetry'),
    POETRY_CONFIG_DIR: join(home, 'config', 'poetry'),
    PDM_CHECK_UPDATE: 'false',
    PDM_CACHE_DIR: join(home, 'cache', 'pdm'),
    PDM_CONFIG_FILE: join(home, 'config', 'pdm.toml'),
  };
}

/** Runs a client; never throws: the exit code and everything it printed (stdout then stderr). */
async function runClient(command: string, args: readonly string[], cwd: string): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(command, args, { cwd, env: clientEnv(), timeout: 120_000, maxBuffer: 16 * 1024 * 1024 });
    return { code: 0, output: stdout + stderr };
  } catch (err) {
    const e = err as { code?: number | string; stdout?: string; stderr?: string; message?: string };
    return { code: typeof e.code === 'number' ? e.code : -1, output: (e.stdout ?? '') + (e.stderr ?? '') + (typeof e.code === 'number' ? '' : String(e.message)) };
  }
}

/** The pv* distributions installed anywhere under `root` (a --target, or a project's .venv). */
function installedUnder(root: string): string[] {
  const found: string[] = [];
  const walk = (path: string, depth: number): void => {
    if (depth > 6 || !existsSync(path)) return;
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const m = /^(pv[a-z]+)-([\d.]+)\.dist-info$/.exec(entry.name);
      if (m !== null) found.push(`${m[1]}-${m[2]}`);
      else if (!entry.name.endsWith('.dist-info')) walk(join(path, entry.name), depth + 1);
    }
  };
  walk(root, 0);
  return found.sort();
}

async function outcome(work: string, steps: Array<() => Promise<{ code: number; output: string }>>): Promise<Outcome> {
  let output = '';
  for (const step of steps) {
    const r = await step();
    output += r.output;
    if (r.code !== 0) return { code: r.code, output, installed: installedUnder(work) };
  }
  return { code: 0, output, installed: installedUnder(work) };
}

const venv = join(dir, 'venv');

function pipClient(name: string, command: string, prefix: readonly string[], skip: string | false): Client {
  return {
    name,
    skip,
    install: (origin, requirement, work) =>
      outcome(work, [
        () =>
          runClient(command, [...prefix, 'install', '--no-cache-dir', '--retries', '0', '--timeout', '20', '--target', join(work, 'target'), '--index-url', `${origin}/simple/`, requirement], work),
      ]),
  };
}

const hasVenv = spawnSync(VENV_PYTHON, ['-c', 'import venv, ensurepip'], { encoding: 'utf8' }).status === 0;
const hasSystemPip = spawnSync(SYSTEM_PYTHON, ['-m', 'pip', '--version'], { encoding: 'utf8' }).status === 0;

const clients: Client[] = [
  pipClient('pip in a venv', join(venv, 'bin', 'python'), ['-m', 'pip'], hasVenv ? false : `${VENV_PYTHON} has no venv/ensurepip`),
  pipClient("Debian's pip", SYSTEM_PYTHON, ['-m', 'pip'], hasSystemPip ? false : `${SYSTEM_PYTHON} -m pip is not installed (apt-get install python3-pip)`),
  {
    name: 'pipenv',
    skip: onPath('pipenv') ? false : 'pipenv is not installed (apt-get install pipenv)',
    lockFile: 'Pipfile.lock',
    install(origin, requirement, work) {
      writeFileSync(join(work, 'Pipfile'), `[[source]]\nurl = "${origin}/simple"\nverify_ssl = false\nname = "gated"\n\n[packages]\n${requirement} = "*"\n`);
      return outcome(work, [() => runClient('pipenv', ['--python', SYSTEM_PYTHON, 'install'], work)]);
    },
  },
  {
    name: 'poetry',
    skip: onPath('poetry') ? false : 'poetry is not installed (apt-get install python3-poetry)',
    lockFile: 'poetry.lock',
    install(origin, requirement, work) {
      writeFileSync(
        join(work, 'pyproject.toml'),
        [
          '[tool.poetry]',
          'name = "clientapp"',
          'version = "0.1.0"',
          'description = ""',
          'authors = ["Test <test@example.com>"]',
          '',
          '[tool.poetry.dependencies]',
          'python = "^3.9"',
          `${requirement} = "*"`,
          '',
          '[[tool.poetry.source]]',
          'name = "gated"',
          `url = "${origin}/simple/"`,
          'default = true',
          '',
        ].join('\n'),
      );
      return outcome(work, [() => runClient('poetry', ['lock', '--no-update'], work), () => runClient('poetry', ['install', '--no-root'], work)]);
    },
    installLocked: (work) => outcome(work, [() => runClient('poetry', ['install', '--no-root'], work)]),
  },
  {
    name: 'pdm',
    skip: onPath('pdm') ? false : 'pdm is not installed (apt-get install python3-pdm)',
    lockFile: 'pdm.lock',
    install(origin, requirement, work) {
      writeFileSync(
        join(work, 'pyproject.toml'),
        [
          '[project]',
          'name = "clientapp"',
          'version = "0.1.0"',
          'requires-python = ">=3.9"',
          `dependencies = ["${requirement}"]`,
          '',
          // Named "pypi", the source replaces PyPI instead of joining it.
          '[[tool.pdm.source]]',
          'name = "pypi"',
          `url = "${origin}/simple"`,
          'verify_ssl = false',
          '',
        ].join('\n'),
      );
      return outcome(work, [() => runClient('pdm', ['lock'], work), () => runClient('pdm', ['install', '--prod', '--no-self'], work)]);
    },
    // `pdm sync` installs what the lock says and never locks again (`pdm install` may).
    installLocked: (work) => outcome(work, [() => runClient('pdm', ['sync', '--prod', '--no-self'], work)]),
  },
];

/** What each client prints when the filter-mode page lists no acceptable file. */
const NOT_FOUND: Record<string, { dep: RegExp; newer: RegExp }> = {
  'pip in a venv': {
    dep: /No matching distribution found for pvdep/,
    // Only 2.0 is hidden: pip still sees 1.0.
    newer: /Could not find a version that satisfies the requirement pvlib>=2\.0 \(from pvnew\) \(from versions: 1\.0\)[\s\S]*No matching distribution found for pvlib>=2\.0/,
  },
  "Debian's pip": {
    dep: /No matching distribution found for pvdep/,
    newer: /Could not find a version that satisfies the requirement pvlib>=2\.0 \(from pvnew\) \(from versions: 1\.0\)[\s\S]*No matching distribution found for pvlib>=2\.0/,
  },
  pipenv: {
    dep: /No matching distribution found for pvdep/,
    newer: /Could not find a version that satisfies the requirement pvlib>=2\.0 \(from pvnew\) \(from versions: 1\.0\)/,
  },
  poetry: {
    dep: /pvbad \(1\.0\) depends on pvdep \(\*\)[\s\S]*because no versions of pvdep match \*/,
    newer: /pvnew \(1\.0\) depends on pvlib \(>=2\.0\)[\s\S]*because no versions of pvlib match >=2\.0/,
  },
  pdm: {
    dep: /Unable to find candidates for pvdep/,
    newer: /Unable to find a resolution for pvlib/,
  },
};

function reason(name: string, version: string): RegExp {
  const v = version.replace(/\./g, '\\.');
  return new RegExp(`pyvouch: ${name} ${v} fails the policy: score 0\\.0 is 2\\.0 short of 2\\.0; no statements about ${name}==${v}: nobody has reviewed it`);
}

const anyClient = clients.some((c) => c.skip === false);

describe('real clients through pyvouch serve', { skip: anyClient ? false : 'no Python package client is installed' }, () => {
  const upstream = join(dir, 'wheels');
  const alice = reviewer('Alice');
  // pvtop -> pvutil: all trusted. pvbad -> pvdep: pvdep untrusted. pvapp -> pvlib (any): pvlib 1.0
  // trusted, its newer 2.0 not. pvnew -> pvlib>=2.0: only the untrusted file would do.
  const wheels = writeWheels(upstream, [
    { name: 'pvutil', version: '1.0' },
    { name: 'pvtop', version: '1.0', spec: { requires: ['pvutil>=1.0'] } },
    { name: 'pvbad', version: '1.0', spec: { requires: ['pvdep'] } },
    { name: 'pvdep', version: '1.0' },
    { name: 'pvlib', version: '1.0' },
    { name: 'pvlib', version: '2.0' },
    { name: 'pvapp', version: '1.0', spec: { requires: ['pvlib'] } },
    { name: 'pvnew', version: '1.0', spec: { requires: ['pvlib>=2.0'] } },
  ]);
  const byName = new Map<string, FakeFile>(wheels.map((w) => [w.filename, w]));
  const wheel = (name: string, version: string): FakeFile => byName.get(`${name}-${version}-py3-none-any.whl`)!;
  const servers: Partial<Record<Mode, InProcess>> = {};
  const origin = (mode: Mode): string => servers[mode]!.origin;
  /** Per client: the project whose lock took pvlib 1.0 in filter mode (the tampering tests copy it). */
  const lockedWork = new Map<string, string>();
  let workCount = 0;
  const freshWork = (label: string): string => {
    const work = join(dir, 'work', `${String(++workCount).padStart(2, '0')}-${label.replace(/[^a-z0-9]+/gi, '-')}`);
    mkdirSync(work, { recursive: true });
    return work;
  };

  before(async () => {
    const policyPath = writePolicy(dir, alice);
    const making = hasVenv ? run(VENV_PYTHON, ['-m', 'venv', venv], { env: clientEnv(), timeout: 120_000 }) : Promise.resolve();
    // In this process (the clients are the subject here; test/server/e2e-pip.test.ts spawns the
    // CLI): two servers over one SQLite store, so one POST of the reviews reaches both.
    const storeSpec = join(dir, 'pyvouch.db');
    servers.deny = await startInProcess({ upstream, policyPath, mode: 'deny', storeSpec, token: TOKEN });
    servers.filter = await startInProcess({ upstream, policyPath, mode: 'filter', storeSpec, token: TOKEN });
    const trusted: Array<[string, string]> = [['pvutil', '1.0'], ['pvtop', '1.0'], ['pvbad', '1.0'], ['pvlib', '1.0'], ['pvapp', '1.0'], ['pvnew', '1.0']];
    const posted = await postStatements(servers.deny.origin, trusted.map(([n, v]) => review(alice, n, v, [wheel(n, v)])));
    assert.equal(posted.status, 201, JSON.stringify(posted.json));
    await making;
  });
  after(async () => {
    await servers.deny?.close();
    await servers.filter?.close();
    // Some thirty virtual environments: keep them only when asked to look at a failure.
    if (process.env['PYVOUCH_KEEP_CLIENT_DIRS'] === undefined) rmSync(dir, { recursive: true, force: true });
  });

  test('the filter-mode page hides only the untrusted file of pvlib', async () => {
    const res = await fetch(`${origin('filter')}/simple/pvlib/`, { headers: { Accept: 'application/vnd.pypi.simple.v1+json' } });
    const page = (await res.json()) as { files: { filename: string }[]; versions: string[] };
    assert.deepEqual(page.files.map((f) => f.filename), ['pvlib-1.0-py3-none-any.whl']);
    assert.deepEqual(page.versions, ['1.0']);
    const direct = await fetch(`${origin('filter')}/files/pvlib/pvlib-2.0-py3-none-any.whl`);
    assert.equal(direct.status, 403, 'a client that guesses the hidden URL is refused too');
    await direct.body?.cancel();
  });

  for (const client of clients) {
    describe(client.name, { skip: client.skip }, () => {
      const expectRefusal = (result: Outcome, what: string): void => {
        assert.notEqual(result.code, 0, `${client.name} should fail on ${what}:\n${result.output}`);
        assert.deepEqual(result.installed, [], `${client.name} installed ${result.installed.join(', ')} despite the refusal`);
      };

      test('deny mode: a trusted package and its trusted dependency install', async () => {
        const work = freshWork(`${client.name} deny trusted`);
        const result = await client.install(origin('deny'), 'pvtop', work);
        assert.equal(result.code, 0, result.output);
        assert.deepEqual(result.installed, ['pvtop-1.0', 'pvutil-1.0']);
      });

      test("deny mode: an untrusted dependency is refused and pyvouch's reason reaches the terminal", async () => {
        const result = await client.install(origin('deny'), 'pvbad', freshWork(`${client.name} deny untrusted`));
        expectRefusal(result, 'the untrusted pvdep');
        assert.match(result.output, /403/);
        assert.match(result.output, reason('pvdep', '1.0'));
      });

      test('deny mode: the newest version is untrusted, so the client is refused with the reason', async () => {
        // Deny mode lists every file; the client picks pvlib 2.0 and its download is refused.
        const result = await client.install(origin('deny'), 'pvapp', freshWork(`${client.name} deny newer`));
        expectRefusal(result, 'the untrusted pvlib 2.0');
        assert.match(result.output, reason('pvlib', '2.0'));
      });

      test('filter mode: an untrusted dependency is not found', async () => {
        const result = await client.install(origin('filter'), 'pvbad', freshWork(`${client.name} filter untrusted`));
        expectRefusal(result, 'the hidden pvdep');
        assert.match(result.output, NOT_FOUND[client.name]!.dep);
      });

      test('filter mode: the newest version is untrusted, so the client installs the older trusted one', async () => {
        const work = freshWork(`${client.name} filter older`);
        const result = await client.install(origin('filter'), 'pvapp', work);
        assert.equal(result.code, 0, result.output);
        assert.deepEqual(result.installed, ['pvapp-1.0', 'pvlib-1.0']);
        if (client.lockFile !== undefined) {
          assert.match(readFileSync(join(work, client.lockFile), 'utf8'), /pvlib/);
          lockedWork.set(client.name, work);
        }
      });

      test('filter mode: a requirement only the untrusted newer version meets finds no distribution', async () => {
        const result = await client.install(origin('filter'), 'pvnew', freshWork(`${client.name} filter newer`));
        expectRefusal(result, 'pvlib>=2.0 with 2.0 hidden');
        assert.match(result.output, NOT_FOUND[client.name]!.newer);
      });

      if (client.installLocked !== undefined) {
        const installLocked = client.installLocked;
        const lockFile = client.lockFile!;
        // The attack: a lock file edited (or written elsewhere) to pin the untrusted pvlib 2.0 by
        // its real hash. The gated index must refuse it at install time, whatever the lock says.
        const tampered = (mode: Mode): Promise<Outcome> => {
          const source = lockedWork.get(client.name);
          assert.ok(source !== undefined, 'needs the lock of the filter-mode test that installed pvlib 1.0');
          const work = freshWork(`${client.name} ${mode} tampered`);
          for (const file of ['pyproject.toml', lockFile]) {
            const text = readFileSync(join(source, file), 'utf8')
              .replaceAll(origin('filter'), origin(mode))
              .replaceAll('pvlib-1.0-', 'pvlib-2.0-')
              .replaceAll(sha256(wheel('pvlib', '1.0').content), sha256(wheel('pvlib', '2.0').content))
              .replaceAll('"pvlib 1.0"', '"pvlib 2.0"')
              .replace(/(name = "pvlib"\nversion = )"1\.0"/, '$1"2.0"');
            writeFileSync(join(work, file), text);
          }
          assert.match(readFileSync(join(work, lockFile), 'utf8'), /version = "2\.0"/);
          return installLocked(work);
        };
        // pdm installs in parallel: the trusted pvapp may land before pvlib 2.0 is refused.
        const expectNotInstalled = (result: Outcome): void => {
          assert.notEqual(result.code, 0, `${client.name} should fail on the locked pvlib 2.0:\n${result.output}`);
          assert.ok(!result.installed.includes('pvlib-2.0'), `${client.name} installed the untrusted pvlib 2.0`);
        };

        test('deny mode: a lock pinned to the untrusted file is refused at install, with the reason', async () => {
          const result = await tampered('deny');
          expectNotInstalled(result);
          assert.match(result.output, reason('pvlib', '2.0'));
        });

        test('filter mode: a lock pinned to the untrusted file does not install', async () => {
          const result = await tampered('filter');
          expectNotInstalled(result);
        });
      }
    });
  }
});
