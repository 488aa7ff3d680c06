// Walks a zip archive (wheels, PEP 427; legacy zip sdists) member by member without extracting it:
// every central-directory entry is vetted before the first byte of any member is inflated.

import { crc32 } from 'node:zlib';
import type { Readable } from 'node:stream';
import yauzl, { type Entry, type ZipFile } from 'yauzl';
import { PyvouchError } from '../errors.js';
import { formatBytes, type ArchiveLimits } from './limits.js';
import {
  MemberVetter,
  checkRatio,
  invalidArchive,
  unsafeArchive,
  unsafeMember,
  type ArchiveMember,
  type MemberHandler,
  type MemberKind,
} from './member.js';

const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const S_IFLNK = 0o120000;
/** "version made by" hosts whose external attributes carry a Unix st_mode in the high 16 bits. */
const UNIX_HOSTS = new Set([3, 19]);

interface VettedEntry {
  readonly entry: Entry;
  readonly member: ArchiveMember;
}

/** Opens `source` (bytes or a path) and hands each vetted member to `handler`, in order. */
export async function walkZip(
  source: Uint8Array | string,
  archive: string,
  limits: ArchiveLimits,
  handler: MemberHandler,
): Promise<void> {
  const options = { lazyEntries: true, autoClose: false, decodeStrings: false, validateEntrySizes: false };
  let zip: ZipFile;
  try {
    zip =
      typeof source === 'string'
        ? await yauzl.openPromise(source, options)
        : await yauzl.fromBufferPromise(Buffer.from(source.buffer, source.byteOffset, source.byteLength), options);
  } catch (err) {
    throw invalidArchive(archive, `not a readable zip file: ${errorText(err)}`, err);
  }
  try {
    const entries = await vetEntries(zip, archive, limits);
    const meter = { inflated: 0 };
    for (const { entry, member } of entries) {
      await handler(member, () => readEntry(zip, entry, member, archive, limits, meter));
    }
  } catch (err) {
    if (err instanceof PyvouchError) throw err;
    throw invalidArchive(archive, `corrupt zip file: ${errorText(err)}`, err);
  } finally {
    zip.close();
  }
}

async function vetEntries(zip: ZipFile, archive: string, limits: ArchiveLimits): Promise<VettedEntry[]> {
  if (zip.entryCount > limits.maxMembers) {
    throw unsafeArchive(archive, `archive declares ${zip.entryCount} members, more than the limit of ${limits.maxMembers}`);
  }
  const vetter = new MemberVetter(archive, limits);
  const vetted: VettedEntry[] = [];
  let compressedTotal = 0;
  for await (const entry of zip.eachEntry()) {
    // decodeStrings is off so yauzl does not throw its own wording at us; decode strictly so that
    // backslashes reach the vetter instead of being silently turned into separators.
    const name = yauzl.getFileNameLowLevel(
      entry.generalPurposeBitFlag,
      entry.fileNameRaw,
      entry.extraFields,
      true,
    );
    if (entry.isEncrypted()) throw invalidArchive(archive, `member '${name}' is encrypted`);
    await checkLocalName(zip, entry, name, archive);
    compressedTotal += entry.compressedSize;
    // Members that share compressed bytes are the overlapping-file bomb: n entries, one payload.
    if (compressedTotal > zip.fileSize) {
      throw unsafeMember(archive, name, 'compressed data overlaps other members (an overlapping-entry zip bomb)');
    }
    const kind = entryKind(entry, name, archive);
    let target: string | undefined;
    if (kind === 'symlink') {
      if (entry.uncompressedSize > limits.maxNameLength) {
        throw unsafeMember(archive, name, `symbolic link target longer than ${limits.maxNameLength} bytes`);
      }
      // The symlink itself has to be vetted before any member is handed out, so read it now.
      const bytes: Buffer[] = [];
      const probe: ArchiveMember = { path: name, rawName: name, kind, size: entry.uncompressedSize };
      for await (const chunk of readEntry(zip, entry, probe, archive, limits, { inflated: 0 })) bytes.push(chunk);
      target = Buffer.concat(bytes).toString('utf8');
    }
    const member = vetter.admit(name, kind, entry.uncompressedSize, target);
    // The declared sizes are only claims, checked again while inflating; a claim of a bomb is enough.
    checkRatio(archive, name, entry.uncompressedSize, entry.compressedSize, limits);
    if (member !== undefined) vetted.push({ entry, member });
  }
  return vetted;
}

