// Build requirements for sdist metadata builds (PEP 518 `build-system.requires`; setuptools and
// wheel for a legacy setup.py): resolved against the same indexes as the graph, for the
// interpreter that runs the build, from wheels only; their wheels are downloaded (sha256 checked by
// the index client) and unpacked by the safe archive reader outside the sandbox — unpacking runs
// no code — into directories the sandbox mounts read-only on sys.path. Each sdist's build graph is
// kept so it can join the trust graph as build edges (build-graph.ts).

import { mkdir, mkdtemp, rename, rm, stat } from 'node:fs/promises';
import { arch, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BuildEnvironment, BuildEnvironmentProvider, BuildEnvironmentRequest } from '../artifact/build-metadata.js';
import { extractArchive } from '../artifact/archive.js';
import { archiveLimits } from '../artifact/limits.js';
import { isPyvouchError, PyvouchError } from '../errors.js';
import type { Graph, TargetDescription } from '../graph/graph.js';
import { parseTarget } from '../pep/environment.js';
import { Requirement } from '../pep/requirement.js';
import type { PackageIndex } from '../simple/types.js';
import { IndexProvider } from './index-provider.js';
import { resolve } from './resolve.js';
import { memo } from '../memo.js';

export interface BuildEnvironmentsOptions {
  /** The indexes build requirements come from: the graph's own. */
  readonly indexes: readonly PackageIndex[];
  /** Where unpacked wheels are kept, one directory per sha256; default: a fresh temporary directory. */
  readonly directory?: string;
}

/** The machine the build runs on: Linux, this machine's architecture, the build interpreter's Python. */
export function buildHostTarget(python: string): TargetDescription {
  // parseTarget spells Node's arch() names (x64, arm64) as the platform does (x86_64, aarch64).
  return parseTarget({ python, platform: 'linux', machine: arch(), implementation: 'cpython' });
}

export class BuildEnvironments {
  readonly #options: BuildEnvironmentsOptions;
  #directory: Promise<string> | undefined;
  readonly #providers = new Map<string, IndexProvider>();
  readonly #unpacked = new Map<string, Promise<string[]>>();

  constructor(options: BuildEnvironmentsOptions) {
    this.#options = options;
  }

  /** The function buildSdistMetadata calls. */
  readonly provide: BuildEnvironmentProvider = (request) => this.prepare(request);

  async prepare(request: BuildEnvironmentRequest): Promise<BuildEnvironment> {
    const failed = (problem: string, help: string, cause?: unknown): PyvouchError =>
      new PyvouchError('BUILD_FAILED', `${request.sdist}: build failure: ${problem}`, {
        file: request.sdist,
        help,
        ...(cause === undefined ? {} : { cause }),
      });
    const requirements: Requirement[] = [];
    for (const text of request.requires) {
      try {
        requirements.push(new Requirement(text));
      } catch (err) {
        throw failed(`its build-system.requires entry '${text}' is not a valid requirement`, 'the sdist is broken; use a wheel of this package', err);
      }
    }
    const target = buildHostTarget(request.python);
    let graph: Graph;
    if (requirements.length === 0) {
      graph = { source: { format: 'resolver' }, environment: target, roots: [], nodes: [], edges: [], edgesKnown: true, diagnostics: [] };
    } else {
      try {
        graph = await resolve(requirements, this.#provider(target), { target });
      } catch (err) {
        if (!isPyvouchError(err)) throw err;
        throw failed(
          `its build requirements (${request.requires.join(', ')}) cannot be provided from the index for ` +
            `Python ${request.python}: ${err.message}`,
          'pyvouch installs build requirements from wheels on the same index and never builds them from source: ' +
            'add wheels of them to the index, or use a wheel of this package',
          err,
        );
      }
    }
    const paths: string[] = [];
    for (const node of [...graph.nodes].sort((a, b) => a.name.localeCompare(b.name))) {
      const wheel = node.artifacts.find((a) => a.kind === 'wheel');
      if (wheel === undefined) throw failed(`build requirement ${node.name} ${node.version} has no wheel`, 'add a wheel of it to the index');
      paths.push(...(await this.#unpack(node.name, wheel.filename, wheel.index, wheel.sha256)));
    }
    return { paths, packages: graph.nodes.map((n) => `${n.name}==${n.version}`).sort(), requires: request.requires, graph };
  }

  #provider(target: TargetDescription): IndexProvider {
    const key = JSON.stringify(target);
    let provider = this.#providers.get(key);
    if (provider === undefined) {
      // Wheels only, and no builds: a build tool built from source would need build tools of its own.
      provider = new IndexProvider(this.#options.indexes, { target, onlyBinary: new Set([':all:']), build: false, buildEnvironments: false });
      this.#providers.set(key, provider);
    }
    return provider;
  }

  #unpack(name: string, filename: string, indexUrl: string | undefined, sha256: string | undefined): Promise<string[]> {
    const key = sha256 ?? `${indexUrl ?? ''}/${filename}`;
    return memo(this.#unpacked, key, () => this.#unpackOnce(name, filename, indexUrl, key));
  }

  async #unpackOnce(name: string, filename: string, indexUrl: string | undefined, key: string): Promise<string[]> {
    const index = this.#options.indexes.find((i) => i.url === indexUrl) ?? this.#options.indexes[0];
    const file = (await index?.project(name))?.files.find((f) => f.filename === filename);
    if (index === undefined || file === undefined) {
      throw new PyvouchError('BUILD_FAILED', `build requirement ${filename} is no longer on the index ${indexUrl ?? ''}`);
    }
    const root = await this.#root();
    const dest = join(root, key.replace(/[^A-Za-z0-9._-]/g, '_'));
    if (!(await exists(dest))) {
      const bytes = await index.download(file);
      // Unpack beside, then move into place: a half-unpacked wheel is never mounted.
      const partial = await mkdtemp(`${dest}.partial-`);
      try {
        await extractArchive('zip', Buffer.from(bytes), filename, partial, archiveLimits());
        await rename(partial, dest).catch(async (err: unknown) => {
          if (!(await exists(dest))) throw err;
        });
      } finally {
        await rm(partial, { recursive: true, force: true });
      }
    }
    // PEP 427: files under {name}.data/purelib and platlib belong on sys.path too.
    const paths = [dest];
    const dataDir = `${filename.split('-').slice(0, 2).join('-')}.data`;
    for (const scheme of ['purelib', 'platlib']) {
      const dir = join(dest, dataDir, scheme);
      if (await exists(dir)) paths.push(dir);
    }
    return paths;
  }

  #root(): Promise<string> {
    this.#directory ??= (async () => {
      if (this.#options.directory !== undefined) {
        await mkdir(this.#options.directory, { recursive: true });
        return this.#options.directory;
      }
      return mkdtemp(join(tmpdir(), 'pyvouch-build-deps-'));
    })();
    return this.#directory;
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
