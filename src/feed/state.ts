// The followed feeds' state files (<config>/feeds/NAME/feed.json), apart from follow.ts so that
// reading them (every `check` maps feed criteria) does not load tuf-js.
import { existsSync } from 'node:fs';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PyvouchError, type ErrorCode } from '../errors.js';

export const STATE_FORMAT = 'pyvouch-followed-feed';

export interface FeedVersions {
  root: number;
  timestamp: number;
  snapshot: number;
  targets: number;
}

export interface FollowedFeed {
  format: typeof STATE_FORMAT;
  version: 1;
  name: string;
  /** An http(s) URL, or an absolute directory path, of the repository (holding metadata/ and targets/). */
  location: string;
  /** Their criteria → ours. Unmapped criteria of theirs are dropped (built-in names map to themselves). */
  criteriaMap: Record<string, string>;
  /** Fingerprint of the root pinned when following (see rootFingerprint). */
  rootFingerprint: string;
  /** The registry entry it was followed from, if any. */
  registry?: string;
  followedAt: string;
  description?: string;
  lastSync?: string;
  lastError?: { code: ErrorCode; message: string; at: string };
  versions?: FeedVersions;
  /** Batch target path → sha256 of the content imported. */
  batches: Record<string, string>;
  counts: { statements: number; imported: number; duplicates: number; rejected: number; suggestions: number };
}

export function feedsDir(configDir: string): string {
  return join(configDir, 'feeds');
}

export function feedDir(configDir: string, name: string): string {
  return join(feedsDir(configDir), name);
}

export function checkFeedName(name: string): string {
  if (!/^[a-z0-9][a-z0-9._-]{0,63}$/.test(name)) {
    throw new PyvouchError('USAGE', `'${name}' is not a usable feed name (lower-case letters, digits, '.', '_', '-'; up to 64)`);
  }
  return name;
}

export async function readState(configDir: string, name: string): Promise<FollowedFeed> {
  const file = join(feedDir(configDir, checkFeedName(name)), 'feed.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new PyvouchError('FEED_NOT_FOUND', `no followed feed named '${name}'`, { help: 'see `pyvouch feed list`, or follow it with `pyvouch feed follow`' });
    }
    throw new PyvouchError('IO', `cannot read ${file}: ${(err as Error).message}`, { file, cause: err });
  }
  const state = JSON.parse(text) as FollowedFeed;
  if (state.format !== STATE_FORMAT || state.version !== 1) throw new PyvouchError('CONFIG_INVALID', `${file}: not a followed-feed state file`, { file });
  return state;
}

export async function listFeeds(configDir: string): Promise<FollowedFeed[]> {
  const dir = feedsDir(configDir);
  if (!existsSync(dir)) return [];
  const names = (await readdir(dir)).filter((n) => existsSync(join(dir, n, 'feed.json'))).sort();
  return Promise.all(names.map((n) => readState(configDir, n)));
}