interface LocalHeaderReader {
  readLocalFileHeader(entry: Entry, callback: (err: Error | null, header?: { fileName: Buffer }) => void): void;
}

/**
 * Each member is named twice: in the central directory (what yauzl and pyvouch read) and in its
 * local header (what a streaming extractor reads). Names that differ mean two readers see two
 * archives, so the archive is refused, as Python's zipfile (and so pip) refuses it.
 */
async function checkLocalName(zip: ZipFile, entry: Entry, name: string, archive: string): Promise<void> {
  const header = await new Promise<{ fileName: Buffer }>((resolve, reject) => {
    (zip as unknown as LocalHeaderReader).readLocalFileHeader(entry, (err, h) => (err !== null || h === undefined ? reject(err ?? new Error('no local header')) : resolve(h)));
  }).catch((err: unknown) => {
    throw invalidArchive(archive, `member '${name}' has no readable local header: ${errorText(err)}`, err);
  });
  if (!header.fileName.equals(entry.fileNameRaw)) {
    const local = header.fileName.toString('utf8');
    throw unsafeMember(archive, name, `its local header names it '${local}': the two names of one member differ`);
  }
}

function entryKind(entry: Entry, name: string, archive: string): MemberKind {
  const host = entry.versionMadeBy >>> 8;
  const mode = UNIX_HOSTS.has(host) ? (entry.externalFileAttributes >>> 16) & S_IFMT : 0;
  if (mode === S_IFLNK) return 'symlink';
  if (mode === S_IFDIR || name.endsWith('/')) return 'directory';
  if (mode === 0 || mode === S_IFREG) return 'file';
  throw unsafeMember(archive, name, `special file (mode 0o${mode.toString(8)}) in a package archive`);
}

/**
 * Inflates one member, counting the bytes that actually come out: the sizes in the central
 * directory are the attacker's words, so each chunk is checked against them and the limits.
 */
async function* readEntry(
  zip: ZipFile,
  entry: Entry,
  member: ArchiveMember,
  archive: string,
  limits: ArchiveLimits,
  meter: { inflated: number },
): AsyncGenerator<Buffer> {
  if (entry.compressionMethod !== 0 && entry.compressionMethod !== 8) {
    throw invalidArchive(
      archive,
      `member '${member.rawName}' uses compression method ${entry.compressionMethod}; only stored and deflate are supported`,
    );
  }
  const declared = entry.uncompressedSize;
  const stream: Readable = await zip.openReadStreamPromise(entry);
  let seen = 0;
  let crc = 0;
  try {
    for await (const chunk of stream as AsyncIterable<Buffer>) {
      seen += chunk.length;
      meter.inflated += chunk.length;
      if (seen > declared) {
        throw unsafeMember(
          archive,
          member.rawName,
          `inflates past its declared size of ${formatBytes(declared)} (a lying header, typical of zip bombs)`,
        );
      }
      if (meter.inflated > limits.maxTotalBytes) {
        throw unsafeMember(archive, member.rawName, `inflated data passes the total limit of ${formatBytes(limits.maxTotalBytes)}`);
      }
      checkRatio(archive, member.rawName, seen, entry.compressedSize, limits);
      crc = crc32(chunk, crc);
      yield chunk;
    }
  } finally {
    stream.destroy();
  }
  if (seen !== declared) {
    throw invalidArchive(archive, `member '${member.rawName}' is truncated: ${seen} of ${declared} bytes`);
  }
  if (crc !== entry.crc32) throw invalidArchive(archive, `member '${member.rawName}' fails its CRC-32 check`);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
