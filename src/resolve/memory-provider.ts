// A provider over releases held in memory: for tests, for the resolver corpora (packse scenarios,
// resolvelib's PyPI snapshots) and for callers that already know the metadata. Files are derived
// from each release's wheel tags and sdist flag, so tag compatibility and --no-binary behave as
// they would against an index.

import { createHash } from 'node:crypto';
import type { Artifact } from '../graph/graph.js';
import { canonicalizeName, normalizeExtra } from '../pep/name.js';
import { Requirement } from '../pep/requirement.js';
import { Version } from '../pep/version.js';
import { chooseFiles, type FilePolicy } from './artifacts.js';
import type { CandidateDependencies, CandidateVersion, ResolverProvider } from './provider.js';

export interface MemoryRelease {
  version: string;
  /** Requires-Dist lines; a line may carry `extra == "x"` itself. */
  requires?: readonly string[];
  /** Requirements of each extra, as `[extra]` tables write them (the extra marker is added). */
  extras?: Readonly<Record<string, readonly string[]>>;
  requiresPython?: string;
  yanked?: boolean | string;
  /** Wheel tags, one wheel each (default `py3-none-any`). */
  wheelTags?: readonly string[];
  /** Whether wheels exist (default true). */
  wheel?: boolean;
  /** Whether an sdist exists (default true). */
  sdist?: boolean;
  /** How the metadata is said to be learned (default 'static'). */
  metadata?: 'static' | 'built';
}

interface StoredRelease {
  readonly candidate: CandidateVersion;
  readonly files: Artifact[];
  readonly release: MemoryRelease;
  parsed?: CandidateDependencies;
}

export interface MemoryProviderStats {
  versionCalls: number;
  dependencyCalls: number;
}

function fileStem(name: string): string {
  return name.replace(/-/g, '_');
}

/** Where a file of the in-memory index would be (a reserved domain: it never resolves), so a lock written from it names one. */
function memoryUrl(name: string, filename: string): string {
  return `https://memory.invalid/${name}/${filename}`;
}

/** An in-memory file's bytes are its name: its digest is that of the name. */
function memorySha256(filename: string): string {
  return createHash('sha256').update(filename).digest('hex');
}

export class MemoryProvider implements ResolverProvider {
  readonly #projects = new Map<string, StoredRelease[]>();
  readonly stats: MemoryProviderStats = { versionCalls: 0, dependencyCalls: 0 };

  /** `projects` maps project names (any spelling) to their releases. */
  constructor(projects: Readonly<Record<string, readonly MemoryRelease[]>>, policy: FilePolicy) {
    for (const [rawName, releases] of Object.entries(projects)) {
      const name = canonicalizeName(rawName);
      const stored: StoredRelease[] = this.#projects.get(name) ?? [];
      for (const release of releases) {
        const version = Version.tryParse(release.version);
        // Releases with versions PEP 440 cannot read are invisible, as they are to pip.
        if (version === null) continue;
        const stem = `${fileStem(name)}-${version.toString()}`;
        const files: Artifact[] = [];
        if (release.wheel !== false) {
          for (const tag of release.wheelTags ?? ['py3-none-any']) files.push({ filename: `${stem}-${tag}.whl`, kind: 'wheel', url: memoryUrl(name, `${stem}-${tag}.whl`), sha256: memorySha256(`${stem}-${tag}.whl`) });
        }
        if (release.sdist !== false) files.push({ filename: `${stem}.tar.gz`, kind: 'sdist', url: memoryUrl(name, `${stem}.tar.gz`), sha256: memorySha256(`${stem}.tar.gz`) });
        const choice = chooseFiles(name, files, policy);
        const candidate: CandidateVersion = {
          version,
          yanked: release.yanked ?? false,
          ...(release.requiresPython === undefined ? {} : { requiresPython: release.requiresPython }),
          ...(choice.unusable === undefined ? {} : { unusable: choice.unusable }),
        };
        stored.push({ candidate, files: choice.chosen, release });
      }
      this.#projects.set(name, stored);
    }
  }

  versions(name: string): Promise<readonly CandidateVersion[]> {
    this.stats.versionCalls++;
    return Promise.resolve((this.#projects.get(name) ?? []).map((r) => r.candidate));
  }

  #find(name: string, version: Version): StoredRelease {
    const release = this.#projects.get(name)?.find((r) => r.candidate.version.sortKey === version.sortKey);
    if (release === undefined) throw new Error(`internal: ${name} ${version.toString()} is not in the memory index`);
    return release;
  }

  // async, so that a release with unreadable metadata rejects rather than throws.
  async dependencies(name: string, version: Version): Promise<CandidateDependencies> {
    this.stats.dependencyCalls++;
    const stored = this.#find(name, version);
    if (stored.parsed === undefined) {
      const { release } = stored;
      const requires = (release.requires ?? []).map((text) => new Requirement(text));
      const providesExtra = Object.keys(release.extras ?? {}).map(normalizeExtra);
      for (const [extra, lines] of Object.entries(release.extras ?? {})) {
        for (const line of lines) requires.push(withExtraMarker(new Requirement(line), extra));
      }
      stored.parsed = {
        requires,
        providesExtra,
        ...(release.requiresPython === undefined ? {} : { requiresPython: release.requiresPython }),
        metadata: release.metadata ?? 'static',
      };
    }
    return stored.parsed;
  }

  prefetch(name: string, version: Version): Promise<CandidateDependencies | undefined> {
    return this.dependencies(name, version).catch(() => undefined);
  }

  artifacts(name: string, version: Version): Promise<Artifact[]> {
    return Promise.resolve(this.#find(name, version).files);
  }
}

/** `req` that applies only when `extra` is being installed. */
function withExtraMarker(req: Requirement, extra: string): Requirement {
  const head = `${req.name}${req.extras.length > 0 ? `[${req.extras.join(',')}]` : ''}${req.specifier.toString()}`;
  const url = req.url === null ? '' : ` @ ${req.url} `;
  const marker = req.marker === null ? '' : `(${req.marker.toString()}) and `;
  return new Requirement(`${head}${url}; ${marker}extra == "${extra}"`);
}
