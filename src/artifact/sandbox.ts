// Runs untrusted build code (a PEP 517 backend executing an sdist's setup.py) inside bubblewrap:
// no network, nothing writable but one throwaway directory, and CPU, memory, time and output caps.
//
// There is deliberately no `unshare`-only fallback: as root, `unshare --net --mount` leaves every
// capability to the child, which can remount the filesystem read-write again; bubblewrap drops
// the capabilities and locks its read-only mounts. Without bubblewrap pyvouch refuses to run code.

import { spawn } from 'node:child_process';
import { existsSync, realpathSync, statSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { delimiter, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { PyvouchError } from '../errors.js';
import { formatBytes } from './limits.js';

const MiB = 1024 * 1024;

export interface SandboxLimits {
  /** CPU seconds per process (RLIMIT_CPU): SIGXCPU at the limit, SIGKILL a second later. */
  readonly cpuSeconds: number;
  /** Wall-clock seconds for the whole run; then the process group is killed. */
  readonly wallSeconds: number;
  /** Address space per process (RLIMIT_AS), which bounds memory. */
  readonly addressSpaceBytes: number;
  /** Largest file a process may write (RLIMIT_FSIZE). */
  readonly fileSizeBytes: number;
  readonly openFiles: number;
  /**
   * RLIMIT_NPROC. It counts every task of the host user, threads included, and the kernel does not
   * apply it to root at all: a coarse bound. The pid namespace and the wall clock end a fork bomb.
   */
  readonly processes: number;
  /** Size of the private /tmp (a tmpfs in memory). */
  readonly tmpBytes: number;
  /** How much of stdout and of stderr is kept; the rest is read and dropped. */
  readonly outputBytes: number;
}

export const DEFAULT_SANDBOX_LIMITS: SandboxLimits = Object.freeze({
  cpuSeconds: 60,
  wallSeconds: 120,
  addressSpaceBytes: 2048 * MiB,
  fileSizeBytes: 256 * MiB,
  openFiles: 512,
  processes: 4096,
  tmpBytes: 512 * MiB,
  outputBytes: 1 * MiB,
});

export interface SandboxOptions {
  /** The bubblewrap binary: a path, or a name looked up on PATH. Default `bwrap`. */
  bwrap?: string;
  /** util-linux prlimit, which applies the resource limits inside the sandbox. Default `prlimit`. */
  prlimit?: string;
  /** The Python that runs the build backend (its installed packages are all the build can import). */
  python?: string;
  limits?: Partial<SandboxLimits>;
}

export interface PythonInfo {
  /** Absolute path of the interpreter (resolved through shims such as pyenv's). */
  readonly executable: string;
  readonly version: string;
  /** Directories the interpreter needs to see (prefixes and sys.path), for re-binding under masks. */
  readonly paths: readonly string[];
}

/** A bubblewrap that passed its self-test, with the interpreter it will run. */
export interface Sandbox {
  readonly kind: 'bubblewrap';
  readonly bwrap: string;
  readonly bwrapVersion: string;
  readonly prlimit: string;
  readonly python: PythonInfo;
  readonly limits: SandboxLimits;
}

export interface SandboxRunRequest {
  /** Arguments after the interpreter (`python -I <args>`). */
  readonly args: readonly string[];
  /** The only writable directory; it must exist and belong to this run alone. */
  readonly workdir: string;
  /** Where the process starts; must be inside `workdir`. */
  readonly cwd: string;
  readonly env?: Readonly<Record<string, string>>;
  /**
   * Host directories mounted read-only at the same path after the masks (e.g. unpacked build
   * requirements under /tmp or $HOME, which the sandbox would otherwise hide).
   */
  readonly readOnly?: readonly string[];
}

export interface SandboxRun {
  readonly exitCode: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly timedOut: boolean;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputTruncated: boolean;
  /** The full command line, for reports and debugging. */
  readonly command: readonly string[];
}

const SELF_TEST = 'import sys; sys.stdout.write("pyvouch-sandbox-ok")';
const PROBE = [
  'import json, sys',
  'paths = [sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix] + [p for p in sys.path if p]',
  'print(json.dumps({"executable": sys.executable, "version": sys.version.split()[0], "paths": paths}))',
].join('\n');

const unavailable = (message: string, cause?: unknown): PyvouchError =>
  new PyvouchError('SANDBOX_UNAVAILABLE', message, {
    help:
      'install bubblewrap (apt-get install bubblewrap) and make sure user namespaces are allowed, ' +
      'or use wheels / sdists whose dependencies are static; pyvouch never runs build code unsandboxed',
    ...(cause === undefined ? {} : { cause }),
  });

const verified = new Map<string, Promise<Sandbox>>();

/**
 * Finds bubblewrap, prlimit and the Python interpreter and proves that the sandbox starts (a
 * self-test run with every restriction in place). Throws SANDBOX_UNAVAILABLE otherwise. The result
 * is cached per option set, as the self-test costs a process start.
 */
export function findSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  const limits = { ...DEFAULT_SANDBOX_LIMITS, ...options.limits };
  const key = JSON.stringify([options.bwrap, options.prlimit, options.python, limits]);
  let found = verified.get(key);
  if (found === undefined) {
    found = locateSandbox(options, limits);
    verified.set(key, found);
    found.catch(() => verified.delete(key));
  }
  return found;
}

async function locateSandbox(options: SandboxOptions, limits: SandboxLimits): Promise<Sandbox> {
  const bwrap = findExecutable(options.bwrap ?? 'bwrap');
  if (bwrap === undefined) {
    throw unavailable(`bubblewrap was not found (looked for '${options.bwrap ?? 'bwrap'}')`);
  }
  const prlimit = findExecutable(options.prlimit ?? 'prlimit');
  if (prlimit === undefined) {
    throw unavailable(`prlimit (util-linux) was not found; without it the sandbox could not limit CPU and memory`);
  }
  const version = await capture(bwrap, ['--version'], 10_000);
  if (version.code !== 0) throw unavailable(`'${bwrap} --version' failed: ${version.stderr.trim()}`);
  const python = await probePython(options.python ?? 'python3');
  const sandbox: Sandbox = {
    kind: 'bubblewrap',
    bwrap,
    bwrapVersion: version.stdout.trim().replace(/^bubblewrap\s*/, ''),
    prlimit,
    python,
    limits,
  };
  // The self-test uses the very mounts and limits of a real run, so passing it means a build can start.
  const scratch = await mkdtemp(join(realpathSync(tmpdir()), 'pyvouch-selftest-'));
  let test: SandboxRun;
  try {
    test = await runInSandbox(sandbox, { args: ['-c', SELF_TEST], workdir: scratch, cwd: scratch });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  if (test.exitCode !== 0 || test.stdout !== 'pyvouch-sandbox-ok') {
    throw unavailable(
      `bubblewrap at '${bwrap}' failed its self-test (exit ${String(test.exitCode ?? test.signal)}): ` +
        (test.stderr.trim().split('\n').slice(-3).join(' ') || 'no output'),
    );
  }
  return sandbox;
}

/** Says what the sandbox was, in words a report can print. */
export function describeSandbox(sandbox: Sandbox): string {
  const l = sandbox.limits;
  return (
    `bubblewrap ${sandbox.bwrapVersion} with new user, pid, network, ipc and uts namespaces (no network), ` +
    `the host filesystem read-only, $HOME and /run hidden, only a throwaway directory writable; ` +
    `limits ${l.cpuSeconds} s CPU, ${l.wallSeconds} s wall clock, ${formatBytes(l.addressSpaceBytes)} memory, ` +
    `${formatBytes(l.fileSizeBytes)} per file; Python ${sandbox.python.version} (${sandbox.python.executable})`
  );
}

/** The bubblewrap command line for one run. Exported so tests and reports can show it. */
export function sandboxCommand(sandbox: Sandbox, request: SandboxRunRequest): string[] {
  const { workdir, cwd } = request;
  if (!isAbsolute(workdir) || !isInside(cwd, workdir)) {
    throw new PyvouchError('SANDBOX_FAILED', `sandbox cwd '${cwd}' is not inside its workdir '${workdir}'`);
  }
  const l = sandbox.limits;
  const args = [
    '--unshare-all', // user, ipc, pid, net, uts, cgroup: the net namespace has only a loopback of its own
    '--die-with-parent',
    '--new-session', // no TIOCSTI into the caller's terminal
    '--cap-drop',
    'ALL',
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
  ];
  // Unix sockets still accept connections on a read-only mount (a Docker socket under /run would
  // be a way out), and $HOME holds keys a build could copy into the metadata it returns.
  const masks = ['/run', homedir()].filter((dir) => dir !== '/' && dir !== '/tmp' && isRealDirectory(dir));
  for (const dir of masks) args.push('--tmpfs', dir);
  args.push('--size', String(l.tmpBytes), '--tmpfs', '/tmp');
  // An interpreter living under a masked directory (pyenv in ~/.pyenv, a venv in /tmp) is put back.
  for (const path of rebinds(sandbox.python.paths, [...masks, '/tmp'])) args.push('--ro-bind', path, path);
  for (const path of request.readOnly ?? []) {
    if (!isAbsolute(path) || isInside(path, workdir)) {
      throw new PyvouchError('SANDBOX_FAILED', `sandbox read-only mount '${path}' must be an absolute path outside the workdir`);
    }
    args.push('--ro-bind', path, path);
  }
  args.push('--bind', workdir, workdir);
  args.push('--chdir', cwd, '--clearenv');
  const env: Record<string, string> = {
    PATH: [dirname(sandbox.python.executable), '/usr/local/bin', '/usr/bin', '/bin'].join(delimiter),
    HOME: join(workdir, 'home'),
    TMPDIR: '/tmp',
    LANG: 'C.UTF-8',
    LC_ALL: 'C.UTF-8',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONHASHSEED: '0',
    PIP_NO_INDEX: '1',
    PIP_NO_INPUT: '1',
    ...request.env,
  };
  for (const [name, value] of Object.entries(env)) args.push('--setenv', name, value);
  args.push(
    '--',
    sandbox.prlimit,
    `--cpu=${l.cpuSeconds}:${l.cpuSeconds + 1}`,
    `--as=${l.addressSpaceBytes}`,
    `--fsize=${l.fileSizeBytes}`,
    `--nofile=${l.openFiles}`,
    `--nproc=${l.processes}`,
    '--core=0',
    '--',
    sandbox.python.executable,
    '-I', // isolated: no PYTHON* variables, no user site, no script directory on sys.path
    ...request.args,
  );
  return [sandbox.bwrap, ...args];
}

/**
 * Runs the interpreter inside the sandbox. Never throws for the child's own failure (exit code,
 * signal, timeout): the caller decides what a failed build means.
 */
export async function runInSandbox(
  sandbox: Sandbox,
  request: SandboxRunRequest,
): Promise<SandboxRun> {
  const command = sandboxCommand(sandbox, request);
  const [file, ...args] = command;
  const result = await capture(file ?? sandbox.bwrap, args, sandbox.limits.wallSeconds * 1000, sandbox.limits.outputBytes);
  return {
    exitCode: result.code,
    signal: result.signal,
    timedOut: result.timedOut,
    stdout: result.stdout,
    stderr: result.stderr,
    outputTruncated: result.truncated,
    command,
  };
}

interface Captured {
  code: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  stdout: string;
  stderr: string;
  truncated: boolean;
}

/**
 * Spawns `file` in its own process group and kills the whole group at the deadline. Output past
 * `maxOutput` is drained and dropped so that a chatty child never blocks on a full pipe.
 */
function capture(file: string, args: readonly string[], timeoutMs: number, maxOutput = 1 * MiB): Promise<Captured> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(file, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: true, env: {} });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outLength = 0;
    let errLength = 0;
    let truncated = false;
    let timedOut = false;
    const keep = (chunks: Buffer[], length: number, chunk: Buffer): number => {
      const room = maxOutput - length;
      if (room <= 0) {
        truncated = true;
        return length;
      }
      if (chunk.length > room) truncated = true;
      chunks.push(chunk.subarray(0, room));
      return length + Math.min(chunk.length, room);
    };
    child.stdout.on('data', (chunk: Buffer) => (outLength = keep(out, outLength, chunk)));
    child.stderr.on('data', (chunk: Buffer) => (errLength = keep(err, errLength, chunk)));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child.pid);
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code,
        signal,
        timedOut,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
        truncated,
      });
    });
  });
}

