// Reads what the assessors need from one wheel (PEP 427) or sdist (PEP 625) with the vetted archive
// readers of src/artifact/ (nothing is extracted, links are never followed): the Python sources,
// .pth files, pyproject.toml and the core metadata, kept even when they disagree with the file
// name, since that disagreement is itself a finding.
import { basename } from 'node:path';
import { archiveFormat, readArchiveMembers, type ArchiveSource } from '../artifact/archive.js';
import { archiveLimits, type ArchiveLimits } from '../artifact/limits.js';
import { parsePyproject } from '../pep/pyproject.js';
import { parseSdistFilename, parseWheelFilename } from '../pep/filename.js';
import { parseCoreMetadata, type CoreMetadata } from '../pep/metadata.js';
import type { SourceTree } from './install-code.js';

export interface ReadDistribution {
  tree: SourceTree;
  /** Name and version the file name gives. */
  name: string;
  version: string;
  /** METADATA (wheel) or PKG-INFO (sdist), when present and parseable. */
  metadata?: CoreMetadata;
  /** Why the metadata could not be read, when it could not. */
  metadataProblem?: string;
}

const SOURCE = /\.(py|pth)$|(^|\/)(pyproject\.toml|PKG-INFO|METADATA)$/;
/** Other small text members are kept too: setup.py may execute a "data" file (a second-file payload). */
const BINARY = /\.(so|pyd|dll|dylib|a|o|lib|exe|pyc|pyo|png|jpe?g|gif|ico|bmp|webp|pdf|gz|bz2|xz|zst|zip|whl|tar|jar|woff2?|ttf|otf|mo|db|sqlite|npy|npz|pkl|h5|onnx|bin)$/i;
const SMALL_TEXT = 256 * 1024;

/** Reads a distribution file's sources and metadata; ARCHIVE_UNSAFE / ARCHIVE_INVALID otherwise. */
export async function readDistribution(source: ArchiveSource, filename: string, limits: Partial<ArchiveLimits> = {}): Promise<ReadDistribution> {
  const file = basename(filename);
  const isWheel = file.toLowerCase().endsWith('.whl');
  const parsedName = isWheel ? parseWheelFilename(file) : parseSdistFilename(file);
  const format = archiveFormat(file, typeof source === 'string' ? source : file);
  const archive = typeof source === 'string' ? source : file;
  // Sources are read into memory: cap each at 4 MiB (generated tables beyond that are data).
  const lim = archiveLimits({ maxReadBytes: 4 * 1024 * 1024, ...limits });
  const { members, files } = await readArchiveMembers(format, source, archive, lim, (m) => (SOURCE.test(m.path) && m.size <= lim.maxReadBytes) || (!BINARY.test(m.path) && m.size <= SMALL_TEXT));
  let strip = '';
  if (!isWheel) {
    const tops = new Set(members.map((m) => m.path.split('/')[0] ?? ''));
    if (tops.size === 1) strip = `${[...tops][0]}/`;
  }
  const texts = new Map<string, string>();
  const decoder = new TextDecoder('utf-8', { fatal: false });
  for (const [path, bytes] of files) {
    if (strip !== '' && !path.startsWith(strip)) continue;
    if (!SOURCE.test(path) && bytes.includes(0)) continue;
    texts.set(path.slice(strip.length), decoder.decode(bytes));
  }
  const tree: SourceTree = { distribution: file, kind: isWheel ? 'wheel' : 'sdist', files: texts };
  const pyprojectText = texts.get('pyproject.toml');
  if (!isWheel && pyprojectText !== undefined) {
    try {
      const backend = parsePyproject(pyprojectText, `${file}!pyproject.toml`).buildSystem;
      if (backend?.buildBackend !== undefined) {
        tree.backend = { module: backend.buildBackend.split(':')[0]!.trim(), paths: backend.backendPath };
      }
    } catch {
      // A broken pyproject.toml stops the build, not the scan.
    }
  }
  const result: ReadDistribution = { tree, name: parsedName.name, version: parsedName.version.toString() };
  const metaPath = isWheel
    ? [...texts.keys()].find((p) => /^[^/]+\.dist-info\/METADATA$/.test(p))
    : texts.has('PKG-INFO') ? 'PKG-INFO' : undefined;
  if (metaPath !== undefined) {
    try {
      result.metadata = parseCoreMetadata(texts.get(metaPath)!, { file: `${file}!${metaPath}` });
    } catch (err) {
      result.metadataProblem = err instanceof Error ? err.message : String(err);
    }
  } else {
    result.metadataProblem = isWheel ? 'the wheel has no .dist-info/METADATA' : 'the sdist has no PKG-INFO';
  }
  return result;
}
