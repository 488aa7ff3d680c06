// How much code a reviewer must read: the source lines in a wheel or sdist, and the lines a new
// release adds over an older one. `pyvouch suggest` ranks reviews by it, as cargo-vet does. The
// archives go through the same vetted readers as everything else (no extraction).
import { archiveFormat, readArchiveMembers } from './archive.js';
import { archiveLimits, type ArchiveLimits } from './limits.js';
import type { ArchiveSource } from './archive.js';

/** Files a reviewer reads: code and the build scripts that run at install time. */
const SOURCE = /\.(py|pyi|pyx|pxd|pxi|c|h|cc|cpp|cxx|hpp|rs|go|js|mjs|ts|f90|f|sh|ps1|bat|toml|cfg|in)$/i;

/** Source files of an archive, by path inside the release (an sdist's top directory removed). */
export async function sourceFiles(source: ArchiveSource, filename: string, limits: Partial<ArchiveLimits> = {}): Promise<Map<string, string[]>> {
  const format = archiveFormat(filename);
  const contents = await readArchiveMembers(format, source, filename, archiveLimits(limits), (m) => SOURCE.test(m.path));
  const sdist = format === 'tar.gz' || !filename.toLowerCase().endsWith('.whl');
  const out = new Map<string, string[]>();
  for (const [path, bytes] of contents.files) {
    const inside = sdist ? path.split('/').slice(1).join('/') : path;
    if (inside === '' || /\.dist-info\/|\.egg-info\//.test(inside)) continue;
    out.set(inside, bytes.toString('utf8').split(/\r?\n/));
  }
  return out;
}

/** Non-blank lines over all files. */
export function countLines(files: ReadonlyMap<string, readonly string[]>): number {
  let n = 0;
  for (const lines of files.values()) for (const line of lines) if (line.trim() !== '') n++;
  return n;
}

/**
 * Lines of `to` a reviewer of the diff from `from` must read: per file, the non-blank lines of
 * `to` that `from` does not have (as a multiset, so moved lines are free and repeated ones count),
 * and whole files that are new. An approximation of a diff's size that needs no alignment.
 */
export function addedLines(from: ReadonlyMap<string, readonly string[]>, to: ReadonlyMap<string, readonly string[]>): number {
  let n = 0;
  for (const [path, lines] of to) {
    const before = new Map<string, number>();
    for (const line of from.get(path) ?? []) before.set(line, (before.get(line) ?? 0) + 1);
    for (const line of lines) {
      if (line.trim() === '') continue;
      const left = before.get(line) ?? 0;
      if (left > 0) before.set(line, left - 1);
      else n++;
    }
  }
  return n;
}
