// A resolver provider over package indexes (PEP 503/691 pages, PEP 592 yanking, PEP 658/714
// metadata files) for one target: files are chosen by wheel tags (PEP 425) and --no-binary /
// --only-binary; dependencies come from the wheel's METADATA (the PEP 658 file when the index has
// one), or from an sdist's static metadata (PEP 643 PKG-INFO, PEP 621 pyproject.toml), or, when
// those are dynamic, from its build backend run in the sandbox — and the node says which.

import type { SdistDependenciesOptions } from '../artifact/sdist.js';
import { PyvouchError } from '../errors.js';
import type { Artifact } from '../graph/graph.js';
import type { IndexFile, PackageIndex } from '../simple/types.js';
import type { BuildEnvironments } from './build-deps.js';
import { parseSdistFilename, parseWheelFilename } from '../pep/filename.js';
import { isStaticRequiresDist, parseCoreMetadata, type CoreMetadata } from '../pep/metadata.js';
import { canonicalizeName } from '../pep/name.js';
import { Version } from '../pep/version.js';
import { chooseFiles, type FilePolicy } from './artifacts.js';
import type { CandidateDependencies, CandidateVersion, ResolverProvider } from './provider.js';

export interface IndexProviderOptions extends FilePolicy {
  /**
   * Whether an sdist whose dependencies are dynamic may be built in the sandbox (default true).
   * When false, such releases are unusable and the explanation says so.
   */
  build?: boolean;
  /** Sandbox and archive limits for sdist metadata builds. */
  sdist?: Omit<SdistDependenciesOptions, 'extras' | 'build'>;
  /**
   * Where sdist builds get their build requirements (build-deps.ts): default, resolved from these
   * same indexes; false, only the build interpreter's own packages (and no build edges).
   */
  buildEnvironments?: BuildEnvironments | false;
}

interface Release {
  readonly candidate: CandidateVersion;
  /** The files that would be installed, best first (empty when unusable). */
  readonly files: readonly IndexFile[];
  readonly index: PackageIndex;
}

interface Project {
  readonly releases: Map<string, Release>;
  readonly list: CandidateVersion[];
}

/** The version a distribution file of `name` carries, or null when the file is not one of it. */
function fileVersion(name: string, filename: string): Version | null {
  try {
    if (filename.endsWith('.whl')) {
      const wheel = parseWheelFilename(filename);
      return wheel.name === name ? wheel.version : null;
    }
    const sdist = parseSdistFilename(filename);
    return sdist.name === name ? sdist.version : null;
  } catch {
    // Files an installer could not name (eggs, .exe installers, malformed names) are not offered.
    return null;
  }
}

export class IndexProvider implements ResolverProvider {
  readonly #indexes: readonly PackageIndex[];
  readonly #options: IndexProviderOptions;
  readonly #projects = new Map<string, Promise<Project>>();
  readonly #dependencies = new Map<string, Promise<CandidateDependencies>>();
  #buildEnvironments: Promise<BuildEnvironments | undefined> | undefined;

  /**
   * `indexes` are asked in order and the first that knows a project answers for it alone (uv's
   * default, which keeps a public index from shadowing a private one: no dependency confusion).
   */
  constructor(indexes: PackageIndex | readonly PackageIndex[], options: IndexProviderOptions) {
    this.#indexes = Array.isArray(indexes) ? indexes : [indexes as PackageIndex];
    this.#options = options;
  }

