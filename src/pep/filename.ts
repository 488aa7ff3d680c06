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
  /** Every tag the (possibly compressed) tag set names, without duplicates. */
  tags: Tag[];
}

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
 * Expand a tag string such as `py2.py3-none-any` into every tag it stands for (PEP 425 compressed
 * tag sets). Throws a plain Error with a reason when the tag is malformed; callers wrap it.
 */
function expandTag(text: string): Tag[] {
  const components = text.split('-').map((c) => c.split('.'));
  for (const parts of components) {
    if (parts.includes('')) throw new InvalidTagError(`empty tag component in '${parts.join('.')}'`);
  }
  const [interpreters, abis, platforms] = components;
  if (components.length !== 3 || interpreters === undefined || abis === undefined || platforms === undefined) {
    throw new InvalidTagError('a tag must have exactly three components (interpreter-abi-platform)');
  }
  for (const interpreter of interpreters) {
    if (!IDENTIFIER.test(interpreter)) throw new InvalidTagError(`interpreter tag '${interpreter}' is not an identifier`);
  }
  const seen = new Set<string>();
  const tags: Tag[] = [];
  for (const interpreter of interpreters) {
    for (const abi of abis) {
      for (const platform of platforms) {
        const tag = new Tag(interpreter, abi, platform);
        const key = tag.toString();
        if (!seen.has(key)) {
          seen.add(key);
          tags.push(tag);
        }
      }
    }
  }
  return tags;
}

/** Parse a tag string (compressed tag sets allowed) into its tags. Throws on a malformed tag. */
export function parseTag(text: string): Tag[] {
  try {
    return expandTag(text);
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

  let tags: Tag[];
  try {
    tags = expandTag(tagPart);
  } catch (err) {
    if (err instanceof InvalidTagError) throw invalidWheel(filename, `invalid tag ${quote(tagPart)}: ${err.message}`, err);
    throw err;
  }
  return { name, version, build, tags };
}

/** Parse an sdist file name (`.tar.gz`, or `.zip` for older releases) into canonical name and version. */
export function parseSdistFilename(filename: string): SdistFilename {
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