function killGroup(pid: number | undefined): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

async function probePython(python: string): Promise<PythonInfo> {
  // This runs the host's own interpreter on a fixed script: trusted code, so no sandbox needed.
  let probe: Captured;
  try {
    probe = await new Promise<Captured>((resolvePromise, reject) => {
      const child = spawn(python, ['-I', '-c', PROBE], { stdio: ['ignore', 'pipe', 'pipe'] });
      const out: Buffer[] = [];
      const err: Buffer[] = [];
      child.stdout.on('data', (c: Buffer) => out.push(c));
      child.stderr.on('data', (c: Buffer) => err.push(c));
      child.on('error', reject);
      child.on('close', (code, signal) =>
        resolvePromise({
          code,
          signal,
          timedOut: false,
          stdout: Buffer.concat(out).toString('utf8'),
          stderr: Buffer.concat(err).toString('utf8'),
          truncated: false,
        }),
      );
    });
  } catch (err) {
    throw unavailable(`no Python interpreter '${python}' to run build backends with`, err);
  }
  if (probe.code !== 0) throw unavailable(`'${python}' failed to start: ${probe.stderr.trim()}`);
  try {
    const info = JSON.parse(probe.stdout) as { executable: string; version: string; paths: string[] };
    const executable = realpathSync(info.executable);
    const paths = [dirname(executable), ...info.paths]
      .filter((p) => isAbsolute(p) && existsSync(p))
      .map((p) => realpathSync(p));
    return { executable, version: info.version, paths: [...new Set(paths)] };
  } catch (err) {
    throw unavailable(`could not read the answer of '${python}' about itself`, err);
  }
}

/** The interpreter's own directories that a mask would hide, outermost first and without nesting. */
function rebinds(paths: readonly string[], masks: readonly string[]): string[] {
  const hidden = paths.filter((p) => masks.some((m) => isInside(p, m) && p !== m));
  const sorted = [...new Set(hidden)].sort((a, b) => a.length - b.length);
  const kept: string[] = [];
  for (const p of sorted) if (!kept.some((k) => isInside(p, k))) kept.push(p);
  return kept;
}

function findExecutable(name: string): string | undefined {
  const candidates = name.includes('/')
    ? [resolve(name)]
    : (process.env['PATH'] ?? '/usr/bin:/bin').split(delimiter).map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      const st = statSync(candidate);
      if (st.isFile() && (st.mode & 0o111) !== 0) return realpathSync(candidate);
    } catch {
      // not here
    }
  }
  return undefined;
}

function isRealDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory() && realpathSync(path) === path;
  } catch {
    return false;
  }
}

export function isInside(path: string, dir: string): boolean {
  const rel = relative(dir, path);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
