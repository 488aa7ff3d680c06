// Obtains an sdist's core metadata by running its build backend's PEP 517 hook
// prepare_metadata_for_build_wheel (backend chosen per PEP 517/518) inside the sandbox.
//
// The sandbox has no network. Its build requirements (PEP 518 `build-system.requires`, or
// setuptools and wheel for a legacy setup.py) are provided by the caller (`buildEnvironment`: the
// resolver fetches and unpacks their wheels outside the sandbox) and mounted read-only on sys.path;
// without a provider the build can import only what the sandbox's Python has. With a `target`, the
// hook runs on the target's python3.X when the machine has one, with the target's platform
// emulated (issue 20), and answers are cached by (sdist sha256, target, interpreter): in memory for
// the process and, with `cacheDir`, on disk for the next one (built-metadata-cache.ts).

import { createHash } from 'node:crypto';
import { existsSync, constants as fsConstants, readdirSync } from 'node:fs';
import { copyFile, lstat, mkdir, mkdtemp, open, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { constants as osConstants, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PyvouchError } from '../errors.js';
import type { Graph, TargetDescription } from '../graph/graph.js';
import { parseTarget, targetLabel } from '../pep/environment.js';
import { parseSdistFilename } from '../pep/filename.js';
import { parseCoreMetadata, type CoreMetadata } from '../pep/metadata.js';
import { readCachedBuild, writeCachedBuild, type CachedBuild } from './built-metadata-cache.js';
import { archiveFormat, extractArchive, singleTopDirectory, type ArchiveSource } from './archive.js';
import { archiveLimits, formatBytes, type ArchiveLimits } from './limits.js';
import { parsePyproject } from '../pep/pyproject.js';
import { describeSandbox, findSandbox, runInSandbox, type Sandbox, type SandboxOptions, type SandboxRun } from './sandbox.js';
import { describeEmulation, interpreterCandidates, minorVersion, targetEmulation, type MetadataBuildInfo } from './target-env.js';
import { decodeUtf8 } from './wheel.js';

/** What pip uses when pyproject.toml names no backend (PEP 517 "legacy" setup.py builds). */
export const LEGACY_BACKEND = 'setuptools.build_meta:__legacy__';

/** What pip installs to build an sdist without [build-system] (PEP 518's default). */
export const LEGACY_BUILD_REQUIRES: readonly string[] = Object.freeze(['setuptools>=40.8.0', 'wheel']);

/**
 * The hook script ships beside this module. The build copies src/artifact/metadata_hook.py next to
 * the compiled build-metadata.js (dist/artifact/); run from source, it is simply found in src/artifact/.
 */
export const METADATA_HOOK = fileURLToPath(new URL('./metadata_hook.py', import.meta.url));

/** The build requirements of one sdist, installed (unpacked) where the sandbox can mount them. */
export interface BuildEnvironment {
  /** Directories to put first on sys.path, mounted read-only (unpacked wheels). */
  readonly paths: readonly string[];
  /** What was installed, as `name==version`, for reports. */
  readonly packages: readonly string[];
  /** The requirements it answers. */
  readonly requires: readonly string[];
  /** Their resolution (roots = the requirements), so they can join the trust graph as build edges. */
  readonly graph?: Graph;
}

export interface BuildEnvironmentRequest {
  /** PEP 508 requirement strings: build-system.requires, or LEGACY_BUILD_REQUIRES. */
  readonly requires: readonly string[];
  /** The sdist, for messages. */
  readonly sdist: string;
  /** The interpreter that will run the build, e.g. 3.12.1: build requirements are resolved for it. */
  readonly python: string;
}

/** Resolves, fetches and unpacks build requirements; throws a PyvouchError naming the sdist on failure. */
export type BuildEnvironmentProvider = (request: BuildEnvironmentRequest) => Promise<BuildEnvironment>;

export interface BuildMetadataOptions {
  limits?: Partial<ArchiveLimits>;
  sandbox?: SandboxOptions;
  /** Keep the work directory (extracted tree, build output) for debugging. */
  keepWorkdir?: boolean;
  /** Installs the build requirements; without it the build sees only the interpreter's packages. */
  buildEnvironment?: BuildEnvironmentProvider;
  /**
   * The environment the metadata is for: its platform is emulated in the hook, and its python3.X
   * runs the hook when the machine has it (unless `sandbox.python` names an interpreter).
   */
  target?: TargetDescription;
  /** Built answers by (sdist sha256, target, interpreter); default: one cache for the process. */
  cache?: Map<string, Promise<BuiltMetadata>>;
  /**
   * Directory of the persistent cache of built answers (the CLI: pyvouch's cache directory, unless
   * --no-cache). An entry is used only for the exact same sdist bytes (sha256), target and
   * interpreter, and only when it proves intact; anything else is rebuilt.
   */
  cacheDir?: string;
}

export interface BuiltMetadata {
  readonly metadata: CoreMetadata;
  readonly text: string;
  readonly origin: 'built';
  /** The backend that ran, e.g. `setuptools.build_meta:__legacy__`. */
  readonly backend: string;
  readonly hook: 'prepare_metadata_for_build_wheel' | 'build_wheel';
  /** The sandbox, described for a report. */
  readonly sandbox: string;
  /** One sentence for reports: what code ran, and where. */
  readonly how: string;
  /** How it was built for the target (interpreter, emulation, build requirements). */
  readonly build: MetadataBuildInfo;
  /** The build requirements it was built with, when a BuildEnvironmentProvider gave them. */
  readonly environment?: BuildEnvironment;
}

interface HookResult {
  dist_info?: unknown;
  hook?: unknown;
  error?: unknown;
  message?: unknown;
}

const RESULT_LIMIT = 64 * 1024;

const processCache = new Map<string, Promise<BuiltMetadata>>();

/**
 * Extracts the sdist into a fresh directory, runs the backend's metadata hook there in the
 * sandbox and parses the METADATA it wrote. Refuses (SANDBOX_UNAVAILABLE) before extracting
 * anything when no sandbox works; a build that fails, is killed or times out is BUILD_FAILED with
 * the backend's last lines; a build that breaks the protocol (links, bad names) is SANDBOX_FAILED.
 * The answer is cached by (sdist sha256, target, interpreter).
 */
export async function buildSdistMetadata(
  source: ArchiveSource,
  filename: string,
  options: BuildMetadataOptions = {},
): Promise<BuiltMetadata> {
  const sandbox = await sandboxFor(options);
  const digest = createHash('sha256')
    .update(typeof source === 'string' ? await readFile(source) : source)
    .digest('hex');
  const key = JSON.stringify([digest, options.target ?? null, sandbox.python.executable, options.buildEnvironment !== undefined, options.limits ?? null]);
  const cache = options.cache ?? processCache;
  const hit = cache.get(key);
  if (hit !== undefined) return hit.then((built) => ({ ...built, build: { ...built.build, cached: true } }));
  const promise = options.cacheDir === undefined ? buildOnce(source, filename, options, sandbox) : buildPersistent(source, filename, options, sandbox, key, digest, options.cacheDir);
  cache.set(key, promise);
  promise.catch(() => cache.delete(key));
  return promise;
}

/**
 * The on-disk cache in front of buildOnce. A hit still asks the build environment provider for the
 * same build requirements, so a cached answer keeps its build edges in the trust graph, and is
 * used only when those resolve to the very packages the answer was built with.
 */
async function buildPersistent(
  source: ArchiveSource,
  filename: string,
  options: BuildMetadataOptions,
  sandbox: Sandbox,
  key: string,
  digest: string,
  cacheDir: string,
): Promise<BuiltMetadata> {
  const archive = typeof source === 'string' ? source : filename;
  const entry = await readCachedBuild(cacheDir, key, digest);
  if (entry !== undefined) {
    const usable = validCachedBuild(entry, filename, archive, sandbox);
    if (usable !== undefined) {
      const environment = options.buildEnvironment === undefined || entry.requires === null
        ? undefined
        : await options.buildEnvironment({ requires: entry.requires, sdist: archive, python: sandbox.python.version });
      const sameEnvironment = (options.buildEnvironment === undefined) === (entry.requires === null) &&
        JSON.stringify(environment?.packages ?? []) === JSON.stringify(entry.build.buildRequires);
      if (sameEnvironment) {
        return { ...usable, build: { ...usable.build, cached: true }, ...(environment === undefined ? {} : { environment }) };
      }
    }
  }
  const built = await buildOnce(source, filename, options, sandbox);
  // A cache that cannot be written costs a rebuild next time, never this answer.
  await writeCachedBuild(cacheDir, key, digest, {
    filename: basename(filename),
    text: built.text,
    backend: built.backend,
    hook: built.hook,
    sandbox: built.sandbox,
    how: built.how,
    build: built.build,
    requires: built.environment?.requires ?? null,
  }).catch(() => undefined);
  return built;
}

/**
 * A cached entry re-checked as a fresh build's output is: its METADATA parses, names this sdist,
 * and says what the entry says it said; the interpreter is the one this run would use.
 */
function validCachedBuild(
  entry: CachedBuild,
  filename: string,
  archive: string,
  sandbox: Sandbox,
): Omit<BuiltMetadata, 'environment'> | undefined {
  try {
    const sdist = parseSdistFilename(basename(filename));
    const metadata = parseCoreMetadata(entry.text, { file: `${archive}!(cached build) METADATA` });
    if (metadata.canonicalName !== sdist.name || entry.filename !== basename(filename)) return undefined;
    const requiresDist = metadata.requiresDist.map((r) => r.toString());
    const b = entry.build;
    if (JSON.stringify(requiresDist) !== JSON.stringify(b.requiresDist)) return undefined;
    if (b.interpreter.executable !== sandbox.python.executable || b.interpreter.version !== sandbox.python.version) return undefined;
    if (!['target', 'emulated', 'host'].includes(b.mode) || b.backend !== entry.backend) return undefined;
    return { metadata, text: entry.text, origin: 'built', backend: entry.backend, hook: entry.hook, sandbox: entry.sandbox, how: entry.how, build: b };
  } catch {
    return undefined;
  }
}

/**
 * The sandbox for this build: with a target and no interpreter named, the target's python3.X when
 * it starts, else the default interpreter (and the report then says "host interpreter").
 */
async function sandboxFor(options: BuildMetadataOptions): Promise<Sandbox> {
  const target = options.target;
  if (target !== undefined && options.sandbox?.python === undefined && target.implementation === 'cpython') {
    const listDir = (dir: string): string[] => {
      try {
        return readdirSync(dir);
      } catch {
        return [];
      }
    };
    for (const candidate of interpreterCandidates(target.python, process.env, listDir)) {
      if (candidate.includes('/') && !existsSync(candidate)) continue;
      try {
        const found = await findSandbox({ ...options.sandbox, python: candidate });
        if (minorVersion(found.python.version) === minorVersion(target.python)) return found;
      } catch (err) {
        // Only a missing interpreter falls back; a missing sandbox stays an error.
        if (!(err instanceof PyvouchError && err.code === 'SANDBOX_UNAVAILABLE' && /Python|python/.test(err.message))) throw err;
      }
    }
  }
  return findSandbox(options.sandbox);
}

async function buildOnce(source: ArchiveSource, filename: string, options: BuildMetadataOptions, sandbox: Sandbox): Promise<BuiltMetadata> {
  const archive = typeof source === 'string' ? source : filename;
  const sdist = parseSdistFilename(basename(filename));
  const format = archiveFormat(basename(filename), archive);
  const limits = archiveLimits(options.limits);

  const workdir = await mkdtemp(join(await realpath(tmpdir()), 'pyvouch-build-'));
  try {
    const tree = join(workdir, 'src');
    const outdir = join(workdir, 'metadata');
    await Promise.all([mkdir(tree), mkdir(outdir), mkdir(join(workdir, 'home'))]);
    const members = await extractArchive(format, source, archive, tree, limits);
    const srcdir = join(tree, singleTopDirectory(members, archive));

    const pyprojectMember = members.find((m) => m.path === `${basename(srcdir)}/pyproject.toml`);
    let backend = LEGACY_BACKEND;
    let backendPath: readonly string[] = [];
    // PEP 518: without [build-system] (or without its `requires`), setuptools and wheel.
    let requires: readonly string[] = LEGACY_BUILD_REQUIRES;
    if (pyprojectMember?.kind === 'file') {
      const pyprojectFile = join(srcdir, 'pyproject.toml');
      const text = decodeUtf8(await readFile(pyprojectFile), archive, 'pyproject.toml');
      const buildSystem = parsePyproject(text, `${archive}!${pyprojectMember.path}`).buildSystem;
      if (buildSystem?.buildBackend !== undefined) {
        backend = buildSystem.buildBackend;
        backendPath = buildSystem.backendPath;
      }
      if (buildSystem !== undefined) requires = buildSystem.requires;
    }

    const environment = options.buildEnvironment === undefined
      ? undefined
      : await options.buildEnvironment({ requires, sdist: archive, python: sandbox.python.version });
    const emulation = options.target === undefined ? undefined : targetEmulation(options.target);

    const hookScript = join(workdir, 'metadata_hook.py');
    await copyFile(METADATA_HOOK, hookScript);
    const resultFile = join(workdir, 'result.json');
    const configFile = join(workdir, 'hook.json');
    await writeFile(
      configFile,
      JSON.stringify({
        backend,
        backend_path: backendPath,
        metadata_dir: outdir,
        result_file: resultFile,
        build_paths: environment?.paths ?? [],
        isolate: environment !== undefined,
        emulate: emulation ?? null,
      }),
    );
    const run = await runInSandbox(sandbox, {
      args: [hookScript, configFile],
      workdir,
      cwd: srcdir,
      ...(environment === undefined ? {} : { readOnly: environment.paths }),
    });
    const result = await readHookResult(resultFile);
    const failed = (problem: string, help: string): PyvouchError =>
      new PyvouchError('BUILD_FAILED', `${archive}: build failure: ${problem}${tail(run)}`, { file: archive, help });

    if (run.timedOut) {
      throw failed(
        `building metadata with '${backend}' ran past ${sandbox.limits.wallSeconds} s and was killed`,
        'the build hung or was too slow; use a wheel of this package instead',
      );
    }
    if (result === undefined || run.exitCode !== 0 || typeof result.dist_info !== 'string') {
      const signal = run.signal ?? signalOf(run.exitCode);
      const why =
        typeof result?.message === 'string'
          ? result.message
          : signal !== undefined
            ? `killed by ${signal} (limits: ${sandbox.limits.cpuSeconds} s CPU, ` +
              `${formatBytes(sandbox.limits.addressSpaceBytes)} memory, ${formatBytes(sandbox.limits.fileSizeBytes)} per file)`
            : `exit code ${String(run.exitCode)}`;
      const missing = result?.error === 'backend-missing';
      const named = requires.length > 0 ? requires.join(', ') : 'none';
      throw failed(
        `building metadata with '${backend}' failed: ${why}`,
        missing && environment === undefined
          ? `install the build requirements (${named}) into ${sandbox.python.executable}, or let pyvouch provide ` +
              'them from the index (the resolver does); or use a wheel of this package'
          : missing
            ? `the sdist's build-system.requires (${named}) do not provide '${backend}': the sdist is broken; use a wheel of this package`
            : 'the build itself failed: read its last lines above; use a wheel of this package, or report it to the project',
      );
    }
    const distInfo = result.dist_info;
    if (!/^[^/\\]+\.dist-info$/.test(distInfo) || distInfo.startsWith('.')) {
      throw new PyvouchError('SANDBOX_FAILED', `${archive}: the backend returned an invalid .dist-info name '${distInfo}'`, {
        file: archive,
        help: 'use a wheel of this package',
      });
    }
    const text = await readBuiltMetadata(join(outdir, distInfo), limits.maxReadBytes, archive);
    const metadata = parseCoreMetadata(text, { file: `${archive}!(built) ${distInfo}/METADATA` });
    if (metadata.canonicalName !== sdist.name) {
      throw new PyvouchError(
        'METADATA_PARSE',
        `${archive}: the build produced metadata for '${metadata.name}', not '${sdist.name}'`,
        { file: archive },
      );
    }
    const hook = result.hook === 'build_wheel' ? 'build_wheel' : 'prepare_metadata_for_build_wheel';
    const what = backend === LEGACY_BACKEND ? "running setup.py (setuptools' legacy backend)" : `running the build backend '${backend}'`;
    const sameVersion = options.target !== undefined && minorVersion(options.target.python) === minorVersion(sandbox.python.version);
    const build: MetadataBuildInfo = {
      mode: emulation === undefined ? 'host' : sameVersion ? 'target' : 'emulated',
      ...(options.target === undefined ? {} : { target: labelOf(options.target) }),
      interpreter: { version: sandbox.python.version, executable: sandbox.python.executable },
      backend,
      emulated: emulation === undefined ? [] : describeEmulation(emulation),
      requiresDist: metadata.requiresDist.map((r) => r.toString()),
      buildRequires: environment?.packages ?? [],
      cached: false,
    };
    const where =
      build.mode === 'host'
        ? 'on the host'
        : build.mode === 'target'
          ? `for the target ${build.target ?? ''}`
          : `for the target ${build.target ?? ''} on the host interpreter (Python ${sandbox.python.version}; python${minorVersion(options.target!.python)} is not on this machine)`;
    return {
      metadata,
      text,
      origin: 'built',
      backend,
      hook,
      sandbox: describeSandbox(sandbox),
      how: `metadata obtained by ${what} ${where} in a sandbox: ${describeSandbox(sandbox)}`,
      build,
      ...(environment === undefined ? {} : { environment }),
    };
  } finally {
    // Best effort: a build may leave unreadable directories, and that must not hide its outcome.
    if (options.keepWorkdir !== true) await rm(workdir, { recursive: true, force: true }).catch(() => undefined);
  }
}

const labelOf = (raw: TargetDescription): string => targetLabel(parseTarget(raw));

async function readHookResult(file: string): Promise<HookResult | undefined> {
  try {
    const text = await readLimited(file, RESULT_LIMIT);
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The build wrote this tree, so it may hold a symlink to any host file readable by us: the
 * .dist-info directory must be a real directory and METADATA is opened without following links.
 */
async function readBuiltMetadata(distInfoDir: string, maxBytes: number, archive: string): Promise<string> {
  // The build could also have swapped the metadata directory itself for a link, so the resolved
  // path must be exactly the one we created.
  const dir = await lstat(distInfoDir).catch(() => undefined);
  const resolved = await realpath(distInfoDir).catch(() => undefined);
  if (dir === undefined || !dir.isDirectory() || resolved !== distInfoDir) {
    throw new PyvouchError('SANDBOX_FAILED', `${archive}: the build did not create the directory '${basename(distInfoDir)}'`, {
      file: archive,
    });
  }
  let text: string;
  try {
    text = await readLimited(join(distInfoDir, 'METADATA'), maxBytes);
  } catch (err) {
    throw new PyvouchError(
      'SANDBOX_FAILED',
      `${archive}: cannot read the built ${basename(distInfoDir)}/METADATA: ${err instanceof Error ? err.message : String(err)}`,
      { file: archive, cause: err },
    );
  }
  return text;
}

async function readLimited(file: string, maxBytes: number): Promise<string> {
  const handle = await open(file, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
  try {
    const st = await handle.stat();
    if (!st.isFile()) throw new Error('not a regular file');
    if (st.size > maxBytes) throw new Error(`${formatBytes(st.size)} is over the limit of ${formatBytes(maxBytes)}`);
    const buffer = Buffer.alloc(st.size);
    const { bytesRead } = await handle.read(buffer, 0, st.size, 0);
    return new TextDecoder('utf-8', { fatal: true }).decode(buffer.subarray(0, bytesRead));
  } finally {
    await handle.close();
  }
}

/** bubblewrap reports a child killed by signal N as exit status 128 + N, as shells do. */
function signalOf(exitCode: number | null): string | undefined {
  if (exitCode === null || exitCode <= 128) return undefined;
  const number = exitCode - 128;
  const name = Object.entries(osConstants.signals).find(([, n]) => n === number)?.[0];
  return name ?? `signal ${number}`;
}

/** The last lines the build printed, so the error shows why without a trip to a log. */
function tail(run: SandboxRun): string {
  // The build chose these bytes: escape sequences must not reach the user's terminal.
   
  const printable = run.stderr.replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '?');
  const lines = printable.trimEnd().split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return '';
  return `\n  build output (last lines):\n${lines
    .slice(-8)
    .map((l) => `    ${l.slice(0, 300)}`)
    .join('\n')}`;
}
