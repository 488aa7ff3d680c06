// Package URLs for Python releases (package-url spec, type "pypi"): pkg:pypi/<name>@<version>,
// the name in its PEP 503 canonical form and the version PEP 440-normalised, so that one release
// has one URI and statements about it meet in the same graph node.

import { PyvouchError } from '../errors.js';
import { canonicalizeName } from '../pep/name.js';
import { Version } from '../pep/version.js';

const PREFIX = 'pkg:pypi/';

export interface PackageRelease {
  /** PEP 503 canonical name. */
  name: string;
  /** PEP 440 normalised version. */
  version: string;
}

/** Canonical name and normalised version of a release; INVALID_NAME / INVALID_VERSION otherwise. */
export function normaliseRelease(name: string, version: string): PackageRelease {
  return { name: canonicalizeName(name, { validate: true }), version: new Version(version).toString() };
}

/** The purl of a release, normalising name and version first. */
export function purlFor(name: string, version: string): string {
  const release = normaliseRelease(name, version);
  return PREFIX + release.name + '@' + encodeVersion(release.version);
}

/**
 * The release a pyvouch purl names. Strict: only the canonical spelling pyvouch writes is accepted
 * (no qualifiers or subpath, canonical name, normalised version), since the purl is the join key
 * of the statement graph. STATEMENT_INVALID otherwise.
 */
export function parsePypiPurl(purl: string): PackageRelease {
  const bad = (why: string): PyvouchError =>
    new PyvouchError('STATEMENT_INVALID', `'${purl}' is not a pyvouch package URL: ${why}`);
  if (!purl.startsWith(PREFIX)) throw bad(`expected it to start with '${PREFIX}'`);
  const rest = purl.slice(PREFIX.length);
  if (/[?#]/.test(rest)) throw bad('qualifiers and subpaths are not used');
  const at = rest.indexOf('@');
  if (at < 0) throw bad('it names no version');
  const name = rest.slice(0, at);
  const encodedVersion = rest.slice(at + 1);
  let version: string;
  try {
    version = decodeURIComponent(encodedVersion);
  } catch {
    throw bad('the version is not valid percent-encoding');
  }
  let release: PackageRelease;
  try {
    release = normaliseRelease(name, version);
  } catch (err) {
    throw bad(err instanceof Error ? err.message : String(err));
  }
  if (release.name !== name) throw bad(`the name is not canonical (PEP 503: '${release.name}')`);
  if (release.version !== version) throw bad(`the version is not normalised (PEP 440: '${release.version}')`);
  if (encodeVersion(version) !== encodedVersion) throw bad('the version is not percent-encoded canonically');
  return release;
}

// The purl spec leaves alphanumerics and ".-_~" bare and percent-encodes the rest; a normalised PEP
// 440 version can still hold '!' (epoch) and '+' (local version), which become %21 and %2B.
function encodeVersion(version: string): string {
  return version.replace(/[^A-Za-z0-9._~-]/g, (ch) =>
    [...Buffer.from(ch, 'utf8')].map((b) => '%' + b.toString(16).toUpperCase().padStart(2, '0')).join(''),
  );
}
