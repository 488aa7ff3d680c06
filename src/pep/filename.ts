// Distribution file names: wheel names with their build and compressed tag sets (PEP 427, PEP 425,
// PEP 491) and sdist names (PEP 625), parsed the way pypa/packaging's `utils` module parses them.

import { PyvouchError } from '../errors.js';
import { canonicalizeName } from './name.js';
import { Version } from './version.js';

/** One wheel tag triple (PEP 425). Parts are lower-cased, as tag matching is case-insensitive. */
export class Tag {
  readonly interpreter: string;
  readonly abi: string;
  readonly platform: string;

  constructor(interpreter: string, abi: string, platform: string) {
    this.interpreter = interpreter.toLowerCase();
    this.abi = abi.toLowerCase();
    this.platform = platform.toLowerCase();
  }

  toString(): string {
    return `${this.interpreter}-${this.abi}-${this.platform}`;
  }

  equals(other: Tag): boolean {
    return this.interpreter === other.interpreter && this.abi === other.abi && this.platform === other.platform;
  }
}

/** `[]` when the wheel has no build tag, else the leading number and the rest of the build tag. */
export type BuildTag = [] | [number, string];

export interface WheelFilename {
  /** Canonical project name (PEP 503). */
  name: string;
  version: Version;
  build: BuildTag;
  /** The (possibly compressed) tag set, kept unexpanded: iterate it for every tag it names. */
  tags: TagSet;
}

/**
 * A compressed tag set (PEP 425 `py2.py3-none-any`): the product of its three components, kept as
 * the three lists so that a hostile name of many tags per part costs their sum, never their product.
 */
export class TagSet implements Iterable<Tag> {
  readonly interpreters: readonly string[];
  readonly abis: readonly string[];
  readonly platforms: readonly string[];
  private readonly sets: [Set<string>, Set<string>, Set<string>];

  constructor(interpreters: readonly string[], abis: readonly string[], platforms: readonly string[]) {
    this.interpreters = dedupe(interpreters);
    this.abis = dedupe(abis);
    this.platforms = dedupe(platforms);
    this.sets = [new Set(this.interpreters), new Set(this.abis), new Set(this.platforms)];
  }

  /** How many distinct tags the set names (the product of its component counts). */
  get size(): number {
    return this.interpreters.length * this.abis.length * this.platforms.length;
  }

  has(tag: Tag): boolean {
    return this.sets[0].has(tag.interpreter) && this.sets[1].has(tag.abi) && this.sets[2].has(tag.platform);
  }

  *[Symbol.iterator](): Iterator<Tag> {
    for (const interpreter of this.interpreters) {
      for (const abi of this.abis) {
        for (const platform of this.platforms) yield new Tag(interpreter, abi, platform);
      }
    }
  }

  toString(): string {
    return `${this.interpreters.join('.')}-${this.abis.join('.')}-${this.platforms.join('.')}`;
  }
}

function dedupe(parts: readonly string[]): string[] {
  return [...new Set(parts.map((p) => p.toLowerCase()))];
}

/**
 * Bounds on a wheel file name. pip and pypa/packaging set none, but no file system stores a name
 * longer than 255 bytes (ext4, APFS, NTFS), so no installable wheel is longer; real wheels name at
 * most a dozen or so tags per part (a run of cpXY interpreters, five manylinux aliases).
 */
export const MAX_WHEEL_FILENAME_LENGTH = 255;
export const MAX_TAGS_PER_PART = 32;

export interface SdistFilename {
  /** Canonical project name (PEP 503). */
  name: string;
  version: Version;
}

// PEP 427 escapes every run of non-word characters in the name to `_`, so a wheel's name part may
// only hold word characters (Python's Unicode `\w`: letters, numbers, `_`) and dots.
const WHEEL_NAME = /^[\p{L}\p{N}_.]+$/u;
// PEP 427: the build tag must start with a digit; Python's `.` stops at a newline, so does this.
const BUILD_TAG = /^([0-9]+)([^\n]*)/;
// Interpreter tags must be Python identifiers (pypa/packaging rejects `3py`, `py-3` and the like).
const IDENTIFIER = /^[\p{XID_Start}_]\p{XID_Continue}*$/u;

