// The PackageIndex of a local directory of wheels (PEP 427) and sdists (PEP 625): a PEP 503-style
// tree `<dir>/<project>/<files>`, a flat `--find-links` directory, or both at once. Digests are
// computed from the files; metadata is read from the wheel, or from an sdist's PKG-INFO.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import type { Provenance } from '../provenance/attestation.js';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PyvouchError } from '../errors.js';
import { formatBytes, archiveLimits, type ArchiveLimits } from '../artifact/limits.js';
import { parseSdistFilename, parseWheelFilename } from '../pep/filename.js';
import { canonicalizeName } from '../pep/name.js';
import { verifyDigests } from './digest.js';
import type { IndexFile, PackageIndex, ProjectPage } from './types.js';
import { memo, METADATA_MEMO } from '../memo.js';

export interface LocalIndexOptions {
  /** Largest file read (default 1 GiB), as for a remote index. */
  maxDownloadBytes?: number;
  archiveLimits?: Partial<ArchiveLimits>;
}

interface Listing {
  /** Distribution files at the top level, by canonical project name. */
  flat: Map<string, string[]>;
  /** Project directories, by the canonical form of their name (`Foo_Bar/` serves `foo-bar`). */
  dirs: Map<string, string[]>;
}

interface Digest {
  size: number;
  mtimeMs: number;
  sha256: string;
}

export class LocalIndex implements PackageIndex {
  readonly url: string;
  readonly root: string;
  private readonly maxDownloadBytes: number;
  private readonly limits: ArchiveLimits;
  private listing: Promise<Listing> | undefined;
  // Hashing is the slow part; a file whose size and mtime did not change keeps its digest.
  private readonly digests = new Map<string, Digest>();
  private readonly metadata = new Map<string, Promise<string>>();

  constructor(dir: string, options: LocalIndexOptions = {}) {
    this.root = resolve(dir);
    this.url = pathToFileURL(this.root.endsWith(sep) ? this.root : `${this.root}${sep}`).href;
    this.maxDownloadBytes = options.maxDownloadBytes ?? 1024 * 1024 * 1024;
    this.limits = archiveLimits(options.archiveLimits);
  }

  /** Forget the directory listing, so files added since are seen. */
  refresh(): void {
    this.listing = undefined;
  }

