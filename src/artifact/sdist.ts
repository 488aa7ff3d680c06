// Reads an sdist's PKG-INFO and pyproject.toml without extracting it, and decides whether its
// dependencies are static (PEP 643 for PKG-INFO, PEP 621 for [project]) or need a sandboxed build.

import { basename } from 'node:path';
import { PyvouchError } from '../errors.js';
import { parseSdistFilename } from '../pep/filename.js';
import { Version } from '../pep/version.js';
import { parseCoreMetadata, isStaticRequiresDist, type CoreMetadata } from '../pep/metadata.js';
import { normalizeExtra } from '../pep/name.js';
import { Requirement } from '../pep/requirement.js';
import { SpecifierSet } from '../pep/specifier.js';
import { archiveFormat, readArchiveMembers, singleTopDirectory, type ArchiveFormat, type ArchiveSource } from './archive.js';
import { buildSdistMetadata, type BuildEnvironment, type BuildMetadataOptions } from './build-metadata.js';
import { archiveLimits } from './limits.js';
import { invalidArchive } from './member.js';
import type { MetadataBuildInfo } from './target-env.js';
import { parsePyproject, type ProjectTable, type Pyproject } from '../pep/pyproject.js';
import { decodeUtf8, type ReadArchiveOptions } from './wheel.js';
import { FieldProblems } from '../text/problems.js';

export interface SdistMetadata {
  readonly format: ArchiveFormat;
  /** The top-level directory, e.g. `foo-1.0`. */
  readonly root: string;
  readonly pkgInfo?: CoreMetadata;
  readonly pkgInfoText?: string;
  readonly pyproject?: Pyproject;
  readonly pyprojectText?: string;
}

/** `{root}/PKG-INFO` and `{root}/pyproject.toml` of an sdist (.tar.gz, or .zip for old releases). */
export async function readSdistMetadata(
  source: ArchiveSource,
  filename: string,
  options: ReadArchiveOptions = {},
): Promise<SdistMetadata> {
  const archive = typeof source === 'string' ? source : filename;
  const name = basename(filename);
  const sdist = parseSdistFilename(name);
  const format = archiveFormat(name, archive);
  const limits = archiveLimits(options.limits);
  // The root is only known once every member is seen, so keep both files of any top directory.
  const wanted = /^[^/]+\/(PKG-INFO|pyproject\.toml)$/;
  const { members, files } = await readArchiveMembers(format, source, archive, limits, (m) => wanted.test(m.path));
  const root = singleTopDirectory(members, archive);

  let result: SdistMetadata = { format, root };
  const pkgInfoBytes = files.get(`${root}/PKG-INFO`);
  if (pkgInfoBytes !== undefined) {
    const pkgInfoText = decodeUtf8(pkgInfoBytes, archive, `${root}/PKG-INFO`);
    const pkgInfo = parseCoreMetadata(pkgInfoText, { file: `${archive}!${root}/PKG-INFO` });
    if (pkgInfo.canonicalName !== sdist.name) {
      throw invalidArchive(archive, `PKG-INFO names the project '${pkgInfo.name}', not '${sdist.name}' as the file name says`);
    }
    // The wheel reader refuses the same lie: metadata of another version is not this file's.
    const pkgVersion = Version.tryParse(pkgInfo.version)?.toString() ?? pkgInfo.version;
    if (pkgVersion !== sdist.version.toString()) {
      throw invalidArchive(archive, `PKG-INFO has version '${pkgInfo.version}', not '${sdist.version.toString()}' as the file name says`);
    }
    result = { ...result, pkgInfo, pkgInfoText };
  }
  const pyprojectBytes = files.get(`${root}/pyproject.toml`);
  if (pyprojectBytes !== undefined) {
    const pyprojectText = decodeUtf8(pyprojectBytes, archive, `${root}/pyproject.toml`);
    const pyproject = parsePyproject(pyprojectText, `${archive}!${root}/pyproject.toml`);
    result = { ...result, pyproject, pyprojectText };
  }
  return result;
}

export interface SdistDependencies {
  readonly requiresDist: readonly Requirement[];
  /** Normalized extra names (PEP 685). */
  readonly providesExtra: readonly string[];
  /** Normalized specifier set, or undefined when the project states none. */
  readonly requiresPython: string | undefined;
  /** `built` means code from the sdist ran (in the sandbox) to produce this answer. */
  readonly origin: 'static' | 'built';
  /** One sentence for reports on where the answer came from. */
  readonly how: string;
  /** The core metadata the answer was read from (PKG-INFO or the built METADATA), if any. */
  readonly metadata?: CoreMetadata;
  /** For built answers: how it was built for the target (interpreter, emulation, build requirements). */
  readonly build?: MetadataBuildInfo;
  /** For built answers: the build requirements provided to the build. */
  readonly environment?: BuildEnvironment;
}

export type StaticDecision =
  | (Omit<SdistDependencies, 'origin'> & { readonly origin: 'static' })
  | { readonly origin: 'dynamic'; readonly why: string };

/**
 * Whether the sdist's own files already state its dependencies. `extras` are the extras the
 * caller needs: a dynamic extras list only matters when some are needed.
 */
