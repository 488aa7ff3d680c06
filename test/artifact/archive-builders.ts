// Test helpers that write real zip and tar.gz archives, including hostile ones no honest tool
// would produce (lying sizes, traversal names, links out of the tree, overlapping members).

import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import tar from 'tar-stream';

export interface ZipEntrySpec {
  name: string;
  data?: Buffer | string;
  /** 0 stored, 8 deflate (default). */
  method?: 0 | 8;
  /** Unix st_mode (type and permission bits) written into the external attributes. */
  mode?: number;
  /** Declared uncompressed size, when the test wants the header to lie. */
  declaredSize?: number;
  /** Make this central-directory entry point at the local header and data of an earlier entry, by name. */
  sameDataAs?: string;
  /** A different name for the local header than the central directory gives (a lying archive). */
  localName?: string;
}

interface WrittenEntry {
  name: Buffer;
  method: number;
  crc: number;
  compressedSize: number;
  uncompressedSize: number;
  offset: number;
  mode: number;
}

/** A zip with a local header per entry, a central directory and an end record (no zip64). */
export function buildZip(entries: readonly ZipEntrySpec[]): Buffer {
  const parts: Buffer[] = [];
  const written: WrittenEntry[] = [];
  let offset = 0;
  for (const spec of entries) {
    const name = Buffer.from(spec.name, 'utf8');
    const mode = spec.mode ?? (spec.name.endsWith('/') ? 0o040755 : 0o100644);
    if (spec.sameDataAs !== undefined) {
      const shared = written.find((w) => w.name.toString('utf8') === spec.sameDataAs);
      if (shared === undefined) throw new Error('sameDataAs must name an earlier entry');
      written.push({ ...shared, name, mode });
      continue;
    }
    const data = Buffer.from(spec.data ?? '');
    const method = spec.method ?? 8;
    const body = method === 8 ? deflateRawSync(data) : data;
    const entry: WrittenEntry = {
      name,
      method,
      crc: crc32(data),
      compressedSize: body.length,
      uncompressedSize: spec.declaredSize ?? data.length,
      offset,
      mode,
    };
    const header = Buffer.alloc(30);
    header.writeUInt32LE(0x04034b50, 0);
    header.writeUInt16LE(20, 4); // version needed
    header.writeUInt16LE(0x800, 6); // UTF-8 names
    header.writeUInt16LE(method, 8);
    header.writeUInt32LE(0, 10); // time, date
    header.writeUInt32LE(entry.crc, 14);
    header.writeUInt32LE(entry.compressedSize, 18);
    header.writeUInt32LE(entry.uncompressedSize, 22);
    const localName = spec.localName === undefined ? name : Buffer.from(spec.localName, 'utf8');
    header.writeUInt16LE(localName.length, 26);
    header.writeUInt16LE(0, 28);
    parts.push(header, localName, body);
    offset += header.length + localName.length + body.length;
    written.push(entry);
  }
  const centralStart = offset;
  for (const entry of written) {
    const header = Buffer.alloc(46);
    header.writeUInt32LE(0x02014b50, 0);
    header.writeUInt16LE((3 << 8) | 20, 4); // made by Unix, spec 2.0
    header.writeUInt16LE(20, 6);
    header.writeUInt16LE(0x800, 8);
    header.writeUInt16LE(entry.method, 10);
    header.writeUInt32LE(0, 12);
    header.writeUInt32LE(entry.crc, 16);
    header.writeUInt32LE(entry.compressedSize, 20);
    header.writeUInt32LE(entry.uncompressedSize, 24);
    header.writeUInt16LE(entry.name.length, 28);
    header.writeUInt16LE(0, 30); // extra
    header.writeUInt16LE(0, 32); // comment
    header.writeUInt16LE(0, 34); // disk
    header.writeUInt16LE(0, 36); // internal attributes
    header.writeUInt32LE((entry.mode << 16) >>> 0, 38);
    header.writeUInt32LE(entry.offset, 42);
    parts.push(header, entry.name);
    offset += header.length + entry.name.length;
  }
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(written.length, 8);
  end.writeUInt16LE(written.length, 10);
  end.writeUInt32LE(offset - centralStart, 12);
  end.writeUInt32LE(centralStart, 16);
  parts.push(end);
  return Buffer.concat(parts);
}

export interface TarEntrySpec {
  name: string;
  type?: 'file' | 'directory' | 'symlink' | 'link' | 'fifo' | 'character-device';
  data?: Buffer | string;
  /** A file of this many zero bytes, for bombs. */
  zeros?: number;
  linkname?: string;
  mode?: number;
}

/** An uncompressed tar written by tar-stream's pack(). */
export async function buildTar(entries: readonly TarEntrySpec[]): Promise<Buffer> {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  const done = new Promise<void>((resolve, reject) => {
    pack.on('data', (chunk: unknown) => {
      chunks.push(chunk as Buffer);
    });
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const spec of entries) {
    const type = spec.type ?? 'file';
    const data =
      spec.zeros !== undefined ? Buffer.alloc(spec.zeros) : type === 'file' ? Buffer.from(spec.data ?? '') : undefined;
    const header: Partial<tar.Header> & { name: string } = {
      name: spec.name,
      type,
      mode: spec.mode ?? (type === 'directory' ? 0o755 : 0o644),
      ...(spec.linkname === undefined ? {} : { linkname: spec.linkname }),
      ...(data === undefined ? {} : { size: data.length }),
    };
    await new Promise<void>((resolve, reject) => {
      const cb = (err?: Error | null): void => (err ? reject(err) : resolve());
      if (data === undefined) pack.entry(header, cb);
      else pack.entry(header, data, cb);
    });
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

export async function buildTarGz(entries: readonly TarEntrySpec[]): Promise<Buffer> {
  return gzipSync(await buildTar(entries), { level: 9 });
}

/** Core metadata text with the given Requires-Dist lines (and any extra header lines). */
export function coreMetadata(
  name: string,
  version: string,
  requires: readonly string[] = [],
  extra: readonly string[] = [],
  metadataVersion = '2.1',
): string {
  return [
    `Metadata-Version: ${metadataVersion}`,
    `Name: ${name}`,
    `Version: ${version}`,
    ...extra,
    ...requires.map((r) => `Requires-Dist: ${r}`),
    '',
    '',
  ].join('\n');
}