  async project(name: string): Promise<ProjectPage | undefined> {
    const canonical = canonicalizeName(name, { validate: true });
    this.listing ??= this.list();
    let listing: Listing;
    try {
      listing = await this.listing;
    } catch (err) {
      this.listing = undefined;
      throw err;
    }
    const flat = listing.flat.get(canonical) ?? [];
    const dirs = listing.dirs.get(canonical) ?? [];
    if (flat.length === 0 && dirs.length === 0) return undefined;
    const paths = [...flat];
    for (const dir of dirs) {
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        // A file of another project in this project's directory is not offered under this name.
        if (distributionName(entry.name) === canonical && (await isFile(path))) paths.push(path);
      }
    }
    // Stat and hash the project's files together: the disk and the hash run side by side.
    const files: IndexFile[] = await Promise.all(paths.map((path) => this.fileAt(path)));
    files.sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
    const only = dirs.length === 1 && flat.length === 0 ? dirs[0] : undefined;
    const url = only === undefined ? this.url : pathToFileURL(`${only}${sep}`).href;
    return { name: canonical, files, url };
  }

  coreMetadata(file: IndexFile): Promise<string> {
    // Asked once per target by a many-target resolve: read each file's metadata once. A file
    // replaced since has another digest, hence another key (and download() refuses it anyway).
    return memo(this.metadata, `${file.url}\n${JSON.stringify(file.hashes)}`, () => this.readCoreMetadata(file), METADATA_MEMO);
  }

  private async readCoreMetadata(file: IndexFile): Promise<string> {
    const bytes = await this.download(file);
    // The archive readers load on first use (as in http-index.ts): listing a directory needs none.
    if (file.filename.toLowerCase().endsWith('.whl')) {
      const { readWheelMetadata } = await import('../artifact/wheel.js');
      return (await readWheelMetadata(bytes, file.filename, { limits: this.limits })).text;
    }
    const { readSdistMetadata } = await import('../artifact/sdist.js');
    const sdist = await readSdistMetadata(bytes, file.filename, { limits: this.limits });
    if (sdist.pkgInfoText !== undefined) return sdist.pkgInfoText;
    throw new PyvouchError('INDEX_NO_METADATA', `${file.filename} has no PKG-INFO`, {
      file: file.url,
      help: 'build its metadata with sdistDependencies (src/artifact/sdist.ts), which can run the build backend in a sandbox',
    });
  }

  async download(file: IndexFile): Promise<Uint8Array> {
    const path = this.pathOf(file.url);
    const info = await stat(path).catch((err: unknown) => {
      throw new PyvouchError('IO', `cannot read ${file.filename}: ${(err as Error).message}`, { file: path, cause: err });
    });
    if (info.size > this.maxDownloadBytes) {
      throw new PyvouchError('IO', `${file.filename} is larger than the ${formatBytes(this.maxDownloadBytes)} allowed`, { file: path });
    }
    const raw = await readFile(path);
    const bytes = new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    // The digest was taken when the project was listed; a file replaced since must not pass as it.
    verifyDigests(bytes, file.hashes, file.filename, file.url);
    return bytes;
  }

  /** PEP 740 beside the file: `<filename>.provenance` in the same directory, when present. */
  async provenance(file: IndexFile): Promise<Provenance | undefined> {
    const path = this.pathOf(file.url);
    const { findProvenance } = await import('../provenance/find.js');
    return findProvenance(dirname(path), file.filename);
  }

  /** The path of a file URL of this index; anything outside the directory is refused. */
  private pathOf(url: string): string {
    let path: string;
    try {
      path = resolve(fileURLToPath(url));
    } catch (err) {
      throw new PyvouchError('USAGE', `'${url}' is not a file of the local index ${this.root}`, { cause: err });
    }
    const rel = relative(this.root, path);
    if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) {
      throw new PyvouchError('USAGE', `'${url}' is not a file of the local index ${this.root}`);
    }
    return path;
  }

  private async list(): Promise<Listing> {
    let entries;
    try {
      entries = await readdir(this.root, { withFileTypes: true });
    } catch (err) {
      throw new PyvouchError('IO', `cannot read the index directory: ${(err as Error).message}`, {
        file: this.root,
        help: 'give --index an existing directory of wheels and sdists, or an http(s) URL',
        cause: err,
      });
    }
    const listing: Listing = { flat: new Map(), dirs: new Map() };
    for (const entry of entries) {
      if (entry.name.startsWith('.')) continue;
      const path = join(this.root, entry.name);
      const kind = entry.isSymbolicLink() ? await kindOf(path) : entry.isDirectory() ? 'dir' : entry.isFile() ? 'file' : 'other';
      if (kind === 'dir') push(listing.dirs, canonicalizeName(entry.name), path);
      else if (kind === 'file') {
        const project = distributionName(entry.name);
        if (project !== undefined) push(listing.flat, project, path);
      }
    }
    return listing;
  }

  private async fileAt(path: string): Promise<IndexFile> {
    const info = await stat(path);
    let digest = this.digests.get(path);
    if (digest === undefined || digest.size !== info.size || digest.mtimeMs !== info.mtimeMs) {
      digest = { size: info.size, mtimeMs: info.mtimeMs, sha256: await sha256File(path, info.size) };
      this.digests.set(path, digest);
    }
    return {
      filename: basename(path),
      url: pathToFileURL(path).href,
      hashes: { sha256: digest.sha256 },
      yanked: false,
      coreMetadata: false,
      size: info.size,
    };
  }
}

/** The canonical project a wheel or sdist file name belongs to; undefined for any other file. */
export function distributionName(filename: string): string | undefined {
  try {
    if (filename.endsWith('.whl')) return parseWheelFilename(filename).name;
    if (filename.endsWith('.tar.gz') || filename.endsWith('.zip')) return parseSdistFilename(filename).name;
  } catch {
    // Not a distribution: READMEs, .metadata files, partial downloads.
  }
  return undefined;
}

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

async function kindOf(path: string): Promise<'dir' | 'file' | 'other'> {
  try {
    const info = await stat(path);
    return info.isDirectory() ? 'dir' : info.isFile() ? 'file' : 'other';
  } catch {
    return 'other'; // a dangling link
  }
}

async function isFile(path: string): Promise<boolean> {
  return (await kindOf(path)) === 'file';
}

/** Files up to this size are hashed from one read; larger ones stream, to bound memory. */
const ONE_READ_BYTES = 8 * 1024 * 1024;

async function sha256File(path: string, size: number): Promise<string> {
  if (size <= ONE_READ_BYTES) return createHash('sha256').update(await readFile(path)).digest('hex');
  return new Promise((resolvePromise, reject) => {
    const hash = createHash('sha256');
    createReadStream(path)
      .on('data', (chunk) => hash.update(chunk))
      .on('error', reject)
      .on('end', () => resolvePromise(hash.digest('hex')));
  });
}
