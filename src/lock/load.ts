// The I/O edge of the lock readers: reads a lock file from disk, with the pyproject.toml beside it
// (poetry.lock names no roots of its own) and any -r/-c includes, and hands the text to `readLock`.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { PyvouchError } from '../errors.js';
import type { Graph, SelectionOptions, TargetDescription } from '../graph/graph.js';
import { LOCK_FILE_NAMES, readLock } from './read.js';

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const reason =
      code === 'ENOENT' ? 'no such file'
      : code === 'EISDIR' ? 'it is a directory'
      : code === 'EACCES' ? 'permission denied'
      : String((err as Error).message);
    throw new PyvouchError('IO', `cannot read the file: ${reason}`, {
      file: path,
      cause: err,
      help: 'pass the path of a lock file: ' + LOCK_FILE_NAMES,
    });
  }
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

export function loadLockFile(path: string, target: TargetDescription, selection: SelectionOptions = {}): Graph {
  const text = readText(path);
  const pyproject = readOptional(join(dirname(path), 'pyproject.toml'));
  return readLock(
    { path, text, readFile: readText, ...(pyproject === undefined ? {} : { pyproject }) },
    target,
    selection,
  );
}
