// The metadata assessor: core metadata (PEP 566/643) and index history (PEP 503/691 pages with
// PEP 700 upload times) that do not fit an honest release: a metadata name that is not the
// project's, a brand-new project with nobody named behind it, a version far out of sequence, a
// wheel-only release of a project that always shipped sdists. Pure.
import { canonicalizeName } from '../pep/name.js';
import type { CoreMetadata } from '../pep/metadata.js';
import { Version } from '../pep/version.js';
import type { ProjectPage } from '../simple/types.js';
import { parseSdistFilename, parseWheelFilename } from '../pep/filename.js';
import type { Finding } from './finding.js';

export interface MetadataInput {
  /** The project name the user asked for (or the file name gives), canonical. */
  name: string;
  version: string;
  distribution?: string;
  metadata?: CoreMetadata;
  metadataProblem?: string;
  /** The project's index page, when one was available. */
  page?: ProjectPage;
  now?: Date;
}

/** A project whose first upload is younger than this counts as brand new. */
const NEW_PROJECT_DAYS = 30;

export function assessMetadata(input: MetadataInput): Finding[] {
  const out: Finding[] = [];
  const base = {
    assessor: 'metadata' as const,
    kind: 'metadata-anomaly' as const,
    name: input.name,
    version: input.version,
    ...(input.distribution === undefined ? {} : { distribution: input.distribution }),
  };
  const meta = input.metadata;
  if (meta === undefined) {
    if (input.metadataProblem !== undefined) {
      out.push({ ...base, rule: 'metadata-unreadable', severity: 'medium', message: `the core metadata cannot be read: ${input.metadataProblem}` });
    }
  } else {
    if (meta.canonicalName !== canonicalizeName(input.name)) {
      out.push({ ...base, rule: 'metadata-name-mismatch', severity: 'high', message: `the metadata names the project '${meta.name}', not '${input.name}'` });
    }
    if (meta.version !== input.version) {
      out.push({ ...base, rule: 'metadata-version-mismatch', severity: 'high', message: `the metadata says version '${meta.version}', not '${input.version}'` });
    }
  }
  const page = input.page;
  if (page === undefined) return out;
  const now = input.now ?? new Date();
  const uploads = page.files.map((f) => (f.uploadTime === undefined ? NaN : Date.parse(f.uploadTime))).filter((t) => !Number.isNaN(t));
  if (meta !== undefined && uploads.length > 0) {
    const first = Math.min(...uploads);
    const anonymous = meta.author === undefined && meta.authorEmail === undefined && meta.maintainer === undefined && meta.maintainerEmail === undefined;
    const noHome = meta.homePage === undefined && meta.projectUrls.length === 0;
    if (now.getTime() - first < NEW_PROJECT_DAYS * 86_400_000 && anonymous && noHome) {
      const days = Math.max(0, Math.floor((now.getTime() - first) / 86_400_000));
      out.push({ ...base, rule: 'new-anonymous-project', severity: 'medium', message: `the project's first upload is ${days} day(s) old and its metadata names no author, maintainer or home page` });
    }
  }
  // Versions per file name; files with names that do not parse are ignored here.
  const byVersion = new Map<string, { wheel: boolean; sdist: boolean; version: Version }>();
  for (const f of page.files) {
    let version: Version | undefined;
    let wheel = false;
    try {
      if (f.filename.endsWith('.whl')) {
        version = parseWheelFilename(f.filename).version;
        wheel = true;
      } else version = parseSdistFilename(f.filename).version;
    } catch {
      continue;
    }
    const key = version.toString();
    const entry = byVersion.get(key) ?? { wheel: false, sdist: false, version };
    if (wheel) entry.wheel = true;
    else entry.sdist = true;
    byVersion.set(key, entry);
  }
  const current = Version.tryParse(input.version);
  const others = [...byVersion.values()].filter((v) => v.version.toString() !== input.version && !v.version.isPrerelease);
  if (current !== null && others.length >= 2) {
    const lower = others.filter((v) => v.version.compare(current) < 0);
    const maxMajor = Math.max(...lower.map((v) => v.version.release[0] ?? 0));
    const major = current.release[0] ?? 0;
    if (lower.length === others.length && lower.length > 0 && major >= Math.max(maxMajor * 2 + 2, maxMajor + 10) && major < 1900) {
      out.push({ ...base, rule: 'version-out-of-sequence', severity: 'medium', message: `version ${input.version} jumps far past every earlier release (highest major ${maxMajor}), as dependency-confusion uploads do` });
    }
  }
  const mine = byVersion.get(input.version);
  const history = others.filter((v) => v.wheel || v.sdist);
  if (mine !== undefined && mine.wheel && !mine.sdist && history.length >= 3 && history.every((v) => v.sdist)) {
    out.push({ ...base, rule: 'wheel-without-sdist', severity: 'medium', message: `this release has wheels but no sdist, though each of the project's ${history.length} other releases had one: its source cannot be compared` });
  }
  return out;
}
