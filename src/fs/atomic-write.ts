// Writing a file so that a reader sees either the old contents or the whole new ones, never half:
// the bytes go to a temporary file beside the target, which rename(2) then puts in its place. The
// temporary name is unique per writer (process id and random bytes), so two processes (serve
// replicas, a CLI beside a server) or two calls never write into one temporary file, and a failed
// write leaves no temporary file behind. Every cache, state file and rendered page pyvouch keeps on
// disk is written through here. An adapter (file system); nothing in the pure core uses it.
import { randomBytes } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface AtomicWriteOptions {
  /** The new file's mode (default 0o666, less the umask, as writeFile's). */
  mode?: number;
  /** Create the parent directories with this mode when missing (default: do not create them). */
  dirMode?: number;
}

/** A fresh temporary name beside `path`, on the same file system (so rename(2) is atomic). */
export function tempNameBeside(path: string): string {
  return `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
}

/** Replaces `path` with `data` atomically. */
export async function writeFileAtomic(path: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  if (options.dirMode !== undefined) await mkdir(dirname(path), { recursive: true, mode: options.dirMode });
  const temp = tempNameBeside(path);
  try {
    await writeFile(temp, data, { mode: options.mode ?? 0o666, flag: 'wx' });
    await rename(temp, path);
  } catch (err) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw err;
  }
}
