// Obtains an sdist's core metadata by running its build backend's PEP 517 hook
// prepare_metadata_for_build_wheel (backend chosen per PEP 517/518) inside the sandbox.
//
// The build can import only what the sandbox's Python already has: there is no network, so the
// `build-system.requires` of the sdist are never installed. A backend missing there fails the
// build with SANDBOX_FAILED and says so.

import { constants as fsConstants } from 'node:fs';
import { copyFile, lstat, mkdir, mkdtemp, open, readFile, realpath, rm } from 'node:fs/promises';
import { constants as osConstants, tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PyvouchError } from '../errors.js';
import { parseSdistFilename } from '../pep/filename.js';
import { parseCoreMetadata, type CoreMetadata } from '../pep/metadata.js';
import { archiveFormat, extractArchive, singleTopDirectory, type ArchiveSource } from './archive.js';
import { archiveLimits, formatBytes, type ArchiveLimits } from './limits.js';
import { parsePyproject } from './pyproject.js';
import { describeSandbox, findSandbox, runInSandbox, type SandboxOptions, type SandboxRun } from './sandbox.js';
import { decodeUtf8 } from './wheel.js';

/** What pip uses when pyproject.toml names no backend (PEP 517 "legacy" setup.py builds). */
export const LEGACY_BACKEND = 'setuptools.build_meta:__legacy__';

/**
 * The hook script ships beside this module. The build copies src/artifact/metadata_hook.py next to
 * the compiled build-metadata.js (dist/artifact/); run from source, it is simply found in src/artifact/.
 */
export const METADATA_HOOK = fileURLToPath(new URL('./metadata_hook.py', import.meta.url));

export interface BuildMetadataOptions {
  limits?: Partial<ArchiveLimits>;
  sandbox?: SandboxOptions;
  /** Keep the work directory (extracted tree, build output) for debugging. */
  keepWorkdir?: boolean;
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
}

interface HookResult {
  dist_info?: unknown;
  hook?: unknown;
  error?: unknown;
  message?: unknown;
}

const RESULT_LIMIT = 64 * 1024;

/**
 * Extracts the sdist into a fresh directory, runs the backend's metadata hook there in the
 * sandbox and parses the METADATA it wrote. Refuses (SANDBOX_UNAVAILABLE) before extracting
 * anything when no sandbox works; a failed, killed or timed-out build is SANDBOX_FAILED.
 */
export async function buildSdistMetadata(
  source: ArchiveSource,
  filename: string,
  options: BuildMetadataOptions = {},
): Promise<BuiltMetadata> {
  const sandbox = await findSandbox(options.sandbox);
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
    let requires: readonly string[] = [];
    if (pyprojectMember?.kind === 'file') {
      const pyprojectFile = join(srcdir, 'pyproject.toml');
      const text = decodeUtf8(await readFile(pyprojectFile), archive, 'pyproject.toml');
      const buildSystem = parsePyproject(text, `${archive}!${pyprojectMember.path}`).buildSystem;
      if (buildSystem?.buildBackend !== undefined) {
        backend = buildSystem.buildBackend;
        backendPath = buildSystem.backendPath;
      }
      requires = buildSystem?.requires ?? [];
    }

    const hookScript = join(workdir, 'metadata_hook.py');
    await copyFile(METADATA_HOOK, hookScript);
    const resultFile = join(workdir, 'result.json');
    const run = await runInSandbox(sandbox, {
      args: [hookScript, backend, outdir, resultFile, ...backendPath],
      workdir,
      cwd: srcdir,
    });
    const result = await readHookResult(resultFile);
    const failed = (problem: string, help: string): PyvouchError =>
      new PyvouchError('SANDBOX_FAILED', `${archive}: ${problem}${tail(run)}`, { file: archive, help });

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
      throw failed(
        `building metadata with '${backend}' failed: ${why}`,
        missing
          ? `install the build requirements (${requires.length > 0 ? requires.join(', ') : 'setuptools, wheel'}) ` +
              `into ${sandbox.python.executable}: the sandbox has no network to fetch them; or use a wheel`
          : 'the build itself failed; read its output above, or use a wheel of this package',
      );
    }
    const distInfo = result.dist_info;
    if (!/^[^/\\]+\.dist-info$/.test(distInfo) || distInfo.startsWith('.')) {
      throw failed(`the backend returned an invalid .dist-info name '${distInfo}'`, 'use a wheel of this package');
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
    return {
      metadata,
      text,
      origin: 'built',
      backend,
      hook,
      sandbox: describeSandbox(sandbox),
      how: `metadata obtained by ${what} in a sandbox: ${describeSandbox(sandbox)}`,
    };
  } finally {
    // Best effort: a build may leave unreadable directories, and that must not hide its outcome.
    if (options.keepWorkdir !== true) await rm(workdir, { recursive: true, force: true }).catch(() => undefined);
  }
}

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
