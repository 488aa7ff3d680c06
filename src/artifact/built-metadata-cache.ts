// The on-disk cache of sandboxed metadata builds (issue 20): one JSON file per (sdist sha256,
// target, interpreter, options) key, under pyvouch's cache directory. The cache is not trusted
// blindly: an entry is used only when its key (which names the sdist's sha256) is exactly the one
// asked for, its checksum matches its content, and its fields have the shapes a build produces;
// build-metadata.ts then re-parses its METADATA as it would a fresh build's. Anything else (a
// truncated write, a foreign or edited file, a link) reads as a miss, and the sdist is rebuilt.

import { createHash } from 'node:crypto';
import { constants as fsConstants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import type { MetadataBuildInfo } from './target-env.js';
import { writeFileAtomic } from '../fs/atomic-write.js';

export const CACHE_FORMAT = 'pyvouch-built-metadata/1';
const MAX_ENTRY_BYTES = 4 * 1024 * 1024;

/** What is kept of one build: enough to answer as the build did, and to re-check that answer. */
export interface CachedBuild {
  readonly filename: string;
  /** The METADATA the build wrote. */
  readonly text: string;
  readonly backend: string;
  readonly hook: 'prepare_metadata_for_build_wheel' | 'build_wheel';
  readonly sandbox: string;
  readonly how: string;
  readonly build: MetadataBuildInfo;
  /** The build requirements it was built with (null: no build environment provider). */
  readonly requires: readonly string[] | null;
}

/** The entry's file: named by the hash of the full key, so no key can name another's file. */
export function cacheFile(dir: string, key: string): string {
  return join(dir, `${createHash('sha256').update(key).digest('hex')}.json`);
}

function checksum(payload: unknown): string {
  return createHash('sha256').update(JSON.stringify(payload)).digest('hex');
}

/** The entry for `key`, or undefined when there is none or it is not provably intact. */
export async function readCachedBuild(dir: string, key: string, sdistSha256: string): Promise<CachedBuild | undefined> {
  let text: string;
  try {
    const handle = await open(cacheFile(dir, key), fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW | fsConstants.O_NONBLOCK);
    try {
      const st = await handle.stat();
      if (!st.isFile() || st.size > MAX_ENTRY_BYTES) return undefined;
      text = new TextDecoder('utf-8', { fatal: true }).decode(await handle.readFile());
    } finally {
      await handle.close();
    }
  } catch {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (!isRecord(value) || value['format'] !== CACHE_FORMAT || value['key'] !== key || value['sdistSha256'] !== sdistSha256) return undefined;
    const entry = value['entry'];
    if (value['checksum'] !== checksum([CACHE_FORMAT, key, sdistSha256, entry])) return undefined;
    return isCachedBuild(entry) ? entry : undefined;
  } catch {
    return undefined;
  }
}

/** Writes the entry for `key` atomically (a reader sees the old file or the whole new one). */
export async function writeCachedBuild(dir: string, key: string, sdistSha256: string, entry: CachedBuild): Promise<void> {
  const body = { format: CACHE_FORMAT, key, sdistSha256, entry, checksum: checksum([CACHE_FORMAT, key, sdistSha256, entry]) };
  await writeFileAtomic(cacheFile(dir, key), `${JSON.stringify(body)}\n`, { mode: 0o600, dirMode: 0o700 });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isStrings = (v: unknown): v is string[] => Array.isArray(v) && v.every((s) => typeof s === 'string');

function isCachedBuild(v: unknown): v is CachedBuild {
  if (!isRecord(v)) return false;
  const b = v['build'];
  if (!isRecord(b)) return false;
  const interpreter = b['interpreter'];
  return (
    typeof v['filename'] === 'string' &&
    typeof v['text'] === 'string' &&
    typeof v['backend'] === 'string' &&
    (v['hook'] === 'prepare_metadata_for_build_wheel' || v['hook'] === 'build_wheel') &&
    typeof v['sandbox'] === 'string' &&
    typeof v['how'] === 'string' &&
    (v['requires'] === null || isStrings(v['requires'])) &&
    (b['mode'] === 'target' || b['mode'] === 'emulated' || b['mode'] === 'host') &&
    (b['target'] === undefined || typeof b['target'] === 'string') &&
    isRecord(interpreter) &&
    typeof interpreter['version'] === 'string' &&
    typeof interpreter['executable'] === 'string' &&
    typeof b['backend'] === 'string' &&
    isStrings(b['emulated']) &&
    isStrings(b['requiresDist']) &&
    isStrings(b['buildRequires']) &&
    typeof b['cached'] === 'boolean'
  );
}