export function staticDependencies(sdist: SdistMetadata, extras: readonly string[] = []): StaticDecision {
  const needExtras = extras.length > 0;
  const reasons: string[] = [];
  const { pkgInfo } = sdist;
  if (pkgInfo === undefined) {
    reasons.push('the sdist has no PKG-INFO');
  } else if (!isStaticRequiresDist(pkgInfo)) {
    reasons.push(
      pkgInfo.dynamic.includes('requires-dist')
        ? 'PKG-INFO marks Requires-Dist as Dynamic'
        : `PKG-INFO is Metadata-Version ${pkgInfo.metadataVersion}, older than 2.2 (PEP 643)`,
    );
  } else if (pkgInfo.dynamic.includes('requires-python')) {
    reasons.push('PKG-INFO marks Requires-Python as Dynamic');
  } else if (needExtras && pkgInfo.dynamic.includes('provides-extra')) {
    reasons.push('PKG-INFO marks Provides-Extra as Dynamic and extras are needed');
  } else {
    const partial = pkgInfo.dynamic.includes('provides-extra') ? ' (its extras are Dynamic, and none were needed)' : '';
    return {
      origin: 'static',
      requiresDist: pkgInfo.requiresDist,
      providesExtra: pkgInfo.providesExtra,
      requiresPython: pkgInfo.requiresPython,
      how: `static: PKG-INFO Metadata-Version ${pkgInfo.metadataVersion} does not mark Requires-Dist as Dynamic (PEP 643)${partial}`,
      metadata: pkgInfo,
    };
  }

  const project = sdist.pyproject?.project;
  if (project === undefined) {
    reasons.push('pyproject.toml has no [project] table');
  } else if (project.dynamic.includes('dependencies')) {
    reasons.push('pyproject.toml lists dependencies in project.dynamic');
  } else if (project.dynamic.includes('requires-python')) {
    reasons.push('pyproject.toml lists requires-python in project.dynamic');
  } else if (needExtras && project.dynamic.includes('optional-dependencies')) {
    reasons.push('pyproject.toml lists optional-dependencies in project.dynamic and extras are needed');
  } else {
    const partial = project.dynamic.includes('optional-dependencies')
      ? ' (its optional-dependencies are dynamic, and no extras were needed)'
      : '';
    return {
      origin: 'static',
      ...projectDependencies(project, `${sdist.root}/pyproject.toml`),
      how: `static: pyproject.toml [project] does not list dependencies in dynamic (PEP 621)${partial}`,
    };
  }
  return { origin: 'dynamic', why: reasons.join('; ') };
}

/**
 * [project] dependencies as core metadata would state them: optional dependencies become
 * Requires-Dist entries guarded by `extra == "name"`, as build backends write them.
 */
function projectDependencies(
  project: ProjectTable,
  file: string,
): Pick<SdistDependencies, 'requiresDist' | 'providesExtra' | 'requiresPython'> {
  const problems = new FieldProblems('METADATA_PARSE', { file, headline: (_first, total) => `${total} invalid dependency field(s) in pyproject.toml` });
  const parse = (text: string, path: string, extra?: string): Requirement | undefined => {
    try {
      const req = new Requirement(text);
      if (extra === undefined) return req;
      const guard = `extra == "${extra}"`;
      const marker = req.marker === null ? guard : `(${req.marker.toString()}) and ${guard}`;
      const head = req.marker === null ? req.toString() : req.toString().slice(0, -`; ${req.marker.toString()}`.length);
      return new Requirement(`${head.trimEnd()} ; ${marker}`);
    } catch (err) {
      problems.add(path, err instanceof Error ? err.message : String(err), { cause: err });
      return undefined;
    }
  };
  const requiresDist: Requirement[] = [];
  (project.dependencies ?? []).forEach((text, i) => {
    const req = parse(text, `project.dependencies[${i}]`);
    if (req !== undefined) requiresDist.push(req);
  });
  const providesExtra: string[] = [];
  for (const [rawExtra, reqs] of Object.entries(project.optionalDependencies ?? {})) {
    const extra = normalizeExtra(rawExtra);
    providesExtra.push(extra);
    reqs.forEach((text, i) => {
      const req = parse(text, `project.optional-dependencies.${rawExtra}[${i}]`, extra);
      if (req !== undefined) requiresDist.push(req);
    });
  }
  let requiresPython: string | undefined;
  if (project.requiresPython !== undefined) {
    try {
      requiresPython = new SpecifierSet(project.requiresPython).toString();
    } catch (err) {
      problems.add('project.requires-python', err instanceof Error ? err.message : String(err), { cause: err });
    }
  }
  problems.throwIfAny();
  return { requiresDist, providesExtra, requiresPython };
}

export interface SdistDependenciesOptions extends BuildMetadataOptions {
  /** Extras the caller needs; a dynamic extras list forces a build only when this is not empty. */
  extras?: readonly string[];
  /** false: never run build code; dynamic dependencies then fail with SANDBOX_UNAVAILABLE. */
  build?: boolean;
}

/**
 * The dependencies of an sdist: read from its static metadata when that is allowed, otherwise
 * obtained by running its build backend in the sandbox (origin `built`).
 */
export async function sdistDependencies(
  source: ArchiveSource,
  filename: string,
  options: SdistDependenciesOptions = {},
): Promise<SdistDependencies> {
  const archive = typeof source === 'string' ? source : filename;
  const sdist = await readSdistMetadata(source, filename, options.limits === undefined ? {} : { limits: options.limits });
  const decision = staticDependencies(sdist, options.extras ?? []);
  if (decision.origin === 'static') return decision;
  if (options.build === false) {
    throw new PyvouchError(
      'SANDBOX_UNAVAILABLE',
      `${archive}: dependencies are dynamic (${decision.why}) and running build code is disabled`,
      { file: archive, help: 'allow the sandboxed metadata build, or use a wheel of this package' },
    );
  }
  const built = await buildSdistMetadata(source, filename, options);
  return {
    requiresDist: built.metadata.requiresDist,
    providesExtra: built.metadata.providesExtra,
    requiresPython: built.metadata.requiresPython,
    origin: 'built',
    how: `${decision.why}, so ${built.how}`,
    metadata: built.metadata,
    build: built.build,
    ...(built.environment === undefined ? {} : { environment: built.environment }),
  };
}
