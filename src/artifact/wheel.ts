// Reads the core metadata of a wheel (PEP 427: `{name}-{version}.dist-info/METADATA` inside a
// zip) without extracting it, after vetting every member of the archive.

import { basename } from 'node:path';
import { parseWheelFilename } from '../pep/filename.js';
import { parseCoreMetadata, type CoreMetadata } from '../pep/metadata.js';
import { canonicalizeName } from '../pep/name.js';
import { readArchiveMembers, type ArchiveSource } from './archive.js';
import { archiveLimits, type ArchiveLimits } from './limits.js';
import { invalidArchive } from './member.js';

export interface ReadArchiveOptions {
  limits?: Partial<ArchiveLimits>;
}

export interface WheelMetadata {
  readonly metadata: CoreMetadata;
  /** Path of METADATA inside the wheel, e.g. `foo-1.0.dist-info/METADATA`. */
  readonly path: string;
  /** The METADATA text as stored, for hashing or comparing with a PEP 658 `.metadata` file. */
  readonly text: string;
}

/**
 * The METADATA of a wheel. `filename` is the wheel's file name (its name and version choose the
 * .dist-info directory); `source` is its bytes or a path on disk.
 */
export async function readWheelMetadata(
  source: ArchiveSource,
  filename: string,
  options: ReadArchiveOptions = {},
): Promise<WheelMetadata> {
  const archive = typeof source === 'string' ? source : filename;
  const wheel = parseWheelFilename(basename(filename));
  const limits = archiveLimits(options.limits);
  const isMetadata = (path: string): boolean => /^[^/]+\.dist-info\/METADATA$/.test(path);
  const { members, files } = await readArchiveMembers('zip', source, archive, limits, (m) => isMetadata(m.path));

  // PEP 427 names the directory after the escaped project name; pip finds it the same way, by
  // comparing canonical names, because older tools escaped differently.
  const distInfos = new Set<string>();
  for (const member of members) {
    const top = member.path.split('/')[0] ?? '';
    if (top.endsWith('.dist-info')) distInfos.add(top);
  }
  const matching = [...distInfos].filter((dir) => {
    const stem = dir.slice(0, -'.dist-info'.length);
    const dash = stem.lastIndexOf('-');
    return dash > 0 && canonicalizeName(stem.slice(0, dash)) === wheel.name;
  });
  if (matching.length !== 1) {
    const found = distInfos.size === 0 ? 'none' : [...distInfos].join(', ');
    throw invalidArchive(
      archive,
      `expected exactly one .dist-info directory for '${wheel.name}', found ${matching.length === 0 ? found : matching.join(', ')}`,
    );
  }
  const path = `${matching[0]}/METADATA`;
  const bytes = files.get(path);
  if (bytes === undefined) throw invalidArchive(archive, `no regular file '${path}' in the wheel`);
  const text = decodeUtf8(bytes, archive, path);
  const metadata = parseCoreMetadata(text, { file: `${archive}!${path}` });
  if (metadata.canonicalName !== wheel.name) {
    throw invalidArchive(archive, `'${path}' names the project '${metadata.name}', not '${wheel.name}' as the file name says`);
  }
  if (metadata.version !== wheel.version.toString()) {
    throw invalidArchive(archive, `'${path}' has version '${metadata.version}', not '${wheel.version.toString()}' as the file name says`);
  }
  return { metadata, path, text };
}

/** Core metadata is UTF-8 (core metadata spec); refusing bad bytes beats guessing an encoding. */
export function decodeUtf8(bytes: Uint8Array, archive: string, path: string): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch (err) {
    throw invalidArchive(archive, `'${path}' is not valid UTF-8`, err);
  }
}