class InvalidTagError extends Error {}

/**
 * Split a tag string such as `py2.py3-none-any` into its compressed tag set (PEP 425). Throws an
 * InvalidTagError with a reason when the tag is malformed; callers wrap it.
 */
function parseTagSet(text: string): TagSet {
  const known = tagSets.get(text);
  if (known !== undefined) return known;
  const set = parseTagSetUncached(text);
  remember(tagSets, text, set);
  return set;
}

// An index page names the same few tag strings (`py3-none-any`, a run of manylinux tags) on
// thousands of files, and a resolve reads each file name twice (its version when the page is
// grouped, its tags when files are chosen): both parses are memoised. Only valid names are kept,
// the values are immutable (TagSet's fields are read-only, a wheel name's object is frozen), and
// the memos are bounded so that a hostile index cannot grow them without limit.
const MEMO_LIMIT = 8192;
const tagSets = new Map<string, TagSet>();
const wheelNames = new Map<string, WheelFilename>();

function remember<T>(memo: Map<string, T>, key: string, value: T): void {
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(key, value);
}

function parseTagSetUncached(text: string): TagSet {
  const components = text.split('-').map((c) => c.split('.'));
  if (components.length !== 3) {
    throw new InvalidTagError('a tag must have exactly three components (interpreter-abi-platform)');
  }
  for (const parts of components) {
    if (parts.includes('')) throw new InvalidTagError(`empty tag component in '${parts.join('.')}'`);
    if (parts.length > MAX_TAGS_PER_PART) {
      throw new InvalidTagError(`${parts.length} tags in one part, more than the ${MAX_TAGS_PER_PART} a wheel name may hold`);
    }
  }
  const [interpreters, abis, platforms] = components as [string[], string[], string[]];
  for (const interpreter of interpreters) {
    if (!IDENTIFIER.test(interpreter)) throw new InvalidTagError(`interpreter tag '${interpreter}' is not an identifier`);
  }
  return new TagSet(interpreters, abis, platforms);
}

/** Parse a tag string (compressed tag sets allowed) into its tags. Throws on a malformed tag. */
export function parseTag(text: string): Tag[] {
  if (text.length > MAX_WHEEL_FILENAME_LENGTH) {
    throw new PyvouchError('INVALID_WHEEL_FILENAME', `Invalid wheel tag ${quote(text.slice(0, 64))}…: ${text.length} characters, longer than a wheel name may be`);
  }
  try {
    return [...parseTagSet(text)];
  } catch (err) {
    if (err instanceof InvalidTagError) {
      throw new PyvouchError('INVALID_WHEEL_FILENAME', `Invalid wheel tag ${quote(text)}: ${err.message}`, { cause: err });
    }
    throw err;
  }
}

function quote(text: string): string {
  return `'${text}'`;
}

function invalidWheel(filename: string, reason: string, cause?: unknown): PyvouchError {
  return new PyvouchError('INVALID_WHEEL_FILENAME', `Invalid wheel filename ${quote(filename)}: ${reason}`, {
    help: 'a wheel is named {name}-{version}(-{build})?-{python}-{abi}-{platform}.whl (PEP 427)',
    ...(cause === undefined ? {} : { cause }),
  });
}

