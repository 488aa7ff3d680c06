// One face for zip and tar.gz package archives (PEP 427 wheels, PEP 625 sdists): read a few
// members into memory, or extract a whole sdist into a directory we own, vetting every member.

import { constants as fsConstants } from 'node:fs';
import { copyFile, mkdir, open, symlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { formatBytes, type ArchiveLimits } from './limits.js';
import { invalidArchive, unsafeMember, type ArchiveMember, type MemberHandler } from './member.js';
import { walkTar } from './tar.js';
import { walkZip } from './zip.js';

/** Bytes already in memory, or the path of a file on disk. */
export type ArchiveSource = Uint8Array | string;
export type ArchiveFormat = 'zip' | 'tar.gz';

/** The container format a distribution file name promises (wheels and old sdists are zips). */
export function archiveFormat(filename: string, display: string = filename): ArchiveFormat {
  const lower = filename.toLowerCase();
  if (lower.endsWith('.whl') || lower.endsWith('.zip')) return 'zip';
  if (lower.endsWith('.tar.gz') || lower.endsWith('.tgz')) return 'tar.gz';
  throw invalidArchive(display, `unsupported archive type for '${filename}' (expected .whl, .zip or .tar.gz)`);
}

export function walkArchive(
  format: ArchiveFormat,
  source: ArchiveSource,
  archive: string,
  limits: ArchiveLimits,
  handler: MemberHandler,
): Promise<void> {
  return format === 'zip'
    ? walkZip(source, archive, limits, handler)
    : walkTar(source, archive, limits, true, handler);
}

export interface ArchiveContents {
  /** Every vetted member, in archive order. */
  readonly members: readonly ArchiveMember[];
  /** The bytes of the regular files `want` asked for, by vetted path. */
  readonly files: ReadonlyMap<string, Buffer>;
}

/**
 * Vets the whole archive and keeps in memory the regular files `want` picks. Links are never
 * followed: a METADATA that is a symlink is as good as absent.
 */
export async function readArchiveMembers(
  format: ArchiveFormat,
  source: ArchiveSource,
  archive: string,
  limits: ArchiveLimits,
  want: (member: ArchiveMember) => boolean,
): Promise<ArchiveContents> {
  const members: ArchiveMember[] = [];
  const files = new Map<string, Buffer>();
  await walkArchive(format, source, archive, limits, async (member, content) => {
    members.push(member);
    if (member.kind !== 'file' || !want(member)) return;
    if (member.size > limits.maxReadBytes) {
      throw unsafeMember(
        archive,
        member.rawName,
        `${formatBytes(member.size)} is too large for a metadata file (limit ${formatBytes(limits.maxReadBytes)})`,
      );
    }
    const chunks: Buffer[] = [];
    let length = 0;
    for await (const chunk of content()) {
      length += chunk.length;
      if (length > limits.maxReadBytes) {
        throw unsafeMember(archive, member.rawName, `grows past ${formatBytes(limits.maxReadBytes)} while read`);
      }
      chunks.push(chunk);
    }
    files.set(member.path, Buffer.concat(chunks, length));
  });
  return { members, files };
}

/**
 * Extracts a vetted archive under `dest` (which must exist and be empty). Symlinks are created
 * last, so no file is ever written through one; files are opened with O_EXCL|O_NOFOLLOW so that
 * even a vetting mistake cannot redirect a write; hard links become copies of their target.
 */
export async function extractArchive(
  format: ArchiveFormat,
  source: ArchiveSource,
  archive: string,
  dest: string,
  limits: ArchiveLimits,
): Promise<ArchiveMember[]> {
  const members: ArchiveMember[] = [];
  const links: ArchiveMember[] = [];
  const made = new Set<string>();
  const ensureDir = async (dir: string): Promise<void> => {
    if (dir === '.' || dir === '' || made.has(dir)) return;
    await mkdir(join(dest, dir), { recursive: true, mode: 0o755 });
    made.add(dir);
  };
  await walkArchive(format, source, archive, limits, async (member, content) => {
    members.push(member);
    const target = join(dest, member.path);
    switch (member.kind) {
      case 'directory':
        await ensureDir(member.path);
        return;
      case 'symlink':
        links.push(member);
        return;
      case 'hardlink':
        await ensureDir(dirname(member.path));
        await copyFile(join(dest, member.linkTarget ?? ''), target, fsConstants.COPYFILE_EXCL);
        return;
      case 'file': {
        await ensureDir(dirname(member.path));
        const flags = fsConstants.O_WRONLY | fsConstants.O_CREAT | fsConstants.O_EXCL | fsConstants.O_NOFOLLOW;
        const handle = await open(target, flags, 0o644);
        try {
          for await (const chunk of content()) await handle.write(chunk);
        } finally {
          await handle.close();
        }
        return;
      }
    }
  });
  for (const link of links) {
    await ensureDir(dirname(link.path));
    await symlink(link.linkTarget ?? '', join(dest, link.path));
  }
  return members;
}

/**
 * The one top-level directory every sdist holds (`{name}-{version}/`, sdist spec and PEP 625).
 * Its spelling is not checked against the file name: sdists made before PEP 625 spell it freely.
 */
export function singleTopDirectory(members: readonly ArchiveMember[], archive: string): string {
  const tops = new Set<string>();
  for (const member of members) {
    const [top] = member.path.split('/');
    if (top === undefined) continue;
    if (!member.path.includes('/') && member.kind !== 'directory') {
      throw invalidArchive(archive, `'${member.path}' lies beside the source tree; an sdist holds one top-level directory`);
    }
    tops.add(top);
  }
  const [first, second] = tops;
  if (first === undefined) throw invalidArchive(archive, 'the archive is empty');
  if (second !== undefined) {
    throw invalidArchive(archive, `found several top-level directories ('${first}', '${second}'); an sdist holds one`);
  }
  return first;
}
