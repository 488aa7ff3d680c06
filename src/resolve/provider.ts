// What the resolver asks of the world: the releases of a project and the dependencies of one
// release. A provider is built for one target environment (it decides which files fit it); the
// solver keeps the packaging rules that depend on the requirements (pre-releases, yanked pins,
// requires-python, markers). index-provider.ts answers from a PEP 503/691 index, memory-provider.ts
// from data in memory (tests, corpora).

import type { BuildEnvironment } from '../artifact/build-metadata.js';
import type { MetadataBuildInfo } from '../artifact/target-env.js';
import type { Artifact } from '../graph/graph.js';
import type { Requirement } from '../pep/requirement.js';
import type { Version } from '../pep/version.js';

/** One release of a project as the index lists it. */
export interface CandidateVersion {
  readonly version: Version;
  /** PEP 592: false, or the reason (true when none is given). */
  readonly yanked: boolean | string;
  /** The Requires-Python the index states for the file that would be used (PEP 503/691). */
  readonly requiresPython?: string;
  /**
   * Set when no file of the release can be installed on the target, as the rest of a sentence
   * about the release: "has no wheel for the target and no source distribution".
   */
  readonly unusable?: string;
}

/** What the metadata of one release says, with markers still unevaluated. */
export interface CandidateDependencies {
  /** Requires-Dist, every extra's included (their markers say which extra they belong to). */
  readonly requires: readonly Requirement[];
  /** Provides-Extra, normalised (PEP 685); used to warn about extras that do not exist. */
  readonly providesExtra?: readonly string[];
  /** Requires-Python from the metadata itself, when it states one. */
  readonly requiresPython?: string;
  /** How the dependencies were learned: from declarative metadata, or by running a build. */
  readonly metadata: 'static' | 'built';
  /** One sentence on where the answer came from (shown for built metadata). */
  readonly how?: string;
  /** For built metadata: the interpreter, emulated target and build requirements of the build. */
  readonly build?: MetadataBuildInfo;
  /** For built metadata: the build requirements' own resolution, joined to the graph as build edges. */
  readonly buildRequirements?: BuildEnvironment;
}

export interface ResolverProvider {
  /**
   * Every release of the project (canonical name), in any order; an empty list when the index
   * does not know it. Called once per project and resolution.
   */
  versions(name: string): Promise<readonly CandidateVersion[]>;
  /**
   * The metadata of one release. `extras` are the extras the resolver needs from it (an sdist
   * whose extras are dynamic needs a build only when some are needed). Throwing a PyvouchError
   * whose code is one of UNUSABLE_CANDIDATE_CODES marks just this release as unusable.
   */
  dependencies(name: string, version: Version, extras: readonly string[]): Promise<CandidateDependencies>;
  /** The files that would be installed for the release, for the graph (compatible wheels, else sdist). */
  artifacts(name: string, version: Version): Promise<Artifact[]>;
  /**
   * A hint that `dependencies(name, version)` will probably be asked soon: fetch it now if that
   * is cheap (a PEP 658 file or a wheel) and return it, so the resolver can look further ahead;
   * undefined when it is not cheap (never run a build for a hint). Must not reject.
   */
  prefetch?(name: string, version: Version): Promise<CandidateDependencies | undefined>;
}

/**
 * Errors that condemn one release rather than the whole resolution: its metadata cannot be read or
 * built. The resolver skips the release and says why if that leaves no solution.
 */
export const UNUSABLE_CANDIDATE_CODES: ReadonlySet<string> = new Set([
  'METADATA_PARSE',
  'ARCHIVE_INVALID',
  'ARCHIVE_UNSAFE',
  'SANDBOX_UNAVAILABLE',
  'SANDBOX_FAILED',
  'DIGEST_MISMATCH',
  'INVALID_REQUIREMENT',
  'INVALID_SDIST_FILENAME',
  'INVALID_WHEEL_FILENAME',
]);