function invalidSdist(filename: string, reason: string, cause?: unknown): PyvouchError {
  return new PyvouchError('INVALID_SDIST_FILENAME', `Invalid sdist filename ${quote(filename)}: ${reason}`, {
    help: 'an sdist is named {name}-{version}.tar.gz (PEP 625) or, for older releases, {name}-{version}.zip',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Parse a wheel file name (no directory part) into canonical name, version, build tag and tags. */
export function parseWheelFilename(filename: string): WheelFilename {
  const known = wheelNames.get(filename);
  if (known !== undefined) return known;
  const parsed = parseWheelFilenameUncached(filename);
  Object.freeze(parsed.build);
  remember(wheelNames, filename, Object.freeze(parsed));
  return parsed;
}

function parseWheelFilenameUncached(filename: string): WheelFilename {
  if (filename.length > MAX_WHEEL_FILENAME_LENGTH) {
    throw invalidWheel(`${filename.slice(0, 64)}…`, `${filename.length} characters, more than the ${MAX_WHEEL_FILENAME_LENGTH} a file name may have`);
  }
  if (!filename.endsWith('.whl')) throw invalidWheel(filename, "the extension must be '.whl'");
  const stem = filename.slice(0, -'.whl'.length);
  const pieces = stem.split('-');
  const dashes = pieces.length - 1;
  if (dashes !== 4 && dashes !== 5) {
    throw invalidWheel(filename, `expected 5 or 6 dash-separated parts, found ${dashes + 1}`);
  }
  // The tag set is always the last three parts; a build tag, when present, sits before them.
  const namePart = pieces[0]!;
  const versionPart = pieces[1]!;
  const buildPart = dashes === 5 ? pieces[2]! : undefined;
  const tagPart = pieces.slice(-3).join('-');

  if (namePart.includes('__') || !WHEEL_NAME.test(namePart)) {
    throw invalidWheel(filename, `invalid project name ${quote(namePart)} (PEP 427 allows letters, digits, '_' and '.')`);
  }
  const name = canonicalizeName(namePart);

  let version: Version;
  try {
    version = new Version(versionPart);
  } catch (err) {
    throw invalidWheel(filename, `invalid version ${quote(versionPart)}`, err);
  }

  let build: BuildTag = [];
  if (buildPart !== undefined) {
    const m = BUILD_TAG.exec(buildPart);
    if (m === null) throw invalidWheel(filename, `invalid build tag ${quote(buildPart)} (it must start with a digit)`);
    build = [Number(m[1]), m[2] ?? ''];
  }

  let tags: TagSet;
  try {
    tags = parseTagSet(tagPart);
  } catch (err) {
    if (err instanceof InvalidTagError) throw invalidWheel(filename, `invalid tag ${quote(tagPart)}: ${err.message}`, err);
    throw err;
  }
  return { name, version, build, tags };
}

/** Parse an sdist file name (`.tar.gz`, or `.zip` for older releases) into canonical name and version. */
export function parseSdistFilename(filename: string): SdistFilename {
  if (filename.length > MAX_WHEEL_FILENAME_LENGTH) {
    throw invalidSdist(`${filename.slice(0, 64)}…`, `${filename.length} characters, more than the ${MAX_WHEEL_FILENAME_LENGTH} a file name may have`);
  }
  let stem: string;
  if (filename.endsWith('.tar.gz')) stem = filename.slice(0, -'.tar.gz'.length);
  else if (filename.endsWith('.zip')) stem = filename.slice(0, -'.zip'.length);
  else throw invalidSdist(filename, "the extension must be '.tar.gz' or '.zip'");

  // A PEP 440 version holds no dash, so the last dash separates name from version.
  const dash = stem.lastIndexOf('-');
  if (dash < 0) throw invalidSdist(filename, "no '-' separates the name from the version");
  const namePart = stem.slice(0, dash);
  const versionPart = stem.slice(dash + 1);
  if (namePart === '') throw invalidSdist(filename, 'the project name is empty');
  const name = canonicalizeName(namePart);
  let version: Version;
  try {
    version = new Version(versionPart);
  } catch (err) {
    throw invalidSdist(filename, `invalid version ${quote(versionPart)}`, err);
  }
  return { name, version };
}

/** Name, normalised version and kind from a wheel or sdist file name. */
export function releaseOf(filename: string): { name: string; version: string; kind: 'wheel' | 'sdist' } | undefined {
  try {
    if (filename.toLowerCase().endsWith('.whl')) {
      const w = parseWheelFilename(filename);
      return { name: w.name, version: w.version.toString(), kind: 'wheel' };
    }
    const s = parseSdistFilename(filename);
    return { name: s.name, version: s.version.toString(), kind: 'sdist' };
  } catch {
    return undefined;
  }
}
