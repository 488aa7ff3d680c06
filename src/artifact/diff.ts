// The diff between two releases' files (sdists or wheels), the input to delta reviews: which files
// were added, removed or changed, and the lines added and removed per text file (the `diff`
// package's line diff). Binary files are listed, not diffed. Archives go through the vetted readers.
import { createHash } from 'node:crypto';
import { diffLines, createTwoFilesPatch } from 'diff';
import { archiveFormat, readArchiveMembers, type ArchiveSource } from './archive.js';
import { archiveLimits, type ArchiveLimits } from './limits.js';

export interface ReleaseTree {
  /** The archive's file name. */
  archive: string;
  /** Regular files by path inside the release (an sdist's top directory removed). */
  files: Map<string, Buffer>;
}

export type FileChange = 'added' | 'removed' | 'modified';

export interface FileDiff {
  path: string;
  change: FileChange;
  binary: boolean;
  added: number;
  removed: number;
  /** Unified diff of a text file (only when asked for). */
  patch?: string;
}

export interface ReleaseDiff {
  from: { archive: string; sha256?: string };
  to: { archive: string; sha256?: string };
  files: FileDiff[];
  added: number;
  removed: number;
  binary: number;
}

/** Reads every regular file of a wheel or sdist through the vetted readers, nothing extracted. */
export async function readReleaseTree(source: ArchiveSource, filename: string, limits: Partial<ArchiveLimits> = {}): Promise<ReleaseTree> {
  const format = archiveFormat(filename);
  const contents = await readArchiveMembers(format, source, filename, archiveLimits(limits), () => true);
  const sdist = !filename.toLowerCase().endsWith('.whl');
  const files = new Map<string, Buffer>();
  for (const [path, bytes] of contents.files) {
    const inside = sdist ? path.split('/').slice(1).join('/') : path;
    if (inside !== '') files.set(inside, bytes);
  }
  return { archive: filename, files };
}

/** Text is valid UTF-8 without NUL bytes (as diff(1) decides binary-ness by NULs). */
export function isBinary(bytes: Buffer): boolean {
  if (bytes.subarray(0, 8192).includes(0)) return true;
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return false;
  } catch {
    return true;
  }
}

function lineCount(text: string): number {
  if (text === '') return 0;
  const n = text.split('\n').length;
  return text.endsWith('\n') ? n - 1 : n;
}

/** File-level and line-level diff from `from` to `to`, files sorted by path. */
export function diffReleaseTrees(from: ReleaseTree, to: ReleaseTree, opts: { patches?: boolean } = {}): ReleaseDiff {
  const paths = [...new Set([...from.files.keys(), ...to.files.keys()])].sort();
  const files: FileDiff[] = [];
  for (const path of paths) {
    const a = from.files.get(path);
    const b = to.files.get(path);
    if (a !== undefined && b !== undefined && a.equals(b)) continue;
    const change: FileChange = a === undefined ? 'added' : b === undefined ? 'removed' : 'modified';
    const binary = (a !== undefined && isBinary(a)) || (b !== undefined && isBinary(b));
    if (binary) {
      files.push({ path, change, binary, added: 0, removed: 0 });
      continue;
    }
    const oldText = a?.toString('utf8') ?? '';
    const newText = b?.toString('utf8') ?? '';
    let added = 0;
    let removed = 0;
    if (a === undefined) added = lineCount(newText);
    else if (b === undefined) removed = lineCount(oldText);
    else {
      for (const part of diffLines(oldText, newText)) {
        if (part.added) added += part.count;
        else if (part.removed) removed += part.count;
      }
    }
    const fd: FileDiff = { path, change, binary, added, removed };
    if (opts.patches === true) fd.patch = createTwoFilesPatch(a === undefined ? '/dev/null' : `a/${path}`, b === undefined ? '/dev/null' : `b/${path}`, oldText, newText);
    files.push(fd);
  }
  return {
    from: { archive: from.archive },
    to: { archive: to.archive },
    files,
    added: files.reduce((n, f) => n + f.added, 0),
    removed: files.reduce((n, f) => n + f.removed, 0),
    binary: files.filter((f) => f.binary).length,
  };
}

export function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** `git diff --stat`-like lines. */
export function renderDiffStat(d: ReleaseDiff): string {
  const lines = d.files.map((f) => `${f.change === 'added' ? 'A' : f.change === 'removed' ? 'D' : 'M'} ${f.path}${f.binary ? '  (binary)' : `  +${f.added} -${f.removed}`}`);
  lines.push(`${d.files.length} file${d.files.length === 1 ? '' : 's'} changed, ${d.added} lines added, ${d.removed} removed${d.binary > 0 ? `, ${d.binary} binary` : ''} (${d.from.archive} -> ${d.to.archive})`);
  return `${lines.join('\n')}\n`;
}
