// What the HTML (PEP 503) and JSON (PEP 691) forms of a simple API project page share: the API
// version rule (PEP 629), link resolution, hash fragments, PEP 658/714 metadata values and PEP 740
// provenance, so both parsers turn the same facts into the same IndexFile.

import { FieldProblems } from '../text/problems.js';
import { digestProblem, splitDigest } from './digest.js';

/** Collects every problem of one page, so the message lists all bad fields, not only the first. */
export class PageProblems {
  private readonly problems: FieldProblems;

  constructor(readonly url: string) {
    this.problems = new FieldProblems('INDEX_PARSE', {
      file: url,
      help: 'the index serves a malformed simple API page; report it to the index operator',
      headline: (first, total) => `${first.message}${total > 1 ? ` (and ${total - 1} more problems)` : ''}`,
    });
  }

  add(message: string, where: { path?: string; line?: number } = {}): void {
    this.problems.add(where.path, message, where.line === undefined ? {} : { line: where.line });
  }

  /** How many problems were found (kept or only counted past MAX_PROBLEMS). */
  get count(): number {
    return this.problems.count;
  }

  /** Throws the first problem, carrying all of them, when there is any. */
  throwIfAny(): void {
    this.problems.throwIfAny();
  }
}

/**
 * Why a repository/API version is unacceptable (PEP 629): a major version other than 1 means we
 * cannot read the page; a newer minor version is fine, as it only adds what we may ignore.
 */
export function apiVersionProblem(version: string): string | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(version.trim());
  if (m === null) return `API version '${version}' is not Major.Minor`;
  if (m[1] !== '1') return `API version ${version} is not supported (this client reads version 1.x)`;
  return undefined;
}

// hashlib names: PEP 503 fragments use them; anything else after '#' (e.g. `#egg=`) is not a hash.
const HASH_NAMES = new Set([
  'md5',
  'sha1',
  'sha224',
  'sha256',
  'sha384',
  'sha512',
  'blake2b',
  'blake2s',
  'sha3_224',
  'sha3_256',
  'sha3_384',
  'sha3_512',
]);

export interface ResolvedLink {
  /** Absolute, without the fragment. */
  url: string;
  /** The digest the `#<hashname>=<hex>` fragment states, if any. */
  hashes: Record<string, string>;
  /** The URL's scheme with its colon (`https:`), and its path (as the WHATWG URL gives them). */
  protocol: string;
  pathname: string;
}

/** Resolves `href` against `base` and splits off a hash fragment; reports a bad URL or digest. */
export function resolveLink(href: string, base: string, problems: PageProblems, where: { path?: string; line?: number }): ResolvedLink | undefined {
  let url: URL;
  try {
    url = new URL(href, base);
  } catch {
    problems.add(`'${href}' is not a URL`, where);
    return undefined;
  }
  const hashes: Record<string, string> = {};
  const fragment = url.hash.slice(1);
  const digest = fragment === '' ? undefined : splitDigest(fragment);
  if (digest !== undefined && HASH_NAMES.has(digest[0])) {
    const [algorithm, value] = digest;
    const problem = digestProblem(algorithm, value);
    if (problem === undefined) hashes[algorithm] = value;
    else problems.add(`link '${href}': ${problem}`, where);
  }
  // The href without its fragment: no '#' precedes the fragment's in a serialised URL (the path
  // and query percent-encode it), so cutting there is `url.hash = ''` without a re-serialisation.
  const full = url.href;
  const cut = full.indexOf('#');
  return { url: cut < 0 ? full : full.slice(0, cut), hashes, protocol: url.protocol, pathname: url.pathname };
}

/** The last segment of a URL's path, percent-decoded; undefined for a directory link. */
export function filenameOfPath(path: string): string | undefined {
  const last = path.slice(path.lastIndexOf('/') + 1);
  if (last === '') return undefined;
  try {
    return decodeURIComponent(last);
  } catch {
    return last;
  }
}

/** Lower-cased algorithm names and hex, each digest checked; problems are reported under `path`. */
export function normaliseHashes(raw: Readonly<Record<string, unknown>>, problems: PageProblems, path: string): Record<string, string> {
  const hashes: Record<string, string> = {};
  for (const [name, value] of Object.entries(raw)) {
    const algorithm = name.toLowerCase();
    if (typeof value !== 'string') {
      problems.add(`expected a hex digest string, found ${describe(value)}`, { path: `${path}.${name}` });
      continue;
    }
    const problem = digestProblem(algorithm, value);
    if (problem !== undefined) problems.add(problem, { path: `${path}.${name}` });
    else hashes[algorithm] = value.toLowerCase();
  }
  return hashes;
}

/**
 * PEP 658/714 metadata value of the HTML form: `true`, or `<hashname>=<hex>`. `false` is not in
 * the PEP but is what a boolean-minded server writes; it means no metadata file.
 */
export function parseHtmlMetadataAttribute(
  value: string,
  problems: PageProblems,
  where: { path?: string; line?: number },
): false | { hashes: Record<string, string> } {
  const text = value.trim();
  if (text === '' || text.toLowerCase() === 'true') return { hashes: {} };
  if (text.toLowerCase() === 'false') return false;
  const digest = splitDigest(text);
  if (digest === undefined) {
    problems.add(`metadata attribute '${value}' is neither 'true' nor '<hashname>=<hex>'`, where);
    return false;
  }
  const problem = digestProblem(digest[0], digest[1]);
  if (problem !== undefined) {
    problems.add(`metadata attribute: ${problem}`, where);
    return false;
  }
  return { hashes: { [digest[0]]: digest[1] } };
}

/**
 * The provenance URL of PEP 740. The PEP first gave the sha256 of `<file url>.provenance` and now
 * gives the URL itself; a bare sha256 is read the old way so both kinds of index work.
 */
export function provenanceUrl(value: string, fileUrl: string, base: string): string | undefined {
  const text = value.trim();
  if (text === '') return undefined;
  if (/^[0-9a-fA-F]{64}$/.test(text)) {
    const u = new URL(fileUrl);
    u.pathname += '.provenance';
    return u.href;
  }
  try {
    const u = new URL(text, base);
    return u.protocol === 'http:' || u.protocol === 'https:' ? u.href : undefined;
  } catch {
    return undefined;
  }
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)}`;
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return `${typeof value} ${String(value)}`;
  return typeof value;
}
