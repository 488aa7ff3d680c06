// Vetting of archive member names, kinds and sizes before any byte of a wheel (PEP 427) or sdist
// (PEP 625) is read or written: what tar and zip allow is far more than a package ever needs.

import { PyvouchError } from '../errors.js';
import { formatBytes, type ArchiveLimits } from './limits.js';

export type MemberKind = 'file' | 'directory' | 'symlink' | 'hardlink';

/** One member that passed vetting. `path` is relative, `/`-separated, without `.` or empty segments. */
export interface ArchiveMember {
  readonly path: string;
  /** The name exactly as the archive spells it, for messages. */
  readonly rawName: string;
  readonly kind: MemberKind;
  /** Uncompressed size: exact for tar, declared (and later enforced) for zip. */
  readonly size: number;
  /** symlink: the target as written (relative, vetted); hardlink: the archive path it names. */
  readonly linkTarget?: string;
}

/** Control characters in names can rewrite a terminal line, so a report could lie about a name. */
 
const CONTROL = /[\u0000-\u001f\u007f]/;
const DRIVE = /^[A-Za-z]:/;

/** Quotes a member name for a message so hostile bytes cannot reach the terminal unescaped. */
export function quoteName(name: string): string {
  return CONTROL.test(name) ? JSON.stringify(name).slice(1, -1) : name;
}

export function unsafeMember(archive: string, member: string, problem: string, help?: string): PyvouchError {
  return new PyvouchError('ARCHIVE_UNSAFE', `${archive}: member '${quoteName(member)}': ${problem}`, {
    file: archive,
    help: help ?? 'do not install this file; report it to the package index if it came from one',
  });
}

export function unsafeArchive(archive: string, problem: string): PyvouchError {
  return new PyvouchError('ARCHIVE_UNSAFE', `${archive}: ${problem}`, {
    file: archive,
    help: 'do not install this file; report it to the package index if it came from one',
  });
}

export function invalidArchive(archive: string, problem: string, cause?: unknown): PyvouchError {
  return new PyvouchError('ARCHIVE_INVALID', `${archive}: ${problem}`, {
    file: archive,
    help: 'download the file again; if it stays broken, the published file itself is corrupt',
    ...(cause === undefined ? {} : { cause }),
  });
}

/** Ratio check shared by zip members and whole gzip streams. */
export function checkRatio(
  archive: string,
  member: string | undefined,
  inflated: number,
  compressed: number,
  limits: ArchiveLimits,
): void {
  if (inflated <= limits.ratioFloorBytes) return;
  const ratio = inflated / Math.max(compressed, 1);
  if (ratio <= limits.maxRatio) return;
  const problem =
    `expands ${ratio >= 1000 ? Math.round(ratio) : ratio.toFixed(1)}:1 (${formatBytes(inflated)} from ${formatBytes(compressed)}), ` +
    `more than the ${limits.maxRatio}:1 a real package reaches: a decompression bomb`;
  throw member === undefined ? unsafeArchive(archive, problem) : unsafeMember(archive, member, problem);
}

/**
 * Admits members one by one, in archive order, and refuses the first that could escape the tree,
 * collide with another, or break a limit. Order matters only for hard links, which tar writes
 * after their target.
 */
export class MemberVetter {
  private readonly seen = new Map<string, MemberKind>();
  /** Directories implied by deeper members: a later symlink or file there would shadow them. */
  private readonly impliedDirs = new Set<string>();
  private readonly symlinks = new Set<string>();
  private count = 0;
  private declaredTotal = 0;

  constructor(
    private readonly archive: string,
    private readonly limits: ArchiveLimits,
  ) {}

  /**
   * Vets one member. Returns undefined for entries that carry nothing (the archive root `./`,
   * a directory repeated), so callers skip them.
   */
  admit(rawName: string, kind: MemberKind, size: number, rawTarget?: string): ArchiveMember | undefined {
    const { archive, limits } = this;
    this.count += 1;
    if (this.count > limits.maxMembers) {
      throw unsafeMember(archive, rawName, `archive has more than ${limits.maxMembers} members`);
    }
    const path = this.normalize(rawName);
    if (path === '') {
      if (kind === 'directory') return undefined;
      throw unsafeMember(archive, rawName, `a ${kind} cannot be the archive root`);
    }

    const segments = path.split('/');
    for (let i = 1; i < segments.length; i += 1) {
      const parent = segments.slice(0, i).join('/');
      if (this.symlinks.has(parent)) {
        throw unsafeMember(archive, rawName, `path passes through the symbolic link '${quoteName(parent)}'`);
      }
      const parentKind = this.seen.get(parent);
      if (parentKind !== undefined && parentKind !== 'directory') {
        throw unsafeMember(archive, rawName, `path passes through '${quoteName(parent)}', which is a ${parentKind}`);
      }
    }
    const previous = this.seen.get(path);
    if (previous !== undefined) {
      if (previous === 'directory' && kind === 'directory') return undefined;
      throw unsafeMember(archive, rawName, `duplicate member name (already a ${previous})`);
    }
    if (kind !== 'directory' && this.impliedDirs.has(path)) {
      throw unsafeMember(archive, rawName, `a ${kind} with the name of a directory holding earlier members`);
    }

    if (!Number.isFinite(size) || size < 0) {
      throw invalidArchive(archive, `member '${quoteName(rawName)}' has an invalid size ${String(size)}`);
    }
    if (size > limits.maxMemberBytes) {
      throw unsafeMember(
        archive,
        rawName,
        `uncompressed size ${formatBytes(size)} is over the per-member limit of ${formatBytes(limits.maxMemberBytes)}`,
      );
    }
    this.declaredTotal += size;
    if (this.declaredTotal > limits.maxTotalBytes) {
      throw unsafeMember(
        archive,
        rawName,
        `members add up to more than the total limit of ${formatBytes(limits.maxTotalBytes)}`,
      );
    }

    let linkTarget: string | undefined;
    if (kind === 'symlink') linkTarget = this.vetSymlink(rawName, segments, rawTarget);
    if (kind === 'hardlink') linkTarget = this.vetHardlink(rawName, rawTarget);

    this.seen.set(path, kind);
    for (let i = 1; i < segments.length; i += 1) this.impliedDirs.add(segments.slice(0, i).join('/'));
    if (kind === 'symlink') this.symlinks.add(path);
    return linkTarget === undefined ? { path, rawName, kind, size } : { path, rawName, kind, size, linkTarget };
  }

