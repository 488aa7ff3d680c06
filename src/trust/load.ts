// The only I/O of trust/: reads a policy file (pyvouch.toml, or pyproject.toml's [tool.pyvouch])
// and hands the text to the pure parser.

import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { PyvouchError } from '../errors.js';
import { parsePolicyToml } from './parse.js';
import type { Policy } from './policy.js';

/** Reads the policy at `path`; a file named pyproject.toml is read through its [tool.pyvouch] table. */
export async function loadPolicy(path: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PyvouchError('IO', code === 'ENOENT' ? `no policy file at ${path}` : `cannot read the policy ${path}: ${String(err)}`, {
      file: path,
      help: 'pass the policy with --policy PATH, or write a pyvouch.toml (see docs/policy.md)',
      cause: err,
    });
  }
  return parsePolicyToml(text, { file: path, pyproject: basename(path) === 'pyproject.toml' });
}

/**
 * Finds the policy of a project directory: pyvouch.toml first, else a pyproject.toml that has a
 * [tool.pyvouch] table. Undefined when there is neither.
 */
export async function findPolicy(dir: string): Promise<Policy | undefined> {
  const own = join(dir, 'pyvouch.toml');
  const ownText = await readIfPresent(own);
  if (ownText !== undefined) return parsePolicyToml(ownText, { file: own });
  const pyproject = join(dir, 'pyproject.toml');
  const text = await readIfPresent(pyproject);
  // Only a pyproject.toml that mentions the table is a policy; any other is someone else's file.
  if (text === undefined || !/^\s*\[+\s*tool\s*\.\s*pyvouch\b/m.test(text)) return undefined;
  return parsePolicyToml(text, { file: pyproject, pyproject: true });
}

async function readIfPresent(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new PyvouchError('IO', `cannot read ${path}: ${String(err)}`, { file: path, cause: err });
  }
}