  #project(name: string): Promise<Project> {
    let promise = this.#projects.get(name);
    if (promise === undefined) {
      promise = this.#load(name);
      this.#projects.set(name, promise);
    }
    return promise;
  }

  async #load(name: string): Promise<Project> {
    for (const index of this.#indexes) {
      const page = await index.project(name);
      if (page === undefined) continue;
      const byVersion = new Map<string, { version: Version; files: IndexFile[] }>();
      for (const file of page.files) {
        const version = fileVersion(name, file.filename);
        if (version === null) continue;
        let group = byVersion.get(version.sortKey);
        if (group === undefined) byVersion.set(version.sortKey, (group = { version, files: [] }));
        group.files.push(file);
      }
      const releases = new Map<string, Release>();
      for (const [key, { version, files }] of byVersion) releases.set(key, this.#release(name, version, files, index));
      return { releases, list: [...releases.values()].map((r) => r.candidate) };
    }
    return { releases: new Map(), list: [] };
  }

  #release(name: string, version: Version, files: readonly IndexFile[], index: PackageIndex): Release {
    const choice = chooseFiles(name, files, this.#options);
    // PEP 592 yanks files; a release counts as yanked when every file it would install is.
    const live = choice.chosen.filter((f) => f.yanked === false);
    const chosen = live.length > 0 ? live : choice.chosen;
    const first = chosen[0];
    const yanked = live.length > 0 || first === undefined ? false : first.yanked;
    const candidate: CandidateVersion = {
      version,
      yanked,
      ...(first?.requiresPython === undefined ? {} : { requiresPython: first.requiresPython }),
      ...(choice.unusable === undefined ? {} : { unusable: choice.unusable }),
    };
    return { candidate, files: chosen, index };
  }

  async versions(name: string): Promise<readonly CandidateVersion[]> {
    return (await this.#project(name)).list;
  }

  async #releaseOf(name: string, version: Version): Promise<Release> {
    const release = (await this.#project(name)).releases.get(version.sortKey);
    if (release === undefined) throw new Error(`internal: ${name} ${version.toString()} is not on the index page`);
    return release;
  }

  dependencies(name: string, version: Version, extras: readonly string[]): Promise<CandidateDependencies> {
    const key = `${name}@${version.sortKey}${extras.length > 0 ? '+extras' : ''}`;
    let promise = this.#dependencies.get(key);
    if (promise === undefined) {
      promise = this.#read(name, version, extras);
      this.#dependencies.set(key, promise);
    }
    return promise;
  }

  async #read(name: string, version: Version, extras: readonly string[]): Promise<CandidateDependencies> {
    const release = await this.#releaseOf(name, version);
    const file = release.files[0];
    if (file === undefined) throw new Error(`internal: ${name} ${version.toString()} has no usable file`);
    if (file.filename.endsWith('.whl')) {
      const meta = parseCoreMetadata(await release.index.coreMetadata(file), { file: `${file.url}.metadata` });
      checkIdentity(meta, name, version, file.filename);
      return fromMetadata(meta, 'static');
    }
    // An sdist's PEP 658 file is only trusted when it says its dependencies are static (PEP 643).
    if (file.coreMetadata !== false) {
      const meta = parseCoreMetadata(await release.index.coreMetadata(file), { file: `${file.url}.metadata` });
      if (isStaticRequiresDist(meta) && (extras.length === 0 || !meta.dynamic.includes('provides-extra'))) {
        checkIdentity(meta, name, version, file.filename);
        return fromMetadata(meta, 'static');
      }
    }
    const bytes = await release.index.download(file);
    const environments = await this.#environments();
    const options: SdistDependenciesOptions = {
      ...(this.#options.sdist ?? {}),
      extras,
      build: this.#options.build ?? true,
      target: this.#options.target,
      ...(environments === undefined ? {} : { buildEnvironment: environments.provide }),
    };
    // The sdist reader and the sandboxed build load only when an sdist is read (wheels need neither).
    const { sdistDependencies } = await import('../artifact/sdist.js');
    const deps = await sdistDependencies(bytes, file.filename, options);
    if (deps.metadata !== undefined) checkIdentity(deps.metadata, name, version, file.filename);
    return {
      requires: deps.requiresDist,
      providesExtra: deps.providesExtra,
      ...(deps.requiresPython === undefined ? {} : { requiresPython: deps.requiresPython }),
      metadata: deps.origin,
      how: deps.how,
      ...(deps.build === undefined ? {} : { build: deps.build }),
      ...(deps.environment === undefined ? {} : { buildRequirements: deps.environment }),
    };
  }

  /** The build environments of this provider's sdist builds (build-deps.ts), made on first use. */
  #environments(): Promise<BuildEnvironments | undefined> {
    const given = this.#options.buildEnvironments;
    if (given === false) return Promise.resolve(undefined);
    if (given !== undefined) return Promise.resolve(given);
    // Loaded on demand: build-deps.ts itself resolves with an IndexProvider.
    this.#buildEnvironments ??= import('./build-deps.js').then(({ BuildEnvironments }) => new BuildEnvironments({ indexes: this.#indexes }));
    return this.#buildEnvironments;
  }

  async artifacts(name: string, version: Version): Promise<Artifact[]> {
    const release = await this.#releaseOf(name, version);
    return release.files.map((f) => {
      const artifact: Artifact = {
        filename: f.filename,
        url: f.url,
        kind: f.filename.endsWith('.whl') ? 'wheel' : 'sdist',
        index: release.index.url,
      };
      const sha256 = f.hashes.sha256;
      if (sha256 !== undefined) artifact.sha256 = sha256;
      if (f.size !== undefined) artifact.size = f.size;
      return artifact;
    });
  }

  prefetch(name: string, version: Version): Promise<CandidateDependencies | undefined> {
    return this.#releaseOf(name, version)
      .then((release) => {
        const file = release.files[0];
        // Only what is cheap to read, a wheel's metadata; an sdist might need a build.
        return file !== undefined && file.filename.endsWith('.whl') ? this.dependencies(name, version, []) : undefined;
      })
      .catch(() => undefined);
  }
}

function fromMetadata(meta: CoreMetadata, origin: 'static' | 'built'): CandidateDependencies {
  return {
    requires: meta.requiresDist,
    providesExtra: meta.providesExtra,
    ...(meta.requiresPython === undefined ? {} : { requiresPython: meta.requiresPython }),
    metadata: origin,
  };
}

/** pip refuses metadata that names another project or version than the file: so do we. */
function checkIdentity(meta: CoreMetadata, name: string, version: Version, filename: string): void {
  const metaVersion = Version.tryParse(meta.version);
  if (canonicalizeName(meta.name) !== name || metaVersion === null || metaVersion.sortKey !== version.sortKey) {
    throw new PyvouchError(
      'METADATA_PARSE',
      `${filename}: its metadata names ${meta.name} ${meta.version}, not ${name} ${version.toString()}`,
      { file: filename, help: 'the index serves inconsistent metadata for this file; report it to the project' },
    );
  }
}