  /** The vetted path of a member name, or a thrown ARCHIVE_UNSAFE saying why it has none. */
  private normalize(rawName: string): string {
    const { archive, limits } = this;
    if (rawName.length === 0) throw unsafeMember(archive, rawName, 'empty member name');
    if (rawName.length > limits.maxNameLength) {
      throw unsafeMember(archive, rawName.slice(0, 80) + '…', `name longer than ${limits.maxNameLength} characters`);
    }
    if (CONTROL.test(rawName)) throw unsafeMember(archive, rawName, 'control character in member name');
    // On Windows `\` separates directories, so `..\..\x` climbs there even though POSIX sees one name.
    if (rawName.includes('\\')) throw unsafeMember(archive, rawName, 'backslash in member name');
    if (rawName.startsWith('/')) throw unsafeMember(archive, rawName, 'absolute path');
    if (DRIVE.test(rawName)) throw unsafeMember(archive, rawName, 'absolute path with a drive letter');
    const segments = rawName.split('/').filter((s) => s !== '' && s !== '.');
    if (segments.includes('..')) throw unsafeMember(archive, rawName, "path traversal ('..' segment)");
    return segments.join('/');
  }

  /**
   * A symlink may climb (`../x`) only at the start of its target: once it has descended into a
   * name that could itself be a link, a later `..` would climb from wherever that link points.
   */
  private vetSymlink(rawName: string, segments: readonly string[], rawTarget: string | undefined): string {
    const { archive } = this;
    if (rawTarget === undefined || rawTarget.length === 0) {
      throw unsafeMember(archive, rawName, 'symbolic link without a target');
    }
    const shown = quoteName(rawTarget);
    if (CONTROL.test(rawTarget)) throw unsafeMember(archive, rawName, `control character in link target '${shown}'`);
    if (rawTarget.includes('\\')) throw unsafeMember(archive, rawName, `backslash in link target '${shown}'`);
    if (rawTarget.startsWith('/') || DRIVE.test(rawTarget)) {
      throw unsafeMember(archive, rawName, `symbolic link to the absolute path '${shown}' leaves the archive`);
    }
    const parts = rawTarget.split('/').filter((s) => s !== '' && s !== '.');
    let climbs = 0;
    while (climbs < parts.length && parts[climbs] === '..') climbs += 1;
    if (parts.slice(climbs).includes('..')) {
      throw unsafeMember(archive, rawName, `symbolic link target '${shown}' climbs ('..') after descending`);
    }
    if (climbs > segments.length - 1) {
      throw unsafeMember(archive, rawName, `symbolic link to '${shown}' leaves the archive`);
    }
    return rawTarget;
  }

  private vetHardlink(rawName: string, rawTarget: string | undefined): string {
    const { archive } = this;
    if (rawTarget === undefined || rawTarget.length === 0) {
      throw unsafeMember(archive, rawName, 'hard link without a target');
    }
    let target: string;
    try {
      target = this.normalize(rawTarget);
    } catch (err) {
      const reason = err instanceof PyvouchError ? err.message.replace(/^.*?': /, '') : String(err);
      throw unsafeMember(archive, rawName, `hard link to '${quoteName(rawTarget)}' leaves the archive (${reason})`);
    }
    if (this.seen.get(target) !== 'file') {
      throw unsafeMember(
        archive,
        rawName,
        `hard link to '${quoteName(rawTarget)}', which is not a regular file earlier in the archive`,
      );
    }
    return target;
  }
}

/**
 * Called once per vetted member, in archive order. `content` yields the member's bytes, metered
 * against the limits; a handler that does not want them simply does not call it.
 */
export type MemberHandler = (member: ArchiveMember, content: () => AsyncIterable<Buffer>) => Promise<void>;
