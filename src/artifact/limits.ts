// Resource limits for reading untrusted wheels and sdists (PEP 427 zips, PEP 625 tarballs): the
// numbers that decide when an archive is too big, too many or too compressible to be honest.

/** Bounds applied to every archive pyvouch opens. Each one is checked while bytes stream. */
export interface ArchiveLimits {
  /** Largest uncompressed size of one member. */
  readonly maxMemberBytes: number;
  /** Largest uncompressed size of all members together (for tar.gz: the whole inflated tar). */
  readonly maxTotalBytes: number;
  /** Largest compressed:uncompressed ratio accepted once a stream has inflated past `ratioFloorBytes`. */
  readonly maxRatio: number;
  /** Small members compress absurdly well (a file of 4 KiB of spaces) without being bombs. */
  readonly ratioFloorBytes: number;
  /** Most members (files, directories, links) one archive may hold. */
  readonly maxMembers: number;
  /** Longest member name, in UTF-16 units; PATH_MAX on Linux is 4096. */
  readonly maxNameLength: number;
  /** Largest member read into memory (METADATA, PKG-INFO, pyproject.toml): these are text, not data. */
  readonly maxReadBytes: number;
}

const MiB = 1024 * 1024;

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = Object.freeze({
  maxMemberBytes: 64 * MiB,
  maxTotalBytes: 1024 * MiB,
  maxRatio: 200,
  ratioFloorBytes: 1 * MiB,
  maxMembers: 100_000,
  maxNameLength: 4096,
  maxReadBytes: 16 * MiB,
});

export function archiveLimits(overrides: Partial<ArchiveLimits> = {}): ArchiveLimits {
  return { ...DEFAULT_ARCHIVE_LIMITS, ...overrides };
}

/** `1.5 MiB`: sizes in messages are for people. */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = n / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}
